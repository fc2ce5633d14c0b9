"""Ground truth for payment by results: each CRC's true effect on reoffending, and proven offences
drawn from it (``docs/domain/reoffending-and-payment.md``, issue 10 point 3).

The demo world must let the engine be checked against something known. So the truth is a
parameter here: :data:`TRUE_EFFECTS` says by how much each contract area's CRC changes its
people's one-year probability of proven reoffending against baseline performance, and
:func:`proven_offences_for` draws offences from each person's OGRS3 one-year probability with
that change applied. ``tests/performance/test_recovers_truth.py`` builds a large world with these
functions and checks that the engine and the payment rules find the areas that really differ,
and find no more of the others than the 5 % significance level allows.

The generator functions are pure (NumPy and Polars, vectorised, seeded; no Django, no database):
the same inputs and seed give the same rows. The demo build's steps below them read the world's
index events, write the offences, contract terms and baselines, and run the payment by results
for the world's quarters through the performance app's services.

How a person's offences are drawn (``p`` the OGRS3 one-year probability, ``e`` the effect):

- whether they reoffend in the 12 months after the index date: with probability
  ``q = min(1, p * (1 + e))``;
- how many proven reoffences a reoffender has: ``1 + Poisson(λ)``, ``λ`` rising with ``p``
  (:data:`FREQUENCY_BASE`, :data:`FREQUENCY_PER_PROBABILITY`). The effect changes who reoffends,
  not how often a reoffender does: the frequency per reoffender is the same as at baseline for
  every area, so the frequency measure has no true effect to find anywhere;
- each offence's date: uniform over ``(index date, index date + 12 calendar months]``;
- when it is proven: a court conviction after a log-normal lag (median about 10 weeks), a caution
  sooner. Some lags run past the 18-month limit, so a few true reoffences do not count: as in the
  real statistics, and the same at baseline, so the calibration absorbs it;
- rows that must not count, as any real extract holds them: offences before or on the index
  date (the matter that led to the index event, or older matters proven later) and offences
  committed more than 12 months after it;
- only rows proven by ``measured_on`` are returned: the future has not happened.
"""

from __future__ import annotations

import datetime as dt
import zlib
from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import polars as pl
from django.db import connection
from django.db.models import Q

from probation.allocation.models import SiftDecision
from probation.core.audit import AuditAction, audit
from probation.courts.models import Sentence
from probation.demo import data
from probation.demo.world import BuildContext
from probation.performance.engine import OFFENCE_SCHEMA
from probation.performance.extract import COMMUNITY_DISPOSALS, SIFT_GRACE_DAYS, quarter_extract
from probation.performance.models import (
    AreaFigures,
    AreaResult,
    Baseline,
    CohortMember,
    ContractTerms,
    IndicatorFlag,
    PbrRun,
    ProvenOffence,
    Statement,
    StatementLine,
)
from probation.performance.services import (
    baseline_record,
    pbr_run_record,
    proven_offences_record,
)
from probation.risk.models import Assessment
from probation.rules.custody import CUSTODIAL_DISPOSALS
from probation.rules.dates import add_months
from probation.rules.reoffending import FOLLOW_UP_MONTHS, PROVEN_WITHIN_MONTHS, Quarter
from probation.workforce.models import OrganisationKind

#: The true effect of each contract area's CRC: the relative change in its people's one-year
#: probability of proven reoffending against baseline performance (``q = min(1, p * (1 + e))``).
#:
#: ====  ==============================================  ======  ==============================
#: Area  Contract area                                   Effect  Meaning
#: ====  ==============================================  ======  ==============================
#: C12   London                                          -0.25   much better than baseline
#: C08   Merseyside                                      -0.20   much better
#: C09   West Yorkshire                                  -0.05   a little better
#: C16   Wales                                           +0.05   a little worse
#: C17   Staffordshire and West Midlands                 +0.20   much worse
#: C07   Cheshire and Greater Manchester                 +0.25   much worse than baseline
#: ====  ==============================================  ======  ==============================
#:
#: Every other area (15 of 21) performs exactly at baseline (effect 0).
TRUE_EFFECTS: dict[str, float] = {f"C{number:02d}": 0.0 for number in range(1, 22)} | {
    "C12": -0.25,
    "C08": -0.20,
    "C09": -0.05,
    "C16": 0.05,
    "C17": 0.20,
    "C07": 0.25,
}
#: An effect at least this large either way should always be found significant at the cohort
#: sizes of the recovery test; smaller non-zero effects may or may not be.
LARGE_EFFECT = 0.20

