# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of module_utils/_phone.py: inventory, pure planning, waiting, applying.

``FakePhoneAPI`` is a small in-memory stand-in for the endpoints _phone uses
(it records every call); the property test checks that applying any plan
reaches the desired state and that re-planning then finds nothing to do.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy

import pytest

from hypothesis import HealthCheck, given, settings, strategies as st

from zoomsim.testing import running_simulator

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomAPIError, ZoomPlanError
from ansible_collections.zoomops.provisioning.plugins.module_utils import _phone
from ansible_collections.zoomops.provisioning.plugins.module_utils import _phone_plan
from ansible_collections.zoomops.provisioning.plugins.module_utils._client import ZoomClient
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import (
    EXTENSION_BY_ZOOM,
    PhoneInventory,
    ZoomPhoneNotReadyError,
    ZoomPhoneStepError,
    apply_phone,
    find_numbers,
    inventory_needs,
    load_inventory,
    normalize_desired,
    phone_absent_plan,
    phone_up_to_date,
    plan_phone,
    read_phone_user,
    summarize_phone_user,
    user_state_problems,
    wait_for_phone_user,
)

PLANS = [
    {'name': 'US/CA Metered Calling Plan', 'type': 100, 'subscribed': 10, 'assigned': 3, 'available': 7},
    {'name': 'US/CA Unlimited Calling Plan', 'type': 200, 'subscribed': 10, 'assigned': 9, 'available': 1},
    {'name': 'International Calling Add-on', 'type': 4000, 'subscribed': 5, 'assigned': 0, 'available': 5},
    {'name': 'UK/Ireland Unlimited Calling Plan', 'type': 202, 'subscribed': 2, 'assigned': 2, 'available': 0},
]
SITES = [
    {'id': 'site-main', 'name': 'Main Office', 'level': 'main'},
    {'id': 'site-lon', 'name': 'London', 'level': 'sub'},
    {'id': 'site-par', 'name': 'Paris', 'level': 'sub', 'site_code': 33},
]


def numbers(extra=None):
    items = [
        {'id': 'n1', 'number': '+14155550101', 'site': {'id': 'site-main'}},
        {'id': 'n2', 'number': '+14155550102', 'site': {'id': 'site-main'}},
        {'id': 'n3', 'number': '+14155550103', 'site': {'id': 'site-main'},
         'assignee': {'id': 'u-bob', 'name': 'Bob Jones', 'type': 'user', 'extension_number': 1002}},
        {'id': 'n4', 'number': '+442071234567', 'site': {'id': 'site-lon'},
         'assignee': {'id': 'cq-1', 'name': 'Sales queue', 'type': 'callQueue'}},
        {'id': 'n5', 'number': '+14155550105', 'site': {'id': 'site-main'},
         'assignee': {'id': 'u-ada', 'name': 'Ada', 'type': 'user', 'extension_number': 1001}},
    ]
    for index in range(20):
        items.append({'id': 'm%d' % index, 'number': '+1415555%04d' % (2000 + index)})
    return items + list(extra or [])


def inventory(**kwargs):
    options = dict(calling_plans=copy.deepcopy(PLANS), numbers=numbers(), sites=copy.deepcopy(SITES),
                   phone_users=[{'id': 'u-bob', 'email': 'bob@example.com', 'name': 'Bob Jones', 'extension_number': 1002},
                                {'id': 'u-ada', 'email': 'ada@example.com', 'name': 'Ada', 'extension_number': 1001}])
    options.update(kwargs)
    return PhoneInventory(**options)


def ada(**kwargs):
    user = {'id': 'u-ada', 'phone_user_id': 'p-ada', 'email': 'ada@example.com', 'extension_number': 1001,
            'site_id': 'site-main', 'calling_plans': [{'type': 100, 'name': 'US/CA Metered Calling Plan'}],
            'phone_numbers': [{'id': 'n5', 'number': '+14155550105'}]}
    user.update(kwargs)
    return user


def desired(**kwargs):
    result, problems = normalize_desired(**kwargs)
    assert problems == []
    return result


def sim_client(sim):
    """A ZoomClient pointed at the simulator ``sim`` (closed with the process)."""
    cred = sim.credential
    return ZoomClient(cred.account_id, cred.client_id, cred.client_secret, api_url=sim.url, oauth_url=sim.oauth_url,
                      sleep=lambda seconds: None)


def kinds(plan):
    return [step.kind for step in plan.steps]


# ---------------------------------------------------------------------------
# input normalisation
# ---------------------------------------------------------------------------

