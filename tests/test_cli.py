"""The ``probation`` command: demo, stats and serve, run through Typer's test runner."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
from django.db.models import Count, F
from typer.testing import CliRunner

from probation.cli import app, setup_django
from probation.core.models import AuditEvent
from probation.courts.models import Requirement, Sentence
from probation.demo.world import DEMO_USERNAMES
from probation.enforcement.models import (
    BreachReferral,
    Recall,
    SeriousFurtherOffence,
    WarningLetter,
)
from probation.ops import stats as ops_stats
from probation.people.models import Case, Person
from probation.risk.models import Assessment, Registration, TierCalculation
from probation.supervision.models import Contact
from probation.workforce.models import User

runner = CliRunner()


def invoke(*args: str) -> Any:
    result = runner.invoke(app, list(args), catch_exceptions=False)
    return result


@pytest.mark.django_db
def test_demo_builds_a_world_then_says_it_exists_and_prints_the_signins() -> None:
    first = invoke("demo", "--people", "120", "--seed", "5")
    assert first.exit_code == 0, first.output
    assert "Built a demo world of 120 people" in first.output
    for username in DEMO_USERNAMES:
        assert username in first.output
    assert "demo-password-2014" in first.output
    people = Person.objects.count()

    second = invoke("demo", "--people", "120", "--seed", "5")
    assert second.exit_code == 0, second.output
    assert "already exists" in second.output
    assert all(username in second.output for username in DEMO_USERNAMES)
    assert Person.objects.count() == people == 120


@pytest.mark.django_db
def test_demo_as_of_fixes_the_worlds_today() -> None:
    result = invoke("demo", "--people", "100", "--as-of", "2019-03-31")
    assert result.exit_code == 0, result.output
    assert "as of 31 March 2019" in result.output
    assert not Case.objects.filter(opened_on__gt="2019-03-31").exists()


@pytest.mark.django_db
def test_demo_reset_rebuilds_the_world() -> None:
    assert invoke("demo", "--people", "120").exit_code == 0
    rebuilt = invoke("demo", "--people", "100", "--reset")
    assert rebuilt.exit_code == 0, rebuilt.output
    assert "Reset: removed 120 people" in rebuilt.output
    assert Person.objects.count() == 100


@pytest.mark.django_db
def test_demo_explains_a_world_it_cannot_build() -> None:
    result = invoke("demo", "--people", "5")
    assert result.exit_code == 1
    assert "at least" in result.output
    assert not Person.objects.exists()


@pytest.mark.django_db
def test_stats_json_is_one_object_whose_counts_match_the_database() -> None:
    assert invoke("demo", "--people", "120").exit_code == 0
    result = invoke("stats", "--format", "json")
    assert result.exit_code == 0, result.output
    counts = json.loads(result.output)

    def grouped(queryset: Any, field: str) -> dict[str, int]:
        return {
            str(k or "none"): n
            for k, n in queryset.values_list(field).annotate(n=Count("pk")).order_by()
        }

    assert counts["people"] == Person.objects.count() == 120
    assert counts["cases"] == {
        "total": Case.objects.count(),
        "active": Case.objects.filter(status="active").count(),
        "closed": Case.objects.filter(status="closed").count(),
    }
    assert counts["cases_by_responsible_organisation"] == grouped(
        Case.objects.all(), "responsible_organisation__code"
    )
    assert counts["cases_by_contract_area"] == grouped(Case.objects.all(), "contract_area__code")
    assert counts["cases_not_yet_allocated"] == (
        Case.objects.filter(status="active", responsible_officer__isnull=True).count()
    )
    staff = User.objects.filter(is_active=True, organisation__isnull=False)
    assert counts["staff_by_organisation_kind"] == grouped(staff, "organisation__kind")
    assert counts["staff_by_grade"] == grouped(staff, "grade")
    assert sum(counts["staff_by_grade"].values()) == staff.count()
    for role, n in counts["users_by_role"].items():
        assert n == User.objects.filter(is_active=True, roles__code=role).count(), role
    assert counts["sentences_by_disposal"] == grouped(Sentence.objects.all(), "disposal")
    assert counts["requirements_by_kind"] == grouped(Requirement.objects.all(), "kind")
    assert counts["audit_events"] == AuditEvent.objects.count()


@pytest.mark.django_db
def test_stats_count_tiers_assessments_and_registrations() -> None:
    assert invoke("demo", "--people", "120").exit_code == 0
    counts = json.loads(invoke("stats", "--format", "json").output)
    tiers = dict(Case.objects.values_list("tier").annotate(n=Count("pk")).order_by())
    assert counts["cases_by_tier"] == tiers and "" not in tiers
    assert list(counts["cases_by_tier"])[-1].endswith("S")  # A3 … D0 first, then S tiers
    assert counts["assessments"] == {
        "total": Assessment.objects.count(),
        "cases_assessed": Case.objects.filter(assessments__isnull=False).distinct().count(),
        "active_cases_not_assessed": Case.objects.filter(
            status="active", assessments__isnull=True
        ).count(),
        "with_mappa": Assessment.objects.exclude(mappa_category=None).count(),
    }
    active = Registration.objects.filter(ended_on=None)
    assert counts["registrations_by_kind"] == dict(
        active.values_list("kind").annotate(n=Count("pk")).order_by()
    )


@pytest.mark.django_db
def test_recompute_tiers_json_matches_the_database_and_changes_nothing_twice() -> None:
    assert invoke("demo", "--people", "120").exit_code == 0
    history = TierCalculation.objects.count()
    result = invoke("recompute", "tiers", "--format", "json", "--chunk-size", "50")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["cases"] == Case.objects.count() == 120
    assert report["changed"] == 0  # the build computed them
    assert report["by_tier"] == dict(
        Case.objects.values_list("tier").annotate(n=Count("pk")).order_by()
    )
    assert TierCalculation.objects.count() == history


@pytest.mark.django_db
def test_recompute_tiers_records_the_user_given_or_the_system() -> None:
    assert invoke("demo", "--people", "120").exit_code == 0
    case = Case.objects.filter(status="active").exclude(registrations__kind="terrorism").first()
    assert case is not None
    Registration.objects.create(case=case, kind="terrorism", registered_on=case.opened_on)
    result = invoke("recompute", "tiers", "--as-user", "manager")
    assert result.exit_code == 0, result.output
    assert "120 cases" in result.output and "1 changed" in result.output
    assert "Cases by tier" in result.output
    event = AuditEvent.objects.filter(action="tier.recalculated").latest("id")
    assert event.actor is not None and event.actor.username == "manager"
    assert event.crn == case.person.crn
    assert TierCalculation.objects.filter(case=case).latest("id").calculated_by == event.actor

    Registration.objects.filter(case=case, kind="terrorism").delete()
    assert "(recorded as system)" in invoke("recompute", "tiers").output
    event = AuditEvent.objects.filter(action="tier.recalculated").latest("id")
    assert event.actor is None and event.actor_label == "system"


@pytest.mark.django_db
def test_recompute_tiers_refuses_an_unknown_user() -> None:
    result = invoke("recompute", "tiers", "--as-user", "nobody")
    assert result.exit_code == 1
    assert "nobody" in result.output
    assert not TierCalculation.objects.exists()


@pytest.mark.django_db
def test_recompute_tiers_refuses_a_deactivated_user() -> None:
    User.objects.create_user(username="left", is_active=False)
    result = invoke("recompute", "tiers", "--as-user", "left")
    assert result.exit_code == 1
    assert "No active user is called 'left'" in result.output


@pytest.mark.django_db
def test_stats_table_shows_each_count() -> None:
    result = invoke("stats")
    assert result.exit_code == 0, result.output
    assert "People" in result.output and "Audit events" in result.output


@pytest.mark.django_db
def test_a_capability_can_register_its_own_count() -> None:
    ops_stats.register_stat("demo_test_count", lambda: 42)
    try:
        result = invoke("stats", "--format", "json")
        counts = json.loads(result.output)
        assert counts["demo_test_count"] == 42
        assert next(iter(counts)) == "people"  # built-in counts first
    finally:
        ops_stats._REGISTRY.pop("demo_test_count")


@pytest.mark.django_db
def test_stats_report_allocation_by_organisation_backlog_escalations_and_transfers() -> None:
    assert invoke("demo", "--people", "120", "--seed", "5").exit_code == 0
    counts = json.loads(invoke("stats", "--format", "json").output)
    active = counts["cases"]["active"]
    assert sum(counts["active_cases_by_organisation_kind"].values()) == active
    assert set(counts["active_cases_by_organisation_kind"]) == {"nps", "crc"}
    assert sum(counts["active_cases_top_organisations"].values()) == active
    top = counts["active_cases_top_organisations"]
    assert len(top) == ops_stats.TOP_ORGANISATIONS + 1 and "others" in top
    unallocated = counts["unallocated_cases"]
    assert unallocated["total"] == counts["cases_not_yet_allocated"] > 0
    assert 0 < unallocated["overdue"] < unallocated["total"]
    for state in ("referred", "under_review", "confirmed", "transferred", "declined"):
        assert counts["escalations_by_state"][state] > 0, state
    assert counts["escalations_by_state"]["review_overdue"] > 0
    for state in ("requested", "accepted", "rejected", "withdrawn"):
        assert counts["transfers_by_state"][state] > 0, state
    assert counts["transfers_by_state"]["decision_overdue"] > 0
    assert set(counts["sifts_by_trigger"]) == {"sentence", "release", "transfer"}
    first = counts["first_appointments"]
    assert first["held"] > first["held_late"] > 0
    assert first["waiting"] + first["overdue"] > 0


@pytest.mark.django_db
def test_stats_on_an_empty_database_count_nothing_waiting() -> None:
    counts = json.loads(invoke("stats", "--format", "json").output)
    assert counts["unallocated_cases"] == {"total": 0, "overdue": 0, "not_sifted": 0}
    assert set(counts["escalations_by_state"].values()) == {0}
    assert set(counts["transfers_by_state"].values()) == {0}
    assert counts["first_appointments"] == {"held": 0, "held_late": 0, "waiting": 0, "overdue": 0}


@pytest.mark.django_db
def test_serve_runs_gunicorn_with_the_options_given(monkeypatch: pytest.MonkeyPatch) -> None:
    from probation.ops import serve

    calls: list[tuple[str, dict[str, Any]]] = []
    monkeypatch.setattr(serve, "serve_production", lambda **kw: calls.append(("gunicorn", kw)))
    monkeypatch.setattr(serve, "serve_development", lambda **kw: calls.append(("dev", kw)))
    assert invoke("serve", "--port", "8123", "--workers", "3").exit_code == 0
    assert invoke("serve", "--dev", "--host", "0.0.0.0").exit_code == 0  # noqa: S104
    assert calls == [
        ("gunicorn", {"host": "127.0.0.1", "port": 8123, "workers": 3}),
        ("dev", {"host": "0.0.0.0", "port": 8000}),  # noqa: S104
    ]


def test_gunicorn_server_loads_the_wsgi_application(monkeypatch: pytest.MonkeyPatch) -> None:
    from gunicorn.app.base import BaseApplication

    from probation.ops import serve

    seen: dict[str, Any] = {}

    def fake_run(self: Any) -> None:
        seen["bind"] = self.cfg.bind
        seen["workers"] = self.cfg.workers
        seen["app"] = self.load()

    monkeypatch.setattr(BaseApplication, "run", fake_run)
    serve.serve_production(host="127.0.0.1", port=8124, workers=2)
    assert seen["bind"] == ["127.0.0.1:8124"]
    assert seen["workers"] == 2
    assert callable(seen["app"])


def test_main_sets_up_django_with_the_project_settings() -> None:
    setup_django()
    assert os.environ["DJANGO_SETTINGS_MODULE"]
    from django.apps import apps

    assert apps.ready


def test_help_lists_the_commands() -> None:
    result = invoke("--help")
    assert result.exit_code == 0
    for command in ("demo", "serve", "stats", "recompute"):
        assert command in result.output
    assert "tiers" in invoke("recompute", "--help").output


def test_demo_refuses_in_production_with_a_message_not_a_traceback(tmp_path: Path) -> None:
    """In production the demo app is not installed, and ``probation demo`` says so."""
    env = {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": "x",
        "DATABASE_URL": f"sqlite:///{tmp_path / 'production.sqlite3'}",
        "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src"),
    }
    env.pop("DJANGO_SETTINGS_MODULE", None)
    result = subprocess.run(  # noqa: S603
        [sys.executable, "-m", "probation.cli", "demo", "--people", "100"],
        capture_output=True,
        text=True,
        env=env,
        check=False,
        timeout=120,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    assert "The demo is not installed in production" in result.stdout
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "production.sqlite3").exists()  # nothing was migrated or built


def test_the_demo_app_is_installed_outside_production() -> None:
    from django.apps import apps

    assert apps.is_installed("probation.demo")


@pytest.mark.django_db
def test_audit_verify_passes_on_a_fresh_demo_world_and_fails_after_a_tampered_row() -> None:
    from django.db import connection

    invoke("demo", "--people", "60", "--seed", "9")
    good = invoke("audit", "verify", "--format", "json")
    report = json.loads(good.stdout)
    assert good.exit_code == 0 and report["ok"] is True
    assert report["events"] == AuditEvent.objects.count() > 0
    victim = AuditEvent.objects.order_by("seq")[report["events"] // 2]
    with connection.cursor() as cursor:  # as the table's owner could, behind the app's back
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        cursor.execute("UPDATE core_auditevent SET crn = 'X999999' WHERE id = %s", [victim.pk])
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")
    bad = runner.invoke(app, ["audit", "verify"])
    assert bad.exit_code == 1
    assert f"broken at event {victim.seq}" in bad.stdout


@pytest.mark.django_db
def test_demo_accounts_that_need_a_code_get_the_demo_authenticator_and_demo_code_prints_it() -> (
    None
):
    from django_otp.plugins.otp_totp.models import TOTPDevice

    result = invoke("demo", "--people", "60", "--seed", "9")
    assert "auditor *" in result.stdout and "probation demo-code" in result.stdout
    code = invoke("demo-code", "auditor").stdout.strip()
    assert len(code) == 6 and code.isdigit()
    device = TOTPDevice.objects.get(user__username="auditor")
    assert device.verify_token(code)
    refused = runner.invoke(app, ["demo-code", "practitioner"])
    assert refused.exit_code == 1  # no authenticator: practitioners are not asked for a code
    assert runner.invoke(app, ["demo-code", "someone-real"]).exit_code == 1


@pytest.mark.django_db
def test_stats_count_contacts_warnings_breaches_recalls_and_sfos() -> None:
    assert invoke("demo", "--people", "150").exit_code == 0
    counts = json.loads(invoke("stats", "--format", "json").output)
    outcomes = dict(Contact.objects.values_list("outcome").annotate(n=Count("pk")).order_by())
    assert counts["contacts_by_outcome"]["total"] == Contact.objects.count() > 0
    assert counts["contacts_by_outcome"]["booked"] == outcomes.get("", 0) > 0
    assert counts["contacts_by_outcome"]["attended_complied"] == outcomes["attended_complied"]
    assert counts["warnings"] == WarningLetter.objects.count() > 0
    states = dict(BreachReferral.objects.values_list("state").annotate(n=Count("pk")).order_by())
    assert counts["breach_referrals_by_state"] == {
        "total": BreachReferral.objects.count(),
        **states,
        "referred_late": BreachReferral.objects.filter(referred_at__date__gt=F("due_on")).count(),
    }
    recall_states = dict(Recall.objects.values_list("state").annotate(n=Count("pk")).order_by())
    assert {k: v for k, v in counts["recalls"].items() if not k.startswith("decided_")} == (
        recall_states
    )
    assert counts["serious_further_offences"]["total"] == SeriousFurtherOffence.objects.count()
    assert sum(counts["serious_further_offences_by_organisation"].values()) == (
        SeriousFurtherOffence.objects.count()
    )
