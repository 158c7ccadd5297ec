#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

DOCUMENTATION = r'''
---
module: zoom_phone_info
short_description: Answer the Zoom Phone questions asked before a rollout - free seats, free numbers, sites, users
version_added: 0.1.0
description:
  - Reads the Zoom Phone inventory of the account - calling plans with their subscribed, assigned and available seats,
    phone numbers (and the unassigned ones per site), sites - and the phone setup of given users.
  - Read-only; an optional JMESPath O(query) selects from the result.
author:
  - ZoomOps maintainers (@zoomops)
extends_documentation_fragment:
  - zoomops.provisioning.zoom
  - zoomops.provisioning.zoom.actiongroup
  - zoomops.provisioning.zoom.info
options:
  gather:
    description:
      - What to read. V(users) is added when O(users) is set. V(all) reads everything.
    type: list
    elements: str
    choices: [all, calling_plans, numbers, sites, users]
    default: [calling_plans, numbers, sites]
  users:
    description:
      - Emails (or Zoom user ids) whose phone setup to report in RV(users).
    type: list
    elements: str
    default: []
  query:
    description:
      - A JMESPath expression applied to a dict with the gathered keys (RV(calling_plans), RV(numbers),
        RV(unassigned_numbers), RV(sites), RV(users)); the answer is returned in RV(query_result).
      - For example V(calling_plans[?available > `0`].name) or V(numbers[?!assigned && site=='Main Office'].number).
    type: str
requirements:
  - jmespath (Python library), only for O(query)
seealso:
  - module: zoomops.provisioning.zoom_phone_user
'''

EXAMPLES = r'''
- name: What can be handed out?
  zoomops.provisioning.zoom_phone_info:
  register: phone

- name: Show plans with free seats and free numbers per site
  ansible.builtin.debug:
    msg:
      - "{{ phone.calling_plans | selectattr('available', 'gt', 0) | map(attribute='name') | list }}"
      - "{{ phone.numbers | rejectattr('assigned') | map(attribute='number') | list }}"

- name: The phone setup of two people
  zoomops.provisioning.zoom_phone_info:
    gather: [users]
    users: [ada@example.com, grace@example.com]
  register: people

- name: Names of plans that still have seats, with JMESPath
  zoomops.provisioning.zoom_phone_info:
    gather: [calling_plans]
    query: "calling_plans[?available > `0`].name"
  register: free_plans

- name: Free numbers of the London site
  zoomops.provisioning.zoom_phone_info:
    gather: [numbers]
    query: "numbers[?!assigned && site=='London'].number"
  register: london_numbers
'''

RETURN = r'''
calling_plans:
  description: Calling plans of the account with C(name), C(type), C(subscribed), C(assigned) and C(available) seats.
  returned: when V(calling_plans) is gathered
  type: list
  elements: dict
  sample: [{name: US/CA Unlimited Calling Plan, type: 200, subscribed: 10, assigned: 7, available: 3}]
numbers:
  description:
    - Every phone number of the account - C(number) (E.164), C(id), C(site) (name), C(status), C(assigned) and
      C(assignee) (C(id), C(name), C(type), C(extension_number)) when assigned. The free ones are those with
      C(assigned) false.
  returned: when V(numbers) is gathered
  type: list
  elements: dict
  sample: [{number: "+14155550101", id: qVwQbyy9QJ2ZqCVD-vO3kw, site: Main Office, status: available, assigned: false,
            assignee: null}]
unassigned_numbers:
  description:
    - Deprecated, will be removed in 2.0.0 - use RV(numbers) (the entries with C(assigned) false, for example the query
      V(numbers[?!assigned].number)).
    - Unassigned numbers per site name (C((no site)) for numbers without a site).
  returned: when V(numbers) is gathered
  type: dict
  sample: {Main Office: ["+14155550101", "+14155550102"]}
sites:
  description: Sites of the account with C(id), C(name), C(site_code) and C(main).
  returned: when V(sites) is gathered
  type: list
  elements: dict
users:
  description:
    - One entry per O(users) item - C(email), C(user_id), C(zoom_status), C(phone) (C(zoom_phone), C(site),
      C(extension_number), C(calling_plans) names, C(phone_numbers)), C(phone_user) as Zoom shows it (or V(null)),
      and C(pending_reason) / C(remedy) for pending users.
  returned: when V(users) is gathered
  type: list
  elements: dict
query_result:
  description: The answer of O(query).
  returned: when O(query) is set
  type: raw
'''

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomError
from ansible_collections.zoomops.provisioning.plugins.module_utils._module import ZoomModule
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import (
    check_user_ref,
    load_inventory,
    read_phone_state,
    read_phone_user,
    summarize_phone_user,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    diagnose_pending,
    lookup_user,
    pending_create_action,
)

