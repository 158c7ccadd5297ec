#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

DOCUMENTATION = r'''
---
module: zoom_user_sync
short_description: Make the Zoom users of an account (and their Zoom Phone setup) match a list, in one pass
version_added: 0.1.0
description:
  - Takes the desired Zoom users as a list of people (the fields of M(zoomops.provisioning.zoom_user) plus a C(phone)
    block with the fields of M(zoomops.provisioning.zoom_phone_user)), a O(scope) telling which Zoom users the list
    manages, and what to do with users of the scope that are not in the list (O(unlisted)). Built for GitOps (plan on a
    pull request, apply on merge) and change-managed rollouts (a reviewed plan, then an apply of exactly that plan).
  - Reads the account in bulk instead of one lookup per user - C(GET /v2/users) for every status (300 a page, pending
    users included), C(GET /v2/phone/users) (100 a page) and sites; calling plans, the listed numbers and the account's
    domains only when the plan needs them - then computes the whole plan with the per-user logic of the single-user
    modules.
  - Every entry is checked before anything is read from Zoom, and every problem of every entry is reported at once,
    naming the entry (index and email), the field and the fix. Conflicts with the account (unknown sites or calling
    plans, numbers or extensions held by someone else, no free seat, a O(transfer_to) that cannot receive data, removals
    Zoom would refuse) and too many removals (O(max_removals), O(max_removal_percent)) also refuse the run before the
    first write. A refusal is returned as data (RV(refusal)) and written into the plan file.
  - Applies the plan with bounded concurrency (O(concurrency)) under one shared rate budget per Zoom rate-limit label,
    sized from the account's plan (O(rate_limit_tier)), honouring HTTP 429 and C(Retry-After). New Zoom Phone users are
    added with Zoom's batch endpoint (C(POST /v2/phone/users/batch), 10 users a call) when they have an explicit extension
    and calling plans; other phone changes use the per-user endpoints in Zoom's order.
  - One user's failure does not stop the others. The result lists each user once - RV(created), RV(updated) (with the
    fields), RV(unchanged), RV(pending) (reason and remedy), RV(failures) (message), RV(removed), RV(deactivated),
    RV(protected) - and the module fails at the end when any user failed. A rerun only does what is still missing.
  - In check mode the module returns the plan (RV(plan), RV(plan_markdown), RV(digest)) and writes it to O(plan_file) as
    JSON and as Markdown. An apply given O(approved_digest) (or O(approved_plan)) recomputes the plan against the live
    account and refuses to write anything if it differs from the approved one, listing only the users that differ. An
    apply whose approved plan is already done (nothing left to write) succeeds with C(changed=false) and says so.
  - A long run can be watched with O(progress_file) (JSON lines, for example C(tail -f plan/progress.jsonl)).
author: [ZoomOps maintainers (@zoomops)]
extends_documentation_fragment: [zoomops.provisioning.zoom, zoomops.provisioning.zoom.actiongroup, zoomops.provisioning.zoom.check_diff]
options:
  users:
    description:
      - The desired people. Only the fields you set are compared. Emails compare case-insensitively; the same person
        twice is refused.
      - M(zoomops.provisioning.zoom_user_info) exports an existing account in this format, and the role
        C(zoomops.provisioning.phone_user) takes the same people.
      - "Deprecated names, still accepted with a deprecation warning (removed in 2.0.0): C(dept) (use C(department)),
        C(user_type) (use C(type)), and the flat phone keys C(extension) and C(extension_number)
        (use C(phone.extension_number)), C(phone_number) and C(phone_numbers) (use C(phone.phone_numbers)),
        C(calling_plan) and C(calling_plans) (use C(phone.calling_plans)), C(site) (use C(phone.site))."
      - The entries are checked by the module itself (every problem of every entry at once), not by Ansible's argument
        checker, so each element is declared V(raw).
      - For thousands of people prefer O(users_file) - ansible-core templates a large list passed as a module option
        slowly (several seconds per thousand users).
      - Exactly one of O(users) and O(users_file) is required.
    type: list
    elements: raw
    suboptions:
      email:
        description: Email address of the user (the natural key).
        type: str
        required: true
      first_name:
        description: First name (at most 64 characters).
        type: str
      last_name:
        description: Last name (at most 64 characters).
        type: str
      display_name:
        description: Display name (at most 128 characters); when not set Zoom derives it from the names.
        type: str
      type:
        description:
          - Licence type; V(basic) is Zoom's type C(1), V(licensed) type C(2).
          - Applied when the user is created (O(new_user_type) when not set). An existing user's licence is changed only
            when the entry sets it.
        type: str
        choices: [basic, licensed]
      active:
        description:
          - V(true) activates a deactivated user, V(false) deactivates an active user (or creates it deactivated).
          - Not compared when not set.
        type: bool
      create_action:
        description: How a missing user is created; overrides O(create_action) for this user.
        type: str
        choices: [ssoCreate, custCreate, autoCreate, create]
      department:
        description: Department (REST field C(dept)); C(dept) is a deprecated alias.
        type: str
      job_title:
        description:
          - Job title. Zoom's user list does not document this field; when the list rows lack it, users that set it are
            read one by one (C(GET /v2/users/{id})) before planning.
        type: str
      timezone:
        description: Time zone, for example V(America/New_York).
        type: str
      language:
        description: Language, for example V(en-US).
        type: str
      phone:
        description:
          - The user's Zoom Phone setup, as in M(zoomops.provisioning.zoom_phone_user). Leave it out to not manage phone.
          - A user must be active to get a phone; for a pending user the phone is set up by a later run.
        type: dict
        suboptions:
          state:
            description: V(present) sets the phone up; V(absent) removes numbers, calling plans and the phone feature.
            type: str
            choices: [present, absent]
            default: present
          site:
            description: Site name or id. New phone users go to the main site when not set.
            type: str
          extension_number:
            description:
              - The full extension (site code and short extension, for example V(1005)) or V(auto) to let Zoom pick one.
              - New phone users with an explicit extension and calling plans are added in batches of 10.
            type: raw
          calling_plans:
            description: Calling plan names (as in the account) or type codes. The user ends with exactly these.
            type: list
            elements: raw
          phone_numbers:
            description: Phone numbers in E.164 (quote them in YAML, for example V("+14155550100")). The user ends with exactly these.
            type: list
            elements: str
  users_file:
    description:
      - Path of a YAML or JSON file with the desired people - a list of O(users) entries, or a mapping whose C(users) key
        holds that list - read by the module itself, on the host that runs it (the controller). The entries are
        checked like O(users).
      - The natural input of a GitOps repository; much faster than O(users) for large lists.
      - "A relative path is taken from the directory the module runs in, which for a local run (C(hosts: localhost),
        C(connection: local)) is the directory of the playbook. Write C({{ playbook_dir }}/users.yml) to be explicit."
    type: path
  scope:
    description:
      - Which Zoom users the list manages. A user is in scope when its email domain is in O(scope.domains) or its email
        matches one of the O(scope.emails) patterns.
      - Without a scope only the listed users are managed and O(unlisted) must be V(ignore).
      - Listed users must be in the scope.
    type: dict
    suboptions:
      domains:
        description: Email domains, for example V(example.com).
        type: list
        elements: str
        default: []
      emails:
        description: Email glob patterns, for example V(*@sales.example.com).
        type: list
        elements: str
        default: []
  protected:
    description:
      - Emails or email glob patterns never touched, for example break-glass accounts. The account owner and admins are
        always protected. A protected user in the list is skipped with a warning.
    type: list
    elements: str
    default: []
  unlisted:
    description:
      - What to do with users of the scope that are not in the list (protected users excepted).
      - V(ignore) leaves them alone. V(deactivate) deactivates active ones. V(remove) removes them
        (see O(removal_action)) and withdraws pending invitations.
    type: str
    choices: [ignore, deactivate, remove]
    default: ignore
  removal_action:
    description:
      - How O(unlisted=remove) removes a user. V(disassociate) unlinks the user (the person keeps their data in a free
        account of their own). V(delete) deletes permanently and needs O(transfer_to) or O(allow_data_loss=true).
      - Zoom refuses to disassociate users of a managed (associated) domain of the account (code 1107). The module
        predicts this from the account's domains and refuses the run before any write, in check mode too, with the
        choice - O(unlisted=deactivate), or O(removal_action=delete) with O(transfer_to).
    type: str
    default: disassociate
    choices: [disassociate, delete]
  transfer_to:
    description:
      - Email of the user who receives the data (meetings, webinars, recordings, whiteboards) of the users removed.
      - Checked while planning - an email, an active user of the account, not itself removed or deactivated by the run.
    type: str
  allow_data_loss:
    description: Allow O(removal_action=delete) without O(transfer_to).
    type: bool
    default: false
  max_removals:
    description:
      - Most users O(unlisted) may remove or deactivate in one run. Over it the module fails before any write and lists
        the users it would have removed.
    type: int
    default: 10
  max_removal_percent:
    description:
      - Most users O(unlisted) may remove or deactivate in one run, in percent of the users in scope (protected users
        not counted). Over it the module fails before any write.
    type: float
    default: 10
  create_action:
    description:
      - How missing users are created (C(action) of C(POST /v2/users)); see M(zoomops.provisioning.zoom_user).
    type: str
    choices: [ssoCreate, custCreate, autoCreate, create]
    default: ssoCreate
  new_user_type:
    description:
      - Licence type of the users this run creates whose entry has no C(type). Existing users are never changed by it.
    type: str
    choices: [basic, licensed]
    default: basic
  concurrency:
    description: Most API calls in flight at once (1 to 64).
    type: int
    default: 16
  rate_limit_tier:
    description:
      - The Zoom plan of the account, which sets Zoom's rate limits per label (V(business) covers Business, Education,
        Enterprise and Partner accounts). The module never sends faster than these limits allow.
    type: str
    choices: [free, pro, business]
    default: business
  rate_limit_share:
    description:
      - Share of the account's rate limits this run may use (Zoom's limits are per account, shared by every app of the
        account). Lower it when other integrations run at the same time.
    type: float
    default: 0.95
  batch_phone:
    description:
      - Add new Zoom Phone users with C(POST /v2/phone/users/batch) (10 a call). V(false) uses the per-user endpoints
        (enable the phone feature, wait for the phone user, then extension, plans and numbers).
    type: bool
    default: true
  phone_wait_timeout:
    description: Seconds to wait for Zoom to create a phone user after the phone feature is enabled (per-user path).
    type: int
    default: 120
  plan_file:
    description:
      - Write the plan to this path as JSON, and as Markdown next to it (the C(.json) suffix replaced by C(.md), else
        C(.md) appended). Written in check mode and in apply runs, also when the run is refused (with the refusal).
      - The files are written with mode C(0600) (readable by the user who runs Ansible only); directories are created.
      - A relative path is taken from the directory the module runs in - the playbook's directory for a local run.
        RV(files) returns the absolute paths written.
    type: path
  progress_file:
    description:
      - Append the run's progress to this file as JSON lines, flushed as they are written, so an operator can watch a long
        run (C(tail -f progress.jsonl)) - one line when each phase starts and ends (with counts), every 2 seconds during
        the apply the number of users done per outcome, and the final totals.
      - A relative path is taken like O(plan_file)'s.
    type: path
  approved_digest:
    description:
      - Digest (RV(digest) of a check-mode run, C(sha256:...)) of the plan reviewers approved. The module recomputes the
        plan and fails before any write if its digest differs.
      - The digest covers every planned action (steps, before and after values, pending reasons) and the options that
        decide the writes (O(unlisted), O(removal_action), O(transfer_to), O(allow_data_loss), O(create_action),
        O(new_user_type), O(batch_phone), O(scope), O(protected)), so a plan approved under one set of options cannot be
        applied under another.
    type: str
  approved_plan:
    description:
      - Path of the approved JSON plan (a O(plan_file) of a check-mode run). The file must be unedited - its digest is
        checked against its own content - and is used like O(approved_digest) (both must agree when both are given); on
        drift the module lists the users that differ.
      - A relative path is taken like O(plan_file)'s.
    type: path
notes:
  - Fields the sync compares come from the list endpoints, so a rerun with nothing to do makes only list reads - no call
    per user. When up to 50 active users should have a phone but have no phone user, each gets one
    C(GET /v2/users/{id}/settings) (Zoom may still be creating their phone user); more than that are taken as new to
    Zoom Phone, and a batch add that finds one already being created falls back to the per-user path, which waits.
  - Users are created with the confirmation of M(zoomops.provisioning.zoom_user) - a lost answer is settled by a lookup
    and the create is sent again only when the lookup proved it did not land - and removed like it - a 404 on removal
    counts as done only when a lookup confirms the user is gone. Which created users Zoom left pending is learnt from
    one read of the pending list at the end, not user by user.
  - New phone users added in batches are created by Zoom asynchronously; the module waits (at most
    O(phone_wait_timeout)) until the phone lists show them, so a rerun right after finds them converged.
  - With O(create_action=ssoCreate) a created user can come out pending (domain not associated, or the email owns a
    personal Zoom account); it is reported in RV(pending) with the remedy and is not retried.
  - Removal thresholds count only users removed or deactivated because they are not in the list (O(unlisted)); a listed
    user with O(users[].active=false) is an explicit change.
seealso:
  - module: zoomops.provisioning.zoom_user_info
  - module: zoomops.provisioning.zoom_user
  - module: zoomops.provisioning.zoom_phone_user
'''

