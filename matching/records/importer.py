"""Import a CSV folder into the store, all or nothing; export the store as a folder."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from matching.privacy.erasure import erased_ids
from matching.records.consistency import history_problems
from matching.records.csv_io import CsvError, file_name, read_folder, write_folder
from matching.records.schemas import RECORD_TYPES, Candidate, Record
from matching.records.storage import Store, WriteSummary

logger = logging.getLogger(__name__)


class ImportRejected(ValueError):
    """The folder has errors; nothing was written."""

    def __init__(self, errors: list[CsvError]) -> None:
        self.errors = errors
        super().__init__(f"{len(errors)} problem(s) in the import folder; nothing was imported")


@dataclass(frozen=True)
class ImportReport:
    read: dict[str, int]
    written: WriteSummary
    #: inconsistencies that did not stop the import (see :mod:`matching.records.consistency`)
    warnings: tuple[CsvError, ...] = ()


def import_folder(
    store: Store, directory: Path | str, *, actor: str = "import", strict: bool = False
) -> ImportReport:
    """Validate a whole folder, then write it in one transaction.

    Raises :class:`ImportRejected` listing every bad file, row and field when
    anything is wrong; the store is then unchanged. Importing the same folder
    again changes nothing (records equal to the stored ones are skipped). A
    history that does not hang together is refused too; what only looks
    doubtful comes back as warnings, or refuses the import with ``strict``
    (:mod:`matching.records.consistency`).
    """
    contents = read_folder(directory, known=store.municipality_of)
    erased = erased_ids(store)
    if len(erased):
        # an old export must not bring back a person who was erased
        for record_type, records in contents.records.items():
            for record in records:
                cid = record.id if record_type is Candidate else getattr(record, "candidate_id", None)
                if cid is not None and cid in erased:
                    contents.errors.append(
                        CsvError(file_name(record_type), 0, "id" if record_type is Candidate else "candidate_id",
                                 f"{record_type.__name__} {record.id} refers to candidate {cid}, "
                                 "who was erased; remove the rows")
                    )
    warnings: list[CsvError] = []
    if contents.ok:  # the rows agree with each other (only worth asking of valid rows)
        from matching.shortlists.occupations import load_occupations

        known = load_occupations()
        for p in history_problems(
            contents.records, contents.lines, store, occupations=known.__contains__
        ):
            problem = CsvError(p.file, p.line, p.column, p.reason)
            (warnings if p.warning and not strict else contents.errors).append(problem)
    if not contents.ok:
        raise ImportRejected(sorted(contents.errors))
    valid: list[Record] = [r for t in RECORD_TYPES for r in contents.records.get(t, [])]
    written = store.upsert(valid, actor=actor)
    logger.info("imported %s from %s (%d warnings)", contents.count(), directory, len(warnings))
    return ImportReport(read=contents.count(), written=written, warnings=tuple(warnings))


def export_folder(
    store: Store, directory: Path | str, *, municipality: str | None = None
) -> dict[str, int]:
    """Write every record (of one municipality, if given) as an importable CSV folder."""
    return write_folder(
        directory, {t: store.list(t, municipality=municipality) for t in RECORD_TYPES}
    )
