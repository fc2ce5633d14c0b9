"""Electronic monitoring: curfew timetables, and the alerts raised by fixes and device events.

Spec: ``docs/domain/electronic-monitoring.md`` (sections "What is monitored", "Telemetry" and
"Alerts"). Zones and distances come from :mod:`probation.rules.geo`.

Why a state machine and not a check per fix: "whether a person entered or left a zone is
decided against their last known state, so that one violation raises one alert rather than one
per fix". And uploads arrive late and out of order after a gap in signal, so each fix is judged
against the zones and windows in force *at its own time*, and a late fix must not disturb what
is known about the present.

How it works. For each rule a subject has a state (:class:`ZoneState`, :class:`CurfewState`,
:class:`DeviceState`): the recent observations in time order, each marked violating or not, and
whether its episode has raised its alert and its closing event. New observations, in any order,
are inserted at their own time; an *episode* is a run of violating observations in time order.
An episode raises one alert, at its first observation, and one closing event, at the first
compliant observation after it. So:

* a fix entering a zone after a fix outside it opens an episode (one alert); further fixes
  inside join it (no alert); the first fix outside closes it;
* a late violating fix that falls inside or next to a known episode joins it (no alert); one that
  falls among compliant fixes is an episode of its own: an alert and, since a later compliant fix
  is already known, its closing event;
* a late compliant fix between two violating fixes does not split their episode (no second
  alert for one violation);
* a duplicated fix (a sequence number already seen) is ignored;
* the present state is the latest observation's, which a late fix never replaces.

Curfews are judged per *window occurrence* (one night's window): one ``curfew_absent`` alert per
occurrence however many fixes show the absence. A GPS fix outside the address buffer during a
window is an absence; a fix timed outside every window never is. An RF home unit reports whether
the tag is in range when the status changes and as a heartbeat: the tag is absent from an
out-of-range report until the next report, so leaving at 18:50 and coming back at 19:30 for a
window from 19:00 is an absence (at 19:00), reported when the 19:30 report arrives.

Decided here (for the monitoring ADR): windows are in Europe/London wall-clock time, start
included and end excluded, and a window whose end is not after its start runs past midnight (the
same start and end is 24 hours); on the nights the clocks change a 19:00 to 07:00 window is 11 or 13
hours long. An empty timetable means "always" for a zone; a curfew needs at least one window.
Victim proximity alerts at a distance up to and including the radius (the same "boundary is
inside" rule as the zones) and clears only beyond the radius plus the hysteresis. States keep
their observations until :func:`prune` drops those older than the caller's horizon; a fix older
than the horizon is then judged as if new.
"""

from __future__ import annotations

import bisect
import datetime as _dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any, Final, TypeVar, overload
from zoneinfo import ZoneInfo

import numpy as np

from probation.rules import _validate, geo
from probation.rules.dates import in_words

__all__ = [
    "ALERT_KINDS",
    "CLOSING_KINDS",
    "DEVICE_EVENT_KINDS",
    "LONDON",
    "MAX_BATCH",
    "CurfewRule",
    "CurfewState",
    "DeviceEvent",
    "DeviceState",
    "Fix",
    "MonitoringEvent",
    "Occurrence",
    "ProximityRule",
    "RangeReport",
    "Timetable",
    "WeeklyWindow",
    "ZoneRule",
    "ZoneState",
    "in_force",
    "judge_device_events",
    "judge_fixes",
    "occurrence_at",
    "occurrences_between",
    "prune",
    "signal_overdue",
]

LONDON: Final = ZoneInfo("Europe/London")
_UTC: Final = _dt.UTC
_ONE_DAY: Final = _dt.timedelta(days=1)
MAX_BATCH: Final = 200_000
_WEEKDAYS: Final = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")

