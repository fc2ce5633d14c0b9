"""Appointments and contacts: booking, recording what happened, judging absences
(``docs/domain/enforcement.md``, "Recording compliance"; ``docs/domain/sentences.md`` for the
requirements the contacts deliver).

Every service locks the case first (:func:`probation.people.locking.begin_case_change`), then
the other rows it changes, and writes its audit event in the same transaction. Only staff of
the organisation responsible for the case record its contacts: a practitioner or an allocating
manager who can see it. What happens *after* a failure (a warning or a breach referral) is not
decided here: the failure is recorded, and the enforcement journey picks it up from the
practitioner's to-do list.
"""

from __future__ import annotations

import datetime as dt
import uuid
from decimal import Decimal
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from probation.allocation.services import first_appointment_held
from probation.core.audit import AuditAction, AuditRecord, audit, audit_many
from probation.core.calendar import bank_holidays_from
from probation.core.errors import Conflict, InvalidInput
from probation.core.limits import checked_text, date_in_words
from probation.courts.models import Requirement, RequirementKind, Sentence, SentenceStatus
from probation.people.locking import begin_case_change
from probation.people.models import Case, CaseStatus
from probation.people.selectors import ensure_case_visible
from probation.rules import clocks
from probation.rules.dates import add_months
from probation.rules.requirements import hours_creditable, progress
from probation.supervision.models import (
    ATTENDED_OUTCOMES,
    Contact,
    ContactType,
    Outcome,
)
from probation.workforce.models import RoleCode, User

#: Who books and records contacts: staff of the organisation responsible for the case.
SUPERVISING_ROLES: Final = (RoleCode.PRACTITIONER, RoleCode.ALLOCATING_MANAGER)
#: Shortest and longest appointment: a quick check-in to a working day of unpaid work.
MIN_LENGTH: Final = dt.timedelta(minutes=15)
MAX_LENGTH: Final = dt.timedelta(hours=8)
#: How far ahead an appointment may be booked, in months.
MONTHS_AHEAD: Final = 12
#: How far back an unplanned contact may be recorded, in months (older history is loaded in
#: bulk by ``load_services``, not typed in).
MONTHS_BACK: Final = 12
#: A recurring run: at most a year of weekly appointments.
MAX_OCCURRENCES: Final = 52
#: Repeat intervals offered: every week or every 2 weeks.
REPEAT_INTERVALS: Final = (1, 2)
NOTES_MAX: Final = 4000
REASON_MAX: Final = 500
LOCATION_MAX: Final = 200

#: Contact types that deliver a requirement of one kind and must name it (``sentences.md``).
REQUIREMENT_OF_TYPE: Final = {
    ContactType.UNPAID_WORK: RequirementKind.UNPAID_WORK,
    ContactType.PROGRAMME: RequirementKind.PROGRAMME,
}
#: Contact types that count as a rehabilitation activity day when attended on an order with a
#: rehabilitation activity requirement (unpaid work delivers hours and a programme its own
#: sessions; a phone call is not an activity). The platform's choice: the spec is silent.
RAR_TYPES: Final = (ContactType.SUPERVISION, ContactType.HOME_VISIT, ContactType.VIDEO)
#: Contact types that can be the first appointment, stopping its clock (``allocation.md`` §3):
#: a meeting, not a phone call (the platform's choice: the spec is silent).
FIRST_APPOINTMENT_TYPES: Final = tuple(t for t in ContactType if t != ContactType.PHONE)
#: Outcomes an unplanned contact may be recorded with (it cannot have been moved by probation).
UNPLANNED_OUTCOMES: Final = tuple(o for o in Outcome if o != Outcome.RESCHEDULED)


# -- checks -----------------------------------------------------------------------------------


