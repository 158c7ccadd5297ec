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
    predict_create,
    predict_create_from,
    remove_user,
    type_code,
    user_view,
    validate_email,
    validate_name,
)


class FakeClient:
    """Scripted stand-in for ZoomClient: ``script(method, path, answer)``; answers are values or exceptions.

    Several answers for one (method, path) are used in order; the last one repeats. Calls are recorded in ``calls``
    as ``(method, path, params, json)``.
    """

    def __init__(self):
        self.answers = {}
        self.calls = []

    def script(self, method, path, *answers):
        self.answers.setdefault((method, path), []).extend(answers)
        return self

    def _answer(self, method, path, params=None, json=None):
        self.calls.append((method, path, params, json))
        queue = self.answers.get((method, path))
        if not queue:
            raise AssertionError('FakeClient: nothing scripted for %s %s' % (method, path))
        answer = queue.pop(0) if len(queue) > 1 else queue[0]
        if isinstance(answer, BaseException):
            raise answer
        return answer

    def get(self, path, params=None):
        return self._answer('GET', path, params)

    def post(self, path, json=None, params=None):
        return self._answer('POST', path, params, json)

    def put(self, path, json=None, params=None):
        return self._answer('PUT', path, params, json)

    def patch(self, path, json=None, params=None):
        return self._answer('PATCH', path, params, json)

    def delete(self, path, json=None, params=None):
        return self._answer('DELETE', path, params, json)

    def methods(self):
        return [(method, path) for method, path, _params, _json in self.calls]

    def writes(self):
        return [call for call in self.calls if call[0] != 'GET']


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


@pytest.mark.parametrize('error,status', [
    (api_error(404, 1001, 'User does not exist: a@example.com.'), 'absent'),
    (api_error(400, 1120, 'A valid invitation to join the Zoom account was not found for this user.'), 'stuck_invitation'),
    (api_error(400, 1010, 'User not belong to this account'), 'external'),
    (api_error(404, None, 'not found'), 'absent'),
])
def test_lookup_user_classifies_errors(error, status):
    client = FakeClient().script('GET', '/v2/users/a+b@example.com', error)
    state = lookup_user(client, 'a+b@example.com')
    assert state.status == status
    assert state.detail


@pytest.mark.parametrize('error', [api_error(404, 2300, 'Route not found.'), api_error(401, 124, 'Invalid access token.'),
                                   api_error(400, 4711, 'does not contain scopes'), api_error(500, None, 'oops')])
def test_lookup_user_raises_other_errors(error):
    client = FakeClient().script('GET', '/v2/users/a@example.com', error)
    with pytest.raises(ZoomAPIError):
        lookup_user(client, 'a@example.com')


def test_lookup_user_found_and_quoted():
    client = FakeClient().script('GET', '/v2/users/a%2Fb@example.com', rest_user('a/b@example.com', 'pending'))
    state = lookup_user(client, 'a/b@example.com')
    assert (state.status, state.id) == ('pending', 'u-1')
    with pytest.raises(ZoomError, match='empty body'):
        lookup_user(FakeClient().script('GET', '/v2/users/a@example.com', None), 'a@example.com')


def test_account_domains_verified_only_and_cached():
    client = FakeClient().script('GET', '/v2/accounts/me/managed_domains', {'domains': [
        {'domain': 'Example.com', 'status': 'verified'}, {'domain': 'managed.example', 'status': 'pending'}],
        'total_records': 2})
    assert account_domains(client) == {'example.com'}
    assert account_domains(client) == {'example.com'}
    assert len(client.calls) == 1


@pytest.mark.parametrize('status', [400, 403, 404])
def test_account_domains_unknown(status):
    client = FakeClient().script('GET', '/v2/accounts/me/managed_domains', api_error(status, 200, 'Only available for Paid'))
    assert account_domains(client) is None
    assert account_domains(client) is None
    assert len(client.calls) == 1


def test_account_domains_raises_server_errors():
    client = FakeClient().script('GET', '/v2/accounts/me/managed_domains', api_error(500, None))
    with pytest.raises(ZoomAPIError):
        account_domains(client)


# ---------------------------------------------------------------------------------------------- diagnosis

def test_diagnose_pending_order():
    client = FakeClient()
    reason, remedy = diagnose_pending(client, 'a@example.com', create_action='create', domains={'other.com'})
    assert reason == 'awaiting_confirmation' and 'confirmation link' in remedy
    reason, remedy = diagnose_pending(client, 'a@example.com', domains={'other.com'})
    assert reason == 'domain_not_associated'
    assert 'Associated Domains' in remedy and 'example.com' in remedy and 'delete the pending user' in remedy
    reason, remedy = diagnose_pending(client, 'a@example.com', created_now=True, pre_state=UserState('a@example.com', 'external'),
                                      domains={'example.com'})
    assert reason == 'existing_zoom_account' and 'consolidate' in remedy
    reason, remedy = diagnose_pending(client, 'a@example.com', state=UserState('a@example.com', 'pending'), domains={'example.com'})
    assert reason == 'unknown' and remedy
    assert client.calls == []


def test_diagnose_pending_reads_domains_and_lookup():
    client = FakeClient()
    client.script('GET', '/v2/accounts/me/managed_domains', {'domains': [{'domain': 'example.com', 'status': 'verified'}]})
    client.script('GET', '/v2/users/a@example.com', api_error(400, 1010, 'User not belong to this account'))
    assert diagnose_pending(client, 'a@example.com')[0] == 'existing_zoom_account'


