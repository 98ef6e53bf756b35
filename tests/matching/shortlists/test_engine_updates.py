"""After new history, a list brought up to date equals the list made anew.

A trained ranker on a simulated municipality; lists of its work needs are made,
then invitations, conversations and outcomes are written for candidates at the
top of those lists and an employer's record changes. The pool patched with only
those people's history must equal the pool read in full, and every list the
engine brings up to date must equal, line for line, the list a fresh engine
makes over every candidate.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from spaces import fast_text_space

import matching.shortlists.engine as engine_module
from matching.records.enums import ContractType, InvitationStatus, OutcomeKind
from matching.records.importer import import_folder
from matching.records.schemas import Candidate, Event, Invitation, Outcome, TableMeeting
from matching.records.storage import Store
from matching.shortlists.candidate_arrays import CandidateArrays
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.pool import (
    ANYWAY_MONTHS,
    HISTORY_TYPES,
    POOL_TYPES,
    Pool,
    load_pool,
    with_changes,
)
from matching.shortlists.retrieval import RetrievalIndex
from matching.shortlists.row_blocks import RowBlocks
from matching.shortlists.shortlist import Ranking, Shortlist, ShortlistConfig
from training.simulator import SimulationConfig, simulate, write_world
from training.train import train_ranker

WORLD = SimulationConfig(seed=12, n_candidates=500, n_employers=40, months=12)
DAY = dt.date(2025, 9, 1)
HERE = WORLD.municipality


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory):
    folder = tmp_path_factory.mktemp("updates")
    write_world(simulate(WORLD), folder / "csv")
    store = Store(f"sqlite:///{folder / 'world.db'}")
    import_folder(store, folder / "csv")
    space = fast_text_space()
    bundle = train_ranker(store, text_space=space, as_of=DAY).bundle
    return folder, space, bundle


@pytest.fixture
def store(world, tmp_path: Path) -> Store:
    folder, _, _ = world
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    import_folder(store, folder / "csv")
    return store


def _engine(world, store: Store, **kw) -> ShortlistEngine:
    _, space, bundle = world
    return ShortlistEngine(store, RetrievalIndex(space, None), scorer=bundle, today=lambda: DAY, **kw)


def _read_in_full(*args, **kwargs):
    raise AssertionError("the pool was read in full")


class _Near(float):
    """A number that equals any within 1e-6: what a batch of another size brings. The
    profiles' texts are read in float32 and the sums run in another order; on some
    processors' BLAS kernels a score moves by 2e-8."""

    def __eq__(self, other: object) -> bool:
        return isinstance(other, float) and abs(float(self) - other) <= 1e-6

    def __ne__(self, other: object) -> bool:
        return not self == other

    __hash__ = float.__hash__


def _lines(shortlist: Shortlist) -> list[tuple]:
    """Each line as shown, its numbers compared to the rounding of another batch (:class:`_Near`)."""
    return [
        (m.rank, m.candidate_id, _Near(m.score), m.probability and _Near(m.probability), m.anyway,
         m.reason, m.quote, m.checks_passed,
         m.contributions and {n: _Near(v) for n, v in m.contributions.items()})
        for m in shortlist.matches
    ]


def _history_for(store: Store, candidates: list[str], employer: str | None = None) -> list:
    """Invitations and conversations at a past event for ``candidates``, a placement for the
    first and a follow-up conversation with ``employer`` for the second."""
    met = next(m for m in store.list(TableMeeting, municipality=HERE))
    event = store.get(Event, met.event_id)
    assert event is not None and event.date < DAY
    records: list = []
    for i, c in enumerate(candidates):
        records.append(Invitation(id=f"I-new-{i}", municipality=HERE, event_id=event.id, candidate_id=c,
                                  status=InvitationStatus.ACCEPTED, attended=True))
        records.append(met.model_copy(update={"id": f"M-new-{i}", "candidate_id": c, "follow_up": i % 2 == 0}))
    records.append(Outcome(id="O-new-0", municipality=HERE, candidate_id=candidates[0], kind=OutcomeKind.WEP,
                           hours=20, start_date=DAY - dt.timedelta(days=2), recorded_on=DAY - dt.timedelta(days=2)))
    if employer is not None:
        records.append(Outcome(id="O-new-1", municipality=HERE, candidate_id=candidates[1], employer_id=employer,
                               kind=OutcomeKind.FOLLOW_UP, recorded_on=DAY - dt.timedelta(days=1)))
    return records