def _ensure_may_supervise(by_user: Any, case: Case) -> None:
    """A practitioner or allocating manager of the organisation responsible for ``case``, who
    can see it; anyone else is refused before anything is read or locked."""
    if not (
        by_user is not None and by_user.is_authenticated and by_user.has_role(*SUPERVISING_ROLES)
    ):
        raise PermissionDenied("Your role does not allow you to book or record contacts.")
    ensure_case_visible(by_user, case)
    if by_user.organisation_id != case.responsible_organisation_id:
        raise PermissionDenied(
            "Only staff of the organisation responsible for the case book and record its contacts."
        )


def _text(value: str, *, field: str, label: str, max_length: int, required: bool = False) -> str:
    return checked_text(value, field=field, label=label, max_length=max_length, required=required)


def _when(value: dt.datetime) -> str:
    local = timezone.localtime(value)
    return f"{date_in_words(local.date())} at {local:%H:%M}"


def _check_times(starts_at: Any, ends_at: Any) -> None:
    for name, value in (("starts_at", starts_at), ("ends_at", ends_at)):
        if not isinstance(value, dt.datetime) or timezone.is_naive(value):
            raise InvalidInput("Enter the time of the appointment", field=name)
    length = ends_at - starts_at
    if not MIN_LENGTH <= length <= MAX_LENGTH:
        raise InvalidInput(
            "An appointment must last between 15 minutes and 8 hours", field="ends_at"
        )


def _check_requirement(
    case: Case, contact_type: str, requirement: Requirement | None
) -> tuple[Sentence | None, Requirement | None]:
    """The order and requirement the contact is under: the requirement's order if one is
    named, else the case's latest active order. Unpaid work and programme sessions must name
    a requirement of their kind on an active order of the case (found when there is exactly
    one)."""
    needed = REQUIREMENT_OF_TYPE.get(ContactType(contact_type))
    active = Requirement.objects.select_related("sentence").filter(
        sentence__case_id=case.pk, sentence__status=SentenceStatus.ACTIVE
    )
    if requirement is not None:
        found = active.filter(pk=requirement.pk).first()
        if found is None:
            raise InvalidInput(
                "Choose a requirement of this person's active order", field="requirement"
            )
        if needed is not None and found.kind != needed:
            raise InvalidInput(
                f"A {ContactType(contact_type).label.lower()} must be under the order's "
                f"{RequirementKind(needed).label.lower()} requirement",
                field="requirement",
            )
        return found.sentence, found
    if needed is not None:
        candidates = list(active.filter(kind=needed)[:2])
        if not candidates:
            raise InvalidInput(
                f"This person has no active order with a "
                f"{RequirementKind(needed).label.lower()} requirement, so a "
                f"{ContactType(contact_type).label.lower()} cannot be booked",
                field="contact_type",
            )
        if len(candidates) > 1:
            raise InvalidInput(
                "This person has more than one active order with that requirement: choose one",
                field="requirement",
            )
        return candidates[0].sentence, candidates[0]
    sentence = (
        Sentence.objects.filter(case_id=case.pk, status=SentenceStatus.ACTIVE)
        .order_by("-sentence_date", "-id")
        .first()
    )
    return sentence, None


def _check_practitioner(case: Case, practitioner: Any) -> Any:
    """Whose diary: the one named (a practitioner of the responsible organisation), else the
    case's responsible officer (None when it has none yet)."""
    if practitioner is None:
        return case.responsible_officer
    if not (
        isinstance(practitioner, User)
        and practitioner.is_active
        and practitioner.organisation_id == case.responsible_organisation_id
        and practitioner.has_role(RoleCode.PRACTITIONER)
    ):
        raise InvalidInput(
            "Choose a practitioner of the organisation responsible for the case",
            field="practitioner",
        )
    return practitioner


