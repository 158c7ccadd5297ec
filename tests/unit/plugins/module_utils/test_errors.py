# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_errors: the table of Zoom error codes, is_missing, error kinds and hints."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import re

from json import dumps as json_dumps

import pytest

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    ZOOM_CODES,
    ZoomAPIError,
    ZoomConnectionError,
    ZoomPlanError,
    ZoomRateLimitError,
    error_kind,
    hint_for,
    is_missing,
    missing_scopes,
    zoom_code,
)

# pylint: disable=redefined-outer-name


def api_error(status, code=None, message=None, method='GET', path='/v2/users/a@example.com'):
    return ZoomAPIError(status, code, message, method=method, path=path)


def test_every_row_cites_a_facts_section_and_says_what_to_do():
    facts_sections = ('1.4', '2.1', '2.3', '2.5', '2.9', '2.10', '5.2')
    for row in ZOOM_CODES:
        assert row.facts in facts_sections, row
        assert row.hint and row.hint.endswith('.'), row
        assert row.meaning and row.kind, row
    # one row per (code, method): a code means one thing on a given call
    keys = [(row.code, method) for row in ZOOM_CODES for method in (row.methods or ('*',))]
    assert len(keys) == len(set(keys))
    for code in set(row.code for row in ZOOM_CODES):
        rows = [row for row in ZOOM_CODES if row.code == code]
        if len(rows) > 1:  # a reused code: each row says when it applies, and how to tell it without a method
            assert all(row.methods and row.marker for row in rows), rows


# --------------------------------------------------------------------------- is_missing: the one rule

@pytest.mark.parametrize('status, code, method, missing', [
    (404, 1001, 'GET', True),           # user does not exist
    (404, None, 'GET', True),           # SCIM 404 (no code)
    (404, 4130, 'GET', True),           # group does not exist: a 404 we have no row for
    (400, 1001, 'GET', True),           # 1001 on another status still means "does not exist"
    (404, 1001, 'DELETE', True),
    (404, 2300, 'GET', False),          # unknown endpoint: a wrong api_url, not a missing object
    (400, 2300, 'GET', False),
    (404, 2001, 'GET', False),          # Zoom Phone: the account does not exist
    (404, 1102, 'POST', False),         # no free phone licence answers 404 too
    (400, 1010, 'GET', False),          # the email is held by another account: not free to create
    (400, 1120, 'GET', False),          # expired invitation: still blocks the email
    (409, 1005, 'POST', False),
    (500, None, 'GET', False),
])
def test_is_missing(status, code, method, missing):
    assert is_missing(api_error(status, code, 'x', method)) is missing


def test_is_missing_only_for_api_errors():
    assert is_missing(ZoomConnectionError('down')) is False
    assert is_missing(ValueError('404')) is False
    assert error_kind(ZoomPlanError('x')) is None


# --------------------------------------------------------------------------- kinds

