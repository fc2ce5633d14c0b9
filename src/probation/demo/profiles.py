"""The person model of the demo world: where people live and every random decision about them.

:func:`make_profile` decides everything about one person from that person's own generator, so the
world is the same whatever the chunk size. It is a sequence of small builders, one per concern
(identity, sentence, dates, court event, history, addresses, aliases, risk and accountability,
requirements, access lists), each drawing from the generator in turn: the order of the draws is
the world, so a builder must not be moved or made to draw differently. Calendar arithmetic and
custody dates are the rules' (:mod:`probation.rules.dates`, :mod:`probation.rules.custody`).
Weights and mixes are in :mod:`probation.demo.data`.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Callable
from dataclasses import dataclass

from probation.core.identifiers import format_pnc
from probation.demo import data
from probation.demo.risk import RiskDraft, make_risk
from probation.demo.world import (
    ALIAS_RATE,
    CLOSED_RATE,
    CRC_CASELOAD,
    CRC_EXCLUDED,
    CRC_RESTRICTED,
    CRC_TAGS,
    CRC_UNALLOCATED,
    FEMALE_RATE,
    NO_FIXED_ABODE_RATE,
    NPS_CASELOAD,
    NPS_RESTRICTED,
    NPS_TAGS,
    REMAND_RATE,
    SURNAME,
    UNALLOCATED_RATE,
    AddressDraft,
    BuildContext,
    DemoError,
    Plan,
    Profile,
    RequirementDraft,
    Staff,
    Weighted,
    days,
    months_to_days,
    zipf,
)
from probation.people.models import AccessKind
from probation.rules.allocation import AllocationFacts, decide
from probation.rules.custody import (
    ADULT_AGE,
    CUSTODIAL_DISPOSALS,
    DISPOSALS_WITH_REQUIREMENTS,
    EXTENDED_OR_INDETERMINATE,
    INDETERMINATE_REASON,
    TWELVE_MONTHS_DAYS,
    TWO_YEARS_DAYS,
    CustodyFacts,
    custody_dates,
    halfway_days,
)
from probation.rules.dates import add_months
from probation.rules.ogrs3 import MINIMUM_SANCTION_AGE

# Letters that start demo CRNs (the test factories use T): the number is a scramble of the index.
_CRN_LETTERS = "DEFGHJKLMNPRSUVWYZ"
_ONE_DAY = dt.timedelta(days=1)
# People move into their current address no younger than this.
_ADDRESS_MIN_AGE = 16

_MALE = Weighted(zipf(len(data.MALE_FORENAMES), 15.0))
_FEMALE = Weighted(zipf(len(data.FEMALE_FORENAMES), 15.0))
_CURRENT = Weighted(data.CURRENT_OFFENCE_WEIGHTS)
_CURRENT_FEMALE = Weighted(
    {
        k: w
        * {"sexual_not_child": 0.05, "sexual_child": 0.1, "theft": 2.2, "fraud": 1.8}.get(
            k, 5.0 if k == "soliciting" else 1.0
        )
        for k, w in data.CURRENT_OFFENCE_WEIGHTS.items()
    }
)
_CURRENT_NON_SEXUAL = Weighted(
    {k: w for k, w in data.CURRENT_OFFENCE_WEIGHTS.items() if k not in data.SEXUAL_CATEGORIES}
)
_HISTORY = Weighted(data.HISTORY_OFFENCE_WEIGHTS)
_DISPOSAL = Weighted(data.DISPOSAL_WEIGHTS)
_CUSTODY_MONTHS = Weighted(dict(data.CUSTODY_MONTHS))
_SHORT_CUSTODY_MONTHS = Weighted({k: v for k, v in data.CUSTODY_MONTHS.items() if k < 48})
_UNPAID_WORK = Weighted(dict(data.UNPAID_WORK_HOURS))


def _years_on(day: dt.date, years: int) -> dt.date:
    """``day`` moved by whole calendar years (29 February becomes 28 February)."""
    return add_months(day, 12 * years)


def _custody_span(length_days: int, remand_days: int, *, extended: bool) -> int:
    """Days from sentence to the end of supervision (licence, then post-sentence supervision),
    estimated the way :mod:`probation.rules.custody` counts (release at the halfway point,
    supervision to release + 12 months for a sentence under 2 years), to place the sentence in
    time. The rules have the last word once the dates are known (:func:`_custody_dates`)."""
    release = max(0, halfway_days(length_days) - 1 - remand_days)
    end = length_days - 1
    if not extended and 1 < length_days < TWO_YEARS_DAYS:
        end = max(end, release + TWELVE_MONTHS_DAYS)
    return end + 1


def _crn(index: int) -> str:
    letter = _CRN_LETTERS[index // 1_000_000]
    return f"{letter}{(index * 7919 + 104729) % 1_000_000:06d}"


def _pnc_serial(index: int) -> int:
    # A bijection on 0..9,999,999 (7907 is coprime with 10): unique for every index below 10^7.
    return (index * 7907 + 31337) % 10_000_000


# --- The plan -----------------------------------------------------------------------------------


def share_out(n: int, weights: dict[str, int]) -> dict[str, int]:
    """``n`` shared in proportion to ``weights``, in whole numbers (largest remainder)."""
    total = sum(weights.values()) or 1
    exact = {code: n * weight / total for code, weight in weights.items()}
    quota = {code: int(value) for code, value in exact.items()}
    by_remainder = sorted(exact, key=lambda code: (quota[code] - exact[code], code))
    for code in by_remainder[: n - sum(quota.values())]:
        quota[code] += 1
    return quota


def step_plan(ctx: BuildContext) -> None:
    """Spread people over the areas in proportion to their caseload weight, exactly (largest
    remainder), shuffled; then tag the few people with a part in the demonstration."""
    n = ctx.people_total
    rng = ctx.rng
    crc_caseload = rng.randint(32, 42)
    nps_caseload = rng.randint(20, 28)
    weights = {a.code: a.caseload_weight for a in ctx.ref.areas.values()}
    quota = share_out(n, weights)
    # Merseyside must hold the demo practitioner's caseload and the demo cases around it; in a
    # small world it gets them and the other areas share the rest in proportion.
    needed = crc_caseload + 5
    if quota["C08"] < needed:
        if n < needed:
            raise DemoError(f"Build at least {needed} people, for the demo caseloads.")
        others = {code: weight for code, weight in weights.items() if code != "C08"}
        quota = share_out(n - needed, others) | {"C08": needed}
    plan_areas = [code for code in sorted(quota) for _ in range(quota[code])]
    rng.shuffle(plan_areas)
    tags = _tags(n, plan_areas, crc_caseload=crc_caseload, nps_caseload=nps_caseload)
    ctx.plan = Plan(areas=plan_areas, tags=tags, quota=quota)


def _tags(n: int, plan_areas: list[str], *, crc_caseload: int, nps_caseload: int) -> dict[int, str]:
    """The people with a part in the demonstration: Merseyside ones for the CRC demo sign-ins,
    North West ones (or, in a small world, anyone left) for the NPS practitioner."""
    tags: dict[int, str] = {}
    wanted = [CRC_CASELOAD] * crc_caseload + [CRC_UNALLOCATED] * 3 + [CRC_EXCLUDED, CRC_RESTRICTED]
    north_west = {c for c, d in data.AREA_DIVISION.items() if d == "North West"}
    nps_wanted = [NPS_CASELOAD] * nps_caseload + [NPS_RESTRICTED]
    for index, code in enumerate(plan_areas):
        if code == "C08" and wanted:
            tags[index] = wanted.pop(0)
        elif code in north_west and nps_wanted:
            tags[index] = nps_wanted.pop(0)
        if not wanted and not nps_wanted:
            break
    for index in range(n):  # a small world may not have enough North West people
        if not nps_wanted:
            break
        if index not in tags:
            tags[index] = nps_wanted.pop(0)
    return tags


# --- One person: the draws, in order ------------------------------------------------------------


def _age(rng: random.Random) -> float:
    """Age in years on the reference date: 18-70, skewed young (mode late twenties)."""
    while True:
        age = 18.0 + rng.gammavariate(3.0, 5.0)
        if age < 71.0:
            return age


def _sanction_count(rng: random.Random) -> int:
    """Previous sanctions: many with none to three, a long tail past forty."""
    if rng.random() < 0.22:
        return 0
    return min(60, max(1, int(rng.lognormvariate(1.2, 1.0))))


@dataclass
class _Identity:
    sex: str
    forenames: tuple[str, ...]  # the list names are drawn from, for aliases
    chooser: Weighted
    forename: str
    middle_names: str
    surname: str
    date_of_birth: dt.date  # before the adults-only adjustment of :func:`_timeline`


def _identity(rng: random.Random, as_of: dt.date) -> _Identity:
    """Sex, names and a date of birth that makes them 18 to 70 today."""
    sex = "female" if rng.random() < FEMALE_RATE else "male"
    forenames = data.FEMALE_FORENAMES if sex == "female" else data.MALE_FORENAMES
    chooser = _FEMALE if sex == "female" else _MALE
    forename = forenames[chooser.pick(rng)]
    middle_names = forenames[chooser.pick(rng)] if rng.random() < 0.55 else ""
    if middle_names == forename:
        middle_names = ""
    surname = data.SURNAMES[SURNAME.pick(rng)]
    date_of_birth = as_of - days(_age(rng) * 365.25)
    return _Identity(sex, forenames, chooser, forename, middle_names, surname, date_of_birth)


def _sentence(
    rng: random.Random, disposal: str, *, short_custody: bool
) -> tuple[int | None, int | None, int]:
    """Length in days, suspension period in days, and the supervised span in days."""
    if disposal == "community_order":
        length = months_to_days(rng.choice(data.COMMUNITY_ORDER_MONTHS))
        return length, None, length
    if disposal == "suspended_sentence_order":
        term_months = rng.choice(data.SSO_TERM_MONTHS)
        operational = max(term_months, rng.choice(data.SSO_OPERATIONAL_MONTHS))
        suspended = months_to_days(operational)
        return max(14, months_to_days(term_months)), suspended, suspended
    if disposal == "custody":
        months = (_SHORT_CUSTODY_MONTHS if short_custody else _CUSTODY_MONTHS).pick(rng)
        length = months_to_days(months)
        return length, None, length
    if disposal == "custody_extended":
        length = months_to_days(rng.choice((48, 60, 72, 96)) + rng.choice((24, 36, 48, 60)))
        return length, None, length
    # Indeterminate: no fixed length; supervised (in custody, then on licence) for years.
    return None, None, months_to_days(rng.randint(24, 240))


@dataclass
class _Sentencing:
    """The offence and the sentence, before they are placed in time."""

    category: str
    disposal: str
    length_days: int | None
    suspended_for_days: int | None
    span: int  # days under supervision, estimated
    conviction_gap: int  # days from conviction to sentence (adjourned for a report)
    offence_gap: int  # days from the offence to conviction
    remand_days: int


def _sentencing(rng: random.Random, *, sex: str, crc_tagged: bool) -> _Sentencing:
    """The main offence and the sentence; conviction on the day or adjourned for a report, the
    offence before it; some people were remanded in custody (the days count against a custodial
    term)."""
    weights = (
        _CURRENT_NON_SEXUAL if crc_tagged else _CURRENT_FEMALE if sex == "female" else _CURRENT
    )
    category = weights.pick(rng)
    disposal = _DISPOSAL.pick(rng)
    if crc_tagged and disposal in EXTENDED_OR_INDETERMINATE:
        disposal = "custody"
    length_days, suspended_for_days, span = _sentence(rng, disposal, short_custody=crc_tagged)
    conviction_gap = rng.randint(14, 42) if rng.random() < 0.45 else 0
    offence_gap = rng.randint(7, 300)
    remand_days = 0
    if disposal in CUSTODIAL_DISPOSALS and rng.random() < REMAND_RATE:
        remand_days = min(rng.randint(7, 180), conviction_gap + offence_gap)
    if disposal in CUSTODIAL_DISPOSALS and length_days:  # determinate: release and supervision
        span = _custody_span(length_days, remand_days, extended=disposal == "custody_extended")
    return _Sentencing(
        category, disposal, length_days, suspended_for_days, span, conviction_gap, offence_gap,
        remand_days,
    )  # fmt: skip


@dataclass
class _Timeline:
    """When it all happened, and where the case stands today."""

    closed: bool
    unallocated: bool
    date_of_birth: dt.date
    sentence_date: dt.date
    conviction_date: dt.date
    offence_date: dt.date


def _timeline(
    rng: random.Random, as_of: dt.date, *, tag: str, born: dt.date, s: _Sentencing
) -> _Timeline:
    """Whether the case is closed or awaits allocation, and so when it was sentenced."""
    closed = not tag and s.disposal != "custody_indeterminate" and rng.random() < CLOSED_RATE
    unallocated = tag == CRC_UNALLOCATED or (
        not tag and not closed and rng.random() < UNALLOCATED_RATE / (1 - CLOSED_RATE)
    )
    if unallocated:  # waiting for allocation: sentenced in the last three weeks
        sentence_date = as_of - days(rng.randrange(0, 21))
    elif closed:
        ended = as_of - days(rng.randrange(1, 730))
        sentence_date = ended - days(s.span - 1)
    else:
        sentence_date = as_of - days(rng.randrange(0, max(1, s.span)))
    # Adults only: anyone who would have been under 18 at sentence was born earlier.
    if _years_on(born, ADULT_AGE) > sentence_date:
        born = _years_on(sentence_date, -ADULT_AGE) - days(rng.randrange(0, 900))
    conviction_date = sentence_date - days(s.conviction_gap)
    offence_date = conviction_date - days(s.offence_gap)
    return _Timeline(closed, unallocated, born, sentence_date, conviction_date, offence_date)


@dataclass
class _SentenceDates:
    """The sentence's key dates (the rules' custody dates, with their reasons)."""

    expected_end_date: dt.date | None = None
    release_date: dt.date | None = None
    sentence_expiry_date: dt.date | None = None
    licence_end: dt.date | None = None
    supervision_end: dt.date | None = None
    date_reasons: tuple[str, ...] = ()


def _custody_dates(s: _Sentencing, t: _Timeline) -> _SentenceDates:
    if s.disposal == "custody_indeterminate":
        return _SentenceDates(date_reasons=(INDETERMINATE_REASON,))
    dates = custody_dates(
        CustodyFacts(
            sentence_date=t.sentence_date,
            length_days=s.length_days or 0,
            remand_days=s.remand_days,
            offence_date=t.offence_date,
            date_of_birth=t.date_of_birth,
            extended=s.disposal == "custody_extended",
        )
    )
    end = dates.supervision_end or dates.licence_end or dates.release_date
    return _SentenceDates(
        end, dates.release_date, dates.sentence_expiry_date, dates.licence_end,
        dates.supervision_end, dates.reasons,
    )  # fmt: skip


def _sentence_dates(as_of: dt.date, s: _Sentencing, t: _Timeline) -> _SentenceDates:
    """The end of an order, or the rules' custody dates (none for an indeterminate sentence).

    A custodial case still open today is moved later in time until its supervision has not
    ended: the span it was placed with was estimated, and the rules have the last word.
    """
    if s.disposal == "community_order" and s.length_days:
        return _SentenceDates(t.sentence_date + days(s.length_days - 1))
    if s.disposal == "suspended_sentence_order" and s.suspended_for_days:
        return _SentenceDates(t.sentence_date + days(s.suspended_for_days - 1))
    for _ in range(4):
        dates = _custody_dates(s, t)
        end = dates.expected_end_date
        if t.closed or end is None or end >= as_of:
            break
        shift = as_of - end
        t.sentence_date += shift
        t.conviction_date += shift
        t.offence_date += shift
    return dates


def _closure(
    rng: random.Random, as_of: dt.date, s: _Sentencing, t: _Timeline, end: dt.date | None
) -> tuple[str, dt.date | None, str]:
    """Case status, the date it closed and the sentence's status."""
    if not t.closed:
        return "active", None, "active"
    closed_on = end or as_of
    sentence_status = "completed"
    if rng.random() < 0.15:  # revoked or terminated early
        sentence_status = "terminated"
        closed_on = t.sentence_date + days(rng.randrange(30, max(31, s.span)))
    return "closed", min(closed_on, as_of), sentence_status