class TestNormalize:
    def test_nothing_set_manages_nothing(self):
        assert normalize_desired() == ({}, [])

    def test_extension_auto_digits_and_int(self):
        assert normalize_desired(extension_number='AUTO')[0] == {'extension_number': 'auto'}
        assert normalize_desired(extension_number='1005')[0] == {'extension_number': 1005}
        assert normalize_desired(extension_number=1005)[0] == {'extension_number': 1005}

    @pytest.mark.parametrize('value', ['10a5', '-5', '0', '', 'automatic'])
    def test_bad_extension_is_named(self, value):
        result, problems = normalize_desired(extension_number=value)
        assert 'extension_number' not in result
        assert problems[0]['field'] == 'extension_number'
        assert "'auto'" in problems[0]['msg']

    @pytest.mark.parametrize('value', ['4155550100', '+1 415 555 0100', '+1-415-555-0100', '+0123', 'tel:+14155550100', ''])
    def test_malformed_e164(self, value):
        result, problems = normalize_desired(phone_numbers=[value])
        assert result['phone_numbers'] == []
        assert problems[0]['field'] == 'phone_numbers'
        assert 'E.164' in problems[0]['msg'] and '+14155550100' in problems[0]['msg']

    def test_duplicate_numbers_and_plans(self):
        result, problems = normalize_desired(phone_numbers=['+14155550101', '+14155550101'],
                                             calling_plans=['US/CA Metered Calling Plan', 'us/ca  metered calling plan', '200', 200])
        assert result == {'phone_numbers': ['+14155550101'], 'calling_plans': ['US/CA Metered Calling Plan', 200]}
        assert [p['field'] for p in problems] == ['calling_plans', 'calling_plans', 'phone_numbers']
        assert all('twice' in p['msg'] for p in problems)

    def test_empty_lists_mean_remove_all(self):
        assert normalize_desired(calling_plans=[], phone_numbers=[])[0] == {'calling_plans': [], 'phone_numbers': []}

    @pytest.mark.parametrize('value, what', [
        ('\u00b2', 'non-ASCII digits'),            # '²'.isdigit() is True, int('²') raises
        ('\u0661\u0660\u0660\u0665', 'non-ASCII digits'),  # Arabic-Indic digits: int() would accept them
        ('\uff11\uff10\uff10\uff15', 'non-ASCII digits'),  # full-width digits
        ('1' * 20, '20 digits'),
        ('1' * 16, '16 digits'),
        ('7', '1 digits'),
        ('0105', 'starts with 0'),
        (True, 'is not an extension'),
    ])
    def test_extension_must_be_ascii_digits_within_zoom_limits(self, value, what):
        result, problems = normalize_desired(extension_number=value)
        assert result == {}
        assert [p['field'] for p in problems] == ['extension_number']
        assert what in problems[0]['msg'] and "'auto'" in problems[0]['msg']

    def test_longest_and_shortest_extensions_pass(self):
        assert normalize_desired(extension_number='1' * 15)[0] == {'extension_number': int('1' * 15)}
        assert normalize_desired(extension_number=' 10 ')[0] == {'extension_number': 10}

    @pytest.mark.parametrize('value', ['\u00b2', '\u0662\u0660\u0660', '\u2163'])
    def test_plan_codes_must_be_ascii_digits(self, value):
        result, problems = normalize_desired(calling_plans=[value, '200'])
        assert result == {'calling_plans': [200]}
        assert [p['field'] for p in problems] == ['calling_plans'] and 'ASCII' in problems[0]['msg']

    def test_unicode_digits_in_numbers_are_not_e164(self):
        result, problems = normalize_desired(phone_numbers=['+1415555\u00b20100', '+\u0661\u0664\u0661\u0665\u0665\u0665\u0660\u0661\u0660\u0660'])
        assert result == {'phone_numbers': []}
        assert [p['field'] for p in problems] == ['phone_numbers', 'phone_numbers']

    def test_no_user_text_reaches_int(self):
        """Every planner entry point survives odd text (no traceback): the plan only names unknown plans."""
        desired, problems = normalize_desired(site='\u00b2', calling_plans=['\u00b2x'], extension_number='auto')
        assert problems == []
        with pytest.raises(ZoomPlanError) as info:
            plan_phone(desired, ada(), PhoneInventory(PLANS, numbers(), SITES))
        assert sorted(p['field'] for p in info.value.problems) == ['calling_plans', 'site']
        assert _phone.PhoneInventory(PLANS).resolve_plan('\u00b2') is None


def test_step_labels_follow_the_contract_vocabulary():
    plan = plan_phone(desired(site='London', extension_number=1077, calling_plans=[200], phone_numbers=['+14155550102']),
                      None, PhoneInventory(PLANS, numbers(), SITES))
    assert plan.labels == ['phone:feature', 'phone:site', 'phone:extension_number', 'phone:calling_plans', 'phone:phone_numbers']
    assert len(plan.actions) == len(plan.steps)  # the sentences, one per step (the wait included)
    assert phone_absent_plan(ada(), inventory=PhoneInventory(PLANS, numbers(), SITES)).labels == [
        'phone:phone_numbers', 'phone:calling_plans', 'phone:feature']


# ---------------------------------------------------------------------------
# inventory
# ---------------------------------------------------------------------------

class TestInventory:
    def test_plan_by_name_case_insensitive_and_code(self):
        inv = inventory()
        assert inv.resolve_plan('us/ca UNLIMITED calling plan')['type'] == 200
        assert inv.resolve_plan('200')['type'] == 200
        assert inv.resolve_plan(4000)['name'] == 'International Calling Add-on'
        assert inv.resolve_plan('Nope') is None
        assert inv.resolve_plan(999) is None

    def test_sites_and_default(self):
        inv = inventory()
        assert inv.resolve_site('london')['id'] == 'site-lon'
        assert inv.resolve_site('site-lon')['name'] == 'London'
        assert inv.resolve_site('Berlin') is None
        assert inv.default_site()['id'] == 'site-main'
        assert PhoneInventory(sites=[{'id': 'a', 'name': 'A'}, {'id': 'b', 'name': 'B'}]).default_site() is None
        assert PhoneInventory(sites=[{'id': 'a', 'name': 'A'}]).default_site()['id'] == 'a'

    def test_extension_owners(self):
        inv = inventory()
        assert inv.extension_owner(1002)['email'] == 'bob@example.com'
        assert inv.extension_known(4242)
        partial = PhoneInventory(extensions_loaded={1002})
        assert partial.extension_known(1002) and not partial.extension_known(1003)

    def test_reserve_tracks_seats_numbers_extensions(self):
        inv = inventory()
        plan = plan_phone(desired(calling_plans=[200], phone_numbers=['+14155550101'], extension_number=1010),
                          None, inv, user_email='new@example.com', user_id='u-new')
        inv.reserve(plan)
        assert inv.resolve_plan(200)['available'] == 0
        assert inv.number('+14155550101')['assignee']['id'] == 'u-new'
        assert inv.extension_owner(1010)['id'] == 'u-new'
        # the next user planned against the same inventory sees the conflicts
        with pytest.raises(ZoomPlanError) as info:
            plan_phone(desired(calling_plans=[200], phone_numbers=['+14155550101'], extension_number=1010),
                       None, inv, user_email='other@example.com', user_id='u-other')
        assert len(info.value.problems) == 3