#: Alerts, and the events that close their episodes.
ALERT_KINDS: Final = (
    "exclusion_entered",
    "inclusion_left",
    "curfew_absent",
    "victim_proximity",
    "tamper",
    "battery_low",
)
CLOSING_KINDS: Final = (
    "exclusion_left",
    "inclusion_returned",
    "victim_proximity_cleared",
    "tamper_cleared",
    "battery_charging",
)
DEVICE_EVENT_KINDS: Final = ("strap_tamper", "strap_restored", "battery_low", "charging")


def _aware(field: str, value: Any) -> None:
    if not isinstance(value, _dt.datetime) or value.utcoffset() is None:
        raise ValueError(f"{field}: must be a datetime with a time zone, got {value!r:.60}")


def _when(at: _dt.datetime) -> str:
    local = at.astimezone(LONDON)
    return f"{local:%H:%M} on {in_words(local.date())}"


# ---- timetables ----------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class WeeklyWindow:
    """A weekly window in Europe/London wall-clock time: from ``starts`` on ``weekday`` (0 is
    Monday) to ``ends``, on the next day when ``ends`` is not after ``starts``."""

    weekday: int
    starts: _dt.time
    ends: _dt.time

    def __post_init__(self) -> None:
        _validate.integer("weekday", self.weekday, minimum=0, maximum=6)
        for name in ("starts", "ends"):
            value = getattr(self, name)
            if not isinstance(value, _dt.time) or value.tzinfo is not None:
                raise ValueError(f"{name}: must be a time without a time zone, got {value!r}")

    @property
    def runs_past_midnight(self) -> bool:
        return self.ends <= self.starts

    def __str__(self) -> str:
        return f"{_WEEKDAYS[self.weekday]} {self.starts:%H:%M} to {self.ends:%H:%M}"


Timetable = tuple[WeeklyWindow, ...]


def _check_timetable(field: str, timetable: Any) -> None:
    if not isinstance(timetable, tuple) or not all(isinstance(w, WeeklyWindow) for w in timetable):
        raise ValueError(f"{field}: must be a tuple of WeeklyWindow")
    if len(timetable) > 100:
        raise ValueError(f"{field}: at most 100 windows, got {len(timetable)}")


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One occurrence of a window: the window, the local date it starts on, and its start
    (included) and end (excluded) as UTC instants."""

    window: WeeklyWindow
    on: _dt.date
    starts: _dt.datetime
    ends: _dt.datetime

    def __str__(self) -> str:
        return (
            f"the window from {self.window.starts:%H:%M} to {self.window.ends:%H:%M} starting "
            f"on {_WEEKDAYS[self.on.weekday()]} {in_words(self.on)}"
        )


def _occurrence(window: WeeklyWindow, on: _dt.date) -> Occurrence:
    end_day = on + _ONE_DAY if window.runs_past_midnight else on
    return Occurrence(
        window,
        on,
        _dt.datetime.combine(on, window.starts, tzinfo=LONDON).astimezone(_UTC),
        _dt.datetime.combine(end_day, window.ends, tzinfo=LONDON).astimezone(_UTC),
    )


def occurrence_at(timetable: Timetable, at: _dt.datetime) -> Occurrence | None:
    """The window occurrence in force at instant ``at`` (None if none is).

    >>> friday_night = (WeeklyWindow(4, _dt.time(19), _dt.time(7)),)
    >>> str(occurrence_at(friday_night, _dt.datetime(2026, 3, 7, 6, 59, tzinfo=_UTC)))
    'the window from 19:00 to 07:00 starting on Friday 6 March 2026'
    >>> occurrence_at(friday_night, _dt.datetime(2026, 3, 7, 7, 0, tzinfo=_UTC)) is None
    True
    """
    _check_timetable("timetable", timetable)
    _aware("at", at)
    today = at.astimezone(LONDON).date()
    instant = at.astimezone(_UTC)
    for on in (today - _ONE_DAY, today):
        for window in timetable:
            if window.weekday == on.weekday():
                occurrence = _occurrence(window, on)
                if occurrence.starts <= instant < occurrence.ends:
                    return occurrence
    return None


def in_force(timetable: Timetable, at: _dt.datetime) -> bool:
    """Whether the timetable is in force at ``at``: always when it is empty."""
    return not timetable or occurrence_at(timetable, at) is not None


def occurrences_between(
    timetable: Timetable, start: _dt.datetime, end: _dt.datetime
) -> list[Occurrence]:
    """The occurrences that overlap ``[start, end]``, earliest first (at most 400 days apart)."""
    _check_timetable("timetable", timetable)
    _aware("start", start)
    _aware("end", end)
    if end < start or end - start > _dt.timedelta(days=400):
        raise ValueError("end: must be after start and within 400 days of it")
    found = []
    on = start.astimezone(LONDON).date() - _ONE_DAY
    last = end.astimezone(LONDON).date()
    while on <= last:
        for window in timetable:
            if window.weekday == on.weekday():
                occurrence = _occurrence(window, on)
                if occurrence.starts <= end and start < occurrence.ends:
                    found.append(occurrence)
        on += _ONE_DAY
    return sorted(found, key=lambda o: o.starts)


# ---- inputs and outputs --------------------------------------------------------------------


def _check_sequence_and_time(sequence: Any, at: Any) -> None:
    _validate.integer("sequence", sequence, minimum=0)
    _aware("at", at)


@dataclass(frozen=True, slots=True)
class Fix:
    """A GPS position fix: the device's sequence number, when it was taken, where."""

    sequence: int
    at: _dt.datetime
    lat: float
    lon: float

    def __post_init__(self) -> None:
        _check_sequence_and_time(self.sequence, self.at)
        _validate.number("lat", self.lat, minimum=-90, maximum=90)
        _validate.number("lon", self.lon, minimum=-180, maximum=180)


