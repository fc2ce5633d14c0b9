"""Payment by results and transparency (``docs/domain/reoffending-and-payment.md``).

What is stored here is what a quarter's run measured and paid, kept so that any published figure
can be traced to the cohort and the rows behind it and reproduced later:

- ``ProvenOffence``: convictions and cautions from the police national computer extract, the one
  input the platform does not record itself;
- ``ContractTerms`` and ``Baseline``: a CRC contract's prices and its area's baseline cohort;
- ``PbrRun`` and what hangs from it: one run of ``probation pbr run --quarter``, with the data's
  fingerprint and the engine version, the cohort it measured (``CohortMember``), the results per
  contract area (``AreaResult``), the public activity figures (``AreaFigures``), the payment
  statements (``Statement``, ``StatementLine``) and the gaming indicators (``IndicatorFlag``).

Runs are never changed or deleted: a new run is a new record (docs/adr/0019-payment-by-results.md).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone

from probation.courts.models import Ogrs3Category


def money(**options: object) -> models.DecimalField:
    """An amount in pounds and pence."""
    return models.DecimalField(max_digits=14, decimal_places=2, **options)  # type: ignore[arg-type]


class ProvenBy(models.TextChoices):
    CONVICTION = "conviction", "Court conviction"
    CAUTION = "caution", "Caution"


class ProvenOffence(models.Model):
    """An offence proven by a conviction or a caution (from the police national computer).

    A breach of an order is never one (the spec's definition); only these rows count as proven
    reoffences.
    """

    id = models.BigAutoField(primary_key=True)
    person = models.ForeignKey(
        "people.Person", on_delete=models.PROTECT, related_name="proven_offences"
    )
    offence_date = models.DateField()
    proven_date = models.DateField()
    proven_by = models.CharField(max_length=12, choices=ProvenBy.choices)
    offence_category = models.CharField(max_length=40, choices=Ogrs3Category.choices, blank=True)
    # Which extract the row came from (e.g. "pnc-2026-11", "demo").
    source = models.CharField(max_length=40)
    recorded_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["person_id", "offence_date"]
        indexes = [models.Index(fields=["proven_date"], name="proven_offence_proven")]
        constraints = [
            models.CheckConstraint(
                condition=Q(proven_date__gte=F("offence_date")),
                name="proven_offence_after_offence",
            )
        ]

    def __str__(self) -> str:
        return f"Offence on {self.offence_date}, proven {self.proven_date}"


class ContractTerms(models.Model):
    """The prices of one CRC contract over a period.

    The published design left prices to each contract and did not publish them, so they are
    parameters here; changes are made in the admin, which audits them.
    """

    contract_area = models.ForeignKey(
        "contracts.ContractArea", on_delete=models.PROTECT, related_name="terms"
    )
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)
    # Outcome payments (spec step 5).
    price_per_reoffender_avoided = money()
    price_per_reoffence_avoided = money()
    # A significant deterioration costs this fraction of the price for each reoffender (or
    # reoffence) above the expected figure.
    deduction_rate = models.DecimalField(max_digits=4, decimal_places=3)
    # Fee for service: unit prices of recorded activity.
    order_month_price = money()
    licence_month_price = money()
    unpaid_work_hour_price = money()
    programme_completion_price = money()
    resettlement_plan_price = money()
    # Service-level deductions, for each late or missed event the platform's clocks record.
    late_allocation_deduction = money()
    overdue_breach_referral_deduction = money()
    missed_first_appointment_deduction = money()

    class Meta:
        verbose_name_plural = "contract terms"
        ordering = ["contract_area__code", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="contract_terms_end_after_start",
            ),
            models.CheckConstraint(
                condition=Q(deduction_rate__gte=0) & Q(deduction_rate__lte=1),
                name="contract_terms_deduction_rate_fraction",
            ),
        ]

    def __str__(self) -> str:
        return f"Terms for {self.contract_area.code} from {self.starts_on}"


class Baseline(models.Model):
    """A contract area's baseline cohort, measured by the engine (spec: the 2011 baseline).

    Only the figures the payment method needs are kept, with the fingerprint of the files they
    were measured from so the baseline can be reproduced.
    """

    contract_area = models.OneToOneField(
        "contracts.ContractArea", on_delete=models.PROTECT, related_name="baseline"
    )
    period = models.CharField(max_length=20, help_text='The baseline cohort, e.g. "2011".')
    cohort_size = models.PositiveIntegerField()
    reoffenders = models.PositiveIntegerField()
    reoffences = models.PositiveIntegerField()
    # Σ p_i over the baseline cohort (OGRS3 one-year probabilities as fractions).
    sum_probability = models.FloatField()
    # Reoffences per reoffender in the baseline cohort.
    frequency = models.FloatField()
    fingerprint = models.CharField(max_length=64)
    engine_version = models.CharField(max_length=20)
    loaded_at = models.DateTimeField(default=timezone.now)
    loaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["contract_area__code"]

    def __str__(self) -> str:
        return f"Baseline {self.period} for {self.contract_area.code}"


class PbrRun(models.Model):
    """One run of a quarter's results and statements: what it measured, from which data."""

    id = models.BigAutoField(primary_key=True)
    quarter = models.CharField(max_length=6, help_text='e.g. "2025Q1"')
    # Offences proven up to this day count; before the cohort's 18 months have passed the
    # results are provisional.
    measured_on = models.DateField()
    provisional = models.BooleanField()
    data_fingerprint = models.CharField(max_length=64)
    engine_version = models.CharField(max_length=20)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    run_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        ordering = ["-quarter", "-id"]
        indexes = [models.Index(fields=["quarter", "-id"], name="pbr_run_quarter")]

    def __str__(self) -> str:
        return f"Run {self.id} for {self.quarter}"


class IndexKind(models.TextChoices):
    COMMUNITY_ORDER = "community_order", "Started a community order"
    SUSPENDED_SENTENCE_ORDER = "suspended_sentence_order", "Started a suspended sentence order"
    LICENCE = "licence", "Released onto licence or supervision"


class CohortMember(models.Model):
    """One person of a run's cohort: the index event and what followed (the rows behind a figure)."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(PbrRun, on_delete=models.PROTECT, related_name="members")
    person = models.ForeignKey("people.Person", on_delete=models.PROTECT, related_name="+")
    contract_area = models.ForeignKey(
        "contracts.ContractArea", on_delete=models.PROTECT, related_name="+"
    )
    # The organisation supervising the case at the index event (the CRC whose cohort it is).
    organisation = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="+"
    )
    index_date = models.DateField()
    index_kind = models.CharField(max_length=30, choices=IndexKind.choices)
    ogrs3_one_year = models.PositiveSmallIntegerField(null=True, blank=True)
    reoffences = models.PositiveSmallIntegerField()

    class Meta:
        ordering = ["run_id", "contract_area_id", "index_date", "id"]
        indexes = [models.Index(fields=["run", "contract_area"], name="cohort_member_run_area")]

    def __str__(self) -> str:
        return f"Cohort member {self.person_id} of run {self.run_id}"


class Direction(models.TextChoices):
    IMPROVED = "improved", "Significantly better than baseline"
    WORSE = "worse", "Significantly worse than baseline"
    NO_CHANGE = "no_change", "No significant difference"
    NOT_ASSESSED = "not_assessed", "Not assessed"


class AreaResult(models.Model):
    """A contract area's reoffending for a run's cohort, against its baseline, and the outcome
    payment or deduction it earns (spec steps 1-5)."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(PbrRun, on_delete=models.PROTECT, related_name="results")
    contract_area = models.ForeignKey(
        "contracts.ContractArea", on_delete=models.PROTECT, related_name="+"
    )
    cohort_size = models.PositiveIntegerField()
    reoffenders = models.PositiveIntegerField()
    reoffences = models.PositiveIntegerField()
    binary_rate = models.FloatField(null=True)
    frequency_per_reoffender = models.FloatField(null=True)
    frequency_per_100 = models.FloatField(null=True)
    # Members without an OGRS3 score, given the baseline's rate (ADR 0019).
    without_ogrs3 = models.PositiveIntegerField(default=0)
    # Binary measure: expected reoffenders E at baseline performance, variance V, z.
    sum_probability = models.FloatField(null=True)
    expected_reoffenders = models.FloatField(null=True)
    variance = models.FloatField(null=True)
    binary_z = models.FloatField(null=True)
    binary_direction = models.CharField(max_length=12, choices=Direction.choices)
    # Frequency measure: expected reoffences F_E, the variance of the difference, z.
    expected_reoffences = models.FloatField(null=True)
    frequency_variance = models.FloatField(null=True)
    frequency_z = models.FloatField(null=True)
    frequency_direction = models.CharField(max_length=12, choices=Direction.choices)
    outcome_payment = money(default=0)
    outcome_deduction = money(default=0)

    class Meta:
        ordering = ["run_id", "contract_area__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "contract_area"], name="area_result_unique")
        ]

    def __str__(self) -> str:
        return f"Result for {self.contract_area_id} in run {self.run_id}"


class AreaFigures(models.Model):
    """The activity figures published for a contract area and quarter (spec: transparency)."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(PbrRun, on_delete=models.PROTECT, related_name="figures")
    contract_area = models.ForeignKey(
        "contracts.ContractArea", on_delete=models.PROTECT, related_name="+"
    )
    # Cases open at any time in the quarter (the denominator of the rates), and at its end.
    cases_in_quarter = models.PositiveIntegerField()
    caseload_at_end = models.PositiveIntegerField()
    crc_caseload_at_end = models.PositiveIntegerField()
    nps_caseload_at_end = models.PositiveIntegerField()
    allocations = models.PositiveIntegerField()
    allocations_on_time = models.PositiveIntegerField()
    breach_referrals = models.PositiveIntegerField()
    recalls = models.PositiveIntegerField()
    serious_further_offences = models.PositiveIntegerField()

    class Meta:
        ordering = ["run_id", "contract_area__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "contract_area"], name="area_figures_unique")
        ]

    def __str__(self) -> str:
        return f"Figures for {self.contract_area_id} in run {self.run_id}"


class Statement(models.Model):
    """A CRC's payment statement for a contract area and quarter: the sum of its lines."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(PbrRun, on_delete=models.PROTECT, related_name="statements")
    contract_area = models.ForeignKey(
        "contracts.ContractArea", on_delete=models.PROTECT, related_name="+"
    )
    provider = models.ForeignKey("contracts.Provider", on_delete=models.PROTECT, related_name="+")
    terms = models.ForeignKey(ContractTerms, on_delete=models.PROTECT, related_name="+")
    fee_for_service = money()
    service_deductions = money()
    outcome_payment = money()
    outcome_deduction = money()
    total = money()

    class Meta:
        ordering = ["run_id", "contract_area__code"]
        constraints = [
            models.UniqueConstraint(fields=["run", "contract_area"], name="statement_unique")
        ]

    def __str__(self) -> str:
        return f"Statement for {self.contract_area_id} in run {self.run_id}"


class LineSection(models.TextChoices):
    FEE_FOR_SERVICE = "fee_for_service", "Fee for service"
    SERVICE_DEDUCTION = "service_deduction", "Service-level deductions"
    OUTCOME = "outcome", "Outcome payment"


class StatementLine(models.Model):
    """One figure of a statement: what was counted, at what price, and where the rows are.

    ``source`` names the rows behind the figure (a key the statement pages turn into a link, e.g.
    ``{"kind": "cohort"}`` or ``{"kind": "late_allocations"}``).
    """

    id = models.BigAutoField(primary_key=True)
    statement = models.ForeignKey(Statement, on_delete=models.PROTECT, related_name="lines")
    section = models.CharField(max_length=20, choices=LineSection.choices)
    code = models.CharField(max_length=40)
    description = models.CharField(max_length=200)
    quantity = models.DecimalField(max_digits=14, decimal_places=2)
    unit_price = money()
    # Positive for payments, negative for deductions.
    amount = money()
    source = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["statement_id", "id"]

    def __str__(self) -> str:
        return f"{self.description}: {self.amount}"


class IndicatorKind(models.TextChoices):
    PARKING = "parking", "Parking: less contact for higher-risk cases"
    BREACH_RATE = "breach_rate", "Breach referrals per 100 cases"
    RECALL_RATE = "recall_rate", "Recalls per 100 cases"
    EARLY_EXITS = "early_exits", "Early exits before the follow-up ended"


class IndicatorFlag(models.Model):
    """One gaming indicator for a contract area and quarter, with the figures that raised it."""

    id = models.BigAutoField(primary_key=True)
    run = models.ForeignKey(PbrRun, on_delete=models.PROTECT, related_name="indicators")
    contract_area = models.ForeignKey(
        "contracts.ContractArea", on_delete=models.PROTECT, related_name="+"
    )
    kind = models.CharField(max_length=20, choices=IndicatorKind.choices)
    flagged = models.BooleanField()
    # The figures the indicator was judged on, and the sentence that explains the judgement.
    figures = models.JSONField(default=dict)
    explanation = models.CharField(max_length=400)

    class Meta:
        ordering = ["run_id", "contract_area__code", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["run", "contract_area", "kind"], name="indicator_flag_unique"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} for {self.contract_area_id} in run {self.run_id}"
