# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""SCIM2 helpers: the lookup that turns Zoom's 400 into a state, payloads, compare, writes.

The lookup (docs/ZOOM-API-FACTS.md §4.4): ``GET /scim2/Users?filter=userName eq "<email>"`` answers 200 with the user,
200 empty for an unknown email, or 400 ``User <email> not exist or not belong to this account.`` when the email
is held by a pending invitation, live or dead. ``scim_lookup`` consults the REST Users API (``_users.lookup_user``)
to tell a live invitation (``pending``) from a dead one (``stuck_invitation``).

Public API::

    SCIM_FIELDS                      option name -> (container URN or None, attribute path)
    ScimLookup(email, status, id=None, resource=None, rest=None, detail=None)
        status: active | inactive | pending | stuck_invitation | absent
    scim_lookup(client, email) -> ScimLookup       (reads the full user with GET /scim2/Users/{id})
    is_scim_trap(exc) -> bool                      the 400/404 "not exist or not belong to this account"
    scim_view(resource, rest_user=None) -> dict    option-name view of a SCIM user (title from REST if SCIM omits it)
    plan_scim(desired, current_view) -> dict       pure: {option: (before, after)} for the options set
    create_time_changes(desired, current_view)     pure: write-only attributes to send after a REST create
    fresh_view(desired) -> dict                    pure: the view of a user just created through REST
    change_labels(changes) -> list                 ``update:<option>`` / ``activate`` / ``deactivate``
    create_payload / update_payload / patch_active_payload   request bodies (``Operations`` with a capital O)
    phone_problems(desired) -> [str]               pure checks of the write-only phone attributes
    phone_inventory_problems(client, desired)      reads: plan, site, number and extension exist and are free
    create_scim_user(client, email, desired, max_sends=3) -> _users.CreateOutcome (create with confirmation)
    update_scim_user / set_active / delete_scim_user(client, user_id, email) -> 'removed' | 'already_gone'

``desired`` uses the option names of ``zoom_scim_user`` (``first_name``, ``last_name``, ``display_name``, ``type``,
``job_title``, ``department``, ``organization``, ``cost_center``, ``employee_number``, ``manager``,
``personal_link_name``, ``pronouns``, ``extension_number``, ``phone_numbers``, ``site``, ``calling_plans``,
``active``); ``None`` means "not set".
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name


from ansible_collections.zoomops.provisioning.plugins.module_utils._client import quote_path
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    ZoomAPIError,
    ZoomPlanError,
    is_missing,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import (
    inventory_needs,
    load_inventory,
    normalize_desired,
    plan_phone,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    ZoomCreateError,
    after_create,
    create_with_confirmation,
    lookup_user,
)


CORE_URN = 'urn:ietf:params:scim:schemas:core:2.0:User'
ENTERPRISE_URN = 'urn:ietf:params:scim:schemas:extension:enterprise:2.0:User'
ZOOM_URN = 'urn:ietf:params:scim:schemas:extension:zoom:1.0:User'
ZOOM_RESPONSE_URN = 'urn:us:zoom:scim:schemas:extension:1.0:ZoomUser'
PATCH_URN = 'urn:ietf:params:scim:api:messages:2.0:PatchOp'

SCIM_STATUSES = ('active', 'inactive', 'pending', 'stuck_invitation', 'absent')

