#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

DOCUMENTATION = r'''
---
module: zoom_user
short_description: Create, update, deactivate or remove a Zoom user through the REST Users API
version_added: 0.1.0
description:
  - Converges one Zoom user, found by email, to the declared state through the Zoom REST Users API (C(/v2/users)).
  - Only the options you set are compared, so values Zoom fills in by itself never cause a change.
  - Before creating with O(create_action=ssoCreate) the module checks whether the email's domain is an associated
    domain of the account and whether the email already owns a Zoom account elsewhere; after creating it reads the
    real status back. A user that ends C(pending) is reported with RV(zoom_status=pending), a RV(pending_reason) and a
    plain-words RV(remedy); O(on_pending) decides whether that is a warning or a failure. Check mode predicts it.
  - Removal loses nothing by default. O(state=absent) disassociates the user (the person keeps their meetings and
    recordings in a free account of their own); a permanent delete needs O(removal_action=delete) plus a transfer target
    (O(transfer_to)) or an explicit O(allow_data_loss=true). The account owner and admins are refused unless O(force=true).
    A pending user is withdrawn (its invitation is cancelled).
  - A create whose answer is lost (Zoom answered 5xx or the connection dropped) is never sent twice; the module looks
    the user up and carries on if the create landed.
author:
  - ZoomOps maintainers (@zoomops)
extends_documentation_fragment:
  - zoomops.provisioning.zoom
  - zoomops.provisioning.zoom.actiongroup
  - zoomops.provisioning.zoom.check_diff
options:
  email:
    description:
      - Email address of the user; the natural key, compared case-insensitively.
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
      - V(true) activates a deactivated user, V(false) deactivates an active user (C(PUT /v2/users/{id}/status)).
      - Not compared when not set. Pending users cannot be activated or deactivated until they accept.
    type: bool
  first_name:
    description:
      - First name (at most 64 characters). Must not be empty when given.
    type: str
  last_name:
    description:
      - Last name (at most 64 characters). Must not be empty when given.
    type: str
  display_name:
    description:
      - Display name (at most 128 characters). When not set, Zoom derives it from the first and last names.
    type: str
  type:
    description:
      - Licence type of the user. V(basic) is Zoom's type C(1), V(licensed) type C(2).
      - On create the default is V(basic); on an existing user it is only compared when set.
    type: str
    choices: [basic, licensed]
  create_action:
    description:
      - How Zoom creates a missing user (C(action) of C(POST /v2/users)).
      - V(ssoCreate) pre-provisions an SSO user (needs SSO with pre-provisioning); the user is active at once unless the
        email's domain is not associated with the account or the email already owns a Zoom account (then C(pending)).
      - V(create) sends an invitation email; the user stays C(pending) until the person accepts
        (RV(pending_reason=awaiting_confirmation), which O(on_pending) does not treat as a problem).
      - V(autoCreate) creates an active email-login user on a managed domain (Enterprise accounts).
      - V(custCreate) creates a user without password who cannot sign in (API partner accounts only).
    type: str
    choices: [ssoCreate, custCreate, autoCreate, create]
    default: ssoCreate
  on_pending:
    description:
      - What to do when the user is, or would be, C(pending) for a reason other than an invitation sent by
        O(create_action=create).
      - V(warn) reports RV(zoom_status=pending) with RV(pending_reason) and RV(remedy) and adds a warning.
      - V(fail) fails the task with the same information. When the pending outcome can be predicted before creating
        (domain not associated, email owned by another Zoom account), nothing is created.
    type: str
    choices: [warn, fail]
    default: warn
  removal_action:
    description:
      - How O(state=absent) removes an active or deactivated user.
      - V(disassociate) unlinks the user from the account; the person keeps a free Zoom account with their data.
        Zoom refuses it for users on a managed domain (code 1107); use V(delete) with O(transfer_to) then.
      - V(delete) deletes the user permanently. It needs O(transfer_to) or O(allow_data_loss=true).
    type: str
    choices: [disassociate, delete]
    default: disassociate
  transfer_to:
    description:
      - Email of an active user of the account who receives the removed user's data (see O(transfer)).
      - Must differ from O(email). It is checked to be an active user before anything is removed.
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
      - Allow O(removal_action=delete) without O(transfer_to); the user's meetings, recordings and other data are lost.
    type: bool
    default: false
  force:
    description:
      - Allow removing the account owner or an admin. Zoom itself still refuses to remove the owner.
    type: bool
    default: false
notes:
  - Pending users accept updates in Zoom without applying them, so the module does not update a pending user; it
    reports the pending state instead.
  - RV(zoom_status=stuck_invitation) means the email belongs to an expired invitation (Zoom code 1120). O(state=present)
    creates the user again; O(state=absent) has nothing to remove and warns.
  - Zoom's API tells only that an email belongs to another Zoom account (code 1010), not whose. For a personal account
    O(create_action=ssoCreate) ends C(pending) (predicted in check mode); for another company's account Zoom refuses the
    create (code 1009) and the module fails with the cause and what the person has to do.
  - The domain check reads C(GET /v2/accounts/me/managed_domains) (scope C(account:read:admin)); when Zoom does not
    answer it, the domain check is skipped.
seealso:
  - module: zoomops.provisioning.zoom_scim_user
'''