# ---------------------------------------------------------------------------
# planning
# ---------------------------------------------------------------------------

class TestPlanNewPhoneUser:
    def test_fresh_user_full_setup(self):
        plan = plan_phone(desired(site='London', extension_number=1010, calling_plans=['US/CA Unlimited Calling Plan'],
                                  phone_numbers=['+14155550101', '+14155550102']),
                          None, inventory(), user_email='new@example.com', user_id='u-new')
        assert kinds(plan) == ['enable_feature', 'wait_phone_user', 'set_site', 'set_extension', 'add_plan', 'add_number']
        assert plan.steps[-1].args['numbers'] == [{'id': 'n1', 'number': '+14155550101'}, {'id': 'n2', 'number': '+14155550102'}]
        assert plan.changed
        assert plan.before == {'zoom_phone': False, 'site': None, 'extension_number': None, 'calling_plans': [], 'phone_numbers': []}
        assert plan.after == {'zoom_phone': True, 'site': 'London', 'extension_number': 1010,
                              'calling_plans': ['US/CA Unlimited Calling Plan'], 'phone_numbers': ['+14155550101', '+14155550102']}

    def test_auto_extension_and_default_site_prediction(self):
        plan = plan_phone(desired(extension_number='auto', site='Main Office'), None, inventory(), user_email='n@example.com')
        assert kinds(plan) == ['enable_feature', 'wait_phone_user']  # main site is where Zoom puts new users
        assert plan.after['extension_number'] == EXTENSION_BY_ZOOM
        assert plan.after['site'] == 'Main Office'

    def test_feature_already_on_waits_only(self):
        plan = plan_phone(desired(), None, inventory(), user_email='n@example.com', feature_enabled=True)
        assert kinds(plan) == ['wait_phone_user']
        assert not plan.changed  # waiting is not a write

    def test_default_site_unknown(self):
        inv = inventory(sites=[{'id': 'a', 'name': 'A'}, {'id': 'b', 'name': 'B'}])
        plan = plan_phone(desired(), None, inv, user_email='n@example.com')
        assert plan.after['site'] == _phone.SITE_BY_ZOOM


class TestPlanExisting:
    def test_converged_is_empty(self):
        plan = plan_phone(desired(site='main office', extension_number=1001, calling_plans=['100'],
                                  phone_numbers=['+14155550105']), ada(), inventory(), user_id='u-ada')
        assert plan.steps == [] and not plan.changed
        assert plan.before == plan.after

    def test_auto_keeps_current_extension(self):
        plan = plan_phone(desired(extension_number='auto'), ada(), inventory())
        assert plan.steps == []
        assert plan.after['extension_number'] == 1001

    def test_unmanaged_aspects_untouched(self):
        plan = plan_phone(desired(), ada(calling_plans=[], phone_numbers=[]), inventory())
        assert plan.steps == []

    def test_one_for_one_is_atomic_switch(self):
        plan = plan_phone(desired(calling_plans=['US/CA Unlimited Calling Plan']), ada(), inventory())
        assert kinds(plan) == ['switch_plan']
        assert plan.steps[0].args == {'source_type': 100, 'target_type': 200}
        assert plan.seat_usage == {200: 1, 100: -1}
        assert plan.diff == {'before': dict(summarize_phone_user(ada(), inventory())),
                             'after': dict(summarize_phone_user(ada(), inventory()), calling_plans=['US/CA Unlimited Calling Plan'])}

    def test_two_for_one_adds_first_then_removes(self):
        plan = plan_phone(desired(calling_plans=[200, 4000]), ada(), inventory())
        assert kinds(plan) == ['add_plan', 'add_plan', 'remove_plan']
        plan = plan_phone(desired(calling_plans=[4000]),
                          ada(calling_plans=[{'type': 100}, {'type': 200}]), inventory())
        assert kinds(plan) == ['add_plan', 'remove_plan', 'remove_plan']

    def test_empty_plan_list_removes_all(self):
        plan = plan_phone(desired(calling_plans=[], phone_numbers=[]), ada(), inventory())
        assert kinds(plan) == ['remove_plan', 'remove_number']

    def test_number_swap_removes_then_adds(self):
        plan = plan_phone(desired(phone_numbers=['+14155550101']), ada(), inventory(), user_id='u-ada')
        assert kinds(plan) == ['remove_number', 'add_number']
        assert plan.steps[0].args == {'id': 'n5', 'number': '+14155550105'}

    def test_many_numbers_chunked_by_ten(self):
        wanted = ['+1415555%04d' % (2000 + i) for i in range(20)] + ['+14155550101']
        plan = plan_phone(desired(phone_numbers=wanted), ada(phone_numbers=[]), inventory())
        assert kinds(plan) == ['add_number'] * 3
        assert [len(s.args['numbers']) for s in plan.steps] == [10, 10, 1]

    def test_site_move_then_extension(self):
        plan = plan_phone(desired(site='London', extension_number='2001'), ada(), inventory())
        assert kinds(plan) == ['set_site', 'set_extension']
        assert plan.steps[0].args == {'site_id': 'site-lon'}
        assert plan.after['site'] == 'London'

    def test_extension_must_carry_the_site_code(self):
        with pytest.raises(ZoomPlanError) as info:
            plan_phone(desired(site='Paris', extension_number=2001), ada(), inventory())
        assert 'site code 33 of site Paris' in info.value.problems[0]['msg']
        plan = plan_phone(desired(site='Paris', extension_number=332001), ada(), inventory())
        assert kinds(plan) == ['set_site', 'set_extension']
        # the current site's code counts when the site is not managed
        with pytest.raises(ZoomPlanError):
            plan_phone(desired(extension_number=2001), ada(site_id='site-par'), inventory())
        assert plan_phone(desired(extension_number=1001), ada(site_id='site-par'), inventory()).steps == []

    @pytest.mark.parametrize('ext', [33, 331])
    def test_short_extension_after_the_site_code_has_two_digits_at_least(self, ext):
        with pytest.raises(ZoomPlanError) as info:
            plan_phone(desired(site='Paris', extension_number=ext), ada(), inventory())
        assert 'short extension of at least 2 digits' in info.value.problems[0]['msg']
        assert kinds(plan_phone(desired(site='Paris', extension_number=3301), ada(), inventory())) == ['set_site', 'set_extension']

    def test_own_extension_is_no_conflict(self):
        plan = plan_phone(desired(extension_number=1001), ada(extension_number=1009), inventory(), user_id='u-ada')
        assert kinds(plan) == ['set_extension']


