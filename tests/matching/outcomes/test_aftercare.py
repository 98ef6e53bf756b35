from __future__ import annotations

import datetime as dt

import pytest
from factories import MUNICIPALITY, make_candidate, tiny_world

from matching.outcomes.aftercare import (
    RiskRules,
    add_months,
    at_risk,
    due_by_manager,
    due_checkins,
    record_checkin,
    sustained,
)
from matching.outcomes.recording import OutcomeError
from matching.records.enums import CheckInStatus, ContractType, OutcomeKind
from matching.records.schemas import CheckIn, Outcome
from matching.records.storage import Store

START = dt.date(2026, 1, 15)


def outcome(id: str = "O1", kind: OutcomeKind = OutcomeKind.JOB, **overrides) -> Outcome:
    values = {
        "id": id,
        "municipality": MUNICIPALITY,
        "candidate_id": "C1",
        "employer_id": "E1",
        "kind": kind,
        "contract_type": ContractType.PERMANENT if kind is OutcomeKind.JOB else None,
        "hours": 24 if kind.is_placement else None,
        "start_date": START if kind.is_placement else None,
        "recorded_on": START,
    }
    values.update(overrides)
    return Outcome(**values)


def checkin(month: int, status: str = "working", outcome_id: str = "O1", **overrides) -> CheckIn:
    values = {
        "id": f"{outcome_id}-m{month}",
        "municipality": MUNICIPALITY,
        "outcome_id": outcome_id,
        "month": month,
        "date": add_months(START, month),
        "status": status,
        "reason": "ziek" if status == "stopped" else "",
    }
    values.update(overrides)
    return CheckIn(**values)


def test_add_months_clamps_the_day():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2025, 11, 15), 3) == dt.date(2026, 2, 15)
    assert add_months(dt.date(2026, 1, 15), 12) == dt.date(2027, 1, 15)


# ---- sustained ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("checkins", "months", "expected"),
    [
        ([], 6, None),
        ([checkin(1), checkin(3)], 6, None),  # month-6 check-in not in yet
        ([checkin(1), checkin(3), checkin(6)], 6, True),
        ([checkin(6, "hours_changed", hours=12)], 6, True),
        ([checkin(1), checkin(3, "stopped")], 6, False),
        ([checkin(1), checkin(6, "stopped")], 6, False),  # stopped at the 6-month call
        ([checkin(1), checkin(12)], 6, True),  # month 6 missed, still working at 12
        ([checkin(6), checkin(12, "stopped")], 6, True),
        ([checkin(6), checkin(12, "stopped")], 12, False),
        ([checkin(6)], 12, None),
        ([checkin(1), checkin(12, "stopped")], 6, None),  # did they work at 6? unknown
        ([checkin(6, outcome_id="O2")], 6, None),  # another placement's check-in
    ],
)
def test_sustained_is_derived_from_checkins(checkins, months, expected):
    assert sustained(outcome(), checkins, months) is expected


def test_sustained_of_a_non_placement_is_false():
    assert sustained(outcome(kind=OutcomeKind.FOLLOW_UP), [], 6) is False
    assert sustained(outcome(kind=OutcomeKind.WEP), [checkin(6)], 6) is True


# ---- due and overdue ------------------------------------------------------------------------


@pytest.fixture
def store(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'a.db'}")
    s.upsert(
        [
            *tiny_world(),
            make_candidate("C1", relationship_manager="anna"),
            make_candidate("C2", relationship_manager="bert"),
            outcome("O1"),  # job from 15 Jan
            outcome("O2", candidate_id="C2", employer_id="E2", kind=OutcomeKind.WEP,
                    start_date=dt.date(2026, 3, 1)),
            outcome("O3", candidate_id="C2", kind=OutcomeKind.FOLLOW_UP),
            outcome("O4", candidate_id="C1", employer_id="E2", kind=OutcomeKind.TRIAL,
                    start_date=dt.date(2025, 12, 1)),
            checkin(1, outcome_id="O4", date=dt.date(2026, 1, 2)),
            checkin(3, "stopped", outcome_id="O4", date=dt.date(2026, 3, 2)),
        ]
    )
    yield s
    s.dispose()


def test_due_and_overdue_per_relationship_manager(store):
    today = dt.date(2026, 4, 5)
    items = due_checkins(store, today, window_days=14)
    got = {(d.outcome_id, d.month, d.state) for d in items}
    # O1: month 1 (15 Feb) and month 3 (15 Apr, within 14 days) ; O2: month 1 (1 Apr)
    # O3 is no placement, O4 stopped
    assert got == {("O1", 1, "overdue"), ("O1", 3, "due"), ("O2", 1, "overdue")}
    o1m1 = next(d for d in items if d.outcome_id == "O1" and d.month == 1)
    assert o1m1.days_overdue == (today - dt.date(2026, 2, 15)).days
    assert o1m1.relationship_manager == "anna" and o1m1.due_date == dt.date(2026, 2, 15)
    grouped = due_by_manager(items)
    assert set(grouped) == {"anna", "bert"} and len(grouped["anna"]) == 2
    assert due_checkins(store, today, municipality="GM0363") == []


