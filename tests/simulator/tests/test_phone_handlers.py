"""Phone handlers called directly (World + Request, no HTTP): docs/ZOOM-API-FACTS.md §5, §7.

Each test names the docs/ZOOM-API-FACTS.md section it checks. Response bodies are validated against Zoom's
raw phone spec (zoomsim/specs/phone-api.json) with the two documented 201-instead-of-200 defects.
HTTP-level tests are in test_phone_http.py.
"""

import json
from urllib.parse import parse_qs

import pytest

# importing zoomsim.handlers registers the routes
import zoomsim.handlers  # noqa: F401  pylint: disable=unused-import
from zoomsim.model import Behaviour, CallingPlan, PhoneNumber, PhoneUser, Site, User, World
from zoomsim.routing import ApiError, Request, match
from zoomsim.validation import validate_request, validate_response


def assert_spec_shape(operation, method, path, status, body):
    """A success body conforms to Zoom's raw phone spec, as patched by zoomsim.validation.KNOWN_SPEC_DEFECTS
    (201 for assignCallingPlan/assignPhoneNumber, calling_plans[].name, sites[].level: §5.1, §5.2)."""
    errors = validate_response("phone", method, path, status, body, operation=operation)
    assert not errors, errors


# ---- world and calls ----------------------------------------------------------------------------
PLANS = {200: ("US/CA Unlimited Calling Plan", 3), 100: ("US/CA Metered Calling Plan", 2), 3000: ("Zoom Phone Pro", 5)}


def make_world(phone_users=4, numbers=8, ready=True):
    """Main site (no site code) + London (site code 44); 3 plans; numbers; active users u0..; u0..u{k-1} phone users.

    Also: `free` active user without phone, `pend` pending user, `gone` deactivated user with a phone user.
    """
    world = World()
    world.sites = {"site-main": Site("site-main", "Main Site", "", True), "site-lon": Site("site-lon", "London", "44", False)}
    world.calling_plans = {t: CallingPlan(t, name, seats) for t, (name, seats) in PLANS.items()}
    for i in range(numbers):
        world.numbers["num%d" % i] = PhoneNumber("num%d" % i, "+1415555%04d" % i, site_id="site-main")
    now = world.clock.now()
    for i in range(8):
        uid = "u%d" % i
        world.users[uid] = User(uid, "user%d@example.com" % i, first_name="User", last_name=str(i), dept="Sales" if i % 2 else "Ops")
        if i < phone_users:
            world.users[uid].feature_zoom_phone = True
            world.phone_users[uid] = PhoneUser(uid, "pu%d" % i, "ext%d" % i, 1000 + i, "site-main",
                                               ready_at=0.0 if ready else now + 3)
    world.users["free"] = User("free", "free@example.com", first_name="Free")
    world.users["pend"] = User("pend", "pending@example.com", status="pending")
    world.users["gone"] = User("gone", "gone@example.com", status="inactive", feature_zoom_phone=True)
    world.phone_users["gone"] = PhoneUser("gone", "pu-gone", "ext-gone", 1999, "site-main")
    return world


def call(world, method, path, query=None, body=None, validate=True, shape=True):
    """-> (status, body) the way the server would answer: request checked against the raw spec
    (unless `validate` is false), handler, ApiError -> Zoom's error body; success bodies checked."""
    route, params = match(method, path)
    assert route is not None, "no route for %s %s" % (method, path)
    raw = json.dumps(body).encode() if body is not None else b""
    query = parse_qs(query, keep_blank_values=True) if isinstance(query, str) else {k: [str(v)] for k, v in (query or {}).items()}
    req = Request(method, path, query, {}, raw, params, world, account_id=world.account.id)
    try:
        if validate and world.behaviour.validate_requests:
            validate_request(route, req)
        resp = route.handler(req)
    except ApiError as err:
        return err.status, err.body()
    if shape:
        assert_spec_shape(route.operation, method, path, resp.status, resp.body)
    return resp.status, resp.body


