"""Recording court outcomes. Custody dates come from ``probation.rules.custody``
(``docs/domain/sentences.md``) and are stored with the reasons that explain them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from probation.core.audit import AuditAction, audit, snapshot
from probation.core.errors import Conflict, InvalidInput
from probation.core.limits import EVENT_DATES, check_date
from probation.courts.checks import check_limits, check_sentence
from probation.courts.custody import custody_dates_for, is_custodial
from probation.courts.models import (
    ChargedOffence,
    Court,
    CourtEvent,
    EndedReason,
    Offence,
    Requirement,
    Sentence,
    SentenceStatus,
)
from probation.courts.selectors import latest_court_event, offence_dates_of, offences_of
from probation.people.locking import begin_case_change
from probation.people.models import Case
from probation.people.selectors import ensure_case_visible
from probation.rules.dates import add_months
from probation.workforce.models import RoleCode

SENTENCING_ROLES = (RoleCode.COURT_OFFICER,)
#: What ending an order changes (its audit event's before and after).
ENDED_FIELDS = ["status", "ended_on", "ended_reason", "superseded_by_id"]


def _latest_offence_date(event: CourtEvent | None) -> dt.date:
    if event is None:
        raise InvalidInput("Record the court event before the sentence", field="disposal")
    offence_dates = offence_dates_of(event)
    if not offence_dates:
        raise InvalidInput("The court event has no offences", field="disposal")
    return max(offence_dates)


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
    """Record a sentence on the case's latest court event (or ``court_event``), within the
    sentencing limits of that court (``probation.rules.sentencing``; ``complete`` when the whole
    order is recorded, with each requirement's amount, as court intake does).

    The tier depends on the sentence: pages record sentences through
    :func:`probation.casework.services.sentence_record`, which recomputes it in the same
    transaction (courts knows nothing of risk).
    """
    if not (by_user.is_authenticated and by_user.has_role(*SENTENCING_ROLES)):
        raise PermissionDenied("Only a court officer may record a sentence.")
    ensure_case_visible(by_user, case)
    begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    check_date(sentence_date, EVENT_DATES, field="sentence_date", label="date of sentence")
    check_sentence(
        disposal=disposal,
        length_days=length_days,
        remand_days=remand_days,
        requirements=requirements,
    )
    event = court_event or latest_court_event(case)
    offence_date = _latest_offence_date(event)
    if sentence_date < offence_date:
        raise InvalidInput(
            "The sentence date must be on or after the offence date", field="sentence_date"
        )
    assert event is not None  # _latest_offence_date refused a missing event
    if event.conviction_date and sentence_date < event.conviction_date:
        raise InvalidInput(
            "The sentence date must be on or after the date of conviction", field="sentence_date"
        )
    modes = [offence.mode_of_trial for offence in offences_of(event)]
    check_limits(
        court_kind=event.court.kind,
        offence_modes=modes,
        disposal=disposal,
        sentence_date=sentence_date,
        length_days=length_days,
        suspended_for_days=suspended_for_days,
        requirements=requirements,
        complete=complete,
    )
    fields: dict[str, Any] = {}
    if is_custodial(disposal):
        fields = custody_dates_for(
            disposal=disposal,
            sentence_date=sentence_date,
            length_days=length_days,
            remand_days=remand_days,
            offence_date=offence_date,
            date_of_birth=case.person.date_of_birth,
        )
    else:
        order_days = suspended_for_days or length_days
        fields["expected_end_date"] = sentence_date + dt.timedelta(days=order_days - 1)
    sentence = Sentence.objects.create(
        case=case,
        court_event=event,
        disposal=disposal,
        sentence_date=sentence_date,
        length_days=length_days,
        suspended_for_days=suspended_for_days,
        remand_days=remand_days,
        **fields,
    )
    made = [
        Requirement.objects.create(
            sentence=sentence,
            kind=kind,
            amount=amount,
            starts_on=sentence_date,
            ends_on=add_months(sentence_date, 12) if kind == "unpaid_work" else None,
        )
        for kind, amount in requirements
    ]
    audit(
        by_user,
        AuditAction.SENTENCE_RECORDED,
        sentence,
        crn=case.person.crn,
        after={
            **snapshot(sentence),
            "requirements": [snapshot(r, ["kind", "amount", "starts_on", "ends_on"]) for r in made],
        },
    )
    return sentence


@dataclass(frozen=True)
class OffenceCharged:
    """One offence the person was convicted of at a court event; exactly one is the main one."""

    offence: Offence
    offence_date: dt.date
    is_main: bool = False


def _check_court_event(
    *,
    hearing_date: dt.date,
    conviction_date: dt.date | None,
    offences: Sequence[OffenceCharged],
) -> None:
    check_date(hearing_date, EVENT_DATES, field="hearing_date", label="date of the hearing")
    if conviction_date is not None:
        check_date(
            conviction_date, EVENT_DATES, field="conviction_date", label="date of conviction"
        )
        if conviction_date > hearing_date:
            raise InvalidInput(
                "The date of conviction must be on or before the date of the hearing",
                field="conviction_date",
            )
    if not offences:
        raise InvalidInput("Enter at least one offence", field="offences")
    if sum(1 for charged in offences if charged.is_main) != 1:
        raise InvalidInput("Choose one main offence", field="offences")
    latest = conviction_date or hearing_date
    for charged in offences:
        check_date(charged.offence_date, EVENT_DATES, field="offences", label="offence date")
        if charged.offence_date > latest:
            raise InvalidInput(
                "Each offence date must be on or before the date of conviction",
                field="offences",
            )


@transaction.atomic
def court_event_record(
    *,
    case: Case,
    by_user: Any,
    court: Court,
    hearing_date: dt.date,
    conviction_date: dt.date | None,
    offences: Sequence[OffenceCharged],
    expected_version: int | None = None,
    submission_token: str = "",
) -> CourtEvent:
    """Record a court appearance with the offences of which the person was convicted.

    Each offence's OGRS3 category follows from the offence list (``Offence.ogrs3_category``):
    it is never entered.
    """
    if not (by_user.is_authenticated and by_user.has_role(*SENTENCING_ROLES)):
        raise PermissionDenied("Only a court officer may record a court event.")
    ensure_case_visible(by_user, case)
    locked = begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    _check_court_event(
        hearing_date=hearing_date, conviction_date=conviction_date, offences=offences
    )
    event = CourtEvent.objects.create(
        case=locked, court=court, hearing_date=hearing_date, conviction_date=conviction_date
    )
    charged = ChargedOffence.objects.bulk_create(
        ChargedOffence(
            court_event=event,
            offence=item.offence,
            offence_date=item.offence_date,
            is_main=item.is_main,
        )
        for item in offences
    )
    audit(
        by_user,
        AuditAction.COURT_EVENT_RECORDED,
        event,
        crn=locked.person.crn,
        after={
            **snapshot(event),
            "court": court.code,
            "offences": [
                {
                    "offence": item.offence.code,
                    "ogrs3_category": item.offence.ogrs3_category,
                    "offence_date": item.offence_date,
                    "is_main": item.is_main,
                }
                for item in charged
            ],
        },
    )
    return event


@transaction.atomic
def sentence_end(
    *,
    sentence: Sentence,
    by_user: Any,
    ended_on: dt.date,
    reason: str,
    superseded_by: Sentence | None = None,
) -> Sentence:
    """End an active order early, as the court said when it passed a new sentence: ended, or
    superseded by the new sentence (``superseded_by``). The order becomes terminated."""
    if not (by_user.is_authenticated and by_user.has_role(*SENTENCING_ROLES)):
        raise PermissionDenied("Only a court officer may end a sentence.")
    ensure_case_visible(by_user, sentence.case)
    if reason not in EndedReason.values:
        raise InvalidInput("Choose whether the order ends or is superseded", field="previous")
    if (reason == EndedReason.SUPERSEDED) != (superseded_by is not None):
        raise InvalidInput("A superseded order names the sentence that supersedes it")
    check_date(ended_on, EVENT_DATES, field="ended_on", label="date the order ended")
    case = begin_case_change(case=sentence.case, by_user=by_user)
    locked = Sentence.objects.select_for_update().get(pk=sentence.pk, case=case)
    if locked.status != SentenceStatus.ACTIVE:
        raise Conflict("This order has already ended.")
    if ended_on < locked.sentence_date:
        raise InvalidInput("An order cannot end before the date it was passed", field="ended_on")
    before = snapshot(locked, ENDED_FIELDS)
    locked.status = SentenceStatus.TERMINATED
    locked.ended_on = ended_on
    locked.ended_reason = reason
    locked.superseded_by = superseded_by
    locked.save(update_fields=["status", "ended_on", "ended_reason", "superseded_by"])
    audit(
        by_user,
        AuditAction.SENTENCE_ENDED,
        locked,
        crn=case.person.crn,
        before=before,
        after=snapshot(locked, ENDED_FIELDS),
    )
    return locked
