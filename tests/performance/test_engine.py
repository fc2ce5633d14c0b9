"""The proven reoffending engine against hand-worked examples from
``docs/domain/reoffending-and-payment.md`` and against the per-person rule in
``probation.rules.reoffending``."""

from __future__ import annotations

import datetime as dt
import hashlib

import polars as pl
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probation.performance import engine
from probation.rules.dates import add_months
from probation.rules.reoffending import Quarter, counts_as_reoffence

D = dt.date


def cohort_frame(*rows: tuple[str, dt.date, str, str, int | None]) -> pl.DataFrame:
    return pl.DataFrame([list(row) for row in rows], schema=engine.COHORT_SCHEMA, orient="row")


def offence_frame(*rows: tuple[str, dt.date | None, dt.date | None]) -> pl.DataFrame:
    return pl.DataFrame([list(row) for row in rows], schema=engine.OFFENCE_SCHEMA, orient="row")


def reoffences_of(index_date: dt.date, *offences: tuple[dt.date, dt.date]) -> int:
    cohort = cohort_frame(("P1", index_date, "2016Q1", "C01", 40))
    frame = offence_frame(*[("P1", offence, proven) for offence, proven in offences])
    return int(engine.person_outcomes(cohort, frame)["reoffences"].item())


@pytest.mark.parametrize(
    ("months", "start", "expected"),
    [
        (12, D(2016, 2, 29), D(2017, 2, 28)),
        (1, D(2015, 8, 31), D(2015, 9, 30)),
        (1, D(2016, 1, 31), D(2016, 2, 29)),
        (18, D(2016, 8, 31), D(2018, 2, 28)),
    ],
)
def test_polars_month_offset_clamps_to_month_end(months, start, expected):
    shifted = pl.Series([start]).dt.offset_by(f"{months}mo").item()
    assert shifted == expected == add_months(start, months)


@pytest.mark.parametrize("months", [1, 12, 18])
def test_polars_month_offset_agrees_with_add_months_every_day_of_2015_to_2017(months):
    days = pl.date_range(D(2015, 1, 1), D(2017, 12, 31), eager=True)
    shifted = days.dt.offset_by(f"{months}mo").to_list()
    disagreements = [
        (day, ours)
        for day, ours in zip(days.to_list(), shifted, strict=True)
        if add_months(day, months) != ours
    ]
    assert len(days) == 1096
    assert disagreements == []


# (what, index date, offence date, proven date, counts)
WINDOW_EDGES = [
    ("offence on the index date", D(2016, 1, 15), D(2016, 1, 15), D(2016, 3, 1), 0),
    ("offence the day after", D(2016, 1, 15), D(2016, 1, 16), D(2016, 3, 1), 1),
    ("offence exactly 12 months on", D(2016, 1, 15), D(2017, 1, 15), D(2017, 3, 1), 1),
    ("offence 12 months and a day on", D(2016, 1, 15), D(2017, 1, 16), D(2017, 3, 1), 0),
    ("proven exactly 18 months on", D(2016, 1, 15), D(2016, 6, 1), D(2017, 7, 15), 1),
    ("proven 18 months and a day on", D(2016, 1, 15), D(2016, 6, 1), D(2017, 7, 16), 0),
    ("offence before the index date", D(2016, 1, 15), D(2015, 12, 1), D(2016, 2, 1), 0),
    ("31 Jan: last day is 31 Jan", D(2016, 1, 31), D(2017, 1, 31), D(2017, 7, 31), 1),
    ("31 Jan: 1 Feb is too late", D(2016, 1, 31), D(2017, 2, 1), D(2017, 7, 31), 0),
    ("31 Aug: proven by 28 Feb", D(2016, 8, 31), D(2017, 8, 31), D(2018, 2, 28), 1),
    ("31 Aug: 1 Mar is too late", D(2016, 8, 31), D(2017, 8, 31), D(2018, 3, 1), 0),
    ("29 Feb: last day is 28 Feb", D(2016, 2, 29), D(2017, 2, 28), D(2017, 8, 29), 1),
    ("29 Feb: 1 Mar is too late", D(2016, 2, 29), D(2017, 3, 1), D(2017, 8, 29), 0),
    ("29 Feb: proven by 29 Aug", D(2016, 2, 29), D(2016, 5, 1), D(2017, 8, 29), 1),
    ("29 Feb: 30 Aug is too late", D(2016, 2, 29), D(2016, 5, 1), D(2017, 8, 30), 0),
]


