"""The HTTP side: a threaded HTTP/1.1 server and the request pipeline every call goes through.

Pipeline (zoomsim.routing describes the handler contract):
match the route -> scripted token faults -> bearer check (401 code 124) -> account conditions (REST
API disabled: 403; missing scope: 400 code 4711) -> latency (slept outside any lock, so concurrent
requests overlap) -> faults before the handler (429/5xx/drop/slow) -> rate limits -> JSON check,
page-size rule and OpenAPI validation -> handler under `world.lock` -> Zoom's error bodies -> the
`lost_response` fault (the write lands, the answer is lost) -> request log (with the reason of a
refusal that happened before the handler, `detail`).
Control routes under /_sim/ skip all of that and are not logged.
"""

import importlib
import json
import logging
import random
import socket
import threading
import time
import uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote

from zoomsim import __version__, auth, ratelimit, validation
from zoomsim.model import LogEntry, World
from zoomsim.routing import ApiError, Request, ScimError, match
from zoomsim.world import load_world

importlib.import_module("zoomsim.handlers")  # registers every Zoom route (auth registers /oauth/token)
LOG = logging.getLogger("zoomsim")
LOG_MAX = 200000  # entries kept in the request log; the oldest half goes when it is full
JSON_TYPE = "application/json;charset=UTF-8"
SCIM_TYPE = "application/scim+json;charset=UTF-8"
UNKNOWN_ROUTE = "This API endpoint is not recognized."
# docs/ZOOM-API-FACTS.md §2.1 (documented text, HTTP 403; the body code is not published: 403 inferred)
REST_API_DENIED = "Access to the Zoom REST API has been denied for this account. Contact Zoom Support for details."
# §1.4: code 4711 and this wording as users report it; the scope list in brackets names what is missing
MISSING_SCOPE = "Invalid access token, does not contain scopes:[{scopes}]."
FAULT_STATUS = {"http_500": 500, "http_502": 502, "http_503": 503}
FAULT_BODIES = {  # what a gateway answers; not Zoom JSON on purpose for 502/503 (inferred)
    500: (JSON_TYPE, b'{"code":500,"message":"Internal Server Error."}'),
    502: ("text/html", b"<html><body><h1>502 Bad Gateway</h1></body></html>"),
    503: ("text/html", b"<html><body><h1>503 Service Temporarily Unavailable</h1></body></html>"),
}
_JITTER = random.Random()


class Outcome:
    """What goes back on the wire: status/headers/body, or nothing at all (drop)."""

    def __init__(self, status, body=b"", content_type=None, headers=None, drop=False):
        self.status = status
        self.body = body
        self.content_type = content_type
        self.headers = dict(headers or {})
        self.drop = drop


class SimState:
    """The world being served (swappable by the control API) and the server's URL."""

    def __init__(self, world, url=None):
        self.world = world
        self.url = url

    def replace(self, new_world):
        """Serve `new_world` from now on, keeping the request log, sequence and counters."""
        old = self.world
        with old.lock:
            new_world.carry_observations(old)
            self.world = new_world
        return new_world

    def reset(self):
        """Back to the world's initial state (its world file), ids included."""
        if self.world.source is None:  # a World built in code has no file to go back to
            raise ApiError(409, 409, "This world was built in code, not from a world file: it cannot be reset.")
        return self.replace(load_world(self.world.source))


# ---- the pipeline --------------------------------------------------------------------------
def process(sim, method, raw_path, headers, body):
    """Run one request through the simulator and return the Outcome (no sockets involved)."""
    world = sim.world
    path, _sep, query_string = raw_path.partition("?")
    path = "/".join(unquote(segment) for segment in path.split("/"))  # '+' stays '+' in paths (§7)
    query = parse_qs(query_string, keep_blank_values=True)  # form decoding: '+' becomes ' ' (§7)
    found, params = match(method, path)
    req = Request(method.upper(), path, query, headers, body, params if found else {}, world, sim=sim, route=found)
    if found is not None and found.family == "sim":
        return _control(world, found, req)
    state = _Call(world, found, req, query_string, params if found is None else None)
    try:
        outcome = state.run()
    except ApiError as exc:
        state.detail = state.detail or exc.log_detail
        outcome = _api_error(exc)
    except ScimError as exc:
        state.detail = state.detail or exc.log_detail
        outcome = _scim_error(exc)
    if state.fault == "lost_response":  # whatever happened, the answer never arrives
        outcome.drop = True
    state.record(outcome)
    return outcome