#: The shape of OGRS3 one-year scores in the demo world: ``(lowest, highest, weight)`` of each
#: 5-point band, counted over the 2,718 assessments of the 3,000-person world (seed 2014), which
#: :mod:`probation.demo.risk` scores from each person's generated history with the real OGRS3
#: formula (median 15 %, mean 21 %, a long tail of prolific offenders). A baseline cohort has no
#: histories to score, so it draws from this shape instead: a band by weight, then a whole percent
#: uniformly within it.
OGRS3_ONE_YEAR_BANDS: tuple[tuple[int, int, float], ...] = (
    (1, 4, 143), (5, 9, 719), (10, 14, 485), (15, 19, 311), (20, 24, 236), (25, 29, 163),
    (30, 34, 138), (35, 39, 117), (40, 44, 95), (45, 49, 73), (50, 54, 59), (55, 59, 51),
    (60, 64, 41), (65, 69, 31), (70, 74, 15), (75, 79, 16), (80, 84, 17), (85, 89, 7),
    (90, 94, 1),
)  # fmt: skip
#: Used for a person without a score when their whole cohort has none (the demo's mean).
DEFAULT_OGRS3_ONE_YEAR = 21

#: Proven reoffences of a reoffender: ``1 + Poisson(FREQUENCY_BASE + FREQUENCY_PER_PROBABILITY *
#: p)``: about 2.5 at p = 0.15 and 3.8 at p = 0.6, about 3 per reoffender over the demo's mix.
FREQUENCY_BASE = 1.0
FREQUENCY_PER_PROBABILITY = 3.0
#: Share of proven offences disposed of by a caution, and the log-normal lags (median days,
#: sigma) from offence to caution and to conviction. A conviction beyond the 18-month limit is
#: rare but happens (about 3 % of convictions take longer than a year).
CAUTION_SHARE = 0.15
CAUTION_LAG = (21.0, 0.6)
CONVICTION_LAG = (70.0, 0.9)
#: Rows that must not count. A share of people have an offence in the year up to the index date
#: (some on the index date itself), proven after the usual lag, often after the index date; a
#: person has an offence in the year after the 12-month follow-up with their own probability
#: times :data:`LATER_OFFENCE_FACTOR`.
EARLIER_OFFENCE_RATE = 0.25
ON_INDEX_DATE_SHARE = 0.2
EARLIER_WITHIN_DAYS = 365
LATER_OFFENCE_FACTOR = 0.8
LATER_WITHIN_DAYS = 365

#: What each generated row is, in :func:`offence_draws`' ``kind`` column.
REOFFENCE = "reoffence"
ON_OR_BEFORE_INDEX = "on_or_before_index"
AFTER_FOLLOW_UP = "after_follow_up"

_FOLLOW_UP = f"{FOLLOW_UP_MONTHS}mo"
_REOFFENCE_CATEGORIES = tuple(data.HISTORY_OFFENCE_WEIGHTS)
_REOFFENCE_WEIGHTS = np.array(list(data.HISTORY_OFFENCE_WEIGHTS.values())) / sum(
    data.HISTORY_OFFENCE_WEIGHTS.values()
)
_BAND_LOW = np.array([low for low, _, _ in OGRS3_ONE_YEAR_BANDS])
_BAND_HIGH = np.array([high for _, high, _ in OGRS3_ONE_YEAR_BANDS])
_BAND_WEIGHTS = np.array([weight for _, _, weight in OGRS3_ONE_YEAR_BANDS]) / sum(
    weight for _, _, weight in OGRS3_ONE_YEAR_BANDS
)

#: The generator's output columns: the engine's offence columns, then how each was proven and the
#: kind of offence (``ProvenOffence.proven_by`` and ``offence_category``).
OFFENCE_COLUMNS: dict[str, pl.DataType | type[pl.DataType]] = {
    "person_id": pl.String,
    "offence_date": pl.Date,
    "proven_date": pl.Date,
    "proven_by": pl.String,
    "offence_category": pl.String,
}


# --- The pure generator ----------------------------------------------------------------------


