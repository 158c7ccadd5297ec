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
  - Takes the desired Zoom users as a list (the fields of M(zoomops.provisioning.zoom_user) plus a C(phone) block with the
    fields of M(zoomops.provisioning.zoom_phone_user)), a O(scope) telling which Zoom users the list manages, and what to do
    with users of the scope that are not in the list (O(unlisted)). Built for GitOps (plan on a pull request, apply on
    merge) and change-managed rollouts (a reviewed plan, then an apply of exactly that plan).
  - Reads the account in bulk instead of one lookup per user - C(GET /v2/users) for every status (300 a page, pending
    users included), C(GET /v2/phone/users) (100 a page), calling plans and sites; the account's numbers and managed
    domains only when the plan needs them - then computes the whole plan with the same per-user logic as the single-user
    modules.
  - Applies the plan with bounded concurrency (O(concurrency)) under one shared rate budget per Zoom rate-limit label,
    sized from the account's plan (O(rate_limit_tier)), honouring HTTP 429 and C(Retry-After). New Zoom Phone users are
    added with Zoom's batch endpoint (C(POST /v2/phone/users/batch), 10 users a call) when they have an explicit extension
    and calling plans; other phone changes use the per-user endpoints in Zoom's order.
  - One user's failure does not stop the others. The result lists each user once - RV(created), RV(updated) (with the
    fields), RV(unchanged), RV(pending) (reason and remedy), RV(failures) (message), RV(removed), RV(deactivated),
    RV(protected) - and the module fails at the end when any user failed. A rerun only does what is still missing.
  - In check mode the module returns the plan (RV(plan), RV(plan_markdown), RV(digest)) and writes it to O(plan_file) as
    JSON and as Markdown. An apply given O(approved_digest) (or O(approved_plan)) recomputes the plan against the live
    account and refuses to write anything if it differs from the approved one, listing the differences.
  - Input problems (duplicate emails, the same extension or number twice, unknown sites or calling plans, numbers or
    extensions held by someone else, no free seat) and too many removals (O(max_removals), O(max_removal_percent)) fail
    the module before the first write, with every problem listed at once.
author:
  - ZoomOps maintainers (@zoomops)
extends_documentation_fragment:
  - zoomops.provisioning.zoom
  - zoomops.provisioning.zoom.actiongroup
  - zoomops.provisioning.zoom.check_diff
options:
  users:
    description:
      - The desired users. Only the fields you set are compared. Emails compare case-insensitively and must be unique.
      - M(zoomops.provisioning.zoom_user_info) exports an existing account in this format.
      - For thousands of users prefer O(users_file) - ansible-core 2.19 templates a large list passed as a module option
        slowly (several seconds per thousand users).
      - Exactly one of O(users) and O(users_file) is required.
    type: list
    elements: dict
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
        description: Licence type; V(basic) is Zoom's type C(1), V(licensed) type C(2). New users default to V(basic).
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
      dept:
        description: Department (REST field C(dept)).
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
      - Path of a YAML or JSON file with the desired users - a list of O(users) entries, or a mapping whose C(users) key
        holds that list - read by the module itself, on the host that runs it (the controller). The entries are
        checked like O(users).
      - The natural input of a GitOps repository; much faster than O(users) for large lists.
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
    type: str
    choices: [disassociate, delete]
    default: disassociate
  transfer_to:
    description: Email of the user who receives the data of users deleted with O(removal_action=delete).
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
        C(.md) appended). Written in check mode and in apply runs, also when the plan has problems.
    type: path
  approved_digest:
    description:
      - Digest (RV(digest) of a check-mode run, C(sha256:...)) of the plan reviewers approved. The module recomputes the
        plan and fails before any write if its digest differs.
    type: str
  approved_plan:
    description:
      - Path of the approved JSON plan (a O(plan_file) of a check-mode run). Its digest is used like O(approved_digest)
        (both must agree when both are given), and on drift the module lists the differences user by user.
    type: path
