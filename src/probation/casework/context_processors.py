"""Template context shared by every page: the service navigation for the signed-in user."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from probation.casework.homes import navigation_items
from probation.core.second_factor import owes_second_factor


def _is_current(path: str, href: str) -> bool:
    """The section the page belongs to: the home only on itself, other sections by prefix."""
    return path == href if href == "/" or href.endswith("/home/") else path.startswith(href)


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated or owes_second_factor(user):
        # Until the code is given, no page but the code page opens: offer none.
        return {"service_navigation": []}
    items = navigation_items(user)
    # The most specific section: /contracts/statements/ is "Statements", not the "Home" at
    # /contracts/ that is its prefix.
    current = max(
        (item for item in items if _is_current(request.path, item.href)),
        key=lambda item: len(item.href),
        default=None,
    )
    if current is None and request.path.startswith("/cases/"):
        # A case page belongs to the case section: the user's caseload or, failing it, search.
        current = next((item for item in items if item.section == "cases"), None)
    return {
        "service_navigation": [
            {"text": item.text, "href": item.href, "active": item is current} for item in items
        ]
    }
