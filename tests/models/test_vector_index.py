"""Contract test shared by every vector index backend, plus approximate-vs-exact checks."""

from __future__ import annotations

import json
from collections.abc import Callable

import numpy as np
import pytest

from models import vector_index
from models.vector_index import ExactIndex, FlatIndex, IVFIndex, VectorIndex, build_index

DIM = 16


def clustered(
    n: int, dim: int = DIM, *, n_centres: int = 20, spread: float = 1.0, seed: int = 0
) -> np.ndarray:
    """Unit vectors around random unit centres (noise of norm ~spread), like topics of embeddings.

    The centres depend only on ``n_centres`` and ``dim``, so pools and query
    sets drawn with different seeds share the same topics.
    """
    structure = np.random.default_rng(1000 + n_centres)
    centres = structure.standard_normal((n_centres, dim)).astype(np.float32)
    centres /= np.linalg.norm(centres, axis=1, keepdims=True)
    rng = np.random.default_rng(seed)
    noise = rng.standard_normal((n, dim)).astype(np.float32) * np.float32(spread / np.sqrt(dim))
    points = centres[rng.integers(0, n_centres, n)] + noise
    return points / np.linalg.norm(points, axis=1, keepdims=True)


def make_ids(n: int, prefix: str = "v") -> list[str]:
    return [f"{prefix}{i}" for i in range(n)]


# IVF with an nprobe above nlist scans every list, so it must agree exactly with
# the reference; its approximate behaviour is tested separately below.
BACKENDS: dict[str, Callable[[], VectorIndex]] = {
    "exact": ExactIndex,
    "flat": FlatIndex,
    "ivf": lambda: IVFIndex(nprobe=1_000_000),
}


@pytest.fixture(params=list(BACKENDS), ids=list(BACKENDS))
def make_index(request: pytest.FixtureRequest) -> Callable[[], VectorIndex]:
    return BACKENDS[request.param]


@pytest.fixture(scope="module")
def pool() -> tuple[list[str], np.ndarray, np.ndarray]:
    vectors = clustered(600, seed=1)
    queries = clustered(40, seed=2)
    return make_ids(len(vectors)), vectors, queries


def reference(
    ids: list[str], vectors: np.ndarray, queries: np.ndarray, k: int
) -> tuple[np.ndarray, np.ndarray]:
    index = ExactIndex()
    index.add(ids, vectors)
    return index.search(queries, k)


# -- contract ------------------------------------------------------------------


def test_toy_known_answer(make_index: Callable[[], VectorIndex]) -> None:
    index = make_index()
    index.add(["a", "b", "c"], np.array([[1, 0, 0], [0.8, 0.6, 0], [0, 0, 1]], dtype=np.float32))
    scores, ids = index.search(np.array([1, 0, 0], dtype=np.float32), k=2)
    assert ids.tolist() == [["a", "b"]]
    np.testing.assert_allclose(scores, [[1.0, 0.8]], atol=1e-6)
    assert scores.dtype == np.float32 and ids.dtype == object
    assert len(index) == 3 and "b" in index and "z" not in index and index.dim == 3


def test_matches_exact_reference(make_index: Callable[[], VectorIndex], pool) -> None:
    ids, vectors, queries = pool
    index = make_index()
    index.add(ids, vectors)
    scores, found = index.search(queries, k=10)
    ref_scores, ref_ids = reference(ids, vectors, queries, 10)
    np.testing.assert_array_equal(found, ref_ids)
    np.testing.assert_allclose(scores, ref_scores, atol=1e-5)
    assert np.all(np.diff(scores, axis=1) <= 1e-6), "scores must be sorted best first"


def test_k_larger_than_pool_pads(make_index: Callable[[], VectorIndex]) -> None:
    index = make_index()
    index.add(["a", "b"], np.eye(2, dtype=np.float32))
    scores, ids = index.search(np.eye(2, dtype=np.float32), k=4)
    assert ids.shape == scores.shape == (2, 4)
    assert ids[:, 2:].tolist() == [["", ""], ["", ""]]
    assert np.isneginf(scores[:, 2:]).all() and np.isfinite(scores[:, :2]).all()


def test_empty_index_returns_padding(make_index: Callable[[], VectorIndex]) -> None:
    scores, ids = make_index().search(np.ones((3, 4), dtype=np.float32), k=2)
    assert ids.tolist() == [["", ""]] * 3 and np.isneginf(scores).all()


