"""Case pages: My cases, search, and the case overview (thin views over selectors)."""

from __future__ import annotations

from typing import Any

from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from probation.core.audit import audit
from probation.core.decorators import case_data_view
from probation.core.errors import CaseNotAvailable
from probation.courts.services import SENTENCING_ROLES
from probation.people.forms import CaseSearchForm
from probation.people.selectors import case_detail, case_for_user, search_cases
from probation.people.selectors import my_cases as my_cases_selector
from probation.risk.selectors import risk_summary
from probation.risk.services import ASSESSING_ROLES


@case_data_view
def my_cases(request: HttpRequest) -> HttpResponse:
    cases = my_cases_selector(for_user=request.user)
    page = Paginator(cases, 50).get_page(request.GET.get("page"))
    audit(request.user, "cases.listed", details={"page": page.number}, path=request.path)
    return render(request, "people/my_cases.html", {"page": page})


@case_data_view
def search(request: HttpRequest) -> HttpResponse:
    form = CaseSearchForm(request.GET or None)
    results = None
    if form.is_bound and form.is_valid():
        results = search_cases(for_user=request.user, query=form.cleaned_data["q"])
        audit(
            request.user,
            "cases.searched",
            details={"query": request.GET.get("q", "")[:200], "results": len(results)},
            path=request.path,
        )
    return render(request, "people/search.html", {"form": form, "results": results})


@case_data_view
def case_overview(request: HttpRequest, crn: str) -> HttpResponse:
    try:
        case = case_for_user(user=request.user, crn=crn, path=request.path)
    except CaseNotAvailable as refusal:
        return render(
            request, "people/case_not_available.html", {"message": refusal.message}, status=404
        )
    context = case_detail(case)
    context.update(risk_summary(case))
    user: Any = request.user
    context["may_assess"] = user.has_role(*ASSESSING_ROLES)
    context["may_sentence"] = user.has_role(*SENTENCING_ROLES)
    return render(request, "people/case_overview.html", context)