EXAMPLES = r'''
- name: Zoom users from git (connection options come from module_defaults or ZOOM_* environment variables)
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Plan (check mode) and write it for review
      zoomops.provisioning.zoom_user_sync:
        users_file: "{{ playbook_dir }}/users.yml"
        scope:
          domains: [example.com]
        protected: [breakglass@example.com]
        unlisted: deactivate
        plan_file: "{{ playbook_dir }}/plan/plan.json"
        progress_file: "{{ playbook_dir }}/plan/progress.jsonl"
      check_mode: true
      register: plan

    - name: Show the digest to approve
      ansible.builtin.debug:
        msg: "{{ plan.digest }}"

- name: Apply exactly the approved plan
  hosts: localhost
  connection: local
  gather_facts: false
  tasks:
    - name: Sync
      zoomops.provisioning.zoom_user_sync:
        users:
          - email: ada@example.com
            first_name: Ada
            last_name: Lovelace
            type: licensed
            department: Engineering
            phone:
              site: Main Site
              extension_number: 1001
              calling_plans: [US/CA Unlimited Calling Plan]
              phone_numbers: ["+14155550101"]
          - email: grace@example.com
            first_name: Grace
            last_name: Hopper
        scope:
          domains: [example.com]
        unlisted: deactivate
        max_removals: 5
        approved_plan: "{{ playbook_dir }}/plan/plan.json"
'''

