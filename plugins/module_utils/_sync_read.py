# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_user_sync bulk read: the account as its list endpoints show it (``Snapshot``), read in parallel with the
largest page sizes, plus the few extra reads a plan needs (``prefetch``), instead of one lookup per user.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import (
    PhoneInventory,
    load_inventory,
    read_phone_feature,
    read_phone_user,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone_inventory import PHONE_PAGE_SIZE, held_numbers, list_phone_users
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_input import TEXT_FIELDS, email_key
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    PROFILE_FIELDS,
    UserState,
    account_domains,
    lookup_user,
    managed_domains,
)

USERS_PAGE_SIZE = 300          # GET /v2/users: the guide's maximum (the spec says 2000; Zoom serves 300)
MAX_FEATURE_READS = 50         # users without a phone user whose phone feature is read before planning
SPLIT_PAGES = 4                # list phone users site by site when the unfiltered chain is longer than this
NUMBER_LOOKUPS = 20            # up to this many wanted numbers are looked up one by one, more list the account's numbers
REST_FIELD = dict(PROFILE_FIELDS)  # option name -> field of the REST user (department -> dept)
USER_STATUSES = ('active', 'inactive', 'pending')


class Snapshot:
    """The account as the list endpoints show it."""

    def __init__(self):
        self.users = {}          # casefolded email -> REST list row (active and inactive; 'status' set)
        self.pending = {}        # casefolded email -> pending row (no id)
        self.phone_rows = {}     # casefolded email -> GET /v2/phone/users row
        self.phone_feature = {}  # casefolded email -> bool (read only for users without a phone row)
        self.inventory = None    # PhoneInventory (plans, sites, phone users; numbers when loaded)
        self.plans_loaded = False
        self.domains = None      # associated (verified) domains: ssoCreate pre-provisions these (None: unknown)
        self.domains_loaded = False
        self.managed_domains = None  # every domain the account lists: Zoom refuses to disassociate their users (1107)
        self.phone_loaded = False
        self._states = {}

    def state(self, email):
        """``UserState`` of ``email`` from the lists (``absent`` when no list shows it)."""
        key = email_key(email)
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


def list_users(client, status):
    """The users of one status (GET /v2/users, 300 a page)."""
    return list(client.paginate('/v2/users', 'users', params={'status': status}, page_size=USERS_PAGE_SIZE))


def read_account(client, executor, phone=True, statuses=USER_STATUSES, split_by_site=True):
    """Read users (every status in ``statuses``) and, with ``phone``, sites and phone users.

    Every list is paginated in parallel on ``executor`` with its largest page size. The first page of the phone
    users tells how many there are; when the chain of pages would be long (``SPLIT_PAGES``) the rest is listed
    site by site (``site_id`` filter, one pagination per site, in parallel), which cuts the chain of dependent
    round trips of a large account. Rows are de-duplicated by id (Zoom repeats rows across pages). Calling plans
    and numbers are read later, only when the plan needs them (``prefetch``). Returns a ``Snapshot``.
    """
    futures = dict(('users:' + status, executor.submit(list_users, client, status)) for status in statuses)
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
                futures['phone:' + site_id] = executor.submit(list_phone_users, client, site_id)
        elif token:
            futures['phone:rest'] = executor.submit(lambda: list(client.paginate(
                '/v2/phone/users', 'users', page_size=PHONE_PAGE_SIZE, start_token=token)))
    results = dict((name, future.result()) for name, future in futures.items())
    for status in statuses:
        for row in results['users:' + status]:
            if not isinstance(row, dict) or not row.get('email'):
                continue
            row = dict(row)
            row.setdefault('status', status)
            key = email_key(row['email'])
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
            snap.phone_rows[email_key(row['email'])] = row
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
    """The calling plans with their seats (``_phone.load_inventory``), replacing the ones seen on users."""
    loaded = load_inventory(client, calling_plans=True, numbers=False, sites=False)
    inventory = snap.inventory
    inventory.calling_plans = []
    inventory.plans_by_type = {}
    inventory.plans_by_name = {}
    for item in loaded.calling_plans:
        inventory.add_plan(item)
    inventory.loaded['calling_plans'] = True
    snap.plans_loaded = True


def load_numbers(client, snap, wanted):
    """The account's items of the ``wanted`` numbers that no phone user row showed (``_phone.load_inventory``: looked
    up one by one, or the account's whole list when there are many), with their assignee."""
    wanted = [number for number in wanted if snap.inventory.number(number) is None]
    if not wanted:
        return
    loaded = load_inventory(client, calling_plans=False, numbers=wanted if len(wanted) <= NUMBER_LOOKUPS else True,
                            sites=False)
    for item in loaded.numbers:
        if item.get('number') and snap.inventory.number(item['number']) is None:
            snap.inventory.add_number(item)
    snap.inventory.loaded['numbers'] = True


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


def prefetch(client, executor, snap, desired, scope, unlisted='ignore', removal_action='disassociate'):
    """The reads the plan needs beyond the lists, and only when it needs them.

    * the account's domains (one call, GET /v2/accounts/me/managed_domains) when a user will be created with
      ssoCreate or is pending (is the domain associated?), or when unlisted users are disassociated (Zoom refuses
      that for users of a managed domain, code 1107);
    * calling plans with their seats (one call) when a plan is added to someone;
    * the listed numbers that are not already on a phone user (their owner, if any);
    * for active users who should have a phone but are in no phone list (up to ``MAX_FEATURE_READS`` of them): the
      phone feature (GET /v2/users/{id}/settings) and, when it is on, the phone user itself (Zoom may still be
      creating it).
    """
    need_domains = unlisted == 'remove' and removal_action == 'disassociate'
    need_plans = False
    numbers = []
    missing = []
    details = []
    for user in desired:
        state = snap.state(user.email)
        if state.status in ('active', 'inactive') and any(
                user.profile.get(name) is not None and REST_FIELD.get(name, name) not in (state.user or {})
                for name in TEXT_FIELDS):
            details.append(user.key)
        if (state.status == 'absent' and user.create_action == 'ssoCreate') or state.status == 'pending':
            need_domains = True
        if user.phone is None or user.phone_state != 'present':
            continue
        row = snap.phone_rows.get(user.key)
        have = held_numbers(row)
        numbers.extend(number for number in user.phone.get('phone_numbers') or [] if number not in have)
        if _plan_needed(user.phone, row, snap.inventory):
            need_plans = True
        if row is None and state.status == 'active' and state.id and scope.protected_reason(user.email, state) is None:
            missing.append((user.key, state.id))
    jobs = {}
    if need_domains and not snap.domains_loaded:
        # one read serves both: _users caches the account's domain list on the client
        jobs['domains'] = lambda: (account_domains(client), managed_domains(client))
    if need_plans and not snap.plans_loaded:
        jobs['plans'] = lambda: load_plans(client, snap)
    if numbers:
        jobs['numbers'] = lambda: load_numbers(client, snap, numbers)
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
        snap.domains, snap.managed_domains = results['domains']
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
