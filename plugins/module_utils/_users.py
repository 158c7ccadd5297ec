# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""REST Users API helpers: look a user up, classify, diagnose pending, plan, create, update, remove.

Reused by ``zoom_user``, ``zoom_scim_user`` and ``zoom_user_sync``. The planners are pure (they take
data, never the client); the readers and appliers take a ``ZoomClient`` and raise the typed errors of
``_errors`` (nothing here calls ``fail_json``).

Public API::

    validate_email(value, field='email') -> str (stripped)             raises ZoomConfigError
    validate_name(value, field, max_len=64) -> str | None               raises ZoomConfigError
    UserState(email, status, id=None, user=None, detail=None, code=None)
        status: active | inactive | pending | stuck_invitation | absent | external
    lookup_user(client, email) -> UserState
    account_domains(client) -> set of lower-case domains | None (unknown)
    diagnose_pending(client, email, state=None, created_now=False, create_action=None,
                     pre_state=None, domains=MISSING) -> (reason, remedy)
    predict_create(client, email, create_action, state=None) -> (zoom_status, pending_reason, remedy)
    predict_create_from(email, create_action, state, domains) -> same, pure
    pending_create_action(user, default) -> 'create' for an e-mail invitation, else default
    plan_user(desired, state) -> list[Change]                            pure
    plan_removal(state, removal_action='disassociate', transfer_to=None, transfer=None,
                 allow_data_loss=False, force=False) -> list[Change]   pure, raises ZoomPlanError
    create_user(client, email, desired, create_action='ssoCreate') -> (UserState, confirmed_after_uncertain)
    apply_user(client, state, changes) -> None
    remove_user(client, state, changes) -> None
    user_view(user) -> dict (the compared fields of a REST user, option names)

``desired`` (for ``plan_user`` / ``create_user``) uses option names: ``first_name``, ``last_name``,
``display_name``, ``type`` (``basic``/``licensed`` or the Zoom integer), ``active`` (bool), plus
the REST fields ``dept``, ``job_title``, ``timezone``, ``language``; a value of ``None`` means
"not set by the user" and is never compared.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import re

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    ZoomAPIError,
    ZoomConfigError,
    ZoomError,
    ZoomPlanError,
    ZoomUncertainWriteError,
)

from ansible_collections.zoomops.provisioning.plugins.module_utils._client import quote_path


STATUSES = ('active', 'inactive', 'pending', 'stuck_invitation', 'absent', 'external')
CREATE_ACTIONS = ('ssoCreate', 'custCreate', 'autoCreate', 'create')
REMOVAL_ACTIONS = ('disassociate', 'delete')

# Zoom codes of GET /v2/users/{userId} (BEHAVIOUR.md 2.5)
CODE_USER_NOT_FOUND = 1001
CODE_NOT_IN_ACCOUNT = 1010
CODE_INVITATION_EXPIRED = 1120
CODE_ROUTE_NOT_FOUND = 2300
CODE_ALREADY_USED = 1005
CODE_MANAGED_DOMAIN = 1107
CODE_ADMIN = 1117
CODE_HOLDS_ACCOUNT = 1009

USER_TYPES = {'basic': 1, 'licensed': 2}
TYPE_NAMES = {1: 'basic', 2: 'licensed', 3: 'on_prem', 4: 'unassigned', 99: 'none'}

# transfer option value -> DELETE /users/{id} query flag (BEHAVIOUR.md 2.9)
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

# option name -> REST field (PATCH /v2/users/{id} body and GET answer)
PROFILE_FIELDS = (
    ('first_name', 'first_name'),
    ('last_name', 'last_name'),
    ('display_name', 'display_name'),
    ('type', 'type'),
    ('dept', 'dept'),
    ('job_title', 'job_title'),
    ('timezone', 'timezone'),
    ('language', 'language'),
)

_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_RE = re.compile(r'^(?P<local>%s)@(?P<domain>%s(?:\.%s)*\.[A-Za-z]{2,63})$' % (_LOCAL, _LABEL, _LABEL))

