"""The shortlist use case on its own: overrides in, logged, the same for every actor."""

from __future__ import annotations

import asyncio
import datetime as dt
import sqlite3

import pytest

from matching.privacy.audit_log import list_entries
from matching.records.schemas import Candidate, Municipality, WorkNeed
from matching.shortlists.overrides import add_override
from matching.shortlists.pool import POOL_TYPES
from services.errors import AuditUnavailable, InvalidInput, NotFound
from services.runtime import new_audit_writer
from services.shortlist_cache import ShortlistCache
from services.shortlists import ShortlistService


@pytest.fixture
def shortlists(runtime, store):
    writer = new_audit_writer(store)
    yield ShortlistService(runtime, cache=ShortlistCache(store=store), writer=writer)
    writer.close()


def test_pins_and_exclusions_apply_and_the_list_is_logged(shortlists, store, rm, cli):
    add_override(store, municipality="GM0855", work_need_id="W1", candidate_id="C4",
                 kind="pin", reason="Kent de werkgever al.", actor="rm", role="rm")
    add_override(store, municipality="GM0855", work_need_id="W1", candidate_id="C2",
                 kind="exclude", reason="Is al in gesprek.", actor="rm", role="rm")
    for actor in (rm, cli):
        out = asyncio.run(shortlists.for_work_need(actor, "W1", k=5))
        assert out.matches[0].candidate_id == "C4" and out.matches[0].pinned
        assert "C2" not in [m.candidate_id for m in out.matches]
        assert [(e.id, e.reason) for e in out.excluded] == [("C2", "Is al in gesprek.")]
    shortlists.writer.flush()
    entries, total = list_entries(store, municipality="GM0855", action="shortlist_shown")
    assert total == 2 and {e.actor for e in entries} == {"rm.jansen", "cli:anna"}


def test_unknown_records_and_bad_k_are_refused(shortlists, rm):
    with pytest.raises(NotFound, match="work need W404 not found"):
        asyncio.run(shortlists.for_work_need(rm, "W404", k=5))
    with pytest.raises(NotFound):  # another municipality's work need
        asyncio.run(shortlists.for_work_need(rm, "BW1", k=5))
    with pytest.raises(InvalidInput) as caught:
        asyncio.run(shortlists.for_candidate(rm, "C1", k=0))
    assert caught.value.issues[0].loc == ("query", "k")


def test_a_list_is_shown_only_once_its_entry_is_committed(shortlists, store, rm):
    out = asyncio.run(shortlists.for_work_need(rm, "W1", k=5))
    # no flush: the entry is in the database by the time the list is returned
    entries, _ = list_entries(store, municipality="GM0855", action="shortlist_shown")
    assert [e.ref for e in entries] == [out.audit_ref]


def test_a_list_whose_entry_cannot_be_committed_is_refused(runtime, store, rm, tmp_path):
    writer = new_audit_writer(store)
    service = ShortlistService(
        runtime, cache=ShortlistCache(store=store), writer=writer, audit_timeout=0.3
    )
    lock = sqlite3.connect(tmp_path / "use_cases.db", isolation_level=None)
    lock.execute("BEGIN IMMEDIATE")  # another process holds the write lock (an import, say)
    try:
        with pytest.raises(AuditUnavailable, match="not shown"):
            asyncio.run(service.for_work_need(rm, "W1", k=5))
    finally:
        lock.execute("ROLLBACK")
        lock.close()
    shown = asyncio.run(service.for_work_need(rm, "W1", k=5))
    writer.close()
    entries, _ = list_entries(store, municipality="GM0855", action="shortlist_shown")
    # the shown list is logged; the refused one may be logged after all, never the reverse
    assert shown.audit_ref in {e.ref for e in entries} and len(entries) <= 2


def test_a_write_in_another_municipality_leaves_the_answers_in_memory(shortlists, store, rm):
    from factories import make_candidate

    asyncio.run(shortlists.for_work_need(rm, "W1", k=5))
    assert shortlists.cache.computed == 1
    store.upsert([make_candidate("B9", municipality="GM0363")])  # elsewhere
    asyncio.run(shortlists.for_work_need(rm, "W1", k=5))
    assert shortlists.cache.computed == 1 and shortlists.cache.hits == 1
    store.upsert([make_candidate("C9")])  # here: the answer is out of date
    again = asyncio.run(shortlists.for_work_need(rm, "W1", k=5))
    assert shortlists.cache.computed == 2 and len(shortlists.cache) == 1  # the old one dropped
    assert again.matches


