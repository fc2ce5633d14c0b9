"""The sift and assignment (``docs/domain/allocation.md``, sections 1 and 2).

Each service is atomic, starts by locking the case (:func:`probation.people.locking.begin_case_change`)
and writes its audit event in the same transaction. The sift is called by the casework workflow
that records a sentence; assignment by an allocating manager of the responsible organisation.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections import defaultdict
from collections.abc import Callable, Collection, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import F, OuterRef, Subquery
from django.utils import timezone

from probation.allocation.deadlines import custody_sifts_due
from probation.allocation.models import (
    Assignment,
    Escalation,
    EscalationState,
    EscalationTrigger,
    FirstAppointment,
    SiftDecision,
    Transfer,
    TransferState,
)
from probation.allocation.selectors import (
    RESTRICTED_GRADES,
    decided_organisation,
    facts_as_json,
    latest_assignment,
    open_escalation,
    sift_facts,
    transfer_receiver,
    transfers_to_decide,
)
from probation.contracts.models import ContractArea
from probation.core.audit import AuditAction, AuditRecord, audit, audit_many
from probation.core.calendar import bank_holidays_from
from probation.core.errors import CaseNotAvailable, Conflict, InvalidInput
from probation.core.limits import checked_text
from probation.courts.models import ChargedOffence, Disposal, Sentence, SentenceStatus
from probation.people.locking import begin_case_change
from probation.people.models import Case, CaseStatus
from probation.people.selectors import cases_visible_to, ensure_case_visible
from probation.risk.models import Assessment, Registration, RegistrationKind
from probation.rules import allocation, clocks
from probation.rules.allocation import HIGH_ROSH_LEVELS
from probation.rules.tiering import TIERS
from probation.workforce.models import Organisation, OrganisationKind, RoleCode, User

ASSIGNING_ROLES = (RoleCode.ALLOCATING_MANAGER,)


@transaction.atomic
def case_sift(
    *, case: Case, by_user: Any, trigger: str, starts_on: dt.date | None = None
) -> SiftDecision:
    """Decide which organisation manages the case (the sift) and hand it to that organisation,
    with no responsible officer until its manager assigns one, by the day the assignment clock
    gives (``allocation.md`` §3: working days after the sift, fewer for tier A).

    ``starts_on`` is the day supervision starts (the sentence of a community order, the release
    from custody): when given, the first appointment's clock starts too (5 working days, 2 for
    tier A), kept as a :class:`FirstAppointment` to be recorded as held."""
    if by_user is not None:
        ensure_case_visible(by_user, case)
    locked = begin_case_change(case=case, by_user=by_user)
    made = _sift_of(
        locked,
        facts=sift_facts(locked),
        trigger=trigger,
        starts_on=starts_on,
        decided_at=timezone.now(),
        by_user=by_user,
        organisations=decided_organisation,
    )
    sift = made.row
    sift.save(force_insert=True)
    if made.first_appointment is not None:
        made.first_appointment.sift = sift
        made.first_appointment.save(force_insert=True)
    _hand_over(locked, sift)
    locked.save(update_fields=HANDED_OVER_FIELDS)
    _hand_over(case, sift)
    audit(
        by_user,
        AuditAction.CASE_SIFTED,
        sift,
        crn=locked.person.crn,
        before=made.before,
        after=made.after,
        details=made.details,
    )
    return sift


@transaction.atomic
def case_assign(
    *,
    case: Case,
    officer: User,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Assignment:
    """Make ``officer`` the case's responsible officer; only a manager of the organisation
    responsible for the case may, and only to an active practitioner of it whose grade may hold
    the case. Of two managers assigning at once, the second is told who took the case."""
    if not (by_user.is_authenticated and by_user.has_role(*ASSIGNING_ROLES)):
        raise PermissionDenied("Your role does not allow you to assign cases.")
    ensure_case_visible(by_user, case)
    try:
        locked = begin_case_change(
            case=case,
            by_user=by_user,
            expected_version=expected_version,
            submission_token=submission_token,
        )
    except Conflict:
        taken = latest_assignment(case)
        if (
            expected_version is not None
            and taken is not None
            and taken.case_version > expected_version
        ):
            raise Conflict(
                f"{taken.assigned_by} has just assigned this case to {taken.officer}."
            ) from None
        raise
    _refuse_assignment(
        locked,
        officer,
        by_user,
        officer_ok=lambda: (
            officer.is_active
            and officer.organisation_id == locked.responsible_organisation_id
            and officer.has_role(RoleCode.PRACTITIONER)
        ),
        reasons=lambda: _boundary_reasons_of([locked.pk]).get(locked.pk, []),
    )
    organisation = locked.responsible_organisation
    previous = locked.responsible_officer
    locked.responsible_officer = officer
    locked.save(update_fields=["responsible_officer"])
    case.responsible_officer = officer
    assignment = Assignment.objects.create(
        case=locked,
        officer=officer,
        organisation=organisation,
        assigned_by=by_user,
        previous_officer=previous,
        case_version=locked.version,
    )
    transferred = _escalations_transferred(case=locked, at=assignment.assigned_at)
    audit(
        by_user,
        AuditAction.CASE_ASSIGNED,
        assignment,
        crn=locked.person.crn,
        **_assignment_audit(previous.pk if previous else None, officer, organisation, transferred),
    )
    return assignment


#: Who records a first appointment: the practitioner holding the case, or a manager of it.
FIRST_APPOINTMENT_ROLES = (RoleCode.PRACTITIONER, RoleCode.ALLOCATING_MANAGER)


@transaction.atomic
def first_appointment_record(
    *,
    case: Case,
    by_user: Any,
    held_on: dt.date,
    expected_version: int | None = None,
    submission_token: str = "",
) -> FirstAppointment:
    """Record that the first appointment after the latest sift was held on ``held_on``,
    stopping its clock (``allocation.md`` §3). Only the responsible officer or an allocating
    manager of the responsible organisation may; not before the sift's supervision started,
    not in the future, and only once."""
    if not (by_user.is_authenticated and by_user.has_role(*FIRST_APPOINTMENT_ROLES)):
        raise PermissionDenied("Your role does not allow you to record appointments.")
    ensure_case_visible(by_user, case)
    locked = begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    is_officer = locked.responsible_officer_id == by_user.pk
    is_manager = (
        by_user.has_role(RoleCode.ALLOCATING_MANAGER)
        and locked.responsible_organisation_id == by_user.organisation_id
    )
    if not (is_officer or is_manager):
        raise PermissionDenied(
            "Only the responsible officer, or a manager of the organisation responsible for "
            "the case, may record its first appointment."
        )
    appointment = (
        FirstAppointment.objects.select_for_update()
        .filter(case=locked)
        .order_by("-sift__decided_at", "-id")
        .first()
    )
    if appointment is None:
        raise InvalidInput("This case has no first appointment to record: it has not been sifted.")
    if appointment.held_on is not None:
        raise InvalidInput(
            f"The first appointment was already recorded as held on {appointment.held_on:%-d %B %Y}.",
            field="held_on",
        )
    started_on = timezone.localdate(appointment.sift.decided_at)
    if held_on > timezone.localdate():
        raise InvalidInput(
            "The date the appointment was held must be today or in the past", field="held_on"
        )
    if held_on < started_on:
        raise InvalidInput(
            f"The date the appointment was held must be on or after {started_on:%-d %B %Y}, when "
            "the case was allocated",
            field="held_on",
        )
    appointment.held_on = held_on
    appointment.recorded_by = by_user
    appointment.recorded_at = timezone.now()
    appointment.save(update_fields=["held_on", "recorded_by", "recorded_at"])
    audit(
        by_user,
        AuditAction.FIRST_APPOINTMENT_RECORDED,
        appointment,
        crn=locked.person.crn,
        before={"held_on": None},
        after={"held_on": held_on.isoformat()},
        details={"due_on": appointment.due_on.isoformat(), "late": held_on > appointment.due_on},
    )
    return appointment


@transaction.atomic
def first_appointment_held(
    *, case: Case, by_user: Any, held_on: dt.date
) -> FirstAppointment | None:
    """Stop the first-appointment clock because an appointment was attended on ``held_on``
    (``allocation.md`` §3), when a contact is recorded (``probation.supervision.services``).

    The caller has already checked ``by_user`` may record the contact and has locked the case
    (it is one step of that change, so it takes no version or token of its own). The latest
    sift's first appointment is marked held if it is not yet and the day is on or after the
    sift; otherwise nothing changes and None is returned (a contact before the latest sift, or
    a case held already, does not restart or move the clock)."""
    appointment = (
        FirstAppointment.objects.select_for_update()
        .select_related("sift")
        .filter(case_id=case.pk)
        .order_by("-sift__decided_at", "-id")
        .first()
    )
    if appointment is None or appointment.held_on is not None:
        return None
    if held_on < timezone.localdate(appointment.sift.decided_at) or held_on > timezone.localdate():
        return None
    appointment.held_on = held_on
    appointment.recorded_by = by_user
    appointment.recorded_at = timezone.now()
    appointment.save(update_fields=["held_on", "recorded_by", "recorded_at"])
    audit(
        by_user,
        AuditAction.FIRST_APPOINTMENT_RECORDED,
        appointment,
        crn=case.person.crn,
        before={"held_on": None},
        after={"held_on": held_on.isoformat()},
        details={
            "due_on": appointment.due_on.isoformat(),
            "late": held_on > appointment.due_on,
            "from": "contact recorded",
        },
    )
    return appointment


@transaction.atomic
def allocation_seen(*, case: Case, by_user: Any) -> int:
    """Mark the new allocation of ``case`` to ``by_user`` as seen (they opened the case), so
    My cases stops showing it as new. Returns how many assignments were marked (0 or 1); no
    case change, so no case lock: it touches only the user's own notification."""
    assignment = (
        Assignment.objects.select_for_update()
        .filter(case=case, officer_id=by_user.pk, seen_at__isnull=True)
        .order_by("-assigned_at", "-id")
        .first()
    )
    if assignment is None:
        return 0
    assignment.seen_at = timezone.now()
    assignment.save(update_fields=["seen_at"])
    audit(
        by_user,
        AuditAction.ALLOCATION_SEEN,
        assignment,
        crn=case.person.crn,
        details={"assigned_at": assignment.assigned_at.isoformat()},
    )
    return 1


