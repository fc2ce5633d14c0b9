"""Timetables and alerts (probation.rules.monitoring) against electronic-monitoring.md: each
alert kind at its edges (entering and leaving, a fix on the boundary, a window starting or
ending, a late fix after the window closed), one alert per violation, duplicates ignored."""

from __future__ import annotations

import datetime as dt
import doctest
import random
from typing import Any

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from probation.rules import geo, monitoring
from probation.rules.monitoring import (
    CurfewRule,
    CurfewState,
    DeviceEvent,
    DeviceState,
    Fix,
    ProximityRule,
    RangeReport,
    WeeklyWindow,
    ZoneRule,
    ZoneState,
    in_force,
    judge_device_events,
    judge_fixes,
    occurrence_at,
    signal_overdue,
)

LONDON = monitoring.LONDON
UTC = dt.UTC
MONDAY, FRIDAY, SATURDAY, SUNDAY = 0, 4, 5, 6


def london(day: int, hour: int, minute: int = 0, month: int = 3) -> dt.datetime:
    """A moment in London time in 2026 (6 March 2026 is a Friday)."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def utc(month: int, day: int, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime(2026, month, day, hour, minute, tzinfo=UTC)


# ---- timetables ----------------------------------------------------------------------------

NIGHTS = (WeeklyWindow(FRIDAY, dt.time(19), dt.time(7)),)
AFTERNOON = (WeeklyWindow(FRIDAY, dt.time(13), dt.time(17)),)
WHOLE_DAY = (WeeklyWindow(FRIDAY, dt.time(9), dt.time(9)),)


@pytest.mark.parametrize(
    ("timetable", "at", "expected"),
    [
        pytest.param(NIGHTS, london(6, 18, 59), False, id="a-minute-before-the-window"),
        pytest.param(NIGHTS, london(6, 19), True, id="the-window-starts"),
        pytest.param(NIGHTS, london(6, 23, 59), True, id="before-midnight"),
        pytest.param(NIGHTS, london(7, 0), True, id="midnight-runs-on-into-saturday"),
        pytest.param(NIGHTS, london(7, 6, 59), True, id="a-minute-before-the-end"),
        pytest.param(NIGHTS, london(7, 7), False, id="the-window-ends"),
        pytest.param(NIGHTS, london(7, 19), False, id="saturday-evening-has-no-window"),
        pytest.param(NIGHTS, london(13, 20), True, id="next-friday"),
        pytest.param(AFTERNOON, london(6, 13), True, id="same-day-window-starts"),
        pytest.param(AFTERNOON, london(6, 17), False, id="same-day-window-ends"),
        pytest.param(AFTERNOON, london(7, 14), False, id="same-day-window-wrong-day"),
        pytest.param(WHOLE_DAY, london(7, 8, 59), True, id="equal-start-and-end-is-24-hours"),
        pytest.param(WHOLE_DAY, london(7, 9), False, id="24-hour-window-ends"),
        pytest.param((), london(7, 9), True, id="empty-timetable-is-always"),
        pytest.param(NIGHTS, utc(3, 6, 19), True, id="utc-moment-same-in-winter"),
    ],
)
def test_in_force(timetable: monitoring.Timetable, at: dt.datetime, expected: bool) -> None:
    assert in_force(timetable, at) is expected


# Clocks go forward at 01:00 GMT on Sunday 29 March 2026 and back at 02:00 BST on Sunday
# 25 October 2026. A Saturday 19:00 to 07:00 window spans each change.
SATURDAY_NIGHTS = (WeeklyWindow(SATURDAY, dt.time(19), dt.time(7)),)


@pytest.mark.parametrize(
    ("at", "expected"),
    [
        pytest.param(utc(3, 28, 18, 59), False, id="spring-before-19:00-GMT"),
        pytest.param(utc(3, 28, 19), True, id="spring-19:00-GMT"),
        pytest.param(utc(3, 29, 0, 59), True, id="spring-00:59-GMT-just-before-the-change"),
        pytest.param(utc(3, 29, 1), True, id="spring-02:00-BST-just-after-the-change"),
        pytest.param(utc(3, 29, 5, 59), True, id="spring-06:59-BST"),
        pytest.param(utc(3, 29, 6), False, id="spring-07:00-BST-ends-after-11-hours"),
        pytest.param(utc(10, 24, 17, 59), False, id="autumn-18:59-BST"),
        pytest.param(utc(10, 24, 18), True, id="autumn-19:00-BST"),
        pytest.param(utc(10, 25, 0, 30), True, id="autumn-01:30-BST-first-time"),
        pytest.param(utc(10, 25, 1, 30), True, id="autumn-01:30-GMT-second-time"),
        pytest.param(utc(10, 25, 6, 59), True, id="autumn-06:59-GMT"),
        pytest.param(utc(10, 25, 7), False, id="autumn-07:00-GMT-ends-after-13-hours"),
    ],
)
def test_a_night_window_when_the_clocks_change(at: dt.datetime, expected: bool) -> None:
    assert in_force(SATURDAY_NIGHTS, at) is expected


@pytest.mark.parametrize(
    ("month", "day", "hours"),
    [pytest.param(3, 28, 11, id="spring"), pytest.param(10, 24, 13, id="autumn")],
)
def test_the_window_on_the_night_the_clocks_change_is_shorter_or_longer(
    month: int, day: int, hours: int
) -> None:
    occurrence = occurrence_at(SATURDAY_NIGHTS, dt.datetime(2026, month, day, 22, tzinfo=LONDON))
    assert occurrence is not None
    assert occurrence.ends - occurrence.starts == dt.timedelta(hours=hours)


@pytest.mark.parametrize(
    ("kwargs", "field"),
    [
        pytest.param(
            {"weekday": 7, "starts": dt.time(19), "ends": dt.time(7)}, "weekday", id="day-7"
        ),
        pytest.param(
            {"weekday": True, "starts": dt.time(19), "ends": dt.time(7)}, "weekday", id="bool"
        ),
        pytest.param({"weekday": 1, "starts": "19:00", "ends": dt.time(7)}, "starts", id="text"),
        pytest.param(
            {"weekday": 1, "starts": dt.time(19), "ends": dt.time(7, tzinfo=UTC)},
            "ends",
            id="aware",
        ),
    ],
)
def test_weekly_window_refuses_bad_input(kwargs: dict[str, Any], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        WeeklyWindow(**kwargs)


def test_in_force_refuses_a_naive_time_and_a_bad_timetable() -> None:
    with pytest.raises(ValueError, match=r"^at: must be a datetime with a time zone"):
        in_force(NIGHTS, dt.datetime(2026, 3, 6, 20))  # noqa: DTZ001
    with pytest.raises(ValueError, match=r"^timetable:"):
        in_force([NIGHTS[0]], london(6, 20))  # type: ignore[arg-type]


# ---- zones ---------------------------------------------------------------------------------

WEST, EAST, SOUTH, NORTH = -0.10, -0.09, 51.50, 51.51
SQUARE = geo.zone_from_geojson(
    {
        "type": "Polygon",
        "coordinates": [
            [[WEST, SOUTH], [EAST, SOUTH], [EAST, NORTH], [WEST, NORTH], [WEST, SOUTH]]
        ],
    }
)
IN = (51.505, -0.095)
OUT = (51.52, -0.095)
ON_EDGE = (SOUTH, -0.095)
EXCLUSION = ZoneRule("exclusion", SQUARE)
INCLUSION = ZoneRule("inclusion", SQUARE)


def fixes(*points: tuple[int, tuple[float, float]], start: dt.datetime | None = None) -> list[Fix]:
    """Fixes a minute apart from ``start``: (sequence, (lat, lon)) each; the sequence also
    gives the minute, so a fix's time does not depend on the batch it is sent in."""
    start = start or london(6, 12)
    return [Fix(seq, start + dt.timedelta(minutes=seq), lat, lon) for seq, (lat, lon) in points]


