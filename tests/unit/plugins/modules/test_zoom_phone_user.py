# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_phone_user run in-process against the scripted Zoom stub, then against the simulator (tests/unit/conftest.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import re
import time

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
    assert result['actions'] == ['phone:feature', 'phone:site', 'phone:calling_plans', 'phone:phone_numbers']
    assert result['messages'][0] == 'enable the Zoom Phone feature of ada@example.com'


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
    assert result['actions'] == ['phone:feature', 'phone:calling_plans']
    assert result['messages'][1] == 'wait for Zoom to create the phone user of ada@example.com'


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


# ---------------------------------------------------------------------------------------------------------------
# Against the simulator (world "cases"): faults, check mode across tasks, number look-ups, behaviour switches.
# The simulator's clock is frozen; the module's sleeps move it, so waits for Zoom cost no real time.
# ---------------------------------------------------------------------------------------------------------------

NEW_PHONE = dict(email='nophone@example.com', site='Main Site', extension_number='1010',
                 calling_plans=['US/CA Unlimited Calling Plan'], phone_numbers=['+14155550120'])
NEW_PHONE_AFTER = {'zoom_phone': True, 'site': 'Main Site', 'extension_number': 1010,
                   'calling_plans': ['US/CA Unlimited Calling Plan'], 'phone_numbers': ['+14155550120']}


@pytest.fixture(name='zoomsim')
def reused_zoomsim(zoomsim_cases):
    """conftest's simulator fixtures run on ``zoomsim``: here one simulator for the file (conftest's ``zoomsim_cases``)."""
    return zoomsim_cases


@pytest.fixture
def run_phone(run_sim, monkeypatch):
    """``run_phone(check=False, **args)``: conftest's ``run_sim`` for zoom_phone_user with --diff. It also freezes the
    simulator's clock and lets ``time.sleep`` move it, which conftest does not: the module waits for Zoom to create
    phone users (seconds of real time per test otherwise)."""
    sim = run_sim.sim
    sim.freeze_clock()
    monkeypatch.setattr(time, 'sleep', lambda seconds: sim.world.clock.advance(max(0.0, seconds)))

    def runner(check=False, **args):
        return run_sim(zoom_phone_user.main, args, check=check, diff=True)
    return runner


def phone_state(sim, email):
    """The managed aspects of ``email`` as the simulator holds them (GET /_sim/state: no API call, no fault)."""
    for user in sim.state()['users']:
        if user['email'].lower() == email.lower():
            phone = user.get('phone')
            if not phone:
                return None
            return {'site': phone.get('site'), 'extension_number': int(phone['extension']),
                    'calling_plans': sorted(phone.get('calling_plans') or []), 'phone_numbers': sorted(phone.get('numbers') or [])}
    return None


def successful_writes(sim, since):
    return [(e['method'], e['path']) for e in sim.log(since=since, writes_only=True) if 200 <= (e.get('status') or 0) < 300]


def converged_new_phone(sim):
    assert phone_state(sim, 'nophone@example.com') == {'site': 'Main Site', 'extension_number': 1010, 'calling_plans': [200],
                                                       'phone_numbers': ['+14155550120']}


FAULT_WRITES = [
    ('PATCH', '/v2/users/*'),                          # the phone feature
    ('PATCH', '/v2/phone/users/*'),                    # the extension
    ('POST', '/v2/phone/users/*/calling_plans'),
    ('POST', '/v2/phone/users/*/phone_numbers'),
]
FAULTS = ['http_429', 'http_500', 'http_502', 'http_503', 'drop', 'lost_response', 'revoke_tokens']


