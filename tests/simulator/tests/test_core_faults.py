"""Fault injection: scripted and random 429s, 5xx, dropped connections, slow and lost answers."""

import time

import pytest
import requests

from secret_support import secret
from zoomsim.faults import FaultPlan, FaultPlanError
from zoomsim.testing import running_simulator

USER = "/v2/users/owner@example.com"


def script(fault, method="GET", path="/v2/users/*", after=0, times=1):
    return {"script": [{"match": {"method": method, "path": path}, "after": after, "times": times, "fault": fault}]}


def test_http_429_storm(zoomsim):
    """§6.3: an injected 429 looks like a per-second hit (Zoom's body and QPS headers)."""
    zoomsim.token()
    zoomsim.set_faults(script("http_429", times=2))
    answers = [zoomsim.call("GET", USER) for _attempt in range(3)]
    assert [a.status_code for a in answers] == [429, 429, 200]
    assert answers[0].json()["code"] == 429
    assert answers[0].headers["X-RateLimit-Type"] == "QPS" and answers[0].headers["X-RateLimit-Reset"] == "1"


@pytest.mark.parametrize("fault,status,json_body", [("http_500", 500, True), ("http_502", 502, False), ("http_503", 503, False)])
def test_server_errors(zoomsim, fault, status, json_body):
    """5xx answers: 500 with a Zoom-style JSON body, 502/503 as a gateway's HTML page (clients must cope)."""
    zoomsim.token()
    zoomsim.set_faults(script(fault))
    answer = zoomsim.call("GET", USER)
    assert answer.status_code == status
    assert answer.headers["Content-Type"].startswith("application/json" if json_body else "text/html")
    assert zoomsim.call("GET", USER).status_code == 200


def test_dropped_connection(zoomsim):
    """A dropped connection: the server closes the socket without answering; nothing happened."""
    zoomsim.token()
    zoomsim.set_faults(script("drop", method="PATCH", path="/v2/users/*"))
    with pytest.raises(requests.ConnectionError):
        zoomsim.call("PATCH", "/v2/users/alice@example.com", json={"job_title": "Dropped"})
    assert zoomsim.world.user_by_email("alice@example.com").job_title == "Account Executive"
    (entry,) = [e for e in zoomsim.log() if e["fault"] == "drop"]
    assert entry["status"] == 0 and entry["write"] is True


def test_lost_response_applies_the_write(zoomsim):
    """A create that lands but whose answer is lost: the user exists, the client saw a dropped connection."""
    zoomsim.token()
    zoomsim.set_faults(script("lost_response", method="POST", path="/v2/users"))
    with pytest.raises(requests.ConnectionError):
        zoomsim.call("POST", "/v2/users", json={"action": "ssoCreate", "user_info": {"email": "lost@example.com", "type": 1}})
    assert zoomsim.world.user_by_email("lost@example.com") is not None
    entry = [e for e in zoomsim.log() if e["fault"] == "lost_response"][0]
    assert entry["status"] == 201 and entry["write"] is True
    retry = zoomsim.call("POST", "/v2/users", json={"action": "ssoCreate", "user_info": {"email": "lost@example.com", "type": 1}})
    assert retry.status_code == 409  # a blind retry of the POST now collides (§2.3 code 1005)


def test_slow_answer(zoomsim):
    """A slow answer: the request waits slow_ms, then succeeds."""
    zoomsim.token()
    zoomsim.set_faults(dict(script("slow"), slow_ms=300))
    started = time.monotonic()
    assert zoomsim.call("GET", USER).status_code == 200
    assert time.monotonic() - started >= 0.3


def test_expire_tokens_fault(zoomsim):
    """§1.4: the expire_tokens fault ends every token at that request: 401 'Access token is expired.'."""
    token = secret(zoomsim.token())
    zoomsim.set_faults(script("expire_tokens"))
    answer = zoomsim.call("GET", USER, token=token)
    assert answer.status_code == 401 and answer.json()["message"] == "Access token is expired."


def test_script_after_and_times_and_glob():
    """Script semantics: `after` skips matching requests, `times` hits that many, the path is a glob."""
    entry = {"match": {"method": "post", "path": "/v2/users*"}, "after": 1, "times": 2, "fault": "http_500"}
    plan = FaultPlan.from_dict({"script": [entry]})
    decisions = [plan.decide("POST", "/v2/users") for _attempt in range(4)]
    assert decisions == [None, "http_500", "http_500", None]
    assert plan.decide("GET", "/v2/users") is None
    forever = FaultPlan.from_dict({"script": [{"match": {}, "times": None, "fault": "drop"}]})
    assert {forever.decide("GET", "/x") for _attempt in range(5)} == {"drop"}


def test_probabilities_are_deterministic_for_a_seed():
    """A seeded plan makes the same decisions for the same request sequence."""
    def run(seed):
        plan = FaultPlan.from_dict({"seed": seed, "probability": {"http_503": 0.3, "drop": 0.1}})
        return [plan.decide("GET", "/v2/users") for _attempt in range(200)]

    first = run(7)
    assert first == run(7) and first != run(8)
    assert 30 < first.count("http_503") < 90 and first.count("drop") > 0


@pytest.mark.parametrize("bad", [{"probability": {"http_404": 0.1}}, {"probability": {"drop": 2}},
                                 {"script": [{"fault": "explode"}]}, {"script": [{"fault": "drop", "when": 1}]},
                                 {"surprise": 1}])
def test_invalid_plans_are_refused(bad):
    """A wrong fault plan fails loudly (world file and PUT /_sim/faults)."""
    with pytest.raises(FaultPlanError):
        FaultPlan.from_dict(bad)


def test_put_faults_validates_and_reports(zoomsim):
    """PUT /_sim/faults answers 400 for a bad plan and returns the active plan with its counters."""
    answer = requests.put(zoomsim.url + "/_sim/faults", json={"probability": {"nope": 1}}, timeout=10)
    assert answer.status_code == 400 and "nope" in answer.json()["message"]
    zoomsim.token()
    zoomsim.set_faults(script("http_500"))
    zoomsim.call("GET", USER)
    plan = zoomsim.control("GET", "/_sim/faults")
    assert plan["script"][0]["seen"] == 1
    assert zoomsim.counters()["faults"] == {"http_500": 1}


def test_faults_from_the_world_file(core_world):
    """World file `faults:` with a probability of 1 hits every call, the token call included; not /_sim/."""
    with running_simulator(core_world(faults={"seed": 3, "probability": {"http_503": 1.0}})) as sim:
        with pytest.raises(requests.HTTPError):
            sim.token()
        assert sim.control("GET", "/_sim/health")["status"] == "ok"
        sim.set_faults({})
        assert sim.call("GET", USER).status_code == 200
