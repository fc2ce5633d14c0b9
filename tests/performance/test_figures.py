"""The public activity figures (performance/figures.py): what each figure counts, from records
made by hand, for every contract area, in a few queries."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probation.allocation.models import Assignment, SiftDecision
from probation.contracts.models import ContractArea
from probation.enforcement.models import BreachReferral, Recall, SeriousFurtherOffence
from probation.performance.figures import area_figures
from probation.performance.models import AreaFigures, PbrRun
from probation.rules.reoffending import Quarter
from tests.factories import ContactFactory, SentenceFactory, UserFactory, area, organisation

pytestmark = pytest.mark.django_db

Q1 = Quarter(2025, 1)
LONDON = timezone.get_default_timezone()


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def run() -> PbrRun:
    return PbrRun.objects.create(
        quarter=str(Q1),
        measured_on=dt.date(2025, 4, 1),
        provisional=True,
        data_fingerprint="0" * 64,
        engine_version="test",
    )


def figures_of(code: str) -> AreaFigures:
    return next(f for f in area_figures(run=run(), quarter=Q1) if f.contract_area.code == code)


def case_in(code: str, *, nps: bool = False, opened: dt.date, closed: dt.date | None = None) -> Any:
    owner = organisation("NPS") if nps else organisation(f"CRC-{code}")
    sentence = SentenceFactory(
        case__responsible_organisation=owner,
        case__contract_area=area(code),
        case__opened_on=opened,
        case__closed_on=closed,
        case__status="closed" if closed else "active",
    )
    return sentence.case


def sift(case: Any, *, decided: dt.datetime, due: dt.date | None, code: str) -> SiftDecision:
    return SiftDecision.objects.create(
        case=case,
        organisation=case.responsible_organisation,
        contract_area=area(code),
        reasons=[],
        facts={},
        policy_id="test",
        policy_version=1,
        trigger="sentence",
        decided_at=decided,
        assignment_due_on=due,
    )


def assign(case: Any, when: dt.datetime) -> Assignment:
    officer = UserFactory(organisation=case.responsible_organisation)
    return Assignment.objects.create(
        case=case,
        officer=officer,
        organisation=case.responsible_organisation,
        assigned_by=officer,
        assigned_at=when,
    )


def test_every_contract_area_has_figures_in_code_order_unsaved_and_zero_when_empty() -> None:
    the_run = run()
    figures = area_figures(run=the_run, quarter=Q1)
    assert [f.contract_area.code for f in figures] == list(
        ContractArea.objects.order_by("code").values_list("code", flat=True)
    )
    assert len(figures) == 21
    assert all(f.pk is None and f.run == the_run for f in figures)
    assert all(f.cases_in_quarter == 0 and f.serious_further_offences == 0 for f in figures)


@pytest.mark.parametrize(
    ("opened", "closed", "in_quarter", "at_end"),
    [
        pytest.param(dt.date(2024, 6, 1), None, 1, 1, id="open-throughout"),
        pytest.param(dt.date(2025, 3, 31), None, 1, 1, id="opened-on-the-last-day"),
        pytest.param(dt.date(2025, 4, 1), None, 0, 0, id="opened-after"),
        pytest.param(dt.date(2024, 6, 1), dt.date(2025, 1, 1), 1, 0, id="closed-on-the-first-day"),
        pytest.param(dt.date(2024, 6, 1), dt.date(2024, 12, 31), 0, 0, id="closed-before"),
        pytest.param(dt.date(2024, 6, 1), dt.date(2025, 3, 31), 1, 0, id="closed-on-the-last-day"),
        pytest.param(dt.date(2024, 6, 1), dt.date(2025, 4, 1), 1, 1, id="closed-after"),
    ],
)
def test_cases_in_the_quarter_and_the_caseload_at_its_end(
    opened: dt.date, closed: dt.date | None, in_quarter: int, at_end: int
) -> None:
    case_in("C03", opened=opened, closed=closed)
    figures = figures_of("C03")
    assert (figures.cases_in_quarter, figures.caseload_at_end) == (in_quarter, at_end)
    assert figures.crc_caseload_at_end == at_end
    assert figures.nps_caseload_at_end == 0


def test_the_caseload_is_split_between_the_crc_and_the_nps() -> None:
    for _ in range(3):
        case_in("C05", opened=dt.date(2024, 1, 1))
    for _ in range(2):
        case_in("C05", nps=True, opened=dt.date(2024, 1, 1))
    case_in("C06", nps=True, opened=dt.date(2024, 1, 1))
    figures = figures_of("C05")
    assert (figures.caseload_at_end, figures.crc_caseload_at_end, figures.nps_caseload_at_end) == (
        5,
        3,
        2,
    )


@pytest.mark.parametrize(
    ("assigned_on", "counted", "on_time"),
    [
        pytest.param(dt.date(2025, 2, 5), 1, 1, id="before-the-due-day"),
        pytest.param(dt.date(2025, 2, 7), 1, 1, id="on-the-due-day"),
        pytest.param(dt.date(2025, 2, 10), 1, 0, id="after-the-due-day"),
        pytest.param(dt.date(2025, 4, 1), 0, 0, id="in-the-next-quarter"),
    ],
)
def test_an_allocation_is_on_time_when_made_by_the_sifts_due_day(
    assigned_on: dt.date, counted: int, on_time: int
) -> None:
    case = case_in("C07", opened=dt.date(2025, 2, 3))
    sift(case, decided=at(dt.date(2025, 2, 4)), due=dt.date(2025, 2, 7), code="C07")
    assign(case, at(assigned_on))
    figures = figures_of("C07")
    assert (figures.allocations, figures.allocations_on_time) == (counted, on_time)


def test_late_in_the_evening_of_the_due_day_is_on_time_in_london() -> None:
    """23:30 on 7 July in London is 22:30 UTC: still the due day."""
    case = case_in("C07", opened=dt.date(2025, 7, 1))
    sift(case, decided=at(dt.date(2025, 7, 2)), due=dt.date(2025, 7, 7), code="C07")
    assign(case, dt.datetime(2025, 7, 7, 23, 30, tzinfo=LONDON))
    figures = next(
        f
        for f in area_figures(run=run(), quarter=Quarter(2025, 3))
        if f.contract_area.code == "C07"
    )
    assert (figures.allocations, figures.allocations_on_time) == (1, 1)


def test_only_the_first_assignment_after_each_sift_is_an_allocation_in_the_sifts_area() -> None:
    case = case_in("C08", opened=dt.date(2025, 1, 6))
    sift(case, decided=at(dt.date(2025, 1, 6)), due=dt.date(2025, 1, 9), code="C08")
    assign(case, at(dt.date(2025, 1, 8)))  # allocation, on time
    assign(case, at(dt.date(2025, 2, 20)))  # a new practitioner: not an allocation
    sift(case, decided=at(dt.date(2025, 3, 1)), due=dt.date(2025, 3, 5), code="C09")
    assign(case, at(dt.date(2025, 3, 10)))  # allocation after the second sift, late, in C09
    figures = {f.contract_area.code: f for f in area_figures(run=run(), quarter=Q1)}
    assert (figures["C08"].allocations, figures["C08"].allocations_on_time) == (1, 1)
    assert (figures["C09"].allocations, figures["C09"].allocations_on_time) == (1, 0)


def test_a_sift_without_a_due_day_is_not_judged() -> None:
    case = case_in("C08", opened=dt.date(2025, 1, 6))
    sift(case, decided=at(dt.date(2025, 1, 6)), due=None, code="C08")
    assign(case, at(dt.date(2025, 1, 8)))
    assert figures_of("C08").allocations == 0


def test_breaches_recalls_and_sfos_in_the_quarter() -> None:
    case = case_in("C10", opened=dt.date(2024, 1, 1))
    sentence = case.sentences.get()

    def breach(when: dt.datetime) -> None:
        order = SentenceFactory(case=case)  # one open referral per order
        BreachReferral.objects.create(
            case=case,
            sentence=order,
            failure=ContactFactory(case=case, sentence=order, outcome="unacceptable_absence"),
            reason="Second failure.",
            from_organisation=case.responsible_organisation,
            due_on=when.date(),
            referred_at=when,
        )

    def recall(decided: dt.datetime | None, decision: str) -> None:
        Recall.objects.create(
            case=case,
            sentence=sentence,
            reason="contact_lost",
            details="Not at the approved address.",
            from_organisation=case.responsible_organisation,
            decision_due_on=dt.date(2025, 1, 1),
            decision=decision,
            decided_at=decided,
            state="sent" if decided else "requested",
        )

    def sfo(charged: dt.date, code: str) -> None:
        SeriousFurtherOffence.objects.create(
            case=case,
            offence_description="Wounding with intent",
            charged_on=charged,
            organisation=case.responsible_organisation,
            contract_area=area(code),
            notification_due_on=charged,
        )

    breach(at(dt.date(2025, 1, 1), hour=0))
    breach(at(dt.date(2025, 3, 31), hour=23))
    breach(at(dt.date(2024, 12, 31), hour=23))  # previous quarter
    recall(at(dt.date(2025, 2, 1)), "standard")
    recall(at(dt.date(2025, 2, 2)), "fixed_term")
    recall(at(dt.date(2025, 2, 3)), "no_recall")  # not a recall
    recall(at(dt.date(2025, 4, 1)), "standard")  # next quarter
    sfo(dt.date(2025, 3, 31), "C10")
    sfo(dt.date(2025, 2, 1), "C11")  # the SFO's own area, not the case's
    sfo(dt.date(2025, 4, 1), "C10")
    figures = {f.contract_area.code: f for f in area_figures(run=run(), quarter=Q1)}
    assert (figures["C10"].breach_referrals, figures["C10"].recalls) == (2, 2)
    assert figures["C10"].serious_further_offences == 1
    assert figures["C11"].serious_further_offences == 1


def test_the_whole_country_takes_a_fixed_handful_of_queries() -> None:
    for code in ("C01", "C02", "C03"):
        case = case_in(code, opened=dt.date(2025, 1, 6))
        sift(case, decided=at(dt.date(2025, 1, 6)), due=dt.date(2025, 1, 9), code=code)
        assign(case, at(dt.date(2025, 1, 8)))
    the_run = run()
    with CaptureQueriesContext(connection) as queries:
        figures = area_figures(run=the_run, quarter=Q1)
        codes = [f.contract_area.code for f in figures]
    assert len(queries) == 6
    assert codes[:3] == ["C01", "C02", "C03"]
    assert [f.allocations for f in figures[:4]] == [1, 1, 1, 0]


def test_the_same_data_gives_the_same_figures() -> None:
    case = case_in("C04", opened=dt.date(2025, 1, 6))
    sift(case, decided=at(dt.date(2025, 1, 6)), due=dt.date(2025, 1, 9), code="C04")
    assign(case, at(dt.date(2025, 1, 12)))
    the_run = run()

    def values() -> list[tuple[Any, ...]]:
        return [
            (f.contract_area_id, f.cases_in_quarter, f.allocations, f.allocations_on_time)
            for f in area_figures(run=the_run, quarter=Q1)
        ]

    assert values() == values()
