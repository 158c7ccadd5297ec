"""Test helpers: an in-process simulator on a free port, and the pytest fixture `zoomsim`.

Stable contract (module and integration tests rely on it):

    from zoomsim.testing import running_simulator, world_with, PLAUSIBLE_SETTINGS, plausible_variants
    with running_simulator("cases") as sim:          # path, packaged name, YAML text, dict or World
        sim.url, sim.world, sim.token(), sim.call("GET", "/v2/users/ann@example.com")
        seq = sim.mark(); ...; assert sim.writes_since(seq) == []

    def test_x(zoomsim):                              # pytest fixture (this module is a pytest11 plugin)
        ...
    @pytest.mark.zoomsim_world("demo")                # choose the world; default: packaged "cases"
    def test_y(zoomsim): ...

`PLAUSIBLE_SETTINGS` ({switch: [default, other plausible values...]}) lists every setting of the
behaviours Zoom has not established; `world_with(world, account=None, **switches)` builds a world dict
with overrides; `FAULT_CONDITIONS` lists the account conditions under which Zoom refuses.

`zoomsim_module` is the same fixture with module scope (reset it yourself between tests);
`simulator` is an alias of `zoomsim`. Indirect parametrisation picks the world too:
`@pytest.mark.parametrize("zoomsim", ["demo"], indirect=True)`.
Setting ZOOMSIM_VALIDATE_RESPONSES=1 makes every fixture check its answers against Zoom's specs.

Runners that fork per test (ansible-test units runs every test in its own fork): `preload()` imports
the simulator and loads Zoom's specs in the calling process (~3 s, once), so the forks inherit them
instead of paying that in every test. The plugin calls it after collection when a collected test
module mentions zoomsim or uses one of its fixtures; ZOOMSIM_PRELOAD=0 turns that off.
"""

import contextlib
import os
import threading
from urllib.parse import unquote, urlsplit

try:
    import pytest
except ImportError:  # pragma: no cover - running_simulator works without pytest
    pytest = None

DEFAULT_WORLD = "cases"
FIXTURE_NAMES = frozenset(("zoomsim", "simulator", "zoomsim_module"))
_PRELOADED = []  # [True] once preload() ran in this process

# Every plausible value of each Behaviour switch whose Zoom behaviour is not established (inferred,
# reported once, or conflicting sources); the FIRST value is the default. The modules must work under
# each of them: a switch matrix runs them one at a time (`plausible_variants()`). Facts and sources:
# docs/ZOOM-API-FACTS.md; what each switch does: docs/SIMULATOR.md and the endpoint documents.
PLAUSIBLE_SETTINGS = {
    "external_email_lookup_code": [1010, 1001],  # §2.5 email held by another Zoom account
    "unknown_email_lookup_code": [1001, 1010],  # §2.5 email Zoom never saw (1010: for every email outside)
    "managed_domain_blocks_disassociate": [True, False],  # §2.9 code 1107
    "disassociate_leaves_personal_account": [False, True],  # §2.9, §3 case 2
    "duplicate_email_message": ["User already in the account: {email}", 'Email "{email}" has already been used.'],
    "user_status_success_code": [204, 200],  # §2.8
    "empty_success_without_content_type": [True, False],  # §2.1
    "users_page_size_max": [300, 2000],  # §2.4
    "page_size_over_max": ["clamp", "refuse"],  # §2.4, §4.3, §5.6
    "user_create_lock_seconds": [0.0, 1.0],  # §6.3, §7 per-user lock after POST /users
    "token_invalidates_previous": [False, True],  # §1.2
    "ratelimit_reset_format": ["seconds", "epoch"],  # §6.3
    "qps_retry_after": [False, True],  # §6.3
    "scim_pending_status": [400, 404],  # §4.4
    "scim_create_on_stuck_email": ["conflict", "allow"],  # §4.4
    "scim_delete_action": ["disassociate", "delete"],  # §4.6
    "phone_provisioning_delay": [3.0, 0.0],  # §5.8
    "phone_list_duplicates": [True, False],  # §5.6
    "phone_user_vanishes_once": [False, True],  # §5.8
    "phone_invalid_plan_error": ["unknown_plan", "invalid_field"],  # §5.4, §5.7
    "phone_plan_already_assigned": ["error", "ignore"],  # §5.4
    "phone_move_site_keeps_numbers": [True, False],  # §5.3
}

