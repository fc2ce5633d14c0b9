"""Court events, offences, criminal history, sentences and requirements.

Offence categories are the OGRS3 keys of ``docs/domain/ogrs3.md``; disposals and requirement keys
are those of ``docs/domain/sentences.md``. The rules own that vocabulary
(``probation.rules.ogrs3.OFFENCE_CATEGORIES``, ``probation.rules.custody.DISPOSALS``,
``probation.rules.reference.REQUIREMENT_KEYS``); the choices here stay literal, so that migrations
do not churn, and ``tests/rules/test_vocabulary_contracts.py`` holds them equal.
"""

from __future__ import annotations

from django.db import models

from probation.rules.custody import CUSTODIAL_DISPOSALS


class Ogrs3Category(models.TextChoices):
    VIOLENCE = "violence", "Violence against the person"
    ROBBERY = "robbery", "Robbery"
    PUBLIC_ORDER = "public_order", "Public order, harassment"
    SEXUAL_NOT_CHILD = "sexual_not_child", "Sexual offence, not against a child"
    SEXUAL_CHILD = "sexual_child", "Sexual offence against a child"
    SOLICITING = "soliciting", "Soliciting, prostitution"
    BURGLARY_DOMESTIC = "burglary_domestic", "Domestic burglary"
    BURGLARY_OTHER = "burglary_other", "Other burglary"
    THEFT = "theft", "Theft (not of or from a vehicle)"
    HANDLING = "handling", "Handling stolen goods"
    FRAUD = "fraud", "Fraud and forgery"
    ABSCONDING = "absconding", "Absconding, bail offences"
    VEHICLE_THEFT = "vehicle_theft", "Theft or taking of a vehicle"
    THEFT_FROM_VEHICLE = "theft_from_vehicle", "Theft from a vehicle"
    MOTORING = "motoring", "Other motoring offences"
    DRINK_DRIVING = "drink_driving", "Drink driving"
    CRIMINAL_DAMAGE = "criminal_damage", "Criminal damage"
    DRUG_IMPORT_EXPORT_PRODUCTION = (
        "drug_import_export_production",
        "Drug import, export, production",
    )
    DRUG_POSSESSION_SUPPLY = "drug_possession_supply", "Drug possession, supply"
    OTHER = "other", "Any other offence"


class CourtKind(models.TextChoices):
    """Which court: it sets the sentencing limits (``probation.rules.sentencing``)."""

    MAGISTRATES = "magistrates", "Magistrates' court"
    CROWN = "crown", "Crown Court"


class Court(models.Model):
    code = models.CharField(max_length=10, unique=True)
    name = models.CharField(max_length=200)
    contract_area = models.ForeignKey("contracts.ContractArea", on_delete=models.PROTECT)
    kind = models.CharField(max_length=12, choices=CourtKind.choices, default="magistrates")

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ModeOfTrial(models.TextChoices):
    """How an offence may be tried (``probation.rules.sentencing.MODES_OF_TRIAL``)."""

    SUMMARY = "summary", "Summary only"
    EITHER_WAY = "either_way", "Either way"
    INDICTABLE = "indictable", "Indictable only"


class Offence(models.Model):
    """An offence the platform offers, mapped to its OGRS3 category and its mode of trial."""

    code = models.CharField(max_length=10, unique=True)
    description = models.CharField(max_length=300)
    ogrs3_category = models.CharField(max_length=40, choices=Ogrs3Category.choices)
    sexual = models.BooleanField(default=False)
    mode_of_trial = models.CharField(
        max_length=12, choices=ModeOfTrial.choices, default="either_way"
    )

    class Meta:
        ordering = ["description"]

    def __str__(self) -> str:
        return self.description


class SanctionKind(models.TextChoices):
    CONVICTION = "conviction", "Conviction"
    CAUTION = "caution", "Caution"


class PreviousSanction(models.Model):
    """One previous conviction or caution: the criminal history OGRS3 counts."""

    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="sanctions")
    sanction_date = models.DateField()
    kind = models.CharField(max_length=12, choices=SanctionKind.choices)
    offence_category = models.CharField(max_length=40, choices=Ogrs3Category.choices)
    description = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["sanction_date"]

    def __str__(self) -> str:
        return f"{self.sanction_date} {self.get_kind_display()} {self.offence_category}"


class CourtEvent(models.Model):
    """A court appearance for the current matter: where, when, and the offences."""

    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="court_events")
    court = models.ForeignKey(Court, on_delete=models.PROTECT)
    hearing_date = models.DateField()
    conviction_date = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-hearing_date"]

    def __str__(self) -> str:
        return f"{self.court} {self.hearing_date}"


class ChargedOffence(models.Model):
    court_event = models.ForeignKey(CourtEvent, on_delete=models.CASCADE, related_name="offences")
    offence = models.ForeignKey(Offence, on_delete=models.PROTECT)
    offence_date = models.DateField()
    is_main = models.BooleanField(default=False)

    class Meta:
        ordering = ["-is_main", "offence_date"]

    def __str__(self) -> str:
        return f"{self.offence} on {self.offence_date}"


