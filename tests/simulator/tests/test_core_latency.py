"""Latency injection and concurrency: latency is slept outside every lock, so clients overlap."""

import threading
import time

import requests

from zoomsim.testing import running_simulator

USER = "/v2/users/owner@example.com"


def _timed_parallel(sim, count):
    token = sim.token()
    barrier = threading.Barrier(count)
    statuses = []

    def worker():
        with requests.Session() as session:
            barrier.wait()
            answer = session.get(sim.url + USER, headers={"Authorization": "Bearer " + token}, timeout=30)
            statuses.append(answer.status_code)

    threads = [threading.Thread(target=worker) for _attempt in range(count)]
    started = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return time.monotonic() - started, statuses


def test_latency_does_not_serialise_requests(core_world):
    """Issue: 16 concurrent requests with 200 ms latency finish in about 200 ms, not 16 x 200 ms = 3.2 s
    (the bound leaves room for a busy 2-core CI machine)."""
    with running_simulator(core_world(latency={"ms": 200})) as sim:
        elapsed, statuses = _timed_parallel(sim, 16)
    assert statuses == [200] * 16
    assert 0.2 <= elapsed < 1.6, elapsed


def test_latency_applies_to_each_request(core_world):
    """latency.ms delays every API answer (the control API is never delayed)."""
    with running_simulator(core_world(latency={"ms": 150})) as sim:
        sim.token()
        started = time.monotonic()
        sim.call("GET", USER)
        assert time.monotonic() - started >= 0.15
        started = time.monotonic()
        sim.control("GET", "/_sim/health")
        assert time.monotonic() - started < 0.1


def test_latency_jitter_and_runtime_change(core_world):
    """PUT /_sim/latency changes it at runtime; jitter spreads it within ms +- jitter_ms."""
    with running_simulator(core_world()) as sim:
        sim.token()
        assert sim.set_latency(100, jitter_ms=50) == {"ms": 100.0, "jitter_ms": 50.0}
        durations = []
        for _attempt in range(5):
            started = time.monotonic()
            sim.call("GET", USER)
            durations.append(time.monotonic() - started)
        assert min(durations) >= 0.05 and max(durations) < 0.5
