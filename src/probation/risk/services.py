"""Recording assessments and registrations, and keeping the tier up to date.

Every service is atomic, checks that the acting user may see and act on the case, writes its
audit event in the same transaction, and recomputes the tier when a fact the tier depends on
changed (``docs/domain/tiering.md``: "recomputed whenever a fact it depends on changes").
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probation.core.audit import AuditAction, audit, snapshot, to_jsonable
from probation.core.errors import InvalidInput
from probation.core.limits import EVENT_DATES, check_date
from probation.people.locking import begin_case_change
from probation.people.models import Case
from probation.people.selectors import ensure_case_visible
from probation.risk.changes import assessment_changes
from probation.risk.facts import facts_to_json, ogrs3_facts
from probation.risk.history import tier_history_row
from probation.risk.models import Assessment, Registration, TierCalculation
from probation.risk.needs import need_severities
from probation.risk.permissions import may_record_risk
from probation.risk.selectors import (
    active_registrations_by_kind,
    current_tier_facts,
    history_facts,
    latest_assessment,
    latest_tier_calculation,
    ogrs3_for_case,
)
from probation.rules import tiering
from probation.workforce.models import RoleCode

ASSESSING_ROLES = (RoleCode.COURT_OFFICER, RoleCode.PRACTITIONER)
REGISTERING_ROLES = (RoleCode.COURT_OFFICER, RoleCode.PRACTITIONER, RoleCode.ALLOCATING_MANAGER)


def _ensure_may_act(user: Any, case: Case, roles: tuple[str, ...], what: str) -> None:
    if not (user.is_authenticated and user.has_role(*roles)):
        raise PermissionDenied(f"Your role does not allow you to {what}.")
    ensure_case_visible(user, case)


def _ensure_holds(user: Any, locked: Case, what: str) -> None:
    """The organisation rule (:func:`probation.risk.permissions.may_record_risk`), checked on the
    locked case so that a case moved meanwhile (an escalation confirmed) is judged as it is now."""
    if not may_record_risk(user, locked):
        raise PermissionDenied(
            f"Only the organisation responsible for this case may {what} "
            f"({locked.responsible_organisation} holds it)."
        )


@transaction.atomic
def tier_recompute(*, case: Case, by_user: Any, trigger: str) -> TierCalculation:
    """Recompute the tier; add a history entry when the tier or its facts changed."""
    locked = Case.objects.select_for_update().select_related("person").get(pk=case.pk)
    facts = current_tier_facts(locked)
    result = tiering.calculate(facts)
    facts_json = facts_to_json(facts)
    previous = latest_tier_calculation(locked)
    if previous is not None and previous.tier == result.tier and previous.facts == facts_json:
        return previous
    calculation = tier_history_row(
        result,
        case_id=locked.pk,
        trigger=trigger,
        calculated_by=by_user if getattr(by_user, "is_authenticated", False) else None,
        facts=facts_json,
    )
    calculation.save()
    before_tier = locked.tier
    if locked.tier != result.tier:
        locked.tier = result.tier
        locked.save(update_fields=["tier"])
    case.tier = result.tier
    audit(
        by_user,
        AuditAction.TIER_RECALCULATED,
        calculation,
        crn=locked.person.crn,
        before={"tier": before_tier},
        after={"tier": result.tier, "explanation": result.explanation},
        details={"trigger": trigger},
    )
    return calculation


@transaction.atomic
def assessment_record(
    *,
    case: Case,
    by_user: Any,
    assessed_on: dt.date,
    report_type: str,
    rosh_public: str,
    rosh_known_adult: str,
    rosh_children: str,
    rosh_staff: str,
    mappa_category: int | None = None,
    mappa_level: int | None = None,
    rsr: Decimal | None = None,
    parenting_responsibilities: bool = False,
    previous_enforcement: bool = False,
    answers: dict[str, dict[str, str]] | None = None,
    registrations: list[str] | None = None,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Assessment:
    """Record a pre-sentence assessment; OGRS3 comes from the case record, never typed in.

    ``registrations``, when given, is the full set of complexity-factor registrations the case
    should have after the assessment: new ones are added and missing ones ended.
    """
    _ensure_may_act(by_user, case, ASSESSING_ROLES, "record an assessment")
    locked = begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    _ensure_holds(by_user, locked, "record an assessment")
    if (mappa_category is None) != (mappa_level is None):
        raise InvalidInput(
            "Give both a MAPPA category and a level, or neither", field="mappa_level"
        )
    check_date(assessed_on, EVENT_DATES, field="assessed_on", label="date of assessment")
    if assessed_on > timezone.localdate():
        raise InvalidInput("The assessment date must be today or in the past", field="assessed_on")
    answers = answers or {}
    try:
        severities = need_severities(answers)
    except ValueError as error:
        raise InvalidInput(str(error), field="answers") from error
    previous = latest_assessment(case)
    score = ogrs3_for_case(case)
    detail = None
    if score is not None:
        detail = to_jsonable(score)
        detail["facts"] = to_jsonable(ogrs3_facts(history_facts(case)))
    assessment = Assessment.objects.create(
        case=case,
        assessed_on=assessed_on,
        assessed_by=by_user,
        report_type=report_type,
        rosh_public=rosh_public,
        rosh_known_adult=rosh_known_adult,
        rosh_children=rosh_children,
        rosh_staff=rosh_staff,
        mappa_category=mappa_category,
        mappa_level=mappa_level,
        rsr=rsr,
        parenting_responsibilities=parenting_responsibilities,
        previous_enforcement=previous_enforcement,
        answers=answers,
        need_severities=severities,
        ogrs3_one_year=score.one_year if score else None,
        ogrs3_two_year=score.two_year if score else None,
        ogrs3_band=score.band if score else "",
        ogrs3_detail=detail,
    )
    audit(
        by_user,
        AuditAction.ASSESSMENT_RECORDED,
        assessment,
        crn=case.person.crn,
        after=snapshot(assessment),
        details={
            "previous_assessment": previous.pk if previous is not None else None,
            "changes": [str(change) for change in assessment_changes(previous, assessment)],
        },
    )
    if registrations is not None:
        _registrations_sync(case=case, kinds=set(registrations), by_user=by_user, day=assessed_on)
    tier_recompute(case=case, by_user=by_user, trigger="assessment")
    return assessment


def _registrations_sync(*, case: Case, kinds: set[str], by_user: Any, day: dt.date) -> None:
    active = active_registrations_by_kind(case)
    for kind in sorted(kinds - active.keys()):
        _registration_add(case=case, kind=kind, by_user=by_user, registered_on=day, notes="")
    for kind in sorted(active.keys() - kinds):
        _registration_end(registration=active[kind], by_user=by_user, ended_on=day)


def _registration_add(
    *, case: Case, kind: str, by_user: Any, registered_on: dt.date, notes: str
) -> Registration:
    registration = Registration.objects.create(
        case=case, kind=kind, registered_on=registered_on, registered_by=by_user, notes=notes
    )
    audit(
        by_user,
        AuditAction.REGISTRATION_ADDED,
        registration,
        crn=case.person.crn,
        after=snapshot(registration),
    )
    return registration


def _registration_end(*, registration: Registration, by_user: Any, ended_on: dt.date) -> None:
    before = snapshot(registration)
    registration.ended_on = max(ended_on, registration.registered_on)
    registration.save(update_fields=["ended_on"])
    audit(
        by_user,
        AuditAction.REGISTRATION_ENDED,
        registration,
        crn=registration.case.person.crn,
        before=before,
        after=snapshot(registration),
    )


@transaction.atomic
def registration_add(
    *,
    case: Case,
    kind: str,
    by_user: Any,
    registered_on: dt.date | None = None,
    notes: str = "",
    expected_version: int | None = None,
    submission_token: str = "",
) -> Registration:
    """Register a complexity factor (or IOM) on a case; the tier is recomputed."""
    _ensure_may_act(by_user, case, REGISTERING_ROLES, "change registrations")
    locked = begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    _ensure_holds(by_user, locked, "change registrations")
    if Registration.objects.filter(case=case, kind=kind, ended_on__isnull=True).exists():
        raise InvalidInput("The case already has this registration", field="kind")
    registration = _registration_add(
        case=case,
        kind=kind,
        by_user=by_user,
        registered_on=registered_on or timezone.localdate(),
        notes=notes[:500],
    )
    tier_recompute(case=case, by_user=by_user, trigger="registration")
    return registration


@transaction.atomic
def registration_end(
    *, registration: Registration, by_user: Any, ended_on: dt.date | None = None
) -> None:
    """End a registration; the tier is recomputed."""
    case = registration.case
    _ensure_may_act(by_user, case, REGISTERING_ROLES, "change registrations")
    locked_case = begin_case_change(case=case, by_user=by_user)
    _ensure_holds(by_user, locked_case, "change registrations")
    locked = Registration.objects.select_for_update().get(pk=registration.pk)
    if locked.ended_on is not None:
        raise InvalidInput("This registration has already ended", field="registration")
    _registration_end(
        registration=locked, by_user=by_user, ended_on=ended_on or timezone.localdate()
    )
    tier_recompute(case=case, by_user=by_user, trigger="registration")
