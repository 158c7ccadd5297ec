# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of the sync's planning, bulk read and apply (module_utils/_sync_plan.py, _sync_read.py, _sync_apply.py).

``FakeZoom`` is an in-memory account behind the client interface _sync, _users and _phone use (get, post,
patch, put, delete, paginate); it records every call and can be told to fail calls, so the concurrent
applier is tested without HTTP.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import json
import re
import threading

from concurrent.futures import ThreadPoolExecutor

import pytest

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    ZoomAPIError,
    ZoomUncertainWriteError,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import PhoneInventory
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_apply import Progress, apply_plan
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_guards import compare_plans, difference_text, removal_refusal
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_input import Scope, check_entries
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_plan import BATCH_PLAN_NAMES, batch_item, build_plan, predicted_buckets
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_read import Snapshot, prefetch, read_account
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_report import plan_document, render_markdown

SITES = [{'id': 'site-hq', 'name': 'HQ', 'level': 'main'}, {'id': 'site-par', 'name': 'Paris', 'level': 'sub', 'site_code': 33}]
PLANS = [{'type': 200, 'name': 'US/CA Unlimited Calling Plan', 'subscribed': 50, 'assigned': 1, 'available': 49},
         {'type': 100, 'name': 'US/CA Metered Calling Plan', 'subscribed': 50, 'assigned': 0, 'available': 50},
         {'type': 4000, 'name': 'International Calling Add-on', 'subscribed': 5, 'assigned': 0, 'available': 5}]


# ---------------------------------------------------------------------------
# An in-memory Zoom behind the client interface
# ---------------------------------------------------------------------------

def api_error(status, code, message, method='GET', path='/'):
    return ZoomAPIError(status, code, message, method=method, path=path)


