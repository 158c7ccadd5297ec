# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_scim_user against the in-process Zoom simulator: every branch of the SCIM 400 trap and the REST paths."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import json

import pytest

pytest.importorskip('zoomsim.testing')

# pylint: disable=wrong-import-position
from ansible_collections.zoomops.provisioning.plugins.modules import zoom_scim_user  # noqa: E402
from ansible_collections.zoomops.provisioning.tests.unit.plugins.modules.test_zoom_user import (  # noqa: E402
    WORLD,
    Sim,
    assert_fault_converges,
    follow_sim_clock,
    module_runner,
    warnings_of,
)

SCIM_WORLD = copy.deepcopy(WORLD)
SCIM_WORLD['phone'] = {'sites': [{'name': 'Main Site', 'main': True}],
                       'calling_plans': [{'type': 200, 'name': 'US/CA Unlimited Calling Plan', 'subscribed': 5},
                                         {'type': 101, 'name': 'AU/NZ Metered Calling Plan', 'subscribed': 0}],
                       'numbers': [{'number': '+14155550120', 'site': 'Main Site'},
                                   {'number': '+14155550109', 'site': 'Main Site'}]}
SCIM_WORLD['users'].append({'email': 'taken@example.com', 'type': 2,
                            'phone': {'extension': 1099, 'site': 'Main Site', 'numbers': ['+14155550109']}})
FULL = {'first_name': 'Jane', 'last_name': 'Doe', 'display_name': 'Jane Doe', 'type': 'licensed', 'job_title': 'Engineer',
        'department': 'R&D', 'organization': 'Example Inc', 'cost_center': 'CC-42', 'employee_number': '1001',
        'manager': 'Boss@example.com'}


@pytest.fixture
def sim(zoomsim_module, monkeypatch):
    """SCIM_WORLD served afresh on the one simulator per file."""
    server = Sim(SCIM_WORLD, handle=zoomsim_module)
    follow_sim_clock(monkeypatch, zoomsim_module)
    return server


@pytest.fixture
def run(run_module, sim):  # pylint: disable=redefined-outer-name
    return module_runner(run_module, zoom_scim_user.main, sim)


def converge(run, sim, args):  # pylint: disable=redefined-outer-name
    """check mode (no write) -> apply (same prediction) -> rerun (changed false, no write)."""
    sim.mark()
    check = run(args, check=True)
    assert not check.get('failed'), check.get('msg')
    assert sim.writes() == []
    sim.mark()
    applied = run(args)
    assert not applied.get('failed'), applied.get('msg')
    for key in ('changed', 'actions', 'zoom_status', 'pending_reason'):
        assert check[key] == applied[key], (key, check[key], applied[key])
    sim.mark()
    rerun = run(args)
    assert not rerun.get('failed'), rerun.get('msg')
    assert rerun['changed'] is False and rerun['actions'] == [], rerun['actions']
    assert sim.writes() == []
    return check, applied, rerun


def refused_before_write(run, sim, args, *words):  # pylint: disable=redefined-outer-name
    for check in (True, False):
        sim.mark()
        result = run(args, check=check)
        assert result['failed'] and result['changed'] is False
        for word in words:
            assert word in result['msg'], (word, result['msg'])
        assert sim.writes() == []
    return result


# ------------------------------------------------------------------------------------------------ real users

def test_create_with_enterprise_attributes(run, sim):  # pylint: disable=redefined-outer-name
    args = dict(FULL, email='jane@example.com')
    check, applied, _rerun = converge(run, sim, args)
    assert check['actions'] == ['create'] and check['zoom_status'] == 'active'
    assert check['diff']['before'] == {'zoom_status': 'absent'}
    assert applied['user']['userName'] == 'jane@example.com' and applied['user']['active'] is True
    user = sim.user('jane@example.com')
    assert (user.first_name, user.type, user.dept, user.job_title, user.cost_center, user.employee_number, user.organization,
            user.manager) == ('Jane', 2, 'R&D', 'Engineer', 'CC-42', '1001', 'Example Inc', 'Boss@example.com')
    assert user.login_types == [101]


