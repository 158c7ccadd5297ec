"""Phone routes end to end: a world file, real HTTP (zoomsim.testing.running_simulator) with bearer
auth, request validation against the raw spec and Zoom's error bodies (docs/ZOOM-API-FACTS.md §5, §6, §7).

Uses test_users_support.simulator(): the real server when zoomsim.testing exists, else the in-process
dispatcher with the same interface. Success bodies are checked against the raw phone spec.
"""

import urllib.parse

import pytest

from test_phone_handlers import assert_spec_shape
from test_users_support import HTTP, simulator

WORLD = {
    "seed": "phone-http-tests",
    "clock": {"start": "2026-03-02T09:00:00Z"},
    "account": {"id": "acct-phone", "plan": "business", "owner_email": "owner@example.com",
                "associated_domains": ["example.com"], "phone_licenses": 10},
    "users": [
        {"id": "owner0000000000000000a", "email": "owner@example.com", "first_name": "Olga", "last_name": "Owner",
         "role": "owner", "type": 2},
        {"id": "alice000000000000000aa", "email": "alice@example.com", "first_name": "Alice", "last_name": "A",
         "phone": {"extension": 1001, "calling_plans": [200], "numbers": ["+14155550101"]}},
        {"id": "bob00000000000000000aa", "email": "bob@example.com", "first_name": "Bob", "last_name": "B",
         "phone": {"extension": 1002}},
        {"id": "carol000000000000000aa", "email": "carol+tag@example.com", "first_name": "Carol", "last_name": "C",
         "phone": {"extension": 1003, "ready_in_seconds": 30}},
        {"id": "dave0000000000000000aa", "email": "dave@example.com", "first_name": "Dave", "last_name": "D"},
        {"id": "erin0000000000000000aa", "email": "erin@example.com", "first_name": "Erin", "last_name": "E"},
    ],
    "phone": {
        "sites": [{"id": "site-main", "name": "Main Site", "main": True}, {"id": "site-lon", "name": "London", "site_code": "44"}],
        "calling_plans": [{"type": 200, "name": "US/CA Unlimited Calling Plan", "subscribed": 2},
                          {"type": 3000, "name": "Zoom Phone Pro", "subscribed": 5}],
        "numbers": ["+14155550101", "+14155550102", "+14155550103"],
        "provisioning_delay": 3,
    },
    "rate_limits": {"enabled": False},
}

ALICE, BOB, CAROL, DAVE = "alice000000000000000aa", "bob00000000000000000aa", "carol000000000000000aa", "dave0000000000000000aa"


@pytest.fixture(name="sim")
def _sim():
    with simulator(WORLD) as handle:
        yield handle


def ok(resp, status, operation, method, path):
    assert resp.status_code == status, (resp.status_code, resp.text)
    body = resp.json() if resp.content else None
    assert_spec_shape(operation, method, path, status, body)
    return body


def err(resp):
    return resp.status_code, resp.json()


def number_id(sim, e164):
    body = sim.call("GET", "/v2/phone/numbers", params={"type": "all"}).json()
    return next(n["id"] for n in body["phone_numbers"] if n["number"] == e164)


def test_profile_by_id_and_by_email(sim):  # §5.2 (id or email; extension integer; plan name)
    body = ok(sim.call("GET", "/v2/phone/users/alice@example.com"), 200, "phoneUser", "GET", "/v2/phone/users/x")
    assert body["id"] == ALICE and body["extension_number"] == 1001
    assert body["calling_plans"][0]["name"] == "US/CA Unlimited Calling Plan"
    assert body["phone_numbers"][0]["number"] == "+14155550101"
    assert sim.call("GET", "/v2/phone/users/%s" % ALICE).json()["email"] == "alice@example.com"


def test_provisioning_delay_over_http(sim):  # §5.8 (asynchronous appearance), §5.2 404 1001
    path = "/v2/phone/users/" + urllib.parse.quote("carol+tag@example.com", safe="@+")
    assert err(sim.call("GET", path)) == (404, {"code": 1001, "message": "User does not exist: carol+tag@example.com."})
    sim.advance(31)
    assert ok(sim.call("GET", path), 200, "phoneUser", "GET", path)["id"] == CAROL


