"""Court assessment, registrations and tier history pages (thin: form → service → redirect)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from probation.core.errors import DomainError
from probation.people.access import case_page, not_available, role_refused
from probation.people.change_views import refused_change
from probation.people.forms import case_change_initial
from probation.people.models import Case
from probation.risk.changes import assessment_changes
from probation.risk.forms import AssessmentForm, RegistrationAddForm, assessment_initial
from probation.risk.models import Assessment
from probation.risk.selectors import (
    latest_assessment,
    ogrs3_for_case,
    registration_of,
    registrations_of,
    risk_summary,
    tier_history,
)
from probation.risk.services import (
    ASSESSING_ROLES,
    REGISTERING_ROLES,
    assessment_record,
    registration_add,
    registration_end,
)


def _form_error(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@case_page(page="record an assessment", roles=ASSESSING_ROLES)
def assessment_new(request: HttpRequest, case: Case) -> HttpResponse:
    user: Any = request.user
    summary = risk_summary(case)
    # A review starts from the last assessment (its date aside), so nothing it said is lost.
    previous = latest_assessment(case)
    initial: dict[str, Any] = {
        **assessment_initial(previous),
        "registrations": [r.kind for r in summary["registrations"]],
        **case_change_initial(case),
    }
    form = AssessmentForm(
        request.POST or None,
        initial=initial,
        previous_answers=previous.answers if previous is not None else None,
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment = assessment_record(
                case=case,
                by_user=user,
                assessed_on=data["assessed_on"],
                report_type=data["report_type"],
                rosh_public=data["rosh_public"],
                rosh_known_adult=data["rosh_known_adult"],
                rosh_children=data["rosh_children"],
                rosh_staff=data["rosh_staff"],
                mappa_category=data["mappa_category"],
                mappa_level=data["mappa_level"],
                rsr=data["rsr"],
                parenting_responsibilities=data["parenting_responsibilities"],
                previous_enforcement=data["previous_enforcement"],
                answers=form.answers(),
                registrations=data["registrations"],
                **form.change_guards(),
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            messages.success(request, _recorded_message(previous, assessment))
            return redirect("casework:case", crn=case.person.crn)
    ogrs3 = None
    ogrs3_error = None
    try:
        ogrs3 = ogrs3_for_case(case)
    except DomainError as error:
        ogrs3_error = error.message
    return render(
        request,
        "risk/assessment_form.html",
        {
            "case": case,
            "person": case.person,
            "form": form,
            "ogrs3": ogrs3,
            "ogrs3_error": ogrs3_error,
            "previous": previous,
        },
    )


def _recorded_message(previous: Assessment | None, assessment: Assessment) -> str:
    message = "Assessment recorded. The tier has been recalculated."
    if previous is None:
        return message
    changes = assessment_changes(previous, assessment)
    if not changes:
        return f"{message} Nothing changed since the last assessment."
    return f"{message} Changed since the last assessment: {'; '.join(map(str, changes))}."


@case_page(page="registrations")
def registrations(request: HttpRequest, case: Case) -> HttpResponse:
    user: Any = request.user
    may_change = user.has_role(*REGISTERING_ROLES)
    form = RegistrationAddForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST":
        if not may_change:
            role_refused(user=user, page="add a registration", path=request.path, crn=case.crn)
            raise PermissionDenied
        if form.is_valid():
            try:
                registration_add(
                    case=case,
                    kind=form.cleaned_data["kind"],
                    by_user=user,
                    notes=form.cleaned_data["notes"],
                    **form.change_guards(),
                )
            except DomainError as error:
                if (response := refused_change(request, form, case, error)) is not None:
                    return response
            else:
                messages.success(request, "Registration added. The tier has been recalculated.")
                return redirect("risk:registrations", crn=case.person.crn)
    return render(
        request,
        "risk/registrations.html",
        {
            "case": case,
            "person": case.person,
            "form": form,
            "registrations": registrations_of(case),
            "may_change": may_change,
        },
    )


@require_POST
@case_page(page="end a registration", roles=REGISTERING_ROLES)
def registration_remove(request: HttpRequest, case: Case, registration_id: int) -> HttpResponse:
    registration = registration_of(case, registration_id)
    if registration is None:
        return not_available(request)
    user: Any = request.user
    try:
        registration_end(registration=registration, by_user=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Registration ended. The tier has been recalculated.")
    return redirect("risk:registrations", crn=case.person.crn)


@case_page(page="tier history")
def tier(request: HttpRequest, case: Case) -> HttpResponse:
    return render(
        request,
        "risk/tier_history.html",
        {"case": case, "person": case.person, "history": tier_history(case)},
    )