notes:
  - Fields the sync compares come from the list endpoints, so a rerun with nothing to do makes only list reads - no call
    per user. When up to 50 active users should have a phone but have no phone user, each gets one
    C(GET /v2/users/{id}/settings) (Zoom may still be creating their phone user); more than that are taken as new to
    Zoom Phone, and a batch add that finds one already being created falls back to the per-user path, which waits.
  - The status of a created user is read back from the pending list (one read), not user by user. With
    O(create_action=ssoCreate) a created user can come out pending (domain not associated, or the email owns a personal
    Zoom account); it is reported in RV(pending) with the remedy and is not retried.
  - Removal thresholds count only users removed or deactivated because they are not in the list (O(unlisted)); a listed
    user with O(users[].active=false) is an explicit change.
  - The digest covers every planned action with its before and after values and the pending reasons, not timestamps.
seealso:
  - module: zoomops.provisioning.zoom_user_info
  - module: zoomops.provisioning.zoom_user
  - module: zoomops.provisioning.zoom_phone_user
'''

EXAMPLES = r'''
- name: Zoom users from git (connection options come from module_defaults or ZOOM_* environment variables)
  hosts: localhost
  gather_facts: false
  vars:
    people: "{{ lookup('ansible.builtin.file', 'zoom/users.yml') | from_yaml }}"
  tasks:
    - name: Plan (check mode) and write it for review
      zoomops.provisioning.zoom_user_sync:
        users: "{{ people }}"
        scope:
          domains: [example.com]
        protected: [breakglass@example.com]
        unlisted: deactivate
        plan_file: plan.json
      check_mode: true
      register: plan

    - name: Show the digest to approve
      ansible.builtin.debug:
        msg: "{{ plan.digest }}"

- name: Apply exactly the approved plan
  hosts: localhost
  gather_facts: false
  tasks:
    - name: Sync
      zoomops.provisioning.zoom_user_sync:
        users:
          - email: ada@example.com
            first_name: Ada
            last_name: Lovelace
            type: licensed
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
        approved_digest: "{{ approved_digest }}"
'''

RETURN = r'''
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
  description: Users updated, each with C(email) and C(fields) (C(first_name), C(status), C(phone.extension_number)...).
  returned: always
  type: list
  elements: dict
  sample: [{email: ada@example.com, fields: [phone.extension_number]}]
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
    - Users whose changes failed, each with C(email), C(message) and, when Zoom answered, C(status) and C(code). A
      rerun retries them.
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
    - The plan as written to O(plan_file) - C(digest), C(totals) (per planned action), C(removals), C(users) (each
      non-unchanged user with C(action), C(changes) as field -> [before, after], C(steps), C(reason), C(remedy)),
      C(problems) (the emails of unchanged users only in O(plan_file)).
    - After an apply, without C(users) (the outcome lists say what happened to each user).
  returned: always
  type: dict
plan_markdown:
  description:
    - The plan rendered as Markdown for a reviewer (removals first, per user and field before -> after).
    - At most 500 table rows per section; the Markdown file next to O(plan_file) has them all.
  returned: always
  type: str
differences:
  description: How the live plan differs from the approved one, user by user.
  returned: when the approved plan does not match
  type: list
  elements: str
approved_digest:
  description: The approved digest the live plan was compared with.
  returned: when the approved plan does not match
  type: str
problems:
  description: Every input or plan problem found (or the thresholds exceeded); nothing was written.
  returned: when there are problems
  type: list
  elements: str
would_remove:
  description: Emails of the users that would have been removed or deactivated when a removal threshold refused the run.
  returned: when a removal threshold is exceeded
  type: list
  elements: str
stats:
  description:
    - API calls of the run - C(calls), C(by_label), C(by_method), C(retries), C(throttled) (HTTP 429 answers seen),
      C(waited) (seconds spent waiting for the rate budget and Retry-After) - and C(elapsed) seconds.
  returned: always
  type: dict
