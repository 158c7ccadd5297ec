"""Requests are checked against Zoom's raw OpenAPI specs; answers are checked in tests (issue: "checked
against the vendor's spec"; docs/ZOOM-API-FACTS.md §2.1 error bodies, §0 PATCH for spec defects)."""

import gzip
import hashlib
import importlib
import json
from pathlib import Path

import pytest

from zoomsim import routing, validation
from zoomsim.routing import Request, Route
from zoomsim.testing import running_simulator, world_with

importlib.import_module("zoomsim.server")  # registers every route

SPEC_SHA256 = {  # of the (uncompressed) files: the same as the shared raw copies (specs/README.md)
    "users-api.json": "7fd5dad56c5f58b8eeb26edab42127dfc99e3aaa3b0ef571e62c6ebc692157b8",
    "phone-api.json": "d333e83843dd1585de9d8f0fe1acd2a2002801248bbb79418dc1363fcf9f7902",
    "scim2-api.json": "da1e5c6d3f130b18c4633ac98ce9285f7d5c194eb591c5d74ac2e0efd7df6dd0",
    "accounts-api.json": "a88c711a7e53519d1c2ec81b3d8907cfb74ae1d7ae4495ecada61b349722aa1f",
}


def test_raw_specs_are_byte_identical_copies():
    """zoomsim/specs/README.md: the shipped specs are Zoom's files, unchanged (fixes happen in memory)."""
    for name, digest in SPEC_SHA256.items():
        path = validation.spec_path(name.split("-", maxsplit=1)[0])
        content = path.read_bytes()
        content = gzip.decompress(content) if path.suffix == ".gz" else content
        assert hashlib.sha256(content).hexdigest() == digest, name


def test_every_route_names_an_operation_of_its_spec():
    """Every route that claims a spec is validated against a real operation of that spec."""
    assert validation.check_routes(routing.ROUTES) == []
    assert len([r for r in routing.ROUTES if r.spec]) >= 20


def test_known_spec_defects_are_listed_with_sources_and_apply():
    """One table lists every correction with its source; each one targets something in the raw spec."""
    for entry in validation.KNOWN_SPEC_DEFECTS:
        assert entry["fix"] in validation.FIXES and entry["source"] and entry["what"]
        raw = validation.read_raw_spec(entry["spec"])
        if entry["path"] != "*":
            assert entry["method"] in raw["paths"][entry["path"]], entry
    phone = validation.raw_spec("phone")["paths"]
    assert "201" in phone["/phone/users/{userId}/calling_plans"]["post"]["responses"]
    assert "201" in phone["/phone/users/{userId}/phone_numbers"]["post"]["responses"]
    assert "security" not in validation.raw_spec("users")["paths"]["/users"]["post"]


def test_wrong_field_gets_validation_failed(zoomsim):
    """§2.1/§2.3: a body Zoom's spec rejects -> 400 code 300 'Validation Failed.' naming the field."""
    answer = zoomsim.call("POST", "/v2/users", json={"action": "create", "user_info": {"email": "new@example.com", "type": 3}})
    assert answer.status_code == 400
    assert answer.json() == {"code": 300, "message": "Validation Failed.",
                             "errors": [{"field": "user_info.type", "message": "Invalid field."}]}
    assert zoomsim.world.user_by_email("new@example.com") is None


def test_malformed_email_is_rejected_like_zoom(zoomsim):
    """§2.1 (reported, DF-8165): bad email on POST /users -> field user_info.email 'Invalid field.'."""
    answer = zoomsim.call("POST", "/v2/users", json={"action": "create", "user_info": {"email": "not-an-email", "type": 1}})
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"field": "user_info.email", "message": "Invalid field."}]


def test_bad_enum_in_query(zoomsim):
    """§2.4: status must be active|inactive|pending."""
    answer = zoomsim.call("GET", "/v2/users", params={"status": "deleted"})
    assert answer.status_code == 400 and answer.json()["errors"] == [{"field": "status", "message": "Invalid field."}]


def test_body_that_is_not_json(zoomsim):
    """§2.1 (D-ERR): malformed JSON -> code 300 'Request Body should be a valid JSON object.'."""
    answer = zoomsim.call("PATCH", "/v2/users/alice@example.com", data=b"{not json", headers={"Content-Type": "application/json"})
    assert answer.status_code == 400
    assert answer.json() == {"code": 300, "message": "Request Body should be a valid JSON object."}


