#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

DOCUMENTATION = r'''
---
module: zoom_phone_user
short_description: Give a Zoom user Zoom Phone with a site, extension, calling plans and numbers, or take it away
version_added: 0.1.0
description:
  - Converges the Zoom Phone setup of one Zoom user in the order Zoom requires. The Zoom user must be active; the
    module enables the phone feature when needed, waits with backoff until Zoom has created the phone user (Zoom
    does that asynchronously and answers 404 meanwhile), then sets the site, the extension, the calling plans and the
    phone numbers, each only when it differs.
  - Every problem is found before anything is written (the phone feature included) and reported together in
    RV(problems) - malformed input (an extension that is not ASCII digits or too long, a number that is not E.164, a
    plan or number listed twice), an extension used by someone else (named), a number assigned to another user or not
    in the account, an unknown calling plan or one without a free seat, an unknown site, a Zoom user that is pending
    (with the reason and the fix from the diagnosis of M(zoomops.provisioning.zoom_user)), deactivated or missing.
  - A write whose outcome is unknown (a lost answer, HTTP 5xx or a dropped connection) is confirmed by reading the
    phone user again and sent again only if it did not land (at most three sends), so one fault does not fail the task
    and nothing is done twice.
  - Switching one calling plan for another uses Zoom's atomic switch (C(PUT .../calling_plans)). Otherwise new plans
    are added before old ones are removed, so the user keeps a plan throughout.
  - O(state=absent) removes the numbers, then the calling plans, then the phone feature, and nothing else (the Zoom
    user stays; use M(zoomops.provisioning.zoom_user) to deactivate or remove it).
  - Only the options that are set are managed; O(calling_plans) and O(phone_numbers) are exact sets.
author:
  - ZoomOps maintainers (@zoomops)
extends_documentation_fragment:
  - zoomops.provisioning.zoom
  - zoomops.provisioning.zoom.actiongroup
  - zoomops.provisioning.zoom.check_diff
options:
  email:
    description:
      - Email address (or Zoom user id) of the Zoom user.
      - The user must exist in Zoom. In check mode a user that does not exist yet (a previous task, for example
        M(zoomops.provisioning.zoom_user), would create it) is planned as a new active user.
    type: str
    required: true
    aliases: [user, user_id]
  state:
    description:
      - V(present) gives the user Zoom Phone and converges the options that are set.
      - V(absent) removes the user's numbers, calling plans and the phone feature.
    type: str
    choices: [present, absent]
    default: present
  site:
    description:
      - Name (case-insensitive) or id of the Zoom Phone site of the user.
      - Not set - the site is not managed (a new phone user goes to the site Zoom picks, normally the main site).
    type: str
  extension_number:
    description:
      - Full extension number (site code plus short extension, as Zoom shows it), for example V(1005) - ASCII digits,
        2 to 15 digits, no leading zero (Zoom allows 6 digits, 15 with the account feature "15-Digit Max Length
        Extensions").
      - V(auto) lets Zoom assign an extension to a new phone user and keeps whatever Zoom assigned on later runs.
      - Not set - the extension is not managed.
    type: str
  calling_plans:
    description:
      - The exact set of calling plans the user ends with, as names shown by Zoom (case-insensitive, for example
        V(US/CA Unlimited Calling Plan)) or plan type codes in ASCII digits (for example V(200)).
      - Plans of the user not listed are removed; V([]) removes every plan. Not set - plans are not managed.
      - See M(zoomops.provisioning.zoom_phone_info) for the plans of the account and their free seats.
    type: list
    elements: str
  phone_numbers:
    description:
      - The exact set of phone numbers of the user, in E.164 format (V(+14155550100)).
      - Every number must belong to the account and be unassigned or already this user's. Numbers of the user not
        listed are unassigned; V([]) unassigns every number. Not set - numbers are not managed.
    type: list
    elements: str
  phone_wait_timeout:
    description:
      - Seconds to wait for Zoom to create the phone user after the phone feature was enabled (or while Zoom is
        still creating it). The module polls with exponential backoff (1 s doubling up to 10 s) and requires two
        successful reads in a row.
      - When the budget runs out the task fails with a clear message; the phone feature stays on and a rerun waits
        again and finishes the setup.
      - The alias C(wait_timeout) is deprecated and will be removed in 2.0.0.
    type: int
    default: 120
    aliases: [wait_timeout]
notes:
  - In check mode nothing is written. When the phone user does not exist yet the prediction comes from the desired
    options and the account's inventory; values only Zoom can decide show as V((assigned by Zoom)) and
    V((default site, chosen by Zoom)). When the Zoom user does not exist yet (check mode only), the task plans
    against a new user and still checks extension, number and seat conflicts against the account, so a playbook
    that creates the user in an earlier task can be reviewed with C(--check --diff). If the email's domain is not an
    associated domain of the account, a warning says that C(ssoCreate) would leave the user pending (no phone then).
  - The module reads the user (C(GET /v2/users/{id})), the phone user, the calling plans and sites, and only the
    numbers it has to assign, each looked up by number (C(GET /v2/phone/numbers?phone_number=...)); the calls do not
    grow with the account's numbers, and a rerun on a converged user makes no write call.
  - Moving a user to another site keeps the user's numbers; if Zoom unassigned them on the move, they are assigned
    again (the numbers in O(phone_numbers) when set, otherwise the ones the user had).
  - The phone feature is switched with C(PATCH /v2/users/{id}) and C(feature.zoom_phone); whether it is on is read from
    C(GET /v2/users/{id}/settings) while the phone user does not exist yet.
seealso:
  - module: zoomops.provisioning.zoom_phone_info
  - module: zoomops.provisioning.zoom_user
'''

