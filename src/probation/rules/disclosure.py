"""Small-number suppression for the published performance tables (transparency).

Spec: ``docs/domain/reoffending-and-payment.md`` ("Transparency"): any cell computed from fewer
than 10 people is shown as ``*``. A table of contract areas with a national total row is
published, so hiding the small cells alone is not enough: a hidden cell could be recovered by
subtracting the shown cells from the total. Three steps, repeated until nothing changes:

1. **Primary**: a count of people below :data:`THRESHOLD` (0 included: "nobody" is a count too),
   and every figure computed from a hidden cell of the same row (a rate from its numerator or
   denominator, a payment from its cohort), since the shown figure and the shown denominator
   would give the hidden count back.
2. **Secondary**: in every line that sums to a published total (a column of areas and its total
   row, or a row's parts and its total), if exactly one cell is hidden, hide the next smallest
   shown cell of that line too.
3. **What subtraction across lines or the bounds give away**: a hidden cell that the published
   cells still determine through a combination of lines (linear algebra over the lines'
   equations), or a line whose hidden cells must all be 0 (their sum is 0) or must all be 9 (each
   is a small count and their sum is 9 each), gets the next smallest shown cell of one of its
   lines hidden too.

Cells whose value is ``None`` (not available: an area without a cohort) are published as such,
never hidden, and count as 0 in the sums.

Pure: no Django, no I/O. Deterministic: the same table always gives the same cells, chosen in
row and column order when values tie.

>>> table = Table(
...     columns=(Column("recalls", people=True, additive=True),),
...     rows={"C01": {"recalls": 4}, "C02": {"recalls": 30}, "C03": {"recalls": 25},
...           "ALL": {"recalls": 59}},
...     total_row="ALL",
... )
>>> sorted(suppressed_cells(table))
[('C01', 'recalls'), ('C03', 'recalls')]
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from typing import Final

__all__ = ["THRESHOLD", "Cell", "Column", "RowSum", "Table", "suppressed_cells"]

#: Counts of people below this are hidden (the spec's "fewer than 10 people").
THRESHOLD: Final = 10

Value = int | float | Decimal | None
Cell = tuple[str, str]  # (row key, column name)


@dataclass(frozen=True, slots=True)
class Column:
    """One column of a published table.

    - ``people``: a count of people, hidden below :data:`THRESHOLD`;
    - ``additive``: the areas' cells sum to the total row's cell (e.g. a count or a payment, not
      a rate), so the column is a line for secondary suppression;
    - ``computed_from``: the columns of the same row this figure is computed from; it is hidden
      whenever any of them is.
    """

    name: str
    people: bool = False
    additive: bool = False
    computed_from: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class RowSum:
    """In every row, ``total`` is the sum of ``parts`` (e.g. caseload = CRC + NPS caseload)."""

    total: str
    parts: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    """Rows keyed by area code (any order; kept), the national ``total_row`` among them."""

    columns: tuple[Column, ...]
    rows: Mapping[str, Mapping[str, Value]]
    total_row: str
    row_sums: tuple[RowSum, ...] = field(default=())

    def __post_init__(self) -> None:
        names = [column.name for column in self.columns]
        if len(set(names)) != len(names):
            raise ValueError("columns: names must be unique")
        known = set(names)
        for column in self.columns:
            unknown = set(column.computed_from) - known
            if unknown:
                raise ValueError(f"columns: {column.name} is computed from unknown {unknown}")
        for row_sum in self.row_sums:
            if not {row_sum.total, *row_sum.parts} <= known:
                raise ValueError(f"row_sums: {row_sum.total} names an unknown column")
        if self.total_row not in self.rows:
            raise ValueError(f"total_row: {self.total_row!r} is not one of the rows")
        for key, row in self.rows.items():
            for name, value in row.items():
                if name in known and value is not None and value < 0:
                    raise ValueError(f"rows: {key}/{name} is negative ({value})")


@dataclass(frozen=True, slots=True)
class _Line:
    """``sum of coefficient * cell = 0`` over the cells that are published (not None)."""

    cells: tuple[Cell, ...]
    coefficients: tuple[int, ...]


def suppressed_cells(table: Table) -> frozenset[Cell]:
    """The cells of ``table`` to show as ``*`` (primary and secondary suppression)."""
    values = {
        (row_key, column.name): row.get(column.name)
        for row_key, row in table.rows.items()
        for column in table.columns
    }
    order = {cell: index for index, cell in enumerate(values)}
    small = {
        cell
        for cell, value in values.items()
        if value is not None and _column(table, cell[1]).people and value < THRESHOLD
    }
    lines = _lines(table, values)
    hidden = _with_computed(table, set(small), values)
    while True:
        added = _secondary(lines, hidden, values, order) or _recoverable(
            lines, hidden, values, order, small
        )
        if added is None:
            return frozenset(hidden)
        hidden.add(added)
        hidden = _with_computed(table, hidden, values)


def _column(table: Table, name: str) -> Column:
    return next(column for column in table.columns if column.name == name)


def _with_computed(table: Table, hidden: set[Cell], values: Mapping[Cell, Value]) -> set[Cell]:
    """Hide every published figure computed from a hidden cell of its row (to a fixed point, as a
    figure may be computed from another computed figure)."""
    hidden = set(hidden)
    changed = True
    while changed:
        changed = False
        for row_key in table.rows:
            for column in table.columns:
                cell = (row_key, column.name)
                if cell in hidden or values[cell] is None:
                    continue
                if any((row_key, source) in hidden for source in column.computed_from):
                    hidden.add(cell)
                    changed = True
    return hidden


def _lines(table: Table, values: Mapping[Cell, Value]) -> list[_Line]:
    """Every published equation: each additive column (areas - total = 0) and each row sum."""
    lines: list[_Line] = []
    for column in table.columns:
        if not column.additive:
            continue
        cells = [(row_key, column.name) for row_key in table.rows]
        lines.append(
            _Line(
                cells=tuple(cells),
                coefficients=tuple(-1 if row == table.total_row else 1 for row, _ in cells),
            )
        )
    for row_key in table.rows:
        for row_sum in table.row_sums:
            cells = [(row_key, part) for part in row_sum.parts] + [(row_key, row_sum.total)]
            lines.append(
                _Line(
                    cells=tuple(cells),
                    coefficients=tuple([1] * len(row_sum.parts) + [-1]),
                )
            )
    # A cell not published (None) is a known 0: it plays no part in any line.
    return [
        _Line(
            cells=tuple(c for c in line.cells if values[c] is not None),
            coefficients=tuple(
                k
                for c, k in zip(line.cells, line.coefficients, strict=True)
                if values[c] is not None
            ),
        )
        for line in lines
    ]


def _next_smallest(
    candidates: Iterable[Cell], values: Mapping[Cell, Value], order: Mapping[Cell, int]
) -> Cell | None:
    shown = [cell for cell in candidates if values[cell] is not None]
    if not shown:
        return None
    return min(shown, key=lambda cell: (values[cell], order[cell]))


def _secondary(
    lines: Sequence[_Line],
    hidden: set[Cell],
    values: Mapping[Cell, Value],
    order: Mapping[Cell, int],
) -> Cell | None:
    """The brief's rule: a line with exactly one hidden cell gets its next smallest shown cell."""
    for line in lines:
        in_line = [cell for cell in line.cells if cell in hidden]
        if len(in_line) == 1:
            chosen = _next_smallest((c for c in line.cells if c not in hidden), values, order)
            if chosen is not None:
                return chosen
    return None


