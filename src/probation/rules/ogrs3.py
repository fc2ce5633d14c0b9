"""OGRS3: the Offender Group Reconviction Scale, version 3.

Spec: ``docs/domain/ogrs3.md`` (the formula, the AGE_SEX and OFFENCE tables, the band
cut-offs and the validation rules are taken from it verbatim).

OGRS3 is a static actuarial predictor: from age, sex, the current offence and the criminal
history it gives the probability of a proven reoffence within one and two years. The two-year
figure feeds tiering (``tiering.md``) and is shown to practitioners, so the result carries every
term of the linear score, letting a practitioner see *why* a score is what it is.

``calculate`` is on the hot path of bulk re-scoring (the whole caseload is re-tiered when a
rule changes), so it only does dictionary/list look-ups and float arithmetic; all validation is
done once, when the :class:`Ogrs3Facts` is built.
"""

from __future__ import annotations

import math
import types
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from typing import Final, NamedTuple

from probation.rules import _validate
from probation.rules.dates import whole_years

SEXES: Final = ("male", "female")
BANDS: Final = ("low", "medium", "high", "very_high")

#: ``S`` in the formula: the weight for a first sanction versus a repeat one.
FIRST_SANCTION_WEIGHT: Final = 0.12614
REPEAT_SANCTION_WEIGHT: Final = 0.46306
#: Coefficient of the Copas rate.
COPAS_COEFFICIENT: Final = 1.25112
#: Intercepts added to ``x`` before the logistic function.
ONE_YEAR_INTERCEPT: Final = 1.40256
TWO_YEAR_INTERCEPT: Final = 2.1217
#: The lowest age at which a sanction is possible (age of criminal responsibility).
MINIMUM_SANCTION_AGE: Final = 10


class AgeSexBand(NamedTuple):
    """One row of the AGE_SEX table; ``max_age`` is None for the open-ended ``50+`` row."""

    min_age: int
    max_age: int | None
    male: float
    female: float

    @property
    def label(self) -> str:
        if self.max_age is None:
            return f"{self.min_age}+"
        return f"{self.min_age}-{self.max_age}"


#: AGE_SEX, by age at the start of follow-up (``ogrs3.md``).
AGE_SEX: Final[tuple[AgeSexBand, ...]] = (
    AgeSexBand(10, 11, 0.0, 0.785),
    AgeSexBand(12, 13, 0.08392, 0.61385),
    AgeSexBand(14, 15, 0.07578, 0.66952),
    AgeSexBand(16, 17, -0.0616, -0.9592),
    AgeSexBand(18, 20, -0.6251, -0.8975),
    AgeSexBand(21, 24, -1.0515, -1.0285),
    AgeSexBand(25, 29, -1.1667, -1.0528),
    AgeSexBand(30, 34, -1.326, -1.1291),
    AgeSexBand(35, 39, -1.368, -1.4219),
    AgeSexBand(40, 49, -1.4997, -1.5247),
    AgeSexBand(50, None, -2.0253, -2.4498),
)

#: OFFENCE: category key -> (label, weight) (``ogrs3.md``).
OFFENCE_CATEGORIES: Final[Mapping[str, tuple[str, float]]] = types.MappingProxyType(
    {
        "violence": ("violence against the person", 0.0),
        "robbery": ("robbery", -0.6348),
        "public_order": ("public order, harassment", 0.1819),
        "sexual_not_child": ("sexual offence, not against a child", 0.0328),
        "sexual_child": ("sexual offence against a child", -0.6534),
        "soliciting": ("soliciting, prostitution", 0.7606),
        "burglary_domestic": ("domestic burglary", -0.1239),
        "burglary_other": ("other burglary", 0.2406),
        "theft": ("theft (not of or from a vehicle)", 0.6612),
        "handling": ("handling stolen goods", 0.3519),
        "fraud": ("fraud and forgery", 0.1599),
        "absconding": ("absconding, bail offences", 0.7334),
        "vehicle_theft": ("theft or taking of a vehicle", 0.4272),
        "theft_from_vehicle": ("theft from a vehicle", 0.3801),
        "motoring": ("other motoring offences", 0.2622),
        "drink_driving": ("drink driving", -0.1214),
        "criminal_damage": ("criminal damage", 0.205),
        "drug_import_export_production": ("drug import, export, production", -0.7956),
        "drug_possession_supply": ("drug possession, supply", 0.0772),
        "other": ("any other offence", -0.0607),
    }
)

# Hot-path look-ups, precomputed once: age -> band row for ages 0..50 (50 and over share a row).
_OPEN_AGE: Final = AGE_SEX[-1].min_age
_BAND_BY_AGE: Final[tuple[AgeSexBand, ...]] = tuple(
    next(
        (b for b in AGE_SEX if b.min_age <= age and (b.max_age is None or age <= b.max_age)),
        AGE_SEX[0],  # ages under 10 cannot occur: facts with them are refused
    )
    for age in range(_OPEN_AGE + 1)
)
_WEIGHT: Final[dict[str, float]] = {k: w for k, (_, w) in OFFENCE_CATEGORIES.items()}


def age_sex_band(age: int) -> AgeSexBand:
    """The AGE_SEX row for an age in whole years (10 or over)."""
    _validate.integer("age", age, minimum=MINIMUM_SANCTION_AGE)
    return _BAND_BY_AGE[age if age < _OPEN_AGE else _OPEN_AGE]


def band_for(two_year: int) -> str:
    """The OGRS band of a two-year percentage: 0-49 low, 50-74 medium, 75-89 high, 90+."""
    if two_year >= 90:
        return "very_high"
    if two_year >= 75:
        return "high"
    if two_year >= 50:
        return "medium"
    return "low"


