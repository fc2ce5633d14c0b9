"""Contract package areas and who owned their CRC when (``docs/domain/reference-data.md``)."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.db.models import Q


class Provider(models.Model):
    """A company or partnership that owns one or more CRCs (e.g. Sodexo Justice Services)."""

    name = models.CharField(max_length=200, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class ContractArea(models.Model):
    """One of the 21 contract package areas (codes C01-C21 are the platform's own)."""

    code = models.CharField(max_length=3, unique=True)
    name = models.CharField(max_length=200)
    # Relative size of the caseload, used by the demo world to spread people realistically.
    caseload_weight = models.PositiveIntegerField(default=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def owner_on(self, day: dt.date) -> Provider | None:
        """The provider that owned this area's CRC on ``day``: ownership is dated, not constant."""
        ownership = (
            self.ownerships.filter(starts_on__lte=day)
            .filter(Q(ends_on__isnull=True) | Q(ends_on__gte=day))
            .select_related("provider")
            .first()
        )
        return ownership.provider if ownership else None


class ContractAreaOwnership(models.Model):
    """Who owned an area's CRC over a period (Working Links' areas passed to Seetec in 2019)."""

    contract_area = models.ForeignKey(
        ContractArea, on_delete=models.PROTECT, related_name="ownerships"
    )
    provider = models.ForeignKey(Provider, on_delete=models.PROTECT, related_name="ownerships")
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["contract_area__code", "starts_on"]
        constraints = [
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=models.F("starts_on")),
                name="ownership_ends_after_start",
            )
        ]

    def __str__(self) -> str:
        return f"{self.contract_area.code} {self.provider} from {self.starts_on}"
