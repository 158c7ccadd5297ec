"""World files: every section loads, mistakes fail loudly, ids are stable, dump round-trips."""

import dataclasses

import pytest
import yaml

from zoomsim.model import Behaviour
from zoomsim.world import WorldError, dump_world, load_world, packaged_worlds, resolve_world_path

DAY = 86400


def test_packaged_worlds_load():
    """worlds/cases.yml and worlds/demo.yml ship with the package and load by bare name."""
    assert {"cases", "demo"} <= set(packaged_worlds())
    for name in ("cases", "demo", "cases.yml"):
        assert load_world(name).users
    assert resolve_world_path("cases").name == "cases.yml"


def test_cases_world_lists_every_behaviour_switch_at_its_default():
    """Issue: cases.yml carries every Behaviour switch, left at its default (docs: docs/SIMULATOR.md)."""
    data = yaml.safe_load(resolve_world_path("cases").read_text(encoding="utf-8"))
    defaults = dataclasses.asdict(Behaviour())
    assert set(data["behaviour"]) == set(defaults), "add/remove switches in worlds/cases.yml behaviour:"
    for name, value in defaults.items():
        assert data["behaviour"][name] == value, name


def test_cases_world_has_every_documented_case():
    """worlds/README.md catalogue: the cases module tests rely on exist with the promised shape."""
    world = load_world("cases")
    by_email = {u.email: u for u in world.users.values()}
    assert by_email["owner@example.com"].is_owner and by_email["breakglass@example.com"].role_id == "1"
    reasons = {u.pending_reason for u in world.users.values() if u.status == "pending"}
    assert reasons == {"invited", "domain_not_associated", "existing_zoom_account"}
    assert {u.status for u in world.users.values()} == {"active", "inactive", "pending"}
    assert {d.state for d in world.dead_invitations.values()} == {"expired", "deleted"}
    assert {e.kind for e in world.external_accounts.values()} == {"personal", "other_business"}
    assert "first+tag@example.com" in by_email and "Mixed.Case@Example.com" in by_email
    assert not world.domain_associated("pat@contractor.example")
    full = world.phone_users[by_email["phone.full@example.com"].id]
    assert (full.extension_number, full.calling_plans) == (1001, [200])
    plan_101 = world.calling_plans[101]
    assert world.plan_assigned_count(101) == plan_101.subscribed  # no free seat
    free = [n for n in world.numbers.values() if n.assignee_id is None]
    assert {world.sites[n.site_id].name for n in free if n.site_id} == {"Main Site", "London"}
    assert any(n.site_id is None for n in free)


def test_every_section_loads(core_world):
    """account, credentials, users (all fields), dead invitations, externals, phone, rate limits, latency, faults, behaviour."""
    world = load_world(core_world(
        account={"plan": "Enterprise", "phone_licenses": 7},
        users=[
            {"email": "boss@example.com", "role": "owner", "type": 2, "login": ["sso", "email"]},
            {"email": "admin@example.com", "role": "admin", "department": "IT", "job_title": "Admin", "cost_center": "C1",
             "employee_number": 42, "organization": "Org", "manager": "boss@example.com", "external_id": "ext-1",
             "timezone": "Europe/London", "language": "fr-FR", "phone_number": "+441234", "meetings": 2, "recordings": 1,
             "created_days_ago": 10, "last_login_days_ago": 1},
            {"email": "gone@example.com", "status": "inactive"},
            {"email": "wait@other.example", "status": "pending", "pending_reason": "domain_not_associated", "invited_days_ago": 4},
            {"email": "ph@example.com", "phone": {"site": "Main Site", "calling_plans": [200], "numbers": ["+14155550102"]}},
        ],
        dead_invitations=[{"email": "old@example.com", "state": "deleted"}],
        external_accounts=[{"email": "me@gmail.example"}],
        rate_limits={"enabled": True, "tier": "pro", "overrides": {"Light": 3}},
        latency={"ms": 25, "jitter_ms": 5},
        faults={"seed": 9, "probability": {"http_503": 0.5}, "script": [{"match": {"path": "/v2/*"}, "fault": "drop"}]},
        behaviour={"scim_pending_status": 404, "token_lifetime": 60},
    ))
    assert world.account.plan == "business" and world.account.phone_licenses == 7
    admin = world.user_by_email("admin@example.com")
    assert (admin.role_id, admin.dept, admin.employee_number, admin.manager, admin.language) == ("1", "IT", "42", "boss@example.com", "fr-FR")
    assert admin.created_at == pytest.approx(world.clock.now() - 10 * DAY)
    assert world.user_by_email("boss@example.com").login_types == [101, 100]
    assert world.account.owner_email == "boss@example.com"
    wait = world.user_by_email("wait@other.example")
    assert wait.holder_account and wait.invite_expires_at == pytest.approx(world.clock.now() + 26 * DAY)
    phone = world.phone_users[world.user_by_email("ph@example.com").id]
    assert phone.extension_number == 1000 and world.phone_user(world.user_by_email("ph@example.com")) is phone  # ready at t=0
    assert [n.number for n in world.numbers_of(phone.user_id)] == ["+14155550102"]
    assert world.dead_invitations["old@example.com"].state == "deleted"
    assert world.external_accounts["me@gmail.example"].kind == "personal"
    assert world.rate_limits["tier"] == "pro" and world.latency_ms == 25 and world.latency_jitter_ms == 5
    assert world.faults.seed == 9 and world.faults.script[0].fault == "drop"
    assert world.behaviour.scim_pending_status == 404 and world.behaviour.token_lifetime == 60
    assert [c.client_id for c in world.credentials] == ["core-id", "other-id"]