@pytest.mark.parametrize('action,state,domains,expected', [
    ('create', 'absent', {'example.com'}, ('pending', 'awaiting_confirmation')),
    ('ssoCreate', 'absent', {'example.com'}, ('active', None)),
    ('ssoCreate', 'absent', {'other.com'}, ('pending', 'domain_not_associated')),
    ('ssoCreate', 'external', {'example.com'}, ('pending', 'existing_zoom_account')),
    ('ssoCreate', 'external', None, ('pending', 'existing_zoom_account')),
    ('ssoCreate', 'absent', None, ('active', None)),
    ('autoCreate', 'absent', {'other.com'}, ('active', None)),
    ('custCreate', 'stuck_invitation', None, ('active', None)),
])
def test_predict_create_from(action, state, domains, expected):
    status, reason, remedy = predict_create_from('a@example.com', action, UserState('a@example.com', state), domains)
    assert (status, reason) == expected
    assert (remedy is None) == (reason is None)


def test_predict_create_reads():
    client = FakeClient()
    client.script('GET', '/v2/users/a@example.com', api_error(404, 1001))
    client.script('GET', '/v2/accounts/me/managed_domains', {'domains': []})
    assert predict_create(client, 'a@example.com', 'ssoCreate')[:2] == ('pending', 'domain_not_associated')
    assert client.writes() == []


def test_pending_create_action():
    assert pending_create_action({'login_types': [100]}, 'ssoCreate') == 'create'
    assert pending_create_action({'login_types': [101]}, 'ssoCreate') == 'ssoCreate'
    assert pending_create_action({'login_types': [100, 101]}, 'ssoCreate') == 'ssoCreate'
    assert pending_create_action(None, 'autoCreate') == 'autoCreate'


# ---------------------------------------------------------------------------------------------- planning

def test_plan_user_only_set_fields():
    state = UserState('jane@example.com', 'active', id='u-1', user=rest_user(dept='Sales'))
    assert plan_user({'first_name': 'Jane', 'last_name': None, 'type': 'basic', 'active': True}, state) == []
    changes = plan_user({'first_name': 'Janet', 'type': 'licensed', 'dept': 'R&D'}, state)
    assert [change.label for change in changes] == ['update:first_name', 'update:type', 'update:dept']
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


# ---------------------------------------------------------------------------------------------- appliers

def test_create_user_reads_status_back():
    client = FakeClient()
    client.script('POST', '/v2/users', {'id': 'u-1', 'email': 'a@example.com'})
    client.script('GET', '/v2/users/a@example.com', rest_user('a@example.com', 'pending'))
    state, confirmed = create_user(client, 'a@example.com', {'first_name': 'A', 'type': 'licensed', 'active': False}, 'ssoCreate')
    assert state.status == 'pending' and confirmed is False
    body = client.calls[0][3]
    assert body == {'action': 'ssoCreate', 'user_info': {'email': 'a@example.com', 'type': 2, 'first_name': 'A'}}


def test_create_user_uncertain_confirms_without_resending():
    client = FakeClient()
    client.script('POST', '/v2/users', ZoomUncertainWriteError('lost', method='POST', path='/v2/users'))
    client.script('GET', '/v2/users/a@example.com', rest_user('a@example.com'))
    state, confirmed = create_user(client, 'a@example.com', {}, 'ssoCreate')
    assert state.status == 'active' and confirmed is True
    assert client.methods().count(('POST', '/v2/users')) == 1


def test_create_user_uncertain_not_landed_fails_clearly():
    client = FakeClient()
    client.script('POST', '/v2/users', ZoomUncertainWriteError('lost', method='POST', path='/v2/users'))
    client.script('GET', '/v2/users/a@example.com', api_error(404, 1001))
    with pytest.raises(ZoomError, match='did not land'):
        create_user(client, 'a@example.com', {}, 'ssoCreate')
    assert client.methods().count(('POST', '/v2/users')) == 1


def test_create_user_conflict_and_holds_account():
    client = FakeClient()
    client.script('POST', '/v2/users', ZoomAPIError(409, 1005, 'User already in the account: a@example.com'))
    client.script('GET', '/v2/users/a@example.com', rest_user('a@example.com'))
    assert create_user(client, 'a@example.com', {}, 'ssoCreate')[0].status == 'active'
    client = FakeClient().script('POST', '/v2/users', ZoomAPIError(400, 1009, 'The user a@example.com already holds an active account.'))
    with pytest.raises(ZoomAPIError, match='another Zoom account'):
        create_user(client, 'a@example.com', {}, 'autoCreate')


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
    remove_user(client, pending, plan_removal(pending))
    assert client.calls == [('DELETE', '/v2/users/a+b@example.com', None, None)]
    client = FakeClient().script('DELETE', '/v2/users/u-1', api_error(404, 1001))
    active = UserState('a@example.com', 'active', id='u-1', user=rest_user())
    remove_user(client, active, plan_removal(active))  # already gone: no error
    assert client.calls[0][2] == {'action': 'disassociate'}
    client = FakeClient().script('DELETE', '/v2/users/u-1', ZoomAPIError(400, 1107, 'You can not disassociate a user with managed domain.'))
    with pytest.raises(ZoomAPIError, match='removal_action=delete'):
        remove_user(client, active, plan_removal(active))


def test_change_equality_and_repr():
    assert Change('update', 'a', 1, 2) == Change('update', 'a', 1, 2)
    assert Change('update', 'a', 1, 2) != Change('update', 'a', 1, 3)
    assert 'update' in repr(Change('update', 'a'))


def test_remedies_name_the_admin_steps():
    for reason in ('domain_not_associated', 'existing_zoom_account', 'awaiting_confirmation', 'unknown'):
        text = users.remedy_for(reason, 'a@example.com')
        assert re.search(r'\bRemedy\b|Nothing to fix|Check the user', text)
    assert '1120' in users.stuck_remedy('a@example.com')
