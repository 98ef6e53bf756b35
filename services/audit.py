"""Read the audit log: what shortlists and plans were shown, overrides, erasures."""

from __future__ import annotations

import datetime as dt
from typing import Any

from pydantic import BaseModel

from matching.privacy import audit_log
from matching.privacy.audit_writer import AuditWriter
from matching.records.storage import Store
from services.actor import Actor
from services.record_models import Page

__all__ = ["AuditEntryOut", "read_log"]


class AuditEntryOut(BaseModel):
    seq: int
    at: dt.datetime
    actor: str
    role: str
    action: str
    subject_type: str
    subject_id: str
    inputs: dict[str, Any] | None
    model_version: str | None
    results: Any = None
    ref: str | None = None


def read_log(
    store: Store,
    writer: AuditWriter,
    reader: Actor,
    *,
    action: str | None = None,
    subject_type: str | None = None,
    subject_id: str | None = None,
    actor: str | None = None,
    ref: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[AuditEntryOut]:
    """Entries of the reader's municipality, newest first, including what was shown a
    moment ago (the writer is flushed first)."""
    writer.flush()
    if reader.municipality is None:
        raise ValueError("the audit log is read per municipality")
    entries, total = audit_log.list_entries(
        store,
        municipality=reader.municipality,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        actor=actor,
        ref=ref,
        limit=limit,
        offset=offset,
    )
    items = [
        AuditEntryOut(**{k: v for k, v in e.__dict__.items() if k != "municipality"})
        for e in entries
    ]
    return Page(items=items, total=total, limit=limit, offset=offset)