EXAMPLES = r'''
- name: Zoom users (connection options come from module_defaults or ZOOM_* environment variables)
  hosts: localhost
  gather_facts: false
  module_defaults:
    group/zoomops.provisioning.zoom:
      account_id: "{{ zoom_account_id }}"
      client_id: "{{ zoom_client_id }}"
      client_secret: "{{ zoom_client_secret }}"
  tasks:
    - name: Pre-provision an SSO user; fail instead of leaving a pending user behind
      zoomops.provisioning.zoom_user:
        email: jane.doe@example.com
        first_name: Jane
        last_name: Doe
        type: licensed
        on_pending: fail

    - name: Invite a user by email (pending until they accept)
      zoomops.provisioning.zoom_user:
        email: contractor@partner.example
        create_action: create

    - name: Deactivate a user (keeps everything)
      zoomops.provisioning.zoom_user:
        email: leaver@example.com
        active: false

    - name: Remove a user, keeping their data in their own free account (default)
      zoomops.provisioning.zoom_user:
        email: leaver@example.com
        state: absent

    - name: Delete a user for good, moving their meetings and recordings to the manager first
      zoomops.provisioning.zoom_user:
        email: leaver@example.com
        state: absent
        removal_action: delete
        transfer_to: manager@example.com
        transfer: [meetings, recordings, whiteboards]
'''

RETURN = r'''
zoom_status:
  description:
    - Status of the user in the account after the task (in check mode, the predicted status).
    - C(active), C(inactive), C(pending) (waiting for the person), C(stuck_invitation) (an expired invitation blocks the
      email) or C(absent).
  returned: always
  type: str
  sample: active
pending_reason:
  description:
    - Why the user is (or would be) pending; null otherwise.
    - C(domain_not_associated), C(existing_zoom_account), C(awaiting_confirmation) (invitation sent with
      O(create_action=create)) or C(unknown).
  returned: always
  type: str
  sample: domain_not_associated
remedy:
  description: What an admin does about a pending user or a stuck invitation, in plain words; null otherwise.
  returned: always
  type: str
  sample: "The email domain example.org is not an associated (approved) domain of the Zoom account, ..."
actions:
  description:
    - What was done (or would be done in check mode), in order.
    - C(create), C(update:<option>), C(activate), C(deactivate), C(remove:disassociate), C(remove:delete),
      C(remove:withdraw).
  returned: always
  type: list
  elements: str
  sample: [create]
user:
  description:
    - The user as Zoom returns it (C(GET /v2/users/{email})) after the task; empty when there is no user.
    - In check mode, the current user with the planned changes applied.
  returned: always
  type: dict
  sample: {id: "KDcuGIm1QgePTO8WbOqwIQ", email: jane.doe@example.com, first_name: Jane, last_name: Doe, type: 2, status: active}
confirmed_after_uncertain:
  description: True when Zoom's answer to the create was lost and the module confirmed the create by a lookup.
  returned: when a user was created
  type: bool
  sample: false
diff:
  description: The compared fields and the status before and after.
  returned: when diff mode is on
  type: dict
  sample: {before: {zoom_status: absent}, after: {zoom_status: active, first_name: Jane}}
'''

from ansible_collections.zoomops.provisioning.plugins.module_utils._compare import diff_dict
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomError
from ansible_collections.zoomops.provisioning.plugins.module_utils._module import ZoomModule
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    TRANSFER_FLAGS,
    account_domains,
    apply_user,
    create_user,
    diagnose_pending,
    lookup_user,
    pending_create_action,
    plan_removal,
    plan_user,
    predict_create_from,
    remove_user,
    stuck_remedy,
    transfer_target_problem,
    user_view,
    validate_email,
    validate_name,
    validate_transfer,
)


DESIRED_OPTIONS = ('first_name', 'last_name', 'display_name', 'type', 'active')


