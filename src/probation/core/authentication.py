"""API tokens that expire, and that stop working when their user signs out or is deactivated.

A token is a bearer credential: whoever holds it reads what its user may read. So a token lasts
``API_TOKEN_TTL_DAYS`` (default 30) from its creation; it is deleted when its user signs out of
the service or is deactivated; administrators list and revoke tokens in the admin ("Tokens").
Every revocation, whatever the path, is audited (``core.signals_tokens``).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.utils import timezone
from rest_framework import exceptions
from rest_framework.authentication import TokenAuthentication


def token_expired(created: dt.datetime, *, now: dt.datetime | None = None) -> bool:
    return (now or timezone.now()) - created > dt.timedelta(days=settings.API_TOKEN_TTL_DAYS)


class ExpiringTokenAuthentication(TokenAuthentication):
    """DRF's token authentication (``Authorization: Token <key>``), refusing expired tokens."""

    def authenticate_credentials(self, key: str) -> tuple[Any, Any]:
        user, token = super().authenticate_credentials(key)
        if token_expired(token.created):
            raise exceptions.AuthenticationFailed(
                "The token has expired: create a new one on your API token page."
            )
        return user, token