class Disposal(models.TextChoices):
    COMMUNITY_ORDER = "community_order", "Community order"
    SUSPENDED_SENTENCE_ORDER = "suspended_sentence_order", "Suspended sentence order"
    CUSTODY = "custody", "Custody (determinate)"
    CUSTODY_EXTENDED = "custody_extended", "Extended sentence"
    CUSTODY_INDETERMINATE = "custody_indeterminate", "Life or IPP"


class SentenceStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    COMPLETED = "completed", "Completed"
    TERMINATED = "terminated", "Terminated"


class EndedReason(models.TextChoices):
    """Why a court ended an order early, when it passed a new sentence."""

    ENDED = "ended", "Ended by the court"
    SUPERSEDED = "superseded", "Superseded by a new sentence"


class Sentence(models.Model):
    """A disposal with its key dates. Custody dates follow ``docs/domain/sentences.md``."""

    case = models.ForeignKey("people.Case", on_delete=models.CASCADE, related_name="sentences")
    court_event = models.ForeignKey(
        CourtEvent, null=True, blank=True, on_delete=models.PROTECT, related_name="sentences"
    )
    disposal = models.CharField(max_length=30, choices=Disposal.choices)
    sentence_date = models.DateField()
    length_days = models.PositiveIntegerField(
        null=True, blank=True, help_text="Length of the order or custodial term in days."
    )
    suspended_for_days = models.PositiveIntegerField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=SentenceStatus.choices, default="active")
    expected_end_date = models.DateField(null=True, blank=True)
    release_date = models.DateField(null=True, blank=True)
    sentence_expiry_date = models.DateField(null=True, blank=True)
    licence_end = models.DateField(null=True, blank=True)
    supervision_end = models.DateField(null=True, blank=True)
    remand_days = models.PositiveIntegerField(default=0)
    date_reasons = models.JSONField(
        default=list, blank=True, help_text="Why the custody dates are what they are."
    )
    # Set when a court ends the order early (status terminated), e.g. on passing a new sentence.
    ended_on = models.DateField(null=True, blank=True)
    ended_reason = models.CharField(max_length=12, choices=EndedReason.choices, blank=True)
    superseded_by = models.ForeignKey(
        "self", null=True, blank=True, on_delete=models.PROTECT, related_name="supersedes"
    )

    class Meta:
        ordering = ["-sentence_date"]
        indexes = [
            models.Index(fields=["case", "status"], name="sentence_case_status"),
            # The custodial releases coming up, for the sift before release (allocation.md §3).
            models.Index(
                fields=["release_date"],
                condition=models.Q(
                    status="active",
                    disposal__in=["custody", "custody_extended", "custody_indeterminate"],
                ),
                name="sentence_custody_release",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_disposal_display()} ({self.sentence_date})"

    @property
    def is_custodial(self) -> bool:
        """A custodial disposal (``probation.rules.custody.CUSTODIAL_DISPOSALS``)."""
        return self.disposal in CUSTODIAL_DISPOSALS


class RequirementKind(models.TextChoices):
    UNPAID_WORK = "unpaid_work", "Unpaid work"
    REHABILITATION_ACTIVITY = "rehabilitation_activity", "Rehabilitation activity"
    PROGRAMME = "programme", "Accredited programme"
    PROHIBITED_ACTIVITY = "prohibited_activity", "Prohibited activity"
    CURFEW = "curfew", "Curfew"
    EXCLUSION = "exclusion", "Exclusion"
    RESIDENCE = "residence", "Residence"
    FOREIGN_TRAVEL_PROHIBITION = "foreign_travel_prohibition", "Foreign travel prohibition"
    MENTAL_HEALTH_TREATMENT = "mental_health_treatment", "Mental health treatment"
    DRUG_REHABILITATION = "drug_rehabilitation", "Drug rehabilitation"
    ALCOHOL_TREATMENT = "alcohol_treatment", "Alcohol treatment"
    ALCOHOL_ABSTINENCE_MONITORING = "alcohol_abstinence_monitoring", "Alcohol abstinence monitoring"
    ATTENDANCE_CENTRE = "attendance_centre", "Attendance centre"


REQUIREMENT_UNITS = {
    "unpaid_work": "hours",
    "rehabilitation_activity": "days",
    "programme": "sessions",
    "curfew": "hours a day",
    "alcohol_abstinence_monitoring": "days",
    "attendance_centre": "hours",
}


class Requirement(models.Model):
    sentence = models.ForeignKey(Sentence, on_delete=models.CASCADE, related_name="requirements")
    kind = models.CharField(max_length=40, choices=RequirementKind.choices)
    amount = models.PositiveIntegerField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)
    starts_on = models.DateField(null=True, blank=True)
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return self.get_kind_display()

    @property
    def unit(self) -> str:
        return REQUIREMENT_UNITS.get(self.kind, "")
