# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_user against the in-process Zoom simulator: every branch as check mode -> apply -> rerun -> independent read.

The tests share one simulator per file (the ``zoomsim_module`` fixture of the zoomsim pytest plugin) and ``Sim`` serves
their world on it afresh for each test. ``Sim`` / ``sim`` / ``WORLD`` are also used by test_zoom_scim_user.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import dataclasses
import json
import re
import time

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
        {'email': 'contractor@partner.example', 'first_name': 'Con', 'last_name': 'Tractor', 'meetings': 2},
        {'email': 'm.user@managed.example', 'first_name': 'Man', 'last_name': 'Aged', 'meetings': 1},
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

    def __init__(self, world, handle=None, **switches):
        """Start a simulator serving ``world``, or serve ``world`` afresh on the running ``handle`` (stop() leaves it)."""
        from zoomsim.model import Behaviour  # pylint: disable=import-outside-toplevel

        known = set(field.name for field in dataclasses.fields(Behaviour))
        missing = sorted(name for name in switches if name not in known)
        if missing:  # the simulator of this checkout predates the switch
            pytest.skip('the simulator has no switch %s' % ', '.join(missing))
        self._context = None
        if handle is None:
            self._context = zoomsim_testing.running_simulator(copy.deepcopy(world), **switches)
            handle = self._context.__enter__()  # pylint: disable=unnecessary-dunder-call
        else:
            handle.load(zoomsim_testing.world_with(copy.deepcopy(world), **switches))
        self.handle = handle
        self._mark = handle.mark()

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

    def fired(self):
        """The faults injected since the last mark."""
        return [entry['fault'] for entry in self.handle.log(since=self._mark) if entry.get('fault')]

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
        if self._context is not None:
            self._context.__exit__(None, None, None)


def follow_sim_clock(monkeypatch, handle):
    """Freeze the simulator's clock and let ``time.sleep`` move it: Retry-After and per-user locks cost no real time."""
    handle.freeze_clock()
    monkeypatch.setattr(time, 'sleep', lambda seconds: handle.world.clock.advance(max(0.0, seconds)))


@pytest.fixture
def sim(zoomsim_module, monkeypatch):
    """WORLD served afresh on the one simulator per file: as clean as a new simulator per test, and faster."""
    server = Sim(WORLD, handle=zoomsim_module)
    follow_sim_clock(monkeypatch, zoomsim_module)
    return server


def assert_no_secret(sim, result):  # pylint: disable=redefined-outer-name
    text = json.dumps(result)
    assert SECRET not in text
    for token in sim.tokens():
        assert token not in text
    assert not re.search(r'Bearer\s+[A-Za-z0-9._-]{8,}', text)


def module_runner(run_module, main, sim):  # pylint: disable=redefined-outer-name
    """``runner(args, check=False, diff=True, env=None)`` -> result of ``main`` against ``sim`` (secret-leak checked)."""

    def runner(args, check=False, diff=True, env=None):
        full = dict(args)
        full['_ansible_check_mode'] = check
        full['_ansible_diff'] = diff
        result = run_module(main, full, env=env if env is not None else sim.env())
        assert_no_secret(sim, result)
        return result

    return runner


@pytest.fixture
def run(run_module, sim):  # pylint: disable=redefined-outer-name
    """``run(args, check=False, diff=True)`` -> result of zoom_user against the simulator (secret-leak checked)."""
    return module_runner(run_module, zoom_user.main, sim)


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


# issue #10 item 2: the three plausible answers of GET /v2/users/{email} for an email outside the account
LOOKUP_SETTINGS = [{}, {'external_email_lookup_code': 1001}, {'unknown_email_lookup_code': 1010}]


@pytest.fixture(params=LOOKUP_SETTINGS, ids=['1010-personal', '1001-personal', '1010-every-email'])
def lookup_sim(request, zoomsim_module, monkeypatch):
    server = Sim(WORLD, handle=zoomsim_module, **request.param)
    follow_sim_clock(monkeypatch, zoomsim_module)
    return server


@pytest.fixture
def lookup_run(run_module, lookup_sim):  # pylint: disable=redefined-outer-name
    def runner(args, check=False):
        return run_module(zoom_user.main, dict(args, _ansible_check_mode=check, _ansible_diff=True), env=lookup_sim.env())
    return runner


