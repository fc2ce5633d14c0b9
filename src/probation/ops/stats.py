"""What the database holds: a registry of named counts, shown by ``probation stats``.

Each capability registers its own counts::

    from probation.ops.stats import register_stat
    register_stat("risk_assessments_by_rosh", lambda: group_count(Assessment.objects, "rosh"))

A count is an ``int`` or a mapping of label to ``int``. :func:`collect` runs them in registration
order and returns one JSON-ready dict.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from django.db.models import Count, F, QuerySet, Sum

from probation.rules.tiering import TIERS

StatValue = int | dict[str, int]
StatFunction = Callable[[], StatValue]

_REGISTRY: dict[str, StatFunction] = {}


def register_stat(name: str, fn: StatFunction) -> StatFunction:
    """Register (or replace) the count called ``name``. Returns ``fn``, so it can decorate."""
    _REGISTRY[name] = fn
    return fn


def registered() -> list[str]:
    return list(_REGISTRY)


def collect(names: Iterable[str] | None = None) -> dict[str, StatValue]:
    """Run the registered counts (all, or those named) in registration order."""
    _register_builtin()
    wanted = list(_REGISTRY) if names is None else list(names)
    unknown = [n for n in wanted if n not in _REGISTRY]
    if unknown:
        raise KeyError(f"Unknown stat: {', '.join(unknown)}")
    return {name: _REGISTRY[name]() for name in wanted}


def group_count(queryset: QuerySet[Any], field: str, *, empty: str = "none") -> dict[str, int]:
    """Rows of ``queryset`` counted by the value of ``field`` (blank or null shown as ``empty``)."""
    counts: dict[str, int] = {}
    rows = queryset.order_by().values_list(field).annotate(n=Count("pk")).order_by(field)
    for value, n in rows:
        label = str(value) if value not in (None, "") else empty
        counts[label] = counts.get(label, 0) + n
    return counts


_builtin_done = False


def _register_builtin() -> None:
    """The counts every installation has. Imported lazily: models need Django set up."""
    global _builtin_done
    if _builtin_done:
        return
    _builtin_done = True

    from probation.core.models import AuditEvent
    from probation.courts.models import Requirement, Sentence
    from probation.people.models import Case, CaseStatus, Person
    from probation.risk.models import Assessment, Registration
    from probation.workforce.models import Role, User

    def cases() -> dict[str, int]:
        by_status = group_count(Case.objects.all(), "status")
        return {"total": sum(by_status.values())} | {
            status: by_status.get(status, 0) for status in CaseStatus.values
        }

    def staff() -> QuerySet[User]:
        return User.objects.filter(is_active=True, organisation__isnull=False)

    def users_by_role() -> dict[str, int]:
        counts = dict.fromkeys(Role.objects.order_by("code").values_list("code", flat=True), 0)
        counts.update(group_count(User.objects.filter(is_active=True), "roles__code"))
        counts.pop("none", None)
        return counts

    def cases_by_tier() -> dict[str, int]:
        """Current tiers, A3 … D0 then the unsupervised (S) ones; "none" if never computed."""
        counts = group_count(Case.objects.all(), "tier")
        return dict(sorted(counts.items(), key=lambda item: tier_order(item[0])))

    def assessments() -> dict[str, int]:
        active = Case.objects.filter(status=CaseStatus.ACTIVE)
        return {
            "total": Assessment.objects.count(),
            "cases_assessed": Assessment.objects.values("case").distinct().count(),
            "active_cases_not_assessed": active.filter(assessments__isnull=True).count(),
            "with_mappa": Assessment.objects.filter(mappa_category__isnull=False).count(),
        }

    builtin: list[tuple[str, StatFunction]] = [
        ("people", lambda: Person.objects.count()),
        ("cases", cases),
        (
            "cases_by_responsible_organisation",
            lambda: group_count(Case.objects.all(), "responsible_organisation__code"),
        ),
        ("cases_by_contract_area", lambda: group_count(Case.objects.all(), "contract_area__code")),
        (
            "cases_not_yet_allocated",
            lambda: Case.objects.filter(
                status=CaseStatus.ACTIVE, responsible_officer__isnull=True
            ).count(),
        ),
        ("staff_by_organisation_kind", lambda: group_count(staff(), "organisation__kind")),
        ("staff_by_grade", lambda: group_count(staff(), "grade")),
        ("users_by_role", users_by_role),
        ("sentences_by_disposal", lambda: group_count(Sentence.objects.all(), "disposal")),
        ("requirements_by_kind", lambda: group_count(Requirement.objects.all(), "kind")),
        ("cases_by_tier", cases_by_tier),
        ("assessments", assessments),
        (
            "registrations_by_kind",  # active registrations (not ended)
            lambda: group_count(Registration.objects.filter(ended_on__isnull=True), "kind"),
        ),
        ("audit_events", lambda: AuditEvent.objects.count()),
        *_allocation_stats(),
        *_supervision_stats(),
        *_performance_stats(),
        *_monitoring_stats(),
    ]
    existing = dict(_REGISTRY)
    _REGISTRY.clear()
    for name, fn in builtin:
        _REGISTRY[name] = fn
    _REGISTRY.update(existing)  # registered by capabilities: after the built-in ones


#: How many organisations ``active_cases_top_organisations`` lists.
TOP_ORGANISATIONS = 10


def _allocation_stats() -> list[tuple[str, StatFunction]]:
    """Allocation (``docs/domain/allocation.md``): who holds the active cases, the backlog of
    cases waiting for a practitioner, escalations, transfers, sifts and first appointments; a
    step is overdue when today (Europe/London) is after its due day (ADR 0010, clocks 2)."""
    from django.db.models import OuterRef, Q, Subquery
    from django.utils import timezone

    from probation.allocation.deadlines import first_appointments_due
    from probation.allocation.models import (
        OPEN_ESCALATION_STATES,
        Escalation,
        EscalationState,
        FirstAppointment,
        SiftDecision,
        Transfer,
        TransferState,
    )
    from probation.people.models import Case, CaseStatus
    from probation.workforce.models import OrganisationKind

    def active() -> QuerySet[Case]:
        return Case.objects.filter(status=CaseStatus.ACTIVE)

    def by_kind() -> dict[str, int]:
        counts = dict.fromkeys(OrganisationKind.values, 0)
        counts.update(group_count(active(), "responsible_organisation__kind"))
        return {kind: n for kind, n in counts.items() if n or kind in ("nps", "crc")}

    def top_organisations() -> dict[str, int]:
        counts = group_count(active(), "responsible_organisation__code")
        ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
        top = dict(ranked[:TOP_ORGANISATIONS])
        rest = sum(n for _, n in ranked[TOP_ORGANISATIONS:])
        return top | ({"others": rest} if rest else {})

    def unallocated() -> dict[str, int]:
        today = timezone.localdate()
        latest_due = SiftDecision.objects.filter(case=OuterRef("pk")).order_by("-decided_at", "-id")
        waiting = (
            active()
            .filter(responsible_officer__isnull=True)
            .annotate(
                due=Subquery(latest_due.values("assignment_due_on")[:1]),
                sifted=Subquery(latest_due.values("pk")[:1]),
            )
        )
        counts = waiting.aggregate(
            total=Count("pk"),
            overdue=Count("pk", filter=Q(due__lt=today)),
            not_sifted=Count("pk", filter=Q(sifted__isnull=True)),
        )
        return {key: counts[key] or 0 for key in ("total", "overdue", "not_sifted")}

    def escalations() -> dict[str, int]:
        today = timezone.localdate()
        counts = dict.fromkeys(EscalationState.values, 0)
        counts.update(group_count(Escalation.objects.all(), "state"))
        counts["review_overdue"] = Escalation.objects.filter(
            state__in=OPEN_ESCALATION_STATES, review_due_on__lt=today
        ).count()
        counts["transfer_in_overdue"] = Escalation.objects.filter(
            state=EscalationState.CONFIRMED, transfer_due_on__lt=today
        ).count()
        return counts

    def transfers() -> dict[str, int]:
        counts = dict.fromkeys(TransferState.values, 0)
        counts.update(group_count(Transfer.objects.all(), "state"))
        counts["decision_overdue"] = Transfer.objects.filter(
            state=TransferState.REQUESTED, decision_due_on__lt=timezone.localdate()
        ).count()
        return counts

    def first_appointments() -> dict[str, int]:
        due = first_appointments_due(cases=Case.objects.all()).aggregate(
            waiting=Count("pk", filter=Q(is_overdue=False)),
            overdue=Count("pk", filter=Q(is_overdue=True)),
        )
        held = FirstAppointment.objects.filter(held_on__isnull=False)
        return {
            "held": held.count(),
            "held_late": held.filter(held_on__gt=F("due_on")).count(),
            "waiting": due["waiting"] or 0,
            "overdue": due["overdue"] or 0,
        }

    return [
        ("active_cases_by_organisation_kind", by_kind),
        ("active_cases_top_organisations", top_organisations),
        ("unallocated_cases", unallocated),
        ("escalations_by_state", escalations),
        ("transfers_by_state", transfers),
        ("sifts_by_trigger", lambda: group_count(SiftDecision.objects.all(), "trigger")),
        ("first_appointments", first_appointments),
    ]


_TIER_RANK: dict[str, int] = {tier: rank for rank, tier in enumerate(TIERS)}


def tier_order(tier: str) -> tuple[bool, int, str]:
    """A3, A2 … D0 (the rules' order), then the unsupervised (S) tiers in the same order, then
    anything else."""
    unsupervised = tier.endswith("S")
    rank = _TIER_RANK.get(tier[:-1] if unsupervised else tier)
    if rank is None:
        return (True, len(TIERS), tier)
    return (unsupervised, rank, "")


def _supervision_stats() -> list[tuple[str, StatFunction]]:
    """Supervision and enforcement (``docs/domain/enforcement.md``): contacts by outcome
    ("booked" for appointments still to come or to record), absences awaiting judgement and
    those past their 2 working days, warnings, breach referrals by state (and those made after
    their 10 working days), recalls by state and decision, and serious further offences by
    state, by organisation and by contract area."""
    from django.db.models import F
    from django.utils import timezone

    from probation.enforcement.models import (
        BreachReferral,
        Recall,
        SeriousFurtherOffence,
        WarningLetter,
    )
    from probation.supervision.models import Contact, Outcome

    def contacts_by_outcome() -> dict[str, int]:
        counts = dict.fromkeys(["booked", *Outcome.values], 0)
        counts.update(group_count(Contact.objects.all(), "outcome", empty="booked"))
        return {"total": sum(counts.values())} | counts

    def absences_awaiting_judgement() -> dict[str, int]:
        waiting = Contact.objects.filter(outcome=Outcome.AWAITING_JUDGEMENT)
        return {
            "waiting": waiting.count(),
            "overdue": waiting.filter(judgement_due_on__lt=timezone.localdate()).count(),
        }

    def breach_referrals() -> dict[str, int]:
        counts = group_count(BreachReferral.objects.all(), "state")
        late = BreachReferral.objects.filter(referred_at__date__gt=F("due_on")).count()
        return {"total": sum(counts.values())} | counts | {"referred_late": late}

    def recalls() -> dict[str, int]:
        by_state = group_count(Recall.objects.all(), "state")
        by_decision = group_count(Recall.objects.exclude(decision=""), "decision")
        return by_state | {f"decided_{key}": n for key, n in by_decision.items()}

    def sfos() -> dict[str, int]:
        counts = group_count(SeriousFurtherOffence.objects.all(), "state")
        late = SeriousFurtherOffence.objects.filter(
            notified_at__date__gt=F("notification_due_on")
        ).count()
        return {"total": sum(counts.values())} | counts | {"notified_late": late}

    return [
        ("contacts_by_outcome", contacts_by_outcome),
        ("absences_awaiting_judgement", absences_awaiting_judgement),
        ("warnings", lambda: WarningLetter.objects.count()),
        ("breach_referrals_by_state", breach_referrals),
        ("recalls", recalls),
        ("serious_further_offences", sfos),
        (
            "serious_further_offences_by_organisation",
            lambda: group_count(SeriousFurtherOffence.objects.all(), "organisation__code"),
        ),
        (
            "serious_further_offences_by_contract_area",
            lambda: group_count(SeriousFurtherOffence.objects.all(), "contract_area__code"),
        ),
    ]


def _performance_stats() -> list[tuple[str, StatFunction]]:
    """Payment by results (``docs/domain/reoffending-and-payment.md``): the proven offences held
    (by how they were proven, and the people they belong to), the contract areas with a baseline
    and the people in those baselines, the runs of each quarter (final, or provisional before the
    cohort's 18 months have passed), and how the areas came out in the latest final run on each
    measure (significantly improved, worse, no different, or not assessed)."""
    from probation.performance.models import (
        AreaResult,
        Baseline,
        Direction,
        PbrRun,
        ProvenOffence,
    )

    def proven_offences() -> dict[str, int]:
        by_proof = group_count(ProvenOffence.objects.all(), "proven_by")
        people = ProvenOffence.objects.values("person_id").distinct().count()
        return {"total": sum(by_proof.values())} | by_proof | {"people": people}

    def baselines() -> dict[str, int]:
        counts = Baseline.objects.aggregate(areas=Count("pk"), people=Sum("cohort_size"))
        return {"areas": counts["areas"] or 0, "people": counts["people"] or 0}

    def runs_by_quarter() -> dict[str, int]:
        rows = (
            PbrRun.objects.order_by()
            .values_list("quarter", "provisional")
            .annotate(n=Count("pk"))
            .order_by("quarter", "provisional")
        )
        return {
            f"{quarter} {'provisional' if provisional else 'final'}": n
            for quarter, provisional, n in rows
        }

    def latest_final_results() -> dict[str, int]:
        run = (
            PbrRun.objects.filter(provisional=False, finished_at__isnull=False)
            .order_by("-quarter", "-id")
            .first()
        )
        results = AreaResult.objects.filter(run=run)
        counts: dict[str, int] = {}
        for measure in ("binary", "frequency"):
            found = group_count(results, f"{measure}_direction")
            counts |= {f"{measure}_{d}": found.get(d, 0) for d in Direction.values}
        return counts

    return [
        ("proven_offences", proven_offences),
        ("baselines", baselines),
        ("pbr_runs_by_quarter", runs_by_quarter),
        ("pbr_latest_final_run_areas", latest_final_results),
    ]


def _monitoring_stats() -> list[tuple[str, StatFunction]]:
    """Electronic monitoring (``docs/domain/electronic-monitoring.md``): orders by status and by
    what they enforce, devices by state, alerts by kind and by state, people's statuses, and last
    month's device-days: billable by the ledger (its stored figure), and claimed, accepted and rejected by the latest
    claim of each provider."""
    import datetime as dt

    from django.db.models import Sum
    from django.utils import timezone

    from probation.monitoring.billing import billable_device_days
    from probation.monitoring.models import (
        Alert,
        AlertKind,
        AlertState,
        Device,
        DeviceState,
        EmOrder,
        LedgerMonth,
        OrderStatus,
        PersonStatus,
        ProviderClaim,
    )

    def orders() -> dict[str, int]:
        by_status = dict.fromkeys(OrderStatus.values, 0) | group_count(
            EmOrder.objects.all(), "status"
        )
        by_kind = group_count(EmOrder.objects.all(), "requirement__kind", empty="condition")
        return (
            {"total": sum(by_status.values())}
            | by_status
            | {f"for_{k}": n for k, n in by_kind.items()}
        )

    def devices() -> dict[str, int]:
        return dict.fromkeys(DeviceState.values, 0) | group_count(Device.objects.all(), "state")

    def alerts_by_kind() -> dict[str, int]:
        return dict.fromkeys(AlertKind.values, 0) | group_count(Alert.objects.all(), "kind")

    def alerts_by_state() -> dict[str, int]:
        return dict.fromkeys(AlertState.values, 0) | group_count(Alert.objects.all(), "state")

    def last_month_device_days() -> dict[str, int]:
        month = (timezone.localdate().replace(day=1) - dt.timedelta(days=1)).replace(day=1)
        latest: dict[int, ProviderClaim] = {}
        for claim in ProviderClaim.objects.filter(month=month).order_by("uploaded_at", "id"):
            latest[claim.provider_id] = claim
        stored = LedgerMonth.objects.filter(month=month).aggregate(days=Sum("billable_days"))
        # The ledger's stored figure (probation em ledger); judged here only if never stored.
        billable = stored["days"]
        return {
            "billable": billable_device_days(month=month) if billable is None else billable,
            "claimed": sum(c.days_claimed for c in latest.values()),
            "accepted": sum(c.days_accepted for c in latest.values()),
            "rejected": sum(c.days_rejected for c in latest.values()),
        }

    return [
        ("em_orders", orders),
        ("em_devices_by_state", devices),
        ("em_alerts_by_kind", alerts_by_kind),
        ("em_alerts_by_state", alerts_by_state),
        ("em_person_statuses", lambda: group_count(PersonStatus.objects.all(), "kind")),
        ("em_device_days_last_month", last_month_device_days),
    ]
