#!/usr/bin/env python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Helpers of the phone_user role, run on the controller with the Python of ansible-playbook.

    phone_user_report.py prepare WORK_DIR
        stdin: {"people": [...] or null, "people_file": path or null, "defaults": {...}}
        Writes the people, defaults merged under each person, to WORK_DIR/people.json (JSON, 0600): the users_file of
        zoom_user_sync when the role has phone_user_defaults.
    phone_user_report.py report WORK_DIR check|apply pending-fails|pending-ok
        stdin: {"result": the zoom_user_sync result, "people": [...] or null, "people_file": path or null}
        Reads the plan file WORK_DIR/plan.json, removes WORK_DIR and prints two JSON lines: {"lines": [...],
        "incomplete": [emails], "counts": {status: n}, "check": bool}, then the report (one entry per person).

Both walk every person: Jinja loops over a thousand people take seconds in ansible-core 2.19 (the role rows of
bench/RESULTS.md), this takes milliseconds.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import argparse
import json
import os
import re
import shutil
import sys

# The role runs inside its collection (ansible_collections/zoomops/provisioning/roles/phone_user/files): the people
# file and the deprecated keys are read by zoom_user_sync's own code, so role and module cannot drift apart.
sys.path.insert(0, os.path.abspath(os.path.join(os.path.dirname(__file__), *([os.pardir] * 6))))
# pylint: disable-next=wrong-import-position
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_input import DEPRECATED_KEYS, load_users_file  # noqa: E402


def _current_name(key):
    """The name a person's key stands for now: ``dept`` -> ``department``, ``extension`` -> ``phone.extension_number``."""
    new = DEPRECATED_KEYS[key][0] if key in DEPRECATED_KEYS else key
    return new if isinstance(new, str) else '.'.join(new)


_INDEX = re.compile(r'users(?:_file)?\[(\d+)\]')
_ENTRY_PREFIX = re.compile(r'^users(?:_file)?\[\d+\](?: \([^)]*\))?(?:: |\.)?')
_EMAIL_PREFIX = re.compile(r'^[^\s:()|]+@[^\s:()|]+: ')


def _fields(person):
    """The fields a person sets, by their current name (``phone.site``, ``type``, ...), whatever name they use."""
    fields = set()
    for key, value in person.items():
        if key == 'phone' and isinstance(value, dict):
            fields.update('phone.' + name for name in value)
        else:
            fields.add(_current_name(key))
    return fields


def merge_defaults(person, defaults):
    """``defaults`` under ``person``: the person's own fields win, also when the two use different names for one field."""
    if not isinstance(person, dict) or not defaults:
        return person
    own = _fields(person)
    merged = {}
    for key, value in defaults.items():
        if key == 'phone' and isinstance(value, dict):
            phone = dict((name, item) for name, item in value.items() if 'phone.' + name not in own)
            if phone:
                merged['phone'] = phone
        elif _current_name(key) not in own:
            merged[key] = value
    for key, value in person.items():
        if key == 'phone' and isinstance(value, dict) and isinstance(merged.get('phone'), dict):
            merged['phone'] = dict(merged['phone'], **value)
        else:
            merged[key] = value
    return merged


def people_of(request):
    """The people of a request: its list, else the entries of its people file (ValueError naming the file if unreadable)."""
    if request.get('people') is not None:
        return request['people']
    people, error = load_users_file(request['people_file'])
    if error:
        raise ValueError(error.replace('users_file=', 'phone_user_people_file=', 1))
    return people


def prepare(request, work_dir):
    """Write the people, defaults merged, as the users_file of zoom_user_sync (see the module docstring)."""
    defaults = request.get('defaults') or {}
    merged = [merge_defaults(person, defaults) for person in people_of(request) or []]
    descriptor = os.open(os.path.join(work_dir, 'people.json'), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, 'w') as handle:
        json.dump(merged, handle, ensure_ascii=False)


def _text(value):
    if value is None:
        return '-'
    if isinstance(value, bool):
        return 'true' if value else 'false'
    if isinstance(value, list):
        return '[%s]' % ', '.join(str(item) for item in value)
    return str(value)


