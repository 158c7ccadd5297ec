# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The one request path to Zoom: ZoomClient.

* ``requests.Session`` with a connection pool sized for worker threads;
* Server-to-Server OAuth token fetched lazily, once per process (thread-safe),
  re-fetched once when Zoom answers ``401`` with code 124;
* retries: 429 honours ``Retry-After`` (seconds or date), else
  ``X-RateLimit-Reset``, else capped jittered exponential backoff; 5xx and
  connection errors are retried for GET/PUT/PATCH/DELETE only; a POST is
  retried only on 429 and on connection errors raised before anything was
  sent, otherwise it raises ``ZoomUncertainWriteError``;
* optional per-label rate budget (``RateBudget``) shared by threads;
* pagination helpers for ``next_page_token`` lists and SCIM ``startIndex``.

Nothing here calls ``fail_json``; errors are the typed exceptions of ``_errors``.
No secret (client secret, access token) ever goes into an exception, a log hook
call or ``stats``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import collections
import copy
import datetime
import email.utils
import random
import re
import threading
import time
import traceback

from json import dumps as json_dumps, loads as json_loads
from urllib.parse import quote, urlsplit

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    CODE_INVALID_TOKEN,
    ZoomAPIError,
    ZoomAuthError,
    ZoomConfigError,
    ZoomConnectionError,
    ZoomRateLimitError,
    ZoomUncertainWriteError,
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

try:
    from urllib3.exceptions import NewConnectionError, ConnectTimeoutError
except ImportError:
    NewConnectionError = ConnectTimeoutError = None  # pylint: disable=invalid-name


COLLECTION_VERSION = '0.1.0'
USER_AGENT = 'zoomops.provisioning/%s' % COLLECTION_VERSION

DEFAULT_API_URL = 'https://api.zoom.us'
DEFAULT_OAUTH_URL = 'https://zoom.us/oauth/token'
DEFAULT_TIMEOUT = 30
DEFAULT_MAX_RETRIES = 6
DEFAULT_MAX_WAIT = 60.0
BACKOFF_BASE = 0.5
BACKOFF_CAP = 30.0
# refresh the token this many seconds before Zoom says it expires
TOKEN_EXPIRY_MARGIN = 60.0

CREDENTIAL_ENV = (
    ('account_id', 'ZOOM_ACCOUNT_ID'),
    ('client_id', 'ZOOM_CLIENT_ID'),
    ('client_secret', 'ZOOM_CLIENT_SECRET'),
)

