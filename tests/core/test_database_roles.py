"""The application's database role owns nothing: it reads and adds to the audit trail, and can
neither erase it, edit it, nor switch off its defences. Migrations run as the owner."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from probation.core.audit import AuditAction, audit
from probation.core.database import application_grants, grant_application_role, role_warnings

pytestmark = [
    # the role and its grants must be committed; restore the reference data afterwards
    pytest.mark.django_db(transaction=True, serialized_rollback=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="roles are PostgreSQL's"),
]

APP_ROLE = "probation_app_test"


@pytest.fixture
def app_connection():
    """A connection to the test database as a fresh role with the application's grants."""
    with connection.cursor() as cursor:
        cursor.execute(
            "DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) "
            f"THEN CREATE ROLE {APP_ROLE} LOGIN; END IF; END $$",
            [APP_ROLE],
        )
    grant_application_role(connection, APP_ROLE)
    audit(None, AuditAction.CASES_LISTED)  # one event to try to erase
    params = connection.get_connection_params()
    params.update(user=APP_ROLE, password="", autocommit=True)
    params.pop("cursor_factory", None)
    params.pop("context", None)
    with psycopg.connect(**params) as app:
        yield app


ATTEMPTS = [
    ("truncate", "TRUNCATE core_auditevent"),
    ("update", "UPDATE core_auditevent SET action = 'forged'"),
    ("delete", "DELETE FROM core_auditevent"),
    ("disable its trigger", "ALTER TABLE core_auditevent DISABLE TRIGGER ALL"),
    ("drop its trigger", "DROP TRIGGER core_auditevent_append_only ON core_auditevent"),
    ("bypass triggers", "SET session_replication_role = replica"),
    ("drop the table", "DROP TABLE core_auditevent"),
    ("create a table", "CREATE TABLE sneaky (id int)"),
    (
        "record a migration",
        "INSERT INTO django_migrations (app, name, applied) VALUES ('x','y',now())",
    ),
]


@pytest.mark.parametrize(("what", "sql"), ATTEMPTS, ids=[a[0] for a in ATTEMPTS])
def test_the_application_role_cannot(what, sql, app_connection):
    with pytest.raises(psycopg.errors.InsufficientPrivilege):
        app_connection.execute(sql)


def test_the_application_role_reads_and_adds_to_the_audit(app_connection):
    row = app_connection.execute(
        "SELECT has_table_privilege(current_user, 'core_auditevent', 'SELECT'),"
        " has_table_privilege(current_user, 'core_auditevent', 'INSERT'),"
        " has_table_privilege(current_user, 'people_case', 'UPDATE'),"
        " (SELECT count(*) FROM core_auditevent) > 0"
    ).fetchone()
    assert row == (True, True, True, True)


def test_the_grants_name_the_audit_table_select_and_insert_only():
    statements = application_grants("app", lambda name: f'"{name}"')
    revoke = next(s for s in statements if "core_auditevent" in s)
    assert revoke.startswith("REVOKE UPDATE, DELETE, TRUNCATE")


def test_check_deploy_warns_when_the_application_owns_the_audit():
    # The test suite connects as the superuser that owns the tables: exactly what to warn about.
    problems = role_warnings(connection)
    assert any("owner of core_auditevent" in p for p in problems)
