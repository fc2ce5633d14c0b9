"""Booking appointments and recording what happened (docs/domain/enforcement.md, "Recording
compliance"): every outcome, every refusal, recurring runs, hours and days credited, and the
first-appointment clock stopped by the first attended appointment."""

from __future__ import annotations

import datetime as dt
import itertools
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from probation.allocation.models import FirstAppointment, SiftDecision
from probation.core.audit import AuditAction
from probation.core.calendar import bank_holidays_from
from probation.core.errors import Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.rules import clocks
from probation.supervision.models import Contact, Outcome
from probation.supervision.services import (
    absence_judge,
    appointment_book,
    contact_outcome_record,
    contact_record,
)
from tests.factories import ContactFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db


def at(days: int, hour: int = 10, minute: int = 0) -> dt.datetime:
    """An aware time ``days`` from today (local), at ``hour``:``minute``."""
    day = timezone.localdate() + dt.timedelta(days=days)
    return timezone.make_aware(dt.datetime.combine(day, dt.time(hour, minute)))


def book(case: Any, user: Any, days: int = 1, hours: float = 1, **kwargs: Any) -> list[Contact]:
    starts = kwargs.pop("starts_at", at(days))
    return appointment_book(
        case=case,
        by_user=user,
        contact_type=kwargs.pop("contact_type", "supervision"),
        starts_at=starts,
        ends_at=starts + dt.timedelta(hours=hours),
        **kwargs,
    )


def past(case: Any, *, days: int = -1, hours: float = 1, **kwargs: Any) -> Contact:
    starts = at(days)
    return ContactFactory(
        case=case, starts_at=starts, ends_at=starts + dt.timedelta(hours=hours), **kwargs
    )


def unpaid_work(case: Any) -> Any:
    return case.sentences.get().requirements.get(kind="unpaid_work")


# -- booking ----------------------------------------------------------------------------------


def test_book_one_appointment_in_the_officers_diary(crc_order_case, crc_practitioner):
    [contact] = book(crc_order_case, crc_practitioner, location="Liverpool office")
    assert contact.practitioner == crc_practitioner
    assert contact.sentence == crc_order_case.sentences.get()
    assert contact.outcome == "" and contact.series is None
    assert contact.booked_by == crc_practitioner
    event = AuditEvent.objects.get(action=AuditAction.APPOINTMENT_BOOKED)
    assert event.subject_id == str(contact.pk) and event.crn == crc_order_case.person.crn


def test_book_today_is_allowed(crc_order_case, crc_practitioner):
    [contact] = book(crc_order_case, crc_practitioner, starts_at=at(0, 23, 0), hours=0.5)
    assert timezone.localdate(contact.starts_at) == timezone.localdate()


def test_book_weekly_run_shares_a_series(crc_order_case, crc_practitioner):
    contacts = book(crc_order_case, crc_practitioner, repeat_weeks=3)
    assert len(contacts) == 4
    assert len({c.series for c in contacts}) == 1 and contacts[0].series is not None
    gaps = {
        (timezone.localtime(b.starts_at).date() - timezone.localtime(a.starts_at).date()).days
        for a, b in itertools.pairwise(contacts)
    }
    assert gaps == {7}
    assert {timezone.localtime(c.starts_at).hour for c in contacts} == {10}
    assert AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_BOOKED).count() == 4


def test_book_fortnightly_run(crc_order_case, crc_practitioner):
    contacts = book(crc_order_case, crc_practitioner, repeat_weeks=2, repeat_every=2)
    days = [timezone.localdate(c.starts_at) for c in contacts]
    assert [(b - a).days for a, b in itertools.pairwise(days)] == [14, 14]


