"""The demo world's staff: offices, teams and people in every organisation, sized to the caseload.

Practitioners are gathered into pools (by CRC area, by NPS division) that cases are assigned from,
weighted by available hours. Non-demo staff cannot sign in (unusable passwords); the demo sign-ins
share one password hash, computed once.
"""

from __future__ import annotations

import math
import random
from collections import Counter
from collections.abc import Callable, Sequence
from decimal import Decimal

from django.contrib.auth.hashers import make_password
from django.db import transaction

from probation.demo import data
from probation.demo.world import (
    BATCH_SIZE,
    CASES_PER_PRACTITIONER,
    CRC_CASELOAD,
    CRC_SHARE,
    DEMO_SIGNINS,
    NPS_CASELOAD,
    SURNAME,
    TEAM_SIZE,
    BuildContext,
    DemoError,
    Pool,
    SignInSpec,
    Staff,
    Weighted,
)
from probation.people.names import name_key
from probation.workforce.models import Office, RoleCode, Team, User

_HOURS = Weighted(
    {Decimal("37.0"): 76, Decimal("30.0"): 10, Decimal("22.5"): 9, Decimal("18.5"): 5}
)
_REDUCTIONS = Weighted(
    {Decimal("0.0"): 65, Decimal("1.8"): 15, Decimal("3.7"): 12, Decimal("7.4"): 8}
)


def _staff_name(rng: random.Random) -> tuple[str, str]:
    forenames = data.FEMALE_FORENAMES if rng.random() < 0.7 else data.MALE_FORENAMES
    return rng.choice(forenames), data.SURNAMES[SURNAME.pick(rng)]


