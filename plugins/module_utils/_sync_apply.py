# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""zoom_user_sync apply: bounded concurrency (a thread pool sharing one ``ZoomClient`` and so one ``RateBudget`` per
Zoom label), Zoom Phone's batch endpoint (``POST /v2/phone/users/batch``, 10 users a call) for new phone users, and
per-user outcomes: one user's failure never stops the others. Nothing here calls ``fail_json``.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import json
import os
import threading
import time

from concurrent.futures import ThreadPoolExecutor

from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    ZoomAPIError,
    ZoomError,
    ZoomUncertainWriteError,
    error_kind,
)
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone import ZoomPhoneStepError, apply_phone
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_input import email_key
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_plan import OUTCOMES, REMOVAL_ACTIONS, field_order
from ansible_collections.zoomops.provisioning.plugins.module_utils._phone_inventory import list_phone_users
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_read import list_users
from ansible_collections.zoomops.provisioning.plugins.module_utils._sync_report import now_iso
from ansible_collections.zoomops.provisioning.plugins.module_utils._users import (
    UserState,
    ZoomCreateError,
    apply_user,
    create_body,
    create_refused,
    create_with_confirmation,
    diagnose_pending,
    lookup_user,
    plan_user,
    remove_user,
)

BATCH_MAX = 10                 # POST /v2/phone/users/batch takes at most 10 users
BATCH_LANES = 2                # batch adds in flight at once (Zoom answers 429 to concurrent batch adds)
DEFAULT_CONCURRENCY = 16
PROGRESS_INTERVAL = 2.0        # seconds between two progress lines during the apply


class Progress:
    """Phase timings of a run and, with a ``path``, a JSON-lines progress file an operator can ``tail -f``.

    Lines (each flushed when written): ``{"event": "phase_start", "phase": ..., ...counts}``,
    ``{"event": "phase_end", "phase": ..., "seconds": ..., ...counts}``, during the apply every ``interval`` seconds
    ``{"event": "progress", "phase": "apply", "done": n, "total": n, "counts": {outcome: n}}``, and at the end
    ``{"event": "finished", "totals": {...}}``. Every line also has ``time`` (UTC) and ``elapsed`` (seconds).
    """

    def __init__(self, path=None, clock=time.monotonic, interval=PROGRESS_INTERVAL, started=None):
        self.clock = clock
        self.interval = interval
        self.started = clock() if started is None else started
        self.phases = {}
        self._open = {}
        self._lock = threading.Lock()
        self._counts = {}
        self._done = 0
        self._total = 0
        self._last = None
        self._handle = None
        if path:
            directory = os.path.dirname(os.path.abspath(path))
            if not os.path.isdir(directory):
                os.makedirs(directory)
            self._handle = open(path, 'a')  # pylint: disable=consider-using-with

    def _write(self, event, **fields):
        if self._handle is None:
            return
        line = {'time': now_iso(), 'elapsed': round(self.clock() - self.started, 3), 'event': event}
        line.update(fields)
        self._handle.write(json.dumps(line, sort_keys=False) + '\n')
        self._handle.flush()

    def start(self, phase, **counts):
        with self._lock:
            self._open[phase] = self.clock()
            if phase == 'apply':
                self._counts, self._done, self._total, self._last = {}, 0, counts.get('users', 0), self.clock()
            self._write('phase_start', phase=phase, **counts)

    def end(self, phase, **counts):
        with self._lock:
            seconds = round(self.clock() - self._open.pop(phase, self.clock()), 3)
            self.phases[phase] = round(self.phases.get(phase, 0) + seconds, 3)
            if phase == 'apply':
                counts = dict(counts, counts=dict(self._counts))
            self._write('phase_end', phase=phase, seconds=seconds, **counts)

    def outcome(self, bucket):
        """One user reached ``bucket`` during the apply."""
        with self._lock:
            self._counts[bucket] = self._counts.get(bucket, 0) + 1
            self._done += 1
            if self._handle is None:
                return
            now = self.clock()
            if self._last is not None and now - self._last >= self.interval:
                self._last = now
                self._write('progress', phase='apply', done=self._done, total=self._total, counts=dict(self._counts))

    def finish(self, totals, **fields):
        with self._lock:
            self._write('finished', totals=dict(totals), **fields)
            if self._handle is not None:
                self._handle.close()
                self._handle = None


