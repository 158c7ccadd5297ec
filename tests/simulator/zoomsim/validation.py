"""Every request the simulator serves is checked against Zoom's raw OpenAPI spec for that operation.

The four raw specs (zoomsim/specs, byte-identical copies of Zoom's published files) are loaded once
per process, patched in memory with `KNOWN_SPEC_DEFECTS`, stripped of `security` (the server checks
tokens itself) and cut down to one small spec per served operation: openapi-core then has a single
path to match, which keeps validation at about a millisecond per request.

A request Zoom's spec rejects gets Zoom's answer: HTTP 400 code 300 `Validation Failed.` with
`errors: [{"field": "user_info.email", "message": "Invalid field."}]` (docs/ZOOM-API-FACTS.md §2.1, DF-8165); a
body that is not JSON gets code 300 `Request Body should be a valid JSON object.` (D-ERR). SCIM2
answers its own error body with status 400 (§4.1, §4.5 texts).
"""

import copy
import gzip
import json
import re
import threading
from pathlib import Path

from openapi_schema_validator import OAS30WriteValidator, oas30_format_checker

from zoomsim.routing import ApiError, ScimError

SPEC_DIR = Path(__file__).resolve().parent / "specs"
SPEC_FILES = {"users": "users-api.json", "phone": "phone-api.json", "scim2": "scim2-api.json", "accounts": "accounts-api.json"}
HOST = "https://api.zoom.us"
BASES = {"users": "/v2", "phone": "/v2", "accounts": "/v2", "scim2": ""}
METHODS = ("get", "put", "post", "delete", "options", "head", "patch", "trace")
JSON_BODY_MESSAGE = "Request Body should be a valid JSON object."
SCIM_JSON_MESSAGE = "The request body must be in JSON format."
SCIM_TYPES = ("application/scim+json",)

# ---- the one place that lists where Zoom's published specs disagree with Zoom ----------------------
# Each entry is applied to the in-memory copy of the raw spec before use. `fix` names a function
# below; `source` says who established the defect.
KNOWN_SPEC_DEFECTS = [
    {"spec": "phone", "method": "post", "path": "/phone/users/{userId}/calling_plans", "fix": "rename_status",
     "args": {"old": "200", "new": "201"},
     "what": "assignCallingPlan really answers 201, the spec says 200",
     "source": "docs/ZOOM-API-FACTS.md §5.1, §5.4 (reported: folio-sec patchSpec.js)"},
    {"spec": "phone", "method": "post", "path": "/phone/users/{userId}/phone_numbers", "fix": "rename_status",
     "args": {"old": "200", "new": "201"},
     "what": "assignPhoneNumber really answers 201, the spec says 200",
     "source": "docs/ZOOM-API-FACTS.md §5.1, §5.5 (reported: folio-sec patchSpec.js)"},
    {"spec": "phone", "method": "get", "path": "/phone/users/{userId}", "fix": "add_response_property",
     "args": {"status": "200", "at": ["calling_plans", "items"], "name": "name", "schema": {"type": "string"}},
     "what": "calling_plans[].name is returned but missing from the spec",
     "source": "docs/ZOOM-API-FACTS.md §5.2 (reported: folio-sec patchSpec.js)"},
    {"spec": "phone", "method": "get", "path": "/phone/sites", "fix": "add_response_property",
     "args": {"status": "200", "at": ["sites", "items"], "name": "level", "schema": {"type": "string"}},
     "what": "sites[].level is returned but missing from the spec",
     "source": "docs/ZOOM-API-FACTS.md §0 (PATCH: folio-sec patchSpec.js)"},
    {"spec": "users", "method": "put", "path": "/users/{userId}/status", "fix": "copy_status",
     "args": {"old": "200", "new": "204"},
     "what": "userStatus: spec says 200 without body; 204 is what the other user writes answer (switch user_status_success_code)",
     "source": "docs/ZOOM-API-FACTS.md §2.8, §8 (not established)"},
    {"spec": "users", "method": "patch", "path": "/users/{userId}/settings", "fix": "copy_status",
     "args": {"old": "204", "new": "200"},
     "what": "userSettingsUpdate: key 204 but the text says 200; accept both",
     "source": "docs/ZOOM-API-FACTS.md §2.10"},
    {"spec": "users", "method": "patch", "path": "/users/{userId}", "fix": "replace_request_property",
     "args": {"name": "pmi", "schema": {"type": "integer", "minimum": 1000000000, "maximum": 9999999999}},
     "what": "pmi is an integer constrained with string-length keywords",
     "source": "docs/ZOOM-API-FACTS.md §0 (PATCH: folio-sec patchSpec.js)"},
    {"spec": "scim2", "method": "*", "path": "*", "fix": "scim_media_type",
     "args": {},
     "what": "SCIM2 bodies are declared application/json only; IdPs send application/scim+json and Zoom very likely "
             "accepts it; answers are SCIM documents (application/scim+json)",
     "source": "docs/ZOOM-API-FACTS.md §4.1 (inferred)"},
    {"spec": "users", "method": "patch", "path": "/users/{userId}/settings", "fix": "one_of_as_any_of",
     "args": {},
     "what": "the body is a oneOf of three branches without required fields, so every body matches several and "
             "oneOf refuses all of them; Zoom picks the branch by the `option` query parameter",
     "source": "the raw spec itself (users-api.json userSettingsUpdate); docs/ZOOM-API-FACTS.md §2.10 (PSZoom sends {feature: {zoom_phone: true}})"},
    {"spec": "users", "method": "get", "path": "/users/{userId}/settings", "fix": "one_of_as_any_of",
     "args": {"status": "200"},
     "what": "same oneOf defect on the answer: four branches without required fields, every body matches several",
     "source": "the raw spec itself (users-api.json userSettings)"},
    {"spec": "phone", "method": "get", "path": "/phone/numbers", "fix": "add_query_parameter",
     "args": {"name": "phone_number", "schema": {"type": "string"},
              "description": "Filter by one phone number (E.164)."},
     "what": "the phone_number filter of listAccountPhoneNumbers is in Zoom's later phone spec but not in this copy",
     "source": "docs/ZOOM-API-FACTS.md §5.5 (documented, P-RAW)"},
    {"spec": "users", "method": "post", "path": "/users", "fix": "add_request_format",
     "args": {"at": ["user_info", "email"], "format": "email"},
     "what": "user_info.email has no format in the spec, but Zoom rejects malformed emails with 300 Validation Failed",
     "source": "docs/ZOOM-API-FACTS.md §2.1, §2.3, §7 (reported: DF-8165)"},
]


