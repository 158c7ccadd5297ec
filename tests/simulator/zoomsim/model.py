"""The simulator's state: one Zoom account as Zoom's APIs expose it.

Everything mutable lives in a `World`; handlers run under `World.lock` (taken by the server), so
they never lock themselves. Times are simulated seconds from `World.clock` (real time plus an
offset that the control API can advance), never `time.time()` directly.
"""

import itertools
import secrets
import string
import threading
import time
from dataclasses import dataclass, field
from typing import Dict, List, Optional


def _random_id(length=22):
    alphabet = string.ascii_letters + string.digits + "-_"
    return "".join(secrets.choice(alphabet) for _index in range(length))


class Clock:
    """Monotonic simulated clock: real elapsed time plus an offset moved by the control API."""

    def __init__(self, start=1767225600.0, frozen=False):  # 2026-01-01T00:00:00Z
        self._start_real = time.monotonic()
        self._start = start
        self.offset = 0.0
        self.frozen = frozen  # frozen: only advance() moves time (deterministic tests)

    def now(self):
        if self.frozen:
            return self._start + self.offset
        return self._start + (time.monotonic() - self._start_real) + self.offset

    def freeze(self, frozen=True):
        """Stop (or restart) the real-time part without jumping: now() stays where it is."""
        current = self.now()
        self.frozen = frozen
        self._start_real = time.monotonic()
        self._start = current - self.offset

    def advance(self, seconds):
        self.offset += float(seconds)


@dataclass
class Account:
    id: str = "demo-account"
    plan: str = "business"  # free | pro | business  (rate-limit tier and create caps)
    owner_email: str = "owner@example.com"
    sso_enabled: bool = True
    sso_preprovisioning: bool = True
    associated_domains: List[str] = field(default_factory=list)  # approved for ssoCreate (KB0062383)
    managed_domains: List[str] = field(default_factory=list)  # Accounts API managed_domains (verified)
    vanity_url: str = "example.zoom.us"
    phone_enabled: bool = True
    phone_licenses: int = 1000  # seats for feature.zoom_phone; 0 -> 404 code 1102
    # Meeting licences (§2.3, §2.7, §2.8 codes 2033/2034/3412): users of type 2 / type 1 the account may
    # hold, pending invitees included; None = no limit.
    paid_seats: Optional[int] = None
    basic_seats: Optional[int] = None


@dataclass
class Credential:
    client_id: str
    client_secret: str
    account_id: str


@dataclass
class Token:
    value: str
    client_id: str
    account_id: str
    expires_at: float
    revoked: bool = False


@dataclass
class User:
    """A user of the account (any status), or a pending invitee.

    `holder_account` is the id of the account that really holds the record: for a pending work-email
    invitation Zoom parks the user in a throw-away account with a random id until they accept
    (docs/ZOOM-API-FACTS.md §4.4); `None` means this account.
    """

    id: str
    email: str
    first_name: str = ""
    last_name: str = ""
    display_name: str = ""
    type: int = 1  # 1 Basic, 2 Licensed, 4 Unassigned, 99 None
    status: str = "active"  # active | inactive | pending
    role_id: str = "2"  # "0" owner, "1" admin, "2" member
    dept: str = ""
    job_title: str = ""
    timezone: str = ""
    language: str = "en-US"
    phone_number: str = ""
    # SCIM enterprise extension
    cost_center: str = ""
    employee_number: str = ""
    organization: str = ""
    manager: str = ""  # manager's email
    external_id: str = ""
    login_types: List[int] = field(default_factory=lambda: [101])  # 101 SSO, 100 work email
    created_at: float = 0.0
    modified_at: float = 0.0  # last change (SCIM meta.lastModified); 0 -> created_at
    last_login_time: Optional[float] = None
    feature_zoom_phone: bool = False
    pending_reason: Optional[str] = None  # invited | domain_not_associated | existing_zoom_account
    invite_expires_at: Optional[float] = None
    holder_account: Optional[str] = None
    # data a destructive delete would lose (for transfer checks and the request log)
    meetings: int = 0
    recordings: int = 0
    webinars: int = 0
    whiteboards: int = 0

    @property
    def is_owner(self):
        return self.role_id == "0"

    @property
    def is_admin(self):
        return self.role_id in ("0", "1")


@dataclass
class DeadInvitation:
    """An email whose invitation expired or was deleted: SCIM still answers 400 for it (§4.4)."""

    email: str
    state: str  # expired | deleted
    holder_account: str = field(default_factory=_random_id)