class FakeZoom:
    """Users (any status), phone users, sites, plans, numbers; every call is recorded in ``calls``."""

    def __init__(self, users=(), phone=(), numbers=(), domains=('example.com',), sites=None, plans=None):
        self.lock = threading.RLock()
        self.users = {}
        self.seq = 0
        for user in users:
            self.add_user(**user)
        self.phone = {}
        for row in phone:
            self.phone[row['id']] = copy.deepcopy(row)
        self.numbers = [dict(n) for n in numbers]
        self.domains = list(domains)
        self.sites = copy.deepcopy(list(SITES if sites is None else sites))
        self.plans = copy.deepcopy(list(PLANS if plans is None else plans))
        self.calls = []
        self.faults = []  # (method, path regex, exception, times)
        self.pending_on_create = set()
        self.phone_total = None
        self.deletes = []  # query parameters of each DELETE /v2/users/{id}

    def add_user(self, email, status='active', role_id='2', **fields):
        with self.lock:
            self.seq += 1
            user = dict(id='u%d' % self.seq, email=email, status=status, role_id=role_id, first_name='', last_name='',
                        display_name='', type=1)
            user.update(fields)
            self.users[user['id']] = user
            return user

    def by_ref(self, ref):
        for user in self.users.values():
            if user['id'] == ref or user['email'].lower() == ref.lower():
                return user
        return None

    def fail(self, method, pattern, exc, times=1):
        self.faults.append([method, re.compile(pattern), exc, times])

    def _fault(self, method, path):
        for fault in self.faults:
            if fault[0] == method and fault[1].search(path) and fault[3] != 0:
                fault[3] -= 1
                raise fault[2]

    def writes(self):
        return [(m, p) for m, p, _body in self.calls if m != 'GET']

    # -- the client interface
    def get(self, path, params=None):
        return self._call('GET', path, params=params)

    def post(self, path, json=None, params=None):
        return self._call('POST', path, json=json, params=params)

    def patch(self, path, json=None, params=None):
        return self._call('PATCH', path, json=json, params=params)

    def put(self, path, json=None, params=None):
        return self._call('PUT', path, json=json, params=params)

    def delete(self, path, json=None, params=None):
        return self._call('DELETE', path, json=json, params=params)

    def paginate(self, path, items_key, params=None, page_size=300, dedupe_key=None, max_pages=None):
        data = self._call('GET', path, params=dict(params or {}, page_size=page_size))
        return iter(data.get(items_key) or [])

    def _call(self, method, path, json=None, params=None):
        with self.lock:
            self.calls.append((method, path, copy.deepcopy(json)))
            self._fault(method, path)
            return self._route(method, path, json, params or {})

    def _route(self, method, path, body, params):  # pylint: disable=too-many-return-statements,too-many-branches
        if method == 'GET' and path == '/v2/users':
            status = params.get('status', 'active')
            rows = [dict(u) for u in self.users.values() if u['status'] == status]
            if status == 'pending':
                for row in rows:
                    del row['id']
            return {'users': rows}
        if method == 'POST' and path == '/v2/users':
            info = body['user_info']
            if self.by_ref(info['email']):
                raise api_error(409, 1005, 'User already in the account: %s' % info['email'], 'POST', path)
            status = 'pending' if info['email'] in self.pending_on_create else 'active'
            user = self.add_user(info['email'], status=status, first_name=info.get('first_name', ''),
                                 last_name=info.get('last_name', ''), type=info.get('type', 1))
            return {'id': user['id'], 'email': user['email']}
        match = re.match(r'^/v2/users/([^/]+)(/status|/settings)?$', path)
        if match:
            user = self.by_ref(match.group(1))
            if user is None:
                raise api_error(404, 1001, 'User does not exist: %s.' % match.group(1), method, path)
            if match.group(2) == '/settings':
                if user['status'] == 'pending':
                    raise api_error(400, 1000, 'You can not access settings of users that are still in pending state.', method, path)
                if method == 'GET':
                    return {'feature': {'zoom_phone': user.get('zoom_phone', False)}}
                if body['feature']['zoom_phone']:
                    user['zoom_phone'] = True
                    self.phone.setdefault(user['id'], {'id': user['id'], 'email': user['email'], 'extension_number': 9000 + len(self.phone),
                                                       'site': {'id': 'site-hq', 'name': 'HQ'}, 'calling_plans': [], 'phone_numbers': []})
                return None
            if match.group(2) == '/status':
                user['status'] = 'active' if body['action'] == 'activate' else 'inactive'
                return None
            if method == 'GET':
                return dict(user)
            if method == 'PATCH':
                if user['status'] == 'pending':
                    return None  # Zoom accepts updates of pending users and applies nothing
                user.update(dict((k, v) for k, v in body.items() if k != 'feature'))
                if (body.get('feature') or {}).get('zoom_phone'):
                    self.phone.setdefault(user['id'], {'id': user['id'], 'email': user['email'], 'extension_number': 9000 + len(self.phone),
                                                       'site': {'id': 'site-hq', 'name': 'HQ'}, 'calling_plans': [], 'phone_numbers': []})
                return None
            if method == 'DELETE':
                self.deletes.append(dict(params))
                del self.users[user['id']]
                self.phone.pop(user['id'], None)
                return None
        if method == 'GET' and path == '/v2/accounts/me/managed_domains':
            return {'domains': [{'domain': d, 'status': 'verified'} for d in self.domains]}
        if method == 'GET' and path == '/v2/phone/sites':
            return {'sites': self.sites}
        if method == 'GET' and path == '/v2/phone/calling_plans':
            return {'calling_plans': self.plans}
        if method == 'GET' and path == '/v2/phone/numbers':
            return {'phone_numbers': [n for n in self.numbers if not n.get('assignee')]}
        if method == 'GET' and path == '/v2/phone/users':
            rows = list(self.phone.values())
            if params.get('site_id'):
                rows = [r for r in rows if r['site']['id'] == params['site_id']]
            elif self.phone_total:  # pretend a large account: the first page says there are many more
                return {'users': copy.deepcopy(rows[:1]), 'total_records': self.phone_total, 'next_page_token': 'more'}
            return {'users': copy.deepcopy(rows), 'total_records': len(rows), 'next_page_token': ''}
        if method == 'POST' and path == '/v2/phone/users/batch':
            for item in body['users']:
                user = self.by_ref(item['email'])
                if user is None or user['status'] != 'active':
                    raise api_error(400, 300, 'Validation Failed.', method, path)
            for item in body['users']:
                user = self.by_ref(item['email'])
                site = next(s for s in self.sites if s['name'] == item['site_name'])
                code = str(site.get('site_code') or '')
                self.phone[user['id']] = {
                    'id': user['id'], 'email': user['email'], 'extension_number': int(code + item['extension_number']),
                    'site': {'id': site['id'], 'name': site['name']},
                    'calling_plans': [{'type': p['type'], 'name': p['name']} for p in self.plans
                                      if BATCH_PLAN_NAMES.get(p['type']) in item['calling_plans']],
                    'phone_numbers': [{'id': 'n-' + n, 'number': n} for n in item.get('phone_numbers') or []]}
            return [{'email': i['email'], 'id': self.by_ref(i['email'])['id']} for i in body['users']]
        match = re.match(r'^/v2/phone/users/([^/]+)(/calling_plans|/phone_numbers)?(/[^/]+)?$', path)
        if match:
            user = self.by_ref(match.group(1))
            row = self.phone.get(user['id']) if user else None
            if row is None:
                raise api_error(404, 1001, 'User does not exist: %s.' % match.group(1), method, path)
            if method == 'GET':
                return copy.deepcopy(row)
            if match.group(2) is None:
                if 'extension_number' in body:
                    row['extension_number'] = int(body['extension_number'])
                if 'site_id' in body:
                    site = next(s for s in self.sites if s['id'] == body['site_id'])
                    row['site'] = {'id': site['id'], 'name': site['name']}
                return None
            if match.group(2) == '/calling_plans':
                names = dict((p['type'], p['name']) for p in self.plans)
                if method == 'POST':
                    row['calling_plans'].extend({'type': p['type'], 'name': names[p['type']]} for p in body['calling_plans'])
                elif method == 'PUT':
                    row['calling_plans'] = [p for p in row['calling_plans'] if p['type'] != body['source_type']]
                    row['calling_plans'].append({'type': body['target_type'], 'name': names[body['target_type']]})
                return None
            if method == 'POST':
                row['phone_numbers'].extend({'id': n.get('id') or 'n-' + n['number'], 'number': n['number']} for n in body['phone_numbers'])
            return None
        raise AssertionError('FakeZoom: no route for %s %s' % (method, path))


