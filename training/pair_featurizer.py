"""Features of (candidate, work need) pairs as of a date, from a store's history of table meetings.

:class:`PairFeaturizer` computes the :data:`matching.shortlists.features.FEATURE_NAMES`
of any (candidate, work need, date) triple: :func:`training.dataset.build_dataset`
uses it for the meetings that took place, benchmarks and analyses to score
candidates who did not meet a work need. That function and
:meth:`PairFeaturizer.from_store` read the store's meetings, invitations
and outcomes the same way, in bulk, so a pair gets the same features either way.

* **As of a date.** Everything the history contributes is counted strictly
  before the pair's date: the employer's meetings and good outcomes
  (:class:`~matching.shortlists.as_of.TrackRecordHistory`), the candidate's
  invitations and conversations (:class:`~matching.shortlists.as_of.EngagementHistory`).
  With ``as_of`` the history itself ends on that day: meetings of later
  events and outcomes recorded later do not exist for it (a back-test at a
  past date). Candidate, employer and work-need attributes are their stored
  values; a candidate's status counts from its ``status_since``.
* **Text read by the model.** The occupational fields and the motivation
  score come from :class:`~matching.shortlists.text_models.TextModels`
  fitted on the same history; for training rows the motivation score is out
  of fold, so no pair sees its own outcome through it.
* **Erased candidates** (tombstones, :func:`matching.privacy.erasure.erased_ids`) are
  left out, with their meetings, invitations and outcomes, also from
  employers' track records.
* **Which work need**, when no outcome names one:
  :meth:`PairFeaturizer.most_similar_needs`, the employer's need whose text is
  most similar to the candidate's among those that existed on the date (among
  all of them when none did yet).
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import sqlalchemy as sa

from matching.records.enums import InvitationStatus, OutcomeKind
from matching.records.schemas import (
    Candidate,
    Employer,
    Event,
    Invitation,
    Outcome,
    TableMeeting,
    WorkNeed,
)
from matching.records.storage import TABLES, Store
from matching.shortlists.as_of import EngagementHistory, TrackRecordHistory
from matching.shortlists.candidate_arrays import CandidateArrays
from matching.shortlists.features import (
    PairContext,
    WorkNeedArrays,
    occupation_levels,
    pair_features,
)

if TYPE_CHECKING:
    from matching.shortlists.text_models import TextModels
    from matching.shortlists.text_space import TextSpace

logger = logging.getLogger(__name__)

__all__ = ["DatasetError", "History", "PairFeaturizer", "load_history"]

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
class History:
    """Meetings, invitations and outcomes of a store up to a day, erased candidates left out."""

    meetings: pd.DataFrame  # sorted by event date, then id; with event_date
    invitations: pd.DataFrame  # with event_date
    outcomes: pd.DataFrame  # with outcome_date
    is_erased: Callable[[str], bool]
    as_of: dt.date | None

    def track_record(self) -> TrackRecordHistory:
        """Every meeting and every good outcome, for the employers' track record."""
        good = self.outcomes[
            self.outcomes["employer_id"].notna() & self.outcomes["kind"].isin(_GOOD_KINDS)
        ]
        return TrackRecordHistory(
            self.meetings["employer_id"].to_numpy(dtype=object),
            self.meetings["event_date"].to_numpy(dtype="datetime64[D]"),
            good["employer_id"].to_numpy(dtype=object),
            _as_days(good["recorded_on"]),
        )

    def engagement(self) -> EngagementHistory:
        """Every invitation and conversation, for the candidates' engagement."""
        inv, met = self.invitations, self.meetings
        return EngagementHistory(
            inv["candidate_id"].to_numpy(dtype=object),
            inv["event_date"].to_numpy(dtype="datetime64[D]"),
            (inv["status"] == InvitationStatus.DECLINED.value).to_numpy(dtype=float),
            inv["attended"].fillna(False).astype(bool).to_numpy(dtype=float),
            met["candidate_id"].to_numpy(dtype=object),
            met["event_date"].to_numpy(dtype="datetime64[D]"),
            met["follow_up"].fillna(False).astype(bool).to_numpy(dtype=float),
        )


