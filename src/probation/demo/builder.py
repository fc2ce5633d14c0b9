"""The demo world: staff in every organisation and a caseload of synthetic people on probation.

``build_world(people=3000, seed=2014)`` fills an empty (migrated) database. The world is
deterministic for a seed and a reference date (``as_of``): the same CRNs, names and dates every
time. People are generated and written in chunks (a transaction each), so a national-scale world of
250,000 people never sits in memory at once.

The build is a list of ordered steps over a shared :class:`BuildContext`:

* ``SETUP_STEPS`` run once first (reference data, staff, the plan of who lives where);
* ``CHUNK_STEPS`` run for every chunk of people, inside the chunk's transaction: the first makes a
  :class:`Profile` per person (every random decision), the others write rows from the profiles;
* ``FINISH_STEPS`` run once at the end (search name keys, a few escalations and transfers
  through the per-case services, the ``demo.built`` audit event).

Risk (:mod:`probation.demo.risk`) writes each case's assessment and registrations in a chunk step.
Allocation (:mod:`probation.demo.allocation`) follows in the same chunk: each case arrives from
court held by the NPS with no officer, its tier is computed, the allocation machinery sifts it and
a manager assigns it (but the backlog), then the cases that ended are closed and access lists
written. :mod:`probation.demo.escalations` adds escalations and transfers in every state at the
end. Electronic monitoring (:mod:`probation.demo.monitoring`) adds orders, devices, a day of
telemetry and its alerts in a chunk step, and spare devices, alerts in every state and last
month's reconciled claim at the end. A later capability adds its
own step with :func:`add_step`, reading ``chunk.profiles``, ``chunk.cases`` and
``chunk.sentences``, and a :func:`add_reset_step` that empties its tables before the case data is
deleted.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.contrib.auth.hashers import make_password
from django.db import connection, transaction
from django.db.models import Model
from django.utils import timezone

from probation.contracts.models import ContractArea
from probation.core.audit import AuditAction, AuditRecord, audit_many
from probation.core.database import migrate_schema
from probation.core.models import AuditEvent
from probation.courts.models import (
    ChargedOffence,
    Court,
    CourtEvent,
    Offence,
    PreviousSanction,
    Requirement,
    Sentence,
)
from probation.demo import data
from probation.demo.allocation import (
    ALLOCATION_MODELS,
    step_assign,
    step_closures,
    step_first_appointments,
    step_sift,
    step_tiers,
)
from probation.demo.enforcement import step_enforcement_journeys
from probation.demo.escalations import step_escalations_and_transfers
from probation.demo.hearings import step_todays_hearings
from probation.demo.monitoring import reset_monitoring, step_em_finish, step_em_orders
from probation.demo.profiles import make_profile, step_plan
from probation.demo.reoffending import reset_performance, step_pbr_runs, step_proven_offences
from probation.demo.risk import step_risk
from probation.demo.second_factor import needs_code, step_second_factors
from probation.demo.staff import step_staff
from probation.demo.supervision import SUPERVISION_MODELS, step_contacts
from probation.demo.world import (
    BATCH_SIZE,
    CHUNK_SIZE,
    DEFAULT_PEOPLE,
    DEFAULT_SEED,
    DEMO_SIGNINS,
    DEMO_USERNAMES,
    BuildContext,
    Chunk,
    ChunkStep,
    DemoError,
    Progress,
    Reference,
    WorldStep,
)
from probation.people.models import Address, Alias, Case, CaseAccess, CaseStatus, NameKey, Person
from probation.people.names import name_key
from probation.people.search_index import name_keys_register
from probation.risk.models import Assessment, Registration, TierCalculation
from probation.workforce.models import Division, Office, Organisation, Role, Team, User

AUDIT_ACTOR_LABEL = "probation demo"
DEMO_ACTION = AuditAction.DEMO_BUILT


@dataclass(frozen=True)
class SignIn:
    """A demo account as printed for the user: all share :data:`data.DEMO_PASSWORD`."""

    username: str
    password: str
    role: str
    organisation: str
    description: str
    needs_code: bool = False


def demo_signins() -> list[SignIn]:
    """The demo sign-ins that exist in the database, in the order of :data:`DEMO_SIGNINS`."""
    users = {
        u.username: u
        for u in User.objects.filter(username__in=DEMO_USERNAMES).select_related("organisation")
    }
    roles = dict(Role.objects.values_list("code", "name"))
    return [
        SignIn(
            username=spec.username,
            password=data.DEMO_PASSWORD,
            role=roles.get(spec.role, spec.role),
            organisation=str(users[spec.username].organisation),
            description=spec.description,
            needs_code=needs_code(users[spec.username]),
        )
        for spec in DEMO_SIGNINS
        if spec.username in users
    ]


@dataclass
class BuildResult:
    signins: list[SignIn]
    counts: dict[str, int]
    seconds: float
    as_of: dt.date


# --- Setup steps ------------------------------------------------------------------------------


def step_reference(ctx: BuildContext) -> None:
    """Read the reference data the migrations loaded."""
    magistrates: dict[str, list[int]] = {}
    crown: dict[str, list[int]] = {}
    for court_id, code, area_code in Court.objects.order_by("code").values_list(
        "id", "code", "contract_area__code"
    ):
        (crown if code.endswith("CC") else magistrates).setdefault(area_code, []).append(court_id)
    offences: dict[str, list[tuple[int, str]]] = {}
    for offence_id, category, description in Offence.objects.order_by("code").values_list(
        "id", "ogrs3_category", "description"
    ):
        offences.setdefault(category, []).append((offence_id, description))
    ctx.ref = Reference(
        areas={a.code: a for a in ContractArea.objects.all()},
        organisations={o.code: o for o in Organisation.objects.all()},
        divisions={d.name: d for d in Division.objects.all()},
        roles={r.code: r for r in Role.objects.all()},
        magistrates=magistrates,
        crown=crown,
        offences=offences,
    )
    missing = [code for code in data.TOWNS if code not in ctx.ref.areas]
    missing += [
        f"an offence in category {category}"
        for category in data.CURRENT_OFFENCE_WEIGHTS.keys() | data.HISTORY_OFFENCE_WEIGHTS.keys()
        if category not in offences
    ]
    if missing or not magistrates:
        raise DemoError(
            "Reference data is missing (" + ", ".join(sorted(missing)) + "): "
            "run the migrations first (probation demo does)."
        )
    for area_code in data.TOWNS:
        magistrates.setdefault(area_code, crown.get(area_code, []))
        crown.setdefault(area_code, magistrates[area_code])


# --- Chunk steps ------------------------------------------------------------------------------


def _bulk(model: type[Model], rows: list[Any]) -> list[Any]:
    """Insert ``rows``; they come back with their primary keys (PostgreSQL, SQLite 3.35+)."""
    return model._default_manager.bulk_create(rows, batch_size=BATCH_SIZE)


def step_profiles(ctx: BuildContext, chunk: Chunk) -> None:
    chunk.profiles = [make_profile(ctx, i) for i in range(chunk.start, chunk.stop)]


def step_people(ctx: BuildContext, chunk: Chunk) -> None:
    people = [
        Person(
            crn=p.crn,
            pnc_number=p.pnc_number,
            forename=p.forename,
            middle_names=p.middle_names,
            surname=p.surname,
            date_of_birth=p.date_of_birth,
            sex=p.sex,
            no_fixed_abode=p.no_fixed_abode,
            forename_key=name_key(p.forename),
            surname_key=name_key(p.surname),
        )
        for p in chunk.profiles
    ]
    chunk.people = _bulk(Person, people)
    ctx.counts["people"] += len(people)
    for p in chunk.profiles:
        ctx.names.update((p.forename, p.surname))
        ctx.names.update(p.middle_names.split())


def step_addresses_and_aliases(ctx: BuildContext, chunk: Chunk) -> None:
    areas = ctx.ref.areas
    addresses = [
        Address(
            person=person,
            line_1=a.line_1,
            town=a.town,
            postcode=a.postcode,
            contract_area=areas[p.area],
            is_main=a.is_main,
            starts_on=a.starts_on,
            ends_on=a.ends_on,
        )
        for p, person in zip(chunk.profiles, chunk.people, strict=True)
        for a in p.addresses
    ]
    aliases = [
        Alias(
            person=person,
            forename=forename,
            surname=surname,
            date_of_birth=dob,
            surname_key=name_key(surname),
        )
        for p, person in zip(chunk.profiles, chunk.people, strict=True)
        for forename, surname, dob in p.aliases
    ]
    _bulk(Address, addresses)
    _bulk(Alias, aliases)
    for alias in aliases:
        ctx.names.update((alias.forename, alias.surname))
    ctx.counts["addresses"] += len(addresses)
    ctx.counts["aliases"] += len(aliases)


def step_cases(ctx: BuildContext, chunk: Chunk) -> None:
    """Each case as it arrives from court: active, held by the NPS with no officer, in the court's
    area. The allocation steps (:mod:`probation.demo.allocation`) hand it on; it is closed and
    its access list written after that."""
    nps = ctx.ref.organisations["NPS"]
    areas = ctx.ref.areas
    cases = [
        Case(
            person=person,
            status=CaseStatus.ACTIVE,
            responsible_organisation=nps,
            responsible_officer=None,
            contract_area=areas[p.area],
            opened_on=p.sentence_date,
        )
        for p, person in zip(chunk.profiles, chunk.people, strict=True)
    ]
    chunk.cases = _bulk(Case, cases)
    ctx.counts["cases"] += len(cases)


def step_history(ctx: BuildContext, chunk: Chunk) -> None:
    sanctions = [
        PreviousSanction(
            case=case,
            sanction_date=when,
            kind=kind,
            offence_category=category,
            description=description,
        )
        for p, case in zip(chunk.profiles, chunk.cases, strict=True)
        for when, kind, category, description in p.sanctions
    ]
    _bulk(PreviousSanction, sanctions)
    ctx.counts["previous_sanctions"] += len(sanctions)


def step_court_and_sentences(ctx: BuildContext, chunk: Chunk) -> None:
    events = [
        CourtEvent(
            case=case,
            court_id=p.court_id,
            hearing_date=p.hearing_date,
            conviction_date=p.conviction_date,
        )
        for p, case in zip(chunk.profiles, chunk.cases, strict=True)
    ]
    chunk.court_events = _bulk(CourtEvent, events)
    charged = [
        ChargedOffence(court_event=event, offence_id=offence_id, offence_date=when, is_main=main)
        for p, event in zip(chunk.profiles, chunk.court_events, strict=True)
        for offence_id, when, main in p.offences
    ]
    _bulk(ChargedOffence, charged)
    sentences = [
        Sentence(
            case=case,
            court_event=event,
            disposal=p.disposal,
            sentence_date=p.sentence_date,
            length_days=p.length_days,
            suspended_for_days=p.suspended_for_days,
            status=p.sentence_status,
            expected_end_date=p.expected_end_date,
            release_date=p.release_date,
            sentence_expiry_date=p.sentence_expiry_date,
            licence_end=p.licence_end,
            supervision_end=p.supervision_end,
            remand_days=p.remand_days,
            date_reasons=p.date_reasons,
        )
        for p, case, event in zip(chunk.profiles, chunk.cases, chunk.court_events, strict=True)
    ]
    chunk.sentences = _bulk(Sentence, sentences)
    requirements = [
        Requirement(
            sentence=sentence,
            kind=r.kind,
            amount=r.amount,
            detail=r.detail,
            starts_on=r.starts_on,
            ends_on=r.ends_on,
        )
        for p, sentence in zip(chunk.profiles, chunk.sentences, strict=True)
        for r in p.requirements
    ]
    _bulk(Requirement, requirements)
    ctx.counts["court_events"] += len(events)
    ctx.counts["charged_offences"] += len(charged)
    ctx.counts["sentences"] += len(sentences)
    ctx.counts["requirements"] += len(requirements)


def step_case_access(ctx: BuildContext, chunk: Chunk) -> None:
    entries = [
        CaseAccess(case=case, user_id=user_id, kind=kind, reason=reason)
        for p, case in zip(chunk.profiles, chunk.cases, strict=True)
        for user_id, kind, reason in p.access
    ]
    _bulk(CaseAccess, entries)
    restricted = [
        case.pk for p, case in zip(chunk.profiles, chunk.cases, strict=True) if p.restricted
    ]
    Case.objects.filter(pk__in=restricted).update(restricted=True)
    ctx.counts["case_access_entries"] += len(entries)


# --- Finish steps -----------------------------------------------------------------------------


def step_name_keys(ctx: BuildContext) -> None:
    """Search keys once for all the distinct names used (a few hundred, however many people)."""
    ctx.counts["name_keys"] += name_keys_register(sorted(ctx.names))


def step_audit(ctx: BuildContext) -> None:
    audit_many(
        [
            AuditRecord(
                action=DEMO_ACTION,
                actor_label=AUDIT_ACTOR_LABEL,
                details={
                    "seed": ctx.seed,
                    "people": ctx.people_total,
                    "as_of": ctx.as_of,
                    "practitioner_id": ctx.staff.demo["practitioner"].pk,
                    "counts": dict(sorted(ctx.counts.items())),
                },
            )
        ]
    )


SETUP_STEPS: list[WorldStep] = [step_reference, step_plan, step_staff, step_second_factors]
CHUNK_STEPS: list[ChunkStep] = [
    step_profiles,
    step_people,
    step_addresses_and_aliases,
    step_cases,
    step_history,
    step_court_and_sentences,
    step_risk,
    step_tiers,
    step_sift,
    step_assign,
    step_first_appointments,
    step_closures,
    step_contacts,
    step_em_orders,
    step_case_access,
]


def step_analyze(ctx: BuildContext) -> None:
    """Fresh planner statistics: after a bulk load PostgreSQL's estimates are off until
    autovacuum gets round to it, and searches pick sequential scans meanwhile."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


