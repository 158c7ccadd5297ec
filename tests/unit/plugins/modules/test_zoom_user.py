# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_user against the in-process Zoom simulator: every branch as check mode -> apply -> rerun -> independent read.

``Sim`` / ``sim`` / ``WORLD`` are also used by test_zoom_scim_user.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import json
import re

import pytest

zoomsim_testing = pytest.importorskip('zoomsim.testing')

from ansible_collections.zoomops.provisioning.plugins.modules import zoom_user  # noqa: E402  pylint: disable=wrong-import-position

SECRET = 'csecret-Do-Not-Leak-7f3a9'
ACCOUNT = 'acct-units'

WORLD = {
    'account': {'id': ACCOUNT, 'owner_email': 'owner@example.com', 'associated_domains': ['example.com'],
                'managed_domains': ['managed.example']},
    'credentials': [{'client_id': 'cid-units', 'client_secret': SECRET}],
    'rate_limits': {'enabled': False},
    'users': [
        {'email': 'owner@example.com', 'role': 'owner', 'first_name': 'Olive', 'last_name': 'Owner'},
        {'email': 'admin@example.com', 'role': 'admin', 'first_name': 'Adam', 'last_name': 'Admin'},
        {'email': 'boss@example.com', 'first_name': 'Bo', 'last_name': 'Boss'},
        {'email': 'active@example.com', 'first_name': 'Ann', 'last_name': 'Active', 'type': 2, 'meetings': 3, 'recordings': 2,
         'whiteboards': 1, 'department': 'Sales', 'job_title': 'Engineer', 'cost_center': 'CC1', 'employee_number': '42',
         'organization': 'Org', 'manager': 'boss@example.com'},
        {'email': 'inactive@example.com', 'status': 'inactive', 'first_name': 'Ina', 'last_name': 'Active'},
        {'email': 'invited@example.com', 'status': 'pending', 'pending_reason': 'invited', 'login': 'email'},
        {'email': 'pend-domain@other.example', 'status': 'pending', 'pending_reason': 'domain_not_associated'},
        {'email': 'pend-sso@example.com', 'status': 'pending', 'pending_reason': 'existing_zoom_account'},
    ],
    'dead_invitations': [{'email': 'expired@example.com', 'state': 'expired'},
                         {'email': 'deleted@example.com', 'state': 'deleted'}],
    'external_accounts': [{'email': 'personal@example.com', 'kind': 'personal'},
                          {'email': 'pend-sso@example.com', 'kind': 'personal'},
                          {'email': 'corp@example.com', 'kind': 'other_business'}],
}


class Sim:
    """``zoomsim.testing.running_simulator`` plus what these tests need: env overrides, marks, call/write log,
    direct (independent) state reads, fault scripts, issued tokens."""

    def __init__(self, world):
        self._context = zoomsim_testing.running_simulator(copy.deepcopy(world))
        self.handle = self._context.__enter__()  # pylint: disable=unnecessary-dunder-call
        self._mark = 0

    @property
    def world(self):
        return self.handle.world

    @property
    def url(self):
        return self.handle.url

    def env(self, **override):
        env = self.handle.env()
        env.update(override)
        return dict((key, value) for key, value in env.items() if value is not None)

    def mark(self):
        self._mark = self.handle.mark()
        return self._mark

    def calls(self, writes_only=False):
        """Requests logged since the last mark (OAuth included unless writes_only)."""
        return [(entry['method'], entry['path'], entry['status'])
                for entry in self.handle.log(since=self._mark, writes_only=writes_only)]

    def writes(self):
        return [(entry['method'], entry['path'], entry['status']) for entry in self.handle.writes_since(self._mark)]

    def user(self, email):
        with self.world.lock:
            return self.world.user_by_email(email)

    def faults(self, *script):
        self.handle.set_faults({'script': list(script)})

    def tokens(self):
        with self.world.lock:
            return list(self.world.tokens)

    def stop(self):
        self._context.__exit__(None, None, None)


@pytest.fixture
def sim():
    server = Sim(WORLD)
    try:
        yield server
    finally:
        server.stop()


