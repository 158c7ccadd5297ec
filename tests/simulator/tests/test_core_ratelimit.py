"""Rate limits per account, label and plan tier, Phone's own table, daily caps (docs/ZOOM-API-FACTS.md §6, §2.3).

The core world has a frozen clock: a per-second window only ends when the test advances the clock.
"""

import pytest

from zoomsim import ratelimit
from zoomsim.routing import Route
from zoomsim.testing import running_simulator
from zoomsim.world import load_world

USER = "/v2/users/owner@example.com"
PHONE_USER = "/v2/phone/users/ann@example.com"
QPS = "You have reached the maximum per-second rate limit for this API. Try again later."
DAILY = ("You have reached the maximum daily rate limit for this API. "
         "Refer to the response header for details on when you can make another request.")


def create_user(sim, email, action="create"):
    return sim.call("POST", "/v2/users", json={"action": action, "user_info": {"email": email, "type": 1}})


def test_burst_over_light_limit_gets_429_with_headers(core_world):
    """§6.1/§6.3: the 6th Light call in one second (limit overridden to 5) -> 429, Zoom's body, QPS headers."""
    with running_simulator(core_world(rate_limits={"overrides": {"Light": 5}})) as sim:
        sim.token()
        answers = [sim.call("GET", USER) for _attempt in range(6)]
        assert [a.status_code for a in answers] == [200] * 5 + [429]
        assert [a.headers["X-RateLimit-Remaining"] for a in answers[:5]] == ["4", "3", "2", "1", "0"]
        assert answers[0].headers["X-RateLimit-Category"] == "Light" and answers[0].headers["X-RateLimit-Limit"] == "5"
        throttled = answers[-1]
        assert throttled.json() == {"code": 429, "message": QPS}
        assert throttled.headers["X-RateLimit-Category"] == "Light"
        assert throttled.headers["X-RateLimit-Type"] == "QPS"
        assert throttled.headers["X-RateLimit-Limit"] == "5"
        assert throttled.headers["X-RateLimit-Remaining"] == "0"
        assert throttled.headers["X-RateLimit-Reset"] == "1"
        assert "Retry-After" not in throttled.headers  # ZPLUG: only daily hits carry Retry-After
        sim.advance(1)
        assert sim.call("GET", USER).status_code == 200


def test_labels_and_tables_have_separate_windows(core_world):
    """§6.1/§6.2: Light, Medium and the Phone table count separately."""
    world = core_world(rate_limits={"overrides": {"Light": 2}, "phone_overrides": {"Light": 1}})
    with running_simulator(world) as sim:
        sim.token()
        assert [sim.call("GET", USER).status_code for _attempt in range(3)] == [200, 200, 429]
        assert sim.call("GET", "/v2/users").status_code == 200  # Medium
        assert [sim.call("GET", PHONE_USER).status_code for _attempt in range(2)] == [200, 429]


def test_qps_retry_after_switch_and_epoch_reset(core_world):
    """§6.3 (format not established): qps_retry_after adds Retry-After; ratelimit_reset_format=epoch."""
    world = core_world(rate_limits={"overrides": {"Light": 1}},
                       behaviour={"qps_retry_after": True, "ratelimit_reset_format": "epoch"})
    with running_simulator(world) as sim:
        sim.token()
        sim.call("GET", USER)
        throttled = sim.call("GET", USER)
        assert throttled.status_code == 429 and throttled.headers["Retry-After"] == "1"
        assert int(throttled.headers["X-RateLimit-Reset"]) == int(sim.world.clock.now()) + 1


def test_daily_cap_on_create_action(core_world):
    """§2.3/§6.1: POST /users action=create has a daily cap; the 429 says Daily-limit and Retry-After
    is next midnight UTC (ISO-8601); other actions do not count; the cap rolls over at midnight."""
    with running_simulator(core_world(rate_limits={"user_create_daily": 2})) as sim:
        first = create_user(sim, "new1@example.com")
        assert first.status_code == 201
        assert (first.headers["X-RateLimit-Limit"], first.headers["X-RateLimit-Remaining"]) == ("2", "1")
        assert create_user(sim, "sso1@example.com", action="ssoCreate").status_code == 201
        assert create_user(sim, "new2@example.com").status_code == 201
        capped = create_user(sim, "new3@example.com")
        assert capped.status_code == 429 and capped.json() == {"code": 429, "message": DAILY}
        assert capped.headers["X-RateLimit-Type"] == "Daily-limit"
        assert capped.headers["X-RateLimit-Category"] == "Light"
        assert capped.headers["Retry-After"] == "2026-02-03T00:00:00Z"
        assert capped.headers["X-RateLimit-Remaining"] == "0"
        assert sim.world.user_by_email("new3@example.com") is None  # rejected before the handler
        sim.advance(14 * 3600)  # 10:00 -> past midnight
        assert create_user(sim, "new3@example.com").status_code == 201


def test_business_create_cap_in_headers(core_world):
    """§2.3 (reported, PSZoom#96): on Business+ POST /users create shows Limit 10000, Remaining 9999."""
    with running_simulator(core_world()) as sim:
        answer = create_user(sim, "new@example.com")
        assert answer.status_code == 201
        assert answer.headers["X-RateLimit-Limit"] == "10000" and answer.headers["X-RateLimit-Remaining"] == "9999"


