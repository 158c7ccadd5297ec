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
      - V(present) creates the user when missing and updates the options you set.
      - V(absent) removes the user (see O(removal_action)); a pending user's invitation is withdrawn.
    type: str
    choices: [present, absent]
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
  user_type:
    description:
      - Licence type (SCIM C(userType)); V(basic) is C(Basic), V(licensed) is C(Licensed).
      - On create the default is V(basic); on an existing user it is only compared when set.
    type: str
    choices: [basic, licensed]
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
  zoom_phone_extension:
    description:
      - Zoom Phone extension number given at creation (Zoom extension C(zoomPhoneExtNumber)); V(0) lets Zoom pick one.
      - Write-only (Zoom never returns it), so it is used only when the user is created. Manage the phone setup of
        existing users with M(zoomops.provisioning.zoom_phone_user).
    type: str
  zoom_phone_number:
    description:
      - Phone number given at creation (Zoom extension C(zoomPhoneNumber)); must be an unassigned number of the account.
      - Write-only, used only when the user is created.
    type: str
  zoom_phone_site:
    description:
      - Zoom Phone site name given at creation (Zoom extension C(zoomPhoneSite)); default is the main site.
      - Write-only, used only when the user is created.
    type: str
  zoom_phone_calling_plan:
    description:
      - Calling plan given at creation (Zoom extension C(zoomPhoneCallingPlan)), a plan code or name.
      - Write-only, used only when the user is created.
    type: str
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
      - V(delete) deletes the user permanently through the REST API; needs O(transfer_to) or O(allow_data_loss=true).
      - V(scim_delete) sends C(DELETE /scim2/Users/{id}). Zoom does not document whether that deletes or
        disassociates, and it cannot transfer data, so it needs O(allow_data_loss=true).
    type: str
    choices: [disassociate, delete, scim_delete]
    default: disassociate
  transfer_to:
    description:
      - Email of an active user who receives the removed user's data (with O(removal_action=delete) or
        V(disassociate)). Must differ from O(email).
    type: str
  transfer:
    description:
      - What to transfer to O(transfer_to). Default when O(transfer_to) is set is meetings, webinars, recordings and
        whiteboards.
    type: list
    elements: str
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
        user_type: licensed
        job_title: Engineer
        department: R&D
        cost_center: CC-42
        employee_number: "1001"
        manager: boss@example.com

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

    - name: Remove; a pending invitation is withdrawn, a user is disassociated
      zoomops.provisioning.zoom_scim_user:
        email: leaver@example.com
        state: absent
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
remedy:
  description: What an admin does about a pending user or a stuck invitation, in plain words; null otherwise.
  returned: always
  type: str
  sample: "Zoom still holds a dead (expired or deleted) invitation for ..."
actions:
  description:
    - What was done (or would be done in check mode), in order. C(create) (SCIM), C(withdraw_invitation),
      C(create_rest), C(update:<option>), C(activate), C(deactivate), C(remove:withdraw), C(remove:disassociate),
      C(remove:delete), C(remove:scim_delete).
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
diff:
  description: The compared attributes (option names) and the status before and after.
  returned: when diff mode is on
  type: dict
  sample: {before: {zoom_status: active, department: Sales}, after: {zoom_status: active, department: R&D}}
