"""The billing ledger from the database (``docs/domain/electronic-monitoring.md``, "Billing"):
a device-day is billable only if, for the whole day, an order was active, the device was fitted,
and the person was not in custody, deceased or removed from the country. Each acceptance case
(a tag on a dead person, one in custody from midday, one never fitted) is proved here through
the DB ledger, and through a reconciled claim in ``test_claims.py``."""

from __future__ import annotations

import datetime as dt
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from probation.core.audit import AuditAction
from probation.core.errors import InvalidInput
from probation.core.models import AuditEvent
from probation.monitoring import billing
from probation.monitoring.models import Device, Fitting, PersonStatus
from probation.monitoring.status_services import person_status_record
from tests.factories import organisation
from tests.monitoring.em_setup import curfew_order, device, em_case

pytestmark = pytest.mark.django_db

LONDON = ZoneInfo("Europe/London")
#: A month with no change of the clocks, and one with (29 March 2026: 23 hours).
MARCH = dt.date(2026, 3, 1)
MAY = dt.date(2026, 5, 1)


def at(day: int, hour: int = 0, minute: int = 0, month: int = 5) -> dt.datetime:
    """A London wall-clock time in 2026."""
    return dt.datetime(2026, month, day, hour, minute, tzinfo=LONDON)


def fitted_for(case: Any, serial: str, *, fitted_at: dt.datetime, **order: Any) -> Device:
    """A device fitted at ``fitted_at`` to an order running all of April to June 2026."""
    values = {"starts_on": dt.date(2026, 4, 1), "ends_on": dt.date(2026, 6, 30)} | order
    em_order = curfew_order(case, **values)
    tag = Device.objects.create(
        serial=serial, kind="gps", state="fitted", provider=organisation("EMS"), order=em_order
    )
    Fitting.objects.create(device=tag, order=em_order, fitted_at=fitted_at)
    return tag


def judged(tag: Device, first: dt.date, last: dt.date) -> dict[dt.date, tuple[bool, tuple]]:
    days = billing.judge_devices(first_day=first, last_day=last, devices=[tag])[tag.id]
    return {d.day: (d.billable, d.reasons) for d in days}


@pytest.fixture
def case(crc_practitioner: Any) -> Any:
    return em_case(crc_practitioner)


