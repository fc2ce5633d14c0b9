"""Contract terms in the admin (performance/admin.py, performance/terms_history.py): made,
changed and deleted there, each audited as CONTRACT_TERMS_CHANGED with before and after and the
signed-in actor; baselines, runs and what runs made are read-only and never deleted."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.performance.models import Baseline, ContractTerms, PbrRun
from tests.factories import UserFactory, area, organisation
from tests.performance.test_statement_pages import saved_run
from tests.performance.test_statements import terms

pytestmark = pytest.mark.django_db

ADMIN = "/admin/performance/contractterms/"


@pytest.fixture
def superuser(db: Any) -> Any:
    return UserFactory(
        organisation=organisation("MOJ"), roles=["administrator"], is_staff=True, is_superuser=True
    )


def form(**changes: Any) -> dict[str, Any]:
    values: dict[str, Any] = {
        "contract_area": area("C08").pk,
        "starts_on": "2025-01-01",
        "ends_on": "",
        "price_per_reoffender_avoided": "2000.00",
        "price_per_reoffence_avoided": "500.00",
        "deduction_rate": "0.5",
        "order_month_price": "100.00",
        "licence_month_price": "120.00",
        "unpaid_work_hour_price": "12.00",
        "programme_completion_price": "900.00",
        "resettlement_plan_price": "250.00",
        "late_allocation_deduction": "40.00",
        "overdue_breach_referral_deduction": "75.00",
        "missed_first_appointment_deduction": "30.00",
    }
    values.update(changes)
    return values


def events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(action=AuditAction.CONTRACT_TERMS_CHANGED).order_by("id"))


def test_terms_added_in_the_admin_are_audited_with_their_prices(superuser, client_for):
    response = client_for(superuser).post(f"{ADMIN}add/", form())
    assert response.status_code == 302, response.content.decode()[:2000]
    made = ContractTerms.objects.get()
    (event,) = events()
    assert event.actor == superuser
    assert event.subject_id == str(made.pk)
    assert event.before is None
    assert event.after["order_month_price"] == "100.00"
    assert event.details == {"change": "created", "contract_area": "C08"}
    assert event.path == f"{ADMIN}add/"


def test_a_price_changed_in_the_admin_is_audited_before_and_after(superuser, client_for):
    made = terms("C08", starts_on=dt.date(2025, 1, 1))
    client = client_for(superuser)
    response = client.post(
        f"{ADMIN}{made.pk}/change/",
        form(order_month_price="110.50", unpaid_work_hour_price="12.35"),
    )
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.order_month_price == Decimal("110.50")
    event = events()[-1]
    assert event.actor == superuser
    # Only what changed: the rate "0.5" in the form is the stored 0.500.
    assert event.before == {"order_month_price": "100.00"}
    assert event.after == {"order_month_price": "110.50"}


def test_saving_without_a_change_records_nothing(superuser, client_for):
    made = terms("C08", starts_on=dt.date(2025, 1, 1), unpaid_work_hour_price=Decimal("12.00"))
    before = len(events())
    client_for(superuser).post(f"{ADMIN}{made.pk}/change/", form())
    assert len(events()) == before


def test_deleting_terms_is_audited_with_what_they_were(superuser, client_for):
    made = terms("C08")
    pk = made.pk
    response = client_for(superuser).post(f"{ADMIN}{pk}/delete/", {"post": "yes"})
    assert response.status_code == 302
    assert not ContractTerms.objects.exists()
    event = events()[-1]
    assert event.details["change"] == "deleted"
    assert event.before["id"] == pk and event.after is None


def test_a_change_made_outside_the_admin_is_audited_as_the_system(db):
    made = terms("C12")
    made.deduction_rate = Decimal("0.250")
    made.save()
    event = events()[-1]
    assert event.actor is None and event.actor_label == "system"
    assert event.before == {"deduction_rate": "0.500"} and event.after == {
        "deduction_rate": "0.250"
    }


def test_a_bad_deduction_rate_is_refused_in_the_form(superuser, client_for):
    made = terms("C08")
    response = client_for(superuser).post(f"{ADMIN}{made.pk}/change/", form(deduction_rate="1.5"))
    assert response.status_code == 200  # the form again, with its error
    made.refresh_from_db()
    assert made.deduction_rate == Decimal("0.500")


@pytest.mark.parametrize(
    "model", ["baseline", "pbrrun", "arearesult", "statement", "indicatorflag"]
)
def test_runs_and_baselines_cannot_be_added_in_the_admin(superuser, client_for, model):
    assert client_for(superuser).get(f"/admin/performance/{model}/add/").status_code == 403


def test_a_run_is_shown_but_neither_changed_nor_deleted(superuser, client_for):
    terms("C08")
    run = saved_run()
    client = client_for(superuser)
    page = client.get(f"/admin/performance/pbrrun/{run.pk}/change/")
    assert page.status_code == 200
    assert 'name="_save"' not in page.content.decode()
    assert (
        client.post(
            f"/admin/performance/pbrrun/{run.pk}/change/", {"quarter": "2030Q1"}
        ).status_code
        == 403
    )
    assert (
        client.post(f"/admin/performance/pbrrun/{run.pk}/delete/", {"post": "yes"}).status_code
        == 403
    )
    statement = run.statements.get()
    assert client.get(f"/admin/performance/statement/{statement.pk}/change/").status_code == 200
    assert (
        client.post(
            f"/admin/performance/statement/{statement.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
    assert PbrRun.objects.filter(pk=run.pk, quarter="2025Q1").exists()


def test_a_baseline_is_read_only(superuser, client_for):
    baseline = Baseline.objects.create(
        contract_area=area("C08"),
        period="2011",
        cohort_size=1000,
        reoffenders=350,
        reoffences=1200,
        sum_probability=330.0,
        frequency=3.43,
        fingerprint="0" * 64,
        engine_version="1.0.0",
    )
    client = client_for(superuser)
    assert client.get(f"/admin/performance/baseline/{baseline.pk}/change/").status_code == 200
    assert (
        client.post(
            f"/admin/performance/baseline/{baseline.pk}/delete/", {"post": "yes"}
        ).status_code
        == 403
    )
