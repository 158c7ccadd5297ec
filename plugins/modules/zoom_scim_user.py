#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

DOCUMENTATION = r'''
---
module: zoom_scim_user
short_description: Provision a Zoom user through SCIM2, handling pending and stuck invitations
version_added: 0.1.0
description:
  - Converges one Zoom user, found by email, through Zoom's SCIM2 API (C(/scim2/Users)), like an identity provider
    does, including the enterprise attributes (department, job title, cost centre, employee number, manager,
    organization) and a few Zoom extension attributes.
  - Only the options you set are compared, against the full user read with C(GET /scim2/Users/{id}) (the SCIM list
    omits attributes).
  - "The lookup C(filter=userName eq \"<email>\") answers 200 with the user, 200 empty, or 400
    C(not exist or not belong to this account) when the email is held by a pending invitation, live or dead (expired or
    deleted). Identity providers stop at that 400. This module turns it into a state: it asks the REST Users API
    whether a pending user exists and reports RV(zoom_status) C(pending) (live invitation) or C(stuck_invitation)
    (dead invitation), never a crash."
  - O(state=present) on a pending user follows O(on_pending); on a stuck invitation it follows O(on_stuck_invitation).
    O(state=absent) converges in every case; it withdraws a live invitation and warns about a dead one.
  - Every option is checked before the first call to Zoom, and every problem is reported at once. The phone values
    (calling plan, site, number, extension) are checked against the account with reads before the user is created.
  - A create whose answer is lost (5xx, dropped connection) is confirmed by a lookup; only when the lookup proves it did
    not land is it sent again (at most three times), so a user is never created twice.
author:
  - ZoomOps maintainers (@zoomops)
extends_documentation_fragment:
  - zoomops.provisioning.zoom
  - zoomops.provisioning.zoom.actiongroup
  - zoomops.provisioning.zoom.check_diff
options:
  email:
    description:
      - Email address of the user (SCIM C(userName)); the natural key, compared case-insensitively.
    type: str
    required: true
  state:
    description:
      - V(present) creates the user through SCIM when missing and updates the options you set.
      - V(absent) removes the user (see O(removal_action)) or withdraws a pending invitation.
    choices: [present, absent]
    type: str
    default: present
  active:
    description:
      - V(true) activates, V(false) deactivates the user (SCIM C(PATCH) with C(Operations)). Not compared when not set.
      - Zoom's SCIM API does not update the attributes of a deactivated user; to change them set O(active=true) too.
    type: bool
  first_name:
    description: First name (SCIM C(name.givenName)), at most 64 characters. Must not be empty when given.
    type: str
  last_name:
    description: Last name (SCIM C(name.familyName)), at most 64 characters. Must not be empty when given.
    type: str
  display_name:
    description:
      - Display name (SCIM C(displayName)). Zoom does not recompute it when the names change; set it explicitly.
    type: str
  type:
    description:
      - Licence type (SCIM C(userType)); V(basic) is C(Basic), V(licensed) is C(Licensed).
      - On create the default is V(basic); an existing user's licence changes only when this option is set.
      - The old name C(user_type) is deprecated and will be removed in 2.0.0.
    type: str
    choices: [basic, licensed]
    aliases: [user_type]
  job_title:
    description: Job title (SCIM C(title)).
    type: str
  department:
    description: Department (enterprise extension C(department)). An empty string clears it.
    type: str
  organization:
    description: Organization (enterprise extension C(organization)). An empty string clears it.
    type: str
  cost_center:
    description: Cost centre (enterprise extension C(costCenter)). An empty string clears it.
    type: str
  employee_number:
    description: Employee number (enterprise extension C(employeeNumber)). An empty string clears it.
    type: str
  manager:
    description: Email of the user's manager (enterprise extension C(manager)), compared case-insensitively.
    type: str
  personal_link_name:
    description:
      - Personal link name (Zoom extension C(personalLinkName)).
      - Sent when the user is created; afterwards compared and updated only when Zoom returns the attribute.
    type: str
  pronouns:
    description:
      - Pronouns (Zoom extension C(pronouns)).
      - Sent when the user is created; afterwards compared and updated only when Zoom returns the attribute.
    type: str
  extension_number:
    description:
      - Zoom Phone extension given at creation (Zoom extension C(zoomPhoneExtNumber)), in ASCII digits, the full number
        (site code + short extension, 2 to 15 digits, the rule of M(zoomops.provisioning.zoom_phone_user)); V(auto) (or
        V(0)) lets Zoom pick one. Checked to be free before the user is created.
      - Write-only (Zoom never returns it), so it is used only when the user is created. Manage the phone setup of
        existing users with M(zoomops.provisioning.zoom_phone_user).
      - The old name C(zoom_phone_extension) is deprecated and will be removed in 2.0.0.
    type: str
    aliases: [zoom_phone_extension]
  phone_numbers:
    description:
      - Phone number given at creation (Zoom extension C(zoomPhoneNumber)), in E.164 form; at most one (SCIM takes one).
        It must be an unassigned number of the account; this is checked before the user is created.
      - Write-only, used only when the user is created.
      - The old name C(zoom_phone_number) (a single number) is deprecated and will be removed in 2.0.0.
    type: list
    elements: str
    aliases: [zoom_phone_number]
  site:
    description:
      - Zoom Phone site name given at creation (Zoom extension C(zoomPhoneSite)); default is the main site. It must be a
        site of the account; this is checked before the user is created.
      - Write-only, used only when the user is created.
      - The old name C(zoom_phone_site) is deprecated and will be removed in 2.0.0.
    type: str
    aliases: [zoom_phone_site]
  calling_plans:
    description:
      - Calling plan given at creation (Zoom extension C(zoomPhoneCallingPlan)), a plan type code or name; at most one
        (SCIM takes one). It must be a calling plan of the account with a free seat; this is checked before the user is
        created.
      - Write-only, used only when the user is created.
      - The old name C(zoom_phone_calling_plan) (a single plan) is deprecated and will be removed in 2.0.0.
    type: list
    elements: str
    aliases: [zoom_phone_calling_plan]
  on_pending:
    description:
      - What O(state=present) does when the email is held by a live invitation (RV(zoom_status=pending)), which
        SCIM cannot see or update.
      - V(keep) leaves the invitation, reports RV(pending_reason) and RV(remedy) and warns (nothing changes).
      - V(withdraw_and_provision) withdraws the invitation (C(DELETE /v2/users/{email})) and creates the user directly
        through the REST API with O(create_action_rest), then sets the SCIM attributes. Refused before any change when
        the domain is not associated (the new user would be pending again), and together with
        O(create_action_rest=create) (it would replace the invitation with a new one on every run). If Zoom leaves the new
        user pending anyway (for example the email owns a personal Zoom account), the task fails with the cause.
      - V(fail) fails with the pending reason and remedy.
      - Also applies when the REST provisioning of O(on_stuck_invitation=provision_rest) would end pending.
    type: str
    choices: [keep, withdraw_and_provision, fail]
    default: keep
  on_stuck_invitation:
    description:
      - What O(state=present) does when the email is held by a dead (expired or deleted) invitation
        (RV(zoom_status=stuck_invitation)). SCIM cannot provision such an email (Zoom answers 400 to the lookup and to a
        create).
      - V(fail) fails with a message explaining the cause and the admin's remedy.
      - V(provision_rest) creates the user through the REST API (C(POST /v2/users) with O(create_action_rest)), which
        clears the dead invitation, then sets the SCIM attributes.
    type: str
    choices: [provision_rest, fail]
    default: fail
  create_action_rest:
    description:
      - The C(action) of C(POST /v2/users) on the REST provisioning paths (O(on_pending=withdraw_and_provision),
        O(on_stuck_invitation=provision_rest)). See M(zoomops.provisioning.zoom_user) O(zoomops.provisioning.zoom_user#module:create_action).
    type: str
    choices: [ssoCreate, custCreate, autoCreate, create]
    default: ssoCreate
  removal_action:
    description:
      - How O(state=absent) removes an existing user.
      - V(disassociate) unlinks the user through the REST API; the person keeps a free Zoom account with their data.
        Zoom refuses it for users whose email domain is a managed (associated) domain of the account (code 1107); the
        module predicts that from the account's domains and refuses before any change (check mode too), offering a
        choice between deactivating the user (O(state=present), O(active=false)) and V(delete) with O(transfer_to).
      - V(delete) deletes the user permanently through the REST API; needs O(transfer_to) or O(allow_data_loss=true).
      - V(scim_delete) sends C(DELETE /scim2/Users/{id}). Zoom does not document whether that deletes or
        disassociates, and it cannot transfer data, so it needs O(allow_data_loss=true).
    type: str
    choices: [disassociate, delete, scim_delete]
    default: disassociate
  transfer_to:
    description:
      - Email of an active user who receives the removed user's data (with O(removal_action=delete) or
        V(disassociate)). Must differ from O(email). Checked to be an active user of the account before anything is
        removed.
    type: str
  transfer:
    description:
      - The data moved to O(transfer_to); when O(transfer_to) is set the default is meetings, webinars, recordings and
        whiteboards.
    elements: str
    type: list
    choices: [meetings, webinars, recordings, whiteboards, clips, notes, visitors, docs]
  allow_data_loss:
    description:
      - Allow O(removal_action=delete) without O(transfer_to), and O(removal_action=scim_delete).
    type: bool
    default: false
  force:
    description:
      - Allow removing the account owner or an admin. Zoom itself still refuses some of these.
    type: bool
    default: false
notes:
  - Needs the C(scim2) scope, plus C(user:read:admin) and C(user:write:admin) for the pending/stuck handling and the
    REST removal, and C(account:read:admin) for the associated-domain check (skipped when Zoom does not answer it).
  - SCIM only creates users on an associated domain of the account (Zoom answers 409 otherwise); the module checks the
    domain first and fails before any change.
  - SCIM C(PUT) is a partial update in Zoom; the module sends only the changed attributes.
seealso:
  - module: zoomops.provisioning.zoom_user
'''

