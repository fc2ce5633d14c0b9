"""EM orders: making one from a requirement or a condition, its curfew timetable, its zones and
victim proximities, and ending it (``docs/domain/electronic-monitoring.md``, "What is
monitored"; ``docs/domain/sentences.md`` for the requirements an order enforces).

Who: practitioners and allocating managers of the organisation responsible for the case, who
can see it (the same people who change the rest of the case). The monitoring operator fits
devices (:mod:`probation.monitoring.device_services`) but does not make or change orders: an
order is the court's or the licence's words, and the responsible officer carries them over.

Every change locks its row: making an order locks the case (two people making the same order at
once are serialised, and the second is refused as a duplicate); every later change locks the
order row and moves its ``version`` on, so a form shown before someone else's change is refused
with the input kept. Each change is audited with the CRN and the order before and after.

Decided here (for ``docs/adr/0020-electronic-monitoring.md``):

* An order made from a requirement runs within the requirement's own dates when it has them,
  else within its sentence (from the date of sentence to its expected end); one from a licence
  condition within the licence of an active custodial sentence (release to licence end); a bail
  condition needs only the words, and runs at most a year.
* One live order per requirement: a second order for the same requirement is refused while the
  first is active.
* A curfew needs its location (latitude and longitude: the GPS buffer is drawn around it); a
  window may run past midnight; the windows of the week may not overlap; each is at most 20
  hours (``sentences.md``: a curfew of up to 20 hours a day), and the windows starting on one
  day add up to no more than a curfew requirement's hours a day.
* A zone's GeoJSON is checked by :func:`probation.rules.geo.zone_from_geojson`, whose message is
  shown as it is. A circle is stored as ``{"type": "Circle", "coordinates": [lon, lat],
  "radius_m": r}`` (the model's format); a polygon as its bare GeoJSON geometry.
* An order cannot be ended while a device is fitted to it: the device is removed first, so the
  billing ledger never holds a fitting on an ended order.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from itertools import pairwise
from typing import Any, Final

from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone

from probation.core.audit import AuditAction, audit, snapshot
from probation.core.errors import Conflict, InvalidInput
from probation.core.limits import EVENT_DATES, check_date, checked_text, date_in_words
from probation.core.submissions import claim_submission
from probation.courts.models import (
    Disposal,
    Requirement,
    RequirementKind,
    Sentence,
    SentenceStatus,
)
from probation.monitoring.models import (
    CurfewWindow,
    Device,
    DeviceKind,
    DeviceState,
    EmOrder,
    OrderSource,
    OrderStatus,
    VictimProximity,
    Zone,
    ZoneKind,
)
from probation.monitoring.selectors import EM_REQUIREMENT_KINDS, may_make_orders
from probation.people.locking import begin_responsible_change
from probation.people.models import Address, Case, CaseStatus
from probation.people.selectors import ensure_case_visible
from probation.rules import geo
from probation.rules.monitoring import WeeklyWindow

CUSTODIAL_DISPOSALS: Final = (
    Disposal.CUSTODY,
    Disposal.CUSTODY_EXTENDED,
    Disposal.CUSTODY_INDETERMINATE,
)
CONDITION_MAX: Final = 500
ZONE_NAME_MAX: Final = 100
#: A curfew window is at most this long (``sentences.md``: up to 20 hours a day).
MAX_WINDOW_HOURS: Final = 20
#: At most three windows a day.
MAX_WINDOWS: Final = 21
MAX_ZONES: Final = 20
MAX_PROXIMITIES: Final = 10
#: The curfew buffer: wide enough for GPS error, narrow enough to mean "at home".
MIN_CURFEW_BUFFER_M: Final = 10
MAX_CURFEW_BUFFER_M: Final = 1000
MAX_HYSTERESIS_M: Final = 5000
#: A bail condition's order runs at most a year (it is reviewed at each hearing).
MAX_BAIL_DAYS: Final = 366
WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
_WEEK_MINUTES: Final = 7 * 24 * 60

REFUSAL: Final = (
    "Only practitioners and managers of the organisation responsible for the case make and "
    "change its electronic monitoring orders."
)
ORDER_CHANGED_MEANWHILE: Final = (
    "Someone else changed this order while you were working on it. Check the order, then "
    "submit again: what you entered has been kept."
)
ORDER_FIELDS: Final = [
    "case_id",
    "source",
    "requirement_id",
    "condition",
    "starts_on",
    "ends_on",
    "status",
    "curfew_address_id",
    "curfew_latitude",
    "curfew_longitude",
    "curfew_buffer_m",
    "trail_monitoring",
    "alcohol_monitoring",
    "version",
]


# -- checks -----------------------------------------------------------------------------------


def _order_snapshot(order: EmOrder) -> dict[str, Any]:
    return {
        **snapshot(order, ORDER_FIELDS),
        "curfew_windows": [
            [w.weekday, f"{w.starts:%H:%M}", f"{w.ends:%H:%M}"] for w in order.curfew_windows.all()
        ],
        "zones": [
            {"id": z.id, "kind": z.kind, "name": z.name, "buffer_m": z.buffer_m}
            for z in order.zones.all()
        ],
        "proximities": [
            {"id": p.id, "radius_m": p.radius_m, "victim_device_id": p.victim_device_id}
            for p in order.proximities.all()
        ],
    }


def _sentence_ends_on(sentence: Sentence) -> dt.date | None:
    """The last day of a community sentence: its expected end, else from its length."""
    if sentence.expected_end_date:
        return sentence.expected_end_date
    if sentence.supervision_end:
        return sentence.supervision_end
    if sentence.length_days:
        return sentence.sentence_date + dt.timedelta(days=sentence.length_days - 1)
    return None


def _requirement_period(requirement: Requirement) -> tuple[dt.date, dt.date | None]:
    sentence = requirement.sentence
    return (
        requirement.starts_on or sentence.sentence_date,
        requirement.ends_on or _sentence_ends_on(sentence),
    )


def _check_requirement(case: Case, requirement: Any) -> Requirement:
    if not isinstance(requirement, Requirement):
        raise InvalidInput("Choose the requirement the order enforces", field="requirement")
    found = (
        Requirement.objects.select_related("sentence")
        .filter(
            pk=requirement.pk,
            sentence__case_id=case.pk,
            sentence__status=SentenceStatus.ACTIVE,
        )
        .first()
    )
    if found is None:
        raise InvalidInput(
            "Choose a requirement of one of this person's active sentences", field="requirement"
        )
    if found.kind not in EM_REQUIREMENT_KINDS:
        raise InvalidInput(
            f"An electronic monitoring order enforces a curfew, exclusion or alcohol abstinence "
            f"monitoring requirement, not {found.get_kind_display().lower()}",
            field="requirement",
        )
    return found


def _licence_period(case: Case) -> tuple[dt.date, dt.date | None]:
    sentence = (
        Sentence.objects.filter(
            case_id=case.pk,
            status=SentenceStatus.ACTIVE,
            disposal__in=CUSTODIAL_DISPOSALS,
            release_date__isnull=False,
        )
        .order_by("-sentence_date", "-id")
        .first()
    )
    if sentence is None or sentence.release_date is None:
        raise InvalidInput(
            "This person has no active custodial sentence with a release date, so there is no "
            "licence for the condition to belong to",
            field="source",
        )
    return sentence.release_date, sentence.licence_end or sentence.sentence_expiry_date


def _check_dates(starts_on: Any, ends_on: Any, period: tuple[dt.date, dt.date | None]) -> None:
    check_date(starts_on, EVENT_DATES, field="starts_on", label="start date")
    check_date(ends_on, EVENT_DATES, field="ends_on", label="end date")
    if ends_on < starts_on:
        raise InvalidInput(
            "The end date must be the same as or after the start date", field="ends_on"
        )
    first, last = period
    if starts_on < first:
        raise InvalidInput(
            f"The order cannot start before {date_in_words(first)}, when the sentence or "
            "requirement starts",
            field="starts_on",
        )
    if last is not None and ends_on > last:
        raise InvalidInput(
            f"The order cannot end after {date_in_words(last)}, when the sentence or "
            "requirement ends",
            field="ends_on",
        )


def _check_location(case: Case, address: Any, latitude: Any, longitude: Any, buffer_m: Any) -> None:
    if address is not None and not (
        isinstance(address, Address) and address.person_id == case.person_id
    ):
        raise InvalidInput("Choose one of this person's addresses", field="curfew_address")
    if (latitude is None) != (longitude is None):
        raise InvalidInput("Enter both the latitude and the longitude", field="curfew_latitude")
    if latitude is not None:
        try:
            geo.circle_zone(latitude, longitude, 0)
        except ValueError:
            raise InvalidInput(
                "Enter the curfew location as a latitude between -90 and 90 and a longitude "
                "between -180 and 180, like 53.4084 and -2.9916",
                field="curfew_latitude",
            ) from None
    if (
        isinstance(buffer_m, bool)
        or not isinstance(buffer_m, int)
        or not MIN_CURFEW_BUFFER_M <= buffer_m <= MAX_CURFEW_BUFFER_M
    ):
        raise InvalidInput(
            f"The curfew buffer must be a whole number of metres from {MIN_CURFEW_BUFFER_M} to "
            f"{MAX_CURFEW_BUFFER_M:,}",
            field="curfew_buffer_m",
        )


def _lock_order(
    order: EmOrder, by_user: Any, expected_version: int | None, submission_token: str
) -> EmOrder:
    """Check the user may change the order's case, claim the submission, lock the order row,
    refuse a stale form, move the version on; an ended order is refused."""
    if not may_make_orders(by_user, order.case):
        raise PermissionDenied(REFUSAL)
    ensure_case_visible(by_user, order.case)
    claim_submission(user=by_user, token=submission_token)
    locked = EmOrder.objects.select_for_update().select_related("case__person").get(pk=order.pk)
    if locked.case.responsible_organisation_id != by_user.organisation_id:
        raise PermissionDenied("The case has moved to another organisation.")
    if expected_version is not None and locked.version != expected_version:
        raise Conflict(ORDER_CHANGED_MEANWHILE)
    if locked.status != OrderStatus.ACTIVE:
        raise InvalidInput(
            f"This order is {locked.get_status_display().lower()}: it cannot be changed"
        )
    locked.version += 1
    EmOrder.objects.filter(pk=locked.pk).update(version=locked.version)
    order.version = locked.version
    return locked


def _audit_change(
    by_user: Any, order: EmOrder, before: dict[str, Any], change: str, **details: Any
) -> None:
    audit(
        by_user,
        AuditAction.EM_ORDER_CHANGED,
        order,
        crn=order.case.person.crn,
        before=before,
        after=_order_snapshot(order),
        details={"change": change, **details},
    )


# -- making an order --------------------------------------------------------------------------


def _what_it_enforces(
    case: Case,
    source: str,
    requirement: Any,
    condition: str,
    starts_on: Any,
    curfew_latitude: float | None,
) -> tuple[Requirement | None, str, tuple[dt.date, dt.date | None]]:
    """The requirement (or None), the words, and the period the order must fall within."""
    period: tuple[dt.date, dt.date | None]
    if source not in OrderSource.values:
        raise InvalidInput("Choose what the order enforces", field="source")
    if source == OrderSource.REQUIREMENT:
        found = _check_requirement(case, requirement)
        condition = checked_text(
            condition, field="condition", label="the note", max_length=CONDITION_MAX, required=False
        )
        period = _requirement_period(found)
        if found.kind == RequirementKind.CURFEW and curfew_latitude is None:
            raise InvalidInput(
                "A curfew needs its location: enter the latitude and longitude of the curfew "
                "address",
                field="curfew_latitude",
            )
        if EmOrder.objects.filter(requirement=found, status=OrderStatus.ACTIVE).exists():
            raise InvalidInput(
                "This requirement already has an active electronic monitoring order: change "
                "that order instead",
                field="requirement",
            )
    else:
        if requirement is not None:
            raise InvalidInput(
                "A licence or bail condition's order does not name a requirement",
                field="requirement",
            )
        found = None
        condition = checked_text(
            condition,
            field="condition",
            label="the words of the condition",
            max_length=CONDITION_MAX,
        )
        if source == OrderSource.LICENCE_CONDITION:
            period = _licence_period(case)
        else:
            if isinstance(starts_on, dt.date) and not isinstance(starts_on, dt.datetime):
                period = (starts_on, starts_on + dt.timedelta(days=MAX_BAIL_DAYS - 1))
            else:
                period = (EVENT_DATES.earliest, None)
    return found, condition, period


@transaction.atomic
def em_order_create(
    *,
    case: Case,
    source: str,
    requirement: Requirement | None = None,
    condition: str = "",
    starts_on: dt.date,
    ends_on: dt.date,
    curfew_address: Address | None = None,
    curfew_latitude: float | None = None,
    curfew_longitude: float | None = None,
    curfew_buffer_m: int = 50,
    trail_monitoring: bool = False,
    alcohol_monitoring: bool = False,
    curfew_windows: Sequence[Any] = (),
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> EmOrder:
    """Make an EM order on ``case`` enforcing ``requirement`` (``source`` "requirement") or the
    words of a licence or bail ``condition``. A curfew requirement needs its location; an
    alcohol abstinence monitoring requirement is always alcohol-monitored. ``curfew_windows``
    (optional) are the weekly timetable, as :func:`em_curfew_windows_set` takes them."""
    locked = begin_responsible_change(
        case=case,
        by_user=by_user,
        allowed=may_make_orders(by_user, case),
        refusal=REFUSAL,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    if locked.status != CaseStatus.ACTIVE:
        raise InvalidInput("The case is closed: open it again before making an order")
    found, condition, period = _what_it_enforces(
        locked, source, requirement, condition, starts_on, curfew_latitude
    )
    if found is not None and found.kind == RequirementKind.ALCOHOL_ABSTINENCE_MONITORING:
        alcohol_monitoring = True
    _check_dates(starts_on, ends_on, period)
    _check_location(locked, curfew_address, curfew_latitude, curfew_longitude, curfew_buffer_m)
    if curfew_windows and curfew_latitude is None:
        raise InvalidInput(
            "Curfew windows need the curfew location: enter its latitude and longitude",
            field="curfew_latitude",
        )
    hours = found.amount if found is not None and found.kind == RequirementKind.CURFEW else None
    windows = _check_curfew_windows(curfew_windows, hours_a_day=hours)
    order = EmOrder.objects.create(
        case=locked,
        source=source,
        requirement=found,
        condition=condition,
        starts_on=starts_on,
        ends_on=ends_on,
        curfew_address=curfew_address,
        curfew_latitude=curfew_latitude,
        curfew_longitude=curfew_longitude,
        curfew_buffer_m=curfew_buffer_m,
        trail_monitoring=bool(trail_monitoring),
        alcohol_monitoring=bool(alcohol_monitoring),
        created_by=by_user,
    )
    CurfewWindow.objects.bulk_create(
        CurfewWindow(order=order, weekday=w.weekday, starts=w.starts, ends=w.ends) for w in windows
    )
    audit(
        by_user,
        AuditAction.EM_ORDER_CREATED,
        order,
        crn=locked.person.crn,
        after=_order_snapshot(order),
    )
    return order


# -- the curfew timetable ---------------------------------------------------------------------


def _window(item: Any, index: int) -> WeeklyWindow:
    if isinstance(item, WeeklyWindow):
        return item
    try:
        weekday, starts, ends = item
        window = WeeklyWindow(int(weekday), starts, ends)
    except (TypeError, ValueError):
        raise InvalidInput(f"Window {index + 1}: enter a day, a start and an end time") from None
    return window


def _minutes(window: WeeklyWindow) -> tuple[int, int]:
    """The window's start in minutes from Monday 00:00, and its length in minutes."""
    start = window.starts.hour * 60 + window.starts.minute
    end = window.ends.hour * 60 + window.ends.minute
    length = end - start if end > start else end + 24 * 60 - start
    return window.weekday * 24 * 60 + start, length


