"""Identifiers of people on probation: CRN, PNC number, prison number.

Parsing is strict about shape and lenient about spacing and case, so that a practitioner can paste
an identifier from a letter and still be told clearly when it is wrong.
"""

from __future__ import annotations

import datetime as dt
import re

from django.utils import timezone

CRN_PATTERN = re.compile(r"^[A-Z][0-9]{6}$")
PNC_PATTERN = re.compile(r"^(?P<year>[0-9]{2}|[0-9]{4})/(?P<serial>[0-9]{1,7})(?P<check>[A-Z])$")
PRISON_NUMBER_PATTERN = re.compile(r"^[A-Z][0-9]{4}[A-Z]{2}$")
# The PNC check character: (2-digit year followed by the 7-digit serial) mod 23 indexes this.
PNC_CHECK_LETTERS = "ZABCDEFGHJKLMNPQRTUVWXY"


def normalise_crn(value: str) -> str | None:
    """The CRN in canonical form (``X123456``), or None if it is not a CRN."""
    candidate = re.sub(r"\s+", "", value or "").upper()
    return candidate if CRN_PATTERN.match(candidate) else None


def is_crn(value: str) -> bool:
    return normalise_crn(value) is not None


def pnc_check_letter(year: int, serial: int) -> str:
    return PNC_CHECK_LETTERS[int(f"{year % 100:02d}{serial:07d}") % 23]


def normalise_pnc(value: str, *, today: dt.date | None = None) -> str | None:
    """A PNC number in canonical ``YYYY/NNNNNNNC`` form, or None if malformed or wrong check letter.

    A two-digit year is read as the most recent year with those digits not after ``today``.
    """
    candidate = re.sub(r"\s+", "", value or "").upper()
    match = PNC_PATTERN.match(candidate)
    if not match:
        return None
    year = int(match["year"])
    if len(match["year"]) == 2:
        this_year = (today or timezone.localdate()).year
        year = (this_year // 100) * 100 + year
        if year > this_year:
            year -= 100
    serial = int(match["serial"])
    if pnc_check_letter(year, serial) != match["check"]:
        return None
    return f"{year:04d}/{serial:07d}{match['check']}"


def format_pnc(year: int, serial: int) -> str:
    return f"{year:04d}/{serial:07d}{pnc_check_letter(year, serial)}"


def normalise_prison_number(value: str) -> str | None:
    candidate = re.sub(r"\s+", "", value or "").upper()
    return candidate if PRISON_NUMBER_PATTERN.match(candidate) else None