def percent(probability: float) -> int:
    """A probability as a whole percent, rounded half up and clamped to 1..99.

    ``floor(p * 100 + 0.5)`` rounds halves up; the logistic of a real score is never an exact
    half-percent in practice, so this agrees with decimal half-up rounding.
    """
    value = math.floor(probability * 100.0 + 0.5)
    if value < 1:
        return 1
    if value > 99:
        return 99
    return value


@dataclass(frozen=True, slots=True)
class Ogrs3Facts:
    """The facts OGRS3 is calculated from (field names as ``ogrs3.md``).

    ``total_sanctions`` includes the current conviction, and ``first_sanction_age`` equals the age
    at the current conviction for a first sanction.
    """

    sex: str
    date_of_birth: date
    conviction_date: date
    follow_up_start: date
    total_sanctions: int
    first_sanction_age: int
    offence_category: str

    def __post_init__(self) -> None:
        _validate.choice("sex", self.sex, SEXES)
        _validate.date("date_of_birth", self.date_of_birth)
        _validate.date("conviction_date", self.conviction_date)
        _validate.date("follow_up_start", self.follow_up_start)
        age_c = whole_years(self.date_of_birth, self.conviction_date)
        if age_c < MINIMUM_SANCTION_AGE:
            raise ValueError(
                f"conviction_date: the person was {age_c} on {self.conviction_date.isoformat()}; "
                f"a conviction needs an age of at least {MINIMUM_SANCTION_AGE}"
            )
        if self.follow_up_start < self.conviction_date:
            raise ValueError(
                f"follow_up_start: must not be before conviction_date "
                f"({self.conviction_date.isoformat()}), got {self.follow_up_start.isoformat()}"
            )
        _validate.integer("total_sanctions", self.total_sanctions, minimum=1)
        _validate.integer("first_sanction_age", self.first_sanction_age)
        if self.first_sanction_age < MINIMUM_SANCTION_AGE:
            raise ValueError(
                f"first_sanction_age: must be at least {MINIMUM_SANCTION_AGE} "
                f"(age of criminal responsibility), got {self.first_sanction_age}"
            )
        if self.first_sanction_age > age_c:
            raise ValueError(
                f"first_sanction_age: the first sanction cannot come after the current "
                f"conviction (age {age_c} at conviction), got {self.first_sanction_age}"
            )
        if self.total_sanctions == 1 and self.first_sanction_age != age_c:
            raise ValueError(
                f"first_sanction_age: with total_sanctions 1 the current conviction is the first "
                f"sanction, so it must equal the age at conviction ({age_c}), "
                f"got {self.first_sanction_age}"
            )
        _validate.choice("offence_category", self.offence_category, OFFENCE_CATEGORIES)


@dataclass(frozen=True, slots=True)
class Ogrs3Result:
    """An OGRS3 score with every term of the linear score ``x``.

    ``x = age_sex_term + sanction_term + copas_term + offence_weight``, where
    ``copas_term = 1.25112 * copas``.
    """

    one_year: int
    two_year: int
    band: str
    x: float
    age_at_conviction: int
    age_at_follow_up: int
    age_sex_term: float
    sanction_term: float
    copas: float
    copas_term: float
    offence_weight: float

    @property
    def reasons(self) -> tuple[tuple[str, float], ...]:
        """The terms of ``x`` as (term, value) pairs, in the order of the formula."""
        return (
            ("age/sex", self.age_sex_term),
            ("S", self.sanction_term),
            ("copas", self.copas_term),
            ("offence", self.offence_weight),
        )

    @property
    def explanation(self) -> str:
        """A one-line, human-readable account of the score."""
        return (
            f"OGRS3 {self.one_year}% (1 year), {self.two_year}% (2 years) → {self.band}: "
            f"age/sex term {self.age_sex_term:+.5f} (age {self.age_at_follow_up} at follow-up); "
            f"S {self.sanction_term:+.5f}; "
            f"copas {COPAS_COEFFICIENT} × {self.copas:.5f} = {self.copas_term:+.5f}; "
            f"offence weight {self.offence_weight:+.4f}; x = {self.x:.5f}"
        )


def calculate(facts: Ogrs3Facts) -> Ogrs3Result:
    """Calculate OGRS3 one- and two-year percentages, band and terms for ``facts``."""
    dob = facts.date_of_birth
    conv = facts.conviction_date
    fus = facts.follow_up_start
    dob_md = (dob.month, dob.day)
    age_c = conv.year - dob.year - ((conv.month, conv.day) < dob_md)
    age_f = fus.year - dob.year - ((fus.month, fus.day) < dob_md)
    row = _BAND_BY_AGE[age_f if age_f < _OPEN_AGE else _OPEN_AGE]
    age_sex = row.male if facts.sex == "male" else row.female
    total = facts.total_sanctions
    s = FIRST_SANCTION_WEIGHT if total == 1 else REPEAT_SANCTION_WEIGHT
    copas = round(math.log(total / (10 + age_c - facts.first_sanction_age)), 5)
    copas_term = COPAS_COEFFICIENT * copas
    weight = _WEIGHT[facts.offence_category]
    x = age_sex + s + copas_term + weight
    one_year = percent(1.0 / (1.0 + math.exp(-(x + ONE_YEAR_INTERCEPT))))
    two_year = percent(1.0 / (1.0 + math.exp(-(x + TWO_YEAR_INTERCEPT))))
    if two_year >= 90:
        band = "very_high"
    elif two_year >= 75:
        band = "high"
    elif two_year >= 50:
        band = "medium"
    else:
        band = "low"
    return Ogrs3Result(
        one_year, two_year, band, x, age_c, age_f, age_sex, s, copas, copas_term, weight
    )
