"""CSV folder format: one file per record type, validated before anything is written.

A folder holds ``candidates.csv``, ``employers.csv``, ``work_needs.csv``,
``events.csv``, ``event_tables.csv``, ``invitations.csv``, ``meetings.csv``,
``outcomes.csv`` and ``checkins.csv`` (any subset). Columns are the record's
field names (see the README); list fields hold ``|``-separated codes, booleans
``true``/``false`` (``ja``/``nee`` and ``1``/``0`` are accepted), dates
``YYYY-MM-DD``, and an empty cell means "not given".

Reading never raises on bad data: every problem becomes a :class:`CsvError`
with file, line, column and reason, so a user sees all of them at once.
"""

from __future__ import annotations

import codecs
import csv
import os
import re
import tempfile
import types
import typing
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from matching.records.enums import validation_in_dutch
from matching.records.schemas import RECORD_TYPES, REFERENCES, Record

LIST_SEPARATOR = "|"
#: A cell a spreadsheet would run as a formula starts with one of these (OWASP, CSV injection).
_FORMULA = re.compile(r"^'*[=+\-@\t\r]")


def neutralise_formula(cell: str) -> str:
    """A text cell as it may go to a spreadsheet: one ``'`` before anything it would run.

    Also before a cell that already starts with ``'`` and then such a
    character, so that :func:`restore_formula` gives back exactly what was
    written.

    >>> neutralise_formula("=1+2"), neutralise_formula("Zorg & welzijn")
    ("'=1+2", 'Zorg & welzijn')
    """
    return "'" + cell if _FORMULA.match(cell) else cell


def restore_formula(cell: str) -> str:
    """The inverse of :func:`neutralise_formula`, applied to every cell read."""
    return cell[1:] if cell.startswith("'") and _FORMULA.match(cell[1:]) else cell


_TRUE = {"true", "1", "ja", "yes", "j", "y"}
_FALSE = {"false", "0", "nee", "no", "n"}
#: Largest file of a record type that is held in memory while checked (streamed ones: no limit).
MAX_FILE_BYTES = 512 * 1024 * 1024


@dataclass(frozen=True, order=True)
class CsvError:
    """One problem in one cell (or row, or file) of an import folder."""

    file: str
    line: int  # 1-based physical line in the file; 0 for the whole file
    column: str
    reason: str
    dutch: str = field(default="", compare=False)  # the reason for staff; "" : as ``reason``

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        column = f" [{self.column}]" if self.column else ""
        return f"{where}{column}: {self.reason}"


class RowIndex(Mapping[tuple[type[Record], str], int]):
    """The line and municipality of every row read, by (record type, id).

    A mapping from ``(record_type, id)`` to the row's line, compact enough to
    hold a million rows in about 130 MB: one dict per record type from id to
    one integer packing the line and the municipality's number.

    Examples
    --------
    >>> rows = RowIndex()
    >>> rows.add(Record, "c1", 2, "GM0855") is None
    True
    >>> rows.add(Record, "c1", 7, "GM0855"), rows[(Record, "c1")], rows.municipality(Record, "c1")
    (2, 2, 'GM0855')
    """

    _BITS = 12  # up to 4,096 municipalities in one folder

    def __init__(self) -> None:
        self._rows: dict[type[Record], dict[str, int]] = {}
        self._names: list[str] = []
        self._codes: dict[str, int] = {}

    def add(self, record_type: type[Record], record_id: str, line: int, municipality: str) -> int | None:
        """Register a row; the first row's line instead when the id was read before."""
        rows = self._rows.setdefault(record_type, {})
        packed = rows.get(record_id)
        if packed is not None:
            return packed >> self._BITS
        code = self._codes.get(municipality)
        if code is None:
            if len(self._names) >= 1 << self._BITS:
                raise ValueError(f"more than {1 << self._BITS} municipalities in one import")
            code = self._codes[municipality] = len(self._names)
            self._names.append(municipality)
        rows[record_id] = (line << self._BITS) | code
        return None

    def municipality(self, record_type: type[Record], record_id: str) -> str | None:
        """The municipality of a row read, or None when no such row was read."""
        packed = self._rows.get(record_type, {}).get(record_id)
        return None if packed is None else self._names[packed & ((1 << self._BITS) - 1)]

    def __getitem__(self, key: tuple[type[Record], str]) -> int:
        return self._rows.get(key[0], {})[key[1]] >> self._BITS

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, tuple) or len(key) != 2:
            return False
        return key[1] in self._rows.get(key[0], {})

    def __iter__(self) -> Iterator[tuple[type[Record], str]]:
        for record_type, rows in self._rows.items():
            for record_id in rows:
                yield record_type, record_id

    def __len__(self) -> int:
        return sum(len(rows) for rows in self._rows.values())