EXAMPLES = r'''
- name: SCIM users (connection options come from module_defaults or ZOOM_* environment variables)
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/zoomops.provisioning.zoom:
      account_id: "{{ zoom_account_id }}"
      client_id: "{{ zoom_client_id }}"
      client_secret: "{{ zoom_client_secret }}"
  tasks:
    - name: Provision a user with enterprise attributes
      zoomops.provisioning.zoom_scim_user:
        email: jane.doe@example.com
        first_name: Jane
        last_name: Doe
        display_name: Jane Doe
        type: licensed
        job_title: Engineer
        department: R&D
        cost_center: CC-42
        employee_number: "1001"
        manager: boss@example.com

    - name: Provision with a Zoom Phone extension, site and calling plan (checked against the account first)
      zoomops.provisioning.zoom_scim_user:
        email: new.caller@example.com
        first_name: New
        last_name: Caller
        extension_number: "1042"
        site: Main Site
        calling_plans: [US/CA Unlimited Calling Plan]
        phone_numbers: ["+14155550120"]

    - name: Provision even if an old invitation blocks the email
      zoomops.provisioning.zoom_scim_user:
        email: returning.hire@example.com
        first_name: Sam
        last_name: Return
        on_pending: withdraw_and_provision
        on_stuck_invitation: provision_rest
      register: provisioned

    - name: Show what happened
      ansible.builtin.debug:
        msg: "{{ provisioned.zoom_status }} {{ provisioned.actions }} {{ provisioned.remedy | default('') }}"

    - name: Deactivate (keeps everything)
      zoomops.provisioning.zoom_scim_user:
        email: leaver@example.com
        active: false

    - name: Remove a user of a managed domain (Zoom cannot disassociate them) by deleting with a data transfer
      zoomops.provisioning.zoom_scim_user:
        email: leaver@example.com
        state: absent
        removal_action: delete
        transfer_to: manager@example.com
'''

