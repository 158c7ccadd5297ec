"""Users API v2 (list, create, get, email check, update, status, settings, managed domains).

Every test names the docs/ZOOM-API-FACTS.md section it checks and,
for 2xx answers, validates the body against Zoom's raw spec (users-api.json / accounts-api.json).
"""

import pytest

from test_users_support import ACCOUNT_ID, check_shape, scim_filter_url, simulator, world_dict

DUPLICATE = "User already in the account: {email}"


@pytest.fixture(name="sim")
def _sim():
    with simulator() as handle:
        yield handle


def create(sim, email, action="create", **info):
    user_info = {"email": email, "type": info.pop("type", 1)}
    user_info.update(info)
    return sim.call("POST", "/v2/users", json={"action": action, "user_info": user_info})


# ---- GET /users (§2.4) -----------------------------------------------------------------------
def test_list_defaults_to_active_users_with_documented_fields(sim):
    """§2.4: status defaults to active; items carry the documented fields; ISO created_at."""
    resp = sim.call("GET", "/v2/users")
    assert resp.status_code == 200
    body = check_shape("users", "users", resp)
    emails = {u["email"] for u in body["users"]}
    assert "alice@example.com" in emails
    assert "inactive@example.com" not in emails and "pending@example.com" not in emails
    assert body["page_size"] == 30 and body["page_number"] == 1 and body["next_page_token"] == ""
    assert body["total_records"] == len(body["users"]) == body["total_records"]
    alice = next(u for u in body["users"] if u["email"] == "alice@example.com")
    for field in ("id", "email", "first_name", "last_name", "display_name", "type", "status", "verified", "dept",
                  "created_at", "user_created_at", "pmi", "timezone", "language", "role_id", "group_ids",
                  "employee_unique_id", "phone_number", "job_title"):
        assert field in alice, field
    assert alice["created_at"].endswith("Z") and alice["status"] == "active" and alice["dept"] == "Sales"


def test_list_inactive(sim):
    """§2.4: status=inactive lists deactivated users only."""
    body = check_shape("users", "users", sim.call("GET", "/v2/users", params={"status": "inactive"}))
    assert [u["email"] for u in body["users"]] == ["inactive@example.com"]


def test_list_pending_users_have_no_id(sim):
    """§2.4 / §2.11 (reported, DF-98314): pending users are listed without an id."""
    create(sim, "invitee@example.com")
    body = check_shape("users", "users", sim.call("GET", "/v2/users", params={"status": "pending"}))
    emails = sorted(u["email"] for u in body["users"])
    assert emails == ["invitee@example.com", "pending@example.com"]
    assert all("id" not in u and u["status"] == "pending" for u in body["users"])


def test_list_page_size_is_clamped_to_300(sim):
    """§2.4: spec max 2000, guide 300 -> Behaviour.users_page_size_max (300) clamps."""
    body = sim.call("GET", "/v2/users", params={"page_size": 2000}).json()
    assert body["page_size"] == 300


def test_list_page_size_switch():
    """§2.4: the clamp follows Behaviour.users_page_size_max."""
    with simulator(world_dict(behaviour={"users_page_size_max": 2})) as sim:
        body = sim.call("GET", "/v2/users", params={"page_size": 50}).json()
        assert body["page_size"] == 2 and len(body["users"]) == 2 and body["next_page_token"]
        assert body["page_count"] == 3


def test_pagination_walk_and_last_page_token_is_empty(sim):
    """§2.4 / §7: next_page_token walks the list; empty string on the last page."""
    seen, token, pages = [], None, 0
    while True:
        params = {"page_size": 4}
        if token:
            params["next_page_token"] = token
        body = check_shape("users", "users", sim.call("GET", "/v2/users", params=params))
        pages += 1
        seen.extend(u["id"] for u in body["users"])
        token = body["next_page_token"]
        if not token:
            break
    assert pages == 2 and len(seen) == len(set(seen)) == 6


def test_invalid_page_token(sim):
    """§2.4 (documented): invalid token -> 400 code 300."""
    resp = sim.call("GET", "/v2/users", params={"next_page_token": "nope"})
    assert resp.status_code == 400
    assert resp.json() == {"code": 300, "message": "The next page token is invalid or expired."}