@pytest.mark.parametrize('status, code, message, method, kind', [
    (401, 124, 'Invalid access token.', 'GET', 'invalid_token'),
    (400, 300, 'Validation Failed.', 'POST', 'validation'),
    (400, 1000, 'You can not access settings of users that are still in pending state.', 'PATCH', 'pending_settings'),
    (409, 1005, 'User already in the account: a@example.com', 'POST', 'already_exists'),
    (409, None, 'conflict', 'POST', 'already_exists'),
    (400, 1009, 'The user a@example.com already holds an active account.', 'POST', 'holds_account'),
    (400, 1010, 'User not found on this account', 'GET', 'not_in_account'),
    (404, 1102, 'You cannot enable the **Zoom Phone** feature', 'POST', 'no_phone_licence'),
    (400, 1107, 'You can not disassociate a user with managed domain.', 'DELETE', 'managed_domain'),
    (400, 1107, 'Email domain is blocked.', 'POST', 'domain_blocked'),
    (400, 1117, 'You can not disassociate an Admin user.', 'DELETE', 'admin_user'),
    (400, 1120, 'A valid invitation to join the Zoom account was not found for this user.', 'GET', 'invitation_expired'),
    (400, 2033, 'Your request to add a basic user wasn\'t approved', 'POST', 'no_licence'),
    (400, 2034, 'Your request to add a new Licensed user could not be approved', 'POST', 'no_licence'),
    (400, 3412, 'Your request to add a basic user couldn\'t be approved', 'POST', 'no_licence'),
    (400, 2038, 'Zoom One', 'POST', 'no_licence'),
    (404, 2300, 'This API endpoint is not recognized.', 'GET', 'unknown_endpoint'),
    (400, 4711, 'Invalid access token, does not contain scopes:[user:read:admin].', 'GET', 'missing_scope'),
    (400, 4700, 'Invalid Access Token, does not contain scopes: [user:read:admin]', 'GET', 'missing_scope'),
    (400, 200, 'Invalid access token, does not contain scopes:[phone:read:admin].', 'GET', 'missing_scope'),
    (403, None, 'Access to the Zoom REST API has been denied for this account. Contact Zoom Support for details.', 'GET',
     'api_disabled'),
    (403, None, 'The current login user does not have the "User:Read" permission.', 'GET', 'forbidden'),
    (429, 429, 'Too many concurrent requests. A request to disassociate this user has already been made.', 'DELETE',
     'concurrent_request'),
    (429, 429, 'You have reached the maximum per-second rate limit for this API. Try again later.', 'GET', 'rate_limited'),
    (503, None, None, 'GET', 'server_error'),
    (409, None, 'Cannot add paid users.', 'POST', 'no_licence'),                       # SCIM: no code, only the text
    (409, None, 'Cannot create more users with Zoom One Pro.', 'PUT', 'no_licence'),
    (400, 9999, 'something new', 'GET', None),
])
def test_error_kind(status, code, message, method, kind):
    exc = api_error(status, code, message, method)
    assert error_kind(exc) == kind
    assert exc.kind == kind


def test_zoom_code_reads_the_method_and_tolerates_text_codes():
    assert zoom_code(1107, 'delete').kind == 'managed_domain'
    assert zoom_code('1107', 'POST').kind == 'domain_blocked'
    assert zoom_code(1107, 'PATCH') is None  # 1107 means nothing known on another call
    # an error built without its method (a helper re-raising, a test fake): Zoom's text decides
    assert zoom_code(1107, message='You can not disassociate a user with managed domain.').kind == 'managed_domain'
    assert zoom_code(1107, message='Email domain is blocked.').kind == 'domain_blocked'
    assert error_kind(ZoomAPIError(400, 1107, 'You can not disassociate a user with managed domain.')) == 'managed_domain'
    assert zoom_code(None) is None and zoom_code('abc') is None and zoom_code(42) is None


# --------------------------------------------------------------------------- hints

@pytest.mark.parametrize('message, scopes', [
    ('Invalid access token, does not contain scopes:[user:read:list_users:admin].', ['user:read:list_users:admin']),
    ('Invalid access token, does not contain scopes:[user:read:admin, phone:read:admin]', ['user:read:admin', 'phone:read:admin']),
    ('Invalid access token, does not contain scopes: ["scim2"]', ['scim2']),
    ('Invalid access token.', []),
    (None, []),
])
def test_missing_scopes(message, scopes):
    assert missing_scopes(message) == scopes


def test_missing_scope_message_names_the_scopes_and_the_app():
    exc = api_error(400, 4711, 'Invalid access token, does not contain scopes:[user:read:list_users:admin, user:write:user:admin].')
    text = str(exc)
    assert 'Add the scopes user:read:list_users:admin, user:write:user:admin to the Server-to-Server OAuth app' in text
    assert 'HTTP 400' in text and 'code 4711' in text  # what Zoom said stays in the message
    assert 'named in Zoom\'s message' in hint_for(400, 4711, 'scopes missing')


