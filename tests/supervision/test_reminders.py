"""Appointment reminders (probation/supervision/reminder_services.py): the preferences, the
sweep, and sending through a real local SMTP server (aiosmtpd) and the console SMS backend,
each message logged on the case and audited, each sent at most once."""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import socket
import time
from collections.abc import Iterator
from typing import Any, ClassVar

import pytest
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.utils import timezone
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker
from django_tasks_db.models import DBTaskResult

from probation.core.audit import SYSTEM_LABEL, AuditAction
from probation.core.errors import CaseNotAvailable, Conflict, InvalidInput
from probation.core.models import AuditEvent
from probation.people.models import CaseStatus
from probation.supervision.models import (
    Contact,
    MessageStatus,
    Outcome,
    ReminderMessage,
    ReminderPreference,
)
from probation.supervision.reminder_services import (
    NOT_SENT_APPOINTMENT_CHANGED,
    reminder_preference_set,
    reminder_send,
    reminders_queue_due,
)
from probation.supervision.reminders import (
    ConsoleSmsBackend,
    normalise_mobile,
    reminder_for,
    when_in_words,
)
from tests.factories import ContactFactory, UserFactory, organisation
from tests.people.test_concurrency import postgresql, run_together

pytestmark = pytest.mark.django_db


# --- A real SMTP server on this machine ---------------------------------------------------


class Inbox:
    """An aiosmtpd handler keeping what it receives; ``refuse`` makes it refuse recipients."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []
        self.refuse = False

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if self.refuse:
            return "550 5.1.1 Mailbox unavailable"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"

    def messages(self) -> list[Any]:
        return [
            email.message_from_bytes(e.content, policy=email.policy.default) for e in self.envelopes
        ]


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def smtp_server(settings: Any) -> Iterator[Inbox]:
    """A local SMTP server, and Django's SMTP backend pointed at it."""
    from aiosmtpd.controller import Controller

    inbox = Inbox()
    port = _free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=port)
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_HOST_PASSWORD = ""
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_USE_SSL = False
    settings.EMAIL_TIMEOUT = 10
    settings.DEFAULT_FROM_EMAIL = "OpenProbation <no-reply@probation.example>"
    try:
        yield inbox
    finally:
        controller.stop()


@pytest.fixture
def printed_sms(settings: Any) -> Iterator[io.StringIO]:
    """The console SMS backend, printing into a buffer the test reads."""
    buffer = io.StringIO()

    class Captured(ConsoleSmsBackend):
        def __init__(self) -> None:
            super().__init__(stream=buffer)

    settings.SMS_BACKEND = f"{__name__}._Captured"
    globals()["_Captured"] = Captured
    yield buffer
    globals().pop("_Captured", None)


@pytest.fixture(autouse=True)
def connections_kept(monkeypatch: pytest.MonkeyPatch) -> None:
    """The task worker closes the database connection between tasks (as a request does); in a
    test that would close the test's own transaction (PostgreSQL), so it keeps it here."""
    monkeypatch.setattr(
        "django_tasks_db.management.commands.db_worker.close_old_connections", lambda: None
    )


def run_queued_tasks() -> int:
    """Run every ready task as ``probation worker`` does (django-tasks-db's worker, one batch)."""
    before = DBTaskResult.objects.exclude(status="READY").count()
    Worker(
        queue_names=["default"],
        interval=0,
        batch=True,
        backend_name="default",
        startup_delay=False,
        max_tasks=None,
        worker_id=get_random_string(32),
        excluded_queue_names=[],
    ).run()
    return DBTaskResult.objects.exclude(status="READY").count() - before


# --- The case and its appointment ---------------------------------------------------------


def _soon(hours: float = 3) -> dt.datetime:
    """A time ``hours`` from now on a whole half hour (the words a reminder uses)."""
    moment = timezone.now() + dt.timedelta(hours=hours)
    return moment.replace(minute=30, second=0, microsecond=0)


@pytest.fixture
def case(crc_order_case: Any, crc_practitioner: Any) -> Any:
    crc_practitioner.first_name, crc_practitioner.last_name = "Rhian", "Pritchard"
    crc_practitioner.save()
    return crc_order_case


@pytest.fixture
def appointment(case: Any) -> Contact:
    return ContactFactory(case=case, starts_at=_soon(), location="Liverpool probation office")