def test_personal_account_diagnosed_on_create_and_every_rerun(lookup_run, lookup_sim):  # pylint: disable=redefined-outer-name
    lookup_sim.mark()
    check = lookup_run({'email': 'personal@example.com'}, check=True)
    # the personal account cannot be seen before the create: check mode predicts an ordinary create
    assert (check['changed'], check['zoom_status'], check['pending_reason']) == (True, 'active', None)
    assert lookup_sim.writes() == []
    applied = lookup_run({'email': 'personal@example.com'})
    assert (applied['changed'], applied['zoom_status'], applied['pending_reason']) == (True, 'pending', 'existing_zoom_account')
    assert 'consolidat' in applied['remedy'] and 'state=absent' not in applied['remedy']
    assert any('associated domain' in line for line in applied['pending_evidence'])
    assert any('pending' in text for text in warnings_of(applied))
    for _rerun in range(2):
        lookup_sim.mark()
        rerun = lookup_run({'email': 'personal@example.com'})
        assert (rerun['changed'], rerun['zoom_status'], rerun['pending_reason']) == (False, 'pending', 'existing_zoom_account')
        assert rerun['pending_evidence'] and lookup_sim.writes() == []


def test_check_mode_never_predicts_pending_for_a_new_user(lookup_run, lookup_sim):  # pylint: disable=redefined-outer-name
    lookup_sim.mark()
    for email in ('brand.new@example.com', 'personal@example.com'):
        check = lookup_run({'email': email, 'on_pending': 'fail'}, check=True)
        assert not check.get('failed') and (check['zoom_status'], check['pending_reason']) == ('active', None)
    predicted = lookup_run({'email': 'x@other.example'}, check=True)
    assert (predicted['zoom_status'], predicted['pending_reason']) == ('pending', 'domain_not_associated')
    assert lookup_sim.writes() == []
    created = lookup_run({'email': 'brand.new@example.com'})
    assert (created['zoom_status'], created['pending_reason']) == ('active', None)


def test_on_pending_fail_refuses_before_creating_when_predictable(run, sim):  # pylint: disable=redefined-outer-name
    for check in (True, False):
        sim.mark()
        result = run({'email': 'someone@other.example', 'on_pending': 'fail'}, check=check)
        assert result['failed'] and result['pending_reason'] == 'domain_not_associated' and 'domain' in result['msg']
        assert result['changed'] is False and sim.writes() == []
    assert sim.user('someone@other.example') is None


def test_on_pending_fail_after_create_says_it_was_created(run):  # pylint: disable=redefined-outer-name
    result = run({'email': 'personal@example.com', 'on_pending': 'fail'})
    assert result['failed'] and result['changed'] is True and 'was created but' in result['msg']
    assert result['pending_reason'] == 'existing_zoom_account' and result['pending_evidence']


def test_on_pending_warn_is_a_deprecated_keep(run):  # pylint: disable=redefined-outer-name
    result = run({'email': 'pend-sso@example.com', 'on_pending': 'warn'})
    assert not result.get('failed') and result['zoom_status'] == 'pending'
    assert any('on_pending=warn is deprecated' in json.dumps(item) for item in result.get('deprecations') or [])


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


@pytest.mark.parametrize('action', ['ssoCreate', 'autoCreate'])
def test_other_business_account_fails_clearly(run, sim, action):  # pylint: disable=redefined-outer-name
    result = run({'email': 'corp@example.com', 'create_action': action})
    assert result['failed'] and result['code'] == 1009 and 'own Zoom account' in result['msg']
    assert result['changed'] is False and result['created'] is False and 'nothing was created' in result['msg']
    assert sim.user('corp@example.com') is None


# ------------------------------------------------------------------------------------------------ absent

def test_absent_disassociates_by_default(run, sim):  # pylint: disable=redefined-outer-name
    check, applied, rerun = converge(run, sim, {'email': 'contractor@partner.example', 'state': 'absent'})
    assert check['actions'] == ['remove:disassociate'] and applied['zoom_status'] == rerun['zoom_status'] == 'absent'
    assert sim.user('contractor@partner.example') is None
    assert sim.world.deleted_log[-1]['action'] == 'disassociate'


