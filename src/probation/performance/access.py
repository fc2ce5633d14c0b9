"""Who may read the contract pages (statements, cohorts, indicators): contract managers and
auditors; a CRC's staff only their own area (``workforce.selectors.contract_areas_overseen_by``).
The public pages need no sign-in and show only suppressed aggregates."""

from __future__ import annotations

from typing import Any

from probation.workforce.models import RoleCode

#: The roles that read payment statements, the people behind them and the gaming indicators.
CONTRACT_READER_ROLES = (RoleCode.CONTRACT_MANAGER, RoleCode.AUDITOR)


def may_read_contract_figures(user: Any) -> bool:
    return bool(getattr(user, "is_authenticated", False)) and user.has_role(*CONTRACT_READER_ROLES)