# Account conditions under which Zoom refuses; the modules must stop with one clear message naming the
# fix (issue #10 item 4). Values listed are the refusing ones; account seats come through
# world_with(account={"paid_seats": 0}) and choose their code with `seat_limit_error`.
FAULT_CONDITIONS = {
    "app_scopes": [[]],  # §1.4/§1.5: every call -> 400 code 4711 naming the scope
    "rest_api_disabled": [True],  # §2.1: every call -> 403
    "removal_concurrent_429": ["once", "once_removed"],  # §2.9, §6.3: DELETE /users/{id} -> 429 once
    "seat_limit_error": ["specific", "3412"],  # §2.3: with account paid_seats/basic_seats used up
}


def plausible_variants(names=None):
    """[(switch, value)] for every NON-default plausible value (of `names`, default: every switch)."""
    wanted = PLAUSIBLE_SETTINGS if names is None else {n: PLAUSIBLE_SETTINGS[n] for n in names}
    return [(name, value) for name, values in wanted.items() for value in values[1:]]


def world_with(base_world=None, account=None, **behaviour_overrides):
    """A new world dict: `base_world` (path, packaged name, YAML text or dict; default 'cases') with
    `behaviour:` switches and `account:` fields overridden. Unknown names raise TypeError.

        with running_simulator(world_with("cases", phone_list_duplicates=False)) as sim: ...
        world_with(core, account={"paid_seats": 0}, seat_limit_error="3412")
    """
    import dataclasses  # pylint: disable=import-outside-toplevel

    from zoomsim.model import Account, Behaviour  # pylint: disable=import-outside-toplevel
    from zoomsim.world import read_source  # pylint: disable=import-outside-toplevel

    data = read_source(DEFAULT_WORLD if base_world is None else base_world)
    for section, values, model in (("behaviour", behaviour_overrides, Behaviour), ("account", account or {}, Account)):
        known = {f.name for f in dataclasses.fields(model)}
        unknown = sorted(set(values) - known)
        if unknown:
            raise TypeError("unknown %s field(s): %s" % (section, ", ".join(unknown)))
        if values:
            merged = dict(data.get(section) or {})
            merged.update(values)
            data[section] = merged
    return data