def desired_user(index, **overrides):
    entry = {'email': 'user%02d@example.com' % index, 'first_name': 'First%d' % index, 'last_name': 'Last%d' % index,
             'phone': {'site': 'HQ', 'extension_number': 1000 + index, 'calling_plans': ['US/CA Unlimited Calling Plan'],
                       'phone_numbers': ['+1415555%04d' % index]}}
    entry.update(overrides)
    return entry


def numbers_for(count):
    return [{'id': 'num%d' % i, 'number': '+1415555%04d' % i} for i in range(1, count + 1)]


def plan_for(zoom, users, scope=None, **options):
    scope = scope or Scope(['example.com'])
    desired, problems, _deprecations = check_entries(users, 'users', 'ssoCreate', scope)
    with ThreadPoolExecutor(4) as executor:
        snap = read_account(zoom, executor, phone=any(u.get('phone') for u in users))
        prefetch(zoom, executor, snap, desired, scope, options.get('unlisted', 'ignore'),
                 options.get('removal_action', 'disassociate'))
    return build_plan(desired, snap, scope, problems, **options), snap


# ---------------------------------------------------------------------------
# Plan
# ---------------------------------------------------------------------------

def converged_zoom(count=3, **kwargs):
    users = [dict(email='owner@example.com', role_id='0', first_name='O'), dict(email='admin@example.com', role_id='1')]
    phone = []
    zoom = FakeZoom(users=users, numbers=numbers_for(count + 5), **kwargs)
    for index in range(1, count + 1):
        user = zoom.add_user('user%02d@example.com' % index, first_name='First%d' % index, last_name='Last%d' % index)
        phone.append({'id': user['id'], 'email': user['email'], 'extension_number': 1000 + index, 'site': {'id': 'site-hq', 'name': 'HQ'},
                      'calling_plans': [{'type': 200, 'name': 'US/CA Unlimited Calling Plan'}],
                      'phone_numbers': [{'id': 'num%d' % index, 'number': '+1415555%04d' % index}]})
        zoom.numbers[index - 1]['assignee'] = {'id': user['id']}
    for row in phone:
        zoom.phone[row['id']] = row
    return zoom