@pytest.mark.parametrize('method, path', FAULT_WRITES, ids=['feature', 'extension', 'plan', 'number'])
@pytest.mark.parametrize('fault', FAULTS)
def test_single_fault_on_a_write_converges_in_the_same_run(zoomsim, run_phone, method, path, fault):
    zoomsim.set_faults({'script': [{'match': {'method': method, 'path': path}, 'after': 0, 'times': 1, 'fault': fault}]})
    start = zoomsim.mark()
    result = run_phone(**NEW_PHONE)
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is True
    assert result['actions'] == ['phone:feature', 'phone:extension_number', 'phone:calling_plans', 'phone:phone_numbers']
    assert result['phone'] == NEW_PHONE_AFTER
    converged_new_phone(zoomsim)
    landed = successful_writes(zoomsim, start)
    for post in ('/v2/phone/users/%s/calling_plans', '/v2/phone/users/%s/phone_numbers'):
        assert sum(1 for m, p in landed if m == 'POST' and p.endswith(post.split('%s')[1])) == 1, landed  # never twice
    zoomsim.set_faults({})
    again = zoomsim.mark()
    rerun = run_phone(**NEW_PHONE)
    assert rerun['changed'] is False and rerun['actions'] == []
    assert zoomsim.writes_since(again) == []


def test_lost_answer_then_refused_resend_is_confirmed_not_failed(zoomsim, run_phone):
    """A switch whose answer is lost is re-sent by the client and refused (the source plan is gone): a read decides."""
    zoomsim.set_faults({'script': [{'match': {'method': 'PUT', 'path': '/v2/phone/users/*/calling_plans'}, 'fault': 'lost_response'}]})
    result = run_phone(email='phone.metered@example.com', calling_plans=['US/CA Unlimited Calling Plan'])
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is True and result['actions'] == ['phone:calling_plans']
    assert phone_state(zoomsim, 'phone.metered@example.com')['calling_plans'] == [200]


def test_write_that_keeps_failing_stops_with_what_was_done(zoomsim, run_phone):
    zoomsim.set_faults({'script': [{'match': {'method': 'POST', 'path': '/v2/phone/users/*/phone_numbers'}, 'times': None,
                                    'fault': 'http_500'}]})
    start = zoomsim.mark()
    result = run_phone(**NEW_PHONE)
    assert result['failed'] and result['failed_step'] == 'add_number'
    assert result['changed'] is True
    assert result['actions'] == ['phone:feature', 'phone:extension_number', 'phone:calling_plans']
    assert 'Already done' in result['msg']
    posts = [p for m, p in [(e['method'], e['path']) for e in zoomsim.writes_since(start)] if p.endswith('/phone_numbers')]
    assert len(posts) == _phone.WRITE_ATTEMPTS  # bounded


# ---- check mode across tasks (README: zoom_user creates the user, zoom_phone_user gives it a phone) ---------------

@pytest.mark.parametrize('lookup_code', [1001, 1010], ids=['unknown-1001', 'unknown-1010'])
def test_check_mode_plans_a_user_a_previous_task_would_create(zoomsim, run_phone, lookup_code):
    zoomsim.set_behaviour(unknown_email_lookup_code=lookup_code)  # Zoom may answer 1010 for any email outside the account
    start = zoomsim.mark()
    result = run_phone(check=True, email='ann.new@example.com', site='London', extension_number='442010',
                       calling_plans=['UK/Ireland Metered Calling Plan'], phone_numbers=['+442071838760'])
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is True and result['predicted_user'] is True and result['zoom_status'] == 'absent'
    assert result['actions'] == ['phone:feature', 'phone:site', 'phone:extension_number', 'phone:calling_plans',
                                 'phone:phone_numbers']
    assert result['diff']['before']['zoom_phone'] is False
    assert result['diff']['after'] == {'zoom_phone': True, 'site': 'London', 'extension_number': 442010,
                                       'calling_plans': ['UK/Ireland Metered Calling Plan'], 'phone_numbers': ['+442071838760']}
    assert zoomsim.writes_since(start) == []


def test_check_mode_for_a_new_user_still_finds_every_conflict(zoomsim, run_phone):
    start = zoomsim.mark()
    result = run_phone(check=True, email='ann.new@example.com', extension_number='1099', calling_plans=['AU/NZ Metered Calling Plan'],
                       phone_numbers=['+14155550109'])
    assert result['failed']
    assert sorted(p['field'] for p in result['problems']) == ['calling_plans', 'extension_number', 'phone_numbers']
    assert 'taken.ext@example.com' in result['msg'] and 'no free seat' in result['msg']
    assert zoomsim.writes_since(start) == []


