"""The claim pages: the provider's operators upload and read their own claims, contract managers
read every claim and the monthly totals, anyone else is refused; the statement lists every
rejected day with its reasons (page and CSV); bad input never causes a 500."""

from __future__ import annotations

import csv
import datetime as dt
import io
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.monitoring import billing
from probation.monitoring.claim_services import claim_reconcile
from probation.monitoring.models import ClaimDay, Device, Fitting, PersonStatus, ProviderClaim
from tests.conftest import signed_in
from tests.factories import UserFactory, organisation
from tests.monitoring.em_setup import curfew_order, device, em_case, operator

pytestmark = pytest.mark.django_db


def last_month() -> dt.date:
    return (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)


@pytest.fixture
def manager() -> Any:
    return UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"])


@pytest.fixture
def ops() -> Any:
    return operator()


@pytest.fixture
def tags(crc_practitioner: Any) -> dict[str, Device]:
    """Last month: a tag fitted all month on a person who died on the 3rd, and one never
    fitted."""
    first, last = billing.month_days(last_month())
    case = em_case(crc_practitioner)
    order = curfew_order(
        case, starts_on=first - dt.timedelta(days=10), ends_on=last + dt.timedelta(days=30)
    )
    on = Device.objects.create(
        serial="TAG-ON", kind="gps", state="fitted", provider=organisation("EMS"), order=order
    )
    Fitting.objects.create(
        device=on, order=order, fitted_at=billing.day_start(first) - dt.timedelta(days=2)
    )
    PersonStatus.objects.create(
        person=case.person,
        kind="deceased",
        starts_at=billing.day_start(first + dt.timedelta(days=2)),
        source="register",
    )
    return {"on": on, "never": device("TAG-OFF")}


def claim_bytes() -> bytes:
    first, last = billing.month_days(last_month())
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    return "".join(f"{s},{d}\n" for s in ("TAG-ON", "TAG-OFF") for d in days).encode()


def upload(client: Any, data: bytes, *, month: dt.date | None = None) -> Any:
    return client.post(
        reverse("monitoring:claim-upload"),
        {
            "month": f"{month or last_month():%Y-%m}",
            "claim_file": SimpleUploadedFile("claim.csv", data, content_type="text/csv"),
        },
    )


def test_an_operator_uploads_a_claim_and_sees_its_statement(ops: Any, tags: Any) -> None:
    client = signed_in(ops)
    assert client.get(reverse("monitoring:claim-upload")).status_code == 200
    response = upload(client, claim_bytes())
    claim = ProviderClaim.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("monitoring:claim", args=[claim.pk])
    page = client.get(response["Location"])
    text = page.content.decode()
    days = (billing.month_days(last_month())[1]).day
    assert claim.days_accepted == 2  # the 1st and 2nd, before the death on the 3rd
    assert f'data-testid="rejected">{2 * days - 2}<' in text
    assert "No device was fitted." in text
    assert "The person died on" in text
    assert AuditEvent.objects.filter(action=AuditAction.EM_CLAIM_RECONCILED).count() == 1


def test_a_bad_file_is_shown_as_an_error_with_its_line(ops: Any, tags: Any) -> None:
    response = upload(signed_in(ops), b"TAG-ON,2026-01-01\nTAG-ON,yesterday\n")
    assert response.status_code == 200
    text = response.content.decode()
    assert "govuk-error-summary" in text
    assert "claim.csv: line 2: &#x27;yesterday&#x27; is not a day" in text
    assert not ProviderClaim.objects.exists()


@pytest.mark.parametrize("month", ["1999-01", "", "2026-13", "x" * 500])
def test_a_bad_month_is_an_error_not_a_500(ops: Any, month: str) -> None:
    response = signed_in(ops).post(
        reverse("monitoring:claim-upload"),
        {"month": month, "claim_file": SimpleUploadedFile("c.csv", b"A,2026-01-01\n")},
    )
    assert response.status_code == 200
    assert "Choose" in response.content.decode()


def test_the_csv_lists_every_rejected_day_with_its_reasons(ops: Any, tags: Any) -> None:
    claim = claim_reconcile(
        provider=organisation("EMS"),
        month=last_month(),
        csv_bytes=claim_bytes(),
        file_name="c.csv",
        by_user=ops,
    )
    response = signed_in(ops).get(reverse("monitoring:claim-csv", args=[claim.pk]))
    rows = list(csv.DictReader(io.StringIO(response.content.decode())))
    assert len(rows) == claim.days_rejected
    assert {r["device_serial"] for r in rows} == {"TAG-ON", "TAG-OFF"}
    never = [r for r in rows if r["device_serial"] == "TAG-OFF"]
    assert {r["reasons"] for r in never} == {"No device was fitted."}
    stored = ClaimDay.objects.filter(claim=claim, accepted=False).count()
    assert stored == len(rows)


def test_contract_managers_see_every_claim_and_the_monthly_totals(
    ops: Any, manager: Any, tags: Any
) -> None:
    claim = claim_reconcile(
        provider=organisation("EMS"),
        month=last_month(),
        csv_bytes=claim_bytes(),
        file_name="c.csv",
        by_user=ops,
    )
    client = signed_in(manager)
    text = client.get(reverse("monitoring:claims")).content.decode()
    assert f'data-testid="total-EMS-{last_month():%Y-%m}"' in text
    assert "Upload a claim" not in text
    assert client.get(reverse("monitoring:claim", args=[claim.pk])).status_code == 200
    assert client.get(reverse("monitoring:claim-upload")).status_code == 403


def test_others_are_refused_and_another_providers_claim_is_not_found(
    ops: Any, crc_practitioner: Any, tags: Any
) -> None:
    claim = claim_reconcile(
        provider=organisation("EMS"),
        month=last_month(),
        csv_bytes=claim_bytes(),
        file_name="c.csv",
        by_user=ops,
    )
    practitioner = signed_in(crc_practitioner)
    for url in (
        reverse("monitoring:claims"),
        reverse("monitoring:claim", args=[claim.pk]),
        reverse("monitoring:claim-csv", args=[claim.pk]),
    ):
        assert practitioner.get(url).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REFUSED).count() == 3
    ProviderClaim.objects.filter(pk=claim.pk).update(provider=organisation("NPS"))
    assert signed_in(ops).get(reverse("monitoring:claim", args=[claim.pk])).status_code == 404


def test_the_statement_page_numbers_are_bounded(ops: Any, tags: Any) -> None:
    claim = claim_reconcile(
        provider=organisation("EMS"),
        month=last_month(),
        csv_bytes=claim_bytes(),
        file_name="c.csv",
        by_user=ops,
    )
    client = signed_in(ops)
    for page in ("0", "-1", "abc", "9" * 30):
        url = reverse("monitoring:claim", args=[claim.pk]) + f"?page={page}"
        assert client.get(url).status_code == 200


def test_a_request_larger_than_the_bound_is_refused_before_it_is_read(ops: Any) -> None:
    from probation.monitoring import claim_views

    response = signed_in(ops).post(
        reverse("monitoring:claim-upload"),
        data=b"x",
        content_type="multipart/form-data; boundary=xyz",
        CONTENT_LENGTH=str(claim_views.MAX_CLAIM_BYTES + claim_views.UPLOAD_SLACK + 1),
    )
    assert response.status_code == 413
    assert "must be smaller than" in response.content.decode()
    assert not ProviderClaim.objects.exists()