def kinds(events: list[monitoring.MonitoringEvent]) -> list[tuple[str, int]]:
    return [(e.kind, e.sequence) for e in events]


def run_batches(rule: Any, *batches: list[Any], state: Any = None) -> tuple[Any, list[Any]]:
    state = state if state is not None else ZoneState()
    events = []
    for batch in batches:
        state, new = judge_fixes(state, batch, rule)
        events.extend(new)
    return state, events


@pytest.mark.parametrize(
    ("rule", "positions", "expected"),
    [
        pytest.param(EXCLUSION, [OUT, OUT], [], id="exclusion-never-entered"),
        pytest.param(
            EXCLUSION,
            [OUT, IN, IN, IN, OUT],
            [("exclusion_entered", 1), ("exclusion_left", 4)],
            id="exclusion-entered-once-and-left",
        ),
        pytest.param(EXCLUSION, [IN], [("exclusion_entered", 0)], id="exclusion-first-fix-inside"),
        pytest.param(
            EXCLUSION,
            [OUT, ON_EDGE],
            [("exclusion_entered", 1)],
            id="exclusion-fix-on-the-boundary",
        ),
        pytest.param(
            EXCLUSION,
            [IN, OUT, IN, OUT],
            [
                ("exclusion_entered", 0),
                ("exclusion_left", 1),
                ("exclusion_entered", 2),
                ("exclusion_left", 3),
            ],
            id="exclusion-two-visits-two-alerts",
        ),
        pytest.param(INCLUSION, [IN, IN], [], id="inclusion-stays-inside"),
        pytest.param(
            INCLUSION,
            [IN, OUT, OUT, IN],
            [("inclusion_left", 1), ("inclusion_returned", 3)],
            id="inclusion-left-once-and-returned",
        ),
        pytest.param(INCLUSION, [IN, ON_EDGE], [], id="inclusion-fix-on-the-boundary-is-inside"),
    ],
)
def test_zone_alerts(
    rule: ZoneRule, positions: list[tuple[float, float]], expected: list[tuple[str, int]]
) -> None:
    batch = fixes(*enumerate(positions))
    _, events = judge_fixes(ZoneState(), batch, rule)
    assert kinds(events) == expected
    # The same fixes one at a time give the same events.
    _, one_by_one = run_batches(rule, *[[f] for f in batch])
    assert kinds(one_by_one) == expected


