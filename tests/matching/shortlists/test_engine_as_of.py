"""A shortlist asked for a past day uses nothing that happened after it.

The same engine, the same model, the same day: once over the whole store,
once over a copy that ends on that day (later events, invitations,
conversations, outcomes and check-ins deleted; statuses, placements and work
needs as they stood then). Every shortlist must come out the same.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from spaces import fast_text_space

from matching.records.enums import CandidateStatus, OutcomeKind
from matching.records.importer import import_folder
from matching.records.schemas import (
    Candidate,
    CheckIn,
    Event,
    EventTable,
    Invitation,
    Outcome,
    TableMeeting,
    WorkNeed,
)
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.retrieval import RetrievalIndex
from training.simulator import SimulationConfig, simulate, write_world
from training.train import train_ranker

WORLD = SimulationConfig(seed=11, n_candidates=500, n_employers=40, months=12)
DAY = dt.date(2025, 9, 1)


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("as-of")
    write_world(simulate(WORLD), folder / "csv")
    return folder


def _store(folder: Path, name: str) -> Store:
    store = Store(f"sqlite:///{folder / name}")
    import_folder(store, folder / "csv")
    return store


def _as_it_stood(store: Store, day: dt.date) -> None:
    """Rewrite a store to what was known on ``day``."""
    later_events = {e.id for e in store.list(Event) if e.date >= day}
    later_outcomes = {o.id for o in store.list(Outcome) if o.recorded_on >= day}
    store.delete(CheckIn, [c.id for c in store.list(CheckIn) if c.date >= day or c.outcome_id in later_outcomes])
    store.delete(Outcome, sorted(later_outcomes))
    store.delete(TableMeeting, [m.id for m in store.list(TableMeeting) if m.event_id in later_events])
    store.delete(Invitation, [i.id for i in store.list(Invitation) if i.event_id in later_events])
    store.delete(EventTable, [t.id for t in store.list(EventTable) if t.event_id in later_events])
    store.delete(Event, sorted(later_events))
    filled: dict[str, int] = {}
    for o in store.list(Outcome):
        if o.work_need_id and OutcomeKind(o.kind).is_placement:
            filled[o.work_need_id] = filled.get(o.work_need_id, 0) + 1
    store.upsert(
        [
            n.model_copy(update={"open": True})
            for n in store.list(WorkNeed)
            if not n.open and filled.get(n.id, 0) < n.places
        ]
    )
    store.upsert(
        [
            c.model_copy(update={"status": CandidateStatus.ACTIVE, "status_since": None, "available_from": None})
            for c in store.list(Candidate)
            if c.status_since is not None and c.status_since > day
        ]
    )


@pytest.fixture(scope="module")
def engines(folder: Path, tmp_path_factory: pytest.TempPathFactory):
    space = fast_text_space()
    full = _store(folder, "full.db")
    result = train_ranker(full, text_space=space, as_of=DAY)
    cut = _store(folder, "cut.db")
    _as_it_stood(cut, DAY)
    make = lambda store: ShortlistEngine(
        store, RetrievalIndex(space, None), scorer=result.bundle, today=lambda: DAY
    )
    return make(full), make(cut), full


def test_the_future_changes_no_shortlist(engines) -> None:
    full, cut, store = engines
    needs = [n.id for n in full._pool(WORLD.municipality).needs]
    assert needs == [n.id for n in cut._pool(WORLD.municipality).needs]
    assert len(needs) > 20
    for need in needs[::5]:
        a, b = full.for_work_need(need, k=50), cut.for_work_need(need, k=50)
        assert a.vetoed == b.vetoed
        assert [(m.candidate_id, m.score, m.probability) for m in a.matches] == [
            (m.candidate_id, m.score, m.probability) for m in b.matches
        ]
    for candidate in [c.id for c in store.list(Candidate)][::25]:
        a, b = full.for_candidate(candidate, k=10), cut.for_candidate(candidate, k=10)
        assert [(m.work_need_id, m.score) for m in a.matches] == [(m.work_need_id, m.score) for m in b.matches]


def test_the_future_is_really_in_the_full_store(engines) -> None:
    """The comparison above means something: the full store knows about later placements."""
    full, _, store = engines
    placements = [o for o in store.list(Outcome) if OutcomeKind(o.kind).is_placement]
    before = {o.candidate_id for o in placements if o.recorded_on < DAY}
    only_later = {o.candidate_id for o in placements if o.recorded_on >= DAY} - before
    assert only_later, "the world should hold placements after the day"
    pool = full._pool(WORLD.municipality)
    assert not only_later & pool.placed_ids
    status_now = {c.id: c.status for c in store.list(Candidate)}
    assert any(status_now[c] is CandidateStatus.PLACED for c in only_later)
