"""Routes: Zoom Phone user setup (docs/ZOOM-API-FACTS.md §5; labels §6.2; pagination §7).

Every behaviour here is listed in docs/simulator-phone.md with its docs/ZOOM-API-FACTS.md section, its mark
(documented / reported / inferred) and, for inferred ones, the `Behaviour` switch that changes it.
Handlers run under `world.lock` (taken by the server); they never lock themselves.
"""

from zoomsim.phone_common import NO_PHONE_LICENCE, enable_phone, main_site_id, phone_licenses_used
from zoomsim.routing import ApiError, Response, route

PAGE_TOKEN_TTL = 15 * 60  # next_page_token lifetime (§7, documented)

# ---- texts (exact strings from the raw phone spec unless marked inferred) -----------------------
PHONE_NOT_ENABLED = "Zoom Phone has not been enabled for this account."  # 403 code 2031 (phoneSetting)
TOKEN_INVALID = "The next page token is invalid or expired."  # listPhoneUsers 400 code 400
USER_MISSING = "User does not exist: {userId}."  # phoneUser / updateUserProfile 404 code 1001
USER_MISSING_PLANS = "User does not exist:{userId}."  # assign/update/unassignCallingPlan 404 code 1001
USER_MISSING_ASSIGN_NUMBER = "This user does not exist: {userId}."  # assignPhoneNumber 404 code 1001
USER_MISSING_UNASSIGN_NUMBER = "User does not exist."  # UnassignPhoneNumber 404 code 1001
SITE_MISSING = "Site does not exist."  # phoneUser 404 code 404
SITE_MISSING_GET = "The site does not exist."  # getASite 400 code 400
NOT_SUBSCRIBED_SOURCE = "User did not subscribe to the source plan."  # updateCallingPlan 400 code 404
INVALID_FIELD = "Invalid field."  # assignCallingPlan 400 code 300, unassignCallingPlan 400 code 400
UNKNOWN_PLAN = "Unknown or invalid calling plan: {type}."  # rooms analogue, 400 code 404 (inferred for users)
PLAN_ALREADY_ASSIGNED = "The calling plan is already assigned."  # inferred, 400 code 300
NUMBER_PARAM_INVALID = 'Invalid query parameter "phone_number".'  # UnassignPhoneNumber 404 code 400
NUMBER_DETAILS_MISSING = "Phone number does not exist, phonenumberId:{phoneNumberId}"  # 400 code 400
NUMBER_MISSING = "Phone number does not exist."  # rooms analogue, 400 code 404 (inferred for users)
NUMBER_IN_USE = "Phone number already in use."  # rooms analogue, 400 code 409 (inferred for users)
EXTENSION_USED = "Extension number {extensionNumber} is already used."  # call queues 400 code 400 (inferred)
EXTENSION_RESERVED = "Number {extensionNumber} is a reserved extension number."  # idem (inferred)
EXTENSION_LENGTH = "Invalid short number length."  # call queues 400 code 400 (inferred)
BATCH_TOO_MANY = "User size must be less than 10."  # batchAddUsers 400 code 400
TEMPLATE_INVALID = "Template is invalid"  # batchAddUsers 404 code 404
BATCH_TYPE_UNSUPPORTED = "Current batch type does not support, batch type:{0}."  # 400 code 400
VALIDATION_FAILED = "Validation Failed."
BAD_JSON = "Request Body should be a valid JSON object."

# ---- calling plans ------------------------------------------------------------------------------
# Plan codes (D-PLANS, §5.4): fallback names when the world does not define the plan.
PLAN_CODE_NAMES = {
    1: "NO_FEATURE_PACKAGE", 100: "METERED_PLAN_US_CA", 101: "METERED_PLAN_AU_NZ", 102: "METERED_PLAN_GB_IE",
    103: "METERED_EURA", 104: "METERED_EURB", 107: "METERED_JP", 200: "UNLIMITED_PLAN_US_CA",
    201: "UNLIMITED_PLAN_AU_NZ", 202: "UNLIMITED_PLAN_GB_IE", 203: "UNLIMITED_EURA", 204: "UNLIMITED_EURB",
    207: "UNLIMITED_JP", 600: "BETA", 1000: "UNLIMITED_DOMESTIC_SELECT", 1001: "METERED_GLOBAL_SELECT",
    3000: "ZP_PRO", 3010: "BASIC", 3040: "ZP_COMMON_AREA", 4000: "INTERNATIONAL_SELECT_ADDON",
    4010: "ZP_POWER_PACK",
}

