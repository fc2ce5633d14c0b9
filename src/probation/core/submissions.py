"""One-use submission tokens: a form posted twice records its change once."""

from __future__ import annotations

import re
import secrets
from typing import Any

from django.db import IntegrityError, transaction

from probation.core.errors import AlreadySubmitted
from probation.core.models import FormSubmission

TOKEN = re.compile(r"[0-9a-f]{32}")


def new_submission_token() -> str:
    return secrets.token_hex(16)


def claim_submission(*, user: Any, token: str) -> None:
    """Claim ``token`` for ``user`` inside the caller's transaction, or raise AlreadySubmitted.

    A concurrent second claim of the same token waits for the first transaction: if it commits,
    the second is refused; if it rolls back (the change was refused), the second goes ahead.
    """
    if not token:
        return
    if not TOKEN.fullmatch(token):
        raise AlreadySubmitted("This form has expired. Open the page again and resubmit.")
    try:
        with transaction.atomic():
            FormSubmission.objects.create(user=user, token=token)
    except IntegrityError:
        raise AlreadySubmitted("This has already been recorded.") from None