@pytest.mark.parametrize('lookup_code', [1001, 1010], ids=['unknown-1001', 'unknown-1010'])
def test_missing_user_outside_check_mode_names_the_task_to_add(zoomsim, run_phone, lookup_code):
    zoomsim.set_behaviour(unknown_email_lookup_code=lookup_code)
    start = zoomsim.mark()
    result = run_phone(email='ann.new@example.com', extension_number='auto')
    assert result['failed'] and result['problems'][0]['field'] == 'email'
    assert 'create it first' in result['msg'] and 'zoomops.provisioning.zoom_user' in result['msg']
    assert zoomsim.writes_since(start) == []


def test_pending_user_is_reported_in_check_mode_too(zoomsim, run_phone):
    result = run_phone(check=True, email='pat@contractor.example', extension_number='auto')
    assert result['failed'] and result['pending_reason'] == 'domain_not_associated'
    assert 'pending' in result['msg']


# ---- validation before the first write ---------------------------------------------------------------------------

@pytest.mark.parametrize('args, field', [
    ({'extension_number': '\u00b2'}, 'extension_number'),
    ({'extension_number': '1' * 20}, 'extension_number'),
    ({'extension_number': '\u0661\u0662\u0663'}, 'extension_number'),
    ({'extension_number': '0123'}, 'extension_number'),
    ({'calling_plans': ['\u00b2']}, 'calling_plans'),
    ({'calling_plans': ['\u0662\u0660\u0660']}, 'calling_plans'),
    ({'phone_numbers': ['+1415555\u00b20120']}, 'phone_numbers'),
    ({'phone_numbers': ['+14155550120\n']}, None),  # surrounding whitespace is stripped: valid
    ({'email': 'a@b.com/../../phone?x=1'}, 'email'),
    ({'email': '..'}, 'email'),
    ({'phone_wait_timeout': -1}, 'phone_wait_timeout'),
])
def test_bad_input_fails_before_any_call_naming_the_field(zoomsim, run_phone, args, field):
    base = dict(email='nophone@example.com', extension_number='1010')
    base.update(args)
    start = zoomsim.mark()
    result = run_phone(check=field is None, **base)
    if field is None:
        assert not result.get('failed'), result.get('msg')
        return
    assert result['failed'] and 'Traceback' not in result['_stdout']
    assert [p['field'] for p in result['problems']] == [field]
    assert field in result['msg'] and 'nothing was sent to Zoom' in result['msg']
    assert zoomsim.log(since=start) == []  # not even a read


def test_twenty_digit_extension_never_switches_the_feature_on(zoomsim, run_phone):
    start = zoomsim.mark()
    result = run_phone(email='nophone@example.com', extension_number='9' * 20, calling_plans=['200'])
    assert result['failed'] and zoomsim.writes_since(start) == []
    assert phone_state(zoomsim, 'nophone@example.com') is None


def test_every_problem_at_once(zoomsim, run_phone):
    result = run_phone(email='nophone@example.com', extension_number='x', calling_plans=['\u00b2', '200', '200'],
                       phone_numbers=['123'], phone_wait_timeout=-5)
    fields = [p['field'] for p in result['problems']]
    assert fields == ['phone_wait_timeout', 'extension_number', 'calling_plans', 'calling_plans', 'phone_numbers']


def test_wait_timeout_alias_is_deprecated(zoomsim, run_phone):
    result = run_phone(email='phone.full@example.com', extension_number='1001', wait_timeout=30)
    assert not result.get('failed'), result.get('msg')
    assert any('wait_timeout' in str(d) and '2.0.0' in str(d) for d in result.get('deprecations', []))


# ---- only the numbers it needs (issue #12) -------------------------------------------------------------------------