class SimHandle:
    """A running simulator seen from a test: URLs, the live world, an authenticated HTTP client."""

    def __init__(self, server):
        import requests  # pylint: disable=import-outside-toplevel  # only tests need it

        self.server = server
        self.session = requests.Session()
        self._token = None

    # ---- where it is -----------------------------------------------------------------------
    @property
    def url(self):
        return self.server.url

    @property
    def oauth_url(self):
        return self.server.url + "/oauth/token"

    @property
    def world(self):
        """The live World (after a reset or load this is the new one)."""
        return self.server.world

    @property
    def credential(self):
        return self.world.credentials[0]

    @property
    def account_id(self):
        return self.credential.account_id

    def env(self):
        """Environment for running modules/playbooks against this simulator."""
        cred = self.credential
        return {"ZOOM_API_URL": self.url, "ZOOM_OAUTH_URL": self.oauth_url, "ZOOM_ACCOUNT_ID": cred.account_id,
                "ZOOM_CLIENT_ID": cred.client_id, "ZOOM_CLIENT_SECRET": cred.client_secret, "ZOOMSIM_URL": self.url}

    # ---- calling the API ---------------------------------------------------------------------
    def token(self, fresh=False):
        """An access token of the world's first credential (cached until `fresh` or a 401)."""
        if self._token is None or fresh:
            cred = self.credential
            answer = self.session.post(self.oauth_url, data={"grant_type": "account_credentials", "account_id": cred.account_id},
                                       auth=(cred.client_id, cred.client_secret), timeout=30)
            answer.raise_for_status()
            self._token = answer.json()["access_token"]
        return self._token

    def call(self, method, path, token=None, auth=True, **kwargs):
        """`requests` call to the simulator: path like /v2/users; authenticated unless auth=False.

        With the handle's own token a 401 code 124 is retried once with a new token (like the
        collection's client); pass `token=` to send exactly that token, without the retry.
        """
        kwargs.setdefault("timeout", 30)
        headers = dict(kwargs.pop("headers", None) or {})
        if path.startswith("/scim2/"):
            headers.setdefault("Accept", "application/scim+json")
        own = token is None and auth
        if auth:
            headers["Authorization"] = "Bearer " + (token or self.token())
        answer = self.session.request(method, self.url + path, headers=headers, **kwargs)
        if own and answer.status_code == 401 and _code(answer) == 124:
            headers["Authorization"] = "Bearer " + self.token(fresh=True)
            answer = self.session.request(method, self.url + path, headers=headers, **kwargs)
        return answer

    def control(self, method, path, **kwargs):
        """Call the control API (/_sim/...) and return its JSON answer (raises on HTTP errors)."""
        kwargs.setdefault("timeout", 30)
        answer = self.session.request(method, self.url + path, **kwargs)
        answer.raise_for_status()
        return answer.json()

    # ---- observing -------------------------------------------------------------------------
    def log(self, since=0, writes_only=False, **filters):
        """Logged API requests after seq `since` (dicts: seq, method, path, status, label, write, ...)."""
        params = dict(filters, since=since)
        if writes_only:
            params["writes"] = 1
        return self.control("GET", "/_sim/log", params=params)["entries"]

    def mark(self):
        """The current end of the request log (use with log(since=...) / writes_since)."""
        return self.control("POST", "/_sim/log/mark")["seq"]

    def writes_since(self, seq):
        """Write calls (method != GET, OAuth excluded) logged after `seq`."""
        return self.log(since=seq, writes_only=True)

    def counters(self):
        return self.control("GET", "/_sim/counters")

    def state(self):
        """The live state in world-file form (GET /_sim/state)."""
        return self.control("GET", "/_sim/state")

    # ---- steering ----------------------------------------------------------------------------
    def reset(self):
        """Back to the initial world (tokens are forgotten, the log is kept)."""
        self._token = None
        return self.control("POST", "/_sim/reset")

    def load(self, world):
        """Serve another world (path, packaged name, YAML text, dict); it becomes the reset target."""
        from zoomsim.world import load_world  # pylint: disable=import-outside-toplevel

        self._token = None
        return self.server.sim.replace(load_world(world))

    def advance(self, seconds):
        """Move the simulated clock forward (expires invitations, tokens, daily caps)."""
        return self.control("POST", "/_sim/clock/advance", json={"seconds": seconds})

    def freeze_clock(self, frozen=True):
        return self.control("PUT", "/_sim/clock", json={"frozen": frozen})

    def revoke_tokens(self):
        return self.control("POST", "/_sim/tokens/revoke")

    def expire_tokens(self):
        return self.control("POST", "/_sim/tokens/expire")

    def set_faults(self, plan):
        return self.control("PUT", "/_sim/faults", json=plan or {})

    def set_latency(self, ms, jitter_ms=0):
        return self.control("PUT", "/_sim/latency", json={"ms": ms, "jitter_ms": jitter_ms})

    def set_behaviour(self, **switches):
        return self.control("PUT", "/_sim/behaviour", json=switches)

    def set_rate_limits(self, **section):
        return self.control("PUT", "/_sim/rate_limits", json=section)

    def accept(self, email):
        """The pending invitee `email` accepts the invitation."""
        return self.control("POST", "/_sim/users/%s/accept" % email)

    # ---- checking answers against Zoom's specs -------------------------------------------------
    def spec_problems(self, response):
        """Problems of a simulator answer against Zoom's raw spec for its operation ([] = conforms)."""
        return spec_problems(response)

    def assert_spec(self, response):
        problems = spec_problems(response)
        assert not problems, "answer breaks Zoom's spec: %s" % problems

    def close(self):
        self.session.close()


def _code(answer):
    try:
        return answer.json().get("code")
    except ValueError:
        return None


def spec_problems(response):
    """Check a `requests` response from the simulator against the raw spec of the route it hit."""
    from zoomsim import validation  # pylint: disable=import-outside-toplevel
    from zoomsim.routing import match  # pylint: disable=import-outside-toplevel

    request = response.request
    path = "/".join(unquote(s) for s in urlsplit(request.url).path.split("/"))
    found, _reason = match(request.method, path)
    if found is None or not found.spec:
        return []
    body = response.content if response.content else None
    return validation.validate_response(found.spec, request.method, path, response.status_code, body,
                                        response.headers.get("Content-Type"), operation=found.operation)


def preload():
    """Import the simulator, load Zoom's four specs and compile the request checks of every route (once).

    Forks made afterwards (ansible-test's per-test forks) inherit all of it; without this each fork
    imports scim2-models/openapi-schema-validator and loads the specs again (2-3 s per test, more under load).
    """
    if _PRELOADED:
        return
    # pylint: disable=import-outside-toplevel,unused-import
    import requests  # noqa: F401  SimHandle's client
    from zoomsim import routing, server, validation, world  # noqa: F401  server imports the handlers (routes)

    validation.preload(routing.ROUTES)
    _PRELOADED.append(True)


