"""Routes: Users API v2 (/v2/users...) and Accounts managed domains.

Behaviour follows docs/ZOOM-API-FACTS.md §2 (Users API), §3 (ssoCreate -> pending),
§4.4 (pending invitees live in a throw-away account; deleted/expired invitations stay "stuck"),
§7 (pagination, '+' in paths) and Zoom's raw Users/Accounts specs for shapes and error texts.
Each behaviour, its section and its mark (documented / reported / inferred) is listed in
docs/simulator-users-scim.md.

Handlers run under `world.lock` (taken by the server) and never lock themselves.
"""

import hashlib
import math
import re
import time

from zoomsim.model import DeadInvitation, ExternalAccount, User
from zoomsim.phone_common import (NO_PHONE_LICENCE, create_pending_phone_user, disable_phone, enable_phone,
                                  phone_licence_available, sync_phone_status)
from zoomsim.routing import ApiError, Response, route

PAGE_TOKEN_LIFETIME = 15 * 60  # §2.4 / §7: next_page_token is valid 15 minutes
DEFAULT_PAGE_SIZE = 30

# Exact texts (D-USERS unless noted)
MSG_NOT_FOUND = "User does not exist: {user_id}."
MSG_INVITE_EXPIRED = "A valid invitation to join the Zoom account was not found for this user."
MSG_NOT_BELONG = "User not belong to this account"  # 1010, reported (§2.5)
MSG_BAD_PAGE_TOKEN = "The next page token is invalid or expired."
MSG_EMAIL_REQUIRED = "Email is required."
MSG_VALIDATION = "Validation Failed."
MSG_INVALID_FIELD = "Invalid field."
MSG_BAD_JSON = "Request Body should be a valid JSON object."
MSG_ALREADY_ACTIVE = "The user {email} already holds an active account."
MSG_SSO_DISABLED = "SSO has not been enabled for this account. Contact the Zoom support team to enable this option."
MSG_SSO_NO_PREPROVISION = ("The ssoCreate option is only available for SSO Partners that have enabled the pre-provision "
                           "option. Contact the Zoom Support team to learn more.")
MSG_LIMITED_DOMAINS = "Email address {email} doesn't match limited domains: {domains}"
MSG_STATUS_ADMIN = "Zoom Room and Admin users' status cannot be activated or deactivated."
MSG_DELETE_OUTSIDE = "Cannot delete a user out of your account."
MSG_DISASSOCIATE_ADMIN = "You can not disassociate an Admin user."
MSG_DISASSOCIATE_MANAGED = "You can not disassociate a user with managed domain."
MSG_TRANSFER_SELF = "The transfer-to email address cannot be the same as the unlinked or deleted user's email address."
MSG_PENDING_DELETE_ACTION = "Invalid parameter: action."  # inferred text (PSZoom #115 only says it fails)
MSG_PENDING_SETTINGS = "You can not access settings of users that are still in pending state."  # reported (§2.10)
MSG_ACCOUNT_NOT_FOUND = "Account does not exist: {account_id}"
MSG_ONLY_PAID = "Only available for Paid or ZMP account: {account_id}."
# §2.9 / §6.3 documented: a second removal of the same user while one runs; the only published text of
# Zoom's per-user lock, also used for the lock after POST /users (inferred)
MSG_CONCURRENT = "Too many concurrent requests. A request to disassociate this user has already been made."

