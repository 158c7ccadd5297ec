"""Shared helpers for test_users_*.py and test_scim_*.py (no tests here).

`simulator(world)` yields a handle with `.url`, `.world`, `.call(method, path, **requests_kwargs)`
(authenticated, returns a requests.Response) and `.advance(seconds)`: the real HTTP server from
`zoomsim.testing.running_simulator` when that module is present, else an in-process dispatcher with
the same interface (routing + handlers + Zoom's error bodies, no auth/rate limits), so the handler
tests run before and after the server lands.

`assert_shape(spec, operation, status, body)` validates a success body against Zoom's raw spec.
"""

import contextlib
import copy
import json as _json
import urllib.parse

# importing zoomsim.handlers registers the routes
import zoomsim.handlers  # noqa: F401  pylint: disable=unused-import
from zoomsim.routing import ApiError, Request, ScimError, match
from zoomsim.validation import read_raw_spec
from zoomsim.world import load_world

try:  # sim-core's HTTP fixture
    from zoomsim.testing import running_simulator as _running_simulator
except ImportError:  # pragma: no cover - only before testing.py exists
    _running_simulator = None

try:
    from zoomsim.validation import validate_request as _validate_request
    from zoomsim.validation import validate_response as _validate_response
except ImportError:  # pragma: no cover
    _validate_request = _validate_response = None

ACCOUNT_ID = "acct-users-scim"

BASE_WORLD = {
    "seed": "users-scim-tests",
    "clock": {"start": "2026-03-02T09:00:00Z"},
    "account": {
        "id": ACCOUNT_ID,
        "plan": "business",
        "owner_email": "owner@example.com",
        "sso_enabled": True,
        "sso_preprovisioning": True,
        "associated_domains": ["example.com"],
        "managed_domains": ["example.com", "corp.example.org"],
        "phone_licenses": 20,
    },
    "users": [
        {"id": "owner0000000000000000a", "email": "owner@example.com", "first_name": "Olga", "last_name": "Owner",
         "role": "owner", "type": 2, "login": "email"},
        {"id": "admin0000000000000000a", "email": "admin@example.com", "first_name": "Adam", "last_name": "Admin",
         "role": "admin", "type": 2},
        {"id": "alice000000000000000aa", "email": "alice@example.com", "first_name": "Alice", "last_name": "Active",
         "department": "Sales", "job_title": "Rep", "organization": "Example Inc", "cost_center": "CC1",
         "employee_number": "E1", "manager": "admin@example.com", "meetings": 3, "recordings": 2, "webinars": 1,
         "whiteboards": 4},
        {"id": "worker00000000000000aa", "email": "worker@example.com", "first_name": "Will", "last_name": "Worker",
         "login": "email"},
        {"id": "ina000000000000000000a", "email": "inactive@example.com", "first_name": "Ina", "last_name": "Inactive",
         "status": "inactive"},
        {"id": "pend000000000000000000", "email": "pending@example.com", "status": "pending", "invited_days_ago": 2},
        {"id": "phone00000000000000000", "email": "phone@example.com", "first_name": "Pho", "last_name": "Ne",
         "phone": {"extension": 2001, "calling_plans": [200], "numbers": ["+14155550101"]}},
        {"id": "plus000000000000000000", "email": "first+tag@example.com", "first_name": "Plus", "last_name": "Tag"},
    ],
    "dead_invitations": [
        {"email": "expired@example.com", "state": "expired"},
        {"email": "deleted@example.com", "state": "deleted"},
    ],
    "external_accounts": [
        {"email": "personal@example.com", "kind": "personal"},
        {"email": "taken@example.com", "kind": "other_business"},
        {"email": "someone@gmail.com", "kind": "personal"},
    ],
    "phone": {
        "sites": [{"id": "site-main", "name": "Main Site", "main": True}, {"id": "site-lon", "name": "London"}],
        "calling_plans": [{"type": 200, "name": "US/CA Unlimited Calling Plan", "subscribed": 10},
                          {"type": 3000, "name": "Zoom Phone Pro", "subscribed": 10}],
        "numbers": ["+14155550101", "+14155550102", "+14155550103"],
        "provisioning_delay": 3,
    },
    "rate_limits": {"enabled": False},
}


def world_dict(**changes):
    """BASE_WORLD with top-level sections replaced / `account` and `behaviour` merged."""
    data = copy.deepcopy(BASE_WORLD)
    for key, value in changes.items():
        if key in ("account", "behaviour") and isinstance(value, dict):
            data.setdefault(key, {}).update(value)
        else:
            data[key] = value
    return data


# ---- the in-process fallback ---------------------------------------------------------------------
class _DirectResponse:
    def __init__(self, status, body, content_type, headers=None):
        self.status_code = status
        self.content = b"" if body is None else _json.dumps(body).encode("utf-8")
        self.headers = dict(headers or {})
        if content_type and self.content:
            self.headers["Content-Type"] = content_type
        self.headers["Content-Length"] = str(len(self.content))

    @property
    def text(self):
        return self.content.decode("utf-8")

    def json(self):
        return _json.loads(self.content.decode("utf-8"))


