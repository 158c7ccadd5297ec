# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Zoom Phone user setup: read, plan (pure), apply in Zoom's order.

Zoom's order (BEHAVIOUR.md 5.8): the Zoom user must be **active**; then the
phone feature is enabled (``feature.zoom_phone``); Zoom then creates the
phone user **asynchronously** (``GET /v2/phone/users/{id}`` answers 404 code
1001 for a while); only then can site, extension, calling plans and numbers
be set. Removal goes the other way: numbers, plans, then the feature.

Layers (reused by the bulk module ``zoom_user_sync``):

* ``load_inventory(client)`` -> ``PhoneInventory``: calling plans with seats,
  the account's numbers with their assignee, sites, extension owners;
* ``read_phone_user`` / ``read_phone_feature`` / ``wait_for_phone_user``;
* ``normalize_desired`` (input checks) and ``plan_phone`` /
  ``phone_absent_plan`` (pure: no I/O) -> ``PhonePlan`` with ordered steps
  and a before/after summary; ``plan_phone`` raises ``ZoomPlanError`` listing
  **every** conflict at once, before anything is written;
* ``apply_phone(client, user, plan, wait_budget)`` runs the steps.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import re
import time

from ansible_collections.zoomops.provisioning.plugins.module_utils._client import quote_path
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    ZoomAPIError,
    ZoomError,
    ZoomPlanError,
)


E164_RE = re.compile(r'^\+[1-9][0-9]{1,14}$')
EXTENSION_AUTO = 'auto'
EXTENSION_BY_ZOOM = '(assigned by Zoom)'
SITE_BY_ZOOM = '(default site, chosen by Zoom)'
MAX_NUMBERS_PER_CALL = 10

# wait_for_phone_user: exponential backoff 1 s, 2 s, 4 s, 8 s, 10 s, 10 s ...
WAIT_INITIAL = 1.0
WAIT_CAP = 10.0
# consecutive successful reads required before the phone user counts as there.
# FOLIO (terraform-provider-zoom) requires 5 reads 5 s apart because reads can
# flip back to 404 right after Zoom creates the phone user (BEHAVIOUR.md 5.8);
# two reads one second apart catch that flip at a fraction of the cost.
WAIT_CONSECUTIVE = 2
WAIT_CONFIRM_DELAY = 1.0
DEFAULT_WAIT_BUDGET = 120

CODE_NO_PHONE_LICENCE = 1102
CODE_PENDING_SETTINGS = 1000
CODE_ACCOUNT_NOT_FOUND = 2001

STEP_ORDER = ('enable_feature', 'wait_phone_user', 'set_site', 'set_extension', 'switch_plan', 'add_plan',
              'remove_plan', 'remove_number', 'add_number', 'disable_feature')


class ZoomPhoneNotReadyError(ZoomError):
    """The phone feature is on but Zoom did not create the phone user within the wait budget.

    ``done`` lists the steps applied before the wait (``apply_phone`` fills it in), ``changed`` whether one wrote.
    """

    def __init__(self, msg, waited=None, attempts=None):
        super(ZoomPhoneNotReadyError, self).__init__(msg)
        self.waited = waited
        self.attempts = attempts
        self.done = []
        self.changed = False

    def to_dict(self):
        result = super(ZoomPhoneNotReadyError, self).to_dict()
        result['waited'] = self.waited
        result['attempts'] = self.attempts
        result['actions_done'] = list(self.done)
        return result


class ZoomPhoneStepError(ZoomError):
    """A write step failed; ``done`` lists the steps that were applied before it."""

    def __init__(self, msg, cause, step, done, changed=False):
        super(ZoomPhoneStepError, self).__init__(
            msg, status=getattr(cause, 'status', None), code=getattr(cause, 'code', None),
            zoom_message=getattr(cause, 'zoom_message', None), errors=getattr(cause, 'errors', None),
            method=getattr(cause, 'method', None), path=getattr(cause, 'path', None))
        self.cause = cause
        self.step = step
        self.done = list(done)
        self.changed = changed

    def to_dict(self):
        result = super(ZoomPhoneStepError, self).to_dict()
        result['failed_step'] = self.step
        result['actions_done'] = list(self.done)
        return result


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------

