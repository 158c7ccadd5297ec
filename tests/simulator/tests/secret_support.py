"""Tokens in test code without showing them in test reports (no tests here).

pytest's assertion rewriting prints the arguments of every call inside a failing `assert` with
repr(): `assert sim.call("GET", path, token=token).status_code == 200` would print the whole bearer
token. Wrap a token with `secret()` as soon as a test gets it: a `Secret` is a `str` (headers,
comparisons and `in` work unchanged) whose repr is masked.

Keep `Secret` values out of pytest's own `x in text` / `x not in text` explanations too (they print
`text` around the match): compute the result first (`leaked = token in text`) and assert on that.
"""


class Secret(str):
    """A str whose repr shows only its length. str(), formatting and concatenation give the value."""

    __slots__ = ()

    def __repr__(self):
        return "<secret: %d characters>" % len(self)


def secret(value):
    """`value` as a Secret (None stays None)."""
    return None if value is None else Secret(value)