def _court_event(
    ctx: BuildContext, rng: random.Random, area: str, s: _Sentencing, offence_date: dt.date
) -> tuple[int, list[tuple[int, dt.date, bool]]]:
    """The court (the Crown Court for the serious cases) and the offences, the main one last."""
    crown = (
        s.disposal in EXTENDED_OR_INDETERMINATE
        or s.category in data.SEXUAL_CATEGORIES
        or s.category == "robbery"
        or (s.disposal == "custody" and (s.length_days or 0) > TWELVE_MONTHS_DAYS)
    )
    court_id = rng.choice(ctx.ref.crown[area] if crown else ctx.ref.magistrates[area])
    offences = [(rng.choice(ctx.ref.offences[s.category])[0], offence_date, True)]
    extra_offences = 0 if rng.random() < 0.7 else 1 if rng.random() < 0.73 else 2
    for _ in range(extra_offences):
        other = s.category if rng.random() < 0.4 else _HISTORY.pick(rng)
        if other in data.SEXUAL_CATEGORIES and s.category not in data.SEXUAL_CATEGORIES:
            other = "absconding"
        when = offence_date - days(rng.randint(0, 60))  # the main offence is the latest
        offences.append((rng.choice(ctx.ref.offences[other])[0], when, False))
    return court_id, offences


