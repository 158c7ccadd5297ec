"""Properties of the Users API and its bridge to SCIM (hypothesis).

- §2.4 / §7: walking GET /users with next_page_token returns every user of the requested status exactly
  once, for any page size and population (pending users keyed by email: they have no id).
- §2.1 / §4.4 / §7: any valid email (plus signs included) round-trips: ssoCreate -> GET /users/{email}
  (literal '+' in the path) -> SCIM `userName eq` quoted and unquoted (with '+' sent as %2B) -> the
  same id.
"""

import string
import urllib.parse

from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from test_users_support import simulator, world_dict
from zoomsim.model import User

SETTINGS = settings(max_examples=30, deadline=None, database=None, suppress_health_check=list(HealthCheck))

# RFC 5322 atext without '/' (the simulator decodes path segments before routing, like its server) and
# without '%' (kept out to keep the property about '+'); dots only between atoms.
ATEXT = string.ascii_letters + string.digits + "!#$&'*+=?^_`{|}~-"
atoms = st.text(alphabet=ATEXT, min_size=1, max_size=12)
local_parts = st.lists(atoms, min_size=1, max_size=3).map(".".join).filter(lambda s: len(s) <= 40)
plus_locals = st.tuples(atoms, atoms).map(lambda t: "%s+%s" % t)  # make sure '+' shows up often


def _populate(world, active, inactive, pending):
    """Replace the account's users by a generated population (ids are deterministic per example)."""
    now = world.clock.now()
    world.users.clear()
    for index in range(active + inactive + pending):
        status = "active" if index < active else "inactive" if index < active + inactive else "pending"
        user = User(id="gen%019d" % index, email="gen%d@example.com" % index, status=status, created_at=now)
        if status == "pending":
            user.holder_account = "holder%d" % index
            user.pending_reason = "invited"
            user.invite_expires_at = now + 30 * 86400
        world.users[user.id] = user


def _walk(sim, status, page_size):
    keys, token, total = [], None, None
    for _attempt in range(1000):
        params = {"status": status, "page_size": page_size}
        if token:
            params["next_page_token"] = token
        resp = sim.call("GET", "/v2/users", params=params)
        assert resp.status_code == 200, resp.text
        body = resp.json()
        total = body["total_records"] if total is None else total
        assert body["total_records"] == total
        keys.extend(u.get("id") or u["email"] for u in body["users"])
        token = body["next_page_token"]
        if not token:
            return keys, total
    raise AssertionError("pagination does not end")


def test_pagination_returns_each_user_exactly_once():
    """§2.4 / §7: any page size (clamped to users_page_size_max) and population: each user once, in total."""
    with simulator(world_dict(behaviour={"users_page_size_max": 300})) as sim:

        @SETTINGS
        @given(active=st.integers(0, 25), inactive=st.integers(0, 5), pending=st.integers(0, 8),
               page_size=st.integers(1, 40), status=st.sampled_from(["active", "inactive", "pending"]))
        def check(active, inactive, pending, page_size, status):
            with sim.world.lock:
                _populate(sim.world, active, inactive, pending)
                expected = {u.id if status != "pending" else u.email
                            for u in sim.world.users.values() if u.status == status}
            keys, total = _walk(sim, status, page_size)
            assert len(keys) == len(set(keys)) == total == len(expected)
            assert set(keys) == expected

        check()  # pylint: disable=no-value-for-parameter


def test_page_size_clamp_property():
    """§2.4: any page_size above Behaviour.users_page_size_max is answered with the maximum."""
    with simulator(world_dict(behaviour={"users_page_size_max": 5})) as sim:

        @SETTINGS
        @given(page_size=st.integers(1, 2000))
        def check(page_size):
            body = sim.call("GET", "/v2/users", params={"page_size": page_size}).json()
            assert body["page_size"] == min(page_size, 5)
            assert len(body["users"]) == min(page_size, 5, body["total_records"])

        check()  # pylint: disable=no-value-for-parameter


def test_any_email_round_trips_to_scim():
    """§2.1 / §4.4 / §7: create -> GET by email (any case, '+' literal) -> SCIM filter quoted and unquoted."""
    with simulator() as sim:

        @SETTINGS
        @given(local=st.one_of(local_parts, plus_locals), upper=st.booleans())
        def check(local, upper):
            email = local + "@example.com"
            with sim.world.lock:
                assume(sim.world.user_by_email(email) is None)
            resp = sim.call("POST", "/v2/users", json={"action": "ssoCreate", "user_info": {"email": email, "type": 1}})
            assert resp.status_code == 201, (email, resp.text)
            user_id = resp.json()["id"]
            lookup = email.upper() if upper else email
            got = sim.call("GET", "/v2/users/" + urllib.parse.quote(lookup, safe="@+"))
            assert got.status_code == 200 and got.json()["id"] == user_id and got.json()["email"] == email
            for text in ('userName eq "%s"' % lookup, "userName eq %s" % lookup):
                found = sim.call("GET", "/scim2/Users", params={"filter": text})  # requests sends '+' as %2B
                assert found.status_code == 200, found.text
                assert [r["id"] for r in found.json()["Resources"]] == [user_id], text

        check()  # pylint: disable=no-value-for-parameter


def test_scim_paging_returns_each_user_exactly_once():
    """§4.3: for any count (0 < count <= 100) walking startIndex returns each account user once."""
    with simulator() as sim:
        with sim.world.lock:
            _populate(sim.world, 17, 4, 3)
            expected = {u.id for u in sim.world.users.values() if u.status != "pending"}

        @SETTINGS
        @given(count=st.integers(1, 100))
        def check(count):
            seen, start = [], 1
            while True:
                body = sim.call("GET", "/scim2/Users", params={"startIndex": start, "count": count}).json()
                seen += [r["id"] for r in body["Resources"]]
                start += body["itemsPerPage"]
                if start > body["totalResults"] or not body["Resources"]:
                    break
            assert len(seen) == len(set(seen)) and set(seen) == expected

        check()  # pylint: disable=no-value-for-parameter
