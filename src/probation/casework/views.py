"""Pages that show several areas' data: each role's home, My cases, search, the case overview,
recording a sentence, the unallocated list and choosing a practitioner (thin: parse, call a
selector or service, render)."""

from __future__ import annotations

import dataclasses
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import NoReverseMatch, reverse
from django.utils import timezone

from probation.allocation import services as allocation
from probation.allocation.forms import AssignForm
from probation.casework import services
from probation.casework.escalation_views import overview_escalations
from probation.casework.homes import home_url, primary_role
from probation.casework.roles import ROLE_HOMES
from probation.casework.selectors import (
    case_record,
    caseload,
    choose_practitioner_page,
    contract_areas_with_owners,
    manager_clocks,
    manager_team_counts,
    new_allocations,
    practitioner_by_id,
    search_page,
    unallocated_page,
)
from probation.casework.supervision_panel import overview_supervision
from probation.casework.transfer_views import transfer_panel
from probation.core.audit import AuditAction
from probation.core.errors import DomainError, InvalidInput
from probation.courts.forms import SentenceForm
from probation.courts.services import SENTENCING_ROLES
from probation.people.access import (
    case_page,
    reads_audited,
    role_refused,
    signed_in_case_reader,
)
from probation.people.change_views import refused_change
from probation.people.forms import CaseSearchForm, case_change_initial
from probation.people.models import Case
from probation.people.selectors import SEARCH_PAGE_SIZE
from probation.workforce.models import RoleCode

PAGE_SIZE = 50
#: Cases to allocate shown at once: the manager works from the top of the list, and a shorter
#: page keeps the NPS's list quick (docs/adr/0017-allocation-clocks-and-notices.md, decision 8).
ALLOCATION_PAGE_SIZE = 25
MAX_PAGE = 10_000


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("core:sign-in")
    return redirect(home_url(request.user))


@login_required
def role_home(request: HttpRequest) -> HttpResponse:
    """The home of a role whose working page is still to come: what it can do today."""
    user: Any = request.user
    role = primary_role(user)
    context: dict[str, Any] = {"home": ROLE_HOMES.get(role or "", ROLE_HOMES[""])}
    if role == RoleCode.CONTRACT_MANAGER:
        context["areas"] = contract_areas_with_owners(on=timezone.localdate())
    return render(request, "casework/role_home.html", context)


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
    return min(max(number, 1), MAX_PAGE)


@signed_in_case_reader
def my_cases(request: HttpRequest) -> HttpResponse:
    page = Paginator(caseload(for_user=request.user), PAGE_SIZE).get_page(_page_number(request))
    reads_audited(
        user=request.user,
        action=AuditAction.CASES_LISTED,
        details={"page": page.number, "crns": [case.person.crn for case in page]},
        path=request.path,
    )
    fresh = new_allocations(for_user=request.user)
    return render(
        request,
        "casework/my_cases.html",
        {
            "page": page,
            "new_allocations": fresh,
            "new_count": len(fresh),
            # The caseload carries each case's next appointment: "None booked" means none.
            "next_appointments_known": True,
        },
    )


class _FoundCases:
    """A search's results as a sequence of ``total`` items of which one page is at hand, so that
    Django's paginator and the pagination template work on it unchanged."""

    def __init__(self, cases: list[Case], total: int) -> None:
        self.cases, self.total = cases, total

    def __len__(self) -> int:
        return self.total

    def __getitem__(self, _: slice) -> list[Case]:
        return self.cases


@signed_in_case_reader
def search(request: HttpRequest) -> HttpResponse:
    form = CaseSearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        number = _page_number(request)
        results = search_page(
            for_user=request.user,
            query=form.cleaned_data["q"],
            offset=(number - 1) * SEARCH_PAGE_SIZE,
            limit=SEARCH_PAGE_SIZE,
        )
        found: Any = _FoundCases(results.cases, results.total)
        paginator: Paginator[Case] = Paginator(found, SEARCH_PAGE_SIZE)
        page = paginator.get_page(number)
        reads_audited(
            user=request.user,
            action=AuditAction.CASES_SEARCHED,
            details={
                "query": request.GET.get("q", "")[:200],
                "results": results.total,
                "page": page.number,
                "crns": [case.person.crn for case in results.cases],
            },
            path=request.path,
        )
    return render(request, "casework/search.html", {"form": form, "page": page})


