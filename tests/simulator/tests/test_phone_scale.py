"""Phone list handlers at scale: same answers, cost per page independent of the account size (§5, §7).

listPhoneUsers and listAccountPhoneNumbers filter and page first and build rows only for the page
they return; a user's numbers come from one pass over the account's numbers per request, not one
scan per row (which made a listPhoneUsers page O(users x numbers): ~6-10 s of CPU at 10,000 users).

The world here (~3,000 phone users, 3,500 numbers) is built from model objects: fast, and shaped to
catch ordering mistakes (numbers assigned out of user order, users with 0, 1 or 2 numbers,
deactivated users, phone users still provisioning, users without phone). Costs are asserted by
counting calls (rows built, passes over the numbers), never by timing, so the tests cannot flake.
"""

import pytest

# importing zoomsim.handlers registers the routes
import zoomsim.handlers  # noqa: F401  pylint: disable=unused-import
from zoomsim.handlers import phone as ph
from zoomsim.model import CallingPlan, PhoneNumber, PhoneUser, Site, User, World
from zoomsim.routing import Request, match
from zoomsim.validation import validate_response

USERS = 3200  # u0000..u3199; the first PHONE_USERS have a phone user
PHONE_USERS = 3000
NUMBERS = 3500  # n0000..n3499; the first ASSIGNED are assigned, out of user order
ASSIGNED = 3300
SITES = ("site-hq", "site-east", "site-west")


class CountingDict(dict):
    """A dict that counts full passes over it (values / items / iteration)."""

    passes = 0

    def values(self):
        self.passes += 1
        return super().values()

    def items(self):
        self.passes += 1
        return super().items()

    def __iter__(self):
        self.passes += 1
        return super().__iter__()


def build_world():
    world = World()
    world.sites = {sid: Site(sid, name, code, sid == "site-hq")
                   for sid, name, code in zip(SITES, ("HQ", "East", "West"), ("", "2", "3"))}
    world.calling_plans = {200: CallingPlan(200, "US/CA Unlimited Calling Plan", 5000, "billing-1"),
                           100: CallingPlan(100, "US/CA Metered Calling Plan", 5000),
                           3000: CallingPlan(3000, "Zoom Phone Pro", 5000)}
    later = world.clock.now() + 10 ** 6
    for i in range(USERS):
        uid = "u%04d" % i
        world.users[uid] = User(uid, "user%04d@example.com" % i, first_name="First%04d" % i, last_name="Last%04d" % i,
                                dept=("Sales", "Ops", "")[i % 3], cost_center="cc%d" % (i % 4),
                                status="inactive" if i % 11 == 5 else "active")
        if i < PHONE_USERS:
            world.users[uid].feature_zoom_phone = True
            phone = PhoneUser(uid, "pu%04d" % i, "ext%04d" % i, 10000 + i, SITES[i % 3],
                              ready_at=later if i % 97 == 3 else 0.0)  # some still provisioning (§5.8)
            phone.calling_plans = [[200], [100], [200, 3000], []][i % 4]
            world.phone_users[uid] = phone
    for i in range(NUMBERS):
        num = PhoneNumber("n%04d" % i, "+1415%07d" % i, site_id=SITES[i % 3])
        if i < ASSIGNED:  # users u0000..u2699 in scrambled order, wrapping: 0, 1 or 2 numbers, not in world order
            num.assignee_id = "u%04d" % ((i * 7919) % (USERS - 500))
        world.numbers[num.id] = num
    return world


@pytest.fixture(name="world", scope="module")
def world_fixture():
    return build_world()


@pytest.fixture(name="fresh")
def fresh_fixture(world):
    """The shared world with no page tokens and the default duplicate-row behaviour."""
    world.page_tokens.clear()
    world.behaviour.phone_list_duplicates = False
    yield world
    world.page_tokens.clear()
    world.behaviour.phone_list_duplicates = False


def get(world, path, **query):
    route, params = match("GET", path)
    req = Request("GET", path, {k: [str(v)] for k, v in query.items()}, {}, b"", params, world,
                  account_id=world.account.id)
    resp = route.handler(req)
    assert resp.status == 200, resp.body
    return resp.body


def crawl(world, path, key, **query):
    """Every page of a list -> (pages of rows, total_records of each page)."""
    pages, totals, token = [], [], ""
    while True:
        body = get(world, path, **dict(query, next_page_token=token) if token else query)
        pages.append(body[key])
        totals.append(body["total_records"])
        token = body["next_page_token"]
        if not token:
            return pages, totals
        assert len(pages) < 10000, "pagination does not end"


def reference_pairs(world):
    """The straightforward computation: every ready phone user in creation order, each row built with its
    own scan of every number (World.numbers_of, the per-row path of _phone_user_row) -> [(user, phone, row)]."""
    found = []
    for user_id, phone in world.phone_users.items():
        user = world.users.get(user_id)
        if user is None or user.holder_account is not None or world.phone_user(user) is None:
            continue
        row = ph._phone_user_row(world, user, phone)  # pylint: disable=protected-access
        assert row["phone_numbers"] == [{"id": n.id, "number": n.number} for n in world.numbers_of(user_id)]
        found.append((user, phone, row))
    return found


@pytest.fixture(name="reference", scope="module")
def reference_fixture(world):
    return reference_pairs(world)


@pytest.fixture(name="everyone", scope="module")
def everyone_fixture(reference):
    return [row for _user, _phone, row in reference]


