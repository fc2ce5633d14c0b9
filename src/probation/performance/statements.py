"""Payment statements: what each CRC is paid for a quarter, line by line
(``docs/domain/reoffending-and-payment.md``, "Payment by results").

A statement has three sections: the fee for service (each kind of recorded activity, month by
month, at the contract's unit price: ``performance/fees.py``), the service-level deductions
(late or missed steps on the platform's clocks: ``performance/service_levels.py``) and the
outcome (the payment or deduction of the area's result against its baseline, from
``AreaResult``): one line a measure, the reoffenders or reoffences avoided (or in excess) times
the price (``rules.payment.outcome_amounts`` over the result's stored figures), or, when the
stored figures cannot give the result's amounts exactly, its payment and deduction as two lines.
A provisional run pays no outcome: its statement has one line of nothing, saying when the
outcome will be known.

Every line names the rows behind it in ``source`` (the statement pages turn it into a link):
``{"kind": "orders_managed", "month": "2025-01"}``, ``{"kind": "late_allocations"}``,
``{"kind": "cohort"}``.

Nothing here is saved (the run saves, ``performance/services.py``), and the same data gives the
same statements in the same order, so that a run can be reproduced.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Q

from probation.contracts.models import ContractArea
from probation.core.limits import date_in_words
from probation.performance.fees import FEE_KINDS, fee_activity, months_of
from probation.performance.models import (
    AreaResult,
    ContractTerms,
    Direction,
    LineSection,
    PbrRun,
    Statement,
    StatementLine,
)
from probation.performance.service_levels import SERVICE_LEVEL_KINDS, service_level_failures
from probation.rules.payment import (
    BinaryTest,
    FrequencyTest,
    OutcomeAmounts,
    OutcomePrices,
    outcome_amounts,
)
from probation.rules.reoffending import Quarter

PENNY = Decimal("0.01")
ZERO = Decimal("0.00")
COHORT = "cohort"


def pence(amount: Decimal) -> Decimal:
    """Money rounded to the penny, half up (the common brief's rule for every line)."""
    return amount.quantize(PENNY, rounding=ROUND_HALF_UP)


def terms_in_force(*, on: object) -> dict[int, ContractTerms]:
    """Each contract area's terms in force on ``on``; where terms overlap, the latest to start."""
    found: dict[int, ContractTerms] = {}
    for terms in (
        ContractTerms.objects.filter(starts_on__lte=on)
        .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=on))
        .select_related("contract_area")
        .order_by("contract_area_id", "-starts_on", "-id")
    ):
        found.setdefault(terms.contract_area_id, terms)
    return found


def _line(
    *,
    section: str,
    code: str,
    description: str,
    quantity: Decimal,
    unit_price: Decimal,
    amount: Decimal,
    source: dict[str, str],
) -> StatementLine:
    return StatementLine(
        section=section,
        code=code,
        description=description[:200],
        quantity=quantity.quantize(PENNY, rounding=ROUND_HALF_UP),
        unit_price=unit_price,
        amount=pence(amount),
        source=source,
    )


def _fee_lines(
    area_id: int,
    terms: ContractTerms,
    quarter: Quarter,
    activity: dict[tuple[int, str, str], Decimal],
) -> list[StatementLine]:
    lines = []
    for kind in FEE_KINDS.values():
        price = Decimal(getattr(terms, kind.price_field))
        for month in months_of(quarter):
            quantity = activity.get((area_id, kind.code, str(month)), Decimal(0))
            lines.append(
                _line(
                    section=LineSection.FEE_FOR_SERVICE,
                    code=kind.code,
                    description=f"{kind.description}, {month.in_words}",
                    quantity=quantity,
                    unit_price=price,
                    amount=quantity * price,
                    source={"kind": kind.code, "month": str(month)},
                )
            )
    return lines


def _deduction_lines(
    area_id: int, terms: ContractTerms, failures: dict[tuple[int, str], int]
) -> list[StatementLine]:
    lines = []
    for kind in SERVICE_LEVEL_KINDS.values():
        price = Decimal(getattr(terms, kind.price_field))
        count = Decimal(failures.get((area_id, kind.code), 0))
        lines.append(
            _line(
                section=LineSection.SERVICE_DEDUCTION,
                code=kind.code,
                description=kind.description,
                quantity=count,
                unit_price=price,
                amount=-(count * price),
                source={"kind": kind.code},
            )
        )
    return lines


def _measures_in_words(result: AreaResult) -> str:
    binary = Direction(result.binary_direction).label.lower()
    frequency = Direction(result.frequency_direction).label.lower()
    return f"reoffenders: {binary}; reoffences: {frequency}"


