"""Recompute the tier of every case in bulk (``probation recompute tiers``).

The same facts and the same pure rule as :func:`probation.risk.services.tier_recompute`, read with
a handful of queries per chunk of cases instead of several per case, and written with bulk
inserts: a history row, a ``Case.tier`` update and an audit event for each case whose tier or
facts changed. Tested to agree with the single-case service.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from types import SimpleNamespace
from typing import Any

from django.db import transaction
from django.db.models import Max, Subquery
from django.db.models.fields.json import KeyTransform

from probation.core.audit import AuditAction, AuditRecord, audit_many
from probation.core.bulk import bulk_insert
from probation.courts.models import Requirement, Sentence, SentenceStatus
from probation.people.models import Case, CaseStatus
from probation.risk.facts import facts_to_json, tier_facts
from probation.risk.history import tier_history_row
from probation.risk.models import Assessment, Registration, TierCalculation
from probation.rules import tiering

CHUNK = 5000
IdRange = tuple[int, int]

ASSESSMENT_FIELDS = (
    "id",
    "case_id",
    "rsr",
    "ogrs3_two_year",
    "rosh_public",
    "rosh_known_adult",
    "rosh_children",
    "rosh_staff",
    "mappa_level",
    "parenting_responsibilities",
    "previous_enforcement",
    "need_severities",
)


@dataclass
class RecomputeReport:
    cases: int = 0
    changed: int = 0
    by_tier: dict[str, int] = field(default_factory=lambda: defaultdict(int))


def _assessment_view(row: dict[str, Any]) -> SimpleNamespace:
    """The attributes ``tier_facts`` reads from an assessment, without building a model."""
    levels = (row["rosh_public"], row["rosh_known_adult"], row["rosh_children"], row["rosh_staff"])
    return SimpleNamespace(**row, rosh=tiering.highest_rosh(levels))


def _latest_assessments(ids: IdRange) -> dict[int, SimpleNamespace]:
    latest: dict[int, SimpleNamespace] = {}
    # Of the answers, the tier reads only thinking and behaviour (impulsivity or temper, for
    # women): decoding every section's answers was a tenth of the time.
    rows = (
        Assessment.objects.filter(case_id__gte=ids[0], case_id__lte=ids[1])
        .order_by("case_id", "-assessed_on", "-id")
        .values(*ASSESSMENT_FIELDS, thinking=KeyTransform("thinking_behaviour", "answers"))
    )
    for row in rows:
        if row["case_id"] in latest:
            continue
        thinking = row.pop("thinking")
        row["answers"] = {} if thinking is None else {"thinking_behaviour": thinking}
        latest[row["case_id"]] = _assessment_view(row)
    return latest


def _active_sentences(ids: IdRange) -> dict[int, list[tuple[str, list[str]]]]:
    sentences = list(
        Sentence.objects.filter(
            case_id__gte=ids[0], case_id__lte=ids[1], status=SentenceStatus.ACTIVE
        ).values_list("id", "case_id", "disposal")
    )
    requirements: dict[int, list[str]] = defaultdict(list)
    for sentence_id, kind in Requirement.objects.filter(
        sentence__case_id__gte=ids[0],
        sentence__case_id__lte=ids[1],
        sentence__status=SentenceStatus.ACTIVE,
    ).values_list("sentence_id", "kind"):
        requirements[sentence_id].append(kind)
    by_case: dict[int, list[tuple[str, list[str]]]] = defaultdict(list)
    for sentence_id, case_id, disposal in sentences:
        by_case[case_id].append((disposal, requirements[sentence_id]))
    return by_case


def _latest_history(ids: IdRange) -> dict[int, tuple[str, Any]]:
    latest_ids = (
        TierCalculation.objects.filter(case_id__gte=ids[0], case_id__lte=ids[1])
        .values("case_id")
        .annotate(latest=Max("id"))
        .values("latest")
    )
    return {
        case_id: (tier, facts)
        for case_id, tier, facts in TierCalculation.objects.filter(
            id__in=Subquery(latest_ids)
        ).values_list("case_id", "tier", "facts")
    }


def _same_facts(stored: Any, current: dict[str, Any]) -> bool:
    """Equal facts, whatever order the complexity factors were listed in: history written before
    ``to_jsonable`` sorted sets listed them in hash order, which differs between processes."""
    if stored == current:
        return True
    if not isinstance(stored, dict) or stored.keys() != current.keys():
        return False
    key = "complexity_factors"
    return {k: v for k, v in stored.items() if k != key} == {
        k: v for k, v in current.items() if k != key
    } and sorted(stored.get(key) or []) == sorted(current.get(key) or [])


def recompute_chunk(ids: IdRange, *, by_user: Any, report: RecomputeReport) -> None:
    """Recompute the tiers of the cases whose ids lie in ``ids`` (inclusive), in one transaction.

    Ranges rather than lists of ids: Django quotes every element of an ``IN`` list in Python,
    which for chunks of thousands of cases cost more than the rule itself.
    """
    with transaction.atomic():
        cases = list(
            Case.objects.filter(id__gte=ids[0], id__lte=ids[1]).values_list(
                "id", "status", "tier", "person__sex", "person__crn"
            )
        )
        assessments = _latest_assessments(ids)
        sentences = _active_sentences(ids)
        registrations: dict[int, list[str]] = defaultdict(list)
        for case_id, kind in Registration.objects.filter(
            case_id__gte=ids[0], case_id__lte=ids[1], ended_on__isnull=True
        ).values_list("case_id", "kind"):
            registrations[case_id].append(kind)
        previous = _latest_history(ids)
        actor = by_user if getattr(by_user, "is_authenticated", False) else None
        history: list[TierCalculation] = []
        events: list[AuditRecord] = []
        new_tiers: dict[str, list[int]] = defaultdict(list)
        for case_id, status, current_tier, sex, crn in cases:
            facts = tier_facts(
                sex=sex,
                case_active=status == CaseStatus.ACTIVE,
                assessment=assessments.get(case_id),
                registrations=registrations[case_id],
                sentences=sentences[case_id],
            )
            result = tiering.calculate(facts)
            report.cases += 1
            report.by_tier[result.tier] += 1
            facts_json = facts_to_json(facts)
            last = previous.get(case_id)
            if last is not None and last[0] == result.tier and _same_facts(last[1], facts_json):
                continue
            report.changed += 1
            history.append(
                tier_history_row(
                    result,
                    case_id=case_id,
                    trigger="recompute",
                    calculated_by=actor,
                    facts=facts_json,
                )
            )
            if current_tier != result.tier:
                new_tiers[result.tier].append(case_id)
            events.append(
                AuditRecord(
                    action=AuditAction.TIER_RECALCULATED,
                    actor=actor,
                    subject_type="people.Case",
                    subject_id=str(case_id),
                    crn=crn,
                    before={"tier": current_tier},
                    after={"tier": result.tier, "explanation": result.explanation},
                    details={"trigger": "recompute"},
                )
            )
        bulk_insert(TierCalculation, history)
        audit_many(events)
        for tier, changed_ids in new_tiers.items():
            Case.objects.filter(id__in=changed_ids).update(tier=tier)


def recompute_all_tiers(
    *,
    by_user: Any = None,
    chunk_size: int = CHUNK,
    progress: Callable[[int, int], None] | None = None,
) -> RecomputeReport:
    """Recompute every case's tier; ``progress(done, total)`` is called after each chunk."""
    ids = list(Case.objects.order_by("id").values_list("id", flat=True))
    report = RecomputeReport()
    for start in range(0, len(ids), chunk_size):
        chunk = ids[start : start + chunk_size]
        recompute_chunk((chunk[0], chunk[-1]), by_user=by_user, report=report)
        if progress is not None:
            progress(min(start + chunk_size, len(ids)), len(ids))
    return report