def assert_no_secret(sim, result):  # pylint: disable=redefined-outer-name
    text = json.dumps(result)
    assert SECRET not in text
    for token in sim.tokens():
        assert token not in text
    assert not re.search(r'Bearer\s+[A-Za-z0-9._-]{8,}', text)


@pytest.fixture
def run(run_module, sim):  # pylint: disable=redefined-outer-name
    """``run(args, check=False, diff=True)`` -> result of zoom_user against the simulator (secret-leak checked)."""

    def runner(args, check=False, diff=True, env=None):
        full = dict(args)
        full['_ansible_check_mode'] = check
        full['_ansible_diff'] = diff
        result = run_module(zoom_user.main, full, env=env if env is not None else sim.env())
        assert_no_secret(sim, result)
        return result

    return runner


def warnings_of(result):
    """Warning texts of a result (ansible-core 2.19 returns structured warning summaries in-process)."""
    texts = []
    for item in result.get('warnings') or []:
        if isinstance(item, dict):
            item = (item.get('event') or {}).get('msg') or item.get('msg') or json.dumps(item)
        texts.append(str(item))
    return texts


def converge(run, sim, args, expect_writes=None):  # pylint: disable=redefined-outer-name
    """check mode (no write) -> apply -> rerun (changed false, no write); returns (check, apply, rerun)."""
    sim.mark()
    check = run(args, check=True)
    assert not check.get('failed'), check.get('msg')
    assert sim.writes() == []
    sim.mark()
    applied = run(args)
    assert not applied.get('failed'), applied.get('msg')
    if expect_writes is not None:
        assert [(method, path) for method, path, _status in sim.writes()] == expect_writes
    for key in ('changed', 'actions', 'zoom_status', 'pending_reason'):
        assert check[key] == applied[key], key
    sim.mark()
    rerun = run(args)
    assert rerun['changed'] is False and rerun['actions'] == []
    assert sim.writes() == []
    return check, applied, rerun


# ------------------------------------------------------------------------------------------------ present

def test_create_active_user(run, sim):  # pylint: disable=redefined-outer-name
    args = {'email': 'New.User@example.com', 'first_name': 'New', 'last_name': 'User', 'type': 'licensed'}
    check, applied, rerun = converge(run, sim, args, [('POST', '/v2/users')])
    assert check['changed'] and check['actions'] == ['create'] and check['zoom_status'] == 'active'
    assert check['diff'] == {'before': {'zoom_status': 'absent'},
                             'after': {'first_name': 'New', 'last_name': 'User', 'type': 'licensed', 'zoom_status': 'active'}}
    assert applied['user']['id'] and applied['confirmed_after_uncertain'] is False
    assert rerun['zoom_status'] == 'active' and rerun['pending_reason'] is None
    user = sim.user('new.user@example.com')
    assert (user.status, user.type, user.first_name, user.login_types) == ('active', 2, 'New', [101])


def test_update_only_set_fields(run, sim):  # pylint: disable=redefined-outer-name
    args = {'email': 'ACTIVE@example.com', 'last_name': 'Changed', 'type': 'basic'}
    check, applied, _rerun = converge(run, sim, args, [('PATCH', '/v2/users/%s' % sim.user('active@example.com').id)])
    assert check['actions'] == ['update:last_name', 'update:type']
    assert applied['diff'] == {'before': {'last_name': 'Active', 'type': 'licensed', 'zoom_status': 'active'},
                               'after': {'last_name': 'Changed', 'type': 'basic', 'zoom_status': 'active'}}
    user = sim.user('active@example.com')
    assert (user.last_name, user.type, user.first_name, user.dept) == ('Changed', 1, 'Ann', 'Sales')


def test_deactivate_and_reactivate(run, sim):  # pylint: disable=redefined-outer-name
    check, _applied, _rerun = converge(run, sim, {'email': 'active@example.com', 'active': False, 'first_name': 'Anna'})
    assert check['actions'] == ['update:first_name', 'deactivate'] and check['zoom_status'] == 'inactive'
    assert sim.user('active@example.com').status == 'inactive'
    check, _applied, _rerun = converge(run, sim, {'email': 'inactive@example.com', 'active': True})
    assert check['actions'] == ['activate'] and sim.user('inactive@example.com').status == 'active'


