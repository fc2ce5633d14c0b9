"""Alerts and fixes for the alert tests, made with the ORM (detection, the only code that raises
alerts, is tested in ``test_detection.py``)."""

from __future__ import annotations

import datetime as dt
import itertools
from typing import Any

from django.utils import timezone

from probation.monitoring.models import ALERT_SEVERITY, Alert, AlertKind, Device, EmOrder, Fix, Zone

#: An exclusion zone near the curfew address of ``em_setup.HOME`` (Liverpool): a square about
#: 700 m east of it, roughly 220 m a side.
SQUARE = {
    "type": "Polygon",
    "coordinates": [
        [[-2.9830, 53.4075], [-2.9797, 53.4075], [-2.9797, 53.4095], [-2.9830, 53.4095],
         [-2.9830, 53.4075]]
    ],
}  # fmt: skip


_RULES = itertools.count(1)


def exclusion_zone(order: EmOrder, name: str = "Town centre") -> Zone:
    return Zone.objects.create(order=order, kind="exclusion", name=name, geometry=SQUARE)


def make_alert(
    order: EmOrder,
    device: Device | None,
    *,
    kind: str = AlertKind.EXCLUSION_ENTERED,
    raised_at: dt.datetime | None = None,
    episode_started_at: dt.datetime | None = None,
    rule: str | None = None,
    **changes: Any,
) -> Alert:
    raised_at = raised_at or timezone.now()
    return Alert.objects.create(
        order=order,
        case=order.case,
        device=device,
        kind=kind,
        severity=ALERT_SEVERITY[AlertKind(kind)],
        rule=rule or f"{kind}:{next(_RULES)}",
        episode_started_at=episode_started_at or raised_at - dt.timedelta(seconds=30),
        raised_at=raised_at,
        **changes,
    )


def walk_into_zone(device: Device, start: dt.datetime) -> list[Fix]:
    """Six fixes a minute apart from the curfew address eastwards into :data:`SQUARE`: the last
    two are inside it. Sequence numbers 1 to 6."""
    lons = [-2.9916, -2.9895, -2.9875, -2.9850, -2.9820, -2.9810]
    return [
        Fix.objects.create(
            device=device,
            sequence=i + 1,
            recorded_at=start + dt.timedelta(minutes=i),
            received_at=start + dt.timedelta(minutes=i, seconds=20),
            latitude=53.4085,
            longitude=lon,
            accuracy_m=8,
        )
        for i, lon in enumerate(lons)
    ]