# option -> (container, attribute): container None = core attribute, 'name' = core "name" sub-attribute
SCIM_FIELDS = (
    ('first_name', ('name', 'givenName')),
    ('last_name', ('name', 'familyName')),
    ('display_name', (None, 'displayName')),
    ('type', (None, 'userType')),
    ('job_title', (None, 'title')),
    ('department', (ENTERPRISE_URN, 'department')),
    ('organization', (ENTERPRISE_URN, 'organization')),
    ('cost_center', (ENTERPRISE_URN, 'costCenter')),
    ('employee_number', (ENTERPRISE_URN, 'employeeNumber')),
    ('manager', (ENTERPRISE_URN, 'manager')),
    ('personal_link_name', (ZOOM_URN, 'personalLinkName')),
    ('pronouns', (ZOOM_URN, 'pronouns')),
)
FIELD_MAP = dict(SCIM_FIELDS)
# Zoom extension attributes compared only when Zoom's GET returns them; otherwise they are set when the user is
# created and never compared (Zoom does not always return them, docs/ZOOM-API-FACTS.md §4.8)
OPTIONAL_COMPARE = ('personal_link_name', 'pronouns')
# write-only Zoom Phone attributes (never returned): sent when the user is created, never compared
PHONE_FIELDS = (
    ('extension_number', 'zoomPhoneExtNumber'),
    ('phone_numbers', 'zoomPhoneNumber'),
    ('site', 'zoomPhoneSite'),
    ('calling_plans', 'zoomPhoneCallingPlan'),
)
LIST_PHONE_FIELDS = ('phone_numbers', 'calling_plans')  # lists in the vocabulary; SCIM takes one value
CREATE_ONLY = tuple(name for name, _attr in PHONE_FIELDS)
USER_TYPES = {'basic': 'Basic', 'licensed': 'Licensed'}
CASEFOLD_OPTIONS = ('manager',)

# messages of the 400 trap (DF-7646); matched here and only here
_TRAP_TEXTS = ('not exist or not belong', 'not belong to this account', 'does not exist or does not belong')


class ScimLookup:
    """The outcome of ``scim_lookup``.

    ``resource``: the full SCIM user (GET /scim2/Users/{id}) for active/inactive users; ``rest``: the
    ``_users.UserState`` consulted when SCIM answered the 400 trap (pending / stuck invitation).
    """

    def __init__(self, email, status, id=None, resource=None, rest=None, detail=None):  # pylint: disable=redefined-builtin
        if status not in SCIM_STATUSES:
            raise ValueError('unknown SCIM status %r' % (status,))
        self.email = email
        self.status = status
        self.id = id
        self.resource = resource
        self.rest = rest
        self.detail = detail

    @property
    def exists(self):
        return self.status in ('active', 'inactive')

    def __repr__(self):
        return 'ScimLookup(%r, %r, id=%r)' % (self.email, self.status, self.id)


def is_scim_trap(exc):
    """True for the SCIM answer that means "held by a pending invitation, live or dead" (docs/ZOOM-API-FACTS.md §4.4)."""
    if not isinstance(exc, ZoomAPIError) or exc.status not in (400, 404):
        return False
    text = (exc.zoom_message or exc.message or '').lower()
    return any(part in text for part in _TRAP_TEXTS)


def _filter(email):
    return 'userName eq "%s"' % email.replace('"', '')


def get_scim_user(client, user_id):
    """GET /scim2/Users/{id}: the full user (List omits fields that Get returns, docs/ZOOM-API-FACTS.md §7)."""
    return client.get('/scim2/Users/%s' % quote_path(user_id)) or {}


def _status_of(resource):
    return 'active' if resource.get('active', True) is not False else 'inactive'


def scim_lookup(client, email):
    """Look ``email`` up through SCIM and classify it; never raises for the 400 trap.

    - 200 with the user -> GET /scim2/Users/{id}; ``active`` or ``inactive``;
    - 200 empty -> ``absent``;
    - 400/404 "not exist or not belong to this account" -> ask the REST API (GET /v2/users/{email}):
      pending -> ``pending``; expired invitation (1120), not found (deleted invitation) or held elsewhere
      (1010) -> ``stuck_invitation``; an active/inactive REST user (SCIM and REST disagree) -> read it by id.
    Other errors (SSO not enabled, missing scope...) are raised.
    """
    wanted = email.strip().casefold()
    try:
        data = client.get('/scim2/Users', params={'filter': _filter(email), 'startIndex': 1, 'count': 10}) or {}
    except ZoomAPIError as exc:
        if not is_scim_trap(exc):
            raise
        return _classify_trap(client, email, exc)
    match = None
    for item in data.get('Resources') or []:
        if str(item.get('userName') or '').strip().casefold() == wanted:
            match = item
            break
    if match is None:
        return ScimLookup(email, 'absent')
    resource = get_scim_user(client, match['id']) if match.get('id') else match
    return ScimLookup(email, _status_of(resource), id=resource.get('id') or match.get('id'), resource=resource)