def _fold(text):
    return ' '.join(str(text).split()).casefold()


def _as_int(value):
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    text = str(value).strip()
    if text.isdigit():
        return int(text)
    return None


def _list_names(items, limit=12):
    items = list(items)
    text = ', '.join(items[:limit])
    if len(items) > limit:
        text += ', ... (%d in all)' % len(items)
    return text or '(none)'


def problem(field, value, msg):
    """One planner problem: a dict with the option name, the value and a message naming the fix."""
    return {'field': field, 'value': value, 'msg': msg}


def valid_e164(number):
    return isinstance(number, str) and bool(E164_RE.match(number))


# ---------------------------------------------------------------------------
# Inventory
# ---------------------------------------------------------------------------

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


def load_inventory(client, calling_plans=True, numbers=True, sites=True, extensions=None, all_phone_users=False):
    """Read the account's phone inventory from the list endpoints.

    ``extensions``: extension numbers whose owner should be looked up (one
    ``GET /v2/phone/users?keyword=N`` each, filtered to an exact match);
    ``all_phone_users``: list every phone user instead (bulk planning).
    """
    plans = None
    if calling_plans:
        data = client.get('/v2/phone/calling_plans') or {}
        plans = data.get('calling_plans') or []
    number_list = None
    if numbers:
        number_list = list(client.paginate('/v2/phone/numbers', 'phone_numbers', params={'type': 'all'},
                                           page_size=100, dedupe_key='id'))
    site_list = None
    if sites:
        site_list = list(client.paginate('/v2/phone/sites', 'sites', page_size=100, dedupe_key='id'))
    phone_users = None
    loaded = set()
    if all_phone_users:
        phone_users = list(client.paginate('/v2/phone/users', 'users', page_size=100, dedupe_key='id'))
        loaded = True
    inventory = PhoneInventory(plans, number_list, site_list, phone_users, extensions_loaded=loaded)
    if not all_phone_users:
        for ext in extensions or ():
            ext = _as_int(ext)
            if ext is None or inventory.extension_known(ext):
                continue
            for item in client.paginate('/v2/phone/users', 'users', params={'keyword': str(ext)}, page_size=100,
                                        dedupe_key='id'):
                if _as_int(item.get('extension_number')) == ext:
                    inventory.add_phone_user(item)
            inventory.extensions_loaded.add(ext)
    return inventory


def inventory_needs(desired, current):
    """Which parts of the inventory ``plan_phone`` needs for ``desired`` (keeps reruns to a few reads).

    Returns kwargs for ``load_inventory``.
    """
    desired = desired or {}
    numbers = False
    if desired.get('phone_numbers'):
        have = set(n.get('number') for n in (current or {}).get('phone_numbers') or [])
        numbers = any(n not in have for n in desired['phone_numbers'])
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


# ---------------------------------------------------------------------------
# Reads
# ---------------------------------------------------------------------------

def read_phone_user(client, user_id_or_email):
    """``GET /v2/phone/users/{id}``: the phone user as Zoom shows it, or None while there is none (404/1001)."""
    try:
        return client.get('/v2/phone/users/%s' % quote_path(user_id_or_email))
    except ZoomAPIError as exc:
        if exc.status == 404 and exc.code not in (CODE_ACCOUNT_NOT_FOUND, 2300):
            return None
        raise


def read_phone_feature(client, user_id_or_email):
    """Whether the Zoom user has the phone feature on (``GET /v2/users/{id}/settings`` ``feature.zoom_phone``)."""
    data = client.get('/v2/users/%s/settings' % quote_path(user_id_or_email)) or {}
    return bool((data.get('feature') or {}).get('zoom_phone'))


