"""Reads of the sentence plan: the plan of a case with its objectives grouped by what they work
on, the assessed needs no objective covers yet, and the plan reviews a practitioner has due.

The functions that take a ``case`` are called with a case the user has already been allowed to
see (a page wrapped in ``people.access.case_page``, or a service that checked it);
:func:`plan_reviews_due` starts from ``people.selectors.cases_visible_to``. The services in
``plan_services.py`` read through here too, so a page and a service agree on which needs and
requirements an objective may link to.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, Literal

from django.db.models import BooleanField, Count, Q, QuerySet, Value, When
from django.db.models import Case as Condition
from django.utils import timezone

from probation.courts.models import Requirement, SentenceStatus
from probation.people.models import Case, CaseStatus
from probation.people.selectors import cases_visible_to
from probation.risk.questionnaire import SECTIONS_BY_KEY
from probation.risk.selectors import latest_assessment
from probation.rules.tiering import NEED_WEIGHTS
from probation.supervision.models import (
    Objective,
    ObjectiveStatus,
    PlanReview,
    SentencePlan,
)
from probation.workforce.models import RoleCode

#: Who changes a sentence plan: a practitioner or a manager of the organisation responsible for
#: the case (``docs/adr/0018-supervision-and-enforcement.md``).
PLAN_CHANGING_ROLES = (RoleCode.PRACTITIONER, RoleCode.ALLOCATING_MANAGER)

#: The need sections of ``docs/domain/tiering.md`` (``NEED_WEIGHTS``) in plain English: the
#: assessment's own section titles, and a title for the two sections it does not ask about.
NEED_LABELS: dict[str, str] = {
    key: SECTIONS_BY_KEY[key].title
    if key in SECTIONS_BY_KEY
    else {"finance": "Finance", "emotional_wellbeing": "Emotional well-being"}.get(
        key, key.replace("_", " ").capitalize()
    )
    for key in NEED_WEIGHTS
}
#: The severities that make a section a need (``tiering.md``: "none" is no need).
NEED_SEVERITY_LABELS: dict[str, str] = {"standard": "Some need", "severe": "Severe need"}
#: How far ahead a plan review shows as due on a practitioner's list.
REVIEWS_DUE_WITHIN_DAYS = 14


@dataclass(frozen=True)
class AssessedNeed:
    """A need section of the latest assessment that is a need ("standard" or "severe")."""

    key: str
    label: str
    severity: str

    @property
    def severity_label(self) -> str:
        return NEED_SEVERITY_LABELS[self.severity]


@dataclass(frozen=True)
class ObjectiveGroup:
    """The objectives that work on one need or one requirement (or on neither, kept from
    before links were required)."""

    kind: Literal["need", "requirement", "other"]
    key: str
    title: str
    objectives: list[Objective]
    # For a need: whether the latest assessment still finds it (it may have eased since).
    assessed: bool = True
    severity: str = ""


@dataclass(frozen=True)
class PlanPage:
    """Everything the sentence plan page shows."""

    plan: SentencePlan | None
    groups: list[ObjectiveGroup]
    uncovered_needs: list[AssessedNeed]
    reviews: list[PlanReview]
    today: dt.date
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def agreed(self) -> bool:
        return self.plan is not None and self.plan.agreed_on is not None

    @property
    def review_overdue(self) -> bool:
        due = self.plan.review_due_on if self.plan is not None else None
        return due is not None and due < self.today


def need_label(key: str) -> str:
    return NEED_LABELS.get(key, key.replace("_", " ").capitalize())


def may_change_plan(user: Any, case: Case) -> bool:
    """Whether ``user`` may change the plan of ``case`` (the services decide; this hides the
    links and forms): a practitioner or manager of the responsible organisation, on an active
    case."""
    return bool(
        user is not None
        and user.is_authenticated
        and user.has_role(*PLAN_CHANGING_ROLES)
        and user.organisation_id == case.responsible_organisation_id
        and case.status == CaseStatus.ACTIVE
    )


def assessed_needs(case: Case) -> list[AssessedNeed]:
    """The needs of the latest assessment, in the order of ``tiering.md``'s sections; none for
    a case never assessed. A section the assessment marks "none" is not a need."""
    assessment = latest_assessment(case)
    if assessment is None:
        return []
    severities = assessment.need_severities or {}
    return [
        AssessedNeed(key=key, label=need_label(key), severity=severities[key])
        for key in NEED_WEIGHTS
        if severities.get(key) in NEED_SEVERITY_LABELS
    ]


def plan_requirements(case: Case) -> list[Requirement]:
    """The requirements of the case's active orders: what an objective may deliver."""
    return list(
        Requirement.objects.filter(sentence__case=case, sentence__status=SentenceStatus.ACTIVE)
        .select_related("sentence")
        .order_by("sentence__sentence_date", "id")
    )


def requirement_label(requirement: Requirement) -> str:
    """A requirement as a practitioner names it: "Unpaid work (100 hours), community order of
    2 November 2026"."""
    amount = f" ({requirement.amount} {requirement.unit})" if requirement.amount else ""
    sentence = requirement.sentence
    made = sentence.sentence_date
    return (
        f"{requirement.get_kind_display()}{amount}, "
        f"{sentence.get_disposal_display().lower()} of {made.day} {made:%B %Y}"
    )


def plan_of(case: Case) -> SentencePlan | None:
    return SentencePlan.objects.filter(case=case).first()


