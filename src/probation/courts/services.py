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
    RequirementKind,
    Sentence,
    SentenceStatus,
)
from probation.courts.selectors import latest_court_event, offence_dates_of, offences_of
from probation.people.locking import begin_case_change
from probation.people.models import Case
from probation.people.selectors import ensure_case_visible
from probation.rules.dates import add_months
from probation.rules.sentencing import REQUIREMENT_LIMITS, REQUIREMENT_NAMES
from probation.workforce.models import OrganisationKind, RoleCode

SENTENCING_ROLES = (RoleCode.COURT_OFFICER,)
#: Who records what a court decided on a breach: the court officer, or the NPS enforcement
#: officer who took the breach to court (``docs/domain/enforcement.md``), and only through the
#: casework workflow that records the breach's outcome (``on_breach=True``).
BREACH_SENTENCING_ROLES = (RoleCode.COURT_OFFICER, RoleCode.ENFORCEMENT_OFFICER)
#: What ending an order changes (its audit event's before and after).
ENDED_FIELDS = ["status", "ended_on", "ended_reason", "superseded_by_id"]


def _ensure_may_sentence(by_user: Any, *, on_breach: bool, what: str) -> None:
    """Court officers record sentences; on a breach, so does the NPS enforcement officer who
    took it to court (``on_breach`` is set only by the breach outcome workflow)."""
    if not by_user.is_authenticated:
        raise PermissionDenied(f"Only a court officer may {what}.")
    if by_user.has_role(*SENTENCING_ROLES):
        return
    if (
        on_breach
        and by_user.has_role(*BREACH_SENTENCING_ROLES)
        and by_user.organisation is not None
        and by_user.organisation.kind == OrganisationKind.NPS
    ):
        return
    raise PermissionDenied(f"Only a court officer may {what}.")


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
    on_breach: bool = False,
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
    _ensure_may_sentence(by_user, on_breach=on_breach, what="record a sentence")
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
    on_breach: bool = False,
) -> Sentence:
    """End an active order early, as the court said when it passed a new sentence: ended, or
    superseded by the new sentence (``superseded_by``). The order becomes terminated."""
    _ensure_may_sentence(by_user, on_breach=on_breach, what="end a sentence")
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


@dataclass(frozen=True)
class RequirementAmended:
    """One requirement as the court set it on a breach: its kind, its amount in the kind's unit
    (``None`` for a kind without one), a detail and, if the court said, its last day."""

    kind: str
    amount: int | None = None
    detail: str = ""
    ends_on: dt.date | None = None


#: What amending requirements changes (its audit event's before and after, per requirement).
REQUIREMENT_FIELDS = ["kind", "amount", "detail", "starts_on", "ends_on"]


def _check_amended(sentence: Sentence, requirements: Sequence[RequirementAmended]) -> None:
    kinds = [item.kind for item in requirements]
    if len(set(kinds)) != len(kinds):
        raise InvalidInput("Give each requirement once", field="requirements")
    for item in requirements:
        if item.kind not in RequirementKind.values:
            raise InvalidInput(f"Unknown requirement: {item.kind}", field="requirements")
        limit = REQUIREMENT_LIMITS.get(item.kind)
        if limit is None or sentence.is_custodial:
            # A supervision default order's limits are the breach rule's (checked by the caller).
            continue
        name = REQUIREMENT_NAMES[item.kind]
        if item.amount is None:
            raise InvalidInput(f"Enter the {limit.unit} of {name.lower()}", field="requirements")
        if item.amount < limit.minimum or (
            limit.maximum is not None and item.amount > limit.maximum
        ):
            bounds = (
                f"between {limit.minimum} and {limit.maximum}"
                if limit.maximum is not None
                else f"{limit.minimum} or more"
            )
            raise InvalidInput(f"{name} must be {bounds} {limit.unit}", field="requirements")


@transaction.atomic
def requirements_amend(
    *,
    sentence: Sentence,
    by_user: Any,
    amended_on: dt.date,
    requirements: Sequence[RequirementAmended],
    keep_others: bool = False,
    on_breach: bool = False,
    expected_version: int | None = None,
    submission_token: str = "",
) -> list[Requirement]:
    """Set an active sentence's requirements as a court amended them on ``amended_on``.

    A kind the sentence already has (still running) keeps its row, so what was delivered under
    it still counts, with the new amount; a kind no longer required ends on ``amended_on`` (unless
    ``keep_others``: a supervision default order adds to what there is); a new kind starts on
    ``amended_on``. Returns the requirements running after the change. Audited
    ``SENTENCE_AMENDED`` with the requirements before and after."""
    _ensure_may_sentence(by_user, on_breach=on_breach, what="amend a sentence")
    ensure_case_visible(by_user, sentence.case)
    check_date(amended_on, EVENT_DATES, field="amended_on", label="date of the amendment")
    case = begin_case_change(
        case=sentence.case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    locked = Sentence.objects.select_for_update().get(pk=sentence.pk, case=case)
    if locked.status != SentenceStatus.ACTIVE:
        raise Conflict("This order has ended: its requirements cannot be amended.")
    if amended_on < locked.sentence_date:
        raise InvalidInput(
            "Requirements cannot be amended before the order was made", field="amended_on"
        )
    _check_amended(locked, requirements)
    running = [
        r
        for r in Requirement.objects.select_for_update().filter(sentence=locked)
        if r.ends_on is None or r.ends_on >= amended_on
    ]
    before = [snapshot(r, REQUIREMENT_FIELDS) for r in running]
    by_kind = {r.kind: r for r in running}
    after: list[Requirement] = []
    for item in requirements:
        current = by_kind.pop(item.kind, None)
        if current is not None:
            current.amount = item.amount
            current.detail = item.detail[:300]
            if item.ends_on is not None:
                current.ends_on = item.ends_on
            current.save(update_fields=["amount", "detail", "ends_on"])
            after.append(current)
        else:
            after.append(
                Requirement.objects.create(
                    sentence=locked,
                    kind=item.kind,
                    amount=item.amount,
                    detail=item.detail[:300],
                    starts_on=amended_on,
                    ends_on=item.ends_on,
                )
            )
    for left in by_kind.values():
        if keep_others:
            after.append(left)
            continue
        left.ends_on = amended_on
        left.save(update_fields=["ends_on"])
    audit(
        by_user,
        AuditAction.SENTENCE_AMENDED,
        locked,
        crn=case.person.crn,
        before={"requirements": before},
        after={
            "amended_on": amended_on,
            "requirements": [snapshot(r, REQUIREMENT_FIELDS) for r in after],
            "ended": [] if keep_others else [r.pk for r in by_kind.values()],
        },
    )
    return after
