"""The statement pages (performance/statement_views.py): the list of each quarter's latest
statements, one statement with every figure linked to its rows, its CSV and PDF, the rows
themselves (paged, their CRNs audited), who may read them and what is 404."""

from __future__ import annotations

import csv
import datetime as dt
import io
from decimal import Decimal
from typing import Any

import pytest

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.performance.models import CohortMember, IndexKind, PbrRun, Statement
from probation.performance.statements import statements_for
from probation.rules.reoffending import Quarter
from tests.factories import PersonFactory, UserFactory, area, organisation
from tests.performance.test_fees import crc_case, order
from tests.performance.test_statements import result, terms

pytestmark = pytest.mark.django_db

Q1 = Quarter(2025, 1)
LIST = "/contracts/statements/"


def saved_run(*, provisional: bool = False, quarter: Quarter = Q1, results: bool = True) -> PbrRun:
    """A run saved as the lead's orchestrator saves it: the run, its results, its statements."""
    run = PbrRun.objects.create(
        quarter=str(quarter),
        measured_on=dt.date(2026, 10, 1) if not provisional else dt.date(2025, 7, 1),
        provisional=provisional,
        data_fingerprint="ab12" * 16,
        engine_version="1.0.0",
    )
    made = [result(run)] if results else []
    for area_result in made:
        area_result.save()
    for statement, lines in statements_for(run=run, quarter=quarter, results=made):
        statement.save()
        for line in lines:
            line.statement = statement
            line.save()
    return run


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    terms("C08")
    terms("C12")
    cases = [crc_case() for _ in range(2)]
    for case in cases:
        order(case, dt.date(2025, 1, 6), None)
    run = saved_run()
    return {"run": run, "cases": cases}


@pytest.fixture
def manager(db: Any) -> Any:
    return UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])


def statement_url(run: PbrRun, code: str = "C08") -> str:
    return f"/contracts/statements/{run.pk}/{code}/"


def test_the_list_shows_each_quarters_latest_run_and_its_totals(world, manager, client_for):
    newer = saved_run()
    body = client_for(manager).get(LIST).content.decode()
    assert f"/contracts/statements/{newer.pk}/C08/" in body
    assert f"/contracts/statements/{world['run'].pk}/C08/" not in body
    table = body.split('data-testid="statements-2025Q1"', 1)[1].split("</table>", 1)[0]
    assert table.count('data-testid="statement-C') == 2
    c08 = Statement.objects.get(run=newer, contract_area__code="C08")
    row = table.split('data-testid="statement-C08"', 1)[1].split("</tr>", 1)[0]
    assert f"£{c08.total:,.2f}" in row


def test_the_list_says_how_to_make_a_run_when_there_is_none(manager, client_for):
    body = client_for(manager).get(LIST).content.decode()
    assert "probation pbr run --quarter 2025Q1" in body


def test_a_statement_shows_its_provenance_and_links_every_figure_to_its_rows(
    world, manager, client_for
):
    run = world["run"]
    body = client_for(manager).get(statement_url(run)).content.decode()
    statement = Statement.objects.get(run=run, contract_area__code="C08")
    assert statement.provider.name in body
    assert run.data_fingerprint in body and "1.0.0" in body
    assert 'data-testid="status">Final<' in body
    lines = list(statement.lines.all())
    assert body.count('data-testid="rows-link"') == len(lines) == 15 + 3 + 2
    january = f"/contracts/statements/{run.pk}/C08/rows/orders_managed/?month=2025-01"
    assert january in body
    assert f"/contracts/statements/{run.pk}/C08/rows/late_allocations/" in body
    assert f"/contracts/statements/{run.pk}/C08/rows/cohort/" in body
    line = body.split('data-testid="line-orders_managed-2025-01"', 1)[1].split("</tr>", 1)[0]
    assert ">2<" in line and "£200.00" in line
    assert "£17,234.57" in body  # the outcome payment of the result
    assert 'href="/performance/2025Q1/C08/"' in body
    assert 'href="/contracts/indicators/?quarter=2025Q1"' in body