def objective_for(*, case: Case, objective_id: int) -> Objective | None:
    """One objective of the case's plan (None for another case's objective or an unknown id)."""
    return (
        Objective.objects.filter(plan__case=case, pk=objective_id)
        .select_related("plan", "requirement__sentence")
        .first()
    )


def last_plan_review(plan: SentencePlan) -> PlanReview | None:
    return PlanReview.objects.filter(plan=plan).order_by("-reviewed_on", "-id").first()


def _covers(objective: Objective) -> bool:
    """An objective in progress or achieved covers its need; one no longer needed does not."""
    return objective.status != ObjectiveStatus.DISCONTINUED


def plan_page(case: Case, *, today: dt.date | None = None) -> PlanPage:
    """The plan of ``case`` with its objectives grouped: by assessed need first (in the order
    of the assessment's sections), then by requirement, then any linked to neither. An
    objective linked to both a need and a requirement is listed under its need."""
    today = today or timezone.localdate()
    plan = plan_of(case)
    needs = assessed_needs(case)
    if plan is None:
        return PlanPage(plan=None, groups=[], uncovered_needs=needs, reviews=[], today=today)
    objectives = list(plan.objectives.select_related("requirement__sentence"))
    by_need: dict[str, list[Objective]] = {}
    by_requirement: dict[int, list[Objective]] = {}
    other: list[Objective] = []
    for objective in objectives:
        if objective.need:
            by_need.setdefault(objective.need, []).append(objective)
        elif objective.requirement_id is not None:
            by_requirement.setdefault(objective.requirement_id, []).append(objective)
        else:
            other.append(objective)
    assessed = {need.key: need for need in needs}
    order = list(NEED_WEIGHTS)
    groups = [
        ObjectiveGroup(
            kind="need",
            key=key,
            title=need_label(key),
            objectives=items,
            assessed=key in assessed,
            severity=assessed[key].severity_label if key in assessed else "",
        )
        for key, items in sorted(
            by_need.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else len(order)
        )
    ]
    groups += [
        ObjectiveGroup(
            kind="requirement",
            key=str(requirement_id),
            title=requirement_label(items[0].requirement),  # type: ignore[arg-type]
            objectives=items,
        )
        for requirement_id, items in by_requirement.items()
    ]
    if other:
        groups.append(
            ObjectiveGroup(kind="other", key="", title="Other objectives", objectives=other)
        )
    covered = {o.need for o in objectives if o.need and _covers(o)}
    counts = dict.fromkeys(ObjectiveStatus.values, 0)
    for objective in objectives:
        counts[objective.status] += 1
    return PlanPage(
        plan=plan,
        groups=groups,
        uncovered_needs=[need for need in needs if need.key not in covered],
        reviews=list(plan.reviews.select_related("reviewed_by")),
        today=today,
        counts=counts,
    )


@dataclass(frozen=True)
class PlanSummary:
    """The case overview's short account of the plan (``casework/plan/_plan_summary.html``)."""

    plan: SentencePlan | None
    open: int
    achieved: int
    discontinued: int
    uncovered_needs: list[AssessedNeed]
    today: dt.date

    @property
    def review_overdue(self) -> bool:
        due = self.plan.review_due_on if self.plan is not None else None
        return due is not None and due < self.today


def plan_summary(case: Case, *, today: dt.date | None = None) -> PlanSummary:
    """What the case overview shows of the plan: whether it is agreed, its objectives counted
    by status, the next review and the assessed needs not yet covered (three queries)."""
    today = today or timezone.localdate()
    plan = plan_of(case)
    needs = assessed_needs(case)
    if plan is None:
        return PlanSummary(None, 0, 0, 0, needs, today)
    rows = list(plan.objectives.values("need", "status"))
    count = {status: sum(1 for r in rows if r["status"] == status) for status in ObjectiveStatus}
    covered = {r["need"] for r in rows if r["need"] and r["status"] != ObjectiveStatus.DISCONTINUED}
    return PlanSummary(
        plan,
        open=count[ObjectiveStatus.OPEN],
        achieved=count[ObjectiveStatus.ACHIEVED],
        discontinued=count[ObjectiveStatus.DISCONTINUED],
        uncovered_needs=[need for need in needs if need.key not in covered],
        today=today,
    )


def plan_reviews_due(
    *,
    for_user: Any,
    today: dt.date | None = None,
    within_days: int = REVIEWS_DUE_WITHIN_DAYS,
    case_ids: list[int] | None = None,
) -> QuerySet[SentencePlan]:
    """The agreed plans of ``for_user``'s own active cases (they are the responsible officer)
    whose review is due within ``within_days`` of ``today`` or already overdue, soonest first;
    each plan carries ``overdue`` (due before today) and its case and person, so that a to-do
    list is one query. ``case_ids``: that caseload, already read and scoped by the caller."""
    today = today or timezone.localdate()
    own = (
        Q(case_id__in=case_ids)
        if case_ids is not None
        else Q(
            case__in=cases_visible_to(for_user),
            case__responsible_officer_id=getattr(for_user, "pk", None),
            case__status=CaseStatus.ACTIVE,
        )
    )
    return (
        SentencePlan.objects.filter(
            own,
            agreed_on__isnull=False,
            review_due_on__lte=today + dt.timedelta(days=within_days),
        )
        .select_related("case__person")
        .annotate(
            overdue=Condition(
                When(review_due_on__lt=today, then=Value(True)),
                default=Value(False),
                output_field=BooleanField(),
            ),
            open_objectives=Count("objectives", filter=Q(objectives__status=ObjectiveStatus.OPEN)),
        )
        .order_by("review_due_on", "id")
    )
