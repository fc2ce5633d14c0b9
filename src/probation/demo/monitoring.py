"""Electronic monitoring in the demo world (``docs/domain/electronic-monitoring.md``).

One chunk step, after supervision, and two finish steps:

* :func:`step_em_orders` (chunk): most curfew, exclusion and alcohol abstinence monitoring
  requirements live in the last two months get an EM order: a curfew at the main address (a
  synthetic point in the address's town, from the base map's towns) with weekly windows from
  the requirement (``19:00-07:00, electronically monitored``), an exclusion zone (a circle, or a
  hexagon for about one in four) a few kilometres from home, or a transdermal alcohol tag. Each
  order gets its device fitted on its first day in working hours (so the first day is not
  billable); an order that has ended had its device removed on its last day; a few orders that
  began in the last two days wait for their fitting. A few people with a live order die, are
  remanded in custody (from midday) or are deported while it is live; their tags stay fitted,
  which is exactly what the billing ledger must not pay for. Every fitted tag of a live order
  sends a day of telemetry (:mod:`probation.monitoring.simulator`'s trails, written with COPY),
  with a few injected violations, judged by :mod:`probation.monitoring.detection` as ingest
  judges them; the tags of the dead, the deported and those in custody fall silent.
* :func:`step_em_finish` (finish): devices in stock, lost and faulty; the no-signal sweep; the
  alerts put in every state (new, acknowledged, resolved with each outcome) by the operator
  through the alert services; and the provider's claim for last month (every day a device was
  on someone, which over-claims the partial days and the days of the dead, the deported and
  those in custody) reconciled through :func:`probation.monitoring.claim_services.claim_reconcile`;
  then the ledger's stored figures for last month and this month, which the contract managers'
  totals read (:func:`probation.monitoring.ledger_services.ledger_month_record`).

Sizes: about 15 % of cases have one of these requirements live, so a 3,000-person world has a
couple of hundred orders and some 20,000 fixes (a second or so); a 250,000-person world writes
its telemetry chunk by chunk.
"""

from __future__ import annotations

import datetime as dt
import functools
import json
import math
import random
import re
from dataclasses import dataclass, field
from typing import Any, Final

from django.db.models import Model
from django.utils import timezone

from probation.core.audit import AuditAction, AuditRecord, audit_many
from probation.core.bulk import bulk_insert
from probation.courts.models import Requirement
from probation.demo.world import BuildContext, Chunk
from probation.monitoring import detection
from probation.monitoring.alert_map import BASEMAP
from probation.monitoring.alert_selectors import alerts_visible_to
from probation.monitoring.alert_services import alert_acknowledge, alert_resolve
from probation.monitoring.billing import day_start, month_days
from probation.monitoring.claim_services import claim_reconcile
from probation.monitoring.ledger_services import ledger_month_record
from probation.monitoring.models import (
    Alert,
    AlertOutcome,
    ClaimDay,
    CurfewWindow,
    DeadLetter,
    Device,
    DeviceEvent,
    DeviceKind,
    DeviceState,
    EmOrder,
    Fitting,
    Fix,
    LedgerMonth,
    OrderSource,
    OrderStatus,
    PersonStatus,
    ProviderClaim,
    RuleState,
    StatusKind,
    VictimProximity,
    Zone,
    ZoneKind,
)
from probation.monitoring.payloads import EventItem, FixItem
from probation.monitoring.simulator import Tag, plan_run
from probation.people.models import Address, CaseStatus
from probation.rules import geo
from probation.rules import monitoring as rules

