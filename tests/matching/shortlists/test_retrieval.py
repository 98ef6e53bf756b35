from __future__ import annotations

import numpy as np
import pytest
from factories import make_candidate, make_work_need, tiny_world
from spaces import test_space

from matching.records.schemas import Candidate
from matching.records.storage import Store
from matching.shortlists.retrieval import RetrievalIndex, most_similar
from matching.shortlists.row_blocks import RowBlocks
from matching.shortlists.text_space import TextVectors


def _store(records) -> Store:
    store = Store("sqlite://")
    store.upsert(records)
    return store


def test_sync_is_incremental_and_persistent(tmp_path):
    store = _store(tiny_world())
    space = test_space(tmp_path / "home")
    index = RetrievalIndex(space, tmp_path / "index")
    first = index.sync(store)
    # C3 has no consent to matching, so it is never indexed
    assert first.added == {"candidates": 3, "work_needs": 3}
    assert "C3" not in index.indexes["candidates"]
    space.cache.reset_counters()
    again = index.sync(store)
    assert again.changed == 0 and space.cache.misses == 0
    store.upsert([make_candidate("C1", wishes="Liefst iets met dieren, in een dierenasiel.")])
    store.upsert([make_work_need("W3", "E1", title="Gastvrouw restaurant", hours_max=20, open=False)])
    third = index.sync(store)
    assert third.updated["candidates"] == 1 and third.removed["work_needs"] == 1
    # a profile is embedded sentence by sentence: only the one new sentence is embedded
    assert space.cache.misses == 1
    reopened = RetrievalIndex(space, tmp_path / "index")
    assert set(reopened.indexes["candidates"].ids) == {"C1", "C2", "C4"}
    assert all(r.consistent for r in reopened.check(store).values())


def test_check_finds_missing_stale_and_extra(tmp_path):
    store = _store(tiny_world())
    index = RetrievalIndex(test_space(), None)
    index.sync(store)
    store.upsert([make_candidate("C9"), make_candidate("C1", wishes="Iets heel anders: chauffeur.")])
    store.delete(Candidate, ["C2"])
    report = index.check(store)["candidates"]
    assert report.missing == ["C9"] and report.stale == ["C1"] and report.extra == ["C2"]
    index.rebuild(store)
    assert index.check(store)["candidates"].consistent


def test_search_finds_the_closest_text(tmp_path):
    store = _store(tiny_world())
    index = RetrievalIndex(test_space(), None)
    index.sync(store)
    query = index.space.embed(["hovenier in het groen, snoeien en maaien"])[0]
    _, ids = index.search("work_needs", query, 3)
    assert ids[0] == "W2"
    assert index.remove_candidate("C1") and "C1" not in index.indexes["candidates"]


@pytest.mark.parametrize("k", [1, 7, 40, 60, 200])
def test_most_similar_is_a_stable_sort_of_the_allowed_rows(k, monkeypatch):
    monkeypatch.setattr(RowBlocks, "BLOCK_ROWS", 16)  # the pool's vectors in blocks
    rng = np.random.default_rng(k)
    vectors = rng.integers(-2, 3, size=(120, 4)).astype(np.float32)  # many exact ties
    vectors[60:] = vectors[:60]  # and identical texts
    query = rng.integers(-2, 3, size=4).astype(np.float32)
    allowed = rng.random(120) < 0.6
    rows = np.flatnonzero(allowed)
    expected = rows[np.argsort(-(vectors[rows] @ query), kind="stable")][:k]
    similarities = TextVectors(np.arange(120).astype(object), vectors).similarities(query)
    np.testing.assert_array_equal(most_similar(similarities, allowed, k), expected)


def test_a_sync_of_the_records_written_equals_a_full_one(tmp_path):
    store = _store(tiny_world())
    index = RetrievalIndex(test_space(), tmp_path / "index")
    index.sync(store)
    store.upsert([make_candidate("C1", wishes="Liefst iets met dieren, in een dierenasiel.")])
    assert index.sync(store, ids={"C1"}).updated["candidates"] == 1
    on_disk = RetrievalIndex(index.space, tmp_path / "index")  # an edit alone is not written
    assert on_disk.check(store)["candidates"].stale == ["C1"]
    assert on_disk.sync(store).updated["candidates"] == 1  # the next full sync catches up
    store.upsert([
        make_candidate("C9"),
        make_candidate("C1", wishes="Iets heel anders: chauffeur."),
        make_candidate("C4", consent_matching=False),
        make_work_need("W3", "E1", title="Gastvrouw restaurant", hours_max=20, open=False),
    ])
    store.delete(Candidate, ["C2"])
    report = index.sync(store, ids={"C9", "C1", "C4", "C2", "W3", "W1"})
    assert report.added == {"candidates": 1, "work_needs": 0}
    assert report.updated == {"candidates": 1, "work_needs": 0}
    assert report.removed == {"candidates": 2, "work_needs": 1}
    assert all(r.consistent for r in index.check(store).values())
    assert set(index.hashes["candidates"]) == {"C1", "C9"}
    on_disk = RetrievalIndex(index.space, tmp_path / "index")  # a removal is written at once
    assert set(on_disk.indexes["candidates"].ids) == {"C1", "C9"}
