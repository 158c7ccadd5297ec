"""Fault injection: what can go wrong between a client and Zoom, on a dice roll or on a script.

A `FaultPlan` decides, per request, at most one fault. Script entries are checked first, in order:
an entry fires for matching requests number `after+1` .. `after+times` (counted per entry), so
"the 3rd POST /v2/users loses its answer" is `{match: {method: POST, path: /v2/users}, after: 2,
fault: lost_response}`. Then each probability is rolled with a RNG seeded from `seed`, so a run is
reproducible for the same sequence of requests.

Kinds (the server applies them, see zoomsim.server):
- before the handler: http_429, http_500, http_502, http_503, drop (close without answering),
  slow (sleep `slow_ms` then answer normally), revoke_tokens / expire_tokens (then the bearer
  check fails with 401 code 124, §1.4);
- after the handler: lost_response (the write lands, the answer is lost: connection closed).
"""

import fnmatch
import random
import threading

KINDS = ("http_429", "http_500", "http_502", "http_503", "drop", "slow", "lost_response", "revoke_tokens", "expire_tokens")
PROBABILITY_KINDS = ("http_429", "http_500", "http_502", "http_503", "drop", "slow", "lost_response")
ENTRY_KEYS = {"match", "after", "times", "fault", "seen"}  # seen: to_dict output, ignored
PLAN_KEYS = {"seed", "probability", "slow_ms", "script"}


class FaultPlanError(ValueError):
    """Invalid fault plan."""


class ScriptEntry:
    """One scripted fault: which requests it matches and how many of them it hits."""

    def __init__(self, fault, method=None, path=None, after=0, times=1):
        self.fault = fault
        self.method = method.upper() if method else None
        self.path = path
        self.after = int(after)
        self.times = None if times is None else int(times)  # None: every match after `after`
        self.seen = 0  # matching requests so far

    def matches(self, method, path):
        if self.method and self.method != method.upper():
            return False
        return not self.path or fnmatch.fnmatchcase(path, self.path)

    def hit(self, method, path):
        """Count a matching request and say whether the fault fires for it."""
        if not self.matches(method, path):
            return False
        self.seen += 1
        if self.seen <= self.after:
            return False
        return self.times is None or self.seen <= self.after + self.times

    def to_dict(self):
        match = {k: v for k, v in (("method", self.method), ("path", self.path)) if v}
        return {"match": match, "after": self.after, "times": self.times, "fault": self.fault, "seen": self.seen}


class FaultPlan:
    """Probabilities plus a script; thread-safe, deterministic for a given seed and request order."""

    def __init__(self, probability=None, script=None, slow_ms=2000, seed=1):
        self.probability = {k: float(v) for k, v in (probability or {}).items()}
        self.script = list(script or [])
        self.slow_ms = float(slow_ms)
        self.seed = seed
        self._rng = random.Random(seed)
        self._lock = threading.Lock()

    @classmethod
    def from_dict(cls, data):
        data = data or {}
        if not isinstance(data, dict):
            raise FaultPlanError("expected a mapping")
        unknown = set(data) - PLAN_KEYS
        if unknown:
            raise FaultPlanError("unknown key(s) %s (allowed: %s)" % (", ".join(sorted(unknown)), ", ".join(sorted(PLAN_KEYS))))
        probability = data.get("probability") or {}
        if not isinstance(probability, dict):
            raise FaultPlanError("probability: expected a mapping of fault kind to 0..1")
        for kind, value in probability.items():
            if kind not in PROBABILITY_KINDS:
                raise FaultPlanError("probability: unknown fault %r (one of %s)" % (kind, ", ".join(PROBABILITY_KINDS)))
            if not 0.0 <= float(value) <= 1.0:
                raise FaultPlanError("probability.%s: %r is not within 0..1" % (kind, value))
        script = [cls._entry(i, e) for i, e in enumerate(data.get("script") or [])]
        return cls(probability, script, data.get("slow_ms", 2000), data.get("seed", 1))

    @staticmethod
    def _entry(index, entry):
        where = "script[%d]" % index
        if not isinstance(entry, dict) or set(entry) - ENTRY_KEYS:
            raise FaultPlanError("%s: expected a mapping with keys %s" % (where, ", ".join(sorted(ENTRY_KEYS))))
        if entry.get("fault") not in KINDS:
            raise FaultPlanError("%s: fault %r is not one of %s" % (where, entry.get("fault"), ", ".join(KINDS)))
        match = entry.get("match") or {}
        if not isinstance(match, dict) or set(match) - {"method", "path"}:
            raise FaultPlanError("%s.match: expected {method, path}" % where)
        return ScriptEntry(entry["fault"], match.get("method"), match.get("path"), entry.get("after", 0), entry.get("times", 1))

    def to_dict(self):
        return {"seed": self.seed, "probability": dict(self.probability), "slow_ms": self.slow_ms,
                "script": [e.to_dict() for e in self.script]}

    def decide(self, method, path):
        """The fault for this request, or None. Every script entry counts the request it matches."""
        with self._lock:
            chosen = None
            for entry in self.script:
                if entry.hit(method, path) and chosen is None:
                    chosen = entry.fault
            if chosen is not None:
                return chosen
            for kind in PROBABILITY_KINDS:
                chance = self.probability.get(kind, 0.0)
                if chance and self._rng.random() < chance:
                    return kind
        return None

    @property
    def idle(self):
        """True when the plan can never fire (lets the server skip the lock)."""
        return not self.script and not any(self.probability.values())
