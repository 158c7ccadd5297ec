# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Whole-account sync: bulk read, plan every user, digest, render, apply concurrently.

Used by ``zoom_user_sync`` (and, for the bulk read and the export, ``zoom_user_info``). The per-user
decisions are the ones of the single-user modules: ``_users.plan_user`` / ``plan_removal`` /
``predict_create_from`` / ``diagnose_pending`` / ``apply_user`` / ``remove_user`` and
``_phone.normalize_desired`` / ``plan_phone`` / ``phone_absent_plan`` / ``apply_phone``. This file adds
what only a bulk run needs:

* ``read_account``: the list endpoints with the largest page sizes (users of every status at 300 a
  page, phone users at 100, calling plans, sites; numbers and managed domains only when the plan needs
  them), read in parallel, instead of one lookup per user;
* ``build_plan``: one ``SyncPlan`` for the whole list (pure once the reads are done); every problem
  (bad input, conflicts, unknown plans or sites) is collected before anything is written;
* ``plan_digest`` / ``plan_document`` / ``render_markdown``: the reviewable plan and its sha256
  digest (canonical JSON of the actions, never timestamps);
* ``check_removals`` and ``compare_plans``: the removal thresholds and the approved-plan guard;
* ``apply_plan``: bounded concurrency (a thread pool sharing one ``ZoomClient`` and so one
  ``RateBudget`` per Zoom label), Zoom Phone's batch endpoint (``POST /v2/phone/users/batch``, 10 users
  a call) for new phone users, and per-user outcomes: one user's failure never stops the others.

Nothing here calls ``fail_json``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import fnmatch
import hashlib
import re
import threading
import time

from concurrent.futures import ThreadPoolExecutor
from json import dumps as json_dumps

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    ZoomAPIError,
    ZoomConfigError,
    ZoomError,
    ZoomPlanError,
    ZoomUncertainWriteError,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import (
    PhoneInventory,
    ZoomPhoneStepError,
    apply_phone,
    normalize_desired as normalize_phone,
    phone_absent_plan,
    plan_phone,
    read_phone_feature,
    read_phone_user,
    summarize_phone_user,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    Change,
    UserState,
    account_domains,
    apply_user,
    diagnose_pending,
    lookup_user,
    pending_create_action,
    plan_removal,
    plan_user,
    predict_create_from,
    remove_user,
    type_code,
    type_name,
    validate_email,
    validate_name,
)


PLAN_FORMAT = 'zoomops.provisioning.zoom_user_sync/v1'
USERS_PAGE_SIZE = 300          # GET /v2/users: the guide's maximum (the spec says 2000; Zoom serves 300)
PHONE_PAGE_SIZE = 100          # GET /v2/phone/users and /v2/phone/numbers maximum
MAX_FEATURE_READS = 50         # users without a phone user whose phone feature is read before planning
SPLIT_PAGES = 4                # list phone users site by site when the unfiltered chain is longer than this
BATCH_MAX = 10                 # POST /v2/phone/users/batch takes at most 10 users
BATCH_LANES = 2                # batch adds in flight at once (Zoom answers 429 to concurrent batch adds)
DEFAULT_CONCURRENCY = 16
CREATE_ATTEMPTS = 3            # POST /v2/users again only after a lookup proved the previous one did not land
PHONE_ATTEMPTS = 3             # re-read and re-plan a phone user after a write with an unknown outcome
UNLISTED_CHOICES = ('ignore', 'deactivate', 'remove')
USER_STATUSES = ('active', 'inactive', 'pending')
PROFILE_OPTIONS = ('first_name', 'last_name', 'display_name', 'type', 'active', 'dept', 'job_title', 'timezone', 'language')
# REST profile fields set with PATCH /v2/users/{id} (``_users.plan_user``); when Zoom's list rows lack one that a
# user sets (the documented list has no job_title), that user is read with GET /v2/users/{id} before planning
TEXT_FIELDS = ('dept', 'job_title', 'timezone', 'language')
PHONE_OPTIONS = ('site', 'extension_number', 'calling_plans', 'phone_numbers')
PHONE_SUMMARY_KEYS = ('zoom_phone', 'site', 'extension_number', 'calling_plans', 'phone_numbers')
CODE_PENDING_SETTINGS = 1000   # "You can not access settings of users that are still in pending state."
CODE_ALREADY_USED = 1005

# Actions of a plan entry, in the order a reviewer reads them (removals first).
ACTIONS = ('remove', 'deactivate', 'create', 'update', 'pending', 'skip', 'unchanged')
REMOVAL_ACTIONS = ('remove', 'deactivate')
# Outcome buckets of an apply (each user ends in exactly one).
OUTCOMES = ('created', 'updated', 'unchanged', 'pending', 'failures', 'removed', 'deactivated', 'protected')
# (not ``failed``/``skipped``: Ansible reads those result keys as the task status)

# batchAddUsers takes calling plan NAMES of its own (BEHAVIOUR.md 5.4, raw phone spec): plan type -> name.
# A plan without an entry here is set up through the per-user endpoints instead.
BATCH_PLAN_NAMES = {
    100: 'US/CA Metered', 200: 'US/CA Unlimited',
    101: 'AU/NZ Metered', 201: 'AU/NZ Unlimited',
    102: 'UK/Ireland Metered', 202: 'UK/Ireland Unlimited',
    103: 'Europe Zone A Metered', 203: 'Europe Zone A Unlimited',
    104: 'Europe Zone B Metered', 204: 'Europe Zone B Unlimited',
    107: 'JP Metered', 207: 'JP Unlimited',
    1001: 'Global Select Metered',
}


_CONTROL_CHARS = re.compile('[\x00-\x1f]')


def _key(email):
    return (email or '').strip().casefold()


def _now_iso():
    return time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())


# ---------------------------------------------------------------------------
# Scope and protection
# ---------------------------------------------------------------------------

class Scope:
    """Which Zoom users the list manages, and which are never touched.

    A user is in scope when its email domain is one of ``domains`` or its email matches one of the
    glob ``patterns`` (case-insensitive). Without domains and patterns only the listed users are
    managed. Protected: the account owner and admins (``role_id`` 0 and 1) and every email matching
    one of the ``protected`` patterns.
    """

    def __init__(self, domains=None, patterns=None, protected=None, protect_admins=True):
        self.domains = sorted(set(_key(d).lstrip('@') for d in (domains or []) if d and str(d).strip()))
        self.patterns = [_key(p) for p in (patterns or []) if p and str(p).strip()]
        self.protected = [_key(p) for p in (protected or []) if p and str(p).strip()]
        self.protect_admins = protect_admins

    @property
    def configured(self):
        return bool(self.domains or self.patterns)

    def contains(self, email):
        key = _key(email)
        if key.rsplit('@', 1)[-1] in self.domains:
            return True
        return any(fnmatch.fnmatchcase(key, pattern) for pattern in self.patterns)

    def protected_reason(self, email, row=None):
        """Why ``email`` is protected (a sentence), or None."""
        if self.protected:
            key = _key(email)
            for pattern in self.protected:
                if fnmatch.fnmatchcase(key, pattern):
                    return 'protected (matches %s)' % pattern
        if self.protect_admins and row:
            role_id = str(row.get('role_id')) if row.get('role_id') is not None else ''
            role_name = str(row.get('role_name') or '').strip().lower()
            if role_id == '0' or role_name == 'owner':
                return 'protected (account owner)'
            if role_id == '1' or role_name == 'admin':
                return 'protected (account admin)'
        return None

    def to_dict(self):
        return {'domains': list(self.domains), 'emails': list(self.patterns), 'protected': list(self.protected)}


# ---------------------------------------------------------------------------
# Desired state (input checks, every problem at once)
# ---------------------------------------------------------------------------

class DesiredUser:
    """One entry of the ``users`` option after validation."""

    def __init__(self, index, email, profile, create_action, phone=None, phone_state=None):
        self.index = index
        self.email = email
        self.key = _key(email)
        self.profile = profile            # plan_user's ``desired`` (option names; None = not managed)
        self.create_action = create_action
        self.phone = phone                # _phone.normalize_desired output, or None (phone not managed)
        self.phone_state = phone_state    # 'present' | 'absent' | None

    def __repr__(self):
        return 'DesiredUser(%r)' % self.email


def _where(index, email):
    return 'users[%d]%s' % (index, ' (%s)' % email if email else '')