def assert_managed_domain_refusal(result, email):
    assert result['failed'] and result['changed'] is False and result['actions'] == []
    for words in ('code 1107', 'deactivate', 'removal_action=delete', 'transfer_to', 'allow_data_loss',
                  'state=present and active=false', 'Nothing was removed'):
        assert words in result['msg'], words
    assert email in result['msg'] and result['problems']


@pytest.mark.parametrize('blocks', [True, False], ids=['sim-1107-on', 'sim-1107-off'])
@pytest.mark.parametrize('email', ['active@example.com', 'm.user@managed.example'])
def test_absent_on_managed_domain_is_refused_before_any_write(run_module, zoomsim_module, email, blocks):
    """1107 predicted from the account's domains (associated or managed), in check mode too, whatever the switch."""
    server = Sim(WORLD, handle=zoomsim_module, managed_domain_blocks_disassociate=blocks)
    for check in (True, False):
        server.mark()
        result = run_module(zoom_user.main, {'email': email, 'state': 'absent', '_ansible_check_mode': check},
                            env=server.env())
        assert_managed_domain_refusal(result, email)
        assert server.writes() == []
    assert server.user(email).status == 'active'


def test_absent_1107_at_apply_time_gets_the_same_answer(run_module, zoomsim_module):
    """When Zoom will not list the account's domains (free plan here), Zoom's own 1107 gets the same message."""
    world = copy.deepcopy(WORLD)
    world['account']['plan'] = 'free'
    server = Sim(world, handle=zoomsim_module)
    check = run_module(zoom_user.main, {'email': 'active@example.com', 'state': 'absent', '_ansible_check_mode': True},
                       env=server.env())
    assert check['changed'] and check['actions'] == ['remove:disassociate'] and server.writes() == []
    result = run_module(zoom_user.main, {'email': 'active@example.com', 'state': 'absent'}, env=server.env())
    assert_managed_domain_refusal(result, 'active@example.com')
    assert 'Zoom API call' not in result['msg'] and 'exception' not in result
    assert [(method, status) for method, _path, status in server.writes()] == [('DELETE', 400)]
    assert server.user('active@example.com').status == 'active'


def test_managed_domain_user_can_be_deactivated_or_deleted(run, sim):  # pylint: disable=redefined-outer-name
    check, _applied, _rerun = converge(run, sim, {'email': 'm.user@managed.example', 'active': False})
    assert check['actions'] == ['deactivate'] and sim.user('m.user@managed.example').status == 'inactive'
    args = {'email': 'm.user@managed.example', 'state': 'absent', 'removal_action': 'delete', 'transfer_to': 'boss@example.com'}
    check, _applied, _rerun = converge(run, sim, args)
    assert check['actions'] == ['remove:delete'] and sim.user('m.user@managed.example') is None
    assert sim.world.deleted_log[-1]['transferred']['meetings'] == 1


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


@pytest.mark.parametrize('target', ['nobody@example.com', 'inactive@example.com', 'personal@example.com'])
def test_absent_transfer_target_must_be_active(run, sim, target):  # pylint: disable=redefined-outer-name
    for check in (True, False):
        sim.mark()
        result = run({'email': 'active@example.com', 'state': 'absent', 'removal_action': 'delete', 'transfer_to': target},
                     check=check)
        assert result['failed'] and 'transfer_to=%s is not an active user' % target in result['msg']
        assert result['changed'] is False and sim.writes() == []


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
    ({'email': '..'}, 'email'),
    ({'email': 'a@b.com/../../phone?x=1'}, 'email'),
    ({'email': 'a@example.com', 'timezone': 'Mars/Olympus_Mons'}, 'timezone'),
    ({'email': 'a@example.com', 'language': 'xx-KLINGON'}, 'language'),
    ({'email': 'a@example.com', 'department': 'x' * 129}, 'department'),
    ({'email': 'a@example.com', 'state': 'absent', 'transfer_to': 'b@example.com/x'}, 'transfer_to'),
])
def test_bad_input_is_caught_before_any_call(run, sim, args, field):  # pylint: disable=redefined-outer-name
    sim.mark()
    result = run(args)
    assert result['failed'] and field in result['msg']
    assert sim.calls() == [] and sim.tokens() == []


