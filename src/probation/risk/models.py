"""Assessments at court, registrations and the history of a case's tier.

OGRS3 is computed from the case's own history (``docs/domain/ogrs3.md``), never typed in; the tier
is recomputed whenever a fact it depends on changes, and each change is kept with the facts and
the explanation (``docs/domain/tiering.md``).

The choices mirror the rules' vocabulary (:mod:`probation.rules`): RoSH levels, OGRS3 bands, MAPPA
categories and levels, complexity factors. They stay literal, so that migrations do not churn;
``tests/rules/test_vocabulary_contracts.py`` holds them equal to the rules' constants.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models

from probation.rules.tiering import highest_rosh


class RoshLevel(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


class Ogrs3Band(models.TextChoices):
    LOW = "low", "Low"
    MEDIUM = "medium", "Medium"
    HIGH = "high", "High"
    VERY_HIGH = "very_high", "Very high"


class ReportType(models.TextChoices):
    ORAL = "oral", "Oral report"
    FAST = "fast", "Fast (short format) report"
    STANDARD = "standard", "Standard report"


class MappaCategory(models.IntegerChoices):
    SEXUAL = 1, "1 – registered sexual offender"
    VIOLENT = 2, "2 – violent offender (12 months or more)"
    OTHER_DANGEROUS = 3, "3 – other dangerous offender"


class MappaLevel(models.IntegerChoices):
    ORDINARY = 1, "1 – ordinary single-agency management"
    ACTIVE = 2, "2 – active multi-agency management"
    SENIOR = 3, "3 – senior multi-agency management"


class Assessment(models.Model):
    """A pre-sentence assessment recorded by a court officer."""

    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="assessments")
    assessed_on = models.DateField()
    recorded_at = models.DateTimeField(auto_now_add=True)
    assessed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    report_type = models.CharField(max_length=10, choices=ReportType.choices)
    rosh_public = models.CharField("RoSH to the public", max_length=10, choices=RoshLevel.choices)
    rosh_known_adult = models.CharField(
        "RoSH to a known adult", max_length=10, choices=RoshLevel.choices
    )
    rosh_children = models.CharField("RoSH to children", max_length=10, choices=RoshLevel.choices)
    rosh_staff = models.CharField("RoSH to staff", max_length=10, choices=RoshLevel.choices)
    mappa_category = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=MappaCategory.choices
    )
    mappa_level = models.PositiveSmallIntegerField(
        null=True, blank=True, choices=MappaLevel.choices
    )
    rsr = models.DecimalField("RSR (%)", max_digits=5, decimal_places=2, null=True, blank=True)
    parenting_responsibilities = models.BooleanField(default=False)
    previous_enforcement = models.BooleanField(
        default=False, help_text="Any previous breach or recall."
    )
    answers = models.JSONField(default=dict, help_text="Need section → question → answer.")
    need_severities = models.JSONField(default=dict, help_text="Need section → severity.")
    ogrs3_one_year = models.PositiveSmallIntegerField(null=True, blank=True)
    ogrs3_two_year = models.PositiveSmallIntegerField(null=True, blank=True)
    ogrs3_band = models.CharField(max_length=10, blank=True, choices=Ogrs3Band.choices)
    ogrs3_detail = models.JSONField(
        null=True, blank=True, help_text="The facts OGRS3 was computed from and its terms."
    )

    class Meta:
        ordering = ["-assessed_on", "-id"]
        indexes = [models.Index(fields=["case", "-assessed_on", "-id"], name="assessment_latest")]

    def __str__(self) -> str:
        return f"Assessment of {self.assessed_on}"

    @property
    def rosh(self) -> str:
        """The overall RoSH: the highest across audiences."""
        return highest_rosh(
            (self.rosh_public, self.rosh_known_adult, self.rosh_children, self.rosh_staff)
        )

    def get_rosh_display(self) -> str:
        return str(RoshLevel(self.rosh).label)


class RegistrationKind(models.TextChoices):
    """The complexity factors of ``docs/domain/tiering.md``, plus integrated offender management."""

    MENTAL_HEALTH = "mental_health", "Mental health issues"
    SELF_HARM = "self_harm", "Risk of self-harm"
    VULNERABILITY = "vulnerability", "Vulnerability"
    CHILD_CONCERNS = "child_concerns", "Child concerns"
    CHILD_PROTECTION = "child_protection", "Child protection"
    RISK_TO_CHILDREN = "risk_to_children", "Risk to children"
    PUBLIC_INTEREST = "public_interest", "Public interest"
    ADULT_AT_RISK = "adult_at_risk", "Adult at risk"
    STREET_GANGS = "street_gangs", "Street gangs"
    TERRORISM = "terrorism", "Terrorism"
    INTEGRATED_OFFENDER_MANAGEMENT = (
        "integrated_offender_management",
        "Integrated offender management",
    )


class Registration(models.Model):
    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="registrations")
    kind = models.CharField(max_length=40, choices=RegistrationKind.choices)
    registered_on = models.DateField()
    ended_on = models.DateField(null=True, blank=True)
    registered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+"
    )
    notes = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["-registered_on", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["case", "kind"],
                condition=models.Q(ended_on__isnull=True),
                name="one_active_registration_per_kind",
            )
        ]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def active(self) -> bool:
        return self.ended_on is None


class TierCalculation(models.Model):
    """One entry in a case's tier history: the tier, its points, the facts and why."""

    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="tier_history")
    calculated_at = models.DateTimeField(auto_now_add=True, db_index=True)
    trigger = models.CharField(max_length=40)
    calculated_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    tier = models.CharField(max_length=3)
    protect_level = models.CharField(max_length=1)
    protect_points = models.PositiveIntegerField()
    change_level = models.PositiveSmallIntegerField()
    change_points = models.PositiveIntegerField()
    explanation = models.TextField()
    reasons = models.JSONField(default=list)
    facts = models.JSONField(default=dict)

    class Meta:
        ordering = ["-calculated_at", "-id"]
        indexes = [models.Index(fields=["case", "-id"], name="tier_latest")]

    def __str__(self) -> str:
        return f"{self.tier} ({self.trigger})"

    def facts_dict(self) -> dict[str, Any]:
        return dict(self.facts)
