# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of module_utils/_users.py (pure planners and the REST readers/appliers against a fake client).

``FakeClient`` is also used by test_scim.py.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import re

import pytest

from hypothesis import given, settings, strategies as st

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    ZoomAPIError,
    ZoomConfigError,
    ZoomError,
    ZoomPlanError,
    ZoomUncertainWriteError,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils import _users as users
from ansible_collections.zoomops.provisioning.plugins.module_utils import _users_input as users_input
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    Change,
    UserState,
    account_domains,
    apply_user,
    create_user,
    diagnose_pending,
    lookup_user,
    pending_create_action,
    plan_removal,
    plan_user,
    predict_create_from,
    remove_user,
    type_code,
    user_view,
    validate_email,
    validate_name,
)


USERS_PATH = '/v2/users'
DOMAINS_PATH = '/v2/accounts/me/managed_domains'
LOST_CREATE = {'match': {'method': 'POST', 'path': USERS_PATH}, 'fault': 'lost_response'}  # lands, answer lost
DROPPED_CREATE = {'match': {'method': 'POST', 'path': USERS_PATH}, 'fault': 'drop'}  # never reaches Zoom


@pytest.fixture(name='zoomsim')
def reused_zoomsim(request, zoomsim_module):
    """conftest's ``sim_client`` runs on ``zoomsim``: one simulator per file, given this test's world afresh
    (``@pytest.mark.zoomsim_world``, default cases), is as clean as a new one per test and much faster."""
    marker = request.node.get_closest_marker('zoomsim_world')
    zoomsim_module.load(marker.args[0] if marker else 'cases')
    return zoomsim_module


def calls(sim, since):
    """``(method, path)`` of the API requests the simulator logged after ``since``."""
    return [(entry['method'], entry['path']) for entry in sim.log(since=since)]


def api_error(status, code, message='boom'):
    return ZoomAPIError(status, code, message, method='GET', path='/x')


def rest_user(email='jane@example.com', status='active', **extra):
    user = {'id': 'u-1', 'email': email, 'first_name': 'Jane', 'last_name': 'Doe', 'display_name': 'Jane Doe',
            'type': 1, 'status': status, 'role_id': '2', 'role_name': 'Member'}
    user.update(extra)
    return user


# ---------------------------------------------------------------------------------------------- validation

@pytest.mark.parametrize('email', ['jane@example.com', 'a.b+tag@sub.example.co.uk', "o'neil@example.org", 'X_Y-z@ex-ample.io'])
def test_validate_email_accepts(email):
    assert validate_email('  %s ' % email) == email


@pytest.mark.parametrize('email', ['', '   ', 'plain', 'a@b', 'a@@example.com', 'a..b@example.com', '.a@example.com',
                                   'a.@example.com', 'a b@example.com', 'a@-example.com', 'a@example.c', 'a@exa_mple.com',
                                   'x' * 65 + '@example.com', 'a@' + 'b' * 130 + '.com'])
def test_validate_email_rejects_and_names_field(email):
    with pytest.raises(ZoomConfigError) as info:
        validate_email(email, 'transfer_to')
    assert 'transfer_to' in info.value.msg


_atext = st.text(alphabet='abcdefghijklmnopqrstuvwxyz0123456789+_-', min_size=1, max_size=20)
_label = st.from_regex(r'[a-z0-9]([a-z0-9-]{0,10}[a-z0-9])?', fullmatch=True)


@settings(max_examples=200, deadline=None)
@given(local=st.lists(_atext, min_size=1, max_size=3), labels=st.lists(_label, min_size=1, max_size=3),
       tld=st.from_regex(r'[a-z]{2,6}', fullmatch=True))
def test_validate_email_property_valid(local, labels, tld):
    email = '%s@%s.%s' % ('.'.join(local), '.'.join(labels), tld)
    if len(email) <= 128 and len('.'.join(local)) <= 64:
        assert validate_email(email) == email


@settings(max_examples=200, deadline=None)
@given(text=st.text(max_size=40))
def test_validate_email_never_crashes(text):
    try:
        assert '@' in validate_email(text)
    except ZoomConfigError as exc:
        assert 'email' in exc.msg


