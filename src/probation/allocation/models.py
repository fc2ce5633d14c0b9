"""The sift's decisions and the assignments of cases to practitioners
(``docs/domain/allocation.md``, sections 1 and 2).

Both are kept as history: a case's current organisation and officer are on the case itself
(``people.Case``); these rows say when, by whom and why each changed.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone


class SiftDecision(models.Model):
    """One run of the sift: the organisation and contract area decided, the reasons, the facts
    the decision was made from and the policy (id and version) that made it."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="sifts")
    organisation = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    contract_area = models.ForeignKey(
        "contracts.ContractArea", on_delete=models.PROTECT, related_name="+"
    )
    reasons = models.JSONField(help_text="[rule id, plain-English sentence] in the order fired.")
    facts = models.JSONField(help_text="The AllocationFacts the decision was made from.")
    policy_id = models.CharField(max_length=50)
    policy_version = models.PositiveIntegerField()
    trigger = models.CharField(max_length=50)
    decided_at = models.DateTimeField(default=timezone.now)
    # When a practitioner must be assigned (allocation.md §3); null for sifts made before the
    # clocks were kept.
    assignment_due_on = models.DateField(null=True, blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )

    class Meta:
        ordering = ["-decided_at", "-id"]
        indexes = [models.Index(fields=["case", "-decided_at", "-id"], name="sift_latest")]

    def __str__(self) -> str:
        return f"Sift of case {self.case_id} to {self.organisation_id} at {self.decided_at}"

    @property
    def reason_sentences(self) -> list[str]:
        return [sentence for _, sentence in self.reasons]


class Assignment(models.Model):
    """A case assigned to a practitioner by a manager of the responsible organisation."""

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="assignments")
    officer = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    organisation = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    assigned_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    assigned_at = models.DateTimeField(default=timezone.now)
    previous_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    # The case's version once assigned: a form shown at an older version was overtaken by this.
    case_version = models.PositiveIntegerField(default=0)
    # When the practitioner first opened the case after this assignment: until then "My cases"
    # shows it as a new allocation (the notification the issue asks for).
    seen_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-assigned_at", "-id"]
        indexes = [models.Index(fields=["case", "-assigned_at", "-id"], name="assignment_latest")]

    def __str__(self) -> str:
        return f"Case {self.case_id} assigned to {self.officer_id} at {self.assigned_at}"


class FirstAppointment(models.Model):
    """The first appointment held after a sift (``allocation.md`` §3: due 5 working days after
    sentence or release, 2 for tier A). The due day is fixed when the sift decides; the held day
    is recorded by the practitioner (until appointments are recorded in full, issue:
    supervision). One per sift."""

    id = models.BigAutoField(primary_key=True)
    sift = models.OneToOneField(
        SiftDecision, on_delete=models.CASCADE, related_name="first_appointment"
    )
    case = models.ForeignKey(
        "people.Case", on_delete=models.CASCADE, related_name="first_appointments"
    )
    due_on = models.DateField()
    held_on = models.DateField(null=True, blank=True)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    recorded_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["held_on", "due_on"], name="first_appointment_due")]

    def __str__(self) -> str:
        return f"First appointment of case {self.case_id}, due {self.due_on}"


class EscalationState(models.TextChoices):
    """``allocation.md`` §4: referred → under_review → confirmed (→ transferred) | declined."""

    REFERRED = "referred", "Referred"
    UNDER_REVIEW = "under_review", "Under review"
    CONFIRMED = "confirmed", "Confirmed"
    TRANSFERRED = "transferred", "Transferred"
    DECLINED = "declined", "Declined"


#: States in which an escalation is still open: the NPS has not decided.
OPEN_ESCALATION_STATES = (EscalationState.REFERRED, EscalationState.UNDER_REVIEW)


class EscalationTrigger(models.TextChoices):
    MANUAL = "manual", "Referred by hand"
    ROSH_HIGH = "rosh_high", "An assessment put RoSH at high or very high"
    MAPPA = "mappa", "An assessment added a MAPPA category"


class Escalation(models.Model):
    """A CRC case referred to the NPS because its risk rose (``allocation.md`` §4).

    While it is open the CRC stays responsible. Confirming moves the case to the NPS (which
    must assign a practitioner: the transfer-in clock); declining leaves it with the CRC, and a
    new escalation may be referred later with new information.
    """

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="escalations")
    state = models.CharField(
        max_length=12, choices=EscalationState.choices, default=EscalationState.REFERRED
    )
    trigger = models.CharField(max_length=12, choices=EscalationTrigger.choices)
    from_organisation = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    evidence = models.JSONField(
        default=dict, help_text="What the referral rests on: the assessment, its RoSH and MAPPA."
    )
    referred_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    referred_at = models.DateTimeField(default=timezone.now)
    review_due_on = models.DateField(help_text="The NPS review is due (1 working day).")
    reviewer = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    review_started_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reasons = models.TextField(blank=True)
    transfer_due_on = models.DateField(
        null=True, blank=True, help_text="An NPS practitioner assigned (5 working days)."
    )
    transferred_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-referred_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(state__in=["referred", "under_review"]),
                name="one_open_escalation_per_case",
            )
        ]
        indexes = [models.Index(fields=["state", "review_due_on"], name="escalation_queue")]

    def __str__(self) -> str:
        return f"Escalation of case {self.case_id} ({self.state})"


class TransferState(models.TextChoices):
    REQUESTED = "requested", "Requested"
    ACCEPTED = "accepted", "Accepted"
    REJECTED = "rejected", "Rejected"
    WITHDRAWN = "withdrawn", "Withdrawn"


class Transfer(models.Model):
    """A case moving to another contract area because the person moved (issue: allocation, 7).

    The sending organisation stays responsible until the receiving one accepts, so the case is
    never unowned in between; accepting hands it to the receiving organisation's unallocated
    list. Rejecting (with a reason) or withdrawing leaves it where it was.
    """

    id = models.BigAutoField(primary_key=True)
    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="transfers")
    state = models.CharField(
        max_length=10, choices=TransferState.choices, default=TransferState.REQUESTED
    )
    from_organisation = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    from_contract_area = models.ForeignKey(
        "contracts.ContractArea", on_delete=models.PROTECT, related_name="+"
    )
    to_organisation = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    to_contract_area = models.ForeignKey(
        "contracts.ContractArea", on_delete=models.PROTECT, related_name="+"
    )
    reason = models.TextField()
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+"
    )
    requested_at = models.DateTimeField(default=timezone.now)
    decision_due_on = models.DateField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_reason = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case"],
                condition=models.Q(state="requested"),
                name="one_open_transfer_per_case",
            )
        ]
        indexes = [
            models.Index(
                fields=["to_organisation", "state", "decision_due_on"], name="transfer_queue"
            )
        ]

    def __str__(self) -> str:
        return f"Transfer of case {self.case_id} to {self.to_contract_area_id} ({self.state})"
