"""Searching the stores for what is left of a record (after an erasure, say).

:func:`database_mentions` searches every table, :func:`file_mentions` files
byte by byte (SQLite's database and write-ahead log, MLflow artifacts).
:func:`services.erasure.verify` puts them together.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import sqlalchemy as sa

from matching.privacy.erasure import like_escape
from matching.records.storage import Store, metadata

__all__ = ["database_mentions", "file_mentions"]

#: Files larger than this are not searched byte by byte (MLflow artifacts, say).
_MAX_FILE_BYTES = 256 * 2**20


def database_mentions(store: Store, record_id: str) -> dict[str, int]:
    """Rows of every table that still name ``record_id``, by ``table.column``.

    A column counts when it equals the id or holds it as a quoted JSON string
    (audit inputs and results, shared shortlists, change history).
    """
    existing = set(sa.inspect(store.engine).get_table_names())
    found: dict[str, int] = {}
    quoted = f'%"{like_escape(record_id)}"%'
    with store.engine.connect() as conn:
        for table in metadata.sorted_tables:
            if table.name not in existing:
                continue
            for column in table.columns:
                hit: sa.ColumnElement[bool]
                if isinstance(column.type, sa.JSON):
                    hit = sa.cast(column, sa.Text).like(quoted, escape="\\")
                elif isinstance(column.type, sa.String):  # Text included
                    hit = sa.or_(column == record_id, column.like(quoted, escape="\\"))
                else:
                    continue
                count = int(conn.execute(sa.select(sa.func.count()).where(hit)).scalar_one())
                if count:
                    found[f"{table.name}.{column.name}"] = count
    return found


def file_mentions(paths: Sequence[Path], needle: str) -> dict[str, int]:
    """How often ``needle`` occurs in each file's bytes (database, write-ahead log, artifacts)."""
    pattern = needle.encode("utf-8")
    found: dict[str, int] = {}
    for path in paths:
        if not path.is_file() or path.stat().st_size > _MAX_FILE_BYTES:
            continue
        count = path.read_bytes().count(pattern)
        if count:
            found[str(path)] = count
    return found
