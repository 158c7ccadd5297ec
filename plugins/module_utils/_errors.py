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

Zoom's error codes live in one table, ``ZOOM_CODES`` (code -> kind, meaning, hint, facts section). Everything
that classifies an answer reads it: ``error_kind(exc)``, ``is_missing(exc)`` (the one "object does not exist"
rule) and ``hint_for(...)``, which ZoomAPIError appends to its message. Branch on ``error_kind``, not on
codes or Zoom's wording.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import collections
import re


# ---------------------------------------------------------------------------
# Zoom's error codes: one table, read by every classification and hint
# ---------------------------------------------------------------------------

CODE_INVALID_TOKEN = 124
CODE_VALIDATION = 300
CODE_PENDING_SETTINGS = 1000
CODE_USER_NOT_FOUND = 1001
CODE_ALREADY_USED = 1005
CODE_HOLDS_ACCOUNT = 1009
CODE_NOT_IN_ACCOUNT = 1010
CODE_NO_PHONE_LICENCE = 1102
CODE_MANAGED_DOMAIN = 1107
CODE_ADMIN = 1117
CODE_INVITATION_EXPIRED = 1120
CODE_ACCOUNT_NOT_FOUND = 2001
CODE_BASIC_LIMIT = 2033
CODE_LICENCE_LIMIT = 2034
CODE_ZOOM_ONE_LIMIT = 2038
CODE_ROUTE_NOT_FOUND = 2300
CODE_BASIC_LIMIT_REACHED = 3412
CODE_MISSING_SCOPE = 4711
CODE_MISSING_SCOPE_DOC = 4700

_NOTHING_DONE = 'Zoom did not create or change anything for this call.'
_BASIC_SEAT_HINT = ('The account has reached its maximum number of Basic users. %s Free a Basic seat (remove or deactivate '
                    'Basic users who no longer need Zoom) or ask Zoom to raise the limit, then rerun.' % _NOTHING_DONE)

# {scopes}: filled in by hint_for, whatever code (or none) Zoom gave with its missing-scope text
_SCOPE_HINT = ('Add the scopes {scopes} to the Server-to-Server OAuth app in the Zoom App Marketplace (Scopes), activate the '
               'app again, then rerun.')

ZoomCode = collections.namedtuple('ZoomCode', ['code', 'kind', 'meaning', 'hint', 'facts', 'methods', 'marker'])
ZoomCode.__doc__ = """One row of ZOOM_CODES: Zoom's ``code``, our ``kind`` label, what it means, what to do
(``hint``; ``{scopes}`` is filled in by ``hint_for``), the facts section, the HTTP ``methods`` the row is for
(None: any method) and a ``marker`` (lower-case text of Zoom's message) that picks the row when the method is not
known. Zoom reuses a few codes with another meaning on another operation (1107)."""