@pytest.mark.parametrize('email,shown', [
    ('..', "'..'"), ('a@b.com/../../phone?x=1', "'/', '?'"), ('a#b@example.com', "'#'"), ('a%40b@example.com', "'%'"),
    ('a\\b@example.com', "'\\\\'"), ('a b@example.com', 'space'), ('a@example.com\t', None),
])
def test_email_path_characters_blame_the_email(email, shown):
    problems = users.email_problems(email, 'email')
    if shown is None:  # surrounding whitespace is stripped, not an error
        assert problems == []
        return
    assert len(problems) == 1 and problems[0].startswith('email=') and 'URL' in problems[0] and shown in problems[0]


@pytest.mark.parametrize('value,ok', [('Europe/Berlin', True), ('America/Argentina/Buenos_Aires', True), ('UTC', True),
                                      ('Mars/Olympus_Mons', False), ('europe/berlin', False), ('', False), ('GMT+5', False)])
def test_timezone_problems(value, ok):
    problems = users.timezone_problems(value)
    assert (problems == []) is ok
    if not ok:
        assert problems[0].startswith('timezone=') and 'Europe/Berlin' in problems[0]


def test_timezone_without_tz_database_uses_the_pattern(monkeypatch):
    monkeypatch.setattr(users_input, '_TIMEZONES', [frozenset()])
    assert users.timezone_problems('Europe/Berlin') == [] and users.timezone_problems('Asia/Kolkata') == []
    assert users.timezone_problems('Mars/Olympus_Mons') and users.timezone_problems('Europe/Ber lin')


def test_language_problems():
    assert users.language_problems('de-DE') == [] and users.language_problems('JP-jp') == []
    assert users.normalize_language('JP-jp') == 'jp-JP' and users.normalize_language(None) is None
    problems = users.language_problems('xx-KLINGON')
    assert problems[0].startswith("language='xx-KLINGON'") and 'en-US' in problems[0]


def test_profile_problems_lists_every_problem():
    problems = users.profile_problems({'first_name': '', 'last_name': 'x' * 65, 'department': 'a\nb',
                                       'timezone': 'Mars/Olympus_Mons', 'language': 'xx'}, prefix='users[0].')
    assert [problem.split(' ')[0].split('=')[0] for problem in problems] == [
        'users[0].first_name', 'users[0].last_name', 'users[0].department', 'users[0].timezone', 'users[0].language']
    with pytest.raises(ZoomConfigError) as info:
        users.raise_problems(problems, 'zoom_user')
    assert '5 problems' in info.value.msg and 'nothing was sent to Zoom' in info.value.msg
    users.raise_problems([], 'zoom_user')


def test_transfer_problems():
    assert users.transfer_problems({'transfer_to': 'b@example.com'}, 'a@example.com') == []
    assert 'another user' in users.transfer_problems({'transfer_to': 'A@Example.com'}, 'a@example.com')[0]
    assert users.transfer_problems({'transfer_to': 'b@x/y'}, 'a@example.com')[0].startswith('transfer_to=')
    assert 'transfer_to' in users.transfer_problems({'transfer': ['meetings']}, 'a@example.com')[0]


def test_validate_name():
    assert validate_name(None, 'first_name') is None
    assert validate_name('Ada', 'first_name') == 'Ada'
    for bad in ('', '   '):
        with pytest.raises(ZoomConfigError, match='first_name must not be empty'):
            validate_name(bad, 'first_name')
    with pytest.raises(ZoomConfigError, match='at most 64'):
        validate_name('x' * 65, 'last_name')
    with pytest.raises(ZoomConfigError, match='control characters'):
        validate_name('a\nb', 'display_name', 128)


def test_type_code():
    assert type_code(None) is None
    assert type_code('basic') == 1
    assert type_code('Licensed') == 2
    assert type_code(2) == 2
    with pytest.raises(ZoomConfigError, match='type'):
        type_code('gold')


# ---------------------------------------------------------------------------------------------- UserState / lookup

