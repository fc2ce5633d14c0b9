"""OGRS3 against ogrs3.md: tables, hand-worked cases, band cut-offs, validation, properties."""

from __future__ import annotations

import math
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probation.rules import ogrs3
from probation.rules.ogrs3 import Ogrs3Facts, calculate

CONVICTION = date(2016, 6, 15)


def born_aged(age: int, on: date = CONVICTION) -> date:
    """A date of birth that makes the person exactly ``age`` (and not ``age + 1``) on ``on``."""
    return date(on.year - age, 1, 1)


def facts(**overrides: Any) -> Ogrs3Facts:
    values: dict[str, Any] = {
        "sex": "male",
        "date_of_birth": born_aged(25),
        "conviction_date": CONVICTION,
        "follow_up_start": CONVICTION,
        "total_sanctions": 5,
        "first_sanction_age": 15,
        "offence_category": "theft",
    }
    values.update(overrides)
    return Ogrs3Facts(**values)


# --- the tables, restated from the spec ------------------------------------------------------

SPEC_AGE_SEX = [
    # (lowest age, highest age, male, female) -- ogrs3.md, AGE_SEX
    (10, 11, 0.0, 0.785),
    (12, 13, 0.08392, 0.61385),
    (14, 15, 0.07578, 0.66952),
    (16, 17, -0.0616, -0.9592),
    (18, 20, -0.6251, -0.8975),
    (21, 24, -1.0515, -1.0285),
    (25, 29, -1.1667, -1.0528),
    (30, 34, -1.326, -1.1291),
    (35, 39, -1.368, -1.4219),
    (40, 49, -1.4997, -1.5247),
    (50, 120, -2.0253, -2.4498),
]

SPEC_OFFENCE = {
    "violence": 0.0,
    "robbery": -0.6348,
    "public_order": 0.1819,
    "sexual_not_child": 0.0328,
    "sexual_child": -0.6534,
    "soliciting": 0.7606,
    "burglary_domestic": -0.1239,
    "burglary_other": 0.2406,
    "theft": 0.6612,
    "handling": 0.3519,
    "fraud": 0.1599,
    "absconding": 0.7334,
    "vehicle_theft": 0.4272,
    "theft_from_vehicle": 0.3801,
    "motoring": 0.2622,
    "drink_driving": -0.1214,
    "criminal_damage": 0.205,
    "drug_import_export_production": -0.7956,
    "drug_possession_supply": 0.0772,
    "other": -0.0607,
}

AGE_EDGES = [
    (age, sex, male if sex == "male" else female)
    for low, high, male, female in SPEC_AGE_SEX
    for age in sorted({low, min(high, 80)})
    for sex in ("male", "female")
]


@pytest.mark.parametrize(("age", "sex", "expected"), AGE_EDGES)
def test_age_sex_term_at_every_band_edge(age: int, sex: str, expected: float) -> None:
    # First sanction at the current age, so the age is valid however young.
    result = calculate(
        facts(sex=sex, date_of_birth=born_aged(age), total_sanctions=1, first_sanction_age=age)
    )
    assert result.age_at_follow_up == age
    assert result.age_sex_term == expected


def test_age_sex_table_is_exported_as_data() -> None:
    rows = [(b.min_age, b.max_age, b.male, b.female) for b in ogrs3.AGE_SEX]
    expected = [(lo, None if hi == 120 else hi, m, f) for lo, hi, m, f in SPEC_AGE_SEX]
    assert rows == expected
    assert [b.label for b in ogrs3.AGE_SEX][-2:] == ["40-49", "50+"]


@pytest.mark.parametrize(
    ("age", "label"), [(10, "10-11"), (17, "16-17"), (18, "18-20"), (99, "50+")]
)
def test_age_sex_band_lookup(age: int, label: str) -> None:
    assert ogrs3.age_sex_band(age).label == label