'''

from ansible_collections.zoomops.provisioning.plugins.module_utils._compare import diff_dict
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomConfigError, ZoomError
from ansible_collections.zoomops.provisioning.plugins.module_utils._module import ZoomModule
from ansible_collections.zoomops.provisioning.plugins.module_utils._scim import (
    CREATE_ONLY,
    SCIM_FIELDS,
    change_labels,
    create_payload,
    create_scim_user,
    create_time_changes,
    delete_scim_user,
    fresh_view,
    plan_scim,
    scim_lookup,
    scim_view,
    set_active,
    update_payload,
    update_scim_user,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    TRANSFER_FLAGS,
    Change,
    account_domains,
    create_user,
    diagnose_pending,
    email_domain,
    lookup_user,
    pending_create_action,
    plan_removal,
    predict_create_from,
    remove_user,
    stuck_remedy,
    transfer_target_problem,
    validate_email,
    validate_transfer,
    validate_name,
)


NAME_LIMITS = (('first_name', 64), ('last_name', 64), ('display_name', 128), ('job_title', 128))
FREE_TEXT = ('department', 'organization', 'cost_center', 'employee_number', 'personal_link_name', 'pronouns') + CREATE_ONLY
COMPARED = [name for name, _where in SCIM_FIELDS] + ['active']


def argument_spec():
    spec = dict(
        email=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        active=dict(type='bool'),
        first_name=dict(type='str'),
        last_name=dict(type='str'),
        display_name=dict(type='str'),
        user_type=dict(type='str', choices=['basic', 'licensed']),
        job_title=dict(type='str'),
        manager=dict(type='str'),
        on_pending=dict(type='str', default='keep', choices=['keep', 'withdraw_and_provision', 'fail']),
        on_stuck_invitation=dict(type='str', default='fail', choices=['provision_rest', 'fail']),
        create_action_rest=dict(type='str', default='ssoCreate', choices=['ssoCreate', 'custCreate', 'autoCreate', 'create']),
        removal_action=dict(type='str', default='disassociate', choices=['disassociate', 'delete', 'scim_delete']),
        transfer_to=dict(type='str'),
        transfer=dict(type='list', elements='str', choices=sorted(TRANSFER_FLAGS)),
        allow_data_loss=dict(type='bool', default=False),
        force=dict(type='bool', default=False),
    )
    for name in FREE_TEXT:
        spec[name] = dict(type='str')
    return spec


def validate(params):
    """Check the input before any call; return (email, desired). Raises ZoomConfigError naming the field."""
    email = validate_email(params['email'], 'email')
    desired = {'active': params.get('active'), 'user_type': params.get('user_type')}
    for name, limit in NAME_LIMITS:
        desired[name] = validate_name(params.get(name), name, limit)
    for name in FREE_TEXT:
        value = params.get(name)
        if value is not None and len(value) > 256:
            raise ZoomConfigError('%s is %d characters long; give at most 256.' % (name, len(value)))
        desired[name] = value
    if params.get('manager') is not None:
        desired['manager'] = validate_email(params['manager'], 'manager')
        if desired['manager'].casefold() == email.casefold():
            raise ZoomConfigError('manager must be another user than email (%s).' % email)
    if params.get('zoom_phone_extension') is not None and not str(params['zoom_phone_extension']).strip().isdigit():
        raise ZoomConfigError('zoom_phone_extension=%r must be digits (0 lets Zoom pick an extension).'
                              % params['zoom_phone_extension'])
    validate_transfer(params, email)
    if params['on_pending'] == 'withdraw_and_provision' and params['create_action_rest'] == 'create':
        raise ZoomConfigError('on_pending=withdraw_and_provision with create_action_rest=create would replace the invitation '
                              'with a new invitation on every run: use create_action_rest=ssoCreate (or autoCreate/custCreate), '
                              'or on_pending=keep.')
    if params['removal_action'] == 'scim_delete' and params['state'] == 'absent' and not params['allow_data_loss']:
        raise ZoomConfigError('removal_action=scim_delete needs allow_data_loss=true: Zoom does not say whether a SCIM DELETE '
                              'keeps the user\'s data and it cannot transfer it. Use removal_action=disassociate (default) or '
                              'delete with transfer_to to keep the data.')
    return email, desired


def _rest_desired(desired):
    return {
        'first_name': desired.get('first_name'),
        'last_name': desired.get('last_name'),
        'display_name': desired.get('display_name'),
        'type': desired.get('user_type'),
    }


class Runner:
    """One run: validate, look up (SCIM, REST when SCIM answers the 400), plan, diff, check-mode exit, apply, re-read."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.result = dict(changed=False, actions=[], zoom_status=None, pending_reason=None, remedy=None, user={})
        self.warnings = []
        self.client = None
        self.email = None
        self.desired = None
        self.compared = []

    # ---- helpers ------------------------------------------------------------------
    def fail(self, msg, before=None, after=None):
        if self.module._diff and before is not None:
            self.result['diff'] = diff_dict(before, after if after is not None else before)
        for text in self.warnings:
            self.module.warn(text)
        self.module.fail_json(msg=msg, **self.result)

    def finish(self, before, after):
        if self.module._diff:
            self.result['diff'] = diff_dict(before, after)
        for text in self.warnings:
            self.module.warn(text)
        self.module.exit_json(**self.result)

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

    def set_pending(self, reason, remedy):
        self.result['pending_reason'] = reason
        self.result['remedy'] = remedy

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

    # ---- main ---------------------------------------------------------------------
    def run(self):
        try:
            self.email, self.desired = validate(self.params)
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
                self.create(lookup)
            elif lookup.exists:
                self.update(lookup)
            elif lookup.status == 'pending':
                self.pending(lookup)
            else:
                self.stuck(lookup)
        except ZoomError as exc:
            self.module.fail_from_error(exc, **self.result)

    # ---- present: absent -> SCIM create ---------------------------------------------
    def create(self, lookup):
        email, desired = self.email, self.desired
        before = self.state_view('absent')
        domains = account_domains(self.client)
        if domains is not None and email_domain(email) not in domains:
            self.fail('Not creating %s through SCIM: its domain %s is not an associated domain of the Zoom account, and '
                      'Zoom\'s SCIM API only creates users on associated domains (it answers 409 otherwise). Remedy: add and '
                      'verify %s under Account Management > Account Profile > Associated Domains, or invite the person '
                      'with zoomops.provisioning.zoom_user and create_action=create.'
                      % (email, email_domain(email), email_domain(email)), before)
        final_status = 'inactive' if desired.get('active') is False else 'active'
        actions = ['create'] + (['deactivate'] if desired.get('active') is False else [])
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
        created, confirmed = create_scim_user(self.client, email, desired)
        self.note_confirmed(confirmed)
        if created.exists:
            changes = plan_scim(desired, self.view_of(created))
            self.apply(created, changes, {})
            self.result['actions'] = ['create'] + change_labels(changes)
        final = self.reread()
        return self.finish(before, self.state_view(final.status, scim_view(final.resource)))

    def note_confirmed(self, confirmed):
        self.result['confirmed_after_uncertain'] = confirmed
        if confirmed:
            self.warnings.append('Zoom\'s answer to the create of %s was lost; a lookup confirmed the user exists, so the '
                                 'create was not sent again.' % self.email)

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
        reason, remedy = diagnose_pending(self.client, self.email, state=rest, create_action=action)
        before = self.state_view('pending')
        self.result['user'] = rest.user or {}
        mode = self.params['on_pending']
        text = ('%s is held by a pending invitation (%s), which Zoom\'s SCIM API cannot see or update. %s'
                % (self.email, reason, remedy))
        if mode == 'withdraw_and_provision':
            if reason == 'domain_not_associated':
                self.set_pending(reason, remedy)
                self.fail('Not withdrawing the invitation of %s: a new user would be pending again because its domain is not '
                          'associated with the account. %s' % (self.email, remedy), before)
            return self.provision_rest(lookup, withdraw=True, before=before)
        self.set_pending(reason, remedy)
        if mode == 'fail':
            self.fail(text + ' Set on_pending=withdraw_and_provision to replace the invitation with a provisioned user.', before)
        if self.compared:
            text += (' The options you set were not compared; set on_pending=withdraw_and_provision to provision the user '
                     'now.')
        if reason != 'awaiting_confirmation' or self.compared:
            self.warnings.append(text)
        return self.finish(before, before)

    # ---- present: stuck invitation ------------------------------------------------------
    def stuck(self, lookup):
        before = self.state_view('stuck_invitation')
        remedy = stuck_remedy(self.email)
        if self.params['on_stuck_invitation'] == 'fail':
            self.set_pending(None, remedy)
            self.fail('Cannot provision %s through SCIM: %s. %s Set on_stuck_invitation=provision_rest to let this module '
                      'do it.' % (self.email, lookup.detail, remedy), before)
        return self.provision_rest(lookup, withdraw=False, before=before)

    # ---- REST provisioning path ----------------------------------------------------------
    def provision_rest(self, lookup, withdraw, before):
        email, desired = self.email, self.desired
        action = self.params['create_action_rest']
        domains = account_domains(self.client) if action == 'ssoCreate' else None
        pre_state = lookup.rest
        if withdraw or (pre_state is not None and pre_state.status != 'external'):
            pre_state = None
        status, reason, remedy = predict_create_from(email, action, pre_state, domains)
        if status == 'pending' and reason != 'awaiting_confirmation' and self.params['on_pending'] == 'fail':
            self.set_pending(reason, remedy)
            self.fail('Not provisioning %s through the REST API: with create_action_rest=%s the user would be pending (%s). %s'
                      % (email, action, reason, remedy), before)
        actions = (['withdraw_invitation'] if withdraw else []) + ['create_rest']
        if status == 'active':
            fresh = fresh_view(desired)
            follow = plan_scim(desired, fresh)
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
        if status == 'pending':
            self.set_pending(reason, remedy)
        else:
            self.set_pending(None, None)
        if self.module.check_mode:
            self.result['user'] = {}
            if status == 'pending' and reason != 'awaiting_confirmation':
                self.warnings.append('%s would be pending after the REST create (%s). %s' % (email, reason, remedy))
            return self.finish(before, after)
        done = []
        if withdraw:
            remove_user(self.client, lookup.rest, [Change('remove', 'withdraw')])
            done.append('withdraw_invitation')
        created, confirmed = create_user(self.client, email, _rest_desired(desired), action)
        done.append('create_rest')
        self.note_confirmed(confirmed)
        if created.status in ('active', 'inactive'):
            current = scim_lookup(self.client, email)
            if current.exists:
                view = self.view_of(current)
                changes = plan_scim(desired, view)
                extra = create_time_changes(desired, view)
                self.apply(current, changes, view, extra)
                merged = dict(changes)
                merged.update(extra)
                done += change_labels(merged)
        self.result['actions'] = done
        final = self.reread()
        if final.status == 'pending':
            rest_user = final.rest.user if final.rest is not None else None
            reason, remedy = diagnose_pending(self.client, email, state=final.rest, created_now=True,
                                              create_action=pending_create_action(rest_user, action),
                                              pre_state=lookup.rest if not withdraw else None, domains=domains)
            self.set_pending(reason, remedy)
            if reason != 'awaiting_confirmation':
                text = '%s was created through the REST API but Zoom left it pending (%s). %s' % (email, reason, remedy)
                if withdraw or self.params['on_pending'] == 'fail':
                    self.fail(text + ' Rerunning would not help until that is fixed.', before,
                              self.state_view('pending'))
                self.warnings.append(text)
        else:
            self.set_pending(None, None)
        return self.finish(before, self.state_view(final.status, scim_view(final.resource)))

    # ---- absent -------------------------------------------------------------------------------
    def absent(self, lookup):
        params = self.params
        before = self.state_view(lookup.status)
        if lookup.status == 'absent':
            return self.finish(before, before)
        if lookup.status == 'stuck_invitation':
            remedy = stuck_remedy(self.email)
            self.set_pending(None, remedy)
            self.warnings.append('%s is only held by a dead (expired or deleted) invitation: there is nothing to remove. %s'
                                 % (self.email, remedy))
            return self.finish(before, before)
        if lookup.status == 'pending':
            changes = [Change('remove', 'withdraw', before='pending', after='absent')]
            rest = lookup.rest
            final_status = 'stuck_invitation'
        else:
            rest = lookup.rest if lookup.rest is not None and lookup.rest.user else lookup_user(self.client, self.email)
            if params['removal_action'] == 'scim_delete':
                plan_removal(rest, 'delete', None, None, True, params['force'])  # owner/admin refusal
                changes = [Change('remove', 'scim_delete', before=lookup.status, after='absent')]
            else:
                changes = plan_removal(rest, params['removal_action'], params.get('transfer_to'), params.get('transfer'),
                                       params['allow_data_loss'], params['force'])
                problem = params.get('transfer_to') and transfer_target_problem(self.client, params['transfer_to'], self.email)
                if problem:
                    self.fail(problem, before)
            final_status = 'absent'
        self.result.update(changed=True, actions=[change.label for change in changes], zoom_status=final_status, user={})
        if final_status == 'stuck_invitation':
            self.set_pending(None, stuck_remedy(self.email))
        after = self.state_view(final_status)
        if self.module.check_mode:
            return self.finish(before, after)
        if changes[0].field == 'scim_delete':
            delete_scim_user(self.client, lookup.id)
        else:
            remove_user(self.client, rest, changes)
        final = self.reread()
        if final.status == 'stuck_invitation':
            self.set_pending(None, stuck_remedy(self.email))
        return self.finish(before, self.state_view(final.status))


def main():
    module = ZoomModule(argument_spec=argument_spec(), supports_check_mode=True)
    Runner(module).run()


if __name__ == '__main__':
    main()
