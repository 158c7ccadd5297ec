"""Users API v2: removal (DELETE /users/{userId}) and the invitation lifecycle.

docs/ZOOM-API-FACTS.md §2.9 (disassociate/delete, transfers, errors), §2.11 (pending users), §4.4 (a deleted
or expired invitation keeps SCIM answering 400), §5.8 (phone user only after acceptance).
"""

import pytest

from test_users_support import HTTP, check_shape, scim_filter_url, simulator, world_dict
from zoomsim.handlers.users import accept_invitation


@pytest.fixture(name="sim")
def _sim():
    with simulator() as handle:
        yield handle


def test_delete_defaults_to_disassociate():
    """§2.9 (documented): action defaults to disassociate; 204; the user is gone (404 1001 afterwards).
    A user outside the managed domains (the 1107 refusal is on by default)."""
    with simulator(world_dict(account={"associated_domains": [], "managed_domains": ["corp.example.org"]})) as sim:
        resp = sim.call("DELETE", "/v2/users/worker@example.com")
        assert resp.status_code == 204 and resp.content == b""
        check_shape("users", "userDelete", resp)
        assert sim.call("GET", "/v2/users/worker@example.com").json()["code"] == 1001
        entry = sim.world.deleted_log[-1]
        assert entry["action"] == "disassociate" and entry["email"] == "worker@example.com"
        assert entry["via"] == "users"


def test_delete_permanently(sim):
    """§2.9 (documented): action=delete removes the user; the email is free again (no stuck state)."""
    assert sim.call("DELETE", "/v2/users/worker@example.com", params={"action": "delete"}).status_code == 204
    assert sim.world.deleted_log[-1]["action"] == "delete"
    resp = sim.call("GET", scim_filter_url("worker@example.com"))
    assert resp.status_code == 200 and resp.json()["totalResults"] == 0


def test_delete_owner_refused(sim):
    """§2.9: the owner cannot be removed: 400 code 200 (documented text `Cannot delete a user out of your account.`,
    inferred trigger)."""
    for action in ("disassociate", "delete"):
        resp = sim.call("DELETE", "/v2/users/owner@example.com", params={"action": action})
        assert resp.status_code == 400
        assert resp.json() == {"code": 200, "message": "Cannot delete a user out of your account."}


def test_disassociate_admin_refused(sim):
    """§2.9 (documented): 400 code 1117 for disassociating an admin; delete is allowed."""
    resp = sim.call("DELETE", "/v2/users/admin@example.com")
    assert resp.status_code == 400
    assert resp.json() == {"code": 1117, "message": "You can not disassociate an Admin user."}
    assert sim.call("DELETE", "/v2/users/admin@example.com", params={"action": "delete"}).status_code == 204


@pytest.mark.parametrize("params", [None, {"action": "disassociate"}])
def test_disassociate_managed_domain_refused_by_default(sim, params):
    """§2.9 (documented text, reported trigger PSZoom #23): by default (Behaviour.managed_domain_blocks_disassociate)
    a managed-domain user cannot be disassociated (400 code 1107), nothing changes, but it can be deleted."""
    resp = sim.call("DELETE", "/v2/users/worker@example.com", params=params)
    assert resp.status_code == 400
    assert resp.json() == {"code": 1107, "message": "You can not disassociate a user with managed domain."}
    assert sim.call("GET", "/v2/users/worker@example.com").status_code == 200
    assert sim.call("DELETE", "/v2/users/worker@example.com", params={"action": "delete"}).status_code == 204


def test_disassociate_outside_managed_domains_allowed(sim):
    """§2.9: the 1107 refusal concerns managed domains only; a user on another domain is disassociated."""
    created = sim.call("POST", "/v2/users", json={"action": "custCreate", "user_info": {
        "email": "guest@elsewhere.example.net", "type": 1}})
    assert created.status_code == 201
    assert sim.call("DELETE", "/v2/users/guest@elsewhere.example.net").status_code == 204


