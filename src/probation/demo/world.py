"""Shared pieces of the demo world: its context, the records steps pass along, small helpers.

See :mod:`probation.demo.builder` for how the steps fit together.
"""

from __future__ import annotations

import bisect
import datetime as dt
import random
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from probation.contracts.models import ContractArea
from probation.courts.models import CourtEvent, Sentence
from probation.demo import data
from probation.people.models import AccessKind, Case, Person
from probation.workforce.models import Division, Organisation, Role, RoleCode, User

DEFAULT_PEOPLE = 3000
DEFAULT_SEED = 2014
CHUNK_SIZE = 5000
BATCH_SIZE = 2000
# About one practitioner per 40 cases (docs/domain/workload.md: a full-time caseload).
CASES_PER_PRACTITIONER = 40
TEAM_SIZE = 8
CLOSED_RATE = 0.10
UNALLOCATED_RATE = 0.08
NO_FIXED_ABODE_RATE = 0.04
ALIAS_RATE = 0.10
FEMALE_RATE = 0.15
REMAND_RATE = 0.3  # custodial sentences with days on remand
# The CRCs' share of the caseload, for sizing their staff; the sift gives the rest to the NPS.
CRC_SHARE = 0.68

_DAYS_PER_MONTH = 30.44


# --- Demo sign-ins ----------------------------------------------------------------------------


@dataclass(frozen=True)
class SignInSpec:
    username: str
    role: str
    organisation: str
    first_name: str
    last_name: str
    grade: str
    description: str


DEMO_SIGNINS: tuple[SignInSpec, ...] = (
    SignInSpec(
        "practitioner", RoleCode.PRACTITIONER, "CRC-C08", "Sam", "Okoro", "PO",
        "Merseyside CRC probation officer with a caseload",
    ),
    SignInSpec(
        "nps.practitioner", RoleCode.PRACTITIONER, "NPS", "Rhiannon", "Pritchard", "PO",
        "NPS probation officer (North West) with a caseload",
    ),
    SignInSpec(
        "manager", RoleCode.ALLOCATING_MANAGER, "CRC-C08", "Joanne", "Whittaker", "SPO",
        "Merseyside CRC senior probation officer who allocates cases",
    ),
    SignInSpec(
        "nps.manager", RoleCode.ALLOCATING_MANAGER, "NPS", "Owen", "Gallagher", "SPO",
        "NPS senior probation officer (North West) who allocates and reviews escalations",
    ),
    SignInSpec(
        "court.officer", RoleCode.COURT_OFFICER, "NPS", "Imran", "Hussain", "PSO",
        "NPS court officer at Liverpool",
    ),
    SignInSpec(
        "enforcement.officer", RoleCode.ENFORCEMENT_OFFICER, "NPS", "Gareth", "Rees", "PO",
        "NPS enforcement officer (North West)",
    ),
    SignInSpec(
        "monitoring.operator", RoleCode.MONITORING_OPERATOR, "EMS", "Agnieszka", "Nowak", "",
        "Electronic monitoring operator",
    ),
    SignInSpec(
        "contract.manager", RoleCode.CONTRACT_MANAGER, "MOJ", "Helen", "Fraser", "",
        "Ministry of Justice contract manager",
    ),
    SignInSpec(
        "auditor", RoleCode.AUDITOR, "MOJ", "Kwame", "Mensah", "",
        "Ministry of Justice auditor (read-only)",
    ),
    SignInSpec(
        "admin", RoleCode.ADMINISTRATOR, "NPS", "Alex", "Morgan", "",
        "Administrator (Django admin)",
    ),
)  # fmt: skip
DEMO_USERNAMES = tuple(spec.username for spec in DEMO_SIGNINS)


# --- Context ----------------------------------------------------------------------------------


class Pool:
    """Users to pick from, weighted (by available hours, so part-timers get fewer cases)."""

    def __init__(self) -> None:
        self.ids: list[int] = []
        self._cumulative: list[float] = []

    def add(self, user_id: int, weight: float) -> None:
        total = self._cumulative[-1] if self._cumulative else 0.0
        self.ids.append(user_id)
        self._cumulative.append(total + max(weight, 0.1))

    def __len__(self) -> int:
        return len(self.ids)

    def pick(self, rng: random.Random) -> int:
        at = rng.random() * self._cumulative[-1]
        return self.ids[min(bisect.bisect_right(self._cumulative, at), len(self.ids) - 1)]


@dataclass
class Reference:
    """Reference data loaded by migrations, read once."""

    areas: dict[str, ContractArea]
    organisations: dict[str, Organisation]
    divisions: dict[str, Division]
    roles: dict[str, Role]
    magistrates: dict[str, list[int]]
    crown: dict[str, list[int]]
    offences: dict[str, list[tuple[int, str]]]


@dataclass
class Staff:
    """The staff the cases are assigned to, by pool, and the demo sign-ins."""

    crc: dict[str, Pool] = field(default_factory=dict)  # area code → CRC practitioners
    crc_qualified: dict[str, Pool] = field(default_factory=dict)  # area code → PO and PQiP
    nps: dict[str, Pool] = field(default_factory=dict)  # division name → NPS practitioners
    # POs only: the cases a PSO or PQiP may not hold (docs/domain/allocation.md, role boundaries).
    crc_po: dict[str, Pool] = field(default_factory=dict)  # area code → CRC POs
    nps_po: dict[str, Pool] = field(default_factory=dict)  # division name → NPS POs
    court: dict[str, Pool] = field(default_factory=dict)  # area code → NPS court officers
    manager_of: dict[int, int] = field(default_factory=dict)  # practitioner id → team's SPO id
    demo: dict[str, User] = field(default_factory=dict)
    count: int = 0