class _Tracker:
    """Counts tasks in flight (tasks may submit more tasks) so the caller can wait for all of them."""

    def __init__(self):
        self._cond = threading.Condition()
        self._count = {}

    def start(self, group):
        with self._cond:
            self._count[group] = self._count.get(group, 0) + 1

    def done(self, group):
        with self._cond:
            self._count[group] -= 1
            self._cond.notify_all()

    def wait(self, *groups):
        with self._cond:
            while any(self._count.get(group, 0) > 0 for group in groups):
                self._cond.wait(0.5)


class Outcome:
    """Per-user results of an apply; every user ends in exactly one bucket."""

    def __init__(self, progress=None):
        self._lock = threading.Lock()
        self.final = {}     # key -> (bucket, payload)
        self.order = []
        self.progress = progress

    def set(self, entry, bucket, **payload):
        with self._lock:
            first = entry.key not in self.final
            if first:
                self.order.append(entry.key)
            item = {'email': entry.email}
            item.update(payload)
            self.final[entry.key] = (bucket, item)
        if first and self.progress is not None:
            self.progress.outcome(bucket)

    def get(self, entry):
        with self._lock:
            return self.final.get(entry.key)

    def buckets(self):
        result = dict((name, []) for name in OUTCOMES)
        with self._lock:
            for key in sorted(self.order):
                bucket, item = self.final[key]
                if bucket in ('created', 'unchanged', 'removed', 'deactivated'):
                    result[bucket].append(item['email'])
                else:
                    result[bucket].append(item)
        return result


def _message(exc):
    if isinstance(exc, ZoomError):
        return exc.msg
    return 'Unexpected error: %s: %s' % (type(exc).__name__, exc)


def _is_pending_error(exc):
    """Zoom refuses the settings of a pending user (code 1000): the user is pending, not failed."""
    return error_kind(getattr(exc, 'cause', exc)) == 'pending_settings'


