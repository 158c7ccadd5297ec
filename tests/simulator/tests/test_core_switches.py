"""World switches for Zoom answers the modules must survive or explain (issue #10 items 3-5).

Facts: docs/ZOOM-API-FACTS.md (§1.4/§1.5 scopes, §2.1 REST API disabled, §2.3/§2.7/§2.8 seats,
§2.5 email lookups, §2.9/§6.3 concurrent removals and the per-user lock, §2.4/§4.3/§5.6 page sizes,
§5.8 phone user appearing); switches: docs/SIMULATOR.md.
"""

import dataclasses

import pytest
import requests

from zoomsim.model import Account, Behaviour
from zoomsim.testing import (FAULT_CONDITIONS, PLAUSIBLE_SETTINGS, plausible_variants, running_simulator,
                             world_with)

CONCURRENT = "Too many concurrent requests. A request to disassociate this user has already been made."


def api_log(sim, seq):
    """Logged Zoom API calls after `seq` (without the token calls)."""
    return [entry for entry in sim.log(since=seq) if entry["family"] != "oauth"]


def create(sim, email, user_type=1, action="ssoCreate"):
    return sim.call("POST", "/v2/users", json={"action": action, "user_info": {"email": email, "type": user_type}})


# ---- the published settings ----------------------------------------------------------------------
def test_plausible_settings_name_real_switches_default_first():
    defaults = dataclasses.asdict(Behaviour())
    for name, values in PLAUSIBLE_SETTINGS.items():
        assert name in defaults, name
        assert values[0] == defaults[name], name
        assert len(values) >= 2 and len({repr(v) for v in values}) == len(values), name
    for name, values in FAULT_CONDITIONS.items():
        assert name in defaults and values, name


def test_plausible_variants_lists_every_non_default_value():
    variants = plausible_variants()
    assert ("unknown_email_lookup_code", 1010) in variants and ("phone_list_duplicates", False) in variants
    assert all(value != PLAUSIBLE_SETTINGS[name][0] for name, value in variants)
    assert plausible_variants(["page_size_over_max"]) == [("page_size_over_max", "refuse")]


def test_world_with_merges_overrides_without_touching_the_base(core_world):
    base = core_world()
    built = world_with(base, account={"paid_seats": 1}, phone_list_duplicates=False)
    assert built["behaviour"]["phone_list_duplicates"] is False and built["account"]["paid_seats"] == 1
    assert built["account"]["id"] == "core-account" and "behaviour" not in base
    assert world_with()["account"]["id"] == "cases-account"  # default: the packaged world "cases"
    with pytest.raises(TypeError, match="no_such_switch"):
        world_with(base, no_such_switch=True)
    with pytest.raises(TypeError, match="seats"):
        world_with(base, account={"seats": 3})
    assert {f.name for f in dataclasses.fields(Account)} >= {"paid_seats", "basic_seats"}


@pytest.mark.parametrize("name,value", plausible_variants())
def test_every_plausible_world_loads_and_answers(core_world, name, value):
    """Each plausible setting gives a working simulator (the module switch matrix builds on this)."""
    with running_simulator(world_with(core_world(), **{name: value})) as sim:
        assert getattr(sim.world.behaviour, name) == value
        assert sim.call("GET", "/v2/users/ann@example.com").status_code == 200


# ---- scopes (§1.4, §1.5) --------------------------------------------------------------------------
def test_missing_classic_scope_names_it(core_world):
    with running_simulator(world_with(core_world(), app_scopes=["user:read:admin"])) as sim:
        token = requests.post(sim.oauth_url, data={"grant_type": "account_credentials", "account_id": sim.account_id},
                              auth=(sim.credential.client_id, sim.credential.client_secret), timeout=10).json()
        assert token["scope"] == "user:read:admin"
        assert sim.call("GET", "/v2/users/ann@example.com").status_code == 200
        seq = sim.mark()
        resp = create(sim, "new@example.com")
        assert resp.status_code == 400
        assert resp.json() == {"code": 4711,
                               "message": "Invalid access token, does not contain scopes:[user:write:admin]."}
        entry = api_log(sim, seq)[0]
        assert entry["status"] == 400 and "user:write:admin" in entry["detail"]
        assert sim.world.user_by_email("new@example.com") is None


