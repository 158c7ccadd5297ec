"""SCIM2 Users (/scim2/Users...).

Every test names the docs/ZOOM-API-FACTS.md section it checks; 2xx bodies are validated against Zoom's raw
SCIM2 spec (scim2-api.json). §4.4 (the filter trap) is the heart of this file.
"""

import pytest
from scim2_models import Context, EnterpriseUser, Name, User as ScimUser

from test_users_support import check_shape, scim_filter_url, simulator, world_dict

ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ZOOM_USER = "urn:us:zoom:scim:schemas:extension:1.0:ZoomUser"
ZOOM_EXT = "urn:ietf:params:scim:schemas:extension:zoom:1.0:User"
SCIM_HEADERS = {"Accept": "application/scim+json"}
STUCK = "User {email} not exist or not belong to this account."


@pytest.fixture(name="sim")
def _sim():
    with simulator() as handle:
        yield handle


def scim_error(resp, status, detail):
    assert resp.status_code == status, resp.text
    assert resp.json() == {"schemas": [ERROR_URN], "detail": detail, "status": status}


def lookup(sim, email, **kwargs):
    return sim.call("GET", scim_filter_url(email, **kwargs), headers=SCIM_HEADERS)


def new_user(email="new.person@example.com", **extra):
    body = {"schemas": [CORE], "userName": email, "name": {"givenName": "New", "familyName": "Person"},
            "emails": [{"value": email, "type": "work", "primary": True}]}
    body.update(extra)
    return body


# ---- the §4.4 outcomes of filter=userName eq {email} -------------------------------------------------
@pytest.mark.parametrize("email,active", [("alice@example.com", True), ("inactive@example.com", False)])
def test_filter_finds_users_of_the_account(sim, email, active):
    """§4.4 row 1 (reported, DF-7646): active/inactive user -> 200 ListResponse with the user."""
    resp = lookup(sim, email)
    body = check_shape("scim2", "userSCIM2List", resp)
    assert body["schemas"] == [LIST_URN] and body["totalResults"] == 1 and body["startIndex"] == 1
    assert body["itemsPerPage"] == 1 and body["Resources"][0]["userName"] == email
    assert body["Resources"][0]["active"] is active


@pytest.mark.parametrize("email", ["never.seen@example.com", "someone@gmail.com", "taken@example.com"])
def test_filter_unknown_email_is_empty(sim, email):
    """§4.4 row 2 (reported + staff, DF-7646): unknown (or another account's) email -> 200 empty list."""
    body = check_shape("scim2", "userSCIM2List", lookup(sim, email))
    assert body["totalResults"] == 0 and body["Resources"] == []


@pytest.mark.parametrize("email", ["pending@example.com", "expired@example.com", "deleted@example.com"])
def test_filter_stuck_emails_answer_400(sim, email):
    """§4.4 rows 3-4 (reported, DF-7646): pending invitee, expired or deleted invitation -> 400 with the detail."""
    scim_error(lookup(sim, email), 400, STUCK.format(email=email))


def test_filter_new_invitation_answers_400(sim):
    """§4.4 (reported, DF-7646 steps): an unknown email answers empty until it is invited, then 400."""
    assert lookup(sim, "invitee@example.com").json()["totalResults"] == 0
    sim.call("POST", "/v2/users", json={"action": "create", "user_info": {"email": "invitee@example.com", "type": 1}})
    scim_error(lookup(sim, "invitee@example.com"), 400, STUCK.format(email="invitee@example.com"))


def test_filter_stuck_status_switch():
    """§4.4 / §8: staff said 404; Behaviour.scim_pending_status=404 changes the status (number in body too)."""
    with simulator(world_dict(behaviour={"scim_pending_status": 404})) as sim:
        scim_error(lookup(sim, "pending@example.com"), 404, STUCK.format(email="pending@example.com"))


