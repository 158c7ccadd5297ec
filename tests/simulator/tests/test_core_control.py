"""The control API under /_sim/ (issue: "World, control and observation")."""

import pytest
import requests
import yaml

from zoomsim.testing import running_simulator
from zoomsim.world import load_world

USER = "/v2/users/owner@example.com"


def test_health(zoomsim):
    body = zoomsim.control("GET", "/_sim/health")
    assert body["status"] == "ok" and body["account_id"] == "cases-account" and body["url"] == zoomsim.url


def test_reset_restores_the_initial_world_with_the_same_ids(zoomsim):
    """POST /_sim/reset: changes are undone, ids are the same (seeded), the log is kept."""
    before = zoomsim.state()
    assert zoomsim.call("POST", "/v2/users", json={"action": "ssoCreate", "user_info": {"email": "x@example.com", "type": 1}}).status_code == 201
    assert zoomsim.call("DELETE", "/v2/users/bob@example.com", params={"action": "delete"}).status_code == 204
    seq = zoomsim.mark()
    zoomsim.reset()
    after = zoomsim.state()
    assert {u["email"]: u["id"] for u in after["users"]} == {u["email"]: u["id"] for u in before["users"]}
    assert zoomsim.mark() == seq  # the log survives a reset
    assert zoomsim.call("GET", "/v2/users/bob@example.com").status_code == 200


def test_load_world_yaml_and_json(zoomsim, core_world):
    """POST /_sim/world takes YAML or JSON; the new world becomes the reset target."""
    answer = requests.post(zoomsim.url + "/_sim/world", data=yaml.safe_dump(core_world()), timeout=10)
    assert answer.status_code == 200 and "core-account" in answer.json()["summary"]
    assert zoomsim.control("GET", "/_sim/health")["account_id"] == "core-account"
    zoomsim.reset()
    assert zoomsim.control("GET", "/_sim/health")["account_id"] == "core-account"
    answer = requests.post(zoomsim.url + "/_sim/world", json={"account": {"id": "tiny"}}, timeout=10)
    assert answer.status_code == 200 and zoomsim.control("GET", "/_sim/world") == {"account": {"id": "tiny"}}


def test_invalid_world_is_refused_with_the_place(zoomsim):
    answer = requests.post(zoomsim.url + "/_sim/world", data="users:\n  - {email: a@example.com, colour: red}\n", timeout=10)
    assert answer.status_code == 400 and "colour" in answer.json()["message"]
    assert zoomsim.control("GET", "/_sim/health")["account_id"] == "cases-account"  # unchanged


def test_state_masks_secrets(zoomsim):
    """GET /_sim/state dumps the world (with ids) for independent checks; secrets are masked."""
    state = zoomsim.state()
    assert {c["client_secret"] for c in state["credentials"]} == {"********"}
    emails = {u["email"] for u in state["users"]}
    assert {"alice@example.com", "pending.invited@example.com", "Mixed.Case@Example.com"} <= emails
    full = next(u for u in state["users"] if u["email"] == "phone.full@example.com")
    assert full["phone"]["extension"] == 1001 and full["phone"]["numbers"] == ["+14155550101"]


def test_no_control_answer_carries_a_client_secret(zoomsim):
    """Control answers never return a client secret: GET /_sim/world masks it like /_sim/state (issue #10)."""
    zoomsim.call("GET", USER)
    world = zoomsim.control("GET", "/_sim/world")
    assert {c["client_secret"] for c in world["credentials"]} == {"********"}
    assert zoomsim.world.source["credentials"][0]["client_secret"] == "cases-client-secret"  # the reset target keeps it
    answers = [zoomsim.session.get(zoomsim.url + path, timeout=10).text
               for path in ("/_sim/health", "/_sim/world", "/_sim/state", "/_sim/log", "/_sim/counters", "/_sim/clock",
                            "/_sim/faults", "/_sim/behaviour")]
    answers.append(zoomsim.session.post(zoomsim.url + "/_sim/reset", timeout=10).text)
    for secret in {c.client_secret for c in zoomsim.world.credentials}:
        assert not any(secret in text for text in answers)


def test_log_filters_mark_and_clear(zoomsim):
    """GET /_sim/log?since&writes&family&status, POST /_sim/log/mark, DELETE /_sim/log."""
    zoomsim.call("GET", USER)
    seq = zoomsim.mark()
    zoomsim.call("PATCH", "/v2/users/alice@example.com", json={"job_title": "VP"})
    zoomsim.call("GET", "/v2/phone/users")
    zoomsim.call("GET", "/v2/nowhere")
    assert len(zoomsim.log(since=seq)) == 3
    assert [e["method"] for e in zoomsim.log(since=seq, writes_only=True)] == ["PATCH"]
    assert [e["path"] for e in zoomsim.log(since=seq, family="phone")] == ["/v2/phone/users"]
    assert [e["path"] for e in zoomsim.log(since=seq, status=404)] == ["/v2/nowhere"]
    assert len(zoomsim.log(since=seq, limit=1)) == 1
    body = zoomsim.control("GET", "/_sim/log", params={"since": seq})
    assert body["last_seq"] == seq + 3
    zoomsim.control("DELETE", "/_sim/log")
    assert zoomsim.log() == [] and zoomsim.counters()["requests"] == 0
    assert zoomsim.mark() == seq + 3  # sequence numbers keep growing