EXAMPLES = r'''
- name: Give Ada Zoom Phone with a fixed extension, a plan and a number
  zoomops.provisioning.zoom_phone_user:
    email: ada@example.com
    site: Main Office
    extension_number: 1005
    calling_plans:
      - US/CA Unlimited Calling Plan
    phone_numbers:
      - "+14155550100"

- name: Let Zoom choose the extension and keep it
  zoomops.provisioning.zoom_phone_user:
    email: grace@example.com
    extension_number: auto
    calling_plans: [200]

- name: Switch the plan (atomic switch in Zoom) and keep the rest as it is
  zoomops.provisioning.zoom_phone_user:
    email: ada@example.com
    calling_plans:
      - US/CA Metered Calling Plan

- name: Review onboarding first (ansible-playbook --check --diff) - the phone task plans for the user the first task creates
  block:
    - name: Ensure the Zoom user
      zoomops.provisioning.zoom_user:
        email: ann@example.com
        first_name: Ann
        last_name: Lee
        type: licensed

    - name: Ensure her phone setup
      zoomops.provisioning.zoom_phone_user:
        email: ann@example.com
        site: Main Office
        extension_number: auto
        calling_plans: [US/CA Unlimited Calling Plan]
        phone_numbers: ["+14155550123"]
        phone_wait_timeout: 180

- name: Take Zoom Phone away (numbers, then plans, then the feature)
  zoomops.provisioning.zoom_phone_user:
    email: ada@example.com
    state: absent

- name: Use connection options once for all Zoom tasks
  module_defaults:
    group/zoomops.provisioning.zoom:
      account_id: "{{ zoom_account_id }}"
      client_id: "{{ zoom_client_id }}"
      client_secret: "{{ zoom_client_secret }}"
  block:
    - name: Converge the phone of one user
      zoomops.provisioning.zoom_phone_user:
        email: ada@example.com
        extension_number: auto
'''