class _Call:
    """One API request on its way through the pipeline (keeps what the log needs)."""

    def __init__(self, world, route, req, query_string, unmatched_reason=None):
        self.world, self.route, self.req, self.query_string = world, route, req, query_string
        self.unmatched_reason = unmatched_reason  # 'method' when only the method is wrong
        self.fault = None
        self.detail = None  # why the request was refused before its handler ran (request log)

    def run(self):
        world, route, req = self.world, self.route, self.req
        if route is None:
            return _unknown(world, req, self.unmatched_reason)
        self.fault = world.faults.decide(req.method, req.path) if world.faults is not None and not world.faults.idle else None
        if self.fault in ("revoke_tokens", "expire_tokens"):
            with world.lock:
                (auth.revoke_all if self.fault == "revoke_tokens" else auth.expire_all)(world)
        if route.auth:
            with world.lock:
                req.account_id = auth.authenticate(world, req.headers).account_id
            _check_account_conditions(world, route)
        _sleep_latency(world)
        early = self._early_fault()
        if early is not None:
            return early
        with world.lock:
            _expire_invitations(world)
            verdict = ratelimit.check(world, route, req)
        if verdict.rejected:
            return _json(429, {"code": 429, "message": verdict.message}, verdict.headers)
        validation.check_json_body(route, req)
        validation.apply_page_size_rule(route, req, world.behaviour)
        if world.behaviour.validate_requests:
            validation.validate_request(route, req, strict=world.behaviour.reject_unknown_fields)
        outcome = self._handle()
        outcome.headers = dict(verdict.headers, **outcome.headers)
        return outcome

    def _early_fault(self):
        if self.fault == "drop":
            return Outcome(0, drop=True)
        if self.fault == "http_429":
            return _json(429, {"code": 429, "message": ratelimit.QPS_MESSAGE}, ratelimit.storm_headers(self.world, self.route))
        if self.fault in FAULT_STATUS:
            status = FAULT_STATUS[self.fault]
            content_type, body = FAULT_BODIES[status]
            return Outcome(status, body, content_type)
        if self.fault == "slow":
            time.sleep(self.world.faults.slow_ms / 1000.0)
        return None

    def _handle(self):
        world, route, req = self.world, self.route, self.req
        try:
            with world.lock:
                response = route.handler(req)
        except (ApiError, ScimError):
            raise
        except Exception as exc:  # pylint: disable=broad-exception-caught  # a simulator bug must not kill the server
            LOG.exception("zoomsim: %s %s crashed", req.method, req.path)
            return _json(500, {"code": 500, "message": "zoomsim internal error in %s: %s" % (route.operation, exc)})
        outcome = _from_response(world, response)
        if world.behaviour.validate_responses and route.spec:
            problems = validation.validate_response(route.spec, req.method, req.path, outcome.status, outcome.body,
                                                    outcome.content_type, operation=route.operation)
            if problems:
                LOG.error("zoomsim: %s %s answer breaks Zoom's spec: %s", req.method, req.path, problems)
                return _json(500, {"code": 500, "message": "zoomsim answer breaks Zoom's spec", "errors": problems})
        return outcome

    def record(self, outcome):
        """Log the request (never headers, tokens or bodies) and count it."""
        route, world = self.route, self.world
        with world.lock:
            entry = LogEntry(seq=world.next_seq(), time=world.clock.now(), method=self.req.method, path=self.req.path,
                             query=self.query_string, status=outcome.status if not outcome.drop or self.fault == "lost_response" else 0,
                             operation=route.operation if route else "", label=route.label if route else "none",
                             family=route.family if route else _family_of(self.req.path),
                             write=route.write if route else self.req.method != "GET", fault=self.fault,
                             detail=self.detail)
            world.log.append(entry)
            if len(world.log) > LOG_MAX:
                del world.log[:LOG_MAX // 2]
            count(world, entry, outcome)


def count(world, entry, outcome):
    """Update GET /_sim/counters."""
    counters = world.counters
    if not counters:
        counters.update({"requests": 0, "writes": 0, "throttled": 0, "dropped": 0, "by_label": {}, "by_family": {},
                         "by_status": {}, "by_method": {}, "by_operation": {}, "faults": {}})
    counters["requests"] += 1
    counters["writes"] += 1 if entry.write else 0
    counters["throttled"] += 1 if entry.status == 429 else 0
    counters["dropped"] += 1 if outcome.drop else 0
    for key, value in (("by_label", entry.label), ("by_family", entry.family), ("by_status", str(entry.status)),
                       ("by_method", entry.method), ("by_operation", entry.operation or "(unknown)"), ("faults", entry.fault)):
        if value:
            counters[key][value] = counters[key].get(value, 0) + 1


def _family_of(path):
    if path.startswith("/scim2/"):
        return "scim"
    if path.startswith("/v2/phone/"):
        return "phone"
    return "standard"


def _unknown(world, req, why):
    """No route: Zoom's 404 code 2300 (also /v2/scim2/..., §4.1); SCIM paths answer a SCIM 404."""
    status = world.behaviour.method_mismatch_status if why == "method" else 404
    if req.path.startswith("/scim2/"):
        raise ScimError(status, "The requested resource was not found.")  # text inferred
    raise ApiError(status, 2300, UNKNOWN_ROUTE)


def _check_account_conditions(world, route):
    """REST API disabled for the account (403) and scopes the app lacks (400 code 4711), before anything else."""
    behaviour = world.behaviour
    if behaviour.rest_api_disabled:
        reason = "Behaviour.rest_api_disabled"
        if route.family == "scim":
            raise ScimError(403, REST_API_DENIED, log_detail=reason)
        raise ApiError(403, 403, REST_API_DENIED, log_detail=reason)
    if behaviour.app_scopes is None or not route.spec:
        return
    accepted, granular = validation.operation_scopes(route.spec, route.operation)
    granted = set(behaviour.app_scopes)
    if not accepted or granted.intersection(accepted):
        return
    named = missing_scopes(accepted, granular, granted)
    raise ApiError(400, 4711, MISSING_SCOPE.format(scopes=",".join(named)),
                   log_detail="app scopes %s lack any of %s" % (sorted(granted), list(accepted)))


def missing_scopes(accepted, granular, granted):
    """The scope(s) a 4711 answer names: the admin-level granular scope (as users report it, §1.4), or the
    classic admin scope when the app has only classic scopes (inferred)."""
    classic_app = bool(granted) and all(scope.count(":") < 3 for scope in granted if scope != "scim2:admin")
    if classic_app:
        classic = [s for s in accepted if s not in granular and s.endswith(":admin")] or \
                  [s for s in accepted if s not in granular]
        if classic:
            return classic[:1]
    admin = [s for s in granular if s.endswith((":admin", ":master"))]
    return admin or list(granular) or list(accepted[:1])


def _expire_invitations(world):
    now = world.clock.now()
    if world.invitations_checked_at is None or now - world.invitations_checked_at >= 1.0:
        world.invitations_checked_at = now
        world.expire_invitations()


def _sleep_latency(world):
    if world.latency_ms <= 0 and world.latency_jitter_ms <= 0:
        return
    delay = world.latency_ms + _JITTER.uniform(-world.latency_jitter_ms, world.latency_jitter_ms)
    if delay > 0:
        time.sleep(delay / 1000.0)


def _control(world, route, req):
    with world.lock:
        try:
            response = route.handler(req)
        except ApiError as exc:
            return _api_error(exc)
    return _from_response(world, response)


def _json(status, body, headers=None, content_type=JSON_TYPE):
    return Outcome(status, json.dumps(body, separators=(",", ":")).encode("utf-8"), content_type, headers)


def _api_error(exc):
    return _json(exc.status, exc.body(), exc.headers)


def _scim_error(exc):
    return _json(exc.status, exc.body(), content_type=SCIM_TYPE)


def _from_response(world, response):
    """A handler's Response on the wire. Empty 2xx bodies lose their Content-Type if the world says so (§2.1)."""
    if response.body is None:
        content_type = response.content_type
        if 200 <= response.status < 300 and world.behaviour.empty_success_without_content_type:
            content_type = None
        if response.status in (204, 304):
            content_type = None
        return Outcome(response.status, b"", content_type, response.headers)
    if isinstance(response.body, (bytes, bytearray)):
        payload = bytes(response.body)
    elif isinstance(response.body, str):
        payload = response.body.encode("utf-8")
    else:
        payload = json.dumps(response.body, separators=(",", ":")).encode("utf-8")
    return Outcome(response.status, payload, response.content_type, response.headers)


# ---- HTTP transport --------------------------------------------------------------------------
class Handler(BaseHTTPRequestHandler):
    """HTTP/1.1 keep-alive transport around `process`."""

    protocol_version = "HTTP/1.1"
    server_version = "zoomsim/" + __version__
    sys_version = ""
    disable_nagle_algorithm = True  # headers and body go out as two writes: no 40 ms delayed-ACK stalls

    def version_string(self):
        return self.server_version

    def do_GET(self):  # pylint: disable=invalid-name
        self._serve()

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def setup(self):
        super().setup()
        self.server.track(self.connection, True)

    def finish(self):
        try:
            super().finish()
        finally:
            self.server.track(self.connection, False)

    def log_message(self, format, *args):  # pylint: disable=redefined-builtin
        if self.server.verbose:
            LOG.info("%s - %s", self.address_string(), format % args)

    def _serve(self):
        body = self._read_body()
        if body is None:
            self.close_connection = True
            return
        headers = {k.lower(): v for k, v in self.headers.items()}
        outcome = process(self.server.sim, self.command, self.path, headers, body)
        if outcome.drop:
            self._drop()
            return
        self.send_response(outcome.status)
        if outcome.content_type:
            self.send_header("Content-Type", outcome.content_type)
        for name, value in outcome.headers.items():
            self.send_header(name, str(value))
        self.send_header("x-zm-trackingid", "ZSIM_" + uuid.uuid4().hex[:20])
        if outcome.status not in (204, 304):
            self.send_header("Content-Length", str(len(outcome.body)))
        self.end_headers()
        if outcome.body and outcome.status not in (204, 304):
            self.wfile.write(outcome.body)

    def _drop(self):
        """Close the connection without a byte of answer (a dropped connection, §faults)."""
        self.close_connection = True
        try:
            self.connection.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass

    def _read_body(self):
        if self.headers.get("Transfer-Encoding", "").lower() == "chunked":
            return self._read_chunked()
        try:
            length = int(self.headers.get("Content-Length") or 0)
        except ValueError:
            return None
        return self.rfile.read(length) if length > 0 else b""

    def _read_chunked(self):
        chunks = []
        while True:
            size_line = self.rfile.readline(65537)
            try:
                size = int(size_line.split(b";")[0].strip() or b"0", 16)
            except ValueError:
                return None
            if size == 0:
                while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(chunks)
            chunks.append(self.rfile.read(size))
            self.rfile.readline(3)


class ZoomHTTPServer(ThreadingHTTPServer):
    """One thread per connection; keeps its open connections so stop() can close them."""

    daemon_threads = True
    request_queue_size = 256
    allow_reuse_address = True

    def __init__(self, address, sim, verbose=False):
        self.sim = sim
        self.verbose = verbose
        self._connections = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, Handler)

    def track(self, connection, is_open):
        with self._connections_lock:
            (self._connections.add if is_open else self._connections.discard)(connection)

    def close_connections(self):
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            try:
                connection.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass


class SimulatorServer:
    """The simulator in a background thread: `with SimulatorServer("cases") as sim: sim.url`."""

    def __init__(self, world=None, host="127.0.0.1", port=0, verbose=False):
        world = world if isinstance(world, World) else load_world(world)
        self.sim = SimState(world)
        self.httpd = ZoomHTTPServer((host, port), self.sim, verbose)
        shown = "127.0.0.1" if host in ("", "0.0.0.0") else host
        self.port = self.httpd.server_address[1]
        self.sim.url = "http://%s:%d" % (shown, self.port)
        self._thread = None

    @property
    def url(self):
        return self.sim.url

    @property
    def world(self):
        """The live world (a reset or POST /_sim/world swaps it)."""
        return self.sim.world

    def start(self):
        self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.2},
                                        name="zoomsim-%d" % self.port, daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(5)
            self._thread = None
        self.httpd.server_close()
        self.httpd.close_connections()

    def serve_forever(self):
        """Serve in the calling thread until shutdown() is called from elsewhere."""
        try:
            self.httpd.serve_forever(poll_interval=0.2)
        finally:
            self.httpd.server_close()
            self.httpd.close_connections()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()


def serve(world=None, host="127.0.0.1", port=8900, verbose=False):
    """Build a server (not yet serving); call .serve_forever() or .start()."""
    return SimulatorServer(world, host, port, verbose)