def wait_for_phone_user(client, user_id, budget_seconds, sleep=time.sleep, clock=time.monotonic,
                        consecutive=WAIT_CONSECUTIVE):
    """Poll until Zoom has created the phone user; return it.

    Exponential backoff (1 s, 2 s, 4 s ... capped at 10 s), never past the
    budget. The phone user counts as there after ``consecutive`` successful
    reads in a row (a read that flips back to 404 restarts the count; FOLIO
    requires 5, two are enough to catch the flip, see WAIT_CONSECUTIVE). If the
    budget runs out right after a successful read, that read is accepted.
    Raises ``ZoomPhoneNotReadyError`` when the budget is used up.
    """
    started = clock()
    deadline = started + max(0.0, float(budget_seconds))
    delay = WAIT_INITIAL
    successes = 0
    attempts = 0
    while True:
        phone = read_phone_user(client, user_id)
        attempts += 1
        if phone is not None:
            successes += 1
            if successes >= consecutive:
                return phone
        else:
            successes = 0
        remaining = deadline - clock()
        if remaining <= 0:
            if phone is not None:
                return phone
            waited = clock() - started
            raise ZoomPhoneNotReadyError(
                'The phone feature of %s is on, but Zoom had not created the phone user after %.0f s (%d reads; Zoom '
                'creates it asynchronously). Nothing else was changed. Rerun later: the rerun waits again and then '
                'converges, or raise wait_timeout.' % (user_id, waited, attempts),
                waited=round(waited, 1), attempts=attempts)
        pause = min(WAIT_CONFIRM_DELAY, delay) if phone is not None else delay
        sleep(min(pause, remaining))
        if phone is None:
            delay = min(delay * 2, WAIT_CAP)


# ---------------------------------------------------------------------------
# Desired state
# ---------------------------------------------------------------------------

def normalize_desired(site=None, extension_number=None, calling_plans=None, phone_numbers=None):
    """Check and normalise the desired phone setup; return ``(desired, problems)``.

    ``extension_number``: int, digit string or ``auto``; ``calling_plans``:
    names or type codes; ``phone_numbers``: E.164. ``None`` means "not
    managed". Duplicates and malformed values become problems naming the
    option and the fix.
    """
    problems = []
    desired = {}
    if site is not None:
        site = str(site).strip()
        if not site:
            problems.append(problem('site', site, 'site: empty value; give a site name or id (see zoom_phone_info gather=sites) or leave it out.'))
        desired['site'] = site
    if extension_number is not None:
        text = str(extension_number).strip()
        if text.casefold() == EXTENSION_AUTO:
            desired['extension_number'] = EXTENSION_AUTO
        elif _as_int(text) is not None and _as_int(text) > 0:
            desired['extension_number'] = _as_int(text)
        else:
            problems.append(problem('extension_number', extension_number,
                                    "extension_number: %r is not an extension; give digits (the full number, site code + short "
                                    "extension, e.g. 1005) or 'auto' to let Zoom pick one." % (extension_number,)))
    if calling_plans is not None:
        refs = []
        seen = {}
        for ref in calling_plans:
            if ref is None or not str(ref).strip():
                problems.append(problem('calling_plans', ref, 'calling_plans: empty entry; give a plan name such as "US/CA Unlimited '
                                        'Calling Plan" or a type code such as 200.'))
                continue
            ref = _as_int(ref) if _as_int(ref) is not None else str(ref).strip()
            key = ref if isinstance(ref, int) else _fold(ref)
            if key in seen:
                problems.append(problem('calling_plans', ref, 'calling_plans: %r is listed twice; list each plan once.' % (ref,)))
                continue
            seen[key] = True
            refs.append(ref)
        desired['calling_plans'] = refs
    if phone_numbers is not None:
        numbers = []
        for number in phone_numbers:
            text = str(number).strip() if number is not None else ''
            if not valid_e164(text):
                problems.append(problem('phone_numbers', number,
                                        'phone_numbers: %r is not an E.164 number; write it as + country code and digits without '
                                        'spaces or dashes, e.g. +14155550100.' % (number,)))
                continue
            if text in numbers:
                problems.append(problem('phone_numbers', text, 'phone_numbers: %s is listed twice; list each number once.' % text))
                continue
            numbers.append(text)
        desired['phone_numbers'] = numbers
    return desired, problems