RETURN = r'''
user_id:
  description: Zoom user id of the user.
  returned: when the user exists in the account
  type: str
  sample: KDcuGIm1QgePTO8WbOqwIQ
zoom_status:
  description: Status of the Zoom user - V(active), V(inactive), V(pending), V(stuck_invitation) or V(absent).
  returned: always
  type: str
  sample: active
pending_reason:
  description:
    - Why the Zoom user is pending - V(domain_not_associated), V(existing_zoom_account), V(awaiting_confirmation),
      V(stuck_invitation) or V(unknown).
  returned: when O(state=present) and the user is pending
  type: str
  sample: domain_not_associated
remedy:
  description: What to do so the pending user becomes active.
  returned: when O(state=present) and the user is pending
  type: str
predicted_user:
  description:
    - V(true) when, in check mode, the Zoom user does not exist yet and the plan is for the new user a previous task
      would create.
  returned: when the plan is for a user that does not exist yet (check mode)
  type: bool
phone_user:
  description:
    - The phone user as Zoom shows it (C(GET /v2/phone/users/{id})), read again after the changes. In check mode
      the current one. V(null) when the user has no phone user.
  returned: always
  type: dict
  sample:
    id: KDcuGIm1QgePTO8WbOqwIQ
    email: ada@example.com
    extension_number: 1005
    site_id: 8f71O6rWT8KFUGQmJIFAdQ
    calling_plans: [{type: 200, name: US/CA Unlimited Calling Plan}]
    phone_numbers: [{id: qVwQbyy9QJ2ZqCVD-vO3kw, number: "+14155550100"}]
phone:
  description:
    - The managed aspects after the run (predicted in check mode) - C(zoom_phone), C(site) (name),
      C(extension_number), C(calling_plans) (names) and C(phone_numbers).
  returned: always
  type: dict
  sample: {zoom_phone: true, site: Main Office, extension_number: 1005,
           calling_plans: [US/CA Unlimited Calling Plan], phone_numbers: ["+14155550100"]}
actions:
  description:
    - What was changed (in check mode, what would be), as short labels in order - V(phone:feature),
      V(phone:site), V(phone:extension_number), V(phone:calling_plans), V(phone:phone_numbers).
  returned: always
  type: list
  elements: str
  sample: [phone:feature, phone:extension_number, phone:calling_plans]
messages:
  description: The steps done (in check mode, that would be done) as sentences, in order.
  returned: always
  type: list
  elements: str
  sample: [enable the Zoom Phone feature of ada@example.com, wait for Zoom to create the phone user of ada@example.com,
           set the extension of ada@example.com to 1005 (was 1000)]
diff:
  description: Before and after of C(zoom_phone), C(site), C(extension_number), C(calling_plans) and C(phone_numbers).
  returned: always
  type: dict
problems:
  description:
    - Every conflict or invalid value found before any write, each with C(field), C(value) and C(msg).
  returned: failure because of conflicts or invalid options
  type: list
  elements: dict
  sample: [{field: extension_number, value: 1002, msg: "extension_number: 1002 is already used by bob@example.com (Bob)"}]
failed_step:
  description: The step that failed while applying (Zoom refused a write).
  returned: failure while applying
  type: str
actions_done:
  description: The steps that were applied before the failing one, as sentences (RV(actions) has their labels).
  returned: failure while applying
  type: list
  elements: str
'''

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomError, ZoomPlanError
from ansible_collections.zoomops.provisioning.plugins.module_utils._module import ZoomModule
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import (
    ZoomPhoneNotReadyError,
    ZoomPhoneStepError,
    apply_phone,
    check_user_ref,
    inventory_needs,
    load_inventory,
    normalize_desired,
    phone_absent_plan,
    plan_phone,
    problem,
    read_phone_state,
    read_phone_user,
    reread_phone_user,
    step_labels,
    summarize_phone_user,
    user_state_problems,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    account_domains,
    diagnose_pending,
    email_domain,
    lookup_user,
    pending_create_action,
    predicted_pending,
    stuck_remedy,
)


def _problem_message(email, problems):
    lines = [item['msg'] if isinstance(item, dict) else str(item) for item in problems]
    return 'Cannot set up Zoom Phone for %s; nothing was changed. %s' % (email, ' | '.join(lines))


def _apply(client, user_id, plan, wait_budget, result):
    """apply_phone; on failure ``changed`` and ``actions`` tell what was written before it."""
    try:
        return apply_phone(client, user_id, plan, wait_budget=wait_budget)
    except (ZoomPhoneStepError, ZoomPhoneNotReadyError) as exc:
        result['changed'] = exc.changed
        result['actions'] = list(exc.labels)
        raise


def _planned(result, plan):
    result.update(changed=plan.changed, actions=plan.labels, messages=plan.actions, diff=plan.diff, phone=plan.after)


def _applied(result, plan, steps, phone_user, inventory):
    result['actions'] = step_labels(steps)
    result['messages'] = [step.description for step in steps]
    result['changed'] = any(step.write for step in steps)
    result['phone_user'] = phone_user
    result['phone'] = summarize_phone_user(phone_user, inventory)
    result['diff'] = {'before': plan.before, 'after': result['phone']}


def run_absent(module, client, state, result):
    email = state.email
    current = None
    feature = False
    if state.status in ('active', 'inactive') and state.id:
        current, feature = read_phone_state(client, state.id)
    inventory = load_inventory(client, calling_plans=False, numbers=False, sites=True) if current is not None else None
    plan = phone_absent_plan(current, user_email=email, user_id=state.id, feature_enabled=feature, inventory=inventory)
    _planned(result, plan)
    result['phone_user'] = current
    if module.check_mode or not plan.steps:
        if not plan.steps:
            result['phone'] = plan.before
        return result
    steps = _apply(client, state.id, plan, 0, result)
    _applied(result, plan, steps, read_phone_user(client, state.id), inventory)
    return result


