"""Tests for models.item_embedding."""

from __future__ import annotations

import numpy as np
import pytest

from models.item_embedding import ItemEmbedding, ppmi


def test_ppmi_of_a_known_table():
    counts = np.array([[0.0, 4.0, 0.0], [4.0, 0.0, 1.0], [0.0, 1.0, 0.0]])
    p = ppmi(counts, alpha=1.0)
    total, row, col = counts.sum(), counts.sum(1), counts.sum(0)
    assert p[0, 1] == pytest.approx(np.log((4 / total) / (row[0] / total * col[1] / total)))
    assert p[0, 2] == 0.0  # never together: no evidence, not negative
    assert (p >= 0).all()


def two_fields(seed: int, n: int = 200) -> list[dict[int, float]]:
    """Documents drawing two items from one of two fields {0,1,2} and {3,4,5}."""
    rng = np.random.default_rng(seed)
    docs = []
    for _ in range(n):
        field = rng.integers(2) * 3
        a, b = rng.choice(3, size=2, replace=False)
        docs.append({int(field + a): 1.0, int(field + b): 1.0})
    return docs


def test_items_of_one_field_end_up_together():
    E = ItemEmbedding(rank=4).fit(two_fields(0), n_items=6).embeddings_
    within = np.mean([E[a] @ E[b] for a in range(3) for b in range(3) if a != b])
    across = np.mean([E[a] @ E[b] for a in range(3) for b in range(3, 6)])
    assert within > 0.8 and across < 0.2


def test_the_prior_places_items_the_documents_never_saw():
    # item 6 occurs in no document; the prior says it is like item 0
    prior = np.eye(7)
    prior[0, 6] = prior[6, 0] = 0.9
    E = ItemEmbedding(rank=4, prior_weight=5.0).fit(two_fields(1), n_items=7, prior=prior).embeddings_
    assert E[6] @ E[0] > 0.5
    assert E[6] @ E[3] < E[6] @ E[0]


def test_same_documents_give_same_vectors_whatever_their_order():
    docs = two_fields(2)
    a = ItemEmbedding(rank=4).fit(docs, n_items=6).embeddings_
    b = ItemEmbedding(rank=4).fit(docs[::-1], n_items=6).embeddings_
    np.testing.assert_allclose(np.abs(a @ a.T), np.abs(b @ b.T), atol=1e-5)


def test_an_unseen_item_without_prior_has_a_zero_vector():
    E = ItemEmbedding(rank=3).fit(two_fields(3), n_items=8).embeddings_
    assert not E[7].any()


@pytest.mark.parametrize(
    ("docs", "kwargs", "message"),
    [
        ([{9: 1.0}], {"n_items": 3}, "outside"),
        ([{0: -1.0}], {"n_items": 3}, "negative"),
        ([{0: 1.0}], {"n_items": 3, "prior": np.eye(4)}, "prior"),
    ],
)
def test_bad_input_is_named(docs, kwargs, message):
    with pytest.raises(ValueError, match=message):
        ItemEmbedding(rank=2).fit(docs, **kwargs)
