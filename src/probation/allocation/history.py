"""The story of a case's allocation, step by step, for the case overview: every sift, assignment,
first appointment, escalation and transfer, oldest first, with who did it and why.

Reads only, of a case already released to the reader (:mod:`probation.people.access`); a fixed
number of queries however long the story.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from probation.allocation.models import (
    Assignment,
    Escalation,
    FirstAppointment,
    SiftDecision,
    Transfer,
)
from probation.people.models import Case

__all__ = ["HistoryEntry", "allocation_history"]


@dataclass(frozen=True)
class HistoryEntry:
    """One step: when, what happened, who did it (or "the system"), and the reasons."""

    at: dt.datetime
    what: str
    who: str
    why: tuple[str, ...] = ()


def _who(user: Any) -> str:
    return str(user) if user is not None else "the system"


def _sifts(case: Case) -> list[HistoryEntry]:
    rows = SiftDecision.objects.filter(case=case).select_related("organisation", "decided_by")
    return [
        HistoryEntry(
            sift.decided_at,
            f"Sifted to {sift.organisation} ({sift.trigger})",
            _who(sift.decided_by),
            tuple(sift.reason_sentences),
        )
        for sift in rows
    ]


def _assignments(case: Case) -> list[HistoryEntry]:
    rows = Assignment.objects.filter(case=case).select_related(
        "officer", "assigned_by", "organisation"
    )
    return [
        HistoryEntry(
            a.assigned_at,
            f"Allocated to {a.officer} ({a.organisation})",
            _who(a.assigned_by),
            (f"Previously {a.previous_officer}",) if a.previous_officer_id else (),
        )
        for a in rows.select_related("previous_officer")
    ]


def _first_appointments(case: Case) -> list[HistoryEntry]:
    rows = FirstAppointment.objects.filter(case=case, recorded_at__isnull=False).select_related(
        "recorded_by"
    )
    return [
        HistoryEntry(
            a.recorded_at,
            f"First appointment held on {a.held_on:%-d %B %Y}",
            _who(a.recorded_by),
            (f"Due {a.due_on:%-d %B %Y}",),
        )
        for a in rows
        if a.recorded_at is not None and a.held_on is not None
    ]


def _escalations(case: Case) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    rows = Escalation.objects.filter(case=case).select_related(
        "referred_by", "reviewer", "from_organisation"
    )
    for e in rows:
        entries.append(
            HistoryEntry(
                e.referred_at,
                f"Referred to the NPS for a review of risk ({e.get_trigger_display().lower()})",
                _who(e.referred_by),
                (e.reason,),
            )
        )
        if e.review_started_at is not None:
            entries.append(
                HistoryEntry(e.review_started_at, "NPS review started", _who(e.reviewer))
            )
        if e.decided_at is not None:
            decided = "declined" if e.state == "declined" else "confirmed: the NPS takes the case"
            entries.append(
                HistoryEntry(
                    e.decided_at,
                    f"Escalation {decided}",
                    _who(e.reviewer),
                    (e.decision_reasons,) if e.decision_reasons else (),
                )
            )
        if e.transferred_at is not None:
            entries.append(
                HistoryEntry(e.transferred_at, "Escalated case taken in by the NPS", "the system")
            )
    return entries


def _transfers(case: Case) -> list[HistoryEntry]:
    entries: list[HistoryEntry] = []
    rows = Transfer.objects.filter(case=case).select_related(
        "requested_by", "decided_by", "to_contract_area", "from_contract_area"
    )
    for t in rows:
        entries.append(
            HistoryEntry(
                t.requested_at,
                f"Transfer from {t.from_contract_area} to {t.to_contract_area} requested",
                _who(t.requested_by),
                (t.reason,),
            )
        )
        if t.decided_at is not None:
            entries.append(
                HistoryEntry(
                    t.decided_at,
                    f"Transfer {t.get_state_display().lower()}",
                    _who(t.decided_by),
                    (t.decision_reason,) if t.decision_reason else (),
                )
            )
    return entries


def allocation_history(case: Case) -> list[HistoryEntry]:
    """Every allocation step of ``case``, oldest first."""
    entries = [
        *_sifts(case),
        *_assignments(case),
        *_first_appointments(case),
        *_escalations(case),
        *_transfers(case),
    ]
    return sorted(entries, key=lambda entry: entry.at)