@transaction.atomic
def release_sifts(*, by_user: Any, today: dt.date | None = None) -> list[SiftDecision]:
    """Sift every custodial case whose sift is due by ``today`` (10 working days before
    release) and has not been made since the sentence; the first appointment is counted from
    the release. Run each day by ``probation allocation sift-releases`` (the system, by_user
    None) or by an NPS allocating manager from the list of sifts due."""
    if by_user is not None and not (
        by_user.has_role(*ASSIGNING_ROLES) and by_user.organisation.kind == OrganisationKind.NPS
    ):
        raise PermissionDenied("Only an NPS allocating manager sifts cases before release.")
    cases = cases_visible_to(by_user) if by_user is not None else None
    due = list(custody_sifts_due(cases=cases, today=today))
    return [
        case_sift(
            case=sentence.case, by_user=by_user, trigger="release", starts_on=sentence.release_date
        )
        for sentence in due
    ]


# One sift, one assignment: the steps shared by the one-case services and the bulk ones below.

#: The rows a bulk service writes per statement.
_BULK_BATCH = 2000


@dataclass(frozen=True)
class _Sift:
    """A sift decided for one locked case, not yet written: its rows and its audit event."""

    row: SiftDecision
    first_appointment: FirstAppointment | None
    before: dict[str, Any]
    after: dict[str, Any]
    details: dict[str, Any]


