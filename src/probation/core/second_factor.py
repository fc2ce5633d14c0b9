"""A second factor (TOTP, django-otp): required for administrators and auditors, open to all.

An administrator can widen anyone's access and an auditor reads every case, so a stolen password
alone must not be enough for them: after the password, these roles enter a six-digit code from
an authenticator app, and the first time they sign in they set one up. Any other member of staff
may set one up too, and from then on is asked for a code at every sign-in.

:class:`SecondFactorMiddleware` enforces it for every page, the admin included: a signed-in
session that needs a code and has not given one may open only the set-up and code pages and
sign out. (API tokens are created from a verified session, so they carry the same assurance.)
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import devices_for_user

OPEN_PATHS = ("/static/", "/assets/", "/healthz", "/favicon.ico")


def role_requires_second_factor(user: Any) -> bool:
    return bool(user.has_role(*settings.SECOND_FACTOR_REQUIRED_ROLES))


def has_second_factor(user: Any) -> bool:
    return any(True for _ in devices_for_user(user, confirmed=True))


def owes_second_factor(user: Any) -> bool:
    """Signed in with the password, but not yet with the code this user must give."""
    if not user.is_authenticated or getattr(user, "is_verified", lambda: True)():
        return False
    return has_second_factor(user) or role_requires_second_factor(user)


class SecondFactorMiddleware:
    """Send a signed-in session that owes a code to the code page (or, without an app set up
    yet, to the set-up page), whatever it asked for."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user: Any = getattr(request, "user", None)
        if user is None or not user.is_authenticated or user.is_verified():
            return self.get_response(request)
        setup, verify = reverse("core:two-factor-setup"), reverse("core:two-factor-verify")
        allowed = (setup, verify, reverse("core:sign-out"), *OPEN_PATHS)
        if request.path.startswith(allowed):
            return self.get_response(request)
        if has_second_factor(user):
            return redirect(f"{verify}?next={request.get_full_path()}")
        if role_requires_second_factor(user):
            return redirect(f"{setup}?next={request.get_full_path()}")
        return self.get_response(request)