# Seat limits (§2.3, §2.7, §2.8 documented texts; Zoom's placeholders {0}/{1}/$maxAllowedNumber filled in).
# Keyed by (operation, seat kind, Behaviour.seat_limit_error): (code, text).
SEAT_ERRORS = {
    ("create", "paid", "specific"): (2034, "Your request to add a new {type} user could not be approved at this time "
                                           "because your account has reached the permitted maximum number of {max} "
                                           "users. Please purchase additional licenses or contact the Zoom support "
                                           "team to provision additional users in your account."),
    ("create", "basic", "specific"): (2033, "Your request to add a basic user wasn't approved because you've already "
                                            "reached the maximum basic user limit allowed in your account. For "
                                            "additional help regarding this issue, contact the Zoom Customer Support "
                                            "team."),
    ("create", "paid", "3412"): (3412, 'Your request to add a new "{type}" user couldn\'t be approved at this time '
                                       'because your account has reached the permitted maximum number of "{max}" '
                                       'paying users. Please purchase additional licenses or contact the Zoom support '
                                       'team to provision additional users in your account.'),
    ("create", "basic", "3412"): (3412, "Your request to add a basic user couldn't be approved at this time because "
                                        "your account has reached the permitted maximum number of {max} basic users. "
                                        "Please remove existing basic user(s) from your Users list or the Pending Users "
                                        "list before attempting to add another user."),
    ("update", "paid", "specific"): (2034, 'Your request to convert this user\'s plan type to "{type}" wasn\'t '
                                           'approved because your account has reached the permitted maximum number of '
                                           '"{max}" users. Purchase additional licenses or contact the Zoom support team '
                                           'to provision additional users in your account.'),
    ("update", "basic", "specific"): (2033, 'Your request to convert the user type to "Basic" was not approved because '
                                            'you have already reached the maximum basic user limit allowed in your '
                                            'account. For additional help regarding this issue, contact the Zoom '
                                            'Customer Support team.'),
    ("update", "paid", "3412"): (3412, 'Your request to convert the user type of a "Basic" user to a "{type}" user was '
                                       'not approved at this time because your account has reached the permitted '
                                       'maximum number of "{max}" paying users.'),
    ("update", "basic", "3412"): (3412, 'Your request to convert the user type of this "{old_type}" user to a "Basic" '
                                        'user was not approved at this time because your account has reached the '
                                        'permitted maximum number of "{max}" Basic users. Remove existing basic '
                                        'user(s) from your "Users" list or the "Pending Users" list before attempting '
                                        'to convert a user to a Basic user.'),
    ("activate", "basic", "specific"): (2033, 'Your request to activate the "Basic" user was not approved because you '
                                              'have already reached the maximum "Basic" user limit allowed in your '
                                              'account. For additional help regarding this issue, contact the Zoom '
                                              'Customer Support team.'),
    ("activate", "basic", "3412"): (3412, 'Your request to activate the user was not approved at this time because '
                                          'your account has reached the permitted maximum number of {max} "Basic" '
                                          'users. Remove the existing "Basic" user(s) from your "Users" list or the '
                                          '"Pending Users" list before attempting to activate this user.'),
}
TYPE_NAMES = {1: "Basic", 2: "Licensed", 4: "Unassigned", 99: "None"}

TRANSFER_KINDS = ("meeting", "webinar", "recording", "whiteboard", "clipfiles", "notes", "visitors", "docs")
# transfer_* flag -> the User counter it moves (the model only counts these four kinds)
COUNTED = {"meeting": "meetings", "webinar": "webinars", "recording": "recordings", "whiteboard": "whiteboards"}

# Strict email check (§2.3: format validated strictly; DF-8165). Local part: RFC 5322 atext with
# single dots; domain: LDH labels with an alphabetic TLD of 2+ characters.
_LOCAL = r"[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+(?:\.[A-Za-z0-9!#$%&'*+/=?^_`{|}~-]+)*"
_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
EMAIL_RE = re.compile(r"^" + _LOCAL + r"@(?:" + _LABEL + r"\.)+[A-Za-z]{2,63}$")

ROLE_NAMES = {"0": "Owner", "1": "Admin", "2": "Member"}


# ---- small helpers (also used by zoomsim.handlers.scim) --------------------------------------
def valid_email(email):
    return isinstance(email, str) and len(email) <= 128 and EMAIL_RE.match(email) is not None


def iso(ts):
    """Simulated epoch seconds -> Zoom's ISO-8601 UTC form (2026-01-01T00:00:00Z)."""
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(ts))


def pmi_of(user):
    """A stable 10-digit personal meeting id derived from the user id."""
    digest = int(hashlib.sha256(user.id.encode("utf-8")).hexdigest(), 16)
    return 1_000_000_000 + digest % 9_000_000_000


def derive_display_name(first, last):
    return " ".join(part for part in ((first or "").strip(), (last or "").strip()) if part)


def empty_response(world, status):
    """Success without a body. Zoom sends no Content-Type on some of these (§2.1, reported)."""
    if world.behaviour.empty_success_without_content_type:
        return Response(status, None, content_type=None)
    return Response(status, None)


def in_account(user):
    """A real user of this account (not a pending invitee parked in a throw-away account, §4.4)."""
    return user.holder_account is None and user.status != "pending"


def account_domains(world):
    """Every domain the account claims: associated (SSO approved) plus managed (Accounts API)."""
    account = world.account
    return {d.casefold() for d in list(account.associated_domains) + list(account.managed_domains)}


