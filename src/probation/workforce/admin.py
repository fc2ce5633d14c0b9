from typing import Any

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin
from django.http import HttpRequest

from probation.workforce.models import (
    CasePoints,
    Division,
    Office,
    Organisation,
    ReportPoints,
    Role,
    Team,
    User,
)


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "contract_area")
    list_filter = ("kind",)
    search_fields = ("code", "name")


@admin.register(Division)
class DivisionAdmin(admin.ModelAdmin):
    search_fields = ("name",)


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "contract_area", "division")
    list_filter = ("organisation__kind",)
    search_fields = ("name",)
    list_select_related = ("organisation", "contract_area", "division")


@admin.register(Team)
class TeamAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "office")
    search_fields = ("name",)
    list_select_related = ("organisation", "office")


@admin.register(Role)
class RoleAdmin(admin.ModelAdmin):
    list_display = ("code", "name")


@admin.register(User)
class StaffAdmin(UserAdmin):
    """Staff accounts: organisation, roles and the staff record beside Django's own fields."""

    list_display = ("username", "first_name", "last_name", "organisation", "grade", "is_active")
    list_filter = ("organisation__kind", "grade", "roles", "is_active")
    list_select_related = ("organisation",)
    search_fields = ("username", "first_name", "last_name")
    autocomplete_fields = ("organisation", "team", "office")
    fieldsets = (
        *(UserAdmin.fieldsets or ()),
        (
            "Staff record",
            {
                "fields": (
                    "organisation",
                    "roles",
                    "grade",
                    "team",
                    "office",
                    "contracted_hours",
                    "reduction_hours",
                )
            },
        ),
    )
    filter_horizontal = ("roles", "groups", "user_permissions")


class PointsAdmin(admin.ModelAdmin):
    """A points table of the workload reference data (docs/domain/workload.md): a fixed set of
    rows, seeded from the rules' defaults, whose points are edited here. Rows are neither added
    nor deleted (a missing row would silently fall back to the default); every change is audited
    by the model (``reference.case_points_changed``, before and after)."""

    list_editable = ("points",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CasePoints)
class CasePointsAdmin(PointsAdmin):
    list_display = ("case_type", "tier", "points")
    list_filter = ("case_type",)
    readonly_fields = ("case_type", "tier")
    fields = ("case_type", "tier", "points")
    list_per_page = 100


@admin.register(ReportPoints)
class ReportPointsAdmin(PointsAdmin):
    list_display = ("report", "points")
    readonly_fields = ("report",)
    fields = ("report", "points")