def normalize_users(users, default_create_action='ssoCreate', scope=None):
    """Check the ``users`` option; return ``(list of DesiredUser, problems)``.

    Problems (strings naming the entry and the fix): malformed or duplicate emails (case-insensitive),
    bad names, bad phone values, the same extension or phone number on two users, users outside the
    scope. Nothing is read from Zoom.
    """
    problems = []
    result = []
    seen = {}
    extensions = {}
    numbers = {}
    for index, item in enumerate(users or []):
        if not isinstance(item, dict):
            problems.append('%s: expected a mapping with at least an email, got %r.' % (_where(index, None), item))
            continue
        raw_email = item.get('email')
        try:
            email = validate_email(raw_email, '%s.email' % _where(index, None))
        except ZoomError as exc:
            problems.append(exc.msg)
            continue
        where = _where(index, email)
        key = _key(email)
        if key in seen:
            problems.append('%s: duplicate email, also users[%d] (emails compare case-insensitively); keep one entry.'
                            % (where, seen[key]))
            continue
        seen[key] = index
        if scope is not None and scope.configured and not scope.contains(email):
            problems.append('%s: outside the scope (%s); add its domain to scope.domains or remove the entry.'
                            % (where, ', '.join(scope.domains + scope.patterns)))
        profile = {}
        for option, limit in (('first_name', 64), ('last_name', 64), ('display_name', 128)):
            value = item.get(option)
            if value is None or (isinstance(value, str) and len(value) <= limit and value.strip()
                                 and not _CONTROL_CHARS.search(value)):
                profile[option] = value  # the common case, decided without validate_name's per-character scan
                continue
            try:
                profile[option] = validate_name(value, '%s.%s' % (where, option), limit)
            except ZoomError as exc:
                problems.append(exc.msg)
        user_type = item.get('type')
        if user_type is not None:
            try:
                type_code(user_type)
            except ZoomError as exc:
                problems.append('%s: %s' % (where, exc.msg))
                user_type = None
        profile['type'] = user_type
        active = item.get('active')
        if active is not None and not isinstance(active, bool):
            problems.append('%s.active: %r is not a boolean.' % (where, active))
            active = None
        profile['active'] = active
        for option in TEXT_FIELDS:
            value = item.get(option)
            if value is not None and (not isinstance(value, str) or len(value) > 128 or _CONTROL_CHARS.search(value)):
                problems.append('%s.%s: %r must be text of at most 128 characters without control characters.'
                                % (where, option, value))
                value = None
            profile[option] = value
        create_action = item.get('create_action') or default_create_action
        phone = None
        phone_state = None
        block = item.get('phone')
        if block is not None:
            if not isinstance(block, dict):
                problems.append('%s.phone: expected a mapping (site, extension_number, calling_plans, phone_numbers, state).'
                                % where)
            else:
                phone_state = block.get('state') or 'present'
                if phone_state not in ('present', 'absent'):
                    problems.append('%s.phone.state: %r is not present or absent.' % (where, phone_state))
                    phone_state = 'present'
                phone, phone_problems = normalize_phone(
                    site=block.get('site'), extension_number=block.get('extension_number'),
                    calling_plans=block.get('calling_plans'), phone_numbers=block.get('phone_numbers'))
                for entry in phone_problems:
                    problems.append('%s.phone.%s' % (where, entry.get('msg') if isinstance(entry, dict) else entry))
                if phone_state == 'present':
                    ext = phone.get('extension_number')
                    if isinstance(ext, int):
                        if ext in extensions:
                            problems.append('%s.phone.extension_number: %s is also the extension of %s; each extension '
                                            'belongs to one user.' % (where, ext, extensions[ext]))
                        else:
                            extensions[ext] = email
                    for number in phone.get('phone_numbers') or []:
                        if number in numbers:
                            problems.append('%s.phone.phone_numbers: %s is also listed for %s; a number belongs to one '
                                            'user.' % (where, number, numbers[number]))
                        else:
                            numbers[number] = email
        result.append(DesiredUser(index, email, profile, create_action, phone, phone_state))
    return result, problems


_TRUE = ('y', 'yes', 'on', '1', 'true', 't')
_FALSE = ('n', 'no', 'off', '0', 'false', 'f')


def _convert(value, kind, where, errors):
    """Convert ``value`` to the argspec ``kind`` (str, bool, int, float, dict, list, raw) or record an error."""
    if value is None or kind == 'raw':
        return value
    if kind == 'str':
        if isinstance(value, str):
            return value
        if isinstance(value, (int, float)) and not isinstance(value, bool):
            return str(value)
        errors.append('%s: %r is not a string.' % (where, value))
        return None
    if kind == 'bool':
        if isinstance(value, bool):
            return value
        text = str(value).strip().lower()
        if text in _TRUE:
            return True
        if text in _FALSE:
            return False
        errors.append('%s: %r is not a boolean.' % (where, value))
        return None
    if kind in ('int', 'float'):
        try:
            return int(value) if kind == 'int' else float(value)
        except (TypeError, ValueError):
            errors.append('%s: %r is not a number.' % (where, value))
            return None
    if kind == 'dict':
        if isinstance(value, dict):
            return value
        errors.append('%s: expected a mapping, got %r.' % (where, value))
        return None
    if kind == 'list':
        if isinstance(value, list):
            return value
        if isinstance(value, (str, int, float)) and not isinstance(value, bool):
            return [value]
        errors.append('%s: expected a list, got %r.' % (where, value))
        return None
    return value


def check_options(data, spec, where, errors):
    """Check and complete one mapping against an argspec ``spec`` (type, elements, choices, required, default,
    options), like AnsibleModule does for suboptions but in a fraction of the time for thousands of entries.

    Returns the completed dict (unset options None or their default); problems go to ``errors``.
    """
    if not isinstance(data, dict):
        errors.append('%s: expected a mapping, got %r.' % (where, data))
        return None
    unknown = sorted(set(data) - set(spec))
    if unknown:
        errors.append('%s: unsupported option%s %s (supported: %s).' % (
            where, 's' if len(unknown) > 1 else '', ', '.join(unknown), ', '.join(sorted(spec))))
    result = {}
    for name, rules in spec.items():
        value = data.get(name)
        here = '%s.%s' % (where, name)
        if value is None:
            if rules.get('required'):
                errors.append('%s: missing required option.' % here)
            default = rules.get('default')
            result[name] = list(default) if isinstance(default, list) else default
            continue
        value = _convert(value, rules.get('type', 'str'), here, errors)
        if value is None:
            result[name] = None
            continue
        if rules.get('type') == 'list' and rules.get('elements'):
            value = [_convert(item, rules['elements'], '%s[%d]' % (here, i), errors) for i, item in enumerate(value)]
            if rules['elements'] == 'dict' and rules.get('options'):
                value = [check_options(item, rules['options'], '%s[%d]' % (here, i), errors) for i, item in enumerate(value)]
        elif rules.get('type') == 'dict' and rules.get('options'):
            value = check_options(value, rules['options'], here, errors)
        choices = rules.get('choices')
        if choices is not None:
            items = value if isinstance(value, list) else [value]
            for item in items:
                if item not in choices:
                    errors.append('%s: %r is not one of %s.' % (here, item, ', '.join(str(c) for c in choices)))
        result[name] = value
    return result


# ---------------------------------------------------------------------------
# Bulk read
# ---------------------------------------------------------------------------

class Snapshot:
    """The account as the list endpoints show it."""

    def __init__(self):
        self.users = {}          # casefolded email -> REST list row (active and inactive; 'status' set)
        self.pending = {}        # casefolded email -> pending row (no id)
        self.phone_rows = {}     # casefolded email -> GET /v2/phone/users row
        self.phone_feature = {}  # casefolded email -> bool (read only for users without a phone row)
        self.inventory = None    # PhoneInventory (plans, sites, phone users; numbers when loaded)
        self.numbers_loaded = False
        self.plans_loaded = False
        self.domains = None      # associated/managed domains (None: unknown or not read)
        self.domains_loaded = False
        self.phone_loaded = False
        self._states = {}

    def state(self, email):
        """``UserState`` of ``email`` from the lists (``absent`` when no list shows it)."""
        key = _key(email)
        found = self._states.get(key)
        if found is not None:
            return found
        row = self.users.get(key)
        if row is not None:
            found = UserState(row.get('email') or email, row.get('status') or 'active', id=row.get('id'), user=row)
        elif key in self.pending:
            row = self.pending[key]
            found = UserState(row.get('email') or email, 'pending', id=row.get('id'), user=row)
        else:
            found = UserState(email, 'absent')
        self._states[key] = found
        return found

    def all_rows(self):
        """Every (key, row) of the account, pending invitations included."""
        for key, row in self.users.items():
            yield key, row
        for key, row in self.pending.items():
            if key not in self.users:
                yield key, row


def _run_parallel(executor, jobs):
    """Run ``{name: callable}`` on ``executor``; return ``{name: result}`` (the first error is raised)."""
    futures = dict((name, executor.submit(job)) for name, job in jobs.items())
    return dict((name, future.result()) for name, future in futures.items())


def _list_users(client, status):
    return list(client.paginate('/v2/users', 'users', params={'status': status}, page_size=USERS_PAGE_SIZE))


