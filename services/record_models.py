"""The request and response models of records, derived from the domain records.

A field is declared once, in :mod:`matching.records.schemas`; the bodies the
API accepts (:func:`input_model`, :func:`patch_model`) and the candidate as a
user may see them (:data:`CandidateOut`, :func:`candidate_view`) are built
from it here. :mod:`services.records` reads and writes the records.
"""

from __future__ import annotations

import functools
from typing import Annotated, Any, Generic, TypeVar, cast

from pydantic import BaseModel, ConfigDict, Field, create_model

from matching.records.enums import Demand
from matching.records.schemas import RECORD_TYPES, Candidate, FreeText, MunicipalityCode, Record
from services.actor import Actor

__all__ = [
    "HEALTH_FIELDS",
    "CandidateOut",
    "ChangeOut",
    "Page",
    "candidate_view",
    "input_model",
    "label",
    "patch_model",
    "redact_row",
]

T = TypeVar("T")
R = TypeVar("R", bound=Record)

#: Candidate fields about health and limits, shown only to users who may see them.
HEALTH_FIELDS: tuple[str, ...] = ("limits", "help_needed")


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


def label(record_type: type[Record]) -> str:
    """What a record type is called in messages (``"work need"``, ``"table"``)."""
    return {"WorkNeed": "work need", "EventTable": "table", "TableMeeting": "meeting"}.get(
        record_type.__name__, record_type.__name__.lower()
    )


#: What a kind (as the use cases name it, see :func:`label`) is called for staff: every record
#: type's own Dutch name, and the kinds that are not records.
KIND_LABELS = {label(t): t.dutch_name for t in RECORD_TYPES} | {
    "override": "aanpassing",
    "version": "versie",
}


@functools.cache
def input_model(record_type: type[R]) -> type[R]:
    """The record as a request body: ``municipality`` may be left out (it is the user's)."""
    model: type[R] = create_model(
        f"{record_type.__name__}In",
        __base__=record_type,
        __doc__=f"A {label(record_type)} to store; municipality defaults to your own.",
        municipality=(MunicipalityCode | None, None),
    )
    return model


@functools.cache
def patch_model(record_type: type[Record]) -> type[BaseModel]:
    """Every field optional: the fields to change (``id`` and ``municipality`` cannot)."""
    # a field the record requires may be left out but not set to null; its constraints stay
    fields: dict[str, Any] = {
        name: (
            Annotated[cast(Any, info.annotation), *info.metadata] if info.metadata else info.annotation,
            Field(None, description=info.description),
        )
        for name, info in record_type.model_fields.items()
        if name not in ("id", "municipality")
    }
    return create_model(
        f"{record_type.__name__}Patch",
        __config__=ConfigDict(extra="forbid"),
        __doc__=f"Fields of a {label(record_type)} to change; leave out what stays the same.",
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


def candidate_view(candidate: Candidate, actor: Actor) -> Candidate:
    """The candidate as ``actor`` may see them: health fields null unless they may see those."""
    values = candidate.model_dump()
    hidden: list[str] = []
    if not actor.sees_health:
        for name in HEALTH_FIELDS:
            values[name] = None
            hidden.append(name)
    return CandidateOut.model_validate(
        {**values, "profile_completeness_score": candidate.profile_completeness, "redacted": hidden}
    )


def redact_row(row: dict[str, Any] | None, actor: Actor) -> dict[str, Any] | None:
    """A stored candidate row with health fields removed for users who may not see them."""
    if row is None or actor.sees_health:
        return row
    return {k: (None if k in HEALTH_FIELDS else v) for k, v in row.items()}