class TestPlan:
    def test_first_provisioning_batches_phone(self):
        zoom = FakeZoom(users=[dict(email='owner@example.com', role_id='0')], numbers=numbers_for(5))
        paris = {'site': 'Paris', 'extension_number': 33002, 'calling_plans': ['US/CA Metered Calling Plan']}
        plan, _snap = plan_for(zoom, [desired_user(1), desired_user(2, phone=paris)])
        assert plan.problems == []
        assert [e.action for e in plan.entries] == ['create', 'create']
        first, second = plan.entries
        assert first.phone_mode == 'batch'
        assert first.batch_item == {'email': 'user01@example.com', 'extension_number': '1001', 'site_name': 'HQ',
                                    'calling_plans': ['US/CA Unlimited'], 'phone_numbers': ['+14155550001']}
        assert second.batch_item['extension_number'] == '002'  # the site code 33 is not sent to batch add
        assert first.changes['phone.extension_number'] == [None, 1001]
        assert first.changes['status'] == [None, 'active']
        assert zoom.writes() == []

    def test_rerun_of_a_converged_account_is_unchanged_with_list_reads_only(self):
        zoom = converged_zoom(3)
        plan, _snap = plan_for(zoom, [desired_user(i) for i in range(1, 4)])
        assert [e.action for e in plan.entries] == ['unchanged'] * 3
        assert not plan.changed
        paths = sorted(set(p for m, p, _body in zoom.calls))
        assert paths == ['/v2/phone/sites', '/v2/phone/users', '/v2/users']

    def test_updates_and_phone_steps(self):
        zoom = converged_zoom(3)
        users = [desired_user(1, first_name='Renamed'), desired_user(2, phone={'extension_number': 1102}),
                 desired_user(3, phone={'calling_plans': ['US/CA Metered Calling Plan']})]
        plan, _snap = plan_for(zoom, users)
        by_email = dict((e.email, e) for e in plan.entries)
        assert by_email['user01@example.com'].changes == {'first_name': ['First1', 'Renamed']}
        assert by_email['user02@example.com'].changes == {'phone.extension_number': [1002, 1102]}
        assert by_email['user03@example.com'].changes == {
            'phone.calling_plans': [['US/CA Unlimited Calling Plan'], ['US/CA Metered Calling Plan']]}
        assert all(e.phone_mode in (None, 'steps') for e in plan.entries)

    def test_pending_protected_and_unlisted(self):
        zoom = converged_zoom(2)
        zoom.add_user('pending@example.com', status='pending')
        zoom.add_user('left@example.com', first_name='Left')
        zoom.add_user('gone@example.com', status='inactive')
        users = [desired_user(1), desired_user(2), {'email': 'pending@example.com', 'first_name': 'P'},
                 {'email': 'admin@example.com', 'first_name': 'Changed'}]
        plan, _snap = plan_for(zoom, users, Scope(['example.com'], protected=['nobody@example.com']), unlisted='deactivate')
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

    def test_unlisted_remove_withdraws_invitations(self):
        zoom = converged_zoom(1)
        zoom.add_user('invited@example.com', status='pending')
        zoom.add_user('left@example.com')
        plan, _snap = plan_for(zoom, [desired_user(1)], unlisted='remove', removal_action='delete', allow_data_loss=True)
        removals = dict((e.email, e.removal[0].field) for e in plan.removals)
        assert removals == {'invited@example.com': 'withdraw', 'left@example.com': 'delete'}
        assert plan.problems == [] and plan.blocked_removals == []

    def test_conflicts_are_problems(self):
        zoom = converged_zoom(2)
        zoom.add_user('other@elsewhere.org')
        users = [desired_user(5, phone={'extension_number': 1001, 'calling_plans': ['Gold Plan']}),
                 desired_user(6, phone={'site': 'Mars', 'phone_numbers': ['+14155550002']})]
        plan, _snap = plan_for(zoom, users)
        text = ' | '.join(plan.problems)
        assert 'extension_number: 1001 is already used by user01@example.com' in text
        assert "unknown calling plan 'Gold Plan'" in text
        assert "unknown site 'Mars'" in text
        assert '+14155550002 is assigned to' in text

    def test_thresholds(self):
        zoom = converged_zoom(1)
        for index in range(5):
            zoom.add_user('left%d@example.com' % index)
        plan, _snap = plan_for(zoom, [desired_user(1)], unlisted='deactivate')
        assert len(plan.removals) == 5
        assert plan.in_scope_count == 6
        assert removal_refusal(plan, 10, 100) is None
        refused = removal_refusal(plan, 4, 100)
        assert refused['rule'] == 'max_removals' and 'more than max_removals=4' in refused['message']
        assert refused['numbers'] == {'removals': 5, 'in_scope': 6, 'percent': 83.3, 'max_removals': 4, 'max_removal_percent': 100}
        assert sorted(refused['users']) == ['left%d@example.com' % i for i in range(5)]
        refused = removal_refusal(plan, 10, 50)
        assert refused['rule'] == 'max_removal_percent' and 'max_removal_percent=50' in refused['message']

    def test_digest_is_stable_and_covers_before_values(self):
        zoom = converged_zoom(3)
        users = [desired_user(1, first_name='A'), desired_user(2), desired_user(3)]
        plan_a, _snap = plan_for(zoom, users)
        plan_b, _snap = plan_for(zoom, list(reversed(users)))
        assert plan_a.digest == plan_b.digest
        assert plan_a.digest.startswith('sha256:')
        zoom.by_ref('user01@example.com')['first_name'] = 'Changed meanwhile'
        plan_c, _snap = plan_for(zoom, users)
        assert plan_c.digest != plan_a.digest  # same after-values, different before: the account drifted
        differences = compare_plans(plan_document(plan_a), plan_document(plan_c))
        assert [difference_text(d) for d in differences] == [
            "user01@example.com: approved update (first_name First1 -> A), now update (first_name Changed meanwhile -> A)"]

    def test_digest_covers_the_options_that_decide_the_writes(self):
        zoom = converged_zoom(1)
        zoom.add_user('left@example.com')
        base, _snap = plan_for(zoom, [desired_user(1)], unlisted='remove', removal_action='delete', allow_data_loss=True)
        assert base.problems == []
        for options in ({'transfer_to': 'user01@example.com', 'allow_data_loss': False}, {'batch_phone': False},
                        {'new_user_type': 'licensed'}, {'create_action': 'custCreate'}):
            other, _snap = plan_for(zoom, [desired_user(1)], unlisted='remove', removal_action='delete',
                                    **dict({'allow_data_loss': True}, **options))
            assert other.digest != base.digest, options

    def test_predicted_buckets(self):
        zoom = converged_zoom(1)
        plan, _snap = plan_for(zoom, [desired_user(1, first_name='X'), desired_user(2), {'email': 'p@other.org'}],
                               Scope(['example.com', 'other.org']))
        buckets = predicted_buckets(plan)
        assert buckets['created'] == ['user02@example.com']
        assert buckets['updated'] == [{'email': 'user01@example.com', 'fields': ['first_name'], 'actions': ['update:first_name']}]
        assert buckets['pending'][0]['reason'] == 'domain_not_associated'