@dataclass
class ExternalAccount:
    """An email held by a Zoom account outside this one (personal sign-up or another company)."""

    email: str
    kind: str = "personal"  # personal | other_business


@dataclass
class Site:
    id: str
    name: str
    site_code: str = ""
    main: bool = False


@dataclass
class CallingPlan:
    type: int
    name: str
    subscribed: int
    billing_account_id: str = ""


@dataclass
class PhoneNumber:
    id: str
    number: str  # E.164
    site_id: Optional[str] = None
    assignee_id: Optional[str] = None  # phone user's user id
    number_type: str = "toll"
    source: str = "internal"
    status: str = "available"


@dataclass
class PhoneUser:
    """The Zoom Phone side of a user; exists (is readable) from `ready_at` on (§5.8)."""

    user_id: str
    phone_user_id: str
    extension_id: str
    extension_number: Optional[int]
    site_id: str
    ready_at: float = 0.0
    calling_plans: List[int] = field(default_factory=list)  # plan types, in assignment order
    status: str = "activate"


@dataclass
class Behaviour:  # pylint: disable=too-many-instance-attributes
    """Switches for Zoom behaviours docs/ZOOM-API-FACTS.md marks inferred, reported or conflicting, and for
    account conditions that make Zoom refuse (documented in docs/SIMULATOR.md and the endpoint documents).
    `zoomsim.testing.PLAUSIBLE_SETTINGS` lists every plausible value of the uncertain ones."""

    scim_pending_status: int = 400  # users see 400 (DF-7646); staff said 404
    users_page_size_max: int = 300  # spec says 2000, pagination guide 300 (§2.4)
    phone_provisioning_delay: float = 3.0  # seconds before a phone user appears (§5.8, inferred)
    phone_list_duplicates: bool = True  # GET /phone/users repeats a row across pages (§5.6, reported)
    empty_success_without_content_type: bool = True  # (§2.1, reported)
    duplicate_email_message: str = "User already in the account: {email}"  # 1005 text seen (§2.3)
    token_invalidates_previous: bool = False  # §1.2: current docs say several tokens are valid
    token_max_live: Optional[int] = None
    token_lifetime: int = 3600
    invitation_lifetime_days: int = 30
    validate_requests: bool = True  # check every request against Zoom's raw OpenAPI spec
    user_status_success_code: int = 204  # spec: 200 without body; not established (§2.8)
    # server-level switches (zoomsim.server / auth / ratelimit / validation)
    validate_responses: bool = False  # answer 500 when a handler's answer breaks Zoom's spec (tests)
    reject_unknown_fields: bool = False  # 300 for body/query fields the spec does not define (not established)
    method_mismatch_status: int = 404  # known path, wrong method: 404 code 2300 (inferred, §2.1)
    oauth_bad_account_status: int = 400  # token call with a foreign account_id (not established, §1.3)
    qps_retry_after: bool = False  # per-second 429 also carries Retry-After (ZPLUG: only X-RateLimit-Reset, §6.3)
    ratelimit_reset_format: str = "seconds"  # X-RateLimit-Reset as seconds to wait | epoch (not established, §6.3)
    # phone user setup, inferred (§5.3, §5.4, §5.7; docs/simulator-phone.md)
    phone_invalid_plan_error: str = "unknown_plan"  # unknown_plan: 400/404 rooms text | invalid_field: 400/300
    phone_no_seat_code: int = 400  # no calling-plan seat left: not established (§5.7)
    phone_no_seat_message: str = "No available licenses for calling plan: {name}."
    phone_plan_already_assigned: str = "error"  # error: 400/300 | ignore: success, no change
    phone_extension_digits: List[int] = field(default_factory=lambda: [2, 6])  # short extension min/max
    phone_reserved_extensions: List[str] = field(default_factory=lambda: ["911", "933", "988", "999", "112"])
    phone_move_site_keeps_numbers: bool = True  # False: moving site unassigns the user's numbers
    # GET /users/{email} for an email held by ANOTHER Zoom account (personal or other company):
    # 1010 "User not belong to this account" as reported (§2.5, C# client comment), or 1001 like unknown.
    external_email_lookup_code: int = 1010
    # ... and for an email Zoom has never seen: 1001 (documented) or 1010 like every email outside the
    # account (§2.5: the 2019 report does not say which emails it concerned).
    unknown_email_lookup_code: int = 1001
    # page_size (SCIM: count) above an endpoint's maximum: "clamp" serves the maximum | "refuse" answers
    # 400 code 300 (SCIM: a 400 error); not established (§2.4, §5.6, §4.3).
    page_size_over_max: str = "clamp"
    # GET /phone/users/{id} answers 404 once right after its first 200 (§5.8: FOLIO waits for five
    # successful reads in a row, inferred from that).
    phone_user_vanishes_once: bool = False
    # --- account conditions under which Zoom refuses (tests of the modules' messages) ---
    # Scopes of the app (classic or granular names); None = every scope. A call whose operation accepts
    # none of them -> 400 code 4711 naming the scope (§1.4 reported, §1.5 documented scopes).
    app_scopes: Optional[List[str]] = None
    rest_api_disabled: bool = False  # every REST call -> 403 (§2.1 documented text)
    # Seat limits (Account.paid_seats / basic_seats): "specific" answers 2034 (paid) / 2033 (basic);
    # "3412" answers code 3412 with its texts (§2.3: all documented, which one comes when is not).
    seat_limit_error: str = "specific"
    # DELETE /users/{id} answers 429 "Too many concurrent requests..." once per user (§2.9, §6.3):
    # "off" | "once" (user still there, a retry works) | "once_removed" (the other request removed it).
    removal_concurrent_429: str = "off"
    # Per-user lock after POST /users (§6.3, §7: Zoom-authored secondary source): requests on the new
    # user (GET/PATCH/PUT/DELETE /users/{id}...) within this many seconds answer 429. 0 = off.
    user_create_lock_seconds: float = 0.0
    # --- Users/SCIM switches (docs/simulator-users-scim.md) ---
    # DELETE /users?action=disassociate of a user whose domain the account manages -> 400 code 1107
    # (§2.9 documented text, reported trigger PSZoom #23). On by default: that is what real Zoom answers
    # for the typical corporate user, so the modules must handle it; off only to model an account without it.
    managed_domain_blocks_disassociate: bool = True
    # A disassociated user keeps a personal Zoom account (§2.9 documented); on: the email becomes an
    # ExternalAccount(kind="personal"), so a later ssoCreate ends pending (§3 case 2).
    disassociate_leaves_personal_account: bool = False
    # SCIM POST /Users for an email stuck as pending invitee / dead invitation (§4.4, inferred):
    # "conflict" -> 400 'The email "{email}" is already in use.'; "allow" -> creates the user.
    scim_create_on_stuck_email: str = "conflict"
    # SCIM DELETE /Users/{id}: "disassociate" (least destructive) | "delete"; not established (§4.6).
    scim_delete_action: str = "disassociate"


