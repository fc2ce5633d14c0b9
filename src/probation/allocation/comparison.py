"""Compare a proposed sift policy with the current one over the whole caseload, and the contract
areas' caseloads for the contract manager's home (``docs/domain/allocation.md`` §1; choices in
``docs/adr/0015-policy-comparison.md``).

Reads only: nothing here writes a row (the one audit event of a comparison is written by the
caller, :func:`comparison_audited`). The comparison is a set of figures over every active case,
showing no case, so it is not scoped by :func:`probation.people.selectors.cases_visible_to`; who
may run it is decided by :func:`may_compare`.

The sift's facts are read in bulk, a handful of queries per chunk of case ids
(:func:`sift_facts_in_bulk`), and are the same facts as
:func:`probation.allocation.selectors.sift_facts` reads one case at a time (tested to agree).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Count, Max, Min, OuterRef, Q, Subquery
from django.utils import timezone

from probation.allocation.models import SiftDecision
from probation.contracts.models import ContractArea
from probation.contracts.selectors import contract_areas_with_owners
from probation.core.audit import AuditAction, AuditRecord, audit_many
from probation.core.errors import InvalidInput
from probation.courts.models import Court, CourtEvent
from probation.people.models import Address, Case, CaseStatus, Person
from probation.risk.models import Assessment, Registration, RegistrationKind
from probation.rules.allocation import (
    DEFAULT_POLICY,
    AllocationDecision,
    AllocationFacts,
    AllocationPolicy,
    decide,
)
from probation.rules.tiering import highest_rosh
from probation.workforce.models import Grade, Organisation, OrganisationKind, RoleCode, User
from probation.workforce.selectors import contract_areas_overseen_by

__all__ = [
    "CURRENT_POLICY",
    "NO_RULE_NOW",
    "POLICY_MAX_CHARS",
    "REASON_LABELS",
    "AreaCaseload",
    "AreaComparison",
    "PolicyComparison",
    "PractitionerSplit",
    "StaffGroup",
    "StaffSplit",
    "area_caseloads",
    "compare_policy",
    "comparison_audited",
    "labelled",
    "may_compare",
    "parse_policy",
    "sift_facts_in_bulk",
]

#: The policy the platform sifts with today: the one a proposed policy is compared with, used to
#: say why a case would leave the NPS (ADR 0015, decision 3).
CURRENT_POLICY: Final = DEFAULT_POLICY
#: Cases read per chunk: bounded memory and a progress bar that moves.
CHUNK: Final = 25_000
#: The largest policy accepted, in characters (the JSON of the default policy is about 150).
POLICY_MAX_CHARS: Final = 10_000
#: A policy id is stored with every decision it makes (``SiftDecision.policy_id``).
POLICY_ID_MAX: Final = 50
#: The reason given when the NPS holds a case that no rule of the current policy keeps on today's
#: facts (the facts changed since the sift), so that a proposed policy moves it to the CRC.
NO_RULE_NOW: Final = "no-rule-now"
REASON_LABELS: Final[dict[str, str]] = {
    "rosh-high": "RoSH high or very high",
    "mappa": "MAPPA category",
    "rsr-high": "RSR at or above the threshold",
    "public-interest": "Exceptional public interest",
    "deportation": "Liable to deportation",
    "rosh-missing": "RoSH not assessed",
    NO_RULE_NOW: "No rule of the current policy keeps it today",
}
_SIDES: Final = {OrganisationKind.NPS.value: "NPS", OrganisationKind.CRC.value: "CRC"}
_GRADE_ORDER: Final = (Grade.PO, Grade.PSO, Grade.PQIP)
NO_GRADE: Final = "No grade"
NO_OFFICE: Final = "No office"

Progress = Callable[[int, int], None]
IdRange = tuple[int, int]


# The policy -----------------------------------------------------------------------------------


def parse_policy(text: str | bytes) -> AllocationPolicy:
    """A proposed policy from its JSON text, or :class:`InvalidInput` whose message starts with
    the field at fault (``policy``, ``id``, ``rules[2]``, ``parameters.rsr_threshold``…) and
    whose ``field`` is that name. Malformed JSON is named with its line and column."""
    if len(text) > POLICY_MAX_CHARS:
        raise InvalidInput(
            f"policy: must be {POLICY_MAX_CHARS:,} characters or fewer", field="policy"
        )
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("policy: not UTF-8 text", field="policy") from None
    try:
        data = json.loads(text)
        policy = AllocationPolicy.from_json(data)
    except json.JSONDecodeError as error:
        message = f"policy: not valid JSON: {error.msg} at line {error.lineno} column {error.colno}"
        raise InvalidInput(message, field="policy") from None
    except RecursionError:
        raise InvalidInput("policy: the JSON is nested too deeply", field="policy") from None
    except (ValueError, TypeError) as error:
        message = str(error)
        name = message.split(":", 1)[0] if ":" in message else ""
        if not name or " " in name:  # e.g. an integer too long to read: not a field's message
            name, message = "policy", f"policy: {message}"
        raise InvalidInput(message, field=name) from None
    if len(policy.id) > POLICY_ID_MAX:
        raise InvalidInput(f"id: must be {POLICY_ID_MAX} characters or fewer", field="id")
    return policy


def may_compare(user: Any) -> bool:
    """Who may compare policies (ADR 0015, decision 8): a contract manager of the commissioner or
    the NPS, and an NPS allocating manager (the NPS runs the sift). The roles are checked first,
    so that the menu of every other user costs no query."""
    if not getattr(user, "is_authenticated", False):
        return False
    manages_contracts = user.has_role(RoleCode.CONTRACT_MANAGER)
    allocates = user.has_role(RoleCode.ALLOCATING_MANAGER)
    if not (manages_contracts or allocates) or user.organisation_id is None:
        return False
    kind = user.organisation.kind
    if manages_contracts and kind in (OrganisationKind.COMMISSIONER, OrganisationKind.NPS):
        return True
    return bool(allocates and kind == OrganisationKind.NPS)


# The sift's facts in bulk --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CaseFacts:
    """One active case as the comparison needs it."""

    case_id: int
    current: str | None  # "NPS" or "CRC": the latest sift's organisation, else the case's
    officer_id: int | None
    facts: AllocationFacts


def _first_per_case(rows: Iterable[tuple[Any, ...]]) -> dict[int, tuple[Any, ...]]:
    """The first row of each case from rows ordered by case id (then newest first)."""
    first: dict[int, tuple[Any, ...]] = {}
    for row in rows:
        if row[0] not in first:
            first[row[0]] = row[1:]
    return first


def _latest_sift_sides(ids: IdRange) -> dict[int, tuple[Any, ...]]:
    return _first_per_case(
        SiftDecision.objects.filter(case_id__gte=ids[0], case_id__lte=ids[1])
        .order_by("case_id", "-decided_at", "-id")
        .values_list("case_id", "organisation_id")
    )


def _latest_assessments(ids: IdRange) -> dict[int, tuple[Any, ...]]:
    return _first_per_case(
        Assessment.objects.filter(case_id__gte=ids[0], case_id__lte=ids[1])
        .order_by("case_id", "-assessed_on", "-id")
        .values_list(
            "case_id",
            "rosh_public",
            "rosh_known_adult",
            "rosh_children",
            "rosh_staff",
            "mappa_category",
            "rsr",
        )
    )


def _home_areas(ids: IdRange, today: dt.date, codes: _Lookups) -> dict[int, str]:
    """The contract area of each person's current address (by person id): started, not ended,
    main first, then the latest start, then the latest recorded (as
    ``selectors._home_contract_area``)."""
    best: dict[int, tuple[bool, dt.date, int, int]] = {}
    people = Case.objects.filter(id__gte=ids[0], id__lte=ids[1]).order_by().values("person_id")
    rows = (
        Address.objects.filter(person_id__in=Subquery(people), starts_on__lte=today)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=today))
        .order_by()
        .values_list("person_id", "is_main", "starts_on", "id", "contract_area_id")
    )
    for person_id, is_main, starts_on, pk, code in rows:
        candidate = (is_main, starts_on, pk, code)
        if person_id not in best or candidate[:3] > best[person_id][:3]:
            best[person_id] = candidate
    return {person_id: codes.areas[row[3]] for person_id, row in best.items()}


def _court_areas(ids: IdRange) -> dict[int, tuple[Any, ...]]:
    return _first_per_case(
        CourtEvent.objects.filter(case_id__gte=ids[0], case_id__lte=ids[1])
        .order_by("case_id", "-hearing_date", "-id")
        .values_list("case_id", "court_id")
    )


#: Facts read from the database, as a key: (overall RoSH, MAPPA category, RSR, public interest,
#: home area, court area). Many cases share their facts, so each key is built (and checked) once.
_FactsKey = tuple[str | None, int | None, Any, bool, str | None, str]


@dataclass(frozen=True)
class _Lookups:
    """Read once, so that the bulk reads need no joins: contract area codes by id, the side (NPS
    or CRC) of each organisation, each court's area code, and the people of no fixed abode."""

    areas: dict[int, str]
    sides: dict[int, str]
    court_areas: dict[int, str]
    no_fixed_abode: frozenset[int]

    @classmethod
    def read(cls) -> _Lookups:
        areas = dict(ContractArea.objects.values_list("id", "code"))
        sides = {
            pk: _SIDES[kind]
            for pk, kind in Organisation.objects.values_list("id", "kind")
            if kind in _SIDES
        }
        courts = {
            pk: areas[area] for pk, area in Court.objects.values_list("id", "contract_area_id")
        }
        homeless = frozenset(
            Person.objects.filter(no_fixed_abode=True).order_by().values_list("id", flat=True)
        )
        return cls(areas, sides, courts, homeless)


