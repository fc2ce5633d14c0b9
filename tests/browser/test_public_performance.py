"""Acceptance (issue: payment by results, point 5): anyone, without signing in, opens the public
page of a contract area for a quarter and sees its figures, the charts (server-rendered SVG,
there without JavaScript) and the tables; the CSV and JSON downloads hold what the page shows;
a figure from fewer than 10 people is ``*``. The page passes axe-core and fits a phone."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from probation.contracts.models import ContractArea
from tests.browser.checks import AXE_CONTEXT, DESKTOP, PHONE, assert_accessible, assert_fits
from tests.performance.test_public_pages import QUARTER, area_counts, publish

pytestmark = [
    pytest.mark.browser,
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
]

AREA = "C08"
URL = f"/performance/{QUARTER}/{AREA}/"


def publish_quarter() -> None:
    publish(
        figures={AREA: {"serious_further_offences": 3}},
        results={
            AREA: {"cohort_size": 400, "reoffenders": 100, "binary": "improved"},
            # Smaller than C08: the cells hidden beside C10's small cohort are C09's.
            "C09": {"cohort_size": 300, "reoffenders": 60},
            "C10": {"cohort_size": 6, "reoffenders": 2},
        },
    )


def shown_cells(page: Page) -> dict[tuple[str, str], str]:
    """Every published cell on the page, as the browser renders its text."""
    found: list[list[str]] = page.evaluate(
        """() => [...document.querySelectorAll('td[data-area][data-column]')]
                 .map(td => [td.dataset.area, td.dataset.column, td.innerText.trim()])"""
    )
    return {(area, column): text for area, column, text in found}


def test_the_public_page_of_a_contract_area(
    new_context: Callable[..., BrowserContext], transactional_db: Any
) -> None:
    publish_quarter()
    name = ContractArea.objects.get(code=AREA).name
    page = new_context(viewport=DESKTOP, **AXE_CONTEXT).new_page()
    page.goto(URL)

    expect(page.get_by_role("heading", level=1)).to_have_text(name)
    expect(page.get_by_role("button", name="Sign out")).to_have_count(0)
    cells = shown_cells(page)
    counts = area_counts(7)  # C08 is the eighth area
    assert cells[(AREA, "cases_in_quarter")] == f"{counts['cases_in_quarter']:,}"
    assert cells[(AREA, "allocations_on_time")] == str(counts["allocations_on_time"])
    assert cells[(AREA, "reoffending_rate_percent")] == "25.0"
    assert cells[(AREA, "reoffending_compared_with_baseline")] == "Significantly better"
    # Fewer than 10: a star, explained in the notes.
    assert cells[(AREA, "serious_further_offences")] == "*"
    expect(page.locator("#note-suppressed")).to_contain_text("fewer than 10 people")

    charts = page.locator("svg[role='img']")
    expect(charts).to_have_count(2)
    expect(charts.first).to_be_visible()
    for index in range(2):
        labelled_by = charts.nth(index).get_attribute("aria-labelledby") or ""
        title_id, desc_id = labelled_by.split()
        assert page.locator(f"#{title_id}").text_content()
        assert "The table below gives the same figures" in (
            page.locator(f"#{desc_id}").text_content() or ""
        )
    expect(page.get_by_test_id("reoffending-chart")).to_contain_text("25.0%")
    expect(page.get_by_test_id("table-reoffending")).to_be_visible()
    expect(page.locator("table.govuk-table")).to_have_count(6)

    # The downloads hold what the page shows, cell by cell.
    page_cells = dict(cells)
    rows = {
        row["area_code"]: row
        for row in csv.DictReader(
            io.StringIO(page.request.get(f"/performance/open-data/{QUARTER}.csv").text())
        )
    }
    body = page.request.get(f"/performance/open-data/{QUARTER}.json").json()
    json_rows = {row["area_code"]: row for row in body["rows"]}
    for (code, column), text in page_cells.items():
        if text == "*":
            assert rows[code][column] == "*"
            assert json_rows[code][column] is None and column in json_rows[code]["suppressed"]
        elif text == "–":
            assert rows[code][column] == "" and json_rows[code][column] is None
        elif text[0].isdigit():
            assert Decimal(rows[code][column]) == Decimal(text.replace(",", "")), column
            assert Decimal(str(json_rows[code][column])) == Decimal(text.replace(",", ""))
        else:
            assert rows[code][column] == text and json_rows[code][column] == text
    assert rows[AREA]["serious_further_offences"] == "*"

    assert_accessible(page)


def test_the_charts_are_there_without_javascript_and_the_page_fits_a_phone(
    new_context: Callable[..., BrowserContext], transactional_db: Any
) -> None:
    publish_quarter()
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    page.goto(URL)
    expect(page.locator("svg[role='img']")).to_have_count(2)
    expect(page.get_by_test_id("rates-chart")).to_be_visible()
    assert_fits(page)
    page.get_by_role("link", name="January to March 2025").click()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Probation performance, January to March 2025"
    )
    expect(page.locator("td[data-area='C10'][data-column='cohort_size']")).to_have_text("*")


def test_the_quarter_page_passes_axe(
    new_context: Callable[..., BrowserContext], transactional_db: Any
) -> None:
    publish_quarter()
    page = new_context(viewport=DESKTOP, **AXE_CONTEXT).new_page()
    for url in ("/performance/", f"/performance/{QUARTER}/", "/performance/open-data/"):
        page.goto(url)
        assert_accessible(page)
