"""Custody dates against sentences.md ("Custody dates")."""

from __future__ import annotations

import contextlib
from datetime import date, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probation.rules.custody import CustodyDates, CustodyFacts, custody_dates

SD = date(2016, 3, 1)  # a sentence date after the Offender Rehabilitation Act 2014 commenced


def dates(**overrides: Any) -> CustodyDates:
    values: dict[str, Any] = {
        "sentence_date": SD,
        "length_days": 184,
        "offence_date": date(2016, 1, 10),
        "date_of_birth": date(1980, 5, 5),
    }
    values.update(overrides)
    return custody_dates(CustodyFacts(**values))


def test_six_month_sentence_licence_then_supervision() -> None:
    # 1 Mar 2016 to 31 Aug 2016 inclusive is 184 days (6 months).
    # release = 1 Mar + ceil(184/2) - 1 = 1 Mar + 91 days = 31 May 2016
    # sed     = 1 Mar + 183 days = 31 Aug 2016
    # supervision to 31 May 2016 + 12 months = 31 May 2017
    d = dates()
    assert d.release_date == date(2016, 5, 31)
    assert d.sentence_expiry_date == date(2016, 8, 31)
    assert d.licence_end == date(2016, 8, 31)
    assert d.supervision_end == date(2017, 5, 31)
    # "about 3 months on licence then about 9 months of supervision"
    assert (d.licence_end - d.release_date).days == 92
    assert (d.supervision_end - d.licence_end).days == 273


def test_eighteen_month_sentence_licence_then_supervision() -> None:
    # 1 Mar 2016 to 31 Aug 2017 inclusive is 549 days (18 months).
    # release = 1 Mar 2016 + 275 - 1 days = 30 Nov 2016; sed = 31 Aug 2017;
    # supervision to 30 Nov 2017: "about 9 months of licence then 3 of supervision".
    d = dates(length_days=549)
    assert d.release_date == date(2016, 11, 30)
    assert d.sentence_expiry_date == date(2017, 8, 31)
    assert d.licence_end == date(2017, 8, 31)
    assert d.supervision_end == date(2017, 11, 30)


def test_pre_2015_offence_under_12_months_has_no_licence() -> None:
    d = dates(
        sentence_date=date(2015, 3, 2),
        offence_date=date(2015, 1, 31),
        length_days=180,
    )
    # release = 2 Mar 2015 + 90 - 1 days = 30 May 2015
    assert d.release_date == date(2015, 5, 30)
    assert d.sentence_expiry_date == date(2015, 8, 28)
    assert d.licence_end is None
    assert d.supervision_end is None
    assert any("unconditional release" in r for r in d.reasons)


def test_pre_2015_offence_of_12_months_has_licence_but_no_supervision() -> None:
    d = dates(sentence_date=date(2015, 3, 2), offence_date=date(2014, 6, 1), length_days=365)
    assert d.licence_end == d.sentence_expiry_date == date(2016, 2, 29)
    assert d.supervision_end is None
    assert any("before 1 February 2015" in r for r in d.reasons)


@pytest.mark.parametrize(
    ("offence_date", "supervised"),
    [(date(2015, 1, 31), False), (date(2015, 2, 1), True)],
)
def test_ora_commencement_date(offence_date: date, supervised: bool) -> None:
    d = dates(sentence_date=date(2015, 6, 1), offence_date=offence_date)
    assert (d.supervision_end is not None) is supervised


def test_remand_brings_release_forward() -> None:
    d = dates(remand_days=30)
    assert d.release_date == date(2016, 5, 1)  # 31 May - 30 days
    assert d.sentence_expiry_date == date(2016, 8, 31)  # remand does not move expiry
    assert d.supervision_end == date(2017, 5, 1)
    assert any("30 days on remand" in r for r in d.reasons)


@pytest.mark.parametrize("remand", [91, 92, 400])
def test_release_is_never_before_sentence_date(remand: int) -> None:
    d = dates(remand_days=remand)
    assert d.release_date == SD
    if remand > 91:
        assert any("falls before the sentence date" in r for r in d.reasons)


def test_no_supervision_when_licence_already_reaches_twelve_months() -> None:
    # 700 days with 100 days of remand: release = SD + 350 - 1 - 100 = SD + 249 days,
    # licence to SD + 699 days: 450 days of licence, beyond release + 12 months.
    d = dates(length_days=700, remand_days=100)
    assert d.release_date == SD + timedelta(days=249)
    assert d.licence_end == SD + timedelta(days=699)
    assert d.supervision_end is None
    assert any("licence already reaches" in r for r in d.reasons)


