# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""_ratelimit: Zoom's rate labels, the shared RateBudget and the 429 header parsers (no HTTP)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import datetime
import threading

import pytest

from ansible_collections.zoomops.provisioning.plugins.module_utils import _client
from ansible_collections.zoomops.provisioning.plugins.module_utils._errors import ZoomConfigError
from ansible_collections.zoomops.provisioning.plugins.module_utils._ratelimit import (
    RateBudget,
    parse_rate_limit_reset,
    parse_retry_after,
    rate_family,
    rate_label,
)

# pylint: disable=redefined-outer-name


def current_rate(budget, label, family='standard'):
    """A bucket's rate seen from outside: once it is empty, two reservations in a row are 1/rate seconds apart."""
    while budget.reserve(label, family) <= 0:
        pass
    first = budget.reserve(label, family)
    return 1.0 / (budget.reserve(label, family) - first)


def test_client_still_exports_rate_budget():
    # zoom_user_sync and older code import it from _client until they switch to _ratelimit
    assert _client.RateBudget is RateBudget


# ----------------------------------------------------------------------- labels

@pytest.mark.parametrize('method, path, label, family', [
    ('GET', '/v2/users', 'Medium', 'standard'),
    ('GET', '/v2/users?status=pending', 'Medium', 'standard'),
    ('POST', '/v2/users', 'Light', 'standard'),
    ('GET', '/v2/users/email', 'Light', 'standard'),
    ('GET', '/v2/users/a+b@example.com', 'Light', 'standard'),
    ('PATCH', '/v2/users/u1', 'Light', 'standard'),
    ('DELETE', '/v2/users/u1', 'Light', 'standard'),
    ('PUT', '/v2/users/u1/status', 'Light', 'standard'),
    ('GET', '/v2/users/u1/settings', 'Medium', 'standard'),
    ('PATCH', '/v2/users/u1/settings', 'Medium', 'standard'),
    ('GET', '/v2/users/summary', 'Medium', 'standard'),
    ('POST', '/v2/users/features', 'Medium', 'standard'),
    ('GET', '/v2/phone/users', 'Medium', 'phone'),
    ('GET', '/v2/phone/users/u1', 'Light', 'phone'),
    ('PATCH', '/v2/phone/users/u1', 'Light', 'phone'),
    ('POST', '/v2/phone/users/u1/calling_plans', 'Light', 'phone'),
    ('PUT', '/v2/phone/users/u1/calling_plans', 'Light', 'phone'),
    ('DELETE', '/v2/phone/users/u1/calling_plans/200', 'Light', 'phone'),
    ('POST', '/v2/phone/users/u1/phone_numbers', 'Light', 'phone'),
    ('DELETE', '/v2/phone/users/u1/phone_numbers/n1', 'Light', 'phone'),
    ('GET', '/v2/phone/calling_plans', 'Medium', 'phone'),
    ('GET', '/v2/phone/numbers', 'Medium', 'phone'),
    ('POST', '/v2/phone/users/batch', 'Medium', 'phone'),
    ('PUT', '/v2/phone/users/batch', 'Light', 'phone'),
    ('GET', '/scim2/Users', 'Medium', 'standard'),
    ('POST', '/scim2/Users', 'Light', 'standard'),
    ('GET', '/scim2/Users/u1', 'Light', 'standard'),
    ('PUT', '/scim2/Users/u1', 'Light', 'standard'),
    ('PATCH', '/scim2/Users/u1', 'Light', 'standard'),
    ('DELETE', '/scim2/Users/u1', 'Light', 'standard'),
    ('GET', '/scim2/Groups', 'Medium', 'standard'),
    ('POST', '/scim2/Groups', 'Medium', 'standard'),
    ('GET', '/scim2/Groups/g1', 'Light', 'standard'),
    ('PATCH', '/scim2/Groups/g1', 'Medium', 'standard'),
    ('DELETE', '/scim2/Groups/g1', 'Medium', 'standard'),
    ('GET', '/v2/unknown/things', 'Medium', 'standard'),
    ('POST', '/v2/unknown/things', 'Light', 'standard'),
])
def test_rate_label(method, path, label, family):
    assert rate_label(method, path) == label
    assert rate_family(path) == family


@pytest.mark.parametrize('tier, label, family, documented', [
    ('free', 'Light', 'standard', 4), ('pro', 'Medium', 'standard', 20), ('business', 'Heavy', 'standard', 40),
    ('pro', 'Light', 'phone', 20), ('business', 'Medium', 'phone', 20), ('business', 'Light', 'standard', 80),
])
def test_rate_budget_limits_follow_the_tables(tier, label, family, documented):
    assert RateBudget(tier).limit(label, family) == documented