REMEDIES = {
    'domain_not_associated': (
        'The email domain {domain} is not an associated (approved) domain of the Zoom account, so Zoom did not '
        'pre-provision the user and sent a verification email instead. Remedy: add and verify {domain} in the Zoom web '
        'portal under Account Management > Account Profile > Associated Domains (or ask Zoom Support to approve it), '
        'then delete the pending user (state=absent) and run the task again.'),
    'existing_zoom_account': (
        'The email {email} already owns a Zoom account outside this account (a personal sign-up or another company), '
        'so Zoom parked the user as pending until that account is consolidated. Remedy: delete the pending user '
        '(state=absent), ask the person to sign in to their own Zoom account with {email} and accept the prompt to '
        'join (consolidate into) your account, then run the task again.'),
    'awaiting_confirmation': (
        'Zoom emailed {email} an invitation (create_action=create); the user stays pending until the person clicks '
        'the confirmation link. The invitation is valid for 30 days. Nothing to fix: run the task again later to see '
        'the user active, or use create_action=ssoCreate for accounts with SSO pre-provisioning.'),
    'unknown': (
        'Zoom left {email} pending and the cause could not be determined from the API: the domain {domain} is '
        'associated with the account and no other Zoom account was seen holding the email. Known causes: the email '
        'owns a personal Zoom account (the person must sign in and accept the consolidation prompt), or SSO '
        'pre-provisioning ("Provision User: Prior to Sign-In") is off. Check the user under User Management > Users > '
        'Pending in the Zoom web portal, delete the pending user (state=absent) and run the task again once fixed.'),
}

STUCK_REMEDY = (
    'Zoom still holds a dead (expired or deleted) invitation for {email}: the REST API answers code 1120 or 404 and '
    'the SCIM filter answers 400 "not exist or not belong to this account" (BEHAVIOUR.md 4.4), so SCIM and identity '
    'providers cannot provision this email. Remedy: create the user again through the REST Users API '
    '(zoomops.provisioning.zoom_user, or on_stuck_invitation=provision_rest in zoom_scim_user), or re-invite the '
    'person from the Zoom web portal.')


def _norm_email(email):
    return (email or '').strip().casefold()


def email_domain(email):
    return _norm_email(email).rsplit('@', 1)[-1]


def validate_email(value, field='email'):
    """Return the stripped email or raise ``ZoomConfigError`` naming ``field`` and the fix."""
    if value is None or not str(value).strip():
        raise ZoomConfigError('%s must not be empty: give the user\'s email address, for example jane.doe@example.com.' % field)
    text = str(value).strip()
    if len(text) > 128:
        raise ZoomConfigError('%s is %d characters long; Zoom accepts at most 128.' % (field, len(text)))
    found = EMAIL_RE.match(text)
    if not found or len(found.group('local')) > 64:
        raise ZoomConfigError(
            '%s=%r is not a valid email address: expected local-part@domain.tld (letters, digits and . _ %% + - in the '
            'local part, no spaces, no leading, trailing or double dots), for example jane.doe@example.com.' % (field, text))
    return text


def validate_name(value, field, max_len=64):
    """``None`` stays ``None`` (not set); an empty or blank string is an error; enforce Zoom's length limits."""
    if value is None:
        return None
    text = str(value)
    if not text.strip():
        raise ZoomConfigError('%s must not be empty: give a value or leave the option out to keep the current one.' % field)
    if len(text) > max_len:
        raise ZoomConfigError('%s is %d characters long; Zoom accepts at most %d.' % (field, len(text), max_len))
    if any(ord(ch) < 32 for ch in text):
        raise ZoomConfigError('%s contains control characters (newline, tab...): remove them.' % field)
    return text


def type_code(value):
    """Option value (basic/licensed or an int) -> Zoom's integer user type; None stays None."""
    if value is None:
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip().lower()
    if text in USER_TYPES:
        return USER_TYPES[text]
    if text.isdigit():
        return int(text)
    raise ZoomConfigError('type=%r is not supported: use one of %s.' % (value, ', '.join(sorted(USER_TYPES))))


def type_name(code):
    try:
        return TYPE_NAMES.get(int(code), str(code))
    except (TypeError, ValueError):
        return code


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

    def __ne__(self, other):
        return not self.__eq__(other)

    __hash__ = None