def test_filter_without_sso():
    """§4.4 last rows / §4.1 (documented): account without SSO -> 400 `Account has not enabled Single Sign-On.`"""
    with simulator(world_dict(account={"sso_enabled": False})) as sim:
        scim_error(lookup(sim, "alice@example.com"), 400, "Account has not enabled Single Sign-On.")
        scim_error(sim.call("POST", "/scim2/Users", json=new_user()), 400, "Account has not enabled Single Sign-On.")


def test_filter_error_content_type(sim):
    """§4.1 (reported): SCIM answers are SCIM JSON; the error's status is a number."""
    ok = lookup(sim, "alice@example.com")
    assert ok.headers["Content-Type"].startswith("application/scim+json")
    bad = lookup(sim, "pending@example.com")
    assert isinstance(bad.json()["status"], int)


@pytest.mark.parametrize("quoted", [True, False])
def test_filter_quoted_and_unquoted(sim, quoted):
    """§4.3: Zoom documents the unquoted form; RFC 7644 quoted form is accepted too (inferred)."""
    body = lookup(sim, "alice@example.com", quoted=quoted).json()
    assert body["totalResults"] == 1


def test_filter_is_case_insensitive(sim):
    """§7 (inferred from RFC 7643 caseExact:false): userName eq matches any case; attribute name too."""
    resp = sim.call("GET", "/scim2/Users", params={"filter": 'USERNAME EQ "ALICE@EXAMPLE.COM"'})
    assert resp.json()["totalResults"] == 1


def test_filter_plus_sign_trap(sim):
    """§7 (inferred from URL rules): a raw '+' in the query is form-decoded to a space -> no match (empty
    list, the trap); %2B finds the user; for a pending '+' invitee the raw '+' hides the 400."""
    assert lookup(sim, "first+tag@example.com", encode_plus=False).json()["totalResults"] == 0
    assert lookup(sim, "first+tag@example.com").json()["totalResults"] == 1
    assert sim.call("GET", "/scim2/Users", params={"filter": "userName eq first+tag@example.com"}
                    ).json()["totalResults"] == 1  # requests encodes '+' as %2B
    sim.call("POST", "/v2/users", json={"action": "create", "user_info": {"email": "new+inv@example.com", "type": 1}})
    assert lookup(sim, "new+inv@example.com", encode_plus=False).json()["totalResults"] == 0
    scim_error(lookup(sim, "new+inv@example.com"), 400, STUCK.format(email="new+inv@example.com"))


def test_filter_external_id(sim):
    """§4.3 (documented): externalId eq {Zoom user id}."""
    body = sim.call("GET", "/scim2/Users", params={"filter": "externalId eq alice000000000000000aa"}).json()
    assert body["totalResults"] == 1 and body["Resources"][0]["id"] == "alice000000000000000aa"
    assert sim.call("GET", "/scim2/Users", params={"filter": "externalId eq nope"}).json()["totalResults"] == 0


@pytest.mark.parametrize("text,name", [('displayName eq "Alice"', "displayName"), ('userName co "ali"', "userName"),
                                       ("emails.value eq x@example.com", "emails.value")])
def test_unsupported_filter(sim, text, name):
    """§4.3 (documented): other filters -> 400 `The current filter is not supported, the filter name: {filter}`."""
    resp = sim.call("GET", "/scim2/Users", params={"filter": text})
    scim_error(resp, 400, "The current filter is not supported, the filter name: %s" % name)


# ---- listing, paging, List vs Get (§4.3, §7) ---------------------------------------------------------
def test_list_count_defaults_to_one(sim):
    """§4.3 (documented): count defaults to 1 (spec) - clients must page."""
    body = check_shape("scim2", "userSCIM2List", sim.call("GET", "/scim2/Users"))
    assert body["itemsPerPage"] == 1 and len(body["Resources"]) == 1 and body["totalResults"] == 7


