"""Today's hearings in the demo world: a few people already on the caseload back at court on the
world's day, recorded through the court officer's own service (``courts.court_event_record``), so
that the demo court officer's home lists hearings at their courts (docs/adr/0011-court-intake.md).
"""

from __future__ import annotations

import datetime as dt
import random

from probation.courts.models import Offence
from probation.courts.selectors import courts_of_officer
from probation.courts.services import OffenceCharged, court_event_record
from probation.demo.world import BuildContext
from probation.people.models import CaseStatus
from probation.people.selectors import cases_visible_to
from probation.workforce.models import User

#: How many of the court officer's courts have a hearing on the world's day, one case each.
HEARINGS_TODAY = 6


def step_todays_hearings(ctx: BuildContext) -> None:
    """A hearing on the world's day at each of a few of the demo court officer's courts, of a
    case already on the caseload (an alleged further offence, not yet convicted)."""
    if ctx.phase:
        ctx.phase("Listing today's hearings")
    officer = User.objects.select_related("organisation", "office").get(
        pk=ctx.staff.demo["court.officer"].pk
    )
    rng = random.Random(f"{ctx.seed}:hearings")
    courts = list(courts_of_officer(officer).order_by("code")[:HEARINGS_TODAY])
    offences = list(Offence.objects.order_by("code")[:20])
    if not courts or not offences:
        return
    cases = list(
        cases_visible_to(officer)
        .filter(status=CaseStatus.ACTIVE, contract_area__in={c.contract_area_id for c in courts})
        .select_related("person")
        .order_by("pk")[: HEARINGS_TODAY * 20]
    )
    rng.shuffle(cases)
    for court, case in zip(courts, cases, strict=False):
        court_event_record(
            case=case,
            by_user=officer,
            court=court,
            hearing_date=ctx.as_of,
            conviction_date=None,
            offences=[
                OffenceCharged(
                    offence=rng.choice(offences),
                    offence_date=ctx.as_of - dt.timedelta(days=rng.randint(7, 60)),
                    is_main=True,
                )
            ],
        )
        ctx.counts["hearings_today"] += 1
