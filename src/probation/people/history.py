"""Changes to case access lists are audited whatever the path.

The services (``people.services.case_access_set`` / ``case_access_remove``) write their own
audit events. Anything else that changes a list — a script, a bulk load, a future admin page —
is caught here, in the same transaction: model signals for ``save()`` and ``delete()`` (a
queryset's ``delete()`` sends them for each row), and the manager's queryset for
``bulk_create`` and ``update``. Inside a service (``core.actor.audited_by_service``) this stays
quiet, so each change is recorded once.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import models, transaction

from probation.core.actor import current_actor, current_path, in_audited_service
from probation.core.audit import AuditAction, AuditRecord, audit_many

ADDED = {
    "exclusion": AuditAction.CASE_EXCLUSION_ADDED,
    "restriction": AuditAction.CASE_RESTRICTION_ADDED,
}
REMOVED = {
    "exclusion": AuditAction.CASE_EXCLUSION_REMOVED,
    "restriction": AuditAction.CASE_RESTRICTION_REMOVED,
}


def _record(
    action: AuditAction, entry: Any, *, before: Any = None, after: Any = None
) -> AuditRecord:
    return AuditRecord(
        action=action,
        actor=current_actor(),
        subject_type="people.Case",
        subject_id=str(entry.case_id),
        crn=entry.case.person.crn,
        before=before,
        after=after,
        details={"path": "outside the access services"},
        path=current_path(),
    )


def _state(entry: Any) -> dict[str, Any]:
    return {"user": entry.user.get_username(), "reason": entry.reason}


def after_save(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or in_audited_service():
        return
    audit_many([_record(ADDED[instance.kind], instance, after=_state(instance))])


def after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    if in_audited_service():
        return
    audit_many([_record(REMOVED[instance.kind], instance, before=_state(instance))])


class AuditedCaseAccessQuerySet(models.QuerySet[Any]):
    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        with transaction.atomic():
            created = super().bulk_create(objs, *args, **kwargs)
            if not in_audited_service():
                audit_many(_record(ADDED[e.kind], e, after=_state(e)) for e in created)
            return created

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic():
            rows = list(self.select_for_update().select_related("case__person", "user"))
            count = super().update(**kwargs)
            if not in_audited_service():
                audit_many(
                    _record(
                        ADDED[kwargs.get("kind", row.kind)],
                        row,
                        before=_state(row),
                        after={k: str(v) for k, v in kwargs.items()},
                    )
                    for row in rows
                )
            return count


CaseAccessManager = models.Manager.from_queryset(AuditedCaseAccessQuerySet)