# batchAddUsers takes plan NAMES (§5.4, documented in the raw spec's `calling_plans` description).
# Short batch name and long package name -> plan code (D-PLANS). The mapping of names to codes is
# ours (inferred); India plans have no published code and resolve only by the world's own plan name.
BATCH_PLAN_NAMES = {
    "us/ca metered": 100, "united states/canada metered calling plan": 100,
    "us/ca unlimited": 200, "united states/canada unlimited calling plan": 200,
    "au/nz metered": 101, "australia/new zealand metered calling plan": 101,
    "au/nz unlimited": 201, "australia/new zealand unlimited calling plan": 201,
    "uk/ireland metered": 102, "united kingdom/ireland metered calling plan": 102,
    "uk/ireland unlimited": 202, "united kingdom/ireland unlimited calling plan": 202,
    "europe zone a metered": 103, "europe zone a metered calling plan": 103,
    "europe zone a unlimited": 203, "europe zone a unlimited calling plan": 203,
    "europe zone b metered": 104, "europe zone b metered calling plan": 104,
    "europe zone b unlimited": 204, "europe zone b unlimited calling plan": 204,
    "jp metered": 107, "japan metered calling plan": 107,
    "jp unlimited": 207, "japan unlimited calling plan": 207,
    "global select metered": 1001, "global select metered calling plan": 1001,
    "global select": 1000, "global select calling plan": 1000,
    "international calling add-on": 4000,
    "beta": 600, "beta calling plan": 600,
    "pro": 3000, "zoom phone pro": 3000,
    "power pack": 4010, "zoom phone power pack": 4010,
}


# ---- helpers ------------------------------------------------------------------------------------
def _world(req):
    """The world, or 403 code 2031 when the account has no Zoom Phone (§5.1)."""
    world = req.world
    if not world.account.phone_enabled:
        raise ApiError(403, 2031, PHONE_NOT_ENABLED)
    return world


def _body(req):
    try:
        body = req.json
    except ValueError:
        raise ApiError(400, 300, BAD_JSON) from None
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise ApiError(400, 300, BAD_JSON)
    return body


def _validation(field, message):
    return ApiError(400, 300, VALIDATION_FAILED, errors=[{"field": field, "message": message}])


def _account_user(world, user_id):
    """A user of this account (not a pending invitee parked elsewhere), or None."""
    user = world.user_by_id_or_email(user_id)
    if user is None or user.holder_account is not None:
        return None
    return user


def _ready_phone(req, message):
    """(user, phone user) for path {userId}; 404 code 1001 while it has no ready phone user (§5.2, §5.8)."""
    world = _world(req)
    user_id = req.path_params["userId"]
    user = _account_user(world, user_id)
    phone = None if user is None or user.status == "pending" else world.phone_user(user)
    if phone is None:
        raise ApiError(404, 1001, message.format(userId=user_id))
    return user, phone


def _display_name(user):
    name = user.display_name or " ".join(p for p in (user.first_name, user.last_name) if p)
    return name or user.email


def _phone_status(user, phone):
    """A deactivated Zoom user shows as a deactivated phone user (§5.2, inferred)."""
    return "deactivate" if user.status == "inactive" else phone.status


def _plan_name(world, plan_type):
    plan = world.calling_plans.get(plan_type)
    return plan.name if plan else PLAN_CODE_NAMES.get(plan_type, str(plan_type))


def _plan_items(world, phone):
    items = []
    for plan_type in phone.calling_plans:
        item = {"type": plan_type, "name": _plan_name(world, plan_type)}
        plan = world.calling_plans.get(plan_type)
        if plan is not None and plan.billing_account_id:
            item["billing_account_id"] = plan.billing_account_id
        items.append(item)
    return items


def _number_refs(world, user_id, numbers=None):
    """[{id, number}] of the numbers assigned to `user_id` (World.numbers_of order).

    `numbers`: that list already taken from `_numbers_by_assignee` (list handlers), so a row does
    not scan every number of the account again.
    """
    if numbers is None:
        numbers = world.numbers_of(user_id)
    return [{"id": n.id, "number": n.number} for n in numbers]