def _chunk_facts(
    ids: IdRange, today: dt.date, known: dict[_FactsKey, AllocationFacts], codes: _Lookups
) -> list[CaseFacts]:
    """The active cases whose ids lie in ``ids`` (inclusive), with their sift facts: six
    queries, however many cases. ``known`` keeps the facts already built, across chunks."""
    cases = list(
        Case.objects.filter(id__gte=ids[0], id__lte=ids[1], status=CaseStatus.ACTIVE)
        .order_by("id")
        .values_list(
            "id",
            "person_id",
            "contract_area_id",
            "responsible_organisation_id",
            "responsible_officer_id",
        )
    )
    if not cases:
        return []
    sifts = _latest_sift_sides(ids)
    assessments = _latest_assessments(ids)
    public_interest = set(
        Registration.objects.filter(
            case_id__gte=ids[0],
            case_id__lte=ids[1],
            kind=RegistrationKind.PUBLIC_INTEREST,
            ended_on__isnull=True,
        )
        .order_by()
        .values_list("case_id", flat=True)
    )
    homes = _home_areas(ids, today, codes)
    courts = _court_areas(ids)
    rows: list[CaseFacts] = []
    for case_id, person_id, area_id, organisation_id, officer_id in cases:
        assessment = assessments.get(case_id)
        court = courts.get(case_id)
        key: _FactsKey = (
            _overall_rosh(assessment[:4]) if assessment is not None else None,
            assessment[4] if assessment is not None else None,
            assessment[5] if assessment is not None else None,
            case_id in public_interest,
            None if person_id in codes.no_fixed_abode else homes.get(person_id),
            codes.court_areas[court[0]] if court is not None else codes.areas[area_id],
        )
        facts = known.get(key)
        if facts is None:
            facts = known[key] = _facts(key)
        sift = sifts.get(case_id)
        current = codes.sides.get(sift[0] if sift is not None else organisation_id)
        rows.append(CaseFacts(case_id, current, officer_id, facts))
    return rows