# A salt for this step's draws (BuildContext.person_rng).
_SALT = 11
EM_KINDS: Final = ("curfew", "exclusion", "alcohol_abstinence_monitoring")
#: The share of these requirements that are electronically monitored by an order.
ORDER_SHARE: Final = 0.85
#: Curfews monitored by GPS (the rest by a radio-frequency home unit).
GPS_CURFEW_SHARE: Final = 0.5
#: Orders that began in the last two days and still wait for their fitting.
UNFITTED_SHARE: Final = 0.2
#: People with a live order who die, are remanded in custody, or are deported (each chunk has
#: at least one of each where it can).
STATUS_RATES: Final = (
    (StatusKind.DECEASED, 0.01),
    (StatusKind.IN_CUSTODY, 0.03),
    (StatusKind.REMOVED, 0.01),
)
#: Exclusion zones drawn as polygons rather than circles.
POLYGON_SHARE: Final = 0.25
#: Telemetry of the last day: a fix or a reading this often.
TELEMETRY_INTERVAL: Final = dt.timedelta(minutes=10)
TELEMETRY_DAY: Final = dt.timedelta(hours=24)
#: Violations injected into a chunk's day (each kind on a different tag).
VIOLATIONS: Final = {"exclusion": 2, "curfew": 3, "tamper": 2, "battery": 2}
#: Devices besides those fitted: in stock, lost and faulty, as shares of the fitted ones.
STOCK_SHARE, LOST_SHARE, FAULTY_SHARE = 0.15, 0.02, 0.02
SERIAL_PREFIX: Final[dict[str, str]] = {
    DeviceKind.GPS: "GPS",
    DeviceKind.RF: "RF",
    DeviceKind.ALCOHOL: "AAM",
}
DEMO_SOURCE: Final = "probation demo"
_WINDOW = re.compile(r"^(\d{2}):(\d{2})-(\d{2}):(\d{2})")
#: The EM tables, emptied by the reset before the case data (children first).
EM_MODELS: Final[tuple[type[Model], ...]] = (
    LedgerMonth,
    ClaimDay,
    ProviderClaim,
    Alert,
    RuleState,
    DeadLetter,
    DeviceEvent,
    Fix,
    Fitting,
    VictimProximity,
    Device,
    Zone,
    CurfewWindow,
    EmOrder,
    PersonStatus,
)


#: Demo towns (``demo/data.py``) that the base map does not name: (lat, lon) of their centres.
EXTRA_TOWNS: Final = {
    "Crawley": (51.1091, -0.1872),
    "Leamington Spa": (52.2852, -1.5201),
    "Nuneaton": (52.5230, -1.4652),
    "Telford": (52.6784, -2.4453),
}


@functools.cache
def town_centres() -> dict[str, tuple[float, float]]:
    """The towns of the project's base map (``monitoring/static/monitoring/basemap.geojson``)
    and :data:`EXTRA_TOWNS`: name → (lat, lon)."""
    data = json.loads(BASEMAP.read_text())
    return EXTRA_TOWNS | {
        str(f["properties"]["name"]): (
            float(f["geometry"]["coordinates"][1]),
            float(f["geometry"]["coordinates"][0]),
        )
        for f in data["features"]
        if f["properties"].get("kind") == "town"
    }


def _offset(point: tuple[float, float], metres: float, bearing: float) -> tuple[float, float]:
    projection = geo.LocalProjection.around(*point)
    return (
        point[0] + metres * math.cos(bearing) / projection.metres_per_degree_lat,
        point[1] + metres * math.sin(bearing) / projection.metres_per_degree_lon,
    )


def home_point(rng: random.Random, town: str) -> tuple[float, float]:
    """A synthetic address point within 3 km of the town's centre (Birmingham if the town is not
    on the base map)."""
    centre = town_centres().get(town) or town_centres().get("Birmingham", (52.4862, -1.8904))
    return _offset(centre, 3_000 * math.sqrt(rng.random()), rng.uniform(0, 2 * math.pi))


def curfew_timetable(detail: str) -> list[tuple[int, dt.time, dt.time]]:
    """The requirement's windows (``"19:00-07:00, …"``) every night; 19:00 to 07:00 if unreadable."""
    found = _WINDOW.match(detail)
    starts, ends = (dt.time(19), dt.time(7))
    if found:
        h1, m1, h2, m2 = (int(g) for g in found.groups())
        if h1 < 24 and h2 < 24 and m1 < 60 and m2 < 60:
            starts, ends = dt.time(h1, m1), dt.time(h2, m2)
    return [(weekday, starts, ends) for weekday in range(7)]


