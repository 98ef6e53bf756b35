"""Shortlists in both directions: work need → candidates and candidate → work needs.

The pipeline: hard vetoes → hybrid retrieval (FAISS, with an exact fallback
when too few retrieved pairs survive the vetoes) → pair features → the
ranker's calibrated probability (or, without a trained model, the hybrid
similarity, and the shortlist says so) → relationship-manager overrides
(pin, exclude with reason) → a Dutch reason per match.

The engine keeps the municipality's pool as column arrays and vectors in
memory and rebuilds them when the store's version moves on, so a request
touches the database once for that check.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from typing import Literal, Protocol

import numpy as np
import pandas as pd

from matching.records.schemas import Candidate, Employer, Event, Outcome, TableMeeting, WorkNeed
from matching.records.storage import Store
from matching.shortlists.candidate_arrays import CandidateArrays
from matching.shortlists.explanations import explain
from matching.shortlists.features import (
    TrackRecord,
    WorkNeedArrays,
    employer_track_record,
    occupation_levels,
    pair_features,
)
from matching.shortlists.retrieval import RetrievalIndex
from matching.shortlists.text_space import TextVectors, candidate_text
from matching.shortlists.vetoes import VETO_LABELS, Site, allowed, veto_masks, vetoes_of

logger = logging.getLogger(__name__)

MAX_K = 500
SIMILARITY_NOTE = "geen getraind model in gebruik: gerangschikt op tekstovereenkomst"
Direction = Literal["work_need", "candidate"]
Audience = Literal["staff", "employer"]


class ShortlistError(ValueError):
    """A shortlist request that cannot be answered as asked."""


class UnknownRecordError(ShortlistError):
    """The work need or candidate does not exist (in this municipality)."""

    def __init__(self, kind: str, record_id: str) -> None:
        self.kind = kind
        self.record_id = record_id
        super().__init__(f"unknown {kind} {record_id!r}")


class Prediction(Protocol):
    score: np.ndarray
    probability: np.ndarray


class PairScorer(Protocol):
    """What the shortlist needs of a trained ranker bundle (see ``models.bundle``)."""

    version: str

    def predict(self, features: pd.DataFrame, *, explain: bool = True) -> Prediction: ...

    def explain(self, features: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]: ...


@dataclass(frozen=True)
class Match:
    """One line of a shortlist."""

    rank: int
    candidate_id: str
    work_need_id: str
    employer_id: str
    score: float
    probability: float | None  # calibrated chance of a WEP or job if they meet
    similarity: float
    reason: str
    reason_without_limits: str  # the same without health information, for employers
    checks_passed: list[str]
    pinned: bool = False
    contributions: dict[str, float] | None = None


@dataclass(frozen=True)
class Shortlist:
    """A ranked answer with what it was based on."""

    direction: Direction
    query_id: str
    municipality: str
    matches: list[Match]
    pool_size: int
    vetoed: dict[str, int]
    excluded: dict[str, str]
    scored_by: str  # the model version, or "similarity"
    note: str | None = None

    def to_dict(self) -> dict[str, object]:
        return asdict(self)


@dataclass(frozen=True)
class PairMatrix:
    """Scores of candidate × work need pairs; rows follow ``candidate_ids``."""

    candidate_ids: list[str]
    work_need_ids: list[str]
    employer_ids: list[str]  # per work need
    score: np.ndarray  # the calibrated probability, or the similarity without a model
    probability: np.ndarray | None
    similarity: np.ndarray
    occupation_level: np.ndarray
    scored_by: str


@dataclass(frozen=True)
class ShortlistConfig:
    """Tuning of the pipeline."""

    retrieve_k: int = 200  # pairs scored by the ranker per request
    overfetch: int = 4  # retrieve this many times more, since vetoes remove some; 0: exact scan only
    max_k: int = MAX_K


@dataclass
class _Pool:
    """One municipality's records as arrays and vectors, valid for one store version."""

    version: int
    candidates: list[Candidate]
    arrays: CandidateArrays
    vectors: TextVectors
    row_of: dict[str, int]
    needs: list[WorkNeed]
    need_arrays: WorkNeedArrays
    need_vectors: TextVectors
    need_row_of: dict[str, int]
    employers: dict[str, Employer]
    track: TrackRecord
    placed_ids: frozenset[str] = field(default_factory=frozenset)