def test_age_band_uses_age_at_follow_up_not_at_conviction() -> None:
    # Convicted at 17, released (follow-up starts) at 18: the 18-20 row applies.
    born = date(1998, 7, 1)
    result = calculate(
        facts(
            date_of_birth=born,
            conviction_date=date(2016, 6, 30),  # 17 (18th birthday is tomorrow)
            follow_up_start=date(2016, 7, 1),  # 18 today
            total_sanctions=3,
            first_sanction_age=14,
        )
    )
    assert (result.age_at_conviction, result.age_at_follow_up) == (17, 18)
    assert result.age_sex_term == -0.6251
    # copas uses the age at conviction: ln(3 / (10 + 17 - 14)) = ln(3/13) = -1.46634
    assert result.copas == -1.46634


@pytest.mark.parametrize(("key", "weight"), sorted(SPEC_OFFENCE.items()))
def test_every_offence_weight(key: str, weight: float) -> None:
    assert ogrs3.OFFENCE_CATEGORIES[key][1] == weight
    base = calculate(facts(offence_category="violence"))
    result = calculate(facts(offence_category=key))
    assert result.offence_weight == weight
    assert result.x - base.x == pytest.approx(weight, abs=1e-12)


def test_offence_categories_are_exactly_the_twenty_keys() -> None:
    assert set(ogrs3.OFFENCE_CATEGORIES) == set(SPEC_OFFENCE)
    assert len(ogrs3.OFFENCE_CATEGORIES) == 20
    assert ogrs3.OFFENCE_CATEGORIES["theft"][0] == "theft (not of or from a vehicle)"


# --- hand-worked cases -------------------------------------------------------------------------
# Each expected value was worked out from the formula in ogrs3.md, not from the code:
#
# (a) male, 25 at conviction and at follow-up, 5 sanctions, first at 15, theft
#     copas = ln(5 / (10 + 25 - 15)) = ln(0.25) = -1.386294 -> -1.38629
#     x = -1.1667 + 0.46306 + 1.25112 * -1.38629 + 0.6612
#       = -1.1667 + 0.46306 - 1.7344151 + 0.6612 = -1.7768551
#     one year: 1 / (1 + e^-(x + 1.40256)) = 1 / (1 + e^0.374295) = 0.407504 -> 41
#     two year: 1 / (1 + e^-(x + 2.1217))  = 1 / (1 + e^-0.344845) = 0.585367 -> 59, medium
#
# (b) female, 19, first sanction (total 1, first at 19), fraud
#     copas = ln(1 / 10) = -2.302585 -> -2.30259
#     x = -0.8975 + 0.12614 + 1.25112 * -2.30259 + 0.1599 = -3.4922764
#     one year: logistic(-2.0897164) = 0.110100 -> 11
#     two year: logistic(-1.3705764) = 0.202527 -> 20, low
#
# (c) male, 17 at conviction, 18 at release, 12 sanctions, first at 12, domestic burglary
#     copas = ln(12 / (10 + 17 - 12)) = ln(0.8) = -0.223144 -> -0.22314
#     x = -0.6251 (18-20 row) + 0.46306 + 1.25112 * -0.22314 - 0.1239 = -0.5651149
#     one year: logistic(0.8374451) = 0.697927 -> 70
#     two year: logistic(1.5565851) = 0.825863 -> 83, high
#
# (d) male, 11, 60 sanctions, first at 10, soliciting
#     copas = ln(60 / 11) = 1.696449 -> 1.69645; x = 0 + 0.46306 + 2.1224625 + 0.7606 = 3.3461225
#     one year 0.991411 -> 99; two year 0.995797 -> 99.58 rounds to 100, clamped to 99
#
# (e) female, 80, 2 sanctions, first at 10, drug import
#     copas = ln(2 / 80) = -3.688879 -> -3.68888; x = -2.4498 + 0.46306 - 4.6152715 - 0.7956
#       = -7.3975715; one year 0.002485 -> 0, clamped to 1; two year 0.005087 -> 1

