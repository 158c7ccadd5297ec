# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one request path to Zoom: ZoomClient.

* ``requests.Session`` with a connection pool sized for worker threads;
* Server-to-Server OAuth token fetched lazily, once per process (thread-safe),
  re-fetched once when Zoom answers ``401`` with code 124;
* retries as the table ``_client_policy.RETRY_POLICY`` says (429 honours
  ``Retry-After``; 5xx and lost connections are retried for GET/PUT/PATCH/DELETE
  only, a POST raises ``ZoomUncertainWriteError``; an endpoint that never answered
  and refuses the connection or does not resolve fails at once, naming the option);
* optional per-label rate budget (``_ratelimit.RateBudget``) shared by threads;
* one pagination helper for ``next_page_token`` lists.

Beside it: ``_client_options`` (defaults, option checks, secret forms),
``_client_policy`` (the retry table), ``_client_answers`` (unexpected answers as
errors). Nothing here calls ``fail_json``; errors are the typed exceptions of
``_errors``. No secret (client secret, its base64 ``Basic`` forms, access tokens)
ever goes into an exception, a log hook call or ``stats``: every raised error is
scrubbed.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import collections
import copy
import random
import threading
import time
import traceback

from json import dumps as json_dumps
from urllib.parse import quote, urlsplit

