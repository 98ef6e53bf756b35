"""Dates of the simulated period: months anchored at the start date, one event per month."""

from __future__ import annotations

import calendar
import datetime as dt


def add_months(day: dt.date, months: int) -> dt.date:
    """``day`` moved by whole months, clipped to the end of shorter months."""
    index = day.year * 12 + (day.month - 1) + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return dt.date(year, month + 1, min(day.day, last))


def month_start(start: dt.date, m: int) -> dt.date:
    return add_months(start, m)


def period_end(start: dt.date, months: int) -> dt.date:
    """Last day of the simulated period."""
    return add_months(start, months) - dt.timedelta(days=1)


def event_date(start: dt.date, m: int) -> dt.date:
    """The month's *prettig gesprek*: the first Tuesday at least a week into month ``m``."""
    day = month_start(start, m) + dt.timedelta(days=7)
    return day + dt.timedelta(days=(1 - day.weekday()) % 7)


def month_index(start: dt.date, day: dt.date) -> int:
    """Index of the simulated month containing ``day`` (negative before the start)."""
    m = (day.year - start.year) * 12 + (day.month - start.month)
    if day < add_months(start, m):
        m -= 1
    elif day >= add_months(start, m + 1):
        m += 1
    return m