def exclusion_geometry(rng: random.Random, home: tuple[float, float]) -> dict[str, Any]:
    """A zone 2.5 to 5 km from home: a circle, or (about one in four) a hexagon."""
    centre = _offset(home, rng.uniform(2_500, 5_000), rng.uniform(0, 2 * math.pi))
    if rng.random() >= POLYGON_SHARE:
        radius = float(rng.choice((250, 300, 400, 500, 700)))
        return {"type": "Circle", "coordinates": [centre[1], centre[0]], "radius_m": radius}
    radius = rng.uniform(400, 900)
    turn = rng.uniform(0, math.pi / 3)
    ring = [_offset(centre, radius, turn + k * math.pi / 3) for k in range(6)]
    coordinates = [[round(lon, 6), round(lat, 6)] for lat, lon in ring]
    return {"type": "Polygon", "coordinates": [[*coordinates, coordinates[0]]]}


def _geo_zone(geometry: dict[str, Any]) -> geo.Zone:
    if geometry["type"] == "Circle":
        lon, lat = geometry["coordinates"]
        return geo.circle_zone(lat, lon, geometry["radius_m"])
    return geo.zone_from_geojson(geometry)


def _inside(geometry: dict[str, Any]) -> tuple[float, float]:
    if geometry["type"] == "Circle":
        lon, lat = geometry["coordinates"]
        return lat, lon
    ring = geometry["coordinates"][0][:-1]
    return sum(p[1] for p in ring) / len(ring), sum(p[0] for p in ring) / len(ring)


def telemetry_now(as_of: dt.date) -> dt.datetime:
    """The end of the demo's day of telemetry: now, or midday of a world built for another day."""
    if as_of == timezone.localdate():
        return timezone.now().replace(microsecond=0)
    return dt.datetime.combine(as_of, dt.time(12), tzinfo=rules.LONDON).astimezone(dt.UTC)


@dataclass
class _Draft:
    """One order to write, and what happens to its person and device."""

    case_id: int
    person_id: int
    crn: str
    requirement: Requirement
    starts_on: dt.date
    ends_on: dt.date
    live: bool
    kind: str  # requirement kind
    device_kind: str
    home: tuple[float, float] | None
    address_id: int | None
    windows: list[tuple[int, dt.time, dt.time]] = field(default_factory=list)
    zone: dict[str, Any] | None = None
    zone_name: str = ""
    zone_timetable: list[list[Any]] = field(default_factory=list)
    fitted_at: dt.datetime | None = None
    removed_at: dt.datetime | None = None
    status: tuple[str, dt.datetime, dt.datetime | None] | None = None
    order: EmOrder | None = None
    device: Device | None = None


def _serial(ctx: BuildContext, kind: str) -> str:
    counters = ctx.extra.setdefault("em_serials", {})
    counters[kind] = counters.get(kind, 0) + 1
    return f"{SERIAL_PREFIX.get(kind, 'TAG')}-{counters[kind]:06d}"


def _at_hour(day: dt.date, rng: random.Random, first: int, last: int) -> dt.datetime:
    local = dt.datetime.combine(day, dt.time(rng.randint(first, last), rng.choice((0, 15, 30, 45))))
    return local.replace(tzinfo=rules.LONDON).astimezone(dt.UTC)


def _person_status(
    rng: random.Random, kind: str, month: tuple[dt.date, dt.date]
) -> tuple[str, dt.datetime, dt.datetime | None]:
    day = month[0] + dt.timedelta(days=rng.randint(4, (month[1] - month[0]).days - 4))
    if kind == StatusKind.DECEASED:
        return kind, day_start(day), None
    if kind == StatusKind.REMOVED:
        return kind, _at_hour(day, rng, 5, 9), None
    starts = dt.datetime.combine(day, dt.time(12), tzinfo=rules.LONDON).astimezone(dt.UTC)
    released = rng.random() < 0.5
    ends = _at_hour(day + dt.timedelta(days=rng.randint(3, 12)), rng, 9, 16) if released else None
    return kind, starts, ends


def _device_kind(rng: random.Random, kind: str) -> str:
    if kind == "alcohol_abstinence_monitoring":
        return DeviceKind.ALCOHOL
    if kind == "exclusion" or rng.random() < GPS_CURFEW_SHARE:
        return DeviceKind.GPS
    return DeviceKind.RF


@dataclass
class _ChunkFacts:
    as_of: dt.date
    now: dt.datetime
    last_month: tuple[dt.date, dt.date]
    addresses: dict[int, Address]