@pytest.mark.parametrize(
    ("index_date", "offence_date", "proven_date", "expected"),
    [row[1:] for row in WINDOW_EDGES],
    ids=[row[0] for row in WINDOW_EDGES],
)
def test_window_edges(index_date, offence_date, proven_date, expected):
    assert reoffences_of(index_date, (offence_date, proven_date)) == expected
    # The per-person rule agrees with the hand-worked answer too.
    assert counts_as_reoffence(
        index_date=index_date, offence_date=offence_date, proven_date=proven_date
    ) == bool(expected)


def test_offences_proven_the_same_day_each_count():
    proven = D(2016, 9, 1)
    assert (
        reoffences_of(
            D(2016, 1, 15),
            (D(2016, 5, 1), proven),
            (D(2016, 5, 1), proven),
            (D(2016, 6, 2), proven),
        )
        == 3
    )


def test_offence_without_a_proven_date_does_not_count():
    assert reoffences_of(D(2016, 1, 15), (D(2016, 5, 1), None)) == 0  # type: ignore[arg-type]


def test_first_index_event_in_a_cohort_counts_and_later_ones_are_dropped():
    cohort = cohort_frame(
        ("P1", D(2016, 3, 1), "2016Q1", "C02", 70),
        ("P1", D(2016, 1, 10), "2016Q1", "C01", 50),
        ("P2", D(2016, 2, 1), "2016Q1", "C01", None),
    )
    # 1 February 2017 is inside the later event's 12 months but not the first's: not counted.
    offences = offence_frame(
        ("P1", D(2016, 2, 1), D(2016, 4, 1)),
        ("P1", D(2017, 2, 1), D(2017, 4, 1)),
    )
    outcomes = engine.person_outcomes(cohort, offences)
    assert outcomes.rows() == [
        ("P1", D(2016, 1, 10), "2016Q1", "C01", 50, 1),
        ("P2", D(2016, 2, 1), "2016Q1", "C01", None, 0),
    ]


def test_two_events_on_the_same_day_keep_the_first_row():
    cohort = cohort_frame(
        ("P1", D(2016, 1, 10), "2016Q1", "C02", 70),
        ("P1", D(2016, 1, 10), "2016Q1", "C01", 50),
    )
    outcomes = engine.person_outcomes(cohort, offence_frame())
    assert outcomes.select("contract_area", "ogrs3_one_year").rows() == [("C02", 70)]


def test_the_same_person_in_two_cohorts_counts_in_both():
    cohort = cohort_frame(
        ("P1", D(2016, 1, 10), "2016Q1", "C01", 50),
        ("P1", D(2016, 5, 10), "2016Q2", "C01", 50),
    )
    offences = offence_frame(
        ("P1", D(2016, 3, 1), D(2016, 4, 1)),  # counts for Q1 only (before Q2's index date)
        ("P1", D(2016, 6, 1), D(2016, 7, 1)),  # counts for both
    )
    outcomes = engine.person_outcomes(cohort, offences)
    assert outcomes.select("cohort", "reoffences").rows() == [("2016Q1", 2), ("2016Q2", 1)]


def test_extra_columns_are_carried_through_unchanged():
    cohort = cohort_frame(("P1", D(2016, 1, 10), "2016Q1", "C01", 50)).with_columns(
        person_pk=pl.lit(7, dtype=pl.Int64), index_kind=pl.lit("licence")
    )
    outcomes = engine.person_outcomes(cohort, offence_frame())
    assert outcomes.columns == [*cohort.columns, "reoffences"]
    assert outcomes.row(0, named=True)["person_pk"] == 7
    assert outcomes.schema["reoffences"] == pl.Int64


