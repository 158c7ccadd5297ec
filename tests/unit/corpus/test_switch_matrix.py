# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The switch matrix (issue #10 item 3): the modules are right under every plausible form of each inferred
Zoom behaviour, not only under the simulator's defaults.

zoomsim.testing.PLAUSIBLE_SETTINGS lists, per behaviour switch, every value Zoom might plausibly show.
Every scenario below runs in the corpus world and under each other value of each switch, one switch
changed at a time (one test per setting; its failure lists every scenario that broke): ordinary SSO create
+ rerun, the personal-account pending user + rerun, check mode of a new user, the README's two-task
onboarding in check mode, offboarding a managed-domain user through zoom_user and zoom_user_sync, phone
setup + rerun, a sync create with phone + rerun, and an export. The modules' sleeps move the simulator's
clock instead of waiting (fixture sim_time): a lock that expires or a phone user that appears later costs
no real time.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import time

import pytest

from ansible_collections.zoomops.provisioning.tests.unit.corpus.conftest import (  # pylint: disable=import-error
    corpus_world, has_traceback, result_text)

zoomsim_testing = pytest.importorskip('zoomsim.testing')

PLAN_200 = 'US/CA Unlimited Calling Plan'
CHOICE_WORDS = ('deactivate', 'removal_action', 'transfer_to')
# Switches that only show when Zoom throttles: their variants also get one scripted 429 (the second API call).
THROTTLE_SWITCHES = ('ratelimit_reset_format', 'qps_retry_after')
LONGEST_SANE_WAIT = 60  # seconds: a module asking to sleep longer misread a Reset or Retry-After header


def settings():
    """(id, behaviour overrides, faults) per run: the corpus world, then each other plausible value of each switch."""
    base = corpus_world()['behaviour']
    runs = [pytest.param({}, id='defaults')]
    for switch, values in sorted(zoomsim_testing.PLAUSIBLE_SETTINGS.items()):
        current = base.get(switch, values[0])
        for value in values:
            if value != current:
                runs.append(pytest.param({switch: value}, id='%s=%s' % (switch, value)))
    return runs


def world_for(overrides):
    world = zoomsim_testing.world_with(corpus_world(), **overrides)  # world_with refuses an unknown switch
    if set(overrides) & set(THROTTLE_SWITCHES):
        world['faults'] = {'seed': 1, 'script': [{'match': {'path': '/v2/*'}, 'after': 1, 'times': 1, 'fault': 'http_429'}]}
        # An epoch Reset header means something only on the caller's clock: start the world's clock at the real
        # time, a little ahead, so that a loaded machine cannot make the header name a moment already past.
        world['clock'] = {'start': int(time.time()) + 2}
    return world


def assert_ok(result, what):
    assert not has_traceback(result), '%s: traceback %s' % (what, (result.get('exception') or '')[-800:])
    assert not result.get('failed'), '%s failed: %s' % (what, result_text(result))


def run_and_rerun(sim, run, module, args):
    """Apply then rerun: the rerun changes nothing and writes nothing. Returns (applied, rerun)."""
    applied = run(module, args)
    assert_ok(applied, 'apply')
    assert applied.get('changed') is True, 'apply did not change anything'
    seq = sim.mark()
    rerun = run(module, args)
    assert_ok(rerun, 'rerun')
    writes = sim.writes(since=seq)
    assert rerun.get('changed') is False and not writes, 'rerun not idempotent: changed=%s writes=%s' % (
        rerun.get('changed'), [(w['method'], w['path']) for w in writes])
    return applied, rerun


# ------------------------------------------------------------------------------------------- scenarios

def sso_create_and_rerun(sim, run):
    """An ordinary new SSO user on an associated domain: check mode predicts active, the create is active, the rerun is a no-op."""
    args = {'email': 'matrix.new@example.com', 'first_name': 'Max', 'last_name': 'Matrix'}
    seq = sim.mark()
    check = run('zoom_user', args, check=True)
    assert_ok(check, 'check mode')
    assert not sim.writes(since=seq), 'check mode wrote'
    assert check.get('zoom_status') != 'pending' and not check.get('pending_reason'), 'check mode predicts pending: %s' % check
    applied, _rerun = run_and_rerun(sim, run, 'zoom_user', args)
    assert applied.get('zoom_status') == 'active', applied.get('zoom_status')
    assert sim.user('matrix.new@example.com')['status'] == 'active'