def test_user_state_properties():
    assert UserState('a@example.com', 'external').zoom_status == 'absent'
    assert not UserState('a@example.com', 'stuck_invitation').exists
    assert UserState('a@example.com', 'pending').exists
    assert UserState('a@example.com', 'active', user={'role_id': '0'}).role == 'owner'
    assert UserState('a@example.com', 'active', user={'role_name': 'Admin'}).role == 'admin'
    assert UserState('a@example.com', 'active', user={'role_id': '2'}).role == 'member'
    assert UserState('a@example.com', 'absent').role is None
    with pytest.raises(ValueError):
        UserState('a@example.com', 'weird')


@pytest.mark.parametrize('email,status', [
    ('a+b@example.com', 'absent'),  # 1001; '+' is literal in the path
    ('expired.invite@example.com', 'stuck_invitation'),  # 1120
    ('someone@partner.example', 'external'),  # 1010
])
def test_lookup_user_classifies_errors(sim_client, email, status):
    state = lookup_user(sim_client, email)
    assert state.status == status
    assert state.detail


def test_lookup_user_404_without_code_is_absent(make_client, zoom_stub):
    """A 404 without a Zoom code (a proxy's, or SCIM's): the simulator always sends Zoom's code."""
    zoom_stub.reply('GET', '/v2/users/a@example.com', status=404, json={'message': 'not found'})
    state = lookup_user(make_client(), 'a@example.com')
    assert state.status == 'absent' and state.detail


@pytest.mark.parametrize('switch,fault', [
    ({'app_scopes': []}, None),  # 4711
    ({}, 'revoke_tokens'),  # 401 code 124 even after a new token
    ({}, 'http_500'),
])
def test_lookup_user_raises_other_errors(zoomsim, sim_client, switch, fault):
    zoomsim.set_behaviour(**switch)
    if fault:
        zoomsim.set_faults({'script': [{'match': {'method': 'GET', 'path': USERS_PATH + '/*'}, 'times': None, 'fault': fault}]})
    with pytest.raises(ZoomAPIError):
        lookup_user(sim_client, 'alice@example.com')


def test_lookup_user_unknown_endpoint_is_not_absent(make_client, zoom_stub):
    """2300 (wrong api_url) is no answer about the user; no simulator path for /v2/users/{email} answers it."""
    zoom_stub.reply('GET', '/v2/users/a@example.com', status=404, json={'code': 2300, 'message': 'Route not found.'})
    with pytest.raises(ZoomAPIError):
        lookup_user(make_client(), 'a@example.com')


@pytest.mark.zoomsim_world(world_with(account={'associated_domains': ['other.example']},
                                      users=None) if False else None)
def test_lookup_user_found_and_quoted(zoomsim, sim_client):
    zoomsim.load(world_adding(users=[{'email': 'a/b@contractor.example', 'first_name': 'A', 'last_name': 'B', 'type': 1,
                                      'status': 'pending', 'pending_reason': 'domain_not_associated'}]))
    start = zoomsim.mark()
    state = lookup_user(sim_client, 'a/b@contractor.example')
    assert state.status == 'pending' and state.id
    assert calls(zoomsim, start) == [('GET', '/v2/users/a/b@contractor.example')]


def test_lookup_user_empty_body_is_an_error(make_client, zoom_stub):
    zoom_stub.reply('GET', '/v2/users/a@example.com', status=200, body=b'')
    with pytest.raises(ZoomError, match='empty body'):
        lookup_user(make_client(), 'a@example.com')


DOMAINS_WORLD = world_with(account={'associated_domains': ['Example.com'], 'managed_domains': ['managed.example']})


@pytest.mark.zoomsim_world(DOMAINS_WORLD)
def test_account_domains_verified_only_and_cached(zoomsim, sim_client):
    start = zoomsim.mark()
    assert account_domains(sim_client) == {'example.com'}
    assert account_domains(sim_client) == {'example.com'}
    assert calls(zoomsim, start) == [('GET', DOMAINS_PATH)]


