# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the Zoom client makes of an answer it did not expect: Zoom's error bodies (REST and SCIM) as ZoomAPIError,
bodies that are not JSON (a wrong api_url) and failed connections as ZoomConnectionError, each with what to fix.
Pure functions of the ``requests`` response or exception; ``_client.ZoomClient`` calls them.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import re

from json import dumps as json_dumps, loads as json_loads

from ansible_collections.zoomops.provisioning.plugins.module_utils._client_options import DEFAULT_API_URL, URL_OPTIONS
from ansible_collections.zoomops.provisioning.plugins.module_utils._client_policy import unreachable_reason
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomAPIError, ZoomConnectionError

try:
    import requests
except ImportError:
    requests = None  # pylint: disable=invalid-name


_NOT_JSON = object()


def _parsed_body(resp):
    """The parsed JSON body of ``resp``: None when empty, ``_NOT_JSON`` when it is something else."""
    content = resp.content or b''
    if not content.strip():
        return None
    try:
        return json_loads(content.decode('utf-8'))
    except (ValueError, UnicodeDecodeError):
        return _NOT_JSON


def json_or_none(resp):
    """The parsed JSON body of ``resp``, None when it is empty or not JSON."""
    data = _parsed_body(resp)
    return None if data is _NOT_JSON else data


def _scrubbed_prefix(text, limit, scrub_text):
    """The first ``limit`` characters of ``text`` with secrets masked first: a secret across the cut goes whole."""
    return (scrub_text(text) if scrub_text else text)[:limit]


def describe_body(resp, scrub_text=None):
    """A short description of a body that is not what was expected: type, size and its title or first words."""
    ctype = resp.headers.get('Content-Type') or 'no content type'
    ctype = ctype.split(';', 1)[0].strip()
    content = resp.content or b''
    text = _scrubbed_prefix(content[:4096].decode('utf-8', 'replace'), 200, scrub_text)
    title = re.search(r'<title[^>]*>(.*?)</title>', text, re.I | re.S)
    snippet = title.group(1).strip() if title else ' '.join(text.split())[:80]
    return 'a %s body of %d bytes (%s)' % (ctype, len(content), snippet) if snippet else 'a %s body of %d bytes' % (ctype, len(content))


def success_data(resp, method, path, api_url, scrub_text=None):
    """The parsed JSON of a 2xx answer (None for an empty body); a non-JSON body means api_url is wrong."""
    data = _parsed_body(resp)
    if data is not _NOT_JSON:
        return data
    body = describe_body(resp, scrub_text)
    raise ZoomAPIError(
        resp.status_code, None, 'answer is not JSON', method=method, path=path,
        msg='%s %s answered HTTP %s with %s instead of JSON: api_url=%s looks wrong. Set api_url (or ZOOM_API_URL) to the Zoom '
            'API host, for example %s (without /v2).' % (method, path, resp.status_code, body, api_url, DEFAULT_API_URL))


def api_error(resp, method, path, api_url, scrub_text):
    """The ZoomAPIError of an HTTP error answer (Zoom JSON, SCIM JSON or something else); ``scrub_text`` removes secrets
    from the texts Zoom sent."""
    status = resp.status_code
    data = json_or_none(resp)
    if isinstance(data, dict):
        if 'detail' in data or 'urn:ietf:params:scim:api:messages:2.0:Error' in (data.get('schemas') or []):
            code = None
            message = data.get('detail')
        else:
            code = data.get('code')
            message = data.get('message')
        if message is None and code is None:
            message = _scrubbed_prefix(json_dumps(data), 300, scrub_text)
        errors = data.get('errors') if isinstance(data.get('errors'), list) else None
        return ZoomAPIError(status, code, scrub_text(message), errors=scrub_text(errors), method=method, path=path)
    if data is not None:
        return ZoomAPIError(status, None, _scrubbed_prefix(json_dumps(data), 300, scrub_text), method=method, path=path)
    if not (resp.content or b'').strip():
        return ZoomAPIError(status, None, None, method=method, path=path)
    if status >= 500:
        return ZoomAPIError(
            status, None, 'non-JSON answer', method=method, path=path,
            msg='%s %s failed with HTTP %s and %s instead of a Zoom error: Zoom or a proxy on the way had a problem. Retry later.'
                % (method, path, status, describe_body(resp, scrub_text)))
    return ZoomAPIError(
        status, None, 'non-JSON answer', method=method, path=path,
        msg='%s %s failed with HTTP %s and %s instead of a Zoom JSON error: api_url=%s looks wrong. Set api_url (or ZOOM_API_URL) '
            'to the Zoom API host, for example %s (without /v2).' % (method, path, status, describe_body(resp, scrub_text), api_url, DEFAULT_API_URL))


def connection_error(exc, option, value, method, path, attempts, outcome, reason):
    """The ZoomConnectionError of a failed connection to ``option`` (api_url or oauth_url) ``value``; ``reason``: the
    scrubbed text of ``exc``."""
    default, env = URL_OPTIONS[option]
    if outcome == 'tls':
        return ZoomConnectionError(
            'TLS error talking to %s=%s (%s %s): %s. Fix the certificate trust of the controller, or for a test endpoint '
            'set validate_certs=false.' % (option, value, method, path, reason),
            method=method, path=path)
    if outcome == 'unreachable':
        return ZoomConnectionError(
            'Cannot reach %s=%s (%s %s): %s, so nothing was sent to Zoom. Check the %s option (or the %s environment '
            'variable; Zoom\'s is %s), DNS, proxy and firewall settings.'
            % (option, value, method, path, unreachable_reason(exc), option, env, default),
            method=method, path=path)
    what = 'timed out' if isinstance(exc, requests.exceptions.Timeout) else 'failed'
    return ZoomConnectionError(
        'Connection to Zoom %s for %s %s (%s=%s, %d attempt%s): %s. Check %s (or %s; the default is %s), DNS, proxy and '
        'firewall settings, and that the controller can reach it.'
        % (what, method, path, option, value, attempts, '' if attempts == 1 else 's', reason, option, env, default),
        method=method, path=path)
