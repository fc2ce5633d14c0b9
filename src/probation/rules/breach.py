"""What a court may decide on a breach, checked before the outcome is recorded.

Spec: ``docs/domain/enforcement.md`` ("Breach across the boundary": the order continues, with or
without amended requirements or with a fine, or it is revoked and the person re-sentenced to
custody or to a new order) and ``docs/domain/sentences.md`` ("Breach of post-sentence
supervision": up to 14 days' custody, a fine of up to level 3, or a supervision default order of
20-60 hours of unpaid work or a curfew of 2-16 hours a day on at least 20 days).

Where the spec gives no figure the platform's choices are:

- the fine for breach of a community or suspended sentence order is at most £2,500 (Criminal
  Justice Act 2003, Schedule 8, as amended by the Legal Aid, Sentencing and Punishment of
  Offenders Act 2012), and level 3 on the standard scale is £1,000;
- a re-sentence to custody is given as its length in days (at least 1); a new order's length and
  requirements are checked by the sentencing limits (:mod:`probation.rules.sentencing`), not here.

Each outcome is one row of :data:`OUTCOMES`: the kind of breach it belongs to, the figures it
needs and what it does to the sentence. :func:`breach_outcome_refusals` returns every problem, as
:class:`~probation.rules.sentencing.Refusal` rows; an empty tuple means the court may decide it.
Pure: no Django, no clock.
"""

from __future__ import annotations

import datetime as _dt
import types
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Final

from probation.rules.sentencing import Refusal

__all__ = [
    "BREACH_KINDS",
    "EFFECTS",
    "FIGURES",
    "ORDER_FINE_MAX_POUNDS",
    "OUTCOMES",
    "PSS_CUSTODY_MAX_DAYS",
    "PSS_FINE_MAX_POUNDS",
    "SDO_CURFEW_HOURS_A_DAY",
    "SDO_CURFEW_MIN_DAYS",
    "SDO_UNPAID_WORK_HOURS",
    "BreachOutcomeFacts",
    "OutcomeRule",
    "breach_kind",
    "breach_outcome_refusals",
    "outcomes_for",
]

#: ``order``: breach of a community or suspended sentence order; ``pss``: of post-sentence
#: supervision.
BREACH_KINDS: Final[tuple[str, ...]] = ("order", "pss")

#: What an outcome does to the sentence the breach is of.
EFFECTS: Final[tuple[str, ...]] = (
    "none",  # the order or the supervision continues as it was
    "amend_requirements",  # the order's requirements are replaced by the court's
    "revoke_and_resentence",  # the order ends, superseded by a new sentence
    "add_requirement",  # a supervision default order adds a requirement to the supervision
)

#: The figures an outcome may need, each a whole number.
FIGURES: Final[tuple[str, ...]] = (
    "fine_pounds",
    "custody_days",
    "unpaid_work_hours",
    "curfew_hours_a_day",
    "curfew_days",
)

ORDER_FINE_MAX_POUNDS: Final = 2500
#: Level 3 on the standard scale of fines.
PSS_FINE_MAX_POUNDS: Final = 1000
PSS_CUSTODY_MAX_DAYS: Final = 14
SDO_UNPAID_WORK_HOURS: Final = (20, 60)
SDO_CURFEW_HOURS_A_DAY: Final = (2, 16)
SDO_CURFEW_MIN_DAYS: Final = 20


@dataclass(frozen=True)
class OutcomeRule:
    """One outcome: its kind of breach, the figures it needs, and its effect on the sentence."""

    kind: str
    needs: tuple[str, ...]
    effect: str


#: Outcome (``enforcement.models.CourtOutcome`` values) -> its rule.
OUTCOMES: Final[Mapping[str, OutcomeRule]] = types.MappingProxyType(
    {
        "continues": OutcomeRule("order", (), "none"),
        "continues_amended": OutcomeRule("order", (), "amend_requirements"),
        "continues_fine": OutcomeRule("order", ("fine_pounds",), "none"),
        "revoked_custody": OutcomeRule("order", ("custody_days",), "revoke_and_resentence"),
        "revoked_new_order": OutcomeRule("order", (), "revoke_and_resentence"),
        "pss_custody": OutcomeRule("pss", ("custody_days",), "none"),
        "pss_fine": OutcomeRule("pss", ("fine_pounds",), "none"),
        "pss_sdo_unpaid_work": OutcomeRule("pss", ("unpaid_work_hours",), "add_requirement"),
        "pss_sdo_curfew": OutcomeRule(
            "pss", ("curfew_hours_a_day", "curfew_days"), "add_requirement"
        ),
        "pss_no_action": OutcomeRule("pss", (), "none"),
    }
)

