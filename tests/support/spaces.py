"""A text space for tests: the real bundled sentence model, n-grams fitted on a slice of ESCO."""

from __future__ import annotations

from functools import lru_cache

from matching.shortlists.text_space import TextSpace, esco_corpus
from models.encoders import DenseEncoder, LexicalEncoder


@lru_cache(maxsize=1)
def _encoders() -> tuple[DenseEncoder, LexicalEncoder]:
    # a fifth of the corpus keeps the fit to a second while covering every kind of work
    return DenseEncoder(), LexicalEncoder(n_components=128).fit(esco_corpus()[::5])


def test_space(home=None) -> TextSpace:
    dense, lexical = _encoders()
    return TextSpace(dense, lexical, home=home)


test_space.__test__ = False  # not a test function


class HashingEncoder:
    """Hashed word or character n-gram counts, L2-normalised: a text encoder without a model.

    For tests that embed whole simulated municipalities, where the sentence
    model would take minutes on two cores.
    """

    def __init__(self, analyzer: str, ngram_range: tuple[int, int], dim: int = 512) -> None:
        from sklearn.feature_extraction.text import HashingVectorizer

        self._vectorizer = HashingVectorizer(
            analyzer=analyzer, ngram_range=ngram_range, n_features=dim, alternate_sign=False, norm="l2"
        )
        self.name = f"hashing:{analyzer}{ngram_range[0]}-{ngram_range[1]}:{dim}"
        self.dim = dim

    def encode(self, texts, *, batch_size=None, show_progress=False):
        return self._vectorizer.transform(list(texts)).toarray().astype("float32")


def fast_text_space(home=None) -> TextSpace:
    """A text space of hashed word and character n-grams (no model to load)."""
    return TextSpace(
        HashingEncoder("word", (1, 1)), HashingEncoder("char_wb", (3, 4)), home=home, dense_weight=0.5
    )
