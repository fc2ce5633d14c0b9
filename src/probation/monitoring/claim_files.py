"""Reading a provider's claim file: one ``device_serial,day`` a line (an optional header line
``device_serial,day``; ``day`` as ``YYYY-MM-DD``), refused whole with the file name and each bad
line when it cannot be read (``probation.monitoring.claim_services`` reconciles what it reads).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from typing import Final

from probation.core.errors import InvalidInput

#: A national month is about 20,000 tags, 31 days each: = 620,000 lines of ~25 bytes.
MAX_CLAIM_BYTES: Final = 32 * 1024 * 1024
MAX_LINES: Final = 1_000_000
MAX_ERRORS: Final = 20
MAX_FILE_NAME: Final = 200
HEADER: Final = "device_serial,day"
UNKNOWN_DEVICE: Final = "The provider has no device with this serial number."
OUTSIDE_MONTH: Final = "The day is not in the month claimed."

_SERIAL = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.:-]{0,39}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


class ClaimFileError(InvalidInput):
    """The claim file cannot be read: the file name and each bad line, in words."""

    def __init__(self, file_name: str, problems: list[str]) -> None:
        shown = problems[:MAX_ERRORS]
        more = len(problems) - len(shown)
        message = f"{file_name}: " + "; ".join(shown)
        if more:
            message += f"; and {more:,} more problem{'s' if more != 1 else ''}"
        super().__init__(message, field="claim_file")
        self.problems = problems


@dataclass(frozen=True, slots=True)
class ClaimedDay:
    line: int
    serial: str
    day: dt.date


def _claim_line(line: str) -> tuple[str, dt.date]:
    parts = [part.strip() for part in line.split(",")]
    if len(parts) != 2:
        raise ValueError("expected a device serial and a day, separated by a comma")
    serial, day_text = parts
    if not _SERIAL.match(serial):
        raise ValueError(f"{serial[:45]!r} is not a device serial")
    try:
        if not _DAY.match(day_text):
            raise ValueError(day_text)
        return serial, dt.date.fromisoformat(day_text)
    except ValueError:
        raise ValueError(f"{day_text[:20]!r} is not a day (YYYY-MM-DD)") from None


def parse_claim(csv_bytes: bytes, *, file_name: str) -> list[ClaimedDay]:
    """The claimed device-days of a claim file, or :class:`ClaimFileError` with every bad line."""
    if len(csv_bytes) > MAX_CLAIM_BYTES:
        raise ClaimFileError(file_name, [f"the file is larger than {MAX_CLAIM_BYTES // 2**20} MB"])
    try:
        text = csv_bytes.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ClaimFileError(file_name, ["the file is not UTF-8 text"]) from None
    lines = text.splitlines()
    if len(lines) > MAX_LINES:
        raise ClaimFileError(file_name, [f"the file has more than {MAX_LINES:,} lines"])
    problems: list[str] = []
    claimed: list[ClaimedDay] = []
    first_line: dict[tuple[str, dt.date], int] = {}
    for number, raw in enumerate(lines, start=1):
        line = raw.strip()
        if not line or (number == 1 and line.replace(" ", "").lower() == HEADER):
            continue
        try:
            serial, day = _claim_line(line)
        except ValueError as problem:
            problems.append(f"line {number}: {problem}")
            continue
        earlier = first_line.get((serial, day))
        if earlier is not None:
            problems.append(
                f"line {number}: {serial} on {day} is already claimed on line {earlier}"
            )
            continue
        first_line[(serial, day)] = number
        claimed.append(ClaimedDay(number, serial, day))
    if problems:
        raise ClaimFileError(file_name, problems)
    if not claimed:
        raise ClaimFileError(file_name, ["the file claims no days"])
    return claimed
