"""The audit trail's hash chain: how each event is sealed, and how the chain is verified.

Each event's ``hash`` is SHA-256 over a canonical JSON of its content, its time, its position
(``seq``) and the previous event's hash. Writing takes the chain's head under a lock (a
PostgreSQL advisory lock held to the end of the writing transaction; SQLite serialises writers
itself), so two writers never take the same position. The time is read from the database's
clock in the same step: the event time is the database's, not the client's.

Verifying walks the events in ``seq`` order, recomputing every hash, and reports the first link
that does not hold: a changed row, a removed row (a gap in ``seq``) or an inserted one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import connection

from probation.core.models import AuditEvent

# The content a hash covers, in the order the canonical form lists it (keys are sorted anyway).
SEALED_FIELDS = (
    "seq",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "subject_type",
    "subject_id",
    "crn",
    "before",
    "after",
    "details",
    "path",
    "prev_hash",
)
GENESIS = "0" * 64
# pg_advisory_xact_lock key for the chain's head: any constant unique to this purpose.
CHAIN_LOCK_KEY = 7_202_014_001


def _time(value: dt.datetime) -> str:
    return value.astimezone(dt.UTC).isoformat(timespec="microseconds")


def event_digest(values: Mapping[str, Any]) -> str:
    """The hash of one event from its sealed fields (``at`` as a datetime)."""
    canonical = {name: values[name] for name in SEALED_FIELDS}
    canonical["at"] = _time(canonical["at"])
    text = json.dumps(canonical, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@dataclass(frozen=True)
class ChainHead:
    seq: int
    hash: str
    now: dt.datetime


def chain_head() -> ChainHead:
    """Lock the chain's head for this transaction and read it, with the database's clock.

    Call inside ``transaction.atomic``: the lock is released when the transaction ends.
    """
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [CHAIN_LOCK_KEY])
            cursor.execute("SELECT clock_timestamp()")
            now = cursor.fetchone()[0]
        else:
            cursor.execute("SELECT strftime('%Y-%m-%d %H:%M:%f', 'now')")
            now = dt.datetime.fromisoformat(cursor.fetchone()[0]).replace(tzinfo=dt.UTC)
    last = (
        AuditEvent.objects.filter(seq__isnull=False)
        .order_by("-seq")
        .values_list("seq", "hash")
        .first()
    )
    if last is None:
        return ChainHead(seq=0, hash=GENESIS, now=now)
    return ChainHead(seq=int(last[0] or 0), hash=last[1], now=now)


def seal(events: Iterable[AuditEvent], head: ChainHead) -> None:
    """Give ``events`` (unsaved, in order) their time, positions and hashes after ``head``."""
    seq, previous = head.seq, head.hash
    for event in events:
        seq += 1
        event.seq, event.at, event.prev_hash = seq, head.now, previous
        event.hash = event_digest({name: getattr(event, name) for name in SEALED_FIELDS})
        previous = event.hash


@dataclass(frozen=True)
class ChainReport:
    events: int
    broken_at: int | None = None  # the seq of the first event whose link does not hold
    reason: str = ""
    last_hash: str = ""  # the hash of the last event verified: keep it elsewhere to compare

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def verify_chain(
    *, chunk_size: int = 5000, progress: Callable[[int, int], None] | None = None
) -> ChainReport:
    """Recompute the whole chain in ``seq`` order; report the first broken link."""
    total = AuditEvent.objects.count()
    unsealed = AuditEvent.objects.filter(seq__isnull=True).order_by("id").first()
    if unsealed is not None:
        return ChainReport(
            total, broken_at=0, reason=f"event {unsealed.pk} has no place in the chain"
        )
    previous, expected_seq, checked = GENESIS, 1, 0
    rows = AuditEvent.objects.order_by("seq").values_list(*SEALED_FIELDS, "hash", "id")
    for row in rows.iterator(chunk_size=chunk_size):
        values = dict(zip((*SEALED_FIELDS, "hash", "id"), row, strict=True))
        seq = values["seq"]
        if seq != expected_seq:
            return ChainReport(
                checked, broken_at=expected_seq, reason=f"event {expected_seq} is missing"
            )
        if values["prev_hash"] != previous:
            return ChainReport(
                checked, broken_at=seq, reason="it does not follow the event before it"
            )
        if event_digest(values) != values["hash"]:
            return ChainReport(checked, broken_at=seq, reason="its content does not match its hash")
        previous, expected_seq, checked = values["hash"], seq + 1, checked + 1
        if progress is not None and checked % chunk_size == 0:
            progress(checked, total)
    if progress is not None:
        progress(checked, total)
    return ChainReport(checked, last_hash=previous if checked else "")