def test_enable_then_setup_in_zooms_order(sim):  # §5.8 steps 2-5: feature -> wait -> extension, plan, number
    resp = sim.call("PATCH", "/v2/users/dave@example.com", json={"feature": {"zoom_phone": True}})  # FOLIO's way
    assert resp.status_code in (200, 204), resp.text
    assert sim.call("GET", "/v2/phone/users/dave@example.com").status_code == 404
    assert sim.call("POST", "/v2/phone/users/dave@example.com/calling_plans",
                    json={"calling_plans": [{"type": 200}]}).status_code == 404
    sim.advance(3.5)
    ok(sim.call("PATCH", "/v2/phone/users/dave@example.com", json={"extension_number": "2004"}), 204,
       "updateUserProfile", "PATCH", "/v2/phone/users/x")
    resp = sim.call("POST", "/v2/phone/users/dave@example.com/calling_plans", json={"calling_plans": [{"type": 200}]})
    ok(resp, 201, "assignCallingPlan", "POST", "/v2/phone/users/x/calling_plans")
    body = ok(sim.call("POST", "/v2/phone/users/dave@example.com/phone_numbers", json={"phone_numbers": [{"number": "+14155550102"}]}),
              201, "assignPhoneNumber", "POST", "/v2/phone/users/x/phone_numbers")
    assert body["phone_numbers"][0]["number"] == "+14155550102"
    profile = sim.call("GET", "/v2/phone/users/dave@example.com").json()
    assert profile["extension_number"] == 2004 and [p["type"] for p in profile["calling_plans"]] == [200]


def test_seats_and_errors_over_http(sim):  # §5.4 (seat counts), §5.7 (inferred texts), §5.3 extension in use
    listing = ok(sim.call("GET", "/v2/phone/calling_plans"), 200, "listCallingPlans", "GET", "/v2/phone/calling_plans")
    plans = {p["type"]: p for p in listing["calling_plans"]}
    assert (plans[200]["assigned"], plans[200]["available"]) == (1, 1)
    assert sim.call("POST", "/v2/phone/users/%s/calling_plans" % BOB, json={"calling_plans": [{"type": 200}]}).status_code == 201
    status, body = err(sim.call("POST", "/v2/phone/users/%s/calling_plans" % BOB, json={"calling_plans": [{"type": 3000}, {"type": 42}]}))
    assert (status, body["code"], body["message"]) == (400, 404, "Unknown or invalid calling plan: 42.")
    assert err(sim.call("PATCH", "/v2/phone/users/%s" % BOB, json={"extension_number": "1001"})) == \
        (400, {"code": 400, "message": "Extension number 1001 is already used."})
    assert err(sim.call("POST", "/v2/phone/users/%s/phone_numbers" % BOB, json={"phone_numbers": [{"number": "+14155550101"}]})) == \
        (400, {"code": 409, "message": "Phone number already in use."})
    # the spec says extension_number is a string: an integer is a validation error before the handler
    status, body = err(sim.call("PATCH", "/v2/phone/users/%s" % BOB, json={"extension_number": 1005}))
    assert (status, body["code"]) == (400, 300)


def test_unassign_by_number_in_path(sim):  # §5.5: the path takes the number itself ('+' literal or %2B)
    assert sim.call("DELETE", "/v2/phone/users/%s/phone_numbers/+14155550101" % ALICE).status_code == 204
    sim.call("POST", "/v2/phone/users/%s/phone_numbers" % ALICE, json={"phone_numbers": [{"number": "+14155550101"}]})
    assert sim.call("DELETE", "/v2/phone/users/%s/phone_numbers/%%2B14155550101" % ALICE).status_code == 204
    assert err(sim.call("DELETE", "/v2/phone/users/%s/phone_numbers/+14155550101" % ALICE)) == \
        (404, {"code": 400, "message": 'Invalid query parameter "phone_number".'})
    sim.call("POST", "/v2/phone/users/%s/phone_numbers" % ALICE, json={"phone_numbers": [{"number": "+14155550103"}]})
    resp = sim.call("DELETE", "/v2/phone/users/%s/phone_numbers/%s" % (ALICE, number_id(sim, "+14155550103")))
    assert resp.status_code == 204 and resp.content == b""


def test_list_pages_with_duplicates(sim):  # §5.6 duplicates (reported), §7 tokens
    sim.advance(31)  # carol ready: 3 phone users
    ids, token, totals = [], None, set()
    while True:
        params = {"page_size": 2}
        if token:
            params["next_page_token"] = token
        body = ok(sim.call("GET", "/v2/phone/users", params=params), 200, "listPhoneUsers", "GET", "/v2/phone/users")
        ids += [u["id"] for u in body["users"]]
        totals.add(body["total_records"])
        token = body["next_page_token"]
        if not token:
            break
    assert totals == {3} and sorted(set(ids)) == sorted([ALICE, BOB, CAROL]) and len(ids) == 4
    assert err(sim.call("GET", "/v2/phone/users", params={"next_page_token": "nope"})) == \
        (400, {"code": 400, "message": "The next page token is invalid or expired."})