def _history(
    ctx: BuildContext, rng: random.Random, *, born: dt.date, category: str, before: dt.date
) -> list[tuple[dt.date, str, str, str]]:
    """Criminal history: after the age of criminal responsibility, before the current offences."""
    earliest = _years_on(born, MINIMUM_SANCTION_AGE)
    latest = before - _ONE_DAY
    window = (latest - earliest).days
    count = min(_sanction_count(rng), max(0, int(window / 365.25 * 4)))
    if not count or window <= 0:
        return []
    first = earliest + days(window * rng.betavariate(1.3, 1.5 + count / 4))
    remaining = (latest - first).days
    later = sorted(first + days(rng.randint(0, remaining)) for _ in range(count - 1))
    sanctions = []
    for when in [first, *later]:
        young = (when - born).days < ADULT_AGE * 365.25
        kind = "caution" if rng.random() < (0.45 if young else 0.12) else "conviction"
        history_category = category if rng.random() < 0.25 else _HISTORY.pick(rng)
        description = rng.choice(ctx.ref.offences[history_category])[1]
        sanctions.append((when, kind, history_category, description))
    return sanctions


def _address(rng: random.Random, area: str, starts_on: dt.date) -> AddressDraft:
    town, prefix = rng.choice(data.TOWNS[area])
    number = rng.randint(1, 180)
    street = f"{rng.choice(data.STREETS)} {rng.choice(data.STREET_KINDS)}"
    if rng.random() < 0.18:
        block = f"{rng.choice(data.STREETS)} {rng.choice(data.BLOCK_NAMES)}"
        line_1 = f"Flat {rng.randint(1, 60)}, {block}, {street}"
    else:
        line_1 = f"{number} {street}"
    letters = data.POSTCODE_UNIT_LETTERS
    unit = f"{rng.randint(1, 9)}{rng.choice(letters)}{rng.choice(letters)}"
    postcode = f"{prefix}{rng.randint(1, 29)} {unit}"
    return AddressDraft(line_1=line_1, town=town, postcode=postcode, starts_on=starts_on)