def _operation(spec, entry):
    item = spec["paths"].get(entry["path"], {})
    return item.get(entry["method"])


# Zoom's own texts for some parameter errors (documented per operation), used instead of the generic
# "Validation Failed." when that parameter is the only problem.
PARAMETER_ERRORS = {
    ("userEmail", "email"): (300, "Email is required."),  # docs/ZOOM-API-FACTS.md §2.6 (documented, D-USERS)
}


def _fix_rename_status(spec, entry, old, new):
    responses = _operation(spec, entry)["responses"]
    if old in responses and new not in responses:
        responses[new] = responses.pop(old)


def _fix_copy_status(spec, entry, old, new):
    responses = _operation(spec, entry)["responses"]
    if old in responses and new not in responses:
        responses[new] = copy.deepcopy(responses[old])


def _fix_add_response_property(spec, entry, status, at, name, schema):
    node = _operation(spec, entry)["responses"][status]["content"]["application/json"]["schema"]
    for step in at:
        node = node["items"] if step == "items" else node["properties"][step]
    node.setdefault("properties", {}).setdefault(name, schema)


def _fix_replace_request_property(spec, entry, name, schema):
    body = _operation(spec, entry)["requestBody"]["content"]["application/json"]["schema"]
    if name in body.get("properties", {}):
        body["properties"][name] = dict(schema, description=body["properties"][name].get("description", ""))


def _fix_add_request_format(spec, entry, at, format):  # pylint: disable=redefined-builtin
    node = _operation(spec, entry)["requestBody"]["content"]["application/json"]["schema"]
    for step in at:
        node = node["properties"][step]
    node.setdefault("format", format)


def _fix_add_query_parameter(spec, entry, name, schema, description):
    params = _operation(spec, entry).setdefault("parameters", [])
    if not any(p.get("name") == name and p.get("in") == "query" for p in params):
        params.append({"name": name, "in": "query", "required": False, "schema": schema, "description": description})


