# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of module_utils/_sync_guards.py: the digest (entries and options), an approved plan file checked against
its own content, the comparison that lists only what differs, and the refusals as data."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import json

import pytest

from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_guards import (
    PLAN_FORMAT,
    approved_plan_problem,
    compare_plans,
    difference_text,
    drift_refusal,
    managed_domain_refusal,
    plan_digest,
    problems_refusal,
)

OPTIONS = {'unlisted': 'remove', 'removal_action': 'disassociate', 'transfer_to': None, 'allow_data_loss': False,
           'create_action': 'ssoCreate', 'new_user_type': 'basic', 'batch_phone': True,
           'scope': {'domains': ['example.com'], 'emails': [], 'protected': []}}
USERS = [
    {'email': 'Ann@example.com', 'action': 'create', 'changes': {'first_name': [None, 'Ann'], 'status': [None, 'active']},
     'steps': ['create the user (POST /v2/users, action ssoCreate)'], 'status': 'active'},
    {'email': 'leaver@example.com', 'action': 'remove', 'changes': {'status': ['active', 'absent']},
     'steps': ['remove (disassociate; not in the list)'], 'status': 'absent'},
]


def document(users=None, options=None):
    users = copy.deepcopy(USERS if users is None else users)
    options = copy.deepcopy(OPTIONS if options is None else options)
    return {'format': PLAN_FORMAT, 'digest': plan_digest(users, options), 'options': options, 'users': users}


class TestDigest:
    def test_stable_case_insensitive_and_order_free(self):
        reordered = [dict(USERS[1]), dict(USERS[0], email='ann@EXAMPLE.com')]
        assert plan_digest(USERS, OPTIONS) == plan_digest(reordered, OPTIONS)
        assert plan_digest(USERS, OPTIONS).startswith('sha256:')

    @pytest.mark.parametrize('option, value', [
        ('removal_action', 'delete'), ('transfer_to', 'boss@example.com'), ('allow_data_loss', True),
        ('unlisted', 'deactivate'), ('create_action', 'custCreate'), ('new_user_type', 'licensed'),
        ('batch_phone', False), ('scope', {'domains': ['example.com'], 'emails': [], 'protected': ['x@example.com']}),
    ])
    def test_every_option_that_decides_the_writes_is_covered(self, option, value):
        assert plan_digest(USERS, dict(OPTIONS, **{option: value})) != plan_digest(USERS, OPTIONS)

    @pytest.mark.parametrize('key, value', [('steps', ['remove (delete; not in the list)']), ('action', 'deactivate'),
                                            ('changes', {'status': ['active', 'inactive']}), ('reason', 'x'),
                                            ('status', 'inactive')])
    def test_every_entry_field_is_covered(self, key, value):
        users = copy.deepcopy(USERS)
        users[1][key] = value
        assert plan_digest(users, OPTIONS) != plan_digest(USERS, OPTIONS)

    def test_remedy_and_note_texts_are_not_covered(self):
        users = copy.deepcopy(USERS)
        users[0]['note'] = 'reworded'
        users[0]['remedy'] = 'reworded'
        assert plan_digest(users, OPTIONS) == plan_digest(USERS, OPTIONS)

    def test_survives_a_json_round_trip(self):
        doc = json.loads(json.dumps(document()))
        assert plan_digest(doc['users'], doc['options']) == doc['digest']


class TestApprovedPlanFile:
    def test_an_unedited_file_passes(self):
        assert approved_plan_problem(json.loads(json.dumps(document())), 'plan.json') is None

    @pytest.mark.parametrize('edit', [
        lambda doc: doc['users'][1].update(steps=['remove (delete; not in the list)']),
        lambda doc: doc['users'].append({'email': 'new@example.com', 'action': 'create'}),
        lambda doc: doc['options'].update(removal_action='delete', allow_data_loss=True),
        lambda doc: doc['users'].pop(),
    ])
    def test_an_edited_file_whose_digest_was_kept_is_refused(self, edit):
        doc = document()
        edit(doc)
        problem = approved_plan_problem(doc, 'plan.json')
        assert 'approved_plan=plan.json was changed after it was written: its digest field says %s' % doc['digest'] in problem
        assert 'Refusing it: nothing was changed' in problem

    @pytest.mark.parametrize('doc, expected', [
        ({'format': 'zoomops.provisioning.zoom_user_sync/v1', 'digest': 'sha256:0', 'users': []}, 'another version'),
        ({'format': 'something/else'}, 'is not a plan written by zoom_user_sync'),
        ([1, 2], 'is not a plan written by zoom_user_sync'),
        ({'format': PLAN_FORMAT, 'users': [], 'options': {}}, 'has no digest'),
        ({'format': PLAN_FORMAT, 'digest': 'sha256:0'}, 'lacks its users or options'),
    ])
    def test_not_a_plan(self, doc, expected):
        assert expected in approved_plan_problem(doc, 'plan.json')


class TestComparison:
    def test_only_the_users_that_differ_are_listed(self):
        many = [{'email': 'u%03d@example.com' % i, 'action': 'create', 'changes': {'status': [None, 'active']},
                 'steps': ['create']} for i in range(100)]
        approved = document(many)
        now_users = copy.deepcopy(many)
        now_users[5]['changes'] = {'status': [None, 'pending']}
        del now_users[7]
        now_users.append({'email': 'late@example.com', 'action': 'update', 'changes': {'first_name': ['A', 'B']}})
        now = document(now_users, dict(OPTIONS, removal_action='delete'))
        diffs = compare_plans(approved, now)
        assert [d.get('email') or d.get('option') for d in diffs] == ['removal_action', 'late@example.com',
                                                                      'u005@example.com', 'u007@example.com']
        lines = [difference_text(d) for d in diffs]
        assert lines[0] == 'option removal_action: approved disassociate, now delete'
        assert lines[1] == 'late@example.com: not in the approved plan, now update (first_name A -> B)'
        assert lines[2] == 'u005@example.com: approved create (status - -> active), now create (status - -> pending)'
        assert lines[3] == 'u007@example.com: approved create (status - -> active), now nothing to do'

    def test_drift_refusal_with_and_without_the_approved_file(self):
        approved = document()
        now = document(USERS[:1])
        refused = drift_refusal(approved['digest'], now, approved)
        assert refused['rule'] == 'digest_drift'
        assert refused['numbers'] == {'users_in_plan': 1, 'differences': 1}
        assert refused['differences'][0]['email'] == 'leaver@example.com'
        assert refused['message'].endswith('nothing was changed.')
        refused = drift_refusal(approved['digest'], now)
        assert 'differences' not in refused and 'Give approved_plan' in refused['remedy']


def test_refusals_say_what_happened_and_what_to_do():
    refused = managed_domain_refusal(['a@example.com', 'b@example.com'], ['example.com'])
    assert refused == {
        'rule': 'managed_domain',
        'message': '2 users to remove are on a managed domain of the account (example.com), and Zoom refuses to disassociate '
                   'such users (code 1107); nothing was changed.',
        'remedy': 'Choose one: unlisted: deactivate (the users stay in the account, deactivated), or removal_action: delete '
                  'with transfer_to: <an active user who receives their meetings and recordings> (or allow_data_loss: true).',
        'numbers': {'users': 2}, 'users': ['a@example.com', 'b@example.com']}
    refused = problems_refusal(['x', 'y'])
    assert refused['numbers'] == {'problems': 2} and refused['message'].startswith('2 problems found')
