"""Request-wide defences: responses are never cached, and sessions end when idle or too old.

- Every page and API response may carry case data, so none may be kept by a browser or a proxy:
  ``Cache-Control: no-store`` (static assets are served by WhiteNoise before this runs).
- A session ends after ``SESSION_IDLE_SECONDS`` without a request (default 30 minutes) and
  ``SESSION_ABSOLUTE_SECONDS`` after signing in (default 10 hours), whichever comes first: an
  unattended screen in a probation office must not stay signed in all day.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.http import HttpRequest, HttpResponse
from django.utils.cache import add_never_cache_headers

from probation.core.audit import AuditAction, audit

SIGNED_IN_AT = "_op_signed_in_at"
LAST_SEEN = "_op_last_seen"
# Refresh "last seen" at most this often, so that a session is not written on every request.
LAST_SEEN_RESOLUTION = 60

Handler = Callable[[HttpRequest], HttpResponse]


class NoStoreMiddleware:
    """Case data must never sit in a browser's or a proxy's cache: every response is marked
    ``no-store`` unless its view declared it public (``Cache-Control: public``), which only
    the public performance pages do (they show published aggregates, rendered as for an
    anonymous visitor whoever asks: ``probation/performance/public_views.py``)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        if "public" not in response.get("Cache-Control", ""):
            add_never_cache_headers(response)
        return response


@receiver(user_logged_in)
def _start_session_clock(
    sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any
) -> None:
    if request is not None and hasattr(request, "session"):
        now = int(time.time())
        request.session[SIGNED_IN_AT] = now
        request.session[LAST_SEEN] = now


def session_expiry(*, signed_in_at: int, last_seen: int, now: int) -> str | None:
    """Why a session has ended ("idle" or "absolute"), or None while it is still good."""
    if now - signed_in_at > settings.SESSION_ABSOLUTE_SECONDS:
        return "absolute"
    if now - last_seen > settings.SESSION_IDLE_SECONDS:
        return "idle"
    return None


class SessionLimitsMiddleware:
    """Sign out a session that has been idle too long or has lasted too long (audited)."""

    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated and hasattr(request, "session"):
            self._check(request, user)
        return self.get_response(request)

    def _check(self, request: HttpRequest, user: Any) -> None:
        session = request.session
        now = int(time.time())
        signed_in_at = session.setdefault(SIGNED_IN_AT, now)
        last_seen = session.get(LAST_SEEN, now)
        ended = session_expiry(signed_in_at=signed_in_at, last_seen=last_seen, now=now)
        if ended is None:
            if now - last_seen >= LAST_SEEN_RESOLUTION:
                session[LAST_SEEN] = now
            return
        audit(
            user,
            AuditAction.SESSION_EXPIRED,
            details={"limit": ended, "signed_in_at": signed_in_at, "last_seen": last_seen},
            path=request.path[:500],
        )
        logout(request)
        messages.info(
            request,
            "You have been signed out because you were inactive for "
            f"{settings.SESSION_IDLE_SECONDS // 60} minutes."
            if ended == "idle"
            else "You have been signed out because you have been signed in for "
            f"{settings.SESSION_ABSOLUTE_SECONDS // 3600} hours.",
        )