def hand_worked_cohorts() -> tuple[pl.DataFrame, pl.DataFrame]:
    # 2016Q1: C01 has 4 people (A reoffends 3 times, B once, C and D not); C02 has 2 people
    # (E twice, F not). 2016Q2: C01 has 1 person, G, who does not reoffend.
    cohort = cohort_frame(
        ("A", D(2016, 1, 4), "2016Q1", "C01", 60),
        ("B", D(2016, 2, 8), "2016Q1", "C01", 30),
        ("C", D(2016, 3, 31), "2016Q1", "C01", 20),
        ("D", D(2016, 1, 20), "2016Q1", "C01", None),
        ("E", D(2016, 3, 1), "2016Q1", "C02", 80),
        ("F", D(2016, 2, 2), "2016Q1", "C02", 10),
        ("G", D(2016, 4, 1), "2016Q2", "C01", 15),
    )
    offences = offence_frame(
        ("A", D(2016, 2, 1), D(2016, 3, 1)),
        ("A", D(2016, 2, 1), D(2016, 3, 1)),
        ("A", D(2016, 9, 9), D(2017, 1, 9)),
        ("B", D(2016, 4, 1), D(2016, 6, 1)),
        ("C", D(2016, 3, 31), D(2016, 6, 1)),  # on the index date: not counted
        ("E", D(2016, 5, 1), D(2016, 6, 1)),
        ("E", D(2017, 3, 1), D(2017, 9, 1)),
        ("G", D(2018, 1, 1), D(2018, 2, 1)),  # after the follow-up
        ("Z", D(2016, 5, 1), D(2016, 6, 1)),  # not in any cohort
    )
    return cohort, offences


def test_measure_figures_and_totals_by_hand():
    cohort, offences = hand_worked_cohorts()
    result = engine.measure(cohort, offences)
    assert result.columns == list(engine.RESULT_SCHEMA)
    assert result.rows() == [
        ("2016Q1", "C01", 4, 2, 4, 2 / 4, 4 / 2, 100.0, None),
        ("2016Q1", "C02", 2, 1, 2, 1 / 2, 2 / 1, 100.0, None),
        ("2016Q1", None, 6, 3, 6, 3 / 6, 6 / 3, 100.0, None),
        ("2016Q2", "C01", 1, 0, 0, 0.0, None, 0.0, None),
        ("2016Q2", None, 1, 0, 0, 0.0, None, 0.0, None),
    ]


def test_per_100_is_reoffences_per_hundred_people():
    cohort = cohort_frame(
        *[(f"P{n}", D(2016, 1, 5), "2016Q1", "C01", 40) for n in range(8)],
    )
    offences = offence_frame(*[("P0", D(2016, 2, n), D(2016, 3, 1)) for n in range(1, 6)])
    row = engine.measure(cohort, offences).row(0, named=True)
    assert (row["reoffences"], row["frequency_per_100"]) == (5, 5 * 100 / 8)


def test_measure_of_an_empty_cohort_is_empty_with_the_result_columns():
    result = engine.measure(cohort_frame(), offence_frame())
    assert result.height == 0
    assert result.schema == pl.Schema(engine.RESULT_SCHEMA)


@pytest.mark.parametrize(
    ("measured_on", "q1_provisional", "q2_provisional"),
    [
        # 2016Q1's last index date is 31 March 2016: final on 30 September 2017.
        (D(2017, 9, 29), True, True),
        (D(2017, 9, 30), False, True),
        # 2016Q2's only index date is 1 April 2016: final on 1 October 2017.
        (D(2017, 10, 1), False, False),
    ],
)
def test_provisional_until_the_last_members_18_months_have_passed(
    measured_on, q1_provisional, q2_provisional
):
    cohort, offences = hand_worked_cohorts()
    result = engine.measure(cohort, offences, measured_on=measured_on)
    flags = dict(zip(result["cohort"].to_list(), result["provisional"].to_list(), strict=True))
    assert flags == {"2016Q1": q1_provisional, "2016Q2": q2_provisional}
    assert Quarter.parse("2016Q1").final_on == D(2017, 9, 30)


def test_areas_sort_before_the_total_and_cohorts_in_order():
    cohort = cohort_frame(
        ("P1", D(2016, 4, 5), "2016Q2", "C21", None),
        ("P2", D(2016, 1, 5), "2016Q1", "C10", None),
        ("P3", D(2016, 1, 5), "2016Q1", "C02", None),
    )
    result = engine.measure(cohort, offence_frame())
    assert result.select("cohort", "contract_area").rows() == [
        ("2016Q1", "C02"),
        ("2016Q1", "C10"),
        ("2016Q1", None),
        ("2016Q2", "C21"),
        ("2016Q2", None),
    ]


def test_measure_is_the_same_whatever_the_row_order():
    cohort, offences = hand_worked_cohorts()
    shuffled = engine.measure(cohort.sample(fraction=1, shuffle=True, seed=3), offences.reverse())
    assert shuffled.equals(engine.measure(cohort, offences))


