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
  ``phone_absent_plan`` (``_phone_plan``, pure: no I/O) -> ``PhonePlan`` with ordered steps
  and a before/after summary; ``plan_phone`` raises ``ZoomPlanError`` listing
  **every** conflict at once, before anything is written;
* ``apply_phone(client, user, plan, wait_budget)`` runs the steps; a write whose
  outcome is unknown (lost answer, 5xx, dropped connection) is confirmed by
  reading the phone user again and sent again only when it did not land.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import time

from ansible_collections.zoomops.provisioning.plugins.module_utils._client import quote_path
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    CODE_ACCOUNT_NOT_FOUND,
    ZoomAPIError,
    ZoomError,
    ZoomPlanError,
    ZoomUncertainWriteError,
    is_missing,
)
# pylint: disable=unused-import
# Re-exported: the modules and zoom_user_sync import every phone name from here.
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone_input import (  # noqa: F401
    check_user_ref,
    normalize_desired,
    problem,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone_inventory import (  # noqa: F401
    PhoneInventory,
    _as_int,
    find_numbers,
    held_numbers,
    inventory_needs,
    load_inventory,
    site_id_of,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone_plan import (  # noqa: F401
    EXTENSION_BY_ZOOM,
    SITE_BY_ZOOM,
    PhonePlan,
    PhoneStep,
    phone_absent_plan,
    phone_up_to_date,
    plan_phone,
    step_labels,
    summarize_phone_user,
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

# sends of one write step whose outcome stayed unknown (the first plus re-sends after a confirming read)
WRITE_ATTEMPTS = 3


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
        return site_id_of(phone) == step.args['site_id']
    if kind == 'set_extension':
        return _as_int(phone.get('extension_number')) == step.args['extension_number']
    plans = set(_as_int(p.get('type')) for p in phone.get('calling_plans') or [])
    numbers = held_numbers(phone)
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
            have = held_numbers(phone)
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
            vanished = is_missing(error)
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
    """Planner problems for a Zoom user that cannot get a phone (pending, inactive, not in the account)."""
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
    # absent, or 'external' (code 1010), which Zoom may answer for any email outside the account (docs/ZOOM-API-FACTS.md §2.5)
    return [problem('email', email, 'email: %s does not exist in this Zoom account; create it first in a task before this one '
                    '(zoomops.provisioning.zoom_user state: present), then run zoom_phone_user. In check mode the new user '
                    'is planned.' % email)]