def _list_phone_users(client, site_id=None):
    params = {'site_id': site_id} if site_id else None
    return list(client.paginate('/v2/phone/users', 'users', params=params, page_size=PHONE_PAGE_SIZE, dedupe_key='id'))


def _continue_pages(client, path, items_key, params, token):
    """The items of the pages after ``token`` of a ``next_page_token`` list (same parameters each page)."""
    items = []
    seen = set()
    while token and token not in seen:
        seen.add(token)
        data = client.get(path, params=dict(params, next_page_token=token)) or {}
        items.extend(data.get(items_key) or [])
        token = data.get('next_page_token')
    return items


def read_account(client, executor, phone=True, statuses=USER_STATUSES, split_by_site=True):
    """Read users (every status in ``statuses``) and, with ``phone``, sites and phone users.

    Every list is paginated in parallel on ``executor`` with its largest page size. The first page of the phone
    users tells how many there are; when the chain of pages would be long (``SPLIT_PAGES``) the rest is listed
    site by site (``site_id`` filter, one pagination per site, in parallel), which cuts the chain of dependent
    round trips of a large account. Rows are de-duplicated by id (Zoom repeats rows across pages). Calling plans
    and numbers are read later, only when the plan needs them (``prefetch``). Returns a ``Snapshot``.
    """
    futures = dict(('users:' + status, executor.submit(_list_users, client, status)) for status in statuses)
    snap = Snapshot()
    rows = []
    sites = []
    if phone:
        params = {'page_size': PHONE_PAGE_SIZE}
        sites_future = executor.submit(lambda: list(client.paginate('/v2/phone/sites', 'sites', page_size=PHONE_PAGE_SIZE,
                                                                    dedupe_key='id')))
        first = client.get('/v2/phone/users', params=params) or {}
        sites = sites_future.result()
        futures['phone:first'] = executor.submit(lambda: list(first.get('users') or []))
        token = first.get('next_page_token')
        site_ids = [site.get('id') for site in sites if site.get('id')]
        try:
            total = int(first.get('total_records') or 0)
        except (TypeError, ValueError):
            total = 0
        if token and split_by_site and len(site_ids) > 1 and total > SPLIT_PAGES * PHONE_PAGE_SIZE:
            for site_id in site_ids:
                futures['phone:' + site_id] = executor.submit(_list_phone_users, client, site_id)
        elif token:
            futures['phone:rest'] = executor.submit(_continue_pages, client, '/v2/phone/users', 'users', params, token)
    results = dict((name, future.result()) for name, future in futures.items())
    for status in statuses:
        for row in results['users:' + status]:
            if not isinstance(row, dict) or not row.get('email'):
                continue
            row = dict(row)
            row.setdefault('status', status)
            key = _key(row['email'])
            if status == 'pending':
                snap.pending.setdefault(key, row)
            elif key not in snap.users:
                snap.users[key] = row
    seen = set()
    for name in sorted(results):
        if not name.startswith('phone:'):
            continue
        for row in results[name]:
            if not isinstance(row, dict) or not row.get('email'):
                continue
            if row.get('id') is not None:
                if row['id'] in seen:
                    continue
                seen.add(row['id'])
            rows.append(row)
            snap.phone_rows[_key(row['email'])] = row
    snap.inventory = PhoneInventory(None, None, sites if phone else None, rows if phone else None)
    snap.phone_loaded = phone
    if phone:
        _numbers_from_rows(snap.inventory, rows)
        _plans_from_rows(snap.inventory, rows)
    return snap


def _numbers_from_rows(inventory, rows):
    """The numbers the phone users hold, with their assignee (so the numbers list only needs unassigned ones)."""
    for row in rows:
        for item in row.get('phone_numbers') or []:
            if not item.get('number') or inventory.number(item['number']) is not None:
                continue
            inventory.add_number({'id': item.get('id'), 'number': item['number'], 'status': 'available',
                                  'assignee': {'id': row.get('id'), 'name': row.get('email') or row.get('name'), 'type': 'user',
                                               'extension_number': row.get('extension_number')}})


def _plans_from_rows(inventory, rows):
    """Plan names and types seen on phone users (enough to compare; seats come with the plans list)."""
    for row in rows:
        for plan in row.get('calling_plans') or []:
            if plan.get('type') is not None and inventory.resolve_plan(plan.get('type')) is None:
                inventory.add_plan({'type': plan.get('type'), 'name': plan.get('name')})


def load_plans(client, snap):
    """The calling plans with their seats (GET /v2/phone/calling_plans), replacing the ones seen on users."""
    plans = (client.get('/v2/phone/calling_plans') or {}).get('calling_plans') or []
    inventory = snap.inventory
    inventory.calling_plans = []
    inventory.plans_by_type = {}
    inventory.plans_by_name = {}
    for item in plans:
        inventory.add_plan(item)
    inventory.loaded['calling_plans'] = True
    snap.plans_loaded = True


def load_numbers(client, snap):
    """The account's unassigned numbers (GET /v2/phone/numbers?type=unassigned, 100 a page).

    Numbers held by phone users are known from the phone user rows already.
    """
    if snap.numbers_loaded:
        return
    for item in client.paginate('/v2/phone/numbers', 'phone_numbers', params={'type': 'unassigned'},
                                page_size=PHONE_PAGE_SIZE, dedupe_key='id'):
        if item.get('number') and snap.inventory.number(item['number']) is None:
            snap.inventory.add_number(item)
    snap.inventory.loaded['numbers'] = True
    snap.numbers_loaded = True


def _plan_needed(desired, row, inventory):
    """True when ``desired`` names a calling plan that ``row`` (a phone user, or None) does not have."""
    refs = desired.get('calling_plans') or []
    if row is None:
        return bool(refs)
    have_types = set()
    have_names = set()
    for plan in row.get('calling_plans') or []:
        if plan.get('type') is not None:
            have_types.add(str(plan.get('type')))
        if plan.get('name'):
            have_names.add(' '.join(str(plan['name']).split()).casefold())
    for ref in refs:
        if str(ref) in have_types or ' '.join(str(ref).split()).casefold() in have_names:
            continue
        return True
    return False


def prefetch(client, executor, snap, desired, scope, unlisted=None):  # pylint: disable=unused-argument
    """The reads the plan needs beyond the lists, and only when it needs them.

    * managed domains (one call) when a user will be created with ssoCreate or is pending;
    * calling plans with their seats (one call) when a plan is added to someone;
    * the unassigned numbers (GET /v2/phone/numbers) when a listed number is not already on its user;
    * for active users who should have a phone but are in no phone list (up to ``MAX_FEATURE_READS`` of them): the
      phone feature (GET /v2/users/{id}/settings) and, when it is on, the phone user itself (Zoom may still be
      creating it).
    """
    need_domains = need_numbers = need_plans = False
    missing = []
    details = []
    for user in desired:
        state = snap.state(user.email)
        if state.status in ('active', 'inactive') and any(
                user.profile.get(name) is not None and name not in (state.user or {}) for name in TEXT_FIELDS):
            details.append(user.key)
        if (state.status == 'absent' and user.create_action == 'ssoCreate') or state.status == 'pending':
            need_domains = True
        if user.phone is None or user.phone_state != 'present':
            continue
        row = snap.phone_rows.get(user.key)
        have = set(n.get('number') for n in (row or {}).get('phone_numbers') or [])
        if any(number not in have for number in user.phone.get('phone_numbers') or []):
            need_numbers = True
        if _plan_needed(user.phone, row, snap.inventory):
            need_plans = True
        if row is None and state.status == 'active' and state.id and scope.protected_reason(user.email, state.user) is None:
            missing.append((user.key, state.id))
    jobs = {}
    if need_domains and not snap.domains_loaded:
        jobs['domains'] = lambda: account_domains(client)
    if need_plans and not snap.plans_loaded:
        jobs['plans'] = lambda: load_plans(client, snap)
    if need_numbers and not snap.numbers_loaded:
        jobs['numbers'] = lambda: load_numbers(client, snap)
    if len(missing) <= MAX_FEATURE_READS:
        # a few users without a phone user: Zoom may still be creating theirs. Many: they are new to Zoom Phone
        # (one settings read each would cost more than the batch adds); a batch add that finds one already being
        # created falls back to the per-user path, which waits for it.
        for key, user_id in missing:
            jobs['phone:' + key] = (lambda uid=user_id: _phone_of(client, uid))
    for key in details:
        jobs['detail:' + key] = (lambda k=key: lookup_user(client, snap.users[k].get('id') or snap.users[k]['email']))
    if not jobs:
        return
    results = _run_parallel(executor, jobs)
    for name, value in results.items():
        if name.startswith('detail:') and value.user:
            key = name[len('detail:'):]
            row = dict(value.user)
            row['status'] = value.status
            snap.users[key] = row
            snap._states.pop(key, None)  # pylint: disable=protected-access
    if 'domains' in results:
        snap.domains = results['domains']
        snap.domains_loaded = True
    for name, value in results.items():
        if not name.startswith('phone:'):
            continue
        key = name[len('phone:'):]
        feature, row = value
        snap.phone_feature[key] = feature
        if row is not None:
            snap.phone_rows[key] = row
            snap.inventory.add_phone_user(row)
            _numbers_from_rows(snap.inventory, [row])