def _numbers_by_assignee(world, user_ids=None):
    """One pass over `world.numbers`: assignee user id -> its numbers, in world order.

    Per user the same list as `World.numbers_of(user_id)`, for the cost of one call: list handlers
    use it instead of one full scan per row (O(rows x numbers) at scale). With `user_ids` (a set),
    only those users are indexed.
    """
    index = {}
    for num in world.numbers.values():
        owner = num.assignee_id
        if owner is not None and (user_ids is None or owner in user_ids):
            index.setdefault(owner, []).append(num)
    return index


def _site_digits(site):
    code = str(site.site_code or "").strip() if site is not None else ""
    return code if code.isdigit() else ""


def _page_size(req, default=30, maximum=100):
    raw = req.arg("page_size")
    try:
        size = int(raw) if raw not in (None, "") else default
    except ValueError:
        size = default
    if size < 1:
        size = default
    return min(size, maximum)


def _paginate(req, kind, rows, page_size, duplicates=False):
    """Slice `rows` for next_page_token pagination (§7): token 15 min, "" on the last page.

    With `duplicates` (the §5.6 defect) every page after the first starts with the last row of
    the previous page; never when page_size is 1 (that would not advance).
    """
    world = req.world
    now = world.clock.now()
    filters = sorted((k, tuple(v)) for k, v in req.query.items() if k not in ("page_size", "next_page_token"))
    key = "%s?%r" % (kind, filters)
    token = req.arg("next_page_token") or ""
    offset = 0
    if token:
        entry = world.page_tokens.get(token)
        if entry is None or entry.get("key") != key or entry.get("expires_at", 0) <= now:
            raise ApiError(400, 400, TOKEN_INVALID)
        offset = entry["offset"]
    start = offset - 1 if duplicates and offset > 0 and page_size > 1 else offset
    page = rows[start:start + page_size]
    next_offset = start + len(page)
    next_token = ""
    if next_offset < len(rows):
        for stale in [t for t, e in world.page_tokens.items() if e.get("expires_at", 0) <= now]:
            del world.page_tokens[stale]
        next_token = world.new_id(32)
        world.page_tokens[next_token] = {"offset": next_offset, "key": key, "expires_at": now + PAGE_TOKEN_TTL}
    return page, next_token


def _check_plan_known(world, plan_type, label=None):
    """The account's plan of that type, or the inferred invalid-plan error (§5.4, §5.7)."""
    plan = world.calling_plans.get(plan_type) if isinstance(plan_type, int) and not isinstance(plan_type, bool) else None
    if plan is None:
        if world.behaviour.phone_invalid_plan_error == "invalid_field":
            raise ApiError(400, 300, INVALID_FIELD)
        raise ApiError(400, 404, UNKNOWN_PLAN.format(type=plan_type if label is None else label))
    return plan


def _check_seats(world, plan, wanted=1):
    """Seat check: subscribed - assigned (counted from phone users) must cover `wanted` (§5.4; §5.7 not established)."""
    if plan.subscribed - world.plan_assigned_count(plan.type) < wanted:
        raise ApiError(400, world.behaviour.phone_no_seat_code,
                       world.behaviour.phone_no_seat_message.format(name=plan.name, type=plan.type))


def _check_extension(world, site, value, *, short=False, owner_user_id=None):
    """Validate an extension for `site`; return the full extension as int (§5.3, inferred rules).

    `short`: the value excludes the site code (batch add); otherwise it is the full number
    (site code + short extension, updateUserProfile). Must be digits; short part 2-6 digits
    (Behaviour.phone_extension_digits); not reserved; not used by another phone user.
    """
    text = str(value).strip()
    if not text.isdigit():
        raise _validation("extension_number", INVALID_FIELD)
    code = _site_digits(site)
    if short:
        short_part, full = text, code + text
    else:
        if code and not text.startswith(code):
            raise ApiError(400, 400, EXTENSION_LENGTH)
        short_part, full = text[len(code):], text
    low, high = world.behaviour.phone_extension_digits
    if not low <= len(short_part) <= high:
        raise ApiError(400, 400, EXTENSION_LENGTH)
    if short_part in world.behaviour.phone_reserved_extensions or full in world.behaviour.phone_reserved_extensions:
        raise ApiError(400, 400, EXTENSION_RESERVED.format(extensionNumber=full))
    number = int(full)
    owner = world.extension_owner(number)
    if owner is not None and owner.user_id != owner_user_id:
        raise ApiError(400, 400, EXTENSION_USED.format(extensionNumber=full))
    return number


