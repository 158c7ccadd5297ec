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
  - Every option is checked before the first call to Zoom (email, names, time zone, language, transfer target), and
    every problem is reported at once.
  - Before creating with O(create_action=ssoCreate) the module checks whether the email's domain is an associated
    domain of the account (check mode predicts C(pending) then); after creating it reads the real status back. A user
    that ends C(pending) is reported with RV(zoom_status=pending), a RV(pending_reason), a plain-words RV(remedy) and
    the RV(pending_evidence) checked; O(on_pending) decides whether that is a warning or a failure. The diagnosis is
    the same on the creating run and on every rerun.
  - Removal loses nothing by default. O(state=absent) disassociates the user (the person keeps their meetings and
    recordings in a free account of their own); a permanent delete needs O(removal_action=delete) plus a transfer target
    (O(transfer_to)) or an explicit O(allow_data_loss=true). The account owner and admins are refused unless O(force=true).
    A pending user is withdrawn (its invitation is cancelled).
  - A create whose answer is lost (Zoom answered 5xx or the connection dropped) is confirmed by a lookup; only when
    the lookup proves it did not land is it sent again (at most three times), so a user is never created twice.
    C(changed) is true only when a user was really created or changed.
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
      - On create the default is V(basic); an existing user's licence changes only when this option is set.
      - When the account has no free seat of that type, Zoom refuses the create (codes 2033, 2034, 3412) and the task
        fails saying so; nothing is created.
    type: str
    choices: [basic, licensed]
  department:
    description:
      - Department (REST field C(dept)), at most 128 characters. Set with a C(PATCH) right after a create.
    type: str
  job_title:
    description:
      - Job title, at most 128 characters. Set with a C(PATCH) right after a create.
    type: str
  timezone:
    description:
      - Time zone of the user, an IANA name such as V(Europe/Berlin) or V(America/Chicago) (exact case).
    type: str
  language:
    description:
      - Language of the Zoom web portal for the user, one of Zoom's codes V(en-US), V(de-DE), V(es-ES), V(fr-FR),
        V(jp-JP), V(pt-PT), V(ru-RU), V(zh-CN), V(zh-TW), V(ko-KO), V(it-IT), V(vi-VN), V(pl-PL), V(Tr-TR), V(id-ID),
        V(nl-NL), V(sv-SE) (compared case-insensitively).
    type: str
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
      - V(keep) reports RV(zoom_status=pending) with RV(pending_reason), RV(remedy) and RV(pending_evidence) and adds a
        warning.
      - V(fail) fails the task with the same information. When the pending outcome can be predicted before creating
        (the email's domain is not associated), nothing is created.
      - V(warn) is the old name of V(keep); it is deprecated and will be removed in 2.0.0.
    type: str
    choices: [keep, fail, warn]
    default: keep
  removal_action:
    description:
      - How O(state=absent) removes an active or deactivated user.
      - V(disassociate) unlinks the user from the account; the person keeps a free Zoom account with their data.
        Zoom refuses it for users whose email domain is a managed (associated) domain of the account (code 1107). The
        module reads the account's domains and refuses such a removal before any change (check mode too), offering a
        choice between deactivating the user (O(state=present), O(active=false)) and V(delete) with O(transfer_to).
      - V(delete) deletes the user permanently. It needs O(transfer_to) or O(allow_data_loss=true).
    type: str
    choices: [disassociate, delete]
    default: disassociate
  transfer_to:
    description:
      - Email of an active user of the account who receives the removed user's data (see O(transfer)).
      - Must differ from O(email). It is checked to be an active user of the account before anything is removed.
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
  - A personal Zoom account that owns the email cannot be seen before the create (Zoom's code 1010 may be given for any
    email outside the account), so check mode does not predict it. After O(create_action=ssoCreate) left the user
    pending on an associated domain, the module reports C(existing_zoom_account) by elimination, with the evidence.
    For another company's account Zoom refuses the create (code 1009) and the module fails saying nothing was created.
  - The domain checks read C(GET /v2/accounts/me/managed_domains) (scope C(account:read:admin)); when Zoom does not
    answer it, they are skipped and a 1107 answer at removal time is reported with the same choice.
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

    - name: Set profile fields Zoom takes only after the create
      zoomops.provisioning.zoom_user:
        email: jane.doe@example.com
        department: R&D
        job_title: Engineer
        timezone: Europe/Berlin
        language: de-DE

    - name: Remove a user on a domain the account does not manage, keeping their data in their own free account
      zoomops.provisioning.zoom_user:
        email: contractor@partner.example
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
pending_evidence:
  description: What was checked to reach RV(pending_reason), in plain words; empty when the user is not pending.
  returned: always
  type: list
  elements: str
  sample: ["example.com is a verified associated domain of the account"]
remedy:
  description: What an admin does about a pending user or a stuck invitation, in plain words; null otherwise.
  returned: always
  type: str
  sample: "The email domain example.org is not an associated (approved) domain of the Zoom account, ..."
actions:
  description:
    - What was done (or would be done in check mode), in order.
    - Short labels C(create), C(update:<option>), C(activate), C(deactivate), C(remove:disassociate), C(remove:delete),
      C(remove:withdraw) (a pending user's invitation is withdrawn).
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
problems:
  description: Every reason a removal was refused before any change (for example Zoom's code 1107 predicted).
  returned: when a removal is refused
  type: list
  elements: str
  sample: ["leaver@example.com is on example.com, a managed (associated) domain of the account, ..."]
created:
  description: On a failed create, whether a user was created anyway (false means nothing was created).
  returned: when the create failed
  type: bool
  sample: false
diff:
  description: The compared fields and the status before and after.
  returned: when diff mode is on
  type: dict
  sample: {before: {zoom_status: absent}, after: {zoom_status: active, first_name: Jane}}
'''

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomError, ZoomPlanError
from ansible_collections.zoomops.provisioning.plugins.module_utils._module import ZoomModule
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    CREATE_ACTIONS,
    REMOVAL_ACTIONS,
    UserState,
    ZoomCreateError,
    account_domains,
    apply_user,
    create_body,
    create_user,
    email_problems,
    lookup_user,
    normalize_language,
    pending_after_create,
    pending_create_action,
    pending_diagnosis,
    plan_user,
    predicted_pending,
    profile_problems,
    raise_problems,
    remove_user,
    stuck_remedy,
    transfer_problems,
    user_view,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._users_module import UserRunner, person_argument_spec


PROFILE_OPTIONS = ('first_name', 'last_name', 'display_name', 'type', 'department', 'job_title', 'timezone', 'language')
DESIRED_OPTIONS = PROFILE_OPTIONS + ('active',)


def argument_spec():
    return person_argument_spec(
        REMOVAL_ACTIONS,
        type=dict(type='str', choices=['basic', 'licensed']),
        department=dict(type='str'),
        job_title=dict(type='str'),
        timezone=dict(type='str'),
        language=dict(type='str'),
        create_action=dict(type='str', default='ssoCreate', choices=list(CREATE_ACTIONS)),
        on_pending=dict(type='str', default='keep', choices=['keep', 'fail', 'warn']),
    )


def validate(params):
    """Every input problem at once, before any call; returns (email, desired) or raises ZoomConfigError."""
    problems = email_problems(params['email'], 'email')
    problems += profile_problems(params)
    problems += transfer_problems(params, params['email'])
    raise_problems(problems, 'zoom_user')
    desired = dict((name, params.get(name)) for name in DESIRED_OPTIONS)
    desired['language'] = normalize_language(desired['language'])
    if params.get('transfer_to'):
        params['transfer_to'] = params['transfer_to'].strip()
    return params['email'].strip(), desired


class Runner(UserRunner):
    """One run of the module: validate, read, plan, diff, (check mode exit), apply, re-read."""

    deactivate_hint = ' With zoom_user, deactivating is state=present and active=false.'

    def pending_outcome(self, email, diagnosis, before, after, created):
        """Keep (warn) or fail for a pending user; an invitation awaiting confirmation is never a problem."""
        self.set_pending(diagnosis)
        if diagnosis.reason == 'awaiting_confirmation':
            return
        text = '%s is pending (%s). %s' % (email, diagnosis.reason, diagnosis.remedy)
        if self.params['on_pending'] == 'fail':
            self.fail(('%s was created but ' % email if created else '') + text, before, after)
        self.warnings.append(text)

    # ---- main ---------------------------------------------------------------------
    def run(self):
        if self.params['on_pending'] == 'warn':
            self.params['on_pending'] = self.module.deprecate_value('on_pending', 'warn', 'keep')
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
        except ZoomCreateError as exc:
            self.result.update(changed=exc.created, actions=['create'] if exc.created else [])
            self.module.fail_from_error(exc, **self.result)
        except ZoomError as exc:
            self.module.fail_from_error(exc, **self.result)

    def present(self, client, email, desired, state):
        compared = [name for name in DESIRED_OPTIONS if desired.get(name) is not None]
        before = dict(user_view(state.user, compared), zoom_status=state.zoom_status)
        if state.status in ('absent', 'external', 'stuck_invitation'):
            return self.create(client, email, desired, state, compared, before)
        if state.status == 'pending':
            action = pending_create_action(state.user, self.params['create_action'])
            diagnosis = pending_diagnosis(client, email, create_action=action)
            self.result.update(zoom_status='pending', user=state.user or {})
            ignored = [name for name in compared if name != 'active' or desired['active'] is False]
            if ignored:
                self.warnings.append('%s is pending: Zoom does not apply updates to pending users, so %s %s not compared. '
                                     'Run the task again once the user is active.'
                                     % (email, ', '.join(ignored), 'is' if len(ignored) == 1 else 'are'))
            self.pending_outcome(email, diagnosis, before, before, created=False)
            return self.finish(before, before)
        changes = plan_user(desired, state)
        after = self.after_view(before, changes)
        self.result.update(actions=[change.label for change in changes], changed=bool(changes),
                           zoom_status=after['zoom_status'])
        if not changes or self.module.check_mode:
            self.result['user'] = self.predicted_user(state.user, changes)
            return self.finish(before, after)
        apply_user(client, state, changes)
        final = lookup_user(client, email)
        self.result.update(user=final.user or {}, zoom_status=final.zoom_status)
        return self.finish(before, dict(user_view(final.user, compared), zoom_status=final.zoom_status))

    @staticmethod
    def after_view(before, changes):
        after = dict(before)
        for change in changes:
            if change.field:
                after[change.field] = change.after
            if change.action in ('activate', 'deactivate'):
                after.update(active=change.action == 'activate',
                             zoom_status='active' if change.action == 'activate' else 'inactive')
        return after

    @staticmethod
    def predicted_user(user, changes):
        predicted = dict(user or {})
        for change in changes:
            predicted.update(change.params)
            if change.action in ('activate', 'deactivate'):
                predicted['status'] = 'active' if change.action == 'activate' else 'inactive'
        return predicted

    def create(self, client, email, desired, state, compared, before):
        action = self.params['create_action']
        domains = account_domains(client) if action == 'ssoCreate' else None
        predicted = predicted_pending(email, action, domains)
        status = 'pending' if predicted else 'active'
        # the fields POST /users does not take follow in one PATCH, then the deactivation (if asked)
        created = _created_state(email, desired)
        follow = [change for change in plan_user(desired, created) if change.action != 'activate']
        if status == 'pending':
            follow = []
        actions = ['create'] + [change.label for change in follow]
        after = dict((name, desired[name]) for name in compared if name != 'active')
        after['zoom_status'] = 'inactive' if status == 'active' and desired.get('active') is False else status
        if status != 'pending' and desired.get('active') is not None:
            after['active'] = after['zoom_status'] == 'active'
        if state.status == 'stuck_invitation':
            self.warnings.append('%s had an expired invitation (Zoom code 1120); a new user is created.' % email)
        if predicted and predicted.reason != 'awaiting_confirmation' and self.params['on_pending'] == 'fail':
            self.set_pending(predicted)
            self.result['zoom_status'] = state.zoom_status
            self.fail('Not creating %s: with create_action=%s the user would be pending (%s). %s'
                      % (email, action, predicted.reason, predicted.remedy), predicted_zoom_status='pending')
        self.result.update(changed=True, actions=actions, zoom_status=after['zoom_status'])
        if self.module.check_mode:
            self.result['user'] = dict(self.predicted_user(created.user, follow), status=after['zoom_status'])
            if predicted:
                self.pending_outcome(email, predicted, before, after, created=False)
            return self.finish(before, after)
        outcome = create_user(client, email, desired, action)
        self.result['changed'] = outcome.created
        self.note_confirmed(outcome, email)
        final = outcome.state
        done = ['create'] if outcome.created else []
        self.result['actions'] = list(done)
        if final.status in ('active', 'inactive'):
            # as check mode predicted: every set field POST /users does not take; after a lost answer or a user that
            # was there already, compare with what Zoom really holds
            fresh = outcome.created and not outcome.confirmed_after_uncertain
            follow = plan_user(desired, _created_state(email, desired, final) if fresh else final)
            if follow:
                apply_user(client, final, follow)
                done += [change.label for change in follow]
                final = lookup_user(client, email)
        self.result.update(actions=done, changed=bool(done), user=final.user or {}, zoom_status=final.zoom_status)
        real_after = dict(user_view(final.user, compared), zoom_status=final.zoom_status)
        self.set_pending(None)
        if final.status == 'pending':
            diagnosis = pending_after_create(client, email, action, final.user, pre_state=state, domains=domains)
            self.pending_outcome(email, diagnosis, before, real_after, created=outcome.created)
        return self.finish(before, real_after)

    def absent(self, client, email, state):
        params = self.params
        self.result.update(zoom_status=state.zoom_status, user=state.user or {})
        before = dict(zoom_status=state.zoom_status)
        if state.status == 'stuck_invitation':
            self.result['remedy'] = stuck_remedy(email)
            self.warnings.append('%s only has a dead (expired) invitation: there is nothing to remove. Zoom keeps the record, '
                                 'so the SCIM API still answers 400 for this email. %s' % (email, stuck_remedy(email)))
        changes = self.checked_removal(client, state)
        if not changes:
            return self.finish(before, before)
        self.result.update(changed=True, actions=[change.label for change in changes], zoom_status='absent', user={})
        after = dict(zoom_status='absent')
        if self.module.check_mode:
            return self.finish(before, after)
        try:
            remove_user(client, state, changes, params.get('transfer_to'))
        except ZoomPlanError as exc:
            self.fail_plan(exc)
        final = lookup_user(client, email)
        self.result.update(zoom_status=final.zoom_status, user=final.user or {})
        return self.finish(before, dict(zoom_status=final.zoom_status))


def _created_state(email, desired, created=None):
    """What POST /users makes of ``desired``: names and type (the rest needs a PATCH, docs/ZOOM-API-FACTS.md §2.3).

    ``created``: the user re-read after the create (its id and status), None in check mode.
    """
    status = created.status if created is not None else 'active'
    user = dict(create_body(email, desired, 'ssoCreate')['user_info'], status=status)
    return UserState(email, status, id=created.id if created is not None else None, user=user)


def main():
    module = ZoomModule(argument_spec=argument_spec(), supports_check_mode=True)
    Runner(module).run()


if __name__ == '__main__':
    main()