def test_every_input_problem_at_once(run, sim):  # pylint: disable=redefined-outer-name
    sim.mark()
    result = run({'email': 'a@b.com/../x', 'first_name': '', 'timezone': 'Mars/Olympus_Mons', 'language': 'xx',
                  'transfer_to': 'A@B.COM/../x'})
    assert result['failed'] and '5 problems' in result['msg'] and 'nothing was sent to Zoom' in result['msg']
    for field in ('email=', 'first_name', 'timezone=', 'language=', 'transfer_to='):
        assert field in result['msg'], field
    assert 'Traceback' not in result['msg'] and sim.calls() == []


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


def test_create_that_never_lands_fails_saying_nothing_was_created(run, sim):  # pylint: disable=redefined-outer-name
    sim.faults({'match': {'method': 'POST', 'path': '/v2/users'}, 'fault': 'http_502', 'times': 3})
    sim.mark()
    result = run({'email': 'never@example.com'})
    assert result['failed'] and result['changed'] is False and result['created'] is False
    assert 'nothing was created' in result['msg'] and '3 times' in result['msg']
    assert [call[:2] for call in sim.writes()] == [('POST', '/v2/users')] * 3
    assert sim.user('never@example.com') is None


FAULTS = ('http_429', 'http_500', 'http_502', 'http_503', 'drop', 'lost_response', 'revoke_tokens')
# every write zoom_user sends: (task, the write's method and path pattern, check of the end state)
WRITES = [
    ('create', {'email': 'f.new@example.com', 'first_name': 'F', 'department': 'Ops', 'active': False}, 'POST', '/v2/users',
     lambda sim: sim.user('f.new@example.com').status == 'inactive' and sim.user('f.new@example.com').dept == 'Ops'),
    ('create-patch', {'email': 'f.new@example.com', 'first_name': 'F', 'department': 'Ops', 'active': False},
     'PATCH', '/v2/users/*', lambda sim: sim.user('f.new@example.com').dept == 'Ops'),
    ('create-deactivate', {'email': 'f.new@example.com', 'department': 'Ops', 'active': False}, 'PUT', '/v2/users/*/status',
     lambda sim: sim.user('f.new@example.com').status == 'inactive'),
    ('update', {'email': 'active@example.com', 'last_name': 'Changed', 'timezone': 'Europe/Berlin'}, 'PATCH', '/v2/users/*',
     lambda sim: (sim.user('active@example.com').last_name, sim.user('active@example.com').timezone) == ('Changed', 'Europe/Berlin')),
    ('activate', {'email': 'inactive@example.com', 'active': True}, 'PUT', '/v2/users/*/status',
     lambda sim: sim.user('inactive@example.com').status == 'active'),
    ('disassociate', {'email': 'contractor@partner.example', 'state': 'absent'}, 'DELETE', '/v2/users/*',
     lambda sim: sim.user('contractor@partner.example') is None),
    ('delete', {'email': 'active@example.com', 'state': 'absent', 'removal_action': 'delete', 'transfer_to': 'boss@example.com'},
     'DELETE', '/v2/users/*', lambda sim: sim.user('active@example.com') is None and sim.user('boss@example.com').meetings == 3),
    ('withdraw', {'email': 'invited@example.com', 'state': 'absent'}, 'DELETE', '/v2/users/*',
     lambda sim: sim.user('invited@example.com') is None),
]


@pytest.mark.parametrize('fault', FAULTS)
@pytest.mark.parametrize('name,args,method,path,done', WRITES, ids=[item[0] for item in WRITES])
# pylint: disable-next=redefined-outer-name,too-many-arguments
def test_single_fault_on_every_write_converges_in_the_same_run(run, sim, name, args, method, path, done, fault):
    del name
    assert_fault_converges(run, sim, args, (method, path, done), fault)


def assert_fault_converges(run, sim, args, write, fault):  # pylint: disable=redefined-outer-name
    """One ``fault`` on ``write`` (method, path, done(sim)): the run converges, nothing doubled, the rerun is a no-op."""
    method, path, done = write
    sim.faults({'match': {'method': method, 'path': path}, 'fault': fault})
    sim.mark()
    result = run(args)
    assert sim.fired() == [fault]
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is True and done(sim)
    with sim.world.lock:
        assert sum(1 for user in sim.world.users.values() if user.email == args['email']) <= 1
        assert sum(1 for entry in sim.world.deleted_log if entry['email'] == args['email']) <= 1
    assert len([call for call in sim.writes() if call[0] == 'POST' and call[2] == 201]) <= 1
    sim.mark()
    rerun = run(args)
    assert rerun['changed'] is False and sim.writes() == []