def test_world_is_big_and_awkward(world, everyone):
    assert len(world.phone_users) == PHONE_USERS and len(world.numbers) == NUMBERS
    counts = {len(row["phone_numbers"]) for row in everyone}
    assert counts == {0, 1, 2}
    assert any(row["status"] == "deactivate" for row in everyone)
    assert PHONE_USERS - 40 < len(everyone) < PHONE_USERS  # the ones still provisioning are left out


@pytest.mark.parametrize("page_size", [10, 100])
def test_crawl_returns_the_reference_rows(fresh, everyone, page_size):  # §7
    pages, totals = crawl(fresh, "/v2/phone/users", "users", page_size=page_size)
    assert [row for page in pages for row in page] == everyone
    assert set(totals) == {len(everyone)}
    assert all(len(page) == page_size for page in pages[:-1])


def test_first_page_conforms_to_the_spec(fresh):  # §5.2
    body = get(fresh, "/v2/phone/users", page_size=100)
    errors = validate_response("phone", "GET", "/v2/phone/users", 200, body, operation="listPhoneUsers")
    assert not errors, errors


def test_duplicate_row_defect_is_kept(fresh, everyone):  # §5.6: each later page repeats the last row
    fresh.behaviour.phone_list_duplicates = True
    pages, totals = crawl(fresh, "/v2/phone/users", "users", page_size=30)
    assert set(totals) == {len(everyone)}
    for before, page in zip(pages, pages[1:]):
        assert page[0] == before[-1]
    assert pages[0] + [row for page in pages[1:] for row in page[1:]] == everyone


@pytest.mark.parametrize("query, keep", [
    ({"keyword": "+1415000012"}, None),  # a number prefix: matched through the user's numbers
    ({"keyword": "last001"}, None),  # the name, case-insensitively
    ({"keyword": "1002"}, None),  # extension, email and numbers at once
    ({"site_id": "site-east"}, lambda u, p: p.site_id == "site-east"),
    ({"status": "deactivate"}, lambda u, p: u.status == "inactive"),
    ({"department": "Ops", "cost_center": "cc1"}, lambda u, p: u.dept == "Ops" and u.cost_center == "cc1"),
    ({"calling_type": 3000}, lambda u, p: 3000 in p.calling_plans),
])
def test_filters_match_the_reference(fresh, reference, query, keep):  # §5.2
    if keep is None:
        word = query["keyword"].casefold()
        expected = [row for _u, _p, row in reference
                    if any(word in h.casefold() for h in [row["email"], row["name"], str(row["extension_number"])]
                           + [n["number"] for n in row["phone_numbers"]])]
    else:
        expected = [row for user, phone, row in reference if keep(user, phone)]
    assert expected  # the filter selects something
    pages, totals = crawl(fresh, "/v2/phone/users", "users", page_size=30, **query)
    assert [row for page in pages for row in page] == expected
    assert set(totals) == {len(expected)}


@pytest.mark.parametrize("duplicates", [False, True])
@pytest.mark.parametrize("query", [{}, {"keyword": "user00"}, {"site_id": "site-west"}])
def test_a_page_costs_its_rows_and_one_pass_over_the_numbers(fresh, monkeypatch, duplicates, query):
    """A page builds at most page_size rows and reads the account's numbers once, whatever the account size."""
    fresh.behaviour.phone_list_duplicates = duplicates
    built = []
    real_row = ph._phone_user_row  # pylint: disable=protected-access

    def counting_row(world, user, phone, *args, **kwargs):
        built.append(user.id)
        return real_row(world, user, phone, *args, **kwargs)

    def no_per_row_scan(user_id):
        raise AssertionError("numbers_of(%s) called while listing" % user_id)

    monkeypatch.setattr(ph, "_phone_user_row", counting_row)
    monkeypatch.setattr(fresh, "numbers_of", no_per_row_scan)
    monkeypatch.setattr(fresh, "numbers", CountingDict(fresh.numbers))
    token = ""
    for _page in range(3):
        del built[:]
        fresh.numbers.passes = 0
        body = get(fresh, "/v2/phone/users", page_size=25, **dict(query, next_page_token=token) if token else query)
        assert len(built) == len(body["users"]) <= 25
        assert [row["id"] for row in body["users"]] == built
        assert fresh.numbers.passes <= 1
        token = body["next_page_token"]
        assert token


def test_numbers_list_builds_only_its_page(fresh, world, monkeypatch):  # §5.5, §7
    expected = [ph._number_item(world, n) for n in world.numbers.values()]  # pylint: disable=protected-access
    pages, totals = crawl(fresh, "/v2/phone/numbers", "phone_numbers", page_size=100)
    assert [item for page in pages for item in page] == expected
    assert set(totals) == {NUMBERS}
    built = []
    real_item = ph._number_item  # pylint: disable=protected-access
    monkeypatch.setattr(ph, "_number_item", lambda w, n: built.append(n.id) or real_item(w, n))
    body = get(fresh, "/v2/phone/numbers", page_size=100, type="assigned")
    assert len(built) == len(body["phone_numbers"]) == 100
    assert body["total_records"] == ASSIGNED
    body = get(fresh, "/v2/phone/numbers", page_size=100, type="assigned", next_page_token=body["next_page_token"])
    assert len(built) == 200 and [i["id"] for i in body["phone_numbers"]] == built[100:]
