"""The control API under /_sim/: load and reset the world, read the request log, move the clock,
kill tokens, change faults/latency/behaviour. No token needed; never logged, rate-limited or validated.
Secrets never appear in any answer (credentials are dumped with the secret masked).
"""

import copy
import dataclasses

import yaml

from zoomsim import __version__, auth
from zoomsim.faults import FaultPlan, FaultPlanError
from zoomsim.handlers import users as users_handlers
from zoomsim.model import Behaviour
from zoomsim.routing import ApiError, Response, route
from zoomsim.world import MASK, PLANS, RATE_KEYS, WorldError, describe, dump_world, iso, load_world


def sim_route(method, template):
    """A control route: family 'sim', no token, not a Zoom write."""
    return route(method, template, operation="sim", label="none", family="sim", spec=None, write=False, auth=False)


def _ok(body, status=200):
    return Response(status, body, content_type="application/json")


def _bad(message, status=400):
    return ApiError(status, status, message)


def _payload(req, default=None):
    """The request body as a mapping: JSON or YAML (a world file can be posted as is)."""
    if not req.body:
        return {} if default is None else default
    try:
        data = yaml.safe_load(req.body.decode("utf-8"))
    except (yaml.YAMLError, UnicodeDecodeError) as exc:
        raise _bad("body is neither JSON nor YAML: %s" % exc) from exc
    if not isinstance(data, dict):
        raise _bad("body must be a mapping")
    return data


def _flag(req, name):
    return req.arg(name, "").lower() in ("1", "true", "yes")


def _clock(world):
    now = world.clock.now()
    return {"now": now, "now_iso": iso(now), "frozen": world.clock.frozen, "offset": world.clock.offset}


# ---- world ---------------------------------------------------------------------------------
@sim_route("GET", "/_sim/health")
def health(req):
    world = req.world
    return _ok({"status": "ok", "version": __version__, "account_id": world.account.id, "url": req.sim.url,
                "now": iso(world.clock.now())})


@sim_route("POST", "/_sim/reset")
def reset(req):
    """Back to the initial world (same ids); the request log and counters are kept."""
    world = req.sim.reset()
    return _ok({"status": "reset", "summary": describe(world), "last_seq": world.last_seq})


@sim_route("POST", "/_sim/world")
def load(req):
    """Replace the world with the posted world file (YAML or JSON); it becomes the one reset returns to."""
    try:
        world = load_world(_payload(req))
    except WorldError as exc:
        raise _bad(str(exc)) from exc
    req.sim.replace(world)
    return _ok({"status": "loaded", "summary": describe(world), "last_seq": world.last_seq})


@sim_route("GET", "/_sim/world")
def initial(req):
    """The world file the current world was built from, client secrets masked."""
    source = copy.deepcopy(req.world.source or {})
    for credential in source.get("credentials") or []:
        if isinstance(credential, dict) and "client_secret" in credential:
            credential["client_secret"] = MASK
    return _ok(source)


@sim_route("GET", "/_sim/state")
def state(req):
    """The live state in world-file form with ids (independent verification for tests)."""
    return _ok(dump_world(req.world))


# ---- observation ---------------------------------------------------------------------------
@sim_route("GET", "/_sim/log")
def read_log(req):
    """Entries after `since` (seq), filtered by writes=1, family, status, method, operation; `limit` newest."""
    world = req.world
    since = _int(req.arg("since", "0"), "since")
    wanted = {k: req.arg(k) for k in ("family", "method", "operation", "label") if req.arg(k)}
    status = _int(req.arg("status"), "status") if req.arg("status") else None
    writes = _flag(req, "writes")
    entries = [e for e in world.log if e.seq > since and (not writes or e.write)
               and (status is None or e.status == status)
               and all(str(getattr(e, k)).upper() == v.upper() if k == "method" else getattr(e, k) == v
                       for k, v in wanted.items())]
    if req.arg("limit"):
        entries = entries[-_int(req.arg("limit"), "limit"):]
    return _ok({"entries": [e.to_dict() for e in entries], "last_seq": world.last_seq})


@sim_route("POST", "/_sim/log/mark")
def mark(req):
    """The current end of the log: read later with GET /_sim/log?since=<seq>."""
    return _ok({"seq": req.world.last_seq})


@sim_route("DELETE", "/_sim/log")
def clear_log(req):
    """Forget logged requests and counters (sequence numbers keep growing)."""
    world = req.world
    del world.log[:]
    world.counters.clear()
    return _ok({"status": "cleared", "last_seq": world.last_seq})


@sim_route("GET", "/_sim/counters")
def counters(req):
    world = req.world
    body = dict(world.counters) if world.counters else {"requests": 0, "writes": 0, "throttled": 0, "dropped": 0}
    body["last_seq"] = world.last_seq
    return _ok(body)


