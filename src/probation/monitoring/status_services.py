"""Recording a person's custody, death or removal from the country: the facts from other
systems (prisons, the death register, the immigration service) that stop a device-day being
billable (``docs/domain/electronic-monitoring.md``, section "Billing")."""

from __future__ import annotations

import datetime as dt
from typing import Any, Final

from django.db import transaction

from probation.core.audit import AuditAction, audit
from probation.core.errors import InvalidInput
from probation.core.limits import checked_text
from probation.monitoring.models import PersonStatus, StatusKind
from probation.people.models import Person

#: How far from now a status may be dated: they come from other systems, sometimes late, but
#: never years out or in the future beyond a clock's drift.
MAX_AGE: Final = dt.timedelta(days=3 * 366)
MAX_AHEAD: Final = dt.timedelta(days=1)


def _aware(value: Any, field: str, label: str) -> dt.datetime:
    if not isinstance(value, dt.datetime) or value.utcoffset() is None:
        raise InvalidInput(f"Enter {label} as a date and time with its time zone", field=field)
    return value


@transaction.atomic
def person_status_record(
    *,
    person: Person,
    kind: str,
    starts_at: dt.datetime,
    ends_at: dt.datetime | None = None,
    source: str,
    by_user: Any,
    now: dt.datetime | None = None,
) -> PersonStatus:
    """Record that ``person`` was in custody (from ``starts_at``, until ``ends_at`` once
    released), died, or was removed from the country (both at ``starts_at``, with no end).

    Audited ``PERSON_STATUS_RECORDED`` with the person's CRN: the status changes what the
    provider is paid, so who recorded it, and from which system, is kept."""
    if kind not in StatusKind.values:
        raise InvalidInput("Choose custody, death or removal from the country", field="kind")
    starts = _aware(starts_at, "starts_at", "when it began")
    moment = now or dt.datetime.now(dt.UTC)
    if not moment - MAX_AGE <= starts <= moment + MAX_AHEAD:
        raise InvalidInput("The start must be within the last three years", field="starts_at")
    ends = None
    if ends_at is not None:
        if kind != StatusKind.IN_CUSTODY:
            raise InvalidInput("Only a spell in custody has an end", field="ends_at")
        ends = _aware(ends_at, "ends_at", "when it ended")
        if ends <= starts:
            raise InvalidInput("The end must be after the start", field="ends_at")
        if ends > moment + MAX_AHEAD:
            raise InvalidInput("The end cannot be in the future", field="ends_at")
    source_text = checked_text(source, field="source", label="the source", max_length=60)
    if kind in (StatusKind.DECEASED, StatusKind.REMOVED):
        existing = PersonStatus.objects.filter(person=person, kind=kind).first()
        if existing is not None:
            raise InvalidInput(
                f"{StatusKind(kind).label} is already recorded for this person", field="kind"
            )
    status = PersonStatus.objects.create(
        person=person,
        kind=kind,
        starts_at=starts,
        ends_at=ends,
        source=source_text,
        recorded_by=by_user if getattr(by_user, "pk", None) else None,
    )
    audit(
        by_user,
        AuditAction.PERSON_STATUS_RECORDED,
        status,
        crn=person.crn,
        details={"kind": kind, "starts_at": starts, "ends_at": ends, "source": source_text},
    )
    return status
