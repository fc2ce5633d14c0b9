"""A provider's claim for a month's device-days, reconciled against the billing ledger.

Issue 11: "The provider submits its claim (CSV); the platform reconciles it against the ledger
and produces a statement listing every rejected day with its reason". The claim file is one
``device_serial,day`` a line (an optional header line ``device_serial,day``; ``day`` as
``YYYY-MM-DD``). Every claimed day is judged by :mod:`probation.rules.billing` over the facts
:mod:`probation.monitoring.billing` reads; the claim and each day (accepted, or rejected with
every reason) are stored, and the reconciliation is audited.

Decided here (for the ADR):

* A file that cannot be read is refused whole, naming the file and each bad line (up to
  :data:`MAX_ERRORS`): a malformed line, a day that is not a date, and a device-day claimed
  twice (the statement lists each device-day once, and a provider claiming a day twice has
  made a mistake the file should fix, not a payment the ledger should judge).
* A well-formed line naming a device the provider does not have, or a day outside the month
  claimed, is not an error of the file: the day is rejected with that reason, so the statement
  shows it.
* The same file (same bytes) for the same provider and month is refused as already reconciled;
  a corrected file is a new claim, and the totals count the latest.
* A reconciliation also refreshes the provider's stored ledger figure for the month
  (:func:`probation.monitoring.ledger_services.ledger_month_record`), in the same transaction,
  so the totals never show a claim beside a ledger figure older than it.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from typing import Any

from django.db import transaction

from probation.core.audit import AuditAction, audit
from probation.core.bulk import bulk_insert
from probation.core.errors import InvalidInput
from probation.monitoring import billing
from probation.monitoring.claim_files import (
    MAX_FILE_NAME,
    OUTSIDE_MONTH,
    UNKNOWN_DEVICE,
    ClaimedDay,
    parse_claim,
)
from probation.monitoring.ledger_services import ledger_month_record
from probation.monitoring.models import ClaimDay, Device, ProviderClaim
from probation.rules.billing import reconcile
from probation.workforce.models import Organisation, OrganisationKind


def _checked_month(month: Any) -> dt.date:
    if not isinstance(month, dt.date) or isinstance(month, dt.datetime):
        raise InvalidInput("Enter the month claimed", field="month")
    if not dt.date(2000, 1, 1) <= month <= dt.date(2100, 12, 31):
        raise InvalidInput("Enter a month between 2000 and 2100", field="month")
    return month.replace(day=1)


@transaction.atomic
def claim_reconcile(
    *,
    provider: Organisation,
    month: dt.date,
    csv_bytes: bytes,
    file_name: str,
    by_user: Any,
) -> ProviderClaim:
    """Reconcile ``provider``'s claim for ``month``: every claimed device-day accepted if the
    ledger finds it billable, else rejected with the ledger's reasons; stored and audited."""
    if provider.kind != OrganisationKind.EM_PROVIDER:
        raise InvalidInput("Only an electronic monitoring provider makes claims", field="provider")
    first_day, last_day = billing.month_days(_checked_month(month))
    name = (file_name or "claim.csv").strip()[:MAX_FILE_NAME] or "claim.csv"
    name = "".join(ch for ch in name if ch.isprintable())
    claimed = parse_claim(csv_bytes, file_name=name)
    fingerprint = hashlib.sha256(csv_bytes).hexdigest()
    Organisation.objects.select_for_update().filter(pk=provider.pk).first()  # one at a time
    earlier = ProviderClaim.objects.filter(
        provider=provider, month=first_day, fingerprint=fingerprint
    ).first()
    if earlier is not None:
        raise InvalidInput(
            f"This file was already reconciled for {first_day:%B %Y} (claim {earlier.pk})",
            field="claim_file",
        )
    devices = {
        d.serial: d
        for d in Device.objects.filter(
            provider=provider, serial__in={c.serial for c in claimed}
        ).only("id", "serial", "provider_id")
    }
    judged = billing.judge_devices(first_day=first_day, last_day=last_day, devices=devices.values())
    by_serial: dict[str, list[ClaimedDay]] = {}
    for item in claimed:
        by_serial.setdefault(item.serial, []).append(item)
    claim = ProviderClaim.objects.create(
        provider=provider,
        month=first_day,
        file_name=name,
        fingerprint=fingerprint,
        uploaded_by=by_user if getattr(by_user, "pk", None) else None,
    )
    rows: list[ClaimDay] = []
    for serial, items in by_serial.items():
        device = devices.get(serial)
        if device is None:
            rows += [
                ClaimDay(
                    claim=claim,
                    line=i.line,
                    device_serial=serial,
                    day=i.day,
                    accepted=False,
                    reasons=[UNKNOWN_DEVICE],
                )
                for i in items
            ]
            continue
        outcome = reconcile([i.day for i in items], judged[device.id])
        reasons = {r.day: list(r.reasons) for r in outcome.rejected}
        accepted = set(outcome.accepted)
        for i in items:
            why = reasons.get(i.day, [])
            if i.day not in accepted and not first_day <= i.day <= last_day:
                why = [OUTSIDE_MONTH]
            rows.append(
                ClaimDay(
                    claim=claim,
                    line=i.line,
                    device_serial=serial,
                    device=device,
                    day=i.day,
                    accepted=i.day in accepted,
                    reasons=why,
                )
            )
    rows.sort(key=lambda r: r.line)
    bulk_insert(ClaimDay, rows)
    claim.days_claimed = len(rows)
    claim.days_accepted = sum(1 for r in rows if r.accepted)
    claim.days_rejected = claim.days_claimed - claim.days_accepted
    claim.save(update_fields=["days_claimed", "days_accepted", "days_rejected"])
    ledger_month_record(provider=provider, month=first_day, by_user=by_user)
    audit(
        by_user,
        AuditAction.EM_CLAIM_RECONCILED,
        claim,
        details={
            "provider": provider.code,
            "month": f"{first_day:%Y-%m}",
            "file_name": name,
            "fingerprint": fingerprint,
            "days_claimed": claim.days_claimed,
            "days_accepted": claim.days_accepted,
            "days_rejected": claim.days_rejected,
        },
    )
    return claim
