# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The plan document and its Markdown (_sync_report): totals, refusals, scale."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import re

from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_guards import plan_digest
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_input import Scope
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_plan import Entry, SyncPlan
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_report import (
    OPEN_DETAILS_MAX,
    plan_document,
    render_markdown,
)

PLAN_DIGEST = 'sha256:' + 'ab' * 32
OPTIONS = {'unlisted': 'deactivate', 'scope': {'domains': ['example.com'], 'emails': [], 'protected': ['bg@example.com']}}


def doc_of(users, problems=(), refusal=None, outcomes=None, **extra):
    """A plan document as plan_document writes it, with totals counted from ``users``."""
    totals = dict((name, 0) for name in ('remove', 'deactivate', 'create', 'update', 'pending', 'skip', 'unchanged'))
    for user in users:
        totals[user['action']] += 1
    totals['unchanged'] = extra.pop('unchanged', 0)
    doc = {'format': 'zoomops.provisioning.zoom_user_sync/v2', 'digest': PLAN_DIGEST, 'options': OPTIONS,
           'totals': totals, 'users': users, 'problems': list(problems), 'refusal': refusal}
    if outcomes is not None:
        doc['outcomes'] = outcomes
    doc.update(extra)
    return doc


SITES = ('HQ', 'Branch East', 'Branch West', 'Remote')
PLANS = ('US/CA Metered Calling Plan', 'US/CA Unlimited Calling Plan')


def create(index, **fields):
    """A create as the planner writes it for a new phone user (like bench/worldgen.py: 4 sites, 2 plans, 2 types)."""
    after = {'status': 'active', 'first_name': 'First%05d' % index, 'last_name': 'Last%05d' % index,
             'type': 'licensed' if index % 3 == 0 else 'basic', 'phone.zoom_phone': True, 'phone.site': SITES[index % 4],
             'phone.extension_number': 10000 + index, 'phone.calling_plans': [PLANS[index % 2]],
             'phone.phone_numbers': ['+1415%07d' % index]}
    after.update(fields)
    return {'email': 'user%05d@example.com' % index, 'action': 'create',
            'changes': dict((name, [None, value]) for name, value in after.items()),
            'steps': ['create (ssoCreate)', 'phone: batch add']}


def totals_row(text):
    """The totals of the table under the header row, by column title."""
    lines = text.splitlines()
    index = lines.index('| Remove | Deactivate | Create | Update | Pending | Protected | Unchanged |')
    titles = [cell.strip() for cell in lines[index].strip('|').split('|')]
    values = [int(cell.strip().replace(',', '')) for cell in lines[index + 2].strip('|').split('|')]
    return dict(zip(titles, values))