def _check_curfew_windows(
    windows: Iterable[Any], *, hours_a_day: int | None = None
) -> list[WeeklyWindow]:
    """The curfew windows, checked: no two overlap in the week (a window past midnight included),
    none is longer than 20 hours, and those starting on one day add up to at most
    ``hours_a_day`` (the curfew requirement's) when given."""
    checked = [_window(item, i) for i, item in enumerate(windows)]
    if len(checked) > MAX_WINDOWS:
        raise InvalidInput(f"A curfew has at most {MAX_WINDOWS} windows a week", field="windows")
    limit = min(MAX_WINDOW_HOURS, hours_a_day or MAX_WINDOW_HOURS) * 60
    spans = []
    per_day = [0] * 7
    for window in checked:
        start, length = _minutes(window)
        if length > MAX_WINDOW_HOURS * 60:
            raise InvalidInput(
                f"The {window} window is longer than {MAX_WINDOW_HOURS} hours: a curfew is at "
                f"most {MAX_WINDOW_HOURS} hours a day (a window ending at or before its start "
                "runs past midnight)",
                field="windows",
            )
        per_day[window.weekday] += length
        spans.append((start, start + length, window))
    for day, minutes in enumerate(per_day):
        if minutes > limit:
            raise InvalidInput(
                f"The curfew windows starting on {WEEKDAYS[day]} add up to {minutes / 60:g} "
                f"hours: the requirement allows {limit // 60} hours a day",
                field="windows",
            )
    spans.sort(key=lambda s: s[0])
    for (_, end, first), (start, _, second) in pairwise(spans):
        if start < end:
            raise InvalidInput(f"The {first} and {second} windows overlap", field="windows")
    if spans and spans[-1][1] - _WEEK_MINUTES > spans[0][0]:
        raise InvalidInput(f"The {spans[-1][2]} and {spans[0][2]} windows overlap", field="windows")
    return sorted(checked, key=lambda w: (w.weekday, w.starts))


