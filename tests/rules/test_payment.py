"""Outcome payments (``probation.rules.payment``), hand-worked from
``docs/domain/reoffending-and-payment.md`` ("Payment by results", steps 1-5)."""

from __future__ import annotations

import math
from decimal import Decimal

import pytest

from probation.rules.payment import (
    BaselineFigures,
    BinaryTest,
    FrequencyTest,
    OutcomePrices,
    binary_interval,
    binary_test,
    calibration,
    direction_for,
    frequency_test,
    outcome_amounts,
)

# A cohort of 4 people with known OGRS3 probabilities, and a baseline of 2,000 people of whom 500
# reoffended, whose probabilities summed to 400: k = 500 / 400 = 1.25, so q = 0.25, 0.5, 0.75 and
# min(1.0, 1) = 1; E = 1.25 * 2.0 = 2.5; V = 0.1875 + 0.25 + 0.1875 + 0 = 0.625.
FOUR = [0.2, 0.4, 0.6, 0.8]
BASELINE = BaselineFigures(
    cohort_size=2000, reoffenders=500, reoffences=1250, sum_probability=400.0, frequency=2.5
)
PRICES = OutcomePrices(Decimal("1000.00"), Decimal("250.00"), Decimal("0.5"))


def test_calibration_scales_ogrs3_to_the_baseline() -> None:
    assert calibration(BASELINE) == 1.25


def test_a_baseline_without_probabilities_cannot_be_calibrated() -> None:
    empty = BaselineFigures(
        cohort_size=10, reoffenders=0, reoffences=0, sum_probability=0.0, frequency=0.0
    )
    with pytest.raises(ValueError, match=r"^sum_probability: must be more than 0"):
        calibration(empty)


@pytest.mark.parametrize(
    "reoffenders, z, direction",
    [
        (0, 2.5 / math.sqrt(0.625), "improved"),  # 3.16
        (1, 1.5 / math.sqrt(0.625), "no_change"),  # 1.90: just short of significance
        (2, 0.5 / math.sqrt(0.625), "no_change"),
        (3, -0.5 / math.sqrt(0.625), "no_change"),
        (4, -1.5 / math.sqrt(0.625), "no_change"),
    ],
)
def test_binary_test_on_four_people(reoffenders: int, z: float, direction: str) -> None:
    result = binary_test(k=calibration(BASELINE), probabilities=FOUR, reoffenders=reoffenders)
    assert result.expected == pytest.approx(2.5)
    assert result.variance == pytest.approx(0.625)
    assert result.z == pytest.approx(z)
    assert result.direction == direction
    assert result.actual == reoffenders


@pytest.mark.parametrize(
    "probabilities, reoffenders, expected_z, direction",
    [
        # k = 2: four people with q = 0.5 (V = 1) and a fifth with k p = 1.96, certain to
        # reoffend (q clipped to 1), who adds 1.96 to E and nothing to V: E = 3.96.
        ([0.25, 0.25, 0.25, 0.25, 0.98], 2, 1.96, "improved"),
        # k p = 1.04 for the fifth: E = 3.04, A = 5 → z = -1.96 exactly.
        ([0.25, 0.25, 0.25, 0.25, 0.52], 5, -1.96, "worse"),
        ([0.25, 0.25, 0.25, 0.25, 0.52], 4, -0.96, "no_change"),
    ],
)
def test_binary_test_at_the_edges(
    probabilities: list[float], reoffenders: int, expected_z: float, direction: str
) -> None:
    result = binary_test(k=2.0, probabilities=probabilities, reoffenders=reoffenders)
    assert result.variance == 1.0
    assert result.z == expected_z
    assert result.direction == direction


@pytest.mark.parametrize(
    "z, direction",
    [
        (1.96, "improved"),
        (math.nextafter(1.96, 0), "no_change"),
        (-1.96, "worse"),
        (math.nextafter(-1.96, 0), "no_change"),
        (0.0, "no_change"),
        (None, "not_assessed"),
    ],
)
def test_direction_for(z: float | None, direction: str) -> None:
    assert direction_for(z) == direction


def test_members_without_a_score_count_at_the_baseline_rate() -> None:
    # Two scored people q = 0.5 each; two without a score at the baseline's rate 0.25.
    result = binary_test(
        k=1.0, probabilities=[0.5, 0.5], reoffenders=1, unknown=2, unknown_rate=0.25
    )
    assert result.expected == pytest.approx(1.0 + 0.5)
    assert result.variance == pytest.approx(0.5 + 2 * 0.25 * 0.75)
    assert result.z == pytest.approx(0.5 / math.sqrt(0.875))


def test_only_unscored_members_are_still_tested() -> None:
    result = binary_test(k=1.0, probabilities=[], reoffenders=0, unknown=4, unknown_rate=0.5)
    assert (result.expected, result.variance, result.z, result.direction) == (
        2.0,
        1.0,
        2.0,
        "improved",
    )


