"""Invitations per group and month, and an alert when a group falls out of its bounds.

In Rijk van Nijmegen placements of people aged 55+ fell while those of
younger people rose, and nobody saw it until the evaluation. This section
makes such a drift visible while it happens:

* per protected group (aged 55-67, women, statushouder, banenafspraak,
  benefit for 3 years or more) and per calendar month of the period, the
  **invitation ratio**: the share of the group's candidates invited that
  month divided by the share of everyone else invited that month. 1 is
  equal treatment; 0.5 means half as often.
* an **alert** when, over the last three months of the period pooled, a
  group's ratio is outside the municipality's bounds (default 0.8-1.25, the
  four-fifths rule and its mirror) while the group has at least
  :data:`MIN_GROUP` candidates, so a handful of people never raise one.

Protected attributes are used here only to measure; no model sees them.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from matching.report.period import Period
from matching.shortlists.fair_exposure import GROUPS

__all__ = ["MIN_GROUP", "TREND_GROUPS", "GroupTrend", "fairness_trend", "group_members"]

#: Group -> Dutch label: the groups the fair-exposure policy keeps in bounds.
TREND_GROUPS: dict[str, str] = GROUPS
#: Fewest candidates in a group (and outside it) for an alert.
MIN_GROUP = 20
#: Months pooled for the alert.
ALERT_MONTHS = 3


def group_members(candidates: pd.DataFrame) -> dict[str, pd.Series]:
    """Per protected group: which rows of ``candidates`` (as the report loads them) belong to it."""
    def flag(column: str) -> pd.Series:
        return candidates[column].fillna(False).astype(bool) if column in candidates else pd.Series(
            False, index=candidates.index
        )

    return {
        "age_55_plus": candidates.get("age_band", pd.Series(index=candidates.index, dtype=object)) == "55-67",
        "women": candidates.get("gender", pd.Series(index=candidates.index, dtype=object)) == "v",
        "statushouder": flag("statushouder"),
        "banenafspraak": flag("banenafspraak"),
        "benefit_3y_plus": candidates.get("benefit_months", pd.Series(0, index=candidates.index)) >= 36,
    }


@dataclass(frozen=True)
class GroupTrend:
    """One group's invitation ratio per month, and whether it left the bounds lately."""

    group: str
    label: str
    n: int
    months: list[str]  # "2026-03"
    ratios: list[float | None]  # None: nobody outside or inside the group was invited
    recent_ratio: float | None
    alert: bool
    bounds: tuple[float, float]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _month_key(day: dt.date) -> str:
    return f"{day.year:04d}-{day.month:02d}"


def _ratio(invited_in: int, n_in: int, invited_out: int, n_out: int) -> float | None:
    if n_in == 0 or n_out == 0 or invited_out == 0:
        return None
    return (invited_in / n_in) / (invited_out / n_out)


def fairness_trend(
    candidates: pd.DataFrame,
    invitations: pd.DataFrame,
    event_dates: pd.Series,
    period: Period,
    *,
    bounds: tuple[float, float] = (0.8, 1.25),
) -> list[GroupTrend]:
    """Per group, the monthly invitation ratio over ``period`` and an alert (module docstring).

    ``candidates`` has one row per candidate (``id``, ``age_band``, ``gender``,
    ``statushouder``, ``banenafspraak``, ``benefit_months``), ``invitations``
    one per invitation (``event_id``, ``candidate_id``), ``event_dates`` maps
    an event id to its date.
    """
    low, high = bounds
    if not 0 < low <= 1 <= high:
        raise ValueError(f"bounds must satisfy 0 < low <= 1 <= high, got {bounds}")
    cands = candidates.set_index("id")
    members = group_members(cands)
    months = []
    day = dt.date(period.start.year, period.start.month, 1)
    while day <= period.end:
        months.append(_month_key(day))
        day = dt.date(day.year + day.month // 12, day.month % 12 + 1, 1)
    invited_by_month: dict[str, set[str]] = {m: set() for m in months}
    if not invitations.empty:
        dates = invitations["event_id"].map(event_dates)
        for cid, date in zip(invitations["candidate_id"], dates, strict=True):
            if isinstance(date, dt.date) and period.contains(date) and cid in cands.index:
                invited_by_month[_month_key(date)].add(cid)
    recent = months[-ALERT_MONTHS:]
    out = []
    for group, label in TREND_GROUPS.items():
        inside = set(cands.index[members[group].to_numpy(dtype=bool)])
        n_in, n_out = len(inside), len(cands) - len(inside)
        ratios = []
        for m in months:
            k_in = len(invited_by_month[m] & inside)
            ratios.append(_ratio(k_in, n_in, len(invited_by_month[m]) - k_in, n_out))
        pooled_in = sum(len(invited_by_month[m] & inside) for m in recent)
        pooled_all = sum(len(invited_by_month[m]) for m in recent)
        recent_ratio = _ratio(pooled_in, n_in, pooled_all - pooled_in, n_out)
        alert = (
            recent_ratio is not None
            and min(n_in, n_out) >= MIN_GROUP
            and not low <= recent_ratio <= high
        )
        out.append(GroupTrend(group, label, n_in, months, ratios, recent_ratio, alert, bounds))
    return out
