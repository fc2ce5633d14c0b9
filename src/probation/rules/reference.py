"""Reference codes the rules validate against.

Specs: ``docs/domain/reference-data.md`` (the 21 contract package areas) and
``docs/domain/sentences.md`` (requirement keys and which are restrictive).

Only the stable parts live here. CRC *ownership* of an area changed over time (dated reference
data in the database), so it is deliberately absent: the rules only need to know a code is real.
"""

from __future__ import annotations

import types
from collections.abc import Mapping
from typing import Final

#: Contract package area code -> name (``reference-data.md``; the codes are the platform's own).
CONTRACT_AREAS: Final[Mapping[str, str]] = types.MappingProxyType(
    {
        "C01": "Northumbria",
        "C02": "Cumbria and Lancashire",
        "C03": "South Yorkshire",
        "C04": "Bedfordshire, Northamptonshire, Cambridgeshire and Hertfordshire",
        "C05": "Essex",
        "C06": "Norfolk and Suffolk",
        "C07": "Cheshire and Greater Manchester",
        "C08": "Merseyside",
        "C09": "West Yorkshire",
        "C10": "Humberside, Lincolnshire and North Yorkshire",
        "C11": "Hampshire and Isle of Wight",
        "C12": "London",
        "C13": "Thames Valley",
        "C14": "Bristol, Gloucestershire, Somerset and Wiltshire",
        "C15": "Dorset, Devon and Cornwall",
        "C16": "Wales",
        "C17": "Staffordshire and West Midlands",
        "C18": "Derbyshire, Leicestershire, Nottinghamshire and Rutland",
        "C19": "Durham Tees Valley",
        "C20": "Kent, Surrey and Sussex",
        "C21": "Warwickshire and West Mercia",
    }
)

#: The 21 contract area codes, C01..C21, in order.
CONTRACT_AREA_CODES: Final[tuple[str, ...]] = tuple(CONTRACT_AREAS)

#: Requirement keys of community orders and suspended sentence orders (``sentences.md``).
REQUIREMENT_KEYS: Final[tuple[str, ...]] = (
    "unpaid_work",
    "rehabilitation_activity",
    "programme",
    "prohibited_activity",
    "curfew",
    "exclusion",
    "residence",
    "foreign_travel_prohibition",
    "mental_health_treatment",
    "drug_rehabilitation",
    "alcohol_treatment",
    "alcohol_abstinence_monitoring",
    "attendance_centre",
)

#: Requirements that restrict rather than rehabilitate (``sentences.md``, ``tiering.md``).
RESTRICTIVE_REQUIREMENTS: Final[frozenset[str]] = frozenset(
    {
        "curfew",
        "exclusion",
        "prohibited_activity",
        "foreign_travel_prohibition",
        "alcohol_abstinence_monitoring",
    }
)
