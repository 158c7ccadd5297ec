"""Zoom's rate limits (docs/ZOOM-API-FACTS.md §6): per account, per label, per plan tier, Phone's own table.

Windows are fixed and run on the world clock: per-second limits count requests in
`[floor(now), floor(now) + 1)`, Resource-intensive per minute, daily caps per UTC day. Because the
clock is the world's, a test can freeze it and move it with POST /_sim/clock/advance instead of
sleeping. A rejected request does not count against the window (not established; kinder to clients).

Which table: routes of family `phone` use the Phone table; everything else that carries a label
(Users, Accounts, SCIM2) shares the standard table (§6.1 says limits are per account; whether SCIM
has buckets of its own is not established).
"""

import datetime
import math

LABELS = ("Light", "Medium", "Heavy", "Resource-intensive")
RI = "Resource-intensive"
QPS_MESSAGE = "You have reached the maximum per-second rate limit for this API. Try again later."
DAILY_MESSAGE = ("You have reached the maximum daily rate limit for this API. "
                 "Refer to the response header for details on when you can make another request.")

# §6.1 (documented, D-RL). Per second, except Resource-intensive which is per minute.
STANDARD = {
    "free": {"Light": 4, "Medium": 2, "Heavy": 1, RI: 10},
    "pro": {"Light": 30, "Medium": 20, "Heavy": 10, RI: 10},
    "business": {"Light": 80, "Medium": 60, "Heavy": 40, RI: 20},
}
PHONE = {  # Zoom Phone has Pro and Business+ columns only; Free accounts use Pro's (inferred)
    "pro": {"Light": 20, "Medium": 10, "Heavy": 5, RI: 5},
    "business": {"Light": 40, "Medium": 20, "Heavy": 10, RI: 10},
}
FREE_DAILY = {"Light": 6000, "Medium": 2000, "Heavy": 1000, RI: 30000}  # Free: one cap per label
HEAVY_DAILY = {"standard": {"pro": 30000, "business": 60000},  # Heavy + Resource-intensive combined
               "phone": {"pro": 15000, "business": 30000}}
USER_CREATE_DAILY = {"free": 50, "pro": 1500, "business": 10000}  # POST /users action=create (§2.3)


class RateState:
    """Counters of the current windows; lives in the world, so a reset clears it."""

    def __init__(self):
        self.windows = {}  # (table, label) -> [window index, count]
        self.daily = {}  # cap key -> [day index, count]


class Verdict:
    """Outcome of a rate-limit check: headers to add, and the 429 to answer if rejected."""

    def __init__(self, headers=None, rejected=False, message=None):
        self.headers = headers or {}
        self.rejected = rejected
        self.message = message


def tier_of(world):
    return world.rate_limits.get("tier") or world.account.plan


def table_of(route):
    return "phone" if route.family == "phone" else "standard"


def window_limit(world, table, label):
    """(limit, window seconds) for a label, after the world file's overrides."""
    tier = tier_of(world)
    if table == "phone":
        limit = PHONE["business" if tier == "business" else "pro"][label]
        override = (world.rate_limits.get("phone_overrides") or {}).get(label, (world.rate_limits.get("overrides") or {}).get(label))
    else:
        limit = STANDARD[tier][label]
        override = (world.rate_limits.get("overrides") or {}).get(label)
    return int(override if override is not None else limit), (60 if label == RI else 1)


def daily_caps(world, route, req):
    """[(key, limit)] of the daily caps this request counts against, most specific first."""
    tier, table, label = tier_of(world), table_of(route), route.label
    caps = []
    if route.operation == "userCreate" and _create_action(req) == "create":
        caps.append((("user_create",), int(world.rate_limits.get("user_create_daily", USER_CREATE_DAILY[tier]))))
    overrides = world.rate_limits.get("phone_daily_overrides" if table == "phone" else "daily_overrides") or {}
    if label in overrides:
        caps.append(((table, label, "daily"), int(overrides[label])))
    elif table == "standard" and tier == "free":
        caps.append(((table, label, "daily"), FREE_DAILY[label]))
    elif label in ("Heavy", RI):
        caps.append(((table, "heavy+ri", "daily"), HEAVY_DAILY[table]["business" if tier == "business" else "pro"]))
    return caps


def _create_action(req):
    try:
        body = req.json
    except ValueError:
        return None
    return body.get("action") if isinstance(body, dict) else None


def check(world, route, req):
    """Count the request against its windows and caps (call under world.lock). Returns a Verdict."""
    if not world.rate_limits_enabled or route.label not in LABELS or route.family in ("sim", "oauth"):
        return Verdict()
    if world.rate_state is None:
        world.rate_state = RateState()
    state, now = world.rate_state, world.clock.now()
    table, label = table_of(route), route.label
    day = int(now // 86400)
    caps = daily_caps(world, route, req)
    for key, limit in caps:
        used = _current(state.daily, key, day)
        if used >= limit:
            return Verdict(_daily_headers(label, limit, day), True, DAILY_MESSAGE)
    limit, length = window_limit(world, table, label)
    index = int(now // length)
    used = _current(state.windows, (table, label), index)
    if used >= limit:
        return Verdict(_qps_headers(world, label, limit, (index + 1) * length - now), True, QPS_MESSAGE)
    state.windows[(table, label)] = [index, used + 1]
    for key, _limit in caps:
        state.daily[key] = [day, _current(state.daily, key, day) + 1]
    headers = {"X-RateLimit-Category": label}
    if caps:  # users saw the daily figures on success (DF-18928, PSZoom#96)
        key, cap = caps[0]
        headers.update({"X-RateLimit-Limit": str(cap), "X-RateLimit-Remaining": str(max(0, cap - state.daily[key][1]))})
    else:
        headers.update({"X-RateLimit-Limit": str(limit), "X-RateLimit-Remaining": str(max(0, limit - used - 1))})
    return Verdict(headers)


def _current(counters, key, index):
    entry = counters.get(key)
    return entry[1] if entry and entry[0] == index else 0


def _qps_headers(world, label, limit, wait):
    headers = {"X-RateLimit-Category": label, "X-RateLimit-Type": "QPS", "X-RateLimit-Limit": str(limit),
               "X-RateLimit-Remaining": "0"}
    seconds = max(1, int(math.ceil(wait)))
    if world.behaviour.ratelimit_reset_format == "epoch":
        headers["X-RateLimit-Reset"] = str(int(math.ceil(world.clock.now() + wait)))
    else:
        headers["X-RateLimit-Reset"] = str(seconds)
    if world.behaviour.qps_retry_after:
        headers["Retry-After"] = str(seconds)
    return headers


def _daily_headers(label, limit, day):
    midnight = datetime.datetime.fromtimestamp((day + 1) * 86400, datetime.timezone.utc)
    return {"X-RateLimit-Category": label, "X-RateLimit-Type": "Daily-limit", "X-RateLimit-Limit": str(limit),
            "X-RateLimit-Remaining": "0", "Retry-After": midnight.strftime("%Y-%m-%dT%H:%M:%SZ")}


def storm_headers(world, route):
    """Headers of an injected 429 (fault http_429): it looks like a per-second hit on the route's label."""
    label = route.label if route is not None and route.label in LABELS else "Light"
    limit, _length = window_limit(world, table_of(route) if route is not None else "standard", label)
    return _qps_headers(world, label, limit, 1.0)
