"""The audit trail is a hash chain with the database's time: editing, removing or inserting an
event is found by verify_chain (and ``probation audit verify``), which names the first broken
link."""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import DatabaseError, connection, connections, transaction
from django.utils import timezone

from probation.core.audit import AuditAction, AuditRecord, audit, audit_many
from probation.core.audit_chain import GENESIS, event_digest, verify_chain
from probation.core.models import AuditEvent

postgresql_only = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="triggers and advisory locks are PostgreSQL's"
)


def _write(n: int) -> list[AuditEvent]:
    return [audit(None, AuditAction.CASES_LISTED, details={"n": i}) for i in range(n)]


def _as_owner(sql: str, params: list) -> None:
    """Change the table behind the application's back, as its owner could."""
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent DISABLE TRIGGER USER")
        cursor.execute(sql, params)
        if connection.vendor == "postgresql":
            cursor.execute("ALTER TABLE core_auditevent ENABLE TRIGGER USER")


@pytest.mark.django_db
def test_events_form_a_chain_in_order():
    events = _write(3)
    assert [e.seq for e in events] == [1, 2, 3]
    assert events[0].prev_hash == GENESIS
    assert events[1].prev_hash == events[0].hash
    assert events[2].prev_hash == events[1].hash
    assert len({e.hash for e in events}) == 3
    report = verify_chain()
    assert report.ok and report.events == 3


@pytest.mark.django_db
def test_the_time_is_the_databases_and_recent():
    [event] = _write(1)
    stored = AuditEvent.objects.get(pk=event.pk)
    assert stored.at == event.at
    assert abs(stored.at - timezone.now()) < dt.timedelta(seconds=30)


@pytest.mark.django_db
def test_bulk_writes_continue_the_chain():
    _write(2)
    audit_many(
        [AuditRecord(action=AuditAction.TIER_RECALCULATED, crn=f"X00000{i}") for i in range(4)]
    )
    _write(1)
    assert list(AuditEvent.objects.order_by("seq").values_list("seq", flat=True)) == [
        1,
        2,
        3,
        4,
        5,
        6,
        7,
    ]
    assert verify_chain().ok


@pytest.mark.django_db
def test_an_edited_event_breaks_the_chain_at_that_event():
    events = _write(5)
    _as_owner("UPDATE core_auditevent SET details = %s WHERE id = %s", ['{"n": 99}', events[2].pk])
    report = verify_chain()
    assert not report.ok
    assert report.broken_at == 3
    assert "content" in report.reason


@pytest.mark.django_db
def test_a_removed_event_is_reported_as_missing():
    events = _write(4)
    _as_owner("DELETE FROM core_auditevent WHERE id = %s", [events[1].pk])
    report = verify_chain()
    assert report.broken_at == 2 and "missing" in report.reason


@pytest.mark.django_db
def test_a_rewritten_event_with_a_fresh_hash_breaks_the_next_link():
    events = _write(3)
    forged = {
        name: getattr(events[1], name)
        for name in ("seq", "at", "actor_id", "actor_label", "action", "subject_type")
    }
    forged.update(
        subject_id="",
        crn="",
        before=None,
        after=None,
        details={"n": 42},
        path="",
        prev_hash=events[1].prev_hash,
    )
    _as_owner(
        "UPDATE core_auditevent SET details = %s, hash = %s WHERE id = %s",
        ['{"n": 42}', event_digest(forged), events[1].pk],
    )
    report = verify_chain()
    assert report.broken_at == 3 and "follow" in report.reason


@postgresql_only
@pytest.mark.django_db
def test_a_back_dated_event_is_refused_by_the_database():
    _write(1)
    with (
        pytest.raises(DatabaseError, match="database's time"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute(
            "INSERT INTO core_auditevent (seq, at, actor_label, action, subject_type,"
            " subject_id, crn, path, prev_hash, hash) VALUES (2, %s, 'x', 'user.signed_in',"
            " '', '', '', '', '', '')",
            [timezone.now() - dt.timedelta(days=30)],
        )


@postgresql_only
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_concurrent_writers_keep_one_unbroken_chain():
    def writer() -> None:
        try:
            for _ in range(15):
                audit(None, AuditAction.CASES_LISTED)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=writer) for _ in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    report = verify_chain()
    assert report.ok, report
    assert report.events == 60
