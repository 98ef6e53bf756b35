from __future__ import annotations

import datetime as dt

import pytest
from factories import MUNICIPALITY, make_candidate, make_employer, make_event, tiny_world

from matching.outcomes.recording import (
    OutcomeError,
    correct_outcome,
    outcome_history,
    record_attendance,
    record_follow_up,
    record_outcome,
)
from matching.records.enums import ContractType, InvitationStatus, OutcomeKind
from matching.records.schemas import Invitation, Outcome, TableMeeting
from matching.records.storage import Store

TODAY = dt.date(2026, 6, 1)
EVENT_DAY = dt.date(2026, 3, 12)


def seeded_store(tmp_path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'o.db'}")
    store.upsert(
        [
            *tiny_world(),
            make_candidate("X1", municipality="GM0363"),
            make_employer("XE", municipality="GM0363"),
            make_event("EV2", date=dt.date(2026, 7, 1)),
            Invitation(id="I1", municipality=MUNICIPALITY, event_id="EV1", candidate_id="C1",
                       status=InvitationStatus.ACCEPTED),
            Invitation(id="I2", municipality=MUNICIPALITY, event_id="EV1", candidate_id="C2"),
            Invitation(id="I3", municipality=MUNICIPALITY, event_id="EV2", candidate_id="C1"),
            TableMeeting(id="M1", municipality=MUNICIPALITY, event_id="EV1", table_id="T1",
                         employer_id="E1", candidate_id="C1", round=1),
            TableMeeting(id="M2", municipality=MUNICIPALITY, event_id="EV1", table_id="T2",
                         employer_id="E2", candidate_id="C2", round=1),
        ]
    )
    return store


@pytest.fixture
def store(tmp_path):
    s = seeded_store(tmp_path)
    yield s
    s.dispose()


JOB = {
    "candidate_id": "C1",
    "employer_id": "E1",
    "work_need_id": "W1",
    "event_id": "EV1",
    "kind": OutcomeKind.JOB,
    "contract_type": ContractType.FIXED_12M,
    "hours": 24,
    "start_date": dt.date(2026, 4, 1),
}


def test_record_job_and_read_it_back(store):
    outcome = record_outcome(store, today=TODAY, actor="rm-anna", id="O1", **JOB)
    assert outcome.municipality == MUNICIPALITY and outcome.recorded_on == TODAY
    assert store.get(Outcome, "O1") == outcome
    history = outcome_history(store, "O1")
    assert len(history) == 1 and history[0]["action"] == "insert"
    assert history[0]["actor"] == "rm-anna"
    assert history[0]["changes"]["hours"] == [None, 24]


def test_every_contract_type_and_wage_subsidy(store):
    for i, contract in enumerate(ContractType):
        record_outcome(store, today=TODAY, id=f"O{i}", **{**JOB, "contract_type": contract},
                       wage_subsidy=True)
    assert {o.contract_type for o in store.list(Outcome)} == set(ContractType)


def test_default_id_and_follow_up_outcome(store):
    outcome = record_outcome(store, today=TODAY, candidate_id="C2", employer_id="E2",
                             event_id="EV1", kind="follow_up")
    assert outcome.id.startswith("O") and outcome.kind is OutcomeKind.FOLLOW_UP


