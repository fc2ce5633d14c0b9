"""Sign-in and out, audit search and export, the API token page, health check and error pages
(thin views)."""

from __future__ import annotations

import csv
import datetime as dt
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods

from probation.core.audit import AuditAction, audit, clean_text
from probation.core.forms_audit import AuditSearchForm
from probation.core.forms_auth import GovukAuthenticationForm
from probation.core.models import AuditEvent
from probation.core.selectors import (
    api_token_created_at,
    audit_events,
    audit_events_count,
    audit_events_export,
    may_read_audit,
)
from probation.core.services import api_token_create
from probation.core.templatetags.openprobation import (
    event_actor,
    event_change_rows,
    event_detail_rows,
    event_summary,
    rows_as_text,
)

AUDIT_PAGE_SIZE = 50
# An export is for a bounded question (one case, one user, a few days): past this many rows,
# narrow the search.
AUDIT_EXPORT_CAP = 50_000
AUDIT_EXPORT_HEADER = (
    "When (UK time)",
    "Who",
    "Username",
    "Event",
    "Event code",
    "What happened",
    "CRN",
    "Details",
    "Changes",
    "Page address",
)


class SignInView(auth_views.LoginView):
    template_name = "core/sign_in.html"
    form_class = GovukAuthenticationForm
    redirect_authenticated_user = True

    def form_valid(self, form: Any) -> HttpResponse:
        response = super().form_valid(form)
        audit(self.request.user, AuditAction.USER_SIGNED_IN, path=self.request.path)
        return response


class SignOutView(auth_views.LogoutView):
    """Signs out (a POST) and says so on the sign-in page it leads to."""

    http_method_names = ["post", "options"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        response = super().post(request, *args, **kwargs)
        messages.success(request, "You have signed out")
        return response


def _audit_search_form(request: HttpRequest) -> AuditSearchForm:
    """The search form, for auditors and administrators only (a refusal is audited)."""
    user: Any = request.user
    if not may_read_audit(user):
        audit(user, AuditAction.AUDIT_SEARCH_REFUSED, path=request.path)
        raise PermissionDenied
    return AuditSearchForm(request.GET or None)


@login_required
@require_GET
def audit_search(request: HttpRequest) -> HttpResponse:
    form = _audit_search_form(request)
    page = None
    if form.is_bound and form.is_valid():
        events = audit_events(for_user=request.user, **form.cleaned_data)
        page = Paginator(events, AUDIT_PAGE_SIZE).get_page(request.GET.get("page"))
        audit(
            request.user, AuditAction.AUDIT_SEARCHED, details=form.cleaned_data, path=request.path
        )
    return render(
        request,
        "core/audit_search.html",
        {"form": form, "page": page, "export_cap": AUDIT_EXPORT_CAP},
    )


class _Echo:
    """A file that hands back what is written to it, for csv.writer to stream through."""

    def write(self, value: str) -> str:
        return value


def _cell(value: str) -> str:
    """A CSV cell a spreadsheet shows as text: a leading =, +, - or @ would be a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _csv_row(event: AuditEvent) -> list[str]:
    who = event_actor(event)
    name = f"{who.name} ({who.note})" if who.note else who.name
    at = timezone.localtime(event.at).strftime("%Y-%m-%d %H:%M:%S")
    return [
        _cell(text)
        for text in (
            at,
            name,
            who.username,
            str(event.get_action_display()),
            event.action,
            event_summary(event),
            event.crn,
            rows_as_text(event_detail_rows(event)),
            rows_as_text(event_change_rows(event)),
            event.path,
        )
    ]


def _csv_lines(events: Iterable[AuditEvent]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(AUDIT_EXPORT_HEADER)
    for event in events:
        yield writer.writerow(_csv_row(event))


@login_required
@require_GET
def audit_export(request: HttpRequest) -> HttpResponseBase:
    """The current search as a CSV file (at most AUDIT_EXPORT_CAP rows, newest first), streamed.

    The export is audited first, with its filters and how many rows it holds; the file leaves
    out that event itself.
    """
    form = _audit_search_form(request)
    if not form.is_valid():
        return render(
            request,
            "core/audit_search.html",
            {"form": form, "page": None, "export_cap": AUDIT_EXPORT_CAP},
        )
    user: Any = request.user
    filters = form.cleaned_data
    rows = audit_events_count(for_user=user, limit=AUDIT_EXPORT_CAP, **filters)
    exported = audit(
        user,
        AuditAction.AUDIT_EXPORTED,
        details={"filters": filters, "rows": rows, "cap": AUDIT_EXPORT_CAP},
        path=request.path,
    )
    events = audit_events_export(
        for_user=user, limit=AUDIT_EXPORT_CAP, before_id=exported.pk, **filters
    )
    filename = f"audit-events-{timezone.localtime(exported.at):%Y-%m-%d-%H%M%S}.csv"
    response = StreamingHttpResponse(_csv_lines(events), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    response["Cache-Control"] = "no-store"
    return response


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def api_token(request: HttpRequest) -> HttpResponse:
    """The signed-in user's API token: create or replace it, and see the key once."""
    key = api_token_create(by_user=request.user) if request.method == "POST" else None
    created = api_token_created_at(for_user=request.user)
    lifetime = dt.timedelta(days=settings.API_TOKEN_TTL_DAYS)
    return render(
        request,
        "core/api_token.html",
        {
            "key": key,
            "created": created,
            "expires": created + lifetime if created else None,
            "lifetime_days": settings.API_TOKEN_TTL_DAYS,
            "api_root": request.build_absolute_uri("/api/v1/"),
        },
    )


def csrf_failure(request: HttpRequest, reason: str = "") -> HttpResponse:
    """A form was refused by the CSRF check (CSRF_FAILURE_VIEW): say so in plain words.

    The usual cause is harmless: a form left open in one tab after signing in or out in another,
    which changes the security token. Audited with Django's reason and the address.
    """
    path = clean_text(request.path[:500])
    audit(
        getattr(request, "user", None),
        AuditAction.CSRF_REFUSED,
        details={"reason": clean_text(reason[:200]), "path": path},
        path=path,
    )
    return render(request, "core/csrf_failure.html", status=403)


def healthz(request: HttpRequest) -> JsonResponse:
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})


def bad_request(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {"title": "Sorry, there is a problem with the request"},
        status=400,
    )


def permission_denied(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(
        request, "core/error.html", {"title": "You do not have access to this page"}, status=403
    )


def page_not_found(request: HttpRequest, exception: Exception | None = None) -> HttpResponse:
    return render(request, "core/error.html", {"title": "Page not found"}, status=404)


def server_error(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {"title": "Sorry, there is a problem with the service"},
        status=500,
    )
