"""The monitoring centre's pages: the alert queue (the operator's home), the resolved alerts, and
one alert with its evidence on a map and in tables, with the forms to acknowledge and resolve it
(``docs/domain/electronic-monitoring.md``, "Alerts"). The responsible officer opens the same
alert page from the case or the to-do list, read-only.

Thin: parse, call a selector or a service, audit what was shown, render.
"""

from __future__ import annotations

from typing import Any, Final

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.templatetags.static import static
from django.utils import timezone

from probation.core.audit import AuditAction, audit
from probation.core.errors import Conflict, DomainError
from probation.core.forms import FreeTextField, radio_choice
from probation.monitoring import alert_services
from probation.monitoring.alert_map import map_data, svg_map
from probation.monitoring.alert_selectors import (
    acknowledge_target,
    alert_clock,
    alert_evidence,
    alert_for,
    alert_queue,
    kind_choices,
    may_work_alerts,
    queue_counts,
    resolved_alerts,
)
from probation.monitoring.models import Alert, AlertOutcome, AlertState
from probation.people.access import reads_audited, role_refused, signed_in_case_reader
from probation.people.selectors import can_read_cases

PAGE_SIZE: Final = 50
MAX_PAGE: Final = 10_000
#: The largest id a 64-bit key holds: a longer one in the URL is simply not found.
MAX_ID: Final = 2**63 - 1
#: How serious each severity is, in words, with its GOV.UK tag colour.
SEVERITY: Final = {
    1: ("Urgent", "govuk-tag--red"),
    2: ("High", "govuk-tag--orange"),
    3: ("Medium", "govuk-tag--yellow"),
    4: ("Low", "govuk-tag--grey"),
}


class QueueFilterForm(forms.Form):
    """The queue's filters, from the query string: anything else is a GOV.UK error, never a
    500."""

    kind = forms.ChoiceField(
        label="Kind of alert",
        required=False,
        choices=[("", "All kinds"), *kind_choices()],
        error_messages={"invalid_choice": "Choose a kind of alert from the list"},
    )
    state = forms.ChoiceField(
        label="State",
        required=False,
        choices=[("", "New and acknowledged"), ("new", "New"), ("acknowledged", "Acknowledged")],
        error_messages={"invalid_choice": "Choose new or acknowledged"},
    )


class VersionForm(forms.Form):
    version = forms.IntegerField(
        min_value=0, max_value=2**31, widget=forms.HiddenInput, required=False
    )


class ResolveForm(VersionForm):
    outcome = radio_choice("Outcome", AlertOutcome.choices, "Choose the outcome")
    note = FreeTextField(
        label="What was done",
        max_length=alert_services.NOTE_MAX,
        required=True,
        required_message="Enter what was done",
        called="What was done",
        rows=4,
    )


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
    return min(max(number, 1), MAX_PAGE)


def _refuse_unless_operator(request: HttpRequest, page: str) -> None:
    if not may_work_alerts(request.user):
        role_refused(user=request.user, page=page, path=request.path)
        raise PermissionDenied


def _rows(alerts: Any, now: Any) -> list[dict[str, Any]]:
    return [
        {
            "alert": alert,
            "severity": SEVERITY.get(alert.severity, (str(alert.severity), "govuk-tag--grey")),
            "clock": alert_clock(alert, now=now),
        }
        for alert in alerts
    ]


def _audit_listed(request: HttpRequest, page: Any, listing: str, **details: Any) -> None:
    reads_audited(
        user=request.user,
        action=AuditAction.EM_ALERTS_LISTED,
        details={
            "list": listing,
            "page": page.number,
            "alerts": [alert.pk for alert in page],
            "crns": sorted({alert.case.person.crn for alert in page}),
            **details,
        },
        path=request.path,
    )


