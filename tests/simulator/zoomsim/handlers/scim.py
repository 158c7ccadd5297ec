"""Routes: SCIM2 Users (/scim2/Users...), no /v2 prefix.

Behaviour follows docs/ZOOM-API-FACTS.md §4 (SCIM2; §4.4 is the central trap: a
pending invitee, or an email whose invitation expired or was deleted, answers
`filter=userName eq {email}` with 400 "not exist or not belong", while an unknown email answers an
empty list), §7 (List omits fields Get returns; '+' in a query string) and Zoom's raw SCIM2 spec for
shapes and error texts. Each behaviour with its mark is listed in docs/simulator-users-scim.md.

Handlers run under `world.lock` (taken by the server) and never lock themselves.
"""

import re

from scim2_models import ScimFilter
from scim2_models.exceptions import SCIMException

from zoomsim.handlers.users import (derive_display_name, iso, parse_json_body, remove_user, seat_usage, set_active, touch,
                                    valid_email)
from zoomsim.model import User
from zoomsim.phone_common import NO_PHONE_LICENCE, enable_phone, main_site_id
from zoomsim.routing import ApiError, Response, ScimError, route

CORE = "urn:ietf:params:scim:schemas:core:2.0:User"
ENTERPRISE = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ZOOM_USER = "urn:us:zoom:scim:schemas:extension:1.0:ZoomUser"  # response: loginType
ZOOM_EXT = "urn:ietf:params:scim:schemas:extension:zoom:1.0:User"  # request: zoomPhone*, licences...
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SCIM_JSON = "application/scim+json"

# Exact texts from Zoom's SCIM2 spec (D-SCIM) unless marked
MSG_NO_SSO = "Account has not enabled Single Sign-On."
MSG_NOT_JSON = "The request body must be in JSON format."
MSG_EMPTY = "The request JSON must not be empty."
MSG_BAD_USERNAME = 'The "userName" of the request is invalid.'
MSG_IN_USE = 'The email "{email}" is already in use.'
MSG_DOMAIN = ("The email domain does not match the associated domain of the account, please contact Zoom Customer "
              "Support to set up if necessary.")
MSG_NOT_FOUND = "User does not exist."
MSG_PENDING = "User {email} not exist or not belong to this account."  # reported (DF-7646)
MSG_FILTER = "The current filter is not supported, the filter name: {filter}"
MSG_PUT_EMAIL_USED = "Email ''{email}'' has already been used."  # two single quotes each side, as published
MSG_INACTIVE = "User is inactive or locked."
MSG_ADMIN_EMAIL = "Cannot change the email of Admin user."
MSG_ADMIN_ACTIVE = "Cannot activate or deactivate Zoom Room and Admin users."
MSG_NO_ACTIVE = "The request json did not contains valid active field."  # reported (DF-100447)
MSG_BAD_OPERATIONS = 'The "Operations" of the request is invalid.'  # documented for Groups PATCH (§4.7); inferred here
MSG_DELETE_ADMIN = "Cannot delete Admin user."
# Zoom extension phone attributes: no SCIM-specific texts are published (inferred, §5.3/§5.7 analogues)
MSG_EXT_USED = "Extension number {n} is already used."
MSG_SITE = "Site does not exist."
MSG_NUMBER_USED = "Phone number already in use."
MSG_NUMBER_UNKNOWN = "Phone number does not exist, phonenumberId:{number}"
MSG_PLAN_UNKNOWN = "Unknown or invalid calling plan: {plan}."
MSG_PLAN_FULL = "Cannot add paid users."

USER_TYPES = {1: "Basic", 2: "Licensed", 4: "Collaboration", 99: "Collaboration"}
TYPE_FROM_SCIM = {"basic": 1, "licensed": 2, "collaboration": 4, "on-prem": 1}  # On-Prem is gone (§2.3): Basic
UNQUOTED_FILTER = re.compile(r"^\s*(\S+)\s+(\S+)\s+(.*?)\s*$")


def scim(status, body=None):
    return Response(status, body, content_type=SCIM_JSON)


def require_sso(world):
    """Every SCIM route needs SSO on the account (§4.1, D-SCIM)."""
    world.expire_invitations()
    if not world.account.sso_enabled:
        raise ScimError(400, MSG_NO_SSO)


def scim_user_by_id(world, user_id):
    """A user of this account by Zoom id; pending invitees are not real users (§4.4) -> 404."""
    user = world.users.get(user_id)
    if user is None or user.status == "pending" or user.holder_account is not None:
        raise ScimError(404, MSG_NOT_FOUND)
    return user


