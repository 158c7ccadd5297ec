# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of module_utils/_sync.py: input checks, scope, whole-account plan, digest, rendering, apply.

``FakeZoom`` is an in-memory account behind the client interface _sync, _users and _phone use (get, post,
patch, put, delete, paginate); it records every call and can be told to fail calls, so the concurrent
applier is tested without HTTP.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import re
import threading

from concurrent.futures import ThreadPoolExecutor

import pytest

from hypothesis import given, settings, strategies as st

from ansible_collections.zoomops.provisioning.plugins.module_utils import _sync
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    ZoomAPIError,
    ZoomPlanError,
    ZoomUncertainWriteError,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import PhoneInventory, plan_phone
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync import (
    Scope,
    Snapshot,
    apply_plan,
    batch_item,
    build_plan,
    check_options,
    check_removals,
    compare_plans,
    normalize_users,
    phone_matches,
    plan_digest,
    plan_document,
    predicted_buckets,
    prefetch,
    read_account,
    render_markdown,
)

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
                                      if _sync.BATCH_PLAN_NAMES.get(p['type']) in item['calling_plans']],
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
    desired, problems = normalize_users(users, 'ssoCreate', scope)
    with ThreadPoolExecutor(4) as executor:
        snap = read_account(zoom, executor, phone=any(u.get('phone') for u in users))
        prefetch(zoom, executor, snap, desired, scope)
    return build_plan(desired, snap, scope, problems, **options), snap


# ---------------------------------------------------------------------------
# Scope and input
# ---------------------------------------------------------------------------

class TestScope:
    def test_domains_and_patterns(self):
        scope = Scope(['Example.com'], ['*@sales.example.org'])
        assert scope.configured
        assert scope.contains('Ann@EXAMPLE.com')
        assert scope.contains('bob@sales.example.org')
        assert not scope.contains('bob@example.org')
        assert not Scope().configured

    def test_owner_admins_and_patterns_are_protected(self):
        scope = Scope(['example.com'], protected=['breakglass-*@example.com'])
        assert 'owner' in scope.protected_reason('o@example.com', {'role_id': '0'})
        assert 'admin' in scope.protected_reason('a@example.com', {'role_id': 1})
        assert 'matches' in scope.protected_reason('BreakGlass-1@example.com', {'role_id': '2'})
        assert scope.protected_reason('m@example.com', {'role_id': '2'}) is None


class TestNormalize:
    def test_every_problem_at_once(self):
        users = [
            desired_user(1),
            dict(desired_user(2), email='USER01@example.com'),                       # duplicate email
            desired_user(3, phone={'extension_number': 1001}),                      # extension of user01
            desired_user(4, phone={'phone_numbers': ['+14155550001']}),             # number of user01
            {'email': 'not-an-email'},
            desired_user(5, email='x@elsewhere.org'),                               # outside the scope
            desired_user(6, phone={'extension_number': 'abc', 'phone_numbers': ['4155550100']}),
            desired_user(7, first_name=''),
        ]
        desired, problems = normalize_users(users, 'ssoCreate', Scope(['example.com']))
        text = ' | '.join(problems)
        assert 'duplicate email' in text and 'users[1]' in text
        assert 'extension_number: 1001 is also the extension of user01@example.com' in text
        assert '+14155550001 is also listed for user01@example.com' in text
        assert 'not-an-email' in text
        assert 'outside the scope' in text
        assert "'abc' is not an extension" in text and 'E.164' in text
        assert 'first_name must not be empty' in text
        assert len(problems) == 8
        assert [u.email for u in desired][:2] == ['user01@example.com', 'user03@example.com']

    def test_profile_and_phone_are_normalized(self):
        desired, problems = normalize_users([desired_user(1, type='licensed', active=False)], 'create')
        assert problems == []
        user = desired[0]
        assert user.profile == {'first_name': 'First1', 'last_name': 'Last1', 'display_name': None, 'type': 'licensed',
                                'active': False, 'dept': None, 'job_title': None, 'timezone': None, 'language': None}
        assert user.create_action == 'create'
        assert user.phone == {'site': 'HQ', 'extension_number': 1001, 'calling_plans': ['US/CA Unlimited Calling Plan'],
                              'phone_numbers': ['+14155550001']}
        assert user.phone_state == 'present'


