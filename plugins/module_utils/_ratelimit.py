# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Zoom's rate limits, apart from the HTTP client.

* ``rate_label(method, path)`` / ``rate_family(path)``: the label (Light, Medium, Heavy) and the table
  (standard or Zoom Phone) of one call (docs/ZOOM-API-FACTS.md §6.1, §6.2);
* ``RateBudget``: per-label token buckets shared by worker threads, sized from the plan tier, paused and
  slowed by a 429 and recovering afterwards;
* ``parse_retry_after`` / ``parse_rate_limit_reset``: seconds to wait from a 429's headers (§6.3).

No I/O here: the client (``_client.ZoomClient``) asks the budget before each call and reports 429s to it.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import datetime
import email.utils
import re
import threading
import time

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomConfigError


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
    """Zoom's rate-limit label (``Light``, ``Medium``, ``Heavy``) of one call (docs/ZOOM-API-FACTS.md §6.2).

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


# ---------------------------------------------------------------------------
# When Zoom accepts calls again (429 headers, docs/ZOOM-API-FACTS.md §6.3)
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


def _header_number(value, now):
    """(number, None) for a numeric header value, (None, seconds until the date) for a date, (None, None) when absent."""
    text = '' if value is None else str(value).strip()
    if not text:
        return None, None
    try:
        return float(text), None
    except ValueError:
        return None, _parse_http_date(text, time.time() if now is None else now)


def parse_retry_after(value, now=None):
    """``Retry-After`` as seconds to wait: a number of seconds or a date (ISO 8601 or HTTP date)."""
    number, until_date = _header_number(value, now)
    return until_date if number is None else max(0.0, number)


def parse_rate_limit_reset(value, now=None):
    """``X-RateLimit-Reset`` as seconds to wait: an epoch (s or ms), a number of seconds, or a date."""
    number, until_date = _header_number(value, now)
    if number is None:
        return until_date
    now = time.time() if now is None else now
    if number > 1e12:
        return max(0.0, number / 1000.0 - now)
    if number > 1e9:
        return max(0.0, number - now)
    return max(0.0, number)
