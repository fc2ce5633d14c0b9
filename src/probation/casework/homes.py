"""Where each role lands after signing in, and what its menu offers.

Each role starts on the page of its job (a practitioner on My cases, an allocating manager on the
cases waiting for a practitioner). Until the capabilities that give a role its working page exist
(enforcement, contracts), the role's home says plainly what it
can do today and what is coming, and roles that read no case records are offered no search that
could never find anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.urls import reverse

from probation.allocation.comparison import may_compare
from probation.allocation.selectors import is_escalation_reviewer
from probation.enforcement.recall_selectors import is_recall_decider, is_recall_signatory
from probation.enforcement.selectors import is_enforcement_officer
from probation.enforcement.sfo_selectors import may_see_sfo_counts
from probation.monitoring.alert_selectors import may_work_alerts
from probation.monitoring.claim_selectors import may_read_claims
from probation.monitoring.selectors import may_manage_devices
from probation.people.selectors import can_read_cases
from probation.performance.access import may_read_contract_figures
from probation.workforce.models import RoleCode

# The order in which a user holding several roles is sent home: the most case-facing job first.
HOME_PRECEDENCE = (
    RoleCode.PRACTITIONER,
    RoleCode.ALLOCATING_MANAGER,
    RoleCode.COURT_OFFICER,
    RoleCode.ENFORCEMENT_OFFICER,
    RoleCode.MONITORING_OPERATOR,
    RoleCode.CONTRACT_MANAGER,
    RoleCode.AUDITOR,
    RoleCode.ADMINISTRATOR,
)


@dataclass(frozen=True)
class NavigationItem:
    text: str
    href: str
    section: str


def primary_role(user: Any) -> str | None:
    """The role whose home the user lands on."""
    return next((role for role in HOME_PRECEDENCE if user.has_role(role)), None)


def home_url(user: Any) -> str:
    """The page a signed-in user lands on: each role on the page of its job."""
    role = primary_role(user)
    if role == RoleCode.PRACTITIONER:
        return reverse("casework:todo")
    if role == RoleCode.ALLOCATING_MANAGER:
        return reverse("casework:unallocated")
    if role == RoleCode.COURT_OFFICER:
        return reverse("casework:court-home")
    if role == RoleCode.ENFORCEMENT_OFFICER and is_enforcement_officer(user):
        return reverse("casework:enforcement-home")
    if role == RoleCode.MONITORING_OPERATOR and may_work_alerts(user):
        return reverse("monitoring:alert-queue")
    if role == RoleCode.CONTRACT_MANAGER:
        return reverse("casework:contract-home")
    if role == RoleCode.AUDITOR:
        return reverse("core:audit")
    if role == RoleCode.ADMINISTRATOR and user.is_staff:
        return reverse("admin:index")
    return reverse("casework:role-home")


#: Roles whose home is a working page of their own, already in the menu under its own name.
_OWN_HOME_ROLES = (
    RoleCode.PRACTITIONER,
    RoleCode.ALLOCATING_MANAGER,
    RoleCode.COURT_OFFICER,
    RoleCode.ENFORCEMENT_OFFICER,
    RoleCode.MONITORING_OPERATOR,
    RoleCode.AUDITOR,
)


def _home_items(user: Any) -> list[NavigationItem]:
    """A "Home" item for the roles whose home is not already in the menu by its own name."""
    role = primary_role(user)
    if role in _OWN_HOME_ROLES:
        return []
    home = "casework:contract-home" if role == RoleCode.CONTRACT_MANAGER else "casework:role-home"
    return [NavigationItem("Home", reverse(home), "home")]


def _casework_items(user: Any) -> list[NavigationItem]:
    """The practitioner's and the manager's working pages."""
    items = []
    if user.has_role(RoleCode.PRACTITIONER) and can_read_cases(user):
        items.append(NavigationItem("To do", reverse("casework:todo"), "todo"))
        items.append(NavigationItem("Diary", reverse("casework:diary"), "diary"))
        items.append(NavigationItem("My cases", reverse("casework:my-cases"), "cases"))
    if user.has_role(RoleCode.ALLOCATING_MANAGER) and can_read_cases(user):
        items.append(NavigationItem("Allocations", reverse("casework:unallocated"), "allocations"))
        items.append(NavigationItem("Transfers", reverse("casework:transfers"), "transfers"))
        items.append(NavigationItem("Workload", reverse("casework:team-workload"), "workload"))
        items.append(NavigationItem("Team to-do", reverse("casework:team-todo"), "team-todo"))
    if is_escalation_reviewer(user):
        items.append(
            NavigationItem("Escalations", reverse("casework:escalation-queue"), "escalations")
        )
    if may_compare(user):
        items.append(
            NavigationItem("Compare policies", reverse("casework:policy-compare"), "policy")
        )
    return items


def _enforcement_items(user: Any) -> list[NavigationItem]:
    """Breach referrals and recalls for the NPS staff who decide them; the SFO counts."""
    items = []
    if is_enforcement_officer(user):
        items.append(
            NavigationItem("Breach referrals", reverse("casework:enforcement-home"), "enforcement")
        )
    if is_recall_decider(user) or is_recall_signatory(user):
        items.append(NavigationItem("Recalls", reverse("casework:recall-queue"), "recalls"))
    if may_see_sfo_counts(user):
        items.append(
            NavigationItem("Serious further offences", reverse("casework:sfo-counts"), "sfos")
        )
    return items


def _contract_items(user: Any) -> list[NavigationItem]:
    """Payment by results for those who read contract figures: statements and indicators."""
    if not may_read_contract_figures(user):
        return []
    return [
        NavigationItem("Statements", reverse("performance:statements"), "statements"),
        NavigationItem("Indicators", reverse("performance:indicators"), "indicators"),
    ]


def navigation_items(user: Any) -> list[NavigationItem]:
    """The service navigation for ``user``: only what the user's roles can use."""
    items = _home_items(user) + _casework_items(user)
    if user.has_role(RoleCode.COURT_OFFICER) and can_read_cases(user):
        items.append(NavigationItem("Court work", reverse("casework:court-home"), "court"))
    items += _enforcement_items(user)
    if may_work_alerts(user):
        items.append(
            NavigationItem("Monitoring alerts", reverse("monitoring:alert-queue"), "monitoring")
        )
    if may_manage_devices(user):
        items.append(NavigationItem("Devices", reverse("monitoring:devices"), "devices"))
    if may_read_claims(user):
        items.append(NavigationItem("Tag billing", reverse("monitoring:claims"), "claims"))
    items += _contract_items(user)
    if can_read_cases(user):
        items.append(NavigationItem("Find a case", reverse("casework:search"), "cases"))
    if user.has_role(RoleCode.AUDITOR, RoleCode.ADMINISTRATOR):
        items.append(NavigationItem("Audit", reverse("core:audit"), "audit"))
    if user.is_staff:
        items.append(NavigationItem("Admin", reverse("admin:index"), "admin"))
    return items
