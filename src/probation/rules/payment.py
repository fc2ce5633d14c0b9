"""Outcome payments: a contract area's cohort against its baseline (payment by results).

Spec: ``docs/domain/reoffending-and-payment.md`` ("Payment by results", steps 1-5), with the
decisions of ``docs/adr/0019-payment-by-results.md``:

1. calibrate OGRS3 to the area's baseline cohort: ``k = baseline_reoffenders / Σ_baseline p_i``;
2. expected reoffenders at baseline performance ``E = k Σ p_i`` with variance
   ``V = Σ q_i (1 - q_i)``, ``q_i = min(k p_i, 1)``; members without an OGRS3 score count at the
   baseline's rate ``r`` (``E += unknown * r``, ``V += unknown * r (1 - r)``);
3. binary result ``z = (E - A) / √V``: significant improvement at ``z >= 1.96``, deterioration at
   ``z <= -1.96``;
4. frequency result: ``F_E = baseline_frequency * A``, ``F_A`` the actual reoffences, variance
   ``A * s²`` with ``s²`` the sample variance of reoffences per reoffender, same 1.96 rule;
5. a significant improvement earns ``(E - A)`` (or ``F_E - F_A``) times the contract's price, a
   significant deterioration deducts ``(A - E)`` (or ``F_A - F_E``) times the price times the
   deduction rate, anything else earns nothing; a provisional result pays nothing.

A positive ``z`` always means *fewer* reoffenders (or reoffences) than expected, i.e. better.
Pure: no Django, no clock; money is ``Decimal`` rounded half up to pence on each line.

>>> base = BaselineFigures(cohort_size=1000, reoffenders=300, reoffences=900,
...                        sum_probability=250.0, frequency=3.0)
>>> calibration(base)
1.2
>>> t = binary_test(k=1.0, probabilities=[0.5, 0.5, 0.5, 0.5], reoffenders=0)
>>> t.expected, t.variance, t.z, t.direction
(2.0, 1.0, 2.0, 'improved')
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal
from typing import Final

from probation.rules import _validate

__all__ = [
    "DIRECTIONS",
    "Z_CRITICAL",
    "BaselineFigures",
    "BinaryTest",
    "FrequencyTest",
    "OutcomeAmounts",
    "OutcomeLine",
    "OutcomePrices",
    "binary_interval",
    "binary_test",
    "calibration",
    "direction_for",
    "frequency_test",
    "outcome_amounts",
]

#: The two-sided 5% critical value of the normal distribution (spec step 3).
Z_CRITICAL: Final = 1.96
#: Values of ``direction`` (``performance.models.Direction``).
DIRECTIONS: Final = ("improved", "worse", "no_change", "not_assessed")

_PENNY: Final = Decimal("0.01")


def _pence(value: Decimal) -> Decimal:
    return value.quantize(_PENNY, rounding=ROUND_HALF_UP)


@dataclass(frozen=True, slots=True)
class BaselineFigures:
    """A contract area's baseline cohort, as far as the payment method needs it.

    ``sum_probability`` is ``Σ p_i`` over the baseline cohort with ``p_i`` the OGRS3 one-year
    probability as a fraction; ``frequency`` is reoffences per reoffender.
    """

    cohort_size: int
    reoffenders: int
    reoffences: int
    sum_probability: float
    frequency: float

    def __post_init__(self) -> None:
        _validate.integer("cohort_size", self.cohort_size, minimum=0)
        _validate.integer("reoffenders", self.reoffenders, minimum=0, maximum=self.cohort_size)
        _validate.integer("reoffences", self.reoffences, minimum=self.reoffenders)
        _validate.number(
            "sum_probability", self.sum_probability, minimum=0, maximum=self.cohort_size
        )
        _validate.number("frequency", self.frequency, minimum=0)

    @property
    def rate(self) -> float:
        """The baseline's binary rate: what a member without an OGRS3 score is expected to do."""
        return self.reoffenders / self.cohort_size if self.cohort_size else 0.0