# ---------------------------------------------------------------------------
# Plans
# ---------------------------------------------------------------------------

class PhoneStep:
    """One step of a phone plan. ``write`` is False for the wait step."""

    def __init__(self, kind, args=None, description=None):
        self.kind = kind
        self.args = dict(args or {})
        self.description = description or kind
        self.write = kind != 'wait_phone_user'

    def __repr__(self):
        return 'PhoneStep(%r, %r)' % (self.kind, self.args)

    def __eq__(self, other):
        return isinstance(other, PhoneStep) and (self.kind, self.args) == (other.kind, other.args)

    def __ne__(self, other):
        return not self == other

    def __hash__(self):
        return hash(self.kind)

    def to_dict(self):
        return {'action': self.kind, 'args': dict(self.args), 'description': self.description}


class PhonePlan:
    """Ordered steps plus the before/after summaries.

    ``desired`` and ``inventory`` are kept so ``apply_phone`` can re-plan
    against the real phone user once Zoom has created it.
    """

    def __init__(self, user_id, email, steps, before, after, desired=None, inventory=None, state='present'):
        self.user_id = user_id
        self.email = email
        self.steps = list(steps)
        self.before = before
        self.after = after
        self.desired = desired
        self.inventory = inventory
        self.state = state

    @property
    def changed(self):
        return any(step.write for step in self.steps)

    @property
    def actions(self):
        return [step.description for step in self.steps]

    @property
    def diff(self):
        return {'before': copy.deepcopy(self.before), 'after': copy.deepcopy(self.after)}

    @property
    def seat_usage(self):
        """Seats this plan takes (+1) or frees (-1) per calling plan type."""
        usage = {}
        for step in self.steps:
            if step.kind == 'add_plan':
                usage[step.args['type']] = usage.get(step.args['type'], 0) + 1
            elif step.kind == 'remove_plan':
                usage[step.args['type']] = usage.get(step.args['type'], 0) - 1
            elif step.kind == 'switch_plan':
                usage[step.args['target_type']] = usage.get(step.args['target_type'], 0) + 1
                usage[step.args['source_type']] = usage.get(step.args['source_type'], 0) - 1
        return usage


def empty_summary():
    return {'zoom_phone': False, 'site': None, 'extension_number': None, 'calling_plans': [], 'phone_numbers': []}


def summarize_phone_user(phone_user, inventory=None):
    """The four managed aspects of a phone user as shown in diffs: site name, extension, plan names, numbers."""
    if phone_user is None:
        return empty_summary()
    names = []
    for plan in phone_user.get('calling_plans') or []:
        name = plan.get('name')
        if not name:
            name = inventory.plan_name(plan.get('type')) if inventory is not None else str(plan.get('type'))
        names.append(name)
    site_id = phone_user.get('site_id') or (phone_user.get('site') or {}).get('id')
    site = (phone_user.get('site') or {}).get('name')
    if not site:
        site = inventory.site_name(site_id) if inventory is not None and site_id else site_id
    return {
        'zoom_phone': True,
        'site': site,
        'extension_number': _as_int(phone_user.get('extension_number')),
        'calling_plans': sorted(names, key=_fold),
        'phone_numbers': sorted(n.get('number') for n in phone_user.get('phone_numbers') or [] if n.get('number')),
    }


def _owner_text(owner):
    who = owner.get('email') or owner.get('name') or owner.get('id') or 'another extension'
    if owner.get('name') and owner.get('email') and owner['name'] != owner['email']:
        who = '%s (%s)' % (owner['email'], owner['name'])
    return who


def _is_self(owner, own_ids, email):
    if own_ids & set(x for x in (owner.get('id'), owner.get('phone_user_id')) if x):
        return True
    return bool(owner.get('email') and email and owner['email'].casefold() == email.casefold())


