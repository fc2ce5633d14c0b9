"""Template filters: dates and times in words, and audit events in the words an auditor reads.

The audit functions are pure (no queries) and bounded: an event's ``details``, ``before`` and
``after`` are JSON written by many services, some of it large (an assessment's answers) and some
of it from users (a search query), so they become at most :data:`MAX_ROWS` rows of plain text,
each value at most :data:`MAX_TEXT` characters, nested no deeper than :data:`MAX_DEPTH`. Values
are returned as plain strings and so are escaped by the template like any other text. The CSV
export (``core.views.audit_export``) uses the same functions, so the file says what the page says.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django import template
from django.core.exceptions import ObjectDoesNotExist
from django.utils import timezone
from django.utils.dateformat import format as format_date

from probation.core.models import AuditAction, AuditEvent

register = template.Library()

MAX_ROWS = 20
MAX_ITEMS = 20
MAX_TEXT = 300
MAX_DEPTH = 2

ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}")

# --- Dates and times ------------------------------------------------------------------------


def time_in_words(value: dt.time | dt.datetime) -> str:
    """The GOV.UK style for times: "9am", "2:30pm", "midday", "midnight"."""
    if value.minute == 0 and value.hour in (0, 12):
        return "midnight" if value.hour == 0 else "midday"
    hour = value.hour % 12 or 12
    suffix = "am" if value.hour < 12 else "pm"
    return f"{hour}{suffix}" if value.minute == 0 else f"{hour}:{value.minute:02d}{suffix}"


def date_in_words(value: dt.date) -> str:
    """ "6 January 2025"."""
    return format_date(value, "j F Y")


def datetime_in_words(value: dt.datetime) -> str:
    """ "6 January 2025 at 2:30pm", in UK time."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return f"{date_in_words(value)} at {time_in_words(value)}"


@register.filter(name="datetime_in_words", expects_localtime=True)
def datetime_in_words_filter(value: Any) -> str:
    if isinstance(value, dt.datetime):
        return datetime_in_words(value)
    if isinstance(value, dt.date):
        return date_in_words(value)
    return ""


# --- Audit events in words ------------------------------------------------------------------

# Case pages name themselves in the trail (people.access.case_page(page=...)); these are the
# words for each, as what was viewed and as what was refused.
PAGE_VIEWED = {
    "case overview": "Viewed the case overview",
    "tier history": "Viewed the case's tier history",
    "registrations": "Viewed the case's registrations",
    "record an assessment": "Opened the form to record an assessment on the case",
    "record a sentence": "Opened the form to record a sentence on the case",
    "end a registration": "Opened the case to end a registration",
    "API: person": "Read the person's identity through the API",
    "API: case": "Read the case record through the API",
}
PAGE_NOUN = {
    "case overview": "the case overview",
    "tier history": "the case's tier history",
    "registrations": "the case's registrations",
    "record an assessment": "recording an assessment",
    "record a sentence": "recording a sentence",
    "end a registration": "ending a registration",
    "add a registration": "adding a registration",
    "API: person": "the person's identity through the API",
    "API: case": "the case record through the API",
}
# Actions whose summary sentence already says which page: the "page" detail is not repeated.
PAGE_ACTIONS = {
    AuditAction.CASE_VIEWED.value,
    AuditAction.CASE_ACCESS_REFUSED.value,
    AuditAction.ROLE_REFUSED.value,
}
# Why a case was refused (people.selectors.case_access_decision), for auditors.
REASONS = {
    "anonymous": "Not signed in",
    "malformed_crn": "Not a CRN",
    "not_found": "No case has this CRN",
    "no_case_reading_role": "Their role does not read case records",
    "excluded": "They are on the case's exclusion list",
    "not_on_restriction_list": "The case is restricted and they are not on its list",
    "other_organisation": "Another organisation is responsible for the case",
}
LABELS = {
    "crn": "CRN",
    "crns": "CRNs",
    "requested": "Asked for",
    "query": "Search",
    "q": "Search",
    "results": "Results found",
    "count": "Results found",
    "rows": "Rows",
    "replaced": "Replaced an earlier token",
}
ACRONYMS = {
    "api": "API",
    "crn": "CRN",
    "crns": "CRNs",
    "csrf": "CSRF",
    "em": "EM",
    "id": "ID",
    "mappa": "MAPPA",
    "nps": "NPS",
    "ogrs3": "OGRS3",
    "pnc": "PNC",
    "rosh": "RoSH",
    "rsr": "RSR",
    "url": "URL",
}
ANONYMOUS_LABEL = "anonymous"
SYSTEM_LABEL = "system"