# methods whose repetition cannot create a second object
IDEMPOTENT_METHODS = frozenset(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'])

JSON_MEDIA = 'application/json'
SCIM_MEDIA = 'application/scim+json'

_REDACTED = '********'

ZoomResponse = collections.namedtuple('ZoomResponse', ['status', 'data', 'headers'])
ZoomResponse.__doc__ = """One answer: HTTP ``status``, parsed JSON ``data`` (None for an empty body) and
case-insensitive response ``headers``."""


def missing_requests_message():
    """The text used when the requests library is not importable."""
    return ('The Python library "requests" is required by the zoomops.provisioning modules but is not installed for the Python '
            'interpreter that runs the module (the controller, connection: local). Install it with: pip install -r requirements.txt '
            '(of the collection) or pip install requests.')


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


def _validate_base_url(option, value, default):
    """Return ``value`` without trailing slashes, or raise ZoomConfigError."""
    if value is None or not str(value).strip():
        return default
    text = str(value).strip()
    parts = urlsplit(text)
    if parts.scheme not in ('http', 'https') or not parts.netloc:
        raise ZoomConfigError(
            'Option %s must be an http(s) URL such as %s, got %r. Fix the option (or the %s environment variable).'
            % (option, default, text, 'ZOOM_API_URL' if option == 'api_url' else 'ZOOM_OAUTH_URL'))
    if parts.query or parts.fragment:
        raise ZoomConfigError('Option %s must not contain a query string or fragment, got %r (use for example %s).' % (option, text, default))
    return text.rstrip('/')


# ---------------------------------------------------------------------------
# Rate limit labels and budget (BEHAVIOUR.md section 6)
# ---------------------------------------------------------------------------

LIGHT = 'Light'
MEDIUM = 'Medium'
HEAVY = 'Heavy'
RESOURCE_INTENSIVE = 'Resource-intensive'

RATE_TIERS = ('free', 'pro', 'business')

# requests per second, per account and label (Resource-intensive is per minute in Zoom's table)
RATE_LIMITS = {
    'standard': {
        'free': {LIGHT: 4.0, MEDIUM: 2.0, HEAVY: 1.0, RESOURCE_INTENSIVE: 10.0 / 60},
        'pro': {LIGHT: 30.0, MEDIUM: 20.0, HEAVY: 10.0, RESOURCE_INTENSIVE: 10.0 / 60},
        'business': {LIGHT: 80.0, MEDIUM: 60.0, HEAVY: 40.0, RESOURCE_INTENSIVE: 20.0 / 60},
    },
    'phone': {
        # Zoom Phone is not sold on free accounts; use the free standard numbers
        'free': {LIGHT: 4.0, MEDIUM: 2.0, HEAVY: 1.0, RESOURCE_INTENSIVE: 5.0 / 60},
        'pro': {LIGHT: 20.0, MEDIUM: 10.0, HEAVY: 5.0, RESOURCE_INTENSIVE: 5.0 / 60},
        'business': {LIGHT: 40.0, MEDIUM: 20.0, HEAVY: 10.0, RESOURCE_INTENSIVE: 10.0 / 60},
    },
}

# (method or None for any, path regex on the lower-cased path without query, label); first match wins
_LABEL_RULES = [
    ('GET', r'/v2/users', MEDIUM),
    ('POST', r'/v2/users', LIGHT),
    (None, r'/v2/users/email', LIGHT),
    ('GET', r'/v2/users/summary', MEDIUM),
    ('POST', r'/v2/users/features', MEDIUM),
    (None, r'/v2/users/[^/]+/settings', MEDIUM),
    (None, r'/v2/users/[^/]+/status', LIGHT),
    (None, r'/v2/users/[^/]+', LIGHT),
    ('GET', r'/v2/phone/users', MEDIUM),
    ('POST', r'/v2/phone/users/batch', MEDIUM),
    ('PUT', r'/v2/phone/users/batch', LIGHT),
    (None, r'/v2/phone/users/[^/]+', LIGHT),
    (None, r'/v2/phone/users/[^/]+/(calling_plans|phone_numbers)(/[^/]+)?', LIGHT),
    ('GET', r'/v2/phone/(calling_plans|numbers|sites)', MEDIUM),
    ('GET', r'/v2/phone/numbers/[^/]+', LIGHT),
    ('GET', r'/scim2/users', MEDIUM),
    ('POST', r'/scim2/users', LIGHT),
    (None, r'/scim2/users/[^/]+', LIGHT),
    ('GET', r'/scim2/groups', MEDIUM),
    ('POST', r'/scim2/groups', MEDIUM),
    ('GET', r'/scim2/groups/[^/]+', LIGHT),
    (None, r'/scim2/groups/[^/]+', MEDIUM),
]
_LABEL_RULES = [(method, re.compile('^%s$' % pattern), label) for method, pattern, label in _LABEL_RULES]


def _normalise_path(path):
    path = (path or '').split('?', 1)[0].lower()
    if len(path) > 1:
        path = path.rstrip('/')
    return path


def rate_label(method, path):
    """Zoom's rate-limit label (``Light``, ``Medium``, ``Heavy``) of one call (BEHAVIOUR.md 6.2).

    Calls not in Zoom's tables count as ``Medium`` for GET (lists are Medium)
    and ``Light`` otherwise.
    """
    method = (method or 'GET').upper()
    norm = _normalise_path(path)
    for rule_method, regex, label in _LABEL_RULES:
        if rule_method is not None and rule_method != method:
            continue
        if regex.match(norm):
            return label
    return MEDIUM if method == 'GET' else LIGHT


def rate_family(path):
    """``phone`` for Zoom Phone APIs (own rate table), ``standard`` for everything else."""
    return 'phone' if _normalise_path(path).startswith('/v2/phone/') else 'standard'


class _Bucket:
    __slots__ = ('rate', 'base_rate', 'capacity', 'tokens', 'last', 'throttled_at')

    def __init__(self, rate, capacity, now):
        self.rate = rate
        self.base_rate = rate
        self.capacity = capacity
        self.tokens = capacity
        self.last = now
        self.throttled_at = None  # time of the last 429 while the rate is below base_rate

    def refill(self, now):
        if now > self.last:
            self.tokens = min(self.capacity, self.tokens + (now - self.last) * self.rate)
            self.last = now


class RateBudget:
    """Per-label token buckets shared by threads (reservation based).

    Each call reserves one token of its bucket (``family``/``label``) under a
    short lock and then sleeps, without the lock, until its reservation is due.
    Over any interval of ``t`` seconds a bucket lets at most
    ``capacity + rate * t`` calls through, where ``rate`` is ``safety`` times
    Zoom's documented limit of the tier and ``capacity`` is ``burst`` times
    ``rate`` (at least 1), so one second never sees more than Zoom's limit.
    A 429 pauses the bucket (``pause``) and slows it down a little; once
    ``QUIET`` seconds pass without a 429 the bucket wins back ``RECOVERY`` of
    its rate per second. Zoom's limits are per account: without recovery, a
    burst of 429s caused by another app would slow the rest of a long run.
    """

    QUIET = 2.0
    RECOVERY = 0.1

    def __init__(self, tier='business', safety=0.8, burst=0.25, clock=None, sleep=None, limits=None):
        tier = (tier or '').lower()
        limits = limits or RATE_LIMITS
        if tier not in limits.get('standard', {}):
            raise ZoomConfigError('Unknown rate_limit_tier %r: use one of %s (the Zoom plan of the account).' % (tier, ', '.join(RATE_TIERS)))
        if not 0 < safety <= 1:
            raise ZoomConfigError('RateBudget safety must be in (0, 1], got %r.' % (safety,))
        self.tier = tier
        self.safety = float(safety)
        self.burst = float(burst)
        self._limits = limits
        self._clock = clock or time.monotonic
        self._sleep = sleep or time.sleep
        self._lock = threading.Lock()
        self._buckets = {}

    def limit(self, label, family='standard'):
        """Zoom's documented requests per second for ``label`` in this tier."""
        table = self._limits.get(family) or self._limits['standard']
        tier_table = table.get(self.tier) or self._limits['standard'][self.tier]
        return tier_table.get(label, tier_table[MEDIUM])

    def _bucket(self, label, family, now):
        key = (family, label)
        bucket = self._buckets.get(key)
        if bucket is None:
            rate = self.limit(label, family) * self.safety
            bucket = _Bucket(rate, max(1.0, rate * self.burst), now)
            self._buckets[key] = bucket
        return bucket

    def reserve(self, label, family='standard'):
        """Reserve one call; return the seconds to wait before sending it (never sleeps)."""
        with self._lock:
            now = self._clock()
            bucket = self._bucket(label, family, now)
            bucket.refill(now)
            if bucket.throttled_at is not None:
                self._recover(bucket, now)
            bucket.tokens -= 1.0
            if bucket.tokens >= 0:
                return 0.0
            return -bucket.tokens / bucket.rate

    def _recover(self, bucket, now):
        quiet = now - bucket.throttled_at - self.QUIET
        if quiet > 0:
            bucket.rate = min(bucket.base_rate, bucket.rate + bucket.base_rate * self.RECOVERY * quiet)
            bucket.throttled_at = None if bucket.rate >= bucket.base_rate else now - self.QUIET

    def acquire(self, label, family='standard'):
        """Reserve one call and sleep (outside the lock) until it may be sent; return the wait."""
        wait = self.reserve(label, family)
        if wait > 0:
            self._sleep(wait)
        return wait

    def acquire_for(self, method, path):
        """``acquire`` for the label and family of ``method path``."""
        return self.acquire(rate_label(method, path), rate_family(path))

    def pause(self, label, family='standard', seconds=1.0, slow_down=0.8):
        """After a 429: nothing of this bucket is released for ``seconds``, and its rate drops by ``slow_down``."""
        with self._lock:
            now = self._clock()
            bucket = self._bucket(label, family, now)
            bucket.refill(now)
            if slow_down:
                bucket.rate = max(bucket.base_rate * 0.1, bucket.rate * slow_down)
                bucket.throttled_at = now
            debt = -max(0.0, float(seconds)) * bucket.rate
            if bucket.tokens > debt:
                bucket.tokens = debt

    def snapshot(self):
        """Current rates per bucket (for debugging and tests)."""
        with self._lock:
            return dict(('%s/%s' % key, bucket.rate) for key, bucket in self._buckets.items())


# ---------------------------------------------------------------------------
# Header and error parsing
# ---------------------------------------------------------------------------

def _parse_http_date(text, now):
    """Seconds from ``now`` (epoch) until an ISO-8601 or RFC 7231 date; None if not a date."""
    text = text.strip()
    when = None
    iso = text[:-1] + '+00:00' if text.endswith(('Z', 'z')) else text
    try:
        when = datetime.datetime.fromisoformat(iso)
    except ValueError:
        try:
            when = email.utils.parsedate_to_datetime(text)
        except (TypeError, ValueError, IndexError):
            when = None
    if when is None:
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=datetime.timezone.utc)
    return max(0.0, when.timestamp() - now)