@case_page(page="case overview")
def case_overview(request: HttpRequest, case: Case) -> HttpResponse:
    if case.responsible_officer_id == request.user.pk:
        allocation.allocation_seen(case=case, by_user=request.user)
    return render(
        request,
        "casework/case_overview.html",
        {
            **case_record(case, for_user=request.user),
            **transfer_panel(case, for_user=request.user),
            **overview_escalations(case, for_user=request.user),
            **overview_supervision(case, for_user=request.user),
        },
    )


@case_page(page="record a sentence", roles=SENTENCING_ROLES)
def sentence_new(request: HttpRequest, case: Case) -> HttpResponse:
    form = SentenceForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sentence = services.sentence_record(
                case=case,
                by_user=request.user,
                disposal=data["disposal"],
                sentence_date=data["sentence_date"],
                length_days=data["length_days"],
                remand_days=data["remand_days"] or 0,
                requirements=[(kind, None) for kind in data["requirements"]],
                **form.change_guards(),
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            note = " Custody dates have been calculated." if sentence.is_custodial else ""
            if sentence.disposal in services.SIFTED_AT_SENTENCE:
                note += f" The sift has allocated the case to {case.responsible_organisation}."
            messages.success(request, f"Sentence recorded.{note}")
            return redirect("casework:case", crn=case.person.crn)
    return render(
        request, "casework/sentence_form.html", {"case": case, "person": case.person, "form": form}
    )


@signed_in_case_reader
def unallocated(request: HttpRequest) -> HttpResponse:
    """The allocating manager's list: the organisation's cases waiting for a practitioner."""
    user: Any = request.user
    if not user.has_role(*allocation.ASSIGNING_ROLES):
        role_refused(user=user, page="cases to allocate", path=request.path)
        raise PermissionDenied
    listed = unallocated_page(
        for_user=user, number=_page_number(request), page_size=ALLOCATION_PAGE_SIZE
    )
    page, overdue = listed.page, listed.overdue
    reads_audited(
        user=user,
        action=AuditAction.CASES_LISTED,
        details={
            "list": "unallocated",
            "page": page.number,
            "crns": [case.person.crn for case in page],
        },
        path=request.path,
    )
    return render(
        request,
        "casework/unallocated.html",
        {
            "page": page,
            "overdue": overdue,
            "clocks": _clock_rows(user),
            "teams": manager_team_counts(for_user=user),
        },
    )


#: Where each clock's list is (by URL name); a clock whose page is not there is shown unlinked.
CLOCK_PAGES = {
    "sift": "casework:release-sifts",
    "assignment": "casework:unallocated",
    "first-appointment": "casework:first-appointments",
    "escalation-review": "casework:escalation-queue",
    "transfer-in": "casework:unallocated",
    "transfer-decision": "casework:transfers",
}


def _clock_rows(user: Any) -> list[dict[str, Any]]:
    rows = []
    for clock in manager_clocks(for_user=user):
        try:
            href = reverse(CLOCK_PAGES[clock.key])
        except (KeyError, NoReverseMatch):
            href = ""
        rows.append({**dataclasses.asdict(clock), "href": href})
    return rows


@case_page(page="choose a practitioner", roles=allocation.ASSIGNING_ROLES)
def choose_practitioner(request: HttpRequest, case: Case) -> HttpResponse:
    form = AssignForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST" and form.is_valid():
        officer = practitioner_by_id(form.cleaned_data["officer"])
        try:
            if officer is None:
                raise InvalidInput("Choose a practitioner from the list", field="officer")
            allocation.case_assign(
                case=case, officer=officer, by_user=request.user, **form.change_guards()
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            messages.success(
                request,
                f"{case.person.full_name} ({case.person.crn}) is now allocated to {officer}.",
            )
            return redirect("casework:unallocated")
    return render(
        request,
        "casework/choose_practitioner.html",
        {
            **choose_practitioner_page(
                case, for_user=request.user, team=request.GET.get("team", "")[:20] or None
            ),
            "form": form,
        },
    )
