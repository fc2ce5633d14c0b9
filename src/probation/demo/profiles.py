"""The person model of the demo world: where people live and every random decision about them.

:func:`make_profile` decides everything about one person from that person's own generator, so the
world is the same whatever the chunk size. Weights and mixes are in :mod:`probation.demo.data`.
"""

from __future__ import annotations

import datetime as dt
import math
import random

from probation.core.identifiers import format_pnc
from probation.courts.services import custody_dates_for
from probation.demo import data
from probation.demo.risk import make_risk
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
    Weighted,
    add_months,
    add_years,
    days,
    months_to_days,
    zipf,
)
from probation.people.models import AccessKind
from probation.rules.allocation import AllocationFacts, decide

# Letters that start demo CRNs (the test factories use T): the number is a scramble of the index.
_CRN_LETTERS = "DEFGHJKLMNPRSUVWYZ"

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


def _custody_span(length_days: int, remand_days: int, *, extended: bool) -> int:
    """Days from sentence to the end of supervision (licence, then post-sentence supervision),
    estimated the way :mod:`probation.rules.custody` counts, to place the sentence in time."""
    release = max(0, math.ceil(length_days / 2) - 1 - remand_days)
    end = length_days - 1
    if not extended and 1 < length_days < 730:
        end = max(end, release + 365)
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
    ctx.plan = Plan(areas=plan_areas, tags=tags, quota=quota)


# --- One person ---------------------------------------------------------------------------------


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


def _requirements(
    rng: random.Random,
    *,
    start: dt.date,
    end: dt.date,
    category: str,
    age_at_sentence: float,
) -> list[RequirementDraft]:
    kinds = [kind for kind, rate in data.REQUIREMENT_RATES.items() if rng.random() < rate]
    if age_at_sentence >= 25 and "attendance_centre" in kinds:
        kinds.remove("attendance_centre")
    if not kinds:
        kinds = [rng.choice(("unpaid_work", "rehabilitation_activity"))]
    drafts = []
    for kind in kinds:
        amount: int | None = None
        detail = ""
        ends: dt.date | None = end
        if kind == "unpaid_work":
            amount = _UNPAID_WORK.pick(rng)
            ends = min(end, add_months(start, 12) - dt.timedelta(days=1))
        elif kind == "rehabilitation_activity":
            amount = rng.choice(data.RAR_DAYS)
        elif kind == "programme":
            fitting = [p for p in data.PROGRAMMES if category in p[2]] or [
                p for p in data.PROGRAMMES if not p[2]
            ]
            name, sessions, _ = rng.choice(fitting)
            amount, detail = sessions, name
        elif kind == "curfew":
            window = rng.choice(data.CURFEW_WINDOWS)
            start_hour, end_hour = int(window[:2]), int(window[6:8])
            amount = (end_hour - start_hour) % 24
            detail = f"{window}, electronically monitored"
            ends = min(end, start + days(rng.choice((30, 60, 90, 120, 180)) - 1))
        elif kind == "exclusion":
            detail = rng.choice(data.EXCLUSION_ZONES)
            ends = min(end, add_months(start, rng.choice((3, 6, 12))) - dt.timedelta(days=1))
        elif kind == "prohibited_activity":
            detail = rng.choice(data.PROHIBITED_ACTIVITIES)
        elif kind == "residence":
            detail = "Reside where approved by the responsible officer"
        elif kind == "mental_health_treatment":
            detail = "Outpatient treatment"
        elif kind == "drug_rehabilitation":
            detail = rng.choice(("With testing", "With testing and court reviews"))
        elif kind == "alcohol_treatment":
            detail = "Outpatient treatment"
        elif kind == "alcohol_abstinence_monitoring":
            amount = rng.choice((30, 60, 90, 120))
            detail = "Transdermal alcohol monitoring tag"
            ends = min(end, start + days(amount - 1))
        elif kind == "attendance_centre":
            amount = rng.choice((12, 18, 24, 36))
        elif kind == "foreign_travel_prohibition":
            ends = min(end, add_months(start, rng.choice((6, 12))) - dt.timedelta(days=1))
        drafts.append(RequirementDraft(kind, amount, detail, start, ends))
    return drafts


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


