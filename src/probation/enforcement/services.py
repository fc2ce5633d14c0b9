"""Warnings and breach referrals (``docs/domain/enforcement.md``): the responsible officer warns
or refers a failure as the warning rule says, an NPS enforcement officer decides the referral,
and the court's outcome is recorded.

Every service is atomic, starts by locking the case
(:func:`probation.people.locking.begin_case_change`), locks the other rows it reads to decide,
refuses any transition the spec does not allow with a plain-English domain error, and writes
its audit event in the same transaction. A breach referral moves only
``referred → under_review → proceedings_started → court_outcome_recorded | returned``.

What a court outcome does to the sentence (amended requirements, a new sentence) spans courts
and enforcement, so it is a casework workflow:
:func:`probation.casework.services.breach_court_outcome_record`.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probation.core.audit import AuditAction, audit, audited_update
from probation.core.calendar import bank_holidays_from
from probation.core.errors import Conflict, InvalidInput
from probation.core.limits import EVENT_DATES, check_date, checked_text, date_in_words
from probation.courts.models import Sentence
from probation.enforcement.letters import warning_letter_text
from probation.enforcement.models import (
    BreachKind,
    BreachReferral,
    BreachState,
    CourtOutcome,
    WarningLetter,
)
from probation.enforcement.selectors import (
    RESPONSIBLE_STAFF_ROLES,
    evidence_pack,
    failure_breach_kind,
    failure_dealt_with,
    failure_on,
    is_enforcement_officer,
    next_action,
    open_breach,
    warning_counted,
)
from probation.people.locking import begin_case_change
from probation.people.models import Case, CaseStatus
from probation.people.selectors import ensure_case_visible
from probation.rules import clocks
from probation.rules.breach import BreachOutcomeFacts, breach_outcome_refusals
from probation.supervision.models import Contact

#: The longest reason, directions or detail taken (characters).
TEXT_MAX = 5000


def _text(value: str, *, field: str, label: str, required: bool = True) -> str:
    return checked_text(value, field=field, label=label, max_length=TEXT_MAX, required=required)


def _ensure_responsible_staff(user: Any, case: Case, what: str) -> None:
    if not (
        user is not None
        and user.is_authenticated
        and user.has_role(*RESPONSIBLE_STAFF_ROLES)
        and user.organisation_id == case.responsible_organisation_id
    ):
        raise PermissionDenied(
            f"Only a practitioner or manager of the organisation responsible for the case may "
            f"{what}."
        )
    ensure_case_visible(user, case)


def _locked_failure(failure: Contact, case: Case, by_user: Any) -> Contact:
    """The failure, locked, checked to be a failure on an order of an active case that the
    user's organisation still holds (it may have moved while the form was open)."""
    if case.responsible_organisation_id != by_user.organisation_id:
        raise PermissionDenied(
            "This case has moved to another organisation: its staff now deal with its failures."
        )
    if case.status != CaseStatus.ACTIVE:
        raise InvalidInput("This case is closed: warnings and breach are for an active case.")
    locked = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("sentence")
        .get(pk=failure.pk, case=case)
    )
    if not locked.is_failure:
        raise InvalidInput(
            "Only a failure (an unacceptable absence or a failure to comply) earns a warning "
            "or a breach referral."
        )
    if locked.sentence is None:
        raise InvalidInput("This contact is not under an order, so there is nothing to enforce.")
    return locked


def _breach_kind_or_refuse(failure: Contact) -> str:
    kind = failure_breach_kind(failure)
    if kind is None:
        raise InvalidInput(
            "This failure is not during a community order, a suspended sentence order or "
            "post-sentence supervision. A failure on licence leads to a recall request."
        )
    return kind


def _already_dealt_with(failure: Contact) -> None:
    done = failure_dealt_with(failure)
    if done == "warning":
        raise Conflict("This failure already has a warning.")
    if done == "referral":
        raise Conflict("This failure has already been referred for breach.")


