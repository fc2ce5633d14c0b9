"""The read-only extract a quarter's run measures: the cohort's index events and their offences.

The engine works on files and frames, never on the ORM, so that an analyst holding the same two
tables gets the same figures. This module is the one place the platform's own data becomes those
tables: a few set-based SQL queries in one read-only snapshot (on PostgreSQL a ``REPEATABLE READ
READ ONLY`` transaction, so the cohort and the offences are read at the same moment), turned into
Polars frames with the engine's column names. It reads case data in bulk; the run that uses it
is audited once (``PBR_RUN_COMPLETED``).

Who is in a cohort (``docs/domain/reoffending-and-payment.md``; ``docs/adr/0019-payment-by-results.md``):

- people starting a community order or a suspended sentence order in the quarter (index date:
  the sentence date), and people released from custody onto licence or post-sentence supervision
  in the quarter (index date: the release date, if it has happened by ``measured_on``);
- attributed to the organisation their case was sifted to at the index event: the latest sift
  decided no later than 14 days after the index date (a release is sifted before it; a new
  order on the day). Only CRC-supervised members are kept: the NPS is not paid by results;
- with the OGRS3 one-year score of the latest assessment on or before the index date (else the
  first after it).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import polars as pl
from django.db import connection, transaction

from probation.rules.custody import CUSTODIAL_DISPOSALS
from probation.rules.dates import add_months
from probation.rules.reoffending import FOLLOW_UP_MONTHS, Quarter

#: How long after the index event a sift still counts as the one that placed the case.
SIFT_GRACE_DAYS = 14

COMMUNITY_DISPOSALS = ("community_order", "suspended_sentence_order")

CRC = "crc"


@dataclass(frozen=True)
class QuarterExtract:
    """The two tables a run measures. ``cohort`` has the engine's cohort columns plus the keys
    the run stores (person_pk, case_id, contract_area_id, organisation_id, index_kind); only
    CRC-supervised index events are in it. ``offences`` has the engine's offence columns."""

    quarter: Quarter
    measured_on: dt.date
    cohort: pl.DataFrame
    offences: pl.DataFrame


@contextmanager
def read_only_snapshot() -> Iterator[None]:
    """One consistent, read-only view of the database for the extract's queries.

    Inside a transaction someone else opened (a test, a caller's own work) a snapshot cannot be
    set any more; the queries then simply run in that transaction.
    """
    outer = connection.in_atomic_block
    with transaction.atomic():
        if not outer and connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield


def _rows(sql: str, params: list[Any]) -> tuple[list[str], list[tuple[Any, ...]]]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        columns = [column[0] for column in cursor.description]
        return columns, cursor.fetchall()


def _in(values: tuple[str, ...]) -> str:
    return ", ".join(["%s"] * len(values))


# The index events of a quarter: orders started in it, and releases onto licence in it.
_INDEX_EVENTS = f"""
    SELECT s.case_id AS case_id, s.disposal AS disposal, s.sentence_date AS sentence_date,
           s.release_date AS release_date
    FROM courts_sentence s
    WHERE (s.disposal IN ({_in(COMMUNITY_DISPOSALS)}) AND s.sentence_date BETWEEN %s AND %s)
       OR (s.disposal IN ({_in(tuple(sorted(CUSTODIAL_DISPOSALS)))})
           AND s.release_date BETWEEN %s AND %s AND s.release_date <= %s
           AND (s.licence_end IS NOT NULL OR s.supervision_end IS NOT NULL))
"""  # noqa: S608 (static SQL: constants joined, every value a parameter)


def _index_params(quarter: Quarter, measured_on: dt.date) -> list[Any]:
    return [
        *COMMUNITY_DISPOSALS,
        quarter.starts_on,
        quarter.ends_on,
        *sorted(CUSTODIAL_DISPOSALS),
        quarter.starts_on,
        quarter.ends_on,
        measured_on,
    ]


_EVENTS_SQL = f"""
    SELECT p.id AS person_pk, p.crn AS person_id, c.id AS case_id, a.code AS contract_area,
           a.id AS contract_area_id, c.responsible_organisation_id AS current_organisation_id,
           e.disposal AS disposal, e.sentence_date AS sentence_date, e.release_date AS release_date
    FROM ({_INDEX_EVENTS}) e
    JOIN people_case c ON c.id = e.case_id
    JOIN people_person p ON p.id = c.person_id
    JOIN contracts_contractarea a ON a.id = c.contract_area_id
"""  # noqa: S608 (static SQL: constants joined, every value a parameter)

_SIFTS_SQL = f"""
    SELECT sd.case_id AS case_id, sd.organisation_id AS organisation_id,
           sd.decided_at AS decided_at, sd.id AS sift_id
    FROM allocation_siftdecision sd
    WHERE sd.case_id IN (SELECT e.case_id FROM ({_INDEX_EVENTS}) e)
"""  # noqa: S608 (static SQL: constants joined, every value a parameter)

_ASSESSMENTS_SQL = f"""
    SELECT ra.case_id AS case_id, ra.assessed_on AS assessed_on, ra.id AS assessment_id,
           ra.ogrs3_one_year AS ogrs3_one_year
    FROM risk_assessment ra
    WHERE ra.ogrs3_one_year IS NOT NULL
      AND ra.case_id IN (SELECT e.case_id FROM ({_INDEX_EVENTS}) e)
"""  # noqa: S608 (static SQL: constants joined, every value a parameter)

_ORGANISATIONS_SQL = (
    "SELECT id AS organisation_id, kind AS organisation_kind FROM workforce_organisation"
)