def test_recurring_run_with_a_clash_in_the_middle_writes_nothing(crc_order_case, crc_practitioner):
    book(crc_order_case, crc_practitioner, days=15, hours=1)
    with pytest.raises(InvalidInput) as error:
        book(crc_order_case, crc_practitioner, days=1, repeat_weeks=3)
    when = timezone.localdate() + dt.timedelta(days=15)
    assert f"{when.day} " in error.value.message and "10:00" in error.value.message
    assert "Nothing was booked" in error.value.message
    assert Contact.objects.count() == 1


def test_clash_with_the_practitioners_diary_does_not_name_the_other_person(
    crc_order_case, crc_practitioner
):
    other = ContactFactory(
        case__responsible_organisation=organisation("CRC-C08"),
        case__responsible_officer=crc_practitioner,
        starts_at=at(2, 10, 30),
        practitioner=crc_practitioner,
    )
    with pytest.raises(InvalidInput) as error:
        book(crc_order_case, crc_practitioner, days=2)
    assert "the practitioner" in error.value.message
    assert other.case.person.surname not in error.value.message


def test_clash_with_the_persons_own_appointment(crc_order_case, crc_practitioner):
    colleague = UserFactory(organisation=organisation("CRC-C08"), roles=["practitioner"])
    book(crc_order_case, crc_practitioner, days=3)
    with pytest.raises(InvalidInput, match="this person"):
        book(crc_order_case, crc_practitioner, days=3, practitioner=colleague)


def test_a_rescheduled_appointment_no_longer_holds_the_time(crc_order_case, crc_practitioner):
    [first] = book(crc_order_case, crc_practitioner, days=4)
    contact_outcome_record(contact=first, by_user=crc_practitioner, outcome="rescheduled")
    [again] = book(crc_order_case, crc_practitioner, days=4)
    assert again.starts_at == first.starts_at
    assert AuditEvent.objects.filter(action=AuditAction.APPOINTMENT_CHANGED).count() == 1


def test_back_to_back_appointments_do_not_clash(crc_order_case, crc_practitioner):
    book(crc_order_case, crc_practitioner, starts_at=at(5, 10))
    book(crc_order_case, crc_practitioner, starts_at=at(5, 11))
    assert Contact.objects.count() == 2


@pytest.mark.parametrize(
    ("kwargs", "field", "words"),
    [
        ({"starts_at": at(-1)}, "starts_at", "today or in the future"),
        ({"days": 400}, "starts_at", "up to"),
        ({"days": 300, "repeat_weeks": 10}, "starts_at", "last of the run"),
        ({"hours": 0.2}, "ends_at", "15 minutes and 8 hours"),
        ({"hours": 8.5}, "ends_at", "15 minutes and 8 hours"),
        ({"repeat_weeks": 52}, "repeat_weeks", "at most 52"),
        ({"repeat_weeks": -1}, "repeat_weeks", "at most 52"),
        ({"repeat_weeks": 2, "repeat_every": 3}, "repeat_every", "every 2 weeks"),
        ({"contact_type": "party"}, "contact_type", "type"),
        ({"location": "x" * 201}, "location", "200 characters"),
    ],
)
def test_booking_bounds(crc_order_case, crc_practitioner, kwargs, field, words):
    with pytest.raises(InvalidInput) as error:
        book(crc_order_case, crc_practitioner, **kwargs)
    assert error.value.field == field and words in error.value.message
    assert not Contact.objects.exists()


def test_a_run_of_52_is_allowed(crc_order_case, crc_practitioner):
    assert len(book(crc_order_case, crc_practitioner, days=1, repeat_weeks=51)) == 52


def test_a_naive_time_is_refused(crc_order_case, crc_practitioner):
    with pytest.raises(InvalidInput):
        appointment_book(
            case=crc_order_case,
            by_user=crc_practitioner,
            contact_type="supervision",
            starts_at=dt.datetime(2030, 1, 1, 10),  # noqa: DTZ001 - naive on purpose
            ends_at=dt.datetime(2030, 1, 1, 11),  # noqa: DTZ001 - naive on purpose
        )