from ansible_collections.zoomops.provisioning.plugins.module_utils._client_answers import (
    api_error,
    connection_error,
    describe_body,
    json_or_none,
    success_data,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._client_options import (
    CREDENTIAL_ENV,
    DEFAULT_API_URL,
    DEFAULT_OAUTH_URL,
    DEFAULT_TIMEOUT,
    missing_credentials_message,
    missing_requests_message,
    scrub,
    secret_forms,
    validate_base_url,
    validate_timeout,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._client_policy import (
    IDEMPOTENT_METHODS,
    RETRY_POLICY,
    connection_outcome,
    retried,
    status_outcome,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    CODE_INVALID_TOKEN,
    ZoomAPIError,
    ZoomAuthError,
    ZoomConfigError,
    ZoomError,
    ZoomRateLimitError,
    ZoomUncertainWriteError,
    hint_for,
)
# RateBudget is also imported from here by older code; its home is _ratelimit
from ansible_collections.zoomops.provisioning.plugins.module_utils._ratelimit import (
    RateBudget,
    parse_rate_limit_reset,
    parse_retry_after,
    rate_family,
    rate_label,
)

try:
    import requests
    from requests.adapters import HTTPAdapter
    HAS_REQUESTS = True
    REQUESTS_IMPORT_ERROR = None
except ImportError:
    requests = None  # pylint: disable=invalid-name
    HTTPAdapter = None  # pylint: disable=invalid-name
    HAS_REQUESTS = False
    REQUESTS_IMPORT_ERROR = traceback.format_exc()


COLLECTION_VERSION = '0.1.0'
USER_AGENT = 'zoomops.provisioning/%s' % COLLECTION_VERSION

DEFAULT_MAX_RETRIES = 6
DEFAULT_MAX_WAIT = 60.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
# refresh the token this many seconds before Zoom says it expires
TOKEN_EXPIRY_MARGIN = 60.0


JSON_MEDIA = 'application/json'
SCIM_MEDIA = 'application/scim+json'


ZoomResponse = collections.namedtuple('ZoomResponse', ['status', 'data', 'headers'])
ZoomResponse.__doc__ = """One answer: HTTP ``status``, parsed JSON ``data`` (None for an empty body) and
case-insensitive response ``headers``."""


# ---------------------------------------------------------------------------
# URL helpers
# ---------------------------------------------------------------------------

def quote_path(value):
    """Quote one path segment (an email, an id).

    ``@`` and ``+`` stay literal (Zoom takes ``/users/a+b@example.com`` as is);
    ``/``, ``?``, ``#``, ``%``, spaces and other reserved characters are
    percent-encoded so the value stays one segment.
    """
    if value is None:
        raise ValueError('quote_path() needs a value, got None')
    return quote(str(value), safe='@+')


def _query_value(value):
    if isinstance(value, bool):
        return 'true' if value else 'false'
    return str(value)


def encode_query(params):
    """Encode query parameters for Zoom.

    Unlike form encoding, a space becomes ``%20`` and ``+`` becomes ``%2B``,
    so ``userName eq "a+b@example.com"`` arrives intact; quotes are
    percent-encoded (``%22``) and decoded back by the server. ``None`` values
    are left out, booleans become ``true``/``false``, list values repeat the key.
    """
    if not params:
        return ''
    items = params.items() if hasattr(params, 'items') else params
    pairs = []
    for key, value in items:
        if value is None:
            continue
        values = value if isinstance(value, (list, tuple)) else [value]
        for item in values:
            pairs.append('%s=%s' % (quote(str(key), safe=''), quote(_query_value(item), safe='@')))
    return '&'.join(pairs)


def uncertain_write(method, path, why, **details):
    """A write whose outcome is unknown (``why``): not sent again here; the caller confirms it by a lookup."""
    return ZoomUncertainWriteError(
        'The outcome of %s %s is unknown: %s. Zoom may or may not have applied it, so it was not sent again. Look the object '
        'up (rerunning the task does that) before retrying.' % (method, path, why), method=method, path=path, **details)


def _format_wait(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return '%dh %02dm' % (hours, minutes)
    if minutes:
        return '%dm %02ds' % (minutes, secs)
    return '%ds' % secs


# text attributes of the ZoomError classes
_ERROR_TEXT_FIELDS = ('msg', 'zoom_message', 'message', 'errors', 'reason', 'error', 'cause')


# ---------------------------------------------------------------------------
# The client
# ---------------------------------------------------------------------------

class ZoomClient:
    """Authenticated access to the Zoom REST and SCIM2 APIs.

    Thread-safe: one client may be shared by worker threads (token fetch,
    stats and the rate budget are locked; the HTTP pool holds ``pool_maxsize``
    connections).
    """

    def __init__(self, account_id, client_id, client_secret,
                 api_url=DEFAULT_API_URL, oauth_url=DEFAULT_OAUTH_URL,
                 timeout=DEFAULT_TIMEOUT, validate_certs=True, max_retries=DEFAULT_MAX_RETRIES,
                 rate_limit_tier=None, rate_budget=None, max_wait=DEFAULT_MAX_WAIT,
                 backoff_base=BACKOFF_BASE, backoff_cap=BACKOFF_CAP, pool_maxsize=32,
                 sleep=None, clock=None, wallclock=None, log_hook=None, on_token=None):
        if not HAS_REQUESTS:
            raise ZoomConfigError(missing_requests_message())
        values = {'account_id': account_id, 'client_id': client_id, 'client_secret': client_secret}
        missing = [name for name, dummy in CREDENTIAL_ENV if not values[name]]
        if missing:
            raise ZoomConfigError(missing_credentials_message(missing))
        self._account_id = str(account_id)
        self._client_id = str(client_id)
        self._client_secret = str(client_secret)
        self._secret_forms = secret_forms(self._client_id, self._client_secret)
        self.api_url = validate_base_url('api_url', api_url, DEFAULT_API_URL)
        # a base URL ending in /v2 would double the prefix of every /v2/... path
        if self.api_url.lower().endswith('/v2'):
            self.api_url = self.api_url[:-3]
        self.oauth_url = validate_base_url('oauth_url', oauth_url, DEFAULT_OAUTH_URL)
        self.timeout = validate_timeout(timeout)
        self.validate_certs = bool(validate_certs)
        self.max_retries = max(0, int(max_retries))
        self.max_wait = float(max_wait)
        self.backoff_base = float(backoff_base)
        self.backoff_cap = float(backoff_cap)
        self._sleep = sleep or time.sleep
        self._clock = clock or time.monotonic
        self._wallclock = wallclock or time.time
        self._random = random.Random()
        self.log_hook = log_hook
        self.on_token = on_token
        if rate_budget is None and rate_limit_tier:
            rate_budget = RateBudget(rate_limit_tier, clock=self._clock, sleep=self._sleep)
        self.rate_budget = rate_budget
        # whether each endpoint has answered (any HTTP status) in this run: see RETRY_POLICY['unreachable']
        self._reached = {'api_url': False, 'oauth_url': False}

        self._token = None
        self._token_expires = 0.0
        self._old_tokens = []
        self._token_lock = threading.Lock()
        self._stats_lock = threading.Lock()
        self._stats = {
            'calls': 0,
            'by_label': {},
            'by_method': {},
            'retries': 0,
            'throttled': 0,
            'throttled_429': 0,
            'token_fetches': 0,
            'waited': 0.0,
        }

        session = requests.Session()
        adapter = HTTPAdapter(pool_connections=4, pool_maxsize=max(1, int(pool_maxsize)), max_retries=0)
        session.mount('https://', adapter)
        session.mount('http://', adapter)
        session.headers['User-Agent'] = USER_AGENT
        session.verify = self.validate_certs
        self._session = session

    def __repr__(self):
        return 'ZoomClient(api_url=%r, oauth_url=%r, account_id=%r)' % (self.api_url, self.oauth_url, self._account_id)

    def close(self):
        """Close the pooled connections."""
        self._session.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()

    # ------------------------------------------------------------------ stats

    @property
    def stats(self):
        """A snapshot: calls, by_label, by_method, retries, throttled (= throttled_429), token_fetches, waited."""
        with self._stats_lock:
            return copy.deepcopy(self._stats)

    def _bump(self, key, amount=1):
        with self._stats_lock:
            self._stats[key] += amount

    def _count_call(self, method, label):
        with self._stats_lock:
            self._stats['calls'] += 1
            self._stats['by_label'][label] = self._stats['by_label'].get(label, 0) + 1
            self._stats['by_method'][method] = self._stats['by_method'].get(method, 0) + 1

    def _count_throttled(self):
        with self._stats_lock:
            self._stats['throttled'] += 1
            self._stats['throttled_429'] += 1

    def _log(self, method, path, status, started):
        hook = self.log_hook
        if hook is None:
            return
        try:
            hook(method, path, status, max(0.0, self._clock() - started))
        except Exception:  # pylint: disable=broad-except
            pass  # a debugging hook must never break a call

    def _wait(self, seconds):
        if seconds > 0:
            self._bump('waited', seconds)
            self._sleep(seconds)

    def _retry_after(self, seconds):
        self._bump('retries')
        self._wait(seconds)

    # ---------------------------------------------------------------- secrets

    @property
    def secrets(self):
        """Every secret text this client knows: the credential forms (``secret_forms``) and the access tokens."""
        tokens = [self._token] + self._old_tokens
        return self._secret_forms + sorted((token for token in tokens if token and len(token) >= 4), key=len, reverse=True)

    def _scrub(self, value):
        return scrub(value, self.secrets)

    def _scrub_error(self, exc):
        """Scrub every text field of a ZoomError in place (a last net under the texts built from Zoom's answers)."""
        secrets = self.secrets
        for name in _ERROR_TEXT_FIELDS:
            value = getattr(exc, name, None)
            if value is not None:
                setattr(exc, name, scrub(value, secrets))
        exc.args = tuple(scrub(arg, secrets) for arg in exc.args)
        return exc

    def _reason(self, exc):
        text = self._scrub(str(exc) or type(exc).__name__)  # before the cut: a secret across it goes whole
        return text[:400] + '...' if len(text) > 400 else text

    def _backoff(self, attempt):
        ceiling = min(self.backoff_cap, self.backoff_base * (2 ** attempt))
        return ceiling / 2.0 + self._random.uniform(0, ceiling / 2.0)

    # ------------------------------------------------------------------ token

    def _get_token(self, stale=None):
        """A valid access token; ``stale`` is a token Zoom just rejected (fetch a new one unless another thread did)."""
        attempt = 0
        while True:
            with self._token_lock:
                token = self._token
                if token is not None and token != stale and self._clock() < self._token_expires:
                    return token
                outcome = self._fetch_token_once(attempt)
                if outcome[0] == 'token':
                    return outcome[1]
            # retryable failure: wait outside the lock
            dummy, delay, error = outcome
            if attempt >= self.max_retries:
                raise error
            attempt += 1
            self._retry_after(delay)

    def _fetch_token_once(self, attempt):
        """One token request; returns ('token', value) or ('retry', delay, final_error); raises when not retried.

        The token request creates nothing, so RETRY_POLICY treats it as idempotent.
        """
        path = urlsplit(self.oauth_url).path or '/'
        started = self._clock()
        self._bump('token_fetches')
        try:
            resp = self._session.post(
                self.oauth_url,
                data={'grant_type': 'account_credentials', 'account_id': self._account_id},
                auth=(self._client_id, self._client_secret),
                headers={'Accept': JSON_MEDIA},
                timeout=self.timeout,
                verify=self.validate_certs,
                allow_redirects=False,
            )
        except requests.exceptions.RequestException as exc:
            self._log('POST', path, None, started)
            outcome = connection_outcome(exc, self._reached['oauth_url'])
            error = connection_error(exc, 'oauth_url', self.oauth_url, 'POST', path, attempt + 1, outcome, self._reason(exc))
            if not retried(RETRY_POLICY[outcome], True):
                raise error
            return ('retry', self._backoff(attempt), error)
        self._reached['oauth_url'] = True
        self._log('POST', path, resp.status_code, started)
        status = resp.status_code
        data = json_or_none(resp)
        if status == 200 and isinstance(data, dict) and data.get('access_token'):
            return ('token', self._store_token(data))
        if status == 429 or status >= 500:
            # RETRY_POLICY 'throttled' / 'server_error' (the token request is idempotent); a Retry-After of the
            # token endpoint is honoured on 5xx too, a too long one is replaced by backoff (the API call fails instead)
            wait = parse_retry_after(resp.headers.get('Retry-After'), self._wallclock())
            if wait is None or wait > self.max_wait:
                wait = self._backoff(attempt)
            error = ZoomAuthError(
                'The Zoom OAuth endpoint (oauth_url=%s) answered HTTP %s %d times while fetching an access token. '
                'Zoom may be having problems: retry later.' % (self.oauth_url, status, attempt + 1),
                status=status, method='POST', path=path)
            return ('retry', wait, error)
        if isinstance(data, dict) and (data.get('reason') or data.get('error')):
            reason = self._scrub(str(data.get('reason') or data.get('error')))
            code = self._scrub(str(data.get('error'))) if data.get('error') else None
            raise ZoomAuthError(
                'Zoom refused to issue an access token (HTTP %s%s: %s). Check account_id, client_id and client_secret '
                '(or ZOOM_ACCOUNT_ID, ZOOM_CLIENT_ID, ZOOM_CLIENT_SECRET) against the Server-to-Server OAuth app in the Zoom '
                'App Marketplace, and that the app is activated.' % (status, ', ' + code if code else '', reason),
                status=status, reason=reason, error=code, method='POST', path=path)
        raise ZoomAuthError(
            'The token request to oauth_url=%s answered HTTP %s with %s instead of a JSON access token: oauth_url looks wrong. '
            'It should be Zoom\'s token endpoint, %s (or set ZOOM_OAUTH_URL).'
            % (self.oauth_url, status, describe_body(resp, self._scrub), DEFAULT_OAUTH_URL),
            status=status, method='POST', path=path)

    def _store_token(self, data):
        token = str(data['access_token'])
        try:
            lifetime = float(data.get('expires_in') or 3600)
        except (TypeError, ValueError):
            lifetime = 3600.0
        margin = min(TOKEN_EXPIRY_MARGIN, lifetime / 2.0)
        if self._token:
            self._old_tokens.append(self._token)
        self._token = token
        self._token_expires = self._clock() + lifetime - margin
        if self.on_token is not None:
            self.on_token(token)
        return token

    # ---------------------------------------------------------------- request

    def _check_path(self, path):
        if not isinstance(path, str) or not path:
            raise ZoomConfigError('A Zoom API path must be a non-empty string such as /v2/users, got %r.' % (path,))
        if '://' in path:
            raise ZoomConfigError('Pass an API path such as /v2/users to the client, not a full URL (%r); set api_url instead.' % path)
        if not path.startswith('/'):
            path = '/' + path
        return path

    def request(self, method, path, params=None, json=None, scim=False):
        """Send one API call, retried as RETRY_POLICY says; return a ZoomResponse or raise a ZoomError subclass.

        ``path`` starts with ``/v2/`` or ``/scim2/`` (SCIM paths send
        ``Accept: application/scim+json`` automatically); ``params`` is a dict
        of query parameters (encoded by ``encode_query``); ``json`` is the body.
        Every text of a raised error is scrubbed of the credentials and tokens.
        """
        try:
            return self._request(str(method).upper(), self._check_path(path), params, json, scim)
        except ZoomError as exc:
            raise self._scrub_error(exc)

    def _request(self, method, path, params, json, scim):
        scim = bool(scim) or path.lower().startswith('/scim2')
        url = self.api_url + path
        query = encode_query(params)
        if query:
            url += ('&' if '?' in path else '?') + query
        log_path = path.split('?', 1)[0]
        label = rate_label(method, path)
        family = rate_family(path)
        idempotent = method in IDEMPOTENT_METHODS
        body = json_dumps(json) if json is not None else None
        attempt = 0
        refreshed = False
        stale = None
        while True:
            token = self._get_token(stale=stale)
            stale = None
            if self.rate_budget is not None:
                waited = self.rate_budget.acquire(label, family)
                if waited > 0:
                    self._bump('waited', waited)
            headers = {
                'Authorization': 'Bearer %s' % token,
                'Accept': SCIM_MEDIA if scim else JSON_MEDIA,
            }
            if body is not None:
                headers['Content-Type'] = JSON_MEDIA
            self._count_call(method, label)
            started = self._clock()
            try:
                resp = self._session.request(method, url, headers=headers, data=body, timeout=self.timeout,
                                             verify=self.validate_certs, allow_redirects=False)
            except requests.exceptions.RequestException as exc:
                self._log(method, log_path, None, started)
                outcome = connection_outcome(exc, self._reached['api_url'])
                rule = RETRY_POLICY[outcome]
                if not retried(rule, idempotent):
                    if rule.otherwise == 'uncertain':
                        raise uncertain_write(method, log_path, 'the connection failed after the request was sent (%s)' % self._reason(exc),
                                              cause=self._reason(exc))
                    raise connection_error(exc, 'api_url', self.api_url, method, log_path, attempt + 1, outcome, self._reason(exc))
                if attempt >= self.max_retries:
                    raise connection_error(exc, 'api_url', self.api_url, method, log_path, attempt + 1, outcome, self._reason(exc))
                self._retry_after(self._backoff(attempt))
                attempt += 1
                continue
            self._reached['api_url'] = True
            self._log(method, log_path, resp.status_code, started)
            status = resp.status_code

            if 200 <= status < 300:
                return ZoomResponse(status, success_data(resp, method, log_path, self.api_url, self._scrub), resp.headers)
            if 300 <= status < 400:
                location = self._scrub(resp.headers.get('Location', '(no Location)'))
                raise ZoomAPIError(
                    status, None, 'redirect to %s' % location, method=method, path=log_path,
                    msg='%s %s was answered with HTTP %s, a redirect to %s: api_url=%s looks wrong. Set api_url (or ZOOM_API_URL) to '
                        'the API host the redirect points to, for example %s.'
                        % (method, log_path, status, location, self.api_url, DEFAULT_API_URL))

            error = api_error(resp, method, log_path, self.api_url, self._scrub)
            if status == 401 and error.code == CODE_INVALID_TOKEN:
                if not refreshed and retried(RETRY_POLICY['token_rejected'], idempotent):  # a new token, once
                    refreshed = True
                    stale = token
                    continue
                raise ZoomAPIError(
                    status, error.code, error.message, errors=error.errors, method=method, path=log_path,
                    msg='Zoom rejected the access token for %s %s (HTTP 401, code 124: %s) even after a new token was fetched. Check '
                        'that the Server-to-Server OAuth app is activated and that no other process or app invalidates its tokens, '
                        'then retry.' % (method, log_path, error.message))
            outcome = status_outcome(status, error)
            if outcome is None:
                raise error
            rule = RETRY_POLICY[outcome]
            if not retried(rule, idempotent):
                if rule.otherwise == 'uncertain':
                    raise uncertain_write(method, log_path, 'Zoom answered HTTP %s (%s)' % (status, error.message or 'server error'),
                                          status=status, cause=error.message)
                raise error
            if rule.wait == 'retry_after':
                self._count_throttled()
                wait = self._throttle_wait(resp, error, method, log_path, attempt)
                if rule.pause_budget and self.rate_budget is not None:
                    self.rate_budget.pause(label, family, wait)
            elif attempt < self.max_retries:
                wait = self._backoff(attempt)
            else:
                raise error
            self._retry_after(wait)
            attempt += 1

    def _throttle_wait(self, resp, error, method, path, attempt):
        """Seconds to wait after a 429, or raise ZoomRateLimitError when waiting makes no sense."""
        headers = resp.headers
        now = self._wallclock()
        limit_type = headers.get('X-RateLimit-Type')
        category = headers.get('X-RateLimit-Category')
        wait = parse_retry_after(headers.get('Retry-After'), now)
        if wait is None:
            wait = parse_rate_limit_reset(headers.get('X-RateLimit-Reset'), now)
        daily = (limit_type or '').strip().lower() in ('daily-limit', 'daily') or 'daily' in (error.message or '').lower()
        what = '%s rate limit%s' % ('daily' if daily else 'per-second', ' (%s)' % category if category else '')
        if daily and (wait is None or wait > self.max_wait):
            when = (' Zoom accepts calls again in %s (Retry-After: %s).' % (_format_wait(wait), headers.get('Retry-After') or headers.get('X-RateLimit-Reset'))
                    if wait is not None else ' Zoom did not say when it accepts calls again (usually at 00:00 UTC).')
            raise ZoomRateLimitError(
                429, error.code, error.message, errors=error.errors, method=method, path=path,
                msg='Zoom\'s %s of the account is used up (%s %s: %s).%s Rerun after that time; the calls already made are '
                    'not lost and a rerun only does what is still missing. Spread large runs over several days or ask Zoom for '
                    'a higher limit.' % (what, method, path, error.message or 'HTTP 429', when),
                retry_after=wait, limit_type=limit_type, category=category)
        if wait is not None and wait > self.max_wait:
            raise ZoomRateLimitError(
                429, error.code, error.message, errors=error.errors, method=method, path=path,
                msg='Zoom throttled %s %s (%s) and asks to wait %s, longer than the client waits (%ds). Rerun later.'
                    % (method, path, what, _format_wait(wait), int(self.max_wait)),
                retry_after=wait, limit_type=limit_type, category=category)
        if attempt >= self.max_retries:
            if error.kind == 'concurrent_request':
                msg = 'Zoom kept answering %s %s with HTTP 429 (%s, %d times). %s' % (
                    method, path, error.message, attempt + 1, hint_for(429, error.code, error.message, method))
            else:
                msg = ('Zoom kept throttling %s %s (%s, HTTP 429 %d times). Lower the concurrency or the request rate, or rerun later.'
                       % (method, path, what, attempt + 1))
            raise ZoomRateLimitError(
                429, error.code, error.message, errors=error.errors, method=method, path=path, msg=msg,
                retry_after=wait, limit_type=limit_type, category=category)
        if wait is None or wait <= 0:
            # no time given, or a reset already past (clock skew between us and Zoom): never retry a 429 at once
            wait = self._backoff(attempt)
        return min(wait, self.max_wait)

    # ------------------------------------------------------------- shortcuts

    def get(self, path, params=None):
        """GET; the parsed JSON (dict or list) or None for an empty body."""
        return self.request('GET', path, params=params).data

    def post(self, path, json=None, params=None):
        """POST; never re-sent after it may have reached Zoom (see ZoomUncertainWriteError)."""
        return self.request('POST', path, params=params, json=json).data

    def patch(self, path, json=None, params=None):
        return self.request('PATCH', path, params=params, json=json).data

    def put(self, path, json=None, params=None):
        return self.request('PUT', path, params=params, json=json).data

    def delete(self, path, json=None, params=None):
        return self.request('DELETE', path, params=params, json=json).data

    # ------------------------------------------------------------ pagination

    def paginate(self, path, items_key, params=None, page_size=300, dedupe_key=None, max_pages=None, start_token=None):
        """Yield the items of a ``next_page_token`` list, page after page.

        Every page repeats ``params`` plus ``page_size`` and the token. With
        ``dedupe_key`` (e.g. ``'id'``) an item whose key was already seen is
        skipped (GET /phone/users repeats users); items without the key are
        always yielded (pending users have no id). ``start_token`` starts at the
        page after one the caller already read (its ``next_page_token``).
        """
        seen_keys = set()
        seen_tokens = set([start_token]) if start_token else set()
        token = start_token
        pages = 0
        while True:
            query = dict(params or {})
            if page_size:
                query['page_size'] = page_size
            if token:
                query['next_page_token'] = token
            data = self.get(path, params=query) or {}
            pages += 1
            if not isinstance(data, dict):
                data = {items_key: data if isinstance(data, list) else []}
            for item in data.get(items_key) or []:
                if dedupe_key is not None and isinstance(item, dict) and item.get(dedupe_key) is not None:
                    key = item[dedupe_key]
                    if key in seen_keys:
                        continue
                    seen_keys.add(key)
                yield item
            token = data.get('next_page_token')
            if not token or token in seen_tokens or (max_pages is not None and pages >= max_pages):
                return
            seen_tokens.add(token)