def test_update_replaces_vector(make_index: Callable[[], VectorIndex], pool) -> None:
    ids, vectors, queries = pool
    index = make_index()
    index.add(ids, vectors)
    target = queries[0]
    index.update([ids[5], "new"], np.stack([target, -target]))
    assert len(index) == len(ids) + 1
    scores, found = index.search(target, k=1)
    assert found[0, 0] == ids[5]
    np.testing.assert_allclose(scores[0, 0], 1.0, atol=1e-5)
    _, worst = index.search(-target, k=1)
    assert worst[0, 0] == "new"


def test_remove(make_index: Callable[[], VectorIndex], pool) -> None:
    ids, vectors, queries = pool
    index = make_index()
    index.add(ids, vectors)
    _, before = index.search(queries, k=5)
    gone = sorted(set(before[:, 0]))
    assert index.remove(gone) == len(gone)
    assert len(index) == len(ids) - len(gone)
    _, after = index.search(queries, k=len(ids))
    assert not set(gone) & set(after.ravel())
    keep = [i for i in range(len(ids)) if ids[i] not in set(gone)]
    _ref_scores, ref_ids = reference([ids[i] for i in keep], vectors[keep], queries, 5)
    np.testing.assert_array_equal(index.search(queries, k=5)[1], ref_ids)
    with pytest.raises(KeyError, match="not in the index"):
        index.remove([gone[0]])
    assert index.remove([gone[0]], missing_ok=True) == 0


def test_save_load_round_trip(make_index: Callable[[], VectorIndex], pool, tmp_path) -> None:
    ids, vectors, queries = pool
    index = make_index()
    index.add(ids[:500], vectors[:500])
    index.remove(ids[:10])
    index.save(tmp_path / "idx")
    loaded = VectorIndex.load(tmp_path / "idx")
    assert type(loaded) is type(index) and len(loaded) == len(index) and loaded.dim == DIM
    for a, b in zip(index.search(queries, k=7), loaded.search(queries, k=7), strict=True):
        np.testing.assert_array_equal(a, b)
    # Labels must keep counting after a reload, or new ids would collide.
    loaded.add(ids[500:], vectors[500:])
    loaded.update(ids[10:20], vectors[10:20])
    ref = reference(ids[10:], vectors[10:], queries, 7)
    np.testing.assert_array_equal(loaded.search(queries, k=7)[1], ref[1])
    # A second save replaces the first generation of files.
    loaded.save(tmp_path / "idx")
    files = [p.name for p in (tmp_path / "idx").iterdir() if p.name not in {"meta.json", ".lock"}]
    generations = {name.split(".")[0] for name in files}
    assert len(generations) == 1
    assert len(type(index).load(tmp_path / "idx")) == len(ids) - 10


def test_permuted_input_gives_same_results(make_index: Callable[[], VectorIndex], pool) -> None:
    ids, vectors, queries = pool
    order = np.random.default_rng(3).permutation(len(ids))
    first, second = make_index(), make_index()
    first.add(ids, vectors)
    second.add([ids[i] for i in order], vectors[order])
    a_scores, a_ids = first.search(queries, k=10)
    b_scores, b_ids = second.search(queries, k=10)
    np.testing.assert_array_equal(a_ids, b_ids)
    np.testing.assert_allclose(a_scores, b_scores, atol=1e-6)


@pytest.mark.parametrize(
    ("ids", "vectors", "message"),
    [
        (["a", "b"], np.ones((2, 3)), "dimension 3, the index has dimension 4"),
        (
            ["a", "b"],
            np.array([[1, 0, 0, np.nan], [1, 0, 0, 0]]),
            r"NaN or infinite values \(first at row 0\)",
        ),
        (["a", "a"], np.ones((2, 4)), "duplicate ids"),
        (["a"], np.ones((2, 4)), "got 1 ids for 2 vectors"),
        (["", "b"], np.ones((2, 4)), "non-empty strings"),
        (["x", "b"], np.ones((2, 4)), "already in the index"),
        (["a", "b"], np.ones(4), "2-D array"),
    ],
)
def test_add_rejects_bad_input(
    make_index: Callable[[], VectorIndex], ids: list[str], vectors: np.ndarray, message: str
) -> None:
    index = make_index()
    index.add(["x"], np.ones((1, 4)))
    with pytest.raises(ValueError, match=message):
        index.add(ids, vectors)
    assert len(index) == 1 and index.ids == ["x"], "a rejected add must not change the index"


@pytest.mark.parametrize("k", [0, -1, 2.5, True])
def test_search_rejects_bad_k(make_index: Callable[[], VectorIndex], k) -> None:
    index = make_index()
    index.add(["x"], np.ones((1, 4)))
    with pytest.raises(ValueError, match="k must be a positive int"):
        index.search(np.ones(4), k=k)


