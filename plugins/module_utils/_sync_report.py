# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_user_sync report: the plan document (``plan_file``, RV ``plan``) and its Markdown rendering for reviewers.

The Markdown stays reviewable at 10,000 users: the totals first (with the users Zoom will hold pending), then any
refusal in one sentence with its rule and numbers, then one section per action. Creates get one row per user (values
shared by every create are said once above the table); the other actions are summarised and list their users, field
by field before -> after, in collapsible ``<details>`` blocks (open when short). Pure.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import time

from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_guards import PLAN_FORMAT, difference_text
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_plan import field_order

# A <details> block with at most this many users starts open: small plans read without a click.
OPEN_DETAILS_MAX = 20
# Creates are grouped by the fields with few values into at most this many groups (each says its values once).
CREATE_GROUPS_MAX = 24
# Stands for each user's email in a remedy said once for a group (a code span: a bare <email> would be an HTML tag).
EMAIL_PLACEHOLDER = '`<email>`'

TOTAL_COLUMNS = (('remove', 'Remove'), ('deactivate', 'Deactivate'), ('create', 'Create'), ('update', 'Update'),
                 ('pending', 'Pending'), ('skip', 'Protected'), ('unchanged', 'Unchanged'))


def now_iso():
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


def plan_document(plan, generated_at=None, unchanged=True):
    """The JSON plan written to ``plan_file`` (with the ``unchanged`` emails; without them in module results)."""
    doc = {
        'format': PLAN_FORMAT,
        'digest': plan.digest,
        'generated_at': generated_at or now_iso(),
        'options': plan.options,
        'totals': plan.totals,
        'outcomes': plan.outcome_totals,
        'in_scope': plan.in_scope_count,
        'unmanaged': plan.unmanaged,
        'removals': [entry.email for entry in plan.removals],
        'users': list(plan.users),
        'problems': list(plan.problems),
        'refusal': plan.refusal,
    }
    if plan.unlisted_ignored:
        doc['unlisted'] = list(plan.unlisted_ignored)
    if plan.already_applied:
        doc['already_applied'] = dict(plan.already_applied)
    if unchanged:
        doc['unchanged'] = [entry.email for entry in plan.entries if entry.action == 'unchanged']
    return doc


def _md(value):
    """A table cell: None as an en dash, lists joined, pipes and newlines escaped."""
    if value is None or value == [] or value == '':
        return '\u2013'
    if isinstance(value, bool):
        text = 'yes' if value else 'no'
    elif isinstance(value, list):
        text = ', '.join(str(v) for v in value)
    else:
        text = str(value)
    return text.replace('\\', '\\\\').replace('|', '\\|').replace('\n', ' ')


def _count(number):
    return '{0:,}'.format(number)


def _plural(number, word):
    return '%s %s%s' % (_count(number), word, '' if number == 1 else 's')


class _Markdown:
    """Lines of the document, with the per-section row limit (``max_rows``) of the module result."""

    def __init__(self, max_rows):
        self.lines = []
        self.max_rows = max_rows

    def add(self, *lines):
        self.lines.extend(lines)

    def details(self, summary, count, header, rows):
        """A collapsible table of ``count`` users; ``rows`` yields the rows of each user."""
        self.grouped_details(summary, count, [(None, header, rows)])

    def grouped_details(self, summary, count, groups):
        """A collapsible block of tables, each ``(caption or None, header lines, rows)``; ``rows`` yields lists of row
        strings per user (the rows of one user stay together). Past ``max_rows`` rows the rest is counted."""
        self.add('<details%s><summary>%s</summary>' % (' open' if count <= OPEN_DETAILS_MAX else '', summary), '')
        written, shown = 0, 0
        for caption, header, rows in groups:
            if self.max_rows is not None and written >= self.max_rows:
                break
            if caption:
                self.add(caption, '')
            self.add(*header)
            for user_rows in rows:
                if self.max_rows is not None and written >= self.max_rows:
                    break
                self.add(*user_rows)
                written += len(user_rows)
                shown += 1
            self.add('')
        if shown < count:
            self.add('... and %s more (see the JSON plan).' % _count(count - shown), '')
        self.add('</details>', '')


def render_markdown(doc, max_rows=None):
    """A reviewer's view of a plan document: totals, refusal, removals first, then creates, updates, pending, protected.

    ``max_rows`` limits the table rows per section (a comment box has a size limit); the rest is counted.
    """
    out = _Markdown(max_rows)
    users = doc.get('users') or []
    _header(out, doc, users)
    if doc.get('already_applied'):
        out.add('**Already applied.** %s' % _md(doc['already_applied'].get('message')), '')
    if doc.get('refusal'):
        _refusal(out, doc['refusal'])
    if doc.get('problems'):
        out.add('### Problems (nothing will be applied until they are fixed)', '')
        out.add(*['- %s' % _md(text) for text in doc['problems']])
        out.add('')
    by_action = {}
    for user in users:
        by_action.setdefault(user.get('action'), []).append(user)
    _changes(out, 'Removals', by_action.get('remove'))
    _changes(out, 'Deactivations', by_action.get('deactivate'))
    _creates(out, by_action.get('create'))
    _changes(out, 'Updates', by_action.get('update'), summarise_fields=True)
    _pending(out, by_action.get('pending') or [], [u for u in by_action.get('create') or [] if u.get('status') == 'pending'])
    _protected(out, by_action.get('skip'))
    _unlisted(out, doc.get('unlisted'))
    if not users and not doc.get('refusal'):
        out.add('Nothing to do: Zoom already matches the list.', '')
    return '\n'.join(out.lines)