def _addresses(
    rng: random.Random, area: str, *, born: dt.date, sentenced: dt.date
) -> tuple[bool, list[AddressDraft]]:
    """Where they live: most in the area, some of no fixed abode (then the court's area counts)."""
    if rng.random() < NO_FIXED_ABODE_RATE:
        return True, []
    moved_in = max(_years_on(born, _ADDRESS_MIN_AGE), sentenced - days(rng.randint(14, 2500)))
    addresses = [_address(rng, area, moved_in)]
    if rng.random() < 0.2:
        previous = _address(rng, area, moved_in - days(rng.randint(180, 2000)))
        previous.is_main = False
        previous.ends_on = moved_in - _ONE_DAY
        addresses.append(previous)
    return False, addresses


def _aliases(
    rng: random.Random, who: _Identity, born: dt.date
) -> list[tuple[str, str, dt.date | None]]:
    """Other names some people have used: a nickname, another surname or forename."""
    aliases: list[tuple[str, str, dt.date | None]] = []
    if rng.random() >= ALIAS_RATE:
        return aliases
    for _ in range(1 if rng.random() < 0.85 else 2):
        roll = rng.random()
        forename, surname = who.forename, who.surname
        if roll < 0.35 and who.forename in data.NICKNAMES:
            forename = data.NICKNAMES[who.forename]
        elif roll < 0.75:
            surname = data.SURNAMES[SURNAME.pick(rng)]
        else:
            forename = who.forenames[who.chooser.pick(rng)]
        alias_dob: dt.date | None = None
        if rng.random() < 0.3:
            alias_dob = born + days(rng.choice((-365, -1, 1, 365)))
        aliases.append((forename, surname, alias_dob))
    return aliases