def test_a_pool_patched_with_the_new_history_equals_one_read_in_full(world, store, monkeypatch) -> None:
    engine = _engine(world, store)
    before = engine._pool(HERE)
    people = [c.id for c in before.candidates[:6]]
    employer = store.list(TableMeeting, municipality=HERE)[0].employer_id
    store.upsert(_history_for(store, people, employer))
    store.upsert([Outcome(id="O-new-2", municipality=HERE, candidate_id=people[2], employer_id=employer,
                          kind=OutcomeKind.JOB, contract_type=ContractType.FIXED_6M, hours=24,
                          start_date=DAY, recorded_on=DAY - dt.timedelta(days=1))])

    def read_in_full(*args, **kwargs):
        raise AssertionError("the history was read in full")

    monkeypatch.setattr(engine_module, "with_new_history", read_in_full)
    patched = engine._pool(HERE)
    monkeypatch.undo()
    made = _engine(world, store)._pool(HERE)
    assert patched.arrays is before.arrays and patched.version == made.version
    for name, values in made.engagement.items():
        assert np.array_equal(patched.engagement[name], values), name
    changed = [r for r in range(len(made.candidates))
               if any(made.engagement[n][r] != before.engagement[n][r] for n in made.engagement)]
    assert {made.candidates[r].id for r in changed} == set(people)  # the comparison means something
    assert patched.employer_rate == made.employer_rate and patched.employer_meetings == made.employer_meetings
    assert patched.employer_meetings[employer] == before.employer_meetings[employer] + len(people)
    assert patched.placed_ids == made.placed_ids and {people[0], people[2]} <= patched.placed_ids
    assert [n.id for n in patched.needs] == [n.id for n in made.needs]


def _assert_same_candidate_side(patched: Pool, made: Pool) -> None:
    """``patched`` lists the same candidates as ``made`` (read in full) and reads them alike."""
    assert [c.id for c in patched.candidates] == [c.id for c in made.candidates]
    assert patched.row_of == made.row_of
    assert (patched.version, patched.profile_version) == (made.version, made.profile_version)
    for name in CandidateArrays.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(patched.arrays, name), getattr(made.arrays, name), err_msg=name)
    np.testing.assert_array_equal(patched.vectors.dense, made.vectors.dense)
    assert patched.text is not None and made.text is not None
    for read, read_in_full in ((patched.text.motivation.whole, made.text.motivation.whole),
                               (patched.text.text.whole, made.text.text.whole),
                               (patched.text.words.whole, made.text.words.whole)):
        np.testing.assert_allclose(read, read_in_full, rtol=0, atol=1e-6)  # float32 over another batch
    width = made.text.desired.shape[1]  # a patched pool may keep a wider padding of -1
    np.testing.assert_array_equal(patched.text.desired.whole[:, :width], made.text.desired.whole)
    assert (patched.text.desired.whole[:, width:] == -1).all()
    for name, values in made.engagement.items():
        np.testing.assert_array_equal(patched.engagement[name], values, err_msg=name)


def test_a_pool_patched_after_profile_edits_equals_one_read_in_full(world, store, monkeypatch) -> None:
    engine = _engine(world, store)
    before = engine._pool(HERE)
    needs = before.needs[::5][:8]
    for need in needs:
        engine.for_work_need(need.id, k=10)
    edited, withdrawn, deleted, met = before.candidates[3:7]
    new = edited.model_copy(update={"id": "C-new-1", "wishes": "Ik wil graag als chauffeur werken."})
    employer = needs[0].employer_id
    store.upsert([
        edited.model_copy(update={"wishes": "Liefst buiten, in het groen: hovenier.", "hours_max": 20}),
        withdrawn.model_copy(update={"consent_matching": False}),
        new,
        before.employers[employer].model_copy(update={"openness": 5, "coaching_capacity": 3}),
    ])
    store.delete(Candidate, [deleted.id])
    store.upsert(_history_for(store, [met.id, new.id]))

    monkeypatch.setattr(engine_module, "load_pool", _read_in_full)
    patched = engine._pool(HERE)
    lists = [engine.for_work_need(n.id, k=10) for n in needs]
    monkeypatch.undo()
    fresh = _engine(world, store)
    made = fresh._pool(HERE)
    _assert_same_candidate_side(patched, made)
    assert "C-new-1" in patched.row_of and deleted.id not in patched.row_of
    assert patched.engagement["hist_invited"][patched.row_of["C-new-1"]] == 1  # its history counted
    assert patched.placed_ids == made.placed_ids and met.id in patched.placed_ids
    assert patched.employers == made.employers and patched.employers[employer].openness == 5
    assert [n.id for n in patched.needs] == [n.id for n in made.needs]
    np.testing.assert_array_equal(patched.need_arrays.openness, made.need_arrays.openness)
    # the chance anyway: the model fitted when the pool was loaded, on the profiles as they are
    assert before.own_chance is not None and patched.anyway is not None
    np.testing.assert_allclose(
        patched.anyway, before.own_chance.chance(made.candidates, on=DAY, months=ANYWAY_MONTHS), rtol=0, atol=1e-12
    )
    for need, shown in zip(needs, lists, strict=True):
        again = fresh.for_work_need(need.id, k=10)
        assert [line[:4] for line in _lines(shown)] == [line[:4] for line in _lines(again)]


