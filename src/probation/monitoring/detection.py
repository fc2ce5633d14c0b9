"""Detection: judge new telemetry against each order's rules, keep the state, raise alerts.

The judging is :mod:`probation.rules.monitoring` (episodes, late and out-of-order fixes, curfew
window occurrences, hysteresis) over zones from :mod:`probation.rules.geo`; this module loads
what those pure functions need, in a few queries per batch rather than per fix, and stores what
they decide:

- the orders of the devices with new items, locked (``FOR NO KEY UPDATE``, in id order) so that
  two workers never judge one order at once: both would start from the same state and the later
  save would erase the earlier's episodes;
- their zones, curfew windows, victim proximities and :class:`RuleState` rows, one query each;
- per order and rule, one vectorised :func:`judge_fixes` call for the batch's fixes (only those
  taken while the order was in force), or :func:`judge_device_events` for a device's events;
- the new states (one upsert) and the new alerts, inserted with ``ON CONFLICT DO NOTHING`` on
  the episode (order, rule, episode start) and audited (``EM_ALERT_RAISED``) only when actually
  inserted.

Rule keys (``RuleState.rule`` and ``Alert.rule``): ``zone:<zone id>``, ``curfew`` (GPS fixes
against the address buffer), ``curfew:rf`` (home unit range reports), ``proximity:<id>``,
``device:<device id>`` for a device's strap and battery state, whose alerts are
``tamper:<device id>`` and ``battery:<device id>``; ``signal:<device id>`` for no signal.

An order's zone, curfew and proximity states are the person's, whichever device reported: a
replacement tag continues the old one's episodes. The rules tell observations apart by sequence
number, which is per device, so two GPS tags reporting at once for one order (not a case the
domain has) could hide each other's readings of the same number.

States remember observations for ``EM_STATE_HORIZON_MINUTES`` (default 60; older ones are
pruned): enough for the late uploads after a gap in signal, small enough to read and write every
batch (a tag reporting every 10 seconds leaves 360 observations an hour per rule). A fix older
than that is judged as if new: it may raise an alert of its own for an episode whose alert was
raised and forgotten (``rules.monitoring.prune``).
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import logging
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q

from probation.core.audit import AuditRecord, audit_many
from probation.core.models import AuditAction
from probation.monitoring.alert_services import alert_officer_notify
from probation.monitoring.models import (
    ALERT_SEVERITY,
    Alert,
    AlertKind,
    CurfewWindow,
    Device,
    DeviceKind,
    DeviceState,
    EmOrder,
    Fitting,
    Fix,
    OrderStatus,
    RuleState,
    VictimProximity,
    Zone,
)
from probation.monitoring.payloads import EventItem, FixItem
from probation.rules import geo
from probation.rules import monitoring as rules
from probation.rules.dates import in_words

logger = logging.getLogger(__name__)

_EPOCH: Final = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)
_MICROSECOND: Final = dt.timedelta(microseconds=1)
_RANGE_EVENTS: Final = {"home_unit_in": True, "home_unit_out": False}


def state_horizon() -> dt.timedelta:
    """How long states remember observations (``EM_STATE_HORIZON_MINUTES``)."""
    return dt.timedelta(minutes=settings.EM_STATE_HORIZON_MINUTES)


# ---- states as JSON ------------------------------------------------------------------------


def _micros(at: dt.datetime) -> int:
    return (at - _EPOCH) // _MICROSECOND


def _instant(micros: int) -> dt.datetime:
    return _EPOCH + dt.timedelta(microseconds=micros)


def zone_state_to_json(state: rules.ZoneState) -> dict[str, Any]:
    """Column by column: quicker to read and write than a list per mark."""
    marks = state.marks
    return {
        "at": [_micros(m.at) for m in marks],
        "seq": [m.sequence for m in marks],
        "flags": [m.violating | m.alerted << 1 | m.closed << 2 for m in marks],
        "note": [m.note for m in marks],
    }


def zone_state_from_json(data: Any) -> rules.ZoneState:
    data = data or {}
    return rules.ZoneState(
        tuple(
            rules.Mark(_instant(at), seq, bool(flags & 1), note, bool(flags & 2), bool(flags & 4))
            for at, seq, flags, note in zip(
                data.get("at") or [],
                data.get("seq") or [],
                data.get("flags") or [],
                data.get("note") or [],
                strict=True,
            )
        )
    )


def curfew_state_to_json(state: rules.CurfewState) -> dict[str, Any]:
    observations = state.observations
    return {
        "at": [_micros(at) for at, _, _ in observations],
        "seq": [seq for _, seq, _ in observations],
        "absent": [int(absent) for _, _, absent in observations],
        "alerted": sorted(_micros(at) for at in state.alerted),
    }


def curfew_state_from_json(data: Any) -> rules.CurfewState:
    data = data or {}
    observations = zip(
        data.get("at") or [], data.get("seq") or [], data.get("absent") or [], strict=True
    )
    return rules.CurfewState(
        tuple((_instant(at), seq, bool(absent)) for at, seq, absent in observations),
        frozenset(_instant(at) for at in data.get("alerted") or []),
    )


def device_state_to_json(state: rules.DeviceState) -> dict[str, Any]:
    return {
        "strap": zone_state_to_json(state.strap),
        "battery": zone_state_to_json(state.battery),
    }


def device_state_from_json(data: Any) -> rules.DeviceState:
    data = data or {}
    return rules.DeviceState(
        zone_state_from_json(data.get("strap")), zone_state_from_json(data.get("battery"))
    )


# ---- rules from the records ----------------------------------------------------------------


def _timetable(rows: Iterable[Any]) -> rules.Timetable:
    return tuple(rules.WeeklyWindow(int(w), s, e) for w, s, e in rows)


def _zone_timetable(timetable: Any) -> rules.Timetable:
    return _timetable(
        (weekday, dt.time.fromisoformat(starts), dt.time.fromisoformat(ends))
        for weekday, starts, ends in timetable or []
    )


@functools.lru_cache(maxsize=20_000)
def _geo_zone(zone_id: int, geometry: str, buffer_m: int) -> geo.Zone:
    """The zone's prepared geometry, built once per process and version of the zone (the key
    holds the geometry, so a changed zone is built again)."""
    data = json.loads(geometry)
    if data.get("type") == "Circle":
        lon, lat = data["coordinates"]
        return geo.circle_zone(lat, lon, data["radius_m"], buffer_m=buffer_m)
    return geo.zone_from_geojson(data, buffer_m=buffer_m)


@dataclass
class _OrderRules:
    order: EmOrder
    crn: str
    zones: list[Zone]
    windows: list[tuple[int, dt.time, dt.time]]
    proximities: list[VictimProximity]


def _in_force(order: EmOrder, at: dt.datetime) -> bool:
    if order.status == OrderStatus.REVOKED:
        return False
    return order.starts_on <= at.astimezone(rules.LONDON).date() <= order.ends_on


@dataclass(frozen=True, slots=True)
class _Raised:
    order: EmOrder
    crn: str
    device: Device
    rule: str
    kind: str
    at: dt.datetime
    evidence: dict[str, Any]


def _evidence(
    event: rules.MonitoringEvent, device: Device, fixes: dict[int, FixItem]
) -> dict[str, Any]:
    evidence: dict[str, Any] = {
        "reason": event.reason,
        "device": device.serial,
        "sequence": event.sequence,
        "at": event.at.isoformat(),
    }
    fix = fixes.get(event.sequence)
    if fix is not None:
        evidence.update(lat=fix.latitude, lon=fix.longitude, accuracy_m=fix.accuracy_m)
    return evidence


_Built = TypeVar("_Built")
_State = TypeVar("_State", rules.ZoneState, rules.CurfewState, rules.DeviceState)


def _built(order: EmOrder, rule: str, build: Callable[[], _Built]) -> _Built | None:
    """The rule, or None (logged) if the order's records cannot make one: a zone saved with
    geometry the rules refuse must not stop the ingest of everyone's telemetry. Its fixes are
    stored all the same, and are judged once the zone is corrected."""
    try:
        return build()
    except (ValueError, TypeError, KeyError):
        logger.exception("EM order %s: rule %s could not be built; not judged", order.id, rule)
        return None


def _zone_rule(zone: Zone) -> rules.ZoneRule:
    return rules.ZoneRule(
        zone.kind,
        _geo_zone(zone.id, json.dumps(zone.geometry, sort_keys=True), zone.buffer_m),
        _zone_timetable(zone.timetable),
    )


def _gps_curfew_rule(order_rules: _OrderRules) -> rules.CurfewRule:
    order = order_rules.order
    if order.curfew_latitude is None or order.curfew_longitude is None:
        raise ValueError("curfew_longitude: a GPS curfew needs the address's position")
    address = geo.circle_zone(order.curfew_latitude, order.curfew_longitude, order.curfew_buffer_m)
    return rules.CurfewRule(_timetable(order_rules.windows), address)


def _proximity_rule(proximity: VictimProximity) -> rules.ProximityRule:
    fixed = proximity.victim_device_id is None
    return rules.ProximityRule(
        float(proximity.radius_m),
        # The rules take a margin no wider than the radius itself.
        float(min(proximity.hysteresis_m, proximity.radius_m)),
        proximity.latitude if fixed else None,
        proximity.longitude if fixed else None,
    )


class _Judge:
    """One batch's judging: states in and out, alerts raised."""

    def __init__(self, states: dict[tuple[int, str], Any], now: dt.datetime) -> None:
        self.states = states
        self.now = now
        self.changed: dict[tuple[int, str], dict[str, Any]] = {}
        self.current: dict[tuple[int, str], Any] = {}
        self.raised: list[_Raised] = []

    def state(self, order_id: int, rule: str, decode: Callable[[Any], _State]) -> _State:
        """The rule's state: as this batch left it (two devices of one order in one batch),
        else as stored."""
        key = (order_id, rule)
        if key in self.current:
            current: _State = self.current[key]
            return current
        return decode(self.states.get(key))

    def keep(
        self,
        order_rules: _OrderRules,
        device: Device,
        rule: str,
        new_state: Any,
        events: list[rules.MonitoringEvent],
        fixes: dict[int, FixItem],
    ) -> None:
        pruned = rules.prune(new_state, self.now - state_horizon())
        if isinstance(pruned, rules.ZoneState):
            as_json = zone_state_to_json(pruned)
        elif isinstance(pruned, rules.CurfewState):
            as_json = curfew_state_to_json(pruned)
        else:
            as_json = device_state_to_json(pruned)
        self.changed[(order_rules.order.id, rule)] = as_json
        self.current[(order_rules.order.id, rule)] = pruned
        for event in events:
            if event.kind not in rules.ALERT_KINDS:
                continue  # a closing event: the episode's alert stays for the operator to resolve
            alert_rule = rule
            if rule.startswith("device:"):
                prefix = "tamper" if event.kind == "tamper" else "battery"
                alert_rule = f"{prefix}:{device.id}"
            self.raised.append(
                _Raised(
                    order_rules.order,
                    order_rules.crn,
                    device,
                    alert_rule,
                    event.kind,
                    event.at,
                    _evidence(event, device, fixes),
                )
            )

    def fixes(self, order_rules: _OrderRules, device: Device, fixes: list[FixItem]) -> None:
        order = order_rules.order
        judged = [
            rules.Fix(f.sequence, f.recorded_at, f.latitude, f.longitude)
            for f in fixes
            if _in_force(order, f.recorded_at)
        ]
        if not judged:
            return
        by_sequence = {f.sequence: f for f in fixes}
        for zone in order_rules.zones:
            rule = f"zone:{zone.id}"
            zone_rule = _built(order, rule, functools.partial(_zone_rule, zone))
            if zone_rule is None:
                continue
            state = self.state(order.id, rule, zone_state_from_json)
            new_state, events = rules.judge_fixes(state, judged, zone_rule)
            self.keep(order_rules, device, rule, new_state, events, by_sequence)
        if order_rules.windows and order.curfew_latitude is not None:
            curfew = _built(order, "curfew", lambda: _gps_curfew_rule(order_rules))
            if curfew is not None:
                state_c = self.state(order.id, "curfew", curfew_state_from_json)
                new_c, events = rules.judge_fixes(state_c, judged, curfew)
                self.keep(order_rules, device, "curfew", new_c, events, by_sequence)
        for proximity in order_rules.proximities:
            rule = f"proximity:{proximity.id}"
            proximity_rule = _built(order, rule, functools.partial(_proximity_rule, proximity))
            if proximity_rule is None:
                continue
            victim_fixes = _victim_fixes(proximity, judged)
            state = self.state(order.id, rule, zone_state_from_json)
            new_state, events = rules.judge_fixes(
                state, judged, proximity_rule, victim_fixes=victim_fixes
            )
            self.keep(order_rules, device, rule, new_state, events, by_sequence)

    def events(self, order_rules: _OrderRules, device: Device, events: list[EventItem]) -> None:
        order = order_rules.order
        current = [e for e in events if _in_force(order, e.recorded_at)]
        strap_battery = [
            rules.DeviceEvent(e.sequence, e.recorded_at, e.kind)
            for e in current
            if e.kind in rules.DEVICE_EVENT_KINDS
        ]
        if strap_battery:
            rule = f"device:{device.id}"
            state = self.state(order.id, rule, device_state_from_json)
            new_state, raised = rules.judge_device_events(state, strap_battery)
            self.keep(order_rules, device, rule, new_state, raised, {})
        reports = [
            rules.RangeReport(e.sequence, e.recorded_at, _RANGE_EVENTS[e.kind])
            for e in current
            if e.kind in _RANGE_EVENTS
        ]
        if reports and order_rules.windows:
            curfew = _built(
                order, "curfew:rf", lambda: rules.CurfewRule(_timetable(order_rules.windows), None)
            )
            if curfew is not None:
                state_c = self.state(order.id, "curfew:rf", curfew_state_from_json)
                new_c, raised = rules.judge_fixes(state_c, reports, curfew)
                self.keep(order_rules, device, "curfew:rf", new_c, raised, {})