def _organisation(index: int, *, tag: str, area: str, no_fixed_abode: bool, risk: RiskDraft) -> str:
    """Who is accountable: the sift (docs/domain/allocation.md) on the assessment, so that high
    RoSH, MAPPA and high RSR cases are the NPS's. The people with a part in the demonstration
    keep their organisation (their risk is drawn to agree with it)."""
    sift = decide(
        AllocationFacts(
            rosh=risk.rosh,
            home_contract_area=None if no_fixed_abode else area,
            court_contract_area=area,
            mappa_category=risk.mappa_category,
            rsr=risk.rsr,
            public_interest=risk.public_interest,
        )
    )
    nps = sift.organisation == "NPS"
    if (tag in CRC_TAGS and nps) or (tag in NPS_TAGS and not nps):  # pragma: no cover
        raise AssertionError(f"The sift disagrees with the demo's part for person {index}")
    return "NPS" if nps else f"CRC-{area}"


def _officer(
    staff: Staff, rng: random.Random, *, tag: str, area: str, organisation: str, po_only: bool,
    disposal: str,
) -> int:  # fmt: skip
    """The responsible officer, from the pool the case belongs to. A PSO or PQiP may not hold
    ``po_only`` cases (docs/domain/allocation.md, role boundaries); custody and licence cases
    go to the qualified (PO and PQiP)."""
    if tag == CRC_CASELOAD:
        return staff.demo["practitioner"].pk
    if tag == NPS_CASELOAD:
        return staff.demo["nps.practitioner"].pk
    if organisation == "NPS":
        division = data.AREA_DIVISION[area]
        return (staff.nps_po if po_only else staff.nps)[division].pick(rng)
    if po_only:
        return staff.crc_po[area].pick(rng)
    if disposal not in DISPOSALS_WITH_REQUIREMENTS:
        return staff.crc_qualified[area].pick(rng)
    return staff.crc[area].pick(rng)