def _body(req):
    """The JSON object of a SCIM write; texts for non-JSON and empty bodies from D-SCIM."""
    try:
        body = parse_json_body(req)
    except ApiError:
        raise ScimError(400, MSG_NOT_JSON) from None
    if not body:
        raise ScimError(400, MSG_EMPTY)
    return body


def _location(req, user):
    host = req.headers.get("host")
    base = ("http://" + host) if host else "https://api.zoom.us"
    return "%s/scim2/Users/%s" % (base, user.id)


def scim_resource(req, user, full=True):
    """The SCIM User as Zoom returns it. `full=False` is a List item: no zoom:1.0 extension, and the
    enterprise extension carries only department (§4.8, §7, DF-111286). zoomPhone* is never returned."""
    enterprise = {"department": user.dept}
    schemas = [CORE, ENTERPRISE, ZOOM_USER]
    resource = {
        "id": user.id,
        "meta": {
            "resourceType": "User",
            "location": _location(req, user),
            "version": 'W/"%d"' % int(user.modified_at or user.created_at),
            "created": iso(user.created_at),
            "lastModified": iso(user.modified_at or user.created_at),
        },
        "schemas": schemas,
        "name": {"givenName": user.first_name, "familyName": user.last_name},
        "emails": [{"type": "work", "value": user.email, "primary": True}],
        "displayName": user.display_name,
        "userName": user.email,
        "active": user.status == "active",
        "userType": USER_TYPES.get(user.type, "Basic"),
        ENTERPRISE: enterprise,
        ZOOM_USER: {"loginType": {"workEmail": 100 in user.login_types, "sso": 101 in user.login_types}},
    }
    if full:
        if user.job_title:
            resource["title"] = user.job_title
        if user.phone_number:
            resource["phoneNumbers"] = [{"type": "work", "value": user.phone_number}]
        for attr, value in (("organization", user.organization), ("costCenter", user.cost_center),
                            ("employeeNumber", user.employee_number), ("manager", user.manager)):
            if value:
                enterprise[attr] = value
        resource[ZOOM_EXT] = {}
        schemas.append(ZOOM_EXT)
    elif user.employee_number:
        enterprise["employeeNumber"] = user.employee_number
    return resource