def test_numbers_and_sites_shapes(sim):  # §5.5 list/details, sites `level` (reported [PATCH])
    body = ok(sim.call("GET", "/v2/phone/numbers", params={"type": "assigned"}), 200, "listAccountPhoneNumbers", "GET",
              "/v2/phone/numbers")
    assert [n["assignee"]["id"] for n in body["phone_numbers"]] == [ALICE]
    nid = body["phone_numbers"][0]["id"]
    ok(sim.call("GET", "/v2/phone/numbers/%s" % nid), 200, "getPhoneNumberDetails", "GET", "/v2/phone/numbers/x")
    assert err(sim.call("GET", "/v2/phone/numbers/zzz")) == (400, {"code": 400, "message": "Phone number does not exist, phonenumberId:zzz"})
    sites = ok(sim.call("GET", "/v2/phone/sites"), 200, "listPhoneSites", "GET", "/v2/phone/sites")["sites"]
    assert {s["name"]: s.get("level") for s in sites} == {"Main Site": "main", "London": "sub"}


def test_batch_add_over_http(sim):  # §5.6 batch add (201 [{email,id}], validate-all-first inferred)
    bad = {"users": [{"email": "dave@example.com", "extension_number": "305", "calling_plans": ["Pro"]},
                     {"email": "nobody@example.com", "extension_number": "306", "calling_plans": ["Pro"]}]}
    status, body = err(sim.call("POST", "/v2/phone/users/batch", json=bad))
    assert (status, body["code"], body["message"]) == (400, 300, "Validation Failed.")
    assert sim.call("GET", "/v2/phone/calling_plans").json()["calling_plans"][1]["assigned"] == 0  # nothing applied
    good = {"users": [{"email": "dave@example.com", "extension_number": "305", "calling_plans": ["Pro"], "site_name": "London"},
                      {"email": "erin@example.com", "extension_number": "306", "calling_plans": ["US/CA Unlimited"]}]}
    body = ok(sim.call("POST", "/v2/phone/users/batch", json=good), 201, "batchAddUsers", "POST", "/v2/phone/users/batch")
    assert [b["email"] for b in body] == ["dave@example.com", "erin@example.com"]
    assert sim.call("GET", "/v2/phone/users/dave@example.com").status_code == 404
    sim.advance(3.5)
    dave = sim.call("GET", "/v2/phone/users/dave@example.com").json()
    assert dave["extension_number"] == 44305 and dave["site_id"] == "site-lon"


@pytest.mark.skipif(not HTTP, reason="needs the real server (zoomsim.testing)")
def test_phone_rate_label_is_logged(sim):  # §6.2 labels, phone family (§6.1 phone table)
    sim.call("GET", "/v2/phone/users")
    sim.call("GET", "/v2/phone/users/%s" % ALICE)
    entries = [e for e in sim.log() if e["path"].startswith("/v2/phone/")]
    assert [(e["operation"], e["label"], e["family"]) for e in entries[-2:]] == \
        [("listPhoneUsers", "Medium", "phone"), ("phoneUser", "Light", "phone")]


def test_behaviour_switches_from_the_world_file():  # docs/simulator-phone.md switches, via `behaviour:`
    world = dict(WORLD, behaviour={"phone_invalid_plan_error": "invalid_field", "phone_list_duplicates": False,
                                   "phone_no_seat_message": "No seats: {name} ({type})."})
    with simulator(world) as sim:
        assert err(sim.call("POST", "/v2/phone/users/%s/calling_plans" % BOB, json={"calling_plans": [{"type": 42}]})) == \
            (400, {"code": 300, "message": "Invalid field."})
        assert sim.call("POST", "/v2/phone/users/%s/calling_plans" % BOB, json={"calling_plans": [{"type": 200}]}).status_code == 201
        status, body = err(sim.call("POST", "/v2/phone/users/%s/calling_plans" % DAVE, json={"calling_plans": [{"type": 200}]}))
        assert status == 404  # dave has no phone user yet (§5.8 order)
        sim.advance(31)
        status, body = err(sim.call("POST", "/v2/phone/users/%s/calling_plans" % CAROL, json={"calling_plans": [{"type": 200}]}))
        assert (status, body["message"]) == (400, "No seats: US/CA Unlimited Calling Plan (200).")
        first = sim.call("GET", "/v2/phone/users", params={"page_size": 2}).json()
        second = sim.call("GET", "/v2/phone/users", params={"page_size": 2, "next_page_token": first["next_page_token"]}).json()
        assert len({u["id"] for u in first["users"] + second["users"]}) == 3 and len(second["users"]) == 1
