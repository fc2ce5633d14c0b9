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

    class Meta:
        ordering = ["-assigned_at", "-id"]
        indexes = [models.Index(fields=["case", "-assigned_at", "-id"], name="assignment_latest")]

    def __str__(self) -> str:
        return f"Case {self.case_id} assigned to {self.officer_id} at {self.assigned_at}"