class TestScale:
    def test_1000_creates_stay_under_100_kb_with_one_row_per_user(self):
        text = render_markdown(doc_of([create(i) for i in range(1000)]))
        size = len(text.encode('utf-8'))
        assert size < 100 * 1024, size
        for i in (0, 500, 999):
            assert len(re.findall(r'^\| `user%05d@example\.com` \|.*\|$' % i, text, re.M)) == 1
        # values every create shares are said once; creates are grouped by the fields with few values
        assert 'Every create: status active; phone.zoom_phone yes.' in text
        assert 'one row each, by type, phone.site, phone.calling_plans' in text
        assert ('**type licensed; phone.site Branch East; phone.calling_plans US/CA Unlimited Calling Plan** (83 users)'
                in text)
        assert text.count('US/CA Unlimited Calling Plan') == 4  # one caption per group of that plan
        assert '| User | first_name | last_name | phone.extension_number | phone.phone_numbers |' in text
        assert totals_row(text)['Create'] == 1000

    def test_a_field_that_differs_per_user_is_a_column_not_a_group(self):
        users = [create(i, type='basic', **{'phone.site': 'Site %d' % i}) for i in range(40)]
        text = render_markdown(doc_of(users))
        assert '40 users, one row each, by phone.calling_plans</summary>' in text
        assert '**phone.calling_plans US/CA Metered Calling Plan** (20 users)' in text
        assert '| User | first_name | last_name | phone.site | phone.extension_number | phone.phone_numbers |' in text
        assert '| `user00007@example.com` | First00007 | Last00007 | Site 7 | 10007 | +14150000007 |' in text

    def test_10000_users_totals_match_the_plan(self):
        users = [create(i) for i in range(4000)]
        users += [{'email': 'upd%05d@example.com' % i, 'action': 'update', 'changes': {'last_name': ['Old', 'New%d' % i]}}
                  for i in range(3000)]
        users += [{'email': 'gone%05d@example.com' % i, 'action': 'deactivate', 'changes': {'status': ['active', 'inactive']}}
                  for i in range(1000)]
        text = render_markdown(doc_of(users, unchanged=2000, outcomes={'pending': 0}))
        assert totals_row(text) == {'Remove': 0, 'Deactivate': 1000, 'Create': 4000, 'Update': 3000, 'Pending': 0,
                                    'Protected': 0, 'Unchanged': 2000}
        assert '### Updates (3,000)' in text
        assert 'Fields changed: last_name (3,000).' in text
        # long sections are collapsed
        assert '<details><summary>3,000 users, field by field</summary>' in text


class TestTotals:
    def test_pending_counts_the_creates_zoom_will_hold_pending(self):
        users = [create(1), dict(create(2), status='pending', reason='domain_not_associated', remedy='Associate it.'),
                 {'email': 'old@example.com', 'action': 'pending', 'reason': 'invited', 'remedy': 'Wait.'}]
        text = render_markdown(doc_of(users, outcomes={'pending': 2, 'created': 1}))
        row = totals_row(text)
        assert row['Pending'] == 2 and row['Create'] == 2
        assert ('Pending after this run: 1 already pending (nothing is sent) and 1 of the 2 creates that Zoom will hold '
                'pending') in text
        assert '| Pending reason |' in text.split('### Creates', 1)[1].split('###', 1)[0]
        assert ('nothing is sent for the 1 user already pending, the 1 create Zoom will hold pending is sent.' in text)
        assert '| `user00002@example.com` | create |' in text

    def test_pending_without_outcomes_is_computed_from_the_users(self):
        users = [dict(create(1), status='pending', reason='existing_zoom_account', remedy='x')]
        assert totals_row(render_markdown(doc_of(users)))['Pending'] == 1


