"""Fee for service (performance/fees.py): the activity each CRC recorded in a quarter, month by
month, counted for the CRC responsible at the time, and the rows behind each figure."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from probation.allocation.models import SiftDecision
from probation.courts.models import Requirement
from probation.performance.fees import (
    LICENCES_MANAGED,
    ORDERS_MANAGED,
    PROGRAMME_COMPLETIONS,
    RESETTLEMENT_PLANS,
    UNPAID_WORK_HOURS,
    Month,
    fee_activity,
    fee_rows,
    months_of,
)
from probation.rules.reoffending import Quarter
from probation.supervision.models import Contact, SentencePlan
from tests.factories import CaseFactory, SentenceFactory, area, organisation

pytestmark = pytest.mark.django_db

Q1 = Quarter(2025, 1)
LONDON = timezone.get_default_timezone()


def at(day: dt.date, hour: int = 10, minute: int = 0) -> dt.datetime:
    """A moment of ``day`` in Europe/London."""
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=LONDON)


def sifted(case: Any, org_code: str, day: dt.date, *, due: dt.date | None = None) -> SiftDecision:
    """The case handed to ``org_code`` on ``day`` (a sift decision made by hand)."""
    org = organisation(org_code)
    return SiftDecision.objects.create(
        case=case,
        organisation=org,
        contract_area=org.contract_area or case.contract_area,
        reasons=[["test", "Made by hand in a test"]],
        facts={},
        policy_id="test",
        policy_version=1,
        trigger="test",
        decided_at=at(day, 9),
        assignment_due_on=due,
    )


def crc_case(code: str = "C08", *, sifted_on: dt.date = dt.date(2024, 12, 2)) -> Any:
    case = CaseFactory(
        responsible_organisation=organisation(f"CRC-{code}"), contract_area=area(code)
    )
    sifted(case, f"CRC-{code}", sifted_on)
    return case


def order(case: Any, starts: dt.date, ends: dt.date | None, **kwargs: Any) -> Any:
    return SentenceFactory(
        case=case, sentence_date=starts, expected_end_date=ends, length_days=None, **kwargs
    )


def licence(case: Any, *, sentenced: dt.date, released: dt.date, **kwargs: Any) -> Any:
    return SentenceFactory(
        case=case,
        disposal="custody",
        sentence_date=sentenced,
        release_date=released,
        expected_end_date=None,
        **kwargs,
    )


def contact(case: Any, kind: str, when: dt.datetime, **kwargs: Any) -> Contact:
    return Contact.objects.create(
        case=case,
        contact_type=kind,
        starts_at=when,
        ends_at=when + dt.timedelta(hours=1),
        **kwargs,
    )


def by_month(kind: str, code: str) -> list[Decimal]:
    activity = fee_activity(quarter=Q1)
    area_id = area(code).pk
    return [activity.get((area_id, kind, str(m)), Decimal(0)) for m in months_of(Q1)]


@pytest.mark.parametrize(
    "text, expected",
    [("2025-01", Month(2025, 1)), ("2024-12", Month(2024, 12))],
)
def test_a_month_is_read_from_its_label(text, expected):
    assert Month.parse(text) == expected and str(expected) == text


@pytest.mark.parametrize(
    "text", ["2025-13", "2025-00", "2025-1", "25-01", "", "2025-01x", "x" * 500]
)
def test_a_bad_month_is_a_value_error(text):
    with pytest.raises(ValueError):
        Month.parse(text)


def test_the_quarter_has_three_months_ending_on_its_last_day():
    months = months_of(Quarter(2024, 1))
    assert [str(m) for m in months] == ["2024-01", "2024-02", "2024-03"]
    assert months[1].ends_on == dt.date(2024, 2, 29)
    assert months[-1].ends_on == Quarter(2024, 1).ends_on


def test_orders_managed_are_case_months_of_an_active_order():
    running = crc_case()
    order(running, dt.date(2024, 12, 9), dt.date(2025, 2, 10))  # January and February
    ended_early = crc_case()
    order(
        ended_early,
        dt.date(2024, 11, 1),
        dt.date(2025, 11, 1),
        status="terminated",
        ended_on=dt.date(2025, 1, 31),
    )  # January only: ended by the court
    two_orders = crc_case()
    order(two_orders, dt.date(2025, 3, 1), None, disposal="suspended_sentence_order")
    order(two_orders, dt.date(2025, 3, 10), dt.date(2026, 3, 9))  # one case in March, not two
    starts_later = crc_case()
    order(starts_later, dt.date(2025, 4, 1), dt.date(2026, 4, 1))
    assert by_month(ORDERS_MANAGED, "C08") == [2, 1, 1]


def test_a_case_counts_for_the_crc_responsible_at_the_months_end():
    moved = crc_case("C08", sifted_on=dt.date(2025, 1, 15))
    order(moved, dt.date(2025, 1, 14), dt.date(2026, 1, 13))
    sifted(moved, "CRC-C12", dt.date(2025, 2, 20))  # an accepted transfer
    nps = CaseFactory(responsible_organisation=organisation("NPS"), contract_area=area("C08"))
    sifted(nps, "NPS", dt.date(2024, 12, 2))
    order(nps, dt.date(2024, 12, 1), None)
    escalated = crc_case("C08")
    order(escalated, dt.date(2024, 12, 1), None)
    sifted(escalated, "NPS", dt.date(2025, 3, 31))  # the NPS from the last day of March
    assert by_month(ORDERS_MANAGED, "C08") == [2, 1, 0]
    assert by_month(ORDERS_MANAGED, "C12") == [0, 1, 1]


def test_licences_run_from_release_to_the_end_of_supervision():
    released = crc_case(sifted_on=dt.date(2025, 1, 20))
    licence(
        released,
        sentenced=dt.date(2024, 8, 1),
        released=dt.date(2025, 2, 3),
        licence_end=dt.date(2025, 5, 1),
        supervision_end=dt.date(2026, 2, 3),
    )
    ended = crc_case()
    licence(
        ended,
        sentenced=dt.date(2023, 1, 1),
        released=dt.date(2024, 1, 1),
        licence_end=dt.date(2025, 1, 20),
    )  # no post-sentence supervision: January only
    in_prison = crc_case()
    licence(in_prison, sentenced=dt.date(2024, 1, 1), released=dt.date(2025, 4, 2))
    assert by_month(LICENCES_MANAGED, "C08") == [1, 1, 1]
    assert by_month(ORDERS_MANAGED, "C08") == [0, 0, 0]


def test_unpaid_work_hours_are_the_hours_credited_in_the_month_by_london_time():
    case = crc_case()
    contact(case, "unpaid_work", at(dt.date(2025, 1, 11)), hours_credited=Decimal("3.50"))
    contact(case, "unpaid_work", at(dt.date(2025, 1, 31), 23, 30), hours_credited=Decimal("2"))
    # 23:30 UTC on 31 March is already April in London (British Summer Time began on 30
    # March); 22:30 UTC is still March.
    late = dt.datetime(2025, 3, 31, 23, 30, tzinfo=dt.UTC)
    contact(case, "unpaid_work", late, hours_credited=Decimal("4"))
    contact(case, "unpaid_work", late - dt.timedelta(hours=1), hours_credited=Decimal("1.25"))
    contact(case, "unpaid_work", at(dt.date(2025, 2, 3)), outcome="unacceptable_absence")
    contact(case, "supervision", at(dt.date(2025, 2, 3), 14))
    nps = CaseFactory(responsible_organisation=organisation("NPS"))
    sifted(nps, "NPS", dt.date(2024, 12, 1))
    contact(nps, "unpaid_work", at(dt.date(2025, 2, 4)), hours_credited=Decimal("6"))
    assert by_month(UNPAID_WORK_HOURS, "C08") == [Decimal("5.50"), 0, Decimal("1.25")]


def test_hours_before_the_case_came_to_the_crc_are_not_its_hours():
    case = crc_case(sifted_on=dt.date(2025, 2, 1))
    contact(case, "unpaid_work", at(dt.date(2025, 1, 20)), hours_credited=Decimal("3"))
    contact(case, "unpaid_work", at(dt.date(2025, 2, 1), 15), hours_credited=Decimal("2"))
    assert by_month(UNPAID_WORK_HOURS, "C08") == [0, Decimal("2"), 0]


def _programme(case: Any, sessions: int) -> Requirement:
    sentence = order(case, dt.date(2024, 12, 1), None)
    return Requirement.objects.create(sentence=sentence, kind="programme", amount=sessions)


def test_a_programme_is_completed_by_its_last_ordered_session_attended():
    case = crc_case()
    requirement = _programme(case, 3)
    for day, outcome in (
        (dt.date(2025, 1, 10), "attended_complied"),
        (dt.date(2025, 2, 5), "attended_complied"),
        (dt.date(2025, 2, 12), "unacceptable_absence"),
        (dt.date(2025, 2, 19), "attended_failed_to_comply"),
        (dt.date(2025, 3, 3), "attended_complied"),  # the third: completed in March
        (dt.date(2025, 4, 3), "attended_complied"),  # beyond the order: no second completion
    ):
        contact(case, "programme", at(day), requirement=requirement, outcome=outcome)
    unfinished = crc_case()
    other = _programme(unfinished, 3)
    for day in (dt.date(2025, 1, 8), dt.date(2025, 1, 15)):
        contact(unfinished, "programme", at(day), requirement=other, outcome="attended_complied")
    assert by_month(PROGRAMME_COMPLETIONS, "C08") == [0, 0, 1]
    rows = list(
        fee_rows(kind=PROGRAMME_COMPLETIONS, month=Month(2025, 3), contract_area_id=area("C08").pk)
    )
    assert [(r["crn"], r["sessions"]) for r in rows] == [(case.person.crn, 3)]


def test_a_resettlement_plan_is_one_agreed_before_release():
    planned = crc_case(sifted_on=dt.date(2025, 1, 30))
    licence(planned, sentenced=dt.date(2024, 6, 1), released=dt.date(2025, 2, 14))
    SentencePlan.objects.create(case=planned, agreed_on=dt.date(2025, 2, 1))
    after = crc_case(sifted_on=dt.date(2025, 1, 30))
    licence(after, sentenced=dt.date(2024, 6, 1), released=dt.date(2025, 2, 14))
    SentencePlan.objects.create(case=after, agreed_on=dt.date(2025, 2, 20))
    unagreed = crc_case(sifted_on=dt.date(2025, 1, 30))
    licence(unagreed, sentenced=dt.date(2024, 6, 1), released=dt.date(2025, 3, 3))
    SentencePlan.objects.create(case=unagreed)
    assert by_month(RESETTLEMENT_PLANS, "C08") == [0, 1, 0]
    rows = fee_rows(kind=RESETTLEMENT_PLANS, month=Month(2025, 2), contract_area_id=area("C08").pk)
    assert [(r["crn"], r["plan_agreed_on"]) for r in rows] == [
        (planned.person.crn, dt.date(2025, 2, 1))
    ]


def test_the_rows_behind_a_figure_are_the_ones_counted():
    cases = [crc_case() for _ in range(3)]
    for case in cases:
        order(case, dt.date(2025, 1, 5), None)
    elsewhere = crc_case("C12")
    order(elsewhere, dt.date(2025, 1, 5), None)
    rows = list(
        fee_rows(kind=ORDERS_MANAGED, month=Month(2025, 1), contract_area_id=area("C08").pk)
    )
    assert [r["crn"] for r in rows] == sorted(c.person.crn for c in cases)
    assert by_month(ORDERS_MANAGED, "C08")[0] == len(rows)
    assert rows[0]["sentence_kind"] == "community_order"
    assert rows[0]["sentence_starts"] == dt.date(2025, 1, 5)


def test_activity_is_counted_in_one_query_a_kind_and_month(django_assert_num_queries):
    for _ in range(3):
        order(crc_case(), dt.date(2025, 1, 5), None)
    with django_assert_num_queries(15):
        fee_activity(quarter=Q1)
