"""The public performance pages and open data (no sign-in; ``docs/domain/reoffending-and-
payment.md``, Transparency). URLs in ``public_urls.py``.

They show aggregated, suppressed figures only (never a person), so they are not audited, and
they are the same for everyone: they render without the signed-in header and menu (as for an
anonymous visitor) so that a shared cache may keep them. A quarter or an area that is not
published is a 404, whatever is typed in the URL.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from django.contrib.auth.models import AnonymousUser
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from probation.performance import charts, opendata
from probation.performance.public_selectors import (
    COLUMN,
    PublicCell,
    PublicColumn,
    PublicRow,
    PublicTable,
    published_quarters,
    quarter_table,
)
from probation.rules.reoffending import Quarter

#: How long a browser or a shared cache may keep a page or a download (seconds).
CACHE_SECONDS = 300

#: The published figures in the groups the pages show them in (each group one table).
GROUPS: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    (
        "caseload",
        "Caseload",
        ("cases_in_quarter", "caseload_at_end", "crc_caseload_at_end", "nps_caseload_at_end"),
    ),
    (
        "allocation",
        "Allocation timeliness",
        ("allocations", "allocations_on_time", "allocations_on_time_percent"),
    ),
    (
        "enforcement",
        "Breaches, recalls and serious further offences",
        (
            "breach_referrals",
            "breach_referrals_per_100",
            "recalls",
            "recalls_per_100",
            "serious_further_offences",
        ),
    ),
    (
        "reoffending",
        "Proven reoffending against the baseline",
        (
            "cohort_size",
            "reoffenders",
            "reoffending_rate_percent",
            "expected_rate_percent",
            "expected_rate_lower_percent",
            "expected_rate_upper_percent",
            "reoffending_compared_with_baseline",
        ),
    ),
    (
        "frequency",
        "Frequency of reoffending",
        (
            "reoffences",
            "reoffences_per_reoffender",
            "reoffences_per_100",
            "frequency_compared_with_baseline",
        ),
    ),
    ("payments", "Outcome payments", ("outcome_payment", "outcome_deduction")),
)


@dataclass(frozen=True, slots=True)
class AreasTable:
    """A group of figures with a row per area (the quarter's page)."""

    key: str
    caption: str
    columns: tuple[PublicColumn, ...]
    rows: tuple[tuple[PublicRow, tuple[PublicCell, ...]], ...]


@dataclass(frozen=True, slots=True)
class FiguresTable:
    """A group of figures with a row per figure and a column per area (an area's page)."""

    key: str
    caption: str
    areas: tuple[PublicRow, ...]
    rows: tuple[tuple[PublicColumn, tuple[tuple[PublicRow, PublicCell], ...]], ...]


def _areas_tables(rows: tuple[PublicRow, ...]) -> list[AreasTable]:
    return [
        AreasTable(
            key=key,
            caption=caption,
            columns=tuple(COLUMN[name] for name in names),
            rows=tuple((row, tuple(row[name] for name in names)) for row in rows),
        )
        for key, caption, names in GROUPS
    ]


def _figures_tables(areas: tuple[PublicRow, ...]) -> list[FiguresTable]:
    return [
        FiguresTable(
            key=key,
            caption=caption,
            areas=areas,
            rows=tuple((COLUMN[name], tuple((row, row[name]) for row in areas)) for name in names),
        )
        for key, caption, names in GROUPS
    ]


def _public(request: HttpRequest, template: str, context: dict[str, Any]) -> HttpResponse:
    """Render as for an anonymous visitor (no name, no menu, no sign-out form), cacheable."""
    response = render(
        request, template, {**context, "user": AnonymousUser(), "service_navigation": []}
    )
    return _cacheable(response)


def _cacheable(response: HttpResponse) -> HttpResponse:
    patch_cache_control(response, public=True, max_age=CACHE_SECONDS)
    return response


def _table_or_404(quarter: str) -> PublicTable:
    try:
        parsed = Quarter.parse(quarter)
    except ValueError:
        raise Http404("No such quarter") from None
    if str(parsed) != quarter:
        raise Http404("No such quarter")  # one address per quarter: 2016Q1, not 2016q1
    table = quarter_table(quarter=parsed)
    if table is None:
        raise Http404("This quarter is not published")
    return table


@require_safe
def index(request: HttpRequest) -> HttpResponse:
    quarters = published_quarters()
    table = quarter_table(quarter=quarters[0].quarter) if quarters else None
    return _public(
        request,
        "performance/public/index.html",
        {
            "quarters": quarters,
            "table": table,
            "tables": _figures_tables((table.national,)) if table else [],
        },
    )


@require_safe
def quarter_page(request: HttpRequest, quarter: str) -> HttpResponse:
    table = _table_or_404(quarter)
    return _public(
        request,
        "performance/public/quarter.html",
        {
            "table": table,
            "tables": _areas_tables(table.rows),
            "reoffending_chart": charts.interval_chart(
                chart_id="reoffending-chart",
                title=f"Reoffending rate against the expected rate, {table.quarter}",
                rows=table.rows,
            ),
            "allocation_chart": charts.bar_chart(
                chart_id="allocation-chart",
                title=f"Allocations made on time, {table.quarter}",
                unit="allocations made on time, as a percentage",
                bars=[(row.name, row["allocations_on_time_percent"]) for row in table.rows],
                scale=100.0,
            ),
        },
    )


@require_safe
def area_page(request: HttpRequest, quarter: str, code: str) -> HttpResponse:
    table = _table_or_404(quarter)
    row = table.row(code)
    if row is None or row.is_national:
        raise Http404("No such contract area")
    both = (row, table.national)
    return _public(
        request,
        "performance/public/area.html",
        {
            "table": table,
            "row": row,
            "tables": _figures_tables(both),
            "reoffending_chart": charts.interval_chart(
                chart_id="reoffending-chart",
                title=f"Reoffending rate against the expected rate, {row.name}, {table.quarter}",
                rows=both,
            ),
            "rates_chart": charts.bar_chart(
                chart_id="rates-chart",
                title=f"Breach referrals and recalls per 100 cases, {row.name}, {table.quarter}",
                unit="breach referrals or recalls per 100 cases in the quarter",
                bars=[(f"Breaches, {area.name}", area["breach_referrals_per_100"]) for area in both]
                + [(f"Recalls, {area.name}", area["recalls_per_100"]) for area in both],
            ),
        },
    )


@require_safe
def open_data(request: HttpRequest) -> HttpResponse:
    return _public(
        request,
        "performance/public/open_data.html",
        {"quarters": published_quarters(), "fields": opendata.schema()["fields"]},
    )


@require_safe
def quarter_csv(request: HttpRequest, quarter: str) -> HttpResponse:
    table = _table_or_404(quarter)
    response = HttpResponse(opendata.table_csv(table), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="probation-performance-{quarter}.csv"'
    return _cacheable(response)


@require_safe
def quarter_json(request: HttpRequest, quarter: str) -> HttpResponse:
    table = _table_or_404(quarter)
    schema_url = request.build_absolute_uri(reverse("performance:open-data-schema"))
    return _cacheable(
        JsonResponse(
            opendata.table_json(table, schema_url=schema_url),
            json_dumps_params={"ensure_ascii": False, "indent": 1},
        )
    )


@require_safe
def schema_json(request: HttpRequest) -> HttpResponse:
    return _cacheable(
        HttpResponse(
            json.dumps(opendata.schema(), ensure_ascii=False, indent=1),
            content_type="application/json",
        )
    )
