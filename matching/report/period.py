"""Report periods: a year, a quarter, a month or a range of months."""

from __future__ import annotations

import calendar
import datetime as dt
import re
from dataclasses import dataclass

__all__ = ["Period", "last_months", "parse_period"]

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})-[Qq]([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(\d{2})$")


@dataclass(frozen=True)
class Period:
    """A closed range of days, ``start`` to ``end`` inclusive, with the text it came from."""

    start: dt.date
    end: dt.date
    label: str

    def __post_init__(self) -> None:
        if self.end < self.start:
            raise ValueError(
                f"period {self.label!r} ends ({self.end}) before it starts ({self.start})"
            )

    def contains(self, day: object) -> bool:
        """Whether ``day`` falls in the period; missing values (None, NaN) do not."""
        return isinstance(day, dt.date) and self.start <= day <= self.end

    @property
    def months(self) -> int:
        """Length in whole calendar months (a partial month counts as one)."""
        return (self.end.year - self.start.year) * 12 + self.end.month - self.start.month + 1

    def to_dict(self) -> dict[str, str]:
        return {"label": self.label, "start": self.start.isoformat(), "end": self.end.isoformat()}


def _month_end(year: int, month: int) -> dt.date:
    return dt.date(year, month, calendar.monthrange(year, month)[1])


def _month(text: str) -> tuple[int, int]:
    match = _MONTH.match(text)
    if not match:
        raise ValueError(f"{text!r} is not a month like 2026-03")
    year, month = int(match.group(1)), int(match.group(2))
    if not 1 <= month <= 12:
        raise ValueError(f"{text!r}: month must be 01-12")
    return year, month


def parse_period(text: str) -> Period:
    """Parse ``2026``, ``2026-Q1``, ``2026-03`` or a month range ``2025-06:2026-05``.

    Examples
    --------
    >>> parse_period("2026-Q2")
    Period(start=datetime.date(2026, 4, 1), end=datetime.date(2026, 6, 30), label='2026-Q2')
    >>> parse_period("2025-06:2026-05").months
    12
    """
    text = text.strip()
    if match := _YEAR.match(text):
        year = int(match.group(1))
        return Period(dt.date(year, 1, 1), dt.date(year, 12, 31), text)
    if match := _QUARTER.match(text):
        year, quarter = int(match.group(1)), int(match.group(2))
        first = 3 * (quarter - 1) + 1
        return Period(dt.date(year, first, 1), _month_end(year, first + 2), text.upper())
    if ":" in text:
        left, _, right = text.partition(":")
        (y1, m1), (y2, m2) = _month(left.strip()), _month(right.strip())
        if (y2, m2) < (y1, m1):
            raise ValueError(f"period {text!r} ends before it starts")
        return Period(dt.date(y1, m1, 1), _month_end(y2, m2), text)
    if _MONTH.match(text):
        year, month = _month(text)
        return Period(dt.date(year, month, 1), _month_end(year, month), text)
    raise ValueError(
        f"period {text!r} not understood; use 2026, 2026-Q1, 2026-03 or 2025-06:2026-05"
    )


def last_months(today: dt.date, months: int = 12) -> str:
    """The ``months`` complete calendar months before ``today``'s, as a period text.

    >>> last_months(dt.date(2026, 12, 4))
    '2025-12:2026-11'
    """
    end = today.year * 12 + today.month - 2  # last month, counted from year 0
    start = end - months + 1
    return f"{start // 12:04d}-{start % 12 + 1:02d}:{end // 12:04d}-{end % 12 + 1:02d}"