@dataclass(frozen=True, slots=True)
class RangeReport:
    """An RF home unit's report: whether the tag is in range of it."""

    sequence: int
    at: _dt.datetime
    in_range: bool

    def __post_init__(self) -> None:
        _check_sequence_and_time(self.sequence, self.at)
        _validate.boolean("in_range", self.in_range)


@dataclass(frozen=True, slots=True)
class DeviceEvent:
    """A device event: strap tamper or restored, battery low or charging."""

    sequence: int
    at: _dt.datetime
    kind: str

    def __post_init__(self) -> None:
        _check_sequence_and_time(self.sequence, self.at)
        _validate.choice("kind", self.kind, DEVICE_EVENT_KINDS)


@dataclass(frozen=True, slots=True)
class MonitoringEvent:
    """An alert or the closing of one: its kind, the time and sequence of the observation that
    decided it, and why, in words."""

    kind: str
    at: _dt.datetime
    sequence: int
    reason: str

    def __post_init__(self) -> None:
        _validate.choice("kind", self.kind, ALERT_KINDS + CLOSING_KINDS)


# ---- rules ---------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ZoneRule:
    """An exclusion or inclusion zone, applying during ``timetable`` (empty: always)."""

    kind: str
    zone: geo.Zone
    timetable: Timetable = ()

    def __post_init__(self) -> None:
        _validate.choice("kind", self.kind, ("exclusion", "inclusion"))
        if not isinstance(self.zone, geo.Zone):
            raise ValueError("zone: must be a geo.Zone")
        _check_timetable("timetable", self.timetable)


@dataclass(frozen=True, slots=True)
class CurfewRule:
    """A curfew: its windows, and the address buffer for GPS (None: monitored by an RF unit)."""

    timetable: Timetable
    address: geo.Zone | None = None

    def __post_init__(self) -> None:
        _check_timetable("timetable", self.timetable)
        if not self.timetable:
            raise ValueError("timetable: a curfew needs at least one window")
        if self.address is not None and not isinstance(self.address, geo.Zone):
            raise ValueError("address: must be a geo.Zone or None")