class TestConflicts:
    def test_every_conflict_at_once_and_named(self):
        with pytest.raises(ZoomPlanError) as info:
            plan_phone(desired(site='Berlin', extension_number=1002,
                               calling_plans=['US/CA Unlimited Calling', 'UK/Ireland Unlimited Calling Plan'],
                               phone_numbers=['+14155550103', '+442071234567', '+19998887777']),
                       ada(), inventory(), user_email='ada@example.com', user_id='u-ada')
        problems = info.value.problems
        texts = [p['msg'] for p in problems]
        assert [p['field'] for p in problems] == ['site', 'extension_number', 'calling_plans', 'calling_plans',
                                                  'phone_numbers', 'phone_numbers', 'phone_numbers']
        assert 'Berlin' in texts[0] and 'Main Office' in texts[0] and 'London' in texts[0]
        assert 'bob@example.com (Bob Jones)' in texts[1]
        assert "unknown calling plan 'US/CA Unlimited Calling'" in texts[2] and 'US/CA Unlimited Calling Plan (200)' in texts[2]
        assert 'no free seat' in texts[3] and '2 subscribed, 2 assigned' in texts[3]
        assert 'Bob Jones' in texts[4] and 'extension 1002' in texts[4]
        assert 'callQueue Sales queue' in texts[5]
        assert 'not a number of this account' in texts[6]
        assert 'nothing was changed' in str(info.value)

    def test_switch_needs_a_free_seat(self):
        with pytest.raises(ZoomPlanError) as info:
            plan_phone(desired(calling_plans=[202]), ada(), inventory())
        assert 'no free seat' in info.value.problems[0]['msg']

    def test_keeping_a_full_plan_needs_no_seat(self):
        plan = plan_phone(desired(calling_plans=[202]), ada(calling_plans=[{'type': 202}]), inventory())
        assert plan.steps == []

    def test_user_state_problems(self):
        assert user_state_problems('active', 'a@example.com') == []
        pending = user_state_problems('pending', 'a@example.com', 'domain_not_associated', 'Add the domain.')
        assert 'pending' in pending[0]['msg'] and 'domain_not_associated' in pending[0]['msg'] and 'Add the domain.' in pending[0]['msg']
        assert 'activate it first' in user_state_problems('inactive', 'a@example.com')[0]['msg']
        assert 'does not exist' in user_state_problems('absent', 'a@example.com')[0]['msg']
        # code 1010 may be Zoom's answer for any email outside the account: no claim about another account
        assert user_state_problems('external', 'a@example.com') == user_state_problems('absent', 'a@example.com')
        assert all(p['field'] == 'email' for p in user_state_problems('inactive', 'a@example.com'))


class TestAbsentPlan:
    def test_order_numbers_plans_feature(self):
        plan = phone_absent_plan(ada(calling_plans=[{'type': 100, 'name': 'M'}, {'type': 4000, 'name': 'I'}]),
                                 user_email='ada@example.com')
        assert kinds(plan) == ['remove_number', 'remove_plan', 'remove_plan', 'disable_feature']
        assert plan.after == {'zoom_phone': False, 'site': None, 'extension_number': None, 'calling_plans': [], 'phone_numbers': []}

    def test_provisioning_only_feature(self):
        assert kinds(phone_absent_plan(None, feature_enabled=True)) == ['disable_feature']

    def test_nothing_to_remove(self):
        plan = phone_absent_plan(None, feature_enabled=False)
        assert plan.steps == [] and not plan.changed


def test_inventory_needs_keeps_reruns_cheap():
    converged = ada()
    needs = inventory_needs(desired(phone_numbers=['+14155550105'], extension_number=1001, calling_plans=[100]), converged)
    assert needs == {'calling_plans': True, 'numbers': False, 'sites': True, 'extensions': []}
    needs = inventory_needs(desired(phone_numbers=['+14155550101'], extension_number=1003), converged)
    # only the number the user does not hold yet is looked up
    assert needs == {'calling_plans': False, 'numbers': ['+14155550101'], 'sites': True, 'extensions': [1003]}


# ---------------------------------------------------------------------------
# A fake API for reads, waits and applies
# ---------------------------------------------------------------------------

def not_found(path):
    return ZoomAPIError(404, 1001, 'User does not exist: x.', method='GET', path=path)


