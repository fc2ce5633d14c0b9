"""The open data: a quarter's published table as CSV and JSON, and its Table Schema.

Both downloads are made from the same ``PublicTable`` as the pages (``public_selectors``), so
they hold the same figures, rounded the same way and hidden in the same cells:

- CSV: a hidden cell is ``*``, a figure not available (an area without a cohort or a baseline)
  is empty; both are declared as ``missingValues`` in the schema;
- JSON: a hidden or unavailable figure is ``null``; each row lists the names of its hidden
  figures in ``suppressed``, so a reader can tell the two apart.

The schema (``/performance/open-data/schema.json``) follows the Frictionless Table Schema
(https://specs.frictionlessdata.io/table-schema/) with a ``unit`` on each field.
``docs/how-to/use-the-open-data.md`` explains the downloads for their users.
"""

from __future__ import annotations

import csv
import io
from decimal import Decimal
from typing import Any

from probation.performance.public_selectors import (
    COLUMNS,
    NATIONAL_CODE,
    NATIONAL_NAME,
    PublicCell,
    PublicTable,
)

#: The columns before the figures, in both downloads.
KEY_FIELDS: tuple[dict[str, Any], ...] = (
    {
        "name": "quarter",
        "title": "Quarter",
        "type": "string",
        "description": "The calendar quarter, written like 2016Q1.",
        "constraints": {"required": True, "pattern": "^[0-9]{4}Q[1-4]$"},
    },
    {
        "name": "area_code",
        "title": "Contract area code",
        "type": "string",
        "description": f"The contract package area (C01 to C21), or {NATIONAL_CODE} for "
        f"{NATIONAL_NAME} (the sum of all areas).",
        "constraints": {"required": True},
    },
    {
        "name": "area_name",
        "title": "Contract area",
        "type": "string",
        "description": "The contract package area's name.",
        "constraints": {"required": True},
    },
    {
        "name": "provisional",
        "title": "Provisional",
        "type": "boolean",
        "description": "True while the cohort's 18 months of follow-up and waiting have not all "
        "passed: the reoffending figures may still rise, and no outcome payment is made.",
        "constraints": {"required": True},
    },
)
CSV_MISSING = "*"
HEADER = [field["name"] for field in KEY_FIELDS] + [column.name for column in COLUMNS]


def schema() -> dict[str, Any]:
    """The Table Schema of both downloads (one row per contract area and quarter)."""
    fields: list[dict[str, Any]] = [dict(field) for field in KEY_FIELDS]
    for column in COLUMNS:
        field: dict[str, Any] = {
            "name": column.name,
            "title": column.title,
            "type": column.kind,
            "description": column.description,
        }
        if column.unit:
            field["unit"] = column.unit
        if column.kind in ("integer", "number"):
            field["constraints"] = {"minimum": 0}
        if column.places:
            field["decimalPlaces"] = column.places
        fields.append(field)
    return {
        "$schema": "https://specs.frictionlessdata.io/schemas/table-schema.json",
        "title": "Probation performance by contract area and quarter",
        "description": (
            "One row per contract area and quarter, and one for England and Wales. Any figure "
            "computed from fewer than 10 people is suppressed, as are the cells that would let "
            "it be worked out from a total: '*' in the CSV, null and listed in 'suppressed' in "
            "the JSON. An empty CSV cell (null in JSON, not listed) is not available."
        ),
        "fields": fields,
        "primaryKey": ["quarter", "area_code"],
        "missingValues": ["", CSV_MISSING],
    }


def _csv_value(cell: PublicCell) -> str:
    if cell.suppressed:
        return CSV_MISSING
    if cell.value is None:
        return ""
    return str(cell.value)


def _json_value(cell: PublicCell) -> int | float | str | None:
    if cell.suppressed or cell.value is None:
        return None
    if isinstance(cell.value, Decimal):
        return float(cell.value)
    return cell.value


def table_csv(table: PublicTable) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(HEADER)
    provisional = "true" if table.run.provisional else "false"
    for row in table.rows:
        writer.writerow(
            [str(table.quarter), row.code, row.name, provisional]
            + [_csv_value(row[column.name]) for column in COLUMNS]
        )
    return out.getvalue()


def table_json(table: PublicTable, *, schema_url: str) -> dict[str, Any]:
    run = table.run
    return {
        "quarter": str(table.quarter),
        "provisional": run.provisional,
        "measured_on": run.measured_on.isoformat(),
        "engine_version": run.engine_version,
        "data_fingerprint": run.data_fingerprint,
        "schema": schema_url,
        "rows": [
            {
                "quarter": str(table.quarter),
                "area_code": row.code,
                "area_name": row.name,
                "provisional": run.provisional,
                **{column.name: _json_value(row[column.name]) for column in COLUMNS},
                "suppressed": [c.name for c in COLUMNS if row[c.name].suppressed],
            }
            for row in table.rows
        ],
    }