def calibration(baseline: BaselineFigures) -> float:
    """``k = baseline_reoffenders / Σ_baseline p_i`` (spec step 1).

    ``k`` scales OGRS3 (fitted nationally, on older data) to the area's own baseline, so that a
    cohort with the baseline's case mix is expected to reoffend exactly as the baseline did.
    A baseline without any OGRS3 probability cannot be calibrated.

    >>> calibration(BaselineFigures(cohort_size=4, reoffenders=1, reoffences=1,
    ...                             sum_probability=2.0, frequency=1.0))
    0.5
    """
    if not isinstance(baseline, BaselineFigures):
        raise ValueError(f"baseline: must be BaselineFigures, got {baseline!r}")
    if baseline.sum_probability <= 0:
        raise ValueError(
            "sum_probability: must be more than 0 to calibrate OGRS3 to the baseline, got "
            f"{baseline.sum_probability}"
        )
    return baseline.reoffenders / baseline.sum_probability


#: The normal approximation behind ``z`` needs enough people on each side: an area's binary
#: result is assessed only with at least this many expected reoffenders *and* expected
#: non-reoffenders, and its frequency result only with at least ``MIN_REOFFENDERS`` reoffenders
#: (the same 10 below which public figures are suppressed). Smaller cohorts are "not assessed"
#: and earn or lose nothing (docs/adr/0019-payment-by-results.md, decision 25).
MIN_EXPECTED_EACH_WAY = 5.0
MIN_REOFFENDERS = 10


def large_enough_for_binary(*, expected: float, cohort_size: int) -> bool:
    """Whether a cohort is large enough for the binary test's normal approximation.

    >>> large_enough_for_binary(expected=0.6, cohort_size=2)
    False
    >>> large_enough_for_binary(expected=30.0, cohort_size=100)
    True
    """
    _validate.number("expected", expected, minimum=0)
    _validate.integer("cohort_size", cohort_size, minimum=0)
    return expected >= MIN_EXPECTED_EACH_WAY and cohort_size - expected >= MIN_EXPECTED_EACH_WAY


def large_enough_for_frequency(*, reoffenders: int) -> bool:
    """Whether there are enough reoffenders to test the frequency of their reoffending.

    >>> large_enough_for_frequency(reoffenders=4), large_enough_for_frequency(reoffenders=10)
    (False, True)
    """
    _validate.integer("reoffenders", reoffenders, minimum=0)
    return reoffenders >= MIN_REOFFENDERS


def direction_for(z: float | None) -> str:
    """``improved`` at ``z >= 1.96``, ``worse`` at ``z <= -1.96``, else ``no_change``.

    ``None`` (no variance to test against) is ``not_assessed``.

    >>> direction_for(1.96), direction_for(1.9599), direction_for(-1.96), direction_for(None)
    ('improved', 'no_change', 'worse', 'not_assessed')
    """
    if z is None:
        return "not_assessed"
    if z >= Z_CRITICAL:
        return "improved"
    if z <= -Z_CRITICAL:
        return "worse"
    return "no_change"


def _counts_for(field: str, values: Sequence[object], counts: Sequence[int] | None) -> list[int]:
    if counts is None:
        return [1] * len(values)
    counts = list(counts)
    if len(counts) != len(values):
        raise ValueError(
            f"counts: must have one count for each of the {len(values)} {field}, got {len(counts)}"
        )
    for i, count in enumerate(counts):
        _validate.integer(f"counts[{i}]", count, minimum=0)
    return counts


@dataclass(frozen=True, slots=True)
class BinaryTest:
    """The binary measure against the baseline: ``z`` is None when it cannot be assessed.

    ``actual`` is the cohort's reoffenders ``A`` (``binary_test`` always sets it).
    """

    expected: float
    variance: float
    z: float | None
    direction: str
    actual: int | None = None


