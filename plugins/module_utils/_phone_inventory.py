# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The Zoom Phone inventory of an account: calling plans with seats, numbers, sites, extension owners.

``load_inventory`` reads only what a plan needs (``inventory_needs``): the wanted numbers are looked up one
by one (``GET /v2/phone/numbers?phone_number=...``, docs/ZOOM-API-FACTS.md §5.5) instead of paging through
every number of the account, and extension owners are searched by keyword. ``_phone`` re-exports the names.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import re

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomAPIError

# str.isdigit() accepts '²' and other Unicode digits that int() refuses: user text must be ASCII digits.
ASCII_DIGITS_RE = re.compile(r'[0-9]+\Z')


def _fold(text):
    return ' '.join(str(text).split()).casefold()


def site_id_of(phone_user):
    """The site id of a phone user as read (``site_id``, or ``site.id`` as the list answers give it)."""
    return phone_user.get('site_id') or (phone_user.get('site') or {}).get('id')


def held_numbers(phone_user):
    """The numbers a phone user (as read) holds."""
    return set(n.get('number') for n in (phone_user or {}).get('phone_numbers') or [])


def _as_int(value):
    """An int from an int or a string of ASCII digits; None for anything else (never raises)."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if value is None:
        return None
    text = str(value).strip()
    if ASCII_DIGITS_RE.match(text):
        return int(text)
    return None


class PhoneInventory:
    """What the account has: calling plans and seats, numbers, sites, extension owners.

    Built from the list endpoints (``load_inventory``) or from plain lists in
    tests. Lookups are case-insensitive for names. ``extension_owners`` only
    knows the extensions that were loaded (``extensions_loaded`` is the set of
    extensions looked up, or ``True`` when every phone user was listed).
    """

    def __init__(self, calling_plans=None, numbers=None, sites=None, phone_users=None, extensions_loaded=None):
        self.calling_plans = []
        self.plans_by_type = {}
        self.plans_by_name = {}
        for item in calling_plans or []:
            self.add_plan(item)
        self.numbers = []
        self.numbers_by_e164 = {}
        self.numbers_by_id = {}
        for item in numbers or []:
            self.add_number(item)
        self.sites = []
        self.sites_by_id = {}
        self.sites_by_name = {}
        for item in sites or []:
            self.add_site(item)
        self.extension_owners = {}
        for item in phone_users or []:
            self.add_phone_user(item)
        if extensions_loaded is None:
            extensions_loaded = True if phone_users is not None else set()
        self.extensions_loaded = extensions_loaded
        self.loaded = {'calling_plans': calling_plans is not None, 'numbers': numbers is not None, 'sites': sites is not None}

    # -- building
    def add_plan(self, item):
        plan = dict(item)
        plan_type = _as_int(plan.get('type'))
        if plan_type is None:
            return
        plan['type'] = plan_type
        self.calling_plans.append(plan)
        self.plans_by_type.setdefault(plan_type, plan)
        if plan.get('name'):
            self.plans_by_name.setdefault(_fold(plan['name']), plan)

    def add_number(self, item):
        number = dict(item)
        self.numbers.append(number)
        if number.get('number'):
            self.numbers_by_e164[number['number']] = number
        if number.get('id'):
            self.numbers_by_id[number['id']] = number

    def add_site(self, item):
        site = dict(item)
        self.sites.append(site)
        if site.get('id'):
            self.sites_by_id[site['id']] = site
        if site.get('name'):
            self.sites_by_name.setdefault(_fold(site['name']), site)

    def add_phone_user(self, item):
        ext = _as_int(item.get('extension_number'))
        if ext is not None:
            self.extension_owners[ext] = {
                'id': item.get('id'), 'email': item.get('email'), 'name': item.get('name'),
                'phone_user_id': item.get('phone_user_id'),
            }

    # -- lookups
    def resolve_plan(self, ref):
        """A calling plan by type code (``200``, ``"200"``) or name (case-insensitive); None if unknown."""
        code = _as_int(ref)
        if code is not None:
            return self.plans_by_type.get(code)
        return self.plans_by_name.get(_fold(ref))

    def plan_name(self, plan_type):
        plan = self.plans_by_type.get(_as_int(plan_type))
        return plan.get('name') if plan and plan.get('name') else str(plan_type)

    def resolve_site(self, ref):
        """A site by id or name (case-insensitive); None if unknown."""
        if ref is None:
            return None
        ref = str(ref).strip()
        return self.sites_by_id.get(ref) or self.sites_by_name.get(_fold(ref))

    def site_name(self, site_id):
        site = self.sites_by_id.get(site_id)
        return site.get('name') if site and site.get('name') else site_id

    def default_site(self):
        """The site Zoom puts a new phone user in, when it can be told: the main site or the only site."""
        mains = [s for s in self.sites if s.get('level') == 'main' or s.get('main') is True]
        if len(mains) == 1:
            return mains[0]
        if len(self.sites) == 1:
            return self.sites[0]
        return None

    def number(self, e164):
        return self.numbers_by_e164.get(e164)

    def extension_known(self, ext):
        return self.extensions_loaded is True or ext in (self.extensions_loaded or ())

    def extension_owner(self, ext):
        return self.extension_owners.get(_as_int(ext))

    # -- bookkeeping for bulk planning (zoom_user_sync plans many users against one inventory)
    def reserve(self, plan):
        """Account for ``plan`` as if applied: seats, number assignees, extension owners."""
        owner = {'id': plan.user_id, 'email': plan.email, 'name': plan.email}
        for step in plan.steps:
            if step.kind in ('add_plan', 'switch_plan'):
                target = self.plans_by_type.get(step.args['type'] if step.kind == 'add_plan' else step.args['target_type'])
                if target is not None and target.get('available') is not None:
                    target['available'] -= 1
                    target['assigned'] = (target.get('assigned') or 0) + 1
            if step.kind in ('remove_plan', 'switch_plan'):
                source = self.plans_by_type.get(step.args['type'] if step.kind == 'remove_plan' else step.args['source_type'])
                if source is not None and source.get('available') is not None:
                    source['available'] += 1
                    source['assigned'] = max(0, (source.get('assigned') or 0) - 1)
            if step.kind == 'add_number':
                for item in step.args['numbers']:
                    number = self.numbers_by_e164.get(item['number'])
                    if number is not None:
                        number['assignee'] = {'id': plan.user_id, 'name': plan.email, 'type': 'user'}
            if step.kind == 'remove_number':
                number = self.numbers_by_e164.get(step.args['number'])
                if number is not None:
                    number['assignee'] = None
            if step.kind == 'set_extension':
                self.extension_owners[step.args['extension_number']] = owner


def find_numbers(client, wanted):
    """The account's number items for the E.164 numbers in ``wanted`` (unknown numbers are left out).

    One ``GET /v2/phone/numbers?phone_number=<E.164>`` per number (the documented filter, docs/ZOOM-API-FACTS.md
    §5.5), so the cost follows the numbers a user wants, not the size of the account. If an answer shows the
    filter was not applied (other numbers in it) or the filter is refused (400), the whole list is read once.
    """
    wanted = list(dict.fromkeys(wanted))
    found = {}
    for e164 in wanted:
        try:
            data = client.get('/v2/phone/numbers', params={'type': 'all', 'phone_number': e164}) or {}
        except ZoomAPIError as exc:
            if exc.status != 400:
                raise
            return _numbers_by_listing(client, wanted)
        items = [item for item in data.get('phone_numbers') or [] if isinstance(item, dict)]
        if any(item.get('number') != e164 for item in items):
            return _numbers_by_listing(client, wanted)
        for item in items:
            found[e164] = item
    return [found[e164] for e164 in wanted if e164 in found]


# the maximum page size of GET /v2/phone/users and /v2/phone/numbers (docs/ZOOM-API-FACTS.md §5.5, §5.6)
PHONE_PAGE_SIZE = 100


def list_numbers(client):
    """Every phone number of the account (assigned or not), de-duplicated by id."""
    return list(client.paginate('/v2/phone/numbers', 'phone_numbers', params={'type': 'all'}, page_size=PHONE_PAGE_SIZE,
                                dedupe_key='id'))


def list_phone_users(client, site_id=None, keyword=None):
    """The phone users of the account (or of one site, or matching ``keyword``), de-duplicated by id: Zoom repeats
    rows across pages (§5.6)."""
    params = dict((name, value) for name, value in (('site_id', site_id), ('keyword', keyword)) if value)
    return list(client.paginate('/v2/phone/users', 'users', params=params or None, page_size=PHONE_PAGE_SIZE,
                                dedupe_key='id'))


def _numbers_by_listing(client, wanted):
    found = {}
    for item in list_numbers(client):
        if item.get('number') in wanted:
            found[item['number']] = item
    return [found[e164] for e164 in wanted if e164 in found]


def load_inventory(client, calling_plans=True, numbers=True, sites=True, extensions=None, all_phone_users=False):
    """Read the account's phone inventory from the list endpoints.

    ``numbers``: True lists every number of the account, a list of E.164
    numbers looks up only those (``find_numbers``), False reads none;
    ``extensions``: extension numbers whose owner should be looked up (one
    ``GET /v2/phone/users?keyword=N`` each, filtered to an exact match);
    ``all_phone_users``: list every phone user instead (bulk planning).
    """
    plans = None
    if calling_plans:
        data = client.get('/v2/phone/calling_plans') or {}
        plans = data.get('calling_plans') or []
    number_list = None
    if numbers is True:
        number_list = list_numbers(client)
    elif numbers:
        number_list = find_numbers(client, numbers)
    site_list = None
    if sites:
        site_list = list(client.paginate('/v2/phone/sites', 'sites', page_size=100, dedupe_key='id'))
    phone_users = None
    loaded = set()
    if all_phone_users:
        phone_users = list_phone_users(client)
        loaded = True
    inventory = PhoneInventory(plans, number_list, site_list, phone_users, extensions_loaded=loaded)
    if not all_phone_users:
        for ext in extensions or ():
            ext = _as_int(ext)
            if ext is None or inventory.extension_known(ext):
                continue
            for item in list_phone_users(client, keyword=str(ext)):
                if _as_int(item.get('extension_number')) == ext:
                    inventory.add_phone_user(item)
            inventory.extensions_loaded.add(ext)
    return inventory


def inventory_needs(desired, current):
    """Which parts of the inventory ``plan_phone`` needs for ``desired`` (keeps reruns to a few reads).

    Returns kwargs for ``load_inventory``: ``numbers`` is the list of wanted numbers the phone user does not
    hold yet (looked up one by one), or False.
    """
    desired = desired or {}
    numbers = False
    if desired.get('phone_numbers'):
        have = held_numbers(current)
        numbers = [n for n in desired['phone_numbers'] if n not in have] or False
    extensions = []
    ext = desired.get('extension_number')
    if isinstance(ext, int) and (current is None or _as_int(current.get('extension_number')) != ext):
        extensions.append(ext)
    return {
        'calling_plans': desired.get('calling_plans') is not None,
        'numbers': numbers,
        'sites': True,
        'extensions': extensions,
    }
