"""The recall rules against enforcement.md (fixed-term recall) and sentences.md (the periods of
licence and post-sentence supervision after release)."""

from __future__ import annotations

import doctest
from datetime import date
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from probation.rules import recall
from probation.rules.recall import (
    LICENCE,
    NO_PERIOD,
    POST_SENTENCE_SUPERVISION,
    fixed_term_recall,
    supervision_period,
)


@pytest.mark.parametrize(
    ("disposal", "mappa_level", "available", "words"),
    [
        pytest.param("custody", None, True, "is available", id="determinate-no-mappa"),
        pytest.param("custody", 1, True, "is available", id="determinate-mappa-1"),
        pytest.param("custody", 2, False, "MAPPA level 2", id="determinate-mappa-2"),
        pytest.param("custody", 3, False, "MAPPA level 3", id="determinate-mappa-3"),
        pytest.param("custody_extended", None, False, "extended sentence", id="extended"),
        pytest.param("custody_extended", 1, False, "extended sentence", id="extended-mappa-1"),
        pytest.param(
            "custody_extended",
            3,
            False,
            "extended sentence",
            id="extended-and-mappa-3-names-sentence",
        ),
        pytest.param("custody_indeterminate", None, False, "life or IPP", id="indeterminate"),
        pytest.param("custody_indeterminate", 2, False, "life or IPP", id="indeterminate-mappa-2"),
    ],
)
def test_fixed_term_recall(
    disposal: str, mappa_level: int | None, available: bool, words: str
) -> None:
    result = fixed_term_recall(disposal=disposal, mappa_level=mappa_level)
    assert result.available is available
    assert words in result.reason
    assert result.reason.endswith(".")
    assert result.reason.count(". ") == 0  # one sentence


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"disposal": "community_order", "mappa_level": None}, "disposal", id="order"),
        pytest.param({"disposal": "", "mappa_level": None}, "disposal", id="empty"),
        pytest.param({"disposal": "custody", "mappa_level": 4}, "mappa_level", id="mappa-4"),
        pytest.param({"disposal": "custody", "mappa_level": 0}, "mappa_level", id="mappa-0"),
        pytest.param({"disposal": "custody", "mappa_level": True}, "mappa_level", id="bool"),
        pytest.param({"disposal": "custody", "mappa_level": "2"}, "mappa_level", id="text"),
    ],
)
def test_fixed_term_recall_refuses_bad_input(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        fixed_term_recall(**kwargs)


RELEASE = date(2026, 1, 10)
LICENCE_END = date(2026, 4, 9)
SUPERVISION_END = date(2027, 1, 10)


@pytest.mark.parametrize(
    ("on", "dates", "period", "starts_on", "ends_on"),
    [
        pytest.param(date(2026, 1, 9), (RELEASE, LICENCE_END, SUPERVISION_END), NO_PERIOD,
                     None, None, id="day-before-release"),
        pytest.param(RELEASE, (RELEASE, LICENCE_END, SUPERVISION_END), LICENCE,
                     RELEASE, LICENCE_END, id="release-day"),
        pytest.param(LICENCE_END, (RELEASE, LICENCE_END, SUPERVISION_END), LICENCE,
                     RELEASE, LICENCE_END, id="last-day-of-licence"),
        pytest.param(date(2026, 4, 10), (RELEASE, LICENCE_END, SUPERVISION_END),
                     POST_SENTENCE_SUPERVISION, date(2026, 4, 10), SUPERVISION_END,
                     id="first-day-of-pss"),
        pytest.param(SUPERVISION_END, (RELEASE, LICENCE_END, SUPERVISION_END),
                     POST_SENTENCE_SUPERVISION, date(2026, 4, 10), SUPERVISION_END,
                     id="last-day-of-pss"),
        pytest.param(date(2027, 1, 11), (RELEASE, LICENCE_END, SUPERVISION_END), NO_PERIOD,
                     None, None, id="after-pss"),
        pytest.param(date(2026, 5, 1), (RELEASE, LICENCE_END, None), NO_PERIOD, None, None,
                     id="licence-only-ended"),
        pytest.param(date(2026, 3, 1), (RELEASE, LICENCE_END, None), LICENCE, RELEASE,
                     LICENCE_END, id="licence-only"),
        pytest.param(date(2026, 3, 1), (None, None, None), NO_PERIOD, None, None,
                     id="no-release-date"),
        pytest.param(date(2026, 3, 1), (RELEASE, None, None), NO_PERIOD, None, None,
                     id="unconditional-release"),
        pytest.param(date(2026, 3, 1), (RELEASE, None, SUPERVISION_END),
                     POST_SENTENCE_SUPERVISION, RELEASE, SUPERVISION_END,
                     id="supervision-without-licence-starts-at-release"),
    ],
)  # fmt: skip
def test_supervision_period(
    on: date,
    dates: tuple[date | None, date | None, date | None],
    period: str,
    starts_on: date | None,
    ends_on: date | None,
) -> None:
    release_date, licence_end, supervision_end = dates
    result = supervision_period(
        on=on, release_date=release_date, licence_end=licence_end, supervision_end=supervision_end
    )
    assert (result.period, result.starts_on, result.ends_on) == (period, starts_on, ends_on)
    assert result.reason.endswith(".")


def test_an_indeterminate_licence_never_ends() -> None:
    result = supervision_period(
        on=date(2060, 1, 1),
        release_date=RELEASE,
        licence_end=None,
        supervision_end=None,
        indeterminate=True,
    )
    assert (result.period, result.starts_on, result.ends_on) == (LICENCE, RELEASE, None)
    assert "no end date" in result.reason


def test_an_indeterminate_sentence_before_release_is_custody() -> None:
    result = supervision_period(
        on=date(2026, 1, 1),
        release_date=RELEASE,
        licence_end=None,
        supervision_end=None,
        indeterminate=True,
    )
    assert result.period == NO_PERIOD
    assert "In custody until release on 10 January 2026" in result.reason


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param({"on": "2026-01-01"}, "on", id="text-date"),
        pytest.param({"release_date": date(2026, 5, 1)}, "licence_end", id="licence-before-release"),
        pytest.param({"supervision_end": date(2026, 4, 1)}, "supervision_end", id="pss-before-licence"),
        pytest.param({"indeterminate": 1}, "indeterminate", id="flag-not-bool"),
        pytest.param({"licence_end": "soon"}, "licence_end", id="text-licence-end"),
    ],
)  # fmt: skip
def test_supervision_period_refuses_bad_input(kwargs: dict[str, Any], field: str) -> None:
    args: dict[str, Any] = {
        "on": date(2026, 3, 1),
        "release_date": RELEASE,
        "licence_end": LICENCE_END,
        "supervision_end": SUPERVISION_END,
        **kwargs,
    }
    with pytest.raises(ValueError, match=f"^{field}:"):
        supervision_period(**args)


@given(on=st.dates(min_value=date(2025, 1, 1), max_value=date(2028, 1, 1)))
def test_exactly_one_period_and_its_dates_contain_the_day(on: date) -> None:
    result = supervision_period(
        on=on, release_date=RELEASE, licence_end=LICENCE_END, supervision_end=SUPERVISION_END
    )
    if result.period == NO_PERIOD:
        assert on < RELEASE or on > SUPERVISION_END
    else:
        assert result.starts_on is not None and result.ends_on is not None
        assert result.starts_on <= on <= result.ends_on


def test_docstring_examples() -> None:
    result = doctest.testmod(recall, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
