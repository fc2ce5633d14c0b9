"""Supervising a case day to day: the sentence plan, appointments and the contacts they become,
and appointment reminders (``docs/domain/enforcement.md``, "Recording compliance";
``docs/adr/0018-supervision-and-enforcement.md``).

An appointment and the contact it becomes are one row (:class:`Contact`): booked with a time and
no outcome, then recorded with one. A contact that was never booked (a phone call the person
made, say) is recorded with its outcome at once. One table keeps the practitioner's diary, the
case's contact log and the compliance record consistent by construction, and keeps the national
contact log (tens of millions of rows) to one indexed read per page.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class ContactType(models.TextChoices):
    SUPERVISION = "supervision", "Supervision appointment"
    UNPAID_WORK = "unpaid_work", "Unpaid work session"
    PROGRAMME = "programme", "Programme session"
    HOME_VISIT = "home_visit", "Home visit"
    PHONE = "phone", "Phone call"
    VIDEO = "video", "Video call"


class Outcome(models.TextChoices):
    """The outcomes of ``enforcement.md``, and ``awaiting_judgement`` for an absence not yet
    judged acceptable or unacceptable (due within 2 working days)."""

    ATTENDED_COMPLIED = "attended_complied", "Attended and complied"
    ATTENDED_FAILED_TO_COMPLY = "attended_failed_to_comply", "Attended but failed to comply"
    ACCEPTABLE_ABSENCE = "acceptable_absence", "Acceptable absence"
    UNACCEPTABLE_ABSENCE = "unacceptable_absence", "Unacceptable absence"
    RESCHEDULED = "rescheduled", "Rescheduled by probation"
    AWAITING_JUDGEMENT = "awaiting_judgement", "Absent: awaiting judgement"


#: Outcomes that are failures to comply (``enforcement.md``): they earn a warning or a breach.
FAILURE_OUTCOMES = (Outcome.UNACCEPTABLE_ABSENCE, Outcome.ATTENDED_FAILED_TO_COMPLY)
#: Outcomes in which the person attended.
ATTENDED_OUTCOMES = (Outcome.ATTENDED_COMPLIED, Outcome.ATTENDED_FAILED_TO_COMPLY)


class Contact(models.Model):
    """One appointment or contact with the person on probation.

    ``outcome`` is empty while the appointment is booked and not yet recorded. A recurring
    appointment is a run of rows sharing a ``series``. ``sentence`` is the order the contact is
    under, so that failures, warnings and breach are counted per order (``enforcement.md``);
    ``requirement`` the requirement it delivers (unpaid work hours, rehabilitation activity days,
    programme sessions).
    """

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="contacts")
    sentence = models.ForeignKey(
        "courts.Sentence", null=True, blank=True, on_delete=models.PROTECT, related_name="contacts"
    )
    requirement = models.ForeignKey(
        "courts.Requirement",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="contacts",
    )
    contact_type = models.CharField(max_length=20, choices=ContactType.choices)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    location = models.CharField(max_length=200, blank=True)
    # Whose diary the appointment is in: the officer who will see the person.
    practitioner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="diary",
    )
    series = models.UUIDField(null=True, blank=True, help_text="Shared by a recurring run.")
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    booked_at = models.DateTimeField(default=timezone.now)

    outcome = models.CharField(max_length=30, choices=Outcome.choices, blank=True)
    notes = models.TextField(blank=True)
    absence_reason = models.CharField(max_length=500, blank=True)
    absence_evidence = models.CharField(max_length=500, blank=True)
    # While an absence awaits judgement: the day it must be judged by.
    judgement_due_on = models.DateField(null=True, blank=True)
    judged_at = models.DateTimeField(null=True, blank=True)
    hours_credited = models.DecimalField(
        max_digits=5, decimal_places=2, null=True, blank=True, help_text="Unpaid work hours."
    )
    rar_day = models.BooleanField(
        default=False, help_text="Counts as a rehabilitation activity day delivered."
    )
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)
    # Whether the person asked for no reminder of this appointment, or one was already queued.
    reminder_queued_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-starts_at", "-id"]
        indexes = [
            # The case's contact log, newest first.
            models.Index(fields=["case", "-starts_at"], name="contact_case_log"),
            # A practitioner's diary: a day or a week of appointments.
            models.Index(fields=["practitioner", "starts_at"], name="contact_diary"),
            # The next appointment of each case ("My cases"), and outcomes still to record.
            models.Index(
                fields=["case", "starts_at"],
                condition=models.Q(outcome=""),
                name="contact_case_booked",
            ),
            models.Index(
                fields=["practitioner", "starts_at"],
                condition=models.Q(outcome=""),
                name="contact_to_record",
            ),
            # Absences awaiting judgement, on their clock.
            models.Index(
                fields=["practitioner", "judgement_due_on"],
                condition=models.Q(outcome="awaiting_judgement"),
                name="contact_to_judge",
            ),
            # The failures on a caseload still awaiting a warning or a referral (the to-do list).
            models.Index(
                fields=["case", "starts_at"],
                condition=models.Q(
                    outcome__in=["unacceptable_absence", "attended_failed_to_comply"]
                ),
                name="contact_case_failures",
            ),
            # The failures on an order, for the warning rule.
            models.Index(
                fields=["sentence", "starts_at"],
                condition=models.Q(
                    outcome__in=["unacceptable_absence", "attended_failed_to_comply"]
                ),
                name="contact_failures",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")),
                name="contact_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_contact_type_display()} on {self.starts_at:%Y-%m-%d %H:%M}"

    @property
    def is_failure(self) -> bool:
        return self.outcome in FAILURE_OUTCOMES


class ObjectiveStatus(models.TextChoices):
    OPEN = "open", "In progress"
    ACHIEVED = "achieved", "Achieved"
    DISCONTINUED = "discontinued", "No longer needed"


class SentencePlan(models.Model):
    """The case's sentence plan: what the person and their officer agree to work on, reviewed
    on a schedule (``docs/adr/0018-supervision-and-enforcement.md``)."""

    case = models.OneToOneField("people.Case", on_delete=models.CASCADE, related_name="plan")
    agreed_on = models.DateField(null=True, blank=True)
    # What the person says they want from their supervision, in their own words.
    persons_words = models.TextField(blank=True)
    review_due_on = models.DateField(null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [models.Index(fields=["review_due_on"], name="plan_review_due")]

    def __str__(self) -> str:
        return f"Sentence plan of case {self.case_id}"


class Objective(models.Model):
    """One objective of a sentence plan, linked to an assessed need and/or a requirement."""

    plan = models.ForeignKey(SentencePlan, on_delete=models.CASCADE, related_name="objectives")
    need = models.CharField(
        max_length=40, blank=True, help_text="The assessed need section it addresses."
    )
    requirement = models.ForeignKey(
        "courts.Requirement", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    description = models.TextField()
    persons_words = models.TextField(blank=True)
    status = models.CharField(
        max_length=12, choices=ObjectiveStatus.choices, default=ObjectiveStatus.OPEN
    )
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["created_at", "id"]

    def __str__(self) -> str:
        return self.description[:60]


class PlanReview(models.Model):
    """A review of the sentence plan: what has changed, in the officer's and the person's words."""

    plan = models.ForeignKey(SentencePlan, on_delete=models.CASCADE, related_name="reviews")
    reviewed_on = models.DateField()
    summary = models.TextField()
    persons_words = models.TextField(blank=True)
    next_review_due_on = models.DateField()
    reviewed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-reviewed_on", "-id"]

    def __str__(self) -> str:
        return f"Review of plan {self.plan_id} on {self.reviewed_on}"


class Channel(models.TextChoices):
    EMAIL = "email", "Email"
    SMS = "sms", "Text message"


class ReminderPreference(models.Model):
    """How a person wants appointment reminders, and whether they opted out (recorded, with who
    recorded it and when)."""

    case = models.OneToOneField(
        "people.Case", on_delete=models.CASCADE, related_name="reminder_preference"
    )
    email = models.EmailField(blank=True)
    mobile = models.CharField(max_length=20, blank=True)
    email_opted_out = models.BooleanField(default=False)
    sms_opted_out = models.BooleanField(default=False)
    updated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    updated_at = models.DateTimeField(default=timezone.now)

    def __str__(self) -> str:
        return f"Reminder preference of case {self.case_id}"


class MessageStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    NOT_SENT = "not_sent", "Not sent: opted out"


class ReminderMessage(models.Model):
    """Every reminder message, sent or not, logged on the case."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="messages")
    contact = models.ForeignKey(
        Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="messages"
    )
    channel = models.CharField(max_length=10, choices=Channel.choices)
    recipient = models.CharField(max_length=254, blank=True)
    subject = models.CharField(max_length=200, blank=True)
    body = models.TextField()
    status = models.CharField(
        max_length=10, choices=MessageStatus.choices, default=MessageStatus.QUEUED
    )
    queued_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-queued_at", "-id"]
        indexes = [models.Index(fields=["case", "-queued_at"], name="message_case_log")]

    def __str__(self) -> str:
        return f"{self.get_channel_display()} reminder to case {self.case_id} ({self.status})"