class Applier:
    """Applies a ``SyncPlan``: removals first, then every other user, concurrently, under one rate budget."""

    def __init__(self, client, plan, snap, concurrency=DEFAULT_CONCURRENCY, wait_budget=120, sleep=time.sleep, progress=None,
                 clock=time.monotonic):
        self.client = client
        self.clock = clock
        self.plan = plan
        self.snap = snap
        self.concurrency = max(1, int(concurrency))
        self.wait_budget = wait_budget
        self.sleep = sleep
        self.outcome = Outcome(progress)
        self.tracker = _Tracker()
        self._batch_lock = threading.Lock()
        self._batch = []
        self._batched = []  # entries whose batch add Zoom accepted
        self.created = []   # entries created by this run (their pending status is read at the end)
        self._pool = None
        self._lanes = None
        self.warnings = []

    # -- plumbing
    def _submit(self, group, pool, func, *args):
        self.tracker.start(group)

        def run():
            try:
                func(*args)
            finally:
                self.tracker.done(group)
        pool.submit(run)

    def _guard(self, entry, func, *args):
        try:
            func(entry, *args)
        except Exception as exc:  # pylint: disable=broad-except
            # one user's failure never stops the others; unexpected errors are reported per user too
            self._fail(entry, exc)

    def _fail(self, entry, exc, prefix=''):
        item = {'message': prefix + _message(exc)}
        done = getattr(exc, 'done', None)
        if done:
            item['done'] = list(done)
        if isinstance(exc, ZoomError) and exc.status is not None:
            item['status'] = exc.status
            if exc.code is not None:
                item['code'] = exc.code
        self.outcome.set(entry, 'failures', **item)

    def run(self):
        entries = self.plan.entries
        with ThreadPoolExecutor(max_workers=self.concurrency) as pool, \
                ThreadPoolExecutor(max_workers=BATCH_LANES) as lanes:
            self._pool, self._lanes = pool, lanes
            for entry in entries:
                if entry.action in REMOVAL_ACTIONS:
                    self._submit('removal', pool, self._guard, entry, self._apply_removal)
            self.tracker.wait('removal')
            for entry in entries:
                if entry.action in ('unchanged', 'pending', 'skip'):
                    self._apply_entry(entry)  # nothing to send
                elif entry.action not in REMOVAL_ACTIONS:
                    self._submit('user', pool, self._guard, entry, self._apply_entry)
            self.tracker.wait('user')
            self._flush_batch()
            self.tracker.wait('user', 'batch', 'fallback')
            self._settle_batches(pool)
        self._settle_pending()
        return self.outcome

    # -- removals
    def _apply_removal(self, entry):
        if entry.action == 'remove':
            # _users.remove_user: a 404 counts as gone only when a lookup confirms the user is absent
            done = remove_user(self.client, entry.state, entry.removal, self.plan.options.get('transfer_to'))
            if done == 'already_gone':
                self.warnings.append('%s was already gone when it was to be removed (Zoom answered 404 and a lookup confirmed '
                                     'the user is absent).' % entry.email)
            self.outcome.set(entry, 'removed')
        else:
            apply_user(self.client, entry.state, entry.user_changes)
            self.outcome.set(entry, 'deactivated')

    # -- everything else
    def _apply_entry(self, entry):
        if entry.action == 'unchanged':
            self.outcome.set(entry, 'unchanged')
        elif entry.action == 'pending':
            self.outcome.set(entry, 'pending', reason=entry.reason, remedy=entry.remedy)
        elif entry.action == 'skip':
            self.outcome.set(entry, 'protected', reason=entry.note)
        elif entry.action == 'create':
            self._apply_create(entry)
        else:
            self._apply_update(entry)

    def _apply_create(self, entry):
        """The create with confirmation of ``_users`` (a lost answer is settled by a lookup; re-sent only when the lookup
        proved it did not land), then the fields POST /v2/users does not take, then the phone."""
        try:
            created = self._create(entry)
        except ZoomCreateError as exc:
            self._fail(entry, exc)
            return
        if created.confirmed_after_uncertain or created.already_existed:
            self.warnings.append('The create of %s was settled by a lookup (%s): the user exists and was not created twice.'
                                 % (entry.email, 'Zoom already had the user' if created.already_existed
                                    else 'its answer was lost'))
        else:
            self.created.append(entry)
        state = entry.state = created.state
        if state.status == 'pending':
            self._pending(entry)
            return
        follow = [change for change in plan_user(entry.profile, state) if change.action != 'create']
        if follow:
            try:
                apply_user(self.client, state, follow)
            except ZoomError as exc:
                self._fail(entry, exc, 'created, but ')
                return
        if entry.phone_mode == 'batch':
            self._queue_batch(entry)
            return
        if entry.phone_mode == 'steps':
            if self._left_pending(entry):
                return
            self._phone_steps(entry, entry.state.id)
            if self.outcome.get(entry) is not None:
                return
        self.outcome.set(entry, 'created')

    def _create(self, entry):
        """``_users.create_with_confirmation`` with POST /v2/users, without reading each new user back: its 201 answer
        has the id, and who Zoom left pending is learnt from one read of the pending list at the end
        (``_settle_pending``), not from one GET per user on the same rate-limit label as the creates."""
        user = entry.desired
        body = create_body(user.email, entry.profile, user.create_action)
        status = 'pending' if entry.predicted_status == 'pending' else 'active'

        def from_answer(answer):
            answer = answer if isinstance(answer, dict) else {}
            return UserState(answer.get('email') or user.email, status, id=answer.get('id'),
                             user=dict(body['user_info'], **answer))
        return create_with_confirmation(
            '/v2/users', user.email, lambda: self.client.post('/v2/users', json=body),
            lambda: lookup_user(self.client, user.email), from_answer, lambda exc: error_kind(exc) == 'already_exists',
            lambda exc: create_refused(user.email, entry.profile, user.create_action, exc))

    def _pending(self, entry, created=True):
        reason, remedy = diagnose_pending(None, entry.email, create_action=entry.desired.create_action,
                                          domains=self.snap.domains)
        self.outcome.set(entry, 'pending', reason=reason, remedy=remedy, created=created)

    def _left_pending(self, entry):
        """Look a just-created user up before its per-user phone steps; True (reported pending) when Zoom left it
        pending (Zoom would accept the phone feature for it and never create a phone user)."""
        state = lookup_user(self.client, entry.email)
        if state.status != 'pending':
            if state.id:
                entry.state = state
            return False
        self._pending(entry)
        return True

    def _apply_update(self, entry):
        state = entry.state
        if entry.user_changes:
            apply_user(self.client, state, entry.user_changes)
        if entry.phone_mode == 'batch':
            self._queue_batch(entry)
            return
        if entry.phone_mode == 'steps':
            done = self._phone_steps(entry, state.id)
            if self.outcome.get(entry) is not None:
                return
            if not entry.user_changes and not any(step.write for step in done):
                # the phone user Zoom was still creating already had everything (apply_phone re-planned against it)
                self.outcome.set(entry, 'unchanged')
                return
        self._updated(entry)

    def _updated(self, entry):
        self.outcome.set(entry, 'updated', fields=sorted(entry.changes, key=field_order), actions=entry.labels)

    def _claim_numbers(self, entry, user_id):
        """Numbers reserved for a user planned before it had an id now carry its id, so ``apply_phone``'s re-plan
        (after Zoom created the phone user) does not take them for someone else's."""
        inventory = entry.phone_plan.inventory if entry.phone_plan is not None else None
        if inventory is None or not user_id:
            return
        for e164 in (entry.desired.phone or {}).get('phone_numbers') or []:
            number = inventory.number(e164)
            assignee = (number or {}).get('assignee') or {}
            if assignee and not assignee.get('id') and email_key(assignee.get('name')) == entry.key:
                assignee['id'] = user_id

    def _phone_steps(self, entry, user_id):
        """``_phone.apply_phone`` for one user (it confirms writes whose answer was lost and re-sends only what did not
        land); returns the steps done. A pending user is reported as pending, other errors fail the user."""
        self._claim_numbers(entry, user_id)
        try:
            return apply_phone(self.client, user_id, entry.phone_plan, wait_budget=self.wait_budget, sleep=self.sleep)
        except ZoomPhoneStepError as exc:
            if _is_pending_error(exc):
                self._pending(entry, created=entry.action == 'create')
                return []
            self._fail(entry, exc, 'created, but ' if entry.action == 'create' else '')
        except ZoomError as exc:
            self._fail(entry, exc, 'created, but ' if entry.action == 'create' else '')
        return []

    # -- batch add
    def _queue_batch(self, entry):
        with self._batch_lock:
            self._batch.append(entry)
            if len(self._batch) < BATCH_MAX:
                return
            chunk, self._batch = self._batch, []
        self._submit('batch', self._lanes, self._run_batch, chunk)

    def _flush_batch(self):
        with self._batch_lock:
            chunk, self._batch = self._batch, []
        if chunk:
            self._submit('batch', self._lanes, self._run_batch, chunk)

    def _run_batch(self, chunk):
        try:
            self.client.post('/v2/phone/users/batch', json={'users': [entry.batch_item for entry in chunk]})
        except ZoomUncertainWriteError:
            # did it land? the per-user path enables the feature (a no-op if the batch landed), waits for the
            # phone user and re-plans against it, so it only writes what is really missing
            for entry in chunk:
                self._submit('fallback', self._pool, self._guard, entry, self._batch_fallback)
            return
        except ZoomAPIError as exc:
            if exc.status in (400, 404, 409) and len(chunk) > 1:
                # one bad item fails the whole call: split to find it, the others still go in batches
                half = len(chunk) // 2
                self._run_batch(chunk[:half])
                self._run_batch(chunk[half:])
                return
            for entry in chunk:
                self._submit('fallback', self._pool, self._guard, entry, self._batch_fallback)
            return
        except Exception as exc:  # pylint: disable=broad-except
            for entry in chunk:
                self._fail(entry, exc, 'Zoom Phone batch add: ')
            return
        with self._batch_lock:
            self._batched.extend(chunk)
        for entry in chunk:
            self._batch_done(entry)

    def _settle_batches(self, pool):
        """Zoom creates batch-added phone users asynchronously (docs/ZOOM-API-FACTS.md §5.8): wait, bounded by
        ``wait_budget`` with a growing pause, until the phone lists of their sites show them, so that a rerun right
        after this run finds them converged instead of planning their phone setup again."""
        waiting = dict((entry.key, entry) for entry in self._batched)
        if not waiting:
            return
        inventory = self.snap.inventory
        deadline = self.clock() + (self.wait_budget or 0)
        pause = 1.0
        while True:
            sites = set()
            for entry in waiting.values():
                site = inventory.resolve_site(entry.batch_item.get('site_name'))
                sites.add(site.get('id') if site else None)
            for rows in pool.map(lambda site_id: list_phone_users(self.client, site_id), sorted(sites, key=str)):
                for row in rows:
                    waiting.pop(email_key(row.get('email')), None)
            if not waiting or self.clock() + pause > deadline:
                break
            self.sleep(pause)
            pause = min(pause * 2, 10.0)
        if waiting:
            names = sorted(entry.email for entry in waiting.values())
            self.warnings.append('Zoom accepted the Zoom Phone batch add of %d user%s but was still creating their phone '
                                 'user%s after %s s (phone_wait_timeout): %s. A run started before Zoom finishes plans their '
                                 'phone setup again and converges without a write.' % (
                                     len(names), '' if len(names) == 1 else 's', '' if len(names) == 1 else 's',
                                     self.wait_budget, ', '.join(names[:20]) + (' ...' if len(names) > 20 else '')))

    def _settle_pending(self):
        """Users created this run that Zoom left pending: one read of the pending list tells which."""
        created = [entry for entry in self.created if (self.outcome.get(entry) or ('',))[0] == 'created']
        if not created:
            return
        try:
            pending = set(email_key(row.get('email')) for row in list_users(self.client, 'pending'))
        except ZoomError as exc:
            self.warnings.append('Could not read the pending users after creating users (%s); users Zoom left pending are '
                                 'reported as created. Rerun to see them as pending.' % exc.msg)
            return
        for entry in created:
            if entry.key in pending:
                self._pending(entry)

    def _batch_done(self, entry):
        if entry.action == 'create':
            self.outcome.set(entry, 'created')
        else:
            self._updated(entry)

    def _batch_fallback(self, entry):
        """The per-user path for a user the batch could not take: the phone steps (``apply_phone`` enables the feature,
        a no-op if the batch landed, waits for the phone user and re-plans against it). A user created by this run that
        Zoom left pending stops here."""
        if entry.action == 'create' and self._left_pending(entry):
            return
        self._phone_steps(entry, entry.state.id if entry.state is not None else None)
        if self.outcome.get(entry) is None:
            self._batch_done(entry)


def apply_plan(client, plan, snap, concurrency=DEFAULT_CONCURRENCY, wait_budget=120, sleep=time.sleep, progress=None):
    """Apply ``plan``; return ``(buckets, warnings)``. Never raises for one user's failure."""
    applier = Applier(client, plan, snap, concurrency=concurrency, wait_budget=wait_budget, sleep=sleep, progress=progress)
    outcome = applier.run()
    return outcome.buckets(), applier.warnings
