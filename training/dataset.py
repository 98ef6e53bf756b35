"""Graded (candidate, work need) pairs from the history of table meetings, for ranker training.

Every table meeting (a candidate at an employer's table at a *prettig
gesprek*) becomes one pair, labelled with what came of it:

===== =============================================================
grade meaning
===== =============================================================
0     nothing came of it
1     follow-up conversation (the meeting's ``follow_up`` flag or an
      outcome ``follow_up``), or a trial placement (proefplaatsing)
2     work-experience place (WEP)
3     regular job
4     regular job, still working at the 6-month check-in
===== =============================================================

Decisions, in the order they are applied:

* **Which outcomes belong to a meeting.** An outcome with the meeting's
  candidate, employer and event belongs to it. An outcome with candidate and
  employer but no event belongs to the latest meeting of that pair held on
  or before the outcome's date (its start date, else the day it was
  recorded). Outcomes without an employer (work found elsewhere) and
  outcomes no meeting precedes are not pairs. The label is the best grade
  among the meeting's follow-up flag and its outcomes.
* Grades are :func:`matching.outcomes.labels.graded_label` (a trial placement is a
  1: a step beyond a talk, not a good outcome). The calibrated probability
  is about a good outcome (WEP or job); ``pairs["good"]`` holds it.
* **Which work need.** The work need of the meeting's best outcome that
  names one (of that employer); otherwise the employer's work need whose
  text is most similar to the candidate's (cosine similarity in the text
  space), among the needs that existed on the event date (``created_on``
  empty or on/before it), falling back to all the employer's needs. A
  meeting with an employer without any work need is left out. Because only
  meetings with an outcome name their work need, positives and negatives are
  mapped slightly differently; ``pairs["need_source"]`` records which rule
  applied so the effect can be measured.
* **Lists.** Pairs are grouped per work need (``group_by="work_need"``: the
  shortlist question "which candidates for this work?") or per event table
  (``group_by="event_table"``).
* **No leakage** and **erased candidates**: features are computed as of the
  event date and erased candidates are left out, also from employers' track
  records, by :class:`training.pair_featurizer.PairFeaturizer` (see there).
* Protected attributes (age band, gender, target-group flags) are kept in
  ``subgroups`` for fairness evaluation only; they are never features.

Everything runs on column arrays; 500k meetings build in well under a minute
plus the time to embed texts not yet in the embedding cache.

:mod:`training.time_split` splits the pairs into earlier (train) and later
(test) months.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa

from matching.outcomes.aftercare import sustained
from matching.outcomes.labels import graded_label
from matching.records.enums import BenefitDurationBand, OutcomeKind
from matching.records.schemas import Candidate, CheckIn, Employer, Outcome, Record, WorkNeed
from matching.records.storage import TABLES, Store
from matching.shortlists.features import PROTECTED_ATTRIBUTES
from matching.shortlists.text_models import TextModels
from training.pair_featurizer import (
    _GOOD_KINDS,
    DatasetError,
    History,
    PairFeaturizer,
    load_history,
)

if TYPE_CHECKING:
    from matching.shortlists.text_space import TextSpace

logger = logging.getLogger(__name__)

__all__ = [
    "GOOD_GRADE",
    "SUBGROUP_COLUMNS",
    "PairDataset",
    "build_dataset",
]

#: Grades at or above this count as relevant for recall and MAP (WEP, job).
GOOD_GRADE = 2
#: Evaluation-only columns of ``PairDataset.subgroups`` (never features).
SUBGROUP_COLUMNS: tuple[str, ...] = (
    "age_band",
    "gender",
    "banenafspraak",
    "statushouder",
    "young_under_27",
    "benefit_duration_band",
)
_PAIR_COLUMNS = (
    "meeting_id",
    "candidate_id",
    "employer_id",
    "work_need_id",
    "event_id",
    "table_id",
    "event_date",
    "label",
    "good",
    "need_source",
    "group",
    "explored",
)
_DAY = np.timedelta64(1, "D")

ProgressCallback = Callable[[str, float], None]


@dataclass(frozen=True)
class PairDataset:
    """Graded pairs with their features; row ``i`` of each table is the same pair.

    Attributes
    ----------
    pairs : DataFrame
        ``meeting_id, candidate_id, employer_id, work_need_id, event_id,
        table_id, event_date`` (datetime64), ``label`` (0-4), ``good`` (a WEP or
        job came of it), ``need_source``
        (``"outcome"`` or ``"similarity"``), ``group`` (the list id) and
        ``explored`` (the candidate came on an exploration seat: invited at
        random, so their conversations are free of the ranking's choices).
    features : DataFrame
        :data:`matching.shortlists.features.FEATURE_NAMES` columns.
    subgroups : DataFrame
        :data:`SUBGROUP_COLUMNS`, for evaluation per group only.
    text_models : TextModels or None
        The text readers the features were computed with (fitted on the same
        history); a model trained on these features needs them to score.
    """

    pairs: pd.DataFrame
    features: pd.DataFrame
    subgroups: pd.DataFrame
    text_models: TextModels | None = field(default=None, compare=False)

    def __post_init__(self) -> None:
        n = len(self.pairs)
        if len(self.features) != n or len(self.subgroups) != n:
            raise ValueError(
                f"pairs, features and subgroups must have equal length, got {n}, "
                f"{len(self.features)} and {len(self.subgroups)}"
            )
        leaked = PROTECTED_ATTRIBUTES & set(self.features.columns)
        if leaked:
            raise ValueError(f"protected attributes must not be features: {sorted(leaked)}")

    def __len__(self) -> int:
        return len(self.pairs)

    @property
    def labels(self) -> np.ndarray:
        return self.pairs["label"].to_numpy(dtype=np.int32)

    @property
    def good(self) -> np.ndarray:
        """Whether a good outcome (WEP or regular job) came of each pair."""
        return self.pairs["good"].to_numpy(dtype=bool)

    @property
    def groups(self) -> np.ndarray:
        return self.pairs["group"].to_numpy(dtype=object)

    @property
    def dates(self) -> np.ndarray:
        return self.pairs["event_date"].to_numpy(dtype="datetime64[D]")

    @property
    def months(self) -> list[str]:
        """Calendar months (``"2025-03"``) with at least one meeting, in order."""
        return sorted({str(d)[:7] for d in np.unique(self.dates)})

    @property
    def period(self) -> tuple[dt.date, dt.date] | None:
        """First and last event date, or None when empty."""
        if not len(self):
            return None
        dates = self.dates
        return (dates.min().astype(dt.date), dates.max().astype(dt.date))

    def take(self, rows: np.ndarray) -> PairDataset:
        """The pairs at the given row indices or boolean mask, re-indexed from 0."""

        def pick(frame: pd.DataFrame) -> pd.DataFrame:
            return (
                frame.iloc[rows].reset_index(drop=True) if len(frame.columns) else frame.iloc[rows]
            )

        return PairDataset(
            pick(self.pairs), pick(self.features), pick(self.subgroups), self.text_models
        )

    def summary(self) -> dict[str, object]:
        """Counts for logs and run parameters."""
        period = self.period
        labels = self.labels
        return {
            "pairs": len(self),
            "groups": int(self.pairs["group"].nunique()),
            "months": len(self.months),
            "first_event": None if period is None else period[0].isoformat(),
            "last_event": None if period is None else period[1].isoformat(),
            "good_rate": float(np.mean(self.good)) if len(labels) else float("nan"),
            **{f"grade_{g}": int(np.sum(labels == g)) for g in range(5)},
            "need_from_outcome": int(np.sum(self.pairs["need_source"] == "outcome")),
        }


# --------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------


def _outcome_grades(
    store: Store, outcomes: pd.DataFrame, municipality: str | None, as_of: dt.date | None
) -> np.ndarray:
    """Grade of each outcome row; jobs get 4 when sustained at 6 months (aftercare rule),
    by the check-ins held before ``as_of``."""
    base = {kind.value: graded_label(kind) for kind in OutcomeKind}
    grades = outcomes["kind"].map(base).to_numpy(dtype=np.int32)
    jobs = np.flatnonzero(outcomes["kind"].to_numpy() == OutcomeKind.JOB.value)
    if not jobs.size:
        return grades
    job_ids = set(outcomes["id"].iloc[jobs])
    records = {
        row["id"]: Outcome.model_validate(row)
        for row in _rows(
            store, Outcome, municipality, TABLES[Outcome].c.kind == OutcomeKind.JOB.value
        )
        if row["id"] in job_ids
    }
    checkins: dict[str, list[CheckIn]] = defaultdict(list)
    for row in _rows(store, CheckIn, municipality):
        if row["outcome_id"] in job_ids and (as_of is None or row["date"] < as_of):
            checkins[row["outcome_id"]].append(CheckIn.model_validate(row))
    for i in jobs:
        outcome = records[outcomes["id"].iat[i]]
        grades[i] = graded_label(outcome.kind, sustained(outcome, checkins.get(outcome.id, []), 6))
    return grades


def _rows(
    store: Store, record_type: type[Record], municipality: str | None, *conditions: Any
) -> list[dict[str, Any]]:
    """Whole rows of one table as dicts, optionally filtered."""
    table = TABLES[record_type]
    query = sa.select(table)
    if municipality is not None:
        query = query.where(table.c.municipality == municipality)
    for condition in conditions:
        query = query.where(condition)
    with store.engine.connect() as conn:
        return [dict(r) for r in conn.execute(query).mappings()]


def _attach_outcomes(meetings: pd.DataFrame, outcomes: pd.DataFrame) -> np.ndarray:
    """Row of the meeting each outcome belongs to, -1 for none (see the module docstring)."""
    target = np.full(len(outcomes), -1, dtype=np.int64)
    if not len(outcomes) or not len(meetings):
        return target
    rows = pd.DataFrame(
        {
            "candidate_id": meetings["candidate_id"],
            "employer_id": meetings["employer_id"],
            "event_id": meetings["event_id"],
            "event_date": pd.to_datetime(meetings["event_date"]),
            "row": np.arange(len(meetings)),
        }
    )
    outs = pd.DataFrame(
        {
            "candidate_id": outcomes["candidate_id"],
            "employer_id": outcomes["employer_id"],
            "event_id": outcomes["event_id"],
            "outcome_date": pd.to_datetime(outcomes["outcome_date"]),
            "i": np.arange(len(outcomes)),
        }
    )
    with_event = outs[outs["event_id"].notna() & outs["employer_id"].notna()]
    exact = with_event.merge(
        rows.drop(columns="event_date").drop_duplicates(
            ["candidate_id", "employer_id", "event_id"], keep="last"
        ),
        on=["candidate_id", "employer_id", "event_id"],
        how="inner",
    )
    target[exact["i"].to_numpy()] = exact["row"].to_numpy()
    loose = outs[
        outs["event_id"].isna() & outs["employer_id"].notna() & outs["outcome_date"].notna()
    ]
    if len(loose):
        matched = pd.merge_asof(
            loose.sort_values("outcome_date"),
            rows.drop(columns="event_id").sort_values("event_date"),
            left_on="outcome_date",
            right_on="event_date",
            by=["candidate_id", "employer_id"],
            direction="backward",
        ).dropna(subset=["row"])
        target[matched["i"].to_numpy()] = matched["row"].to_numpy(dtype=np.int64)
    return target


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------


def build_dataset(
    store: Store,
    *,
    text_space: TextSpace,
    municipality: str | None = None,
    group_by: Literal["work_need", "event_table"] = "work_need",
    progress: ProgressCallback | None = None,
    as_of: dt.date | None = None,
    text_models: TextModels | None = None,
) -> PairDataset:
    """Every table meeting in the store as a graded, featurised pair.

    Parameters
    ----------
    store
        The history: candidates, employers, work needs, events, meetings,
        outcomes and check-ins.
    text_space
        Embeds candidates' and work needs' texts (with its embedding cache).
    municipality
        Only this municipality's records; None: all.
    group_by
        ``"work_need"`` (default) or ``"event_table"``: what one ranked list is.
    progress
        Called with a step name and the share done (0-1).
    as_of
        Build the data as they were known on this day: events before it,
        outcomes and check-ins recorded before it (a back-test). None: all.
    text_models
        The text readers to compute features with; None fits them on this
        history (profiles, work needs, invitations and conversations).

    Returns
    -------
    PairDataset
        Sorted by event date, then meeting id.

    Raises
    ------
    DatasetError
        When the store holds no usable table meetings.

    Examples
    --------
    >>> dataset = build_dataset(Store("sqlite:///werkkans.db"), text_space=space)  # doctest: +SKIP
    >>> split = split_by_time(dataset, holdout_months=3)                          # doctest: +SKIP
    """
    if group_by not in ("work_need", "event_table"):
        raise ValueError(f"group_by must be 'work_need' or 'event_table', got {group_by!r}")
    report = progress or (lambda _step, _done: None)
    report("geschiedenis lezen", 0.0)
    history = load_history(store, municipality, as_of)
    meetings, outcomes = history.meetings, history.outcomes
    if not len(meetings):
        raise DatasetError(
            "every table meeting in the store is of an erased candidate: nothing to learn from"
        )

    report("uitkomsten koppelen", 0.1)
    grades = _outcome_grades(store, outcomes, municipality, as_of)
    target = _attach_outcomes(meetings, outcomes)
    attached = target >= 0
    label = meetings["follow_up"].fillna(False).astype(bool).to_numpy(dtype=np.int32)
    np.maximum.at(label, target[attached], grades[attached])
    good = np.zeros(len(meetings), dtype=bool)
    np.logical_or.at(
        good, target[attached], outcomes["kind"].isin(_GOOD_KINDS).to_numpy(dtype=bool)[attached]
    )
    logger.info(
        "%d of %d outcomes with an employer belong to a meeting",
        int(attached.sum()),
        int(outcomes["employer_id"].notna().sum()),
    )

    report("kandidaten en werkvragen lezen", 0.2)
    met = frozenset(meetings["candidate_id"])
    candidates = [c for c in store.list(Candidate, municipality=municipality) if c.id in met]
    missing = met - {c.id for c in candidates}
    if missing:
        raise DatasetError(
            f"{len(missing)} candidates with meetings are not in the store, e.g. {sorted(missing)[:3]}"
        )
    employers = {e.id: e for e in store.list(Employer, municipality=municipality)}
    needs = [
        n for n in store.list(WorkNeed, municipality=municipality) if n.employer_id in employers
    ]

    if text_models is None:
        report("teksten lezen leren", 0.3)
        text_models = _fit_text_models(store, history, label, needs, text_space, municipality)
    report("teksten inbedden", 0.45)
    featurizer = PairFeaturizer(
        candidates,
        needs,
        employers,
        text_space=text_space,
        text_models=text_models,
        track=history.track_record(),
        engagement=history.engagement(),
        out_of_fold=True,
    )

    report("werkvragen kiezen", 0.6)
    cand_row = meetings["candidate_id"].map(featurizer.candidate_index).to_numpy(dtype=np.int64)
    dates = meetings["event_date"].to_numpy(dtype="datetime64[D]")
    need_row = _named_needs(meetings, outcomes, target, grades, needs, featurizer.need_index)
    source = np.where(need_row >= 0, "outcome", "similarity").astype(object)
    open_rows = np.flatnonzero(need_row < 0)
    if open_rows.size:
        need_row[open_rows] = featurizer.most_similar_needs(
            cand_row[open_rows],
            meetings["employer_id"].to_numpy(dtype=object)[open_rows],
            dates[open_rows],
        )
    keep = need_row >= 0
    if not keep.any():
        raise DatasetError("no table meeting is with an employer that has a work need")
    if not keep.all():
        logger.warning(
            "leaving out %d meetings with employers that have no work need", int((~keep).sum())
        )

    report("kenmerken berekenen", 0.7)
    rows = np.flatnonzero(keep)
    features = featurizer.features(cand_row[rows], need_row[rows], dates[rows])

    report("samenstellen", 0.95)
    kept = meetings.iloc[rows]
    need_ids = np.array([n.id for n in needs], dtype=object)[need_row[rows]]
    if group_by == "work_need":
        group = need_ids
    else:
        group = (kept["event_id"] + "/" + kept["table_id"]).to_numpy(dtype=object)
    pairs = pd.DataFrame(
        {
            "meeting_id": kept["id"].to_numpy(dtype=object),
            "candidate_id": kept["candidate_id"].to_numpy(dtype=object),
            "employer_id": kept["employer_id"].to_numpy(dtype=object),
            "work_need_id": need_ids,
            "event_id": kept["event_id"].to_numpy(dtype=object),
            "table_id": kept["table_id"].to_numpy(dtype=object),
            "event_date": dates[rows],
            "label": label[rows].astype(np.int32),
            "good": good[rows],
            "need_source": source[rows],
            "group": group,
            "explored": _explored(history, kept),
        },
        columns=list(_PAIR_COLUMNS),
    )
    subgroups = _subgroups(candidates).iloc[cand_row[rows]].reset_index(drop=True)
    dataset = PairDataset(pairs, features.reset_index(drop=True), subgroups, text_models)
    report("klaar", 1.0)
    logger.info("dataset: %s", dataset.summary())
    return dataset


def _explored(history: History, meetings: pd.DataFrame) -> np.ndarray:
    """Whether each meeting's candidate came on an exploration seat (invited at random)."""
    inv = history.invitations
    seats = set(
        zip(inv["event_id"][inv["exploration"].fillna(False).astype(bool)],
            inv["candidate_id"][inv["exploration"].fillna(False).astype(bool)], strict=True)
    )
    return np.array(
        [(e, c) in seats for e, c in zip(meetings["event_id"], meetings["candidate_id"], strict=True)],
        dtype=bool,
    )


def _fit_text_models(
    store: Store,
    history: History,
    label: np.ndarray,
    needs: Sequence[WorkNeed],
    text_space: TextSpace,
    municipality: str | None,
) -> TextModels:
    """Text readers fitted on the profiles known by the history's end and what people did.

    The occupational fields learn from every profile (no outcomes); the
    motivation reading from whether invited candidates came and whether
    their conversations led to a follow-up or more (``label >= 1``).
    """
    day = history.as_of
    profiles = [
        c
        for c in store.list(Candidate, municipality=municipality)
        if not history.is_erased(c.id) and (day is None or c.registered_on is None or c.registered_on < day)
    ]
    known = [n for n in needs if day is None or n.created_on is None or n.created_on < day]
    row = {c.id: i for i, c in enumerate(profiles)}
    inv = history.invitations
    came = (inv["status"] != "declined") & inv["attended"].fillna(False).astype(bool)
    events = [
        (row[c], 0, bool(y)) for c, y in zip(inv["candidate_id"], came, strict=True) if c in row
    ]
    events += [
        (row[c], 1, bool(g >= 1))
        for c, g in zip(history.meetings["candidate_id"], label, strict=True)
        if c in row
    ]
    try:
        return TextModels().fit(profiles, known, text_space, events)
    except ValueError as exc:
        raise DatasetError(f"cannot learn to read the profiles of this history: {exc}") from exc


def _named_needs(
    meetings: pd.DataFrame,
    outcomes: pd.DataFrame,
    target: np.ndarray,
    grades: np.ndarray,
    needs: Sequence[WorkNeed],
    need_index: dict[str, int],
) -> np.ndarray:
    """Row of the work need named by each meeting's best outcome (of its employer); -1 if none."""
    need_row = np.full(len(meetings), -1, dtype=np.int64)
    attached = target >= 0
    if not attached.any():
        return need_row
    named = pd.DataFrame(
        {
            "meeting": target[attached],
            "grade": grades[attached],
            "need_row": outcomes["work_need_id"].map(need_index).to_numpy()[attached],
        }
    ).dropna(subset=["need_row"])
    if not len(named):
        return need_row
    named["need_row"] = named["need_row"].astype(np.int64)
    need_employer = np.array([n.employer_id for n in needs], dtype=object)
    meeting_employer = meetings["employer_id"].to_numpy(dtype=object)
    same = (
        need_employer[named["need_row"].to_numpy()] == meeting_employer[named["meeting"].to_numpy()]
    )
    named = named[same]
    best = named.sort_values(["meeting", "grade"], kind="stable").drop_duplicates(
        "meeting", keep="last"
    )
    need_row[best["meeting"].to_numpy()] = best["need_row"].to_numpy()
    return need_row


def _subgroups(candidates: Sequence[Candidate]) -> pd.DataFrame:
    """Evaluation-only attributes per candidate (never features)."""

    def value(v: object) -> object:
        return getattr(v, "value", v)

    return pd.DataFrame(
        {
            "age_band": [value(c.age_band) for c in candidates],
            "gender": [value(c.gender) if c.gender is not None else None for c in candidates],
            "banenafspraak": [bool(c.banenafspraak) for c in candidates],
            "statushouder": [bool(c.statushouder) for c in candidates],
            "young_under_27": [bool(c.young_under_27) for c in candidates],
            "benefit_duration_band": [
                BenefitDurationBand.from_months(c.benefit_months).value for c in candidates
            ],
        },
        columns=list(SUBGROUP_COLUMNS),
    )
