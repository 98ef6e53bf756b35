"""Pin or exclude a candidate on a work need's shortlist, and lift it again.

Overrides are stored and logged (:mod:`matching.shortlists.overrides`), shown
with every later shortlist of the work need and applied to it: pinned
candidates first, excluded ones left out (listed separately with the reason).
"""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, Field

from matching.records.schemas import Candidate, WorkNeed
from matching.records.storage import Store
from matching.shortlists import overrides as override_store
from services import records
from services.actor import Actor
from services.errors import InvalidInput, NotFound

__all__ = ["OverrideOut", "add_override", "lift_override", "list_overrides", "override_out"]


class OverrideOut(BaseModel):
    id: int
    work_need_id: str
    candidate_id: str
    kind: Literal["pin", "exclude"]
    reason: str
    actor: str = Field(description="Who made the override.")
    created_at: dt.datetime
    active: bool
    lifted_by: str | None = None
    lifted_at: dt.datetime | None = None


def override_out(o: override_store.Override) -> OverrideOut:
    return OverrideOut(**{k: v for k, v in o.__dict__.items() if k != "municipality"})


def list_overrides(
    store: Store, actor: Actor, work_need_id: str, *, include_lifted: bool = False
) -> list[OverrideOut]:
    """The overrides of a work need, oldest first (the lifted ones too if asked)."""
    need = records.get(store, WorkNeed, work_need_id, actor)
    return [
        override_out(o)
        for o in override_store.active_overrides(
            store, work_need_id, municipality=need.municipality, include_lifted=include_lifted
        )
    ]


def add_override(
    store: Store,
    actor: Actor,
    work_need_id: str,
    *,
    candidate_id: str,
    kind: str,
    reason: str,
) -> OverrideOut:
    """Pin or exclude a candidate on a work need's shortlist; replaces an earlier override
    for the same candidate. A candidate who has not consented to matching cannot be pinned."""
    need = records.get(store, WorkNeed, work_need_id, actor)
    candidate = store.get(Candidate, candidate_id, municipality=need.municipality)
    if candidate is None:
        raise InvalidInput.of("candidate_id", f"candidate {candidate_id} not found")
    if kind != "pin" and kind != "exclude":
        raise InvalidInput.of("kind", f"kind must be 'pin' or 'exclude', got {kind!r}")
    checked: override_store.OverrideKind = "pin" if kind == "pin" else "exclude"
    if checked == "pin" and not candidate.consent_matching:
        raise InvalidInput.of(
            "candidate_id",
            f"candidate {candidate_id} has not consented to matching and cannot be pinned",
        )
    created = override_store.add_override(
        store,
        municipality=need.municipality,
        work_need_id=work_need_id,
        candidate_id=candidate_id,
        kind=checked,
        reason=reason,
        actor=actor.username,
        role=actor.role,
    )
    return override_out(created)


def lift_override(store: Store, actor: Actor, work_need_id: str, override_id: int) -> OverrideOut:
    """Lift an active override of a work need; :class:`NotFound` when there is none."""
    need = records.get(store, WorkNeed, work_need_id, actor)
    lifted = override_store.lift_override(
        store,
        override_id,
        work_need_id=work_need_id,
        municipality=need.municipality,
        actor=actor.username,
        role=actor.role,
    )
    if lifted is None:
        raise NotFound(
            "override",
            str(override_id),
            f"active override {override_id} not found on {work_need_id}",
        )
    return override_out(lifted)