def _find_number(world, ref):
    """A PhoneNumber by id or E.164 number (with or without '+'), else None."""
    ref = str(ref or "").strip()
    if not ref:
        return None
    if ref in world.numbers:
        return world.numbers[ref]
    digits = ref.lstrip("+")
    for num in world.numbers.values():
        if num.number == ref or num.number.lstrip("+") == digits:
            return num
    return None


def _main_site(world):
    return world.sites.get(main_site_id(world))


# ---- phone users --------------------------------------------------------------------------------
def _phone_user_row(world, user, phone, numbers=None):
    """One listPhoneUsers row; `numbers`: the user's numbers if already indexed (else scanned)."""
    site = world.sites.get(phone.site_id)
    row = {
        "id": user.id,
        "phone_user_id": phone.phone_user_id,
        "email": user.email,
        "name": _display_name(user),
        "extension_id": phone.extension_id,
        "calling_plans": _plan_items(world, phone),
        "phone_numbers": _number_refs(world, user.id, numbers),
        "status": _phone_status(user, phone),
        "department": user.dept,
        "cost_center": user.cost_center,
    }
    if phone.extension_number is not None:
        row["extension_number"] = phone.extension_number
    if site is not None:
        row["site"] = {"id": site.id, "name": site.name}
    return row


def _ready_pairs(world):
    """(user, phone user) for every phone user that finished provisioning, in creation order."""
    pairs = []
    for user_id, phone in world.phone_users.items():
        user = world.users.get(user_id)
        if user is None or user.holder_account is not None:
            continue
        if world.phone_user(user) is not None:
            pairs.append((user, phone))
    return pairs


@route("GET", "/v2/phone/users", operation="listPhoneUsers", label="Medium", family="phone", spec="phone")
def list_phone_users(req):
    """Filter and page the (user, phone user) pairs first; build rows only for the page returned.

    Same rows, order, totals and tokens as building every row, without O(users x numbers) per page:
    numbers come from one pass over the account's numbers per request (`_numbers_by_assignee`).
    """
    world = _world(req)
    page_size = _page_size(req)
    site_id = req.arg("site_id")
    status = req.arg("status")
    keyword = (req.arg("keyword") or "").casefold()
    department = req.arg("department")
    cost_center = req.arg("cost_center")
    calling_type = req.arg("calling_type")
    numbers = _numbers_by_assignee(world) if keyword else None  # the keyword also matches numbers
    pairs = []
    if status != "pending":  # pending (licence without phone feature) has no phone user: simplified to empty
        for user, phone in _ready_pairs(world):
            if site_id and phone.site_id != site_id:
                continue
            if status and _phone_status(user, phone) != status:
                continue
            if department and user.dept != department:
                continue
            if cost_center and user.cost_center != cost_center:
                continue
            if calling_type and str(calling_type) not in [str(t) for t in phone.calling_plans]:
                continue
            if keyword:
                haystack = [user.email, _display_name(user), str(phone.extension_number or "")]
                haystack += [n.number for n in numbers.get(user.id, ())]
                if not any(keyword in h.casefold() for h in haystack):
                    continue
            pairs.append((user, phone))
    page, token = _paginate(req, "phone_users", pairs, page_size, duplicates=world.behaviour.phone_list_duplicates)
    if numbers is None:
        numbers = _numbers_by_assignee(world, {user.id for user, _phone in page})
    rows = [_phone_user_row(world, user, phone, numbers.get(user.id, [])) for user, phone in page]
    return Response(200, {"next_page_token": token, "page_size": page_size,
                          "total_records": len(pairs), "users": rows})