def _calls_to_set_up(sim, run_phone, extra_numbers):
    """API calls of one full setup of nophone@ in the cases world with ``extra_numbers`` more unassigned numbers."""
    from zoomsim.model import PhoneNumber  # pylint: disable=import-outside-toplevel
    sim.load('cases')
    sim.freeze_clock()
    site = next(iter(sim.world.sites.values()))
    for index in range(extra_numbers):
        sim.world.numbers['bulk-%d' % index] = PhoneNumber(id='bulk-%d' % index, number='+1212555%04d' % index, site_id=site.id)
    start = sim.mark()
    result = run_phone(**NEW_PHONE)
    assert not result.get('failed'), result.get('msg')
    return [(e['method'], e['path']) for e in sim.log(since=start)]


def test_numbers_are_looked_up_not_listed(zoomsim, run_phone):
    few = _calls_to_set_up(zoomsim, run_phone, 0)
    many = _calls_to_set_up(zoomsim, run_phone, 1500)
    assert len(many) == len(few), many  # the calls do not grow with the account's numbers
    assert many.count(('GET', '/v2/phone/numbers')) == 1  # one look-up of the one wanted number


# ---- every plausible setting of the simulator's phone switches (issue #10) ----------------------------------------

PHONE_SWITCHES = [
    (None, None),  # the defaults
    ('phone_list_duplicates', False),
    ('phone_user_vanishes_once', True),
    ('phone_invalid_plan_error', 'invalid_field'),
    ('phone_no_seat_code', 404),
    ('phone_plan_already_assigned', 'ignore'),
    ('phone_move_site_keeps_numbers', False),
    ('phone_provisioning_delay', 0.0),
    ('phone_provisioning_delay', 30.0),
    ('page_size_over_max', 'refuse'),
    ('reject_unknown_fields', True),  # also refuses the phone_number filter: the number look-up falls back to a listing
]
SWITCH_IDS = ['defaults' if name is None else '%s=%s' % (name, value) for name, value in PHONE_SWITCHES]


@pytest.fixture(params=PHONE_SWITCHES, ids=SWITCH_IDS)
def switched_sim(request, zoomsim):
    name, value = request.param
    if name is not None:
        zoomsim.set_behaviour(**{name: value})
    return zoomsim


def test_switches_new_phone_user_converges_and_rerun_writes_nothing(switched_sim, run_phone):
    check = run_phone(check=True, **NEW_PHONE)
    assert check['changed'] is True and check['diff']['after'] == NEW_PHONE_AFTER
    result = run_phone(**NEW_PHONE)
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is True and result['phone'] == NEW_PHONE_AFTER
    converged_new_phone(switched_sim)
    start = switched_sim.mark()
    rerun = run_phone(**NEW_PHONE)
    assert not rerun.get('failed'), rerun.get('msg')
    assert rerun['changed'] is False and rerun['phone'] == NEW_PHONE_AFTER
    assert switched_sim.writes_since(start) == []


def test_switches_site_move_keeps_the_numbers(switched_sim, run_phone):
    """Moving phone.full to London changes site and extension; its number stays (re-assigned if Zoom dropped it)."""
    args = dict(email='phone.full@example.com', site='London', extension_number='442011')
    result = run_phone(**args)
    assert not result.get('failed'), result.get('msg')
    assert result['phone']['site'] == 'London' and result['phone']['phone_numbers'] == ['+14155550101']
    assert phone_state(switched_sim, 'phone.full@example.com') == {
        'site': 'London', 'extension_number': 442011, 'calling_plans': [200], 'phone_numbers': ['+14155550101']}
    start = switched_sim.mark()
    assert run_phone(**args)['changed'] is False
    assert switched_sim.writes_since(start) == []


def test_switches_conflicts_fail_before_any_write(switched_sim, run_phone):
    start = switched_sim.mark()
    result = run_phone(email='nophone@example.com', extension_number='1099', calling_plans=['AU/NZ Metered Calling Plan', 'Galactic'],
                       phone_numbers=['+14155550109', '+14155559999'])
    assert result['failed']
    fields = sorted(p['field'] for p in result['problems'])
    assert fields == ['calling_plans', 'calling_plans', 'extension_number', 'phone_numbers', 'phone_numbers']
    assert switched_sim.writes_since(start) == []