HAND_WORKED = [
    pytest.param(
        {},
        (-1.38629, -1.7768551448, 41, 59, "medium"),
        id="a-male-25-theft",
    ),
    pytest.param(
        {
            "sex": "female",
            "date_of_birth": born_aged(19),
            "total_sanctions": 1,
            "first_sanction_age": 19,
            "offence_category": "fraud",
        },
        (-2.30259, -3.4922764008, 11, 20, "low"),
        id="b-female-first-fraud",
    ),
    pytest.param(
        {
            "date_of_birth": date(1998, 7, 1),
            "conviction_date": date(2016, 6, 30),
            "follow_up_start": date(2016, 7, 1),
            "total_sanctions": 12,
            "first_sanction_age": 12,
            "offence_category": "burglary_domestic",
        },
        (-0.22314, -0.5651149168, 70, 83, "high"),
        id="c-released-at-18",
    ),
    pytest.param(
        {
            "date_of_birth": born_aged(11),
            "total_sanctions": 60,
            "first_sanction_age": 10,
            "offence_category": "soliciting",
        },
        (1.69645, 3.346122524, 99, 99, "very_high"),
        id="d-clamped-to-99",
    ),
    pytest.param(
        {
            "sex": "female",
            "date_of_birth": born_aged(80),
            "total_sanctions": 2,
            "first_sanction_age": 10,
            "offence_category": "drug_import_export_production",
        },
        (-3.68888, -7.3975715456, 1, 1, "low"),
        id="e-clamped-to-1",
    ),
]


@pytest.mark.parametrize(("overrides", "expected"), HAND_WORKED)
def test_hand_worked_cases(
    overrides: dict[str, Any], expected: tuple[float, float, int, int, str]
) -> None:
    copas, x, one_year, two_year, band = expected
    result = calculate(facts(**overrides))
    assert result.copas == copas
    assert result.x == pytest.approx(x, abs=1e-9)
    assert (result.one_year, result.two_year, result.band) == (one_year, two_year, band)


def test_terms_add_up_to_x_and_are_explained() -> None:
    r = calculate(facts())
    assert r.age_sex_term + r.sanction_term + r.copas_term + r.offence_weight == pytest.approx(r.x)
    assert r.copas_term == pytest.approx(1.25112 * r.copas)
    assert [name for name, _ in r.reasons] == ["age/sex", "S", "copas", "offence"]
    text = r.explanation
    for piece in ("41%", "59%", "medium", "age/sex", "S +0.46306", "copas", "offence weight"):
        assert piece in text


# --- band cut-offs --------------------------------------------------------------------------
# Facts found (offline, with the formula restated) to land exactly on each side of each cut-off;
# all are male, aged 25, violence (weight 0), so x = -1.1667 + 0.46306 + 1.25112 * copas.
#   5 sanctions, first at 19: copas ln(5/16)  = -1.16315 -> two year 49.07% -> 49
#   8 sanctions, first at 10: copas ln(8/25)  = -1.13943 -> 49.81% -> 50
#   9 sanctions, first at 23: copas ln(9/12)  = -0.28768 -> 74.23% -> 74
#  10 sanctions, first at 22: copas ln(10/13) = -0.26236 -> 74.83% -> 75
#  17 sanctions, first at 25: copas ln(17/10) =  0.53063 -> 88.91% -> 89
#  19 sanctions, first at 25: copas ln(19/10) =  0.64185 -> 90.21% -> 90


@pytest.mark.parametrize(
    ("total", "first", "two_year", "band"),
    [
        (5, 19, 49, "low"),
        (8, 10, 50, "medium"),
        (9, 23, 74, "medium"),
        (10, 22, 75, "high"),
        (17, 25, 89, "high"),
        (19, 25, 90, "very_high"),
    ],
)
def test_band_cut_offs(total: int, first: int, two_year: int, band: str) -> None:
    result = calculate(
        facts(total_sanctions=total, first_sanction_age=first, offence_category="violence")
    )
    assert (result.two_year, result.band) == (two_year, band)


