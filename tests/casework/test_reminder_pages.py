"""The reminders page of a case (casework/reminder_views.py): the preferences form for the staff
supervising the case, read-only for other readers, refused to outsiders; the message log."""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from django.utils.html import escape

from probation.core.audit import AuditAction
from probation.core.models import AuditEvent
from probation.supervision.models import MessageStatus, ReminderMessage, ReminderPreference
from probation.supervision.reminder_services import reminder_preference_set, reminders_queue_due
from tests.factories import ContactFactory, UserFactory, organisation

pytestmark = pytest.mark.django_db


def _url(case: Any) -> str:
    return f"/cases/{case.person.crn}/reminders/"


def _guards(body: str) -> dict[str, str]:
    return {
        name: re.search(rf'name="{name}" value="([^"]*)"', body).group(1)  # type: ignore[union-attr]
        for name in ("case_version", "submission_token")
    }


def _post(client: Any, case: Any, **fields: str) -> Any:
    form = client.get(_url(case)).content.decode()
    return client.post(_url(case), {**_guards(form), **fields})


def test_the_practitioner_records_preferences_and_sees_who_and_when(
    crc_case, crc_practitioner, client_for
):
    client = client_for(crc_practitioner)
    page = client.get(_url(crc_case)).content.decode()
    assert "No email address or mobile number has been recorded" in page
    assert 'name="email"' in page

    response = _post(
        client, crc_case, email="sam@example.com", mobile="07700 900123", sms_opted_out="on"
    )

    assert response.status_code == 302 and response["Location"] == _url(crc_case)
    preference = ReminderPreference.objects.get(case=crc_case)
    assert (preference.email, preference.mobile) == ("sam@example.com", "+447700900123")
    assert (preference.email_opted_out, preference.sms_opted_out) == (False, True)
    assert preference.updated_by == crc_practitioner
    shown = client.get(_url(crc_case)).content.decode()
    assert "Reminder preferences saved." in shown
    assert f"Last recorded by {escape(str(crc_practitioner))} on " in shown
    assert 'value="sam@example.com"' in shown
    assert re.search(r'name="sms_opted_out" type="checkbox" value="on" checked', shown)
    assert AuditEvent.objects.filter(
        action=AuditAction.REMINDER_PREFERENCE_CHANGED, actor=crc_practitioner
    ).exists()


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"email": "not an email"}, "Enter an email address in the correct format"),
        ({"email": "x" * 300}, "The email address must be 254 characters or fewer"),
        ({"mobile": "0151 123 4567"}, "Enter a UK mobile number"),
        ({"mobile": "7" * 31}, "The mobile number must be 30 characters or fewer"),
    ],
)
def test_a_bad_address_is_shown_in_the_error_summary(
    crc_case, crc_practitioner, client_for, fields, message
):
    response = _post(client_for(crc_practitioner), crc_case, **fields)

    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert body.count(message) == 2  # the summary and the field
    assert "<title>Error: " in body
    assert not ReminderPreference.objects.exists()


def test_hostile_input_is_an_error_not_a_crash(crc_case, crc_practitioner, client_for):
    client = client_for(crc_practitioner)
    for fields in (
        {"email": "a\x00b@example.com"},
        {"mobile": "\x00"},
        {"case_version": "٣"},
    ):
        response = client.post(_url(crc_case), fields)
        assert response.status_code == 200, fields
    assert not ReminderPreference.objects.exists()


def test_a_stale_form_is_refused_and_keeps_what_was_entered(crc_case, crc_practitioner, client_for):
    client = client_for(crc_practitioner)
    form = client.get(_url(crc_case)).content.decode()
    reminder_preference_set(
        case=crc_case,
        by_user=crc_practitioner,
        email="first@example.com",
        mobile="",
        email_opted_out=False,
        sms_opted_out=False,
    )

    response = client.post(_url(crc_case), {**_guards(form), "email": "second@example.com"})

    body = response.content.decode()
    assert response.status_code == 200
    assert "Someone else changed this case" in body
    assert 'value="second@example.com"' in body
    assert ReminderPreference.objects.get().email == "first@example.com"