@dataclass
class FolderContents:
    """Records read from a folder, in dependency order, plus every error found."""

    records: dict[type[Record], list[Record]] = field(default_factory=dict)
    errors: list[CsvError] = field(default_factory=list)
    #: the line (and municipality) of every record read, by (type, id)
    lines: RowIndex = field(default_factory=RowIndex)
    #: record types read but not kept in ``records`` (see ``read_folder``'s ``stream``)
    streamed: dict[type[Record], int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def count(self) -> dict[str, int]:
        """Records read per type, in dependency order (streamed types included)."""
        return {
            t.entity: len(self.records[t]) if t in self.records else self.streamed[t]
            for t in RECORD_TYPES
            if t in self.records or t in self.streamed
        }


def file_name(record_type: type[Record]) -> str:
    return f"{record_type.entity}.csv"


def _is_list_field(record_type: type[Record], name: str) -> bool:
    annotation = record_type.model_fields[name].annotation
    return typing.get_origin(annotation) is list


def _is_bool_field(record_type: type[Record], name: str) -> bool:
    annotation = record_type.model_fields[name].annotation
    return annotation is bool or (
        typing.get_origin(annotation) in (typing.Union, types.UnionType)
        and bool in typing.get_args(annotation)
    )


def _cell_to_value(record_type: type[Record], name: str, raw: str) -> object:
    """Turn one CSV cell into the value pydantic validates (raises ValueError)."""
    text = restore_formula(raw).strip()
    if _is_list_field(record_type, name):
        return [part.strip() for part in text.split(LIST_SEPARATOR) if part.strip()]
    if _is_bool_field(record_type, name):
        low = text.lower()
        if low in _TRUE:
            return True
        if low in _FALSE:
            return False
        raise ValueError(f"expected true/false (or ja/nee), got {raw!r}")
    return text


def value_to_cell(value: object) -> str:
    """Inverse of reading: one field value as its CSV text."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, (list, tuple, set, frozenset)):
        return LIST_SEPARATOR.join(value_to_cell(v) for v in value)
    if isinstance(value, float):
        return repr(value)
    return str(value)


def _export_cell(value: object) -> str:
    cell = value_to_cell(value)
    # numbers stay numbers (a negative one is no formula); text is neutralised
    return cell if isinstance(value, int | float) else neutralise_formula(cell)


def _utf8_ok(path: Path, errors: list[CsvError], max_bytes: int | None) -> bool:
    """Whether the file is UTF-8 and not larger than ``max_bytes``, read a megabyte at a time."""
    if max_bytes is not None and path.stat().st_size > max_bytes:
        errors.append(CsvError(path.name, 0, "", f"file is larger than {max_bytes} bytes",
                               f"bestand is groter dan {max_bytes} bytes"))
        return False
    decoder = codecs.getincrementaldecoder("utf-8")()
    newlines = 0
    with open(path, "rb") as handle:
        while True:
            chunk = handle.read(1 << 20)
            try:  # the error's object holds a character cut by the previous chunk, never a newline
                decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError as exc:
                data = exc.object
                line = newlines + data.count(b"\n", 0, exc.start) + 1
                errors.append(
                    CsvError(
                        path.name,
                        line,
                        "",
                        f"not valid UTF-8 (byte 0x{data[exc.start]:02x}); save the file as UTF-8",
                        f"geen geldige UTF-8 (byte 0x{data[exc.start]:02x}); sla het bestand op "
                        "als UTF-8",
                    )
                )
                return False
            if not chunk:
                return True
            newlines += chunk.count(b"\n")


def read_records(
    record_type: type[Record],
    path: Path,
    errors: list[CsvError],
    rejected: dict[str, int] | None = None,
) -> list[tuple[int, Record]]:
    """Read one CSV file into validated records with their line numbers.

    Every problem is appended to ``errors``; bad rows are left out, and their
    ids (where readable) go into ``rejected`` with their line.
    """
    return list(iter_records(record_type, path, errors, rejected))


def iter_records(
    record_type: type[Record],
    path: Path,
    errors: list[CsvError],
    rejected: dict[str, int] | None = None,
    rows: RowIndex | None = None,
    max_bytes: int | None = MAX_FILE_BYTES,
) -> Iterator[tuple[int, Record]]:
    """:func:`read_records` one row at a time.

    Duplicate ids are found through ``rows`` (a fresh :class:`RowIndex` if
    not given), which is the only thing that grows with the file. A caller
    that keeps no records passes ``max_bytes=None``.
    """
    if not _utf8_ok(path, errors, max_bytes):
        return
    with open(path, encoding="utf-8-sig", newline="") as handle:
        yield from _records(
            record_type, path, csv.reader(handle), errors, rejected, RowIndex() if rows is None else rows
        )


def _records(
    record_type: type[Record],
    path: Path,
    reader: Any,
    errors: list[CsvError],
    rejected: dict[str, int] | None,
    rows: RowIndex,
) -> Iterator[tuple[int, Record]]:
    try:
        header = next(reader)
    except StopIteration:
        errors.append(CsvError(path.name, 0, "", "file is empty: a header row is needed",
                               "bestand is leeg: een kopregel is nodig"))
        return
    except csv.Error as exc:
        errors.append(CsvError(path.name, 1, "", f"unreadable CSV: {exc}", f"onleesbare CSV: {exc}"))
        return
    header = [h.strip() for h in header]
    fields = record_type.model_fields
    header_ok = True
    for name in header:
        if name not in fields:
            errors.append(CsvError(path.name, 1, name, "unknown column", "onbekende kolom"))
            header_ok = False
    seen_columns: set[str] = set()
    for name in header:
        if name in seen_columns:
            errors.append(CsvError(path.name, 1, name, "column appears twice", "kolom staat er twee keer"))
            header_ok = False
        seen_columns.add(name)
    for name, info in fields.items():
        if info.is_required() and name not in header:
            errors.append(CsvError(path.name, 1, name, "required column is missing",
                                   "verplichte kolom ontbreekt"))
            header_ok = False
    if not header_ok:
        return

    line = reader.line_num + 1
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            errors.append(CsvError(path.name, line, "", f"unreadable CSV: {exc}", f"onleesbare CSV: {exc}"))
            break
        start, line = line, reader.line_num + 1
        if not any(c.strip() for c in cells):
            continue
        if len(cells) != len(header):
            errors.append(
                CsvError(
                    path.name, start, "", f"row has {len(cells)} cells, the header has {len(header)}",
                    f"regel heeft {len(cells)} cellen, de kopregel {len(header)}",
                )
            )
            continue
        values: dict[str, object] = {}
        row_ok = True
        raw_id = restore_formula(cells[header.index("id")]).strip() if "id" in header else ""
        for name, raw in zip(header, cells, strict=False):
            if raw.strip() == "" and not _is_list_field(record_type, name):
                continue  # not given: the field's default applies, or "missing" if required
            try:
                values[name] = _cell_to_value(record_type, name, raw)
            except ValueError as exc:
                errors.append(CsvError(path.name, start, name, str(exc),
                                       f"verwacht ja of nee (true/false), niet {raw!r}"))
                row_ok = False
        if not row_ok:
            if rejected is not None and raw_id:
                rejected.setdefault(raw_id, start)
            continue
        try:
            record = record_type.model_validate(values)
        except ValidationError as exc:
            for problem in exc.errors():
                column = ".".join(str(p) for p in problem["loc"] if not isinstance(p, int))
                reason = problem["msg"]
                if problem["type"] == "missing":
                    reason = "required value is missing"
                errors.append(CsvError(path.name, start, column, reason,
                                       validation_in_dutch(problem) or ""))
            if rejected is not None and raw_id:
                rejected.setdefault(raw_id, start)
            continue
        first = rows.add(record_type, record.id, start, record.municipality)
        if first is not None:
            errors.append(
                CsvError(path.name, start, "id", f"duplicate id {record.id!r} (first on line {first})",
                         f"kenmerk {record.id} staat er twee keer (eerst op regel {first})")
            )
            continue
        yield start, record


def read_folder(
    directory: Path | str,
    *,
    known: Callable[[type[Record], str], str | None] | None = None,
    stream: Mapping[type[Record], Callable[[int, Record], None]] | None = None,
) -> FolderContents:
    """Read and validate a whole folder, references included.

    Parameters
    ----------
    directory
        Folder with one CSV file per record type.
    known
        Looks up a record outside the folder (normally in the store):
        ``known(record_type, id)`` returns its municipality, or None when absent.
    stream
        Record types (that refer to no other record) to check without keeping
        them: each valid record goes to its callable with its line, and only
        its id, line and municipality stay, so memory does not grow with a
        large file of them. The caller reads them again to write them.
    """
    directory = Path(directory)
    contents = FolderContents()
    if not directory.is_dir():
        contents.errors.append(CsvError(str(directory), 0, "", "folder does not exist",
                                        "map bestaat niet"))
        return contents
    expected = {file_name(t) for t in RECORD_TYPES}
    present = sorted(p.name for p in directory.glob("*.csv"))
    for name in present:
        if name not in expected:
            contents.errors.append(
                CsvError(name, 0, "", f"unknown file; expected one of {', '.join(sorted(expected))}",
                         f"onbekend bestand; verwacht: {', '.join(sorted(expected))}")
            )
    if not any(name in expected for name in present):
        contents.errors.append(CsvError(str(directory), 0, "", "no werkkans CSV files in folder",
                                        "geen CSV-bestanden van werkkans in de map"))
        return contents

    lines = contents.lines
    rejected: dict[type[Record], dict[str, int]] = {}
    stream = stream or {}
    if any(t is source for t in stream for source, _ in REFERENCES):  # pragma: no cover
        raise ValueError("only record types that refer to no other record can be streamed")
    for record_type in RECORD_TYPES:
        path = directory / file_name(record_type)
        if not path.exists():
            continue
        visit = stream.get(record_type)
        kept: list[Record] = []
        count = 0
        for line, record in iter_records(
            record_type, path, contents.errors, rejected.setdefault(record_type, {}), lines,
            max_bytes=MAX_FILE_BYTES if visit is None else None,
        ):
            count += 1
            if visit is None:
                kept.append(record)
            else:
                visit(line, record)
        if visit is None:
            contents.records[record_type] = kept
        else:
            contents.streamed[record_type] = count

    if known is not None:  # a record never moves to another municipality by an import
        for record_type, record_id in lines:
            where = known(record_type, record_id)
            municipality = lines.municipality(record_type, record_id)
            if where is not None and where != municipality:
                contents.errors.append(
                    CsvError(
                        file_name(record_type),
                        lines[(record_type, record_id)],
                        "id",
                        f"{record_type.__name__} {record_id!r} belongs to municipality "
                        f"{where} in the store, not {municipality}: records do not "
                        "move between municipalities (give ids a municipality prefix)",
                        f"{record_type.dutch_name} {record_id} hoort in de database bij gemeente "
                        f"{where}, niet bij {municipality}: gegevens verhuizen niet tussen gemeenten "
                        "(geef kenmerken een gemeentevoorvoegsel)",
                    )
                )
    dependants: dict[tuple[type[Record], str], int] = {}
    for (record_type, field_name), target in REFERENCES.items():
        for record in contents.records.get(record_type, []):
            ref = getattr(record, field_name)
            if ref is None:
                continue
            where = lines.municipality(target, ref)
            if where is None and known is not None:
                where = known(target, ref)
            line = lines[(record_type, record.id)]
            if where is None and ref in rejected.get(target, {}):
                # its own row was refused above: that is the one problem to report
                dependants[(target, ref)] = dependants.get((target, ref), 0) + 1
            elif where is None:
                contents.errors.append(
                    CsvError(
                        file_name(record_type),
                        line,
                        field_name,
                        f"{record_type.__name__} {record.id} refers to unknown "
                        f"{target.__name__} {ref!r} (not in {file_name(target)} nor in the store)",
                        f"verwijst naar onbekende {target.dutch_name} {ref} (niet in "
                        f"{file_name(target)} en niet in de database)",
                    )
                )
            elif where != record.municipality:
                contents.errors.append(
                    CsvError(
                        file_name(record_type),
                        line,
                        field_name,
                        f"{target.__name__} {ref!r} belongs to municipality {where}, "
                        f"not {record.municipality}",
                        f"{target.dutch_name} {ref} hoort bij gemeente {where}, niet bij "
                        f"{record.municipality}",
                    )
                )
    for (target, ref), count in sorted(dependants.items(), key=lambda kv: (kv[0][0].__name__, kv[0][1])):
        contents.errors.append(
            CsvError(
                file_name(target),
                rejected[target][ref],
                "id",
                f"{count} row(s) in other files refer to {target.__name__} {ref!r}, whose row "
                "above was refused; they are checked again once it is fixed",
                f"{count} regel(s) in andere bestanden verwijzen naar {target.dutch_name} {ref}, "
                "waarvan de regel hierboven is geweigerd; ze worden opnieuw gecontroleerd als die "
                "is verbeterd",
            )
        )
    contents.errors.sort()
    return contents


def write_records(path: Path, record_type: type[Record], records: Iterable[Record]) -> int:
    """Write one CSV file atomically (temp file, then rename); returns the row count."""
    columns = list(record_type.model_fields)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", dir=path.parent)
    count = 0
    try:
        with os.fdopen(fd, "w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle, lineterminator="\n")
            writer.writerow(columns)
            for record in records:
                writer.writerow([_export_cell(getattr(record, c)) for c in columns])
                count += 1
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return count


def write_folder(
    directory: Path | str, records: Mapping[type[Record], Iterable[Record]]
) -> dict[str, int]:
    """Write records as a CSV folder, one file per record type given."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    return {
        record_type.entity: write_records(directory / file_name(record_type), record_type, rows)
        for record_type, rows in records.items()
    }