def test_while_the_store_answers_one_view_the_service_serves_another(shortlists, store, rm, monkeypatch):
    """A view's questions to the store (is the list current, which overrides hold) wait in
    a worker thread, not on the event loop: two views of lists in the cache wait for the
    database at the same time. Each one's version question below returns only once the
    other's has come in; on the event loop the first would wait for ever."""
    import threading

    for need in ("W1", "W2"):
        asyncio.run(shortlists.for_work_need(rm, need, k=5))
    both = threading.Barrier(2, timeout=10)
    version = store.version

    def once_the_other_asks_too(**kw):
        both.wait()
        return version(**kw)

    monkeypatch.setattr(store, "version", once_the_other_asks_too)

    async def two_views():
        return await asyncio.gather(*(shortlists.for_work_need(rm, need, k=5) for need in ("W1", "W2")))

    first, second = asyncio.run(two_views())
    assert (first.query_id, second.query_id) == ("W1", "W2") and first.matches and second.matches
    assert shortlists.cache.computed == 2 and shortlists.cache.hits == 2


def test_an_aftercare_check_in_changes_no_list(shortlists, store, rm):
    import datetime as dt

    from matching.records.enums import CheckInStatus, OutcomeKind
    from matching.records.schemas import CheckIn, Outcome

    day = dt.date(2026, 1, 10)
    store.upsert([Outcome(id="O1", municipality="GM0855", candidate_id="C2", employer_id="E1",
                          kind=OutcomeKind.WEP, hours=20, start_date=day, recorded_on=day)])
    asyncio.run(shortlists.for_work_need(rm, "W1", k=5))
    store.upsert([CheckIn(id="O1-n01", municipality="GM0855", outcome_id="O1", month=1,
                          date=day + dt.timedelta(days=30), status=CheckInStatus.WORKING)])
    asyncio.run(shortlists.for_work_need(rm, "W1", k=5))
    assert shortlists.cache.computed == 1 and shortlists.cache.hits == 1


def _placement(service, candidate_id: str, outcome_id: str = "O9") -> None:
    from matching.records.enums import OutcomeKind
    from matching.records.schemas import Outcome

    day = service.runtime.engine.today()
    service.store.upsert([Outcome(id=outcome_id, municipality="GM0855", candidate_id=candidate_id,
                                  employer_id="E1", kind=OutcomeKind.WEP, hours=24, start_date=day,
                                  recorded_on=day)])


def test_after_new_history_a_list_is_brought_up_to_date_and_not_made_anew(
    shortlists, runtime, store, rm, monkeypatch
):
    from matching.records.enums import OutcomeKind
    from matching.records.schemas import Outcome

    first = asyncio.run(shortlists.for_work_need(rm, "W1", k=2))
    placed = first.matches[0].candidate_id
    day = runtime.engine.today()
    store.upsert([Outcome(id="O9", municipality="GM0855", candidate_id=placed, kind=OutcomeKind.WEP,
                          hours=24, start_date=day, recorded_on=day)])  # found work elsewhere

    def every_candidate(*args, **kwargs):
        raise AssertionError("every candidate scored again")

    monkeypatch.setattr(runtime.engine, "for_work_need", every_candidate)
    after = asyncio.run(shortlists.for_work_need(rm, "W1", k=2))
    monkeypatch.undo()
    assert shortlists.updated == 1 and not after.stale
    writer = new_audit_writer(store)
    made = asyncio.run(ShortlistService(runtime, cache=ShortlistCache(), writer=writer).for_work_need(
        rm, "W1", k=2))
    writer.close()
    assert placed not in [m.candidate_id for m in after.matches]
    assert [(m.candidate_id, m.score, m.reason) for m in after.matches] == [
        (m.candidate_id, m.score, m.reason) for m in made.matches
    ]
    assert after.vetoed == made.vetoed and after.vetoed["already_placed"] == 1
    from factories import make_candidate

    store.upsert([make_candidate("C9")])  # a new candidate: brought up to date too
    again = asyncio.run(shortlists.for_work_need(rm, "W1", k=2))
    assert shortlists.updated == 2 and shortlists.cache.computed == 3 and not again.stale
    need = store.get(WorkNeed, "W1")
    assert need is not None
    store.upsert([need.model_copy(update={"hours_max": (need.hours_max or 40) - 4})])  # reaches every line
    asyncio.run(shortlists.for_work_need(rm, "W1", k=2))
    assert shortlists.updated == 2 and shortlists.cache.computed == 4