RETURN = r'''
zoom_status:
  description:
    - Status of the email in the account after the task (in check mode, the predicted status).
    - C(active), C(inactive), C(pending) (a live invitation holds the email), C(stuck_invitation) (a dead invitation
      holds it; SCIM cannot provision it) or C(absent).
  returned: always
  type: str
  sample: pending
pending_reason:
  description:
    - Why the user is (or would be) pending; null otherwise. C(domain_not_associated), C(existing_zoom_account),
      C(awaiting_confirmation) (an email invitation waiting for the person) or C(unknown).
  returned: always
  type: str
  sample: awaiting_confirmation
pending_evidence:
  description: The facts checked to reach RV(pending_reason), in plain words; empty when nothing is pending.
  returned: always
  type: list
  elements: str
  sample: ["the user was invited with the create action \"create\" (an email invitation)"]
remedy:
  description: What an admin does about a pending user or a stuck invitation, in plain words; null otherwise.
  returned: always
  type: str
  sample: "Zoom still holds a dead (expired or deleted) invitation for ..."
actions:
  description:
    - What was done (or would be done in check mode), in order, as short labels. C(create) (through SCIM, or through the
      REST API on the O(on_pending) / O(on_stuck_invitation) provisioning paths), C(phone:<option>) for the phone
      attributes sent with the create, C(update:<option>), C(activate), C(deactivate), C(remove:withdraw) (a pending
      invitation withdrawn), C(remove:disassociate), C(remove:delete), C(remove:scim_delete).
  returned: always
  type: list
  elements: str
  sample: [create, deactivate]
user:
  description:
    - The user after the task, re-read from Zoom; the SCIM user (C(GET /scim2/Users/{id})) for a real user, the REST
      user (C(GET /v2/users/{email})) for a pending one, empty otherwise. In check mode, the predicted user.
  returned: always
  type: dict
  sample: {id: "KDcuGIm1QgePTO8WbOqwIQ", userName: jane.doe@example.com, active: true, displayName: Jane Doe}
lookup_detail:
  description: Zoom's answer to the SCIM lookup when it was the 400 "not exist or not belong" trap, with the REST finding.
  returned: when the lookup hit the 400
  type: str
  sample: "User old@example.com not exist or not belong to this account.; the invitation expired (REST code 1120)"
confirmed_after_uncertain:
  description: True when Zoom's answer to a create was lost and the module confirmed the create by a lookup.
  returned: when a user was created
  type: bool
  sample: false
problems:
  description: Every reason the task was refused before any change (phone values, a removal Zoom would refuse).
  returned: when the task is refused before any change
  type: list
  elements: str
  sample: ["site: unknown site 'Mars'; sites of this account: Main Site."]
created:
  description: On a failed SCIM or REST create, whether a user was made anyway (false means nothing was created).
  returned: when a create failed
  type: bool
  sample: false
diff:
  description: The compared attributes (option names) and the status before and after.
  returned: when diff mode is on
  type: dict
  sample: {before: {zoom_status: active, department: Sales}, after: {zoom_status: active, department: R&D}}
'''