def argument_spec():
    return dict(
        email=dict(type='str', required=True),
        state=dict(type='str', default='present', choices=['present', 'absent']),
        active=dict(type='bool'),
        first_name=dict(type='str'),
        last_name=dict(type='str'),
        display_name=dict(type='str'),
        type=dict(type='str', choices=['basic', 'licensed']),
        create_action=dict(type='str', default='ssoCreate', choices=['ssoCreate', 'custCreate', 'autoCreate', 'create']),
        on_pending=dict(type='str', default='warn', choices=['warn', 'fail']),
        removal_action=dict(type='str', default='disassociate', choices=['disassociate', 'delete']),
        transfer_to=dict(type='str'),
        transfer=dict(type='list', elements='str', choices=sorted(TRANSFER_FLAGS)),
        allow_data_loss=dict(type='bool', default=False),
        force=dict(type='bool', default=False),
    )


def validate(params):
    """Check the input before any call; return (email, desired). Raises ZoomConfigError naming the field."""
    email = validate_email(params['email'], 'email')
    desired = {
        'first_name': validate_name(params.get('first_name'), 'first_name', 64),
        'last_name': validate_name(params.get('last_name'), 'last_name', 64),
        'display_name': validate_name(params.get('display_name'), 'display_name', 128),
        'type': params.get('type'),
        'active': params.get('active'),
    }
    validate_transfer(params, email)
    return email, desired