@pytest.fixture
def lenient(runtime, store):
    """A service that may show a list up to a minute after new history while it recomputes."""
    writer = new_audit_writer(store)
    yield ShortlistService(runtime, cache=ShortlistCache(store=store), writer=writer, max_stale=60)
    writer.close()


def test_after_new_history_the_list_is_shown_as_it_was_while_its_successor_is_computed(
    lenient, store, rm
):
    first = asyncio.run(lenient.for_work_need(rm, "W1", k=5))
    placed = first.matches[0].candidate_id
    _placement(lenient, placed)  # a WEP: the already-placed veto now leaves them out
    shown = asyncio.run(lenient.for_work_need(rm, "W1", k=5))
    assert shown.stale and shown.matches[0].candidate_id == placed  # as it was
    assert lenient.refresh.wait(30)
    fresh = asyncio.run(lenient.for_work_need(rm, "W1", k=5))
    assert not fresh.stale and placed not in [m.candidate_id for m in fresh.matches]
    assert lenient.cache.computed == 2  # the first list and its successor, nothing in between
    lenient.writer.flush()
    entries, _ = list_entries(store, municipality="GM0855", action="shortlist_shown")
    stale = [e.inputs.get("stale_seconds") for e in reversed(entries)]
    assert stale[0] is None and 0 <= stale[1] < 60 and stale[2] is None


def test_a_list_shown_late_is_shown_again_without_asking_the_store(lenient, store, rm, monkeypatch):
    import time

    asyncio.run(lenient.for_work_need(rm, "W1", k=5))
    _placement(lenient, "C2")
    asked, offered = [], []
    changed_since = store.changed_since
    monkeypatch.setattr(store, "changed_since", lambda *a, **kw: asked.append(1) or changed_since(*a, **kw))
    # the successor is never computed here, so every showing below is of the list as it was
    monkeypatch.setattr(lenient.refresh, "submit", lambda request, job: offered.append(request) or True)
    assert all(asyncio.run(lenient.for_work_need(rm, "W1", k=5)).stale for _ in range(3))
    assert len(asked) == 1 and len(offered) == 3  # judged once; each showing offers the successor
    lenient.writer.flush()
    entries, _ = list_entries(store, municipality="GM0855", action="shortlist_shown")
    ages = [e.inputs.get("stale_seconds") for e in reversed(entries)][1:]
    assert None not in ages and ages == sorted(ages)  # counted from the first change each time
    lenient.max_stale = 0.01  # once the allowance has passed, the list is computed now
    time.sleep(0.02)
    assert not asyncio.run(lenient.for_work_need(rm, "W1", k=5)).stale
    assert lenient.cache.computed == 2


def test_the_lists_held_to_show_late_go_with_their_scope_and_with_erasure():
    import datetime as dt

    from matching.shortlists.shortlist import Shortlist
    from services.shortlist_cache import CacheKey, Computed

    cache = ShortlistCache()
    value = Computed(Shortlist("work_need", "W1", "GM0855", [], 0, {}, {}, "m"), {}, {})
    since = dt.datetime.now(dt.UTC)
    key = CacheKey(("work_need", "GM0855", "W1"), 5, "m", dt.date(2026, 3, 20))
    cache.get(key, "GM0855")
    cache.hold_late(key, value, since, "GM0855")
    assert cache.late(key) == (value, since)
    cache.get(key._replace(version=6), "GM0855")  # the municipality moved on: never asked again
    assert cache.late(key) is None
    cache.hold_late(key._replace(version=6), value, since, "GM0855")
    cache.clear()  # what erasure does to the memory
    assert cache.late(key._replace(version=6)) is None


