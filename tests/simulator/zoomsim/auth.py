"""Server-to-Server OAuth (docs/ZOOM-API-FACTS.md §1): POST /oauth/token and the bearer check of every API call."""

import base64
import binascii
import secrets
from urllib.parse import parse_qs

from zoomsim.model import Token
from zoomsim.routing import ApiError, Response, route

SCOPE = "user:read:admin user:write:admin phone:read:admin phone:write:admin scim2 account:read:admin"
INVALID_TOKEN = "Invalid access token."
EXPIRED_TOKEN = "Access token is expired."
GRANT = "account_credentials"


class OAuthError(Exception):
    """An OAuth failure: Zoom answers {"reason": ..., "error": ...} (§1.3), not the REST error body."""

    def __init__(self, status, reason, error):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.error = error

    def response(self):
        return Response(self.status, {"reason": self.reason, "error": self.error})


def _params(req):
    """grant_type/account_id from the query string or a form body: Zoom accepts both (§1.1)."""
    params = {k: v[0] for k, v in req.query.items() if v}
    content_type = req.headers.get("content-type", "").split(";")[0].strip().lower()
    if content_type == "application/json":
        # a JSON body hides the parameters from Zoom: "unsupported grant type" (DF-79648, reported)
        raise OAuthError(400, "Unsupported grant type", "unsupported_grant_type")
    if req.body:
        form = parse_qs(req.body.decode("utf-8", "replace"), keep_blank_values=True)
        params.update({k: v[0] for k, v in form.items() if v})
    return params


def _client(req):
    """(client_id, client_secret) from HTTP Basic, or (None, None)."""
    scheme, _sep, value = req.headers.get("authorization", "").partition(" ")
    if scheme.lower() != "basic" or not value:
        return None, None
    try:
        decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None, None
    client_id, sep, secret = decoded.partition(":")
    return (client_id, secret) if sep else (None, None)


@route("POST", "/oauth/token", operation="oauthToken", label="none", family="oauth", write=False, auth=False)
def token_endpoint(req):
    try:
        return _issue(req)
    except OAuthError as exc:
        return exc.response()


def _issue(req):
    world = req.world
    params = _params(req)
    if params.get("grant_type") != GRANT:
        raise OAuthError(400, "Unsupported grant type", "unsupported_grant_type")
    client_id, secret = _client(req)
    credential = next((c for c in world.credentials if c.client_id == client_id), None)
    if credential is None or not secrets.compare_digest(credential.client_secret, secret or ""):
        raise OAuthError(400, "Invalid client_id or client_secret", "invalid_client")
    account_id = params.get("account_id")
    if not account_id:
        raise OAuthError(400, "Missing required parameter: account_id", "invalid_request")  # inferred
    if account_id != credential.account_id:
        raise OAuthError(world.behaviour.oauth_bad_account_status, "Invalid account_id", "invalid_request")  # inferred
    token = issue_token(world, credential)
    host = req.headers.get("host", "127.0.0.1")
    return Response(200, {"access_token": token.value, "token_type": "bearer", "expires_in": int(world.behaviour.token_lifetime),
                          "scope": granted_scope(world), "api_url": "http://" + host}, content_type="application/json")


def granted_scope(world):
    """The token answer's `scope` (§1.2): the app's scopes when the world restricts them."""
    scopes = world.behaviour.app_scopes
    return SCOPE if scopes is None else " ".join(scopes)


def issue_token(world, credential):
    """A new opaque token; older ones die if the world says so (§1.2: token_invalidates_previous, token_max_live)."""
    now = world.clock.now()
    behaviour = world.behaviour
    live = [t for t in world.tokens.values() if t.client_id == credential.client_id and not t.revoked and t.expires_at > now]
    if behaviour.token_invalidates_previous:
        for old in live:
            old.revoked = True
        live = []
    if behaviour.token_max_live:
        for old in sorted(live, key=lambda t: t.expires_at)[:max(0, len(live) - int(behaviour.token_max_live) + 1)]:
            old.revoked = True
    for stale in [k for k, t in world.tokens.items() if t.expires_at < now - 86400]:
        del world.tokens[stale]  # keep the table small in long runs
    token = Token(value=secrets.token_urlsafe(48), client_id=credential.client_id, account_id=credential.account_id,
                  expires_at=now + float(behaviour.token_lifetime))
    world.tokens[token.value] = token
    return token


def authenticate(world, headers):
    """The caller's Token; else ApiError 401 code 124 with Zoom's two messages (§1.4)."""
    scheme, _sep, value = headers.get("authorization", "").partition(" ")
    token = world.tokens.get(value.strip()) if scheme.lower() == "bearer" else None
    if token is None or token.revoked:
        raise ApiError(401, 124, INVALID_TOKEN)
    if token.expires_at <= world.clock.now():
        raise ApiError(401, 124, EXPIRED_TOKEN)
    return token


def revoke_all(world):
    """Every token dies (the app was deactivated / a new token invalidated them): next call gets 401 124."""
    count = 0
    for token in world.tokens.values():
        if not token.revoked:
            token.revoked = True
            count += 1
    return count


def expire_all(world):
    """Every live token reaches its end of life now: next call gets 401 124 'Access token is expired.'."""
    now = world.clock.now()
    count = 0
    for token in world.tokens.values():
        if not token.revoked and token.expires_at > now:
            token.expires_at = now
            count += 1
    return count
