"""Gaming indicators for a run (``probation.performance.indicators``): what is counted, from the
platform's records, and the judgements of ``probation.rules.gaming`` on them."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import polars as pl
import pytest

from probation.allocation.models import Escalation, Transfer
from probation.enforcement.models import BreachReferral, Recall
from probation.performance.indicators import (
    DAYS_A_MONTH,
    case_figures,
    early_exits,
    exits,
    indicator_flags,
)
from probation.performance.models import IndicatorFlag, PbrRun
from probation.risk.models import Assessment
from probation.rules import gaming
from probation.rules.reoffending import Quarter
from tests.factories import (
    CaseFactory,
    ContactFactory,
    SentenceFactory,
    UserFactory,
    area,
    organisation,
)

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
Q1 = Quarter.parse("2025Q1")


def at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=LONDON)


def _run() -> PbrRun:
    return PbrRun.objects.create(
        quarter=str(Q1),
        measured_on=dt.date(2026, 11, 30),
        provisional=True,
        data_fingerprint="0" * 64,
        engine_version="1.0.0",
    )


def _case(code: str = "C08", *, opened: dt.date = dt.date(2024, 6, 1), **kwargs: Any) -> Any:
    case = CaseFactory(
        responsible_organisation=organisation(f"CRC-{code}"), opened_on=opened, **kwargs
    )
    SentenceFactory(case=case, sentence_date=opened)
    return case


def _band(case: Any, band: str, on: dt.date = dt.date(2024, 6, 1)) -> None:
    Assessment.objects.create(
        case=case,
        assessed_on=on,
        report_type="fdr",
        rosh_public="low",
        rosh_known_adult="low",
        rosh_children="low",
        rosh_staff="low",
        ogrs3_band=band,
    )


def _contacts(case: Any, n: int, *, outcome: str = "attended_complied", **kwargs: Any) -> None:
    for i in range(n):
        ContactFactory(
            case=case,
            starts_at=at(dt.date(2025, 2, 3) + dt.timedelta(days=i)),
            outcome=outcome,
            **kwargs,
        )


def _figures(code: str) -> dict[str | None, dict[str, Any]]:
    return {r["band"]: r for r in case_figures(Q1) if r["contract_area_id"] == area(code).pk}


def test_contacts_that_took_place_in_the_quarter_by_band() -> None:
    low = _case()
    _band(low, "low")
    _band(low, "very_high", on=dt.date(2025, 4, 1))  # after the quarter: not the band judged
    _contacts(low, 3)
    _contacts(low, 1, outcome="attended_failed_to_comply")  # attended: it took place
    _contacts(low, 1, outcome="unacceptable_absence")  # did not take place
    _contacts(low, 1, outcome="")  # booked, not recorded
    _contacts(low, 1, contact_type="unpaid_work")  # follows the sentence, not the officer
    _contacts(low, 1, contact_type="phone")
    ContactFactory(case=low, starts_at=at(dt.date(2024, 12, 31), 23), outcome="attended_complied")
    ContactFactory(case=low, starts_at=at(dt.date(2025, 4, 1), 0), outcome="attended_complied")
    ContactFactory(case=low, starts_at=at(dt.date(2025, 1, 1), 0), outcome="attended_complied")
    high = _case(opened=dt.date(2025, 2, 15))  # open 14 + 31 = 45 days of the quarter
    _band(high, "high", on=dt.date(2025, 2, 15))
    _contacts(high, 2)
    unbanded = _case()
    _contacts(unbanded, 2)

    figures = _figures("C08")
    assert figures["low"]["contacts"] == 3 + 1 + 1 + 1
    assert figures["low"]["cases"] == 1
    assert figures["low"]["case_months"] == pytest.approx(90 / DAYS_A_MONTH)
    assert figures["high"]["contacts"] == 2
    assert figures["high"]["case_months"] == pytest.approx(45 / DAYS_A_MONTH)
    assert figures[None]["cases"] == 1


def test_only_crc_cases_open_in_the_quarter_are_counted() -> None:
    _band(_case(), "low")
    _band(_case(opened=dt.date(2025, 4, 1)), "low")  # opened after
    _band(_case(opened=dt.date(2024, 1, 1), closed_on=dt.date(2024, 12, 31)), "low")  # closed
    last_day = _case(opened=dt.date(2024, 1, 1), closed_on=dt.date(2025, 1, 1))
    _band(last_day, "low")
    nps = CaseFactory(responsible_organisation=organisation("NPS"), contract_area=area("C08"))
    _band(nps, "low")
    figures = _figures("C08")
    assert figures["low"]["cases"] == 2
    # One case the whole quarter, one for its first day.
    assert figures["low"]["case_months"] == pytest.approx(91 / DAYS_A_MONTH)


def _breach(case: Any, when: dt.datetime, from_code: str | None = None) -> None:
    order: Any = SentenceFactory(case=case)  # one open referral per order
    failure: Any = ContactFactory(case=case, sentence=order, outcome="unacceptable_absence")
    BreachReferral.objects.create(
        case=case,
        sentence=order,
        failure=failure,
        reason="Second failure.",
        from_organisation=organisation(from_code) if from_code else case.responsible_organisation,
        due_on=when.date(),
        referred_at=when,
    )


def _recall(case: Any, decided: dt.datetime, decision: str = "standard") -> None:
    Recall.objects.create(
        case=case,
        sentence=case.sentences.first(),
        reason="contact_lost",
        details="Not at the approved address.",
        from_organisation=case.responsible_organisation,
        decision_due_on=decided.date(),
        decision=decision,
        decided_at=decided,
        state="sent",
    )


def test_breached_and_recalled_cases_count_once_each() -> None:
    twice = _case()
    _breach(twice, at(dt.date(2025, 1, 1), 0))
    _breach(twice, at(dt.date(2025, 3, 31), 23))
    _breach(_case(), at(dt.date(2024, 12, 31), 23))  # before the quarter
    _breach(_case(), at(dt.date(2025, 2, 1)), from_code="NPS")  # not the CRC's referral
    recalled = _case()
    _recall(recalled, at(dt.date(2025, 2, 1)))
    _recall(_case(), at(dt.date(2025, 2, 1)), "no_recall")
    _recall(_case(), at(dt.date(2025, 4, 1), 0))
    [row] = _figures("C08").values()
    assert (row["cases"], row["breached"], row["recalled"]) == (6, 1, 1)


def _member(case: Any, index_date: dt.date, organisation_id: int | None = None) -> dict[str, Any]:
    return {
        "person_id": case.person.crn,
        "person_pk": case.person_id,
        "cohort": str(Q1),
        "contract_area": case.contract_area.code,
        "contract_area_id": case.contract_area_id,
        "organisation_id": organisation_id or case.responsible_organisation_id,
        "index_date": index_date,
        "index_kind": "community_order",
        "ogrs3_one_year": 40,
        "case_id": case.pk,
        "reoffences": 0,
    }


MEMBER_SCHEMA = {
    "person_id": pl.String,
    "person_pk": pl.Int64,
    "cohort": pl.String,
    "contract_area": pl.String,
    "contract_area_id": pl.Int64,
    "organisation_id": pl.Int64,
    "index_date": pl.Date,
    "index_kind": pl.String,
    "ogrs3_one_year": pl.Int64,
    "case_id": pl.Int64,
    "reoffences": pl.Int64,
}


def _frame(rows: list[dict[str, Any]]) -> pl.DataFrame:
    return pl.DataFrame(rows, schema=MEMBER_SCHEMA)


@pytest.mark.parametrize(
    "exit_on, counted",
    [
        (dt.date(2025, 1, 31), False),  # on the index date
        (dt.date(2025, 2, 1), True),
        (dt.date(2026, 1, 31), True),  # exactly 12 months after
        (dt.date(2026, 2, 1), False),  # one day later
    ],
)
def test_an_early_exit_is_within_the_follow_up(exit_on: dt.date, counted: bool) -> None:
    crc = organisation("CRC-C08").pk
    members = pl.DataFrame(
        [
            {
                "person_id": "A000001",
                "case_id": 1,
                "contract_area_id": 8,
                "organisation_id": crc,
                "index_date": dt.date(2025, 1, 31),
            }
        ]
    )
    exit_rows = pl.DataFrame(
        [{"case_id": 1, "exit_on": exit_on, "kind": "transfer", "from_organisation_id": crc}],
        schema={
            "case_id": pl.Int64,
            "exit_on": pl.Date,
            "kind": pl.String,
            "from_organisation_id": pl.Int64,
        },
    )
    counts = early_exits(members, exit_rows)[8]
    assert counts["members"] == 1
    assert counts["any"] == int(counted)
    assert counts["transfer"] == int(counted)


def test_exits_from_the_platforms_records() -> None:
    officer: Any = UserFactory(organisation=organisation("CRC-C08"))
    moved = _case()
    escalated = _case()
    ended = _case()
    stayed = _case()
    other_crc = _case()

    def transfer(case: Any, state: str, decided: dt.datetime, from_code: str = "CRC-C08") -> None:
        Transfer.objects.create(
            case=case,
            state=state,
            from_organisation=organisation(from_code),
            from_contract_area=area("C08"),
            to_organisation=organisation("CRC-C09"),
            to_contract_area=area("C09"),
            reason="Moved to Cheshire.",
            requested_by=officer,
            decision_due_on=decided.date(),
            decided_at=decided,
        )

    transfer(moved, "accepted", at(dt.date(2025, 6, 1)))
    transfer(moved, "accepted", at(dt.date(2025, 7, 1)))  # the same member again
    transfer(stayed, "rejected", at(dt.date(2025, 6, 1)))
    transfer(other_crc, "accepted", at(dt.date(2025, 6, 1)), from_code="CRC-C12")
    Escalation.objects.create(
        case=escalated,
        state="confirmed",
        trigger="rosh_high",
        from_organisation=organisation("CRC-C08"),
        reason="RoSH high.",
        review_due_on=dt.date(2025, 5, 2),
        decided_at=at(dt.date(2025, 5, 2)),
    )
    order = ended.sentences.get()
    order.status, order.ended_on = "terminated", dt.date(2025, 8, 1)
    order.save()

    rows = exits(Q1)
    # Every CRC's accepted transfers; the rejected one is not an exit.
    assert sorted(rows["kind"].to_list()) == [
        "escalation",
        "termination",
        "transfer",
        "transfer",
        "transfer",
    ]
    members = _frame(
        [_member(case, dt.date(2025, 2, 1)) for case in (moved, escalated, ended, stayed)]
        + [_member(other_crc, dt.date(2025, 2, 1))]
    )
    # The C12 transfer is not from the CRC whose cohort the member is in.
    counts = early_exits(members, rows)[area("C08").pk]
    assert counts == {
        "members": 5,
        "any": 3,
        "transfer": 1,
        "escalation": 1,
        "termination": 1,
    }


def test_one_flag_per_area_and_kind_unsaved_and_repeatable() -> None:
    run = _run()
    members = _frame([_member(_case(), dt.date(2025, 2, 1))])
    flags = indicator_flags(run=run, quarter=Q1, members=members)
    assert len(flags) == 21 * 4
    assert all(f.pk is None for f in flags)
    assert IndicatorFlag.objects.count() == 0
    assert [(f.contract_area.code, f.kind) for f in flags[:4]] == [
        ("C01", "parking"),
        ("C01", "breach_rate"),
        ("C01", "recall_rate"),
        ("C01", "early_exits"),
    ]
    again = indicator_flags(run=run, quarter=Q1, members=members)
    assert [(f.flagged, f.figures, f.explanation) for f in again] == [
        (f.flagged, f.figures, f.explanation) for f in flags
    ]
    IndicatorFlag.objects.bulk_create(flags)
    assert IndicatorFlag.objects.filter(run=run).count() == 84


def test_parking_is_flagged_with_its_figures() -> None:
    for _ in range(10):
        case = _case()
        _band(case, "low")
        _contacts(case, 4)
    for band in ("high", "very_high"):
        for _ in range(5):
            case = _case()
            _band(case, band)
            _contacts(case, 1)
    flags = indicator_flags(run=_run(), quarter=Q1, members=_frame([]))
    [parking] = [f for f in flags if f.contract_area.code == "C08" and f.kind == "parking"]
    assert parking.flagged
    assert parking.figures["low_contacts"] == 40
    assert parking.figures["high_contacts"] == 10
    assert parking.figures["high_cases"] == 10
    assert parking.explanation.startswith("High-likelihood cases had 0.3 contacts a month")
    # Other areas have no cases: not judged.
    other = next(f for f in flags if f.contract_area.code == "C01" and f.kind == "parking")
    assert not other.flagged and other.explanation.startswith("Not judged")


def test_breach_rates_are_judged_against_the_national_rate() -> None:
    # C08: all 12 cases breached; C09: none of 30. National rate 12 / 42 = 28.6 per 100.
    for _ in range(12):
        _breach(_case("C08"), at(dt.date(2025, 2, 1)))
    for _ in range(30):
        _case("C09")
    flags = {
        (f.contract_area.code, f.kind): f
        for f in indicator_flags(run=_run(), quarter=Q1, members=_frame([]))
    }
    high, low = flags["C08", "breach_rate"], flags["C09", "breach_rate"]
    assert high.figures["national_rate"] == pytest.approx(100 * 12 / 42, abs=1e-4)
    assert (high.figures["events"], high.figures["cases"]) == (12, 12)
    expected_high = gaming.funnel(events=12, cases=12, national_rate=100 * 12 / 42)
    expected_low = gaming.funnel(events=0, cases=30, national_rate=100 * 12 / 42)
    assert high.flagged is expected_high.flagged is True
    assert low.flagged is expected_low.flagged is True
    assert "above the upper control limit" in high.explanation
    assert "below the lower control limit" in low.explanation
    assert not flags["C08", "recall_rate"].flagged