def test_counters(zoomsim):
    """GET /_sim/counters: totals by label, family, status, method, operation; writes; throttled; faults."""
    zoomsim.control("DELETE", "/_sim/log")
    zoomsim.call("GET", USER)
    zoomsim.call("PATCH", "/v2/users/alice@example.com", json={"job_title": "VP"})
    counters = zoomsim.counters()
    assert counters["requests"] == 3  # token + 2 calls
    assert counters["writes"] == 1 and counters["by_family"]["oauth"] == 1
    assert counters["by_label"]["Light"] == 2 and counters["by_status"]["204"] == 1
    assert counters["by_method"] == {"POST": 1, "GET": 1, "PATCH": 1}
    assert counters["by_operation"]["userUpdate"] == 1


def test_clock_advance_and_freeze(zoomsim):
    """POST /_sim/clock/advance moves time without sleeping; PUT /_sim/clock freezes it."""
    frozen = zoomsim.freeze_clock(True)
    assert frozen["frozen"] is True
    moved = zoomsim.advance(86400)
    assert moved["now"] == frozen["now"] + 86400 and moved["frozen"] is True
    assert zoomsim.control("GET", "/_sim/clock")["now"] == moved["now"]  # frozen: real time does not move it
    answer = requests.post(zoomsim.url + "/_sim/clock/advance", json={"seconds": -5}, timeout=10)
    assert answer.status_code == 400


def test_clock_advance_expires_invitations(zoomsim):
    """§2.11: invitations live 30 days; the one sent 29.5 days ago expires after one more day and becomes a
    stuck email (REST: gone from the pending list; SCIM: 400 like the other dead invitations, §4.4)."""
    assert zoomsim.call("GET", "/v2/users/pending.expiring@example.com").json()["status"] == "pending"
    zoomsim.advance(86400)
    state = zoomsim.state()
    assert "pending.expiring@example.com" not in {u["email"] for u in state["users"]}
    assert "pending.expiring@example.com" in {d["email"] for d in state["dead_invitations"]}


def test_tokens_revoke_and_expire(zoomsim):
    zoomsim.token()
    assert zoomsim.control("POST", "/_sim/tokens/expire") == {"expired": 1}
    assert zoomsim.control("POST", "/_sim/tokens/revoke") == {"revoked": 1}


def test_behaviour_patch(zoomsim):
    """PUT /_sim/behaviour patches switches; unknown names are refused."""
    body = zoomsim.set_behaviour(scim_pending_status=404)
    assert body["scim_pending_status"] == 404
    answer = requests.put(zoomsim.url + "/_sim/behaviour", json={"no_such_switch": 1}, timeout=10)
    assert answer.status_code == 400 and "no_such_switch" in answer.json()["message"]


def test_rate_limits_at_runtime(zoomsim):
    """PUT /_sim/rate_limits replaces the section (tier, overrides) and restarts the windows."""
    zoomsim.freeze_clock(True)
    zoomsim.token()
    assert zoomsim.set_rate_limits(tier="pro", overrides={"Light": 1})["tier"] == "pro"
    assert [zoomsim.call("GET", USER).status_code for _attempt in range(2)] == [200, 429]
    answer = requests.put(zoomsim.url + "/_sim/rate_limits", json={"tier": "platinum"}, timeout=10)
    assert answer.status_code == 400


def test_accept_pending_invitation(zoomsim):
    """§2.11/§5.8: POST /_sim/users/{email}/accept: the invitee becomes an active user of the account."""
    answer = zoomsim.accept("pending.invited@example.com")
    assert answer["status"] == "active"
    assert zoomsim.call("GET", "/v2/users/pending.invited@example.com").json()["status"] == "active"
    missing = requests.post(zoomsim.url + "/_sim/users/alice@example.com/accept", timeout=10)
    assert missing.status_code == 404


def test_control_needs_no_token_and_handle_load(core_world):
    """/_sim/ needs no token; SimHandle.load swaps the world in-process."""
    with running_simulator("cases") as sim:
        assert requests.get(sim.url + "/_sim/counters", timeout=10).status_code == 200
        sim.load(core_world())
        assert sim.world.account.id == "core-account"
        assert sim.call("GET", "/v2/users/ann@example.com").status_code == 200


@pytest.mark.parametrize("zoomsim", ["demo"], indirect=True)
def test_fixture_parametrised_with_a_world(zoomsim):
    """The fixture takes its world from indirect parametrisation."""
    assert zoomsim.account_id == "demo-account"


@pytest.mark.zoomsim_world("demo")
def test_fixture_world_marker_and_alias(simulator):
    """@pytest.mark.zoomsim_world picks the world; `simulator` is an alias of `zoomsim`."""
    assert simulator.world.account.id == "demo-account"


def test_reset_of_a_world_built_in_code_is_refused():
    """A World object made in code has no world file: reset answers 409 instead of emptying it."""
    world = load_world("cases")
    world.source = None
    with running_simulator(world) as sim:
        answer = requests.post(sim.url + "/_sim/reset", timeout=10)
        assert answer.status_code == 409 and sim.world is world
