"""Reads of staff records (not case data: no visibility rules apply to finding a user)."""

from __future__ import annotations

from probation.workforce.models import User


def active_user_by_username(username: str) -> User | None:
    """The active user called ``username``, or None if there is none (or they are deactivated)."""
    return User.objects.filter(username=username, is_active=True).first()