def _phone_of(client, user_id):
    """(phone feature on?, phone user or None) of a user missing from the phone lists."""
    if not read_phone_feature(client, user_id):
        return False, None
    return True, read_phone_user(client, user_id)


# ---------------------------------------------------------------------------
# Plan
# ---------------------------------------------------------------------------

class Entry:
    """The plan for one user: an action, the field changes (before/after) and what will be called."""

    def __init__(self, email, action, state=None, desired=None):
        self.email = email
        self.key = _key(email)
        self.action = action
        self.state = state
        self.desired = desired
        self.user_changes = []       # _users.Change list (create, update:*, activate, deactivate)
        self.removal = []            # _users.plan_removal output
        self.phone_plan = None       # _phone.PhonePlan
        self.phone_mode = None       # 'batch' | 'steps' | None
        self.batch_item = None       # item of POST /v2/phone/users/batch
        self.changes = {}            # field -> [before, after]
        self.steps = []              # human-readable calls
        self.reason = None
        self.remedy = None
        self.note = None
        self.predicted_status = None
        self.unlisted = False        # the action comes from the unlisted-users policy

    def to_dict(self):
        item = {'email': self.email, 'action': self.action}
        if self.changes:
            item['changes'] = dict((name, list(pair)) for name, pair in self.changes.items())
        if self.steps:
            item['steps'] = list(self.steps)
        for name in ('reason', 'remedy', 'note'):
            if getattr(self, name):
                item[name] = getattr(self, name)
        if self.predicted_status:
            item['status'] = self.predicted_status
        return item

    def digest_item(self):
        """What the digest covers: who, which action, every before/after value and pending reasons."""
        return {'email': self.key, 'action': self.action, 'changes': self.changes or {},
                'reason': self.reason, 'status': self.predicted_status}

    def __repr__(self):
        return 'Entry(%r, %r)' % (self.email, self.action)


class SyncPlan:
    """The whole-account plan."""

    def __init__(self, entries, problems, scope, options, in_scope_count=0, unmanaged=0):
        order = dict((name, index) for index, name in enumerate(ACTIONS))
        self.entries = sorted(entries, key=lambda e: (order.get(e.action, len(order)), e.key))
        self.problems = list(problems)
        self.scope = scope
        self.options = dict(options)
        self.in_scope_count = in_scope_count
        self.unmanaged = unmanaged
        self.digest = plan_digest(self.entries, self.options)

    def by_action(self, *actions):
        return [entry for entry in self.entries if entry.action in actions]

    @property
    def removals(self):
        return [entry for entry in self.entries if entry.action in REMOVAL_ACTIONS and entry.unlisted]

    @property
    def totals(self):
        totals = dict((name, 0) for name in ACTIONS)
        for entry in self.entries:
            totals[entry.action] = totals.get(entry.action, 0) + 1
        return totals

    @property
    def changed(self):
        return any(entry.action in ('remove', 'deactivate', 'create', 'update') for entry in self.entries)


def plan_digest(entries, options=None):
    """``sha256:<hex>`` of the canonical JSON of every non-unchanged entry (sorted keys, no timestamps)."""
    items = sorted((entry.digest_item() for entry in entries if entry.action != 'unchanged'), key=lambda i: i['email'])
    payload = {'format': PLAN_FORMAT, 'entries': items, 'unlisted': (options or {}).get('unlisted')}
    text = json_dumps(payload, sort_keys=True, separators=(',', ':'), ensure_ascii=True, default=str)
    return 'sha256:' + hashlib.sha256(text.encode('utf-8')).hexdigest()


def site_code_of(site):
    code = str((site or {}).get('site_code') or '').strip()
    return code if code.isdigit() else ''


def batch_item(email, desired, inventory):
    """The ``POST /v2/phone/users/batch`` item for a new phone user, or None when batch add cannot express it.

    Batch add needs an explicit extension and calling plans it knows by name (``BATCH_PLAN_NAMES``); the
    extension is sent without the site code (Zoom's rule for sites with a code).
    """
    ext = desired.get('extension_number')
    plans = desired.get('calling_plans')
    if not isinstance(ext, int) or not plans:
        return None
    site = inventory.resolve_site(desired['site']) if desired.get('site') is not None else inventory.default_site()
    if site is None:
        return None
    names = []
    for ref in plans:
        plan = inventory.resolve_plan(ref)
        name = BATCH_PLAN_NAMES.get(plan['type']) if plan else None
        if name is None:
            return None
        names.append(name)
    text = str(ext)
    code = site_code_of(site)
    if code:
        if not text.startswith(code) or len(text) <= len(code):
            return None
        text = text[len(code):]
    item = {'email': email, 'extension_number': text, 'calling_plans': names, 'site_name': site.get('name')}
    if desired.get('phone_numbers'):
        item['phone_numbers'] = list(desired['phone_numbers'])
    return item


def _phone_changes(plan):
    changes = {}
    before = plan.before or {}
    after = plan.after or {}
    for name in PHONE_SUMMARY_KEYS:
        if name in after and before.get(name) != after.get(name):
            changes['phone.' + name] = [before.get(name), after.get(name)]
    return changes


def _user_change_fields(changes):
    fields = {}
    for change in changes:
        if change.action == 'create':
            for name, value in sorted((change.after or {}).items()):
                fields[name] = [None, value]
        elif change.action == 'update':
            fields[change.field] = [change.before, change.after]
        elif change.action == 'activate':
            fields['status'] = ['inactive', 'active']
        elif change.action == 'deactivate':
            fields['status'] = [fields.get('status', ['active'])[0] if 'status' in fields else 'active', 'inactive']
    return fields


_TYPE_CODES = {'basic': 1, 'licensed': 2}


def profile_matches(profile, state):
    """True when the REST row of ``state`` already has every profile field set in ``profile`` (so ``plan_user``
    would plan nothing). Conservative: anything unusual goes through ``plan_user``."""
    row = state.user or {}
    for option in ('first_name', 'last_name', 'display_name') + TEXT_FIELDS:
        want = profile.get(option)
        if want is not None and (not isinstance(row.get(option), str) or row[option] != want):
            return False
    want = profile.get('type')
    if want is not None:
        code = _TYPE_CODES.get(want) if isinstance(want, str) else None
        if code is None or row.get('type') != code:
            return False
    active = profile.get('active')
    if active is not None and (state.status == 'active') != bool(active):
        return False
    return True


class _Memo:
    """Site and plan lookups of one inventory, remembered per reference (thousands of users share a few)."""

    def __init__(self, inventory):
        self.inventory = inventory
        self.sites = {}
        self.plans = {}
        self.version = None

    def site(self, ref):
        if ref not in self.sites:
            self.sites[ref] = self.inventory.resolve_site(ref)
        return self.sites[ref]

    def plan(self, ref):
        if ref not in self.plans:
            self.plans[ref] = self.inventory.resolve_plan(ref)
        return self.plans[ref]


def _resolve_memo(inventory):
    memo = getattr(inventory, '_zoomops_sync_memo', None)
    version = (len(inventory.sites), len(inventory.calling_plans))
    if memo is None or memo.version != version:
        memo = _Memo(inventory)
        memo.version = version
        inventory._zoomops_sync_memo = memo  # pylint: disable=protected-access
    return memo


def phone_matches(desired, row, inventory):
    """True when the phone user ``row`` already has every aspect set in ``desired`` (so ``plan_phone`` would plan
    nothing). Conservative: anything it cannot decide cheaply (an unknown plan or site) returns False and goes
    through ``plan_phone``. Keeps a no-op run over thousands of users fast."""
    memo = _resolve_memo(inventory)
    site = desired.get('site')
    if site is not None:
        found = memo.site(site)
        row_site = row.get('site_id') or (row.get('site') or {}).get('id')
        if found is None or found.get('id') != row_site:
            return False
    ext = desired.get('extension_number')
    if isinstance(ext, int):
        try:
            if int(row.get('extension_number')) != ext:
                return False
        except (TypeError, ValueError):
            return False
    plans = desired.get('calling_plans')
    if plans is not None:
        wanted = set()
        for ref in plans:
            plan = memo.plan(ref)
            if plan is None:
                return False
            wanted.add(plan['type'])
        have = set()
        for plan in row.get('calling_plans') or []:
            try:
                have.add(int(plan.get('type')))
            except (TypeError, ValueError):
                return False
        if wanted != have:
            return False
    numbers = desired.get('phone_numbers')
    if numbers is not None:
        have = set(item.get('number') for item in row.get('phone_numbers') or [])
        if set(numbers) != have or len(have) != len(row.get('phone_numbers') or []):
            return False
    return True


