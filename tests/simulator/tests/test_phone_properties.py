"""Property: any sequence of phone writes keeps the books straight (docs/ZOOM-API-FACTS.md §5.3-§5.6).

After every call: for each plan assigned + available == subscribed and assigned never exceeds the
seats (§5.4); no number has two assignees and the numbers the API shows per user are disjoint (§5.5);
extensions stay unique (§5.3); and a rejected call changes nothing (all handlers validate first).
"""

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from test_phone_handlers import call as _call
from test_phone_handlers import make_world


def call(world, method, path, query=None, body=None):
    """Requests validated against the spec; response shapes are checked in test_phone_handlers (speed)."""
    return _call(world, method, path, query, body, shape=False)


USERS = ["u0", "u1", "u2", "u3", "free", "u5@example.com"]
PLAN_TYPES = [100, 200, 3000, 999]
NUMBERS = ["num%d" % i for i in range(6)]

ops = st.one_of(
    st.tuples(st.just("assign_plan"), st.sampled_from(USERS), st.lists(st.sampled_from(PLAN_TYPES), min_size=1, max_size=3)),
    st.tuples(st.just("unassign_plan"), st.sampled_from(USERS), st.sampled_from(PLAN_TYPES)),
    st.tuples(st.just("switch_plan"), st.sampled_from(USERS), st.sampled_from(PLAN_TYPES), st.sampled_from(PLAN_TYPES)),
    st.tuples(st.just("assign_numbers"), st.sampled_from(USERS), st.lists(st.sampled_from(NUMBERS), min_size=1, max_size=3),
              st.booleans()),
    st.tuples(st.just("unassign_number"), st.sampled_from(USERS), st.sampled_from(NUMBERS), st.booleans()),
    st.tuples(st.just("extension"), st.sampled_from(USERS), st.sampled_from(["1000", "1001", "2000", "911", "7"])),
    st.tuples(st.just("batch_add"), st.lists(st.tuples(st.sampled_from(["user5@example.com", "user6@example.com", "free@example.com"]),
                                                       st.sampled_from(["301", "302", "1000"]),
                                                       st.sampled_from(["US/CA Unlimited", "US/CA Metered", "Pro"])),
                                             min_size=1, max_size=3)),
)


def _request(world, op):
    kind = op[0]
    if kind == "assign_plan":
        return call(world, "POST", "/v2/phone/users/%s/calling_plans" % op[1], body={"calling_plans": [{"type": t} for t in op[2]]})
    if kind == "unassign_plan":
        return call(world, "DELETE", "/v2/phone/users/%s/calling_plans/%d" % (op[1], op[2]))
    if kind == "switch_plan":
        return call(world, "PUT", "/v2/phone/users/%s/calling_plans" % op[1], body={"source_type": op[2], "target_type": op[3]})
    if kind == "assign_numbers":
        refs = [{"id": n} if op[3] else {"number": world.numbers[n].number} for n in op[2]]
        return call(world, "POST", "/v2/phone/users/%s/phone_numbers" % op[1], body={"phone_numbers": refs})
    if kind == "unassign_number":
        ref = op[2] if op[3] else world.numbers[op[2]].number
        return call(world, "DELETE", "/v2/phone/users/%s/phone_numbers/%s" % (op[1], ref))
    if kind == "extension":
        return call(world, "PATCH", "/v2/phone/users/%s" % op[1], body={"extension_number": op[2]})
    users = [{"email": e, "extension_number": x, "calling_plans": [p]} for e, x, p in op[1]]
    return call(world, "POST", "/v2/phone/users/batch", body={"users": users})


def _snapshot(world):
    return (sorted((p.user_id, p.extension_number, p.site_id, tuple(p.calling_plans)) for p in world.phone_users.values()),
            sorted((n.id, n.assignee_id, n.site_id) for n in world.numbers.values()),
            sorted((u.id, u.feature_zoom_phone) for u in world.users.values()))


def _check_invariants(world):
    _status, body = call(world, "GET", "/v2/phone/calling_plans")
    for plan in body["calling_plans"]:
        assert plan["assigned"] + plan["available"] == plan["subscribed"], plan
        assert 0 <= plan["assigned"] <= plan["subscribed"], plan
        holders = sum(1 for p in world.phone_users.values() if plan["type"] in p.calling_plans)
        assert holders == plan["assigned"]
    for phone in world.phone_users.values():
        assert len(phone.calling_plans) == len(set(phone.calling_plans))
    extensions = [p.extension_number for p in world.phone_users.values()]
    assert len(extensions) == len(set(extensions))
    shown = []
    for user_id in world.phone_users:
        status, profile = call(world, "GET", "/v2/phone/users/%s" % user_id)
        if status == 200:
            shown += [n["id"] for n in profile["phone_numbers"]]
    assert len(shown) == len(set(shown)), "a number shown on two users"
    _status, listing = call(world, "GET", "/v2/phone/numbers", {"type": "assigned", "page_size": 100})
    for item in listing["phone_numbers"]:
        assert world.numbers[item["id"]].assignee_id == item["assignee"]["id"]


def _seeded_world():
    """make_world() with some plans and numbers already held, so removals and switches succeed too."""
    world = make_world()
    world.phone_users["u0"].calling_plans = [100]
    world.phone_users["u1"].calling_plans = [200, 3000]
    world.phone_users["u2"].calling_plans = [200]
    for number_id, user_id in (("num0", "u0"), ("num1", "u0"), ("num2", "u1"), ("num3", "u2")):
        world.numbers[number_id].assignee_id = user_id
    return world


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(ops, min_size=1, max_size=25), st.booleans())
def test_phone_writes_keep_accounting_consistent(sequence, ignore_duplicates):
    world = _seeded_world()
    world.behaviour.phone_plan_already_assigned = "ignore" if ignore_duplicates else "error"
    for op in sequence:
        before = _snapshot(world)
        status, body = _request(world, op)
        assert status in (201, 204, 400, 404), (op, status, body)
        if status >= 400:
            assert _snapshot(world) == before, ("rejected call changed the world", op, body)
        _check_invariants(world)
        world.clock.advance(1.0)  # batch-added phone users become ready over time (§5.8)