@pytest.mark.parametrize('status, code, message, method, words', [
    (403, None, 'Access to the Zoom REST API has been denied for this account. Contact Zoom Support for details.', 'GET',
     ['Zoom Support', 'nothing was changed']),
    (400, 2033, 'basic user limit', 'POST', ['Basic users', 'did not create or change anything', 'Free a Basic seat']),
    (400, 3412, 'seat limit', 'PUT', ['no free seat of the requested user type', 'did not create or change anything',
                                      'another type']),
    (400, 2034, 'maximum number of Licensed users', 'POST', ['buy more licences', 'type basic', 'did not create']),
    (400, 1107, 'You can not disassociate a user with managed domain.', 'DELETE',
     ['nothing was removed', 'Deactivate', 'removal_action=delete with transfer_to']),
    (404, 1001, 'User does not exist: a@example.com.', 'GET', ['does not exist']),
    (400, 1010, 'User not found on this account', 'GET', ['another Zoom account']),
    (400, 1120, 'A valid invitation ... was not found', 'GET', ['invitation expired', 'create the user again']),
    (404, 2300, 'This API endpoint is not recognized.', 'GET', ['api_url', 'without /v2']),
    (400, 300, 'Validation Failed.', 'POST', ['fix the field']),
    (401, 124, 'Invalid access token.', 'GET', ['Server-to-Server OAuth app is activated']),
    (429, 429, 'Too many concurrent requests. A request to disassociate this user has already been made.', 'DELETE',
     ['same user', 'wait a few seconds and rerun']),
    (400, 1117, 'You can not disassociate an Admin user.', 'DELETE', ['admin role']),
    (409, None, 'Cannot add paid users.', 'POST', ['buy more licences', 'type basic', 'did not create']),
])
def test_hints(status, code, message, method, words):
    hint = hint_for(status, code, message, method)
    for word in words:
        assert word in hint, (word, hint)
    assert hint in str(api_error(status, code, message, method))  # ZoomAPIError appends it


def test_no_hint_for_an_unknown_answer():
    assert hint_for(400, 9999, 'new') is None
    assert str(api_error(400, 9999, 'new')) == 'Zoom API call GET /v2/users/a@example.com failed with HTTP 400, Zoom code 9999: new.'


def test_rate_limit_error_keeps_its_fields():
    exc = ZoomRateLimitError(429, 429, 'daily', method='GET', path='/v2/users', msg='used up', retry_after=30.0,
                             limit_type='Daily-limit', category='Light')
    result = exc.to_dict()
    assert result['retry_after'] == 30.0 and result['limit_type'] == 'Daily-limit' and result['category'] == 'Light'
    assert result['msg'] == 'used up' and json_dumps(result)


# --------------------------------------------------------------------------- the client says it too

def test_client_errors_carry_the_table_hints(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users', status=400,
                    json={'code': 4711, 'message': 'Invalid access token, does not contain scopes:[user:read:list_users:admin].'})
    zoom_stub.reply('POST', '/v2/users', status=400, json={
        'code': 2034, 'message': 'Your request to add a new Licensed user could not be approved at this time.'})
    zoom_stub.reply('DELETE', '/v2/users/u1', status=400, json={'code': 1107, 'message': 'You can not disassociate a user with managed domain.'})
    client = make_client()
    with pytest.raises(ZoomAPIError) as info:
        client.get('/v2/users')
    assert info.value.kind == 'missing_scope' and 'user:read:list_users:admin to the Server-to-Server OAuth app' in str(info.value)
    with pytest.raises(ZoomAPIError) as info:
        client.post('/v2/users', json={'action': 'create'})
    assert info.value.kind == 'no_licence' and 'did not create' in str(info.value)
    with pytest.raises(ZoomAPIError) as info:
        client.delete('/v2/users/u1', params={'action': 'disassociate'})
    assert info.value.kind == 'managed_domain' and 'transfer_to' in str(info.value)


def test_concurrent_429s_used_up_explain_the_lock(zoom_stub, make_client):
    body = {'code': 429, 'message': 'Too many concurrent requests. A request to disassociate this user has already been made.'}
    zoom_stub.reply('DELETE', '/v2/users/u1', status=429, json=body, times=None)
    client = make_client(max_retries=2)
    with pytest.raises(ZoomRateLimitError) as info:
        client.delete('/v2/users/u1')
    assert info.value.kind == 'concurrent_request'
    assert re.search(r'HTTP 429 \(.*3 times\)', str(info.value))
    assert 'same user' in str(info.value)