def _classify_trap(client, email, exc):
    detail = exc.zoom_message or exc.message
    rest = lookup_user(client, email)
    if rest.status == 'pending':
        return ScimLookup(email, 'pending', id=rest.id, rest=rest, detail=detail)
    if rest.status in ('active', 'inactive') and rest.id:
        try:
            resource = get_scim_user(client, rest.id)
        except ZoomAPIError as inner:
            if inner.status != 404:
                raise
            resource = None
        if resource:
            return ScimLookup(email, _status_of(resource), id=resource.get('id') or rest.id, resource=resource, rest=rest,
                              detail=detail)
    why = {
        'stuck_invitation': 'the invitation expired (REST code 1120)',
        'absent': 'the invitation was deleted (REST: user does not exist)',
        'external': 'the email is parked in another Zoom account (REST code 1010)',
    }.get(rest.status, 'REST status %s' % rest.status)
    return ScimLookup(email, 'stuck_invitation', rest=rest, detail='%s; %s' % (detail, why))


def _manager_text(value):
    if isinstance(value, dict):
        return value.get('value') or value.get('displayName') or value.get('$ref')
    return value


def scim_view(resource, rest_user=None):
    """Option-name view of a SCIM user; ``job_title`` comes from the REST user when SCIM does not return ``title``."""
    resource = resource or {}
    view = {}
    for option, (container, attr) in SCIM_FIELDS:
        if container is None:
            holder = resource
        elif container == 'name':
            holder = resource.get('name') or {}
        else:
            holder = resource.get(container) or {}
        if attr in holder:
            value = holder[attr]
            if option == 'manager':
                value = _manager_text(value)
            if option == 'type' and isinstance(value, str):
                value = value.lower()
            view[option] = value
        elif option == 'job_title' and rest_user and 'job_title' in rest_user:
            view[option] = rest_user.get('job_title')
    if resource:
        view['active'] = resource.get('active', True) is not False
    return view


def _norm(option, value):
    if value is None:
        return ''
    if option in CASEFOLD_OPTIONS and isinstance(value, str):
        return value.strip().casefold()
    if option == 'type' and isinstance(value, str):
        return value.lower()
    return value


def plan_scim(desired, current_view):
    """Pure: ``{option: (before, after)}`` for every option set in ``desired`` that differs (``active`` included).

    An attribute missing from the current view counts as empty (``''``), except the ``OPTIONAL_COMPARE`` ones,
    which are compared only when Zoom returned them. ``CREATE_ONLY`` (phone) attributes are never compared.
    """
    changes = {}
    for option, _where in SCIM_FIELDS + (('active', None),):
        want = desired.get(option)
        if want is None:
            continue
        if option in OPTIONAL_COMPARE and option not in current_view:
            continue
        have = current_view.get(option)
        if option == 'active':
            if bool(want) != bool(have if have is not None else True):
                changes[option] = (have, bool(want))
            continue
        if _norm(option, want) != _norm(option, have):
            changes[option] = (have, want)
    return changes


def create_time_changes(desired, current_view):
    """Pure: attributes a SCIM create would have carried but a compare cannot see (user created via REST).

    The write-only phone attributes and the ``OPTIONAL_COMPARE`` attributes Zoom did not return.
    """
    changes = {}
    for option in CREATE_ONLY + OPTIONAL_COMPARE:
        if desired.get(option) is None:
            continue
        if option in OPTIONAL_COMPARE and option in current_view:
            continue
        changes[option] = (None, desired[option])
    return changes