def _sift_of(
    case: Case,
    *,
    facts: allocation.AllocationFacts,
    trigger: str,
    starts_on: dt.date | None,
    decided_at: dt.datetime,
    by_user: Any,
    organisations: Callable[[allocation.AllocationDecision], tuple[Organisation, ContractArea]],
) -> _Sift:
    """The sift of ``case`` (locked) on ``facts``: the decision of the default policy, the
    organisation and area it names, when a practitioner is due (from the sift day and the case's
    tier) and, when supervision starts on ``starts_on``, the first appointment's due day."""
    policy = allocation.DEFAULT_POLICY
    decision = allocation.decide(facts, policy)
    organisation, area = organisations(decision)
    sifted_on = timezone.localdate(decided_at)
    # An unsupervised tier ("C0S": no active sentence) has no clock of its own: as untiered.
    tier = case.tier if case.tier in TIERS else None
    assignment_due_on = clocks.assignment_due(
        sifted_on=sifted_on, tier=tier, holidays=bank_holidays_from(sifted_on)
    )
    row = SiftDecision(
        case=case,
        organisation=organisation,
        contract_area=area,
        reasons=[list(reason) for reason in decision.reasons],
        facts=facts_as_json(facts),
        policy_id=policy.id,
        policy_version=policy.version,
        trigger=trigger,
        decided_at=decided_at,
        assignment_due_on=assignment_due_on,
        decided_by=by_user if getattr(by_user, "is_authenticated", False) else None,
    )
    first_appointment = None
    first_due = None
    if starts_on is not None:
        first_due = clocks.first_appointment_due(
            starts_on=starts_on, tier=tier, holidays=bank_holidays_from(starts_on)
        )
        first_appointment = FirstAppointment(sift=row, case=case, due_on=first_due)
    return _Sift(
        row=row,
        first_appointment=first_appointment,
        before={
            "organisation": case.responsible_organisation_id,
            "officer": case.responsible_officer_id,
            "contract_area": case.contract_area_id,
        },
        after={
            "organisation": organisation.code,
            "contract_area": area.code,
            "reasons": row.reasons,
            "assignment_due_on": assignment_due_on.isoformat(),
            "first_appointment_due_on": first_due.isoformat() if first_due else None,
        },
        details={"trigger": trigger, "policy": [policy.id, policy.version]},
    )


#: The case fields a hand-over to an organisation writes.
HANDED_OVER_FIELDS = [
    "responsible_organisation",
    "responsible_officer",
    "contract_area",
    "awaiting_since",
    "assignment_due_on",
]


def _hand_to(
    case: Case,
    *,
    organisation: Organisation,
    contract_area: ContractArea,
    since: dt.datetime,
    due_on: dt.date | None,
) -> None:
    """The case handed to ``organisation`` with no officer, waiting since ``since`` for a
    practitioner due by ``due_on`` (on the instance; the caller saves HANDED_OVER_FIELDS).
    Every hand-over — a sift, an accepted transfer, a confirmed escalation — goes through here,
    so the list of cases to allocate can read the wait from the case (ADR 0017, decision 8)."""
    case.responsible_organisation = organisation
    case.responsible_officer = None
    case.contract_area = contract_area
    case.awaiting_since = since
    case.assignment_due_on = due_on


def _hand_over(case: Case, sift: SiftDecision) -> None:
    """The case handed to the organisation a sift decided, by its assignment clock."""
    _hand_to(
        case,
        organisation=sift.organisation,
        contract_area=sift.contract_area,
        since=sift.decided_at,
        due_on=sift.assignment_due_on,
    )


def _boundary_words(
    assessment: Assessment | None,
    *,
    sexual_offence: bool,
    indeterminate: bool,
    child_protection: bool,
) -> list[str]:
    """The role boundaries (``allocation.md`` §2) as :func:`boundary_reasons` words them."""
    reasons: list[str] = []
    if assessment is not None and assessment.rosh in HIGH_ROSH_LEVELS:
        reasons.append(f"RoSH is {assessment.get_rosh_display().lower()}")
    if assessment is not None and assessment.mappa_category is not None:
        reasons.append(f"MAPPA category {assessment.mappa_category}")
    if sexual_offence:
        reasons.append("a sexual offence")
    if indeterminate:
        reasons.append("an indeterminate sentence")
    if child_protection:
        reasons.append("a child-protection registration")
    return reasons


def _refuse_assignment(
    case: Case,
    officer: User,
    by_user: Any,
    *,
    officer_ok: Callable[[], bool],
    reasons: Callable[[], list[str]],
) -> None:
    """Refuse assigning ``case`` (locked) to ``officer`` unless ``by_user`` manages the
    organisation responsible for it, it is active, the officer is an active practitioner of that
    organisation (``officer_ok``) whose grade may hold it (``reasons``: its role boundaries),
    and not already its officer."""
    if case.responsible_organisation_id != by_user.organisation_id:
        raise PermissionDenied(
            "Only a manager of the organisation responsible for the case may assign it."
        )
    if case.status != CaseStatus.ACTIVE:
        raise InvalidInput("This case is closed: only an active case is assigned.")
    if not officer_ok():
        raise InvalidInput(
            f"{officer} is not an active practitioner of {case.responsible_organisation}.",
            field="officer",
        )
    if officer.grade in RESTRICTED_GRADES:
        found = reasons()
        if found:
            raise InvalidInput(
                f"{officer} is a {officer.grade}, who may not hold a case with {', '.join(found)}.",
                field="officer",
            )
    if case.responsible_officer_id == officer.pk:
        raise InvalidInput(f"This case is already assigned to {officer}.", field="officer")


def _assignment_audit(
    previous_officer_id: int | None,
    officer: User,
    organisation: Organisation,
    escalations_transferred: list[int],
) -> dict[str, Any]:
    """The ``before``, ``after`` and ``details`` of an assignment's audit event."""
    return {
        "before": {"officer": previous_officer_id},
        "after": {"officer": officer.pk, "officer_name": str(officer), "grade": officer.grade},
        "details": {
            "organisation": organisation.code,
            "escalations_transferred": escalations_transferred,
        },
    }


# The sift and assignment in bulk -------------------------------------------------------------
# The same decisions as case_sift and case_assign (the same facts, policy, organisations, clocks
# and checks, through the same private helpers), made for many cases at once and written in bulk:
# for the demo world of a national caseload, where a service call per case would take hours.
# docs/adr/0016-demo-allocation.md.


