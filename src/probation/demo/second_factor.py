"""The demo's authenticator app: one published key for the demo accounts that need a code.

Administrators and auditors give a code from an authenticator app after their password
(probation/core/second_factor.py). So that anyone can try those roles, their demo accounts share
one published key, :data:`DEMO_TOTP_KEY`: add it to an authenticator app, or run
``probation demo-code auditor`` for the current code. It is a demo key for demo accounts, in a
demo app that production does not install.
"""

from __future__ import annotations

from base64 import b32encode
from binascii import unhexlify
from typing import Any

from django.conf import settings
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from probation.demo import data
from probation.workforce.models import User

DEMO_TOTP_KEY = "4f70656e50726f626174696f6e2d64656d6f2d32"  # "OpenProbation-demo-2", hex
DEVICE_NAME = "Demo authenticator"


def demo_totp_secret() -> str:
    """The key as authenticator apps take it (base32)."""
    return b32encode(unhexlify(DEMO_TOTP_KEY)).decode()


def needs_code(user: Any) -> bool:
    return bool(user.has_role(*settings.SECOND_FACTOR_REQUIRED_ROLES))


def step_second_factors(ctx: Any) -> None:
    """Give the demo accounts whose roles need a code the demo authenticator."""
    for user in ctx.staff.demo.values():
        if needs_code(user):
            TOTPDevice.objects.get_or_create(
                user=user, name=DEVICE_NAME, defaults={"key": DEMO_TOTP_KEY, "confirmed": True}
            )


def demo_code(username: str) -> str | None:
    """The current code of a demo account's authenticator, or None if it is not a demo account
    (a real account's codes are never shown)."""
    user = User.objects.filter(
        username=username, email__endswith=f"@{data.DEMO_EMAIL_DOMAIN}"
    ).first()
    if user is None:
        return None
    device = TOTPDevice.objects.filter(user=user, name=DEVICE_NAME, confirmed=True).first()
    if device is None:
        return None
    return f"{totp(device.bin_key, step=device.step, t0=device.t0, drift=device.drift):06d}"