def test_create_deactivated_with_phone(run, sim):  # pylint: disable=redefined-outer-name
    args = {'email': 'phone.new@example.com', 'first_name': 'Pho', 'active': False, 'extension_number': '0',
            'site': 'Main Site', 'calling_plans': ['US/CA Unlimited Calling Plan']}
    check, _applied, _rerun = converge(run, sim, args)
    assert check['actions'] == ['create', 'phone:extension_number', 'phone:site', 'phone:calling_plans', 'deactivate']
    assert check['zoom_status'] == 'inactive'
    user = sim.user('phone.new@example.com')
    assert user.status == 'inactive' and user.feature_zoom_phone


def test_update_only_set_attributes(run, sim):  # pylint: disable=redefined-outer-name
    args = {'email': 'ACTIVE@example.com', 'department': 'R&D', 'cost_center': 'CC1', 'job_title': 'Lead', 'manager': 'BOSS@example.com'}
    check, applied, _rerun = converge(run, sim, args)
    assert check['actions'] == ['update:job_title', 'update:department']
    assert applied['diff'] == {'before': {'job_title': 'Engineer', 'department': 'Sales', 'cost_center': 'CC1',
                                          'manager': 'boss@example.com', 'zoom_status': 'active'},
                               'after': {'job_title': 'Lead', 'department': 'R&D', 'cost_center': 'CC1',
                                         'manager': 'boss@example.com', 'zoom_status': 'active'}}
    user = sim.user('active@example.com')
    assert (user.dept, user.job_title, user.cost_center, user.employee_number, user.first_name) == ('R&D', 'Lead', 'CC1', '42', 'Ann')


def test_name_change_keeps_other_part(run, sim):  # pylint: disable=redefined-outer-name
    converge(run, sim, {'email': 'active@example.com', 'first_name': 'Anne', 'display_name': 'Anne Active'})
    user = sim.user('active@example.com')
    assert (user.first_name, user.last_name, user.display_name) == ('Anne', 'Active', 'Anne Active')


def test_deactivate_then_reactivate_and_update(run, sim):  # pylint: disable=redefined-outer-name
    check, _applied, _rerun = converge(run, sim, {'email': 'active@example.com', 'active': False})
    assert check['actions'] == ['deactivate'] and sim.user('active@example.com').status == 'inactive'
    check, _applied, _rerun = converge(run, sim, {'email': 'active@example.com', 'active': True, 'department': 'Ops'})
    assert check['actions'] == ['activate', 'update:department']
    assert (sim.user('active@example.com').status, sim.user('active@example.com').dept) == ('active', 'Ops')


def test_inactive_user_attributes_need_reactivation(run, sim):  # pylint: disable=redefined-outer-name
    refused_before_write(run, sim, {'email': 'inactive@example.com', 'department': 'Ops'}, 'deactivated', 'active: true')
    result = run({'email': 'inactive@example.com', 'first_name': 'Ina', 'active': False})
    assert result['changed'] is False and result['zoom_status'] == 'inactive'


def test_domain_not_associated_refused(run, sim):  # pylint: disable=redefined-outer-name
    refused_before_write(run, sim, {'email': 'x@elsewhere.example'}, 'associated domain', 'create action "create"')


def test_create_with_every_phone_field(run, sim):  # pylint: disable=redefined-outer-name
    args = {'email': 'pho.full@example.com', 'extension_number': '1010', 'site': 'main site', 'calling_plans': ['200'],
            'phone_numbers': ['+14155550120']}
    check, _applied, _rerun = converge(run, sim, args)
    assert check['actions'] == ['create', 'phone:extension_number', 'phone:phone_numbers', 'phone:site', 'phone:calling_plans']
    with sim.world.lock:
        phone = sim.world.phone_users[sim.world.user_by_email('pho.full@example.com').id]
        assert (phone.extension_number, phone.calling_plans) == (1010, [200])