class TestCheckOptions:
    SPEC = {'email': {'type': 'str', 'required': True}, 'active': {'type': 'bool'},
            'type': {'type': 'str', 'choices': ['basic', 'licensed']},
            'phone': {'type': 'dict', 'options': {'state': {'type': 'str', 'default': 'present', 'choices': ['present', 'absent']},
                                                  'calling_plans': {'type': 'list', 'elements': 'raw'}}}}

    def test_converts_and_fills_defaults(self):
        errors = []
        result = check_options({'email': 'a@example.com', 'active': 'yes', 'phone': {'calling_plans': 200}}, self.SPEC, 'u', errors)
        assert errors == []
        assert result == {'email': 'a@example.com', 'active': True, 'type': None,
                          'phone': {'state': 'present', 'calling_plans': [200]}}

    def test_reports_every_problem(self):
        errors = []
        check_options({'active': 'maybe', 'type': 'pro', 'colour': 'red', 'phone': {'state': 'gone'}}, self.SPEC, 'u[0]', errors)
        text = ' | '.join(errors)
        assert 'unsupported option colour' in text
        assert 'u[0].email: missing required option' in text
        assert "u[0].active: 'maybe' is not a boolean" in text
        assert "u[0].type: 'pro' is not one of basic, licensed" in text
        assert "u[0].phone.state: 'gone' is not one of present, absent" in text


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
        plan, _snap = plan_for(zoom, [desired_user(1)], unlisted='remove')
        removals = dict((e.email, e.removal[0].field) for e in plan.removals)
        assert removals == {'invited@example.com': 'withdraw', 'left@example.com': 'disassociate'}

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
        assert check_removals(plan, 10, 100) == []
        assert 'more than max_removals=4' in check_removals(plan, 4, 100)[0]
        assert 'max_removal_percent=50' in check_removals(plan, 10, 50)[0]

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
        differences = compare_plans(plan_document(plan_a), plan_c)
        assert differences == ["user01@example.com: approved update (first_name First1 -> A), now update "
                               "(first_name Changed meanwhile -> A)"]

    def test_unchanged_users_do_not_change_the_digest(self):
        assert plan_digest([]) == plan_digest([_sync.Entry('a@example.com', 'unchanged')])

    def test_predicted_buckets(self):
        zoom = converged_zoom(1)
        plan, _snap = plan_for(zoom, [desired_user(1, first_name='X'), desired_user(2), {'email': 'p@other.org'}],
                               Scope(['example.com', 'other.org']))
        buckets = predicted_buckets(plan)
        assert buckets['created'] == ['user02@example.com']
        assert buckets['updated'] == [{'email': 'user01@example.com', 'fields': ['first_name']}]
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


ROW = {'id': 'u1', 'email': 'a@example.com', 'extension_number': 1001, 'site': {'id': 'site-hq', 'name': 'HQ'},
       'calling_plans': [{'type': 200, 'name': 'US/CA Unlimited Calling Plan'}],
       'phone_numbers': [{'id': 'num1', 'number': '+14155550001'}]}


@settings(max_examples=200, deadline=None)
@given(site=st.sampled_from([None, 'HQ', 'hq', 'site-hq', 'Paris', 'Nowhere']),
       ext=st.sampled_from([None, 'auto', 1001, 1002]),
       plans=st.sampled_from([None, [], [200], ['US/CA Unlimited Calling Plan'], [200, 100], [100], ['Gold']]),
       numbers=st.sampled_from([None, [], ['+14155550001'], ['+14155550002'], ['+14155550001', '+14155550002']]))
def test_phone_matches_only_when_plan_phone_plans_nothing(site, ext, plans, numbers):
    desired = dict((k, v) for k, v in (('site', site), ('extension_number', ext), ('calling_plans', plans),
                                       ('phone_numbers', numbers)) if v is not None)
    inventory = PhoneInventory(PLANS, numbers_for(3), SITES, [ROW])
    try:
        steps = plan_phone(desired, copy.deepcopy(ROW), inventory, user_email='a@example.com', user_id='u1').steps
    except ZoomPlanError:
        steps = ['problem']
    if phone_matches(desired, ROW, inventory):
        assert steps == []


@settings(max_examples=200, deadline=None)
@given(first=st.sampled_from([None, 'Ann', 'ann', 'Bob']), display=st.sampled_from([None, 'Ann Lee', 'A. Lee']),
       user_type=st.sampled_from([None, 'basic', 'licensed']), active=st.sampled_from([None, True, False]),
       status=st.sampled_from(['active', 'inactive']), row_type=st.sampled_from([1, 2, 4]))
def test_profile_matches_only_when_plan_user_plans_nothing(first, display, user_type, active, status, row_type):
    from ansible_collections.zoomops.provisioning.plugins.module_utils._users import UserState, plan_user
    profile = {'first_name': first, 'last_name': None, 'display_name': display, 'type': user_type, 'active': active}
    row = {'id': 'u1', 'email': 'a@example.com', 'first_name': 'Ann', 'last_name': 'Lee', 'display_name': 'Ann Lee',
           'type': row_type, 'status': status}
    state = UserState('a@example.com', status, id='u1', user=row)
    if _sync.profile_matches(profile, state):
        assert plan_user(profile, state) == []


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
    assert plan.problems == []
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
        assert ('GET', '/v2/users') in [(m, p) for m, p, _body in zoom.calls]  # the pending list after creating
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
        _plan, buckets, _warnings = apply(zoom, [desired_user(1), desired_user(2)], unlisted='remove')
        writes = zoom.writes()
        assert writes[0] == ('DELETE', '/v2/users/u4')
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


def test_validate_options():
    with pytest.raises(Exception, match='needs a scope'):
        _sync.validate_options({'unlisted': 'remove', 'scope': None})
    with pytest.raises(Exception, match='concurrency'):
        _sync.validate_options({'concurrency': 0})