def test_search_rejects_bad_queries(make_index: Callable[[], VectorIndex]) -> None:
    index = make_index()
    index.add(["x"], np.ones((1, 4)))
    with pytest.raises(ValueError, match="dimension"):
        index.search(np.ones((1, 5)), k=1)
    with pytest.raises(ValueError, match="NaN"):
        index.search(np.full(4, np.inf), k=1)


# -- approximate backends against the exact reference ---------------------------


def recall_at_k(approx_ids: np.ndarray, exact_ids: np.ndarray) -> float:
    pairs = zip(approx_ids, exact_ids, strict=True)
    return float(np.mean([len(set(a) & set(e)) / len(e) for a, e in pairs]))


def test_ivf_auto_nprobe_reaches_target_recall() -> None:
    vectors = clustered(8000, 32, n_centres=60, seed=4)
    queries = clustered(200, 32, n_centres=60, seed=5)
    ids = make_ids(len(vectors))
    index = IVFIndex()
    index.add(ids, vectors)
    assert index.nlist_ == IVFIndex.default_nlist(8000) and 1 <= index.nprobe_ < index.nlist_
    approx = index.search(queries, k=20)[1]
    exact = reference(ids, vectors, queries, 20)[1]
    assert recall_at_k(approx, exact) >= 0.9

    tuned = index.tune_nprobe(queries, k=20, target_recall=0.95)
    assert index.nprobe_ == tuned
    assert recall_at_k(index.search(queries, k=20)[1], exact) >= 0.95


def test_ivf_nprobe_persists(tmp_path) -> None:
    vectors = clustered(2000, seed=6)
    index = IVFIndex(nprobe=3)
    index.add(make_ids(2000), vectors)
    index.save(tmp_path)
    loaded = IVFIndex.load(tmp_path)
    assert loaded.nprobe_ == 3 and loaded.nlist_ == index.nlist_


def test_load_checks_kind(tmp_path) -> None:
    index = ExactIndex()
    index.add(["a"], np.ones((1, 3)))
    index.save(tmp_path)
    with pytest.raises(ValueError, match="holds a 'exact' index, not 'flat'"):
        FlatIndex.load(tmp_path)
    with pytest.raises(FileNotFoundError, match="no saved vector index"):
        VectorIndex.load(tmp_path / "missing")


def test_build_index_picks_backend_by_size(monkeypatch) -> None:
    vectors = clustered(300, seed=7)
    ids = make_ids(300)
    assert isinstance(build_index(ids, vectors), ExactIndex)
    monkeypatch.setattr(vector_index, "EXACT_MAX_SIZE", 100)
    assert isinstance(build_index(ids, vectors), FlatIndex)
    monkeypatch.setattr(vector_index, "FLAT_MAX_SIZE", 200)
    index = build_index(ids, vectors)
    assert isinstance(index, IVFIndex) and len(index) == 300
    assert isinstance(build_index(ids, vectors, kind="flat"), FlatIndex)
    with pytest.raises(ValueError, match="kind must be one of"):
        build_index(ids, vectors, kind="annoy")  # type: ignore[arg-type]


def _save_repeatedly(directory: str, seed: int, times: int) -> None:
    rng = np.random.default_rng(seed)
    index = FlatIndex(8)
    index.add([f"c{seed}-{i}" for i in range(50)], rng.normal(size=(50, 8)).astype(np.float32))
    for _ in range(times):
        index.save(directory)


def test_workers_saving_the_same_index_at_once_leave_a_whole_one(tmp_path) -> None:
    """Two service workers that start after the same writes both bring the index in step
    and save it: neither may delete the files the other's ``meta.json`` names, nor may a
    reader find a generation half gone."""
    import multiprocessing

    directory = tmp_path / "candidates"
    _save_repeatedly(str(directory), 0, 1)
    context = multiprocessing.get_context("spawn")
    writers = [context.Process(target=_save_repeatedly, args=(str(directory), s, 40)) for s in (1, 2)]
    for w in writers:
        w.start()
    read = 0
    while any(w.is_alive() for w in writers):
        loaded = VectorIndex.load(directory)  # never a generation another writer deleted
        assert len(loaded) == 50
        read += 1
    for w in writers:
        w.join()
        assert w.exitcode == 0
    loaded = VectorIndex.load(directory)
    assert len(loaded) == 50 and loaded.ids[0].split("-")[0] in {"c1", "c2"}
    assert read > 0
    named = set(json.loads((directory / "meta.json").read_text())["files"].values())
    assert {p.name for p in directory.iterdir() if not p.name.startswith(".")} == named | {"meta.json"}