def _victim_fixes(proximity: VictimProximity, judged: Sequence[rules.Fix]) -> list[rules.Fix]:
    """The victim's device's fixes around the subject's (one query, only for a linked device)."""
    if proximity.victim_device_id is None:
        return []
    margin = dt.timedelta(minutes=10)
    rows = Fix.objects.filter(
        device_id=proximity.victim_device_id,
        recorded_at__gte=min(f.at for f in judged) - margin,
        recorded_at__lte=max(f.at for f in judged) + margin,
    ).values_list("sequence", "recorded_at", "latitude", "longitude")[: rules.MAX_BATCH]
    return [rules.Fix(seq, at, lat, lon) for seq, at, lat, lon in rows]


# ---- loading and saving --------------------------------------------------------------------


def copy_to_temporary(
    name: str, columns: Sequence[tuple[str, str]], rows: Iterable[Sequence[Any]]
) -> None:
    """PostgreSQL: fill the temporary table ``name`` (``columns``: name and type) with ``rows``
    by COPY, for one set-based statement to use next.

    Why: Django quotes every parameter in Python (client-side binding), which for a batch of
    thousands of rows cost more than the database's work; COPY formats them in C. Temporary,
    since the application role may not create tables but every role may create temporary ones;
    the connection keeps it, emptied first and at each commit.
    """
    names = ", ".join(column for column, _ in columns)
    definition = ", ".join(f"{column} {kind}" for column, kind in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            f"CREATE TEMP TABLE IF NOT EXISTS {name} ({definition}) ON COMMIT DELETE ROWS"
        )
        cursor.execute(f"TRUNCATE {name}")
        with cursor.cursor.copy(f"COPY {name} ({names}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _load_orders(order_ids: set[int]) -> dict[int, _OrderRules]:
    orders = list(
        EmOrder.objects.select_for_update(no_key=True, of=("self",))
        .filter(id__in=order_ids)
        .select_related("case__person")
        .order_by("id")
    )
    zones: dict[int, list[Zone]] = defaultdict(list)
    for zone in Zone.objects.filter(order_id__in=order_ids).order_by("id"):
        zones[zone.order_id].append(zone)
    windows: dict[int, list[tuple[int, dt.time, dt.time]]] = defaultdict(list)
    for order_id, weekday, starts, ends in CurfewWindow.objects.filter(
        order_id__in=order_ids
    ).values_list("order_id", "weekday", "starts", "ends"):
        windows[order_id].append((weekday, starts, ends))
    proximities: dict[int, list[VictimProximity]] = defaultdict(list)
    for proximity in VictimProximity.objects.filter(order_id__in=order_ids).order_by("id"):
        proximities[proximity.order_id].append(proximity)
    return {
        o.id: _OrderRules(o, o.case.person.crn, zones[o.id], windows[o.id], proximities[o.id])
        for o in orders
    }


def _save_states(changed: dict[tuple[int, str], dict[str, Any]], now: dt.datetime) -> None:
    if not changed:
        return
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        copy_to_temporary(
            "em_rule_states_incoming",
            [("order_id", "bigint"), ("rule", "varchar(40)"), ("state", "jsonb")],
            ((o, r, Jsonb(state)) for (o, r), state in sorted(changed.items())),
        )
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO monitoring_rulestate (order_id, rule, state, updated_at) "
                "SELECT order_id, rule, state, %s FROM em_rule_states_incoming "
                "ON CONFLICT (order_id, rule) "
                "DO UPDATE SET state = EXCLUDED.state, updated_at = EXCLUDED.updated_at",
                [now],
            )
        return
    RuleState.objects.bulk_create(
        [
            RuleState(order_id=order_id, rule=rule, state=state, updated_at=now)
            for (order_id, rule), state in sorted(changed.items())
        ],
        update_conflicts=True,
        unique_fields=["order", "rule"],
        update_fields=["state", "updated_at"],
        batch_size=1000,
    )


