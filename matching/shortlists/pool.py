"""One municipality's candidates and open work as arrays and vectors, for the engine.

The shortlist engine answers every request from such a pool and builds it
again when the store's version or the model in service changes
(:class:`~matching.shortlists.engine.ShortlistEngine`). Everything in it is
as of one day (today, or the date a back-test asks for): only work needs
created by then, placements recorded by then, invitations and conversations
before then.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from matching.outcomes.own_chance import OwnChanceError, OwnChanceModel
from matching.records.enums import OutcomeKind
from matching.records.schemas import (
    Candidate,
    Employer,
    Event,
    Invitation,
    Municipality,
    Outcome,
    Record,
    TableMeeting,
    WorkNeed,
)
from matching.records.storage import Store
from matching.shortlists.as_of import (
    ENGAGEMENT_FEATURES,
    EngagementHistory,
    TrackRecordHistory,
    days,
    placed_on,
)
from matching.shortlists.candidate_arrays import CandidateArrays
from matching.shortlists.features import WorkNeedArrays
from matching.shortlists.occupation_fields import CandidateFields, WorkFields
from matching.shortlists.text_models import CandidateSide, TextModels
from matching.shortlists.text_space import TextSpace, TextVectors

__all__ = [
    "ANYWAY_MONTHS",
    "HISTORY_TYPES",
    "POOL_TYPES",
    "PROFILE_TYPES",
    "Pool",
    "load_pool",
    "open_on",
    "regional_pool",
    "regional_work",
    "with_new_history",
]

logger = logging.getLogger(__name__)

#: Horizon of the chance of finding work without the programme shown with shortlists.
ANYWAY_MONTHS = 6


@dataclass
class Pool:
    """One municipality's records as arrays and vectors, valid for one store version and model."""

    version: int
    model: str
    day: dt.date
    candidates: list[Candidate]
    arrays: CandidateArrays
    vectors: TextVectors
    row_of: dict[str, int]
    needs: list[WorkNeed]
    need_arrays: WorkNeedArrays
    need_vectors: TextVectors
    need_row_of: dict[str, int]
    employers: dict[str, Employer]
    employer_rate: dict[str, float]  # smoothed good-outcome rate before ``day``
    employer_meetings: dict[str, float]
    engagement: dict[str, np.ndarray]  # ENGAGEMENT_FEATURES per candidate row
    placed_ids: frozenset[str] = field(default_factory=frozenset)
    text: CandidateSide | None = None  # None without a trained model
    work_fields: WorkFields | None = None
    #: chance of work found without the programme within ANYWAY_MONTHS; None: history too thin
    anyway: np.ndarray | None = None
    #: version of the municipality's candidates, employers and work needs it was read at
    profile_version: int = 0
    municipality: str = ""


def open_on(needs: Sequence[WorkNeed], outcomes: Sequence[Outcome], day: dt.date) -> list[WorkNeed]:
    """Work needs open on ``day``: created by then, and open now or filled only later.

    A work need closed today was still open on an earlier day when the
    placements that filled it started after that day. One closed by hand
    (no placements name it) counts as closed.
    """
    filled_by: dict[str, int] = {}
    filled_later: dict[str, int] = {}
    for o in outcomes:
        if o.work_need_id is None or not OutcomeKind(o.kind).is_placement:
            continue
        start = o.start_date or o.recorded_on
        target = filled_by if start <= day and o.recorded_on <= day else filled_later
        target[o.work_need_id] = target.get(o.work_need_id, 0) + 1
    out = []
    for need in needs:
        if need.created_on is not None and need.created_on > day:
            continue
        if need.open or (filled_later.get(need.id, 0) and filled_by.get(need.id, 0) < need.places):
            out.append(need)
    return out


#: What the candidate side of a pool is made of; a write of any other record type (events,
#: invitations, meetings, outcomes) only makes its history part be read again.
PROFILE_TYPES: tuple[type[Record], ...] = (Candidate, Employer, WorkNeed)

#: A pool's history part: what happened to its people (who was invited, met, placed).
HISTORY_TYPES: tuple[type[Record], ...] = (Event, Invitation, TableMeeting, Outcome)

#: Every record type a pool (and so a shortlist) is read from, with the municipalities (their
#: region); a write of another type (an event's tables, an aftercare check-in) changes no list.
POOL_TYPES: tuple[type[Record], ...] = (Municipality, *PROFILE_TYPES, *HISTORY_TYPES)