def _rng(seed: int, *keys: str | int) -> np.random.Generator:
    """A generator for ``seed`` and a purpose (an area, a year): independent streams, stable
    across Python runs (``zlib.crc32``, not ``hash``)."""
    entropy = [seed, *(k if isinstance(k, int) else zlib.crc32(k.encode()) for k in keys)]
    return np.random.default_rng(entropy)


def draw_ogrs3(rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` OGRS3 one-year scores (whole percents) in the shape of the demo world's."""
    band = rng.choice(len(_BAND_WEIGHTS), size=size, p=_BAND_WEIGHTS)
    return rng.integers(_BAND_LOW[band], _BAND_HIGH[band], endpoint=True)


def synthetic_cohort(
    *,
    contract_area: str,
    size: int,
    seed: int,
    starts_on: dt.date,
    ends_on: dt.date,
    cohort: str,
) -> pl.DataFrame:
    """``size`` people of ``contract_area`` with index dates spread evenly over ``starts_on`` to
    ``ends_on`` and OGRS3 scores from the demo's distribution, in the engine's cohort columns.
    Person ids are ``{cohort}-{contract_area}-{n}``, unique across areas and cohorts."""
    if size < 0 or ends_on < starts_on:
        raise ValueError("size: at least 0, and the period must not end before it starts")
    rng = _rng(seed, "cohort", cohort, contract_area)
    span = (ends_on - starts_on).days + 1
    offsets = rng.integers(0, span, size=size)
    return pl.DataFrame(
        {
            "person_id": pl.int_range(0, size, eager=True).cast(pl.String),
            "index_date": pl.Series(offsets, dtype=pl.Int64),
            "ogrs3_one_year": pl.Series(draw_ogrs3(rng, size), dtype=pl.Int64),
        }
    ).select(
        pl.concat_str(pl.lit(f"{cohort}-{contract_area}-"), pl.col("person_id")).alias("person_id"),
        (pl.lit(starts_on) + pl.duration(days=pl.col("index_date"))).alias("index_date"),
        pl.lit(cohort).alias("cohort"),
        pl.lit(contract_area).alias("contract_area"),
        pl.col("ogrs3_one_year"),
    )


def baseline_cohort(
    *, contract_area: str, size: int, seed: int, year: int = 2011
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """A contract area's baseline year at baseline performance (effect 0), fully followed up:
    ``size`` people with index dates over the calendar ``year`` and every offence proven by the
    day the last member's 18 months have passed."""
    cohort = synthetic_cohort(
        contract_area=contract_area,
        size=size,
        seed=seed,
        starts_on=dt.date(year, 1, 1),
        ends_on=dt.date(year, 12, 31),
        cohort=str(year),
    )
    # Each area's baseline its own stream of offences: the same seed for every area would give
    # person n of every area the same draws, and the areas' baselines would err together.
    offences_seed = int(_rng(seed, "baseline offences", contract_area, year).integers(2**62))
    offences = proven_offences_for(
        cohort,
        effects={},
        seed=offences_seed,
        measured_on=add_months(dt.date(year, 12, 31), PROVEN_WITHIN_MONTHS),
    )
    return cohort, offences


def _probabilities(cohort: pl.DataFrame) -> pl.Expr:
    """Each person's OGRS3 one-year probability; without a score, their area's mean in this
    cohort (or the cohort's mean, or the demo's mean)."""
    score = pl.col("ogrs3_one_year").cast(pl.Float64)
    overall = cohort.select(pl.col("ogrs3_one_year").cast(pl.Float64).mean()).item()
    fallback = float(DEFAULT_OGRS3_ONE_YEAR if overall is None else overall)
    return (score.fill_null(score.mean().over("contract_area")).fill_null(fallback) / 100).clip(
        0.0, 1.0
    )


def _lags(rng: np.random.Generator, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Days from offence to proof (at least 1), and whether each was a caution."""
    caution = rng.random(size) < CAUTION_SHARE
    median = np.where(caution, CAUTION_LAG[0], CONVICTION_LAG[0])
    sigma = np.where(caution, CAUTION_LAG[1], CONVICTION_LAG[1])
    lag = np.maximum(1, np.rint(median * np.exp(sigma * rng.standard_normal(size))))
    return lag.astype(np.int64), caution


def offence_draws(cohort: pl.DataFrame, *, effects: Mapping[str, float], seed: int) -> pl.DataFrame:
    """Every offence the people of ``cohort`` commit and have proven, ever, with its ``kind``
    (:data:`REOFFENCE` inside the follow-up, or one of the two kinds that must not count).

    ``cohort`` has ``person_id``, ``index_date``, ``contract_area`` and ``ogrs3_one_year``, one
    row per person. If it also has a Boolean ``paid_by_results`` column, the effect applies only
    where it is true: the people the NPS supervises are not the CRC's and perform at baseline.
    """
    n = cohort.height
    rng = _rng(seed, "offences")
    effect = pl.col("contract_area").replace_strict(
        dict(effects), default=0.0, return_dtype=pl.Float64
    )
    if "paid_by_results" in cohort.columns:
        effect = pl.when(pl.col("paid_by_results")).then(effect).otherwise(0.0)
    people = cohort.select(
        "person_id",
        "index_date",
        _probabilities(cohort).alias("p"),
        effect.alias("effect"),
        pl.col("index_date").dt.offset_by(_FOLLOW_UP).alias("follow_up_ends"),
    ).with_columns(
        (pl.col("p") * (1 + pl.col("effect"))).clip(0.0, 1.0).alias("q"),
        (pl.col("follow_up_ends") - pl.col("index_date")).dt.total_days().alias("window_days"),
    )
    p = people.get_column("p").to_numpy()
    q = people.get_column("q").to_numpy()
    window_days = people.get_column("window_days").to_numpy()

    # Proven reoffences: who reoffends (with the effect), how often (without it), when.
    reoffends = rng.random(n) < q
    counts = np.where(reoffends, 1 + rng.poisson(FREQUENCY_BASE + FREQUENCY_PER_PROBABILITY * p), 0)
    who = np.repeat(np.arange(n), counts)
    within = 1 + np.floor(rng.random(who.size) * window_days[who]).astype(np.int64)

    # Offences that must not count: on or before the index date, after the follow-up.
    earlier = np.flatnonzero(rng.random(n) < EARLIER_OFFENCE_RATE)
    on_index = rng.random(earlier.size) < ON_INDEX_DATE_SHARE
    before = np.where(
        on_index, 0, -rng.integers(1, EARLIER_WITHIN_DAYS, size=earlier.size, endpoint=True)
    )
    later = np.flatnonzero(rng.random(n) < np.clip(p * LATER_OFFENCE_FACTOR, 0.0, 1.0))
    after = window_days[later] + rng.integers(1, LATER_WITHIN_DAYS, size=later.size, endpoint=True)

    person = np.concatenate([who, earlier, later])
    offset = np.concatenate([within, before, after])
    kind = np.concatenate(
        [
            np.full(who.size, 0, dtype=np.int8),
            np.full(earlier.size, 1, dtype=np.int8),
            np.full(later.size, 2, dtype=np.int8),
        ]
    )
    lag, caution = _lags(rng, person.size)
    category = rng.choice(len(_REOFFENCE_CATEGORIES), size=person.size, p=_REOFFENCE_WEIGHTS)
    index_dates = people.get_column("index_date").gather(person)
    rows = pl.DataFrame(
        {
            "person_id": people.get_column("person_id").gather(person),
            "index_date": index_dates,
            "offset": pl.Series(offset, dtype=pl.Int64),
            "lag": pl.Series(lag, dtype=pl.Int64),
            "caution": pl.Series(caution, dtype=pl.Boolean),
            "category": pl.Series(category, dtype=pl.Int64),
            "kind": pl.Series(kind, dtype=pl.Int8),
        }
    )
    return rows.select(
        "person_id",
        (pl.col("index_date") + pl.duration(days=pl.col("offset"))).alias("offence_date"),
        (pl.col("index_date") + pl.duration(days=pl.col("offset") + pl.col("lag"))).alias(
            "proven_date"
        ),
        pl.when(pl.col("caution"))
        .then(pl.lit("caution"))
        .otherwise(pl.lit("conviction"))
        .alias("proven_by"),
        pl.col("category")
        .replace_strict(dict(enumerate(_REOFFENCE_CATEGORIES)), return_dtype=pl.String)
        .alias("offence_category"),
        pl.col("kind")
        .replace_strict(
            {0: REOFFENCE, 1: ON_OR_BEFORE_INDEX, 2: AFTER_FOLLOW_UP}, return_dtype=pl.String
        )
        .alias("kind"),
    ).sort("person_id", "offence_date", "proven_date", "kind", "proven_by", "offence_category")


def proven_offences_for(
    cohort: pl.DataFrame,
    *,
    effects: Mapping[str, float],
    seed: int,
    measured_on: dt.date,
) -> pl.DataFrame:
    """The proven offences of ``cohort`` as an extract taken on ``measured_on`` would hold them:
    :func:`offence_draws` without the rows proven later, in :data:`OFFENCE_COLUMNS`."""
    return (
        offence_draws(cohort, effects=effects, seed=seed)
        .filter(pl.col("proven_date") <= measured_on)
        .select(list(OFFENCE_COLUMNS))
    )


# --- The demo steps --------------------------------------------------------------------------

#: The source recorded on the demo's proven offences (``ProvenOffence.source``).
DEMO_SOURCE = "demo"
#: The baseline year, as in the published design.
BASELINE_YEAR = 2011
#: A contract area's baseline cohort is this many times its CRC's index events in the world's
#: last year (a realistic annual cohort against the world's size), and never smaller than
#: :data:`BASELINE_MINIMUM`, so the calibration of a small area is not a handful of people.
BASELINE_PER_YEARLY_COHORT = 4
BASELINE_MINIMUM = 400
#: The Transforming Rehabilitation contracts began on 1 February 2015; the demo's terms start then,
#: or earlier if the world has index events before it.
CONTRACTS_START = dt.date(2015, 2, 1)

#: The tables the demo fills here, in an order they can be emptied in (dependents first).
PERFORMANCE_MODELS = (
    IndicatorFlag,
    StatementLine,
    Statement,
    AreaFigures,
    AreaResult,
    CohortMember,
    PbrRun,
    Baseline,
    ContractTerms,
    ProvenOffence,
)

#: Plausible contract prices (the real ones were never published): the national figure, which
#: each area's contract varies by up to 10 % either way (:func:`contract_terms_for`).
TERMS_PRICES: dict[str, Decimal] = {
    "price_per_reoffender_avoided": Decimal("2000"),
    "price_per_reoffence_avoided": Decimal("600"),
    "order_month_price": Decimal("85.00"),
    "licence_month_price": Decimal("95.00"),
    "unpaid_work_hour_price": Decimal("12.50"),
    "programme_completion_price": Decimal("1200.00"),
    "resettlement_plan_price": Decimal("150.00"),
    "late_allocation_deduction": Decimal("250.00"),
    "overdue_breach_referral_deduction": Decimal("300.00"),
    "missed_first_appointment_deduction": Decimal("150.00"),
}
TERMS_DEDUCTION_RATE = Decimal("0.5")


def _events(as_of: dt.date) -> pl.DataFrame:
    """Every index event in the world by ``as_of``: orders from their sentence date, releases onto
    licence or supervision from their release date (the extract's definition,
    :mod:`probation.performance.extract`)."""
    released = Q(
        disposal__in=sorted(CUSTODIAL_DISPOSALS),
        release_date__lte=as_of,
    ) & (Q(licence_end__isnull=False) | Q(supervision_end__isnull=False))
    rows = (
        Sentence.objects.filter(Q(disposal__in=COMMUNITY_DISPOSALS) | released)
        .order_by()
        .values_list(
            "case_id",
            "case__person_id",
            "case__person__crn",
            "case__contract_area__code",
            "case__responsible_organisation__kind",
            "disposal",
            "sentence_date",
            "release_date",
        )
    )
    schema = {
        "case_id": pl.Int64,
        "person_pk": pl.Int64,
        "person_id": pl.String,
        "contract_area": pl.String,
        "current_kind": pl.String,
        "disposal": pl.String,
        "sentence_date": pl.Date,
        "release_date": pl.Date,
    }
    return pl.DataFrame(list(rows), schema=schema, orient="row").with_columns(
        pl.when(pl.col("disposal").is_in(COMMUNITY_DISPOSALS))
        .then(pl.col("sentence_date"))
        .otherwise(pl.col("release_date"))
        .alias("index_date")
    )


def world_index_events(*, as_of: dt.date) -> pl.DataFrame:
    """Each person's first index event in the world, with what the generator needs.

    Columns: ``person_pk``, ``person_id`` (the CRN), ``index_date``, ``contract_area``,
    ``ogrs3_one_year`` (the latest assessment on or before the index date, else the first after,
    as the extract reads it) and ``paid_by_results``: whether the case was sifted to a CRC (the
    latest sift decided within 14 days of the index date, else the case's current organisation).
    The CRC's true effect applies only to its own people. Every sift and score in the world is
    read (a few columns each) and matched in Polars: a list of a national world's case ids would
    pass PostgreSQL's limit of parameters in one query.
    """
    events = _events(as_of)
    sifts = pl.DataFrame(
        list(
            SiftDecision.objects.order_by().values_list(
                "case_id", "decided_at", "id", "organisation__kind"
            )
        ),
        schema={
            "case_id": pl.Int64,
            "decided_at": pl.Datetime("us", "UTC"),
            "sift_id": pl.Int64,
            "sift_kind": pl.String,
        },
        orient="row",
    ).with_columns(
        pl.col("decided_at").dt.convert_time_zone("Europe/London").dt.date().alias("sift_day")
    )
    scores = pl.DataFrame(
        list(
            Assessment.objects.filter(ogrs3_one_year__isnull=False)
            .order_by()
            .values_list("case_id", "assessed_on", "id", "ogrs3_one_year")
        ),
        schema={
            "case_id": pl.Int64,
            "assessed_on": pl.Date,
            "assessment_id": pl.Int64,
            "ogrs3_one_year": pl.Int64,
        },
        orient="row",
    ).sort("assessed_on", "assessment_id")
    placed = (
        events.with_columns(
            (pl.col("index_date") + pl.duration(days=SIFT_GRACE_DAYS)).alias("sift_by")
        )
        .sort("sift_by")
        .join_asof(
            sifts.sort("sift_day", "sift_id").select("case_id", "sift_day", "sift_kind"),
            left_on="sift_by",
            right_on="sift_day",
            by="case_id",
            strategy="backward",
            check_sortedness=False,
        )
        .sort("index_date")
        .join_asof(
            scores.select("case_id", "assessed_on", pl.col("ogrs3_one_year").alias("before")),
            left_on="index_date",
            right_on="assessed_on",
            by="case_id",
            strategy="backward",
            check_sortedness=False,
        )
        .join_asof(
            scores.select(
                "case_id",
                pl.col("assessed_on").alias("assessed_after"),
                pl.col("ogrs3_one_year").alias("after"),
            ),
            left_on="index_date",
            right_on="assessed_after",
            by="case_id",
            strategy="forward",
            check_sortedness=False,
        )
    )
    return (
        placed.select(
            "person_pk",
            "person_id",
            "index_date",
            "contract_area",
            pl.coalesce("before", "after").alias("ogrs3_one_year"),
            (pl.coalesce("sift_kind", "current_kind") == OrganisationKind.CRC.value)
            .fill_null(False)
            .alias("paid_by_results"),
            "case_id",
        )
        .sort("person_id", "index_date", "case_id")
        .unique(subset="person_id", keep="first", maintain_order=True)
        .drop("case_id")
    )


def contract_terms_for(
    area_ids: Mapping[str, int], *, starts_on: dt.date, seed: int
) -> list[ContractTerms]:
    """Unsaved terms for each contract area (code → id): the national prices of
    :data:`TERMS_PRICES`, each area's varied by one factor from 0.9 to 1.1 (outcome prices to the
    pound, the rest to the penny), open-ended from ``starts_on``."""
    rng = _rng(seed, "terms")
    terms = []
    for code in sorted(area_ids):
        factor = Decimal(str(round(0.9 + 0.2 * float(rng.random()), 3)))
        prices = {
            name: (price * factor).quantize(
                Decimal("1") if name.startswith("price_per") else Decimal("0.01")
            )
            for name, price in TERMS_PRICES.items()
        }
        terms.append(
            ContractTerms(
                contract_area_id=area_ids[code],
                starts_on=starts_on,
                ends_on=None,
                deduction_rate=TERMS_DEDUCTION_RATE,
                **prices,
            )
        )
    return terms


def baseline_sizes(events: pl.DataFrame, *, codes: list[str], as_of: dt.date) -> dict[str, int]:
    """Each area's baseline cohort size: :data:`BASELINE_PER_YEARLY_COHORT` times its CRC's index
    events in the year to ``as_of``, at least :data:`BASELINE_MINIMUM`."""
    year_ago = add_months(as_of, -12)
    yearly = dict(
        events.filter(
            pl.col("paid_by_results"),
            pl.col("index_date") > year_ago,
            pl.col("index_date") <= as_of,
        )
        .group_by("contract_area")
        .len()
        .iter_rows()
    )
    return {
        code: max(BASELINE_MINIMUM, BASELINE_PER_YEARLY_COHORT * yearly.get(code, 0))
        for code in codes
    }


#: The demo runs the latest final quarters only: a year of results to show, and a quick build.
FINAL_QUARTERS_RUN = 4


def quarters_to_run(events: pl.DataFrame, *, as_of: dt.date) -> list[Quarter]:
    """The latest :data:`FINAL_QUARTERS_RUN` quarters with CRC index events whose result is final
    by ``as_of``, then the latest quarter that has ended (provisional: its 18 months have not
    passed)."""
    days = events.filter(pl.col("paid_by_results")).get_column("index_date").unique().to_list()
    final = {q for q in map(Quarter.containing, days) if not q.is_provisional(measured_on=as_of)}
    latest = Quarter.containing(as_of).previous()
    return sorted(set(sorted(final)[-FINAL_QUARTERS_RUN:]) | {latest})


def step_proven_offences(ctx: BuildContext) -> None:
    """Proven offences for every index event in the world, drawn with :data:`TRUE_EFFECTS` and
    known by the world's day; the contract terms; each area's 2011 baseline."""
    if ctx.phase:
        ctx.phase("Proven offences, contract terms and baselines for payment by results")
    events = world_index_events(as_of=ctx.as_of)
    offences = proven_offences_for(
        events, effects=TRUE_EFFECTS, seed=ctx.seed, measured_on=ctx.as_of
    ).join(events.select("person_id", "person_pk"), on="person_id", how="left")
    ctx.counts["proven_offences"] += proven_offences_record(
        offences=offences, source=DEMO_SOURCE, by_user=None
    )
    ctx.extra["pbr_events"] = events

    areas = ctx.ref.areas
    first = events.get_column("index_date").min()
    starts_on = CONTRACTS_START
    if isinstance(first, dt.date):
        starts_on = min(starts_on, Quarter.containing(first).starts_on)
    terms = contract_terms_for(
        {code: area.pk for code, area in areas.items()}, starts_on=starts_on, seed=ctx.seed
    )
    ContractTerms.objects.bulk_create(terms)
    audit(
        None,
        AuditAction.CONTRACT_TERMS_CHANGED,
        details={"source": DEMO_SOURCE, "areas": len(terms), "starts_on": starts_on},
    )
    ctx.counts["contract_terms"] += len(terms)

    sizes = baseline_sizes(events, codes=sorted(areas), as_of=ctx.as_of)
    for code, size in sizes.items():
        cohort, baseline_offences = baseline_cohort(
            contract_area=code, size=size, seed=ctx.seed, year=BASELINE_YEAR
        )
        baseline_record(
            contract_area=areas[code],
            period=str(BASELINE_YEAR),
            cohort=cohort,
            offences=baseline_offences.select(list(OFFENCE_SCHEMA)),
            by_user=None,
        )
        ctx.counts["baselines"] += 1


def step_pbr_runs(ctx: BuildContext) -> None:
    """Payment by results for every final quarter of the world and the latest provisional one,
    measured on the world's day, through the same extract and service as ``probation pbr run``."""
    events = ctx.extra.get("pbr_events")
    if events is None:
        events = world_index_events(as_of=ctx.as_of)
    quarters = quarters_to_run(events, as_of=ctx.as_of)
    if ctx.phase:
        ctx.phase(f"Payment by results for {len(quarters)} quarters")
    for done, quarter in enumerate(quarters):
        if ctx.progress:
            ctx.progress(done, len(quarters))
        extract = quarter_extract(quarter=quarter, measured_on=ctx.as_of)
        pbr_run_record(quarter=quarter, extract=extract, measured_on=ctx.as_of, by_user=None)
        ctx.counts["pbr_runs"] += 1
    if ctx.progress:
        ctx.progress(len(quarters), len(quarters))


def reset_performance() -> None:
    """Empty the payment-by-results tables (before the people and areas they point at)."""
    with connection.cursor() as cursor:
        for model in PERFORMANCE_MODELS:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608 (a model's own table name)