def personal_account_pending(sim, run):
    """ssoCreate for an email that owns a personal Zoom account: pending, existing_zoom_account, on both runs."""
    args = {'email': 'personal.signup@example.com', 'first_name': 'Pers', 'last_name': 'Onal'}
    applied = run('zoom_user', args)
    assert_ok(applied, 'create')
    assert applied.get('zoom_status') == 'pending' and applied.get('pending_reason') == 'existing_zoom_account', (
        applied.get('zoom_status'), applied.get('pending_reason'), result_text(applied))
    seq = sim.mark()
    rerun = run('zoom_user', args)
    assert_ok(rerun, 'rerun')
    assert rerun.get('pending_reason') == 'existing_zoom_account', (rerun.get('pending_reason'), result_text(rerun))
    assert rerun.get('changed') is False and not sim.writes(since=seq)


def check_mode_new_users_not_pending(sim, run):
    """Check mode never predicts pending for ordinary new users (per-user module and sync), whatever a lookup answers."""
    seq = sim.mark()
    check = run('zoom_user', {'email': 'ordinary.person@example.org'}, check=True)
    assert_ok(check, 'zoom_user check mode')
    assert check.get('zoom_status') != 'pending' and not check.get('pending_reason'), check
    synced = run('zoom_user_sync', {'users': [{'email': 'ordinary.one@example.com'}, {'email': 'ordinary.two@example.org'}],
                                    'scope': {'emails': ['ordinary.one@example.com', 'ordinary.two@example.org']}}, check=True)
    assert_ok(synced, 'zoom_user_sync check mode')
    pending = set(entry['email'] for entry in synced.get('pending') or [])
    pending.update(entry['email'] for entry in (synced.get('plan') or {}).get('users', []) if entry.get('status') == 'pending')
    assert not pending, 'check mode predicts pending for ordinary new users: %s' % sorted(pending)
    assert not sim.writes(since=seq), 'check mode wrote'


def check_mode_onboarding_two_tasks(sim, run):
    """The README's onboarding in check mode: zoom_user then zoom_phone_user for a new person both plan, write nothing."""
    seq = sim.mark()
    user = run('zoom_user', {'email': 'matrix.onboard@example.com', 'first_name': 'On', 'last_name': 'Board'}, check=True)
    assert_ok(user, 'zoom_user check mode')
    phone = run('zoom_phone_user', {'email': 'matrix.onboard@example.com', 'extension_number': '1540', 'calling_plans': [PLAN_200],
                                    'phone_numbers': ['+14155550124']}, check=True)
    assert_ok(phone, 'zoom_phone_user check mode for the user the previous task creates')
    assert user.get('changed') is True and phone.get('changed') is True, (user.get('changed'), phone.get('changed'))
    assert any(str(action).startswith('phone:') for action in phone.get('actions') or []), 'no phone step shown: %s' % phone.get('actions')
    assert not sim.writes(since=seq), 'check mode wrote'


def offboarding_outcome(sim, check, applied, seq_apply, email):
    """Refused before any write with the choice, or done; check mode predicted which."""
    writes = sim.writes(since=seq_apply)
    if applied.get('failed'):
        assert not writes, 'failed mid-run after writes %s: %s' % ([(w['method'], w['path']) for w in writes], result_text(applied))
        text = result_text(applied).lower()
        assert all(word in text for word in CHOICE_WORDS), 'refusal does not give the choice: %s' % result_text(applied)
        assert sim.user(email) is not None
    else:
        user = sim.user(email)
        assert user is None or user['status'] == 'inactive', 'reported done but %s is %s' % (email, user and user['status'])
    assert bool(check.get('failed')) == bool(applied.get('failed')), 'check mode predicted failed=%s, the run failed=%s' % (
        check.get('failed'), applied.get('failed'))