class TestSections:
    def test_order_and_before_after_per_field(self):
        users = [{'email': 'a@example.com', 'action': 'update',
                  'changes': {'last_name': ['Ruiz', 'Ruiz-Diaz'], 'first_name': ['Dan', 'D|an']}},
                 {'email': 'z@example.com', 'action': 'remove', 'changes': {'status': ['active', 'absent']}},
                 {'email': 'd@example.com', 'action': 'deactivate', 'changes': {'status': ['active', 'inactive']}},
                 create(1)]
        text = render_markdown(doc_of(users))
        assert text.index('### Removals') < text.index('### Deactivations') < text.index('### Creates') \
            < text.index('### Updates')
        assert '| `a@example.com` | first_name | Dan | D\\|an |\n|  | last_name | Ruiz | Ruiz-Diaz |' in text
        assert '| `z@example.com` | status | active | absent |' in text

    def test_short_sections_open_long_ones_collapsed(self):
        def updates(count):
            return [{'email': 'u%d@example.com' % i, 'action': 'update', 'changes': {'type': ['basic', 'licensed']}}
                    for i in range(count)]
        assert '<details open><summary>' in render_markdown(doc_of(updates(OPEN_DETAILS_MAX)))
        text = render_markdown(doc_of(updates(OPEN_DETAILS_MAX + 1)))
        assert '<details open>' not in text and '<details><summary>' in text

    def test_pending_grouped_by_reason_with_one_remedy(self):
        users = [{'email': 'p%d@contractor.example' % i, 'action': 'pending', 'reason': 'domain_not_associated',
                  'remedy': 'Add contractor.example, then delete p%d@contractor.example and run again.' % i}
                 for i in range(3)]
        users.append({'email': 'ivy@example.com', 'action': 'pending', 'reason': 'existing_zoom_account',
                      'remedy': 'Ask ivy@example.com to consolidate.'})
        text = render_markdown(doc_of(users))
        assert '### Pending (4)' in text
        assert 'Zoom holds these users pending until the cause is fixed: nothing is sent for the 4 users already pending.' \
            in text
        assert ('**domain_not_associated** (3 users): Add contractor.example, then delete `<email>` and run again.'
                in text)
        assert '**existing_zoom_account** (1 user): Ask `<email>` to consolidate.' in text
        assert text.count('| `p2@contractor.example` | nothing |') == 1
        assert text.index('domain_not_associated') < text.index('existing_zoom_account')  # the larger group first

    def test_protected_and_unlisted(self):
        users = [{'email': 'it.admin@example.com', 'action': 'skip', 'note': 'admin: never changed'}]
        unlisted = [{'email': 'bob@example.com', 'status': 'active', 'first_name': 'Bob', 'last_name': 'Stone',
                     'type': 'licensed'}]
        text = render_markdown(doc_of(users, unlisted=unlisted))
        assert '| `it.admin@example.com` | admin: never changed |' in text
        assert '### In scope, not in the list (1): left alone (unlisted: ignore)' in text
        assert '| `bob@example.com` | active | Bob | Stone | licensed |' in text

    def test_max_rows_cuts_each_section_and_counts_the_rest(self):
        users = [{'email': 'u%d@example.com' % i, 'action': 'update',
                  'changes': {'first_name': ['a', 'b'], 'last_name': ['c', 'd']}} for i in range(5)]
        text = render_markdown(doc_of(users + [create(i) for i in range(5)]), max_rows=4)
        assert text.count('... and 3 more (see the JSON plan).') == 1   # updates: 2 rows per user, 2 users shown
        assert text.count('... and 1 more (see the JSON plan).') == 1   # creates: one row per user

    def test_nothing_to_do(self):
        text = render_markdown(doc_of([], unchanged=12))
        assert 'Nothing to do: Zoom already matches the list.' in text
        assert totals_row(text)['Unchanged'] == 12


class TestRefusals:
    def test_threshold_refusal_has_rule_numbers_sentence_and_users(self):
        refusal = {'rule': 'max_removals',
                   'message': '12 users would be removed or deactivated, more than max_removals=10; nothing was changed.',
                   'remedy': 'Check that the users list is complete; if intended, raise max_removals for this run.',
                   'numbers': {'removals': 12, 'in_scope': 100, 'percent': 12.0, 'max_removals': 10,
                               'max_removal_percent': None},
                   'users': ['gone%d@example.com' % i for i in range(12)]}
        text = render_markdown(doc_of([], refusal=refusal))
        assert '### Refused: max_removals' in text and 'Nothing to do' not in text
        assert ('**12 users would be removed or deactivated, more than max_removals=10; nothing was changed.** What to do: '
                'Check that the users list is complete') in text
        assert 'Rule `max_removals`: removals 12, in_scope 100, percent 12.0, max_removals 10.' in text
        assert 'The 12 users it is about' in text and '| `gone11@example.com` |' in text

    def test_drift_refusal_lists_only_the_differences(self):
        refusal = {'rule': 'digest_drift', 'message': 'The account or the list changed since the plan was approved.',
                   'remedy': 'Review the new plan and approve it again.', 'numbers': {'differences': 1},
                   'differences': [{'email': 'a@example.com', 'approved': {'action': 'update',
                                                                           'changes': {'last_name': ['X', 'Y']}},
                                    'now': {'action': 'update', 'changes': {'last_name': ['Z', 'Y']}}}]}
        text = render_markdown(doc_of([], refusal=refusal))
        assert 'What differs from the approved plan (1)' in text
        assert '| a@example.com: approved update (last_name X -> Y), now update (last_name Z -> Y) |' in text

    def test_already_applied_says_so_in_one_sentence(self):
        already = {'approved_digest': PLAN_DIGEST, 'message': 'The approved plan is already applied; nothing to do.'}
        text = render_markdown(doc_of([], already_applied=already))
        assert '**Already applied.** The approved plan is already applied; nothing to do.' in text

    def test_problems_are_listed(self):
        text = render_markdown(doc_of([], problems=['users[3].email: missing; add the email.']))
        assert '- users[3].email: missing; add the email.' in text