def test_scim_validation_answers_a_scim_error(zoomsim):
    """§4.1/§4.5: SCIM requests get SCIM error bodies (status as a number), Content-Type application/scim+json."""
    answer = zoomsim.call("POST", "/scim2/Users", data=b"{oops", headers={"Content-Type": "application/scim+json"})
    assert answer.status_code == 400
    assert answer.headers["Content-Type"].startswith("application/scim+json")
    assert answer.json() == {"schemas": ["urn:ietf:params:scim:api:messages:2.0:Error"],
                             "detail": "The request body must be in JSON format.", "status": 400}


def test_validation_can_be_switched_off(zoomsim):
    """behaviour.validate_requests false: the handler sees the request (used to probe handler behaviour)."""
    zoomsim.set_behaviour(validate_requests=False)
    answer = zoomsim.call("GET", "/v2/users", params={"status": "deleted"})
    assert answer.status_code != 400 or answer.json().get("message") != "Validation Failed."


def test_reject_unknown_fields_switch(zoomsim):
    """Not established whether Zoom ignores unknown fields; reject_unknown_fields makes a misspelt field fail."""
    body = {"first_name": "Al", "department": "Sales"}  # Zoom's field is `dept`
    assert zoomsim.call("PATCH", "/v2/users/alice@example.com", json=body).status_code == 204
    zoomsim.set_behaviour(reject_unknown_fields=True)
    answer = zoomsim.call("PATCH", "/v2/users/alice@example.com", json=body)
    assert answer.status_code == 400
    assert answer.json()["errors"] == [{"field": "department", "message": "Invalid field."}]
    answer = zoomsim.call("GET", "/v2/users", params={"page_sise": 10})
    assert answer.json()["errors"] == [{"field": "page_sise", "message": "Invalid field."}]


def test_plus_in_query_is_a_space_unless_encoded(zoomsim):
    """§7: a raw '+' in a query string is form-decoded to a space; %2B keeps it."""
    raw = zoomsim.call("GET", "/v2/users/email?email=first+tag@example.com")
    encoded = zoomsim.call("GET", "/v2/users/email", params={"email": "first+tag@example.com"})
    assert raw.status_code == encoded.status_code == 200
    entries = zoomsim.log(operation="userEmail")
    assert entries[-2]["query"] == "email=first+tag@example.com" and entries[-1]["query"] == "email=first%2Btag%40example.com"


# ---- the fast request checks agree with openapi-core --------------------------------------------
SAMPLES = [
    ("users", "userCreate", "POST", "/v2/users", {}, {"action": "create", "user_info": {"email": "a@example.com", "type": 1}}),
    ("users", "userCreate", "POST", "/v2/users", {}, {"action": "create", "user_info": {"email": "a@example.com", "type": 5}}),
    ("users", "userCreate", "POST", "/v2/users", {}, {"action": "bogus", "user_info": {"email": "a@example.com", "type": 1}}),
    ("users", "userCreate", "POST", "/v2/users", {}, {"user_info": {"email": "a@example.com", "type": 1}}),
    ("users", "users", "GET", "/v2/users", {"status": ["active"], "page_size": ["300"]}, None),
    ("users", "users", "GET", "/v2/users", {"status": ["gone"]}, None),
    ("users", "users", "GET", "/v2/users", {"page_size": ["many"]}, None),
    ("users", "userUpdate", "PATCH", "/v2/users/a@example.com", {}, {"first_name": "A", "type": 2}),
    ("users", "userUpdate", "PATCH", "/v2/users/a@example.com", {}, {"type": "two"}),
    ("users", "userStatus", "PUT", "/v2/users/a@example.com/status", {}, {"action": "deactivate"}),
    ("users", "userStatus", "PUT", "/v2/users/a@example.com/status", {}, {"action": "sleep"}),
    ("users", "userDelete", "DELETE", "/v2/users/a@example.com", {"action": ["delete"]}, None),
    ("users", "userDelete", "DELETE", "/v2/users/a@example.com", {"action": ["shred"]}, None),
    ("phone", "assignCallingPlan", "POST", "/v2/phone/users/x/calling_plans", {}, {"calling_plans": [{"type": 200}]}),
    ("phone", "assignCallingPlan", "POST", "/v2/phone/users/x/calling_plans", {}, {"calling_plans": [{"type": "x"}]}),
    ("phone", "listPhoneUsers", "GET", "/v2/phone/users", {"page_size": ["50"]}, None),
    ("phone", "listPhoneUsers", "GET", "/v2/phone/users", {"page_size": ["500"]}, None),
    ("phone", "updateUserProfile", "PATCH", "/v2/phone/users/x", {}, {"extension_number": "1001"}),
    ("scim2", "userSCIM2List", "GET", "/scim2/Users", {"filter": ['userName eq "a@example.com"'], "count": ["1"]}, None),
    ("scim2", "userScim2Create", "POST", "/scim2/Users", {}, {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
                                                              "userName": "a@example.com", "name": {"givenName": "A"}}),
]