class Planner:
    """Builds the ``SyncPlan`` from a ``Snapshot`` and the desired users (pure: no I/O)."""

    def __init__(self, snap, scope, unlisted='ignore', removal_action='disassociate', transfer_to=None,
                 allow_data_loss=False, batch_phone=True):
        self.snap = snap
        self.scope = scope
        self.unlisted = unlisted
        self.removal_action = removal_action
        self.transfer_to = transfer_to
        self.allow_data_loss = allow_data_loss
        self.batch_phone = batch_phone
        self.problems = []

    def build(self, desired, input_problems=()):
        self.problems = list(input_problems)
        entries = []
        listed = set()
        for user in desired:
            listed.add(user.key)
            entry = self.plan_user(user)
            if entry is not None:
                entries.append(entry)
        in_scope, unmanaged = 0, 0
        if self.scope.configured:
            for key, row in self.snap.all_rows():
                if not self.scope.contains(row.get('email') or key):
                    continue
                if self.scope.protected_reason(row.get('email') or key, row):
                    continue
                in_scope += 1
                if key in listed:
                    continue
                entry = self.plan_unlisted(row)
                if entry is None:
                    unmanaged += 1
                else:
                    entries.append(entry)
        options = {'unlisted': self.unlisted, 'removal_action': self.removal_action, 'scope': self.scope.to_dict()}
        return SyncPlan(entries, self.problems, self.scope, options, in_scope_count=in_scope, unmanaged=unmanaged)

    # -- one listed user
    def plan_user(self, user):
        snap = self.snap
        state = snap.state(user.email)
        email = state.email if state.status != 'absent' else user.email
        reason = self.scope.protected_reason(email, state.user)
        if reason:
            entry = Entry(email, 'skip', state, user)
            entry.note = '%s: never changed by this module' % reason
            return entry
        if state.status == 'pending':
            return self._plan_pending(user, state)
        if state.status == 'absent':
            return self._plan_create(user, state)
        return self._plan_existing(user, state)

    def _plan_pending(self, user, state):
        entry = Entry(state.email, 'pending', state, user)
        action = pending_create_action(state.user, user.create_action)
        entry.reason, entry.remedy = diagnose_pending(None, state.email, state=state, create_action=action,
                                                      domains=self.snap.domains)
        entry.predicted_status = 'pending'
        entry.note = 'pending: Zoom ignores updates until the person accepts; nothing is sent for this user'
        return entry

    def _plan_create(self, user, state):
        entry = Entry(user.email, 'create', state, user)
        changes = plan_user(user.profile, state)
        status, reason, remedy = predict_create_from(user.email, user.create_action, state, self.snap.domains)
        if user.profile.get('active') is False and status == 'active':
            changes.append(Change('deactivate', before=True, after=False))
            status = 'inactive'
        entry.user_changes = changes
        entry.predicted_status = status
        entry.reason, entry.remedy = reason, remedy
        entry.changes = _user_change_fields(changes)
        entry.changes['status'] = [None, status]
        entry.steps.append('create the user (POST /v2/users, action %s)' % user.create_action)
        if status == 'inactive':
            entry.steps.append('deactivate the user')
        if user.phone is not None and user.phone_state == 'present':
            if status != 'active':
                entry.note = ('Zoom Phone is set up by a later run, once the user is active'
                              if status == 'pending' else 'Zoom Phone is not set up for a deactivated user')
            else:
                self._plan_new_phone(entry, user, None, feature_enabled=False)
        return entry

    def _plan_existing(self, user, state):
        entry = Entry(state.email, 'update', state, user)
        changes = [] if profile_matches(user.profile, state) else plan_user(user.profile, state)
        entry.user_changes = changes
        entry.changes = _user_change_fields(changes)
        for change in changes:
            entry.steps.append(change.label)
        will_be_active = state.status == 'active'
        if any(c.action == 'activate' for c in changes):
            will_be_active = True
        if any(c.action == 'deactivate' for c in changes):
            will_be_active = False
        entry.predicted_status = 'active' if will_be_active else 'inactive'
        if user.phone is not None:
            row = self.snap.phone_rows.get(user.key)
            if user.phone_state == 'absent':
                feature = self.snap.phone_feature.get(user.key, False)
                if row is not None or feature:
                    plan = phone_absent_plan(row, user_email=state.email, user_id=state.id, feature_enabled=feature,
                                             inventory=self.snap.inventory)
                    self._use_phone_plan(entry, plan, 'steps')
            elif row is not None:
                self._plan_phone_steps(entry, user, row, state)
            elif will_be_active:
                self._plan_new_phone(entry, user, state.id, feature_enabled=self.snap.phone_feature.get(user.key, False))
            else:
                entry.note = 'Zoom Phone is not set up for a deactivated user'
        if not entry.user_changes and entry.phone_plan is None:
            entry.action = 'unchanged'
        return entry

    def _plan_phone_steps(self, entry, user, row, state):
        if phone_matches(user.phone, row, self.snap.inventory):
            return
        try:
            plan = plan_phone(user.phone, row, self.snap.inventory, user_email=state.email, user_id=state.id)
        except ZoomPlanError as exc:
            self._phone_problems(entry, exc)
            return
        if plan.changed:
            self.snap.inventory.reserve(plan)
            self._use_phone_plan(entry, plan, 'steps')

    def _plan_new_phone(self, entry, user, user_id, feature_enabled):
        try:
            plan = plan_phone(user.phone, None, self.snap.inventory, user_email=entry.email, user_id=user_id,
                              feature_enabled=feature_enabled)
        except ZoomPlanError as exc:
            self._phone_problems(entry, exc)
            return
        self.snap.inventory.reserve(plan)
        item = None
        if self.batch_phone and not feature_enabled:
            item = batch_item(entry.email, user.phone, self.snap.inventory)
        if item is not None:
            entry.batch_item = item
            self._use_phone_plan(entry, plan, 'batch')
            entry.steps = list(entry.steps) + [
                'add to Zoom Phone in a batch (POST /v2/phone/users/batch): site %s, extension %s, plans %s%s' % (
                    item['site_name'], user.phone['extension_number'], ', '.join(item['calling_plans']),
                    ', numbers %s' % ', '.join(item['phone_numbers']) if item.get('phone_numbers') else '')]
        else:
            self._use_phone_plan(entry, plan, 'steps')

    def _use_phone_plan(self, entry, plan, mode):
        entry.phone_plan = plan
        entry.phone_mode = mode
        entry.changes.update(_phone_changes(plan))
        if mode == 'steps':
            entry.steps.extend(plan.actions)

    def _phone_problems(self, entry, exc):
        for item in exc.problems or [exc.msg]:
            text = item.get('msg') if isinstance(item, dict) else str(item)
            self.problems.append('%s: phone: %s' % (entry.email, text))

    # -- a user of the scope that is not in the list
    def plan_unlisted(self, row):
        if self.unlisted == 'ignore':
            return None
        email = row.get('email')
        status = row.get('status') or 'active'
        state = UserState(email, status, id=row.get('id'), user=row)
        if self.unlisted == 'deactivate':
            if status != 'active':
                return None
            entry = Entry(email, 'deactivate', state)
            entry.user_changes = [Change('deactivate', before=True, after=False)]
            entry.changes = {'status': ['active', 'inactive']}
            entry.steps = ['deactivate (not in the list)']
            entry.unlisted = True
            return entry
        try:
            removal = plan_removal(state, self.removal_action, self.transfer_to, None, self.allow_data_loss)
        except ZoomPlanError as exc:
            for item in exc.problems or [exc.msg]:
                self.problems.append('%s (not in the list): %s' % (email, item.get('msg') if isinstance(item, dict) else item))
            return None
        if not removal:
            return None
        entry = Entry(email, 'remove', state)
        entry.removal = removal
        entry.changes = {'status': [status, 'absent']}
        entry.steps = ['remove (%s; not in the list)' % removal[0].field]
        entry.unlisted = True
        return entry


def build_plan(desired, snap, scope, input_problems=(), **options):
    """Pure: the ``SyncPlan`` for ``desired`` (from ``normalize_users``) against ``snap``."""
    return Planner(snap, scope, **options).build(desired, input_problems)


# ---------------------------------------------------------------------------
# Guards
# ---------------------------------------------------------------------------

def check_removals(plan, max_removals, max_removal_percent):
    """Problems when the removals (unlisted users deactivated or removed) exceed a threshold, else []."""
    removals = plan.removals
    count = len(removals)
    if not count:
        return []
    problems = []
    if max_removals is not None and count > max_removals:
        problems.append('%d users would be removed or deactivated, more than max_removals=%d.' % (count, max_removals))
    if max_removal_percent is not None:
        base = max(plan.in_scope_count, 1)
        percent = 100.0 * count / base
        if percent > max_removal_percent:
            problems.append('%d of the %d users in scope (%.1f%%) would be removed or deactivated, more than '
                            'max_removal_percent=%s.' % (count, plan.in_scope_count, percent, max_removal_percent))
    return problems


