"""The admin of payment by results: contract terms are edited here (every change audited by
``performance/terms_history.py``); baselines and runs are only read here.

A baseline is loaded by ``probation pbr baseline`` from the engine's measure of its files, and a
run and everything it made (results, figures, statements, indicators) are written once by
``probation pbr run`` and never changed or deleted, so that a published figure can always be
traced and reproduced (docs/adr/0019-payment-by-results.md). The cohorts (people) are not listed
here: they are read on the statement pages, where each page of CRNs is audited.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from probation.performance.models import (
    AreaFigures,
    AreaResult,
    Baseline,
    ContractTerms,
    IndicatorFlag,
    PbrRun,
    Statement,
    StatementLine,
)


@admin.register(ContractTerms)
class ContractTermsAdmin(admin.ModelAdmin):
    """A CRC contract's prices over a period. Terms in force at a quarter's end price that
    quarter's statements; a change applies to runs made after it, never to a run already made."""

    list_display = (
        "contract_area",
        "starts_on",
        "ends_on",
        "order_month_price",
        "licence_month_price",
        "price_per_reoffender_avoided",
        "deduction_rate",
    )
    list_filter = ("contract_area",)
    list_select_related = ("contract_area",)
    date_hierarchy = "starts_on"
    fieldsets = (
        (None, {"fields": ("contract_area", "starts_on", "ends_on")}),
        (
            "Outcome payments",
            {
                "fields": (
                    "price_per_reoffender_avoided",
                    "price_per_reoffence_avoided",
                    "deduction_rate",
                )
            },
        ),
        (
            "Fee for service (unit prices)",
            {
                "fields": (
                    "order_month_price",
                    "licence_month_price",
                    "unpaid_work_hour_price",
                    "programme_completion_price",
                    "resettlement_plan_price",
                )
            },
        ),
        (
            "Service-level deductions (each)",
            {
                "fields": (
                    "late_allocation_deduction",
                    "overdue_breach_referral_deduction",
                    "missed_first_appointment_deduction",
                )
            },
        ),
    )


class ReadOnlyAdmin(admin.ModelAdmin):
    """Shown, never added, changed or deleted here."""

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Baseline)
class BaselineAdmin(ReadOnlyAdmin):
    list_display = (
        "contract_area",
        "period",
        "cohort_size",
        "reoffenders",
        "frequency",
        "loaded_at",
    )
    list_select_related = ("contract_area",)


@admin.register(PbrRun)
class PbrRunAdmin(ReadOnlyAdmin):
    list_display = ("id", "quarter", "measured_on", "provisional", "engine_version", "finished_at")
    list_filter = ("provisional", "quarter")


@admin.register(AreaResult)
class AreaResultAdmin(ReadOnlyAdmin):
    list_display = (
        "run",
        "contract_area",
        "cohort_size",
        "reoffenders",
        "binary_direction",
        "frequency_direction",
        "outcome_payment",
        "outcome_deduction",
    )
    list_filter = ("binary_direction", "frequency_direction")
    list_select_related = ("run", "contract_area")


@admin.register(AreaFigures)
class AreaFiguresAdmin(ReadOnlyAdmin):
    list_display = ("run", "contract_area", "cases_in_quarter", "caseload_at_end", "allocations")
    list_select_related = ("run", "contract_area")


class StatementLineInline(admin.TabularInline):
    model = StatementLine
    fields = ("section", "code", "description", "quantity", "unit_price", "amount", "source")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Statement)
class StatementAdmin(ReadOnlyAdmin):
    list_display = ("run", "contract_area", "provider", "fee_for_service", "total")
    list_select_related = ("run", "contract_area", "provider")
    inlines = (StatementLineInline,)


@admin.register(IndicatorFlag)
class IndicatorFlagAdmin(ReadOnlyAdmin):
    list_display = ("run", "contract_area", "kind", "flagged", "explanation")
    list_filter = ("kind", "flagged")
    list_select_related = ("run", "contract_area")