def test_phone_values_checked_against_the_account_before_any_write(run, sim):  # pylint: disable=redefined-outer-name
    args = {'email': 'pho.bad@example.com', 'extension_number': '1099', 'site': 'Mars', 'calling_plans': ['Nope Plan'],
            'phone_numbers': ['+14155550109']}
    result = refused_before_write(run, sim, args, 'extension_number: 1099 is already used by taken',
                                  "site: unknown site 'Mars'", 'Main Site',
                                  "calling_plans: unknown calling plan 'Nope Plan'", 'US/CA Unlimited Calling Plan (200)',
                                  'phone_numbers: +14155550109 is assigned to user', '4 problems')
    assert len(result['problems']) == 4 and sim.user('pho.bad@example.com') is None
    refused_before_write(run, sim, {'email': 'pho.bad@example.com', 'calling_plans': ['101']}, 'no free seat')
    refused_before_write(run, sim, {'email': 'pho.bad@example.com', 'phone_numbers': ['+14155550999']},
                         'not a number of this account')


def test_old_option_names_still_work_with_a_deprecation(run, sim):  # pylint: disable=redefined-outer-name
    args = {'email': 'old.names@example.com', 'user_type': 'licensed', 'zoom_phone_extension': '0',
            'zoom_phone_site': 'Main Site', 'zoom_phone_calling_plan': '200', 'zoom_phone_number': '+14155550120'}
    result = run(args)
    assert not result.get('failed'), result.get('msg')
    assert result['actions'] == ['create', 'phone:extension_number', 'phone:phone_numbers', 'phone:site',
                                 'phone:calling_plans']
    deprecations = json.dumps(result.get('deprecations'))
    for old in ('user_type', 'zoom_phone_extension', 'zoom_phone_site', 'zoom_phone_calling_plan', 'zoom_phone_number'):
        assert old in deprecations, old
    assert '2.0.0' in deprecations and sim.user('old.names@example.com').type == 2


# ------------------------------------------------------------------------------------------------ pending

def test_pending_keep_reports_state(run, sim):  # pylint: disable=redefined-outer-name
    sim.mark()
    result = run({'email': 'invited@example.com'})
    assert (result['changed'], result['zoom_status'], result['pending_reason']) == (False, 'pending', 'awaiting_confirmation')
    assert 'not exist or not belong' in result['lookup_detail'] and result['user']['status'] == 'pending'
    assert not warnings_of(result)
    other = run({'email': 'pend-domain@other.example', 'department': 'X'})
    assert (other['changed'], other['pending_reason']) == (False, 'domain_not_associated')
    assert any('not compared' in text for text in warnings_of(other))
    personal = run({'email': 'pend-sso@example.com'})
    assert personal['pending_reason'] == 'existing_zoom_account' and personal['remedy'] and personal['pending_evidence']
    assert sim.writes() == []


def test_pending_fail(run, sim):  # pylint: disable=redefined-outer-name
    result = refused_before_write(run, sim, {'email': 'pend-sso@example.com', 'on_pending': 'fail'}, 'pending invitation')
    assert result['zoom_status'] == 'pending' and result['pending_reason'] == 'existing_zoom_account'


def test_pending_withdraw_and_provision(run, sim):  # pylint: disable=redefined-outer-name
    args = dict(FULL, email='invited@example.com', on_pending='withdraw_and_provision')
    check, applied, rerun = converge(run, sim, args)
    assert check['actions'] == ['remove:withdraw', 'create', 'update:job_title', 'update:department',
                                'update:organization', 'update:cost_center', 'update:employee_number', 'update:manager']
    assert applied['zoom_status'] == rerun['zoom_status'] == 'active' and rerun['pending_reason'] is None
    user = sim.user('invited@example.com')
    assert (user.status, user.type, user.dept, user.manager, user.login_types) == ('active', 2, 'R&D', 'Boss@example.com', [101])


def test_pending_withdraw_refused_when_domain_not_associated(run, sim):  # pylint: disable=redefined-outer-name
    result = refused_before_write(run, sim, {'email': 'pend-domain@other.example', 'on_pending': 'withdraw_and_provision'},
                                  'Not withdrawing', 'Associated Domains')
    assert result['pending_reason'] == 'domain_not_associated'


