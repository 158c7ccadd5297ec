#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

DOCUMENTATION = r'''
---
module: zoom_user_info
short_description: Export the Zoom users of an account as the desired-state list of zoom_user_sync
version_added: 0.1.0
description:
  - Reads the account in bulk (C(GET /v2/users) for each status, 300 a page; C(GET /v2/phone/users), calling plans and
    sites when O(include_phone=true)) and returns its users in the format of the O(zoomops.provisioning.zoom_user_sync#module:users)
    option, so a team can adopt an existing account by saving the result to a YAML file instead of retyping it.
  - Each user has C(email), C(first_name), C(last_name), C(display_name) (only when it differs from the names), C(type)
    (V(basic) or V(licensed)), C(department) and C(job_title) when set, C(active=false) for deactivated users and a
    C(phone) block (C(site), C(extension_number), C(calling_plans) names, C(phone_numbers)) for Zoom Phone users.
  - The account owner and admins are left out unless O(include_admins=true) - M(zoomops.provisioning.zoom_user_sync)
    never changes them (it reports listed ones as protected, with a warning), so the export can be fed to it as it is.
  - Read-only. Filters (O(scope), O(emails), O(status)) and a JMESPath O(query) select what comes back.
author: [ZoomOps maintainers (@zoomops)]
extends_documentation_fragment: [zoomops.provisioning.zoom, zoomops.provisioning.zoom.actiongroup, zoomops.provisioning.zoom.info]
options:
  scope:
    description:
      - Only the users in this scope, as in M(zoomops.provisioning.zoom_user_sync) - email domain in O(scope.domains) or
        email matching one of the O(scope.emails) patterns. Without it, every user of the account.
    type: dict
    suboptions:
      domains:
        description: Export the users of these email domains, for example V(example.com).
        type: list
        default: []
        elements: str
      emails:
        description: Export the users whose email matches one of these glob patterns, for example V(*@sales.example.com).
        type: list
        default: []
        elements: str
  domains:
    description:
      - Deprecated, use O(scope.domains) (the same list); will be removed in 2.0.0.
    type: list
    elements: str
  emails:
    description: Only these users (emails, compared case-insensitively).
    type: list
    elements: str
    default: []
  status:
    description: Which users to read. Pending users are invitations that have not been accepted yet.
    type: list
    elements: str
    choices: [active, inactive, pending]
    default: [active, inactive, pending]
  include_phone:
    description: Read the Zoom Phone setup too (three more list reads) and add the C(phone) block.
    type: bool
    default: true
  include_admins:
    description: Export the account owner and admins too (left out by default, see above).
    type: bool
    default: false
  query:
    description:
      - A JMESPath expression applied to the list of exported users; its answer is returned in RV(query_result)
        instead of RV(users).
      - For example V([?phone].email) (users with a phone) or V([?phone.site=='Main Site']).
    type: str
requirements:
  - jmespath (Python library), only for O(query)
seealso:
  - module: zoomops.provisioning.zoom_user_sync
'''

EXAMPLES = r'''
- name: Adopt an existing account - write its users as the desired state
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Export the users of example.com (not the owner and admins)
      zoomops.provisioning.zoom_user_info:
        scope:
          domains: [example.com]
        status: [active, inactive]
      register: account

    - name: Save them where zoom_user_sync will read them
      ansible.builtin.copy:
        content: "{{ account.users | to_nice_yaml(indent=2, sort_keys=false) }}"
        dest: zoom/users.yml
        mode: "0644"

- name: Emails of the users of one site
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Query
      zoomops.provisioning.zoom_user_info:
        query: "[?phone.site=='Main Site'].email"
      register: main_site
'''

RETURN = r'''
users:
  description:
    - The users, sorted by email, in the format of the O(zoomops.provisioning.zoom_user_sync#module:users) option.
  returned: when O(query) is not set
  type: list
  elements: dict
  sample:
    - email: ada@example.com
      first_name: Ada
      last_name: Lovelace
      type: licensed
      phone:
        site: Main Site
        extension_number: "1001"
        calling_plans: [US/CA Unlimited Calling Plan]
        phone_numbers: ["+14155550101"]
count:
  description: Number of users exported (before O(query)).
  returned: always
  type: int
  sample: 42
query_result:
  description: The answer of O(query) applied to the exported users.
  returned: when O(query) is set
  type: raw
problems:
  description: Every problem with the options (each names the option and the fix); nothing was read.
  returned: when the options have problems
  type: list
  elements: str
'''

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomError
from ansible_collections.zoomops.provisioning.plugins.module_utils._module import ZoomModule
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_export import export_users
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_input import Scope, domain_problems, pattern_problems
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_read import read_account
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import email_problems


def main():
    module = ZoomModule(
        argument_spec=dict(
            scope=dict(type='dict', options=dict(
                domains=dict(type='list', elements='str', default=[]),
                emails=dict(type='list', elements='str', default=[]),
            )),
            domains=dict(type='list', elements='str', removed_in_version='2.0.0',
                         removed_from_collection='zoomops.provisioning'),
            emails=dict(type='list', elements='str', default=[]),
            status=dict(type='list', elements='str', default=['active', 'inactive', 'pending'],
                        choices=['active', 'inactive', 'pending']),
            include_phone=dict(type='bool', default=True),
            include_admins=dict(type='bool', default=False),
            query=dict(type='str'),
        ),
        supports_check_mode=True,
    )
    params = module.params
    expression, query_problem = module.query_expression(example="[?type=='licensed'].email")
    scope_opt = params.get('scope') or {}
    problems = [query_problem] if query_problem else []
    problems += domain_problems(scope_opt.get('domains'), 'scope.domains') + domain_problems(params.get('domains'), 'domains')
    problems += pattern_problems(scope_opt.get('emails'), 'scope.emails')
    for index, email in enumerate(params['emails'] or []):
        problems += email_problems(email, 'emails[%d]' % index)
    statuses = tuple(s for s in ('active', 'inactive', 'pending') if s in (params['status'] or []))
    if not statuses:
        problems.append('status must name at least one of active, inactive, pending.')
    if problems:
        module.fail_json(msg='%d problem%s with the options; nothing was read from Zoom: %s' % (
            len(problems), '' if len(problems) == 1 else 's', ' | '.join(problems)), problems=problems)
    result = dict(changed=False)
    client = module.client
    try:
        with ThreadPoolExecutor(max_workers=8) as executor:
            snap = read_account(client, executor, phone=params['include_phone'], statuses=statuses)
    except ZoomError as exc:
        module.fail_from_error(exc, **result)
    scope = Scope(list(scope_opt.get('domains') or []) + list(params.get('domains') or []), scope_opt.get('emails'))
    users = export_users(snap, scope=scope, emails=params['emails'], statuses=statuses,
                         include_admins=params['include_admins'])
    result['count'] = len(users)
    if expression is not None:
        result['query_result'] = module.query_result(expression, users, **result)
    else:
        result['users'] = users
    module.exit_json(**result)


if __name__ == '__main__':
    main()
