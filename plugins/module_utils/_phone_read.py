# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Zoom Phone reads and the phone feature switch: the phone user, the feature flag, the wait for Zoom.

Zoom creates the phone user asynchronously after the feature is given, and reads can flip back to 404 right
after it appears (docs/ZOOM-API-FACTS.md §5.8). ``_phone`` re-exports these names.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import time

from ansible_collections.zoomops.provisioning.plugins.module_utils._client import quote_path
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import (
    CODE_NO_PHONE_LICENCE,
    CODE_PENDING_SETTINGS,
    ZoomAPIError,
    ZoomError,
    hint_for,
    is_missing,
)

# wait_for_phone_user: exponential backoff 1 s, 2 s, 4 s, 8 s, 10 s, 10 s ...
WAIT_INITIAL = 1.0
WAIT_CAP = 10.0
# consecutive successful reads required before the phone user counts as there.
# FOLIO (terraform-provider-zoom) requires 5 reads 5 s apart because reads can
# flip back to 404 right after Zoom creates the phone user (docs/ZOOM-API-FACTS.md §5.8);
# two reads one second apart catch that flip at a fraction of the cost.
WAIT_CONSECUTIVE = 2
WAIT_CONFIRM_DELAY = 1.0
DEFAULT_WAIT_BUDGET = 120
# a phone user that vanished right after a write (a read flipping back to 404) is waited for this long at least
REAPPEAR_BUDGET = 15


class ZoomPhoneNotReadyError(ZoomError):
    """The phone feature is on but Zoom did not create the phone user within the wait budget.

    ``done`` lists the steps applied before the wait (``apply_phone`` fills it in), ``changed`` whether one wrote.
    """

    def __init__(self, msg, waited=None, attempts=None):
        super(ZoomPhoneNotReadyError, self).__init__(msg)
        self.waited = waited
        self.attempts = attempts
        self.done = []
        self.labels = []
        self.changed = False

    def to_dict(self):
        result = super(ZoomPhoneNotReadyError, self).to_dict()
        result['waited'] = self.waited
        result['attempts'] = self.attempts
        result['actions_done'] = list(self.done)
        return result


def read_phone_user(client, user_id_or_email):
    """``GET /v2/phone/users/{id}``: the phone user as Zoom shows it, or None while there is none (404/1001)."""
    try:
        return client.get('/v2/phone/users/%s' % quote_path(user_id_or_email))
    except ZoomAPIError as exc:
        if is_missing(exc):
            return None
        raise


def read_phone_feature(client, user_id_or_email):
    """Whether the Zoom user has the phone feature on (``GET /v2/users/{id}/settings`` ``feature.zoom_phone``)."""
    data = client.get('/v2/users/%s/settings' % quote_path(user_id_or_email)) or {}
    return bool((data.get('feature') or {}).get('zoom_phone'))


def wait_for_phone_user(client, user_id, budget_seconds, sleep=None, clock=None, consecutive=WAIT_CONSECUTIVE):
    """Poll until Zoom has created the phone user; return it.

    Exponential backoff (1 s, 2 s, 4 s ... capped at 10 s), never past the
    budget. The phone user counts as there after ``consecutive`` successful
    reads in a row (a read that flips back to 404 restarts the count; FOLIO
    requires 5, two are enough to catch the flip, see WAIT_CONSECUTIVE). If the
    budget runs out right after a successful read, that read is accepted.
    Raises ``ZoomPhoneNotReadyError`` when the budget is used up.
    """
    sleep = sleep or time.sleep
    clock = clock or time.monotonic
    started = clock()
    deadline = started + max(0.0, float(budget_seconds))
    delay = WAIT_INITIAL
    successes = 0
    attempts = 0
    while True:
        phone = read_phone_user(client, user_id)
        attempts += 1
        if phone is not None:
            successes += 1
            if successes >= consecutive:
                return phone
        else:
            successes = 0
        remaining = deadline - clock()
        if remaining <= 0:
            if phone is not None:
                return phone
            waited = clock() - started
            raise ZoomPhoneNotReadyError(
                'The phone feature of %s is on, but Zoom had not created the phone user after %.0f s (%d reads; Zoom '
                'creates it asynchronously). Nothing else was changed. Rerun later: the rerun waits again and then '
                'converges, or raise phone_wait_timeout.' % (user_id, waited, attempts),
                waited=round(waited, 1), attempts=attempts)
        pause = min(WAIT_CONFIRM_DELAY, delay) if phone is not None else delay
        sleep(min(pause, remaining))
        if phone is None:
            delay = min(delay * 2, WAIT_CAP)


def read_phone_state(client, user_id, sleep=None):
    """``(phone user or None, feature on)`` of an active user.

    When the feature is on but the phone user reads 404, it is read once more a moment later: Zoom may still be
    creating it, or a read flipped back to 404 right after it appeared (§5.8), which a plan must not mistake
    for a user without phone.
    """
    phone = read_phone_user(client, user_id)
    if phone is not None:
        return phone, True
    feature = read_phone_feature(client, user_id)
    if feature:
        (sleep or time.sleep)(WAIT_CONFIRM_DELAY)
        phone = read_phone_user(client, user_id)
    return phone, feature


def reread_phone_user(client, user_id, sleep=None, clock=None):
    """The phone user after a successful setup; a read flipping back to 404 (§5.8) is waited out briefly."""
    phone = read_phone_user(client, user_id)
    if phone is None:
        try:
            phone = wait_for_phone_user(client, user_id, REAPPEAR_BUDGET, sleep=sleep, clock=clock)
        except ZoomPhoneNotReadyError:
            return None
    return phone


def set_phone_feature(client, user_id, enabled, email=None):
    """Switch the phone feature: ``PATCH /v2/users/{id}`` ``{"feature": {"zoom_phone": enabled}}``, with named errors.

    This is the user update FOLIO uses (docs/ZOOM-API-FACTS.md §2.7: ``false`` also removes the phone user and unassigns its
    numbers); PSZoom uses ``PATCH /v2/users/{id}/settings`` with the same body. Errors: 404 code 1102 (no free
    phone licence) and 400 code 1000 (pending user, settings route) become messages with the fix.
    """
    try:
        client.patch('/v2/users/%s' % quote_path(user_id), json={'feature': {'zoom_phone': bool(enabled)}})
    except ZoomAPIError as exc:
        if (exc.status, exc.code) in ((404, CODE_NO_PHONE_LICENCE), (400, CODE_PENDING_SETTINGS)):
            raise ZoomAPIError(exc.status, exc.code, exc.message, errors=exc.errors, method=exc.method, path=exc.path,
                               msg='Cannot %s Zoom Phone for %s (Zoom code %s: %s). %s' % (
                                   'enable' if enabled else 'disable', email or user_id, exc.code, exc.message,
                                   hint_for(exc.status, exc.code, exc.message, exc.method)))
        raise