class FakePhoneAPI:
    """Just enough of Zoom for _phone: one user, its phone user, the account lists."""

    def __init__(self, phone=None, feature=None, appear_after=0, inv_numbers=None, flip=None):
        self.phone = copy.deepcopy(phone)
        self.feature = feature if feature is not None else phone is not None
        self.appear_after = appear_after  # reads of GET /phone/users/{id} answering 404 after enabling
        self.flip = list(flip or [])  # scripted read outcomes (True = found) after appearing
        self.calls = []
        self.numbers = {n['number']: copy.deepcopy(n) for n in (inv_numbers or numbers())}
        self.fail_on = None

    @property
    def writes(self):
        return [(call[0], call[1]) for call in self.calls if call[0] != 'GET']

    def _check_fail(self, method, path):
        if self.fail_on and self.fail_on[0] == method and self.fail_on[1] in path:
            raise ZoomAPIError(400, 400, self.fail_on[2], method=method, path=path)

    def get(self, path, params=None):
        self.calls.append(('GET', path, params))
        if path.startswith('/v2/phone/users/'):
            if self.phone is None:
                raise not_found(path)
            if self.appear_after > 0:
                self.appear_after -= 1
                raise not_found(path)
            if self.flip and not self.flip.pop(0):
                raise not_found(path)
            result = copy.deepcopy(self.phone)
            result['phone_numbers'] = [{'id': n['id'], 'number': n['number']} for n in self.numbers.values()
                                       if (n.get('assignee') or {}).get('id') == self.phone['id']]
            return result
        if path.endswith('/settings'):
            return {'feature': {'zoom_phone': self.feature}}
        if path == '/v2/phone/calling_plans':
            return {'calling_plans': copy.deepcopy(PLANS)}
        raise AssertionError('unexpected GET %s' % path)

    def paginate(self, path, key, params=None, page_size=None, dedupe_key=None):
        self.calls.append(('GET', path, params))
        if path == '/v2/phone/numbers':
            return iter(copy.deepcopy(list(self.numbers.values())))
        if path == '/v2/phone/sites':
            return iter(copy.deepcopy(SITES))
        if path == '/v2/phone/users':
            users = [{'id': 'u-bob', 'email': 'bob@example.com', 'name': 'Bob Jones', 'extension_number': 1002},
                     {'id': 'u-carl', 'email': 'carl@example.com', 'extension_number': 11002}]
            return iter(users)
        raise AssertionError('unexpected list %s' % path)

    def patch(self, path, json=None, params=None):
        self.calls.append(('PATCH', path, json))
        self._check_fail('PATCH', path)
        if path.startswith('/v2/users/'):
            self.feature = json['feature']['zoom_phone']
            if self.feature and self.phone is None:
                self.phone = {'id': 'u-new', 'email': 'new@example.com', 'extension_number': 1000, 'site_id': 'site-main',
                              'calling_plans': []}
            if not self.feature:
                self.phone = None
            return None
        if 'site_id' in json:
            self.phone['site_id'] = json['site_id']
        if 'extension_number' in json:
            assert isinstance(json['extension_number'], str)
            self.phone['extension_number'] = int(json['extension_number'])
        return None

    def put(self, path, json=None, params=None):
        self.calls.append(('PUT', path, json))
        self._check_fail('PUT', path)
        plans = self.phone['calling_plans']
        index = [p['type'] for p in plans].index(json['source_type'])
        plans[index] = {'type': json['target_type'], 'name': _plan_name(json['target_type'])}

    def post(self, path, json=None, params=None):
        self.calls.append(('POST', path, json))
        self._check_fail('POST', path)
        if path.endswith('/calling_plans'):
            for item in json['calling_plans']:
                self.phone['calling_plans'].append({'type': item['type'], 'name': _plan_name(item['type'])})
        else:
            assert len(json['phone_numbers']) <= 10
            for item in json['phone_numbers']:
                self.numbers[item['number']]['assignee'] = {'id': self.phone['id'], 'type': 'user'}

    def delete(self, path, json=None, params=None):
        self.calls.append(('DELETE', path, None))
        self._check_fail('DELETE', path)
        tail = path.rsplit('/', 1)[-1]
        if '/calling_plans/' in path:
            self.phone['calling_plans'] = [p for p in self.phone['calling_plans'] if str(p['type']) != tail]
        else:
            for n in self.numbers.values():
                if n['id'] == tail:
                    n['assignee'] = None


def _plan_name(plan_type):
    return dict((p['type'], p['name']) for p in PLANS)[plan_type]


class Clock:
    def __init__(self):
        self.now = 0.0
        self.sleeps = []

    def time(self):
        return self.now

    def sleep(self, seconds):
        self.sleeps.append(seconds)
        self.now += seconds


class TestReadAndWait:
    def test_read_404_is_none(self):
        assert read_phone_user(FakePhoneAPI(), 'u-x') is None

    def test_read_other_errors_raise(self):
        class Broken:
            def get(self, path, params=None):
                raise ZoomAPIError(404, 2001, 'Account does not exist.')
        with pytest.raises(ZoomAPIError):
            read_phone_user(Broken(), 'u-x')

    def test_backoff_then_two_consecutive_reads(self):
        api = FakePhoneAPI(phone=ada(), appear_after=5)
        clock = Clock()
        phone = wait_for_phone_user(api, 'u-ada', 60, sleep=clock.sleep, clock=clock.time)
        assert phone['id'] == 'u-ada'
        assert clock.sleeps == [1.0, 2.0, 4.0, 8.0, 10.0, 1.0]  # backoff capped at 10 s, then one confirmation read

    def test_flip_back_restarts_the_count(self):
        api = FakePhoneAPI(phone=ada(), flip=[True, False, True, True])
        clock = Clock()
        wait_for_phone_user(api, 'u-ada', 60, sleep=clock.sleep, clock=clock.time)
        assert len([c for c in api.calls if c[0] == 'GET']) == 4

    def test_budget_exhausted(self):
        api = FakePhoneAPI(phone=ada(), appear_after=100)
        clock = Clock()
        with pytest.raises(ZoomPhoneNotReadyError) as info:
            wait_for_phone_user(api, 'u-ada', 5, sleep=clock.sleep, clock=clock.time)
        assert clock.now == 5.0 and clock.sleeps == [1.0, 2.0, 2.0]
        assert 'Rerun later' in info.value.msg and 'wait_timeout' in info.value.msg
        assert info.value.to_dict()['attempts'] == 4

    def test_zero_budget_accepts_a_single_read(self):
        clock = Clock()
        assert wait_for_phone_user(FakePhoneAPI(phone=ada()), 'u-ada', 0, sleep=clock.sleep, clock=clock.time)
        assert clock.sleeps == []


