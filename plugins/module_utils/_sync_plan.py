# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_user_sync planning: one ``Entry`` per user and the whole-account ``SyncPlan``, built by ``Planner`` from a
``Snapshot`` and the checked ``DesiredUser`` list. Pure (no I/O); every problem (conflicts, unknown plans or sites,
removals Zoom would refuse) is collected before anything is written.

The per-user decisions are the single-user modules' ones: ``_users.plan_user`` / ``removal_problems`` /
``plan_removal`` / ``predict_create_from`` / ``diagnose_pending`` and ``_phone.plan_phone`` / ``phone_absent_plan``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomPlanError
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import phone_absent_plan, plan_phone
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_guards import DIGEST_OPTIONS, plan_digest
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_input import Problem, email_key
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    Change,
    diagnose_pending,
    email_domain,
    managed_domain_blocks,
    pending_create_action,
    plan_removal,
    plan_user,
    predict_create_from,
    removal_problems,
    transfer_state_problem,
    type_name,
)

# Actions of a plan entry, in the order a reviewer reads them (removals first).
ACTIONS = ('remove', 'deactivate', 'create', 'update', 'pending', 'skip', 'unchanged')
REMOVAL_ACTIONS = ('remove', 'deactivate')
WRITE_ACTIONS = ('remove', 'deactivate', 'create', 'update')
# Outcome buckets of an apply (each user ends in exactly one); check mode predicts them.
OUTCOMES = ('created', 'updated', 'unchanged', 'pending', 'failures', 'removed', 'deactivated', 'protected')
# (not ``failed``/``skipped``: Ansible reads those result keys as the task status)
PHONE_SUMMARY_KEYS = ('zoom_phone', 'site', 'extension_number', 'calling_plans', 'phone_numbers')
# The order fields are listed in (plan tables, ``fields`` of updated users).
FIELD_ORDER = ('status', 'first_name', 'last_name', 'display_name', 'type', 'department', 'job_title', 'timezone',
               'language', 'phone.zoom_phone', 'phone.site', 'phone.extension_number', 'phone.calling_plans',
               'phone.phone_numbers')

# batchAddUsers takes calling plan NAMES of its own (docs/ZOOM-API-FACTS.md §5.4): plan type -> name.
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


def field_order(name):
    return (FIELD_ORDER.index(name) if name in FIELD_ORDER else len(FIELD_ORDER), name)


class Entry:
    """The plan for one user: an action, the field changes (before/after) and what will be called."""

    def __init__(self, email, action, state=None, desired=None):
        self.email = email
        self.key = email_key(email)
        self.action = action
        self.state = state
        self.desired = desired
        self.profile = None          # what create_user / plan_user get (the entry's profile, type defaulted on create)
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

    @property
    def labels(self):
        """The short labels of what this entry does (``create``, ``update:<field>``, ``phone:<step>``...)."""
        labels = [change.label for change in self.user_changes]
        labels += [change.label for change in self.removal]
        if self.phone_plan is not None:
            labels += list(self.phone_plan.labels)
        return labels

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

    def __repr__(self):
        return 'Entry(%r, %r)' % (self.email, self.action)


