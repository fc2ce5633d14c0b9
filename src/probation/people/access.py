"""The one place where reads of case data are audited, and the decorator every case page uses.

Selectors only read. Whoever shows case data to a person — a page, the API — releases it through
here, so that every view of a case, every refusal, every list and every search leaves an
:class:`~probation.core.models.AuditEvent`, worded the same way whatever the door:

- :func:`case_released_to` resolves a CRN through the scoped selector and audits the view
  (naming the page) or the refusal (with the reason, for auditors only);
- :func:`case_page` wraps a web view that takes ``<crn>`` from its URL: signed-in users only,
  the role checked, the case resolved and audited, and the view called with the ``Case``;
- :func:`reads_audited` records a list or a search, with what it returned.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from probation.core.audit import AuditAction, audit
from probation.core.errors import CaseNotAvailable
from probation.core.identifiers import normalise_crn
from probation.core.ratelimit import allow
from probation.people.models import Case
from probation.people.selectors import case_lookup

CasePageView = Callable[..., HttpResponse]


def case_released_to(*, user: Any, crn: str, page: str, path: str = "") -> Case:
    """The case with ``crn`` if ``user`` may see it; audits the view of ``page`` or the refusal.

    Raises :class:`CaseNotAvailable` for a missing, malformed *or* refused case, identically.
    """
    case, reason = case_lookup(user=user, crn=crn)
    if case is None:
        audit(
            user,
            AuditAction.CASE_ACCESS_REFUSED,
            crn=normalise_crn(crn) or "",
            details={
                "reason": reason,
                "requested": crn[:50],
                "page": page,
            },
            path=path,
        )
        raise CaseNotAvailable
    audit(
        user, AuditAction.CASE_VIEWED, case, crn=case.person.crn, details={"page": page}, path=path
    )
    return case


def reads_audited(*, user: Any, action: AuditAction, details: Any, path: str = "") -> None:
    """Record a read that is not of one case: a list, a search, an export."""
    audit(user, action, details=details, path=path)


def anonymous_refused(*, requested: str, path: str, details: Any = None) -> None:
    """Record a refused attempt by someone not signed in (the case is named if the CRN is)."""
    audit(
        None,
        AuditAction.CASE_ACCESS_REFUSED,
        crn=normalise_crn(requested) or "",
        details={"reason": "anonymous", "requested": requested[:50], **(details or {})},
        path=path[:500],
    )


def role_refused(*, user: Any, page: str, path: str, crn: str = "") -> None:
    """Record a refusal because the user's role does not allow the page or the action."""
    audit(
        user,
        AuditAction.ROLE_REFUSED,
        crn=normalise_crn(crn) or "",
        details={"page": page},
        path=path,
    )


def anonymous_refusal_allowed(request: HttpRequest) -> bool:
    """Whether an anonymous refusal from this address may still be audited this minute: past
    ``ANONYMOUS_REFUSALS_PER_MINUTE`` the client gets 429 and nothing is written, so nobody can
    flood the append-only audit trail."""
    address = request.META.get("REMOTE_ADDR", "")
    return allow(
        f"anonymous-refusal:{address}", limit=settings.ANONYMOUS_REFUSALS_PER_MINUTE, window=60
    )


def too_many_requests(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "core/error.html",
        {"title": "Too many requests. Wait a minute, then sign in"},
        status=429,
    )


def not_available(request: HttpRequest) -> HttpResponse:
    """The refusal page: the same for a case that does not exist and one the user may not see."""
    return render(
        request,
        "people/case_not_available.html",
        {"message": CaseNotAvailable.message},
        status=404,
    )


def case_page(*, page: str, roles: Iterable[str] | None = None) -> Callable[[CasePageView], Any]:
    """Decorate a view of one case: ``view(request, case, **other_url_kwargs)``.

    ``page`` names the page in the audit trail ("tier history"); ``roles``, when given, are the
    roles allowed to open it at all (checked before the case is looked up, so a refusal for lack
    of role says nothing about the case). Anonymous users are audited and sent to sign in.
    """
    allowed = tuple(roles) if roles is not None else None

    def decorate(view: CasePageView) -> CasePageView:
        @wraps(view)
        def wrapped(request: HttpRequest, crn: str, **kwargs: Any) -> HttpResponse:
            user: Any = request.user
            if not user.is_authenticated:
                if not anonymous_refusal_allowed(request):
                    return too_many_requests(request)
                anonymous_refused(requested=str(crn), path=request.path, details={"page": page})
                return redirect_to_login(request.get_full_path())
            if allowed is not None and not user.has_role(*allowed):
                role_refused(user=user, page=page, path=request.path, crn=str(crn))
                raise PermissionDenied
            try:
                case = case_released_to(user=user, crn=str(crn), page=page, path=request.path)
            except CaseNotAvailable:
                return not_available(request)
            return view(request, case, **kwargs)

        wrapped.case_page = page  # type: ignore[attr-defined]
        return wrapped

    return decorate


def signed_in_case_reader(view: CasePageView) -> CasePageView:
    """For pages that read case data without a CRN (lists, search): anonymous users are audited
    as refused and sent to sign in."""

    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if not anonymous_refusal_allowed(request):
                return too_many_requests(request)
            anonymous_refused(requested="", path=request.path)
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapped
