# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests of module_utils/_users.py: pure planners, and the REST readers/appliers against the simulator.

Zoom behaviour comes from the simulator (``sim_client``, tests/unit/conftest.py); ``zoom_stub`` only answers what no
simulator case produces (a 404 without code, an empty body, a lookup lagging behind a create, code 2038).
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
def reused_zoomsim(zoomsim_cases):
    """conftest's simulator fixtures run on ``zoomsim``: here one simulator for the file (conftest's ``zoomsim_cases``)."""
    return zoomsim_cases


def load_world(sim, users=(), account=None, **switches):
    """Serve the cases world with ``account`` fields and behaviour ``switches`` changed and ``users`` added."""
    from zoomsim.testing import world_with  # pylint: disable=import-outside-toplevel

    world = world_with('cases', account=account, **switches)
    world['users'] = list(world.get('users') or []) + list(users)
    sim.load(world)


def calls(sim, since):
    """``(method, path)`` of the API requests (token requests left out) the simulator logged after ``since``."""
    return [(entry['method'], entry['path']) for entry in sim.log(since=since) if entry['path'] != '/oauth/token']


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


def test_lookup_user_raises_missing_scope(zoomsim, sim_client):
    zoomsim.set_behaviour(app_scopes=[])
    with pytest.raises(ZoomAPIError) as info:
        lookup_user(sim_client, 'alice@example.com')
    assert info.value.code == 4711


@pytest.mark.parametrize('fault,status', [('revoke_tokens', 401), ('http_500', 500)])  # 401: code 124 after a new token too
def test_lookup_user_raises_failed_reads(zoomsim, sim_client, fault, status):
    zoomsim.set_faults({'script': [{'match': {'method': 'GET', 'path': USERS_PATH + '/*'}, 'times': None, 'fault': fault}]})
    with pytest.raises(ZoomAPIError) as info:
        lookup_user(sim_client, 'alice@example.com')
    assert info.value.status == status


def test_lookup_user_unknown_endpoint_is_not_absent(make_client, zoom_stub):
    """2300 (wrong api_url) is no answer about the user; no simulator path for /v2/users/{email} answers it."""
    zoom_stub.reply('GET', '/v2/users/a@example.com', status=404, json={'code': 2300, 'message': 'Route not found.'})
    with pytest.raises(ZoomAPIError):
        lookup_user(make_client(), 'a@example.com')


def test_lookup_user_found_and_quoted(zoomsim, sim_client):
    email = "o'neil@contractor.example"
    load_world(zoomsim, users=[{'email': email, 'first_name': 'O', 'last_name': 'Neil', 'type': 1, 'status': 'pending',
                                'pending_reason': 'domain_not_associated'}])
    start = zoomsim.mark()
    state = lookup_user(sim_client, email)
    assert state.status == 'pending' and state.id
    assert calls(zoomsim, start) == [('GET', '/v2/users/' + email)]


def test_lookup_user_raw_path_and_empty_body(make_client, zoom_stub):
    """The exact bytes on the wire (the simulator decodes them) and an empty 200 body (the simulator never sends one)."""
    zoom_stub.reply('GET', "/v2/users/o'neil@example.com", json=rest_user("o'neil@example.com", 'pending'))
    zoom_stub.reply('GET', '/v2/users/a@example.com', status=200, body=b'')
    client = make_client()
    assert lookup_user(client, "o'neil@example.com").status == 'pending'
    assert zoom_stub.api_requests[0].raw_path_only == '/v2/users/o%27neil@example.com'
    with pytest.raises(ZoomError, match='empty body'):
        lookup_user(client, 'a@example.com')


DOMAINS = {'associated_domains': ['Example.com'], 'managed_domains': ['managed.example']}


def test_account_domains_verified_only_and_cached(zoomsim, sim_client):
    load_world(zoomsim, account=DOMAINS)
    start = zoomsim.mark()
    assert account_domains(sim_client) == {'example.com'}
    assert account_domains(sim_client) == {'example.com'}
    assert calls(zoomsim, start) == [('GET', DOMAINS_PATH)]


@pytest.mark.parametrize('change', [
    {'account': {'plan': 'free'}},  # 400 code 200: only available for paid accounts
    {'app_scopes': ['user:read:admin', 'user:write:admin']},  # 400 code 4711: no account:read:admin
    {'rest_api_disabled': True},  # 403
], ids=['free-plan', 'no-scope', 'api-disabled'])
def test_account_domains_unknown(zoomsim, sim_client, change):
    load_world(zoomsim, **change)
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

