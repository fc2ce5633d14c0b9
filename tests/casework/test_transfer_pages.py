"""The transfer pages (docs/adr/0013-transfers.md): asking for a transfer on the case, the
managers' list of transfers in and out, the decision page with the case summary only, the
withdrawal, the case overview's transfers section, and bad input that never crashes."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest

from probation.allocation.models import Transfer, TransferState
from probation.allocation.services import transfer_request
from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.people.models import Case
from tests.allocation.helpers import assess, manager_of, practitioner_of
from tests.factories import CaseFactory, PersonFactory, area, organisation

pytestmark = pytest.mark.django_db

MOVED = "Moved to Southwark to live with her sister."
#: What a hand-made POST sends when the page offered no form.
NO_GUARDS = {"case_version": "", "submission_token": ""}


@pytest.fixture
def officer(db: Any) -> Any:
    return practitioner_of("CRC-C08", first_name="Sam", last_name="Okoro")


@pytest.fixture
def case(officer: Any) -> Any:
    case = CaseFactory(
        person=PersonFactory(surname="Quillfeather", forename="Ada"),
        responsible_organisation=organisation("CRC-C08"),
        responsible_officer=officer,
        tier="B2",
    )
    assess(case, rosh="medium")
    return case


@pytest.fixture
def receiver(db: Any) -> Any:
    return manager_of("CRC-C12", first_name="Jo", last_name="Bloggs")


@pytest.fixture
def requested(case: Any, officer: Any) -> Transfer:
    return transfer_request(case=case, by_user=officer, to_contract_area=area("C12"), reason=MOVED)


def _guards(body: str) -> dict[str, str]:
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', body).group(1)  # type: ignore[union-attr]
        for name in ("case_version", "submission_token")
    }


def _request_url(case: Any) -> str:
    return f"/cases/{case.person.crn}/transfer/"


# Asking -------------------------------------------------------------------------------------


def test_the_officer_asks_for_a_transfer_from_the_case(case, officer, client_for):
    client = client_for(officer)
    overview = client.get(f"/cases/{case.person.crn}/").content.decode()
    assert "No transfers." in overview and f'href="{_request_url(case)}"' in overview
    page = client.get(_request_url(case)).content.decode()
    assert "Request a transfer" in page and "London (C12)" in page
    assert 'value="' + str(area("C08").pk) + '"' not in page  # not the case's own area
    response = client.post(
        _request_url(case),
        {**_guards(page), "to_contract_area": area("C12").pk, "reason": MOVED},
    )
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.person.crn}/"
    transfer = Transfer.objects.get(case=case)
    assert transfer.state == TransferState.REQUESTED and transfer.to_organisation.code == "CRC-C12"
    overview = client.get(f"/cases/{case.person.crn}/").content.decode()
    assert "Transfer to " in overview and "stays responsible until it is accepted" in overview
    assert "Requested" in overview and MOVED in overview and "Sam Okoro" in overview
    assert f'href="{_request_url(case)}"' not in overview  # one open transfer at a time


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"to_contract_area": "", "reason": MOVED}, "Select the contract area"),
        ({"to_contract_area": "999999", "reason": MOVED}, "Select the contract area"),
        ({"to_contract_area": "abc", "reason": MOVED}, "Select the contract area"),
        ({"reason": ""}, "Enter why the case is moving"),
        ({"reason": "x" * 1001}, "1000 characters or fewer"),
        ({"reason": "x" * 5000}, "characters or fewer"),
        ({"reason": "bad\x00byte"}, "Null characters are not allowed"),
        ({"reason": "bad\x07bell"}, "control characters"),
    ],
    ids=["no-area", "unknown-area", "not-a-number", "no-reason", "long", "huge", "nul", "bell"],
)
def test_bad_input_is_shown_in_the_error_summary(case, officer, client_for, data, message):
    client = client_for(officer)
    guards = _guards(client.get(_request_url(case)).content.decode())
    form = {"to_contract_area": area("C12").pk, "reason": MOVED, **data}
    response = client.post(_request_url(case), {**guards, **form})
    body = response.content.decode()
    assert response.status_code == 200
    assert "There is a problem" in body and message in body
    assert not Transfer.objects.exists()


def test_a_second_request_is_refused_in_the_error_summary(case, officer, client_for):
    client = client_for(officer)
    guards = _guards(client.get(_request_url(case)).content.decode())
    transfer_request(case=case, by_user=officer, to_contract_area=area("C05"), reason=MOVED)
    response = client.post(
        _request_url(case), {**guards, "to_contract_area": area("C12").pk, "reason": MOVED}
    )
    body = response.content.decode()
    assert "There is a problem" in body
    assert "Someone else changed this case" in body  # the form was shown before the request
    response = client.post(
        _request_url(case),
        {**_guards(body), "to_contract_area": area("C12").pk, "reason": MOVED},
    )
    assert "already waiting for a decision" in response.content.decode()
    assert Transfer.objects.count() == 1


def test_a_double_post_records_one_request(case, officer, client_for):
    client = client_for(officer)
    form = {
        **_guards(client.get(_request_url(case)).content.decode()),
        "to_contract_area": area("C12").pk,
        "reason": MOVED,
    }
    client.post(_request_url(case), form)
    assert client.post(_request_url(case), form).status_code == 302
    assert Transfer.objects.count() == 1


def test_staff_of_another_organisation_are_offered_no_form(case, client_for):
    body = client_for(manager_of("NPS")).get(_request_url(case)).content.decode()
    assert 'data-testid="not-yours"' in body and 'name="reason"' not in body


def test_an_open_request_is_shown_instead_of_the_form(requested, case, officer, client_for):
    body = client_for(officer).get(_request_url(case)).content.decode()
    assert 'data-testid="transfer-waiting"' in body and 'name="reason"' not in body
    assert f'href="/transfers/{requested.pk}/withdraw/"' in body


# The managers' list ---------------------------------------------------------------------------


def test_the_receiving_manager_sees_the_transfer_to_decide(requested, case, receiver, client_for):
    body = client_for(receiver).get("/transfers/").content.decode()
    assert "1 transfer to London CRC is waiting" in body
    assert "Quillfeather, Ada" in body and case.person.crn in body
    assert "B2" in body and "RoSH medium" in body and MOVED in body
    assert f'href="/transfers/{requested.pk}/"' in body
    assert f'href="/cases/{case.person.crn}/"' not in body  # the summary, not the case
    assert "Overdue" not in body
    listed = AuditEvent.objects.filter(action=AuditAction.CASES_LISTED).latest("seq")
    assert listed.details == {
        "list": "transfers",
        "incoming": [case.person.crn],
        "outgoing": [],
    }


def test_allocating_managers_have_transfers_in_their_menu(receiver, officer, client_for):
    home = client_for(receiver).get("/allocations/").content.decode()
    assert 'href="/transfers/"' in home and ">Transfers<" in home
    assert 'href="/transfers/"' not in client_for(officer).get("/cases/").content.decode()


def test_an_overdue_transfer_gets_a_red_tag(requested, receiver, client_for):
    Transfer.objects.filter(pk=requested.pk).update(decision_due_on=dt.date(2026, 1, 5))
    body = client_for(receiver).get("/transfers/").content.decode()
    assert "govuk-tag--red" in body and "Overdue" in body
    assert 'data-testid="overdue-count"' in body


def test_the_sending_manager_sees_the_state_of_what_they_asked_for(requested, client_for):
    body = client_for(manager_of("CRC-C08")).get("/transfers/").content.decode()
    assert "No transfers are waiting for Merseyside" in body
    assert 'data-testid="outgoing-table"' in body and "Requested" in body
    assert "London" in body


def test_only_allocating_managers_open_the_list(officer, client_for, client):
    assert client_for(officer).get("/transfers/").status_code == 403
    assert AuditEvent.objects.filter(
        action=AuditAction.ROLE_REFUSED, details__page="transfers"
    ).exists()
    assert client.get("/transfers/")["Location"].startswith("/sign-in/")


# Deciding ---------------------------------------------------------------------------------------


def _decision_url(transfer: Any) -> str:
    return f"/transfers/{transfer.pk}/"


def test_the_decision_page_shows_the_summary_and_audits_the_read(
    requested, case, receiver, client_for
):
    response = client_for(receiver).get(_decision_url(requested))
    body = response.content.decode()
    assert response.status_code == 200
    assert "Ada Quillfeather" in body and case.person.crn in body
    assert 'data-testid="tier">B2<' in body and 'data-testid="rosh">Medium<' in body
    assert MOVED in body and 'name="decision"' in body
    assert "Sentences and requirements" not in body  # not the case record
    viewed = AuditEvent.objects.filter(action=AuditAction.CASE_VIEWED).latest("seq")
    assert viewed.crn == case.person.crn and viewed.actor == receiver
    assert viewed.details == {"page": "transfer decision", "transfer": requested.pk}


def test_accepting_moves_the_case_to_the_receivers_list(requested, case, receiver, client_for):
    client = client_for(receiver)
    guards = _guards(client.get(_decision_url(requested)).content.decode())
    response = client.post(_decision_url(requested), {**guards, "decision": "accept"})
    assert response.status_code == 302 and response["Location"] == "/transfers/"
    case.refresh_from_db()
    assert case.responsible_organisation.code == "CRC-C12" and case.responsible_officer is None
    listed = client.get("/allocations/").content.decode()
    assert "Quillfeather" in listed and "Practitioner due" in listed
    assert "Transferred from Merseyside" in listed
    overview = client.get(f"/cases/{case.person.crn}/").content.decode()
    assert "Accepted" in overview and "Jo Bloggs" in overview


def test_the_sender_loses_the_case_after_acceptance(requested, case, officer, receiver, client_for):
    client = client_for(receiver)
    guards = _guards(client.get(_decision_url(requested)).content.decode())
    client.post(_decision_url(requested), {**guards, "decision": "accept"})
    assert client_for(officer).get(f"/cases/{case.person.crn}/").status_code == 404


def test_rejecting_needs_a_reason(requested, case, receiver, officer, client_for):
    client = client_for(receiver)
    guards = _guards(client.get(_decision_url(requested)).content.decode())
    response = client.post(_decision_url(requested), {**guards, "decision": "reject"})
    body = response.content.decode()
    assert "There is a problem" in body and "Enter why you are rejecting the transfer" in body
    response = client.post(
        _decision_url(requested),
        {**guards, "decision": "reject", "reason": "No address confirmed."},
    )
    assert response.status_code == 302
    requested.refresh_from_db()
    assert requested.state == TransferState.REJECTED
    case.refresh_from_db()
    assert case.responsible_officer == officer
    overview = client_for(officer).get(f"/cases/{case.person.crn}/").content.decode()
    assert "Rejected" in overview and "No address confirmed." in overview


@pytest.mark.parametrize(
    "data",
    [{}, {"decision": "maybe"}, {"decision": "reject", "reason": "x" * 3000}],
    ids=["nothing", "unknown-decision", "huge-reason"],
)
def test_a_bad_decision_is_an_error_not_a_crash(requested, receiver, client_for, data):
    client = client_for(receiver)
    guards = _guards(client.get(_decision_url(requested)).content.decode())
    response = client.post(_decision_url(requested), {**guards, **data})
    assert response.status_code == 200 and "There is a problem" in response.content.decode()
    requested.refresh_from_db()
    assert requested.state == TransferState.REQUESTED


def test_a_decision_by_someone_else_is_refused_in_the_error_summary(
    requested, receiver, client_for
):
    client = client_for(manager_of("NPS"))  # sees the case, does not receive it
    body = client.get(_decision_url(requested)).content.decode()
    assert 'name="decision"' not in body and "Another allocating manager" in body
    response = client.post(_decision_url(requested), {**NO_GUARDS, "decision": "accept"})
    assert "There is a problem" in response.content.decode()
    requested.refresh_from_db()
    assert requested.state == TransferState.REQUESTED


@pytest.mark.parametrize("url", ["/transfers/{pk}/", "/transfers/{pk}/withdraw/"])
def test_outsiders_get_the_same_answer_as_for_a_missing_transfer(requested, client_for, url):
    client = client_for(manager_of("CRC-C05"))
    refused = client.get(url.format(pk=requested.pk))
    missing = client.get(url.format(pk=requested.pk + 1000))
    assert refused.status_code == missing.status_code == 404
    assert "Quillfeather" not in refused.content.decode()
    assert (
        AuditEvent.objects.filter(
            action=AuditAction.CASE_ACCESS_REFUSED, details__reason="transfer_not_available"
        ).count()
        == 2
    )


def test_an_overflowing_transfer_id_is_not_found(client_for, receiver):
    assert client_for(receiver).get("/transfers/99999999999999999999999/").status_code == 404


# Withdrawing ------------------------------------------------------------------------------------


def test_the_sender_withdraws_and_the_case_stays(requested, case, officer, client_for):
    client = client_for(officer)
    url = f"/transfers/{requested.pk}/withdraw/"
    body = client.get(url).content.decode()
    assert "Withdraw the transfer" in body
    response = client.post(url, _guards(body))
    assert response.status_code == 302 and response["Location"] == f"/cases/{case.person.crn}/"
    requested.refresh_from_db()
    assert requested.state == TransferState.WITHDRAWN
    overview = client.get(f"/cases/{case.person.crn}/").content.decode()
    assert "Withdrawn" in overview and "Transfer withdrawn" in overview


def test_the_receiver_may_not_withdraw(requested, receiver, client_for):
    client = client_for(receiver)
    url = f"/transfers/{requested.pk}/withdraw/"
    body = client.get(url).content.decode()
    assert 'data-testid="not-yours"' in body
    response = client.post(url, NO_GUARDS)
    assert "There is a problem" in response.content.decode()
    requested.refresh_from_db()
    assert requested.state == TransferState.REQUESTED


def test_a_closed_case_offers_no_transfer(case, officer, client_for):
    Case.objects.filter(pk=case.pk).update(status="closed")
    body = client_for(officer).get(_request_url(case)).content.decode()
    assert 'name="reason"' not in body and "only while it is active" in body