def load_pool(
    store: Store,
    space: TextSpace,
    municipality: str,
    version: int,
    day: dt.date,
    text_models: TextModels | None = None,
    model: str = "similarity",
    profile_version: int = 0,
) -> Pool:
    """One municipality's pool as of ``day`` at store ``version`` (of its records;
    ``profile_version``: of its candidates, employers and work needs), read by ``text_models``."""
    candidates = store.list(Candidate, municipality=municipality)
    employers = {e.id: e for e in store.list(Employer, municipality=municipality)}
    # no vectors for candidates who did not consent to matching: they are vetoed anyway
    rows = [i for i, c in enumerate(candidates) if c.consent_matching]
    consenting = [candidates[i] for i in rows]
    dense = np.zeros((len(candidates), space.dim), np.float32)
    if rows:
        dense[rows] = space.candidate_vectors(consenting).dense
    ids = np.array([c.id for c in candidates], dtype=object)
    text = None
    if text_models is not None:
        text = _spread(text_models.candidate_side(consenting, space), rows, len(candidates))
    history = _History.read(store, municipality)
    try:
        anyway: np.ndarray | None = OwnChanceModel().fit_records(
            candidates, history.outcomes, history.invitations, history.event_dates, as_of=day
        ).chance(candidates, on=day, months=ANYWAY_MONTHS)
    except OwnChanceError as exc:
        logger.info("no chance-anyway figures for %s: %s", municipality, exc)
        anyway = None
    pool = Pool(
        version=version,
        model=model,
        day=day,
        candidates=candidates,
        arrays=CandidateArrays.from_candidates(candidates),
        vectors=TextVectors(ids, dense),
        row_of={c.id: i for i, c in enumerate(candidates)},
        needs=[],
        need_arrays=WorkNeedArrays.from_needs([], employers),
        need_vectors=TextVectors(np.array([], dtype=object), np.zeros((0, space.dim), np.float32)),
        need_row_of={},
        employers=employers,
        employer_rate={},
        employer_meetings={},
        engagement={},
        text=text,
        anyway=anyway,
        profile_version=profile_version,
        municipality=municipality,
    )
    return _with_history(pool, store, space, text_models, history, municipality, version)


def with_new_history(
    pool: Pool, store: Store, space: TextSpace, text_models: TextModels | None, version: int
) -> Pool:
    """The pool with its history part read again (the work open on its day, engagement,
    placements, employers' track record), its candidate side kept: what a recorded outcome or
    invitation changes. The chance anyway stays as fitted when the pool was loaded (daily)."""
    history = _History.read(store, pool.municipality)
    return _with_history(pool, store, space, text_models, history, pool.municipality, version)


@dataclass
class _History:
    outcomes: list[Outcome]
    invitations: list[Invitation]
    meetings: list[TableMeeting]
    event_dates: dict[str, dt.date]

    @classmethod
    def read(cls, store: Store, municipality: str) -> _History:
        return cls(
            outcomes=store.list(Outcome, municipality=municipality),
            invitations=store.list(Invitation, municipality=municipality),
            meetings=store.list(TableMeeting, municipality=municipality),
            event_dates={e.id: e.date for e in store.list(Event, municipality=municipality)},
        )


def _with_history(
    pool: Pool,
    store: Store,
    space: TextSpace,
    text_models: TextModels | None,
    history: _History,
    municipality: str,
    version: int,
) -> Pool:
    day = pool.day
    needs = open_on(store.list(WorkNeed, municipality=municipality), history.outcomes, day)
    on = np.full(len(pool.candidates), np.datetime64(day, "D"))
    engagement = EngagementHistory.from_records(
        history.invitations, history.meetings, history.event_dates
    ).features(pool.vectors.ids, on)
    employer_ids = np.array(sorted(pool.employers), dtype=object)
    rate, met = TrackRecordHistory.from_records(
        history.meetings, [o for o in history.outcomes if o.recorded_on <= day], history.event_dates
    ).features(employer_ids, days([day] * len(employer_ids)))
    need_vectors = space.work_need_vectors(needs)
    return replace(
        pool,
        version=version,
        needs=needs,
        need_arrays=WorkNeedArrays.from_needs(needs, pool.employers),
        need_vectors=need_vectors,
        need_row_of={n.id: i for i, n in enumerate(needs)},
        employer_rate=dict(zip(employer_ids, rate, strict=True)),
        employer_meetings=dict(zip(employer_ids, met, strict=True)),
        engagement={name: engagement[name] for name in ENGAGEMENT_FEATURES},
        placed_ids=placed_on(history.outcomes, day),
        work_fields=None if text_models is None else text_models.work_side(needs, need_vectors.dense),
    )