# --- Requirements -------------------------------------------------------------------------------

_Detail = tuple[int | None, str, dt.date | None]  # amount, detail, ends on
# What a requirement adds to its kind, drawn in turn, given the generator, the order's start and
# end, and the offence category.
_RequirementDetail = Callable[[random.Random, dt.date, dt.date, str], _Detail]
# Attendance centre requirements are for the under-25s (docs/domain/sentences.md).
_ATTENDANCE_CENTRE_UNDER = 25


def _months_less_a_day(start: dt.date, months: int) -> dt.date:
    return add_months(start, months) - _ONE_DAY


def _unpaid_work(rng: random.Random, start: dt.date, end: dt.date, category: str) -> _Detail:
    return _UNPAID_WORK.pick(rng), "", min(end, _months_less_a_day(start, 12))


def _programme(rng: random.Random, start: dt.date, end: dt.date, category: str) -> _Detail:
    fitting = [p for p in data.PROGRAMMES if category in p[2]] or [
        p for p in data.PROGRAMMES if not p[2]
    ]
    name, sessions, _ = rng.choice(fitting)
    return sessions, name, end


def _curfew(rng: random.Random, start: dt.date, end: dt.date, category: str) -> _Detail:
    window = rng.choice(data.CURFEW_WINDOWS)
    start_hour, end_hour = int(window[:2]), int(window[6:8])
    ends = min(end, start + days(rng.choice((30, 60, 90, 120, 180)) - 1))
    return (end_hour - start_hour) % 24, f"{window}, electronically monitored", ends


def _exclusion(rng: random.Random, start: dt.date, end: dt.date, category: str) -> _Detail:
    zone = rng.choice(data.EXCLUSION_ZONES)
    return None, zone, min(end, _months_less_a_day(start, rng.choice((3, 6, 12))))


def _foreign_travel(rng: random.Random, start: dt.date, end: dt.date, category: str) -> _Detail:
    return None, "", min(end, _months_less_a_day(start, rng.choice((6, 12))))


def _alcohol_monitoring(rng: random.Random, start: dt.date, end: dt.date, category: str) -> _Detail:
    amount = rng.choice((30, 60, 90, 120))
    return amount, "Transdermal alcohol monitoring tag", min(end, start + days(amount - 1))