@dataclass(frozen=True, slots=True)
class ProximityRule:
    """A victim's exclusion radius with hysteresis: an alert at ``radius_m`` or closer, cleared
    only beyond ``radius_m + hysteresis_m`` (None: 10 % of the radius). The victim is a fixed
    address (``victim_lat``, ``victim_lon``) or, when those are None, a linked device whose fixes
    are passed to :func:`judge_fixes`; each subject fix is then compared with the victim fix
    nearest in time, if one is within ``victim_fix_max_age``."""

    radius_m: float
    hysteresis_m: float | None = None
    victim_lat: float | None = None
    victim_lon: float | None = None
    victim_fix_max_age: _dt.timedelta = _dt.timedelta(minutes=10)

    def __post_init__(self) -> None:
        _validate.number("radius_m", self.radius_m, minimum=1, maximum=geo.MAX_ZONE_RADIUS_M)
        if self.hysteresis_m is not None:
            _validate.number("hysteresis_m", self.hysteresis_m, minimum=0, maximum=self.radius_m)
        if (self.victim_lat is None) != (self.victim_lon is None):
            raise ValueError("victim_lon: give both victim_lat and victim_lon, or neither")
        if self.victim_lat is not None:
            _validate.number("victim_lat", self.victim_lat, minimum=-90, maximum=90)
            _validate.number("victim_lon", self.victim_lon, minimum=-180, maximum=180)
        if not isinstance(self.victim_fix_max_age, _dt.timedelta) or not (
            _dt.timedelta(0) < self.victim_fix_max_age <= _dt.timedelta(hours=1)
        ):
            raise ValueError("victim_fix_max_age: must be a duration up to an hour")

    @property
    def clear_beyond_m(self) -> float:
        hysteresis = self.radius_m * 0.1 if self.hysteresis_m is None else self.hysteresis_m
        return self.radius_m + hysteresis


# ---- the episode engine --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Mark:
    """One judged observation: when (UTC), its sequence, whether it violates, a note for the
    reason, and whether its episode has raised its alert and its closing event."""

    at: _dt.datetime
    sequence: int
    violating: bool
    note: str
    alerted: bool = False
    closed: bool = False


@dataclass(frozen=True, slots=True)
class ZoneState:
    """The recent judged observations of one subject against one zone or proximity rule."""

    marks: tuple[Mark, ...] = ()

    @property
    def violating(self) -> bool:
        """The present state: the latest observation's."""
        return bool(self.marks) and self.marks[-1].violating

    @property
    def last_at(self) -> _dt.datetime | None:
        return self.marks[-1].at if self.marks else None


@dataclass(frozen=True, slots=True)
class _Observation:
    at: _dt.datetime
    sequence: int
    violating: bool | None  # None: in the hysteresis band, the same as before
    note: str


_Describe = Callable[[Mark], str]


@dataclass(frozen=True, slots=True)
class _Kinds:
    opened: str
    closed: str
    describe_open: _Describe
    describe_close: _Describe


def _insert(marks: list[Mark], keys: list[tuple[_dt.datetime, int]], ob: _Observation) -> int:
    key = (ob.at, ob.sequence)
    i = bisect.bisect(keys, key)
    before = marks[i - 1] if i else None
    after = marks[i] if i < len(marks) else None
    violating = ob.violating
    if violating is None:
        violating = before.violating if before else False
    if not violating and before and after and before.violating and after.violating:
        # A late compliant fix inside an episode: the episode stays one.
        violating = True
    marks.insert(i, Mark(ob.at, ob.sequence, violating, ob.note))
    keys.insert(i, key)
    return i


def _settle_run(marks: list[Mark], i: int, j: int, kinds: _Kinds) -> list[MonitoringEvent]:
    """Raise the alert and closing event that the episode ``marks[i:j]`` still owes."""
    run = marks[i:j]
    alerted = any(m.alerted for m in run)
    closed = any(m.closed for m in run)
    events = []
    if not alerted:
        first = run[0]
        events.append(
            MonitoringEvent(kinds.opened, first.at, first.sequence, kinds.describe_open(first))
        )
    follower = marks[j] if j < len(marks) else None
    if follower is not None and not closed:
        events.append(
            MonitoringEvent(
                kinds.closed, follower.at, follower.sequence, kinds.describe_close(follower)
            )
        )
        closed = True
    for k in range(i, j):
        if not (marks[k].alerted and marks[k].closed == closed):
            marks[k] = replace(marks[k], alerted=True, closed=closed)
    return events