def regional_pool(home: Pool, others: Sequence[Pool], before: Pool | None = None) -> Pool:
    """``home``'s pool with the candidates of the region's other municipalities who consented
    to regional sharing (and to matching) added after its own.

    The work needs, employers and their track record stay ``home``'s; each added candidate
    keeps what their own municipality knows of them (engagement, chance anyway), so a
    shortlist ranks them exactly as their own municipality's pool would.

    ``before``: the regional pool of the same members when only their history changed
    since (the same profile versions, model and day); its candidate side is kept instead
    of being copied together again.
    """
    parts: list[tuple[Pool, np.ndarray]] = [(home, np.arange(len(home.candidates)))]
    for pool in others:
        rows = np.flatnonzero(pool.arrays.consent_region & pool.arrays.consent_matching)
        if rows.size:
            parts.append((pool, rows))
    if len(parts) == 1:
        return home
    anyway = [p.anyway for p, _ in parts]
    if before is not None:
        candidates, arrays, vectors, text = before.candidates, before.arrays, before.vectors, before.text
        row_of = before.row_of
    else:
        candidates = [p.candidates[r] for p, rows in parts for r in rows]
        texts = [p.text for p, _ in parts]
        arrays = CandidateArrays.concat([p.arrays.take(rows) for p, rows in parts])
        vectors = TextVectors.concat([p.vectors.take(rows) for p, rows in parts])
        row_of = {c.id: i for i, c in enumerate(candidates)}
        text = None if any(t is None for t in texts) else _joined(
            [t.take(rows) for t, (_, rows) in zip(texts, parts, strict=True) if t is not None]
        )
    return replace(
        home,
        candidates=candidates,
        arrays=arrays,
        vectors=vectors,
        row_of=row_of,
        text=text,
        engagement={
            name: np.concatenate([p.engagement[name][rows] for p, rows in parts])
            for name in home.engagement
        },
        placed_ids=frozenset().union(*(p.placed_ids for p, _ in parts)),
        # a chance anyway shown for some and not others would sort them unevenly: all or none
        anyway=None if any(a is None for a in anyway) else np.concatenate(
            [a[rows] for a, (_, rows) in zip(anyway, parts, strict=True) if a is not None]
        ),
    )


def regional_work(home: Pool, others: Sequence[Pool]) -> Pool:
    """``home``'s pool with the open work needs of the region's other municipalities added
    after its own, for a candidate's list over the region.

    Each added work need keeps its employer and the employer's track record as its own
    municipality's pool holds them, so it is scored exactly as there; the candidates
    stay ``home``'s.
    """
    parts = [home, *(p for p in others if p.needs)]
    if len(parts) == 1:
        return home
    needs = [n for p in parts for n in p.needs]
    fields = [p.work_fields for p in parts]
    return replace(
        home,
        needs=needs,
        need_arrays=WorkNeedArrays.concat([p.need_arrays for p in parts]),
        need_vectors=TextVectors.concat([p.need_vectors for p in parts]),
        need_row_of={n.id: i for i, n in enumerate(needs)},
        employers={e: employer for p in parts for e, employer in p.employers.items()},
        employer_rate={e: rate for p in parts for e, rate in p.employer_rate.items()},
        employer_meetings={e: met for p in parts for e, met in p.employer_meetings.items()},
        work_fields=None if any(f is None for f in fields) else WorkFields(
            np.concatenate([f.vector for f in fields if f is not None]),
            np.concatenate([f.item for f in fields if f is not None]),
            np.concatenate([f.known for f in fields if f is not None]),
        ),
    )


def _joined(sides: Sequence[CandidateSide]) -> CandidateSide:
    width = max(s.fields.desired.shape[1] for s in sides)
    desired = np.concatenate([
        np.pad(s.fields.desired, ((0, 0), (0, width - s.fields.desired.shape[1])), constant_values=-1)
        for s in sides
    ])
    return CandidateSide(
        CandidateFields(
            desired,
            np.concatenate([s.fields.text for s in sides]),
            np.concatenate([s.fields.words for s in sides]),
        ),
        np.concatenate([s.motivation for s in sides]),
    )


def _spread(side: CandidateSide, rows: list[int], n: int) -> CandidateSide:
    """A reading of some candidates as one of all ``n``, zeros (no field, no motivation) elsewhere."""
    f = side.fields
    desired = np.full((n, f.desired.shape[1]), -1, dtype=np.int64)
    text = np.zeros((n, f.text.shape[1]), dtype=np.float32)
    words = np.zeros((n, f.words.shape[1]), dtype=np.float32)
    motivation = np.zeros(n)
    desired[rows], text[rows], words[rows], motivation[rows] = f.desired, f.text, f.words, side.motivation
    return CandidateSide(CandidateFields(desired, text, words), motivation)
