"""One municipality's candidates and open work as arrays and vectors, for the engine.

The shortlist engine answers every request from such a pool and builds it
again when the store's version moves on (:class:`~matching.shortlists.engine.ShortlistEngine`).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from matching.records.schemas import Candidate, Employer, Event, Outcome, TableMeeting, WorkNeed
from matching.records.storage import Store
from matching.shortlists.candidate_arrays import CandidateArrays
from matching.shortlists.features import TrackRecord, WorkNeedArrays, employer_track_record
from matching.shortlists.text_space import TextSpace, TextVectors, candidate_text

__all__ = ["Pool", "load_pool"]


@dataclass
class Pool:
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


def load_pool(
    store: Store,
    space: TextSpace,
    municipality: str,
    version: int,
    today: Callable[[], dt.date],
) -> Pool:
    """One municipality's pool as of store ``version``, with vectors from ``space``."""
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
        before=today() + dt.timedelta(days=1),
    )
    placed = frozenset(
        o.candidate_id for o in outcomes if o.kind.is_placement and (o.end_date is None or o.end_date >= today())
    )
    return Pool(
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