class CaseToSift(NamedTuple):
    """One case for :func:`cases_sift`: its facts (as :func:`sift_facts` reads them), the trigger,
    the day supervision starts (the first appointment's clock; None for none) and when the sift
    was decided (None: now)."""

    case: Case
    facts: allocation.AllocationFacts
    trigger: str
    starts_on: dt.date | None = None
    decided_at: dt.datetime | None = None


class CaseToAssign(NamedTuple):
    """One case for :func:`cases_assign`: the practitioner and when (None: now)."""

    case: Case
    officer: User
    assigned_at: dt.datetime | None = None


#: A locked case's version moved on, in the update that writes a bulk service's change.
_NEXT_VERSION = F("version") + 1


def _lock_cases(cases: Sequence[Case], by_user: Any) -> dict[int, Case]:
    """Every case locked and its version moved on, as :func:`begin_case_change` does one case;
    refused (:class:`CaseNotAvailable`) unless ``by_user`` (when a user) may see them all.

    The new version is on the instances; the caller writes it (``_NEXT_VERSION``) in the update
    that makes its change, so each case row is updated once, not twice."""
    ids = [case.pk for case in cases]
    if len(set(ids)) != len(ids):
        raise InvalidInput("A case is listed twice.")
    if by_user is not None and cases_visible_to(by_user).filter(pk__in=ids).count() != len(ids):
        raise CaseNotAvailable
    locked = {
        case.pk: case
        for case in Case.objects.select_for_update().select_related("person").filter(pk__in=ids)
    }
    for case in locked.values():
        case.version += 1
    for case in cases:
        case.version = locked[case.pk].version
    return locked


def _organisations_cached() -> Callable[
    [allocation.AllocationDecision], tuple[Organisation, ContractArea]
]:
    """:func:`decided_organisation`, read once for each organisation and area."""
    known: dict[tuple[str, str], tuple[Organisation, ContractArea]] = {}

    def resolve(decision: allocation.AllocationDecision) -> tuple[Organisation, ContractArea]:
        key = (decision.organisation, decision.contract_area)
        if key not in known:
            known[key] = decided_organisation(decision)
        return known[key]

    return resolve


@transaction.atomic
def cases_sift(*, sifts: Sequence[CaseToSift], by_user: Any) -> list[SiftDecision]:
    """:func:`case_sift` for many cases at once, from facts the caller read in bulk: the same
    decision, organisation, clocks, rows and audit events (one per case), written in a few bulk
    statements. ``by_user`` None is the system (court intake, the demo world)."""
    if not sifts:
        return []
    locked = _lock_cases([item.case for item in sifts], by_user)
    organisations = _organisations_cached()
    made = [
        _sift_of(
            locked[item.case.pk],
            facts=item.facts,
            trigger=item.trigger,
            starts_on=item.starts_on,
            decided_at=item.decided_at or timezone.now(),
            by_user=by_user,
            organisations=organisations,
        )
        for item in sifts
    ]
    rows = SiftDecision.objects.bulk_create([m.row for m in made], batch_size=_BULK_BATCH)
    appointments = []
    for m, row in zip(made, rows, strict=True):
        if m.first_appointment is not None:
            m.first_appointment.sift = row
            appointments.append(m.first_appointment)
    FirstAppointment.objects.bulk_create(appointments, batch_size=_BULK_BATCH)
    handed: dict[tuple[int, int], list[int]] = defaultdict(list)
    for item, row in zip(sifts, rows, strict=True):
        handed[(row.organisation_id, row.contract_area_id)].append(item.case.pk)
        _hand_over(locked[item.case.pk], row)
        _hand_over(item.case, row)
    for (organisation_id, area_id), ids in handed.items():
        Case.objects.filter(pk__in=ids).update(
            version=_NEXT_VERSION,
            responsible_organisation_id=organisation_id,
            responsible_officer=None,
            contract_area_id=area_id,
        )
    Case.objects.bulk_update(
        list(locked.values()), ["awaiting_since", "assignment_due_on"], batch_size=_BULK_BATCH
    )
    audit_many(
        AuditRecord(
            action=AuditAction.CASE_SIFTED,
            actor=by_user,
            subject_type=SiftDecision._meta.label,
            subject_id=str(row.pk),
            crn=locked[row.case_id].person.crn,
            before=m.before,
            after=m.after,
            details=m.details,
        )
        for m, row in zip(made, rows, strict=True)
    )
    return rows


def _practitioners_among(officers: Iterable[User]) -> set[int]:
    """Of ``officers``, the ids of the active ones holding the practitioner role."""
    return set(
        User.objects.filter(
            pk__in={officer.pk for officer in officers},
            is_active=True,
            roles__code=RoleCode.PRACTITIONER,
        ).values_list("pk", flat=True)
    )


def _boundary_reasons_of(case_ids: Collection[int]) -> dict[int, list[str]]:
    """:func:`boundary_reasons` of many cases, in five queries; a case with none is left out.
    Tested to agree with the one-case read (tests/allocation/test_bulk.py)."""
    if not case_ids:
        return {}
    latest: dict[int, Assessment] = {}
    for assessment in Assessment.objects.filter(case_id__in=case_ids).order_by(
        "case_id", "-assessed_on", "-id"
    ):
        latest.setdefault(assessment.case_id, assessment)
    sexual = set(
        ChargedOffence.objects.filter(
            court_event__case_id__in=case_ids, offence__sexual=True
        ).values_list("court_event__case_id", flat=True)
    )
    indeterminate = set(
        Sentence.objects.filter(
            case_id__in=case_ids,
            status=SentenceStatus.ACTIVE,
            disposal=Disposal.CUSTODY_INDETERMINATE,
        ).values_list("case_id", flat=True)
    )
    child_protection = set(
        Registration.objects.filter(
            case_id__in=case_ids, kind=RegistrationKind.CHILD_PROTECTION, ended_on__isnull=True
        ).values_list("case_id", flat=True)
    )
    reasons: dict[int, list[str]] = {}
    for case_id in case_ids:
        words = _boundary_words(
            latest.get(case_id),
            sexual_offence=case_id in sexual,
            indeterminate=case_id in indeterminate,
            child_protection=case_id in child_protection,
        )
        if words:
            reasons[case_id] = words
    return reasons


