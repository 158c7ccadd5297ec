# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Zoom Phone user setup: read, plan (pure), apply in Zoom's order.

Zoom's order (docs/ZOOM-API-FACTS.md §5.8): the Zoom user must be **active**; then the
phone feature is enabled (``feature.zoom_phone``); Zoom then creates the
phone user **asynchronously** (``GET /v2/phone/users/{id}`` answers 404 code
1001 for a while); only then can site, extension, calling plans and numbers
be set. Removal goes the other way: numbers, plans, then the feature.

Layers (reused by the bulk module ``zoom_user_sync`` and the ``phone_user`` role):

* ``load_inventory(client, **inventory_needs(desired, current))`` -> ``PhoneInventory``
  (``_phone_inventory``, re-exported here): calling plans with seats, the wanted numbers
  with their assignee, sites, extension owners;
* ``read_phone_user`` / ``read_phone_feature`` / ``wait_for_phone_user``;
* ``normalize_desired`` (input checks, no I/O) and ``plan_phone`` /
  ``phone_absent_plan`` (pure: no I/O) -> ``PhonePlan`` with ordered steps
  and a before/after summary; ``plan_phone`` raises ``ZoomPlanError`` listing
  **every** conflict at once, before anything is written;
* ``apply_phone(client, user, plan, wait_budget)`` runs the steps; a write whose
  outcome is unknown (lost answer, 5xx, dropped connection) is confirmed by
  reading the phone user again and sent again only when it did not land.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy
import time