def real_plan():
    """A SyncPlan as the planner builds it: a create Zoom will hold pending, an update, a deactivation, an unchanged."""
    pending_create = Entry('pat@contractor.example', 'create')
    pending_create.changes = {'status': [None, 'pending'], 'first_name': [None, 'Pat']}
    pending_create.steps = ['create (ssoCreate)']
    pending_create.predicted_status = 'pending'
    pending_create.reason = 'domain_not_associated'
    pending_create.remedy = 'Associate contractor.example, then provision pat@contractor.example again.'
    update = Entry('dan@example.com', 'update')
    update.changes = {'last_name': ['Ruiz', 'Ruiz-Diaz']}
    update.steps = ['update last_name']
    leaver = Entry('leaver@example.com', 'deactivate')
    leaver.changes = {'status': ['active', 'inactive']}
    leaver.unlisted = True
    options = {'unlisted': 'deactivate', 'removal_action': 'disassociate',
               'scope': {'domains': ['example.com', 'contractor.example'], 'emails': [], 'protected': []}}
    return SyncPlan([pending_create, update, leaver, Entry('ann@example.com', 'unchanged')], [],
                    Scope(['example.com', 'contractor.example']), options, in_scope_count=4)


class TestPlanDocument:
    def test_document_of_a_plan(self):
        plan = real_plan()
        doc = plan_document(plan, generated_at='2026-12-03T05:00:00Z')
        assert doc['digest'] == plan.digest and doc['generated_at'] == '2026-12-03T05:00:00Z'
        assert [user['email'] for user in doc['users']] == ['leaver@example.com', 'pat@contractor.example',
                                                            'dan@example.com']
        assert doc['unchanged'] == ['ann@example.com'] and doc['removals'] == ['leaver@example.com']
        assert doc['totals']['create'] == 1 and doc['outcomes']['pending'] == 1 and doc['outcomes']['created'] == 0
        assert doc['refusal'] is None and 'unlisted' not in doc and 'already_applied' not in doc
        assert 'unchanged' not in plan_document(plan, unchanged=False)
        # an approved plan file is checked against its own users and options: the document must keep them as planned
        assert plan_digest(doc['users'], doc['options']) == doc['digest']
        row = totals_row(render_markdown(doc))
        assert (row['Create'], row['Pending'], row['Deactivate'], row['Unchanged']) == (1, 1, 1, 1)

    def test_document_carries_unlisted_users_and_already_applied(self):
        plan = real_plan()
        plan.unlisted_ignored = [{'email': 'bob@example.com', 'status': 'active', 'first_name': 'Bob',
                                  'last_name': 'Stone', 'type': 'licensed'}]
        plan.already_applied = {'approved_digest': PLAN_DIGEST, 'message': 'Already applied: nothing to do.'}
        doc = plan_document(plan)
        assert doc['unlisted'] == plan.unlisted_ignored
        assert doc['already_applied']['approved_digest'] == PLAN_DIGEST
        text = render_markdown(doc)
        assert '**Already applied.** Already applied: nothing to do.' in text and '| `bob@example.com` | active |' in text