@transaction.atomic
def cases_assign(*, assignments: Sequence[CaseToAssign], by_user: Any) -> list[Assignment]:
    """:func:`case_assign` for many cases at once, by one allocating manager: the same checks
    (any refusal refuses them all), rows, escalations marked transferred and audit events (one
    per case), written in a few bulk statements."""
    if not (by_user.is_authenticated and by_user.has_role(*ASSIGNING_ROLES)):
        raise PermissionDenied("Your role does not allow you to assign cases.")
    if not assignments:
        return []
    locked = _lock_cases([item.case for item in assignments], by_user)
    practitioners = _practitioners_among(item.officer for item in assignments)
    restricted = [item.case.pk for item in assignments if item.officer.grade in RESTRICTED_GRADES]
    boundaries = _boundary_reasons_of(restricted)
    organisations = {by_user.organisation_id: by_user.organisation}
    rows: list[Assignment] = []
    for item in assignments:
        case, officer = locked[item.case.pk], item.officer
        _refuse_assignment(
            case,
            officer,
            by_user,
            officer_ok=functools.partial(
                bool,
                officer.is_active
                and officer.organisation_id == case.responsible_organisation_id
                and officer.pk in practitioners,
            ),
            reasons=functools.partial(list, boundaries.get(case.pk, [])),
        )
        rows.append(
            Assignment(
                case=case,
                officer=officer,
                organisation=organisations[case.responsible_organisation_id],
                assigned_by=by_user,
                assigned_at=item.assigned_at or timezone.now(),
                previous_officer_id=case.responsible_officer_id,
                case_version=case.version,
            )
        )
    rows = Assignment.objects.bulk_create(rows, batch_size=_BULK_BATCH)
    for item in assignments:
        locked[item.case.pk].responsible_officer = item.officer
        item.case.responsible_officer = item.officer
    # One statement however many officers: each case takes the officer of its newest assignment,
    # the one just written (the case rows are locked).
    newest = Assignment.objects.filter(case_id=OuterRef("pk")).order_by("-pk")
    Case.objects.filter(pk__in=list(locked)).update(
        version=_NEXT_VERSION, responsible_officer_id=Subquery(newest.values("officer_id")[:1])
    )
    transferred = _escalations_transferred_many(rows, organisation=by_user.organisation)
    audit_many(
        AuditRecord(
            action=AuditAction.CASE_ASSIGNED,
            actor=by_user,
            subject_type=Assignment._meta.label,
            subject_id=str(row.pk),
            crn=locked[row.case_id].person.crn,
            **_assignment_audit(
                row.previous_officer_id,
                item.officer,
                by_user.organisation,
                transferred.get(row.case_id, []),
            ),
        )
        for item, row in zip(assignments, rows, strict=True)
    )
    return rows


def _escalations_transferred_many(
    rows: Sequence[Assignment], *, organisation: Organisation
) -> dict[int, list[int]]:
    """:func:`_escalations_transferred` for many assignments of one organisation's cases."""
    if organisation.kind != OrganisationKind.NPS:
        return {}
    at = {row.case_id: row.assigned_at for row in rows}
    confirmed = list(
        Escalation.objects.select_for_update()
        .filter(case_id__in=list(at), state=EscalationState.CONFIRMED)
        .order_by("pk")
    )
    transferred: dict[int, list[int]] = defaultdict(list)
    for escalation in confirmed:
        escalation.state = EscalationState.TRANSFERRED
        escalation.transferred_at = at[escalation.case_id]
        transferred[escalation.case_id].append(escalation.pk)
    Escalation.objects.bulk_update(confirmed, ["state", "transferred_at"])
    return transferred


# Transfers -----------------------------------------------------------------------------------
# A case moving to another contract area because the person moved (issue: allocation, 7;
# docs/adr/0013-transfers.md): requested by the responsible organisation, accepted or rejected
# by the receiving one within the transfer clock, or withdrawn by the sender. Until it is
# accepted the sender stays responsible, officer and all, so the case is never unowned.

#: Who may ask for a transfer (of the organisation responsible for the case) and withdraw it.
TRANSFER_REQUESTING_ROLES = (RoleCode.PRACTITIONER, RoleCode.ALLOCATING_MANAGER)
#: Who decides a transfer (of the receiving organisation).
TRANSFER_DECIDING_ROLES = (RoleCode.ALLOCATING_MANAGER,)
#: The longest reason a request or a rejection may carry.
TRANSFER_REASON_MAX = 1000


def _transfer_state(transfer: Transfer) -> dict[str, Any]:
    return {
        "state": transfer.state,
        "from_organisation": transfer.from_organisation.code,
        "from_contract_area": transfer.from_contract_area.code,
        "to_organisation": transfer.to_organisation.code,
        "to_contract_area": transfer.to_contract_area.code,
        "decision_due_on": transfer.decision_due_on.isoformat(),
    }


def _responsibility(case: Case) -> dict[str, Any]:
    return {
        "organisation": case.responsible_organisation_id,
        "officer": case.responsible_officer_id,
        "contract_area": case.contract_area_id,
    }


def _transfer_reason(reason: str, *, label: str) -> str:
    text = (reason or "").strip()
    if not text:
        raise InvalidInput(f"Enter {label}", field="reason")
    if len(text) > TRANSFER_REASON_MAX:
        raise InvalidInput(
            f"The reason must be {TRANSFER_REASON_MAX} characters or fewer", field="reason"
        )
    return text


def _may_act_on_case(by_user: Any, roles: tuple[str, ...], what: str) -> None:
    if not (by_user.is_authenticated and by_user.has_role(*roles)):
        raise PermissionDenied(f"Your role does not allow you to {what}.")


def _check_transfer_target(locked: Case, to_contract_area: ContractArea) -> Organisation:
    if locked.status != CaseStatus.ACTIVE:
        raise InvalidInput("This case is closed: only an active case is transferred.")
    if to_contract_area.pk == locked.contract_area_id:
        raise InvalidInput(
            f"The case is already in {to_contract_area.name}: choose the area the person has "
            "moved to.",
            field="to_contract_area",
        )
    opened = Transfer.objects.filter(case=locked, state=TransferState.REQUESTED).first()
    if opened is not None:
        raise Conflict(
            f"A transfer of this case to {opened.to_contract_area.name} is already waiting for "
            "a decision: withdraw it before asking for another."
        )
    receiver = transfer_receiver(case=locked, to_contract_area=to_contract_area)
    if receiver is None:
        raise InvalidInput(
            f"{to_contract_area.name} has no CRC to receive the case.", field="to_contract_area"
        )
    return receiver


