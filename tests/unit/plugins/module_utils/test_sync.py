# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of the sync's bulk read, planning and apply (module_utils/_sync_read.py, _sync_plan.py, _sync_apply.py).

The Zoom behind them is the project's one fake, the simulator: ``sim_client`` is a ZoomClient against the ``zoomsim``
fixture, whose world each test picks with ``@pytest.mark.zoomsim_world(...)``; faults are scripted with
``zoomsim.set_faults`` and every claim about calls is checked in the simulator's request log.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import json

from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import PhoneInventory
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_apply import Progress, apply_plan
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_guards import (
    compare_plans,
    difference_text,
    removal_refusal,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_input import Scope, check_entries
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_plan import batch_item, build_plan, predicted_buckets
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_read import prefetch, read_account
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_report import plan_document

pytest.importorskip('zoomsim.testing')

UNLIMITED = 'US/CA Unlimited Calling Plan'
METERED = 'US/CA Metered Calling Plan'


def number(index):
    return '+1415555%04d' % index


def world(converged=0, users=(), numbers=8, managed=('example.com',), external=()):
    """A Business account on example.com: owner, admin, ``converged`` users user01.. with their phone set up (HQ,
    extension 1000+i, the Unlimited plan, number i), then ``users``; ``numbers`` numbers in the account."""
    people = [{'email': 'owner@example.com', 'role': 'owner', 'first_name': 'O'}, {'email': 'admin@example.com', 'role': 'admin'}]
    for index in range(1, converged + 1):
        people.append({'email': 'user%02d@example.com' % index, 'first_name': 'First%d' % index, 'last_name': 'Last%d' % index,
                       'phone': {'site': 'HQ', 'extension': 1000 + index, 'calling_plans': [200], 'numbers': [number(index)]}})
    people.extend(users)
    return {
        'account': {'id': 'acct-unit-sync', 'owner_email': 'owner@example.com', 'associated_domains': ['example.com'],
                    'managed_domains': list(managed)},
        'credentials': [{'client_id': 'cid-unit-sync', 'client_secret': 'secret-unit-sync'}],
        'rate_limits': {'enabled': False},
        'external_accounts': [{'email': email, 'kind': 'personal'} for email in external],
        'phone': {'provisioning_delay': 0,
                  'sites': [{'name': 'HQ', 'main': True}, {'name': 'Paris', 'site_code': 33}],
                  'calling_plans': [{'type': 200, 'name': UNLIMITED, 'subscribed': 50},
                                    {'type': 100, 'name': METERED, 'subscribed': 50}],
                  'numbers': [number(i) for i in range(1, numbers + 1)]},
        'users': people,
    }


pytestmark = pytest.mark.zoomsim_world(world())  # the default world of this file's tests


def desired_user(index, **overrides):
    entry = {'email': 'user%02d@example.com' % index, 'first_name': 'First%d' % index, 'last_name': 'Last%d' % index,
             'phone': {'site': 'HQ', 'extension_number': 1000 + index, 'calling_plans': [UNLIMITED],
                       'phone_numbers': [number(index)]}}
    entry.update(overrides)
    return entry


def plan_for(client, users, scope=None, **options):
    scope = scope or Scope(['example.com'])
    desired, problems, _deprecations = check_entries(users, 'users', 'ssoCreate', scope)
    with ThreadPoolExecutor(4) as executor:
        snap = read_account(client, executor, phone=any(u.get('phone') for u in users))
        prefetch(client, executor, snap, desired, scope, options.get('unlisted', 'ignore'),
                 options.get('removal_action', 'disassociate'))
    return build_plan(desired, snap, scope, problems, **options), snap


def apply(client, users, **options):
    plan, snap = plan_for(client, users, **options)
    assert plan.problems == [] and plan.blocked_removals == []
    buckets, warnings = apply_plan(client, plan, snap, concurrency=4, wait_budget=5, sleep=lambda s: None)
    return plan, buckets, warnings


def calls(sim, since, method=None, path=None):
    """(method, path, query) of the logged requests after ``since``."""
    return [(e['method'], e['path'], e['query']) for e in sim.log(since=since) if e['path'].startswith('/v2/')
            and (method is None or e['method'] == method) and (path is None or e['path'] == path)]


def writes(sim, since):
    return [(e['method'], e['path']) for e in sim.log(since=since, writes_only=True)]


def user_id(sim, email):
    return sim.world.user_by_email(email).id


# ---------------------------------------------------------------------------
# Plan
# ---------------------------------------------------------------------------

class TestPlan:
    def test_first_provisioning_batches_phone(self, zoomsim, sim_client):
        paris = {'site': 'Paris', 'extension_number': 33002, 'calling_plans': [METERED]}
        seq = zoomsim.mark()
        plan, _snap = plan_for(sim_client, [desired_user(1), desired_user(2, phone=paris)])
        assert plan.problems == []
        assert [e.action for e in plan.entries] == ['create', 'create']
        first, second = plan.entries
        assert first.phone_mode == 'batch'
        assert first.batch_item == {'email': 'user01@example.com', 'extension_number': '1001', 'site_name': 'HQ',
                                    'calling_plans': ['US/CA Unlimited'], 'phone_numbers': [number(1)]}
        assert second.batch_item['extension_number'] == '002'  # the site code 33 is not sent to batch add
        assert first.changes['phone.extension_number'] == [None, 1001]
        assert first.changes['status'] == [None, 'active']
        assert writes(zoomsim, seq) == []

    @pytest.mark.zoomsim_world(world(converged=3))
    def test_rerun_of_a_converged_account_is_unchanged_with_list_reads_only(self, zoomsim, sim_client):
        seq = zoomsim.mark()
        plan, _snap = plan_for(sim_client, [desired_user(i) for i in range(1, 4)])
        assert [e.action for e in plan.entries] == ['unchanged'] * 3
        assert not plan.changed
        assert sorted(set(path for _m, path, _q in calls(zoomsim, seq))) == ['/v2/phone/sites', '/v2/phone/users', '/v2/users']

    @pytest.mark.zoomsim_world(world(converged=3))
    def test_updates_and_phone_steps(self, sim_client):
        users = [desired_user(1, first_name='Renamed'), desired_user(2, phone={'extension_number': 1102}),
                 desired_user(3, phone={'calling_plans': [METERED]})]
        plan, _snap = plan_for(sim_client, users)
        by_email = dict((e.email, e) for e in plan.entries)
        assert by_email['user01@example.com'].changes == {'first_name': ['First1', 'Renamed']}
        assert by_email['user01@example.com'].labels == ['update:first_name']
        assert by_email['user02@example.com'].changes == {'phone.extension_number': [1002, 1102]}
        assert by_email['user03@example.com'].changes == {'phone.calling_plans': [[UNLIMITED], [METERED]]}
        assert by_email['user03@example.com'].labels == ['phone:calling_plans']
        assert all(e.phone_mode in (None, 'steps') for e in plan.entries)

    @pytest.mark.zoomsim_world(world(converged=2, users=[
        {'email': 'pending@example.com', 'status': 'pending'}, {'email': 'left@example.com', 'first_name': 'Left'},
        {'email': 'gone@example.com', 'status': 'inactive'}]))
    def test_pending_protected_and_unlisted(self, sim_client):
        users = [desired_user(1), desired_user(2), {'email': 'pending@example.com', 'first_name': 'P'},
                 {'email': 'admin@example.com', 'first_name': 'Changed'}]
        plan, _snap = plan_for(sim_client, users, Scope(['example.com'], protected=['nobody@example.com']),
                               unlisted='deactivate')
        actions = dict((e.email, e.action) for e in plan.entries)
        assert actions['pending@example.com'] == 'pending'
        assert actions['admin@example.com'] == 'skip'
        assert actions['left@example.com'] == 'deactivate'
        assert 'gone@example.com' not in actions  # already deactivated
        assert 'owner@example.com' not in actions  # protected, never touched
        assert plan.entries[0].action == 'deactivate'  # removals come first
        assert [e.email for e in plan.removals] == ['left@example.com']
        pending = [e for e in plan.entries if e.action == 'pending'][0]
        assert pending.reason and pending.remedy

    @pytest.mark.zoomsim_world(world(converged=2, users=[{'email': 'other@elsewhere.org'}]))
    def test_conflicts_are_problems(self, sim_client):
        users = [desired_user(5, phone={'extension_number': 1001, 'calling_plans': ['Gold Plan']}),
                 desired_user(6, phone={'site': 'Mars', 'phone_numbers': [number(2)]})]
        plan, _snap = plan_for(sim_client, users)
        text = ' | '.join(plan.problems)
        assert 'extension_number: 1001 is already used by user01@example.com' in text
        assert "unknown calling plan 'Gold Plan'" in text
        assert "unknown site 'Mars'" in text
        assert '%s is assigned to' % number(2) in text
        assert set(item['email'] for item in plan.problem_details) == {'user05@example.com', 'user06@example.com'}

    @pytest.mark.zoomsim_world(world(converged=1, users=[{'email': 'left%d@example.com' % i} for i in range(5)]))
    def test_thresholds(self, sim_client):
        plan, _snap = plan_for(sim_client, [desired_user(1)], unlisted='deactivate')
        assert len(plan.removals) == 5
        assert plan.in_scope_count == 6
        assert removal_refusal(plan, 10, 100) is None
        refused = removal_refusal(plan, 4, 100)
        assert refused['rule'] == 'max_removals' and 'more than max_removals=4' in refused['message']
        assert refused['numbers'] == {'removals': 5, 'in_scope': 6, 'percent': 83.3, 'max_removals': 4,
                                      'max_removal_percent': 100}
        assert sorted(refused['users']) == ['left%d@example.com' % i for i in range(5)]
        refused = removal_refusal(plan, 10, 50)
        assert refused['rule'] == 'max_removal_percent' and 'max_removal_percent=50' in refused['message']

    @pytest.mark.zoomsim_world(world(converged=3))
    def test_digest_is_stable_and_covers_before_values(self, zoomsim, sim_client):
        users = [desired_user(1, first_name='A'), desired_user(2), desired_user(3)]
        plan_a, _snap = plan_for(sim_client, users)
        plan_b, _snap = plan_for(sim_client, list(reversed(users)))
        assert plan_a.digest == plan_b.digest
        assert plan_a.digest.startswith('sha256:')
        zoomsim.call('PATCH', '/v2/users/user01@example.com', json={'first_name': 'Changed meanwhile'})
        plan_c, _snap = plan_for(sim_client, users)
        assert plan_c.digest != plan_a.digest  # same after-values, different before: the account drifted
        differences = compare_plans(plan_document(plan_a), plan_document(plan_c))
        assert [difference_text(d) for d in differences] == [
            'user01@example.com: approved update (first_name First1 -> A), now update (first_name Changed meanwhile -> A)']

    @pytest.mark.zoomsim_world(world(converged=1, users=[{'email': 'left@example.com'}]))
    def test_digest_covers_the_options_that_decide_the_writes(self, sim_client):
        base, _snap = plan_for(sim_client, [desired_user(1)], unlisted='remove', removal_action='delete', allow_data_loss=True)
        assert base.problems == []
        for options in ({'transfer_to': 'user01@example.com', 'allow_data_loss': False}, {'batch_phone': False},
                        {'new_user_type': 'licensed'}, {'create_action': 'custCreate'}):
            other, _snap = plan_for(sim_client, [desired_user(1)], unlisted='remove', removal_action='delete',
                                    **dict({'allow_data_loss': True}, **options))
            assert other.digest != base.digest, options

    @pytest.mark.zoomsim_world(world(converged=1, managed=()))
    def test_predicted_buckets(self, sim_client):
        plan, _snap = plan_for(sim_client, [desired_user(1, first_name='X'), desired_user(2), {'email': 'p@other.org'}],
                               Scope(['example.com', 'other.org']))
        buckets = predicted_buckets(plan)
        assert buckets['created'] == ['user02@example.com']
        assert buckets['updated'] == [{'email': 'user01@example.com', 'fields': ['first_name'], 'actions': ['update:first_name']}]
        assert buckets['pending'][0]['reason'] == 'domain_not_associated'
        assert plan.outcome_totals['pending'] == 1 and plan.totals['create'] == 2


class TestBatchItem:
    SITES = [{'id': 'site-hq', 'name': 'HQ', 'level': 'main'}, {'id': 'site-par', 'name': 'Paris', 'level': 'sub', 'site_code': 33}]
    PLANS = [{'type': 200, 'name': UNLIMITED}, {'type': 100, 'name': METERED}, {'type': 4000, 'name': 'International Calling Add-on'}]

    def test_needs_explicit_extension_and_known_plans(self):
        inventory = PhoneInventory(self.PLANS, [], self.SITES, [])
        assert batch_item('a@example.com', {'extension_number': 'auto', 'calling_plans': [200]}, inventory) is None
        assert batch_item('a@example.com', {'extension_number': 1001}, inventory) is None
        assert batch_item('a@example.com', {'extension_number': 1001, 'calling_plans': [4000]}, inventory) is None
        assert batch_item('a@example.com', {'site': 'Paris', 'extension_number': 1001, 'calling_plans': [200]}, inventory) is None
        assert batch_item('a@example.com', {'site': 'Paris', 'extension_number': 33001, 'calling_plans': [200]},
                          inventory)['extension_number'] == '001'


# ---------------------------------------------------------------------------
# Apply
# ---------------------------------------------------------------------------

class TestApply:
    @pytest.mark.zoomsim_world(world(numbers=30))
    def test_first_provisioning_creates_and_batches(self, zoomsim, sim_client):
        users = [desired_user(i) for i in range(1, 26)]
        seq = zoomsim.mark()
        _plan, buckets, _warnings = apply(sim_client, users)
        assert sorted(buckets['created']) == sorted(u['email'] for u in users)
        assert buckets['failures'] == []
        assert len(calls(zoomsim, seq, 'POST', '/v2/users')) == 25
        assert len(calls(zoomsim, seq, 'POST', '/v2/phone/users/batch')) == 3  # 10 + 10 + 5
        # no read-back per created user: one read of the pending list tells who Zoom left pending
        assert [c for c in calls(zoomsim, seq, 'GET') if c[1].startswith('/v2/users/user')] == []
        assert any('status=pending' in query for _m, _p, query in calls(zoomsim, seq, 'GET', '/v2/users'))
        assert zoomsim.world.phone_users[user_id(zoomsim, 'user07@example.com')].extension_number == 1007
        plan, _snap = plan_for(sim_client, users)
        assert [e.action for e in plan.entries] == ['unchanged'] * 25

    @pytest.mark.zoomsim_world(world(numbers=12, external=['user03@example.com']))
    def test_a_user_zoom_leaves_pending_is_isolated_from_the_batch(self, zoomsim, sim_client):
        users = [desired_user(i) for i in range(1, 11)]
        seq = zoomsim.mark()
        _plan, buckets, _warnings = apply(sim_client, users)
        assert [p['email'] for p in buckets['pending']] == ['user03@example.com']
        assert buckets['pending'][0]['created'] is True
        assert buckets['pending'][0]['reason'] == 'existing_zoom_account'
        assert len(buckets['created']) == 9 and buckets['failures'] == []
        assert len(calls(zoomsim, seq, 'POST', '/v2/phone/users/batch')) <= 1 + 2 * 4  # bisection, not one call per user

    def test_lost_create_answer_is_settled_by_a_lookup(self, zoomsim, sim_client):
        # the connection drops before Zoom handles the POST: the lookup proves it did not land, so it is sent again
        zoomsim.set_faults({'script': [{'match': {'method': 'POST', 'path': '/v2/users'}, 'fault': 'drop', 'times': 1}]})
        plan, snap = plan_for(sim_client, [{'email': 'solo@example.com', 'first_name': 'Solo'}])
        seq = zoomsim.mark()
        buckets, _warnings = apply_plan(sim_client, plan, snap, concurrency=1, sleep=lambda s: None)
        assert buckets['created'] == ['solo@example.com']
        assert [c[:2] for c in calls(zoomsim, seq)][:3] == [
            ('POST', '/v2/users'), ('GET', '/v2/users/solo@example.com'), ('POST', '/v2/users')]

    def test_create_lost_every_time_fails_after_bounded_attempts(self, zoomsim, sim_client):
        zoomsim.set_faults({'script': [{'match': {'method': 'POST', 'path': '/v2/users'}, 'fault': 'drop', 'times': 10}]})
        seq = zoomsim.mark()
        _plan, buckets, _warnings = apply(sim_client, [{'email': 'solo@example.com', 'first_name': 'Solo'}])
        assert [f['email'] for f in buckets['failures']] == ['solo@example.com']
        assert 'was lost 3 times' in buckets['failures'][0]['message']
        assert len(calls(zoomsim, seq, 'POST', '/v2/users')) == 3

    def test_create_that_landed_is_not_sent_twice(self, zoomsim, sim_client):
        zoomsim.set_faults({'script': [{'match': {'method': 'POST', 'path': '/v2/users'}, 'fault': 'lost_response', 'times': 1}]})
        seq = zoomsim.mark()
        _plan, buckets, warnings = apply(sim_client, [{'email': 'solo@example.com', 'first_name': 'Solo'}])
        assert buckets['created'] == ['solo@example.com']
        assert 'its answer was lost' in warnings[0]
        assert len(calls(zoomsim, seq, 'POST', '/v2/users')) == 1

    @pytest.mark.zoomsim_world(world(converged=4))
    def test_one_failure_does_not_stop_the_others(self, zoomsim, sim_client):
        target = '/v2/users/%s' % user_id(zoomsim, 'user02@example.com')
        zoomsim.set_faults({'script': [{'match': {'method': 'PATCH', 'path': target}, 'fault': 'http_500', 'times': 50}]})
        users = [desired_user(i, first_name='New%d' % i) for i in range(1, 5)]
        _plan, buckets, _warnings = apply(sim_client, users)
        assert [f['email'] for f in buckets['failures']] == ['user02@example.com']
        assert buckets['failures'][0]['status'] == 500
        assert len(buckets['updated']) == 3
        zoomsim.set_faults({})
        plan, _snap = plan_for(sim_client, users)
        assert [e.email for e in plan.entries if e.action == 'update'] == ['user02@example.com']  # a rerun retries it

    def test_profile_fields_post_create_takes_are_patched_after_it(self, zoomsim, sim_client):
        entry = {'email': 'new@example.com', 'first_name': 'New', 'department': 'Sales', 'job_title': 'Rep'}
        _plan, buckets, _warnings = apply(sim_client, [entry])
        assert buckets['created'] == ['new@example.com']
        user = zoomsim.world.user_by_email('new@example.com')
        assert (user.dept, user.job_title, user.first_name) == ('Sales', 'Rep', 'New')
        plan, _snap = plan_for(sim_client, [entry])
        assert [e.action for e in plan.entries] == ['unchanged']

    @pytest.mark.zoomsim_world(world(converged=1, users=[{'email': 'left@example.com'}]))
    def test_removals_run_before_everything_else(self, zoomsim, sim_client):
        seq = zoomsim.mark()
        _plan, buckets, _warnings = apply(sim_client, [desired_user(1), desired_user(2)], unlisted='remove',
                                          removal_action='delete', transfer_to='user01@example.com')
        deletes = calls(zoomsim, seq, 'DELETE')
        assert writes(zoomsim, seq)[0][0] == 'DELETE' and len(deletes) == 1
        assert 'action=delete' in deletes[0][2] and 'transfer_email=user01@example.com' in deletes[0][2]
        assert buckets['removed'] == ['left@example.com']
        assert buckets['created'] == ['user02@example.com']

    @pytest.mark.zoomsim_world(world(converged=1, users=[{'email': 'pending@example.com', 'status': 'pending'}]))
    def test_pending_and_protected_are_reported_without_calls(self, zoomsim, sim_client):
        seq = zoomsim.mark()
        _plan, buckets, _warnings = apply(sim_client, [desired_user(1), {'email': 'pending@example.com'},
                                                       {'email': 'owner@example.com', 'first_name': 'New'}])
        assert writes(zoomsim, seq) == []
        assert [p['email'] for p in buckets['pending']] == ['pending@example.com']
        assert buckets['protected'][0]['email'] == 'owner@example.com'
        assert buckets['unchanged'] == ['user01@example.com']


@pytest.mark.zoomsim_world(world(converged=2))
def test_fields_missing_from_list_rows_are_read_per_user(zoomsim, sim_client):
    # Zoom documents no job_title in GET /v2/users rows (docs/ZOOM-API-FACTS.md §2.4): rows without it are read one by one
    scope = Scope(['example.com'])
    desired, _problems, _deprecations = check_entries([desired_user(1, job_title='Engineer'), desired_user(2)], 'users')
    with ThreadPoolExecutor(2) as executor:
        snap = read_account(sim_client, executor)
        for row in snap.users.values():
            row.pop('job_title', None)
        seq = zoomsim.mark()
        prefetch(sim_client, executor, snap, desired, scope)
    assert [path for _m, path, _q in calls(zoomsim, seq, 'GET') if path.startswith('/v2/users/')] == [
        '/v2/users/%s' % user_id(zoomsim, 'user01@example.com')]
    plan = build_plan(desired, snap, scope)
    assert plan.entries[0].changes == {'job_title': ['', 'Engineer']}


def _many_phone_users(count):
    return [{'email': 'p%03d@example.com' % i,
             'phone': {'site': 'HQ' if i % 2 else 'Paris', 'extension': (2000 if i % 2 else 33000) + i}}
            for i in range(count)]


@pytest.mark.zoomsim_world(world(users=_many_phone_users(450)))
def test_read_account_lists_a_large_phone_account_site_by_site(zoomsim, sim_client):
    seq = zoomsim.mark()
    with ThreadPoolExecutor(4) as executor:
        snap = read_account(sim_client, executor)
    assert len(snap.phone_rows) == 450
    phone_lists = [query for _m, _p, query in calls(zoomsim, seq, 'GET', '/v2/phone/users')]
    # the first page says 450 phone users (more than 4 pages): the rest is listed per site, in parallel
    assert len([q for q in phone_lists if 'site_id=' in q]) >= 2
    assert snap.inventory.number is not None and snap.state('p001@example.com').status == 'active'


@pytest.mark.zoomsim_world(world(users=_many_phone_users(150)))
def test_read_account_continues_a_short_phone_list_after_its_first_page(zoomsim, sim_client):
    seq = zoomsim.mark()
    with ThreadPoolExecutor(4) as executor:
        snap = read_account(sim_client, executor)
    assert len(snap.phone_rows) == 150
    queries = [query for _m, _p, query in calls(zoomsim, seq, 'GET', '/v2/phone/users')]
    assert len(queries) == 2 and 'next_page_token=' in queries[1]  # the first page is not read twice


# ---------------------------------------------------------------------------
# Removals: managed domains (1107), transfer_to, no removal reported that Zoom did not do
# ---------------------------------------------------------------------------

class TestRemovals:
    @pytest.mark.zoomsim_world(world(converged=1, users=[{'email': 'left@example.com'},
                                                         {'email': 'asleep@example.com', 'status': 'inactive'},
                                                         {'email': 'invited@example.com', 'status': 'pending'}]))
    def test_disassociate_on_a_managed_domain_is_refused_before_any_write(self, zoomsim, sim_client):
        seq = zoomsim.mark()
        plan, _snap = plan_for(sim_client, [desired_user(1)], unlisted='remove')
        # active and inactive users alike (Zoom answers 1107 for both); the invitation is withdrawn (no action): allowed
        assert sorted(plan.blocked_removals) == ['asleep@example.com', 'left@example.com']
        assert plan.blocked_domains == ['example.com']
        assert plan.problems == []
        assert writes(zoomsim, seq) == []

    @pytest.mark.zoomsim_world(world(converged=1, users=[{'email': 'left@other.org'}]))
    def test_disassociate_off_managed_domains_is_planned(self, sim_client):
        plan, _snap = plan_for(sim_client, [desired_user(1)], Scope(['example.com', 'other.org']), unlisted='remove')
        assert plan.blocked_removals == []
        assert [e.removal[0].field for e in plan.removals] == ['disassociate']

    @pytest.mark.parametrize('transfer_to, expected', [
        ('nobody@example.com', 'transfer_to=nobody@example.com is not an active user of the account (absent)'),
        ('sleeper@example.com', 'transfer_to=sleeper@example.com is not an active user of the account (inactive)'),
        ('left@example.com', 'transfer_to must be another user than left@example.com'),
    ])
    @pytest.mark.zoomsim_world(world(converged=1, users=[{'email': 'left@example.com'},
                                                         {'email': 'sleeper@example.com', 'status': 'inactive'}]))
    def test_transfer_to_is_checked_while_planning(self, zoomsim, sim_client, transfer_to, expected):
        seq = zoomsim.mark()
        plan, _snap = plan_for(sim_client, [desired_user(1), {'email': 'sleeper@example.com'}], unlisted='remove',
                               removal_action='delete', transfer_to=transfer_to)
        assert any(expected in text for text in plan.problems), plan.problems
        assert writes(zoomsim, seq) == []

    @pytest.mark.zoomsim_world(world(converged=2, users=[{'email': 'left@example.com'}]))
    def test_transfer_to_deactivated_by_the_run_is_refused(self, sim_client):
        plan, _snap = plan_for(sim_client, [desired_user(1), desired_user(2, active=False)], unlisted='remove',
                               removal_action='delete', transfer_to='user02@example.com')
        assert plan.problems == ['transfer_to=user02@example.com is itself deactivated by this run: name a user who stays '
                                 'active.']
        assert plan.problem_details[0]['field'] == 'transfer_to'

    @pytest.mark.zoomsim_world(world(converged=1, users=[{'email': 'left@example.com'}, {'email': 'heir@example.com'}]))
    def test_a_404_on_removal_counts_only_when_the_user_is_gone(self, zoomsim, sim_client):
        plan, snap = plan_for(sim_client, [desired_user(1), {'email': 'heir@example.com'}], unlisted='remove',
                              removal_action='delete', transfer_to='heir@example.com')
        assert plan.problems == []
        zoomsim.call('DELETE', '/v2/users/heir@example.com', params={'action': 'delete'})  # gone after the review
        buckets, _warnings = apply_plan(sim_client, plan, snap, concurrency=2, sleep=lambda s: None)
        assert buckets['removed'] == []
        assert [f['email'] for f in buckets['failures']] == ['left@example.com']
        assert 'transfer_to=heir@example.com is not an active user' in buckets['failures'][0]['message']
        assert zoomsim.world.user_by_email('left@example.com') is not None

    @pytest.mark.zoomsim_world(world(converged=1, users=[{'email': 'left@other.org'}]))
    def test_a_lost_answer_to_a_removal_is_settled_by_a_lookup(self, zoomsim, sim_client):
        plan, snap = plan_for(sim_client, [desired_user(1)], Scope(['example.com', 'other.org']), unlisted='remove')
        zoomsim.set_faults({'script': [{'match': {'method': 'DELETE', 'path': '/v2/users/*'}, 'fault': 'lost_response',
                                        'times': 1}]})
        buckets, warnings = apply_plan(sim_client, plan, snap, concurrency=2, sleep=lambda s: None)
        assert buckets['removed'] == ['left@other.org'] and buckets['failures'] == []
        assert 'already gone' in ' '.join(warnings)


class TestVocabulary:
    @pytest.mark.zoomsim_world(world(converged=1))
    def test_new_user_type_applies_to_creates_only(self, zoomsim, sim_client):
        zoomsim.call('PATCH', '/v2/users/user01@example.com', json={'type': 2})
        plan, _snap = plan_for(sim_client, [desired_user(1), desired_user(2), desired_user(3, type='basic')],
                               new_user_type='licensed')
        by_email = dict((e.email, e) for e in plan.entries)
        assert by_email['user01@example.com'].action == 'unchanged'  # existing licence left alone
        assert by_email['user02@example.com'].changes['type'] == [None, 'licensed']
        assert by_email['user03@example.com'].changes['type'] == [None, 'basic']
        _plan, buckets, _warnings = apply(sim_client, [desired_user(2)], new_user_type='licensed')
        assert buckets['created'] == ['user02@example.com']
        assert zoomsim.world.user_by_email('user02@example.com').type == 2

    @pytest.mark.zoomsim_world(world(converged=2))
    def test_department_and_its_deprecated_alias(self, sim_client):
        plan, _snap = plan_for(sim_client, [desired_user(1, department='Sales'), desired_user(2, dept='Ops')])
        by_email = dict((e.email, e) for e in plan.entries)
        assert by_email['user01@example.com'].changes == {'department': ['', 'Sales']}
        assert by_email['user02@example.com'].changes == {'department': ['', 'Ops']}
        assert by_email['user01@example.com'].labels == ['update:department']

    @pytest.mark.zoomsim_world(world(converged=1, users=[{'email': 'left@example.com', 'first_name': 'Left', 'type': 2}]))
    def test_unlisted_ignored_users_are_listed_for_the_audit(self, sim_client):
        plan, _snap = plan_for(sim_client, [desired_user(1)])
        assert plan.unlisted_ignored == [{'email': 'left@example.com', 'status': 'active', 'first_name': 'Left',
                                          'last_name': '', 'type': 'licensed'}]


def test_progress_file_lines(tmp_path):
    now = [0.0]
    path = tmp_path / 'progress.jsonl'
    progress = Progress(str(path), clock=lambda: now[0], interval=2.0, started=0.0)
    progress.start('apply', users=3)
    now[0] = 1.0
    progress.outcome('created')
    now[0] = 3.5
    progress.outcome('created')   # 3.5 s after the start: a progress line
    now[0] = 4.0
    progress.outcome('failures')
    now[0] = 5.0
    progress.end('apply', created=2)
    progress.finish({'created': 2, 'failures': 1}, changed=True)
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    assert [line['event'] for line in lines] == ['phase_start', 'progress', 'phase_end', 'finished']
    assert lines[1]['counts'] == {'created': 2} and lines[1]['done'] == 2 and lines[1]['total'] == 3
    assert lines[2]['counts'] == {'created': 2, 'failures': 1}
    assert progress.phases == {'apply': 5.0}
