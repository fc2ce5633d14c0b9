"""The assessment page (a pre-sentence assessment, or a practitioner's review of risk): a
casework page because recording an assessment may open a risk escalation to the NPS
(``docs/adr/0012-risk-escalation.md``). Its URL is the one it had under ``risk``; the URLs are
listed at the bottom and included by ``probation/casework/urls.py``."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from probation.casework import services
from probation.core.errors import DomainError
from probation.people.access import case_page, role_refused
from probation.people.change_views import refused_change
from probation.people.forms import case_change_initial
from probation.people.models import Case
from probation.risk.changes import assessment_changes
from probation.risk.forms import AssessmentForm, assessment_initial
from probation.risk.permissions import may_record_risk
from probation.risk.selectors import latest_assessment, ogrs3_for_case, risk_summary
from probation.risk.services import ASSESSING_ROLES


@case_page(page="record an assessment", roles=ASSESSING_ROLES)
def assessment_new(request: HttpRequest, case: Case) -> HttpResponse:
    user: Any = request.user
    if not may_record_risk(user, case):
        # A reader of a case another organisation holds is told who does; a change is refused.
        if request.method == "POST":
            role_refused(user=user, page="record an assessment", path=request.path, crn=case.crn)
            raise PermissionDenied
        return render(
            request,
            "risk/not_responsible.html",
            {"case": case, "person": case.person, "action": "record an assessment"},
        )
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
            recorded = services.assessment_record(
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
            messages.success(request, _recorded_message(previous, recorded))
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


def _recorded_message(previous: Any, recorded: services.RecordedAssessment) -> str:
    message = "Assessment recorded. The tier has been recalculated."
    if previous is not None:
        changes = assessment_changes(previous, recorded.assessment)
        if not changes:
            message += " Nothing changed since the last assessment."
        else:
            message += f" Changed since the last assessment: {'; '.join(map(str, changes))}."
    if recorded.escalation is not None:
        due = recorded.escalation.review_due_on
        message += (
            f" An escalation to the NPS has been opened ({recorded.escalation.reason}): the NPS"
            f" must review it by {due.day} {due:%B %Y}."
        )
    return message


urlpatterns: list[URLPattern] = [
    path("cases/<str:crn>/assessment/new/", assessment_new, name="assessment-new"),
]
