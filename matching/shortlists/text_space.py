"""Vectors of candidates' and work needs' Dutch texts, whole and sentence by sentence.

One dense encoder, multilingual-e5-small by default (it reads Dutch; see
:mod:`models.e5_encoder`), embeds every text through a content-hash cache:
unchanged text is never embedded twice, and a changed profile only costs
its new sentences.

A candidate is embedded sentence by sentence: their vector for similarity
and retrieval is the mean of the vectors of what work they want and offer
(the sentences of their wishes, interests and strengths, and the labels of
the occupations they chose); why they want to work is read apart, by the
motivation model. The same sentence vectors feed the occupational fields and
the motivation reading the ranker learns
(:mod:`matching.shortlists.text_models`), so a profile is read once, not
twice (whole and in sentences), which roughly halves what a first import
spends embedding. A work need is embedded whole.

An earlier version fused character n-grams with an English sentence model;
with a model that reads Dutch the n-grams no longer helped
(``benchmarks/results/retrieval.md``), so they were dropped.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np

from matching.records.schemas import Candidate, WorkNeed
from matching.shortlists.motivation import motivation_sentences
from matching.shortlists.occupation_fields import field_sentences
from matching.shortlists.occupations import load_occupations
from matching.shortlists.row_blocks import RowBlocks
from models.e5_encoder import E5Encoder
from models.embedding_cache import EmbeddingCache
from models.encoders import DenseEncoder, TextEncoder

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]


def candidate_sentences(candidate: Candidate) -> list[str]:
    """Every sentence of what a candidate wrote: wishes, interests, strengths, motivation."""
    return [*field_sentences(candidate), *motivation_sentences(candidate)]


def desired_labels(candidate: Candidate) -> list[str]:
    """Labels of the ESCO occupations a candidate chose (public words, not theirs)."""
    occupations = load_occupations()
    return [occupations[u].label for u in candidate.desired_occupations if u in occupations]


def candidate_text(candidate: Candidate) -> str:
    """What a candidate wants and offers, as one Dutch text (what the index keys a profile on)."""
    parts = [candidate.wishes, ", ".join(desired_labels(candidate)), candidate.interests]
    parts += [candidate.strengths, candidate.motivation]
    return "\n".join(p for p in parts if p)


def work_need_text(need: WorkNeed) -> str:
    """The work as one Dutch text, with its ESCO occupation label when known."""
    occupation = load_occupations().get(need.esco_uri or "")
    parts = [need.title, occupation.label if occupation else "", need.description, need.requirements]
    return "\n".join(p for p in parts if p)


class TextVectors:
    """Vectors of a list of records; row ``i`` belongs to ``ids[i]``.

    Kept in blocks (:class:`~matching.shortlists.row_blocks.RowBlocks`), so that a few rows
    written again (a profile edited) copy their blocks, not the whole matrix: a large
    municipality's is some 60 MB, and every region holding its shared candidates has its
    own copy of theirs.
    """

    __slots__ = ("ids", "matrix")

    def __init__(self, ids: np.ndarray, dense: np.ndarray | RowBlocks) -> None:
        self.ids = ids
        self.matrix = dense if isinstance(dense, RowBlocks) else RowBlocks(dense)

    def __len__(self) -> int:
        return len(self.ids)

    @property
    def dim(self) -> int:
        return int(self.matrix.shape[1])

    @property
    def dense(self) -> np.ndarray:
        """Every row as one matrix (a copy once rows were changed in blocks)."""
        return self.matrix.whole

    def similarities(self, query: np.ndarray) -> np.ndarray:
        """Inner product of every row with ``query``."""
        return self.matrix.dot(query)

    def rows(self, idx: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """The vectors of rows ``idx`` as one matrix (into ``out`` when given)."""
        return self.matrix.rows(idx, out)

    def take(self, rows: np.ndarray) -> TextVectors:
        return TextVectors(self.ids[rows], self.matrix.take(rows))

    def with_rows(self, rows: np.ndarray, dense: np.ndarray) -> TextVectors:
        """The same records with the vectors of ``rows`` replaced by ``dense``'s; only the
        blocks they fall in are copied."""
        return TextVectors(self.ids, self.matrix.with_rows(rows, dense))

    @classmethod
    def concat(cls, parts: Sequence[TextVectors]) -> TextVectors:
        """The rows of several, in order."""
        return cls(np.concatenate([p.ids for p in parts]), RowBlocks.concat([p.matrix for p in parts]))

    @classmethod
    def gather(cls, parts: Sequence[tuple[TextVectors, np.ndarray]]) -> TextVectors:
        """``concat`` of each part's ``take(rows)``, copied once (:meth:`RowBlocks.gather`)."""
        ids = np.concatenate([vectors.ids[rows] for vectors, rows in parts])
        return cls(ids, RowBlocks.gather([(vectors.matrix, rows) for vectors, rows in parts]))