@pytest.mark.parametrize('world', [
    world_with(account={'plan': 'free'}),  # 400 code 200: only available for paid accounts
    world_with(app_scopes=['user:read:admin', 'user:write:admin']),  # 400 code 4711: no account:read:admin
    world_with(rest_api_disabled=True),  # 403
], ids=['free-plan', 'no-scope', 'api-disabled'])
def test_account_domains_unknown(zoomsim, sim_client, world):
    zoomsim.load(world)
    start = zoomsim.mark()
    assert account_domains(sim_client) is None
    assert account_domains(sim_client) is None
    assert calls(zoomsim, start) == [('GET', DOMAINS_PATH)]


def test_account_domains_unknown_endpoint(make_client, zoom_stub):
    zoom_stub.reply('GET', DOMAINS_PATH, status=404, json={'code': 2300, 'message': 'Route not found.'})
    client = make_client()
    assert account_domains(client) is None
    assert account_domains(client) is None
    assert len(zoom_stub.api_requests) == 1


def test_account_domains_raises_server_errors(zoomsim, sim_client):
    zoomsim.set_faults({'script': [{'match': {'method': 'GET', 'path': DOMAINS_PATH}, 'times': None, 'fault': 'http_500'}]})
    with pytest.raises(ZoomAPIError):
        account_domains(sim_client)


# ---------------------------------------------------------------------------------------------- diagnosis

def test_diagnose_pending_order():
    client = FakeClient()
    reason, remedy = diagnose_pending(client, 'a@example.com', create_action='create', domains={'other.com'})
    assert reason == 'awaiting_confirmation' and 'confirmation link' in remedy
    reason, remedy = diagnose_pending(client, 'a@example.com', create_action='ssoCreate', domains={'other.com'})
    assert reason == 'domain_not_associated'
    assert 'Associated Domains' in remedy and 'example.com' in remedy and 'remove the pending user' in remedy
    reason, remedy = diagnose_pending(client, 'a@example.com', create_action='autoCreate', domains={'example.com'})
    assert reason == 'unknown' and remedy
    assert diagnose_pending(client, 'a@example.com', create_action='ssoCreate', domains=None)[0] == 'unknown'
    assert client.calls == []


@pytest.mark.parametrize('pre_state', [None, 'external', 'absent'])
def test_personal_account_by_elimination(pre_state):
    """ssoCreate left the user pending on an associated domain: existing_zoom_account, with or without a 1010."""
    before = UserState('a@example.com', pre_state) if pre_state else None
    found = users.pending_diagnosis(None, 'a@example.com', create_action='ssoCreate', pre_state=before,
                                    domains={'example.com'})
    assert found.reason == 'existing_zoom_account' and 'consolidate' in found.remedy
    assert any('associated domain' in line for line in found.evidence)
    assert any('ssoCreate' in line for line in found.evidence)
    assert any('1010' in line for line in found.evidence) == (pre_state == 'external')
    assert tuple(found) == (found.reason, found.remedy)


def test_remedies_fit_every_caller():
    for reason in ('domain_not_associated', 'existing_zoom_account', 'awaiting_confirmation', 'unknown'):
        text = users.remedy_for(reason, 'a@example.com')
        assert 'state=absent' not in text and 'create_action=' not in text and 'on_' not in text
    assert 'on_stuck' not in users.stuck_remedy('a@example.com')


def test_diagnose_pending_reads_domains_only():
    client = FakeClient()
    client.script('GET', '/v2/accounts/me/managed_domains', {'domains': [{'domain': 'example.com', 'status': 'verified'}]})
    assert diagnose_pending(client, 'a@example.com', create_action='ssoCreate')[0] == 'existing_zoom_account'
    assert client.methods() == [('GET', '/v2/accounts/me/managed_domains')]


@pytest.mark.parametrize('action,state,domains,expected', [
    ('create', 'absent', {'example.com'}, ('pending', 'awaiting_confirmation')),
    ('ssoCreate', 'absent', {'example.com'}, ('active', None)),
    ('ssoCreate', 'absent', {'other.com'}, ('pending', 'domain_not_associated')),
    # a 1010 lookup is no proof of a personal account (Zoom may say it for every email outside the account)
    ('ssoCreate', 'external', {'example.com'}, ('active', None)),
    ('ssoCreate', 'external', None, ('active', None)),
    ('ssoCreate', 'absent', None, ('active', None)),
    ('autoCreate', 'absent', {'other.com'}, ('active', None)),
    ('custCreate', 'stuck_invitation', None, ('active', None)),
])
def test_predict_create_from(action, state, domains, expected):
    status, reason, remedy = predict_create_from('a@example.com', action, UserState('a@example.com', state), domains)
    assert (status, reason) == expected
    assert (remedy is None) == (reason is None)


