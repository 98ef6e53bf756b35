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
* Grades are :func:`matching.labels.graded_label` (a trial placement is a
  1: a step beyond a talk, not a good outcome). The calibrated probability
  is about a good outcome (WEP or job); ``pairs["good"]`` holds it.
* **Which work need.** The work need of the meeting's best outcome that
  names one (of that employer); otherwise the employer's work need whose
  text is most similar to the candidate's (hybrid similarity of the text
  space), among the needs that existed on the event date (``created_on``
  empty or on/before it), falling back to all the employer's needs. A
  meeting with an employer without any work need is left out. Because only
  meetings with an outcome name their work need, positives and negatives are
  mapped slightly differently; ``pairs["need_source"]`` records which rule
  applied so the effect can be measured.
* **Lists.** Pairs are grouped per work need (``group_by="work_need"``: the
  shortlist question "which candidates for this work?") or per event table
  (``group_by="event_table"``).
* **No leakage.** Features are computed as of the event date: the employer's
  track record counts meetings held and good outcomes recorded strictly
  before it, and a pair's own outcome is never a feature. Candidate, employer
  and work-need attributes are their stored (current) values: the store
  keeps their history, but the simulated and imported data describe people
  as they were during the period, so this is not reconstructed.
* **Erased candidates** (tombstones, :func:`matching.erasure.erased_ids`) are
  left out, with their meetings and outcomes, also from employers' track
  records.
* Protected attributes (age band, gender, target-group flags) are kept in
  ``subgroups`` for fairness evaluation only; they are never features.

Everything runs on column arrays; 500k meetings build in well under a minute
plus the time to embed texts not yet in the embedding cache.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
import sqlalchemy as sa

from matching.aftercare import sustained
from matching.candidate_arrays import CandidateArrays
from matching.enums import BenefitDurationBand, OutcomeKind
from matching.features import (
    PROTECTED_ATTRIBUTES,
    TRACK_RECORD_BASE_RATE,
    TRACK_RECORD_PRIOR_MEETINGS,
    WorkNeedArrays,
    occupation_levels,
    pair_features,
)
from matching.labels import graded_label
from matching.schemas import Candidate, CheckIn, Employer, Event, Outcome, TableMeeting, WorkNeed
from matching.storage import TABLES, Store

if TYPE_CHECKING:
    from matching.text_space import TextSpace

logger = logging.getLogger(__name__)

__all__ = [
    "GOOD_GRADE",
    "SUBGROUP_COLUMNS",
    "DatasetError",
    "PairDataset",
    "PairFeaturizer",
    "TimeSplit",
    "build_dataset",
    "employer_track_record_arrays",
    "split_by_date",
    "split_by_time",
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
)
_SIMILARITY_CHUNK = 50_000
_DAY = np.timedelta64(1, "D")

ProgressCallback = Callable[[str, float], None]


class DatasetError(ValueError):
    """The store's history cannot give the dataset asked for."""


@dataclass(frozen=True)
class PairDataset:
    """Graded pairs with their features; row ``i`` of each table is the same pair.

    Attributes
    ----------
    pairs : DataFrame
        ``meeting_id, candidate_id, employer_id, work_need_id, event_id,
        table_id, event_date`` (datetime64), ``label`` (0-4), ``good`` (a WEP or
        job came of it), ``need_source``
        (``"outcome"`` or ``"similarity"``) and ``group`` (the list id).
    features : DataFrame
        :data:`matching.features.FEATURE_NAMES` columns.
    subgroups : DataFrame
        :data:`SUBGROUP_COLUMNS`, for evaluation per group only.
    """

    pairs: pd.DataFrame
    features: pd.DataFrame
    subgroups: pd.DataFrame

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

        return PairDataset(pick(self.pairs), pick(self.features), pick(self.subgroups))

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
# Time split
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TimeSplit:
    """Pairs before ``cutoff`` (train) and on or after it (test)."""

    train: PairDataset
    test: PairDataset
    cutoff: dt.date


def _month_start(day: np.datetime64, back: int = 0) -> dt.date:
    month = day.astype("datetime64[M]") - np.timedelta64(back, "M")
    return month.astype("datetime64[D]").astype(dt.date)