def plans_by_type(world):
    status, body = call(world, "GET", "/v2/phone/calling_plans")
    assert status == 200
    return {p["type"]: p for p in body["calling_plans"]}


def get_user(world, uid):
    return call(world, "GET", "/v2/phone/users/%s" % uid)


# ---- §5.1 account prerequisite ----------------------------------------------------------------
def test_phone_api_needs_phone_on_the_account():  # §5.1 (403 2031 text from phoneSetting; inferred for all)
    world = make_world()
    world.account.phone_enabled = False
    assert call(world, "GET", "/v2/phone/users") == (403, {"code": 2031, "message": "Zoom Phone has not been enabled for this account."})
    assert call(world, "GET", "/v2/phone/users/u0")[0] == 403


# ---- §5.2 / §5.8 asynchronous appearance -------------------------------------------------------
def test_phone_user_404_until_ready_then_200():  # §5.8 step 4 (reported: FOLIO polls on 404), §5.2
    world = make_world(ready=False)
    assert get_user(world, "u0") == (404, {"code": 1001, "message": "User does not exist: u0."})
    assert call(world, "GET", "/v2/phone/users")[1]["total_records"] == 1  # only `gone` is ready
    assert call(world, "POST", "/v2/phone/users/u0/calling_plans", body={"calling_plans": [{"type": 200}]}) == \
        (404, {"code": 1001, "message": "User does not exist:u0."})  # §5.8: plan needs a ready phone user
    world.clock.advance(3.1)
    status, body = get_user(world, "u0")
    assert status == 200 and body["id"] == "u0"
    assert call(world, "GET", "/v2/phone/users")[1]["total_records"] == 5


def test_phone_user_profile_shape():  # §5.2 (documented fields; calling_plans[].name reported [PATCH])
    world = make_world()
    world.phone_users["u1"].calling_plans = [200]
    world.numbers["num0"].assignee_id = "u1"
    status, body = get_user(world, "USER1@example.com")  # id or email, email case-insensitive
    assert status == 200
    assert body["id"] == "u1" and body["email"] == "user1@example.com" and body["phone_user_id"] == "pu1"
    assert body["extension_number"] == 1001 and isinstance(body["extension_number"], int)
    assert body["site_id"] == "site-main" and body["status"] == "activate"
    assert body["calling_plans"] == [{"type": 200, "name": "US/CA Unlimited Calling Plan"}]
    assert body["phone_numbers"] == [{"id": "num0", "number": "+14155550000"}]


@pytest.mark.parametrize("who", ["free", "pend", "nobody@example.com", "nosuchid"])
def test_phone_user_missing_is_404_1001(who):  # §5.2, §5.7 row 1 (user not phone-enabled)
    assert get_user(make_world(), who) == (404, {"code": 1001, "message": "User does not exist: %s." % who})


def test_deactivated_user_shows_deactivate():  # §5.2 status enum (inferred mapping from Zoom user status)
    status, body = get_user(make_world(), "gone")
    assert status == 200 and body["status"] == "deactivate"
    _status, listing = call(make_world(), "GET", "/v2/phone/users", {"status": "deactivate"})
    assert [u["id"] for u in listing["users"]] == ["gone"]


# ---- §5.3 extension and site ---------------------------------------------------------------------
def test_patch_extension_and_uniqueness():  # §5.3 (extension string in body; "already used" inferred)
    world = make_world()
    assert call(world, "PATCH", "/v2/phone/users/u0", body={"extension_number": "2345"}) == (204, None)
    assert get_user(world, "u0")[1]["extension_number"] == 2345
    assert call(world, "PATCH", "/v2/phone/users/u1", body={"extension_number": "2345"}) == \
        (400, {"code": 400, "message": "Extension number 2345 is already used."})
    assert call(world, "PATCH", "/v2/phone/users/u0", body={"extension_number": "2345"}) == (204, None)  # own: no-op


