"""The stored monthly ledger figure (``LedgerMonth``): a provider's month judged by the billing
ledger and kept, so that the contract managers' totals (``claim_selectors.monthly_totals``) read
one row per provider and month instead of judging every device-day of the month on each page
load (about five seconds a month at 20,000 tags).

Who refreshes it: ``probation em ledger`` (nightly, last month and this month), every claim
reconciliation (``claim_services.claim_reconcile``, for the month claimed) and the demo.

Decided here (for the ADR):

* **Not audited.** The figure is an aggregate of devices derived from facts that are themselves
  audited when recorded (fittings, orders, people's statuses) and can be recomputed from them at
  any time; it names no person and no CRN, and the reconciliation that refreshes it is audited
  as ``EM_CLAIM_RECONCILED``. Auditing each nightly refresh would add one event per provider
  and month to the trail and say nothing an auditor needs.
* **Locked, then judged.** The row is locked (created if missing) before the month is judged,
  so two refreshes of the same month run one after the other and the later one writes last;
  nothing else waits for it. ``computed_at`` is when the judging began: the figure holds the
  facts as they stood then.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction
from django.utils import timezone

from probation.core.errors import InvalidInput
from probation.monitoring import billing
from probation.monitoring.models import LedgerMonth
from probation.workforce.models import Organisation, OrganisationKind


@transaction.atomic
def ledger_month_record(*, provider: Organisation, month: dt.date, by_user: Any) -> LedgerMonth:
    """Judge ``provider``'s ``month`` (any day of it) with the billing ledger and store the
    figures, replacing any earlier ones. ``by_user`` is who asked (None for the nightly
    command); the figure is not attributed to anyone (see the module docstring)."""
    if provider.kind != OrganisationKind.EM_PROVIDER:
        raise InvalidInput(
            "Only an electronic monitoring provider has a billing ledger", field="provider"
        )
    if not isinstance(month, dt.date) or isinstance(month, dt.datetime):
        raise InvalidInput("Enter the month", field="month")
    first_day = month.replace(day=1)
    ledger, _ = LedgerMonth.objects.select_for_update().get_or_create(
        provider=provider,
        month=first_day,
        defaults={"billable_days": 0, "device_days": 0, "computed_at": timezone.now()},
    )
    started = timezone.now()  # once the lock is held: the facts judged are from here on
    counts = billing.month_counts(month=first_day, provider_id=provider.pk)
    ledger.billable_days = counts.billable
    ledger.device_days = counts.fitted
    ledger.computed_at = started
    ledger.save(update_fields=["billable_days", "device_days", "computed_at"])
    return ledger