def preload_for(items):
    """`preload()` when the collected tests use the simulator, unless ZOOMSIM_PRELOAD is 0/false/no."""
    if os.environ.get("ZOOMSIM_PRELOAD", "1") not in ("0", "false", "no") and _uses_simulator(items):
        preload()


def _uses_simulator(items):
    """True when a collected test uses a zoomsim fixture or its module's source mentions zoomsim."""
    seen = set()
    for item in items:
        if FIXTURE_NAMES.intersection(getattr(item, "fixturenames", ())):
            return True
        path = getattr(getattr(item, "module", None), "__file__", None)
        if not path or path in seen:
            continue
        seen.add(path)
        try:
            with open(path, encoding="utf-8") as handle:
                if "zoomsim" in handle.read():
                    return True
        except (OSError, ValueError):
            continue
    return False


_QUICK_STOP = {}
POLL_INTERVAL = 0.01  # SimulatorServer polls every 0.2 s: its stop() then takes ~0.2 s, once per test


def _quick_stop(base):
    """`base` (SimulatorServer) with a serve loop that notices stop() within POLL_INTERVAL."""
    if base not in _QUICK_STOP:

        class QuickStopServer(base):
            def start(self):
                self._thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": POLL_INTERVAL},
                                                name="zoomsim-%d" % self.port, daemon=True)
                self._thread.start()
                return self

        _QUICK_STOP[base] = QuickStopServer
    return _QUICK_STOP[base]


@contextlib.contextmanager
def running_simulator(world=None, latency_ms=None, rate_limits=None, validate_responses=None, **behaviour):
    """Start the simulator in this process on a free loopback port; yields a SimHandle.

    `world`: path, packaged world name ('cases', 'demo'), YAML text, dict or World (default 'cases').
    `latency_ms`, `rate_limits` (bool) and Behaviour switches (keyword arguments) override the world.
    """
    from zoomsim.model import World  # pylint: disable=import-outside-toplevel
    from zoomsim.server import SimulatorServer  # pylint: disable=import-outside-toplevel
    from zoomsim.world import load_world  # pylint: disable=import-outside-toplevel

    loaded = world if isinstance(world, World) else load_world(DEFAULT_WORLD if world is None else world)
    if latency_ms is not None:
        loaded.latency_ms = float(latency_ms)
    if rate_limits is not None:
        loaded.rate_limits_enabled = bool(rate_limits)
    if validate_responses is None:
        validate_responses = os.environ.get("ZOOMSIM_VALIDATE_RESPONSES", "") in ("1", "true", "yes")
    loaded.behaviour.validate_responses = bool(validate_responses)
    for name, value in behaviour.items():
        if not hasattr(loaded.behaviour, name):
            raise TypeError("unknown behaviour switch %r" % name)
        setattr(loaded.behaviour, name, value)
    server = _quick_stop(SimulatorServer)(loaded).start()
    handle = SimHandle(server)
    try:
        yield handle
    finally:
        handle.close()
        server.stop()


def _world_for(request):
    """World of a fixture: indirect parametrisation, else @pytest.mark.zoomsim_world, else 'cases'."""
    if getattr(request, "param", None) is not None:
        return request.param
    marker = request.node.get_closest_marker("zoomsim_world")
    if marker is not None and marker.args:
        return marker.args[0]
    return DEFAULT_WORLD


if pytest is not None:

    def pytest_configure(config):
        config.addinivalue_line("markers", "zoomsim_world(world): world (path, packaged name, YAML text or dict) "
                                           "for the zoomsim fixture")

    @pytest.hookimpl(trylast=True)
    def pytest_collection_finish(session):
        """Preload in the process that runs (or forks) the tests, before the first test starts."""
        preload_for(session.items)

    @pytest.fixture(name="zoomsim")
    def zoomsim_fixture(request):
        """A fresh simulator for this test (in-process, free port); yields a SimHandle."""
        with running_simulator(_world_for(request)) as handle:
            yield handle

    @pytest.fixture(name="simulator")
    def simulator_fixture(request):
        """Alias of `zoomsim` (the name docs/ARCHITECTURE.md uses)."""
        with running_simulator(_world_for(request)) as handle:
            yield handle

    @pytest.fixture(name="zoomsim_module", scope="module")
    def zoomsim_module_fixture(request):
        """One simulator for the whole test module; call .reset() where a test needs a clean world."""
        with running_simulator(_world_for(request)) as handle:
            yield handle
