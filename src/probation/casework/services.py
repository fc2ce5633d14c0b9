"""Workflows that span domain apps, as explicit calls in one transaction.

A domain app never calls another sideways to make a workflow happen: courts records a sentence
and knows nothing of tiers; risk recomputes a tier and knows nothing of pages. The casework layer
calls one, then the other, inside one ``transaction.atomic`` so that either both happen or neither
does (docs/adr/0008-layers-and-cross-app-workflows.md). Later workflows land here in the same
shape: sentence recorded → tier → sift (here) → assignment (by a manager); contact recorded → warning → breach referral.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from probation.allocation import selectors as allocation_selectors
from probation.allocation import services as allocation
from probation.allocation.models import Escalation
from probation.casework.intake_selectors import active_orders_of, pnc_taken, unused_crn
from probation.core.errors import Conflict, InvalidInput
from probation.courts import services as courts
from probation.courts.models import (
    Court,
    CourtEvent,
    Disposal,
    EndedReason,
    RequirementKind,
    Sentence,
)
from probation.enforcement import services as enforcement
from probation.enforcement.models import BreachReferral, BreachState
from probation.enforcement.selectors import is_enforcement_officer
from probation.people import services as people
from probation.people.models import Case, CaseStatus
from probation.risk import services as risk
from probation.risk.changes import assessment_changes
from probation.risk.models import Assessment
from probation.rules.breach import BreachOutcomeFacts, breach_outcome_refusals
from probation.workforce.models import OrganisationKind

#: Sentences sifted when recorded; a custodial sentence is sifted before release (a later slice).
SIFTED_AT_SENTENCE = frozenset({Disposal.COMMUNITY_ORDER, Disposal.SUSPENDED_SENTENCE_ORDER})


@transaction.atomic
def sentence_record(
    *,
    case: Case,
    by_user: Any,
    disposal: str,
    sentence_date: dt.date,
    length_days: int,
    remand_days: int = 0,
    requirements: Sequence[tuple[str, int | None]] = (),
    court_event: CourtEvent | None = None,
    suspended_for_days: int | None = None,
    complete: bool = False,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Sentence:
    """Record a sentence, recompute the case's tier, which depends on it, and, for a community
    or suspended sentence order, sift the case to the organisation that will supervise it."""
    sentence = courts.sentence_record(
        case=case,
        by_user=by_user,
        disposal=disposal,
        sentence_date=sentence_date,
        length_days=length_days,
        remand_days=remand_days,
        requirements=requirements,
        court_event=court_event,
        suspended_for_days=suspended_for_days,
        complete=complete,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    risk.tier_recompute(case=case, by_user=by_user, trigger="sentence")
    if disposal in SIFTED_AT_SENTENCE:
        allocation.case_sift(
            case=case, by_user=by_user, trigger="sentence", starts_on=sentence_date
        )
    return sentence


@dataclass(frozen=True)
class RecordedAssessment:
    """An assessment recorded, and the escalation to the NPS it opened, if it opened one."""

    assessment: Assessment
    escalation: Escalation | None


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
) -> RecordedAssessment:
    """Record an assessment (and recompute the tier), then, on an active CRC case with no open
    escalation, open one to the NPS if the assessment raised RoSH to high or very high or added
    a MAPPA category (``docs/domain/allocation.md`` §4, ``docs/adr/0012-risk-escalation.md``)."""
    assessment = risk.assessment_record(
        case=case,
        by_user=by_user,
        assessed_on=assessed_on,
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
        registrations=registrations,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    return RecordedAssessment(assessment, _escalation_after(case=case, assessment=assessment))


def _escalation_after(*, case: Case, assessment: Assessment) -> Escalation | None:
    """The escalation an assessment opens by itself, if any (the case is locked by now)."""
    current = Case.objects.select_related("responsible_organisation").get(pk=case.pk)
    if (
        current.responsible_organisation.kind != OrganisationKind.CRC
        or current.status != CaseStatus.ACTIVE
        or allocation_selectors.open_escalation(current) is not None
    ):
        return None
    previous = allocation_selectors.assessment_before(assessment)
    found = allocation_selectors.automatic_escalation(assessment=assessment, previous=previous)
    if found is None:
        return None
    evidence = {
        "assessment": assessment.pk,
        "assessed_on": assessment.assessed_on.isoformat(),
        "rosh": assessment.rosh,
        "mappa_category": assessment.mappa_category,
        "mappa_level": assessment.mappa_level,
        "previous_assessment": previous.pk if previous is not None else None,
        "changes": [str(change) for change in assessment_changes(previous, assessment)],
    }
    return allocation.escalation_refer(
        case=case, by_user=None, reason=found.reason, evidence=evidence, trigger=found.trigger
    )


# Court intake (docs/adr/0011-court-intake.md) ------------------------------------------------

#: What the court said of the person's active orders when it passed the new sentence.
PREVIOUS_ORDER_CHOICES = (EndedReason.ENDED, EndedReason.SUPERSEDED, "alongside")


@dataclass(frozen=True)
class NewPerson:
    """A person arriving from court with no record yet (the duplicate check found none, or the
    officer confirmed they are not any of the matches)."""

    forename: str
    surname: str
    date_of_birth: dt.date
    sex: str
    pnc_number: str | None = None
    no_fixed_abode: bool = False
    address: dict[str, Any] | None = None


@dataclass(frozen=True)
class PreSentenceAssessment:
    """The risk of serious harm found by the pre-sentence report, recorded as an assessment
    before the sentence, so that the tier and the sift are made from it."""

    assessed_on: dt.date
    report_type: str
    rosh_public: str
    rosh_known_adult: str
    rosh_children: str
    rosh_staff: str


@dataclass(frozen=True)
class IntakeResult:
    case: Case
    court_event: CourtEvent
    sentence: Sentence
    created: bool
    ended: tuple[Sentence, ...] = ()


@transaction.atomic
def intake_submit(
    *,
    by_user: Any,
    court: Court,
    hearing_date: dt.date,
    conviction_date: dt.date | None,
    offences: Sequence[courts.OffenceCharged],
    disposal: str,
    sentence_date: dt.date,
    length_days: int,
    remand_days: int = 0,
    suspended_for_days: int | None = None,
    requirements: Sequence[tuple[str, int | None]] = (),
    assessment: PreSentenceAssessment | None = None,
    case: Case | None = None,
    person: NewPerson | None = None,
    previous_order: str = "alongside",
    expected_version: int | None = None,
    submission_token: str = "",
) -> IntakeResult:
    """A person from court, in one transaction: the person and their case (when new), the
    court event and its offences, the pre-sentence report's risk of serious harm (when there
    was a report), the sentence with its requirements (then the tier and, for a community or
    suspended sentence order, the sift), and what the court said of the previous active orders:
    ended, superseded by the new sentence, or running alongside it.

    Give exactly one of ``case`` (an existing record the officer chose) and ``person``. If any
    step is refused, nothing of the intake is written.
    """
    if (case is None) == (person is None):
        raise ValueError("intake_submit takes exactly one of case and person")
    if previous_order not in PREVIOUS_ORDER_CHOICES:
        raise InvalidInput("Choose what happens to the previous order", field="previous")
    created = person is not None
    if person is not None:
        if pnc_taken(person.pnc_number):
            raise InvalidInput(
                "The PNC number is already on another person's record", field="pnc_number"
            )
        case = people.person_create(
            by_user=by_user,
            crn=unused_crn(),
            forename=person.forename,
            surname=person.surname,
            date_of_birth=person.date_of_birth,
            sex=person.sex,
            pnc_number=person.pnc_number,
            no_fixed_abode=person.no_fixed_abode,
            address=person.address,
            responsible_organisation=by_user.organisation,
            contract_area=court.contract_area,
            opened_on=sentence_date,
        )
        expected_version = None
    assert case is not None
    previous = [] if created else active_orders_of(case)
    event = courts.court_event_record(
        case=case,
        by_user=by_user,
        court=court,
        hearing_date=hearing_date,
        conviction_date=conviction_date,
        offences=offences,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    if assessment is not None:
        risk.assessment_record(
            case=case,
            by_user=by_user,
            assessed_on=assessment.assessed_on,
            report_type=assessment.report_type,
            rosh_public=assessment.rosh_public,
            rosh_known_adult=assessment.rosh_known_adult,
            rosh_children=assessment.rosh_children,
            rosh_staff=assessment.rosh_staff,
        )
    sentence = sentence_record(
        case=case,
        by_user=by_user,
        disposal=disposal,
        sentence_date=sentence_date,
        length_days=length_days,
        remand_days=remand_days,
        requirements=requirements,
        court_event=event,
        suspended_for_days=suspended_for_days,
        complete=True,
    )
    ended = _previous_orders_end(
        orders=previous, how=previous_order, sentence=sentence, by_user=by_user
    )
    if ended:
        risk.tier_recompute(case=case, by_user=by_user, trigger="previous_order_ended")
    return IntakeResult(case, event, sentence, created, ended)


def _previous_orders_end(
    *, orders: list[Sentence], how: str, sentence: Sentence, by_user: Any
) -> tuple[Sentence, ...]:
    if how == "alongside":
        return ()
    return tuple(
        courts.sentence_end(
            sentence=order,
            by_user=by_user,
            ended_on=sentence.sentence_date,
            reason=how,
            superseded_by=sentence if how == EndedReason.SUPERSEDED else None,
        )
        for order in orders
    )


# The court's outcome of a breach (docs/domain/enforcement.md, docs/domain/sentences.md) -------

#: The orders a court may make when it revokes an order and re-sentences to a new one.
NEW_ORDER_DISPOSALS = (Disposal.COMMUNITY_ORDER, Disposal.SUSPENDED_SENTENCE_ORDER)


@dataclass(frozen=True)
class NewOrder:
    """The order a court made when it revoked the breached order and re-sentenced the person
    to a new one."""

    disposal: str
    length_days: int
    requirements: tuple[tuple[str, int | None], ...] = ()
    suspended_for_days: int | None = None


def _outcome_facts(breach: BreachReferral, outcome: str, figures: dict[str, Any]) -> Any:
    try:
        facts = BreachOutcomeFacts(kind=breach.kind, outcome=outcome, **figures)
    except ValueError:
        raise InvalidInput("Choose what the court decided", field="outcome") from None
    refusals = breach_outcome_refusals(facts)
    if refusals:
        raise InvalidInput(refusals[0].message, field=refusals[0].field)
    return facts


@transaction.atomic
def breach_court_outcome_record(
    *,
    breach: BreachReferral,
    by_user: Any,
    outcome: str,
    outcome_on: dt.date,
    detail: str = "",
    fine_pounds: int | None = None,
    custody_days: int | None = None,
    unpaid_work_hours: int | None = None,
    curfew_hours_a_day: int | None = None,
    curfew_days: int | None = None,
    requirements: Sequence[tuple[str, int | None]] = (),
    new_order: NewOrder | None = None,
    expected_version: int | None = None,
    submission_token: str = "",
) -> BreachReferral:
    """Record what the court decided on a breach in proceedings, and change the sentence as it
    said, in one transaction, through the courts services court intake uses:

    - the order continues unchanged, with a fine, or with amended requirements
      (:func:`probation.courts.services.requirements_amend`, audited ``SENTENCE_AMENDED``);
    - the order is revoked and the person re-sentenced to custody (``custody_days``) or to a new
      order (``new_order``): the new sentence is recorded
      (:func:`probation.courts.services.sentence_record`), the breached order ends superseded by
      it (:func:`probation.courts.services.sentence_end`) and the tier is recomputed;
    - for post-sentence supervision (``sentences.md``): custody up to 14 days or a fine leave the
      supervision as it is; a supervision default order adds its unpaid work or curfew to it.

    Only an NPS enforcement officer records it (the courts services let them, for a breach
    only). The case keeps its organisation: a new order is not sifted again."""
    if not (getattr(by_user, "is_authenticated", False) and is_enforcement_officer(by_user)):
        raise PermissionDenied("Only an NPS enforcement officer records a breach's court outcome.")
    if breach.state != BreachState.PROCEEDINGS_STARTED:
        raise Conflict(
            f"This breach referral is {breach.get_state_display().lower()}: the court's outcome "
            "is recorded once proceedings have started."
        )
    figures = {
        name: value
        for name, value in (
            ("fine_pounds", fine_pounds),
            ("custody_days", custody_days),
            ("unpaid_work_hours", unpaid_work_hours),
            ("curfew_hours_a_day", curfew_hours_a_day),
            ("curfew_days", curfew_days),
        )
        if value is not None
    }
    facts = _outcome_facts(breach, outcome, figures)
    guards: dict[str, Any] = {
        "expected_version": expected_version,
        "submission_token": submission_token,
    }
    sentence = breach.sentence
    new_sentence: Sentence | None = None
    if facts.effect == "amend_requirements":
        if not requirements:
            raise InvalidInput("Enter at least one requirement", field="requirements")
        courts.requirements_amend(
            sentence=sentence,
            by_user=by_user,
            amended_on=outcome_on,
            requirements=[courts.RequirementAmended(kind, amount) for kind, amount in requirements],
            on_breach=True,
            **guards,
        )
        guards = {}
    elif facts.effect == "add_requirement":
        if outcome == "pss_sdo_unpaid_work":
            added = courts.RequirementAmended(
                RequirementKind.UNPAID_WORK,
                facts.unpaid_work_hours,
                detail="Supervision default order",
            )
        else:
            assert facts.curfew_days is not None
            added = courts.RequirementAmended(
                RequirementKind.CURFEW,
                facts.curfew_hours_a_day,
                detail=f"Supervision default order: {facts.curfew_days} days",
                ends_on=outcome_on + dt.timedelta(days=facts.curfew_days - 1),
            )
        courts.requirements_amend(
            sentence=sentence,
            by_user=by_user,
            amended_on=outcome_on,
            requirements=[added],
            keep_others=True,
            on_breach=True,
            **guards,
        )
        guards = {}
    elif facts.effect == "revoke_and_resentence":
        if outcome == "revoked_custody":
            assert facts.custody_days is not None
            passed = NewOrder(disposal=Disposal.CUSTODY, length_days=facts.custody_days)
        elif new_order is None or new_order.disposal not in NEW_ORDER_DISPOSALS:
            raise InvalidInput("Choose the new order the court made", field="new_disposal")
        else:
            passed = new_order
        new_sentence = courts.sentence_record(
            case=breach.case,
            by_user=by_user,
            disposal=passed.disposal,
            sentence_date=outcome_on,
            length_days=passed.length_days,
            requirements=passed.requirements,
            suspended_for_days=passed.suspended_for_days,
            complete=True,
            on_breach=True,
            **guards,
        )
        guards = {}
        courts.sentence_end(
            sentence=sentence,
            by_user=by_user,
            ended_on=outcome_on,
            reason=EndedReason.SUPERSEDED,
            superseded_by=new_sentence,
            on_breach=True,
        )
        risk.tier_recompute(case=breach.case, by_user=by_user, trigger="breach_outcome")
    return enforcement.breach_outcome_record(
        breach=breach,
        by_user=by_user,
        outcome=outcome,
        outcome_on=outcome_on,
        detail=detail,
        facts=facts,
        new_sentence=new_sentence,
        **guards,
    )
