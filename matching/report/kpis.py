"""Werktop KPIs: new employer contacts, regular jobs and WEPs against the goals."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

from matching.report.data import ReportData
from matching.report.period import Period

__all__ = ["Goals", "KpiRow", "werktop_kpis"]


@dataclass(frozen=True)
class Goals:
    """Goals per municipality for the reported period.

    The defaults are the Werktop goals per municipality per project (Tilburg
    University evaluation, 2014): 70 new employer contacts, 40 regular jobs and
    20 work-experience places. The Werktop projects ran 13-16 months; pass your
    own goals when the period is much shorter or longer.
    """

    new_contacts: int = 70
    jobs: int = 40
    weps: int = 20

    def __post_init__(self) -> None:
        for name in ("new_contacts", "jobs", "weps"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"goal {name} must be a whole number >= 0, got {value!r}")

    @classmethod
    def from_mapping(cls, data: dict[str, Any]) -> Goals:
        unknown = sorted(set(data) - {"new_contacts", "jobs", "weps"})
        if unknown:
            raise ValueError(f"unknown goal {unknown[0]!r}; known goals: new_contacts, jobs, weps")
        return cls(**data)


@dataclass(frozen=True)
class KpiRow:
    """The KPIs of one municipality in the period, with the goals and how far along."""

    municipality: str
    new_contacts: int
    jobs: int
    weps: int
    goal_new_contacts: int
    goal_jobs: int
    goal_weps: int

    @staticmethod
    def _share(value: int, goal: int) -> float | None:
        return value / goal if goal else None

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["share_of_goal"] = {
            "new_contacts": self._share(self.new_contacts, self.goal_new_contacts),
            "jobs": self._share(self.jobs, self.goal_jobs),
            "weps": self._share(self.weps, self.goal_weps),
        }
        return data


def werktop_kpis(data: ReportData, period: Period, goals: Goals) -> list[KpiRow]:
    """KPIs per municipality: employers first contacted in the period, programme jobs and WEPs.

    Jobs and WEPs are programme outcomes (with an employer from the network)
    agreed in the period (see :mod:`matching.report.data` for the date); each
    placement counts once.
    """
    municipalities = sorted(
        set(data.candidates.get("municipality", pd.Series(dtype=str)))
        | set(data.employers.get("municipality", pd.Series(dtype=str)))
    )
    employers = data.employers
    contacts = (
        employers[employers["first_contact"].map(period.contains).astype(bool)]
        .groupby("municipality").size()
        if not employers.empty else pd.Series(dtype=int)
    )
    outcomes = data.outcomes
    if not outcomes.empty:
        outcomes = outcomes[
            outcomes["employer_id"].notna() & outcomes["date"].map(period.contains).astype(bool)
        ]
        placed = outcomes.groupby(["municipality", "kind"]).size()
    else:
        placed = pd.Series(dtype=int)
    rows = []
    for municipality in municipalities:
        rows.append(
            KpiRow(
                municipality=municipality,
                new_contacts=int(contacts.get(municipality, 0)),
                jobs=int(placed.get((municipality, "job"), 0)),
                weps=int(placed.get((municipality, "wep"), 0)),
                goal_new_contacts=goals.new_contacts,
                goal_jobs=goals.jobs,
                goal_weps=goals.weps,
            )
        )
    return rows
