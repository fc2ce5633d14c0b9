"""The open data (performance/opendata.py): the CSV and JSON downloads hold the page's table cell
by cell, suppressed the same way, and the Table Schema describes every column."""

from __future__ import annotations

import csv
import io
import json
import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from probation.performance.public_selectors import COLUMNS, NATIONAL_CODE
from tests.performance.test_public_pages import QUARTER, cells_of, get, publish

pytestmark = pytest.mark.django_db

TABLE_SCHEMA_TYPES = {"string", "number", "integer", "boolean", "date", "object", "array"}


@pytest.fixture
def published() -> None:
    """A quarter with small cells (primary and secondary), areas without a cohort, payments."""
    publish(
        figures={"C05": {"serious_further_offences": 3}, "C06": {"recalls": 0}},
        results={
            "C07": {"cohort_size": 7, "reoffenders": 2, "reoffences": 3},
            "C08": {"binary": "improved", "reoffenders": 90, "payment": "4321.09"},
            # The next smallest cohort, hidden with C07's; its payment and deduction are not 0, so
            # the hidden amounts do not sum to 0 (which would give them away: C08's payment and
            # C10's deduction would be hidden too).
            "C09": {"cohort_size": 350, "payment": "100.00", "deduction": "50.00"},
            "C10": {"binary": "worse", "reoffenders": 160, "deduction": "1500.50"},
        },
        provisional=False,
    )


def page_cells(client: Client) -> dict[tuple[str, str], str]:
    return cells_of(get(client, f"/performance/{QUARTER}/")).cells


def csv_rows(client: Client) -> list[dict[str, str]]:
    response = client.get(f"/performance/open-data/{QUARTER}.csv")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/csv")
    assert f"{QUARTER}.csv" in response["Content-Disposition"]
    return list(csv.DictReader(io.StringIO(response.content.decode())))


def json_body(client: Client) -> dict[str, Any]:
    response = client.get(f"/performance/open-data/{QUARTER}.json")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    return dict(json.loads(response.content))


def number(text: str) -> Decimal:
    return Decimal(text.replace(",", ""))


def test_the_csv_equals_the_pages_table_cell_by_cell(client: Client, published: None) -> None:
    page = page_cells(client)
    rows = {row["area_code"]: row for row in csv_rows(client)}
    assert len(rows) == 22 and NATIONAL_CODE in rows
    assert {code for code, _ in page} == set(rows)
    for (code, name), shown in page.items():
        cell = rows[code][name]
        if shown == "*":
            assert cell == "*", (code, name)
        elif shown == "–":
            assert cell == "", (code, name)
        elif re.fullmatch(r"[\d,.]+", shown):
            assert number(cell) == number(shown), (code, name)
            assert cell == shown.replace(",", ""), (code, name)  # same rounding, no separators
        else:
            assert cell == shown, (code, name)
    assert len(page) == 22 * len(COLUMNS)  # every column of every row compared
    assert all(row["quarter"] == QUARTER and row["provisional"] == "false" for row in rows.values())


def test_the_json_equals_the_pages_table_cell_by_cell(client: Client, published: None) -> None:
    page = page_cells(client)
    body = json_body(client)
    assert body["quarter"] == QUARTER and body["provisional"] is False
    assert body["schema"].endswith("/performance/open-data/schema.json")
    rows = {row["area_code"]: row for row in body["rows"]}
    assert len(rows) == 22
    for (code, name), shown in page.items():
        value = rows[code][name]
        if shown == "*":
            assert value is None and name in rows[code]["suppressed"], (code, name)
        elif shown == "–":
            assert value is None and name not in rows[code]["suppressed"], (code, name)
        elif isinstance(value, int | float):
            assert Decimal(str(value)) == number(shown), (code, name)
        else:
            assert value == shown, (code, name)
    for code, row in rows.items():
        assert set(row["suppressed"]) == {n for (c, n), s in page.items() if c == code and s == "*"}


def test_small_cells_are_suppressed_in_both_downloads(client: Client, published: None) -> None:
    csv_by_area = {row["area_code"]: row for row in csv_rows(client)}
    json_by_area = {row["area_code"]: row for row in json_body(client)["rows"]}
    for code, name in (
        ("C05", "serious_further_offences"),  # 3
        ("C06", "recalls"),  # 0
        ("C06", "recalls_per_100"),  # computed from it
        ("C07", "cohort_size"),  # 7
        ("C07", "reoffending_rate_percent"),
        ("C07", "outcome_payment"),
    ):
        assert csv_by_area[code][name] == "*", (code, name)
        assert json_by_area[code][name] is None and name in json_by_area[code]["suppressed"]
    assert csv_by_area["C08"]["outcome_payment"] == "4321.09"
    assert json_by_area["C10"]["outcome_deduction"] == 1500.5


def test_the_schema_describes_every_column_with_its_type_and_unit(client: Client) -> None:
    response = client.get("/performance/open-data/schema.json")
    assert response.status_code == 200
    schema = json.loads(response.content)
    names = [field["name"] for field in schema["fields"]]
    assert names[:4] == ["quarter", "area_code", "area_name", "provisional"]
    assert names[4:] == [column.name for column in COLUMNS]
    assert schema["primaryKey"] == ["quarter", "area_code"]
    assert set(schema["missingValues"]) == {"", "*"}
    for field in schema["fields"]:
        assert field["type"] in TABLE_SCHEMA_TYPES, field
        assert field["description"], field
        if field["type"] in ("integer", "number"):
            assert field["unit"], field
    units = {field["name"]: field.get("unit") for field in schema["fields"]}
    assert units["outcome_payment"] == "GBP"
    assert units["reoffending_rate_percent"] == "percent"


def test_every_csv_value_is_valid_against_the_schema(client: Client, published: None) -> None:
    schema = json.loads(client.get("/performance/open-data/schema.json").content)
    rows = csv_rows(client)
    assert list(rows[0]) == [field["name"] for field in schema["fields"]]
    casts = {
        "integer": lambda text: int(text) >= 0,
        "number": lambda text: Decimal(text) >= 0,
        "boolean": lambda text: text in ("true", "false"),
        "string": lambda text: bool(text),
    }
    for row in rows:
        for field in schema["fields"]:
            text = row[field["name"]]
            if text in schema["missingValues"]:
                assert not field.get("constraints", {}).get("required"), field["name"]
                continue
            assert casts[field["type"]](text), (field["name"], text)
            pattern = field.get("constraints", {}).get("pattern")
            assert pattern is None or re.fullmatch(pattern, text)


def test_the_open_data_page_lists_the_downloads_and_the_columns(client: Client) -> None:
    publish("2024Q4")
    publish(QUARTER)
    html = get(client, "/performance/open-data/")
    assert 'href="/performance/open-data/2025Q1.csv"' in html
    assert 'href="/performance/open-data/2024Q4.json"' in html
    assert 'href="/performance/open-data/schema.json"' in html
    for column in COLUMNS:
        assert f"<code>{column.name}</code>" in html


def test_the_downloads_are_the_same_every_time(client: Client, published: None) -> None:
    first = client.get(f"/performance/open-data/{QUARTER}.csv").content
    assert client.get(f"/performance/open-data/{QUARTER}.csv").content == first