def _draft(
    facts: _ChunkFacts, rng: random.Random, requirement: Requirement, case: Any, person: Any
) -> _Draft | None:
    """One requirement's order, or None if it is not monitored (or has no address to be)."""
    starts_on = requirement.starts_on
    if rng.random() >= ORDER_SHARE or starts_on is None:
        return None
    ends_on = requirement.ends_on or starts_on + dt.timedelta(days=120)
    if case.closed_on is not None:
        ends_on = min(ends_on, case.closed_on)
    if ends_on < max(starts_on, facts.last_month[0]):
        return None
    live = ends_on >= facts.as_of and case.status == CaseStatus.ACTIVE
    address = facts.addresses.get(person.pk)
    home = home_point(rng, address.town) if address is not None else None
    kind = requirement.kind
    if kind == "curfew" and home is None:
        return None  # no fixed abode: no curfew address to monitor
    draft = _Draft(
        case.pk, person.pk, person.crn, requirement, starts_on, ends_on, live, kind,
        _device_kind(rng, kind), home, address.pk if address is not None and home else None,
    )  # fmt: skip
    if kind == "curfew":
        draft.windows = curfew_timetable(requirement.detail)
    if kind == "exclusion":
        draft.zone = exclusion_geometry(rng, home or home_point(rng, "Birmingham"))
        draft.zone_name = requirement.detail or "Exclusion zone"
        if rng.random() < 0.2:
            draft.zone_timetable = [[d, "08:00", "20:00"] for d in range(7)]
    recent = (facts.as_of - starts_on).days < 2
    if not (live and recent and rng.random() < UNFITTED_SHARE):
        fitted_at = _at_hour(starts_on, rng, 10, 16)
        if not live:
            draft.removed_at = max(_at_hour(ends_on, rng, 9, 15), fitted_at)
        draft.fitted_at = fitted_at if fitted_at <= facts.now else None
    return draft


def _drafts(ctx: BuildContext, chunk: Chunk, now: dt.datetime) -> list[_Draft]:
    """The chunk's orders: requirements of the EM kinds live at some point since the start of
    last month, most of them monitored; then who of their people dies, is remanded or is
    deported (one status a person)."""
    by_sentence = {s.pk: i for i, s in enumerate(chunk.sentences)}
    last_month = month_days(ctx.as_of.replace(day=1) - dt.timedelta(days=1))
    requirements = (
        Requirement.objects.filter(sentence_id__in=list(by_sentence), kind__in=EM_KINDS)
        .filter(starts_on__lte=ctx.as_of)
        .exclude(ends_on__lt=last_month[0])
        .order_by("sentence_id", "id")
    )
    addresses = {
        a.person_id: a
        for a in Address.objects.filter(
            person_id__in=[p.pk for p in chunk.people], is_main=True, ends_on__isnull=True
        ).order_by("person_id", "-starts_on")
    }
    facts = _ChunkFacts(ctx.as_of, now, last_month, addresses)
    drafts = []
    for requirement in requirements:
        i = by_sentence[requirement.sentence_id]
        rng = ctx.person_rng(chunk.profiles[i].index, _SALT + requirement.pk % 7)
        draft = _draft(facts, rng, requirement, chunk.cases[i], chunk.people[i])
        if draft is not None:
            drafts.append(draft)
    _assign_statuses(ctx, chunk, drafts, last_month)
    return drafts


def _assign_statuses(
    ctx: BuildContext, chunk: Chunk, drafts: list[_Draft], last_month: tuple[dt.date, dt.date]
) -> None:
    """A few people whose tag was fitted before last month and whose order is live die, are
    remanded or are deported during last month (the first chunk has one of each)."""
    forced = set() if chunk.index else {k for k, _ in STATUS_RATES}
    statuses: dict[int, tuple[str, dt.datetime, dt.datetime | None] | None] = {}
    for draft in drafts:
        eligible = draft.fitted_at is not None and draft.fitted_at < day_start(last_month[0])
        if not draft.live or not eligible or draft.person_id in statuses:
            continue
        rng = random.Random(f"{ctx.seed}:status:{draft.person_id}:{draft.crn}")
        statuses[draft.person_id] = None
        for kind, rate in STATUS_RATES:
            if kind in forced or rng.random() < rate:
                forced.discard(kind)
                statuses[draft.person_id] = _person_status(rng, kind, last_month)
                break
    for draft in drafts:
        draft.status = statuses.get(draft.person_id)