def test_recorded_checkins_are_no_longer_due(store):
    record_checkin(store, "O1", month=1, date=dt.date(2026, 2, 16), status="working",
                   today=dt.date(2026, 4, 5))
    record_checkin(store, "O1", month=3, date=dt.date(2026, 4, 5), status="working",
                   today=dt.date(2026, 4, 5))
    items = due_checkins(store, dt.date(2026, 4, 5))
    assert {(d.outcome_id, d.month) for d in items} == {("O2", 1)}
    # a later check-in makes a missed earlier one moot
    record_checkin(store, "O2", month=3, date=dt.date(2026, 6, 1), status="working",
                   today=dt.date(2026, 6, 1))
    assert [(d.outcome_id, d.month) for d in due_checkins(store, dt.date(2026, 6, 1))] == []


def test_nothing_due_after_the_actual_end(store):
    store.upsert([outcome("O1", end_date=dt.date(2026, 3, 1))])
    items = due_checkins(store, dt.date(2026, 12, 1))
    assert {(d.outcome_id, d.month) for d in items if d.outcome_id == "O1"} == {("O1", 1)}


def test_record_checkin_and_correct_it(store):
    today = dt.date(2026, 8, 1)
    first = record_checkin(store, "O1", month=6, date=dt.date(2026, 7, 15),
                           status=CheckInStatus.WORKING, today=today, actor="anna")
    assert first.id == "O1-m6"
    record_checkin(store, "O1", month=6, date=dt.date(2026, 7, 15), status="hours_changed",
                   hours=16, today=today, actor="bert")
    assert store.get(CheckIn, "O1-m6").hours == 16
    assert [h["actor"] for h in store.history(CheckIn, "O1-m6")] == ["anna", "bert"]
    assert sustained(store.get(Outcome, "O1"), store.list(CheckIn), 6) is True


@pytest.mark.parametrize(
    ("outcome_id", "fields", "field"),
    [
        ("O404", {}, "outcome_id"),  # unknown placement
        ("O3", {}, "outcome_id"),  # a follow-up is no placement
        ("O1", {"date": dt.date(2026, 8, 2)}, "date"),  # in the future
        ("O1", {"date": dt.date(2026, 1, 10)}, "date"),  # before the start
        ("O1", {"month": 12}, "month"),  # a month-12 check-in in July
        ("O1", {"status": "hours_changed"}, "hours"),  # new hours missing
        ("O1", {"hours": 0}, "hours"),
        ("O1", {"hours": 70}, "hours"),
        ("O1", {"status": "stopped"}, "reason"),
        ("O1", {"status": "bored"}, "status"),
        ("O4", {"month": 6, "date": dt.date(2026, 6, 1)}, "status"),  # after the stop
    ],
)
def test_bad_checkin_writes_nothing(store, outcome_id, fields, field):
    values = {"month": 6, "date": dt.date(2026, 7, 15), "status": "working", "today": dt.date(2026, 8, 1)}
    values.update(fields)
    before = store.snapshot()
    with pytest.raises(OutcomeError) as info:
        record_checkin(store, outcome_id, **values)
    assert info.value.field == field, str(info.value)
    assert store.snapshot() == before


def test_checkin_in_another_municipality_is_refused(store):
    with pytest.raises(OutcomeError, match="GM0363"):
        record_checkin(store, "O1", month=1, date=dt.date(2026, 2, 15), status="working",
                       today=dt.date(2026, 3, 1), municipality="GM0363")


def test_placements_at_risk(store):
    today = dt.date(2026, 7, 1)
    # O1: hours 24 -> 16 at month 3 (a drop of a third, reported as hours_changed)
    record_checkin(store, "O1", month=1, date=dt.date(2026, 2, 15), status="working", hours=24,
                   today=today)
    record_checkin(store, "O1", month=3, date=dt.date(2026, 4, 15), status="hours_changed",
                   hours=16, today=today)
    flags = {f.outcome_id: f for f in at_risk(store, today)}
    assert set(flags["O1"].reasons) == {"hours_dropped", "hours_reduced"}
    # O2 (WEP from 1 March): month-1 check-in due 1 April, 91 days overdue
    assert flags["O2"].reasons == ("checkin_overdue",)
    assert flags["O2"].relationship_manager == "bert"
    assert "O4" not in flags  # stopped placements are not at risk, they are over
    relaxed = {f.outcome_id for f in at_risk(store, today, rules=RiskRules(overdue_days=120))}
    assert "O2" not in relaxed
    with pytest.raises(ValueError):
        RiskRules(hours_drop_share=1.5)