@pytest.mark.parametrize("ext, expected", [
    ("911", (400, 400, "Number 911 is a reserved extension number.")),
    ("1", (400, 400, "Invalid short number length.")),
    ("1234567", (400, 400, "Invalid short number length.")),
    ("12a4", (400, 300, "Validation Failed.")),
])
def test_patch_extension_rules(ext, expected):  # §5.3 (inferred rules, Behaviour.phone_extension_digits/reserved)
    status, body = call(make_world(), "PATCH", "/v2/phone/users/u0", body={"extension_number": ext})
    assert (status, body["code"], body["message"]) == expected


def test_patch_site_code_prefix_and_move():  # §5.3 (full extension = site code + short; numbers kept, inferred)
    world = make_world()
    world.numbers["num0"].assignee_id = "u0"
    status, body = call(world, "PATCH", "/v2/phone/users/u0", body={"site_id": "site-lon", "extension_number": "1234"})
    assert (status, body["message"]) == (400, "Invalid short number length.")  # lacks site code 44
    assert call(world, "PATCH", "/v2/phone/users/u0", body={"site_id": "site-lon", "extension_number": "44123"}) == (204, None)
    _status, profile = get_user(world, "u0")
    assert profile["site_id"] == "site-lon" and profile["extension_number"] == 44123
    assert profile["phone_numbers"] == [{"id": "num0", "number": "+14155550000"}]
    assert world.numbers["num0"].site_id == "site-lon"


def test_patch_move_site_can_drop_numbers():  # Behaviour.phone_move_site_keeps_numbers=False (inferred alternative)
    world = make_world()
    world.behaviour.phone_move_site_keeps_numbers = False
    world.numbers["num0"].assignee_id = "u0"
    assert call(world, "PATCH", "/v2/phone/users/u0", body={"site_id": "site-lon"}) == (204, None)
    assert get_user(world, "u0")[1]["phone_numbers"] == []


def test_patch_unknown_site():  # §5.2 errors: 404 code 404 `Site does not exist.`
    world = make_world()
    assert call(world, "PATCH", "/v2/phone/users/u0", body={"site_id": "nope", "extension_number": "2222"}) == \
        (404, {"code": 404, "message": "Site does not exist."})
    assert world.phone_users["u0"].extension_number == 1000  # nothing applied


# ---- §5.4 calling plans ------------------------------------------------------------------------
def test_assign_plan_201_and_seat_counts():  # §5.1 (201 reported), §5.4 list subscribed/assigned/available
    world = make_world()
    assert plans_by_type(world)[200] == {"name": "US/CA Unlimited Calling Plan", "type": 200, "subscribed": 3, "assigned": 0, "available": 3}
    for uid in ("u0", "u1", "u2"):
        assert call(world, "POST", "/v2/phone/users/%s/calling_plans" % uid, body={"calling_plans": [{"type": 200}]}) == (201, None)
    plan = plans_by_type(world)[200]
    assert (plan["assigned"], plan["available"]) == (3, 0)
    assert call(world, "POST", "/v2/phone/users/u3/calling_plans", body={"calling_plans": [{"type": 200}]}) == \
        (400, {"code": 400, "message": "No available licenses for calling plan: US/CA Unlimited Calling Plan."})
    assert call(world, "DELETE", "/v2/phone/users/u0/calling_plans/200") == (204, None)
    assert plans_by_type(world)[200]["available"] == 1
    assert call(world, "POST", "/v2/phone/users/u3/calling_plans", body={"calling_plans": [{"type": 200}]})[0] == 201