def test_page_token_expires_after_15_minutes(sim):
    """§2.4 / §7 (documented): a next_page_token is valid 15 minutes (world clock)."""
    token = sim.call("GET", "/v2/users", params={"page_size": 2}).json()["next_page_token"]
    assert sim.call("GET", "/v2/users", params={"page_size": 2, "next_page_token": token}).status_code == 200
    sim.advance(15 * 60 + 1)
    resp = sim.call("GET", "/v2/users", params={"page_size": 2, "next_page_token": token})
    assert resp.status_code == 400 and resp.json()["code"] == 300


def test_page_token_is_bound_to_its_query(sim):
    """§7 (documented: reuse the same query parameters): a token of another status is refused."""
    token = sim.call("GET", "/v2/users", params={"page_size": 2}).json()["next_page_token"]
    resp = sim.call("GET", "/v2/users", params={"status": "inactive", "next_page_token": token})
    assert resp.status_code == 400 and resp.json()["code"] == 300


# ---- POST /users (§2.3, §3) ---------------------------------------------------------------------
def test_create_answers_only_five_fields_and_user_is_pending(sim):
    """§2.3 (documented): 201 body is id, email, first_name, last_name, type (no status); `create` is pending."""
    resp = create(sim, "new.hire@example.com", first_name="New", last_name="Hire")
    assert resp.status_code == 201
    body = check_shape("users", "userCreate", resp)
    assert set(body) == {"id", "email", "first_name", "last_name", "type"}
    user = sim.call("GET", "/v2/users/new.hire@example.com").json()
    assert user["status"] == "pending" and user["id"] == body["id"] and user["display_name"] == "New Hire"


def test_pending_user_by_email_has_id_and_created_at_now(sim):
    """§2.5 (documented + reported): pending user by email -> 200, status pending, id, created_at = now."""
    sim.advance(3600)
    resp = sim.call("GET", "/v2/users/pending@example.com")
    body = check_shape("users", "user", resp)
    assert body["status"] == "pending" and body["id"] == "pend000000000000000000"
    assert body["created_at"] == "2026-03-02T10:00:00Z"  # the time of the call, not of the invitation
    assert body["user_created_at"] < body["created_at"]


@pytest.mark.parametrize("action,login", [("custCreate", [99]), ("autoCreate", [100]), ("ssoCreate", [101])])
def test_direct_actions_create_active_users(sim, action, login):
    """§2.3 (documented): autoCreate (managed domain), custCreate and ssoCreate (associated domain) are active."""
    assert create(sim, "direct@example.com", action=action).status_code == 201
    user = check_shape("users", "user", sim.call("GET", "/v2/users/direct@example.com"))
    assert user["status"] == "active" and user["login_types"] == login


def test_autocreate_outside_managed_domains(sim):
    """§2.3: autoCreate needs a managed domain; 400 code 1116 (documented text, inferred trigger)."""
    resp = create(sim, "x@elsewhere.net", action="autoCreate")
    assert resp.status_code == 400
    assert resp.json() == {"code": 1116, "message": "Email address x@elsewhere.net doesn't match limited domains: "
                                                    "example.com,corp.example.org"}


def test_ssocreate_without_sso():
    """§3 (documented): ssoCreate without SSO -> 400 code 2002."""
    with simulator(world_dict(account={"sso_enabled": False})) as sim:
        resp = create(sim, "a@example.com", action="ssoCreate")
        assert resp.status_code == 400
        assert resp.json() == {"code": 2002, "message": "SSO has not been enabled for this account. Contact the Zoom "
                                                        "support team to enable this option."}


def test_ssocreate_without_preprovisioning():
    """§3 (documented): ssoCreate without pre-provisioning -> 400 code 2032."""
    with simulator(world_dict(account={"sso_preprovisioning": False})) as sim:
        resp = create(sim, "a@example.com", action="ssoCreate")
        assert resp.status_code == 400
        assert resp.json() == {"code": 2032, "message": "The ssoCreate option is only available for SSO Partners "
                               "that have enabled the pre-provision option. Contact the Zoom Support team to learn more."}


def test_ssocreate_unassociated_domain_is_pending(sim):
    """§3 case 1 (documented, KB0062383): 201, but the user is pending (domain not associated)."""
    resp = create(sim, "ext@corp.example.org", action="ssoCreate")
    assert resp.status_code == 201 and "status" not in resp.json()
    assert sim.call("GET", "/v2/users/ext@corp.example.org").json()["status"] == "pending"
    assert sim.world.user_by_email("ext@corp.example.org").pending_reason == "domain_not_associated"


