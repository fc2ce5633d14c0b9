"""Enforcement across the NPS/CRC boundary: warnings, breach referrals and their court
outcomes, recall of people on licence, breach of post-sentence supervision, and serious further
offences (``docs/domain/enforcement.md``; ``docs/adr/0018-supervision-and-enforcement.md``).

Each is kept as a history of who did what and why; the state machines are enforced by the
services (``probation/enforcement/services.py``), which refuse any other transition.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class WarningLetter(models.Model):
    """A warning letter for a failure on an order (``enforcement.md``, the warning rule).

    The letter is written from the case record when it is issued and kept as issued, so the
    evidence pack of a later breach shows exactly what the person was sent.
    """

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="warnings")
    sentence = models.ForeignKey(
        "courts.Sentence", on_delete=models.PROTECT, related_name="warnings"
    )
    failure = models.OneToOneField(
        "supervision.Contact", on_delete=models.PROTECT, related_name="warning"
    )
    issued_on = models.DateField()
    issued_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    issued_at = models.DateTimeField(default=timezone.now)
    letter = models.TextField(help_text="The letter as issued.")

    class Meta:
        ordering = ["-issued_on", "-id"]
        indexes = [models.Index(fields=["sentence", "issued_on"], name="warning_order")]

    def __str__(self) -> str:
        return f"Warning on case {self.case_id} issued {self.issued_on}"


class BreachKind(models.TextChoices):
    ORDER = "order", "Breach of a community or suspended sentence order"
    POST_SENTENCE_SUPERVISION = "pss", "Breach of post-sentence supervision"


class BreachState(models.TextChoices):
    """``enforcement.md``: referred → under_review → proceedings_started →
    court_outcome_recorded | returned."""

    REFERRED = "referred", "Referred"
    UNDER_REVIEW = "under_review", "Under review"
    PROCEEDINGS_STARTED = "proceedings_started", "Proceedings started"
    COURT_OUTCOME_RECORDED = "court_outcome_recorded", "Court outcome recorded"
    RETURNED = "returned", "Returned with directions"


#: States in which a breach referral is still open.
OPEN_BREACH_STATES = (
    BreachState.REFERRED,
    BreachState.UNDER_REVIEW,
    BreachState.PROCEEDINGS_STARTED,
)


class CourtOutcome(models.TextChoices):
    """What the court decided on a breach (``enforcement.md``; for post-sentence supervision,
    ``sentences.md``)."""

    CONTINUES = "continues", "Order continues unchanged"
    CONTINUES_AMENDED = "continues_amended", "Order continues with amended requirements"
    CONTINUES_FINE = "continues_fine", "Order continues with a fine"
    REVOKED_CUSTODY = "revoked_custody", "Order revoked: re-sentenced to custody"
    REVOKED_NEW_ORDER = "revoked_new_order", "Order revoked: re-sentenced to a new order"
    PSS_CUSTODY = "pss_custody", "Committed to custody (up to 14 days)"
    PSS_FINE = "pss_fine", "Fine (up to level 3)"
    PSS_SDO_UNPAID_WORK = "pss_sdo_unpaid_work", "Supervision default order: unpaid work"
    PSS_SDO_CURFEW = "pss_sdo_curfew", "Supervision default order: curfew"
    PSS_NO_ACTION = "pss_no_action", "No order: supervision continues"


class BreachReferral(models.Model):
    """A breach referral: made by the responsible officer (a CRC practitioner, or the NPS),
    decided by an NPS enforcement officer, with its evidence pack kept as referred."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="breaches")
    sentence = models.ForeignKey(
        "courts.Sentence", on_delete=models.PROTECT, related_name="breaches"
    )
    kind = models.CharField(max_length=5, choices=BreachKind.choices, default=BreachKind.ORDER)
    state = models.CharField(
        max_length=25, choices=BreachState.choices, default=BreachState.REFERRED
    )
    failure = models.ForeignKey(
        "supervision.Contact",
        on_delete=models.PROTECT,
        related_name="breach_referrals",
        help_text="The failure that triggered the referral.",
    )
    warning = models.ForeignKey(
        WarningLetter, null=True, blank=True, on_delete=models.PROTECT, related_name="breaches"
    )
    mandatory = models.BooleanField(
        default=True, help_text="False when the officer chose to refer a first failure."
    )
    reason = models.TextField()
    evidence = models.JSONField(
        default=dict, help_text="The failures, the warning and the compliance record, as referred."
    )
    from_organisation = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    due_on = models.DateField(help_text="Due within 10 working days of the failure.")
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField(default=timezone.now)
    review_due_on = models.DateField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_started_at = models.DateTimeField(null=True, blank=True)
    proceedings_started_at = models.DateTimeField(null=True, blank=True)
    hearing_on = models.DateField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    directions = models.TextField(blank=True)
    court_outcome = models.CharField(max_length=25, choices=CourtOutcome.choices, blank=True)
    court_outcome_on = models.DateField(null=True, blank=True)
    court_outcome_detail = models.TextField(blank=True)
    outcome_recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    outcome_recorded_at = models.DateTimeField(null=True, blank=True)
    # The sentence the court passed when it revoked the order, if it did.
    new_sentence = models.ForeignKey(
        "courts.Sentence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-referred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["sentence"],
                condition=models.Q(state__in=["referred", "under_review", "proceedings_started"]),
                name="one_open_breach_per_order",
            )
        ]
        indexes = [models.Index(fields=["state", "review_due_on"], name="breach_queue")]

    def __str__(self) -> str:
        return f"Breach referral of case {self.case_id} ({self.state})"


