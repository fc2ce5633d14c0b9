"""Reads for allocation: the facts the sift is decided on, the unallocated list and the choice
of practitioners with their workload (``docs/domain/allocation.md``, ``docs/domain/workload.md``).

Lists start from :func:`probation.people.selectors.cases_visible_to`; the reads about one case
take a case that has already been released to the user (or locked by a service).
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Value,
    When,
)
from django.db.models import Case as Conditional
from django.utils import timezone

from probation.allocation.models import (
    OPEN_ESCALATION_STATES,
    Assignment,
    Escalation,
    EscalationState,
    EscalationTrigger,
    SiftDecision,
    Transfer,
    TransferState,
)
from probation.contracts.models import ContractArea
from probation.courts.models import ChargedOffence, Disposal, Sentence, SentenceStatus
from probation.courts.selectors import latest_court_event
from probation.people.models import AccessKind, Case, CaseAccess, CaseStatus
from probation.people.selectors import can_read_cases, cases_visible_to
from probation.risk.models import Assessment, Registration, RegistrationKind, ReportType
from probation.risk.selectors import latest_assessment
from probation.rules import workload
from probation.rules.allocation import HIGH_ROSH_LEVELS, AllocationDecision, AllocationFacts
from probation.rules.tiering import ROSH_LEVELS, TIERS
from probation.workforce.models import Grade, Organisation, OrganisationKind, RoleCode, User
from probation.workforce.selectors import case_points_table, report_points_table

__all__ = [
    "GRADE_ORDER",
    "RESTRICTED_GRADES",
    "AutomaticEscalation",
    "PractitionerChoice",
    "WaitingList",
    "assessment_before",
    "automatic_escalation",
    "boundary_reasons",
    "case_escalations",
    "case_points_of",
    "case_type_of",
    "decided_organisation",
    "escalation_for",
    "escalation_queue",
    "escalation_queue_counts",
    "is_escalation_reviewer",
    "latest_assignment",
    "latest_sift",
    "open_escalation",
    "practitioner_by_id",
    "practitioner_choices",
    "report_points_by_officer",
    "sift_facts",
    "unallocated_cases",
    "unallocated_page",
]

#: The grades a manager chooses from, in the order the list shows them (``allocation.md`` §2).
GRADE_ORDER: tuple[str, ...] = (Grade.PO, Grade.PSO, Grade.PQIP)
#: Grades bound by the role boundaries (``allocation.md`` §2, policy).
RESTRICTED_GRADES = frozenset({Grade.PSO, Grade.PQIP})
CUSTODIAL = frozenset({Disposal.CUSTODY, Disposal.CUSTODY_EXTENDED, Disposal.CUSTODY_INDETERMINATE})


# The sift's facts ---------------------------------------------------------------------------


def _home_contract_area(case: Case) -> str | None:
    if case.person.no_fixed_abode:
        return None
    today = timezone.localdate()
    address = (
        case.person.addresses.filter(starts_on__lte=today)
        .exclude(ends_on__lt=today)
        .select_related("contract_area")
        .order_by("-is_main", "-starts_on", "-id")
        .first()
    )
    return address.contract_area.code if address is not None else None


def _court_contract_area(case: Case) -> str:
    event = latest_court_event(case)
    if event is not None:
        return str(
            ContractArea.objects.values_list("code", flat=True).get(court__id=event.court_id)
        )
    return str(ContractArea.objects.values_list("code", flat=True).get(pk=case.contract_area_id))


def sift_facts(case: Case) -> AllocationFacts:
    """The sift's facts from the case record: the latest assessment's overall RoSH (the highest
    of its four audiences), MAPPA category and RSR; a public-interest registration; the contract
    area of the current address (None for no fixed abode, or no current address) and of the
    latest hearing's court (the case's own area when there is no hearing)."""
    assessment = latest_assessment(case)
    public_interest = Registration.objects.filter(
        case=case, kind=RegistrationKind.PUBLIC_INTEREST, ended_on__isnull=True
    ).exists()
    return AllocationFacts(
        rosh=assessment.rosh if assessment is not None else None,
        mappa_category=assessment.mappa_category if assessment is not None else None,
        rsr=float(assessment.rsr)
        if assessment is not None and assessment.rsr is not None
        else None,
        public_interest=public_interest,
        liable_to_deportation=False,
        home_contract_area=_home_contract_area(case),
        court_contract_area=_court_contract_area(case),
    )


def facts_as_json(facts: AllocationFacts) -> dict[str, Any]:
    return dataclasses.asdict(facts)


def decided_organisation(decision: AllocationDecision) -> tuple[Organisation, ContractArea]:
    """The organisation a decision names (the NPS, or the CRC of its area) and the area."""
    area = ContractArea.objects.get(code=decision.contract_area)
    if decision.organisation == "NPS":
        organisation = Organisation.objects.get(kind=OrganisationKind.NPS)
    else:
        organisation = Organisation.objects.get(kind=OrganisationKind.CRC, contract_area=area)
    return organisation, area


def latest_sift(case: Case) -> SiftDecision | None:
    return (
        SiftDecision.objects.filter(case=case)
        .select_related("organisation", "contract_area")
        .order_by("-decided_at", "-id")
        .first()
    )


def practitioner_by_id(pk: int) -> User | None:
    """The member of staff a form names; whether they may take the case is the service's call."""
    return User.objects.filter(pk=pk).select_related("organisation").first()


