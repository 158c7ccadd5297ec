# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The retry policy of the Zoom client: one table, and the functions that name the outcome of a failed call.

``RETRY_POLICY`` maps an outcome (``throttled``, ``locked``, ``server_error``, ``not_sent``, ``lost``,
``unreachable``, ``tls``, ``invalid_request``, ``token_rejected``) to the methods it is retried for, how to wait
and what a method it is not retried for gets. ``_client.ZoomClient`` reads it in its request loop;
``status_outcome`` and ``connection_outcome`` classify an answer or a requests exception.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import collections
import socket

try:
    import requests
except ImportError:
    requests = None  # pylint: disable=invalid-name

try:
    from urllib3.exceptions import NewConnectionError, ConnectTimeoutError
except ImportError:
    NewConnectionError = ConnectTimeoutError = None  # pylint: disable=invalid-name
try:
    from urllib3.exceptions import NameResolutionError  # urllib3 2.x
except ImportError:
    NameResolutionError = None  # pylint: disable=invalid-name


# methods whose repetition cannot create a second object
IDEMPOTENT_METHODS = frozenset(['GET', 'HEAD', 'OPTIONS', 'PUT', 'PATCH', 'DELETE'])

# which methods an outcome is retried for
ANY_METHOD = 'any'            # POST included: Zoom did nothing, so sending again cannot create a duplicate
IDEMPOTENT = 'idempotent'     # IDEMPOTENT_METHODS and the token request (fetching a token twice is harmless)
NO_METHOD = 'none'            # never retried: waiting cannot fix it

RetryRule = collections.namedtuple('RetryRule', ['retried_for', 'wait', 'otherwise', 'pause_budget'])
RetryRule.__doc__ = """``retried_for``: ANY_METHOD, IDEMPOTENT or NO_METHOD; ``wait`` before the next attempt:
``backoff`` (capped jittered exponential), ``retry_after`` (the 429's headers, else backoff) or ``new_token`` (no wait,
once); ``otherwise``, for a method it is not retried for: ``uncertain`` (ZoomUncertainWriteError: the caller must look
the object up) or ``fail`` (the error as is); ``pause_budget``: the wait also pauses and slows the shared RateBudget
bucket of the call. Retried outcomes fail too once ``max_retries`` is used up."""

# outcome -> rule (docs/ZOOM-API-FACTS.md §1.4, §2.1, §6.3)
RETRY_POLICY = {
    # HTTP 429 (rate limit): Zoom refused the call before doing anything. A daily limit, or a wait longer than
    # max_wait, fails at once (ZoomRateLimitError).
    'throttled': RetryRule(ANY_METHOD, 'retry_after', 'fail', True),
    # HTTP 429 "Too many concurrent requests": Zoom's lock on one user (a removal running, or right after its
    # POST /users); not a rate limit, so calls for other users go on at full rate.
    'locked': RetryRule(ANY_METHOD, 'retry_after', 'fail', False),
    # HTTP 5xx: the call may have been applied.
    'server_error': RetryRule(IDEMPOTENT, 'backoff', 'uncertain', False),
    # connection refused or connect timeout once the endpoint has answered in this run: nothing left the machine.
    'not_sent': RetryRule(ANY_METHOD, 'backoff', 'fail', False),
    # dropped connection or read timeout after the request left: as 5xx.
    'lost': RetryRule(IDEMPOTENT, 'backoff', 'uncertain', False),
    # connection refused or a host name that does not resolve, before the endpoint ever answered in this run:
    # a wrong api_url / oauth_url. Fail at once with the option and its value (retrying took ~33 s, issue #11).
    'unreachable': RetryRule(NO_METHOD, None, 'fail', False),
    # TLS errors and requests that cannot be built (bad URL): retrying cannot fix them.
    'tls': RetryRule(NO_METHOD, None, 'fail', False),
    'invalid_request': RetryRule(NO_METHOD, None, 'fail', False),
    # HTTP 401 code 124: fetch a new token and repeat the call, once.
    'token_rejected': RetryRule(ANY_METHOD, 'new_token', 'fail', False),
}


def status_outcome(status, error):
    """The RETRY_POLICY outcome of an HTTP error answer (``error``: its ZoomAPIError), None when not retried."""
    if status == 429:
        return 'locked' if error.kind == 'concurrent_request' else 'throttled'
    if status >= 500:
        return 'server_error'
    return None


def retried(rule, idempotent):
    """True if ``rule`` retries a call whose method is (``idempotent``) or is not idempotent."""
    return rule.retried_for == ANY_METHOD or (rule.retried_for == IDEMPOTENT and idempotent)


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
    if requests is not None and isinstance(exc, requests.exceptions.ConnectTimeout):
        return True
    for item in _chain(exc):
        if NewConnectionError is not None and isinstance(item, NewConnectionError):
            return True
        if ConnectTimeoutError is not None and isinstance(item, ConnectTimeoutError):
            return True
    return False


def is_tls_error(exc):
    return requests is not None and isinstance(exc, requests.exceptions.SSLError)


def unreachable_reason(exc):
    """``connection refused`` / ``host name does not resolve`` when nothing can answer at that address, else None."""
    for item in _chain(exc):
        if isinstance(item, ConnectionRefusedError):
            return 'connection refused'
        if isinstance(item, socket.gaierror) or (NameResolutionError is not None and isinstance(item, NameResolutionError)):
            return 'the host name does not resolve'
    return None


def connection_outcome(exc, reached):
    """The RETRY_POLICY outcome of a requests exception; ``reached``: the endpoint answered earlier in this run."""
    if is_tls_error(exc):
        return 'tls'
    if not isinstance(exc, (requests.exceptions.ConnectionError, requests.exceptions.Timeout)):
        return 'invalid_request'
    if not reached and unreachable_reason(exc):
        return 'unreachable'
    if request_not_sent(exc):
        return 'not_sent'
    return 'lost'
