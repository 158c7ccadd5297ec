# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""ZoomClient against a real local HTTP stub (tests/unit/conftest.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import base64
import datetime
import os
import re
import socket
import threading
import time

from json import dumps as json_dumps

import pytest

from ansible_collections.zoomops.provisioning.plugins.module_utils import _client, _client_policy
from ansible_collections.zoomops.provisioning.plugins.module_utils._client import (
    COLLECTION_VERSION,
    RateBudget,
    ZoomClient,
    encode_query,
    quote_path,
    scrub,
    secret_forms,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    ZoomAPIError,
    ZoomAuthError,
    ZoomConfigError,
    ZoomConnectionError,
    ZoomError,
    ZoomRateLimitError,
    ZoomUncertainWriteError,
    is_missing,
)

# pylint: disable=redefined-outer-name


def _iso_in(seconds):
    when = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(seconds=seconds)
    return when.strftime('%Y-%m-%dT%H:%M:%SZ')


def _closed_port():
    sock = socket.socket()
    sock.bind(('127.0.0.1', 0))
    port = sock.getsockname()[1]
    sock.close()
    return port


def _positive_sleeps(clock):
    return [s for s in clock.sleeps if s > 0]


# --------------------------------------------------------------------------- token

def test_token_fetched_once_for_many_calls(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'}, times=None)
    client = make_client()
    for dummy in range(10):
        assert client.get('/v2/users/a@example.com') == {'id': 'u1'}
    assert len(zoom_stub.token_requests) == 1
    assert len(zoom_stub.api_requests) == 10
    assert client.stats['token_fetches'] == 1
    assert client.stats['calls'] == 10
    token_request = zoom_stub.token_requests[0]
    assert token_request.form() == {'grant_type': 'account_credentials', 'account_id': zoom_stub.account_id}
    assert token_request.headers['Content-Type'].startswith('application/x-www-form-urlencoded')
    assert token_request.headers['Authorization'].startswith('Basic ')
    assert token_request.query == ''  # parameters go in the form body, not the query string
    assert zoom_stub.api_requests[0].headers['Authorization'] == 'Bearer stub-token-1'
    assert zoom_stub.api_requests[0].headers['User-Agent'] == 'zoomops.provisioning/%s' % COLLECTION_VERSION


def test_token_fetch_is_thread_safe(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'}, times=None)
    client = make_client()
    barrier = threading.Barrier(12)
    errors = []

    def worker():
        barrier.wait()
        try:
            client.get('/v2/users/a@example.com')
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    threads = [threading.Thread(target=worker) for dummy in range(12)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(zoom_stub.token_requests) == 1
    assert client.stats['calls'] == 12


def test_token_refetched_once_on_401_code_124(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'}, times=None)
    client = make_client()
    client.get('/v2/users/a@example.com')
    zoom_stub.expire_tokens()
    assert client.get('/v2/users/a@example.com') == {'id': 'u1'}
    assert len(zoom_stub.token_requests) == 2
    assert [r.bearer for r in zoom_stub.api_requests] == ['stub-token-1', 'stub-token-1', 'stub-token-2']


def test_second_401_is_an_error(zoom_stub, make_client):
    zoom_stub.check_auth = False
    zoom_stub.reply('GET', '/v2/users/a@example.com', status=401, json={'code': 124, 'message': 'Access token is expired.'}, times=None)
    client = make_client()
    with pytest.raises(ZoomAPIError) as info:
        client.get('/v2/users/a@example.com')
    assert info.value.status == 401
    assert info.value.code == 124
    assert 'even after a new token was fetched' in str(info.value)
    assert len(zoom_stub.token_requests) == 2
    assert len(zoom_stub.api_requests) == 2


def test_401_with_other_code_is_not_retried(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/a@example.com', status=401, json={'code': 200, 'message': 'Invalid api key or secret.'})
    client = make_client()
    with pytest.raises(ZoomAPIError) as info:
        client.get('/v2/users/a@example.com')
    assert info.value.code == 200
    assert len(zoom_stub.token_requests) == 1
    assert len(zoom_stub.api_requests) == 1


def test_token_refetched_before_it_expires(zoom_stub, make_client, fake_clock):
    zoom_stub.token_ttl = 120  # refreshed 60 s before Zoom's expiry
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={}, times=None)
    client = make_client(clock=fake_clock.time)
    client.get('/v2/users/a@example.com')
    fake_clock.advance(59)
    client.get('/v2/users/a@example.com')
    assert len(zoom_stub.token_requests) == 1
    fake_clock.advance(2)
    client.get('/v2/users/a@example.com')
    assert len(zoom_stub.token_requests) == 2
    assert [r.bearer for r in zoom_stub.api_requests] == ['stub-token-1', 'stub-token-1', 'stub-token-2']


def test_concurrent_401s_refetch_the_token_once(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={}, times=None)
    client = make_client()
    client.get('/v2/users/a@example.com')
    zoom_stub.expire_tokens()
    barrier = threading.Barrier(8)
    errors = []

    def worker():
        barrier.wait()
        try:
            client.get('/v2/users/a@example.com')
        except Exception as exc:  # pylint: disable=broad-except
            errors.append(exc)

    threads = [threading.Thread(target=worker) for dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert len(zoom_stub.token_requests) == 2


def test_token_refused_shows_reason_not_secret(zoom_stub, make_client):
    client = make_client(client_secret='wrong-%s' % zoom_stub.client_secret)
    with pytest.raises(ZoomAuthError) as info:
        client.get('/v2/users/a@example.com')
    exc = info.value
    assert exc.status == 400
    assert 'Invalid client_id or client_secret' in str(exc)
    assert 'invalid_client' in str(exc)
    assert 'ZOOM_CLIENT_SECRET' in str(exc)
    for text in (str(exc), repr(exc), json_dumps(exc.to_dict())):
        assert zoom_stub.client_secret not in text
    assert not zoom_stub.api_requests


def test_token_endpoint_that_echoes_the_secret_is_scrubbed(zoom_stub, make_client):
    zoom_stub.reply('POST', '/oauth/token', status=400, json={'reason': 'bad secret %s' % zoom_stub.client_secret, 'error': 'invalid_client'})
    client = make_client()
    with pytest.raises(ZoomAuthError) as info:
        client.get('/v2/users/a@example.com')
    for text in (str(info.value), repr(info.value), json_dumps(info.value.to_dict())):
        assert zoom_stub.client_secret not in text
    assert '********' in str(info.value)


def test_wrong_oauth_url_says_so(zoom_stub, make_client):
    zoom_stub.reply('POST', '/wrong/token', status=404, body=b'<html><title>Not Found</title></html>', content_type='text/html')
    client = make_client(oauth_url=zoom_stub.url + '/wrong/token')
    with pytest.raises(ZoomAuthError) as info:
        client.get('/v2/users/a@example.com')
    assert 'oauth_url looks wrong' in str(info.value)
    assert 'https://zoom.us/oauth/token' in str(info.value)


def test_token_endpoint_5xx_is_retried(zoom_stub, make_client, fake_clock):
    zoom_stub.reply('POST', '/oauth/token', status=503, json={'error': 'down'})
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'})
    client = make_client()
    assert client.get('/v2/users/a@example.com') == {'id': 'u1'}
    assert len(zoom_stub.token_requests) == 2
    assert len(_positive_sleeps(fake_clock)) == 1


def test_on_token_callback_receives_each_token(zoom_stub, make_client):
    seen = []
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={}, times=None)
    client = make_client(on_token=seen.append)
    client.get('/v2/users/a@example.com')
    zoom_stub.expire_tokens()
    client.get('/v2/users/a@example.com')
    assert seen == ['stub-token-1', 'stub-token-2']


# ----------------------------------------------------------------------- 429

def test_429_retry_after_seconds(zoom_stub, make_client, fake_clock):
    zoom_stub.reply('GET', '/v2/users', status=429, json={'code': 429, 'message': 'You have reached the maximum per-second rate limit for this API.'},
                    headers={'Retry-After': '3', 'X-RateLimit-Type': 'QPS', 'X-RateLimit-Category': 'Medium'})
    zoom_stub.reply('GET', '/v2/users', json={'users': []})
    client = make_client()
    assert client.get('/v2/users') == {'users': []}
    assert _positive_sleeps(fake_clock) == [3.0]
    stats = client.stats
    assert stats['throttled'] == 1 and stats['throttled_429'] == 1
    assert stats['retries'] == 1
    assert stats['calls'] == 2


def test_429_lower_case_rate_limit_reset_header(zoom_stub, make_client, fake_clock):
    zoom_stub.reply('GET', '/v2/users', status=429, json={'code': 429, 'message': 'slow down'},
                    headers={'x-ratelimit-type': 'QPS', 'x-ratelimit-reset': '2'})
    zoom_stub.reply('GET', '/v2/users', json={'users': []})
    client = make_client()
    client.get('/v2/users')
    assert _positive_sleeps(fake_clock) == [2.0]


def test_429_retry_after_iso_date(zoom_stub, make_client, fake_clock):
    zoom_stub.reply('GET', '/v2/users', status=429, json={'code': 429, 'message': 'slow down'}, headers={'Retry-After': _iso_in(6)})
    zoom_stub.reply('GET', '/v2/users', json={'users': []})
    client = make_client()
    client.get('/v2/users')
    waits = _positive_sleeps(fake_clock)
    assert len(waits) == 1 and 3.0 <= waits[0] <= 6.5


def test_429_without_headers_uses_capped_backoff(zoom_stub, make_client, fake_clock):
    zoom_stub.reply('GET', '/v2/users', status=429, json={'code': 429, 'message': 'slow down'}, times=3)
    zoom_stub.reply('GET', '/v2/users', json={'users': []})
    client = make_client(backoff_base=1.0, backoff_cap=1.5)
    client.get('/v2/users')
    waits = _positive_sleeps(fake_clock)
    assert len(waits) == 3
    assert all(0.25 <= wait <= 1.5 for wait in waits)


def test_daily_429_far_away_fails_at_once(zoom_stub, make_client, fake_clock):
    zoom_stub.reply('POST', '/v2/users', status=429,
                    json={'code': 429, 'message': 'You have reached the maximum daily rate limit for this API. Refer to the response header.'},
                    headers={'X-RateLimit-Type': 'Daily-limit', 'X-RateLimit-Category': 'Light', 'Retry-After': _iso_in(5 * 3600)})
    client = make_client()
    with pytest.raises(ZoomRateLimitError) as info:
        client.post('/v2/users', json={'action': 'create', 'user_info': {'email': 'a@example.com', 'type': 1}})
    exc = info.value
    assert 'daily rate limit' in str(exc)
    assert 'Rerun after that time' in str(exc)
    assert exc.retry_after > 4 * 3600
    assert exc.limit_type == 'Daily-limit'
    assert exc.to_dict()['status'] == 429
    assert len(zoom_stub.api_requests) == 1
    assert not _positive_sleeps(fake_clock)


def test_daily_429_without_retry_after_fails_at_once(zoom_stub, make_client, fake_clock):
    zoom_stub.reply('GET', '/v2/users', status=429, json={'code': 429, 'message': 'You have reached the maximum daily rate limit for this API.'},
                    headers={'x-ratelimit-category': 'Light', 'x-ratelimit-limit': '6000'})
    client = make_client()
    with pytest.raises(ZoomRateLimitError) as info:
        client.get('/v2/users')
    assert 'did not say when' in str(info.value)
    assert len(zoom_stub.api_requests) == 1
    assert not _positive_sleeps(fake_clock)


def test_429_retries_used_up(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users', status=429, json={'code': 429, 'message': 'slow down'}, headers={'Retry-After': '1'}, times=None)
    client = make_client(max_retries=2)
    with pytest.raises(ZoomRateLimitError) as info:
        client.get('/v2/users')
    assert info.value.status == 429
    assert len(zoom_stub.api_requests) == 3


def test_post_is_retried_on_429(zoom_stub, make_client):
    zoom_stub.reply('POST', '/v2/users', status=429, json={'code': 429, 'message': 'slow down'}, headers={'Retry-After': '1'})
    zoom_stub.reply('POST', '/v2/users', status=201, json={'id': 'new'})
    client = make_client()
    assert client.post('/v2/users', json={'action': 'create'}) == {'id': 'new'}
    assert len(zoom_stub.api_requests) == 2
    assert zoom_stub.api_requests[1].json() == {'action': 'create'}


# ----------------------------------------------------------------------- 5xx, connections

def test_5xx_retried_for_get(zoom_stub, make_client, fake_clock):
    zoom_stub.reply('GET', '/v2/users/a@example.com', status=503, body=b'', times=2)
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'})
    client = make_client()
    assert client.get('/v2/users/a@example.com') == {'id': 'u1'}
    assert len(zoom_stub.api_requests) == 3
    assert len(_positive_sleeps(fake_clock)) == 2
    assert all(wait <= 30 for wait in fake_clock.sleeps)


def test_5xx_retries_used_up_for_get(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/a@example.com', status=500, json={'code': 500, 'message': 'Internal error'}, times=None)
    client = make_client(max_retries=3)
    with pytest.raises(ZoomAPIError) as info:
        client.get('/v2/users/a@example.com')
    assert info.value.status == 500
    assert info.value.kind == 'server_error'
    assert len(zoom_stub.api_requests) == 4


@pytest.mark.parametrize('method', ['PUT', 'PATCH', 'DELETE'])
def test_5xx_retried_for_idempotent_writes(zoom_stub, make_client, method):
    zoom_stub.reply(method, '/v2/users/u1', status=502, body=b'<html>bad gateway</html>', content_type='text/html')
    zoom_stub.reply(method, '/v2/users/u1', status=204)
    client = make_client()
    assert client.request(method, '/v2/users/u1', json={'dept': 'x'}).status == 204
    assert len(zoom_stub.api_requests) == 2


def test_5xx_not_retried_for_post(zoom_stub, make_client):
    zoom_stub.reply('POST', '/v2/users', status=500, json={'code': 500, 'message': 'Internal error'})
    client = make_client()
    with pytest.raises(ZoomUncertainWriteError) as info:
        client.post('/v2/users', json={'action': 'create'})
    exc = info.value
    assert exc.method == 'POST' and exc.path == '/v2/users' and exc.status == 500
    assert exc.to_dict()['uncertain'] is True
    assert 'Look the object up' in str(exc)
    assert len(zoom_stub.api_requests) == 1


def test_connection_drop_on_post_is_uncertain(zoom_stub, make_client):
    zoom_stub.reply('POST', '/v2/users', drop=True)
    client = make_client()
    with pytest.raises(ZoomUncertainWriteError):
        client.post('/v2/users', json={'action': 'create'})
    assert len(zoom_stub.api_requests) == 1


def test_connection_drop_on_get_is_retried(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/a@example.com', drop=True)
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'})
    client = make_client()
    assert client.get('/v2/users/a@example.com') == {'id': 'u1'}
    assert client.stats['retries'] == 1


def test_read_timeout_get_retried_post_uncertain(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'late'}, delay=1.0)
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'})
    zoom_stub.reply('POST', '/v2/users', json={'id': 'late'}, delay=1.0)
    client = make_client(timeout=0.3)
    assert client.get('/v2/users/a@example.com') == {'id': 'u1'}
    with pytest.raises(ZoomUncertainWriteError):
        client.post('/v2/users', json={})


def test_refused_connection_after_api_answered_is_retried_even_for_post(zoom_stub, make_client, fake_clock):
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'})
    client = make_client(max_retries=2)
    client.get('/v2/users/a@example.com')
    zoom_stub.stop()  # the API went away after it had answered: a blip worth retrying
    client.close()  # and took the kept-alive connections with it
    with pytest.raises(ZoomConnectionError) as info:
        client.post('/v2/users', json={'action': 'create'})
    text = str(info.value)
    assert 'api_url=%s' % zoom_stub.url in text
    assert 'ZOOM_API_URL' in text
    assert '3 attempts' in text
    assert len(_positive_sleeps(fake_clock)) == 2  # refused before sending: safe to retry even a POST


@pytest.mark.parametrize('method', ['GET', 'POST'])
def test_refused_api_url_on_first_call_fails_fast(zoom_stub, make_client, fake_clock, method):
    dead = 'http://127.0.0.1:%d' % _closed_port()
    client = make_client(api_url=dead)
    started = time.monotonic()
    with pytest.raises(ZoomConnectionError) as info:
        client.request(method, '/v2/users', json={} if method == 'POST' else None)
    assert time.monotonic() - started < 3
    assert sum(fake_clock.sleeps) == 0 and client.stats['retries'] == 0
    text = str(info.value)
    assert 'api_url=%s' % dead in text and 'ZOOM_API_URL' in text and 'connection refused' in text
    assert 'nothing was sent to Zoom' in text


def test_dns_failure_names_api_url(make_client):
    client = make_client(api_url='http://zoom-api.invalid', max_retries=0)
    with pytest.raises(ZoomConnectionError) as info:
        client.get('/v2/users')
    assert 'api_url=http://zoom-api.invalid' in str(info.value)


def test_refused_oauth_url_fails_fast(zoom_stub, make_client, fake_clock):
    dead = 'http://127.0.0.1:%d/oauth/token' % _closed_port()
    client = make_client(oauth_url=dead)  # default max_retries: used to be ~33 s of silent backoff
    started = time.monotonic()
    with pytest.raises(ZoomConnectionError) as info:
        client.get('/v2/users')
    assert time.monotonic() - started < 3
    assert sum(fake_clock.sleeps) == 0
    assert client.stats['token_fetches'] == 1
    text = str(info.value)
    assert 'oauth_url=%s' % dead in text and 'ZOOM_OAUTH_URL' in text and 'connection refused' in text
    assert 'https://zoom.us/oauth/token' in text
    assert not zoom_stub.requests


def test_unresolvable_oauth_url_fails_fast(make_client, fake_clock):
    client = make_client(oauth_url='http://zoom-oauth.invalid/oauth/token')
    with pytest.raises(ZoomConnectionError) as info:
        client.get('/v2/users')
    assert sum(fake_clock.sleeps) == 0
    assert 'oauth_url=http://zoom-oauth.invalid/oauth/token' in str(info.value)
    assert 'does not resolve' in str(info.value)


def test_tls_error_on_oauth_url_fails_fast(zoom_stub, make_client, fake_clock):
    # https against the plain-HTTP stub: the TLS handshake fails
    url = zoom_stub.oauth_url.replace('http://', 'https://')
    client = make_client(oauth_url=url)
    with pytest.raises(ZoomConnectionError) as info:
        client.get('/v2/users')
    assert sum(fake_clock.sleeps) == 0
    assert 'TLS error' in str(info.value) and 'oauth_url=%s' % url in str(info.value)


def test_oauth_url_refused_after_it_answered_is_retried(zoom_stub, make_client, fake_clock):
    zoom_stub.token_ttl = 120
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={})
    client = make_client(clock=fake_clock.time, max_retries=2)
    client.get('/v2/users/a@example.com')
    zoom_stub.stop()
    client.close()
    fake_clock.advance(200)  # the token expired: a new one is needed, the endpoint is gone for a moment
    with pytest.raises(ZoomConnectionError) as info:
        client.get('/v2/users/a@example.com')
    assert len(_positive_sleeps(fake_clock)) == 2
    assert '3 attempts' in str(info.value) and 'oauth_url=' in str(info.value)


@pytest.mark.parametrize('outcome', sorted(_client_policy.RETRY_POLICY))
def test_retry_policy_rows_are_complete(outcome):
    rule = _client_policy.RETRY_POLICY[outcome]
    assert rule.retried_for in (_client_policy.ANY_METHOD, _client_policy.IDEMPOTENT, _client_policy.NO_METHOD)
    assert rule.otherwise in ('fail', 'uncertain')
    assert (rule.wait is None) == (rule.retried_for == _client_policy.NO_METHOD)
    assert rule.pause_budget is (outcome == 'throttled')  # only a rate limit slows the calls of every thread


# ----------------------------------------------------------------------- bodies

def test_empty_body_without_content_type_is_none(zoom_stub, make_client):
    zoom_stub.reply('PATCH', '/v2/users/u1', status=204)
    zoom_stub.reply('PUT', '/v2/users/u1/status', status=200, body=b'', content_type=None)
    client = make_client()
    assert client.patch('/v2/users/u1', json={'dept': 'x'}) is None
    assert client.put('/v2/users/u1/status', json={'action': 'activate'}) is None
    request = zoom_stub.api_requests[0]
    assert request.json() == {'dept': 'x'}
    assert request.headers['Content-Type'] == 'application/json'


def test_scim_json_is_parsed_and_accept_header_sent(zoom_stub, make_client):
    zoom_stub.reply('GET', '/scim2/Users/u1', body=b'{"id": "u1", "userName": "a@example.com"}', content_type='application/scim+json')
    client = make_client()
    assert client.get('/scim2/Users/u1') == {'id': 'u1', 'userName': 'a@example.com'}
    assert zoom_stub.api_requests[0].headers['Accept'] == 'application/scim+json'


def test_scim_error_becomes_api_error_with_detail(zoom_stub, make_client):
    detail = 'User a@example.com not exist or not belong to this account.'
    zoom_stub.reply('GET', '/scim2/Users', status=400, content_type='application/scim+json',
                    body=json_dumps({'schemas': ['urn:ietf:params:scim:api:messages:2.0:Error'], 'detail': detail, 'status': 400}).encode())
    client = make_client()
    with pytest.raises(ZoomAPIError) as info:
        client.get('/scim2/Users', params={'filter': 'userName eq a@example.com'})
    assert info.value.code is None
    assert info.value.message == detail
    assert info.value.status == 400


def test_validation_errors_are_in_message_and_dict(zoom_stub, make_client):
    body = {'code': 300, 'message': 'Validation Failed.', 'errors': [{'field': 'user_info.email', 'message': 'Invalid field.'}]}
    zoom_stub.reply('POST', '/v2/users', status=400, json=body)
    client = make_client()
    with pytest.raises(ZoomAPIError) as info:
        client.post('/v2/users', json={})
    assert 'user_info.email: Invalid field.' in str(info.value)
    assert info.value.kind == 'validation'
    result = info.value.to_dict()
    assert result['errors'] == [{'field': 'user_info.email', 'message': 'Invalid field.'}]
    assert result['code'] == 300 and result['method'] == 'POST' and result['path'] == '/v2/users'


def test_not_found_helpers(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/x@example.com', status=404, json={'code': 1001, 'message': 'User does not exist: x@example.com.'})
    zoom_stub.reply('GET', '/v2/nothing', status=404, json={'code': 2300, 'message': 'This API endpoint is not recognized.'})
    client = make_client()
    with pytest.raises(ZoomAPIError) as info:
        client.get('/v2/users/x@example.com')
    assert is_missing(info.value) and info.value.code == 1001
    with pytest.raises(ZoomAPIError) as info:
        client.get('/v2/nothing')
    assert not is_missing(info.value) and info.value.kind == 'unknown_endpoint'
    assert 'api_url' in str(info.value)


# ----------------------------------------------------------------------- base URL

def test_html_404_from_wrong_base_url(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/a@example.com', status=404, body=b'<html><head><title>Page not found</title></head></html>',
                    content_type='text/html; charset=utf-8')
    client = make_client()
    with pytest.raises(ZoomAPIError) as info:
        client.get('/v2/users/a@example.com')
    text = str(info.value)
    assert 'api_url=%s looks wrong' % zoom_stub.url in text
    assert 'text/html' in text and 'Page not found' in text
    assert 'https://api.zoom.us' in text


def test_html_200_from_wrong_base_url(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/a@example.com', body=b'<!doctype html><html>welcome</html>', content_type='text/html')
    client = make_client()
    with pytest.raises(ZoomAPIError) as info:
        client.get('/v2/users/a@example.com')
    assert 'looks wrong' in str(info.value)


def test_redirect_is_reported_not_followed(zoom_stub, make_client):
    zoom_stub.reply('POST', '/v2/users', status=301, headers={'Location': 'https://api.zoom.us/v2/users'})
    client = make_client()
    with pytest.raises(ZoomAPIError) as info:
        client.post('/v2/users', json={})
    assert 'redirect to https://api.zoom.us/v2/users' in str(info.value)
    assert len(zoom_stub.api_requests) == 1


@pytest.mark.parametrize('url', ['api.zoom.us', 'ftp://api.zoom.us', 'https://', 'https://api.zoom.us?x=1'])
def test_invalid_api_url(url):
    with pytest.raises(ZoomConfigError) as info:
        ZoomClient('a', 'b', 'c', api_url=url)
    assert 'api_url' in str(info.value)


def test_api_url_trailing_v2_and_slash_are_dropped(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'})
    client = make_client(api_url=zoom_stub.url + '/v2/')
    assert client.api_url == zoom_stub.url
    assert client.get('/v2/users/a@example.com') == {'id': 'u1'}


def test_full_url_as_path_is_refused(make_client):
    client = make_client()
    with pytest.raises(ZoomConfigError):
        client.get('https://api.zoom.us/v2/users')


# ----------------------------------------------------------------------- encoding

def test_plus_and_quotes_in_scim_filter(zoom_stub, make_client):
    zoom_stub.reply('GET', '/scim2/Users', json={'totalResults': 0, 'Resources': []})
    client = make_client()
    client.get('/scim2/Users', params={'filter': 'userName eq "a+b@example.com"'})
    request = zoom_stub.api_requests[0]
    assert request.param('filter') == 'userName eq "a+b@example.com"'
    assert '%2B' in request.query
    assert '+' not in request.query
    assert '%22' in request.query


def test_plus_in_email_query_and_path(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users/email', json={'existed_email': True})
    zoom_stub.reply('GET', '/v2/users/a+b@example.com', json={'id': 'u1'})
    client = make_client()
    client.get('/v2/users/email', params={'email': 'a+b@example.com'})
    client.get('/v2/users/' + quote_path('a+b@example.com'))
    assert zoom_stub.api_requests[0].param('email') == 'a+b@example.com'
    assert zoom_stub.api_requests[1].raw_path_only == '/v2/users/a+b@example.com'


def test_quote_path():
    assert quote_path('a+b@example.com') == 'a+b@example.com'
    assert quote_path('a/b?c#d e%') == 'a%2Fb%3Fc%23d%20e%25'
    assert quote_path(12345) == '12345'
    with pytest.raises(ValueError):
        quote_path(None)


def test_encode_query():
    assert encode_query({'a': True, 'b': False, 'c': None, 'd': 'x y+z'}) == 'a=true&b=false&d=x%20y%2Bz'
    assert encode_query([('id', 1), ('id', 2)]) == 'id=1&id=2'
    assert encode_query({'ids': ['1', '2']}) == 'ids=1&ids=2'
    assert encode_query(None) == ''


def test_path_with_slash_in_email_stays_one_segment(zoom_stub, make_client):
    zoom_stub.reply('GET', re.compile(r'^/v2/users/.*$'), json={'ok': True})
    client = make_client()
    client.get('/v2/users/' + quote_path('a/b@example.com'))
    assert zoom_stub.api_requests[0].raw_path_only == '/v2/users/a%2Fb@example.com'


# ----------------------------------------------------------------------- pagination

def test_paginate_with_duplicates_and_same_params(zoom_stub, make_client):
    pages = {
        None: {'users': [{'id': '1', 'email': 'a@x.com'}, {'id': '2', 'email': 'b@x.com'}], 'next_page_token': 'T1'},
        'T1': {'users': [{'id': '2', 'email': 'b@x.com'}, {'id': '3', 'email': 'c@x.com'}, {'email': 'pending@x.com'}], 'next_page_token': 'T2'},
        'T2': {'users': [{'id': '3', 'email': 'c@x.com'}, {'id': '4', 'email': 'd@x.com'}], 'next_page_token': ''},
    }
    zoom_stub.handle('GET', '/v2/phone/users', lambda request: (200, pages[request.param('next_page_token')]))
    client = make_client()
    items = list(client.paginate('/v2/phone/users', 'users', params={'status': 'activate'}, page_size=100, dedupe_key='id'))
    assert [item.get('id') for item in items] == ['1', '2', '3', None, '4']
    requests_seen = zoom_stub.api_requests
    assert len(requests_seen) == 3
    for request in requests_seen:
        assert request.param('status') == 'activate'
        assert request.param('page_size') == '100'
    assert [r.param('next_page_token') for r in requests_seen] == [None, 'T1', 'T2']
    # without dedupe_key the duplicates come through
    assert len(list(client.paginate('/v2/phone/users', 'users', page_size=100))) == 7


def test_paginate_stops_on_missing_items_and_repeated_token(zoom_stub, make_client):
    zoom_stub.handle('GET', '/v2/users', lambda request: (200, {'users': [{'id': 'x'}], 'next_page_token': 'SAME'}))
    client = make_client()
    assert len(list(client.paginate('/v2/users', 'users'))) == 2
    assert len(zoom_stub.api_requests) == 2


def test_paginate_empty_body(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/phone/sites', status=204)
    client = make_client()
    assert not list(client.paginate('/v2/phone/sites', 'sites', page_size=100))


# ----------------------------------------------------------------------- secrets, hooks, stats

def test_secret_and_token_never_in_exceptions(zoom_stub, make_client):
    secret = zoom_stub.client_secret
    zoom_stub.reply('GET', '/v2/users/a@example.com', status=400,
                    json={'code': 300, 'message': 'bad request with Bearer stub-token-1 and %s' % secret,
                          'errors': [{'field': 'x', 'message': 'echo %s' % secret}]})
    zoom_stub.reply('POST', '/v2/users', status=500, json={'code': 500, 'message': 'echo stub-token-1'})
    client = make_client()
    caught = []
    for call in (lambda: client.get('/v2/users/a@example.com'), lambda: client.post('/v2/users', json={'secret': 'no'})):
        with pytest.raises(ZoomError) as info:
            call()
        caught.append(info.value)
    for exc in caught:
        for text in (str(exc), repr(exc), json_dumps(exc.to_dict())):
            assert secret not in text
            assert 'stub-token-1' not in text
    assert secret not in repr(client)


# a secret whose Basic value has '+', '/' and '=' padding, so every base64 variant is a different text
ECHO_SECRET = 'S>?~e>?c~0'


def _credential_forms(stub):
    raw = ('%s:%s' % (stub.client_id, stub.client_secret)).encode()
    standard = base64.b64encode(raw).decode()
    urlsafe = base64.urlsafe_b64encode(raw).decode()
    assert standard != urlsafe and standard.endswith('=')
    return [stub.client_secret, standard, standard.rstrip('='), urlsafe, urlsafe.rstrip('=')]


def _echo(request, forms):
    """Everything a careless server could echo: the Authorization header as sent, and every encoded form."""
    return 'you sent Authorization: %s; also %s' % (request.headers.get('Authorization'), ' '.join(forms))


def _echo_token_json(stub_response, forms):
    return lambda request: stub_response(400, json={'reason': _echo(request, forms), 'error': 'invalid_client'})


def _echo_token_html(stub_response, forms):
    return lambda request: stub_response(404, body='<html><title>%s</title></html>' % _echo(request, forms), content_type='text/html')


@pytest.mark.parametrize('where', ['token error json', 'token error html', 'api error', 'api 5xx on post'])
def test_echoed_authorization_header_never_leaks(zoom_stub, make_client, where):
    zoom_stub.client_secret = ECHO_SECRET
    forms = _credential_forms(zoom_stub)
    if where == 'token error json':
        zoom_stub.handle('POST', '/oauth/token', _echo_token_json(zoom_stub.Response, forms), times=1)
    elif where == 'token error html':
        zoom_stub.handle('POST', '/oauth/token', _echo_token_html(zoom_stub.Response, forms), times=1)
    else:
        method = 'GET' if where == 'api error' else 'POST'
        zoom_stub.handle(method, '/v2/users', lambda request: zoom_stub.Response(
            400 if method == 'GET' else 500,
            json={'code': 300, 'message': _echo(request, forms), 'errors': [{'field': 'x', 'message': _echo(request, forms)}]}))
    client = make_client()
    with pytest.raises(ZoomError) as info:
        client.request('GET' if where != 'api 5xx on post' else 'POST', '/v2/users')
    exc = info.value
    texts = [str(exc), repr(exc), repr(exc.args), json_dumps(exc.to_dict())]
    texts += [repr(getattr(exc, name, None)) for name in ('zoom_message', 'message', 'errors', 'reason', 'cause')]
    for text in texts:
        for secret in forms + zoom_stub.issued_tokens:
            assert secret not in text, (where, secret, text)
    assert '********' in str(exc) or '********' in json_dumps(exc.to_dict())


@pytest.mark.parametrize('where', ['json without code', 'non-json 5xx', 'token html'])
def test_a_secret_cut_by_a_length_limit_is_masked_whole(zoom_stub, make_client, where):
    """Answers are shortened for messages; a secret on the cut must be masked before it, not leave a prefix behind."""
    zoom_stub.client_secret = ECHO_SECRET
    form = _credential_forms(zoom_stub)[1]  # the standard base64 of client_id:client_secret
    if where == 'json without code':  # the message is the JSON text cut at 300 characters
        pad = 300 - len(json_dumps({'echo': ''})) + 2 - 12
        zoom_stub.reply('GET', '/v2/users', status=400, json={'echo': 'x' * pad + form})
    elif where == 'non-json 5xx':  # the message quotes the first 80 characters of the body
        zoom_stub.reply('GET', '/v2/users', status=502, body='x' * 68 + form, content_type='text/plain', times=None)
    else:
        zoom_stub.handle('POST', '/oauth/token', lambda request: zoom_stub.Response(
            404, body='x' * 68 + form, content_type='text/plain'), times=1)
    client = make_client()
    with pytest.raises(ZoomError) as info:
        client.request('GET', '/v2/users')
    text = json_dumps(info.value.to_dict()) + str(info.value)
    assert 'xxxx' in text and form[:12] not in text, text


def test_secret_forms_cover_every_encoding():
    raw = b'id-1:' + ECHO_SECRET.encode()
    forms = secret_forms('id-1', ECHO_SECRET)
    for expected in (ECHO_SECRET, base64.b64encode(raw).decode(), base64.b64encode(raw).decode().rstrip('='),
                     base64.urlsafe_b64encode(raw).decode(), base64.urlsafe_b64encode(raw).decode().rstrip('=')):
        assert expected in forms
    assert forms == sorted(forms, key=len, reverse=True)  # longest first: a padded form is masked whole
    assert secret_forms('id-1', None) == []
    assert scrub({'a': ['Basic %s' % forms[0]]}, forms) == {'a': ['Basic ********']}


def test_log_hook_sees_no_headers_or_tokens(zoom_stub, make_client):
    calls = []
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'})
    client = make_client(log_hook=lambda *args: calls.append(args))
    client.get('/v2/users/a@example.com', params={'x': 1})
    assert [(c[0], c[1], c[2]) for c in calls] == [('POST', '/oauth/token', 200), ('GET', '/v2/users/a@example.com', 200)]
    assert all(isinstance(c[3], float) and c[3] >= 0 for c in calls)
    assert 'stub-token' not in repr(calls) and zoom_stub.client_secret not in repr(calls)


def test_log_hook_errors_do_not_break_calls(zoom_stub, make_client):
    def broken(*args):
        raise RuntimeError('hook bug')

    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'})
    client = make_client(log_hook=broken)
    assert client.get('/v2/users/a@example.com') == {'id': 'u1'}


def test_stats_by_label_and_method(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/users', json={'users': []})
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={})
    zoom_stub.reply('PATCH', '/v2/users/u1', status=204)
    zoom_stub.reply('GET', '/v2/phone/users/u1', json={})
    client = make_client()
    client.get('/v2/users')
    client.get('/v2/users/a@example.com')
    client.patch('/v2/users/u1', json={})
    client.get('/v2/phone/users/u1')
    stats = client.stats
    assert stats['calls'] == 4
    assert stats['by_label'] == {'Medium': 1, 'Light': 3}
    assert stats['by_method'] == {'GET': 3, 'PATCH': 1}
    stats['calls'] = 99  # a snapshot, not the live counters
    assert client.stats['calls'] == 4


# ----------------------------------------------------------------------- configuration

def test_missing_credentials_names_options_and_env():
    with pytest.raises(ZoomConfigError) as info:
        ZoomClient('acc', None, '')
    text = str(info.value)
    assert 'client_id (or ZOOM_CLIENT_ID)' in text
    assert 'client_secret (or ZOOM_CLIENT_SECRET)' in text
    assert 'account_id' not in text.split('Missing Zoom credentials:')[1].split('.')[0]


def test_missing_requests(monkeypatch):
    monkeypatch.setattr(_client, 'HAS_REQUESTS', False)
    with pytest.raises(ZoomConfigError) as info:
        ZoomClient('a', 'b', 'c')
    assert 'requests' in str(info.value)


def test_collection_version_matches_galaxy_yml():
    galaxy = os.path.join(os.path.dirname(__file__), '..', '..', '..', '..', 'galaxy.yml')
    if not os.path.exists(galaxy):
        pytest.skip('galaxy.yml not found')
    with open(galaxy, encoding='utf-8') as handle:
        match = re.search(r'^version:\s*["\']?([^"\'\s]+)', handle.read(), re.M)
    assert match and match.group(1) == COLLECTION_VERSION


# ----------------------------------------------------------------------- rate budget in the client

def test_client_with_tier_paces_calls(zoom_stub, make_client, fake_clock):
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={}, times=None)
    client = make_client(rate_limit_tier='free', clock=fake_clock.time)
    for dummy in range(9):
        client.get('/v2/users/a@example.com')
    # free Light: 4/s * 0.8 -> 3.2/s, burst 1: 9 calls need at least 8 / 3.2 = 2.5 s
    assert fake_clock.time() - 1000.0 >= 2.5 - 1e-6
    assert client.stats['waited'] >= 2.5 - 1e-6


def test_client_without_tier_never_waits(zoom_stub, make_client, fake_clock):
    zoom_stub.reply('GET', '/v2/users/a@example.com', json={}, times=None)
    client = make_client(clock=fake_clock.time)
    for dummy in range(20):
        client.get('/v2/users/a@example.com')
    assert not fake_clock.sleeps
    assert client.rate_budget is None


def test_429_pauses_the_shared_budget(zoom_stub, make_client, fake_clock):
    zoom_stub.reply('GET', '/v2/users', status=429, json={'code': 429, 'message': 'slow down'}, headers={'Retry-After': '2'})
    zoom_stub.reply('GET', '/v2/users', json={'users': []}, times=None)
    budget = RateBudget('business', clock=fake_clock.time, sleep=fake_clock.sleep)
    client = make_client(rate_budget=budget, clock=fake_clock.time)
    client.get('/v2/users')
    assert budget.reserve('Medium') > 0  # the bucket is paused for every thread sharing it


# ----------------------------------------------------------------------- the simulator-backed client fixture

def test_sim_client_talks_to_the_simulator(sim_client):
    user = sim_client.get('/v2/users/%s' % quote_path('admin@example.com'))
    assert user['email'] == 'admin@example.com'
    assert sim_client.stats['token_fetches'] == 1


@pytest.mark.parametrize('value', [0, -1, '0', 'soon', 'nan', float('inf'), True])
def test_bad_timeout_is_refused_not_replaced(value):
    with pytest.raises(ZoomConfigError) as info:
        ZoomClient('a', 'b', 'c', timeout=value)
    assert 'Option timeout must be a number of seconds greater than 0' in str(info.value)
    assert 'leave it out' in str(info.value)


def test_empty_url_is_refused_not_replaced():
    with pytest.raises(ZoomConfigError) as info:
        ZoomClient('a', 'b', 'c', oauth_url='')
    assert 'oauth_url is empty' in str(info.value) and 'ZOOM_OAUTH_URL' in str(info.value)
    assert ZoomClient('a', 'b', 'c', api_url=None, timeout=None).timeout == 30.0  # not given: the default


def test_per_user_lock_429_is_retried_without_pausing_the_budget(zoom_stub, make_client, fake_clock):
    lock = {'code': 429, 'message': 'Too many concurrent requests. A request to disassociate this user has already been made.'}
    zoom_stub.reply('PATCH', '/v2/users/u1', status=429, json=lock)
    zoom_stub.reply('PATCH', '/v2/users/u1', status=204)
    budget = RateBudget('business', clock=fake_clock.time, sleep=fake_clock.sleep)
    client = make_client(rate_budget=budget, clock=fake_clock.time)
    assert client.patch('/v2/users/u1', json={'dept': 'x'}) is None
    assert len(zoom_stub.api_requests) == 2 and client.stats['retries'] == 1
    assert budget.reserve('Light') == 0.0  # other users' calls are not held back by one user's lock


def test_paginate_from_a_page_already_read(zoom_stub, make_client):
    zoom_stub.reply('GET', '/v2/phone/users', json={'users': [{'id': '3'}], 'next_page_token': 't3'})
    zoom_stub.reply('GET', '/v2/phone/users', json={'users': [{'id': '4'}], 'next_page_token': 't2'})
    client = make_client()
    got = list(client.paginate('/v2/phone/users', 'users', page_size=100, start_token='t2'))
    assert got == [{'id': '3'}, {'id': '4'}]  # and the token seen before ends the loop
    assert [request.param('next_page_token') for request in zoom_stub.api_requests] == ['t2', 't3']


@pytest.mark.parametrize('headers', [{'X-RateLimit-Reset': '1500000000'}, {'Retry-After': '0'}])
def test_429_with_a_reset_in_the_past_still_waits(zoom_stub, make_client, fake_clock, headers):
    # an epoch reset our clock already passed (skew with Zoom's clock) must not turn into retries without a pause
    zoom_stub.reply('GET', '/v2/users', status=429, json={'code': 429, 'message': 'slow down'}, headers=headers)
    zoom_stub.reply('GET', '/v2/users', json={'users': []})
    client = make_client()
    assert client.get('/v2/users') == {'users': []}
    assert len(_positive_sleeps(fake_clock)) == 1
