"""Loading contact history in bulk: a year of appointments and their outcomes for many cases at
once, as a migration from a previous case management system, or the demo world, needs.

Each contact is checked as the one-at-a-time services check it (its type and outcome are the
spec's, it ends after it starts and within a working day, unpaid work hours fit the session, an
absence awaiting judgement has its due day), then the rows are written in one COPY and each case
gets one audit event saying how many contacts were loaded into it and from where
(``docs/adr/0018-supervision-and-enforcement.md``, decision on bulk history). A wrong row refuses
the whole batch, naming the row: nothing is half-loaded.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import transaction

from probation.core.audit import AuditAction, AuditRecord, audit_many
from probation.core.bulk import bulk_insert
from probation.core.errors import InvalidInput
from probation.people.models import Case
from probation.supervision.models import Contact, ContactType, Outcome

#: The longest a contact may last: a working day of unpaid work.
MAX_CONTACT_LENGTH = dt.timedelta(hours=8)
#: A source is named in the audit event of each case: short and printable.
SOURCE_MAX = 80


@dataclass(frozen=True, slots=True)
class ContactToLoad:
    """One contact of a history load. ``outcome`` "" is an appointment still to come."""

    case_id: int
    contact_type: str
    starts_at: dt.datetime
    ends_at: dt.datetime
    outcome: str = ""
    sentence_id: int | None = None
    requirement_id: int | None = None
    practitioner_id: int | None = None
    location: str = ""
    hours_credited: Decimal | None = None
    rar_day: bool = False
    absence_reason: str = ""
    judgement_due_on: dt.date | None = None


def _check(number: int, item: ContactToLoad) -> None:
    where = f"Contact {number}"
    if item.contact_type not in ContactType.values:
        raise InvalidInput(f"{where}: {item.contact_type!r} is not a contact type")
    if item.outcome and item.outcome not in Outcome.values:
        raise InvalidInput(f"{where}: {item.outcome!r} is not an outcome")
    if item.starts_at.tzinfo is None or item.ends_at.tzinfo is None:
        raise InvalidInput(f"{where}: times must say their time zone")
    if not item.starts_at < item.ends_at <= item.starts_at + MAX_CONTACT_LENGTH:
        raise InvalidInput(f"{where}: it must end after it starts, within 8 hours")
    if item.hours_credited is not None:
        length = Decimal((item.ends_at - item.starts_at).total_seconds()) / 3600
        if item.contact_type != ContactType.UNPAID_WORK or not 0 < item.hours_credited <= length:
            raise InvalidInput(f"{where}: unpaid work hours must fit an unpaid work session")
    if (item.outcome == Outcome.AWAITING_JUDGEMENT) != (item.judgement_due_on is not None):
        raise InvalidInput(f"{where}: an absence awaiting judgement, and only one, has a due day")


def _judged_at(item: ContactToLoad) -> dt.datetime | None:
    """An absence judged when it was recorded; nothing else is judged."""
    absences = (Outcome.ACCEPTABLE_ABSENCE, Outcome.UNACCEPTABLE_ABSENCE)
    return item.ends_at if item.outcome in absences else None


@transaction.atomic
def contacts_load(*, contacts: Sequence[ContactToLoad], by_user: Any, source: str) -> int:
    """Write ``contacts`` (already read and decided by the caller) in bulk; one audit event per
    case. ``by_user`` None is the system. Returns how many were written."""
    if by_user is not None and not (by_user.is_authenticated and by_user.is_superuser):
        raise InvalidInput("Only the system or an administrator loads contact history.")
    source = source.strip()
    if not source or len(source) > SOURCE_MAX:
        raise InvalidInput(f"Name the source of the history in {SOURCE_MAX} characters or fewer")
    for number, item in enumerate(contacts, start=1):
        _check(number, item)
    case_ids = {item.case_id for item in contacts}
    crns = dict(Case.objects.filter(pk__in=case_ids).values_list("pk", "person__crn"))
    if missing := case_ids - crns.keys():
        raise InvalidInput(f"No case with id {min(missing)}")
    bulk_insert(
        Contact,
        [
            Contact(
                case_id=item.case_id,
                sentence_id=item.sentence_id,
                requirement_id=item.requirement_id,
                contact_type=item.contact_type,
                starts_at=item.starts_at,
                ends_at=item.ends_at,
                location=item.location,
                practitioner_id=item.practitioner_id,
                booked_by=None,
                booked_at=item.starts_at - dt.timedelta(days=7),
                outcome=item.outcome,
                notes="",
                absence_reason=item.absence_reason,
                absence_evidence="",
                judgement_due_on=item.judgement_due_on,
                judged_at=_judged_at(item),
                hours_credited=item.hours_credited,
                rar_day=item.rar_day,
                recorded_by=None,
                recorded_at=item.ends_at if item.outcome else None,
                series=None,
                reminder_queued_at=None,
            )
            for item in contacts
        ],
    )
    by_case: dict[int, Counter[str]] = {}
    for item in contacts:
        by_case.setdefault(item.case_id, Counter())[item.outcome or "booked"] += 1
    audit_many(
        AuditRecord(
            action=AuditAction.CONTACT_RECORDED,
            actor=by_user,
            subject_type=Case._meta.label,
            subject_id=str(case_id),
            crn=crns[case_id],
            after={"contacts_loaded": sum(counts.values())},
            details={"source": source, "by_outcome": dict(sorted(counts.items()))},
        )
        for case_id, counts in by_case.items()
    )
    return len(contacts)