def compare_plans(approved, current):
    """Differences between an approved plan document and the current plan (list of sentences)."""
    before = dict((_key(item.get('email')), item) for item in (approved or {}).get('users') or [])
    after = dict((entry.key, entry.to_dict()) for entry in current.entries if entry.action != 'unchanged')
    diffs = []
    for key in sorted(set(before) | set(after)):
        old, new = before.get(key), after.get(key)
        if old is None:
            diffs.append('%s: not in the approved plan, now %s %s' % (new['email'], new['action'], _short(new.get('changes'))))
        elif new is None:
            diffs.append('%s: approved %s %s, now nothing to do' % (old['email'], old['action'], _short(old.get('changes'))))
        elif old.get('action') != new.get('action') or (old.get('changes') or {}) != (new.get('changes') or {}) \
                or old.get('reason') != new.get('reason'):
            diffs.append('%s: approved %s %s, now %s %s' % (
                new['email'], old.get('action'), _short(old.get('changes')), new['action'], _short(new.get('changes'))))
    return diffs


def _short(changes):
    if not changes:
        return ''
    parts = ['%s %s -> %s' % (name, _text(pair[0]), _text(pair[1])) for name, pair in sorted(changes.items())]
    return '(%s)' % '; '.join(parts)


def _text(value):
    if value is None:
        return '-'
    if isinstance(value, list):
        return '[%s]' % ', '.join(str(v) for v in value)
    return str(value)


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------

def plan_document(plan, generated_at=None, unchanged=True):
    """The JSON plan written to ``plan_file`` (with the ``unchanged`` emails; without them in module results)."""
    doc = {
        'format': PLAN_FORMAT,
        'digest': plan.digest,
        'generated_at': generated_at or _now_iso(),
        'options': plan.options,
        'totals': plan.totals,
        'in_scope': plan.in_scope_count,
        'unmanaged': plan.unmanaged,
        'removals': [entry.email for entry in plan.removals],
        'users': [entry.to_dict() for entry in plan.entries if entry.action != 'unchanged'],
        'problems': list(plan.problems),
    }
    if unchanged:
        doc['unchanged'] = [entry.email for entry in plan.entries if entry.action == 'unchanged']
    return doc


def _md(value):
    """A table cell: None as an en dash, lists joined, pipes and newlines escaped."""
    if value is None or value == [] or value == '':
        return '\u2013'
    if isinstance(value, bool):
        text = 'yes' if value else 'no'
    elif isinstance(value, list):
        text = ', '.join(str(v) for v in value)
    else:
        text = str(value)
    return text.replace('\\', '\\\\').replace('|', '\\|').replace('\n', ' ')


SECTION_TITLES = (
    ('remove', 'Removals'),
    ('deactivate', 'Deactivations'),
    ('create', 'Creates'),
    ('update', 'Updates'),
    ('pending', 'Pending users (nothing is sent)'),
    ('skip', 'Protected (listed, never changed)'),
)


def render_markdown(doc, max_rows=None):
    """A reviewer's view of a plan document: totals, removals first, then per user and field before -> after.

    ``max_rows`` limits the table rows per section (a comment box has a size limit); the rest is counted.
    """
    totals = doc.get('totals') or {}
    options = doc.get('options') or {}
    scope = options.get('scope') or {}
    lines = ['## Zoom user sync plan', '']
    lines.append('Digest: `%s`  ' % doc.get('digest'))
    scope_text = ', '.join('`%s`' % d for d in (scope.get('domains') or []) + (scope.get('emails') or [])) or 'the listed users only'
    lines.append('Scope: %s; users in scope but not in the list: **%s**; protected: owner, admins%s.' % (
        scope_text, options.get('unlisted', 'ignore'),
        ''.join(', `%s`' % p for p in scope.get('protected') or [])))
    lines.append('')
    lines.append('| Remove | Deactivate | Create | Update | Pending | Protected | Unchanged |')
    lines.append('|---:|---:|---:|---:|---:|---:|---:|')
    counts = [str(totals.get(name, 0)) for name in ('remove', 'deactivate', 'create', 'update', 'pending', 'skip', 'unchanged')]
    lines.append('| %s |' % ' | '.join(counts))
    lines.append('')
    if doc.get('problems'):
        lines.append('### Problems (nothing will be applied until they are fixed)')
        lines.append('')
        for text in doc['problems']:
            lines.append('- %s' % _md(text))
        lines.append('')
    users = doc.get('users') or []
    for action, title in SECTION_TITLES:
        section = [u for u in users if u.get('action') == action]
        if not section:
            continue
        lines.append('### %s (%d)' % (title, len(section)))
        lines.append('')
        rows = 0
        shown = 0
        if action in ('pending', 'skip'):
            lines.append('| User | Reason | Remedy |')
            lines.append('|---|---|---|')
            for user in section:
                if max_rows is not None and rows >= max_rows:
                    break
                lines.append('| `%s` | %s | %s |' % (user['email'], _md(user.get('reason') or user.get('note')),
                                                     _md(user.get('remedy'))))
                rows += 1
                shown += 1
        else:
            lines.append('| User | Field | Before | After |')
            lines.append('|---|---|---|---|')
            for user in section:
                if max_rows is not None and rows >= max_rows:
                    break
                changes = user.get('changes') or {}
                first = True
                for name in sorted(changes, key=_field_order):
                    pair = changes[name]
                    who = '`%s`' % user['email'] if first else ''
                    lines.append('| %s | %s | %s | %s |' % (who, name, _md(pair[0]), _md(pair[1])))
                    first = False
                    rows += 1
                if first:
                    lines.append('| `%s` | | | |' % user['email'])
                    rows += 1
                if user.get('reason') and action == 'create':
                    lines.append('| | pending reason | | %s: %s |' % (_md(user['reason']), _md(user.get('remedy'))))
                    rows += 1
                elif user.get('note'):
                    lines.append('| | note | | %s |' % _md(user['note']))
                    rows += 1
                shown += 1
        if shown < len(section):
            lines.append('')
            lines.append('... and %d more (see the JSON plan).' % (len(section) - shown))
        lines.append('')
    if not users:
        lines.append('Nothing to do: Zoom already matches the list.')
        lines.append('')
    return '\n'.join(lines)


_FIELD_ORDER = ('status', 'first_name', 'last_name', 'display_name', 'type', 'phone.zoom_phone', 'phone.site',
                'phone.extension_number', 'phone.calling_plans', 'phone.phone_numbers')


def _field_order(name):
    return (_FIELD_ORDER.index(name) if name in _FIELD_ORDER else len(_FIELD_ORDER), name)


# ---------------------------------------------------------------------------
# Apply
# ---------------------------------------------------------------------------

def create_body(email, desired, create_action):
    """``POST /v2/users`` body, as ``_users.create_user`` builds it (without its read-back: the bulk path
    learns the status from the pending list instead of one GET per user)."""
    user_info = {'email': email, 'type': type_code(desired.get('type')) or 1}
    for option in ('first_name', 'last_name', 'display_name'):
        if desired.get(option) is not None:
            user_info[option] = desired[option]
    return {'action': create_action, 'user_info': user_info}


class _Tracker:
    """Counts tasks in flight (tasks may submit more tasks) so the caller can wait for all of them."""

    def __init__(self):
        self._cond = threading.Condition()
        self._count = {}

    def start(self, group):
        with self._cond:
            self._count[group] = self._count.get(group, 0) + 1

    def done(self, group):
        with self._cond:
            self._count[group] -= 1
            self._cond.notify_all()

    def wait(self, *groups):
        with self._cond:
            while any(self._count.get(group, 0) > 0 for group in groups):
                self._cond.wait(0.5)


class Outcome:
    """Per-user results of an apply; every user ends in exactly one bucket."""

    def __init__(self):
        self._lock = threading.Lock()
        self.final = {}     # key -> (bucket, payload)
        self.order = []

    def set(self, entry, bucket, **payload):
        with self._lock:
            if entry.key not in self.final:
                self.order.append(entry.key)
            item = {'email': entry.email}
            item.update(payload)
            self.final[entry.key] = (bucket, item)

    def get(self, entry):
        with self._lock:
            return self.final.get(entry.key)

    def buckets(self):
        result = dict((name, []) for name in OUTCOMES)
        with self._lock:
            for key in sorted(self.order):
                bucket, item = self.final[key]
                if bucket in ('created', 'unchanged', 'removed', 'deactivated'):
                    result[bucket].append(item['email'])
                else:
                    result[bucket].append(item)
        return result