def binary_test(
    *,
    k: float,
    probabilities: Sequence[float],
    reoffenders: int,
    unknown_rate: float | None = None,
    unknown: int = 0,
    counts: Sequence[int] | None = None,
) -> BinaryTest:
    """Expected reoffenders, variance and ``z`` for a cohort (spec steps 2-3).

    ``probabilities`` are the members' OGRS3 one-year probabilities as fractions; ``unknown``
    members without a score count at ``unknown_rate`` (the baseline's binary rate). ``counts``,
    when given, says how many members share each probability (the same test on a cohort grouped
    by score, which is how a large cohort is passed in). An empty cohort, or one whose variance is
    0 (everyone certain to reoffend or not), is ``not_assessed``.

    >>> t = binary_test(k=1.0, probabilities=[0.5, 0.5], counts=[3, 1], reoffenders=4)
    >>> t.expected, t.variance, t.z, t.direction
    (2.0, 1.0, -2.0, 'worse')
    """
    _validate.number("k", k, minimum=0)
    weights = _counts_for("probabilities", probabilities, counts)
    for i, p in enumerate(probabilities):
        _validate.number(f"probabilities[{i}]", p, minimum=0, maximum=1)
    _validate.integer("unknown", unknown, minimum=0)
    if unknown_rate is None:
        if unknown:
            raise ValueError("unknown_rate: must be given when there are members without a score")
        rate = 0.0
    else:
        _validate.number("unknown_rate", unknown_rate, minimum=0, maximum=1)
        rate = float(unknown_rate)
    size = sum(weights) + unknown
    _validate.integer("reoffenders", reoffenders, minimum=0, maximum=size)
    # fsum is correctly rounded, so the result does not depend on the members' order.
    expected = math.fsum([k * p * w for p, w in zip(probabilities, weights, strict=True)])
    expected = math.fsum([expected, unknown * rate])
    qs = [min(k * p, 1.0) for p in probabilities]
    variance = math.fsum(
        [
            *(q * (1.0 - q) * w for q, w in zip(qs, weights, strict=True)),
            unknown * rate * (1 - rate),
        ]
    )
    if size == 0 or variance <= 0:
        return BinaryTest(expected, variance, None, "not_assessed", reoffenders)
    z = (expected - reoffenders) / math.sqrt(variance)
    return BinaryTest(expected, variance, z, direction_for(z), reoffenders)


def binary_interval(*, expected: float, variance: float, cohort_size: int) -> tuple[float, float]:
    """The 95% band of the reoffending *rate* expected at baseline performance.

    ``E / n ± 1.96 √V / n``, clipped to ``[0, 1]``: an actual rate outside the band is a
    significant difference (the public pages draw the actual rate against it).

    >>> low, high = binary_interval(expected=30.0, variance=21.0, cohort_size=100)
    >>> round(low, 4), round(high, 4)
    (0.2102, 0.3898)
    >>> binary_interval(expected=1.0, variance=1.0, cohort_size=2)  # clipped
    (0.0, 1.0)
    """
    _validate.number("expected", expected, minimum=0)
    _validate.number("variance", variance, minimum=0)
    _validate.integer("cohort_size", cohort_size, minimum=1)
    centre = expected / cohort_size
    half = Z_CRITICAL * math.sqrt(variance) / cohort_size
    return (max(0.0, centre - half), min(1.0, centre + half))


@dataclass(frozen=True, slots=True)
class FrequencyTest:
    """The frequency measure: ``F_E`` expected and ``F_A`` actual reoffences, variance, ``z``."""

    expected: float
    actual: int
    variance: float | None
    z: float | None
    direction: str


