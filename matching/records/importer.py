"""Import a CSV folder into the store, all or nothing; export the store as a folder."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from matching.privacy.erasure import erased_ids
from matching.records.consistency import Problem, candidate_problems, history_problems
from matching.records.csv_io import (
    CsvError,
    FolderContents,
    RowIndex,
    file_name,
    iter_records,
    read_folder,
    write_folder,
)
from matching.records.schemas import RECORD_TYPES, Candidate, Employer, Record
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

    Candidates and employers, the large files that refer to nothing else,
    are checked row by row and read again to be written in batches, so
    memory does not grow with their number.
    """
    from matching.shortlists.occupations import load_occupations

    directory = Path(directory)
    occupations = load_occupations()
    problems: list[Problem] = []

    def candidate(line: int, record: Record) -> None:
        assert isinstance(record, Candidate)
        problems.extend(candidate_problems(record, line, occupations.__contains__))

    contents = read_folder(
        directory,
        known=store.municipality_of,
        stream={Candidate: candidate, Employer: lambda _line, _record: None},
    )
    erased = erased_ids(store)
    if len(erased):
        # an old export must not bring back a person who was erased
        for record_type, record_id in contents.lines:
            if record_type is Candidate and record_id in erased:
                contents.errors.append(
                    CsvError(file_name(Candidate), contents.lines[(Candidate, record_id)], "id",
                             f"Candidate {record_id} was erased; remove the row",
                             f"kandidaat {record_id} is gewist; haal de regel weg")
                )
        for record_type, records in contents.records.items():
            for record in records:
                cid = getattr(record, "candidate_id", None)
                if cid is not None and cid in erased:
                    contents.errors.append(
                        CsvError(file_name(record_type), contents.lines[(record_type, record.id)],
                                 "candidate_id", f"{record_type.__name__} {record.id} refers to "
                                 f"candidate {cid}, who was erased; remove the rows",
                                 f"verwijst naar kandidaat {cid}, die is gewist; haal de regels weg")
                    )
    warnings: list[CsvError] = []
    if contents.ok:  # the rows agree with each other (only worth asking of valid rows)
        problems += history_problems(
            contents.records, contents.lines, store, occupations=occupations.__contains__
        )
        for p in sorted(problems):
            problem = CsvError(p.file, p.line, p.column, p.reason, p.dutch)
            (warnings if p.warning and not strict else contents.errors).append(problem)
    if not contents.ok:
        raise ImportRejected(sorted(contents.errors))
    contents.lines = RowIndex()  # checked: the write finds duplicates with its own index
    written = _write(store, directory, contents, actor)
    logger.info("imported %s from %s (%d warnings)", contents.count(), directory, len(warnings))
    return ImportReport(read=contents.count(), written=written, warnings=tuple(warnings))


#: Streamed records written per batch (memory per batch, not per file).
WRITE_BATCH = 2000


def _write(store: Store, directory: Path, contents: FolderContents, actor: str) -> WriteSummary:
    """Everything in one transaction, in dependency order; streamed types read again in batches."""
    summaries: list[WriteSummary] = []
    with store.transaction() as conn:
        for record_type in RECORD_TYPES:
            if record_type in contents.streamed:
                errors: list[CsvError] = []
                batch: list[Record] = []
                path = directory / file_name(record_type)
                for _, record in iter_records(record_type, path, errors, max_bytes=None):
                    batch.append(record)
                    if len(batch) >= WRITE_BATCH:
                        summaries.append(store.upsert(batch, actor=actor, conn=conn))
                        batch = []
                if errors:  # the file changed since it was checked: write nothing
                    raise ImportRejected(errors)
                if batch:
                    summaries.append(store.upsert(batch, actor=actor, conn=conn))
            elif contents.records.get(record_type):
                summaries.append(store.upsert(contents.records[record_type], actor=actor, conn=conn))
    total = WriteSummary({}, {}, {})
    for summary in summaries:
        for mine, theirs in (
            (total.inserted, summary.inserted),
            (total.updated, summary.updated),
            (total.unchanged, summary.unchanged),
        ):
            for entity, n in theirs.items():
                mine[entity] = mine.get(entity, 0) + n
    return total


def export_folder(
    store: Store, directory: Path | str, *, municipality: str | None = None
) -> dict[str, int]:
    """Write every record (of one municipality, if given) as an importable CSV folder."""
    return write_folder(
        directory, {t: store.list(t, municipality=municipality) for t in RECORD_TYPES}
    )
