"""People on probation and their case record.

A :class:`Person` is identified by a CRN (case reference number). The :class:`Case` is that
person's probation record: who is accountable for it now, and who may or may not see it.
Court events, sentences and history hang off the case (``probation.courts``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from probation.people.history import CaseAccessManager


class Sex(models.TextChoices):
    MALE = "male", "Male"
    FEMALE = "female", "Female"


class Person(models.Model):
    crn = models.CharField("CRN", max_length=7, unique=True)
    pnc_number = models.CharField("PNC number", max_length=13, unique=True, null=True, blank=True)
    prison_number = models.CharField(max_length=7, blank=True)
    forename = models.CharField(max_length=100)
    middle_names = models.CharField(max_length=200, blank=True)
    surname = models.CharField(max_length=100)
    date_of_birth = models.DateField()
    sex = models.CharField(max_length=6, choices=Sex.choices)
    no_fixed_abode = models.BooleanField(default=False)
    # Lower-case, letters-only forms of the names: what fuzzy search compares.
    forename_key = models.CharField(max_length=100, db_index=True, editable=False)
    surname_key = models.CharField(max_length=100, db_index=True, editable=False)

    class Meta:
        ordering = ["surname", "forename"]
        verbose_name_plural = "people"
        indexes = [
            # Search walks this index per candidate surname, already in display order.
            models.Index(
                fields=["surname_key", "surname", "forename", "id"], name="person_search_order"
            )
        ]

    def __str__(self) -> str:
        return f"{self.forename} {self.surname} ({self.crn})"

    @property
    def full_name(self) -> str:
        return f"{self.forename} {self.surname}"


class Alias(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="aliases")
    forename = models.CharField(max_length=100)
    surname = models.CharField(max_length=100)
    date_of_birth = models.DateField(null=True, blank=True)
    surname_key = models.CharField(max_length=100, db_index=True, editable=False)

    class Meta:
        ordering = ["surname", "forename"]
        verbose_name_plural = "aliases"

    def __str__(self) -> str:
        return f"{self.forename} {self.surname}"


class Address(models.Model):
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="addresses")
    line_1 = models.CharField(max_length=200)
    town = models.CharField(max_length=100)
    postcode = models.CharField(max_length=10)
    contract_area = models.ForeignKey("contracts.ContractArea", on_delete=models.PROTECT)
    is_main = models.BooleanField(default=True)
    starts_on = models.DateField()
    ends_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["-is_main", "-starts_on"]
        verbose_name_plural = "addresses"

    def __str__(self) -> str:
        return f"{self.line_1}, {self.town} {self.postcode}"


class NameKey(models.Model):
    """A deletion-neighbourhood key of a name, for typo-tolerant search.

    Each distinct name is stored with every form of it less one letter ("smith" gives "mith",
    "sith", "smth", "smih", "smit") and itself. A query generates the same keys, so names one
    edit away (a wrong, missing, extra or swapped letter) share a key. Kept over *distinct* names,
    so it stays small however many people share a surname, and it works the same on SQLite and
    PostgreSQL.
    """

    key = models.CharField(max_length=100, db_index=True)
    name = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["key", "name"], name="namekey_unique")]

    def __str__(self) -> str:
        return f"{self.key} → {self.name}"


class CaseStatus(models.TextChoices):
    ACTIVE = "active", "Active"
    CLOSED = "closed", "Closed"


class Case(models.Model):
    """A person's probation case: one accountable organisation and officer at every moment."""

    person = models.OneToOneField(Person, on_delete=models.PROTECT, related_name="case")
    status = models.CharField(max_length=10, choices=CaseStatus.choices, default="active")
    responsible_organisation = models.ForeignKey(
        "workforce.Organisation", on_delete=models.PROTECT, related_name="cases"
    )
    responsible_officer = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="caseload",
    )
    contract_area = models.ForeignKey(
        "contracts.ContractArea",
        on_delete=models.PROTECT,
        related_name="cases",
        help_text="Area the case belongs to for allocation and reporting.",
    )
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    # The current tier (latest risk.TierCalculation), kept here so lists need no join.
    tier = models.CharField(max_length=3, blank=True, editable=False)
    # True when the case has a restriction list: only the named staff may see it.
    restricted = models.BooleanField(default=False, editable=False)
    # Moved on by every change made through a service (probation/people/locking.py): a form
    # carries the version it was shown, so a change made meanwhile by someone else is noticed.
    version = models.PositiveIntegerField(default=0, editable=False)
    # While the case waits for a practitioner: since when, and by when one is due. Written by
    # the allocation services that hand a case to an organisation (the sift, a transfer, an
    # escalation confirmed), so that an organisation's list of cases to allocate is read from
    # this table alone (docs/adr/0017-allocation-clocks-and-notices.md, decision 8).
    awaiting_since = models.DateTimeField(null=True, blank=True, editable=False)
    assignment_due_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["person__surname", "person__forename"]
        indexes = [
            models.Index(fields=["responsible_organisation", "status"], name="case_org_status"),
            models.Index(fields=["responsible_officer", "status"], name="case_officer_status"),
            # The cases each organisation has still to allocate (allocation.md §2).
            # Covering what the list orders and filters by, so it is read from the index alone.
            models.Index(
                fields=["responsible_organisation", "assignment_due_on"],
                include=["restricted", "tier", "awaiting_since"],
                condition=models.Q(responsible_officer__isnull=True, status="active"),
                name="case_unallocated",
            ),
        ]

    def __str__(self) -> str:
        return f"Case {self.person.crn}"

    @property
    def crn(self) -> str:
        return self.person.crn


class AccessKind(models.TextChoices):
    EXCLUSION = "exclusion", "Excluded: must not see this case"
    RESTRICTION = "restriction", "Restricted: only listed staff may see this case"


class CaseAccess(models.Model):
    """A named member of staff on a case's exclusion or restriction list."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="access_entries")
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="case_access_entries"
    )
    kind = models.CharField(max_length=12, choices=AccessKind.choices)
    reason = models.CharField(max_length=500, blank=True)

    # Bulk changes outside the services are audited too (probation/people/history.py).
    objects = CaseAccessManager()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["case", "user", "kind"], name="caseaccess_unique")
        ]
        indexes = [models.Index(fields=["user", "kind"], name="caseaccess_user_kind")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.user} on {self.case}"