def prefer(case: Any, by_user: Any, **changes: Any) -> ReminderPreference:
    values = {
        "email": "sam@example.com",
        "mobile": "07700 900123",
        "email_opted_out": False,
        "sms_opted_out": False,
        **changes,
    }
    return reminder_preference_set(case=case, by_user=by_user, **values)


def audit_actions(case: Any) -> list[str]:
    return list(
        AuditEvent.objects.filter(crn=case.crn, action__startswith="reminder.")
        .order_by("seq")
        .values_list("action", flat=True)
    )


# --- Sending ------------------------------------------------------------------------------


def test_a_reminder_goes_through_a_real_smtp_server_and_is_logged_on_the_case(
    case, crc_practitioner, appointment, smtp_server, printed_sms
):
    prefer(case, crc_practitioner)

    queued = reminders_queue_due()

    assert {(m.channel, m.status) for m in queued} == {("email", "queued"), ("sms", "queued")}
    assert smtp_server.envelopes == []  # the sweep only queues: the worker sends
    assert run_queued_tasks() == 2

    [received] = smtp_server.messages()
    assert received["To"] == "sam@example.com"
    assert smtp_server.envelopes[0].rcpt_tos == ["sam@example.com"]
    assert received["From"] == "OpenProbation <no-reply@probation.example>"
    when = when_in_words(appointment.starts_at)
    assert received["Subject"] == f"Reminder: your appointment on {when}"
    body = received.get_content()
    assert when in body
    assert "at Liverpool probation office" in body
    assert "contact Rhian Pritchard at " in body  # who to call to rearrange

    sent = ReminderMessage.objects.get(case=case, channel="email")
    assert (sent.status, sent.recipient, sent.error) == (MessageStatus.SENT, "sam@example.com", "")
    assert sent.sent_at is not None and sent.contact_id == appointment.pk
    event = AuditEvent.objects.get(action=AuditAction.REMINDER_SENT, subject_id=str(sent.pk))
    assert (event.crn, event.actor_id, event.actor_label) == (case.crn, None, SYSTEM_LABEL)
    assert event.after["status"] == "sent"

    text = ReminderMessage.objects.get(case=case, channel="sms")
    assert (text.status, text.recipient) == (MessageStatus.SENT, "+447700900123")
    assert "Text message to +447700900123" in printed_sms.getvalue()
    assert when in printed_sms.getvalue()
    assert audit_actions(case) == [
        "reminder.preference_changed",
        "reminder.queued",
        "reminder.queued",
        "reminder.sent",
        "reminder.sent",
    ]


def test_a_second_sweep_queues_nothing(case, crc_practitioner, appointment):
    prefer(case, crc_practitioner)
    assert len(reminders_queue_due()) == 2
    appointment.refresh_from_db()
    assert appointment.reminder_queued_at is not None

    assert reminders_queue_due() == []
    assert ReminderMessage.objects.filter(case=case).count() == 2
    assert DBTaskResult.objects.count() == 2


def test_a_task_run_twice_sends_once(case, crc_practitioner, appointment, printed_sms):
    prefer(case, crc_practitioner, sms_opted_out=True)
    [message] = [m for m in reminders_queue_due() if m.status == MessageStatus.QUEUED]

    first = reminder_send(message_id=message.pk)
    second = reminder_send(message_id=message.pk)

    assert first is not None and second is not None
    assert first.status == second.status == MessageStatus.SENT
    assert len(mail.outbox) == 1
    assert audit_actions(case).count("reminder.sent") == 1


def test_opted_out_channels_are_logged_as_not_sent_and_nothing_goes(
    case, crc_practitioner, appointment, smtp_server, printed_sms
):
    prefer(case, crc_practitioner, email_opted_out=True, sms_opted_out=True)

    messages = reminders_queue_due()

    assert {(m.channel, m.status) for m in messages} == {
        ("email", MessageStatus.NOT_SENT),
        ("sms", MessageStatus.NOT_SENT),
    }
    assert all("opted out" in m.error and m.recipient == "" for m in messages)
    assert DBTaskResult.objects.count() == 0
    assert run_queued_tasks() == 0
    assert smtp_server.envelopes == [] and printed_sms.getvalue() == ""
    assert audit_actions(case)[1:] == ["reminder.failed", "reminder.failed"]
    appointment.refresh_from_db()
    assert appointment.reminder_queued_at is not None  # handled: not swept again


def test_without_preferences_no_address_is_logged_as_not_sent(case, appointment):
    messages = reminders_queue_due()

    assert sorted(m.error for m in messages) == [
        "No email address is recorded.",
        "No mobile number is recorded.",
    ]
    assert {m.status for m in messages} == {MessageStatus.NOT_SENT}