@pytest.mark.parametrize(
    ("two_year", "band"),
    [
        (1, "low"),
        (49, "low"),
        (50, "medium"),
        (74, "medium"),
        (75, "high"),
        (89, "high"),
        (90, "very_high"),
        (99, "very_high"),
    ],
)
def test_band_for(two_year: int, band: str) -> None:
    assert ogrs3.band_for(two_year) == band


@pytest.mark.parametrize(
    ("probability", "expected"),
    [
        (0.0, 1),
        (0.004, 1),
        (0.0149, 1),
        (0.015, 2),
        (0.4949, 49),
        (0.495, 50),
        (0.9949, 99),
        (0.9951, 99),
        (1.0, 99),
    ],
)
def test_percent_rounds_half_up_and_clamps(probability: float, expected: int) -> None:
    assert ogrs3.percent(probability) == expected


def test_first_sanction_age_equal_to_current_age_with_several_sanctions() -> None:
    # Several sanctions all at the current age: copas = ln(n / 10).
    result = calculate(facts(total_sanctions=3, first_sanction_age=25))
    assert result.copas == round(math.log(3 / 10), 5) == -1.20397


# --- validation -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"sex": "m"}, "sex"),
        ({"sex": None}, "sex"),
        ({"date_of_birth": "1990-01-01"}, "date_of_birth"),
        ({"conviction_date": None}, "conviction_date"),
        ({"follow_up_start": 20160615}, "follow_up_start"),
        ({"follow_up_start": date(2016, 6, 14)}, "follow_up_start"),
        ({"date_of_birth": born_aged(9)}, "conviction_date"),
        ({"total_sanctions": 0}, "total_sanctions"),
        ({"total_sanctions": 2.0}, "total_sanctions"),
        ({"total_sanctions": True}, "total_sanctions"),
        ({"first_sanction_age": 9}, "first_sanction_age"),
        ({"first_sanction_age": 26}, "first_sanction_age"),
        ({"first_sanction_age": "15"}, "first_sanction_age"),
        ({"total_sanctions": 1, "first_sanction_age": 20}, "first_sanction_age"),
        ({"offence_category": "arson"}, "offence_category"),
        ({"offence_category": ["theft"]}, "offence_category"),
    ],
)
def test_invalid_facts_name_the_field(overrides: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=field):
        facts(**overrides)


def test_facts_are_frozen() -> None:
    f = facts()
    with pytest.raises(AttributeError):
        f.sex = "female"  # type: ignore[misc]


# --- an independent restatement of the formula, for the property tests ----------------------


def reference_two_year(f: Ogrs3Facts) -> tuple[int, int]:
    """ogrs3.md, line by line, with Decimal half-up rounding of the percentages."""

    def age(on: date) -> int:
        years = on.year - f.date_of_birth.year
        if (on.month, on.day) < (f.date_of_birth.month, f.date_of_birth.day):
            years -= 1
        return years

    age_c, age_f = age(f.conviction_date), age(f.follow_up_start)
    row = next(r for r in SPEC_AGE_SEX if r[0] <= age_f <= r[1] or (r[0] == 50 and age_f >= 50))
    age_sex = row[2] if f.sex == "male" else row[3]
    copas = round(math.log(f.total_sanctions / (10 + age_c - f.first_sanction_age)), 5)
    s = 0.12614 if f.total_sanctions == 1 else 0.46306
    x = age_sex + s + 1.25112 * copas + SPEC_OFFENCE[f.offence_category]

    def pct(z: float) -> int:
        p = Decimal(1 / (1 + math.exp(-z))) * 100
        return min(99, max(1, int(p.quantize(Decimal(1), rounding=ROUND_HALF_UP))))

    return pct(x + 1.40256), pct(x + 2.1217)