# First matching row wins (code, then method). Facts: docs/ZOOM-API-FACTS.md, section in ``facts``.
ZOOM_CODES = tuple(ZoomCode(*(row + (None,) * (7 - len(row)))) for row in (
    (CODE_INVALID_TOKEN, 'invalid_token', 'invalid or expired access token',
     'Zoom rejected the access token: check that the Server-to-Server OAuth app is activated, that account_id, client_id and '
     'client_secret belong to it, and that no other process keeps invalidating its tokens.', '1.4', None),
    (CODE_VALIDATION, 'validation', 'a request field was refused',
     'Zoom refused a value: fix the field named above in the task input.', '2.1', None),
    (CODE_PENDING_SETTINGS, 'pending_settings', 'settings of a pending user cannot be read or changed',
     'The user has not accepted the invitation yet: settings and Zoom Phone can be set only once they have; rerun then.',
     '2.10', None),
    (CODE_USER_NOT_FOUND, 'missing', 'the user does not exist in this account',
     'Check the email or id; the user does not exist in this Zoom account.', '2.5', None),
    (CODE_ALREADY_USED, 'already_exists', 'the email is already a user of this account',
     'The user already exists: rerun the task, which looks the user up instead of creating it.', '2.3', None),
    (CODE_HOLDS_ACCOUNT, 'holds_account', 'the email already holds an active Zoom account outside this account',
     'The person already has their own Zoom account with this email: create the user with create_action=create (the person '
     'accepts the invitation and their account joins yours), or ask them to consolidate their account.', '2.3', None),
    (CODE_NOT_IN_ACCOUNT, 'not_in_account', 'the email belongs to another Zoom account, not this one',
     'The email belongs to another Zoom account: the person must leave it (or consolidate it into yours) before this '
     'account can manage them.', '2.5', None),
    (CODE_NO_PHONE_LICENCE, 'no_phone_licence', 'no free Zoom Phone licence',
     'The account has no free Zoom Phone licence. Free one (turn Zoom Phone off for a user who no longer needs it) or buy '
     'more, then rerun.', '2.3', None),
    (CODE_MANAGED_DOMAIN, 'managed_domain', 'a user of a managed (associated) domain cannot be disassociated',
     'Zoom cannot disassociate a user of a managed domain; nothing was removed. Deactivate the user instead, or delete them '
     'permanently with a transfer target (removal_action=delete with transfer_to).', '2.9', ('DELETE',), 'disassociate'),
    (CODE_MANAGED_DOMAIN, 'domain_blocked', 'the email domain is blocked',
     'Zoom blocks this email domain: use an address of a domain the account allows. %s' % _NOTHING_DONE, '2.3', ('POST',),
     'blocked'),
    (CODE_ADMIN, 'admin_user', 'an admin cannot be disassociated',
     'Zoom cannot disassociate an admin: remove the admin role in Zoom first, or deactivate the user.', '2.9', None),
    (CODE_INVITATION_EXPIRED, 'invitation_expired', 'the invitation expired',
     'The user\'s invitation expired: remove it (state=absent) and create the user again.', '2.5', None),
    (CODE_ACCOUNT_NOT_FOUND, 'account_not_found', 'the account does not exist (Zoom Phone)',
     'Zoom Phone does not know this account: check that Zoom Phone is licensed and set up for the account.', '5.2', None),
    (CODE_BASIC_LIMIT, 'no_licence', 'the account reached its maximum number of Basic users', _BASIC_SEAT_HINT, '2.3', None),
    # Zoom documents 3412 for the Basic limit, but it answers it for other seat types too (docs/ZOOM-API-FACTS.md §2.3 lists the codes
    # together), so its hint names no type
    (CODE_BASIC_LIMIT_REACHED, 'no_licence', 'no free seat of the requested user type',
     'The account has no free seat of the requested user type. %s Free a seat of that type (remove, deactivate or '
     'downgrade a user who no longer needs it) or buy more, or create the user with another type, then rerun.'
     % _NOTHING_DONE, '2.3', None),
    (CODE_LICENCE_LIMIT, 'no_licence', 'no free licence of the requested paid type',
     'The account has no free licence of this type. %s Free a licence (switch a Licensed user who no longer needs it to Basic, '
     'or remove them), buy more licences, or create the user as type basic, then rerun.' % _NOTHING_DONE, '2.3', None),
    (CODE_ZOOM_ONE_LIMIT, 'no_licence', 'no free Zoom One licence',
     'The account has no free Zoom One licence of this plan. %s Free one or buy more, then rerun.' % _NOTHING_DONE, '2.3', None),
    (CODE_ROUTE_NOT_FOUND, 'unknown_endpoint', 'Zoom does not know this endpoint',
     'Zoom does not know this endpoint: check api_url (it must be the API host, for example https://api.zoom.us, without /v2).',
     '2.1', None),
    (CODE_MISSING_SCOPE, 'missing_scope', 'the access token lacks a scope', _SCOPE_HINT, '1.4', None),
    (CODE_MISSING_SCOPE_DOC, 'missing_scope', 'the access token lacks a scope', _SCOPE_HINT, '1.4', None),
))

# Answers without a (distinctive) code, recognised by status and Zoom's text (docs/ZOOM-API-FACTS.md §2.1, §6.3).
_API_DISABLED_TEXT = 'access to the zoom rest api has been denied'
_CONCURRENT_TEXT = 'too many concurrent requests'
_MISSING_SCOPE_TEXT = 'does not contain scopes'
# SCIM answers carry no code, only a text (docs/ZOOM-API-FACTS.md §4.5, §4.6): licence capacity is a 409 with one of these
_SCIM_NO_LICENCE_TEXTS = ('cannot add paid users', 'cannot create more users')
_STATUS_HINTS = {
    'api_disabled': 'Zoom has disabled the REST API for this account: ask Zoom Support to enable API access. No call can '
                    'work until then; nothing was changed.',
    'forbidden': 'The app or its account lacks the permission or licence for this call: check the app\'s scopes, the role of '
                 'the user who created the app, and the account plan.',
    'concurrent_request': 'Zoom is still working on another request for the same user (a removal, or the create just made): '
                          'wait a few seconds and rerun. Do not run two tasks for one user at the same time.',
    'rate_limited': 'Zoom rate limit reached: retry later or lower the request rate.',
    'server_error': 'Zoom had a server error: retry later.',
}
_UNAUTHORIZED_HINT = ZOOM_CODES[0].hint