def test_pending_create_action():
    assert pending_create_action({'login_types': [100]}, 'ssoCreate') == 'create'
    assert pending_create_action({'login_types': [101]}, 'ssoCreate') == 'ssoCreate'
    assert pending_create_action({'login_types': [100, 101]}, 'ssoCreate') == 'ssoCreate'
    assert pending_create_action(None, 'autoCreate') == 'autoCreate'


# ---------------------------------------------------------------------------------------------- planning

def test_plan_user_only_set_fields():
    state = UserState('jane@example.com', 'active', id='u-1', user=rest_user(dept='Sales'))
    assert plan_user({'first_name': 'Jane', 'last_name': None, 'type': 'basic', 'active': True}, state) == []
    changes = plan_user({'first_name': 'Janet', 'type': 'licensed', 'department': 'R&D', 'language': 'DE-de'}, state)
    assert [change.label for change in changes] == [
        'update:first_name', 'update:type', 'update:department', 'update:language']
    assert changes[2].params == {'dept': 'R&D'} and changes[3].params == {'language': 'de-DE'}
    assert plan_user({'dept': 'Sales'}, state) == []  # the sync's old key
    assert plan_user({'language': 'EN-us'}, UserState('j@example.com', 'active', user=rest_user(language='en-US'))) == []
    assert changes[1].before == 'basic' and changes[1].after == 'licensed' and changes[1].params == {'type': 2}


def test_plan_user_activation_order():
    inactive = UserState('jane@example.com', 'inactive', id='u-1', user=rest_user(status='inactive'))
    labels = [change.label for change in plan_user({'active': True, 'last_name': 'Roe'}, inactive)]
    assert labels == ['activate', 'update:last_name']
    active = UserState('jane@example.com', 'active', id='u-1', user=rest_user())
    labels = [change.label for change in plan_user({'active': False, 'last_name': 'Roe'}, active)]
    assert labels == ['update:last_name', 'deactivate']


def test_plan_user_pending_and_absent():
    assert plan_user({'first_name': 'X', 'active': False}, UserState('a@example.com', 'pending', user=rest_user())) == []
    for status in ('absent', 'external', 'stuck_invitation'):
        plan = plan_user({'first_name': 'X', 'type': 'licensed'}, UserState('a@example.com', status))
        assert [change.label for change in plan] == ['create']
        assert plan[0].after == {'first_name': 'X', 'type': 'licensed'}


def test_user_view():
    assert user_view(rest_user(), ['first_name', 'type', 'active']) == {'first_name': 'Jane', 'type': 'basic', 'active': True}
    assert user_view(None) == {}


def test_plan_removal_nothing_to_do():
    for status in ('absent', 'external', 'stuck_invitation'):
        assert plan_removal(UserState('a@example.com', status)) == []


def test_plan_removal_pending_withdraws_without_action():
    changes = plan_removal(UserState('a@example.com', 'pending', user=rest_user(status='pending')), 'delete')
    assert [change.label for change in changes] == ['remove:withdraw'] and changes[0].params == {}


def test_plan_removal_defaults_to_disassociate():
    state = UserState('a@example.com', 'active', id='u-1', user=rest_user())
    changes = plan_removal(state)
    assert changes[0].label == 'remove:disassociate' and changes[0].params == {'action': 'disassociate'}