RETURN = r'''
check_mode:
  description: True when the run was in check mode (nothing was written), however check mode was set (task, block or play).
  returned: always
  type: bool
digest:
  description: sha256 digest of the plan computed in this run (compare with O(approved_digest)).
  returned: always
  type: str
  sample: sha256:2f1c5e0b7d...
totals:
  description:
    - Number of users per outcome (C(created), C(updated), C(unchanged), C(pending), C(failures), C(removed),
      C(deactivated), C(protected)); in check mode the predicted outcome.
  returned: always
  type: dict
  sample: {created: 2, updated: 1, unchanged: 997, pending: 0, failures: 0, removed: 0, deactivated: 0, protected: 0}
created:
  description: Emails of the users created (in check mode, to be created).
  returned: always
  type: list
  elements: str
updated:
  description:
    - Users updated, each with C(email), C(fields) (C(first_name), C(status), C(phone.extension_number)...) and
      C(actions) (short labels such as C(update:first_name), C(deactivate), C(phone:calling_plans)).
  returned: always
  type: list
  elements: dict
  sample: [{email: ada@example.com, fields: [phone.extension_number], actions: [phone:extension_number]}]
unchanged:
  description: Emails of the listed users that already matched.
  returned: always
  type: list
  elements: str
pending:
  description:
    - Users Zoom has (or will have) pending, each with C(email), C(reason) and C(remedy). Nothing is retried for them.
    - C(created=true) when the user was created by this run and came out pending.
  returned: always
  type: list
  elements: dict
  sample: [{email: ann@partner.example, reason: domain_not_associated, remedy: "The email domain ..."}]
failures:
  description:
    - Users whose changes failed, each with C(email), C(message) and, when Zoom answered, C(status) and C(code); C(done)
      lists what was done for the user before the failure. A rerun retries them.
  returned: always
  type: list
  elements: dict
removed:
  description: Emails of the users removed (or invitations withdrawn) because they are in scope but not in the list.
  returned: always
  type: list
  elements: str
deactivated:
  description: Emails of the users deactivated because they are in scope but not in the list.
  returned: always
  type: list
  elements: str
protected:
  description: Listed users left alone because they are protected, each with C(email) and C(reason).
  returned: always
  type: list
  elements: dict
plan:
  description:
    - The plan as written to O(plan_file) - C(format), C(digest), C(options) (the options the digest covers), C(totals)
      (per planned action), C(outcomes) (per predicted outcome - creates Zoom will leave pending count as pending),
      C(removals), C(users) (each non-unchanged user with C(action), C(changes) as field -> [before, after], C(steps),
      C(reason), C(remedy), C(status)), C(problems), C(refusal) (null, or the refusal below); the emails of unchanged
      users only in O(plan_file).
    - After an apply, without C(users) (the outcome lists say what happened to each user).
  returned: always
  type: dict
plan_markdown:
  description:
    - The plan rendered as Markdown for a reviewer (removals first, per user and field before -> after).
    - Shortened for large plans; the Markdown file next to O(plan_file) has it all.
  returned: always
  type: str
refusal:
  description:
    - Why the run was refused before any write - C(rule) (V(problems), V(managed_domain), V(max_removals),
      V(max_removal_percent), V(digest_drift)), C(message) (what happened, one sentence), C(remedy) (what to do),
      C(numbers) (the counts and limits involved), and C(users) (who) or C(differences) (for V(digest_drift), only
      what differs - C({email, approved, now}) or C({option, approved, now})).
  returned: when the run is refused
  type: dict
  sample:
    rule: max_removals
    message: 12 users would be removed or deactivated, more than max_removals=10; nothing was changed.
    remedy: Check that the users list is complete ...; if these removals are intended, raise max_removals for this run.
    numbers: {removals: 12, in_scope: 100, percent: 12.0, max_removals: 10, max_removal_percent: 10}
    users: [leaver@example.com]
already_applied:
  description:
    - The approved plan is already done - the live plan has nothing left to write - so nothing was sent and the run
      succeeds with C(changed=false). C(approved_digest) and C(message) (the sentence also returned as RV(msg)).
  returned: when the approved plan is already applied
  type: dict
msg:
  description: What happened, in one sentence, when the approved plan is already applied.
  returned: when the approved plan is already applied
  type: str
differences:
  description: How the live plan differs from the approved one, one line per user or option that differs.
  returned: when the approved plan does not match
  type: list
  elements: str
approved_digest:
  description: The approved digest the live plan was compared with.
  returned: when the approved plan does not match
  type: str
problems:
  description: Every input or plan problem found; nothing was written.
  returned: when there are problems
  type: list
  elements: str
problem_details:
  description:
    - The same problems as data, each with C(index) (position in O(users) or O(users_file), or null), C(email) (or null),
      C(field) (for example V(phone.extension_number), or null) and C(message).
  returned: when there are problems
  type: list
  elements: dict
would_remove:
  description: Emails of the users that would have been removed or deactivated when a removal threshold refused the run.
  returned: when a removal threshold is exceeded
  type: list
  elements: str
files:
  description: Absolute paths of the files written - C(plan_file), C(plan_markdown), C(progress_file).
  returned: when O(plan_file) or O(progress_file) is set
  type: dict
stats:
  description:
    - API calls of the run - C(calls), C(by_label), C(by_method), C(retries), C(throttled) (HTTP 429 answers seen),
      C(waited) (seconds spent waiting for the rate budget and Retry-After) - C(elapsed) seconds and C(phases), the
      seconds each phase took (C(check_input), C(read), C(prefetch), C(plan), C(report), C(apply); the input check runs
      while the account is read).
  returned: always
  type: dict
'''