def test_diagnose_pending_order(zoomsim, sim_client):
    client = sim_client
    start = zoomsim.mark()
    reason, remedy = diagnose_pending(client, 'a@example.com', create_action='create', domains={'other.com'})
    assert reason == 'awaiting_confirmation' and 'confirmation link' in remedy
    reason, remedy = diagnose_pending(client, 'a@example.com', create_action='ssoCreate', domains={'other.com'})
    assert reason == 'domain_not_associated'
    assert 'Associated Domains' in remedy and 'example.com' in remedy and 'remove the pending user' in remedy
    reason, remedy = diagnose_pending(client, 'a@example.com', create_action='autoCreate', domains={'example.com'})
    assert reason == 'unknown' and remedy
    assert diagnose_pending(client, 'a@example.com', create_action='ssoCreate', domains=None)[0] == 'unknown'
    assert calls(zoomsim, start) == []  # the domains given are used, not read again


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


def test_remedies_fit_every_caller():
    for reason in ('domain_not_associated', 'existing_zoom_account', 'awaiting_confirmation', 'unknown'):
        text = users.remedy_for(reason, 'a@example.com')
        assert 'state=absent' not in text and 'create_action=' not in text and 'on_' not in text
    assert 'on_stuck' not in users.stuck_remedy('a@example.com')


def test_diagnose_pending_reads_domains_only(zoomsim, sim_client):
    start = zoomsim.mark()  # cases: example.com is an associated (verified) domain
    assert diagnose_pending(sim_client, 'a@example.com', create_action='ssoCreate')[0] == 'existing_zoom_account'
    assert calls(zoomsim, start) == [('GET', DOMAINS_PATH)]


@pytest.mark.parametrize('action,domains,expected', [
    ('create', {'example.com'}, ('pending', 'awaiting_confirmation')),
    # a personal account cannot be seen before the create (a 1010 lookup is no proof): not predicted
    ('ssoCreate', {'example.com'}, ('active', None)),
    ('ssoCreate', {'other.com'}, ('pending', 'domain_not_associated')),
    ('ssoCreate', None, ('active', None)),
    ('autoCreate', {'other.com'}, ('active', None)),
    ('custCreate', None, ('active', None)),
])
def test_predict_create_from(action, domains, expected):
    status, reason, remedy = predict_create_from('a@example.com', action, domains)
    assert (status, reason) == expected
    assert (remedy is None) == (reason is None)
    found = users.predicted_pending('a@example.com', action, domains)  # the diagnosis says the same
    assert (found.reason, found.remedy) == (reason, remedy) if found else reason is None


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


def test_managed_and_associated_domains(zoomsim, sim_client):
    load_world(zoomsim, account=DOMAINS)  # Zoom lists managed.example as pending: managed, not associated
    start = zoomsim.mark()
    assert users.managed_domains(sim_client) == {'example.com', 'managed.example'}
    assert account_domains(sim_client) == {'example.com'}
    assert calls(zoomsim, start) == [('GET', DOMAINS_PATH)]  # read once


# ---------------------------------------------------------------------------------------------- appliers

def test_create_user_reads_status_back(zoomsim, sim_client):
    email = 'a@contractor.example'  # ssoCreate on a domain the account has not associated: Zoom leaves it pending
    start = zoomsim.mark()
    outcome = create_user(sim_client, email, {'first_name': 'A', 'type': 'licensed', 'active': False}, 'ssoCreate')
    assert outcome.state.status == 'pending' and outcome.created and not outcome.confirmed_after_uncertain
    assert calls(zoomsim, start) == [('POST', USERS_PATH), ('GET', USERS_PATH + '/' + email)]
    assert (outcome.state.user['type'], outcome.state.user['first_name']) == (2, 'A')
    body = users.create_body(email, {'first_name': 'A', 'type': 'licensed', 'active': False}, 'ssoCreate')
    assert body == {'action': 'ssoCreate', 'user_info': {'email': email, 'type': 2, 'first_name': 'A'}}


def test_create_user_uncertain_confirms_without_resending(zoomsim, sim_client):
    zoomsim.set_faults({'script': [LOST_CREATE]})
    start = zoomsim.mark()
    outcome = create_user(sim_client, 'a@example.com', {}, 'ssoCreate')
    assert outcome.state.status == 'active' and outcome.confirmed_after_uncertain and outcome.created
    assert calls(zoomsim, start).count(('POST', USERS_PATH)) == 1