def test_unpaid_work_session_names_the_orders_requirement(crc_order_case, crc_practitioner):
    [contact] = book(crc_order_case, crc_practitioner, contact_type="unpaid_work", hours=7)
    assert contact.requirement == unpaid_work(crc_order_case)


def test_programme_session_refused_without_a_programme_requirement(
    crc_order_case, crc_practitioner
):
    with pytest.raises(InvalidInput, match="no active order with a"):
        book(crc_order_case, crc_practitioner, contact_type="programme")


def test_unpaid_work_session_refuses_another_kind_of_requirement(crc_order_case, crc_practitioner):
    rar = crc_order_case.sentences.get().requirements.get(kind="rehabilitation_activity")
    with pytest.raises(InvalidInput) as error:
        book(crc_order_case, crc_practitioner, contact_type="unpaid_work", requirement=rar)
    assert error.value.field == "requirement"


def test_requirement_of_another_case_is_refused(crc_order_case, crc_practitioner, sentenced_case):
    foreign = sentenced_case.sentences.get().requirements.get()
    with pytest.raises(InvalidInput, match="active order"):
        book(crc_order_case, crc_practitioner, requirement=foreign)


def test_other_organisations_practitioner_is_refused_as_the_diary(
    crc_order_case, crc_practitioner, nps_practitioner
):
    with pytest.raises(InvalidInput) as error:
        book(crc_order_case, crc_practitioner, practitioner=nps_practitioner)
    assert error.value.field == "practitioner"


def test_crc_manager_may_book(crc_order_case):
    manager = UserFactory(organisation=organisation("CRC-C08"), roles=["allocating_manager"])
    assert book(crc_order_case, manager)


def test_other_crc_may_not_book(crc_order_case, other_crc_practitioner):
    with pytest.raises(Exception) as error:
        book(crc_order_case, other_crc_practitioner)
    assert error.type.__name__ in {"CaseNotAvailable", "PermissionDenied"}
    assert not Contact.objects.exists()


def test_nps_practitioner_sees_but_may_not_book_a_crc_case(crc_order_case, nps_practitioner):
    with pytest.raises(PermissionDenied):
        book(crc_order_case, nps_practitioner)


@pytest.mark.parametrize("role", ["enforcement_officer", "court_officer", "auditor"])
def test_wrong_role_may_not_book(crc_order_case, role):
    user = UserFactory(organisation=organisation("CRC-C08"), roles=[role])
    with pytest.raises(PermissionDenied):
        book(crc_order_case, user)


def test_closed_case_is_refused(crc_order_case, crc_practitioner):
    crc_order_case.status = "closed"
    crc_order_case.save()
    with pytest.raises(InvalidInput, match="closed"):
        book(crc_order_case, crc_practitioner)


# -- outcomes ---------------------------------------------------------------------------------


def test_attended_and_complied(crc_order_case, crc_practitioner):
    contact = past(crc_order_case)
    recorded = contact_outcome_record(
        contact=contact, by_user=crc_practitioner, outcome="attended_complied", notes="Went well."
    )
    assert recorded.outcome == Outcome.ATTENDED_COMPLIED and not recorded.is_failure
    assert recorded.recorded_by == crc_practitioner and recorded.notes == "Went well."
    assert AuditEvent.objects.filter(action=AuditAction.CONTACT_RECORDED).count() == 1


def test_attended_but_failed_to_comply_is_a_failure(crc_order_case, crc_practitioner):
    recorded = contact_outcome_record(
        contact=past(crc_order_case), by_user=crc_practitioner, outcome="attended_failed_to_comply"
    )
    assert recorded.is_failure
    event = AuditEvent.objects.get(action=AuditAction.CONTACT_RECORDED)
    assert event.details["failure"] is True


def test_unacceptable_absence_judged_now(crc_order_case, crc_practitioner):
    recorded = contact_outcome_record(
        contact=past(crc_order_case), by_user=crc_practitioner, outcome="unacceptable_absence"
    )
    assert recorded.is_failure and recorded.judged_at is not None
    assert recorded.judgement_due_on is None


