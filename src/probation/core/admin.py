"""The audit log in the admin is read-only: no adding, changing or deleting events."""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from probation.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "crn", "subject_type", "subject_id")
    list_filter = ("action",)
    search_fields = ("crn", "actor_label", "action")
    date_hierarchy = "at"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
