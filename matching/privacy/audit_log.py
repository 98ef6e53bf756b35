"""Audit log of what people were shown and decided.

One table on the store's shared ``metadata``, ``audit_log``: one row per
shortlist or event plan *shown* (who, when, inputs, model version, the
results as shown), per ranking override made or lifted
(:mod:`matching.shortlists.overrides`), and per erasure. Entries of lists
shown are written by :class:`matching.privacy.audit_writer.AuditWriter`. Changes to records
themselves are already kept by the store in ``record_history``; this log
covers what the store cannot see: what was looked at and decided.

This module is storage only: no HTTP, no settings. The use cases decide who
may write and read.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, CursorResult

from matching.records.storage import Store, metadata

logger = logging.getLogger(__name__)

__all__ = [
    "AuditEntry",
    "audit_table",
    "ensure_tables",
    "list_entries",
    "log_entry",
    "new_ref",
]

audit_table = sa.Table(
    "audit_log",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("role", sa.String(40), nullable=False),
    sa.Column("municipality", sa.String(40), nullable=False, index=True),
    sa.Column("action", sa.String(40), nullable=False, index=True),
    sa.Column("subject_type", sa.String(40), nullable=False),
    sa.Column("subject_id", sa.String(64), nullable=False),
    sa.Column("inputs", sa.JSON, nullable=True),
    sa.Column("model_version", sa.String(120), nullable=True),
    sa.Column("results", sa.JSON, nullable=True),
    # handed to the user with what was shown, so an entry can be found from a screen
    sa.Column("ref", sa.String(32), nullable=True, index=True),
    sa.Index("ix_audit_subject", "subject_type", "subject_id"),
)

INSERT_ENTRY = audit_table.insert()


def ensure_tables(store: Store) -> None:
    """Create this module's tables in a store opened before it was imported."""
    store.create_tables([audit_table])
    columns = {c["name"] for c in sa.inspect(store.engine).get_columns(audit_table.name)}
    if "ref" not in columns:  # a log made before entries had references
        with store.transaction() as conn:
            conn.execute(sa.text("ALTER TABLE audit_log ADD COLUMN ref VARCHAR(32)"))


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def utc_row(row: Mapping[Any, Any]) -> dict[str, Any]:
    """A row with its timestamps as aware UTC datetimes (SQLite returns them naive)."""
    return {
        k: v.replace(tzinfo=dt.UTC)
        if isinstance(v, dt.datetime) and v.tzinfo is None
        else v
        for k, v in row.items()
    }


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, default=str)) if value is not None else None


@dataclass(frozen=True)
class AuditEntry:
    seq: int
    at: dt.datetime
    actor: str
    role: str
    municipality: str
    action: str
    subject_type: str
    subject_id: str
    inputs: dict[str, Any] | None
    model_version: str | None
    results: Any
    ref: str | None = None


def new_ref() -> str:
    """A reference for an audit entry, known before it is written."""
    return uuid.uuid4().hex


def entry_row(
    *,
    actor: str,
    role: str,
    municipality: str,
    action: str,
    subject_type: str,
    subject_id: str,
    inputs: Mapping[str, Any] | None,
    model_version: str | None,
    results: Any,
    ref: str | None,
) -> dict[str, Any]:
    return {
        "at": _now(),
        "actor": actor,
        "role": role,
        "municipality": municipality,
        "action": action,
        "subject_type": subject_type,
        "subject_id": subject_id,
        "inputs": _jsonable(dict(inputs) if inputs is not None else None),
        "model_version": model_version,
        "results": _jsonable(results),
        "ref": ref or new_ref(),
    }


def log_entry(
    store: Store,
    *,
    actor: str,
    role: str,
    municipality: str,
    action: str,
    subject_type: str,
    subject_id: str,
    inputs: Mapping[str, Any] | None = None,
    model_version: str | None = None,
    results: Any = None,
    ref: str | None = None,
    conn: Connection | None = None,
) -> int:
    """Append one entry now, in its own transaction or in ``conn``; returns its sequence number."""
    row = entry_row(
        actor=actor,
        role=role,
        municipality=municipality,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        inputs=inputs,
        model_version=model_version,
        results=results,
        ref=ref,
    )
    # one prebuilt statement with bound parameters: logged on every shortlist shown, so
    # building and compiling a statement per call would be a noticeable share of the request
    if conn is None:
        with store.transaction() as own:
            return new_id(own.execute(INSERT_ENTRY, row))
    return new_id(conn.execute(INSERT_ENTRY, row))


def new_id(result: CursorResult[Any]) -> int:
    """The primary key an INSERT of one row gave it."""
    key = result.inserted_primary_key
    if key is None:  # pragma: no cover - every insert here has an autoincrement key
        raise RuntimeError("the database gave no key for the inserted row")
    return int(key[0])


def list_entries(
    store: Store,
    *,
    municipality: str,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    actor: str | None = None,
    ref: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[AuditEntry], int]:
    """Entries of one municipality, newest first, and how many match in total."""
    conditions = [audit_table.c.municipality == municipality]
    if action is not None:
        conditions.append(audit_table.c.action == action)
    if subject_type is not None:
        conditions.append(audit_table.c.subject_type == subject_type)
    if subject_id is not None:
        conditions.append(audit_table.c.subject_id == subject_id)
    if actor is not None:
        conditions.append(audit_table.c.actor == actor)
    if ref is not None:
        conditions.append(audit_table.c.ref == ref)
    query = (
        sa.select(audit_table)
        .where(*conditions)
        .order_by(audit_table.c.seq.desc())
        .limit(limit)
        .offset(offset)
    )
    total_query = sa.select(sa.func.count()).select_from(audit_table).where(*conditions)
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
        total = int(conn.execute(total_query).scalar_one())
    return [AuditEntry(**utc_row(r)) for r in rows], total