def test_list_all_users_of_the_account(sim):
    """§4.3: no filter -> active and inactive users of the account, not pending invitees; count max 100."""
    body = sim.call("GET", "/scim2/Users", params={"count": 100}).json()
    assert body["itemsPerPage"] == 7
    emails = {r["userName"] for r in body["Resources"]}
    assert "inactive@example.com" in emails and "pending@example.com" not in emails


def test_list_paging_with_start_index(sim):
    """§4.3: startIndex (1-based) and count page through the users exactly once."""
    seen, start = [], 1
    while True:
        body = sim.call("GET", "/scim2/Users", params={"startIndex": start, "count": 3}).json()
        assert body["startIndex"] == start
        seen += [r["id"] for r in body["Resources"]]
        start += body["itemsPerPage"]
        if start > body["totalResults"]:
            break
    assert len(seen) == len(set(seen)) == 7


def test_list_omits_fields_that_get_returns(sim):
    """§4.8 / §7 (reported, DF-111286): List lacks manager/organization/costCenter and the zoom:1.0 extension;
    Get has them; neither returns zoomPhone* attributes."""
    item = lookup(sim, "alice@example.com").json()["Resources"][0]
    assert item[ENTERPRISE] == {"department": "Sales", "employeeNumber": "E1"}
    assert ZOOM_EXT not in item
    full = check_shape("scim2", "userSCIM2Get", sim.call("GET", "/scim2/Users/alice000000000000000aa"))
    assert full[ENTERPRISE] == {"department": "Sales", "organization": "Example Inc", "costCenter": "CC1",
                                "employeeNumber": "E1", "manager": "admin@example.com"}
    assert not any(key.startswith("zoomPhone") for key in full.get(ZOOM_EXT, {}))
    assert full[ZOOM_USER] == {"loginType": {"workEmail": False, "sso": True}}


# ---- POST (§4.5) -------------------------------------------------------------------------------------
def test_create_active_sso_user(sim):
    """§4.5: 201 full user, ACTIVE, login type SSO (inferred: no invitation path); displayName = given + family."""
    resp = sim.call("POST", "/scim2/Users", json=new_user(title="Engineer", **{
        ENTERPRISE: {"department": "R&D", "costCenter": "C9", "manager": "admin@example.com"}}), headers=SCIM_HEADERS)
    assert resp.status_code == 201
    body = check_shape("scim2", "userScim2Create", resp)
    assert body["active"] is True and body["displayName"] == "New Person" and body["title"] == "Engineer"
    assert body[ZOOM_USER]["loginType"] == {"workEmail": False, "sso": True}
    assert ZOOM_USER in body["schemas"] and body["meta"]["resourceType"] == "User"
    rest = sim.call("GET", "/v2/users/new.person@example.com").json()
    assert rest["status"] == "active" and rest["login_types"] == [101] and rest["dept"] == "R&D"


def test_create_with_scim2_models_payload(sim):
    """§4.5: a payload built with scim2-models (the project's SCIM library) is accepted."""
    user = ScimUser[EnterpriseUser](user_name="lib.user@example.com", name=Name(given_name="Lib", family_name="User"),
                                    display_name="Lib U.")
    user[EnterpriseUser] = EnterpriseUser(department="Ops")
    payload = user.model_dump(scim_ctx=Context.RESOURCE_CREATION_REQUEST)
    resp = sim.call("POST", "/scim2/Users", json=payload)
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert body["displayName"] == "Lib U." and body[ENTERPRISE]["department"] == "Ops"


@pytest.mark.parametrize("email", ["alice@example.com", "ALICE@example.com", "inactive@example.com"])
def test_create_duplicate_is_400(sim, email):
    """§4.5 (documented): duplicate create is 400 `The email "{email}" is already in use.` (not 409)."""
    scim_error(sim.call("POST", "/scim2/Users", json=new_user(email)), 400,
               'The email "%s" is already in use.' % email)