def _actions(changes):
    """The contract's action labels for a plan entry's changes: create, activate/deactivate, update:<f>, phone:<f>."""
    actions = []
    for field, pair in changes.items():
        if field == 'status':
            actions.append('create' if pair[0] is None else ('activate' if pair[1] == 'active' else 'deactivate'))
        elif field.startswith('phone.'):
            actions.append('phone:' + field[len('phone.'):])
        else:
            actions.append('update:' + field)
    return actions


def _detail(changes, created):
    parts = []
    for field, pair in changes.items():
        if field == 'status':
            continue
        parts.append('%s %s' % (field, _text(pair[1])) if created else '%s %s -> %s' % (field, _text(pair[0]), _text(pair[1])))
    return (' - ' + '; '.join(parts)) if parts else ''


def _refusals(result):
    """Problems of a refused list: (by position in the list, by email), from zoom_user_sync's ``problem_details``
    (index, email, field, message). Only its input refusal names people; other refusals have none (everyone is
    reported "not started")."""
    by_index, by_email = {}, {}
    for detail in result.get('problem_details') or ():
        message = str(detail.get('message') or '')
        field = detail.get('field')
        text = _EMAIL_PREFIX.sub('', _ENTRY_PREFIX.sub('', message))
        if text.startswith('phone: '):
            text = text[len('phone: '):]
        if field and not text.startswith(field):
            name = field.rsplit('.', 1)[-1]
            text = field + text[len(name):] if text.startswith(name + ': ') else '%s: %s' % (field, text)
        # a duplicate names the other entry too ("also users[2]"): both people see the problem
        indexes = set(int(index) for index in _INDEX.findall(message))
        if detail.get('index') is not None:
            indexes.add(int(detail['index']))
        for index in sorted(indexes):
            by_index.setdefault(index, []).append(text)
        if not indexes and detail.get('email'):
            by_email.setdefault(str(detail['email']).lower(), []).append(text)
    return by_index, by_email


def _outcomes(result):
    outcome = {}
    for name in ('created', 'unchanged'):
        for email in result.get(name) or []:
            outcome[str(email).lower()] = {'bucket': name}
    for name in ('updated', 'pending', 'failures', 'protected'):
        for item in result.get(name) or []:
            outcome[str(item.get('email')).lower()] = dict(item, bucket=name)
    return outcome


def _read_plan(path):
    try:
        with open(path, 'rb') as handle:
            return json.loads(handle.read().decode('utf-8'))
    except (IOError, OSError, ValueError):
        return {}


def _entry(email, check, refused, problems, planned, got):
    """One person's report entry."""
    changes = planned.get('changes') or {}
    bucket = got.get('bucket')
    item = {'email': email, 'status': 'done', 'changed': False, 'zoom_status': planned.get('status'),
            'pending_reason': None, 'remedy': None, 'actions': got.get('actions') or _actions(changes), 'message': None}
    if refused and problems:
        message = ' | '.join(problems)
        item.update(status='refused', message=message, line='%s: REFUSED - %s' % (email, message))
    elif refused:
        item.update(status='not_started', message='not started: the list was refused before any write',
                    line='%s: NOT STARTED - the list was refused before any write (see the problems); nothing was sent '
                         'to Zoom' % email)
    elif bucket == 'created':
        head = 'WOULD CREATE (predicted %s)' % (planned.get('status') or 'active') if check else 'DONE (created)'
        item.update(status='would_create' if check else 'done', changed=True,
                    line='%s: %s%s' % (email, head, _detail(changes, True)))
    elif bucket == 'updated':
        item.update(status='would_change' if check else 'done', changed=True,
                    line='%s: %s%s' % (email, 'WOULD CHANGE' if check else 'DONE (changed)', _detail(changes, False)))
    elif bucket == 'unchanged':
        item.update(line='%s: DONE (%s)' % (email, 'no drift' if check else 'unchanged'))
    elif bucket == 'pending':
        item.update(status='pending', changed=bool(got.get('created')), zoom_status='pending',
                    pending_reason=got.get('reason'), remedy=got.get('remedy'),
                    line='%s: PENDING (%s) - %s' % (email, got.get('reason'), got.get('remedy')))
    elif bucket == 'failures':
        done = list(got.get('done') or [])
        item.update(status='failed', changed=bool(done), message=got.get('message'), actions=done,
                    line='%s: FAILED - %s' % (email, got.get('message')))
    elif bucket == 'protected':
        item.update(status='skipped', message=got.get('reason'),
                    line='%s: SKIPPED - %s' % (email, got.get('reason')))
    else:
        item.update(status='failed', message='zoom_user_sync reported nothing for this person',
                    line='%s: FAILED - zoom_user_sync reported nothing for this person' % email)
    return item


