"""Writes that belong to no domain area: a user's own API token."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django_otp import match_token
from django_otp.plugins.otp_totp.models import TOTPDevice
from rest_framework.authtoken.models import Token

from probation.core.actor import audited_by_service
from probation.core.audit import AuditAction, audit


@transaction.atomic
@audited_by_service()
def api_token_create(*, by_user: Any) -> str:
    """Create ``by_user``'s API token, replacing any they had (it stops working at once), and
    return the key, which is shown to them once.

    The audit event records that a token was created and whether one was replaced; never the
    key, which is the token's primary key, so the token is not the event's subject either.
    """
    if not getattr(by_user, "is_authenticated", False) or not by_user.is_active:
        raise PermissionDenied("Sign in to create an API token.")
    # Lock the user's row: two clicks at once must not both create a token (one per user).
    list(get_user_model()._default_manager.select_for_update().filter(pk=by_user.pk).values("pk"))
    replaced, _ = Token.objects.filter(user_id=by_user.pk).delete()
    token = Token.objects.create(user=by_user)
    audit(by_user, AuditAction.API_TOKEN_CREATED, details={"replaced": bool(replaced)})
    return str(token.key)


@transaction.atomic
@audited_by_service()
def api_tokens_revoke(*, user: Any, by_user: Any, reason: str) -> int:
    """Delete ``user``'s API tokens (at sign-out, at deactivation), audited with the reason.
    Returns how many were deleted. (A deletion anywhere else, e.g. in the admin, is audited by
    the token's delete signal.)"""
    deleted, _ = Token.objects.filter(user_id=user.pk).delete()
    if deleted:
        audit(
            by_user,
            AuditAction.API_TOKEN_REVOKED,
            details={"user": user.get_username(), "reason": reason},
        )
    return deleted


@transaction.atomic
def second_factor_start(*, by_user: Any) -> TOTPDevice:
    """The authenticator app being set up for ``by_user``: an unconfirmed TOTP device (kept
    until confirmed, so a page reload shows the same key)."""
    device = TOTPDevice.objects.filter(user=by_user, confirmed=False).first()
    if device is None:
        device = TOTPDevice.objects.create(user=by_user, name="Authenticator app", confirmed=False)
    return device


@transaction.atomic
def second_factor_confirm(*, by_user: Any, token: str) -> TOTPDevice | None:
    """Confirm the app being set up with a code from it; None if the code is wrong (audited)."""
    device = TOTPDevice.objects.select_for_update().filter(user=by_user, confirmed=False).first()
    if device is None or not device.verify_token(token):
        audit(by_user, AuditAction.SECOND_FACTOR_FAILED, details={"step": "set up"})
        return None
    device.confirmed = True
    device.save(update_fields=["confirmed"])
    TOTPDevice.objects.filter(user=by_user, confirmed=False).delete()
    audit(by_user, AuditAction.SECOND_FACTOR_ENABLED, details={"device": device.name})
    return device


@transaction.atomic
def second_factor_check(*, by_user: Any, token: str) -> Any:
    """The device that accepts ``token`` for ``by_user``, or None (audited either way).

    A wrong code is not an exception: the transaction commits, and with it django-otp's count
    of failures, which slows the next guess.
    """
    device = match_token(by_user, token)
    audit(
        by_user,
        AuditAction.SECOND_FACTOR_VERIFIED if device else AuditAction.SECOND_FACTOR_FAILED,
        details={"step": "sign in"},
    )
    return device