def _fix_one_of_as_any_of(spec, entry, status=None):
    op = _operation(spec, entry)
    holder = op["responses"][status] if status else op["requestBody"]
    schema = holder["content"]["application/json"]["schema"]
    if "oneOf" in schema:
        schema["anyOf"] = schema.pop("oneOf")


def _fix_scim_media_type(spec, _entry):
    for item in spec["paths"].values():
        for method in METHODS:
            op = item.get(method) or {}
            contents = [op.get("requestBody", {}).get("content", {})]
            contents.extend(r.get("content", {}) for r in op.get("responses", {}).values())
            for content in contents:
                if "application/json" in content:
                    for media in SCIM_TYPES:
                        content.setdefault(media, content["application/json"])


FIXES = {"rename_status": _fix_rename_status, "copy_status": _fix_copy_status,
         "add_response_property": _fix_add_response_property,
         "replace_request_property": _fix_replace_request_property, "scim_media_type": _fix_scim_media_type,
         "add_request_format": _fix_add_request_format, "one_of_as_any_of": _fix_one_of_as_any_of,
         "add_query_parameter": _fix_add_query_parameter}


# ---- loading ---------------------------------------------------------------------------------------
_SCOPES = {}  # spec name -> {operationId: (accepted scopes, granular scopes)}
_LOCK = threading.Lock()
_RAW = {}  # spec name -> patched dict
_INDEX = {}  # spec name -> {operationId: (path, method)}
_APPS = {}  # (spec, operationId) -> OpenAPI (openapi-core)


def raw_spec(name):
    """The patched, security-free spec dict (loaded once per process)."""
    with _LOCK:
        if name not in _RAW:
            _RAW[name] = _load(name)
        return _RAW[name]


def spec_path(name):
    """The spec file: `<name>-api.json`, or its gzip-compressed copy `<name>-api.json.gz` (specs/README.md)."""
    plain = SPEC_DIR / SPEC_FILES[name]
    return plain if plain.is_file() else plain.with_name(plain.name + ".gz")


def read_raw_spec(name):
    """Zoom's spec exactly as published (a fresh, unpatched dict): 'users', 'phone', 'scim2', 'accounts'."""
    path = spec_path(name)
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as handle:
        return json.load(handle)


def _load(name):
    """The patched, security-free spec; its scope table is taken first, from the same parse (called under _LOCK)."""
    spec = read_raw_spec(name)
    _SCOPES.setdefault(name, _scope_table(spec))
    spec.pop("security", None)
    for item in spec["paths"].values():
        for method in METHODS:
            if method in item:
                item[method].pop("security", None)
    for entry in KNOWN_SPEC_DEFECTS:
        if entry["spec"] == name and (entry["path"] == "*" or _operation(spec, entry) is not None):
            FIXES[entry["fix"]](spec, entry, **entry["args"])
    return spec


def operation_index(name):
    """{operationId: (path, method)} of one spec."""
    spec = raw_spec(name)
    with _LOCK:
        if name not in _INDEX:
            _INDEX[name] = {op["operationId"]: (path, method) for path, item in spec["paths"].items()
                            for method, op in item.items() if method in METHODS and "operationId" in op}
        return _INDEX[name]


def find_operation(name, operation_id):
    """(spec path, method) of an operationId, or None."""
    return operation_index(name).get(operation_id)


def app_for(name, operation_id):
    """An openapi-core app holding only this operation's path (cached; used to check responses)."""
    key = (name, operation_id)
    with _LOCK:
        app = _APPS.get(key)
    if app is not None:
        return app
    found = find_operation(name, operation_id)
    if found is None:
        return None
    spec = raw_spec(name)
    path, method = found
    item = {k: v for k, v in spec["paths"][path].items() if k not in METHODS or k == method}
    mini = {"openapi": spec["openapi"], "info": spec["info"], "servers": spec["servers"], "paths": {path: item}}
    from openapi_core import Config, OpenAPI  # pylint: disable=import-outside-toplevel  # slow import; tests only
    app = OpenAPI.from_dict(mini, config=Config(spec_validator_cls=None,
                                                extra_media_type_deserializers={m: _json_media for m in SCIM_TYPES}))
    with _LOCK:
        _APPS[key] = app
    return app


