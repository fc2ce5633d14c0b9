"""API tokens are revoked when their user signs out or is deactivated, and every revocation is
audited, whatever the path (sign-out, deactivation, the admin's "Tokens" list, a script)."""

from __future__ import annotations

from typing import Any

from probation.core.actor import current_actor, current_path, in_audited_service
from probation.core.audit import AuditAction, audit


def on_token_deleted(sender: Any, instance: Any, **kwargs: Any) -> None:
    """A token deleted outside the services (the admin's "Tokens" list, a script)."""
    if in_audited_service():
        return  # the service records it, with its reason
    audit(
        current_actor(),
        AuditAction.API_TOKEN_REVOKED,
        details={"user": instance.user.get_username(), "reason": "revoked"},
        path=current_path(),
    )


def on_signed_out(sender: Any, request: Any, user: Any, **kwargs: Any) -> None:
    """Signing out of the service ends the user's API token too."""
    if user is not None:
        from probation.core.services import api_tokens_revoke

        api_tokens_revoke(user=user, by_user=user, reason="signed out")


def on_user_saved(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A deactivated account's token stops working at once."""
    if not created and not instance.is_active:
        from probation.core.services import api_tokens_revoke

        api_tokens_revoke(user=instance, by_user=current_actor(), reason="deactivated")
