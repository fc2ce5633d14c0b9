"""The allocation clocks on the case record (docs/domain/allocation.md §3): the custodial sift
before release, the first appointment, the notification of a new allocation, and the manager's
count of what is waiting and overdue; every refused transition of recording a first appointment.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from probation.allocation.deadlines import (
    custody_sifts_due,
    first_appointments_due,
    latest_unseen_assignment_ids,
    overdue_clocks,
    release_sift_horizon,
)
from probation.allocation.models import FirstAppointment, SiftDecision
from probation.allocation.services import (
    allocation_seen,
    case_assign,
    case_sift,
    first_appointment_record,
    release_sifts,
)
from probation.core.audit import AuditAction
from probation.core.calendar import bank_holidays_from
from probation.core.errors import InvalidInput
from probation.core.models import AuditEvent
from probation.people.models import Case
from probation.rules.dates import add_working_days
from tests.allocation.helpers import assess, manager_of, practitioner_of
from tests.factories import AddressFactory, CaseFactory, SentenceFactory, area, organisation

pytestmark = pytest.mark.django_db


def _working_days(start: dt.date, n: int) -> dt.date:
    return add_working_days(start, n, holidays=bank_holidays_from(start))


def _custody_case(*, release_on: dt.date, sentenced_on: dt.date = dt.date(2026, 1, 5)) -> Any:
    case = CaseFactory(responsible_organisation=organisation("NPS"), tier="C2")
    AddressFactory(person=case.person, contract_area=area("C08"))
    assess(case)
    SentenceFactory(
        case=case, disposal="custody", sentence_date=sentenced_on, release_date=release_on
    )
    return case


class TestCustodialSiftBeforeRelease:
    TODAY = dt.date(2026, 11, 30)  # a Monday

    def test_the_horizon_is_ten_working_days_ahead(self) -> None:
        assert release_sift_horizon(self.TODAY) == dt.date(2026, 12, 14)

    @pytest.mark.parametrize(
        ("release_on", "due", "overdue"),
        [
            (dt.date(2026, 12, 15), False, False),  # due tomorrow: not yet listed
            (dt.date(2026, 12, 14), True, False),  # due today: in time
            (dt.date(2026, 12, 13), True, False),  # a Sunday release: due today too
            (dt.date(2026, 12, 11), True, True),  # due last Friday: overdue
            (dt.date(2026, 11, 20), True, True),  # already released, never sifted
        ],
    )
    def test_a_sift_is_due_ten_working_days_before_release(
        self, release_on: dt.date, due: bool, overdue: bool
    ) -> None:
        case = _custody_case(release_on=release_on)
        listed = list(custody_sifts_due(cases=Case.objects.all(), today=self.TODAY))
        assert [s.case_id for s in listed] == ([case.pk] if due else [])
        if due:
            assert listed[0].sift_overdue is overdue

    def test_a_case_sifted_since_its_sentence_is_not_due(self) -> None:
        case = _custody_case(release_on=dt.date(2026, 12, 1))
        case_sift(case=case, by_user=None, trigger="release")
        assert not custody_sifts_due(cases=Case.objects.all(), today=self.TODAY).exists()

    def test_the_release_sift_sends_the_case_and_counts_the_first_appointment_from_release(
        self,
    ) -> None:
        today = timezone.localdate()
        release_on = _working_days(today, 3)
        case = _custody_case(release_on=release_on)
        sifts = release_sifts(by_user=None)
        assert [s.case_id for s in sifts] == [case.pk]
        case.refresh_from_db()
        assert case.responsible_organisation.code == "CRC-C08"
        assert sifts[0].trigger == "release"
        appointment = FirstAppointment.objects.get(case=case)
        assert appointment.due_on == _working_days(release_on, 5)
        assert release_sifts(by_user=None) == []  # sifted once

    def test_only_an_nps_manager_runs_the_sifts(self) -> None:
        _custody_case(release_on=timezone.localdate())
        with pytest.raises(PermissionDenied):
            release_sifts(by_user=manager_of("CRC-C08"))
        with pytest.raises(PermissionDenied):
            release_sifts(by_user=practitioner_of("NPS"))
        assert not SiftDecision.objects.exists()
        assert len(release_sifts(by_user=manager_of("NPS"))) == 1


@pytest.fixture
def sifted_case(unallocated_case: Any) -> Any:
    """The unallocated CRC case, sifted at a community sentence two weeks ago."""
    sentenced_on = timezone.localdate() - dt.timedelta(days=14)
    SentenceFactory(case=unallocated_case, sentence_date=sentenced_on)
    AddressFactory(person=unallocated_case.person, contract_area=area("C08"))
    case_sift(case=unallocated_case, by_user=None, trigger="sentence", starts_on=sentenced_on)
    return unallocated_case


class TestFirstAppointment:
    def test_the_sift_starts_the_clock(self, sifted_case: Any) -> None:
        appointment = FirstAppointment.objects.get(case=sifted_case)
        sentenced_on = timezone.localdate() - dt.timedelta(days=14)
        assert appointment.due_on == _working_days(sentenced_on, 5)
        assert appointment.held_on is None
        overdue = list(first_appointments_due(cases=Case.objects.all()))
        assert [a.pk for a in overdue] == [appointment.pk]
        assert overdue[0].is_overdue is True

    def test_a_sift_without_a_start_day_starts_no_clock(self, unallocated_case: Any) -> None:
        case_sift(case=unallocated_case, by_user=None, trigger="manual")
        assert not FirstAppointment.objects.exists()

    def test_the_officer_records_it_once(self, sifted_case: Any, crc_manager: Any) -> None:
        officer = practitioner_of("CRC-C08")
        case_assign(case=sifted_case, officer=officer, by_user=crc_manager)
        today = timezone.localdate()
        appointment = first_appointment_record(case=sifted_case, by_user=officer, held_on=today)
        assert appointment.held_on == today and appointment.recorded_by == officer
        assert not first_appointments_due(cases=Case.objects.all()).exists()
        event = AuditEvent.objects.get(action=AuditAction.FIRST_APPOINTMENT_RECORDED)
        assert event.after == {"held_on": today.isoformat()} and event.details["late"] is True
        with pytest.raises(InvalidInput, match="already recorded"):
            first_appointment_record(case=sifted_case, by_user=officer, held_on=today)

    @pytest.mark.parametrize(
        ("offset", "message"),
        [(1, "today or in the past"), (-30, "on or after")],
        ids=["future", "before-the-sift"],
    )
    def test_impossible_days_are_refused(
        self, sifted_case: Any, crc_manager: Any, offset: int, message: str
    ) -> None:
        held_on = timezone.localdate() + dt.timedelta(days=offset)
        with pytest.raises(InvalidInput, match=message):
            first_appointment_record(case=sifted_case, by_user=crc_manager, held_on=held_on)
        assert FirstAppointment.objects.get(case=sifted_case).held_on is None

    def test_another_practitioner_may_not(self, sifted_case: Any) -> None:
        with pytest.raises(PermissionDenied):
            first_appointment_record(
                case=sifted_case,
                by_user=practitioner_of("CRC-C08"),
                held_on=timezone.localdate(),
            )
        assert not AuditEvent.objects.filter(action=AuditAction.FIRST_APPOINTMENT_RECORDED).exists()

    def test_an_unsifted_case_has_none_to_record(
        self, unallocated_case: Any, crc_manager: Any
    ) -> None:
        with pytest.raises(InvalidInput, match="not been sifted"):
            first_appointment_record(
                case=unallocated_case, by_user=crc_manager, held_on=timezone.localdate()
            )


class TestNewAllocationNotice:
    def test_new_until_the_officer_opens_it(self, unallocated_case: Any, crc_manager: Any) -> None:
        officer = practitioner_of("CRC-C08")
        case_assign(case=unallocated_case, officer=officer, by_user=crc_manager)
        assert latest_unseen_assignment_ids(for_user=officer) == {unallocated_case.pk}
        assert allocation_seen(case=unallocated_case, by_user=officer) == 1
        assert latest_unseen_assignment_ids(for_user=officer) == set()
        assert allocation_seen(case=unallocated_case, by_user=officer) == 0
        assert AuditEvent.objects.filter(action=AuditAction.ALLOCATION_SEEN).count() == 1

    def test_a_case_moved_on_to_someone_else_is_not_new(
        self, unallocated_case: Any, crc_manager: Any
    ) -> None:
        first, second = practitioner_of("CRC-C08"), practitioner_of("CRC-C08")
        case_assign(case=unallocated_case, officer=first, by_user=crc_manager)
        case_assign(case=unallocated_case, officer=second, by_user=crc_manager)
        assert latest_unseen_assignment_ids(for_user=first) == set()
        assert latest_unseen_assignment_ids(for_user=second) == {unallocated_case.pk}


class TestManagerClocks:
    def test_counts_what_waits_and_what_is_overdue(
        self, sifted_case: Any, crc_manager: Any
    ) -> None:
        clocks = {c.key: c for c in overdue_clocks(for_user=crc_manager)}
        assert "sift" not in clocks  # the NPS sifts
        assert (clocks["assignment"].waiting, clocks["first-appointment"].waiting) == (1, 1)
        assert clocks["first-appointment"].overdue == 1
        assert (clocks["transfer-decision"].waiting, clocks["escalation-review"].waiting) == (0, 0)

    def test_the_nps_sees_the_sifts_due(self) -> None:
        _custody_case(release_on=timezone.localdate() - dt.timedelta(days=3))
        clocks = {c.key: c for c in overdue_clocks(for_user=manager_of("NPS"))}
        assert (clocks["sift"].waiting, clocks["sift"].overdue) == (1, 1)
        assert "transfer-in" in clocks

    def test_a_practitioner_has_no_manager_clocks(self) -> None:
        assert overdue_clocks(for_user=practitioner_of("CRC-C08")) == []


class TestTheWaitIsKeptOnTheCase:
    """Each hand-over to an organisation writes, on the case, since when it waits and by when a
    practitioner is due, which the list of cases to allocate reads (ADR 0017, decision 8)."""

    def test_the_sift_sets_the_wait(self, unallocated_case: Any) -> None:
        sift = case_sift(case=unallocated_case, by_user=None, trigger="sentence")
        case = Case.objects.get(pk=unallocated_case.pk)
        assert case.awaiting_since == sift.decided_at
        assert case.assignment_due_on == sift.assignment_due_on is not None

    def test_a_confirmed_escalation_sets_the_transfer_in_day(self, unallocated_case: Any) -> None:
        from probation.allocation.services import (
            escalation_confirm,
            escalation_refer,
            escalation_review_start,
        )

        officer = practitioner_of("CRC-C08")
        case_assign(case=unallocated_case, officer=officer, by_user=manager_of("CRC-C08"))
        escalation = escalation_refer(case=unallocated_case, by_user=officer, reason="RoSH high")
        reviewer = manager_of("NPS")
        escalation_review_start(escalation=escalation, by_user=reviewer)
        escalation = escalation_confirm(
            escalation=escalation, by_user=reviewer, reasons="The NPS manages high risk."
        )
        case = Case.objects.get(pk=unallocated_case.pk)
        assert case.responsible_officer is None
        assert case.assignment_due_on == escalation.transfer_due_on is not None
        assert case.awaiting_since == escalation.decided_at
