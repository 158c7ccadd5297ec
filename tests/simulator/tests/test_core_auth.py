"""Every API call checks the bearer token: 401 code 124 with Zoom's two messages (docs/ZOOM-API-FACTS.md §1.4)."""

import pytest

from secret_support import secret

INVALID = {"code": 124, "message": "Invalid access token."}
EXPIRED = {"code": 124, "message": "Access token is expired."}
USER = "/v2/users/owner@example.com"


@pytest.mark.parametrize("headers", [{}, {"Authorization": "Bearer not-a-token"}, {"Authorization": "Basic abc"},
                                     {"Authorization": "Bearer "}])
def test_missing_or_unknown_token(zoomsim, headers):
    """§1.4 (reported): no/invalid bearer token -> HTTP 401 (not the spec's 400) code 124."""
    answer = zoomsim.call("GET", USER, auth=False, headers=headers)
    assert answer.status_code == 401 and answer.json() == INVALID


@pytest.mark.parametrize("path", ["/v2/phone/users", "/scim2/Users", "/v2/users"])
def test_every_family_checks_the_token(zoomsim, path):
    """§1.4: Users, Phone and SCIM2 routes all require the token."""
    answer = zoomsim.call("GET", path, auth=False)
    assert answer.status_code == 401 and answer.json()["code"] == 124


def test_expired_token_after_one_hour(zoomsim):
    """§1.2/§1.4: tokens live 3600 s; moving the clock past that gives 'Access token is expired.'."""
    zoomsim.freeze_clock()
    token = secret(zoomsim.token())
    assert zoomsim.call("GET", USER, token=token).status_code == 200
    zoomsim.advance(3599)
    assert zoomsim.call("GET", USER, token=token).status_code == 200
    zoomsim.advance(2)
    answer = zoomsim.call("GET", USER, token=token)
    assert answer.status_code == 401 and answer.json() == EXPIRED


def test_token_revoked_mid_run(zoomsim):
    """§1.2/§1.4: a token revoked on command (app deactivated) -> next call 401 code 124 'Invalid access token.'."""
    token = secret(zoomsim.token())
    assert zoomsim.call("GET", USER, token=token).status_code == 200
    assert zoomsim.revoke_tokens()["revoked"] >= 1
    answer = zoomsim.call("GET", USER, token=token)
    assert answer.status_code == 401 and answer.json() == INVALID


def test_token_expired_on_command(zoomsim):
    """§1.4: POST /_sim/tokens/expire ends every live token now: 'Access token is expired.'."""
    token = secret(zoomsim.token())
    assert zoomsim.expire_tokens()["expired"] >= 1
    answer = zoomsim.call("GET", USER, token=token)
    assert answer.status_code == 401 and answer.json() == EXPIRED


def test_a_new_token_works_after_revocation(zoomsim):
    """§1.2: no refresh token; the client requests a new one and carries on (what the module client does)."""
    zoomsim.token()
    zoomsim.revoke_tokens()
    # the handle re-fetches once on 401 code 124, like the collection's client
    assert zoomsim.call("GET", USER).status_code == 200


def test_scripted_revocation_in_the_middle_of_a_run(zoomsim):
    """§1.4 + issue: a fault script revokes the tokens at the 3rd GET; that call and later ones get 401 124."""
    token = secret(zoomsim.token())
    zoomsim.set_faults({"script": [{"match": {"method": "GET", "path": "/v2/users/*"}, "after": 2, "fault": "revoke_tokens"}]})
    statuses = [zoomsim.call("GET", USER, token=token).status_code for _attempt in range(4)]
    assert statuses == [200, 200, 401, 401]
    entries = zoomsim.log(status=401)
    assert entries[0]["fault"] == "revoke_tokens"


def test_401s_are_logged_with_the_route_label(zoomsim):
    """Issue (request log): rejected calls are logged too, with the route's label and write flag."""
    seq = zoomsim.mark()
    zoomsim.call("PATCH", USER, auth=False, json={"first_name": "X"})
    (entry,) = zoomsim.log(since=seq)
    assert (entry["status"], entry["label"], entry["write"], entry["operation"]) == (401, "Light", True, "userUpdate")
