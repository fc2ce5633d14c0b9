"""Pages of warnings and breach (issue 9; ``docs/domain/enforcement.md``): the responsible
officer warns or refers a failure as the warning rule says, the warning letter is printed or
downloaded, the NPS enforcement officer works through the referral queue and takes a breach to
court, and the referring organisation sees where its referral stands and what the court
decided. Their URLs are listed at the bottom and included by ``probation/casework/urls.py``."""

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

from probation.casework import services as casework
from probation.core.audit import AuditAction, audit
from probation.core.errors import DomainError
from probation.core.forms import AsciiIntegerField, FreeTextField, GovukDateField
from probation.courts.models import REQUIREMENT_UNITS, Disposal, RequirementKind
from probation.enforcement import services as enforcement
from probation.enforcement.letters import warning_letter_pdf, warning_letter_text
from probation.enforcement.models import BreachReferral, BreachState, CourtOutcome
from probation.enforcement.selectors import (
    RESPONSIBLE_STAFF_ROLES,
    breach_for,
    breach_queue,
    breach_queue_counts,
    contact_of,
    evidence_pack,
    failure_breach_kind,
    failure_dealt_with,
    failure_on,
    is_enforcement_officer,
    is_responsible_staff,
    next_action,
    open_breach,
    warning_for,
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
from probation.rules.breach import OUTCOMES, outcomes_for
from probation.supervision.models import Contact

PAGE_SIZE = 50
MAX_PAGE = 10_000
TEXT_MAX = enforcement.TEXT_MAX
#: Requirements whose amount the breach outcome form asks for (amended, or of a new order).
AMENDABLE = (
    RequirementKind.UNPAID_WORK,
    RequirementKind.REHABILITATION_ACTIVITY,
    RequirementKind.CURFEW,
    RequirementKind.PROGRAMME,
    RequirementKind.ATTENDANCE_CENTRE,
    RequirementKind.ALCOHOL_ABSTINENCE_MONITORING,
)
#: The court's figures, as the form asks for them.
FIGURE_LABELS = {
    "fine_pounds": "Fine, in pounds",
    "custody_days": "Days of custody",
    "unpaid_work_hours": "Hours of unpaid work",
    "curfew_hours_a_day": "Curfew hours a day",
    "curfew_days": "Days of curfew",
}


def _long_text(label: str, *, required: bool, message: str = "", called: str = "") -> FreeTextField:
    return FreeTextField(
        label=label,
        max_length=TEXT_MAX,
        required=required,
        required_message=message,
        called=called,
        rows=5,
    )


def _whole_number(label: str, *, maximum: int = 100_000) -> AsciiIntegerField:
    message = f"{label} must be a whole number between 0 and {maximum:,}"
    return AsciiIntegerField(
        label=label,
        required=False,
        min_value=0,
        max_value=maximum,
        error_messages={"invalid": message, "min_value": message, "max_value": message},
    )


class WarningForm(CaseChangeForm):
    """Only the hidden guards: the letter is written by the service from the case record."""


class ReferForm(CaseChangeForm):
    reason = _long_text(
        "Why are you referring this failure for breach?",
        required=True,
        message="Enter why you are referring this failure for breach",
        called="The reason",
    )


class DecisionForm(CaseChangeForm):
    """The enforcement officer's step, sent by the button pressed."""

    action = forms.ChoiceField(
        choices=[
            ("start", "Start review"),
            ("proceed", "Start proceedings"),
            ("return", "Return"),
            ("outcome", "Record the court outcome"),
        ],
        error_messages={"required": "Choose what to do", "invalid_choice": "Choose what to do"},
    )
    hearing_on = GovukDateField(
        label="Date of the hearing", label_for_errors="the date of the hearing", required=False
    )
    directions = _long_text(
        "Directions to the responsible officer", required=False, called="The directions"
    )


class OutcomeForm(CaseChangeForm):
    """What the court decided: the outcomes of the breach's kind, the figures the outcome
    takes, and for amended requirements or a new order, the requirements."""

    action = forms.CharField(widget=forms.HiddenInput, required=False, max_length=10)
    outcome_on = GovukDateField(
        label="Date of the court's decision", label_for_errors="the date of the court's decision"
    )
    detail = _long_text("What the court said", required=False, called="What the court said")
    new_disposal = forms.ChoiceField(
        label="New order",
        required=False,
        choices=[("", "Not a new order")]
        + [
            (d.value, d.label)
            for d in (Disposal.COMMUNITY_ORDER, Disposal.SUSPENDED_SENTENCE_ORDER)
        ],
        error_messages={"invalid_choice": "Choose the new order the court made"},
    )
    new_length_days = _whole_number("Length of the new order, in days", maximum=365 * 3)
    new_suspended_for_days = _whole_number("Suspended for, in days", maximum=365 * 2)

    def __init__(self, *args: Any, kind: str, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices = [(value, CourtOutcome(value).label) for value in outcomes_for(kind)]
        self.fields["outcome"] = forms.ChoiceField(
            label="What did the court decide?",
            choices=choices,
            widget=forms.RadioSelect,
            error_messages={
                "required": "Choose what the court decided",
                "invalid_choice": "Choose what the court decided",
            },
        )
        for name, label in FIGURE_LABELS.items():
            self.fields[name] = _whole_number(label)
        for requirement in AMENDABLE:
            unit = REQUIREMENT_UNITS.get(requirement.value, "")
            self.fields[f"req_{requirement.value}"] = _whole_number(
                f"{requirement.label} ({unit})" if unit else requirement.label
            )

    def figures(self) -> dict[str, Any]:
        """The figures the chosen outcome takes (the others are ignored, not refused)."""
        needs = OUTCOMES[self.cleaned_data["outcome"]].needs
        return {name: self.cleaned_data.get(name) for name in needs}

    def requirements(self) -> list[tuple[str, int | None]]:
        return [
            (requirement.value, self.cleaned_data.get(f"req_{requirement.value}"))
            for requirement in AMENDABLE
            if self.cleaned_data.get(f"req_{requirement.value}")
        ]

    def requirement_fields(self) -> list[Any]:
        return [self[f"req_{requirement.value}"] for requirement in AMENDABLE]

    def figure_fields(self) -> list[Any]:
        return [self[name] for name in FIGURE_LABELS]


# Warnings ------------------------------------------------------------------------------------


def _failure_context(case: Case, contact: Contact) -> dict[str, Any]:
    """What the warning and referral pages show of a failure: the rule's answer, and what has
    been done about it already."""
    context: dict[str, Any] = {
        "contact": contact,
        "is_failure": contact.is_failure and contact.sentence is not None,
        "done": "",
        "kind": None,
        "decision": None,
        "failure_on": failure_on(contact),
    }
    if context["is_failure"]:
        context["done"] = failure_dealt_with(contact)
        context["kind"] = failure_breach_kind(contact)
        context["decision"] = next_action(contact)
        assert contact.sentence is not None
        context["open_breach"] = open_breach(contact.sentence)
    return context


@case_page(page="give a warning", roles=RESPONSIBLE_STAFF_ROLES)
def warning_new(request: HttpRequest, case: Case, contact_id: int) -> HttpResponse:
    """The rule's decision for a failure and the letter it would send; POST issues it. When the
    rule makes a breach referral mandatory, the page says so and links to the referral."""
    contact = contact_of(case=case, contact_id=contact_id)
    if contact is None:
        return not_available(request)
    user: Any = request.user
    allowed = is_responsible_staff(user, case)
    if request.method == "POST" and not allowed:
        role_refused(user=user, page="give a warning", path=request.path, crn=case.crn)
        raise PermissionDenied
    context = _failure_context(case, contact)
    form = WarningForm(
        request.POST if request.method == "POST" else None, initial=case_change_initial(case)
    )
    if request.method == "POST" and form.is_valid():
        try:
            warning = enforcement.warning_issue(
                failure=contact, by_user=user, **form.change_guards()
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            messages.success(
                request, "Warning issued. Print the letter or download it as a PDF to send it."
            )
            return redirect("casework:warning-letter", crn=case.crn, warning_id=warning.pk)
    can_warn = (
        allowed
        and context["is_failure"]
        and not context["done"]
        and context["kind"] is not None
        and context["decision"].action == "warning"
    )
    preview = ""
    if can_warn:
        assert contact.sentence is not None
        preview = warning_letter_text(
            case=case,
            sentence=contact.sentence,
            failure=contact,
            officer=user,
            issued_on=timezone.localdate(),
        )
    return render(
        request,
        "casework/enforcement/warning_new.html",
        {
            "case": case,
            "person": case.person,
            "form": form,
            "allowed": allowed,
            "can_warn": can_warn,
            "preview": preview.split("\n\n") if preview else [],
            **context,
        },
    )


def _letter_viewed(request: HttpRequest, case: Case, warning: Any, how: str) -> None:
    audit(
        request.user,
        AuditAction.WARNING_LETTER_VIEWED,
        warning,
        crn=case.crn,
        details={"as": how},
        path=request.path,
    )


@case_page(page="warning letter")
def warning_letter(request: HttpRequest, case: Case, warning_id: int) -> HttpResponse:
    """The letter as issued, printable (the print style hides the page's furniture)."""
    warning = warning_for(case=case, warning_id=warning_id)
    if warning is None:
        return not_available(request)
    _letter_viewed(request, case, warning, "page")
    return render(
        request,
        "casework/enforcement/warning_letter.html",
        {
            "case": case,
            "person": case.person,
            "warning": warning,
            "paragraphs": warning.letter.split("\n\n"),
        },
    )


@case_page(page="warning letter (PDF)")
def warning_letter_pdf_view(request: HttpRequest, case: Case, warning_id: int) -> HttpResponse:
    warning = warning_for(case=case, warning_id=warning_id)
    if warning is None:
        return not_available(request)
    _letter_viewed(request, case, warning, "pdf")
    response = HttpResponse(warning_letter_pdf(warning), content_type="application/pdf")
    response["Content-Disposition"] = (
        f'attachment; filename="warning-{case.crn}-{warning.issued_on:%Y-%m-%d}.pdf"'
    )
    return response


# Breach referral -----------------------------------------------------------------------------


@case_page(page="refer for breach", roles=RESPONSIBLE_STAFF_ROLES)
def breach_new(request: HttpRequest, case: Case, contact_id: int) -> HttpResponse:
    """Refer a failure for breach: the rule's decision (mandatory, or the officer's choice),
    the evidence that will go with it, and the reason."""
    contact = contact_of(case=case, contact_id=contact_id)
    if contact is None:
        return not_available(request)
    user: Any = request.user
    allowed = is_responsible_staff(user, case)
    if request.method == "POST" and not allowed:
        role_refused(user=user, page="refer for breach", path=request.path, crn=case.crn)
        raise PermissionDenied
    context = _failure_context(case, contact)
    form = ReferForm(
        request.POST if request.method == "POST" else None, initial=case_change_initial(case)
    )
    if request.method == "POST" and form.is_valid():
        try:
            breach = enforcement.breach_refer(
                failure=contact,
                by_user=user,
                reason=form.cleaned_data["reason"],
                **form.change_guards(),
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            due = breach.review_due_on
            messages.success(
                request,
                f"Breach referral made. An NPS enforcement officer must decide on it by "
                f"{due.day} {due:%B %Y}."
                if due
                else "Breach referral made.",
            )
            return redirect("casework:breach", crn=case.crn, breach_id=breach.pk)
    can_refer = (
        allowed
        and context["is_failure"]
        and not context["done"]
        and context["kind"] is not None
        and context.get("open_breach") is None
    )
    evidence = (
        evidence_pack(sentence=contact.sentence)
        if can_refer and contact.sentence is not None
        else None
    )
    return render(
        request,
        "casework/enforcement/breach_new.html",
        {
            "case": case,
            "person": case.person,
            "form": form,
            "allowed": allowed,
            "can_refer": can_refer,
            "evidence": evidence,
            **context,
        },
    )


_STEPS: dict[str, tuple[Callable[..., BreachReferral], str]] = {
    "start": (enforcement.breach_review_start, "You are now reviewing this breach referral."),
    "proceed": (
        enforcement.breach_proceedings_start,
        "Breach proceedings started. Record the court's outcome after the hearing.",
    ),
    "return": (
        enforcement.breach_return,
        "Referral returned to the responsible officer with your directions.",
    ),
}


def _decide(
    request: HttpRequest, case: Case, breach: BreachReferral, form: DecisionForm
) -> HttpResponse | None:
    data = form.cleaned_data
    service, done = _STEPS[data["action"]]
    extra: dict[str, Any] = {}
    if data["action"] == "proceed":
        if data["hearing_on"] is None:
            form.add_error("hearing_on", "Enter the date of the hearing")
            return None
        extra["hearing_on"] = data["hearing_on"]
    elif data["action"] == "return":
        extra["directions"] = data["directions"]
    try:
        service(breach=breach, by_user=request.user, **extra, **form.change_guards())
    except DomainError as error:
        return refused_change(request, form, case, error)
    messages.success(request, done)
    return redirect("casework:breach", crn=case.crn, breach_id=breach.pk)


def _record_outcome(
    request: HttpRequest, case: Case, breach: BreachReferral, form: OutcomeForm
) -> HttpResponse | None:
    data = form.cleaned_data
    outcome = data["outcome"]
    new_order = None
    if outcome == CourtOutcome.REVOKED_NEW_ORDER and data.get("new_disposal"):
        if not data.get("new_length_days"):
            form.add_error("new_length_days", "Enter the length of the new order, in days")
            return None
        new_order = casework.NewOrder(
            disposal=data["new_disposal"],
            length_days=data["new_length_days"],
            requirements=tuple(form.requirements()),
            suspended_for_days=data.get("new_suspended_for_days") or None,
        )
    try:
        casework.breach_court_outcome_record(
            breach=breach,
            by_user=request.user,
            outcome=outcome,
            outcome_on=data["outcome_on"],
            detail=data["detail"],
            requirements=form.requirements() if outcome == CourtOutcome.CONTINUES_AMENDED else (),
            new_order=new_order,
            **form.figures(),
            **form.change_guards(),
        )
    except DomainError as error:
        return refused_change(request, form, case, error)
    messages.success(request, "The court's outcome has been recorded.")
    return redirect("casework:breach", crn=case.crn, breach_id=breach.pk)


@case_page(page="breach referral")
def breach_page(request: HttpRequest, case: Case, breach_id: int) -> HttpResponse:
    """One breach referral: its state and clocks, the evidence pack as referred, its history,
    and for an NPS enforcement officer the next step. The referring organisation sees where it
    stands and what the court decided."""
    breach = breach_for(case=case, breach_id=breach_id)
    if breach is None:
        return not_available(request)
    user: Any = request.user
    officer = is_enforcement_officer(user)
    initial = case_change_initial(case)
    posted = request.POST if request.method == "POST" else None
    is_outcome = posted is not None and posted.get("action") == "outcome"
    form = DecisionForm(None if is_outcome else posted, initial=initial)
    outcome_form = OutcomeForm(posted if is_outcome else None, initial=initial, kind=breach.kind)
    if posted is not None:
        if not officer:
            role_refused(
                user=user, page="decide a breach referral", path=request.path, crn=case.crn
            )
            raise PermissionDenied
        if is_outcome:
            if (
                outcome_form.is_valid()
                and (response := _record_outcome(request, case, breach, outcome_form)) is not None
            ):
                return response
        elif form.is_valid() and (response := _decide(request, case, breach, form)) is not None:
            return response
    return render(
        request,
        "casework/enforcement/breach.html",
        {
            "case": case,
            "person": case.person,
            "breach": breach,
            "evidence": breach.evidence,
            "officer": officer,
            "form": outcome_form if is_outcome else form,
            "decision_form": form,
            "outcome_form": outcome_form,
            "today": timezone.localdate(),
            "open_states": (BreachState.REFERRED, BreachState.UNDER_REVIEW),
        },
    )


# The enforcement officer's home --------------------------------------------------------------


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
    return min(max(number, 1), MAX_PAGE)


@signed_in_case_reader
def enforcement_home(request: HttpRequest) -> HttpResponse:
    """The NPS enforcement officer's home: the open breach referrals, overdue first, each with
    its clock."""
    user: Any = request.user
    if not is_enforcement_officer(user):
        role_refused(user=user, page="breach referrals", path=request.path)
        raise PermissionDenied
    queue = breach_queue(for_user=user)
    page = Paginator(queue, PAGE_SIZE).get_page(_page_number(request))
    counts = (
        breach_queue_counts(queue)
        if page.paginator.count
        else {"total": 0, "overdue": 0, "under_review": 0, "in_court": 0}
    )
    reads_audited(
        user=user,
        action=AuditAction.CASES_LISTED,
        details={
            "list": "breach referrals",
            "page": page.number,
            "crns": [breach.case.person.crn for breach in page],
        },
        path=request.path,
    )
    return render(
        request,
        "casework/enforcement/home.html",
        {"page": page, "counts": counts, "today": timezone.localdate()},
    )


urlpatterns: list[URLPattern] = [
    path("enforcement/", enforcement_home, name="enforcement-home"),
    path("cases/<str:crn>/contacts/<int:contact_id>/warning/", warning_new, name="warning-new"),
    path("cases/<str:crn>/warnings/<int:warning_id>/", warning_letter, name="warning-letter"),
    path(
        "cases/<str:crn>/warnings/<int:warning_id>/pdf/",
        warning_letter_pdf_view,
        name="warning-letter-pdf",
    ),
    path("cases/<str:crn>/contacts/<int:contact_id>/breach/", breach_new, name="breach-new"),
    path("cases/<str:crn>/breaches/<int:breach_id>/", breach_page, name="breach"),
]
