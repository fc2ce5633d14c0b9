"""Loading enforcement history in bulk: the warnings and breach referrals that followed failures
already in a case's contact history, as a migration from a previous system, or the demo world,
needs (``docs/adr/0018-supervision-and-enforcement.md``, decision on bulk history).

The caller decides each warning and referral by the warning rule
(``probation.rules.enforcement.on_failure``) over the failures in date order; this checks that
each names a failure of its own case and order, writes the rows in bulk, and records one audit
event per case. A referral with a court outcome date is loaded as decided by the court with the
order continuing; one without is loaded with proceedings started (at most one such per order).
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone

from probation.core.audit import AuditAction, AuditRecord, audit_many
from probation.core.calendar import bank_holidays_from
from probation.core.errors import InvalidInput
from probation.enforcement.models import (
    BreachReferral,
    BreachState,
    CourtOutcome,
    WarningLetter,
)
from probation.people.models import Case
from probation.rules import clocks
from probation.supervision.models import FAILURE_OUTCOMES, Contact

SOURCE_MAX = 80
LOADED_LETTER = (
    "Warning letter issued on {issued_on:%-d %B %Y} for the failure on {failure_on:%-d %B %Y}. "
    "The letter itself is held in the previous case record ({source})."
)


@dataclass(frozen=True, slots=True)
class WarningToLoad:
    case_id: int
    sentence_id: int
    failure_id: int
    issued_on: dt.date
    issued_by_id: int | None = None


@dataclass(frozen=True, slots=True)
class BreachToLoad:
    case_id: int
    sentence_id: int
    failure_id: int
    referred_on: dt.date
    reason: str
    referred_by_id: int | None = None
    court_outcome_on: dt.date | None = None


def _at(day: dt.date) -> dt.datetime:
    """The working hour of ``day``: when a loaded step is taken to have happened."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time(11)))


def _failures(ids: set[int]) -> dict[int, tuple[int, int | None, dt.datetime]]:
    rows = Contact.objects.filter(pk__in=ids, outcome__in=FAILURE_OUTCOMES).values_list(
        "pk", "case_id", "sentence_id", "starts_at"
    )
    return {pk: (case_id, sentence_id, starts_at) for pk, case_id, sentence_id, starts_at in rows}


def _check(kind: str, number: int, item: Any, failures: dict[int, Any]) -> dt.datetime:
    found = failures.get(item.failure_id)
    if found is None or found[:2] != (item.case_id, item.sentence_id):
        raise InvalidInput(
            f"{kind} {number}: contact {item.failure_id} is not a failure on order "
            f"{item.sentence_id} of case {item.case_id}"
        )
    starts_at: dt.datetime = found[2]
    return starts_at


@transaction.atomic
def enforcement_history_load(
    *,
    warnings: Sequence[WarningToLoad],
    breaches: Sequence[BreachToLoad],
    by_user: Any,
    source: str,
) -> tuple[int, int]:
    """Write the warnings and breach referrals; returns how many of each. ``by_user`` None is
    the system; otherwise an administrator."""
    if by_user is not None and not (by_user.is_authenticated and by_user.is_superuser):
        raise InvalidInput("Only the system or an administrator loads enforcement history.")
    source = source.strip()
    if not source or len(source) > SOURCE_MAX:
        raise InvalidInput(f"Name the source of the history in {SOURCE_MAX} characters or fewer")
    failures = _failures({w.failure_id for w in warnings} | {b.failure_id for b in breaches})
    case_ids = {w.case_id for w in warnings} | {b.case_id for b in breaches}
    cases = {
        row["pk"]: row
        for row in Case.objects.filter(pk__in=case_ids).values(
            "pk", "person__crn", "responsible_organisation_id"
        )
    }
    letters = []
    for number, w in enumerate(warnings, start=1):
        failed_at = _check("Warning", number, w, failures)
        letters.append(
            WarningLetter(
                case_id=w.case_id,
                sentence_id=w.sentence_id,
                failure_id=w.failure_id,
                issued_on=w.issued_on,
                issued_by_id=w.issued_by_id,
                issued_at=_at(w.issued_on),
                letter=LOADED_LETTER.format(
                    issued_on=w.issued_on, failure_on=failed_at.date(), source=source
                ),
            )
        )
    holidays = bank_holidays_from(
        min((b.referred_on for b in breaches), default=timezone.localdate())
    )
    referrals = []
    for number, b in enumerate(breaches, start=1):
        failed_at = _check("Breach referral", number, b, failures)
        decided = b.court_outcome_on is not None
        referrals.append(
            BreachReferral(
                case_id=b.case_id,
                sentence_id=b.sentence_id,
                failure_id=b.failure_id,
                state=BreachState.COURT_OUTCOME_RECORDED
                if decided
                else BreachState.PROCEEDINGS_STARTED,
                reason=b.reason,
                evidence={"failure": b.failure_id, "source": source},
                from_organisation_id=cases[b.case_id]["responsible_organisation_id"],
                due_on=clocks.breach_referral_due(failure_on=failed_at.date(), holidays=holidays),
                referred_by_id=b.referred_by_id,
                referred_at=_at(b.referred_on),
                proceedings_started_at=_at(b.referred_on + dt.timedelta(days=3)),
                outcome_recorded_at=_at(b.court_outcome_on) if b.court_outcome_on else None,
                review_due_on=clocks.breach_review_due(
                    referred_on=b.referred_on, holidays=holidays
                ),
                court_outcome=CourtOutcome.CONTINUES if decided else "",
                court_outcome_on=b.court_outcome_on,
                hearing_on=b.court_outcome_on,
            )
        )
    WarningLetter.objects.bulk_create(letters, batch_size=2000)
    BreachReferral.objects.bulk_create(referrals, batch_size=2000)
    audit_many(
        [
            *_per_case(AuditAction.WARNING_ISSUED, warnings, cases, by_user, source),
            *_per_case(AuditAction.BREACH_REFERRED, breaches, cases, by_user, source),
        ]
    )
    return len(letters), len(referrals)


def _per_case(
    action: AuditAction,
    items: Sequence[WarningToLoad | BreachToLoad],
    cases: Mapping[int, Mapping[str, Any]],
    by_user: Any,
    source: str,
) -> list[AuditRecord]:
    """One audit event per case: how many rows of the kind were loaded into it, from where."""
    counts = Counter(item.case_id for item in items)
    return [
        AuditRecord(
            action=action,
            actor=by_user,
            subject_type=Case._meta.label,
            subject_id=str(case_id),
            crn=cases[case_id]["person__crn"],
            after={"loaded": n},
            details={"source": source},
        )
        for case_id, n in counts.items()
    ]