def test_pending_withdraw_fails_loudly_when_zoom_keeps_it_pending(run, sim):  # pylint: disable=redefined-outer-name
    """The invitation hides why it is pending (here: a personal Zoom account); if the new user is pending again, fail."""
    result = run({'email': 'pend-sso@example.com', 'on_pending': 'withdraw_and_provision'})
    assert result['failed'] and result['changed'] and result['actions'] == ['remove:withdraw', 'create']
    assert result['pending_reason'] == 'existing_zoom_account'
    assert result['zoom_status'] == 'pending' and 'Rerunning would not help' in result['msg'] and result['remedy']
    assert sim.user('pend-sso@example.com').pending_reason == 'existing_zoom_account'


# ------------------------------------------------------------------------------------------------ stuck

@pytest.mark.parametrize('email', ['expired@example.com', 'deleted@example.com'])
def test_stuck_invitation_fails_with_explanation(run, sim, email):  # pylint: disable=redefined-outer-name
    result = refused_before_write(run, sim, {'email': email, 'first_name': 'X'}, 'dead', 'REST', 'provision_rest')
    assert result['zoom_status'] == 'stuck_invitation' and 'not exist or not belong' in result['lookup_detail']


@pytest.mark.parametrize('email', ['expired@example.com', 'deleted@example.com'])
def test_stuck_invitation_provision_rest(run, sim, email):  # pylint: disable=redefined-outer-name
    args = {'email': email, 'first_name': 'Back', 'last_name': 'Again', 'department': 'Returners', 'pronouns': 'they/them',
            'on_stuck_invitation': 'provision_rest'}
    check, applied, _rerun = converge(run, sim, args)
    assert check['actions'] == ['create', 'update:department', 'update:pronouns']
    assert applied['zoom_status'] == 'active' and applied['user']['userName'] == email
    user = sim.user(email)
    assert (user.status, user.dept, user.display_name) == ('active', 'Returners', 'Back Again')
    with sim.world.lock:
        assert email not in sim.world.dead_invitations


# ------------------------------------------------------------------------------------------------ absent

def test_absent_withdraws_live_invitation_then_warns(run, sim):  # pylint: disable=redefined-outer-name
    sim.mark()
    check = run({'email': 'invited@example.com', 'state': 'absent'}, check=True)
    assert check['actions'] == ['remove:withdraw'] and sim.writes() == []
    applied = run({'email': 'invited@example.com', 'state': 'absent'})
    assert applied['changed'] and applied['zoom_status'] == check['zoom_status'] == 'stuck_invitation'
    assert [call[:2] for call in sim.writes()] == [('DELETE', '/v2/users/invited@example.com')]
    sim.mark()
    rerun = run({'email': 'invited@example.com', 'state': 'absent'})
    assert rerun['changed'] is False and any('dead' in text for text in warnings_of(rerun)) and sim.writes() == []


@pytest.mark.parametrize('email', ['expired@example.com', 'deleted@example.com', 'nobody@example.com'])
def test_absent_nothing_to_do(run, sim, email):  # pylint: disable=redefined-outer-name
    sim.mark()
    result = run({'email': email, 'state': 'absent'})
    assert result['changed'] is False and sim.writes() == []
    if email != 'nobody@example.com':
        assert result['zoom_status'] == 'stuck_invitation' and warnings_of(result) and result['remedy']


def test_absent_disassociates_real_user(run, sim):  # pylint: disable=redefined-outer-name
    check, _applied, rerun = converge(run, sim, {'email': 'contractor@partner.example', 'state': 'absent'})
    assert check['actions'] == ['remove:disassociate'] and rerun['zoom_status'] == 'absent'
    assert sim.world.deleted_log[-1]['action'] == 'disassociate' and sim.world.deleted_log[-1]['via'] == 'users'


def test_absent_delete_with_transfer(run, sim):  # pylint: disable=redefined-outer-name
    refused_before_write(run, sim, {'email': 'active@example.com', 'state': 'absent', 'removal_action': 'delete'}, 'transfer_to')
    converge(run, sim, {'email': 'active@example.com', 'state': 'absent', 'removal_action': 'delete', 'transfer_to': 'boss@example.com'})
    assert sim.world.deleted_log[-1]['transferred'] == {'meetings': 3, 'recordings': 2, 'webinars': 0, 'whiteboards': 1}


