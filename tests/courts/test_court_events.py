"""Recording a court event with its offences, ending an order early, and the sentencing limits of
the court (docs/adr/0011-court-intake.md)."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from probation.core.audit import AuditAction
from probation.core.errors import CaseNotAvailable, Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.courts.models import ChargedOffence, Court, CourtEvent, Offence, Sentence
from probation.courts.selectors import courts_of_officer, hearings_on
from probation.courts.services import (
    OffenceCharged,
    court_event_record,
    sentence_end,
    sentence_record,
)
from tests.factories import (
    CaseFactory,
    CourtEventFactory,
    SentenceFactory,
    UserFactory,
    area,
    offence,
    organisation,
)

pytestmark = pytest.mark.django_db

HEARING = dt.date(2025, 3, 3)


def record(case: Any, by_user: Any, **changes: Any) -> CourtEvent:
    args: dict[str, Any] = {
        "court": Court.objects.get(code="C08M01"),
        "hearing_date": HEARING,
        "conviction_date": HEARING,
        "offences": [
            OffenceCharged(offence("T001"), dt.date(2025, 1, 10), is_main=True),
            OffenceCharged(offence("B002"), dt.date(2025, 1, 11)),
        ],
    }
    return court_event_record(case=case, by_user=by_user, **{**args, **changes})


def test_the_reference_courts_know_their_kind_and_offences_their_mode_of_trial():
    assert Court.objects.get(code="C08CC").kind == "crown"
    assert Court.objects.get(code="C08M01").kind == "magistrates"
    assert not Court.objects.filter(name__contains="Crown").exclude(kind="crown").exists()
    assert Offence.objects.get(code="R001").mode_of_trial == "indictable"
    assert Offence.objects.get(code="M004").mode_of_trial == "summary"
    assert Offence.objects.get(code="T001").mode_of_trial == "either_way"


def test_a_court_event_is_recorded_with_its_offences_and_audited(court_officer):
    case = CaseFactory()
    version = case.version
    event = record(case, court_officer)
    assert event.court.code == "C08M01" and event.conviction_date == HEARING
    offences = list(ChargedOffence.objects.filter(court_event=event).order_by("offence_date"))
    assert [(c.offence.code, c.is_main) for c in offences] == [("T001", True), ("B002", False)]
    case.refresh_from_db()
    assert case.version == version + 1
    audit = AuditEvent.objects.get(action=AuditAction.COURT_EVENT_RECORDED)
    assert audit.crn == case.person.crn and audit.subject_id == str(event.pk)
    assert audit.after["court"] == "C08M01"
    assert audit.after["offences"][0] == {
        "offence": "T001",
        "ogrs3_category": "theft",
        "offence_date": "2025-01-10",
        "is_main": True,
    }


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        (lambda: {"offences": []}, "offences"),
        (
            lambda: {"offences": [OffenceCharged(offence("T001"), dt.date(2025, 1, 10))]},
            "offences",
        ),
        (lambda: {"conviction_date": HEARING + dt.timedelta(days=1)}, "conviction_date"),
        (lambda: {"hearing_date": dt.date(9999, 1, 1)}, "hearing_date"),
    ],
    ids=["no-offence", "no-main-offence", "conviction-after-hearing", "hearing-far-future"],
)
def test_a_court_event_that_makes_no_sense_is_refused(court_officer, changes, field):
    case = CaseFactory()
    with pytest.raises(InvalidInput) as refused:
        record(case, court_officer, **changes())
    assert refused.value.field == field
    assert not CourtEvent.objects.filter(case=case).exists()
    assert not AuditEvent.objects.filter(action=AuditAction.COURT_EVENT_RECORDED).exists()


def test_an_offence_after_the_conviction_is_refused(court_officer):
    case = CaseFactory()
    with pytest.raises(InvalidInput, match="on or before the date of conviction"):
        record(
            case,
            court_officer,
            offences=[OffenceCharged(offence("T001"), HEARING + dt.timedelta(days=1), True)],
        )


def test_two_main_offences_are_refused(court_officer):
    with pytest.raises(InvalidInput, match="one main offence"):
        record(
            CaseFactory(),
            court_officer,
            offences=[
                OffenceCharged(offence("T001"), dt.date(2025, 1, 10), True),
                OffenceCharged(offence("T002"), dt.date(2025, 1, 10), True),
            ],
        )


def test_only_a_court_officer_records_a_court_event(nps_practitioner):
    with pytest.raises(PermissionDenied):
        record(CaseFactory(), nps_practitioner)


def test_a_court_event_on_a_case_the_officer_may_not_see_is_refused():
    crc_officer = UserFactory(organisation=organisation("CRC-C12"), roles=["court_officer"])
    with pytest.raises(CaseNotAvailable):
        record(CaseFactory(), crc_officer)


def test_a_stale_form_is_refused(court_officer):
    case = CaseFactory()
    with pytest.raises(Conflict):
        record(case, court_officer, expected_version=case.version + 5)


# --- Sentencing limits in the service ----------------------------------------------------------


def test_a_magistrates_court_cannot_pass_more_than_6_months_for_one_offence(court_officer):
    case = CaseFactory()
    record(case, court_officer, offences=[OffenceCharged(offence("T001"), HEARING, True)])
    with pytest.raises(InvalidInput) as refused:
        sentence_record(
            case=case,
            by_user=court_officer,
            disposal="custody",
            sentence_date=HEARING,
            length_days=185,
        )
    assert refused.value.field == "length_days"
    assert "6 months" in refused.value.message
    assert not Sentence.objects.filter(case=case).exists()
    sentence = sentence_record(
        case=case, by_user=court_officer, disposal="custody", sentence_date=HEARING, length_days=184
    )
    assert sentence.length_days == 184


def test_two_either_way_offences_allow_12_months_in_total(court_officer):
    case = CaseFactory()
    record(case, court_officer)  # theft from a shop and burglary of a non-dwelling
    sentence = sentence_record(
        case=case, by_user=court_officer, disposal="custody", sentence_date=HEARING, length_days=365
    )
    assert sentence.release_date is not None


def test_a_suspended_sentence_order_ends_with_its_operational_period(court_officer):
    case = CaseFactory()
    record(case, court_officer)
    sentence = sentence_record(
        case=case,
        by_user=court_officer,
        disposal="suspended_sentence_order",
        sentence_date=HEARING,
        length_days=90,
        suspended_for_days=365,
        requirements=[("unpaid_work", 80)],
        complete=True,
    )
    assert sentence.suspended_for_days == 365
    assert sentence.expected_end_date == dt.date(2026, 3, 2)


def test_a_complete_order_needs_its_amounts(court_officer):
    case = CaseFactory()
    record(case, court_officer)
    with pytest.raises(InvalidInput) as refused:
        sentence_record(
            case=case,
            by_user=court_officer,
            disposal="community_order",
            sentence_date=HEARING,
            length_days=365,
            requirements=[("unpaid_work", None)],
            complete=True,
        )
    assert refused.value.field == "amount_unpaid_work"


def test_a_sentence_before_the_conviction_is_refused(court_officer):
    case = CaseFactory()
    record(case, court_officer, conviction_date=HEARING)
    with pytest.raises(InvalidInput, match="on or after the date of conviction"):
        sentence_record(
            case=case,
            by_user=court_officer,
            disposal="community_order",
            sentence_date=HEARING - dt.timedelta(days=1),
            length_days=365,
        )


# --- Ending an order early ---------------------------------------------------------------------


@pytest.fixture
def two_orders(court_officer: Any) -> tuple[Sentence, Sentence]:
    case = CaseFactory()
    event = CourtEventFactory(case=case)
    old = SentenceFactory(case=case, court_event=event, sentence_date=dt.date(2024, 6, 1))
    new = SentenceFactory(case=case, court_event=event, sentence_date=HEARING)
    return old, new


def test_a_superseded_order_is_terminated_and_names_its_successor(court_officer, two_orders):
    old, new = two_orders
    ended = sentence_end(
        sentence=old,
        by_user=court_officer,
        ended_on=HEARING,
        reason="superseded",
        superseded_by=new,
    )
    old.refresh_from_db()
    assert ended.pk == old.pk
    assert (old.status, old.ended_on, old.ended_reason, old.superseded_by) == (
        "terminated",
        HEARING,
        "superseded",
        new,
    )
    event = AuditEvent.objects.get(action=AuditAction.SENTENCE_ENDED)
    assert event.before == {
        "status": "active",
        "ended_on": None,
        "ended_reason": "",
        "superseded_by_id": None,
    }
    assert event.after["superseded_by_id"] == new.pk


def test_an_ended_order_cannot_end_again(court_officer, two_orders):
    old, _new = two_orders
    sentence_end(sentence=old, by_user=court_officer, ended_on=HEARING, reason="ended")
    with pytest.raises(Conflict):
        sentence_end(sentence=old, by_user=court_officer, ended_on=HEARING, reason="ended")
    assert AuditEvent.objects.filter(action=AuditAction.SENTENCE_ENDED).count() == 1


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"reason": "forgotten"}, "ends or is superseded"),
        ({"reason": "superseded"}, "names the sentence that supersedes it"),
        ({"ended_on": dt.date(2024, 1, 1)}, "cannot end before the date it was passed"),
    ],
)
def test_ending_an_order_wrongly_is_refused(court_officer, two_orders, changes, message):
    old, _new = two_orders
    args = {"ended_on": HEARING, "reason": "ended", **changes}
    with pytest.raises(InvalidInput, match=message):
        sentence_end(sentence=old, by_user=court_officer, **args)
    old.refresh_from_db()
    assert old.status == "active"


def test_only_a_court_officer_ends_an_order(nps_practitioner, two_orders):
    with pytest.raises(PermissionDenied):
        sentence_end(
            sentence=two_orders[0], by_user=nps_practitioner, ended_on=HEARING, reason="ended"
        )


# --- The officer's courts ----------------------------------------------------------------------


def test_an_officers_courts_are_those_of_their_offices_contract_area(court_officer):
    from probation.workforce.models import Office

    assert courts_of_officer(court_officer).count() == Court.objects.count()
    court_officer.office = Office.objects.create(
        organisation=organisation("NPS"), name="Merseyside courts", contract_area=area("C08")
    )
    assert set(courts_of_officer(court_officer).values_list("code", flat=True)) == {
        "C08M01",
        "C08M02",
        "C08M03",
        "C08CC",
    }
    court_officer.office = Office.objects.create(organisation=organisation("NPS"), name="HQ")
    assert not courts_of_officer(court_officer).exists()


def test_hearings_on_a_day_are_one_query(court_officer, django_assert_max_num_queries):
    day = dt.date(2025, 3, 3)
    for _ in range(3):
        event = CourtEventFactory(hearing_date=day)
        ChargedOffence.objects.create(
            court_event=event, offence=offence("T001"), offence_date=day, is_main=True
        )
    assert court_officer.organisation.code == "NPS" and court_officer.role_codes  # loaded
    with django_assert_max_num_queries(3):
        found = hearings_on(for_user=court_officer, day=day)
        names = [c.offence.description for e in found for c in e.offences.all()]
    assert len(found) == 3 and names == ["Theft from a shop"] * 3