class RecallReason(models.TextChoices):
    RISK_INCREASED = "risk_increased", "Risk increased"
    CONTACT_LOST = "contact_lost", "Contact lost"
    FURTHER_OFFENCE = "further_offence", "Further offence"
    OTHER = "other", "Other"


class RecallState(models.TextChoices):
    """``enforcement.md``: requested → under_review → decided (recall | no_recall) → sent."""

    REQUESTED = "requested", "Requested"
    UNDER_REVIEW = "under_review", "Under review"
    DECIDED = "decided", "Decided"
    SENT = "sent", "Sent"


OPEN_RECALL_STATES = (RecallState.REQUESTED, RecallState.UNDER_REVIEW, RecallState.DECIDED)


class RecallDecision(models.TextChoices):
    STANDARD = "standard", "Standard recall"
    FIXED_TERM = "fixed_term", "Fixed-term recall"
    NO_RECALL = "no_recall", "No recall"


class Recall(models.Model):
    """A recall request for a person on licence, the NPS decision and the manager's sign-off."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="recalls")
    sentence = models.ForeignKey(
        "courts.Sentence", on_delete=models.PROTECT, related_name="recalls"
    )
    state = models.CharField(
        max_length=12, choices=RecallState.choices, default=RecallState.REQUESTED
    )
    reason = models.CharField(max_length=20, choices=RecallReason.choices)
    details = models.TextField()
    from_organisation = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decision_due_on = models.DateField()
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_started_at = models.DateTimeField(null=True, blank=True)
    decision = models.CharField(max_length=12, choices=RecallDecision.choices, blank=True)
    decision_reasons = models.TextField(blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    signed_off_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    signed_off_at = models.DateTimeField(null=True, blank=True)
    sent_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(state__in=["requested", "under_review", "decided"]),
                name="one_open_recall_per_case",
            )
        ]
        indexes = [models.Index(fields=["state", "decision_due_on"], name="recall_queue")]

    def __str__(self) -> str:
        return f"Recall of case {self.case_id} ({self.state})"


class SfoState(models.TextChoices):
    NOTIFIED = "notified", "Notified"
    REVIEW_STARTED = "review_started", "Review under way"
    REVIEW_COMPLETED = "review_completed", "Review completed"


class SeriousFurtherOffence(models.Model):
    """A serious further offence: notified within 5 working days of the charge, then reviewed.

    The organisation and contract area are those responsible for the person when charged, kept
    here so that counts by organisation and area do not move when the case moves later.
    """

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="sfos")
    offence = models.ForeignKey(
        "courts.Offence", null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    offence_description = models.CharField(max_length=300)
    charged_on = models.DateField()
    organisation = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    contract_area = models.ForeignKey(
        "contracts.ContractArea", on_delete=models.PROTECT, related_name="+"
    )
    notification_due_on = models.DateField()
    state = models.CharField(max_length=20, choices=SfoState.choices, default=SfoState.NOTIFIED)
    notified_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    notified_at = models.DateTimeField(default=timezone.now)
    review_started_at = models.DateTimeField(null=True, blank=True)
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_completed_at = models.DateTimeField(null=True, blank=True)
    review_findings = models.TextField(blank=True)

    class Meta:
        ordering = ["-charged_on", "-id"]
        indexes = [
            models.Index(fields=["organisation", "state"], name="sfo_organisation"),
            models.Index(fields=["contract_area", "state"], name="sfo_area"),
        ]

    def __str__(self) -> str:
        return f"SFO on case {self.case_id} charged {self.charged_on}"