@transaction.atomic
def em_curfew_windows_set(
    *,
    order: EmOrder,
    windows: Sequence[Any],
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> list[CurfewWindow]:
    """Replace the order's weekly curfew timetable with ``windows`` (``WeeklyWindow``s or
    ``(weekday, starts, ends)``); an empty list removes the curfew's windows."""
    locked = _lock_order(order, by_user, expected_version, submission_token)
    if locked.curfew_latitude is None and windows:
        raise InvalidInput(
            "This order has no curfew location, so it cannot have curfew windows",
            field="windows",
        )
    hours = None
    if locked.requirement_id is not None:
        requirement = Requirement.objects.get(pk=locked.requirement_id)
        if requirement.kind == RequirementKind.CURFEW:
            hours = requirement.amount
    checked = _check_curfew_windows(windows, hours_a_day=hours)
    before = _order_snapshot(locked)
    locked.curfew_windows.all().delete()
    created = CurfewWindow.objects.bulk_create(
        CurfewWindow(order=locked, weekday=w.weekday, starts=w.starts, ends=w.ends) for w in checked
    )
    _audit_change(by_user, locked, before, "curfew windows")
    return created


# -- zones ------------------------------------------------------------------------------------


def _timetable(value: Any) -> list[list[Any]]:
    """A zone's timetable as stored: ``[[weekday, "HH:MM", "HH:MM"], ...]``."""
    if not value:
        return []
    windows = _check_timetable(value)
    return [[w.weekday, f"{w.starts:%H:%M}", f"{w.ends:%H:%M}"] for w in windows]


def _check_timetable(value: Iterable[Any]) -> list[WeeklyWindow]:
    """A zone's timetable: windows like a curfew's, given as ``WeeklyWindow``s or
    ``(weekday, starts, ends)`` with times or "HH:MM" text. Any length up to a whole day."""
    windows = []
    for i, item in enumerate(value):
        if isinstance(item, WeeklyWindow):
            windows.append(item)
            continue
        try:
            weekday, starts, ends = item
            times = [
                t if isinstance(t, dt.time) else dt.time.fromisoformat(str(t)[:5])
                for t in (starts, ends)
            ]
            windows.append(WeeklyWindow(int(weekday), times[0], times[1]))
        except (TypeError, ValueError):
            raise InvalidInput(
                f"Timetable window {i + 1}: enter a day, a start and an end time", field="timetable"
            ) from None
    if len(windows) > MAX_WINDOWS:
        raise InvalidInput(f"A timetable has at most {MAX_WINDOWS} windows", field="timetable")
    return windows


def _geometry(geojson: str | Mapping[str, Any], buffer_m: Any) -> dict[str, Any]:
    """The zone's geometry as stored, checked by the rules (their message, as it is)."""
    if isinstance(buffer_m, bool) or not isinstance(buffer_m, int) or buffer_m < 0:
        raise InvalidInput(
            "The buffer must be a whole number of metres, 0 or more", field="buffer_m"
        )
    try:
        geo.zone_from_geojson(geojson, buffer_m=buffer_m)
    except RecursionError:
        # json.loads of thousands of nested brackets: never a 500 (the rules raise it as is).
        raise InvalidInput(
            "The GeoJSON is nested too deeply to be a zone", field="geojson"
        ) from None
    except ValueError as error:
        raise InvalidInput(
            f"The GeoJSON is not a zone we can use: {error}", field="geojson"
        ) from None
    data: Any = json.loads(geojson) if isinstance(geojson, str) else dict(geojson)
    if data.get("type") == "Feature":
        radius = (data.get("properties") or {}).get("radius_m")
        data = dict(data["geometry"])
        if radius is not None:
            data["radius_m"] = radius
    if data["type"] == "Point":
        return {
            "type": "Circle",
            "coordinates": [float(data["coordinates"][0]), float(data["coordinates"][1])],
            "radius_m": float(data["radius_m"]),
        }
    return {"type": data["type"], "coordinates": data["coordinates"]}


@transaction.atomic
def em_zone_add(
    *,
    order: EmOrder,
    kind: str,
    name: str,
    geojson: str | Mapping[str, Any],
    buffer_m: int = 0,
    timetable: Sequence[Any] = (),
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> Zone:
    """Add an exclusion or inclusion zone to the order: a GeoJSON polygon or multipolygon, or a
    circle (a Point with ``properties.radius_m``), widened by ``buffer_m``, in force during
    ``timetable`` (empty: always)."""
    locked = _lock_order(order, by_user, expected_version, submission_token)
    if kind not in ZoneKind.values:
        raise InvalidInput("Choose an exclusion or an inclusion zone", field="kind")
    name = checked_text(name, field="name", label="the zone's name", max_length=ZONE_NAME_MAX)
    if locked.zones.count() >= MAX_ZONES:
        raise InvalidInput(f"An order has at most {MAX_ZONES} zones", field="name")
    geometry = _geometry(geojson, buffer_m)
    stored_timetable = _timetable(timetable)
    before = _order_snapshot(locked)
    zone = Zone.objects.create(
        order=locked,
        kind=kind,
        name=name,
        geometry=geometry,
        buffer_m=buffer_m,
        timetable=stored_timetable,
    )
    _audit_change(by_user, locked, before, "zone added", zone=snapshot(zone))
    return zone


@transaction.atomic
def em_zone_remove(
    *,
    zone: Zone,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> None:
    """Remove a zone from its order; the audit event keeps its geometry."""
    locked = _lock_order(zone.order, by_user, expected_version, submission_token)
    found = Zone.objects.filter(pk=zone.pk, order=locked).first()
    if found is None:
        raise InvalidInput("This zone has already been removed")
    before = _order_snapshot(locked)
    removed = snapshot(found)
    found.delete()
    _audit_change(by_user, locked, before, "zone removed", zone=removed)


def _check_proximity(
    victim_device: Device | None,
    latitude: float | None,
    longitude: float | None,
    radius_m: Any,
    hysteresis_m: Any,
) -> None:
    if (victim_device is None) == (latitude is None and longitude is None):
        raise InvalidInput(
            "Give either the victim's device or the place to protect, not both", field="latitude"
        )
    if victim_device is not None and victim_device.kind != DeviceKind.VICTIM:
        raise InvalidInput("Choose a victim's device", field="victim_device")
    if victim_device is not None and victim_device.state in (DeviceState.LOST, DeviceState.FAULTY):
        raise InvalidInput(
            f"The victim's device is {victim_device.get_state_display().lower()}",
            field="victim_device",
        )
    for name, value, maximum in (
        ("radius_m", radius_m, geo.MAX_ZONE_RADIUS_M),
        ("hysteresis_m", hysteresis_m, MAX_HYSTERESIS_M),
    ):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= maximum:
            raise InvalidInput(
                f"The {'radius' if name == 'radius_m' else 'hysteresis'} must be a whole number "
                f"of metres from 0 to {maximum:,.0f}",
                field=name,
            )
    if radius_m == 0:
        raise InvalidInput("The radius must be more than 0 metres", field="radius_m")
    if latitude is not None or longitude is not None:
        if latitude is None or longitude is None:
            raise InvalidInput("Enter both the latitude and the longitude", field="latitude")
        try:
            geo.circle_zone(latitude, longitude, radius_m)
        except ValueError as error:
            raise InvalidInput(
                f"The place is not one we can use: {error}", field="latitude"
            ) from None


@transaction.atomic
def em_proximity_add(
    *,
    order: EmOrder,
    radius_m: int,
    hysteresis_m: int = 100,
    victim_device: Device | None = None,
    latitude: float | None = None,
    longitude: float | None = None,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> VictimProximity:
    """Protect a victim: their own device or a fixed place, with an exclusion radius and a
    hysteresis margin (the alert clears only beyond radius + hysteresis)."""
    locked = _lock_order(order, by_user, expected_version, submission_token)
    _check_proximity(victim_device, latitude, longitude, radius_m, hysteresis_m)
    if locked.proximities.count() >= MAX_PROXIMITIES:
        raise InvalidInput(f"An order protects at most {MAX_PROXIMITIES} victims", field="radius_m")
    before = _order_snapshot(locked)
    proximity = VictimProximity.objects.create(
        order=locked,
        victim_device=victim_device,
        latitude=latitude,
        longitude=longitude,
        radius_m=radius_m,
        hysteresis_m=hysteresis_m,
    )
    _audit_change(by_user, locked, before, "victim proximity added", proximity=snapshot(proximity))
    return proximity


# -- ending -----------------------------------------------------------------------------------


@transaction.atomic
def em_order_end(
    *,
    order: EmOrder,
    on: dt.date,
    by_user: Any,
    expected_version: int | None = None,
    submission_token: str = "",
) -> EmOrder:
    """End the order on ``on`` (its last day). Refused while a device is fitted to it: remove
    the device first, so that the ledger never has a fitting on an ended order."""
    locked = _lock_order(order, by_user, expected_version, submission_token)
    fitted = list(Device.objects.filter(order=locked, state=DeviceState.FITTED).order_by("serial"))
    if fitted:
        names = ", ".join(f"{d.get_kind_display().lower()} {d.serial}" for d in fitted)
        raise InvalidInput(
            f"A device is still fitted to this order ({names}): the monitoring provider must "
            "remove it before the order ends",
            field="on",
        )
    check_date(on, EVENT_DATES, field="on", label="end date")
    if not locked.starts_on <= on <= locked.ends_on:
        raise InvalidInput(
            f"The order can end from {date_in_words(locked.starts_on)} to "
            f"{date_in_words(locked.ends_on)}",
            field="on",
        )
    last_removal = locked.fittings.filter(ended_at__isnull=False).order_by("-ended_at").first()
    if last_removal is not None and last_removal.ended_at is not None:
        removed_on = timezone.localdate(last_removal.ended_at)
        if on < removed_on:
            raise InvalidInput(
                f"A device was fitted until {date_in_words(removed_on)}: the order cannot end "
                "before then",
                field="on",
            )
    before = _order_snapshot(locked)
    locked.status = OrderStatus.ENDED
    locked.ends_on = on
    locked.save(update_fields=["status", "ends_on"])
    audit(
        by_user,
        AuditAction.EM_ORDER_ENDED,
        locked,
        crn=locked.case.person.crn,
        before=before,
        after=_order_snapshot(locked),
    )
    return locked