#: figure -> (kind of breach or "" for any) -> (least, most or None, message naming the range)
_RANGES: Final[dict[tuple[str, str], tuple[int, int | None, str]]] = {
    ("fine_pounds", "order"): (
        1,
        ORDER_FINE_MAX_POUNDS,
        f"The fine must be between £1 and £{ORDER_FINE_MAX_POUNDS:,}",
    ),
    ("fine_pounds", "pss"): (
        1,
        PSS_FINE_MAX_POUNDS,
        f"The fine must be between £1 and £{PSS_FINE_MAX_POUNDS:,} (level 3)",
    ),
    ("custody_days", "order"): (1, None, "Enter the days of custody, 1 or more"),
    ("custody_days", "pss"): (
        1,
        PSS_CUSTODY_MAX_DAYS,
        f"Custody for a breach of post-sentence supervision must be between 1 and "
        f"{PSS_CUSTODY_MAX_DAYS} days",
    ),
    ("unpaid_work_hours", "pss"): (
        SDO_UNPAID_WORK_HOURS[0],
        SDO_UNPAID_WORK_HOURS[1],
        f"Unpaid work in a supervision default order must be between "
        f"{SDO_UNPAID_WORK_HOURS[0]} and {SDO_UNPAID_WORK_HOURS[1]} hours",
    ),
    ("curfew_hours_a_day", "pss"): (
        SDO_CURFEW_HOURS_A_DAY[0],
        SDO_CURFEW_HOURS_A_DAY[1],
        f"A curfew in a supervision default order must be between "
        f"{SDO_CURFEW_HOURS_A_DAY[0]} and {SDO_CURFEW_HOURS_A_DAY[1]} hours a day",
    ),
    ("curfew_days", "pss"): (
        SDO_CURFEW_MIN_DAYS,
        None,
        f"A curfew in a supervision default order must last at least {SDO_CURFEW_MIN_DAYS} days",
    ),
}

_MISSING: Final[Mapping[str, str]] = types.MappingProxyType(
    {
        "fine_pounds": "Enter the amount of the fine",
        "custody_days": "Enter the days of custody",
        "unpaid_work_hours": "Enter the hours of unpaid work",
        "curfew_hours_a_day": "Enter the hours a day of the curfew",
        "curfew_days": "Enter the number of days of the curfew",
    }
)


def breach_kind(
    *,
    custodial: bool,
    failure_on: _dt.date,
    licence_end: _dt.date | None = None,
    supervision_end: _dt.date | None = None,
) -> str | None:
    """Which breach a failure on ``failure_on`` can be: ``"order"`` for a community or
    suspended sentence order, ``"pss"`` for a custodial sentence when the failure falls in its
    post-sentence supervision (``licence_end < failure_on <= supervision_end``), and ``None``
    otherwise: a failure on licence leads to a recall request, not a breach (``enforcement.md``).

    >>> breach_kind(custodial=True, failure_on=_dt.date(2026, 3, 2),
    ...             licence_end=_dt.date(2026, 3, 1), supervision_end=_dt.date(2027, 1, 1))
    'pss'
    """
    if not custodial:
        return "order"
    if licence_end is None or supervision_end is None:
        return None
    return "pss" if licence_end < failure_on <= supervision_end else None


def outcomes_for(kind: str) -> tuple[str, ...]:
    """The outcomes a court may decide on a breach of ``kind``, in the table's order."""
    if kind not in BREACH_KINDS:
        raise ValueError(f"kind: {kind!r} is not one of {BREACH_KINDS}")
    return tuple(outcome for outcome, rule in OUTCOMES.items() if rule.kind == kind)


@dataclass(frozen=True)
class BreachOutcomeFacts:
    """What the court decided on a breach of ``kind``, with the figures it gave (``None``: not
    given). A figure the outcome does not take must not be given."""

    kind: str
    outcome: str
    fine_pounds: int | None = None
    custody_days: int | None = None
    unpaid_work_hours: int | None = None
    curfew_hours_a_day: int | None = None
    curfew_days: int | None = None

    def __post_init__(self) -> None:
        if self.kind not in BREACH_KINDS:
            raise ValueError(f"kind: {self.kind!r} is not one of {BREACH_KINDS}")
        if self.outcome not in OUTCOMES:
            raise ValueError(f"outcome: {self.outcome!r} is not a court outcome of a breach")
        for name in FIGURES:
            value = getattr(self, name)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int)):
                raise ValueError(f"{name}: must be a whole number or None")

    @property
    def effect(self) -> str:
        return OUTCOMES[self.outcome].effect


def breach_outcome_refusals(facts: BreachOutcomeFacts) -> tuple[Refusal, ...]:
    """Every reason the court could not have decided ``facts`` (empty: it could).

    >>> breach_outcome_refusals(BreachOutcomeFacts(kind="pss", outcome="pss_custody",
    ...                                            custody_days=14))
    ()
    >>> [r.rule for r in breach_outcome_refusals(
    ...     BreachOutcomeFacts(kind="pss", outcome="pss_custody", custody_days=15))]
    ['custody_days_range']
    """
    rule = OUTCOMES[facts.outcome]
    if rule.kind != facts.kind:
        what = (
            "a breach of post-sentence supervision"
            if facts.kind == "pss"
            else "a breach of a community or suspended sentence order"
        )
        return (
            Refusal("outcome", "outcome_kind", f"Choose an outcome the court may give for {what}"),
        )
    refusals: list[Refusal] = []
    for name in FIGURES:
        value = getattr(facts, name)
        if name not in rule.needs:
            if value is not None:
                refusals.append(
                    Refusal(name, f"{name}_not_taken", "This outcome does not take that figure")
                )
            continue
        if value is None:
            refusals.append(Refusal(name, f"{name}_missing", _MISSING[name]))
            continue
        least, most, message = _RANGES[(name, facts.kind)]
        if value < least or (most is not None and value > most):
            refusals.append(Refusal(name, f"{name}_range", message))
    return tuple(refusals)
