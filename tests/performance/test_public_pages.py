"""The public performance pages (performance/public_views.py): no sign-in, the latest run of each
quarter, every area's figures with small numbers hidden, accessible SVG charts beside their
tables, and a 404 for anything not published."""

from __future__ import annotations

import datetime as dt
import re
from decimal import Decimal
from html.parser import HTMLParser
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from probation.contracts.models import ContractArea
from probation.performance import charts, public_selectors, public_views
from probation.performance.models import AreaFigures, AreaResult, PbrRun
from probation.performance.public_selectors import COLUMNS, NATIONAL_CODE, ROW_SUMS, quarter_table
from probation.performance.public_views import GROUPS
from probation.rules import disclosure
from probation.rules.payment import binary_interval
from probation.rules.reoffending import Quarter
from tests.factories import UserFactory, organisation
from tests.rules.test_disclosure import recovered_cells

pytestmark = pytest.mark.django_db

QUARTER = "2025Q1"


def area_counts(index: int) -> dict[str, int]:
    """Large, different figures for the area at ``index`` (0 to 20)."""
    cases = 1000 + 50 * index
    return {
        "cases_in_quarter": cases,
        "caseload_at_end": 900 + 40 * index,
        "crc_caseload_at_end": 600 + 20 * index,
        "nps_caseload_at_end": 300 + 20 * index,
        "allocations": 200 + index,
        "allocations_on_time": 150 + index,
        "breach_referrals": 40 + index,
        "recalls": 20 + index,
        "serious_further_offences": 10 + index,
    }


def publish(
    quarter: str = QUARTER,
    *,
    figures: dict[str, dict[str, int]] | None = None,
    results: dict[str, dict[str, Any]] | None = None,
    provisional: bool = True,
) -> PbrRun:
    """A run with figures for all 21 areas (overridden per area code) and the given results."""
    run = PbrRun.objects.create(
        quarter=quarter,
        measured_on=dt.date(2025, 7, 1),
        provisional=provisional,
        data_fingerprint="f" * 64,
        engine_version="1.0.0",
    )
    for index, area in enumerate(ContractArea.objects.order_by("code")):
        counts = area_counts(index) | (figures or {}).get(area.code, {})
        AreaFigures.objects.create(run=run, contract_area=area, **counts)
    for code, values in (results or {}).items():
        AreaResult.objects.create(
            run=run, contract_area=ContractArea.objects.get(code=code), **result(**values)
        )
    return run


def result(
    *,
    cohort_size: int = 400,
    reoffenders: int = 120,
    reoffences: int = 360,
    expected: float = 130.0,
    variance: float = 90.0,
    binary: str = "no_change",
    frequency: str = "no_change",
    payment: str = "0.00",
    deduction: str = "0.00",
) -> dict[str, Any]:
    return {
        "cohort_size": cohort_size,
        "reoffenders": reoffenders,
        "reoffences": reoffences,
        "binary_rate": reoffenders / cohort_size,
        "frequency_per_reoffender": reoffences / reoffenders if reoffenders else None,
        "frequency_per_100": 100 * reoffences / cohort_size,
        "expected_reoffenders": expected,
        "variance": variance,
        "binary_z": (expected - reoffenders) / variance**0.5,
        "binary_direction": binary,
        "expected_reoffences": 3.0 * reoffenders,
        "frequency_variance": 2.0 * reoffenders,
        "frequency_z": 0.0,
        "frequency_direction": frequency,
        "outcome_payment": Decimal(payment),
        "outcome_deduction": Decimal(deduction),
    }


class Cells(HTMLParser):
    """The published cells of a page: ``{(area code, column): text}`` from the ``<td>``s that
    carry ``data-area`` and ``data-column``, and the SVGs."""

    def __init__(self) -> None:
        super().__init__()
        self.cells: dict[tuple[str, str], str] = {}
        self.svgs: list[dict[str, str | None]] = []
        self.titles: list[str] = []
        self._current: tuple[str, str] | None = None
        self._in_title = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = dict(attrs)
        if tag == "td" and values.get("data-area") and values.get("data-column"):
            self._current = (str(values["data-area"]), str(values["data-column"]))
            self.cells[self._current] = ""
        elif tag == "svg":
            self.svgs.append(values)
        elif tag == "title" and self.svgs:
            self._in_title = True

    def handle_endtag(self, tag: str) -> None:
        if tag == "td":
            self._current = None
        elif tag == "title":
            self._in_title = False

    def handle_data(self, data: str) -> None:
        if self._current is not None:
            self.cells[self._current] += data.strip()
        if self._in_title:
            self.titles.append(data.strip())


