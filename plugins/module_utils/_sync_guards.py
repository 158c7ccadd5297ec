# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_user_sync guards: the plan digest (what reviewers approve), the check of an approved plan file against its own
content, the removal thresholds and the comparison of an approved plan with the live one.

Every refusal is data - ``{rule, message, remedy, numbers}`` plus the users or differences it is about - so the
module result, the plan file and its Markdown say in one sentence what happened and what to do. Pure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import hashlib

from json import dumps as json_dumps

from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_input import email_key

# v2: the digest covers every entry's steps and the options that decide the writes (v1 covered neither)
PLAN_FORMAT = 'zoomops.provisioning.zoom_user_sync/v2'
# The options that change what an apply writes; the digest covers them, so a plan approved under one set cannot be
# applied under another.
DIGEST_OPTIONS = ('unlisted', 'removal_action', 'transfer_to', 'allow_data_loss', 'create_action', 'new_user_type',
                  'batch_phone', 'scope')
# What the digest covers of each (non-unchanged) user of the plan document.
DIGEST_KEYS = ('action', 'changes', 'steps', 'reason', 'status')


def plan_digest(users, options):
    """``sha256:<hex>`` of the canonical JSON of the plan document's ``users`` (each email, action, every before/after
    value, the steps and pending reasons; never timestamps) and its ``options``.

    Works on the plan document itself, so an approved plan file can be checked against its own content.
    """
    items = []
    for item in users or []:
        if not isinstance(item, dict):
            items.append({'invalid': repr(item)})
            continue
        digest_item = dict((name, item.get(name)) for name in DIGEST_KEYS)
        digest_item['email'] = email_key(item.get('email') if isinstance(item.get('email'), str) else repr(item.get('email')))
        items.append(digest_item)
    items.sort(key=lambda i: i.get('email') or '')
    wanted = dict((name, (options or {}).get(name)) for name in DIGEST_OPTIONS)
    payload = {'format': PLAN_FORMAT, 'entries': items, 'options': wanted}
    text = json_dumps(payload, sort_keys=True, separators=(',', ':'), ensure_ascii=True, default=str)
    return 'sha256:' + hashlib.sha256(text.encode('utf-8')).hexdigest()


def approved_plan_problem(doc, path):
    """Why the approved plan document ``doc`` (read from ``path``) cannot be used, or None.

    The file must be a plan of this format whose ``digest`` is the digest of its own ``users`` and ``options``: a file
    edited after it was written (users or options changed, digest kept) is refused.
    """
    if not isinstance(doc, dict) or not str(doc.get('format') or '').startswith('zoomops.provisioning.zoom_user_sync/'):
        return ('approved_plan=%s is not a plan written by zoom_user_sync: give the plan_file of the check-mode run that was '
                'approved.' % path)
    if doc.get('format') != PLAN_FORMAT:
        return ('approved_plan=%s was written by another version of zoom_user_sync (format %s, this one writes %s, whose '
                'digest also covers the options): run the plan again (check mode) and approve the new one.'
                % (path, doc.get('format'), PLAN_FORMAT))
    digest = doc.get('digest')
    if not isinstance(digest, str) or not digest.startswith('sha256:'):
        return 'approved_plan=%s has no digest: give the plan_file exactly as the check-mode run wrote it.' % path
    if not isinstance(doc.get('users'), list) or not isinstance(doc.get('options'), dict):
        return 'approved_plan=%s lacks its users or options: give the plan_file exactly as the check-mode run wrote it.' % path
    actual = plan_digest(doc['users'], doc['options'])
    if actual != digest:
        return ('approved_plan=%s was changed after it was written: its digest field says %s but its users and options hash '
                'to %s. Refusing it: nothing was changed. Run the plan again (check mode), review and approve the file it '
                'writes, unedited.' % (path, digest, actual))
    return None


def refusal(rule, message, remedy, numbers=None, **extra):
    """The data of one refusal (module result key ``refusal``, plan document key ``refusal``)."""
    item = {'rule': rule, 'message': message, 'remedy': remedy, 'numbers': dict(numbers or {})}
    item.update((key, value) for key, value in extra.items() if value is not None)
    return item


def problems_refusal(problems):
    count = len(problems)
    return refusal(
        'problems', '%d problem%s found in the users list or against the account; nothing was changed.'
        % (count, '' if count == 1 else 's'),
        'Fix each problem listed under problems (each names the entry, the field and the fix), then run again.',
        {'problems': count})