def test_create_user_uncertain_not_landed_is_sent_again(zoomsim, sim_client):
    zoomsim.set_faults({'script': [DROPPED_CREATE]})
    outcome = create_user(sim_client, 'a@example.com', {}, 'ssoCreate')
    assert outcome.created and outcome.sends == 2 and outcome.state.status == 'active'


def test_create_user_resend_answered_409_means_the_first_landed(make_client, zoom_stub):
    """The lost create landed although the lookup right after did not show it yet (the simulator's reads never lag)."""
    zoom_stub.reply('POST', USERS_PATH, drop=True)
    zoom_stub.reply('GET', USERS_PATH + '/a@example.com', status=404, json={'code': 1001, 'message': 'User does not exist.'})
    zoom_stub.reply('POST', USERS_PATH, status=409, json={'code': 1005, 'message': 'User already in the account: a@example.com'})
    zoom_stub.reply('GET', USERS_PATH + '/a@example.com', json=rest_user('a@example.com'))
    outcome = create_user(make_client(), 'a@example.com', {}, 'ssoCreate')
    assert outcome.created and outcome.confirmed_after_uncertain and not outcome.already_existed


def test_create_user_never_landing_fails_saying_nothing_was_created(zoomsim, sim_client):
    zoomsim.set_faults({'script': [dict(DROPPED_CREATE, times=None)]})
    start = zoomsim.mark()
    with pytest.raises(users.ZoomCreateError, match='nothing was created') as info:
        create_user(sim_client, 'a@example.com', {}, 'ssoCreate', max_sends=2)
    assert info.value.created is False and info.value.to_dict()['created'] is False
    assert calls(zoomsim, start).count(('POST', USERS_PATH)) == 2


def test_create_user_conflict_and_holds_account(zoomsim, sim_client):
    start = zoomsim.mark()
    outcome = create_user(sim_client, 'alice@example.com', {}, 'ssoCreate')
    assert outcome.state.status == 'active' and outcome.already_existed and not outcome.created
    assert zoomsim.writes_since(start)[0]['status'] == 409
    # an email held by another company's Zoom account
    with pytest.raises(users.ZoomCreateError, match='nothing was created.*own Zoom account') as info:
        create_user(sim_client, 'someone@partner.example', {}, 'ssoCreate')
    assert info.value.code == 1009 and not info.value.created


@pytest.mark.parametrize('user_type,seats,style,code', [
    ('licensed', 'paid_seats', 'specific', 2034),
    ('licensed', 'paid_seats', '3412', 3412),
    ('basic', 'basic_seats', 'specific', 2033),
    ('basic', 'basic_seats', '3412', 3412),
])
def test_create_user_without_a_free_licence(zoomsim, sim_client, user_type, seats, style, code):
    load_world(zoomsim, account={seats: 0}, seat_limit_error=style)
    with pytest.raises(users.ZoomCreateError) as info:
        create_user(sim_client, 'a@example.com', {'type': user_type}, 'ssoCreate')
    assert 'as a %s user' % user_type in info.value.msg and 'nothing was created' in info.value.msg
    assert info.value.code == code and info.value.created is False
    assert lookup_user(sim_client, 'a@example.com').status == 'absent'


def test_create_user_over_the_zoom_one_limit(make_client, zoom_stub):
    """2038 (Zoom One seats used up): the simulator has no Zoom One plans."""
    zoom_stub.reply('POST', USERS_PATH, status=400, json={'code': 2038, 'message': 'no seats'})
    with pytest.raises(users.ZoomCreateError) as info:
        create_user(make_client(), 'a@example.com', {'type': 'licensed'}, 'ssoCreate')
    assert 'as a licensed user' in info.value.msg and 'nothing was created' in info.value.msg
    assert info.value.code == 2038 and info.value.created is False


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


def writes(sim, since):
    return [(entry['method'], entry['path'], entry['query']) for entry in sim.writes_since(since)]


