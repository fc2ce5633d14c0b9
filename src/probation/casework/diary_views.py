"""Pages of appointments and contacts (issue: supervision; ``docs/domain/enforcement.md``,
"Recording compliance"): the practitioner's diary by day and by week, the case's contact log
with progress on its requirements, booking an appointment, recording what happened at it (one
short form), judging an absence and recording an unplanned contact.

Thin: parse, call a selector or a service of :mod:`probation.supervision`, render. The URLs are
at the bottom, included by ``probation/casework/urls.py``.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path
from django.utils import timezone

from probation.casework.diary_forms import (
    BookingForm,
    JudgeForm,
    OutcomeForm,
    UnplannedContactForm,
)
from probation.core.audit import AuditAction
from probation.core.errors import DomainError
from probation.core.limits import EVENT_DATES
from probation.people.access import (
    case_page,
    not_available,
    reads_audited,
    role_refused,
    signed_in_case_reader,
)
from probation.people.change_views import refused_change
from probation.people.forms import case_change_initial
from probation.people.models import Case, CaseStatus
from probation.supervision import services
from probation.supervision.models import Contact, ContactType, Outcome
from probation.supervision.selectors import (
    absences_to_judge,
    contact_for,
    contact_log,
    diary,
    outcomes_to_record,
    requirement_progress,
)

LOG_PAGE_SIZE = 25
MAX_PAGE = 10_000
#: How many of the overdue outcomes and absences the diary lists under the day.
TODO_SHOWN = 10
#: The service's argument names that are not the form's field names.
_BOOKING_FIELDS = {
    "repeat_weeks": "times",
    "repeat_every": "repeat",
    "ends_at": "length",
    # The date is what is wrong when a time is too early, too late or clashes.
    "starts_at": "day",
}
FAILURE_BANNER = (
    "{what} recorded for {name}. A decision on a warning or a breach referral is now on your "
    "to-do list."
)


def may_supervise(user: Any, case: Case) -> bool:
    """Whether ``user`` may book and record contacts of ``case`` (the services decide; this
    hides the buttons)."""
    return bool(
        user.has_role(*services.SUPERVISING_ROLES)
        and user.organisation_id == case.responsible_organisation_id
    )


def _refuse_unless_supervising(request: HttpRequest, case: Case, page: str) -> None:
    if request.method == "POST" and not may_supervise(request.user, case):
        role_refused(user=request.user, page=page, path=request.path, crn=case.crn)
        raise PermissionDenied


def _day_from(raw: str | None) -> dt.date | None:
    """A day from ``YYYY-MM-DD`` in the query string; None for anything else (never a 500)."""
    if not raw or len(raw) != 10 or not raw.isascii():
        return None
    try:
        day = dt.date.fromisoformat(raw)
    except ValueError:
        return None
    return day if EVENT_DATES.allows(day) else None


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
    return min(max(number, 1), MAX_PAGE)


def _diary_reader(request: HttpRequest, page: str) -> None:
    user: Any = request.user
    if not user.has_role(*services.SUPERVISING_ROLES):
        role_refused(user=user, page=page, path=request.path)
        raise PermissionDenied


def _diary_audited(
    request: HttpRequest, contacts: list[Contact], first: dt.date, days: int
) -> None:
    reads_audited(
        user=request.user,
        action=AuditAction.CASES_LISTED,
        details={
            "list": "diary",
            "from": first.isoformat(),
            "days": days,
            "crns": sorted({c.case.person.crn for c in contacts}),
        },
        path=request.path,
    )


@signed_in_case_reader
def diary_day(request: HttpRequest) -> HttpResponse:
    """One day of the signed-in practitioner's diary, with what is still to record."""
    _diary_reader(request, "diary")
    today = timezone.localdate()
    day = _day_from(request.GET.get("day")) or today
    contacts = diary(for_user=request.user, first_day=day)
    to_record = list(outcomes_to_record(for_user=request.user)[:TODO_SHOWN])
    to_judge = list(absences_to_judge(for_user=request.user)[:TODO_SHOWN])
    _diary_audited(request, contacts + to_record + to_judge, day, 1)
    return render(
        request,
        "casework/diary/day.html",
        {
            "day": day,
            "today": today,
            "now": timezone.now(),
            "previous": day - dt.timedelta(days=1),
            "next": day + dt.timedelta(days=1),
            "week_of": day - dt.timedelta(days=day.weekday()),
            "contacts": contacts,
            "to_record": to_record,
            "to_judge": to_judge,
        },
    )