class _StaffWriter:
    """Collects offices, teams and staff, then writes them in a few bulk inserts."""

    def __init__(self, ctx: BuildContext, rng: random.Random) -> None:
        self.ctx = ctx
        self.rng = rng
        self.offices: dict[tuple[str, str], Office] = {}
        self.teams: dict[tuple[str, str], Team] = {}
        self.team_office: dict[tuple[str, str], tuple[str, str]] = {}
        # (user, role codes, team key, office key, pool keys)
        self.users: list[tuple[User, tuple[str, ...], tuple[str, str] | None, list[str]]] = []
        self.usernames = set(User.objects.values_list("username", flat=True))
        self.hash_unusable = make_password(None)

    def office(self, org: str, name: str, area: str | None, division: str | None) -> str:
        key = (org, name)
        if key not in self.offices:
            self.offices[key] = Office(
                organisation=self.ctx.ref.organisations[org],
                name=name,
                contract_area=self.ctx.ref.areas[area] if area else None,
                division=self.ctx.ref.divisions.get(division) if division else None,
            )
        return name

    def team(self, org: str, name: str, office: str) -> tuple[str, str]:
        key = (org, name)
        if key not in self.teams:
            self.teams[key] = Team(organisation=self.ctx.ref.organisations[org], name=name)
            self.team_office[key] = (org, office)
        return key

    def _username(self, first: str, last: str) -> str:
        base = f"{name_key(first)}.{name_key(last)}"
        candidate, n = base, 1
        while candidate in self.usernames:
            n += 1
            candidate = f"{base}{n}"
        self.usernames.add(candidate)
        return candidate

    def person(
        self,
        org: str,
        *,
        roles: tuple[str, ...],
        grade: str = "",
        team: tuple[str, str] | None = None,
        pools: Sequence[str] = (),
        spec: SignInSpec | None = None,
        part_time: bool = True,
    ) -> User:
        rng = self.rng
        if spec is not None:
            first, last, username = spec.first_name, spec.last_name, spec.username
            if username in self.usernames:
                raise DemoError(
                    f"A user called {username!r} already exists and is not a demo sign-in: "
                    "rename that user, or build the demo in another database."
                )
            self.usernames.add(username)
        else:
            first, last = _staff_name(rng)
            username = self._username(first, last)
        hours = _HOURS.pick(rng) if part_time else Decimal("37.0")
        reduction = _REDUCTIONS.pick(rng) if part_time else Decimal("0.0")
        if grade == "PQiP":
            reduction = max(reduction, Decimal("7.4"))  # training time
        if grade == "SPO":
            hours, reduction = Decimal("37.0"), Decimal("0.0")
        if spec is not None and spec.username in ("practitioner", "nps.practitioner"):
            hours, reduction = Decimal("37.0"), Decimal("1.8")
        user = User(
            username=username,
            first_name=first,
            last_name=last,
            email=f"{username}@{data.DEMO_EMAIL_DOMAIN}",
            organisation=self.ctx.ref.organisations[org],
            grade=grade,
            contracted_hours=hours,
            reduction_hours=reduction,
            password=self.ctx.password_hash if spec is not None else self.hash_unusable,
            is_staff=RoleCode.ADMINISTRATOR in roles,
            is_superuser=RoleCode.ADMINISTRATOR in roles,
        )
        self.users.append((user, roles, team, list(pools)))
        return user

    def write(self, staff: Staff) -> None:
        Office.objects.bulk_create(list(self.offices.values()), batch_size=BATCH_SIZE)
        for key, team in self.teams.items():
            team.office = self.offices[self.team_office[key]]
        Team.objects.bulk_create(list(self.teams.values()), batch_size=BATCH_SIZE)
        for user, _, team_key, _ in self.users:
            if team_key is not None:
                user.team = self.teams[team_key]
                user.office = self.offices[self.team_office[team_key]]
        User.objects.bulk_create([u for u, *_ in self.users], batch_size=BATCH_SIZE)
        through = User.roles.through
        links = [
            through(user_id=user.pk, role_id=role)
            for user, roles, _, _ in self.users
            for role in roles
        ]
        through.objects.bulk_create(links, batch_size=BATCH_SIZE)
        managers: dict[tuple[str, str], int] = {
            team_key: user.pk
            for user, roles, team_key, _ in self.users
            if team_key is not None and RoleCode.ALLOCATING_MANAGER in roles
        }
        for user, _, team_key, pools in self.users:
            weight = float(user.contracted_hours - user.reduction_hours)
            for pool_key in pools:
                kind, _, group = pool_key.partition(":")
                target = {
                    "crc": staff.crc,
                    "crcq": staff.crc_qualified,
                    "crcpo": staff.crc_po,
                    "nps": staff.nps,
                    "npspo": staff.nps_po,
                    "court": staff.court,
                }[kind]
                target.setdefault(group, Pool()).add(user.pk, weight)
            if team_key in managers and managers[team_key] != user.pk:
                staff.manager_of[user.pk] = managers[team_key]
        staff.count = len(self.users)


def _crc_grade(rng: random.Random) -> str:
    roll = rng.random()
    return "PSO" if roll < 0.45 else "PO" if roll < 0.85 else "PQiP"


def _nps_grade(rng: random.Random) -> str:
    roll = rng.random()
    return "PO" if roll < 0.65 else "PSO" if roll < 0.85 else "PQiP"