@signed_in_case_reader
def alert_queue_page(request: HttpRequest) -> HttpResponse:
    """The operator's home: the open alerts, the most serious and newest first, with clocks."""
    _refuse_unless_operator(request, "monitoring alert queue")
    now = timezone.now()
    form = QueueFilterForm(request.GET or None)
    kind = state = ""
    if form.is_bound and form.is_valid():
        kind, state = form.cleaned_data["kind"], form.cleaned_data["state"]
    everything = alert_queue(for_user=request.user)
    queue = alert_queue(for_user=request.user, kind=kind, state=state)
    page = Paginator(queue, PAGE_SIZE).get_page(_page_number(request))
    _audit_listed(request, page, "open", kind=kind, state=state)
    return render(
        request,
        "monitoring/alerts/queue.html",
        {
            "form": form,
            "page": page,
            "rows": _rows(page, now),
            "counts": queue_counts(everything, now=now),
            "filtered": bool(kind or state),
            "target_minutes": int(acknowledge_target().total_seconds() // 60),
        },
    )


@signed_in_case_reader
def resolved_alerts_page(request: HttpRequest) -> HttpResponse:
    """The alerts resolved, the most recent first, with their outcomes."""
    _refuse_unless_operator(request, "resolved monitoring alerts")
    now = timezone.now()
    form = QueueFilterForm(request.GET or None)
    kind = ""
    if form.is_bound and form.is_valid():
        kind = form.cleaned_data["kind"]
    page = Paginator(resolved_alerts(for_user=request.user, kind=kind), PAGE_SIZE).get_page(
        _page_number(request)
    )
    _audit_listed(request, page, "resolved", kind=kind)
    return render(
        request,
        "monitoring/alerts/resolved.html",
        {"form": form, "page": page, "rows": _rows(page, now)},
    )


def _not_found(request: HttpRequest, alert_id: int) -> HttpResponse:
    """The same page for an alert that does not exist and one the user may not see."""
    audit(
        request.user,
        AuditAction.CASE_ACCESS_REFUSED,
        details={"reason": "alert_not_visible", "alert": alert_id, "page": "monitoring alert"},
        path=request.path,
    )
    return render(
        request,
        "core/error.html",
        {"title": "We cannot show this alert. It does not exist, or you do not have access to it."},
        status=404,
    )


def _act(request: HttpRequest, alert: Alert) -> HttpResponse | forms.Form:
    """Acknowledge or resolve from the posted form: a redirect when done, else the form with
    its errors (the input kept; after a conflict, carrying the alert's current version)."""
    if not may_work_alerts(request.user):
        role_refused(
            user=request.user,
            page="act on a monitoring alert",
            path=request.path,
            crn=alert.case.person.crn,
        )
        raise PermissionDenied
    action = request.POST.get("action", "")
    if action not in ("acknowledge", "resolve"):
        return redirect("monitoring:alert", alert_id=alert.pk)
    form_class = ResolveForm if action == "resolve" else VersionForm
    form = form_class(request.POST)
    if not form.is_valid():
        return form
    version = form.cleaned_data.get("version")
    try:
        if action == "acknowledge":
            alert_services.alert_acknowledge(alert=alert, by_user=request.user, version=version)
            done = "Alert acknowledged. Resolve it when it has been dealt with."
        else:
            alert_services.alert_resolve(
                alert=alert,
                outcome=form.cleaned_data["outcome"],
                note=form.cleaned_data["note"],
                by_user=request.user,
                version=version,
            )
            done = "Alert resolved."
    except DomainError as error:
        if isinstance(error, Conflict):
            alert.refresh_from_db()
            data = request.POST.copy()
            data["version"] = str(alert.version)
            form = form_class(data)
            form.is_valid()
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return form
    messages.success(request, done)
    return redirect("monitoring:alert", alert_id=alert.pk)


@signed_in_case_reader
def alert_page(request: HttpRequest, alert_id: int) -> HttpResponse:
    """One alert: what happened, its evidence as a map and as tables, where it stands, and (for
    the monitoring centre) acknowledge and resolve."""
    alert = alert_for(for_user=request.user, alert_id=alert_id) if alert_id <= MAX_ID else None
    if alert is None:
        return _not_found(request, min(alert_id, MAX_ID))
    posted: forms.Form | None = None
    if request.method == "POST":
        outcome = _act(request, alert)
        if isinstance(outcome, HttpResponse):
            return outcome
        posted = outcome
    crn = alert.case.person.crn
    audit(
        request.user,
        AuditAction.EM_ALERT_VIEWED,
        alert,
        crn=crn,
        details={"kind": alert.kind, "state": alert.state},
        path=request.path,
    )
    evidence = alert_evidence(alert)
    operator = may_work_alerts(request.user)
    return render(
        request,
        "monitoring/alerts/alert.html",
        {
            "alert": alert,
            "person": alert.case.person,
            "evidence": evidence,
            "svg": svg_map(evidence),
            "map_data": map_data(evidence, basemap_url=static("monitoring/basemap.geojson")),
            "severity": SEVERITY.get(alert.severity, (str(alert.severity), "govuk-tag--grey")),
            "clock": alert_clock(alert, now=timezone.now()),
            "operator": operator,
            "may_acknowledge": operator and alert.state == AlertState.NEW,
            "may_resolve": operator and alert.state != AlertState.RESOLVED,
            # The resolve form, as posted when it was refused; an acknowledgement's refusal
            # is shown in the error summary above a fresh one.
            "form": posted
            if isinstance(posted, ResolveForm)
            else ResolveForm(initial={"version": alert.version}),
            "acknowledge_errors": posted.non_field_errors()
            if posted is not None and not isinstance(posted, ResolveForm)
            else [],
            "reads_case": can_read_cases(request.user),
        },
    )