def test_assign_unknown_plan_both_modes():  # §5.4/§5.7 invalid plan (inferred, Behaviour.phone_invalid_plan_error)
    world = make_world()
    assert call(world, "POST", "/v2/phone/users/u0/calling_plans", body={"calling_plans": [{"type": 999}]}) == \
        (400, {"code": 404, "message": "Unknown or invalid calling plan: 999."})
    world.behaviour.phone_invalid_plan_error = "invalid_field"
    assert call(world, "POST", "/v2/phone/users/u0/calling_plans", body={"calling_plans": [{"type": 999}]}) == \
        (400, {"code": 300, "message": "Invalid field."})


def test_assign_plan_already_held_and_all_or_nothing():  # §5.4 (inferred: Behaviour.phone_plan_already_assigned)
    world = make_world()
    call(world, "POST", "/v2/phone/users/u0/calling_plans", body={"calling_plans": [{"type": 100}]})
    assert call(world, "POST", "/v2/phone/users/u0/calling_plans", body={"calling_plans": [{"type": 100}]}) == \
        (400, {"code": 300, "message": "The calling plan is already assigned."})
    # second item invalid -> the first is not applied either
    assert call(world, "POST", "/v2/phone/users/u0/calling_plans", body={"calling_plans": [{"type": 3000}, {"type": 999}]})[0] == 400
    assert world.phone_users["u0"].calling_plans == [100]
    world.behaviour.phone_plan_already_assigned = "ignore"
    assert call(world, "POST", "/v2/phone/users/u0/calling_plans", body={"calling_plans": [{"type": 100}, {"type": 3000}]})[0] == 201
    assert world.phone_users["u0"].calling_plans == [100, 3000]


def test_switch_plan_atomic():  # §5.4 updateCallingPlan (documented 400 code 404 text; atomic inferred)
    world = make_world()
    assert call(world, "PUT", "/v2/phone/users/u0/calling_plans", body={"source_type": 100, "target_type": 200}) == \
        (400, {"code": 404, "message": "User did not subscribe to the source plan."})
    call(world, "POST", "/v2/phone/users/u0/calling_plans", body={"calling_plans": [{"type": 3000}, {"type": 100}]})
    assert call(world, "PUT", "/v2/phone/users/u0/calling_plans", body={"source_type": 100, "target_type": 200}) == (204, None)
    assert world.phone_users["u0"].calling_plans == [3000, 200]  # replaced in place
    plans = plans_by_type(world)
    assert (plans[100]["assigned"], plans[200]["assigned"]) == (0, 1)
    # target without seats: source kept
    world.calling_plans[100].subscribed = 0
    status, body = call(world, "PUT", "/v2/phone/users/u0/calling_plans", body={"source_type": 200, "target_type": 100})
    assert status == 400 and body["message"].startswith("No available licenses")
    assert world.phone_users["u0"].calling_plans == [3000, 200]
    assert call(world, "PUT", "/v2/phone/users/u0/calling_plans", body={"source_type": 200, "target_type": 999})[1]["code"] == 404


def test_unassign_plan_not_held():  # §5.4 remove: 400 code 400 `Invalid field.` (documented list)
    world = make_world()
    assert call(world, "DELETE", "/v2/phone/users/u0/calling_plans/200") == (400, {"code": 400, "message": "Invalid field."})
    assert call(world, "DELETE", "/v2/phone/users/u0/calling_plans/abc") == (400, {"code": 400, "message": "Invalid field."})
    assert call(world, "DELETE", "/v2/phone/users/free/calling_plans/200") == (404, {"code": 1001, "message": "User does not exist:free."})


# ---- §5.5 phone numbers --------------------------------------------------------------------------
def test_assign_numbers_201_by_id_or_number():  # §5.5 (201 reported [PATCH]; body lists the numbers)
    world = make_world()
    status, body = call(world, "POST", "/v2/phone/users/u0/phone_numbers",
                        body={"phone_numbers": [{"id": "num0"}, {"number": "+14155550001"}, {"id": "num2", "number": "+14155550002"}]})
    assert status == 201
    assert body == {"phone_numbers": [{"id": "num0", "number": "+14155550000"}, {"id": "num1", "number": "+14155550001"},
                                      {"id": "num2", "number": "+14155550002"}]}
    assert [n.id for n in world.numbers_of("u0")] == ["num0", "num1", "num2"]
    # assigning again to the same user is a no-op success (inferred)
    assert call(world, "POST", "/v2/phone/users/u0/phone_numbers", body={"phone_numbers": [{"id": "num0"}]})[0] == 201


