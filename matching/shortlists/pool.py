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
from itertools import compress
from operator import is_not
from typing import Any

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
from matching.records.storage import Change, Store
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
from matching.shortlists.vetoes import DayStatus, day_status

__all__ = [
    "ANYWAY_MONTHS",
    "HISTORY_TYPES",
    "MAX_PIECEMEAL",
    "POOL_TYPES",
    "PROFILE_TYPES",
    "Pool",
    "load_pool",
    "open_on",
    "regional_pool",
    "regional_work",
    "touched_by",
    "with_changes",
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
    #: the model behind ``anyway``, fitted when the pool was loaded (daily)
    own_chance: OwnChanceModel | None = field(default=None, repr=False, compare=False)
    #: a regional pool: the (municipality, version) of each member pool it was made of
    members: tuple[tuple[str, int], ...] | None = None
    _day_status: DayStatus | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def stamp(self) -> tuple[tuple[str, int], ...]:
        """The (municipality, version) of the records it holds: its own, or a regional
        pool's members'."""
        return self.members if self.members is not None else ((self.municipality, self.version),)

    def day_status(self) -> DayStatus:
        """Who is placed (also by ``placed_ids``) or not available on ``day``
        (:func:`~matching.shortlists.vetoes.day_status`); worked out once per pool, not once
        per list."""
        if self._day_status is None:
            placed = np.zeros(len(self.candidates), dtype=bool)
            placed[[self.row_of[c] for c in self.placed_ids if c in self.row_of]] = True
            self._day_status = day_status(self.arrays, self.day, placed)
        return self._day_status


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
    ``profile_version``: of its candidates, employers and work needs), read by ``text_models``.

    Its candidates are in the order of their ids (Python's, whatever the database's collation),
    so that one patched by :func:`with_changes` lists them as one read in full.
    """
    candidates = sorted(store.list(Candidate, municipality=municipality), key=lambda c: c.id)
    employers = {e.id: e for e in store.list(Employer, municipality=municipality)}
    history = _History.read(store, municipality)
    try:
        own_chance: OwnChanceModel | None = OwnChanceModel().fit_records(
            candidates, history.outcomes, history.invitations, history.event_dates, as_of=day
        )
    except OwnChanceError as exc:
        logger.info("no chance-anyway figures for %s: %s", municipality, exc)
        own_chance = None
    side = _CandidateSide.read(candidates, space, text_models, own_chance, day)
    pool = Pool(
        version=version,
        model=model,
        day=day,
        candidates=candidates,
        arrays=side.arrays,
        vectors=side.vectors,
        row_of={c.id: i for i, c in enumerate(candidates)},
        needs=[],
        need_arrays=WorkNeedArrays.from_needs([], employers),
        need_vectors=TextVectors(np.array([], dtype=object), np.zeros((0, space.dim), np.float32)),
        need_row_of={},
        employers=employers,
        employer_rate={},
        employer_meetings={},
        engagement={},
        text=side.text,
        anyway=side.anyway,
        profile_version=profile_version,
        municipality=municipality,
        own_chance=own_chance,
    )
    return _with_history(pool, store, space, text_models, history, municipality, version)


@dataclass
class _CandidateSide:
    """What a pool knows of some candidates from their profiles alone, row for row."""

    arrays: CandidateArrays
    vectors: TextVectors
    text: CandidateSide | None
    anyway: np.ndarray | None

    @classmethod
    def read(
        cls,
        candidates: Sequence[Candidate],
        space: TextSpace,
        text_models: TextModels | None,
        own_chance: OwnChanceModel | None,
        day: dt.date,
    ) -> _CandidateSide:
        # no vectors for candidates who did not consent to matching: they are vetoed anyway
        rows = [i for i, c in enumerate(candidates) if c.consent_matching]
        consenting = [candidates[i] for i in rows]
        dense = np.zeros((len(candidates), space.dim), np.float32)
        if rows:
            dense[rows] = space.candidate_vectors(consenting).dense
        text = None
        if text_models is not None:
            text = _spread(text_models.candidate_side(consenting, space), rows, len(candidates))
        return cls(
            CandidateArrays.from_candidates(candidates),
            TextVectors(np.array([c.id for c in candidates], dtype=object), dense),
            text,
            None if own_chance is None else own_chance.chance(candidates, on=day, months=ANYWAY_MONTHS),
        )


def with_new_history(
    pool: Pool, store: Store, space: TextSpace, text_models: TextModels | None, version: int
) -> Pool:
    """The pool with its history part read again (the work open on its day, engagement,
    placements, employers' track record), its candidate side kept: what a recorded outcome or
    invitation changes. The chance anyway stays as fitted when the pool was loaded (daily)."""
    history = _History.read(store, pool.municipality)
    return _with_history(pool, store, space, text_models, history, pool.municipality, version)


#: Beyond this many writes since a pool was read, it is read again in full.
MAX_PIECEMEAL = 500

#: Writes whose reach :func:`touched_by` can name: the candidates and employers concerned.
_PERSONAL = frozenset(t.entity for t in (Candidate, Invitation, TableMeeting, Outcome))


def touched_by(changes: Sequence[Change]) -> tuple[frozenset[str], frozenset[str]] | None:
    """The candidates and employers whose profile or history ``changes`` (of candidates,
    invitations, conversations and outcomes) may have changed; None when a change reaches
    further: an employer, work need or municipality, an event (its date dates every
    invitation to it), an outcome naming a work need (it may fill it) or a deletion that kept
    no trace of whose record it was."""
    candidates: set[str] = set()
    employers: set[str] = set()
    for change in changes:
        if change.entity not in _PERSONAL or (change.before is None and change.after is None):
            return None
        if change.entity == Candidate.entity:
            candidates.add(change.record_id)
            continue
        for values in (change.before, change.after):
            if values is None:
                continue
            if change.entity == Outcome.entity and values.get("work_need_id"):
                return None
            if values.get("candidate_id"):
                candidates.add(str(values["candidate_id"]))
            if values.get("employer_id"):
                employers.add(str(values["employer_id"]))
    return frozenset(candidates), frozenset(employers)


def with_changes(
    pool: Pool,
    store: Store,
    space: TextSpace,
    text_models: TextModels | None,
    changes: Sequence[Change],
    version: int,
    profile_version: int,
) -> Pool | None:
    """The pool after ``changes`` (every write to its records since it was read, oldest
    first), reading again only what they concern; it comes out as :func:`load_pool` would
    make it now, at a fraction of its cost in a large municipality:

    - a candidate written (new, edited, consent changed, moved away, deleted): their row of
      every array, vector and text reading, their engagement and placements; their chance
      anyway from the model fitted when the pool was loaded (it is fitted again daily);
    - an employer or work need written: the employers, and the history part in full
      (:func:`with_new_history`; the open work is a few hundred records);
    - history alone (invitations, conversations, outcomes): the history of the candidates
      and employers they name (:func:`touched_by`); of everyone when they reach further.

    None when they reach further: the municipality itself (its region) changed, or a
    candidate, employer or work need was deleted without a trace of whose record it was
    (an erasure). Load the pool anew then.
    """
    profiles = {t.entity for t in PROFILE_TYPES}
    if any(
        c.entity == Municipality.entity or (c.entity in profiles and not (c.before or c.after))
        for c in changes
    ):
        return None
    people = {c.record_id for c in changes if c.entity == Candidate.entity}
    patched = replace(
        _with_candidates(pool, store, space, text_models, people) if people else pool,
        profile_version=profile_version,
    )
    if any(c.entity == Employer.entity for c in changes):
        patched = replace(patched, employers={e.id: e for e in store.list(Employer, municipality=pool.municipality)})
    touched = touched_by([c for c in changes if c.entity not in profiles])
    if touched is None or any(c.entity in (Employer.entity, WorkNeed.entity) for c in changes):
        return with_new_history(patched, store, space, text_models, version)
    return _with_history_of(patched, store, touched[0] | people, touched[1], version)


def _with_candidates(
    pool: Pool, store: Store, space: TextSpace, text_models: TextModels | None, people: set[str]
) -> Pool:
    """The pool with ``people``'s profiles read again (their history is left to the caller:
    a new candidate's engagement is zero here)."""
    fresh = store.list(Candidate, municipality=pool.municipality, where={"id": sorted(people)})
    side = _CandidateSide.read(fresh, space, text_models, pool.own_chance, pool.day)
    if len(fresh) == len(people) and all(c.id in pool.row_of for c in fresh):  # edits alone
        return _with_rows(pool, np.array([pool.row_of[c.id] for c in fresh], dtype=np.intp), fresh, side)
    keep = np.array([i for i, c in enumerate(pool.candidates) if c.id not in people], dtype=int)
    candidates = [pool.candidates[i] for i in keep] + fresh
    order = np.array(sorted(range(len(candidates)), key=lambda j: candidates[j].id), dtype=int)
    texts = [pool.text, side.text]
    anyway = [pool.anyway, side.anyway]
    return replace(
        pool,
        candidates=[candidates[j] for j in order],
        arrays=CandidateArrays.concat([pool.arrays.take(keep), side.arrays]).take(order),
        vectors=TextVectors.concat([pool.vectors.take(keep), side.vectors]).take(order),
        row_of={candidates[j].id: i for i, j in enumerate(order)},
        text=None if texts[0] is None or texts[1] is None else CandidateSide.gather(
            [(texts[0], keep), (texts[1], np.arange(len(fresh)))]
        ).take(order),
        anyway=None if anyway[0] is None or anyway[1] is None else np.concatenate(
            [anyway[0][keep], anyway[1]]
        )[order],
        engagement={
            name: np.concatenate([values[keep], np.zeros(len(fresh), values.dtype)])[order]
            for name, values in pool.engagement.items()
        },
    )


def _with_rows(pool: Pool, rows: np.ndarray, fresh: Sequence[Candidate], side: _CandidateSide) -> Pool:
    """The pool with the candidates in ``rows`` replaced by ``fresh`` (the same people, their
    profiles written again), read as ``side``."""
    anyway = None
    if pool.anyway is not None and side.anyway is not None:
        anyway = pool.anyway.copy()
        anyway[rows] = side.anyway
    return replace(
        pool, anyway=anyway, **_rows_replaced(pool, rows, fresh, side.arrays, side.vectors.dense, side.text)
    )


def _rows_replaced(
    pool: Pool, rows: np.ndarray, fresh: Sequence[Candidate], arrays: CandidateArrays, dense: np.ndarray,
    text: CandidateSide | None,
) -> dict[str, Any]:
    """``pool``'s candidate side (records, columns, vectors, text reading; None when either
    lacks one) with ``rows`` replaced by these, the same people written again: only those
    rows are copied, and only the blocks of vectors they fall in."""
    candidates = list(pool.candidates)
    for row, candidate in zip(rows, fresh, strict=True):
        candidates[row] = candidate
    return {
        "candidates": candidates,
        "arrays": pool.arrays.with_rows(rows, arrays),
        "vectors": pool.vectors.with_rows(rows, dense),
        "text": None if pool.text is None or text is None else pool.text.with_rows(rows, text),
    }


def _with_history_of(
    pool: Pool, store: Store, touched_people: frozenset[str] | set[str], touched_employers: frozenset[str], version: int
) -> Pool:
    """The pool with the history of these candidates and employers read again."""
    people = sorted(touched_people)
    employers = sorted(e for e in touched_employers if e in pool.employers)
    municipality, day = pool.municipality, pool.day
    invitations = store.list(Invitation, municipality=municipality, where={"candidate_id": people}) if people else []
    meetings = store.list(TableMeeting, municipality=municipality, where={"candidate_id": people}) if people else []
    outcomes = store.list(Outcome, municipality=municipality, where={"candidate_id": people}) if people else []
    at_employers = store.list(TableMeeting, municipality=municipality, where={"employer_id": employers}) if employers else []
    results = [
        o for o in (store.list(Outcome, municipality=municipality, where={"employer_id": employers}) if employers else [])
        if o.recorded_on <= day
    ]
    events = sorted({i.event_id for i in invitations} | {m.event_id for m in (*meetings, *at_employers)})
    dates = {e.id: e.date for e in store.list(Event, municipality=municipality, where={"id": events})} if events else {}
    engagement = pool.engagement
    pooled = [c for c in people if c in pool.row_of]
    if pooled:
        rows = np.array([pool.row_of[c] for c in pooled])
        found = EngagementHistory.from_records(invitations, meetings, dates).features(
            np.array(pooled, dtype=object), np.full(len(pooled), np.datetime64(day, "D"))
        )
        engagement = {name: values.copy() for name, values in engagement.items()}
        for name in ENGAGEMENT_FEATURES:
            engagement[name][rows] = found[name]
    rate, met = dict(pool.employer_rate), dict(pool.employer_meetings)
    if employers:
        ids = np.array(employers, dtype=object)
        new_rate, new_met = TrackRecordHistory.from_records(at_employers, results, dates).features(
            ids, days([day] * len(ids))
        )
        rate.update(zip(employers, new_rate, strict=True))
        met.update(zip(employers, new_met, strict=True))
    return replace(
        pool,
        version=version,
        engagement=engagement,
        employer_rate=rate,
        employer_meetings=met,
        placed_ids=(pool.placed_ids - set(people)) | placed_on(outcomes, day),
    )


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


def regional_pool(
    home: Pool,
    others: Sequence[Pool],
    before: tuple[Sequence[Pool], Pool] | None = None,
    written: frozenset[str] | None = None,
) -> Pool:
    """``home``'s pool with the candidates of the region's other municipalities who consented
    to regional sharing (and to matching) added after its own.

    The work needs, employers and their track record stay ``home``'s; each added candidate
    keeps what their own municipality knows of them (engagement, chance anyway), so a
    shortlist ranks them exactly as their own municipality's pool would.

    ``before``: the members' pools (``home`` first, the same municipalities, model and day)
    and the regional pool made of them before their latest writes. When it lists the same
    candidates in the same rows (only history changed, profiles of candidates it does not
    list, or profiles of some it lists), its candidate side is kept, with just the rows of
    those written copied in from their own municipality's pool, instead of being copied
    together again. ``written``: every candidate the members' writes since concern (their
    profiles or history), when known; then only their rows are compared and copied, their
    engagement and chance anyway too, instead of every row.
    """
    members = [home, *others]
    shared = [np.arange(len(home.candidates))] + [
        np.flatnonzero(p.arrays.consent_region & p.arrays.consent_matching) for p in others
    ]
    parts = [(p, rows) for p, rows in zip(members, shared, strict=True) if rows.size]
    if len(parts) == 1:
        return home
    history = None if before is None or written is None else _rows_of(before, members, written)
    rows = history if history is not None else None if before is None else _rows_written(before, members, shared)
    if before is not None and rows is not None:
        return _patched(home, members, shared, before[1], rows, history is not None)
    candidates = [p.candidates[r] for p, rows in parts for r in rows]
    texts = [p.text for p, _ in parts]
    vectors = TextVectors.gather([(p.vectors, rows) for p, rows in parts])
    return replace(
        home,
        members=tuple((p.municipality, p.version) for p in members),
        candidates=candidates,
        arrays=CandidateArrays.concat([p.arrays.take(rows) for p, rows in parts]),
        vectors=vectors,
        row_of=dict(zip(vectors.ids.tolist(), range(len(vectors.ids)), strict=True)),
        text=None if any(t is None for t in texts) else CandidateSide.gather(
            [(t, rows) for t, (_, rows) in zip(texts, parts, strict=True) if t is not None]
        ),
        engagement=_engagement(home, parts),
        placed_ids=frozenset().union(*(p.placed_ids for p, _ in parts)),
        anyway=_anyway(parts),
    )


def _engagement(home: Pool, parts: Sequence[tuple[Pool, np.ndarray]]) -> dict[str, np.ndarray]:
    """Each member's engagement of its ``rows`` (``parts``), in that order."""
    return {name: np.concatenate([p.engagement[name][rows] for p, rows in parts]) for name in home.engagement}


def _anyway(parts: Sequence[tuple[Pool, np.ndarray]]) -> np.ndarray | None:
    """Each member's chance anyway of its ``rows`` (``parts``), in that order; None unless
    every member has one (shown for some and not others, it would sort them unevenly)."""
    found = [p.anyway[rows] for p, rows in parts if p.anyway is not None]
    return np.concatenate(found) if len(found) == len(parts) else None


def _patched(
    home: Pool, members: Sequence[Pool], shared: Sequence[np.ndarray], pool: Pool, rows: np.ndarray,
    history: bool,
) -> Pool:
    """The regional ``pool`` (listing the same candidates in the same rows as ``members``
    share now) with ``rows`` copied in from their own municipality's pool: their records
    written again, and with ``history`` (``rows`` are every row the writes concern) their
    engagement and chance anyway; without, those are gathered from every member again."""
    starts = np.cumsum([0] + [len(r) for r in shared])
    member = np.searchsorted(starts, rows, side="right") - 1
    at = np.array([shared[m][row - starts[m]] for m, row in zip(member.tolist(), rows.tolist(), strict=True)], dtype=np.intp)
    # the rows whose record was written again (history alone leaves the record as it was)
    edited = np.array([
        i for i, (m, r, row) in enumerate(zip(member.tolist(), at.tolist(), rows.tolist(), strict=True))
        if members[m].candidates[r] is not pool.candidates[row]
    ], dtype=np.intp)
    side = pool
    if edited.size:  # rows of one member are consecutive, members in order
        sources = [(members[m], at[edited][member[edited] == m]) for m in np.unique(member[edited]).tolist()]
        texts = [(p.text, r) for p, r in sources if p.text is not None]
        side = replace(pool, **_rows_replaced(
            pool, rows[edited], [p.candidates[r] for p, rs in sources for r in rs],
            CandidateArrays.concat([p.arrays.take(r) for p, r in sources]),
            np.concatenate([p.vectors.rows(r) for p, r in sources]),
            CandidateSide.gather(texts) if len(texts) == len(sources) else None,
        ))

    def copied(values: np.ndarray, held: Sequence[np.ndarray]) -> np.ndarray:
        """``values`` (the regional pool's) with ``rows`` as their members hold them now
        (``held``: each member's values)."""
        now = np.array([held[m][r] for m, r in zip(member.tolist(), at.tolist(), strict=True)], dtype=values.dtype)
        if np.array_equal(now, values[rows], equal_nan=values.dtype.kind == "f"):
            return values
        values = values.copy()
        values[rows] = now
        return values

    parts = [(p, r) for p, r in zip(members, shared, strict=True) if r.size]
    if history:
        engagement = {name: copied(v, [p.engagement[name] for p in members]) for name, v in pool.engagement.items()}
    else:
        engagement = _engagement(home, parts)
    anyway: np.ndarray | None
    if history and pool.anyway is not None and all(p.anyway is not None for p, _ in parts):
        # one sharing no one has none, and is never read
        anyway = copied(pool.anyway, [np.zeros(0) if p.anyway is None else p.anyway for p in members])
    else:
        anyway = _anyway(parts)
    return replace(
        home,
        members=tuple((p.municipality, p.version) for p in members),
        candidates=side.candidates,
        arrays=side.arrays,
        vectors=side.vectors,
        row_of=side.row_of,
        text=side.text,
        engagement=engagement,
        placed_ids=frozenset().union(*(p.placed_ids for p, _ in parts)),
        anyway=anyway,
    )


def _rows_of(before: tuple[Sequence[Pool], Pool], members: Sequence[Pool], written: frozenset[str]) -> np.ndarray | None:
    """The rows of ``before``'s regional pool of the ``written`` candidates, in row order;
    None unless it lists the same people in the same rows now: each member lists the same
    candidates in the same rows as then, and each written candidate is shared as then."""
    was, pool = before
    if [m.municipality for m in was] != [m.municipality for m in members] or any(
        new.row_of is not old.row_of for old, new in zip(was, members, strict=True)
    ):
        return None
    home = members[0].municipality
    rows = []
    for cid in written:
        row = pool.row_of.get(cid)
        owner = next((m for m in members if cid in m.row_of), None)
        if owner is None:
            return None
        r = owner.row_of[cid]
        now = owner.municipality == home or bool(owner.arrays.consent_region[r] & owner.arrays.consent_matching[r])
        if now != (row is not None):
            return None
        if row is not None:
            rows.append(row)
    return np.array(sorted(rows), dtype=np.intp)


def _rows_written(
    before: tuple[Sequence[Pool], Pool], members: Sequence[Pool], shared: Sequence[np.ndarray]
) -> np.ndarray | None:
    """The rows of ``before``'s regional pool whose candidate ``members`` (sharing ``shared``
    rows) now hold another record of (their profile was written since); None unless it lists
    the same people in the same rows. A member whose profiles were not written (the same list
    of candidates) is not compared row by row."""
    was, pool = before
    if [m.municipality for m in was] != [m.municipality for m in members]:
        return None
    written: list[int] = []
    at = 0
    for old, new, rows in zip(was, members, shared, strict=True):
        if new.candidates is not old.candidates:
            previous = pool.candidates[at : at + len(rows)]
            if len(previous) < len(rows):
                return None
            # every row (the home municipality's), else the rows it shares
            now = new.candidates if len(rows) == len(new.candidates) else list(
                map(new.candidates.__getitem__, rows.tolist())
            )
            # the same record object means not written: compared by identity in C (1.2 ms for
            # 40,000 rows; one by one in Python, 4 ms)
            differ = list(compress(range(len(rows)), map(is_not, previous, now)))
            if any(previous[i].id != now[i].id for i in differ):
                return None
            written.extend(at + i for i in differ)
        at += len(rows)
    return np.array(written, dtype=np.intp) if at == len(pool.candidates) else None


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


def _spread(side: CandidateSide, rows: list[int], n: int) -> CandidateSide:
    """A reading of some candidates as one of all ``n``, zeros (no field, no motivation) elsewhere."""
    desired = np.full((n, side.desired.shape[1]), -1, dtype=np.int64)
    text = np.zeros((n, side.text.shape[1]), dtype=np.float32)
    words = np.zeros((n, side.words.shape[1]), dtype=np.float32)
    motivation = np.zeros(n)
    desired[rows], text[rows], words[rows] = side.desired.whole, side.text.whole, side.words.whole
    motivation[rows] = side.motivation.whole
    return CandidateSide.of(CandidateFields(desired, text, words), motivation)
