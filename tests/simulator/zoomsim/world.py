"""Load and dump world files (the simulator's initial state). Format: tests/simulator/worlds/README.md.

The loader is strict: an unknown key, a dangling reference (site, plan, manager) or an impossible
state (two owners, a pending user with a phone) raises `WorldError` naming the place, so a typo in a
world file fails loudly instead of silently testing something else. Ids not given in the file come
from a RNG seeded by the file's `seed` (default: the account id), so a reset rebuilds the same ids.
"""

import copy
import dataclasses
import datetime
import os
import random
import string
from pathlib import Path

import yaml

from zoomsim.faults import FaultPlan, FaultPlanError
from zoomsim.model import (Account, Behaviour, CallingPlan, Clock, Credential, DeadInvitation, ExternalAccount,
                           PhoneNumber, PhoneUser, Site, User, World)

DAY = 86400.0
ROLES = {"owner": "0", "admin": "1", "member": "2"}
ROLE_NAMES = {v: k for k, v in ROLES.items()}
STATUSES = ("active", "inactive", "pending")
PENDING_REASONS = ("invited", "domain_not_associated", "existing_zoom_account")
PLANS = {"free": "free", "basic": "free", "pro": "pro", "business": "business", "business+": "business",
         "education": "business", "enterprise": "business", "partner": "business"}
LOGIN_TYPES = {"sso": 101, "email": 100}
DEFAULT_CREDENTIAL = {"client_id": "zoomsim-client-id", "client_secret": "zoomsim-client-secret"}
MASK = "********"

SECTIONS = {"seed", "clock", "account", "credentials", "users", "dead_invitations", "external_accounts",
            "phone", "rate_limits", "latency", "faults", "behaviour",
            "observed"}  # `observed`: written by dump_world, ignored on load
USER_KEYS = {"id", "email", "first_name", "last_name", "display_name", "type", "status", "role", "role_id",
             "department", "dept", "job_title", "timezone", "language", "phone_number", "cost_center",
             "employee_number", "organization", "manager", "external_id", "login", "login_types",
             "created_days_ago", "last_login_days_ago", "pending_reason", "invited_days_ago", "holder_account",
             "meetings", "recordings", "webinars", "whiteboards", "feature_zoom_phone", "phone"}
PHONE_USER_KEYS = {"extension", "site", "calling_plans", "numbers", "status", "phone_user_id", "extension_id",
                   "ready_in_seconds"}
PHONE_KEYS = {"sites", "calling_plans", "numbers", "provisioning_delay"}
SITE_KEYS = {"id", "name", "site_code", "main"}
PLAN_KEYS = {"type", "name", "subscribed", "billing_account_id", "assigned"}  # assigned: dump output, ignored
NUMBER_KEYS = {"id", "number", "site", "assignee", "number_type", "source", "status"}
RATE_KEYS = {"enabled", "tier", "overrides", "phone_overrides", "daily_overrides", "phone_daily_overrides",
             "user_create_daily"}
WORLDS_DIRS = (Path(__file__).resolve().parent / "worlds",  # installed package data
               Path(__file__).resolve().parent.parent / "worlds")  # source tree / editable install


class WorldError(ValueError):
    """The world file is invalid; the message names the offending place."""


# ---- reading the source ----------------------------------------------------------------------
def packaged_worlds():
    """Names of the world files shipped with zoomsim (e.g. 'cases', 'demo')."""
    names = set()
    for folder in WORLDS_DIRS:
        if folder.is_dir():
            names.update(p.stem for p in folder.glob("*.yml"))
    return sorted(names)


def resolve_world_path(name):
    """Path of a packaged world given its bare name ('cases' or 'cases.yml'), else None."""
    stem = name[:-4] if name.endswith(".yml") else name
    for folder in WORLDS_DIRS:
        candidate = folder / (stem + ".yml")
        if candidate.is_file():
            return candidate
    return None


