"""The allocation clocks as pages (``docs/domain/allocation.md`` §3): the custodial cases due for
their sift before release (the NPS sifts them), the first appointments waiting to be held, and
recording a first appointment on a case. The manager's summary of every clock is on the list of
cases to allocate (``views.unallocated``)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.views.decorators.http import require_POST

from probation.allocation import services as allocation
from probation.allocation.forms import FirstAppointmentForm
from probation.casework.selectors import first_appointments_page, release_sifts_page
from probation.core.audit import AuditAction
from probation.core.errors import DomainError
from probation.people.access import case_page, reads_audited, role_refused, signed_in_case_reader
from probation.people.change_views import refused_change
from probation.people.forms import case_change_initial
from probation.people.models import Case
from probation.workforce.models import OrganisationKind


def _manager_only(request: HttpRequest, page: str) -> Any:
    user: Any = request.user
    if not user.has_role(*allocation.ASSIGNING_ROLES):
        role_refused(user=user, page=page, path=request.path)
        raise PermissionDenied
    return user


@signed_in_case_reader
def release_sifts(request: HttpRequest) -> HttpResponse:
    """Custodial cases whose sift is due (10 working days before release), for the NPS."""
    user = _manager_only(request, "sifts before release")
    if user.organisation.kind != OrganisationKind.NPS:
        role_refused(user=user, page="sifts before release", path=request.path)
        raise PermissionDenied
    sentences = release_sifts_page(for_user=user)
    reads_audited(
        user=user,
        action=AuditAction.CASES_LISTED,
        details={"list": "sifts before release", "crns": [s.case.person.crn for s in sentences]},
        path=request.path,
    )
    return render(request, "casework/clocks/release_sifts.html", {"sentences": sentences})


@require_POST
@signed_in_case_reader
def release_sifts_run(request: HttpRequest) -> HttpResponse:
    user = _manager_only(request, "sifts before release")
    try:
        sifted = allocation.release_sifts(by_user=user)
    except DomainError as error:
        messages.error(request, str(error))
    else:
        messages.success(
            request,
            f"{len(sifted)} case{'s' if len(sifted) != 1 else ''} sifted before release."
            if sifted
            else "No case was due for its sift.",
        )
    return redirect("casework:release-sifts")


@signed_in_case_reader
def first_appointments(request: HttpRequest) -> HttpResponse:
    """First appointments not yet held in the manager's organisation, earliest due first."""
    user = _manager_only(request, "first appointments")
    appointments = first_appointments_page(for_user=user)
    reads_audited(
        user=user,
        action=AuditAction.CASES_LISTED,
        details={
            "list": "first appointments",
            "crns": [a.case.person.crn for a in appointments],
        },
        path=request.path,
    )
    return render(
        request, "casework/clocks/first_appointments.html", {"appointments": appointments}
    )


@case_page(page="record the first appointment", roles=allocation.FIRST_APPOINTMENT_ROLES)
def first_appointment_record(request: HttpRequest, case: Case) -> HttpResponse:
    form = FirstAppointmentForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST" and form.is_valid():
        try:
            allocation.first_appointment_record(
                case=case,
                by_user=request.user,
                held_on=form.cleaned_data["held_on"],
                **form.change_guards(),
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            messages.success(request, "First appointment recorded.")
            return redirect("casework:case", crn=case.person.crn)
    return render(
        request,
        "casework/clocks/first_appointment_form.html",
        {"case": case, "person": case.person, "form": form},
    )


urlpatterns: list[URLPattern] = [
    path("allocations/releases/", release_sifts, name="release-sifts"),
    path("allocations/releases/sift/", release_sifts_run, name="release-sifts-run"),
    path("allocations/first-appointments/", first_appointments, name="first-appointments"),
    path(
        "cases/<str:crn>/first-appointment/",
        first_appointment_record,
        name="first-appointment-record",
    ),
]
