"""A text space for tests: the real bundled sentence model, n-grams fitted on a slice of ESCO."""

from __future__ import annotations

from functools import lru_cache

from matching.text_space import TextSpace, esco_corpus
from models.encoders import DenseEncoder, LexicalEncoder


@lru_cache(maxsize=1)
def _encoders() -> tuple[DenseEncoder, LexicalEncoder]:
    # a fifth of the corpus keeps the fit to a second while covering every kind of work
    return DenseEncoder(), LexicalEncoder(n_components=128).fit(esco_corpus()[::5])


def test_space(home=None) -> TextSpace:  # noqa: ANN001
    dense, lexical = _encoders()
    return TextSpace(dense, lexical, home=home)


test_space.__test__ = False  # not a test function
