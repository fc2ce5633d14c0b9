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

from probation.monitoring import billing
from probation.monitoring.models import ClaimDay, ProviderClaim
from probation.workforce.models import Organisation, OrganisationKind, RoleCode

#: Months the totals page shows (the ledger is judged for each, so bounded).
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


def upload_providers(user: Any) -> list[Organisation]:
    """The providers ``user`` may upload a claim for: their own."""
    if not may_upload_claims(user):
        return []
    return [user.organisation]


@dataclass(frozen=True, slots=True)
class MonthTotal:
    """One provider's month: what the ledger finds billable and what its latest claim said."""

    provider: Organisation
    month: dt.date
    billable: int
    claim: ProviderClaim | None

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
    """Each EM provider's totals for each of ``months`` that has a claim or a billable day,
    latest month first; the claim counted is the provider's latest for the month."""
    if not may_read_all_claims(for_user):
        return []
    providers = list(
        Organisation.objects.filter(kind=OrganisationKind.EM_PROVIDER).order_by("name")
    )
    latest: dict[tuple[int, dt.date], ProviderClaim] = {}
    for claim in ProviderClaim.objects.filter(month__in=months).order_by("uploaded_at", "id"):
        latest[(claim.provider_id, claim.month)] = claim
    totals = []
    for month in sorted(months, reverse=True):
        for provider in providers:
            billable = billing.billable_device_days(month=month, provider_id=provider.pk)
            latest_claim = latest.get((provider.pk, month))
            if billable or latest_claim is not None:
                totals.append(MonthTotal(provider, month, billable, latest_claim))
    return totals
