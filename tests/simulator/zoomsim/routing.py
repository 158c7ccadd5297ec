"""How handlers plug into the server.

A handler is a function `handler(req: Request) -> Response` registered with `@route(...)`. The
server (zoomsim.server) matches the path, checks the bearer token, applies latency, faults and
rate limits, validates the request against Zoom's raw OpenAPI spec for `operation` (when `spec`
is set), takes `world.lock`, calls the handler, turns `ApiError`/`ScimError` into Zoom's error
bodies, and logs the call. Handlers only implement Zoom's behaviour on the world.
"""

import json
import re
from dataclasses import dataclass, field
from typing import Any, Callable, Dict, List, Optional


@dataclass
class Request:
    method: str
    path: str  # without query string, e.g. /v2/users/a@b.com (percent-decoded per segment)
    query: Dict[str, List[str]]  # parsed query string (form decoding: a raw '+' becomes ' ')
    headers: Dict[str, str]  # lower-cased names
    body: bytes
    path_params: Dict[str, str]
    world: Any  # zoomsim.model.World
    account_id: Optional[str] = None  # from the bearer token
    sim: Any = None  # zoomsim.server.SimState (the control routes use it to swap worlds)
    route: Any = None  # the matched Route

    def arg(self, name, default=None):
        values = self.query.get(name)
        return values[0] if values else default

    @property
    def json(self):
        if not self.body:
            return None
        return json.loads(self.body.decode("utf-8"))


@dataclass
class Response:
    status: int
    body: Any = None  # dict/list -> JSON; None -> empty body
    headers: Dict[str, str] = field(default_factory=dict)
    content_type: Optional[str] = "application/json;charset=UTF-8"


class ApiError(Exception):
    """Zoom REST error: HTTP status with body {"code": ..., "message": ..., ["errors": [...]]}."""

    def __init__(self, status, code, message, errors=None, headers=None, log_detail=None):
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message
        self.errors = errors
        self.headers = headers or {}
        self.log_detail = log_detail  # why, for the request log (Zoom's answer may not say)

    def body(self):
        body = {"code": self.code, "message": self.message}
        if self.errors:
            body["errors"] = self.errors
        return body


class ScimError(Exception):
    """Zoom SCIM2 error: {"schemas": [Error URN], "detail": ..., "status": <number>} (§4.1)."""

    URN = "urn:ietf:params:scim:api:messages:2.0:Error"

    def __init__(self, status, detail, log_detail=None):
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.log_detail = log_detail  # why, for the request log

    def body(self):
        return {"schemas": [self.URN], "detail": self.detail, "status": self.status}


@dataclass
class Route:
    method: str
    template: str  # e.g. /v2/users/{userId}
    handler: Callable
    operation: str  # Zoom operationId
    label: str  # Light | Medium | Heavy | Resource-intensive | none
    family: str  # standard | phone | scim | oauth | sim
    spec: Optional[str]  # users | phone | scim2 | accounts | None (no validation)
    write: bool
    auth: bool
    regex: Any = None


ROUTES: List[Route] = []


def route(method, template, *, operation, label="Light", family="standard", spec=None, write=None, auth=True):
    """Register a handler. `write` defaults to True for every method but GET."""

    def decorator(func):
        pattern = "^" + re.sub(r"\{(\w+)\}", r"(?P<\1>[^/]+)", template) + "/?$"
        ROUTES.append(Route(method.upper(), template, func, operation, label, family, spec,
                            method.upper() != "GET" if write is None else write, auth, re.compile(pattern)))
        return func

    return decorator


def match(method, path):
    """Return (route, path_params), (None, 'method') when only the method differs, or (None, None)."""
    method_mismatch = False
    # literal segments win over parameters: /v2/users/email before /v2/users/{userId}
    for candidate in sorted(ROUTES, key=lambda r: r.template.count("{")):
        found = candidate.regex.match(path)
        if not found:
            continue
        if candidate.method == method.upper():
            return candidate, found.groupdict()
        method_mismatch = True
    return None, ("method" if method_mismatch else None)