def zoom_code(code, method=None, message=None):
    """The ZOOM_CODES row of Zoom's ``code`` for a call with ``method`` (None if the code is not in the table).

    Without a method, a code with several rows is told apart by the row's ``marker`` in ``message``, else the first row.
    """
    if code is None:
        return None
    try:
        code = int(code)
    except (TypeError, ValueError):
        return None
    rows = [row for row in ZOOM_CODES if row.code == code]
    if method:
        rows = [row for row in rows if row.methods is None or method.upper() in row.methods]
    elif len(rows) > 1:
        text = (message or '').lower()
        rows = [row for row in rows if row.marker and row.marker in text] or rows
    return rows[0] if rows else None


def missing_scopes(message):
    """Scope names in Zoom's missing-scope text (``... does not contain scopes:[a, b].``), in order."""
    match = re.search(r'scopes?\s*:?\s*\[([^\]]*)\]', message or '', re.I)
    if not match:
        return []
    return [name.strip(' \'"') for name in match.group(1).split(',') if name.strip(' \'"')]


def _kind(status, code, message, method):
    text = (message or '').lower()
    if _MISSING_SCOPE_TEXT in text:
        return 'missing_scope'
    row = zoom_code(code, method, message)
    if row is not None:
        return row.kind
    if status == 404:
        return 'missing'
    if status == 409 and code is None and any(marker in text for marker in _SCIM_NO_LICENCE_TEXTS):
        return 'no_licence'
    if status == 409 and (method or '').upper() == 'POST':
        return 'already_exists'
    if status == 403:
        return 'api_disabled' if _API_DISABLED_TEXT in text else 'forbidden'
    if status == 429:
        return 'concurrent_request' if _CONCURRENT_TEXT in text else 'rate_limited'
    if status is not None and status >= 500:
        return 'server_error'
    return None


def error_kind(exc):
    """The kind label of an API error, or None (not an API error, or an answer nothing here knows).

    The ``kind`` of its ZOOM_CODES row (by code and method), else by status: ``missing`` (404), ``already_exists`` (409
    on POST), ``api_disabled`` / ``forbidden`` (403), ``concurrent_request`` / ``rate_limited`` (429), ``server_error``
    (5xx), ``no_licence`` (SCIM 409 licence texts). Zoom's missing-scope text is ``missing_scope`` whatever the code.
    """
    if not isinstance(exc, ZoomAPIError):
        return None
    return _kind(exc.status, exc.code, exc.message, exc.method)


def is_missing(exc):
    """True if ``exc`` says the addressed object does not exist.

    A 404 with any code but "unknown endpoint" (2300) or "account does not exist" (2001), a SCIM 404, or code 1001
    on any status. 1010 (another account) and 1120 (expired invitation) are not "missing": the email is taken.
    """
    return error_kind(exc) == 'missing'


def hint_for(status, code, message, method=None):
    """The "what to do" sentence for an API error, or None."""
    kind = _kind(status, code, message, method)
    row = zoom_code(code, method, message)
    if kind == 'missing_scope':
        scopes = missing_scopes(message)
        return _SCOPE_HINT.format(scopes=', '.join(scopes) if scopes else 'named in Zoom\'s message')
    if row is not None and row.kind == kind:
        return row.hint
    if kind == 'no_licence':
        return zoom_code(CODE_LICENCE_LIMIT).hint
    if kind in _STATUS_HINTS:
        return _STATUS_HINTS[kind]
    if status == 401:
        return _UNAUTHORIZED_HINT
    return None


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
            hint = hint if hint is not None else hint_for(status, code, message, method)
            if hint:
                text += ' ' + hint
            msg = text
        super(ZoomAPIError, self).__init__(msg, status=status, code=code, zoom_message=message, errors=errors, method=method, path=path)
        self.message = message

    @property
    def kind(self):
        """``error_kind(self)``: the label of this error in ZOOM_CODES terms (``missing``, ``no_licence``...)."""
        return error_kind(self)


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
    fix them all at once. ``code`` is the Zoom code the refusal stands in for (1107 for a removal Zoom would refuse).
    """

    def __init__(self, msg, problems=None, code=None):
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
        super(ZoomPlanError, self).__init__(full, code=code)
        self.problems = problems

    def to_dict(self):
        result = super(ZoomPlanError, self).to_dict()
        result['problems'] = list(self.problems)
        return result