from ansible.module_utils.basic import _load_params

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomError, ZoomPlanError
from ansible_collections.zoomops.provisioning.plugins.module_utils._module import ZoomModule
from ansible_collections.zoomops.provisioning.plugins.module_utils._scim import (
    CREATE_ONLY,
    LIST_PHONE_FIELDS,
    SCIM_FIELDS,
    change_labels,
    create_payload,
    create_scim_user,
    create_time_changes,
    delete_scim_user,
    fresh_view,
    phone_inventory_problems,
    phone_problems,
    plan_scim,
    scim_lookup,
    scim_view,
    set_active,
    update_payload,
    update_scim_user,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    CREATE_ACTIONS,
    Change,
    ZoomCreateError,
    account_domains,
    create_user,
    email_domain,
    email_problems,
    lookup_user,
    name_problems,
    pending_after_create,
    pending_create_action,
    pending_diagnosis,
    plan_removal,
    predicted_pending,
    raise_problems,
    remove_user,
    stuck_remedy,
    transfer_problems,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._users_input import TEXT_LIMITS
from ansible_collections.zoomops.provisioning.plugins.module_utils._users_module import UserRunner, person_argument_spec


NAME_LIMITS = tuple((name, TEXT_LIMITS[name]) for name in ('first_name', 'last_name', 'display_name', 'job_title'))
FREE_TEXT = ('department', 'organization', 'cost_center', 'employee_number', 'personal_link_name', 'pronouns')
COMPARED = [name for name, _where in SCIM_FIELDS] + ['active']
# old option name -> vocabulary name (issue #12); kept as deprecated aliases until 2.0.0
DEPRECATED = (('user_type', 'type'), ('zoom_phone_extension', 'extension_number'), ('zoom_phone_number', 'phone_numbers'),
              ('zoom_phone_site', 'site'), ('zoom_phone_calling_plan', 'calling_plans'))


def _aliased(new, **spec):
    old = [name for name, target in DEPRECATED if target == new]
    spec.update(aliases=old, deprecated_aliases=[dict(name=name, version='2.0.0', collection_name='zoomops.provisioning')
                                                 for name in old])
    return spec


def argument_spec():
    spec = person_argument_spec(
        ('disassociate', 'delete', 'scim_delete'),
        type=_aliased('type', type='str', choices=['basic', 'licensed']),
        job_title=dict(type='str'),
        manager=dict(type='str'),
        extension_number=_aliased('extension_number', type='str'),
        phone_numbers=_aliased('phone_numbers', type='list', elements='str'),
        site=_aliased('site', type='str'),
        calling_plans=_aliased('calling_plans', type='list', elements='str'),
        on_pending=dict(type='str', default='keep', choices=['keep', 'withdraw_and_provision', 'fail']),
        on_stuck_invitation=dict(type='str', default='fail', choices=['provision_rest', 'fail']),
        create_action_rest=dict(type='str', default='ssoCreate', choices=list(CREATE_ACTIONS)),
    )
    for name in FREE_TEXT:
        spec[name] = dict(type='str')
    return spec


def validate(params, given=None):
    """Every input problem at once, before any call; returns (email, desired) or raises ZoomConfigError.

    ``given`` is the task's own arguments (before aliases are resolved): an option set under both its name and its
    deprecated alias is refused instead of silently using one of them.
    """
    email = params['email']
    problems = email_problems(email, 'email')
    problems += ['%s and its old name %s are both set: give only one (%s).' % (new, old, new)
                 for old, new in DEPRECATED if old in (given or {}) and new in (given or {})]
    desired = {'active': params.get('active'), 'type': params.get('type')}
    for name, limit in NAME_LIMITS:
        problems += name_problems(params.get(name), name, limit)
        desired[name] = params.get(name)
    for name in FREE_TEXT:
        value = params.get(name)
        if value is not None and len(value) > 256:
            problems.append('%s is %d characters long; give at most 256.' % (name, len(value)))
        desired[name] = value
    for name in CREATE_ONLY:
        value = params.get(name)
        desired[name] = None if value is None or (name in LIST_PHONE_FIELDS and not value) else value
    if str(desired.get('extension_number') or '').strip().lower() == 'auto':
        desired['extension_number'] = '0'  # the vocabulary's "Zoom picks one" (zoom_phone_user); SCIM spells it 0
    problems += phone_problems(desired)
    if params.get('manager') is not None:
        problems += email_problems(params['manager'], 'manager')
        if str(params['manager']).strip().casefold() == str(email).strip().casefold():
            problems.append('manager must be another user than email (%s): give the manager\'s email.' % email)
        desired['manager'] = params['manager'].strip()
    problems += transfer_problems(params, email or '')
    if params['on_pending'] == 'withdraw_and_provision' and params['create_action_rest'] == 'create':
        problems.append('on_pending=withdraw_and_provision with create_action_rest=create would replace the invitation with '
                        'a new invitation on every run: use create_action_rest=ssoCreate (or autoCreate/custCreate), or '
                        'on_pending=keep.')
    if params['removal_action'] == 'scim_delete' and params['state'] == 'absent' and not params['allow_data_loss']:
        problems.append('removal_action=scim_delete needs allow_data_loss=true: Zoom does not say whether a SCIM DELETE keeps '
                        'the user\'s data and it cannot transfer it. Use removal_action=disassociate (default) or delete '
                        'with transfer_to to keep the data.')
    raise_problems(problems, 'zoom_scim_user')
    if params.get('transfer_to'):
        params['transfer_to'] = params['transfer_to'].strip()
    return email.strip(), desired


def _rest_desired(desired):
    return dict((name, desired.get(name)) for name in ('first_name', 'last_name', 'display_name', 'type'))


class Runner(UserRunner):
    """One run: validate, look up (SCIM, REST when SCIM answers the 400), plan, diff, check-mode exit, apply, re-read."""

    deactivate_hint = ' With zoom_scim_user, deactivating is state=present and active=false.'

    def __init__(self, module):
        super(Runner, self).__init__(module)
        self.client = None
        self.email = None
        self.desired = None
        self.compared = []

    def view_of(self, lookup):
        """The compared attributes of an existing user (title from REST if SCIM did not return it)."""
        rest_user = None
        resource = lookup.resource or {}
        if self.desired.get('job_title') is not None and 'title' not in resource:
            rest = lookup.rest if lookup.rest is not None and lookup.rest.user else lookup_user(self.client, self.email)
            rest_user = rest.user
        return scim_view(resource, rest_user)

    def state_view(self, status, view=None):
        result = dict((name, value) for name, value in (view or {}).items() if name in self.compared)
        result['zoom_status'] = status
        return result

    def reread(self):
        final = scim_lookup(self.client, self.email)
        self.result['zoom_status'] = final.status
        if final.resource:
            self.result['user'] = final.resource
        elif final.rest is not None and final.rest.user:
            self.result['user'] = final.rest.user
        else:
            self.result['user'] = {}
        return final

    def check_phone(self, before):
        """The write-only phone values must exist and be free in the account: read before any write (check mode too)."""
        problems = phone_inventory_problems(self.client, self.desired, self.email)
        if problems:
            self.result['problems'] = problems
            self.fail('Not creating %s: %d problem%s with the phone values, nothing was sent to Zoom. %s' % (
                self.email, len(problems), '' if len(problems) == 1 else 's', ' | '.join(problems)), before)

    # ---- main ---------------------------------------------------------------------
    def run(self):
        try:
            self.email, self.desired = validate(self.params, _load_params())
        except ZoomError as exc:
            self.module.fail_json(msg=exc.msg, **self.result)
        self.result['email'] = self.email
        self.compared = [name for name in COMPARED if self.desired.get(name) is not None and name not in CREATE_ONLY]
        self.client = self.module.client
        try:
            lookup = scim_lookup(self.client, self.email)
            if lookup.detail:
                self.result['lookup_detail'] = lookup.detail
            self.result['zoom_status'] = lookup.status
            if self.params['state'] == 'absent':
                self.absent(lookup)
            elif lookup.status == 'absent':
                self.create()
            elif lookup.exists:
                self.update(lookup)
            elif lookup.status == 'pending':
                self.pending(lookup)
            else:
                self.stuck(lookup)
        except ZoomCreateError as exc:
            # actions holds what was done before the create; the create counts only if a user was made
            done = self.result['actions'] + (['create'] if exc.created else [])
            self.result.update(changed=bool(done), actions=done)
            self.module.fail_from_error(exc, **self.result)
        except ZoomError as exc:
            self.module.fail_from_error(exc, **self.result)

    # ---- present: absent -> SCIM create ---------------------------------------------
    def create(self):
        email, desired = self.email, self.desired
        before = self.state_view('absent')
        domains = account_domains(self.client)
        if domains is not None and email_domain(email) not in domains:
            self.fail('Not creating %s through SCIM: its domain %s is not an associated domain of the Zoom account, and '
                      'Zoom\'s SCIM API only creates users on associated domains (it answers 409 otherwise). Remedy: add and '
                      'verify %s under Account Management > Account Profile > Associated Domains, or invite the person '
                      'through the REST Users API (create action "create", as zoom_user does).'
                      % (email, email_domain(email), email_domain(email)), before)
        self.check_phone(before)
        final_status = 'inactive' if desired.get('active') is False else 'active'
        phone = ['phone:%s' % name for name in CREATE_ONLY if desired.get(name) is not None]
        actions = ['create'] + phone + (['deactivate'] if desired.get('active') is False else [])
        after = dict((name, desired[name]) for name in self.compared if name != 'active')
        if desired.get('active') is not None:
            after['active'] = bool(desired['active'])
        after['zoom_status'] = final_status
        self.result.update(changed=True, actions=actions, zoom_status=final_status)
        if self.module.check_mode:
            predicted = create_payload(email, desired)
            predicted['active'] = final_status == 'active'
            self.result['user'] = predicted
            return self.finish(before, after)
        self.result['actions'] = []
        outcome = create_scim_user(self.client, email, desired)
        self.note_confirmed(outcome, self.email)
        created = outcome.state
        done = ['create'] + phone if outcome.created else []
        self.result['actions'] = list(done)
        if created.exists:
            changes = plan_scim(desired, self.view_of(created))
            self.apply(created, changes, {})
            done += change_labels(changes)
        self.result.update(actions=done, changed=bool(done))
        final = self.reread()
        return self.finish(before, self.state_view(final.status, scim_view(final.resource)))

    # ---- present: existing user -> PUT / PATCH --------------------------------------
    def update(self, lookup):
        view = self.view_of(lookup)
        changes = plan_scim(self.desired, view)
        before = self.state_view(lookup.status, view)
        after = dict(before)
        for name, pair in changes.items():
            after[name] = pair[1]
        if 'active' in changes:
            after['zoom_status'] = 'active' if changes['active'][1] else 'inactive'
        self.check_inactive(lookup, changes, before, after)
        self.result.update(changed=bool(changes), actions=change_labels(changes), zoom_status=after['zoom_status'],
                           user=lookup.resource or {})
        if not changes or self.module.check_mode:
            if changes:
                self.result['user'] = self.predicted_resource(lookup.resource, changes)
            return self.finish(before, after)
        self.apply(lookup, changes, view)
        final = self.reread()
        return self.finish(before, self.state_view(final.status, scim_view(final.resource)))

    def check_inactive(self, lookup, changes, before, after):
        """Zoom's SCIM PUT refuses a deactivated user (400 "User is inactive or locked."): say so before any write."""
        fields = [name for name in changes if name != 'active']
        if lookup.status == 'inactive' and fields and not (changes.get('active') or (None, False))[1]:
            self.fail('%s is deactivated and Zoom\'s SCIM API does not update deactivated users ("User is inactive or '
                      'locked."), so %s cannot be changed. Set active: true to reactivate and update the user, or leave '
                      'those options out while the user stays deactivated.' % (self.email, ', '.join(fields)), before, after)

    @staticmethod
    def predicted_resource(resource, changes):
        predicted = dict(resource or {})
        body = update_payload(changes, {}) or {}
        for key, value in body.items():
            if key == 'schemas':
                continue
            if isinstance(value, dict) and isinstance(predicted.get(key), dict):
                merged = dict(predicted[key])
                merged.update(value)
                predicted[key] = merged
            else:
                predicted[key] = value
        if 'active' in changes:
            predicted['active'] = bool(changes['active'][1])
        return predicted

    def apply(self, lookup, changes, view, extra=None):
        """Activate first, then one PUT with every changed attribute, then deactivate."""
        all_changes = dict(changes)
        all_changes.update(extra or {})
        if 'active' in all_changes and all_changes['active'][1]:
            set_active(self.client, lookup.id, True)
        payload = update_payload(all_changes, view)
        if payload:
            update_scim_user(self.client, lookup.id, payload)
        if 'active' in all_changes and not all_changes['active'][1]:
            set_active(self.client, lookup.id, False)

    # ---- present: pending ---------------------------------------------------------------
    def pending(self, lookup):
        rest = lookup.rest
        action = pending_create_action(rest.user, self.params['create_action_rest'])
        diagnosis = pending_diagnosis(self.client, self.email, create_action=action)
        before = self.state_view('pending')
        self.result['user'] = rest.user or {}
        mode = self.params['on_pending']
        text = ('%s is held by a pending invitation (%s), which Zoom\'s SCIM API cannot see or update. %s'
                % (self.email, diagnosis.reason, diagnosis.remedy))
        if mode == 'withdraw_and_provision':
            if diagnosis.reason == 'domain_not_associated':
                self.set_pending(diagnosis)
                self.fail('Not withdrawing the invitation of %s: a new user would be pending again because its domain is not '
                          'associated with the account. %s' % (self.email, diagnosis.remedy), before)
            return self.provision_rest(lookup, withdraw=True, before=before)
        self.set_pending(diagnosis)
        if mode == 'fail':
            self.fail(text + ' Set on_pending=withdraw_and_provision to replace the invitation with a provisioned user.', before)
        if self.compared:
            text += (' The options you set were not compared; set on_pending=withdraw_and_provision to provision the user '
                     'now.')
        if diagnosis.reason != 'awaiting_confirmation' or self.compared:
            self.warnings.append(text)
        return self.finish(before, before)

    # ---- present: stuck invitation ------------------------------------------------------
    def stuck(self, lookup):
        before = self.state_view('stuck_invitation')
        remedy = stuck_remedy(self.email)
        if self.params['on_stuck_invitation'] == 'fail':
            self.set_pending(remedy=remedy)
            self.fail('Cannot provision %s through SCIM: %s. %s Set on_stuck_invitation=provision_rest to let this module '
                      'do it.' % (self.email, lookup.detail, remedy), before)
        return self.provision_rest(lookup, withdraw=False, before=before)

    # ---- REST provisioning path ----------------------------------------------------------
    def provision_rest(self, lookup, withdraw, before):
        email, desired = self.email, self.desired
        action = self.params['create_action_rest']
        domains = account_domains(self.client) if action == 'ssoCreate' else None
        predicted = predicted_pending(email, action, domains)
        if predicted and predicted.reason != 'awaiting_confirmation' and self.params['on_pending'] == 'fail':
            self.set_pending(predicted)
            self.fail('Not provisioning %s through the REST API: with create_action_rest=%s the user would be pending (%s). %s'
                      % (email, action, predicted.reason, predicted.remedy), before)
        self.check_phone(before)
        actions = (['remove:withdraw'] if withdraw else []) + ['create']
        if predicted is None:
            follow = plan_scim(desired, fresh_view(desired))
            follow.update(create_time_changes(desired, {}))
            actions += change_labels(follow)
            final_status = 'inactive' if desired.get('active') is False else 'active'
        else:
            final_status = 'pending'
        after = dict((name, desired[name]) for name in self.compared if name != 'active')
        if desired.get('active') is not None and final_status != 'pending':
            after['active'] = bool(desired['active'])
        after['zoom_status'] = final_status
        self.result.update(changed=True, actions=actions, zoom_status=final_status)
        self.set_pending(predicted)
        if self.module.check_mode:
            self.result['user'] = {}
            if predicted and predicted.reason != 'awaiting_confirmation':
                self.warnings.append('%s would be pending after the REST create (%s). %s'
                                     % (email, predicted.reason, predicted.remedy))
            return self.finish(before, after)
        done = []
        if withdraw:
            remove_user(self.client, lookup.rest, [Change('remove', 'withdraw')])
            done.append('remove:withdraw')
        self.result['actions'] = list(done)
        outcome = create_user(self.client, email, _rest_desired(desired), action)
        self.note_confirmed(outcome, self.email)
        if outcome.created:
            done.append('create')
        self.result.update(actions=list(done), changed=bool(done))
        if outcome.state.status in ('active', 'inactive'):
            current = scim_lookup(self.client, email)
            if current.exists:
                view = self.view_of(current)
                changes = plan_scim(desired, view)
                extra = create_time_changes(desired, view)
                self.apply(current, changes, view, extra)
                merged = dict(changes)
                merged.update(extra)
                done += change_labels(merged)
        self.result.update(actions=done, changed=bool(done))
        final = self.reread()
        self.set_pending(None)
        if final.status == 'pending':
            rest_user = final.rest.user if final.rest is not None else None
            diagnosis = pending_after_create(self.client, email, action, rest_user,
                                             pre_state=None if withdraw else lookup.rest, domains=domains)
            self.set_pending(diagnosis)
            if diagnosis.reason != 'awaiting_confirmation':
                text = '%s was created through the REST API but Zoom left it pending (%s). %s' % (
                    email, diagnosis.reason, diagnosis.remedy)
                if withdraw or self.params['on_pending'] == 'fail':
                    self.fail(text + ' Rerunning would not help until that is fixed.', before, self.state_view('pending'))
                self.warnings.append(text)
        return self.finish(before, self.state_view(final.status, scim_view(final.resource)))

    # ---- absent -------------------------------------------------------------------------------
    def absent(self, lookup):
        params = self.params
        before = self.state_view(lookup.status)
        if lookup.status == 'absent':
            return self.finish(before, before)
        if lookup.status == 'stuck_invitation':
            self.set_pending(remedy=stuck_remedy(self.email))
            self.warnings.append('%s is only held by a dead (expired or deleted) invitation: there is nothing to remove. %s'
                                 % (self.email, stuck_remedy(self.email)))
            return self.finish(before, before)
        if lookup.status == 'pending':
            changes = [Change('remove', 'withdraw', before='pending', after='absent')]
            rest = lookup.rest
            final_status = 'stuck_invitation'
        else:
            rest = lookup.rest if lookup.rest is not None and lookup.rest.user else lookup_user(self.client, self.email)
            changes = self.plan_removal(lookup, rest)
            final_status = 'absent'
        self.result.update(changed=True, actions=[change.label for change in changes], zoom_status=final_status, user={})
        if final_status == 'stuck_invitation':
            self.set_pending(remedy=stuck_remedy(self.email))
        after = self.state_view(final_status)
        if self.module.check_mode:
            return self.finish(before, after)
        try:
            if changes[0].field == 'scim_delete':
                delete_scim_user(self.client, lookup.id, self.email)
            else:
                remove_user(self.client, rest, changes, params.get('transfer_to'))
        except ZoomPlanError as exc:
            self.fail_plan(exc, before)
        final = self.reread()
        if final.status == 'stuck_invitation':
            self.set_pending(remedy=stuck_remedy(self.email))
        return self.finish(before, self.state_view(final.status))

    def plan_removal(self, lookup, rest):
        """The removal of an existing user, refused before any write with every problem (1107 predicted)."""
        before = self.state_view(lookup.status)
        if self.params['removal_action'] != 'scim_delete':
            return self.checked_removal(self.client, rest, before)
        try:
            plan_removal(rest, 'delete', None, None, True, self.params['force'])  # owner/admin refusal
        except ZoomPlanError as exc:
            return self.fail_plan(exc, before)
        return [Change('remove', 'scim_delete', before=lookup.status, after='absent')]


def main():
    module = ZoomModule(argument_spec=argument_spec(), supports_check_mode=True)
    Runner(module).run()


if __name__ == '__main__':
    main()