'''

import time

MODULE_STARTED = time.monotonic()  # stats.elapsed counts from here: imports and option checks included

import json  # noqa: E402  pylint: disable=wrong-import-position
import os  # noqa: E402  pylint: disable=wrong-import-position

from concurrent.futures import ThreadPoolExecutor  # noqa: E402  pylint: disable=wrong-import-position

from ansible_collections.zoomops.provisioning.plugins.module_utils._client import RateBudget  # noqa: E402
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomError  # noqa: E402
from ansible_collections.zoomops.provisioning.plugins.module_utils._module import ZoomModule  # noqa: E402
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync import (  # noqa: E402
    OUTCOMES,
    PLAN_FORMAT,
    Scope,
    apply_plan,
    build_plan,
    check_options,
    check_removals,
    compare_plans,
    normalize_users,
    plan_document,
    predicted_buckets,
    prefetch,
    read_account,
    render_markdown,
    validate_options,
)

try:
    import yaml
    try:
        from yaml import CSafeLoader as YamlLoader
    except ImportError:
        from yaml import SafeLoader as YamlLoader
    HAS_YAML = True
except ImportError:
    yaml = None  # pylint: disable=invalid-name
    YamlLoader = None  # pylint: disable=invalid-name
    HAS_YAML = False

CREATE_ACTIONS = ['ssoCreate', 'custCreate', 'autoCreate', 'create']
RESULT_MARKDOWN_ROWS = 500  # table rows per section in plan_markdown (plan_file gets them all)


def user_spec():
    """The suboptions of one ``users`` entry (also used to check the entries of ``users_file``)."""
    return dict(
        email=dict(type='str', required=True),
        first_name=dict(type='str'),
        last_name=dict(type='str'),
        display_name=dict(type='str'),
        type=dict(type='str', choices=['basic', 'licensed']),
        active=dict(type='bool'),
        create_action=dict(type='str', choices=CREATE_ACTIONS),
        dept=dict(type='str'),
        job_title=dict(type='str'),
        timezone=dict(type='str'),
        language=dict(type='str'),
        phone=dict(type='dict', options=dict(
            state=dict(type='str', default='present', choices=['present', 'absent']),
            site=dict(type='str'),
            extension_number=dict(type='raw'),
            calling_plans=dict(type='list', elements='raw'),
            phone_numbers=dict(type='list', elements='str'),
        )),
    )


def argument_spec():
    return dict(
        users=dict(type='list', elements='dict', options=user_spec()),
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
        create_action=dict(type='str', default='ssoCreate', choices=CREATE_ACTIONS),
        concurrency=dict(type='int', default=16),
        rate_limit_tier=dict(type='str', default='business', choices=['free', 'pro', 'business']),
        rate_limit_share=dict(type='float', default=0.95),
        batch_phone=dict(type='bool', default=True),
        phone_wait_timeout=dict(type='int', default=120),
        plan_file=dict(type='path'),
        approved_digest=dict(type='str'),
        approved_plan=dict(type='path'),
    )


def load_users_file(path):
    """The raw ``users`` list of a YAML or JSON file: a list of users, or a mapping with a ``users`` key.

    Returns ``(list, error)``. The entries are checked afterwards with ``check_users``.
    """
    try:
        with open(path, 'rb') as handle:
            raw = handle.read()
    except (IOError, OSError) as exc:
        return None, 'users_file=%s cannot be read: %s' % (path, exc)
    data = None
    text = raw.decode('utf-8', 'replace')
    if text.lstrip()[:1] in ('[', '{'):
        try:
            data = json.loads(text)
        except ValueError:
            data = None
    if data is None:
        if not HAS_YAML:
            return None, 'users_file=%s is not JSON and PyYAML is not installed to read YAML.' % path
        try:
            data = yaml.load(text, Loader=YamlLoader)  # nosec B506 - a safe loader
        except yaml.YAMLError as exc:
            return None, 'users_file=%s is not valid YAML: %s' % (path, exc)
    if isinstance(data, dict) and 'users' in data:
        data = data['users']
    if not isinstance(data, list):
        return None, 'users_file=%s must hold a list of users (or a mapping with a users key), found %s.' % (
            path, type(data).__name__)
    return data, None


def check_users(data, path):
    """Check the entries of ``users_file`` like the ``users`` option; return ``(users, error)``."""
    errors = []
    spec = user_spec()
    users = [check_options(item, spec, 'users_file[%d]' % index, errors) for index, item in enumerate(data)]
    if errors:
        plural = '' if len(errors) == 1 else 's'
        return None, 'users_file=%s has %d problem%s: %s' % (path, len(errors), plural, ' | '.join(errors[:50]))
    return users, None


def _changes_text(changes):
    return '(%s)' % '; '.join('%s %s -> %s' % (name, pair[0], pair[1]) for name, pair in sorted(changes.items())) if changes else ''


def markdown_path(plan_file):
    root, ext = os.path.splitext(plan_file)
    return root + '.md' if ext.lower() == '.json' else plan_file + '.md'


def write_text(path, text):
    directory = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(directory):
        os.makedirs(directory)
    tmp = '%s.tmp%d' % (path, os.getpid())
    with open(tmp, 'w') as handle:
        handle.write(text)
    os.replace(tmp, path)


class Runner:
    """One run: validate, bulk read, plan, guards, (check mode exit), apply, report."""

    def __init__(self, module):
        self.module = module
        self.params = module.params
        self.started = MODULE_STARTED
        self.result = dict(changed=False, digest=None)
        for name in OUTCOMES:
            self.result[name] = []
        self.client = None
        self.count = 0
        self.phases = {}

    def mark(self, phase):
        self.phases[phase] = round(time.monotonic() - self.started, 3)

    def stats(self):
        stats = self.client.stats if self.client is not None else {}
        stats['elapsed'] = round(time.monotonic() - self.started, 3)
        stats['phases'] = dict(self.phases)
        return stats

    def fail(self, msg, **extra):
        self.result.update(extra)
        self.result['stats'] = self.stats()
        self.module.fail_json(msg=msg, **self.result)

    def load_approved(self):
        """(approved digest or None, approved document or None); raises nothing, fails the module on bad input."""
        digest = self.params.get('approved_digest')
        doc = None
        path = self.params.get('approved_plan')
        if path:
            try:
                with open(path) as handle:
                    doc = json.load(handle)
            except (IOError, OSError, ValueError) as exc:
                self.fail('approved_plan=%s cannot be read as a JSON plan: %s. Give the plan_file written by the check-mode '
                          'run that was approved.' % (path, exc))
            if not isinstance(doc, dict) or doc.get('format') != PLAN_FORMAT or not doc.get('digest'):
                self.fail('approved_plan=%s is not a plan written by zoom_user_sync (format %s).' % (path, PLAN_FORMAT))
            if digest and digest.strip() != doc['digest']:
                self.fail('approved_digest (%s) and the digest of approved_plan (%s) differ: give the digest of that plan, or '
                          'only one of the two.' % (digest, doc['digest']))
            digest = doc['digest']
        return (digest.strip() if digest else None), doc

    def run(self):
        params = self.params
        try:
            validate_options(params)
        except ZoomError as exc:
            self.module.fail_json(msg=exc.msg, **self.result)
        approved_digest, approved_doc = self.load_approved()
        users = params.get('users')
        path = params.get('users_file')
        if path:
            users, error = load_users_file(path)
            if error:
                self.fail(error)
        self.count = len(users)
        want_phone = any(isinstance(item, dict) and item.get('phone') is not None for item in users)
        concurrency = params['concurrency']
        budget = RateBudget(params['rate_limit_tier'], safety=params['rate_limit_share'], burst=0.05)
        self.client = self.module.get_client(rate_budget=budget, pool_maxsize=concurrency + 8)
        scope_opt = params.get('scope') or {}
        scope = Scope(scope_opt.get('domains'), scope_opt.get('emails'), params.get('protected'))
        try:
            with ThreadPoolExecutor(max_workers=concurrency) as executor, ThreadPoolExecutor(max_workers=1) as reader:
                # the bulk read runs while the list is checked (both take seconds for large accounts)
                reading = reader.submit(read_account, self.client, executor, want_phone)
                error = None
                if path:
                    users, error = check_users(users, path)
                if error:
                    reading.cancel()
                    self.fail(error)
                desired, problems = normalize_users(users, params['create_action'], scope)
                self.mark('input_checked')
                snap = reading.result()
                self.mark('read')
                prefetch(self.client, executor, snap, desired, scope, params['unlisted'])
                self.mark('prefetched')
            plan = build_plan(desired, snap, scope, problems, unlisted=params['unlisted'],
                              removal_action=params['removal_action'], transfer_to=params.get('transfer_to'),
                              allow_data_loss=params['allow_data_loss'], batch_phone=params['batch_phone'])
        except ZoomError as exc:
            self.result['stats'] = self.stats()
            self.module.fail_from_error(exc, **self.result)
        self.mark('planned')
        self.report_plan(plan)
        self.mark('reported')
        if plan.problems:
            self.fail('%d problem%s found in the users list or against the account; nothing was changed: %s' % (
                len(plan.problems), '' if len(plan.problems) == 1 else 's', ' | '.join(plan.problems)), problems=plan.problems)
        removal_problems = check_removals(plan, params['max_removals'], params['max_removal_percent'])
        if removal_problems:
            names = [entry.email for entry in plan.removals]
            self.fail('Refusing to remove or deactivate users: %s Nothing was changed. Users that would have been removed or '
                      'deactivated: %s. If this is intended, raise max_removals / max_removal_percent; otherwise check that the '
                      'users list is complete.' % (' '.join(removal_problems), ', '.join(names)),
                      problems=removal_problems, would_remove=names)
        if approved_digest and approved_digest != plan.digest:
            if approved_doc is not None:
                differences = compare_plans(approved_doc, plan)
            else:  # only the digest is known: show what the plan would do now (approved_plan lists the differences)
                differences = ['%s: now %s %s' % (entry.email, entry.action, _changes_text(entry.changes)) for entry in plan.entries
                               if entry.action in ('remove', 'deactivate', 'create', 'update')]
            self.fail('The account or the list changed since the plan was approved: the plan now has digest %s, the approved '
                      'one %s. Nothing was changed. Review the new plan (check mode) and approve it again. %s'
                      % (plan.digest, approved_digest, ('Differences: ' + ' | '.join(differences[:50])) if differences else ''),
                      differences=differences, approved_digest=approved_digest)
        if self.module.check_mode:
            self.finish(predicted_buckets(plan), plan.changed, [])
            return
        buckets, warnings = apply_plan(self.client, plan, snap, concurrency=concurrency,
                                       wait_budget=params['phone_wait_timeout'])
        self.mark('applied')
        # the outcome lists say what happened to every user; keep the result of a large run small
        self.result['plan'] = dict((key, value) for key, value in self.result['plan'].items() if key != 'users')
        changed = bool(buckets['created'] or buckets['updated'] or buckets['removed'] or buckets['deactivated']
                       or any(item.get('created') for item in buckets['pending'])
                       or any(item.get('done') for item in buckets['failures']))
        self.finish(buckets, changed, warnings)

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
        path = self.params.get('plan_file')
        if path:
            doc = dict(doc, unchanged=[entry.email for entry in plan.entries if entry.action == 'unchanged'])
            try:
                write_text(path, json.dumps(doc, indent=2, sort_keys=False) + '\n')
                write_text(markdown_path(path), markdown + '\n')
            except (IOError, OSError) as exc:
                self.fail('Cannot write plan_file=%s: %s' % (path, exc))

    def finish(self, buckets, changed, warnings):
        self.result.update(buckets)
        self.result['changed'] = changed
        self.result['totals'] = dict((name, len(buckets[name])) for name in OUTCOMES)
        self.result['stats'] = self.stats()
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
    module = ZoomModule(argument_spec=argument_spec(), supports_check_mode=True,
                        required_one_of=[('users', 'users_file')], mutually_exclusive=[('users', 'users_file')])
    Runner(module).run()


if __name__ == '__main__':
    main()
