"""Small-number suppression (``docs/domain/reoffending-and-payment.md``, Transparency): cells
computed from fewer than 10 people are ``*``, and no hidden cell can be worked out from the shown
cells and the totals."""

from __future__ import annotations

import doctest
from collections.abc import Mapping
from decimal import Decimal

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from probation.rules import disclosure
from probation.rules.disclosure import THRESHOLD, Column, RowSum, Table, suppressed_cells

TOTAL = "ALL"
COUNT = Column("count", people=True, additive=True)


def column_table(values: Mapping[str, int | None], *, total: int | None = None) -> Table:
    """One additive column of people; the total row is the sum unless given."""
    rows: dict[str, dict[str, int | Decimal | float | None]] = {
        key: {"count": value} for key, value in values.items()
    }
    rows[TOTAL] = {"count": sum(v or 0 for v in values.values()) if total is None else total}
    return Table(columns=(COUNT,), rows=rows, total_row=TOTAL)


def hidden_rows(table: Table) -> list[str]:
    return [row for row, _ in sorted(suppressed_cells(table))]


@pytest.mark.parametrize(
    ("values", "expected"),
    [
        pytest.param({"C01": 50, "C02": 40, "C03": 30}, [], id="nothing-small"),
        pytest.param({"C01": 10, "C02": 11, "C03": 12}, [], id="ten-is-shown"),
        pytest.param({"C01": 9, "C02": 40, "C03": 30}, ["C01", "C03"], id="nine-and-next-smallest"),
        pytest.param({"C01": 0, "C02": 40, "C03": 30}, ["C01", "C03"], id="zero-is-small"),
        pytest.param({"C01": 3, "C02": 5, "C03": 30}, ["C01", "C02"], id="two-small-enough"),
        pytest.param(
            {"C01": 2, "C02": 40, "C03": 30, "C04": 30}, ["C01", "C03"], id="tie-first-in-order"
        ),
        pytest.param({"C01": 0, "C02": 0, "C03": 30}, ["C01", "C02", "C03"], id="zeros-give-away"),
        pytest.param({"C01": 9, "C02": 9, "C03": 30}, ["C01", "C02", "C03"], id="nines-give-away"),
        pytest.param({"C01": None, "C02": 5, "C03": 30}, ["C02", "C03"], id="none-never-hidden"),
    ],
)
def test_a_column_of_areas_and_its_total(
    values: dict[str, int | None], expected: list[str]
) -> None:
    assert hidden_rows(column_table(values)) == expected


def test_a_small_national_total_is_hidden_with_every_area() -> None:
    assert hidden_rows(column_table({"C01": 2, "C02": 3, "C03": 1})) == ["ALL", "C01", "C02", "C03"]


def test_a_small_total_alone_hides_the_next_smallest_area() -> None:
    """A total of 9 from areas of 0, 0 and 9: all small, all hidden."""
    assert hidden_rows(column_table({"C01": 0, "C02": 9, "C03": 0})) == [
        "ALL",
        "C01",
        "C02",
        "C03",
    ]


def test_a_rate_is_hidden_with_its_numerator_or_denominator() -> None:
    table = Table(
        columns=(
            Column("cases", people=True, additive=True),
            Column("breaches", people=True, additive=True),
            Column("rate", computed_from=("breaches", "cases")),
        ),
        rows={
            "C01": {"cases": 500, "breaches": 4, "rate": 0.8},
            "C02": {"cases": 8, "breaches": 8, "rate": 100.0},
            "C03": {"cases": 700, "breaches": 70, "rate": 10.0},
            "C04": {"cases": 900, "breaches": 90, "rate": 10.0},
            TOTAL: {"cases": 2108, "breaches": 172, "rate": 8.2},
        },
        total_row=TOTAL,
    )
    # C01's 4 breaches and C02's 8 are small (two in the column: enough); C02's 8 cases are
    # small, so C01's 500 cases, the next smallest, go too; each rate goes with its counts.
    assert suppressed_cells(table) == {
        ("C01", "breaches"),
        ("C02", "breaches"),
        ("C02", "cases"),
        ("C01", "cases"),
        ("C01", "rate"),
        ("C02", "rate"),
    }