@pytest.mark.parametrize("spec,operation,method,path,query,body", SAMPLES)
def test_fast_checks_agree_with_openapi_core(spec, operation, method, path, query, body):
    """validate_request (openapi-schema-validator, compiled per operation) and openapi-core give the same verdict."""
    route = Route(method, path, None, operation, "Light", "scim" if spec == "scim2" else "standard", spec, method != "GET", True)
    raw = json.dumps(body).encode("utf-8") if body is not None else b""
    req = Request(method, path, query, {"content-type": "application/json"} if body is not None else {}, raw, {}, None)
    try:
        validation.validate_request(route, req)
        ours = True
    except (routing.ApiError, routing.ScimError):
        ours = False
    theirs = not validation.openapi_core_request_errors(route, req)
    assert ours == theirs


def test_response_checks_use_openapi_core():
    """validate_response reports a wrong type and passes a conforming body (with the 201 defect fix)."""
    assert validation.validate_response("phone", "GET", "/v2/phone/users/x", 200, {"extension_number": "nope"})
    assert validation.validate_response("phone", "GET", "/v2/phone/users/x", 200,
                                        {"extension_number": 1001, "calling_plans": [{"type": 200, "name": "US"}]}) == []
    assert validation.validate_response("phone", "POST", "/v2/phone/users/x/calling_plans", 201, None, None) == []
    assert validation.validate_response("users", "GET", "/v2/users/x", 401, {"code": 124}) == []
    assert validation.validate_response("users", "GET", "/v2/users/x", 299, {})


def test_handler_answer_breaking_the_spec_is_a_500(zoomsim, test_routes):
    """validate_responses (on in these tests): an answer that breaks Zoom's spec becomes a loud 500."""
    test_routes("GET", "/v2/_zoomsim_test/{userId}",
                lambda req: routing.Response(200, {"id": "x", "type": "not-a-number"}),
                operation="user", spec="users")
    answer = zoomsim.call("GET", "/v2/_zoomsim_test/x")
    assert answer.status_code == 500 and "spec" in answer.json()["message"]


# ---- answers of the real handlers against the specs (a walk over the cases world) -------------
READS = ["/v2/users", "/v2/users?status=pending", "/v2/users?status=inactive", "/v2/users/alice@example.com",
         "/v2/users/pending.invited@example.com", "/v2/users/email?email=emma%40example.org", "/v2/users/summary",
         "/v2/users/alice@example.com/settings", "/v2/accounts/me/managed_domains",
         "/v2/phone/users", "/v2/phone/users/phone.full@example.com", "/v2/phone/users/london@example.com",
         "/v2/phone/calling_plans", "/v2/phone/numbers", "/v2/phone/numbers?type=unassigned", "/v2/phone/sites",
         "/scim2/Users?filter=userName%20eq%20%22alice%40example.com%22", "/scim2/Users?startIndex=1&count=5"]


@pytest.mark.parametrize("path", READS)
def test_read_answers_match_the_raw_specs(path):
    """Issue: response-shape tests pass against the raw specs (every 2xx read of the cases world)."""
    with running_simulator("cases", validate_responses=False) as sim:
        answer = sim.call("GET", path)
        assert answer.status_code == 200, answer.text
        assert sim.spec_problems(answer) == []


def test_spec_files_ship_with_the_package():
    """The raw specs are package data (zoomsim/specs), so an installed zoomsim validates without the repo."""
    names = {p.name.replace(".gz", "") for p in Path(validation.SPEC_DIR).glob("*.json*")}
    assert names == set(SPEC_SHA256)


def test_phone_number_filter_accepted_in_strict_mode(core_world):
    """§5.5: GET /phone/numbers?phone_number= (in Zoom's later phone spec) passes even with reject_unknown_fields."""
    with running_simulator(world_with(core_world(), reject_unknown_fields=True)) as sim:
        answer = sim.call("GET", "/v2/phone/numbers", params={"phone_number": "+14155550101"})
        assert answer.status_code == 200 and [n["number"] for n in answer.json()["phone_numbers"]] == ["+14155550101"]
        assert sim.call("GET", "/v2/phone/numbers", params={"no_such_filter": "x"}).json()["code"] == 300