class TestLoadInventory:
    def test_extension_lookup_is_exact(self):
        api = FakePhoneAPI()
        inv = load_inventory(api, calling_plans=True, numbers=False, sites=True, extensions=[1002, 'auto'])
        assert inv.extension_owner(1002)['email'] == 'bob@example.com'
        assert inv.extension_owner(11002) is None  # keyword search also matched 11002: filtered out
        assert inv.extension_known(1002) and not inv.numbers
        assert ('GET', '/v2/phone/users', {'keyword': '1002'}) in api.calls


class NumberFilterIgnored:
    """A Zoom that ignores ``phone_number`` on GET /v2/phone/numbers and answers the first page of everything."""

    def __init__(self, items):
        self.items = items
        self.calls = []

    def get(self, path, params=None):
        self.calls.append(('get', path, dict(params or {})))
        return {'phone_numbers': self.items[:2], 'next_page_token': 'more'}

    def paginate(self, path, key, params=None, page_size=None, dedupe_key=None):
        self.calls.append(('paginate', path, dict(params or {})))
        return iter(self.items)


class TestFindNumbers:
    def test_each_wanted_number_is_looked_up_by_number(self):
        with running_simulator('cases') as sim:
            client = sim_client(sim)
            found = find_numbers(client, ['+442071838760', '+14155559999', '+442071838760', '+14155550109'])
            assert [item['number'] for item in found] == ['+442071838760', '+14155550109']
            assert found[1]['assignee']['name'] == 'Tom Taken'
            reads = [e for e in sim.log() if e['path'] == '/v2/phone/numbers']
            assert len(reads) == 3  # one per distinct number, the unknown one included

    def test_a_refused_filter_falls_back_to_one_listing(self):
        with running_simulator('cases', reject_unknown_fields=True) as sim:
            client = sim_client(sim)
            found = find_numbers(client, ['+442071838760', '+14155550120'])
            assert [item['number'] for item in found] == ['+442071838760', '+14155550120']

    def test_an_ignored_filter_falls_back_to_one_listing(self):
        items = [{'id': 'n%d' % i, 'number': '+1415555%04d' % i} for i in range(5)]
        api = NumberFilterIgnored(items)
        found = find_numbers(api, ['+14155550003', '+14155550004'])
        assert [item['id'] for item in found] == ['n3', 'n4']
        assert [call[0] for call in api.calls] == ['get', 'paginate']

    def test_load_inventory_reads_only_the_wanted_numbers(self):
        with running_simulator('cases') as sim:
            inventory = load_inventory(sim_client(sim), calling_plans=False, sites=False, numbers=['+14155550120'])
            assert [n['number'] for n in inventory.numbers] == ['+14155550120']
            assert inventory.loaded['numbers']


class TestApply:
    def test_fresh_user_end_to_end_and_rerun(self):
        api = FakePhoneAPI(appear_after=2)
        inv = load_inventory(api, extensions=[1010])
        want = desired(site='London', extension_number=1010, calling_plans=['US/CA Metered Calling Plan'],
                       phone_numbers=['+14155550101'])
        plan = plan_phone(want, None, inv, user_email='new@example.com', user_id='u-new')
        clock = Clock()
        api.calls = []
        steps = apply_phone(api, 'u-new', plan, wait_budget=30, sleep=clock.sleep, clock=clock.time)
        assert [s.kind for s in steps] == ['enable_feature', 'wait_phone_user', 'set_site', 'set_extension', 'add_plan', 'add_number']
        assert api.writes[0] == ('PATCH', '/v2/users/u-new')
        phone = read_phone_user(api, 'u-new')
        assert summarize_phone_user(phone, inv) == plan.after
        assert plan_phone(want, phone, inv, user_id='u-new').steps == []

    def test_replan_after_wait_skips_what_zoom_did(self):
        api = FakePhoneAPI()
        plan = plan_phone(desired(site='Main Office', extension_number=1000), None,
                          inventory(sites=[{'id': 'site-main', 'name': 'Main Office'}, {'id': 'x', 'name': 'X'}]),
                          user_email='new@example.com', user_id='u-new')
        assert kinds(plan) == ['enable_feature', 'wait_phone_user', 'set_site', 'set_extension']
        clock = Clock()
        steps = apply_phone(api, 'u-new', plan, sleep=clock.sleep, clock=clock.time)
        assert [s.kind for s in steps] == ['enable_feature', 'wait_phone_user']  # Zoom picked both already

    def test_failure_names_step_and_what_was_done(self):
        api = FakePhoneAPI(phone=ada())
        api.fail_on = ('POST', '/phone_numbers', 'Phone number already in use.')
        plan = plan_phone(desired(extension_number=1003, phone_numbers=['+14155550101']), ada(), inventory(), user_id='u-ada')
        with pytest.raises(ZoomPhoneStepError) as info:
            apply_phone(api, 'u-ada', plan)
        result = info.value.to_dict()
        assert result['failed_step'] == 'add_number'
        assert result['actions_done'][0].startswith('set the extension of ada@example.com to 1003')
        assert 'Phone number already in use.' in result['msg'] and 'Already done' in result['msg']

    def test_absent_apply(self):
        api = FakePhoneAPI(phone=ada())
        current = read_phone_user(api, 'u-ada')
        steps = apply_phone(api, 'u-ada', phone_absent_plan(current, user_id='u-ada'))
        assert [write[0] for write in api.writes] == ['DELETE', 'DELETE', 'PATCH']
        assert api.writes[0][1] == '/v2/phone/users/u-ada/phone_numbers/n5'
        assert api.writes[1][1] == '/v2/phone/users/u-ada/calling_plans/100'
        assert len(steps) == 3 and api.feature is False

    def test_feature_errors_are_named(self):
        class NoLicence(FakePhoneAPI):
            def patch(self, path, json=None, params=None):
                raise ZoomAPIError(404, 1102, 'You cannot enable the **Zoom Phone** feature ...', method='PATCH', path=path)
        plan = plan_phone(desired(), None, inventory(), user_email='n@example.com', user_id='u-n')
        with pytest.raises(ZoomPhoneStepError) as info:
            apply_phone(NoLicence(), 'u-n', plan)
        assert 'no free Zoom Phone licence' in info.value.msg and info.value.code == 1102
        assert 'Nothing had been changed' in info.value.msg and info.value.changed is False

    def test_not_ready_after_enable_reports_the_enable(self):
        api = FakePhoneAPI(appear_after=1000)
        plan = plan_phone(desired(), None, inventory(), user_email='n@example.com', user_id='u-new')
        clock = Clock()
        with pytest.raises(ZoomPhoneNotReadyError) as info:
            apply_phone(api, 'u-new', plan, wait_budget=3, sleep=clock.sleep, clock=clock.time)
        assert info.value.changed is True
        assert info.value.to_dict()['actions_done'] == ['enable the Zoom Phone feature of n@example.com']