FINISH_STEPS: list[WorldStep] = [
    step_name_keys,
    step_escalations_and_transfers,
    step_enforcement_journeys,
    step_todays_hearings,
    step_proven_offences,
    step_pbr_runs,
    step_em_finish,
    step_audit,
    step_analyze,
]


def reset_risk() -> None:
    for model in (TierCalculation, Registration, Assessment):
        _delete_all(model)


def reset_supervision() -> None:
    for model in SUPERVISION_MODELS:
        _delete_all(model)


def reset_allocation() -> None:
    for model in ALLOCATION_MODELS:
        _delete_all(model)


# Run first by reset_world(): later capabilities empty their own tables here.
RESET_STEPS: list[Callable[[], None]] = [
    reset_monitoring,
    reset_performance,
    reset_supervision,
    reset_allocation,
    reset_risk,
]


def add_step(
    step: Any,
    *,
    phase: Literal["setup", "chunk", "finish"] = "chunk",
    after: Any = None,
) -> None:
    """Add a build step (idempotent), at the end of its phase or just after ``after``."""
    steps: list[Any]
    if phase == "setup":
        steps = SETUP_STEPS
    elif phase == "finish":
        steps = FINISH_STEPS
    else:
        steps = CHUNK_STEPS
    if step in steps:
        return
    steps.insert(steps.index(after) + 1 if after is not None else len(steps), step)


