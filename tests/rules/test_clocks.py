"""The allocation clocks (docs/domain/allocation.md §3), counted in working days with the real
bank holidays of England and Wales for 2025 to 2027."""

from __future__ import annotations

from datetime import date

import pytest

from probation.core.calendar import bank_holidays_from, england_and_wales_bank_holidays
from probation.rules import clocks
from probation.rules.clocks import CLOCKS, assignment_due, first_appointment_due, sift_due

HOLIDAYS = england_and_wales_bank_holidays(range(2025, 2028))


@pytest.mark.parametrize(
    "known",
    [
        date(2025, 12, 25),  # Christmas Day
        date(2025, 12, 26),  # Boxing Day
        date(2026, 4, 3),  # Good Friday
        date(2026, 4, 6),  # Easter Monday
        date(2026, 5, 25),  # Spring bank holiday
        date(2026, 12, 28),  # Boxing Day (substitute day: the 26th is a Saturday)
        date(2027, 1, 1),
        date(2027, 3, 29),  # Easter Monday
    ],
)
def test_the_calendar_has_the_known_bank_holidays(known: date) -> None:
    assert known in HOLIDAYS


def test_the_calendar_has_no_ordinary_days_and_covers_the_next_year() -> None:
    assert date(2026, 12, 24) not in HOLIDAYS
    assert date(2026, 3, 17) not in HOLIDAYS  # St Patrick's Day is Northern Ireland's
    assert len(england_and_wales_bank_holidays([2026])) == 9
    assert date(2027, 1, 1) in bank_holidays_from(date(2026, 12, 30))


@pytest.mark.parametrize(
    ("sifted_on", "tier", "expected"),
    [
        (date(2026, 11, 30), "C2", date(2026, 12, 3)),  # Monday: Thursday
        (date(2026, 11, 30), "A3", date(2026, 12, 1)),  # tier A: the next working day
        (date(2026, 11, 30), "A0", date(2026, 12, 1)),
        (date(2026, 11, 30), "B3", date(2026, 12, 3)),
        (date(2026, 11, 30), None, date(2026, 12, 3)),  # not yet tiered: the general clock
        (date(2026, 11, 30), "", date(2026, 12, 3)),
        (date(2026, 12, 3), "D0", date(2026, 12, 8)),  # Thursday: across a weekend
        (date(2026, 12, 4), "A1", date(2026, 12, 7)),  # Friday: Monday
        (date(2026, 12, 5), "A1", date(2026, 12, 7)),  # sifted on a Saturday
        (date(2025, 12, 23), "C1", date(2025, 12, 30)),  # across Christmas 2025
        (date(2025, 12, 24), "A2", date(2025, 12, 29)),
        (date(2026, 12, 23), "C1", date(2026, 12, 30)),  # Christmas 2026 with a substitute day
        (date(2026, 12, 24), "A2", date(2026, 12, 29)),
        (date(2026, 12, 31), "C1", date(2027, 1, 6)),  # across New Year's Day 2027
        (date(2026, 4, 2), "B2", date(2026, 4, 9)),  # across Easter 2026
        (date(2026, 4, 2), "A2", date(2026, 4, 7)),
        (date(2027, 3, 25), "C3", date(2027, 4, 1)),  # across Easter 2027
        (date(2026, 5, 22), "D1", date(2026, 5, 28)),  # Friday before a bank holiday Monday
        (date(2026, 5, 22), "A1", date(2026, 5, 26)),
        (date(2026, 8, 28), "A1", date(2026, 9, 1)),  # late summer bank holiday
    ],
)
def test_the_assignment_is_due_working_days_after_the_sift(
    sifted_on: date, tier: str | None, expected: date
) -> None:
    assert assignment_due(sifted_on=sifted_on, tier=tier, holidays=HOLIDAYS) == expected


@pytest.mark.parametrize(
    ("sentenced_on", "expected"),
    [
        (date(2026, 11, 30), date(2026, 12, 1)),
        (date(2026, 12, 4), date(2026, 12, 7)),  # Friday: Monday
        (date(2025, 12, 24), date(2025, 12, 29)),  # Christmas Eve 2025
        (date(2026, 4, 2), date(2026, 4, 7)),  # Maundy Thursday 2026
        (date(2026, 5, 22), date(2026, 5, 26)),  # before the spring bank holiday
    ],
)
def test_the_sift_of_a_community_case_is_due_a_working_day_after_sentence(
    sentenced_on: date, expected: date
) -> None:
    assert sift_due(sentenced_on=sentenced_on, holidays=HOLIDAYS) == expected