@route("GET", "/v2/phone/users/{userId}", operation="phoneUser", label="Light", family="phone", spec="phone")
def get_phone_user(req):
    user, phone = _ready_phone(req, USER_MISSING)
    world = req.world
    if world.behaviour.phone_user_vanishes_once:
        # §5.8 (inferred): the second read after the phone user appeared answers 404 once
        reads = world.phone_reads.get(user.id, 0) + 1
        world.phone_reads[user.id] = reads
        if reads == 2:
            raise ApiError(404, 1001, USER_MISSING.format(userId=req.path_params["userId"]),
                           log_detail="phone_user_vanishes_once")
    body = {
        "id": user.id,
        "phone_user_id": phone.phone_user_id,
        "email": user.email,
        "extension_id": phone.extension_id,
        "site_id": phone.site_id,
        "site_admin": False,
        "status": _phone_status(user, phone),
        "calling_plans": _plan_items(world, phone),
        "phone_numbers": _number_refs(world, user.id),
        "department": user.dept,
        "cost_center": user.cost_center,
    }
    if phone.extension_number is not None:
        body["extension_number"] = phone.extension_number
    return Response(200, body)


@route("PATCH", "/v2/phone/users/{userId}", operation="updateUserProfile", label="Light", family="phone", spec="phone")
def update_phone_user(req):
    user, phone = _ready_phone(req, USER_MISSING)
    world = req.world
    body = _body(req)
    site = world.sites.get(phone.site_id)
    new_site_id = body.get("site_id")
    if new_site_id is not None:
        site = world.sites.get(new_site_id)
        if site is None:
            raise ApiError(404, 404, SITE_MISSING)
    extension = None
    if body.get("extension_number") not in (None, ""):
        extension = _check_extension(world, site, body["extension_number"], owner_user_id=user.id)
    # validated: apply
    if new_site_id is not None and new_site_id != phone.site_id:
        phone.site_id = new_site_id
        for num in world.numbers_of(user.id):
            if world.behaviour.phone_move_site_keeps_numbers:
                num.site_id = new_site_id
            else:
                num.assignee_id = None
    if extension is not None:
        phone.extension_number = extension
    return Response(204)


# ---- calling plans ------------------------------------------------------------------------------
@route("POST", "/v2/phone/users/{userId}/calling_plans", operation="assignCallingPlan", label="Light",
       family="phone", spec="phone")
def assign_calling_plans(req):
    user, phone = _ready_phone(req, USER_MISSING_PLANS)
    world = req.world
    items = _body(req).get("calling_plans")
    if not isinstance(items, list) or not items or len(items) > 150:
        raise ApiError(400, 300, INVALID_FIELD)
    wanted = []
    for item in items:
        plan_type = item.get("type") if isinstance(item, dict) else None
        plan = _check_plan_known(world, plan_type)
        if plan.type in phone.calling_plans or plan.type in wanted:
            if world.behaviour.phone_plan_already_assigned == "ignore":
                continue
            raise ApiError(400, 300, PLAN_ALREADY_ASSIGNED)
        _check_seats(world, plan)
        wanted.append(plan.type)
    phone.calling_plans.extend(wanted)  # all validated first: nothing applied on error
    return Response(201)  # spec says 200; the real API answers 201 (§5.1, reported [PATCH])


@route("PUT", "/v2/phone/users/{userId}/calling_plans", operation="updateCallingPlan", label="Light",
       family="phone", spec="phone")
def switch_calling_plan(req):
    user, phone = _ready_phone(req, USER_MISSING_PLANS)
    world = req.world
    body = _body(req)
    source, target = body.get("source_type"), body.get("target_type")
    if source is None or target is None:
        raise _validation("source_type" if source is None else "target_type", INVALID_FIELD)
    if source not in phone.calling_plans:
        raise ApiError(400, 404, NOT_SUBSCRIBED_SOURCE)
    if target == source:
        return Response(204)
    plan = _check_plan_known(world, target)
    if plan.type in phone.calling_plans:
        if world.behaviour.phone_plan_already_assigned != "ignore":
            raise ApiError(400, 300, PLAN_ALREADY_ASSIGNED)
        phone.calling_plans.remove(source)
        return Response(204)
    _check_seats(world, plan)
    phone.calling_plans[phone.calling_plans.index(source)] = plan.type  # atomic: in place
    return Response(204)


@route("DELETE", "/v2/phone/users/{userId}/calling_plans/{planType}", operation="unassignCallingPlan",
       label="Light", family="phone", spec="phone")
def unassign_calling_plan(req):
    user, phone = _ready_phone(req, USER_MISSING_PLANS)
    raw = req.path_params["planType"]
    try:
        plan_type = int(raw)
    except ValueError:
        raise ApiError(400, 400, INVALID_FIELD) from None
    if plan_type not in phone.calling_plans:
        raise ApiError(400, 400, INVALID_FIELD)  # documented list; not 404 (FOLIO's "already removed" guess)
    phone.calling_plans.remove(plan_type)
    return Response(204)


