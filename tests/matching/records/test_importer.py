from __future__ import annotations

from pathlib import Path

import pytest
from factories import PSEUDONYM_KEY, tiny_world

from matching.records.csv_io import write_folder
from matching.records.importer import ImportRejected, export_folder, import_folder
from matching.records.schemas import RECORD_TYPES
from matching.records.storage import Store


def _folder(directory: Path) -> Path:
    records = tiny_world()
    write_folder(directory, {t: [r for r in records if type(r) is t] for t in RECORD_TYPES})
    return directory


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}" if request.param == "sqlite" else request.getfixturevalue("fresh_postgres_url")
    s = Store(url, pseudonym_key=PSEUDONYM_KEY)
    yield s
    s.dispose()


def test_import_then_reimport_is_idempotent(store, tmp_path):
    folder = _folder(tmp_path / "in")
    first = import_folder(store, folder)
    assert first.read["candidates"] == 4 and first.written.inserted["work_needs"] == 3
    snapshot = store.snapshot()
    second = import_folder(store, folder)
    assert second.written.changed == 0
    assert store.snapshot() == snapshot


def test_error_in_last_row_of_last_file_leaves_store_unchanged(store, tmp_path):
    import_folder(store, _folder(tmp_path / "first"))
    before = store.snapshot()
    folder = _folder(tmp_path / "in")
    # change something valid everywhere, then break the last row of the last file
    cand = folder / "candidates.csv"
    cand.write_text(cand.read_text(encoding="utf-8").replace(",18,", ",24,"), encoding="utf-8")
    last = folder / "event_tables.csv"
    text = last.read_text(encoding="utf-8").rstrip("\n").split("\n")
    text[-1] = text[-1].rsplit(",", 1)[0] + ",0"  # zero seats
    last.write_text("\n".join(text) + "\n", encoding="utf-8")
    with pytest.raises(ImportRejected) as info:
        import_folder(store, folder)
    assert [(e.file, e.line, e.column) for e in info.value.errors] == [("event_tables.csv", len(text), "seats")]
    assert store.snapshot() == before


def test_export_import_round_trip(store, tmp_path):
    import_folder(store, _folder(tmp_path / "in"))
    export_folder(store, tmp_path / "out")
    other = Store(f"sqlite:///{tmp_path / 'other.db'}")
    import_folder(other, tmp_path / "out")
    assert other.snapshot() == store.snapshot()
    export_folder(other, tmp_path / "out2")
    for name in sorted(p.name for p in (tmp_path / "out").glob("*.csv")):
        assert (tmp_path / "out" / name).read_bytes() == (tmp_path / "out2" / name).read_bytes()


def test_reference_to_record_already_in_store(store, tmp_path):
    import_folder(store, _folder(tmp_path / "in"))
    extra = tmp_path / "extra"
    extra.mkdir()
    (extra / "work_needs.csv").write_text(
        "id,municipality,employer_id,title,hours_max\nW9,GM0855,E2,Schoonmaker,20\n", encoding="utf-8"
    )
    assert import_folder(store, extra).written.inserted == {"work_needs": 1}


def test_an_old_export_cannot_bring_back_an_erased_candidate(store, tmp_path):
    from matching.privacy.erasure import erase_candidate

    folder = _folder(tmp_path / "in")
    import_folder(store, folder)
    assert erase_candidate(store, "C2", municipality="GM0855", actor="admin") is not None
    before = store.snapshot()
    with pytest.raises(ImportRejected) as info:
        import_folder(store, folder)
    assert [(e.file, e.column) for e in info.value.errors] == [("candidates.csv", "id")]
    assert "erased" in info.value.errors[0].reason
    assert store.snapshot() == before


def test_a_row_cannot_move_a_record_to_another_municipality(store, tmp_path):
    import_folder(store, _folder(tmp_path / "in"))
    before = store.snapshot()
    moved = tmp_path / "moved"
    moved.mkdir()
    lines = (tmp_path / "in" / "candidates.csv").read_text("utf-8").splitlines()
    header = lines[0].split(",")
    row = lines[1].split(",")
    row[header.index("municipality")] = "GM0363"
    (moved / "candidates.csv").write_text("\n".join([lines[0], ",".join(row)]) + "\n", "utf-8")
    with pytest.raises(ImportRejected) as info:
        import_folder(store, moved)
    [error] = info.value.errors
    assert (error.file, error.line, error.column) == ("candidates.csv", 2, "id")
    assert "belongs to municipality GM0855" in error.reason
    assert store.snapshot() == before


def test_candidates_are_checked_row_by_row_and_written_in_batches(store, tmp_path, monkeypatch):
    from matching.records import importer
    from matching.records.csv_io import read_folder
    from matching.records.schemas import Candidate

    folder = _folder(tmp_path / "in")
    seen = []
    contents = read_folder(folder, stream={Candidate: lambda line, c: seen.append((line, c.id))})
    assert Candidate not in contents.records and contents.streamed[Candidate] == len(seen) == 4
    assert contents.count()["candidates"] == 4 and (Candidate, "C1") in contents.lines

    monkeypatch.setattr(importer, "WRITE_BATCH", 3)  # 4 candidates: two batches, one transaction
    report = import_folder(store, folder)
    assert report.written.inserted["candidates"] == 4
    assert import_folder(store, folder).written.unchanged["candidates"] == 4


def test_only_files_held_in_memory_have_a_size_limit(tmp_path, monkeypatch):
    from matching.records import csv_io
    from matching.records.csv_io import read_folder
    from matching.records.schemas import Candidate

    folder = _folder(tmp_path / "in")
    monkeypatch.setattr(csv_io, "MAX_FILE_BYTES", 10)  # every file of the folder is larger
    streamed = read_folder(folder, stream={Candidate: lambda line, c: None})
    too_large = {e.file for e in streamed.errors if "larger than 10 bytes" in e.reason}
    assert "candidates.csv" not in too_large and "employers.csv" in too_large


def test_the_row_index_stays_small_per_row():
    import tracemalloc

    from matching.records.csv_io import RowIndex
    from matching.records.schemas import Candidate

    ids = [f"GM0855-c{i:07d}" for i in range(100_000)]  # made before measuring: the file's text
    tracemalloc.start()
    rows = RowIndex()
    for line, record_id in enumerate(ids, start=2):
        assert rows.add(Candidate, record_id, line, "GM0855" if line % 2 else "GM0363") is None
    used, _ = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert used / len(ids) < 120  # bytes a row beyond the id itself (a dict per type, packed ints)
    assert rows[(Candidate, ids[-1])] == 100_001 and rows.municipality(Candidate, ids[-1]) == "GM0855"
    assert rows.add(Candidate, ids[5], 9, "GM0855") == 7 and len(rows) == 100_000
    assert rows.municipality(Candidate, "nobody") is None and (Candidate, "nobody") not in rows
