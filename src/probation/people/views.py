"""Case pages: My cases, search, and the case overview (thin views over selectors)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from probation.core.audit import audit
from probation.core.errors import CaseNotAvailable
from probation.people.forms import CaseSearchForm
from probation.people.selectors import case_detail, case_for_user, search_cases
from probation.people.selectors import my_cases as my_cases_selector

View = Callable[..., HttpResponse]


def case_data_view(view: View) -> View:
    """Signed-in users only; an anonymous attempt is audited as a refusal, then sent to sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            audit(
                None,
                "case.access_refused",
                crn=str(kwargs.get("crn", ""))[:16],
                details={"reason": "anonymous", "requested": str(kwargs.get("crn", ""))[:50]},
                path=request.path,
            )
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped


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
    return render(request, "people/case_overview.html", case_detail(case))