def _close_objects(schema):
    """additionalProperties: false on every object schema that lists properties (reject_unknown_fields)."""
    if not isinstance(schema, dict):
        return
    if "properties" in schema and "additionalProperties" not in schema:
        schema["additionalProperties"] = False
    for child in schema.get("properties", {}).values():
        _close_objects(child)
    _close_objects(schema.get("items"))
    for key in ("oneOf", "anyOf"):  # allOf parts are left open: closing them would reject each other's fields
        for child in schema.get(key, []):
            _close_objects(child)


# ---- requests --------------------------------------------------------------------------------------
# Requests are checked with openapi-schema-validator (the schema engine under openapi-core) against
# the operation's parameters and body, compiled once per operation: ~0.1 ms instead of openapi-core's
# 2-15 ms per request. tests/test_core_validation.py checks that both agree on sample requests.
_OPS = {}  # (spec, operationId, strict) -> _Operation


class _Param:
    def __init__(self, param):
        self.name = param["name"]
        self.location = param.get("in", "query")
        self.required = bool(param.get("required")) or self.location == "path"
        self.schema = param.get("schema") or {}
        self.explode = param.get("explode", param.get("style", "form") == "form")
        self.validator = OAS30WriteValidator(self.schema, format_checker=oas30_format_checker)

    def value(self, req, path_params):
        """The raw value(s) of this parameter in the request, or None when absent."""
        if self.location == "path":
            return path_params.get(self.name)
        if self.location == "header":
            return req.headers.get(self.name.lower())
        if self.location == "query":
            values = req.query.get(self.name)
            if not values:
                return None
            if self.schema.get("type") == "array":
                return list(values) if self.explode else values[0].split(",")
            return values[0]
        return None

    def errors(self, req, path_params):
        """[(name, reason)] of this parameter's problems ([] when it is fine)."""
        raw = self.value(req, path_params)
        if raw is None:
            return [(self.name, "required %s parameter missing" % self.location)] if self.required else []
        try:
            value = _cast(self.schema, raw)
        except ValueError:
            return [(self.name, "%r is not of type %s" % (raw, self.schema.get("type")))]
        problem = next(self.validator.iter_errors(value), None)
        return [(self.name, problem.message)] if problem is not None else []

    @property
    def maximum(self):
        return self.schema.get("maximum")


def _cast(schema, raw):
    """A query/path string as the schema's type (ValueError when it is not one)."""
    kind = schema.get("type")
    if kind == "array":
        items = schema.get("items") or {}
        return [_cast(items, r) for r in (raw if isinstance(raw, list) else [raw])]
    if kind == "integer":
        return int(raw)
    if kind == "number":
        return float(raw)
    if kind == "boolean":
        if raw not in ("true", "false"):
            raise ValueError(raw)
        return raw == "true"
    return raw


class _Operation:
    """Compiled checks of one spec operation."""

    def __init__(self, name, spec_path, method, strict):
        spec = raw_spec(name)
        item = spec["paths"][spec_path]
        op = item[method]
        merged = {(p["name"], p.get("in")): p for p in item.get("parameters", [])}
        merged.update({(p["name"], p.get("in")): p for p in op.get("parameters", [])})
        self.name, self.spec_path, self.strict = name, spec_path, strict
        self.params = [_Param(p) for p in merged.values()]
        self.query_names = {p.name for p in self.params if p.location == "query"}
        body = op.get("requestBody") or {}
        self.body_declared = bool(body)
        self.body_validators = {}
        self.body_required = bool(body.get("required"))
        for media, content in (body.get("content") or {}).items():
            schema = copy.deepcopy(content.get("schema") or {}) if strict else (content.get("schema") or {})
            if strict:
                _close_objects(schema)
            self.body_required = self.body_required or bool(schema.get("required"))
            self.body_validators[media] = OAS30WriteValidator(schema, format_checker=oas30_format_checker)

    def errors(self, req):
        """(fields, body_problem): [(field, reason)] of bad fields, and 'missing'/'media' for body-level problems."""
        path_params = spec_path_params(self.name, self.spec_path, req.path)
        fields = []
        for param in self.params:
            fields.extend(param.errors(req, path_params))
        if self.strict:
            fields.extend((k, "unknown query parameter") for k in req.query if k not in self.query_names)
        problem = None
        if self.body_declared:
            problem = self._body_errors(req, fields)
        return fields, problem

    def _body_errors(self, req, fields):
        if not req.body:
            return "missing" if self.body_required else None
        media = media_type(req.headers, req.body)
        if media in SCIM_TYPES and media not in self.body_validators:
            media = "application/json"  # see KNOWN_SPEC_DEFECTS: scim_media_type
        validator = self.body_validators.get(media)
        if validator is None:
            return "media"
        if "json" not in media:
            return None
        fields.extend(_schema_fields(validator.iter_errors(json.loads(req.body.decode("utf-8")))))
        return None