def test_a_change_to_anyone_a_list_shows_an_override_or_old_history_is_never_shown_stale(lenient, store, rm):
    import datetime as dt

    from factories import make_candidate

    from matching.records.storage import history_table

    first = asyncio.run(lenient.for_work_need(rm, "W1", k=5))
    store.upsert([make_candidate("C9")])  # nobody it shows: shown as it was while made anew
    late = asyncio.run(lenient.for_work_need(rm, "W1", k=5))
    assert late.stale and late.matches == first.matches
    assert lenient.refresh.wait(30)
    on_it = store.get(Candidate, first.matches[-1].candidate_id)
    assert on_it is not None
    store.upsert([on_it.model_copy(update={"wishes": "Liefst buiten werken, in het groen."})])
    edited = asyncio.run(lenient.for_work_need(rm, "W1", k=5))
    assert not edited.stale  # someone it shows: brought up to date now
    top = store.get(Candidate, edited.matches[0].candidate_id)
    assert top is not None
    store.upsert([make_candidate("C10"), top.model_copy(update={"consent_matching": False})])
    now = asyncio.run(lenient.for_work_need(rm, "W1", k=5))  # consent withdrawn: never as it was
    assert not now.stale and top.id not in [m.candidate_id for m in now.matches]
    _placement(lenient, "C2")
    add_override(store, municipality="GM0855", work_need_id="W1", candidate_id="C3",
                 kind="exclude", reason="Verhuisd.", actor="rm", role="rm")
    out = asyncio.run(lenient.for_work_need(rm, "W1", k=5))  # another request: no list held
    assert not out.stale and "C3" not in [m.candidate_id for m in out.matches]
    _placement(lenient, "C4", "O10")
    with store.transaction() as conn:  # the history came in longer ago than the service allows
        conn.execute(history_table.update().where(history_table.c.record_id == "O10").values(
            changed_at=dt.datetime.now(dt.UTC) - dt.timedelta(seconds=61)))
    assert not asyncio.run(lenient.for_work_need(rm, "W1", k=5)).stale
    assert lenient.refresh.wait(30)


def test_fresh_lists_are_computed_before_they_are_shown_without_a_stale_allowance(
    shortlists, store, rm
):
    asyncio.run(shortlists.for_work_need(rm, "W1", k=5))
    _placement(shortlists, "C2")
    assert not asyncio.run(shortlists.for_work_need(rm, "W1", k=5)).stale
    assert shortlists.cache.computed == 2


def test_a_worker_that_never_held_a_list_shows_the_one_another_worker_stored(
    runtime, store, rm, lenient
):
    writer = new_audit_writer(store)
    other = ShortlistService(runtime, cache=ShortlistCache(store=store), writer=writer,
                             max_stale=60)
    first = asyncio.run(other.for_work_need(rm, "W1", k=5))  # the other worker computes it
    _placement(lenient, first.matches[0].candidate_id)
    shown = asyncio.run(lenient.for_work_need(rm, "W1", k=5))
    assert shown.stale and [m.candidate_id for m in shown.matches] == [
        m.candidate_id for m in first.matches
    ]
    assert lenient.refresh.wait(30)
    assert lenient.cache.computed == 1  # its successor, in the background: the request computed none
    writer.close()


def test_a_starting_worker_takes_into_memory_what_was_computed_for_the_records_now(
    runtime, store, rm, shortlists
):
    store.upsert([Municipality(id=m, municipality=m, name=m, region="R") for m in ("GM0855", "GM0363")])
    # the batch, or another worker: two work needs' lists, one regional, and a candidate's
    asyncio.run(shortlists.precompute(rm, "W1", k=10))
    asyncio.run(shortlists.precompute(rm, "W2", k=10, scope="region"))
    asyncio.run(shortlists.for_candidate(rm, "C1", k=5))
    writer = new_audit_writer(store)
    starting = ShortlistService(runtime, cache=ShortlistCache(store=store), writer=writer)
    assert starting.preload(["GM0855"]) == 3
    shown = [
        asyncio.run(starting.for_work_need(rm, "W1", k=10)),
        asyncio.run(starting.for_work_need(rm, "W2", k=10, scope="region")),
        asyncio.run(starting.for_candidate(rm, "C1", k=5)),
    ]
    # from memory: neither read from the shared table nor computed, and the same lists
    assert (starting.cache.hits, starting.cache.shared_hits, starting.cache.computed) == (3, 0, 0)
    first = asyncio.run(shortlists.for_work_need(rm, "W1", k=10))
    assert [m.candidate_id for m in shown[0].matches] == [m.candidate_id for m in first.matches]

    # no more than memory holds; none made by another model, on another day, or before a write
    assert ShortlistService(
        runtime, cache=ShortlistCache(2, store=store), writer=writer
    ).preload(["GM0855"]) == 2
    version = store.version(municipalities=["GM0855"], record_types=POOL_TYPES)
    model, today = runtime.engine.scored_by, runtime.engine.today()
    for other_model, day in ((model, today), ("another model", today),
                             (model, today - dt.timedelta(days=1))):
        assert ShortlistCache(store=store).preload(
            "GM0855", version, other_model, day, limit=10
        ) == (2 if (other_model, day) == (model, today) else 0)
    _placement(shortlists, "C1")
    assert ShortlistService(
        runtime, cache=ShortlistCache(store=store), writer=writer
    ).preload(["GM0855"]) == 0
    writer.close()


