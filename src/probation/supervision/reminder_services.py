"""Appointment reminders: the person's preferences, the sweep that queues reminders, and sending.

Three writes, each one transaction with its audit events:

- :func:`reminder_preference_set`: the supervising staff record the person's email address and
  mobile number and whether they opted out of either (who recorded it and when is kept).
- :func:`reminders_queue_due`: the sweep ``probation worker`` runs every minute. Each booked
  appointment (no outcome yet) starting within ``REMINDER_LEAD_HOURS`` whose reminder was never
  queued gets one :class:`ReminderMessage` per channel and is marked ``reminder_queued_at``, so a
  second sweep queues nothing. A channel the person opted out of, or has no address for, is
  logged as not sent with the reason: the case log shows that no reminder went, and why. Each
  message to send becomes a task (``probation.supervision.tasks.send_reminder``), enqueued in the
  same transaction, so a message exists if and only if its task does.
- :func:`reminder_send`: the task's work. The message row is locked and sent only while it is
  still queued, so a task run twice (a worker restarted mid-task, two workers) sends it once.

The actor of the sweep and of sending is the service itself: with ``by_user=None`` the audit
events are recorded as ``system`` (``core.audit.SYSTEM_LABEL``), not as anonymous.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import EmailMessage
from django.core.validators import validate_email
from django.db import transaction
from django.utils import timezone

from probation.core.audit import (
    SYSTEM_LABEL,
    AuditAction,
    AuditRecord,
    audit,
    audit_many,
    snapshot,
)
from probation.core.errors import InvalidInput
from probation.people.locking import begin_case_change
from probation.people.models import Case, CaseStatus
from probation.people.selectors import ensure_case_visible
from probation.supervision.models import (
    Channel,
    Contact,
    MessageStatus,
    ReminderMessage,
    ReminderPreference,
)
from probation.supervision.reminder_selectors import may_change_reminders
from probation.supervision.reminders import get_sms_backend, normalise_mobile, reminder_for

#: Appointments handled by one sweep transaction; the worker sweeps again while a sweep is full.
SWEEP_BATCH = 500
EMAIL_MAX = 254  # RFC 5321's limit on an address, and the model's
_PREFERENCE_FIELDS = ["email", "mobile", "email_opted_out", "sms_opted_out"]

NOT_SENT_OPTED_OUT = {
    Channel.EMAIL: "The person opted out of email reminders.",
    Channel.SMS: "The person opted out of text message reminders.",
}
NOT_SENT_NO_ADDRESS = {
    Channel.EMAIL: "No email address is recorded.",
    Channel.SMS: "No mobile number is recorded.",
}
NOT_SENT_APPOINTMENT_CHANGED = (
    "The appointment was moved, cancelled or recorded before the reminder went."
)


def _record(by_user: Any, records: list[AuditRecord]) -> None:
    """Audit as ``by_user`` when a person acts, else as the system (the worker)."""
    audit_many(
        [
            AuditRecord(
                action=r.action,
                actor=by_user,
                actor_label=SYSTEM_LABEL,
                subject_type=r.subject_type,
                subject_id=r.subject_id,
                crn=r.crn,
                after=r.after,
            )
            for r in records
        ]
    )


def _message_record(action: AuditAction, message: ReminderMessage, crn: str) -> AuditRecord:
    # The audit keeps the status and the reason, not the text: the text is on the message row.
    return AuditRecord(
        action=action,
        subject_type=ReminderMessage._meta.label,
        subject_id=str(message.pk),
        crn=crn,
        after={
            "contact_id": message.contact_id,
            "channel": message.channel,
            "status": message.status,
            "error": message.error,
        },
    )


def _clean_email(email: str) -> str:
    text = (email or "").strip()
    if not text:
        return ""
    if len(text) > EMAIL_MAX:
        raise InvalidInput(
            f"The email address must be {EMAIL_MAX} characters or fewer", field="email"
        )
    try:
        validate_email(text)
    except ValidationError as error:
        raise InvalidInput(
            "Enter an email address in the correct format, like name@example.com",
            field="email",
        ) from error
    return text


@transaction.atomic
def reminder_preference_set(
    *,
    case: Case,
    by_user: Any,
    email: str,
    mobile: str,
    email_opted_out: bool,
    sms_opted_out: bool,
    expected_version: int | None = None,
    submission_token: str = "",
) -> ReminderPreference:
    """Record how the person wants appointment reminders, and whether they opted out.

    Only the staff supervising the active case record it (:func:`may_change_reminders`). The
    mobile number is kept in the international form a provider expects.
    """
    ensure_case_visible(by_user, case)
    if not may_change_reminders(by_user, case):
        raise PermissionDenied("Only the staff supervising this case record its reminders.")
    clean_email = _clean_email(email)
    clean_mobile = normalise_mobile((mobile or "")[:40])
    if clean_mobile is None:
        raise InvalidInput(
            "Enter a UK mobile number, like 07700 900123 or +44 7700 900123", field="mobile"
        )
    locked = begin_case_change(
        case=case,
        by_user=by_user,
        expected_version=expected_version,
        submission_token=submission_token,
    )
    preference = ReminderPreference.objects.select_for_update().filter(case=locked).first()
    before = snapshot(preference, _PREFERENCE_FIELDS) if preference is not None else None
    if preference is None:
        preference = ReminderPreference(case=locked)
    preference.email = clean_email
    preference.mobile = clean_mobile
    preference.email_opted_out = bool(email_opted_out)
    preference.sms_opted_out = bool(sms_opted_out)
    preference.updated_by = by_user
    preference.updated_at = timezone.now()
    preference.save()
    audit(
        by_user,
        AuditAction.REMINDER_PREFERENCE_CHANGED,
        preference,
        crn=locked.crn,
        before=before,
        after=snapshot(preference, _PREFERENCE_FIELDS),
    )
    return preference


def _channel_message(
    contact: Contact, preference: ReminderPreference | None, channel: str, now: dt.datetime
) -> ReminderMessage:
    """One channel's message for ``contact``: queued, or not sent with the reason."""
    words = reminder_for(contact)
    if channel == Channel.EMAIL:
        address = preference.email if preference else ""
        opted_out = bool(preference and preference.email_opted_out)
        subject, body = words.subject, words.email_body
    else:
        address = preference.mobile if preference else ""
        opted_out = bool(preference and preference.sms_opted_out)
        subject, body = "", words.sms_body
    if opted_out:
        status, error = MessageStatus.NOT_SENT, NOT_SENT_OPTED_OUT[Channel(channel)]
    elif not address:
        status, error = MessageStatus.NOT_SENT, NOT_SENT_NO_ADDRESS[Channel(channel)]
    else:
        status, error = MessageStatus.QUEUED, ""
    return ReminderMessage.objects.create(
        case_id=contact.case_id,
        contact=contact,
        channel=channel,
        # An opted-out address is not copied onto the log: the person asked not to be written to.
        recipient="" if opted_out else address,
        subject=subject,
        body=body,
        status=status,
        error=error,
        queued_at=now,
    )