@pytest.mark.parametrize("email", ["pending@example.com", "expired@example.com", "deleted@example.com"])
def test_create_on_stuck_email_conflicts_by_default(sim, email):
    """§4.4 (inferred, Behaviour.scim_create_on_stuck_email="conflict"): a stuck email cannot be created."""
    scim_error(sim.call("POST", "/scim2/Users", json=new_user(email)), 400, 'The email "%s" is already in use.' % email)


@pytest.mark.parametrize("email", ["pending@example.com", "expired@example.com"])
def test_create_on_stuck_email_allowed_by_switch(email):
    """§4.4 (inferred): with scim_create_on_stuck_email="allow" the create succeeds and un-sticks the email."""
    with simulator(world_dict(behaviour={"scim_create_on_stuck_email": "allow"})) as sim:
        assert sim.call("POST", "/scim2/Users", json=new_user(email)).status_code == 201
        assert lookup(sim, email).json()["totalResults"] == 1


def test_create_outside_associated_domains(sim):
    """§4.5 (documented): domain mismatch -> 409."""
    scim_error(sim.call("POST", "/scim2/Users", json=new_user("x@corp.example.org")), 409,
               "The email domain does not match the associated domain of the account, please contact Zoom Customer "
               "Support to set up if necessary.")


@pytest.mark.parametrize("user_name", [None, "", "not-an-email", "a@b"])
def test_create_invalid_username(sim, user_name):
    """§4.5 (documented): 400 `The "userName" of the request is invalid.`"""
    body = new_user()
    body["userName"] = user_name
    scim_error(sim.call("POST", "/scim2/Users", json=body), 400, 'The "userName" of the request is invalid.')


def test_create_empty_body(sim):
    """§4.5 (documented): 400 `The request JSON must not be empty.`"""
    scim_error(sim.call("POST", "/scim2/Users", json={}), 400, "The request JSON must not be empty.")


def test_create_with_phone_attributes(sim):
    """§4.8 (documented attributes; semantics inferred): zoomPhone* enables phone with that extension, site,
    plan and number; the attributes are write-only (not returned)."""
    resp = sim.call("POST", "/scim2/Users", json=new_user(**{ZOOM_EXT: {
        "zoomPhoneExtNumber": "3456", "zoomPhoneSite": "London", "zoomPhoneCallingPlan": "200",
        "zoomPhoneNumber": "+14155550102"}}))
    assert resp.status_code == 201, resp.text
    body = resp.json()
    assert not any(k.startswith("zoomPhone") for k in body.get(ZOOM_EXT, {}))
    phone = sim.world.phone_users[body["id"]]
    assert (phone.extension_number, phone.site_id, phone.calling_plans) == (3456, "site-lon", [200])
    assert [n.number for n in sim.world.numbers_of(body["id"])] == ["+14155550102"]


def test_create_with_taken_extension(sim):
    """§4.8 / §5.3 (inferred text `Extension number {n} is already used.`): nothing is created."""
    resp = sim.call("POST", "/scim2/Users", json=new_user(**{ZOOM_EXT: {"zoomPhoneExtNumber": "2001"}}))
    scim_error(resp, 400, "Extension number 2001 is already used.")
    assert sim.world.user_by_email("new.person@example.com") is None


# ---- GET / PUT / PATCH / DELETE (§4.6) -----------------------------------------------------------------
def test_get_unknown_and_pending(sim):
    """§4.6 (documented): 404 `User does not exist.`; pending invitees are not users (§4.4)."""
    scim_error(sim.call("GET", "/scim2/Users/nope"), 404, "User does not exist.")
    scim_error(sim.call("GET", "/scim2/Users/pend000000000000000000"), 404, "User does not exist.")


