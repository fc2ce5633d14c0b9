"""The input policy: which dates and which digits the service accepts, wherever they come from.

Forms, services and the API all refuse the same impossible input with the same message, so a
date in year 9999 or year 1 is a field error everywhere, never an ``OverflowError`` deep in
a calculation, and a number written in other scripts' digits (``int("٣")`` is 3 in Python) never
reaches an identifier or a length.

Dates
    A :class:`DatePolicy` is a named range, from a fixed earliest date to today plus some years
    (today in Europe/London, from ``django.utils.timezone``):

    - :data:`EVENT_DATES`: things that happen in a case (offence, conviction, sentence, start of
      follow-up): 1 January 1900 to today + 5 years, so that planned dates fit;
    - :data:`BIRTH_DATES`: 1 January 1900 to today.

    :func:`check_date` raises :class:`~probation.core.errors.InvalidInput` with a GOV.UK-style
    message naming the field, e.g. "The date of sentence must be between 1 January 1900 and
    30 November 2031"::

        check_date(value, EVENT_DATES, field="sentence_date", label="date of sentence")

Digits
    :func:`check_ascii_digits` refuses text in which any character is a digit other than 0-9
    (Arabic-Indic "٣", fullwidth digits, "²"), for text where digits are expected: identifiers,
    numbers, lengths.

Nothing here touches the database; it is pure Python apart from the clock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from probation.core.errors import InvalidInput

__all__ = [
    "BIRTH_DATES",
    "EVENT_DATES",
    "DatePolicy",
    "check_ascii_digits",
    "check_date",
    "date_in_words",
]

_MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ASCII_DIGITS = frozenset("0123456789")


def date_in_words(value: dt.date) -> str:
    """A date as GOV.UK writes it: "1 January 1900" (no leading zero, English month names)."""
    return f"{value.day} {_MONTHS[value.month - 1]} {value.year}"


def _years_after(day: dt.date, years: int) -> dt.date:
    """``day`` moved ``years`` years on; 29 February becomes 28 February in a common year."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


@dataclass(frozen=True, slots=True)
class DatePolicy:
    """The dates one kind of date may take: ``earliest`` to today + ``years_ahead`` years."""

    name: str
    earliest: dt.date
    years_ahead: int

    def bounds(self, *, today: dt.date | None = None) -> tuple[dt.date, dt.date]:
        """The first and last dates allowed (inclusive), counted from ``today``."""
        today = today or timezone.localdate()
        return self.earliest, _years_after(today, self.years_ahead)

    def allows(self, value: dt.date, *, today: dt.date | None = None) -> bool:
        first, last = self.bounds(today=today)
        return first <= value <= last


#: Dates of things that happen in a case: offence, conviction, sentence, follow-up.
EVENT_DATES = DatePolicy("event dates", earliest=dt.date(1900, 1, 1), years_ahead=5)
#: Dates of birth: nobody is born in the future.
BIRTH_DATES = DatePolicy("birth dates", earliest=dt.date(1900, 1, 1), years_ahead=0)


def check_date(
    value: object,
    policy: DatePolicy,
    *,
    field: str,
    label: str,
    today: dt.date | None = None,
) -> None:
    """Raise ``InvalidInput(message, field=field)`` unless ``value`` is a date ``policy`` allows.

    ``label`` is how the message names the date, in lower case: "date of sentence" gives
    "The date of sentence must be between 1 January 1900 and 30 November 2031". A ``datetime``
    is refused (it is not a date, and comparing it with one fails).
    """
    if not isinstance(value, dt.date) or isinstance(value, dt.datetime):
        raise InvalidInput(f"Enter the {label} as a real date", field=field)
    first, last = policy.bounds(today=today)
    if not first <= value <= last:
        raise InvalidInput(
            f"The {label} must be between {date_in_words(first)} and {date_in_words(last)}",
            field=field,
        )


def check_ascii_digits(text: str, *, field: str | None = None, label: str = "numbers") -> None:
    """Raise ``InvalidInput`` if ``text`` has a digit other than 0-9 ("٣", "²", "Ⅻ", fullwidth).

    Python's ``int()``, ``float()`` and ``str.isdigit()`` accept digits of every script, so a
    check with them alone lets "X12345٦" or a length of "٣" through. Only the digits are checked:
    letters, signs and punctuation are left to the caller's own validation.
    """
    if any(ch.isnumeric() and ch not in _ASCII_DIGITS for ch in text):
        raise InvalidInput(f"Enter {label} using the digits 0 to 9", field=field)


#: Line breaks and tabs are allowed in free text; other control characters are not.
ALLOWED_CONTROLS = frozenset("\r\n\t")


def checked_text(
    value: str | None, *, field: str, label: str, max_length: int, required: bool = True
) -> str:
    """Free text a user gave, stripped: ``InvalidInput`` on ``field`` when it is required and
    empty, longer than ``max_length``, or holds a control character other than a line break or
    a tab. ``label`` is how the message names it ("the reason" gives "Enter the reason")."""
    text = (value or "").strip()
    named = f"{label[:1].upper()}{label[1:]}"
    if required and not text:
        raise InvalidInput(f"Enter {label}", field=field)
    if len(text) > max_length:
        raise InvalidInput(f"{named} must be {max_length} characters or fewer", field=field)
    if any(ord(ch) < 32 and ch not in ALLOWED_CONTROLS for ch in text):
        raise InvalidInput(f"{named} must not contain control characters", field=field)
    return text