def cells_of(html: str) -> Cells:
    parser = Cells()
    parser.feed(html)
    return parser


def get(client: Client, url: str, status: int = 200) -> str:
    response = client.get(url)
    assert response.status_code == status, url
    return response.content.decode()


# --- Pages --------------------------------------------------------------------------------------


def test_every_published_column_is_on_the_pages() -> None:
    assert sorted(name for _, _, names in GROUPS for name in names) == sorted(
        column.name for column in COLUMNS
    )


def test_the_index_needs_no_sign_in_and_shows_the_latest_quarter(client: Client) -> None:
    publish("2024Q4", results={"C01": {}})
    publish(QUARTER, results={"C01": {}})
    html = get(client, "/performance/")
    assert "January to March 2025" in html
    assert "October to December 2024" in html
    cells = cells_of(html).cells
    national_cases = sum(area_counts(i)["cases_in_quarter"] for i in range(21))
    assert cells[(NATIONAL_CODE, "cases_in_quarter")] == f"{national_cases:,}"
    assert 'href="/performance/2025Q1/C08/"' in html


def test_the_index_says_when_nothing_is_published(client: Client) -> None:
    assert "No quarter has been published yet" in get(client, "/performance/")


def test_a_quarter_page_shows_every_area_and_the_national_total(client: Client) -> None:
    publish(results={"C02": {}, "C03": {}})
    cells = cells_of(get(client, f"/performance/{QUARTER}/")).cells
    areas = {code for code, _ in cells}
    assert len(areas) == 22 and NATIONAL_CODE in areas
    assert cells[("C01", "cases_in_quarter")] == "1,000"
    assert cells[("C01", "allocations_on_time_percent")] == "75.0"  # 150 of 200
    assert cells[("C01", "breach_referrals_per_100")] == "4.0"  # 40 per 1,000 cases
    assert cells[("C02", "reoffending_rate_percent")] == "30.0"  # 120 of 400
    assert cells[("C01", "reoffending_rate_percent")] == "–"  # no cohort: not available
    assert cells[(NATIONAL_CODE, "cohort_size")] == "800"


def test_the_area_page_shows_its_figures_the_national_ones_and_the_confidence_band(
    client: Client,
) -> None:
    publish(results={"C08": {"expected": 130.0, "variance": 90.0}, "C09": {}})
    html = get(client, f"/performance/{QUARTER}/C08/")
    cells = cells_of(html).cells
    low, high = binary_interval(expected=130.0, variance=90.0, cohort_size=400)
    assert cells[("C08", "expected_rate_percent")] == "32.5"
    assert cells[("C08", "expected_rate_lower_percent")] == f"{100 * low:.1f}"
    assert cells[("C08", "expected_rate_upper_percent")] == f"{100 * high:.1f}"
    assert cells[("C08", "reoffending_compared_with_baseline")] == "No significant difference"
    assert cells[(NATIONAL_CODE, "cohort_size")] == "800"
    assert {code for code, _ in cells} == {"C08", NATIONAL_CODE}
    assert "provisional" in html.lower()


def test_a_significant_improvement_and_its_payment_are_shown_in_words_and_pounds(
    client: Client,
) -> None:
    publish(
        results={
            "C08": {"reoffenders": 100, "binary": "improved", "payment": "12345.60"},
            "C09": {"cohort_size": 500, "payment": "0.00"},
        },
        provisional=False,
    )
    cells = cells_of(get(client, f"/performance/{QUARTER}/C08/")).cells
    assert cells[("C08", "reoffending_compared_with_baseline")] == "Significantly better"
    assert cells[("C08", "outcome_payment")] == "12,345.60"
    assert cells[(NATIONAL_CODE, "outcome_payment")] == "12,345.60"