def test_number_ownership():  # §5.5, §5.7 (inferred from rooms: 400 code 409 / code 404)
    world = make_world()
    call(world, "POST", "/v2/phone/users/u0/phone_numbers", body={"phone_numbers": [{"id": "num0"}]})
    assert call(world, "POST", "/v2/phone/users/u1/phone_numbers", body={"phone_numbers": [{"id": "num1"}, {"id": "num0"}]}) == \
        (400, {"code": 409, "message": "Phone number already in use."})
    assert world.numbers["num1"].assignee_id is None  # nothing applied
    assert call(world, "POST", "/v2/phone/users/u1/phone_numbers", body={"phone_numbers": [{"number": "+19999999999"}]}) == \
        (400, {"code": 404, "message": "Phone number does not exist."})
    status, body = call(world, "POST", "/v2/phone/users/u1/phone_numbers", body={"phone_numbers": [{"id": "num%d" % i} for i in range(11)]})
    assert (status, body["code"]) == (400, 300)
    assert call(world, "POST", "/v2/phone/users/free/phone_numbers", body={"phone_numbers": [{"id": "num3"}]}) == \
        (404, {"code": 1001, "message": "This user does not exist: free."})


def test_unassign_by_id_or_number():  # §5.5 unassign: path takes id or number; 404 code 400 when not assigned
    world = make_world()
    call(world, "POST", "/v2/phone/users/u0/phone_numbers", body={"phone_numbers": [{"id": "num0"}, {"id": "num1"}]})
    assert call(world, "DELETE", "/v2/phone/users/u1/phone_numbers/num0") == \
        (404, {"code": 400, "message": 'Invalid query parameter "phone_number".'})
    assert call(world, "DELETE", "/v2/phone/users/u0/phone_numbers/num0") == (204, None)
    assert call(world, "DELETE", "/v2/phone/users/u0/phone_numbers/+14155550001") == (204, None)
    assert world.numbers_of("u0") == []
    assert call(world, "DELETE", "/v2/phone/users/u0/phone_numbers/num0")[0] == 404
    assert call(world, "DELETE", "/v2/phone/users/free/phone_numbers/num0") == (404, {"code": 1001, "message": "User does not exist."})


def test_number_list_and_details():  # §5.5 list filters and item shape; details error text (documented)
    world = make_world()
    world.numbers["num7"].source = "external"
    call(world, "POST", "/v2/phone/users/u0/phone_numbers", body={"phone_numbers": [{"id": "num0"}]})
    status, body = call(world, "GET", "/v2/phone/numbers", {"type": "assigned"})
    assert status == 200 and body["total_records"] == 1
    item = body["phone_numbers"][0]
    assert item["assignee"] == {"id": "u0", "type": "user", "name": "User 0", "extension_number": 1000}
    assert item["site"] == {"id": "site-main", "name": "Main Site"}
    assert call(world, "GET", "/v2/phone/numbers", {"type": "unassigned"})[1]["total_records"] == 7
    assert call(world, "GET", "/v2/phone/numbers", {"type": "byoc"})[1]["total_records"] == 1
    assert call(world, "GET", "/v2/phone/numbers", {"type": "assigned", "extension_type": "callQueue"})[1]["total_records"] == 0
    assert call(world, "GET", "/v2/phone/numbers", {"phone_number": "+14155550003"})[1]["phone_numbers"][0]["id"] == "num3"
    assert call(world, "GET", "/v2/phone/numbers/num0")[1]["assignee"]["id"] == "u0"
    assert call(world, "GET", "/v2/phone/numbers/zzz") == (400, {"code": 400, "message": "Phone number does not exist, phonenumberId:zzz"})