class TestBatchItem:
    def test_needs_explicit_extension_and_known_plans(self):
        inventory = PhoneInventory(PLANS, [], SITES, [])
        assert batch_item('a@example.com', {'extension_number': 'auto', 'calling_plans': [200]}, inventory) is None
        assert batch_item('a@example.com', {'extension_number': 1001}, inventory) is None
        assert batch_item('a@example.com', {'extension_number': 1001, 'calling_plans': [4000]}, inventory) is None
        assert batch_item('a@example.com', {'site': 'Paris', 'extension_number': 1001, 'calling_plans': [200]}, inventory) is None
        assert batch_item('a@example.com', {'site': 'Paris', 'extension_number': 33001, 'calling_plans': [200]},
                          inventory)['extension_number'] == '001'


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------

class TestRender:
    def test_markdown_lists_removals_first_and_escapes(self):
        zoom = converged_zoom(1)
        zoom.add_user('left@example.com')
        plan, _snap = plan_for(zoom, [desired_user(1, first_name='A|B'), desired_user(2)], unlisted='deactivate')
        text = render_markdown(plan_document(plan))
        assert text.index('### Deactivations') < text.index('### Creates') < text.index('### Updates')
        assert '| `user01@example.com` | first_name | First1 | A\\|B |' in text
        assert plan.digest in text
        assert '| 0 | 1 | 1 | 1 | 0 | 0 | 0 |' in text

    def test_max_rows_and_nothing_to_do(self):
        zoom = converged_zoom(3)
        plan, _snap = plan_for(zoom, [desired_user(i, first_name='X%d' % i) for i in range(1, 4)])
        text = render_markdown(plan_document(plan), max_rows=1)
        assert '... and 2 more' in text
        plan, _snap = plan_for(converged_zoom(1), [desired_user(1)])
        assert 'Nothing to do' in render_markdown(plan_document(plan))


# ---------------------------------------------------------------------------
# Apply
# ---------------------------------------------------------------------------

def apply(zoom, users, **options):
    plan, snap = plan_for(zoom, users, **options)
    assert plan.problems == [] and plan.blocked_removals == []
    zoom.calls[:] = []
    buckets, warnings = apply_plan(zoom, plan, snap, concurrency=4, wait_budget=5, sleep=lambda s: None)
    return plan, buckets, warnings