def _user_problems(client, state, email, check_mode, result):
    """Problems of a Zoom user that cannot get a phone now; a missing user is planned as new in check mode."""
    if state.status == 'active':
        return []
    # 'external' (code 1010) is what Zoom may answer for any email outside the account (docs/ZOOM-API-FACTS.md §2.5):
    # for this module both mean "not a user of this account yet"
    if state.status in ('absent', 'external') and check_mode:
        result['predicted_user'] = True
        return []
    reason = remedy = None
    if state.status == 'pending':
        reason, remedy = diagnose_pending(client, email,
                                          create_action=pending_create_action(state.user, 'ssoCreate'))
    elif state.status == 'stuck_invitation':
        reason, remedy = 'stuck_invitation', stuck_remedy(email)
    if reason:
        result['pending_reason'] = reason
        result['remedy'] = remedy
    return user_state_problems(state.status, email, reason, remedy)


def _warn_if_predicted_pending(module, client, email, result):
    """Check mode for a user still to be created: say when ssoCreate would leave it pending (docs/ZOOM-API-FACTS.md §3)."""
    if predicted_pending(email, 'ssoCreate', account_domains(client)):
        text = ('%s does not exist yet and its domain %s is not an associated domain of the account: created with ssoCreate '
                '(the default of zoomops.provisioning.zoom_user) it would be pending, and this phone setup would fail '
                'until the domain is associated.' % (email, email_domain(email)))
        result['messages'].append(text)
        module.warn(text)


def run_present(module, client, state, desired, result):
    email = state.email
    current = None
    feature = False
    problems = _user_problems(client, state, email, module.check_mode, result)
    if state.status == 'active':
        current, feature = read_phone_state(client, state.id)
    inventory = load_inventory(client, **inventory_needs(desired, current))
    plan = None
    try:
        plan = plan_phone(desired, current, inventory, user_email=email, user_id=state.id, feature_enabled=feature)
    except ZoomPlanError as exc:
        problems.extend(exc.problems)
    result['phone_user'] = current
    if problems:
        result['problems'] = problems
        module.fail_json(msg=_problem_message(email, problems), **result)
    _planned(result, plan)
    if result.get('predicted_user'):
        _warn_if_predicted_pending(module, client, email, result)
    if module.check_mode or not plan.steps:
        return result
    steps = _apply(client, state.id, plan, module.params['phone_wait_timeout'], result)
    _applied(result, plan, steps, reread_phone_user(client, state.id), inventory)
    return result


def main():
    module = ZoomModule(
        argument_spec=dict(
            email=dict(type='str', required=True, aliases=['user', 'user_id']),
            state=dict(type='str', default='present', choices=['present', 'absent']),
            site=dict(type='str'),
            extension_number=dict(type='str'),
            calling_plans=dict(type='list', elements='str'),
            phone_numbers=dict(type='list', elements='str'),
            phone_wait_timeout=dict(type='int', default=120, aliases=['wait_timeout'],
                                    deprecated_aliases=[dict(name='wait_timeout', version='2.0.0',
                                                             collection_name='zoomops.provisioning')]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    result = dict(changed=False, zoom_status=None, phone_user=None, actions=[], messages=[])
    problems = []
    email = (p['email'] or '').strip()
    try:
        email = check_user_ref(p['email'])
    except ZoomError as exc:
        problems.append(problem('email', p['email'], exc.msg))
    if p['phone_wait_timeout'] < 0:
        problems.append(problem('phone_wait_timeout', p['phone_wait_timeout'], 'phone_wait_timeout: %s is negative; give a number '
                                'of seconds of at least 0 (default 120).' % p['phone_wait_timeout']))
    desired = {}
    if p['state'] == 'present':
        desired, input_problems = normalize_desired(site=p['site'], extension_number=p['extension_number'],
                                                    calling_plans=p['calling_plans'], phone_numbers=p['phone_numbers'])
        problems.extend(input_problems)
    if problems:
        module.fail_json(msg='Invalid options for %s (nothing was sent to Zoom): %s'
                         % (email or 'the user', ' | '.join(item['msg'] for item in problems)), problems=problems, **result)
    client = module.client
    try:
        state = lookup_user(client, email)
        result['zoom_status'] = state.zoom_status
        if state.id:
            result['user_id'] = state.id
        if p['state'] == 'absent':
            result = run_absent(module, client, state, result)
        else:
            result = run_present(module, client, state, desired, result)
    except ZoomError as exc:
        module.fail_from_error(exc, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