def latest_assignment(case: Case) -> Assignment | None:
    return (
        Assignment.objects.filter(case=case)
        .select_related("officer", "assigned_by")
        .order_by("-assigned_at", "-id")
        .first()
    )


# Role boundaries ----------------------------------------------------------------------------


def boundary_reasons(case: Case) -> list[str]:
    """Why a PSO or PQiP may not hold ``case`` (``allocation.md`` §2); empty when they may."""
    reasons: list[str] = []
    assessment = latest_assessment(case)
    if assessment is not None and assessment.rosh in HIGH_ROSH_LEVELS:
        reasons.append(f"RoSH is {assessment.get_rosh_display().lower()}")
    if assessment is not None and assessment.mappa_category is not None:
        reasons.append(f"MAPPA category {assessment.mappa_category}")
    if ChargedOffence.objects.filter(court_event__case=case, offence__sexual=True).exists():
        reasons.append("a sexual offence")
    if Sentence.objects.filter(
        case=case, status=SentenceStatus.ACTIVE, disposal=Disposal.CUSTODY_INDETERMINATE
    ).exists():
        reasons.append("an indeterminate sentence")
    if Registration.objects.filter(
        case=case, kind=RegistrationKind.CHILD_PROTECTION, ended_on__isnull=True
    ).exists():
        reasons.append("a child-protection registration")
    return reasons


# Workload -----------------------------------------------------------------------------------


def case_type_of(disposals: list[tuple[str, dt.date | None]], *, today: dt.date) -> str:
    """The workload case type of a case from its active sentences (disposal, release date):
    licence once released from a custodial sentence, custody before release, community
    otherwise (and when there is no active sentence)."""
    custodial = [release for disposal, release in disposals if disposal in CUSTODIAL]
    if custodial:
        if any(release is not None and release <= today for release in custodial):
            return "licence"
        return "custody"
    return "community"


def case_points_of(case_type: str, tier: str, table: Mapping[str, Mapping[str, int]]) -> int:
    """Points of a case from the editable table (``workforce.selectors.case_points_table``):
    0 with no tier yet or an unsupervised (``S``) tier (``workload.md``)."""
    if not tier or tier.endswith("S"):
        return 0
    return table.get(case_type, {}).get(tier, 0)


#: Pre-sentence reports count in their writer's points for this many days (ADR 0014).
REPORT_WINDOW_DAYS = 30
#: The assessment's type of report -> the report of the points table; an oral report scores 0.
REPORT_KINDS: dict[str, str] = {
    ReportType.STANDARD: "standard_pre_sentence_report",
    ReportType.FAST: "short_format_report",
}