def _merge(
    state: ZoneState, observations: Sequence[_Observation], kinds: _Kinds
) -> tuple[ZoneState, list[MonitoringEvent]]:
    marks = list(state.marks)
    keys = [(m.at, m.sequence) for m in marks]
    seen = {m.sequence for m in marks}
    lowest: int | None = None
    for ob in sorted(observations, key=lambda o: (o.at, o.sequence)):
        if ob.sequence in seen:
            continue
        seen.add(ob.sequence)
        i = _insert(marks, keys, ob)
        lowest = i if lowest is None else min(lowest, i)
    if lowest is None:
        return state, []
    # Episodes never merge (a compliant mark separates them) and every mark of a settled
    # episode carries its flags, so settling can start at the mark before the earliest
    # insertion rather than at the start of its episode.
    i = max(lowest - 1, 0)
    events: list[MonitoringEvent] = []
    while i < len(marks):
        if not marks[i].violating:
            i += 1
            continue
        j = i
        while j < len(marks) and marks[j].violating:
            j += 1
        events.extend(_settle_run(marks, i, j, kinds))
        i = j
    return ZoneState(tuple(marks)), sorted(events, key=lambda e: (e.at, e.sequence))


# ---- zones ---------------------------------------------------------------------------------


def _zone_kinds(rule: ZoneRule) -> _Kinds:
    name = f"the {rule.kind} zone"

    def describe_open(mark: Mark) -> str:
        where = "inside" if rule.kind == "exclusion" else "outside"
        return f"A fix at {_when(mark.at)} was {where} {name} while it applied."

    def describe_close(mark: Mark) -> str:
        if mark.note == "not_in_force":
            return f"At {_when(mark.at)} {name} no longer applied."
        where = "outside" if rule.kind == "exclusion" else "back inside"
        return f"A fix at {_when(mark.at)} was {where} {name}."

    if rule.kind == "exclusion":
        return _Kinds("exclusion_entered", "exclusion_left", describe_open, describe_close)
    return _Kinds("inclusion_left", "inclusion_returned", describe_open, describe_close)


def _check_batch(field: str, items: Any, item_type: type) -> None:
    if not isinstance(items, Sequence) or isinstance(items, str):
        raise ValueError(f"{field}: must be a list of {item_type.__name__}")
    if len(items) > MAX_BATCH:
        raise ValueError(f"{field}: at most {MAX_BATCH:,} in one batch, got {len(items):,}")
    if not all(isinstance(item, item_type) for item in items):
        raise ValueError(f"{field}: every item must be a {item_type.__name__}")


def _positions(fixes: Sequence[Fix]) -> tuple[np.ndarray, np.ndarray]:
    lats = np.fromiter((f.lat for f in fixes), dtype=np.float64, count=len(fixes))
    lons = np.fromiter((f.lon for f in fixes), dtype=np.float64, count=len(fixes))
    return lats, lons


def _judge_zone(
    state: ZoneState, fixes: Sequence[Fix], rule: ZoneRule
) -> tuple[ZoneState, list[MonitoringEvent]]:
    inside = geo.contains(rule.zone, *_positions(fixes))  # one vectorised call per batch
    observations = []
    for fix, is_inside in zip(fixes, inside.tolist(), strict=True):
        at = fix.at.astimezone(_UTC)
        if not in_force(rule.timetable, at):
            observations.append(_Observation(at, fix.sequence, False, "not_in_force"))
            continue
        violating = is_inside if rule.kind == "exclusion" else not is_inside
        observations.append(
            _Observation(at, fix.sequence, violating, "inside" if is_inside else "outside")
        )
    return _merge(state, observations, _zone_kinds(rule))


# ---- victim proximity ----------------------------------------------------------------------