def _operation_for(name, operation_id, strict):
    key = (name, operation_id, bool(strict))
    with _LOCK:
        compiled = _OPS.get(key)
    if compiled is None:
        found = find_operation(name, operation_id)
        if found is None:
            return None
        compiled = _Operation(name, found[0], found[1], strict)
        with _LOCK:
            _OPS[key] = compiled
    return compiled


def preload(routes=(), strict=False):
    """Load the four specs and compile the request checks of `routes` now instead of on first use.

    Test runners that fork per test (ansible-test units) call this in the parent, through
    zoomsim.testing.preload(), so every fork inherits the loaded specs instead of loading them again.
    """
    for name in SPEC_FILES:
        operation_index(name)  # the spec, and its scope table with it
    for item in routes:
        if item.spec:
            _operation_for(item.spec, item.operation, strict)


def media_type(headers, body):
    """The request's media type without parameters; a body without a Content-Type counts as JSON."""
    value = headers.get("content-type", "").split(";")[0].strip().lower()
    if not value and body:
        return "application/json"
    return value


def spec_path_params(name, spec_path, request_path):
    """Path parameter values by the spec's names, read from the request path segment by segment."""
    base = BASES[name]
    actual = request_path[len(base):] if base and request_path.startswith(base) else request_path
    template_parts = spec_path.strip("/").split("/")
    actual_parts = actual.strip("/").split("/")
    if len(template_parts) != len(actual_parts):
        return {}
    return {t[1:-1]: a for t, a in zip(template_parts, actual_parts) if t.startswith("{") and t.endswith("}")}


def check_json_body(route, req):
    """A body that is not JSON gets Zoom's answer before anything else looks at it (D-ERR, §4.5)."""
    if not req.body or media_type(req.headers, req.body) not in ("application/json",) + SCIM_TYPES:
        return
    try:
        json.loads(req.body.decode("utf-8"))
    except ValueError as exc:
        if route.family == "scim":
            raise ScimError(400, SCIM_JSON_MESSAGE) from exc
        raise ApiError(400, 300, JSON_BODY_MESSAGE) from exc


def validate_request(route, req, strict=False):
    """Raise Zoom's validation error when the request breaks the raw spec of `route.operation`."""
    if not route.spec:
        return
    compiled = _operation_for(route.spec, route.operation, strict)
    if compiled is None:
        return  # not an operation of that spec: test_core_validation lists such routes
    check_json_body(route, req)
    found, problem = compiled.errors(req)
    if problem is None and not found:
        return
    fields = [name for name, _reason in found]
    reason = _log_reason(found, problem)
    if route.family == "scim":
        raise ScimError(400, _scim_detail(fields, problem), log_detail=reason)
    if problem is not None:
        raise ApiError(400, 300, JSON_BODY_MESSAGE, log_detail=reason)
    if len(set(fields)) == 1 and (route.operation, fields[0]) in PARAMETER_ERRORS:
        code, message = PARAMETER_ERRORS[(route.operation, fields[0])]
        raise ApiError(400, code, message, log_detail=reason)
    raise ApiError(400, 300, "Validation Failed.", errors=_zoom_errors(fields), log_detail=reason)


BODY_PROBLEMS = {"missing": "request body required by the spec is missing",
                 "media": "Content-Type not accepted by the spec"}


def _log_reason(found, problem):
    """One line for the request log: why the request breaks the spec (Zoom's answer only names fields)."""
    parts = ["%s: %s" % (name or "(body)", reason) for name, reason in found]
    if problem is not None:
        parts.insert(0, BODY_PROBLEMS.get(problem, problem))
    return "spec check failed: " + "; ".join(parts)