def test_apply_user_order(zoomsim, sim_client):
    state = lookup_user(sim_client, 'ivan.inactive@example.com')
    path = '%s/%s' % (USERS_PATH, state.id)
    start = zoomsim.mark()
    apply_user(sim_client, state, plan_user({'active': True, 'first_name': 'B', 'type': 'licensed'}, state))
    assert [write[:2] for write in writes(zoomsim, start)] == [('PUT', path + '/status'), ('PATCH', path)]
    after = lookup_user(sim_client, 'ivan.inactive@example.com')
    assert (after.status, after.user['first_name'], after.user['type']) == ('active', 'B', 2)
    state = lookup_user(sim_client, 'alice@example.com')
    path = '%s/%s' % (USERS_PATH, state.id)
    start = zoomsim.mark()
    apply_user(sim_client, state, plan_user({'active': False, 'first_name': 'B'}, state))
    assert [write[:2] for write in writes(zoomsim, start)] == [('PATCH', path), ('PUT', path + '/status')]
    assert lookup_user(sim_client, 'alice@example.com').status == 'inactive'


def test_remove_user_paths(zoomsim, sim_client):
    email = 'a+b@contractor.example'
    load_world(zoomsim, users=[{'email': email, 'first_name': 'A', 'last_name': 'B', 'type': 1, 'status': 'pending',
                                'pending_reason': 'domain_not_associated'}])
    pending = lookup_user(sim_client, email)
    start = zoomsim.mark()
    assert remove_user(sim_client, pending, plan_removal(pending)) == 'removed'
    assert writes(zoomsim, start) == [('DELETE', USERS_PATH + '/' + email, '')]  # by email, no action
    assert lookup_user(sim_client, email).status == 'absent'


def test_remove_user_404_counts_as_gone_only_when_a_lookup_confirms(zoomsim, sim_client):
    # removed by someone else between the lookup and the DELETE (bob: not on a managed domain of this world)
    load_world(zoomsim, account={'managed_domains': []})
    active = lookup_user(sim_client, 'bob@example.com')
    assert zoomsim.call('DELETE', '%s/%s' % (USERS_PATH, active.id), params={'action': 'delete'}).status_code == 204
    start = zoomsim.mark()
    assert remove_user(sim_client, active, plan_removal(active)) == 'already_gone'
    assert writes(zoomsim, start) == [('DELETE', '%s/%s' % (USERS_PATH, active.id), 'action=disassociate')]
    # still there: the transfer target was the cause
    active = lookup_user(sim_client, 'alice@example.com')
    with pytest.raises(ZoomPlanError, match='transfer_to=b@example.com is not an active user') as info:
        remove_user(sim_client, active, plan_removal(active, 'delete', 'b@example.com'), 'b@example.com')
    assert 'still there' in str(info.value)


def test_remove_user_404_for_a_user_still_there_is_zoom_s_error(make_client, zoom_stub):
    """A 404 on the DELETE of a user a lookup still finds, no transfer target to blame (no simulator case answers so)."""
    active = UserState('a@example.com', 'active', id='u-1', user=rest_user())
    zoom_stub.reply('DELETE', USERS_PATH + '/u-1', status=404, json={'code': 1001, 'message': 'User does not exist.'})
    zoom_stub.reply('GET', USERS_PATH + '/a@example.com', json=rest_user('a@example.com'))
    with pytest.raises(ZoomAPIError):
        remove_user(make_client(), active, plan_removal(active))


def test_remove_user_1107_at_apply_time(zoomsim, sim_client):
    active = lookup_user(sim_client, 'alice@example.com')  # cases: example.com is a managed domain
    start = zoomsim.mark()
    with pytest.raises(ZoomPlanError, match='removal_action=delete') as info:
        remove_user(sim_client, active, plan_removal(active))
    assert info.value.problems == [users.managed_domain_problem('alice@example.com')]
    assert lookup_user(sim_client, 'alice@example.com').status == 'active'
    assert [entry['status'] for entry in zoomsim.writes_since(start)] == [400]


def test_change_equality_and_repr():
    assert Change('update', 'a', 1, 2) == Change('update', 'a', 1, 2)
    assert Change('update', 'a', 1, 2) != Change('update', 'a', 1, 3)
    assert 'update' in repr(Change('update', 'a'))


def test_remedies_name_the_admin_steps():
    for reason in ('domain_not_associated', 'existing_zoom_account', 'awaiting_confirmation', 'unknown'):
        text = users.remedy_for(reason, 'a@example.com')
        assert re.search(r'\bRemedy\b|Nothing to fix|Check the user', text)
    assert '1120' in users.stuck_remedy('a@example.com')
