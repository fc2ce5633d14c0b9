"""Supervision in the demo world: a year of appointments and contacts for every supervised case,
the next four weeks booked, and the enforcement that followed the failures
(``docs/adr/0018-supervision-and-enforcement.md``, decision on the demo's history).

One chunk step, after the cases are allocated and closed:

* each case supervised in the last year gets its officer's appointments from the first
  appointment (or a year ago) to the end of its supervision (or four weeks from the world's day):
  weekly for tier A and the first sixteen weeks of tier B, fortnightly otherwise; mostly office
  supervision, some phone and video calls, home visits for the higher tiers; each case keeps one
  weekday and hour in its officer's week, so an officer's diary does not clash;
* an order with unpaid work gets a weekly seven-hour session until its hours are done, run by the
  unpaid work team (not in the officer's diary); attended sessions on an order with
  rehabilitation activity count as activity days until its days are used;
* past appointments get outcomes in the proportions below; an absence of the last two working days
  awaits judgement, as on a real caseload;
* the history is written by :func:`probation.supervision.load_services.contacts_load`, and the
  failures older than a fortnight by
  :func:`probation.enforcement.load_services.enforcement_history_load`, following the warning
  rule: a warning for a first failure, a breach referral (decided by the court) for a failure
  within twelve months of a warning. The failures of the last fortnight wait on their officers'
  to-do lists.
"""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict
from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils import timezone

from probation.courts.models import Requirement
from probation.demo.world import BuildContext, Chunk, Weighted
from probation.enforcement.load_services import (
    BreachToLoad,
    WarningToLoad,
    enforcement_history_load,
)
from probation.enforcement.models import (
    BreachReferral,
    Recall,
    SeriousFurtherOffence,
    WarningLetter,
)
from probation.people.models import Case
from probation.rules import enforcement as warning_rule
from probation.supervision.load_services import ContactToLoad, contacts_load
from probation.supervision.models import (
    FAILURE_OUTCOMES,
    Contact,
    ContactType,
    Objective,
    Outcome,
    PlanReview,
    ReminderMessage,
    ReminderPreference,
    SentencePlan,
)

# A salt for this step's draws (BuildContext.person_rng).
_SALT = 7
#: How far back the contact history goes, and how far ahead appointments are booked.
HISTORY = dt.timedelta(days=365)
AHEAD = dt.timedelta(days=28)
#: Failures newer than this are left for their officers to act on.
ACTED_ON_AFTER = dt.timedelta(days=14)
#: Appointment slots in an officer's week: five days, seven hours (9:00 to 15:00 starts).
_DAYS, _HOURS, _FIRST_HOUR = 5, 7, 9
#: The length of a supervision appointment and of an unpaid work session.
_APPOINTMENT = dt.timedelta(minutes=45)
_SESSION_HOURS = 7

#: Outcomes of past appointments: most people comply steadily; some lead chaotic lives and miss
#: or fail far more often (the share drawn per person).
STEADY_SHARE = 0.7
STEADY = Weighted(
    {
        Outcome.ATTENDED_COMPLIED: 0.862,
        Outcome.ACCEPTABLE_ABSENCE: 0.05,
        Outcome.UNACCEPTABLE_ABSENCE: 0.005,
        Outcome.ATTENDED_FAILED_TO_COMPLY: 0.003,
        Outcome.RESCHEDULED: 0.08,
    }
)
CHAOTIC = Weighted(
    {
        Outcome.ATTENDED_COMPLIED: 0.73,
        Outcome.ACCEPTABLE_ABSENCE: 0.07,
        Outcome.UNACCEPTABLE_ABSENCE: 0.07,
        Outcome.ATTENDED_FAILED_TO_COMPLY: 0.03,
        Outcome.RESCHEDULED: 0.10,
    }
)
#: Unplanned contacts a month (calls and texts from the person, calls to check on them, calls from
#: partners such as a hostel or a treatment service), each of a few
#: minutes, recorded with their outcome: they fill the contact log as on a real caseload.
UNPLANNED_A_MONTH = 5
#: Weekly appointments for the first weeks of every order or licence (then by tier).
WEEKLY_WEEKS = 16
TYPES = Weighted({ContactType.SUPERVISION: 0.80, ContactType.PHONE: 0.10, ContactType.VIDEO: 0.10})
ABSENCE_REASONS = (
    "Hospital appointment, letter seen.",
    "Childcare emergency, confirmed by phone.",
    "Job interview, confirmation seen.",
    "Ill, GP note provided.",
)
LOCATION = "Probation office"


