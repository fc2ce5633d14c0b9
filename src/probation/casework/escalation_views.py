"""Pages of the escalation journey (issue: allocation; ``docs/domain/allocation.md`` §4,
``docs/adr/0012-risk-escalation.md``): a CRC refers a case to the NPS, NPS allocating managers
work through the review queue and confirm or decline, and the case overview tells the whole
story. Their URLs are listed at the bottom and included by ``probation/casework/urls.py``."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone

from probation.allocation import services as allocation
from probation.allocation.models import Escalation, EscalationState
from probation.allocation.selectors import (
    case_escalations,
    escalation_for,
    escalation_queue,
    escalation_queue_counts,
    is_escalation_reviewer,
    open_escalation,
)
from probation.core.audit import AuditAction
from probation.core.errors import DomainError
from probation.core.forms import FreeTextField
from probation.people.access import (
    case_page,
    not_available,
    reads_audited,
    role_refused,
    signed_in_case_reader,
)
from probation.people.change_views import refused_change
from probation.people.forms import CaseChangeForm, case_change_initial
from probation.people.models import Case, CaseStatus
from probation.risk.selectors import risk_summary
from probation.workforce.models import OrganisationKind

PAGE_SIZE = 50
MAX_PAGE = 10_000
TEXT_MAX = allocation.ESCALATION_TEXT_MAX


def _long_text(label: str, *, required: bool, message: str = "", called: str = "") -> FreeTextField:
    return FreeTextField(
        label=label,
        max_length=TEXT_MAX,
        required=required,
        required_message=message,
        called=called,
        rows=5,
    )


class ReferForm(CaseChangeForm):
    reason = _long_text(
        "Why should the NPS take this case?",
        required=True,
        message="Enter why the NPS should take this case",
        called="The reason",
    )
    evidence = _long_text("Evidence", required=False, called="The evidence")


class DecisionForm(CaseChangeForm):
    """Start the review, or confirm or decline with the reasons (the service requires them)."""

    action = forms.ChoiceField(
        # Sent by the button pressed ("Start review", "Confirm", "Decline"), never typed.
        choices=[("start", "Start review"), ("confirm", "Confirm"), ("decline", "Decline")],
        error_messages={
            "required": "Choose to confirm or decline",
            "invalid_choice": "Choose to confirm or decline",
        },
    )
    reasons = _long_text("Reasons for the decision", required=False, called="The reasons")


def may_refer(user: Any, case: Case) -> bool:
    """Whether ``user`` may refer ``case`` to the NPS: a practitioner or allocating manager of
    the CRC holding the active case (the service decides, this hides the link)."""
    return bool(
        user.has_role(*allocation.ESCALATION_REFERRING_ROLES)
        and case.status == CaseStatus.ACTIVE
        and case.responsible_organisation.kind == OrganisationKind.CRC
        and user.organisation_id == case.responsible_organisation_id
    )


def overview_escalations(case: Case, *, for_user: Any) -> dict[str, Any]:
    """The case overview's Escalations section: every escalation of the case, and whether
    ``for_user`` is offered "Refer to the NPS"."""
    escalations = case_escalations(case)
    is_open = any(
        e.state in (EscalationState.REFERRED, EscalationState.UNDER_REVIEW) for e in escalations
    )
    return {
        "escalations": escalations,
        "may_refer": may_refer(for_user, case) and not is_open,
        "today": timezone.localdate(),
    }


@case_page(page="refer to the NPS", roles=allocation.ESCALATION_REFERRING_ROLES)
def escalation_new(request: HttpRequest, case: Case) -> HttpResponse:
    user: Any = request.user
    current = open_escalation(case)
    allowed = may_refer(user, case) and current is None
    if request.method == "POST" and not may_refer(user, case):
        role_refused(user=user, page="refer to the NPS", path=request.path, crn=case.crn)
        raise PermissionDenied
    form = ReferForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            escalation = allocation.escalation_refer(
                case=case,
                by_user=user,
                reason=data["reason"],
                evidence={"text": data["evidence"]} if data["evidence"] else None,
                **form.change_guards(),
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            due = escalation.review_due_on
            messages.success(
                request,
                f"{case.person.full_name} has been referred to the NPS. The NPS must review the "
                f"referral by {due.day} {due:%B %Y}; {case.responsible_organisation} stays "
                "responsible until it decides.",
            )
            return redirect("casework:case", crn=case.person.crn)
    return render(
        request,
        "casework/escalations/refer.html",
        {
            "case": case,
            "person": case.person,
            "form": form,
            "allowed": allowed,
            "current": current,
            **risk_summary(case),
        },
    )


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
    return min(max(number, 1), MAX_PAGE)


@signed_in_case_reader
def escalation_queue_page(request: HttpRequest) -> HttpResponse:
    """The NPS review queue: open escalations, the review due soonest first."""
    user: Any = request.user
    if not is_escalation_reviewer(user):
        role_refused(user=user, page="risk escalations to review", path=request.path)
        raise PermissionDenied
    queue = escalation_queue(for_user=user)
    page = Paginator(queue, PAGE_SIZE).get_page(_page_number(request))
    counts = (
        escalation_queue_counts(queue)
        if page.paginator.count
        else {"total": 0, "overdue": 0, "under_review": 0}
    )
    reads_audited(
        user=user,
        action=AuditAction.CASES_LISTED,
        details={
            "list": "escalations",
            "page": page.number,
            "crns": [escalation.case.person.crn for escalation in page],
        },
        path=request.path,
    )
    return render(request, "casework/escalations/queue.html", {"page": page, "counts": counts})


_DECISIONS: dict[str, tuple[Callable[..., Escalation], str]] = {
    "start": (allocation.escalation_review_start, "You are now reviewing this escalation."),
    "confirm": (
        allocation.escalation_confirm,
        "Escalation confirmed. The case has moved to the NPS and is waiting for a practitioner.",
    ),
    "decline": (
        allocation.escalation_decline,
        "Escalation declined. The CRC keeps the case; it may refer it again with new information.",
    ),
}


def _decide(
    request: HttpRequest, case: Case, escalation: Escalation, form: DecisionForm
) -> HttpResponse | None:
    data = form.cleaned_data
    service, done = _DECISIONS[data["action"]]
    extra = {} if data["action"] == "start" else {"reasons": data["reasons"]}
    try:
        service(escalation=escalation, by_user=request.user, **extra, **form.change_guards())
    except DomainError as error:
        return refused_change(request, form, case, error)
    messages.success(request, done)
    if data["action"] == "confirm":
        return redirect("casework:escalation-queue")
    return redirect("casework:escalation", crn=case.person.crn, escalation_id=escalation.pk)


@case_page(page="risk escalation")
def escalation_page(request: HttpRequest, case: Case, escalation_id: int) -> HttpResponse:
    """One escalation: the case in short, the reason and evidence, the decision so far; for an
    NPS reviewer, "Start review", then "Confirm" or "Decline" with the reasons."""
    escalation = escalation_for(case=case, escalation_id=escalation_id)
    if escalation is None:
        return not_available(request)
    user: Any = request.user
    reviewer = is_escalation_reviewer(user)
    form = DecisionForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST":
        if not reviewer:
            role_refused(
                user=user, page="decide a risk escalation", path=request.path, crn=case.crn
            )
            raise PermissionDenied
        if form.is_valid() and (response := _decide(request, case, escalation, form)) is not None:
            return response
    return render(
        request,
        "casework/escalations/escalation.html",
        {
            "case": case,
            "person": case.person,
            "escalation": escalation,
            "form": form,
            "reviewer": reviewer,
            "today": timezone.localdate(),
            **risk_summary(case),
        },
    )


urlpatterns: list[URLPattern] = [
    path("escalations/", escalation_queue_page, name="escalation-queue"),
    path("cases/<str:crn>/escalations/new/", escalation_new, name="escalation-new"),
    path(
        "cases/<str:crn>/escalations/<int:escalation_id>/",
        escalation_page,
        name="escalation",
    ),
]