@transaction.atomic
def warning_issue(
    *,
    failure: Contact,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> WarningLetter:
    """Warn the person for ``failure``: the letter is written from the case record and kept as
    issued. Refused when the warning rule makes a breach referral mandatory (a warning on the
    same order in the 12 months before), when the failure already has a warning or a referral,
    when it is not a failure, and for anyone but the practitioners and managers of the
    responsible organisation."""
    _ensure_responsible_staff(by_user, failure.case, "give a warning")
    case = begin_case_change(
        case=failure.case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    locked = _locked_failure(failure, case, by_user)
    _breach_kind_or_refuse(locked)
    _already_dealt_with(locked)
    decision = next_action(locked)
    if decision.action == "breach_referral":
        raise InvalidInput(
            f"{decision.reason} A second warning cannot be given: make a breach referral."
        )
    sentence: Sentence = locked.sentence  # type: ignore[assignment]
    issued_on = timezone.localdate()
    if issued_on < failure_on(locked):
        raise InvalidInput("A warning cannot be given before the failure it is for.")
    letter = warning_letter_text(
        case=case, sentence=sentence, failure=locked, officer=by_user, issued_on=issued_on
    )
    warning = WarningLetter.objects.create(
        case=case,
        sentence=sentence,
        failure=locked,
        issued_on=issued_on,
        issued_by=by_user,
        letter=letter,
    )
    audit(
        by_user,
        AuditAction.WARNING_ISSUED,
        warning,
        crn=case.person.crn,
        after={
            "failure": locked.pk,
            "failure_on": failure_on(locked),
            "sentence": sentence.pk,
            "issued_on": issued_on,
            "rule": decision.reason,
        },
    )
    return warning


def _breach_state(breach: BreachReferral) -> dict[str, Any]:
    return {
        "state": breach.state,
        "reviewer": breach.reviewer_id,
        "hearing_on": breach.hearing_on,
        "directions": breach.directions,
        "court_outcome": breach.court_outcome,
        "court_outcome_on": breach.court_outcome_on,
        "court_outcome_detail": breach.court_outcome_detail,
        "new_sentence": breach.new_sentence_id,
    }


@transaction.atomic
def breach_refer(
    *,
    failure: Contact,
    by_user: Any,
    reason: str,
    expected_version: int | None = None,
    submission_token: str = "",
) -> BreachReferral:
    """Refer ``failure`` to an NPS enforcement officer for breach, with the evidence pack (the
    failures on the order, the warnings, the compliance record) kept as referred.

    Mandatory when the warning rule says so; otherwise the officer's choice, recorded as
    ``mandatory=False``. A failure during post-sentence supervision is a ``pss`` breach (it goes
    to a magistrates' court). One open referral per order; the referral is due 10 working days
    after the failure, the enforcement officer's decision 5 working days after the referral."""
    _ensure_responsible_staff(by_user, failure.case, "make a breach referral")
    case = begin_case_change(
        case=failure.case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    locked = _locked_failure(failure, case, by_user)
    kind = _breach_kind_or_refuse(locked)
    _already_dealt_with(locked)
    text = _text(reason, field="reason", label="the reason for the referral")
    sentence: Sentence = locked.sentence  # type: ignore[assignment]
    current = open_breach(sentence)
    if current is not None:
        raise Conflict(
            f"This order already has an open breach referral (made "
            f"{date_in_words(timezone.localdate(current.referred_at))}): add to that one."
        )
    decision = next_action(locked)
    day = failure_on(locked)
    referred_at = timezone.now()
    referred_on = timezone.localdate(referred_at)
    breach = BreachReferral.objects.create(
        case=case,
        sentence=sentence,
        kind=BreachKind.POST_SENTENCE_SUPERVISION if kind == "pss" else BreachKind.ORDER,
        failure=locked,
        warning=warning_counted(locked),
        mandatory=decision.action == "breach_referral",
        reason=text,
        evidence={**evidence_pack(sentence=sentence), "rule": decision.reason},
        from_organisation=case.responsible_organisation,
        due_on=clocks.breach_referral_due(failure_on=day, holidays=bank_holidays_from(day)),
        referred_by=by_user,
        referred_at=referred_at,
        review_due_on=clocks.breach_review_due(
            referred_on=referred_on, holidays=bank_holidays_from(referred_on)
        ),
    )
    audit(
        by_user,
        AuditAction.BREACH_REFERRED,
        breach,
        crn=case.person.crn,
        after={
            **_breach_state(breach),
            "kind": breach.kind,
            "failure": locked.pk,
            "mandatory": breach.mandatory,
            "rule": decision.reason,
            "reason": text,
            "due_on": breach.due_on,
            "review_due_on": breach.review_due_on,
        },
        details={"organisation": case.responsible_organisation.code},
    )
    return breach


def _lock_for_enforcement(
    breach: BreachReferral,
    by_user: Any,
    *,
    expected: str,
    expected_version: int | None,
    submission_token: str,
) -> tuple[Case, BreachReferral]:
    """For an enforcement officer's step: the case locked (its version moved on), then the
    referral, which must be in state ``expected``."""
    if not (by_user is not None and by_user.is_authenticated and is_enforcement_officer(by_user)):
        raise PermissionDenied("Only an NPS enforcement officer decides a breach referral.")
    ensure_case_visible(by_user, breach.case)
    case = begin_case_change(
        case=breach.case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    locked = BreachReferral.objects.select_for_update().get(pk=breach.pk, case=case)
    if locked.state != expected:
        raise Conflict(
            f"This breach referral is {locked.get_state_display().lower()}: it must be "
            f"{BreachState(expected).label.lower()} for that."
        )
    return case, locked


@transaction.atomic
def breach_review_start(
    *,
    breach: BreachReferral,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> BreachReferral:
    """An NPS enforcement officer takes a referred breach for review and becomes its reviewer."""
    case, locked = _lock_for_enforcement(
        breach,
        by_user,
        expected=BreachState.REFERRED,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    return audited_update(
        locked,
        by_user=by_user,
        action=AuditAction.BREACH_REVIEW_STARTED,
        crn=case.person.crn,
        snapshot=_breach_state,
        state=BreachState.UNDER_REVIEW,
        reviewer=by_user,
        review_started_at=timezone.now(),
    )


@transaction.atomic
def breach_proceedings_start(
    *,
    breach: BreachReferral,
    by_user: Any,
    hearing_on: dt.date,
    expected_version: int | None = None,
    submission_token: str = "",
) -> BreachReferral:
    """The enforcement officer starts breach proceedings for a referral under review: the case
    goes to court on ``hearing_on`` (on or after the day of the referral)."""
    case, locked = _lock_for_enforcement(
        breach,
        by_user,
        expected=BreachState.UNDER_REVIEW,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    check_date(hearing_on, EVENT_DATES, field="hearing_on", label="date of the hearing")
    if hearing_on < timezone.localdate(locked.referred_at):
        raise InvalidInput(
            "The hearing must be on or after the day of the referral", field="hearing_on"
        )
    return audited_update(
        locked,
        by_user=by_user,
        action=AuditAction.BREACH_PROCEEDINGS_STARTED,
        crn=case.person.crn,
        snapshot=_breach_state,
        state=BreachState.PROCEEDINGS_STARTED,
        reviewer=by_user,
        proceedings_started_at=timezone.now(),
        hearing_on=hearing_on,
    )


@transaction.atomic
def breach_return(
    *,
    breach: BreachReferral,
    by_user: Any,
    directions: str,
    expected_version: int | None = None,
    submission_token: str = "",
) -> BreachReferral:
    """The enforcement officer declines to start proceedings and returns the referral to the
    responsible officer with directions (the order stays open to a later referral)."""
    case, locked = _lock_for_enforcement(
        breach,
        by_user,
        expected=BreachState.UNDER_REVIEW,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    text = _text(directions, field="directions", label="the directions")
    return audited_update(
        locked,
        by_user=by_user,
        action=AuditAction.BREACH_RETURNED,
        crn=case.person.crn,
        snapshot=_breach_state,
        state=BreachState.RETURNED,
        reviewer=by_user,
        returned_at=timezone.now(),
        directions=text,
    )


@transaction.atomic
def breach_outcome_record(
    *,
    breach: BreachReferral,
    by_user: Any,
    outcome: str,
    outcome_on: dt.date,
    detail: str = "",
    facts: BreachOutcomeFacts | None = None,
    new_sentence: Sentence | None = None,
    expected_version: int | None = None,
    submission_token: str = "",
) -> BreachReferral:
    """Record what the court decided on a breach in proceedings: an outcome of the breach's
    kind (``probation.rules.breach``), on or after the hearing was set and not in the future.

    ``facts`` carry the figures the court gave (fine, days of custody, hours); ``new_sentence``
    the sentence passed when the order was revoked. Changing the sentence itself is the casework
    workflow's job (:func:`probation.casework.services.breach_court_outcome_record`)."""
    case, locked = _lock_for_enforcement(
        breach,
        by_user,
        expected=BreachState.PROCEEDINGS_STARTED,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    if outcome not in CourtOutcome.values:
        raise InvalidInput("Choose what the court decided", field="outcome")
    facts = facts or BreachOutcomeFacts(kind=locked.kind, outcome=outcome)
    if facts.outcome != outcome or facts.kind != locked.kind:
        raise InvalidInput("Choose what the court decided", field="outcome")
    refusals = breach_outcome_refusals(facts)
    if refusals:
        raise InvalidInput(refusals[0].message, field=refusals[0].field)
    check_date(outcome_on, EVENT_DATES, field="outcome_on", label="date of the court's decision")
    if outcome_on > timezone.localdate():
        raise InvalidInput("The court's decision cannot be in the future", field="outcome_on")
    if outcome_on < timezone.localdate(locked.referred_at):
        raise InvalidInput(
            "The court's decision must be on or after the day of the referral", field="outcome_on"
        )
    if (facts.effect == "revoke_and_resentence") != (new_sentence is not None):
        raise InvalidInput("A revoked order names the sentence the court passed instead")
    text = _text(detail, field="detail", label="the court's decision", required=False)
    before = _breach_state(locked)
    locked.state = BreachState.COURT_OUTCOME_RECORDED
    locked.court_outcome = outcome
    locked.court_outcome_on = outcome_on
    locked.court_outcome_detail = text
    locked.outcome_recorded_by = by_user
    locked.outcome_recorded_at = timezone.now()
    locked.new_sentence = new_sentence
    locked.save(
        update_fields=[
            "state",
            "court_outcome",
            "court_outcome_on",
            "court_outcome_detail",
            "outcome_recorded_by",
            "outcome_recorded_at",
            "new_sentence",
        ]
    )
    audit(
        by_user,
        AuditAction.BREACH_OUTCOME_RECORDED,
        locked,
        crn=case.person.crn,
        before=before,
        after={
            **_breach_state(locked),
            "figures": {
                name: getattr(facts, name)
                for name in (
                    "fine_pounds",
                    "custody_days",
                    "unpaid_work_hours",
                    "curfew_hours_a_day",
                    "curfew_days",
                )
                if getattr(facts, name) is not None
            },
        },
    )
    return locked
