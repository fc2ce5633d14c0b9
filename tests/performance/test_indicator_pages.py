"""The gaming indicators page (``performance:indicators``): who may read it, which run it shows,
and how a bad quarter is answered."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.urls import reverse
from django.utils import timezone

from probation.core.models import AuditAction, AuditEvent
from probation.performance.models import IndicatorFlag, PbrRun
from tests.conftest import signed_in
from tests.factories import UserFactory, area, organisation

pytestmark = pytest.mark.django_db

URL = "/contracts/indicators/"


def _run(quarter: str, *, finished: bool = True, provisional: bool = False) -> PbrRun:
    return PbrRun.objects.create(
        quarter=quarter,
        measured_on=dt.date(2026, 11, 30),
        provisional=provisional,
        data_fingerprint="0" * 64,
        engine_version="1.0.0",
        finished_at=timezone.now() if finished else None,
    )


def _flag(
    run: PbrRun, code: str, kind: str, *, flagged: bool, explanation: str, **figures: Any
) -> IndicatorFlag:
    return IndicatorFlag.objects.create(
        run=run,
        contract_area=area(code),
        kind=kind,
        flagged=flagged,
        figures=figures,
        explanation=explanation,
    )


def _flags(run: PbrRun, code: str, *, parked: bool = False) -> None:
    _flag(
        run,
        code,
        "parking",
        flagged=parked,
        explanation=(
            "High-likelihood cases had 1.2 contacts a month against 2.0 for low-likelihood "
            "cases (24 and 40 cases)."
            if parked
            else "Not judged: 3 high-likelihood and 40 low-likelihood cases; at least 10 of "
            "each are needed."
        ),
        judged=parked,
        high_rate=1.2 if parked else None,
        low_rate=2.0 if parked else None,
        high_cases=24 if parked else 3,
        low_cases=40,
    )
    for kind in ("breach_rate", "recall_rate", "early_exits"):
        _flag(
            run,
            code,
            kind,
            flagged=False,
            explanation=f"{kind}: 5.0 per 100 cases, within the control limits.",
            judged=True,
            events=5,
            cases=100,
            rate=5.0,
            national_rate=4.5,
            lower_limit=1.0,
            upper_limit=11.0,
            position="within",
        )


def contract_manager(org: str = "MOJ") -> Any:
    return UserFactory(organisation=organisation(org), roles=["contract_manager"])


def test_the_url_is_named() -> None:
    assert reverse("performance:indicators") == URL


def test_a_contract_manager_sees_each_area_with_flags_explanations_and_figures(
    django_assert_max_num_queries: Any,
) -> None:
    run = _run("2025Q1", provisional=True)
    _flags(run, "C08", parked=True)
    _flags(run, "C09")
    client = signed_in(contract_manager())
    with django_assert_max_num_queries(12):
        response = client.get(URL)
    assert response.status_code == 200
    page = response.content.decode()
    assert "Gaming indicators for 2025Q1" in page
    assert "Provisional" in page
    assert 'data-testid="C08-parking"' in page
    parked = page.split('data-testid="C08-parking"')[1].split("</td>")[0]
    assert "Flagged" in parked and "govuk-tag--red" in parked
    not_judged = page.split('data-testid="C09-parking"')[1].split("</td>")[0]
    assert "Not judged" in not_judged
    assert "High-likelihood cases had 1.2 contacts a month against 2.0" in page
    # The figures judged, labelled.
    detail = page.split('data-testid="detail-C08-parking"')[1].split("</div>")[0]
    assert "Contacts a month, high likelihood" in detail and "1.2" in detail
    assert "Cases, low likelihood" in detail and "40" in detail
    assert 'href="#area-C08"' in page and 'id="area-C08"' in page
    assert "30 November 2026" in page


def test_an_auditor_may_read_the_page() -> None:
    _flags(_run("2025Q1"), "C08")
    user = UserFactory(organisation=organisation("MOJ"), roles=["auditor"])
    assert signed_in(user).get(URL).status_code == 200


@pytest.mark.parametrize("role", ["practitioner", "allocating_manager", "enforcement_officer"])
def test_other_roles_are_refused_and_the_refusal_audited(role: str) -> None:
    user = UserFactory(organisation=organisation("NPS"), roles=[role])
    response = signed_in(user).get(URL)
    assert response.status_code == 403
    event = AuditEvent.objects.get(action=AuditAction.ROLE_REFUSED)
    assert event.details == {"page": "gaming indicators"}


def test_signing_in_is_required(client: Any) -> None:
    response = client.get(URL)
    assert response.status_code == 302
    assert "login" in response["Location"] or "sign-in" in response["Location"]


def test_the_newest_quarter_and_its_latest_finished_run_are_shown_by_default() -> None:
    older = _run("2024Q4")
    _flags(older, "C01")
    first = _run("2025Q1")
    _flags(first, "C02")
    latest = _run("2025Q1")
    _flags(latest, "C03")
    _flags(_run("2025Q1", finished=False), "C04")  # still running: not shown
    page = signed_in(contract_manager()).get(URL).content.decode()
    assert f"Run {latest.pk}," in page
    assert 'data-testid="area-C03"' in page
    assert 'data-testid="area-C02"' not in page and 'data-testid="area-C04"' not in page
    # The picker offers the quarters run, newest first.
    picker = page.split('data-testid="quarter-picker"')[1].split("</form>")[0]
    assert picker.index('value="2025Q1"') < picker.index('value="2024Q4"')


def test_a_quarter_is_picked_with_a_get_form() -> None:
    _flags(_run("2024Q4"), "C01")
    _flags(_run("2025Q1"), "C02")
    response = signed_in(contract_manager()).get(URL, {"quarter": "2024Q4"})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Gaming indicators for 2024Q4" in page
    assert 'data-testid="area-C01"' in page and 'data-testid="area-C02"' not in page
    assert 'value="2024Q4" selected' in page


@pytest.mark.parametrize(
    "quarter",
    ["2025Q5", "nonsense", "", "2030Q1", "x" * 5000, "2025Q1\x00", "<script>"],
)
def test_a_bad_quarter_is_a_govuk_error_not_a_server_error(quarter: str) -> None:
    _flags(_run("2025Q1"), "C08")
    response = signed_in(contract_manager()).get(URL, {"quarter": quarter})
    assert response.status_code == 400
    page = response.content.decode()
    assert "There is a problem" in page
    assert "govuk-error-message" in page
    assert 'data-testid="indicators"' not in page
    main = page.split("<main")[1].split("</main>")[0]
    assert "<script" not in main  # nothing the client sent is echoed


def test_a_crc_contract_manager_reads_their_own_area_only() -> None:
    run = _run("2025Q1")
    _flags(run, "C08", parked=True)
    _flags(run, "C09")
    page = signed_in(contract_manager("CRC-C08")).get(URL).content.decode()
    assert 'data-testid="area-C08"' in page
    assert 'data-testid="area-C09"' not in page


def test_no_run_yet() -> None:
    _run("2025Q1", finished=False)
    response = signed_in(contract_manager()).get(URL)
    assert response.status_code == 200
    assert 'data-testid="no-runs"' in response.content.decode()
