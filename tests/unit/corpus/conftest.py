# -*- coding: utf-8 -*-
# Copyright: Contributors to the zoomops.provisioning collection
# GNU General Public License v3.0+ (see LICENSES/GPL-3.0-or-later.txt or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures of the corpus tests (bad input, fault table, Zoom's refusals, switch matrix); docs/TESTING.md explains them.

One simulator per test process
    ``ansible-test units`` runs every test in its own fork. A simulator started inside a test would be
    started again in every fork, so ``pytest_collection_finish`` starts it in the process that forks
    (its server thread keeps serving there while a fork runs a test) and the tests steer it only
    through its HTTP control API: a fork's copy of the in-process world would be stale.
    Between cases the world is reloaded (``corpus_sim.load``) or reset (~5 ms).

Fixtures
    ``corpus_sim``   the shared simulator (``CorpusSim``), marked at the start of the test.
    ``run_zoom``     ``run_zoom(module_name, args, check=False, env=None)`` -> result of the module's
                     ``main()`` run in-process against ``corpus_sim`` (the ``run_module`` fixture); fails the
                     test when the output holds the client secret, its Basic base64 or a bearer token.
    ``fast_retries`` caps every ``time.sleep`` at MAX_SLEEP (bad input and fault table: no waiting on backoff).
    ``sim_time``     turns every ``time.sleep`` into a move of the simulator clock (switch matrix).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type  # pylint: disable=invalid-name

import base64
import copy
import importlib
import json
import os
import re
import socket
import time

import pytest

zoomsim_testing = pytest.importorskip('zoomsim.testing')
zoomsim_world = pytest.importorskip('zoomsim.world')

CORPUS_DIR = os.path.dirname(os.path.abspath(__file__))
MODULE_PACKAGE = 'ansible_collections.zoomops.provisioning.plugins.modules.'
MODULES = ('zoom_user', 'zoom_scim_user', 'zoom_phone_user', 'zoom_phone_info', 'zoom_user_info', 'zoom_user_sync')
PLAIN_ACCOUNT = 'corpus-account'
MAX_ADVANCE = 600  # seconds: sim_time never moves the clock further in one sleep
MAX_SLEEP = 0.02  # seconds: backoff and Retry-After waits shrink to this; the simulator's faults fire once

_SHARED = {}  # 'sim': the process's CorpusSim; 'cases': the parsed packaged world


def corpus_world(account_id='cases-account'):
    """The packaged world ``cases`` (catalogue: tests/simulator/worlds/README.md) as a dict, made fast.

    Rate limits off and phone users ready at once, so no case waits on the clock (switches are set with
    ``zoomsim.testing.world_with``). ``account_id`` renames the account (PLAIN_ACCOUNT marks the untouched
    world the bad-input corpus runs in).
    """
    if 'cases' not in _SHARED:  # parsed once: YAML parsing costs more than a test
        _SHARED['cases'] = zoomsim_world.read_source('cases')
    world = copy.deepcopy(_SHARED['cases'])
    world['account']['id'] = account_id
    for credential in world['credentials']:
        if credential.get('account_id') == 'cases-account':
            credential['account_id'] = account_id
    world['rate_limits'] = {'enabled': False}
    world['behaviour'] = dict(world.get('behaviour') or {}, phone_provisioning_delay=0.0)
    return world


class CorpusSim:
    """The simulator shared by every corpus test of a process, steered only over HTTP (fork-safe)."""

    def __init__(self):
        self.world = corpus_world(account_id=PLAIN_ACCOUNT)
        self._context = zoomsim_testing.running_simulator(copy.deepcopy(self.world))
        self.handle = self._context.__enter__()  # pylint: disable=unnecessary-dunder-call
        self.url = self.handle.url
        self.owner = os.getpid()
        self.seq = 0

    def stop(self):
        self._context.__exit__(None, None, None)

    # ---- steering ------------------------------------------------------------------------------
    def load(self, world):
        """Serve ``world`` (a dict) from now on; it becomes the reset target."""
        self.world = copy.deepcopy(world)
        self.handle.control('POST', '/_sim/world', json=self.world)
        self.seq = self.mark()

    def use_plain_world(self):
        """Serve the untouched corpus world. Asked of the server, not of this object: under ansible-test each
        test is a fork, and an earlier fork may have loaded another world (those never use PLAIN_ACCOUNT)."""
        if self.handle.control('GET', '/_sim/health')['account_id'] != PLAIN_ACCOUNT:
            self.load(corpus_world(account_id=PLAIN_ACCOUNT))

    def reset(self):
        self.handle.reset()
        self.seq = self.mark()

    def set_faults(self, script):
        return self.handle.set_faults({'script': list(script)})

    # ---- observing (SimHandle's control-API calls: plain HTTP, so fork-safe too) -----------------
    def mark(self):
        self.seq = self.handle.mark()
        return self.seq

    def log(self, since=None, writes_only=False):
        return self.handle.log(since=self.seq if since is None else since, writes_only=writes_only)

    def writes(self, since=None):
        """Write calls (``write`` true in the request log) since the last mark."""
        return self.log(since=since, writes_only=True)

    def state(self):
        return self.handle.state()

    def user(self, email):
        """The user ``email`` in the live state (world-file form), or None; fails on duplicates."""
        return user_of(self.state(), email)

    # ---- pointing a module at it ---------------------------------------------------------------
    def env(self, **override):
        cred = self.world['credentials'][0]
        env = {'ZOOM_API_URL': self.url, 'ZOOM_OAUTH_URL': self.url + '/oauth/token',
               'ZOOM_ACCOUNT_ID': cred.get('account_id') or self.world['account']['id'],
               'ZOOM_CLIENT_ID': cred['client_id'], 'ZOOM_CLIENT_SECRET': cred['client_secret']}
        env.update(override)
        return dict((key, value) for key, value in env.items() if value is not None)