def _occurrences(
    starts_at: dt.datetime, ends_at: dt.datetime, repeat_weeks: int, repeat_every: int
) -> list[tuple[dt.datetime, dt.datetime]]:
    """The run's start and end times: the same local time (across a clock change) every
    ``repeat_every`` weeks, ``1 + repeat_weeks`` times in all."""
    if isinstance(repeat_weeks, bool) or not isinstance(repeat_weeks, int):
        raise InvalidInput("Enter how many times the appointment repeats", field="repeat_weeks")
    if not 0 <= repeat_weeks < MAX_OCCURRENCES:
        raise InvalidInput(
            f"A recurring appointment may be booked at most {MAX_OCCURRENCES} times",
            field="repeat_weeks",
        )
    if repeat_every not in REPEAT_INTERVALS:
        raise InvalidInput("Choose every week or every 2 weeks", field="repeat_every")
    start_local = timezone.localtime(starts_at).replace(tzinfo=None)
    length = ends_at - starts_at
    runs = []
    for k in range(repeat_weeks + 1):
        start = timezone.make_aware(start_local + dt.timedelta(weeks=k * repeat_every))
        runs.append((start, start + length))
    return runs


def _refuse_clashes(
    case: Case, practitioner: Any, runs: list[tuple[dt.datetime, dt.datetime]]
) -> None:
    """Refuse the whole booking if any occurrence overlaps an appointment in the practitioner's
    diary or the person's own (one that probation moved, ``rescheduled``, no longer holds the
    time). The message names every clash, and never the other person."""
    whose = Q(case_id=case.pk)
    if practitioner is not None:
        whose |= Q(practitioner_id=practitioner.pk)
    existing = list(
        Contact.objects.filter(
            whose,
            starts_at__lt=runs[-1][1],
            ends_at__gt=runs[0][0],
        )
        .exclude(outcome=Outcome.RESCHEDULED)
        .values_list("case_id", "starts_at", "ends_at")
        .order_by("starts_at")
    )
    clashes: list[str] = []
    for start, end in runs:
        for case_id, other_start, other_end in existing:
            if other_start < end and other_end > start:
                whom = "this person" if case_id == case.pk else "the practitioner"
                clashes.append(
                    f"{_when(start)} clashes with an appointment {whom} already has at "
                    f"{timezone.localtime(other_start):%H:%M} to "
                    f"{timezone.localtime(other_end):%H:%M}"
                )
                break
    if clashes:
        shown = clashes[:5]
        more = f" (and {len(clashes) - 5} more)" if len(clashes) > 5 else ""
        raise InvalidInput(
            "Choose another time: " + "; ".join(shown) + more + ". Nothing was booked.",
            field="starts_at",
        )


# -- booking ----------------------------------------------------------------------------------


def _contact_state(contact: Contact) -> dict[str, Any]:
    return {
        "contact_type": contact.contact_type,
        "starts_at": contact.starts_at.isoformat(),
        "ends_at": contact.ends_at.isoformat(),
        "practitioner": contact.practitioner_id,
        "location": contact.location,
        "requirement": contact.requirement_id,
        "sentence": contact.sentence_id,
        "series": str(contact.series) if contact.series else None,
        "outcome": contact.outcome,
    }