def _new_alerts(alerts: list[Alert]) -> list[Alert]:
    """Insert the alerts whose episode has none yet; the ones inserted.

    PostgreSQL: ``INSERT … ON CONFLICT DO NOTHING RETURNING`` answers exactly which. Elsewhere
    (SQLite, one writer at a time) the episodes already raised are looked up first.
    """
    if not alerts:
        return []
    if connection.vendor == "postgresql":
        from psycopg.types.json import Jsonb

        copy_to_temporary(
            "em_alerts_incoming",
            [
                ("order_id", "bigint"),
                ("case_id", "bigint"),
                ("device_id", "bigint"),
                ("kind", "varchar(20)"),
                ("severity", "smallint"),
                ("rule", "varchar(40)"),
                ("episode_started_at", "timestamptz"),
                ("raised_at", "timestamptz"),
                ("evidence", "jsonb"),
            ],
            (
                (
                    a.order_id,
                    a.case_id,
                    a.device_id,
                    a.kind,
                    a.severity,
                    a.rule,
                    a.episode_started_at,
                    a.raised_at,
                    Jsonb(a.evidence),
                )
                for a in alerts
            ),
        )
        columns = (
            "order_id, case_id, device_id, kind, severity, rule, episode_started_at, raised_at, "
            "evidence"
        )
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO monitoring_alert ({columns}, state, outcome, outcome_note, version) "  # noqa: S608
                f"SELECT {columns}, 'new', '', '', 0 FROM em_alerts_incoming "
                "ON CONFLICT (order_id, rule, episode_started_at) DO NOTHING "
                "RETURNING id, order_id, rule, episode_started_at"
            )
            inserted = {(o, r, at): i for i, o, r, at in cursor.fetchall()}
        kept = []
        for alert in alerts:
            key = (alert.order_id, alert.rule, alert.episode_started_at)
            if key in inserted:
                alert.id = inserted.pop(key)
                kept.append(alert)
        return kept
    existing = set(
        Alert.objects.filter(
            order_id__in={a.order_id for a in alerts}, rule__in={a.rule for a in alerts}
        ).values_list("order_id", "rule", "episode_started_at")
    )
    fresh: dict[tuple[int, str, dt.datetime], Alert] = {}
    for alert in alerts:
        key = (alert.order_id, alert.rule, alert.episode_started_at)
        if key not in existing:
            fresh.setdefault(key, alert)
    return Alert.objects.bulk_create(list(fresh.values()))


