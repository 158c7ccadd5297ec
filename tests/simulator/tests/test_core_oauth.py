"""Server-to-Server OAuth token endpoint and bearer checks (docs/ZOOM-API-FACTS.md §1)."""

import json

import pytest
import requests

from secret_support import secret
from zoomsim.testing import running_simulator

pytestmark = pytest.mark.zoomsim_world("cases")
FORM = {"grant_type": "account_credentials", "account_id": "cases-account"}
CLIENT = ("cases-client-id", "cases-client-secret")


def token_call(sim, params=None, data=None, auth=CLIENT, **kwargs):
    return requests.post(sim.oauth_url, params=params, data=data, auth=auth, timeout=10, **kwargs)


def new_token(sim):
    """A fresh access token (masked in pytest's reports: see secret_support)."""
    return secret(token_call(sim, data=FORM).json()["access_token"])


def test_token_with_form_body(zoomsim):
    """§1.1/§1.2: form body + HTTP Basic -> 200 bearer token, 1 h, scopes, api_url."""
    answer = token_call(zoomsim, data=FORM)
    assert answer.status_code == 200
    body = answer.json()
    assert body["token_type"] == "bearer" and body["expires_in"] == 3600
    assert set(body["scope"].split()) >= {"user:read:admin", "user:write:admin", "phone:read:admin", "phone:write:admin", "scim2"}
    assert body["api_url"] == zoomsim.url
    access_token = secret(body["access_token"])
    names_account = "cases" in access_token  # not in the assert: pytest would print the token
    assert len(access_token) > 40 and not names_account  # opaque, random


def test_token_with_query_parameters(zoomsim):
    """§1.1: the same parameters as a query string are accepted too (Zoom's own example)."""
    answer = token_call(zoomsim, params=FORM)
    assert answer.status_code == 200 and answer.json()["access_token"]


def test_tokens_are_distinct_and_all_valid_by_default(zoomsim):
    """§1.2 (documented, current S2S guide): an app may hold several valid tokens at once."""
    first, second = (new_token(zoomsim) for _attempt in range(2))
    assert first != second
    for token in (first, second):
        assert zoomsim.call("GET", "/v2/users/owner@example.com", token=token).status_code == 200


def test_wrong_secret_answers_like_zoom(zoomsim):
    """§1.3 (reported): wrong client id/secret -> 400 {"reason": ..., "error": "invalid_client"}."""
    for auth in (("cases-client-id", "wrong"), ("nobody", "cases-client-secret")):
        answer = token_call(zoomsim, data=FORM, auth=auth)
        assert answer.status_code == 400
        assert answer.json() == {"reason": "Invalid client_id or client_secret", "error": "invalid_client"}


def test_missing_basic_auth_is_invalid_client(zoomsim):
    """§1.3: no client authentication at all is the same invalid_client answer."""
    answer = token_call(zoomsim, data=FORM, auth=None)
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_client"


@pytest.mark.parametrize("data", [{"account_id": "cases-account"}, dict(FORM, grant_type="client_credentials")])
def test_missing_or_wrong_grant_type(zoomsim, data):
    """§1.3: missing/unsupported grant type (D-OAERR 4705/4706) -> unsupported_grant_type."""
    answer = token_call(zoomsim, data=data)
    assert answer.status_code == 400
    assert answer.json() == {"reason": "Unsupported grant type", "error": "unsupported_grant_type"}


def test_json_content_type_hides_the_parameters(zoomsim):
    """§1.1 (reported, DF-79648): query parameters sent with Content-Type application/json and body {}
    get "unsupported grant type"."""
    answer = token_call(zoomsim, params=FORM, data=json.dumps({}), headers={"Content-Type": "application/json"})
    assert answer.status_code == 400 and answer.json()["error"] == "unsupported_grant_type"


def test_account_id_of_another_account_is_refused(zoomsim):
    """§1.3 (not established, inferred): account_id must be the credential's account; status switchable."""
    answer = token_call(zoomsim, data=dict(FORM, account_id="other-account"))
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"
    foreign = token_call(zoomsim, data=FORM, auth=("foreign-client-id", "foreign-client-secret"))
    assert foreign.status_code == 400
    zoomsim.set_behaviour(oauth_bad_account_status=401)
    assert token_call(zoomsim, data=dict(FORM, account_id="other-account")).status_code == 401


def test_missing_account_id(zoomsim):
    """§1.1: account_id is required for account_credentials (answer text inferred)."""
    answer = token_call(zoomsim, data={"grant_type": "account_credentials"})
    assert answer.status_code == 400 and answer.json()["error"] == "invalid_request"


def test_token_lifetime_follows_the_world(zoomsim):
    """§1.2: lifetime is 1 h by default; the world's behaviour.token_lifetime changes it."""
    zoomsim.set_behaviour(token_lifetime=120)
    body = token_call(zoomsim, data=FORM).json()
    token = secret(body.pop("access_token"))  # the rest of the body may show in a report
    assert body["expires_in"] == 120
    zoomsim.advance(121)
    answer = zoomsim.call("GET", "/v2/users/owner@example.com", token=token)
    assert answer.status_code == 401 and answer.json() == {"code": 124, "message": "Access token is expired."}


def test_new_token_invalidates_previous_when_switched_on(zoomsim):
    """§1.2 (2022 staff, reported since): switch token_invalidates_previous -> the older token gets 401 124."""
    zoomsim.set_behaviour(token_invalidates_previous=True)
    old = new_token(zoomsim)
    new = new_token(zoomsim)
    assert zoomsim.call("GET", "/v2/users/owner@example.com", token=new).status_code == 200
    answer = zoomsim.call("GET", "/v2/users/owner@example.com", token=old)
    assert answer.status_code == 401 and answer.json() == {"code": 124, "message": "Invalid access token."}


def test_token_max_live_caps_live_tokens(zoomsim):
    """§1.2 (reported, DF-94662): with token_max_live=2 the oldest of three tokens dies."""
    zoomsim.set_behaviour(token_max_live=2)
    tokens = [new_token(zoomsim) for _attempt in range(3)]
    statuses = [zoomsim.call("GET", "/v2/users/owner@example.com", token=t).status_code for t in tokens]
    assert statuses == [401, 200, 200]


def test_token_calls_are_logged_without_secrets_and_not_as_writes(zoomsim):
    """§1 + issue (log never holds tokens or secrets): the token call is family oauth, write false."""
    seq = zoomsim.mark()
    token = new_token(zoomsim)
    zoomsim.call("GET", "/v2/users/owner@example.com", token=token)
    entries = zoomsim.log(since=seq)
    assert [(e["family"], e["write"]) for e in entries] == [("oauth", False), ("standard", False)]
    dumped = json.dumps(entries) + json.dumps(zoomsim.state()) + json.dumps(zoomsim.counters())
    leaked = token in dumped  # not in the assert: pytest would print the token
    assert not leaked and "cases-client-secret" not in dumped


def test_running_simulator_handle_gets_its_own_token():
    """The SimHandle authenticates with the world's first credential (testing contract)."""
    with running_simulator("cases") as sim:
        assert sim.call("GET", "/v2/users/owner@example.com").status_code == 200
        assert sim.env()["ZOOM_CLIENT_ID"] == "cases-client-id"
        assert sim.env()["ZOOM_OAUTH_URL"] == sim.url + "/oauth/token"