class TestApply:
    def test_first_provisioning_creates_and_batches(self):
        zoom = FakeZoom(users=[dict(email='owner@example.com', role_id='0')], numbers=numbers_for(30))
        users = [desired_user(i) for i in range(1, 26)]
        _plan, buckets, _warnings = apply(zoom, users)
        assert sorted(buckets['created']) == sorted(u['email'] for u in users)
        assert buckets['failures'] == []
        creates = [c for c in zoom.calls if c[:2] == ('POST', '/v2/users')]
        batches = [c for c in zoom.calls if c[:2] == ('POST', '/v2/phone/users/batch')]
        assert len(creates) == 25
        assert sorted(len(c[2]['users']) for c in batches) == [5, 10, 10]
        # each create is confirmed by a lookup (_users.create_user), which also tells whether Zoom left it pending
        assert len([c for c in zoom.calls if c[0] == 'GET' and c[1].startswith('/v2/users/user')]) == 25
        plan, _snap = plan_for(zoom, users)
        assert [e.action for e in plan.entries] == ['unchanged'] * 25

    def test_a_bad_batch_item_is_isolated(self):
        zoom = FakeZoom(users=[dict(email='owner@example.com', role_id='0')], numbers=numbers_for(12))
        zoom.pending_on_create.add('user03@example.com')
        users = [desired_user(i) for i in range(1, 11)]
        _plan, buckets, _warnings = apply(zoom, users)
        assert [p['email'] for p in buckets['pending']] == ['user03@example.com']
        assert buckets['pending'][0]['created'] is True
        assert len(buckets['created']) == 9
        batched = [u['email'] for m, p, body in zoom.calls if p == '/v2/phone/users/batch' for u in body['users']]
        assert batched.count('user01@example.com') >= 1
        ok = [m for m, p, body in zoom.calls if p == '/v2/phone/users/batch']
        assert len(ok) <= 1 + 2 * 4  # bisection, not one call per user

    def test_lost_create_answer_is_settled_by_a_lookup(self):
        zoom = FakeZoom(users=[dict(email='owner@example.com', role_id='0')], numbers=numbers_for(3))
        lost = ZoomUncertainWriteError('lost', method='POST', path='/v2/users')
        zoom.fail('POST', r'^/v2/users$', lost, times=1)
        _plan, buckets, _warnings = apply(zoom, [{'email': 'solo@example.com', 'first_name': 'Solo'}])
        # the fault fires before the fake applies the call: the lookup proves it did not land, so it is sent again
        assert buckets['created'] == ['solo@example.com']
        assert [c[:2] for c in zoom.calls][:3] == [('POST', '/v2/users'), ('GET', '/v2/users/solo@example.com'),
                                                   ('POST', '/v2/users')]

    def test_create_lost_every_time_fails_after_bounded_attempts(self):
        zoom = FakeZoom(users=[dict(email='owner@example.com', role_id='0')], numbers=numbers_for(3))
        zoom.fail('POST', r'^/v2/users$', ZoomUncertainWriteError('lost', method='POST', path='/v2/users'), times=10)
        _plan, buckets, _warnings = apply(zoom, [{'email': 'solo@example.com', 'first_name': 'Solo'}])
        assert [f['email'] for f in buckets['failures']] == ['solo@example.com']
        assert 'was lost 3 times' in buckets['failures'][0]['message']
        assert len([c for c in zoom.calls if c[:2] == ('POST', '/v2/users')]) == 3

    def test_create_that_landed_is_not_sent_twice(self):
        zoom = FakeZoom(users=[dict(email='owner@example.com', role_id='0')], numbers=numbers_for(3))
        original = zoom._route

        def route(method, path, body, params):
            result = original(method, path, body, params)
            if (method, path) == ('POST', '/v2/users'):
                raise ZoomUncertainWriteError('lost after landing', method=method, path=path)
            return result
        zoom._route = route
        _plan, buckets, warnings = apply(zoom, [{'email': 'solo@example.com', 'first_name': 'Solo'}])
        assert buckets['created'] == ['solo@example.com']
        assert 'was lost' in warnings[0]
        assert len([c for c in zoom.calls if c[:2] == ('POST', '/v2/users')]) == 1

    def test_one_failure_does_not_stop_the_others(self):
        zoom = converged_zoom(4)
        zoom.fail('PATCH', r'^/v2/users/u\d+$', api_error(500, None, 'boom', 'PATCH', '/v2/users/x'), times=1)
        users = [desired_user(i, first_name='New%d' % i) for i in range(1, 5)]
        _plan, buckets, _warnings = apply(zoom, users)
        assert len(buckets['failures']) == 1
        assert buckets['failures'][0]['status'] == 500
        assert len(buckets['updated']) == 3
        plan, _snap = plan_for(zoom, users)
        assert [e.action for e in plan.entries].count('update') == 1  # a rerun retries only the failed user

    def test_profile_fields_post_create_takes_are_patched_after_it(self):
        zoom = FakeZoom(users=[dict(email='owner@example.com', role_id='0')])
        _plan, buckets, _warnings = apply(zoom, [{'email': 'new@example.com', 'first_name': 'New', 'dept': 'Sales',
                                                  'job_title': 'Rep'}])
        assert buckets['created'] == ['new@example.com']
        assert [c for c in zoom.calls if c[0] == 'PATCH'][0][2] == {'dept': 'Sales', 'job_title': 'Rep'}
        plan, _snap = plan_for(zoom, [{'email': 'new@example.com', 'first_name': 'New', 'dept': 'Sales', 'job_title': 'Rep'}])
        assert [e.action for e in plan.entries] == ['unchanged']

    def test_fields_missing_from_list_rows_are_read_per_user(self):
        zoom = converged_zoom(2)
        users = [desired_user(1, job_title='Engineer'), desired_user(2)]
        plan, _snap = plan_for(zoom, users)  # the fake's rows have no job_title key, like Zoom's documented list
        assert ('GET', '/v2/users/u3') in [(m, p) for m, p, _body in zoom.calls]
        assert ('GET', '/v2/users/u4') not in [(m, p) for m, p, _body in zoom.calls]
        assert plan.entries[0].changes == {'job_title': [None, 'Engineer']}

    def test_removals_run_before_everything_else(self):
        zoom = converged_zoom(1)
        zoom.add_user('left@example.com')
        _plan, buckets, _warnings = apply(zoom, [desired_user(1), desired_user(2)], unlisted='remove',
                                          removal_action='delete', transfer_to='user01@example.com')
        writes = zoom.writes()
        assert writes[0] == ('DELETE', '/v2/users/u4')
        delete = [c for c in zoom.calls if c[0] == 'DELETE'][0]
        assert delete[1] == '/v2/users/u4'
        assert zoom.deletes[0]['action'] == 'delete' and zoom.deletes[0]['transfer_email'] == 'user01@example.com'
        assert buckets['removed'] == ['left@example.com']
        assert buckets['created'] == ['user02@example.com']

    def test_pending_and_protected_are_reported_without_calls(self):
        zoom = converged_zoom(1)
        zoom.add_user('pending@example.com', status='pending')
        _plan, buckets, _warnings = apply(zoom, [desired_user(1), {'email': 'pending@example.com'},
                                                 {'email': 'owner@example.com', 'first_name': 'New'}])
        assert zoom.writes() == []
        assert [p['email'] for p in buckets['pending']] == ['pending@example.com']
        assert buckets['protected'][0]['email'] == 'owner@example.com'
        assert buckets['unchanged'] == ['user01@example.com']


