"""Pages of recall and serious further offences (issue 9; ``docs/domain/enforcement.md``,
"Licence and post-sentence supervision" and "Serious further offences").

- The responsible officer requests a recall of a person on licence; the page says first which
  period the person is in, so an officer of someone on post-sentence supervision is told to make
  a breach referral instead.
- NPS enforcement officers work through the recall queue (start review, decide, send); NPS
  allocating managers sign decisions off, never their own.
- The responsible organisation notifies a serious further offence; a manager reviews it; NPS
  managers, contract managers and auditors see the counts by organisation and contract area.

The case overview's panel ``casework/recall/_supervision_period.html`` takes the context of
:func:`probation.enforcement.recall_selectors.supervision_period_panel` as
``supervision_period``.
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone

from probation.core.audit import AuditAction
from probation.core.errors import DomainError
from probation.core.forms import FreeTextField, GovukDateField
from probation.core.limits import EVENT_DATES
from probation.enforcement import recall_services, sfo_services
from probation.enforcement.models import (
    Recall,
    RecallDecision,
    RecallReason,
    RecallState,
    SeriousFurtherOffence,
    SfoState,
)
from probation.enforcement.recall_selectors import (
    RECALL_REQUESTING_ROLES,
    fixed_term_option,
    is_recall_decider,
    is_recall_signatory,
    may_request_recall,
    open_recall,
    recall_for,
    recall_queue,
    recalls_awaiting_sign_off,
    supervision_period_panel,
)
from probation.enforcement.sfo_selectors import (
    SFO_DAYS_AFTER_END,
    SFO_NOTIFYING_ROLES,
    is_late,
    may_notify_sfo,
    may_review_sfo,
    may_see_sfo_counts,
    sfo_counts,
    sfo_for,
)
from probation.people.access import (
    case_page,
    not_available,
    reads_audited,
    role_refused,
    signed_in_case_reader,
)
from probation.people.change_views import refused_change
from probation.people.forms import CaseChangeForm, case_change_initial
from probation.people.models import Case

PAGE_SIZE = 50
MAX_PAGE = 10_000
TEXT_MAX = recall_services.RECALL_TEXT_MAX
#: Line breaks and tabs are allowed in the long texts; other control characters are not.


def _long_text(
    label: str, *, required: bool, message: str = "", limit: int = TEXT_MAX, called: str = ""
) -> FreeTextField:
    return FreeTextField(
        label=label,
        max_length=limit,
        required=required,
        required_message=message,
        called=called,
        rows=5,
    )


class RecallRequestForm(CaseChangeForm):
    reason = forms.ChoiceField(
        label="Why should the person be recalled?",
        choices=RecallReason.choices,
        widget=forms.RadioSelect,
        error_messages={
            "required": "Choose why the person should be recalled",
            "invalid_choice": "Choose why the person should be recalled",
        },
    )
    details = _long_text(
        "What has happened",
        required=True,
        message="Enter what has happened",
        called="What has happened",
    )


class RecallActionForm(CaseChangeForm):
    """One form for every step: the button pressed names the step."""

    action = forms.ChoiceField(
        # Sent by the button pressed, never typed.
        choices=[
            ("start", "Start review"),
            ("decide", "Decide"),
            ("sign_off", "Sign off"),
            ("send", "Send"),
        ],
        error_messages={"required": "Choose what to do", "invalid_choice": "Choose what to do"},
    )
    decision = forms.ChoiceField(
        label="Decision",
        choices=RecallDecision.choices,
        required=False,
        widget=forms.RadioSelect,
        error_messages={"invalid_choice": "Choose a standard recall, a fixed-term recall or no "
                        "recall"},
    )  # fmt: skip
    reasons = _long_text("Reasons for the decision", required=False, called="The reasons")


class SfoNotifyForm(CaseChangeForm):
    offence_description = FreeTextField(
        label="What offence has the person been charged with?",
        max_length=sfo_services.SFO_DESCRIPTION_MAX,
        required=True,
        required_message="Enter the offence charged",
        called="The offence charged",
    )
    charged_on = GovukDateField(
        label="When was the person charged?",
        label_for_errors="the date of the charge",
        policy=EVENT_DATES,
    )


class SfoReviewForm(CaseChangeForm):
    action = forms.ChoiceField(
        choices=[("start", "Start review"), ("complete", "Complete review")],
        error_messages={"required": "Choose what to do", "invalid_choice": "Choose what to do"},
    )
    findings = _long_text(
        "Findings of the review",
        required=False,
        limit=sfo_services.SFO_FINDINGS_MAX,
        called="The findings",
    )


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
    return min(max(number, 1), MAX_PAGE)


# Recall ------------------------------------------------------------------------------------


@case_page(page="request a recall", roles=RECALL_REQUESTING_ROLES)
def recall_new(request: HttpRequest, case: Case) -> HttpResponse:
    """The responsible officer's request: the supervision period first, then the form."""
    user: Any = request.user
    current = open_recall(case)
    panel = supervision_period_panel(case)
    period = panel["period"].period if panel["period"] is not None else "none"
    allowed = may_request_recall(user, case)
    if request.method == "POST" and not allowed:
        role_refused(user=user, page="request a recall", path=request.path, crn=case.crn)
        raise PermissionDenied
    form = RecallRequestForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recall = recall_services.recall_request(
                case=case,
                by_user=user,
                reason=data["reason"],
                details=data["details"],
                **form.change_guards(),
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            due = recall.decision_due_on
            messages.success(
                request,
                f"Recall of {case.person.full_name} requested. The NPS must decide by "
                f"{due.day} {due:%B %Y}.",
            )
            return redirect("casework:recall", crn=case.person.crn, recall_id=recall.pk)
    return render(
        request,
        "casework/recall/request.html",
        {
            "case": case,
            "person": case.person,
            "form": form,
            "allowed": allowed,
            "current": current,
            "period": period,
            "supervision_period": panel,
        },
    )


_RECALL_DONE = {
    "start": "You are now reviewing this recall.",
    "decide": "Decision recorded. An NPS manager must now sign it off.",
    "sign_off": "Decision signed off.",
    "send": "Recall sent.",
}


def _recall_step(
    request: HttpRequest, case: Case, recall: Recall, form: RecallActionForm
) -> HttpResponse | None:
    data = form.cleaned_data
    action = data["action"]
    guards = form.change_guards()
    try:
        if action == "start":
            recall_services.recall_review_start(recall=recall, by_user=request.user, **guards)
        elif action == "decide":
            recall_services.recall_decide(
                recall=recall,
                by_user=request.user,
                decision=data["decision"],
                reasons=data["reasons"],
                **guards,
            )
        elif action == "sign_off":
            recall_services.recall_sign_off(recall=recall, by_user=request.user, **guards)
        else:
            recall_services.recall_send(recall=recall, by_user=request.user, **guards)
    except DomainError as error:
        return refused_change(request, form, case, error)
    done = _RECALL_DONE[action]
    if action == "sign_off" and recall.state == RecallState.SENT:
        done = "Decision signed off. No recall: the request is closed."
    messages.success(request, done)
    return redirect("casework:recall", crn=case.person.crn, recall_id=recall.pk)


@case_page(page="recall")
def recall_page(request: HttpRequest, case: Case, recall_id: int) -> HttpResponse:
    """One recall: the request, the decision so far and its history; for an NPS enforcement
    officer "Start review", "Decide" or "Send"; for an NPS manager "Sign off"."""
    recall = recall_for(case=case, recall_id=recall_id)
    if recall is None:
        return not_available(request)
    user: Any = request.user
    decider = is_recall_decider(user)
    signatory = is_recall_signatory(user) and recall.decided_by_id != user.pk
    form = RecallActionForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST":
        action = request.POST.get("action", "")
        may_act = signatory if action == "sign_off" else decider
        if not may_act:
            role_refused(user=user, page="act on a recall", path=request.path, crn=case.crn)
            raise PermissionDenied
        if form.is_valid() and (response := _recall_step(request, case, recall, form)):
            return response
    return render(
        request,
        "casework/recall/recall.html",
        {
            "case": case,
            "person": case.person,
            "recall": recall,
            "form": form,
            "decider": decider,
            "signatory": signatory,
            "fixed_term": fixed_term_option(recall),
            "today": timezone.localdate(),
        },
    )


@signed_in_case_reader
def recall_queue_page(request: HttpRequest) -> HttpResponse:
    """Recalls to decide and send (NPS enforcement officers) and to sign off (NPS managers)."""
    user: Any = request.user
    decider, signatory = is_recall_decider(user), is_recall_signatory(user)
    if not (decider or signatory):
        role_refused(user=user, page="recalls", path=request.path)
        raise PermissionDenied
    page = Paginator(recall_queue(for_user=user), PAGE_SIZE).get_page(_page_number(request))
    to_sign = list(recalls_awaiting_sign_off(for_user=user)[: PAGE_SIZE + 1])
    reads_audited(
        user=user,
        action=AuditAction.CASES_LISTED,
        details={
            "list": "recalls",
            "page": page.number,
            "crns": sorted(
                {r.case.person.crn for r in page} | {r.case.person.crn for r in to_sign}
            ),
        },
        path=request.path,
    )
    return render(
        request,
        "casework/recall/queue.html",
        {
            "page": page,
            "decider": decider,
            "signatory": signatory,
            "to_sign": to_sign[:PAGE_SIZE],
            "more_to_sign": len(to_sign) > PAGE_SIZE,
        },
    )


# Serious further offences ------------------------------------------------------------------


@case_page(page="notify a serious further offence", roles=SFO_NOTIFYING_ROLES)
def sfo_new(request: HttpRequest, case: Case) -> HttpResponse:
    user: Any = request.user
    allowed = may_notify_sfo(user, case)
    if request.method == "POST" and not allowed:
        role_refused(
            user=user, page="notify a serious further offence", path=request.path, crn=case.crn
        )
        raise PermissionDenied
    form = SfoNotifyForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            sfo = sfo_services.sfo_notify(
                case=case,
                by_user=user,
                offence_description=data["offence_description"],
                charged_on=data["charged_on"],
                **form.change_guards(),
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            text = "Serious further offence notified."
            if is_late(sfo):
                due = sfo.notification_due_on
                text += f" It was due by {due.day} {due:%B %Y}, so it is counted as late."
            messages.success(request, text)
            return redirect("casework:sfo", crn=case.person.crn, sfo_id=sfo.pk)
    return render(
        request,
        "casework/recall/sfo_new.html",
        {
            "case": case,
            "person": case.person,
            "form": form,
            "allowed": allowed,
            "days_after_end": SFO_DAYS_AFTER_END,
        },
    )


def _sfo_step(
    request: HttpRequest, case: Case, sfo: SeriousFurtherOffence, form: SfoReviewForm
) -> HttpResponse | None:
    data = form.cleaned_data
    try:
        if data["action"] == "start":
            sfo_services.sfo_review_start(sfo=sfo, by_user=request.user, **form.change_guards())
            done = "You are now reviewing this serious further offence."
        else:
            sfo_services.sfo_review_complete(
                sfo=sfo, by_user=request.user, findings=data["findings"], **form.change_guards()
            )
            done = "Review completed."
    except DomainError as error:
        return refused_change(request, form, case, error)
    messages.success(request, done)
    return redirect("casework:sfo", crn=case.person.crn, sfo_id=sfo.pk)


@case_page(page="serious further offence")
def sfo_page(request: HttpRequest, case: Case, sfo_id: int) -> HttpResponse:
    sfo = sfo_for(case=case, sfo_id=sfo_id)
    if sfo is None:
        return not_available(request)
    user: Any = request.user
    reviewer = may_review_sfo(user, sfo)
    form = SfoReviewForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST":
        if not reviewer:
            role_refused(
                user=user, page="review a serious further offence", path=request.path, crn=case.crn
            )
            raise PermissionDenied
        if form.is_valid() and (response := _sfo_step(request, case, sfo, form)):
            return response
    return render(
        request,
        "casework/recall/sfo.html",
        {
            "case": case,
            "person": case.person,
            "sfo": sfo,
            "late": is_late(sfo),
            "form": form,
            "reviewer": reviewer,
            "states": SfoState,
        },
    )


@signed_in_case_reader
def sfo_counts_page(request: HttpRequest) -> HttpResponse:
    """Counts, not case records: no CRN is shown, so the read is not a case read."""
    user: Any = request.user
    if not may_see_sfo_counts(user):
        role_refused(user=user, page="serious further offence counts", path=request.path)
        raise PermissionDenied
    counts = sfo_counts(for_user=user)
    return render(request, "casework/recall/sfo_counts.html", {"counts": counts})


urlpatterns: list[URLPattern] = [
    path("recalls/", recall_queue_page, name="recall-queue"),
    path("cases/<str:crn>/recalls/new/", recall_new, name="recall-new"),
    path("cases/<str:crn>/recalls/<int:recall_id>/", recall_page, name="recall"),
    path("sfos/", sfo_counts_page, name="sfo-counts"),
    path("cases/<str:crn>/sfos/new/", sfo_new, name="sfo-new"),
    path("cases/<str:crn>/sfos/<int:sfo_id>/", sfo_page, name="sfo"),
]
