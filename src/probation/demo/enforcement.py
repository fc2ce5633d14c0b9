"""Supervision and enforcement journeys in the demo world, through the per-case services, after
the bulk history (``docs/adr/0018-supervision-and-enforcement.md``, decision on the demo).

The demo sign-ins find work in every state:

* the Merseyside CRC practitioner (``practitioner``): sentence plans agreed on part of their
  caseload (some reviews overdue), reminder preferences recorded (so ``make run``'s worker sends
  reminders to the console), a warning letter issued, and the failures of the last fortnight and
  today's appointments still on their to-do list;
* Merseyside's practitioners: breach referrals to the NPS, which the enforcement officer
  (``enforcement.officer``) finds in every state: referred, under review, proceedings started,
  returned with directions, and decided by the court (the order continues with a fine);
* NPS practitioners: recall requests for people on licence in every state, signed off by the NPS
  manager (``nps.manager``), and serious further offences notified and reviewed.

Each step is the service a user would call; a case that does not fit one (a service refuses it)
is passed over and the next tried, so the world's random facts never stop the build.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from probation.casework.services import breach_court_outcome_record
from probation.core.errors import DomainError
from probation.courts.models import Disposal, Sentence, SentenceStatus
from probation.demo.world import BuildContext
from probation.enforcement.models import BreachReferral, RecallReason, WarningLetter
from probation.enforcement.recall_services import (
    recall_decide,
    recall_request,
    recall_review_start,
    recall_send,
    recall_sign_off,
)
from probation.enforcement.selectors import failures_awaiting_action
from probation.enforcement.services import (
    breach_proceedings_start,
    breach_refer,
    breach_return,
    breach_review_start,
    warning_issue,
)
from probation.enforcement.sfo_services import sfo_notify, sfo_review_start
from probation.people.models import Case, CaseStatus
from probation.supervision.models import ContactType, Outcome
from probation.supervision.plan_selectors import assessed_needs
from probation.supervision.plan_services import objective_add, plan_agree, plan_create
from probation.supervision.reminder_services import reminder_preference_set
from probation.supervision.services import contact_record
from probation.workforce.models import OrganisationKind, User

#: Breach referrals taken to each state by the enforcement officer, in this order.
BREACH_STEPS = ("referred", "under_review", "proceedings_started", "returned", "decided")
#: Recall requests taken to each state.
RECALL_STEPS = ("requested", "under_review", "standard_sent", "no_recall", "fixed_term_decided")
RECALL_DETAILS = {
    RecallReason.CONTACT_LOST: "Not at the approved address for three nights; phone off.",
    RecallReason.RISK_INCREASED: "Police report renewed contact with the victim.",
    RecallReason.FURTHER_OFFENCE: "Arrested for burglary; charged and remanded.",
}
SFO_OFFENCES = ("Wounding with intent (section 18)", "Rape", "Robbery with a firearm")
#: How many of the demo practitioner's cases get a sentence plan, and how many get an email.
PLANS, REMINDER_EMAILS = 12, 30


def _attempt(ctx: BuildContext, what: str, service: Callable[..., Any], **arguments: Any) -> Any:
    """Call one service in a savepoint; a refusal passes the case over (counted)."""
    try:
        with transaction.atomic():
            return service(**arguments)
    except (DomainError, PermissionDenied):
        ctx.counts[f"demo_skipped_{what}"] += 1
        return None


def _user(pk: int) -> User:
    return User.objects.select_related("organisation", "team").get(pk=pk)


def step_enforcement_journeys(ctx: BuildContext) -> None:
    """Plans, reminders, warnings, breach referrals, recalls and SFOs for the demo sign-ins."""
    if ctx.phase:
        ctx.phase("Supervision and enforcement journeys for the demo sign-ins")
    practitioner = _user(ctx.staff.demo["practitioner"].pk)
    _plans_and_reminders(ctx, practitioner)
    _warning(ctx, practitioner)
    _breaches(ctx, _user(ctx.staff.demo["enforcement.officer"].pk))
    _recalls(
        ctx,
        _user(ctx.staff.demo["enforcement.officer"].pk),
        _user(ctx.staff.demo["nps.manager"].pk),
    )
    _sfos(ctx, _user(ctx.staff.demo["nps.manager"].pk))


def _caseload(officer: User) -> list[Case]:
    return list(
        Case.objects.filter(responsible_officer=officer, status=CaseStatus.ACTIVE)
        .select_related("person")
        .order_by("pk")
    )


def _plans_and_reminders(ctx: BuildContext, practitioner: User) -> None:
    cases = _caseload(practitioner)
    today = ctx.as_of
    for number, case in enumerate(cases[:PLANS]):
        needs = assessed_needs(case)
        if not needs:
            continue
        agreed = max(case.opened_on, today - dt.timedelta(days=30 + 12 * number))

        def plan(case: Case = case, needs: Any = needs, agreed: dt.date = agreed) -> bool:
            plan_create(
                case=case,
                by_user=practitioner,
                persons_words="I want to stay out of trouble and get back into work.",
            )
            for need in needs[:2]:
                objective_add(
                    case=case,
                    by_user=practitioner,
                    need=need.key,
                    description=f"Work on {need.label.lower()} with a referral in the first month.",
                )
            plan_agree(case=case, by_user=practitioner, agreed_on=agreed)
            return True

        if _attempt(ctx, "plan", plan):
            ctx.counts["plans"] += 1
    for number, case in enumerate(cases[:REMINDER_EMAILS]):
        _attempt(
            ctx,
            "reminder_preference",
            reminder_preference_set,
            case=case,
            by_user=practitioner,
            email=f"{case.person.crn.lower()}@example.org",
            mobile="",
            email_opted_out=number % 10 == 9,  # one in ten opted out
            sms_opted_out=True,
        )


def _awaiting(officer: User, action: str) -> Iterator[Any]:
    for item in failures_awaiting_action(for_user=officer, limit=200):
        if item.action.action == action and (action == "warning" or item.kind is not None):
            yield item


def _fail(ctx: BuildContext, case: Case, officer: User, days_ago: int) -> Any:
    """An unacceptable absence from an office appointment ``days_ago`` working days back,
    recorded by the officer (through the service, as they would from their notes)."""
    day = ctx.as_of - dt.timedelta(days=days_ago)
    while day.weekday() >= 5:
        day -= dt.timedelta(days=1)
    # After the day's booked slots, a quarter of an hour each, so no two share an officer's diary
    # (an evening slot: the failures recorded here come one after another).
    slot = ctx.counts["demo_failures"] % 24
    ctx.counts["demo_failures"] += 1
    at = timezone.make_aware(dt.datetime.combine(day, dt.time(16))) + dt.timedelta(
        minutes=15 * slot
    )
    return _attempt(
        ctx,
        "failure",
        contact_record,
        case=case,
        by_user=officer,
        contact_type=ContactType.SUPERVISION,
        starts_at=at,
        ends_at=at + dt.timedelta(minutes=15),
        outcome=Outcome.UNACCEPTABLE_ABSENCE,
        location="Probation office",
        notes="Did not attend; no contact since.",
    )


def _warning(ctx: BuildContext, practitioner: User) -> None:
    """Two recent failures on the demo practitioner's caseload: the first warned by letter, the
    second left on their to-do list (with whatever the bulk history already left there)."""
    failed = 0
    for case in _caseload(practitioner):
        if failed == 2:
            break
        if _fail(ctx, case, practitioner, days_ago=3 + failed) is not None:
            failed += 1
    for item in _awaiting(practitioner, "warning"):
        if _attempt(ctx, "warning", warning_issue, failure=item.contact, by_user=practitioner):
            ctx.counts["demo_warnings"] += 1
            return


def _warned_orders(as_of: dt.date) -> Iterator[tuple[Case, User]]:
    """Merseyside cases with a warning in the last eleven months on an active order and no open
    breach: a further failure on one makes a breach referral mandatory."""
    since = as_of - dt.timedelta(days=330)
    warned = WarningLetter.objects.filter(
        issued_on__gte=since,
        sentence__status=SentenceStatus.ACTIVE,
        case__status=CaseStatus.ACTIVE,
        case__responsible_organisation__code="CRC-C08",
        case__responsible_officer__isnull=False,
        case__restricted=False,
    ).exclude(sentence__breaches__state__in=["referred", "under_review", "proceedings_started"])
    seen: set[int] = set()
    for letter in warned.select_related("case__person").order_by("pk")[:200]:
        if letter.case_id in seen:
            continue
        seen.add(letter.case_id)
        yield letter.case, _user(letter.case.responsible_officer_id or 0)


def _breaches(ctx: BuildContext, officer: User) -> None:
    """Breach referrals from Merseyside, then taken by the enforcement officer to each state."""
    referrals: list[BreachReferral] = []
    for case, practitioner in _warned_orders(ctx.as_of):
        if len(referrals) >= len(BREACH_STEPS):
            break
        failure = _fail(ctx, case, practitioner, days_ago=2)
        if failure is None:
            continue
        made = _attempt(
            ctx,
            "breach_referral",
            breach_refer,
            failure=failure,
            by_user=practitioner,
            reason="A further failure within twelve months of a warning.",
        )
        if made is not None:
            referrals.append(made)
    hearing = ctx.as_of + dt.timedelta(days=14)
    for breach, state in zip(referrals, BREACH_STEPS, strict=False):
        ctx.counts[f"breaches_{state}"] += 1
        if state == "referred":
            continue
        breach = _attempt(ctx, "breach", breach_review_start, breach=breach, by_user=officer)
        if breach is None or state == "under_review":
            continue
        if state == "returned":
            _attempt(
                ctx,
                "breach",
                breach_return,
                breach=breach,
                by_user=officer,
                directions="Only one failure is evidenced: record the second appointment's outcome letter, then refer again if it stands.",
            )
            continue
        breach = _attempt(
            ctx,
            "breach",
            breach_proceedings_start,
            breach=breach,
            by_user=officer,
            hearing_on=hearing,
        )
        if breach is not None and state == "decided":
            _attempt(
                ctx,
                "breach",
                breach_court_outcome_record,
                breach=breach,
                by_user=officer,
                outcome="continues_fine",
                outcome_on=ctx.as_of,
                fine_pounds=150,
                detail="Fined £150; the order continues.",
            )


def _on_licence(today: dt.date) -> list[Case]:
    custody = Sentence.objects.filter(
        disposal__in=(Disposal.CUSTODY, Disposal.CUSTODY_EXTENDED),
        status=SentenceStatus.ACTIVE,
        release_date__lte=today,
        licence_end__gte=today,
    ).filter(Q(supervision_end__isnull=True) | Q(licence_end__gte=today))
    return list(
        Case.objects.filter(
            status=CaseStatus.ACTIVE,
            responsible_organisation__kind=OrganisationKind.NPS,
            responsible_officer__isnull=False,
            restricted=False,
            sentences__in=custody,
        )
        .exclude(access_entries__isnull=False)
        .select_related("person")
        .distinct()
        .order_by("pk")[:30]
    )


def _recalls(ctx: BuildContext, officer: User, manager: User) -> None:
    reasons = list(RECALL_DETAILS)
    steps = iter(RECALL_STEPS)
    state = next(steps, None)
    for number, case in enumerate(_on_licence(ctx.as_of)):
        if state is None:
            return
        requester = _user(case.responsible_officer_id or 0)
        reason = reasons[number % len(reasons)]
        recall = _attempt(
            ctx,
            "recall",
            recall_request,
            case=case,
            by_user=requester,
            reason=reason,
            details=RECALL_DETAILS[reason],
        )
        if recall is None:
            continue
        ctx.counts[f"recalls_{state}"] += 1
        if state != "requested":
            recall = _attempt(ctx, "recall", recall_review_start, recall=recall, by_user=officer)
        if recall is not None and state in ("standard_sent", "no_recall", "fixed_term_decided"):
            decision = {"standard_sent": "standard", "no_recall": "no_recall"}.get(
                state, "fixed_term"
            )
            recall = _attempt(
                ctx,
                "recall",
                recall_decide,
                recall=recall,
                by_user=officer,
                decision=decision,
                reasons="Risk can no longer be managed in the community."
                if decision != "no_recall"
                else "Contact re-established; a warning and closer reporting instead.",
            )
            if recall is not None and state in ("standard_sent", "no_recall"):
                recall = _attempt(ctx, "recall", recall_sign_off, recall=recall, by_user=manager)
                if recall is not None and state == "standard_sent":
                    _attempt(ctx, "recall", recall_send, recall=recall, by_user=officer)
        state = next(steps, None)


def _sfos(ctx: BuildContext, manager: User) -> None:
    today = ctx.as_of
    for number, case in enumerate(_on_licence(ctx.as_of)[-len(SFO_OFFENCES) :]):
        officer = _user(case.responsible_officer_id or 0)
        sfo = _attempt(
            ctx,
            "sfo",
            sfo_notify,
            case=case,
            by_user=officer,
            offence_description=SFO_OFFENCES[number],
            charged_on=max(case.opened_on, today - dt.timedelta(days=2 + 3 * number)),
        )
        if sfo is None:
            continue
        ctx.counts["sfos"] += 1
        if number == 0:
            _attempt(ctx, "sfo", sfo_review_start, sfo=sfo, by_user=manager)