def frequency_test(
    *,
    baseline_frequency: float,
    reoffences_per_reoffender: Sequence[int],
    counts: Sequence[int] | None = None,
) -> FrequencyTest:
    """``F_E = baseline_frequency * A`` against ``F_A``, variance ``A * s²`` (spec step 4).

    ``reoffences_per_reoffender`` has one value (1 or more) for each of the ``A`` reoffenders,
    or, with ``counts``, each distinct value and how many reoffenders had it. ``s²`` is the
    sample variance (``ddof = 1``). Fewer than 2 reoffenders, or no spread at all, cannot be
    tested: ``not_assessed``.

    >>> t = frequency_test(baseline_frequency=3.0, reoffences_per_reoffender=[1, 1, 2, 4])
    >>> t.expected, t.actual, t.variance, round(t.z, 4), t.direction
    (12.0, 8, 8.0, 1.4142, 'no_change')
    """
    _validate.number("baseline_frequency", baseline_frequency, minimum=0)
    weights = _counts_for("reoffences_per_reoffender", reoffences_per_reoffender, counts)
    for i, value in enumerate(reoffences_per_reoffender):
        _validate.integer(f"reoffences_per_reoffender[{i}]", value, minimum=1)
    reoffenders = sum(weights)
    actual = sum(v * w for v, w in zip(reoffences_per_reoffender, weights, strict=True))
    expected = baseline_frequency * reoffenders
    if reoffenders < 2:
        return FrequencyTest(expected, actual, None, None, "not_assessed")
    mean = actual / reoffenders
    squares = math.fsum(
        [w * (v - mean) ** 2 for v, w in zip(reoffences_per_reoffender, weights, strict=True)]
    )
    variance = reoffenders * squares / (reoffenders - 1)
    if variance <= 0:
        return FrequencyTest(expected, actual, variance, None, "not_assessed")
    z = (expected - actual) / math.sqrt(variance)
    return FrequencyTest(expected, actual, variance, z, direction_for(z))


@dataclass(frozen=True, slots=True)
class OutcomePrices:
    """A contract's outcome prices (``performance.models.ContractTerms``)."""

    price_per_reoffender_avoided: Decimal
    price_per_reoffence_avoided: Decimal
    deduction_rate: Decimal

    def __post_init__(self) -> None:
        for field in ("price_per_reoffender_avoided", "price_per_reoffence_avoided"):
            value = getattr(self, field)
            if not isinstance(value, Decimal) or not value.is_finite() or value < 0:
                raise ValueError(f"{field}: must be a Decimal of at least 0, got {value!r}")
        rate = self.deduction_rate
        if not isinstance(rate, Decimal) or not rate.is_finite() or not 0 <= rate <= 1:
            raise ValueError(f"deduction_rate: must be a Decimal from 0 to 1, got {rate!r}")


@dataclass(frozen=True, slots=True)
class OutcomeLine:
    """One line of a payment statement's outcome section.

    ``amount`` is signed as on a statement (negative for a deduction) and equals
    ``quantity * unit_price`` rounded half up to pence; ``quantity`` is the reoffenders (or
    reoffences) avoided or in excess, to 2 decimal places.
    """

    code: str
    description: str
    quantity: Decimal
    unit_price: Decimal
    amount: Decimal


@dataclass(frozen=True, slots=True)
class OutcomeAmounts:
    """The outcome payment and deduction (both 0 or more) and the lines behind them."""

    payment: Decimal
    deduction: Decimal
    parts: tuple[OutcomeLine, ...]

    @property
    def net(self) -> Decimal:
        return self.payment - self.deduction


