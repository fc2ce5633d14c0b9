"""Daily telemetry partitions and the retention policy (``probation em partitions``).

On PostgreSQL ``monitoring_fix`` and ``monitoring_deviceevent`` are partitioned by UTC day on
``recorded_at`` (migration ``0002_telemetry_partitions``), with a DEFAULT partition that takes any
row no day partition does. Run daily (cron or a systemd timer), this:

- creates the partitions of the next ``ahead`` days (a row that already went to the default
  partition for such a day is moved into it, since PostgreSQL refuses a new partition whose rows
  sit in the default);
- drops whole days older than the retention (``EM_TELEMETRY_RETAIN_DAYS``, default 90): a
  ``DROP TABLE`` of the day, instantaneous and without the bloat of a mass ``DELETE``; rows that
  old in the default partition are deleted;
- grants the application role its privileges on the new tables (the owner runs this, as it runs
  the migrations: the application role may not create or drop tables, ``docs/security.md``);
- audits what it dropped (``TELEMETRY_DROPPED``, with the days).

On SQLite (plain tables) only the retention applies, by ``DELETE``.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import subprocess
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from probation.core.audit import audit
from probation.core.database import grant_application_role
from probation.core.models import AuditAction
from probation.monitoring.models import DeviceEvent, Fix

TABLES = ("monitoring_fix", "monitoring_deviceevent")
MAX_AHEAD_DAYS = 366
_DAY_TABLE = re.compile(r"^(?P<table>monitoring_\w+)_p(?P<day>\d{8})$")


@dataclass
class PartitionReport:
    """What a run did."""

    created: list[str] = field(default_factory=list)
    dropped_days: list[dt.date] = field(default_factory=list)
    dropped_tables: list[str] = field(default_factory=list)
    rows_deleted: int = 0
    partitioned: bool = True


def _bounds(day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    start = dt.datetime.combine(day, dt.time(), tzinfo=dt.UTC)
    return start, start + dt.timedelta(days=1)


def is_partitioned() -> bool:
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [TABLES[0]])
        row = cursor.fetchone()
    return bool(row) and row[0] == "p"


def day_partitions(table: str) -> dict[dt.date, str]:
    """The day partitions of ``table``, by day."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT c.relname FROM pg_inherits i JOIN pg_class c ON c.oid = i.inhrelid "
            "WHERE i.inhparent = %s::regclass",
            [table],
        )
        names = [name for (name,) in cursor.fetchall()]
    days = {}
    for name in names:
        match = _DAY_TABLE.match(name)
        if match and match["table"] == table:
            days[dt.datetime.strptime(match["day"], "%Y%m%d").date()] = name  # noqa: DTZ007
    return days


def _create_day(table: str, day: dt.date) -> str:
    name = f"{table}_p{day:%Y%m%d}"
    start, end = _bounds(day)
    default = f"{table}_default"
    # DDL takes no parameters: the bounds are our own ISO 8601 instants, quoted.
    bounds = f"FOR VALUES FROM ('{start.isoformat()}') TO ('{end.isoformat()}')"
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT EXISTS (SELECT 1 FROM {default} "  # noqa: S608 - fixed names
            "WHERE recorded_at >= %s AND recorded_at < %s)",
            [start, end],
        )
        stranded = cursor.fetchone()[0]
        if not stranded:
            cursor.execute(f"CREATE TABLE {name} PARTITION OF {table} {bounds}")
            return name
        # The default partition holds rows of that day: move them into the new table first.
        cursor.execute(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS)")
        cursor.execute(
            f"WITH moved AS (DELETE FROM {default} "  # noqa: S608 - fixed names
            "WHERE recorded_at >= %s AND recorded_at < %s RETURNING *) "
            f"INSERT INTO {name} SELECT * FROM moved",
            [start, end],
        )
        cursor.execute(f"ALTER TABLE {table} ATTACH PARTITION {name} {bounds}")
    return name


def _maintain_partitioned(
    report: PartitionReport, *, today: dt.date, ahead: int, cutoff: dt.datetime
) -> None:
    dropped: set[dt.date] = set()
    for table in TABLES:
        days = day_partitions(table)
        for n in range(ahead + 1):
            day = today + dt.timedelta(days=n)
            if day not in days:
                report.created.append(_create_day(table, day))
        for day, name in sorted(days.items()):
            if _bounds(day)[1] <= cutoff:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP TABLE {name}")
                report.dropped_tables.append(name)
                dropped.add(day)
        with connection.cursor() as cursor:
            cursor.execute(
                f"DELETE FROM {table}_default WHERE recorded_at < %s",  # noqa: S608
                [cutoff],
            )
            report.rows_deleted += cursor.rowcount
    report.dropped_days = sorted(dropped)
    if report.created:
        grant_application_role(connection, settings.DATABASE_APP_ROLE)


@transaction.atomic
def maintain_partitions(
    *,
    by_user: Any = None,
    ahead: int = 7,
    retain_days: int | None = None,
    today: dt.date | None = None,
) -> PartitionReport:
    """Create the next ``ahead`` days' partitions and drop the days older than ``retain_days``
    (default ``EM_TELEMETRY_RETAIN_DAYS``); audited when anything is dropped."""
    if not 0 <= ahead <= MAX_AHEAD_DAYS:
        raise ValueError(f"ahead: must be between 0 and {MAX_AHEAD_DAYS} days")
    retain = settings.EM_TELEMETRY_RETAIN_DAYS if retain_days is None else retain_days
    if retain < 1:
        raise ValueError("retain_days: must be at least 1")
    today = today or timezone.now().astimezone(dt.UTC).date()
    cutoff, _ = _bounds(today - dt.timedelta(days=retain))
    report = PartitionReport(partitioned=is_partitioned())
    if report.partitioned:
        _maintain_partitioned(report, today=today, ahead=ahead, cutoff=cutoff)
    else:
        for model in (Fix, DeviceEvent):
            deleted, _ = model.objects.filter(recorded_at__lt=cutoff).delete()
            report.rows_deleted += deleted
    if report.dropped_days or report.rows_deleted:
        audit(
            by_user,
            AuditAction.TELEMETRY_DROPPED,
            details={
                "retain_days": retain,
                "before": cutoff.isoformat(),
                "days": [d.isoformat() for d in report.dropped_days],
                "tables": report.dropped_tables,
                "rows_deleted": report.rows_deleted,
            },
        )
    return report


def run_as_owner(arguments: Sequence[str]) -> bool:
    """Run ``probation <arguments>`` again as the tables' owner when ``MIGRATION_DATABASE_URL``
    is set (the application's role may not create or drop tables); False if it is not set and
    the caller should go ahead itself."""
    owner_url = settings.MIGRATION_DATABASE_URL
    if not owner_url:
        return False
    env = {**os.environ, "DATABASE_URL": owner_url, "MIGRATION_DATABASE_URL": ""}
    subprocess.run(  # noqa: S603 - our own interpreter and command
        [sys.executable, "-m", "probation.cli", *arguments], env=env, check=True
    )
    return True