from ansible_collections.zoomops.provisioning.plugins.module_utils._client import quote_path
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    CODE_ACCOUNT_NOT_FOUND,
    CODE_USER_NOT_FOUND,
    ZoomAPIError,
    ZoomError,
    ZoomPlanError,
    ZoomUncertainWriteError,
)
# pylint: disable=unused-import
# Re-exported: the modules and zoom_user_sync import every phone name from here.
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone_input import (  # noqa: F401
    EXTENSION_AUTO,
    EXTENSION_MIN_DIGITS,
    check_user_ref,
    normalize_desired,
    problem,
    valid_e164,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone_inventory import (  # noqa: F401
    ASCII_DIGITS_RE,
    PhoneInventory,
    _as_int,
    _fold,
    find_numbers,
    inventory_needs,
    load_inventory,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone_read import (  # noqa: F401
    DEFAULT_WAIT_BUDGET,
    REAPPEAR_BUDGET,
    ZoomPhoneNotReadyError,
    read_phone_feature,
    read_phone_state,
    read_phone_user,
    reread_phone_user,
    set_phone_feature,
    wait_for_phone_user,
)
# pylint: enable=unused-import

EXTENSION_BY_ZOOM = '(assigned by Zoom)'
SITE_BY_ZOOM = '(default site, chosen by Zoom)'
MAX_NUMBERS_PER_CALL = 10
# sends of one write step whose outcome stayed unknown (the first plus re-sends after a confirming read)
WRITE_ATTEMPTS = 3

# result labels of the steps (the collection's `actions` vocabulary); the wait writes nothing and has none
STEP_LABELS = {
    'enable_feature': 'phone:feature', 'disable_feature': 'phone:feature', 'set_site': 'phone:site',
    'set_extension': 'phone:extension_number', 'switch_plan': 'phone:calling_plans', 'add_plan': 'phone:calling_plans',
    'remove_plan': 'phone:calling_plans', 'remove_number': 'phone:phone_numbers', 'add_number': 'phone:phone_numbers',
}


def step_labels(steps):
    """The distinct ``actions`` labels of ``steps`` (PhoneStep objects), in order."""
    labels = []
    for step in steps:
        label = STEP_LABELS.get(step.kind)
        if label and label not in labels:
            labels.append(label)
    return labels


class ZoomPhoneStepError(ZoomError):
    """A write step failed; ``done`` lists the steps that were applied before it."""

    def __init__(self, msg, cause, step, done, changed=False, labels=None):
        super(ZoomPhoneStepError, self).__init__(
            msg, status=getattr(cause, 'status', None), code=getattr(cause, 'code', None),
            zoom_message=getattr(cause, 'zoom_message', None), errors=getattr(cause, 'errors', None),
            method=getattr(cause, 'method', None), path=getattr(cause, 'path', None))
        self.cause = cause
        self.step = step
        self.done = list(done)
        self.changed = changed
        self.labels = list(labels or [])

    def to_dict(self):
        result = super(ZoomPhoneStepError, self).to_dict()
        result['failed_step'] = self.step
        result['actions_done'] = list(self.done)
        return result


# ---------------------------------------------------------------------------
# small helpers
# ---------------------------------------------------------------------------

def _list_names(items, limit=12):
    items = list(items)
    text = ', '.join(items[:limit])
    if len(items) > limit:
        text += ', ... (%d in all)' % len(items)
    return text or '(none)'


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

    ``desired``, ``inventory`` and ``current`` (the phone user planned from) are
    kept so ``apply_phone`` can re-plan against the real phone user once Zoom
    has created it or moved it. ``labels`` are the result ``actions``
    (``phone:feature`` ...); ``actions`` are the steps as sentences.
    """

    def __init__(self, user_id, email, steps, before, after, desired=None, inventory=None, state='present', current=None):
        self.user_id = user_id
        self.email = email
        self.steps = list(steps)
        self.before = before
        self.after = after
        self.desired = desired
        self.inventory = inventory
        self.state = state
        self.current = current

    @property
    def changed(self):
        return any(step.write for step in self.steps)

    @property
    def actions(self):
        return [step.description for step in self.steps]

    @property
    def labels(self):
        return step_labels(self.steps)

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
        if ext != current_ext and ASCII_DIGITS_RE.match(code) and not (
                str(ext).startswith(code) and len(str(ext)) >= len(code) + EXTENSION_MIN_DIGITS):
            problems.append(problem('extension_number', ext, 'extension_number: %s does not start with the site code %s of site %s '
                                    'followed by a short extension of at least %d digits; give the full number (site code + '
                                    'short extension, e.g. %s%s) or use another site.'
                                    % (ext, code, target_site.get('name') or target_site.get('id'), EXTENSION_MIN_DIGITS, code,
                                       '2001')))
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
    return PhonePlan(user_id or (current or {}).get('id'), email, steps, before, after, desired=desired, inventory=inventory,
                     current=current)


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
    return PhonePlan(user_id or (current or {}).get('id'), email, steps, before, empty_summary(), state='absent',
                     inventory=inventory, current=current)


# ---------------------------------------------------------------------------
# Apply
# ---------------------------------------------------------------------------

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
        # a refusal because the plan is already gone (400 "Invalid field.", 404) is settled by a read in write()
        client.delete(base + '/calling_plans/%s' % quote_path(step.args['type']))
    elif step.kind == 'remove_number':
        client.delete(base + '/phone_numbers/%s' % quote_path(step.args['id']))
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


def _holds(phone, step):
    """Whether the phone user ``phone`` (as read) shows the effect of the phone-user step ``step``."""
    kind = step.kind
    if kind == 'set_site':
        return (phone.get('site_id') or (phone.get('site') or {}).get('id')) == step.args['site_id']
    if kind == 'set_extension':
        return _as_int(phone.get('extension_number')) == step.args['extension_number']
    plans = set(_as_int(p.get('type')) for p in phone.get('calling_plans') or [])
    numbers = set(n.get('number') for n in phone.get('phone_numbers') or [])
    if kind == 'switch_plan':
        return step.args['target_type'] in plans and step.args['source_type'] not in plans
    if kind == 'add_plan':
        return step.args['type'] in plans
    if kind == 'remove_plan':
        return step.args['type'] not in plans
    if kind == 'remove_number':
        return step.args['number'] not in numbers
    return all(item['number'] in numbers for item in step.args['numbers'])  # add_number


def _may_have_landed(step, exc):
    """Whether a refusal of ``step`` can mean the write is already there or the phone user flipped away.

    The client re-sends PUT/PATCH/DELETE after a lost answer, so the second send can be refused because the first
    landed (switch: "did not subscribe to the source plan", remove: "Invalid field."); a read right after Zoom
    created the phone user can flip back to 404 code 1001 (docs/ZOOM-API-FACTS.md §5.8). A read decides.
    """
    if step.kind in ('enable_feature', 'disable_feature') or not isinstance(exc, ZoomAPIError):
        return False
    return exc.status in (400, 404, 409) and exc.code != CODE_ACCOUNT_NOT_FOUND


class _PhoneApplier:
    """One run of ``apply_phone``: the steps done so far and the phone user as last read."""

    def __init__(self, client, user_id, plan, wait_budget, sleep, clock):
        self.client = client
        self.user_id = user_id
        self.plan = plan
        self.wait_budget = wait_budget
        self.sleep = sleep
        self.clock = clock
        self.done = []
        self.phone = plan.current

    def run(self):
        steps = list(self.plan.steps)
        index = 0
        while index < len(steps):
            step = steps[index]
            index += 1
            held = [dict(n) for n in (self.phone or {}).get('phone_numbers') or []] if step.kind == 'set_site' else []
            if step.kind == 'wait_phone_user':
                self.wait(self.wait_budget)
            else:
                self.write(step)
            self.done.append(step)
            if step.kind == 'wait_phone_user' or held:
                try:
                    rest = self.replan(self.plan.desired) if step.kind == 'wait_phone_user' else self.after_move(held)
                except ZoomPlanError as exc:
                    # what Zoom did on its own (site, extension, numbers) conflicts with the wish: name what was done
                    self.fail(step, exc)
                steps = steps[:index] + rest
        return self.done

    def wait(self, budget):
        try:
            self.phone = wait_for_phone_user(self.client, self.user_id, budget, sleep=self.sleep, clock=self.clock)
        except ZoomPhoneNotReadyError as exc:
            exc.done = [d.description for d in self.done]
            exc.labels = step_labels(self.done)
            exc.changed = any(d.write for d in self.done)
            raise
        return self.phone

    def replan(self, desired):
        return list(plan_phone(desired, self.phone, self.plan.inventory, user_email=self.plan.email, user_id=self.user_id).steps)

    def after_move(self, held):
        """Re-plan after a site move: Zoom may unassign the numbers of a user who moves site (not established;
        simulator switch ``phone_move_site_keeps_numbers``). Numbers not managed by the task are kept as they were."""
        self.read()
        desired = dict(self.plan.desired or {})
        if desired.get('phone_numbers') is None:
            desired['phone_numbers'] = sorted(n.get('number') for n in held if n.get('number'))
        inventory = self.plan.inventory
        for item in held:
            if item.get('number') and inventory.number(item['number']) is None:
                inventory.add_number({'id': item.get('id'), 'number': item['number'], 'assignee': {'id': self.user_id}})
        return self.replan(desired)

    def read(self):
        """Read the phone user again; one that flipped back to 404 right after a write is waited for."""
        phone = read_phone_user(self.client, self.user_id)
        if phone is None:
            phone = self.wait(max(REAPPEAR_BUDGET, self.wait_budget or 0))
        self.phone = phone
        return phone

    def confirm(self, step):
        """(landed, step to send again): read what Zoom has now; for numbers, only the missing ones are sent again."""
        if step.kind in ('enable_feature', 'disable_feature'):
            return read_phone_feature(self.client, self.user_id) == (step.kind == 'enable_feature'), step
        phone = self.read()
        if _holds(phone, step):
            return True, step
        if step.kind == 'add_number':
            have = set(n.get('number') for n in phone.get('phone_numbers') or [])
            step = PhoneStep('add_number', {'numbers': [n for n in step.args['numbers'] if n['number'] not in have]},
                             step.description)
        return False, step

    def write(self, step):
        """Send ``step``; an unknown outcome is confirmed by a read and the write sent again (bounded) if it did not land."""
        error = None
        for _attempt in range(WRITE_ATTEMPTS):
            try:
                _run_step(self.client, self.user_id, step, self.plan.email)
                return
            except ZoomUncertainWriteError as exc:
                error = exc
            except ZoomAPIError as exc:
                if not _may_have_landed(step, exc):
                    self.fail(step, exc)
                error = exc
            except ZoomError as exc:
                self.fail(step, exc)
            landed = False
            try:
                landed, step = self.confirm(step)
            except ZoomError:
                self.fail(step, error)  # cannot tell whether it landed: the first error says so, a rerun reads again
            if landed:
                return
            vanished = isinstance(error, ZoomAPIError) and error.status == 404 and error.code == CODE_USER_NOT_FOUND
            if not isinstance(error, ZoomUncertainWriteError) and not vanished:
                self.fail(step, error)
        self.fail(step, error)

    def fail(self, step, exc):
        done = self.done
        raise ZoomPhoneStepError(
            'Zoom Phone setup of %s stopped at "%s": %s%s' % (
                self.plan.email, step.description, exc.msg,
                (' Already done: %s.' % '; '.join(d.description for d in done)) if done
                else ' Nothing had been changed before this step.'),
            exc, step.kind, [d.description for d in done], changed=any(d.write for d in done),
            labels=step_labels(done))


def apply_phone(client, user, plan, wait_budget=DEFAULT_WAIT_BUDGET, sleep=None, clock=None):
    """Run ``plan``'s steps in order; return the ``PhoneStep`` objects done (``step.description`` for reports).

    After ``enable_feature`` (or when the feature was already on), waits for
    the phone user with ``wait_for_phone_user`` and re-plans the remaining
    aspects against the real phone user (Zoom may already have picked the
    wanted site), so only real differences are written; after a site move of a
    user with numbers it reads and re-plans again. A write whose outcome is
    unknown (5xx, lost answer, dropped connection, or a re-sent write refused
    because the first one landed) is confirmed by reading the phone user and
    sent again only if it is not there, at most ``WRITE_ATTEMPTS`` times: never
    a duplicate. A refused write raises ``ZoomPhoneStepError`` naming the step
    and the steps already done.
    """
    user_id = _user_id_of(user) or plan.user_id
    applier = _PhoneApplier(client, user_id, plan, wait_budget, sleep or time.sleep, clock or time.monotonic)
    return applier.run()


def user_state_problems(status, email, reason=None, remedy=None):
    """Planner problems for a Zoom user that cannot get a phone (pending, inactive, missing, other account)."""
    if status == 'active':
        return []
    if status in ('pending', 'stuck_invitation'):
        text = 'email: %s is pending in Zoom, so it has no phone user and every phone step would fail.' % email
        if reason:
            text += ' Why: %s' % reason.rstrip('.') + '.'
        if remedy:
            text += ' Fix: %s' % remedy.rstrip('.') + '.'
        return [problem('email', email, text)]
    if status == 'inactive':
        return [problem('email', email, 'email: %s is deactivated in Zoom; activate it first (zoom_user active: true), then rerun.' % email)]
    if status == 'external':
        return [problem('email', email, 'email: %s belongs to another Zoom account (a personal or other company account), not to '
                        'this one; it has to join this account first.' % email)]
    return [problem('email', email, 'email: %s does not exist in Zoom; create it first (zoom_user state: present), then rerun.' % email)]
