"""Everything held about one candidate, for their right of access (AVG art. 15, AI Act art. 86).

:func:`subject_access` gathers, for one candidate of one municipality:

* every record about them: the candidate record and, following
  :data:`matching.records.schemas.REFERENCES` transitively (as erasure does),
  their invitations, table meetings, outcomes and those outcomes' check-ins;
* the change history of those records (what changed and when; the staff
  member's account name is left out);
* relationship managers' overrides about them (pinned or excluded for a work
  need, with the reason written);
* the audit log's record of every list they appeared in: when, what kind of
  list, the model version and *their own* line (rank, chance) — never the
  other people on that list.

Nothing about another candidate is included: records reached from theirs
point to employers, work needs and events, which are organisations and
activities, not people.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from matching.privacy import audit_log
from matching.privacy.erasure import like_escape, referring_records
from matching.records.schemas import RECORD_TYPES, Candidate
from matching.records.storage import TABLES, Store, history_table
from matching.shortlists import overrides as override_store

__all__ = ["SubjectAccess", "subject_access"]


@dataclass(frozen=True)
class SubjectAccess:
    """What werkkans holds about one candidate, as plain JSON-able values."""

    candidate_id: str
    municipality: str
    made_at: dt.datetime
    records: dict[str, list[dict[str, Any]]]  # entity -> rows
    history: list[dict[str, Any]]
    overrides: list[dict[str, Any]]
    lists_shown: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return {
            "candidate_id": self.candidate_id,
            "municipality": self.municipality,
            "made_at": self.made_at.isoformat(),
            "records": self.records,
            "history": self.history,
            "overrides": self.overrides,
            "lists_shown": self.lists_shown,
            "notes": self.notes,
        }


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_plain(v) for v in value]
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _own_lines(results: Any, candidate_id: str) -> list[dict[str, Any]]:
    """The lines of a logged list that are about this candidate (never anyone else's)."""
    if not isinstance(results, list):
        return []
    return [
        {k: v for k, v in line.items() if k != "candidate_id"}
        for line in results
        if isinstance(line, dict) and line.get("candidate_id") == candidate_id
    ]


def subject_access(store: Store, candidate_id: str, *, municipality: str) -> SubjectAccess | None:
    """Everything about ``candidate_id`` in ``municipality``; None when there is no such candidate."""
    audit_log.ensure_tables(store)
    override_store.ensure_tables(store)
    candidates = TABLES[Candidate]
    with store.engine.connect() as conn:
        found = conn.execute(
            sa.select(candidates.c.id)
            .where(candidates.c.id == candidate_id)
            .where(candidates.c.municipality == municipality)
        ).first()
        if found is None:
            return None
        ids = referring_records(conn, candidate_id)
        records: dict[str, list[dict[str, Any]]] = {}
        for record_type in RECORD_TYPES:
            wanted = ids.get(record_type)
            if not wanted:
                continue
            table = TABLES[record_type]
            rows = conn.execute(
                sa.select(table).where(table.c.id.in_(wanted)).order_by(table.c.id)
            ).mappings()
            records[record_type.entity] = [_plain(dict(r)) for r in rows]
        history = []
        for record_type, record_ids in ids.items():
            rows = conn.execute(
                sa.select(
                    history_table.c.entity, history_table.c.record_id, history_table.c.action,
                    history_table.c.changed_at, history_table.c.before, history_table.c.after,
                )
                .where(history_table.c.entity == record_type.entity)
                .where(history_table.c.record_id.in_(record_ids))
                .order_by(history_table.c.seq)
            ).mappings()
            history += [_plain(dict(r)) for r in rows]
        table = override_store.overrides_table
        overrides = [
            _plain({k: v for k, v in dict(r).items() if k not in ("actor", "lifted_by")})
            for r in conn.execute(
                sa.select(table)
                .where(table.c.candidate_id == candidate_id)
                .where(table.c.municipality == municipality)
                .order_by(table.c.id)
            ).mappings()
        ]
        audit = audit_log.audit_table
        mentions = sa.or_(
            audit.c.subject_id == candidate_id,
            sa.cast(audit.c.results, sa.Text).like(
                f'%"{like_escape(candidate_id)}"%', escape="\\"
            ),
        )
        lists_shown = []
        for r in conn.execute(
            sa.select(audit.c.at, audit.c.action, audit.c.subject_type, audit.c.subject_id,
                      audit.c.model_version, audit.c.results)
            .where(audit.c.municipality == municipality)
            .where(mentions)
            .order_by(audit.c.seq)
        ).mappings():
            own = _own_lines(r["results"], candidate_id)
            if r["subject_id"] != candidate_id and not own:
                continue  # the id only occurred inside another field
            lists_shown.append(_plain({
                "at": r["at"],
                "action": r["action"],
                "about": r["subject_type"],
                "about_id": r["subject_id"],
                "model_version": r["model_version"],
                "their_lines": own,
            }))
    history.sort(key=lambda h: h["changed_at"])
    return SubjectAccess(
        candidate_id=candidate_id,
        municipality=municipality,
        made_at=dt.datetime.now(dt.UTC),
        records=records,
        history=history,
        overrides=overrides,
        lists_shown=lists_shown,
    )