def test_a_payment_computed_from_a_small_cohort_is_hidden_and_protected_like_a_count() -> None:
    table = Table(
        columns=(
            Column("cohort", people=True, additive=True),
            Column("payment", additive=True, computed_from=("cohort",)),
        ),
        rows={
            "C01": {"cohort": 6, "payment": Decimal("1200.00")},
            "C02": {"cohort": 400, "payment": Decimal("0.00")},
            "C03": {"cohort": 300, "payment": Decimal("5000.00")},
            TOTAL: {"cohort": 706, "payment": Decimal("6200.00")},
        },
        total_row=TOTAL,
    )
    hidden = suppressed_cells(table)
    assert {("C01", "cohort"), ("C03", "cohort"), ("C01", "payment"), ("C03", "payment")} <= hidden
    assert ("C02", "payment") not in hidden


def test_a_row_sum_hides_a_second_part_of_the_row() -> None:
    """Caseload = CRC + NPS in every row: a small CRC caseload hides the NPS one beside it (the
    smaller of the two shown cells), and each of those columns then needs a second cell."""
    table = Table(
        columns=(
            Column("crc", people=True, additive=True),
            Column("nps", people=True, additive=True),
            Column("caseload", people=True, additive=True),
        ),
        rows={
            "C01": {"crc": 5, "nps": 100, "caseload": 105},
            "C02": {"crc": 300, "nps": 200, "caseload": 500},
            "C03": {"crc": 400, "nps": 150, "caseload": 550},
            TOTAL: {"crc": 705, "nps": 450, "caseload": 1155},
        },
        total_row=TOTAL,
        row_sums=(RowSum("caseload", ("crc", "nps")),),
    )
    hidden = suppressed_cells(table)
    assert {("C01", "crc"), ("C01", "nps")} <= hidden
    assert_nothing_recoverable(table, hidden)


