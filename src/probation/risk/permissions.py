"""Who may change a case's risk record: its assessments and registrations.

Reading a case is wider than changing it (``docs/adr/0004-case-visibility.md``: NPS staff read
every case). Only the staff of the organisation responsible for the case record its assessments,
reviews and registrations, and, before a practitioner is assigned, the NPS court officers who
assess at court (``docs/adr/0012-risk-escalation.md``, decision 6). A reader of another
organisation's case, such as an NPS practitioner opening a CRC case, is offered no write action
and a change they send is refused.
"""

from __future__ import annotations

from typing import Any

from probation.people.models import Case
from probation.workforce.models import OrganisationKind, RoleCode


def may_record_risk(user: Any, case: Case) -> bool:
    """Whether ``user`` may record assessments and registrations on ``case``: a member of the
    responsible organisation, or an NPS court officer while the case has no responsible officer.

    Roles and visibility are checked as well by the services; this is the organisation rule.
    """
    if user is None or not user.is_authenticated or user.organisation_id is None:
        return False
    if user.organisation_id == case.responsible_organisation_id:
        return True
    return bool(
        case.responsible_officer_id is None
        and user.has_role(RoleCode.COURT_OFFICER)
        and user.organisation.kind == OrganisationKind.NPS
    )