def list_refused(result):
    """True when zoom_user_sync wrote nothing because it refused the list (or could not plan it at all)."""
    return 'totals' not in result or bool(result.get('refusal') or (result.get('plan') or {}).get('refusal'))


def build_report(people, result, plan, check_mode=False, refused=False):
    """One report entry per person, in list order, from the zoom_user_sync result and its plan document.

    ``status``: done | would_create | would_change (check mode) | pending | failed | skipped (protected) |
    refused (the person's problems refused the list) | not_started (the list was refused for others' problems).
    """
    planned = dict((str(entry.get('email')).lower(), entry) for entry in plan.get('users') or [])
    by_index, by_email = _refusals(result) if refused else ({}, {})
    outcome = _outcomes(result)
    report = []
    for position, person in enumerate(people):
        email = person.get('email') if isinstance(person, dict) else None
        email = email if isinstance(email, str) and email else 'phone_user_people[%d]' % position
        key = email.lower()
        problems = by_index.get(position, []) + by_email.get(key, [])
        report.append(_entry(email, check_mode, refused, problems, planned.get(key, {}), outcome.get(key, {})))
    return report


COMPLETE = ('done', 'would_create', 'would_change')


def summary(report, pending_fails=True, check_mode=False, refused=False):
    """The lines of the report, the emails of the people not completed, the count per status, the mode, and whether
    the list was refused."""
    counts = {}
    for item in report:
        counts[item['status']] = counts.get(item['status'], 0) + 1
    incomplete = [item['email'] for item in report
                  if item['status'] not in COMPLETE and (pending_fails or item['status'] != 'pending')]
    return {'lines': [item['line'] for item in report], 'incomplete': incomplete, 'counts': counts, 'check': check_mode,
            'refused': refused}


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split('\n\n', maxsplit=1)[0])
    commands = parser.add_subparsers(dest='command')
    prepare_command = commands.add_parser('prepare')
    prepare_command.add_argument('work_dir')
    report = commands.add_parser('report')
    report.add_argument('work_dir')
    report.add_argument('mode', choices=['check', 'apply'], help='check: zoom_user_sync ran in check mode')
    report.add_argument('pending', choices=['pending-fails', 'pending-ok'], help='whether pending people count as incomplete')
    args = parser.parse_args(argv)
    request = json.load(sys.stdin)
    if args.command == 'prepare':
        try:
            prepare(request, args.work_dir)
        except (IOError, OSError, ValueError) as exc:
            sys.exit(str(exc))
    elif args.command == 'report':
        plan = _read_plan(os.path.join(args.work_dir, 'plan.json'))
        shutil.rmtree(args.work_dir, ignore_errors=True)
        try:
            people = people_of(request)
        except ValueError:
            people = []  # zoom_user_sync refused the file; its message says why
        check_mode = args.mode == 'check'
        result = request.get('result') or {}
        refused = list_refused(result)
        entries = build_report(people if isinstance(people, list) else [], result, plan, check_mode, refused)
        # two lines: the summary, then the report (the role keeps each in a fact of its own)
        sys.stdout.write(json.dumps(summary(entries, args.pending == 'pending-fails', check_mode, refused)) + '\n'
                         + json.dumps(entries) + '\n')
    else:
        parser.error('give a command: prepare or report')
    return 0


if __name__ == '__main__':
    sys.exit(main())