@pytest.mark.parametrize(
    "probabilities, k, description",
    [
        ([], 1.0, "an empty cohort"),
        ([0.9, 0.8], 1.5, "everyone certain to reoffend (q clipped to 1)"),
        ([0.0, 0.0], 1.0, "nobody expected to reoffend"),
    ],
)
def test_no_variance_is_not_assessed(
    probabilities: list[float], k: float, description: str
) -> None:
    result = binary_test(k=k, probabilities=probabilities, reoffenders=0)
    assert result.z is None, description
    assert result.direction == "not_assessed"


def test_counts_give_the_same_test_as_the_members_one_by_one() -> None:
    grouped = binary_test(k=1.25, probabilities=[0.2, 0.6], counts=[3, 2], reoffenders=2)
    listed = binary_test(k=1.25, probabilities=[0.2, 0.2, 0.2, 0.6, 0.6], reoffenders=2)
    assert grouped == listed


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"k": 1.0, "probabilities": [1.2], "reoffenders": 0}, "^probabilities\\[0\\]"),
        ({"k": -1.0, "probabilities": [0.5], "reoffenders": 0}, "^k:"),
        ({"k": 1.0, "probabilities": [0.5], "reoffenders": 2}, "^reoffenders: must be at most 1"),
        ({"k": 1.0, "probabilities": [0.5], "reoffenders": 0, "unknown": 1}, "^unknown_rate"),
        (
            {"k": 1.0, "probabilities": [0.5], "reoffenders": 0, "counts": [1, 2]},
            "^counts: must have one count",
        ),
    ],
)
def test_binary_test_refuses_bad_input(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        binary_test(**kwargs)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"reoffenders": 11}, "^reoffenders: must be at most 10"),
        ({"reoffences": 1, "reoffenders": 2}, "^reoffences: must be at least 2"),
        ({"sum_probability": 10.5}, "^sum_probability: must be at most 10"),
        ({"frequency": -1.0}, "^frequency"),
        ({"cohort_size": True}, "^cohort_size"),
    ],
)
def test_baseline_figures_check_themselves(kwargs: dict[str, object], message: str) -> None:
    fields: dict[str, object] = {
        "cohort_size": 10,
        "reoffenders": 3,
        "reoffences": 6,
        "sum_probability": 2.5,
        "frequency": 2.0,
    }
    with pytest.raises(ValueError, match=message):
        BaselineFigures(**(fields | kwargs))  # type: ignore[arg-type]


def test_frequency_test_hand_worked() -> None:
    # 4 reoffenders with 1, 2, 3 and 6 reoffences against a baseline of 2.5 per reoffender:
    # F_E = 10, F_A = 12, mean 3, squares 4 + 1 + 0 + 9 = 14, s² = 14 / 3, variance 4 s².
    result = frequency_test(baseline_frequency=2.5, reoffences_per_reoffender=[1, 2, 3, 6])
    assert result.expected == 10.0
    assert result.actual == 12
    assert result.variance == pytest.approx(56 / 3)
    assert result.z == pytest.approx(-2 / math.sqrt(56 / 3))
    assert result.direction == "no_change"


@pytest.mark.parametrize(
    "baseline_frequency, expected_z, direction",
    [
        # Reoffences 1 and 3: F_A = 4, s² = 2, variance 2 * 2 = 4, so z = (2 f - 4) / 2.
        (3.96, 1.96, "improved"),
        (0.04, -1.96, "worse"),
        (3.9, 1.9, "no_change"),
    ],
)
def test_frequency_test_at_the_edges(
    baseline_frequency: float, expected_z: float, direction: str
) -> None:
    result = frequency_test(baseline_frequency=baseline_frequency, reoffences_per_reoffender=[1, 3])
    assert result.variance == 4.0
    assert result.z == pytest.approx(expected_z, abs=1e-12)
    assert result.direction == direction


@pytest.mark.parametrize(
    "values",
    [[], [5], [2, 2, 2]],
    ids=["no reoffenders", "one reoffender", "no spread"],
)
def test_frequency_not_assessed(values: list[int]) -> None:
    result = frequency_test(baseline_frequency=2.0, reoffences_per_reoffender=values)
    assert result.z is None
    assert result.direction == "not_assessed"
    assert result.actual == sum(values)
    assert result.expected == 2.0 * len(values)


def test_frequency_counts_match_the_list_and_refuse_a_reoffender_without_reoffences() -> None:
    assert frequency_test(
        baseline_frequency=2.5, reoffences_per_reoffender=[1, 6], counts=[3, 1]
    ) == frequency_test(baseline_frequency=2.5, reoffences_per_reoffender=[1, 1, 1, 6])
    with pytest.raises(ValueError, match=r"^reoffences_per_reoffender\[1\]: must be at least 1"):
        frequency_test(baseline_frequency=2.5, reoffences_per_reoffender=[1, 0])