def test_events_say_when_and_what_in_words() -> None:
    _, events = judge_fixes(ZoneState(), fixes((0, OUT), (1, IN), (2, OUT)), EXCLUSION)
    assert [e.reason for e in events] == [
        "A fix at 12:01 on 6 March 2026 was inside the exclusion zone while it applied.",
        "A fix at 12:02 on 6 March 2026 was outside the exclusion zone.",
    ]
    assert events[0].at == london(6, 12, 1)


def test_state_carries_between_batches_so_one_violation_raises_one_alert() -> None:
    state, first = judge_fixes(ZoneState(), fixes((0, OUT), (1, IN)), EXCLUSION)
    assert kinds(first) == [("exclusion_entered", 1)]
    assert state.violating
    state, second = judge_fixes(state, fixes((2, IN), (3, IN)), EXCLUSION)
    assert second == []
    state, third = judge_fixes(state, fixes((4, OUT)), EXCLUSION)
    assert kinds(third) == [("exclusion_left", 4)]
    assert not state.violating


def test_duplicated_fixes_give_no_second_event() -> None:
    batch = fixes((0, OUT), (1, IN))
    state, events = judge_fixes(ZoneState(), batch + batch, EXCLUSION)
    assert kinds(events) == [("exclusion_entered", 1)]
    state, again = judge_fixes(state, batch, EXCLUSION)
    assert again == []
    # A repeated sequence number is the same message, even if its content differs.
    state, changed = judge_fixes(state, [Fix(1, london(6, 12, 1), *OUT)], EXCLUSION)
    assert changed == []
    assert len(state.marks) == 2


# Windowed zones: an exclusion zone applying on Friday afternoons 13:00 to 17:00.
WINDOWED = ZoneRule("exclusion", SQUARE, AFTERNOON)


@pytest.mark.parametrize(
    ("times_and_positions", "expected"),
    [
        pytest.param([(london(6, 12, 59), IN)], [], id="inside-a-minute-before-the-window"),
        pytest.param(
            [(london(6, 12, 59), IN), (london(6, 13), IN)],
            [("exclusion_entered", 1)],
            id="inside-as-the-window-starts",
        ),
        pytest.param(
            [(london(6, 16, 59), IN), (london(6, 17), IN)],
            [("exclusion_entered", 0), ("exclusion_left", 1)],
            id="the-window-ends-while-inside",
        ),
        pytest.param([(london(6, 17), IN)], [], id="inside-as-the-window-ends"),
        pytest.param([(london(7, 14), IN)], [], id="inside-on-another-day"),
    ],
)
def test_a_zone_applies_only_during_its_timetable(
    times_and_positions: list[tuple[dt.datetime, tuple[float, float]]],
    expected: list[tuple[str, int]],
) -> None:
    batch = [Fix(i, at, *pos) for i, (at, pos) in enumerate(times_and_positions)]
    _, events = judge_fixes(ZoneState(), batch, WINDOWED)
    assert kinds(events) == expected


def test_the_end_of_the_window_closes_the_episode_with_its_reason() -> None:
    batch = [Fix(0, london(6, 16, 59), *IN), Fix(1, london(6, 17), *IN)]
    _, events = judge_fixes(ZoneState(), batch, WINDOWED)
    assert events[1].reason == "At 17:00 on 6 March 2026 the exclusion zone no longer applied."


def test_a_late_fix_after_the_window_closed_is_judged_at_its_own_time() -> None:
    state, events = judge_fixes(ZoneState(), [Fix(0, london(6, 16, 50), *OUT)], WINDOWED)
    state, events = judge_fixes(state, [Fix(5, london(6, 17, 30), *IN)], WINDOWED)
    assert events == []  # inside, but the zone no longer applies
    # Uploaded now, after the window closed, but taken at 16:55 inside the zone.
    state, events = judge_fixes(state, [Fix(3, london(6, 16, 55), *IN)], WINDOWED)
    assert kinds(events) == [("exclusion_entered", 3), ("exclusion_left", 5)]
    assert not state.violating  # the present state is still the 17:30 fix's