def split_by_date(dataset: PairDataset, cutoff: dt.date) -> TimeSplit:
    """Pairs of events before ``cutoff`` train, pairs of events on or after it test.

    Every training event is strictly earlier than every test event.
    """
    dates = dataset.dates
    before = dates < np.datetime64(cutoff, "D")
    return TimeSplit(
        dataset.take(np.flatnonzero(before)), dataset.take(np.flatnonzero(~before)), cutoff
    )


def split_by_time(dataset: PairDataset, holdout_months: int = 3) -> TimeSplit:
    """Hold out the last ``holdout_months`` calendar months with meetings.

    The cutoff is the first day of the month ``holdout_months - 1`` months
    before the month of the latest event, so the test side covers whole
    calendar months and every training event is earlier than every test event.

    Raises
    ------
    DatasetError
        When the history does not reach back before the held-out months.

    Examples
    --------
    >>> split = split_by_time(dataset, holdout_months=3)  # doctest: +SKIP
    >>> split.train.dates.max() < split.test.dates.min()  # doctest: +SKIP
    True
    """
    if int(holdout_months) != holdout_months or holdout_months < 1:
        raise ValueError(f"holdout_months must be an integer >= 1, got {holdout_months}")
    if not len(dataset):
        raise DatasetError("the dataset is empty: no table meetings to split")
    cutoff = _month_start(dataset.dates.max(), back=holdout_months - 1)
    split = split_by_date(dataset, cutoff)
    if not len(split.train):
        months = dataset.months
        raise DatasetError(
            f"cannot hold out {holdout_months} month(s): all meetings fall in "
            f"{len(months)} month(s) ({months[0]} to {months[-1]}), none before {cutoff}"
        )
    return split


# --------------------------------------------------------------------------------------------
# Loading
# --------------------------------------------------------------------------------------------


def _frame(
    store: Store, record_type: type, columns: Sequence[str], municipality: str | None
) -> pd.DataFrame:
    """Selected columns of one table in one query (no record validation: bulk read)."""
    table = TABLES[record_type]
    query = sa.select(*[table.c[c] for c in columns])
    if municipality is not None:
        query = query.where(table.c.municipality == municipality)
    with store.engine.connect() as conn:
        rows = conn.execute(query).all()
    return pd.DataFrame.from_records(rows, columns=list(columns))


def _erased_filter(store: Store) -> Callable[[str], bool]:
    """``is_erased(candidate_id)`` from the store's tombstones (none if the table is absent)."""
    from matching.erasure import erased_ids, tombstone_table

    if not sa.inspect(store.engine).has_table(tombstone_table.name):
        return lambda _id: False
    erased = erased_ids(store)
    if not len(erased):
        return lambda _id: False
    return erased.__contains__


