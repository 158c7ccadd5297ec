# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Typed exceptions for the zoomops.provisioning module_utils.

Nothing in module_utils calls ``fail_json``: helpers raise one of these and the
module layer (``_module.ZoomModule.fail_from_error``) turns them into a result.
Rules every raiser follows:

* the message says what happened and what to do about it;
* no secret (client secret, access token, Authorization header) ever goes into
  an exception (the client scrubs texts it did not write itself).

Hierarchy::

    ZoomError                      base, .to_dict() for module results
      ZoomConfigError              bad/missing options, missing library
      ZoomConnectionError          network, DNS, TLS, timeouts (nothing was changed)
      ZoomAuthError                the OAuth token endpoint refused the credentials
      ZoomUncertainWriteError      a write whose outcome is unknown (do not re-send blindly)
      ZoomAPIError                 Zoom answered with an HTTP error
        ZoomRateLimitError         HTTP 429 that could not be waited out
      ZoomPlanError                a planner found conflicts before any write
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name


# Zoom error codes with a well-known meaning (BEHAVIOUR.md sections 1.4, 2).
CODE_INVALID_TOKEN = 124
CODE_VALIDATION = 300
CODE_USER_NOT_FOUND = 1001
CODE_USER_NOT_IN_ACCOUNT = 1010
CODE_ROUTE_NOT_FOUND = 2300
CODE_MISSING_SCOPE = 4711
CODE_MISSING_SCOPE_DOC = 4700


class ZoomError(Exception):
    """Base class of every error raised by the collection's module_utils."""

    def __init__(self, msg, status=None, code=None, zoom_message=None, errors=None, method=None, path=None):
        super(ZoomError, self).__init__(msg)
        self.msg = msg
        self.status = status
        self.code = code
        self.zoom_message = zoom_message
        self.errors = errors
        self.method = method
        self.path = path

    def __str__(self):
        return str(self.msg)

    def __repr__(self):
        return '%s(%r)' % (type(self).__name__, self.msg)

    def to_dict(self):
        """Fields for a module result; only the ones that are set."""
        result = {'msg': self.msg}
        for key in ('status', 'code', 'zoom_message', 'errors', 'method', 'path'):
            value = getattr(self, key, None)
            if value is not None:
                result[key] = value
        return result


class ZoomConfigError(ZoomError):
    """A module option or the environment is wrong (nothing was sent to Zoom)."""


class ZoomConnectionError(ZoomError):
    """Zoom could not be reached (DNS, refused, TLS, timeout) after the retries."""


class ZoomAuthError(ZoomError):
    """The OAuth token endpoint refused to issue an access token.

    ``reason`` and ``error`` are Zoom's own fields (for example
    ``Invalid client_id or client_secret`` / ``invalid_client``); the secret is
    never part of the message.
    """

    def __init__(self, msg, status=None, reason=None, error=None, method=None, path=None):
        super(ZoomAuthError, self).__init__(msg, status=status, zoom_message=reason, method=method, path=path)
        self.reason = reason
        self.error = error

    def to_dict(self):
        result = super(ZoomAuthError, self).to_dict()
        if self.error is not None:
            result['error'] = self.error
        return result


class ZoomUncertainWriteError(ZoomError):
    """A write (normally a POST) failed in a way that leaves its outcome unknown.

    Zoom may or may not have applied it (5xx answer, read timeout, dropped
    connection after the request was sent). Callers must look the object up
    again instead of re-sending the write.
    """

    def __init__(self, msg, method=None, path=None, status=None, cause=None):
        super(ZoomUncertainWriteError, self).__init__(msg, status=status, method=method, path=path)
        self.cause = cause

    def to_dict(self):
        result = super(ZoomUncertainWriteError, self).to_dict()
        result['uncertain'] = True
        return result


def _api_hint(status, code, message):
    """A short "what to do" sentence for an API error."""
    if code == CODE_INVALID_TOKEN or status == 401:
        return ('Zoom rejected the credentials or the access token: check that the Server-to-Server OAuth app is activated, that '
                'account_id, client_id and client_secret belong to it, and that no other process keeps invalidating its tokens.')
    if code in (CODE_MISSING_SCOPE, CODE_MISSING_SCOPE_DOC) or 'does not contain scopes' in (message or ''):
        return 'Add the missing scopes to the Server-to-Server OAuth app in the Zoom App Marketplace, then re-activate it.'
    if status == 403:
        return 'The app or its account lacks the permission or licence for this call; check the app scopes and the account plan.'
    if status == 404 and code == CODE_ROUTE_NOT_FOUND:
        return 'Zoom does not know this endpoint: check api_url (it must be the API host, for example https://api.zoom.us, without /v2).'
    if status == 429:
        return 'Zoom rate limit reached: retry later or lower the request rate.'
    if status is not None and status >= 500:
        return 'Zoom had a server error: retry later.'
    return None