def test_edits_alone_copy_only_the_rows_and_blocks_they_write(world, store, monkeypatch) -> None:
    monkeypatch.setattr(RowBlocks, "BLOCK_ROWS", 64)
    engine = _engine(world, store)
    before = engine._pool(HERE)
    need = before.needs[0]
    engine.for_work_need(need.id, k=10)
    edited, withdrawn, wider = before.candidates[3], before.candidates[4], before.candidates[200]
    occupations = [*wider.desired_occupations, *before.candidates[5].desired_occupations,
                   *before.candidates[6].desired_occupations]
    store.upsert([
        edited.model_copy(update={"wishes": "Liefst buiten, in het groen: hovenier.", "max_travel_km": 3}),
        withdrawn.model_copy(update={"consent_matching": False}),
        wider.model_copy(update={"desired_occupations": occupations, "hours_min": 8}),
    ])
    monkeypatch.setattr(engine_module, "load_pool", _read_in_full)
    patched = engine._pool(HERE)
    shown = engine.for_work_need(need.id, k=10)
    monkeypatch.setattr(engine_module, "load_pool", load_pool)
    fresh = _engine(world, store)
    _assert_same_candidate_side(patched, fresh._pool(HERE))
    assert patched.row_of is before.row_of and patched.vectors.ids is before.vectors.ids
    kept = [b is a for a, b in zip(before.vectors.matrix.blocks, patched.vectors.matrix.blocks, strict=True)]
    assert kept == [i not in (0, 3) for i in range(len(kept))]  # rows 3 and 4 in block 0, 200 in 3
    assert [line[:4] for line in _lines(shown)] == [line[:4] for line in _lines(fresh.for_work_need(need.id, k=10))]


def test_an_erasure_reads_the_pool_again(world, store) -> None:
    engine = _engine(world, store)
    before = engine._pool(HERE)
    gone = before.candidates[0].id
    store.delete(Candidate, [gone], keep_history=False)  # an erasure leaves no name in the history
    changes = store.changed_since(before.version, municipalities=[HERE], record_types=POOL_TYPES, limit=500)
    assert changes is not None and with_changes(
        before, store, engine.index.space, engine.text_models, changes, before.version + 1, 0
    ) is None
    assert gone not in engine._pool(HERE).row_of


@pytest.mark.parametrize(("sort", "audience"), [("chance", "staff"), ("net", "staff"), ("chance", "employer")])
def test_lists_brought_up_to_date_equal_lists_made_anew(world, store, sort, audience) -> None:
    engine = _engine(world, store)
    needs = engine._pool(HERE).needs[::4][:10]
    version = store.version(municipalities=[HERE], record_types=POOL_TYPES)
    held = {n.id: engine.for_work_need(n.id, k=10, sort=sort, audience=audience) for n in needs}
    assert all(h.ranking is not None and h.ranking.retrieved is None for h in held.values())
    # the people on top of the first lists: their history changes, some are placed
    tops = list(dict.fromkeys(m.candidate_id for h in list(held.values())[:4] for m in h.matches[:3]))
    deep = [h.ranking.order[12][0] for h in list(held.values())[4:6] if h.ranking]
    store.upsert(_history_for(store, [*tops, *deep]))
    changes = store.changed_since(version, municipalities=[HERE], record_types=HISTORY_TYPES, limit=500)
    assert changes is not None and len(changes) == 2 * len(tops + deep) + 1
    host = store.get(TableMeeting, "M-new-0").employer_id  # the conversations add to its record
    moved = 0
    for need in needs:
        before = held[need.id]
        updated = engine.update_work_need(before, changes, 10, sort=sort, audience=audience)
        made = engine.for_work_need(need.id, k=10, sort=sort, audience=audience)  # everyone scored again
        if need.employer_id == host:
            assert updated is None
            continue
        assert updated is not None, need.id
        assert _lines(updated) == _lines(made), need.id
        assert updated.vetoed == made.vetoed and updated.note == made.note
        assert updated.about_work == made.about_work
        assert updated.ranking is not None and made.ranking is not None
        depth = len(updated.ranking.order)
        assert [c for c, _ in updated.ranking.order] == [c for c, _ in made.ranking.order[:depth]]
        assert np.allclose([v for _, v in updated.ranking.order], [v for _, v in made.ranking.order[:depth]],
                           rtol=0, atol=1e-9)
        moved += [m.candidate_id for m in updated.matches] != [m.candidate_id for m in before.matches]
    assert moved >= 3  # the history did change lists


