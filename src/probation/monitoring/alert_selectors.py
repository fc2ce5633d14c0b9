"""Reads of monitoring alerts, already scoped: the operator's queue with its clocks, the
resolved list, one alert with its evidence, and the alerts an officer sees on a case and on the
to-do list (``docs/domain/electronic-monitoring.md``, "Alerts").

Who sees an alert (decided for ``docs/adr/0020-electronic-monitoring.md``):

* a monitoring operator sees the alerts of *live* orders (active, not past their end date) of
  the cases :func:`probation.monitoring.selectors.cases_monitored_by` gives them (exclusion and
  restriction lists apply), raised on their own organisation's devices: once an order has ended
  its alerts leave the monitoring centre, which has nothing left to act on, and stay on the case;
* everyone who reads case records sees the alerts of the cases they can see, whatever the state
  of the order (:func:`probation.people.selectors.cases_visible_to`): the responsible officer, a
  manager, an enforcement officer taking breach action, an auditor.

Only reads here; the pages audit what they show (``alert_views.py``).
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from dataclasses import dataclass, field
from typing import Any, Final

import numpy as np
from django.conf import settings
from django.db.models import Count, Q, QuerySet

from probation.monitoring.models import (
    Alert,
    AlertKind,
    AlertState,
    CurfewWindow,
    Fix,
    Zone,
    ZoneKind,
)
from probation.monitoring.selectors import (
    cases_monitored_by,
    is_monitoring_operator,
    live_orders,
    zone_shape,
)
from probation.people.selectors import can_read_cases, cases_visible_to
from probation.rules import geo

#: The states of an alert still being worked.
OPEN_STATES: Final = (AlertState.NEW, AlertState.ACKNOWLEDGED)
#: The trail shown with an alert: the device's fixes from this long before the episode began to
#: this long after, at most :data:`TRAIL_MAX_FIXES` (half each side of the start).
TRAIL_BEFORE: Final = dt.timedelta(minutes=30)
TRAIL_AFTER: Final = dt.timedelta(minutes=30)
TRAIL_MAX_FIXES: Final = 400
_WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def acknowledge_target() -> dt.timedelta:
    """How soon a new alert should be acknowledged (``EM_ALERT_ACKNOWLEDGE_MINUTES``)."""
    return dt.timedelta(minutes=settings.EM_ALERT_ACKNOWLEDGE_MINUTES)


def may_work_alerts(user: Any) -> bool:
    """Whether ``user`` acknowledges and resolves alerts: the monitoring centre's operators."""
    return is_monitoring_operator(user)


def alerts_visible_to(user: Any) -> QuerySet[Alert]:
    """Every alert ``user`` may see (any state): the single source of alert scoping."""
    parts = []
    if is_monitoring_operator(user):
        parts.append(
            Q(order__in=live_orders(), case__in=cases_monitored_by(user))
            & (Q(device__isnull=True) | Q(device__provider_id=user.organisation_id))
        )
    if can_read_cases(user):
        parts.append(Q(case__in=cases_visible_to(user)))
    if not parts:
        return Alert.objects.none()
    return Alert.objects.filter(functools.reduce(operator.or_, parts))


def alert_for(*, for_user: Any, alert_id: int) -> Alert | None:
    """The alert with ``alert_id`` if ``for_user`` may see it (None for a missing one too)."""
    return (
        alerts_visible_to(for_user)
        .filter(pk=alert_id)
        .select_related(
            "case__person",
            "case__responsible_officer",
            "order__curfew_address",
            "device",
            "acknowledged_by",
            "resolved_by",
        )
        .first()
    )


# -- the queue ---------------------------------------------------------------------------------


def alert_queue(*, for_user: Any, kind: str = "", state: str = "") -> QuerySet[Alert]:
    """The open alerts (new or acknowledged) ``for_user`` may see, the most serious first and,
    within a severity, the newest first; optionally of one kind or one open state."""
    # "Not resolved" (the same as new or acknowledged) is the open-queue index's own condition.
    alerts = alerts_visible_to(for_user).exclude(state=AlertState.RESOLVED)
    if kind:
        alerts = alerts.filter(kind=kind)
    if state:
        alerts = alerts.filter(state=state)
    return alerts.select_related("case__person", "acknowledged_by").order_by(
        "severity", "-raised_at", "-id"
    )


def resolved_alerts(*, for_user: Any, kind: str = "") -> QuerySet[Alert]:
    """The resolved alerts ``for_user`` may see, the most recently resolved first."""
    alerts = alerts_visible_to(for_user).filter(state=AlertState.RESOLVED)
    if kind:
        alerts = alerts.filter(kind=kind)
    return alerts.select_related("case__person", "resolved_by").order_by("-resolved_at", "-id")


@dataclass(frozen=True)
class QueueCounts:
    open: int
    new: int
    acknowledged: int
    overdue: int