def test_small_numbers_are_stars_with_a_footnote_and_cannot_be_subtracted_out(
    client: Client,
) -> None:
    publish(
        figures={"C05": {"serious_further_offences": 3}},
        results={"C08": {"cohort_size": 8, "reoffenders": 3, "reoffences": 4}, "C09": {}},
    )
    html = get(client, f"/performance/{QUARTER}/")
    cells = cells_of(html).cells
    assert cells[("C05", "serious_further_offences")] == "*"
    # C01's 10 SFOs are the next smallest: hidden too, so C05's 3 cannot be worked out.
    assert cells[("C01", "serious_further_offences")] == "*"
    assert cells[("C02", "serious_further_offences")] == "11"
    for column in ("cohort_size", "reoffenders", "reoffending_rate_percent", "outcome_payment"):
        assert cells[("C08", column)] == "*", column
        assert cells[("C09", column)] == "*", column  # the only other cohort
    assert 'id="note-suppressed"' in html
    assert "fewer than 10 people" in html


def test_the_area_page_hides_the_same_cells_as_the_quarter_page(client: Client) -> None:
    publish(figures={"C05": {"recalls": 2}, "C06": {"recalls": 9}})
    quarter = cells_of(get(client, f"/performance/{QUARTER}/")).cells
    for code in ("C05", "C06", "C07"):
        area = cells_of(get(client, f"/performance/{QUARTER}/{code}/")).cells
        for key, text in area.items():
            assert quarter[key] == text, key


def test_charts_are_accessible_svg_drawn_from_the_same_cells(client: Client) -> None:
    # C09's small cohort hides C07's too (the next smallest, first of a tie), not C08's.
    publish(results={"C07": {}, "C08": {}, "C09": {"cohort_size": 9, "reoffenders": 2}})
    for url in (f"/performance/{QUARTER}/", f"/performance/{QUARTER}/C08/"):
        html = get(client, url)
        parsed = cells_of(html)
        assert len(parsed.svgs) == 2
        for svg in parsed.svgs:
            assert svg["role"] == "img"
            ids = str(svg["aria-labelledby"]).split()
            assert all(f'id="{name}"' in html for name in ids)
        assert any("Reoffending rate against the expected rate" in t for t in parsed.titles)
        assert "<script" not in html.split("<svg", 1)[1].split("</svg>")[0]
        desc = re.search(r'<desc id="reoffending-chart-desc">(.*?)</desc>', html, re.S)
        assert desc is not None
        assert "30.0%" in desc.group(1)  # C08's 120 of 400, said in words
    quarter = get(client, f"/performance/{QUARTER}/")
    desc = re.search(r'<desc id="reoffending-chart-desc">(.*?)</desc>', quarter, re.S)
    assert desc is not None and "suppressed" in desc.group(1)


def test_the_latest_run_of_a_quarter_is_the_one_published(client: Client) -> None:
    publish(figures={"C01": {"cases_in_quarter": 1111}})
    publish(figures={"C01": {"cases_in_quarter": 2222}})
    cells = cells_of(get(client, f"/performance/{QUARTER}/")).cells
    assert cells[("C01", "cases_in_quarter")] == "2,222"


@pytest.mark.parametrize(
    "url",
    [
        "/performance/2025Q2/",  # not published
        "/performance/2025Q5/",
        "/performance/2025q1/",  # one address per quarter
        "/performance/junk/",
        "/performance/99999Q1/",
        "/performance/2025Q1/C99/",
        "/performance/2025Q1/ALL/",
        "/performance/2025Q1/%3Cscript%3E/",
        "/performance/open-data/2025Q2.csv",
        "/performance/open-data/2025Q5.json",
        "/performance/open-data/..%2F..%2Fetc.csv",
    ],
)
def test_anything_not_published_is_a_404(client: Client, url: str) -> None:
    publish()
    assert client.get(url).status_code == 404


def test_the_pages_are_the_same_for_a_signed_in_user_without_their_menu(client: Client) -> None:
    publish()
    user = UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])
    anonymous = get(client, f"/performance/{QUARTER}/C01/")
    client.force_login(user)
    signed_in = get(client, f"/performance/{QUARTER}/C01/")
    assert "Sign out" not in signed_in
    assert user.username not in signed_in
    assert cells_of(signed_in).cells == cells_of(anonymous).cells