def _assert_bound(send_times, budget, label, family='standard'):
    rate = budget.limit(label, family) * budget.safety
    capacity = max(1.0, rate * budget.burst)
    start = send_times[0]
    for index, sent in enumerate(sorted(send_times)):
        # the (index+1)-th call cannot leave before its share of the bucket has refilled
        assert sent - start >= (index + 1 - capacity) / rate - 1e-9
    # and no one-second window holds more than Zoom's documented limit
    ordered = sorted(send_times)
    limit = budget.limit(label, family)
    for index, sent in enumerate(ordered):
        in_window = [t for t in ordered[index:] if t < sent + 1.0]
        assert len(in_window) <= limit


def test_rate_budget_throughput_bound_single_thread(fake_clock):
    budget = RateBudget('free', clock=fake_clock.time, sleep=fake_clock.sleep)
    sent = []
    for dummy in range(60):
        budget.acquire('Light')
        sent.append(fake_clock.time())
    _assert_bound(sent, budget, 'Light')
    rate = 4 * 0.8
    assert fake_clock.time() - 1000.0 >= (60 - 1) / rate - 1e-6
    # buckets are separate per label and family
    assert budget.reserve('Medium') == 0.0
    assert budget.reserve('Light', 'phone') == 0.0


def test_rate_budget_throughput_bound_threads_and_no_sleep_under_lock(fake_clock):
    budget = RateBudget('pro', clock=fake_clock.time)
    held = []

    def checking_sleep(seconds):
        # the budget's lock must be free while a caller sleeps
        if not budget._lock.acquire(blocking=False):  # pylint: disable=protected-access
            held.append(seconds)
        else:
            budget._lock.release()  # pylint: disable=protected-access
        fake_clock.sleep(seconds)

    budget._sleep = checking_sleep  # pylint: disable=protected-access
    sent = []
    sent_lock = threading.Lock()

    def worker():
        for dummy in range(25):
            budget.acquire('Medium')
            with sent_lock:
                sent.append(fake_clock.time())

    threads = [threading.Thread(target=worker) for dummy in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert len(sent) == 200
    assert not held
    _assert_bound(sent, budget, 'Medium')


def test_rate_budget_pause_after_429(fake_clock):
    budget = RateBudget('business', clock=fake_clock.time, sleep=fake_clock.sleep)
    assert budget.reserve('Light') == 0.0
    budget.pause('Light', seconds=2.0)
    assert budget.reserve('Light') >= 2.0
    assert current_rate(budget, 'Light') < budget.limit('Light') * budget.safety
    assert budget.reserve('Medium') == 0.0  # other buckets go on


def test_rate_budget_recovers_after_429s(fake_clock):
    budget = RateBudget('business', safety=1.0, burst=0.05, clock=fake_clock.time, sleep=fake_clock.sleep)
    budget.reserve('Light')
    for _i in range(10):
        budget.pause('Light', seconds=0.0)
    slowed = current_rate(budget, 'Light')
    assert slowed < 80 * 0.2
    fake_clock.sleep(1.0)
    budget.reserve('Light')
    assert current_rate(budget, 'Light') == pytest.approx(slowed)  # still within the quiet period
    fake_clock.sleep(3.0)
    budget.reserve('Light')
    assert slowed < current_rate(budget, 'Light') < 80.0  # winning its rate back, 10 % a quiet second
    fake_clock.sleep(20.0)
    budget.reserve('Light')
    assert current_rate(budget, 'Light') == pytest.approx(80.0)
    budget.pause('Light', seconds=0.0, slow_down=0)  # a pause without slow-down starts no recovery
    assert current_rate(budget, 'Light') == pytest.approx(80.0)


def test_rate_budget_unknown_tier():
    with pytest.raises(ZoomConfigError) as info:
        RateBudget('enterprise-plus')
    assert 'free, pro, business' in str(info.value)


# ----------------------------------------------------------------------- header parsing

def test_parse_retry_after():
    now = 1_700_000_000.0
    assert parse_retry_after('7', now) == 7.0
    assert parse_retry_after(' 1.5 ', now) == 1.5
    assert parse_retry_after(None, now) is None
    assert parse_retry_after('', now) is None
    assert parse_retry_after('soon', now) is None
    iso = datetime.datetime.fromtimestamp(now + 3600, datetime.timezone.utc).strftime('%Y-%m-%dT%H:%M:%SZ')
    assert abs(parse_retry_after(iso, now) - 3600) < 1
    assert parse_retry_after('Tue, 14 Nov 2023 22:14:20 GMT', now) == 60.0  # an HTTP date, now + 60 s
    assert parse_retry_after('Tue, 14 Nov 2023 22:00:00 GMT', now) == 0.0  # in the past
    naive = datetime.datetime.fromtimestamp(now + 60, datetime.timezone.utc).replace(tzinfo=None).isoformat()
    assert abs(parse_retry_after(naive, now) - 60) < 1


def test_parse_rate_limit_reset():
    now = 1_700_000_000.0
    assert parse_rate_limit_reset('3', now) == 3.0
    assert parse_rate_limit_reset(str(int(now + 10)), now) == 10.0
    assert parse_rate_limit_reset(str(int((now + 10) * 1000)), now) == 10.0
    assert parse_rate_limit_reset(None, now) is None
