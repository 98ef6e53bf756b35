"""Text spaces for tests: the real Dutch model, and a hashing stand-in for whole municipalities."""

from __future__ import annotations

from functools import lru_cache

import numpy as np

from matching.shortlists.text_space import TextSpace
from models.e5_encoder import E5Encoder


@lru_cache(maxsize=1)
def _encoder() -> E5Encoder:
    return E5Encoder("query")


def test_space(home=None) -> TextSpace:
    """The text space the service uses by default (multilingual-e5-small)."""
    return TextSpace(_encoder(), home=home)


test_space.__test__ = False  # not a test function


class HashingEncoder:
    """Hashed word and character n-gram counts, L2-normalised: a text encoder without a model.

    For tests that embed whole simulated municipalities, where the sentence
    model would take minutes on two cores.
    """

    def __init__(self, dim: int = 512) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        half = dim // 2
        self._words = HashingVectorizer(
            analyzer="word", n_features=half, alternate_sign=False, norm="l2"
        )
        self._grams = HashingVectorizer(
            analyzer="char_wb", ngram_range=(3, 4), n_features=dim - half, alternate_sign=False, norm="l2"
        )
        self.name = f"hashing:word+char_wb3-4:{dim}"
        self.dim = dim

    def encode(self, texts, *, batch_size=None, show_progress=False):
        texts = list(texts)
        out = np.hstack([self._words.transform(texts).toarray(), self._grams.transform(texts).toarray()])
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        return np.divide(out, norms, out=np.zeros_like(out), where=norms > 0).astype("float32")


def fast_text_space(home=None) -> TextSpace:
    """A text space of hashed words and character n-grams (no model to load)."""
    return TextSpace(HashingEncoder(), home=home)
