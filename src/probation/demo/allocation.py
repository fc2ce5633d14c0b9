"""Allocation in the demo world: every case arrives from court held by the NPS with no officer,
and the allocation machinery hands it on (docs/adr/0016-demo-allocation.md).

Chunk steps, in order, after the case's facts and risk are written:

* :func:`step_tiers` — the chunk's tiers (the sift's clocks count from the tier at the sift);
* :func:`step_sift` — :func:`probation.allocation.services.cases_sift` on the facts the profile
  decided (as the sift reads them from the record), backdated to the sentence (a community or
  suspended sentence order, and custody still served) or to the release (a released custodial
  sentence), by the system; a custodial case whose release sift is due now is left for the NPS's
  list of sifts before release;
* :func:`step_assign` — :func:`probation.allocation.services.cases_assign` by an allocating
  manager of each receiving organisation, to the officer the profile chose, some hours after the
  sift; the cases sentenced in the last three weeks that the profile left unallocated stay
  unassigned (the backlog, some of it past its assignment due date);
* :func:`step_first_appointments` — the first appointments held (most on time, some late, the
  recent ones not yet), and the assignments their officers have opened;
* :func:`step_closures` — the cases whose supervision ended are closed (they were allocated
  while active, as they would have been).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any, cast

from django.db import connection
from django.db.models import Field, Model
from django.utils import timezone

from probation.allocation.deadlines import release_sift_horizon
from probation.allocation.models import (
    Assignment,
    Escalation,
    FirstAppointment,
    SiftDecision,
    Transfer,
)
from probation.allocation.services import CaseToAssign, CaseToSift, cases_assign, cases_sift
from probation.core.audit import AuditAction, AuditRecord, audit_many
from probation.demo.world import BATCH_SIZE, BuildContext, Chunk, Profile
from probation.people.models import Case, CaseStatus
from probation.risk.batch import RecomputeReport, recompute_chunk
from probation.rules.allocation import AllocationFacts
from probation.rules.custody import CUSTODIAL_DISPOSALS
from probation.workforce.models import RoleCode, User

# A salt for the allocation's own draws (probation.demo.world.BuildContext.person_rng).
_SALT = 3
# The hour of the day the demo's backdated steps happen (London time).
_WORKING_HOUR = 10
# The share of first appointments held after their due day.
_LATE_APPOINTMENT_RATE = 0.08


def _at(day: dt.date, *, hours: int = 0) -> dt.datetime:
    """``day`` at the working hour, London time, plus ``hours``."""
    start = dt.datetime.combine(day, dt.time(_WORKING_HOUR))
    return timezone.make_aware(start) + dt.timedelta(hours=hours)


def latest_moment(ctx: BuildContext) -> dt.datetime:
    """The latest time a demo step happens: the end of the working day of ``as_of``, or now."""
    latest = ctx.extra.get("latest_moment")
    if latest is None:
        latest = ctx.extra["latest_moment"] = min(timezone.now(), _at(ctx.as_of, hours=8))
    return latest


def profile_facts(p: Profile) -> AllocationFacts:
    """The sift's facts of a demo person as :func:`probation.allocation.selectors.sift_facts`
    reads them from the record the demo writes: the assessment, a public-interest registration,
    the current address's area (none for no fixed abode) and the court's area."""
    return AllocationFacts(
        rosh=p.risk.rosh,
        home_contract_area=None if p.no_fixed_abode else p.area,
        court_contract_area=p.area,
        mappa_category=p.risk.mappa_category,
        rsr=p.risk.rsr,
        public_interest=p.risk.public_interest,
    )


def _sift_moment(ctx: BuildContext, p: Profile) -> tuple[str, dt.date, dt.date | None] | None:
    """The trigger, the day of the sift and the day supervision starts (the first appointment's
    clock), or None for a custodial case whose sift before release is due now (left to the NPS's
    list). Custody still being served was sifted at sentence, with no first appointment yet."""
    if p.disposal not in CUSTODIAL_DISPOSALS:
        return "sentence", p.sentence_date, p.sentence_date
    released = p.release_date
    if released is not None and released <= ctx.as_of:
        return "release", released, released
    horizon = ctx.extra.get("release_horizon")
    if horizon is None:
        horizon = ctx.extra["release_horizon"] = release_sift_horizon(ctx.as_of)
    if released is not None and p.status == CaseStatus.ACTIVE and released <= horizon:
        return None
    return "sentence", p.sentence_date, None


def update_rows(model: type[Model], rows: list[Any], fields: list[str]) -> None:
    """Write ``fields`` of ``rows`` (saved instances), each its own values: on PostgreSQL one
    ``UPDATE … FROM (VALUES …)`` per batch, where ``bulk_update``'s ``CASE`` of a branch per row
    made the build several times slower; elsewhere ``bulk_update``."""
    if not rows:
        return
    if connection.vendor != "postgresql":
        model._default_manager.bulk_update(rows, fields, batch_size=BATCH_SIZE)
        return
    meta = model._meta
    columns = [cast("Field[Any, Any]", meta.get_field(name)) for name in fields]
    quote = connection.ops.quote_name
    sets = ", ".join(
        f"{quote(f.column)} = v.{quote(f.column)}::{f.db_type(connection)}" for f in columns
    )
    names = ", ".join(quote(f.column) for f in columns)
    for start in range(0, len(rows), BATCH_SIZE):
        batch = rows[start : start + BATCH_SIZE]
        values = ", ".join(["(%s" + ", %s" * len(columns) + ")"] * len(batch))
        params: list[Any] = []
        for row in batch:
            params.append(row.pk)
            params += [f.get_db_prep_value(getattr(row, f.attname), connection) for f in columns]
        sql = (
            f"UPDATE {quote(meta.db_table)} AS t SET {sets} "  # noqa: S608 (names from the model)
            f"FROM (VALUES {values}) AS v(id, {names}) WHERE t.id = v.id::bigint"
        )
        with connection.cursor() as cursor:
            cursor.execute(sql, params)


def step_tiers(ctx: BuildContext, chunk: Chunk) -> None:
    """The chunk's tiers and their first history entries, by the bulk recompute (the system)."""
    if not chunk.cases:
        return
    report = RecomputeReport()
    recompute_chunk((chunk.cases[0].pk, chunk.cases[-1].pk), by_user=None, report=report)
    ctx.counts["tier_calculations"] += report.changed