def _supervised(
    case_row: Mapping[str, Any], sentence: Any, as_of: dt.date
) -> tuple[dt.date, dt.date] | None:
    """The days of the last year (and the next four weeks) the case was under supervision."""
    start = sentence.release_date if sentence.release_date else sentence.sentence_date
    if sentence.release_date and sentence.release_date > as_of:
        return None  # still in custody
    end = (
        sentence.supervision_end
        or sentence.licence_end
        or sentence.expected_end_date
        or sentence.sentence_expiry_date
        or as_of + AHEAD
    )
    if case_row["closed_on"]:
        end = min(end, case_row["closed_on"])
    start = max(start + dt.timedelta(days=3), as_of - HISTORY)
    end = min(end, as_of + AHEAD)
    return (start, end) if start < end else None


def _slot(ctx: BuildContext, officer_id: int) -> tuple[int, int, int]:
    """The next free weekday, hour and fortnight parity of ``officer_id``'s week."""
    slots = ctx.extra.setdefault("diary_slots", defaultdict(int))
    n = slots[officer_id]
    slots[officer_id] = n + 1
    return n % _DAYS, _FIRST_HOUR + (n // _DAYS) % _HOURS, (n // (_DAYS * _HOURS)) % 2


def _at(day: dt.date, hour: int) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour)))


def _working_days_before(day: dt.date, n: int) -> dt.date:
    while n:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5:
            n -= 1
    return day


def _case_contacts(
    ctx: BuildContext,
    rng: random.Random,
    case_row: Mapping[str, Any],
    sentence: Any,
    requirements: list[Requirement],
) -> list[ContactToLoad]:
    period = _supervised(case_row, sentence, ctx.as_of)
    officer = case_row["responsible_officer_id"]
    if period is None or officer is None:
        return []
    start, end = period
    now = _at(ctx.as_of, 17)
    judge_from = _working_days_before(ctx.as_of, 2)
    weekday, hour, parity = _slot(ctx, officer)
    tier = case_row["tier"] or "D0"
    first = start + dt.timedelta(days=(weekday - start.weekday()) % 7)
    by_kind = {r.kind: r for r in requirements}
    rar = by_kind.get("rehabilitation_activity")
    rar_left = (rar.amount or 0) if rar else 0
    rows: list[ContactToLoad] = []

    outcomes = STEADY if rng.random() < STEADY_SHARE else CHAOTIC

    def outcome_of(day: dt.date, at: dt.datetime) -> tuple[str, str, dt.date | None]:
        if day >= ctx.as_of:
            return "", "", None  # today's are still to record, as on the morning of a real day
        outcome = outcomes.pick(rng)
        if outcome == Outcome.UNACCEPTABLE_ABSENCE and day >= judge_from:
            return (
                Outcome.AWAITING_JUDGEMENT,
                "",
                day + dt.timedelta(days=2 if day.weekday() < 3 else 4),
            )
        reason = rng.choice(ABSENCE_REASONS) if outcome == Outcome.ACCEPTABLE_ABSENCE else ""
        return outcome, reason, None

    day = first
    began = sentence.release_date or sentence.sentence_date
    while day < end:
        week = (day - began).days // 7
        weekly = tier[0] in "AB" or week < WEEKLY_WEEKS
        if weekly or week % 2 == parity:
            at = _at(day, hour)
            kind = TYPES.pick(rng)
            if tier[0] in "AB" and rng.random() < 0.1:
                kind = ContactType.HOME_VISIT
            outcome, reason, due = outcome_of(day, at)
            rar_day = bool(rar_left) and outcome in (Outcome.ATTENDED_COMPLIED,)
            rar_left -= rar_day
            rows.append(
                ContactToLoad(
                    case_id=case_row["pk"],
                    sentence_id=sentence.pk,
                    requirement_id=rar.pk if rar_day and rar else None,
                    contact_type=kind,
                    starts_at=at,
                    ends_at=at + _APPOINTMENT,
                    outcome=outcome,
                    practitioner_id=officer,
                    location="" if kind in (ContactType.PHONE, ContactType.VIDEO) else LOCATION,
                    rar_day=rar_day,
                    absence_reason=reason,
                    judgement_due_on=due,
                )
            )
        day += dt.timedelta(days=7)
    rows += _unplanned(
        rng,
        case_row,
        sentence,
        (start, min(end, ctx.as_of - dt.timedelta(days=1))),
        (weekday, hour, parity),
    )
    unpaid = by_kind.get("unpaid_work")
    if unpaid and unpaid.amount:
        rows += _unpaid_work(ctx, rng, case_row, sentence, unpaid, start, end, now)
    return rows


