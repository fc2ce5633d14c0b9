"""Sign-in and out, the home redirect, audit search, the refused-form page, health check and
error pages (thin views)."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from probation.core.audit import AuditAction, audit, clean_text
from probation.core.forms_audit import AuditSearchForm
from probation.core.forms_auth import GovukAuthenticationForm
from probation.core.selectors import audit_events


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


@login_required
def audit_search(request: HttpRequest) -> HttpResponse:
    user: Any = request.user
    if not user.has_role("auditor", "administrator"):
        audit(user, AuditAction.AUDIT_SEARCH_REFUSED, path=request.path)
        raise PermissionDenied
    form = AuditSearchForm(request.GET or None)
    page = None
    if form.is_bound and form.is_valid():
        events = audit_events(for_user=user, **form.cleaned_data)
        page = Paginator(events, 50).get_page(request.GET.get("page"))
        audit(user, AuditAction.AUDIT_SEARCHED, details=form.cleaned_data, path=request.path)
    return render(request, "core/audit_search.html", {"form": form, "page": page})


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