@pytest.mark.parametrize("sort", ["chance", "net"])
def test_lists_brought_up_to_date_after_profile_edits_equal_lists_made_anew(world, store, sort) -> None:
    engine = _engine(world, store)
    pool = engine._pool(HERE)
    needs = pool.needs[::4][:10]
    version = store.version(municipalities=[HERE], record_types=POOL_TYPES)
    held = {n.id: engine.for_work_need(n.id, k=10, sort=sort) for n in needs}
    tops = list(dict.fromkeys(m.candidate_id for h in list(held.values())[:3] for m in h.matches[:2]))
    edited, withdrawn, deleted = (pool.candidates[pool.row_of[c]] for c in tops[:3])
    store.upsert([
        edited.model_copy(update={"wishes": "Liefst iets heel anders: vrachtwagenchauffeur.", "hours_max": 12}),
        withdrawn.model_copy(update={"consent_matching": False}),
        edited.model_copy(update={"id": "C-new-1"}),  # a new candidate much like the first
    ])
    store.delete(Candidate, [deleted.id])
    changes = store.changed_since(version, municipalities=[HERE], record_types=POOL_TYPES, limit=500)
    assert changes is not None and {c.entity for c in changes} == {Candidate.entity}
    moved = 0
    for need in needs:
        updated = engine.update_work_need(held[need.id], changes, 10, sort=sort)
        made = engine.for_work_need(need.id, k=10, sort=sort)  # everyone scored again
        assert updated is not None, need.id
        assert _lines(updated) == _lines(made), need.id
        assert updated.vetoed == made.vetoed and updated.pool_size == made.pool_size
        moved += [m.candidate_id for m in updated.matches] != [m.candidate_id for m in held[need.id].matches]
        assert not {withdrawn.id, deleted.id} & {m.candidate_id for m in updated.matches}
    assert moved >= 3  # the edits did change lists
    # an employer's or work need's edit reaches every line: made anew
    store.upsert([needs[0].model_copy(update={"hours_max": 8})])
    changes = store.changed_since(version, municipalities=[HERE], record_types=POOL_TYPES, limit=500)
    assert changes is not None and engine.update_work_need(held[needs[1].id], changes, 10, sort=sort) is None


