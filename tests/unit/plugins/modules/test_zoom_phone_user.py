# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_phone_user run in-process against the scripted Zoom stub (tests/unit/conftest.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import re

import pytest

from ansible_collections.zoomops.provisioning.plugins.modules import zoom_phone_user
from ansible_collections.zoomops.provisioning.plugins.module_utils import _phone

PLANS = {'calling_plans': [
    {'name': 'US/CA Metered Calling Plan', 'type': 100, 'subscribed': 10, 'assigned': 3, 'available': 7},
    {'name': 'US/CA Unlimited Calling Plan', 'type': 200, 'subscribed': 10, 'assigned': 10, 'available': 0},
]}
SITES = {'next_page_token': '', 'sites': [{'id': 'site-main', 'name': 'Main Office', 'level': 'main'},
                                          {'id': 'site-lon', 'name': 'London', 'level': 'sub'}]}
NUMBERS = {'next_page_token': '', 'phone_numbers': [
    {'id': 'n1', 'number': '+14155550101'},
    {'id': 'n2', 'number': '+14155550102', 'assignee': {'id': 'u-bob', 'name': 'Bob', 'type': 'user'}},
]}
ADA = {'id': 'u-ada', 'email': 'ada@example.com', 'status': 'active', 'first_name': 'Ada', 'login_types': [101]}
ADA_PHONE = {'id': 'u-ada', 'phone_user_id': 'p-ada', 'email': 'ada@example.com', 'extension_number': 1001,
             'site_id': 'site-main', 'calling_plans': [{'type': 100, 'name': 'US/CA Metered Calling Plan'}],
             'phone_numbers': [{'id': 'n1', 'number': '+14155550101'}]}
NOT_FOUND = {'code': 1001, 'message': 'User does not exist: u-ada.'}


def script(stub, user=None, phone=None, feature=None, owners=(), no_user=False, no_phone=False):
    """Script the reads of one run: the user (default ADA), its phone user (default ADA_PHONE), the inventory."""
    user = None if no_user else (user or ADA)
    phone = None if no_phone else (phone or ADA_PHONE)
    stub.reply('GET', '/v2/users/' + (user or {}).get('email', 'ada@example.com'),
               **({'json': user} if user else {'status': 404, 'json': {'code': 1001, 'message': 'User does not exist'}}),
               times=None)
    if phone is not None:
        stub.reply('GET', '/v2/phone/users/u-ada', json=phone, times=None)
    else:
        stub.reply('GET', '/v2/phone/users/u-ada', status=404, json=NOT_FOUND, times=None)
    stub.reply('GET', '/v2/users/u-ada/settings', json={'feature': {'zoom_phone': bool(feature)}}, times=None)
    stub.reply('GET', '/v2/phone/calling_plans', json=PLANS, times=None)
    stub.reply('GET', '/v2/phone/sites', json=SITES, times=None)
    stub.reply('GET', '/v2/phone/numbers', json=NUMBERS, times=None)
    stub.reply('GET', '/v2/phone/users', json={'next_page_token': '', 'users': list(owners)}, times=None)
    stub.reply('GET', '/v2/accounts/me/managed_domains', json={'domains': [{'domain': 'example.com', 'status': 'verified'}]},
               times=None)


def writes(stub):
    return [(r.method, r.path) for r in stub.api_requests if r.method != 'GET']


@pytest.fixture
def run(zoom_stub, run_module):
    def runner(check=False, diff=True, **args):
        args = dict(args)
        args.setdefault('email', 'ada@example.com')
        args.update(zoom_stub.module_args())
        if check:
            args['_ansible_check_mode'] = True
        args['_ansible_diff'] = diff
        return run_module(zoom_phone_user.main, args)
    return runner