@transaction.atomic
def appointment_book(
    *,
    case: Case,
    by_user: Any,
    contact_type: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    practitioner: Any = None,
    location: str = "",
    requirement: Requirement | None = None,
    repeat_weeks: int = 0,
    repeat_every: int = 1,
    expected_version: int | None = None,
    submission_token: str = "",
) -> list[Contact]:
    """Book one appointment, or a run of ``1 + repeat_weeks`` every ``repeat_every`` weeks
    sharing a ``series``, in the practitioner's diary (the responsible officer's by default).

    Refused: a clash with the practitioner's diary or the person's appointments (nothing of the
    run is written), a time in the past (today is allowed) or more than 12 months ahead, shorter
    than 15 minutes or longer than 8 hours, more than 52 in a run, an unpaid work or programme
    session without that requirement on an active order, a closed case."""
    _ensure_may_supervise(by_user, case)
    if contact_type not in ContactType.values:
        raise InvalidInput("Choose the type of appointment", field="contact_type")
    _check_times(starts_at, ends_at)
    location = _text(location, field="location", label="the location", max_length=LOCATION_MAX)
    locked = begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    if locked.status != CaseStatus.ACTIVE:
        raise InvalidInput("This case is closed: appointments are booked for active cases only.")
    runs = _occurrences(starts_at, ends_at, repeat_weeks, repeat_every)
    today = timezone.localdate()
    if timezone.localdate(runs[0][0]) < today:
        raise InvalidInput("The appointment must be today or in the future", field="starts_at")
    last_day = add_months(today, MONTHS_AHEAD)
    if timezone.localdate(runs[-1][0]) > last_day:
        raise InvalidInput(
            f"Appointments can be booked up to {date_in_words(last_day)}: the "
            f"{'last of the run' if len(runs) > 1 else 'appointment'} is later than that",
            field="starts_at",
        )
    sentence, requirement = _check_requirement(locked, contact_type, requirement)
    diary_of = _check_practitioner(locked, practitioner)
    if diary_of is not None:
        # Serialise bookings into the same diary, so two cases cannot take one slot at once.
        User.objects.select_for_update().filter(pk=diary_of.pk).first()
    _refuse_clashes(locked, diary_of, runs)
    series = uuid.uuid4() if len(runs) > 1 else None
    now = timezone.now()
    contacts = Contact.objects.bulk_create(
        [
            Contact(
                case=locked,
                sentence=sentence,
                requirement=requirement,
                contact_type=contact_type,
                starts_at=start,
                ends_at=end,
                location=location,
                practitioner=diary_of,
                series=series,
                booked_by=by_user,
                booked_at=now,
            )
            for start, end in runs
        ]
    )
    if any(c.pk is None for c in contacts):  # pragma: no cover - backends without RETURNING
        contacts = list(Contact.objects.filter(case=locked, booked_at=now).order_by("starts_at"))
    audit_many(
        AuditRecord(
            action=AuditAction.APPOINTMENT_BOOKED,
            actor=by_user,
            subject_type=Contact._meta.label,
            subject_id=str(contact.pk),
            crn=locked.person.crn,
            after=_contact_state(contact),
            details={"occurrence": n + 1, "of": len(contacts)} if series else None,
        )
        for n, contact in enumerate(contacts)
    )
    return contacts


# -- recording outcomes -----------------------------------------------------------------------


def _lock_contact(
    contact: Contact, by_user: Any, expected_version: int | None, token: str
) -> tuple[Case, Contact]:
    _ensure_may_supervise(by_user, contact.case)
    locked_case = begin_case_change(
        case=contact.case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=token,
    )
    locked = (
        Contact.objects.select_for_update(of=("self",))
        .select_related("requirement", "sentence")
        .get(pk=contact.pk)
    )
    return locked_case, locked


def _credited_hours(contact: Contact, outcome: str, hours: Any) -> Decimal | None:
    """Unpaid work hours credited for an attended session: the session's length when not
    given (none when the person failed to comply), never more than the session lasted nor than
    the order has left."""
    if contact.contact_type != ContactType.UNPAID_WORK or outcome not in ATTENDED_OUTCOMES:
        if hours not in (None, "", 0, Decimal(0)):
            raise InvalidInput(
                "Hours are credited only for an unpaid work session that was attended",
                field="hours_credited",
            )
        return None
    session = Decimal((contact.ends_at - contact.starts_at).total_seconds()) / Decimal(3600)
    delivered = Decimal(0)
    ordered = Decimal(0)
    if contact.requirement is not None:
        ordered = Decimal(contact.requirement.amount or 0)
        delivered = Contact.objects.filter(requirement=contact.requirement).exclude(
            pk=contact.pk
        ).aggregate(total=Sum("hours_credited"))["total"] or Decimal(0)
    most = hours_creditable(
        session_hours=session.quantize(Decimal("0.01")),
        remaining=progress(ordered=ordered, delivered=delivered).remaining,
    )
    if hours is None or hours == "":
        value = most if outcome == Outcome.ATTENDED_COMPLIED else Decimal(0)
    else:
        try:
            value = Decimal(hours)
        except (ArithmeticError, ValueError, TypeError):
            raise InvalidInput(
                "Enter the hours credited as a number, like 6.5", field="hours_credited"
            ) from None
        if not value.is_finite() or value < 0 or value != value.quantize(Decimal("0.01")):
            raise InvalidInput(
                "Enter the hours credited as a number, like 6.5", field="hours_credited"
            )
        if value > most:
            raise InvalidInput(
                f"At most {most.normalize():f} hours can be credited for this session (its "
                "length, and what the order has left)",
                field="hours_credited",
            )
    return value.quantize(Decimal("0.01"))


