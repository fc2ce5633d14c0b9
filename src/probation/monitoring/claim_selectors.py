"""Reads for provider claims: who may upload and read them, the claims a user may see, a
claim's rejected days, and the contract managers' monthly totals per provider.

Who (decided for the ADR): the provider submits its own claim, so **monitoring operators of an
EM provider** upload claims and read their own provider's; **contract managers** (who pay the
provider) read every provider's claims and the monthly totals. Nobody else sees claims. A claim
lists devices and days, not people, so reading one names no CRN.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Final

from django.db.models import QuerySet

from probation.monitoring.models import ClaimDay, LedgerMonth, ProviderClaim
from probation.workforce.models import Organisation, OrganisationKind, RoleCode

#: Months the totals page can show.
TOTAL_MONTHS: Final = 12


def _signed_in(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False) and getattr(user, "is_active", False))


def may_upload_claims(user: Any) -> bool:
    """A monitoring operator of an EM provider."""
    organisation = getattr(user, "organisation", None)
    return bool(
        _signed_in(user)
        and organisation is not None
        and organisation.kind == OrganisationKind.EM_PROVIDER
        and user.has_role(RoleCode.MONITORING_OPERATOR)
    )


def may_read_all_claims(user: Any) -> bool:
    return _signed_in(user) and bool(user.has_role(RoleCode.CONTRACT_MANAGER))


def may_read_claims(user: Any) -> bool:
    return may_read_all_claims(user) or may_upload_claims(user)


def claims_visible_to(user: Any) -> QuerySet[ProviderClaim]:
    """Every claim for a contract manager, their own provider's for an operator, else none."""
    claims = ProviderClaim.objects.select_related("provider", "uploaded_by")
    if may_read_all_claims(user):
        return claims.order_by("-month", "-uploaded_at", "-id")
    if may_upload_claims(user):
        return claims.filter(provider_id=user.organisation_id).order_by("-month", "-id")
    return claims.none()


def claim_for(*, for_user: Any, claim_id: int) -> ProviderClaim | None:
    return claims_visible_to(for_user).filter(pk=claim_id).first()


def rejected_days(claim: ProviderClaim) -> QuerySet[ClaimDay]:
    """The claim's rejected days, in the order of the file."""
    return claim.days.filter(accepted=False).order_by("line")


def em_providers() -> QuerySet[Organisation]:
    """Every electronic monitoring provider, by name: those the ledger is kept for."""
    return Organisation.objects.filter(kind=OrganisationKind.EM_PROVIDER).order_by("name")


def upload_providers(user: Any) -> list[Organisation]:
    """The providers ``user`` may upload a claim for: their own."""
    if not may_upload_claims(user):
        return []
    return [user.organisation]


@dataclass(frozen=True, slots=True)
class MonthTotal:
    """One provider's month: what the stored ledger figure says (``ledger`` is None when it has
    not been computed yet) and what its latest claim said."""

    provider: Organisation
    month: dt.date
    ledger: LedgerMonth | None
    claim: ProviderClaim | None

    @property
    def billable(self) -> int | None:
        return self.ledger.billable_days if self.ledger else None

    @property
    def device_days(self) -> int | None:
        return self.ledger.device_days if self.ledger else None

    @property
    def computed_at(self) -> dt.datetime | None:
        return self.ledger.computed_at if self.ledger else None

    @property
    def claimed(self) -> int:
        return self.claim.days_claimed if self.claim else 0

    @property
    def accepted(self) -> int:
        return self.claim.days_accepted if self.claim else 0

    @property
    def rejected(self) -> int:
        return self.claim.days_rejected if self.claim else 0


def recent_months(today: dt.date, count: int = TOTAL_MONTHS) -> list[dt.date]:
    """The first days of the ``count`` months before ``today``'s, latest first."""
    months = []
    month = today.replace(day=1)
    for _ in range(count):
        month = (month - dt.timedelta(days=1)).replace(day=1)
        months.append(month)
    return months


def monthly_totals(*, for_user: Any, months: list[dt.date]) -> list[MonthTotal]:
    """Each EM provider's totals for each of ``months``, latest month first, from the stored
    ledger figures (``LedgerMonth``, written by ``probation em ledger`` and each reconciliation)
    and the provider's latest claim for the month: three queries however many devices.

    A provider's month is listed if it has a claim, a device-day on someone, or no stored figure
    yet (so a missing figure shows as missing, not as nothing to pay); a month judged and found
    empty, with no claim, is left out. Nothing is judged here: judging a month of 20,000 tags
    takes seconds."""
    if not may_read_all_claims(for_user):
        return []
    firsts = {m.replace(day=1) for m in months}
    providers = list(em_providers())
    latest: dict[tuple[int, dt.date], ProviderClaim] = {}
    for claim in ProviderClaim.objects.filter(month__in=firsts).order_by("uploaded_at", "id"):
        latest[(claim.provider_id, claim.month)] = claim
    stored = {
        (ledger.provider_id, ledger.month): ledger
        for ledger in LedgerMonth.objects.filter(month__in=firsts)
    }
    totals = []
    for month in sorted(firsts, reverse=True):
        for provider in providers:
            ledger = stored.get((provider.pk, month))
            latest_claim = latest.get((provider.pk, month))
            judged_empty = ledger is not None and not ledger.device_days
            if latest_claim is not None or not judged_empty:
                totals.append(MonthTotal(provider, month, ledger, latest_claim))
    return totals