def test_switches_lost_answer_on_plan_is_not_sent_twice(switched_sim, run_phone):
    switched_sim.set_faults({'script': [{'match': {'method': 'POST', 'path': '/v2/phone/users/*/calling_plans'},
                                         'fault': 'lost_response'}]})
    start = switched_sim.mark()
    result = run_phone(email='phone.bare@example.com', calling_plans=['US/CA Metered Calling Plan'])
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is True and result['phone']['calling_plans'] == ['US/CA Metered Calling Plan']
    posts = [e for e in switched_sim.writes_since(start) if e['path'].endswith('/calling_plans')]
    assert len(posts) == 1


def test_site_move_that_drops_numbers_assigns_them_again(zoomsim, run_phone):
    zoomsim.set_behaviour(phone_move_site_keeps_numbers=False)
    result = run_phone(email='phone.full@example.com', site='London', extension_number='442011')
    assert not result.get('failed'), result.get('msg')
    assert result['actions'] == ['phone:site', 'phone:extension_number', 'phone:phone_numbers']
    assert phone_state(zoomsim, 'phone.full@example.com')['phone_numbers'] == ['+14155550101']


def test_unknown_outcome_that_cannot_be_confirmed_fails_clearly(zoomsim, run_phone):
    """The plan POST's answer is lost and every read of the phone user fails: no blind re-send, a clear failure."""
    start = zoomsim.mark()
    # the phone user of phone.bare exists: the only GET of it before the POST is the first read
    zoomsim.set_faults({'script': [
        {'match': {'method': 'POST', 'path': '/v2/phone/users/*/calling_plans'}, 'fault': 'lost_response'},
        {'match': {'method': 'GET', 'path': '/v2/phone/users/*'}, 'after': 1, 'times': None, 'fault': 'http_503'}]})
    result = run_phone(email='phone.bare@example.com', calling_plans=['US/CA Metered Calling Plan'])
    assert result['failed'] and result['failed_step'] == 'add_plan'
    assert 'unknown' in result['msg'] and 'Traceback' not in result['_stdout']
    posts = [e for e in zoomsim.writes_since(start) if e['path'].endswith('/calling_plans')]
    assert len(posts) == 1


@pytest.mark.parametrize('path', ['/v2/phone/users/*/phone_numbers/*', '/v2/phone/users/*/calling_plans/*'],
                         ids=['number', 'plan'])
@pytest.mark.parametrize('fault', ['lost_response', 'http_500', 'drop'])
def test_removal_converges_when_a_delete_answer_is_lost(zoomsim, run_phone, path, fault):
    """The client sends a DELETE again after a lost answer; Zoom refuses the second (already gone): a read settles it."""
    zoomsim.set_faults({'script': [{'match': {'method': 'DELETE', 'path': path}, 'fault': fault}]})
    result = run_phone(email='phone.metered@example.com', state='absent')
    assert not result.get('failed'), result.get('msg')
    assert result['changed'] is True
    assert result['actions'] == ['phone:phone_numbers', 'phone:calling_plans', 'phone:feature']
    assert phone_state(zoomsim, 'phone.metered@example.com') is None
    start = zoomsim.mark()
    assert run_phone(email='phone.metered@example.com', state='absent')['changed'] is False
    assert zoomsim.writes_since(start) == []


def test_check_mode_warns_when_the_new_user_would_be_pending(zoomsim, run_phone):
    start = zoomsim.mark()
    result = run_phone(check=True, email='new.contractor@contractor.example', extension_number='auto')
    assert not result.get('failed'), result.get('msg')
    assert result['predicted_user'] and result['changed']
    assert any('would be pending' in str(w) for w in result.get('warnings', []))
    assert any('would be pending' in m for m in result['messages'])
    assert zoomsim.writes_since(start) == []
