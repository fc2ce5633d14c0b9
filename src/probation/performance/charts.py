"""The geometry of the public pages' charts, drawn as SVG by the server (no JavaScript).

Each chart is drawn from the same published cells as the table beside it
(``public_selectors.PublicTable``), so a hidden cell is hidden in the picture too: its row says
``*`` and draws nothing. The templates (``performance/public/_interval_chart.html`` and
``_bar_chart.html``) turn these into an ``<svg role="img">`` with a ``<title>`` and a ``<desc>``
that says every value in words; values are written next to their marks, and the marks differ in
shape (a band, a line, a dot), so nothing is told by colour alone.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from decimal import Decimal

from probation.performance.public_selectors import PublicCell, PublicRow

WIDTH = 690
LABEL_WIDTH = 200
PLOT_WIDTH = 300
ROW_HEIGHT = 30
TOP = 56  # room for the legend and the axis labels
TICKS = (0, 25, 50, 75, 100)


def _x(percent: Decimal | int | float, scale: float) -> float:
    return round(LABEL_WIDTH + PLOT_WIDTH * min(float(percent), scale) / scale, 1)


@dataclass(frozen=True, slots=True)
class IntervalRow:
    label: str
    y: int  # top of the row
    words: str  # the row said in words (in the chart's description)
    short: str  # what is written at the end of the row
    actual_x: float | None = None
    expected_x: float | None = None
    low_x: float | None = None
    high_x: float | None = None

    @property
    def text_y(self) -> int:
        return self.y + 19

    @property
    def mark_y(self) -> int:
        return self.y + 14

    @property
    def band_y(self) -> int:
        return self.y + 6

    @property
    def band_width(self) -> float | None:
        if self.low_x is None or self.high_x is None:
            return None
        return round(self.high_x - self.low_x, 1)


@dataclass(frozen=True, slots=True)
class IntervalChart:
    """Reoffending rates (a dot) against the expected rate (a line) and its 95 % band."""

    id: str
    title: str
    rows: tuple[IntervalRow, ...]
    height: int
    ticks: tuple[tuple[int, float], ...]
    plot_left: int = LABEL_WIDTH
    plot_right: int = LABEL_WIDTH + PLOT_WIDTH
    value_x: int = LABEL_WIDTH + PLOT_WIDTH + 10
    label_x: int = LABEL_WIDTH - 8
    width: int = WIDTH

    @property
    def description(self) -> str:
        return (
            "For each area, the actual reoffending rate as a dot, the rate expected from the "
            "baseline as a line and its 95% band as a shaded bar, on a scale of 0 to 100%. "
            + " ".join(f"{row.label}: {row.words}." for row in self.rows)
            + " The table below gives the same figures."
        )

    @property
    def axis_bottom(self) -> int:
        return self.height - 6


def _percent(cell: PublicCell) -> Decimal | None:
    value = cell.value
    return value if isinstance(value, Decimal) and not cell.suppressed else None


def interval_chart(*, chart_id: str, title: str, rows: Sequence[PublicRow]) -> IntervalChart:
    scale = 100.0
    drawn = []
    for index, row in enumerate(rows):
        y = TOP + index * ROW_HEIGHT
        actual = _percent(row["reoffending_rate_percent"])
        expected = _percent(row["expected_rate_percent"])
        low = _percent(row["expected_rate_lower_percent"])
        high = _percent(row["expected_rate_upper_percent"])
        if row["reoffending_rate_percent"].suppressed or row["cohort_size"].suppressed:
            drawn.append(IntervalRow(row.name, y, "* (suppressed: fewer than 10 people)", "*"))
            continue
        if actual is None:
            drawn.append(IntervalRow(row.name, y, "not available", "not available"))
            continue
        words, short = f"{actual}%", f"{actual}%"
        if expected is not None and low is not None and high is not None:
            words += f", expected {expected}% (95% band {low}% to {high}%)"
            short += f" (expected {expected}%)"
        drawn.append(
            IntervalRow(
                row.name,
                y,
                words,
                short,
                actual_x=_x(actual, scale),
                expected_x=None if expected is None else _x(expected, scale),
                low_x=None if low is None else _x(low, scale),
                high_x=None if high is None else _x(high, scale),
            )
        )
    return IntervalChart(
        id=chart_id,
        title=title,
        rows=tuple(drawn),
        height=TOP + len(drawn) * ROW_HEIGHT + 10,
        ticks=tuple((tick, _x(tick, scale)) for tick in TICKS),
    )


@dataclass(frozen=True, slots=True)
class Bar:
    label: str
    y: int
    words: str
    value_x: float
    width: float | None = None  # None: nothing drawn (hidden or not available)

    @property
    def text_y(self) -> int:
        return self.y + 15


@dataclass(frozen=True, slots=True)
class BarChart:
    """One figure per row as a horizontal bar with its value written at its end."""

    id: str
    title: str
    unit: str
    bars: tuple[Bar, ...]
    height: int
    ticks: tuple[tuple[str, float], ...]
    plot_left: int = LABEL_WIDTH
    label_x: int = LABEL_WIDTH - 8
    width: int = WIDTH
    bar_height: int = ROW_HEIGHT - 10

    @property
    def description(self) -> str:
        return (
            f"A bar for each row: {self.unit}. "
            + " ".join(
                f"{bar.label}: {'* (suppressed: fewer than 10 people)' if bar.words == '*' else bar.words}."
                for bar in self.bars
            )
            + " The table below gives the same figures."
        )

    @property
    def axis_bottom(self) -> int:
        return self.height - 6


def bar_chart(
    *,
    chart_id: str,
    title: str,
    unit: str,
    bars: Sequence[tuple[str, PublicCell]],
    scale: float | None = None,
) -> BarChart:
    """Bars for ``(label, cell)`` pairs on a scale from 0 to ``scale`` (default: the largest
    shown value, rounded up to a multiple of 10)."""
    shown = [float(cell.value) for _, cell in bars if isinstance(cell.value, Decimal | int)]
    if scale is None:
        scale = max(10.0, 10.0 * -(-max(shown, default=0.0) // 10))
    drawn = []
    for index, (label, cell) in enumerate(bars):
        y = TOP - 20 + index * ROW_HEIGHT
        if cell.suppressed:
            drawn.append(Bar(label, y, "*", LABEL_WIDTH + 6))
        elif cell.value is None or isinstance(cell.value, str):
            drawn.append(Bar(label, y, "not available", LABEL_WIDTH + 6))
        else:
            width = round(PLOT_WIDTH * min(float(cell.value), scale) / scale, 1)
            drawn.append(Bar(label, y, cell.text, LABEL_WIDTH + width + 6, width=width))
    steps = (0.0, scale / 2, scale)
    return BarChart(
        id=chart_id,
        title=title,
        unit=unit,
        bars=tuple(drawn),
        height=TOP - 20 + len(drawn) * ROW_HEIGHT + 10,
        ticks=tuple(
            (f"{step:g}", round(LABEL_WIDTH + PLOT_WIDTH * step / scale, 1)) for step in steps
        ),
    )
