"""Every change to a sentence plan: starting it, its objectives, agreeing it and reviewing it.

A plan is what the person and their officer agree to work on. Each objective works on an
**assessed need** (a need section of the latest assessment that is not "no need") or a
**requirement** of the case's active orders, or both, so that the plan answers what the
assessment found and what the court ordered; a link to a need the assessment did not find, or to
another case's requirement, is refused. The plan is agreed with at least one objective in
progress, then reviewed on the schedule of :mod:`probation.rules.plans` (first review 3 months
after it is agreed, then every 6 months, tier A every 3).

Who may: a practitioner or manager of the organisation responsible for the case, who can see
it, while the case is active. Every service locks the case first
(:func:`probation.people.locking.begin_case_change`), so two officers changing one plan are
serialised and a stale form is refused, and writes its audit event
(``SENTENCE_PLAN_CHANGED`` or ``SENTENCE_PLAN_REVIEWED``) in the same transaction.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probation.core.audit import AuditAction, audit
from probation.core.errors import Conflict, InvalidInput
from probation.core.limits import EVENT_DATES, check_date, checked_text, date_in_words
from probation.courts.models import Requirement
from probation.people.locking import begin_case_change
from probation.people.models import Case, CaseStatus
from probation.people.selectors import ensure_case_visible
from probation.rules.plans import next_plan_review_due
from probation.supervision.models import (
    Objective,
    ObjectiveStatus,
    PlanReview,
    SentencePlan,
)
from probation.supervision.plan_selectors import (
    PLAN_CHANGING_ROLES,
    assessed_needs,
    last_plan_review,
    plan_requirements,
)

#: The longest objective description taken (characters).
OBJECTIVE_MAX = 1000
#: The longest passage in the person's own words (characters).
WORDS_MAX = 2000
#: The longest review summary (characters).
SUMMARY_MAX = 5000


def _text(value: str | None, *, field: str, label: str, max_length: int, required: bool) -> str:
    return checked_text(value, field=field, label=label, max_length=max_length, required=required)


def _day(value: dt.date, *, field: str, label: str, not_before: dt.date, since: str) -> dt.date:
    """A day something happened: a real date, not in the future, not before ``not_before``."""
    check_date(value, EVENT_DATES, field=field, label=label)
    if value > timezone.localdate():
        raise InvalidInput(f"The {label} must be today or in the past", field=field)
    if value < not_before:
        raise InvalidInput(
            f"The {label} must be on or after {date_in_words(not_before)}, {since}", field=field
        )
    return value


def _ensure_may_change(user: Any, case: Case) -> None:
    if not (user is not None and user.is_authenticated and user.has_role(*PLAN_CHANGING_ROLES)):
        raise PermissionDenied("Your role does not allow you to change a sentence plan.")
    ensure_case_visible(user, case)


def _begin(
    case: Case, by_user: Any, *, expected_version: int | None, submission_token: str
) -> Case:
    """Check who is acting, then lock the case; the organisation is checked on the locked row,
    so a case handed to another organisation meanwhile is refused."""
    _ensure_may_change(by_user, case)
    locked = begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    if locked.responsible_organisation_id != by_user.organisation_id:
        raise PermissionDenied(
            "Only the staff of the organisation responsible for the case change its sentence plan."
        )
    if locked.status != CaseStatus.ACTIVE:
        raise InvalidInput("This case is closed: its sentence plan can no longer be changed.")
    return locked


def _locked_plan(case: Case) -> SentencePlan | None:
    return SentencePlan.objects.select_for_update().filter(case=case).first()


def _plan_state(plan: SentencePlan) -> dict[str, Any]:
    return {
        "agreed_on": plan.agreed_on,
        "persons_words": plan.persons_words,
        "review_due_on": plan.review_due_on,
    }


def _objective_state(objective: Objective) -> dict[str, Any]:
    return {
        "need": objective.need,
        "requirement": objective.requirement_id,
        "description": objective.description,
        "persons_words": objective.persons_words,
        "status": objective.status,
    }


@transaction.atomic
def plan_create(
    *,
    case: Case,
    by_user: Any,
    persons_words: str = "",
    expected_version: int | None = None,
    submission_token: str = "",
) -> SentencePlan:
    """Start the case's sentence plan, with what the person wants from supervision in their own
    words. A case has one plan: a second is refused."""
    locked = _begin(
        case, by_user, expected_version=expected_version, submission_token=submission_token
    )
    words = _text(
        persons_words,
        field="persons_words",
        label="what the person wants from supervision",
        max_length=WORDS_MAX,
        required=False,
    )
    if _locked_plan(locked) is not None:
        raise Conflict("This case already has a sentence plan.")
    plan = SentencePlan.objects.create(case=locked, persons_words=words, created_by=by_user)
    audit(
        by_user,
        AuditAction.SENTENCE_PLAN_CHANGED,
        plan,
        crn=locked.person.crn,
        after=_plan_state(plan),
        details={"change": "plan started"},
    )
    return plan


@transaction.atomic
def objective_add(
    *,
    case: Case,
    by_user: Any,
    description: str,
    need: str = "",
    requirement: Requirement | None = None,
    persons_words: str = "",
    expected_version: int | None = None,
    submission_token: str = "",
) -> Objective:
    """Add an objective to the case's plan (starting the plan if there is none yet), working on
    ``need`` (a need of the latest assessment), ``requirement`` (of the case's active orders) or
    both; one of them is required. May be added before or after the plan is agreed."""
    locked = _begin(
        case, by_user, expected_version=expected_version, submission_token=submission_token
    )
    text = _text(
        description,
        field="description",
        label="the objective",
        max_length=OBJECTIVE_MAX,
        required=True,
    )
    words = _text(
        persons_words,
        field="persons_words",
        label="the person's words",
        max_length=WORDS_MAX,
        required=False,
    )
    need = (need or "").strip()
    if need and need not in {n.key for n in assessed_needs(locked)}:
        raise InvalidInput(
            "Choose a need found by the latest assessment of this case", field="need"
        )
    if requirement is not None and requirement.pk not in {r.pk for r in plan_requirements(locked)}:
        raise InvalidInput("Choose a requirement of this case's active orders", field="requirement")
    if not need and requirement is None:
        raise InvalidInput(
            "Choose the assessed need or the requirement this objective works on", field="need"
        )
    plan = _locked_plan(locked)
    started = plan is None
    if plan is None:
        plan = SentencePlan.objects.create(case=locked, created_by=by_user)
    now = timezone.now()
    objective = Objective.objects.create(
        plan=plan,
        need=need,
        requirement=requirement,
        description=text,
        persons_words=words,
        created_at=now,
        updated_at=now,
    )
    audit(
        by_user,
        AuditAction.SENTENCE_PLAN_CHANGED,
        objective,
        crn=locked.person.crn,
        after=_objective_state(objective),
        details={"change": "objective added", "plan": plan.pk, "plan_started": started},
    )
    return objective


@transaction.atomic
def objective_update(
    *,
    objective: Objective,
    by_user: Any,
    status: str | None = None,
    description: str | None = None,
    persons_words: str | None = None,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Objective:
    """Change an objective in progress: its words, or its status to achieved or no longer
    needed. An objective achieved or no longer needed is final (a need that returns gets a new
    objective, so the plan's history stays true). ``None`` leaves a value as it is."""
    locked_case = _begin(
        objective.plan.case,
        by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    locked = Objective.objects.select_for_update().get(pk=objective.pk, plan__case=locked_case)
    if locked.status != ObjectiveStatus.OPEN:
        raise Conflict(
            f"This objective is marked “{locked.get_status_display().lower()}”: it can no "
            "longer be changed. Add a new objective instead."
        )
    if status is not None and status not in ObjectiveStatus.values:
        raise InvalidInput(
            "Choose whether the objective is in progress, achieved or no longer needed",
            field="status",
        )
    before = _objective_state(locked)
    if description is not None:
        locked.description = _text(
            description,
            field="description",
            label="the objective",
            max_length=OBJECTIVE_MAX,
            required=True,
        )
    if persons_words is not None:
        locked.persons_words = _text(
            persons_words,
            field="persons_words",
            label="the person's words",
            max_length=WORDS_MAX,
            required=False,
        )
    if status is not None:
        locked.status = status
    after = _objective_state(locked)
    if after == before:
        raise InvalidInput("Change the objective or its progress before saving", field="status")
    locked.updated_at = timezone.now()
    locked.save(update_fields=["description", "persons_words", "status", "updated_at"])
    audit(
        by_user,
        AuditAction.SENTENCE_PLAN_CHANGED,
        locked,
        crn=locked_case.person.crn,
        before={k: v for k, v in before.items() if after[k] != v},
        after={k: v for k, v in after.items() if before[k] != v},
        details={"change": "objective updated", "plan": locked.plan_id},
    )
    return locked


@transaction.atomic
def plan_agree(
    *,
    case: Case,
    by_user: Any,
    agreed_on: dt.date,
    persons_words: str | None = None,
    expected_version: int | None = None,
    submission_token: str = "",
) -> SentencePlan:
    """Record that the person and their officer agreed the plan on ``agreed_on`` (with what the
    person said, in their own words; ``None`` keeps the words already recorded) and set its
    first review. Refused without an objective in progress, and once agreed: a plan agreed is
    changed through its reviews."""
    locked = _begin(
        case, by_user, expected_version=expected_version, submission_token=submission_token
    )
    plan = _locked_plan(locked)
    if plan is None:
        raise InvalidInput("Add an objective to the plan before agreeing it")
    if plan.agreed_on is not None:
        raise Conflict(
            f"This plan was agreed on {date_in_words(plan.agreed_on)}: review it instead."
        )
    if not plan.objectives.filter(status=ObjectiveStatus.OPEN).exists():
        raise InvalidInput("Add an objective in progress to the plan before agreeing it")
    day = _day(
        agreed_on,
        field="agreed_on",
        label="date the plan was agreed",
        not_before=locked.opened_on,
        since="when the case was opened",
    )
    before = _plan_state(plan)
    if persons_words is not None:
        plan.persons_words = _text(
            persons_words,
            field="persons_words",
            label="what the person wants from supervision",
            max_length=WORDS_MAX,
            required=False,
        )
    plan.agreed_on = day
    plan.review_due_on = next_plan_review_due(last_on=day, tier=locked.tier or None, first=True)
    plan.save(update_fields=["agreed_on", "persons_words", "review_due_on"])
    audit(
        by_user,
        AuditAction.SENTENCE_PLAN_CHANGED,
        plan,
        crn=locked.person.crn,
        before=before,
        after=_plan_state(plan),
        details={"change": "plan agreed", "tier": locked.tier},
    )
    return plan


@transaction.atomic
def plan_review(
    *,
    case: Case,
    by_user: Any,
    summary: str,
    persons_words: str = "",
    reviewed_on: dt.date | None = None,
    expected_version: int | None = None,
    submission_token: str = "",
) -> PlanReview:
    """Record a review of the agreed plan on ``reviewed_on`` (today if not given): what has
    changed, in the officer's words and the person's, and set the next review (every 6 months,
    tier A every 3, counted from this review). Refused before the plan is agreed, and for a day
    before the plan was agreed or last reviewed."""
    locked = _begin(
        case, by_user, expected_version=expected_version, submission_token=submission_token
    )
    plan = _locked_plan(locked)
    if plan is None or plan.agreed_on is None:
        raise InvalidInput("Agree the sentence plan before reviewing it")
    text = _text(
        summary, field="summary", label="the review", max_length=SUMMARY_MAX, required=True
    )
    words = _text(
        persons_words,
        field="persons_words",
        label="the person's words",
        max_length=WORDS_MAX,
        required=False,
    )
    last = last_plan_review(plan)
    earliest, since = (
        (last.reviewed_on, "when the plan was last reviewed")
        if last is not None
        else (plan.agreed_on, "when the plan was agreed")
    )
    day = _day(
        reviewed_on or timezone.localdate(),
        field="reviewed_on",
        label="date of the review",
        not_before=earliest,
        since=since,
    )
    before = _plan_state(plan)
    next_due = next_plan_review_due(last_on=day, tier=locked.tier or None, first=False)
    review = PlanReview.objects.create(
        plan=plan,
        reviewed_on=day,
        summary=text,
        persons_words=words,
        next_review_due_on=next_due,
        reviewed_by=by_user,
    )
    plan.review_due_on = next_due
    plan.save(update_fields=["review_due_on"])
    audit(
        by_user,
        AuditAction.SENTENCE_PLAN_REVIEWED,
        review,
        crn=locked.person.crn,
        before={"review_due_on": before["review_due_on"]},
        after={
            "reviewed_on": day,
            "summary": text,
            "persons_words": words,
            "review_due_on": next_due,
        },
        details={"plan": plan.pk, "tier": locked.tier, "was_due_on": before["review_due_on"]},
    )
    return review