def test_ssocreate_existing_personal_account_is_pending(sim):
    """§3 case 2 (reported, DF-69260): email of a personal Zoom account -> 201 but pending."""
    resp = create(sim, "personal@example.com", action="ssoCreate", feature={"zoom_phone": True})
    assert resp.status_code == 201
    assert sim.call("GET", "/v2/users/personal@example.com").json()["status"] == "pending"
    user = sim.world.user_by_email("personal@example.com")
    assert user.pending_reason == "existing_zoom_account"
    assert user.id not in sim.world.phone_users  # §5.8: no phone user while pending


def test_create_duplicate_email_conflicts(sim):
    """§2.3: an email already in the account (any status, pending too, any case) -> 409 code 1005."""
    for email in ("alice@example.com", "PENDING@example.com", "inactive@example.com"):
        resp = create(sim, email, action="ssoCreate")
        assert resp.status_code == 409
        assert resp.json() == {"code": 1005, "message": DUPLICATE.format(email=email)}


def test_duplicate_message_switch():
    """§2.3 / §8: the 1005 text varies; Behaviour.duplicate_email_message picks it."""
    text = 'Email "{email}" has already been used.'
    with simulator(world_dict(behaviour={"duplicate_email_message": text})) as sim:
        resp = create(sim, "alice@example.com")
        assert resp.json() == {"code": 1005, "message": 'Email "alice@example.com" has already been used.'}


def test_create_email_of_another_business(sim):
    """§2.3: 400 code 1009 (documented text; inferred trigger: the email belongs to another company's account)."""
    resp = create(sim, "taken@example.com", action="ssoCreate")
    assert resp.status_code == 400
    assert resp.json() == {"code": 1009, "message": "The user taken@example.com already holds an active account."}


@pytest.mark.parametrize("email", ["no-at-sign", "a@b", "a..b@example.com", "a b@example.com", "@example.com",
                                   "a@-example.com", "a@example.c"])
def test_create_malformed_email(sim, email):
    """§2.1 / §2.3 (reported, DF-8165): exact Validation Failed body for a bad email."""
    resp = create(sim, email)
    assert resp.status_code == 400
    assert resp.json() == {"code": 300, "message": "Validation Failed.",
                           "errors": [{"field": "user_info.email", "message": "Invalid field."}]}


def test_create_with_phone_without_licence():
    """§2.3 (documented): feature.zoom_phone with no licence left -> 404 code 1102; nothing created."""
    with simulator(world_dict(account={"phone_licenses": 1})) as sim:
        resp = create(sim, "caller@example.com", action="ssoCreate", feature={"zoom_phone": True})
        assert resp.status_code == 404
        assert resp.json() == {"code": 1102, "message": "You cannot enable the **Zoom Phone** feature because you "
                                                        "do not have any available licenses."}
        assert sim.world.user_by_email("caller@example.com") is None


def test_create_with_phone_provisions_asynchronously(sim):
    """§5.8 (reported, FOLIO): the phone user appears after the provisioning delay, with an auto extension."""
    user_id = create(sim, "caller@example.com", action="ssoCreate", feature={"zoom_phone": True}).json()["id"]
    user = sim.world.users[user_id]
    phone = sim.world.phone_users[user_id]
    assert user.feature_zoom_phone and sim.world.phone_user(user) is None
    assert 1000 <= phone.extension_number <= 9999 and phone.site_id == "site-main"
    sim.advance(sim.world.behaviour.phone_provisioning_delay + 1)
    assert sim.world.phone_user(user) is phone


def test_create_clears_dead_invitation(sim):
    """§4.4: a new invitation/user for a stuck email replaces the dead invitation."""
    assert create(sim, "deleted@example.com", action="ssoCreate").status_code == 201
    assert "deleted@example.com" not in sim.world.dead_invitations
    resp = sim.call("GET", scim_filter_url("deleted@example.com"))
    assert resp.status_code == 200 and resp.json()["totalResults"] == 1


# ---- GET /users/{userId} (§2.5, §2.1, §7) -------------------------------------------------------
def test_get_by_id_and_by_email_any_case(sim):
    """§2.1 (documented): userId is the id or the email; §7: emails compare case-insensitively (inferred)."""
    by_id = check_shape("users", "user", sim.call("GET", "/v2/users/alice000000000000000aa"))
    by_email = sim.call("GET", "/v2/users/Alice@Example.COM").json()
    assert by_id == by_email
    assert by_id["account_id"] == ACCOUNT_ID and by_id["manager"] == "admin@example.com"