@functools.cache
def _overall_rosh(levels: tuple[str, ...]) -> str:
    """The highest of an assessment's four RoSH levels (at most 4⁴ combinations: cached)."""
    return highest_rosh(levels)


def _facts(key: _FactsKey) -> AllocationFacts:
    rosh, mappa, rsr, public_interest, home, court = key
    return AllocationFacts(
        rosh=rosh,
        mappa_category=mappa,
        rsr=float(rsr) if rsr is not None else None,
        public_interest=public_interest,
        liable_to_deportation=False,
        home_contract_area=home,
        court_contract_area=court,
    )


def _id_ranges(chunk_size: int) -> tuple[list[IdRange], int]:
    """Ranges of case ids covering every active case, and how many active cases there are."""
    bounds = Case.objects.filter(status=CaseStatus.ACTIVE).aggregate(
        low=Min("id"), high=Max("id"), n=Count("id")
    )
    if not bounds["n"]:
        return [], 0
    low, high = bounds["low"], bounds["high"]
    ranges = [(lo, min(lo + chunk_size - 1, high)) for lo in range(low, high + 1, chunk_size)]
    return ranges, bounds["n"]


def sift_facts_in_bulk(
    *, chunk_size: int = CHUNK, today: dt.date | None = None
) -> Iterator[CaseFacts]:
    """Every active case with the facts :func:`probation.allocation.selectors.sift_facts` would
    read for it, in case id order, a chunk of ``chunk_size`` case ids at a time."""
    today = timezone.localdate() if today is None else today
    ranges, _ = _id_ranges(chunk_size)
    known: dict[_FactsKey, AllocationFacts] = {}
    codes = _Lookups.read()
    for ids in ranges:
        yield from _chunk_facts(ids, today, known, codes)