def parse_retry_after(value, now=None):
    """``Retry-After`` as seconds to wait: a number of seconds or a date (ISO 8601 or HTTP date)."""
    if value is None:
        return None
    now = time.time() if now is None else now
    text = str(value).strip()
    if not text:
        return None
    try:
        return max(0.0, float(text))
    except ValueError:
        return _parse_http_date(text, now)


def parse_rate_limit_reset(value, now=None):
    """``X-RateLimit-Reset`` as seconds to wait: an epoch (s or ms), a number of seconds, or a date."""
    if value is None:
        return None
    now = time.time() if now is None else now
    text = str(value).strip()
    if not text:
        return None
    try:
        number = float(text)
    except ValueError:
        return _parse_http_date(text, now)
    if number > 1e12:
        return max(0.0, number / 1000.0 - now)
    if number > 1e9:
        return max(0.0, number - now)
    return max(0.0, number)


def _format_wait(seconds):
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return '%dh %02dm' % (hours, minutes)
    if minutes:
        return '%dm %02ds' % (minutes, secs)
    return '%ds' % secs


def _chain(exc):
    """The exception, its causes, contexts, ``reason`` attributes and exception args."""
    seen = set()
    stack = [exc]
    while stack:
        item = stack.pop()
        if item is None or id(item) in seen or not isinstance(item, BaseException):
            continue
        seen.add(id(item))
        yield item
        stack.append(getattr(item, 'reason', None))
        stack.append(item.__cause__)
        stack.append(item.__context__)
        stack.extend(arg for arg in item.args if isinstance(arg, BaseException))


