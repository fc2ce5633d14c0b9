"""Organisations, their teams and offices, and staff (users) with grades and roles."""

from __future__ import annotations

from decimal import Decimal
from functools import cached_property
from typing import ClassVar

from django.contrib.auth.models import AbstractUser
from django.db import models

from probation.workforce.history import StaffManager


class OrganisationKind(models.TextChoices):
    NPS = "nps", "National Probation Service"
    CRC = "crc", "Community Rehabilitation Company"
    EM_PROVIDER = "em_provider", "Electronic monitoring provider"
    COMMISSIONER = "commissioner", "Commissioner"


class Organisation(models.Model):
    """One organisation of the split service. Every user belongs to exactly one."""

    code = models.CharField(max_length=20, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind.choices)
    contract_area = models.OneToOneField(
        "contracts.ContractArea",
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="crc",
        help_text="For a CRC: the contract package area it serves.",
    )

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(kind="crc") | models.Q(contract_area__isnull=False),
                name="crc_has_contract_area",
            )
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_nps(self) -> bool:
        return self.kind == OrganisationKind.NPS

    @property
    def is_crc(self) -> bool:
        return self.kind == OrganisationKind.CRC


class Division(models.Model):
    """One of the NPS's seven divisions."""

    name = models.CharField(max_length=100, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Office(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="offices")
    name = models.CharField(max_length=200)
    contract_area = models.ForeignKey(
        "contracts.ContractArea", null=True, blank=True, on_delete=models.PROTECT
    )
    division = models.ForeignKey(Division, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="office_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="teams")
    name = models.CharField(max_length=200)
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.PROTECT)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organisation", "name"], name="team_unique_name")
        ]

    def __str__(self) -> str:
        return self.name


class RoleCode(models.TextChoices):
    PRACTITIONER = "practitioner", "Practitioner"
    ALLOCATING_MANAGER = "allocating_manager", "Allocating manager"
    COURT_OFFICER = "court_officer", "Court officer"
    ENFORCEMENT_OFFICER = "enforcement_officer", "Enforcement officer"
    MONITORING_OPERATOR = "monitoring_operator", "Monitoring operator"
    CONTRACT_MANAGER = "contract_manager", "Contract manager"
    AUDITOR = "auditor", "Auditor"
    ADMINISTRATOR = "administrator", "Administrator"


class Role(models.Model):
    """A role a user can hold; loaded by migration, one row per :class:`RoleCode`."""

    code = models.CharField(max_length=40, primary_key=True, choices=RoleCode.choices)
    name = models.CharField(max_length=100)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return self.name


class Grade(models.TextChoices):
    PO = "PO", "Probation officer"
    PQIP = "PQiP", "Probation officer in training (PQiP)"
    PSO = "PSO", "Probation services officer"
    SPO = "SPO", "Senior probation officer"


class User(AbstractUser):
    """A member of staff who can sign in: one organisation, one or more roles, a staff record."""

    organisation = models.ForeignKey(
        Organisation, null=True, blank=True, on_delete=models.PROTECT, related_name="staff"
    )
    roles = models.ManyToManyField(Role, blank=True, related_name="users")
    grade = models.CharField(max_length=4, choices=Grade.choices, blank=True)
    team = models.ForeignKey(
        Team, null=True, blank=True, on_delete=models.PROTECT, related_name="members"
    )
    office = models.ForeignKey(Office, null=True, blank=True, on_delete=models.PROTECT)
    contracted_hours = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal("37.0"))
    reduction_hours = models.DecimalField(max_digits=4, decimal_places=1, default=Decimal("0.0"))

    # Every change to an account is audited, bulk ones too (probation/workforce/history.py).
    objects: ClassVar[StaffManager] = StaffManager()

    class Meta:
        ordering = ["last_name", "first_name"]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @cached_property
    def role_codes(self) -> frozenset[str]:
        """The user's roles, read once per request."""
        if not self.pk:
            return frozenset()
        return frozenset(self.roles.values_list("code", flat=True))

    def has_role(self, *codes: str) -> bool:
        return bool(self.role_codes.intersection(codes))
