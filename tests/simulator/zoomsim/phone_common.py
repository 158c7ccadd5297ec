"""The Zoom Phone feature of a user: the one place that creates and removes phone users.

Every route that turns the phone feature on or off goes through here: POST /users
(`user_info.feature.zoom_phone`), PATCH /users/{userId} and PATCH /users/{userId}/settings
(`feature.zoom_phone`), accepting an invitation (control API), SCIM create/PUT with the Zoom
extension's `zoomPhone*` attributes, and every user removal. The phone handlers
(zoomsim.handlers.phone) call `enable_phone` / `disable_phone` too.

All functions run under `world.lock` (the server holds it while a handler runs); they never lock.

docs/ZOOM-API-FACTS.md: §2.3 (404 code 1102 without a licence), §2.7 (`zoom_phone: false` removes the user
from Zoom Phone and unassigns their numbers), §5.8 (the phone user appears asynchronously; pending
users get none until they accept; Zoom auto-assigns an extension).
"""

from zoomsim.model import PhoneUser
from zoomsim.routing import ApiError

NO_PHONE_LICENCE = "You cannot enable the **Zoom Phone** feature because you do not have any available licenses."
FIRST_EXTENSION = 1000
LAST_EXTENSION = 9999


def phone_licenses_used(world):
    """Phone licences in use: every user of the account (pending invitees included) with the feature."""
    return sum(1 for user in world.users.values() if user.feature_zoom_phone)


def phone_licence_available(world):
    """True when the account has the phone product and at least one unused licence."""
    account = world.account
    return bool(account.phone_enabled) and phone_licenses_used(world) < int(account.phone_licenses)


def main_site_id(world):
    """The id of the main site (first site flagged `main`, else the first site, else "")."""
    for site in world.sites.values():
        if site.main:
            return site.id
    for site in world.sites.values():
        return site.id
    return ""


def next_free_extension(world, start=FIRST_EXTENSION):
    """Smallest 4-digit extension number >= `start` that no phone user holds (auto-assignment, §5.8)."""
    used = {p.extension_number for p in world.phone_users.values() if p.extension_number is not None}
    for number in range(max(int(start), FIRST_EXTENSION), LAST_EXTENSION + 1):
        if number not in used:
            return number
    raise ApiError(400, 300, "No extension number is available.")  # inferred; never hit in practice


def _create_phone_user(world, user):
    phone = PhoneUser(
        user_id=user.id,
        phone_user_id=world.new_id(),
        extension_id=world.new_id(),
        extension_number=next_free_extension(world),
        site_id=main_site_id(world),
        ready_at=world.clock.now() + float(world.behaviour.phone_provisioning_delay),
        status="activate" if user.status == "active" else "deactivate",
    )
    world.phone_users[user.id] = phone
    return phone


def enable_phone(world, user):
    """Give `user` the Zoom Phone feature; return the (possibly not yet ready) PhoneUser or None.

    - Feature already on: no-op (no licence check); returns the existing phone user, if any.
    - No licence left (or the account has no phone product): raises ApiError 404 code 1102 (§2.3)
      and changes nothing.
    - Pending user (invitee): the feature is recorded (a licence is held) but no phone user exists
      until the invitation is accepted (`create_pending_phone_user`, §5.8); returns None.
    - Otherwise a PhoneUser is created at once with a new phone_user_id/extension_id, the next free
      extension from 1000 upward, the main site, and `ready_at = now + phone_provisioning_delay`:
      phone endpoints must treat it as absent (404) until then (use `world.phone_user(user)`).
    """
    if user.feature_zoom_phone:
        if user.status != "pending" and user.id not in world.phone_users:
            return _create_phone_user(world, user)
        return world.phone_users.get(user.id)
    if not phone_licence_available(world):
        raise ApiError(404, 1102, NO_PHONE_LICENCE)
    user.feature_zoom_phone = True
    if user.status == "pending":
        return None
    return _create_phone_user(world, user)


def create_pending_phone_user(world, user):
    """After an invitation is accepted: create the phone user the invitee asked for (if any)."""
    if user.feature_zoom_phone and user.status != "pending" and user.id not in world.phone_users:
        return _create_phone_user(world, user)
    return world.phone_users.get(user.id)


def release_numbers(world, user_id):
    """Unassign every number of `user_id`; return their E.164 strings."""
    released = []
    for number in world.numbers.values():
        if number.assignee_id == user_id:
            number.assignee_id = None
            number.status = "available"
            released.append(number.number)
    return released


def disable_phone(world, user):
    """Take the Zoom Phone feature away from `user` (§2.7 `feature.zoom_phone: false`, and removals).

    Removes the phone user (ready or still provisioning), unassigns all its numbers (they become
    available again) and so frees its calling-plan seats (seat counts derive from phone users) and
    its extension number. Clears `user.feature_zoom_phone`, which frees the licence. Idempotent.
    Returns a summary dict: {"had_phone_user", "extension_number", "calling_plans", "numbers"}.
    """
    phone = world.phone_users.pop(user.id, None)
    numbers = release_numbers(world, user.id)
    user.feature_zoom_phone = False
    return {
        "had_phone_user": phone is not None,
        "extension_number": phone.extension_number if phone else None,
        "calling_plans": list(phone.calling_plans) if phone else [],
        "numbers": numbers,
    }


def sync_phone_status(world, user):
    """Mirror the user's active/inactive status on its phone user (`activate` / `deactivate`)."""
    phone = world.phone_users.get(user.id)
    if phone is not None:
        phone.status = "activate" if user.status == "active" else "deactivate"