def read_source(source):
    """Turn a path, a packaged world name, YAML/JSON text or a dict into a fresh dict."""
    if source is None:
        source = "cases"
    if isinstance(source, dict):
        return copy.deepcopy(source)
    if isinstance(source, (bytes, bytearray)):
        text = bytes(source).decode("utf-8")
    elif isinstance(source, Path) or _looks_like_name(source):
        path = Path(source)
        if not path.is_file():
            path = resolve_world_path(str(source)) or path
        if not path.is_file():
            raise WorldError("world file not found: %s (packaged worlds: %s)" % (source, ", ".join(packaged_worlds())))
        text = path.read_text(encoding="utf-8")
    else:
        text = source
    try:
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        raise WorldError("world file is not valid YAML: %s" % exc) from exc
    if data is None:
        data = {}
    if not isinstance(data, dict):
        raise WorldError("a world file must be a mapping at the top level")
    return data


def _looks_like_name(text):
    """A path or packaged world name rather than YAML text."""
    return "\n" not in text and ":" not in text and not text.lstrip().startswith(("{", "["))


# ---- small validators ------------------------------------------------------------------------
def _check_keys(where, data, allowed):
    if not isinstance(data, dict):
        raise WorldError("%s: expected a mapping, got %r" % (where, data))
    unknown = sorted(set(data) - set(allowed))
    if unknown:
        raise WorldError("%s: unknown key(s) %s (allowed: %s)" % (where, ", ".join(unknown), ", ".join(sorted(allowed))))


def _list(where, value):
    if value is None:
        return []
    if not isinstance(value, list):
        raise WorldError("%s: expected a list" % where)
    return value


def _email(where, value):
    if not isinstance(value, str) or value.count("@") != 1 or value.startswith("@") or value.endswith("@"):
        raise WorldError("%s: %r is not an email address" % (where, value))
    return value


def _parse_time(where, value):
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, datetime.datetime):
        when = value if value.tzinfo else value.replace(tzinfo=datetime.timezone.utc)
        return when.timestamp()
    try:
        when = datetime.datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError as exc:
        raise WorldError("%s: %r is not an ISO-8601 date-time or epoch seconds" % (where, value)) from exc
    return (when if when.tzinfo else when.replace(tzinfo=datetime.timezone.utc)).timestamp()