def test_acceptable_absence_needs_a_reason(crc_order_case, crc_practitioner):
    contact = past(crc_order_case)
    with pytest.raises(InvalidInput) as error:
        contact_outcome_record(
            contact=contact, by_user=crc_practitioner, outcome="acceptable_absence"
        )
    assert error.value.field == "absence_reason"
    recorded = contact_outcome_record(
        contact=contact,
        by_user=crc_practitioner,
        outcome="acceptable_absence",
        absence_reason="In hospital",
        absence_evidence="Discharge letter",
    )
    assert recorded.absence_reason == "In hospital" and not recorded.is_failure


def test_absence_awaiting_judgement_gets_its_clock(crc_order_case, crc_practitioner):
    contact = past(crc_order_case, days=-1)
    recorded = contact_outcome_record(
        contact=contact, by_user=crc_practitioner, outcome="awaiting_judgement"
    )
    day = timezone.localdate(contact.starts_at)
    assert recorded.judgement_due_on == clocks.absence_judgement_due(
        appointment_on=day, holidays=bank_holidays_from(day)
    )
    assert recorded.judged_at is None and not recorded.is_failure


def test_rescheduled_may_be_recorded_ahead(crc_order_case, crc_practitioner):
    [contact] = book(crc_order_case, crc_practitioner, days=2)
    recorded = contact_outcome_record(
        contact=contact, by_user=crc_practitioner, outcome="rescheduled"
    )
    assert recorded.outcome == Outcome.RESCHEDULED and not recorded.is_failure


@pytest.mark.parametrize(
    "outcome", ["attended_complied", "unacceptable_absence", "awaiting_judgement"]
)
def test_outcome_of_a_future_appointment_is_refused(crc_order_case, crc_practitioner, outcome):
    [contact] = book(crc_order_case, crc_practitioner, days=2)
    with pytest.raises(InvalidInput, match="not started yet"):
        contact_outcome_record(contact=contact, by_user=crc_practitioner, outcome=outcome)
    contact.refresh_from_db()
    assert contact.outcome == ""


def test_outcome_recorded_twice_is_a_conflict(crc_order_case, crc_practitioner):
    contact = past(crc_order_case)
    contact_outcome_record(contact=contact, by_user=crc_practitioner, outcome="attended_complied")
    with pytest.raises(Conflict, match="already recorded"):
        contact_outcome_record(
            contact=Contact.objects.get(pk=contact.pk),
            by_user=crc_practitioner,
            outcome="unacceptable_absence",
        )
    assert Contact.objects.get(pk=contact.pk).outcome == Outcome.ATTENDED_COMPLIED


def test_unknown_outcome_is_refused(crc_order_case, crc_practitioner):
    with pytest.raises(InvalidInput):
        contact_outcome_record(contact=past(crc_order_case), by_user=crc_practitioner, outcome="x")


def test_other_organisation_may_not_record(crc_order_case, nps_practitioner):
    with pytest.raises(PermissionDenied):
        contact_outcome_record(
            contact=past(crc_order_case), by_user=nps_practitioner, outcome="attended_complied"
        )


def test_enforcement_officer_may_not_record(crc_order_case, enforcement_officer):
    with pytest.raises(PermissionDenied):
        contact_outcome_record(
            contact=past(crc_order_case), by_user=enforcement_officer, outcome="attended_complied"
        )


# -- unpaid work hours and RAR days -----------------------------------------------------------


def test_unpaid_work_attended_credits_the_session_by_default(crc_order_case, crc_practitioner):
    contact = past(
        crc_order_case, hours=7, contact_type="unpaid_work", requirement=unpaid_work(crc_order_case)
    )
    recorded = contact_outcome_record(
        contact=contact, by_user=crc_practitioner, outcome="attended_complied"
    )
    assert recorded.hours_credited == Decimal("7.00")
    assert recorded.rar_day is False