def test_a_provisional_statement_says_so(manager, client_for):
    terms("C08")
    run = saved_run(provisional=True)
    body = client_for(manager).get(statement_url(run)).content.decode()
    assert 'data-testid="provisional"' in body and "30 September 2026" in body
    assert 'data-testid="status">Provisional<' in body


def test_the_csv_has_a_row_a_line_and_the_total(world, manager, client_for):
    run = world["run"]
    response = client_for(manager).get(f"/contracts/statements/{run.pk}/C08.csv")
    assert response["Content-Type"].startswith("text/csv")
    assert "attachment" in response["Content-Disposition"]
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    statement = Statement.objects.get(run=run, contract_area__code="C08")
    assert len(rows) == statement.lines.count() + 1
    assert sum(Decimal(row["amount"]) for row in rows[:-1]) == Decimal(rows[-1]["amount"])
    assert Decimal(rows[-1]["amount"]) == statement.total
    january = next(
        r for r in rows if r["code"] == "orders_managed" and "January" in r["description"]
    )
    assert (january["quantity"], january["unit_price"], january["amount"]) == (
        "2.00",
        "100.00",
        "200.00",
    )
    assert january["rows"].endswith(
        f"/contracts/statements/{run.pk}/C08/rows/orders_managed/?month=2025-01"
    )
    assert {row["provisional"] for row in rows} == {"no"}


def test_the_pdf_is_a_pdf(world, manager, client_for):
    response = client_for(manager).get(f"/contracts/statements/{world['run'].pk}/C08.pdf")
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")


def test_the_rows_behind_a_fee_are_listed_and_their_crns_audited(world, manager, client_for):
    run = world["run"]
    url = f"/contracts/statements/{run.pk}/C08/rows/orders_managed/"
    body = client_for(manager).get(url, {"month": "2025-01"}).content.decode()
    crns = sorted(case.person.crn for case in world["cases"])
    assert body.count('data-testid="row"') == 2
    for crn in crns:
        assert crn in body
    assert "The statement counted 2" in body
    event = AuditEvent.objects.get(action=AuditAction.COHORT_LISTED, actor=manager)
    assert event.details["crns"] == crns
    assert event.details["list"] == "orders_managed" and event.details["month"] == "2025-01"
    assert event.path == url


def test_the_cohort_is_paged_and_each_page_audited(world, manager, client_for):
    run = world["run"]
    for i in range(51):
        CohortMember.objects.create(
            run=run,
            person=PersonFactory(),
            contract_area=area("C08"),
            organisation=organisation("CRC-C08"),
            index_date=dt.date(2025, 1, 1) + dt.timedelta(days=i),
            index_kind=IndexKind.COMMUNITY_ORDER,
            ogrs3_one_year=40 if i else None,
            reoffences=i % 3,
        )
    client = client_for(manager)
    url = f"/contracts/statements/{run.pk}/C08/rows/cohort/"
    first = client.get(url).content.decode()
    assert first.count('data-testid="row"') == 50
    assert "Started a community order" in first
    second = client.get(url, {"page": "2"}).content.decode()
    assert second.count('data-testid="row"') == 1
    pages = AuditEvent.objects.filter(action=AuditAction.COHORT_LISTED).order_by("id")
    assert [len(e.details["crns"]) for e in pages] == [50, 1]
    assert not set(pages[0].details["crns"]) & set(pages[1].details["crns"])


@pytest.mark.parametrize(
    "path",
    [
        "/contracts/statements/{run}/C99/",
        "/contracts/statements/{run}/XYZ/",
        "/contracts/statements/999999999/C08/",
        "/contracts/statements/99999999999999999999999/C08/",
        "/contracts/statements/0/C08/",
        "/contracts/statements/{run}/C03/",  # an area with no statement
        "/contracts/statements/{run}/C08/rows/nonsense/",
        "/contracts/statements/{run}/C08/rows/orders_managed/",  # no month
        "/contracts/statements/{run}/C08/rows/orders_managed/?month=2025-04",  # not the quarter's
        "/contracts/statements/{run}/C08/rows/orders_managed/?month=January",
        "/contracts/statements/{run}/C08/rows/cohort/?month=2025-01",
        "/contracts/statements/{run}/C08/rows/late_allocations/?month=2025-01",
        "/contracts/statements/99999999999999999999999/C08.csv",
        "/contracts/statements/{run}/C99.pdf",
    ],
)
def test_bad_addresses_are_not_found(world, manager, client_for, path):
    response = client_for(manager).get(path.format(run=world["run"].pk))
    assert response.status_code == 404