class SyncPlan:
    """The whole-account plan.

    ``problems`` (``Problem`` objects or sentences) refuse the whole run; ``blocked_removals`` are the removals Zoom
    would refuse (code 1107), refused as a group with the choice; ``refusal`` is set by the guards.
    """

    def __init__(self, entries, problems, scope, options, in_scope_count=0, unmanaged=0, blocked_removals=()):
        order = dict((name, index) for index, name in enumerate(ACTIONS))
        self.entries = sorted(entries, key=lambda e: (order.get(e.action, len(order)), e.key))
        self.problem_items = [item if isinstance(item, Problem) else Problem(str(item)) for item in problems]
        self.scope = scope
        self.options = dict((name, options.get(name)) for name in DIGEST_OPTIONS)
        self.in_scope_count = in_scope_count
        self.unmanaged = unmanaged
        self.blocked_removals = list(blocked_removals)
        # the entries that change something, as the digest and the plan file list them (entries are final once planned)
        self.users = [entry.to_dict() for entry in self.entries if entry.action != 'unchanged']
        self.digest = plan_digest(self.users, self.options)
        self._predicted = None
        self.refusal = None          # set by the guards: {rule, message, remedy, numbers, ...}
        self.already_applied = None  # set by the module: {approved_digest, message} when the approved plan is done
        self.unlisted_ignored = []   # users of the scope left alone by unlisted: ignore (not covered by the digest)

    @property
    def blocked_domains(self):
        """The managed domains of the blocked removals (for the 1107 refusal)."""
        return sorted(set(email_domain(email) for email in self.blocked_removals))

    @property
    def problems(self):
        return [item.text for item in self.problem_items]

    @property
    def problem_details(self):
        return [item.to_dict() for item in self.problem_items]

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
    def predicted(self):
        """``predicted_buckets`` of this plan, computed once (the plan file's totals and check mode's result)."""
        if self._predicted is None:
            self._predicted = predicted_buckets(self)
        return self._predicted

    @property
    def outcome_totals(self):
        """Users per predicted outcome (creates Zoom will leave pending count as pending)."""
        return dict((name, len(items)) for name, items in self.predicted.items())

    @property
    def changed(self):
        """True when applying the plan writes to Zoom."""
        return any(entry.action in WRITE_ACTIONS for entry in self.entries)


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