def _assignee_text(assignee):
    kind = assignee.get('type') or 'user'
    who = assignee.get('name') or assignee.get('id') or 'someone'
    text = '%s %s' % ('user' if kind == 'user' else kind, who)
    if assignee.get('extension_number'):
        text += ' (extension %s)' % assignee['extension_number']
    return text


def plan_phone(desired, current, inventory, user_email=None, user_id=None, feature_enabled=False):
    """Plan the steps that take the phone user ``current`` (None: no phone user yet) to ``desired``.

    Pure: no I/O. ``desired`` comes from ``normalize_desired`` (keys only for
    managed aspects). ``feature_enabled`` tells, when ``current`` is None,
    whether the phone feature is already on (Zoom is still creating the phone
    user) so no enable step is needed. Raises ``ZoomPlanError`` with every
    conflict found (unknown site or plan, no free seat, extension or number
    owned by someone else, number not in the account).
    """
    desired = desired or {}
    email = user_email or (current or {}).get('email') or user_id
    own_ids = set(x for x in (user_id, (current or {}).get('id'), (current or {}).get('phone_user_id')) if x)
    problems = []
    steps = []
    before = summarize_phone_user(current, inventory)
    after = copy.deepcopy(before)
    after['zoom_phone'] = True

    if current is None:
        if not feature_enabled:
            steps.append(PhoneStep('enable_feature', {'zoom_phone': True}, 'enable the Zoom Phone feature of %s' % email))
        steps.append(PhoneStep('wait_phone_user', {}, 'wait for Zoom to create the phone user of %s' % email))
        default = inventory.default_site()
        after['site'] = default.get('name') if default else SITE_BY_ZOOM
        after['extension_number'] = EXTENSION_BY_ZOOM
        current_site_id = default.get('id') if default else None
        current_ext = None
        current_plans = []
        current_numbers = []
    else:
        current_site_id = current.get('site_id') or (current.get('site') or {}).get('id')
        current_ext = _as_int(current.get('extension_number'))
        current_plans = [_as_int(p.get('type')) for p in current.get('calling_plans') or []]
        current_numbers = list(current.get('phone_numbers') or [])

    # site
    target_site = inventory.sites_by_id.get(current_site_id)
    if desired.get('site') is not None:
        site = inventory.resolve_site(desired['site'])
        target_site = site
        if site is None:
            problems.append(problem('site', desired['site'], 'site: unknown site %r; sites of this account: %s.'
                                    % (desired['site'], _list_names(s.get('name') or s.get('id') for s in inventory.sites))))
        else:
            after['site'] = site.get('name') or site.get('id')
            if site.get('id') != current_site_id:
                steps.append(PhoneStep('set_site', {'site_id': site.get('id')},
                                       'move %s to site %s' % (email, site.get('name') or site.get('id'))))

    # extension
    ext = desired.get('extension_number')
    if isinstance(ext, int):
        owner = inventory.extension_owner(ext)
        if owner is not None and not _is_self(owner, own_ids, email):
            problems.append(problem('extension_number', ext, 'extension_number: %s is already used by %s; choose a free extension '
                                    "or 'auto'." % (ext, _owner_text(owner))))
        code = str((target_site or {}).get('site_code') or '').strip()
        if ext != current_ext and code.isdigit() and not (str(ext).startswith(code) and len(str(ext)) > len(code)):
            problems.append(problem('extension_number', ext, 'extension_number: %s does not start with the site code %s of site %s; '
                                    'give the full number (site code + short extension, e.g. %s%s) or use another site.'
                                    % (ext, code, target_site.get('name') or target_site.get('id'), code, '2001')))
        after['extension_number'] = ext
        if ext != current_ext:
            steps.append(PhoneStep('set_extension', {'extension_number': ext},
                                   'set the extension of %s to %s (was %s)' % (email, ext, current_ext if current_ext is not None else 'none')))

    # calling plans
    if desired.get('calling_plans') is not None:
        wanted = []
        for ref in desired['calling_plans']:
            plan = inventory.resolve_plan(ref)
            if plan is None:
                problems.append(problem('calling_plans', ref, 'calling_plans: unknown calling plan %r; plans of this account: %s '
                                        '(names or type codes).' % (ref, _list_names('%s (%s)' % (p.get('name'), p['type'])
                                                                                     for p in inventory.calling_plans))))
                continue
            if plan['type'] in wanted:
                problems.append(problem('calling_plans', ref, 'calling_plans: %r names plan %s (%s) again; list each plan once.'
                                        % (ref, plan.get('name'), plan['type'])))
                continue
            wanted.append(plan['type'])
        to_add = [t for t in wanted if t not in current_plans]
        to_remove = [t for t in current_plans if t is not None and t not in wanted]
        for plan_type in to_add:
            plan = inventory.plans_by_type.get(plan_type) or {}
            available = plan.get('available')
            if available is not None and _as_int(available) is not None and _as_int(available) < 1:
                problems.append(problem('calling_plans', plan.get('name') or plan_type,
                                        'calling_plans: no free seat of %s (%s): %s subscribed, %s assigned. Buy more seats or free '
                                        'one first (remove it from someone who no longer needs it).'
                                        % (plan.get('name'), plan_type, plan.get('subscribed'), plan.get('assigned'))))
        if len(to_add) == 1 and len(to_remove) == 1:
            # Zoom's atomic switch: the user is never without a plan
            steps.append(PhoneStep('switch_plan', {'source_type': to_remove[0], 'target_type': to_add[0]},
                                   'switch the calling plan of %s from %s to %s' % (
                                       email, inventory.plan_name(to_remove[0]), inventory.plan_name(to_add[0]))))
        else:
            # add first, so the user keeps a plan while the others go
            for plan_type in to_add:
                steps.append(PhoneStep('add_plan', {'type': plan_type},
                                       'add calling plan %s to %s' % (inventory.plan_name(plan_type), email)))
            for plan_type in to_remove:
                steps.append(PhoneStep('remove_plan', {'type': plan_type},
                                       'remove calling plan %s from %s' % (inventory.plan_name(plan_type), email)))
        after['calling_plans'] = sorted((inventory.plan_name(t) for t in wanted), key=_fold)

    # numbers
    if desired.get('phone_numbers') is not None:
        have = dict((n.get('number'), n) for n in current_numbers if n.get('number'))
        to_add = []
        for e164 in desired['phone_numbers']:
            if e164 in have:
                continue
            number = inventory.number(e164)
            if number is None:
                problems.append(problem('phone_numbers', e164, 'phone_numbers: %s is not a number of this account; add it to the '
                                        'account first or pick an unassigned one (zoom_phone_info gather=numbers).' % e164))
                continue
            assignee = number.get('assignee') or {}
            if assignee and (assignee.get('id') or assignee.get('name')) and assignee.get('id') not in own_ids:
                problems.append(problem('phone_numbers', e164, 'phone_numbers: %s is assigned to %s; unassign it there first or pick '
                                        'an unassigned number.' % (e164, _assignee_text(assignee))))
                continue
            to_add.append({'id': number.get('id'), 'number': e164})
        for e164, item in sorted(have.items()):
            if e164 not in desired['phone_numbers']:
                steps.append(PhoneStep('remove_number', {'id': item.get('id') or e164, 'number': e164},
                                       'remove number %s from %s' % (e164, email)))
        for start in range(0, len(to_add), MAX_NUMBERS_PER_CALL):
            chunk = to_add[start:start + MAX_NUMBERS_PER_CALL]
            steps.append(PhoneStep('add_number', {'numbers': chunk},
                                   'assign number%s %s to %s' % ('s' if len(chunk) > 1 else '',
                                                                 ', '.join(n['number'] for n in chunk), email)))
        after['phone_numbers'] = sorted(desired['phone_numbers'])

    if problems:
        raise ZoomPlanError('Cannot set up Zoom Phone for %s; nothing was changed:' % email, problems=problems)
    return PhonePlan(user_id or (current or {}).get('id'), email, steps, before, after, desired=desired, inventory=inventory)