@pytest.mark.parametrize(
    ("build", "message"),
    [
        pytest.param(
            lambda: Table(columns=(COUNT, COUNT), rows={TOTAL: {}}, total_row=TOTAL),
            "unique",
            id="duplicate-column",
        ),
        pytest.param(
            lambda: Table(columns=(COUNT,), rows={"C01": {}}, total_row=TOTAL),
            "total_row",
            id="missing-total",
        ),
        pytest.param(
            lambda: Table(
                columns=(Column("rate", computed_from=("nothing",)),),
                rows={TOTAL: {}},
                total_row=TOTAL,
            ),
            "unknown",
            id="unknown-source",
        ),
        pytest.param(
            lambda: Table(columns=(COUNT,), rows={TOTAL: {"count": -1}}, total_row=TOTAL),
            "negative",
            id="negative",
        ),
    ],
)
def test_a_malformed_table_is_refused(build: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        build()  # type: ignore[operator]


def test_the_same_table_always_gives_the_same_cells() -> None:
    table = column_table({"C01": 4, "C02": 40, "C03": 40, "C04": 7, "C05": 12})
    assert suppressed_cells(table) == suppressed_cells(table)


def test_doctests() -> None:
    assert doctest.testmod(disclosure).failed == 0


# --- The attack: try to work out every hidden cell from what is published ---------------------


def published_lines(table: Table) -> list[dict[tuple[str, str], int]]:
    """The equations anyone can read off the published table (written here independently of the
    module): each additive column sums to its total row; each row sum holds in every row."""
    lines = []
    for column in table.columns:
        if column.additive:
            lines.append(
                {
                    (row, column.name): (-1 if row == table.total_row else 1)
                    for row in table.rows
                    if table.rows[row].get(column.name) is not None
                }
            )
    for row, cells in table.rows.items():
        for row_sum in table.row_sums:
            line = {(row, part): 1 for part in row_sum.parts if cells.get(part) is not None}
            if cells.get(row_sum.total) is not None:
                line[(row, row_sum.total)] = -1
            lines.append(line)
    return lines


def recovered_cells(table: Table, hidden: frozenset[tuple[str, str]]) -> set[tuple[str, str]]:
    """Hidden cells an attacker can work out: by linear algebra over all the published equations
    (a cell is fixed when its unit vector lies in the row space of the equations restricted to
    the hidden cells), from a line whose hidden cells sum to 0 (counts are never negative), or
    from a shown figure computed from it (a rate times its shown denominator)."""
    lines = published_lines(table)
    unknowns = sorted({cell for line in lines for cell in line if cell in hidden})
    found: set[tuple[str, str]] = set()
    if unknowns:
        matrix = np.array([[line.get(cell, 0) for cell in unknowns] for line in lines], dtype=float)
        rank = np.linalg.matrix_rank(matrix)
        for j, cell in enumerate(unknowns):
            unit = np.zeros((1, len(unknowns)))
            unit[0, j] = 1.0
            if np.linalg.matrix_rank(np.vstack([matrix, unit])) == rank:
                found.add(cell)
    for line in lines:
        in_line = [cell for cell in line if cell in hidden]
        all_parts = len(in_line) >= 2 and all(line[cell] == 1 for cell in in_line)
        if all_parts and sum(table.rows[row][name] or 0 for row, name in in_line) == 0:
            found.update(in_line)
    for row, cells in table.rows.items():
        for column in table.columns:
            if (row, column.name) not in hidden and cells.get(column.name) is not None:
                found.update((row, s) for s in column.computed_from if (row, s) in hidden)
    return found


def assert_nothing_recoverable(table: Table, hidden: frozenset[tuple[str, str]]) -> None:
    for row, cells in table.rows.items():
        for column in table.columns:
            value = cells.get(column.name)
            if column.people and value is not None and value < THRESHOLD:
                assert (row, column.name) in hidden, f"{row}/{column.name}={value} is shown"
    assert not recovered_cells(table, hidden)


PEOPLE = st.one_of(st.integers(0, 12), st.integers(10, 400))


@st.composite
def area_tables(draw: st.DrawFn) -> Table:
    """Areas with CRC and NPS caseloads summing to the caseload, allocations and a rate."""
    areas = [f"C{n:02d}" for n in range(1, draw(st.integers(2, 7)) + 1)]
    rows: dict[str, dict[str, int | float | None]] = {}
    for code in areas:
        crc, nps, allocations = draw(PEOPLE), draw(PEOPLE), draw(PEOPLE)
        on_time = draw(st.integers(0, allocations))
        rows[code] = {
            "crc": crc,
            "nps": nps,
            "caseload": crc + nps,
            "allocations": allocations,
            "on_time": on_time,
            "percent": 100 * on_time / allocations if allocations else None,
        }
    totals = {
        name: sum(int(rows[code][name] or 0) for code in areas)
        for name in ("crc", "nps", "caseload", "allocations", "on_time")
    }
    rows[TOTAL] = {
        **totals,
        "percent": 100 * totals["on_time"] / totals["allocations"]
        if totals["allocations"]
        else None,
    }
    return Table(
        columns=(
            Column("crc", people=True, additive=True),
            Column("nps", people=True, additive=True),
            Column("caseload", people=True, additive=True),
            Column("allocations", people=True, additive=True),
            Column("on_time", people=True, additive=True),
            Column("percent", computed_from=("on_time", "allocations")),
        ),
        rows=rows,
        total_row=TOTAL,
        row_sums=(RowSum("caseload", ("crc", "nps")),),
    )


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(table=area_tables())
def test_no_hidden_cell_can_be_recovered_from_the_published_cells_and_totals(table: Table) -> None:
    assert_nothing_recoverable(table, suppressed_cells(table))


def test_the_attack_finds_what_primary_suppression_alone_leaves_open() -> None:
    """The attack is not toothless: hiding only the small cell lets it be worked out."""
    table = column_table({"C01": 4, "C02": 40, "C03": 30})
    assert recovered_cells(table, frozenset({("C01", "count")})) == {("C01", "count")}
