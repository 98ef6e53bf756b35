"""Reading and writing stored records for a user: search, get, create, change, delete, history.

Always inside the actor's municipality, always validated by the domain record
itself, and written with the actor's name (the store keeps the history). The
request and response models are :mod:`services.record_models`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, TypeVar

import sqlalchemy as sa
from pydantic import BaseModel, ValidationError

from matching.privacy.erasure import is_erased
from matching.records.schemas import (
    REFERENCES,
    Candidate,
    Employer,
    Event,
    Record,
    WorkNeed,
)
from matching.records.storage import TABLES, Store
from matching.shortlists.overrides import delete_overrides
from services.actor import Actor
from services.errors import Conflict, InvalidInput, Issue, NotFound
from services.record_models import HEALTH_FIELDS, ChangeOut, label, redact_row

__all__ = [
    "MAX_LIMIT",
    "SEARCH_FIELDS",
    "build",
    "candidate_names",
    "check_ids",
    "count",
    "create",
    "delete",
    "delete_work_need",
    "get",
    "history",
    "patch",
    "referrers",
    "replace",
    "scope",
    "search",
    "where",
]

R = TypeVar("R", bound=Record)

MAX_LIMIT = 500

#: The fields a search looks in for the words of ``q``, per record type.
SEARCH_FIELDS: dict[type[Record], tuple[str, ...]] = {
    Candidate: (
        "id",
        "name",
        "postcode",
        "relationship_manager",
        "wishes",
        "motivation",
        "interests",
        "strengths",
    ),
    Employer: ("id", "name", "postcode", "relationship_manager"),
    WorkNeed: ("id", "title", "description", "requirements"),
    Event: ("id", "place"),
}



def _from_validation(exc: ValidationError) -> InvalidInput:
    return InvalidInput(
        [
            Issue(
                ("body", *error.get("loc", ())),
                str(error.get("msg", "")).removeprefix("Value error, "),
                error.get("type", "value_error"),
            )
            for error in exc.errors(include_url=False, include_input=False)
        ]
    )


# ---- reading --------------------------------------------------------------------------------


def get(store: Store, record_type: type[R], record_id: str, actor: Actor) -> R:
    """The record, if it exists in the actor's municipality; else :class:`NotFound`."""
    found = store.get(record_type, record_id, municipality=actor.municipality)
    if found is None:
        raise NotFound(label(record_type), record_id)
    return found


def scope(store: Store, actor: Actor, record_type: type[Record], record_id: str) -> str:
    """The municipality a request about this record works in.

    The actor's own; for an actor who sees every municipality (the command
    line), the record's. :class:`NotFound` when the record is not there.
    """
    municipality = actor.municipality or store.municipality_of(record_type, record_id)
    if municipality is None:
        raise NotFound(label(record_type), record_id)
    return municipality


def count(store: Store, record_type: type[Record], actor: Actor) -> int:
    """How many records of a type the actor's municipality has."""
    return store.count(record_type, municipality=actor.municipality)


def where(store: Store, record_type: type[R], actor: Actor, **equal: object) -> list[R]:
    """The actor's records of a type whose fields equal ``equal``, ordered by id."""
    return store.list(record_type, municipality=actor.municipality, where=equal)


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    store: Store,
    record_type: type[R],
    *,
    municipality: str,
    q: str | None = None,
    search_fields: Sequence[str] | None = None,
    filters: Mapping[str, object] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[R], int]:
    """Records of one municipality matching every word of ``q`` and every filter.

    Each word of ``q`` must occur (case-insensitively) in at least one of
    ``search_fields`` (default: :data:`SEARCH_FIELDS` of the record type);
    filters compare for equality. Ordered by id.
    """
    table = TABLES[record_type]
    if search_fields is None:
        search_fields = SEARCH_FIELDS.get(record_type, ("id",))
    conditions: list[Any] = [table.c.municipality == municipality]
    for name, value in (filters or {}).items():
        if value is None:
            continue
        if hasattr(value, "value"):
            value = value.value
        conditions.append(table.c[name] == value)
    for word in (q or "").split()[:10]:
        pattern = f"%{_escape_like(word.lower())}%"
        conditions.append(
            sa.or_(*[sa.func.lower(table.c[f]).like(pattern, escape="\\") for f in search_fields])
        )
    query = sa.select(table).where(*conditions).order_by(table.c.id).limit(limit).offset(offset)
    total_query = sa.select(sa.func.count()).select_from(table).where(*conditions)
    with store.engine.connect() as conn:
        rows = conn.execute(query).mappings().all()
        total = int(conn.execute(total_query).scalar_one())
    return [record_type.model_validate(dict(r)) for r in rows], total


def history(
    store: Store, record_type: type[Record], record_id: str, actor: Actor
) -> list[ChangeOut]:
    """Every change of a record: who, when, before and after (health fields as they may see)."""
    get(store, record_type, record_id, actor)
    redact = record_type is Candidate
    return [
        ChangeOut(
            action=row["action"],
            actor=row["actor"],
            changed_at=row["changed_at"].isoformat() if row["changed_at"] else "",
            before=redact_row(row["before"], actor) if redact else row["before"],
            after=redact_row(row["after"], actor) if redact else row["after"],
        )
        for row in store.history(record_type, record_id)
    ]


# ---- writing --------------------------------------------------------------------------------


def _check_references(store: Store, record: Record) -> None:
    """Every id the record points at must exist in the record's municipality."""
    for (source, name), target in REFERENCES.items():
        if source is not type(record):
            continue
        value = getattr(record, name)
        if value is None:
            continue
        if store.get(target, value, municipality=record.municipality) is None:
            raise InvalidInput.of(name, f"{label(target)} {value} not found",
                                  dutch=f"{target.dutch_name} {value} bestaat niet")


