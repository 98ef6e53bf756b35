"""Fairness: who gets invited and who gets a good outcome, per group.

Groups: age band, gender, the target-group flags (banenafspraak, statushouder,
young under 27) and the benefit-duration band. Per group the report shows the
caseload size, the share invited in the period, and among the invited the
share with a WEP or regular job (any employer) and with a regular job. A
group far below the others on invitation share is the first thing to look
at: the outcome share is only as informative as the number invited (``n``).
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any

import pandas as pd

__all__ = ["FAIRNESS_GROUPS", "FairnessRow", "fairness_tables"]

#: Grouping column -> Dutch heading.
FAIRNESS_GROUPS: dict[str, str] = {
    "age_band": "leeftijd",
    "gender": "geslacht",
    "banenafspraak": "banenafspraak (doelgroepregister)",
    "statushouder": "statushouder",
    "young_under_27": "jonger dan 27",
    "benefit_band": "uitkeringsduur",
}
_BAND_ORDER = ["<6m", "6-12m", "1-3y", "3-5y", "5-10y", "10y+"]


@dataclass(frozen=True)
class FairnessRow:
    group: str
    value: str
    n: int
    invited: int
    invited_share: float | None
    good_share_of_invited: float | None
    job_share_of_invited: float | None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _value_label(value: object) -> str:
    if value is None or (isinstance(value, float) and pd.isna(value)):
        return "onbekend"
    if isinstance(value, bool):
        return "ja" if value else "nee"
    return str(value)


def fairness_tables(candidates: pd.DataFrame) -> dict[str, list[FairnessRow]]:
    """One table per grouping column, rows in a natural order."""
    tables: dict[str, list[FairnessRow]] = {}
    frame = candidates.assign(
        is_job=candidates["category"] == "job",
    )
    for column in FAIRNESS_GROUPS:
        if column not in frame:
            continue
        labels = frame[column].map(_value_label)
        rows = []
        for value, part in frame.groupby(labels, sort=True):
            invited = part[part["invited"]]
            k = len(invited)
            rows.append(
                FairnessRow(
                    group=column,
                    value=str(value),
                    n=len(part),
                    invited=k,
                    invited_share=k / len(part) if len(part) else None,
                    good_share_of_invited=float(invited["good"].mean()) if k else None,
                    job_share_of_invited=float(invited["is_job"].mean()) if k else None,
                )
            )
        if column == "benefit_band":
            rows.sort(key=lambda r: _BAND_ORDER.index(r.value) if r.value in _BAND_ORDER else 99)
        tables[column] = rows
    return tables