def report_points_by_officer(
    officer_ids: Iterable[int], *, today: dt.date
) -> defaultdict[int, int]:
    """Report points of each officer: the pre-sentence reports (fast or standard assessments)
    they wrote in the last ``REPORT_WINDOW_DAYS`` days up to ``today``. Two queries."""
    table = report_points_table()
    points: defaultdict[int, int] = defaultdict(int)
    for officer_id, report_type in Assessment.objects.filter(
        assessed_by_id__in=list(officer_ids),
        report_type__in=list(REPORT_KINDS),
        assessed_on__gt=today - dt.timedelta(days=REPORT_WINDOW_DAYS),
        assessed_on__lte=today,
    ).values_list("assessed_by_id", "report_type"):
        points[officer_id] += table.get(REPORT_KINDS[report_type], 0)
    return points


@dataclass(frozen=True)
class PractitionerChoice:
    """One row of the choice of practitioners for a case."""

    officer: User
    grade: str
    cases: int
    points: int
    capacity_now: float
    capacity_after: float
    eligible: bool
    reason: str

    @property
    def over_capacity(self) -> bool:
        return self.capacity_after > 100


def practitioner_choices(
    *, case: Case, for_user: Any, team_id: int | None = None
) -> list[PractitionerChoice]:
    """The active practitioners of ``for_user``'s organisation (the case's responsible one),
    of team ``team_id`` when given, with their grade, caseload, points and capacity now and
    after taking ``case``, and whether they may take it; by grade (PO, PSO, PQiP), then
    capacity after, lowest first.

    A fixed number of queries however large the team. Workload counts every active case of each
    practitioner: a figure, which shows no case.
    """
    if not cases_visible_to(for_user).filter(pk=case.pk).exists():
        return []
    today = timezone.localdate()
    staff = User.objects.filter(
        organisation_id=case.responsible_organisation_id,
        is_active=True,
        roles__code=RoleCode.PRACTITIONER,
    )
    if team_id is not None:
        staff = staff.filter(team_id=team_id)
    officers = list(staff.distinct().order_by("last_name", "first_name", "pk"))
    # No ordering (a case's default order joins the person), and the sentences by a subquery,
    # not a list of every held case's id (tens of thousands at national scale): ADR 0014.
    held_cases = Case.objects.filter(
        responsible_officer__in=[officer.pk for officer in officers], status=CaseStatus.ACTIVE
    ).order_by()
    held = list(held_cases.values_list("pk", "responsible_officer_id", "tier"))
    disposals: dict[int, list[tuple[str, dt.date | None]]] = defaultdict(list)
    # Two reads, joined to the held cases, not one with an OR or an IN (subquery), which make
    # PostgreSQL scan every sentence.
    active_sentences = Sentence.objects.filter(status=SentenceStatus.ACTIVE).order_by()
    for of_cases in (
        active_sentences.filter(
            case__responsible_officer__in=[officer.pk for officer in officers],
            case__status=CaseStatus.ACTIVE,
        ),
        active_sentences.filter(case_id=case.pk),
    ):
        for case_id, disposal, release in of_cases.values_list(
            "case_id", "disposal", "release_date"
        ):
            disposals[case_id].append((disposal, release))
    table = case_points_table()
    counts: dict[int, int] = defaultdict(int)
    points = report_points_by_officer([officer.pk for officer in officers], today=today)
    for case_id, officer_id, tier in held:
        counts[officer_id] += 1
        points[officer_id] += case_points_of(
            case_type_of(disposals[case_id], today=today), tier, table
        )
    this_case = case_points_of(case_type_of(disposals[case.pk], today=today), case.tier, table)
    barred = boundary_reasons(case)
    rows: list[PractitionerChoice] = []
    for officer in officers:
        grade = officer.grade
        if grade not in GRADE_ORDER:
            rows.append(
                PractitionerChoice(
                    officer,
                    grade,
                    counts[officer.pk],
                    points[officer.pk],
                    0.0,
                    0.0,
                    False,
                    "No practitioner grade on the staff record",
                )
            )
            continue
        hours = {
            "contracted_hours": float(officer.contracted_hours),
            "reduction_hours": float(min(officer.reduction_hours, officer.contracted_hours)),
        }
        now = workload.capacity(grade=grade, total_points=points[officer.pk], **hours)
        after = workload.capacity_after(
            grade=grade, total_points=points[officer.pk], added_points=this_case, **hours
        )
        reason = ""
        if grade in RESTRICTED_GRADES and barred:
            reason = f"A {grade} may not hold a case with {_and(barred)}"
        rows.append(
            PractitionerChoice(
                officer,
                grade,
                counts[officer.pk],
                points[officer.pk],
                now.capacity_percent,
                after.capacity_percent,
                not reason,
                reason,
            )
        )
    rank = {grade: i for i, grade in enumerate(GRADE_ORDER)}
    rows.sort(key=lambda r: (rank.get(r.grade, len(rank)), r.capacity_after, r.officer.pk))
    return rows