def iso(epoch):
    """ISO-8601 UTC text for a simulated time."""
    return datetime.datetime.fromtimestamp(epoch, datetime.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


class _Ids:
    """Deterministic Zoom-looking ids (22 chars of [A-Za-z0-9_-]) from the world's seed."""

    ALPHABET = string.ascii_letters + string.digits + "-_"

    def __init__(self, seed):
        self._rng = random.Random(str(seed))

    def new(self, length=22):
        return "".join(self._rng.choice(self.ALPHABET) for _attempt in range(length))

    def digits(self, length):
        return "".join(self._rng.choice(string.digits) for _attempt in range(length))


# ---- the loader ------------------------------------------------------------------------------
def load_world(source=None):
    """Build a `World` from a path, a packaged world name ('cases'), YAML text or a dict."""
    data = read_source(source)
    _check_keys("world", data, SECTIONS)
    world = World()
    world.source = copy.deepcopy(data)
    ids = _Ids(data.get("seed", (data.get("account") or {}).get("id", "demo-account")))
    _load_clock(world, data.get("clock") or {})
    _load_account(world, data.get("account") or {})
    _load_behaviour(world, data.get("behaviour") or {})
    _load_credentials(world, data.get("credentials"))
    _load_sites_and_plans(world, ids, data.get("phone") or {})
    _load_users(world, ids, _list("users", data.get("users")))
    _load_numbers(world, ids, data.get("phone") or {})
    _load_phone_users(world, ids, _list("users", data.get("users")))
    _load_others(world, ids, data)
    _load_runtime(world, data)
    _check_world(world)
    return world


def _load_clock(world, clock):
    _check_keys("clock", clock, {"start", "frozen"})
    start = _parse_time("clock.start", clock["start"]) if "start" in clock else 1767225600.0
    world.clock = Clock(start=start, frozen=bool(clock.get("frozen", False)))


def _load_account(world, account):
    allowed = {f.name for f in dataclasses.fields(Account)}
    _check_keys("account", account, allowed)
    values = dict(account)
    plan = str(values.get("plan", "business")).lower()
    if plan not in PLANS:
        raise WorldError("account.plan: %r is not one of %s" % (plan, ", ".join(sorted(PLANS))))
    values["plan"] = PLANS[plan]
    for key in ("associated_domains", "managed_domains"):
        values[key] = [str(d).lower() for d in _list("account." + key, values.get(key))]
    world.account = Account(**values)


def _load_behaviour(world, behaviour):
    fields = {f.name: f for f in dataclasses.fields(Behaviour)}
    _check_keys("behaviour", behaviour, fields)
    world.behaviour = Behaviour(**behaviour)


def _load_credentials(world, credentials):
    if credentials is None:
        credentials = [dict(DEFAULT_CREDENTIAL)]
    for index, item in enumerate(_list("credentials", credentials)):
        where = "credentials[%d]" % index
        _check_keys(where, item, {"client_id", "client_secret", "account_id"})
        if not item.get("client_id") or not item.get("client_secret"):
            raise WorldError("%s: client_id and client_secret are required" % where)
        world.credentials.append(Credential(str(item["client_id"]), str(item["client_secret"]),
                                            str(item.get("account_id", world.account.id))))


def _load_sites_and_plans(world, ids, phone):
    _check_keys("phone", phone, PHONE_KEYS)
    sites = _list("phone.sites", phone.get("sites"))
    for index, item in enumerate(sites):
        where = "phone.sites[%d]" % index
        _check_keys(where, item, SITE_KEYS)
        if not item.get("name"):
            raise WorldError("%s: name is required" % where)
        site = Site(id=str(item.get("id") or ids.new()), name=str(item["name"]),
                    site_code=str(item.get("site_code", "")), main=bool(item.get("main", False)))
        if any(s.name.casefold() == site.name.casefold() for s in world.sites.values()):
            raise WorldError("%s: duplicate site name %r" % (where, site.name))
        world.sites[site.id] = site
    if world.sites and not any(s.main for s in world.sites.values()):
        next(iter(world.sites.values())).main = True
    if sum(1 for s in world.sites.values() if s.main) > 1:
        raise WorldError("phone.sites: only one site can be the main site")
    for index, item in enumerate(_list("phone.calling_plans", phone.get("calling_plans"))):
        where = "phone.calling_plans[%d]" % index
        _check_keys(where, item, PLAN_KEYS)
        if "type" not in item or "name" not in item:
            raise WorldError("%s: type and name are required" % where)
        plan = CallingPlan(type=int(item["type"]), name=str(item["name"]), subscribed=int(item.get("subscribed", 0)),
                           billing_account_id=str(item.get("billing_account_id", "")))
        if plan.type in world.calling_plans:
            raise WorldError("%s: duplicate plan type %d" % (where, plan.type))
        world.calling_plans[plan.type] = plan
    if "provisioning_delay" in phone:
        world.behaviour.phone_provisioning_delay = float(phone["provisioning_delay"])


def _site_id(world, where, name):
    if name is None:
        main = [s for s in world.sites.values() if s.main]
        if not main:
            raise WorldError("%s: no site given and the world has no phone.sites" % where)
        return main[0].id
    for site in world.sites.values():
        if site.name.casefold() == str(name).casefold() or site.id == name:
            return site.id
    raise WorldError("%s: unknown site %r (phone.sites: %s)" % (where, name, ", ".join(s.name for s in world.sites.values())))


def _load_users(world, ids, users):
    now = world.clock.now()
    for index, item in enumerate(users):
        where = "users[%d]" % index
        _check_keys(where, item, USER_KEYS)
        email = _email(where + ".email", item.get("email"))
        where = "users[%d] (%s)" % (index, email)
        if world.user_by_email(email):
            raise WorldError("%s: duplicate email (emails compare case-insensitively)" % where)
        user = User(id=str(item.get("id") or ids.new()), email=email)
        _apply_user_fields(world, where, user, item, now)
        if user.status == "pending":
            _make_pending(world, where, user, item, now, ids)
        world.users[user.id] = user
    owners = [u for u in world.users.values() if u.is_owner]
    if not owners:
        owner = world.user_by_email(world.account.owner_email)
        if owner is not None:
            owner.role_id = "0"
            owners = [owner]
    if len(owners) > 1:
        raise WorldError("users: more than one owner (%s)" % ", ".join(u.email for u in owners))
    if owners:
        world.account.owner_email = owners[0].email


def _apply_user_fields(world, where, user, item, now):
    simple = ("first_name", "last_name", "job_title", "timezone", "language", "phone_number", "cost_center",
              "employee_number", "organization", "manager", "external_id")
    for key in simple:
        if key in item:
            setattr(user, key, "" if item[key] is None else str(item[key]))
    user.dept = str(item.get("department", item.get("dept", "")) or "")
    user.display_name = str(item.get("display_name") or " ".join(p for p in (user.first_name, user.last_name) if p))
    user.type = int(item.get("type", 1))
    if user.type not in (1, 2, 4, 99):
        raise WorldError("%s: type %r is not one of 1, 2, 4, 99" % (where, user.type))
    user.status = str(item.get("status", "active"))
    if user.status not in STATUSES:
        raise WorldError("%s: status %r is not one of %s" % (where, user.status, ", ".join(STATUSES)))
    user.role_id = _role_id(where, item)
    user.login_types = _login_types(where, item)
    user.created_at = now - float(item.get("created_days_ago", 400)) * DAY
    if item.get("last_login_days_ago") is not None:
        user.last_login_time = now - float(item["last_login_days_ago"]) * DAY
    for key in ("meetings", "recordings", "webinars", "whiteboards"):
        setattr(user, key, int(item.get(key, 0)))
    user.feature_zoom_phone = bool(item.get("feature_zoom_phone", "phone" in item))
    if user.status != "pending" and (item.get("pending_reason") or "invited_days_ago" in item):
        raise WorldError("%s: pending_reason/invited_days_ago need status: pending" % where)


def _role_id(where, item):
    if "role_id" in item:
        role_id = str(item["role_id"])
    else:
        role = str(item.get("role", "member")).lower()
        if role not in ROLES:
            raise WorldError("%s: role %r is not one of owner, admin, member" % (where, role))
        role_id = ROLES[role]
    return role_id


def _login_types(where, item):
    if "login_types" in item:
        return [int(x) for x in _list(where + ".login_types", item["login_types"])]
    # an `action=create` invitation (pending_reason invited, the default) is an email login, as POST /users makes it
    invited = item.get("status") == "pending" and item.get("pending_reason", "invited") == "invited"
    login = item.get("login", "email" if invited else "sso")
    names = login if isinstance(login, list) else [login]
    try:
        return [LOGIN_TYPES[str(n)] for n in names]
    except KeyError as exc:
        raise WorldError("%s: login %r is not sso or email" % (where, login)) from exc


def _make_pending(world, where, user, item, now, ids):
    """A pending invitee lives in a throw-away account until they accept (§4.4), for 30 days (§2.11)."""
    user.pending_reason = str(item.get("pending_reason", "invited"))
    if user.pending_reason not in PENDING_REASONS:
        raise WorldError("%s: pending_reason %r is not one of %s" % (where, user.pending_reason, ", ".join(PENDING_REASONS)))
    if user.is_owner:
        raise WorldError("%s: the owner cannot be pending" % where)
    invited = float(item.get("invited_days_ago", 1))
    user.invite_expires_at = now - invited * DAY + world.behaviour.invitation_lifetime_days * DAY
    user.created_at = now - invited * DAY
    user.holder_account = str(item.get("holder_account") or ids.new())
    user.last_login_time = None


def _load_numbers(world, ids, phone):
    for index, item in enumerate(_list("phone.numbers", phone.get("numbers"))):
        where = "phone.numbers[%d]" % index
        if isinstance(item, str):
            item = {"number": item}
        _check_keys(where, item, NUMBER_KEYS)
        _add_number(world, ids, where, item)


def _add_number(world, ids, where, item):
    number = str(item.get("number", ""))
    if not number.startswith("+") or not number[1:].isdigit():
        raise WorldError("%s: number %r is not E.164 (+ and digits)" % (where, number))
    if any(n.number == number for n in world.numbers.values()):
        raise WorldError("%s: duplicate number %s" % (where, number))
    site = item.get("site")
    entry = PhoneNumber(id=str(item.get("id") or ids.new()), number=number,
                        site_id=_site_id(world, where, site) if site is not None else None,
                        number_type=str(item.get("number_type", "toll")), source=str(item.get("source", "internal")),
                        status=str(item.get("status", "available")))
    if item.get("assignee"):
        owner = world.user_by_email(item["assignee"])
        if owner is None:
            raise WorldError("%s: assignee %r is not a user of the world" % (where, item["assignee"]))
        entry.assignee_id = owner.id
    world.numbers[entry.id] = entry
    return entry


def _load_phone_users(world, ids, users):
    for item in users:
        if "phone" not in item:
            continue
        user = world.user_by_email(item["email"])
        where = "users (%s).phone" % user.email
        block = item["phone"] or {}
        _check_keys(where, block, PHONE_USER_KEYS)
        if user.status == "pending":
            raise WorldError("%s: pending users have no phone user (§5.8)" % where)
        site_id = _site_id(world, where, block.get("site"))
        extension = block.get("extension")
        if extension is not None and world.extension_owner(int(extension)):
            raise WorldError("%s: extension %s is already taken" % (where, extension))
        phone = PhoneUser(user_id=user.id, phone_user_id=str(block.get("phone_user_id") or ids.new()),
                          extension_id=str(block.get("extension_id") or ids.new()),
                          extension_number=int(extension) if extension is not None else _free_extension(world),
                          site_id=site_id, ready_at=_ready_at(world, block.get("ready_in_seconds", 0)),
                          status=str(block.get("status", "activate")))
        for plan_type in _list(where + ".calling_plans", block.get("calling_plans")):
            if int(plan_type) not in world.calling_plans:
                raise WorldError("%s: calling plan %s is not in phone.calling_plans" % (where, plan_type))
            phone.calling_plans.append(int(plan_type))
        world.phone_users[user.id] = phone
        user.feature_zoom_phone = True
        for number in _list(where + ".numbers", block.get("numbers")):
            _assign_number(world, ids, where, user, site_id, str(number))


def _ready_at(world, ready_in_seconds):
    """World phone users are ready at t=0 unless the file delays them."""
    delay = float(ready_in_seconds or 0)
    return world.clock.now() + delay if delay > 0 else world.clock.now() - 1.0


def _free_extension(world):
    taken = {p.extension_number for p in world.phone_users.values()}
    return next(n for n in range(1000, 99999) if n not in taken)


def _assign_number(world, ids, where, user, site_id, number):
    entry = next((n for n in world.numbers.values() if n.number == number), None)
    if entry is None:  # convenience: a number named only in a user's block joins the inventory
        entry = _add_number(world, ids, where, {"number": number})
        entry.site_id = site_id
    if entry.assignee_id and entry.assignee_id != user.id:
        raise WorldError("%s: number %s is already assigned to another user" % (where, number))
    entry.assignee_id = user.id


def _load_others(world, ids, data):
    for index, item in enumerate(_list("dead_invitations", data.get("dead_invitations"))):
        where = "dead_invitations[%d]" % index
        _check_keys(where, item, {"email", "state", "holder_account"})
        email = _email(where + ".email", item.get("email"))
        state = str(item.get("state", "expired"))
        if state not in ("expired", "deleted"):
            raise WorldError("%s: state %r is not expired or deleted" % (where, state))
        world.dead_invitations[email.casefold()] = DeadInvitation(email, state, str(item.get("holder_account") or ids.new()))
    for index, item in enumerate(_list("external_accounts", data.get("external_accounts"))):
        where = "external_accounts[%d]" % index
        _check_keys(where, item, {"email", "kind"})
        email = _email(where + ".email", item.get("email"))
        kind = str(item.get("kind", "personal"))
        if kind not in ("personal", "other_business"):
            raise WorldError("%s: kind %r is not personal or other_business" % (where, kind))
        world.external_accounts[email.casefold()] = ExternalAccount(email, kind)


def _load_runtime(world, data):
    rate = data.get("rate_limits") or {}
    _check_keys("rate_limits", rate, RATE_KEYS)
    tier = rate.get("tier")
    if tier is not None and str(tier).lower() not in PLANS:
        raise WorldError("rate_limits.tier: %r is not one of %s" % (tier, ", ".join(sorted(PLANS))))
    world.rate_limits = dict(rate)
    if tier is not None:
        world.rate_limits["tier"] = PLANS[str(tier).lower()]
    world.rate_limits_enabled = bool(rate.get("enabled", True))
    latency = data.get("latency") or {}
    _check_keys("latency", latency, {"ms", "jitter_ms"})
    world.latency_ms = float(latency.get("ms", 0))
    world.latency_jitter_ms = float(latency.get("jitter_ms", 0))
    try:
        world.faults = FaultPlan.from_dict(data.get("faults") or {})
    except FaultPlanError as exc:
        raise WorldError("faults: %s" % exc) from exc


def _check_world(world):
    users = {u.email.casefold() for u in world.users.values()}
    for user in world.users.values():
        if user.manager and user.manager.casefold() not in users:
            raise WorldError("users (%s): manager %r is not a user of the world" % (user.email, user.manager))
    for plan in world.calling_plans.values():
        used = world.plan_assigned_count(plan.type)
        if used > plan.subscribed:
            raise WorldError("phone.calling_plans (%d): %d users hold it but only %d are subscribed" % (plan.type, used, plan.subscribed))
    for cred in world.credentials:
        if not cred.account_id:
            raise WorldError("credentials: account_id missing for %s" % cred.client_id)


# ---- dumping ---------------------------------------------------------------------------------
def dump_world(world, mask_secrets=True):
    """The world's current state in world-file form (plus ids), for GET /_sim/state.

    `load_world(dump_world(w, mask_secrets=False))` rebuilds an equivalent world (times are kept
    relative to the world clock). Client secrets are masked unless asked otherwise.
    """
    now = world.clock.now()
    return {
        "clock": {"start": iso(now), "frozen": world.clock.frozen},
        "account": dataclasses.asdict(world.account),
        "credentials": [{"client_id": c.client_id, "client_secret": MASK if mask_secrets else c.client_secret,
                         "account_id": c.account_id} for c in world.credentials],
        "users": [_dump_user(world, u, now) for u in world.users.values()],
        "dead_invitations": [{"email": d.email, "state": d.state, "holder_account": d.holder_account}
                             for d in world.dead_invitations.values()],
        "external_accounts": [{"email": e.email, "kind": e.kind} for e in world.external_accounts.values()],
        "phone": {
            "sites": [dataclasses.asdict(s) for s in world.sites.values()],
            "calling_plans": [dict(dataclasses.asdict(p), assigned=world.plan_assigned_count(p.type))
                              for p in world.calling_plans.values()],
            "numbers": [_dump_number(world, n) for n in world.numbers.values()],
            "provisioning_delay": world.behaviour.phone_provisioning_delay,
        },
        "rate_limits": dict(world.rate_limits, enabled=world.rate_limits_enabled),
        "latency": {"ms": world.latency_ms, "jitter_ms": world.latency_jitter_ms},
        "faults": world.faults.to_dict() if world.faults else {},
        "behaviour": dataclasses.asdict(world.behaviour),
        "observed": {"now": now, "now_iso": iso(now), "pending_expire_at": {
            u.email: iso(u.invite_expires_at) for u in world.users.values() if u.invite_expires_at is not None},
            "tokens": {"live": sum(1 for t in world.tokens.values() if not t.revoked and t.expires_at > now),
                       "total": len(world.tokens)}},
    }


def _dump_user(world, user, now):
    item = {
        "id": user.id, "email": user.email, "first_name": user.first_name, "last_name": user.last_name,
        "display_name": user.display_name, "type": user.type, "status": user.status,
        "role": ROLE_NAMES.get(user.role_id, "member"), "role_id": user.role_id, "department": user.dept,
        "job_title": user.job_title, "timezone": user.timezone, "language": user.language,
        "phone_number": user.phone_number, "cost_center": user.cost_center, "employee_number": user.employee_number,
        "organization": user.organization, "manager": user.manager, "external_id": user.external_id,
        "login_types": list(user.login_types), "created_days_ago": round((now - user.created_at) / DAY, 6),
        "feature_zoom_phone": user.feature_zoom_phone,
        "meetings": user.meetings, "recordings": user.recordings, "webinars": user.webinars, "whiteboards": user.whiteboards,
    }
    if user.last_login_time is not None:
        item["last_login_days_ago"] = round((now - user.last_login_time) / DAY, 6)
    if user.status == "pending":
        lifetime = world.behaviour.invitation_lifetime_days * DAY
        item.update(pending_reason=user.pending_reason, holder_account=user.holder_account,
                    invited_days_ago=round((now - ((user.invite_expires_at or now) - lifetime)) / DAY, 6))
        item.pop("created_days_ago")
    phone = world.phone_users.get(user.id)
    if phone is not None:
        site = world.sites.get(phone.site_id)
        item["phone"] = {
            "phone_user_id": phone.phone_user_id, "extension_id": phone.extension_id,
            "extension": phone.extension_number, "site": site.name if site else phone.site_id,
            "calling_plans": list(phone.calling_plans), "status": phone.status,
            "numbers": [n.number for n in world.numbers_of(user.id)],
            "ready_in_seconds": max(0.0, phone.ready_at - now),
        }
    return item


def _dump_number(world, number):
    site = world.sites.get(number.site_id) if number.site_id else None
    assignee = world.users.get(number.assignee_id) if number.assignee_id else None
    item = {"id": number.id, "number": number.number, "site": site.name if site else None,
            "number_type": number.number_type, "source": number.source, "status": number.status}
    if assignee is not None:
        item["assignee"] = assignee.email
    return item


def describe(world):
    """One-line summary for the CLI."""
    counts = {s: sum(1 for u in world.users.values() if u.status == s) for s in STATUSES}
    return "account %s (%s): %d users (%s), %d phone users, %d numbers, %d sites" % (
        world.account.id, world.account.plan, len(world.users),
        ", ".join("%d %s" % (n, s) for s, n in counts.items()), len(world.phone_users), len(world.numbers), len(world.sites))


def env_world_default():
    """World used when none is given: $ZOOMSIM_WORLD or the packaged 'cases'."""
    return os.environ.get("ZOOMSIM_WORLD") or "cases"
