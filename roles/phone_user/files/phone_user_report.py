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

try:
    import yaml
    try:
        from yaml import CSafeLoader as YamlLoader
    except ImportError:
        from yaml import SafeLoader as YamlLoader
except ImportError:  # ansible-core requires PyYAML; a JSON people file still works without it
    yaml = None  # pylint: disable=invalid-name
    YamlLoader = None  # pylint: disable=invalid-name

YamlError = yaml.YAMLError if yaml is not None else ValueError

# Deprecated flat keys of a person and the phone.* field each stands for (zoom_user_sync maps them and warns).
FLAT_PHONE_KEYS = {
    'extension': 'extension_number', 'phone_number': 'phone_numbers', 'calling_plan': 'calling_plans',
    'site': 'site', 'extension_number': 'extension_number', 'calling_plans': 'calling_plans',
    'phone_numbers': 'phone_numbers',
}
RENAMED_KEYS = {'user_type': 'type'}

_INDEX = re.compile(r'users(?:_file)?\[(\d+)\]')
_OWNER = re.compile(r'^([^\s:()|]+@[^\s:()|]+)[ :]')
_ENTRY_PREFIX = re.compile(r'^users(?:_file)?\[\d+\](?: \([^)]*\))?(?:: |\.)?')
_EMAIL_PREFIX = re.compile(r'^[^\s:()|]+@[^\s:()|]+: ')


def _fields(person):
    """The fields a person sets, by their current name (``phone.site``, ``type``, ...), whatever name they use."""
    fields = set()
    for key, value in person.items():
        if key == 'phone' and isinstance(value, dict):
            fields.update('phone.' + name for name in value)
        elif key in FLAT_PHONE_KEYS:
            fields.add('phone.' + FLAT_PHONE_KEYS[key])
        else:
            fields.add(RENAMED_KEYS.get(key, key))
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
        elif ('phone.' + FLAT_PHONE_KEYS[key] if key in FLAT_PHONE_KEYS else RENAMED_KEYS.get(key, key)) not in own:
            merged[key] = value
    for key, value in person.items():
        if key == 'phone' and isinstance(value, dict) and isinstance(merged.get('phone'), dict):
            merged['phone'] = dict(merged['phone'], **value)
        else:
            merged[key] = value
    return merged


def people_of(request):
    """The people of a request: its list, else the entries of its people file."""
    if request.get('people') is not None:
        return request['people']
    return read_people(request['people_file'])


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
    """Problems of a refused list: (by position in the list, by email).

    From ``problem_details`` (index, email, field, message) when the module gives them, else from the problem texts:
    positions from ``users[N]`` / ``users_file[N]`` (both entries of a duplicate), emails from an ``email: `` prefix.
    """
    by_index, by_email = {}, {}
    details = result.get('problem_details')
    if details:
        for detail in details:
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
    texts = result.get('problems')
    if texts is None:
        msg = result.get('msg') or ''
        texts = re.split(r' problems?: ', msg, maxsplit=1)[-1].split(' | ') if re.search(r' problems?: ', msg) else []
    for text in texts:
        text = str(text)
        short = _EMAIL_PREFIX.sub('', _ENTRY_PREFIX.sub('', text))
        indexes = sorted(set(int(index) for index in _INDEX.findall(text)))
        for index in indexes:
            by_index.setdefault(index, []).append(short)
        owner = _OWNER.match(text)
        if not indexes and owner:
            by_email.setdefault(owner.group(1).lower(), []).append(short)
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


def read_people(path):
    """The people of a users file: a JSON or YAML list, or a mapping whose ``users`` key holds the list."""
    with open(path, 'rb') as handle:
        text = handle.read().decode('utf-8')
    if text.lstrip()[:1] in ('[', '{') or yaml is None:
        data = json.loads(text)
    else:
        data = yaml.load(text, Loader=YamlLoader)  # nosec B506 - a safe loader
    if isinstance(data, dict) and 'users' in data:
        data = data['users']
    return data if isinstance(data, list) else []


def build_report(people, result, plan, check_mode=False):
    """One report entry per person, in list order, from the zoom_user_sync result and its plan document.

    ``status``: done | would_create | would_change (check mode) | pending | failed | skipped (protected) |
    refused (the person's problems refused the list) | not_started (the list was refused for others' problems).
    """
    planned = dict((str(entry.get('email')).lower(), entry) for entry in plan.get('users') or [])
    refused = 'totals' not in result or bool(result.get('refusal') or (result.get('plan') or {}).get('refusal'))
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


def summary(report, pending_fails=True, check_mode=False):
    """The lines of the report, the emails of the people not completed, the count per status, and the mode."""
    counts = {}
    for item in report:
        counts[item['status']] = counts.get(item['status'], 0) + 1
    incomplete = [item['email'] for item in report
                  if item['status'] not in COMPLETE and (pending_fails or item['status'] != 'pending')]
    return {'lines': [item['line'] for item in report], 'incomplete': incomplete, 'counts': counts, 'check': check_mode}


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
        except (IOError, OSError, ValueError, YamlError) as exc:
            sys.exit('phone_user_people_file=%s cannot be read as a YAML or JSON people file: %s' % (request.get('people_file'), exc))
    elif args.command == 'report':
        plan = _read_plan(os.path.join(args.work_dir, 'plan.json'))
        shutil.rmtree(args.work_dir, ignore_errors=True)
        try:
            people = people_of(request)
        except (IOError, OSError, ValueError, YamlError):
            people = []  # zoom_user_sync refused the file; its message says why
        check_mode = args.mode == 'check'
        entries = build_report(people if isinstance(people, list) else [], request.get('result') or {}, plan, check_mode)
        # two lines: the summary, then the report (the role keeps each in a fact of its own)
        sys.stdout.write(json.dumps(summary(entries, args.pending == 'pending-fails', check_mode)) + '\n'
                         + json.dumps(entries) + '\n')
    else:
        parser.error('give a command: prepare or report')
    return 0


if __name__ == '__main__':
    sys.exit(main())