def test_read_account_splits_large_phone_lists_by_site_and_dedupes():
    zoom = converged_zoom(2)
    zoom.phone['u3']['site'] = {'id': 'site-par', 'name': 'Paris'}
    with ThreadPoolExecutor(2) as executor:
        snap = read_account(zoom, executor)
    assert len([p for m, p, _body in zoom.calls if p == '/v2/phone/users']) == 1  # a small account: one page
    zoom.calls[:] = []
    zoom.phone_total = 1000
    with ThreadPoolExecutor(2) as executor:
        snap = read_account(zoom, executor)
    assert sorted(snap.phone_rows) == ['user01@example.com', 'user02@example.com']
    phone_lists = [p for m, p, _body in zoom.calls if p == '/v2/phone/users']
    assert len(phone_lists) == 3  # the first page, then one list per site
    assert snap.inventory.number('+14155550001')['assignee']['name'] == 'user01@example.com'
    assert isinstance(snap, Snapshot)


# ---------------------------------------------------------------------------
# Removals: managed domains (1107), transfer_to, no removal reported that Zoom did not do
# ---------------------------------------------------------------------------

class TestRemovals:
    def test_disassociate_on_a_managed_domain_is_refused_before_any_write(self):
        zoom = converged_zoom(1)
        zoom.add_user('left@example.com')
        zoom.add_user('invited@example.com', status='pending')
        plan, _snap = plan_for(zoom, [desired_user(1)], unlisted='remove')
        assert plan.blocked_removals == ['left@example.com']  # the invitation is withdrawn (no action): allowed
        assert plan.managed_domains == ['example.com']
        assert plan.problems == []
        assert zoom.writes() == []

    def test_disassociate_off_managed_domains_is_planned(self):
        zoom = converged_zoom(1, domains=('other.org',))
        zoom.add_user('left@example.com')
        plan, _snap = plan_for(zoom, [desired_user(1)], unlisted='remove')
        assert plan.blocked_removals == []
        assert [e.removal[0].field for e in plan.removals] == ['disassociate']

    @pytest.mark.parametrize('transfer_to, expected', [
        ('nobody@example.com', 'transfer_to=nobody@example.com is not an active user of the account (absent)'),
        ('sleeper@example.com', 'transfer_to=sleeper@example.com is not an active user of the account (inactive)'),
        ('left@example.com', 'transfer_to must be another user than left@example.com'),
    ])
    def test_transfer_to_is_checked_while_planning(self, transfer_to, expected):
        zoom = converged_zoom(1)
        zoom.add_user('left@example.com')
        zoom.add_user('sleeper@example.com', status='inactive')
        plan, _snap = plan_for(zoom, [desired_user(1), {'email': 'sleeper@example.com'}], unlisted='remove',
                               removal_action='delete', transfer_to=transfer_to)
        assert any(expected in text for text in plan.problems), plan.problems
        assert zoom.writes() == []

    def test_transfer_to_deactivated_by_the_run_is_refused(self):
        zoom = converged_zoom(2)
        zoom.add_user('left@example.com')
        plan, _snap = plan_for(zoom, [desired_user(1), desired_user(2, active=False)], unlisted='remove',
                               removal_action='delete', transfer_to='user02@example.com')
        assert plan.problems == ['transfer_to=user02@example.com is itself deactivated by this run: name a user who stays '
                                 'active.']
        assert plan.problem_details[0]['field'] == 'transfer_to'

    def test_a_404_on_removal_counts_only_when_the_user_is_gone(self):
        zoom = converged_zoom(1, domains=('other.org',))
        zoom.add_user('left@example.com')
        zoom.add_user('gone@example.com')
        plan, snap = plan_for(zoom, [desired_user(1)], unlisted='remove')
        del zoom.users[zoom.by_ref('gone@example.com')['id']]  # removed by someone else meanwhile
        zoom.fail('DELETE', r'^/v2/users/u4$', api_error(404, 1001, 'User does not exist: u4.', 'DELETE', '/v2/users/u4'))
        buckets, warnings = apply_plan(zoom, plan, snap, concurrency=2, sleep=lambda s: None)
        assert buckets['removed'] == ['gone@example.com']
        assert 'already gone' in ' '.join(warnings)
        assert [f['email'] for f in buckets['failures']] == ['left@example.com']  # 404, but a lookup still finds it
        assert zoom.by_ref('left@example.com') is not None