def _header(out, doc, users):
    totals = doc.get('totals') or {}
    outcomes = doc.get('outcomes') or {}
    options = doc.get('options') or {}
    scope = options.get('scope') or {}
    scope_text = ', '.join('`%s`' % d for d in (scope.get('domains') or []) + (scope.get('emails') or [])) or 'the listed users only'
    out.add('## Zoom user sync plan', '', 'Digest: `%s`  ' % doc.get('digest'))
    out.add('Scope: %s; users in scope but not in the list: **%s**; protected: owner, admins%s.' % (
        scope_text, options.get('unlisted', 'ignore'), ''.join(', `%s`' % p for p in scope.get('protected') or [])), '')
    # Pending is what Zoom will hold pending after the run: the pending users and the creates Zoom will leave pending.
    pending_creates = sum(1 for user in users if user.get('action') == 'create' and user.get('status') == 'pending')
    counts = dict(totals, pending=outcomes.get('pending', totals.get('pending', 0) + pending_creates))
    out.add('| %s |' % ' | '.join(title for _name, title in TOTAL_COLUMNS),
            '|%s' % ('---:|' * len(TOTAL_COLUMNS)),
            '| %s |' % ' | '.join(_count(counts.get(name, 0)) for name, _title in TOTAL_COLUMNS), '')
    if pending_creates:
        out.add('Pending after this run: %s already pending (nothing is sent) and %s of the %s that Zoom will hold '
                'pending (reasons under Pending).' % (_count(totals.get('pending', 0)), _count(pending_creates),
                                                      _plural(totals.get('create', 0), 'create')), '')


def _refusal(out, refusal):
    numbers = refusal.get('numbers') or {}
    shown = ', '.join('%s %s' % (name, _md(value)) for name, value in numbers.items() if value is not None)
    out.add('### Refused: %s' % _md(refusal.get('rule')), '')
    out.add('**%s** What to do: %s' % (_md(refusal.get('message')), _md(refusal.get('remedy'))), '')
    if shown:
        out.add('Rule `%s`: %s.' % (_md(refusal.get('rule')), shown), '')
    emails = refusal.get('users') or []
    if emails:
        out.details('The %s it is about' % _plural(len(emails), 'user'), len(emails), ('| User |', '|---|'),
                    (['| `%s` |' % _md(email)] for email in emails))
    differences = refusal.get('differences') or []
    if differences:
        out.details('What differs from the approved plan (%s)' % _count(len(differences)), len(differences),
                    ('| Difference |', '|---|'), (['| %s |' % _md(difference_text(diff))] for diff in differences))


def _field_rows(user):
    """Rows of one user: one per changed field (before -> after), then the note."""
    changes = user.get('changes') or {}
    rows = []
    for name in sorted(changes, key=field_order):
        before, after = changes[name]
        rows.append('| %s | %s | %s | %s |' % ('`%s`' % user['email'] if not rows else '', name, _md(before), _md(after)))
    if not rows:
        rows.append('| `%s` | | | |' % user['email'])
    if user.get('note'):
        rows.append('| | note | | %s |' % _md(user['note']))
    return rows


def _changes(out, title, section, summarise_fields=False):
    if not section:
        return
    out.add('### %s (%s)' % (title, _count(len(section))), '')
    if summarise_fields:
        fields = {}
        for user in section:
            for name in user.get('changes') or {}:
                fields[name] = fields.get(name, 0) + 1
        counted = ['%s (%s)' % (name, _count(fields[name])) for name in sorted(fields, key=field_order)]
        out.add('Fields changed: %s.' % ', '.join(counted), '')
    out.details('%s, field by field' % _plural(len(section), 'user'), len(section),
                ('| User | Field | Before | After |', '|---|---|---|---|'), (_field_rows(user) for user in section))


def _after(user, name):
    return ((user.get('changes') or {}).get(name) or [None, None])[1]


