"""The reads of appointments and contacts: the diary (one query, only the user's own and only
cases they may see), the to-do lists with their overdue flags, progress on the requirements,
and each case's next appointment."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from probation.supervision.selectors import (
    absences_to_judge,
    contact_for,
    contact_log,
    diary,
    next_appointments,
    outcomes_to_record,
    requirement_progress,
)
from tests.factories import (
    CaseFactory,
    ContactFactory,
    RequirementFactory,
    SentenceFactory,
    UserFactory,
    organisation,
)

pytestmark = pytest.mark.django_db


def at(days: int, hour: int = 10) -> dt.datetime:
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, 0)))


def test_diary_day_is_the_users_own_in_time_order(crc_order_case, crc_practitioner):
    late = ContactFactory(case=crc_order_case, starts_at=at(1, 15))
    early = ContactFactory(case=crc_order_case, starts_at=at(1, 9))
    ContactFactory(case=crc_order_case, starts_at=at(2, 9))  # another day
    colleague = UserFactory(organisation=organisation("CRC-C08"), roles=["practitioner"])
    ContactFactory(case=crc_order_case, starts_at=at(1, 12), practitioner=colleague)
    day = timezone.localdate() + dt.timedelta(days=1)
    assert diary(for_user=crc_practitioner, first_day=day) == [early, late]


def test_diary_week_covers_seven_days(crc_order_case, crc_practitioner):
    inside = [ContactFactory(case=crc_order_case, starts_at=at(n)) for n in (1, 7)]
    ContactFactory(case=crc_order_case, starts_at=at(8))
    ContactFactory(case=crc_order_case, starts_at=at(0))
    first = timezone.localdate() + dt.timedelta(days=1)
    assert diary(for_user=crc_practitioner, first_day=first, days=7) == inside


def test_diary_leaves_out_cases_the_user_may_no_longer_see(crc_order_case, crc_practitioner):
    moved = CaseFactory(responsible_organisation=organisation("CRC-C12"))
    ContactFactory(case=moved, starts_at=at(1), practitioner=crc_practitioner)
    mine = ContactFactory(case=crc_order_case, starts_at=at(1, 14))
    day = timezone.localdate() + dt.timedelta(days=1)
    assert diary(for_user=crc_practitioner, first_day=day) == [mine]


def test_diary_is_one_query(crc_order_case, crc_practitioner):
    for hour in range(8, 16):
        ContactFactory(case=crc_order_case, starts_at=at(1, hour))
    day = timezone.localdate() + dt.timedelta(days=1)
    crc_practitioner.has_role("practitioner")  # the user's roles are read once a request
    with CaptureQueriesContext(connection) as queries:
        rows = diary(for_user=crc_practitioner, first_day=day)
        names = [c.case.person.surname for c in rows]
    assert len(names) == 8 and len(queries) == 1


def test_outcomes_to_record_with_overdue_flags(crc_order_case, crc_practitioner):
    old = ContactFactory(case=crc_order_case, starts_at=at(-2))
    ContactFactory(case=crc_order_case, starts_at=at(-3), outcome="attended_complied")
    ContactFactory(case=crc_order_case, starts_at=at(3))  # not started
    now = at(0, 12)
    today = ContactFactory(case=crc_order_case, starts_at=at(0, 9))
    rows = list(outcomes_to_record(for_user=crc_practitioner, now=now))
    assert rows == [old, today]
    assert [r.overdue for r in rows] == [True, False]


def test_absences_to_judge_with_overdue_flags(crc_order_case, crc_practitioner):
    today = timezone.localdate()
    late = ContactFactory(
        case=crc_order_case,
        starts_at=at(-6),
        outcome="awaiting_judgement",
        judgement_due_on=today - dt.timedelta(days=1),
    )
    due = ContactFactory(
        case=crc_order_case,
        starts_at=at(-1),
        outcome="awaiting_judgement",
        judgement_due_on=today + dt.timedelta(days=1),
    )
    ContactFactory(case=crc_order_case, starts_at=at(-4), outcome="unacceptable_absence")
    rows = list(absences_to_judge(for_user=crc_practitioner))
    assert rows == [late, due]
    assert [r.overdue for r in rows] == [True, False]


def test_absences_to_judge_are_the_users_own(crc_order_case, other_crc_practitioner):
    ContactFactory(
        case=crc_order_case,
        starts_at=at(-1),
        outcome="awaiting_judgement",
        judgement_due_on=timezone.localdate(),
    )
    assert list(absences_to_judge(for_user=other_crc_practitioner)) == []


def test_contact_log_newest_first_and_contact_for_is_of_the_case(crc_order_case):
    older = ContactFactory(case=crc_order_case, starts_at=at(-5))
    newer = ContactFactory(case=crc_order_case, starts_at=at(-1))
    other = ContactFactory(starts_at=at(-1))
    assert list(contact_log(crc_order_case)) == [newer, older]
    assert contact_for(case=crc_order_case, contact_id=older.pk) == older
    assert contact_for(case=crc_order_case, contact_id=other.pk) is None


def _uw(case: Any) -> Any:
    return case.sentences.get().requirements.get(kind="unpaid_work")


def test_requirement_progress_arithmetic(crc_order_case):
    requirement = _uw(crc_order_case)
    for hours in ("7", "6.5", "0"):
        ContactFactory(
            case=crc_order_case,
            starts_at=at(-10 + len(hours)),
            contact_type="unpaid_work",
            requirement=requirement,
            outcome="attended_complied",
            hours_credited=Decimal(hours),
        )
    for n in range(3):
        ContactFactory(
            case=crc_order_case, starts_at=at(-20 + n), outcome="attended_complied", rar_day=True
        )
    ContactFactory(case=crc_order_case, starts_at=at(-25), outcome="attended_complied")
    [order] = requirement_progress(crc_order_case)
    assert order.sentence == crc_order_case.sentences.get()
    assert order.unpaid_work is not None and order.rar_days is not None
    assert (order.unpaid_work.ordered, order.unpaid_work.delivered) == (100, Decimal("13.5"))
    assert order.unpaid_work.remaining == Decimal("86.5")
    assert order.unpaid_work_deadline == dt.date(2027, 11, 2)
    assert not order.unpaid_work_overdue
    assert (order.rar_days.ordered, order.rar_days.delivered, order.rar_days.remaining) == (
        20,
        3,
        17,
    )


def test_requirement_progress_never_below_zero(crc_order_case):
    ContactFactory(
        case=crc_order_case,
        starts_at=at(-3),
        contact_type="unpaid_work",
        requirement=_uw(crc_order_case),
        outcome="attended_complied",
        hours_credited=Decimal("120"),
    )
    [order] = requirement_progress(crc_order_case)
    assert order.unpaid_work is not None
    assert order.unpaid_work.remaining == 0 and order.unpaid_work.complete


def test_requirement_progress_overdue_unpaid_work(crc_case):
    sentence = SentenceFactory(case=crc_case, sentence_date=dt.date(2024, 1, 10))
    RequirementFactory(sentence=sentence, kind="unpaid_work", amount=60)
    [order] = requirement_progress(crc_case)
    assert order.rar_days is None
    assert order.unpaid_work_deadline == dt.date(2025, 1, 10)
    assert order.unpaid_work_overdue


def test_requirement_progress_ignores_ended_orders_and_other_requirements(crc_case):
    ended = SentenceFactory(case=crc_case, status="completed")
    RequirementFactory(sentence=ended, kind="unpaid_work", amount=60)
    active = SentenceFactory(case=crc_case)
    RequirementFactory(sentence=active, kind="curfew", amount=8)
    assert requirement_progress(crc_case) == []


def test_requirement_progress_is_two_queries(crc_order_case):
    with CaptureQueriesContext(connection) as queries:
        requirement_progress(crc_order_case)
    assert len(queries) == 2


def test_next_appointments_of_many_cases(crc_order_case, crc_case):
    ContactFactory(case=crc_order_case, starts_at=at(-1))
    ContactFactory(case=crc_order_case, starts_at=at(6))
    soonest = ContactFactory(case=crc_order_case, starts_at=at(2))
    ContactFactory(case=crc_order_case, starts_at=at(1), outcome="rescheduled")
    empty = CaseFactory()
    with CaptureQueriesContext(connection) as queries:
        found = next_appointments([crc_order_case.pk, empty.pk])
    assert found == {crc_order_case.pk: soonest}
    assert len(queries) == 1
    assert next_appointments([]) == {}