def phone_absent_plan(current, user_email=None, user_id=None, feature_enabled=None, inventory=None):
    """Plan removal: numbers, then calling plans, then the phone feature, and nothing else.

    ``current`` None with ``feature_enabled`` True (Zoom still creating the
    phone user) plans only the feature switch-off.
    """
    email = user_email or (current or {}).get('email') or user_id
    steps = []
    before = summarize_phone_user(current, inventory)
    if current is not None:
        for item in current.get('phone_numbers') or []:
            steps.append(PhoneStep('remove_number', {'id': item.get('id') or item.get('number'), 'number': item.get('number')},
                                   'remove number %s from %s' % (item.get('number'), email)))
        for plan in current.get('calling_plans') or []:
            name = plan.get('name') or (inventory.plan_name(plan.get('type')) if inventory is not None else plan.get('type'))
            steps.append(PhoneStep('remove_plan', {'type': _as_int(plan.get('type'))},
                                   'remove calling plan %s from %s' % (name, email)))
    if current is not None or feature_enabled:
        before['zoom_phone'] = True
        steps.append(PhoneStep('disable_feature', {'zoom_phone': False}, 'disable the Zoom Phone feature of %s' % email))
    return PhonePlan(user_id or (current or {}).get('id'), email, steps, before, empty_summary(), state='absent')