def test_bad_input_is_named_and_nothing_is_called(zoom_stub, run):
    result = run(phone_numbers=['+1 415 555 0101', '+14155550102', '+14155550102'], extension_number='ten',
                 calling_plans=['A', 'a'])
    assert result['failed']
    fields = [p['field'] for p in result['problems']]
    assert fields == ['extension_number', 'calling_plans', 'phone_numbers', 'phone_numbers']
    assert 'E.164' in result['msg'] and 'twice' in result['msg']
    assert zoom_stub.api_requests == []


def test_converged_rerun_reads_only(zoom_stub, run):
    script(zoom_stub)
    result = run(site='main office', extension_number='1001', calling_plans=['100'], phone_numbers=['+14155550101'])
    assert not result.get('failed'), result['msg'] if result.get('failed') else ''
    assert result['changed'] is False and result['actions'] == []
    assert writes(zoom_stub) == []
    assert result['phone'] == {'zoom_phone': True, 'site': 'Main Office', 'extension_number': 1001,
                               'calling_plans': ['US/CA Metered Calling Plan'], 'phone_numbers': ['+14155550101']}
    # no number list and no extension search needed on a rerun
    assert not [r for r in zoom_stub.api_requests if r.path in ('/v2/phone/numbers', '/v2/phone/users')]


def test_check_mode_predicts_a_new_phone_user_without_writes(zoom_stub, run):
    script(zoom_stub, no_phone=True, feature=False)
    result = run(check=True, site='London', extension_number='auto', calling_plans=['us/ca metered calling plan'],
                 phone_numbers=['+14155550101'])
    assert result['changed'] is True
    assert writes(zoom_stub) == []
    assert result['diff']['before']['zoom_phone'] is False
    assert result['diff']['after'] == {'zoom_phone': True, 'site': 'London', 'extension_number': '(assigned by Zoom)',
                                       'calling_plans': ['US/CA Metered Calling Plan'], 'phone_numbers': ['+14155550101']}
    assert result['actions'][0] == 'enable the Zoom Phone feature of ada@example.com'


def test_conflicts_listed_together_before_any_write(zoom_stub, run):
    owner = {'id': 'u-bob', 'email': 'bob@example.com', 'name': 'Bob', 'extension_number': 1002}
    script(zoom_stub, owners=[owner])
    result = run(site='Paris', extension_number='1002', calling_plans=['US/CA Unlimited Calling Plan'],
                 phone_numbers=['+14155550102', '+19995550000'])
    assert result['failed']
    assert writes(zoom_stub) == []
    msgs = [p['msg'] for p in result['problems']]
    assert len(msgs) == 5
    assert 'bob@example.com (Bob)' in msgs[1]
    assert 'no free seat' in msgs[2]
    assert 'assigned to user Bob' in msgs[3]
    assert 'not a number of this account' in msgs[4]


def test_pending_user_is_named_with_reason(zoom_stub, run):
    pending = dict(ADA, email='ada@other.org', status='pending')
    script(zoom_stub, user=pending)
    result = run(email='ada@other.org', extension_number='auto')
    assert result['failed'] and result['zoom_status'] == 'pending'
    assert result['pending_reason'] == 'domain_not_associated'
    assert 'other.org' in result['remedy']
    assert 'pending' in result['msg'] and 'Why: domain_not_associated' in result['msg']
    assert writes(zoom_stub) == []


def test_inactive_user(zoom_stub, run):
    script(zoom_stub, user=dict(ADA, status='inactive'))
    result = run(extension_number='auto')
    assert result['failed'] and 'deactivated' in result['msg']
    assert writes(zoom_stub) == []


def test_plan_switch_uses_put(zoom_stub, run):
    script(zoom_stub, phone=dict(ADA_PHONE, calling_plans=[{'type': 200, 'name': 'US/CA Unlimited Calling Plan'}]))
    zoom_stub.reply('PUT', '/v2/phone/users/u-ada/calling_plans', status=204)
    result = run(calling_plans=['US/CA Metered Calling Plan'])
    assert result['changed']
    assert writes(zoom_stub) == [('PUT', '/v2/phone/users/u-ada/calling_plans')]
    assert [r for r in zoom_stub.api_requests if r.method == 'PUT'][0].json() == {'source_type': 200, 'target_type': 100}


