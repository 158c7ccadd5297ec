# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""REST Users API: lookup, plan, create with confirmation, removal (input checks and pending diagnosis re-exported).

The one implementation of these operations for ``zoom_user``, ``zoom_scim_user`` and ``zoom_user_sync``.
Checkers and planners are pure (data in, problems or ``Change`` lists out); readers and appliers take a
``ZoomClient`` and raise the typed errors of ``_errors`` (nothing here calls ``fail_json``).

Public API (signatures are kept stable for the sync; see docs/ARCHITECTURE.md)::

    the input checks of ``_users_input`` (email_problems, profile_problems, ..., raise_problems), re-exported
    UserState; lookup_user(client, email) -> UserState
    from ``_users_pending``, re-exported: account_domains / managed_domains(client) -> set | None,
    pending_diagnosis(...) -> PendingDiagnosis(reason, remedy, evidence), diagnose_pending, predict_create_from
    plan_user(desired, state) -> [Change]
    removal_problems(state, ...) -> [str];  plan_removal(state, ...) -> [Change];  managed_domain_problem(...)
    transfer_problems(params, email) / transfer_state_problem(...) / transfer_target_problem(client, ...)
    create_with_confirmation(path, email, send, find, read_back, duplicate, refused) -> CreateOutcome (REST and SCIM)
    create_user(client, email, desired, create_action, max_sends=3) -> CreateOutcome;  ZoomCreateError(.created)
    after_create(func, *args) -> retries a read or write while Zoom holds the new user's lock
    apply_user(client, state, changes);  remove_user(client, state, changes, transfer_to=None) -> removed|already_gone

``desired`` uses option names: ``first_name``, ``last_name``, ``display_name``, ``type`` (basic/licensed or
Zoom's integer), ``active``, ``department``, ``job_title``, ``timezone``, ``language``; None means "not set".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import time

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    CODE_INVITATION_EXPIRED,
    CODE_MANAGED_DOMAIN,
    CODE_NOT_IN_ACCOUNT,
    ZoomAPIError,
    ZoomError,
    ZoomPlanError,
    ZoomUncertainWriteError,
    error_kind,
    is_missing,
)

