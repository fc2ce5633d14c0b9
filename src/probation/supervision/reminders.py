"""Appointment reminders: what a reminder says, and how a text message leaves the service.

A missed appointment can lead to a warning and then to breach (``docs/domain/enforcement.md``,
"Recording compliance"), so the person is reminded the day before. What a reminder says is
deliberately little: when and where, and whom to contact to rearrange. Never the offence, the
risk, the order or the person's full name: a phone or an inbox may be shared, and a reminder
read by someone else must not tell them more than that there is an appointment.

Text messages go through a small interface (:class:`SmsBackend`, ``send(to, body)``) chosen by
the ``SMS_BACKEND`` setting, as email goes through Django's ``EMAIL_BACKEND``: a provider's
backend is one class, and development and tests use :class:`ConsoleSmsBackend`, which prints.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import sys
import threading
from dataclasses import dataclass
from typing import IO, Protocol

from django.conf import settings
from django.utils import timezone
from django.utils.module_loading import import_string

from probation.supervision.models import Contact, ContactType

logger = logging.getLogger(__name__)

__all__ = [
    "ConsoleSmsBackend",
    "Reminder",
    "SmsBackend",
    "SmsError",
    "get_sms_backend",
    "normalise_mobile",
    "reminder_for",
    "when_in_words",
]


class SmsError(Exception):
    """A text message could not be handed to the provider (the message is recorded as failed)."""


class SmsBackend(Protocol):
    """What the service needs of a text message provider: send one message, or raise."""

    def send(self, to: str, body: str) -> None: ...


class ConsoleSmsBackend:
    """Prints each text message (and logs it): for development, the demo and tests."""

    _lock = threading.Lock()

    def __init__(self, stream: IO[str] | None = None) -> None:
        self.stream = stream

    def send(self, to: str, body: str) -> None:
        stream = self.stream or sys.stdout
        with self._lock:
            stream.write(f"Text message to {to}\n{body}\n{'-' * 79}\n")
            stream.flush()
        logger.info("Text message printed for %s (%d characters)", to, len(body))


def get_sms_backend() -> SmsBackend:
    """An instance of the ``SMS_BACKEND`` class."""
    backend: SmsBackend = import_string(settings.SMS_BACKEND)()
    return backend


# UK mobile numbers: 07 and nine more digits, written as 07…, +447…, +44 (0)7… or 00447…,
# with spaces, dots, dashes or brackets anywhere (as people write them).
_SEPARATORS = re.compile(r"[\s().-]")
_UK_MOBILE = re.compile(r"(?:(?:\+44|0044)0?|0)(7\d{9})")


def normalise_mobile(text: str) -> str | None:
    """The number in the international form a provider expects (``+447700900123``), ``""`` for
    no number, or ``None`` when ``text`` is not a UK mobile number."""
    compact = _SEPARATORS.sub("", text or "")
    if not compact:
        return ""
    if not compact.isascii():  # other scripts' digits are digits to Python, not to a phone network
        return None
    match = _UK_MOBILE.fullmatch(compact)
    return f"+44{match.group(1)}" if match else None


def _time_in_words(moment: dt.datetime) -> str:
    """GOV.UK style: 10am, 2:30pm, 12pm (midday)."""
    hour = moment.hour % 12 or 12
    minutes = f":{moment.minute:02d}" if moment.minute else ""
    return f"{hour}{minutes}{'am' if moment.hour < 12 else 'pm'}"


def when_in_words(starts_at: dt.datetime) -> str:
    """``Tuesday 1 December 2026 at 10am``, in UK time (the person's clock, not the server's)."""
    local = timezone.localtime(starts_at)
    return f"{local:%A} {local.day} {local:%B %Y} at {_time_in_words(local)}"


@dataclass(frozen=True)
class Reminder:
    """The words of one appointment's reminder, for each channel."""

    subject: str
    email_body: str
    sms_body: str


def _where(contact: Contact) -> str:
    if contact.contact_type == ContactType.HOME_VISIT:
        return "at your home"
    if contact.contact_type == ContactType.PHONE:
        return "by phone: your officer will call you"
    if contact.contact_type == ContactType.VIDEO:
        return "by video call: your officer will send you the link"
    if contact.location:
        return f"at {contact.location}"
    return "at the place your officer gave you"


def reminder_for(contact: Contact) -> Reminder:
    """What the reminder of ``contact`` says: when, where, and whom to contact to rearrange.

    Reads ``contact.case.responsible_organisation`` and ``contact.practitioner`` (or the case's
    responsible officer): select them with the contact.
    """
    case = contact.case
    organisation = str(case.responsible_organisation)
    officer = contact.practitioner or case.responsible_officer
    who = (
        f"{officer.get_full_name() or officer.get_username()} at {organisation}"
        if officer
        else (f"your probation officer at {organisation}")
    )
    when = when_in_words(contact.starts_at)
    where = _where(contact)
    subject = f"Reminder: your appointment on {when}"
    email_body = (
        "Hello,\n\n"
        f"This is a reminder of your appointment with {organisation} on {when}, {where}.\n\n"
        f"If you cannot come, contact {who} before the appointment to rearrange it. "
        "If you miss an appointment without a good reason, you may get a warning.\n\n"
        "This is an automatic message: replies to it are not read.\n"
    )
    sms_body = (
        f"Reminder: appointment with {organisation} on {when}, {where}. "
        f"Cannot come? Contact {who} before then to rearrange."
    )
    return Reminder(subject=subject[:200], email_body=email_body, sms_body=sms_body)