class UserState:
    """What the REST Users API says about one email.

    ``status``: ``active``, ``inactive``, ``pending`` (a live invitation or pre-provisioned user waiting for the
    person), ``stuck_invitation`` (expired invitation: code 1120), ``absent`` (code 1001 / 404), ``external`` (the
    email belongs to another Zoom account: code 1010). ``user`` is the REST user dict when there is one.
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
    """GET /v2/users/{email} and classify the answer (BEHAVIOUR.md 2.5, 2.11).

    404 (any code but 2300 "route not found") -> absent; 400/1120 -> stuck_invitation (expired invitation);
    400/1010 -> external (held by another Zoom account). Any other error is raised.
    """
    try:
        data = client.get('/v2/users/%s' % quote_path(email))
    except ZoomAPIError as exc:
        if exc.code == CODE_INVITATION_EXPIRED:
            return UserState(email, 'stuck_invitation', detail=exc.zoom_message or exc.message, code=exc.code)
        if exc.code == CODE_NOT_IN_ACCOUNT:
            return UserState(email, 'external', detail=exc.zoom_message or exc.message, code=exc.code)
        if exc.status == 404 and exc.code != CODE_ROUTE_NOT_FOUND:
            return UserState(email, 'absent', detail=exc.zoom_message or exc.message, code=exc.code)
        if exc.code == CODE_USER_NOT_FOUND:
            return UserState(email, 'absent', detail=exc.zoom_message or exc.message, code=exc.code)
        raise
    if not isinstance(data, dict) or not data:
        raise ZoomError('Zoom answered GET /v2/users/%s with an empty body; cannot tell whether the user exists.' % email)
    status = str(data.get('status') or 'active').lower()
    if status not in ('active', 'inactive', 'pending'):
        status = 'active'
    return UserState(data.get('email') or email, status, id=data.get('id'), user=data)


_DOMAIN_CACHE_ATTR = '_zoomops_account_domains'
_UNAVAILABLE = object()


def account_domains(client):
    """The account's associated (managed) domains, lower case, cached on the client.

    GET /v2/accounts/me/managed_domains. Returns ``None`` when Zoom will not tell (no scope
    ``account:read:admin``, not a paid/master account, endpoint unknown): callers then skip the domain check.
    Only domains whose status is not ``pending``/``unverified`` count.
    """
    cached = getattr(client, _DOMAIN_CACHE_ATTR, None)
    if cached is not None:
        return None if cached is _UNAVAILABLE else set(cached)
    try:
        data = client.get('/v2/accounts/me/managed_domains')
    except ZoomAPIError as exc:
        if exc.status in (400, 403, 404):
            _set_cache(client, _UNAVAILABLE)
            return None
        raise
    domains = set()
    for item in (data or {}).get('domains') or []:
        if isinstance(item, dict):
            name = item.get('domain')
            status = str(item.get('status') or 'verified').lower()
        else:
            name, status = item, 'verified'
        if name and status not in ('pending', 'unverified', 'rejected'):
            domains.add(str(name).strip().lower())
    _set_cache(client, frozenset(domains))
    return set(domains)


def _set_cache(client, value):
    try:
        setattr(client, _DOMAIN_CACHE_ATTR, value)
    except AttributeError:  # pragma: no cover - slotted test doubles
        pass


def remedy_for(reason, email):
    template = REMEDIES.get(reason) or REMEDIES['unknown']
    return template.format(email=email, domain=email_domain(email))


def stuck_remedy(email):
    return STUCK_REMEDY.format(email=email)


_MISSING = object()


def diagnose_pending(client, email, state=None, created_now=False, create_action=None, pre_state=None, domains=_MISSING):
    """Why is (or would) ``email`` be pending? Returns ``(reason, remedy)``.

    Checks, in order (BEHAVIOUR.md 3): ``create_action == 'create'`` -> ``awaiting_confirmation`` (the normal
    outcome of an invitation); the email's domain is not an associated domain -> ``domain_not_associated``; the
    email was held by another Zoom account before we created it (``pre_state.status == 'external'``, or looked up
    now when the user is not yet created) -> ``existing_zoom_account``; else ``unknown``.
    ``created_now`` says the pending user was just created by this run (the pre-create lookup is then in
    ``pre_state``). ``domains`` may be passed to avoid the read (``None`` = unknown).
    """
    if create_action == 'create':
        return 'awaiting_confirmation', remedy_for('awaiting_confirmation', email)
    if domains is _MISSING:
        domains = account_domains(client)
    reason = _reason_from(email, pre_state, domains)
    if reason is None and not created_now and pre_state is None and (state is None or not state.exists):
        found = lookup_user(client, email)
        if found.status == 'external':
            reason = 'existing_zoom_account'
    reason = reason or 'unknown'
    return reason, remedy_for(reason, email)


def pending_create_action(user, default):
    """The create action to assume when diagnosing an existing pending user.

    A user invited by email (REST ``login_types`` ``[100]``: work email only, no SSO) is awaiting the person's
    confirmation whatever the task's create action says; otherwise ``default`` is assumed.
    """
    login_types = (user or {}).get('login_types')
    if isinstance(login_types, list) and login_types and 101 not in login_types and 100 in login_types:
        return 'create'
    return default


def _reason_from(email, pre_state, domains):
    if domains is not None and email_domain(email) not in domains:
        return 'domain_not_associated'
    if pre_state is not None and pre_state.status == 'external':
        return 'existing_zoom_account'
    return None


def predict_create_from(email, create_action, state, domains):
    """Pure: predicted ``(zoom_status, pending_reason, remedy)`` of creating ``email`` with ``create_action``.

    ``state`` is the lookup before creating (``absent``/``external``/``stuck_invitation``); ``domains`` the
    associated domains or ``None`` if unknown.
    """
    if create_action == 'create':
        return 'pending', 'awaiting_confirmation', remedy_for('awaiting_confirmation', email)
    if create_action == 'ssoCreate':
        reason = _reason_from(email, state, domains)
        if reason:
            return 'pending', reason, remedy_for(reason, email)
    return 'active', None, None


def predict_create(client, email, create_action, state=None):
    """Check-mode prediction of a create (reads only). See ``predict_create_from``."""
    if state is None:
        state = lookup_user(client, email)
    domains = account_domains(client) if create_action == 'ssoCreate' else None
    return predict_create_from(email, create_action, state, domains)


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
    if isinstance(want, str) and isinstance(have, str):
        return want == have
    return want == have


def plan_user(desired, state):
    """Pure planner for an existing (active/inactive) user: the updates that make it match ``desired``.

    Returns a list of ``Change``: ``update:<option>`` (PATCH fields, in PROFILE_FIELDS order), then
    ``activate``/``deactivate``. Only options present in ``desired`` with a value other than None are compared.
    A pending user is never updated (Zoom accepts but ignores updates for pending users, BEHAVIOUR.md 2.7):
    the list is empty. For an absent user the plan is ``[Change('create')]``.
    """
    if state.status in ('absent', 'external', 'stuck_invitation'):
        return [Change('create', after=_create_view(desired))]
    if state.status == 'pending':
        return []
    user = state.user or {}
    changes = []
    for option, rest in PROFILE_FIELDS:
        want = desired.get(option)
        if want is None:
            continue
        if option == 'type':
            want = type_code(want)
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


def validate_transfer(params, email):
    """Normalise O(transfer_to) in place and refuse O(transfer) without it (shared by the user modules)."""
    if params.get('transfer_to') is not None:
        params['transfer_to'] = validate_email(params['transfer_to'], 'transfer_to')
        if params['transfer_to'].casefold() == email.casefold():
            raise ZoomConfigError('transfer_to must be another user than email (%s): name the user who receives the data.' % email)
    elif params.get('transfer'):
        raise ZoomConfigError('transfer is set but transfer_to is not: give transfer_to, the email of the user who receives %s.'
                              % ', '.join(params['transfer']))


def transfer_target_problem(client, transfer_to, email):
    """Why O(transfer_to) cannot receive the data of C(email), or None when it is an active user of the account."""
    target = lookup_user(client, transfer_to)
    if target.status == 'active':
        return None
    return ('transfer_to=%s is not an active user of the account (%s): name an active user who receives the data of %s.'
            % (transfer_to, target.zoom_status, email))


def plan_removal(state, removal_action='disassociate', transfer_to=None, transfer=None, allow_data_loss=False,
                 force=False):
    """Pure planner for ``state: absent``. Returns ``[]`` (nothing to remove) or one ``Change``.

    - absent / external / stuck_invitation: nothing (the caller warns for a dead invitation);
    - pending: ``withdraw`` (DELETE without ``action``: the invitation is withdrawn, nothing is lost);
    - active/inactive: ``disassociate`` (default: the person keeps their data in a free account of their own)
      or ``delete`` which needs ``transfer_to`` or ``allow_data_loss``; owner and admins are refused unless
      ``force``.
    Raises ``ZoomPlanError`` listing every problem, before any write.
    """
    if state.status in ('absent', 'external', 'stuck_invitation'):
        return []
    if state.status == 'pending':
        return [Change('remove', 'withdraw', before=state.status, after='absent')]
    problems = []
    role = state.role
    if role in ('owner', 'admin') and not force:
        problems.append('%s is the account %s: removing it is refused unless force=true%s.' % (
            state.email, role, ' (Zoom never removes the owner; transfer ownership first)' if role == 'owner' else ''))
    if removal_action not in REMOVAL_ACTIONS:
        problems.append('removal_action=%r is not supported: use disassociate or delete.' % (removal_action,))
    params = {}
    if removal_action == 'delete':
        params['action'] = 'delete'
        if not transfer_to and not allow_data_loss:
            problems.append(
                'removal_action=delete permanently deletes %s with their meetings, webinars, recordings and whiteboards: '
                'set transfer_to (the email of the user who receives them) or allow_data_loss=true.' % state.email)
    else:
        params['action'] = 'disassociate'
    if transfer_to:
        if _norm_email(transfer_to) == _norm_email(state.email):
            problems.append('transfer_to must be another user than %s (the user being removed).' % state.email)
        params['transfer_email'] = transfer_to
        for item in (transfer if transfer is not None else DEFAULT_TRANSFER):
            flag = TRANSFER_FLAGS.get(item)
            if flag is None:
                problems.append('transfer item %r is not supported: use %s.' % (item, ', '.join(sorted(TRANSFER_FLAGS))))
            else:
                params[flag] = 'true'
    if problems:
        raise ZoomPlanError('Refusing to remove %s:' % state.email, problems)
    return [Change('remove', removal_action, before=state.status, after='absent', params=params)]


def create_user(client, email, desired, create_action='ssoCreate'):
    """POST /v2/users, then read the real user back (the 201 body has no status, BEHAVIOUR.md 2.3).

    Returns ``(UserState, confirmed)`` where ``confirmed`` is True when the POST's answer was lost
    (``ZoomUncertainWriteError``) and the user was found by a lookup. Never re-sends the POST: if the user is
    not there after an uncertain answer, raises ``ZoomError`` telling the user to re-run.
    A 409/1005 (email already used) means the user appeared meanwhile: the lookup result is returned.
    """
    user_info = {'email': email, 'type': type_code(desired.get('type')) or 1}
    for option in ('first_name', 'last_name', 'display_name'):
        if desired.get(option) is not None:
            user_info[option] = desired[option]
    body = {'action': create_action, 'user_info': user_info}
    confirmed = False
    try:
        client.post('/v2/users', json=body)
    except ZoomUncertainWriteError as exc:
        state = lookup_user(client, email)
        if not state.exists:
            raise ZoomError(
                'Creating %s: Zoom\'s answer to POST /v2/users was lost (%s) and a lookup finds no such user, so the '
                'create did not land. Nothing was re-sent (a blind retry could create a second invitation): run the task '
                'again.' % (email, exc.msg), method='POST', path='/v2/users')
        return state, True
    except ZoomAPIError as exc:
        if exc.code == CODE_ALREADY_USED or exc.status == 409:
            state = lookup_user(client, email)
            if state.exists:
                return state, confirmed
        if exc.code == CODE_HOLDS_ACCOUNT:
            raise ZoomAPIError(exc.status, exc.code, exc.message, errors=exc.errors, method=exc.method, path=exc.path,
                               hint='The email already belongs to another Zoom account (a company account, or a login Zoom '
                                    'will not take over with create_action=%s). The person must remove the email from that '
                                    'account (or sign in and accept the prompt to join yours), or use another email.'
                                    % create_action)
        raise
    state = lookup_user(client, email)
    if not state.exists:
        raise ZoomError('Zoom answered POST /v2/users for %s with success but GET /v2/users/%s does not find the user '
                        '(%s).' % (email, email, state.status))
    return state, confirmed


def apply_user(client, state, changes):
    """Apply ``plan_user`` changes to an existing user: activate, one PATCH with every field, deactivate."""
    target = quote_path(state.id or state.email)
    body = {}
    for change in changes:
        if change.action == 'update':
            body.update(change.params)
    if any(change.action == 'activate' for change in changes):
        client.put('/v2/users/%s/status' % target, json={'action': 'activate'})
    if body:
        client.patch('/v2/users/%s' % target, json=body)
    if any(change.action == 'deactivate' for change in changes):
        client.put('/v2/users/%s/status' % target, json={'action': 'deactivate'})


def remove_user(client, state, changes):
    """Apply a ``plan_removal`` plan (DELETE /v2/users/{id}). A 404 means already gone (not an error)."""
    for change in changes:
        if change.action != 'remove':
            continue
        if change.field == 'withdraw':
            # pending: address by email and send no action (BEHAVIOUR.md 2.9, PSZoom #115)
            path, params = '/v2/users/%s' % quote_path(state.email), None
        else:
            path, params = '/v2/users/%s' % quote_path(state.id or state.email), dict(change.params)
        try:
            client.delete(path, params=params)
        except ZoomAPIError as exc:
            if exc.status == 404 and exc.code != CODE_ROUTE_NOT_FOUND:
                continue
            if exc.code == CODE_MANAGED_DOMAIN:
                raise ZoomAPIError(exc.status, exc.code, exc.message, errors=exc.errors, method=exc.method, path=exc.path,
                                   hint='Users on a managed domain cannot be disassociated: use removal_action=delete '
                                        'with transfer_to (or allow_data_loss=true).')
            raise