@route("GET", "/v2/phone/calling_plans", operation="listCallingPlans", label="Medium", family="phone", spec="phone")
def list_calling_plans(req):
    world = _world(req)
    plans = []
    for plan in sorted(world.calling_plans.values(), key=lambda p: p.type):
        assigned = world.plan_assigned_count(plan.type)
        item = {"name": plan.name, "type": plan.type, "subscribed": plan.subscribed, "assigned": assigned,
                "available": max(plan.subscribed - assigned, 0)}
        if plan.billing_account_id:
            item["billing_account_id"] = plan.billing_account_id
        plans.append(item)
    return Response(200, {"calling_plans": plans})


# ---- phone numbers ------------------------------------------------------------------------------
@route("POST", "/v2/phone/users/{userId}/phone_numbers", operation="assignPhoneNumber", label="Light",
       family="phone", spec="phone")
def assign_phone_numbers(req):
    user, phone = _ready_phone(req, USER_MISSING_ASSIGN_NUMBER)
    world = req.world
    items = _body(req).get("phone_numbers")
    if not isinstance(items, list) or not items:
        raise _validation("phone_numbers", INVALID_FIELD)
    if len(items) > 10:
        raise _validation("phone_numbers", "The maximum number of phone numbers is 10.")
    chosen = []
    for item in items:
        if not isinstance(item, dict) or not (item.get("id") or item.get("number")):
            raise _validation("phone_numbers", INVALID_FIELD)
        num = _find_number(world, item.get("id") or item.get("number"))
        if num is None or (item.get("id") and item.get("number")
                           and num.number.lstrip("+") != str(item["number"]).lstrip("+")):
            raise ApiError(400, 404, NUMBER_MISSING)
        if num.assignee_id is not None and num.assignee_id != user.id:
            raise ApiError(400, 409, NUMBER_IN_USE)
        if num not in chosen:
            chosen.append(num)
    for num in chosen:  # all validated first
        num.assignee_id = user.id
        num.site_id = phone.site_id
    return Response(201, {"phone_numbers": [{"id": n.id, "number": n.number} for n in chosen]})


@route("DELETE", "/v2/phone/users/{userId}/phone_numbers/{phoneNumberId}", operation="UnassignPhoneNumber",
       label="Light", family="phone", spec="phone")
def unassign_phone_number(req):
    user, phone = _ready_phone(req, USER_MISSING_UNASSIGN_NUMBER)
    num = _find_number(req.world, req.path_params["phoneNumberId"])
    if num is None or num.assignee_id != user.id:
        raise ApiError(404, 400, NUMBER_PARAM_INVALID)
    num.assignee_id = None
    return Response(204)


def _number_item(world, num):
    item = {
        "id": num.id,
        "number": num.number,
        "display_name": getattr(num, "display_name", "") or "",
        "status": num.status,
        "number_type": num.number_type,
        "source": num.source,
        "capability": ["incoming", "outgoing"],
    }
    location = getattr(num, "location", "")
    if location:
        item["location"] = location
    site = world.sites.get(num.site_id) if num.site_id else None
    if site is not None:
        item["site"] = {"id": site.id, "name": site.name}
    if num.assignee_id is not None:
        user = world.users.get(num.assignee_id)
        phone = world.phone_users.get(num.assignee_id)
        assignee = {"id": num.assignee_id, "type": "user", "name": _display_name(user) if user else ""}
        if phone is not None and phone.extension_number is not None:
            assignee["extension_number"] = phone.extension_number
        item["assignee"] = assignee
    return item


@route("GET", "/v2/phone/numbers", operation="listAccountPhoneNumbers", label="Medium", family="phone", spec="phone")
def list_numbers(req):
    world = _world(req)
    page_size = _page_size(req)
    kind = req.arg("type") or "all"
    extension_type = req.arg("extension_type")
    site_id = req.arg("site_id")
    number_type = req.arg("number_type")
    phone_number = req.arg("phone_number")
    pending = req.arg("pending_numbers")
    matched = []
    for num in world.numbers.values():
        if kind == "assigned" and num.assignee_id is None:
            continue
        if kind == "unassigned" and num.assignee_id is not None:
            continue
        if kind == "byoc" and num.source != "external":
            continue
        if extension_type and kind == "assigned" and extension_type != "user":
            continue  # only users hold numbers in the simulator
        if site_id and num.site_id != site_id:
            continue
        if number_type and num.number_type != number_type:
            continue
        if phone_number and num.number.lstrip("+") != phone_number.strip().lstrip("+"):
            continue
        if pending is not None and pending.lower() == "false" and num.status == "pending":
            continue
        matched.append(num)
    page, token = _paginate(req, "phone_numbers", matched, page_size)  # items built for the page only
    return Response(200, {"next_page_token": token, "page_size": page_size,
                          "total_records": len(matched), "phone_numbers": [_number_item(world, n) for n in page]})