# The comparison ------------------------------------------------------------------------------


def labelled(counts: Counter[str]) -> list[tuple[str, int]]:
    """Reason ids with their counts as words, most common first (then by rule id)."""
    ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return [(REASON_LABELS.get(rule, rule), n) for rule, n in ordered]


@dataclass
class AreaComparison:
    """One contract area: its active cases, where they are now and which would move, and why."""

    contract_area: str
    name: str
    cases: int = 0
    nps_now: int = 0
    crc_now: int = 0
    nps_to_crc: int = 0
    crc_to_nps: int = 0
    why_nps_to_crc: Counter[str] = field(default_factory=Counter)
    why_crc_to_nps: Counter[str] = field(default_factory=Counter)

    @property
    def moves(self) -> int:
        return self.nps_to_crc + self.crc_to_nps

    @property
    def why_out(self) -> list[tuple[str, int]]:
        """Why cases would leave the NPS, in words, most common first."""
        return labelled(self.why_nps_to_crc)

    @property
    def why_in(self) -> list[tuple[str, int]]:
        """Why cases would come to the NPS, in words, most common first."""
        return labelled(self.why_crc_to_nps)


@dataclass
class PractitionerSplit:
    """One practitioner's caseload split as the proposed policy would split it."""

    officer_id: int
    username: str
    grade: str
    office: str
    organisation: str  # their organisation's code today
    current_side: str | None  # "NPS", "CRC", or None (neither: e.g. the commissioner)
    cases: int
    nps_cases: int
    crc_cases: int
    assigned_to: str  # "NPS" or "CRC": the side most of their cases would go to; ties NPS
    crc_area: str | None  # for "CRC": the area most of their CRC cases are in

    @property
    def nps_share(self) -> float:
        return self.nps_cases / self.cases if self.cases else 0.0

    @property
    def crc_share(self) -> float:
        return self.crc_cases / self.cases if self.cases else 0.0

    @property
    def changes_side(self) -> bool:
        return self.current_side is not None and self.current_side != self.assigned_to


@dataclass
class StaffGroup:
    """Practitioners of one grade, or one office, by the side they would be assigned to."""

    label: str
    practitioners: int = 0
    to_nps: int = 0
    to_crc: int = 0
    changing_side: int = 0


@dataclass
class StaffSplit:
    practitioners: list[PractitionerSplit]
    by_grade: list[StaffGroup]
    by_office: list[StaffGroup]

    @property
    def to_nps(self) -> int:
        return sum(1 for p in self.practitioners if p.assigned_to == "NPS")

    @property
    def to_crc(self) -> int:
        return sum(1 for p in self.practitioners if p.assigned_to == "CRC")

    @property
    def changing_side(self) -> int:
        return sum(1 for p in self.practitioners if p.changes_side)


