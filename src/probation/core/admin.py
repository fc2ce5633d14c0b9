"""The audit log in the admin is read-only (no adding, changing or deleting events), and reading
it there is audited like reading it on the audit search page."""

import datetime as dt
from typing import Any

from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from rest_framework.authtoken.admin import TokenAdmin
from rest_framework.authtoken.models import TokenProxy

from probation.core.audit import AuditAction, audit
from probation.core.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ("at", "actor_label", "action", "crn", "subject_type", "subject_id")
    list_filter = ("action",)
    search_fields = ("crn", "actor_label", "action")
    date_hierarchy = "at"

    def changelist_view(self, request: HttpRequest, extra_context: Any = None) -> Any:
        audit(
            request.user,
            AuditAction.AUDIT_SEARCHED,
            details={"via": "admin", "query": {k: v[:200] for k, v in request.GET.items()}},
            path=request.path[:500],
        )
        return super().changelist_view(request, extra_context)

    def change_view(
        self, request: HttpRequest, object_id: str, form_url: str = "", extra_context: Any = None
    ) -> Any:
        audit(
            request.user,
            AuditAction.AUDIT_SEARCHED,
            details={"via": "admin", "event": str(object_id)[:64]},
            path=request.path[:500],
        )
        return super().change_view(request, object_id, form_url, extra_context)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


# API tokens: administrators see whose tokens exist and when they expire, and revoke them; never
# the key itself (whoever reads a key can act as its user). Deleting is revoking, and is audited.
admin.site.unregister(TokenProxy)


@admin.register(TokenProxy)
class ApiTokenAdmin(TokenAdmin):
    """DRF's token admin (rows addressed by user, so no key in any URL), without the key."""

    list_display = ("user", "created", "expires")
    search_fields = ("user__username", "user__last_name")
    list_select_related = ("user",)
    fields = ("user", "created", "expires")
    readonly_fields = ("user", "created", "expires")

    @admin.display(description="Expires")
    def expires(self, token: Any) -> Any:
        return token.created + dt.timedelta(days=settings.API_TOKEN_TTL_DAYS)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