def _and(items: list[str]) -> str:
    return items[0] if len(items) == 1 else ", ".join(items[:-1]) + " and " + items[-1]


# The unallocated list ----------------------------------------------------------------------


def unallocated_cases(*, for_user: Any, today: dt.date | None = None) -> QuerySet[Case]:
    """Active cases of ``for_user``'s organisation with no responsible officer: overdue first
    (``Case.assignment_due_on`` before ``today``, by default today in Europe/London), then by
    due date, then tier (A3 first), then the longest waiting, then the oldest case; cases with
    no due date (never handed over by a sift, a transfer or an escalation) after. Each case
    carries ``is_overdue``; a page of them with the person and the sift history is
    :func:`unallocated_page`. The due day is the one the hand-over set: the sift's assignment
    clock, a transfer's, or an escalation's transfer-in day (``docs/adr/0012-risk-escalation.md``),
    kept on the case so that the list reads one table (ADR 0017, decision 8)."""
    today = timezone.localdate() if today is None else today
    tier_rank = Conditional(
        *[When(tier=tier, then=Value(i)) for i, tier in enumerate(TIERS)],
        default=Value(len(TIERS)),
        output_field=IntegerField(),
    )
    is_overdue = Conditional(
        When(assignment_due_on__lt=today, then=Value(True)),
        default=Value(False),
        output_field=BooleanField(),
    )
    return (
        _waiting(for_user)
        .annotate(tier_rank=tier_rank, is_overdue=is_overdue)
        .order_by(
            F("assignment_due_on").asc(nulls_last=True),
            "tier_rank",
            F("awaiting_since").asc(nulls_last=True),
            "pk",
        )
    )


def _waiting(for_user: Any) -> QuerySet[Case]:
    # The cases of unallocated_cases, with nothing computed: counted as they are.
    return cases_visible_to(for_user).filter(
        status=CaseStatus.ACTIVE,
        responsible_organisation_id=for_user.organisation_id,
        responsible_officer__isnull=True,
    )


@dataclass(frozen=True)
class WaitingList:
    """One page of the cases to allocate, and how many of the whole list are overdue."""

    page: Page[Case]
    overdue: int


def unallocated_page(
    *, for_user: Any, number: int, page_size: int, today: dt.date | None = None
) -> WaitingList:
    """Page ``number`` of :func:`unallocated_cases`, each case with its person and its sift
    decisions, newest first, in ``sift_history``, with the count of the whole list's overdue
    cases (one query with the total).

    Two steps, so that a national list stays quick: the page's case ids in the list's order
    (the order needs no other table), then those cases with what the page shows
    (docs/adr/0017-allocation-clocks-and-notices.md, decision 8)."""
    cases = unallocated_cases(for_user=for_user, today=today)
    ids_in_order = cases.values_list("pk", flat=True)
    paginator: Paginator[Any] = Paginator(ids_in_order, page_size)
    today = timezone.localdate() if today is None else today
    counts = _waiting(for_user).aggregate(
        total=Count("pk"), overdue=Count("pk", filter=Q(assignment_due_on__lt=today))
    )
    paginator.count = counts["total"]  # counted without the order's expressions
    page: Page[Any] = paginator.get_page(number)

    ids = list(page.object_list)
    loaded = {
        case.pk: case
        for case in cases.filter(pk__in=ids)
        .select_related("person")
        .prefetch_related(
            Prefetch(
                "sifts",
                queryset=SiftDecision.objects.order_by("-decided_at", "-id"),
                to_attr="sift_history",
            )
        )
    }
    page.object_list = [loaded[pk] for pk in ids if pk in loaded]
    return WaitingList(page=page, overdue=counts["overdue"])


