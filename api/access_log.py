"""The web server's access log without candidates' ids.

uvicorn logs every request line, and paths such as ``/candidates/c0408`` or
``/shortlists/candidates/c0408`` name a person; query strings can too
(``?candidate_id=...``, a search ``?q=``). :class:`PseudonymousPaths` rewrites
each access-log record before it is written: the segment after
``candidates`` becomes ``[id]`` and the query string is left out.
"""

from __future__ import annotations

import logging
import re

ACCESS_LOGGER = "uvicorn.access"
_AFTER_CANDIDATES = re.compile(r"(/candidates/)[^/?#]+")


def scrub_path(path: str) -> str:
    """``/candidates/c0408/history?x=1`` -> ``/candidates/[id]/history``.

    >>> scrub_path("/shortlists/candidates/c0408?k=10")
    '/shortlists/candidates/[id]'
    """
    return _AFTER_CANDIDATES.sub(r"\1[id]", path.split("?", 1)[0])


class PseudonymousPaths(logging.Filter):
    """Rewrites the path in uvicorn's access-log records (client, method, path, version, status)."""

    def filter(self, record: logging.LogRecord) -> bool:
        args = record.args
        if isinstance(args, tuple) and len(args) >= 3 and isinstance(args[2], str):
            record.args = (*args[:2], scrub_path(args[2]), *args[3:])
        return True


def install() -> None:
    """Add the filter to uvicorn's access logger once (call after uvicorn set up logging)."""
    logger = logging.getLogger(ACCESS_LOGGER)
    if not any(isinstance(f, PseudonymousPaths) for f in logger.filters):
        logger.addFilter(PseudonymousPaths())