def test_a_candidates_list_is_never_shown_stale_after_their_own_profile_changed(lenient, store, rm):
    own = store.get(Candidate, "C1")
    assert own is not None
    store.upsert([own.model_copy(update={"max_travel_km": 0.01})])  # nothing in reach: an empty list
    assert not asyncio.run(lenient.for_candidate(rm, "C1", k=3)).matches
    other = store.get(Candidate, "C2")
    assert other is not None
    store.upsert([other.model_copy(update={"wishes": "Iets met dieren."})])  # not theirs
    assert asyncio.run(lenient.for_candidate(rm, "C1", k=3)).stale
    assert lenient.refresh.wait(30)
    store.upsert([own])  # their own, though the list showed no line about them
    out = asyncio.run(lenient.for_candidate(rm, "C1", k=3))
    assert not out.stale and out.matches


def test_a_list_naming_a_pinned_candidate_it_leaves_out_is_never_shown_stale_after_their_edit(
    lenient, store, rm
):
    _placement(lenient, "C2")  # placed: the veto leaves them out, pinned or not
    add_override(store, municipality="GM0855", work_need_id="W1", candidate_id="C2",
                 kind="pin", reason="Kent de werkgever.", actor="rm", role="rm")
    first = asyncio.run(lenient.for_work_need(rm, "W1", k=5))
    assert "C2" not in [m.candidate_id for m in first.matches] and "C2" in (first.note or "")
    pinned = store.get(Candidate, "C2")
    assert pinned is not None
    store.upsert([pinned.model_copy(update={"wishes": "Liefst in de bouw."})])
    assert not asyncio.run(lenient.for_work_need(rm, "W1", k=5)).stale  # the note names them


def test_after_a_write_that_cannot_change_a_list_it_is_kept_current_before_its_next_showing(
    lenient, runtime, store, rm, monkeypatch
):
    from factories import make_candidate

    from matching.records.enums import OutcomeKind
    from matching.records.schemas import Outcome

    # C8 lives 60 km away: vetoed for every work need here, so on no list
    store.upsert([make_candidate("C8", lat=52.1, lon=5.1, max_travel_km=5)])
    first = asyncio.run(lenient.for_work_need(rm, "W1", k=2))
    assert "C8" not in [m.candidate_id for m in first.matches] and first.vetoed["too_far"] >= 1
    assert lenient.carry_forward() == 0  # nothing written since
    day = runtime.engine.today()
    store.upsert([Outcome(id="O8", municipality="GM0855", candidate_id="C8", kind=OutcomeKind.FOLLOW_UP,
                          recorded_on=day)])
    runtime.engine.keep_in_step()
    assert lenient.carry_forward() == 1
    rendered: list[str] = []
    render = ShortlistService._render
    monkeypatch.setattr(ShortlistService, "_render", staticmethod(
        lambda computed, *rest: rendered.append(computed.shortlist.query_id) or render(computed, *rest)
    ))
    again = asyncio.run(lenient.for_work_need(rm, "W1", k=2))
    assert not again.stale and lenient.cache.computed == 1  # found current: nothing made, nothing late
    assert rendered == []  # nor rendered again: the carried list shows as it did
    assert [(m.candidate_id, m.score, m.reason) for m in again.matches] == [
        (m.candidate_id, m.score, m.reason) for m in first.matches
    ]
    # C8 moves next door: the list may change, so it is left to its next showing
    store.upsert([make_candidate("C8", max_travel_km=5)])
    runtime.engine.keep_in_step()
    assert lenient.carry_forward() == 0
    assert asyncio.run(lenient.for_work_need(rm, "W1", k=2)).stale