def _raise(raised: Sequence[_Raised], now: dt.datetime) -> int:
    """Insert and audit the alerts; how many were new."""
    alerts = [
        Alert(
            order_id=r.order.id,
            case_id=r.order.case_id,
            device_id=r.device.id,
            kind=r.kind,
            severity=ALERT_SEVERITY[AlertKind(r.kind)],
            rule=r.rule,
            episode_started_at=r.at,
            raised_at=now,
            evidence=r.evidence,
        )
        for r in raised
    ]
    crns = {r.order.id: r.crn for r in raised}
    inserted = _new_alerts(alerts)
    audit_many(
        AuditRecord(
            action=AuditAction.EM_ALERT_RAISED,
            subject_type="monitoring.Alert",
            subject_id=str(alert.id),
            crn=crns[alert.order_id],
            details={
                "kind": alert.kind,
                "rule": alert.rule,
                "order": alert.order_id,
                "device": alert.device_id,
                "episode_started_at": alert.episode_started_at.isoformat(),
            },
        )
        for alert in inserted
    )
    # The responsible officer is told at once: the alert is on their to-do list from now on
    # (monitoring/alert_services.py).
    if inserted:
        alert_officer_notify(alert_ids=[alert.id for alert in inserted], now=now)
    return len(inserted)