def add_reset_step(step: Callable[[], None]) -> None:
    if step not in RESET_STEPS:
        RESET_STEPS.append(step)


# --- The whole world --------------------------------------------------------------------------

WorldState = Literal["none", "complete", "incomplete"]


def ensure_schema() -> None:
    """Apply migrations, so that the demo works on an empty database."""
    migrate_schema()


def world_state() -> WorldState:
    """Whether a demo world exists, and whether its build finished."""
    practitioner = (
        User.objects.filter(username="practitioner", email__endswith=f"@{data.DEMO_EMAIL_DOMAIN}")
        .values_list("pk", flat=True)
        .first()
    )
    if practitioner is None:
        return "none"
    finished = AuditEvent.objects.filter(
        action=DEMO_ACTION, details__practitioner_id=practitioner
    ).exists()
    return "complete" if finished else "incomplete"


def _delete_all(model: type[Model]) -> None:
    """Empty a table in one statement, without loading its rows (the tables are large)."""
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {connection.ops.quote_name(model._meta.db_table)}")  # noqa: S608


@transaction.atomic
def reset_world() -> dict[str, int]:
    """Delete all case data and the demo's staff (and their unused teams and offices).

    Demo staff who appear in the audit trail are kept (the trail is append-only and points at
    them) but renamed, deactivated and taken out of their teams.
    """
    for step in RESET_STEPS:
        step()
    removed = {"people": Person.objects.count()}
    for model in (
        CaseAccess,
        Requirement,
        Sentence,
        ChargedOffence,
        CourtEvent,
        PreviousSanction,
        Case,
        Alias,
        Address,
        Person,
        NameKey,
    ):
        _delete_all(model)
    demo_staff = User.objects.filter(email__endswith=f"@{data.DEMO_EMAIL_DOMAIN}")
    audited = set(
        AuditEvent.objects.filter(actor__in=demo_staff).values_list("actor_id", flat=True)
    )
    deletable = demo_staff.exclude(pk__in=audited)
    removed["staff"] = deletable.count()
    deletable.delete()
    for user in User.objects.filter(pk__in=audited, is_active=True):
        user.username = f"retired-{user.pk}-{user.username}"[:150]
        user.is_active = False
        user.team = None
        user.office = None
        user.set_unusable_password()
        user.save()
        user.roles.clear()
    Team.objects.filter(members__isnull=True).delete()
    Office.objects.filter(user__isnull=True, team__isnull=True).delete()
    return removed