class Planner:
    """Builds the ``SyncPlan`` from a ``Snapshot`` and the desired users (pure: no I/O)."""

    def __init__(self, snap, scope, unlisted='ignore', removal_action='disassociate', transfer_to=None,
                 allow_data_loss=False, batch_phone=True, create_action='ssoCreate', new_user_type='basic'):
        self.snap = snap
        self.scope = scope
        self.options = {'unlisted': unlisted, 'removal_action': removal_action, 'transfer_to': transfer_to,
                        'allow_data_loss': allow_data_loss, 'create_action': create_action,
                        'new_user_type': new_user_type, 'batch_phone': batch_phone, 'scope': scope.to_dict()}
        self.problems = []
        self.blocked = []
        self.ignored = []

    def build(self, desired, input_problems=()):
        self.problems = list(input_problems)
        self.blocked = []
        self.ignored = []
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
                email = row.get('email') or key
                if not self.scope.contains(email):
                    continue
                state = self.snap.state(email)
                if self.scope.protected_reason(email, state):
                    continue
                in_scope += 1
                if key in listed:
                    continue
                entry = self.plan_unlisted(state)
                if entry is None:
                    unmanaged += 1
                    if self.options['unlisted'] == 'ignore':
                        self.ignored.append(_ignored_view(state))
                else:
                    entries.append(entry)
        self._check_transfer_to(entries)
        plan = SyncPlan(entries, self.problems, self.scope, self.options, in_scope_count=in_scope, unmanaged=unmanaged,
                        blocked_removals=self.blocked)
        plan.unlisted_ignored = sorted(self.ignored, key=lambda item: email_key(item['email']))
        return plan

    def _check_transfer_to(self, entries):
        """transfer_to must be an active user of the account that this run does not remove or deactivate
        (docs/ZOOM-API-FACTS.md §2.9: Zoom answers a DELETE naming an unknown target with an error, not a transfer)."""
        transfer_to = self.options['transfer_to']
        if not transfer_to or not any(entry.action == 'remove' and entry.removal and entry.removal[0].field != 'withdraw'
                                      for entry in entries):
            return
        target = self.snap.state(transfer_to)
        problem = transfer_state_problem(transfer_to, None, target, whose='the users removed')
        if problem is None:
            for entry in entries:
                if entry.key == email_key(transfer_to) and entry.action in REMOVAL_ACTIONS + ('update',) \
                        and entry.predicted_status in ('inactive', 'absent'):
                    problem = ('transfer_to=%s is itself %s by this run: name a user who stays active.'
                               % (transfer_to, 'removed' if entry.action == 'remove' else 'deactivated'))
        if problem:
            self.problems.append(Problem(problem, field='transfer_to'))

    # -- one listed user
    def plan_user(self, user):
        state = self.snap.state(user.email)
        email = state.email if state.status != 'absent' else user.email
        reason = self.scope.protected_reason(email, state)
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
        entry.reason, entry.remedy = diagnose_pending(None, state.email, create_action=action,
                                                      domains=self.snap.domains)
        entry.predicted_status = 'pending'
        entry.note = 'pending: Zoom ignores updates until the person accepts; nothing is sent for this user'
        return entry

    def _plan_create(self, user, state):
        entry = Entry(user.email, 'create', state, user)
        profile = user.profile
        if profile.get('type') is None:
            profile = dict(profile, type=self.options['new_user_type'])  # type is applied on create only
        entry.profile = profile
        changes = plan_user(profile, state)
        status, reason, remedy = predict_create_from(user.email, user.create_action, self.snap.domains)
        if profile.get('active') is False and status == 'active':
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
        entry.profile = user.profile
        changes = plan_user(user.profile, state)
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
        if self.options['batch_phone'] and not feature_enabled:
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
        index = entry.desired.index if entry.desired is not None else None
        for item in exc.problems or [exc.msg]:
            text = item.get('msg') if isinstance(item, dict) else str(item)
            field = item.get('field') if isinstance(item, dict) else None
            self.problems.append(Problem('%s: phone: %s' % (entry.email, text), index, entry.email,
                                         'phone.%s' % field if field else 'phone'))

    # -- a user of the scope that is not in the list
    def plan_unlisted(self, state):
        unlisted = self.options['unlisted']
        if unlisted == 'ignore':
            return None
        email, status = state.email, state.status
        if unlisted == 'deactivate':
            if status != 'active':
                return None
            entry = Entry(email, 'deactivate', state)
            entry.user_changes = [Change('deactivate', before=True, after=False)]
            entry.changes = {'status': ['active', 'inactive']}
            entry.steps = ['deactivate (not in the list)']
            entry.predicted_status = 'inactive'
            entry.unlisted = True
            return entry
        action = self.options['removal_action']
        managed = self.snap.managed_domains
        if managed_domain_blocks(state, action, managed):
            # Zoom would answer 1107: refused with the choice for every such user at once (guards), not per user
            self.blocked.append(email)
            managed = None
        problems = removal_problems(state, action, self.options['transfer_to'], None, self.options['allow_data_loss'],
                                    managed=managed)
        for text in problems:
            self.problems.append(Problem('%s (not in the list): %s' % (email, text), email=email, field='unlisted'))
        if problems or email in self.blocked:
            removal = [Change('remove', action, before=status, after='absent')]
        else:
            removal = plan_removal(state, action, self.options['transfer_to'], None, self.options['allow_data_loss'])
        if not removal:
            return None
        entry = Entry(email, 'remove', state)
        entry.removal = removal
        entry.changes = {'status': [status, 'absent']}
        entry.steps = ['remove (%s; not in the list)' % removal[0].field]
        entry.predicted_status = 'absent'
        entry.unlisted = True
        return entry


def _ignored_view(state):
    """A user of the scope left alone by ``unlisted: ignore`` (for the audit report; not covered by the digest)."""
    row = state.user or {}
    view = {'email': state.email, 'status': state.status}
    for name in ('first_name', 'last_name'):
        view[name] = row.get(name)
    view['type'] = type_name(row['type']) if row.get('type') is not None else None
    return view


def build_plan(desired, snap, scope, input_problems=(), **options):
    """Pure: the ``SyncPlan`` for ``desired`` (from ``check_entries``) against ``snap``."""
    return Planner(snap, scope, **options).build(desired, input_problems)


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
            result['updated'].append({'email': entry.email, 'fields': sorted(entry.changes, key=field_order),
                                      'actions': entry.labels})
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
        result[name].sort(key=email_key)
    for name in ('updated', 'pending', 'protected'):
        result[name].sort(key=lambda item: email_key(item['email']))
    return result