def removal_refusal(plan, max_removals, max_removal_percent):
    """The refusal when the removals (unlisted users removed or deactivated) exceed a threshold, else None."""
    names = [entry.email for entry in plan.removals]
    count = len(names)
    if not count:
        return None
    base = max(plan.in_scope_count, 1)
    percent = round(100.0 * count / base, 1)
    numbers = {'removals': count, 'in_scope': plan.in_scope_count, 'percent': percent,
               'max_removals': max_removals, 'max_removal_percent': max_removal_percent}
    over_count = max_removals is not None and count > max_removals
    over_percent = max_removal_percent is not None and percent > max_removal_percent
    if not (over_count or over_percent):
        return None
    if over_count:
        rule = 'max_removals'
        message = '%d users would be removed or deactivated, more than max_removals=%d; nothing was changed.' % (count, max_removals)
    else:
        rule = 'max_removal_percent'
        message = ('%d of the %d users in scope (%s%%) would be removed or deactivated, more than max_removal_percent=%s; '
                   'nothing was changed.' % (count, plan.in_scope_count, percent, max_removal_percent))
    remedy = ('Check that the users list is complete (a truncated list removes everyone missing from it); if these removals '
              'are intended, raise %s for this run.' % rule)
    return refusal(rule, message, remedy, numbers, users=names)


def managed_domain_refusal(emails, domains):
    """The refusal of removals Zoom would answer with 400 code 1107: users of a managed domain cannot be disassociated
    (docs/ZOOM-API-FACTS.md §2.9). Predicted from the account's managed domains, before any write."""
    count = len(emails)
    message = ('%d user%s to remove %s on a managed domain of the account (%s), and Zoom refuses to disassociate such users '
               '(code 1107); nothing was changed.' % (count, '' if count == 1 else 's', 'is' if count == 1 else 'are',
                                                      ', '.join(sorted(domains))))
    remedy = ('Choose one: unlisted: deactivate (the users stay in the account, deactivated), or removal_action: delete with '
              'transfer_to: <an active user who receives their meetings and recordings> (or allow_data_loss: true).')
    return refusal('managed_domain', message, remedy, {'users': count}, users=list(emails))


def _entry_view(item):
    return {'action': item.get('action'), 'changes': item.get('changes') or {}}


def _differs(old, new):
    return (old.get('action') != new.get('action') or (old.get('changes') or {}) != (new.get('changes') or {})
            or old.get('reason') != new.get('reason') or (old.get('steps') or []) != (new.get('steps') or []))


def compare_plans(approved, current_doc):
    """What differs between an approved plan document and the current one: only the users (by email) whose planned
    action, changes, steps or pending reason differ, and the options that differ.

    Returns a list of dicts: ``{email, approved: {action, changes} | None, now: {action, changes} | None}`` and
    ``{option, approved, now}``.
    """
    before = dict((email_key(item.get('email')), item) for item in (approved or {}).get('users') or []
                  if isinstance(item, dict))
    after = dict((email_key(item.get('email')), item) for item in current_doc.get('users') or [])
    diffs = []
    old_options = (approved or {}).get('options') or {}
    new_options = current_doc.get('options') or {}
    for name in DIGEST_OPTIONS:
        if old_options.get(name) != new_options.get(name):
            diffs.append({'option': name, 'approved': old_options.get(name), 'now': new_options.get(name)})
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is not None and new is not None and not _differs(old, new):
            continue
        diffs.append({'email': (new or old).get('email'), 'approved': _entry_view(old) if old else None,
                      'now': _entry_view(new) if new else None})
    return diffs


def difference_text(diff):
    """One line for a difference of ``compare_plans``."""
    if 'option' in diff:
        return 'option %s: approved %s, now %s' % (diff['option'], _text(diff['approved']), _text(diff['now']))
    old, new = diff['approved'], diff['now']
    if old is None:
        return '%s: not in the approved plan, now %s %s' % (diff['email'], new['action'], _short(new['changes']))
    if new is None:
        return '%s: approved %s %s, now nothing to do' % (diff['email'], old['action'], _short(old['changes']))
    return '%s: approved %s %s, now %s %s' % (diff['email'], old['action'], _short(old['changes']), new['action'],
                                              _short(new['changes']))


def drift_refusal(approved_digest, current_doc, approved_doc=None):
    """The refusal of an apply whose live plan is not the approved one."""
    numbers = {'users_in_plan': len(current_doc.get('users') or [])}
    differences = None
    if approved_doc is not None:
        differences = compare_plans(approved_doc, current_doc)
        numbers['differences'] = len(differences)
        remedy = 'Review the new plan (check mode) and approve it again; the differences below are what changed.'
    else:
        remedy = ('Review the new plan (check mode) and approve it again. Give approved_plan (the approved plan file) instead '
                  'of approved_digest to see the differences user by user.')
    message = ('The account or the list changed since the plan was approved: the approved plan has digest %s, the plan now '
               'has %s; nothing was changed.' % (approved_digest, current_doc.get('digest')))
    return refusal('digest_drift', message, remedy, numbers, differences=differences, approved_digest=approved_digest)


def _short(changes):
    if not changes:
        return ''
    parts = ['%s %s -> %s' % (name, _text(pair[0]), _text(pair[1])) for name, pair in sorted(changes.items())]
    return '(%s)' % '; '.join(parts)


def _text(value):
    if value is None:
        return '-'
    if isinstance(value, list):
        return '[%s]' % ', '.join(str(v) for v in value)
    if isinstance(value, dict):
        return '{%s}' % ', '.join('%s: %s' % (k, _text(v)) for k, v in sorted(value.items()))
    return str(value)