# Transfers -----------------------------------------------------------------------------------
# A case moving to another contract area (issue: allocation, 7; docs/adr/0013-transfers.md).
# The receiving organisation's managers read a summary of the transfers sent to them (name,
# CRN, tier, RoSH, reason), not the case record: ``cases_visible_to`` is unchanged, and they see
# the whole case once they accept it.

#: What a transfer's pages read with it, in one query.
TRANSFER_RELATED = (
    "case__person",
    "case__responsible_officer",
    "from_organisation",
    "from_contract_area",
    "to_organisation",
    "to_contract_area",
    "requested_by",
    "decided_by",
)


def transfer_receiver(*, case: Case, to_contract_area: ContractArea) -> Organisation | None:
    """The organisation that would receive ``case`` in ``to_contract_area``: the NPS itself for
    an NPS case (same organisation, new area), the CRC of the new area for a CRC case (None when
    the area has no CRC)."""
    current = Organisation.objects.get(pk=case.responsible_organisation_id)
    if current.kind == OrganisationKind.NPS:
        return current
    return Organisation.objects.filter(
        kind=OrganisationKind.CRC, contract_area=to_contract_area
    ).first()


def transfer_areas() -> list[ContractArea]:
    """The contract areas a case may be transferred to (reference data), by name."""
    return list(ContractArea.objects.order_by("name", "code"))


def contract_area_by_id(pk: int) -> ContractArea | None:
    return ContractArea.objects.filter(pk=pk).first()


def open_transfer(case: Case) -> Transfer | None:
    """The case's transfer waiting for a decision, if any (there is at most one)."""
    return (
        Transfer.objects.filter(case=case, state=TransferState.REQUESTED)
        .select_related(*TRANSFER_RELATED)
        .first()
    )


def case_transfers(case: Case) -> list[Transfer]:
    """Every transfer of a case already released to the reader, newest first."""
    return list(
        Transfer.objects.filter(case=case)
        .select_related(*TRANSFER_RELATED)
        .order_by("-requested_at", "-id")
    )


def _access_lists_allow(user: Any) -> Q:
    """The case's access lists let ``user`` see it: not excluded, and named on its restriction
    list if it has one (``docs/adr/0004-case-visibility.md``), for transfers' cases."""
    excluded = CaseAccess.objects.filter(
        case=OuterRef("case_id"), user_id=user.pk, kind=AccessKind.EXCLUSION
    )
    permitted = CaseAccess.objects.filter(
        case=OuterRef("case_id"), user_id=user.pk, kind=AccessKind.RESTRICTION
    )
    return ~Exists(excluded) & (Q(case__restricted=False) | Exists(permitted))


def _receives_transfers(user: Any) -> bool:
    return can_read_cases(user) and user.has_role(RoleCode.ALLOCATING_MANAGER)


def transfers_to_decide(user: Any) -> QuerySet[Transfer]:
    """Transfers ``user`` may read as a manager of the receiving organisation: sent to it, of a
    case whose access lists do not keep ``user`` out (any state)."""
    if not _receives_transfers(user):
        return Transfer.objects.none()
    return Transfer.objects.filter(to_organisation_id=user.organisation_id).filter(
        _access_lists_allow(user)
    )


def transfers_visible_to(user: Any) -> QuerySet[Transfer]:
    """Transfers ``user`` may read: of a case they may see, or sent to their organisation for a
    manager to decide."""
    of_visible_cases = Transfer.objects.filter(case__in=cases_visible_to(user))
    return (of_visible_cases | transfers_to_decide(user)).distinct()