def step_sift(ctx: BuildContext, chunk: Chunk) -> None:
    """Every case sifted by the machinery (the system, at court or before release), backdated."""
    tiers = dict(
        Case.objects.filter(id__gte=chunk.cases[0].pk, id__lte=chunk.cases[-1].pk).values_list(
            "id", "tier"
        )
    )
    sifts: list[CaseToSift] = []
    for p, case in zip(chunk.profiles, chunk.cases, strict=True):
        case.tier = tiers[case.pk]
        moment = _sift_moment(ctx, p)
        if moment is None:
            ctx.counts["release_sifts_due"] += 1
            continue
        trigger, day, starts_on = moment
        at = min(_at(day), latest_moment(ctx))
        sifts.append(CaseToSift(case, profile_facts(p), trigger, starts_on, at))
    made = cases_sift(sifts=sifts, by_user=None)
    chunk.extra["sifts"] = {sift.case_id: sift for sift in made}
    ctx.counts["sift_decisions"] += len(made)


def _managers(ctx: BuildContext) -> dict[int, User]:
    """An allocating manager of each organisation (the demo sign-ins for Merseyside CRC and the
    NPS), read once."""
    managers: dict[int, User] = ctx.extra.get("managers", {})
    if managers:
        return managers
    for user in (
        User.objects.filter(roles__code=RoleCode.ALLOCATING_MANAGER, is_active=True)
        .select_related("organisation")
        .order_by("pk")
    ):
        if user.organisation_id is not None:
            managers.setdefault(user.organisation_id, user)
    for username in ("manager", "nps.manager"):
        demo = ctx.staff.demo.get(username)
        if demo is not None and demo.organisation_id is not None:
            managers[demo.organisation_id] = User.objects.select_related("organisation").get(
                pk=demo.pk
            )
    ctx.extra["managers"] = managers
    return managers


def _officers(ctx: BuildContext) -> dict[int, User]:
    officers: dict[int, User] = ctx.extra.get("officers", {})
    if not officers:
        officers = ctx.extra["officers"] = User.objects.filter(
            roles__code=RoleCode.PRACTITIONER
        ).in_bulk()
    return officers


def step_assign(ctx: BuildContext, chunk: Chunk) -> None:
    """The officer the profile chose, assigned by a manager of the organisation the sift chose,
    a few working hours after the sift; the profile's unallocated cases wait (the backlog)."""
    sifts = chunk.extra["sifts"]
    officers = _officers(ctx)
    managers = _managers(ctx)
    by_organisation: dict[int, list[CaseToAssign]] = defaultdict(list)
    for p, case in zip(chunk.profiles, chunk.cases, strict=True):
        sift = sifts.get(case.pk)
        if p.officer_id is None or sift is None:
            continue
        rng = ctx.person_rng(p.index, _SALT)
        at = sift.decided_at + dt.timedelta(hours=rng.choice((1, 3, 5, 24, 26, 48, 72)))
        at = max(sift.decided_at, min(at, latest_moment(ctx)))
        by_organisation[sift.organisation_id].append(CaseToAssign(case, officers[p.officer_id], at))
    made: list[Assignment] = []
    for organisation_id, items in sorted(by_organisation.items()):
        made += cases_assign(assignments=items, by_user=managers[organisation_id])
    chunk.extra["assignments"] = made
    ctx.counts["assignments"] += len(made)