def test_put_is_partial_and_keeps_display_name(sim):
    """§4.6 (documented): PUT changes only what is sent; displayName is not recomputed from names."""
    resp = sim.call("PUT", "/scim2/Users/alice000000000000000aa",
                    json={"schemas": [CORE], "name": {"familyName": "Changed"}, ENTERPRISE: {"department": "Ops"}})
    body = check_shape("scim2", "userSCIM2Update", resp)
    assert body["name"] == {"givenName": "Alice", "familyName": "Changed"}
    assert body["displayName"] == "Alice Active"
    assert sim.call("GET", "/scim2/Users/alice000000000000000aa").json()[ENTERPRISE]["costCenter"] == "CC1"


def test_put_active_false_deactivates(sim):
    """§4.6 (documented): active false/true in PUT deactivates/activates."""
    body = sim.call("PUT", "/scim2/Users/alice000000000000000aa", json={"schemas": [CORE], "active": False}).json()
    assert body["active"] is False
    assert sim.call("GET", "/v2/users/alice@example.com").json()["status"] == "inactive"


def test_put_inactive_user_changes_refused(sim):
    """§4.6 (documented PUT text): modifying an inactive user -> 400 `User is inactive or locked.`;
    with active:true in the same body it works."""
    scim_error(sim.call("PUT", "/scim2/Users/ina000000000000000000a", json={"schemas": [CORE], "title": "X"}), 400,
               "User is inactive or locked.")
    body = sim.call("PUT", "/scim2/Users/ina000000000000000000a",
                    json={"schemas": [CORE], "active": True, "title": "X"}).json()
    assert body["active"] is True and body["title"] == "X"


def test_put_username_conflict(sim):
    """§4.6 (documented): userName already used -> 409 `Email ''{email}'' has already been used.`"""
    scim_error(sim.call("PUT", "/scim2/Users/alice000000000000000aa",
                        json={"schemas": [CORE], "userName": "worker@example.com"}), 409,
               "Email ''worker@example.com'' has already been used.")


def test_put_username_change(sim):
    """§4.6: userName can change to a free address of an associated domain."""
    body = sim.call("PUT", "/scim2/Users/alice000000000000000aa",
                    json={"schemas": [CORE], "userName": "alice.new@example.com"}).json()
    assert body["userName"] == "alice.new@example.com"
    assert sim.call("GET", "/v2/users/alice.new@example.com").json()["id"] == "alice000000000000000aa"


def test_put_admin_email_refused(sim):
    """§4.6 (documented): `Cannot change the email of Admin user.`"""
    scim_error(sim.call("PUT", "/scim2/Users/admin0000000000000000a",
                        json={"schemas": [CORE], "userName": "boss@example.com"}), 400,
               "Cannot change the email of Admin user.")


def test_put_empty_body(sim):
    """§4.6 (documented PUT texts): empty JSON -> 400."""
    scim_error(sim.call("PUT", "/scim2/Users/alice000000000000000aa", json={}), 400,
               "The request JSON must not be empty.")


def test_patch_deactivate_and_activate(sim):
    """§4.6 (documented): PATCH replace value.active; 200 returns the user."""
    body = {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "value": {"active": False}}]}
    resp = sim.call("PATCH", "/scim2/Users/alice000000000000000aa", json=body)
    assert check_shape("scim2", "userADSCIM2Deactivate", resp)["active"] is False
    body["Operations"][0]["value"]["active"] = True
    assert sim.call("PATCH", "/scim2/Users/alice000000000000000aa", json=body).json()["active"] is True


@pytest.mark.parametrize("body", [
    {"schemas": [PATCH_URN], "operations": [{"op": "replace", "value": {"active": False}}]},  # lowercase key
    {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "value": {"displayName": "X"}}]},
    {"schemas": [PATCH_URN], "Operations": []},
])
def test_patch_without_valid_active(sim, body):
    """§4.6 (reported, DF-100447): lowercase `operations` / no value.active -> 400 with that exact detail."""
    scim_error(sim.call("PATCH", "/scim2/Users/alice000000000000000aa", json=body), 400,
               "The request json did not contains valid active field.")


@pytest.mark.parametrize("operation", [{"op": "add", "value": {"active": False}},
                                       {"op": "replace", "path": "active", "value": False}])
