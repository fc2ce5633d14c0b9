"""``manage.py check --deploy``: warn when the application could erase its own audit trail."""

from __future__ import annotations

from typing import Any

from django.core.checks import CheckMessage, Warning
from django.db import DatabaseError, connection

from probation.core.database import role_warnings


def application_role_check(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    try:
        problems = role_warnings(connection)
    except DatabaseError:
        return []  # no database to ask (e.g. building an image): nothing to say
    return [
        Warning(
            f"Audit trail not protected: {problem}.",
            hint=(
                "Run the service as a role that owns nothing, with MIGRATION_DATABASE_URL "
                "for the owner and DATABASE_APP_ROLE naming the application role "
                "(docs/how-to/deploy.md)."
            ),
            id="probation.W001",
        )
        for problem in problems
    ]
