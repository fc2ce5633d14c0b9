"""Every change to a contract's terms is audited, whatever the path (the admin, a script):
``CONTRACT_TERMS_CHANGED`` with the terms before and after, in the same transaction as the
change.

The terms are the prices a CRC is paid by (``docs/domain/reoffending-and-payment.md``: prices
are parameters of a contract); a changed price changes every statement made after it, so who
changed it, when and from what must be on the record. Model signals catch ``save()`` and
``delete()`` (also a queryset's ``delete()``, which sends the signal for each row), as the staff
accounts' history does (``workforce/history.py``); the actor is the signed-in user of the request,
or "system" (``core/actor.py``).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.db.models import DecimalField

from probation.core.actor import current_actor, current_path
from probation.core.audit import AuditAction, AuditRecord, audit_many, snapshot


def terms_state(terms: Any) -> dict[str, Any]:
    """The terms as recorded: every field, prices as decimal strings to the field's places (a
    form's ``0.5`` and the stored ``0.500`` are the same rate, not a change)."""
    state = snapshot(terms)
    for field in terms._meta.concrete_fields:
        value = getattr(terms, field.attname)
        if isinstance(field, DecimalField) and value is not None:
            state[field.attname] = str(
                Decimal(value).quantize(Decimal(1).scaleb(-field.decimal_places))
            )
    return state


def _record(terms: Any, before: Any, after: Any, change: str) -> None:
    # audit_many: with no signed-in user (a script, a migration) the actor is "system".
    audit_many(
        [
            AuditRecord(
                action=AuditAction.CONTRACT_TERMS_CHANGED,
                actor=current_actor(),
                subject_type=terms._meta.label,
                subject_id=str(terms.pk),
                before=before,
                after=after,
                details={"change": change, "contract_area": terms.contract_area.code},
                path=current_path(),
            )
        ]
    )


def before_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    old = (
        None if raw or instance.pk is None else sender._base_manager.filter(pk=instance.pk).first()
    )
    instance._audit_before = terms_state(old) if old is not None else None


def after_save(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    before = getattr(instance, "_audit_before", None)
    after = terms_state(instance)
    if created or before is None:
        _record(instance, None, after, "created")
        return
    changed = [name for name in after if before.get(name) != after[name]]
    if changed:
        _record(
            instance,
            {name: before.get(name) for name in changed},
            {name: after[name] for name in changed},
            "changed",
        )


def after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    _record(instance, terms_state(instance), None, "deleted")