def test_disassociate_managed_domain_switch_off():
    """§2.9: with managed_domain_blocks_disassociate off, a managed-domain user is disassociated."""
    with simulator(world_dict(behaviour={"managed_domain_blocks_disassociate": False})) as sim:
        assert sim.call("DELETE", "/v2/users/alice@example.com").status_code == 204


def test_delete_transfers_data_nothing_lost(sim):
    """§2.9 (documented transfers): data moves to transfer_email; deleted_log proves nothing was lost."""
    resp = sim.call("DELETE", "/v2/users/alice@example.com", params={
        "action": "delete", "transfer_email": "worker@example.com", "transfer_meeting": "true",
        "transfer_webinar": "true", "transfer_recording": "true", "transfer_whiteboard": "true"})
    assert resp.status_code == 204
    entry = sim.world.deleted_log[-1]
    assert entry["transfer_email"] == "worker@example.com"
    assert entry["transferred"] == {"meetings": 3, "webinars": 1, "recordings": 2, "whiteboards": 4}
    assert not any(entry["not_transferred"].values())
    worker = sim.world.user_by_email("worker@example.com")
    assert (worker.meetings, worker.recordings, worker.webinars, worker.whiteboards) == (3, 2, 1, 4)


def test_delete_without_transfer_records_loss(sim):
    """§2.9: without transfers the log shows what was not transferred."""
    sim.call("DELETE", "/v2/users/alice@example.com", params={"action": "delete"})
    assert sim.world.deleted_log[-1]["not_transferred"] == {"meetings": 3, "webinars": 1, "recordings": 2,
                                                            "whiteboards": 4}


def test_delete_transfer_to_self(sim):
    """§2.9 (documented): transfer target equal to the removed user -> 400 code 300."""
    resp = sim.call("DELETE", "/v2/users/alice@example.com",
                    params={"action": "delete", "transfer_email": "ALICE@example.com", "transfer_meeting": "true"})
    assert resp.status_code == 400
    assert resp.json() == {"code": 300, "message": "The transfer-to email address cannot be the same as the "
                                                   "unlinked or deleted user's email address."}


def test_delete_transfer_to_unknown(sim):
    """§2.9 (inferred): unknown transfer target -> 404 code 1001 naming it; nothing removed."""
    resp = sim.call("DELETE", "/v2/users/alice@example.com",
                    params={"action": "delete", "transfer_email": "ghost@example.com"})
    assert resp.status_code == 404
    assert resp.json() == {"code": 1001, "message": "User does not exist: ghost@example.com."}
    assert sim.world.user_by_email("alice@example.com") is not None


def test_delete_unknown(sim):
    """§2.9 (documented): 404 code 1001 (connectors treat it as already gone)."""
    resp = sim.call("DELETE", "/v2/users/ghost@example.com")
    assert resp.status_code == 404 and resp.json()["code"] == 1001


def test_delete_expired_invitation(sim):
    """§2.9 (documented): expired invitation -> 400 code 1120."""
    resp = sim.call("DELETE", "/v2/users/expired@example.com")
    assert resp.status_code == 400 and resp.json()["code"] == 1120


def test_delete_frees_phone(sim):
    """§2.9 + §2.7: removing a phone user frees its numbers, plan seats and licence."""
    world = sim.world
    assert world.plan_assigned_count(200) == 1
    assert sim.call("DELETE", "/v2/users/phone@example.com", params={"action": "delete"}).status_code == 204
    assert "phone00000000000000000" not in world.phone_users
    assert world.plan_assigned_count(200) == 0
    number = next(n for n in world.numbers.values() if n.number == "+14155550101")
    assert number.assignee_id is None
    assert world.deleted_log[-1]["phone"]["numbers"] == ["+14155550101"]