@dataclass(frozen=True)
class Actor:
    """Who did it, as an auditor reads it: a name, the username, and a note when needed."""

    name: str
    username: str = ""
    note: str = ""


def _shorten(text: str, limit: int = MAX_TEXT) -> str:
    return text if len(text) <= limit else text[: limit - 1].rstrip() + "…"


def label_for(key: Any) -> str:
    """A dictionary key as a label: ``rosh_children`` → "RoSH children"."""
    raw = str(key)
    if raw in LABELS:
        return LABELS[raw]
    words = [ACRONYMS.get(word.lower(), word) for word in re.split(r"[_.\s]+", raw) if word]
    text = _shorten(" ".join(words), 80)
    return text[:1].upper() + text[1:] if text else "(blank)"


def _string_in_words(value: str) -> str:
    if ISO_DATE.match(value):
        try:
            return date_in_words(dt.date.fromisoformat(value))
        except ValueError:
            pass
    elif ISO_DATETIME.match(value) and len(value) <= 40:
        try:
            return datetime_in_words(dt.datetime.fromisoformat(value))
        except ValueError:
            pass
    return _shorten(value)


def _sequence_in_words(value: list[Any] | tuple[Any, ...], depth: int) -> str:
    if not value:
        return "None"
    if depth > MAX_DEPTH:
        return f"{len(value)} item{'s' if len(value) != 1 else ''}"
    shown = [value_in_words(item, depth=depth + 1) for item in value[:MAX_ITEMS]]
    more = len(value) - len(shown)
    return _shorten(", ".join(shown) + (f" and {more} more" if more else ""))


def _mapping_in_words(value: Mapping[Any, Any], depth: int) -> str:
    if not value:
        return "None"
    if depth > MAX_DEPTH:
        return f"{len(value)} field{'s' if len(value) != 1 else ''}"
    items = list(value.items())
    shown = [f"{label_for(k)}: {value_in_words(v, depth=depth + 1)}" for k, v in items[:MAX_ITEMS]]
    more = len(items) - len(shown)
    return _shorten("; ".join(shown) + (f" and {more} more" if more else ""))


def value_in_words(value: Any, *, depth: int = 1) -> str:
    """Any JSON value as one line of plain text, bounded in length and depth."""
    if value is None:
        return "None"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, str):
        return _string_in_words(value) if value else "(blank)"
    if isinstance(value, list | tuple):
        return _sequence_in_words(value, depth)
    if isinstance(value, Mapping):
        return _mapping_in_words(value, depth)
    return _shorten(str(value))


def _bounded(rows: list[tuple[str, str]], total: int) -> list[tuple[str, str]]:
    if total > MAX_ROWS:
        return [*rows[:MAX_ROWS], ("More", f"{total - MAX_ROWS} more not shown")]
    return rows


def detail_rows(value: Any, *, skip: frozenset[str] = frozenset()) -> list[tuple[str, str]]:
    """``(label, text)`` rows for a summary list: one per key of a dictionary."""
    if value in (None, "", [], {}):
        return []
    if not isinstance(value, Mapping):
        return [("Value", value_in_words(value))]
    items = [(k, v) for k, v in value.items() if str(k) not in skip]
    rows = [(label_for(k), _detail_value(str(k), v)) for k, v in items[: MAX_ROWS + 1]]
    return _bounded(rows, len(items))