def _measure_line(
    *,
    code: str,
    measure: str,
    unit: str,
    direction: str,
    z: float | None,
    expected: float,
    actual: int | None,
    price: Decimal,
    deduction_rate: Decimal,
    provisional: bool,
) -> OutcomeLine:
    figures = f"expected {expected:.2f}" + ("" if actual is None else f", actual {actual}")
    zero = Decimal("0.00")
    if provisional:
        return OutcomeLine(
            code,
            f"{measure}: provisional, outcome pending until the cohort's 18 months have passed "
            f"({figures})",
            zero,
            _pence(price),
            zero,
        )
    if direction in ("improved", "worse") and actual is None:
        raise ValueError(f"{code}: a significant result needs the actual figure")
    if direction == "improved":
        assert actual is not None
        quantity = _pence(Decimal(repr(expected - actual)))
        unit_price = _pence(price)
        return OutcomeLine(
            code,
            f"{measure}: significantly better than baseline (z = {z:.2f}), {unit} avoided "
            f"({figures})",
            quantity,
            unit_price,
            _pence(quantity * unit_price),
        )
    if direction == "worse":
        assert actual is not None
        quantity = _pence(Decimal(repr(actual - expected)))
        unit_price = _pence(price * deduction_rate)
        return OutcomeLine(
            code,
            f"{measure}: significantly worse than baseline (z = {z:.2f}), {unit} above expected, "
            f"deducted at {deduction_rate.normalize():f} of the price ({figures})",
            quantity,
            unit_price,
            -_pence(quantity * unit_price),
        )
    reason = (
        "not assessed (too few to test)"
        if direction == "not_assessed"
        else f"no significant difference from baseline (z = {z:.2f})"
    )
    return OutcomeLine(code, f"{measure}: {reason}, nothing earned", zero, _pence(price), zero)


def outcome_amounts(
    *,
    binary: BinaryTest,
    frequency: FrequencyTest,
    prices: OutcomePrices,
    provisional: bool,
) -> OutcomeAmounts:
    """The outcome payment and deduction for one area and cohort (spec step 5).

    There is always one line per measure (codes ``outcome_binary`` and ``outcome_frequency``) so a
    statement shows why a measure earned nothing. A deduction's unit price is the contract's price
    times the deduction rate, in pence, so that each line's amount is its quantity times its unit
    price. A provisional result earns and loses nothing: its lines say the outcome is pending.

    >>> prices = OutcomePrices(Decimal("1000"), Decimal("250"), Decimal("0.5"))
    >>> b = binary_test(k=1.0, probabilities=[0.5] * 4, reoffenders=0)
    >>> f = frequency_test(baseline_frequency=3.0, reoffences_per_reoffender=[])
    >>> a = outcome_amounts(binary=b, frequency=f, prices=prices, provisional=False)
    >>> a.payment, a.deduction, [line.amount for line in a.parts]
    (Decimal('2000.00'), Decimal('0.00'), [Decimal('2000.00'), Decimal('0.00')])
    """
    if not isinstance(binary, BinaryTest):
        raise ValueError(f"binary: must be a BinaryTest, got {binary!r}")
    if not isinstance(frequency, FrequencyTest):
        raise ValueError(f"frequency: must be a FrequencyTest, got {frequency!r}")
    if not isinstance(prices, OutcomePrices):
        raise ValueError(f"prices: must be OutcomePrices, got {prices!r}")
    _validate.boolean("provisional", provisional)
    actual_reoffenders = binary.actual
    if actual_reoffenders is None and binary.z is not None:
        # A BinaryTest built by hand: A follows from z = (E - A) / √V.
        actual_reoffenders = round(binary.expected - binary.z * math.sqrt(binary.variance))
    lines = (
        _measure_line(
            code="outcome_binary",
            measure="Binary measure (reoffenders)",
            unit="reoffenders",
            direction=binary.direction,
            z=binary.z,
            expected=binary.expected,
            actual=actual_reoffenders,
            price=prices.price_per_reoffender_avoided,
            deduction_rate=prices.deduction_rate,
            provisional=provisional,
        ),
        _measure_line(
            code="outcome_frequency",
            measure="Frequency measure (reoffences)",
            unit="reoffences",
            direction=frequency.direction,
            z=frequency.z,
            expected=frequency.expected,
            actual=frequency.actual,
            price=prices.price_per_reoffence_avoided,
            deduction_rate=prices.deduction_rate,
            provisional=provisional,
        ),
    )
    payment = sum((line.amount for line in lines if line.amount > 0), Decimal("0.00"))
    deduction = -sum((line.amount for line in lines if line.amount < 0), Decimal("0.00"))
    return OutcomeAmounts(_pence(payment), _pence(deduction), lines)