class Runner:
    """One run of the module: read, plan, diff, (check mode exit), apply, re-read."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.result = dict(changed=False, actions=[], zoom_status=None, pending_reason=None, remedy=None, user={})
        self.warnings = []

    # ---- helpers ------------------------------------------------------------------
    def fail(self, msg, **extra):
        self.result.update(extra)
        self.module.fail_json(msg=msg, **self.result)

    def finish(self, before, after):
        if self.module._diff:
            self.result['diff'] = diff_dict(before, after)
        for text in self.warnings:
            self.module.warn(text)
        self.module.exit_json(**self.result)

    def set_pending(self, reason, remedy):
        self.result['pending_reason'] = reason
        self.result['remedy'] = remedy

    def pending_outcome(self, email, reason, remedy, before, after, created):
        """Warn or fail for a pending user (an invitation awaiting confirmation is never a problem)."""
        self.set_pending(reason, remedy)
        if reason == 'awaiting_confirmation':
            return
        text = '%s is pending (%s). %s' % (email, reason, remedy)
        if self.params['on_pending'] == 'fail':
            if self.module._diff:
                self.result['diff'] = diff_dict(before, after)
            self.fail(('%s was created but ' % email if created else '') + text)
        self.warnings.append(text)

    # ---- main ---------------------------------------------------------------------
    def run(self):
        try:
            email, desired = validate(self.params)
        except ZoomError as exc:
            self.module.fail_json(msg=exc.msg, **self.result)
        self.result['email'] = email
        client = self.module.client
        try:
            state = lookup_user(client, email)
            if self.params['state'] == 'absent':
                self.absent(client, email, state)
            else:
                self.present(client, email, desired, state)
        except ZoomError as exc:
            self.module.fail_from_error(exc, **self.result)

    def present(self, client, email, desired, state):
        compared = [name for name in DESIRED_OPTIONS if desired.get(name) is not None]
        before = dict(user_view(state.user, compared), zoom_status=state.zoom_status)
        if state.status in ('absent', 'external', 'stuck_invitation'):
            return self.create(client, email, desired, state, compared, before)
        if state.status == 'pending':
            action = pending_create_action(state.user, self.params['create_action'])
            reason, remedy = diagnose_pending(client, email, state=state, create_action=action)
            self.result.update(zoom_status='pending', user=state.user or {})
            ignored = [name for name in compared if name != 'active' or desired['active'] is False]
            if ignored:
                self.warnings.append('%s is pending: Zoom does not apply updates to pending users, so %s %s not compared. '
                                     'Run the task again once the user is active.'
                                     % (email, ', '.join(ignored), 'is' if len(ignored) == 1 else 'are'))
            self.pending_outcome(email, reason, remedy, before, before, created=False)
            return self.finish(before, before)
        changes = plan_user(desired, state)
        after = dict(before)
        for change in changes:
            if change.field:
                after[change.field] = change.after
        if any(change.action == 'activate' for change in changes):
            after.update(active=True, zoom_status='active')
        if any(change.action == 'deactivate' for change in changes):
            after.update(active=False, zoom_status='inactive')
        self.result['actions'] = [change.label for change in changes]
        self.result['changed'] = bool(changes)
        self.result['zoom_status'] = after['zoom_status']
        if not changes or self.module.check_mode:
            self.result['user'] = self.predicted_user(state.user, changes)
            return self.finish(before, after)
        apply_user(client, state, changes)
        final = lookup_user(client, email)
        self.result.update(user=final.user or {}, zoom_status=final.zoom_status)
        return self.finish(before, dict(user_view(final.user, compared), zoom_status=final.zoom_status))

    @staticmethod
    def predicted_user(user, changes):
        predicted = dict(user or {})
        for change in changes:
            predicted.update(change.params)
            if change.action == 'activate':
                predicted['status'] = 'active'
            elif change.action == 'deactivate':
                predicted['status'] = 'inactive'
        return predicted

    def create(self, client, email, desired, state, compared, before):
        params = self.params
        action = params['create_action']
        domains = account_domains(client) if action == 'ssoCreate' else None
        status, reason, remedy = predict_create_from(email, action, state, domains)
        actions = ['create']
        if desired.get('active') is False and status == 'active':
            actions.append('deactivate')
            status = 'inactive'
        after = dict((name, desired[name]) for name in compared if name != 'active')
        after['zoom_status'] = status
        if status in ('active', 'inactive') and desired.get('active') is not None:
            after['active'] = status == 'active'
        if state.status == 'external' and action in ('autoCreate', 'custCreate'):
            self.fail('Not creating %s: the email already owns a Zoom account outside this account and Zoom refuses '
                      'create_action=%s for it (code 1009). Use create_action=ssoCreate or create (the person then accepts '
                      'joining your account), or ask the person to free the email.' % (email, action))
        if state.status == 'stuck_invitation':
            self.warnings.append('%s had an expired invitation (Zoom code 1120); a new user is created.' % email)
        if status == 'pending' and reason != 'awaiting_confirmation' and params['on_pending'] == 'fail':
            self.set_pending(reason, remedy)
            self.result['zoom_status'] = state.zoom_status
            self.fail('Not creating %s: with create_action=%s the user would be pending (%s). %s'
                      % (email, action, reason, remedy), predicted_zoom_status='pending')
        self.result.update(changed=True, actions=actions, zoom_status=status)
        if status == 'pending':
            self.set_pending(reason, remedy)
        if self.module.check_mode:
            predicted = dict((name, desired[name]) for name in ('first_name', 'last_name', 'display_name') if desired.get(name))
            predicted.update(email=email, type=2 if desired.get('type') == 'licensed' else 1, status=status)
            self.result['user'] = predicted
            if status == 'pending':
                self.pending_outcome(email, reason, remedy, before, after, created=False)
            return self.finish(before, after)
        created, confirmed = create_user(client, email, desired, action)
        self.result['confirmed_after_uncertain'] = confirmed
        if confirmed:
            self.warnings.append('Zoom\'s answer to the create of %s was lost; a lookup confirmed the user exists, so the '
                                 'create was not sent again.' % email)
        final = created
        if created.status in ('active', 'inactive'):
            follow = plan_user(desired, created)
            if follow:
                apply_user(client, created, follow)
                self.result['actions'] = ['create'] + [change.label for change in follow]
                final = lookup_user(client, email)
        else:
            self.result['actions'] = ['create']
        self.result.update(user=final.user or {}, zoom_status=final.zoom_status)
        real_after = dict(user_view(final.user, compared), zoom_status=final.zoom_status)
        if final.status == 'pending':
            reason, remedy = diagnose_pending(client, email, state=final, created_now=True, create_action=action,
                                              pre_state=state, domains=domains)
            self.pending_outcome(email, reason, remedy, before, real_after, created=True)
        else:
            self.set_pending(None, None)
        return self.finish(before, real_after)

    def absent(self, client, email, state):
        params = self.params
        self.result['zoom_status'] = state.zoom_status
        self.result['user'] = state.user or {}
        before = dict(zoom_status=state.zoom_status)
        if state.status == 'stuck_invitation':
            self.set_pending(None, stuck_remedy(email))
            self.warnings.append('%s only has a dead (expired) invitation: there is nothing to remove. Zoom keeps the record, '
                                 'so the SCIM API still answers 400 for this email. %s' % (email, stuck_remedy(email)))
        changes = plan_removal(state, params['removal_action'], params.get('transfer_to'), params.get('transfer'),
                               params['allow_data_loss'], params['force'])
        if not changes:
            return self.finish(before, before)
        change = changes[0]
        if params.get('transfer_to') and change.field != 'withdraw':
            problem = transfer_target_problem(client, params['transfer_to'], email)
            if problem:
                self.fail(problem)
        self.result.update(changed=True, actions=[change.label], zoom_status='absent', user={})
        after = dict(zoom_status='absent')
        if self.module.check_mode:
            return self.finish(before, after)
        remove_user(client, state, changes)
        final = lookup_user(client, email)
        self.result.update(zoom_status=final.zoom_status, user=final.user or {})
        return self.finish(before, dict(zoom_status=final.zoom_status))


def main():
    module = ZoomModule(argument_spec=argument_spec(), supports_check_mode=True)
    Runner(module).run()


if __name__ == '__main__':
    main()