@route("GET", "/v2/phone/numbers/{phoneNumberId}", operation="getPhoneNumberDetails", label="Light",
       family="phone", spec="phone")
def get_number(req):
    world = _world(req)
    number_id = req.path_params["phoneNumberId"]
    num = world.numbers.get(number_id)
    if num is None:
        raise ApiError(400, 400, NUMBER_DETAILS_MISSING.format(phoneNumberId=number_id))
    return Response(200, _number_item(world, num))


# ---- sites --------------------------------------------------------------------------------------
def _site_item(site):
    item = {"id": site.id, "name": site.name, "level": "main" if site.main else "sub"}
    code = _site_digits(site)
    if code:
        item["site_code"] = int(code)
    return item


@route("GET", "/v2/phone/sites", operation="listPhoneSites", label="Medium", family="phone", spec="phone")
def list_sites(req):
    world = _world(req)
    page_size = _page_size(req, maximum=300)
    rows = [_site_item(s) for s in world.sites.values()]
    page, token = _paginate(req, "phone_sites", rows, page_size)
    return Response(200, {"next_page_token": token, "page_size": page_size,
                          "total_records": len(rows), "sites": page})


@route("GET", "/v2/phone/sites/{siteId}", operation="getASite", label="Light", family="phone", spec="phone")
def get_site(req):
    world = _world(req)
    site = world.sites.get(req.path_params["siteId"])
    if site is None:
        raise ApiError(400, 400, SITE_MISSING_GET)
    return Response(200, _site_item(site))


# ---- batch --------------------------------------------------------------------------------------
def _resolve_batch_plan(world, name):
    """A plan NAME from batchAddUsers -> the account's CallingPlan (§5.4)."""
    text = str(name or "").strip()
    candidates = [text]
    if ":" in text:  # "type:billing_subscription_id" for multi-subscription accounts
        candidates.append(text.split(":", 1)[0].strip())
    for candidate in candidates:
        key = candidate.casefold()
        for plan in world.calling_plans.values():
            if plan.name.casefold() == key:
                return plan
        code = BATCH_PLAN_NAMES.get(key)
        if code is not None and code in world.calling_plans:
            return world.calling_plans[code]
    return _check_plan_known(world, None, label=text)  # raises the invalid-plan error