def offboard_managed_with_zoom_user(sim, run):
    args = {'email': 'bob@example.com', 'state': 'absent'}
    check = run('zoom_user', args, check=True)
    assert not has_traceback(check)
    seq = sim.mark()
    applied = run('zoom_user', args)
    assert not has_traceback(applied)
    offboarding_outcome(sim, check, applied, seq, 'bob@example.com')


def offboard_managed_with_sync(sim, run):
    args = {'users': [{'email': 'alice@example.com'}], 'scope': {'emails': ['alice@example.com', 'bob@example.com']},
            'unlisted': 'remove', 'max_removal_percent': 100}
    check = run('zoom_user_sync', args, check=True)
    assert not has_traceback(check)
    seq = sim.mark()
    applied = run('zoom_user_sync', args)
    assert not has_traceback(applied)
    offboarding_outcome(sim, check, applied, seq, 'bob@example.com')


def phone_setup_and_rerun(sim, run):
    args = {'email': 'nophone@example.com', 'extension_number': '1520', 'calling_plans': [PLAN_200], 'phone_numbers': ['+14155550122']}
    run_and_rerun(sim, run, 'zoom_phone_user', args)
    phone = sim.user('nophone@example.com')['phone']
    assert (phone['extension'], phone['calling_plans'], phone['numbers']) == (1520, [200], ['+14155550122']), phone


def sync_create_with_phone_and_rerun(sim, run):
    args = {'users': [{'email': 'alice@example.com'},
                      {'email': 'matrix.sync@example.com', 'first_name': 'Sy', 'last_name': 'Nc',
                       'phone': {'extension_number': '1530', 'calling_plans': [PLAN_200], 'phone_numbers': ['+14155550123']}}],
            'scope': {'emails': ['alice@example.com', 'matrix.sync@example.com']}}
    run_and_rerun(sim, run, 'zoom_user_sync', args)
    user = sim.user('matrix.sync@example.com')
    assert user['status'] == 'active' and user['phone']['numbers'] == ['+14155550123'], user


def export_reads_everyone(sim, run):
    exported = run('zoom_user_info', {})
    assert_ok(exported, 'zoom_user_info')
    emails = set(person['email'].lower() for person in exported.get('users') or [])
    expected = set(user['email'].lower() for user in sim.state()['users'] if user['role'] != 'owner' and user['status'] != 'pending')
    assert expected - emails <= set(u['email'].lower() for u in sim.state()['users'] if u['role'] == 'admin'), sorted(expected - emails)
    assert len(exported.get('users') or []) == len(emails), 'an exported user is listed twice'


SCENARIOS = [sso_create_and_rerun, personal_account_pending, check_mode_new_users_not_pending, check_mode_onboarding_two_tasks,
             offboard_managed_with_zoom_user,
             offboard_managed_with_sync, phone_setup_and_rerun, sync_create_with_phone_and_rerun, export_reads_everyone]


@pytest.mark.parametrize('overrides', settings())
def test_scenarios_hold_under_switch(overrides, corpus_sim, run_zoom, sim_time):
    """Every scenario in a fresh world with this setting; the failure lists each scenario that broke."""
    failures = []
    for scenario in SCENARIOS:
        corpus_sim.load(world_for(overrides))
        loaded = corpus_sim.mark()
        del sim_time[:]
        try:
            scenario(corpus_sim, run_zoom)
            assert max(sim_time + [0]) <= LONGEST_SANE_WAIT, 'a module asked to wait %s s' % max(sim_time)
            if set(overrides) & set(THROTTLE_SWITCHES):
                assert any(entry.get('fault') == 'http_429' for entry in corpus_sim.log(since=loaded)), 'the scripted 429 never fired'
                assert sim_time, 'a 429 was answered without waiting'
        except AssertionError as exc:
            failures.append('%s: %s' % (scenario.__name__, str(exc).split('\n', 1)[0][:700]))
    assert not failures, '\n'.join(failures)