def test_a_fitted_device_on_an_active_order_bills_every_whole_day(case: Any) -> None:
    tag = fitted_for(case, "GPS-B1", fitted_at=at(1, month=4))
    days = judged(tag, dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert all(billable for billable, _ in days.values())
    assert billing.billable_device_days(month=MAY) == 31


def test_a_tag_on_a_dead_person_is_not_billable_from_the_day_of_death(case: Any) -> None:
    tag = fitted_for(case, "GPS-B2", fitted_at=at(1, month=4))
    PersonStatus.objects.create(
        person=case.person, kind="deceased", starts_at=at(10, 3), source="death register"
    )
    days = judged(tag, dt.date(2026, 5, 9), dt.date(2026, 5, 12))
    assert days[dt.date(2026, 5, 9)] == (True, ())
    for day in (10, 11, 12):
        billable, reasons = days[dt.date(2026, 5, day)]
        assert not billable
        assert reasons == ("The person died on 10 May 2026.",)
    assert billing.billable_device_days(month=MAY) == 9


def test_a_tag_on_a_person_in_custody_from_midday_is_not_billable_that_day(case: Any) -> None:
    tag = fitted_for(case, "GPS-B3", fitted_at=at(1, month=4))
    PersonStatus.objects.create(
        person=case.person,
        kind="in_custody",
        starts_at=at(14, 12),
        ends_at=at(16, 9, 30),
        source="prison system",
    )
    days = judged(tag, dt.date(2026, 5, 13), dt.date(2026, 5, 17))
    assert days[dt.date(2026, 5, 13)][0]
    assert days[dt.date(2026, 5, 14)] == (False, ("In custody from 12:00 on 14 May 2026.",))
    assert not days[dt.date(2026, 5, 15)][0]
    assert days[dt.date(2026, 5, 16)] == (
        False,
        ("In custody from 12:00 on 14 May 2026 until 09:30 on 16 May 2026.",),
    )
    assert days[dt.date(2026, 5, 17)][0]
    assert billing.billable_device_days(month=MAY) == 31 - 3


def test_a_device_never_fitted_is_never_billable(case: Any) -> None:
    curfew_order(case, starts_on=dt.date(2026, 4, 1), ends_on=dt.date(2026, 6, 30))
    tag = device("GPS-B4")
    days = judged(tag, dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    assert {reasons for _, reasons in days.values()} == {("No device was fitted.",)}
    assert not any(billable for billable, _ in days.values())
    assert billing.billable_device_days(month=MAY) == 0


def test_removed_from_the_country_and_partial_days_of_fitting_and_order(case: Any) -> None:
    tag = fitted_for(
        case,
        "GPS-B5",
        fitted_at=at(3, 14),
        starts_on=dt.date(2026, 5, 2),
        ends_on=dt.date(2026, 5, 20),
    )
    PersonStatus.objects.create(
        person=case.person, kind="removed", starts_at=at(18, 6), source="immigration"
    )
    days = judged(tag, dt.date(2026, 5, 1), dt.date(2026, 5, 21))
    assert days[dt.date(2026, 5, 1)][1] == ("No device was fitted.",)
    assert days[dt.date(2026, 5, 3)] == (False, ("The device was fitted at 14:00 on 3 May 2026.",))
    assert days[dt.date(2026, 5, 4)] == (True, ())
    assert days[dt.date(2026, 5, 17)] == (True, ())
    assert days[dt.date(2026, 5, 18)] == (
        False,
        ("The person was removed from the country at 06:00 on 18 May 2026.",),
    )
    # The order's last day (20th) is whole; the 21st has no order.
    assert "No EM order was active." in days[dt.date(2026, 5, 21)][1]
    assert billing.billable_device_days(month=MAY) == 17 - 4 + 1


def test_a_device_moved_between_people_is_judged_for_each(case: Any, crc_practitioner: Any) -> None:
    tag = fitted_for(case, "GPS-B6", fitted_at=at(1, month=4))
    Fitting.objects.filter(device=tag).update(ended_at=at(10, 10))
    other = em_case(crc_practitioner, surname="Otherperson")
    second = curfew_order(other, starts_on=dt.date(2026, 5, 1), ends_on=dt.date(2026, 5, 31))
    Fitting.objects.create(device=tag, order=second, fitted_at=at(12, 9))
    PersonStatus.objects.create(
        person=case.person, kind="deceased", starts_at=at(20), source="death register"
    )
    days = judged(tag, dt.date(2026, 5, 9), dt.date(2026, 5, 21))
    assert days[dt.date(2026, 5, 9)][0]
    assert days[dt.date(2026, 5, 10)] == (
        False,
        ("The device was removed at 10:00 on 10 May 2026.",),
    )
    assert days[dt.date(2026, 5, 11)] == (False, ("No device was fitted.",))
    assert days[dt.date(2026, 5, 12)] == (
        False,
        ("The device was fitted at 09:00 on 12 May 2026.",),
    )
    # The first person's death does not stop the second person's days.
    assert days[dt.date(2026, 5, 20)][0] and days[dt.date(2026, 5, 21)][0]


def test_the_day_the_clocks_go_forward_is_one_whole_day(case: Any) -> None:
    tag = fitted_for(case, "GPS-B7", fitted_at=at(1, month=3), starts_on=dt.date(2026, 3, 1))
    days = judged(tag, dt.date(2026, 3, 28), dt.date(2026, 3, 30))
    assert all(billable for billable, _ in days.values())
    assert billing.billable_device_days(month=MARCH) == 31  # fitted at midnight on the 1st


def test_the_ledger_reads_a_fixed_number_of_queries(
    case: Any, crc_practitioner: Any, django_assert_max_num_queries: Any
) -> None:
    tags = [fitted_for(case, f"GPS-Q{n}", fitted_at=at(1, month=4)) for n in range(5)]
    with django_assert_max_num_queries(2):
        billing.judge_devices(
            first_day=dt.date(2026, 5, 1), last_day=dt.date(2026, 5, 31), devices=tags
        )


# --- person statuses -------------------------------------------------------------------------


def test_person_status_record_is_audited_with_the_crn(case: Any, crc_practitioner: Any) -> None:
    now = dt.datetime(2026, 5, 20, tzinfo=dt.UTC)
    status = person_status_record(
        person=case.person,
        kind="in_custody",
        starts_at=at(14, 12),
        ends_at=at(16, 9),
        source="prison system",
        by_user=crc_practitioner,
        now=now,
    )
    event = AuditEvent.objects.get(action=AuditAction.PERSON_STATUS_RECORDED)
    assert event.crn == case.person.crn
    assert event.details["kind"] == "in_custody"
    assert status.recorded_by == crc_practitioner


@pytest.mark.parametrize(
    ("kind", "starts", "ends", "field"),
    [
        ("asleep", at(1), None, "kind"),
        ("deceased", at(1), at(2), "ends_at"),
        ("in_custody", at(3), at(2), "ends_at"),
        ("in_custody", at(1).replace(tzinfo=None), None, "starts_at"),
        ("in_custody", at(1, month=1) - dt.timedelta(days=4 * 365), None, "starts_at"),
    ],
)
def test_person_status_record_refuses_what_makes_no_sense(
    case: Any, crc_practitioner: Any, kind: str, starts: Any, ends: Any, field: str
) -> None:
    with pytest.raises(InvalidInput) as refused:
        person_status_record(
            person=case.person,
            kind=kind,
            starts_at=starts,
            ends_at=ends,
            source="x",
            by_user=crc_practitioner,
            now=dt.datetime(2026, 5, 20, tzinfo=dt.UTC),
        )
    assert refused.value.field == field
    assert not PersonStatus.objects.exists()


def test_a_death_is_recorded_once(case: Any, crc_practitioner: Any) -> None:
    now = dt.datetime(2026, 5, 20, tzinfo=dt.UTC)
    args = {"person": case.person, "kind": "deceased", "source": "register", "now": now}
    person_status_record(starts_at=at(10), by_user=crc_practitioner, **args)
    with pytest.raises(InvalidInput):
        person_status_record(starts_at=at(11), by_user=crc_practitioner, **args)