def test_a_refusing_smtp_server_records_failed_with_its_error(
    case, crc_practitioner, appointment, smtp_server
):
    prefer(case, crc_practitioner, sms_opted_out=True)
    smtp_server.refuse = True
    reminders_queue_due()

    run_queued_tasks()

    failed = ReminderMessage.objects.get(case=case, channel="email")
    assert failed.status == MessageStatus.FAILED
    assert failed.error.startswith("SMTPRecipientsRefused")
    assert "Mailbox unavailable" in failed.error
    assert failed.sent_at is None
    event = AuditEvent.objects.get(action=AuditAction.REMINDER_FAILED, subject_id=str(failed.pk))
    assert event.after["status"] == "failed"
    # A failed message is not retried by running the task again: it stays as recorded.
    again = reminder_send(message_id=failed.pk)
    assert again is not None and again.status == MessageStatus.FAILED


def test_an_unreachable_mail_server_records_failed(case, crc_practitioner, appointment, settings):
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", _free_port()  # nothing listens
    prefer(case, crc_practitioner, sms_opted_out=True)
    reminders_queue_due()

    run_queued_tasks()

    failed = ReminderMessage.objects.get(case=case, channel="email")
    assert failed.status == MessageStatus.FAILED
    assert "ConnectionRefusedError" in failed.error


def test_a_failing_sms_provider_records_failed(case, crc_practitioner, appointment, settings):
    settings.SMS_BACKEND = f"{__name__}.BrokenSms"
    prefer(case, crc_practitioner, email_opted_out=True)
    [message] = [m for m in reminders_queue_due() if m.status == MessageStatus.QUEUED]

    result = reminder_send(message_id=message.pk)

    assert result is not None
    assert (result.status, result.error) == ("failed", "SmsError: provider said no")


class BrokenSms:
    def send(self, to: str, body: str) -> None:
        from probation.supervision.reminders import SmsError

        raise SmsError("provider said no")


def test_the_console_sms_backend_prints_the_message() -> None:
    buffer = io.StringIO()
    ConsoleSmsBackend(stream=buffer).send("+447700900123", "Reminder: appointment")
    assert buffer.getvalue().startswith("Text message to +447700900123\nReminder: appointment\n")


def test_an_appointment_changed_after_queueing_is_not_sent(case, crc_practitioner, appointment):
    prefer(case, crc_practitioner, sms_opted_out=True)
    [message] = [m for m in reminders_queue_due() if m.status == MessageStatus.QUEUED]
    Contact.objects.filter(pk=appointment.pk).update(
        starts_at=appointment.starts_at + dt.timedelta(hours=2),
        ends_at=appointment.ends_at + dt.timedelta(hours=2),
    )

    result = reminder_send(message_id=message.pk)

    assert result is not None
    assert (result.status, result.error) == (MessageStatus.NOT_SENT, NOT_SENT_APPOINTMENT_CHANGED)
    assert mail.outbox == []


def test_a_recorded_appointment_is_not_reminded_after_queueing(case, crc_practitioner, appointment):
    prefer(case, crc_practitioner, sms_opted_out=True)
    [message] = [m for m in reminders_queue_due() if m.status == MessageStatus.QUEUED]
    Contact.objects.filter(pk=appointment.pk).update(outcome=Outcome.RESCHEDULED)

    result = reminder_send(message_id=message.pk)

    assert result is not None and result.status == MessageStatus.NOT_SENT
    assert mail.outbox == []


def test_a_message_that_no_longer_exists_is_nothing_to_send() -> None:
    assert reminder_send(message_id=987654321) is None


# --- Which appointments the sweep takes ---------------------------------------------------


@pytest.mark.parametrize(
    ("hours_ahead", "outcome", "reminded"),
    [
        (3, "", True),  # within the lead time
        (23.5, "", True),  # just within 24 hours
        (25, "", False),  # too early: a later sweep takes it
        (-1, "", False),  # already started
        (3, Outcome.RESCHEDULED, False),  # recorded (moved by probation)
        (3, Outcome.ACCEPTABLE_ABSENCE, False),
    ],
)
def test_the_sweep_takes_booked_appointments_within_the_lead_time(
    case, hours_ahead, outcome, reminded
):
    starts_at = timezone.now() + dt.timedelta(hours=hours_ahead)
    ContactFactory(case=case, starts_at=starts_at, outcome=outcome)

    assert bool(reminders_queue_due()) is reminded