def test_missing_granular_scope_names_the_granular_one(core_world):
    """The reported body names the granular scope (user:read:list_users:admin, §1.4)."""
    with running_simulator(world_with(core_world(), app_scopes=["user:read:user:admin"])) as sim:
        assert sim.call("GET", "/v2/users/ann@example.com").status_code == 200
        resp = sim.call("GET", "/v2/users")
        assert resp.json() == {"code": 4711, "message": "Invalid access token, does not contain scopes:"
                                                        "[user:read:list_users:admin]."}
        resp = sim.call("GET", "/v2/phone/users/ann@example.com")
        assert resp.json()["message"] == "Invalid access token, does not contain scopes:[phone:read:user:admin]."


def test_no_scopes_refuses_every_api_call_but_not_the_control_api(core_world):
    with running_simulator(world_with(core_world(), app_scopes=[])) as sim:
        for path in ("/v2/users", "/v2/phone/users", "/scim2/Users"):
            assert sim.call("GET", path).json()["code"] == 4711, path
        assert sim.control("GET", "/_sim/health")["status"] == "ok"


# ---- REST API disabled (§2.1) ---------------------------------------------------------------------
def test_rest_api_disabled_answers_403(core_world):
    text = "Access to the Zoom REST API has been denied for this account. Contact Zoom Support for details."
    with running_simulator(world_with(core_world(), rest_api_disabled=True)) as sim:
        seq = sim.mark()
        resp = sim.call("DELETE", "/v2/users/ann@example.com", params={"action": "delete"})
        assert resp.status_code == 403 and resp.json() == {"code": 403, "message": text}
        assert sim.world.user_by_email("ann@example.com") is not None
        assert api_log(sim, seq)[0]["detail"] == "Behaviour.rest_api_disabled"
        resp = sim.call("GET", "/scim2/Users")
        assert resp.status_code == 403 and resp.json()["detail"] == text
        sim.set_behaviour(rest_api_disabled=False)
        assert sim.call("GET", "/v2/users/ann@example.com").status_code == 200


# ---- seats (§2.3, §2.7, §2.8) ---------------------------------------------------------------------
PAID_2034 = ("Your request to add a new Licensed user could not be approved at this time because your account has "
             "reached the permitted maximum number of 2 users. Please purchase additional licenses or contact the "
             "Zoom support team to provision additional users in your account.")
BASIC_2033 = ("Your request to add a basic user wasn't approved because you've already reached the maximum basic user "
              "limit allowed in your account. For additional help regarding this issue, contact the Zoom Customer "
              "Support team.")


def test_no_paid_seat_on_create_2034(core_world):
    """owner and ann hold the 2 paid seats; a Basic user still fits."""
    with running_simulator(world_with(core_world(), account={"paid_seats": 2})) as sim:
        resp = create(sim, "lic@example.com", user_type=2)
        assert resp.status_code == 400 and resp.json() == {"code": 2034, "message": PAID_2034}
        assert sim.world.user_by_email("lic@example.com") is None
        assert create(sim, "basic@example.com", user_type=1).status_code == 201


def test_no_basic_seat_on_create_2033_and_pending_counts(core_world):
    """pat (pending, Basic) holds the only basic seat."""
    with running_simulator(world_with(core_world(), account={"basic_seats": 1})) as sim:
        resp = create(sim, "basic@example.com")
        assert resp.status_code == 400 and resp.json() == {"code": 2033, "message": BASIC_2033}
        assert create(sim, "lic@example.com", user_type=2).status_code == 201


def test_seat_limit_error_3412(core_world):
    world = world_with(core_world(), account={"paid_seats": 2, "basic_seats": 1}, seat_limit_error="3412")
    with running_simulator(world) as sim:
        paid = create(sim, "lic@example.com", user_type=2).json()
        assert paid["code"] == 3412 and '"2" paying users' in paid["message"]
        basic = create(sim, "basic@example.com").json()
        assert basic["code"] == 3412 and "maximum number of 1 basic users" in basic["message"]


