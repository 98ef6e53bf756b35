"""The service behind the record routers (candidates, employers, work needs, events).

Search with pagination, get, create, replace, patch and delete of stored
domain records, always inside the caller's municipality, always validated by
the domain record itself and written with the user as actor (the store keeps
the history). Routes stay thin: they parse the request and call these.
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from typing import Any, Generic, TypeVar

import sqlalchemy as sa
from fastapi import HTTPException, status
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, ConfigDict, Field, ValidationError, create_model

from api.auth import HEALTH_FIELDS, User
from matching.privacy.erasure import is_erased
from matching.records.enums import Demand
from matching.records.schemas import REFERENCES, Candidate, FreeText, MunicipalityCode, Record
from matching.records.storage import TABLES, Store

T = TypeVar("T")
R = TypeVar("R", bound=Record)

MAX_LIMIT = 500


class Page(BaseModel, Generic[T]):
    """One page of a list: the items, how many match in total, and the window."""

    items: list[T]
    total: int = Field(description="Number of matching records (all pages).")
    limit: int
    offset: int


class ChangeOut(BaseModel):
    """One change of a record as kept by the store."""

    action: str = Field(description="insert, update or delete")
    actor: str
    changed_at: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


def _label(record_type: type[Record]) -> str:
    return {"WorkNeed": "work need", "EventTable": "table", "TableMeeting": "meeting"}.get(
        record_type.__name__, record_type.__name__.lower()
    )


# ---- request and response models derived from the domain records ----------------------------


@functools.cache
def input_model(record_type: type[R]) -> type[R]:
    """The record as a request body: ``municipality`` may be left out (it is the user's)."""
    return create_model(
        f"{record_type.__name__}In",
        __base__=record_type,
        __doc__=f"A {_label(record_type)} to store; municipality defaults to your own.",
        municipality=(MunicipalityCode | None, None),
    )


@functools.cache
def patch_model(record_type: type[Record]) -> type[BaseModel]:
    """Every field optional: the fields to change (``id`` and ``municipality`` cannot)."""
    fields: dict[str, Any] = {
        name: (info.annotation | None, Field(None, description=info.description))
        for name, info in record_type.model_fields.items()
        if name not in ("id", "municipality")
    }
    return create_model(
        f"{record_type.__name__}Patch",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"Fields of a {_label(record_type)} to change; leave out what stays the same.",
        **fields,
    )


CandidateOut = create_model(
    "CandidateOut",
    __base__=Candidate,
    __doc__="A candidate as shown to a user: health fields are null unless their role may "
    "see them.",
    limits=(list[Demand] | None, None),
    help_needed=(FreeText | None, None),
    profile_completeness_score=(
        float,
        Field(description="Share of matching-relevant profile fields that are filled (0-1)."),
    ),
    redacted=(
        list[str],
        Field(default_factory=list, description="Fields hidden from your role (shown as null)."),
    ),
)


def candidate_view(candidate: Candidate, user: User) -> Candidate:
    values = candidate.model_dump()
    hidden: list[str] = []
    if not user.sees_health:
        for name in HEALTH_FIELDS:
            values[name] = None
            hidden.append(name)
    return CandidateOut(
        **values, profile_completeness_score=candidate.profile_completeness, redacted=hidden
    )


def redact_row(row: dict[str, Any] | None, user: User) -> dict[str, Any] | None:
    """A stored candidate row with health fields removed for users who may not see them."""
    if row is None or user.sees_health:
        return row
    return {k: (None if k in HEALTH_FIELDS else v) for k, v in row.items()}


# ---- errors ---------------------------------------------------------------------------------


def not_found(record_type: type[Record], record_id: str) -> HTTPException:
    return HTTPException(status.HTTP_404_NOT_FOUND, f"{_label(record_type)} {record_id} not found")


def invalid(field: str, message: str, *, where: str = "body") -> RequestValidationError:
    return RequestValidationError([{"loc": (where, field), "msg": message, "type": "value_error"}])


def _from_validation(exc: ValidationError) -> RequestValidationError:
    issues = []
    for error in exc.errors(include_url=False, include_input=False):
        issues.append(
            {
                "loc": ("body", *error.get("loc", ())),
                "msg": str(error.get("msg", "")).removeprefix("Value error, "),
                "type": error.get("type", "value_error"),
            }
        )
    return RequestValidationError(issues)


# ---- reading --------------------------------------------------------------------------------


def get_or_404(store: Store, record_type: type[R], record_id: str, user: User) -> R:
    found = store.get(record_type, record_id, municipality=user.municipality)
    if found is None:
        raise not_found(record_type, record_id)
    return found


def _escape_like(term: str) -> str:
    return term.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def search(
    store: Store,
    record_type: type[R],
    *,
    municipality: str,
    q: str | None = None,
    search_fields: Sequence[str] = (),
    filters: dict[str, object] | None = None,
    limit: int = 50,
    offset: int = 0,
) -> tuple[list[R], int]:
    """Records of one municipality matching every word of ``q`` and every filter.

    Each word of ``q`` must occur (case-insensitively) in at least one of
    ``search_fields``; filters compare for equality. Ordered by id.
    """
    table = TABLES[record_type]
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


def history(store: Store, record_type: type[Record], record_id: str, user: User) -> list[ChangeOut]:
    get_or_404(store, record_type, record_id, user)
    redact = record_type is Candidate
    return [
        ChangeOut(
            action=row["action"],
            actor=row["actor"],
            changed_at=row["changed_at"].isoformat() if row["changed_at"] else "",
            before=redact_row(row["before"], user) if redact else row["before"],
            after=redact_row(row["after"], user) if redact else row["after"],
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
            raise invalid(name, f"{_label(target)} {value} not found")


def check_ids(
    store: Store, record_type: type[Record], values: dict[str, Any], municipality: str
) -> None:
    """Ids in ``values`` that point at other records must exist in ``municipality`` (else 422).

    Checked here, before the domain functions, so that a record of another
    municipality reads as "not found" rather than naming where it lives.
    """
    for (source, name), target in REFERENCES.items():
        if source is record_type and values.get(name) is not None:
            if store.get(target, values[name], municipality=municipality) is None:
                raise invalid(name, f"{_label(target)} {values[name]} not found")


def build(record_type: type[R], values: dict[str, Any]) -> R:
    """The domain record from plain values; its own validation gives the 422 messages."""
    try:
        return record_type.model_validate(values)
    except ValidationError as exc:
        raise _from_validation(exc) from None


def _own_values(body: BaseModel, user: User) -> dict[str, Any]:
    values = body.model_dump()
    given = values.get("municipality")
    if given is not None and given != user.municipality:
        raise invalid(
            "municipality", f"you can only store records of your municipality {user.municipality}"
        )
    values["municipality"] = user.municipality
    return values


def create(store: Store, record_type: type[R], body: BaseModel, user: User) -> R:
    record = build(record_type, _own_values(body, user))
    if store.municipality_of(record_type, record.id) is not None:
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"{_label(record_type)} id {record.id} is already in use"
        )
    if record_type is Candidate and is_erased(store, record.id):
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"candidate id {record.id} belonged to an erased candidate and cannot be used again",
        )
    _check_references(store, record)
    store.upsert([record], actor=user.username)
    return record


def replace(store: Store, record_type: type[R], record_id: str, body: BaseModel, user: User) -> R:
    get_or_404(store, record_type, record_id, user)
    values = _own_values(body, user)
    if values.get("id") != record_id:
        raise invalid(
            "id", f"id in the body ({values.get('id')}) differs from the path ({record_id})"
        )
    record = build(record_type, values)
    _check_references(store, record)
    store.upsert([record], actor=user.username)
    return record


def patch(store: Store, record_type: type[R], record_id: str, changes: BaseModel, user: User) -> R:
    current = get_or_404(store, record_type, record_id, user)
    given = changes.model_dump(exclude_unset=True)
    if record_type is Candidate and not user.sees_health:
        hidden = sorted(set(given) & set(HEALTH_FIELDS))
        if hidden:
            raise invalid(hidden[0], "your role may not change this field")
    record = build(record_type, {**current.model_dump(), **given})
    _check_references(store, record)
    store.upsert([record], actor=user.username)
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
    user: User,
    *,
    cascade: Sequence[type[Record]] = (),
) -> None:
    """Delete a record nothing else refers to (records of ``cascade`` types go with it)."""
    get_or_404(store, record_type, record_id, user)
    blocking = {
        entity: n
        for entity, n in referrers(store, record_type, record_id).items()
        if entity not in {t.entity for t in cascade}
    }
    if blocking:
        listed = ", ".join(f"{n} {entity}" for entity, n in sorted(blocking.items()))
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"{_label(record_type)} {record_id} is still referred to by {listed}; "
            "delete or change those first",
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
                    store.delete(dependent, ids, actor=user.username, conn=conn)
        store.delete(record_type, [record_id], actor=user.username, conn=conn)


# ---- shared pieces of the routers -----------------------------------------------------------

ID_PATTERN = r"^[A-Za-z0-9_.\-]{1,64}$"


class ErrorOut(BaseModel):
    """Every 4xx and 5xx answer except 422: a sentence saying what is wrong."""

    detail: str = Field(examples=["candidate C9 not found"])


def responses(*codes: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI descriptions of the error answers a route can give."""
    text = {
        400: "Malformed request",
        401: "Not logged in, or the token is expired or invalid",
        403: "Your role may not use this endpoint",
        404: "Not found (also when it belongs to another municipality)",
        409: "Conflicts with what is stored",
        413: "Request body too large",
        429: "Too many failed logins; try again after Retry-After seconds",
        503: "A model or service this endpoint needs is not available",
    }
    return {code: {"model": ErrorOut, "description": text[code]} for code in codes}


#: The answers every authenticated route can give (400: a body that cannot be decoded).
AUTH_ERRORS = responses(400, 401, 403)
