"""Pages of the sentence plan (issue 9, point 1; ``probation/supervision/plan_services.py``):
the plan of a case with its objectives grouped by the need or requirement they work on, adding
and updating an objective, agreeing the plan and reviewing it. The person's own words are shown
as quotes, apart from the officer's. Their URLs are listed at the bottom and included by
``probation/casework/urls.py``.

Everyone who may see the case may read its plan; only a practitioner or manager of the
organisation responsible for it changes it (the services decide; the pages hide what the user
may not do and refuse a POST from anyone else, audited).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone

from probation.core.errors import DomainError
from probation.core.forms import GovukDateField
from probation.core.limits import date_in_words
from probation.people.access import case_page, not_available, role_refused
from probation.people.change_views import refused_change
from probation.people.forms import CaseChangeForm, case_change_initial
from probation.people.models import Case
from probation.supervision import plan_services
from probation.supervision.models import ObjectiveStatus
from probation.supervision.plan_selectors import (
    PLAN_CHANGING_ROLES,
    assessed_needs,
    may_change_plan,
    need_label,
    objective_for,
    plan_page,
    plan_requirements,
    plan_summary,
    requirement_label,
)

# The services refuse control characters in the texts, field by field; the forms bound lengths.


def _long_text(
    label: str, *, max_length: int, required: bool = False, message: str = ""
) -> forms.CharField:
    errors = {"max_length": f"{label} must be {max_length} characters or fewer"}
    if message:
        errors["required"] = message
    return forms.CharField(
        label=label,
        required=required,
        max_length=max_length,
        widget=forms.Textarea(attrs={"rows": 5}),
        error_messages=errors,
    )


def _words_field(label: str) -> forms.CharField:
    return _long_text(label, max_length=plan_services.WORDS_MAX)


class StartPlanForm(CaseChangeForm):
    persons_words = _words_field("What do they want from their supervision, in their own words?")


class AgreePlanForm(CaseChangeForm):
    agreed_on = GovukDateField(
        label="When was the plan agreed?", label_for_errors="the date the plan was agreed"
    )
    persons_words = _words_field("What do they want from their supervision, in their own words?")


class ObjectiveForm(CaseChangeForm):
    """A new objective: the need and/or requirement it works on, offered from the case's latest
    assessment and active orders only, so no other value can be chosen."""

    need = forms.ChoiceField(label="Assessed need", required=False)
    requirement = forms.ChoiceField(label="Requirement of the order", required=False)
    description = _long_text(
        "Objective",
        max_length=plan_services.OBJECTIVE_MAX,
        required=True,
        message="Enter the objective",
    )
    persons_words = _words_field("In their own words (optional)")

    def __init__(self, *args: Any, case: Case, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.requirements = {str(r.pk): r for r in plan_requirements(case)}
        need_field: Any = self.fields["need"]
        need_field.choices = [("", "None: not linked to a need")] + [
            (n.key, f"{n.label} ({n.severity_label.lower()})") for n in assessed_needs(case)
        ]
        need_field.error_messages["invalid_choice"] = "Choose a need from the list"
        requirement_field: Any = self.fields["requirement"]
        requirement_field.choices = [("", "None: not linked to a requirement")] + [
            (key, requirement_label(r)) for key, r in self.requirements.items()
        ]
        requirement_field.error_messages["invalid_choice"] = "Choose a requirement from the list"


class ObjectiveUpdateForm(CaseChangeForm):
    description = _long_text(
        "Objective",
        max_length=plan_services.OBJECTIVE_MAX,
        required=True,
        message="Enter the objective",
    )
    persons_words = _words_field("In their own words (optional)")
    status = forms.ChoiceField(
        label="Progress",
        choices=ObjectiveStatus.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose the objective's progress",
            "invalid_choice": "Choose the objective's progress",
        },
    )


class ReviewForm(CaseChangeForm):
    reviewed_on = GovukDateField(
        label="When was the plan reviewed?", label_for_errors="the date of the review"
    )
    summary = _long_text(
        "What has changed since the plan was agreed or last reviewed?",
        max_length=plan_services.SUMMARY_MAX,
        required=True,
        message="Enter what has changed",
    )
    persons_words = _words_field("What do they say about their progress, in their own words?")


def _refuse_outsider(request: HttpRequest, case: Case, page: str) -> None:
    """A POST by someone who may not change the plan: audited, then 403."""
    if not may_change_plan(request.user, case):
        role_refused(user=request.user, page=page, path=request.path, crn=case.crn)
        raise PermissionDenied


def overview_plan(case: Case, *, for_user: Any) -> dict[str, Any]:
    """The context of ``casework/plan/_plan_summary.html`` on the case overview."""
    return {
        "plan_summary": plan_summary(case),
        "may_change_plan": may_change_plan(for_user, case),
    }


def _context(case: Case, **extra: Any) -> dict[str, Any]:
    return {"case": case, "person": case.person, **extra}


@case_page(page="sentence plan")
def plan(request: HttpRequest, case: Case) -> HttpResponse:
    """The plan: the person's words, objectives by need and requirement, needs not covered,
    reviews; the form to start the plan, then to agree it."""
    user: Any = request.user
    page = plan_page(case)
    action = request.POST.get("action", "") if request.method == "POST" else ""
    form: CaseChangeForm | None = None
    if page.plan is None or action == "start":
        form = StartPlanForm(request.POST or None, initial=case_change_initial(case))
        action = action or "start"
    elif not page.agreed or action == "agree":
        initial = {**case_change_initial(case), "persons_words": page.plan.persons_words}
        form = AgreePlanForm(request.POST or None, initial=initial)
        action = action or "agree"
    if request.method == "POST":
        _refuse_outsider(request, case, "change the sentence plan")
        if form is not None and form.is_valid():
            data = form.cleaned_data
            try:
                if action == "start":
                    plan_services.plan_create(
                        case=case,
                        by_user=user,
                        persons_words=data["persons_words"],
                        **form.change_guards(),
                    )
                    done = "Sentence plan started. Add its objectives."
                else:
                    agreed = plan_services.plan_agree(
                        case=case,
                        by_user=user,
                        agreed_on=data["agreed_on"],
                        persons_words=data["persons_words"],
                        **form.change_guards(),
                    )
                    due = agreed.review_due_on
                    done = f"Sentence plan agreed. Its first review is due by {date_in_words(due)}."  # type: ignore[arg-type]
            except DomainError as error:
                if (response := refused_change(request, form, case, error)) is not None:
                    return response
            else:
                messages.success(request, done)
                return redirect("casework:plan", crn=case.crn)
    return render(
        request,
        "casework/plan/plan.html",
        _context(
            case,
            page=page,
            form=form,
            action=action,
            may_change=may_change_plan(user, case),
        ),
    )


@case_page(page="add a sentence plan objective", roles=PLAN_CHANGING_ROLES)
def objective_new(request: HttpRequest, case: Case) -> HttpResponse:
    user: Any = request.user
    initial = case_change_initial(case)
    asked = request.GET.get("need", "")[:40]
    form = ObjectiveForm(request.POST or None, case=case, initial={**initial, "need": asked})
    if request.method == "POST":
        _refuse_outsider(request, case, "add a sentence plan objective")
        if form.is_valid():
            data = form.cleaned_data
            try:
                plan_services.objective_add(
                    case=case,
                    by_user=user,
                    description=data["description"],
                    need=data["need"],
                    requirement=form.requirements.get(data["requirement"]),
                    persons_words=data["persons_words"],
                    **form.change_guards(),
                )
            except DomainError as error:
                if (response := refused_change(request, form, case, error)) is not None:
                    return response
            else:
                messages.success(request, "Objective added to the sentence plan.")
                return redirect("casework:plan", crn=case.crn)
    return render(
        request,
        "casework/plan/objective_new.html",
        _context(case, form=form, may_change=may_change_plan(user, case)),
    )


@case_page(page="sentence plan objective")
def objective(request: HttpRequest, case: Case, objective_id: int) -> HttpResponse:
    """One objective: what it works on, its words and the person's; while in progress, the
    form to change it or mark it achieved or no longer needed."""
    found = objective_for(case=case, objective_id=objective_id)
    if found is None:
        return not_available(request)
    user: Any = request.user
    initial = {
        **case_change_initial(case),
        "description": found.description,
        "persons_words": found.persons_words,
        "status": found.status,
    }
    form = ObjectiveUpdateForm(request.POST or None, initial=initial)
    if request.method == "POST":
        _refuse_outsider(request, case, "change a sentence plan objective")
        if form.is_valid():
            data = form.cleaned_data
            try:
                updated = plan_services.objective_update(
                    objective=found,
                    by_user=user,
                    status=data["status"],
                    description=data["description"],
                    persons_words=data["persons_words"],
                    **form.change_guards(),
                )
            except DomainError as error:
                if (response := refused_change(request, form, case, error)) is not None:
                    return response
            else:
                messages.success(
                    request, f"Objective saved: {updated.get_status_display().lower()}."
                )
                return redirect("casework:plan", crn=case.crn)
    return render(
        request,
        "casework/plan/objective.html",
        _context(
            case,
            objective=found,
            form=form,
            need_label=need_label(found.need) if found.need else "",
            requirement=requirement_label(found.requirement) if found.requirement else "",
            may_change=may_change_plan(user, case) and found.status == ObjectiveStatus.OPEN,
        ),
    )


@case_page(page="review the sentence plan", roles=PLAN_CHANGING_ROLES)
def plan_review(request: HttpRequest, case: Case) -> HttpResponse:
    user: Any = request.user
    initial = {**case_change_initial(case), "reviewed_on": timezone.localdate()}
    form = ReviewForm(request.POST or None, initial=initial)
    if request.method == "POST":
        _refuse_outsider(request, case, "review the sentence plan")
        if form.is_valid():
            data = form.cleaned_data
            try:
                review = plan_services.plan_review(
                    case=case,
                    by_user=user,
                    summary=data["summary"],
                    persons_words=data["persons_words"],
                    reviewed_on=data["reviewed_on"],
                    **form.change_guards(),
                )
            except DomainError as error:
                if (response := refused_change(request, form, case, error)) is not None:
                    return response
            else:
                messages.success(
                    request,
                    "Review recorded. The next review is due by "
                    f"{date_in_words(review.next_review_due_on)}.",
                )
                return redirect("casework:plan", crn=case.crn)
    page = plan_page(case)
    return render(
        request,
        "casework/plan/review.html",
        _context(
            case,
            form=form,
            plan=page.plan,
            page=page,
            may_change=may_change_plan(user, case),
        ),
    )


urlpatterns: list[URLPattern] = [
    path("cases/<str:crn>/plan/", plan, name="plan"),
    path("cases/<str:crn>/plan/objectives/new/", objective_new, name="objective-new"),
    path(
        "cases/<str:crn>/plan/objectives/<int:objective_id>/",
        objective,
        name="objective",
    ),
    path("cases/<str:crn>/plan/review/", plan_review, name="plan-review"),
]