@pytest.mark.parametrize(
    ("release_on", "expected"),
    [
        (date(2026, 12, 14), date(2026, 11, 30)),  # two whole weeks back
        (date(2026, 4, 14), date(2026, 3, 27)),  # back across Easter 2026
        (date(2027, 1, 8), date(2026, 12, 22)),  # back across Christmas and New Year
    ],
)
def test_the_sift_of_a_custodial_case_is_due_ten_working_days_before_release(
    release_on: date, expected: date
) -> None:
    assert sift_due(release_on=release_on, holidays=HOLIDAYS) == expected


@pytest.mark.parametrize(
    ("starts_on", "tier", "expected"),
    [
        (date(2026, 11, 30), "C2", date(2026, 12, 7)),  # Monday: next Monday
        (date(2026, 11, 30), "A1", date(2026, 12, 2)),  # tier A: 2 working days
        (date(2026, 11, 30), None, date(2026, 12, 7)),  # not yet tiered: the general clock
        (date(2026, 12, 5), "B1", date(2026, 12, 11)),  # released on a Saturday
        (date(2026, 12, 22), "C1", date(2026, 12, 31)),  # across Christmas and the substitute day
        (date(2026, 12, 30), "B3", date(2027, 1, 7)),  # across New Year's Day
        (date(2026, 12, 24), "A3", date(2026, 12, 30)),
        (date(2026, 4, 1), "D2", date(2026, 4, 10)),  # across Good Friday and Easter Monday
        (date(2026, 5, 21), "A0", date(2026, 5, 26)),  # Thursday before the spring bank holiday
    ],
)
def test_the_first_appointment_is_due_working_days_after_sentence_or_release(
    starts_on: date, tier: str | None, expected: date
) -> None:
    assert first_appointment_due(starts_on=starts_on, tier=tier, holidays=HOLIDAYS) == expected