NO_SITE = '(no site)'


def plan_rows(inventory):
    rows = []
    for plan in inventory.calling_plans:
        rows.append(dict((key, plan.get(key)) for key in ('name', 'type', 'subscribed', 'assigned', 'available')
                         if key in plan))
    return rows


def number_rows(inventory):
    rows = []
    free = {}
    for item in inventory.numbers:
        site_id = (item.get('site') or {}).get('id')
        site = (item.get('site') or {}).get('name') or (inventory.site_name(site_id) if site_id else None)
        assignee = item.get('assignee') or None
        row = {'number': item.get('number'), 'id': item.get('id'), 'site': site, 'status': item.get('status'),
               'assigned': bool(assignee), 'assignee': assignee}
        rows.append(row)
        if not assignee:
            free.setdefault(site or NO_SITE, []).append(item.get('number'))
    for site in free:
        free[site].sort()
    return rows, free


def site_rows(inventory):
    return [{'id': site.get('id'), 'name': site.get('name'), 'site_code': site.get('site_code'),
             'main': site.get('level') == 'main' or site.get('main') is True} for site in inventory.sites]


def user_row(client, ref, inventory):
    state = lookup_user(client, ref)
    row = {'email': state.email, 'user_id': state.id, 'zoom_status': state.zoom_status, 'phone_user': None,
           'phone': summarize_phone_user(None)}
    if state.status == 'pending':
        row['pending_reason'], row['remedy'] = diagnose_pending(
            client, state.email, create_action=pending_create_action(state.user, 'ssoCreate'))
    if state.status in ('active', 'inactive') and state.id:
        # an inactive user's phone is only reported, never planned: no feature read, no second look
        if state.status == 'active':
            phone, feature = read_phone_state(client, state.id)
        else:
            phone, feature = read_phone_user(client, state.id), False
        row['phone_user'] = phone
        row['phone'] = summarize_phone_user(phone, inventory)
        if phone is None and feature:
            row['phone']['zoom_phone'] = True
            row['phone_user_provisioning'] = True
    return row


def main():
    module = ZoomModule(
        argument_spec=dict(
            gather=dict(type='list', elements='str', default=['calling_plans', 'numbers', 'sites'],
                        choices=['all', 'calling_plans', 'numbers', 'sites', 'users']),
            users=dict(type='list', elements='str', default=[]),
            query=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    p = module.params
    gather = set(p['gather'] or [])
    if 'all' in gather:
        gather = set(['calling_plans', 'numbers', 'sites', 'users'])
    users = []
    problems = []
    for ref in p['users'] or []:
        try:
            users.append(check_user_ref(ref, field='users'))
        except ZoomError as exc:
            problems.append(exc.msg)
    if users:
        gather.add('users')
    expression, problem = module.query_expression(example='calling_plans[?available > `0`].name')
    if problem:
        problems.append(problem)
    if problems:
        module.fail_json(msg='Invalid options (nothing was sent to Zoom): %s' % ' | '.join(problems))
    result = dict(changed=False)
    client = module.client
    try:
        inventory = load_inventory(client, calling_plans='calling_plans' in gather or 'users' in gather,
                                   numbers='numbers' in gather,
                                   sites=bool(gather & set(['sites', 'numbers', 'users'])))
        if 'calling_plans' in gather:
            result['calling_plans'] = plan_rows(inventory)
        if 'numbers' in gather:
            result['numbers'], result['unassigned_numbers'] = number_rows(inventory)
        if 'sites' in gather:
            result['sites'] = site_rows(inventory)
        if 'users' in gather:
            result['users'] = [user_row(client, ref, inventory) for ref in users]
    except ZoomError as exc:
        module.fail_from_error(exc, **result)
    if expression is not None:
        data = dict((key, result[key]) for key in ('calling_plans', 'numbers', 'unassigned_numbers', 'sites', 'users')
                    if key in result)
        result['query_result'] = module.query_result(expression, data, **result)
    module.exit_json(**result)


if __name__ == '__main__':
    main()