def test_the_upkeep_runs_with_the_collector_paused_and_restores_it(lenient, monkeypatch):
    import gc

    seen = []
    monkeypatch.setattr(lenient, "carry_forward", lambda: seen.append(gc.isenabled()) or 0)
    assert gc.isenabled()
    assert lenient.catch_up() == 0 and seen == [False] and gc.isenabled()
    monkeypatch.setattr(lenient, "carry_forward", lambda: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        lenient.catch_up()
    assert gc.isenabled()
    gc.disable()
    try:
        monkeypatch.setattr(lenient, "carry_forward", lambda: 0)
        lenient.catch_up()
        assert not gc.isenabled()  # left as it was
    finally:
        gc.enable()


def test_a_late_list_the_next_pass_carries_is_left_to_it_and_one_it_cannot_is_made_anew(
    lenient, runtime, store, rm, monkeypatch
):
    from factories import make_candidate

    from matching.records.enums import OutcomeKind
    from matching.records.schemas import Outcome

    # C8 lives 60 km away: vetoed for every work need here, so on no list
    store.upsert([make_candidate("C8", lat=52.1, lon=5.1, max_travel_km=5)])
    asyncio.run(lenient.for_work_need(rm, "W1", k=2))
    day = runtime.engine.today()
    written = iter(range(1, 10))

    def follow_up() -> None:
        store.upsert([Outcome(id=f"O{next(written)}", municipality="GM0855", candidate_id="C8",
                              kind=OutcomeKind.FOLLOW_UP, recorded_on=day)])

    jobs, shared = [], []
    monkeypatch.setattr(lenient.refresh, "submit", lambda request, job: jobs.append(job) or True)
    shared_of = lenient.cache.shared
    monkeypatch.setattr(lenient.cache, "shared", lambda *a: shared.append(1) or shared_of(*a))
    follow_up()
    assert asyncio.run(lenient.for_work_need(rm, "W1", k=2)).stale and len(jobs) == 1
    assert not shared  # no other worker makes it anew: the shared table is not asked
    key_now = lenient._key

    def written_first(request, members):  # another write comes in right after the job's pass
        follow_up()
        return key_now(request, members)

    monkeypatch.setattr(lenient, "_key", written_first)
    jobs[0]()
    monkeypatch.setattr(lenient, "_key", key_now)
    assert lenient.cache.computed == 1 and lenient.updated == 0  # nothing made for it alone
    lenient.catch_up()  # the next pass carries it
    again = asyncio.run(lenient.for_work_need(rm, "W1", k=2))
    assert not again.stale and lenient.cache.computed == 1 and len(jobs) == 1
    # C8 moves next door: the pass cannot carry the list, so its late showing has it made
    store.upsert([make_candidate("C8", max_travel_km=5)])
    assert asyncio.run(lenient.for_work_need(rm, "W1", k=2)).stale and len(jobs) == 2
    jobs[1]()
    assert lenient.cache.computed == 2 and len(shared) == 1  # asked once the pass could not carry it
    assert not asyncio.run(lenient.for_work_need(rm, "W1", k=2)).stale
    # a pool the engine does not hold is no pass's to carry: the list is made for itself
    runtime.engine._pools.pop("GM0855")
    follow_up()
    assert asyncio.run(lenient.for_work_need(rm, "W1", k=2)).stale and len(jobs) == 3
    jobs[2]()
    assert lenient.cache.computed == 3


def test_a_late_lists_job_asks_the_store_nothing_once_the_pass_carried_it(lenient, runtime, store, rm, monkeypatch):
    from factories import make_candidate

    from matching.records.enums import OutcomeKind
    from matching.records.schemas import Outcome

    store.upsert([make_candidate("C8", lat=52.1, lon=5.1, max_travel_km=5)])  # on no list
    asyncio.run(lenient.for_work_need(rm, "W1", k=2))
    jobs, asked = [], []
    monkeypatch.setattr(lenient.refresh, "submit", lambda request, job: jobs.append(job) or True)
    store.upsert([Outcome(id="O1", municipality="GM0855", candidate_id="C8",
                          kind=OutcomeKind.FOLLOW_UP, recorded_on=runtime.engine.today())])
    assert asyncio.run(lenient.for_work_need(rm, "W1", k=2)).stale and len(jobs) == 1
    lenient.catch_up()  # the service's own pass carries the list before its job runs
    for name in ("version", "versions", "changed_since"):
        real = getattr(store, name)
        monkeypatch.setattr(store, name, lambda *a, _real=real, **kw: asked.append(1) or _real(*a, **kw))
    jobs[0]()
    assert not asked and lenient.cache.computed == 1
    monkeypatch.undo()
    assert not asyncio.run(lenient.for_work_need(rm, "W1", k=2)).stale
