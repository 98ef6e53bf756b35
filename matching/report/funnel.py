"""The funnel: invited -> attended -> follow-up -> WEP/job -> sustained 6 and 12 months."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

__all__ = ["FunnelStep", "funnel"]

STEP_LABELS_NL = {
    "invited": "uitgenodigd",
    "attended": "aanwezig",
    "follow_up": "vervolggesprek",
    "placed": "WEP of baan",
    "sustained_6m": "na 6 maanden nog aan het werk",
    "sustained_12m": "na 12 maanden nog aan het werk",
}


@dataclass(frozen=True)
class FunnelStep:
    """Candidates that reached a step, as a count and as shares.

    ``unknown`` counts placements whose check-in for that month is not in yet
    (only for the sustained steps); they are not counted as sustained.
    """

    step: str
    label: str
    count: int
    share_of_invited: float | None
    share_of_previous: float | None
    unknown: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def funnel(candidates: pd.DataFrame) -> list[FunnelStep]:
    """The funnel of the candidates invited in the period (distinct candidates per step)."""
    invited = candidates[candidates["invited"]]
    n = len(invited)
    counts = [
        ("invited", n, 0),
        ("attended", int(invited["attended"].sum()), 0),
        ("follow_up", int(invited["follow_up"].sum()), 0),
        ("placed", int(invited["placed"].sum()), 0),
    ]
    placed = invited[invited["placed"]]
    for months in (6, 12):
        column = placed[f"sustained_{months}m"]
        working = int((column == True).sum())
        counts.append((f"sustained_{months}m", working, int(column.isna().sum())))
    steps = []
    previous = None
    for step, count, unknown in counts:
        steps.append(
            FunnelStep(
                step=step,
                label=STEP_LABELS_NL[step],
                count=count,
                share_of_invited=count / n if n else None,
                share_of_previous=(count / previous if previous else None)
                if previous is not None else None,
                unknown=unknown,
            )
        )
        previous = count
    return steps
