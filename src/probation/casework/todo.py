"""The practitioner's to-do list and the manager's team view of it (issue: supervision and
enforcement, point 7; ``docs/adr/0018-supervision-and-enforcement.md``).

A practitioner's day starts from what is waiting for them, not from a list of cases: absences to
judge on their 2-working-day clock, failures awaiting a warning or a breach referral (the warning
rule says which), outcomes still to record, sentence plan reviews due, new allocations, and what
they have referred to others and are waiting on (escalations, breach referrals, recalls), and
the electronic monitoring alerts open on their cases (the officer is told of an alert here). Every
item links to the one page that deals with it. Managers see the same counts for each practitioner
of a team, with what is overdue, so that work falling behind is seen before it is lost.

Reads only, across apps, so it lives in casework; each part is one of the owning app's scoped
selectors, or one grouped query for the team view.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, cast

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.urls import reverse
from django.utils import timezone

from probation.allocation.models import OPEN_ESCALATION_STATES, Assignment, Escalation
from probation.enforcement.models import (
    OPEN_BREACH_STATES,
    OPEN_RECALL_STATES,
    BreachReferral,
    BreachState,
    Recall,
    WarningLetter,
)
from probation.enforcement.selectors import failures_awaiting_action_on
from probation.monitoring.alert_selectors import open_alerts_for_officer
from probation.monitoring.models import AlertState
from probation.people.models import Case, CaseStatus
from probation.people.selectors import cases_visible_to
from probation.supervision.models import FAILURE_OUTCOMES, Contact, Outcome, SentencePlan
from probation.supervision.plan_selectors import plan_reviews_due
from probation.workforce.models import RoleCode, Team, User

#: The most items a section lists; its count says how many there are in all.
SECTION_LIMIT = 50
#: The most diary rows read for the absences and outcomes sections together: a practitioner with
#: more has a backlog the list cannot show in full anyway, and the counts say "at least" this.
DIARY_READ = 500
#: A breach referral returned with directions stays on the referrer's list this long.
RETURNED_SHOWN_FOR = dt.timedelta(days=14)
#: Plan reviews listed when due within this many days.
REVIEWS_WITHIN_DAYS = 14


@dataclass(frozen=True)
class TodoItem:
    crn: str
    name: str
    what: str
    url: str
    action: str
    due_on: dt.date | None = None
    overdue: bool = False


@dataclass
class TodoSection:
    key: str
    title: str
    hint: str
    items: list[TodoItem] = field(default_factory=list)
    total: int = 0

    @property
    def overdue(self) -> int:
        return sum(1 for item in self.items if item.overdue)

    @property
    def more(self) -> int:
        return self.total - len(self.items)


@dataclass
class TodoList:
    sections: list[TodoSection]
    caseload: int = 0

    @property
    def total(self) -> int:
        return sum(section.total for section in self.sections)

    @property
    def overdue(self) -> int:
        return sum(section.overdue for section in self.sections)

    @property
    def crns(self) -> list[str]:
        return sorted({item.crn for section in self.sections for item in section.items})


def _case_url(name: str, crn: str, **ids: int) -> str:
    return reverse(f"casework:{name}", kwargs={"crn": crn, **ids})


def _when(moment: dt.datetime) -> str:
    return f"{timezone.localtime(moment):%-d %b %Y, %H:%M}"


def _section(key: str, title: str, hint: str, items: list[TodoItem], total: int) -> TodoSection:
    return TodoSection(key=key, title=title, hint=hint, items=items, total=total)


def _diary_due(user: Any, now: dt.datetime) -> tuple[list[Contact], list[Contact]]:
    """The user's absences awaiting judgement and appointments begun without an outcome, from
    one read of their diary (the index of each kind is partial), scoped to the cases they may
    see; each list in its own order, at most :data:`DIARY_READ` rows in all."""
    rows = list(
        Contact.objects.filter(practitioner=user, case__in=cases_visible_to(user))
        .filter(Q(outcome=Outcome.AWAITING_JUDGEMENT) | Q(outcome="", starts_at__lte=now))
        .select_related("case__person")
        .order_by("starts_at", "id")[:DIARY_READ]
    )
    absences = sorted(
        (c for c in rows if c.outcome == Outcome.AWAITING_JUDGEMENT),
        key=lambda c: (c.judgement_due_on or dt.date.max, c.starts_at, c.pk),
    )
    return absences, [c for c in rows if c.outcome == ""]


def _monitoring_alerts(user: Any, own: list[int]) -> TodoSection:
    """The open EM alerts on the caseload, newest first: each links to the alert's page (its
    evidence and where the monitoring centre has got to)."""
    rows = list(open_alerts_for_officer(for_user=user, case_ids=own)[: SECTION_LIMIT + 1])
    items = [
        TodoItem(
            crn=a.case.person.crn,
            name=a.case.person.full_name,
            what=f"{a.get_kind_display()}, raised {_when(a.raised_at)}"
            + (
                " (the monitoring centre is dealing with it)"
                if a.state == AlertState.ACKNOWLEDGED
                else ""
            ),
            url=reverse("monitoring:alert", kwargs={"alert_id": a.pk}),
            action="See the alert",
            due_on=None,
        )
        for a in rows[:SECTION_LIMIT]
    ]
    total = (
        open_alerts_for_officer(for_user=user, case_ids=own).count()
        if len(rows) > SECTION_LIMIT
        else len(rows)
    )
    return _section(
        "monitoring",
        "Monitoring alerts",
        "Electronic monitoring alerts open on your cases, newest first, until the monitoring "
        "centre resolves them.",
        items,
        total,
    )


def _absences(user: Any, today: dt.date, rows: list[Contact]) -> TodoSection:
    items = [
        TodoItem(
            crn=c.case.person.crn,
            name=c.case.person.full_name,
            what=f"{c.get_contact_type_display()} on {_when(c.starts_at)}: absent",
            url=_case_url("absence-judge", c.case.person.crn, contact_id=c.pk),
            action="Judge the absence",
            due_on=c.judgement_due_on,
            overdue=c.judgement_due_on is not None and c.judgement_due_on < today,
        )
        for c in rows[:SECTION_LIMIT]
    ]
    return _section(
        "absences",
        "Absences to judge",
        "Each absence is judged acceptable or unacceptable within 2 working days.",
        items,
        len(rows),
    )


def _failures(user: Any, today: dt.date, own: list[int]) -> TodoSection:
    waiting = (
        failures_awaiting_action_on(case_ids=own, today=today, limit=SECTION_LIMIT + 1)
        if user.has_role(RoleCode.PRACTITIONER)
        else []
    )
    items = []
    for f in waiting[:SECTION_LIMIT]:
        crn = f.contact.case.person.crn
        if f.action.action == "warning":
            url = _case_url("warning-new", crn, contact_id=f.contact.pk)
            action = "Send a warning letter"
        elif f.kind is None:
            url = _case_url("recall-new", crn)
            action = "Consider a recall (on licence)"
        else:
            url = _case_url("breach-new", crn, contact_id=f.contact.pk)
            action = "Make a breach referral"
        items.append(
            TodoItem(
                crn=crn,
                name=f.contact.case.person.full_name,
                what=f"{f.contact.get_outcome_display()} on {f.failure_on:%-d %b %Y}",
                url=url,
                action=action,
                due_on=f.referral_due_on,
                overdue=f.is_overdue,
            )
        )
    return _section(
        "failures",
        "Warnings and breach referrals",
        "The warning rule decides: a warning for a first failure, a breach referral within 10 "
        "working days for a failure within 12 months of a warning.",
        items,
        len(waiting),
    )


def _outcomes(user: Any, now: dt.datetime, rows: list[Contact]) -> TodoSection:
    start_of_today = timezone.make_aware(dt.datetime.combine(timezone.localdate(now), dt.time()))
    items = [
        TodoItem(
            crn=c.case.person.crn,
            name=c.case.person.full_name,
            what=f"{c.get_contact_type_display()} on {_when(c.starts_at)}",
            url=_case_url("contact-outcome", c.case.person.crn, contact_id=c.pk),
            action="Record the outcome",
            due_on=timezone.localdate(c.starts_at),
            overdue=c.starts_at < start_of_today,
        )
        for c in rows[:SECTION_LIMIT]
    ]
    return _section(
        "outcomes",
        "Outcomes to record",
        "An appointment's outcome is recorded on the day it is held.",
        items,
        len(rows),
    )


def _reviews(user: Any, today: dt.date, own: list[int]) -> TodoSection:
    rows = plan_reviews_due(
        for_user=user, today=today, within_days=REVIEWS_WITHIN_DAYS, case_ids=own
    )
    items = [
        TodoItem(
            crn=plan.case.person.crn,
            name=plan.case.person.full_name,
            what=f"Sentence plan review ({cast(Any, plan).open_objectives} objectives in progress)",
            url=_case_url("plan-review", plan.case.person.crn),
            action="Review the plan",
            due_on=plan.review_due_on,
            overdue=bool(cast(Any, plan).overdue),
        )
        for plan in rows[:SECTION_LIMIT]
    ]
    return _section(
        "reviews",
        "Sentence plan reviews due",
        f"Reviews due in the next {REVIEWS_WITHIN_DAYS} days, and any overdue.",
        items,
        rows.count() if len(items) == SECTION_LIMIT else len(items),
    )


def _new_allocations(user: Any, own: list[int]) -> TodoSection:
    """The cases of the caseload assigned to the user that they have not opened since (the
    latest assignment of a case the user is responsible for is to them)."""
    ids = set(
        Assignment.objects.filter(officer=user, seen_at__isnull=True, case_id__in=own)
        .order_by()
        .values_list("case_id", flat=True)
    )
    cases = (
        Case.objects.filter(pk__in=ids).select_related("person").order_by("person__surname", "pk")
        if ids
        else Case.objects.none()
    )
    items = [
        TodoItem(
            crn=case.person.crn,
            name=case.person.full_name,
            what=f"Newly allocated to you (tier {case.tier or 'not yet set'})",
            url=_case_url("case", case.person.crn),
            action="Open the case",
        )
        for case in cases[:SECTION_LIMIT]
    ]
    return _section(
        "new",
        "New allocations",
        "Cases allocated to you that you have not opened yet.",
        items,
        len(ids),
    )


def _waiting(user: Any, now: dt.datetime) -> TodoSection:
    """What the user referred to someone else and is waiting on; a referral returned with
    directions is for them to act on. Read without the visibility subquery, then kept only where
    the user may still see the case (one query over the few cases found): the same scoping, at a
    fraction of the planning."""
    escalations = list(
        Escalation.objects.filter(referred_by=user, state__in=OPEN_ESCALATION_STATES)
        .select_related("case__person")
        .order_by("review_due_on", "pk")[:SECTION_LIMIT]
    )
    breaches = list(
        BreachReferral.objects.filter(referred_by=user)
        .filter(
            Q(state__in=OPEN_BREACH_STATES)
            | Q(state=BreachState.RETURNED, returned_at__gte=now - RETURNED_SHOWN_FOR)
        )
        .select_related("case__person")
        .order_by("review_due_on", "pk")[:SECTION_LIMIT]
    )
    recalls = list(
        Recall.objects.filter(requested_by=user, state__in=OPEN_RECALL_STATES)
        .select_related("case__person")
        .order_by("decision_due_on", "pk")[:SECTION_LIMIT]
    )
    found = {e.case_id for e in escalations} | {b.case_id for b in breaches}
    found |= {r.case_id for r in recalls}
    visible = (
        set(cases_visible_to(user).filter(pk__in=found).values_list("pk", flat=True))
        if found
        else set()
    )
    items: list[TodoItem] = []
    for e in escalations:
        if e.case_id in visible:
            items.append(
                TodoItem(
                    crn=e.case.person.crn,
                    name=e.case.person.full_name,
                    what=f"Risk escalation to the NPS: {e.get_state_display().lower()}",
                    url=_case_url("case", e.case.person.crn),
                    action="See the escalation",
                    due_on=e.review_due_on,
                )
            )
    for b in breaches:
        if b.case_id in visible:
            returned = b.state == BreachState.RETURNED
            items.append(
                TodoItem(
                    crn=b.case.person.crn,
                    name=b.case.person.full_name,
                    what=f"Breach referral: {b.get_state_display().lower()}",
                    url=_case_url("breach", b.case.person.crn, breach_id=b.pk),
                    action="Read the directions" if returned else "See the referral",
                    due_on=b.review_due_on,
                )
            )
    for r in recalls:
        if r.case_id in visible:
            items.append(
                TodoItem(
                    crn=r.case.person.crn,
                    name=r.case.person.full_name,
                    what=f"Recall request: {r.get_state_display().lower()}",
                    url=_case_url("recall", r.case.person.crn, recall_id=r.pk),
                    action="See the recall",
                    due_on=r.decision_due_on,
                )
            )
    return _section(
        "waiting",
        "Referred and waiting",
        "Escalations, breach referrals and recall requests you made, until they are decided.",
        items[:SECTION_LIMIT],
        len(items),
    )


def todo_list(*, for_user: Any, now: dt.datetime | None = None) -> TodoList:
    """Everything waiting for ``for_user`` (a practitioner), each section at most
    :data:`SECTION_LIMIT` items, the most urgent first."""
    now = timezone.now() if now is None else now
    today = timezone.localdate(now)
    # The caseload, read and scoped once for every section that starts from it.
    own = list(
        cases_visible_to(for_user)
        .filter(responsible_officer=for_user, status=CaseStatus.ACTIVE)
        .values_list("pk", flat=True)
    )
    absences, outcomes = _diary_due(for_user, now)
    return TodoList(
        caseload=len(own),
        sections=[
            _monitoring_alerts(for_user, own),
            _absences(for_user, today, absences),
            _failures(for_user, today, own),
            _outcomes(for_user, now, outcomes),
            _reviews(for_user, today, own),
            _new_allocations(for_user, own),
            _waiting(for_user, now),
        ],
    )


# --- The manager's team view ------------------------------------------------------------------


@dataclass(frozen=True)
class PractitionerTodo:
    practitioner: User
    absences: int
    absences_overdue: int
    failures: int
    outcomes: int
    outcomes_overdue: int
    reviews: int
    reviews_overdue: int
    new_allocations: int

    @property
    def total(self) -> int:
        return self.absences + self.failures + self.outcomes + self.reviews + self.new_allocations

    @property
    def overdue(self) -> int:
        return self.absences_overdue + self.outcomes_overdue + self.reviews_overdue


def _grouped(rows: QuerySet[Any], key: str, **counts: Any) -> dict[int, dict[str, int]]:
    return {row[key]: row for row in rows.order_by().values(key).annotate(**counts)}


def team_todo(
    *, for_user: Any, team: Team, now: dt.datetime | None = None
) -> list[PractitionerTodo]:
    """For each active practitioner of ``team`` (one of the manager's organisation's, as
    ``allocation.workload.teams_for`` gives them), the counts of
    their to-do list and what is overdue: a few grouped queries, however large the team."""
    now = timezone.now() if now is None else now
    today = timezone.localdate(now)
    start_of_today = timezone.make_aware(dt.datetime.combine(today, dt.time()))
    members = list(
        User.objects.filter(team=team, is_active=True, roles__code=RoleCode.PRACTITIONER)
        .distinct()
        .order_by("last_name", "first_name", "pk")
    )
    ids = [m.pk for m in members]
    visible = cases_visible_to(for_user)
    diary = Contact.objects.filter(practitioner_id__in=ids, case__in=visible)
    absences = _grouped(
        diary.filter(outcome=Outcome.AWAITING_JUDGEMENT),
        "practitioner_id",
        n=Count("pk"),
        late=Count("pk", filter=Q(judgement_due_on__lt=today)),
    )
    outcomes = _grouped(
        diary.filter(outcome="", starts_at__lte=now),
        "practitioner_id",
        n=Count("pk"),
        late=Count("pk", filter=Q(starts_at__lt=start_of_today)),
    )
    failures = _grouped(
        Contact.objects.filter(
            case__in=visible.filter(responsible_officer_id__in=ids, status=CaseStatus.ACTIVE),
            outcome__in=FAILURE_OUTCOMES,
            sentence__isnull=False,
        ).filter(
            ~Exists(WarningLetter.objects.filter(failure=OuterRef("pk"))),
            ~Exists(BreachReferral.objects.filter(failure=OuterRef("pk"))),
            ~Exists(
                BreachReferral.objects.filter(
                    sentence=OuterRef("sentence"), state__in=OPEN_BREACH_STATES
                )
            ),
        ),
        "case__responsible_officer_id",
        n=Count("pk"),
    )
    reviews = _grouped(
        SentencePlan.objects.filter(
            case__in=visible.filter(responsible_officer_id__in=ids, status=CaseStatus.ACTIVE),
            agreed_on__isnull=False,
            review_due_on__lte=today + dt.timedelta(days=REVIEWS_WITHIN_DAYS),
        ),
        "case__responsible_officer_id",
        n=Count("pk"),
        late=Count("pk", filter=Q(review_due_on__lt=today)),
    )
    fresh = _grouped(
        Assignment.objects.filter(
            officer_id__in=ids,
            seen_at__isnull=True,
            case__in=visible,
            case__responsible_officer_id=F("officer_id"),
        ),
        "officer_id",
        n=Count("case", distinct=True),
    )

    def get(table: dict[int, dict[str, int]], pk: int, key: str = "n") -> int:
        return int(table.get(pk, {}).get(key, 0))

    return [
        PractitionerTodo(
            practitioner=m,
            absences=get(absences, m.pk),
            absences_overdue=get(absences, m.pk, "late"),
            failures=get(failures, m.pk),
            outcomes=get(outcomes, m.pk),
            outcomes_overdue=get(outcomes, m.pk, "late"),
            reviews=get(reviews, m.pk),
            reviews_overdue=get(reviews, m.pk, "late"),
            new_allocations=get(fresh, m.pk),
        )
        for m in members
    ]
