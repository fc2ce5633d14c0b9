"""Pages of the transfer journey (issue: allocation, 7; ``docs/adr/0013-transfers.md``); their
URLs are listed at the bottom and included by ``probation/casework/urls.py``.

- ``/cases/<crn>/transfer/``: the responsible organisation's practitioner or manager asks for
  the case to move to the contract area the person moved to (a case page);
- ``/transfers/``: an allocating manager's transfers, incoming (to decide, with their clock) and
  outgoing (with their state);
- ``/transfers/<id>/``: one transfer with the summary of its case (name, CRN, tier, RoSH,
  reason), where the receiving manager accepts or rejects it. The receiver reads this summary,
  not the case record, until they accept (the read is audited against the case's CRN);
- ``/transfers/<id>/withdraw/``: the sender withdraws a request not yet decided.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import URLPattern, path

from probation.allocation import services as allocation
from probation.allocation.models import Transfer, TransferState
from probation.allocation.selectors import (
    case_transfers,
    contract_area_by_id,
    incoming_transfers,
    open_transfer,
    outgoing_transfers,
    transfer_areas,
    transfer_for,
    transfer_summary,
)
from probation.allocation.transfer_forms import (
    TransferDecisionForm,
    TransferRequestForm,
    TransferWithdrawForm,
)
from probation.core.audit import AuditAction, audit
from probation.core.errors import AlreadySubmitted, CaseNotAvailable, DomainError, InvalidInput
from probation.people.access import (
    case_page,
    not_available,
    reads_audited,
    role_refused,
    signed_in_case_reader,
)
from probation.people.change_views import refused_change
from probation.people.forms import case_change_initial
from probation.people.models import Case, CaseStatus
from probation.workforce.models import RoleCode


def may_request_transfer(case: Case, user: Any) -> bool:
    """Whether ``user`` may ask for ``case`` to move: staff of the organisation responsible for
    an active case, with no transfer already waiting."""
    return (
        user.has_role(*allocation.TRANSFER_REQUESTING_ROLES)
        and case.status == CaseStatus.ACTIVE
        and case.responsible_organisation_id == user.organisation_id
    )


def transfer_panel(case: Case, *, for_user: Any) -> dict[str, Any]:
    """The case overview's transfers section: every transfer of the case (released to
    ``for_user`` already) and whether ``for_user`` may ask for one."""
    transfers = case_transfers(case)
    waiting = any(t.state == TransferState.REQUESTED for t in transfers)
    return {
        "transfers": transfers,
        "may_request_transfer": may_request_transfer(case, for_user) and not waiting,
    }


# Asking for a transfer ----------------------------------------------------------------------


@case_page(page="request a transfer", roles=allocation.TRANSFER_REQUESTING_ROLES)
def transfer_new(request: HttpRequest, case: Case) -> HttpResponse:
    areas = [a for a in transfer_areas() if a.pk != case.contract_area_id]
    form = TransferRequestForm(request.POST or None, areas=areas, initial=case_change_initial(case))
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            area = contract_area_by_id(data["to_contract_area"])
            if area is None:
                raise InvalidInput(
                    "Select the contract area the person has moved to", field="to_contract_area"
                )
            transfer = allocation.transfer_request(
                case=case,
                by_user=request.user,
                to_contract_area=area,
                reason=data["reason"],
                **form.change_guards(),
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        else:
            messages.success(
                request,
                f"Transfer to {transfer.to_organisation} ({area.name}) requested. "
                f"{case.responsible_organisation} stays responsible until it is accepted; "
                f"a decision is due by {transfer.decision_due_on:%-d %B %Y}.",
            )
            return redirect("casework:case", crn=case.person.crn)
    return render(
        request,
        "casework/transfers/request.html",
        {
            "case": case,
            "person": case.person,
            "form": form,
            "may_request": may_request_transfer(case, request.user),
            "waiting": open_transfer(case),
        },
    )


# The manager's list -------------------------------------------------------------------------


@signed_in_case_reader
def transfers(request: HttpRequest) -> HttpResponse:
    """An allocating manager's transfers: in (to decide) and out (asked for by their
    organisation)."""
    user: Any = request.user
    if not user.has_role(RoleCode.ALLOCATING_MANAGER):
        role_refused(user=user, page="transfers", path=request.path)
        raise PermissionDenied
    incoming = incoming_transfers(for_user=user)
    outgoing = outgoing_transfers(for_user=user)
    reads_audited(
        user=user,
        action=AuditAction.CASES_LISTED,
        details={
            "list": "transfers",
            "incoming": [row.transfer.case.person.crn for row in incoming],
            "outgoing": [row.transfer.case.person.crn for row in outgoing],
        },
        path=request.path,
    )
    return render(
        request,
        "casework/transfers/list.html",
        {
            "incoming": incoming,
            "outgoing": outgoing,
            "overdue": sum(row.is_overdue for row in incoming),
        },
    )


# One transfer: the decision and the withdrawal ----------------------------------------------


def _released_transfer(request: HttpRequest, transfer_id: int, page: str) -> Transfer | None:
    """The transfer if the user may read it, its read audited against the case's CRN; None
    (refusal audited, nothing said about the case) otherwise."""
    user: Any = request.user
    transfer = transfer_for(transfer_id=transfer_id, for_user=user)
    if transfer is None:
        audit(
            user,
            AuditAction.CASE_ACCESS_REFUSED,
            details={"reason": "transfer_not_available", "transfer": transfer_id, "page": page},
            path=request.path,
        )
        return None
    audit(
        user,
        AuditAction.CASE_VIEWED,
        transfer.case,
        crn=transfer.case.person.crn,
        details={"page": page, "transfer": transfer.pk},
        path=request.path,
    )
    return transfer


def _may_decide(transfer: Transfer, user: Any) -> bool:
    return (
        transfer.state == TransferState.REQUESTED
        and user.has_role(*allocation.TRANSFER_DECIDING_ROLES)
        and transfer.to_organisation_id == user.organisation_id
        and transfer.requested_by_id != user.pk
    )


def _may_withdraw(transfer: Transfer, user: Any) -> bool:
    return (
        transfer.state == TransferState.REQUESTED
        and user.has_role(*allocation.TRANSFER_REQUESTING_ROLES)
        and transfer.from_organisation_id == user.organisation_id
    )


def _decide(form: TransferDecisionForm, transfer: Transfer, user: Any) -> str:
    data = form.cleaned_data
    if data["decision"] == "accept":
        allocation.transfer_accept(transfer=transfer, by_user=user, **form.change_guards())
        return (
            f"Transfer accepted. {transfer.case.person.full_name} ({transfer.case.person.crn}) "
            f"is now waiting for a practitioner of {transfer.to_organisation}."
        )
    allocation.transfer_reject(
        transfer=transfer, by_user=user, reason=data["reason"], **form.change_guards()
    )
    return f"Transfer rejected. {transfer.from_organisation} stays responsible for the case."


def _transfer_page(
    request: HttpRequest, transfer: Transfer, form: Any, template: str
) -> HttpResponse:
    user: Any = request.user
    return render(
        request,
        template,
        {
            "row": transfer_summary(transfer),
            "transfer": transfer,
            "person": transfer.case.person,
            "form": form,
            "may_decide": _may_decide(transfer, user),
            "may_withdraw": _may_withdraw(transfer, user),
        },
    )


@signed_in_case_reader
def transfer_decision(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = _released_transfer(request, transfer_id, "transfer decision")
    if transfer is None:
        return not_available(request)
    case = transfer.case
    form = TransferDecisionForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST" and form.is_valid():
        try:
            note = _decide(form, transfer, request.user)
        except AlreadySubmitted as error:
            messages.info(request, error.message)
            return redirect("casework:transfers")
        except DomainError as error:
            refused_change(request, form, case, error)
        except PermissionDenied as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, note)
            return redirect("casework:transfers")
    return _transfer_page(request, transfer, form, "casework/transfers/decision.html")


@signed_in_case_reader
def transfer_withdraw(request: HttpRequest, transfer_id: int) -> HttpResponse:
    transfer = _released_transfer(request, transfer_id, "withdraw a transfer")
    if transfer is None:
        return not_available(request)
    case = transfer.case
    form = TransferWithdrawForm(request.POST or None, initial=case_change_initial(case))
    if request.method == "POST" and form.is_valid():
        try:
            allocation.transfer_withdraw(
                transfer=transfer, by_user=request.user, **form.change_guards()
            )
        except DomainError as error:
            if (response := refused_change(request, form, case, error)) is not None:
                return response
        except PermissionDenied as error:
            form.add_error(None, str(error))
        except CaseNotAvailable:
            form.add_error(
                None, "Only staff of the sending organisation may withdraw the transfer."
            )
        else:
            messages.success(
                request, f"Transfer withdrawn. {case.responsible_organisation} stays responsible."
            )
            return redirect("casework:case", crn=case.person.crn)
    return _transfer_page(request, transfer, form, "casework/transfers/withdraw.html")


urlpatterns: list[URLPattern] = [
    path("cases/<str:crn>/transfer/", transfer_new, name="transfer-new"),
    path("transfers/", transfers, name="transfers"),
    path("transfers/<int:transfer_id>/", transfer_decision, name="transfer"),
    path("transfers/<int:transfer_id>/withdraw/", transfer_withdraw, name="transfer-withdraw"),
]