def _group_fields(section, fields):
    """The fields to group creates by: those with few values (type, site, calling plan...), fewest first, as long as
    the groups stay at most ``CREATE_GROUPS_MAX``."""
    distinct = dict((name, len(set(repr(_after(user, name)) for user in section))) for name in fields)
    chosen = []
    for name in sorted(fields, key=lambda n: (distinct[n], field_order(n))):
        if distinct[name] * 4 > len(section):
            break  # mostly different per user: a column, not a group
        trial = chosen + [name]
        if len(set(tuple(repr(_after(user, n)) for n in trial) for user in section)) <= CREATE_GROUPS_MAX:
            chosen = trial
    return sorted(chosen, key=field_order)


def _creates(out, section):
    """One row per user. Values every create shares are said once; creates are grouped by the fields with few values
    (each group says them once); the table columns are the fields that differ from user to user."""
    if not section:
        return
    fields = sorted(set(name for user in section for name in user.get('changes') or {}), key=field_order)
    shared, varying = [], []
    for name in fields:
        if len(section) > 1 and len(set(repr(_after(user, name)) for user in section)) == 1:
            shared.append('%s %s' % (name, _md(_after(section[0], name))))
        else:
            varying.append(name)
    grouping = _group_fields(section, varying) if len(section) > 1 else []
    columns = [name for name in varying if name not in grouping]
    pending = any(user.get('status') == 'pending' for user in section)
    notes = any(user.get('note') for user in section)
    out.add('### Creates (%s)' % _count(len(section)), '')
    if shared:
        out.add('Every create: %s.' % '; '.join(shared), '')
    titles = ['User'] + columns + (['Pending reason'] if pending else []) + (['Note'] if notes else [])
    header = ('| %s |' % ' | '.join(titles), '|%s' % ('---|' * len(titles)))

    def row(user):
        changes = user.get('changes') or {}
        cells = ['`%s`' % user['email']] + [_md(changes[name][1]) if name in changes else '' for name in columns]
        if pending:
            cells.append(_md(user.get('reason')) if user.get('status') == 'pending' else '')
        if notes:
            cells.append(_md(user.get('note')) if user.get('note') else '')
        return ['| %s |' % ' | '.join(cells)]

    groups = {}
    for user in section:
        groups.setdefault(tuple(_md(_after(user, name)) for name in grouping), []).append(user)
    tables = []
    for values in sorted(groups):
        caption = '**%s** (%s)' % ('; '.join('%s %s' % pair for pair in zip(grouping, values)),
                                   _plural(len(groups[values]), 'user')) if grouping else None
        tables.append((caption, header, (row(user) for user in groups[values])))
    out.grouped_details('%s, one row each%s' % (_plural(len(section), 'user'), ', by %s' % ', '.join(grouping) if grouping else ''),
                        len(section), tables)


def _pending(out, pending, pending_creates):
    """Grouped by reason; a remedy that differs only by the user's email is said once."""
    everyone = pending + pending_creates
    if not everyone:
        return
    out.add('### Pending (%s)' % _count(len(everyone)), '')
    said = []
    if pending:
        said.append('nothing is sent for the %s already pending' % _plural(len(pending), 'user'))
    if pending_creates:
        said.append('the %s Zoom will hold pending %s sent' % (_plural(len(pending_creates), 'create'),
                                                               'is' if len(pending_creates) == 1 else 'are'))
    out.add('Zoom holds these users pending until the cause is fixed: %s.' % ', '.join(said), '')
    groups = {}
    for user in everyone:
        # the same remedy for every user of a reason, but for their email: said once, with a placeholder
        remedy = (user.get('remedy') or '').replace(user['email'], EMAIL_PLACEHOLDER)
        groups.setdefault((user.get('reason') or 'unknown', remedy), []).append(user)
    for (reason, remedy), members in sorted(groups.items(), key=lambda item: (-len(item[1]), item[0])):
        out.add('**%s** (%s): %s' % (_md(reason), _plural(len(members), 'user'), _md(remedy) if remedy else 'no remedy known.'),
                '')
        out.details('%s: %s' % (_md(reason), _plural(len(members), 'user')), len(members), ('| User | Planned |', '|---|---|'),
                    (['| `%s` | %s |' % (user['email'], 'create' if user.get('action') == 'create' else 'nothing')]
                     for user in members))


def _protected(out, section):
    if not section:
        return
    out.add('### Protected (%s): listed, never changed' % _count(len(section)), '')
    out.details(_plural(len(section), 'user'), len(section), ('| User | Why |', '|---|---|'),
                (['| `%s` | %s |' % (user['email'], _md(user.get('reason') or user.get('note')))] for user in section))


def _unlisted(out, unlisted):
    if not unlisted:
        return
    out.add('### In scope, not in the list (%s): left alone (unlisted: ignore)' % _count(len(unlisted)), '')
    out.details(_plural(len(unlisted), 'user'), len(unlisted), ('| User | Status | First name | Last name | Type |',
                                                                '|---|---|---|---|---|'),
                (['| `%s` | %s | %s | %s | %s |' % (user.get('email'), _md(user.get('status')), _md(user.get('first_name')),
                                                    _md(user.get('last_name')), _md(user.get('type')))]
                 for user in unlisted))