def test_plan_removal_delete_needs_transfer_or_opt_in():
    state = UserState('a@example.com', 'active', id='u-1', user=rest_user())
    with pytest.raises(ZoomPlanError) as info:
        plan_removal(state, 'delete')
    assert 'transfer_to' in str(info.value) and 'allow_data_loss' in str(info.value)
    assert plan_removal(state, 'delete', allow_data_loss=True)[0].params == {'action': 'delete'}
    params = plan_removal(state, 'delete', transfer_to='boss@example.com')[0].params
    assert params == {'action': 'delete', 'transfer_email': 'boss@example.com', 'transfer_meeting': 'true',
                      'transfer_webinar': 'true', 'transfer_recording': 'true', 'transfer_whiteboard': 'true'}
    params = plan_removal(state, 'delete', transfer_to='boss@example.com', transfer=['recordings', 'docs'])[0].params
    assert params == {'action': 'delete', 'transfer_email': 'boss@example.com', 'transfer_recording': 'true', 'transfer_docs': 'true'}


def test_plan_removal_refusals_list_every_problem():
    owner = UserState('a@example.com', 'active', id='u-1', user=rest_user(role_id='0', role_name='Owner'))
    with pytest.raises(ZoomPlanError) as info:
        plan_removal(owner, 'delete', transfer_to='A@example.com', transfer=['bogus'])
    problems = info.value.problems
    assert len(problems) == 3
    assert 'owner' in problems[0] and 'force=true' in problems[0]
    admin = UserState('a@example.com', 'active', id='u-1', user=rest_user(role_id='1', role_name='Admin'))
    with pytest.raises(ZoomPlanError, match='admin'):
        plan_removal(admin)
    assert plan_removal(admin, force=True)[0].label == 'remove:disassociate'


def test_removal_problems_predict_1107_and_check_transfer_target():
    active = UserState('a@example.com', 'active', id='u-1', user=rest_user())
    problems = users.removal_problems(active, managed={'example.com'})
    assert len(problems) == 1 and 'code 1107' in problems[0] and 'removal_action=delete' in problems[0]
    assert users.removal_problems(active, managed={'other.com'}) == []
    assert users.removal_problems(active, managed=None) == []  # unknown: caught at apply time
    assert users.removal_problems(active, 'delete', transfer_to='b@example.com', managed={'example.com'}) == []
    gone = UserState('b@example.com', 'absent')
    problems = users.removal_problems(active, 'delete', transfer_to='b@example.com', transfer_state=gone)
    assert problems == ['transfer_to=b@example.com is not an active user of the account (absent): name an active user of '
                        'this account who receives the data of a@example.com.']
    inactive = UserState('b@example.com', 'inactive', user=rest_user('b@example.com', 'inactive'))
    assert 'inactive' in users.removal_problems(active, 'delete', transfer_to='b@example.com', transfer_state=inactive)[0]
    with pytest.raises(ZoomPlanError) as info:
        plan_removal(active, managed={'example.com'})
    assert info.value.problems and 'deactivate' in str(info.value)
    assert users.removal_problems(UserState('a@example.com', 'pending'), managed={'example.com'}) == []
    inactive_user = UserState('a@example.com', 'inactive', id='u-1', user=rest_user(status='inactive'))
    text = users.removal_problems(inactive_user, managed={'example.com'})[0]
    assert 'already deactivated' in text and 'removal_action=delete' in text


def test_managed_and_associated_domains():
    client = FakeClient()
    client.script('GET', '/v2/accounts/me/managed_domains', {'domains': [
        {'domain': 'Example.com', 'status': 'verified'}, {'domain': 'managed.example', 'status': 'pending'}]})
    assert users.managed_domains(client) == {'example.com', 'managed.example'}
    assert account_domains(client) == {'example.com'}
    assert client.methods() == [('GET', '/v2/accounts/me/managed_domains')]  # read once


# ---------------------------------------------------------------------------------------------- appliers

def test_create_user_reads_status_back():
    client = FakeClient()
    client.script('POST', '/v2/users', {'id': 'u-1', 'email': 'a@example.com'})
    client.script('GET', '/v2/users/a@example.com', rest_user('a@example.com', 'pending'))
    outcome = create_user(client, 'a@example.com', {'first_name': 'A', 'type': 'licensed', 'active': False}, 'ssoCreate')
    assert outcome.state.status == 'pending' and outcome.created and not outcome.confirmed_after_uncertain
    body = client.calls[0][3]
    assert body == {'action': 'ssoCreate', 'user_info': {'email': 'a@example.com', 'type': 2, 'first_name': 'A'}}