@dataclass
class PolicyComparison:
    """The result of :func:`compare_policy`."""

    policy: AllocationPolicy
    current_policy: AllocationPolicy
    cases: int
    areas: list[AreaComparison]
    staff: StaffSplit

    @property
    def nps_to_crc(self) -> int:
        return sum(area.nps_to_crc for area in self.areas)

    @property
    def crc_to_nps(self) -> int:
        return sum(area.crc_to_nps for area in self.areas)

    @property
    def why_nps_to_crc(self) -> Counter[str]:
        return sum((area.why_nps_to_crc for area in self.areas), Counter())

    @property
    def why_crc_to_nps(self) -> Counter[str]:
        return sum((area.why_crc_to_nps for area in self.areas), Counter())

    @property
    def why_out(self) -> list[tuple[str, int]]:
        return labelled(self.why_nps_to_crc)

    @property
    def why_in(self) -> list[tuple[str, int]]:
        return labelled(self.why_crc_to_nps)

    def totals(self) -> dict[str, Any]:
        return {
            "cases": self.cases,
            "would_move": {"nps_to_crc": self.nps_to_crc, "crc_to_nps": self.crc_to_nps},
        }

    def as_json(self) -> dict[str, Any]:
        """The spec's shape (``allocation.md`` §1) first, then the extra keys of ADR 0015."""
        return {
            **self.totals(),
            "by_contract_area": [
                {
                    "contract_area": area.contract_area,
                    "nps_to_crc": area.nps_to_crc,
                    "crc_to_nps": area.crc_to_nps,
                }
                for area in self.areas
            ],
            "policy": self.policy.to_dict(),
            "current_policy": {
                "id": self.current_policy.id,
                "version": self.current_policy.version,
            },
            "why": _why(self.why_nps_to_crc, self.why_crc_to_nps),
            "why_by_contract_area": [
                {
                    "contract_area": area.contract_area,
                    **_why(area.why_nps_to_crc, area.why_crc_to_nps),
                }
                for area in self.areas
                if area.moves
            ],
            "staff": _staff_json(self.staff),
        }

    def audit_details(self, *, source: str) -> dict[str, Any]:
        return {
            "source": source,
            "policy": {"id": self.policy.id, "version": self.policy.version},
            "rules": list(self.policy.rules),
            "parameters": dict(self.policy.parameters),
            "current_policy": {
                "id": self.current_policy.id,
                "version": self.current_policy.version,
            },
            **self.totals(),
        }


def _why(nps_to_crc: Counter[str], crc_to_nps: Counter[str]) -> dict[str, dict[str, int]]:
    return {
        "nps_to_crc": dict(sorted(nps_to_crc.items())),
        "crc_to_nps": dict(sorted(crc_to_nps.items())),
    }


def _staff_json(staff: StaffSplit) -> dict[str, Any]:
    def group(g: StaffGroup) -> dict[str, Any]:
        return {
            "practitioners": g.practitioners,
            "to_nps": g.to_nps,
            "to_crc": g.to_crc,
            "changing_side": g.changing_side,
        }

    return {
        "practitioners": len(staff.practitioners),
        "to_nps": staff.to_nps,
        "to_crc": staff.to_crc,
        "changing_side": staff.changing_side,
        "by_grade": [{"grade": g.label, **group(g)} for g in staff.by_grade],
        "by_office": [{"office": g.label, **group(g)} for g in staff.by_office],
        "by_practitioner": [
            {
                "officer_id": p.officer_id,
                "grade": p.grade,
                "office": p.office,
                "organisation": p.organisation,
                "cases": p.cases,
                "nps_share": round(p.nps_share, 4),
                "crc_share": round(p.crc_share, 4),
                "assigned_to": p.assigned_to,
                "crc_area": p.crc_area,
            }
            for p in staff.practitioners
        ],
    }


