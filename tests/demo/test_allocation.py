"""The demo world is allocated by the allocation machinery (docs/adr/0016-demo-allocation.md):
every case sifted, the assigned ones assigned by a manager, a backlog, escalations and transfers
in every state that the demo sign-ins see, and an audit chain that holds."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.db.models import Count, Exists, OuterRef

from probation.allocation.deadlines import (
    custody_sifts_due,
    first_appointments_due,
    latest_unseen_assignment_ids,
)
from probation.allocation.models import (
    Assignment,
    Escalation,
    EscalationState,
    FirstAppointment,
    SiftDecision,
    Transfer,
    TransferState,
)
from probation.allocation.selectors import escalation_queue, sift_facts, transfers_to_decide
from probation.core.audit_chain import verify_chain
from probation.core.models import AuditEvent
from probation.demo.builder import BuildResult
from probation.people.models import Case, CaseStatus
from probation.rules.allocation import decide
from probation.workforce.models import OrganisationKind, User
from tests.demo.worlds import AS_OF, rolled_back_world

pytestmark = pytest.mark.django_db

PEOPLE = 300


@pytest.fixture(scope="module")
def world(django_db_setup: Any, django_db_blocker: Any) -> Iterator[BuildResult]:
    yield from rolled_back_world(django_db_blocker, people=PEOPLE)


def _moved_by_hand() -> Any:
    """Cases an escalation or a transfer moved after the sift."""
    return Case.objects.filter(
        Exists(Escalation.objects.filter(case=OuterRef("pk")))
        | Exists(Transfer.objects.filter(case=OuterRef("pk"), state=TransferState.ACCEPTED))
    )


def test_every_active_case_is_sifted_but_the_releases_whose_sift_is_due(world: Any) -> None:
    active = Case.objects.filter(status=CaseStatus.ACTIVE)
    unsifted = set(active.filter(sifts__isnull=True).values_list("pk", flat=True))
    due = set(custody_sifts_due(cases=active, today=AS_OF).values_list("case_id", flat=True))
    assert unsifted <= due
    assert unsifted, "some custodial cases wait for their sift before release"
    for case in active.filter(pk__in=unsifted):
        assert case.responsible_organisation.kind == OrganisationKind.NPS
        assert case.responsible_officer_id is None
    triggers = dict(SiftDecision.objects.values_list("trigger").annotate(n=Count("pk")))
    assert triggers["sentence"] > triggers["release"] > 0


def test_every_sift_was_made_on_the_day_supervision_started(world: Any) -> None:
    for sift in SiftDecision.objects.filter(trigger="release").select_related("case")[:50]:
        sentence = sift.case.sentences.get()
        assert sift.decided_at.date() == sentence.release_date
        assert FirstAppointment.objects.get(sift=sift).due_on > sentence.release_date


def test_the_nps_holds_the_cases_the_sift_sends_it(world: Any) -> None:
    cases = (
        Case.objects.filter(status=CaseStatus.ACTIVE, sifts__isnull=False)
        .exclude(pk__in=_moved_by_hand())
        .select_related("responsible_organisation", "person")
        .distinct()
    )
    assert cases.count() > PEOPLE // 2
    for case in cases:
        decision = decide(sift_facts(case))
        assert (decision.organisation == "NPS") == (
            case.responsible_organisation.kind == OrganisationKind.NPS
        ), case.person.crn


def test_every_assigned_case_was_assigned_by_a_manager_of_its_organisation(world: Any) -> None:
    assigned = Case.objects.filter(responsible_officer__isnull=False).exclude(
        pk__in=_moved_by_hand()
    )
    assert assigned.count() > PEOPLE // 2
    for case in assigned.select_related("responsible_officer"):
        latest = Assignment.objects.filter(case=case).select_related("assigned_by").first()
        assert latest is not None, case.pk
        assert latest.officer_id == case.responsible_officer_id
        assert latest.organisation_id == case.responsible_organisation_id
        assert latest.assigned_by.organisation_id == case.responsible_organisation_id
        assert latest.assigned_by.has_role("allocating_manager")


def test_there_is_a_backlog_some_of_it_overdue(world: Any) -> None:
    waiting = Case.objects.filter(
        status=CaseStatus.ACTIVE, responsible_officer__isnull=True, sifts__isnull=False
    )
    dues = [
        SiftDecision.objects.filter(case=case).first().assignment_due_on  # type: ignore[union-attr]
        for case in waiting
    ]
    assert any(due < AS_OF for due in dues) and any(due >= AS_OF for due in dues)


def test_first_appointments_are_held_waiting_and_overdue(world: Any) -> None:
    assert FirstAppointment.objects.filter(held_on__isnull=False).exists()
    due = first_appointments_due(cases=Case.objects.all(), today=AS_OF)
    assert due.filter(is_overdue=True).exists() and due.filter(is_overdue=False).exists()
    for appointment in FirstAppointment.objects.filter(held_on__isnull=False)[:200]:
        assert appointment.held_on >= appointment.sift.decided_at.date()
        assert appointment.held_on <= AS_OF


def test_escalations_and_transfers_exist_in_every_state(world: Any) -> None:
    escalations = set(Escalation.objects.values_list("state", flat=True))
    transfers = set(Transfer.objects.values_list("state", flat=True))
    assert escalations == set(EscalationState.values)
    assert transfers == set(TransferState.values)
    assert Escalation.objects.filter(state="referred", review_due_on__lt=AS_OF).exists()
    assert Transfer.objects.filter(state="requested", decision_due_on__lt=AS_OF).exists()
    assert Transfer.objects.filter(state="requested", decision_due_on__gte=AS_OF).exists()
    for escalation in Escalation.objects.filter(state=EscalationState.TRANSFERRED):
        case = escalation.case
        assert case.responsible_organisation.kind == OrganisationKind.NPS
        assert case.responsible_officer is not None


def test_the_demo_signins_see_the_work_waiting_for_them(world: Any) -> None:
    nps_manager = User.objects.get(username="nps.manager")
    assert escalation_queue(for_user=nps_manager, today=AS_OF).exists()
    manager = User.objects.get(username="manager")
    assert transfers_to_decide(manager).filter(state=TransferState.REQUESTED).exists()
    practitioner = User.objects.get(username="practitioner")
    assert latest_unseen_assignment_ids(for_user=practitioner)
    assert Case.objects.filter(responsible_officer=practitioner).count() > 10


def test_every_step_is_audited_and_the_audit_chain_holds(world: Any) -> None:
    sifted = AuditEvent.objects.filter(action="case.sifted").count()
    assert sifted == SiftDecision.objects.exclude(trigger="transfer").count()
    assert AuditEvent.objects.filter(action="case.assigned").count() == Assignment.objects.count()
    assert verify_chain().ok


def test_the_court_officer_has_hearings_on_the_worlds_day(world: Any) -> None:
    from probation.courts.selectors import hearings_on
    from probation.workforce.models import User

    officer = User.objects.get(username="court.officer")
    hearings = hearings_on(for_user=officer, day=world.as_of)
    assert hearings and len(hearings) == world.counts["hearings_today"]
    assert all(h.conviction_date is None and h.offences.count() == 1 for h in hearings)