def queue_counts(queue: QuerySet[Alert], *, now: dt.datetime) -> QueueCounts:
    """How many alerts ``queue`` holds, how many are new, and how many of those are past the
    acknowledge target: one grouped query."""
    late = now - acknowledge_target()
    counts = queue.order_by().aggregate(
        total=Count("pk"),
        new=Count("pk", filter=Q(state=AlertState.NEW)),
        acknowledged=Count("pk", filter=Q(state=AlertState.ACKNOWLEDGED)),
        overdue=Count("pk", filter=Q(state=AlertState.NEW, raised_at__lt=late)),
    )
    return QueueCounts(
        open=counts["total"],
        new=counts["new"],
        acknowledged=counts["acknowledged"],
        overdue=counts["overdue"],
    )


def duration_in_words(delta: dt.timedelta) -> str:
    """A duration as people say it: "under a minute", "14 minutes", "2 hours 5 minutes",
    "3 days 4 hours"."""
    minutes = max(0, int(delta.total_seconds() // 60))
    if minutes < 1:
        return "under a minute"
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)

    def part(n: int, unit: str) -> str:
        return f"{n} {unit}{'' if n == 1 else 's'}"

    if days:
        return part(days, "day") + (f" {part(hours, 'hour')}" if hours else "")
    if hours:
        return part(hours, "hour") + (f" {part(minutes, 'minute')}" if minutes else "")
    return part(minutes, "minute")


@dataclass(frozen=True)
class AlertClock:
    """How long an alert has waited (or took), in words, and whether it is past its target."""

    words: str
    overdue: bool
    waited: dt.timedelta


def alert_clock(alert: Alert, *, now: dt.datetime) -> AlertClock:
    """The clock of one alert: a new one runs from when it was raised and is overdue past the
    acknowledge target; an acknowledged one says how long acknowledging took and how long it has
    been open; a resolved one how long it took to resolve."""
    if alert.state == AlertState.NEW:
        waited = now - alert.raised_at
        return AlertClock(
            f"Waiting {duration_in_words(waited)}", waited > acknowledge_target(), waited
        )
    if alert.state == AlertState.ACKNOWLEDGED and alert.acknowledged_at is not None:
        took = alert.acknowledged_at - alert.raised_at
        waited = now - alert.raised_at
        return AlertClock(
            f"Acknowledged after {duration_in_words(took)}; open {duration_in_words(waited)}",
            False,
            waited,
        )
    end = alert.resolved_at or now
    took = end - alert.raised_at
    return AlertClock(f"Resolved after {duration_in_words(took)}", False, took)


# -- the officer's view -------------------------------------------------------------------------


def open_alerts_for_officer(*, for_user: Any, case_ids: list[int]) -> QuerySet[Alert]:
    """The open alerts on the cases ``case_ids`` (the officer's caseload), newest first, scoped
    to what the user may see. Every open alert is shown from when it is raised: the to-do list
    is how the responsible officer is told (``officer_notified_at`` records when)."""
    return (
        alerts_visible_to(for_user)
        .filter(case_id__in=case_ids)
        .exclude(state=AlertState.RESOLVED)
        .select_related("case__person")
        .order_by("-raised_at", "-id")
    )


def alerts_of_case(*, for_user: Any, case_id: int, limit: int = 10) -> dict[str, Any]:
    """The case overview's alerts: the open ones (newest first, at most ``limit``), how many are
    open and how many were resolved."""
    alerts = alerts_visible_to(for_user).filter(case_id=case_id)
    counts = alerts.order_by().aggregate(
        open=Count("pk", filter=Q(state__in=OPEN_STATES)),
        resolved=Count("pk", filter=Q(state=AlertState.RESOLVED)),
    )
    recent = list(
        alerts.filter(state__in=OPEN_STATES)
        .only("kind", "severity", "state", "raised_at", "episode_started_at")
        .order_by("-raised_at", "-id")[:limit]
    )
    return {"open": recent, "open_count": counts["open"], "resolved_count": counts["resolved"]}


# -- one alert's evidence ------------------------------------------------------------------------


@dataclass(frozen=True)
class TrailFix:
    """One fix of the trail and where it was: the zones it was inside, and whether it was
    within the curfew address's buffer (None without a curfew location)."""

    sequence: int
    recorded_at: dt.datetime
    latitude: float
    longitude: float
    accuracy_m: float | None
    inside: tuple[str, ...]
    at_curfew_address: bool | None
    is_trigger: bool


@dataclass(frozen=True)
class MapZone:
    """A zone of the order as the map and its table show it."""

    name: str
    kind: str
    kind_label: str
    geometry: dict[str, Any]
    buffer_m: int
    timetable: str


@dataclass(frozen=True)
class CurfewPlace:
    latitude: float
    longitude: float
    buffer_m: int
    address: str
    windows: list[str]


@dataclass(frozen=True)
class AlertEvidence:
    """What an alert's page shows: the trail around the episode's start, the order's zones and
    curfew address; the victim proximities only counted (a victim's whereabouts are never
    drawn)."""

    alert: Alert
    trail: list[TrailFix]
    trail_from: dt.datetime
    trail_to: dt.datetime
    truncated: bool
    zones: list[MapZone]
    curfew: CurfewPlace | None
    proximities: int
    trigger: dict[str, Any] = field(default_factory=dict)


def _timetable_words(rows: Any) -> str:
    if not rows:
        return "Always in force"
    parts = []
    for row in rows:
        try:
            day, starts, ends = row
            parts.append(f"{_WEEKDAYS[int(day)]} {starts} to {ends}")
        except (TypeError, ValueError, IndexError):
            continue
    return "; ".join(parts) or "Always in force"


def _window_words(window: CurfewWindow) -> str:
    return f"{_WEEKDAYS[window.weekday]} {window.starts:%H:%M} to {window.ends:%H:%M}"


def _trail(alert: Alert) -> tuple[list[Fix], dt.datetime, dt.datetime, bool]:
    start = alert.episode_started_at
    since, until = start - TRAIL_BEFORE, start + TRAIL_AFTER
    if alert.device_id is None:
        return [], since, until, False
    half = TRAIL_MAX_FIXES // 2
    fixes = Fix.objects.filter(device_id=alert.device_id).only(
        "sequence", "recorded_at", "latitude", "longitude", "accuracy_m"
    )
    before = list(
        fixes.filter(recorded_at__gte=since, recorded_at__lt=start).order_by("-recorded_at")[
            : half + 1
        ]
    )
    after = list(
        fixes.filter(recorded_at__gte=start, recorded_at__lte=until).order_by("recorded_at")[
            : half + 1
        ]
    )
    truncated = len(before) > half or len(after) > half
    return list(reversed(before[:half])) + after[:half], since, until, truncated


def _inside(zones: list[Zone], fixes: list[Fix]) -> list[list[str]]:
    """For each fix, the names of the zones it was inside (one vectorised check per zone)."""
    names: list[list[str]] = [[] for _ in fixes]
    if not fixes:
        return names
    lats = np.array([f.latitude for f in fixes], dtype=np.float64)
    lons = np.array([f.longitude for f in fixes], dtype=np.float64)
    for zone in zones:
        try:
            inside = geo.contains(zone_shape(zone), lats, lons)
        except (ValueError, KeyError, TypeError):
            continue  # a zone that cannot be read is listed, not judged here
        for index in np.flatnonzero(inside):
            names[int(index)].append(zone.name)
    return names


def _curfew(alert: Alert) -> CurfewPlace | None:
    order = alert.order
    if order.curfew_latitude is None or order.curfew_longitude is None:
        return None
    address = order.curfew_address
    words = f"{address.line_1}, {address.town} {address.postcode}" if address else ""
    return CurfewPlace(
        latitude=order.curfew_latitude,
        longitude=order.curfew_longitude,
        buffer_m=order.curfew_buffer_m,
        address=words,
        windows=[_window_words(w) for w in order.curfew_windows.all()],
    )


def alert_evidence(alert: Alert) -> AlertEvidence:
    """The evidence of ``alert`` (one the caller may see): the trail, judged against the order's
    zones and curfew address, with the fix that raised the alert marked."""
    fixes, since, until, truncated = _trail(alert)
    zones = list(alert.order.zones.all())
    inside = _inside(zones, fixes)
    curfew = _curfew(alert)
    at_home: list[bool | None] = [None] * len(fixes)
    if curfew is not None and fixes:
        circle = geo.circle_zone(curfew.latitude, curfew.longitude, curfew.buffer_m)
        at_home = [
            bool(x)
            for x in geo.contains(
                circle,
                np.array([f.latitude for f in fixes], dtype=np.float64),
                np.array([f.longitude for f in fixes], dtype=np.float64),
            )
        ]
    evidence = alert.evidence if isinstance(alert.evidence, dict) else {}
    trigger_sequence = evidence.get("sequence")
    trail = [
        TrailFix(
            sequence=f.sequence,
            recorded_at=f.recorded_at,
            latitude=f.latitude,
            longitude=f.longitude,
            accuracy_m=f.accuracy_m,
            inside=tuple(inside[i]),
            at_curfew_address=at_home[i],
            is_trigger=trigger_sequence is not None and f.sequence == trigger_sequence,
        )
        for i, f in enumerate(fixes)
    ]
    return AlertEvidence(
        alert=alert,
        trail=trail,
        trail_from=since,
        trail_to=until,
        truncated=truncated,
        zones=[
            MapZone(
                name=z.name,
                kind=z.kind,
                kind_label="Exclusion zone" if z.kind == ZoneKind.EXCLUSION else "Inclusion zone",
                geometry=z.geometry if isinstance(z.geometry, dict) else {},
                buffer_m=z.buffer_m,
                timetable=_timetable_words(z.timetable),
            )
            for z in zones
        ],
        curfew=curfew,
        proximities=alert.order.proximities.count(),
        trigger=evidence,
    )


def kind_choices() -> list[tuple[str, str]]:
    return [(k.value, k.label) for k in AlertKind]