class _Outcomes:
    """``decide`` under the proposed policy, and why a case would move, once per distinct facts
    (the facts objects are shared between the cases that have the same facts)."""

    def __init__(self, policy: AllocationPolicy) -> None:
        self.policy = policy
        self._decided: dict[AllocationFacts, AllocationDecision] = {}
        self._why: dict[AllocationFacts, list[str]] = {}

    def decide(self, facts: AllocationFacts) -> AllocationDecision:
        decision = self._decided.get(facts)
        if decision is None:
            decision = self._decided[facts] = decide(facts, self.policy)
        return decision

    def why(self, facts: AllocationFacts) -> list[str]:
        """The rule ids the move is put down to (ADR 0015, decision 4). To the CRC: the current
        policy's rules that keep the case (none: :data:`NO_RULE_NOW`). To the NPS: the proposed
        policy's rules that keep it and the current policy's do not (else all that keep it)."""
        why = self._why.get(facts)
        if why is None:
            proposed = self.decide(facts)
            now = decide(facts, CURRENT_POLICY)
            kept_now = [rule for rule, _ in now.reasons] if now.organisation == "NPS" else []
            if proposed.organisation == "CRC":
                why = kept_now or [NO_RULE_NOW]
            else:
                kept = [rule for rule, _ in proposed.reasons]
                why = [rule for rule in kept if rule not in kept_now] or kept
            self._why[facts] = why
        return why


@dataclass
class _Caseload:
    """One practitioner's caseload, counted by the side the proposed policy gives each case."""

    nps: int = 0
    crc: int = 0
    crc_areas: Counter[str] = field(default_factory=Counter)


def _tally(
    row: CaseFacts,
    outcomes: _Outcomes,
    areas: dict[str, AreaComparison],
    caseloads: dict[int, _Caseload],
) -> None:
    decision = outcomes.decide(row.facts)
    area = areas[decision.contract_area]
    area.cases += 1
    if row.current == "NPS":
        area.nps_now += 1
    elif row.current == "CRC":
        area.crc_now += 1
    proposed = decision.organisation
    if row.current == "NPS" and proposed == "CRC":
        area.nps_to_crc += 1
        area.why_nps_to_crc.update(outcomes.why(row.facts))
    elif row.current == "CRC" and proposed == "NPS":
        area.crc_to_nps += 1
        area.why_crc_to_nps.update(outcomes.why(row.facts))
    if row.officer_id is not None:
        caseload = caseloads[row.officer_id]
        if proposed == "NPS":
            caseload.nps += 1
        else:
            caseload.crc += 1
            caseload.crc_areas[decision.contract_area] += 1


def compare_policy(
    policy: AllocationPolicy,
    *,
    progress: Progress | None = None,
    chunk_size: int = CHUNK,
    today: dt.date | None = None,
) -> PolicyComparison:
    """Compare ``policy`` with the current decisions over every active case.

    For each case the current decision (its latest sift's organisation; for a case never
    sifted, its responsible organisation) is set against ``decide(facts, policy)``. Changes
    nothing. ``progress(done, total)`` is called after each chunk of cases.
    """
    today = timezone.localdate() if today is None else today
    areas = {
        code: AreaComparison(code, name)
        for code, name in ContractArea.objects.order_by("code").values_list("code", "name")
    }
    caseloads: dict[int, _Caseload] = defaultdict(_Caseload)
    outcomes = _Outcomes(policy)
    known: dict[_FactsKey, AllocationFacts] = {}
    codes = _Lookups.read()
    ranges, total = _id_ranges(chunk_size)
    done = 0
    for ids in ranges:
        for row in _chunk_facts(ids, today, known, codes):
            _tally(row, outcomes, areas, caseloads)
            done += 1
        if progress is not None:
            progress(done, total)
    return PolicyComparison(
        policy=policy,
        current_policy=CURRENT_POLICY,
        cases=done,
        areas=list(areas.values()),
        staff=_staff_split(caseloads),
    )


# The staff side of a split -------------------------------------------------------------------