def make_profile(ctx: BuildContext, index: int) -> Profile:
    """Every random decision about person ``index``, from that person's own generator."""
    rng = ctx.person_rng(index)
    as_of = ctx.as_of
    area = ctx.plan.areas[index]
    tag = ctx.plan.tags.get(index, "")
    crc_tagged = tag in CRC_TAGS

    sex = "female" if rng.random() < FEMALE_RATE else "male"
    forenames = data.FEMALE_FORENAMES if sex == "female" else data.MALE_FORENAMES
    chooser = _FEMALE if sex == "female" else _MALE
    forename = forenames[chooser.pick(rng)]
    middle_names = forenames[chooser.pick(rng)] if rng.random() < 0.55 else ""
    if middle_names == forename:
        middle_names = ""
    surname = data.SURNAMES[SURNAME.pick(rng)]
    age = _age(rng)
    date_of_birth = as_of - days(age * 365.25)

    category = (
        _CURRENT_NON_SEXUAL if crc_tagged else _CURRENT_FEMALE if sex == "female" else _CURRENT
    ).pick(rng)
    disposal = _DISPOSAL.pick(rng)
    if crc_tagged and disposal in ("custody_extended", "custody_indeterminate"):
        disposal = "custody"
    length_days, suspended_for_days, span = _sentence(rng, disposal, short_custody=crc_tagged)
    custodial = disposal in ("custody", "custody_extended", "custody_indeterminate")
    # The court event: conviction on the day or adjourned for a report, the offence before it;
    # some people were remanded in custody (the days count against a custodial term).
    conviction_gap = rng.randint(14, 42) if rng.random() < 0.45 else 0
    offence_gap = rng.randint(7, 300)
    remand_days = 0
    if custodial and rng.random() < REMAND_RATE:
        remand_days = min(rng.randint(7, 180), conviction_gap + offence_gap)
    if disposal in ("custody", "custody_extended") and length_days:
        span = _custody_span(length_days, remand_days, extended=disposal == "custody_extended")

    closed = not tag and disposal != "custody_indeterminate" and rng.random() < CLOSED_RATE
    unallocated = tag == CRC_UNALLOCATED or (
        not tag and not closed and rng.random() < UNALLOCATED_RATE / (1 - CLOSED_RATE)
    )
    if unallocated:  # waiting for allocation: sentenced in the last three weeks
        sentence_date = as_of - days(rng.randrange(0, 21))
    elif closed:
        ended = as_of - days(rng.randrange(1, 730))
        sentence_date = ended - days(span - 1)
    else:
        sentence_date = as_of - days(rng.randrange(0, max(1, span)))
    # Adults only: anyone who would have been under 18 at sentence was born earlier.
    if add_years(date_of_birth, 18) > sentence_date:
        date_of_birth = add_years(sentence_date, -18) - days(rng.randrange(0, 900))
    conviction_date = sentence_date - days(conviction_gap)
    offence_date = conviction_date - days(offence_gap)

    release_date: dt.date | None = None
    sentence_expiry_date: dt.date | None = None
    licence_end: dt.date | None = None
    supervision_end: dt.date | None = None
    date_reasons: list[str] = []
    if disposal in ("community_order",) and length_days:
        expected_end: dt.date | None = sentence_date + days(length_days - 1)
    elif disposal == "suspended_sentence_order" and suspended_for_days:
        expected_end = sentence_date + days(suspended_for_days - 1)
    else:  # custody: the dates are the rules' (probation.rules.custody; none if indeterminate)
        for _ in range(4):
            custody = custody_dates_for(
                disposal=disposal,
                sentence_date=sentence_date,
                length_days=length_days or 0,
                remand_days=remand_days,
                offence_date=offence_date,
                date_of_birth=date_of_birth,
            )
            release_date = custody["release_date"]
            sentence_expiry_date = custody["sentence_expiry_date"]
            licence_end = custody["licence_end"]
            supervision_end = custody["supervision_end"]
            date_reasons = custody["date_reasons"]
            expected_end = supervision_end or licence_end or release_date
            if closed or expected_end is None or expected_end >= as_of:
                break
            # Still supervised today: sentenced later, so that supervision has not ended (the
            # span was estimated; the rules have the last word).
            shift = as_of - expected_end
            sentence_date += shift
            conviction_date += shift
            offence_date += shift

    status = "closed" if closed else "active"
    closed_on: dt.date | None = None
    sentence_status = "active"
    if closed:
        closed_on = expected_end or as_of
        sentence_status = "completed"
        if rng.random() < 0.15:  # revoked or terminated early
            sentence_status = "terminated"
            closed_on = sentence_date + days(rng.randrange(30, max(31, span)))
        closed_on = min(closed_on, as_of)

    crown = (
        disposal in ("custody_extended", "custody_indeterminate")
        or category in data.SEXUAL_CATEGORIES
        or category == "robbery"
        or (disposal == "custody" and (length_days or 0) > 365)
    )
    courts = ctx.ref.crown[area] if crown else ctx.ref.magistrates[area]
    court_id = rng.choice(courts)
    offences: list[tuple[int, dt.date, bool]] = [
        (rng.choice(ctx.ref.offences[category])[0], offence_date, True)
    ]
    extra_offences = 0 if rng.random() < 0.7 else 1 if rng.random() < 0.73 else 2
    for _ in range(extra_offences):
        other = category if rng.random() < 0.4 else _HISTORY.pick(rng)
        if other in data.SEXUAL_CATEGORIES and category not in data.SEXUAL_CATEGORIES:
            other = "absconding"
        when = offence_date - days(rng.randint(0, 60))  # the main offence is the latest
        offences.append((rng.choice(ctx.ref.offences[other])[0], when, False))

    # Criminal history: after the tenth birthday, before the current offence.
    earliest = add_years(date_of_birth, 10)
    latest = min(o[1] for o in offences) - dt.timedelta(days=1)
    window = (latest - earliest).days
    count = min(_sanction_count(rng), max(0, int(window / 365.25 * 4)))
    sanctions: list[tuple[dt.date, str, str, str]] = []
    if count and window > 0:
        first = earliest + days(window * rng.betavariate(1.3, 1.5 + count / 4))
        remaining = (latest - first).days
        later = sorted(first + days(rng.randint(0, remaining)) for _ in range(count - 1))
        dates = [first, *later]
        for when in dates:
            young = (when - date_of_birth).days < 18 * 365.25
            kind = "caution" if rng.random() < (0.45 if young else 0.12) else "conviction"
            history_category = category if rng.random() < 0.25 else _HISTORY.pick(rng)
            description = rng.choice(ctx.ref.offences[history_category])[1]
            sanctions.append((when, kind, history_category, description))
    first_arrest = sanctions[0][0] if sanctions else offence_date

    # Where they live: most in the area, some of no fixed abode (then the court's area counts).
    no_fixed_abode = rng.random() < NO_FIXED_ABODE_RATE
    addresses: list[AddressDraft] = []
    if not no_fixed_abode:
        moved_in = max(add_years(date_of_birth, 16), sentence_date - days(rng.randint(14, 2500)))
        addresses.append(_address(rng, area, moved_in))
        if rng.random() < 0.2:
            previous = _address(rng, area, moved_in - days(rng.randint(180, 2000)))
            previous.is_main = False
            previous.ends_on = moved_in - dt.timedelta(days=1)
            addresses.append(previous)

    aliases: list[tuple[str, str, dt.date | None]] = []
    if rng.random() < ALIAS_RATE:
        for _ in range(1 if rng.random() < 0.85 else 2):
            roll = rng.random()
            alias_forename, alias_surname = forename, surname
            if roll < 0.35 and forename in data.NICKNAMES:
                alias_forename = data.NICKNAMES[forename]
            elif roll < 0.75:
                alias_surname = data.SURNAMES[SURNAME.pick(rng)]
            else:
                alias_forename = forenames[chooser.pick(rng)]
            alias_dob: dt.date | None = None
            if rng.random() < 0.3:
                alias_dob = date_of_birth + days(rng.choice((-365, -1, 1, 365)))
            aliases.append((alias_forename, alias_surname, alias_dob))

    # Risk at sentence, then who is accountable: the sift (domain/allocation.md) on the
    # assessment, so that high RoSH, MAPPA and high RSR cases are the NPS's. The people with a
    # part in the demonstration keep their organisation (their risk is drawn to agree with it).
    risk = make_risk(
        ctx,
        index,
        area=area,
        sex=sex,
        date_of_birth=date_of_birth,
        category=category,
        disposal=disposal,
        length_days=length_days,
        sentence_date=sentence_date,
        conviction_date=conviction_date,
        release_date=release_date,
        sanction_dates=[when for when, *_ in sanctions],
        no_fixed_abode=no_fixed_abode,
        closed_on=closed_on,
        organisation="CRC" if crc_tagged else "NPS" if tag in NPS_TAGS else None,
    )
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
    if (crc_tagged and nps) or (tag in NPS_TAGS and not nps):  # pragma: no cover (make_risk's job)
        raise AssertionError(f"The sift disagrees with the demo's part for person {index}")
    organisation = "NPS" if nps else f"CRC-{area}"
    # Role boundaries: a PSO or PQiP may not hold these cases (domain/allocation.md).
    po_only = (
        risk.beyond_pso or category in data.SEXUAL_CATEGORIES or disposal == "custody_indeterminate"
    )

    staff = ctx.staff
    officer_id: int | None = None
    if tag == CRC_CASELOAD:
        officer_id = staff.demo["practitioner"].pk
    elif tag == NPS_CASELOAD:
        officer_id = staff.demo["nps.practitioner"].pk
    elif not unallocated:
        if nps:
            division = data.AREA_DIVISION[area]
            officer_id = (staff.nps_po if po_only else staff.nps)[division].pick(rng)
        elif po_only:
            officer_id = staff.crc_po[area].pick(rng)
        elif disposal != "community_order" and disposal != "suspended_sentence_order":
            officer_id = staff.crc_qualified[area].pick(rng)
        else:
            officer_id = staff.crc[area].pick(rng)

    profile = Profile(
        index=index,
        tag=tag,
        crn=_crn(index),
        pnc_number=format_pnc(first_arrest.year, _pnc_serial(index)),
        sex=sex,
        forename=forename,
        middle_names=middle_names,
        surname=surname,
        date_of_birth=date_of_birth,
        area=area,
        no_fixed_abode=no_fixed_abode,
        addresses=addresses,
        aliases=aliases,
        main_category=category,
        offences=offences,
        sanctions=sanctions,
        court_id=court_id,
        hearing_date=sentence_date,
        conviction_date=conviction_date,
        disposal=disposal,
        sentence_date=sentence_date,
        length_days=length_days,
        suspended_for_days=suspended_for_days,
        expected_end_date=expected_end,
        release_date=release_date,
        sentence_expiry_date=sentence_expiry_date,
        licence_end=licence_end,
        supervision_end=supervision_end,
        remand_days=remand_days,
        date_reasons=date_reasons,
        sentence_status=sentence_status,
        requirements=[],
        organisation=organisation,
        officer_id=officer_id,
        status=status,
        closed_on=closed_on,
        risk=risk,
    )
    if disposal in ("community_order", "suspended_sentence_order") and expected_end:
        age_at_sentence = (sentence_date - date_of_birth).days / 365.25
        profile.requirements = _requirements(
            rng, start=sentence_date, end=expected_end, category=category,
            age_at_sentence=age_at_sentence,
        )  # fmt: skip
    _access_lists(ctx, rng, profile)
    return profile


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