def transfer_for(*, transfer_id: int, for_user: Any) -> Transfer | None:
    """One transfer ``for_user`` may read (None for a missing one and a refused one alike)."""
    return (
        transfers_visible_to(for_user)
        .filter(pk=transfer_id)
        .select_related(*TRANSFER_RELATED)
        .first()
    )


@dataclass(frozen=True)
class TransferRow:
    """A transfer with the case summary its receiver decides on."""

    transfer: Transfer
    rosh: str
    is_overdue: bool
    #: Whether the reader may open the case record itself (the receiver may not until accepted).
    case_visible: bool = False


def transfer_summary(transfer: Transfer, *, today: dt.date | None = None) -> TransferRow:
    """The summary of one transfer's case: its latest assessment's overall RoSH, and whether the
    decision is overdue (due before ``today``, by default today in Europe/London)."""
    return _rows([transfer], today=today)[0]


def _rows(
    transfers: list[Transfer], *, today: dt.date | None, visible: set[int] | None = None
) -> list[TransferRow]:
    today = timezone.localdate() if today is None else today
    visible = visible or set()
    latest: dict[int, Assessment] = {}
    for assessment in Assessment.objects.filter(
        case_id__in={t.case_id for t in transfers}
    ).order_by("case_id", "-assessed_on", "-id"):
        latest.setdefault(assessment.case_id, assessment)
    return [
        TransferRow(
            transfer=t,
            rosh=latest[t.case_id].get_rosh_display() if t.case_id in latest else "Not assessed",
            is_overdue=t.state == TransferState.REQUESTED and t.decision_due_on < today,
            case_visible=t.case_id in visible,
        )
        for t in transfers
    ]


def incoming_transfers(*, for_user: Any, today: dt.date | None = None) -> list[TransferRow]:
    """The transfers waiting for ``for_user``'s organisation to decide (an allocating manager's),
    overdue first, then by the day the decision is due: each with the case's name, CRN, tier and
    RoSH and the sender's reason. Two queries however many."""
    transfers = list(
        transfers_to_decide(for_user)
        .filter(state=TransferState.REQUESTED)
        .select_related(*TRANSFER_RELATED)
        .order_by("decision_due_on", "requested_at", "id")
    )
    return _rows(transfers, today=today)


#: How many of the organisation's latest outgoing transfers the transfers page shows.
OUTGOING_SHOWN = 100


def outgoing_transfers(*, for_user: Any, today: dt.date | None = None) -> list[TransferRow]:
    """The transfers ``for_user``'s organisation asked for, newest first (the latest
    :data:`OUTGOING_SHOWN`), of cases ``for_user`` may still see; a case another CRC accepted is
    no longer the sender's to see, so it is listed without a link to it (``case_visible``).
    Three queries."""
    if not can_read_cases(for_user):
        return []
    transfers = list(
        Transfer.objects.filter(from_organisation_id=for_user.organisation_id)
        .filter(
            Q(case__in=cases_visible_to(for_user))
            | (Q(state=TransferState.ACCEPTED) & _access_lists_allow(for_user))
        )
        .select_related(*TRANSFER_RELATED)
        .order_by("-requested_at", "-id")[:OUTGOING_SHOWN]
    )
    visible = set(
        cases_visible_to(for_user)
        .filter(pk__in={t.case_id for t in transfers})
        .values_list("pk", flat=True)
    )
    return _rows(transfers, today=today, visible=visible)


# Escalations ---------------------------------------------------------------------------------
# A CRC case referred back to the NPS because its risk rose (docs/domain/allocation.md §4,
# docs/adr/0012-risk-escalation.md). NPS allocating managers review the queue; the case's own
# page shows every escalation of it to whoever may see the case.


def open_escalation(case: Case) -> Escalation | None:
    """The case's escalation still waiting for the NPS (referred or under review), if any."""
    return Escalation.objects.filter(case=case, state__in=OPEN_ESCALATION_STATES).first()


def case_escalations(case: Case) -> list[Escalation]:
    """Every escalation of a case released to the reader, newest first, with who acted."""
    return list(
        Escalation.objects.filter(case=case)
        .select_related("from_organisation", "referred_by", "reviewer")
        .order_by("-referred_at", "-id")
    )