def fresh_view(desired):
    """Pure: the view of a user just created through ``POST /v2/users`` with the desired names and type."""
    first = desired.get('first_name') or ''
    last = desired.get('last_name') or ''
    view = {
        'first_name': first,
        'last_name': last,
        'display_name': desired.get('display_name') or ' '.join(part for part in (first.strip(), last.strip()) if part),
        'type': (desired.get('type') or 'basic').lower(),
        'active': True,
    }
    return view


ORDER = [name for name, _where in SCIM_FIELDS] + list(CREATE_ONLY)


def change_labels(changes):
    """The ``actions`` labels of a change dict, stable order: fields, phone attributes, then de/activation."""
    labels = ['%s:%s' % ('phone' if name in CREATE_ONLY else 'update', name)
              for name in sorted((n for n in changes if n != 'active'), key=_order)]
    if 'active' in changes:
        if changes['active'][1]:
            labels.insert(0, 'activate')
        else:
            labels.append('deactivate')
    return labels


def _order(name):
    return ORDER.index(name) if name in ORDER else len(ORDER)


_PHONE_MAP = dict(PHONE_FIELDS)


def _put(body, option, value):
    if option in _PHONE_MAP:
        if option in LIST_PHONE_FIELDS:
            value = value[0]
        body.setdefault(ZOOM_URN, {})[_PHONE_MAP[option]] = str(value)
        return
    container, attr = FIELD_MAP[option]
    if option == 'type':
        value = USER_TYPES.get(str(value).lower(), value)
    if container is None:
        body[attr] = value
    else:
        body.setdefault(container, {})[attr] = value


def _schemas(body):
    schemas = [CORE_URN]
    for urn in (ENTERPRISE_URN, ZOOM_URN):
        if urn in body:
            schemas.append(urn)
    return schemas


def create_payload(email, desired):
    """POST /scim2/Users body (``active`` is not part of a create: the caller PATCHes afterwards)."""
    body = {'userName': email}
    for option in [name for name, _where in SCIM_FIELDS] + list(CREATE_ONLY):
        if desired.get(option) is not None:
            _put(body, option, desired[option])
    if 'name' in body:
        body['name'].setdefault('givenName', '')
        body['name'].setdefault('familyName', '')
    body['schemas'] = _schemas(body)
    return body


def update_payload(changes, current_view):
    """PUT /scim2/Users/{id} body: only the changed attributes (PUT is a partial update, docs/ZOOM-API-FACTS.md §4.6).

    ``name`` is sent whole (both parts) so an unchanged part cannot be blanked. ``active`` is left out (use
    ``patch_active_payload``). Returns None when there is nothing to send.
    """
    body = {}
    for option, pair in changes.items():
        if option == 'active':
            continue
        _put(body, option, pair[1])
    if not body:
        return None
    if 'name' in body:
        for option in ('first_name', 'last_name'):
            attr = FIELD_MAP[option][1]
            if attr not in body['name'] and current_view.get(option) is not None:
                body['name'][attr] = current_view[option]
    body['schemas'] = _schemas(body)
    return body


def patch_active_payload(active):
    """PATCH /scim2/Users/{id} body; Zoom needs ``Operations`` with a capital O (docs/ZOOM-API-FACTS.md §4.6)."""
    return {'schemas': [PATCH_URN], 'Operations': [{'op': 'replace', 'value': {'active': bool(active)}}]}


