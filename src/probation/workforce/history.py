"""Every change to a staff account is audited, whatever the path: a service, the admin, a bulk
command.

What a user may see follows from their organisation, roles and flags: moving a practitioner from
a CRC to the NPS widens her view from one area's cases to every case. So these changes are
recorded in the same transaction as they are made:

- ``save()`` and ``delete()`` (the admin, forms, scripts): model signals, with before and after;
- role changes through the many-to-many (``user.roles.add/remove/set/clear``): m2m signals;
- ``User.objects.filter(...).update(...)`` and ``bulk_create``: the manager's queryset audits
  each row it changes (a queryset's ``delete()`` sends the delete signal for each row).

The actor is the signed-in user of the request (probation/core/actor.py), or "system".
``last_login`` is not a change of privilege and is not recorded here (signing in is audited).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib.auth.models import UserManager
from django.db import models, transaction

from probation.core.actor import current_actor, current_path
from probation.core.audit import AuditAction, AuditRecord, audit, audit_many

AUDITED_FIELDS = (
    "username",
    "first_name",
    "last_name",
    "email",
    "is_active",
    "is_staff",
    "is_superuser",
    "organisation_id",
    "team_id",
    "office_id",
    "grade",
    "contracted_hours",
    "reduction_hours",
)


def account_state(user: Any) -> dict[str, Any]:
    """What is recorded of an account: its privileges and staff record (never the password)."""
    state = {name: getattr(user, name) for name in AUDITED_FIELDS}
    state["password_set"] = bool(user.password) and user.has_usable_password()
    return state


def changes(before: dict[str, Any], after: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The fields that differ, as (before, after)."""
    changed = [k for k in after if before.get(k) != after[k]]
    return {k: before.get(k) for k in changed}, {k: after[k] for k in changed}


def _password_changed(user: Any, old_hash: str) -> bool:
    return bool(old_hash) and user.password != old_hash


def before_save(sender: Any, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or instance.pk is None:
        instance._audit_before = None
        return
    old = sender._base_manager.filter(pk=instance.pk).first()
    instance._audit_before = (account_state(old), old.password) if old is not None else None


def after_save(sender: Any, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw:
        return
    known = getattr(instance, "_audit_before", None)
    after = account_state(instance)
    if created or known is None:
        audit(current_actor(), AuditAction.USER_CREATED, instance, after=after, path=current_path())
        return
    before_state, old_hash = known
    before, changed = changes(before_state, after)
    if _password_changed(instance, old_hash):
        changed["password"] = "changed"  # noqa: S105 - a fact, never the password
    if changed:
        audit(
            current_actor(),
            AuditAction.USER_CHANGED,
            instance,
            before=before,
            after=changed,
            path=current_path(),
        )


def after_delete(sender: Any, instance: Any, **kwargs: Any) -> None:
    audit(
        current_actor(),
        AuditAction.USER_DELETED,
        instance,
        before=account_state(instance),
        path=current_path(),
    )


def roles_changed(
    sender: Any,
    instance: Any,
    action: str,
    reverse: bool,
    pk_set: set[Any] | None,
    **kwargs: Any,
) -> None:
    """m2m_changed on User.roles: record the roles added or removed (either side of the
    relation: a user's roles, or a role's users)."""
    if action == "pre_clear":
        instance._audit_roles_cleared = (
            set(instance.roles.values_list("code", flat=True))
            if not reverse
            else set(instance.users.values_list("pk", flat=True))
        )
        return
    if action not in ("post_add", "post_remove", "post_clear"):
        return
    keys = set(pk_set or ()) if action != "post_clear" else instance._audit_roles_cleared
    if not keys:
        return
    verb = "added" if action == "post_add" else "removed"
    pairs = [(instance, code) for code in keys] if not reverse else []
    if reverse:  # a role's users changed: one record per user
        from probation.workforce.models import User

        pairs = [(user, instance.pk) for user in User.objects.filter(pk__in=keys)]
    for user, code in pairs:
        audit(
            current_actor(),
            AuditAction.USER_ROLES_CHANGED,
            user,
            after={verb: [str(code)]},
            path=current_path(),
        )
    if action in ("post_add", "post_remove", "post_clear") and not reverse:
        instance.__dict__.pop("role_codes", None)  # the cached roles are stale


class AuditedUserQuerySet(models.QuerySet[Any]):
    """Bulk changes to staff accounts are audited row by row, in the same transaction."""

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic():
            rows = list(self.select_for_update())
            befores = {row.pk: account_state(row) for row in rows}
            count = super().update(**kwargs)
            after_rows = self.model._base_manager.filter(pk__in=befores)
            records = []
            for row in after_rows:
                before, after = changes(befores[row.pk], account_state(row))
                if after:
                    records.append(_record(AuditAction.USER_CHANGED, row, before, after))
            audit_many(records)
            return count

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        with transaction.atomic():
            created = super().bulk_create(objs, *args, **kwargs)
            audit_many(
                _record(AuditAction.USER_CREATED, user, None, account_state(user))
                for user in created
            )
            return created


def _record(action: AuditAction, user: Any, before: Any, after: Any) -> AuditRecord:
    return AuditRecord(
        action=action,
        actor=current_actor(),
        subject_type=user._meta.label,
        subject_id=str(user.pk),
        before=before,
        after=after,
        path=current_path(),
    )


class StaffManager(UserManager.from_queryset(AuditedUserQuerySet)):  # type: ignore[misc]
    """Django's user manager (create_user, …) over the audited queryset."""