def _practitioner_teams(
    writer: _StaffWriter,
    *,
    org: str,
    towns: Sequence[tuple[str, str | None, str | None]],  # office name, area, division
    team_label: str,
    count: int,
    grade: Callable[[random.Random], str],
    pool: Callable[[str, str | None, str | None], list[str]],
    first_member: SignInSpec | None = None,
    first_manager: SignInSpec | None = None,
) -> None:
    """``count`` practitioners in teams of up to eight, each with an SPO, spread over offices."""
    team_count = max(1, math.ceil(count / TEAM_SIZE))
    per_town: Counter[str] = Counter()
    made = 0
    for t in range(team_count):
        town, area, division = towns[t % len(towns)]
        office = writer.office(org, f"{town} office", area, division)
        per_town[town] += 1
        team = writer.team(org, f"{town} {team_label} {per_town[town]}", office)
        writer.person(
            org,
            roles=(RoleCode.ALLOCATING_MANAGER,),
            grade="SPO",
            team=team,
            spec=first_manager if t == 0 else None,
        )
        members = min(TEAM_SIZE, count - made)
        for _ in range(members):
            # The first practitioner of each organisation is a PO, so custody cases have someone.
            member_grade = "PO" if made == 0 else grade(writer.rng)
            writer.person(
                org,
                roles=(RoleCode.PRACTITIONER,),
                grade=member_grade,
                team=team,
                pools=pool(member_grade, area, division),
            )
            made += 1
        if t == 0 and first_member is not None:
            writer.person(
                org, roles=(RoleCode.PRACTITIONER,), grade="PO", team=team, spec=first_member
            )


def _crc_pools(grade: str, area: str | None, division: str | None) -> list[str]:
    """CRC practitioners take the area's cases; POs and PQiPs its custody and licence cases too,
    and POs the cases beyond a PSO's or PQiP's role boundary."""
    pools = [f"crc:{area}"]
    if grade in ("PO", "PQiP"):
        pools.append(f"crcq:{area}")
    if grade == "PO":
        pools.append(f"crcpo:{area}")
    return pools


def _nps_pools(grade: str, area: str | None, division: str | None) -> list[str]:
    """NPS practitioners take the NPS cases of their division; POs also those beyond a PSO's or
    PQiP's role boundary (high RoSH, MAPPA, sexual offences...)."""
    return [f"nps:{division}", f"npspo:{division}"] if grade == "PO" else [f"nps:{division}"]


def _crc_staff(
    writer: _StaffWriter, quota: dict[str, int], tagged: Counter[str], specs: dict[str, SignInSpec]
) -> None:
    """Each CRC: practitioners for its share of the area's cases (about 80% of them)."""
    for area_code, area_towns in data.TOWNS.items():
        org = f"CRC-{area_code}"
        cases = quota[area_code] * CRC_SHARE
        demo = area_code == "C08"
        if demo:
            cases = max(0.0, (quota[area_code] - tagged[CRC_CASELOAD]) * CRC_SHARE)
        count = max(2, round(cases / CASES_PER_PRACTITIONER))
        office_count = min(len(area_towns), max(1, math.ceil(count / (TEAM_SIZE * 2))))
        _practitioner_teams(
            writer,
            org=org,
            towns=[(town, area_code, None) for town, _ in area_towns[:office_count]],
            team_label="team",
            count=count,
            grade=_crc_grade,
            pool=_crc_pools,
            first_member=specs["practitioner"] if demo else None,
            first_manager=specs["manager"] if demo else None,
        )


def _nps_staff(
    writer: _StaffWriter, quota: dict[str, int], tagged: Counter[str], specs: dict[str, SignInSpec]
) -> None:
    """The NPS: per division, offender managers for about 20% of cases, court teams in every
    area, an enforcement team per division; and the administrator."""
    divisions: dict[str, list[str]] = {}
    for area_code, division in data.AREA_DIVISION.items():
        divisions.setdefault(division, []).append(area_code)
    for division, area_codes in sorted(divisions.items()):
        area_codes = sorted(area_codes, key=lambda c: (c != "C08", c))
        people = sum(quota[c] for c in area_codes)
        cases = people * (1 - CRC_SHARE)
        demo = division == "North West"
        if demo:
            cases = max(0.0, cases - tagged[NPS_CASELOAD])
        count = max(2, round(cases / CASES_PER_PRACTITIONER))
        towns = [(data.TOWNS[c][0][0], c, division) for c in area_codes]
        _practitioner_teams(
            writer,
            org="NPS",
            towns=towns,
            team_label="offender management team",
            count=count,
            grade=_nps_grade,
            pool=_nps_pools,
            first_member=specs["nps.practitioner"] if demo else None,
            first_manager=specs["nps.manager"] if demo else None,
        )
        _court_teams(writer, quota, specs, division=division, area_codes=area_codes)
        first_office = writer.office("NPS", f"{towns[0][0]} office", area_codes[0], division)
        team = writer.team("NPS", f"{division} enforcement team", first_office)
        for k in range(max(1, round(people / 5000))):
            writer.person(
                "NPS",
                roles=(RoleCode.ENFORCEMENT_OFFICER,),
                grade="PO",
                team=team,
                spec=specs["enforcement.officer"] if demo and k == 0 else None,
            )
    writer.person("NPS", roles=(RoleCode.ADMINISTRATOR,), spec=specs["admin"], part_time=False)