def request_not_sent(exc):
    """True if a requests exception happened before any byte of the request left (safe to re-send a POST)."""
    if HAS_REQUESTS and isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    for item in _chain(exc):
        if NewConnectionError is not None and isinstance(item, NewConnectionError):
            return True
        if ConnectTimeoutError is not None and isinstance(item, ConnectTimeoutError):
            return True
    return False


def _is_tls_error(exc):
    return HAS_REQUESTS and isinstance(exc, requests.exceptions.SSLError)


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
        self.api_url = _validate_base_url('api_url', api_url, DEFAULT_API_URL)
        # a base URL ending in /v2 would double the prefix of every /v2/... path
        if self.api_url.lower().endswith('/v2'):
            self.api_url = self.api_url[:-3]
        self.oauth_url = _validate_base_url('oauth_url', oauth_url, DEFAULT_OAUTH_URL)
        try:
            self.timeout = float(timeout) if timeout is not None else float(DEFAULT_TIMEOUT)
        except (TypeError, ValueError):
            raise ZoomConfigError('Option timeout must be a number of seconds, got %r.' % (timeout,)) from None
        if self.timeout <= 0:
            raise ZoomConfigError('Option timeout must be greater than 0 seconds, got %r.' % (timeout,))
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

    # ---------------------------------------------------------------- secrets

    def _scrub(self, value):
        """Remove the client secret and any access token of this client from a text (or nested data)."""
        if isinstance(value, str):
            for secret in [self._client_secret, self._token] + self._old_tokens:
                if secret and len(secret) >= 4 and secret in value:
                    value = value.replace(secret, _REDACTED)
            return value
        if isinstance(value, list):
            return [self._scrub(item) for item in value]
        if isinstance(value, dict):
            return dict((key, self._scrub(item)) for key, item in value.items())
        return value

    def _reason(self, exc):
        text = str(exc) or type(exc).__name__
        if len(text) > 400:
            text = text[:400] + '...'
        return self._scrub(text)

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
            self._bump('retries')
            self._wait(delay)

    def _fetch_token_once(self, attempt):
        """One token request; returns ('token', value) or ('retry', delay, final_error); raises on hard errors."""
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
            error = self._connection_error(exc, 'oauth_url', self.oauth_url, DEFAULT_OAUTH_URL, 'ZOOM_OAUTH_URL', 'POST', path, attempt + 1)
            if _is_tls_error(exc) or not isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
                raise error
            return ('retry', self._backoff(attempt), error)
        self._log('POST', path, resp.status_code, started)
        status = resp.status_code
        data = _json_or_none(resp)
        if status == 200 and isinstance(data, dict) and data.get('access_token'):
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
            return ('token', token)
        if status == 429 or status >= 500:
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
            % (self.oauth_url, status, _describe_body(resp), DEFAULT_OAUTH_URL),
            status=status, method='POST', path=path)

    def invalidate_token(self):
        """Forget the cached token (the next call fetches a new one)."""
        with self._token_lock:
            self._token = None
            self._token_expires = 0.0

    # ---------------------------------------------------------------- request

    def _connection_error(self, exc, option, value, default, env, method, path, attempts):
        if _is_tls_error(exc):
            return ZoomConnectionError(
                'TLS error talking to %s=%s (%s %s): %s. Fix the certificate trust of the controller, or for a test endpoint '
                'set validate_certs=false.' % (option, value, method, path, self._reason(exc)),
                method=method, path=path)
        what = 'timed out' if isinstance(exc, requests.exceptions.Timeout) else 'failed'
        return ZoomConnectionError(
            'Connection to Zoom %s for %s %s (%s=%s, %d attempt%s): %s. Check %s (or %s; the default is %s), DNS, proxy and '
            'firewall settings, and that the controller can reach it.'
            % (what, method, path, option, value, attempts, '' if attempts == 1 else 's', self._reason(exc), option, env, default),
            method=method, path=path)

    def _check_path(self, path):
        if not isinstance(path, str) or not path:
            raise ZoomConfigError('A Zoom API path must be a non-empty string such as /v2/users, got %r.' % (path,))
        if '://' in path:
            raise ZoomConfigError('Pass an API path such as /v2/users to the client, not a full URL (%r); set api_url instead.' % path)
        if not path.startswith('/'):
            path = '/' + path
        return path

    def request(self, method, path, params=None, json=None, scim=False):
        """Send one API call with retries; return a ZoomResponse or raise a ZoomError subclass.

        ``path`` starts with ``/v2/`` or ``/scim2/`` (SCIM paths send
        ``Accept: application/scim+json`` automatically); ``params`` is a dict
        of query parameters (encoded by ``encode_query``); ``json`` is the body.
        """
        method = str(method).upper()
        path = self._check_path(path)
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
                if _is_tls_error(exc) or not isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
                    raise self._connection_error(exc, 'api_url', self.api_url, DEFAULT_API_URL, 'ZOOM_API_URL', method, log_path, attempt + 1)
                if not idempotent and not request_not_sent(exc):
                    raise ZoomUncertainWriteError(
                        'The outcome of %s %s is unknown: the connection failed after the request was sent (%s). Zoom may or may '
                        'not have applied it, so it was not sent again. Look the object up (rerunning the task does that) before '
                        'retrying.' % (method, log_path, self._reason(exc)),
                        method=method, path=log_path, cause=self._reason(exc))
                if attempt >= self.max_retries:
                    raise self._connection_error(exc, 'api_url', self.api_url, DEFAULT_API_URL, 'ZOOM_API_URL', method, log_path, attempt + 1)
                self._bump('retries')
                self._wait(self._backoff(attempt))
                attempt += 1
                continue
            self._log(method, log_path, resp.status_code, started)
            status = resp.status_code

            if 200 <= status < 300:
                return ZoomResponse(status, self._success_data(resp, method, log_path), resp.headers)
            if 300 <= status < 400:
                raise ZoomAPIError(
                    status, None, 'redirect to %s' % resp.headers.get('Location', '(no Location)'), method=method, path=log_path,
                    msg='%s %s was answered with HTTP %s, a redirect to %s: api_url=%s looks wrong. Set api_url (or ZOOM_API_URL) to '
                        'the API host the redirect points to, for example %s.'
                        % (method, log_path, status, resp.headers.get('Location', '(no Location)'), self.api_url, DEFAULT_API_URL))

            error = self._api_error(resp, method, log_path)
            if status == 401 and error.code == CODE_INVALID_TOKEN:
                if not refreshed:
                    refreshed = True
                    stale = token
                    continue
                raise ZoomAPIError(
                    status, error.code, error.message, errors=error.errors, method=method, path=log_path,
                    msg='Zoom rejected the access token for %s %s (HTTP 401, code 124: %s) even after a new token was fetched. Check '
                        'that the Server-to-Server OAuth app is activated and that no other process or app invalidates its tokens, '
                        'then retry.' % (method, log_path, error.message))
            if status == 429:
                self._count_throttled()
                wait = self._throttle_wait(resp, error, method, log_path, attempt)
                if self.rate_budget is not None:
                    self.rate_budget.pause(label, family, wait)
                self._bump('retries')
                self._wait(wait)
                attempt += 1
                continue
            if status >= 500:
                if not idempotent:
                    raise ZoomUncertainWriteError(
                        'The outcome of %s %s is unknown: Zoom answered HTTP %s (%s). Zoom may or may not have applied it, so it '
                        'was not sent again. Look the object up (rerunning the task does that) before retrying.'
                        % (method, log_path, status, error.message or 'server error'),
                        method=method, path=log_path, status=status, cause=error.message)
                if attempt < self.max_retries:
                    self._bump('retries')
                    self._wait(self._backoff(attempt))
                    attempt += 1
                    continue
            raise error

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
            raise ZoomRateLimitError(
                429, error.code, error.message, errors=error.errors, method=method, path=path,
                msg='Zoom kept throttling %s %s (%s, HTTP 429 %d times). Lower the concurrency or the request rate, or rerun later.'
                    % (method, path, what, attempt + 1),
                retry_after=wait, limit_type=limit_type, category=category)
        if wait is None:
            wait = self._backoff(attempt)
        return min(wait, self.max_wait)

    def _success_data(self, resp, method, path):
        content = resp.content or b''
        if not content.strip():
            return None
        try:
            return json_loads(content.decode('utf-8'))
        except (ValueError, UnicodeDecodeError):
            pass
        raise ZoomAPIError(
            resp.status_code, None, 'answer is not JSON', method=method, path=path,
            msg='%s %s answered HTTP %s with %s instead of JSON: api_url=%s looks wrong. Set api_url (or ZOOM_API_URL) to the Zoom '
                'API host, for example %s (without /v2).' % (method, path, resp.status_code, _describe_body(resp), self.api_url, DEFAULT_API_URL))

    def _api_error(self, resp, method, path):
        status = resp.status_code
        data = _json_or_none(resp)
        if isinstance(data, dict):
            if 'detail' in data or 'urn:ietf:params:scim:api:messages:2.0:Error' in (data.get('schemas') or []):
                code = None
                message = data.get('detail')
            else:
                code = data.get('code')
                message = data.get('message')
            if message is None and code is None:
                message = json_dumps(data)[:300]
            errors = data.get('errors') if isinstance(data.get('errors'), list) else None
            return ZoomAPIError(status, code, self._scrub(message), errors=self._scrub(errors), method=method, path=path)
        if data is not None:
            return ZoomAPIError(status, None, self._scrub(json_dumps(data)[:300]), method=method, path=path)
        if not (resp.content or b'').strip():
            return ZoomAPIError(status, None, None, method=method, path=path)
        if status >= 500:
            return ZoomAPIError(
                status, None, 'non-JSON answer', method=method, path=path,
                msg='%s %s failed with HTTP %s and %s instead of a Zoom error: Zoom or a proxy on the way had a problem. Retry later.'
                    % (method, path, status, _describe_body(resp)))
        return ZoomAPIError(
            status, None, 'non-JSON answer', method=method, path=path,
            msg='%s %s failed with HTTP %s and %s instead of a Zoom JSON error: api_url=%s looks wrong. Set api_url (or ZOOM_API_URL) '
                'to the Zoom API host, for example %s (without /v2).' % (method, path, status, _describe_body(resp), self.api_url, DEFAULT_API_URL))

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

    def paginate(self, path, items_key, params=None, page_size=300, dedupe_key=None, max_pages=None):
        """Yield the items of a ``next_page_token`` list, page after page.

        Every page repeats ``params`` plus ``page_size`` and the token. With
        ``dedupe_key`` (e.g. ``'id'``) an item whose key was already seen is
        skipped (GET /phone/users repeats users); items without the key are
        always yielded (pending users have no id).
        """
        seen_keys = set()
        seen_tokens = set()
        token = None
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

    def paginate_scim(self, path, params=None, count=100):
        """Yield the ``Resources`` of a SCIM list (``startIndex``/``count``) until ``totalResults`` or an empty page."""
        start = 1
        while True:
            query = dict(params or {})
            query['startIndex'] = start
            query['count'] = count
            data = self.get(path, params=query)
            if not isinstance(data, dict):
                data = {}
            resources = data.get('Resources') or []
            yield from resources
            try:
                total = int(data.get('totalResults') or 0)
            except (TypeError, ValueError):
                total = 0
            start += len(resources)
            if not resources or start > total:
                return


def missing_credentials_message(missing):
    """One message naming every missing credential option and its environment variable."""
    env = dict(CREDENTIAL_ENV)
    names = ', '.join('%s (or %s)' % (name, env.get(name, name.upper())) for name in missing)
    return ('Missing Zoom credentials: %s. Set them as module options, once for all Zoom tasks with '
            'module_defaults (group/zoomops.provisioning.zoom), or in the environment of the controller. They come from the '
            'Server-to-Server OAuth app in the Zoom App Marketplace.' % names)


def _json_or_none(resp):
    content = resp.content or b''
    if not content.strip():
        return None
    try:
        return json_loads(content.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        return None


def _describe_body(resp):
    ctype = resp.headers.get('Content-Type') or 'no content type'
    ctype = ctype.split(';', 1)[0].strip()
    content = resp.content or b''
    text = content[:200].decode('utf-8', 'replace')
    title = re.search(r'<title[^>]*>(.*?)</title>', text, re.I | re.S)
    snippet = title.group(1).strip() if title else ' '.join(text.split())[:80]
    return 'a %s body of %d bytes (%s)' % (ctype, len(content), snippet) if snippet else 'a %s body of %d bytes' % (ctype, len(content))