def _write_orders(ctx: BuildContext, drafts: list[_Draft]) -> None:
    orders = [
        EmOrder(
            case_id=d.case_id,
            source=OrderSource.REQUIREMENT,
            requirement=d.requirement,
            starts_on=d.starts_on,
            ends_on=d.ends_on,
            status=OrderStatus.ACTIVE if d.live else OrderStatus.ENDED,
            curfew_address_id=d.address_id if d.kind == "curfew" else None,
            curfew_latitude=d.home[0] if d.home and d.kind == "curfew" else None,
            curfew_longitude=d.home[1] if d.home and d.kind == "curfew" else None,
            trail_monitoring=d.device_kind == DeviceKind.GPS,
            alcohol_monitoring=d.device_kind == DeviceKind.ALCOHOL,
            created_at=day_start(d.starts_on),
        )
        for d in drafts
    ]
    created = EmOrder.objects.bulk_create(orders, batch_size=2_000)
    for draft, order in zip(drafts, created, strict=True):
        draft.order = order
    bulk_insert(
        CurfewWindow,
        [
            CurfewWindow(order=d.order, weekday=w, starts=s, ends=e)
            for d in drafts
            for w, s, e in d.windows
        ],
    )
    bulk_insert(
        Zone,
        [
            Zone(
                order=d.order,
                kind=ZoneKind.EXCLUSION,
                name=d.zone_name[:100],
                geometry=d.zone,
                timetable=d.zone_timetable,
            )
            for d in drafts
            if d.zone is not None
        ],
    )
    ctx.counts["em_orders"] += len(created)


def _tag(draft: _Draft, serial: str) -> Tag:
    home = draft.home or (52.4862, -1.8904)
    curfew = tuple(rules.WeeklyWindow(w, s, e) for w, s, e in draft.windows)
    exclusions: tuple[tuple[geo.Zone, rules.Timetable, tuple[float, float]], ...] = ()
    if draft.zone is not None:
        timetable = tuple(
            rules.WeeklyWindow(w, dt.time.fromisoformat(s), dt.time.fromisoformat(e))
            for w, s, e in draft.zone_timetable
        )
        exclusions = ((_geo_zone(draft.zone), timetable, _inside(draft.zone)),)
    return Tag(serial, draft.device_kind, home, 50, curfew, exclusions)


def _silent_from(draft: _Draft) -> dt.datetime | None:
    """When a person's tag stops sending: at their death, removal, or custody (unreleased)."""
    if draft.status is None:
        return None
    kind, starts, ends = draft.status
    return starts if kind != StatusKind.IN_CUSTODY or ends is None else None