def test_unpaid_work_hours_bounded_by_the_session(crc_order_case, crc_practitioner):
    contact = past(
        crc_order_case, hours=4, contact_type="unpaid_work", requirement=unpaid_work(crc_order_case)
    )
    with pytest.raises(InvalidInput, match="At most 4 hours"):
        contact_outcome_record(
            contact=contact,
            by_user=crc_practitioner,
            outcome="attended_complied",
            hours_credited=Decimal("4.5"),
        )
    recorded = contact_outcome_record(
        contact=contact,
        by_user=crc_practitioner,
        outcome="attended_complied",
        hours_credited=Decimal("3.5"),
    )
    assert recorded.hours_credited == Decimal("3.5")


def test_unpaid_work_hours_bounded_by_what_is_left(crc_order_case, crc_practitioner):
    requirement = unpaid_work(crc_order_case)
    ContactFactory(
        case=crc_order_case,
        starts_at=at(-20),
        contact_type="unpaid_work",
        requirement=requirement,
        outcome="attended_complied",
        hours_credited=Decimal("98"),
    )
    contact = past(crc_order_case, hours=7, contact_type="unpaid_work", requirement=requirement)
    with pytest.raises(InvalidInput, match="At most 2 hours"):
        contact_outcome_record(
            contact=contact, by_user=crc_practitioner, outcome="attended_complied", hours_credited=3
        )
    recorded = contact_outcome_record(
        contact=contact, by_user=crc_practitioner, outcome="attended_complied"
    )
    assert recorded.hours_credited == Decimal("2")


@pytest.mark.parametrize("hours", ["-1", "abc", "NaN", "1.234"])
def test_junk_hours_are_refused(crc_order_case, crc_practitioner, hours):
    contact = past(
        crc_order_case, hours=7, contact_type="unpaid_work", requirement=unpaid_work(crc_order_case)
    )
    with pytest.raises(InvalidInput) as error:
        contact_outcome_record(
            contact=contact,
            by_user=crc_practitioner,
            outcome="attended_complied",
            hours_credited=hours,
        )
    assert error.value.field == "hours_credited"


def test_failed_to_comply_at_unpaid_work_credits_nothing_by_default(
    crc_order_case, crc_practitioner
):
    contact = past(
        crc_order_case, hours=7, contact_type="unpaid_work", requirement=unpaid_work(crc_order_case)
    )
    recorded = contact_outcome_record(
        contact=contact, by_user=crc_practitioner, outcome="attended_failed_to_comply"
    )
    assert recorded.hours_credited == Decimal(0)


def test_hours_for_a_supervision_appointment_are_refused(crc_order_case, crc_practitioner):
    with pytest.raises(InvalidInput, match="only for an unpaid work"):
        contact_outcome_record(
            contact=past(crc_order_case),
            by_user=crc_practitioner,
            outcome="attended_complied",
            hours_credited=Decimal(1),
        )


def test_attended_supervision_counts_a_rar_day_once_a_day(crc_order_case, crc_practitioner):
    first = contact_outcome_record(
        contact=past(crc_order_case, days=-2), by_user=crc_practitioner, outcome="attended_complied"
    )
    starts = at(-2, 15)
    same_day = ContactFactory(
        case=crc_order_case, starts_at=starts, ends_at=starts + dt.timedelta(hours=1)
    )
    second = contact_outcome_record(
        contact=same_day, by_user=crc_practitioner, outcome="attended_complied"
    )
    assert first.rar_day is True and second.rar_day is False


def test_absence_counts_no_rar_day(crc_order_case, crc_practitioner):
    recorded = contact_outcome_record(
        contact=past(crc_order_case), by_user=crc_practitioner, outcome="unacceptable_absence"
    )
    assert recorded.rar_day is False