def _amount_of(amounts: tuple[int, ...]) -> _RequirementDetail:
    """An amount drawn from ``amounts``; the requirement lasts as long as the order."""
    return lambda rng, start, end, category: (rng.choice(amounts), "", end)


def _detail_of(details: tuple[str, ...]) -> _RequirementDetail:
    """A detail drawn from ``details``; the requirement lasts as long as the order."""
    return lambda rng, start, end, category: (None, rng.choice(details), end)


def _detail(text: str) -> _RequirementDetail:
    return lambda rng, start, end, category: (None, text, end)


_REQUIREMENT_DETAILS: dict[str, _RequirementDetail] = {
    "unpaid_work": _unpaid_work,
    "rehabilitation_activity": _amount_of(data.RAR_DAYS),
    "programme": _programme,
    "prohibited_activity": _detail_of(data.PROHIBITED_ACTIVITIES),
    "curfew": _curfew,
    "exclusion": _exclusion,
    "residence": _detail("Reside where approved by the responsible officer"),
    "foreign_travel_prohibition": _foreign_travel,
    "mental_health_treatment": _detail("Outpatient treatment"),
    "drug_rehabilitation": _detail_of(("With testing", "With testing and court reviews")),
    "alcohol_treatment": _detail("Outpatient treatment"),
    "alcohol_abstinence_monitoring": _alcohol_monitoring,
    "attendance_centre": _amount_of((12, 18, 24, 36)),
}


def _requirements(
    rng: random.Random,
    *,
    start: dt.date,
    end: dt.date,
    category: str,
    age_at_sentence: float,
) -> list[RequirementDraft]:
    """The order's requirements: each kind by its own rate, at least one."""
    kinds = [kind for kind, rate in data.REQUIREMENT_RATES.items() if rng.random() < rate]
    if age_at_sentence >= _ATTENDANCE_CENTRE_UNDER and "attendance_centre" in kinds:
        kinds.remove("attendance_centre")
    if not kinds:
        kinds = [rng.choice(("unpaid_work", "rehabilitation_activity"))]
    drafts = []
    for kind in kinds:
        amount, detail, ends = _REQUIREMENT_DETAILS[kind](rng, start, end, category)
        drafts.append(RequirementDraft(kind, amount, detail, start, ends))
    return drafts


# --- The whole person ---------------------------------------------------------------------------


def _risk_and_officer(
    ctx: BuildContext, rng: random.Random, p: Profile, *, unallocated: bool
) -> None:
    """Risk at sentence (:func:`probation.demo.risk.make_risk`), then who is accountable: the
    organisation the sift gives the case to, and its officer unless it awaits allocation."""
    index = p.index
    tag = p.tag
    p.risk = make_risk(
        ctx,
        index,
        area=p.area,
        sex=p.sex,
        date_of_birth=p.date_of_birth,
        category=p.main_category,
        disposal=p.disposal,
        length_days=p.length_days,
        sentence_date=p.sentence_date,
        conviction_date=p.conviction_date,
        release_date=p.release_date,
        sanction_dates=[when for when, *_ in p.sanctions],
        no_fixed_abode=p.no_fixed_abode,
        closed_on=p.closed_on,
        organisation="CRC" if tag in CRC_TAGS else "NPS" if tag in NPS_TAGS else None,
    )
    p.organisation = _organisation(
        index, tag=tag, area=p.area, no_fixed_abode=p.no_fixed_abode, risk=p.risk
    )
    if unallocated:
        return
    po_only = (
        p.risk.beyond_pso
        or p.main_category in data.SEXUAL_CATEGORIES
        or p.disposal == "custody_indeterminate"
    )
    p.officer_id = _officer(
        ctx.staff, rng, tag=tag, area=p.area, organisation=p.organisation, po_only=po_only,
        disposal=p.disposal,
    )  # fmt: skip