def _write_devices_and_telemetry(
    ctx: BuildContext, chunk: Chunk, drafts: list[_Draft], now: dt.datetime, provider: Any
) -> None:
    fitted = [d for d in drafts if d.fitted_at is not None]
    for d in fitted:
        d.device = Device(
            serial=_serial(ctx, d.device_kind),
            kind=d.device_kind,
            state=DeviceState.FITTED if d.removed_at is None else DeviceState.REMOVED,
            provider=provider,
            order=d.order if d.removed_at is None else None,
        )
    sending = [d for d in fitted if d.removed_at is None and _silent_from(d) is None]
    start = now - TELEMETRY_DAY
    plan = plan_run(
        [_tag(d, d.device.serial) for d in sending if d.device is not None],
        start=start,
        duration=TELEMETRY_DAY,
        interval=TELEMETRY_INTERVAL,
        violations=VIOLATIONS,
        batch=3,
        seed=ctx.seed * 1000 + chunk.index,
    )
    last_seen: dict[str, dt.datetime] = {}
    fixes: dict[str, list[FixItem]] = {}
    events: dict[str, list[EventItem]] = {}
    for message in plan.messages:
        fixes.setdefault(message.serial, []).extend(message.fixes)
        events.setdefault(message.serial, []).extend(message.events)
        latest = max(
            [f.recorded_at for f in message.fixes] + [e.recorded_at for e in message.events]
        )
        last_seen[message.serial] = max(latest, last_seen.get(message.serial, latest))
    for d in fitted:
        assert d.device is not None
        silent = _silent_from(d)
        d.device.last_seen_at = last_seen.get(d.device.serial) or silent or d.fitted_at
    devices = Device.objects.bulk_create([d.device for d in fitted if d.device], batch_size=2_000)
    bulk_insert(
        Fitting,
        [
            Fitting(
                device=d.device,
                order=d.order,
                fitted_at=d.fitted_at,
                ended_at=d.removed_at,
                ended_because=DeviceState.REMOVED if d.removed_at else "",
            )
            for d in fitted
            if d.fitted_at is not None
        ],
    )
    by_serial = {device.serial: device for device in devices}
    bulk_insert(
        Fix,
        [
            Fix(
                device=by_serial[serial],
                sequence=f.sequence,
                recorded_at=f.recorded_at,
                received_at=min(f.recorded_at + dt.timedelta(seconds=40), now),
                latitude=f.latitude,
                longitude=f.longitude,
                accuracy_m=f.accuracy_m,
            )
            for serial, items in fixes.items()
            for f in items
        ],
    )
    bulk_insert(
        DeviceEvent,
        [
            DeviceEvent(
                device=by_serial[serial],
                sequence=e.sequence,
                recorded_at=e.recorded_at,
                received_at=min(e.recorded_at + dt.timedelta(seconds=40), now),
                kind=e.kind,
                value=e.value,
            )
            for serial, items in events.items()
            for e in items
        ],
    )
    subjects = sorted(
        (by_serial[s] for s in set(fixes) | set(events)), key=lambda device: device.pk
    )
    ctx.counts["em_alerts_raised"] += detection.judge_new_telemetry(
        devices=subjects,
        fixes={by_serial[s].pk: sorted(i, key=lambda f: f.recorded_at) for s, i in fixes.items()},
        events={by_serial[s].pk: sorted(i, key=lambda e: e.recorded_at) for s, i in events.items()},
        now=now,
    )
    ctx.counts["em_devices"] += len(devices)
    ctx.counts["em_fixes"] += plan.fixes
    ctx.counts["em_device_events"] += plan.events


def _write_statuses(ctx: BuildContext, drafts: list[_Draft]) -> None:
    one_each = {d.person_id: d for d in drafts if d.status is not None}
    with_status = list(one_each.values())
    rows = [
        PersonStatus(
            person_id=d.person_id,
            kind=d.status[0],
            starts_at=d.status[1],
            ends_at=d.status[2],
            source={"deceased": "Death register", "in_custody": "Prison system"}.get(
                d.status[0], "Immigration enforcement"
            ),
        )
        for d in with_status
        if d.status is not None
    ]
    bulk_insert(PersonStatus, rows)
    audit_many(
        AuditRecord(
            action=AuditAction.PERSON_STATUS_RECORDED,
            actor_label=DEMO_SOURCE,
            crn=d.crn,
            details={"kind": d.status[0], "starts_at": d.status[1], "ends_at": d.status[2]},
        )
        for d in with_status
        if d.status is not None
    )
    ctx.counts["em_person_statuses"] += len(rows)


def step_em_orders(ctx: BuildContext, chunk: Chunk) -> None:
    """The chunk's EM orders, devices, statuses and a day of telemetry (see the module)."""
    now = telemetry_now(ctx.as_of)
    drafts = _drafts(ctx, chunk, now)
    if not drafts:
        return
    provider = ctx.ref.organisations["EMS"]
    _write_orders(ctx, drafts)
    _write_statuses(ctx, drafts)
    _write_devices_and_telemetry(ctx, chunk, drafts, now, provider)


# --- Finish ----------------------------------------------------------------------------------


def _spare_devices(ctx: BuildContext) -> None:
    fitted = Device.objects.filter(state=DeviceState.FITTED).count()
    provider = ctx.ref.organisations["EMS"]
    spares = []
    for state, share, least in (
        (DeviceState.IN_STOCK, STOCK_SHARE, 6),
        (DeviceState.LOST, LOST_SHARE, 2),
        (DeviceState.FAULTY, FAULTY_SHARE, 2),
    ):
        for n in range(max(least, round(fitted * share))):
            kind = (DeviceKind.GPS, DeviceKind.RF, DeviceKind.ALCOHOL)[n % 3]
            spares.append(
                Device(serial=_serial(ctx, kind), kind=kind, state=state, provider=provider)
            )
    bulk_insert(Device, spares)
    ctx.counts["em_devices"] += len(spares)