class TextSpace:
    """Embeds candidates and work needs with one encoder through one cache.

    Parameters
    ----------
    encoder
        Any :class:`~models.encoders.TextEncoder`.
    home
        Folder of the embedding cache; None keeps it in memory.
    """

    def __init__(self, encoder: TextEncoder, *, home: Path | None = None) -> None:
        self.cache = EmbeddingCache(encoder, None if home is None else Path(home) / "embeddings")

    @classmethod
    def create(cls, home: Path | None = None, model: str | None = None) -> TextSpace:
        """The standard space: multilingual-e5-small, or a sentence-transformers ``model`` folder."""
        encoder: TextEncoder = E5Encoder("query") if model is None else DenseEncoder(model)
        return cls(encoder, home=home)

    @property
    def name(self) -> str:
        return self.cache.encoder.name

    @property
    def dim(self) -> int:
        return int(self.cache.encoder.dim)

    def embed(self, texts: Sequence[str], *, progress: ProgressCallback | None = None) -> np.ndarray:
        """Vectors of texts, from the cache where possible."""
        return self.cache.encode(texts, progress=progress)

    def sentence_vectors(
        self, sentences: Iterable[str], *, progress: ProgressCallback | None = None
    ) -> dict[str, np.ndarray]:
        """Vector of every distinct sentence."""
        unique = sorted(set(sentences))
        vectors = self.embed(unique, progress=progress) if unique else np.zeros((0, self.dim))
        return dict(zip(unique, vectors, strict=True))

    def candidate_vectors(
        self, candidates: Sequence[Candidate], *, progress: ProgressCallback | None = None
    ) -> TextVectors:
        """Unit mean of the vectors of what each candidate wants and offers (see the module
        docstring); their motivation when that is all they wrote; zero without text.

        Every sentence of the profiles is embedded (and cached), so the text
        models find them all when a shortlist reads these candidates."""
        written = [candidate_sentences(c) for c in candidates]
        labels = [desired_labels(c) for c in candidates]
        vectors = self.sentence_vectors(
            (p for ps in (*written, *labels) for p in ps), progress=progress
        )
        pieces = [
            [*field_sentences(c), *wanted] or all_
            for c, wanted, all_ in zip(candidates, labels, written, strict=True)
        ]
        dense = np.zeros((len(candidates), self.dim), np.float32)
        for row, ps in enumerate(pieces):
            if ps:
                mean = np.mean([vectors[p] for p in ps], axis=0)
                norm = float(np.linalg.norm(mean))
                if norm > 0:
                    dense[row] = mean / norm
        return TextVectors(np.array([c.id for c in candidates], dtype=object), dense)

    def work_need_vectors(
        self, needs: Sequence[WorkNeed], *, progress: ProgressCallback | None = None
    ) -> TextVectors:
        dense = self.embed([work_need_text(n) for n in needs], progress=progress)
        return TextVectors(np.array([n.id for n in needs], dtype=object), dense)

    @staticmethod
    def pair_similarities(a: TextVectors, b: TextVectors, rows_a: np.ndarray, rows_b: np.ndarray) -> np.ndarray:
        """Cosine similarity of aligned pairs ``(a[rows_a[i]], b[rows_b[i]])``."""
        similarity: np.ndarray = np.einsum("ij,ij->i", a.rows(rows_a), b.rows(rows_b)).astype(float)
        return similarity

    def forget(self, texts: Sequence[str]) -> int:
        """Remove texts' vectors from the cache (erasure); returns entries removed."""
        return self.cache.remove_texts(texts)
