"""The payment statement pages for contract managers and auditors: the list of statements, one
statement (and its CSV and PDF), and the rows behind each of its figures
(``docs/domain/reoffending-and-payment.md``; URLs in ``performance/statement_urls.py``).

Thin: each view checks the role, asks ``statement_selectors`` and renders. Anyone else is refused
as the contract manager's home refuses (``ROLE_REFUSED`` audited, 403); a run or area that does
not exist, or that the user may not read, is 404, as is a bad kind or month. A page of rows that
names people is audited with its CRNs (``COHORT_LISTED``).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse

from probation.core.audit import AuditAction
from probation.people.access import reads_audited, role_refused
from probation.performance.models import Statement
from probation.performance.statement_pdf import statement_csv, statement_pdf
from probation.performance.statement_selectors import (
    LineView,
    StatementView,
    may_read_statements,
    quantity_text,
    row_cells,
    rows_behind,
    statement_for,
    statement_list,
    statement_view,
)

#: Rows a page of the rows behind a figure.
ROWS_PAGE_SIZE = 50
MAX_PAGE = 100_000


def _reader(request: HttpRequest, page: str) -> Any:
    user: Any = request.user
    if not may_read_statements(user):
        role_refused(user=user, page=page, path=request.path)
        raise PermissionDenied
    return user


def _statement(request: HttpRequest, user: Any, run_id: int, area_code: str) -> Statement:
    statement = statement_for(for_user=user, run_id=run_id, area_code=area_code)
    if statement is None:
        raise Http404("No such statement")
    return statement


def _page_number(request: HttpRequest) -> int:
    raw = request.GET.get("page", "1")
    number = int(raw) if raw.isascii() and raw.isdigit() and len(raw) <= 6 else 1
    return min(max(number, 1), MAX_PAGE)


def line_rows_url(statement: Statement, item: LineView) -> str:
    """The address of the rows behind a line (with its month, for a fee)."""
    url = reverse(
        "performance:statement-rows",
        args=[statement.run_id, statement.contract_area.code, item.rows_kind],
    )
    return f"{url}?month={item.rows_month}" if item.rows_month else url


@login_required
def statements_page(request: HttpRequest) -> HttpResponse:
    """Each quarter's latest run and its statements, newest quarter first."""
    user = _reader(request, "payment statements")
    return render(
        request,
        "performance/statements/list.html",
        {"quarters": statement_list(for_user=user)},
    )


@login_required
def statement_page(request: HttpRequest, run_id: int, area_code: str) -> HttpResponse:
    user = _reader(request, "payment statement")
    view = statement_view(_statement(request, user, run_id, area_code))
    return render(request, "performance/statements/statement.html", {"view": view})


def _filename(view: StatementView, extension: str) -> str:
    statement = view.statement
    return (
        f"statement-{view.run.quarter}-{statement.contract_area.code}-run{view.run.pk}.{extension}"
    )


@login_required
def statement_csv_download(request: HttpRequest, run_id: int, area_code: str) -> HttpResponse:
    user = _reader(request, "payment statement (CSV)")
    view = statement_view(_statement(request, user, run_id, area_code))
    text = statement_csv(
        view, rows_url=lambda item: request.build_absolute_uri(line_rows_url(view.statement, item))
    )
    response = HttpResponse(text, content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{_filename(view, "csv")}"'
    return response


@login_required
def statement_pdf_download(request: HttpRequest, run_id: int, area_code: str) -> HttpResponse:
    user = _reader(request, "payment statement (PDF)")
    view = statement_view(_statement(request, user, run_id, area_code))
    response = HttpResponse(statement_pdf(view), content_type="application/pdf")
    response["Content-Disposition"] = f'inline; filename="{_filename(view, "pdf")}"'
    return response


@login_required
def statement_rows_page(
    request: HttpRequest, run_id: int, area_code: str, kind: str
) -> HttpResponse:
    """The rows behind one line of a statement, a page at a time; the CRNs shown are audited."""
    user = _reader(request, "rows behind a payment statement")
    statement = _statement(request, user, run_id, area_code)
    month = request.GET.get("month")
    behind = rows_behind(statement=statement, kind=kind, month_text=month)
    if behind is None:
        raise Http404("No such line")
    page = Paginator(behind.rows, ROWS_PAGE_SIZE).get_page(_page_number(request))
    headings = [heading for _, heading in behind.columns]
    rows = [
        (row["crn"], list(zip(headings, row_cells(row, behind.columns), strict=True)))
        for row in page
    ]
    reads_audited(
        user=user,
        action=AuditAction.COHORT_LISTED,
        details={
            "list": behind.kind,
            "run": statement.run_id,
            "contract_area": statement.contract_area.code,
            "month": str(behind.month) if behind.month else None,
            "page": page.number,
            "crns": [crn for crn, _ in rows],
        },
        path=request.path,
    )
    return render(
        request,
        "performance/statements/rows.html",
        {
            "statement": statement,
            "behind": behind,
            "page": page,
            "rows": rows,
            "counted": None if behind.counted is None else quantity_text(behind.counted),
        },
    )
