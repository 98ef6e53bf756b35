"""Bring records in and out as a CSV folder, and keep the retrieval index in step with them.

An import is all or nothing (:func:`matching.records.importer.import_folder`):
every problem is reported as file, line, column and reason, and one bad cell
writes nothing. New and changed texts are then embedded into the index.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from matching.records.importer import ImportReport, export_folder, import_folder
from matching.records.storage import Store

if TYPE_CHECKING:  # the index's text stack is heavy: an import without it must not load it
    from matching.shortlists.retrieval import ConsistencyReport, RetrievalIndex, SyncReport

__all__ = ["Imported", "check_index", "export_records", "import_records", "sync_index"]

#: Called with the kind of record embedded ("candidates", "work_needs"), done and total.
EmbedProgress = Callable[[str, int, int], None]


@dataclass(frozen=True)
class Imported:
    """What an import read and wrote, and what it changed in the index (None: not updated)."""

    report: ImportReport
    index: SyncReport | None


def import_records(
    store: Store,
    folder: Path,
    *,
    index: RetrievalIndex | None = None,
    progress: EmbedProgress | None = None,
    strict: bool = False,
) -> Imported:
    """Import a CSV folder; with an ``index``, embed new and changed texts into it.

    Raises :class:`~matching.records.importer.ImportRejected` listing every
    problem (with ``strict``, the warnings too); nothing is written then.
    """
    report = import_folder(store, folder, strict=strict)
    changes = sync_index(store, index, progress=progress) if index is not None else None
    return Imported(report, changes)


def export_records(store: Store, folder: Path, *, municipality: str | None = None) -> dict[str, int]:
    """Write the store (one municipality's records, if given) as an importable CSV folder."""
    return export_folder(store, folder, municipality=municipality)


def sync_index(
    store: Store,
    index: RetrievalIndex,
    *,
    rebuild: bool = False,
    progress: EmbedProgress | None = None,
) -> SyncReport:
    """Bring the index in line with the store (only changed texts are embedded), or build
    it again from the store with ``rebuild`` (unchanged texts come from the cache)."""
    run = index.rebuild if rebuild else index.sync
    return run(store, progress=progress)


def check_index(store: Store, index: RetrievalIndex) -> dict[str, ConsistencyReport]:
    """Compare the index with the store without changing anything, per kind of record."""
    return index.check(store)