# ---------------------------------------------------------------------------
# Apply
# ---------------------------------------------------------------------------

def set_phone_feature(client, user_id, enabled, email=None):
    """Switch the phone feature: ``PATCH /v2/users/{id}`` ``{"feature": {"zoom_phone": enabled}}``, with named errors.

    This is the user update FOLIO uses (BEHAVIOUR.md 2.7: ``false`` also removes the phone user and unassigns its
    numbers); PSZoom uses ``PATCH /v2/users/{id}/settings`` with the same body. Errors: 404 code 1102 (no free
    phone licence) and 400 code 1000 (pending user, settings route) become messages with the fix.
    """
    try:
        client.patch('/v2/users/%s' % quote_path(user_id), json={'feature': {'zoom_phone': bool(enabled)}})
    except ZoomAPIError as exc:
        who = email or user_id
        if exc.status == 404 and exc.code == CODE_NO_PHONE_LICENCE:
            raise ZoomAPIError(exc.status, exc.code, exc.message, errors=exc.errors, method=exc.method, path=exc.path,
                               msg='Cannot enable Zoom Phone for %s: the account has no free Zoom Phone licence (Zoom code 1102: %s). '
                                   'Buy more Zoom Phone licences or free one (remove phone from a user who no longer needs it), '
                                   'then rerun.' % (who, exc.message))
        if exc.status == 400 and exc.code == CODE_PENDING_SETTINGS:
            raise ZoomAPIError(exc.status, exc.code, exc.message, errors=exc.errors, method=exc.method, path=exc.path,
                               msg='Cannot %s Zoom Phone for %s: the Zoom user is still pending (Zoom code 1000: %s). The user must '
                                   'be active first; see zoom_user for why it is pending.'
                                   % ('enable' if enabled else 'disable', who, exc.message))
        raise


def _user_id_of(user):
    if isinstance(user, dict):
        return user.get('id')
    if hasattr(user, 'id'):
        return user.id
    return user