def test_the_lead_time_is_a_setting(case, settings):
    settings.REMINDER_LEAD_HOURS = 2
    ContactFactory(case=case, starts_at=timezone.now() + dt.timedelta(hours=3))
    assert reminders_queue_due() == []
    settings.REMINDER_LEAD_HOURS = 4
    assert len(reminders_queue_due()) == 2


def test_a_closed_case_is_not_reminded(case):
    ContactFactory(case=case, starts_at=_soon())
    type(case).objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    assert reminders_queue_due() == []


def test_the_sweep_takes_a_batch_at_a_time(case):
    for hours in (2, 3, 4):
        ContactFactory(case=case, starts_at=_soon(hours))
    assert len(reminders_queue_due(limit=2)) == 4  # two appointments, two channels each
    assert len(reminders_queue_due(limit=2)) == 2
    assert reminders_queue_due(limit=2) == []


def test_a_person_acting_is_audited_as_themselves(case, crc_practitioner, appointment):
    reminders_queue_due(by_user=crc_practitioner)
    events = AuditEvent.objects.filter(crn=case.crn, action=AuditAction.REMINDER_FAILED)
    assert {e.actor_id for e in events} == {crc_practitioner.pk}


# --- What a reminder says -----------------------------------------------------------------


def test_a_reminder_says_when_and_where_and_nothing_sensitive(case, appointment):
    words = reminder_for(appointment)
    person = case.person
    for text in (words.subject, words.email_body, words.sms_body):
        assert person.surname not in text
        assert person.crn not in text
        for sensitive in ("offence", "risk", "theft", "order", "breach", "tier"):
            assert sensitive not in text.lower()
    assert when_in_words(appointment.starts_at) in words.sms_body
    assert "Liverpool probation office" in words.sms_body


@pytest.mark.parametrize(
    ("contact_type", "words"),
    [
        ("home_visit", "at your home"),
        ("phone", "by phone"),
        ("video", "by video call"),
        ("supervision", "at Liverpool probation office"),
    ],
)
def test_a_reminder_says_where_for_each_kind_of_appointment(case, contact_type, words):
    contact = ContactFactory(case=case, contact_type=contact_type, starts_at=_soon())
    assert words in reminder_for(contact).email_body


@pytest.mark.parametrize(
    ("moment", "words"),
    [
        (dt.datetime(2026, 12, 1, 10, 0, tzinfo=dt.UTC), "Tuesday 1 December 2026 at 10am"),
        (dt.datetime(2026, 12, 1, 14, 30, tzinfo=dt.UTC), "Tuesday 1 December 2026 at 2:30pm"),
        (dt.datetime(2026, 12, 1, 12, 0, tzinfo=dt.UTC), "Tuesday 1 December 2026 at 12pm"),
        (dt.datetime(2026, 12, 1, 0, 5, tzinfo=dt.UTC), "Tuesday 1 December 2026 at 12:05am"),
        # British Summer Time: 9am UTC is 10am on the person's clock.
        (dt.datetime(2026, 7, 1, 9, 0, tzinfo=dt.UTC), "Wednesday 1 July 2026 at 10am"),
    ],
)
def test_when_in_words(moment, words):
    assert when_in_words(moment) == words


@pytest.mark.parametrize(
    ("text", "number"),
    [
        ("07700 900123", "+447700900123"),
        ("07700900123", "+447700900123"),
        ("+44 7700 900123", "+447700900123"),
        ("0044 (7700) 900-123", "+447700900123"),
        ("+44 (0)7700 900123", "+447700900123"),
        ("", ""),
        ("   ", ""),
        ("0151 123 4567", None),  # a landline: no text messages
        ("0770090012", None),  # a digit short
        ("077009001234", None),  # a digit long
        ("+33 6 12 34 56 78", None),  # not a UK mobile
        ("٠٧٧٠٠٩٠٠١٢٣", None),  # Arabic-Indic digits
        ("07700 9OO123", None),  # letters O for zeros
    ],
)
def test_normalise_mobile(text, number):
    assert normalise_mobile(text) == number


# --- Preferences --------------------------------------------------------------------------