def test_create_deactivated(run, sim):  # pylint: disable=redefined-outer-name
    check, _applied, _rerun = converge(run, sim, {'email': 'later@example.com', 'active': False})
    assert check['actions'] == ['create', 'deactivate'] and check['zoom_status'] == 'inactive'
    assert sim.user('later@example.com').status == 'inactive'


def test_sso_create_domain_not_associated_warns(run, sim):  # pylint: disable=redefined-outer-name
    args = {'email': 'someone@other.example', 'first_name': 'Some'}
    check, applied, rerun = converge(run, sim, args)
    assert check['zoom_status'] == applied['zoom_status'] == rerun['zoom_status'] == 'pending'
    assert check['pending_reason'] == rerun['pending_reason'] == 'domain_not_associated'
    assert 'Associated Domains' in applied['remedy'] and 'other.example' in applied['remedy']
    assert any('pending' in text for text in warnings_of(applied))
    assert sim.user('someone@other.example').pending_reason == 'domain_not_associated'


def test_sso_create_existing_zoom_account(run, sim):  # pylint: disable=redefined-outer-name
    sim.mark()
    check = run({'email': 'personal@example.com'}, check=True)
    assert (check['zoom_status'], check['pending_reason']) == ('pending', 'existing_zoom_account')
    assert sim.writes() == []
    applied = run({'email': 'personal@example.com'})
    assert (applied['changed'], applied['zoom_status'], applied['pending_reason']) == (True, 'pending', 'existing_zoom_account')
    assert 'consolidat' in applied['remedy']
    sim.mark()
    rerun = run({'email': 'personal@example.com'})
    assert rerun['changed'] is False and rerun['zoom_status'] == 'pending' and sim.writes() == []
    assert rerun['pending_reason'] in ('existing_zoom_account', 'unknown')


@pytest.mark.parametrize('email,reason', [('someone@other.example', 'domain_not_associated'),
                                          ('personal@example.com', 'existing_zoom_account')])
def test_on_pending_fail_refuses_before_creating(run, sim, email, reason):  # pylint: disable=redefined-outer-name
    for check in (True, False):
        sim.mark()
        result = run({'email': email, 'on_pending': 'fail'}, check=check)
        assert result['failed'] and result['pending_reason'] == reason and reason.split('_')[0] in result['msg']
        assert result['changed'] is False and sim.writes() == []
    assert sim.user(email) is None


def test_create_action_create_is_awaiting_confirmation(run, sim):  # pylint: disable=redefined-outer-name
    check, applied, rerun = converge(run, sim, {'email': 'guest@example.com', 'create_action': 'create', 'on_pending': 'fail'})
    assert check['pending_reason'] == rerun['pending_reason'] == 'awaiting_confirmation'
    assert not warnings_of(applied)


def test_existing_pending_reports_and_ignores_updates(run, sim):  # pylint: disable=redefined-outer-name
    sim.mark()
    result = run({'email': 'pend-domain@other.example', 'first_name': 'X'})
    assert (result['changed'], result['zoom_status'], result['pending_reason']) == (False, 'pending', 'domain_not_associated')
    assert any('not compared' in text for text in warnings_of(result))
    invited = run({'email': 'invited@example.com', 'on_pending': 'fail'})
    assert not invited.get('failed') and invited['pending_reason'] == 'awaiting_confirmation'
    failed = run({'email': 'pend-sso@example.com', 'on_pending': 'fail'})
    assert failed['failed'] and failed['zoom_status'] == 'pending' and failed['remedy']
    assert sim.writes() == []


def test_stuck_invitation_is_recreated(run, sim):  # pylint: disable=redefined-outer-name
    check, applied, _rerun = converge(run, sim, {'email': 'expired@example.com', 'first_name': 'Back'})
    assert check['actions'] == ['create'] and applied['zoom_status'] == 'active'
    assert any('expired invitation' in text for text in warnings_of(applied))
    with sim.world.lock:
        assert 'expired@example.com' not in sim.world.dead_invitations


def test_other_business_account_fails_clearly(run, sim):  # pylint: disable=redefined-outer-name
    result = run({'email': 'corp@example.com'})
    assert result['failed'] and result['code'] == 1009 and 'another Zoom account' in result['msg']
    sim.mark()
    refused = run({'email': 'corp@example.com', 'create_action': 'autoCreate'})
    assert refused['failed'] and 'code 1009' in refused['msg'] and sim.writes() == []