def test_the_pages_may_be_cached_publicly_and_nothing_else_may(client: Client) -> None:
    """Through the whole middleware stack: the public pages keep their public Cache-Control;
    a signed-in page (case data) is still marked no-store."""
    publish()
    response = client.get(f"/performance/{QUARTER}/")
    assert "public" in response["Cache-Control"]
    assert f"max-age={public_views.CACHE_SECONDS}" in response["Cache-Control"]
    assert "no-store" not in response["Cache-Control"]
    client.force_login(UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"]))
    private = client.get("/contracts/statements/")
    assert "no-store" in private["Cache-Control"]


def test_the_quarter_page_reads_a_fixed_handful_of_queries(client: Client) -> None:
    publish(results={"C01": {}, "C02": {}})
    client.get(f"/performance/{QUARTER}/")  # warm up (sessions, content types)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(f"/performance/{QUARTER}/")
    assert response.status_code == 200
    assert len(queries) <= 4, [q["sql"] for q in queries]


def test_only_get_and_head_are_answered(client: Client) -> None:
    publish()
    assert client.post(f"/performance/{QUARTER}/").status_code in (403, 405)


def test_the_table_sums_the_areas_into_the_national_row() -> None:
    publish(results={"C03": {"cohort_size": 300, "reoffenders": 90}, "C04": {}})
    table = quarter_table(quarter=Quarter.parse(QUARTER))
    assert table is not None
    national = table.national
    assert national["cohort_size"].value == 700
    assert national["reoffenders"].value == 210
    assert national["reoffending_rate_percent"].value == Decimal("30.0")
    assert national["breach_referrals"].value == sum(
        area_counts(i)["breach_referrals"] for i in range(21)
    )


def test_the_chart_puts_each_mark_at_its_value() -> None:
    publish(results={"C01": {"cohort_size": 400, "reoffenders": 100, "expected": 130.0}, "C02": {}})
    table = quarter_table(quarter=Quarter.parse(QUARTER))
    assert table is not None
    chart = charts.interval_chart(chart_id="c", title="t", rows=table.rows)
    first = chart.rows[0]
    left, width = charts.LABEL_WIDTH, charts.PLOT_WIDTH
    assert first.actual_x == pytest.approx(left + width * 0.25)  # 25.0%
    assert first.expected_x == pytest.approx(left + width * 0.325)  # 32.5%
    low, high = binary_interval(expected=130.0, variance=90.0, cohort_size=400)
    assert first.low_x == pytest.approx(left + width * low, abs=0.2)
    assert first.band_width == pytest.approx(width * (high - low), abs=0.3)
    assert chart.rows[2].actual_x is None and chart.rows[2].short == "not available"


def test_no_hidden_cell_of_a_published_quarter_can_be_worked_out() -> None:
    """The attack of tests/rules/test_disclosure.py on a whole published table, with small
    numbers scattered over every kind of figure."""
    publish(
        figures={
            "C01": {"serious_further_offences": 0, "recalls": 4},
            "C02": {"allocations_on_time": 8, "crc_caseload_at_end": 5, "caseload_at_end": 305},
            "C03": {"breach_referrals": 9, "serious_further_offences": 12},
            "C04": {"nps_caseload_at_end": 2, "caseload_at_end": 622},
        },
        results={
            "C05": {"cohort_size": 9, "reoffenders": 3, "reoffences": 5},
            "C06": {"cohort_size": 40, "reoffenders": 7, "reoffences": 12, "payment": "10.00"},
            "C07": {"payment": "2000.00"},
            "C08": {"deduction": "300.00"},
        },
    )
    run = PbrRun.objects.get()
    table = quarter_table(quarter=Quarter.parse(QUARTER))
    assert table is not None
    hidden = frozenset(
        (row.code, name)
        for row in table.rows
        for name, cell in row.cells.items()
        if cell.suppressed
    )
    # What the attacker may not see but the bounds of the attack need: the true values.
    figures = list(AreaFigures.objects.filter(run=run).select_related("contract_area"))
    results = {r.contract_area_id: r for r in AreaResult.objects.filter(run=run)}
    true_rows = {
        f.contract_area.code: public_selectors._area_raw(f, results.get(f.contract_area_id))
        for f in figures
    }
    true_rows[NATIONAL_CODE] = public_selectors._national_raw(figures, list(results.values()))
    true_table = disclosure.Table(
        columns=tuple(column.disclosure for column in COLUMNS),
        rows={
            code: {n: (0 if isinstance(v, str) else v) for n, v in cells.items()}
            for code, cells in true_rows.items()
        },
        total_row=NATIONAL_CODE,
        row_sums=ROW_SUMS,
    )
    assert {("C01", "serious_further_offences"), ("C05", "cohort_size")} <= hidden
    assert not recovered_cells(true_table, hidden)