@signed_in_case_reader
def diary_week(request: HttpRequest) -> HttpResponse:
    """A week (Monday to Sunday) of the signed-in practitioner's diary, day by day."""
    _diary_reader(request, "diary week")
    today = timezone.localdate()
    chosen = _day_from(request.GET.get("week")) or today
    monday = chosen - dt.timedelta(days=chosen.weekday())
    contacts = diary(for_user=request.user, first_day=monday, days=7)
    days: list[dict[str, Any]] = [
        {"day": monday + dt.timedelta(days=n), "contacts": []} for n in range(7)
    ]
    for contact in contacts:
        days[(timezone.localdate(contact.starts_at) - monday).days]["contacts"].append(contact)
    _diary_audited(request, contacts, monday, 7)
    return render(
        request,
        "casework/diary/week.html",
        {
            "monday": monday,
            "sunday": monday + dt.timedelta(days=6),
            "today": today,
            "now": timezone.now(),
            "days": days,
            "count": len(contacts),
            "previous": monday - dt.timedelta(days=7),
            "next": monday + dt.timedelta(days=7),
        },
    )


@case_page(page="contacts")
def contacts(request: HttpRequest, case: Case) -> HttpResponse:
    """The case's contact log, newest first, with progress on its requirements."""
    page = Paginator(contact_log(case), LOG_PAGE_SIZE).get_page(_page_number(request))
    return render(
        request,
        "casework/diary/contacts.html",
        {
            "case": case,
            "person": case.person,
            "page": page,
            "progress": requirement_progress(case),
            "may_supervise": may_supervise(request.user, case) and case.status == CaseStatus.ACTIVE,
            "now": timezone.now(),
        },
    )


@case_page(page="book an appointment", roles=services.SUPERVISING_ROLES)
def appointment_new(request: HttpRequest, case: Case) -> HttpResponse:
    _refuse_unless_supervising(request, case, "book an appointment")
    form = BookingForm(
        request.POST or None,
        initial={**case_change_initial(case), "repeat": "0", "length": 60},
    )
    if request.method == "POST" and form.is_valid():
        starts_at, ends_at = form.when()
        try:
            booked = services.appointment_book(
                case=case,
                by_user=request.user,
                contact_type=form.cleaned_data["contact_type"],
                starts_at=starts_at,
                ends_at=ends_at,
                location=form.cleaned_data["location"],
                **form.run(),
                **form.change_guards(),
            )
        except DomainError as error:
            error.field = _BOOKING_FIELDS.get(error.field or "", error.field)
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            first = timezone.localtime(booked[0].starts_at)
            more = f", then {len(booked) - 1} more" if len(booked) > 1 else ""
            messages.success(
                request,
                f"Appointment booked for {first.day} {first:%B %Y} at {first:%H:%M}{more}.",
            )
            return redirect("casework:contacts", crn=case.person.crn)
    return render(
        request,
        "casework/diary/book.html",
        {
            "case": case,
            "person": case.person,
            "form": form,
            "allowed": may_supervise(request.user, case) and case.status == CaseStatus.ACTIVE,
        },
    )


def _recorded_banner(request: HttpRequest, case: Case, contact: Contact) -> None:
    name = case.person.full_name
    what = Outcome(contact.outcome).label
    if contact.is_failure:
        messages.success(request, FAILURE_BANNER.format(what=what, name=name))
    elif contact.outcome == Outcome.AWAITING_JUDGEMENT:
        due = contact.judgement_due_on
        assert due is not None
        messages.success(
            request,
            f"Absence recorded for {name}. Judge whether it was acceptable by "
            f"{due.day} {due:%B %Y}.",
        )
    else:
        messages.success(request, f"{what} recorded for {name}.")