@route("POST", "/v2/phone/users/batch", operation="batchAddUsers", label="Medium", family="phone", spec="phone")
def batch_add_users(req):
    """Validate every item first; the first problem -> its error, nothing applied (inferred, §5.6)."""
    world = _world(req)
    users = _body(req).get("users")
    if not isinstance(users, list) or not users:
        raise _validation("users", INVALID_FIELD)
    if len(users) > 10:
        raise ApiError(400, 400, BATCH_TOO_MANY)
    seats = {}
    extensions = set()
    numbers = set()
    planned = []
    for index, item in enumerate(users):
        where = "users[%d]" % index
        if not isinstance(item, dict):
            raise _validation(where, INVALID_FIELD)
        email = str(item.get("email") or "").strip()
        user = _account_user(world, email) if "@" in email else None
        if user is None or user.status != "active":
            raise _validation(where + ".email", "The user must be an active user of the account: %s" % email)
        if user.id in world.phone_users or any(p["user"] is user for p in planned):
            raise _validation(where + ".email", "The user is already a Zoom Phone user: %s" % email)
        if item.get("template_name"):
            raise ApiError(404, 404, TEMPLATE_INVALID)  # the simulator has no templates
        site = None
        if item.get("site_code"):
            site = next((s for s in world.sites.values() if str(s.site_code) == str(item["site_code"]).strip()), None)
        elif item.get("site_name"):
            key = str(item["site_name"]).strip().casefold()
            site = next((s for s in world.sites.values() if s.name.casefold() == key), None)
        else:
            site = _main_site(world)
        if site is None:
            raise ApiError(404, 404, SITE_MISSING)
        if item.get("extension_number") in (None, ""):
            raise _validation(where + ".extension_number", INVALID_FIELD)
        extension = _check_extension(world, site, item["extension_number"], short=True)
        if extension in extensions:
            raise ApiError(400, 400, EXTENSION_USED.format(extensionNumber=extension))
        extensions.add(extension)
        plans = []
        names = item.get("calling_plans")
        if not isinstance(names, list):
            raise _validation(where + ".calling_plans", INVALID_FIELD)
        for name in names:
            plan = _resolve_batch_plan(world, name)
            if plan.type in plans:
                continue
            seats[plan.type] = seats.get(plan.type, 0) + 1
            _check_seats(world, plan, seats[plan.type])
            plans.append(plan.type)
        nums = []
        for ref in item.get("phone_numbers") or []:
            num = _find_number(world, ref)
            if num is None:
                raise ApiError(400, 404, NUMBER_MISSING)
            if num.assignee_id is not None or num.id in numbers:
                raise ApiError(400, 409, NUMBER_IN_USE)
            numbers.add(num.id)
            nums.append(num)
        planned.append({"user": user, "site": site, "extension": extension, "plans": plans, "numbers": nums})
    new_licences = sum(1 for p in planned if not p["user"].feature_zoom_phone)
    if phone_licenses_used(world) + new_licences > world.account.phone_licenses:
        raise ApiError(404, 1102, NO_PHONE_LICENCE)
    # all valid: apply. enable_phone creates the phone user (ready after the provisioning delay, §5.8)
    created = []
    for p in planned:
        user = p["user"]
        phone = enable_phone(world, user)
        phone.extension_number = p["extension"]
        phone.site_id = p["site"].id
        phone.calling_plans = list(p["plans"])
        for num in p["numbers"]:
            num.assignee_id = user.id
            num.site_id = p["site"].id
        created.append({"email": user.email, "id": user.id})
    return Response(201, created)


@route("PUT", "/v2/phone/users/batch", operation="updateUsersPropertiesInBatch", label="Light",
       family="phone", spec="phone")
def batch_update_users(req):
    world = _world(req)
    body = _body(req)
    batch_type = body.get("batch_type")
    if batch_type not in ("move_site", "assign_pending_user"):
        raise ApiError(400, 400, BATCH_TYPE_UNSUPPORTED.format(batch_type))
    user_ids = body.get("user_ids")
    if not isinstance(user_ids, list) or not user_ids:
        raise _validation("user_ids", INVALID_FIELD)
    if len(user_ids) > 10:
        raise _validation("user_ids", "The maximum number of users is 10.")
    site = None
    if body.get("site_id"):
        site = world.sites.get(body["site_id"])
        if site is None:
            raise ApiError(404, 404, SITE_MISSING)
    elif batch_type == "move_site":
        raise _validation("site_id", INVALID_FIELD)
    targets = []
    for user_id in user_ids:
        user = _account_user(world, user_id)
        if batch_type == "move_site":
            phone = world.phone_user(user) if user is not None else None
            if phone is None:
                raise ApiError(404, 1001, USER_MISSING.format(userId=user_id))
            targets.append((user, phone))
        else:
            if user is None or user.status != "active":
                raise ApiError(404, 1001, USER_MISSING.format(userId=user_id))
            if user.id not in world.phone_users:
                targets.append((user, None))
    if batch_type == "assign_pending_user":
        new_licences = sum(1 for u, _phone in targets if not u.feature_zoom_phone)
        if phone_licenses_used(world) + new_licences > world.account.phone_licenses:
            raise ApiError(404, 1102, NO_PHONE_LICENCE)
    for user, phone in targets:  # all validated first
        if batch_type == "move_site":
            if phone.site_id != site.id:
                phone.site_id = site.id
                for num in world.numbers_of(user.id):
                    if world.behaviour.phone_move_site_keeps_numbers:
                        num.site_id = site.id
                    else:
                        num.assignee_id = None
        else:
            phone = enable_phone(world, user)  # phone_common: next free extension, main site
            if site is not None:
                phone.site_id = site.id
    return Response(204)