def _counts_as_rar_day(contact: Contact, outcome: str) -> bool:
    """Whether an attended contact counts as a rehabilitation activity day: on an order with a
    rehabilitation activity requirement that still has days left, of a type that is an
    activity, and the first such day counted on that date (a day is a day however many
    contacts it has)."""
    if outcome not in ATTENDED_OUTCOMES or contact.sentence_id is None:
        return False
    if contact.contact_type not in RAR_TYPES and not (
        contact.requirement is not None
        and contact.requirement.kind == RequirementKind.REHABILITATION_ACTIVITY
    ):
        return False
    rar = (
        Requirement.objects.filter(
            sentence_id=contact.sentence_id, kind=RequirementKind.REHABILITATION_ACTIVITY
        )
        .order_by("id")
        .first()
    )
    if rar is None:
        return False
    counted = Contact.objects.filter(sentence_id=contact.sentence_id, rar_day=True).exclude(
        pk=contact.pk
    )
    day = timezone.localtime(contact.starts_at)
    midnight = day.replace(hour=0, minute=0, second=0, microsecond=0)
    if counted.filter(
        starts_at__gte=midnight, starts_at__lt=midnight + dt.timedelta(days=1)
    ).exists():
        return False
    return not progress(ordered=rar.amount or 0, delivered=counted.count()).complete


def _apply_outcome(
    case: Case,
    contact: Contact,
    *,
    by_user: Any,
    outcome: str,
    notes: str,
    hours_credited: Any,
    absence_reason: str,
    absence_evidence: str,
) -> Contact:
    """Set the outcome and everything that follows from it on the locked ``contact``."""
    if outcome not in Outcome.values:
        raise InvalidInput("Choose what happened", field="outcome")
    notes = _text(notes, field="notes", label="the notes", max_length=NOTES_MAX)
    reason = _text(
        absence_reason,
        field="absence_reason",
        label="the reason for the absence",
        max_length=REASON_MAX,
        required=outcome == Outcome.ACCEPTABLE_ABSENCE,
    )
    evidence = _text(
        absence_evidence, field="absence_evidence", label="the evidence", max_length=REASON_MAX
    )
    now = timezone.now()
    contact.hours_credited = _credited_hours(contact, outcome, hours_credited)
    contact.rar_day = _counts_as_rar_day(contact, outcome)
    contact.outcome = outcome
    contact.notes = notes
    contact.absence_reason = reason if outcome in _ABSENCES else ""
    contact.absence_evidence = evidence if outcome in _ABSENCES else ""
    contact.judgement_due_on = None
    contact.judged_at = None
    if outcome == Outcome.AWAITING_JUDGEMENT:
        day = timezone.localdate(contact.starts_at)
        contact.judgement_due_on = clocks.absence_judgement_due(
            appointment_on=day, holidays=bank_holidays_from(day)
        )
    elif outcome in (Outcome.ACCEPTABLE_ABSENCE, Outcome.UNACCEPTABLE_ABSENCE):
        contact.judged_at = now
    contact.recorded_by = by_user
    contact.recorded_at = now
    if outcome in ATTENDED_OUTCOMES and contact.contact_type in FIRST_APPOINTMENT_TYPES:
        first_appointment_held(
            case=case, by_user=by_user, held_on=timezone.localdate(contact.starts_at)
        )
    return contact


