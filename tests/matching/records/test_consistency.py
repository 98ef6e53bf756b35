"""An imported history must hang together: each kind of inconsistency, found where it is."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_candidate, make_event, make_table, make_work_need, tiny_world

from matching.records.csv_io import write_folder
from matching.records.enums import OutcomeKind
from matching.records.importer import ImportRejected, import_folder
from matching.records.schemas import RECORD_TYPES, Outcome, TableMeeting
from matching.records.storage import Store

ESCO = "http://data.europa.eu/esco/occupation/00030d09-2b3a-4efd-87cc-c4ea39d27c34"


def meeting(id: str, candidate: str = "C1", table: str = "T1", employer: str = "E1", *,
            event: str = "EV1", round: int = 1) -> TableMeeting:
    return TableMeeting(id=id, municipality="GM0855", event_id=event, table_id=table,
                        employer_id=employer, candidate_id=candidate, round=round)


def outcome(id: str, **overrides: object) -> Outcome:
    values: dict[str, object] = {
        "id": id, "municipality": "GM0855", "candidate_id": "C1", "employer_id": "E1",
        "work_need_id": "W1", "event_id": "EV1", "kind": OutcomeKind.FOLLOW_UP,
        "recorded_on": dt.date(2026, 3, 20),
    }
    values.update(overrides)
    return Outcome(**values)


def world(*extra) -> list:
    return [*tiny_world(), make_event("EV2"), make_table("T9", "EV2", "E1", seats=2), *extra]


def _import(records, tmp_path, store=None, *, strict=False):
    folder = tmp_path / "in"
    grouped = {t: [r for r in records if type(r) is t] for t in RECORD_TYPES}
    write_folder(folder, {t: rs for t, rs in grouped.items() if rs})
    store = store or Store(f"sqlite:///{tmp_path / 'w.db'}")
    return store, import_folder(store, folder, strict=strict)


def _refused(records, tmp_path, **kwargs) -> list[tuple[str, str, str]]:
    with pytest.raises(ImportRejected) as info:
        _import(records, tmp_path, **kwargs)
    return [(e.file, e.column, e.reason) for e in info.value.errors]


def test_a_consistent_history_imports_without_warnings(tmp_path):
    _, report = _import(world(meeting("M1"), meeting("M2", "C2", "T2", "E2"), outcome("O1")), tmp_path)
    assert report.warnings == () and report.written.inserted["meetings"] == 2


@pytest.mark.parametrize(
    ("bad", "column", "says"),
    [
        (meeting("M1", table="T9", event="EV1"), "table_id", "belongs to event EV2, not EV1"),
        (meeting("M1", employer="E2"), "employer_id", "does not host table T1"),
        (meeting("M1", round=9), "round", "round 9 of event EV1, which has 3 round(s)"),
        (outcome("O1", work_need_id="W2"), "work_need_id", "belongs to employer E2, not E1"),
        (outcome("O1", recorded_on=dt.date(2026, 3, 1)), "recorded_on", "before its event EV1"),
    ],
)
def test_each_inconsistency_refuses_the_import_where_it_is(tmp_path, bad, column, says):
    problems = _refused(world(meeting("M0", "C2", "T2", "E2"), bad), tmp_path)
    assert len(problems) == 1
    file, col, reason = problems[0]
    assert file == f"{type(bad).entity}.csv" and col == column and says in reason


def test_one_candidate_at_two_tables_in_a_round(tmp_path):
    problems = _refused(world(meeting("M1", "C1", "T1", "E1"), meeting("M2", "C1", "T2", "E2")), tmp_path)
    assert [(c, "2 tables in round 1 of event EV1 (T1, T2)" in r) for _, c, r in problems] == [
        ("candidate_id", True), ("candidate_id", True)
    ]


def test_the_store_counts_too(tmp_path):
    store, _ = _import(world(meeting("M1", "C1", "T1", "E1")), tmp_path)
    later = tmp_path / "later"
    write_folder(later, {TableMeeting: [meeting("M2", "C1", "T2", "E2")]})
    with pytest.raises(ImportRejected) as info:
        import_folder(store, later)
    assert "2 tables in round 1" in info.value.errors[0].reason


def test_doubtful_rows_warn_and_strict_refuses_them(tmp_path):
    doubtful = world(
        *(meeting(f"M{i}", c, "T9", "E1", event="EV2") for i, c in enumerate(["C1", "C2", "C4"])),
        outcome("O1", employer_id="E2", work_need_id="W2"),  # C1 never met E2 at EV1
        make_candidate("C5", desired_occupations=[ESCO, "http://example.org/not-esco"]),
        make_work_need("W8", "E1", esco_uri="http://example.org/nothing"),
    )
    _, report = _import(doubtful, tmp_path / "a")
    assert sorted((w.file, w.column) for w in report.warnings) == [
        ("candidates.csv", "desired_occupations"),
        ("meetings.csv", "table_id"),
        ("outcomes.csv", "event_id"),
        ("work_needs.csv", "esco_uri"),
    ]
    seats = next(w for w in report.warnings if w.column == "table_id")
    assert "3 candidates at table T9 in round 1, which has 2 seat(s)" in seats.reason
    assert len(_refused(doubtful, tmp_path / "b", strict=True)) == 4