def test_free_tier_limits(core_world):
    """§6.1: Free plan: Light 4/s, and success headers show the 6,000/day cap (DF-18928)."""
    with running_simulator(core_world(account={"plan": "free"})) as sim:
        sim.token()
        answers = [sim.call("GET", USER) for _attempt in range(5)]
        assert [a.status_code for a in answers] == [200] * 4 + [429]
        assert answers[0].headers["X-RateLimit-Limit"] == "6000"
        assert answers[0].headers["X-RateLimit-Remaining"] == "5999"


def test_daily_override_for_a_label(core_world):
    """§6.1: Free daily caps, here shortened through rate_limits.daily_overrides (Light: 3)."""
    with running_simulator(core_world(rate_limits={"daily_overrides": {"Light": 3}})) as sim:
        sim.token()
        statuses = []
        for _attempt in range(4):
            statuses.append(sim.call("GET", USER).status_code)
            sim.advance(1)
        assert statuses == [200, 200, 200, 429]


def test_oauth_and_control_are_never_limited(core_world):
    """§6: the token endpoint and /_sim/ do not count against API labels."""
    with running_simulator(core_world(rate_limits={"overrides": {"Light": 1, "Medium": 1}})) as sim:
        for _attempt in range(5):
            sim.token(fresh=True)
            sim.control("GET", "/_sim/health")
        assert sim.call("GET", USER).status_code == 200


def test_disabled_rate_limits(core_world):
    """rate_limits.enabled false: no 429, no X-RateLimit headers."""
    with running_simulator(core_world(rate_limits={"enabled": False, "overrides": {"Light": 1}})) as sim:
        answers = [sim.call("GET", USER) for _attempt in range(5)]
        assert {a.status_code for a in answers} == {200}
        assert "X-RateLimit-Limit" not in answers[-1].headers


def test_throttled_calls_are_logged_and_counted(core_world):
    """Issue (observation): 429s appear in the log and in counters.throttled."""
    with running_simulator(core_world(rate_limits={"overrides": {"Light": 1}})) as sim:
        sim.token()
        sim.call("GET", USER)
        sim.call("GET", USER)
        assert sim.counters()["throttled"] == 1
        assert [e["status"] for e in sim.log(label="Light")] == [200, 429]


# ---- the tables themselves (unit level) ---------------------------------------------------------
def _route(label, family="standard", operation="x"):
    return Route("GET", "/v2/x", None, operation, label, family, None, False, True)


@pytest.mark.parametrize("plan,table,label,expected", [
    ("free", "standard", "Light", (4, 1)), ("free", "standard", "Medium", (2, 1)), ("free", "standard", "Heavy", (1, 1)),
    ("pro", "standard", "Light", (30, 1)), ("pro", "standard", "Medium", (20, 1)), ("pro", "standard", "Heavy", (10, 1)),
    ("business", "standard", "Light", (80, 1)), ("business", "standard", "Medium", (60, 1)),
    ("business", "standard", "Heavy", (40, 1)), ("business", "standard", "Resource-intensive", (20, 60)),
    ("pro", "phone", "Light", (20, 1)), ("pro", "phone", "Medium", (10, 1)), ("pro", "phone", "Heavy", (5, 1)),
    ("business", "phone", "Light", (40, 1)), ("business", "phone", "Medium", (20, 1)),
    ("business", "phone", "Heavy", (10, 1)), ("business", "phone", "Resource-intensive", (10, 60)),
    ("free", "phone", "Light", (20, 1)),
])
def test_documented_per_second_table(core_world, plan, table, label, expected):
    """§6.1 (documented, D-RL): per-second (Resource-intensive: per-minute) limits by plan and table."""
    world = load_world(core_world(account={"plan": plan}))
    assert ratelimit.window_limit(world, table, label) == expected


@pytest.mark.parametrize("plan,family,label,expected", [
    ("free", "standard", "Light", 6000), ("free", "standard", "Medium", 2000), ("free", "standard", "Heavy", 1000),
    ("pro", "standard", "Heavy", 30000), ("business", "standard", "Resource-intensive", 60000),
    ("pro", "phone", "Heavy", 15000), ("business", "phone", "Heavy", 30000),
    ("business", "standard", "Light", None), ("pro", "phone", "Light", None),
])
def test_documented_daily_caps(core_world, plan, family, label, expected):
    """§6.1: Free daily caps per label; Heavy+Resource-intensive combined caps for Pro/Business+ and Phone."""
    world = load_world(core_world(account={"plan": plan}))
    caps = ratelimit.daily_caps(world, _route(label, family), None)
    assert (caps[0][1] if caps else None) == expected


@pytest.mark.parametrize("plan,cap", [("free", 50), ("pro", 1500), ("business", 10000)])
def test_documented_create_caps(core_world, plan, cap):
    """§2.3: POST /users action=create: Free 50/day, Pro 1,500/day, Business+ 10,000/day."""
    world = load_world(core_world(account={"plan": plan}))

    class _Req:  # only .json is read
        json = {"action": "create", "user_info": {}}

    assert ratelimit.daily_caps(world, _route("Light", operation="userCreate"), _Req())[0][1] == cap


def test_resource_intensive_counts_per_minute(core_world):
    """§6.1: Resource-intensive limits are per minute (Business+: 20/min)."""
    world = load_world(core_world())
    route = _route("Resource-intensive")
    verdicts = [ratelimit.check(world, route, None) for _attempt in range(21)]
    assert [v.rejected for v in verdicts].count(True) == 1 and verdicts[-1].rejected
    world.clock.advance(30)
    assert ratelimit.check(world, route, None).rejected  # same minute window
    world.clock.advance(30)
    assert not ratelimit.check(world, route, None).rejected
