"""The vocabulary and tables the rules own: RoSH levels, disposals, tier cut-offs."""

from __future__ import annotations

import datetime as dt
import itertools

import pytest

from probation.rules import allocation, custody, tiering


def test_rosh_levels_run_lowest_first() -> None:
    assert tiering.ROSH_LEVELS == ("low", "medium", "high", "very_high")
    points = [tiering.ROSH_POINTS[level] for level in tiering.ROSH_LEVELS]
    assert points == sorted(points)


@pytest.mark.parametrize("levels", list(itertools.permutations(tiering.ROSH_LEVELS, 3)))
def test_highest_rosh_is_the_latest_in_the_order(levels: tuple[str, ...]) -> None:
    expected = max(levels, key=tiering.ROSH_LEVELS.index)
    assert tiering.highest_rosh(levels) == expected
    assert tiering.highest_rosh(iter(levels)) == expected


def test_highest_rosh_of_one_level_is_that_level() -> None:
    for level in tiering.ROSH_LEVELS:
        assert tiering.highest_rosh([level]) == level


@pytest.mark.parametrize(
    ("levels", "message"),
    [
        ([], "levels: must not be empty"),
        (["low", "hgih"], "levels: each must be one of low, medium, high, very_high, got 'hgih'"),
        (["low", None], "levels: each must be one of low, medium, high, very_high, got None"),
        ([["low"]], "levels: each must be one of"),
    ],
)
def test_highest_rosh_refuses_what_is_not_a_level(levels: list[object], message: str) -> None:
    with pytest.raises(ValueError, match="^" + message.replace("(", r"\(")):
        tiering.highest_rosh(levels)  # type: ignore[arg-type]


def test_the_sift_uses_the_tiering_rosh_levels() -> None:
    high = allocation.HIGH_ROSH_LEVELS
    assert high < set(tiering.ROSH_LEVELS)
    assert high == {"high", "very_high"}
    for level in tiering.ROSH_LEVELS:
        facts = allocation.AllocationFacts(
            rosh=level, home_contract_area="C08", court_contract_area="C08"
        )
        reasons = [rule for rule, _ in allocation.decide(facts).reasons]
        assert ("rosh-high" in reasons) == (level in allocation.HIGH_ROSH_LEVELS)


@pytest.mark.parametrize(
    "table", [tiering.PROTECT_LEVELS, tiering.CHANGE_LEVELS, tiering.RSR_POINTS], ids=str
)
def test_cut_off_tables_run_highest_first_down_to_a_floor(table: tuple[tuple, ...]) -> None:
    minimums = [minimum for minimum, _ in table]
    assert minimums == sorted(minimums, reverse=True)
    assert len(set(minimums)) == len(minimums)


def test_every_protect_and_change_level_is_reachable() -> None:
    assert [level for _, level in tiering.PROTECT_LEVELS] == list("ABCD")
    assert tiering.PROTECT_LEVELS[-1][0] == 0
    change = {level for _, level in tiering.CHANGE_LEVELS}
    change |= {tiering.NO_MANDATE_CHANGE_LEVEL, tiering.NO_ASSESSMENT_CHANGE_LEVEL}
    assert change == {0, 1, 2, 3}
    assert {t[:2] for t in tiering.TIERS} == {
        f"{p}{c}" for _, p in tiering.PROTECT_LEVELS for c in change
    }


_FACTORS = sorted(tiering.COMPLEXITY_FACTORS)
_WOMAN = {
    "sex": "female",
    "parenting_responsibilities": True,
    "impulsivity_or_temper": True,
    "previous_enforcement": True,
}


@pytest.mark.parametrize(
    ("kwargs", "points", "level"),
    [
        ({}, 0, "D"),
        ({"mappa_level": 1, "complexity_factors": _FACTORS[:2]}, 9, "D"),
        ({"rosh": "medium"}, 10, "C"),
        ({"rosh": "medium", "mappa_level": 1, "complexity_factors": _FACTORS[:2]}, 19, "C"),
        ({"rosh": "high"}, 20, "B"),
        ({"rosh": "high", "mappa_level": 1, "complexity_factors": _FACTORS, **_WOMAN}, 51, "B"),
        ({"rosh": "very_high"}, 150, "A"),
        ({"rosh": "very_high", "mappa_level": 2}, 300, "A"),
    ],
)
def test_protect_level_follows_the_table(kwargs: dict, points: int, level: str) -> None:
    facts = tiering.TierFacts(**{"sex": "male", **kwargs})
    result = tiering.calculate(facts)
    assert (result.protect_points, result.protect_level) == (points, level)
    assert level == next(lv for minimum, lv in tiering.PROTECT_LEVELS if points >= minimum)


def test_disposals_are_the_spec_keys_and_split_into_custodial_and_with_requirements() -> None:
    assert custody.DISPOSALS == (
        "community_order",
        "suspended_sentence_order",
        "custody",
        "custody_extended",
        "custody_indeterminate",
    )
    every = custody.CUSTODIAL_DISPOSALS | custody.DISPOSALS_WITH_REQUIREMENTS
    assert every == set(custody.DISPOSALS)
    assert not custody.CUSTODIAL_DISPOSALS & custody.DISPOSALS_WITH_REQUIREMENTS
    assert custody.EXTENDED_OR_INDETERMINATE < custody.CUSTODIAL_DISPOSALS
    assert "custody" not in custody.EXTENDED_OR_INDETERMINATE
    assert "Parole Board" in custody.INDETERMINATE_REASON


def test_every_disposal_has_a_tier_sentence_kind() -> None:
    assert tuple(custody.TIER_SENTENCE_KIND) == custody.DISPOSALS
    assert set(custody.TIER_SENTENCE_KIND.values()) == set(tiering.SENTENCE_KINDS)
    for disposal, kind in custody.TIER_SENTENCE_KIND.items():
        assert (kind == "custodial") == (disposal in custody.CUSTODIAL_DISPOSALS)
        tiering.TierSentence(kind=kind, active=True)  # a kind tiering accepts


@pytest.mark.parametrize("length", [1, 2, 3, 183, 184, 185, 729, 730])
def test_release_is_on_the_last_day_of_the_halfway_days(length: int) -> None:
    assert custody.halfway_days(length) == -(-length // 2)
    sentenced = dt.date(2016, 3, 1)
    dates = custody.custody_dates(
        custody.CustodyFacts(
            sentence_date=sentenced,
            length_days=length,
            offence_date=dt.date(2016, 1, 10),
            date_of_birth=dt.date(1980, 5, 5),
        )
    )
    assert dates.release_date == sentenced + dt.timedelta(days=custody.halfway_days(length) - 1)
