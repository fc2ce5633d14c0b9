"""Domain errors with plain-English messages.

Services raise these; views show them in a GOV.UK error summary and the API turns them into
RFC 7807 problem JSON. They never carry data the user may not see.
"""

from __future__ import annotations


class DomainError(Exception):
    """A rule of the service refused an action. The message is shown to the user as it is."""

    status = 400

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvalidInput(DomainError):
    """Input that does not make sense (a malformed identifier, an impossible date)."""


class Conflict(DomainError):
    """The record changed under the user (someone else acted first)."""

    status = 409


class AlreadySubmitted(DomainError):
    """The same form was sent twice (a double click, a resubmitted page): recorded once."""

    status = 409


class CaseNotAvailable(Exception):
    """The case does not exist *or* the user may not see it.

    The two are deliberately one error: a refused user must learn nothing about the person,
    not even whether the CRN exists.
    """

    message = "We cannot show this case. It does not exist, or you do not have access to it."
