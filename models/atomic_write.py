"""Writing a file so that readers never see half of it.

The index, the embedding caches, the fitted encoders, model bundles and the
simulator's truth files are read by other processes while they may be
rewritten; each is written to a temporary sibling and renamed over the old
file, which POSIX and Windows both make atomic.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Callable
from pathlib import Path


def atomic_write(path: Path, content: bytes | Callable[[Path], None]) -> None:
    """Write ``content`` (bytes, or a function writing to the path it is given) to ``path``.

    The parent folder is created when missing. On any error the temporary
    file is removed and ``path`` keeps what it held before.

    Examples
    --------
    >>> atomic_write(Path("/tmp/example.txt"), b"klaar\\n")  # doctest: +SKIP
    """
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    tmp = Path(tmp_name)
    try:
        if isinstance(content, bytes):
            with os.fdopen(fd, "wb") as handle:
                handle.write(content)
        else:
            os.close(fd)
            content(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
