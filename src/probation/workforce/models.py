"""Organisations, their teams and offices, and staff (users) with grades and roles."""

from __future__ import annotations

from collections.abc import Iterable
from decimal import Decimal
from functools import cached_property
from typing import Any, ClassVar

from django.contrib.auth.models import AbstractUser
from django.core.validators import MaxValueValidator
from django.db import models, transaction

from probation.core.actor import current_actor, current_path
from probation.core.audit import AuditAction, AuditRecord, audit_many
from probation.rules.tiering import TIERS
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


# Workload reference data (docs/domain/workload.md, ADR 0014) --------------------------------


class CaseType(models.TextChoices):
    """The workload case types of ``probation.rules.workload.CASE_TYPES``."""

    COMMUNITY = "community", "Community"
    CUSTODY = "custody", "Custody (in prison, pre-release)"
    LICENCE = "licence", "Licence (and post-sentence supervision)"


class ReportKind(models.TextChoices):
    """The reports of ``probation.rules.workload.REPORT_POINTS``."""

    STANDARD = "standard_pre_sentence_report", "Standard pre-sentence report"
    SHORT_FORMAT = "short_format_report", "Short-format (fast) report"
    PAROLE = "parole_report", "Parole report"


POINTS_LIMIT = 10_000  # far above any value in the default tables; refuses a mistyped 1000000


class AuditedPointsQuerySet(models.QuerySet[Any]):
    """Bulk changes to the points tables are audited row by row, like staff accounts
    (probation/workforce/history.py): ``update``, ``bulk_create`` and ``delete``."""

    def update(self, **kwargs: Any) -> int:
        with transaction.atomic():
            befores = {row.pk: row.state() for row in self.select_for_update()}
            count = super().update(**kwargs)
            for row in self.model._base_manager.filter(pk__in=befores):
                row.audit_change(befores[row.pk])
            return count

    def bulk_create(self, objs: Iterable[Any], *args: Any, **kwargs: Any) -> list[Any]:
        with transaction.atomic():
            created = super().bulk_create(objs, *args, **kwargs)
            for row in created:
                row.audit_change(None)
            return created

    def delete(self) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            for row in self.select_for_update():
                row.audit_change(row.state(), deleted=True)
            return super().delete()


class AuditedPoints(models.Model):
    """A row of a points table: every change is audited (``reference.case_points_changed``)
    with before and after, in the same transaction, whatever the path (the admin, a script, a
    bulk update). The actor is the signed-in user of the request, or "system"."""

    points = models.PositiveIntegerField(validators=[MaxValueValidator(POINTS_LIMIT)])

    objects = AuditedPointsQuerySet.as_manager()

    class Meta:
        abstract = True

    def save(self, *args: Any, **kwargs: Any) -> None:
        with transaction.atomic():
            old = (
                type(self)._base_manager.select_for_update().filter(pk=self.pk).first()
                if self.pk
                else None
            )
            super().save(*args, **kwargs)
            self.audit_change(old.state() if old is not None else None)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        with transaction.atomic():
            self.audit_change(self.state(), deleted=True)
            return super().delete(*args, **kwargs)

    def state(self) -> dict[str, Any]:
        raise NotImplementedError

    def audit_change(self, before: dict[str, Any] | None, *, deleted: bool = False) -> None:
        after = None if deleted else self.state()
        if before == after:
            return
        # audit_many: with no signed-in user (a script, a migration) the actor is "system".
        audit_many(
            [
                AuditRecord(
                    action=AuditAction.CASE_POINTS_CHANGED,
                    actor=current_actor(),
                    subject_type=self._meta.label,
                    subject_id=str(self.pk),
                    before=before,
                    after=after,
                    details={"table": self._meta.model_name, "deleted": deleted},
                    path=current_path(),
                )
            ]
        )


class CasePoints(AuditedPoints):
    """Workload points of one case by case type and tier; seeded from
    ``probation.rules.workload.CASE_POINTS`` (migration 0004) and edited in the admin. An
    unsupervised (``S``) tier scores 0 and has no row."""

    case_type = models.CharField(max_length=10, choices=CaseType.choices)
    tier = models.CharField(max_length=2, choices=[(t, t) for t in TIERS])

    class Meta:
        ordering = ["case_type", "tier"]
        verbose_name = "case points"
        verbose_name_plural = "case points"
        constraints = [
            models.UniqueConstraint(fields=["case_type", "tier"], name="case_points_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.get_case_type_display()}, tier {self.tier}: {self.points} points"

    def state(self) -> dict[str, Any]:
        return {"case_type": self.case_type, "tier": self.tier, "points": self.points}


class ReportPoints(AuditedPoints):
    """Workload points of one report; seeded from ``probation.rules.workload.REPORT_POINTS``."""

    report = models.CharField(max_length=40, choices=ReportKind.choices, unique=True)

    class Meta:
        ordering = ["report"]
        verbose_name = "report points"
        verbose_name_plural = "report points"

    def __str__(self) -> str:
        return f"{self.get_report_display()}: {self.points} points"

    def state(self) -> dict[str, Any]:
        return {"report": self.report, "points": self.points}