def _held_on(
    ctx: BuildContext, p: Profile, appointment: FirstAppointment, assignment: Assignment
) -> dt.datetime | None:
    """When the first appointment was held (and recorded): on or before its due day, some late,
    never before the officer was assigned, none after today (then it is still waiting, or
    overdue)."""
    rng = ctx.person_rng(p.index, _SALT + 1)
    assigned_at = assignment.assigned_at
    started = timezone.localdate(assigned_at)
    span = max(0, (appointment.due_on - started).days)
    held = started + dt.timedelta(days=rng.randint(0, span))
    if rng.random() < _LATE_APPOINTMENT_RATE:
        held = max(held, appointment.due_on) + dt.timedelta(days=rng.randint(1, 6))
    if held > ctx.as_of:
        return None
    recorded_at = max(_at(held, hours=6), assigned_at + dt.timedelta(hours=2))
    return recorded_at if recorded_at <= latest_moment(ctx) else None


def step_first_appointments(ctx: BuildContext, chunk: Chunk) -> None:
    """The first appointments held by the assigned officers, and the assignments they opened.

    Demo only: written in bulk, each with the audit event its service writes
    (``first_appointment_record``, ``allocation_seen``), rather than a service call per case.
    """
    assignments = {row.case_id: row for row in chunk.extra.get("assignments", [])}
    appointments = FirstAppointment.objects.filter(
        case_id__gte=chunk.cases[0].pk, case_id__lte=chunk.cases[-1].pk
    )
    held: list[FirstAppointment] = []
    events: list[AuditRecord] = []
    by_case = {a.case_id: a for a in appointments}
    for p, case in zip(chunk.profiles, chunk.cases, strict=True):
        assignment = assignments.get(case.pk)
        appointment = by_case.get(case.pk)
        if assignment is None or appointment is None:
            continue
        recorded_at = _held_on(ctx, p, appointment, assignment)
        if recorded_at is None:
            continue
        day = timezone.localdate(recorded_at)
        appointment.held_on = day
        appointment.recorded_by_id = assignment.officer_id
        appointment.recorded_at = recorded_at
        held.append(appointment)
        events.append(
            AuditRecord(
                action=AuditAction.FIRST_APPOINTMENT_RECORDED,
                actor=assignment.officer,
                subject_type=FirstAppointment._meta.label,
                subject_id=str(appointment.pk),
                crn=p.crn,
                before={"held_on": None},
                after={"held_on": day.isoformat()},
                details={"due_on": appointment.due_on, "late": day > appointment.due_on},
            )
        )
    update_rows(FirstAppointment, held, ["held_on", "recorded_by", "recorded_at"])
    ctx.counts["first_appointments_held"] += len(held)
    events += _assignments_seen(ctx, chunk, list(assignments.values()))
    audit_many(events)


def _assignments_seen(
    ctx: BuildContext, chunk: Chunk, assignments: list[Assignment]
) -> list[AuditRecord]:
    """Every assignment but those of the last day opened by its officer (``allocation_seen``)."""
    crns = {case.pk: p.crn for p, case in zip(chunk.profiles, chunk.cases, strict=True)}
    recent = _at(ctx.as_of) - dt.timedelta(days=1)
    seen = [a for a in assignments if a.assigned_at < recent]
    events = []
    for assignment in seen:
        assignment.seen_at = assignment.assigned_at + dt.timedelta(hours=2)
        events.append(
            AuditRecord(
                action=AuditAction.ALLOCATION_SEEN,
                actor=assignment.officer,
                subject_type=Assignment._meta.label,
                subject_id=str(assignment.pk),
                crn=crns[assignment.case_id],
                details={"assigned_at": assignment.assigned_at.isoformat()},
            )
        )
    update_rows(Assignment, seen, ["seen_at"])
    return events


def step_closures(ctx: BuildContext, chunk: Chunk) -> None:
    """The cases whose supervision has ended, closed (after they were allocated)."""
    closed: list[Case] = []
    for p, case in zip(chunk.profiles, chunk.cases, strict=True):
        if p.status != CaseStatus.ACTIVE:
            case.status = p.status
            case.closed_on = p.closed_on
            closed.append(case)
    update_rows(Case, closed, ["status", "closed_on"])


ALLOCATION_MODELS: tuple[type[Model], ...] = (
    FirstAppointment,
    Assignment,
    SiftDecision,
    Escalation,
    Transfer,
)