def test_absent_scim_delete_needs_opt_in(run, sim):  # pylint: disable=redefined-outer-name
    refused_before_write(run, sim, {'email': 'active@example.com', 'state': 'absent', 'removal_action': 'scim_delete'},
                         'allow_data_loss')
    check, _applied, _rerun = converge(run, sim, {'email': 'active@example.com', 'state': 'absent', 'removal_action': 'scim_delete',
                                                  'allow_data_loss': True})
    assert check['actions'] == ['remove:scim_delete'] and sim.world.deleted_log[-1]['via'] == 'scim'


def test_absent_refuses_admin(run, sim):  # pylint: disable=redefined-outer-name
    refused_before_write(run, sim, {'email': 'admin@example.com', 'state': 'absent'}, 'force=true')


# ------------------------------------------------------------------------------------------------ input and faults

@pytest.mark.parametrize('args,field', [
    ({'email': 'bad email@example.com'}, 'email'),
    ({'email': 'a@example.com', 'first_name': ''}, 'first_name'),
    ({'email': 'a@example.com', 'manager': 'not-an-email'}, 'manager'),
    ({'email': 'a@example.com', 'manager': 'A@example.com'}, 'manager'),
    ({'email': 'a@example.com', 'type': 'gold'}, 'type'),
    ({'email': 'a@example.com', 'user_type': 'gold'}, 'type'),
    ({'email': 'a@example.com/../../phone?x=1'}, 'email'),
    ({'email': '..'}, 'email'),
    ({'email': 'a@example.com', 'extension_number': '\u00b2'}, 'extension_number'),
    ({'email': 'a@example.com', 'zoom_phone_extension': '12a'}, 'extension_number'),
    ({'email': 'a@example.com', 'phone_numbers': ['+1 415 555']}, 'phone_numbers'),
    ({'email': 'a@example.com', 'phone_numbers': ['+14155550100', '+14155550101']}, 'phone_numbers'),
    ({'email': 'a@example.com', 'calling_plans': ['200', '100']}, 'calling_plans'),
    ({'email': 'a@example.com', 'site': ' '}, 'site'),
    ({'email': 'a@example.com', 'state': 'absent', 'transfer_to': 'A@EXAMPLE.com'}, 'transfer_to'),
    ({'email': 'a@example.com', 'on_pending': 'ignore'}, 'on_pending'),
    ({'email': 'a@example.com', 'on_stuck_invitation': 'retry'}, 'on_stuck_invitation'),
    ({'email': 'a@example.com', 'department': 'x' * 300}, 'department'),
    ({'email': 'a@example.com', 'on_pending': 'withdraw_and_provision', 'create_action_rest': 'create'}, 'create_action_rest'),
])
def test_bad_input_is_caught_before_any_call(run, sim, args, field):  # pylint: disable=redefined-outer-name
    sim.mark()
    result = run(args)
    assert result['failed'] and field in result['msg']
    assert sim.calls() == [] and sim.tokens() == []


def test_lost_scim_create_answer_is_confirmed(run, sim):  # pylint: disable=redefined-outer-name
    sim.faults({'match': {'method': 'POST', 'path': '/scim2/Users'}, 'fault': 'lost_response'})
    sim.mark()
    result = run(dict(FULL, email='lost@example.com'))
    assert not result.get('failed'), result.get('msg')
    assert result['confirmed_after_uncertain'] is True and result['zoom_status'] == 'active'
    assert [call[:2] for call in sim.writes()] == [('POST', '/scim2/Users')]
    assert run(dict(FULL, email='lost@example.com'))['changed'] is False


def test_expired_token_and_5xx_mid_run(run, sim):  # pylint: disable=redefined-outer-name
    sim.faults({'match': {'method': 'GET', 'path': '/scim2/Users/*'}, 'fault': 'http_500', 'times': 1},
               {'match': {'method': 'PUT', 'path': '/scim2/Users/*'}, 'fault': 'expire_tokens'})
    result = run({'email': 'active@example.com', 'department': 'Fault Tolerant'})
    assert not result.get('failed'), result.get('msg')
    assert sim.user('active@example.com').dept == 'Fault Tolerant' and len(sim.tokens()) == 2