def test_number_list_pagination():  # §5.5 page_size ≤100, §7 next_page_token ("" at the end)
    world = make_world(numbers=7)
    seen, token, pages = [], "", 0
    while True:
        _status, body = call(world, "GET", "/v2/phone/numbers", {"page_size": 3, "next_page_token": token} if token else {"page_size": 3})
        seen += [n["id"] for n in body["phone_numbers"]]
        token, pages = body["next_page_token"], pages + 1
        if not token:
            break
    assert pages == 3 and seen == ["num%d" % i for i in range(7)]


# ---- §5.6 phone user list ------------------------------------------------------------------------
def _all_pages(world, query):
    rows, token, totals = [], "", set()
    for _attempt in range(50):
        q = dict(query, next_page_token=token) if token else dict(query)
        status, body = call(world, "GET", "/v2/phone/users", q)
        assert status == 200
        rows.append([u["id"] for u in body["users"]])
        totals.add(body["total_records"])
        token = body["next_page_token"]
        if not token:
            return rows, totals
    raise AssertionError("pagination did not end")


def test_list_duplicates_across_pages():  # §5.6 (reported: FOLIO de-duplicates by id), §7
    world = make_world(phone_users=8)  # 8 + gone = 9 ready
    pages, totals = _all_pages(world, {"page_size": 3})
    assert totals == {9}
    flat = [i for page in pages for i in page]
    assert len(set(flat)) == 9 and len(flat) > 9
    for prev, page in zip(pages, pages[1:]):
        assert page[0] == prev[-1]  # deterministic repeat of the previous page's last row
    world.behaviour.phone_list_duplicates = False
    pages, _totals = _all_pages(world, {"page_size": 3})
    assert [len(p) for p in pages] == [3, 3, 3] and len({i for p in pages for i in p}) == 9


def test_list_page_size_one_terminates_and_clamps():  # §5.6 page_size default 30, max 100 (clamped here)
    world = make_world(phone_users=3)
    pages, _totals = _all_pages(world, {"page_size": 1})
    assert [i for p in pages for i in p] == ["u0", "u1", "u2", "gone"]
    _status, body = call(world, "GET", "/v2/phone/users", {"page_size": 500}, validate=False)
    assert body["page_size"] == 100  # the handler clamps ...
    assert call(world, "GET", "/v2/phone/users", {"page_size": 500})[1]["code"] == 300  # ... the spec's maximum answers first
    assert call(world, "GET", "/v2/phone/users")[1]["page_size"] == 30


def test_list_invalid_token():  # §5.6: 400 code 400 `The next page token is invalid or expired.`
    world = make_world(phone_users=6)
    assert call(world, "GET", "/v2/phone/users", {"next_page_token": "bogus"}) == \
        (400, {"code": 400, "message": "The next page token is invalid or expired."})
    _status, body = call(world, "GET", "/v2/phone/users", {"page_size": 2})
    world.clock.advance(15 * 60 + 1)  # §7: tokens live 15 minutes
    assert call(world, "GET", "/v2/phone/users", {"page_size": 2, "next_page_token": body["next_page_token"]})[0] == 400


def test_list_filters():  # §5.6 query parameters
    world = make_world()
    world.phone_users["u1"].site_id = "site-lon"
    world.phone_users["u2"].calling_plans = [100]

    def ids(query):
        return [u["id"] for u in call(world, "GET", "/v2/phone/users", query)[1]["users"]]

    assert ids({"site_id": "site-lon"}) == ["u1"]
    assert ids({"keyword": "USER3"}) == ["u3"]
    assert ids({"keyword": "1002"}) == ["u2"]
    assert ids({"department": "Sales"}) == ["u1", "u3"]
    assert ids({"calling_type": "100"}) == ["u2"]
    assert ids({"status": "pending"}) == []
    _status, body = call(world, "GET", "/v2/phone/users")
    row = body["users"][0]
    assert row["site"] == {"id": "site-main", "name": "Main Site"} and row["name"] == "User 0" and row["extension_number"] == 1000