_ABSENCES = (Outcome.ACCEPTABLE_ABSENCE, Outcome.UNACCEPTABLE_ABSENCE, Outcome.AWAITING_JUDGEMENT)
_RECORDED_FIELDS = [
    "outcome",
    "notes",
    "absence_reason",
    "absence_evidence",
    "judgement_due_on",
    "judged_at",
    "hours_credited",
    "rar_day",
    "recorded_by",
    "recorded_at",
]


def _recorded_state(contact: Contact) -> dict[str, Any]:
    return {
        "outcome": contact.outcome,
        "hours_credited": str(contact.hours_credited)
        if contact.hours_credited is not None
        else None,
        "rar_day": contact.rar_day,
        "judgement_due_on": contact.judgement_due_on.isoformat()
        if contact.judgement_due_on
        else None,
        "absence_reason": contact.absence_reason,
    }


@transaction.atomic
def contact_outcome_record(
    *,
    contact: Contact,
    by_user: Any,
    outcome: str,
    notes: str = "",
    hours_credited: Decimal | None = None,
    absence_reason: str = "",
    absence_evidence: str = "",
    expected_version: int | None = None,
    submission_token: str = "",
) -> Contact:
    """Record what happened at a booked appointment (``enforcement.md``): attended and
    complied, attended but failed to comply, an absence judged now (acceptable with its reason,
    or unacceptable) or left ``awaiting_judgement`` (due 2 working days later), or
    ``rescheduled`` by probation.

    Refused for an appointment still to come (except ``rescheduled``) and for one already
    recorded (:class:`Conflict`). Attended unpaid work credits hours; an attended contact on an
    order with rehabilitation activity counts a day; the first attended appointment stops the
    first-appointment clock."""
    locked_case, locked = _lock_contact(contact, by_user, expected_version, submission_token)
    if locked.outcome:
        raise Conflict(
            f"What happened at this appointment was already recorded: "
            f"{Outcome(locked.outcome).label.lower()}."
        )
    if outcome != Outcome.RESCHEDULED and locked.starts_at > timezone.now():
        raise InvalidInput(
            "This appointment has not started yet: record what happened after it, or mark it "
            "rescheduled",
            field="outcome",
        )
    before = _recorded_state(locked)
    _apply_outcome(
        locked_case,
        locked,
        by_user=by_user,
        outcome=outcome,
        notes=notes,
        hours_credited=hours_credited,
        absence_reason=absence_reason,
        absence_evidence=absence_evidence,
    )
    locked.save(update_fields=_RECORDED_FIELDS)
    audit(
        by_user,
        AuditAction.APPOINTMENT_CHANGED
        if outcome == Outcome.RESCHEDULED
        else AuditAction.CONTACT_RECORDED,
        locked,
        crn=locked_case.person.crn,
        before=before,
        after=_recorded_state(locked),
        details={"failure": locked.is_failure},
    )
    contact.__dict__.update({f: getattr(locked, f) for f in _RECORDED_FIELDS})
    return locked