def test_bad_page_numbers_show_a_page(world, manager, client_for):
    url = f"/contracts/statements/{world['run'].pk}/C08/rows/cohort/"
    for page in ("0", "-1", "abc", "9" * 40, "99"):
        assert client_for(manager).get(url, {"page": page}).status_code == 200


def test_auditors_may_read_statements(world, auditor, client_for):
    client = client_for(auditor)
    assert client.get(LIST).status_code == 200
    assert client.get(statement_url(world["run"])).status_code == 200


def test_a_crc_contract_manager_reads_only_their_own_area(world, client_for):
    user = UserFactory(organisation=organisation("CRC-C08"), roles=["contract_manager"])
    client = client_for(user)
    body = client.get(LIST).content.decode()
    assert 'data-testid="statement-C08"' in body and 'data-testid="statement-C12"' not in body
    assert client.get(statement_url(world["run"])).status_code == 200
    assert client.get(statement_url(world["run"], "C12")).status_code == 404
    cohort = f"/contracts/statements/{world['run'].pk}/C12/rows/cohort/"
    assert client.get(cohort).status_code == 404


@pytest.mark.parametrize(
    "suffix",
    ["", "{run}/C08/", "{run}/C08.csv", "{run}/C08.pdf", "{run}/C08/rows/cohort/"],
)
def test_everyone_else_is_refused_and_the_refusal_audited(
    world, crc_practitioner, client_for, suffix
):
    path = LIST + suffix.format(run=world["run"].pk)
    assert client_for(crc_practitioner).get(path).status_code == 403
    assert AuditEvent.objects.filter(
        action=AuditAction.ROLE_REFUSED, actor=crc_practitioner
    ).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.COHORT_LISTED).exists()


def test_signing_in_is_required(world, client):
    response = client.get(statement_url(world["run"]))
    assert response.status_code == 302 and response["Location"].startswith("/sign-in/")


def test_the_statement_page_reads_in_a_bounded_number_of_queries(
    world, manager, client_for, django_assert_max_num_queries
):
    client = client_for(manager)
    client.get(statement_url(world["run"]))
    with django_assert_max_num_queries(14):
        client.get(statement_url(world["run"]))


def test_a_provider_name_cannot_become_a_spreadsheet_formula(world, manager, client_for):
    statement = Statement.objects.get(run=world["run"], contract_area__code="C08")
    statement.provider.name = "=HYPERLINK(1)"
    statement.provider.save()
    response = client_for(manager).get(f"/contracts/statements/{world['run'].pk}/C08.csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert {row["provider"] for row in rows} == {"'=HYPERLINK(1)"}


def test_the_list_reads_in_a_bounded_number_of_queries(
    world, manager, client_for, django_assert_max_num_queries
):
    for _ in range(3):
        saved_run(quarter=Quarter(2024, 4))
    client = client_for(manager)
    client.get(LIST)
    with django_assert_max_num_queries(10):
        body = client.get(LIST).content.decode()
    assert 'data-testid="quarter-2024Q4"' in body and 'data-testid="quarter-2025Q1"' in body


def test_a_step_never_taken_is_said_in_words(world, manager, client_for):
    from probation.allocation.models import FirstAppointment
    from tests.performance.test_fees import sifted

    case = crc_case()
    sift = sifted(case, "CRC-C08", dt.date(2025, 1, 13), due=dt.date(2025, 1, 16))
    FirstAppointment.objects.create(sift=sift, case=case, due_on=dt.date(2025, 1, 20))
    run = saved_run()
    client = client_for(manager)
    allocations = client.get(f"/contracts/statements/{run.pk}/C08/rows/late_allocations/")
    assert "Not assigned" in allocations.content.decode()
    appointments = client.get(f"/contracts/statements/{run.pk}/C08/rows/missed_first_appointments/")
    body = appointments.content.decode()
    assert case.person.crn in body and "Not held" in body and "20 January 2025" in body