# ---------------------------------------------------------------------------
# property: apply(plan) reaches the desired state; the re-plan is empty
# ---------------------------------------------------------------------------

FREE_NUMBERS = ['+14155550101', '+14155550102'] + ['+1415555%04d' % (2000 + i) for i in range(20)]
PLAN_TYPES = [100, 200, 4000]


@st.composite
def scenarios(draw):
    has_phone = draw(st.booleans())
    current = None
    if has_phone:
        current = {'id': 'u-new', 'email': 'new@example.com', 'extension_number': draw(st.sampled_from([1000, 1005])),
                   'site_id': draw(st.sampled_from(['site-main', 'site-lon'])),
                   'calling_plans': [{'type': t, 'name': _plan_name(t)}
                                     for t in draw(st.lists(st.sampled_from(PLAN_TYPES), unique=True, max_size=3))]}
    owned = draw(st.lists(st.sampled_from(FREE_NUMBERS), unique=True, max_size=12)) if has_phone else []
    want = {}
    if draw(st.booleans()):
        want['site'] = draw(st.sampled_from(['Main Office', 'london', 'site-lon']))  # no site code
    if draw(st.booleans()):
        want['extension_number'] = draw(st.sampled_from(['auto', '1005', '1010']))
    if draw(st.booleans()):
        want['calling_plans'] = [str(t) for t in draw(st.lists(st.sampled_from(PLAN_TYPES), unique=True, max_size=3))]
    if draw(st.booleans()):
        want['phone_numbers'] = draw(st.lists(st.sampled_from(FREE_NUMBERS), unique=True, max_size=12))
    return current, owned, want


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_apply_reaches_desired_and_rerun_is_empty(scenario):
    current, owned, want = scenario
    plans = copy.deepcopy(PLANS)
    for plan in plans:  # enough seats for any scenario
        plan['available'] = 5
    nums = numbers()
    for n in nums:
        if n['number'] in owned:
            n['assignee'] = {'id': 'u-new', 'type': 'user'}
    api = FakePhoneAPI(phone=current, inv_numbers=nums)
    inv = PhoneInventory(calling_plans=plans, numbers=nums, sites=copy.deepcopy(SITES), phone_users=[])
    goal, problems = normalize_desired(**want)
    assert problems == []
    before = read_phone_user(api, 'u-new') if current else None
    plan = plan_phone(goal, before, inv, user_email='new@example.com', user_id='u-new')
    clock = Clock()
    apply_phone(api, 'u-new', plan, sleep=clock.sleep, clock=clock.time)
    after = read_phone_user(api, 'u-new')
    summary = summarize_phone_user(after, inv)
    expected = dict(plan.after)
    if expected['extension_number'] == EXTENSION_BY_ZOOM:
        expected['extension_number'] = summary['extension_number']
    assert summary == expected
    assert plan_phone(goal, after, inv, user_id='u-new').steps == []
    # the switch is used exactly when one plan replaces one other
    switched = [s for s in plan.steps if s.kind == 'switch_plan']
    removed = [s for s in plan.steps if s.kind == 'remove_plan']
    added = [s for s in plan.steps if s.kind == 'add_plan']
    assert not (switched and (removed or added))
    assert not (len(removed) == 1 and len(added) == 1)


# ---------------------------------------------------------------------------
# the rerun fast path: plan_phone answers exactly as its full path
# ---------------------------------------------------------------------------

def outcome(plan_fn):
    """Everything a caller can see of a plan (or of its refusal)."""
    try:
        plan = plan_fn()
    except ZoomPlanError as exc:
        return 'refused', exc.msg, exc.problems
    return ('planned', plan.user_id, plan.email, plan.state, [(s.kind, s.args, s.description) for s in plan.steps],
            plan.labels, plan.changed, plan.before, plan.after, plan.diff, plan.desired, plan.current, plan.seat_usage)


def both_paths(want, current, user_email=None, user_id=None, inv_kwargs=None):
    """(plan_phone's outcome, the full path's outcome, phone_up_to_date), each on a fresh inventory."""
    fast = outcome(lambda: plan_phone(want, current, inventory(**(inv_kwargs or {})), user_email=user_email, user_id=user_id))
    full = outcome(lambda: _phone_plan._plan_in_full(want or {}, current, inventory(**(inv_kwargs or {})), user_email, user_id,
                                                     False))
    return fast, full, phone_up_to_date(want, current, inventory(**(inv_kwargs or {})), user_email=user_email, user_id=user_id)