def _binary(expected: float, actual: int) -> BinaryTest:
    return binary_test(
        k=2.0, probabilities=[0.25] * 4 + [(expected - 2.0) / 2.0], reoffenders=actual
    )


NOTHING = FrequencyTest(expected=5.0, actual=5, variance=2.0, z=0.0, direction="no_change")


@pytest.mark.parametrize(
    "binary, frequency, payment, deduction, amounts",
    [
        # E 3.96, A 2: 1.96 reoffenders avoided at £1,000.
        (_binary(3.96, 2), NOTHING, "1960.00", "0.00", ["1960.00", "0.00"]),
        # E 3.04, A 5: 1.96 above expected at £1,000 * 0.5.
        (_binary(3.04, 5), NOTHING, "0.00", "980.00", ["-980.00", "0.00"]),
        # Frequency: F_E 7.92, F_A 4: 3.92 reoffences avoided at £250.
        (
            _binary(3.04, 4),
            frequency_test(baseline_frequency=3.96, reoffences_per_reoffender=[1, 3]),
            "980.00",
            "0.00",
            ["0.00", "980.00"],
        ),
        # F_E 0.08, F_A 4: 3.92 above expected at £125; and the binary improvement still pays.
        (
            _binary(3.96, 2),
            frequency_test(baseline_frequency=0.04, reoffences_per_reoffender=[1, 3]),
            "1960.00",
            "490.00",
            ["1960.00", "-490.00"],
        ),
    ],
)
def test_outcome_amounts(
    binary: BinaryTest,
    frequency: FrequencyTest,
    payment: str,
    deduction: str,
    amounts: list[str],
) -> None:
    result = outcome_amounts(binary=binary, frequency=frequency, prices=PRICES, provisional=False)
    assert result.payment == Decimal(payment)
    assert result.deduction == Decimal(deduction)
    assert [line.code for line in result.parts] == ["outcome_binary", "outcome_frequency"]
    assert [line.amount for line in result.parts] == [Decimal(a) for a in amounts]
    for line in result.parts:
        assert line.amount == (line.quantity * line.unit_price).quantize(Decimal("0.01")) * (
            -1 if line.amount < 0 else 1
        )
        assert len(line.description) <= 200


def test_a_provisional_result_pays_and_deducts_nothing() -> None:
    result = outcome_amounts(
        binary=_binary(3.96, 2),
        frequency=frequency_test(baseline_frequency=0.04, reoffences_per_reoffender=[1, 3]),
        prices=PRICES,
        provisional=True,
    )
    assert (result.payment, result.deduction) == (Decimal("0.00"), Decimal("0.00"))
    assert all(line.amount == 0 for line in result.parts)
    assert all("pending" in line.description for line in result.parts)


def test_pennies_are_rounded_half_up() -> None:
    # 0.5 reoffenders avoided at £0.25 is £0.125: half up gives 13p (half even would give 12p).
    binary = BinaryTest(expected=2.5, variance=0.01, z=5.0, direction="improved", actual=2)
    prices = OutcomePrices(Decimal("0.25"), Decimal("0"), Decimal("0"))
    result = outcome_amounts(binary=binary, frequency=NOTHING, prices=prices, provisional=False)
    assert result.payment == Decimal("0.13")


def test_a_deduction_unit_price_is_the_price_times_the_rate_in_pence() -> None:
    prices = OutcomePrices(Decimal("1234.57"), Decimal("0"), Decimal("0.125"))
    result = outcome_amounts(
        binary=_binary(3.04, 5), frequency=NOTHING, prices=prices, provisional=False
    )
    line = result.parts[0]
    assert line.unit_price == Decimal("154.32")  # 154.32125
    assert line.quantity == Decimal("1.96")
    assert line.amount == Decimal("-302.47")  # 1.96 * 154.32 = 302.4672


def test_outcome_prices_check_themselves() -> None:
    with pytest.raises(ValueError, match=r"^deduction_rate"):
        OutcomePrices(Decimal("1"), Decimal("1"), Decimal("1.5"))
    with pytest.raises(ValueError, match=r"^price_per_reoffender_avoided"):
        OutcomePrices(Decimal("-1"), Decimal("1"), Decimal("0.5"))


@pytest.mark.parametrize(
    "expected, variance, size, low, high",
    [
        (30.0, 21.0, 100, 0.3 - 1.96 * math.sqrt(21) / 100, 0.3 + 1.96 * math.sqrt(21) / 100),
        (1.0, 1.0, 2, 0.0, 1.0),  # clipped both ways
        (0.0, 0.0, 5, 0.0, 0.0),
    ],
)
def test_binary_interval(
    expected: float, variance: float, size: int, low: float, high: float
) -> None:
    assert binary_interval(expected=expected, variance=variance, cohort_size=size) == (
        pytest.approx(low),
        pytest.approx(high),
    )


def test_binary_interval_needs_people() -> None:
    with pytest.raises(ValueError, match=r"^cohort_size"):
        binary_interval(expected=0.0, variance=0.0, cohort_size=0)
