"""Ranking overrides: a relationship manager pins or excludes a candidate for a work need.

One table on the store's shared ``metadata``, ``ranking_overrides``: a
relationship manager's correction of a work need's ranking, *pin* a
candidate to the top or *exclude* one, always with a reason. At most one
override per (work need, candidate) is active; a new one replaces the old.
The shortlist engine applies them (:mod:`matching.shortlists.engine`); making
and lifting one is written to the audit log (:mod:`matching.privacy.audit_log`)
in the same transaction.

This module is storage only: no HTTP, no settings.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Literal

import sqlalchemy as sa

from matching.privacy.audit_log import log_entry, new_id, utc_row
from matching.records.storage import Store, metadata

__all__ = [
    "Override",
    "OverrideKind",
    "active_overrides",
    "add_override",
    "delete_overrides",
    "ensure_tables",
    "lift_override",
    "overrides_for_candidate",
    "overrides_table",
]

OverrideKind = Literal["pin", "exclude"]

overrides_table = sa.Table(
    "ranking_overrides",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("municipality", sa.String(40), nullable=False, index=True),
    sa.Column("work_need_id", sa.String(64), nullable=False, index=True),
    sa.Column("candidate_id", sa.String(64), nullable=False, index=True),
    sa.Column("kind", sa.String(10), nullable=False),
    sa.Column("reason", sa.Text, nullable=False),
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("active", sa.Boolean, nullable=False, default=True),
    sa.Column("lifted_by", sa.String(120), nullable=True),
    sa.Column("lifted_at", sa.DateTime(timezone=True), nullable=True),
)

_ACTIVE_FOR_WORK_NEED = (
    sa.select(overrides_table)
    .where(overrides_table.c.work_need_id == sa.bindparam("work_need_id"))
    .where(overrides_table.c.municipality == sa.bindparam("municipality"))
    .where(overrides_table.c.active.is_(True))
    .order_by(overrides_table.c.id)
)


def ensure_tables(store: Store) -> None:
    """Create this module's table in a store opened before it was imported."""
    store.create_tables([overrides_table])


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


@dataclass(frozen=True)
class Override:
    id: int
    municipality: str
    work_need_id: str
    candidate_id: str
    kind: OverrideKind
    reason: str
    actor: str
    created_at: dt.datetime
    active: bool
    lifted_by: str | None = None
    lifted_at: dt.datetime | None = None


def add_override(
    store: Store,
    *,
    municipality: str,
    work_need_id: str,
    candidate_id: str,
    kind: OverrideKind,
    reason: str,
    actor: str,
    role: str,
) -> Override:
    """Store an override (replacing an active one for the same pair) and log it.

    The caller checks that the work need and candidate exist in ``municipality``.
    """
    if kind not in ("pin", "exclude"):
        raise ValueError(f"kind must be 'pin' or 'exclude', got {kind!r}")
    reason = reason.strip()
    if not reason:
        raise ValueError("an override needs a reason")
    now = _now()
    with store.transaction() as conn:
        conn.execute(
            overrides_table.update()
            .where(overrides_table.c.work_need_id == work_need_id)
            .where(overrides_table.c.candidate_id == candidate_id)
            .where(overrides_table.c.active.is_(True))
            .values(active=False, lifted_by=actor, lifted_at=now)
        )
        row: dict[str, Any] = {
            "municipality": municipality,
            "work_need_id": work_need_id,
            "candidate_id": candidate_id,
            "kind": kind,
            "reason": reason,
            "actor": actor,
            "created_at": now,
            "active": True,
        }
        override_id = new_id(conn.execute(overrides_table.insert().values(**row)))
        log_entry(
            store,
            actor=actor,
            role=role,
            municipality=municipality,
            action="override_added",
            subject_type="work_need",
            subject_id=work_need_id,
            inputs={
                "override_id": override_id,
                "candidate_id": candidate_id,
                "kind": kind,
                "reason": reason,
            },
            conn=conn,
        )
    return Override(id=override_id, **row)


def lift_override(
    store: Store,
    override_id: int,
    *,
    work_need_id: str,
    municipality: str,
    actor: str,
    role: str,
) -> Override | None:
    """Deactivate an active override; None when there is no such active override."""
    with store.transaction() as conn:
        found = (
            conn.execute(
                sa.select(overrides_table)
                .where(overrides_table.c.id == override_id)
                .where(overrides_table.c.work_need_id == work_need_id)
                .where(overrides_table.c.municipality == municipality)
                .where(overrides_table.c.active.is_(True))
            )
            .mappings()
            .first()
        )
        if found is None:
            return None
        now = _now()
        conn.execute(
            overrides_table.update()
            .where(overrides_table.c.id == override_id)
            .values(active=False, lifted_by=actor, lifted_at=now)
        )
        log_entry(
            store,
            actor=actor,
            role=role,
            municipality=municipality,
            action="override_lifted",
            subject_type="work_need",
            subject_id=found["work_need_id"],
            inputs={
                "override_id": override_id,
                "candidate_id": found["candidate_id"],
                "kind": found["kind"],
            },
            conn=conn,
        )
    return Override(**{**utc_row(found), "active": False, "lifted_by": actor, "lifted_at": now})


def delete_overrides(store: Store, *, work_need_id: str, municipality: str) -> int:
    """Remove every override of a work need (when the work need itself is deleted)."""
    with store.transaction() as conn:
        return conn.execute(
            overrides_table.delete()
            .where(overrides_table.c.work_need_id == work_need_id)
            .where(overrides_table.c.municipality == municipality)
        ).rowcount


def active_overrides(
    store: Store, work_need_id: str, *, municipality: str, include_lifted: bool = False
) -> list[Override]:
    """The overrides in force for one work need (with the lifted ones if asked), oldest first."""
    if not include_lifted:  # the common case, asked for every shortlist shown
        with store.reading() as conn:
            rows = conn.execute(
                _ACTIVE_FOR_WORK_NEED, {"work_need_id": work_need_id, "municipality": municipality}
            )
            return [Override(**utc_row(r)) for r in rows.mappings()]
    query = (
        sa.select(overrides_table)
        .where(overrides_table.c.work_need_id == work_need_id)
        .where(overrides_table.c.municipality == municipality)
        .order_by(overrides_table.c.id)
    )
    with store.reading() as conn:
        return [Override(**utc_row(r)) for r in conn.execute(query).mappings()]


def overrides_for_candidate(
    store: Store, candidate_id: str, *, municipality: str
) -> list[Override]:
    """The overrides in force that name one candidate, over all work needs."""
    query = (
        sa.select(overrides_table)
        .where(overrides_table.c.candidate_id == candidate_id)
        .where(overrides_table.c.municipality == municipality)
        .where(overrides_table.c.active.is_(True))
        .order_by(overrides_table.c.id)
    )
    with store.reading() as conn:
        return [Override(**utc_row(r)) for r in conn.execute(query).mappings()]
