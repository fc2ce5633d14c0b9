"""Writes to people and cases. Each is atomic and writes its audit event in the same transaction."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db import transaction

from probation.core.actor import audited_by_service
from probation.core.audit import AuditAction, audit, snapshot
from probation.core.errors import InvalidInput
from probation.core.identifiers import normalise_crn, normalise_pnc
from probation.core.limits import BIRTH_DATES, EVENT_DATES, check_date
from probation.people.locking import begin_case_change
from probation.people.models import (
    AccessKind,
    Address,
    Case,
    CaseAccess,
    Person,
)
from probation.people.names import name_key
from probation.people.search_index import name_keys_register
from probation.workforce.models import Organisation, RoleCode

ACCESS_ADDED: dict[str, AuditAction] = {
    AccessKind.EXCLUSION: AuditAction.CASE_EXCLUSION_ADDED,
    AccessKind.RESTRICTION: AuditAction.CASE_RESTRICTION_ADDED,
}
ACCESS_REMOVED: dict[str, AuditAction] = {
    AccessKind.EXCLUSION: AuditAction.CASE_EXCLUSION_REMOVED,
    AccessKind.RESTRICTION: AuditAction.CASE_RESTRICTION_REMOVED,
}


def _ensure_can_manage_access(user: Any) -> None:
    if not (
        user.is_authenticated and user.has_role(RoleCode.ADMINISTRATOR, RoleCode.ALLOCATING_MANAGER)
    ):
        raise PermissionDenied(
            "Only an administrator or allocating manager may change case access."
        )


@transaction.atomic
def person_create(
    *,
    by_user: Any,
    crn: str,
    forename: str,
    surname: str,
    date_of_birth: dt.date,
    sex: str,
    responsible_organisation: Organisation,
    contract_area: Any,
    opened_on: dt.date,
    pnc_number: str | None = None,
    middle_names: str = "",
    no_fixed_abode: bool = False,
    address: dict[str, Any] | None = None,
) -> Case:
    """Register a person and open their case ("not yet allocated" until an officer is assigned)."""
    canonical_crn = normalise_crn(crn)
    if canonical_crn is None:
        raise InvalidInput(
            "Enter a CRN as a letter followed by 6 digits, like X123456", field="crn"
        )
    pnc = None
    if pnc_number:
        pnc = normalise_pnc(pnc_number)
        if pnc is None:
            raise InvalidInput(
                "Enter a PNC number like 2012/0123456X with a correct check letter",
                field="pnc_number",
            )
    check_date(date_of_birth, BIRTH_DATES, field="date_of_birth", label="date of birth")
    check_date(opened_on, EVENT_DATES, field="opened_on", label="date the case opened")
    if Person.objects.filter(crn=canonical_crn).exists():
        raise InvalidInput("A person with this CRN already exists", field="crn")
    if date_of_birth > opened_on:
        raise InvalidInput("Date of birth must be before the case opened", field="date_of_birth")
    person = Person.objects.create(
        crn=canonical_crn,
        pnc_number=pnc,
        forename=forename.strip(),
        middle_names=middle_names.strip(),
        surname=surname.strip(),
        date_of_birth=date_of_birth,
        sex=sex,
        no_fixed_abode=no_fixed_abode,
        forename_key=name_key(forename),
        surname_key=name_key(surname),
    )
    if address and not no_fixed_abode:
        Address.objects.create(person=person, starts_on=opened_on, **address)
    name_keys_register([forename, surname])
    case = Case.objects.create(
        person=person,
        responsible_organisation=responsible_organisation,
        contract_area=contract_area,
        opened_on=opened_on,
    )
    audit(by_user, AuditAction.PERSON_CREATED, person, crn=canonical_crn, after=snapshot(person))
    audit(by_user, AuditAction.CASE_OPENED, case, crn=canonical_crn, after=snapshot(case))
    return case


@transaction.atomic
@audited_by_service()
def case_access_set(
    *, case: Case, user: Any, kind: str, by_user: Any, reason: str = ""
) -> CaseAccess:
    """Put ``user`` on the case's exclusion or restriction list."""
    _ensure_can_manage_access(by_user)
    if kind not in AccessKind.values:
        raise InvalidInput("Choose exclusion or restriction", field="kind")
    locked = begin_case_change(case=case, by_user=by_user)
    entry, _ = CaseAccess.objects.get_or_create(
        case=locked, user=user, kind=kind, defaults={"reason": reason[:500]}
    )
    if kind == AccessKind.RESTRICTION and not locked.restricted:
        locked.restricted = True
        locked.save(update_fields=["restricted"])
    audit(
        by_user,
        ACCESS_ADDED[kind],
        locked,
        crn=locked.person.crn,
        after={"user": user.get_username(), "reason": reason[:500]},
    )
    return entry


@transaction.atomic
@audited_by_service()
def case_access_remove(*, case: Case, user: Any, kind: str, by_user: Any) -> None:
    """Take ``user`` off a list; a case whose restriction list empties is no longer restricted."""
    _ensure_can_manage_access(by_user)
    if kind not in AccessKind.values:
        raise InvalidInput("Choose exclusion or restriction", field="kind")
    locked = begin_case_change(case=case, by_user=by_user)
    deleted, _ = CaseAccess.objects.filter(case=locked, user=user, kind=kind).delete()
    if kind == AccessKind.RESTRICTION:
        still = CaseAccess.objects.filter(case=locked, kind=AccessKind.RESTRICTION).exists()
        if locked.restricted != still:
            locked.restricted = still
            locked.save(update_fields=["restricted"])
    audit(
        by_user,
        ACCESS_REMOVED[kind],
        locked,
        crn=locked.person.crn,
        before={"user": user.get_username()},
        details={"removed": bool(deleted)},
    )
