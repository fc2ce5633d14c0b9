"""Court assessment, registrations and tier history pages (thin: form → service → redirect)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from probation.core.decorators import case_data_view
from probation.core.errors import CaseNotAvailable, DomainError
from probation.people.selectors import case_for_user
from probation.risk.forms import AssessmentForm, RegistrationAddForm
from probation.risk.models import Registration
from probation.risk.selectors import registrations_of, risk_summary, tier_history
from probation.risk.services import (
    ASSESSING_ROLES,
    REGISTERING_ROLES,
    assessment_record,
    ogrs3_for_case,
    registration_add,
    registration_end,
)


def _not_available(request: HttpRequest) -> HttpResponse:
    return render(
        request, "people/case_not_available.html", {"message": CaseNotAvailable.message}, status=404
    )


def _form_error(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@case_data_view
def assessment_new(request: HttpRequest, crn: str) -> HttpResponse:
    try:
        case = case_for_user(user=request.user, crn=crn, path=request.path)
    except CaseNotAvailable:
        return _not_available(request)
    user: Any = request.user
    if not user.has_role(*ASSESSING_ROLES):
        raise PermissionDenied
    summary = risk_summary(case)
    initial: dict[str, Any] = {"registrations": [r.kind for r in summary["registrations"]]}
    form = AssessmentForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment_record(
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
            )
        except DomainError as error:
            _form_error(form, error)
        else:
            messages.success(request, "Assessment recorded. The tier has been recalculated.")
            return redirect("people:case", crn=case.person.crn)
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
        },
    )


@case_data_view
def registrations(request: HttpRequest, crn: str) -> HttpResponse:
    try:
        case = case_for_user(user=request.user, crn=crn, path=request.path)
    except CaseNotAvailable:
        return _not_available(request)
    user: Any = request.user
    may_change = user.has_role(*REGISTERING_ROLES)
    form = RegistrationAddForm(request.POST or None)
    if request.method == "POST":
        if not may_change:
            raise PermissionDenied
        if form.is_valid():
            try:
                registration_add(
                    case=case,
                    kind=form.cleaned_data["kind"],
                    by_user=user,
                    notes=form.cleaned_data["notes"],
                )
            except DomainError as error:
                _form_error(form, error)
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
@case_data_view
def registration_remove(request: HttpRequest, crn: str, registration_id: int) -> HttpResponse:
    try:
        case = case_for_user(user=request.user, crn=crn, path=request.path)
    except CaseNotAvailable:
        return _not_available(request)
    registration = Registration.objects.filter(case=case, pk=registration_id).first()
    if registration is None:
        return _not_available(request)
    user: Any = request.user
    if not user.has_role(*REGISTERING_ROLES):
        raise PermissionDenied
    try:
        registration_end(registration=registration, by_user=user)
    except DomainError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, "Registration ended. The tier has been recalculated.")
    return redirect("risk:registrations", crn=case.person.crn)


@case_data_view
def tier(request: HttpRequest, crn: str) -> HttpResponse:
    try:
        case = case_for_user(user=request.user, crn=crn, path=request.path)
    except CaseNotAvailable:
        return _not_available(request)
    return render(
        request,
        "risk/tier_history.html",
        {"case": case, "person": case.person, "history": tier_history(case)},
    )