def test_pending_delete_with_explicit_delete_action_fails(sim):
    """§2.9 (reported, PSZoom #115): an explicit action on a pending user fails (400; text inferred)."""
    resp = sim.call("DELETE", "/v2/users/pending@example.com", params={"action": "delete"})
    assert resp.status_code == 400 and resp.json()["code"] == 300
    assert sim.call("GET", "/v2/users/pending@example.com").json()["status"] == "pending"


@pytest.mark.parametrize("params", [None, {"action": "disassociate"}])
def test_pending_delete_leaves_stuck_invitation(sim, params):
    """§2.9 + §4.4 (reported, DF-7646): removing a pending user (no action / disassociate) works, REST then says
    404 1001, but SCIM keeps answering 400 for the email."""
    assert sim.call("DELETE", "/v2/users/pending@example.com", params=params).status_code == 204
    assert sim.call("GET", "/v2/users/pending@example.com").json()["code"] == 1001
    assert sim.world.dead_invitations["pending@example.com"].state == "deleted"
    resp = sim.call("GET", scim_filter_url("pending@example.com"))
    assert resp.status_code == 400
    assert resp.json()["detail"] == "User pending@example.com not exist or not belong to this account."


def test_disassociated_user_keeps_personal_account_switch():
    """§2.9 (documented: a disassociated user keeps a free account) + §3 case 2: with
    Behaviour.disassociate_leaves_personal_account, re-adding by ssoCreate ends pending."""
    with simulator(world_dict(behaviour={"disassociate_leaves_personal_account": True,
                                         "managed_domain_blocks_disassociate": False})) as sim:
        assert sim.call("DELETE", "/v2/users/worker@example.com").status_code == 204
        resp = sim.call("POST", "/v2/users", json={"action": "ssoCreate",
                                                   "user_info": {"email": "worker@example.com", "type": 1}})
        assert resp.status_code == 201
        assert sim.call("GET", "/v2/users/worker@example.com").json()["status"] == "pending"


def test_accept_invitation_activates_and_provisions_phone(sim):
    """§2.11 / §5.8: after acceptance the user is active in the account and the requested phone user appears."""
    resp = sim.call("POST", "/v2/users", json={"action": "create", "user_info": {
        "email": "joiner@example.com", "type": 1, "feature": {"zoom_phone": True}}})
    user_id = resp.json()["id"]
    assert user_id not in sim.world.phone_users
    with sim.world.lock:
        user = accept_invitation(sim.world, "JOINER@example.com")
    assert user is not None and user.status == "active" and user.holder_account is None
    assert sim.call("GET", "/v2/users/joiner@example.com").json()["status"] == "active"
    assert user_id in sim.world.phone_users
    resp = sim.call("GET", scim_filter_url("joiner@example.com"))
    assert resp.status_code == 200 and resp.json()["totalResults"] == 1


def test_accept_invitation_unknown(sim):
    """accept_invitation returns None when there is no pending invitation for the email."""
    with sim.world.lock:
        assert accept_invitation(sim.world, "alice@example.com") is None
        assert accept_invitation(sim.world, "expired@example.com") is None


def test_accept_invitation_consolidates_personal_account(sim):
    """§3 case 2 (reported, DF-69260): accepting consolidates the personal account into this one."""
    sim.call("POST", "/v2/users", json={"action": "ssoCreate", "user_info": {"email": "personal@example.com",
                                                                             "type": 1}})
    with sim.world.lock:
        accept_invitation(sim.world, "personal@example.com")
    assert "personal@example.com" not in sim.world.external_accounts
    assert sim.call("GET", "/v2/users/personal@example.com").json()["status"] == "active"


@pytest.mark.skipif(not HTTP, reason="control API needs the HTTP server (zoomsim.testing)")
def test_accept_through_control_api(sim):
    """§2.11: POST /_sim/users/{email}/accept (control API) uses accept_invitation."""
    answer = sim.accept("pending@example.com")
    assert answer["status"] == "active" and answer["id"] == "pend000000000000000000"
    assert sim.call("GET", "/v2/users", params={"status": "pending"}).json()["total_records"] == 0
