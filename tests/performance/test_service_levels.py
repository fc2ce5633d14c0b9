"""Service-level deductions (performance/service_levels.py): late allocations, breach referrals
made late and first appointments missed, from the clocks the platform stored, counted in the
quarter of their due day once the clock has run out."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from probation.allocation.models import Assignment, FirstAppointment
from probation.enforcement.models import BreachReferral
from probation.performance.service_levels import (
    LATE_ALLOCATIONS,
    MISSED_FIRST_APPOINTMENTS,
    OVERDUE_BREACH_REFERRALS,
    service_level_failures,
    service_level_rows,
)
from probation.rules.reoffending import Quarter
from tests.allocation.helpers import manager_of, practitioner_of
from tests.factories import CaseFactory, ContactFactory, SentenceFactory, area, organisation
from tests.performance.test_fees import at, sifted

pytestmark = pytest.mark.django_db

Q1 = Quarter(2025, 1)
AFTER = dt.date(2025, 6, 1)  # every Q1 clock has run out


def count(kind: str, code: str = "C08", measured_on: dt.date = AFTER) -> int:
    return service_level_failures(quarter=Q1, measured_on=measured_on).get((area(code).pk, kind), 0)


def crc_case(code: str = "C08") -> Any:
    return CaseFactory(
        responsible_organisation=organisation(f"CRC-{code}"), contract_area=area(code)
    )


def assign(case: Any, org_code: str, day: dt.date, hour: int = 11) -> Assignment:
    return Assignment.objects.create(
        case=case,
        officer=practitioner_of(org_code),
        organisation=organisation(org_code),
        assigned_by=manager_of(org_code),
        assigned_at=at(day, hour),
    )


@pytest.mark.parametrize(
    "assigned_on, expected",
    [
        (dt.date(2025, 2, 5), 0),  # before the due day
        (dt.date(2025, 2, 6), 0),  # on the due day
        (dt.date(2025, 2, 7), 1),  # a day late
        (None, 1),  # never assigned
    ],
)
def test_an_allocation_is_late_when_no_practitioner_was_assigned_by_the_due_day(
    assigned_on, expected
):
    case = crc_case()
    sifted(case, "CRC-C08", dt.date(2025, 2, 3), due=dt.date(2025, 2, 6))
    if assigned_on is not None:
        assign(case, "CRC-C08", assigned_on)
    assert count(LATE_ALLOCATIONS) == expected


def test_an_assignment_late_in_the_evening_of_the_due_day_is_in_time():
    case = crc_case()
    sifted(case, "CRC-C08", dt.date(2025, 2, 3), due=dt.date(2025, 2, 6))
    assign(case, "CRC-C08", dt.date(2025, 2, 6), hour=23)  # 23:00 London, still the due day
    assert count(LATE_ALLOCATIONS) == 0


def test_a_clock_still_running_when_measured_is_not_late():
    case = crc_case()
    sifted(case, "CRC-C08", dt.date(2025, 3, 27), due=dt.date(2025, 3, 31))
    assert count(LATE_ALLOCATIONS, measured_on=dt.date(2025, 3, 31)) == 0
    assert count(LATE_ALLOCATIONS, measured_on=dt.date(2025, 4, 1)) == 1


def test_only_the_crcs_clocks_count_and_each_for_its_own_area():
    nps = CaseFactory(responsible_organisation=organisation("NPS"))
    sifted(nps, "NPS", dt.date(2025, 2, 3), due=dt.date(2025, 2, 6))
    london = crc_case("C12")
    sifted(london, "CRC-C12", dt.date(2025, 2, 3), due=dt.date(2025, 2, 6))
    due_in_april = crc_case()
    sifted(due_in_april, "CRC-C08", dt.date(2025, 3, 31), due=dt.date(2025, 4, 2))
    assert count(LATE_ALLOCATIONS, "C08") == 0
    assert count(LATE_ALLOCATIONS, "C12") == 1


def test_an_assignment_by_another_organisation_does_not_stop_the_crcs_clock():
    case = crc_case()
    sifted(case, "CRC-C08", dt.date(2025, 2, 3), due=dt.date(2025, 2, 6))
    assign(case, "NPS", dt.date(2025, 2, 4))
    assert count(LATE_ALLOCATIONS) == 1


def test_a_case_handed_on_before_the_due_day_restarts_the_clock():
    case = crc_case()
    sifted(case, "CRC-C08", dt.date(2025, 2, 3), due=dt.date(2025, 2, 6))
    sifted(case, "CRC-C12", dt.date(2025, 2, 5), due=dt.date(2025, 2, 10))
    assign(case, "CRC-C12", dt.date(2025, 2, 7))
    assert count(LATE_ALLOCATIONS, "C08") == 0
    assert count(LATE_ALLOCATIONS, "C12") == 0


def _referral(case: Any, org_code: str, *, due: dt.date, referred: dt.date, **kw: Any) -> Any:
    sentence = SentenceFactory(case=case)
    failure = ContactFactory(
        case=case,
        sentence=sentence,
        starts_at=at(due - dt.timedelta(days=14)),
        outcome="unacceptable_absence",
    )
    return BreachReferral.objects.create(
        case=case,
        sentence=sentence,
        failure=failure,
        reason="Second failure within 12 months of a warning",
        from_organisation=organisation(org_code),
        due_on=due,
        referred_at=at(referred, 16),
        **kw,
    )


@pytest.mark.parametrize(
    "referred, mandatory, expected",
    [
        (dt.date(2025, 2, 14), True, 0),  # on the due day
        (dt.date(2025, 2, 17), True, 1),  # after it
        (dt.date(2025, 2, 17), False, 0),  # a first failure the officer chose to refer
    ],
)
def test_a_mandatory_breach_referral_made_after_its_due_day_is_overdue(
    referred, mandatory, expected
):
    _referral(
        crc_case(), "CRC-C08", due=dt.date(2025, 2, 14), referred=referred, mandatory=mandatory
    )
    assert count(OVERDUE_BREACH_REFERRALS) == expected


def test_referrals_count_for_the_referring_crc_in_the_quarter_of_their_due_day():
    _referral(crc_case("C12"), "CRC-C12", due=dt.date(2025, 3, 28), referred=dt.date(2025, 4, 3))
    _referral(crc_case(), "CRC-C08", due=dt.date(2025, 4, 1), referred=dt.date(2025, 4, 9))
    nps = CaseFactory(responsible_organisation=organisation("NPS"))
    _referral(nps, "NPS", due=dt.date(2025, 2, 14), referred=dt.date(2025, 3, 1))
    assert count(OVERDUE_BREACH_REFERRALS, "C12") == 1
    assert count(OVERDUE_BREACH_REFERRALS, "C08") == 0


def _failure(case: Any, day: dt.date, *, warned_on: dt.date | None = None, **sentence: Any) -> Any:
    """A failure on ``day`` under a new order of ``case``, after a warning on ``warned_on``."""
    from probation.enforcement.models import WarningLetter

    order = SentenceFactory(case=case, **sentence)
    if warned_on is not None:
        earlier = ContactFactory(
            case=case,
            sentence=order,
            starts_at=at(warned_on - dt.timedelta(days=3)),
            outcome="unacceptable_absence",
        )
        WarningLetter.objects.create(
            case=case, sentence=order, failure=earlier, issued_on=warned_on, letter="Warning"
        )
    return ContactFactory(
        case=case, sentence=order, starts_at=at(day), outcome="unacceptable_absence"
    )


# A failure on Monday 3 February 2025: its referral is due 10 working days later, 17 February.
FAILED = dt.date(2025, 2, 3)


@pytest.mark.parametrize(
    "warned_on, measured_on, expected",
    [
        (dt.date(2024, 6, 1), AFTER, 1),  # a second failure within 12 months: never referred
        (dt.date(2024, 2, 3), AFTER, 1),  # the warning exactly 12 months before still counts
        (dt.date(2024, 2, 2), AFTER, 0),  # a day more: a warning was due, not a referral
        (None, AFTER, 0),  # a first failure: a warning is due
        (dt.date(2024, 6, 1), dt.date(2025, 2, 17), 0),  # the due day itself: not yet late
        (dt.date(2024, 6, 1), dt.date(2025, 2, 18), 1),
    ],
)
def test_a_failure_that_needed_a_referral_and_got_none_is_an_overdue_referral(
    warned_on, measured_on, expected
):
    case = crc_case()
    sifted(case, "CRC-C08", dt.date(2024, 1, 2))
    _failure(case, FAILED, warned_on=warned_on)
    assert count(OVERDUE_BREACH_REFERRALS, measured_on=measured_on) == expected


def test_a_failure_on_licence_or_during_an_open_breach_needs_no_referral():
    on_licence = crc_case()
    sifted(on_licence, "CRC-C08", dt.date(2024, 1, 2))
    _failure(
        on_licence,
        FAILED,
        warned_on=dt.date(2024, 6, 1),
        disposal="custody",
        release_date=dt.date(2024, 3, 1),
        licence_end=dt.date(2025, 9, 1),
        supervision_end=dt.date(2026, 3, 1),
    )
    in_breach = crc_case()
    sifted(in_breach, "CRC-C08", dt.date(2024, 1, 2))
    failure = _failure(in_breach, FAILED, warned_on=dt.date(2024, 6, 1))
    BreachReferral.objects.create(
        case=in_breach,
        sentence=failure.sentence,
        failure=ContactFactory(
            case=in_breach,
            sentence=failure.sentence,
            starts_at=at(dt.date(2025, 1, 10)),
            outcome="unacceptable_absence",
        ),
        reason="An earlier failure",
        from_organisation=organisation("CRC-C08"),
        due_on=dt.date(2025, 1, 24),
        referred_at=at(dt.date(2025, 1, 20)),
    )
    assert count(OVERDUE_BREACH_REFERRALS) == 0


def test_unreferred_failures_count_for_the_crc_responsible_then_and_are_listed():
    case = crc_case()
    sifted(case, "CRC-C08", dt.date(2024, 1, 2))
    _failure(case, FAILED, warned_on=dt.date(2024, 6, 1))
    sifted(case, "NPS", dt.date(2025, 2, 10))  # escalated after the failure
    nps = CaseFactory(responsible_organisation=organisation("NPS"))
    sifted(nps, "NPS", dt.date(2024, 1, 2))
    _failure(nps, FAILED, warned_on=dt.date(2024, 6, 1))
    late = crc_case()
    _referral(late, "CRC-C08", due=dt.date(2025, 2, 14), referred=dt.date(2025, 2, 20))
    assert count(OVERDUE_BREACH_REFERRALS) == 2
    rows = service_level_rows(
        kind=OVERDUE_BREACH_REFERRALS,
        quarter=Q1,
        measured_on=AFTER,
        contract_area_id=area("C08").pk,
    )
    by_crn = {row["crn"]: row for row in rows}
    assert set(by_crn) == {case.person.crn, late.person.crn}
    assert by_crn[case.person.crn]["referred_at"] is None
    assert by_crn[case.person.crn]["due_on"] == dt.date(2025, 2, 17)


def _first_appointment(case: Any, org_code: str, *, due: dt.date, held: dt.date | None) -> Any:
    sift = sifted(case, org_code, due - dt.timedelta(days=7))
    return FirstAppointment.objects.create(sift=sift, case=case, due_on=due, held_on=held)


@pytest.mark.parametrize(
    "held, measured_on, expected",
    [
        (dt.date(2025, 1, 20), AFTER, 0),  # on the due day
        (dt.date(2025, 1, 17), AFTER, 0),  # before it
        (dt.date(2025, 1, 21), AFTER, 1),  # held late
        (None, AFTER, 1),  # never held
        (None, dt.date(2025, 1, 20), 0),  # not yet due when measured
    ],
)
def test_a_first_appointment_not_held_by_its_due_day_is_missed(held, measured_on, expected):
    _first_appointment(crc_case(), "CRC-C08", due=dt.date(2025, 1, 20), held=held)
    assert count(MISSED_FIRST_APPOINTMENTS, measured_on=measured_on) == expected


def test_a_new_sift_before_the_due_day_starts_a_new_first_appointment_clock():
    case = crc_case()
    _first_appointment(case, "CRC-C08", due=dt.date(2025, 1, 20), held=None)
    sifted(case, "CRC-C12", dt.date(2025, 1, 16))
    nps = CaseFactory(responsible_organisation=organisation("NPS"))
    _first_appointment(nps, "NPS", due=dt.date(2025, 1, 20), held=None)
    assert count(MISSED_FIRST_APPOINTMENTS) == 0


def test_the_rows_behind_each_deduction_are_the_ones_counted():
    late = crc_case()
    sifted(late, "CRC-C08", dt.date(2025, 2, 3), due=dt.date(2025, 2, 6))
    assign(late, "CRC-C08", dt.date(2025, 2, 10))
    missed = crc_case()
    _first_appointment(missed, "CRC-C08", due=dt.date(2025, 1, 20), held=dt.date(2025, 1, 27))
    referred = crc_case()
    _referral(referred, "CRC-C08", due=dt.date(2025, 2, 14), referred=dt.date(2025, 2, 20))
    area_id = area("C08").pk
    for kind, case in (
        (LATE_ALLOCATIONS, late),
        (MISSED_FIRST_APPOINTMENTS, missed),
        (OVERDUE_BREACH_REFERRALS, referred),
    ):
        rows = list(
            service_level_rows(kind=kind, quarter=Q1, measured_on=AFTER, contract_area_id=area_id)
        )
        assert [row["crn"] for row in rows] == [case.person.crn]
        assert count(kind) == 1
    (row,) = service_level_rows(
        kind=LATE_ALLOCATIONS, quarter=Q1, measured_on=AFTER, contract_area_id=area_id
    )
    assert row["due_on"] == dt.date(2025, 2, 6)
    assert row["assigned_at"] == at(dt.date(2025, 2, 10), 11)