@dataclass
class LogEntry:
    seq: int
    time: float
    method: str
    path: str
    query: str
    status: int
    operation: str
    label: str
    family: str
    write: bool
    fault: Optional[str] = None
    detail: Optional[str] = None  # why the simulator refused the request before its handler ran

    def to_dict(self):
        return {
            "seq": self.seq, "time": self.time, "method": self.method, "path": self.path,
            "query": self.query, "status": self.status, "operation": self.operation,
            "label": self.label, "family": self.family, "write": self.write, "fault": self.fault,
            "detail": self.detail,
        }


class UserTable(dict):
    """id -> User, with an index by case-folded email kept in step with every insert and delete.

    A lookup by email happens on every create and every request by email; scanning all users each time
    makes a 10,000-user world quadratic. An email changed in place must go through `rename`.
    """

    def __init__(self, *args, **kwargs):
        super().__init__()
        self._by_email: Dict[str, str] = {}
        for key, value in dict(*args, **kwargs).items():
            self[key] = value

    def __setitem__(self, key, user):
        old = self.get(key)
        if old is not None:
            self._by_email.pop(old.email.casefold(), None)
        super().__setitem__(key, user)
        self._by_email[user.email.casefold()] = key

    def __delitem__(self, key):
        user = self[key]
        super().__delitem__(key)
        if self._by_email.get(user.email.casefold()) == key:
            del self._by_email[user.email.casefold()]

    def pop(self, key, *default):
        if key in self:
            user = self[key]
            del self[key]
            return user
        return super().pop(key, *default)

    def by_email(self, email):
        user = self.get(self._by_email.get((email or "").casefold()))
        if user is not None and user.email.casefold() == (email or "").casefold():
            return user
        return None

    def rename(self, user, email):
        """Change `user.email` and its index entry."""
        if self._by_email.get(user.email.casefold()) == user.id:
            del self._by_email[user.email.casefold()]
        user.email = email
        self._by_email[email.casefold()] = user.id


