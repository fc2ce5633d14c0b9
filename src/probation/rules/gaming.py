"""Indicators of gaming, reported beside the payments.

Spec: ``docs/domain/reoffending-and-payment.md`` ("Indicators of gaming"): parking (less contact
for the cases most likely to reoffend), recall and breach rates compared across areas, and early
exits before a cohort's follow-up ends. Payment by results rewards fewer proven reoffences; a
provider can also get there by neglecting hard cases or moving them out of the cohort, so each
indicator is a judgement with the figures behind it and a sentence a contract manager can check.

- :func:`parking`: flagged when the high-likelihood cases (OGRS3 bands high and very high) get
  fewer contacts per case-month than the low band; not judged with fewer than
  :data:`PARKING_MIN_CASES` cases on either side (a handful of cases says nothing).
- :func:`funnel`: a funnel plot. An area's rate is flagged when it lies outside the 99.8% exact
  binomial control limits around the national rate for the area's number of cases (the 0.1%
  and 99.9% quantiles of Binomial(cases, national rate)); a small area gets wide limits, so it
  is not flagged for chance variation. Used for breach and recall rates and early exits.

Pure: no Django, no clock.

>>> parking({"low": (240, 120.0, 40), "high": (60, 60.0, 20), "very_high": (12, 12.0, 4)}).flagged
True
>>> funnel(events=30, cases=200, national_rate=5.0, what="breach referrals").explanation
'15.0 breach referrals per 100 cases, above the upper control limit of 10.5 around the national rate of 5.0 (99.8% limits for 200 cases).'
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Final

from probation.rules import _validate
from probation.rules.ogrs3 import BANDS

__all__ = [
    "CONTROL_LIMIT_TAIL",
    "HIGH_LIKELIHOOD_BANDS",
    "PARKING_MIN_CASES",
    "Judgement",
    "control_limits",
    "funnel",
    "parking",
]

#: The bands whose cases are most likely to reoffend (``docs/domain/ogrs3.md``).
HIGH_LIKELIHOOD_BANDS: Final = ("high", "very_high")
#: Parking is not judged with fewer cases than this in the low band or the high bands.
PARKING_MIN_CASES: Final = 10
#: Each tail outside the 99.8% control limits.
CONTROL_LIMIT_TAIL: Final = 0.001

Figure = int | float | str | bool | None


@dataclass(frozen=True)
class Judgement:
    """Whether an indicator is flagged, why in one plain sentence, and the figures judged.

    ``figures`` holds plain JSON values so it can be stored as it is (``IndicatorFlag.figures``).
    """

    flagged: bool
    explanation: str
    figures: Mapping[str, Figure] = field(default_factory=dict)


def _one(value: float) -> str:
    return f"{value:,.1f}"


def _band_figures(field_name: str, value: object) -> tuple[int, float, int]:
    if not isinstance(value, tuple) or len(value) != 3:
        raise ValueError(f"{field_name}: must be (contacts, case_months, cases), got {value!r}")
    contacts, case_months, cases = value
    _validate.integer(f"{field_name}.contacts", contacts, minimum=0)
    _validate.number(f"{field_name}.case_months", case_months, minimum=0)
    _validate.integer(f"{field_name}.cases", cases, minimum=0)
    return contacts, float(case_months), cases


def parking(intensity_by_band: Mapping[str, tuple[int, float, int]]) -> Judgement:
    """Contact intensity of the high-likelihood cases against the low band's.

    ``intensity_by_band`` maps an OGRS3 band (``low``, ``medium``, ``high``, ``very_high``; a
    band may be missing) to ``(contacts, case_months, cases)``: contacts that took place, months
    of supervision of those cases in the period, and how many cases. ``high`` and ``very_high``
    are pooled; ``medium`` is not compared.

    >>> j = parking({"low": (240, 120.0, 40), "high": (72, 60.0, 24)})
    >>> j.flagged, j.explanation
    (True, 'High-likelihood cases had 1.2 contacts a month against 2.0 for low-likelihood cases (24 and 40 cases).')
    >>> parking({"low": (240, 120.0, 40), "high": (72, 60.0, 9)}).flagged
    False
    """
    if not isinstance(intensity_by_band, Mapping):
        raise ValueError(f"intensity_by_band: must be a mapping, got {intensity_by_band!r}")
    bands = {}
    for band, value in intensity_by_band.items():
        _validate.choice("intensity_by_band", band, BANDS)
        bands[band] = _band_figures(f"intensity_by_band[{band!r}]", value)
    low = bands.get("low", (0, 0.0, 0))
    high_parts = [bands.get(band, (0, 0.0, 0)) for band in HIGH_LIKELIHOOD_BANDS]
    high = (
        sum(p[0] for p in high_parts),
        math.fsum(p[1] for p in high_parts),
        sum(p[2] for p in high_parts),
    )
    figures: dict[str, Figure] = {
        "low_contacts": low[0],
        "low_case_months": round(low[1], 2),
        "low_cases": low[2],
        "high_contacts": high[0],
        "high_case_months": round(high[1], 2),
        "high_cases": high[2],
        "minimum_cases": PARKING_MIN_CASES,
    }
    if low[2] < PARKING_MIN_CASES or high[2] < PARKING_MIN_CASES or not low[1] or not high[1]:
        figures |= {"judged": False, "low_rate": None, "high_rate": None}
        return Judgement(
            False,
            f"Not judged: {high[2]} high-likelihood and {low[2]} low-likelihood cases; "
            f"at least {PARKING_MIN_CASES} of each are needed.",
            figures,
        )
    low_rate, high_rate = low[0] / low[1], high[0] / high[1]
    figures |= {"judged": True, "low_rate": round(low_rate, 4), "high_rate": round(high_rate, 4)}
    comparison = (
        f"High-likelihood cases had {_one(high_rate)} contacts a month against "
        f"{_one(low_rate)} for low-likelihood cases ({high[2]:,} and {low[2]:,} cases)."
    )
    return Judgement(high_rate < low_rate, comparison, figures)


def _log_pmf(x: int, n: int, p: float) -> float:
    return (
        math.lgamma(n + 1)
        - math.lgamma(x + 1)
        - math.lgamma(n - x + 1)
        + x * math.log(p)
        + (n - x) * math.log1p(-p)
    )


def control_limits(*, cases: int, proportion: float) -> tuple[int, int]:
    """The 99.8% exact binomial limits: the 0.1% and 99.9% quantiles of Binomial(n, p).

    A quantile is the smallest count whose cumulative probability reaches it. Counts strictly
    outside ``[lower, upper]`` are outside the limits.

    >>> control_limits(cases=200, proportion=0.05)
    (2, 21)
    """
    _validate.integer("cases", cases, minimum=0)
    _validate.number("proportion", proportion, minimum=0, maximum=1)
    if proportion == 0 or cases == 0:
        return (0, 0)
    if proportion == 1:
        return (cases, cases)
    # The probabilities beyond 12 standard deviations (and 20 counts) of the mean are below
    # 1e-30, far under the 0.1% tails: summing the window is exact for this purpose and avoids
    # the underflow of (1 - p)^n for large n.
    mean = cases * proportion
    spread = 12 * math.sqrt(cases * proportion * (1 - proportion)) + 20
    first = max(0, math.floor(mean - spread))
    last = min(cases, math.ceil(mean + spread))
    logs = [_log_pmf(x, cases, proportion) for x in range(first, last + 1)]
    top = max(logs)
    weights = [math.exp(v - top) for v in logs]
    total = math.fsum(weights)
    lower = upper = None
    running = 0.0
    for offset, weight in enumerate(weights):
        running += weight
        cumulative = running / total
        if lower is None and cumulative >= CONTROL_LIMIT_TAIL:
            lower = first + offset
        if cumulative >= 1 - CONTROL_LIMIT_TAIL:
            upper = first + offset
            break
    assert lower is not None and upper is not None
    return (lower, upper)


def funnel(*, events: int, cases: int, national_rate: float, what: str = "events") -> Judgement:
    """An area's rate per 100 cases against the 99.8% control limits around the national rate.

    ``events`` counts the cases with the event (a case counts once, so the count is binomial),
    ``national_rate`` is per 100 cases, ``what`` names the events in the sentence. No cases: not
    judged.

    >>> funnel(events=12, cases=200, national_rate=5.0).flagged
    False
    >>> funnel(events=1, cases=200, national_rate=5.0).explanation
    '0.5 events per 100 cases, below the lower control limit of 1.0 around the national rate of 5.0 (99.8% limits for 200 cases).'
    """
    _validate.integer("cases", cases, minimum=0)
    _validate.integer("events", events, minimum=0, maximum=cases)
    _validate.number("national_rate", national_rate, minimum=0, maximum=100)
    if not isinstance(what, str) or not what.strip():
        raise ValueError(f"what: must name the events, got {what!r}")
    figures: dict[str, Figure] = {
        "events": events,
        "cases": cases,
        "national_rate": round(national_rate, 4),
    }
    if cases == 0:
        figures |= {"judged": False, "rate": None, "lower_limit": None, "upper_limit": None}
        return Judgement(False, f"Not judged: no cases to count {what} against.", figures)
    lower, upper = control_limits(cases=cases, proportion=national_rate / 100)
    rate = 100 * events / cases
    lower_rate, upper_rate = 100 * lower / cases, 100 * upper / cases
    figures |= {
        "judged": True,
        "rate": round(rate, 4),
        "lower_limit": round(lower_rate, 4),
        "upper_limit": round(upper_rate, 4),
        "position": "above" if events > upper else "below" if events < lower else "within",
    }
    limits = (
        f"around the national rate of {_one(national_rate)} (99.8% limits for {cases:,} cases)."
    )
    if events > upper:
        return Judgement(
            True,
            f"{_one(rate)} {what} per 100 cases, above the upper control limit of "
            f"{_one(upper_rate)} {limits}",
            figures,
        )
    if events < lower:
        return Judgement(
            True,
            f"{_one(rate)} {what} per 100 cases, below the lower control limit of "
            f"{_one(lower_rate)} {limits}",
            figures,
        )
    return Judgement(
        False,
        f"{_one(rate)} {what} per 100 cases, within the control limits of {_one(lower_rate)} to "
        f"{_one(upper_rate)} {limits}",
        figures,
    )