def test_late_fixes_join_known_episodes_without_a_new_alert() -> None:
    state, events = run_batches(EXCLUSION, fixes((0, OUT), (4, IN), (6, IN), (9, OUT)))
    assert kinds(events) == [("exclusion_entered", 4), ("exclusion_left", 9)]
    cases = [
        ([(5, IN)], "inside the episode"),
        ([(3, IN)], "just before it, after the last fix outside"),
        ([(7, IN), (8, IN)], "after it, before the first fix outside"),
        ([(5, OUT)], "a compliant fix inside the episode does not split it"),
        ([(8, OUT)], "another fix outside before the known one"),
        ([(4, OUT)], "a duplicate of a fix inside, with other content"),
    ]
    for points, why in cases:
        _, late = judge_fixes(state, fixes(*points), EXCLUSION)
        assert late == [], why


def test_a_late_fix_outside_inside_an_open_episode_neither_closes_nor_splits_it() -> None:
    state, events = run_batches(EXCLUSION, fixes((0, OUT), (1, IN), (3, IN)))
    assert kinds(events) == [("exclusion_entered", 1)]
    state, events = judge_fixes(state, fixes((2, OUT)), EXCLUSION)
    assert events == []
    assert state.violating
    state, events = judge_fixes(state, fixes((4, IN), (5, OUT)), EXCLUSION)
    assert kinds(events) == [("exclusion_left", 5)]


def test_a_late_isolated_fix_inside_is_its_own_episode() -> None:
    state, _ = run_batches(EXCLUSION, fixes((0, OUT), (4, OUT), (9, IN)))
    assert state.violating
    state, events = judge_fixes(state, fixes((2, IN)), EXCLUSION)
    assert kinds(events) == [("exclusion_entered", 2), ("exclusion_left", 4)]
    assert state.violating  # the present episode (from fix 9) is untouched
    _, events = judge_fixes(state, fixes((10, IN)), EXCLUSION)
    assert events == []


def test_a_late_fix_older_than_everything_known() -> None:
    state, _ = run_batches(EXCLUSION, fixes((5, OUT), (6, OUT)))
    state, events = judge_fixes(state, fixes((1, IN)), EXCLUSION)
    assert kinds(events) == [("exclusion_entered", 1), ("exclusion_left", 5)]
    state, events = judge_fixes(state, fixes((0, IN)), EXCLUSION)
    assert events == []  # joins the episode of fix 1


def test_a_batch_is_checked_against_the_zone_once(monkeypatch: pytest.MonkeyPatch) -> None:
    calls = []
    real = geo.contains

    def counting(zone: geo.Zone, lats: Any, lons: Any) -> Any:
        calls.append(len(lats))
        return real(zone, lats, lons)

    monkeypatch.setattr(monitoring.geo, "contains", counting)
    judge_fixes(ZoneState(), fixes(*((i, IN if i % 7 else OUT) for i in range(500))), EXCLUSION)
    assert calls == [500]