def escalation_for(*, case: Case, escalation_id: int) -> Escalation | None:
    """The escalation ``escalation_id`` of a case released to the reader (None if not its)."""
    return (
        Escalation.objects.filter(case=case, pk=escalation_id)
        .select_related("from_organisation", "referred_by", "reviewer")
        .first()
    )


def is_escalation_reviewer(user: Any) -> bool:
    """NPS allocating managers review escalations (ADR 0012, decision 2)."""
    return bool(
        can_read_cases(user)
        and user.has_role(RoleCode.ALLOCATING_MANAGER)
        and user.organisation.kind == OrganisationKind.NPS
    )


def escalation_queue(*, for_user: Any, today: dt.date | None = None) -> QuerySet[Escalation]:
    """The NPS review queue: open escalations of the cases ``for_user`` may see, the review due
    soonest first (so the overdue ones lead), then the oldest referral. Each carries
    ``is_overdue`` (due before ``today``, by default today in Europe/London). Empty for anyone
    but an NPS reviewer."""
    if not is_escalation_reviewer(for_user):
        return Escalation.objects.none()
    today = timezone.localdate() if today is None else today
    return (
        Escalation.objects.filter(
            state__in=OPEN_ESCALATION_STATES, case__in=cases_visible_to(for_user)
        )
        .select_related("case__person", "from_organisation", "referred_by", "reviewer")
        .annotate(
            is_overdue=Conditional(
                When(review_due_on__lt=today, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            )
        )
        .order_by("review_due_on", "referred_at", "pk")
    )


def escalation_queue_counts(queue: QuerySet[Escalation]) -> dict[str, int]:
    """How many escalations ``queue`` (from :func:`escalation_queue`) holds, how many are
    overdue and how many are under review: one query."""
    counts = queue.aggregate(
        total=Count("pk"),
        overdue=Count("pk", filter=Q(is_overdue=True)),
        under_review=Count("pk", filter=Q(state=EscalationState.UNDER_REVIEW)),
    )
    return {key: int(value or 0) for key, value in counts.items()}


@dataclass(frozen=True)
class AutomaticEscalation:
    """Why an assessment opens an escalation by itself: the trigger and the reason in words."""

    trigger: str
    reason: str


def _rosh_rank(level: str | None) -> int:
    return ROSH_LEVELS.index(level) if level in ROSH_LEVELS else -1


def automatic_escalation(
    *, assessment: Assessment, previous: Assessment | None
) -> AutomaticEscalation | None:
    """Whether a newly recorded ``assessment`` (compared with the ``previous`` one) opens an
    escalation by itself (``allocation.md`` §4; ADR 0012, decision 3): its overall RoSH rose to
    high or very high, or it has a MAPPA category the previous assessment did not have. Whether
    the case is a CRC case without an open escalation is the caller's question."""
    rosh = assessment.rosh
    before = previous.rosh if previous is not None else None
    reasons: list[str] = []
    trigger = ""
    if rosh in HIGH_ROSH_LEVELS and _rosh_rank(rosh) > _rosh_rank(before):
        trigger = EscalationTrigger.ROSH_HIGH
        reasons.append(f"RoSH is now {assessment.get_rosh_display().lower()}")
    category = assessment.mappa_category
    if category is not None and category != (previous.mappa_category if previous else None):
        trigger = trigger or EscalationTrigger.MAPPA
        reasons.append(f"MAPPA category {category} was added")
    if not trigger:
        return None
    return AutomaticEscalation(
        trigger,
        f"The assessment of {assessment.assessed_on.day} {assessment.assessed_on:%B %Y}: {_and(reasons)}.",
    )


def assessment_before(assessment: Assessment) -> Assessment | None:
    """The case's current assessment before ``assessment`` was recorded (the latest by date,
    then the last recorded that day, leaving ``assessment`` out)."""
    return (
        Assessment.objects.filter(case_id=assessment.case_id)
        .exclude(pk=assessment.pk)
        .order_by("-assessed_on", "-id")
        .first()
    )