# ------------------------------------------------------------------------------------------------ absent

def test_absent_disassociates_by_default(run, sim):  # pylint: disable=redefined-outer-name
    check, applied, rerun = converge(run, sim, {'email': 'active@example.com', 'state': 'absent'})
    assert check['actions'] == ['remove:disassociate'] and applied['zoom_status'] == rerun['zoom_status'] == 'absent'
    assert sim.user('active@example.com') is None
    assert sim.world.deleted_log[-1]['action'] == 'disassociate'


def test_absent_delete_needs_transfer_or_opt_in(run, sim):  # pylint: disable=redefined-outer-name
    sim.mark()
    refused = run({'email': 'active@example.com', 'state': 'absent', 'removal_action': 'delete'})
    assert refused['failed'] and 'transfer_to' in refused['msg'] and 'allow_data_loss' in refused['msg']
    assert sim.calls(writes_only=True) == []
    _check, applied, _rerun = converge(run, sim, {'email': 'active@example.com', 'state': 'absent', 'removal_action': 'delete',
                                                  'transfer_to': 'boss@example.com', 'transfer': ['meetings', 'recordings']})
    assert applied['actions'] == ['remove:delete']
    entry = sim.world.deleted_log[-1]
    assert entry['action'] == 'delete' and entry['transfer_email'] == 'boss@example.com'
    assert entry['transferred'] == {'meetings': 3, 'recordings': 2}
    assert sim.user('boss@example.com').meetings == 3


def test_absent_delete_with_data_loss_opt_in(run, sim):  # pylint: disable=redefined-outer-name
    converge(run, sim, {'email': 'inactive@example.com', 'state': 'absent', 'removal_action': 'delete', 'allow_data_loss': True})
    assert sim.world.deleted_log[-1]['action'] == 'delete'


def test_absent_transfer_target_must_be_active(run, sim):  # pylint: disable=redefined-outer-name
    sim.mark()
    result = run({'email': 'active@example.com', 'state': 'absent', 'removal_action': 'delete', 'transfer_to': 'nobody@example.com'})
    assert result['failed'] and 'not an active user' in result['msg'] and sim.writes() == []


def test_absent_refuses_owner_and_admin(run, sim):  # pylint: disable=redefined-outer-name
    sim.mark()
    for email in ('owner@example.com', 'admin@example.com'):
        result = run({'email': email, 'state': 'absent'})
        assert result['failed'] and 'force=true' in result['msg'] and result['problems']
    assert sim.writes() == []
    forced = run({'email': 'admin@example.com', 'state': 'absent', 'force': True, 'removal_action': 'delete',
                  'transfer_to': 'boss@example.com'})
    assert forced['changed'] and sim.user('admin@example.com') is None


def test_absent_withdraws_pending(run, sim):  # pylint: disable=redefined-outer-name
    check, _applied, rerun = converge(run, sim, {'email': 'invited@example.com', 'state': 'absent'},
                                      [('DELETE', '/v2/users/invited@example.com')])
    assert check['actions'] == ['remove:withdraw'] and rerun['zoom_status'] == 'absent'
    with sim.world.lock:
        assert sim.world.dead_invitations['invited@example.com'].state == 'deleted'


def test_absent_dead_invitation_warns(run, sim):  # pylint: disable=redefined-outer-name
    sim.mark()
    result = run({'email': 'expired@example.com', 'state': 'absent'})
    assert result['changed'] is False and result['zoom_status'] == 'stuck_invitation'
    assert any('dead' in text for text in warnings_of(result)) and result['remedy']
    assert run({'email': 'nobody@example.com', 'state': 'absent'})['changed'] is False
    assert sim.writes() == []


# ------------------------------------------------------------------------------------------------ bad input

