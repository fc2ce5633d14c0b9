"""Production defaults: secure cookies, HSTS, https, no caching of pages, bounded sessions, and
``manage.py check --deploy`` clean."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from probation.core.audit import AuditAction
from probation.core.middleware import LAST_SEEN, SIGNED_IN_AT, session_expiry
from probation.core.models import AuditEvent

ROOT = Path(__file__).resolve().parents[2]
PRODUCTION = {
    "DJANGO_ENV": "production",
    "SECRET_KEY": "q8v!t2r#k9w$e5y^u1i&o7p*a3s(d6f)g0h_j4l+z-x=c~b" * 2,
    "ALLOWED_HOSTS": "probation.example",
}


def run_in_production(*args: str, **extra: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "SECURE_", "TLS_"))}
    env.update(PRODUCTION, **extra)
    return subprocess.run(  # noqa: S603
        [sys.executable, *args],
        capture_output=True,
        text=True,
        env=env,
        cwd=ROOT,
        check=False,
    )


def test_check_deploy_is_clean_in_production_settings(tmp_path):
    # On SQLite: there are no database roles to warn about (tests/core/test_database_roles.py
    # checks the warning for an application connected as the audit table's owner).
    result = run_in_production(
        "manage.py",
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        DATABASE_URL=f"sqlite:///{tmp_path / 'deploy.sqlite3'}",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_production_turns_on_tls_defences():
    code = (
        "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
        "'probation.config.settings');django.setup();from django.conf import settings as s;"
        "print(s.SESSION_COOKIE_SECURE,s.CSRF_COOKIE_SECURE,s.SECURE_SSL_REDIRECT,"
        "s.SECURE_HSTS_SECONDS,s.DEBUG)"
    )
    result = run_in_production("-c", code)
    assert result.stdout.split() == ["True", "True", "True", "31536000", "False"], result.stderr


def test_a_tls_terminating_proxy_can_be_trusted():
    code = (
        "import django,os;os.environ.setdefault('DJANGO_SETTINGS_MODULE',"
        "'probation.config.settings');django.setup();from django.conf import settings as s;"
        "print(s.SECURE_PROXY_SSL_HEADER)"
    )
    result = run_in_production("-c", code, TLS_TERMINATED_BY_PROXY="true")
    assert "HTTP_X_FORWARDED_PROTO" in result.stdout, result.stderr


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/cases/", "/search/?q=Smith", "/api/v1/cases/", "/sign-in/"])
def test_no_response_may_be_cached(path, crc_case, client_for):
    response = client_for(crc_case.responsible_officer).get(path)
    assert "no-store" in response["Cache-Control"]
    assert "private" in response["Cache-Control"]


@pytest.mark.django_db
def test_a_case_page_is_not_cacheable(crc_case, client_for):
    response = client_for(crc_case.responsible_officer).get(f"/cases/{crc_case.person.crn}/")
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("signed_in_ago", "idle_for", "expected"),
    [
        (60, 60, None),
        (29 * 60, 29 * 60, None),
        (31 * 60, 31 * 60, "idle"),
        (9 * 3600, 20 * 60, None),
        (10 * 3600 + 1, 10, "absolute"),
    ],
)
def test_session_limits_default_to_30_idle_minutes_and_10_hours(signed_in_ago, idle_for, expected):
    now = 1_800_000_000
    assert (
        session_expiry(signed_in_at=now - signed_in_ago, last_seen=now - idle_for, now=now)
        == expected
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("key", "ago", "words"),
    [(LAST_SEEN, 31 * 60, "inactive for 30"), (SIGNED_IN_AT, 11 * 3600, "for 10 hours")],
)
def test_an_expired_session_is_signed_out_with_a_message_and_audited(
    key, ago, words, crc_case, client_for
):
    import time

    client = client_for(crc_case.responsible_officer)
    assert client.get("/cases/").status_code == 200
    session = client.session
    session[key] = int(time.time()) - ago
    session.save()
    response = client.get("/cases/", follow=True)
    assert response.redirect_chain[-1][0].startswith("/sign-in/")
    assert words in response.content.decode()
    event = AuditEvent.objects.get(action=AuditAction.SESSION_EXPIRED)
    assert event.actor == crc_case.responsible_officer
    assert client.get("/cases/").status_code == 302
