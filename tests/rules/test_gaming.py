"""Indicators of gaming (``probation.rules.gaming``), from ``docs/domain/reoffending-and-payment.md``
("Indicators of gaming")."""

from __future__ import annotations

from fractions import Fraction
from math import comb

import pytest

from probation.rules.gaming import control_limits, funnel, parking


@pytest.mark.parametrize(
    "bands, flagged, judged",
    [
        # 1.2 contacts a month for high-likelihood cases against 2.0 for low: parked.
        ({"low": (240, 120.0, 40), "high": (72, 60.0, 24)}, True, True),
        # The same intensity is not less contact.
        ({"low": (240, 120.0, 40), "high": (120, 60.0, 24)}, False, True),
        # More contact for the riskier cases, as expected.
        ({"low": (120, 120.0, 40), "high": (150, 60.0, 24)}, False, True),
        # high and very_high are pooled: 5 + 5 cases, (60 + 6) / (30 + 30) = 1.1 < 2.0.
        (
            {"low": (240, 120.0, 40), "high": (60, 30.0, 5), "very_high": (6, 30.0, 5)},
            True,
            True,
        ),
        # The medium band is not compared.
        ({"low": (240, 120.0, 40), "medium": (0, 60.0, 30), "high": (240, 60.0, 10)}, False, True),
        # Nine high-likelihood cases: not judged, even with no contact at all.
        ({"low": (240, 120.0, 40), "high": (0, 27.0, 9)}, False, False),
        # Nine low cases: not judged.
        ({"low": (240, 120.0, 9), "high": (0, 60.0, 40)}, False, False),
        # Exactly ten on each side is judged.
        ({"low": (60, 30.0, 10), "high": (10, 30.0, 10)}, True, True),
        # No low band at all.
        ({"high": (10, 30.0, 10)}, False, False),
        ({}, False, False),
    ],
)
def test_parking(bands: dict[str, tuple[int, float, int]], flagged: bool, judged: bool) -> None:
    result = parking(bands)
    assert result.flagged is flagged
    assert result.figures["judged"] is judged
    assert result.explanation.endswith(".")
    if not judged:
        assert result.explanation.startswith("Not judged")


def test_parking_explains_with_the_numbers() -> None:
    result = parking({"low": (240, 120.0, 40), "high": (72, 60.0, 24)})
    assert result.explanation == (
        "High-likelihood cases had 1.2 contacts a month against 2.0 for low-likelihood cases "
        "(24 and 40 cases)."
    )
    assert result.figures["high_rate"] == 1.2
    assert result.figures["low_rate"] == 2.0
    assert result.figures["high_cases"] == 24


@pytest.mark.parametrize(
    "bands, message",
    [
        ({"lo": (1, 1.0, 1)}, "^intensity_by_band: must be one of low"),
        ({"low": (1, 1.0)}, r"^intensity_by_band\['low'\]: must be \(contacts"),
        ({"low": (-1, 1.0, 1)}, r"^intensity_by_band\['low'\]\.contacts"),
        ({"low": (1, -1.0, 1)}, r"^intensity_by_band\['low'\]\.case_months"),
    ],
)
def test_parking_refuses_bad_figures(bands: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parking(bands)  # type: ignore[arg-type]


def _exact_quantile(n: int, p: Fraction, q: Fraction) -> int:
    """The smallest x with P(X <= x) >= q, in exact rational arithmetic."""
    total = Fraction(0)
    for x in range(n + 1):
        total += comb(n, x) * p**x * (1 - p) ** (n - x)
        if total >= q:
            return x
    return n


@pytest.mark.parametrize(
    "cases, percent",
    [(200, 5), (50, 10), (120, 2), (400, 25), (30, 50), (10, 1), (1, 40), (300, 99)],
)
def test_control_limits_are_the_exact_binomial_quantiles(cases: int, percent: int) -> None:
    p = Fraction(percent, 100)
    expected = (
        _exact_quantile(cases, p, Fraction(1, 1000)),
        _exact_quantile(cases, p, Fraction(999, 1000)),
    )
    assert control_limits(cases=cases, proportion=percent / 100) == expected


def test_control_limits_for_a_large_area_do_not_underflow() -> None:
    lower, upper = control_limits(cases=40_000, proportion=0.05)
    # Mean 2,000, standard deviation 43.6: the limits lie about 3.09 sd either side.
    assert 1_855 <= lower <= 1_870
    assert 2_130 <= upper <= 2_145


@pytest.mark.parametrize(
    "events, cases, national, flagged, position",
    [
        (21, 200, 5.0, False, "within"),  # at the upper limit: inside
        (22, 200, 5.0, True, "above"),
        (2, 200, 5.0, False, "within"),  # at the lower limit: inside
        (1, 200, 5.0, True, "below"),
        (10, 200, 5.0, False, "within"),
        (1, 5, 5.0, False, "within"),  # a small area has wide limits
        (0, 1000, 0.0, False, "within"),
        (1, 1000, 0.0, True, "above"),
    ],
)
def test_funnel(events: int, cases: int, national: float, flagged: bool, position: str) -> None:
    result = funnel(events=events, cases=cases, national_rate=national, what="recalls")
    assert result.flagged is flagged
    assert result.figures["position"] == position
    assert result.figures["rate"] == pytest.approx(100 * events / cases)
    assert f"{100 * events / cases:.1f} recalls per 100 cases" in result.explanation
    if flagged:
        assert f", {position} the " in result.explanation


def test_funnel_explains_with_the_limits() -> None:
    result = funnel(events=30, cases=200, national_rate=5.0, what="breach referrals")
    assert result.explanation == (
        "15.0 breach referrals per 100 cases, above the upper control limit of 10.5 around the "
        "national rate of 5.0 (99.8% limits for 200 cases)."
    )
    assert result.figures["upper_limit"] == 10.5
    assert result.figures["lower_limit"] == 1.0


def test_funnel_without_cases_is_not_judged() -> None:
    result = funnel(events=0, cases=0, national_rate=5.0)
    assert not result.flagged
    assert result.figures["judged"] is False
    assert result.explanation.startswith("Not judged")


@pytest.mark.parametrize(
    "kwargs, message",
    [
        ({"events": 3, "cases": 2, "national_rate": 5.0}, "^events: must be at most 2"),
        ({"events": 1, "cases": 2, "national_rate": 101.0}, "^national_rate"),
        ({"events": 1, "cases": 2, "national_rate": 5.0, "what": " "}, "^what"),
    ],
)
def test_funnel_refuses_bad_figures(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        funnel(**kwargs)  # type: ignore[arg-type]