def page_size_limit(route, behaviour):
    """(parameter name, maximum) of the route's page-size parameter (page_size, SCIM count), or None.

    The maximum is the spec's, except GET /users where `Behaviour.users_page_size_max` decides
    (docs/ZOOM-API-FACTS.md §2.4: 2000 in the spec, 300 in the pagination guide).
    """
    if not route.spec:
        return None
    compiled = _operation_for(route.spec, route.operation, False)
    if compiled is None:
        return None
    for param in compiled.params:
        if param.location == "query" and param.name in ("page_size", "count") and param.maximum is not None:
            maximum = int(param.maximum)
            if route.operation == "users":
                maximum = int(behaviour.users_page_size_max)
            return param.name, maximum
    return None


def apply_page_size_rule(route, req, behaviour):
    """page_size above the maximum: served as the maximum ("clamp") or refused like Zoom refuses a bad
    parameter ("refuse"), per `Behaviour.page_size_over_max` (not established: §2.4, §4.3, §5.6)."""
    limit = page_size_limit(route, behaviour)
    if limit is None:
        return
    name, maximum = limit
    values = req.query.get(name)
    try:
        value = int(values[0]) if values else None
    except ValueError:
        return  # not a number: the spec check answers it
    if value is None or value <= maximum:
        return
    reason = "%s %d is above the maximum %d" % (name, value, maximum)
    if behaviour.page_size_over_max == "refuse":
        if route.family == "scim":
            raise ScimError(400, 'The "%s" of the request is invalid.' % name, log_detail=reason)
        raise ApiError(400, 300, "Validation Failed.", errors=_zoom_errors([name]), log_detail=reason)
    req.query[name] = [str(maximum)]


# ---- scopes ------------------------------------------------------------------------------------
_GRANULAR = re.compile(r"\*\*\[Granular Scopes\]\([^)]*\):\*\*\s*((?:`[^`]+`\s*,?\s*)+)")


def operation_scopes(name, operation_id):
    """(accepted, granular) scopes of an operation from Zoom's raw spec (docs/ZOOM-API-FACTS.md §1.5).

    `accepted`: every scope the spec's `security` lists (classic and granular; any one is enough);
    `granular`: the ones its description lists as granular scopes. ((), ()) when the spec has none.
    """
    raw_spec(name)  # loads the spec once, and its scope table with it
    with _LOCK:
        table = _SCOPES[name]
    return table.get(operation_id, ((), ()))


def _scope_table(spec):
    """{operationId: (accepted scopes, granular scopes)} of a spec as Zoom published it (with its `security`)."""
    table = {}
    for item in spec["paths"].values():
        for method in METHODS:
            op = item.get(method)
            if not op or "operationId" not in op:
                continue
            accepted = [scope for entry in op.get("security") or [] for scopes in entry.values() for scope in scopes]
            found = _GRANULAR.search(op.get("description") or "")
            granular = re.findall(r"`([^`]+)`", found.group(1)) if found else []
            table[op["operationId"]] = (tuple(accepted), tuple(granular))
    return table


def _zoom_errors(fields):
    seen, result = set(), []
    for name in fields:
        if name not in seen:
            seen.add(name)
            result.append({"field": name, "message": "Invalid field."})
    return result


def _schema_fields(errors):
    """[(dotted field name like user_info.email, reason)] of jsonschema errors."""
    found = []
    for error in errors:
        for leaf in _leaves(error):
            prefix = ".".join(str(p) for p in leaf.absolute_path)
            if leaf.validator == "required":
                missing = [n for n in leaf.validator_value if not isinstance(leaf.instance, dict) or n not in leaf.instance]
                found.extend((_join(prefix, n), "required field missing") for n in missing)
            elif leaf.validator == "additionalProperties" and isinstance(leaf.instance, dict):
                known = set(leaf.schema.get("properties", {}))
                found.extend((_join(prefix, n), "field not defined by the spec") for n in leaf.instance if n not in known)
            else:
                found.append((prefix, leaf.message))
    return found


def _leaves(error):
    """The most specific errors under a oneOf/anyOf failure."""
    if error.context:
        return [e for e in error.context if not e.context] or list(error.context)
    return [error]


def _join(prefix, name):
    return "%s.%s" % (prefix, name) if prefix else name


def _scim_detail(fields, problem):
    """SCIM answers one detail text, worded like Zoom's `The "userName" of the request is invalid.` (§4.5)."""
    if problem == "missing":
        return "The request JSON must not be empty."
    if problem == "media":
        return SCIM_JSON_MESSAGE
    named = [f for f in fields if f]
    return 'The "%s" of the request is invalid.' % named[0] if named else "The request is invalid."


