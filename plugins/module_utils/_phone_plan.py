# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Zoom Phone planning (pure: no I/O): ``plan_phone``, ``phone_absent_plan``, ``phone_up_to_date``.

``plan_phone`` is the one implementation of "what must change on this phone user";
the per-user module, ``zoom_user_sync`` and the ``phone_user`` role all call it
(through ``_phone``, which re-exports every name here). ``phone_up_to_date`` is its
fast path for a rerun, where nearly every phone user already matches.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import copy

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomPlanError
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone_input import EXTENSION_MIN_DIGITS, problem
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone_inventory import ASCII_DIGITS_RE, _as_int, _fold, site_id_of

EXTENSION_BY_ZOOM = '(assigned by Zoom)'
SITE_BY_ZOOM = '(default site, chosen by Zoom)'
MAX_NUMBERS_PER_CALL = 10

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
    ``summaries`` (instead of ``before``/``after``): a function returning both,
    called when one of them is first read.
    """

    def __init__(self, user_id, email, steps, before, after, desired=None, inventory=None, state='present', current=None,
                 summaries=None):
        self.user_id = user_id
        self.email = email
        self.steps = list(steps)
        self._before = before
        self._after = after
        self._summaries = summaries
        self.desired = desired
        self.inventory = inventory
        self.state = state
        self.current = current

    def _settle(self):
        if self._summaries is not None:
            self._before, self._after = self._summaries()
            self._summaries = None

    @property
    def before(self):
        self._settle()
        return self._before

    @property
    def after(self):
        self._settle()
        return self._after

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
    site_id = site_id_of(phone_user)
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
    for key in ('id', 'phone_user_id'):
        if owner.get(key) and owner[key] in own_ids:
            return True
    return bool(owner.get('email') and email and owner['email'].casefold() == email.casefold())


def _assignee_text(assignee):
    kind = assignee.get('type') or 'user'
    who = assignee.get('name') or assignee.get('id') or 'someone'
    text = '%s %s' % ('user' if kind == 'user' else kind, who)
    if assignee.get('extension_number'):
        text += ' (extension %s)' % assignee['extension_number']
    return text


def _own_ids(user_id, current):
    """The ids that name this user (empty ones included: compare only non-empty ids with them)."""
    current = current or {}
    return (user_id, current.get('id'), current.get('phone_user_id'))


def phone_up_to_date(desired, current, inventory, user_email=None, user_id=None):
    """True when ``plan_phone`` finds nothing to do and no problem for the phone user ``current``.

    The rerun fast path: ``plan_phone``'s own rules for an existing phone user,
    without building steps or summaries. ``desired`` comes from
    ``normalize_desired``, so an extension is an int (or ``auto``) and plan codes
    are ASCII digits. False means "plan in full", never "something is wrong".
    """
    if current is None:
        return False
    desired = desired or {}
    if desired.get('site') is not None:
        site = inventory.resolve_site(desired['site'])
        if site is None or site.get('id') != site_id_of(current):
            return False
    ext = desired.get('extension_number')
    if isinstance(ext, int):
        if ext != _as_int(current.get('extension_number')):
            return False
        owner = inventory.extension_owner(ext)
        if owner is not None and not _is_self(owner, _own_ids(user_id, current), user_email or current.get('email') or user_id):
            return False
    if desired.get('calling_plans') is not None:
        wanted = set()
        for ref in desired['calling_plans']:
            plan = inventory.resolve_plan(ref)
            if plan is None or plan['type'] in wanted:
                return False
            wanted.add(plan['type'])
        held = set(_as_int(p.get('type')) for p in current.get('calling_plans') or [])
        # a held type that cannot be read is never removed (plan_phone's rule)
        if not wanted <= held or not held - {None} <= wanted:
            return False
    if desired.get('phone_numbers') is not None:
        held = set(n.get('number') for n in current.get('phone_numbers') or [] if n.get('number'))
        if set(desired['phone_numbers']) != held:
            return False
    return True


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
    if phone_up_to_date(desired, current, inventory, user_email=user_email, user_id=user_id):
        # no steps: the before/after summaries (the costly part of a large rerun) only when someone reads them
        def summaries():
            plan = _plan_in_full(desired, current, inventory, user_email, user_id, feature_enabled)
            return plan.before, plan.after
        return PhonePlan(user_id or current.get('id'), user_email or current.get('email') or user_id, [], None, None,
                         desired=desired, inventory=inventory, current=current, summaries=summaries)
    return _plan_in_full(desired, current, inventory, user_email, user_id, feature_enabled)


def _plan_in_full(desired, current, inventory, user_email, user_id, feature_enabled):
    email = user_email or (current or {}).get('email') or user_id
    own_ids = _own_ids(user_id, current)
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
        current_site_id = site_id_of(current)
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
            if assignee and (assignee.get('id') or assignee.get('name')) and not (assignee.get('id') and assignee['id'] in own_ids):
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