def test_no_paid_seat_on_type_change_and_no_basic_seat_on_activation(core_world):
    with running_simulator(world_with(core_world(), account={"paid_seats": 3, "basic_seats": 2})) as sim:
        assert create(sim, "extra@example.com", user_type=2).status_code == 201  # paid seats now 3 of 3
        assert create(sim, "bob@example.com").status_code == 201  # basic seats 2 of 2 (pat, bob)
        resp = sim.call("PATCH", "/v2/users/bob@example.com", json={"type": 2})
        assert resp.status_code == 400 and resp.json()["code"] == 2034
        assert 'plan type to "Licensed"' in resp.json()["message"]
        assert sim.call("GET", "/v2/users/bob@example.com").json()["type"] == 1
        sim.call("PUT", "/v2/users/bob@example.com/status", json={"action": "deactivate"})
        assert create(sim, "carl@example.com").status_code == 201  # bob's seat went back
        resp = sim.call("PUT", "/v2/users/bob@example.com/status", json={"action": "activate"})
        assert resp.status_code == 400 and resp.json()["code"] == 2033
        assert sim.call("GET", "/v2/users/bob@example.com").json()["status"] == "inactive"


def test_no_paid_seat_on_scim_create(core_world):
    """SCIM answers its own documented licence text, 409 `Cannot add paid users.` (§4.5)."""
    def scim_user(email, user_type):
        return {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": email, "userType": user_type,
                "name": {"givenName": "New", "familyName": "User"}}

    with running_simulator(world_with(core_world(), account={"paid_seats": 2})) as sim:
        resp = sim.call("POST", "/scim2/Users", json=scim_user("lic@example.com", "Licensed"))
        assert resp.status_code == 409 and resp.json()["detail"] == "Cannot add paid users."
        assert sim.world.user_by_email("lic@example.com") is None
        assert sim.call("POST", "/scim2/Users", json=scim_user("basic@example.com", "Basic")).status_code == 201


# ---- concurrent removals and the per-user lock (§2.9, §6.3) ---------------------------------------
def test_removal_concurrent_429_once_then_retry_works(core_world):
    with running_simulator(world_with(core_world(), removal_concurrent_429="once")) as sim:
        seq = sim.mark()
        resp = sim.call("DELETE", "/v2/users/ann@example.com", params={"action": "delete"})
        assert resp.status_code == 429 and resp.json() == {"code": 429, "message": CONCURRENT}
        assert sim.world.user_by_email("ann@example.com") is not None
        assert "removal_concurrent_429" in api_log(sim, seq)[0]["detail"]
        assert sim.call("DELETE", "/v2/users/ann@example.com", params={"action": "delete"}).status_code == 204


def test_removal_concurrent_429_once_removed_then_gone(core_world):
    with running_simulator(world_with(core_world(), removal_concurrent_429="once_removed")) as sim:
        assert sim.call("DELETE", "/v2/users/ann@example.com", params={"action": "delete"}).status_code == 429
        assert sim.world.user_by_email("ann@example.com") is None
        resp = sim.call("DELETE", "/v2/users/ann@example.com", params={"action": "delete"})
        assert resp.status_code == 404 and resp.json()["code"] == 1001


def test_removal_concurrent_429_once_removed_keeps_refusals(core_world):
    """The other request fails like this one would (1107: managed domain): the user stays."""
    with running_simulator(world_with(core_world(), removal_concurrent_429="once_removed")) as sim:
        assert sim.call("DELETE", "/v2/users/ann@example.com").status_code == 429
        assert sim.world.user_by_email("ann@example.com") is not None
        assert sim.call("DELETE", "/v2/users/ann@example.com").json()["code"] == 1107


def test_per_user_lock_after_create(core_world):
    """Clock frozen: the lock lasts until the clock moves past the window."""
    with running_simulator(world_with(core_world(), user_create_lock_seconds=2.0)) as sim:
        assert create(sim, "new@example.com").status_code == 201
        seq = sim.mark()
        for method, path, body in (("GET", "/v2/users/new@example.com", None),
                                   ("PATCH", "/v2/users/new@example.com", {"job_title": "x"}),
                                   ("PUT", "/v2/users/new@example.com/status", {"action": "deactivate"}),
                                   ("DELETE", "/v2/users/new@example.com", None)):
            resp = sim.call(method, path, json=body)
            assert resp.status_code == 429 and resp.json() == {"code": 429, "message": CONCURRENT}, method
        assert all("per-user lock" in e["detail"] for e in api_log(sim, seq))
        assert sim.call("GET", "/v2/users/ann@example.com").status_code == 200  # other users are free
        sim.advance(2)
        assert sim.call("GET", "/v2/users/new@example.com").status_code == 200