@dataclass
class Plan:
    """Where each person lives (contract area code by index) and the few people with a role in the
    demonstration (the demo practitioners' caseloads, cases with access lists)."""

    areas: list[str]
    tags: dict[int, str]
    quota: dict[str, int]


# Tags that give a person a part in the demonstration.
CRC_CASELOAD = "crc_caseload"  # on the demo practitioner's caseload
CRC_UNALLOCATED = "crc_unallocated"  # waiting for the demo manager to allocate
CRC_EXCLUDED = "crc_excluded"  # a Merseyside case the demo practitioner is excluded from
CRC_RESTRICTED = "crc_restricted"  # restricted to its officer and the demo manager
NPS_CASELOAD = "nps_caseload"
NPS_RESTRICTED = "nps_restricted"
CRC_TAGS = frozenset({CRC_CASELOAD, CRC_UNALLOCATED, CRC_EXCLUDED, CRC_RESTRICTED})
NPS_TAGS = frozenset({NPS_CASELOAD, NPS_RESTRICTED})


@dataclass
class BuildContext:
    """What every step reads and writes. ``extra`` is for later steps' own shared state."""

    seed: int
    people_total: int
    as_of: dt.date
    chunk_size: int = CHUNK_SIZE
    rng: random.Random = field(init=False)
    ref: Reference = field(init=False)
    staff: Staff = field(init=False)
    plan: Plan = field(init=False)
    password_hash: str = ""
    counts: Counter[str] = field(default_factory=Counter)
    names: set[str] = field(default_factory=set)
    extra: dict[str, Any] = field(default_factory=dict)
    # Told what is happening: ``phase`` before each slow part, ``progress(done, total)`` within it.
    phase: Callable[[str], None] | None = None
    progress: Callable[[int, int], None] | None = None

    def __post_init__(self) -> None:
        self.rng = random.Random(self.seed)

    def person_rng(self, index: int, salt: int = 0) -> random.Random:
        """A generator for one person, the same whatever the chunk size (``salt`` for a step)."""
        return random.Random((self.seed << 32) + (salt << 26) + index)


@dataclass
class AddressDraft:
    line_1: str
    town: str
    postcode: str
    starts_on: dt.date
    ends_on: dt.date | None = None
    is_main: bool = True


@dataclass
class RequirementDraft:
    kind: str
    amount: int | None
    detail: str
    starts_on: dt.date
    ends_on: dt.date | None


@dataclass
class Profile:
    """Every decision about one person, made before anything is written."""

    index: int
    tag: str
    crn: str
    pnc_number: str
    sex: str
    forename: str
    middle_names: str
    surname: str
    date_of_birth: dt.date
    area: str
    no_fixed_abode: bool
    addresses: list[AddressDraft]
    aliases: list[tuple[str, str, dt.date | None]]
    main_category: str
    offences: list[tuple[int, dt.date, bool]]  # offence id, offence date, is main
    sanctions: list[tuple[dt.date, str, str, str]]  # date, kind, category, description
    court_id: int
    hearing_date: dt.date
    conviction_date: dt.date
    disposal: str
    sentence_date: dt.date
    length_days: int | None
    suspended_for_days: int | None
    expected_end_date: dt.date | None
    release_date: dt.date | None
    sentence_expiry_date: dt.date | None
    licence_end: dt.date | None
    supervision_end: dt.date | None
    remand_days: int
    date_reasons: list[str]
    sentence_status: str
    requirements: list[RequirementDraft]
    organisation: str
    officer_id: int | None
    status: str
    closed_on: dt.date | None
    access: list[tuple[int, str, str]] = field(default_factory=list)  # user id, kind, reason
    risk: Any = None  # a probation.demo.risk.RiskDraft

    @property
    def restricted(self) -> bool:
        return any(kind == AccessKind.RESTRICTION for _, kind, _ in self.access)


@dataclass
class Chunk:
    """One slice of people, written in one transaction. Lists are aligned with ``profiles``."""

    index: int
    start: int
    stop: int
    profiles: list[Profile] = field(default_factory=list)
    people: list[Person] = field(default_factory=list)
    cases: list[Case] = field(default_factory=list)
    court_events: list[CourtEvent] = field(default_factory=list)
    sentences: list[Sentence] = field(default_factory=list)
    extra: dict[str, Any] = field(default_factory=dict)


WorldStep = Callable[[BuildContext], None]
ChunkStep = Callable[[BuildContext, Chunk], None]
Progress = Callable[[int, int], None]


class DemoError(Exception):
    """The demo world cannot be built as asked; the message says why and what to do."""


# --- Small day-count and choice helpers ----------------------------------------------------------
# Calendar arithmetic (adding months or years) is the rules': probation.rules.dates.


def days(n: int | float) -> dt.timedelta:
    """A whole number of days (a fraction is dropped), for drawn gaps and ages."""
    return dt.timedelta(days=int(n))


def months_to_days(months: float) -> int:
    """About ``months`` in days, at least one: the length of an order drawn in months."""
    return max(1, round(months * _DAYS_PER_MONTH))


class Weighted:
    """A fixed weighted choice, with the cumulative weights worked out once."""

    def __init__(self, weights: dict[Any, float]) -> None:
        self.keys = list(weights)
        self.cumulative: list[float] = []
        total = 0.0
        for key in self.keys:
            total += weights[key]
            self.cumulative.append(total)

    def pick(self, rng: random.Random) -> Any:
        at = rng.random() * self.cumulative[-1]
        return self.keys[min(bisect.bisect_right(self.cumulative, at), len(self.keys) - 1)]


def zipf(n: int, offset: float = 8.0) -> dict[int, float]:
    return {i: 1.0 / (i + offset) for i in range(n)}


SURNAME = Weighted(zipf(len(data.SURNAMES)))