from ansible_collections.zoomops.provisioning.plugins.module_utils._client import quote_path
from ansible_collections.zoomops.provisioning.plugins.module_utils._users_input import (
    norm_email,
    email_domain,
    normalize_language,
    type_code,
    type_name,
)
# pylint: disable=unused-import
# Re-exported: the modules, the sync and the role import the input checks from here too.
from ansible_collections.zoomops.provisioning.plugins.module_utils._users_input import (  # noqa: F401
    EMAIL_RE,
    LANGUAGES,
    NAME_LIMITS,
    PATH_CHARACTERS,
    TYPE_NAMES,
    USER_TYPES,
    email_problems,
    language_problems,
    name_problems,
    profile_problems,
    raise_problems,
    timezone_problems,
    transfer_problems,
    validate_email,
    validate_name,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._users_pending import (  # noqa: F401
    REMEDIES,
    STUCK_REMEDY,
    PendingDiagnosis,
    account_domains,
    diagnose_pending,
    managed_domains,
    pending_after_create,
    pending_create_action,
    pending_diagnosis,
    predict_create_from,
    predicted_pending,
    remedy_for,
    stuck_remedy,
)
# pylint: enable=unused-import


STATUSES = ('active', 'inactive', 'pending', 'stuck_invitation', 'absent', 'external')
CREATE_ACTIONS = ('ssoCreate', 'custCreate', 'autoCreate', 'create')
REMOVAL_ACTIONS = ('disassociate', 'delete')

# transfer option value -> DELETE /users/{id} query flag (docs/ZOOM-API-FACTS.md §2.9)
TRANSFER_FLAGS = {
    'meetings': 'transfer_meeting',
    'webinars': 'transfer_webinar',
    'recordings': 'transfer_recording',
    'whiteboards': 'transfer_whiteboard',
    'clips': 'transfer_clipfiles',
    'notes': 'transfer_notes',
    'visitors': 'transfer_visitors',
    'docs': 'transfer_docs',
}
DEFAULT_TRANSFER = ('meetings', 'webinars', 'recordings', 'whiteboards')

# option name -> REST field (PATCH /v2/users/{id} body and GET answer, §2.7)
PROFILE_FIELDS = (
    ('first_name', 'first_name'),
    ('last_name', 'last_name'),
    ('display_name', 'display_name'),
    ('type', 'type'),
    ('department', 'dept'),
    ('job_title', 'job_title'),
    ('timezone', 'timezone'),
    ('language', 'language'),
)
# ---------------------------------------------------------------------------------------------- state


class Change:
    """One planned step. ``label`` is what goes into the result's ``actions`` list."""

    def __init__(self, action, field=None, before=None, after=None, params=None):
        self.action = action
        self.field = field
        self.before = before
        self.after = after
        self.params = params or {}

    @property
    def label(self):
        return '%s:%s' % (self.action, self.field) if self.field else self.action

    def __repr__(self):
        return 'Change(%r, %r, %r, %r)' % (self.action, self.field, self.before, self.after)

    def __eq__(self, other):
        return isinstance(other, Change) and (self.action, self.field, self.before, self.after, self.params) == (
            other.action, other.field, other.before, other.after, other.params)

    __hash__ = None


class UserState:
    """What the REST Users API says about one email.

    ``status``: ``active``, ``inactive``, ``pending``, ``stuck_invitation`` (expired invitation: code 1120),
    ``absent`` (code 1001 / 404), ``external`` (code 1010: "not in this account"; Zoom may say that for any
    email outside the account, so it proves nothing about a personal account).
    """

    def __init__(self, email, status, id=None, user=None, detail=None, code=None):  # pylint: disable=redefined-builtin
        if status not in STATUSES:
            raise ValueError('unknown user status %r' % (status,))
        self.email = email
        self.status = status
        self.id = id
        self.user = user
        self.detail = detail
        self.code = code

    @property
    def exists(self):
        """A user record of this account (possibly pending) is there."""
        return self.status in ('active', 'inactive', 'pending')

    @property
    def zoom_status(self):
        """The value reported as ``zoom_status``: an email held elsewhere is ``absent`` from this account."""
        return 'absent' if self.status == 'external' else self.status

    @property
    def role(self):
        """``owner``, ``admin``, ``member`` or None (from role_id / role_name of the REST user)."""
        user = self.user or {}
        role_id = str(user.get('role_id', '')) if user.get('role_id') is not None else ''
        name = str(user.get('role_name') or '').strip().lower()
        if role_id == '0' or name == 'owner':
            return 'owner'
        if role_id == '1' or name == 'admin':
            return 'admin'
        if role_id or name:
            return 'member'
        return None

    def to_dict(self):
        result = {'email': self.email, 'status': self.status, 'id': self.id}
        if self.detail:
            result['detail'] = self.detail
        return result

    def __repr__(self):
        return 'UserState(%r, %r, id=%r)' % (self.email, self.status, self.id)


def lookup_user(client, email):
    """GET /v2/users/{email} and classify the answer (docs/ZOOM-API-FACTS.md §2.5, §2.11)."""
    try:
        data = client.get('/v2/users/%s' % quote_path(email))
    except ZoomAPIError as exc:
        detail = exc.zoom_message or exc.message
        if exc.code == CODE_INVITATION_EXPIRED:
            return UserState(email, 'stuck_invitation', detail=detail, code=exc.code)
        if exc.code == CODE_NOT_IN_ACCOUNT:
            return UserState(email, 'external', detail=detail, code=exc.code)
        if is_missing(exc):
            return UserState(email, 'absent', detail=detail, code=exc.code)
        raise
    if not isinstance(data, dict) or not data:
        raise ZoomError('Zoom answered GET /v2/users/%s with an empty body; cannot tell whether the user exists.' % email)
    status = str(data.get('status') or 'active').lower()
    if status not in ('active', 'inactive', 'pending'):
        status = 'active'
    return UserState(data.get('email') or email, status, id=data.get('id'), user=data)


# ---------------------------------------------------------------------------------------------- plan

def user_view(user, fields=None):
    """The comparable fields of a REST user dict under option names (``type`` as basic/licensed)."""
    user = user or {}
    view = {}
    for option, rest in PROFILE_FIELDS:
        if fields is not None and option not in fields:
            continue
        if rest in user:
            view[option] = type_name(user[rest]) if option == 'type' else user[rest]
    if fields is None or 'active' in fields:
        if user.get('status'):
            view['active'] = user.get('status') == 'active'
    return view


def _same(option, want, have):
    if option == 'type':
        try:
            return int(want) == int(have)
        except (TypeError, ValueError):
            return False
    if option == 'language' and isinstance(have, str):
        return normalize_language(want) == normalize_language(have)
    return want == have


def plan_user(desired, state):
    """Pure planner: ``update:<option>`` changes (PROFILE_FIELDS order) then ``activate``/``deactivate``.

    Only options set in ``desired`` are compared. A pending user is never updated (Zoom accepts but ignores updates
    of pending users, §2.7): empty list. An absent user: ``[Change('create')]``.
    """
    if state.status in ('absent', 'external', 'stuck_invitation'):
        return [Change('create', after=_create_view(desired))]
    if state.status == 'pending':
        return []
    user = state.user or {}
    changes = []
    for option, rest in PROFILE_FIELDS:
        want = desired.get(option)
        if option not in desired and option == 'department':
            want = desired.get('dept')  # the sync's old key
        if want is None:
            continue
        if option == 'type':
            want = type_code(want)
        elif option == 'language':
            want = normalize_language(want)
        have = user.get(rest)
        if not _same(option, want, have):
            before = type_name(have) if option == 'type' and have is not None else have
            after = type_name(want) if option == 'type' else want
            changes.append(Change('update', option, before, after, params={rest: want}))
    want_active = desired.get('active')
    if want_active is not None:
        is_active = state.status == 'active'
        if bool(want_active) and not is_active:
            changes.insert(0, Change('activate', before=False, after=True))
        elif not want_active and is_active:
            changes.append(Change('deactivate', before=True, after=False))
    return changes


def _create_view(desired):
    view = {}
    for option, _rest in PROFILE_FIELDS:
        if desired.get(option) is not None:
            view[option] = type_name(type_code(desired[option])) if option == 'type' else desired[option]
    return view


# ---------------------------------------------------------------------------------------------- removal

def managed_domain_problem(email, removal_action='disassociate', status='active'):
    """The 1107 answer in plain words, with the choice (docs/ZOOM-API-FACTS.md §2.9)."""
    instead = ('the user is already deactivated: leave it so (the user and its data stay, sign-in is blocked)'
               if status == 'inactive' else
               'deactivate the user instead of removing it (the user and its data stay, sign-in is blocked)')
    return ('%s is on %s, a managed (associated) domain of the account, and Zoom refuses to disassociate such users '
            '(code 1107 "You can not disassociate a user with managed domain."), so removal_action=%s cannot work. '
            'Choose one: %s, or delete it with removal_action=delete and transfer_to set to an active user who receives '
            'its meetings, recordings and other data (add allow_data_loss=true to accept losing what cannot be '
            'transferred). Nothing was removed.' % (email, email_domain(email), removal_action, instead))


def managed_domain_blocks(state, removal_action, managed):
    """True when Zoom would answer 1107: disassociating an active or inactive user of a managed domain (``managed``:
    the account's managed domains, None = unknown)."""
    return (removal_action == 'disassociate' and bool(managed) and state.status in ('active', 'inactive')
            and email_domain(state.email) in managed)


def transfer_state_problem(transfer_to, email, target, whose=None):
    """Pure: why ``transfer_to`` (looked up as ``target``) cannot receive the data of ``email`` (or of ``whose``, in
    words, for several users); None if it can."""
    if email is not None and norm_email(transfer_to) == norm_email(email):
        return 'transfer_to must be another user than %s (the user being removed).' % email
    if target is None or target.status == 'active':
        return None
    return ('transfer_to=%s is not an active user of the account (%s): name an active user of this account who receives '
            'the data of %s.' % (transfer_to, target.zoom_status, whose or email))


def transfer_target_problem(client, transfer_to, email):
    """``transfer_state_problem`` after looking ``transfer_to`` up."""
    return transfer_state_problem(transfer_to, email, lookup_user(client, transfer_to))


def removal_problems(state, removal_action='disassociate', transfer_to=None, transfer=None, allow_data_loss=False,
                     force=False, managed=None, transfer_state=None):
    """Pure: every reason the removal of ``state`` cannot go ahead, each naming the option and the fix.

    ``managed``: ``managed_domains()`` (None = unknown: 1107 is then only caught at apply time);
    ``transfer_state``: ``lookup_user(transfer_to)`` when looked up. A pending user is withdrawn: nothing to check.
    """
    if state.status not in ('active', 'inactive'):
        return []
    problems = []
    role = state.role
    if role in ('owner', 'admin') and not force:
        problems.append('%s is the account %s: removing it is refused unless force=true%s.' % (
            state.email, role, ' (Zoom never removes the owner; transfer ownership first)' if role == 'owner' else ''))
    if removal_action not in REMOVAL_ACTIONS:
        problems.append('removal_action=%r is not supported: use disassociate or delete.' % (removal_action,))
    if removal_action == 'delete' and not transfer_to and not allow_data_loss:
        problems.append('removal_action=delete permanently deletes %s with their meetings, webinars, recordings and '
                        'whiteboards: set transfer_to (the email of the user who receives them) or allow_data_loss=true.'
                        % state.email)
    if managed_domain_blocks(state, removal_action, managed):
        problems.append(managed_domain_problem(state.email, removal_action, state.status))
    if transfer_to:
        problem = transfer_state_problem(transfer_to, state.email, transfer_state)
        if problem:
            problems.append(problem)
        for item in (transfer if transfer is not None else ()):
            if item not in TRANSFER_FLAGS:
                problems.append('transfer item %r is not supported: use %s.' % (item, ', '.join(sorted(TRANSFER_FLAGS))))
    return problems


def plan_removal(state, removal_action='disassociate', transfer_to=None, transfer=None, allow_data_loss=False,
                 force=False, managed=None, transfer_state=None):
    """Pure planner for ``state: absent``: ``[]`` (nothing to remove) or one ``Change``.

    absent / external / stuck_invitation: nothing; pending: ``remove:withdraw`` (DELETE without ``action``: the
    invitation is withdrawn, §2.9); active/inactive: ``remove:disassociate|delete``. Raises ``ZoomPlanError`` with
    every ``removal_problems`` entry.
    """
    if state.status in ('absent', 'external', 'stuck_invitation'):
        return []
    if state.status == 'pending':
        return [Change('remove', 'withdraw', before=state.status, after='absent')]
    problems = removal_problems(state, removal_action, transfer_to, transfer, allow_data_loss, force, managed,
                                transfer_state)
    if problems:
        blocked = removal_action == 'disassociate' and managed and email_domain(state.email) in managed
        raise ZoomPlanError('Refusing to remove %s:' % state.email, problems, code=CODE_MANAGED_DOMAIN if blocked else None)
    params = {'action': removal_action}
    if transfer_to:
        params['transfer_email'] = transfer_to
        for item in (transfer if transfer is not None else DEFAULT_TRANSFER):
            params[TRANSFER_FLAGS[item]] = 'true'
    return [Change('remove', removal_action, before=state.status, after='absent', params=params)]


def remove_user(client, state, changes, transfer_to=None):
    """Apply a ``plan_removal`` plan. Returns ``'removed'``, ``'already_gone'`` or None (nothing planned).

    A 404 counts as "already gone" only when a lookup confirms the user is absent (a lost answer to an earlier
    DELETE); otherwise the real cause is raised (e.g. ``transfer_to`` is not a user of the account, §2.9).
    Zoom's 1107 becomes the same ``ZoomPlanError`` ``removal_problems`` gives.
    """
    outcome = None
    for change in changes:
        if change.action != 'remove':
            continue
        if change.field == 'withdraw':
            # pending: address by email and send no action (§2.9, PSZoom #115)
            path, params = '/v2/users/%s' % quote_path(state.email), None
        else:
            path, params = '/v2/users/%s' % quote_path(state.id or state.email), dict(change.params)
        try:
            client.delete(path, params=params)
            outcome = 'removed'
        except ZoomAPIError as exc:
            if error_kind(exc) == 'managed_domain':
                raise ZoomPlanError('Refusing to remove %s:' % state.email,
                                    [managed_domain_problem(state.email, status=state.status)], code=CODE_MANAGED_DOMAIN)
            if not is_missing(exc):
                raise
            if lookup_user(client, state.email).exists:
                target = transfer_to or (params or {}).get('transfer_email')
                problem = target and transfer_target_problem(client, target, state.email)
                if problem:
                    raise ZoomPlanError('Zoom did not remove %s (HTTP 404 on DELETE, the user is still there):'
                                        % state.email, [problem])
                raise
            outcome = 'already_gone'
    return outcome


# ---------------------------------------------------------------------------------------------- create

class CreateOutcome:
    """What ``create_user`` did: ``state`` (re-read), ``created`` (a user was really created by this call),
    ``confirmed_after_uncertain`` (a lost answer was settled by a lookup), ``sends`` (POSTs sent),
    ``already_existed`` (Zoom had the user already: 409/1005 on the first send)."""

    def __init__(self, state, created, confirmed_after_uncertain=False, sends=1, already_existed=False):
        self.state = state
        self.created = created
        self.confirmed_after_uncertain = confirmed_after_uncertain
        self.sends = sends
        self.already_existed = already_existed


class ZoomCreateError(ZoomError):
    """A create that failed; ``created`` says whether a user exists because of it (False: nothing was created)."""

    def __init__(self, msg, created=False, cause=None, path='/v2/users'):
        cause_fields = dict((key, getattr(cause, key, None)) for key in ('status', 'code', 'zoom_message', 'errors'))
        super(ZoomCreateError, self).__init__(msg, method='POST', path=path, **cause_fields)
        self.created = created

    def to_dict(self):
        result = super(ZoomCreateError, self).to_dict()
        result['created'] = self.created
        return result


def create_body(email, desired, create_action):
    """``POST /v2/users`` body: names and type only (the other fields need a PATCH afterwards, §2.3)."""
    user_info = {'email': email, 'type': type_code(desired.get('type')) or 1}
    for option in ('first_name', 'last_name', 'display_name'):
        if desired.get(option) is not None:
            user_info[option] = desired[option]
    return {'action': create_action, 'user_info': user_info}


def create_with_confirmation(path, email, send, find, read_back, duplicate, refused, max_sends=3):
    """The create-with-confirmation loop of ``create_user`` (REST) and ``_scim.create_scim_user`` (SCIM).

    ``send()`` POSTs; ``find()`` looks the user up (``.exists``); ``read_back(answer)`` is the state after a
    success; ``duplicate(exc)`` says Zoom refused because the user exists; ``refused(exc)`` builds the
    ``ZoomCreateError`` for any other refusal. A lost answer is settled by ``find()``: there -> confirmed, not sent
    again; not there -> sent again, at most ``max_sends`` POSTs in all.
    """
    sends = 0
    uncertain = False
    while True:
        sends += 1
        try:
            answer = send()
        except ZoomUncertainWriteError as exc:
            found = after_create(find)
            if found.exists:
                return CreateOutcome(found, True, True, sends)
            uncertain = True
            if sends >= max_sends:
                raise ZoomCreateError(
                    'Creating %s: Zoom\'s answer to POST %s was lost %d times (last: %s) and each time a lookup found no '
                    'such user, so nothing was created. Check Zoom\'s status and run the task again.'
                    % (email, path, sends, exc.msg), cause=exc, path=path)
            continue
        except ZoomAPIError as exc:
            found = after_create(find) if duplicate(exc) else None
            if found is not None and found.exists:
                # after a lost answer the earlier POST made the user; on a first send someone else did
                return CreateOutcome(found, uncertain, uncertain, sends, already_existed=not uncertain)
            raise refused(exc)
        return CreateOutcome(read_back(answer), True, uncertain, sends)


def create_user(client, email, desired, create_action='ssoCreate', max_sends=3):
    """POST /v2/users with confirmation (``create_with_confirmation``); returns a ``CreateOutcome`` whose state is
    re-read (the 201 has no status, §2.3). Raises ``ZoomCreateError`` (``created`` False: nothing was created) when
    Zoom refuses or every answer was lost.
    """
    body = create_body(email, desired, create_action)

    def read_back(_answer):
        found = after_create(lookup_user, client, email)
        if not found.exists:
            raise ZoomCreateError('Zoom answered POST /v2/users for %s with success but GET /v2/users/%s does not find the '
                                  'user (%s); run the task again to see whether it appears.' % (email, email, found.status),
                                  created=True)
        return found

    return create_with_confirmation(
        '/v2/users', email, lambda: client.post('/v2/users', json=body), lambda: lookup_user(client, email), read_back,
        lambda exc: error_kind(exc) == 'already_exists', lambda exc: create_refused(email, desired, create_action, exc),
        max_sends)


def create_refused(email, desired, create_action, exc):
    """Zoom refused the create: nothing was created. Say so; the error table's hint says what to change."""
    kind = type_name(type_code(desired.get('type')) or 1)
    return ZoomCreateError('Zoom did not create %s as a %s user with create action %s; nothing was created. %s'
                           % (email, kind, create_action, exc.msg), created=False, cause=exc)


# Zoom holds a new user while POST /users finishes (docs/ZOOM-API-FACTS.md §6.3); reads and writes on it answer
# "Too many concurrent requests" meanwhile. The client waits out 429s; these cover what is left of the lock.
LOCK_WAITS = (1.0, 2.0, 4.0, 8.0)


def after_create(func, *args, **kwargs):
    """Run a read or follow-up write on a just-created user, waiting while Zoom still holds the user's lock."""
    sleep = kwargs.pop('sleep', time.sleep)
    for wait in LOCK_WAITS + (None,):
        try:
            return func(*args, **kwargs)
        except ZoomAPIError as exc:
            if wait is None or error_kind(exc) != 'concurrent_request':
                raise
            sleep(wait)
    return None  # pragma: no cover - the loop always returns or raises


def apply_user(client, state, changes):
    """Apply ``plan_user`` changes to an existing user: activate, one PATCH with every field, deactivate."""
    target = quote_path(state.id or state.email)
    body = {}
    for change in changes:
        if change.action == 'update':
            body.update(change.params)
    if any(change.action == 'activate' for change in changes):
        after_create(client.put, '/v2/users/%s/status' % target, json={'action': 'activate'})
    if body:
        after_create(client.patch, '/v2/users/%s' % target, json=body)
    if any(change.action == 'deactivate' for change in changes):
        after_create(client.put, '/v2/users/%s/status' % target, json={'action': 'deactivate'})