def _unplanned(
    rng: random.Random,
    case_row: Mapping[str, Any],
    sentence: Any,
    period: tuple[dt.date, dt.date],
    slot: tuple[int, int, int],
) -> list[ContactToLoad]:
    """Short phone contacts on the weekday of the case's slot, after its appointment would end
    (at 50 or 55 minutes past the hour, by the slot's fortnight), on distinct days: so they
    never clash in the officer's diary."""
    start, end = period
    weekday, hour, parity = slot
    first = start + dt.timedelta(days=(weekday - start.weekday()) % 7)
    weeks = max(0, (end - first).days // 7 + 1)
    wanted = max(0, min(weeks, (end - start).days * UNPLANNED_A_MONTH // 30))
    rows = []
    for week in sorted(rng.sample(range(weeks), wanted)):
        at = _at(first + dt.timedelta(weeks=week), hour) + dt.timedelta(minutes=50 + 5 * parity)
        rows.append(
            ContactToLoad(
                case_id=case_row["pk"],
                sentence_id=sentence.pk,
                contact_type=ContactType.PHONE,
                starts_at=at,
                ends_at=at + dt.timedelta(minutes=5),
                outcome=Outcome.ATTENDED_COMPLIED,
                practitioner_id=case_row["responsible_officer_id"],
            )
        )
    return rows


def _unpaid_work(
    ctx: BuildContext,
    rng: random.Random,
    case_row: Mapping[str, Any],
    sentence: Any,
    unpaid: Requirement,
    start: dt.date,
    end: dt.date,
    now: dt.datetime,
) -> list[ContactToLoad]:
    """Saturday sessions of seven hours until the ordered hours are worked (or the period ends)."""
    left = Decimal(unpaid.amount or 0)
    deadline = min(end, sentence.sentence_date + dt.timedelta(days=365))
    day = start + dt.timedelta(days=(5 - start.weekday()) % 7)
    rows = []
    while day < deadline and left > 0:
        at = _at(day, 9)
        outcome = "" if day >= ctx.as_of else STEADY.pick(rng)
        if outcome == Outcome.AWAITING_JUDGEMENT:
            outcome = Outcome.UNACCEPTABLE_ABSENCE
        hours = min(left, Decimal(_SESSION_HOURS)) if outcome == Outcome.ATTENDED_COMPLIED else None
        if hours:
            left -= hours
        rows.append(
            ContactToLoad(
                case_id=case_row["pk"],
                sentence_id=sentence.pk,
                requirement_id=unpaid.pk,
                contact_type=ContactType.UNPAID_WORK,
                starts_at=at,
                ends_at=at + dt.timedelta(hours=_SESSION_HOURS),
                outcome=outcome,
                location="Community payback project",
                hours_credited=hours,
                absence_reason=rng.choice(ABSENCE_REASONS)
                if outcome == Outcome.ACCEPTABLE_ABSENCE
                else "",
            )
        )
        day += dt.timedelta(days=7)
    return rows


def step_contacts(ctx: BuildContext, chunk: Chunk) -> None:
    """The chunk's contact history and bookings, then the enforcement that followed."""
    ids = [case.pk for case in chunk.cases]
    cases = {
        row["pk"]: row
        for row in Case.objects.filter(pk__in=ids).values(
            "pk", "responsible_officer_id", "tier", "closed_on"
        )
    }
    sentences: dict[int, Any] = {}
    for sentence in chunk.sentences:
        current: Any = sentences.get(sentence.case_id)
        if current is None or sentence.sentence_date > current.sentence_date:
            sentences[sentence.case_id] = sentence
    requirements: dict[int, list[Requirement]] = defaultdict(list)
    for requirement in Requirement.objects.filter(
        sentence_id__in=[s.pk for s in sentences.values()]
    ):
        requirements[requirement.sentence_id].append(requirement)
    contacts: list[ContactToLoad] = []
    for p, case in zip(chunk.profiles, chunk.cases, strict=True):
        latest = sentences.get(case.pk)
        if latest is None:
            continue
        rng = ctx.person_rng(p.index, _SALT)
        contacts += _case_contacts(ctx, rng, cases[case.pk], latest, requirements[latest.pk])
    contacts_load(contacts=contacts, by_user=None, source="Demo world: a year of supervision")
    ctx.counts["contacts"] += len(contacts)
    _enforcement_history(ctx, ids)


def _enforcement_history(ctx: BuildContext, case_ids: list[int]) -> None:
    """Warnings and breach referrals for the chunk's failures older than a fortnight, as the
    warning rule decides them, in date order per order."""
    horizon = timezone.make_aware(dt.datetime.combine(ctx.as_of, dt.time())) - ACTED_ON_AFTER
    failures = (
        Contact.objects.filter(
            case_id__in=case_ids, outcome__in=FAILURE_OUTCOMES, starts_at__lt=horizon
        )
        .order_by("sentence_id", "starts_at")
        .values_list("pk", "case_id", "sentence_id", "starts_at", "practitioner_id")
    )
    warnings: list[WarningToLoad] = []
    breaches: list[BreachToLoad] = []
    given: dict[int, list[dt.date]] = defaultdict(list)
    in_breach: set[int] = set()
    for contact_id, case_id, sentence_id, starts_at, officer_id in failures:
        if sentence_id in in_breach:
            continue  # later failures are evidence of the breach already before the court
        day = timezone.localdate(starts_at)
        action = warning_rule.on_failure(failure_date=day, warnings=tuple(given[sentence_id]))
        if action.action == "warning":
            given[sentence_id].append(day + dt.timedelta(days=2))
            warnings.append(
                WarningToLoad(
                    case_id=case_id,
                    sentence_id=sentence_id,
                    failure_id=contact_id,
                    issued_on=day + dt.timedelta(days=2),
                    issued_by_id=officer_id,
                )
            )
        else:
            referred = day + dt.timedelta(days=5)
            decided = referred + dt.timedelta(days=42)
            open_now = decided > ctx.as_of
            if open_now:
                in_breach.add(sentence_id)
            breaches.append(
                BreachToLoad(
                    case_id=case_id,
                    sentence_id=sentence_id,
                    failure_id=contact_id,
                    referred_on=referred,
                    referred_by_id=officer_id,
                    reason=action.reason,
                    court_outcome_on=None if open_now else decided,
                )
            )
            given[sentence_id] = []  # the court has dealt with the order: warnings start again
    enforcement_history_load(
        warnings=warnings, breaches=breaches, by_user=None, source="Demo world"
    )
    ctx.counts["warnings"] += len(warnings)
    ctx.counts["breach_referrals"] += len(breaches)


#: Emptied, in this order, before the case data when the demo world is rebuilt: enforcement
#: rows point at contacts and sentences, contacts at sentences and staff.
SUPERVISION_MODELS = (
    SeriousFurtherOffence,
    Recall,
    BreachReferral,
    WarningLetter,
    ReminderMessage,
    ReminderPreference,
    PlanReview,
    Objective,
    SentencePlan,
    Contact,
)