def _as_days(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy(dtype="datetime64[D]")


# --------------------------------------------------------------------------------------------
# Labels
# --------------------------------------------------------------------------------------------


def _outcome_grades(store: Store, outcomes: pd.DataFrame, municipality: str | None) -> np.ndarray:
    """Grade of each outcome row; jobs get 4 when sustained at 6 months (aftercare rule)."""
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
        if row["outcome_id"] in job_ids:
            checkins[row["outcome_id"]].append(CheckIn.model_validate(row))
    for i in jobs:
        outcome = records[outcomes["id"].iat[i]]
        grades[i] = graded_label(outcome.kind, sustained(outcome, checkins.get(outcome.id, []), 6))
    return grades


def _rows(
    store: Store, record_type: type, municipality: str | None, *conditions: object
) -> list[dict]:
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
# Employer track record (vectorised)
# --------------------------------------------------------------------------------------------


def _count_before(
    keys: np.ndarray, days: np.ndarray, probe_keys: np.ndarray, probe_days: np.ndarray
) -> np.ndarray:
    """Per probe, how many (key, day) entries share its key with a day strictly before its day."""
    if not keys.size:
        return np.zeros(probe_keys.shape[0])
    lo = min(days.min(), probe_days.min()) if probe_days.size else days.min()
    hi = max(days.max(), probe_days.max()) if probe_days.size else days.max()
    span = int(hi - lo) + 2
    packed = np.sort(keys.astype(np.int64) * span + (days - lo))
    probe = probe_keys.astype(np.int64) * span + (probe_days - lo)
    start = np.searchsorted(packed, probe_keys.astype(np.int64) * span, side="left")
    return (np.searchsorted(packed, probe, side="left") - start).astype(float)


def employer_track_record_arrays(
    employer_ids: np.ndarray,
    before: np.ndarray,
    *,
    meeting_employers: np.ndarray,
    meeting_dates: np.ndarray,
    good_employers: np.ndarray,
    good_dates: np.ndarray,
) -> tuple[np.ndarray, np.ndarray]:
    """Employer good-outcome rate and meeting count strictly before each pair's date.

    The vectorised form of :func:`matching.features.employer_track_record`
    (same counts, same smoothing towards the base rate), for many dates at once.

    Parameters
    ----------
    employer_ids, before : ndarray of shape (n,)
        Each pair's employer and event date (datetime64[D]).
    meeting_employers, meeting_dates
        Every meeting's employer and event date.
    good_employers, good_dates
        Every good outcome's employer and recorded date.

    Returns
    -------
    rate, meetings : ndarray of shape (n,)
    """
    all_ids = np.concatenate([employer_ids, meeting_employers, good_employers]).astype(object)
    codes, _ = pd.factorize(all_ids)
    n, m = employer_ids.shape[0], meeting_employers.shape[0]
    c_pair, c_meet, c_good = codes[:n], codes[n : n + m], codes[n + m :]
    day = lambda a: np.asarray(a, dtype="datetime64[D]").astype(np.int64)
    probe = day(before)
    meetings = _count_before(c_meet, day(meeting_dates), c_pair, probe)
    good = _count_before(c_good, day(good_dates), c_pair, probe)
    prior = TRACK_RECORD_PRIOR_MEETINGS
    rate = (good + prior * TRACK_RECORD_BASE_RATE) / (meetings + prior)
    return rate, meetings


# --------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------


class PairFeaturizer:
    """Features of any (candidate, work need) pair as of a date, from a store's records and history.

    :func:`build_dataset` uses it for the meetings; benchmarks and analyses
    use it to score candidates who did not meet a work need. Texts are
    embedded once, at construction.

    Parameters
    ----------
    candidates, needs, employers
        The records pairs are drawn from (every need's employer must be in ``employers``).
    text_space
        Embeds the texts.
    meeting_employers, meeting_dates
        Every table meeting's employer and event date (the track record).
    good_employers, good_dates
        Every good outcome's employer and recorded date (the track record).
    """

    def __init__(
        self,
        candidates: Sequence[Candidate],
        needs: Sequence[WorkNeed],
        employers: dict[str, Employer],
        *,
        text_space: TextSpace,
        meeting_employers: np.ndarray,
        meeting_dates: np.ndarray,
        good_employers: np.ndarray,
        good_dates: np.ndarray,
    ) -> None:
        self.candidates = list(candidates)
        self.needs = list(needs)
        self.employers = dict(employers)
        self.text_space = text_space
        self.candidate_index = {c.id: i for i, c in enumerate(self.candidates)}
        self.need_index = {n.id: i for i, n in enumerate(self.needs)}
        self._cand_arrays = CandidateArrays.from_candidates(self.candidates)
        self._need_arrays = WorkNeedArrays.from_needs(self.needs, employers)
        self._desired = [tuple(c.desired_occupations) for c in self.candidates]
        self._cand_vectors = text_space.candidate_vectors(self.candidates)
        self._need_vectors = text_space.work_need_vectors(self.needs)
        self._track = (
            np.asarray(meeting_employers, dtype=object),
            np.asarray(meeting_dates, dtype="datetime64[D]"),
            np.asarray(good_employers, dtype=object),
            np.asarray(good_dates, dtype="datetime64[D]"),
        )

    @classmethod
    def from_store(
        cls, store: Store, *, text_space: TextSpace, municipality: str | None = None
    ) -> PairFeaturizer:
        """Every (not erased) candidate and every work need of the store, with its whole history."""
        history = _load_history(store, municipality)
        candidates = [
            c
            for c in store.list(Candidate, municipality=municipality)
            if not history.is_erased(c.id)
        ]
        employers = {e.id: e for e in store.list(Employer, municipality=municipality)}
        needs = [
            n for n in store.list(WorkNeed, municipality=municipality) if n.employer_id in employers
        ]
        return cls(candidates, needs, employers, text_space=text_space, **history.track_record())

    def similarities(
        self, cand_rows: np.ndarray, need_rows: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Dense and lexical cosine of aligned pairs, in chunks to bound memory."""
        cand_rows = np.asarray(cand_rows, dtype=np.int64)
        need_rows = np.asarray(need_rows, dtype=np.int64)
        dense = np.empty(cand_rows.shape[0])
        lexical = np.empty(cand_rows.shape[0])
        for start in range(0, cand_rows.shape[0], _SIMILARITY_CHUNK):
            stop = start + _SIMILARITY_CHUNK
            dense[start:stop], lexical[start:stop] = self.text_space.pair_similarities(
                self._cand_vectors, self._need_vectors, cand_rows[start:stop], need_rows[start:stop]
            )
        return dense, lexical

    def features(
        self, cand_rows: np.ndarray, need_rows: np.ndarray, dates: np.ndarray
    ) -> pd.DataFrame:
        """FEATURE_NAMES table of aligned pairs (row indices into ``candidates`` and ``needs``)
        as of each pair's date: the employer track record counts only what happened before it."""
        cand_rows = np.asarray(cand_rows, dtype=np.int64)
        need_rows = np.asarray(need_rows, dtype=np.int64)
        sim_dense, sim_lexical = self.similarities(cand_rows, need_rows)
        levels = occupation_levels(
            [self._desired[i] for i in cand_rows], [self.needs[j].esco_uri or "" for j in need_rows]
        )
        meeting_employers, meeting_dates, good_employers, good_dates = self._track
        rate, n_meetings = employer_track_record_arrays(
            self._need_arrays.employer_ids[need_rows],
            np.asarray(dates, dtype="datetime64[D]"),
            meeting_employers=meeting_employers,
            meeting_dates=meeting_dates,
            good_employers=good_employers,
            good_dates=good_dates,
        )
        return pair_features(
            self._cand_arrays.take(cand_rows),
            self._need_arrays.take(need_rows),
            sim_dense=sim_dense,
            sim_lexical=sim_lexical,
            occupation_level=levels,
            employer_good_rate=rate,
            employer_meetings=n_meetings,
            dense_weight=self.text_space.dense_weight,
        )

    def most_similar_needs(
        self, cand_rows: np.ndarray, employer_ids: np.ndarray, dates: np.ndarray
    ) -> np.ndarray:
        """Per pair, the row of the employer's work need most similar to the candidate (-1: none).

        Needs created after the pair's date only count when none of the
        employer's needs existed yet; ties go to the lowest row.
        """
        cand_rows = np.asarray(cand_rows, dtype=np.int64)
        out = np.full(cand_rows.shape[0], -1, dtype=np.int64)
        if not cand_rows.size or not self.needs:
            return out
        options = pd.DataFrame(
            {
                "pair": np.arange(cand_rows.size),
                "employer_id": np.asarray(employer_ids, dtype=object),
            }
        ).merge(
            pd.DataFrame(
                {"need": np.arange(len(self.needs)), "employer_id": self._need_arrays.employer_ids}
            ),
            on="employer_id",
        )
        if not len(options):
            return out
        pair = options["pair"].to_numpy(dtype=np.int64)
        need = options["need"].to_numpy(dtype=np.int64)
        dense, lexical = self.similarities(cand_rows[pair], need)
        hybrid = self.text_space.dense_weight * dense + (1 - self.text_space.dense_weight) * lexical
        created = np.array(
            [
                np.datetime64(n.created_on, "D") if n.created_on else np.datetime64("NaT", "D")
                for n in self.needs
            ],
            dtype="datetime64[D]",
        )[need]
        existed = np.isnat(created) | (created <= np.asarray(dates, dtype="datetime64[D]")[pair])
        order = np.lexsort((need, -hybrid, ~existed, pair))
        first = np.ones(order.size, dtype=bool)
        first[1:] = pair[order][1:] != pair[order][:-1]
        best = order[first]
        out[pair[best]] = need[best]
        return out


def build_dataset(
    store: Store,
    *,
    text_space: TextSpace,
    municipality: str | None = None,
    group_by: Literal["work_need", "event_table"] = "work_need",
    progress: ProgressCallback | None = None,
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
    history = _load_history(store, municipality)
    meetings, outcomes = history.meetings, history.outcomes
    if not len(meetings):
        raise DatasetError(
            "every table meeting in the store is of an erased candidate: nothing to learn from"
        )

    report("uitkomsten koppelen", 0.1)
    grades = _outcome_grades(store, outcomes, municipality)
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

    report("teksten inbedden", 0.3)
    featurizer = PairFeaturizer(
        candidates, needs, employers, text_space=text_space, **history.track_record()
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
        },
        columns=list(_PAIR_COLUMNS),
    )
    subgroups = _subgroups(candidates).iloc[cand_row[rows]].reset_index(drop=True)
    dataset = PairDataset(pairs, features.reset_index(drop=True), subgroups)
    report("klaar", 1.0)
    logger.info("dataset: %s", dataset.summary())
    return dataset


_GOOD_KINDS = frozenset(k.value for k in OutcomeKind if k.is_good)


@dataclass(frozen=True)
class _History:
    meetings: pd.DataFrame  # sorted by event date, then id; with event_date
    outcomes: pd.DataFrame  # with outcome_date
    is_erased: Callable[[str], bool]

    def track_record(self) -> dict[str, np.ndarray]:
        """Inputs of the employer track record: every meeting and every good outcome."""
        good = self.outcomes[
            self.outcomes["employer_id"].notna() & self.outcomes["kind"].isin(_GOOD_KINDS)
        ]
        return {
            "meeting_employers": self.meetings["employer_id"].to_numpy(dtype=object),
            "meeting_dates": self.meetings["event_date"].to_numpy(dtype="datetime64[D]"),
            "good_employers": good["employer_id"].to_numpy(dtype=object),
            "good_dates": _as_days(good["recorded_on"]),
        }


def _load_history(store: Store, municipality: str | None) -> _History:
    """Meetings and outcomes in bulk, erased candidates left out."""
    meetings = _frame(
        store,
        TableMeeting,
        ("id", "event_id", "table_id", "employer_id", "candidate_id", "follow_up"),
        municipality,
    )
    events = _frame(store, Event, ("id", "date"), municipality)
    outcomes = _frame(
        store,
        Outcome,
        (
            "id",
            "candidate_id",
            "employer_id",
            "work_need_id",
            "event_id",
            "kind",
            "start_date",
            "recorded_on",
        ),
        municipality,
    )
    if not len(meetings):
        where = f" for municipality {municipality}" if municipality else ""
        raise DatasetError(f"the store holds no table meetings{where}: nothing to learn from")
    is_erased = _erased_filter(store)
    gone_m = meetings["candidate_id"].map(is_erased).to_numpy(dtype=bool)
    gone_o = outcomes["candidate_id"].map(is_erased).to_numpy(dtype=bool)
    if gone_m.any() or gone_o.any():
        logger.info(
            "leaving out %d meetings and %d outcomes of erased candidates",
            gone_m.sum(),
            gone_o.sum(),
        )
    meetings = meetings.loc[~gone_m].reset_index(drop=True)
    outcomes = outcomes.loc[~gone_o].reset_index(drop=True)

    event_date = pd.Series(
        _as_days(events["date"]), index=events["id"].to_numpy(), dtype="datetime64[s]"
    )
    meetings["event_date"] = meetings["event_id"].map(event_date)
    if meetings["event_date"].isna().any():
        n = int(meetings["event_date"].isna().sum())
        raise DatasetError(f"{n} table meetings refer to events that are not in the store")
    meetings = meetings.sort_values(["event_date", "id"], kind="stable").reset_index(drop=True)
    day = outcomes["start_date"].where(outcomes["start_date"].notna(), outcomes["recorded_on"])
    outcomes["outcome_date"] = _as_days(day)
    return _History(meetings, outcomes, is_erased)


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