def test_get_plus_is_literal_in_path(sim):
    """§7 (inferred from URL rules): '+' in the path is a plus, not a space."""
    resp = sim.call("GET", "/v2/users/first+tag@example.com")
    assert resp.status_code == 200 and resp.json()["email"] == "first+tag@example.com"
    assert sim.call("GET", "/v2/users/first%2Btag@example.com").json()["id"] == "plus000000000000000000"


def test_get_expired_invitation(sim):
    """§2.5 / §2.11 (documented): expired invitation -> 400 code 1120."""
    resp = sim.call("GET", "/v2/users/expired@example.com")
    assert resp.status_code == 400
    assert resp.json() == {"code": 1120, "message": "A valid invitation to join the Zoom account was not found for "
                                                    "this user."}


@pytest.mark.parametrize("user_id", ["deleted@example.com", "nobody@example.com", "NoSuchId123"])
def test_get_unknown_or_deleted_invitation(sim, user_id):
    """§2.5 (documented): unknown user (or deleted invitation) -> 404 code 1001 with the userId."""
    resp = sim.call("GET", "/v2/users/" + user_id)
    assert resp.status_code == 404
    assert resp.json() == {"code": 1001, "message": "User does not exist: %s." % user_id}


def test_get_email_of_another_zoom_account(sim):
    """§2.5 (reported, C# client / moodle #64): another account's email -> 400 code 1010."""
    resp = sim.call("GET", "/v2/users/someone@gmail.com")
    assert resp.status_code == 400
    assert resp.json() == {"code": 1010, "message": "User not belong to this account"}


def test_get_email_of_another_zoom_account_switch():
    """§2.5: Behaviour.external_email_lookup_code=1001 answers like an unknown user."""
    with simulator(world_dict(behaviour={"external_email_lookup_code": 1001})) as sim:
        resp = sim.call("GET", "/v2/users/someone@gmail.com")
        assert resp.status_code == 404 and resp.json()["code"] == 1001


def test_invitation_expires_after_lifetime(sim):
    """§2.11 (documented): invitations live 30 days; then GET 400 1120 and SCIM stays 400 (§4.4)."""
    create(sim, "late@example.com")
    sim.advance(29 * 86400)
    assert sim.call("GET", "/v2/users/late@example.com").json()["status"] == "pending"
    sim.advance(2 * 86400)
    assert sim.call("GET", "/v2/users/late@example.com").json()["code"] == 1120
    resp = sim.call("GET", scim_filter_url("late@example.com"))
    assert resp.status_code == 400
    assert resp.json()["detail"] == "User late@example.com not exist or not belong to this account."


# ---- GET /users/email (§2.6) ---------------------------------------------------------------------
@pytest.mark.parametrize("email,existed", [
    ("worker@example.com", True),     # work-email login, in the account
    ("alice@example.com", False),     # SSO users are not reported (documented)
    ("someone@gmail.com", False),     # other account (documented)
    ("nobody@example.com", False),
    ("pending@example.com", False),   # invitee not signed up yet (inferred)
])
def test_email_check(sim, email, existed):
    """§2.6 (documented): existed_email is true only for work-email users of this account."""
    resp = sim.call("GET", "/v2/users/email", params={"email": email})
    assert check_shape("users", "userEmail", resp) == {"existed_email": existed}


def test_email_check_requires_email(sim):
    """§2.6 (documented): missing email -> 400 code 300 `Email is required.`"""
    resp = sim.call("GET", "/v2/users/email")
    assert resp.status_code == 400 and resp.json() == {"code": 300, "message": "Email is required."}


# ---- PATCH /users/{userId} (§2.7) ------------------------------------------------------------------
def test_update_fields(sim):
    """§2.7 (documented): 204; the given fields change, others stay."""
    resp = sim.call("PATCH", "/v2/users/alice@example.com",
                    json={"dept": "Support", "job_title": "Lead", "timezone": "Europe/Paris", "language": "fr-FR",
                          "phone_number": "5550100", "type": 2})
    assert resp.status_code == 204 and resp.content == b""
    user = sim.call("GET", "/v2/users/alice@example.com").json()
    assert (user["dept"], user["job_title"], user["timezone"], user["language"], user["type"]) == \
        ("Support", "Lead", "Europe/Paris", "fr-FR", 2)
    assert user["first_name"] == "Alice"


