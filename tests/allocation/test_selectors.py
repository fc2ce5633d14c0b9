"""The unallocated list and the choice of practitioners (docs/domain/allocation.md §2,
docs/domain/workload.md)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from probation.allocation.selectors import (
    case_type_of,
    practitioner_choices,
    unallocated_cases,
    unallocated_page,
)
from probation.allocation.services import case_sift
from probation.rules import workload
from tests.allocation.helpers import assess, manager_of, practitioner_of
from tests.factories import CaseFactory, SentenceFactory, organisation

pytestmark = pytest.mark.django_db


def _held_by(officer, tier: str, disposal: str = "community_order", **sentence) -> None:
    case = CaseFactory(
        responsible_organisation=officer.organisation, responsible_officer=officer, tier=tier
    )
    SentenceFactory(case=case, disposal=disposal, **sentence)


@pytest.mark.parametrize(
    ("disposals", "expected"),
    [
        ([], "community"),
        ([("community_order", None)], "community"),
        ([("suspended_sentence_order", None)], "community"),
        ([("custody", None)], "custody"),
        ([("custody", dt.date(2099, 1, 1))], "custody"),
        ([("custody", dt.date(2024, 1, 1))], "licence"),
        ([("community_order", None), ("custody_extended", dt.date(2024, 1, 1))], "licence"),
    ],
)
def test_the_workload_case_type_comes_from_the_active_sentences(disposals, expected):
    assert case_type_of(disposals, today=dt.date(2025, 6, 1)) == expected


def test_the_unallocated_list_is_overdue_first_then_by_due_date_then_tier(
    crc_manager, court_officer
):
    at = dt.datetime(2026, 11, 16, 9, tzinfo=dt.UTC)

    def sifted(tier: str, due: dt.date | None, days: int = 0):
        case = CaseFactory(responsible_organisation=organisation("CRC-C08"), tier=tier)
        assess(case)
        sift = case_sift(case=case, by_user=court_officer, trigger="sentence")
        # As if the sift had been made earlier: its row, and the clock it set on the case.
        type(sift).objects.filter(pk=sift.pk).update(
            decided_at=at + dt.timedelta(days=days), assignment_due_on=due
        )
        type(case).objects.filter(pk=case.pk).update(
            awaiting_since=at + dt.timedelta(days=days), assignment_due_on=due
        )
        return case

    due_today = sifted("B2", dt.date(2026, 11, 30))
    overdue_late = sifted("D0", dt.date(2026, 11, 20))
    later_c = sifted("C2", dt.date(2026, 12, 2), days=-5)
    overdue_early = sifted("C1", dt.date(2026, 11, 18), days=3)
    later_a = sifted("A3", dt.date(2026, 12, 2))
    before_the_clocks = sifted("A3", None)
    never = CaseFactory(responsible_organisation=organisation("CRC-C08"), tier="A3")
    CaseFactory(
        responsible_organisation=organisation("CRC-C08"),
        responsible_officer=practitioner_of("CRC-C08"),
    )
    CaseFactory(responsible_organisation=organisation("CRC-C12"))
    CaseFactory(responsible_organisation=organisation("CRC-C08"), status="closed")
    cases = list(unallocated_cases(for_user=crc_manager, today=dt.date(2026, 11, 30)))
    assert cases == [
        overdue_early,
        overdue_late,
        due_today,
        later_a,
        later_c,
        before_the_clocks,
        never,
    ]
    assert [c.is_overdue for c in cases] == [True, True] + [False] * 5
    assert cases[2].assignment_due_on == dt.date(2026, 11, 30)  # due today: not yet overdue
    assert cases[-1].assignment_due_on is None
    listed = unallocated_page(
        for_user=crc_manager, number=1, page_size=5, today=dt.date(2026, 11, 30)
    )
    page = listed.page
    assert list(page) == cases[:5] and page.paginator.count == 7 and listed.overdue == 2
    assert page[0].sift_history[0].reasons[0][0] == "crc-default"
    assert page[0].person.crn == overdue_early.person.crn
    last = unallocated_page(
        for_user=crc_manager, number=2, page_size=5, today=dt.date(2026, 11, 30)
    ).page
    assert list(last) == cases[5:] and last[-1].sift_history == []
    earlier = unallocated_page(
        for_user=crc_manager, number=1, page_size=5, today=dt.date(2026, 11, 18)
    )
    assert earlier.overdue == 0


def test_practitioner_choices_show_workload_and_capacity_sorted_by_grade_then_capacity(
    unallocated_case, crc_manager
):
    busy_po = practitioner_of("CRC-C08", grade="PO")
    idle_po = practitioner_of("CRC-C08", grade="PO")
    pso = practitioner_of("CRC-C08", grade="PSO")
    pqip = practitioner_of("CRC-C08", grade="PQiP", reduction_hours=Decimal("1.8"))
    for _ in range(3):
        _held_by(busy_po, "A3")
    _held_by(busy_po, "B1", disposal="custody", release_date=dt.date(2099, 1, 1))
    _held_by(pqip, "C2")
    practitioner_of("CRC-C12")  # another organisation's
    practitioner_of("CRC-C08", is_active=False)
    manager_of("CRC-C08")  # not a practitioner
    rows = practitioner_choices(case=unallocated_case, for_user=crc_manager)
    assert [r.officer for r in rows] == [idle_po, busy_po, pso, pqip]
    busy = rows[1]
    points = 3 * 206 + 47
    assert (busy.cases, busy.points) == (4, points)
    assert (
        busy.capacity_now
        == workload.capacity(
            grade="PO", total_points=points, contracted_hours=37, reduction_hours=0
        ).capacity_percent
    )
    assert (
        busy.capacity_after
        == workload.capacity(
            grade="PO", total_points=points + 63, contracted_hours=37, reduction_hours=0
        ).capacity_percent
    )
    assert rows[3].capacity_now == workload.percent_of(63, 2070)
    assert all(r.eligible and not r.reason for r in rows)


def test_a_pso_is_listed_as_not_eligible_with_the_reason(unallocated_case, crc_manager):
    assess(unallocated_case, rosh="high")
    practitioner_of("CRC-C08", grade="PO")
    practitioner_of("CRC-C08", grade="PSO")
    rows = practitioner_choices(case=unallocated_case, for_user=crc_manager)
    assert [(r.grade, r.eligible) for r in rows] == [("PO", True), ("PSO", False)]
    assert rows[1].reason == "A PSO may not hold a case with RoSH is high"


def test_over_capacity_is_flagged(unallocated_case, crc_manager):
    officer = practitioner_of("CRC-C08", contracted_hours=Decimal("4"))
    _held_by(officer, "A3")  # 206 of 235 points: 87.7 %, then 114.5 % with this case
    [row] = practitioner_choices(case=unallocated_case, for_user=crc_manager)
    assert (row.capacity_now, row.capacity_after) == (87.7, 114.5)
    assert row.over_capacity and row.eligible


def _queries(case, manager) -> int:
    with CaptureQueriesContext(connection) as queries:
        practitioner_choices(case=case, for_user=manager)
    return len(queries)


def test_the_choice_of_practitioners_takes_a_fixed_number_of_queries(unallocated_case, crc_manager):
    for _ in range(2):
        _held_by(practitioner_of("CRC-C08"), "B2")
    _queries(unallocated_case, crc_manager)  # the manager's roles are read once, then kept
    small = _queries(unallocated_case, crc_manager)
    for grade in ["PO", "PSO", "PQiP"] * 5:
        officer = practitioner_of("CRC-C08", grade=grade)
        _held_by(officer, "C1")
        _held_by(officer, "A0", disposal="custody", release_date=dt.date(2020, 1, 1))
    assert _queries(unallocated_case, crc_manager) == small


def test_the_unallocated_list_takes_a_fixed_number_of_queries(crc_manager, court_officer):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            for case in unallocated_page(for_user=crc_manager, number=1, page_size=50).page:
                _ = case.person.crn, case.sift_history, case.assignment_due_on, case.is_overdue
        return len(queries)

    def add() -> None:
        case = CaseFactory(responsible_organisation=organisation("CRC-C08"))
        assess(case)
        case_sift(case=case, by_user=court_officer, trigger="sentence")

    add()
    count()  # the manager's roles are read once, then kept
    small = count()
    for _ in range(10):
        add()
    assert count() == small


def test_a_practitioner_of_another_crc_gets_no_choices(unallocated_case):
    assert practitioner_choices(case=unallocated_case, for_user=manager_of("CRC-C12")) == []