def test_absent_order(zoom_stub, run):
    script(zoom_stub)
    zoom_stub.reply('DELETE', '/v2/phone/users/u-ada/phone_numbers/n1', status=204)
    zoom_stub.reply('DELETE', '/v2/phone/users/u-ada/calling_plans/100', status=204)
    zoom_stub.reply('PATCH', '/v2/users/u-ada', status=204)
    result = run(state='absent')
    assert result['changed']
    assert writes(zoom_stub) == [('DELETE', '/v2/phone/users/u-ada/phone_numbers/n1'),
                                 ('DELETE', '/v2/phone/users/u-ada/calling_plans/100'),
                                 ('PATCH', '/v2/users/u-ada')]
    patch = [r for r in zoom_stub.api_requests if r.method == 'PATCH'][0]
    assert patch.json() == {'feature': {'zoom_phone': False}}


def test_absent_for_missing_user_is_unchanged(zoom_stub, run):
    script(zoom_stub, no_user=True)
    result = run(state='absent')
    assert result['changed'] is False and result['zoom_status'] == 'absent'
    assert writes(zoom_stub) == []


def test_fresh_phone_user_waits_then_converges(zoom_stub, run, monkeypatch):
    monkeypatch.setattr(_phone.time, 'sleep', lambda seconds: None)
    state = {'feature': False, 'reads': 0}
    phone = copy.deepcopy(ADA_PHONE)
    phone.update(calling_plans=[], phone_numbers=[], extension_number=1000)

    def get_phone(request):
        if not state['feature']:
            return 404, NOT_FOUND
        state['reads'] += 1
        return (404, NOT_FOUND) if state['reads'] <= 2 else (200, phone)

    def enable(request):
        state['feature'] = request.json()['feature']['zoom_phone']
        return 204, None

    zoom_stub.handle('GET', '/v2/phone/users/u-ada', get_phone)
    zoom_stub.handle('PATCH', '/v2/users/u-ada', enable)
    zoom_stub.reply('POST', '/v2/phone/users/u-ada/calling_plans', status=201)
    script(zoom_stub, no_phone=True, feature=False)
    result = run(extension_number='auto', calling_plans=['100'])
    assert not result.get('failed'), result.get('msg')
    assert writes(zoom_stub) == [('PATCH', '/v2/users/u-ada'), ('POST', '/v2/phone/users/u-ada/calling_plans')]
    assert result['changed']
    assert result['actions'][1] == 'wait for Zoom to create the phone user of ada@example.com'


def test_wait_budget_exhausted_is_clear(zoom_stub, run, monkeypatch):
    monkeypatch.setattr(_phone.time, 'sleep', lambda seconds: None)
    script(zoom_stub, no_phone=True, feature=True)
    result = run(extension_number='auto', wait_timeout=0)
    assert result['failed']
    assert 'had not created the phone user' in result['msg'] and 'Rerun later' in result['msg']
    assert writes(zoom_stub) == []


def test_no_phone_licence(zoom_stub, run):
    script(zoom_stub, no_phone=True, feature=False)
    zoom_stub.reply('PATCH', '/v2/users/u-ada', status=404,
                    json={'code': 1102, 'message': 'You cannot enable the **Zoom Phone** feature because you do not have any '
                                                   'available licenses.'})
    result = run(extension_number='auto')
    assert result['failed'] and result['code'] == 1102
    assert 'no free Zoom Phone licence' in result['msg']
    assert result['failed_step'] == 'enable_feature'
    assert result['changed'] is False


def test_secret_never_in_output(zoom_stub, run):
    script(zoom_stub)
    result = run(extension_number='1001')
    assert zoom_stub.client_secret not in result['_stdout']
    assert not re.search(r'stub-token-\d', result['_stdout'])