def _staff_split(caseloads: dict[int, _Caseload]) -> StaffSplit:
    """Each practitioner assigned to the side that would take most of their caseload (ties: the
    NPS), as the 2014 staff assignment did; counted by grade and by office."""
    staff = User.objects.filter(pk__in=list(caseloads)).values_list(
        "pk",
        "username",
        "grade",
        "office__name",
        "office__organisation__code",
        "organisation__code",
        "organisation__kind",
    )
    practitioners: list[PractitionerSplit] = []
    for pk, username, grade, office, office_org, org_code, org_kind in staff.order_by("pk"):
        load = caseloads[pk]
        side = "NPS" if load.nps >= load.crc else "CRC"
        crc_area = None
        if side == "CRC":
            crc_area = min(load.crc_areas.items(), key=lambda item: (-item[1], item[0]))[0]
        practitioners.append(
            PractitionerSplit(
                officer_id=pk,
                username=username,
                grade=grade or NO_GRADE,
                office=f"{office} ({office_org})" if office else NO_OFFICE,
                organisation=org_code or "",
                current_side=_SIDES.get(org_kind or ""),
                cases=load.nps + load.crc,
                nps_cases=load.nps,
                crc_cases=load.crc,
                assigned_to=side,
                crc_area=crc_area,
            )
        )
    grade_rank: dict[str, int] = {str(grade): i for i, grade in enumerate(_GRADE_ORDER)}
    by_grade = _groups(practitioners, lambda p: p.grade)
    by_grade.sort(key=lambda g: (grade_rank.get(g.label, len(grade_rank)), g.label))
    by_office = _groups(practitioners, lambda p: p.office)
    by_office.sort(key=lambda g: (g.label == NO_OFFICE, g.label))
    return StaffSplit(practitioners, by_grade, by_office)


def _groups(
    practitioners: list[PractitionerSplit], key: Callable[[PractitionerSplit], str]
) -> list[StaffGroup]:
    groups: dict[str, StaffGroup] = {}
    for p in practitioners:
        group = groups.setdefault(key(p), StaffGroup(key(p)))
        group.practitioners += 1
        if p.assigned_to == "NPS":
            group.to_nps += 1
        else:
            group.to_crc += 1
        if p.changes_side:
            group.changing_side += 1
    return list(groups.values())


def comparison_audited(
    *, by_user: Any, result: PolicyComparison, source: str, path: str = ""
) -> None:
    """The one audit event of a comparison (``POLICY_COMPARED``): the policy and the totals. A
    comparison run from the command line has no signed-in user and is recorded as the system."""
    audit_many(
        [
            AuditRecord(
                action=AuditAction.POLICY_COMPARED,
                actor=by_user,
                details=result.audit_details(source=source),
                path=path,
            )
        ]
    )


# The contract manager's home -----------------------------------------------------------------


@dataclass(frozen=True)
class AreaCaseload:
    """One contract area's active caseload on the contract manager's home."""

    code: str
    name: str
    provider: str
    nps: int
    crc: int
    other: int
    unallocated: int
    overdue: int

    @property
    def cases(self) -> int:
        return self.nps + self.crc + self.other


def area_caseloads(*, for_user: Any, today: dt.date | None = None) -> list[AreaCaseload]:
    """For each contract area ``for_user`` oversees: active cases by responsible organisation
    (the NPS, the CRC, any other), cases with no practitioner, and of those the ones whose
    assignment is overdue (the latest sift's due day is past). Three queries, no case shown."""
    today = timezone.localdate() if today is None else today
    codes = contract_areas_overseen_by(for_user)
    cases = Case.objects.filter(status=CaseStatus.ACTIVE)
    if codes is not None:
        cases = cases.filter(contract_area__code__in=codes)
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    for row in cases.values("contract_area__code", "responsible_organisation__kind").annotate(
        n=Count("id"), unallocated=Count("id", filter=Q(responsible_officer__isnull=True))
    ):
        area = counts[row["contract_area__code"]]
        area[_SIDES.get(row["responsible_organisation__kind"], "other")] += row["n"]
        area["unallocated"] += row["unallocated"]
    latest = SiftDecision.objects.filter(case=OuterRef("pk")).order_by("-decided_at", "-id")
    overdue = (
        cases.filter(responsible_officer__isnull=True)
        .annotate(due=Subquery(latest.values("assignment_due_on")[:1]))
        .filter(due__lt=today)
        .values_list("contract_area__code")
        .annotate(n=Count("id"))
    )
    for code, n in overdue:
        counts[code]["overdue"] += n
    return [
        AreaCaseload(
            code=owner.code,
            name=owner.name,
            provider=owner.provider,
            nps=counts[owner.code]["NPS"],
            crc=counts[owner.code]["CRC"],
            other=counts[owner.code]["other"],
            unallocated=counts[owner.code]["unallocated"],
            overdue=counts[owner.code]["overdue"],
        )
        for owner in contract_areas_with_owners(on=today)
        if codes is None or owner.code in codes
    ]