@st.composite
def valid_facts(draw: st.DrawFn) -> Ogrs3Facts:
    born = draw(st.dates(min_value=date(1920, 1, 1), max_value=date(2005, 12, 31)))
    conviction = draw(st.dates(min_value=date(born.year + 11, 1, 1), max_value=date(2025, 12, 31)))
    follow_up = conviction + timedelta(days=draw(st.sampled_from([0, 0, 1, 30, 400, 2000])))
    age_c = (
        conviction.year - born.year - ((conviction.month, conviction.day) < (born.month, born.day))
    )
    total = draw(st.integers(min_value=1, max_value=150))
    first = age_c if total == 1 else draw(st.integers(min_value=10, max_value=age_c))
    return Ogrs3Facts(
        sex=draw(st.sampled_from(["male", "female"])),
        date_of_birth=born,
        conviction_date=conviction,
        follow_up_start=follow_up,
        total_sanctions=total,
        first_sanction_age=first,
        offence_category=draw(st.sampled_from(sorted(SPEC_OFFENCE))),
    )


@given(valid_facts())
def test_matches_the_restated_formula(f: Ogrs3Facts) -> None:
    result = calculate(f)
    assert (result.one_year, result.two_year) == reference_two_year(f)
    assert result.band == ogrs3.band_for(result.two_year)


@given(valid_facts())
def test_two_year_is_never_below_one_year(f: Ogrs3Facts) -> None:
    result = calculate(f)
    assert 1 <= result.one_year <= result.two_year <= 99


@given(valid_facts(), st.integers(min_value=1, max_value=40))
def test_more_sanctions_never_lower_the_score(f: Ogrs3Facts, extra: int) -> None:
    base = calculate(f)
    more = calculate(
        Ogrs3Facts(
            f.sex,
            f.date_of_birth,
            f.conviction_date,
            f.follow_up_start,
            f.total_sanctions + extra,
            f.first_sanction_age,
            f.offence_category,
        )
    )
    assert more.x >= base.x
    assert more.one_year >= base.one_year
    assert more.two_year >= base.two_year


@given(st.integers(min_value=10, max_value=90), st.sampled_from(sorted(SPEC_OFFENCE)))
def test_second_sanction_raises_the_score(age: int, category: str) -> None:
    # From 1 to 2 sanctions both S (0.12614 -> 0.46306) and copas (ln(1/10) -> ln(2/10)) rise.
    one = calculate(
        facts(
            date_of_birth=born_aged(age),
            total_sanctions=1,
            first_sanction_age=age,
            offence_category=category,
        )
    )
    two = calculate(
        facts(
            date_of_birth=born_aged(age),
            total_sanctions=2,
            first_sanction_age=age,
            offence_category=category,
        )
    )
    assert two.sanction_term - one.sanction_term == pytest.approx(0.46306 - 0.12614)
    assert two.x > one.x
    assert two.two_year >= one.two_year


ANYTHING = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(10**6), max_value=10**6),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.dates(),
    st.datetimes(),
    st.lists(st.integers(), max_size=2),
)


@settings(suppress_health_check=[HealthCheck.too_slow])
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "sex": st.one_of(ANYTHING, st.sampled_from(["male", "female"])),
            "date_of_birth": ANYTHING,
            "conviction_date": ANYTHING,
            "follow_up_start": ANYTHING,
            "total_sanctions": ANYTHING,
            "first_sanction_age": ANYTHING,
            "offence_category": st.one_of(ANYTHING, st.sampled_from(sorted(SPEC_OFFENCE))),
        },
    )
)
def test_any_input_is_valid_or_a_value_error(overrides: dict[str, Any]) -> None:
    try:
        f = facts(**overrides)
    except ValueError:
        return
    result = calculate(f)
    assert 1 <= result.one_year <= result.two_year <= 99