def check_ids(
    store: Store, record_type: type[Record], values: Mapping[str, Any], municipality: str | None
) -> None:
    """Ids in ``values`` that point at other records must exist in ``municipality``.

    Checked before the domain functions, so that a record of another
    municipality reads as "not found" rather than naming where it lives.
    """
    for (source, name), target in REFERENCES.items():
        value = values.get(name) if source is record_type else None
        if value is not None and store.get(target, value, municipality=municipality) is None:
            raise InvalidInput.of(name, f"{label(target)} {value} not found",
                                  dutch=f"{target.dutch_name} {value} bestaat niet")


def build(record_type: type[R], values: Mapping[str, Any]) -> R:
    """The domain record from plain values; its own validation gives the messages."""
    try:
        return record_type.model_validate(values)
    except ValidationError as exc:
        raise _from_validation(exc) from None


def _own_values(body: BaseModel, actor: Actor) -> dict[str, Any]:
    values = body.model_dump()
    given = values.get("municipality")
    if actor.municipality is None:
        if given is None:
            raise InvalidInput.of("municipality", "say which municipality the record belongs to")
        return values
    if given is not None and given != actor.municipality:
        raise InvalidInput.of(
            "municipality",
            f"you can only store records of your municipality {actor.municipality}",
        )
    values["municipality"] = actor.municipality
    return values


def create(store: Store, record_type: type[R], body: BaseModel, actor: Actor) -> R:
    """Store a new record; :class:`Conflict` when its id is (or was) in use.

    The refusal reads the same whether the id is taken in the actor's own
    municipality, in another one, or belonged to an erased candidate: it
    never says which, or anything about that record.
    """
    record = build(record_type, _own_values(body, actor))
    taken = store.municipality_of(record_type, record.id) is not None
    if taken or (record_type is Candidate and is_erased(store, record.id)):
        raise Conflict(
            f"{label(record_type)} id {record.id} cannot be used (taken now or before); "
            "choose another"
        )
    _check_references(store, record)
    store.upsert([record], actor=actor.username)
    return record


def replace(store: Store, record_type: type[R], record_id: str, body: BaseModel, actor: Actor) -> R:
    """Replace a stored record as a whole."""
    get(store, record_type, record_id, actor)
    values = _own_values(body, actor)
    if values.get("id") != record_id:
        raise InvalidInput.of(
            "id", f"id in the body ({values.get('id')}) differs from the path ({record_id})"
        )
    record = build(record_type, values)
    _check_references(store, record)
    store.upsert([record], actor=actor.username)
    return record


def patch(
    store: Store, record_type: type[R], record_id: str, changes: BaseModel, actor: Actor
) -> R:
    """Change the fields given in ``changes``; health fields only by those who may see them."""
    current = get(store, record_type, record_id, actor)
    given = changes.model_dump(exclude_unset=True)
    if record_type is Candidate and not actor.sees_health:
        hidden = sorted(set(given) & set(HEALTH_FIELDS))
        if hidden:
            raise InvalidInput.of(hidden[0], "your role may not change this field")
    record = build(record_type, {**current.model_dump(), **given})
    _check_references(store, record)
    store.upsert([record], actor=actor.username)
    return record


def referrers(store: Store, record_type: type[Record], record_id: str) -> dict[str, int]:
    """How many stored records point at this one, per record type."""
    counts: dict[str, int] = {}
    with store.engine.connect() as conn:
        for (source, name), target in REFERENCES.items():
            if target is not record_type:
                continue
            table = TABLES[source]
            n = conn.execute(
                sa.select(sa.func.count()).select_from(table).where(table.c[name] == record_id)
            ).scalar_one()
            if n:
                counts[source.entity] = counts.get(source.entity, 0) + int(n)
    return counts


def delete(
    store: Store,
    record_type: type[Record],
    record_id: str,
    actor: Actor,
    *,
    cascade: Sequence[type[Record]] = (),
) -> None:
    """Delete a record nothing else refers to (records of ``cascade`` types go with it)."""
    get(store, record_type, record_id, actor)
    blocking = {
        entity: n
        for entity, n in referrers(store, record_type, record_id).items()
        if entity not in {t.entity for t in cascade}
    }
    if blocking:
        listed = ", ".join(f"{n} {entity}" for entity, n in sorted(blocking.items()))
        raise Conflict(
            f"{label(record_type)} {record_id} is still referred to by {listed}; "
            "delete or change those first"
        )
    with store.transaction() as conn:
        for dependent in cascade:
            field_names = [
                n for (s, n), t in REFERENCES.items() if s is dependent and t is record_type
            ]
            for name in field_names:
                table = TABLES[dependent]
                ids = list(
                    conn.execute(sa.select(table.c.id).where(table.c[name] == record_id)).scalars()
                )
                if ids:
                    store.delete(dependent, ids, actor=actor.username, conn=conn)
        store.delete(record_type, [record_id], actor=actor.username, conn=conn)


def candidate_names(store: Store, municipality: str | None) -> dict[str, str]:
    """Every named candidate's name by id, for staff screens (never a model input)."""
    table = TABLES[Candidate]
    query = sa.select(table.c.id, table.c.name).where(table.c.name != "")
    if municipality is not None:
        query = query.where(table.c.municipality == municipality)
    with store.engine.connect() as conn:
        return {row.id: row.name for row in conn.execute(query)}


def delete_work_need(store: Store, work_need_id: str, actor: Actor) -> None:
    """Delete a work need nothing refers to; its ranking overrides go with it."""
    municipality = scope(store, actor, WorkNeed, work_need_id)
    delete(store, WorkNeed, work_need_id, actor)
    delete_overrides(store, work_need_id=work_need_id, municipality=municipality)