@settings(max_examples=150, deadline=None)
@given(
    flags=st.lists(st.booleans(), min_size=1, max_size=30),
    seed=st.integers(0, 2**32 - 1),
    cuts=st.integers(1, 6),
)
def test_one_alert_per_violation_whatever_the_order_of_upload(
    flags: list[bool], seed: int, cuts: int
) -> None:
    batch = fixes(*((i, IN if flag else OUT) for i, flag in enumerate(flags)))
    episodes = sum(1 for i, f in enumerate(flags) if f and (i == 0 or not flags[i - 1]))
    _, in_order = judge_fixes(ZoneState(), batch, EXCLUSION)
    assert [e.kind for e in in_order].count("exclusion_entered") == episodes
    shuffled = batch[:]
    random.Random(seed).shuffle(shuffled)
    size = max(1, len(shuffled) // cuts)
    chunks = [shuffled[i : i + size] for i in range(0, len(shuffled), size)]
    state, events = run_batches(EXCLUSION, *chunks)
    alerts = [e for e in events if e.kind == "exclusion_entered"]
    # Late compliant fixes inside an episode do not split it: never more alerts than in order,
    # at least one if anything was violating, and never two for one fix.
    assert (1 if episodes else 0) <= len(alerts) <= episodes
    assert len({e.sequence for e in alerts}) == len(alerts)
    assert state.violating is flags[-1]
    assert [m.sequence for m in state.marks] == list(range(len(flags)))


# ---- curfews -------------------------------------------------------------------------------

HOME = geo.circle_zone(51.45, -0.2, 50)
HOME_IN = (51.45, -0.2)
HOME_OUT = (51.46, -0.2)  # about 1.1 km north
GPS_CURFEW = CurfewRule(NIGHTS, address=HOME)
RF_CURFEW = CurfewRule(NIGHTS)


def gps(*points: tuple[int, dt.datetime, tuple[float, float]]) -> list[Fix]:
    return [Fix(seq, at, *pos) for seq, at, pos in points]


def rf(*reports: tuple[int, dt.datetime, bool]) -> list[RangeReport]:
    return [RangeReport(seq, at, in_range) for seq, at, in_range in reports]


@pytest.mark.parametrize(
    ("batch", "expected"),
    [
        pytest.param(gps((0, london(6, 20), HOME_IN)), [], id="at-home-in-the-window"),
        pytest.param(gps((0, london(6, 18, 59), HOME_OUT)), [], id="out-before-the-window"),
        pytest.param(
            gps((0, london(6, 19), HOME_OUT)), [("curfew_absent", 0)], id="out-as-it-starts"
        ),
        pytest.param(
            gps((0, london(7, 6, 59), HOME_OUT)),
            [("curfew_absent", 0)],
            id="out-just-before-it-ends",
        ),
        pytest.param(gps((0, london(7, 7), HOME_OUT)), [], id="out-as-it-ends"),
        pytest.param(gps((0, london(7, 12), HOME_OUT)), [], id="out-at-noon-no-window"),
        pytest.param(
            gps(*((i, london(6, 20, i), HOME_OUT) for i in range(30))),
            [("curfew_absent", 0)],
            id="thirty-fixes-out-one-alert",
        ),
        pytest.param(
            gps(
                (0, london(6, 20), HOME_OUT),
                (1, london(6, 21), HOME_IN),
                (2, london(6, 22), HOME_OUT),
            ),
            [("curfew_absent", 0)],
            id="out-back-out-again-one-alert-per-window",
        ),
        pytest.param(
            gps((0, london(6, 20), HOME_OUT), (1, london(13, 20), HOME_OUT)),
            [("curfew_absent", 0), ("curfew_absent", 1)],
            id="two-nights-two-alerts",
        ),
        pytest.param(
            gps((0, london(6, 20), (51.45 + 49 / 111_250, -0.2))),
            [],
            id="just-inside-the-buffer-is-home",
        ),
    ],
)
def test_gps_curfew(batch: list[Fix], expected: list[tuple[str, int]]) -> None:
    _, events = judge_fixes(CurfewState(), batch, GPS_CURFEW)
    assert kinds(events) == expected


def test_a_fix_exactly_on_the_curfew_buffer_is_not_absent() -> None:
    # Due north of the address, x is exactly 0, so the radius can be the fix's exact distance.
    lat, lon = 51.4503, -0.2
    _, y = HOME.projection.to_metres(np.array([lat]), np.array([lon]))
    radius = abs(float(y[0]))
    rule = CurfewRule(NIGHTS, address=geo.circle_zone(51.45, -0.2, radius))
    _, events = judge_fixes(CurfewState(), gps((0, london(6, 20), (lat, lon))), rule)
    assert events == []
    tighter = CurfewRule(NIGHTS, address=geo.circle_zone(51.45, -0.2, radius - 0.01))
    _, events = judge_fixes(CurfewState(), gps((0, london(6, 20), (lat, lon))), tighter)
    assert kinds(events) == [("curfew_absent", 0)]


def test_a_late_gps_fix_after_the_window_closed_still_raises_once() -> None:
    state, events = judge_fixes(
        CurfewState(), gps((0, london(6, 20), HOME_IN), (9, london(7, 8), HOME_IN)), GPS_CURFEW
    )
    assert events == []
    # Uploaded on Saturday at 08:00 after a gap in signal, taken at 02:00 inside the window.
    state, events = judge_fixes(state, gps((5, london(7, 2), HOME_OUT)), GPS_CURFEW)
    assert kinds(events) == [("curfew_absent", 5)]
    assert (
        "during the window from 19:00 to 07:00 starting on Friday 6 March 2026" in events[0].reason
    )
    state, events = judge_fixes(state, gps((6, london(7, 3), HOME_OUT)), GPS_CURFEW)
    assert events == []
    state, events = judge_fixes(state, gps((5, london(7, 2), HOME_OUT)), GPS_CURFEW)
    assert events == []  # a duplicate


@pytest.mark.parametrize(
    ("batch", "expected"),
    [
        pytest.param(rf((0, london(6, 20), True)), [], id="in-range"),
        pytest.param(
            rf((0, london(6, 20), False)),
            [("curfew_absent", 0, london(6, 20))],
            id="out-in-the-window",
        ),
        pytest.param(
            rf((0, london(6, 18, 50), False), (1, london(6, 19, 30), True)),
            [("curfew_absent", 0, london(6, 19))],
            id="left-before-the-window-back-after-it-started",
        ),
        pytest.param(
            rf((0, london(6, 18, 50), False), (1, london(6, 19), True)),
            [],
            id="back-exactly-as-the-window-starts",
        ),
        pytest.param(
            rf((0, london(6, 18, 50), False)), [], id="out-before-the-window-nothing-since"
        ),
        pytest.param(
            rf((0, london(7, 6, 30), False), (1, london(7, 7, 30), True)),
            [("curfew_absent", 0, london(7, 6, 30))],
            id="left-before-the-window-ended",
        ),
        pytest.param(rf((0, london(7, 7), False)), [], id="left-as-the-window-ended"),
        pytest.param(
            rf(
                (0, london(6, 20), False),
                (1, london(6, 20, 5), False),
                (2, london(6, 21), True),
                (3, london(6, 22), False),
            ),
            [("curfew_absent", 0, london(6, 20))],
            id="one-alert-per-window",
        ),
        pytest.param(
            rf((0, london(6, 12), False), (1, london(14, 12), True)),
            [("curfew_absent", 0, london(6, 19)), ("curfew_absent", 0, london(13, 19))],
            id="away-for-a-week-two-windows",
        ),
    ],
)
def test_rf_curfew(batch: list[RangeReport], expected: list[tuple[str, int, dt.datetime]]) -> None:
    _, events = judge_fixes(CurfewState(), batch, RF_CURFEW)
    assert [(e.kind, e.sequence, e.at) for e in events] == expected


def test_rf_absence_is_found_when_the_report_that_ends_it_arrives() -> None:
    state, events = judge_fixes(CurfewState(), rf((0, london(6, 18, 50), False)), RF_CURFEW)
    assert events == []
    state, events = judge_fixes(state, rf((1, london(6, 19, 30), True)), RF_CURFEW)
    assert [(e.kind, e.at) for e in events] == [("curfew_absent", london(6, 19))]
    assert events[0].reason == (
        "The tag was out of range of the home unit at 19:00 on 6 March 2026, during the window "
        "from 19:00 to 07:00 starting on Friday 6 March 2026."
    )


def test_a_late_rf_report_inside_a_window_raises() -> None:
    state, _ = judge_fixes(
        CurfewState(), rf((0, london(6, 18), True), (9, london(7, 8), True)), RF_CURFEW
    )
    state, events = judge_fixes(
        state, rf((4, london(7, 1), False), (5, london(7, 2), True)), RF_CURFEW
    )
    assert [(e.kind, e.at) for e in events] == [("curfew_absent", london(7, 1))]


# ---- victim proximity ----------------------------------------------------------------------

VICTIM = (51.48, -0.15)
PER_METRE = 1 / geo.LocalProjection.around(*VICTIM).metres_per_degree_lat


def at_distance(metres: float) -> tuple[float, float]:
    return (VICTIM[0] + metres * PER_METRE, VICTIM[1])


ADDRESS = ProximityRule(radius_m=200, hysteresis_m=20, victim_lat=VICTIM[0], victim_lon=VICTIM[1])


@pytest.mark.parametrize(
    ("rule", "distances", "expected"),
    [
        pytest.param(ADDRESS, [300, 250, 201], [], id="never-within"),
        pytest.param(ADDRESS, [300, 199], [("victim_proximity", 1)], id="comes-within"),
        pytest.param(
            ADDRESS,
            [300, 199, 205, 195, 219, 190, 210],
            [("victim_proximity", 1)],
            id="hovering-at-the-edge-raises-one-alert",
        ),
        pytest.param(
            ADDRESS,
            [199, 219, 221],
            [("victim_proximity", 0), ("victim_proximity_cleared", 2)],
            id="cleared-only-beyond-radius-plus-hysteresis",
        ),
        pytest.param(
            ADDRESS,
            [199, 221, 210, 199],
            [("victim_proximity", 0), ("victim_proximity_cleared", 1), ("victim_proximity", 3)],
            id="back-within-after-clearing-raises-again",
        ),
        pytest.param(ADDRESS, [210, 205], [], id="in-the-band-from-the-start-is-not-an-alert"),
        pytest.param(
            ProximityRule(radius_m=200, victim_lat=VICTIM[0], victim_lon=VICTIM[1]),
            [199, 215, 219, 221],
            [("victim_proximity", 0), ("victim_proximity_cleared", 3)],
            id="default-hysteresis-is-ten-percent",
        ),
    ],
)
def test_victim_proximity_with_hysteresis(
    rule: ProximityRule, distances: list[float], expected: list[tuple[str, int]]
) -> None:
    batch = fixes(*((i, at_distance(d)) for i, d in enumerate(distances)))
    _, events = judge_fixes(ZoneState(), batch, rule)
    assert kinds(events) == expected
    _, one_by_one = run_batches(rule, *[[f] for f in batch])
    assert kinds(one_by_one) == expected


def test_victim_proximity_reason_gives_the_distance() -> None:
    _, events = judge_fixes(ZoneState(), fixes((0, at_distance(150))), ADDRESS)
    assert events[0].reason == (
        "A fix at 12:00 on 6 March 2026 was 150 m from the victim, within the exclusion radius "
        "of 200 m."
    )


def test_victim_proximity_to_a_linked_device_pairs_fixes_nearest_in_time() -> None:
    rule = ProximityRule(radius_m=200, hysteresis_m=20)
    start = london(6, 12)
    # The victim is at VICTIM until 12:05, then 5 km north.
    far = (VICTIM[0] + 5_000 * PER_METRE, VICTIM[1])
    victim = [
        Fix(100, start, *VICTIM),
        Fix(101, start + dt.timedelta(minutes=5), *VICTIM),
        Fix(102, start + dt.timedelta(minutes=6), *far),
    ]
    subject = fixes(
        (0, at_distance(500)), (4, at_distance(100)), (7, at_distance(100)), (30, at_distance(100))
    )
    _, events = judge_fixes(ZoneState(), subject, rule, victim_fixes=victim)
    # Fix 4 is near the victim: alert. Fix 7 (12:07) pairs with the victim at 12:06, far away:
    # cleared. Fix 30 has no victim fix within 10 minutes: not judged.
    assert kinds(events) == [("victim_proximity", 4), ("victim_proximity_cleared", 7)]
    _, events = judge_fixes(ZoneState(), subject, rule)
    assert events == []  # no victim fixes at all: nothing to judge against


# ---- device events and signal --------------------------------------------------------------


def device(*items: tuple[int, str]) -> list[DeviceEvent]:
    return [
        DeviceEvent(seq, london(6, 12) + dt.timedelta(minutes=seq), kind) for seq, kind in items
    ]


@pytest.mark.parametrize(
    ("items", "expected"),
    [
        pytest.param([(0, "strap_tamper")], [("tamper", 0)], id="tamper"),
        pytest.param(
            [(0, "strap_tamper"), (1, "strap_tamper"), (2, "strap_restored")],
            [("tamper", 0), ("tamper_cleared", 2)],
            id="tamper-twice-one-alert-restored-closes",
        ),
        pytest.param([(0, "strap_restored")], [], id="restored-alone"),
        pytest.param(
            [(0, "battery_low"), (1, "battery_low"), (2, "battery_low")],
            [("battery_low", 0)],
            id="battery-low-alerts-once",
        ),
        pytest.param(
            [(0, "battery_low"), (1, "charging"), (2, "battery_low")],
            [("battery_low", 0), ("battery_charging", 1), ("battery_low", 2)],
            id="battery-low-again-after-charging",
        ),
        pytest.param(
            [(0, "strap_tamper"), (1, "battery_low"), (2, "strap_restored")],
            [("tamper", 0), ("battery_low", 1), ("tamper_cleared", 2)],
            id="strap-and-battery-are-separate",
        ),
    ],
)
def test_device_events(items: list[tuple[int, str]], expected: list[tuple[str, int]]) -> None:
    _, events = judge_device_events(DeviceState(), device(*items))
    assert kinds(events) == expected


def test_device_events_late_and_repeated() -> None:
    state, events = judge_device_events(DeviceState(), device((0, "strap_tamper")))
    state, events = judge_device_events(state, device((0, "strap_tamper"), (1, "strap_tamper")))
    assert events == []
    state, events = judge_device_events(state, device((5, "strap_restored")))
    assert kinds(events) == [("tamper_cleared", 5)]
    state, events = judge_device_events(state, device((3, "strap_restored")))
    assert events == []  # a late restore inside the episode changes nothing
    assert events == [] and not state.strap.violating


@pytest.mark.parametrize(
    ("minutes_since", "expected"),
    [
        pytest.param(0, False, id="just-seen"),
        pytest.param(29, False, id="within"),
        pytest.param(30, False, id="exactly-the-interval"),
        pytest.param(31, True, id="over"),
        pytest.param(-5, False, id="seen-in-the-future-clock-skew"),
    ],
)
def test_signal_overdue(minutes_since: int, expected: bool) -> None:
    seen = london(6, 12)
    now = seen + dt.timedelta(minutes=minutes_since)
    assert signal_overdue(seen, now, dt.timedelta(minutes=30)) is expected


@pytest.mark.parametrize(
    ("args", "field"),
    [
        pytest.param(
            (dt.datetime(2026, 3, 6), london(6, 12), dt.timedelta(minutes=5)),  # noqa: DTZ001
            "last_seen",
            id="naive",
        ),
        pytest.param((london(6, 12), "now", dt.timedelta(minutes=5)), "now", id="text"),
        pytest.param((london(6, 12), london(6, 13), dt.timedelta(0)), "policy_interval", id="zero"),
        pytest.param((london(6, 12), london(6, 13), 30), "policy_interval", id="number"),
    ],
)
def test_signal_overdue_refuses_bad_input(args: tuple[Any, ...], field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        signal_overdue(*args)


# ---- input checks and pruning --------------------------------------------------------------


@pytest.mark.parametrize(
    ("build", "field"),
    [
        pytest.param(lambda: Fix(-1, london(6, 12), 51.5, 0.0), "sequence", id="negative-sequence"),
        pytest.param(lambda: Fix(True, london(6, 12), 51.5, 0.0), "sequence", id="bool-sequence"),
        pytest.param(lambda: Fix(1, dt.datetime(2026, 3, 6), 51.5, 0.0), "at", id="naive-time"),  # noqa: DTZ001
        pytest.param(lambda: Fix(1, london(6, 12), 95.0, 0.0), "lat", id="latitude"),
        pytest.param(lambda: Fix(1, london(6, 12), 51.5, float("nan")), "lon", id="nan-longitude"),
        pytest.param(lambda: RangeReport(1, london(6, 12), 1), "in_range", id="range-not-bool"),
        pytest.param(lambda: DeviceEvent(1, london(6, 12), "on_fire"), "kind", id="device-kind"),
        pytest.param(lambda: ZoneRule("forbidden", SQUARE), "kind", id="zone-kind"),
        pytest.param(lambda: ZoneRule("exclusion", "square"), "zone", id="zone-not-a-zone"),
        pytest.param(lambda: CurfewRule(()), "timetable", id="curfew-without-windows"),
        pytest.param(lambda: ProximityRule(radius_m=0), "radius_m", id="zero-radius"),
        pytest.param(
            lambda: ProximityRule(radius_m=100, hysteresis_m=150),
            "hysteresis_m",
            id="huge-hysteresis",
        ),
        pytest.param(
            lambda: ProximityRule(radius_m=100, victim_lat=51.5), "victim_lon", id="half-an-address"
        ),
    ],
)
def test_inputs_are_checked(build: Any, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        build()


@pytest.mark.parametrize(
    ("state", "batch", "rule", "field"),
    [
        pytest.param(
            CurfewState(), fixes((0, IN)), EXCLUSION, "state", id="curfew-state-for-a-zone"
        ),
        pytest.param(
            ZoneState(),
            gps((0, london(6, 20), HOME_IN)),
            GPS_CURFEW,
            "state",
            id="zone-state-for-a-curfew",
        ),
        pytest.param(
            CurfewState(), gps((0, london(6, 20), HOME_IN)), RF_CURFEW, "fixes", id="gps-fix-for-rf"
        ),
        pytest.param(ZoneState(), [(51.5, 0.0)], EXCLUSION, "fixes", id="not-a-fix"),
        pytest.param(ZoneState(), "fixes", EXCLUSION, "fixes", id="text"),
        pytest.param(ZoneState(), [], "exclusion", "rule", id="not-a-rule"),
    ],
)
def test_judge_fixes_refuses_mismatches(state: Any, batch: Any, rule: Any, field: str) -> None:
    with pytest.raises(ValueError, match=f"^{field}:"):
        judge_fixes(state, batch, rule)


def test_prune_drops_old_observations_but_keeps_the_present() -> None:
    state, _ = judge_fixes(ZoneState(), fixes(*((i, IN) for i in range(10))), EXCLUSION)
    pruned = monitoring.prune(state, london(6, 12, 8))
    assert [m.sequence for m in pruned.marks] == [8, 9]
    _, events = judge_fixes(pruned, fixes((10, IN)), EXCLUSION)
    assert events == []  # the episode is still known to have raised its alert
    everything_old = monitoring.prune(state, london(7, 0))
    assert [m.sequence for m in everything_old.marks] == [9]
    curfew, _ = judge_fixes(
        CurfewState(), gps((0, london(6, 20), HOME_OUT), (1, london(13, 20), HOME_OUT)), GPS_CURFEW
    )
    pruned_curfew = monitoring.prune(curfew, london(12, 0))
    assert [o[1] for o in pruned_curfew.observations] == [1]
    assert len(pruned_curfew.alerted) == 1


def test_empty_batch_changes_nothing() -> None:
    state, _ = judge_fixes(ZoneState(), fixes((0, IN)), EXCLUSION)
    assert judge_fixes(state, [], EXCLUSION) == (state, [])
    assert judge_fixes(ZoneState(), [], ADDRESS) == (ZoneState(), [])


def test_docstring_examples() -> None:
    result = doctest.testmod(monitoring, verbose=False)
    assert result.attempted > 0
    assert result.failed == 0
