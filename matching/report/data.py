"""Loading the report's inputs with a few bulk queries, and one row per candidate.

Everything the report needs is read in one query per table (filtered on the
municipality in SQL) into pandas frames; only placements and their check-ins
become domain records, so that "sustained" is derived by exactly the same
rule as in aftercare (:func:`matching.outcomes.aftercare.sustained`).

Definitions used throughout the report
--------------------------------------
* An outcome's *date* is the day it was agreed: the earlier of its
  ``start_date`` and ``recorded_on`` (a job recorded in March that starts in
  May was agreed in March; a job recorded late was agreed by its start). An
  outcome belongs to the period when its date does.
* A candidate invited in the period is followed from their first invitation
  in the period to its end; their outcomes are those dated in that window.
* A *programme* outcome has an employer from werkkans's network
  (``employer_id`` set); work found elsewhere has none.
* A candidate's *best* outcome in the period is the highest kind
  (none < follow-up < trial < WEP < job), the earliest one on ties.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import pandas as pd
import sqlalchemy as sa

from matching.outcomes.aftercare import sustained
from matching.records.enums import OutcomeKind
from matching.records.schemas import (
    Candidate,
    CheckIn,
    Employer,
    Event,
    ExplorationDraw,
    Invitation,
    Outcome,
    Record,
    TableMeeting,
)
from matching.records.storage import TABLES, Store
from matching.report.net_effect import add_cell_columns
from matching.report.period import Period

__all__ = ["KIND_RANK", "ReportData", "candidate_frame", "load_report_data"]

KIND_RANK = {kind.value: rank for rank, kind in enumerate(OutcomeKind)}
_CANDIDATE_COLUMNS = (
    "id", "municipality", "age_band", "gender", "education", "benefit_type", "benefit_months",
    "rung", "banenafspraak", "statushouder", "young_under_27", "relationship_manager",
    "registered_on",
)


@dataclass
class ReportData:
    """Every table the report reads, as frames (outcomes with sustained 6/12 added)."""

    candidates: pd.DataFrame
    employers: pd.DataFrame
    events: pd.DataFrame
    invitations: pd.DataFrame
    meetings: pd.DataFrame
    outcomes: pd.DataFrame
    checkins: pd.DataFrame
    draws: pd.DataFrame  # the exploration seats' lotteries (ExplorationDraw)


def _frame(
    conn: sa.Connection,
    record_type: type[Record],
    municipality: str | None,
    columns: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    table = TABLES[record_type]
    selected = [table.c[name] for name in columns] if columns else [table]
    query = sa.select(*selected)
    if municipality is not None:
        query = query.where(table.c.municipality == municipality)
    result = conn.execute(query)
    names = list(result.keys())
    rows = result.all()
    by_column = list(zip(*rows, strict=False)) if rows else [()] * len(names)
    # object columns keep dates and None as they are; pandas infers numbers and strings
    return pd.DataFrame({name: pd.Series(list(values), dtype=object) for name, values in
                         zip(names, by_column, strict=False)}).infer_objects() if rows else pd.DataFrame(
        columns=names)


def _with_sustained(outcomes: pd.DataFrame, checkins: pd.DataFrame) -> pd.DataFrame:
    """Add ``date``, ``sustained_6m`` and ``sustained_12m`` (True/False/None) to outcomes."""
    out = outcomes.copy()
    out["date"] = [
        min(start, recorded) if isinstance(start, dt.date) else recorded
        for start, recorded in zip(out["start_date"], out["recorded_on"], strict=False)
    ]
    s6 = pd.Series([False] * len(out), index=out.index, dtype=object)
    s12 = s6.copy()
    placements = out["kind"].isin([k.value for k in OutcomeKind if k.is_placement])
    by_outcome: dict[str, list[CheckIn]] = {}
    if not checkins.empty:
        for row in checkins.to_dict("records"):
            by_outcome.setdefault(row["outcome_id"], []).append(CheckIn.model_validate(row))
    for index, row in out[placements].iterrows():
        record = Outcome.model_validate(
            {k: (None if _missing(v) else v) for k, v in row.items() if k in Outcome.model_fields}
        )
        found = by_outcome.get(record.id, [])
        s6[index] = sustained(record, found, 6)
        s12[index] = sustained(record, found, 12)
    out["sustained_6m"] = s6
    out["sustained_12m"] = s12
    return out


def _missing(value: object) -> bool:
    return value is None or (isinstance(value, float) and np.isnan(value)) or value is pd.NaT


def load_report_data(store: Store, municipality: str | None = None) -> ReportData:
    """Read everything the report needs in one query per table."""
    with store.engine.connect() as conn:
        candidates = _frame(conn, Candidate, municipality, _CANDIDATE_COLUMNS)
        employers = _frame(conn, Employer, municipality, ("id", "municipality", "first_contact"))
        events = _frame(conn, Event, municipality, ("id", "municipality", "date"))
        invitations = _frame(
            conn, Invitation, municipality,
            ("id", "municipality", "event_id", "candidate_id", "status", "attended", "invited_by"),
        )
        meetings = _frame(
            conn, TableMeeting, municipality,
            ("id", "municipality", "event_id", "employer_id", "candidate_id", "follow_up"),
        )
        outcomes = _frame(conn, Outcome, municipality)
        checkins = _frame(conn, CheckIn, municipality)
        draws = _frame(conn, ExplorationDraw, municipality, ("event_id", "candidate_id", "drawn"))
    return ReportData(
        candidates=candidates,
        employers=employers,
        events=events,
        invitations=invitations,
        meetings=meetings,
        outcomes=_with_sustained(outcomes, checkins),
        checkins=checkins,
        draws=draws,
    )


def _best_per_candidate(outcomes: pd.DataFrame) -> pd.DataFrame:
    """The best outcome per candidate (highest kind, earliest on ties)."""
    if outcomes.empty:
        return outcomes.set_index("candidate_id")
    ranked = outcomes.assign(rank=outcomes["kind"].map(KIND_RANK))
    ranked = ranked.sort_values(["candidate_id", "rank", "date"], ascending=[True, False, True])
    return ranked.drop_duplicates("candidate_id").set_index("candidate_id")


def candidate_frame(data: ReportData, period: Period) -> pd.DataFrame:
    """One row per candidate: group, funnel steps and best outcome.

    Columns added to the candidate fields: ``education_group``,
    ``benefit_band``, ``invited`` (invited to an event in the period),
    ``start`` (first invitation in the period), ``invited_by`` (what the plan
    of that invitation maximised; None when invited by hand), ``ever_invited``, ``group``
    (``treated`` / ``comparison`` / None), ``attended``, ``follow_up``,
    ``category`` (job / wep / neither, any employer), ``good``, ``placed``
    (a programme WEP or job), ``placed_kind`` and ``sustained_6m`` /
    ``sustained_12m`` of the best programme placement. Outcomes count from
    ``start`` to the period's end for invited candidates, over the whole
    period for the others.
    """
    cands = add_cell_columns(data.candidates).set_index("id")
    inv = data.invitations
    if not inv.empty:
        event_dates = data.events.set_index("id")["date"]
        inv = inv.assign(event_date=inv["event_id"].map(event_dates))
        in_period = inv[inv["event_date"].map(period.contains).astype(bool)]
    else:
        in_period = inv
    first = in_period.groupby("candidate_id")["event_date"].min() if not inv.empty else pd.Series(
        dtype=object)
    cands["ever_invited"] = cands.index.isin(inv["candidate_id"]) if not inv.empty else False
    cands["invited"] = cands.index.isin(first.index)
    cands["start"] = cands.index.map(first).where(cands["invited"], None)
    # what the plan that first invited them in the period maximised (None: invited by hand)
    objective = (in_period.sort_values(["event_date", "id"]).groupby("candidate_id")["invited_by"]
                 .first() if not inv.empty else pd.Series(dtype=object))
    cands["invited_by"] = cands.index.map(objective).where(cands["invited"], None)
    cands["group"] = np.where(cands["invited"], "treated",
                              np.where(cands["ever_invited"], None, "comparison"))  # type: ignore[call-overload]  # numpy's stubs leave out None
    came: set[str] = set()
    if not inv.empty:
        came = set(in_period.loc[in_period["attended"] == True, "candidate_id"])
    cands["attended"] = cands.index.isin(came)

    meet = data.meetings
    followed: set[str] = set()
    if not meet.empty and not inv.empty:
        period_events = set(in_period["event_id"])
        chosen = meet["event_id"].isin(period_events) & (meet["follow_up"] == True)
        followed = set(meet.loc[chosen, "candidate_id"])

    outcomes = data.outcomes
    if not outcomes.empty:
        window_start = outcomes["candidate_id"].map(cands["start"])
        window_start = window_start.where(window_start.notna(), period.start)
        dates = outcomes["date"]
        keep = [
            isinstance(d, dt.date) and s <= d <= period.end
            for d, s in zip(dates, window_start, strict=False)
        ]
        outcomes = outcomes[keep]
    best_any = _best_per_candidate(outcomes)
    programme = outcomes[outcomes["employer_id"].notna()] if not outcomes.empty else outcomes
    best_programme = _best_per_candidate(programme)

    def column(frame: pd.DataFrame, name: str) -> pd.Series:
        if frame.empty:
            return pd.Series(None, index=cands.index, dtype=object)
        return frame[name].reindex(cands.index)

    cands["category"] = column(best_any, "kind").map({"job": "job", "wep": "wep"}).fillna("neither")
    cands["good"] = cands["category"].isin(["job", "wep"])
    kind_prog = column(best_programme, "kind")
    rank_prog = kind_prog.map(KIND_RANK).fillna(-1)
    cands["follow_up"] = cands.index.isin(followed) | (rank_prog >= KIND_RANK["follow_up"])
    cands["placed"] = kind_prog.isin(["job", "wep"])
    cands["placed_kind"] = kind_prog.where(cands["placed"], None)
    cands["placed_outcome"] = column(best_programme, "id").where(cands["placed"], None)
    for months in (6, 12):
        name = f"sustained_{months}m"
        cands[name] = column(best_programme, name).where(cands["placed"], None)
    return cands