@transaction.atomic
def transfer_request(
    *,
    case: Case,
    by_user: Any,
    to_contract_area: ContractArea,
    reason: str,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Transfer:
    """Ask for the case to move to ``to_contract_area`` (the person has moved there): by a
    practitioner or allocating manager of the organisation responsible for it. The receiving
    organisation is the CRC of the new area for a CRC case, the NPS (new area) for an NPS case;
    its decision is due 5 working days after the request. The case stays where it is."""
    _may_act_on_case(by_user, TRANSFER_REQUESTING_ROLES, "request transfers")
    ensure_case_visible(by_user, case)
    locked = begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    if locked.responsible_organisation_id != by_user.organisation_id:
        raise PermissionDenied(
            "Only staff of the organisation responsible for the case may ask for its transfer."
        )
    text = _transfer_reason(reason, label="why the case is moving")
    receiver = _check_transfer_target(locked, to_contract_area)
    requested_at = timezone.now()
    requested_on = timezone.localdate(requested_at)
    transfer = Transfer.objects.create(
        case=locked,
        from_organisation_id=locked.responsible_organisation_id,
        from_contract_area_id=locked.contract_area_id,
        to_organisation=receiver,
        to_contract_area=to_contract_area,
        reason=text,
        requested_by=by_user,
        requested_at=requested_at,
        decision_due_on=clocks.transfer_decision_due(
            requested_on=requested_on, holidays=bank_holidays_from(requested_on)
        ),
    )
    audit(
        by_user,
        AuditAction.TRANSFER_REQUESTED,
        transfer,
        crn=locked.person.crn,
        before={"state": None, **_responsibility(locked)},
        after=_transfer_state(transfer),
        details={"reason": text},
    )
    return transfer


def _lock_open_transfer(transfer: Transfer) -> Transfer:
    """The transfer, locked, still waiting for a decision (else who settled it, and how)."""
    locked = (
        Transfer.objects.select_for_update()
        .select_related(
            "from_organisation", "from_contract_area", "to_organisation", "to_contract_area"
        )
        .get(pk=transfer.pk)
    )
    if locked.state != TransferState.REQUESTED:
        who = locked.decided_by or "someone else"
        raise Conflict(
            f"This transfer has already been {locked.get_state_display().lower()} by {who}."
        )
    return locked


def _lock_for_decision(
    transfer: Transfer, by_user: Any, expected_version: int | None, submission_token: str
) -> tuple[Case, Transfer]:
    """Lock the case and the transfer for a decision by ``by_user``, a manager of the receiving
    organisation who may see the case's summary and did not ask for the transfer themselves."""
    _may_act_on_case(by_user, TRANSFER_DECIDING_ROLES, "decide transfers")
    if not transfers_to_decide(by_user).filter(pk=transfer.pk).exists():
        raise PermissionDenied(
            "Only an allocating manager of the receiving organisation may decide this transfer."
        )
    case = begin_case_change(
        case=transfer.case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    locked = _lock_open_transfer(transfer)
    if locked.requested_by_id == by_user.pk:
        raise PermissionDenied("You asked for this transfer: another manager must decide it.")
    return case, locked


def _decided(transfer: Transfer, *, state: str, by_user: Any, reason: str = "") -> None:
    transfer.state = state
    transfer.decided_by = by_user
    transfer.decided_at = timezone.now()
    transfer.decision_reason = reason
    transfer.save(update_fields=["state", "decided_by", "decided_at", "decision_reason"])


def _transfer_sift(case: Case, transfer: Transfer, by_user: Any) -> SiftDecision:
    """The receiving organisation's clock for assigning a practitioner, kept as a sift decision
    triggered by the transfer (the unallocated list orders by the latest sift's due day)."""
    decided_at = transfer.decided_at or timezone.now()
    accepted_on = timezone.localdate(decided_at)
    return SiftDecision.objects.create(
        case=case,
        organisation=transfer.to_organisation,
        contract_area=transfer.to_contract_area,
        reasons=[
            [
                "transfer",
                f"Transferred from {transfer.from_organisation} ({transfer.from_contract_area.name}) "
                f"because: {transfer.reason}",
            ]
        ],
        facts={
            "transfer": transfer.pk,
            "from_organisation": transfer.from_organisation.code,
            "from_contract_area": transfer.from_contract_area.code,
            "to_contract_area": transfer.to_contract_area.code,
        },
        policy_id="transfer",
        policy_version=1,
        trigger="transfer",
        decided_at=decided_at,
        assignment_due_on=clocks.assignment_due(
            sifted_on=accepted_on, tier=case.tier or None, holidays=bank_holidays_from(accepted_on)
        ),
        decided_by=by_user,
    )


@transaction.atomic
def transfer_accept(
    *,
    transfer: Transfer,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Transfer:
    """Accept a transfer: the case moves to the receiving organisation and the new contract
    area with no responsible officer, so it enters that organisation's list of cases to
    allocate, with a practitioner due by the assignment clock (3 working days, 1 for tier A)."""
    case, locked = _lock_for_decision(transfer, by_user, expected_version, submission_token)
    if case.status != CaseStatus.ACTIVE:
        raise InvalidInput("This case is closed: reject the transfer instead.")
    if case.responsible_organisation_id != locked.from_organisation_id:
        raise Conflict(
            "The case has moved to another organisation since the transfer was asked for: "
            "reject it."
        )
    before = {**_transfer_state(locked), **_responsibility(case)}
    _decided(locked, state=TransferState.ACCEPTED, by_user=by_user)
    case.responsible_organisation = locked.to_organisation
    case.contract_area = locked.to_contract_area
    case.responsible_officer = None
    sift = _transfer_sift(case, locked, by_user)
    _hand_over(case, sift)
    case.save(update_fields=HANDED_OVER_FIELDS)
    audit(
        by_user,
        AuditAction.TRANSFER_ACCEPTED,
        locked,
        crn=case.person.crn,
        before=before,
        after={
            **_transfer_state(locked),
            **_responsibility(case),
            "assignment_due_on": sift.assignment_due_on.isoformat()
            if sift.assignment_due_on
            else None,
        },
    )
    _refresh(transfer, locked)
    return locked


@transaction.atomic
def transfer_reject(
    *,
    transfer: Transfer,
    by_user: Any,
    reason: str,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Transfer:
    """Reject a transfer, saying why: the case stays with the sender, as it was."""
    case, locked = _lock_for_decision(transfer, by_user, expected_version, submission_token)
    text = _transfer_reason(reason, label="why you are rejecting the transfer")
    before = _transfer_state(locked)
    _decided(locked, state=TransferState.REJECTED, by_user=by_user, reason=text)
    audit(
        by_user,
        AuditAction.TRANSFER_REJECTED,
        locked,
        crn=case.person.crn,
        before=before,
        after=_transfer_state(locked),
        details={"reason": text},
    )
    _refresh(transfer, locked)
    return locked


@transaction.atomic
def transfer_withdraw(
    *,
    transfer: Transfer,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Transfer:
    """Withdraw a transfer not yet decided: by a practitioner or allocating manager of the
    sending organisation. The case stays with the sender, as it was."""
    _may_act_on_case(by_user, TRANSFER_REQUESTING_ROLES, "withdraw transfers")
    ensure_case_visible(by_user, transfer.case)
    case = begin_case_change(
        case=transfer.case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    locked = _lock_open_transfer(transfer)
    if by_user.organisation_id != locked.from_organisation_id:
        raise PermissionDenied("Only staff of the sending organisation may withdraw the transfer.")
    before = _transfer_state(locked)
    _decided(locked, state=TransferState.WITHDRAWN, by_user=by_user)
    audit(
        by_user,
        AuditAction.TRANSFER_WITHDRAWN,
        locked,
        crn=case.person.crn,
        before=before,
        after=_transfer_state(locked),
    )
    _refresh(transfer, locked)
    return locked


def _refresh(transfer: Transfer, locked: Transfer) -> None:
    """Carry the decision onto the caller's instance."""
    for field in ("state", "decided_by", "decided_at", "decision_reason"):
        setattr(transfer, field, getattr(locked, field))


# Escalations ---------------------------------------------------------------------------------
# A CRC case referred back to the NPS because its risk rose (docs/domain/allocation.md §4,
# docs/adr/0012-risk-escalation.md): referred → under_review → confirmed (→ transferred) |
# declined. While it is open the CRC stays responsible; confirming moves the case to the NPS.

#: Who refers a case by hand: a practitioner or an allocating manager of the CRC holding it.
ESCALATION_REFERRING_ROLES = (RoleCode.PRACTITIONER, RoleCode.ALLOCATING_MANAGER)
#: Who reviews and decides: an allocating manager (SPO) of the NPS (ADR 0012, decision 2).
ESCALATION_REVIEWING_ROLES = (RoleCode.ALLOCATING_MANAGER,)
#: The longest reason, evidence or decision text taken (characters).
ESCALATION_TEXT_MAX = 5000


def _escalation_text(value: str, *, field: str, label: str) -> str:
    return checked_text(value, field=field, label=label, max_length=ESCALATION_TEXT_MAX)


def _escalation_state(escalation: Escalation) -> dict[str, Any]:
    return {
        "state": escalation.state,
        "reviewer": escalation.reviewer_id,
        "decision_reasons": escalation.decision_reasons,
        "transfer_due_on": escalation.transfer_due_on,
    }


def _ensure_may_refer(user: Any, case: Case, trigger: str) -> None:
    if trigger not in EscalationTrigger.values:
        raise InvalidInput("Choose how the escalation was triggered", field="trigger")
    if user is None:
        if trigger == EscalationTrigger.MANUAL:
            raise InvalidInput("A referral by hand is made by a member of staff.")
        return  # the system, opening an escalation after an assessment
    if not (user.is_authenticated and user.has_role(*ESCALATION_REFERRING_ROLES)):
        raise PermissionDenied("Your role does not allow you to refer a case to the NPS.")
    ensure_case_visible(user, case)


def _ensure_reviewer(user: Any, case: Case) -> None:
    if not (
        user is not None
        and user.is_authenticated
        and user.has_role(*ESCALATION_REVIEWING_ROLES)
        and user.organisation is not None
        and user.organisation.kind == OrganisationKind.NPS
    ):
        raise PermissionDenied("Only an NPS allocating manager reviews a risk escalation.")
    ensure_case_visible(user, case)


def _lock_for_review(
    escalation: Escalation,
    by_user: Any,
    *,
    expected: str,
    expected_version: int | None,
    submission_token: str,
) -> tuple[Case, Escalation]:
    """For an NPS reviewer's step: the case locked (and its version moved on), then the
    escalation, which must be in state ``expected``."""
    _ensure_reviewer(by_user, escalation.case)
    locked_case = begin_case_change(
        case=escalation.case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    return locked_case, _locked_escalation(escalation, expected=expected)


def _locked_escalation(escalation: Escalation, *, expected: str) -> Escalation:
    locked = Escalation.objects.select_for_update().get(pk=escalation.pk)
    if locked.state != expected:
        raise Conflict(
            f"This escalation is {locked.get_state_display().lower()}: it must be "
            f"{EscalationState(expected).label.lower()} for that."
        )
    return locked


@transaction.atomic
def escalation_refer(
    *,
    case: Case,
    by_user: Any,
    reason: str,
    evidence: dict[str, Any] | None = None,
    trigger: str = EscalationTrigger.MANUAL,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Escalation:
    """Refer a CRC case to the NPS because its risk rose: by a practitioner or allocating
    manager of the CRC responsible for it, or by the system (``by_user=None``) when an assessment
    triggers it. Refused for a case the CRC does not hold, a closed case, or while another
    escalation of the case is open. The NPS review is due 1 working day later."""
    _ensure_may_refer(by_user, case, trigger)
    locked = begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    organisation = locked.responsible_organisation
    if organisation.kind != OrganisationKind.CRC:
        raise InvalidInput(
            f"Only a CRC case is escalated to the NPS: {organisation} holds this one."
        )
    if by_user is not None and by_user.organisation_id != organisation.pk:
        raise PermissionDenied("Only the CRC responsible for the case may refer it to the NPS.")
    if locked.status != CaseStatus.ACTIVE:
        raise InvalidInput("This case is closed: only an active case is escalated.")
    text = _escalation_text(reason, field="reason", label="the reason for the referral")
    if open_escalation(locked) is not None:
        raise Conflict("This case has already been referred to the NPS, which has not decided yet.")
    referred_at = timezone.now()
    referred_on = timezone.localdate(referred_at)
    review_due_on = clocks.escalation_review_due(
        referred_on=referred_on, holidays=bank_holidays_from(referred_on)
    )
    escalation = Escalation.objects.create(
        case=locked,
        trigger=trigger,
        from_organisation=organisation,
        reason=text,
        evidence=evidence or {},
        referred_by=by_user,
        referred_at=referred_at,
        review_due_on=review_due_on,
    )
    audit(
        by_user,
        AuditAction.ESCALATION_REFERRED,
        escalation,
        crn=locked.person.crn,
        after={
            "state": escalation.state,
            "trigger": trigger,
            "reason": text,
            "evidence": escalation.evidence,
            "review_due_on": review_due_on,
        },
        details={"organisation": organisation.code},
    )
    return escalation


@transaction.atomic
def escalation_review_start(
    *,
    escalation: Escalation,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Escalation:
    """An NPS allocating manager takes a referred escalation for review (they become its
    reviewer); the CRC stays responsible meanwhile."""
    locked_case, locked = _lock_for_review(
        escalation,
        by_user,
        expected=EscalationState.REFERRED,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    before = _escalation_state(locked)
    locked.state = EscalationState.UNDER_REVIEW
    locked.reviewer = by_user
    locked.review_started_at = timezone.now()
    locked.save(update_fields=["state", "reviewer", "review_started_at"])
    audit(
        by_user,
        AuditAction.ESCALATION_REVIEW_STARTED,
        locked,
        crn=locked_case.person.crn,
        before=before,
        after=_escalation_state(locked),
    )
    return locked


@transaction.atomic
def escalation_confirm(
    *,
    escalation: Escalation,
    by_user: Any,
    reasons: str,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Escalation:
    """The NPS confirms an escalation under review: the case moves to the NPS at once (no
    responsible officer, the contract area kept), so it joins the NPS list of cases to allocate
    and the CRC no longer sees it; an NPS practitioner is due 5 working days later."""
    locked_case, locked = _lock_for_review(
        escalation,
        by_user,
        expected=EscalationState.UNDER_REVIEW,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    text = _escalation_text(reasons, field="reasons", label="the reasons for the decision")
    if locked_case.status != CaseStatus.ACTIVE:
        raise InvalidInput("This case is closed: only an active case moves to the NPS.")
    if locked_case.responsible_organisation_id != locked.from_organisation_id:
        raise Conflict("The case has moved since it was referred: decline this escalation.")
    before = {
        **_escalation_state(locked),
        "organisation": locked_case.responsible_organisation.code,
        "officer": locked_case.responsible_officer_id,
    }
    decided_at = timezone.now()
    confirmed_on = timezone.localdate(decided_at)
    nps = by_user.organisation
    locked.state = EscalationState.CONFIRMED
    locked.reviewer = by_user
    locked.decided_at = decided_at
    locked.decision_reasons = text
    locked.transfer_due_on = clocks.transfer_in_due(
        confirmed_on=confirmed_on, holidays=bank_holidays_from(confirmed_on)
    )
    locked.save(
        update_fields=["state", "reviewer", "decided_at", "decision_reasons", "transfer_due_on"]
    )
    for held in (locked_case, escalation.case):
        _hand_to(
            held,
            organisation=nps,
            contract_area=locked_case.contract_area,
            since=decided_at,
            due_on=locked.transfer_due_on,
        )
    locked_case.save(update_fields=HANDED_OVER_FIELDS)
    audit(
        by_user,
        AuditAction.ESCALATION_CONFIRMED,
        locked,
        crn=locked_case.person.crn,
        before=before,
        after={**_escalation_state(locked), "organisation": nps.code, "officer": None},
        details={"reasons": text},
    )
    return locked


@transaction.atomic
def escalation_decline(
    *,
    escalation: Escalation,
    by_user: Any,
    reasons: str,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Escalation:
    """The NPS declines an escalation under review, with its reasons: the CRC keeps the case,
    and may refer it again when there is new information."""
    locked_case, locked = _lock_for_review(
        escalation,
        by_user,
        expected=EscalationState.UNDER_REVIEW,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    text = _escalation_text(reasons, field="reasons", label="the reasons for the decision")
    before = _escalation_state(locked)
    locked.state = EscalationState.DECLINED
    locked.reviewer = by_user
    locked.decided_at = timezone.now()
    locked.decision_reasons = text
    locked.save(update_fields=["state", "reviewer", "decided_at", "decision_reasons"])
    audit(
        by_user,
        AuditAction.ESCALATION_DECLINED,
        locked,
        crn=locked_case.person.crn,
        before=before,
        after=_escalation_state(locked),
        details={"reasons": text},
    )
    return locked


def _escalations_transferred(*, case: Case, at: dt.datetime) -> list[int]:
    """Mark the case's confirmed escalations transferred: an NPS practitioner now holds it
    (called by :func:`case_assign` after the lock; its audit event names them)."""
    if case.responsible_organisation.kind != OrganisationKind.NPS:
        return []
    confirmed = list(
        Escalation.objects.select_for_update().filter(case=case, state=EscalationState.CONFIRMED)
    )
    for escalation in confirmed:
        escalation.state = EscalationState.TRANSFERRED
        escalation.transferred_at = at
        escalation.save(update_fields=["state", "transferred_at"])
    return [escalation.pk for escalation in confirmed]