def test_what_the_new_history_cannot_update_is_made_anew(world, store) -> None:
    engine = _engine(world, store)
    pool = engine._pool(HERE)
    version = store.version(municipalities=[HERE], record_types=POOL_TYPES)
    need = pool.needs[0]
    held = engine.for_work_need(need.id, k=10)
    assert held.ranking is not None and not held.ranking.complete

    def update_after(records: list) -> Shortlist | None:
        store.upsert(records)
        changes = store.changed_since(version, municipalities=[HERE], record_types=HISTORY_TYPES, limit=500)
        assert changes is not None
        return engine.update_work_need(held, changes, 10)

    # a follow-up conversation leaves the employer's record as it was
    follow_up = Outcome(id="O-x1", municipality=HERE, candidate_id=pool.candidates[0].id,
                        employer_id=need.employer_id, kind=OutcomeKind.FOLLOW_UP, recorded_on=DAY)
    assert update_after([follow_up]) is not None
    # a pinned candidate's history changed: the note about pins may change, so made anew
    assert engine.update_work_need(held, store.changed_since(
        version, municipalities=[HERE], record_types=HISTORY_TYPES, limit=500) or [], 10,
        pinned=[pool.candidates[0].id]) is None
    # more of the list's reserve placed than it holds: someone never ranked would move up
    placed = [
        Outcome(id=f"O-p{i}", municipality=HERE, candidate_id=c, kind=OutcomeKind.WEP, hours=20,
                start_date=DAY, recorded_on=DAY - dt.timedelta(days=1))
        for i, (c, _) in enumerate(held.ranking.order[: Ranking.DEPTH + 1])
    ]
    assert update_after(placed) is None
    # a good outcome at the employer changes its record, so every candidate's score
    job = Outcome(id="O-x2", municipality=HERE, candidate_id=pool.candidates[1].id, employer_id=need.employer_id,
                  kind=OutcomeKind.JOB, contract_type=ContractType.FIXED_6M, hours=24, start_date=DAY,
                  recorded_on=DAY - dt.timedelta(days=1))
    held = engine.for_work_need(need.id, k=10)
    version = store.version(municipalities=[HERE], record_types=POOL_TYPES)
    assert update_after([job]) is None
    # an event's date dates every invitation to it
    event = store.list(Event, municipality=HERE)[0]
    version = store.version(municipalities=[HERE], record_types=POOL_TYPES)
    assert update_after([event.model_copy(update={"place": event.place + " (zaal 2)"})]) is None


def test_a_list_of_candidates_retrieved_by_similarity_is_updated_as_they_come_and_go(world, store):
    engine = _engine(world, store, config=ShortlistConfig(exhaustive_limit=100, retrieve_k=60))
    need = engine._pool(HERE).needs[1]
    version = store.version(municipalities=[HERE], record_types=POOL_TYPES)
    held = engine.for_work_need(need.id, k=10)
    assert held.ranking is not None and held.ranking.retrieved is not None
    people = [c for c, _ in held.ranking.order[:4]]
    event = store.list(Event, municipality=HERE)[0]
    store.upsert([Invitation(id=f"I-r{i}", municipality=HERE, event_id=event.id, candidate_id=c,
                             status=InvitationStatus.DECLINED) for i, c in enumerate(people)])

    def changes() -> list:
        found = store.changed_since(version, municipalities=[HERE], record_types=HISTORY_TYPES, limit=500)
        assert found is not None
        return found

    updated = engine.update_work_need(held, changes(), 10)
    assert updated is not None and _lines(updated) == _lines(engine.for_work_need(need.id, k=10))
    assert _lines(updated) != _lines(held)  # declining lowers their chances
    # one of them placed: similarity now retrieves someone else in their place
    store.upsert([Outcome(id="O-r1", municipality=HERE, candidate_id=people[0], kind=OutcomeKind.WEP,
                          hours=20, start_date=DAY, recorded_on=DAY - dt.timedelta(days=1))])
    made = engine.for_work_need(need.id, k=10)
    assert made.ranking is not None and made.ranking.retrieved != held.ranking.retrieved
    updated = engine.update_work_need(held, changes(), 10)
    assert updated is not None and _lines(updated) == _lines(made)
    assert people[0] not in {m.candidate_id for m in updated.matches}


def test_profile_edits_that_move_candidates_in_and_out_of_those_retrieved_update_the_list(world, store):
    config = ShortlistConfig(exhaustive_limit=100, retrieve_k=60)
    engine = _engine(world, store, config=config)
    pool = engine._pool(HERE)
    version = store.version(municipalities=[HERE], record_types=POOL_TYPES)
    held = {n.id: engine.for_work_need(n.id, k=10) for n in pool.needs[::3]}
    needs = [n for n in pool.needs[::3] if held[n.id].ranking.floor is not None][:8]  # type: ignore[union-attr]
    assert len(needs) == 8
    first = held[needs[0].id]
    assert first.ranking is not None
    retrieved = {c for c, _ in first.ranking.order}
    inside = first.ranking.order[0][0]
    outside = next(c.id for c in reversed(pool.candidates) if c.id not in retrieved)
    words = f"{needs[0].title}. {needs[0].description}"
    store.upsert([
        # someone not retrieved now writes what the first work need asks: retrieved and scored
        pool.candidates[pool.row_of[outside]].model_copy(update={"wishes": words, "interests": words}),
        # the first on its list now wants something else entirely: out, and someone else in
        pool.candidates[pool.row_of[inside]].model_copy(
            update={"wishes": "Liefst iets heel anders: vrachtwagenchauffeur.", "interests": ""}),
    ])
    changes = store.changed_since(version, municipalities=[HERE], record_types=POOL_TYPES, limit=500)
    assert changes is not None
    other = 0
    for need in needs:
        made = engine.for_work_need(need.id, k=10)  # everyone scored again
        assert made.ranking is not None
        other += made.ranking.retrieved != held[need.id].ranking.retrieved  # type: ignore[union-attr]
        updated = engine.update_work_need(held[need.id], changes, 10)
        assert updated is not None, need.id
        assert _lines(updated) == _lines(made), need.id
        assert updated.ranking is not None
        depth = len(updated.ranking.order)
        assert [c for c, _ in updated.ranking.order] == [c for c, _ in made.ranking.order[:depth]]
    assert other >= 3  # the edits did change who similarity retrieves


