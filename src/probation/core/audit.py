"""The audit trail's one vocabulary and its one writer.

Every event is written here: :func:`audit` for one event (services call it inside their own
``@transaction.atomic`` block, so the change and its record commit or roll back together) and
:func:`audit_many` for bulk work (the national tier recompute, the demo build). Nothing else in
the project creates :class:`~probation.core.models.AuditEvent` rows; ``tests/core/test_audit_writer.py``
fails if anything does.

The actions are :class:`AuditAction` members, never free strings: an auditor filters by them and
reads their labels, and a new capability adds its members here.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.db import models, transaction

from probation.core.audit_chain import chain_head, seal
from probation.core.bulk import bulk_insert
from probation.core.models import AuditAction, AuditEvent

__all__ = [
    "AuditAction",
    "AuditRecord",
    "audit",
    "audit_many",
    "bulk_insert",
    "clean_text",
    "snapshot",
    "to_jsonable",
]

SYSTEM_LABEL = "system"
ANONYMOUS_LABEL = "anonymous"


def clean_text(value: str) -> str:
    """Text safe to store: PostgreSQL refuses NUL characters, and a hostile request may send them."""
    return value.replace("\x00", "\ufffd")


def _collection(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        # Sorted: a set's iteration order changes between Python processes, and stored facts
        # are compared with freshly computed ones.
        return sorted((to_jsonable(v) for v in value), key=lambda v: (str(type(v)), str(v)))
    return [to_jsonable(v) for v in value]


def to_jsonable(value: Any) -> Any:
    """Turn dates, decimals, dataclasses and model instances into JSON-friendly values."""
    if isinstance(value, str):
        return clean_text(value)
    if value is None or isinstance(value, int | float | bool):
        return value
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, enum.Enum):
        return to_jsonable(value.value)
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: to_jsonable(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, Mapping | set | frozenset | list | tuple):
        return _collection(value)
    if isinstance(value, models.Model):
        return {"type": value._meta.label, "id": value.pk, "label": str(value)}
    return str(value)


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a model instance, for ``before`` and ``after``."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: to_jsonable(getattr(instance, name)) for name in names}


def _actor(actor: Any, *, label: str = "") -> tuple[Any, str]:
    """The user to link and the label to keep: a signed-in user, else anonymous or system."""
    if actor is not None and getattr(actor, "is_authenticated", False):
        return actor, actor.get_username()
    return None, label or ANONYMOUS_LABEL


def _checked(action: Any) -> AuditAction:
    if not isinstance(action, AuditAction):
        raise TypeError(f"Audit actions are AuditAction members, not {action!r}")
    return action


@dataclass(frozen=True)
class AuditRecord:
    """One event for :func:`audit_many`: the same fields :func:`audit` takes, as data."""

    action: AuditAction
    actor: Any = None
    actor_label: str = ""
    subject_type: str = ""
    subject_id: str = ""
    crn: str = ""
    before: Any = None
    after: Any = None
    details: Any = None
    path: str = ""

    def as_event(self) -> AuditEvent:
        actor, label = _actor(self.actor, label=self.actor_label or SYSTEM_LABEL)
        return AuditEvent(
            actor=actor,
            actor_label=label[:200],
            action=_checked(self.action).value,
            subject_type=self.subject_type[:80],
            subject_id=self.subject_id[:64],
            crn=clean_text(self.crn[:16]),
            before=to_jsonable(self.before),
            after=to_jsonable(self.after),
            details=to_jsonable(self.details),
            path=clean_text(self.path[:500]),
        )


def audit(
    actor: Any,
    action: AuditAction,
    subject: models.Model | None = None,
    *,
    crn: str = "",
    before: Any = None,
    after: Any = None,
    details: Any = None,
    path: str = "",
) -> AuditEvent:
    """Record one event. ``actor`` may be anonymous (``None`` or an AnonymousUser).

    The event takes the next place in the hash chain, under the chain's lock, with the
    database's time (:mod:`probation.core.audit_chain`).
    """
    user, label = _actor(actor)
    event = AuditEvent(
        actor=user,
        actor_label=label,
        action=_checked(action).value,
        subject_type=subject._meta.label if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        crn=clean_text(crn[:16]),
        before=to_jsonable(before),
        after=to_jsonable(after),
        details=to_jsonable(details),
        path=clean_text(path[:500]),
    )
    with transaction.atomic():
        seal([event], chain_head())
        event.save(force_insert=True)
    return event


def audit_many(records: Iterable[AuditRecord]) -> int:
    """Record many events at once (bulk work); returns how many were written.

    Call it inside the transaction of the change the events record, as :func:`audit` is.
    """
    events = [record.as_event() for record in records]
    if not events:
        return 0
    with transaction.atomic():
        seal(events, chain_head())
        bulk_insert(AuditEvent, events)
    return len(events)


def audited_update(
    record: models.Model,
    *,
    by_user: Any,
    action: AuditAction,
    crn: str,
    snapshot: Callable[[Any], Any],
    details: Any = None,
    **changes: Any,
) -> Any:
    """One step of a record's history (a state machine's transition, say): set ``changes`` on
    the (locked) ``record``, save just those fields, and audit the step with ``snapshot`` of the
    record before and after. Call inside the service's transaction, after its checks."""
    before = snapshot(record)
    for field, value in changes.items():
        setattr(record, field, value)
    record.save(update_fields=list(changes))
    audit(by_user, action, record, crn=crn, before=before, after=snapshot(record), details=details)
    return record
