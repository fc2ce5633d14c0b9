"""The read-only extract: who is in a quarter's cohort, with which index date, organisation and
OGRS3 score, and which offences come with them (docs/domain/reoffending-and-payment.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from probation.allocation.models import SiftDecision
from probation.performance.extract import quarter_extract
from probation.performance.models import ProvenOffence
from probation.risk.models import Assessment
from probation.rules.reoffending import Quarter
from tests.factories import CaseFactory, SentenceFactory, area, organisation

pytestmark = pytest.mark.django_db

Q1 = Quarter.parse("2025Q1")
MEASURED_ON = dt.date(2026, 11, 30)


def _sift(case: Any, org_code: str, day: dt.date) -> None:
    SiftDecision.objects.create(
        case=case,
        organisation=organisation(org_code),
        contract_area=case.contract_area,
        reasons=[],
        facts={},
        policy_id="test",
        policy_version=1,
        trigger="sentence",
        decided_at=timezone.make_aware(dt.datetime.combine(day, dt.time(11))),
    )


def _assess(case: Any, day: dt.date, ogrs3: int) -> None:
    Assessment.objects.create(
        case=case,
        assessed_on=day,
        report_type="fdr",
        rosh_public="low",
        rosh_known_adult="low",
        rosh_children="low",
        rosh_staff="low",
        ogrs3_one_year=ogrs3,
    )


def _order(day: dt.date, *, org: str = "CRC-C08", disposal: str = "community_order") -> Any:
    sentence = SentenceFactory(sentence_date=day, disposal=disposal)
    _sift(sentence.case, org, day)
    return sentence


def _rows(extract: Any) -> dict[str, dict[str, Any]]:
    return {row["person_id"]: row for row in extract.cohort.iter_rows(named=True)}


def test_orders_started_in_the_quarter_are_index_events_on_their_sentence_date() -> None:
    inside = _order(dt.date(2025, 1, 1))
    last_day = _order(dt.date(2025, 3, 31), disposal="suspended_sentence_order")
    _order(dt.date(2024, 12, 31))
    _order(dt.date(2025, 4, 1))
    rows = _rows(quarter_extract(quarter=Q1, measured_on=MEASURED_ON))
    assert set(rows) == {inside.case.person.crn, last_day.case.person.crn}
    assert rows[inside.case.person.crn]["index_date"] == dt.date(2025, 1, 1)
    assert rows[inside.case.person.crn]["index_kind"] == "community_order"
    assert rows[last_day.case.person.crn]["index_kind"] == "suspended_sentence_order"
    assert rows[inside.case.person.crn]["cohort"] == "2025Q1"
    assert rows[inside.case.person.crn]["contract_area"] == "C08"


def test_a_release_onto_licence_is_an_index_event_on_its_release_date_once_it_happened() -> None:
    released = SentenceFactory(
        disposal="custody",
        sentence_date=dt.date(2024, 6, 1),
        release_date=dt.date(2025, 2, 10),
        licence_end=dt.date(2025, 12, 1),
    )
    _sift(released.case, "CRC-C08", dt.date(2025, 1, 30))
    rows = _rows(quarter_extract(quarter=Q1, measured_on=MEASURED_ON))
    assert rows[released.case.person.crn]["index_date"] == dt.date(2025, 2, 10)
    assert rows[released.case.person.crn]["index_kind"] == "licence"
    # Measured before the release happened, it is not yet an index event.
    early = quarter_extract(quarter=Q1, measured_on=dt.date(2025, 2, 9))
    assert released.case.person.crn not in _rows(early)


def test_only_cases_the_crc_supervised_at_the_index_event_are_in_the_cohort() -> None:
    crc = _order(dt.date(2025, 2, 3))
    nps = _order(dt.date(2025, 2, 3), org="NPS")
    # Sifted to the CRC, later escalated to the NPS: still the CRC's cohort member.
    moved = _order(dt.date(2025, 2, 3))
    _sift(moved.case, "NPS", dt.date(2025, 6, 1))
    rows = _rows(quarter_extract(quarter=Q1, measured_on=MEASURED_ON))
    assert crc.case.person.crn in rows
    assert nps.case.person.crn not in rows
    assert rows[moved.case.person.crn]["organisation_id"] == organisation("CRC-C08").pk


def test_the_ogrs3_score_is_the_latest_before_the_index_date_else_the_first_after() -> None:
    before = _order(dt.date(2025, 2, 3))
    _assess(before.case, dt.date(2025, 1, 10), 40)
    _assess(before.case, dt.date(2025, 1, 20), 45)
    _assess(before.case, dt.date(2025, 5, 1), 70)
    after = _order(dt.date(2025, 2, 3))
    _assess(after.case, dt.date(2025, 2, 20), 33)
    unscored = _order(dt.date(2025, 2, 3))
    rows = _rows(quarter_extract(quarter=Q1, measured_on=MEASURED_ON))
    assert rows[before.case.person.crn]["ogrs3_one_year"] == 45
    assert rows[after.case.person.crn]["ogrs3_one_year"] == 33
    assert rows[unscored.case.person.crn]["ogrs3_one_year"] is None


def test_offences_that_may_count_come_with_the_cohort_and_no_others() -> None:
    member = _order(dt.date(2025, 2, 3))
    outsider = CaseFactory(contract_area=area("C08"))
    person = member.case.person

    def offence(who: Any, committed: dt.date, proven: dt.date) -> None:
        ProvenOffence.objects.create(
            person=who,
            offence_date=committed,
            proven_date=proven,
            proven_by="conviction",
            source="test",
        )

    offence(person, dt.date(2025, 5, 1), dt.date(2025, 7, 1))
    offence(person, dt.date(2025, 5, 1), dt.date(2027, 1, 1))  # proven after measured_on
    offence(person, dt.date(2024, 12, 1), dt.date(2025, 1, 5))  # before the quarter
    offence(outsider.person, dt.date(2025, 5, 1), dt.date(2025, 7, 1))
    extract = quarter_extract(quarter=Q1, measured_on=MEASURED_ON)
    assert extract.offences.rows() == [(person.crn, dt.date(2025, 5, 1), dt.date(2025, 7, 1))]