def test_update_empty_display_name_is_derived(sim):
    """§2.1 / §2.7 (documented): display_name left empty -> first + last name."""
    sim.call("PATCH", "/v2/users/alice@example.com", json={"display_name": "Ally"})
    assert sim.call("GET", "/v2/users/alice@example.com").json()["display_name"] == "Ally"
    sim.call("PATCH", "/v2/users/alice@example.com", json={"first_name": "Alicia", "display_name": ""})
    assert sim.call("GET", "/v2/users/alice@example.com").json()["display_name"] == "Alicia Active"


def test_update_pending_user_is_accepted_but_not_applied(sim):
    """§2.7 / §2.11 (reported, SailPoint): pending user -> 204, nothing changes."""
    resp = sim.call("PATCH", "/v2/users/pending@example.com", json={"first_name": "Never", "dept": "X"})
    assert resp.status_code == 204
    user = sim.call("GET", "/v2/users/pending@example.com").json()
    assert user["first_name"] == "" and user["dept"] == ""


def test_update_unknown_user(sim):
    """§2.7 (documented): 404 code 1001."""
    resp = sim.call("PATCH", "/v2/users/ghost@example.com", json={"dept": "X"})
    assert resp.status_code == 404 and resp.json()["code"] == 1001


def test_update_phone_feature_on_and_off(sim):
    """§2.7 (documented + FOLIO): zoom_phone true creates the phone user; false removes it and frees numbers/plans."""
    assert sim.call("PATCH", "/v2/users/worker@example.com", json={"feature": {"zoom_phone": True}}).status_code == 204
    assert "worker00000000000000aa" in sim.world.phone_users
    resp = sim.call("PATCH", "/v2/users/phone@example.com", json={"feature": {"zoom_phone": False}})
    assert resp.status_code == 204
    world = sim.world
    assert "phone00000000000000000" not in world.phone_users
    assert not world.users["phone00000000000000000"].feature_zoom_phone
    assert world.numbers_of("phone00000000000000000") == [] and world.plan_assigned_count(200) == 0


def test_update_phone_feature_without_licence():
    """§2.3 / §2.7: enabling phone with no licence -> 404 code 1102; the rest of the body is not applied."""
    with simulator(world_dict(account={"phone_licenses": 1})) as sim:
        resp = sim.call("PATCH", "/v2/users/alice@example.com", json={"dept": "X", "feature": {"zoom_phone": True}})
        assert resp.status_code == 404 and resp.json()["code"] == 1102
        assert sim.call("GET", "/v2/users/alice@example.com").json()["dept"] == "Sales"


# ---- PUT /users/{userId}/status (§2.8) -------------------------------------------------------------
def test_status_deactivate_and_activate(sim):
    """§2.8: activate/deactivate; success code from Behaviour.user_status_success_code (204), no body."""
    resp = sim.call("PUT", "/v2/users/alice@example.com/status", json={"action": "deactivate"})
    assert resp.status_code == 204 and resp.content == b""
    check_shape("users", "userStatus", resp)
    assert sim.call("GET", "/v2/users/alice@example.com").json()["status"] == "inactive"
    sim.call("PUT", "/v2/users/alice@example.com/status", json={"action": "activate"})
    assert sim.call("GET", "/v2/users/alice@example.com").json()["status"] == "active"


def test_status_success_code_switch():
    """§2.8 (spec: 200 without body; not established): Behaviour.user_status_success_code=200."""
    with simulator(world_dict(behaviour={"user_status_success_code": 200})) as sim:
        resp = sim.call("PUT", "/v2/users/alice@example.com/status", json={"action": "deactivate"})
        assert resp.status_code == 200 and resp.content == b""


@pytest.mark.parametrize("email", ["owner@example.com", "admin@example.com"])
def test_status_of_admins_refused(sim, email):
    """§2.8 (documented): owner/admin -> 400 code 200."""
    resp = sim.call("PUT", "/v2/users/%s/status" % email, json={"action": "deactivate"})
    assert resp.status_code == 400
    assert resp.json() == {"code": 200, "message": "Zoom Room and Admin users' status cannot be activated or "
                                                   "deactivated."}


def test_status_unknown_user(sim):
    """§2.8 (documented): 404 code 1001."""
    resp = sim.call("PUT", "/v2/users/ghost@example.com/status", json={"action": "activate"})
    assert resp.status_code == 404 and resp.json()["code"] == 1001


def test_deactivation_mirrors_phone_status(sim):
    """§5 (inferred): the phone user of a deactivated user shows status deactivate."""
    sim.call("PUT", "/v2/users/phone@example.com/status", json={"action": "deactivate"})
    assert sim.world.phone_users["phone00000000000000000"].status == "deactivate"


