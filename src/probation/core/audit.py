"""Writing the audit trail.

Every service calls :func:`audit` inside its own ``@transaction.atomic`` block, so the change and
its record commit or roll back together.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import decimal
import enum
from collections.abc import Mapping
from typing import Any

from django.db import models

from probation.core.models import AuditEvent


def clean_text(value: str) -> str:
    """Text safe to store: PostgreSQL refuses NUL characters, and a hostile request may send them."""
    return value.replace("\x00", "\ufffd")


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
    if isinstance(value, Mapping):
        return {str(k): to_jsonable(v) for k, v in value.items()}
    if isinstance(value, set | frozenset):
        # Sorted: a set's iteration order changes between Python processes, and stored facts
        # are compared with freshly computed ones.
        return sorted((to_jsonable(v) for v in value), key=lambda v: (str(type(v)), str(v)))
    if isinstance(value, list | tuple):
        return [to_jsonable(v) for v in value]
    if isinstance(value, models.Model):
        return {"type": value._meta.label, "id": value.pk, "label": str(value)}
    return str(value)


def snapshot(instance: models.Model, fields: list[str] | None = None) -> dict[str, Any]:
    """The concrete field values of a model instance, for ``before`` and ``after``."""
    names = fields or [f.attname for f in instance._meta.concrete_fields]
    return {name: to_jsonable(getattr(instance, name)) for name in names}


def audit(
    actor: Any,
    action: str,
    subject: models.Model | None = None,
    *,
    crn: str = "",
    before: Any = None,
    after: Any = None,
    details: Any = None,
    path: str = "",
) -> AuditEvent:
    """Record one event. ``actor`` may be anonymous (``None`` or an AnonymousUser)."""
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=actor.get_username() if is_user else "anonymous",
        action=clean_text(action),
        subject_type=subject._meta.label if subject is not None else "",
        subject_id=str(subject.pk) if subject is not None else "",
        crn=clean_text(crn[:16]),
        before=to_jsonable(before),
        after=to_jsonable(after),
        details=to_jsonable(details),
        path=clean_text(path[:500]),
    )
