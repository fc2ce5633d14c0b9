"""The sift and assignment (``docs/domain/allocation.md``, sections 1 and 2).

Each service is atomic, starts by locking the case (:func:`probation.people.locking.begin_case_change`)
and writes its audit event in the same transaction. The sift is called by the casework workflow
that records a sentence; assignment by an allocating manager of the responsible organisation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probation.allocation.models import Assignment, FirstAppointment, SiftDecision
from probation.allocation.selectors import (
    RESTRICTED_GRADES,
    boundary_reasons,
    decided_organisation,
    facts_as_json,
    latest_assignment,
    sift_facts,
)
from probation.core.audit import AuditAction, audit
from probation.core.calendar import bank_holidays_from
from probation.core.errors import Conflict, InvalidInput
from probation.people.locking import begin_case_change
from probation.people.models import Case, CaseStatus
from probation.people.selectors import ensure_case_visible
from probation.rules import allocation, clocks
from probation.workforce.models import RoleCode, User

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
    facts = sift_facts(locked)
    policy = allocation.DEFAULT_POLICY
    decision = allocation.decide(facts, policy)
    organisation, area = decided_organisation(decision)
    decided_at = timezone.now()
    sifted_on = timezone.localdate(decided_at)
    assignment_due_on = clocks.assignment_due(
        sifted_on=sifted_on, tier=locked.tier or None, holidays=bank_holidays_from(sifted_on)
    )
    before = {
        "organisation": locked.responsible_organisation_id,
        "officer": locked.responsible_officer_id,
        "contract_area": locked.contract_area_id,
    }
    sift = SiftDecision.objects.create(
        case=locked,
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
    first_appointment_due_on = None
    if starts_on is not None:
        first_appointment_due_on = clocks.first_appointment_due(
            starts_on=starts_on, tier=locked.tier or None, holidays=bank_holidays_from(starts_on)
        )
        FirstAppointment.objects.create(sift=sift, case=locked, due_on=first_appointment_due_on)
    locked.responsible_organisation = organisation
    locked.responsible_officer = None
    locked.contract_area = area
    locked.save(update_fields=["responsible_organisation", "responsible_officer", "contract_area"])
    case.responsible_organisation = organisation
    case.responsible_officer = None
    case.contract_area = area
    audit(
        by_user,
        AuditAction.CASE_SIFTED,
        sift,
        crn=locked.person.crn,
        before=before,
        after={
            "organisation": organisation.code,
            "contract_area": area.code,
            "reasons": sift.reasons,
            "assignment_due_on": assignment_due_on.isoformat(),
            "first_appointment_due_on": first_appointment_due_on.isoformat()
            if first_appointment_due_on
            else None,
        },
        details={"trigger": trigger, "policy": [policy.id, policy.version]},
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
    if locked.responsible_organisation_id != by_user.organisation_id:
        raise PermissionDenied(
            "Only a manager of the organisation responsible for the case may assign it."
        )
    if locked.status != CaseStatus.ACTIVE:
        raise InvalidInput("This case is closed: only an active case is assigned.")
    organisation = locked.responsible_organisation
    if not (
        officer.is_active
        and officer.organisation_id == organisation.pk
        and officer.has_role(RoleCode.PRACTITIONER)
    ):
        raise InvalidInput(
            f"{officer} is not an active practitioner of {organisation}.", field="officer"
        )
    if officer.grade in RESTRICTED_GRADES:
        reasons = boundary_reasons(locked)
        if reasons:
            raise InvalidInput(
                f"{officer} is a {officer.grade}, who may not hold a case with "
                f"{', '.join(reasons)}.",
                field="officer",
            )
    previous = locked.responsible_officer
    if previous is not None and previous.pk == officer.pk:
        raise InvalidInput(f"This case is already assigned to {officer}.", field="officer")
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
    audit(
        by_user,
        AuditAction.CASE_ASSIGNED,
        assignment,
        crn=locked.person.crn,
        before={"officer": previous.pk if previous else None},
        after={"officer": officer.pk, "officer_name": str(officer), "grade": officer.grade},
        details={"organisation": organisation.code},
    )
    return assignment