# ---- settings (§2.10) -------------------------------------------------------------------------------
def test_settings_get_and_enable_phone(sim):
    """§2.10 (documented + PSZoom): PATCH settings feature.zoom_phone enables phone; GET reflects it."""
    body = check_shape("users", "userSettings", sim.call("GET", "/v2/users/worker@example.com/settings"))
    assert body["feature"]["zoom_phone"] is False
    resp = sim.call("PATCH", "/v2/users/worker@example.com/settings", json={"feature": {"zoom_phone": True}})
    assert resp.status_code == 204
    check_shape("users", "userSettingsUpdate", resp)
    assert sim.call("GET", "/v2/users/worker@example.com/settings").json()["feature"]["zoom_phone"] is True
    assert "worker00000000000000aa" in sim.world.phone_users


@pytest.mark.parametrize("method", ["GET", "PATCH"])
def test_settings_of_pending_user(sim, method):
    """§2.10 / §2.11 (reported, moodle #131): pending -> 400 code 1000."""
    resp = sim.call(method, "/v2/users/pending@example.com/settings",
                    json={"feature": {"zoom_phone": True}} if method == "PATCH" else None)
    assert resp.status_code == 400
    assert resp.json() == {"code": 1000, "message": "You can not access settings of users that are still in "
                                                    "pending state."}


# ---- summary, managed domains ---------------------------------------------------------------------
def test_user_summary(sim):
    """§2.2 (documented): GET /users/summary counts users by status/type."""
    body = check_shape("users", "userSummary", sim.call("GET", "/v2/users/summary"))
    assert body["pending_users_count"] == 1 and body["licensed_users_count"] == 2
    assert body["total_users_count"] == 8


@pytest.mark.parametrize("account_id", ["me", ACCOUNT_ID])
def test_managed_domains(sim, account_id):
    """§3 (KB0062383): associated domains are the verified ones; managed-only domains show pending (inferred)."""
    resp = sim.call("GET", "/v2/accounts/%s/managed_domains" % account_id)
    body = check_shape("accounts", "accountManagedDomain", resp)
    assert body == {"domains": [{"domain": "example.com", "status": "verified"},
                                {"domain": "corp.example.org", "status": "pending"}], "total_records": 2}


def test_managed_domains_unknown_account(sim):
    """Accounts spec (documented): unknown account -> 404 code 2001."""
    resp = sim.call("GET", "/v2/accounts/other/managed_domains")
    assert resp.status_code == 404
    assert resp.json() == {"code": 2001, "message": "Account does not exist: other"}


def test_list_role_filter_and_page_number(sim):
    """§2.4 (documented query): role_id filters; the deprecated page_number still pages."""
    body = sim.call("GET", "/v2/users", params={"role_id": "1"}).json()
    assert [u["email"] for u in body["users"]] == ["admin@example.com"]
    second = sim.call("GET", "/v2/users", params={"page_size": 4, "page_number": 2}).json()
    assert second["page_number"] == 2 and len(second["users"]) == 2


def test_routes_are_registered_with_zoom_operation_ids():
    """§2.2 / §4.2 / §6.2: operationIds exist in the raw specs; labels and families as documented."""
    from zoomsim.routing import ROUTES  # noqa: PLC0415
    from zoomsim.validation import check_routes  # noqa: PLC0415

    expected = {
        "users": ("Medium", "standard"), "userCreate": ("Light", "standard"), "userEmail": ("Light", "standard"),
        "user": ("Light", "standard"), "userUpdate": ("Light", "standard"), "userDelete": ("Light", "standard"),
        "userStatus": ("Light", "standard"), "userSettings": ("Medium", "standard"),
        "userSettingsUpdate": ("Medium", "standard"), "userSummary": ("Medium", "standard"),
        "accountManagedDomain": ("Medium", "standard"),
        "userSCIM2List": ("Medium", "scim"), "userScim2Create": ("Light", "scim"), "userSCIM2Get": ("Light", "scim"),
        "userSCIM2Update": ("Light", "scim"), "userADSCIM2Deactivate": ("Light", "scim"),
        "userSCIM2Delete": ("Light", "scim"),
    }
    mine = [r for r in ROUTES if r.operation in expected]
    assert {r.operation for r in mine} == set(expected)
    assert {r.operation: (r.label, r.family) for r in mine} == expected
    assert check_routes(mine) == []
