"""The sift and assignment in bulk (``cases_sift``, ``cases_assign``) decide and record exactly
what the one-case services do (``case_sift``, ``case_assign``), and refuse what they refuse."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied
from django.utils import timezone

from probation.allocation.models import (
    Assignment,
    Escalation,
    EscalationState,
    FirstAppointment,
    SiftDecision,
)
from probation.allocation.selectors import boundary_reasons, sift_facts
from probation.allocation.services import (
    CaseToAssign,
    CaseToSift,
    _boundary_reasons_of,
    case_assign,
    case_sift,
    cases_assign,
    cases_sift,
)
from probation.core.audit import AuditAction
from probation.core.audit_chain import verify_chain
from probation.core.errors import CaseNotAvailable, InvalidInput
from probation.core.models import AuditEvent
from probation.courts.models import ChargedOffence, Court, Offence
from probation.people.models import Case, CaseStatus
from probation.risk.models import Registration
from tests.allocation.helpers import assess, manager_of, practitioner_of
from tests.factories import (
    AddressFactory,
    CaseFactory,
    CourtEventFactory,
    PersonFactory,
    SentenceFactory,
    area,
    organisation,
)

pytestmark = pytest.mark.django_db

# (assessment, home area, tier): NPS by RoSH, MAPPA, RSR or no assessment; CRC otherwise; tier A
# has the shorter clocks.
CASES: list[tuple[dict[str, Any] | None, str | None, str]] = [
    ({"rosh": "high"}, "C12", "A2"),
    ({"mappa": 2}, "C12", "B1"),
    ({"rsr": "6.90"}, "C08", "C2"),
    (None, "C12", ""),
    ({"rosh": "medium"}, "C12", "A1"),
    ({}, None, "D0"),
    ({}, "C08", "C2"),
]


def _case(assessment: dict[str, Any] | None, home: str | None, tier: str) -> Case:
    person = PersonFactory()
    case = CaseFactory(person=person, responsible_organisation=organisation("NPS"), tier=tier)
    if home is not None:
        AddressFactory(person=person, contract_area=area(home))
    CourtEventFactory(case=case, court=Court.objects.filter(contract_area__code="C05").first())
    if assessment is not None:
        assess(case, **assessment)
    return case


def _sift_row(sift: SiftDecision) -> tuple[Any, ...]:
    first = FirstAppointment.objects.filter(sift=sift).values_list("due_on", flat=True).first()
    return (
        sift.organisation.code,
        sift.contract_area.code,
        sift.reasons,
        sift.facts,
        sift.policy_id,
        sift.policy_version,
        sift.trigger,
        sift.assignment_due_on,
        first,
    )


def _audit_shape(action: str, subject: Any) -> tuple[Any, ...]:
    event = AuditEvent.objects.get(
        action=action, subject_type=subject._meta.label, subject_id=str(subject.pk)
    )
    return (event.crn, event.before, event.after, event.details, event.actor_id)


def _pairs() -> list[tuple[Case, Case]]:
    return [(_case(*spec), _case(*spec)) for spec in CASES]


def test_the_bulk_sift_decides_and_records_what_the_one_case_sift_does(
    nps_manager: Any,
) -> None:
    pairs = _pairs()
    starts_on = timezone.localdate() - dt.timedelta(days=2)
    singles = [
        case_sift(case=one, by_user=nps_manager, trigger="sentence", starts_on=starts_on)
        for one, _ in pairs
    ]
    bulk = cases_sift(
        sifts=[CaseToSift(other, sift_facts(other), "sentence", starts_on) for _, other in pairs],
        by_user=nps_manager,
    )
    assert len(bulk) == len(pairs)
    for (one, other), single, many in zip(pairs, singles, bulk, strict=True):
        assert _sift_row(many) == _sift_row(single)
        one.refresh_from_db()
        other.refresh_from_db()
        assert (other.responsible_organisation_id, other.contract_area_id) == (
            one.responsible_organisation_id,
            one.contract_area_id,
        )
        assert other.responsible_officer_id is None
        assert other.version == one.version == 1
        shape = _audit_shape(AuditAction.CASE_SIFTED, many)
        assert shape[1:] == _audit_shape(AuditAction.CASE_SIFTED, single)[1:]
        assert shape[0] == other.person.crn
    assert {s.organisation.code for s in bulk} == {"NPS", "CRC-C12", "CRC-C05", "CRC-C08"}
    assert verify_chain().ok


def test_the_bulk_sift_keeps_the_day_it_is_given(nps_manager: Any) -> None:
    case = _case({}, "C08", "A1")  # tier A: 1 working day to assign, 2 to the first appointment
    decided_at = dt.datetime(2025, 5, 30, 10, 0, tzinfo=dt.UTC)  # a Friday
    (sift,) = cases_sift(
        sifts=[CaseToSift(case, sift_facts(case), "release", dt.date(2025, 5, 30), decided_at)],
        by_user=None,
    )
    assert sift.decided_at == decided_at
    assert sift.decided_by is None
    assert sift.assignment_due_on == dt.date(2025, 6, 2)
    assert FirstAppointment.objects.get(sift=sift).due_on == dt.date(2025, 6, 3)


def test_the_bulk_sift_of_nothing_writes_nothing(nps_manager: Any) -> None:
    assert cases_sift(sifts=[], by_user=nps_manager) == []
    assert not AuditEvent.objects.filter(action=AuditAction.CASE_SIFTED).exists()


def test_the_bulk_sift_refuses_a_case_the_user_may_not_see(crc_manager: Any) -> None:
    case = _case({}, "C12", "C2")  # held by the NPS: a CRC manager does not see it
    with pytest.raises(CaseNotAvailable):
        cases_sift(sifts=[CaseToSift(case, sift_facts(case), "sentence")], by_user=crc_manager)
    assert not SiftDecision.objects.exists()


def test_the_bulk_sift_refuses_a_case_listed_twice(nps_manager: Any) -> None:
    case = _case({}, "C12", "C2")
    item = CaseToSift(case, sift_facts(case), "sentence")
    with pytest.raises(InvalidInput):
        cases_sift(sifts=[item, item], by_user=nps_manager)
    assert not SiftDecision.objects.exists()


def _crc_case(**assessment: Any) -> Case:
    case = CaseFactory(
        responsible_organisation=organisation("CRC-C08"), responsible_officer=None, tier="C2"
    )
    assess(case, **assessment)
    return case


def test_the_bulk_assignment_records_what_the_one_case_assignment_does(
    crc_manager: Any,
) -> None:
    po = practitioner_of("CRC-C08", "PO")
    pso = practitioner_of("CRC-C08", "PSO")
    one, other = _crc_case(), _crc_case()
    high_one, high_other = _crc_case(rosh="high"), _crc_case(rosh="high")
    singles = [
        case_assign(case=one, officer=pso, by_user=crc_manager),
        case_assign(case=high_one, officer=po, by_user=crc_manager),
    ]
    at = timezone.now() - dt.timedelta(days=3)
    bulk = cases_assign(
        assignments=[CaseToAssign(other, pso, at), CaseToAssign(high_other, po)],
        by_user=crc_manager,
    )
    assert bulk[0].assigned_at == at
    for single, many in zip(singles, bulk, strict=True):
        assert (many.officer_id, many.organisation_id, many.assigned_by_id) == (
            single.officer_id,
            single.organisation_id,
            single.assigned_by_id,
        )
        assert many.previous_officer_id is None
        assert many.case_version == single.case_version == 1
        assert (
            _audit_shape(AuditAction.CASE_ASSIGNED, many)[1:]
            == _audit_shape(AuditAction.CASE_ASSIGNED, single)[1:]
        )
    other.refresh_from_db()
    high_other.refresh_from_db()
    assert (other.responsible_officer, high_other.responsible_officer) == (pso, po)
    assert verify_chain().ok


@pytest.mark.parametrize(
    ("setup", "error"),
    [
        ("closed", InvalidInput),
        ("other_organisation_officer", InvalidInput),
        ("pso_high_rosh", InvalidInput),
        ("already_theirs", InvalidInput),
        ("other_organisation_case", CaseNotAvailable),
        ("not_a_manager", PermissionDenied),
    ],
)
def test_the_bulk_assignment_refuses_what_the_one_case_assignment_refuses(
    crc_manager: Any, setup: str, error: type[Exception]
) -> None:
    fine = _crc_case()
    po = practitioner_of("CRC-C08", "PO")
    by_user = crc_manager
    case, officer = _crc_case(), po
    if setup == "closed":
        Case.objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    elif setup == "other_organisation_officer":
        officer = practitioner_of("CRC-C12")
    elif setup == "pso_high_rosh":
        case, officer = _crc_case(rosh="very_high"), practitioner_of("CRC-C08", "PSO")
    elif setup == "already_theirs":
        Case.objects.filter(pk=case.pk).update(responsible_officer=po)
    elif setup == "other_organisation_case":
        case = CaseFactory(responsible_organisation=organisation("CRC-C12"))
    else:
        by_user = po
    case.refresh_from_db()
    with pytest.raises(error):
        case_assign(case=case, officer=officer, by_user=by_user)
    with pytest.raises(error):
        cases_assign(
            assignments=[CaseToAssign(fine, po), CaseToAssign(case, officer)], by_user=by_user
        )
    assert not Assignment.objects.filter(case=fine).exists()
    fine.refresh_from_db()
    assert fine.responsible_officer is None


def test_the_bulk_assignment_marks_confirmed_escalations_transferred(nps_manager: Any) -> None:
    case = CaseFactory(responsible_organisation=organisation("NPS"), responsible_officer=None)
    assess(case)
    escalation = Escalation.objects.create(
        case=case,
        trigger="manual",
        from_organisation=organisation("CRC-C08"),
        reason="Risk rose",
        review_due_on=timezone.localdate(),
        state=EscalationState.CONFIRMED,
    )
    (row,) = cases_assign(
        assignments=[CaseToAssign(case, practitioner_of("NPS"))], by_user=nps_manager
    )
    escalation.refresh_from_db()
    assert escalation.state == EscalationState.TRANSFERRED
    assert escalation.transferred_at == row.assigned_at
    event = AuditEvent.objects.get(action=AuditAction.CASE_ASSIGNED, subject_id=str(row.pk))
    assert event.details["escalations_transferred"] == [escalation.pk]


def test_the_boundaries_read_in_bulk_are_the_one_case_boundaries() -> None:
    plain = _crc_case()
    high = _crc_case(rosh="high", mappa=1)
    sexual = _crc_case()
    event = CourtEventFactory(case=sexual)
    ChargedOffence.objects.create(
        court_event=event,
        offence=Offence.objects.filter(sexual=True).first(),
        offence_date=dt.date(2024, 1, 1),
    )
    lifer = _crc_case()
    SentenceFactory(case=lifer, disposal="custody_indeterminate", length_days=None)
    protected = _crc_case()
    Registration.objects.create(
        case=protected, kind="child_protection", registered_on=dt.date(2024, 1, 1)
    )
    cases = [plain, high, sexual, lifer, protected]
    bulk = _boundary_reasons_of([c.pk for c in cases])
    for case in cases:
        assert bulk.get(case.pk, []) == boundary_reasons(case)
    assert plain.pk not in bulk and all(bulk.get(c.pk) for c in cases[1:])


@pytest.fixture
def nps_manager(db: Any) -> Any:
    return manager_of("NPS", first_name="Nia", last_name="Jones")