def _recoverable(
    lines: Sequence[_Line],
    hidden: set[Cell],
    values: Mapping[Cell, Value],
    order: Mapping[Cell, int],
    small: set[Cell],
) -> Cell | None:
    """A shown cell to hide because a hidden one can still be worked out: from several lines at
    once (it is determined by the lines' equations), or from the bounds of one line."""
    for line in lines:
        if not _bounds_give_away(line, hidden, values, small):
            continue
        chosen = _next_smallest(
            (c for c in line.cells if c not in hidden and values[c] != 0), values, order
        )
        if chosen is not None:
            return chosen
    determined = _determined(lines, hidden, order)
    for cell in sorted(determined, key=order.__getitem__):
        options = [c for line in lines if cell in line.cells for c in line.cells if c not in hidden]
        chosen = _next_smallest(options, values, order)
        if chosen is not None:
            return chosen
    return None


def _bounds_give_away(
    line: _Line, hidden: set[Cell], values: Mapping[Cell, Value], small: set[Cell]
) -> bool:
    """Counts are never negative and a small count is at most 9: when the hidden cells of a line
    are all parts of its total (the total is shown, so their sum is known), a sum of 0, or of 9
    each when all are small counts, gives every one of them away."""
    in_line = [cell for cell in line.cells if cell in hidden]
    signs = {k for c, k in zip(line.cells, line.coefficients, strict=True) if c in hidden}
    if len(in_line) < 2 or signs != {1}:
        return False
    total = sum(values[cell] or 0 for cell in in_line)
    if total == 0:
        return True
    return all(cell in small for cell in in_line) and total == (THRESHOLD - 1) * len(in_line)


def _determined(lines: Sequence[_Line], hidden: set[Cell], order: Mapping[Cell, int]) -> set[Cell]:
    """The hidden cells fixed by the lines' equations (exact Gaussian elimination over the hidden
    cells: a cell is determined when it is a pivot whose row has no free cell in it)."""
    unknowns = sorted(
        {c for line in lines for c in line.cells if c in hidden}, key=order.__getitem__
    )
    index = {cell: i for i, cell in enumerate(unknowns)}
    matrix: list[list[Fraction]] = []
    for line in lines:
        row = [Fraction(0)] * len(unknowns)
        for cell, coefficient in zip(line.cells, line.coefficients, strict=True):
            if cell in index:
                row[index[cell]] = Fraction(coefficient)
        if any(row):
            matrix.append(row)
    pivots: list[int] = []
    rank = 0
    for col in range(len(unknowns)):
        pivot = next((r for r in range(rank, len(matrix)) if matrix[r][col] != 0), None)
        if pivot is None:
            continue
        matrix[rank], matrix[pivot] = matrix[pivot], matrix[rank]
        lead = matrix[rank][col]
        matrix[rank] = [value / lead for value in matrix[rank]]
        for r in range(len(matrix)):
            if r != rank and matrix[r][col] != 0:
                factor = matrix[r][col]
                matrix[r] = [a - factor * b for a, b in zip(matrix[r], matrix[rank], strict=True)]
        pivots.append(col)
        rank += 1
    free = set(range(len(unknowns))) - set(pivots)
    return {
        unknowns[col] for r, col in enumerate(pivots) if not any(matrix[r][f] != 0 for f in free)
    }