@pytest.fixture(name='switched')
def switched_runner(run_module, zoomsim_module, monkeypatch):
    """``switched(world, args, **switches)``: run zoom_user once against ``world`` with ``switches``; returns (result, writes, sim)."""

    def runner(world, args, **switches):
        server = Sim(world, handle=zoomsim_module, **switches)
        follow_sim_clock(monkeypatch, zoomsim_module)
        result = run_module(zoom_user.main, dict(args, _ansible_diff=True), env=server.env())
        return result, server.writes(), server

    return runner


def test_per_user_lock_after_create_is_waited_out(switched):
    args = {'email': 'locked@example.com', 'department': 'Ops', 'job_title': 'Lead', 'active': False}
    result, writes, server = switched(WORLD, args, user_create_lock_seconds=1.0)
    assert not result.get('failed'), result.get('msg')
    assert result['actions'] == ['create', 'update:department', 'update:job_title', 'deactivate']
    assert [(method, status) for method, _path, status in writes if status < 300] == [
        ('POST', 201), ('PATCH', 204), ('PUT', server.world.behaviour.user_status_success_code)]


@pytest.mark.parametrize('mode', ['once', 'once_removed'])
def test_concurrent_removal_429_is_retried(switched, mode):
    result, _writes, server = switched(WORLD, {'email': 'contractor@partner.example', 'state': 'absent'},
                                       removal_concurrent_429=mode)
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] and result['zoom_status'] == 'absent' and server.user('contractor@partner.example') is None


@pytest.mark.parametrize('seat_error,code', [('specific', 2034), ('3412', 3412)])
def test_no_free_licence_fails_at_create_with_nothing_created(switched, seat_error, code):
    world = copy.deepcopy(WORLD)
    world['account']['paid_seats'] = 1
    result, writes, server = switched(world, {'email': 'pro@example.com', 'type': 'licensed', 'department': 'X'},
                                      seat_limit_error=seat_error)
    assert result['failed'] and result['code'] == code and result['changed'] is False and result['created'] is False
    assert 'as a licensed user' in result['msg'] and 'nothing was created' in result['msg']
    assert [(method, status) for method, _path, status in writes] == [('POST', 400)]
    assert server.user('pro@example.com') is None


def test_missing_scope_names_the_scope_and_where_to_add_it(switched):
    scopes = ['user:read:user:admin', 'account:read:admin', 'user:read:list_users:admin']
    result, writes, _server = switched(WORLD, {'email': 'scoped@example.com'}, app_scopes=scopes)
    assert result['failed'] and result['code'] == 4711 and result['changed'] is False
    assert 'user:write:user:admin' in result['msg'] and 'Server-to-Server OAuth app' in result['msg']
    assert 'Nothing was created' in result['msg'] or 'nothing was created' in result['msg']
    assert [status for _method, _path, status in writes] == [400]


def test_rest_api_disabled_is_explained(switched):
    result, writes, _server = switched(WORLD, {'email': 'a@example.com'}, rest_api_disabled=True)
    assert result['failed'] and result['status'] == 403 and 'REST API has been denied' in result['msg']
    assert writes == [] and 'Traceback' not in result['msg']


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


def test_check_mode_predicts_the_follow_up_patch_exactly(run, sim):  # pylint: disable=redefined-outer-name
    """Fields POST /users does not take are PATCHed right after the create, even when Zoom's default matches."""
    args = {'email': 'lang@example.com', 'language': 'en-US', 'timezone': 'Europe/Berlin', 'job_title': 'Dev'}
    check, applied, _rerun = converge(run, sim, args)
    assert check['actions'] == applied['actions'] == ['create', 'update:job_title', 'update:timezone', 'update:language']
    user = sim.user('lang@example.com')
    assert (user.language, user.timezone, user.job_title) == ('en-US', 'Europe/Berlin', 'Dev')