# ---- §5.6 batch ------------------------------------------------------------------------------------
def _batch_item(email, ext, plans=("US/CA Unlimited",), **extra):
    return dict({"email": email, "extension_number": ext, "calling_plans": list(plans)}, **extra)


def test_batch_add_happy_path():  # §5.6 batchAddUsers 201 [{email,id}]; §5.8 asynchronous appearance
    world = make_world(phone_users=2)
    body = {"users": [_batch_item("user4@example.com", "204", phone_numbers=["+14155550005"]),
                      _batch_item("user5@example.com", "205", plans=["US/CA Metered Calling Plan"], site_name="London"),
                      _batch_item("free@example.com", "206", plans=["Pro", "US/CA Unlimited"])]}
    status, created = call(world, "POST", "/v2/phone/users/batch", body=body)
    assert status == 201
    assert created == [{"email": "user4@example.com", "id": "u4"}, {"email": "user5@example.com", "id": "u5"},
                       {"email": "free@example.com", "id": "free"}]
    assert get_user(world, "u4")[0] == 404  # not yet provisioned
    assert plans_by_type(world)[200]["assigned"] == 2  # seats held at once
    world.clock.advance(world.behaviour.phone_provisioning_delay)
    _status, u4 = get_user(world, "u4")
    assert u4["extension_number"] == 204 and u4["phone_numbers"] == [{"id": "num5", "number": "+14155550005"}]
    assert [p["type"] for p in u4["calling_plans"]] == [200]
    _status, u5 = get_user(world, "u5")
    assert u5["site_id"] == "site-lon" and u5["extension_number"] == 44205  # site code + short extension
    assert [p["type"] for p in get_user(world, "free")[1]["calling_plans"]] == [3000, 200]
    assert world.users["free"].feature_zoom_phone is True


@pytest.mark.parametrize("bad_item, expected", [
    (_batch_item("pending@example.com", "301"), (400, 300)),  # must be an active user (documented)
    (_batch_item("nobody@example.com", "301"), (400, 300)),
    (_batch_item("user0@example.com", "301"), (400, 300)),  # already a phone user (inferred)
    (_batch_item("user7@example.com", "1000"), (400, 400)),  # extension used (inferred)
    (_batch_item("user7@example.com", "204"), (400, 400)),  # extension used earlier in the same batch
    (_batch_item("user7@example.com", "302", plans=["Mars Unlimited"]), (400, 404)),  # unknown plan name
    (_batch_item("user7@example.com", "302", phone_numbers=["+14155550005"]), (400, 409)),  # number taken in batch
    (_batch_item("user7@example.com", "302", site_code="77"), (404, 404)),
    (_batch_item("user7@example.com", "302", template_name="Sales"), (404, 404)),  # `Template is invalid`
])
def test_batch_add_rejects_and_applies_nothing(bad_item, expected):  # §5.6 (validate all first: inferred)
    world = make_world(phone_users=2)
    before = plans_by_type(world)
    body = {"users": [_batch_item("user4@example.com", "204", phone_numbers=["+14155550005"]), bad_item]}
    status, err = call(world, "POST", "/v2/phone/users/batch", body=body)
    assert (status, err["code"]) == expected
    assert set(world.phone_users) == {"u0", "u1", "gone"}
    assert world.numbers["num5"].assignee_id is None
    assert plans_by_type(world) == before
    assert world.users["u4"].feature_zoom_phone is False


