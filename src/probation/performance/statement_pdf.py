"""A payment statement as a PDF and as CSV: the same figures as the statement page, for the
contract's finance teams (``docs/domain/reoffending-and-payment.md``).

The PDF is made by WeasyPrint from a standalone HTML page (as the warning letter is,
``enforcement/letters.py``); it fetches nothing from outside. The CSV has one row a line, with
the address of the rows behind it, and a last row of the total.
"""

from __future__ import annotations

import csv
import io
from typing import Any

from django.template.loader import render_to_string

from probation.performance.statement_selectors import StatementView

CSV_HEADER = (
    "quarter",
    "contract_area",
    "provider",
    "run",
    "provisional",
    "section",
    "code",
    "description",
    "quantity",
    "unit_price",
    "amount",
    "rows",
)


def _cell(value: str) -> str:
    """A text cell a spreadsheet shows as text: a leading =, +, - or @ would be a formula."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def statement_csv(view: StatementView, *, rows_url: Any) -> str:
    """The statement as CSV text. ``rows_url(line_view)`` gives the address of a line's rows.
    Amounts are plain numbers (deductions negative); text cells cannot start a formula."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADER)
    statement = view.statement
    head = [
        view.run.quarter,
        statement.contract_area.code,
        _cell(statement.provider.name),
        str(view.run.pk),
        "yes" if view.run.provisional else "no",
    ]
    for section in view.sections:
        for item in section.lines:
            line = item.line
            writer.writerow(
                [
                    *head,
                    line.section,
                    line.code,
                    _cell(line.description),
                    f"{line.quantity:.2f}",
                    f"{line.unit_price:.2f}",
                    f"{line.amount:.2f}",
                    rows_url(item),
                ]
            )
    writer.writerow([*head, "total", "total", "Total", "", "", f"{statement.total:.2f}", ""])
    return out.getvalue()


def statement_html(view: StatementView) -> str:
    """The statement as a standalone, printable HTML page (for the PDF)."""
    return render_to_string("performance/statements/statement_pdf.html", {"view": view})


def statement_pdf(view: StatementView) -> bytes:
    """The statement as a PDF (WeasyPrint; no external resources are fetched)."""
    from weasyprint import HTML  # imported late: it is slow to import and only needed here

    def no_fetch(url: str) -> dict[str, Any]:
        raise ValueError(f"The statement loads no external resources ({url[:40]})")

    pdf = HTML(string=statement_html(view), url_fetcher=no_fetch).write_pdf()
    assert isinstance(pdf, bytes)
    return pdf
