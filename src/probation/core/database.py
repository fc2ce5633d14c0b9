"""The database roles: the application owns nothing, and may only read and add to the audit.

In production (docs/security.md, docs/how-to/deploy.md) two PostgreSQL roles are used:

- the **owner** (``MIGRATION_DATABASE_URL``) owns the tables and runs the migrations;
- the **application** (``DATABASE_URL``, named in ``DATABASE_APP_ROLE``) owns nothing. After every
  migration it is granted what it needs and no more: read and write on the case tables, and on
  the audit table ``SELECT`` and ``INSERT`` only. Not owning the table, it cannot ``TRUNCATE`` it,
  disable its triggers or drop them; not being a superuser, it cannot set
  ``session_replication_role`` to bypass them.

On SQLite (the embedded quick-start default) there are no roles, and both URLs are one file.
"""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.db import connections
from django.db.backends.base.base import BaseDatabaseWrapper

AUDIT_TABLE = "core_auditevent"
MIGRATIONS_TABLE = "django_migrations"


def application_grants(role: str, quote: Any) -> list[str]:
    """The statements that give ``role`` exactly the application's privileges."""
    name = quote(role)
    return [
        f"GRANT USAGE ON SCHEMA public TO {name}",
        f"GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO {name}",
        f"GRANT USAGE, SELECT ON ALL SEQUENCES IN SCHEMA public TO {name}",
        f"REVOKE UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER ON {AUDIT_TABLE} FROM {name}",
        f"REVOKE INSERT, UPDATE, DELETE, TRUNCATE ON {MIGRATIONS_TABLE} FROM {name}",
    ]


def grant_application_role(connection: BaseDatabaseWrapper, role: str) -> None:
    """Grant ``role`` the application's privileges on ``connection``'s database (as its owner)."""
    if connection.vendor != "postgresql" or not role:
        return
    with connection.cursor() as cursor:
        for statement in application_grants(role, connection.ops.quote_name):
            cursor.execute(statement)


def grant_after_migrate(sender: Any, using: str = "default", **kwargs: Any) -> None:
    """post_migrate: keep the application role's grants in step with the tables."""
    grant_application_role(connections[using], settings.DATABASE_APP_ROLE)


def migrate_schema(*, verbosity: int = 0) -> None:
    """Apply the migrations: as the owner when ``MIGRATION_DATABASE_URL`` is set (the
    application's own role may not create or alter tables), else on the default connection."""
    owner_url = settings.MIGRATION_DATABASE_URL
    if not owner_url:
        call_command("migrate", interactive=False, verbosity=verbosity)
        return
    env = {**os.environ, "DATABASE_URL": owner_url, "MIGRATION_DATABASE_URL": ""}
    subprocess.run(  # noqa: S603 - our own interpreter, running Django's migrate
        [sys.executable, "-m", "django", "migrate", "--no-input", f"--verbosity={verbosity}"],
        env={**env, "DJANGO_SETTINGS_MODULE": "probation.config.settings"},
        check=True,
    )


def role_warnings(connection: BaseDatabaseWrapper) -> list[str]:
    """Why the application's connection has more power over the audit than it should."""
    if connection.vendor != "postgresql":
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT r.rolsuper, pg_get_userbyid(c.relowner) = current_user "
            "FROM pg_roles r, pg_class c WHERE r.rolname = current_user AND c.relname = %s",
            [AUDIT_TABLE],
        )
        row = cursor.fetchone()
    if row is None:
        return []
    superuser, owner = row
    problems = []
    if superuser:
        problems.append("the application connects as a superuser")
    if owner:
        problems.append(f"the application connects as the owner of {AUDIT_TABLE}")
    return problems