_OFFENCES_SQL = f"""
    SELECT p.crn AS person_id, o.offence_date AS offence_date, o.proven_date AS proven_date
    FROM performance_provenoffence o
    JOIN people_person p ON p.id = o.person_id
    JOIN people_case c ON c.person_id = p.id
    WHERE c.id IN (SELECT e.case_id FROM ({_INDEX_EVENTS}) e)
      AND o.offence_date > %s AND o.offence_date <= %s AND o.proven_date <= %s
"""  # noqa: S608 (static SQL: constants joined, every value a parameter)


def _frame(sql: str, params: list[Any], schema: dict[str, Any]) -> pl.DataFrame:
    columns, rows = _rows(sql, params)
    assert columns == list(schema), (columns, list(schema))
    return pl.DataFrame(rows, schema=schema, orient="row")


def _sift_days(sifts: pl.DataFrame) -> pl.DataFrame:
    decided = sifts.get_column("decided_at")
    dtype = decided.dtype
    if isinstance(dtype, pl.Datetime) and dtype.time_zone is None:
        decided = decided.dt.replace_time_zone("UTC")
    day = decided.dt.convert_time_zone("Europe/London").dt.date()
    return sifts.with_columns(day.alias("sift_day")).drop("decided_at")


def quarter_extract(*, quarter: Quarter, measured_on: dt.date) -> QuarterExtract:
    """The CRC-supervised index events of ``quarter`` and the proven offences that may count
    for them, as the database held them on ``measured_on``."""
    index_params = _index_params(quarter, measured_on)
    with read_only_snapshot():
        events = _frame(
            _EVENTS_SQL,
            index_params,
            {
                "person_pk": pl.Int64,
                "person_id": pl.String,
                "case_id": pl.Int64,
                "contract_area": pl.String,
                "contract_area_id": pl.Int64,
                "current_organisation_id": pl.Int64,
                "disposal": pl.String,
                "sentence_date": pl.Date,
                "release_date": pl.Date,
            },
        )
        sifts = _frame(
            _SIFTS_SQL,
            index_params,
            {
                "case_id": pl.Int64,
                "organisation_id": pl.Int64,
                "decided_at": pl.Datetime("us"),
                "sift_id": pl.Int64,
            },
        )
        assessments = _frame(
            _ASSESSMENTS_SQL,
            index_params,
            {
                "case_id": pl.Int64,
                "assessed_on": pl.Date,
                "assessment_id": pl.Int64,
                "ogrs3_one_year": pl.Int64,
            },
        )
        organisations = _frame(
            _ORGANISATIONS_SQL, [], {"organisation_id": pl.Int64, "organisation_kind": pl.String}
        )
        offences = _frame(
            _OFFENCES_SQL,
            [
                *index_params,
                quarter.starts_on,
                add_months(quarter.ends_on, FOLLOW_UP_MONTHS),
                measured_on,
            ],
            {"person_id": pl.String, "offence_date": pl.Date, "proven_date": pl.Date},
        )
    cohort = _cohort(events, _sift_days(sifts), assessments, organisations, quarter)
    offences = offences.sort(["person_id", "offence_date", "proven_date"])
    return QuarterExtract(
        quarter=quarter, measured_on=measured_on, cohort=cohort, offences=offences
    )


def _cohort(
    events: pl.DataFrame,
    sifts: pl.DataFrame,
    assessments: pl.DataFrame,
    organisations: pl.DataFrame,
    quarter: Quarter,
) -> pl.DataFrame:
    """Index events with their supervising organisation and OGRS3 score, CRC-supervised only."""
    community = pl.col("disposal").is_in(COMMUNITY_DISPOSALS)
    events = events.with_columns(
        pl.when(community)
        .then(pl.col("sentence_date"))
        .otherwise(pl.col("release_date"))
        .alias("index_date"),
        pl.when(community)
        .then(pl.col("disposal"))
        .otherwise(pl.lit("licence"))
        .alias("index_kind"),
        pl.lit(str(quarter)).alias("cohort"),
    ).with_columns((pl.col("index_date") + pl.duration(days=SIFT_GRACE_DAYS)).alias("sift_by"))
    events = events.sort(["sift_by", "case_id", "index_kind"])
    placed = events.join_asof(
        sifts.sort(["sift_day", "sift_id"]),
        left_on="sift_by",
        right_on="sift_day",
        by="case_id",
        strategy="backward",
        check_sortedness=False,
    ).with_columns(
        pl.coalesce("organisation_id", "current_organisation_id").alias("organisation_id")
    )
    placed = placed.sort(["index_date", "case_id", "index_kind"])
    ordered = assessments.sort(["assessed_on", "assessment_id"])
    scored = placed.join_asof(
        ordered.rename({"ogrs3_one_year": "ogrs3_before"}),
        left_on="index_date",
        right_on="assessed_on",
        by="case_id",
        strategy="backward",
        check_sortedness=False,
    ).join_asof(
        ordered.rename({"ogrs3_one_year": "ogrs3_after", "assessed_on": "assessed_after"}).drop(
            "assessment_id"
        ),
        left_on="index_date",
        right_on="assessed_after",
        by="case_id",
        strategy="forward",
        check_sortedness=False,
    )
    scored = scored.with_columns(
        pl.coalesce("ogrs3_before", "ogrs3_after").alias("ogrs3_one_year")
    ).join(organisations, on="organisation_id", how="left")
    return (
        scored.filter(pl.col("organisation_kind") == CRC)
        .select(
            "person_id",
            "index_date",
            "cohort",
            "contract_area",
            "ogrs3_one_year",
            "person_pk",
            "case_id",
            "contract_area_id",
            "organisation_id",
            "index_kind",
        )
        .sort(["person_id", "index_date", "index_kind"])
    )