def test_batch_add_limits():  # §5.6: >10 users -> 400 code 400 (documented text); seats; licences §2.3 1102
    world = make_world(phone_users=0)
    eleven = {"users": [_batch_item("user%d@example.com" % i, str(200 + i)) for i in range(8)] * 2}
    assert call(world, "POST", "/v2/phone/users/batch", body={"users": eleven["users"][:11]}, validate=False) == \
        (400, {"code": 400, "message": "User size must be less than 10."})
    # with request validation on (default), the spec's maxItems: 10 answers first
    assert call(world, "POST", "/v2/phone/users/batch", body={"users": eleven["users"][:11]}) == \
        (400, {"code": 300, "message": "Validation Failed.", "errors": [{"field": "users", "message": "Invalid field."}]})
    four = {"users": [_batch_item("user%d@example.com" % i, str(200 + i)) for i in range(4)]}
    status, err = call(world, "POST", "/v2/phone/users/batch", body=four)  # 3 seats of plan 200
    assert status == 400 and err["message"].startswith("No available licenses")
    world.account.phone_licenses = 2  # `gone` already holds one
    two = {"users": [_batch_item("user%d@example.com" % i, str(200 + i), plans=["Pro"]) for i in range(2)]}
    assert call(world, "POST", "/v2/phone/users/batch", body=two)[1]["code"] == 1102


def test_batch_update_move_site_and_unsupported():  # §5.6 updateUsersPropertiesInBatch
    world = make_world()
    world.numbers["num0"].assignee_id = "u0"
    assert call(world, "PUT", "/v2/phone/users/batch", body={"batch_type": "move_site", "user_ids": ["u0", "u1"], "site_id": "site-lon"}) == (204, None)
    assert {world.phone_users[u].site_id for u in ("u0", "u1")} == {"site-lon"}
    assert world.numbers["num0"].assignee_id == "u0"
    assert call(world, "PUT", "/v2/phone/users/batch", body={"batch_type": "activate", "user_ids": ["u0"]}, validate=False) == \
        (400, {"code": 400, "message": "Current batch type does not support, batch type:activate."})
    assert call(world, "PUT", "/v2/phone/users/batch", body={"batch_type": "activate", "user_ids": ["u0"]})[1]["code"] == 300  # enum
    assert call(world, "PUT", "/v2/phone/users/batch", body={"batch_type": "move_site", "user_ids": ["u0", "free"], "site_id": "site-main"})[0] == 404
    assert world.phone_users["u0"].site_id == "site-lon"  # nothing applied


def test_batch_update_assign_pending_user():  # §5.6 assign_pending_user: gives the phone feature (async, §5.8)
    world = make_world()
    assert call(world, "PUT", "/v2/phone/users/batch", body={"batch_type": "assign_pending_user", "user_ids": ["free"]}) == (204, None)
    assert "free" in world.phone_users and get_user(world, "free")[0] == 404
    world.clock.advance(world.behaviour.phone_provisioning_delay + 0.1)
    assert get_user(world, "free")[0] == 200


# ---- sites -------------------------------------------------------------------------------------------
def test_sites():  # §5.1 listPhoneSites; `level` returned though missing from Zoom's spec (reported [PATCH])
    world = make_world()
    _status, body = call(world, "GET", "/v2/phone/sites")
    assert body["total_records"] == 2
    assert body["sites"][1] == {"id": "site-lon", "name": "London", "site_code": 44, "level": "sub"}
    assert call(world, "GET", "/v2/phone/sites/site-main")[1]["level"] == "main"
    assert call(world, "GET", "/v2/phone/sites/nope") == (400, {"code": 400, "message": "The site does not exist."})


def test_behaviour_defaults_documented():  # docs/simulator-phone.md lists these switches
    b = Behaviour()
    assert (b.phone_invalid_plan_error, b.phone_no_seat_code, b.phone_plan_already_assigned) == ("unknown_plan", 400, "error")
    assert list(b.phone_extension_digits) == [2, 6] and b.phone_move_site_keeps_numbers is True