class _DirectHandle:
    """Dispatches like the server would: request checks against the raw spec, handler, Zoom's error
    bodies (no auth, rate limits or faults)."""

    def __init__(self, world):
        self.world = world
        self.url = "http://zoomsim.invalid"

    def advance(self, seconds):
        self.world.clock.advance(seconds)

    def call(self, method, path, params=None, json=None, data=None, headers=None, **_ignored):  # noqa: A002
        raw_path, _sep, raw_query = path.partition("?")
        query = urllib.parse.parse_qs(raw_query, keep_blank_values=True)  # form decoding: '+' -> ' '
        for key, value in (params or {}).items():
            query.setdefault(key, []).append(str(value).lower() if isinstance(value, bool) else str(value))
        decoded = "/".join(urllib.parse.unquote(seg) for seg in raw_path.split("/"))
        body = b""
        if json is not None:
            body = _json.dumps(json).encode("utf-8")
        elif data is not None:
            body = data if isinstance(data, bytes) else str(data).encode("utf-8")
        found, params_or_reason = match(method, decoded)
        if found is None:
            return _DirectResponse(404, {"code": 2300, "message": "This API endpoint is not recognized."},
                                   "application/json")
        req = Request(method=method.upper(), path=decoded, query=query,
                      headers={k.lower(): v for k, v in (headers or {}).items()}, body=body,
                      path_params=params_or_reason, world=self.world, account_id=self.world.account.id)
        with self.world.lock:
            try:
                if _validate_request is not None and self.world.behaviour.validate_requests:
                    _validate_request(found, req)
                resp = found.handler(req)
            except ApiError as exc:
                return _DirectResponse(exc.status, exc.body(), "application/json;charset=UTF-8", exc.headers)
            except ScimError as exc:
                return _DirectResponse(exc.status, exc.body(), "application/scim+json")
        return _DirectResponse(resp.status, resp.body, resp.content_type, resp.headers)


@contextlib.contextmanager
def simulator(world=None):
    """A running simulator for `world` (a world dict; default BASE_WORLD)."""
    source = copy.deepcopy(world if world is not None else BASE_WORLD)
    if _running_simulator is not None:
        context = _running_simulator(source)
    else:
        context = contextlib.nullcontext(_DirectHandle(load_world(source)))
    with context as handle:
        yield handle


HTTP = _running_simulator is not None


def scim_filter_url(value, quoted=True, encode_plus=True):
    """/scim2/Users?filter=userName eq ... built by hand so the test controls '+' encoding."""
    text = 'userName eq "%s"' % value if quoted else "userName eq %s" % value
    encoded = urllib.parse.quote(text, safe="@") if encode_plus else urllib.parse.quote(text, safe="@+")
    return "/scim2/Users?filter=" + encoded


# ---- response shapes -----------------------------------------------------------------------------
_OPS = {}


def _operation(spec, operation):
    if spec not in _OPS:
        doc = read_raw_spec(spec)
        _OPS[spec] = {op["operationId"]: op for item in doc["paths"].values() for op in item.values()
                      if isinstance(op, dict) and "operationId" in op}
    return _OPS[spec][operation]


def _lenient(schema):
    """oneOf -> anyOf: several of Zoom's oneOf branches have no required keys, so every object
    matches more than one branch (e.g. userSettings); strict oneOf would reject any body."""
    if isinstance(schema, dict):
        return {("anyOf" if k == "oneOf" else k): _lenient(v) for k, v in schema.items()}
    if isinstance(schema, list):
        return [_lenient(v) for v in schema]
    return schema


def assert_shape(spec, operation, status, body):
    """`status` is a documented success for `operation` and `body` matches the spec's schema."""
    from openapi_schema_validator import OAS30Validator  # noqa: PLC0415
    from jsonschema import FormatChecker  # noqa: PLC0415

    op = _operation(spec, operation)
    key = str(status)
    if operation == "userStatus" and status == 204:  # §2.8: spec says 200 without body
        key = "200"
    assert key in op["responses"], "%s: %s not among %s" % (operation, status, list(op["responses"]))
    content = op["responses"][key].get("content")
    if content is None:
        assert body in (None, b"", ""), "%s: spec declares no body for %s" % (operation, status)
        return
    schema = next(iter(content.values()))["schema"]
    OAS30Validator(_lenient(schema), format_checker=FormatChecker()).validate(body)


def check_shape(spec, operation, response):
    """assert_shape on a requests-like response (JSON body or none), plus sim-core's validate_response
    (openapi-core, with its known-spec-defect patches, e.g. SCIM answers as application/scim+json).
    Over HTTP the server also checks every answer itself (tests/conftest.py: ZOOMSIM_VALIDATE_RESPONSES)."""
    body = response.json() if response.content else None
    assert_shape(spec, operation, response.status_code, body)
    if _validate_response is not None:
        errors = _validate_response(spec, "GET", "", response.status_code, response.content,
                                    response.headers.get("Content-Type") if response.content else None,
                                    operation=operation)
        assert errors == [], errors
    return body