def test_fingerprint_ignores_row_and_column_order_but_not_the_data():
    cohort, offences = hand_worked_cohorts()
    original = engine.fingerprint(cohort, offences)
    assert len(original) == 64
    assert engine.fingerprint(cohort.reverse(), offences.reverse()) == original
    assert engine.fingerprint(cohort.select(reversed(cohort.columns)), offences) == original
    changed = offences.with_columns(
        pl.when(pl.col("person_id") == "B")
        .then(pl.col("proven_date") + dt.timedelta(days=1))
        .otherwise(pl.col("proven_date"))
        .alias("proven_date")
    )
    assert engine.fingerprint(cohort, changed) != original
    assert engine.fingerprint(offences, cohort) != original  # which frame is which matters
    assert engine.fingerprint(cohort, offences.head(8)) != original


def test_fingerprint_tells_a_null_from_an_empty_string():
    with_null = pl.DataFrame({"a": [None, "x"]}, schema={"a": pl.String})
    with_empty = pl.DataFrame({"a": ["", "x"]}, schema={"a": pl.String})
    assert engine.fingerprint(with_null) != engine.fingerprint(with_empty)


def test_missing_columns_are_refused():
    cohort, offences = hand_worked_cohorts()
    with pytest.raises(ValueError, match="missing columns: proven_date"):
        engine.person_outcomes(cohort, offences.drop("proven_date"))


# --- The columnar engine equals the per-person rule on random data ------------------------

_days = st.dates(min_value=D(2015, 12, 1), max_value=D(2018, 3, 31))
_people = st.sampled_from(["P1", "P2", "P3", "P4"])


@settings(max_examples=150, deadline=None)
@given(
    members=st.lists(
        st.tuples(
            _people, _days, st.sampled_from(["2016Q1", "2016Q2"]), st.sampled_from(["C01", "C02"])
        ),
        max_size=8,
    ),
    offences=st.lists(st.tuples(_people, _days, _days), max_size=12),
)
def test_engine_counts_equal_brute_force_per_person(members, offences):
    cohort = cohort_frame(*[(p, day, c, area, None) for p, day, c, area in members])
    outcomes = engine.person_outcomes(cohort, offence_frame(*offences))

    expected: dict[tuple[str, str], tuple[dt.date, str, int]] = {}
    for person, day, cohort_name, area in members:
        first = expected.get((person, cohort_name))
        if first is None or day < first[0]:
            expected[(person, cohort_name)] = (day, area, 0)
    for key, (index_date, area, _) in list(expected.items()):
        count = sum(
            1
            for person, offence_date, proven_date in offences
            if person == key[0]
            and counts_as_reoffence(
                index_date=index_date, offence_date=offence_date, proven_date=proven_date
            )
        )
        expected[key] = (index_date, area, count)

    got = {
        (row["person_id"], row["cohort"]): (
            row["index_date"],
            row["contract_area"],
            row["reoffences"],
        )
        for row in outcomes.iter_rows(named=True)
    }
    assert outcomes.height == len(got)
    assert got == expected

    result = engine.measure(cohort, offence_frame(*offences))
    brute: dict[tuple[str, str | None], list[int]] = {}
    for (_, cohort_name), (_, area, count) in expected.items():
        for key in ((cohort_name, area), (cohort_name, None)):
            brute.setdefault(key, []).append(count)
    got_rows = {
        (row["cohort"], row["contract_area"]): (
            row["cohort_size"],
            row["reoffenders"],
            row["reoffences"],
        )
        for row in result.iter_rows(named=True)
    }
    assert got_rows == {
        key: (len(counts), sum(1 for c in counts if c > 0), sum(counts))
        for key, counts in brute.items()
    }


def test_fingerprint_is_the_documented_canonical_form():
    # Written out by hand from the definition in engine.fingerprint's docstring.
    frame = pl.DataFrame(
        {
            "b": ["x,y", None, ""],
            "a": [D(2016, 2, 29), D(2015, 1, 1), None],
            "c": [3, None, 1],
        },
        schema={"b": pl.String, "a": pl.Date, "c": pl.Int64},
    )
    body = b',"",1\n2015-01-01,,\n2016-02-29,"x,y",3\n'
    canonical = (
        b"probation-reoffending-data/1\n"
        + b"a:Date,b:String,c:Int64\n3\n"
        + str(len(body)).encode()
        + b"\n"
        + body
    )
    assert engine.fingerprint(frame) == hashlib.sha256(canonical).hexdigest()