def _run_step(client, user_id, step, email):
    base = '/v2/phone/users/%s' % quote_path(user_id)
    if step.kind == 'enable_feature':
        set_phone_feature(client, user_id, True, email)
    elif step.kind == 'disable_feature':
        set_phone_feature(client, user_id, False, email)
    elif step.kind == 'set_site':
        client.patch(base, json={'site_id': step.args['site_id']})
    elif step.kind == 'set_extension':
        client.patch(base, json={'extension_number': str(step.args['extension_number'])})
    elif step.kind == 'switch_plan':
        client.put(base + '/calling_plans', json={'source_type': step.args['source_type'], 'target_type': step.args['target_type']})
    elif step.kind == 'add_plan':
        client.post(base + '/calling_plans', json={'calling_plans': [{'type': step.args['type']}]})
    elif step.kind == 'remove_plan':
        try:
            client.delete(base + '/calling_plans/%s' % quote_path(step.args['type']))
        except ZoomAPIError as exc:
            if exc.status != 404 or exc.code == CODE_ACCOUNT_NOT_FOUND:
                raise
    elif step.kind == 'remove_number':
        try:
            client.delete(base + '/phone_numbers/%s' % quote_path(step.args['id']))
        except ZoomAPIError as exc:
            if exc.status != 404 or exc.code == CODE_ACCOUNT_NOT_FOUND:
                raise
    elif step.kind == 'add_number':
        body = []
        for item in step.args['numbers']:
            entry = {'number': item['number']}
            if item.get('id'):
                entry['id'] = item['id']
            body.append(entry)
        client.post(base + '/phone_numbers', json={'phone_numbers': body})
    else:
        raise ValueError('unknown phone step %r' % step.kind)


def apply_phone(client, user, plan, wait_budget=DEFAULT_WAIT_BUDGET, sleep=time.sleep, clock=time.monotonic):
    """Run ``plan``'s steps in order; return the ``PhoneStep`` objects done (``step.description`` for reports).

    After ``enable_feature`` (or when the feature was already on), waits for
    the phone user with ``wait_for_phone_user`` and re-plans the remaining
    aspects against the real phone user (Zoom may already have picked the
    wanted site), so only real differences are written. A failing write raises
    ``ZoomPhoneStepError`` naming the step and the steps already done.
    """
    user_id = _user_id_of(user) or plan.user_id
    done = []
    steps = list(plan.steps)
    index = 0
    while index < len(steps):
        step = steps[index]
        index += 1
        if step.kind == 'wait_phone_user':
            try:
                phone = wait_for_phone_user(client, user_id, wait_budget, sleep=sleep, clock=clock)
            except ZoomPhoneNotReadyError as exc:
                exc.done = [d.description for d in done]
                exc.changed = any(d.write for d in done)
                raise
            done.append(step)
            replan = plan_phone(plan.desired, phone, plan.inventory, user_email=plan.email, user_id=user_id)
            steps = steps[:index] + list(replan.steps)
            continue
        try:
            _run_step(client, user_id, step, plan.email)
        except ZoomError as exc:
            text = exc.msg if isinstance(exc, ZoomError) else str(exc)
            raise ZoomPhoneStepError(
                'Zoom Phone setup of %s stopped at "%s": %s%s' % (
                    plan.email, step.description, text,
                    (' Already done: %s.' % '; '.join(d.description for d in done)) if done
                    else ' Nothing had been changed before this step.'),
                exc, step.kind, [d.description for d in done], changed=any(d.write for d in done))
        done.append(step)
    return done


def user_state_problems(status, email, reason=None, remedy=None):
    """Planner problems for a Zoom user that cannot get a phone (pending, inactive, missing, other account)."""
    if status == 'active':
        return []
    if status in ('pending', 'stuck_invitation'):
        text = 'user: %s is pending in Zoom, so it has no phone user and every phone step would fail.' % email
        if reason:
            text += ' Why: %s' % reason.rstrip('.') + '.'
        if remedy:
            text += ' Fix: %s' % remedy.rstrip('.') + '.'
        return [problem('user', email, text)]
    if status == 'inactive':
        return [problem('user', email, 'user: %s is deactivated in Zoom; activate it first (zoom_user active: true), then rerun.' % email)]
    if status == 'external':
        return [problem('user', email, 'user: %s belongs to another Zoom account (a personal or other company account), not to '
                        'this one; it has to join this account first.' % email)]
    return [problem('user', email, 'user: %s does not exist in Zoom; create it first (zoom_user state: present), then rerun.' % email)]