def test_correction_keeps_history(store):
    record_outcome(store, today=TODAY, id="O1", actor="rm-anna", **JOB)
    corrected = correct_outcome(store, "O1", today=TODAY, actor="rm-bert", hours=20,
                                end_date=dt.date(2026, 5, 20))
    assert corrected.hours == 20
    history = outcome_history(store, "O1")
    assert [h["action"] for h in history] == ["insert", "update"]
    assert history[1]["actor"] == "rm-bert"
    assert history[1]["changes"] == {"hours": [24, 20], "end_date": [None, "2026-05-20"]}


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"start_date": dt.date(2026, 7, 1)}, "start_date"),  # in the future
        ({"recorded_on": dt.date(2026, 6, 2)}, "recorded_on"),  # in the future
        ({"end_date": dt.date(2026, 6, 30)}, "end_date"),  # in the future
        ({"start_date": dt.date(2026, 3, 1)}, "start_date"),  # before the event
        ({"end_date": dt.date(2026, 3, 20)}, "end_date"),  # job ends before it starts
        ({"hours": 0}, "hours"),
        ({"hours": 61}, "hours"),
        ({"hours": None}, "hours"),
        ({"candidate_id": "C404"}, "candidate_id"),
        ({"employer_id": "E404"}, "employer_id"),
        ({"event_id": "EV404"}, "event_id"),
        ({"work_need_id": "W404"}, "work_need_id"),
        ({"work_need_id": "W2"}, "work_need_id"),  # belongs to E2
        ({"employer_id": "XE", "work_need_id": None}, "employer_id"),  # other municipality
        ({"candidate_id": "C3", "event_id": "EV1"}, "event_id"),  # not invited
        ({"contract_type": None}, "contract_type"),
        ({"kind": "wep"}, "contract_type"),
        ({"kind": "follow_up", "contract_type": None}, "hours"),
        ({"start_date": None}, "start_date"),
    ],
)
def test_bad_outcome_is_refused_and_nothing_written(store, changes, field):
    before = store.snapshot()
    with pytest.raises(OutcomeError) as info:
        record_outcome(store, today=TODAY, id="O1", **{**JOB, **changes})
    assert info.value.field == field, str(info.value)
    assert field in str(info.value)
    assert store.snapshot() == before


def test_wrong_municipality_is_refused(store):
    before = store.snapshot()
    with pytest.raises(OutcomeError, match="municipality"):
        record_outcome(store, today=TODAY, municipality="GM0363", **JOB)
    with pytest.raises(OutcomeError, match="GM0363"):
        record_outcome(store, today=TODAY, municipality=MUNICIPALITY,
                       **{**JOB, "candidate_id": "X1", "event_id": None})
    assert store.snapshot() == before


def test_bad_correction_changes_nothing(store):
    record_outcome(store, today=TODAY, id="O1", **JOB)
    before = store.snapshot()
    with pytest.raises(OutcomeError) as info:
        correct_outcome(store, "O1", today=TODAY, end_date=dt.date(2026, 3, 30))
    assert info.value.field == "end_date"
    with pytest.raises(OutcomeError) as info:
        correct_outcome(store, "O404", today=TODAY, hours=10)
    assert info.value.field == "outcome_id"
    with pytest.raises(OutcomeError) as info:
        correct_outcome(store, "O1", today=TODAY, candidate_id="C2")
    assert info.value.field == "candidate_id"
    assert store.snapshot() == before


def test_existing_id_is_not_overwritten(store):
    record_outcome(store, today=TODAY, id="O1", **JOB)
    with pytest.raises(OutcomeError) as info:
        record_outcome(store, today=TODAY, id="O1", **{**JOB, "hours": 10})
    assert info.value.field == "id"
    assert store.get(Outcome, "O1").hours == 24


def test_attendance(store):
    updated = record_attendance(store, "EV1", {"C1": True, "C2": False}, today=TODAY,
                                actor="rm-anna")
    assert {i.candidate_id: i.attended for i in updated} == {"C1": True, "C2": False}
    assert store.get(Invitation, "I1").attended is True
    assert store.history(Invitation, "I2")[-1]["actor"] == "rm-anna"


@pytest.mark.parametrize(
    ("event_id", "attended", "field"),
    [
        ("EV404", {"C1": True}, "event_id"),
        ("EV2", {"C1": True}, "event_id"),  # event in the future
        ("EV1", {"C1": True, "C3": True}, "candidate_id"),  # C3 not invited: nothing written
    ],
)
def test_bad_attendance_writes_nothing(store, event_id, attended, field):
    before = store.snapshot()
    with pytest.raises(OutcomeError) as info:
        record_attendance(store, event_id, attended, today=TODAY)
    assert info.value.field == field
    assert store.snapshot() == before


def test_follow_up(store):
    meeting = record_follow_up(store, "M1", True, today=TODAY)
    assert meeting.follow_up and store.get(TableMeeting, "M1").follow_up
    record_attendance(store, "EV1", {"C2": False}, today=TODAY)
    before = store.snapshot()
    with pytest.raises(OutcomeError) as info:
        record_follow_up(store, "M2", True, today=TODAY)
    assert info.value.field == "follow_up"
    with pytest.raises(OutcomeError) as info:
        record_follow_up(store, "M404", True, today=TODAY)
    assert info.value.field == "meeting_id"
    with pytest.raises(OutcomeError):
        record_follow_up(store, "M1", True, today=dt.date(2026, 3, 1))
    assert store.snapshot() == before