def _check_can_build(people: int) -> None:
    """Refuse, saying why, a build that cannot work or would mix with existing case data."""
    if people < 1:
        raise DemoError("Build at least one person.")
    if world_state() != "none":
        raise DemoError("A demo world already exists: run probation demo --reset to rebuild it.")
    if Person.objects.exists():
        raise DemoError(
            "The database already holds people who are not a demo world; "
            "probation demo --reset deletes all case data first."
        )
    if not connection.features.can_return_rows_from_bulk_insert:
        raise DemoError("The demo needs PostgreSQL or SQLite 3.35+ (bulk insert returning keys).")


def _build_people(ctx: BuildContext) -> None:
    """The chunk steps over every chunk of people, a transaction each, reporting progress."""
    people, chunk_size = ctx.people_total, ctx.chunk_size
    if ctx.phase:
        ctx.phase(f"Building a demo world of {people:,} people")
    if ctx.progress:
        ctx.progress(0, people)
    for number, start in enumerate(range(0, people, chunk_size)):
        chunk = Chunk(index=number, start=start, stop=min(people, start + chunk_size))
        with transaction.atomic():
            for step in CHUNK_STEPS:
                step(ctx, chunk)
        if ctx.progress:
            ctx.progress(chunk.stop, people)


def build_world(
    *,
    people: int = DEFAULT_PEOPLE,
    seed: int = DEFAULT_SEED,
    as_of: dt.date | None = None,
    chunk_size: int = CHUNK_SIZE,
    progress: Progress | None = None,
    phase: Callable[[str], None] | None = None,
) -> BuildResult:
    """Build the demo world into a migrated database that holds no case data.

    ``as_of`` is the world's "today" (default: today): all dates are relative to it, so the same
    seed and ``as_of`` give the same world. ``phase`` is told what is happening before each slow
    part (people, then tiers) and ``progress(done, total)`` how far it has got.
    """
    _check_can_build(people)
    started = time.perf_counter()
    ctx = BuildContext(
        seed=seed,
        people_total=people,
        as_of=as_of or timezone.localdate(),
        chunk_size=chunk_size,
        password_hash=make_password(data.DEMO_PASSWORD),
        phase=phase,
        progress=progress,
    )
    for setup in SETUP_STEPS:
        setup(ctx)
    _build_people(ctx)
    with transaction.atomic():
        for finish in FINISH_STEPS:
            finish(ctx)
    return BuildResult(
        signins=demo_signins(),
        counts=dict(sorted(ctx.counts.items())),
        seconds=time.perf_counter() - started,
        as_of=ctx.as_of,
    )


