from django.contrib import admin
from django.contrib.auth.admin import UserAdmin

from probation.workforce.models import Division, Office, Organisation, Role, Team, User


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