def create_scim_user(client, email, desired, max_sends=3):
    """POST /scim2/Users with confirmation (``_users.create_with_confirmation``); returns a ``CreateOutcome`` whose
    state is a ``ScimLookup``. Raises ``ZoomCreateError`` (``created`` False: nothing was created) when Zoom refuses
    or every answer was lost.
    """
    body = create_payload(email, desired)

    def read_back(answer):
        user_id = (answer or {}).get('id')
        if not user_id:
            return after_create(scim_lookup, client, email)
        resource = after_create(get_scim_user, client, user_id)
        return ScimLookup(email, _status_of(resource), id=resource.get('id') or user_id, resource=resource)

    def refused(exc):
        hint = (' The email is held by another Zoom account (for example another company\'s) or by an invitation: the '
                'person must free the email in that account, or use another email.') if _in_use(exc) else ''
        return ZoomCreateError('Zoom did not create %s through SCIM; nothing was created. %s%s' % (email, exc.msg, hint),
                               cause=exc, path='/scim2/Users')

    return create_with_confirmation('/scim2/Users', email, lambda: client.post('/scim2/Users', json=body),
                                    lambda: scim_lookup(client, email), read_back, _in_use, refused, max_sends)


def _in_use(exc):
    """SCIM's answer to a create of an email it already has (400, not 409, docs/ZOOM-API-FACTS.md §4.5)."""
    return exc.status == 400 and 'already in use' in (exc.zoom_message or exc.message or '')


def update_scim_user(client, user_id, payload):
    return client.put('/scim2/Users/%s' % quote_path(user_id), json=payload)


def set_active(client, user_id, active):
    return client.patch('/scim2/Users/%s' % quote_path(user_id), json=patch_active_payload(active))


def delete_scim_user(client, user_id, email):
    """DELETE /scim2/Users/{id}. A 404 counts as "already gone" only when a lookup confirms the user is absent
    (a lost answer to an earlier DELETE); returns ``'removed'`` or ``'already_gone'``."""
    try:
        client.delete('/scim2/Users/%s' % quote_path(user_id))
    except ZoomAPIError as exc:
        if not is_missing(exc) or scim_lookup(client, email).exists:
            raise
        return 'already_gone'
    return 'removed'


def _chosen_extension(desired):
    """The extension the user chose, or None when Zoom picks one (``0``, the module turns ``auto`` into it) or none is set."""
    ext = desired.get('extension_number')
    return None if ext is None or str(ext).strip() == '0' else str(ext).strip()


def phone_problems(desired):
    """Pure checks of the write-only phone attributes (vocabulary names), each naming the option and the fix: the
    format rules of every module (``normalize_desired``), and SCIM's one value per attribute at creation."""
    _wanted, found = normalize_desired(site=desired.get('site'), extension_number=_chosen_extension(desired),
                                       calling_plans=desired.get('calling_plans'), phone_numbers=desired.get('phone_numbers'))
    problems = [item['msg'] for item in found]
    for option in LIST_PHONE_FIELDS:
        values = desired.get(option)
        if values is not None and len(values) > 1:
            problems.append('%s lists %d values; Zoom\'s SCIM API takes one at creation: give at most one (manage more with '
                            'zoomops.provisioning.zoom_phone_user).' % (option, len(values)))
    return problems


def phone_inventory_problems(client, desired, email=None):
    """Reads the account (calling plans, sites, numbers, the extension's owner) before the create and runs the phone
    planner on a new phone user with these values: every value must exist and be free (plan_phone is the one place
    that decides). Returns problems (empty when nothing phone-related is set)."""
    ext = _chosen_extension(desired)
    plans, numbers, site = desired.get('calling_plans'), desired.get('phone_numbers'), desired.get('site')
    if not (plans or numbers or site or ext):
        return []
    wanted, problems = normalize_desired(site=site, extension_number=ext, calling_plans=plans or None,
                                         phone_numbers=numbers or None)
    if not problems:  # (the module refused malformed values before: phone_problems)
        try:
            plan_phone(wanted, None, load_inventory(client, **inventory_needs(wanted, None)), user_email=email)
        except ZoomPlanError as exc:
            problems = exc.problems
    return [item.get('msg') if isinstance(item, dict) else str(item) for item in problems]
