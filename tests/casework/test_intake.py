"""Court intake (docs/adr/0011-court-intake.md): the court officer's home, then one journey that
adds a person from court, step by step, with the answers kept in the session, checked, and
submitted at once: person, court event, offences, sentence, tier and sift, or nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.utils import timezone

from probation.allocation.models import SiftDecision
from probation.casework import services as casework_services
from probation.core.audit import AuditAction
from probation.core.errors import InvalidInput
from probation.core.identifiers import format_pnc
from probation.core.models import AuditEvent
from probation.courts.models import ChargedOffence, Court, CourtEvent, Sentence
from probation.courts.services import OffenceCharged
from probation.people.models import Address, Case, Person
from probation.risk import services as risk_services
from probation.risk.models import TierCalculation
from probation.workforce.models import Office
from tests.factories import (
    AddressFactory,
    CaseFactory,
    CourtEventFactory,
    PersonFactory,
    SentenceFactory,
    UserFactory,
    area,
    offence,
    organisation,
)

pytestmark = pytest.mark.django_db

PNC = format_pnc(2012, 123456)


def date(prefix: str, day: dt.date) -> dict[str, str]:
    return {
        f"{prefix}_0": str(day.day),
        f"{prefix}_1": str(day.month),
        f"{prefix}_2": str(day.year),
    }


PERSON = {
    "forename": "Ada",
    "surname": "Quartermain",
    **date("date_of_birth", dt.date(1990, 5, 17)),
    "sex": "female",
    "pnc_number": "",
}


def address() -> dict[str, str]:
    return {
        "fixed_abode": "yes",
        "line_1": "1 Dale Street",
        "town": "Liverpool",
        "postcode": "l22dh",
        "contract_area": str(area("C08").pk),
    }


def court(code: str = "C08M01") -> dict[str, str]:
    return {
        "court": str(Court.objects.get(code=code).pk),
        **date("hearing_date", dt.date(2025, 3, 3)),
        **date("conviction_date", dt.date(2025, 3, 3)),
    }


def offences(*codes: str) -> dict[str, str]:
    data: dict[str, str] = {}
    for row, code in enumerate(codes or ("T001",), start=1):
        data[f"offence_{row}"] = str(offence(code).pk)
        data.update(date(f"offence_date_{row}", dt.date(2025, 1, 10)))
    return data


def sentence(**changes: Any) -> dict[str, Any]:
    return {
        "disposal": "community_order",
        **date("sentence_date", dt.date(2025, 3, 3)),
        "length_days": "365",
        "requirements": ["unpaid_work", "rehabilitation_activity"],
        "amount_unpaid_work": "100",
        "amount_rehabilitation_activity": "20",
        **changes,
    }


def risk(level: str = "low") -> dict[str, str]:
    return {
        "report_type": "fast",
        **date("assessed_on", dt.date(2025, 3, 3)),
        "rosh_public": level,
        "rosh_known_adult": "low",
        "rosh_children": "low",
        "rosh_staff": "low",
    }


NO_REPORT = {"report_type": "none"}


def step(client: Any, name: str, data: dict[str, Any], **query: str) -> Any:
    suffix = "?change=1" if query.get("change") else ""
    return client.post(f"/court/intake/{name}/{suffix}", data)


def through_sentence(
    client: Any, *, person: dict[str, Any] | None = None, report: dict[str, Any] | None = None
) -> None:
    """A new person through every step to the check page."""
    client.get("/court/intake/start/")
    assert step(client, "person", person or PERSON)["Location"] == "/court/intake/matches/"
    assert client.get("/court/intake/matches/").status_code == 200
    assert step(client, "matches", {"match": "new"})["Location"] == "/court/intake/address/"
    assert step(client, "address", address())["Location"] == "/court/intake/court/"
    assert step(client, "court", court())["Location"] == "/court/intake/offences/"
    assert step(client, "offences", offences())["Location"] == "/court/intake/risk/"
    assert step(client, "risk", report or NO_REPORT)["Location"] == "/court/intake/sentence/"
    assert step(client, "sentence", sentence())["Location"] == "/court/intake/check/"


@pytest.fixture
def officer(court_officer: Any) -> Any:
    return court_officer


@pytest.fixture
def client(officer: Any, client_for: Any) -> Any:
    return client_for(officer)


# --- The court officer's home ------------------------------------------------------------------


def test_a_court_officer_lands_on_the_court_home_with_todays_hearings(officer, client_for):
    today = timezone.localdate()
    merseyside = Office.objects.create(
        organisation=organisation("NPS"), name="Liverpool court team", contract_area=area("C08")
    )
    officer.office = merseyside
    officer.save()
    here = CourtEventFactory(court=Court.objects.get(code="C08M01"), hearing_date=today)
    ChargedOffence.objects.create(
        court_event=here, offence=offence("T001"), offence_date=today, is_main=True
    )
    elsewhere = CourtEventFactory(court=Court.objects.get(code="C12M01"), hearing_date=today)
    yesterday = CourtEventFactory(
        court=Court.objects.get(code="C08M02"), hearing_date=today - dt.timedelta(days=1)
    )
    client = client_for(officer)
    assert client.get("/")["Location"] == "/court/"
    body = client.get("/court/").content.decode()
    assert f"/cases/{here.case.person.crn}/" in body
    assert "Theft from a shop" in body
    assert elsewhere.case.person.crn not in body
    assert yesterday.case.person.crn not in body
    assert 'href="/court/intake/start/"' in body and "Add a person from court" in body
    listed = AuditEvent.objects.get(action=AuditAction.CASES_LISTED, actor=officer)
    assert listed.details["list"] == "court hearings"
    assert listed.details["crns"] == [here.case.person.crn]


def test_an_nps_court_officer_with_no_office_sees_every_courts_hearings(client):
    today = timezone.localdate()
    london = CourtEventFactory(court=Court.objects.get(code="C12M01"), hearing_date=today)
    assert london.case.person.crn in client.get("/court/").content.decode()


def test_the_court_home_shows_only_cases_the_officer_may_see(client_for):
    crc_officer = UserFactory(organisation=organisation("CRC-C08"), roles=["court_officer"])
    crc_officer.office = Office.objects.create(
        organisation=organisation("CRC-C08"), name="Merseyside", contract_area=area("C08")
    )
    crc_officer.save()
    today = timezone.localdate()
    theirs = CourtEventFactory(court=Court.objects.get(code="C08M01"), hearing_date=today)
    nps = CourtEventFactory(
        case=CaseFactory(responsible_organisation=organisation("NPS")),
        court=Court.objects.get(code="C08M01"),
        hearing_date=today,
    )
    body = client_for(crc_officer).get("/court/").content.decode()
    assert theirs.case.person.crn in body
    assert nps.case.person.crn not in body


@pytest.mark.parametrize("url", ["/court/", "/court/intake/start/", "/court/intake/person/"])
def test_only_court_officers_may_use_court_intake(url, nps_practitioner, client_for):
    assert client_for(nps_practitioner).get(url).status_code == 403
    refused = AuditEvent.objects.get(action=AuditAction.ROLE_REFUSED, actor=nps_practitioner)
    assert refused.details["page"].startswith("court")


def test_anonymous_users_are_sent_to_sign_in(client_for):
    from django.test import Client

    response = Client().get("/court/intake/person/")
    assert response.status_code == 302
    assert "/sign-in/" in response["Location"] or "login" in response["Location"]


# --- The journey -------------------------------------------------------------------------------


def test_a_new_person_is_added_with_court_event_offences_sentence_and_sift(client, officer):
    through_sentence(client)
    check = client.get("/court/intake/check/").content.decode()
    for words in (
        "Ada Quartermain",
        "17 May 1990",
        "1 Dale Street, Liverpool L2 2DH",
        "Merseyside",
        "Liverpool Magistrates&#x27; Court (Magistrates&#x27; court)",
        "Theft from a shop (OGRS3 category: Theft (not of or from a vehicle)), committed "
        "10 January 2025",
        "Community order",
        "Unpaid work: 100 hours; Rehabilitation activity: 20 days",
        "None: this is a new person",
    ):
        assert words in check, words
    for name in ("person", "matches", "address", "court", "offences", "sentence"):
        assert f'href="/court/intake/{name}/?change=1"' in check
    response = client.post("/court/intake/check/", {"submission_token": "a" * 32})
    assert response["Location"] == "/court/intake/done/"
    person = Person.objects.get(surname="Quartermain")
    case = person.case
    event = CourtEvent.objects.get(case=case)
    assert event.court.code == "C08M01" and event.conviction_date == dt.date(2025, 3, 3)
    (charged,) = event.offences.all()
    assert charged.is_main and charged.offence.code == "T001"
    recorded = Sentence.objects.get(case=case)
    assert recorded.court_event == event
    assert sorted((r.kind, r.amount) for r in recorded.requirements.all()) == [
        ("rehabilitation_activity", 20),
        ("unpaid_work", 100),
    ]
    assert Address.objects.get(person=person).postcode == "L2 2DH"
    assert TierCalculation.objects.filter(case=case).exists()
    sift = SiftDecision.objects.get(case=case)
    actions = list(
        AuditEvent.objects.filter(crn=person.crn).order_by("seq").values_list("action", flat=True)
    )
    assert actions[:5] == [
        AuditAction.PERSON_CREATED,
        AuditAction.CASE_OPENED,
        AuditAction.COURT_EVENT_RECORDED,
        AuditAction.SENTENCE_RECORDED,
        AuditAction.TIER_RECALCULATED,
    ]
    assert AuditAction.CASE_SIFTED in actions
    done = client.get("/court/intake/done/").content.decode()
    assert person.crn in done
    assert f"Sent to {sift.organisation.name} because:" in done
    assert sift.reasons[0][1] in done
    assert f'href="/cases/{person.crn}/"' in done
    assert client.session.get("court_intake") is None, "the journey is forgotten once submitted"


def test_the_answers_survive_a_reload_and_going_back(client):
    through_sentence(client)
    again = client.get("/court/intake/person/").content.decode()
    assert 'value="Quartermain"' in again
    assert 'value="17"' in again and 'value="1990"' in again
    back = client.get("/court/intake/sentence/").content.decode()
    assert 'value="100"' in back and 'value="365"' in back
    assert 'href="/court/intake/risk/"' in back, "the back link goes to the step before"
    assert client.get("/court/intake/check/").status_code == 200


def test_changing_an_answer_returns_to_the_check_page(client):
    through_sentence(client)
    response = step(client, "court", court("C08CC"), change="1")
    assert response["Location"] == "/court/intake/check/"
    assert "Liverpool Crown Court" in client.get("/court/intake/check/").content.decode()


def test_a_later_step_cannot_be_opened_before_the_earlier_ones(client):
    client.get("/court/intake/start/")
    assert client.get("/court/intake/sentence/")["Location"] == "/court/intake/person/"
    assert client.get("/court/intake/check/")["Location"] == "/court/intake/person/"
    step(client, "person", PERSON)
    assert client.get("/court/intake/court/")["Location"] == "/court/intake/matches/"


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("person", {**PERSON, "forename": ""}, "Enter the person&#x27;s first name"),
        ("person", {**PERSON, "date_of_birth_2": "2999"}, "The date of birth must be between"),
        ("person", {**PERSON, "pnc_number": "2012/0123456Z"}, "Enter a PNC number like"),
        ("person", {**PERSON, "sex": "x"}, "Select the person&#x27;s sex"),
        ("person", {**PERSON, "surname": "!!!"}, "Last name must include letters"),
    ],
)
def test_the_person_step_refuses_bad_input(client, name, data, message):
    client.get("/court/intake/start/")
    response = step(client, name, data)
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and message in body


def _to(client: Any, name: str) -> None:
    client.get("/court/intake/start/")
    order = [
        ("person", PERSON),
        ("matches", {"match": "new"}),
        ("address", address()),
        ("court", court()),
        ("offences", offences()),
        ("risk", NO_REPORT),
    ]
    for current, data in order:
        if current == name:
            return
        step(client, current, data)


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("address", lambda: {"fixed_abode": "yes"}, "Enter the first line of the address"),
        ("address", lambda: {**address(), "postcode": "NOT A CODE"}, "Enter a real postcode"),
        ("address", lambda: {}, "Select whether the person has a fixed address"),
        ("court", lambda: {**court(), "court": "999999"}, "Select the court from the list"),
        (
            "court",
            lambda: {**court(), **date("conviction_date", dt.date(2025, 3, 4))},
            "The date of conviction must be on or before the date of the hearing",
        ),
        ("offences", lambda: {}, "Select the main offence"),
        (
            "offences",
            lambda: {**offences(), **date("offence_date_1", dt.date(2025, 4, 1))},
            "The date of the offence must be on or before the date of conviction",
        ),
        (
            "offences",
            lambda: {**offences(), "offence_2": str(offence("B001").pk)},
            "Enter the date of the offence",
        ),
        ("offences", lambda: offences("R001"), "Robbery is indictable only"),
        ("risk", lambda: {}, "Select the type of pre-sentence report, or say there was none"),
        ("risk", lambda: {"report_type": "fast"}, "Enter the date of the report"),
        (
            "risk",
            lambda: {**risk(), "rosh_children": ""},
            "Select the risk of serious harm to children",
        ),
        ("risk", lambda: {**risk(), "rosh_staff": "extreme"}, "Select the risk of serious harm"),
        (
            "risk",
            lambda: {**risk(), **date("assessed_on", timezone.localdate() + dt.timedelta(days=1))},
            "The date of the report must be today or in the past",
        ),
    ],
)
def test_each_step_refuses_bad_input_on_its_own_page(client, name, data, message):
    _to(client, name)
    response = step(client, name, data())
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and message in body


@pytest.mark.parametrize(
    ("changes", "codes", "message"),
    [
        (
            {"disposal": "custody", "length_days": "200", "requirements": []},
            ("T001",),
            "A magistrates&#x27; court can impose at most 6 months&#x27; custody for one offence",
        ),
        (
            {"disposal": "custody", "length_days": "366", "requirements": []},
            ("T001", "B001"),
            "at most 12 months&#x27; custody in total for two or more either-way offences",
        ),
        ({"length_days": "1200"}, ("T001",), "A community order can last at most 3 years"),
        ({"amount_unpaid_work": "20"}, ("T001",), "Unpaid work must be between 40 and 300 hours"),
        ({"amount_unpaid_work": ""}, ("T001",), "Enter the hours of unpaid work"),
        ({"requirements": []}, ("T001",), "Select at least one requirement"),
        (
            {"disposal": "suspended_sentence_order", "length_days": "100"},
            ("T001",),
            "Enter how many days the sentence is suspended for",
        ),
        (
            {
                "disposal": "suspended_sentence_order",
                "length_days": "10",
                "suspended_for_days": "365",
            },
            ("T001",),
            "The custodial term of a suspended sentence order must be between 14 days and 2 years",
        ),
        (
            {"disposal": "custody_extended", "length_days": "100", "requirements": []},
            ("T001",),
            "Only the Crown Court can pass an extended, life or IPP sentence",
        ),
        (
            {**date("sentence_date", dt.date(2025, 3, 2))},
            ("T001",),
            "The date of sentence must be on or after the date of conviction",
        ),
    ],
)
def test_sentencing_limits_are_refused_on_the_sentence_step(client, changes, codes, message):
    _to(client, "offences")
    step(client, "offences", offences(*codes))
    step(client, "risk", NO_REPORT)
    response = step(client, "sentence", sentence(**changes))
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and message in body
    assert client.get("/court/intake/check/")["Location"] == "/court/intake/sentence/"


def test_the_crown_court_may_pass_a_longer_custodial_sentence(client):
    _to(client, "court")
    step(client, "court", court("C08CC"))
    step(client, "offences", offences())
    step(client, "risk", NO_REPORT)
    response = step(
        client, "sentence", sentence(disposal="custody", length_days="730", requirements=[])
    )
    assert response["Location"] == "/court/intake/check/"


def test_a_person_of_no_fixed_abode_has_no_address(client):
    _to(client, "address")
    step(client, "address", {"fixed_abode": "no", "line_1": "ignored"})
    step(client, "court", court())
    step(client, "offences", offences())
    step(client, "risk", risk("low"))
    step(client, "sentence", sentence())
    assert "No fixed abode" in client.get("/court/intake/check/").content.decode()
    client.post("/court/intake/check/", {"submission_token": "b" * 32})
    person = Person.objects.get(surname="Quartermain")
    assert person.no_fixed_abode and not person.addresses.exists()
    # the sift falls back on the court's contract area for a person of no fixed abode
    assert SiftDecision.objects.get(case=person.case).contract_area.code == "C08"


@pytest.mark.parametrize(
    ("report", "organisation_name", "rule"),
    [
        (lambda: risk("low"), "Merseyside CRC", "crc-default"),
        (lambda: risk("high"), "National Probation Service", "rosh-high"),
        (lambda: NO_REPORT, "National Probation Service", "rosh-missing"),
    ],
    ids=["low-rosh-to-the-crc", "high-rosh-kept-by-the-nps", "no-report-kept-by-the-nps"],
)
def test_the_pre_sentence_report_decides_where_the_sift_sends_the_case(
    client, report, organisation_name, rule
):
    through_sentence(client, report=report())
    client.post("/court/intake/check/", {"submission_token": "1" * 32})
    case = Person.objects.get(surname="Quartermain").case
    sift = SiftDecision.objects.get(case=case)
    assert sift.organisation.name == organisation_name
    assert sift.reasons[0][0] == rule
    case.refresh_from_db()
    assert case.responsible_organisation.name == organisation_name
    assert case.assessments.count() == (0 if rule == "rosh-missing" else 1)
    done = client.get("/court/intake/done/").content.decode()
    assert f"Sent to {organisation_name} because:" in done


# --- The duplicate check -----------------------------------------------------------------------


def test_no_duplicate_found_says_so_and_is_audited(client, officer):
    _to(client, "matches")
    body = client.get("/court/intake/matches/").content.decode()
    assert "No existing record matches." in body
    checked = AuditEvent.objects.get(action=AuditAction.INTAKE_DUPLICATES_CHECKED, actor=officer)
    assert checked.details["matches"] == []
    assert checked.details["searched"]["surname"] == "Quartermain"


def test_likely_duplicates_by_name_and_date_of_birth_or_pnc_are_shown(client, officer):
    typo = CaseFactory(
        person=PersonFactory(
            forename="Ada", surname="Quatermain", date_of_birth=dt.date(1990, 5, 17)
        )
    )
    same_pnc = CaseFactory(person=PersonFactory(forename="Other", surname="Name", pnc_number=PNC))
    other_birthday = CaseFactory(
        person=PersonFactory(
            forename="Ada", surname="Quartermain", date_of_birth=dt.date(1991, 1, 1)
        )
    )
    client.get("/court/intake/start/")
    step(client, "person", {**PERSON, "pnc_number": PNC})
    body = client.get("/court/intake/matches/").content.decode()
    assert typo.person.crn in body and "Similar name and the same date of birth" in body
    assert same_pnc.person.crn in body and "Same PNC number" in body
    assert other_birthday.person.crn not in body
    checked = AuditEvent.objects.get(action=AuditAction.INTAKE_DUPLICATES_CHECKED, actor=officer)
    assert sorted(checked.details["matches"]) == sorted([typo.person.crn, same_pnc.person.crn])


@pytest.mark.parametrize("visible", [True, False], ids=["visible-match", "hidden-record"])
def test_a_pnc_number_already_recorded_cannot_make_a_new_person(client_for, visible):
    officer = UserFactory(
        organisation=organisation("NPS" if visible else "CRC-C12"), roles=["court_officer"]
    )
    CaseFactory(person=PersonFactory(forename="Someone", surname="Else", pnc_number=PNC))
    client = client_for(officer)
    client.get("/court/intake/start/")
    step(client, "person", {**PERSON, "pnc_number": PNC})
    response = step(client, "matches", {"match": "new"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "The PNC number is already on another person&#x27;s record" in body
    assert client.get("/court/intake/address/")["Location"] == "/court/intake/matches/"


def test_the_workflow_refuses_a_pnc_number_already_recorded(court_officer):
    CaseFactory(person=PersonFactory(pnc_number=PNC))
    people = Person.objects.count()
    with pytest.raises(InvalidInput) as refused:
        casework_services.intake_submit(
            by_user=court_officer,
            person=casework_services.NewPerson(
                forename="Ada",
                surname="Quartermain",
                date_of_birth=dt.date(1990, 5, 17),
                sex="female",
                pnc_number=PNC,
            ),
            court=Court.objects.get(code="C08M01"),
            hearing_date=dt.date(2025, 3, 3),
            conviction_date=dt.date(2025, 3, 3),
            offences=[OffenceCharged(offence("T001"), dt.date(2025, 1, 10), is_main=True)],
            disposal="community_order",
            sentence_date=dt.date(2025, 3, 3),
            length_days=365,
            requirements=[("unpaid_work", 100)],
        )
    assert refused.value.field == "pnc_number"
    assert Person.objects.count() == people


def test_a_match_the_officer_may_not_see_is_not_shown(client_for):
    crc_officer = UserFactory(organisation=organisation("CRC-C12"), roles=["court_officer"])
    hidden = CaseFactory(
        person=PersonFactory(
            forename="Ada", surname="Quartermain", date_of_birth=dt.date(1990, 5, 17)
        )
    )  # a Merseyside CRC case
    client = client_for(crc_officer)
    client.get("/court/intake/start/")
    step(client, "person", PERSON)
    body = client.get("/court/intake/matches/").content.decode()
    assert hidden.person.crn not in body
    assert "No existing record matches." in body


def test_choosing_an_existing_person_adds_the_sentence_to_their_case(client, officer):
    existing = CaseFactory(
        person=PersonFactory(
            forename="Ada", surname="Quartermain", date_of_birth=dt.date(1990, 5, 17)
        )
    )
    AddressFactory(person=existing.person)
    people_before = Person.objects.count()
    client.get("/court/intake/start/")
    step(client, "person", PERSON)
    assert existing.person.crn in client.get("/court/intake/matches/").content.decode()
    response = step(client, "matches", {"match": existing.person.crn})
    assert response["Location"] == "/court/intake/court/", "no address step for a known person"
    step(client, "court", court())
    step(client, "offences", offences())
    step(client, "risk", NO_REPORT)
    assert step(client, "sentence", sentence())["Location"] == "/court/intake/check/"
    check = client.get("/court/intake/check/").content.decode()
    assert f"CRN {existing.person.crn}" in check
    client.post("/court/intake/check/", {"submission_token": "c" * 32})
    assert Person.objects.count() == people_before
    assert Sentence.objects.filter(case=existing).count() == 1
    assert CourtEvent.objects.filter(case=existing).count() == 1
    assert not AuditEvent.objects.filter(action=AuditAction.PERSON_CREATED).exists()
    assert existing.person.crn in client.get("/court/intake/done/").content.decode()


@pytest.fixture
def on_an_order(officer: Any) -> Case:
    """Ada Quartermain, already on a community order from 2024."""
    case = CaseFactory(
        person=PersonFactory(
            forename="Ada", surname="Quartermain", date_of_birth=dt.date(1990, 5, 17)
        )
    )
    event = CourtEventFactory(case=case, hearing_date=dt.date(2024, 6, 1))
    ChargedOffence.objects.create(
        court_event=event, offence=offence("T002"), offence_date=dt.date(2024, 5, 1), is_main=True
    )
    SentenceFactory(case=case, court_event=event, sentence_date=dt.date(2024, 6, 1))
    return case


def _existing_through_sentence(client: Any, case: Case) -> Any:
    client.get("/court/intake/start/")
    step(client, "person", PERSON)
    client.get("/court/intake/matches/")
    step(client, "matches", {"match": case.person.crn})
    step(client, "court", court())
    step(client, "offences", offences())
    step(client, "risk", NO_REPORT)
    return step(client, "sentence", sentence())


@pytest.mark.parametrize(
    ("choice", "status", "reason", "superseded"),
    [
        ("superseded", "terminated", "superseded", True),
        ("ended", "terminated", "ended", False),
        ("alongside", "active", "", False),
    ],
)
def test_the_previous_order_ends_is_superseded_or_runs_alongside(
    client, on_an_order, choice, status, reason, superseded
):
    (old,) = Sentence.objects.filter(case=on_an_order)
    assert _existing_through_sentence(client, on_an_order)["Location"] == "/court/intake/previous/"
    page = client.get("/court/intake/previous/").content.decode()
    assert "Community order passed on 1 June 2024" in page
    assert step(client, "previous", {"previous": choice})["Location"] == "/court/intake/check/"
    client.post("/court/intake/check/", {"submission_token": "d" * 32})
    old.refresh_from_db()
    new = Sentence.objects.filter(case=on_an_order).exclude(pk=old.pk).get()
    assert old.status == status and old.ended_reason == reason
    assert old.superseded_by == (new if superseded else None)
    ended = AuditEvent.objects.filter(action=AuditAction.SENTENCE_ENDED)
    assert ended.count() == (0 if choice == "alongside" else 1)
    if choice != "alongside":
        assert old.ended_on == dt.date(2025, 3, 3)
        (event,) = ended
        assert event.before["status"] == "active" and event.after["status"] == "terminated"
        latest = TierCalculation.objects.filter(case=on_an_order).order_by("-id").first()
        assert latest is not None and latest.trigger in {"previous_order_ended", "sentence"}


def test_the_previous_order_step_must_be_answered(client, on_an_order):
    _existing_through_sentence(client, on_an_order)
    body = step(client, "previous", {}).content.decode()
    assert "Select what happens to the order the person is already on" in body


# --- Submitting --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("module", "name"),
    [
        (risk_services, "tier_recompute"),
        (casework_services.allocation, "case_sift"),
    ],
    ids=["tier", "sift"],
)
def test_a_failure_in_the_last_step_leaves_nothing_written(client, monkeypatch, module, name):
    through_sentence(client)
    people, events, audits = (
        Person.objects.count(),
        CourtEvent.objects.count(),
        AuditEvent.objects.count(),
    )

    def broken(**kwargs: Any) -> None:
        raise RuntimeError(f"{name} down")

    monkeypatch.setattr(module, name, broken)
    client.raise_request_exception = True
    with pytest.raises(RuntimeError):
        client.post("/court/intake/check/", {"submission_token": "e" * 32})
    assert Person.objects.count() == people
    assert CourtEvent.objects.count() == events
    assert not Sentence.objects.exists()
    assert not SiftDecision.objects.exists()
    assert not AuditEvent.objects.filter(
        action__in=[AuditAction.PERSON_CREATED, AuditAction.COURT_EVENT_RECORDED]
    ).exists()
    assert AuditEvent.objects.count() == audits
    assert client.session.get("court_intake"), "the answers are kept to try again"


def test_a_refusal_at_submit_is_shown_on_the_check_page_and_writes_nothing(client, on_an_order):
    _existing_through_sentence(client, on_an_order)
    step(client, "previous", {"previous": "alongside"})
    Case.objects.filter(pk=on_an_order.pk).update(version=99)  # someone changed the case since
    body = client.post("/court/intake/check/", {"submission_token": "f" * 32}).content.decode()
    assert "Someone else changed this case" in body
    assert CourtEvent.objects.filter(case=on_an_order).count() == 1


def test_a_double_submission_records_once(client):
    through_sentence(client)
    token = {"submission_token": "9" * 32}
    client.post("/court/intake/check/", token)
    through_sentence(client)
    response = client.post("/court/intake/check/", token)
    assert response["Location"] == "/court/"
    assert Person.objects.filter(surname="Quartermain").count() == 1


def test_the_confirmation_without_a_submission_goes_home(client):
    assert client.get("/court/intake/done/")["Location"] == "/court/"