class World:
    """All mutable state. Built by `zoomsim.world.load_world()` from a world file."""

    def __init__(self):
        self.lock = threading.RLock()
        self.clock = Clock()
        self.account = Account()
        self.behaviour = Behaviour()
        self.credentials: List[Credential] = []
        self.tokens: Dict[str, Token] = {}
        self.users: UserTable = UserTable()  # id -> user of this account (incl. pending invitees)
        self.dead_invitations: Dict[str, DeadInvitation] = {}  # casefolded email -> record
        self.external_accounts: Dict[str, ExternalAccount] = {}  # casefolded email -> record
        self.sites: Dict[str, Site] = {}
        self.calling_plans: Dict[int, CallingPlan] = {}
        self.numbers: Dict[str, PhoneNumber] = {}  # id -> number
        self.phone_users: Dict[str, PhoneUser] = {}  # user id -> phone user
        self.rate_limits_enabled = True
        self.latency_ms = 0.0
        self.latency_jitter_ms = 0.0
        self.faults = None  # zoomsim.faults.FaultPlan, set by the loader
        self.log: List[LogEntry] = []
        self._seq = itertools.count(1)
        self.page_tokens: Dict[str, dict] = {}  # next_page_token -> {"offset", "key", "expires_at"}
        self.deleted_log: List[dict] = []  # one entry per removed user: what was transferred / not (users.py)
        self.create_locks: Dict[str, float] = {}  # user id -> end of its per-user lock after POST /users
        self.removal_refused: set = set()  # user ids whose first DELETE answered the concurrent-request 429
        self.phone_reads: Dict[str, int] = {}  # user id -> successful GET /phone/users/{id} (vanish-once switch)
        # server-side state (zoomsim.server / ratelimit); carried over by a reset where noted there
        self.rate_limits: dict = {}  # world file `rate_limits` section (tier, overrides, ...)
        self.rate_state = None  # zoomsim.ratelimit.RateState
        self.counters: dict = {}  # request counters (GET /_sim/counters)
        self.source: Optional[dict] = None  # the parsed world file this world was built from
        self.last_seq = 0  # seq of the last logged request
        self.invitations_checked_at: Optional[float] = None  # expire_invitations() runs once per simulated second

    # ---- ids -----------------------------------------------------------------------------
    @staticmethod
    def new_id(length=22):
        return _random_id(length)

    def next_seq(self):
        self.last_seq = next(self._seq)
        return self.last_seq

    def carry_observations(self, previous):
        """Keep `previous`'s request log, sequence and counters: a reset or a new world is not a new run."""
        self.log = previous.log
        self._seq = previous._seq  # pylint: disable=protected-access
        self.last_seq = previous.last_seq
        self.counters = previous.counters

    # ---- users ---------------------------------------------------------------------------
    def user_by_email(self, email):
        return self.users.by_email(email)

    def user_by_id_or_email(self, user_id):
        if user_id in self.users:
            return self.users[user_id]
        if "@" in (user_id or ""):
            return self.user_by_email(user_id)
        return None

    def domain_of(self, email):
        return email.rsplit("@", 1)[-1].casefold()

    def domain_associated(self, email):
        return self.domain_of(email) in {d.casefold() for d in self.account.associated_domains}

    def expire_invitations(self):
        """Move pending invitations whose 30 days are over to dead invitations (§2.11)."""
        now = self.clock.now()
        for user in list(self.users.values()):
            if user.status == "pending" and user.invite_expires_at is not None and user.invite_expires_at <= now:
                del self.users[user.id]
                self.dead_invitations[user.email.casefold()] = DeadInvitation(user.email, "expired", user.holder_account or _random_id())

    # ---- phone ---------------------------------------------------------------------------
    def phone_user(self, user):
        """The phone user of `user` if it exists and has finished provisioning, else None."""
        phone = self.phone_users.get(user.id)
        if phone is None or phone.ready_at > self.clock.now():
            return None
        return phone

    def plan_assigned_count(self, plan_type):
        return sum(1 for p in self.phone_users.values() if plan_type in p.calling_plans)

    def extension_owner(self, extension_number):
        for phone in self.phone_users.values():
            if phone.extension_number == extension_number:
                return phone
        return None

    def numbers_of(self, user_id):
        return [n for n in self.numbers.values() if n.assignee_id == user_id]