def test_no_rar_day_on_an_order_without_rar(crc_case, crc_practitioner):
    from tests.factories import RequirementFactory, SentenceFactory

    sentence = SentenceFactory(case=crc_case)
    RequirementFactory(sentence=sentence, kind="unpaid_work", amount=50)
    recorded = contact_outcome_record(
        contact=past(crc_case), by_user=crc_practitioner, outcome="attended_complied"
    )
    assert recorded.rar_day is False


# -- the first appointment clock --------------------------------------------------------------


@pytest.fixture
def clock(crc_order_case: Any) -> FirstAppointment:
    sift = SiftDecision.objects.create(
        case=crc_order_case,
        organisation=organisation("CRC-C08"),
        contract_area=crc_order_case.contract_area,
        reasons=[],
        facts={},
        policy_id="test",
        policy_version=1,
        trigger="sentence",
        decided_at=timezone.now() - dt.timedelta(days=10),
    )
    return FirstAppointment.objects.create(
        sift=sift, case=crc_order_case, due_on=timezone.localdate() - dt.timedelta(days=3)
    )


def test_first_attended_appointment_stops_the_clock(crc_order_case, crc_practitioner, clock):
    contact_outcome_record(
        contact=past(crc_order_case, days=-2),
        by_user=crc_practitioner,
        outcome="unacceptable_absence",
    )
    clock.refresh_from_db()
    assert clock.held_on is None
    contact = past(crc_order_case, days=-1)
    contact_outcome_record(contact=contact, by_user=crc_practitioner, outcome="attended_complied")
    clock.refresh_from_db()
    assert clock.held_on == timezone.localdate(contact.starts_at)
    event = AuditEvent.objects.get(action=AuditAction.FIRST_APPOINTMENT_RECORDED)
    assert event.details["late"] is True


def test_later_attendance_does_not_move_the_stopped_clock(crc_order_case, crc_practitioner, clock):
    contact_outcome_record(
        contact=past(crc_order_case, days=-3), by_user=crc_practitioner, outcome="attended_complied"
    )
    contact_outcome_record(
        contact=past(crc_order_case, days=-1), by_user=crc_practitioner, outcome="attended_complied"
    )
    clock.refresh_from_db()
    assert clock.held_on == timezone.localdate() - dt.timedelta(days=3)


def test_contact_before_the_sift_does_not_stop_the_clock(crc_order_case, crc_practitioner, clock):
    contact_outcome_record(
        contact=past(crc_order_case, days=-15),
        by_user=crc_practitioner,
        outcome="attended_complied",
    )
    clock.refresh_from_db()
    assert clock.held_on is None


# -- unplanned contacts -----------------------------------------------------------------------


def test_unplanned_phone_call_recorded_at_once(crc_order_case, crc_practitioner, clock):
    starts = timezone.now() - dt.timedelta(hours=2)
    contact = contact_record(
        case=crc_order_case,
        by_user=crc_practitioner,
        contact_type="phone",
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=15),
        outcome="attended_complied",
        notes="Rang to say he has a job.",
    )
    assert contact.pk and contact.booked_by is None and contact.practitioner == crc_practitioner
    assert contact.outcome == Outcome.ATTENDED_COMPLIED
    assert contact.rar_day is False  # a phone call is not an activity
    clock.refresh_from_db()
    assert clock.held_on is None  # nor a first appointment
    assert AuditEvent.objects.get(action=AuditAction.CONTACT_RECORDED).details["unplanned"]


def test_unplanned_home_visit_stops_the_first_appointment_clock(
    crc_order_case, crc_practitioner, clock
):
    starts = timezone.now() - dt.timedelta(hours=2)
    contact = contact_record(
        case=crc_order_case,
        by_user=crc_practitioner,
        contact_type="home_visit",
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=45),
        outcome="attended_complied",
    )
    clock.refresh_from_db()
    assert clock.held_on == timezone.localdate(starts)
    assert contact.rar_day is True


