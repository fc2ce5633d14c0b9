"""Escalations and transfers in the demo world, in every state, through the per-case services
(docs/adr/0016-demo-allocation.md).

A few dozen cases, after the bulk build: CRC cases referred to the NPS (referred, under review,
confirmed, transferred to an NPS practitioner, declined) and cases asked to move to another
contract area (requested, accepted, rejected, withdrawn). The demo sign-ins see them: the NPS
allocating manager (``nps.manager``) has escalations to review, the Merseyside CRC manager
(``manager``) transfers to decide, and the Merseyside CRC practitioner (``practitioner``) one case
newly allocated to them.

The services stamp their rows with the time they run. Demo only: each row's times and due days
are then moved back to a day before the world's ``as_of`` (the due days counted again from the
moved day by the same clocks), so that some are overdue and the world is the same whatever day it
is built. The audit events keep the time they were written.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from django.utils import timezone

from probation.allocation.models import (
    Assignment,
    Escalation,
    EscalationState,
    SiftDecision,
    Transfer,
    TransferState,
)
from probation.allocation.services import (
    case_assign,
    escalation_confirm,
    escalation_decline,
    escalation_refer,
    escalation_review_start,
    transfer_accept,
    transfer_reject,
    transfer_request,
    transfer_withdraw,
)
from probation.contracts.models import ContractArea
from probation.core.calendar import bank_holidays_from
from probation.demo.allocation import latest_moment
from probation.demo.profiles import _crn
from probation.demo.world import CRC_UNALLOCATED, BuildContext
from probation.people.models import Case, CaseStatus
from probation.rules import clocks
from probation.rules.tiering import TIERS
from probation.workforce.models import Grade, OrganisationKind, RoleCode, User

# Escalations by state, as (state, working days since the referral): 0 and 1 are in time, more
# is overdue for a referral still waiting. Every state comes once before any comes twice, so a
# small world short of cases still has them all.
ESCALATIONS: tuple[tuple[str, int], ...] = (
    (EscalationState.REFERRED, 0),
    (EscalationState.UNDER_REVIEW, 1),
    (EscalationState.CONFIRMED, 2),
    (EscalationState.TRANSFERRED, 8),
    (EscalationState.DECLINED, 5),
    (EscalationState.REFERRED, 4),
    (EscalationState.UNDER_REVIEW, 3),
    (EscalationState.CONFIRMED, 9),
    (EscalationState.TRANSFERRED, 15),
    (EscalationState.DECLINED, 12),
    (EscalationState.REFERRED, 1),
    (EscalationState.REFERRED, 6),
)
# Transfers by state, as (state, working days since the request, into Merseyside): the requested
# ones into Merseyside wait on the demo manager, two of them past their 5 working days.
TRANSFERS: tuple[tuple[str, int, bool], ...] = (
    (TransferState.REQUESTED, 2, True),
    (TransferState.ACCEPTED, 6, True),
    (TransferState.REJECTED, 7, True),
    (TransferState.WITHDRAWN, 4, False),
    (TransferState.REQUESTED, 9, True),
    (TransferState.REQUESTED, 0, True),
    (TransferState.REQUESTED, 12, True),
    (TransferState.REQUESTED, 3, False),
    (TransferState.ACCEPTED, 10, False),
    (TransferState.REJECTED, 11, False),
    (TransferState.WITHDRAWN, 8, True),
)
_REFERRAL_REASONS = (
    "Intelligence from the police suggests renewed contact with a former partner.",
    "Disclosed possession of a weapon at the last appointment.",
    "Arrested for a further violent offence; risk to the public has risen.",
    "New information about contact with children.",
)
_TRANSFER_REASONS = (
    "Moved to live with family in the new area.",
    "Approved premises placement in the new area.",
    "New tenancy from the council in the new area.",
)


def _moved(day: dt.date, hours: int = 0) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time(10))) + dt.timedelta(hours=hours)


def _days_before(ctx: BuildContext, working_days: int) -> dt.date:
    """``working_days`` working days before ``as_of`` (``as_of`` itself for 0)."""
    day = ctx.as_of
    holidays = bank_holidays_from(day - dt.timedelta(days=40))
    while working_days > 0:
        day -= dt.timedelta(days=1)
        if day.weekday() < 5 and day not in holidays:
            working_days -= 1
    return day


def _candidates(ctx: BuildContext, rng: random.Random) -> tuple[list[Case], list[Case]]:
    """Active, allocated CRC cases with no access list: Merseyside's and the others', shuffled."""
    base = (
        Case.objects.filter(
            status=CaseStatus.ACTIVE,
            responsible_organisation__kind=OrganisationKind.CRC,
            responsible_officer__isnull=False,
            restricted=False,
        )
        .exclude(access_entries__isnull=False)
        .exclude(responsible_officer=ctx.staff.demo["practitioner"])
        .select_related("person", "contract_area", "responsible_organisation")
        .order_by("id")
    )
    merseyside = list(base.filter(responsible_organisation__code="CRC-C08")[:100])
    others = list(base.exclude(responsible_organisation__code="CRC-C08")[:100])
    rng.shuffle(merseyside)
    rng.shuffle(others)
    return merseyside, others


def _manager_of(organisation_id: int, *, not_user: Any = None) -> User:
    managers = User.objects.filter(
        organisation_id=organisation_id, roles__code=RoleCode.ALLOCATING_MANAGER, is_active=True
    ).select_related("organisation")
    if not_user is not None:
        managers = managers.exclude(pk=not_user.pk)
    return managers.order_by("pk").first()


def step_escalations_and_transfers(ctx: BuildContext) -> None:
    """Escalations and transfers in every state, and one newly allocated case for the demo
    practitioner."""
    if ctx.phase:
        ctx.phase("Referring escalations and asking for transfers")
    rng = random.Random(f"{ctx.seed}:escalations")
    merseyside, others = _candidates(ctx, rng)
    nps_manager = User.objects.select_related("organisation").get(
        pk=ctx.staff.demo["nps.manager"].pk
    )
    for number, (state, age) in enumerate(ESCALATIONS):
        pool = (merseyside if number % 2 == 0 else others) or merseyside or others
        if not pool:
            break
        _escalation(ctx, pool.pop(), state, age, nps_manager, rng)
        ctx.counts[f"escalations_{state}"] += 1
    areas = {a.code: a for a in ContractArea.objects.all()}
    for state, age, into_merseyside in TRANSFERS:
        pool = others if into_merseyside else (merseyside or others)
        if not pool:
            break
        _transfer(ctx, pool.pop(), state, age, into_merseyside, areas, rng)
        ctx.counts[f"transfers_{state}"] += 1
    _newly_allocated(ctx)


def _escalation(
    ctx: BuildContext, case: Case, state: str, age: int, nps_manager: User, rng: random.Random
) -> None:
    officer = User.objects.select_related("organisation").get(pk=case.responsible_officer_id)
    escalation = escalation_refer(case=case, by_user=officer, reason=rng.choice(_REFERRAL_REASONS))
    if state != EscalationState.REFERRED:
        escalation = escalation_review_start(escalation=escalation, by_user=nps_manager)
    if state in (EscalationState.CONFIRMED, EscalationState.TRANSFERRED):
        escalation = escalation_confirm(
            escalation=escalation,
            by_user=nps_manager,
            reasons="RoSH is now high: the NPS takes the case.",
        )
    elif state == EscalationState.DECLINED:
        escalation = escalation_decline(
            escalation=escalation,
            by_user=nps_manager,
            reasons="The new information does not raise RoSH to high: the CRC keeps the case.",
        )
    assignment = None
    if state == EscalationState.TRANSFERRED:
        practitioner = (
            User.objects.filter(
                organisation=nps_manager.organisation,
                roles__code=RoleCode.PRACTITIONER,
                grade=Grade.PO,
                is_active=True,
            )
            .order_by("pk")
            .first()
        )
        case.refresh_from_db()
        assignment = case_assign(case=case, officer=practitioner, by_user=nps_manager)
    _backdate_escalation(ctx, escalation.pk, age, assignment)


def _backdate_escalation(
    ctx: BuildContext, pk: int, age: int, assignment: Assignment | None
) -> None:
    """Demo only: the escalation referred ``age`` working days before ``as_of``, reviewed the
    next working day, its due days counted from the moved days."""
    referred_on = _days_before(ctx, age)
    decided_on = _days_before(ctx, max(0, age - 1))
    referred_at = min(_moved(referred_on), latest_moment(ctx))
    decided_at = max(referred_at, min(_moved(decided_on, hours=4), latest_moment(ctx)))
    escalation = Escalation.objects.get(pk=pk)
    escalation.referred_at = referred_at
    escalation.review_due_on = clocks.escalation_review_due(
        referred_on=referred_on, holidays=bank_holidays_from(referred_on)
    )
    if escalation.review_started_at is not None:
        escalation.review_started_at = max(referred_at, decided_at - dt.timedelta(hours=2))
    if escalation.decided_at is not None:
        escalation.decided_at = decided_at
    if escalation.transfer_due_on is not None:
        escalation.transfer_due_on = clocks.transfer_in_due(
            confirmed_on=decided_on, holidays=bank_holidays_from(decided_on)
        )
    if assignment is not None:
        escalation.transferred_at = decided_at + dt.timedelta(hours=1)
        Assignment.objects.filter(pk=assignment.pk).update(
            assigned_at=escalation.transferred_at, seen_at=escalation.transferred_at
        )
    escalation.save()


def _transfer(
    ctx: BuildContext,
    case: Case,
    state: str,
    age: int,
    into_merseyside: bool,
    areas: dict[str, ContractArea],
    rng: random.Random,
) -> None:
    officer = User.objects.select_related("organisation").get(pk=case.responsible_officer_id)
    if into_merseyside:
        to_area = areas["C08"]
    else:
        choices = sorted(code for code in areas if code not in ("C08", case.contract_area.code))
        to_area = areas[rng.choice(choices)]
    transfer = transfer_request(
        case=case, by_user=officer, to_contract_area=to_area, reason=rng.choice(_TRANSFER_REASONS)
    )
    receiver = _manager_of(transfer.to_organisation_id, not_user=officer)
    if state == TransferState.ACCEPTED:
        transfer_accept(transfer=transfer, by_user=receiver)
    elif state == TransferState.REJECTED:
        transfer_reject(
            transfer=transfer,
            by_user=receiver,
            reason="No approved address in the new area yet: ask again once there is one.",
        )
    elif state == TransferState.WITHDRAWN:
        transfer_withdraw(transfer=transfer, by_user=officer)
    _backdate_transfer(ctx, transfer.pk, age)


def _backdate_transfer(ctx: BuildContext, pk: int, age: int) -> None:
    """Demo only: the transfer asked for ``age`` days before ``as_of`` (a working day), decided
    two days later (not after ``as_of``), its due days counted from the moved days."""
    requested_on = _days_before(ctx, age)
    requested_at = min(_moved(requested_on), latest_moment(ctx))
    transfer = Transfer.objects.get(pk=pk)
    transfer.requested_at = requested_at
    transfer.decision_due_on = clocks.transfer_decision_due(
        requested_on=requested_on, holidays=bank_holidays_from(requested_on)
    )
    if transfer.decided_at is not None:
        decided_on = _days_before(ctx, max(0, age - 2))
        tier = Case.objects.values_list("tier", flat=True).get(pk=transfer.case_id)
        transfer.decided_at = max(
            requested_at, min(_moved(decided_on, hours=3), latest_moment(ctx))
        )
        SiftDecision.objects.filter(trigger="transfer", facts__transfer=pk).update(
            decided_at=transfer.decided_at,
            assignment_due_on=clocks.assignment_due(
                sifted_on=decided_on,
                tier=tier if tier in TIERS else None,
                holidays=bank_holidays_from(decided_on),
            ),
        )
    transfer.save()


def _newly_allocated(ctx: BuildContext) -> None:
    """One of the Merseyside cases waiting for allocation assigned to the demo practitioner by
    the demo manager: new on their My cases until they open it."""
    manager = User.objects.select_related("organisation").get(pk=ctx.staff.demo["manager"].pk)
    practitioner = ctx.staff.demo["practitioner"]
    tagged = [_crn(i) for i, tag in sorted(ctx.plan.tags.items()) if tag == CRC_UNALLOCATED]
    case = (
        Case.objects.filter(
            person__crn__in=tagged,
            responsible_organisation=manager.organisation,
            responsible_officer__isnull=True,
            status=CaseStatus.ACTIVE,
        )
        .order_by("opened_on", "id")
        .first()
    )
    if case is not None:
        case_assign(case=case, officer=practitioner, by_user=manager)
        ctx.counts["newly_allocated"] += 1