def test_the_table_is_the_spec() -> None:
    assert (clocks.SIFT_DUE_COMMUNITY, clocks.SIFT_DUE_CUSTODY_BEFORE_RELEASE) == (1, 10)
    assert (clocks.ASSIGNMENT_DUE, clocks.ASSIGNMENT_DUE_TIER_A) == (3, 1)
    assert (clocks.FIRST_APPOINTMENT_DUE, clocks.FIRST_APPOINTMENT_DUE_TIER_A) == (5, 2)
    assert CLOCKS["assignment"].working_days_for("A3") == 1
    assert CLOCKS["assignment"].working_days_for("B3") == 3
    assert CLOCKS["sift-community"].working_days_for("A3") == 1  # no tier A figure


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda: sift_due(holidays=HOLIDAYS), "sentenced_on"),
        (
            lambda: sift_due(
                sentenced_on=date(2026, 1, 5), release_on=date(2026, 2, 5), holidays=HOLIDAYS
            ),
            "sentenced_on",
        ),
        (lambda: assignment_due(sifted_on="2026-01-05", tier="A1", holidays=HOLIDAYS), "sifted_on"),
        (lambda: assignment_due(sifted_on=date(2026, 1, 5), tier="E1", holidays=HOLIDAYS), "tier"),
        (lambda: clocks.due("appeal", date(2026, 1, 5), holidays=HOLIDAYS), "clock_id"),
        (
            lambda: first_appointment_due(starts_on=None, tier="A1", holidays=HOLIDAYS),
            "starts_on",
        ),
    ],
)
def test_bad_input_is_refused_naming_the_field(call, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        call()


@pytest.mark.parametrize(
    ("requested_on", "expected"),
    [
        (date(2026, 11, 30), date(2026, 12, 7)),  # Monday: next Monday
        (date(2026, 12, 4), date(2026, 12, 11)),  # Friday: next Friday
        (date(2026, 12, 5), date(2026, 12, 11)),  # requested on a Saturday
        (date(2026, 12, 21), date(2026, 12, 30)),  # across Christmas and the substitute day
        (date(2026, 12, 29), date(2027, 1, 6)),  # across New Year's Day 2027
        (date(2026, 4, 1), date(2026, 4, 10)),  # across Good Friday and Easter Monday
        (date(2026, 5, 20), date(2026, 5, 28)),  # across the spring bank holiday
        (date(2025, 12, 24), date(2026, 1, 5)),  # Christmas and New Year 2025
    ],
)
def test_a_transfer_decision_is_due_five_working_days_after_the_request(
    requested_on: date, expected: date
) -> None:
    assert clocks.transfer_decision_due(requested_on=requested_on, holidays=HOLIDAYS) == expected


def test_the_transfer_clock_is_a_row_of_the_table_with_no_tier_a_figure() -> None:
    assert clocks.TRANSFER_DECISION_DUE == 5
    assert CLOCKS["transfer-decision"].counted_from == "request"
    assert CLOCKS["transfer-decision"].working_days_for("A1") == 5
    assert clocks.transfer_decision_due(requested_on=date(2026, 12, 21), holidays=set()) == (
        date(2026, 12, 28)  # without the bank holidays, Christmas counts
    )
    with pytest.raises(ValueError, match=r"^requested_on:"):
        clocks.transfer_decision_due(requested_on="2026-12-21", holidays=HOLIDAYS)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("referred_on", "expected"),
    [
        (date(2026, 11, 30), date(2026, 12, 1)),  # Monday: Tuesday
        (date(2026, 12, 4), date(2026, 12, 7)),  # Friday: Monday
        (date(2026, 12, 5), date(2026, 12, 7)),  # referred on a Saturday
        (date(2026, 12, 24), date(2026, 12, 29)),  # Christmas and the substitute Boxing Day
        (date(2026, 12, 31), date(2027, 1, 4)),  # New Year's Day 2027
        (date(2026, 4, 2), date(2026, 4, 7)),  # Good Friday and Easter Monday 2026
        (date(2026, 5, 22), date(2026, 5, 26)),  # the spring bank holiday
        (date(2026, 8, 28), date(2026, 9, 1)),  # the late summer bank holiday
    ],
)
def test_the_nps_review_of_an_escalation_is_due_a_working_day_after_the_referral(
    referred_on: date, expected: date
) -> None:
    holidays = bank_holidays_from(referred_on)
    assert clocks.escalation_review_due(referred_on=referred_on, holidays=holidays) == expected


@pytest.mark.parametrize(
    ("confirmed_on", "expected"),
    [
        (date(2026, 11, 30), date(2026, 12, 7)),  # Monday: next Monday
        (date(2026, 12, 4), date(2026, 12, 11)),  # Friday: next Friday
        (date(2026, 12, 21), date(2026, 12, 30)),  # across Christmas 2026
        (date(2026, 12, 29), date(2027, 1, 6)),  # across New Year's Day 2027
        (date(2026, 4, 1), date(2026, 4, 10)),  # across Easter 2026
        (date(2027, 3, 24), date(2027, 4, 2)),  # across Easter 2027
        (date(2026, 5, 22), date(2026, 6, 1)),  # across the spring bank holiday
    ],
)
def test_an_nps_practitioner_is_due_five_working_days_after_an_escalation_is_confirmed(
    confirmed_on: date, expected: date
) -> None:
    holidays = bank_holidays_from(confirmed_on)
    assert clocks.transfer_in_due(confirmed_on=confirmed_on, holidays=holidays) == expected


def test_the_escalation_clocks_are_rows_of_the_table() -> None:
    assert (clocks.ESCALATION_REVIEW_DUE, clocks.TRANSFER_IN_DUE) == (1, 5)
    assert CLOCKS["escalation-review"].counted_from == "referral"
    assert CLOCKS["transfer-in"].counted_from == "confirmation"
    assert CLOCKS["escalation-review"].working_days_for("A1") == 1  # no tier A figure
    assert CLOCKS["transfer-in"].working_days_for("A1") == 5
    # Without the bank holidays, Christmas Day counts as a working day.
    assert clocks.escalation_review_due(referred_on=date(2026, 12, 24), holidays=set()) == (
        date(2026, 12, 25)
    )
    with pytest.raises(ValueError, match=r"^referred_on:"):
        clocks.escalation_review_due(referred_on="2026-12-24", holidays=HOLIDAYS)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"^confirmed_on:"):
        clocks.transfer_in_due(confirmed_on=None, holidays=HOLIDAYS)  # type: ignore[arg-type]
