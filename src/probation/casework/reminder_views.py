"""The reminders page of a case (issue 9, point 8): how the person wants appointment reminders,
whether they opted out (with who recorded it and when), and every reminder message of the case,
sent or not, with the reason when not.

The staff supervising the case change the preferences
(``supervision.reminder_selectors.may_change_reminders``); other readers (the NPS, enforcement,
auditors) see the page without the form. The reminders themselves are queued and sent by
``probation worker`` (``probation/ops/worker.py``).
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

from probation.core.errors import DomainError
from probation.people.access import case_page, role_refused
from probation.people.change_views import refused_change
from probation.people.forms import CaseChangeForm, case_change_initial
from probation.people.models import Case
from probation.supervision import reminder_services
from probation.supervision.models import MessageStatus
from probation.supervision.reminder_selectors import (
    REMINDER_READING_ROLES,
    case_reminder_messages,
    may_change_reminders,
    reminder_preference_for,
)

PAGE = "appointment reminders"
PAGE_SIZE = 50
MAX_PAGE = 10_000
MOBILE_MAX = 30  # room for "+44 (0) 7700 900 123"; the service keeps the digits that matter

#: The tag colour of each message status in the log.
STATUS_TAGS = {
    MessageStatus.SENT: "govuk-tag--green",
    MessageStatus.QUEUED: "govuk-tag--blue",
    MessageStatus.FAILED: "govuk-tag--red",
    MessageStatus.NOT_SENT: "govuk-tag--grey",
}
STATUS_WORDS = {
    MessageStatus.SENT: "Sent",
    MessageStatus.QUEUED: "Waiting to send",
    MessageStatus.FAILED: "Failed",
    MessageStatus.NOT_SENT: "Not sent",
}


class ReminderPreferenceForm(CaseChangeForm):
    """The person's addresses and opt-outs. The service checks the address formats, so the
    page and any other caller refuse the same input with the same words."""

    email = forms.CharField(
        label="Email address",
        required=False,
        max_length=reminder_services.EMAIL_MAX,
        error_messages={
            "max_length": f"The email address must be {reminder_services.EMAIL_MAX} "
            "characters or fewer"
        },
    )
    mobile = forms.CharField(
        label="Mobile phone number",
        required=False,
        max_length=MOBILE_MAX,
        error_messages={
            "max_length": f"The mobile number must be {MOBILE_MAX} characters or fewer"
        },
    )
    email_opted_out = forms.BooleanField(label="They do not want email reminders", required=False)
    sms_opted_out = forms.BooleanField(
        label="They do not want text message reminders", required=False
    )


def _initial(case: Case) -> dict[str, Any]:
    initial = case_change_initial(case)
    preference = reminder_preference_for(case)
    if preference is not None:
        initial.update(
            email=preference.email,
            mobile=preference.mobile,
            email_opted_out=preference.email_opted_out,
            sms_opted_out=preference.sms_opted_out,
        )
    return initial


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
    return min(max(number, 1), MAX_PAGE)


def _save(request: HttpRequest, case: Case, form: ReminderPreferenceForm) -> HttpResponse | None:
    data = form.cleaned_data
    try:
        reminder_services.reminder_preference_set(
            case=case,
            by_user=request.user,
            email=data["email"],
            mobile=data["mobile"],
            email_opted_out=data["email_opted_out"],
            sms_opted_out=data["sms_opted_out"],
            **form.change_guards(),
        )
    except DomainError as error:
        return refused_change(request, form, case, error)
    messages.success(request, "Reminder preferences saved.")
    return redirect("casework:reminders", crn=case.person.crn)


@case_page(page=PAGE, roles=REMINDER_READING_ROLES)
def reminders(request: HttpRequest, case: Case) -> HttpResponse:
    """The preferences form (for the supervising staff) and the case's message log."""
    user: Any = request.user
    may_change = may_change_reminders(user, case)
    if request.method == "POST":
        if not may_change:
            role_refused(
                user=user, page="change appointment reminders", path=request.path, crn=case.crn
            )
            raise PermissionDenied
        form = ReminderPreferenceForm(request.POST)
        if form.is_valid() and (response := _save(request, case, form)) is not None:
            return response
    else:
        form = ReminderPreferenceForm(initial=_initial(case))
    page = Paginator(case_reminder_messages(case), PAGE_SIZE).get_page(_page_number(request))
    rows = [
        {
            "message": message,
            "status": STATUS_WORDS.get(MessageStatus(message.status), message.status),
            "tag": STATUS_TAGS.get(MessageStatus(message.status), ""),
        }
        for message in page
    ]
    return render(
        request,
        "casework/reminders/reminders.html",
        {
            "case": case,
            "person": case.person,
            "form": form,
            "may_change": may_change,
            "preference": reminder_preference_for(case),
            "page": page,
            "rows": rows,
        },
    )


urlpatterns: list[URLPattern] = [
    path("cases/<str:crn>/reminders/", reminders, name="reminders"),
]