def _detail_value(key: str, value: Any) -> str:
    if key == "reason" and isinstance(value, str) and value in REASONS:
        return REASONS[value]
    return value_in_words(value)


def change_rows(before: Any, after: Any) -> list[tuple[str, str]]:
    """What changed, as ``(label, text)`` rows: "B2 (was C3)", "Removed (was …)", or the new
    value. Values that did not change are left out."""
    if isinstance(before, Mapping) and isinstance(after, Mapping):
        keys = [*before, *(k for k in after if k not in before)]
        rows: list[tuple[str, str]] = []
        for key in keys:
            if key in before and key in after:
                if before[key] == after[key]:
                    continue
                was = before[key]
                was_text = "not set" if was in (None, "", [], {}) else value_in_words(was)
                text = f"{value_in_words(after[key])} (was {was_text})"
            elif key in after:
                text = value_in_words(after[key])
            else:
                text = f"Removed (was {value_in_words(before[key])})"
            rows.append((label_for(key), _shorten(text, 2 * MAX_TEXT)))
        return _bounded(rows[: MAX_ROWS + 1], len(rows))
    if before in (None, "", [], {}):
        return detail_rows(after)
    rows = [("Before", value_in_words(before))]
    if after not in (None, "", [], {}):
        rows.append(("After", value_in_words(after)))
    return rows


def event_actor(event: AuditEvent) -> Actor:
    """Who: the user's full name and username; "Not signed in", "The system", or the username
    kept on the event when the account no longer exists."""
    try:
        user = event.actor if event.actor_id is not None else None
    except ObjectDoesNotExist:  # pragma: no cover - only without select_related
        user = None
    if user is not None:
        name = user.get_full_name() or user.get_username()
        return Actor(name=name, username=user.get_username())
    label = event.actor_label
    if event.actor_id is not None:
        return Actor(name=label, username=label, note="account no longer exists")
    if label == ANONYMOUS_LABEL:
        return Actor(name="Not signed in")
    if label == SYSTEM_LABEL:
        return Actor(name="The system")
    return Actor(name=label)


def event_summary(event: AuditEvent) -> str:
    """What happened, in a sentence: the action's label, or for a case page which page."""
    details = event.details if isinstance(event.details, Mapping) else {}
    page = details.get("page")
    if isinstance(page, str) and page and event.action in PAGE_ACTIONS:
        page = _shorten(page, 100)
        noun = PAGE_NOUN.get(page, f"the case page “{page}”")
        if event.action == AuditAction.CASE_VIEWED:
            return PAGE_VIEWED.get(page, f"Viewed the case page “{page}”")
        if event.action == AuditAction.CASE_ACCESS_REFUSED:
            return f"Refused access to {noun}"
        return f"Refused {noun}: their role does not allow it"
    return str(event.get_action_display())


def event_detail_rows(event: AuditEvent) -> list[tuple[str, str]]:
    skip = frozenset({"page"}) if event.action in PAGE_ACTIONS else frozenset()
    return detail_rows(event.details, skip=skip)


def event_change_rows(event: AuditEvent) -> list[tuple[str, str]]:
    return change_rows(event.before, event.after)


def rows_as_text(rows: list[tuple[str, str]]) -> str:
    """Rows as one line, for a CSV cell: "Label: value; Label: value"."""
    return "; ".join(f"{label}: {text}" for label, text in rows)


register.filter("audit_actor", event_actor)
register.filter("audit_summary", event_summary)
register.filter("audit_details", event_detail_rows)
register.filter("audit_changes", event_change_rows)


@register.filter
def offers_page(navigation: Any, href: str) -> bool:
    """Whether the service navigation (the casework layer's, in every page's context) offers the
    page at ``href``: core pages ask it what the user's roles allow rather than importing the
    domain apps that decide it."""
    return any(isinstance(item, Mapping) and item.get("href") == href for item in navigation or ())