@transaction.atomic
def judge_new_telemetry(
    *,
    devices: Sequence[Device],
    fixes: dict[int, list[FixItem]],
    events: dict[int, list[EventItem]],
    now: dt.datetime,
) -> int:
    """Judge the batch's new items of ``devices`` (fitted ones; the rest are only stored) and
    raise the alerts due; the number raised. Call in the ingest's transaction, devices locked."""
    subjects = [d for d in devices if d.order_id is not None and d.kind != DeviceKind.VICTIM]
    if not subjects:
        return 0
    order_rules = _load_orders({d.order_id for d in subjects if d.order_id is not None})
    states = {
        (s.order_id, s.rule): s.state
        for s in RuleState.objects.select_for_update()
        .filter(order_id__in=order_rules)
        .order_by("id")
        .only("order_id", "rule", "state")
    }
    judge = _Judge(states, now)
    for device in subjects:
        rules_of_order = order_rules.get(device.order_id or 0)
        if rules_of_order is None:
            continue
        if fixes.get(device.id):
            judge.fixes(rules_of_order, device, fixes[device.id])
        if events.get(device.id):
            judge.events(rules_of_order, device, events[device.id])
    _save_states(judge.changed, now)
    return _raise(judge.raised, now)


# ---- no signal -----------------------------------------------------------------------------