def _victim_positions(
    fixes: Sequence[Fix], rule: ProximityRule, victim_fixes: Sequence[Fix]
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The victim's position for each subject fix, and whether there is one."""
    n = len(fixes)
    if rule.victim_lat is not None:
        return np.full(n, rule.victim_lat), np.full(n, rule.victim_lon), np.ones(n, dtype=bool)
    if not victim_fixes:
        return np.zeros(n), np.zeros(n), np.zeros(n, dtype=bool)
    ordered = sorted(victim_fixes, key=lambda f: f.at)
    victim_times = np.array([f.at.timestamp() for f in ordered])
    times = np.array([f.at.timestamp() for f in fixes])
    right = np.clip(np.searchsorted(victim_times, times), 0, len(ordered) - 1)
    left = np.clip(right - 1, 0, len(ordered) - 1)
    nearest = np.where(
        np.abs(victim_times[left] - times) <= np.abs(victim_times[right] - times), left, right
    )
    known = np.abs(victim_times[nearest] - times) <= rule.victim_fix_max_age.total_seconds()
    lats, lons = _positions(ordered)
    return lats[nearest], lons[nearest], known


def _proximity_kinds(rule: ProximityRule) -> _Kinds:
    def describe_open(mark: Mark) -> str:
        return (
            f"A fix at {_when(mark.at)} was {mark.note} from the victim, within the exclusion "
            f"radius of {rule.radius_m:,.0f} m."
        )

    def describe_close(mark: Mark) -> str:
        return (
            f"A fix at {_when(mark.at)} was {mark.note} from the victim, beyond "
            f"{rule.clear_beyond_m:,.0f} m (the radius and its margin)."
        )

    return _Kinds("victim_proximity", "victim_proximity_cleared", describe_open, describe_close)


def _judge_proximity(
    state: ZoneState, fixes: Sequence[Fix], rule: ProximityRule, victim_fixes: Sequence[Fix]
) -> tuple[ZoneState, list[MonitoringEvent]]:
    if not fixes:
        return state, []
    victim_lats, victim_lons, known = _victim_positions(fixes, rule, victim_fixes)
    lats, lons = _positions(fixes)
    distances = geo.distance_m(lats, lons, victim_lats, victim_lons)
    observations = []
    for fix, distance, has_victim in zip(fixes, distances.tolist(), known.tolist(), strict=True):
        if not has_victim:
            continue  # no victim position near that time: nothing to judge it against
        violating: bool | None = None
        if distance <= rule.radius_m:
            violating = True
        elif distance > rule.clear_beyond_m:
            violating = False
        observations.append(
            _Observation(fix.at.astimezone(_UTC), fix.sequence, violating, f"{distance:,.0f} m")
        )
    return _merge(state, observations, _proximity_kinds(rule))


# ---- curfews -------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CurfewState:
    """A subject's recent curfew observations (UTC time, sequence, absent) and the starts of
    the window occurrences that have raised their alert."""

    observations: tuple[tuple[_dt.datetime, int, bool], ...] = ()
    alerted: frozenset[_dt.datetime] = frozenset()


def _absences(
    observations: list[tuple[_dt.datetime, int, bool]], rule: CurfewRule, index: int
) -> list[tuple[Occurrence, _dt.datetime, int]]:
    """The window occurrences in which observation ``index`` shows an absence, and when."""
    at, sequence, absent = observations[index]
    if not absent:
        return []
    if rule.address is not None:  # GPS: a fix is a moment
        occurrence = occurrence_at(rule.timetable, at)
        return [(occurrence, at, sequence)] if occurrence else []
    # RF: out of range from this report until the next one.
    until = observations[index + 1][0] if index + 1 < len(observations) else at
    found = []
    for occurrence in occurrences_between(rule.timetable, at, until):
        since = max(at, occurrence.starts)
        if since < occurrence.ends and (since < until or since == at):
            found.append((occurrence, since, sequence))
    return found


def _curfew_reason(rule: CurfewRule, occurrence: Occurrence, at: _dt.datetime) -> str:
    if rule.address is not None:
        return f"A fix at {_when(at)} was outside the curfew address during {occurrence}."
    return f"The tag was out of range of the home unit at {_when(at)}, during {occurrence}."


def _judge_curfew(
    state: CurfewState, readings: Sequence[Fix] | Sequence[RangeReport], rule: CurfewRule
) -> tuple[CurfewState, list[MonitoringEvent]]:
    seen = {sequence for _, sequence, _ in state.observations}
    fresh: list[tuple[_dt.datetime, int, bool]]
    if rule.address is not None:
        fixes = [f for f in readings if isinstance(f, Fix)]
        inside = geo.contains(rule.address, *_positions(fixes)).tolist()
        fresh = [
            (f.at.astimezone(_UTC), f.sequence, not i) for f, i in zip(fixes, inside, strict=True)
        ]
    else:
        reports = [r for r in readings if isinstance(r, RangeReport)]
        fresh = [(r.at.astimezone(_UTC), r.sequence, not r.in_range) for r in reports]
    observations = list(state.observations)
    touched: set[tuple[_dt.datetime, int, bool]] = set()
    for ob in sorted(fresh):
        if ob[1] in seen:
            continue
        seen.add(ob[1])
        i = bisect.bisect(observations, ob)
        observations.insert(i, ob)
        touched.add(ob)
        if i:
            touched.add(observations[i - 1])  # an RF absence before it now ends here
    alerted = set(state.alerted)
    events = []
    found = [
        absence
        for i, ob in enumerate(observations)
        if ob in touched
        for absence in _absences(observations, rule, i)
    ]
    for occurrence, at, sequence in sorted(found, key=lambda a: (a[1], a[2])):
        if occurrence.starts in alerted:
            continue
        alerted.add(occurrence.starts)
        events.append(
            MonitoringEvent("curfew_absent", at, sequence, _curfew_reason(rule, occurrence, at))
        )
    return CurfewState(tuple(observations), frozenset(alerted)), events


# ---- the entry points ----------------------------------------------------------------------


@overload
def judge_fixes(
    state: ZoneState,
    fixes: Sequence[Fix],
    rule: ZoneRule | ProximityRule,
    *,
    victim_fixes: Sequence[Fix] = (),
) -> tuple[ZoneState, list[MonitoringEvent]]: ...


@overload
def judge_fixes(
    state: CurfewState,
    fixes: Sequence[Fix] | Sequence[RangeReport],
    rule: CurfewRule,
    *,
    victim_fixes: Sequence[Fix] = (),
) -> tuple[CurfewState, list[MonitoringEvent]]: ...


def judge_fixes(
    state: ZoneState | CurfewState,
    fixes: Sequence[Fix] | Sequence[RangeReport],
    rule: ZoneRule | CurfewRule | ProximityRule,
    *,
    victim_fixes: Sequence[Fix] = (),
) -> tuple[ZoneState | CurfewState, list[MonitoringEvent]]:
    """Judge a batch of one subject's fixes (or, for an RF curfew, home unit reports) against
    one rule: the new state and the alerts and closing events, in time order.

    The batch may be in any order and may repeat or predate what the state already holds; see
    the module docstring. A zone or proximity rule takes a :class:`ZoneState`, a curfew a
    :class:`CurfewState` (start each with an empty one).
    """
    if isinstance(rule, CurfewRule):
        if not isinstance(state, CurfewState):
            raise ValueError("state: a curfew is judged with a CurfewState")
        _check_batch("fixes", fixes, Fix if rule.address is not None else RangeReport)
        return _judge_curfew(state, fixes, rule)
    if not isinstance(rule, ZoneRule | ProximityRule):
        raise ValueError("rule: must be a ZoneRule, CurfewRule or ProximityRule")
    if not isinstance(state, ZoneState):
        raise ValueError("state: a zone or proximity rule is judged with a ZoneState")
    _check_batch("fixes", fixes, Fix)
    checked: Sequence[Fix] = fixes  # type: ignore[assignment]
    if isinstance(rule, ZoneRule):
        return _judge_zone(state, checked, rule)
    _check_batch("victim_fixes", victim_fixes, Fix)
    return _judge_proximity(state, checked, rule, victim_fixes)


@dataclass(frozen=True, slots=True)
class DeviceState:
    """A device's strap and battery episodes."""

    strap: ZoneState = ZoneState()
    battery: ZoneState = ZoneState()


_STRAP = _Kinds(
    "tamper",
    "tamper_cleared",
    lambda m: f"The strap was tampered with at {_when(m.at)}.",
    lambda m: f"The strap was restored at {_when(m.at)}.",
)
_BATTERY = _Kinds(
    "battery_low",
    "battery_charging",
    lambda m: f"The battery was low at {_when(m.at)}.",
    lambda m: f"The device was charging at {_when(m.at)}.",
)


def judge_device_events(
    state: DeviceState, events: Sequence[DeviceEvent]
) -> tuple[DeviceState, list[MonitoringEvent]]:
    """Tamper raises an alert that a "strap restored" closes; battery low raises one alert until
    the device reports charging. Late and repeated events as for fixes."""
    if not isinstance(state, DeviceState):
        raise ValueError("state: must be a DeviceState")
    _check_batch("events", events, DeviceEvent)
    strap = [
        _Observation(e.at.astimezone(_UTC), e.sequence, e.kind == "strap_tamper", e.kind)
        for e in events
        if e.kind in ("strap_tamper", "strap_restored")
    ]
    battery = [
        _Observation(e.at.astimezone(_UTC), e.sequence, e.kind == "battery_low", e.kind)
        for e in events
        if e.kind in ("battery_low", "charging")
    ]
    new_strap, strap_events = _merge(state.strap, strap, _STRAP)
    new_battery, battery_events = _merge(state.battery, battery, _BATTERY)
    merged = sorted(strap_events + battery_events, key=lambda e: (e.at, e.sequence))
    return DeviceState(new_strap, new_battery), merged


def signal_overdue(
    last_seen: _dt.datetime, now: _dt.datetime, policy_interval: _dt.timedelta
) -> bool:
    """Whether nothing (no fix, no heartbeat) has been heard for longer than the policy
    interval. Exactly the interval is not yet overdue.

    >>> seen = _dt.datetime(2026, 3, 5, 12, 0, tzinfo=_UTC)
    >>> signal_overdue(seen, seen + _dt.timedelta(minutes=30), _dt.timedelta(minutes=30))
    False
    >>> signal_overdue(seen, seen + _dt.timedelta(minutes=31), _dt.timedelta(minutes=30))
    True
    """
    _aware("last_seen", last_seen)
    _aware("now", now)
    if not isinstance(policy_interval, _dt.timedelta) or policy_interval <= _dt.timedelta(0):
        raise ValueError(f"policy_interval: must be a positive duration, got {policy_interval!r}")
    return now - last_seen > policy_interval


_State = TypeVar("_State", ZoneState, CurfewState, DeviceState)


def prune(state: _State, before: _dt.datetime) -> _State:
    """The state without observations older than ``before`` (the latest is always kept).

    Call it with a horizon longer than the latest upload the ingest accepts: a fix older than
    what the state remembers is judged as if new.
    """
    _aware("before", before)
    cutoff = before.astimezone(_UTC)
    if isinstance(state, ZoneState):
        return ZoneState(tuple(m for m in state.marks[:-1] if m.at >= cutoff) + state.marks[-1:])
    if isinstance(state, DeviceState):
        return DeviceState(prune(state.strap, before), prune(state.battery, before))
    if isinstance(state, CurfewState):
        kept = tuple(o for o in state.observations[:-1] if o[0] >= cutoff)
        return CurfewState(
            kept + state.observations[-1:],
            frozenset(s for s in state.alerted if s >= cutoff - _ONE_DAY),
        )
    raise ValueError("state: must be a ZoneState, CurfewState or DeviceState")
