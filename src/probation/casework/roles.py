"""What each role's home says: the role's job, what it can do today, and what is coming.

Words for people, kept apart from the view so that a role's home is reviewed as text.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from probation.workforce.models import RoleCode


@dataclass(frozen=True)
class RoleHome:
    title: str
    summary: str
    can_do: tuple[tuple[str, str], ...] = ()  # (words, URL name)
    coming: tuple[str, ...] = field(default_factory=tuple)
    reads_cases: bool = True


ROLE_HOMES: dict[str, RoleHome] = {
    RoleCode.ALLOCATING_MANAGER: RoleHome(
        title="Allocations",
        summary=(
            "You allocate your team's cases to practitioners by workload and approve "
            "escalations, warnings and transfers."
        ),
        can_do=(
            (
                "See the cases waiting for a practitioner and allocate each by workload",
                "casework:unallocated",
            ),
            ("Find a case and see its risk, tier and responsible officer", "casework:search"),
        ),
        coming=(
            "How long each case has waited against its allocation clock.",
            "Your team's workload in points against capacity.",
            "Risk escalations and transfers to approve.",
        ),
    ),
    RoleCode.COURT_OFFICER: RoleHome(
        title="Court work",
        summary=(
            "You prepare pre-sentence assessments for the court, record the sentence, and so "
            "start the case's allocation."
        ),
        can_do=(
            (
                "Find a case, then record an assessment, a sentence or a registration",
                "casework:search",
            ),
        ),
        coming=("Today's court list, with the cases that still need a report.",),
    ),
    RoleCode.ENFORCEMENT_OFFICER: RoleHome(
        title="Enforcement",
        summary="You decide on breach referrals and recall requests from NPS and CRC officers.",
        can_do=(("Find a case and see its record, risk and sentences", "casework:search"),),
        coming=("The queue of breach referrals and recall requests, each with its clock.",),
    ),
    RoleCode.MONITORING_OPERATOR: RoleHome(
        title="Electronic monitoring",
        summary=(
            "You run the tags: orders, devices, exclusion zones, curfews and their alerts. "
            "Monitoring staff do not read probation case records."
        ),
        coming=(
            "Monitoring orders and fitted devices.",
            "Live alerts for zone and curfew breaches and tamper.",
        ),
        reads_cases=False,
    ),
    RoleCode.CONTRACT_MANAGER: RoleHome(
        title="Contracts",
        summary=(
            "You manage the contracts with the 21 Community Rehabilitation Companies: activity "
            "and outcome payments, performance and gaming indicators. Contract managers see "
            "figures, not individual case records."
        ),
        coming=(
            "Payment by results: proven reoffending by contract area and the payments due.",
            "Performance and gaming indicators for each contract area.",
        ),
        reads_cases=False,
    ),
    RoleCode.ADMINISTRATOR: RoleHome(
        title="Administration",
        summary="You manage staff accounts, roles and reference data.",
        can_do=(("Search the audit log", "core:audit"),),
        reads_cases=False,
    ),
    "": RoleHome(
        title="No role yet",
        summary=(
            "Your account has no role, so there is nothing you can open yet. Ask your "
            "administrator to give you the role of your job."
        ),
        reads_cases=False,
    ),
}