def test_other_company_email_fails_with_cause(run, sim):  # pylint: disable=redefined-outer-name
    result = run({'email': 'corp@example.com'})
    assert result['failed'] and 'already in use' in result['msg'] and 'another Zoom account' in result['msg']


def test_trap_answered_with_404(run_module):
    """Zoom staff said the trap is a 404 (DF-7646): the module must read it the same way."""
    world = copy.deepcopy(SCIM_WORLD)
    world['behaviour'] = {'scim_pending_status': 404}
    server = Sim(world)
    try:
        pending = run_module(zoom_scim_user.main, {'email': 'invited@example.com'}, env=server.env())
        assert (pending.get('failed'), pending['zoom_status'], pending['changed']) == (None, 'pending', False)
        stuck = run_module(zoom_scim_user.main, {'email': 'expired@example.com'}, env=server.env())
        assert stuck['failed'] and stuck['zoom_status'] == 'stuck_invitation' and 'dead' in stuck['msg']
    finally:
        server.stop()


# ------------------------------------------------------------------------------------------------ managed domains (1107)

@pytest.mark.parametrize('blocks', [True, False], ids=['sim-1107-on', 'sim-1107-off'])
def test_absent_on_managed_domain_is_refused_before_any_write(run_module, blocks):
    server = Sim(SCIM_WORLD, managed_domain_blocks_disassociate=blocks)
    try:
        for check in (True, False):
            server.mark()
            result = run_module(zoom_scim_user.main, {'email': 'm.user@managed.example', 'state': 'absent',
                                                      '_ansible_check_mode': check}, env=server.env())
            assert result['failed'] and result['changed'] is False and result['problems']
            for words in ('code 1107', 'deactivate', 'removal_action=delete', 'transfer_to', 'state=present and active=false'):
                assert words in result['msg'], words
            assert server.writes() == []
    finally:
        server.stop()


def test_managed_domain_user_delete_with_transfer(run, sim):  # pylint: disable=redefined-outer-name
    args = {'email': 'm.user@managed.example', 'state': 'absent', 'removal_action': 'delete', 'transfer_to': 'boss@example.com'}
    check, _applied, _rerun = converge(run, sim, args)
    assert check['actions'] == ['remove:delete'] and sim.user('m.user@managed.example') is None


# ------------------------------------------------------------------------------------------------ fault table

FAULTS = ('http_429', 'http_500', 'http_502', 'http_503', 'drop', 'lost_response', 'revoke_tokens')
# every write zoom_scim_user sends: (name, task, method, path pattern, check of the end state)
WRITES = [
    ('scim-create', dict(FULL, email='f.new@example.com', active=False), 'POST', '/scim2/Users',
     lambda sim: sim.user('f.new@example.com').status == 'inactive' and sim.user('f.new@example.com').dept == 'R&D'),
    ('scim-deactivate-after-create', dict(FULL, email='f.new@example.com', active=False), 'PATCH', '/scim2/Users/*',
     lambda sim: sim.user('f.new@example.com').status == 'inactive'),
    ('scim-update', {'email': 'active@example.com', 'department': 'Ops', 'job_title': 'Lead'}, 'PUT', '/scim2/Users/*',
     lambda sim: (sim.user('active@example.com').dept, sim.user('active@example.com').job_title) == ('Ops', 'Lead')),
    ('scim-activate', {'email': 'inactive@example.com', 'active': True}, 'PATCH', '/scim2/Users/*',
     lambda sim: sim.user('inactive@example.com').status == 'active'),
    ('scim-delete', {'email': 'contractor@partner.example', 'state': 'absent', 'removal_action': 'scim_delete',
                     'allow_data_loss': True}, 'DELETE', '/scim2/Users/*', lambda sim: sim.user('contractor@partner.example') is None),
    ('rest-withdraw', dict(FULL, email='invited@example.com', on_pending='withdraw_and_provision'), 'DELETE', '/v2/users/*',
     lambda sim: sim.user('invited@example.com').status == 'active'),
    ('rest-create', dict(FULL, email='invited@example.com', on_pending='withdraw_and_provision'), 'POST', '/v2/users',
     lambda sim: sim.user('invited@example.com').status == 'active'),
    ('rest-create-then-put', dict(FULL, email='expired@example.com', on_stuck_invitation='provision_rest'), 'PUT',
     '/scim2/Users/*', lambda sim: sim.user('expired@example.com').dept == 'R&D'),
    ('rest-disassociate', {'email': 'contractor@partner.example', 'state': 'absent'}, 'DELETE', '/v2/users/*',
     lambda sim: sim.user('contractor@partner.example') is None),
]