def touch(world, user):
    user.modified_at = world.clock.now()


def not_found(user_id):
    return ApiError(404, 1001, MSG_NOT_FOUND.format(user_id=user_id))


def parse_json_body(req):
    """The JSON body as a dict (None when empty); 400 code 300 when it is not a JSON object (§2.1)."""
    if not req.body or not req.body.strip():
        return None
    try:
        body = req.json
    except ValueError:
        raise ApiError(400, 300, MSG_BAD_JSON) from None
    if not isinstance(body, dict):
        raise ApiError(400, 300, MSG_BAD_JSON)
    return body


def resolve_user(world, user_id):
    """Find a user by id or email (case-insensitive; '+' is literal in paths, §7).

    Expired invitation -> 400 code 1120; email held by another Zoom account -> 400 code 1010 or 404
    code 1001 (`Behaviour.external_email_lookup_code`); any other email outside the account (unknown,
    deleted invitation) -> 404 code 1001 or 400 code 1010 (`Behaviour.unknown_email_lookup_code`);
    unknown id -> 404 code 1001 (docs/ZOOM-API-FACTS.md §2.5, §2.9, §2.11). A user inside its
    per-user lock after POST /users -> 429 (`Behaviour.user_create_lock_seconds`, §6.3).
    """
    world.expire_invitations()
    user = world.user_by_id_or_email(user_id)
    if user is not None:
        check_create_lock(world, user)
        return user
    if "@" in (user_id or ""):
        key = user_id.casefold()
        dead = world.dead_invitations.get(key)
        if dead is not None and dead.state == "expired":
            raise ApiError(400, 1120, MSG_INVITE_EXPIRED)
        external = dead is None and key in world.external_accounts
        code = world.behaviour.external_email_lookup_code if external else world.behaviour.unknown_email_lookup_code
        if int(code) == 1010:
            raise ApiError(400, 1010, MSG_NOT_BELONG)
    raise not_found(user_id)


def check_create_lock(world, user):
    """429 while `user` is inside the per-user lock that follows its POST /users (§6.3, §7)."""
    until = world.create_locks.get(user.id)
    if until is None:
        return
    if world.clock.now() < until:
        raise ApiError(429, 429, MSG_CONCURRENT, log_detail="per-user lock after POST /users (user_create_lock_seconds)")
    del world.create_locks[user.id]


def seat_usage(world, user_type):
    """(kind "paid"|"basic", limit or None, seats in use) for users of `user_type` (active and pending hold one)."""
    account = world.account
    kind, limit = ("paid", account.paid_seats) if user_type == 2 else ("basic", account.basic_seats)
    if limit is None or user_type not in (1, 2):
        return kind, None, 0
    used = sum(1 for u in world.users.values() if u.type == user_type and u.status in ("active", "pending"))
    return kind, int(limit), used


def check_seats(world, operation, user_type, old_type=None):
    """Seat limits (Account.paid_seats / basic_seats): raise Zoom's documented refusal when a user of
    `user_type` would exceed them (§2.3, §2.7, §2.8). Active and pending users hold a seat."""
    kind, limit, used = seat_usage(world, user_type)
    if limit is None or used < limit:
        return
    style = "3412" if world.behaviour.seat_limit_error == "3412" else "specific"
    found = SEAT_ERRORS.get((operation, kind, style))
    if found is None:
        return  # Zoom documents no refusal for this case (activating a licensed user)
    code, text = found
    raise ApiError(400, code, text.format(type=TYPE_NAMES.get(user_type, user_type), max=limit,
                                          old_type=TYPE_NAMES.get(old_type, old_type)),
                   log_detail="%s seats used up: %d of %d" % (kind, used, limit))


# ---- representations -----------------------------------------------------------------------
def user_list_item(world, user):
    """An item of GET /users (documented item fields, §2.4). Pending users come without id."""
    item = {
        "id": user.id,
        "email": user.email,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "type": user.type,
        "pmi": pmi_of(user),
        "timezone": user.timezone,
        "verified": 0 if user.status == "pending" else 1,
        "dept": user.dept,
        "created_at": iso(world.clock.now() if user.status == "pending" else user.created_at),
        "user_created_at": iso(user.created_at),
        "last_client_version": "",
        "language": user.language,
        "phone_number": user.phone_number,
        "job_title": user.job_title,
        "status": user.status,
        "role_id": user.role_id,
        "group_ids": [],
        "employee_unique_id": user.employee_number,
    }
    if user.last_login_time is not None:
        item["last_login_time"] = iso(user.last_login_time)
    if user.status == "pending":
        del item["id"]  # §2.4: reported (DF-98314, baton-zoom invite.go)
        del item["pmi"]
    return item


