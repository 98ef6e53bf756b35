"""Erase a candidate (right to be forgotten): from the database and everything beside it.

:func:`matching.privacy.erasure.erase_candidate` does the database part and,
before it commits, calls the *removers* made here: the vector index, the
embedding caches and the service's own caches. Only a pseudonymous tombstone
and audit entry remain.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol

from pydantic import BaseModel, Field

from matching.privacy.audit_log import AuditWriter
from matching.privacy.erasure import erase_candidate
from matching.records.schemas import Candidate
from matching.shortlists.text_space import candidate_sentences, candidate_text
from services import record_models, records
from services.actor import Actor
from services.errors import NotFound
from services.runtime import Runtime

__all__ = ["Clearable", "ErasureOut", "erase", "removers"]


class Clearable(Protocol):
    def clear(self) -> None: ...


class ErasureOut(BaseModel):
    """What an erasure removed. Only a pseudonym of the candidate remains, in the audit log."""

    pseudonym: str = Field(description="HMAC-SHA256 of the candidate id; kept as a tombstone.")
    removed: dict[str, int] = Field(description="Records removed, per record type.")
    history_scrubbed: int = Field(description="History rows whose before/after were cleared.")
    audit_entries_scrubbed: int
    overrides_removed: int
    removers_called: list[str] = Field(
        description="Stores outside the database (index, caches) the candidate was removed from."
    )


def removers(
    runtime: Runtime, caches: Sequence[Clearable] = ()
) -> list[Callable[[Candidate], object]]:
    """Removal from the vector index, the embedding caches and the service's own caches."""

    def vector_index(candidate: Candidate) -> bool:
        return runtime.index.remove_candidate(candidate.id)

    def embedding_cache(candidate: Candidate) -> int:
        # every sentence they wrote, and the whole profile (embedded whole by earlier versions)
        return runtime.space.forget([candidate_text(candidate), *candidate_sentences(candidate)])

    def service_caches(candidate: Candidate) -> int:
        for cache in caches:
            cache.clear()  # cheap to refill; simpler than finding every entry naming them
        return len(caches)

    return [vector_index, embedding_cache, service_caches]


def erase(
    runtime: Runtime,
    writer: AuditWriter,
    actor: Actor,
    candidate_id: str,
    *,
    caches: Sequence[Clearable] = (),
) -> ErasureOut:
    """Remove the candidate and every record that refers to them, everywhere.

    Cannot be undone. :class:`NotFound` when there is no such candidate in the
    actor's municipality; if removing them from the index or a cache fails,
    nothing is erased and the error propagates.
    """
    store = runtime.store
    municipality = records.scope(store, actor, Candidate, candidate_id)
    writer.flush()  # entries about them still queued are written first, then scrubbed
    report = erase_candidate(
        store,
        candidate_id,
        municipality=municipality,
        actor=actor.username,
        role=actor.role,
        removers=removers(runtime, caches),
    )
    if report is None:
        raise NotFound(record_models.label(Candidate), candidate_id)
    return ErasureOut(**report.__dict__)