def _outcome_lines(
    run: PbrRun, quarter: Quarter, result: AreaResult | None, terms: ContractTerms
) -> list[StatementLine]:
    if run.provisional:
        return [
            _line(
                section=LineSection.OUTCOME,
                code="outcome_pending",
                description=(
                    f"Outcome pending until {date_in_words(quarter.final_on)}, when the cohort's "
                    "18 months have passed: a provisional run pays no outcome"
                ),
                quantity=Decimal(0),
                unit_price=ZERO,
                amount=ZERO,
                source={"kind": COHORT},
            )
        ]
    if result is None:
        return [
            _line(
                section=LineSection.OUTCOME,
                code="outcome_not_assessed",
                description="No outcome: the area has no baseline or no cohort this quarter",
                quantity=Decimal(0),
                unit_price=ZERO,
                amount=ZERO,
                source={"kind": COHORT},
            )
        ]
    payment = pence(Decimal(result.outcome_payment))
    deduction = pence(Decimal(result.outcome_deduction))
    by_measure = _measure_lines(result, terms)
    if by_measure is not None and (by_measure.payment, by_measure.deduction) == (
        payment,
        deduction,
    ):
        return [
            _line(
                section=LineSection.OUTCOME,
                code=part.code,
                description=part.description,
                quantity=part.quantity,
                unit_price=part.unit_price,
                amount=part.amount,
                source={"kind": COHORT},
            )
            for part in by_measure.parts
        ]
    # The result's amounts cannot be split by measure from its stored figures (a result made
    # without a baseline's figures, say): its payment and deduction as they are.
    words = _measures_in_words(result)
    return [
        _line(
            section=LineSection.OUTCOME,
            code="outcome_payment",
            description=f"Outcome payment for significant improvement ({words})",
            quantity=Decimal(1),
            unit_price=payment,
            amount=payment,
            source={"kind": COHORT},
        ),
        _line(
            section=LineSection.OUTCOME,
            code="outcome_deduction",
            description=f"Outcome deduction for significant deterioration ({words})",
            quantity=Decimal(1),
            unit_price=deduction,
            amount=-deduction,
            source={"kind": COHORT},
        ),
    ]


def _measure_lines(result: AreaResult, terms: ContractTerms) -> OutcomeAmounts | None:
    """The outcome split by measure (``rules.payment.outcome_amounts``: reoffenders avoided or in
    excess times the price, or times the price and the deduction rate), from the result's stored
    figures; ``None`` when they are not all there."""
    if result.expected_reoffenders is None or result.expected_reoffences is None:
        return None
    binary = BinaryTest(
        expected=result.expected_reoffenders,
        variance=result.variance or 0.0,
        z=result.binary_z,
        direction=result.binary_direction,
        actual=result.reoffenders,
    )
    frequency = FrequencyTest(
        expected=result.expected_reoffences,
        actual=result.reoffences,
        variance=result.frequency_variance,
        z=result.frequency_z,
        direction=result.frequency_direction,
    )
    prices = OutcomePrices(
        price_per_reoffender_avoided=Decimal(terms.price_per_reoffender_avoided),
        price_per_reoffence_avoided=Decimal(terms.price_per_reoffence_avoided),
        deduction_rate=Decimal(terms.deduction_rate),
    )
    try:
        return outcome_amounts(binary=binary, frequency=frequency, prices=prices, provisional=False)
    except ValueError:
        return None


def statement_totals(statement: Statement, lines: list[StatementLine]) -> Statement:
    """Set the statement's totals from its lines (deductions kept as positive amounts)."""

    def total(section: str, sign: int = 0) -> Decimal:
        amounts = [
            line.amount
            for line in lines
            if line.section == section and (sign == 0 or (line.amount > 0) == (sign > 0))
        ]
        return sum(amounts, ZERO)

    statement.fee_for_service = total(LineSection.FEE_FOR_SERVICE)
    statement.service_deductions = -total(LineSection.SERVICE_DEDUCTION)
    statement.outcome_payment = total(LineSection.OUTCOME, +1)
    statement.outcome_deduction = -total(LineSection.OUTCOME, -1)
    statement.total = sum((line.amount for line in lines), ZERO)
    return statement


def statements_for(
    *, run: PbrRun, quarter: Quarter, results: list[AreaResult]
) -> list[tuple[Statement, list[StatementLine]]]:
    """The quarter's statement of each contract area that has terms in force at the quarter's
    end and an owner then (``ContractArea.owner_on``), in area code order: unsaved, with unsaved
    lines (their ``statement`` not set)."""
    terms_by_area = terms_in_force(on=quarter.ends_on)
    if not terms_by_area:
        return []
    activity = fee_activity(quarter=quarter)
    failures = service_level_failures(quarter=quarter, measured_on=run.measured_on)
    by_area = {result.contract_area_id: result for result in results}
    statements = []
    for area in ContractArea.objects.filter(pk__in=terms_by_area).order_by("code"):
        provider = area.owner_on(quarter.ends_on)
        if provider is None:
            continue
        terms = terms_by_area[area.pk]
        lines = [
            *_fee_lines(area.pk, terms, quarter, activity),
            *_deduction_lines(area.pk, terms, failures),
            *_outcome_lines(run, quarter, by_area.get(area.pk), terms),
        ]
        statement = Statement(run=run, contract_area=area, provider=provider, terms=terms)
        statements.append((statement_totals(statement, lines), lines))
    return statements