def _alerts_in_every_state(ctx: BuildContext) -> None:
    """About a third of the alerts acknowledged and a third resolved (each outcome in turn), by
    the demo's monitoring operator through the alert services; the rest new. Only the alerts the
    operator may work now are worked: in a world built for another day (``as_of``), the orders
    are not live today and their alerts stay new."""
    operator = ctx.staff.demo.get("monitoring.operator")
    if operator is None:
        return
    outcomes = list(AlertOutcome.values)
    alerts = list(alerts_visible_to(operator).order_by("id"))
    for n, alert in enumerate(alerts):
        if n % 3 == 1:
            alert_acknowledge(alert=alert, by_user=operator, version=alert.version)
        elif n % 3 == 2:
            alert_resolve(
                alert=alert,
                outcome=outcomes[(n // 3) % len(outcomes)],
                note="Spoke to the person and the responsible officer; recorded on the case.",
                by_user=operator,
                version=alert.version,
            )


def claim_lines(month: dt.date) -> bytes:
    """What the provider claims for ``month``: every day a device was on someone (the provider's
    own records), which includes partial days and the days of people the ledger knows were not
    being monitored."""
    first, last = month_days(month)
    fittings = (
        Fitting.objects.filter(fitted_at__lt=day_start(last + dt.timedelta(days=1)))
        .exclude(ended_at__lt=day_start(first))
        .select_related("device")
        .order_by("device__serial", "fitted_at")
    )
    seen: set[tuple[str, dt.date]] = set()
    lines = ["device_serial,day"]
    for fitting in fittings:
        on = max(first, fitting.fitted_at.astimezone(rules.LONDON).date())
        off = last if fitting.ended_at is None else fitting.ended_at.astimezone(rules.LONDON).date()
        while on <= min(off, last):
            if (fitting.device.serial, on) not in seen:
                seen.add((fitting.device.serial, on))
                lines.append(f"{fitting.device.serial},{on.isoformat()}")
            on += dt.timedelta(days=1)
    return ("\n".join(lines) + "\n").encode()


def _last_months_claim(ctx: BuildContext) -> None:
    operator = ctx.staff.demo.get("monitoring.operator")
    month = (ctx.as_of.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    data = claim_lines(month)
    if data.count(b"\n") <= 1:
        return
    claim = claim_reconcile(
        provider=ctx.ref.organisations["EMS"],
        month=month,
        csv_bytes=data,
        file_name=f"ems-claim-{month:%Y-%m}.csv",
        by_user=operator,
    )
    ctx.counts["em_claim_days"] += claim.days_claimed
    ctx.counts["em_claim_days_rejected"] += claim.days_rejected


def _ledger_figures(ctx: BuildContext) -> None:
    """The stored ledger figures the contract managers' totals read, for last month and this
    month, as the nightly ``probation em ledger`` would leave them."""
    this_month = ctx.as_of.replace(day=1)
    last_month = (this_month - dt.timedelta(days=1)).replace(day=1)
    for month in (last_month, this_month):
        ledger_month_record(provider=ctx.ref.organisations["EMS"], month=month, by_user=None)


def step_em_finish(ctx: BuildContext) -> None:
    """Spare devices, the no-signal sweep, alerts in every state, last month's claim and the
    ledger's figures."""
    if ctx.phase:
        ctx.phase("Electronic monitoring: alerts in every state and last month's claim")
    now = telemetry_now(ctx.as_of)
    _spare_devices(ctx)
    ctx.counts["em_alerts_raised"] += detection.no_signal_sweep(now)
    _alerts_in_every_state(ctx)
    _last_months_claim(ctx)
    _ledger_figures(ctx)


def reset_monitoring() -> None:
    """Empty the EM tables (the demo's devices with them), before the case data goes."""
    from django.db import connection

    with connection.cursor() as cursor:
        for model in EM_MODELS:
            table = connection.ops.quote_name(model._meta.db_table)
            cursor.execute(f"DELETE FROM {table}")  # noqa: S608