@pytest.mark.parametrize('fault', FAULTS)
@pytest.mark.parametrize('name,args,method,path,done', WRITES, ids=[item[0] for item in WRITES])
# pylint: disable-next=redefined-outer-name,too-many-arguments
def test_single_fault_on_every_write_converges_in_the_same_run(run, sim, name, args, method, path, done, fault):
    del name
    assert_fault_converges(run, sim, args, (method, path, done), fault)


def test_rest_provisioning_waits_out_the_user_lock(run_module):
    server = Sim(SCIM_WORLD, user_create_lock_seconds=1.0)
    try:
        args = dict(FULL, email='expired@example.com', on_stuck_invitation='provision_rest')
        result = run_module(zoom_scim_user.main, args, env=server.env())
        assert not result.get('failed'), result.get('msg')
        assert result['actions'][0] == 'create' and server.user('expired@example.com').dept == 'R&D'
    finally:
        server.stop()


def test_refused_rest_create_after_the_withdrawal_says_what_was_done(run_module):
    world = copy.deepcopy(SCIM_WORLD)
    world['account']['paid_seats'] = 1
    server = Sim(world)
    try:
        result = run_module(zoom_scim_user.main, dict(FULL, email='invited@example.com', on_pending='withdraw_and_provision'),
                            env=server.env())
        assert result['failed'] and result['created'] is False and 'nothing was created' in result['msg']
        assert result['actions'] == ['remove:withdraw'] and result['changed'] is True
        stuck = run_module(zoom_scim_user.main, dict(FULL, email='expired@example.com', on_stuck_invitation='provision_rest'),
                           env=server.env())
        assert stuck['failed'] and stuck['actions'] == [] and stuck['changed'] is False
    finally:
        server.stop()


def test_old_and_new_name_together_are_refused(run, sim):  # pylint: disable=redefined-outer-name
    sim.mark()
    result = run({'email': 'both@example.com', 'zoom_phone_extension': '1500', 'extension_number': '1501'})
    assert result['failed'] and 'extension_number and its old name zoom_phone_extension are both set' in result['msg']
    assert sim.calls() == []


def test_extension_auto_is_the_vocabulary_for_zoom_picks(run, sim):  # pylint: disable=redefined-outer-name
    result = run({'email': 'auto.ext@example.com', 'type': 'licensed', 'extension_number': 'auto'})
    assert not result.get('failed'), result.get('msg')
    user = sim.user('auto.ext@example.com')
    with sim.world.lock:
        assert sim.world.phone_users[user.id].extension_number  # Zoom picked one
    assert [call[:2] for call in sim.writes()] == [('POST', '/scim2/Users')]


def test_extension_is_checked_against_the_site_code_of_the_main_site(run_module, sim):  # pylint: disable=redefined-outer-name
    world = copy.deepcopy(SCIM_WORLD)
    world['phone']['sites'] = [{'name': 'Main Site', 'main': True, 'site_code': 7}]
    coded = Sim(world, handle=sim.handle)
    run = module_runner(run_module, zoom_scim_user.main, coded)  # pylint: disable=redefined-outer-name
    refused_before_write(run, coded, {'email': 'coded.ext@example.com', 'extension_number': '1042'}, 'site code 7')
    assert not run({'email': 'coded.ext@example.com', 'extension_number': '71042'}).get('failed')