def _access_lists(ctx: BuildContext, rng: random.Random, profile: Profile) -> None:
    """A handful of cases carry exclusion or restriction lists, so visibility can be shown."""
    staff = ctx.staff
    officer = profile.officer_id
    tag = profile.tag
    if tag == CRC_EXCLUDED:
        profile.access.append(
            (staff.demo["practitioner"].pk, AccessKind.EXCLUSION, _EXCLUSION_REASONS[1])
        )
        return
    if tag == CRC_RESTRICTED and officer is not None:
        for user_id in dict.fromkeys((officer, staff.demo["manager"].pk)):
            profile.access.append((user_id, AccessKind.RESTRICTION, _RESTRICTION_REASONS[0]))
        return
    if tag == NPS_RESTRICTED and officer is not None:
        for user_id in dict.fromkeys((officer, staff.manager_of.get(officer, officer))):
            profile.access.append((user_id, AccessKind.RESTRICTION, _RESTRICTION_REASONS[2]))
        return
    if tag or officer is None:
        return
    roll = rng.random()
    if roll < 0.002:
        pool = (
            staff.nps[data.AREA_DIVISION[profile.area]]
            if profile.organisation == "NPS"
            else (staff.crc[profile.area])
        )
        excluded = pool.pick(rng)
        if excluded != officer:
            profile.access.append((excluded, AccessKind.EXCLUSION, rng.choice(_EXCLUSION_REASONS)))
    elif roll < 0.004:
        reason = rng.choice(_RESTRICTION_REASONS)
        for user_id in dict.fromkeys((officer, staff.manager_of.get(officer, officer))):
            profile.access.append((user_id, AccessKind.RESTRICTION, reason))
