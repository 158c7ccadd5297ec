"""World.users keeps an index by email in step with inserts, deletes and renames (lookups by email are O(1)).

Every create and every request by email looks a user up by email; a scan per lookup made a 10,000-user
world quadratic to load and to provision. The index must never answer differently from a scan.
"""

from hypothesis import given, settings
from hypothesis import strategies as st

from zoomsim.model import User, UserTable, World


def scan(table, email):
    return next((u for u in table.values() if u.email.casefold() == email.casefold()), None)


def test_lookup_is_case_insensitive_and_follows_deletes_and_renames():
    world = World()
    world.users["a"] = User("a", "Ann@Example.com")
    world.users["b"] = User("b", "bob@example.com")
    assert world.user_by_email("ann@EXAMPLE.com").id == "a"
    del world.users["a"]
    assert world.user_by_email("ann@example.com") is None
    world.users.rename(world.users["b"], "robert@example.com")
    assert world.user_by_email("bob@example.com") is None
    assert world.user_by_email("Robert@example.com").id == "b"
    assert world.users.pop("b").email == "robert@example.com"
    assert world.user_by_email("robert@example.com") is None and not world.users
    assert world.users.pop("missing", None) is None


def test_replacing_a_user_under_the_same_id_reindexes():
    table = UserTable({"a": User("a", "one@example.com")})
    table["a"] = User("a", "two@example.com")
    assert table.by_email("one@example.com") is None
    assert table.by_email("two@example.com").id == "a"


def test_an_email_changed_without_rename_is_not_returned_for_the_old_email():
    table = UserTable()
    user = User("a", "old@example.com")
    table["a"] = user
    user.email = "new@example.com"  # bypasses rename: the stale entry must not answer
    assert table.by_email("old@example.com") is None


OPS = st.lists(st.tuples(st.sampled_from(["put", "del", "rename"]), st.integers(0, 5), st.integers(0, 5)), max_size=40)


@settings(max_examples=150, deadline=None)
@given(OPS)
def test_index_agrees_with_a_scan(ops):
    table = UserTable()
    for op, uid, mail in ops:
        key, email = "id%d" % uid, "u%d@example.com" % mail
        holder = scan(table, email)
        if op == "put" and (holder is None or holder.id == key):
            table[key] = User(key, email.upper() if mail % 2 else email)
        elif op == "del" and key in table:
            del table[key]
        elif op == "rename" and key in table and holder is None:
            table.rename(table[key], email)
        for probe in range(6):
            address = "u%d@example.com" % probe
            assert table.by_email(address) is scan(table, address)