def test_create_user_uncertain_confirms_without_resending():
    client = FakeClient()
    client.script('POST', '/v2/users', ZoomUncertainWriteError('lost', method='POST', path='/v2/users'))
    client.script('GET', '/v2/users/a@example.com', rest_user('a@example.com'))
    outcome = create_user(client, 'a@example.com', {}, 'ssoCreate')
    assert outcome.state.status == 'active' and outcome.confirmed_after_uncertain and outcome.created
    assert client.methods().count(('POST', '/v2/users')) == 1


def test_create_user_uncertain_not_landed_is_sent_again():
    client = FakeClient()
    client.script('POST', '/v2/users', ZoomUncertainWriteError('lost', method='POST', path='/v2/users'), {'id': 'u-1'})
    client.script('GET', '/v2/users/a@example.com', api_error(404, 1001), rest_user('a@example.com'))
    outcome = create_user(client, 'a@example.com', {}, 'ssoCreate')
    assert outcome.created and outcome.sends == 2 and outcome.state.status == 'active'


def test_create_user_resend_answered_409_means_the_first_landed():
    client = FakeClient()
    client.script('POST', '/v2/users', ZoomUncertainWriteError('lost', method='POST', path='/v2/users'),
                  ZoomAPIError(409, 1005, 'User already in the account: a@example.com'))
    client.script('GET', '/v2/users/a@example.com', api_error(404, 1001), rest_user('a@example.com'))
    outcome = create_user(client, 'a@example.com', {}, 'ssoCreate')
    assert outcome.created and outcome.confirmed_after_uncertain and not outcome.already_existed


def test_create_user_never_landing_fails_saying_nothing_was_created():
    client = FakeClient()
    client.script('POST', '/v2/users', ZoomUncertainWriteError('lost', method='POST', path='/v2/users'))
    client.script('GET', '/v2/users/a@example.com', api_error(404, 1001))
    with pytest.raises(users.ZoomCreateError, match='nothing was created') as info:
        create_user(client, 'a@example.com', {}, 'ssoCreate', max_sends=2)
    assert info.value.created is False and info.value.to_dict()['created'] is False
    assert client.methods().count(('POST', '/v2/users')) == 2


def test_create_user_conflict_and_holds_account():
    client = FakeClient()
    client.script('POST', '/v2/users', ZoomAPIError(409, 1005, 'User already in the account: a@example.com'))
    client.script('GET', '/v2/users/a@example.com', rest_user('a@example.com'))
    outcome = create_user(client, 'a@example.com', {}, 'ssoCreate')
    assert outcome.state.status == 'active' and outcome.already_existed and not outcome.created
    client = FakeClient().script('POST', '/v2/users', ZoomAPIError(400, 1009, 'The user a@example.com already holds an active account.'))
    with pytest.raises(users.ZoomCreateError, match='nothing was created.*own Zoom account') as info:
        create_user(client, 'a@example.com', {}, 'autoCreate')
    assert info.value.code == 1009 and not info.value.created


@pytest.mark.parametrize('code', [2033, 2034, 2038, 3412])
def test_create_user_without_a_free_licence(code):
    client = FakeClient().script('POST', '/v2/users', ZoomAPIError(400, code, 'no seats'))
    with pytest.raises(users.ZoomCreateError) as info:
        create_user(client, 'a@example.com', {'type': 'licensed'}, 'ssoCreate')
    assert 'as a licensed user' in info.value.msg and 'nothing was created' in info.value.msg
    assert info.value.code == code and info.value.created is False


def test_after_create_waits_out_the_user_lock():
    busy = ZoomAPIError(429, 429, 'Too many concurrent requests.')
    answers = [busy, busy, 'done']
    sleeps = []

    def call():
        answer = answers.pop(0)
        if isinstance(answer, Exception):
            raise answer
        return answer

    assert users.after_create(call, sleep=sleeps.append) == 'done' and sleeps == [1.0, 2.0]
    answers.append(ZoomAPIError(400, 300, 'bad'))
    with pytest.raises(ZoomAPIError):
        users.after_create(call, sleep=sleeps.append)
    assert sleeps == [1.0, 2.0]  # only the lock is waited out


