"""The audit log: what shortlists and plans were shown, overrides, erasures."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api.auth import Permission, User
from api.deps import AuditWriterDep, StoreDep, require
from api.openapi import AUTH_ERRORS
from services import audit
from services.audit import AuditEntryOut
from services.record_models import Page
from services.records import MAX_LIMIT

router = APIRouter(prefix="/audit", tags=["audit"], responses=AUTH_ERRORS)

Auditor = Annotated[User, Depends(require(Permission.AUDIT_READ))]


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
    limit: Annotated[int, Query(ge=1, le=MAX_LIMIT)] = 50,
    offset: Annotated[int, Query(ge=0, le=1_000_000)] = 0,
) -> Page[AuditEntryOut]:
    """Entries of your municipality, newest first."""
    return audit.read_log(
        store,
        writer,
        user.actor,
        action=action,
        subject_type=subject_type,
        subject_id=subject_id,
        actor=actor,
        ref=ref,
        limit=limit,
        offset=offset,
    )