class TestVocabulary:
    def test_new_user_type_applies_to_creates_only(self):
        zoom = converged_zoom(1)
        zoom.by_ref('user01@example.com')['type'] = 2
        plan, _snap = plan_for(zoom, [desired_user(1), desired_user(2), desired_user(3, type='basic')],
                               new_user_type='licensed')
        by_email = dict((e.email, e) for e in plan.entries)
        assert by_email['user01@example.com'].action == 'unchanged'  # existing licence left alone
        assert by_email['user02@example.com'].changes['type'] == [None, 'licensed']
        assert by_email['user03@example.com'].changes['type'] == [None, 'basic']
        zoom.calls[:] = []
        _plan, buckets, _warnings = apply(zoom, [desired_user(2)], new_user_type='licensed')
        assert buckets['created'] == ['user02@example.com']
        assert [c[2]['user_info']['type'] for c in zoom.calls if c[:2] == ('POST', '/v2/users')] == [2]

    def test_department_and_its_deprecated_alias(self):
        zoom = converged_zoom(2)
        plan, _snap = plan_for(zoom, [desired_user(1, department='Sales'), desired_user(2, dept='Ops')])
        by_email = dict((e.email, e) for e in plan.entries)
        assert by_email['user01@example.com'].changes == {'department': [None, 'Sales']}
        assert by_email['user02@example.com'].changes == {'department': [None, 'Ops']}
        assert by_email['user01@example.com'].labels == ['update:department']

    def test_unlisted_ignored_users_are_listed_for_the_audit(self):
        zoom = converged_zoom(1)
        zoom.add_user('left@example.com', first_name='Left', type=2)
        plan, _snap = plan_for(zoom, [desired_user(1)])
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