def test_extended_sentence_has_no_supervision() -> None:
    d = dates(length_days=549, extended=True)
    assert d.licence_end == date(2017, 8, 31)
    assert d.supervision_end is None
    assert any("extended" in r for r in d.reasons)


@pytest.mark.parametrize(
    ("date_of_birth", "supervised"),
    [
        (date(1998, 6, 1), False),  # 17 on 31 May 2016 (release)
        (date(1998, 5, 31), True),  # 18 on the release date itself
    ],
)
def test_under_18_at_release_has_no_supervision(date_of_birth: date, supervised: bool) -> None:
    d = dates(date_of_birth=date_of_birth)
    assert d.release_date == date(2016, 5, 31)
    assert (d.supervision_end is not None) is supervised
    if not supervised:
        assert any("under 18" in r for r in d.reasons)


@pytest.mark.parametrize(
    ("length_days", "supervised"),
    [(1, False), (2, True), (729, True), (730, False), (1000, False)],
)
def test_supervision_needs_more_than_one_day_and_under_two_years(
    length_days: int, supervised: bool
) -> None:
    d = dates(length_days=length_days)
    assert (d.supervision_end is not None) is supervised


def test_two_year_sentence_has_licence_to_expiry_and_no_supervision() -> None:
    d = dates(length_days=730)
    assert d.release_date == SD + timedelta(days=364)  # 28 Feb 2017
    assert d.licence_end == d.sentence_expiry_date == SD + timedelta(days=729)
    assert d.supervision_end is None
    assert any("not under 2 years" in r for r in d.reasons)


def test_supervision_end_clamps_to_month_end() -> None:
    # 729 days from 1 Mar 2016: release 28 Feb 2017, + 12 months = 28 Feb 2018, while the
    # licence ends 27 Feb 2018: one day of supervision.
    d = dates(length_days=729)
    assert d.release_date == date(2017, 2, 28)
    assert d.licence_end == date(2018, 2, 27)
    assert d.supervision_end == date(2018, 2, 28)


def test_one_day_sentence() -> None:
    d = dates(length_days=1)
    assert d.release_date == d.sentence_expiry_date == d.licence_end == SD
    assert d.supervision_end is None


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sentence_date": "2016-03-01"}, "sentence_date"),
        ({"length_days": 0}, "length_days"),
        ({"length_days": 30.0}, "length_days"),
        ({"length_days": 10**7}, "length_days"),
        ({"remand_days": -1}, "remand_days"),
        ({"remand_days": None}, "remand_days"),
        ({"offence_date": date(2016, 3, 2)}, "offence_date"),
        ({"offence_date": None}, "offence_date"),
        ({"date_of_birth": date(2016, 1, 10)}, "date_of_birth"),
        ({"extended": "no"}, "extended"),
    ],
)
def test_invalid_facts_name_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        dates(**overrides)


@st.composite
def custody_facts(draw: st.DrawFn) -> CustodyFacts:
    sentence_date = draw(st.dates(min_value=date(2005, 1, 1), max_value=date(2030, 12, 31)))
    offence_date = sentence_date - timedelta(days=draw(st.integers(0, 2000)))
    born = offence_date - timedelta(days=draw(st.integers(1, 365 * 70)))
    return CustodyFacts(
        sentence_date=sentence_date,
        length_days=draw(st.integers(1, 365 * 15)),
        remand_days=draw(st.one_of(st.just(0), st.integers(0, 2000))),
        offence_date=offence_date,
        date_of_birth=born,
        extended=draw(st.booleans()),
    )


@given(custody_facts())
def test_dates_are_ordered(facts: CustodyFacts) -> None:
    d = custody_dates(facts)
    assert facts.sentence_date <= d.release_date <= d.sentence_expiry_date
    last = d.release_date
    if d.licence_end is not None:
        assert last <= d.licence_end
        last = d.licence_end
    if d.supervision_end is not None:
        assert d.licence_end is not None
        assert last < d.supervision_end
    assert d.reasons


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**7), max_value=10**7),
    st.floats(),
    st.text(max_size=5),
    st.dates(),
    st.datetimes(),
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "sentence_date": ANYTHING,
            "length_days": ANYTHING,
            "remand_days": ANYTHING,
            "offence_date": ANYTHING,
            "date_of_birth": ANYTHING,
            "extended": ANYTHING,
        },
    )
)
def test_any_input_is_valid_or_a_value_error(overrides: dict[str, Any]) -> None:
    with contextlib.suppress(ValueError):
        dates(**overrides)
