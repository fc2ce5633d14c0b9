"""Small input checks shared by the rule modules.

Every fact dataclass in :mod:`probation.rules` validates itself in ``__post_init__`` so that a
bad value is reported where it enters, as a ``ValueError`` whose message starts with the field's
name (``"rosh: must be one of low, medium, high, very_high or None, got 'hgih'"``). Callers
(forms, the API, imports) can then show the message next to the right field. Only
``ValueError`` is raised, never ``TypeError``, so one ``except ValueError`` covers every
invalid input.
"""

from __future__ import annotations

import datetime as _dt
import math
from collections.abc import Collection
from typing import Any


def _show(value: Any) -> str:
    return repr(value)


def _choices_text(choices: Collection[Any], allow_none: bool) -> str:
    items = [str(c) for c in choices]
    if allow_none:
        items.append("None")
    if len(items) == 1:
        return items[0]
    return ", ".join(items[:-1]) + " or " + items[-1]


def choice(field: str, value: Any, choices: Collection[Any], *, allow_none: bool = False) -> None:
    """Require ``value`` to be one of ``choices`` (or None when ``allow_none``)."""
    if value is None and allow_none:
        return
    # bool is an int: never let True stand for 1 in a choice of ints.
    if isinstance(value, bool) and not any(isinstance(c, bool) for c in choices):
        ok = False
    else:
        try:
            ok = value in choices
        except TypeError:  # unhashable value
            ok = False
    if not ok:
        raise ValueError(
            f"{field}: must be one of {_choices_text(choices, allow_none)}, got {_show(value)}"
        )


def date(field: str, value: Any) -> None:
    """Require a ``datetime.date`` (a ``datetime`` is refused: comparing it to a date fails)."""
    if not isinstance(value, _dt.date) or isinstance(value, _dt.datetime):
        raise ValueError(f"{field}: must be a date, got {_show(value)}")


def boolean(field: str, value: Any) -> None:
    """Require a real ``bool`` (not 0/1 or "yes"), so a mistyped flag cannot pass silently."""
    if not isinstance(value, bool):
        raise ValueError(f"{field}: must be True or False, got {_show(value)}")


def integer(
    field: str, value: Any, *, minimum: int | None = None, maximum: int | None = None
) -> None:
    """Require an ``int`` (not a bool, not a float) within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{field}: must be a whole number, got {_show(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{field}: must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{field}: must be at most {maximum}, got {value}")


def number(
    field: str,
    value: Any,
    *,
    minimum: float | None = None,
    maximum: float | None = None,
) -> None:
    """Require a finite real number (int or float, not bool) within the given bounds."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ValueError(f"{field}: must be a number, got {_show(value)}")
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"{field}: must be a finite number, got {_show(value)}")
    if minimum is not None and value < minimum:
        raise ValueError(f"{field}: must be at least {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{field}: must be at most {maximum}, got {value}")