@transaction.atomic
def reminders_queue_due(
    *, by_user: Any = None, now: dt.datetime | None = None, limit: int = SWEEP_BATCH
) -> list[ReminderMessage]:
    """Queue the reminders of appointments starting within the lead time; return the messages
    written (queued and not sent).

    Appointments already locked by another sweep are skipped (``skip_locked``), and each is
    marked ``reminder_queued_at`` in this transaction, so two sweeps never remind twice.
    """
    from probation.supervision.tasks import send_reminder  # the task calls back into here

    now = now or timezone.now()
    lead = dt.timedelta(hours=settings.REMINDER_LEAD_HOURS)
    contacts = list(
        Contact.objects.select_for_update(skip_locked=True, of=("self",))
        .filter(
            outcome="",
            reminder_queued_at__isnull=True,
            starts_at__gt=now,
            starts_at__lte=now + lead,
            case__status=CaseStatus.ACTIVE,
        )
        .select_related(
            "case__person",
            "case__responsible_organisation",
            "case__responsible_officer",
            "practitioner",
        )
        .order_by("starts_at", "id")[:limit]
    )
    if not contacts:
        return []
    preferences = {
        p.case_id: p
        for p in ReminderPreference.objects.filter(case_id__in={c.case_id for c in contacts})
    }
    messages: list[ReminderMessage] = []
    records: list[AuditRecord] = []
    for contact in contacts:
        for channel in (Channel.EMAIL, Channel.SMS):
            message = _channel_message(contact, preferences.get(contact.case_id), channel, now)
            messages.append(message)
            action = (
                AuditAction.REMINDER_QUEUED
                if message.status == MessageStatus.QUEUED
                else AuditAction.REMINDER_FAILED
            )
            records.append(_message_record(action, message, contact.case.crn))
    Contact.objects.filter(pk__in=[c.pk for c in contacts]).update(reminder_queued_at=now)
    _record(by_user, records)
    for message in messages:
        if message.status == MessageStatus.QUEUED:
            send_reminder.enqueue(message_id=message.pk)
    return messages