def test_apply_user_order():
    client = FakeClient()
    client.script('PUT', '/v2/users/u-1/status', None)
    client.script('PATCH', '/v2/users/u-1', None)
    state = UserState('a@example.com', 'inactive', id='u-1', user=rest_user(status='inactive'))
    apply_user(client, state, plan_user({'active': True, 'first_name': 'B', 'type': 'licensed'}, state))
    assert [(call[0], call[3]) for call in client.calls] == [
        ('PUT', {'action': 'activate'}), ('PATCH', {'first_name': 'B', 'type': 2})]
    client = FakeClient().script('PUT', '/v2/users/u-1/status', None).script('PATCH', '/v2/users/u-1', None)
    state = UserState('a@example.com', 'active', id='u-1', user=rest_user())
    apply_user(client, state, plan_user({'active': False, 'first_name': 'B'}, state))
    assert [call[0] for call in client.calls] == ['PATCH', 'PUT']


def test_remove_user_paths():
    client = FakeClient().script('DELETE', '/v2/users/a+b@example.com', None)
    pending = UserState('a+b@example.com', 'pending', id='p-1', user=rest_user(status='pending'))
    assert remove_user(client, pending, plan_removal(pending)) == 'removed'
    assert client.calls == [('DELETE', '/v2/users/a+b@example.com', None, None)]


def test_remove_user_404_counts_as_gone_only_when_a_lookup_confirms():
    active = UserState('a@example.com', 'active', id='u-1', user=rest_user())
    client = FakeClient().script('DELETE', '/v2/users/u-1', api_error(404, 1001))
    client.script('GET', '/v2/users/a@example.com', api_error(404, 1001))
    assert remove_user(client, active, plan_removal(active)) == 'already_gone'
    assert client.calls[0][2] == {'action': 'disassociate'}
    # still there: the transfer target was the cause
    client = FakeClient().script('DELETE', '/v2/users/u-1', api_error(404, 1001, 'User does not exist: b@example.com.'))
    client.script('GET', '/v2/users/a@example.com', rest_user('a@example.com'))
    client.script('GET', '/v2/users/b@example.com', api_error(404, 1001))
    with pytest.raises(ZoomPlanError, match='transfer_to=b@example.com is not an active user') as info:
        remove_user(client, active, plan_removal(active, 'delete', 'b@example.com'), 'b@example.com')
    assert 'still there' in str(info.value)
    # still there, no transfer target to blame: Zoom's own error
    client = FakeClient().script('DELETE', '/v2/users/u-1', api_error(404, 1001))
    client.script('GET', '/v2/users/a@example.com', rest_user('a@example.com'))
    with pytest.raises(ZoomAPIError):
        remove_user(client, active, plan_removal(active))


def test_remove_user_1107_at_apply_time():
    active = UserState('a@example.com', 'active', id='u-1', user=rest_user())
    client = FakeClient().script('DELETE', '/v2/users/u-1', ZoomAPIError(400, 1107, 'You can not disassociate a user with '
                                                                         'managed domain.', method='DELETE'))
    with pytest.raises(ZoomPlanError, match='removal_action=delete') as info:
        remove_user(client, active, plan_removal(active))
    assert info.value.problems == [users.managed_domain_problem('a@example.com')]


def test_change_equality_and_repr():
    assert Change('update', 'a', 1, 2) == Change('update', 'a', 1, 2)
    assert Change('update', 'a', 1, 2) != Change('update', 'a', 1, 3)
    assert 'update' in repr(Change('update', 'a'))


def test_remedies_name_the_admin_steps():
    for reason in ('domain_not_associated', 'existing_zoom_account', 'awaiting_confirmation', 'unknown'):
        text = users.remedy_for(reason, 'a@example.com')
        assert re.search(r'\bRemedy\b|Nothing to fix|Check the user', text)
    assert '1120' in users.stuck_remedy('a@example.com')