class ShortlistEngine:
    """Answers shortlist requests for every municipality in a store.

    Parameters
    ----------
    store
        The records.
    index
        The retrieval index (its text space embeds queries).
    scorer
        A trained ranker bundle; None ranks by similarity and says so.
    today
        Gives the date vetoes judge availability on (injected for tests).
    """

    def __init__(
        self,
        store: Store,
        index: RetrievalIndex,
        *,
        scorer: PairScorer | None = None,
        config: ShortlistConfig = ShortlistConfig(),
        today: Callable[[], dt.date] = dt.date.today,
    ) -> None:
        self.store = store
        self.index = index
        self.scorer = scorer
        self.config = config
        self.today = today
        self._pools: dict[str, _Pool] = {}
        self._lock = threading.Lock()

    def set_scorer(self, scorer: PairScorer | None) -> None:
        """Swap the ranker (reload without restart)."""
        self.scorer = scorer

    # ---- pool ------------------------------------------------------------------------------

    def refresh(self) -> int:
        """Sync the index with the store if it moved on; returns the store version."""
        version = self.store.version()
        with self._lock:
            if any(p.version != version for p in self._pools.values()) or not self._pools:
                self.index.sync(self.store)
                self._pools = {m: p for m, p in self._pools.items() if p.version == version}
        return version

    def warm(self, municipalities: Iterable[str] | None = None) -> list[str]:
        """Build the candidate and work-need pools now, so the first shortlist is not slow.

        Returns the municipalities warmed (default: every one in the store).
        """
        names = list(self.store.municipalities() if municipalities is None else municipalities)
        for municipality in names:
            self._pool(municipality)
        return names

    def _pool(self, municipality: str) -> _Pool:
        version = self.refresh()
        pool = self._pools.get(municipality)
        if pool is not None and pool.version == version:
            return pool
        store, space = self.store, self.index.space
        candidates = store.list(Candidate, municipality=municipality)
        needs = store.list(WorkNeed, municipality=municipality, where={"open": True})
        employers = {e.id: e for e in store.list(Employer, municipality=municipality)}
        # no vectors for candidates who did not consent to matching: they are vetoed anyway
        consenting = [c for c in candidates if c.consent_matching]
        dense, lexical = space.embed([candidate_text(c) for c in consenting])
        full_dense = np.zeros((len(candidates), dense.shape[1]), np.float32)
        full_lexical = np.zeros((len(candidates), lexical.shape[1]), np.float32)
        rows = [i for i, c in enumerate(candidates) if c.consent_matching]
        if rows:
            full_dense[rows] = dense
            full_lexical[rows] = lexical
        events = {e.id: e.date for e in store.list(Event, municipality=municipality)}
        outcomes = store.list(Outcome, municipality=municipality)
        track = employer_track_record(
            store.list(TableMeeting, municipality=municipality),
            outcomes,
            event_dates=events,
            before=self.today() + dt.timedelta(days=1),
        )
        placed = frozenset(
            o.candidate_id for o in outcomes if o.kind.is_placement and (o.end_date is None or o.end_date >= self.today())
        )
        pool = _Pool(
            version=version,
            candidates=candidates,
            arrays=CandidateArrays.from_candidates(candidates),
            vectors=TextVectors(np.array([c.id for c in candidates], dtype=object), full_dense, full_lexical),
            row_of={c.id: i for i, c in enumerate(candidates)},
            needs=needs,
            need_arrays=WorkNeedArrays.from_needs(needs, employers),
            need_vectors=space.work_need_vectors(needs),
            need_row_of={n.id: i for i, n in enumerate(needs)},
            employers=employers,
            track=track,
            placed_ids=placed,
        )
        with self._lock:
            self._pools[municipality] = pool
        return pool

    # ---- requests --------------------------------------------------------------------------

    def _check_k(self, k: int) -> int:
        if not isinstance(k, (int, np.integer)) or isinstance(k, bool):
            raise ShortlistError(f"k must be a whole number, got {k!r}")
        if k < 1:
            raise ShortlistError(f"k must be >= 1, got {k}")
        if k > self.config.max_k:
            raise ShortlistError(f"k must be at most {self.config.max_k}, got {k}")
        return int(k)

    def for_work_need(
        self,
        work_need_id: str,
        k: int = 20,
        *,
        municipality: str | None = None,
        audience: Audience = "staff",
        pinned: Sequence[str] = (),
        excluded: Mapping[str, str] | None = None,
    ) -> Shortlist:
        """The candidates most likely to lead to a good outcome for one work need.

        Parameters
        ----------
        municipality
            When given, a work need of another municipality is unknown.
        audience
            ``"employer"`` also drops candidates who did not consent to being
            shown to employers.
        pinned, excluded
            Relationship-manager overrides: pinned candidates go first (if they
            pass the vetoes), excluded ones (id -> reason) are left out.
        """
        k = self._check_k(k)
        need = self.store.get(WorkNeed, work_need_id, municipality=municipality)
        if need is None:
            raise UnknownRecordError("work need", work_need_id)
        pool = self._pool(need.municipality)
        employer = pool.employers.get(need.employer_id) or self.store.get(Employer, need.employer_id)
        if employer is None:  # pragma: no cover - imports check references
            raise UnknownRecordError("employer", need.employer_id)
        excluded = dict(excluded or {})
        masks = veto_masks(
            pool.arrays,
            Site.of_work_need(need, employer),
            on=self.today(),
            consent="employers" if audience == "employer" else "matching",
            placed_ids=pool.placed_ids,
        )
        ok = allowed(masks)
        for cid in excluded:
            if cid in pool.row_of:
                ok[pool.row_of[cid]] = False
        vetoed = {v.value: int(m.sum()) for v, m in masks.items() if m.any()}
        base = dict(
            direction="work_need", query_id=work_need_id, municipality=need.municipality,
            pool_size=len(pool.candidates), vetoed=vetoed, excluded=excluded,
        )
        if not ok.any():
            note = "geen kandidaten in deze gemeente" if not pool.candidates else (
                "alle kandidaten vallen af op harde criteria"
            )
            return Shortlist(matches=[], scored_by=self.scored_by, note=note, **base)
        notes = []
        if not need.title.strip() and not need.description.strip():
            notes.append("werkvraag heeft geen tekst: alleen harde criteria en werkgever tellen mee")
        need_vec = self._need_vectors(pool, need)
        query = need_vec.hybrid(self.index.space.dense_weight)[0]
        rows = self._retrieve("candidates", query, ok, pool.row_of, pool.vectors)
        pin_rows = [pool.row_of[c] for c in pinned if c in pool.row_of and ok[pool.row_of[c]]]
        rows = np.array(list(dict.fromkeys([*pin_rows, *rows.tolist()])), dtype=int)
        skipped = [c for c in pinned if c not in pool.row_of or not ok[pool.row_of[c]]]
        if skipped:
            notes.append("vastgezet maar valt af: " + ", ".join(skipped))
        features = self._features(
            pool, rows, np.zeros(len(rows), dtype=int), [need],
            WorkNeedArrays.from_needs([need], {employer.id: employer}), need_vec,
        )
        score, probability = self._score(features)
        pinned_set = set(pinned)
        order = sorted(
            range(len(rows)),
            key=lambda i: (pool.candidates[rows[i]].id not in pinned_set, -score[i], pool.candidates[rows[i]].id),
        )[:k]
        contributions = self._explain(features, order)
        matches = []
        for rank, (i, contrib) in enumerate(zip(order, contributions, strict=True), start=1):
            candidate = pool.candidates[rows[i]]
            _, passed = vetoes_of(masks, rows[i])
            matches.append(
                self._match(rank, candidate, need, employer, features.iloc[i], score[i],
                            probability, contrib, i, passed, candidate.id in pinned_set)
            )
        if self.scorer is None:
            notes.append(SIMILARITY_NOTE)
        return Shortlist(matches=matches, scored_by=self.scored_by, note="; ".join(notes) or None, **base)

    def for_candidate(
        self,
        candidate_id: str,
        k: int = 20,
        *,
        municipality: str | None = None,
        one_per_employer: bool = True,
        excluded: Mapping[str, str] | None = None,
    ) -> Shortlist:
        """The work needs (and so employers) a candidate is most worth meeting.

        With ``one_per_employer`` only each employer's best work need is listed.
        """
        k = self._check_k(k)
        candidate = self.store.get(Candidate, candidate_id, municipality=municipality)
        if candidate is None:
            raise UnknownRecordError("candidate", candidate_id)
        pool = self._pool(candidate.municipality)
        excluded = dict(excluded or {})
        base = dict(
            direction="candidate", query_id=candidate_id, municipality=candidate.municipality,
            pool_size=len(pool.needs), excluded=excluded,
        )
        if not pool.needs:
            return Shortlist(matches=[], vetoed={}, scored_by=self.scored_by,
                             note="geen open werkvragen in deze gemeente", **base)
        row = pool.row_of[candidate.id]
        repeated = pool.arrays.take(np.full(len(pool.needs), row))
        site = Site.of_work_needs(pool.needs, pool.employers)
        masks = veto_masks(repeated, site, on=self.today(), placed_ids=pool.placed_ids)
        ok = allowed(masks)
        for nid in excluded:
            if nid in pool.need_row_of:
                ok[pool.need_row_of[nid]] = False
        vetoed = {v.value: int(m.sum()) for v, m in masks.items() if m.any()}
        if not ok.any():
            reasons = sorted({VETO_LABELS[v] for v, m in masks.items() if m.any()})
            return Shortlist(matches=[], vetoed=vetoed, scored_by=self.scored_by,
                             note="alle werkvragen vallen af: " + ", ".join(reasons), **base)
        cand_vec = pool.vectors.take(np.array([row]))
        query = cand_vec.hybrid(self.index.space.dense_weight)[0]
        need_rows = self._retrieve("work_needs", query, ok, pool.need_row_of, pool.need_vectors)
        features = self._features(
            pool, np.full(len(need_rows), row), need_rows, pool.needs, pool.need_arrays, pool.need_vectors
        )
        score, probability = self._score(features)
        order = sorted(range(len(need_rows)), key=lambda i: (-score[i], pool.needs[need_rows[i]].id))
        shown: list[int] = []
        seen: set[str] = set()
        for i in order:
            employer_id = pool.needs[need_rows[i]].employer_id
            if one_per_employer and employer_id in seen:
                continue
            seen.add(employer_id)
            shown.append(i)
            if len(shown) == k:
                break
        matches: list[Match] = []
        for rank, (i, contrib) in enumerate(zip(shown, self._explain(features, shown), strict=True), start=1):
            need = pool.needs[need_rows[i]]
            _, passed = vetoes_of(masks, need_rows[i])
            matches.append(
                self._match(rank, candidate, need, pool.employers[need.employer_id],
                            features.iloc[i], score[i], probability, contrib, i, passed, False)
            )
        note = SIMILARITY_NOTE if self.scorer is None else None
        return Shortlist(matches=matches, vetoed=vetoed, scored_by=self.scored_by, note=note, **base)

    # ---- steps -----------------------------------------------------------------------------

    def _need_vectors(self, pool: _Pool, need: WorkNeed) -> TextVectors:
        row = pool.need_row_of.get(need.id)
        if row is not None:
            return pool.need_vectors.take(np.array([row]))
        return self.index.space.work_need_vectors([need])  # a closed work need is not pooled

    def _retrieve(
        self,
        kind: str,
        query: np.ndarray,
        ok: np.ndarray,
        row_of: dict[str, int],
        vectors: TextVectors,
    ) -> np.ndarray:
        """Rows of the best allowed records: FAISS first, the exact scan when too few survive."""
        wanted = min(self.config.retrieve_k, int(ok.sum()))
        if self.config.overfetch > 0:
            _, ids = self.index.search(kind, query, wanted * self.config.overfetch)
            rows = [row_of[i] for i in ids if i in row_of and ok[row_of[i]]][:wanted]
            if len(rows) >= wanted:
                return np.array(rows, dtype=int)
        candidates = np.flatnonzero(ok)
        sims = vectors.take(candidates).hybrid(self.index.space.dense_weight) @ query
        top = np.argsort(-sims, kind="stable")[:wanted]
        return candidates[top]

    def _features(
        self,
        pool: _Pool,
        cand_rows: np.ndarray,
        need_rows: np.ndarray,
        needs: Sequence[WorkNeed],
        need_arrays: WorkNeedArrays,
        need_vectors: TextVectors,
    ) -> pd.DataFrame:
        """Features of the pairs (pool candidate ``cand_rows[i]``, ``needs[need_rows[i]]``)."""
        sim_dense, sim_lexical = self.index.space.pair_similarities(
            pool.vectors, need_vectors, cand_rows, need_rows
        )
        employer_ids = [needs[r].employer_id for r in need_rows]
        return pair_features(
            pool.arrays.take(cand_rows),
            need_arrays.take(need_rows),
            sim_dense=sim_dense,
            sim_lexical=sim_lexical,
            occupation_level=occupation_levels(
                [pool.candidates[r].desired_occupations for r in cand_rows],
                [needs[r].esco_uri or "" for r in need_rows],
            ),
            employer_good_rate=pool.track.rate(employer_ids),
            employer_meetings=pool.track.count(employer_ids),
            dense_weight=self.index.space.dense_weight,
        )

    def pair_matrix(
        self, municipality: str, candidate_ids: Sequence[str], work_need_ids: Sequence[str]
    ) -> PairMatrix:
        """Scores of every (candidate, work need) pair, for planning events.

        Vetoes are not applied here: the planner applies the ones that fit an
        event (travel to the venue, consent to events) itself.
        """
        pool = self._pool(municipality)
        unknown = [c for c in candidate_ids if c not in pool.row_of]
        if unknown:
            raise UnknownRecordError("candidate", unknown[0])
        closed = [w for w in work_need_ids if w not in pool.need_row_of]
        if closed:
            raise UnknownRecordError("open work need", closed[0])
        c_rows = np.array([pool.row_of[c] for c in candidate_ids], dtype=int)
        n_rows = np.array([pool.need_row_of[w] for w in work_need_ids], dtype=int)
        nc, nw = len(c_rows), len(n_rows)
        features = self._features(
            pool, np.repeat(c_rows, nw), np.tile(n_rows, nc), pool.needs, pool.need_arrays, pool.need_vectors
        )
        score, probability = self._score(features)
        if probability is not None:
            score = probability  # planners combine chances, not raw ranking scores
        return PairMatrix(
            candidate_ids=list(candidate_ids),
            work_need_ids=list(work_need_ids),
            employer_ids=[pool.needs[r].employer_id for r in n_rows],
            score=score.reshape(nc, nw),
            probability=None if probability is None else probability.reshape(nc, nw),
            similarity=features["sim_hybrid"].to_numpy().reshape(nc, nw),
            occupation_level=features["occupation_level"].to_numpy().reshape(nc, nw),
            scored_by=self.scored_by,
        )

    def _score(self, features: pd.DataFrame) -> tuple[np.ndarray, np.ndarray | None]:
        """(ranking score, calibrated probability or None) of every row.

        Pairs are ranked by the ranker's raw score: the isotonic calibration is
        a step function, so ranking by the probability would tie many pairs.
        """
        if self.scorer is None:
            return features["sim_hybrid"].to_numpy(), None
        prediction = self.scorer.predict(features, explain=False)
        return np.asarray(prediction.score, dtype=float), np.asarray(prediction.probability, dtype=float)

    def _explain(self, features: pd.DataFrame, rows: Sequence[int]) -> list[dict[str, float] | None]:
        """The ranker's per-feature contributions for the rows shown (None without a ranker)."""
        if self.scorer is None or not rows:
            return [None] * len(rows)
        contributions, _ = self.scorer.explain(features.iloc[list(rows)])
        return [
            {name: float(v) for name, v in zip(contributions.columns, values, strict=True)}
            for values in contributions.to_numpy()
        ]

    @property
    def scored_by(self) -> str:
        """What ranks the shortlists now: the model version, or "similarity"."""
        return "similarity" if self.scorer is None else str(self.scorer.version)

    @staticmethod
    def _match(rank, candidate, need, employer, features, score, probability, contrib, i, passed,
               pinned) -> Match:  # noqa: ANN001
        values = features.to_dict()
        return Match(
            rank=rank,
            candidate_id=candidate.id,
            work_need_id=need.id,
            employer_id=employer.id,
            score=float(score),
            probability=None if probability is None else float(probability[i]),
            similarity=float(features["sim_hybrid"]),
            reason=explain(candidate, need, employer, values, contrib),
            reason_without_limits=explain(
                candidate, need, employer, values, contrib, include_limits=False
            ),
            checks_passed=[v.value for v in passed],
            pinned=pinned,
            contributions=contrib,
        )