MATCHING = dict(site='Main Office', extension_number=1001, calling_plans=[100], phone_numbers=['+14155550105'])


def matching(**changes):
    """desired() of Ada's current phone setup, with ``changes``."""
    options = dict(MATCHING)
    options.update(changes)
    return desired(**options)


@pytest.mark.parametrize('want, current, up_to_date', [
    (matching(), ada(), True),
    (desired(site='site-main', extension_number='1001', calling_plans=['us/ca  metered calling PLAN'],
             phone_numbers=['+14155550105']), ada(), True),
    (desired(), ada(), True),  # nothing managed
    (None, ada(), True),
    (desired(extension_number='auto'), ada(), True),  # auto never changes an extension
    (desired(site='Main Office'), ada(site_id=None, site={'id': 'site-main', 'name': 'HQ (old name)'}), True),
    (desired(calling_plans=[100]), ada(calling_plans=[{'type': 100}, {'type': 'n/a'}]), True),  # unreadable type stays
    (dict(matching(), phone_numbers=['+14155550105', '+14155550105']), ada(), True),  # duplicate number
    (matching(site='London'), ada(), False),
    (matching(site='Atlantis'), ada(), False),  # unknown site: refused
    (matching(extension_number=1009), ada(), False),
    (matching(extension_number=1002), ada(extension_number=1002), False),  # Bob's extension
    (matching(calling_plans=[200]), ada(), False),
    (matching(calling_plans=[100, 4000]), ada(), False),
    (matching(calling_plans=[]), ada(), False),
    (matching(calling_plans=[100, 'US/CA Metered Calling Plan']), ada(), False),  # one plan twice
    (matching(calling_plans=[999]), ada(), False),  # unknown plan: refused
    (matching(phone_numbers=[]), ada(), False),
    (matching(phone_numbers=['+14155550105', '+14155550101']), ada(), False),
    (matching(phone_numbers=['+14155550103']), ada(), False),  # Bob's number: refused
    (matching(), None, False),  # no phone user yet
    (matching(), ada(extension_number='1001'), True),  # extension read as text
    (matching(), ada(extension_number='\u0661\u0660\u0660\u0661'), False),  # Arabic-Indic digits are not 1001
])
def test_fast_path_answers_as_the_full_path(want, current, up_to_date):
    fast, full, fast_path_taken = both_paths(want, current, user_id=(current or {}).get('id'))
    assert fast == full
    assert fast_path_taken is up_to_date


def test_extension_owner_is_self_by_email_or_given_user_id():
    owned_by_ada = [{'email': 'ADA@example.com', 'extension_number': 1001}, {'id': 'u-x', 'extension_number': 1003}]
    want = desired(extension_number=1001)
    assert phone_up_to_date(want, ada(), inventory(phone_users=owned_by_ada))
    want = desired(extension_number=1003)
    current = ada(id=None, extension_number=1003)
    assert not phone_up_to_date(want, current, inventory(phone_users=owned_by_ada))
    fast, full, taken = both_paths(want, current, user_id='u-x', inv_kwargs={'phone_users': owned_by_ada})
    assert taken and fast == full


def test_up_to_date_plan_builds_no_summary_until_read(monkeypatch):
    calls = []
    real = _phone_plan.summarize_phone_user
    monkeypatch.setattr(_phone_plan, 'summarize_phone_user', lambda *args: calls.append(args) or real(*args))
    plan = plan_phone(matching(), ada(), inventory(), user_id='u-ada')
    assert (plan.steps, plan.changed, plan.labels, calls) == ([], False, [], [])
    assert plan.after['calling_plans'] == ['US/CA Metered Calling Plan'] and len(calls) == 1
    assert plan.before == plan.after and len(calls) == 1


@st.composite
def phone_cases(draw):
    """A desired phone (raw, duplicates and unknown references included) and an existing phone user near it."""
    refs = st.sampled_from([100, 200, 4000, 202, 999, '100', 'US/CA Unlimited Calling Plan', 'no such plan'])
    owned = st.sampled_from(['+14155550105', '+14155550101', '+14155550103', '+442071234567', '+19999999999'])
    current = ada(extension_number=draw(st.sampled_from([1001, 1002, 331001, '1001', None])),
                  site_id=draw(st.sampled_from(['site-main', 'site-lon', 'site-par', None])),
                  calling_plans=[{'type': t} for t in draw(st.lists(st.sampled_from([100, 200, 4000, 202, 'x']), max_size=3))],
                  phone_numbers=[{'id': 'n', 'number': n} for n in draw(st.lists(owned, max_size=3))])
    want = {}
    if draw(st.booleans()):
        want['site'] = draw(st.sampled_from(['Main Office', 'london', 'site-par', 'Atlantis']))
    if draw(st.booleans()):
        want['extension_number'] = draw(st.sampled_from(['auto', 1001, 1002, 331001, 2001]))
    if draw(st.booleans()):
        want['calling_plans'] = draw(st.lists(refs, max_size=3))
    if draw(st.booleans()):
        want['phone_numbers'] = draw(st.lists(owned, max_size=3))
    return want, current, draw(st.sampled_from([None, 'u-ada', 'u-bob'])), draw(st.sampled_from([None, 'bob@example.com']))


@settings(max_examples=400, deadline=None)
@given(phone_cases())
def test_fast_path_is_the_full_path_for_any_input(case):
    want, current, user_id, user_email = case
    fast, full, taken = both_paths(want, current, user_email=user_email, user_id=user_id)
    assert fast == full
    # taken exactly when the full path plans nothing and refuses nothing
    assert taken is (full[0] == 'planned' and full[4] == [])
