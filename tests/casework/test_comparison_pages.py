"""The contract manager's pages: their home (contract areas' caseloads) and the comparison of a
proposed sift policy (docs/adr/0015-policy-comparison.md): who may use them, errors naming the
field, the result, one audit event a run, nothing changed."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from probation.allocation.models import SiftDecision
from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.people.models import Case
from tests.allocation.helpers import assess, manager_of, practitioner_of
from tests.factories import AddressFactory, CaseFactory, UserFactory, area, organisation

pytestmark = pytest.mark.django_db

URL = "/allocation/compare/"
HOME = "/contracts/"
NO_RSR = json.dumps(
    {
        "id": "tr-2014-no-rsr",
        "version": 3,
        "rules": ["rosh-high", "mappa", "public-interest", "deportation", "rosh-missing"],
    }
)


@pytest.fixture
def contract_manager(db: Any) -> Any:
    return UserFactory(organisation=organisation("MOJ"), roles=["contract_manager"], grade="")


@pytest.fixture
def world(db: Any) -> dict[str, Any]:
    """Merseyside: an NPS case kept only by its RSR (to move), a high-RoSH NPS case, and a CRC
    case waiting for a practitioner past its due day. London: one CRC case."""
    officer = practitioner_of("NPS", "PO")
    made = {}
    for name, org, home, rsr, rosh, held in (
        ("rsr_only", "NPS", "C08", "8.00", "medium", True),
        ("rosh_high", "NPS", "C08", "1.00", "high", True),
        ("waiting", "CRC-C08", "C08", "1.00", "low", False),
        ("london", "CRC-C12", "C12", "1.00", "low", False),
    ):
        case = CaseFactory(
            responsible_organisation=organisation(org),
            contract_area=area(home),
            responsible_officer=officer if held else None,
        )
        AddressFactory(person=case.person, contract_area=area(home))
        assess(case, rosh=rosh, rsr=rsr)
        made[name] = case
    SiftDecision.objects.create(
        case=made["waiting"],
        organisation=organisation("CRC-C08"),
        contract_area=area("C08"),
        reasons=[["crc-default", "No NPS rule applies"]],
        facts={},
        policy_id="tr-2014",
        policy_version=1,
        trigger="sentence",
        assignment_due_on=dt.date(2025, 1, 9),
    )
    return made


def _state() -> tuple[Any, ...]:
    return (
        list(Case.objects.order_by("pk").values_list("pk", "version", "responsible_organisation")),
        SiftDecision.objects.count(),
    )


def _compared() -> Any:
    return AuditEvent.objects.filter(action=AuditAction.POLICY_COMPARED)


# The comparison page -------------------------------------------------------------------------


def test_the_page_offers_the_current_policy_to_change(contract_manager, client_for):
    body = client_for(contract_manager).get(URL).content.decode()
    assert "Compare a sift policy" in body
    assert "<textarea" in body and "&quot;tr-2014&quot;" in body
    assert not _compared().exists()  # showing the form compares nothing


def test_a_comparison_shows_the_moves_by_area_why_and_the_staff_split(
    world, contract_manager, client_for
):
    before = _state()
    response = client_for(contract_manager).post(URL, {"policy": NO_RSR})
    assert response.status_code == 200
    body = response.content.decode()
    totals = body.split('data-testid="totals"', 1)[1].split("</div>", 1)[0]
    assert 'data-testid="cases">4<' in totals
    assert 'data-testid="nps-to-crc">1<' in totals and 'data-testid="crc-to-nps">0<' in totals
    merseyside = body.split('data-testid="area-C08"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="nps-to-crc">1<' in merseyside
    assert "To CRC: RSR at or above the threshold (1)" in merseyside
    assert "RSR at or above the threshold" in body.split('data-testid="why"', 1)[1]
    grades = body.split('data-testid="staff-by-grade"', 1)[1].split("</table>", 1)[0]
    assert ">PO<" in grades
    assert "1 to the NPS and 0 to a CRC" in body  # the PO keeps 1 of 2 cases: a tie, the NPS
    assert _state() == before


def test_each_run_is_audited_once_with_the_policy_and_totals(world, contract_manager, client_for):
    client = client_for(contract_manager)
    client.post(URL, {"policy": NO_RSR})
    event = _compared().get()
    assert event.actor_id == contract_manager.pk
    assert event.details["policy"] == {"id": "tr-2014-no-rsr", "version": 3}
    assert event.details["cases"] == 4
    assert event.details["would_move"] == {"nps_to_crc": 1, "crc_to_nps": 0}
    assert event.details["source"] == "page"
    assert event.path == URL
    client.post(URL, {"policy": NO_RSR})
    assert _compared().count() == 2


@pytest.mark.parametrize(
    ("policy", "message"),
    [
        ("", "Enter the proposed policy as JSON"),
        ('{"id": "p", "version": 1, "rules": [}', "policy: not valid JSON"),
        ('{"id": "p", "version": 1, "rules": ["mappa", "rsr-low"]}', "rules[1]: must be one of"),
        (
            '{"id": "p", "version": 1, "rules": ["rsr-high"], "parameters": {"rsr_threshold": 200}}',
            "parameters.rsr_threshold: must be at most 100",
        ),
        ('{"id": "p", "rules": []}', "version: missing from the policy"),
        ("[" * 6000, "policy: the JSON is nested too deeply"),
        (" " * 10_001, "10,000 characters or fewer"),
        ('{"id": "p\x07", "version": 1, "rules": []}', "must not contain control characters"),
    ],
)
def test_a_bad_policy_is_shown_in_the_error_summary_and_nothing_runs(
    world, contract_manager, client_for, policy, message
):
    before = _state()
    response = client_for(contract_manager).post(URL, {"policy": policy})
    assert response.status_code == 200
    body = response.content.decode()
    summary = body.split("govuk-error-summary__list", 1)[1].split("</ul>", 1)[0]
    assert message in summary
    assert 'href="#id_policy"' in summary
    assert "govuk-textarea--error" in body
    assert 'data-testid="totals"' not in body
    assert not _compared().exists()
    assert _state() == before


def test_a_json_error_names_its_line_and_column(contract_manager, client_for):
    body = client_for(contract_manager).post(URL, {"policy": '{\n"id": }'}).content.decode()
    assert "at line 2 column 7" in body


@pytest.mark.parametrize(
    ("role", "org", "allowed"),
    [
        ("contract_manager", "MOJ", True),
        ("contract_manager", "NPS", True),
        ("allocating_manager", "NPS", True),
        ("contract_manager", "CRC-C08", False),
        ("allocating_manager", "CRC-C08", False),
        ("practitioner", "NPS", False),
        ("auditor", "MOJ", False),
        ("monitoring_operator", "EMS", False),
    ],
)
def test_only_contract_managers_and_nps_allocating_managers_may_compare(
    world, client_for, role, org, allowed
):
    user = UserFactory(organisation=organisation(org), roles=[role])
    client = client_for(user)
    assert client.get(URL).status_code == (200 if allowed else 403)
    response = client.post(URL, {"policy": NO_RSR})
    assert response.status_code == (200 if allowed else 403)
    assert _compared().count() == (1 if allowed else 0)
    refused = AuditEvent.objects.filter(action=AuditAction.ROLE_REFUSED, actor=user)
    assert refused.count() == (0 if allowed else 2)
    menu = client.get("/search/" if role == "practitioner" else HOME).content.decode()
    if role != "contract_manager" and not allowed:
        return
    assert ('href="/allocation/compare/"' in menu) is allowed


def test_signing_in_is_required(client):
    assert client.get(URL)["Location"].startswith("/sign-in/")
    assert client.post(URL, {"policy": NO_RSR})["Location"].startswith("/sign-in/")
    assert client.get(HOME)["Location"].startswith("/sign-in/")
    assert not _compared().exists()


# The contract manager's home -------------------------------------------------------------------


def test_the_contract_manager_lands_on_the_contracts_home(world, contract_manager, client_for):
    client = client_for(contract_manager)
    assert client.get("/")["Location"] == HOME
    body = client.get(HOME).content.decode()
    table = body.split('data-testid="contract-areas"', 1)[1].split("</table>", 1)[0]
    assert table.count('data-testid="area-C') == 21
    assert "Seetec" in table
    merseyside = table.split('data-testid="area-C08"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="cases">3<' in merseyside
    assert 'data-testid="nps">2<' in merseyside and 'data-testid="crc">1<' in merseyside
    assert 'data-testid="unallocated">1<' in merseyside
    assert "govuk-tag--red" in merseyside  # the waiting case is overdue
    london = table.split('data-testid="area-C12"', 1)[1].split("</tr>", 1)[0]
    assert 'data-testid="unallocated">1<' in london and 'data-testid="overdue">0<' in london
    assert 'data-testid="compare-link"' in body
    nav = body.split("govuk-service-navigation", 1)[1]
    assert f'href="{HOME}"' in nav and f'href="{URL}"' in nav


def test_a_crc_contract_manager_sees_their_own_area_and_no_comparison(world, client_for):
    user = UserFactory(organisation=organisation("CRC-C08"), roles=["contract_manager"])
    body = client_for(user).get(HOME).content.decode()
    assert body.count('data-testid="area-C') == 1
    assert 'data-testid="area-C08"' in body
    assert 'data-testid="compare-link"' not in body


def test_the_contracts_home_is_for_contract_managers_only(world, client_for):
    manager = manager_of("NPS")
    assert client_for(manager).get(HOME).status_code == 403
    assert AuditEvent.objects.filter(action=AuditAction.ROLE_REFUSED, actor=manager).exists()


# The contract manager's home: payment by results ------------------------------------------------


def _pbr_run(quarter: str, *, provisional: bool) -> Any:
    """A run saved by hand with a result for Merseyside (C08), its statement and one flag."""
    from decimal import Decimal

    from probation.performance.models import (
        AreaResult,
        Direction,
        IndicatorFlag,
        IndicatorKind,
        PbrRun,
    )
    from probation.performance.statements import statements_for
    from probation.rules.reoffending import Quarter

    run = PbrRun.objects.create(
        quarter=quarter,
        measured_on=dt.date(2026, 11, 1),
        provisional=provisional,
        data_fingerprint="c" * 64,
        engine_version="1.0.0",
    )
    result = AreaResult.objects.create(
        run=run,
        contract_area=area("C08"),
        cohort_size=200,
        reoffenders=50,
        reoffences=160,
        binary_rate=0.25,
        expected_reoffenders=64.0,
        binary_direction=Direction.IMPROVED,
        frequency_direction=Direction.NO_CHANGE,
        outcome_payment=Decimal("0") if provisional else Decimal("28000.00"),
    )
    for statement, lines in statements_for(
        run=run, quarter=Quarter.parse(quarter), results=[result]
    ):
        statement.save()
        for line in lines:
            line.statement = statement
            line.save()
    IndicatorFlag.objects.create(
        run=run,
        contract_area=area("C08"),
        kind=IndicatorKind.PARKING,
        flagged=True,
        figures={},
        explanation="High-risk cases had less contact than low-risk ones.",
    )
    return run


@pytest.fixture
def pbr_runs(db: Any) -> dict[str, Any]:
    from tests.performance.test_statements import terms

    terms("C08")
    old = _pbr_run("2024Q4", provisional=False)
    final = _pbr_run("2024Q4", provisional=False)  # re-run: the latest run of the quarter shows
    provisional = _pbr_run("2025Q2", provisional=True)
    return {"old": old, "final": final, "provisional": provisional}


def test_the_home_shows_the_areas_at_a_glance_for_the_latest_final_quarter(
    pbr_runs, contract_manager, client_for
):
    body = client_for(contract_manager).get(HOME).content.decode()
    final = body.split('data-testid="pbr-final"', 1)[1].split("</table>", 1)[0]
    assert "2024Q4" in final and f"Run {pbr_runs['final'].pk}," in final
    assert final.count('data-testid="pbr-area-C') == 21
    merseyside = final.split('data-testid="pbr-area-C08"', 1)[1].split("</tr>", 1)[0]
    assert ">200<" in merseyside  # the cohort, linked to its rows
    assert f"/contracts/statements/{pbr_runs['final'].pk}/C08/rows/cohort/" in merseyside
    assert 'data-testid="rate">25.0%<' in merseyside
    assert 'data-testid="expected">32.0%<' in merseyside
    assert "Significantly better than baseline; reoffences:" in merseyside
    assert "£28,000.00" in merseyside
    assert f"/contracts/statements/{pbr_runs['final'].pk}/C08/" in merseyside
    assert "/contracts/indicators/?quarter=2024Q4" in merseyside and ">1<" in merseyside
    assert f"/contracts/statements/{pbr_runs['old'].pk}/" not in body
    london = final.split('data-testid="pbr-area-C12"', 1)[1].split("</tr>", 1)[0]
    assert "No result" in london and "No statement" in london


def test_the_home_shows_the_latest_provisional_quarter_labelled_so(
    pbr_runs, contract_manager, client_for
):
    body = client_for(contract_manager).get(HOME).content.decode()
    provisional = body.split('data-testid="pbr-provisional"', 1)[1].split("</table>", 1)[0]
    assert "2025Q2" in provisional and "Provisional" in provisional
    assert "30 December 2026" in provisional  # 2025Q2's final day: 30 June 2025 + 18 months
    merseyside = provisional.split('data-testid="pbr-area-C08"', 1)[1].split("</tr>", 1)[0]
    assert "£0.00" in merseyside


def test_the_home_links_statements_indicators_public_pages_and_the_comparison(
    contract_manager, client_for
):
    body = client_for(contract_manager).get(HOME).content.decode()
    links = body.split('data-testid="pbr-links"', 1)[1].split("</ul>", 1)[0]
    for href in ("/contracts/statements/", "/contracts/indicators/", "/performance/", URL):
        assert f'href="{href}"' in links


def test_the_home_says_how_to_make_a_run_when_there_is_none(contract_manager, client_for):
    body = client_for(contract_manager).get(HOME).content.decode()
    assert 'data-testid="no-pbr-run"' in body
    assert "probation pbr run --quarter 2025Q1" in body


def test_a_crc_contract_manager_sees_only_their_area_at_a_glance(pbr_runs, client_for):
    user = UserFactory(organisation=organisation("CRC-C08"), roles=["contract_manager"])
    body = client_for(user).get(HOME).content.decode()
    final = body.split('data-testid="pbr-final"', 1)[1].split("</table>", 1)[0]
    assert final.count('data-testid="pbr-area-C') == 1 and 'data-testid="pbr-area-C08"' in final


def test_the_home_reads_its_results_in_a_bounded_number_of_queries(
    pbr_runs, contract_manager, client_for, django_assert_max_num_queries
):
    client = client_for(contract_manager)
    client.get(HOME)
    with django_assert_max_num_queries(30):
        client.get(HOME)
