"""Working an alert: acknowledge it, resolve it with an outcome, and tell the responsible officer
(``docs/domain/electronic-monitoring.md``, "Alerts"). Alerts are raised only by detection
(``monitoring/detection.py``) and are never deleted: there is no service that deletes one, and
the admin shows them read-only.

Decided here (for ``docs/adr/0020-electronic-monitoring.md``):

* The monitoring centre's operators acknowledge and resolve; the responsible officer sees the
  alert (on the case and the to-do list) and acts on it through enforcement, not here.
* A new alert may be resolved at once (a false alarm seen at a glance): it is then recorded as
  acknowledged at the same moment, by the same operator, so the clock to acknowledge still says
  how long it waited.
* Every step locks the alert row and moves its ``version`` on: a form shown before someone else
  acted is refused (the page keeps what was typed), and so is a second acknowledgement.
* The outcome is one of :class:`AlertOutcome`; a note saying what was done is required (it is
  the record the officer and any breach hearing read), at most :data:`NOTE_MAX` characters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probation.core.audit import AuditAction, audit
from probation.core.errors import Conflict, InvalidInput
from probation.core.limits import checked_text
from probation.monitoring.alert_selectors import alerts_visible_to, may_work_alerts
from probation.monitoring.models import Alert, AlertOutcome, AlertState

NOTE_MAX: Final = 2000
CHANGED_MEANWHILE: Final = (
    "This alert changed after you opened it (someone else acted on it). Check it again below, "
    "then try again."
)
REFUSAL: Final = "Only the monitoring centre's operators acknowledge and resolve alerts."


#: What a step changes, copied back onto the caller's instance.
_COPIED: Final = (
    "state",
    "acknowledged_at",
    "acknowledged_by_id",
    "resolved_at",
    "resolved_by_id",
    "outcome",
    "outcome_note",
    "version",
)


def _snapshot(alert: Alert) -> dict[str, Any]:
    return {
        "state": alert.state,
        "acknowledged_at": alert.acknowledged_at,
        "acknowledged_by": alert.acknowledged_by_id,
        "resolved_at": alert.resolved_at,
        "resolved_by": alert.resolved_by_id,
        "outcome": alert.outcome,
        "version": alert.version,
    }


def _locked(alert: Alert, by_user: Any, version: int | None) -> Alert:
    """The alert, locked, if ``by_user`` works alerts and may see it; a stale ``version`` is
    refused."""
    if not may_work_alerts(by_user):
        raise PermissionDenied(REFUSAL)
    locked = (
        alerts_visible_to(by_user)
        .select_for_update(of=("self",))
        .select_related("case__person")
        .filter(pk=alert.pk)
        .first()
    )
    if locked is None:
        raise PermissionDenied("This alert is no longer one you may act on (its order has ended).")
    if version is not None and locked.version != version:
        raise Conflict(CHANGED_MEANWHILE)
    return locked


def _save(locked: Alert, alert: Alert, by_user: Any, action: AuditAction, **details: Any) -> Alert:
    locked.version += 1
    locked.save(
        update_fields=[
            "state",
            "acknowledged_at",
            "acknowledged_by",
            "resolved_at",
            "resolved_by",
            "outcome",
            "outcome_note",
            "version",
        ]
    )
    for name in _COPIED:
        setattr(alert, name, getattr(locked, name))
    audit(
        by_user,
        action,
        locked,
        crn=locked.case.person.crn,
        after=_snapshot(locked),
        details={"kind": locked.kind, "order": locked.order_id, **details},
    )
    return locked


@transaction.atomic
def alert_acknowledge(*, alert: Alert, by_user: Any, version: int | None) -> Alert:
    """The operator has seen ``alert`` and is dealing with it. Only a new alert is acknowledged."""
    locked = _locked(alert, by_user, version)
    if locked.state != AlertState.NEW:
        raise Conflict(f"This alert is already {locked.get_state_display().lower()}.")
    locked.state = AlertState.ACKNOWLEDGED
    locked.acknowledged_at = timezone.now()
    locked.acknowledged_by = by_user
    return _save(locked, alert, by_user, AuditAction.EM_ALERT_ACKNOWLEDGED)


@transaction.atomic
def alert_resolve(
    *, alert: Alert, outcome: str, note: str, by_user: Any, version: int | None
) -> Alert:
    """Close ``alert`` with its outcome and a note of what was done (a new one is acknowledged
    at the same moment)."""
    if outcome not in AlertOutcome.values:
        raise InvalidInput("Choose the outcome", field="outcome")
    text = checked_text(note, field="note", label="what was done", max_length=NOTE_MAX)
    locked = _locked(alert, by_user, version)
    if locked.state == AlertState.RESOLVED:
        raise Conflict("This alert is already resolved.")
    now = timezone.now()
    if locked.state == AlertState.NEW:
        locked.acknowledged_at = now
        locked.acknowledged_by = by_user
    locked.state = AlertState.RESOLVED
    locked.resolved_at = now
    locked.resolved_by = by_user
    locked.outcome = outcome
    locked.outcome_note = text
    return _save(locked, alert, by_user, AuditAction.EM_ALERT_RESOLVED, outcome=outcome)


@transaction.atomic
def alert_officer_notify(
    *, alert_ids: Sequence[int], by_user: Any = None, now: dt.datetime | None = None
) -> int:
    """Record that the responsible officers of ``alert_ids`` have been told (the to-do list
    shows an open alert from when it is raised; this stamps ``officer_notified_at`` once, for
    the clock from violation to officer). Call it where the alerts are raised, in the same
    transaction; ``by_user`` is None for detection. Returns how many were stamped now. The raise
    itself is audited (EM_ALERT_RAISED), so this stamp is not audited again."""
    if not alert_ids:
        return 0
    return Alert.objects.filter(pk__in=list(alert_ids), officer_notified_at__isnull=True).update(
        officer_notified_at=now or timezone.now()
    )
