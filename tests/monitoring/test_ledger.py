"""The stored monthly ledger figure (``LedgerMonth``): what ``ledger_month_record`` stores is the
billing ledger's own count (a dead person, a custody spell and a never-fitted tag are not
billable), a recomputation replaces it, a reconciled claim refreshes it, the contract managers'
totals read it (a fixed number of queries, nothing judged) and say when a month has not been
computed, and ``probation em ledger`` stores it for the months asked."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone
from typer.testing import CliRunner

from probation.cli import app
from probation.core.errors import InvalidInput
from probation.monitoring import billing
from probation.monitoring.claim_selectors import monthly_totals, recent_months
from probation.monitoring.claim_services import claim_reconcile
from probation.monitoring.ledger_services import ledger_month_record
from probation.monitoring.models import Device, Fitting, LedgerMonth, PersonStatus
from probation.workforce.models import Organisation
from tests.conftest import signed_in
from tests.factories import UserFactory, organisation
from tests.monitoring.em_setup import curfew_order, device, em_case, operator
from tests.monitoring.test_billing import at, fitted_for

pytestmark = pytest.mark.django_db

MAY = dt.date(2026, 5, 1)


@pytest.fixture
def world(crc_practitioner: Any) -> dict[str, Any]:
    """Three tags fitted through May 2026 (one on a person alive and well, one on a person who
    died on the 10th, one on a person in custody from midday on the 14th to 09:00 on the 16th)
    and a tag never fitted."""
    people = {name: em_case(crc_practitioner, surname=name) for name in ("Well", "Dead", "Custody")}
    fitted_for(people["Well"], "TAG-WELL", fitted_at=at(1, month=4))
    fitted_for(people["Dead"], "TAG-DEAD", fitted_at=at(1, month=4))
    fitted_for(people["Custody"], "TAG-CUST", fitted_at=at(1, month=4))
    device("TAG-NEVER")
    PersonStatus.objects.create(
        person=people["Dead"].person, kind="deceased", starts_at=at(10, 8), source="register"
    )
    PersonStatus.objects.create(
        person=people["Custody"].person,
        kind="in_custody",
        starts_at=at(14, 12),
        ends_at=at(16, 9),
        source="prison system",
    )
    return people


@pytest.fixture
def manager() -> Any:
    return UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])


def ems() -> Organisation:
    return organisation("EMS")


def test_the_stored_figure_is_the_ledgers_own_count(world: Any) -> None:
    ledger = ledger_month_record(provider=ems(), month=dt.date(2026, 5, 17), by_user=None)
    assert ledger.month == MAY  # any day names its month
    assert ledger.billable_days == billing.billable_device_days(month=MAY, provider_id=ems().pk)
    # Well: all 31; Dead: the 1st to the 9th; Custody: all but the 14th, 15th and 16th; the
    # never-fitted tag: none.
    assert ledger.billable_days == 31 + 9 + 28
    # Three tags on someone every day of May, billable or not; the spare tag on nobody.
    assert ledger.device_days == 3 * 31
    assert LedgerMonth.objects.get() == ledger


def test_recomputing_replaces_the_figure(world: Any) -> None:
    first = ledger_month_record(provider=ems(), month=MAY, by_user=None)
    PersonStatus.objects.create(
        person=world["Well"].person, kind="removed", starts_at=at(21, 15), source="Home Office"
    )
    second = ledger_month_record(provider=ems(), month=MAY, by_user=None)
    assert LedgerMonth.objects.count() == 1
    assert second.pk == first.pk
    assert second.billable_days == first.billable_days - 11  # the 21st to the 31st
    assert second.billable_days == billing.billable_device_days(month=MAY)
    assert second.device_days == first.device_days
    assert second.computed_at >= first.computed_at
    stored = LedgerMonth.objects.get()
    assert (stored.billable_days, stored.computed_at) == (second.billable_days, second.computed_at)


def test_a_month_with_no_fitting_is_stored_as_nothing_on_anyone(world: Any) -> None:
    ledger = ledger_month_record(provider=ems(), month=dt.date(2026, 1, 1), by_user=None)
    assert (ledger.billable_days, ledger.device_days) == (0, 0)


def test_only_an_em_provider_has_a_ledger() -> None:
    with pytest.raises(InvalidInput):
        ledger_month_record(provider=organisation("NPS"), month=MAY, by_user=None)
    with pytest.raises(InvalidInput):
        ledger_month_record(provider=ems(), month="2026-05", by_user=None)  # type: ignore[arg-type]
    assert not LedgerMonth.objects.exists()


def test_a_reconciled_claim_refreshes_its_month(world: Any) -> None:
    ledger_month_record(provider=ems(), month=MAY, by_user=None)
    LedgerMonth.objects.update(billable_days=1, device_days=1)  # stale
    claim_reconcile(
        provider=ems(),
        month=MAY,
        csv_bytes=b"device_serial,day\nTAG-WELL,2026-05-01\n",
        file_name="may.csv",
        by_user=operator(),
    )
    stored = LedgerMonth.objects.get(provider=ems(), month=MAY)
    assert (stored.billable_days, stored.device_days) == (68, 93)


def test_totals_read_the_stored_figures_and_the_latest_claim(world: Any, manager: Any) -> None:
    claim = claim_reconcile(
        provider=ems(),
        month=MAY,
        csv_bytes=b"TAG-WELL,2026-05-01\nTAG-DEAD,2026-05-20\n",
        file_name="may.csv",
        by_user=operator(),
    )
    LedgerMonth.objects.update(billable_days=50)  # proves the figure is read, not judged
    (total,) = monthly_totals(for_user=manager, months=[MAY])
    assert (total.billable, total.device_days) == (50, 93)
    assert total.computed_at == LedgerMonth.objects.get().computed_at
    assert total.claim == claim and (total.accepted, total.rejected) == (1, 1)


def test_a_month_without_a_stored_figure_is_listed_as_not_computed(
    world: Any, manager: Any
) -> None:
    (total,) = monthly_totals(for_user=manager, months=[MAY])
    assert total.ledger is None and total.billable is None and total.claim is None
    ledger_month_record(provider=ems(), month=dt.date(2026, 1, 1), by_user=None)
    # January judged and found empty, with no claim: nothing to show.
    assert monthly_totals(for_user=manager, months=[dt.date(2026, 1, 1)]) == []


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


def tags_last_month(crc_practitioner: Any, count: int, *, first_serial: int = 0) -> None:
    """``count`` tags fitted all of last month, each on its own person."""
    first, last = billing.month_days(last_month())
    for n in range(first_serial, first_serial + count):
        order = curfew_order(
            em_case(crc_practitioner, surname=f"Tagged{n}"),
            starts_on=first - dt.timedelta(days=10),
            ends_on=last + dt.timedelta(days=30),
        )
        tag = Device.objects.create(
            serial=f"TAG-{n}", kind="gps", state="fitted", provider=ems(), order=order
        )
        Fitting.objects.create(
            device=tag, order=order, fitted_at=billing.day_start(first) - dt.timedelta(days=2)
        )


def never_judged(*args: Any, **kwargs: Any) -> Any:
    raise AssertionError("the totals page judged the ledger live")


def shown_months() -> list[dt.date]:
    """The three months the claims page totals, latest first."""
    return recent_months(timezone.localdate(), 3)


def total_row(text: str, code: str, month: dt.date) -> str:
    return text.split(f'data-testid="total-{code}-{month:%Y-%m}"')[1].split("</tr>")[0]


#: Session, user and roles, then the claims page's own reads (the claims list and its count,
#: the providers, the claims of the months, the stored figures): the same however many
#: devices, providers and months there are.
PAGE_QUERIES = 10


def test_the_totals_page_reads_stored_figures_in_a_fixed_number_of_queries(
    crc_practitioner: Any,
    manager: Any,
    django_assert_max_num_queries: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    latest, before, oldest = shown_months()
    tags_last_month(crc_practitioner, 1)
    ledger_month_record(provider=ems(), month=latest, by_user=None)
    client = signed_in(manager)
    client.get(reverse("monitoring:claims"))  # the session's first request
    with django_assert_max_num_queries(PAGE_QUERIES):
        client.get(reverse("monitoring:claims"))

    tags_last_month(crc_practitioner, 6, first_serial=1)
    Organisation.objects.create(code="EMS2", name="Second Tagging Ltd", kind="em_provider")
    for provider in Organisation.objects.filter(kind="em_provider"):
        for month in (latest, before):
            ledger_month_record(provider=provider, month=month, by_user=None)
    monkeypatch.setattr(billing, "month_counts", never_judged)
    monkeypatch.setattr(billing, "judge_devices", never_judged)
    with django_assert_max_num_queries(PAGE_QUERIES):
        text = client.get(reverse("monitoring:claims")).content.decode()

    stored = LedgerMonth.objects.get(provider=ems(), month=latest)
    days = billing.month_days(latest)[1].day
    assert stored.billable_days == stored.device_days == 7 * days
    row = total_row(text, "EMS", latest)
    assert f'data-testid="billable">{7 * days}<' in row
    computed = timezone.localtime(stored.computed_at)
    assert f"{computed.day} {computed:%B %Y, %H:%M}" in row
    assert "Not computed" not in row
    # The second provider has no devices: its judged months are empty and not listed.
    assert f'data-testid="total-EMS2-{latest:%Y-%m}"' not in text
    # The oldest month shown was never computed: said so, for each provider.
    for code in ("EMS", "EMS2"):
        missing = total_row(text, code, oldest)
        assert "Not computed yet — run <code>probation em ledger</code>" in missing
        assert 'data-testid="billable"' not in missing


def invoke(*args: str) -> Any:
    return CliRunner().invoke(app, list(args), catch_exceptions=False)


def test_the_command_stores_last_month_and_this_month_by_default(crc_practitioner: Any) -> None:
    tags_last_month(crc_practitioner, 2)
    result = invoke("em", "ledger")
    assert result.exit_code == 0, result.output
    this_month = timezone.localdate().replace(day=1)
    stored = {(row.month, row.billable_days) for row in LedgerMonth.objects.filter(provider=ems())}
    days = billing.month_days(last_month())[1].day
    assert stored == {
        (last_month(), 2 * days),
        (this_month, billing.billable_device_days(month=this_month)),
    }
    assert f"{last_month():%B %Y}" in result.output
    assert "Stored 2 ledger figure(s)" in result.output


def test_the_command_takes_months_and_refuses_a_bad_one(world: Any) -> None:
    result = invoke("em", "ledger", "--month", "2026-05", "--month", "2026-04")
    assert result.exit_code == 0, result.output
    stored = {row.month: row.billable_days for row in LedgerMonth.objects.all()}
    assert stored == {
        MAY: 68,
        dt.date(2026, 4, 1): billing.billable_device_days(month=dt.date(2026, 4, 1)),
    }
    for bad in ("2026-13", "May 2026", "26-05", "2026-5-1", "1999-12"):
        refused = invoke("em", "ledger", "--month", bad)
        assert refused.exit_code == 2, bad
    assert LedgerMonth.objects.count() == 2