@pytest.mark.parametrize("config", [ShortlistConfig(), ShortlistConfig(exhaustive_limit=60, retrieve_k=40)],
                         ids=["every candidate", "retrieved"])
def test_lists_carried_forward_after_writes_equal_lists_made_anew(world, store, config) -> None:
    engine = _engine(world, store, config=config)
    pool = engine._pool(HERE)
    asked = [(n.id, audience, sort) for n in pool.needs[:16]
             for audience, sort in (("staff", "chance"), ("employer", "chance"), ("staff", "net"))]
    held = [engine.for_work_need(n, k=10, audience=audience, sort=sort) for n, audience, sort in asked]
    retrieved = sum(h.ranking is not None and h.ranking.retrieved is not None for h in held)
    assert retrieved >= len(held) // 2 if config.retrieve_k < 500 else retrieved == 0
    ranked = {c for h in held if h.ranking for c, _ in h.ranking.order}
    rng = np.random.default_rng(5)
    others = [pool.candidates[i] for i in rng.permutation(len(pool.candidates)) if pool.candidates[i].id not in ranked]
    top = held[0].matches[0].candidate_id
    host = pool.needs[0].employer_id
    # history and profile edits of candidates no list ranked (one placed, one moved far away, one
    # rewriting their wishes), and a job for the first list's first candidate with the first employer
    store.upsert([
        Outcome(id="O-carry-0", municipality=HERE, candidate_id=others[0].id, kind=OutcomeKind.WEP, hours=20,
                start_date=DAY - dt.timedelta(days=2), recorded_on=DAY - dt.timedelta(days=2)),
        Outcome(id="O-carry-1", municipality=HERE, candidate_id=others[1].id, kind=OutcomeKind.FOLLOW_UP,
                recorded_on=DAY - dt.timedelta(days=1)),
        others[2].model_copy(update={"max_travel_km": 1}),
        others[3].model_copy(update={"wishes": "Ik wil graag in de zorg werken, liefst in de ochtend."}),
    ])
    assert engine.keep_in_step() == 1
    store.upsert([Outcome(id="O-carry-2", municipality=HERE, candidate_id=top, employer_id=host,
                          kind=OutcomeKind.JOB, contract_type=ContractType.FIXED_6M, hours=24,
                          start_date=DAY, recorded_on=DAY - dt.timedelta(days=1))])
    assert engine.keep_in_step() == 1  # two steps: lists are carried along both
    carried = engine.carry_forward([(h, audience, sort, False) for h, (_, audience, sort) in zip(held, asked, strict=True)])
    fresh = _engine(world, store, config=config)
    kept = 0
    for (need, audience, sort), before, after in zip(asked, held, carried, strict=True):
        if after is None:
            continue
        kept += 1
        made = fresh.for_work_need(need, k=10, audience=audience, sort=sort)
        assert _lines(after) == _lines(made), need
        assert (after.vetoed, after.pool_size, after.note, after.about_work) == (
            made.vetoed, made.pool_size, made.note, made.about_work)
        assert after.ranking is not None and made.ranking is not None and before.ranking is not None
        assert after.ranking.pools == made.ranking.pools != before.ranking.pools
        assert [c for c, _ in after.ranking.order] == [c for c, _ in made.ranking.order]
        assert np.allclose([v for _, v in after.ranking.order], [v for _, v in made.ranking.order], rtol=0, atol=1e-6)
    # the first list's first candidate was written, the employer's record changed: never carried
    assert all(c is None for c, h in zip(carried, held, strict=True)
               if top in {m for m, _ in h.ranking.order} or h.matches[0].employer_id == host)  # type: ignore[union-attr]
    assert kept >= len(held) // 2, kept
