# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Shared pytest fixtures for the collection's unit tests.

Importing the collection
    Under ``ansible-test units`` the collection is importable as
    ``ansible_collections.zoomops.provisioning``. Under plain pytest from the
    repository (``python -m pytest tests/unit``) this conftest builds a
    temporary ``ansible_collections/zoomops/provisioning`` symlink to the
    repository root and puts it on ``sys.path``.

Which fake Zoom to use (issue #12: one fake)
    THE fake for behaviour is the simulator, ``zoomsim`` (tests/simulator): Zoom's documented and reported
    behaviour in one place, switchable per test (``@pytest.mark.zoomsim_world(...)``, ``zoomsim.set_behaviour``,
    ``zoomsim.set_faults``), with a request log that proves "zero writes". Use it for anything a module or a
    module_utils helper *does* with Zoom:
        ``zoomsim``       the simulator itself (pytest plugin of the zoomsim package; a zoomsim.testing.SimHandle)
        ``sim_client``    a ZoomClient against it, sleeping on ``fake_clock`` (for module_utils helpers)
        ``run_sim``       ``run_sim(main, args, check=False, diff=False)`` runs a module against it; the result
                          carries ``_writes``, the write calls that run made (from the request log)
    ``zoom_stub`` is only for raw HTTP edge cases the simulator does not and should not produce (HTML bodies,
    redirects, dropped connections, echoed headers, malformed JSON, exact header parsing): the client's own tests.
    Hand-written fakes (classes that answer ``client.get/post`` in a test file) are not added any more; the ones
    still in older test files move to ``sim_client`` / ``run_sim`` as those files are touched.

Fixtures
    ``zoom_stub``     a real HTTP server on 127.0.0.1 (random port) playing Zoom: it
                      issues S2S tokens, checks the bearer token of API calls (401/124
                      otherwise) and answers with scripted responses
                      (``zoom_stub.reply(...)``, ``zoom_stub.handle(...)``). A request
                      nothing was scripted for gets HTTP 418 and fails the test at
                      teardown (set ``zoom_stub.strict = False`` to allow it).
    ``fake_clock``    ``FakeClock``: ``time()``/``sleep()`` that never really sleep; records sleeps.
    ``make_client``   ``make_client(**kwargs)`` -> ZoomClient pointed at ``zoom_stub`` with the
                      stub's credentials and ``sleep=fake_clock.sleep``; closed at teardown.
    ``module_args``   ``with module_args({...}):`` AnsibleModule objects built inside get these args.
    ``run_module``    ``run_module(main, args, env=None)`` -> result dict of a module's
                      ``main()`` run in-process (the real exit_json/fail_json output,
                      no_log masking included; ``result['failed']`` on failure).
    ``sim_client``, ``run_sim``  see above (skipped when zoomsim is not installed).

Scripting the stub::

    zoom_stub.reply('GET', '/v2/users/a@example.com', json={'id': 'u1'})
    zoom_stub.reply('POST', '/v2/users', status=502, body=b'<html>bad gateway</html>', content_type='text/html')
    zoom_stub.reply('GET', re.compile(r'^/v2/phone/users/[^/]+$'), status=404, json={'code': 1001, 'message': 'nope'}, times=None)
    zoom_stub.handle('GET', '/v2/users', lambda req: zoom_stub.Response(200, json={'users': []}))
    zoom_stub.api_requests[-1].params   # {'page_size': ['300']}
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import atexit
import base64
import os
import shutil
import sys
import tempfile
import threading

from json import dumps as json_dumps, loads as json_loads
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, unquote, urlsplit

import pytest


def _ensure_collection_importable():
    try:
        import ansible_collections.zoomops.provisioning.plugins.module_utils  # noqa: F401  pylint: disable=unused-import
        return
    except ImportError:
        pass
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    tmp = tempfile.mkdtemp(prefix='zoomops-units-')
    os.makedirs(os.path.join(tmp, 'ansible_collections', 'zoomops'))
    os.symlink(root, os.path.join(tmp, 'ansible_collections', 'zoomops', 'provisioning'))
    sys.path.insert(0, tmp)
    atexit.register(shutil.rmtree, tmp, True)
    for name in list(sys.modules):
        if name == 'ansible_collections' or name.startswith('ansible_collections.'):
            del sys.modules[name]


_ensure_collection_importable()


def pytest_collection_finish(session):
    """Load the simulator and its specs once in this process, before the tests are forked.

    ``ansible-test units`` runs every test in its own fork: whatever a test loads lazily is loaded again
    in each fork (the simulator's imports and specs: 2-3 s per test). The zoomsim pytest plugin
    preloads when the tests use the simulator; this covers runs without plugin autoloading.
    """
    if session.config.pluginmanager.has_plugin('zoomsim'):
        return
    try:
        from zoomsim import testing as zoomsim_testing
    except ImportError:
        return
    zoomsim_testing.preload_for(session.items)


STUB_ACCOUNT_ID = 'stub-account-id'
STUB_CLIENT_ID = 'stub-client-id'
STUB_CLIENT_SECRET = 'stub-SECRET-value-9f3c1a'  # distinctive, so leak tests can search for it
OAUTH_PATH = '/oauth/token'

_UNSET = object()


class StubRequest:
    """One request as the stub server saw it."""

    def __init__(self, method, raw_path, headers, body):
        self.method = method
        self.raw_path = raw_path
        parts = urlsplit(raw_path)
        self.path = unquote(parts.path)
        self.raw_path_only = parts.path
        self.query = parts.query
        self.params = parse_qs(parts.query, keep_blank_values=True)
        self.headers = headers
        self.body = body

    def param(self, name, default=None):
        """The first value of query parameter ``name``."""
        values = self.params.get(name)
        return values[0] if values else default

    def json(self):
        return json_loads(self.body.decode('utf-8')) if self.body else None

    def form(self):
        return dict((key, values[0]) for key, values in parse_qs(self.body.decode('utf-8'), keep_blank_values=True).items())

    @property
    def bearer(self):
        value = self.headers.get('Authorization') or ''
        return value[7:] if value.startswith('Bearer ') else None

    def __repr__(self):
        return 'StubRequest(%s %s)' % (self.method, self.raw_path)


class StubResponse:
    """A scripted answer. ``json`` (any JSON value) or ``body`` (bytes); ``drop`` closes the connection without answering."""

    def __init__(self, status=200, json=_UNSET, body=None, headers=None, content_type=_UNSET, delay=0.0, drop=False):
        self.status = status
        self.headers = dict(headers or {})
        if json is not _UNSET:
            self.body = json_dumps(json).encode('utf-8')
            default_type = 'application/json'
        else:
            self.body = body if body is not None else b''
            if isinstance(self.body, str):
                self.body = self.body.encode('utf-8')
            default_type = None
        ctype = default_type if content_type is _UNSET else content_type
        if ctype and not any(key.lower() == 'content-type' for key in self.headers):
            self.headers['Content-Type'] = ctype
        self.delay = delay
        self.drop = drop


class _Route:
    def __init__(self, method, path, responder, times):
        self.method = method.upper() if method else None
        self.path = path
        self.responder = responder
        self.times = times

    def matches(self, request):
        if self.method is not None and self.method != request.method:
            return False
        if hasattr(self.path, 'match'):
            return bool(self.path.match(request.path))
        return self.path == request.path


class StubServer:
    """A scriptable Zoom stand-in on 127.0.0.1 (see the module docstring)."""

    Response = StubResponse  # for handlers: ``zoom_stub.handle(..., lambda req: zoom_stub.Response(404, body=...))``

    def __init__(self, account_id=STUB_ACCOUNT_ID, client_id=STUB_CLIENT_ID, client_secret=STUB_CLIENT_SECRET):
        self.account_id = account_id
        self.client_id = client_id
        self.client_secret = client_secret
        self.token_ttl = 3600
        self.check_auth = True
        self.strict = True
        self.issued_tokens = []
        self.valid_tokens = set()
        self.requests = []
        self.unexpected = []
        self._routes = []
        self._lock = threading.Lock()
        self._server = None
        self._thread = None
        self.url = None

    # ------------------------------------------------------------- lifecycle

    def start(self):
        stub = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = 'HTTP/1.1'
            timeout = 10
            disable_nagle_algorithm = True  # headers and body are separate writes: avoid 40 ms delayed-ACK stalls

            def log_message(self, *args):  # pylint: disable=arguments-differ
                pass

            def _serve(self):
                length = int(self.headers.get('Content-Length') or 0)
                body = self.rfile.read(length) if length else b''
                request = StubRequest(self.command, self.path, self.headers, body)
                response = stub.dispatch(request)
                if response.delay:
                    threading.Event().wait(response.delay)
                if response.drop:
                    self.close_connection = True
                    return
                self.send_response(response.status)
                for key, value in response.headers.items():
                    self.send_header(key, value)
                self.send_header('Content-Length', str(len(response.body)))
                self.end_headers()
                if response.body and self.command != 'HEAD':
                    self.wfile.write(response.body)

            do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

        self._server = ThreadingHTTPServer(('127.0.0.1', 0), Handler)
        self._server.daemon_threads = True
        self.url = 'http://127.0.0.1:%d' % self._server.server_address[1]
        self._thread = threading.Thread(target=self._server.serve_forever, kwargs={'poll_interval': 0.05}, name='zoom-stub', daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None

    @property
    def oauth_url(self):
        return self.url + OAUTH_PATH

    # ------------------------------------------------------------- scripting

    def reply(self, method, path, status=200, json=_UNSET, body=None, headers=None, content_type=_UNSET,
              times=1, delay=0.0, drop=False):
        """Answer the next ``times`` matching requests (None: every one) with this response, FIFO among routes."""
        response = StubResponse(status=status, json=json, body=body, headers=headers, content_type=content_type, delay=delay, drop=drop)
        return self.handle(method, path, lambda request: response, times=times)

    def handle(self, method, path, func, times=None):
        """Answer matching requests with ``func(request)`` -> StubResponse or ``(status, json)``."""
        route = _Route(method, path, func, times)
        with self._lock:
            self._routes.append(route)
        return route

    def expire_tokens(self):
        """Every token issued so far is now rejected with 401 code 124."""
        with self._lock:
            self.valid_tokens.clear()

    def reset(self):
        with self._lock:
            self._routes = []
            self.requests = []
            self.unexpected = []

    @property
    def api_requests(self):
        """Requests other than the token requests."""
        return [request for request in self.requests if request.path != OAUTH_PATH]

    @property
    def token_requests(self):
        return [request for request in self.requests if request.path == OAUTH_PATH]

    # --------------------------------------------------------------- serving

    def dispatch(self, request):
        with self._lock:
            self.requests.append(request)
            authorized = not self.check_auth or request.path == OAUTH_PATH or request.bearer in self.valid_tokens
        if not authorized:
            return StubResponse(401, json={'code': 124, 'message': 'Invalid access token.'})
        with self._lock:
            route = None
            for candidate in self._routes:
                if candidate.matches(request):
                    route = candidate
                    break
            if route is not None and route.times is not None:
                route.times -= 1
                if route.times <= 0:
                    self._routes.remove(route)
        if route is None and request.path == OAUTH_PATH and request.method == 'POST':
            return self._issue_token(request)
        if route is None:
            with self._lock:
                self.unexpected.append(request)
            return StubResponse(418, json={'code': 0, 'message': 'stub: nothing scripted for %s %s' % (request.method, request.path)})
        answer = route.responder(request)
        if isinstance(answer, tuple):
            answer = StubResponse(answer[0], json=answer[1])
        return answer

    def _issue_token(self, request):
        expected = 'Basic ' + base64.b64encode(('%s:%s' % (self.client_id, self.client_secret)).encode()).decode()
        form = request.form() if request.body else dict((key, values[0]) for key, values in request.params.items())
        if request.headers.get('Authorization') != expected:
            return StubResponse(400, json={'reason': 'Invalid client_id or client_secret', 'error': 'invalid_client'})
        if form.get('grant_type') != 'account_credentials':
            return StubResponse(400, json={'reason': 'Unsupported grant type', 'error': 'unsupported_grant_type'})
        if form.get('account_id') != self.account_id:
            return StubResponse(400, json={'reason': 'Invalid account_id', 'error': 'invalid_request'})
        with self._lock:
            token = 'stub-token-%d' % (len(self.issued_tokens) + 1)
            self.issued_tokens.append(token)
            self.valid_tokens.add(token)
        return StubResponse(200, json={'access_token': token, 'token_type': 'bearer', 'expires_in': self.token_ttl,
                                       'scope': 'user:read:admin user:write:admin', 'api_url': self.url})

    # ------------------------------------------------------------ for modules

    def module_args(self):
        """Connection options pointing a module at this stub."""
        return dict(account_id=self.account_id, client_id=self.client_id, client_secret=self.client_secret,
                    api_url=self.url, oauth_url=self.oauth_url)

    def env(self):
        """Environment variables pointing a module at this stub."""
        return {'ZOOM_ACCOUNT_ID': self.account_id, 'ZOOM_CLIENT_ID': self.client_id, 'ZOOM_CLIENT_SECRET': self.client_secret,
                'ZOOM_API_URL': self.url, 'ZOOM_OAUTH_URL': self.oauth_url}


class FakeClock:
    """Monotonic time that only moves when someone sleeps (thread-safe); records every sleep."""

    def __init__(self, start=1000.0):
        self.now = float(start)
        self.sleeps = []
        self._lock = threading.Lock()

    def time(self):
        with self._lock:
            return self.now

    def sleep(self, seconds):
        with self._lock:
            self.sleeps.append(seconds)
            self.now += max(0.0, seconds)

    def advance(self, seconds):
        with self._lock:
            self.now += seconds


@pytest.fixture
def zoom_stub():
    stub = StubServer().start()
    try:
        yield stub
    finally:
        stub.stop()
    if stub.strict and stub.unexpected:
        pytest.fail('the stub received requests nothing was scripted for: %r' % (stub.unexpected,))


@pytest.fixture
def fake_clock():
    return FakeClock()


@pytest.fixture
def make_client(zoom_stub, fake_clock):  # pylint: disable=redefined-outer-name
    from ansible_collections.zoomops.provisioning.plugins.module_utils._client import ZoomClient

    clients = []

    def factory(**kwargs):
        options = dict(account_id=zoom_stub.account_id, client_id=zoom_stub.client_id, client_secret=zoom_stub.client_secret,
                       api_url=zoom_stub.url, oauth_url=zoom_stub.oauth_url, timeout=5, sleep=fake_clock.sleep)
        options.update(kwargs)
        client = ZoomClient(**options)
        clients.append(client)
        return client

    yield factory
    for client in clients:
        client.close()


def _patch_args(args):
    try:
        from ansible.module_utils.testing import patch_module_args
    except ImportError:  # ansible-core < 2.19
        import contextlib
        from unittest import mock
        from ansible.module_utils import basic
        from ansible.module_utils.common.text.converters import to_bytes

        @contextlib.contextmanager
        def patch_module_args(module_args=None):
            payload = to_bytes(json_dumps({'ANSIBLE_MODULE_ARGS': module_args or {}}))
            with mock.patch.object(basic, '_ANSIBLE_ARGS', payload):
                yield
    return patch_module_args(args)


def _clear_global_messages():
    """Forget warnings/deprecations collected by earlier in-process module runs (they are process-global)."""
    from ansible.module_utils.common import warnings as ansible_warnings

    for name in ('_global_warnings', '_global_deprecations'):
        store = getattr(ansible_warnings, name, None)
        if store is not None:
            store.clear()


@pytest.fixture
def module_args():
    """``with module_args({...}):`` -- AnsibleModule instances created inside see these arguments."""
    return _patch_args


@pytest.fixture
def run_module(monkeypatch, capsys):
    """``run_module(main, args, env=None)`` -> the module's result dict (parsed from its real JSON output)."""

    def runner(main, args, env=None):
        for key in ('ZOOM_ACCOUNT_ID', 'ZOOM_CLIENT_ID', 'ZOOM_CLIENT_SECRET', 'ZOOM_API_URL', 'ZOOM_OAUTH_URL'):
            monkeypatch.delenv(key, raising=False)
        for key, value in (env or {}).items():
            monkeypatch.setenv(key, value)
        _clear_global_messages()
        capsys.readouterr()
        with _patch_args(dict(args)):
            with pytest.raises(SystemExit):
                main()
        out = capsys.readouterr().out
        lines = [line for line in out.splitlines() if line.strip().startswith('{')]
        assert lines, 'the module printed no JSON result: %r' % out
        result = json_loads(lines[-1])
        result['_stdout'] = out
        return result

    return runner


# ---------------------------------------------------------------------------
# Simulator-backed fixtures: THE fake for behaviour (see the module docstring)
# ---------------------------------------------------------------------------

def _simulator(request):
    pytest.importorskip('zoomsim.testing')
    return request.getfixturevalue('zoomsim')


@pytest.fixture
def zoomsim_cases(request):
    """The file's one simulator (``zoomsim_module``) with the cases world loaded afresh: as clean as a new simulator
    per test, and faster. A test file opts in by naming it ``zoomsim`` (``sim_client`` and ``run_sim`` then use it)."""
    pytest.importorskip('zoomsim.testing')
    sim = request.getfixturevalue('zoomsim_module')
    sim.load('cases')
    return sim


@pytest.fixture
def sim_client(request, fake_clock):  # pylint: disable=redefined-outer-name
    """A ZoomClient against this test's simulator (``zoomsim`` and its world), sleeping on ``fake_clock``."""
    from ansible_collections.zoomops.provisioning.plugins.module_utils._client import ZoomClient

    sim = _simulator(request)
    cred = sim.credential
    client = ZoomClient(cred.account_id, cred.client_id, cred.client_secret, api_url=sim.url, oauth_url=sim.oauth_url,
                        timeout=10, sleep=fake_clock.sleep)
    try:
        yield client
    finally:
        client.close()


@pytest.fixture
def run_sim(request, run_module):  # pylint: disable=redefined-outer-name
    """``run_sim(main, args, check=False, diff=False, env=None)`` -> the result of a module run against this test's simulator.

    The connection comes from the environment (as with ``module_defaults``/CI); ``result['_writes']`` lists the write
    calls of that run (simulator request log entries), so "check mode / bad input makes zero writes" is one assert.
    ``run_sim.sim`` is the simulator handle.
    """
    sim = _simulator(request)

    def runner(main, args, check=False, diff=False, env=None):
        args = dict(args, _ansible_check_mode=check, _ansible_diff=diff)
        seq = sim.mark()
        result = run_module(main, args, env=dict(sim.env(), **(env or {})))
        result['_writes'] = sim.writes_since(seq)
        return result

    runner.sim = sim
    return runner
