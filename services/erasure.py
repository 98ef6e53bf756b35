"""Erase a candidate (right to be forgotten): from the database and everything beside it.

:func:`matching.privacy.erasure.erase_candidate` does the database part and,
before it commits, calls the *removers* made here: the vector index, the
embedding caches and the service's own caches. Only a pseudonymous tombstone
and audit entry remain. :func:`verify` searches every store for what is left.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Protocol
from urllib.parse import unquote, urlparse

from pydantic import BaseModel, Field

from matching.privacy.audit_writer import AuditWriter
from matching.privacy.erasure import erase_candidate, is_erased
from matching.privacy.verification import database_mentions, file_mentions
from matching.records.schemas import Candidate
from matching.shortlists.text_space import candidate_sentences, candidate_text
from services import record_models, records
from services.actor import Actor
from services.errors import NotFound
from services.runtime import Runtime

__all__ = ["Clearable", "ErasureOut", "Verification", "erase", "removers", "verify"]


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
) -> list[Callable[[Sequence[Candidate]], object]]:
    """Removal from the vector index, the embedding caches and the service's own caches,
    given every version of the candidate's record (the current one first)."""

    def vector_index(versions: Sequence[Candidate]) -> bool:
        return runtime.index.remove_candidate(versions[0].id)

    def embedding_cache(versions: Sequence[Candidate]) -> int:
        # every sentence any version held, and each whole profile (earlier releases embedded it)
        return runtime.space.forget(
            [text for v in versions for text in (candidate_text(v), *candidate_sentences(v))]
        )

    def service_caches(versions: Sequence[Candidate]) -> int:
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


class Verification(BaseModel):
    """Where a candidate's id can still be found, after an erasure (or before one).

    Not searched: the embedding cache, whose keys are hashes of texts, not
    ids; an erasure removes the texts of every version of the profile.
    """

    candidate_id: str
    erased: bool = Field(description="Whether the store holds a tombstone for this id.")
    found: dict[str, int] = Field(
        description="Where the id was found (database table.column, file, index) and how often."
    )
    database_files: list[str] = Field(description="SQLite files searched byte by byte.")
    artifact_folders: list[str] = Field(description="MLflow artifact folders searched.")
    artifacts_not_searched: list[str] = Field(
        description="MLflow artifact locations that could not be searched, and why."
    )

    @property
    def clean(self) -> bool:
        return not self.found


def verify(runtime: Runtime, candidate_id: str) -> Verification:
    """Search every store werkkans writes for ``candidate_id``.

    The database (every table; string columns equal to the id, JSON and text
    columns holding it as a JSON string), an SQLite database's files byte by
    byte (the write-ahead log included: short ids can match by chance
    there), the vector index, and the files of the MLflow artifact stores.
    """
    store = runtime.store
    found = {f"database {where}": n for where, n in database_mentions(store, candidate_id).items()}
    files = [p for p in store.files() if p.exists()]
    found.update({f"file {where}": n for where, n in file_mentions(files, candidate_id).items()})
    index = runtime.index.indexes.get("candidates")
    if index is not None and candidate_id in set(index.ids):
        found["vector index (candidates)"] = 1
    roots, unreachable = _artifact_roots(runtime.config.tracking_uri)
    for root in roots:
        paths = [p for p in root.rglob("*") if p.is_file()]
        found.update({f"file {where}": n for where, n in file_mentions(paths, candidate_id).items()})
    return Verification(
        candidate_id=candidate_id,
        erased=is_erased(store, candidate_id),
        found=found,
        database_files=[str(p) for p in files],
        artifact_folders=[str(r) for r in roots],
        artifacts_not_searched=unreachable,
    )


def _artifact_roots(tracking_uri: str) -> tuple[list[Path], list[str]]:
    """Local folders of the tracking store's experiments; what cannot be searched, and why."""
    try:
        import mlflow

        experiments = mlflow.MlflowClient(tracking_uri).search_experiments()
    except Exception as exc:  # noqa: BLE001 - any failure: say the artifacts were not searched
        return [], [f"{tracking_uri}: the tracking store could not be read ({type(exc).__name__})"]
    roots: list[Path] = []
    unreachable: list[str] = []
    for experiment in experiments:
        location = experiment.artifact_location or ""
        parsed = urlparse(location)
        if parsed.scheme in ("", "file"):
            path = Path(unquote(parsed.path if parsed.scheme else location))
            if path.is_dir() and path not in roots:
                roots.append(path)
        else:
            unreachable.append(f"{location}: not a local folder")
    return roots, unreachable