# ---- GET /scim2/Users -----------------------------------------------------------------------------
def _int_arg(req, name, default):
    raw = req.arg(name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ScimError(400, "The parameter %s is invalid." % name) from None  # inferred text


def parse_filter(text):
    """(attribute, value) of `userName eq x` / `userName eq "x"` / `externalId eq x`, else 400.

    RFC 7644 syntax (quoted value) is parsed with scim2-models' ScimFilter; Zoom's own documented
    form has the value unquoted (§4.3), which RFC syntax does not allow, so that is matched by hand.
    Attribute names and `eq` are case-insensitive (RFC 7644 §3.4.2.2).
    """
    attribute = operator = value = None
    try:
        ast = ScimFilter(text).ast
        attr_path = getattr(ast, "attr_path", None)
        if attr_path is not None and attr_path.sub_attr is None and attr_path.uri is None \
                and isinstance(getattr(ast, "value", None), str):
            attribute, operator, value = attr_path.attr, ast.op.value, ast.value
        else:
            attribute = attr_path.attr if attr_path is not None else text
    except (SCIMException, ValueError, TypeError, AttributeError):
        found = UNQUOTED_FILTER.match(text)
        if found:
            attribute, operator, value = found.group(1), found.group(2), found.group(3)
            if len(value) >= 2 and value[0] == value[-1] == '"':
                value = value[1:-1]
        else:
            attribute = text.strip().split(" ", 1)[0] if text.strip() else text
    name = (attribute or "").casefold()
    if name in ("username", "externalid") and (operator or "").casefold() == "eq" and value is not None:
        return ("userName" if name == "username" else "externalId"), value
    raise ScimError(400, MSG_FILTER.format(filter=attribute or text))


def _stuck(world, email):
    """§4.4: pending invitee (any account holds it) or dead invitation -> True."""
    key = email.casefold()
    user = world.user_by_email(email)
    if user is not None and (user.status == "pending" or user.holder_account is not None):
        return True
    return key in world.dead_invitations


@route("GET", "/scim2/Users", operation="userSCIM2List", label="Medium", family="scim", spec="scim2")
def list_users(req):
    world = req.world
    require_sso(world)
    start = max(_int_arg(req, "startIndex", 1), 1)
    count = min(max(_int_arg(req, "count", 1), 0), 100)  # spec: default 1, max 100 (§4.3)
    raw_filter = req.arg("filter")
    if raw_filter is not None and raw_filter.strip():
        attribute, value = parse_filter(raw_filter)
        if attribute == "userName":
            user = world.user_by_email(value)
            if _stuck(world, value):
                # §4.4 (DF-7646): pending or expired/deleted invitation -> 400, never "unknown"
                raise ScimError(int(world.behaviour.scim_pending_status), MSG_PENDING.format(email=value))
            matches = [user] if user is not None else []  # unknown / other Zoom account: empty list
        else:
            user = world.users.get(value)
            if user is not None and (user.status == "pending" or user.holder_account is not None):
                raise ScimError(int(world.behaviour.scim_pending_status), MSG_PENDING.format(email=user.email))
            matches = [user] if user is not None else []
    else:
        matches = [u for u in world.users.values() if u.holder_account is None and u.status != "pending"]
    page = matches[start - 1:start - 1 + count]
    return scim(200, {
        "schemas": [LIST_RESPONSE],
        "totalResults": len(matches),
        "startIndex": start,
        "itemsPerPage": len(page),
        "Resources": [scim_resource(req, u, full=False) for u in page],
    })


# ---- POST /scim2/Users ----------------------------------------------------------------------------
def _user_name(body):
    user_name = body.get("userName")
    if not valid_email(user_name):
        raise ScimError(400, MSG_BAD_USERNAME)
    return user_name


def _user_type(value):
    if value is None:
        return None
    return TYPE_FROM_SCIM.get(str(value).casefold(), 1)


def _apply_attributes(user, body):
    """Copy the attributes present in `body` (partial: absent ones stay as they are, §4.6)."""
    name = body.get("name") if isinstance(body.get("name"), dict) else {}
    if "givenName" in name:
        user.first_name = name["givenName"] or ""
    if "familyName" in name:
        user.last_name = name["familyName"] or ""
    if "displayName" in body:
        user.display_name = body["displayName"] or ""
    if body.get("userType") is not None:
        user.type = _user_type(body["userType"])
    if "title" in body:
        user.job_title = body["title"] or ""
    numbers = body.get("phoneNumbers")
    if isinstance(numbers, list):
        user.phone_number = next((n.get("value", "") for n in numbers if isinstance(n, dict)), "")
    enterprise = body.get(ENTERPRISE) if isinstance(body.get(ENTERPRISE), dict) else {}
    for attr, field_name in (("department", "dept"), ("organization", "organization"), ("costCenter", "cost_center"),
                             ("employeeNumber", "employee_number")):
        if attr in enterprise:
            setattr(user, field_name, enterprise[attr] or "")
    if "manager" in enterprise:
        manager = enterprise["manager"]
        if isinstance(manager, dict):  # RFC 7643 complex form; Zoom documents the email string
            manager = manager.get("value") or manager.get("displayName") or ""
        user.manager = manager or ""


PHONE_ATTRS = ("zoomPhoneExtNumber", "zoomPhoneNumber", "zoomPhoneSite", "zoomPhoneCallingPlan")


def apply_phone_extension(world, user, ext, creating):
    """Zoom extension `zoomPhone*` attributes (write-only, §4.8). Inferred semantics, documented texts
    where they exist: any of them enables Zoom Phone (licence check), `zoomPhoneExtNumber` "0" =
    auto-assign, `zoomPhoneSite` = site name (default main site), `zoomPhoneNumber` = an unassigned
    number of the account, `zoomPhoneCallingPlan` = plan code or plan name, "-1" (PUT) removes all."""
    if not isinstance(ext, dict) or not any(attr in ext for attr in PHONE_ATTRS):
        return
    plan_value = ext.get("zoomPhoneCallingPlan")
    if plan_value is not None and str(plan_value).strip() == "-1":
        phone = world.phone_users.get(user.id)
        if phone is not None:
            phone.calling_plans.clear()
        if len([a for a in PHONE_ATTRS if a in ext]) == 1:
            return
    plan = None if plan_value in (None, "", "-1") else _resolve_plan(world, plan_value)
    site_id = _resolve_site(world, ext.get("zoomPhoneSite"))
    number = _resolve_number(world, user, ext.get("zoomPhoneNumber"))
    ext_number = ext.get("zoomPhoneExtNumber")
    if ext_number not in (None, "", "0", 0):
        try:
            ext_number = int(ext_number)
        except (TypeError, ValueError):
            raise ScimError(400, MSG_EXT_USED.format(n=ext_number)) from None
        owner = world.extension_owner(ext_number)
        if owner is not None and owner.user_id != user.id:
            raise ScimError(400, MSG_EXT_USED.format(n=ext_number))
    else:
        ext_number = None
    if plan is not None and plan.type not in _plans_of(world, user) \
            and world.plan_assigned_count(plan.type) >= plan.subscribed:
        raise ScimError(409, MSG_PLAN_FULL)
    try:
        phone = enable_phone(world, user)
    except ApiError:
        raise ScimError(409 if creating else 400, NO_PHONE_LICENCE) from None
    if phone is None:
        return
    if ext_number is not None:
        phone.extension_number = ext_number
    if site_id is not None:
        phone.site_id = site_id
    if plan is not None and plan.type not in phone.calling_plans:
        phone.calling_plans.append(plan.type)
    if number is not None:
        number.assignee_id = user.id
        number.status = "available"
        if number.site_id is None:
            number.site_id = phone.site_id or main_site_id(world)


def _plans_of(world, user):
    phone = world.phone_users.get(user.id)
    return phone.calling_plans if phone is not None else []


def _resolve_plan(world, value):
    text = str(value).strip()
    if text.lstrip("-").isdigit() and int(text) in world.calling_plans:
        return world.calling_plans[int(text)]
    for plan in world.calling_plans.values():
        if plan.name.casefold() == text.casefold():
            return plan
    raise ScimError(400, MSG_PLAN_UNKNOWN.format(plan=value))


def _resolve_site(world, name):
    if name in (None, ""):
        return None
    for site in world.sites.values():
        if site.name.casefold() == str(name).casefold() or site.id == name:
            return site.id
    raise ScimError(400, MSG_SITE)


def _resolve_number(world, user, value):
    if value in (None, ""):
        return None
    digits = re.sub(r"[^0-9]", "", str(value))
    for number in world.numbers.values():
        if number.number == value or number.id == value or re.sub(r"[^0-9]", "", number.number).endswith(digits):
            if number.assignee_id not in (None, user.id):
                raise ScimError(400, MSG_NUMBER_USED)
            return number
    raise ScimError(400, MSG_NUMBER_UNKNOWN.format(number=value))


@route("POST", "/scim2/Users", operation="userScim2Create", label="Light", family="scim", spec="scim2")
def create_user(req):
    """An ACTIVE SSO user (login type SSO); no invitation path (§4.5, inferred). 201 full user."""
    world = req.world
    require_sso(world)
    body = _body(req)
    email = _user_name(body)
    key = email.casefold()
    existing = world.user_by_email(email)
    stuck = _stuck(world, email)
    if existing is not None and not stuck:
        raise ScimError(400, MSG_IN_USE.format(email=email))  # §4.5 documented: duplicate is 400
    if stuck and world.behaviour.scim_create_on_stuck_email != "allow":
        raise ScimError(400, MSG_IN_USE.format(email=email))  # inferred (Behaviour.scim_create_on_stuck_email)
    external = world.external_accounts.get(key)
    if external is not None and external.kind == "other_business":
        raise ScimError(400, MSG_IN_USE.format(email=email))  # inferred
    if not world.domain_associated(email):
        raise ScimError(409, MSG_DOMAIN)  # §4.5 documented
    now = world.clock.now()
    user = User(id=world.new_id(), email=email, created_at=now, login_types=[101])
    user.modified_at = now
    _apply_attributes(user, body)
    if not body.get("displayName"):
        user.display_name = derive_display_name(user.first_name, user.last_name)  # §4.5 documented
    if body.get("active") is False:
        user.status = "inactive"
    limit, used = seat_usage(world, user.type)[1:]
    if user.type == 2 and user.status == "active" and limit is not None and used >= limit:
        raise ScimError(409, MSG_PLAN_FULL)  # §4.5 documented text (409); trigger: account.paid_seats, inferred
    if existing is not None:  # "allow": the stuck pending record is replaced
        del world.users[existing.id]
    world.users[user.id] = user
    try:
        apply_phone_extension(world, user, body.get(ZOOM_EXT), creating=True)
    except ScimError:
        del world.users[user.id]
        if existing is not None:
            world.users[existing.id] = existing
        raise
    world.dead_invitations.pop(key, None)
    world.external_accounts.pop(key, None)  # a personal account of the same email is consolidated (inferred)
    return scim(201, scim_resource(req, user))


# ---- GET / PUT / PATCH / DELETE /scim2/Users/{userId} -----------------------------------------------
@route("GET", "/scim2/Users/{userId}", operation="userSCIM2Get", label="Light", family="scim", spec="scim2")
def get_user(req):
    world = req.world
    require_sso(world)
    return scim(200, scim_resource(req, scim_user_by_id(world, req.path_params["userId"])))


@route("PUT", "/scim2/Users/{userId}", operation="userSCIM2Update", label="Light", family="scim", spec="scim2")
def put_user(req):
    """PARTIAL update despite the verb (§4.6 documented); displayName is never recomputed."""
    world = req.world
    require_sso(world)
    user = scim_user_by_id(world, req.path_params["userId"])
    body = _body(req)
    changes = [k for k in body if k not in ("schemas", "active", "id", "meta")]
    active = body.get("active")
    if user.status != "active" and active is not True and changes:
        raise ScimError(400, MSG_INACTIVE)  # D-SCIM PUT 400
    if isinstance(active, bool) and (active != (user.status == "active")) and user.is_admin:
        raise ScimError(400, MSG_ADMIN_ACTIVE)  # PATCH's documented text, used for PUT too (inferred)
    if "userName" in body and str(body["userName"]).casefold() != user.email.casefold():
        new_email = body["userName"]
        if not valid_email(new_email):
            raise ScimError(400, MSG_BAD_USERNAME)
        if user.is_admin:
            raise ScimError(400, MSG_ADMIN_EMAIL)
        if world.user_by_email(new_email) is not None or _stuck(world, new_email) \
                or new_email.casefold() in world.external_accounts:
            raise ScimError(409, MSG_PUT_EMAIL_USED.format(email=new_email))
        if world.domain_of(new_email) not in {d.casefold() for d in world.account.associated_domains}:
            raise ScimError(409, MSG_DOMAIN)
    apply_phone_extension(world, user, body.get(ZOOM_EXT), creating=False)
    if isinstance(active, bool):
        set_active(world, user, active)
    if "userName" in body and valid_email(body["userName"]):
        world.users.rename(user, body["userName"])
    _apply_attributes(user, body)
    touch(world, user)
    return scim(200, scim_resource(req, user))


@route("PATCH", "/scim2/Users/{userId}", operation="userADSCIM2Deactivate", label="Light", family="scim",
       spec="scim2")
def patch_user(req):
    """Only `{"Operations":[{"op":"replace","value":{"active":bool}}]}` (§4.6). 200 user."""
    world = req.world
    require_sso(world)
    user = scim_user_by_id(world, req.path_params["userId"])
    body = _body(req)
    operations = body.get("Operations")  # capital O only (DF-100447)
    if not isinstance(operations, list) or not operations:
        raise ScimError(400, MSG_NO_ACTIVE)
    active = None
    for operation in operations:
        if not isinstance(operation, dict):
            raise ScimError(400, MSG_BAD_OPERATIONS)
        if str(operation.get("op", "")).casefold() != "replace":
            raise ScimError(400, MSG_BAD_OPERATIONS)
        value = operation.get("value")
        if "value" in operation and not isinstance(value, dict):
            raise ScimError(400, MSG_BAD_OPERATIONS)  # the spec's value is an object {"active": bool}
        if isinstance(value, dict) and isinstance(value.get("active"), bool):
            active = value["active"]
    if active is None:
        raise ScimError(400, MSG_NO_ACTIVE)
    if user.is_admin:
        raise ScimError(400, MSG_ADMIN_ACTIVE)
    set_active(world, user, active)
    return scim(200, scim_resource(req, user))


@route("DELETE", "/scim2/Users/{userId}", operation="userSCIM2Delete", label="Light", family="scim",
       spec="scim2")
def delete_user(req):
    """204. Admin/owner -> 400. Disassociate or delete per `Behaviour.scim_delete_action` (§4.6)."""
    world = req.world
    require_sso(world)
    user = scim_user_by_id(world, req.path_params["userId"])
    if user.is_admin:
        raise ScimError(400, MSG_DELETE_ADMIN)
    action = "delete" if world.behaviour.scim_delete_action == "delete" else "disassociate"
    remove_user(world, user, action, via="scim")
    return Response(204, None, content_type=None)