def _message(exc):
    if isinstance(exc, ZoomError):
        return exc.msg
    return 'Unexpected error: %s: %s' % (type(exc).__name__, exc)


def _is_pending_error(exc):
    cause = getattr(exc, 'cause', exc)
    return isinstance(cause, ZoomAPIError) and cause.status == 400 and cause.code == CODE_PENDING_SETTINGS


class Applier:
    """Applies a ``SyncPlan``: removals first, then every other user, concurrently, under one rate budget."""

    def __init__(self, client, plan, snap, concurrency=DEFAULT_CONCURRENCY, wait_budget=120, sleep=time.sleep):
        self.client = client
        self.plan = plan
        self.snap = snap
        self.concurrency = max(1, int(concurrency))
        self.wait_budget = wait_budget
        self.sleep = sleep
        self.outcome = Outcome()
        self.tracker = _Tracker()
        self._batch_lock = threading.Lock()
        self._batch = []
        self._pool = None
        self._lanes = None
        self.created = []
        self.warnings = []

    # -- plumbing
    def _submit(self, group, pool, func, *args):
        self.tracker.start(group)

        def run():
            try:
                func(*args)
            finally:
                self.tracker.done(group)
        pool.submit(run)

    def _guard(self, entry, func, *args):
        try:
            func(entry, *args)
        except Exception as exc:  # pylint: disable=broad-except
            # one user's failure never stops the others; unexpected errors are reported per user too
            self._fail(entry, exc)

    def _fail(self, entry, exc, prefix=''):
        item = {'message': prefix + _message(exc)}
        done = getattr(exc, 'done', None)
        if done:
            item['done'] = list(done)
        if isinstance(exc, ZoomError) and exc.status is not None:
            item['status'] = exc.status
            if exc.code is not None:
                item['code'] = exc.code
        self.outcome.set(entry, 'failures', **item)

    def run(self):
        entries = self.plan.entries
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool, \
                ThreadPoolExecutor(max_workers=BATCH_LANES) as lanes:
            self._pool, self._lanes = pool, lanes
            for entry in entries:
                if entry.action in REMOVAL_ACTIONS:
                    self._submit('removal', pool, self._guard, entry, self._apply_removal)
            self.tracker.wait('removal')
            for entry in entries:
                if entry.action in ('unchanged', 'pending', 'skip'):
                    self._apply_entry(entry)  # nothing to send
                elif entry.action not in REMOVAL_ACTIONS:
                    self._submit('user', pool, self._guard, entry, self._apply_entry)
            self.tracker.wait('user')
            self._flush_batch()
            self.tracker.wait('user', 'batch', 'fallback')
        self._settle_pending()
        return self.outcome

    # -- removals
    def _apply_removal(self, entry):
        if entry.action == 'remove':
            remove_user(self.client, entry.state, entry.removal)
            self.outcome.set(entry, 'removed')
        else:
            apply_user(self.client, entry.state, entry.user_changes)
            self.outcome.set(entry, 'deactivated')

    # -- everything else
    def _apply_entry(self, entry):
        if entry.action == 'unchanged':
            self.outcome.set(entry, 'unchanged')
        elif entry.action == 'pending':
            self.outcome.set(entry, 'pending', reason=entry.reason, remedy=entry.remedy)
        elif entry.action == 'skip':
            self.outcome.set(entry, 'protected', reason=entry.note)
        elif entry.action == 'create':
            self._apply_create(entry)
        else:
            self._apply_update(entry)

    def _apply_create(self, entry):
        user = entry.desired
        state, confirmed = self._create(entry)
        if confirmed:
            self.warnings.append('The create of %s was settled by a lookup (its answer was lost, or Zoom already had the '
                                 'user): the user exists and the create was not sent again.' % entry.email)
        self.created.append(entry)
        entry.state = state
        if state.status == 'pending':
            reason, remedy = entry.reason, entry.remedy
            if not reason:
                reason, remedy = diagnose_pending(None, entry.email, state=state, created_now=True,
                                                  create_action=user.create_action, domains=self.snap.domains)
            self.outcome.set(entry, 'pending', reason=reason, remedy=remedy, created=True)
            return
        if confirmed:
            # the lookup shows the real user: plan against it
            follow = [c for c in plan_user(user.profile, state) if c.action != 'create']
        else:
            # POST /v2/users takes names and type only: the other profile fields follow in one PATCH
            created = dict(create_body(user.email, user.profile, user.create_action)['user_info'], **(state.user or {}))
            follow = [c for c in plan_user(user.profile, UserState(state.email, 'active', id=state.id, user=created))
                      if c.action == 'update'] + [c for c in entry.user_changes if c.action == 'deactivate']
        if follow:
            apply_user(self.client, state, follow)
        if entry.phone_mode == 'batch':
            self._queue_batch(entry)
            return
        if entry.phone_mode == 'steps':
            if not confirmed and self._left_pending(entry):
                return
            self._phone_steps(entry, entry.state.id)
            if self.outcome.get(entry) is not None:
                return
        self.outcome.set(entry, 'created')

    def _create(self, entry):
        """POST /v2/users. A lost answer or a 409 is settled with a lookup; the POST is sent again only when the lookup
        proves the first one did not land (at most ``CREATE_ATTEMPTS`` in all; Zoom refuses a second user with the same
        email anyway, code 1005, which is settled by a lookup too)."""
        user = entry.desired
        body = create_body(user.email, user.profile, user.create_action)
        attempt = 0
        while True:
            attempt += 1
            try:
                data = self.client.post('/v2/users', json=body) or {}
            except ZoomUncertainWriteError as exc:
                state = lookup_user(self.client, user.email)
                if state.exists:
                    return state, True
                if attempt < CREATE_ATTEMPTS:
                    continue
                raise ZoomError('Creating %s: Zoom\'s answer to POST /v2/users was lost %d times (%s) and a lookup found no such '
                                'user each time, so the create did not land. Run the task again.' % (user.email, attempt, exc.msg),
                                method='POST', path='/v2/users')
            except ZoomAPIError as exc:
                if exc.code == CODE_ALREADY_USED or exc.status == 409:
                    state = lookup_user(self.client, user.email)
                    if state.exists:
                        return state, True
                raise
            status = 'pending' if entry.predicted_status == 'pending' else 'active'
            return UserState(data.get('email') or user.email, status, id=data.get('id'), user=data), False

    def _apply_update(self, entry):
        state = entry.state
        if entry.user_changes:
            apply_user(self.client, state, entry.user_changes)
        if entry.phone_mode == 'batch':
            self._queue_batch(entry)
            return
        if entry.phone_mode == 'steps':
            self._phone_steps(entry, state.id)
            if self.outcome.get(entry) is not None:
                return
        self.outcome.set(entry, 'updated', fields=sorted(entry.changes, key=_field_order))

    def _claim_numbers(self, entry, user_id):
        """Numbers reserved for a user planned before it had an id now carry its id, so ``apply_phone``'s re-plan
        (after Zoom created the phone user) does not take them for someone else's."""
        inventory = entry.phone_plan.inventory if entry.phone_plan is not None else None
        if inventory is None or not user_id:
            return
        for e164 in (entry.desired.phone or {}).get('phone_numbers') or []:
            number = inventory.number(e164)
            assignee = (number or {}).get('assignee') or {}
            if assignee and not assignee.get('id') and _key(assignee.get('name')) == entry.key:
                assignee['id'] = user_id

    def _phone_steps(self, entry, user_id):
        """apply_phone for one user; a pending user is reported as pending, other errors fail the user.

        When a write's outcome is unknown (lost answer, 5xx on a POST), the phone user is read again and re-planned,
        so only what did not land is sent (at most ``PHONE_ATTEMPTS`` rounds).
        """
        self._claim_numbers(entry, user_id)
        plan = entry.phone_plan
        attempt = 0
        while True:
            attempt += 1
            try:
                apply_phone(self.client, user_id, plan, wait_budget=self.wait_budget, sleep=self.sleep)
                return
            except ZoomPhoneStepError as exc:
                if _is_pending_error(exc):
                    pending = UserState(entry.email, 'pending', id=user_id)
                    reason, remedy = diagnose_pending(None, entry.email, state=pending, created_now=entry.action == 'create',
                                                      create_action=entry.desired.create_action, domains=self.snap.domains)
                    self.outcome.set(entry, 'pending', reason=reason, remedy=remedy, created=entry.action == 'create')
                    return
                if isinstance(exc.cause, ZoomUncertainWriteError) and attempt < PHONE_ATTEMPTS:
                    plan = self._replan_phone(entry, user_id, plan)
                    if plan is not None and plan.changed:
                        continue
                    if plan is not None:
                        return
                prefix = 'created, but ' if entry.action == 'create' else ''
                self._fail(entry, exc, prefix)
                return

    def _replan_phone(self, entry, user_id, plan):
        """A fresh plan against the phone user as Zoom now shows it, or None when it cannot be made."""
        try:
            current = read_phone_user(self.client, user_id)
            if plan.state == 'absent':
                return phone_absent_plan(current, user_email=entry.email, user_id=user_id, feature_enabled=current is None,
                                         inventory=plan.inventory)
            return plan_phone(entry.desired.phone, current, plan.inventory, user_email=entry.email, user_id=user_id)
        except ZoomError:
            return None

    # -- batch add
    def _queue_batch(self, entry):
        with self._batch_lock:
            self._batch.append(entry)
            if len(self._batch) < BATCH_MAX:
                return
            chunk, self._batch = self._batch, []
        self._submit('batch', self._lanes, self._run_batch, chunk)

    def _flush_batch(self):
        with self._batch_lock:
            chunk, self._batch = self._batch, []
        if chunk:
            self._submit('batch', self._lanes, self._run_batch, chunk)

    def _run_batch(self, chunk):
        try:
            self.client.post('/v2/phone/users/batch', json={'users': [entry.batch_item for entry in chunk]})
        except ZoomUncertainWriteError:
            # did it land? the per-user path enables the feature (a no-op if the batch landed), waits for the
            # phone user and re-plans against it, so it only writes what is really missing
            for entry in chunk:
                self._submit('fallback', self._pool, self._guard, entry, self._batch_fallback)
            return
        except ZoomAPIError as exc:
            if exc.status in (400, 404, 409) and len(chunk) > 1:
                # one bad item fails the whole call: split to find it, the others still go in batches
                half = len(chunk) // 2
                self._run_batch(chunk[:half])
                self._run_batch(chunk[half:])
                return
            for entry in chunk:
                self._submit('fallback', self._pool, self._guard, entry, self._batch_fallback)
            return
        except Exception as exc:  # pylint: disable=broad-except
            for entry in chunk:
                self._fail(entry, exc, 'Zoom Phone batch add: ')
            return
        for entry in chunk:
            self._batch_done(entry)

    def _batch_done(self, entry):
        if entry.action == 'create':
            self.outcome.set(entry, 'created')
        else:
            self.outcome.set(entry, 'updated', fields=sorted(entry.changes, key=_field_order))

    def _batch_fallback(self, entry):
        """The per-user path for a user the batch could not take: pending users stop here (Zoom would accept the
        phone feature for them and never create a phone user), the others get the phone steps."""
        if entry.action == 'create' and self._left_pending(entry):
            return
        self._phone_steps(entry, entry.state.id if entry.state is not None else None)
        if self.outcome.get(entry) is None:
            self._batch_done(entry)

    def _left_pending(self, entry):
        """Look a just-created user up; report it as pending (and return True) when Zoom left it pending."""
        state = lookup_user(self.client, entry.email)
        if state.status != 'pending':
            if state.id:
                entry.state = state
            return False
        reason, remedy = diagnose_pending(None, entry.email, state=state, created_now=True,
                                          create_action=entry.desired.create_action, domains=self.snap.domains)
        self.outcome.set(entry, 'pending', reason=reason, remedy=remedy, created=True)
        return True

    # -- after the run
    def _settle_pending(self):
        """Users created this run that Zoom left pending: one read of the pending list tells which."""
        created = [entry for entry in self.created if (self.outcome.get(entry) or ('',))[0] == 'created']
        if not created:
            return
        try:
            pending = set(_key(row.get('email')) for row in self.client.paginate(
                '/v2/users', 'users', params={'status': 'pending'}, page_size=USERS_PAGE_SIZE))
        except ZoomError as exc:
            self.warnings.append('Could not read the pending users after creating users (%s); users Zoom left pending are '
                                 'reported as created. Rerun to see them as pending.' % exc.msg)
            return
        for entry in created:
            if entry.key in pending:
                reason, remedy = diagnose_pending(None, entry.email, state=UserState(entry.email, 'pending'), created_now=True,
                                                  create_action=entry.desired.create_action, domains=self.snap.domains)
                self.outcome.set(entry, 'pending', reason=reason, remedy=remedy, created=True)