def user_of(state, email):
    """The user ``email`` in ``state`` (GET /_sim/state), or None; fails on duplicates."""
    found = [user for user in state['users'] if user['email'].lower() == email.lower()]
    assert len(found) <= 1, 'duplicate users for %s: %r' % (email, found)
    return found[0] if found else None


def shared_sim():
    if 'sim' not in _SHARED:
        _SHARED['sim'] = CorpusSim()
    return _SHARED['sim']


def pytest_collection_finish(session):
    """Before any test runs (so before ansible-test forks), if corpus tests run: start the shared simulator
    and import the modules, so that no fork pays for either."""
    if any(str(getattr(item, 'fspath', '')).startswith(CORPUS_DIR + os.sep) for item in session.items):
        shared_sim()
        for name in MODULES:
            try:
                importlib.import_module(MODULE_PACKAGE + name)
            except Exception:  # pylint: disable=broad-except  # the test that runs the module reports it
                pass


def pytest_sessionfinish(session):  # pylint: disable=unused-argument
    sim = _SHARED.pop('sim', None)
    if sim is not None and sim.owner == os.getpid():  # a fork never stops its parent's simulator
        sim.stop()


@pytest.fixture
def corpus_sim():
    sim = shared_sim()
    sim.set_faults([])
    sim.mark()
    return sim


def closed_port_url():
    """http://127.0.0.1:<port> where nothing listens (the port was free a moment ago)."""
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.bind(('127.0.0.1', 0))
    port = probe.getsockname()[1]
    probe.close()
    return 'http://127.0.0.1:%d' % port


def result_text(result):
    """What a person reads on failure: msg plus the problem/error/message lists (never the echoed args)."""
    parts = [result.get('msg') or '']
    for key in ('problems', 'errors', 'messages', 'failures', 'refusal', 'refused', 'conflicts', 'error'):
        if result.get(key):
            parts.append(json.dumps(result[key], ensure_ascii=False))
    return '\n'.join(str(part) for part in parts)


def has_traceback(result):
    return 'exception' in result or 'Traceback' in json.dumps(result)


@pytest.fixture
def fast_retries(monkeypatch):
    """Sleeps capped at MAX_SLEEP: a scripted fault fires once, so the retry after it need not wait the seconds
    Zoom would ask for (the phone wait loop binds its own sleep; phone users are ready at once in these worlds)."""
    real_sleep = time.sleep
    monkeypatch.setattr(time, 'sleep', lambda seconds: real_sleep(min(max(seconds, 0), MAX_SLEEP)))


@pytest.fixture
def sim_time(corpus_sim, monkeypatch):  # pylint: disable=redefined-outer-name
    """Every ``time.sleep`` moves the simulator's clock instead of waiting: a per-user lock expires, a phone user
    appears, a rate window passes, at once (the clock also runs, for code that bound its sleep at import).
    Returns the list of requested sleeps, so a test can check that no wait was absurd (a misread Reset header)."""
    requested = []

    def sleep(seconds):
        requested.append(seconds)
        if seconds > 0:
            corpus_sim.handle.control('POST', '/_sim/clock/advance', json={'seconds': min(seconds, MAX_ADVANCE)})

    monkeypatch.setattr(time, 'sleep', sleep)
    return requested


@pytest.fixture
def run_zoom(run_module, corpus_sim):  # pylint: disable=redefined-outer-name
    """``run_zoom(module_name, args, check=False, env=None, diff=True)``: the module's main() against the shared simulator."""

    def runner(module_name, args, check=False, env=None, diff=True):
        module = importlib.import_module(MODULE_PACKAGE + module_name)
        full = dict(args)
        full['_ansible_check_mode'] = check
        full['_ansible_diff'] = diff
        env = corpus_sim.env() if env is None else env
        result = run_module(module.main, full, env=env)
        leaked = secret_leaks(result, env, args)
        assert not leaked, '%s printed a secret: %s' % (module_name, leaked)
        return result

    return runner


def secret_leaks(result, env, args):
    """Secrets of this run found in its output: the client secret, the Basic header's base64, a bearer token."""
    client_id = args.get('client_id') or env.get('ZOOM_CLIENT_ID') or ''
    found = []
    for secret in set([args.get('client_secret'), env.get('ZOOM_CLIENT_SECRET')]) - set([None, '']):
        basic = base64.b64encode(('%s:%s' % (client_id, secret)).encode()).decode()
        found.extend(name for name, value in (('client_secret', secret), ('Basic credentials', basic)) if value in json.dumps(result))
    found.extend('bearer token' for _match in re.finditer(r'Bearer\s+[A-Za-z0-9._~+/=-]{8,}', json.dumps(result)))
    return found
