"""Running the web service: gunicorn for real use, Django's autoreloading server for development.

Static files (GOV.UK Frontend and our own) are served by WhiteNoise inside the application, so no
separate web server is needed on one machine.
"""

from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor


def unapplied_migrations() -> int:
    """How many migrations the database still needs (0 when it is up to date)."""
    connection = connections[DEFAULT_DB_ALIAS]
    executor = MigrationExecutor(connection)
    plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
    return len(plan)


def serve_development(*, host: str, port: int) -> None:
    """Django's development server, restarting when code changes."""
    call_command("runserver", f"{host}:{port}", use_reloader=True)


def serve_production(*, host: str, port: int, workers: int) -> None:
    """gunicorn with ``workers`` synchronous worker processes, logging requests to stdout."""
    from gunicorn.app.base import BaseApplication

    class Server(BaseApplication):
        def __init__(self, options: dict[str, Any]) -> None:
            self.options = options
            super().__init__()

        def load_config(self) -> None:
            for key, value in self.options.items():
                self.cfg.set(key, value)

        def load(self) -> Any:
            # Django is set up with the project's settings by the time this runs (the probation
            # command does it), so the application is built here rather than imported from
            # probation.config, which sits above operations in the layers (.importlinter).
            from django.core.wsgi import get_wsgi_application

            return get_wsgi_application()

    connections.close_all()  # never share a database connection with forked workers
    Server(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "accesslog": "-",
            "errorlog": "-",
            "proc_name": "probation",
        }
    ).run()