@transaction.atomic
def no_signal_sweep(now: dt.datetime) -> int:
    """Raise NO_SIGNAL for each fitted device silent for longer than the policy interval
    (``EM_NO_SIGNAL_MINUTES``): one alert per silence, however often the sweep runs (the
    episode is the silence's start, its ``last_seen_at``; a device never heard from is silent
    from its fitting). Safe to run in several workers at once."""
    interval = dt.timedelta(minutes=settings.EM_NO_SIGNAL_MINUTES)
    cutoff = now - interval
    silent = list(
        Device.objects.filter(state=DeviceState.FITTED, order__isnull=False)
        .filter(Q(last_seen_at__lt=cutoff) | Q(last_seen_at__isnull=True))
        .select_related("order__case__person")
        .order_by("id")
    )
    fitted_at = dict(
        Fitting.objects.filter(
            device__in=[d for d in silent if d.last_seen_at is None], ended_at__isnull=True
        ).values_list("device_id", "fitted_at")
    )
    raised = []
    for device in silent:
        since = device.last_seen_at or fitted_at.get(device.id)
        order = device.order
        if since is None or order is None or not rules.signal_overdue(since, now, interval):
            continue
        if order.status != OrderStatus.ACTIVE or not _in_force(order, now):
            continue  # an order not (or no longer) in force has nothing to be silent for
        local = since.astimezone(rules.LONDON)
        reason = f"Nothing heard from the device since {local:%H:%M} on {in_words(local.date())}."
        evidence = {"reason": reason, "device": device.serial, "at": since.isoformat()}
        raised.append(
            _Raised(
                order,
                order.case.person.crn,
                device,
                f"signal:{device.id}",
                AlertKind.NO_SIGNAL,
                since,
                evidence,
            )
        )
    return _raise(raised, now)
