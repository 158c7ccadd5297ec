"""Shared fixtures of the simulator's own tests.

The `zoomsim` fixture itself comes from the installed pytest plugin (zoomsim.testing). Here every
simulator started by these tests also checks its own answers against Zoom's raw specs
(ZOOMSIM_VALIDATE_RESPONSES=1): an answer that breaks the spec becomes a 500 naming the problem.
"""

import copy
import os

import pytest

os.environ.setdefault("ZOOMSIM_VALIDATE_RESPONSES", "1")

from zoomsim import routing  # noqa: E402  pylint: disable=wrong-import-position

# A small world for the core tests: a frozen clock (time moves only with /_sim/clock/advance), so
# rate-limit windows and expiries are deterministic.
CORE_WORLD = {
    "seed": "core-tests",
    "clock": {"start": "2026-02-02T10:00:00Z", "frozen": True},
    "account": {"id": "core-account", "plan": "business", "owner_email": "owner@example.com",
                "associated_domains": ["example.com"], "managed_domains": ["example.com"]},
    "credentials": [{"client_id": "core-id", "client_secret": "core-secret", "account_id": "core-account"},
                    {"client_id": "other-id", "client_secret": "other-secret", "account_id": "other-account"}],
    "users": [
        {"email": "owner@example.com", "first_name": "Olive", "last_name": "Owner", "role": "owner", "type": 2},
        {"email": "ann@example.com", "first_name": "Ann", "last_name": "Lee", "type": 2, "department": "Sales",
         "phone": {"extension": 1001, "calling_plans": [200], "numbers": ["+14155550101"]}},
        {"email": "pat@example.com", "status": "pending", "invited_days_ago": 3},
    ],
    "phone": {"sites": [{"name": "Main Site", "main": True}],
              "calling_plans": [{"type": 200, "name": "US/CA Unlimited Calling Plan", "subscribed": 5}],
              "numbers": ["+14155550101", "+14155550102"]},
}


def core_world(**sections):
    """CORE_WORLD with top-level sections replaced (dicts for account/behaviour/clock are merged)."""
    data = copy.deepcopy(CORE_WORLD)
    for key, value in sections.items():
        if key in ("account", "behaviour", "clock") and isinstance(value, dict):
            data.setdefault(key, {}).update(value)
        else:
            data[key] = value
    return data


@pytest.fixture(name="core_world")
def core_world_fixture():
    """Build variants of the core world: core_world(rate_limits={...})."""
    return core_world


@pytest.fixture(name="test_routes")
def test_routes_fixture():
    """Register throw-away routes for one test: test_routes(method, path, handler, **route_kwargs)."""
    added = []

    def register(method, template, handler, operation="zoomsimTest", **kwargs):
        before = len(routing.ROUTES)
        routing.route(method, template, operation=operation, **kwargs)(handler)
        added.extend(routing.ROUTES[before:])
        return handler

    yield register
    for item in added:
        routing.ROUTES.remove(item)