def _court_teams(
    writer: _StaffWriter,
    quota: dict[str, int],
    specs: dict[str, SignInSpec],
    *,
    division: str,
    area_codes: list[str],
) -> None:
    """An NPS court team in every area of the division, about one officer per 1,500 cases."""
    for area_code in area_codes:
        town = data.TOWNS[area_code][0][0]
        office = writer.office("NPS", f"{town} office", area_code, division)
        team = writer.team("NPS", f"{town} court team", office)
        for k in range(max(1, round(quota[area_code] / 1500))):
            writer.person(
                "NPS",
                roles=(RoleCode.COURT_OFFICER,),
                grade="PSO" if k % 3 else "PO",
                team=team,
                pools=[f"court:{area_code}"],
                spec=specs["court.officer"] if area_code == "C08" and k == 0 else None,
            )


def _monitoring_and_commissioner_staff(
    writer: _StaffWriter, people_total: int, specs: dict[str, SignInSpec]
) -> None:
    """The electronic monitoring provider's monitoring centre; the commissioner's contract
    managers (about one for every three areas) and auditors."""
    office = writer.office("EMS", "Monitoring centre", None, None)
    operators = max(3, people_total // 5000)
    for k in range(operators + 1):
        team = writer.team("EMS", f"Monitoring team {'ABCD'[k % 4]}", office)
        writer.person(
            "EMS",
            roles=(RoleCode.MONITORING_OPERATOR,),
            team=team,
            spec=specs["monitoring.operator"] if k == 0 else None,
        )
    office = writer.office("MOJ", "102 Petty France", None, None)
    team = writer.team("MOJ", "Contract management", office)
    for k in range(8):
        writer.person(
            "MOJ",
            roles=(RoleCode.CONTRACT_MANAGER,),
            team=team,
            spec=specs["contract.manager"] if k == 0 else None,
        )
    team = writer.team("MOJ", "Audit and assurance", office)
    for k in range(3):
        writer.person(
            "MOJ",
            roles=(RoleCode.AUDITOR,),
            team=team,
            spec=specs["auditor"] if k == 0 else None,
        )


def step_staff(ctx: BuildContext) -> None:
    """Offices, teams and staff in every organisation, sized to the caseload; the demo sign-ins."""
    rng = random.Random(f"{ctx.seed}:staff")
    writer = _StaffWriter(ctx, rng)
    specs = {spec.username: spec for spec in DEMO_SIGNINS}
    tagged = Counter(ctx.plan.tags.values())
    _crc_staff(writer, ctx.plan.quota, tagged, specs)
    _nps_staff(writer, ctx.plan.quota, tagged, specs)
    _monitoring_and_commissioner_staff(writer, ctx.people_total, specs)

    staff = Staff()
    with transaction.atomic():
        writer.write(staff)
    staff.demo = {u.username: u for u, *_ in writer.users if u.username in specs}
    ctx.staff = staff
    ctx.counts["staff"] += staff.count
    ctx.counts["offices"] += len(writer.offices)
    ctx.counts["teams"] += len(writer.teams)