class ZoomAPIError(ZoomError):
    """Zoom answered an API call with an HTTP error status.

    ``code`` and ``message`` are Zoom's ``code``/``message`` body fields (for
    SCIM errors ``code`` is None and ``message`` is the ``detail`` text);
    ``errors`` is Zoom's per-field validation list when present.
    """

    def __init__(self, status, code, message, errors=None, method=None, path=None, msg=None, hint=None):
        if msg is None:
            where = ' '.join(part for part in (method, path) if part)
            text = 'Zoom API call %s failed with HTTP %s' % (where or '(unknown)', status)
            if code is not None:
                text += ', Zoom code %s' % code
            if message:
                text += ': %s' % message
            if errors:
                details = []
                for item in errors:
                    if isinstance(item, dict):
                        details.append('%s: %s' % (item.get('field', '?'), item.get('message', '?')))
                    else:
                        details.append(str(item))
                text += ' (%s)' % '; '.join(details)
            if not text.endswith('.'):
                text += '.'
            hint = hint if hint is not None else _api_hint(status, code, message)
            if hint:
                text += ' ' + hint
            msg = text
        super(ZoomAPIError, self).__init__(msg, status=status, code=code, zoom_message=message, errors=errors, method=method, path=path)
        self.message = message

    def has_code(self, *codes):
        """True if Zoom's error code is one of ``codes``."""
        return self.code is not None and self.code in codes

    @property
    def is_not_found(self):
        """The addressed object does not exist (404, or Zoom's "user not found" codes)."""
        if self.status == 404 and self.code != CODE_ROUTE_NOT_FOUND:
            return True
        return self.has_code(CODE_USER_NOT_FOUND, CODE_USER_NOT_IN_ACCOUNT)

    @property
    def is_bad_request(self):
        return self.status == 400

    @property
    def is_unauthorized(self):
        return self.status == 401

    @property
    def is_forbidden(self):
        return self.status == 403

    @property
    def is_conflict(self):
        return self.status == 409

    @property
    def is_rate_limited(self):
        return self.status == 429

    @property
    def is_server_error(self):
        return self.status is not None and self.status >= 500

    @property
    def is_validation_error(self):
        return self.has_code(CODE_VALIDATION)

    @property
    def is_missing_scope(self):
        return self.has_code(CODE_MISSING_SCOPE, CODE_MISSING_SCOPE_DOC) or 'does not contain scopes' in (self.message or '')


class ZoomRateLimitError(ZoomAPIError):
    """HTTP 429 that the client did not wait out (daily limit, or retries used up).

    ``retry_after`` is the number of seconds until Zoom accepts calls again when
    known; ``limit_type`` is ``X-RateLimit-Type`` (``QPS`` or ``Daily-limit``)
    and ``category`` is ``X-RateLimit-Category`` (``Light``, ``Medium``...).
    """

    def __init__(self, status, code, message, errors=None, method=None, path=None, msg=None,
                 retry_after=None, limit_type=None, category=None):
        super(ZoomRateLimitError, self).__init__(status, code, message, errors=errors, method=method, path=path, msg=msg)
        self.retry_after = retry_after
        self.limit_type = limit_type
        self.category = category

    def to_dict(self):
        result = super(ZoomRateLimitError, self).to_dict()
        for key in ('retry_after', 'limit_type', 'category'):
            value = getattr(self, key)
            if value is not None:
                result[key] = value
        return result


class ZoomPlanError(ZoomError):
    """A planner found problems (conflicts, impossible requests) before any write.

    ``problems`` lists every problem found (strings or dicts), so the user can
    fix them all at once.
    """

    def __init__(self, msg, problems=None):
        problems = list(problems or [])
        full = msg or ''
        if problems:
            rendered = []
            for item in problems:
                if isinstance(item, dict):
                    rendered.append(str(item.get('msg') or item.get('message') or item))
                else:
                    rendered.append(str(item))
            full = '%s %s' % (full.rstrip(), ' | '.join(rendered)) if full else ' | '.join(rendered)
        super(ZoomPlanError, self).__init__(full)
        self.problems = problems

    def to_dict(self):
        result = super(ZoomPlanError, self).to_dict()
        result['problems'] = list(self.problems)
        return result
