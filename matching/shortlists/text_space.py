"""Dense and lexical vectors of candidates' and work needs' Dutch texts.

The lexical encoder (TF-IDF on character n-grams, projected with LSA) is
fitted on the shipped ESCO occupation corpus, not on municipal data: its
vectors then do not change when candidates come and go, so cached vectors
and index entries stay valid and nobody's text shapes anyone else's vector.
Both encoders go through a content-hash cache: unchanged text is never
embedded twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from matching.records.schemas import Candidate, WorkNeed
from matching.shortlists.occupations import load_occupations
from models.embedding_cache import EmbeddingCache
from models.encoders import DEFAULT_HYBRID_WEIGHT, DenseEncoder, LexicalEncoder, TextEncoder

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]
LEXICAL_FILE = "lexical_encoder.joblib"


def candidate_text(candidate: Candidate) -> str:
    """What a candidate wants and offers, as one Dutch text."""
    occupations = load_occupations()
    wanted = [occupations[u].label for u in candidate.desired_occupations if u in occupations]
    parts = [candidate.wishes, ", ".join(wanted), candidate.interests, candidate.strengths, candidate.motivation]
    return "\n".join(p for p in parts if p)


def work_need_text(need: WorkNeed) -> str:
    """The work as one Dutch text, with its ESCO occupation label when known."""
    occupation = load_occupations().get(need.esco_uri or "")
    parts = [need.title, occupation.label if occupation else "", need.description, need.requirements]
    return "\n".join(p for p in parts if p)


def esco_corpus() -> list[str]:
    """Labels, alternative labels and descriptions of every ESCO occupation."""
    return [
        " ".join((o.label, *o.alt_labels, o.description)) for o in load_occupations().values()
    ]


@dataclass(frozen=True)
class TextVectors:
    """Vectors of a list of records; row ``i`` belongs to ``ids[i]``."""

    ids: np.ndarray
    dense: np.ndarray
    lexical: np.ndarray

    def __len__(self) -> int:
        return len(self.ids)

    def hybrid(self, dense_weight: float) -> np.ndarray:
        """Concatenated, scaled blocks: inner product = w·cos_dense + (1−w)·cos_lexical."""
        out = np.empty((len(self), self.dense.shape[1] + self.lexical.shape[1]), dtype=np.float32)
        out[:, : self.dense.shape[1]] = np.sqrt(dense_weight) * self.dense
        out[:, self.dense.shape[1] :] = np.sqrt(1.0 - dense_weight) * self.lexical
        return out

    def take(self, rows: np.ndarray) -> TextVectors:
        return TextVectors(self.ids[rows], self.dense[rows], self.lexical[rows])


class TextSpace:
    """Embeds candidates and work needs with a dense and a lexical encoder.

    Parameters
    ----------
    dense, lexical
        The encoders; ``lexical`` must be fitted.
    home
        Folder for the embedding caches; None keeps them in memory.
    dense_weight
        Weight of the dense block in the hybrid similarity.
    """

    def __init__(
        self,
        dense: TextEncoder,
        lexical: TextEncoder,
        *,
        home: Path | None = None,
        dense_weight: float = DEFAULT_HYBRID_WEIGHT,
    ) -> None:
        if not 0.0 <= dense_weight <= 1.0:
            raise ValueError(f"dense_weight must be in [0, 1], got {dense_weight}")
        self.dense_weight = dense_weight
        cache_dir = None if home is None else Path(home) / "embeddings"
        self.dense_cache = EmbeddingCache(dense, cache_dir)
        self.lexical_cache = EmbeddingCache(lexical, cache_dir)

    @classmethod
    def create(
        cls,
        home: Path | None = None,
        model: str | None = None,
        *,
        dense_weight: float = DEFAULT_HYBRID_WEIGHT,
    ) -> TextSpace:
        """The standard space: the bundled (or given) sentence model and ESCO-fitted n-grams.

        The fitted lexical encoder is kept in ``home`` so later runs load it.
        """
        lexical: LexicalEncoder | None = None
        path = None if home is None else Path(home) / LEXICAL_FILE
        if path is not None and path.exists():
            lexical = LexicalEncoder.load(path)
        if lexical is None:
            logger.info("fitting the lexical encoder on the ESCO corpus")
            lexical = LexicalEncoder().fit(esco_corpus())
            if path is not None:
                path.parent.mkdir(parents=True, exist_ok=True)
                lexical.save(path)
        return cls(DenseEncoder(model), lexical, home=home, dense_weight=dense_weight)

    @property
    def name(self) -> str:
        return f"w{self.dense_weight:g}[{self.dense_cache.encoder.name}|{self.lexical_cache.encoder.name}]"

    def embed(
        self, texts: Sequence[str], *, progress: ProgressCallback | None = None
    ) -> tuple[np.ndarray, np.ndarray]:
        """(dense, lexical) vectors of texts, from the caches where possible."""
        return (
            self.dense_cache.encode(texts, progress=progress),
            self.lexical_cache.encode(texts),
        )

    def candidate_vectors(
        self, candidates: Sequence[Candidate], *, progress: ProgressCallback | None = None
    ) -> TextVectors:
        dense, lexical = self.embed([candidate_text(c) for c in candidates], progress=progress)
        return TextVectors(np.array([c.id for c in candidates], dtype=object), dense, lexical)

    def work_need_vectors(
        self, needs: Sequence[WorkNeed], *, progress: ProgressCallback | None = None
    ) -> TextVectors:
        dense, lexical = self.embed([work_need_text(n) for n in needs], progress=progress)
        return TextVectors(np.array([n.id for n in needs], dtype=object), dense, lexical)

    @staticmethod
    def pair_similarities(
        a: TextVectors, b: TextVectors, rows_a: np.ndarray, rows_b: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Cosine similarities (dense, lexical) of aligned pairs ``(a[rows_a[i]], b[rows_b[i]])``."""
        dense = np.einsum("ij,ij->i", a.dense[rows_a], b.dense[rows_b])
        lexical = np.einsum("ij,ij->i", a.lexical[rows_a], b.lexical[rows_b])
        return dense.astype(float), lexical.astype(float)

    def forget(self, texts: Sequence[str]) -> int:
        """Remove texts' vectors from the caches (erasure); returns entries removed."""
        return self.dense_cache.remove_texts(texts) + self.lexical_cache.remove_texts(texts)