# ---- email lookups (§2.5) -------------------------------------------------------------------------
EXTERNAL = {"external_accounts": [{"email": "someone@gmail.com", "kind": "personal"}]}


@pytest.mark.parametrize("external,unknown", [(1010, 1001), (1001, 1001), (1010, 1010)])
def test_email_lookup_outside_the_account(core_world, external, unknown):
    world = world_with(core_world(**EXTERNAL), external_email_lookup_code=external, unknown_email_lookup_code=unknown)
    expected = {1010: (400, 1010), 1001: (404, 1001)}
    with running_simulator(world) as sim:
        for email, code in (("someone@gmail.com", external), ("never.seen@example.net", unknown)):
            resp = sim.call("GET", "/v2/users/" + email)
            assert (resp.status_code, resp.json()["code"]) == expected[code], email
        assert sim.call("GET", "/v2/users/NoSuchId000000000000").json()["code"] == 1001  # ids: always 1001
        assert sim.call("GET", "/v2/users/ann@example.com").status_code == 200


# ---- phone user seen, then gone once (§5.8) -------------------------------------------------------
def test_phone_user_vanishes_once_after_first_read(core_world):
    with running_simulator(world_with(core_world(), phone_user_vanishes_once=True)) as sim:
        codes = [sim.call("GET", "/v2/phone/users/ann@example.com").status_code for _attempt in range(4)]
        assert codes == [200, 404, 200, 200]


# ---- page sizes above the maximum (§2.4, §4.3, §5.6) ----------------------------------------------
def test_page_size_over_max_clamped_by_default(zoomsim):
    assert zoomsim.call("GET", "/v2/users", params={"page_size": 5000}).json()["page_size"] == 300
    assert zoomsim.call("GET", "/v2/phone/users", params={"page_size": 500}).json()["page_size"] == 100
    resp = zoomsim.call("GET", "/scim2/Users", params={"count": 500})
    assert resp.status_code == 200 and resp.json()["itemsPerPage"] <= 100


def test_page_size_over_max_refused(core_world):
    with running_simulator(world_with(core_world(), page_size_over_max="refuse")) as sim:
        seq = sim.mark()
        resp = sim.call("GET", "/v2/users", params={"page_size": 301})
        assert resp.status_code == 400
        assert resp.json() == {"code": 300, "message": "Validation Failed.",
                               "errors": [{"field": "page_size", "message": "Invalid field."}]}
        assert api_log(sim, seq)[0]["detail"] == "page_size 301 is above the maximum 300"
        assert sim.call("GET", "/v2/users", params={"page_size": 300}).status_code == 200
        assert sim.call("GET", "/v2/phone/users", params={"page_size": 101}).json()["code"] == 300
        resp = sim.call("GET", "/scim2/Users", params={"count": 101})
        assert resp.status_code == 400 and resp.json()["detail"] == 'The "count" of the request is invalid.'


def test_page_size_max_follows_users_page_size_max(core_world):
    world = world_with(core_world(), page_size_over_max="refuse", users_page_size_max=2000)
    with running_simulator(world) as sim:
        assert sim.call("GET", "/v2/users", params={"page_size": 2000}).status_code == 200
        assert sim.call("GET", "/v2/users", params={"page_size": 2001}).status_code == 400


# ---- request log: why a request was refused --------------------------------------------------------
def test_validation_failure_reason_is_logged(core_world):
    with running_simulator(core_world()) as sim:
        seq = sim.mark()
        resp = create(sim, "not-an-email")
        assert resp.json()["errors"] == [{"field": "user_info.email", "message": "Invalid field."}]
        detail = api_log(sim, seq)[0]["detail"]
        assert detail.startswith("spec check failed: user_info.email: ") and "not-an-email" in detail
        assert sim.call("GET", "/v2/users/ann@example.com").status_code == 200
        assert api_log(sim, seq)[-1]["detail"] is None