import time

MODULE_STARTED = time.monotonic()  # stats.elapsed counts from here: imports and option checks included

import gc  # noqa: E402  pylint: disable=wrong-import-position
import json  # noqa: E402  pylint: disable=wrong-import-position
import os  # noqa: E402  pylint: disable=wrong-import-position

from concurrent.futures import ThreadPoolExecutor  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomError  # noqa: E402
from ansible_collections.zoomops.provisioning.plugins.module_utils._module import ZoomModule  # noqa: E402
from ansible_collections.zoomops.provisioning.plugins.module_utils._ratelimit import RateBudget  # noqa: E402
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_apply import Progress, apply_plan  # noqa: E402
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_guards import (  # noqa: E402
    approved_plan_problem,
    difference_text,
    drift_refusal,
    managed_domain_refusal,
    problems_refusal,
    removal_refusal,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_input import (  # noqa: E402
    CREATE_ACTIONS,
    DEPRECATED_KEYS,
    REMOVED_IN,
    Scope,
    check_entries,
    load_users_file,
    option_problems,
    resolve_path,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_plan import (  # noqa: E402
    OUTCOMES,
    build_plan,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_read import prefetch, read_account  # noqa: E402
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_report import (  # noqa: E402
    plan_document,
    render_markdown,
)

RESULT_MARKDOWN_ROWS = 500  # table rows per section in plan_markdown (plan_file gets them all)
PHONE_KEYS = ('phone',) + tuple(key for key, (new, _listed) in DEPRECATED_KEYS.items() if not isinstance(new, str))


def argument_spec():
    return dict(
        # elements raw: the entries are checked by _sync_input.check_entries, which names entry, field and fix
        users=dict(type='list', elements='raw'),
        users_file=dict(type='path'),
        scope=dict(type='dict', options=dict(
            domains=dict(type='list', elements='str', default=[]),
            emails=dict(type='list', elements='str', default=[]),
        )),
        protected=dict(type='list', elements='str', default=[]),
        unlisted=dict(type='str', default='ignore', choices=['ignore', 'deactivate', 'remove']),
        removal_action=dict(type='str', default='disassociate', choices=['disassociate', 'delete']),
        transfer_to=dict(type='str'),
        allow_data_loss=dict(type='bool', default=False),
        max_removals=dict(type='int', default=10),
        max_removal_percent=dict(type='float', default=10.0),
        create_action=dict(type='str', default='ssoCreate', choices=list(CREATE_ACTIONS)),
        new_user_type=dict(type='str', default='basic', choices=['basic', 'licensed']),
        concurrency=dict(type='int', default=16),
        rate_limit_tier=dict(type='str', default='business', choices=['free', 'pro', 'business']),
        rate_limit_share=dict(type='float', default=0.95),
        batch_phone=dict(type='bool', default=True),
        phone_wait_timeout=dict(type='int', default=120),
        plan_file=dict(type='path'),
        progress_file=dict(type='path'),
        approved_digest=dict(type='str'),
        approved_plan=dict(type='path'),
    )


def markdown_path(plan_file):
    root, ext = os.path.splitext(plan_file)
    return root + '.md' if ext.lower() == '.json' else plan_file + '.md'


def write_private(path, text):
    """Write ``text`` to ``path`` atomically with mode 0600 (plans name every user of the account)."""
    directory = os.path.dirname(path)
    if not os.path.isdir(directory):
        os.makedirs(directory)
    tmp = '%s.tmp%d' % (path, os.getpid())
    handle = os.fdopen(os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600), 'w')
    with handle:
        handle.write(text)
    os.replace(tmp, path)


def unwritable_reason(path):
    """Why ``path`` cannot be written (its nearest existing folder is not a writable directory), or None."""
    folder = os.path.dirname(path) or '.'
    while not os.path.exists(folder):
        parent = os.path.dirname(folder)
        if parent == folder:
            break
        folder = parent
    if not os.path.isdir(folder):
        return '%s is not a directory' % folder
    if not os.access(folder, os.W_OK | os.X_OK):
        return '%s is not a writable directory' % folder
    if os.path.isdir(path):
        return '%s is a directory' % path
    return None


WRITE_FIX = 'Choose a path in a writable directory (missing folders are created).'


class Runner:
    """One run: check, bulk read, plan, guards (refusals as data), report, (check mode exit), apply, result."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.result = dict(changed=False, digest=None, check_mode=module.check_mode)
        for name in OUTCOMES:
            self.result[name] = []
        self.client = None
        self.count = 0
        self.progress = Progress(started=MODULE_STARTED)
        self.paths = {}

    def stats(self):
        stats = self.client.stats if self.client is not None else {}
        stats['elapsed'] = round(time.monotonic() - MODULE_STARTED, 3)
        stats['phases'] = dict(self.progress.phases)
        return stats

    def fail(self, msg, **extra):
        self.result.update(extra)
        self.result['stats'] = self.stats()
        self.progress.finish(self.result.get('totals') or {}, failed=True, msg=msg)
        self.module.fail_json(msg=msg, **self.result)

    def resolve_paths(self):
        """Relative paths are taken from the directory the module runs in (the playbook's, for a local run)."""
        for name in ('users_file', 'plan_file', 'progress_file', 'approved_plan'):
            if self.params.get(name):
                self.paths[name] = resolve_path(self.params[name])
        if self.paths.get('plan_file'):
            self.paths['plan_markdown'] = markdown_path(self.paths['plan_file'])
        files = dict((name, self.paths[name]) for name in ('plan_file', 'plan_markdown', 'progress_file') if name in self.paths)
        if files:
            self.result['files'] = files
        # before the first call to Zoom: a plan that cannot be written must not cost a whole bulk read
        for name in ('plan_file', 'progress_file'):
            reason = unwritable_reason(files[name]) if name in files else None
            if reason:
                self.fail('Cannot write %s=%s: %s; nothing was sent to Zoom. %s' % (name, files[name], reason, WRITE_FIX))

    def load_approved(self):
        """(approved digest or None, approved document or None); fails the module on a bad or edited file."""
        digest = (self.params.get('approved_digest') or '').strip() or None
        doc = None
        path = self.paths.get('approved_plan')
        if path:
            try:
                with open(path) as handle:
                    doc = json.load(handle)
            except (IOError, OSError, ValueError) as exc:
                self.fail('approved_plan=%s cannot be read as a JSON plan: %s. Give the plan_file written by the check-mode '
                          'run that was approved.' % (path, exc))
            problem = approved_plan_problem(doc, path)
            if problem:
                self.fail(problem)
            if digest and digest != doc['digest']:
                self.fail('approved_digest (%s) and the digest of approved_plan (%s) differ: give the digest of that plan, or '
                          'only one of the two.' % (digest, doc['digest']))
            digest = doc['digest']
        return digest, doc

    def load_users(self):
        users = self.params.get('users')
        if self.paths.get('users_file'):
            users, error = load_users_file(self.paths['users_file'])
            if error:
                self.fail(error)
        return users

    def run(self):
        params = self.params
        problems = option_problems(params)
        if problems:
            self.fail('%d problem%s with the options; nothing was sent to Zoom: %s' % (
                len(problems), '' if len(problems) == 1 else 's', ' | '.join(problems)), problems=problems)
        self.resolve_paths()
        try:
            self.progress = Progress(self.paths.get('progress_file'), started=MODULE_STARTED)
        except (IOError, OSError) as exc:
            self.fail('Cannot write progress_file=%s: %s. %s' % (self.paths['progress_file'], exc, WRITE_FIX))
        approved_digest, approved_doc = self.load_approved()
        users = self.load_users()
        self.count = len(users) if isinstance(users, list) else 0
        want_phone = isinstance(users, list) and any(
            isinstance(item, dict) and any(item.get(key) is not None for key in PHONE_KEYS) for item in users)
        concurrency = params['concurrency']
        budget = RateBudget(params['rate_limit_tier'], safety=params['rate_limit_share'], burst=0.05)
        self.client = self.module.get_client(rate_budget=budget, pool_maxsize=concurrency + 8)
        scope_opt = params.get('scope') or {}
        scope = Scope(scope_opt.get('domains'), scope_opt.get('emails'), params.get('protected'))
        source = 'users_file' if self.paths.get('users_file') else 'users'
        try:
            with ThreadPoolExecutor(max_workers=concurrency) as executor, ThreadPoolExecutor(max_workers=1) as reader:
                # the bulk read runs while the entries are checked (both take seconds for large accounts)
                self.progress.start('read')
                reading = reader.submit(read_account, self.client, executor, want_phone)
                self.progress.start('check_input', entries=self.count)
                desired, problems, deprecations = check_entries(users, source, params['create_action'], scope)
                self.progress.end('check_input', entries=self.count, problems=len(problems))
                for text in deprecations:
                    self.module.deprecate(text, version=REMOVED_IN, collection_name='zoomops.provisioning')
                snap = reading.result()
                # the snapshot lives until the module exits: keep the collector from rescanning its objects
                gc.freeze()
                self.progress.end('read', users=len(snap.users), pending=len(snap.pending), phone_users=len(snap.phone_rows))
                self.progress.start('prefetch')
                prefetch(self.client, executor, snap, desired, scope, params['unlisted'], params['removal_action'])
                self.progress.end('prefetch')
            self.progress.start('plan', users=len(desired))
            plan = build_plan(desired, snap, scope, problems, unlisted=params['unlisted'],
                              removal_action=params['removal_action'], transfer_to=params.get('transfer_to'),
                              allow_data_loss=params['allow_data_loss'], batch_phone=params['batch_phone'],
                              create_action=params['create_action'], new_user_type=params['new_user_type'])
            self.progress.end('plan', **plan.totals)
        except ZoomError as exc:
            self.result['stats'] = self.stats()
            self.progress.finish({}, failed=True, msg=exc.msg)
            self.module.fail_from_error(exc, **self.result)
        if self.guard(plan, approved_digest, approved_doc):
            plan.already_applied = {
                'approved_digest': approved_digest,
                'message': 'The approved plan (%s) is already applied: nothing to do, the account matches the list. No '
                           'action needed; to change something, edit the list and review a new plan.' % approved_digest}
        self.progress.start('report')
        self.report_plan(plan)
        self.progress.end('report')
        if plan.refusal is not None:
            self.refuse(plan)
        if plan.already_applied:
            self.result.update(already_applied=plan.already_applied, msg=plan.already_applied['message'])
            self.finish(plan.predicted, False, [])
        if self.module.check_mode:
            self.finish(plan.predicted, plan.changed, [])
        self.progress.start('apply', users=len(plan.entries))
        buckets, warnings = apply_plan(self.client, plan, snap, concurrency=concurrency,
                                       wait_budget=params['phone_wait_timeout'], progress=self.progress)
        self.progress.end('apply', **dict((name, len(buckets[name])) for name in OUTCOMES))
        # the outcome lists say what happened to every user; keep the result of a large run small
        self.result['plan'] = dict((key, value) for key, value in self.result['plan'].items() if key != 'users')
        changed = bool(buckets['created'] or buckets['updated'] or buckets['removed'] or buckets['deactivated']
                       or any(item.get('created') for item in buckets['pending'])
                       or any(item.get('done') for item in buckets['failures']))
        self.finish(buckets, changed, warnings)

    def guard(self, plan, approved_digest, approved_doc):
        """Set ``plan.refusal`` for the first rule that refuses the run; return True when the approved plan is already
        done (the live plan writes nothing)."""
        params = self.params
        if plan.problems:
            plan.refusal = problems_refusal(plan.problems)
        elif plan.blocked_removals:
            plan.refusal = managed_domain_refusal(plan.blocked_removals, plan.blocked_domains)
        else:
            plan.refusal = removal_refusal(plan, params['max_removals'], params['max_removal_percent'])
        if plan.refusal is not None or not approved_digest or approved_digest == plan.digest:
            return False
        if not plan.changed:
            return True
        plan.refusal = drift_refusal(approved_digest, plan_document(plan, unchanged=False), approved_doc)
        return False

    def refuse(self, plan):
        refusal = plan.refusal
        extra = {'refusal': refusal}
        details = ''
        if refusal['rule'] == 'problems':
            extra.update(problems=plan.problems, problem_details=plan.problem_details)
            details = ' Problems: ' + ' | '.join(plan.problems)
        elif refusal['rule'] in ('max_removals', 'max_removal_percent'):
            extra.update(problems=[refusal['message']], would_remove=refusal['users'])
            details = ' Users that would have been removed or deactivated: %s.' % ', '.join(refusal['users'])
        elif refusal['rule'] == 'managed_domain':
            details = ' Users: %s.' % ', '.join(refusal['users'])
        elif refusal['rule'] == 'digest_drift':
            differences = [difference_text(item) for item in refusal.get('differences') or []]
            extra.update(differences=differences, approved_digest=refusal['approved_digest'])
            if differences:
                details = ' Differences: ' + ' | '.join(differences[:50])
        self.fail('%s %s%s' % (refusal['message'], refusal['remedy'], details), **extra)

    def report_plan(self, plan):
        doc = plan_document(plan, unchanged=False)
        markdown = render_markdown(doc)
        short = markdown if len(plan.entries) <= RESULT_MARKDOWN_ROWS else render_markdown(doc, max_rows=RESULT_MARKDOWN_ROWS)
        self.result.update(digest=plan.digest, plan=doc, plan_markdown=short)
        if self.module._diff:
            before, after = {}, {}
            for entry in plan.entries:
                if entry.action == 'unchanged' or not entry.changes:
                    continue
                before[entry.email] = dict((name, pair[0]) for name, pair in entry.changes.items())
                after[entry.email] = dict((name, pair[1]) for name, pair in entry.changes.items())
            self.result['diff'] = {'before': before, 'after': after}
        path = self.paths.get('plan_file')
        if path:
            doc = dict(doc, unchanged=[entry.email for entry in plan.entries if entry.action == 'unchanged'])
            try:
                write_private(path, json.dumps(doc, indent=2, sort_keys=False) + '\n')
                write_private(self.paths['plan_markdown'], markdown + '\n')
            except (IOError, OSError) as exc:
                self.fail('Cannot write plan_file=%s: %s. %s' % (path, exc, WRITE_FIX))

    def finish(self, buckets, changed, warnings):
        self.result.update(buckets)
        self.result['changed'] = changed
        self.result['totals'] = dict((name, len(buckets[name])) for name in OUTCOMES)
        self.result['stats'] = self.stats()
        self.progress.finish(self.result['totals'], changed=changed)
        for text in warnings:
            self.module.warn(text)
        pending = [item for item in buckets['pending'] if item.get('reason') != 'awaiting_confirmation']
        if pending:
            self.module.warn('%d user%s %s pending in Zoom (see pending for the reason and remedy of each): %s' % (
                len(pending), '' if len(pending) == 1 else 's', 'is' if len(pending) == 1 else 'are',
                ', '.join(item['email'] for item in pending[:20]) + (' ...' if len(pending) > 20 else '')))
        if buckets['protected']:
            self.module.warn('Listed but protected, left alone: %s' % ', '.join(item['email'] for item in buckets['protected']))
        if buckets['failures']:
            first = buckets['failures'][:5]
            self.module.fail_json(
                msg='%d of %d users failed (the others were applied; a rerun retries only what is missing): %s' % (
                    len(buckets['failures']), self.count,
                    ' | '.join('%s: %s' % (item['email'], item['message']) for item in first)), **self.result)
        self.module.exit_json(**self.result)


def main():
    module = ZoomModule(argument_spec=argument_spec(), supports_check_mode=True)
    Runner(module).run()


if __name__ == '__main__':
    main()