def test_defaults_for_an_almost_empty_world():
    """A world needs almost nothing: default credential, plan, clock."""
    world = load_world({})
    assert world.credentials[0].client_id == "zoomsim-client-id" and world.account.plan == "business"
    assert not world.users


def test_ids_are_deterministic_and_given_ids_are_kept(core_world):
    """Ids come from the seed: equal across loads (so a reset keeps them), different for another seed."""
    first, second = load_world(core_world()), load_world(core_world())
    assert sorted(first.users) == sorted(second.users) and sorted(first.numbers) == sorted(second.numbers)
    assert all(len(i) == 22 for i in first.users)
    assert sorted(load_world(core_world(seed="other")).users) != sorted(first.users)
    users = core_world()["users"]
    users[0]["id"] = "fixedid000000000000001"
    assert "fixedid000000000000001" in load_world(core_world(users=users)).users


def test_phone_user_ready_later(core_world):
    """§5.8: a phone block with ready_in_seconds is invisible until then."""
    users = core_world()["users"]
    users[1]["phone"]["ready_in_seconds"] = 30
    world = load_world(core_world(users=users))
    ann = world.user_by_email("ann@example.com")
    assert world.phone_user(ann) is None
    world.clock.advance(31)
    assert world.phone_user(ann) is not None


@pytest.mark.parametrize("change,words", [
    ({"colour": "red"}, "colour"),
    ({"users": [{"email": "a@example.com", "favourite": 1}]}, "favourite"),
    ({"users": [{"email": "not-an-email"}]}, "not an email"),
    ({"users": [{"email": "a@example.com"}, {"email": "A@Example.com"}]}, "duplicate email"),
    ({"users": [{"email": "a@example.com", "role": "owner"}, {"email": "b@example.com", "role": "owner"}]}, "more than one owner"),
    ({"users": [{"email": "a@example.com", "status": "sleeping"}]}, "status"),
    ({"users": [{"email": "a@example.com", "pending_reason": "invited"}]}, "need status: pending"),
    ({"users": [{"email": "a@example.com", "status": "pending", "phone": {}}]}, "pending users have no phone"),
    ({"users": [{"email": "a@example.com", "manager": "ghost@example.com"}]}, "manager"),
    ({"users": [{"email": "a@example.com", "phone": {"site": "Mars"}}]}, "unknown site"),
    ({"users": [{"email": "a@example.com", "phone": {"calling_plans": [999]}}]}, "calling plan 999"),
    ({"users": [{"email": "a@example.com", "phone": {"extension": 1001}},
                {"email": "b@example.com", "phone": {"extension": 1001}}]}, "already taken"),
    ({"users": [{"email": "a@example.com", "phone": {"numbers": ["+14155550101"]}},
                {"email": "b@example.com", "phone": {"numbers": ["+14155550101"]}}]}, "already assigned"),
    ({"account": {"plan": "platinum"}}, "account.plan"),
    ({"behaviour": {"no_such": 1}}, "no_such"),
    ({"faults": {"probability": {"boom": 1}}}, "faults"),
    ({"phone": {"numbers": ["0800"]}}, "E.164"),
])
def test_mistakes_fail_loudly(core_world, change, words):
    """A typo in a world file is an error naming the place, not a silently different test."""
    data = core_world(**{k: v for k, v in change.items() if k != "account"})
    if "account" in change:
        data["account"].update(change["account"])
    if "users" in change:
        data["phone"]["numbers"] = []
    with pytest.raises(WorldError, match=words):
        load_world(data)


def test_plan_seats_cannot_be_oversubscribed(core_world):
    data = core_world()
    data["phone"]["calling_plans"][0]["subscribed"] = 0
    with pytest.raises(WorldError, match="subscribed"):
        load_world(data)


def test_sources_path_text_and_dict(tmp_path, core_world):
    """load_world takes a path, YAML text or a dict."""
    path = tmp_path / "w.yml"
    path.write_text(yaml.safe_dump(core_world()), encoding="utf-8")
    for source in (path, str(path), yaml.safe_dump(core_world()), core_world()):
        assert load_world(source).account.id == "core-account"
    with pytest.raises(WorldError, match="not found"):
        load_world("no-such-world")


def test_dump_round_trips():
    """dump_world(load_world(x)) loads again into the same state (secrets aside)."""
    world = load_world("cases")
    world.clock.freeze()  # times are dumped relative to now
    dumped = dump_world(world, mask_secrets=False)
    again = load_world(dumped)
    assert dump_world(again, mask_secrets=False)["users"] == dumped["users"]
    assert {n.number: n.assignee_id for n in again.numbers.values()} == {n.number: n.assignee_id for n in world.numbers.values()}
    assert dump_world(world)["credentials"][0]["client_secret"] == "********"


def test_invited_pending_users_default_to_an_email_login():
    """An `action=create` invitation is an email login (as POST /users makes it, §2.3); ssoCreate leftovers are SSO."""
    world = load_world("cases")
    by_email = {u.email: u for u in world.users.values()}
    assert by_email["pending.invited@example.com"].login_types == [100]
    assert by_email["pending.personal@example.com"].login_types == [101]
    assert by_email["pat@contractor.example"].login_types == [101]