def test_unplanned_home_visit_not_at_home_awaits_judgement(crc_order_case, crc_practitioner):
    starts = timezone.now() - dt.timedelta(hours=3)
    contact = contact_record(
        case=crc_order_case,
        by_user=crc_practitioner,
        contact_type="home_visit",
        starts_at=starts,
        ends_at=starts + dt.timedelta(minutes=30),
        outcome="awaiting_judgement",
    )
    assert contact.judgement_due_on is not None


@pytest.mark.parametrize(
    ("starts", "outcome", "words"),
    [
        (dt.timedelta(hours=2), "attended_complied", "happened already"),
        (dt.timedelta(days=-400), "attended_complied", "on or after"),
        (dt.timedelta(hours=-2), "rescheduled", "what happened"),
    ],
)
def test_unplanned_contact_refusals(crc_order_case, crc_practitioner, starts, outcome, words):
    when = timezone.now() + starts
    with pytest.raises(InvalidInput) as error:
        contact_record(
            case=crc_order_case,
            by_user=crc_practitioner,
            contact_type="phone",
            starts_at=when,
            ends_at=when + dt.timedelta(minutes=15),
            outcome=outcome,
        )
    assert words in error.value.message.lower()
    assert not Contact.objects.exists()


def test_unplanned_contact_refused_to_other_crc(crc_order_case, other_crc_practitioner):
    when = timezone.now() - dt.timedelta(hours=1)
    with pytest.raises(Exception) as error:
        contact_record(
            case=crc_order_case,
            by_user=other_crc_practitioner,
            contact_type="phone",
            starts_at=when,
            ends_at=when + dt.timedelta(minutes=15),
            outcome="attended_complied",
        )
    assert error.type.__name__ in {"CaseNotAvailable", "PermissionDenied"}


# -- judging an absence -----------------------------------------------------------------------


@pytest.fixture
def awaiting(crc_order_case: Any, crc_practitioner: Any) -> Contact:
    return contact_outcome_record(
        contact=past(crc_order_case), by_user=crc_practitioner, outcome="awaiting_judgement"
    )


def test_judge_absence_acceptable(awaiting, crc_practitioner):
    judged = absence_judge(
        contact=awaiting, by_user=crc_practitioner, acceptable=True, reason="Sick", evidence="GP"
    )
    assert judged.outcome == Outcome.ACCEPTABLE_ABSENCE and judged.judged_at is not None
    assert judged.absence_evidence == "GP"
    assert AuditEvent.objects.filter(action=AuditAction.ABSENCE_JUDGED).count() == 1


def test_judge_absence_acceptable_needs_a_reason(awaiting, crc_practitioner):
    with pytest.raises(InvalidInput) as error:
        absence_judge(contact=awaiting, by_user=crc_practitioner, acceptable=True)
    assert error.value.field == "reason"


def test_judge_absence_unacceptable_is_a_failure(awaiting, crc_practitioner):
    judged = absence_judge(contact=awaiting, by_user=crc_practitioner, acceptable=False)
    assert judged.is_failure


def test_judge_twice_is_a_conflict(awaiting, crc_practitioner):
    absence_judge(contact=awaiting, by_user=crc_practitioner, acceptable=False)
    with pytest.raises(Conflict):
        absence_judge(
            contact=Contact.objects.get(pk=awaiting.pk),
            by_user=crc_practitioner,
            acceptable=True,
            reason="x",
        )


def test_judge_a_contact_not_awaiting_is_a_conflict(crc_order_case, crc_practitioner):
    with pytest.raises(Conflict, match="not recorded yet"):
        absence_judge(contact=past(crc_order_case), by_user=crc_practitioner, acceptable=False)


def test_judge_refused_to_another_organisation(awaiting, nps_practitioner):
    with pytest.raises(PermissionDenied):
        absence_judge(contact=awaiting, by_user=nps_practitioner, acceptable=False)