@dataclass
class DemoOutcome:
    """What ``probation demo`` did: built a world, or found one already there."""

    state: WorldState
    built: BuildResult | None
    removed: dict[str, int] | None
    signins: list[SignIn]
    people: int


def run_demo(
    *,
    people: int = DEFAULT_PEOPLE,
    seed: int = DEFAULT_SEED,
    reset: bool = False,
    as_of: dt.date | None = None,
    progress: Progress | None = None,
    phase: Callable[[str], None] | None = None,
) -> DemoOutcome:
    """Migrate, optionally reset, then build the world unless a finished one is already there.

    Idempotent: run twice, the second run builds nothing and returns the sign-ins. ``phase`` is
    told what is happening before each slow part; ``progress`` how many people are built.
    """
    say = phase or (lambda message: None)
    say("Applying database migrations")
    ensure_schema()
    removed = None
    if reset:
        say("Deleting case data and demo staff")
        removed = reset_world()
    state = world_state()
    if state == "incomplete":
        raise DemoError(
            "A demo world was found whose build did not finish: run probation demo --reset."
        )
    built = None
    if state == "none":
        built = build_world(people=people, seed=seed, as_of=as_of, progress=progress, phase=phase)
    return DemoOutcome(
        state=state,
        built=built,
        removed=removed,
        signins=demo_signins(),
        people=Person.objects.count(),
    )