def test_patch_op_must_be_replace_with_value_object(sim, operation):
    """§4.6 (documented: op must be `replace`, value an object with active). 400 worded like Zoom's
    `The "..." of the request is invalid.` (text inferred, §4.5/§4.7); nothing changes."""
    body = {"schemas": [PATCH_URN], "Operations": [operation]}
    resp = sim.call("PATCH", "/scim2/Users/alice000000000000000aa", json=body)
    assert resp.status_code == 400
    detail = resp.json()["detail"]
    assert detail.startswith('The "Operations') and detail.endswith('" of the request is invalid.')
    assert sim.call("GET", "/scim2/Users/alice000000000000000aa").json()["active"] is True


@pytest.mark.parametrize("user_id", ["admin0000000000000000a", "owner0000000000000000a"])
def test_patch_admin_refused(sim, user_id):
    """§4.6 (documented): `Cannot activate or deactivate Zoom Room and Admin users.`"""
    body = {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "value": {"active": False}}]}
    scim_error(sim.call("PATCH", "/scim2/Users/" + user_id, json=body), 400,
               "Cannot activate or deactivate Zoom Room and Admin users.")


def test_patch_unknown(sim):
    """§4.6 (documented): 404."""
    body = {"schemas": [PATCH_URN], "Operations": [{"op": "replace", "value": {"active": False}}]}
    scim_error(sim.call("PATCH", "/scim2/Users/nope", json=body), 404, "User does not exist.")


def test_delete_disassociates_by_default(sim):
    """§4.6 (not established; Behaviour.scim_delete_action="disassociate"): 204, user gone, phone freed."""
    resp = sim.call("DELETE", "/scim2/Users/phone00000000000000000")
    assert resp.status_code == 204 and resp.content == b""
    check_shape("scim2", "userSCIM2Delete", resp)
    assert sim.call("GET", "/v2/users/phone@example.com").json()["code"] == 1001
    entry = sim.world.deleted_log[-1]
    assert entry["via"] == "scim" and entry["action"] == "disassociate" and entry["phone"]["had_phone_user"]
    assert lookup(sim, "phone@example.com").json()["totalResults"] == 0  # not stuck


def test_delete_action_switch():
    """§4.6: Behaviour.scim_delete_action="delete" deletes permanently."""
    with simulator(world_dict(behaviour={"scim_delete_action": "delete"})) as sim:
        assert sim.call("DELETE", "/scim2/Users/alice000000000000000aa").status_code == 204
        assert sim.world.deleted_log[-1]["action"] == "delete"


@pytest.mark.parametrize("user_id", ["admin0000000000000000a", "owner0000000000000000a"])
def test_delete_admin_refused(sim, user_id):
    """§4.6 (documented): `Cannot delete Admin user.`"""
    scim_error(sim.call("DELETE", "/scim2/Users/" + user_id), 400, "Cannot delete Admin user.")


def test_delete_unknown(sim):
    """§4.6 (documented): 404 `User does not exist.`"""
    scim_error(sim.call("DELETE", "/scim2/Users/nope"), 404, "User does not exist.")


def test_create_inactive(sim):
    """§4.5 (inferred): `active: false` on create makes an inactive user."""
    body = sim.call("POST", "/scim2/Users", json=new_user(active=False)).json()
    assert body["active"] is False
    assert sim.call("GET", "/v2/users/new.person@example.com").json()["status"] == "inactive"


def test_put_calling_plan_minus_one_removes_plans(sim):
    """§4.8 (documented: `-1` in PUT removes all plans)."""
    resp = sim.call("PUT", "/scim2/Users/phone00000000000000000",
                    json={"schemas": [CORE], ZOOM_EXT: {"zoomPhoneCallingPlan": "-1"}})
    assert resp.status_code == 200
    assert sim.world.phone_users["phone00000000000000000"].calling_plans == []
    assert sim.world.plan_assigned_count(200) == 0