def _int(value, name):
    try:
        return int(value)
    except (TypeError, ValueError) as exc:
        raise _bad("%s must be an integer" % name) from exc


# ---- clock and tokens ----------------------------------------------------------------------
@sim_route("GET", "/_sim/clock")
def get_clock(req):
    return _ok(_clock(req.world))


@sim_route("PUT", "/_sim/clock")
def set_clock(req):
    """{"frozen": true} stops real time (only /advance moves it); false lets it run again."""
    body = _payload(req)
    if "frozen" in body:
        req.world.clock.freeze(bool(body["frozen"]))
    return _ok(_clock(req.world))


@sim_route("POST", "/_sim/clock/advance")
def advance(req):
    """Move simulated time forward: invitations expire, tokens expire, daily caps roll over."""
    world = req.world
    seconds = _payload(req).get("seconds", req.arg("seconds"))
    try:
        seconds = float(seconds)
    except (TypeError, ValueError) as exc:
        raise _bad("seconds must be a number") from exc
    if seconds < 0:
        raise _bad("the clock only moves forward")
    world.clock.advance(seconds)
    world.expire_invitations()
    return _ok(_clock(world))


@sim_route("POST", "/_sim/tokens/revoke")
def revoke(req):
    """Every issued token becomes invalid: next API call gets 401 code 124 'Invalid access token.'."""
    return _ok({"revoked": auth.revoke_all(req.world)})


@sim_route("POST", "/_sim/tokens/expire")
def expire(req):
    """Every live token expires now: next API call gets 401 code 124 'Access token is expired.'."""
    return _ok({"expired": auth.expire_all(req.world)})


# ---- runtime knobs -------------------------------------------------------------------------
@sim_route("GET", "/_sim/faults")
def get_faults(req):
    plan = req.world.faults
    return _ok(plan.to_dict() if plan else {})


@sim_route("PUT", "/_sim/faults")
def set_faults(req):
    """Replace the fault plan (same format as the world file's `faults`); {} turns faults off."""
    try:
        req.world.faults = FaultPlan.from_dict(_payload(req))
    except FaultPlanError as exc:
        raise _bad("faults: %s" % exc) from exc
    return _ok(req.world.faults.to_dict())


@sim_route("PUT", "/_sim/latency")
def set_latency(req):
    body = _payload(req)
    world = req.world
    try:
        world.latency_ms = float(body.get("ms", world.latency_ms))
        world.latency_jitter_ms = float(body.get("jitter_ms", world.latency_jitter_ms))
    except (TypeError, ValueError) as exc:
        raise _bad("ms and jitter_ms must be numbers") from exc
    return _ok({"ms": world.latency_ms, "jitter_ms": world.latency_jitter_ms})


@sim_route("GET", "/_sim/behaviour")
def get_behaviour(req):
    return _ok(dataclasses.asdict(req.world.behaviour))


@sim_route("PUT", "/_sim/behaviour")
def set_behaviour(req):
    """Patch Behaviour switches: {"validate_requests": false, ...}; unknown names are refused."""
    body = _payload(req)
    known = {f.name for f in dataclasses.fields(Behaviour)}
    unknown = sorted(set(body) - known)
    if unknown:
        raise _bad("unknown behaviour switch(es): %s" % ", ".join(unknown))
    for name, value in body.items():
        setattr(req.world.behaviour, name, value)
    return _ok(dataclasses.asdict(req.world.behaviour))


@sim_route("PUT", "/_sim/rate_limits")
def set_rate_limits(req):
    """Replace the `rate_limits` section (enabled, tier, overrides, ...); the current windows restart."""
    body = _payload(req)
    world = req.world
    unknown = sorted(set(body) - RATE_KEYS)
    if unknown:
        raise _bad("unknown rate_limits key(s): %s" % ", ".join(unknown))
    if body.get("tier") is not None:
        if str(body["tier"]).lower() not in PLANS:
            raise _bad("tier must be one of %s" % ", ".join(sorted(PLANS)))
        body["tier"] = PLANS[str(body["tier"]).lower()]
    world.rate_limits = body
    world.rate_limits_enabled = bool(body.get("enabled", True))
    world.rate_state = None
    return _ok(dict(body, enabled=world.rate_limits_enabled))


@sim_route("POST", "/_sim/users/{email}/accept")
def accept(req):
    """The pending invitee clicks the link: active in this account, phone user created if requested (§5.8)."""
    user = users_handlers.accept_invitation(req.world, req.path_params["email"])
    if user is None:
        raise _bad("no pending invitation for %s" % req.path_params["email"], 404)
    return _ok({"id": user.id, "email": user.email, "status": user.status})