def make_profile(ctx: BuildContext, index: int) -> Profile:
    """Every random decision about person ``index``, from that person's own generator."""
    rng = ctx.person_rng(index)
    as_of, area, tag = ctx.as_of, ctx.plan.areas[index], ctx.plan.tags.get(index, "")
    who = _identity(rng, as_of)
    s = _sentencing(rng, sex=who.sex, crc_tagged=tag in CRC_TAGS)
    t = _timeline(rng, as_of, tag=tag, born=who.date_of_birth, s=s)
    dates = _sentence_dates(as_of, s, t)
    status, closed_on, sentence_status = _closure(rng, as_of, s, t, dates.expected_end_date)
    court_id, offences = _court_event(ctx, rng, area, s, t.offence_date)
    born, first_offence = t.date_of_birth, min(when for _, when, _ in offences)
    sanctions = _history(ctx, rng, born=born, category=s.category, before=first_offence)
    no_fixed_abode, addresses = _addresses(rng, area, born=born, sentenced=t.sentence_date)
    aliases = _aliases(rng, who, born)
    first_arrest = sanctions[0][0] if sanctions else t.offence_date
    profile = Profile(  # accountable organisation and officer to follow
        index=index, tag=tag, crn=_crn(index),
        pnc_number=format_pnc(first_arrest.year, _pnc_serial(index)), sex=who.sex,
        forename=who.forename, middle_names=who.middle_names, surname=who.surname,
        date_of_birth=born, area=area, no_fixed_abode=no_fixed_abode, addresses=addresses,
        aliases=aliases, main_category=s.category, offences=offences,
        sanctions=sanctions, court_id=court_id, hearing_date=t.sentence_date,
        conviction_date=t.conviction_date, disposal=s.disposal, sentence_date=t.sentence_date,
        length_days=s.length_days, suspended_for_days=s.suspended_for_days,
        expected_end_date=dates.expected_end_date, release_date=dates.release_date,
        sentence_expiry_date=dates.sentence_expiry_date, licence_end=dates.licence_end,
        supervision_end=dates.supervision_end, remand_days=s.remand_days,
        date_reasons=list(dates.date_reasons), sentence_status=sentence_status, requirements=[],
        organisation="", officer_id=None, status=status,
        closed_on=closed_on,
    )  # fmt: skip
    _risk_and_officer(ctx, rng, profile, unallocated=t.unallocated)
    if s.disposal in DISPOSALS_WITH_REQUIREMENTS and dates.expected_end_date:
        profile.requirements = _requirements(
            rng, start=t.sentence_date, end=dates.expected_end_date, category=s.category,
            age_at_sentence=(t.sentence_date - born).days / 365.25,
        )  # fmt: skip
    _access_lists(ctx, rng, profile)
    return profile


# --- Access lists -------------------------------------------------------------------------------

_EXCLUSION_REASONS = (
    "Staff member is related to the person",
    "Staff member knows the person outside work",
    "Staff member was a victim of the person's offending",
)
_RESTRICTION_REASONS = (
    "High-profile case: access limited to the named staff",
    "The person is related to a member of staff",
    "Witness protection: access limited to the named staff",
)


def _demo_access(staff: Staff, tag: str, officer: int | None) -> list[tuple[int, str, str]]:
    """The access lists of the people with a part in the demonstration."""
    if tag == CRC_EXCLUDED:
        return [(staff.demo["practitioner"].pk, AccessKind.EXCLUSION, _EXCLUSION_REASONS[1])]
    if officer is None:
        return []
    if tag == CRC_RESTRICTED:
        users, reason = (officer, staff.demo["manager"].pk), _RESTRICTION_REASONS[0]
    elif tag == NPS_RESTRICTED:
        users, reason = (officer, staff.manager_of.get(officer, officer)), _RESTRICTION_REASONS[2]
    else:
        return []
    return [(user_id, AccessKind.RESTRICTION, reason) for user_id in dict.fromkeys(users)]


def _access_lists(ctx: BuildContext, rng: random.Random, profile: Profile) -> None:
    """A handful of cases carry exclusion or restriction lists, so visibility can be shown."""
    staff = ctx.staff
    officer = profile.officer_id
    if profile.tag:
        profile.access.extend(_demo_access(staff, profile.tag, officer))
        return
    if officer is None:
        return
    roll = rng.random()
    if roll < 0.002:
        pool = (
            staff.nps[data.AREA_DIVISION[profile.area]]
            if profile.organisation == "NPS"
            else staff.crc[profile.area]
        )
        excluded = pool.pick(rng)
        if excluded != officer:
            profile.access.append((excluded, AccessKind.EXCLUSION, rng.choice(_EXCLUSION_REASONS)))
    elif roll < 0.004:
        reason = rng.choice(_RESTRICTION_REASONS)
        for user_id in dict.fromkeys((officer, staff.manager_of.get(officer, officer))):
            profile.access.append((user_id, AccessKind.RESTRICTION, reason))
