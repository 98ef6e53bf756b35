"""Features of (candidate, work need) pairs as of a date, from a store's history of table meetings.

:class:`PairFeaturizer` computes the :data:`matching.shortlists.features.FEATURE_NAMES`
of any (candidate, work need, date) triple: :func:`training.dataset.build_dataset`
uses it for the meetings that took place, benchmarks and analyses to score
candidates who did not meet a work need. That function and
:meth:`PairFeaturizer.from_store` read the store's meetings and outcomes the
same way, in bulk, so a pair gets the same features either way.

* **No leakage.** Features are computed as of the event date: the employer's
  track record counts meetings held and good outcomes recorded strictly
  before it (:func:`employer_track_record_arrays`), and a pair's own outcome
  is never a feature. Candidate, employer and work-need attributes are their
  stored (current) values: the store keeps their history, but the simulated
  and imported data describe people as they were during the period, so this
  is not reconstructed.
* **Erased candidates** (tombstones, :func:`matching.privacy.erasure.erased_ids`) are
  left out, with their meetings and outcomes, also from employers' track
  records.
* **Which work need**, when no outcome names one:
  :meth:`PairFeaturizer.most_similar_needs`, the employer's need whose text is
  most similar to the candidate's among those that existed on the date (among
  all of them when none did yet).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import sqlalchemy as sa

from matching.records.enums import OutcomeKind
from matching.records.schemas import Candidate, Employer, Event, Outcome, TableMeeting, WorkNeed
from matching.records.storage import TABLES, Store
from matching.shortlists.candidate_arrays import CandidateArrays
from matching.shortlists.features import (
    TRACK_RECORD_BASE_RATE,
    TRACK_RECORD_PRIOR_MEETINGS,
    WorkNeedArrays,
    occupation_levels,
    pair_features,
)

if TYPE_CHECKING:
    from matching.shortlists.text_space import TextSpace

logger = logging.getLogger(__name__)

__all__ = ["DatasetError", "PairFeaturizer", "employer_track_record_arrays"]

_SIMILARITY_CHUNK = 50_000


class DatasetError(ValueError):
    """The store's history cannot give the dataset asked for."""


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
    from matching.privacy.erasure import erased_ids, tombstone_table

    if not sa.inspect(store.engine).has_table(tombstone_table.name):
        return lambda _id: False
    erased = erased_ids(store)
    if not len(erased):
        return lambda _id: False
    return erased.__contains__


def _as_days(values: pd.Series) -> np.ndarray:
    return pd.to_datetime(values).to_numpy(dtype="datetime64[D]")


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

    The vectorised form of :func:`matching.shortlists.features.employer_track_record`
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
# Pair featurizer
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
