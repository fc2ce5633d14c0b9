"""The input policy: named date ranges and ASCII-only digits, with GOV.UK-style messages."""

from __future__ import annotations

import datetime as dt

import pytest

from probation.core.errors import InvalidInput
from probation.core.limits import (
    BIRTH_DATES,
    EVENT_DATES,
    check_ascii_digits,
    check_date,
    checked_text,
    date_in_words,
)

TODAY = dt.date(2026, 11, 30)


class TestDatePolicies:
    def test_event_dates_run_from_1900_to_five_years_ahead(self):
        assert EVENT_DATES.bounds(today=TODAY) == (dt.date(1900, 1, 1), dt.date(2031, 11, 30))

    def test_birth_dates_run_from_1900_to_today(self):
        assert BIRTH_DATES.bounds(today=TODAY) == (dt.date(1900, 1, 1), TODAY)

    def test_five_years_after_29_february_is_28_february(self):
        assert EVENT_DATES.bounds(today=dt.date(2024, 2, 29))[1] == dt.date(2029, 2, 28)

    def test_bounds_default_to_today_in_london(self, settings):
        settings.TIME_ZONE = "Europe/London"
        from django.utils import timezone

        assert BIRTH_DATES.bounds()[1] == timezone.localdate()

    @pytest.mark.parametrize(
        "value, allowed",
        [
            (dt.date(1900, 1, 1), True),
            (dt.date(1899, 12, 31), False),
            (dt.date(2031, 11, 30), True),
            (dt.date(2031, 12, 1), False),
            (dt.date(1, 1, 1), False),
            (dt.date(9999, 12, 31), False),
        ],
    )
    def test_event_dates_allow_their_ends_inclusive(self, value, allowed):
        assert EVENT_DATES.allows(value, today=TODAY) is allowed


class TestCheckDate:
    def test_a_date_in_range_passes(self):
        check_date(dt.date(2025, 1, 6), EVENT_DATES, field="x", label="date", today=TODAY)

    @pytest.mark.parametrize("value", [dt.date(9999, 12, 31), dt.date(1, 1, 1)])
    def test_a_date_out_of_range_is_invalid_input_naming_the_field(self, value):
        with pytest.raises(InvalidInput) as raised:
            check_date(
                value, EVENT_DATES, field="sentence_date", label="date of sentence", today=TODAY
            )
        assert raised.value.field == "sentence_date"
        assert raised.value.message == (
            "The date of sentence must be between 1 January 1900 and 30 November 2031"
        )

    def test_a_birth_date_in_the_future_is_refused(self):
        with pytest.raises(InvalidInput, match="date of birth must be between"):
            check_date(
                TODAY + dt.timedelta(days=1),
                BIRTH_DATES,
                field="date_of_birth",
                label="date of birth",
                today=TODAY,
            )

    @pytest.mark.parametrize(
        "value",
        [None, "2025-01-06", dt.datetime(2025, 1, 6, 12, 0), 20250106],  # noqa: DTZ001
    )
    def test_something_that_is_not_a_date_is_refused(self, value):
        with pytest.raises(InvalidInput, match="Enter the date of sentence as a real date"):
            check_date(value, EVENT_DATES, field="d", label="date of sentence", today=TODAY)


class TestAsciiDigits:
    @pytest.mark.parametrize("text", ["", "0", "36500", "X123456", "2012/0123456X", "-12", "ab"])
    def test_text_with_only_ascii_digits_passes(self, text):
        check_ascii_digits(text)

    @pytest.mark.parametrize("text", ["٣", "X12345٦", "１２", "2²", "Ⅻ", "१०", "½"])
    def test_any_other_digit_is_refused(self, text):
        with pytest.raises(InvalidInput) as raised:
            check_ascii_digits(text, field="length_days", label="the length in days")
        assert raised.value.field == "length_days"
        assert raised.value.message == "Enter the length in days using the digits 0 to 9"

    def test_python_itself_would_have_accepted_them(self):
        """Why the check exists."""
        assert int("٣") == 3
        assert float("１.５") == 1.5


def test_dates_in_words_are_govuk_style():
    assert date_in_words(dt.date(1900, 1, 1)) == "1 January 1900"
    assert date_in_words(dt.date(2031, 11, 30)) == "30 November 2031"


@pytest.mark.parametrize(
    ("value", "required", "message"),
    [
        ("", True, "Enter the reason"),
        ("   ", True, "Enter the reason"),
        ("x" * 11, True, "The reason must be 10 characters or fewer"),
        ("bell\x07", True, "The reason must not contain control characters"),
        ("nul\x00", False, "The reason must not contain control characters"),
    ],
)
def test_checked_text_refuses_with_the_field_named(value, required, message):
    with pytest.raises(InvalidInput) as refused:
        checked_text(value, field="reason", label="the reason", max_length=10, required=required)
    assert str(refused.value) == message
    assert refused.value.field == "reason"


@pytest.mark.parametrize(
    ("value", "expected"),
    [(" two\r\nlines\t ", "two\r\nlines"), ("", ""), (None, ""), ("x" * 10, "x" * 10)],
)
def test_checked_text_keeps_line_breaks_and_tabs_and_strips(value, expected):
    got = checked_text(value, field="f", label="the text", max_length=10, required=False)
    assert got == expected
