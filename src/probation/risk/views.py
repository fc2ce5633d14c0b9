"""Registrations and tier history pages (thin: form → service → redirect).

Recording an assessment may open a risk escalation (an allocation workflow), so its page is
casework's: ``probation/casework/assessment_views.py``.
"""

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
from probation.risk.forms import RegistrationAddForm
from probation.risk.permissions import may_record_risk
from probation.risk.selectors import (
    registration_of,
    registrations_of,
    tier_history,
)
from probation.risk.services import (
    REGISTERING_ROLES,
    registration_add,
    registration_end,
)


def _form_error(form: Any, error: DomainError) -> None:
    field = error.field if error.field in form.fields else None
    form.add_error(field, error.message)


@case_page(page="registrations")
def registrations(request: HttpRequest, case: Case) -> HttpResponse:
    user: Any = request.user
    may_change = user.has_role(*REGISTERING_ROLES) and may_record_risk(user, case)
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
    if not may_record_risk(user, case):
        role_refused(user=user, page="end a registration", path=request.path, crn=case.crn)
        messages.error(
            request,
            f"{case.responsible_organisation} is responsible for this case: only its staff "
            "end its registrations.",
        )
        return redirect("risk:registrations", crn=case.person.crn)
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