def user_detail(world, user):
    """GET /users/{userId}. A pending user has `created_at` = the time of the call (§2.5)."""
    account = world.account
    pmi = pmi_of(user)
    body = {
        "id": user.id,
        "first_name": user.first_name,
        "last_name": user.last_name,
        "display_name": user.display_name,
        "email": user.email,
        "type": user.type,
        "role_name": ROLE_NAMES.get(user.role_id, "Member"),
        "pmi": pmi,
        "use_pmi": False,
        "personal_meeting_url": "https://%s/j/%d" % (account.vanity_url, pmi),
        "timezone": user.timezone,
        "verified": 0 if user.status == "pending" else 1,
        "dept": user.dept,
        "created_at": iso(world.clock.now() if user.status == "pending" else user.created_at),
        "user_created_at": iso(user.created_at),
        "pic_url": "",
        "language": user.language,
        "phone_number": user.phone_number,
        "phone_numbers": [],
        "status": user.status,
        "role_id": user.role_id,
        "account_id": account.id,
        "account_number": int(hashlib.sha256(account.id.encode("utf-8")).hexdigest(), 16) % 10_000_000_000,
        "cluster": "us05",
        "job_title": user.job_title,
        "cost_center": user.cost_center,
        "company": user.organization,
        "location": "",
        "login_types": list(user.login_types),
        "group_ids": [],
        "im_group_ids": [],
        "employee_unique_id": user.employee_number,
        "jid": user.id.lower() + "@xmpp.zoom.us",
    }
    if user.manager:
        body["manager"] = user.manager
    if user.last_login_time is not None:
        body["last_login_time"] = iso(user.last_login_time)
    if user.type != 1:
        body["vanity_url"] = "https://%s/my/%s" % (account.vanity_url, user.email.split("@")[0].lower())
    return body