@transaction.atomic
def contact_record(
    *,
    case: Case,
    by_user: Any,
    contact_type: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime,
    outcome: str,
    notes: str = "",
    location: str = "",
    requirement: Requirement | None = None,
    hours_credited: Decimal | None = None,
    absence_reason: str = "",
    absence_evidence: str = "",
    expected_version: int | None = None,
    submission_token: str = "",
) -> Contact:
    """Record a contact that was not booked (a phone call, a home visit) with its outcome at
    once, in the recorder's diary. It must have happened already, within the last 12 months;
    it cannot be ``rescheduled`` (nothing was booked to move)."""
    _ensure_may_supervise(by_user, case)
    if contact_type not in ContactType.values:
        raise InvalidInput("Choose the type of contact", field="contact_type")
    if outcome not in UNPLANNED_OUTCOMES:
        raise InvalidInput("Choose what happened", field="outcome")
    _check_times(starts_at, ends_at)
    if starts_at > timezone.now():
        raise InvalidInput("The contact must have happened already", field="starts_at")
    earliest = add_months(timezone.localdate(), -MONTHS_BACK)
    if timezone.localdate(starts_at) < earliest:
        raise InvalidInput(
            f"The contact must be on or after {date_in_words(earliest)}", field="starts_at"
        )
    location = _text(location, field="location", label="the location", max_length=LOCATION_MAX)
    locked_case = begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    sentence, requirement = _check_requirement(locked_case, contact_type, requirement)
    diary_of = (
        by_user if by_user.has_role(RoleCode.PRACTITIONER) else locked_case.responsible_officer
    )
    contact = Contact(
        case=locked_case,
        sentence=sentence,
        requirement=requirement,
        contact_type=contact_type,
        starts_at=starts_at,
        ends_at=ends_at,
        location=location,
        practitioner=diary_of,
        booked_by=None,
    )
    _apply_outcome(
        locked_case,
        contact,
        by_user=by_user,
        outcome=outcome,
        notes=notes,
        hours_credited=hours_credited,
        absence_reason=absence_reason,
        absence_evidence=absence_evidence,
    )
    contact.save()
    audit(
        by_user,
        AuditAction.CONTACT_RECORDED,
        contact,
        crn=locked_case.person.crn,
        after={**_contact_state(contact), **_recorded_state(contact)},
        details={"failure": contact.is_failure, "unplanned": True},
    )
    return contact


@transaction.atomic
def absence_judge(
    *,
    contact: Contact,
    by_user: Any,
    acceptable: bool,
    reason: str = "",
    evidence: str = "",
    expected_version: int | None = None,
    submission_token: str = "",
) -> Contact:
    """Judge an absence awaiting judgement acceptable (the reason is required, the evidence
    kept) or unacceptable (a failure: it goes to the warning rule). Refused for a contact that
    is not awaiting judgement (:class:`Conflict`: someone may have judged it first)."""
    if not isinstance(acceptable, bool):
        raise InvalidInput("Choose whether the absence was acceptable", field="acceptable")
    locked_case, locked = _lock_contact(contact, by_user, expected_version, submission_token)
    if locked.outcome != Outcome.AWAITING_JUDGEMENT:
        shown = Outcome(locked.outcome).label.lower() if locked.outcome else "not recorded yet"
        raise Conflict(f"This contact is not an absence awaiting judgement: it is {shown}.")
    reason = _text(
        reason,
        field="reason",
        label="the reason for the absence",
        max_length=REASON_MAX,
        required=acceptable,
    )
    evidence = _text(evidence, field="evidence", label="the evidence", max_length=REASON_MAX)
    before = _recorded_state(locked)
    locked.outcome = Outcome.ACCEPTABLE_ABSENCE if acceptable else Outcome.UNACCEPTABLE_ABSENCE
    locked.absence_reason = reason
    locked.absence_evidence = evidence
    locked.judged_at = timezone.now()
    locked.save(update_fields=["outcome", "absence_reason", "absence_evidence", "judged_at"])
    audit(
        by_user,
        AuditAction.ABSENCE_JUDGED,
        locked,
        crn=locked_case.person.crn,
        before=before,
        after=_recorded_state(locked),
        details={
            "judged_on": timezone.localdate().isoformat(),
            "late": bool(
                locked.judgement_due_on and timezone.localdate() > locked.judgement_due_on
            ),
        },
    )
    contact.__dict__.update(
        {
            f: getattr(locked, f)
            for f in ("outcome", "absence_reason", "absence_evidence", "judged_at")
        }
    )
    return locked