def load_history(store: Store, municipality: str | None, as_of: dt.date | None = None) -> History:
    """Meetings, invitations and outcomes in bulk, erased candidates left out.

    With ``as_of``, only events before that day and outcomes recorded before it.
    """
    meetings = _frame(
        store,
        TableMeeting,
        ("id", "event_id", "table_id", "employer_id", "candidate_id", "follow_up"),
        municipality,
    )
    invitations = _frame(
        store,
        Invitation,
        ("id", "event_id", "candidate_id", "status", "attended", "exploration"),
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
    gone_i = invitations["candidate_id"].map(is_erased).to_numpy(dtype=bool)
    if gone_m.any() or gone_o.any():
        logger.info(
            "leaving out %d meetings and %d outcomes of erased candidates",
            gone_m.sum(),
            gone_o.sum(),
        )
    meetings = meetings.loc[~gone_m].reset_index(drop=True)
    outcomes = outcomes.loc[~gone_o].reset_index(drop=True)
    invitations = invitations.loc[~gone_i].reset_index(drop=True)

    event_date = pd.Series(
        _as_days(events["date"]), index=events["id"].to_numpy(), dtype="datetime64[s]"
    )
    meetings["event_date"] = meetings["event_id"].map(event_date)
    invitations["event_date"] = invitations["event_id"].map(event_date)
    if meetings["event_date"].isna().any():
        n = int(meetings["event_date"].isna().sum())
        raise DatasetError(f"{n} table meetings refer to events that are not in the store")
    day = outcomes["start_date"].where(outcomes["start_date"].notna(), outcomes["recorded_on"])
    outcomes["outcome_date"] = _as_days(day)
    if as_of is not None:
        cut = np.datetime64(as_of, "D")
        meetings = meetings[meetings["event_date"].to_numpy(dtype="datetime64[D]") < cut]
        invitations = invitations[invitations["event_date"].to_numpy(dtype="datetime64[D]") < cut]
        outcomes = outcomes[_as_days(outcomes["recorded_on"]) < cut]
        if not len(meetings):
            raise DatasetError(f"the store holds no table meetings before {as_of}: nothing to learn from")
    meetings = meetings.sort_values(["event_date", "id"], kind="stable").reset_index(drop=True)
    return History(
        meetings, invitations.reset_index(drop=True), outcomes.reset_index(drop=True), is_erased, as_of
    )


# --------------------------------------------------------------------------------------------
# Pair featurizer
# --------------------------------------------------------------------------------------------


class PairFeaturizer:
    """Features of any (candidate, work need) pair as of a date, from a store's records and history.

    :func:`build_dataset` uses it for the meetings; benchmarks and analyses
    use it to score candidates who did not meet a work need. Texts are
    embedded and read once, at construction.

    Parameters
    ----------
    candidates, needs, employers
        The records pairs are drawn from (every need's employer must be in ``employers``).
    text_space
        Embeds the texts.
    text_models
        Reads them as the model does; ``out_of_fold`` gives the training
        candidates the motivation score of the model fitted without them.
    track, engagement
        The employers' and the candidates' history.
    """

    def __init__(
        self,
        candidates: Sequence[Candidate],
        needs: Sequence[WorkNeed],
        employers: dict[str, Employer],
        *,
        text_space: TextSpace,
        text_models: TextModels,
        track: TrackRecordHistory,
        engagement: EngagementHistory,
        out_of_fold: bool = True,
    ) -> None:
        self.candidates = list(candidates)
        self.needs = list(needs)
        self.employers = dict(employers)
        self.text_space = text_space
        self.text_models = text_models
        self.track = track
        self.engagement = engagement
        self.candidate_index = {c.id: i for i, c in enumerate(self.candidates)}
        self.need_index = {n.id: i for i, n in enumerate(self.needs)}
        self._cand_arrays = CandidateArrays.from_candidates(self.candidates)
        self._need_arrays = WorkNeedArrays.from_needs(self.needs, employers)
        self._desired = [tuple(c.desired_occupations) for c in self.candidates]
        self._cand_vectors = text_space.candidate_vectors(self.candidates)
        self._need_vectors = text_space.work_need_vectors(self.needs)
        self._cand_side = text_models.candidate_side(
            self.candidates, text_space, out_of_fold=out_of_fold
        )
        self._work_side = text_models.work_side(self.needs, self._need_vectors.dense)

    @classmethod
    def from_store(
        cls,
        store: Store,
        *,
        text_space: TextSpace,
        text_models: TextModels,
        municipality: str | None = None,
        as_of: dt.date | None = None,
    ) -> PairFeaturizer:
        """Every (not erased) candidate and every work need of the store, with its history."""
        history = load_history(store, municipality, as_of)
        candidates = [
            c
            for c in store.list(Candidate, municipality=municipality)
            if not history.is_erased(c.id)
        ]
        employers = {e.id: e for e in store.list(Employer, municipality=municipality)}
        needs = [
            n for n in store.list(WorkNeed, municipality=municipality) if n.employer_id in employers
        ]
        return cls(
            candidates,
            needs,
            employers,
            text_space=text_space,
            text_models=text_models,
            track=history.track_record(),
            engagement=history.engagement(),
            out_of_fold=False,
        )

    def similarities(self, cand_rows: np.ndarray, need_rows: np.ndarray) -> np.ndarray:
        """Text similarity of aligned pairs, in chunks to bound memory."""
        cand_rows = np.asarray(cand_rows, dtype=np.int64)
        need_rows = np.asarray(need_rows, dtype=np.int64)
        out = np.empty(cand_rows.shape[0])
        for start in range(0, cand_rows.shape[0], _SIMILARITY_CHUNK):
            stop = start + _SIMILARITY_CHUNK
            out[start:stop] = self.text_space.pair_similarities(
                self._cand_vectors, self._need_vectors, cand_rows[start:stop], need_rows[start:stop]
            )
        return out

    def features(
        self, cand_rows: np.ndarray, need_rows: np.ndarray, dates: np.ndarray
    ) -> pd.DataFrame:
        """FEATURE_NAMES table of aligned pairs (row indices into ``candidates`` and ``needs``)
        as of each pair's date: the history counts only what happened before it."""
        cand_rows = np.asarray(cand_rows, dtype=np.int64)
        need_rows = np.asarray(need_rows, dtype=np.int64)
        when = np.asarray(dates, dtype="datetime64[D]")
        fields, skill, motivation = self.text_models.pair_fields(
            self._cand_side, self._work_side, cand_rows, need_rows
        )
        rate, n_meetings = self.track.features(self._need_arrays.employer_ids[need_rows], when)
        context = PairContext(
            similarity=self.similarities(cand_rows, need_rows),
            occupation_level=occupation_levels(
                [self._desired[i] for i in cand_rows],
                [self.needs[j].esco_uri or "" for j in need_rows],
            ),
            fields=fields,
            skill_level=skill,
            motivation=motivation,
            engagement=self.engagement.features(self._cand_arrays.ids[cand_rows], when),
            employer_good_rate=rate,
            employer_meetings=n_meetings,
        )
        return pair_features(
            self._cand_arrays.take(cand_rows), self._need_arrays.take(need_rows), context
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
        similarity = self.similarities(cand_rows[pair], need)
        created = np.array(
            [
                np.datetime64(n.created_on, "D") if n.created_on else np.datetime64("NaT", "D")
                for n in self.needs
            ],
            dtype="datetime64[D]",
        )[need]
        existed = np.isnat(created) | (created <= np.asarray(dates, dtype="datetime64[D]")[pair])
        order = np.lexsort((need, -similarity, ~existed, pair))
        first = np.ones(order.size, dtype=bool)
        first[1:] = pair[order][1:] != pair[order][:-1]
        best = order[first]
        out[pair[best]] = need[best]
        return out
