"""The audit log: what shortlists and plans were shown, overrides, erasures."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api.auth import Permission
from api.deps import AuditWriterDep, Requires, StoreDep
from api.routers import _records as records
from api.routers._records import AUTH_ERRORS, Page
from matching.privacy import audit_log

router = APIRouter(prefix="/audit", tags=["audit"], responses=AUTH_ERRORS)

Auditor = Requires(Permission.AUDIT_READ)


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


@router.get("", summary="Read the audit log", response_model=Page[AuditEntryOut])
def read_audit_log(
    store: StoreDep,
    writer: AuditWriterDep,
    user: Auditor,
    action: Annotated[
        str | None,
        Query(
            max_length=40,
            description="e.g. shortlist_shown, event_plan_shown, "
            "override_added, override_lifted, candidate_erased",
        ),
    ] = None,
    subject_type: Annotated[str | None, Query(max_length=40)] = None,
    subject_id: Annotated[str | None, Query(max_length=80)] = None,
    actor: Annotated[str | None, Query(max_length=120)] = None,
    ref: Annotated[
        str | None,
        Query(pattern=r"^[0-9a-f]{32}$", description="The audit_ref a shortlist answer carries."),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=records.MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Any:
    """Entries of your municipality, newest first."""
    writer.flush()  # include what was shown a moment ago
    entries, total = audit_log.list_entries(
        store,
        municipality=user.municipality,
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