def _hours_hint(contact: Contact) -> str:
    hours = (contact.ends_at - contact.starts_at).total_seconds() / 3600
    return (
        f"Only if the person attended. Leave empty to credit the whole session ({hours:g} "
        "hours, or what the order has left), or enter the hours worked, for example 6.5."
    )


@case_page(page="record an outcome", roles=services.SUPERVISING_ROLES)
def contact_outcome(request: HttpRequest, case: Case, contact_id: int) -> HttpResponse:
    contact = contact_for(case=case, contact_id=contact_id)
    if contact is None:
        return not_available(request)
    _refuse_unless_supervising(request, case, "record an outcome")
    unpaid_work = contact.contact_type == ContactType.UNPAID_WORK
    form = OutcomeForm(
        request.POST or None, unpaid_work=unpaid_work, initial=case_change_initial(case)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recorded = services.contact_outcome_record(
                contact=contact,
                by_user=request.user,
                outcome=data["outcome"],
                notes=data["notes"],
                hours_credited=data.get("hours_credited"),
                absence_reason=data["absence_reason"],
                **form.change_guards(),
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            _recorded_banner(request, case, recorded)
            return redirect("casework:contacts", crn=case.person.crn)
    return render(
        request,
        "casework/diary/outcome.html",
        {
            "case": case,
            "person": case.person,
            "contact": contact,
            "form": form,
            "allowed": may_supervise(request.user, case),
            "started": contact.starts_at <= timezone.now(),
            "hours_hint": _hours_hint(contact),
        },
    )


@case_page(page="judge an absence", roles=services.SUPERVISING_ROLES)
def absence_judge(request: HttpRequest, case: Case, contact_id: int) -> HttpResponse:
    contact = contact_for(case=case, contact_id=contact_id)
    if contact is None:
        return not_available(request)
    _refuse_unless_supervising(request, case, "judge an absence")
    form = JudgeForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            judged = services.absence_judge(
                contact=contact,
                by_user=request.user,
                acceptable=data["acceptable"] == "yes",
                reason=data["reason"],
                evidence=data["evidence"],
                **form.change_guards(),
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            _recorded_banner(request, case, judged)
            return redirect("casework:contacts", crn=case.person.crn)
    return render(
        request,
        "casework/diary/judge.html",
        {
            "case": case,
            "person": case.person,
            "contact": contact,
            "form": form,
            "allowed": may_supervise(request.user, case),
        },
    )


@case_page(page="record a contact", roles=services.SUPERVISING_ROLES)
def contact_new(request: HttpRequest, case: Case) -> HttpResponse:
    _refuse_unless_supervising(request, case, "record a contact")
    now = timezone.localtime()
    form = UnplannedContactForm(
        request.POST or None,
        initial={**case_change_initial(case), "day": now.date(), "length": 15},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        starts_at, ends_at = form.when()
        try:
            recorded = services.contact_record(
                case=case,
                by_user=request.user,
                contact_type=data["contact_type"],
                starts_at=starts_at,
                ends_at=ends_at,
                outcome=data["outcome"],
                notes=data["notes"],
                absence_reason=data["absence_reason"],
                **form.change_guards(),
            )
        except DomainError as error:
            error.field = _BOOKING_FIELDS.get(error.field or "", error.field)
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            _recorded_banner(request, case, recorded)
            return redirect("casework:contacts", crn=case.person.crn)
    return render(
        request,
        "casework/diary/contact_new.html",
        {
            "case": case,
            "person": case.person,
            "form": form,
            "allowed": may_supervise(request.user, case),
        },
    )


urlpatterns: list[URLPattern] = [
    path("diary/", diary_day, name="diary"),
    path("diary/week/", diary_week, name="diary-week"),
    path("cases/<str:crn>/contacts/", contacts, name="contacts"),
    path("cases/<str:crn>/contacts/new/", contact_new, name="contact-new"),
    path("cases/<str:crn>/appointments/new/", appointment_new, name="appointment-new"),
    path(
        "cases/<str:crn>/contacts/<int:contact_id>/outcome/",
        contact_outcome,
        name="contact-outcome",
    ),
    path(
        "cases/<str:crn>/contacts/<int:contact_id>/judge/",
        absence_judge,
        name="absence-judge",
    ),
]