def _json_media(value, **_kwargs):
    """openapi-core deserializer for application/scim+json (it only knows application/json)."""
    return json.loads(value.decode("utf-8") if isinstance(value, bytes) else value)


# ---- openapi-core adapters: response checks, and the oracle for the request checks ---------------
class _Request:
    """The request protocol openapi-core reads (host_url/path/path_pattern/method/parameters/body)."""

    def __init__(self, name, spec_path, method, path_params, query, headers, body, content_type):
        # openapi-core is only needed by tests  # pylint: disable=import-outside-toplevel
        from openapi_core.datatypes import RequestParameters
        from werkzeug.datastructures import Headers, ImmutableMultiDict

        self.host_url = HOST
        self.path_pattern = BASES[name] + spec_path
        self.path = self.path_pattern
        self.method = method.lower()
        self.parameters = RequestParameters(
            path=path_params, query=ImmutableMultiDict([(k, v) for k, values in query.items() for v in values]),
            header=Headers(headers), cookie=ImmutableMultiDict())
        self.body = body
        self.content_type = content_type


class _Response:
    def __init__(self, status, body, content_type):
        from werkzeug.datastructures import Headers  # pylint: disable=import-outside-toplevel

        self.status_code = status
        self.data = body
        self.headers = Headers({"Content-Type": content_type} if content_type else {})
        self.content_type = content_type or ""


def openapi_core_request_errors(route, req):
    """openapi-core's verdict on a request (slow; tests compare it with validate_request)."""
    app = app_for(route.spec, route.operation)
    spec_path, method = find_operation(route.spec, route.operation)
    media = media_type(req.headers, req.body)
    media = "application/json" if media in SCIM_TYPES else media
    request = _Request(route.spec, spec_path, method, spec_path_params(route.spec, spec_path, req.path), req.query,
                       req.headers, req.body or b"", media)
    return list(app.iter_request_errors(request))


def find_by_path(name, method, path):
    """(spec path, operationId) for a concrete request path like /v2/users/a@b.com, or None."""
    spec = raw_spec(name)
    base = BASES[name]
    actual = path[len(base):] if base and path.startswith(base) else path
    candidates = []
    for spec_path, item in spec["paths"].items():
        op = item.get(method.lower())
        if op is None:
            continue
        pattern = "^" + re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(spec_path)) + "/?$"
        if re.match(pattern, actual):
            candidates.append((spec_path.count("{"), spec_path, op.get("operationId")))
    return min(candidates)[1:] if candidates else None


def validate_response(spec, method, path, status, body, content_type="application/json", operation=None):
    """Errors (list of str) of a response against the raw spec; [] when it conforms.

    `path` is a concrete path (/v2/users/x) or a spec template; `body` is bytes, str, dict/list or
    None. Error statuses the spec does not describe (401, 5xx, ...) are not checked.
    """
    if operation is None:
        found = find_by_path(spec, method, path)
        if found is None:
            return ["%s %s: no such operation in the %s spec" % (method, path, spec)]
        operation = found[1]
    app = app_for(spec, operation)
    if app is None:
        return ["operation %s not in the %s spec" % (operation, spec)]
    spec_path, op_method = find_operation(spec, operation)
    responses = raw_spec(spec)["paths"][spec_path][op_method]["responses"]
    if str(status) not in responses and "default" not in responses:
        return [] if int(status) >= 400 else ["%s %s: status %s is not documented (%s)" % (method, path, status, ", ".join(responses))]
    if isinstance(body, (dict, list)):
        body = json.dumps(body).encode("utf-8")
    elif isinstance(body, str):
        body = body.encode("utf-8")
    media = (content_type or "").split(";")[0].strip()
    request = _Request(spec, spec_path, op_method, spec_path_params(spec, spec_path, path), {}, {}, b"", "")
    response = _Response(int(status), body or b"", media)
    errors = []
    for error in app.iter_response_errors(request, response):
        detail = "; ".join(str(e.message) for e in getattr(error.__cause__, "schema_errors", []) or [])
        errors.append("%s%s" % (error, (": " + detail) if detail else ""))
    return errors


def check_routes(routes):
    """Routes whose `spec`/`operation` do not name an operation of that spec (for tests)."""
    return ["%s %s -> %s:%s" % (r.method, r.template, r.spec, r.operation) for r in routes
            if r.spec and find_operation(r.spec, r.operation) is None]