# ---- GET /v2/users --------------------------------------------------------------------------
def _int_arg(req, name, default):
    raw = req.arg(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except (TypeError, ValueError):
        raise ApiError(400, 300, "Invalid parameter: %s." % name) from None


def issue_page_token(world, key, offset):
    token = world.new_id(32)
    world.page_tokens[token] = {"offset": offset, "key": key, "expires_at": world.clock.now() + PAGE_TOKEN_LIFETIME}
    return token


def redeem_page_token(world, token, key):
    """Offset stored for `token`; 400 code 300 when unknown, for another query, or expired (§2.4)."""
    record = world.page_tokens.get(token)
    if record is None or record["key"] != key or record["expires_at"] <= world.clock.now():
        raise ApiError(400, 300, MSG_BAD_PAGE_TOKEN)
    return record["offset"]


@route("GET", "/v2/users", operation="users", label="Medium", family="standard", spec="users")
def list_users(req):
    world = req.world
    world.expire_invitations()
    status = req.arg("status") or "active"
    if status not in ("active", "inactive", "pending"):
        raise ApiError(400, 300, "Invalid field.", errors=[{"field": "status", "message": MSG_INVALID_FIELD}])
    role_id = req.arg("role_id")
    page_size = _int_arg(req, "page_size", DEFAULT_PAGE_SIZE)
    if page_size < 1:
        page_size = DEFAULT_PAGE_SIZE
    page_size = min(page_size, int(world.behaviour.users_page_size_max))  # §2.4: 300 (inferred cap)

    if status == "pending":
        # pending invitees are listed whichever (throw-away) account holds them (§2.4, §4.4)
        users = [u for u in world.users.values() if u.status == "pending"]
    else:
        users = [u for u in world.users.values() if u.holder_account is None and u.status == status]
    if role_id not in (None, ""):
        users = [u for u in users if u.role_id == role_id]

    key = ("users", status, role_id or "")
    token = req.arg("next_page_token")
    if token:
        offset = redeem_page_token(world, token, key)
    else:
        page_number = _int_arg(req, "page_number", 1)  # deprecated but still accepted
        offset = max(page_number - 1, 0) * page_size
    total = len(users)
    page = users[offset:offset + page_size]
    next_offset = offset + len(page)
    next_token = issue_page_token(world, key, next_offset) if next_offset < total else ""
    return Response(200, {
        "next_page_token": next_token,
        "page_count": math.ceil(total / page_size) if total else 0,
        "page_number": offset // page_size + 1,
        "page_size": page_size,
        "total_records": total,
        "users": [user_list_item(world, u) for u in page],
    })


# ---- POST /v2/users -------------------------------------------------------------------------
def _validation_error(field):
    return ApiError(400, 300, MSG_VALIDATION, errors=[{"field": field, "message": MSG_INVALID_FIELD}])


@route("POST", "/v2/users", operation="userCreate", label="Light", family="standard", spec="users")
def create_user(req):
    """POST /users (§2.3, §3). 201 body: only id, email, first_name, last_name, type."""
    world = req.world
    world.expire_invitations()
    account = world.account
    body = parse_json_body(req) or {}
    action = body.get("action")
    if action not in ("create", "autoCreate", "custCreate", "ssoCreate"):
        raise _validation_error("action")
    info = body.get("user_info")
    if not isinstance(info, dict):
        raise _validation_error("user_info.email")
    email = info.get("email")
    if not valid_email(email):
        raise _validation_error("user_info.email")  # §2.3, reported body (DF-8165)
    user_type = info.get("type", 1)
    if user_type not in (1, 2, 4, 99):
        raise _validation_error("user_info.type")
    key = email.casefold()

    # action prerequisites (§3: documented 2002 / 2032)
    if action == "ssoCreate":
        if not account.sso_enabled:
            raise ApiError(400, 2002, MSG_SSO_DISABLED)
        if not account.sso_preprovisioning:
            raise ApiError(400, 2032, MSG_SSO_NO_PREPROVISION)
    if action == "autoCreate" and world.domain_of(email) not in account_domains(world):
        # autoCreate is for a managed domain (§2.3); error text: documented 1116, trigger inferred
        domains = ",".join(list(account.managed_domains) or list(account.associated_domains))
        raise ApiError(400, 1116, MSG_LIMITED_DOMAINS.format(email=email, domains=domains))

    # duplicates (§2.3): any record of this account, pending invitees included -> 409 code 1005
    if world.user_by_email(email) is not None:
        raise ApiError(409, 1005, world.behaviour.duplicate_email_message.format(email=email))
    external = world.external_accounts.get(key)
    if external is not None and external.kind == "other_business":
        raise ApiError(400, 1009, MSG_ALREADY_ACTIVE.format(email=email))  # documented text, inferred trigger
    if external is not None and action in ("autoCreate", "custCreate"):
        # a direct (no-invitation) create cannot take over an address that owns a Zoom login (inferred)
        raise ApiError(400, 1009, MSG_ALREADY_ACTIVE.format(email=email))

    check_seats(world, "create", user_type)
    feature = info.get("feature") if isinstance(info.get("feature"), dict) else {}
    want_phone = feature.get("zoom_phone") is True
    if want_phone and not phone_licence_available(world):
        raise ApiError(404, 1102, NO_PHONE_LICENCE)  # §2.3 documented

    now = world.clock.now()
    first = info.get("first_name") or ""
    last = info.get("last_name") or ""
    user = User(
        id=world.new_id(),
        email=email,
        first_name=first,
        last_name=last,
        display_name=info.get("display_name") or derive_display_name(first, last),
        type=user_type,
        created_at=now,
    )
    user.modified_at = now
    if action == "create":
        # §2.3 documented: always pending until the invitee confirms; parked in a throw-away account (§4.4)
        _make_pending(world, user, "invited")
        user.login_types = [100]
    elif action == "autoCreate":
        user.login_types = [100]
    elif action == "custCreate":
        user.login_types = [99]
    else:  # ssoCreate (§3)
        user.login_types = [101]
        if not world.domain_associated(email):
            _make_pending(world, user, "domain_not_associated")  # §3 case 1, documented (KB0062383)
        elif external is not None and external.kind == "personal":
            _make_pending(world, user, "existing_zoom_account")  # §3 case 2, reported (DF-69260)
    world.users[user.id] = user
    world.dead_invitations.pop(key, None)  # a new invitation/user replaces the stuck one
    if world.behaviour.user_create_lock_seconds:
        world.create_locks[user.id] = now + float(world.behaviour.user_create_lock_seconds)
    if want_phone:
        enable_phone(world, user)  # pending: licence held, phone user only after acceptance
    return Response(201, {"id": user.id, "email": user.email, "first_name": user.first_name,
                          "last_name": user.last_name, "type": user.type})


def _make_pending(world, user, reason):
    user.status = "pending"
    user.pending_reason = reason
    user.holder_account = world.new_id()
    user.invite_expires_at = world.clock.now() + int(world.behaviour.invitation_lifetime_days) * 86400


def accept_invitation(world, email):
    """The invitee confirms (control API): pending -> active in this account. Returns the user or None.

    Clears holder_account, pending_reason and invite_expires_at, consolidates a personal Zoom
    account of the same email into this one (removes it from world.external_accounts, §3 case 2)
    and, if the phone feature was requested, creates the phone user now (§5.8). Returns None when
    there is no pending user with that email (unknown, already active, or expired).
    """
    world.expire_invitations()
    user = world.user_by_email(email)
    if user is None or user.status != "pending":
        return None
    user.status = "active"
    user.holder_account = None
    user.pending_reason = None
    user.invite_expires_at = None
    user.modified_at = world.clock.now()
    world.external_accounts.pop(user.email.casefold(), None)
    world.dead_invitations.pop(user.email.casefold(), None)
    create_pending_phone_user(world, user)
    return user


# ---- GET /v2/users/email --------------------------------------------------------------------
@route("GET", "/v2/users/email", operation="userEmail", label="Light", family="standard", spec="users")
def check_email(req):
    """{"existed_email": bool}: true only for work-email (login type 100) users of this account (§2.6)."""
    world = req.world
    world.expire_invitations()
    email = req.arg("email")
    if not email:
        raise ApiError(400, 300, MSG_EMAIL_REQUIRED)
    user = world.user_by_email(email)
    existed = bool(user is not None and in_account(user) and 100 in user.login_types)
    return Response(200, {"existed_email": existed})


# ---- GET /v2/users/summary ------------------------------------------------------------------
@route("GET", "/v2/users/summary", operation="userSummary", label="Medium", family="standard", spec="users")
def user_summary(req):
    world = req.world
    world.expire_invitations()
    members = [u for u in world.users.values() if in_account(u)]
    pending = [u for u in world.users.values() if u.status == "pending"]
    return Response(200, {
        "licensed_users_count": sum(1 for u in members if u.type == 2),
        "basic_users_count": sum(1 for u in members if u.type == 1),
        "on_prem_users_count": 0,
        "room_users_count": 0,
        "pending_users_count": len(pending),
        "join_only_users_count": sum(1 for u in members if u.type in (4, 99)),
        "total_users_count": len(members) + len(pending),
    })


# ---- GET / PATCH / DELETE /v2/users/{userId} ------------------------------------------------
@route("GET", "/v2/users/{userId}", operation="user", label="Light", family="standard", spec="users")
def get_user(req):
    world = req.world
    user = resolve_user(world, req.path_params["userId"])
    return Response(200, user_detail(world, user))


UPDATABLE = ("first_name", "last_name", "dept", "job_title", "timezone", "language", "phone_number",
             "cost_center", "manager", "company", "type")


@route("PATCH", "/v2/users/{userId}", operation="userUpdate", label="Light", family="standard", spec="users")
def update_user(req):
    """204. Pending users: accepted but not applied (§2.7, SailPoint). feature.zoom_phone on/off."""
    world = req.world
    user = resolve_user(world, req.path_params["userId"])
    body = parse_json_body(req) or {}
    if user.status == "pending":
        return empty_response(world, 204)
    if "type" in body and body["type"] not in (1, 2, 4, 99):
        raise _validation_error("type")
    if body.get("type") is not None and body["type"] != user.type:
        check_seats(world, "update", body["type"], old_type=user.type)
    feature = body.get("feature") if isinstance(body.get("feature"), dict) else {}
    if feature.get("zoom_phone") is True:
        enable_phone(world, user)  # may raise 404 1102 before anything else changes
    old_derived = derive_display_name(user.first_name, user.last_name)
    for name in UPDATABLE:
        if name in body and body[name] is not None:
            target = "organization" if name == "company" else name
            setattr(user, target, body[name])
    if "display_name" in body:
        # §2.1/§2.7 documented: left empty -> derived from first and last name
        user.display_name = body["display_name"] or derive_display_name(user.first_name, user.last_name)
    elif ("first_name" in body or "last_name" in body) and user.display_name == old_derived:
        # a display name that was the derived one follows the names (inferred)
        user.display_name = derive_display_name(user.first_name, user.last_name)
    if feature.get("zoom_phone") is False:
        disable_phone(world, user)  # §2.7 documented: removes from Zoom Phone, unassigns numbers
    touch(world, user)
    return empty_response(world, 204)


@route("PUT", "/v2/users/{userId}/status", operation="userStatus", label="Light", family="standard", spec="users")
def update_status(req):
    """activate | deactivate (§2.8). Owner/admin -> 400 code 200. Success code is a Behaviour switch."""
    world = req.world
    user = resolve_user(world, req.path_params["userId"])
    body = parse_json_body(req) or {}
    action = body.get("action")
    if action not in ("activate", "deactivate", "clock_in", "clock_out"):
        raise _validation_error("action")
    if action in ("activate", "deactivate"):
        if user.is_admin:
            raise ApiError(400, 200, MSG_STATUS_ADMIN)
        if action == "activate" and user.status == "inactive":
            check_seats(world, "activate", user.type)
        if user.status != "pending":  # a pending invitee has no status to switch (inferred: no-op)
            set_active(world, user, action == "activate")
    return empty_response(world, int(world.behaviour.user_status_success_code))


def set_active(world, user, active):
    """Activate/deactivate a user of the account (shared with SCIM PUT/PATCH)."""
    new_status = "active" if active else "inactive"
    if user.status != new_status:
        user.status = new_status
        touch(world, user)
        sync_phone_status(world, user)


def _bool_arg(req, name):
    return (req.arg(name) or "").lower() == "true"


def remove_user(world, user, action, transfer_to=None, transfers=(), via="users"):
    """Remove `user` from the account (REST DELETE and SCIM DELETE share this).

    - Phone: the phone user is removed, its numbers unassigned, plan seats and licence freed.
    - Pending invitee: the email becomes a DeadInvitation(state="deleted") so SCIM keeps answering
      400 for it (§4.4).
    - Disassociated active user: keeps a personal Zoom account of their own when
      `Behaviour.disassociate_leaves_personal_account` is on (§2.9 documented, off by default).
    - Data: counters of the kinds in `transfers` move to `transfer_to`; the rest are recorded as
      not transferred. One entry is appended to `world.deleted_log` (see docs/simulator-users-scim.md).
    """
    transferred, not_transferred = {}, {}
    for kind, counter in COUNTED.items():
        amount = getattr(user, counter)
        if transfer_to is not None and kind in transfers:
            transferred[counter] = amount
            setattr(transfer_to, counter, getattr(transfer_to, counter) + amount)
        else:
            not_transferred[counter] = amount
    phone = disable_phone(world, user)
    del world.users[user.id]
    key = user.email.casefold()
    was_pending = user.status == "pending"
    if was_pending:
        world.dead_invitations[key] = DeadInvitation(user.email, "deleted", user.holder_account or world.new_id())
    elif action == "disassociate" and world.behaviour.disassociate_leaves_personal_account:
        world.external_accounts[key] = ExternalAccount(user.email, "personal")
    entry = {
        "time": world.clock.now(),
        "via": via,
        "user_id": user.id,
        "email": user.email,
        "status": user.status,
        "action": action,
        "transfer_email": transfer_to.email if transfer_to is not None else None,
        "transferred": transferred,
        "not_transferred": not_transferred,
        "phone": phone,
    }
    world.deleted_log.append(entry)
    return entry


@route("DELETE", "/v2/users/{userId}", operation="userDelete", label="Light", family="standard", spec="users")
def delete_user(req):
    """disassociate (default) | delete, with transfers (§2.9). 204.

    `Behaviour.removal_concurrent_429` (§2.9, §6.3): the first DELETE of each user answers 429 as if
    another removal of it were running: "once" changes nothing; "once_removed" lets that other
    request remove the user (this very removal, when Zoom would accept it), so a retry finds 404 1001.
    """
    world = req.world
    mode = world.behaviour.removal_concurrent_429
    user = resolve_user(world, req.path_params["userId"])
    if mode in ("once", "once_removed") and user.id not in world.removal_refused:
        world.removal_refused.add(user.id)
        if mode == "once_removed":
            try:
                _remove(req, world, user)
            except ApiError:
                pass  # the other request was refused as this one would be: the user stays
        raise ApiError(429, 429, MSG_CONCURRENT, log_detail="removal_concurrent_429=%s" % mode)
    return _remove(req, world, user)


def _remove(req, world, user):
    explicit_action = req.arg("action")
    action = explicit_action or "disassociate"
    if action not in ("disassociate", "delete"):
        raise _validation_error("action")
    if user.status == "pending":
        # §2.9: remove a pending user with disassociate or no action; PSZoom #115 saw an explicit
        # action fail -> only action=delete is refused here (text inferred)
        if explicit_action == "delete":
            raise ApiError(400, 300, MSG_PENDING_DELETE_ACTION)
        remove_user(world, user, "disassociate", via="users")
        return empty_response(world, 204)
    if user.is_owner:
        raise ApiError(400, 200, MSG_DELETE_OUTSIDE)  # documented code-200 refusal (§2.9), trigger inferred
    if action == "disassociate":
        if user.is_admin:
            raise ApiError(400, 1117, MSG_DISASSOCIATE_ADMIN)  # §2.9 documented
        if world.behaviour.managed_domain_blocks_disassociate and world.domain_of(user.email) in account_domains(world):
            raise ApiError(400, 1107, MSG_DISASSOCIATE_MANAGED)  # §2.9 documented text, reported trigger
    transfer_email = req.arg("transfer_email")
    target = None
    if transfer_email:
        if transfer_email.casefold() == user.email.casefold():
            raise ApiError(400, 300, MSG_TRANSFER_SELF)  # §2.9 documented
        target = world.user_by_email(transfer_email)
        if target is None or not in_account(target):
            raise not_found(transfer_email)  # inferred
    transfers = [kind for kind in TRANSFER_KINDS if _bool_arg(req, "transfer_" + kind)]
    remove_user(world, user, action, transfer_to=target, transfers=transfers, via="users")
    return empty_response(world, 204)


# ---- settings ---------------------------------------------------------------------------------
def _settings_user(req):
    world = req.world
    user = resolve_user(world, req.path_params["userId"])
    if user.status == "pending":
        raise ApiError(400, 1000, MSG_PENDING_SETTINGS)  # §2.10 reported (moodle #131)
    return world, user


@route("GET", "/v2/users/{userId}/settings", operation="userSettings", label="Medium", family="standard",
       spec="users")
def get_settings(req):
    _world, user = _settings_user(req)
    return Response(200, {
        "feature": {
            "meeting_capacity": 100 if user.type == 1 else 300,
            "large_meeting": False,
            "webinar": False,
            "zoom_events": False,
            "cn_meeting": False,
            "in_meeting": False,
            "zoom_phone": bool(user.feature_zoom_phone),
            "concurrent_meeting": "None",
        },
        "profile": {"recording_storage_location": {"allowed_values": ["us"], "value": "us"}},
    })


@route("PATCH", "/v2/users/{userId}/settings", operation="userSettingsUpdate", label="Medium",
       family="standard", spec="users")
def update_settings(req):
    """Only `feature.zoom_phone` has an effect (§2.10, PSZoom's way of enabling phone). 204."""
    world, user = _settings_user(req)
    body = parse_json_body(req) or {}
    feature = body.get("feature") if isinstance(body.get("feature"), dict) else {}
    if feature.get("zoom_phone") is True:
        enable_phone(world, user)
        touch(world, user)
    elif feature.get("zoom_phone") is False:
        disable_phone(world, user)
        touch(world, user)
    return empty_response(world, 204)


# ---- Accounts: managed domains -----------------------------------------------------------------
@route("GET", "/v2/accounts/{accountId}/managed_domains", operation="accountManagedDomain", label="Medium",
       family="standard", spec="accounts")
def managed_domains(req):
    """Associated domains are `verified`; managed-only ones `pending` (not usable for ssoCreate)."""
    world = req.world
    account = world.account
    account_id = req.path_params["accountId"]
    if account_id not in ("me", account.id):
        raise ApiError(404, 2001, MSG_ACCOUNT_NOT_FOUND.format(account_id=account_id))
    if account.plan == "free":
        raise ApiError(400, 200, MSG_ONLY_PAID.format(account_id=account.id))
    domains, seen = [], set()
    for domain in account.associated_domains:
        if domain.casefold() not in seen:
            seen.add(domain.casefold())
            domains.append({"domain": domain, "status": "verified"})
    for domain in account.managed_domains:
        if domain.casefold() not in seen:
            seen.add(domain.casefold())
            domains.append({"domain": domain, "status": "pending"})
    return Response(200, {"domains": domains, "total_records": len(domains)})