def test_nps_staff_see_a_crc_case_reminders_without_the_form(
    crc_case, crc_practitioner, nps_practitioner, client_for
):
    reminder_preference_set(
        case=crc_case,
        by_user=crc_practitioner,
        email="sam@example.com",
        mobile="",
        email_opted_out=True,
        sms_opted_out=False,
    )
    client = client_for(nps_practitioner)

    body = client.get(_url(crc_case)).content.decode()

    assert 'data-testid="may-not-change"' in body
    assert 'name="email"' not in body
    assert "sam@example.com (opted out)" in body
    response = client.post(_url(crc_case), {"email": "hijack@example.com"})
    assert response.status_code == 403
    assert ReminderPreference.objects.get().email == "sam@example.com"
    assert AuditEvent.objects.filter(
        action=AuditAction.ROLE_REFUSED, actor=nps_practitioner
    ).exists()


def test_an_auditor_reads_the_page(crc_case, auditor, client_for):
    response = client_for(auditor).get(_url(crc_case))
    assert response.status_code == 200
    assert 'data-testid="may-not-change"' in response.content.decode()


def test_another_crc_cannot_open_the_page(crc_case, other_crc_practitioner, client_for):
    client = client_for(other_crc_practitioner)
    response = client.get(_url(crc_case))
    assert response.status_code == 404
    assert crc_case.person.surname not in response.content.decode()
    assert client.post(_url(crc_case), {"email": "x@example.com"}).status_code == 404
    assert not ReminderPreference.objects.exists()


@pytest.mark.parametrize("roles", [["court_officer"], ["contract_manager"]])
def test_roles_without_reminders_are_refused(crc_case, client_for, roles):
    user = UserFactory(organisation=organisation("NPS"), roles=roles)
    assert client_for(user).get(_url(crc_case)).status_code == 403


def test_an_unknown_crn_is_not_found(crc_practitioner, client_for):
    assert client_for(crc_practitioner).get("/cases/Z999999/reminders/").status_code == 404


def test_signed_out_visitors_are_sent_to_sign_in(crc_case, client):
    response = client.get(_url(crc_case))
    assert response.status_code == 302 and "sign-in" in response["Location"]


def test_the_message_log_lists_every_message_with_its_status(
    crc_case, crc_practitioner, client_for
):
    reminder_preference_set(
        case=crc_case,
        by_user=crc_practitioner,
        email="sam@example.com",
        mobile="",
        email_opted_out=False,
        sms_opted_out=False,
    )
    ContactFactory(case=crc_case, starts_at=timezone.now() + dt.timedelta(hours=3))
    reminders_queue_due()
    ReminderMessage.objects.filter(channel="email").update(
        status=MessageStatus.FAILED, error="SMTPRecipientsRefused: mailbox unavailable"
    )
    client = client_for(crc_practitioner)

    with CaptureQueriesContext(connection) as queries:
        body = client.get(_url(crc_case)).content.decode()

    log = body[body.index('data-testid="message-log"') :]
    assert "sam@example.com" in log
    assert "Failed" in log and "SMTPRecipientsRefused: mailbox unavailable" in log
    assert "Text message" in log and "Not sent" in log and "No mobile number is recorded." in log
    assert len(queries) < 40


def test_no_messages_yet(crc_case, crc_practitioner, client_for):
    body = client_for(crc_practitioner).get(_url(crc_case)).content.decode()
    assert 'data-testid="no-messages"' in body


def test_a_silly_page_number_shows_a_page(crc_case, crc_practitioner, client_for):
    client = client_for(crc_practitioner)
    for page in ("0", "-1", "abc", "9" * 50, "٣"):
        assert client.get(_url(crc_case), {"page": page}).status_code == 200