@pytest.mark.parametrize('args,field', [
    ({'email': 'not-an-email'}, 'email'),
    ({'email': 'a..b@example.com'}, 'email'),
    ({'email': 'a@example.com', 'first_name': ''}, 'first_name'),
    ({'email': 'a@example.com', 'last_name': '   '}, 'last_name'),
    ({'email': 'a@example.com', 'display_name': 'x' * 129}, 'display_name'),
    ({'email': 'a@example.com', 'state': 'absent', 'transfer_to': 'A@example.com'}, 'transfer_to'),
    ({'email': 'a@example.com', 'state': 'absent', 'transfer_to': 'bad'}, 'transfer_to'),
    ({'email': 'a@example.com', 'transfer': ['meetings']}, 'transfer_to'),
    ({'email': 'a@example.com', 'type': 'gold'}, 'type'),
    ({'email': 'a@example.com', 'create_action': 'magic'}, 'create_action'),
    ({'email': 'a@example.com', 'on_pending': 'ignore'}, 'on_pending'),
    ({'email': 'a@example.com', 'colour': 'blue'}, 'colour'),
])
def test_bad_input_is_caught_before_any_call(run, sim, args, field):  # pylint: disable=redefined-outer-name
    sim.mark()
    result = run(args)
    assert result['failed'] and field in result['msg']
    assert sim.calls() == [] and sim.tokens() == []


def test_missing_credentials(run, sim):  # pylint: disable=redefined-outer-name
    result = run({'email': 'a@example.com'}, env=sim.env(ZOOM_CLIENT_SECRET=None, ZOOM_ACCOUNT_ID=None))
    assert result['failed'] and 'client_secret' in result['msg'] and 'ZOOM_ACCOUNT_ID' in result['msg']


def test_wrong_credentials(run, sim):  # pylint: disable=redefined-outer-name
    result = run({'email': 'a@example.com'}, env=sim.env(ZOOM_CLIENT_SECRET='wrong-secret-123'))
    assert result['failed'] and 'wrong-secret-123' not in json.dumps(result)


def test_wrong_api_url(run, sim):  # pylint: disable=redefined-outer-name
    result = run({'email': 'a@example.com'}, env=sim.env(ZOOM_API_URL=sim.url + '/zoom'))
    assert result['failed'] and 'api_url' in result['msg']


# ------------------------------------------------------------------------------------------------ faults

def test_lost_create_answer_is_confirmed(run, sim):  # pylint: disable=redefined-outer-name
    sim.faults({'match': {'method': 'POST', 'path': '/v2/users'}, 'fault': 'lost_response'})
    sim.mark()
    result = run({'email': 'lost@example.com', 'first_name': 'Lost'})
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] and result['confirmed_after_uncertain'] is True and result['zoom_status'] == 'active'
    assert [call for call in sim.writes() if call[0] == 'POST'] == [('POST', '/v2/users', 201)]
    with sim.world.lock:
        assert sum(1 for user in sim.world.users.values() if user.email == 'lost@example.com') == 1
    assert run({'email': 'lost@example.com', 'first_name': 'Lost'})['changed'] is False


def test_create_that_did_not_land_is_not_resent(run, sim):  # pylint: disable=redefined-outer-name
    sim.faults({'match': {'method': 'POST', 'path': '/v2/users'}, 'fault': 'http_502'})
    sim.mark()
    result = run({'email': 'never@example.com'})
    assert result['failed'] and 'did not land' in result['msg']
    assert [call[:2] for call in sim.writes()] == [('POST', '/v2/users')]
    assert sim.user('never@example.com') is None


def test_retries_5xx_429_and_expired_token(run, sim):  # pylint: disable=redefined-outer-name
    sim.faults({'match': {'method': 'GET', 'path': '/v2/users/*'}, 'fault': 'http_503', 'times': 2},
               {'match': {'method': 'GET', 'path': '/v2/accounts/*'}, 'fault': 'http_429', 'times': 2},
               {'match': {'method': 'POST', 'path': '/v2/users'}, 'fault': 'expire_tokens'})
    result = run({'email': 'storm@example.com'})
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] and result['zoom_status'] == 'active'
    assert len(sim.tokens()) == 2


def test_verbose_output_has_no_secret(run_module, sim):  # pylint: disable=redefined-outer-name
    args = {'email': 'verbose@example.com', '_ansible_verbosity': 4, '_ansible_diff': True}
    result = run_module(zoom_user.main, args, env=sim.env())
    assert result['zoom_request_log'] and result['changed']
    assert_no_secret(sim, result)
    assert SECRET not in result['_stdout']