def _still_as_queued(message: ReminderMessage, now: dt.datetime) -> bool:
    """Whether the appointment is still booked, still to come and still as the message says."""
    contact = message.contact
    if contact is None or contact.outcome or contact.starts_at <= now:
        return False
    words = reminder_for(contact)
    body = words.email_body if message.channel == Channel.EMAIL else words.sms_body
    return body == message.body


def _deliver(message: ReminderMessage) -> None:
    """Hand the message to the mail server or the text message provider; raise if refused."""
    if message.channel == Channel.EMAIL:
        EmailMessage(
            subject=message.subject,
            body=message.body,
            from_email=settings.DEFAULT_FROM_EMAIL,
            to=[message.recipient],
        ).send(fail_silently=False)
    else:
        get_sms_backend().send(message.recipient, message.body)


@transaction.atomic
def reminder_send(
    *, message_id: int, by_user: Any = None, now: dt.datetime | None = None
) -> ReminderMessage | None:
    """Send one queued reminder and record the result: sent, or failed with the error.

    At most once: the row is locked, and a message no longer queued (already sent, failed or
    not sent) is returned as it is. A reminder whose appointment was moved, cancelled or
    recorded since it was queued is not sent (its words would be wrong), and says so.
    Returns None for a message that no longer exists (its case was deleted).
    """
    now = now or timezone.now()
    message = (
        ReminderMessage.objects.select_for_update(of=("self",))
        .select_related(
            "case__person",
            "contact__case__responsible_organisation",
            "contact__case__responsible_officer",
            "contact__practitioner",
        )
        .filter(pk=message_id)
        .first()
    )
    if message is None or message.status != MessageStatus.QUEUED:
        return message
    if not _still_as_queued(message, now):
        message.status = MessageStatus.NOT_SENT
        message.error = NOT_SENT_APPOINTMENT_CHANGED
        action = AuditAction.REMINDER_FAILED
    else:
        try:
            _deliver(message)
        except Exception as error:  # whatever the server or provider says is the record
            message.status = MessageStatus.FAILED
            message.error = f"{type(error).__name__}: {error}"[:500]
            action = AuditAction.REMINDER_FAILED
        else:
            message.status = MessageStatus.SENT
            message.sent_at = now
            message.error = ""
            action = AuditAction.REMINDER_SENT
    message.save(update_fields=["status", "error", "sent_at"])
    _record(by_user, [_message_record(action, message, message.case.crn)])
    return message