def apply_plan(client, plan, snap, concurrency=DEFAULT_CONCURRENCY, wait_budget=120, sleep=time.sleep):
    """Apply ``plan``; return ``(buckets, warnings)``. Never raises for one user's failure."""
    applier = Applier(client, plan, snap, concurrency=concurrency, wait_budget=wait_budget, sleep=sleep)
    outcome = applier.run()
    return outcome.buckets(), applier.warnings


def predicted_buckets(plan):
    """Check mode: the buckets an apply of ``plan`` would fill."""
    result = dict((name, []) for name in OUTCOMES)
    for entry in plan.entries:
        if entry.action == 'create':
            if entry.predicted_status == 'pending':
                result['pending'].append({'email': entry.email, 'reason': entry.reason, 'remedy': entry.remedy,
                                          'created': True})
            else:
                result['created'].append(entry.email)
        elif entry.action == 'update':
            result['updated'].append({'email': entry.email, 'fields': sorted(entry.changes, key=_field_order)})
        elif entry.action == 'unchanged':
            result['unchanged'].append(entry.email)
        elif entry.action == 'pending':
            result['pending'].append({'email': entry.email, 'reason': entry.reason, 'remedy': entry.remedy})
        elif entry.action == 'skip':
            result['protected'].append({'email': entry.email, 'reason': entry.note})
        elif entry.action == 'remove':
            result['removed'].append(entry.email)
        elif entry.action == 'deactivate':
            result['deactivated'].append(entry.email)
    for name in ('created', 'unchanged', 'removed', 'deactivated'):
        result[name].sort(key=_key)
    for name in ('updated', 'pending', 'protected'):
        result[name].sort(key=lambda item: _key(item['email']))
    return result


# ---------------------------------------------------------------------------
# Export (zoom_user_info): the account as the ``users`` option of zoom_user_sync
# ---------------------------------------------------------------------------

def export_user(row, phone_row=None, inventory=None):
    """One account user as a ``users`` entry of zoom_user_sync (only fields the sync module takes)."""
    item = {'email': row.get('email')}
    first = row.get('first_name') or ''
    last = row.get('last_name') or ''
    if first:
        item['first_name'] = first
    if last:
        item['last_name'] = last
    display = row.get('display_name') or ''
    if display and display != ' '.join(part for part in (first.strip(), last.strip()) if part):
        item['display_name'] = display
    name = type_name(row.get('type')) if row.get('type') is not None else None
    if name in ('basic', 'licensed'):
        item['type'] = name
    for option in ('dept', 'job_title'):
        if row.get(option):
            item[option] = row[option]
    if row.get('status') == 'inactive':
        item['active'] = False
    if phone_row is not None:
        summary = summarize_phone_user(phone_row, inventory)
        phone = {}
        if summary.get('site'):
            phone['site'] = summary['site']
        if summary.get('extension_number') is not None:
            phone['extension_number'] = str(summary['extension_number'])
        phone['calling_plans'] = list(summary.get('calling_plans') or [])
        phone['phone_numbers'] = list(summary.get('phone_numbers') or [])
        item['phone'] = phone
    return item


def export_users(snap, domains=None, emails=None, statuses=USER_STATUSES):
    """The account's users as a list of ``users`` entries, sorted by email."""
    domains = set(_key(d).lstrip('@') for d in domains or [])
    wanted = set(_key(e) for e in emails or [])
    result = []
    for key, row in sorted(snap.all_rows()):
        if (row.get('status') or 'active') not in statuses:
            continue
        if domains and key.rsplit('@', 1)[-1] not in domains:
            continue
        if wanted and key not in wanted:
            continue
        result.append(export_user(row, snap.phone_rows.get(key), snap.inventory))
    return result


def validate_options(params):
    """Module-level option checks (raise ZoomConfigError)."""
    if params.get('concurrency') is not None and not 1 <= params['concurrency'] <= 64:
        raise ZoomConfigError('concurrency must be between 1 and 64, got %s.' % params['concurrency'])
    share = params.get('rate_limit_share')
    if share is not None and not 0 < share <= 1:
        raise ZoomConfigError('rate_limit_share must be greater than 0 and at most 1, got %s.' % share)
    if params.get('max_removals') is not None and params['max_removals'] < 0:
        raise ZoomConfigError('max_removals must be 0 or more, got %s.' % params['max_removals'])
    if params.get('max_removal_percent') is not None and not 0 <= params['max_removal_percent'] <= 100:
        raise ZoomConfigError('max_removal_percent must be between 0 and 100, got %s.' % params['max_removal_percent'])
    scope = params.get('scope') or {}
    if params.get('unlisted', 'ignore') != 'ignore' and not (scope.get('domains') or scope.get('emails')):
        raise ZoomConfigError('unlisted=%s needs a scope (scope.domains or scope.emails): without it the module cannot tell '
                              'which Zoom users the list manages.' % params['unlisted'])