def test_preferences_are_recorded_with_who_and_when_and_audited(case, crc_practitioner):
    first = prefer(case, crc_practitioner)
    assert (first.email, first.mobile, first.updated_by) == (
        "sam@example.com",
        "+447700900123",
        crc_practitioner,
    )
    assert first.updated_at is not None

    second = prefer(case, crc_practitioner, email="", sms_opted_out=True)

    assert second.pk == first.pk
    assert (second.email, second.sms_opted_out) == ("", True)
    events = AuditEvent.objects.filter(
        crn=case.crn, action=AuditAction.REMINDER_PREFERENCE_CHANGED
    ).order_by("seq")
    assert [e.actor_id for e in events] == [crc_practitioner.pk] * 2
    assert events[0].before is None
    assert events[1].before["email"] == "sam@example.com"
    assert (events[1].after["email"], events[1].after["sms_opted_out"]) == ("", True)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"email": "not an address"}, "email"),
        ({"email": "a@b"}, "email"),
        ({"email": "x" * 250 + "@example.com"}, "email"),
        ({"mobile": "0151 123 4567"}, "mobile"),
        ({"mobile": "9" * 5000}, "mobile"),
    ],
)
def test_bad_addresses_are_refused_and_nothing_is_written(case, crc_practitioner, changes, field):
    with pytest.raises(InvalidInput) as refused:
        prefer(case, crc_practitioner, **changes)
    assert refused.value.field == field
    assert not ReminderPreference.objects.filter(case=case).exists()
    assert audit_actions(case) == []


def test_a_stale_form_is_refused(case, crc_practitioner):
    with pytest.raises(Conflict):
        prefer(case, crc_practitioner, expected_version=case.version - 1)
    assert not ReminderPreference.objects.exists()


def test_another_crc_cannot_see_the_case_to_change_it(case, other_crc_practitioner):
    with pytest.raises(CaseNotAvailable):
        prefer(case, other_crc_practitioner)
    assert not ReminderPreference.objects.exists()


@pytest.mark.parametrize(
    "who",
    [
        ("NPS", ["practitioner"]),  # sees the CRC's case, does not supervise it
        ("CRC-C08", ["court_officer"]),
        ("CRC-C08", ["enforcement_officer"]),
    ],
)
def test_only_the_supervising_organisations_staff_change_preferences(case, who):
    code, roles = who
    user = UserFactory(organisation=organisation(code), roles=roles)
    with pytest.raises((PermissionDenied, CaseNotAvailable)):
        prefer(case, user)
    assert not ReminderPreference.objects.exists()


def test_an_auditor_cannot_change_preferences(case, auditor):
    with pytest.raises(PermissionDenied):
        prefer(case, auditor)


def test_a_closed_case_preferences_are_not_changed(case, crc_practitioner):
    type(case).objects.filter(pk=case.pk).update(status=CaseStatus.CLOSED)
    case.refresh_from_db()
    with pytest.raises(PermissionDenied):
        prefer(case, crc_practitioner)


def test_an_allocating_manager_of_the_crc_may_change_preferences(case):
    manager = UserFactory(organisation=organisation("CRC-C08"), roles=["allocating_manager"])
    assert prefer(case, manager).updated_by == manager


# --- At the same moment (real transactions on PostgreSQL) ---------------------------------


class SlowCountingSms:
    """A provider that takes its time, and counts what it was given."""

    sent: ClassVar[list[str]] = []

    def send(self, to: str, body: str) -> None:
        time.sleep(0.3)
        self.sent.append(to)


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_message_sent_by_two_workers_at_once_goes_once(case, crc_practitioner, settings):
    settings.SMS_BACKEND = f"{__name__}.SlowCountingSms"
    SlowCountingSms.sent = []
    ContactFactory(case=case, starts_at=_soon())
    prefer(case, crc_practitioner, email_opted_out=True)
    [message] = [m for m in reminders_queue_due() if m.status == MessageStatus.QUEUED]

    results = run_together(*[lambda: reminder_send(message_id=message.pk) for _ in range(2)])

    assert all(isinstance(r, ReminderMessage) for r in results), results
    assert SlowCountingSms.sent == ["+447700900123"]
    assert audit_actions(case).count("reminder.sent") == 1


@postgresql
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_sweeps_at_once_remind_each_appointment_once(case):
    for hours in (2, 3, 4):
        ContactFactory(case=case, starts_at=_soon(hours))

    results = run_together(reminders_queue_due, reminders_queue_due)

    assert all(isinstance(r, list) for r in results), results
    assert ReminderMessage.objects.filter(case=case).count() == 6
    reminded = list(ReminderMessage.objects.values_list("contact_id", flat=True))
    assert sorted(reminded) == sorted(2 * [c.pk for c in Contact.objects.filter(case=case)])
