from __future__ import annotations

import datetime as dt

import pytest
from factories import MUNICIPALITY, tiny_world

from matching.outcomes.labels import PairLabel, graded_label, labels_for_pairs
from matching.records.enums import CheckInStatus, ContractType, OutcomeKind
from matching.records.schemas import CheckIn, Invitation, Outcome, TableMeeting
from matching.records.storage import Store


@pytest.mark.parametrize(
    ("kind", "sustained_6m", "label"),
    [
        ("none", None, 0),
        ("follow_up", None, 1),
        ("trial", None, 1),
        ("wep", None, 2),
        ("wep", True, 2),
        ("job", None, 3),
        ("job", False, 3),
        ("job", True, 4),
        (OutcomeKind.JOB, True, 4),
    ],
)
def test_graded_label(kind, sustained_6m, label):
    assert graded_label(kind, sustained_6m) == label


def test_unknown_kind_is_an_error():
    with pytest.raises(ValueError):
        graded_label("promotion")


def test_labels_for_pairs(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'l.db'}")
    m = MUNICIPALITY
    day = dt.date(2026, 3, 12)
    store.upsert(
        [
            *tiny_world(),
            Invitation(id="I1", municipality=m, event_id="EV1", candidate_id="C1"),
            Invitation(id="I2", municipality=m, event_id="EV1", candidate_id="C2"),
            TableMeeting(id="M1", municipality=m, event_id="EV1", table_id="T1",
                         employer_id="E1", candidate_id="C1", round=1, follow_up=True),
            TableMeeting(id="M2", municipality=m, event_id="EV1", table_id="T2",
                         employer_id="E2", candidate_id="C1", round=2),
            TableMeeting(id="M3", municipality=m, event_id="EV1", table_id="T2",
                         employer_id="E2", candidate_id="C2", round=1, follow_up=True),
            # C1 got a job at E1 and still worked there at 6 months
            Outcome(id="O1", municipality=m, candidate_id="C1", employer_id="E1",
                    work_need_id="W1", event_id="EV1", kind=OutcomeKind.JOB,
                    contract_type=ContractType.PERMANENT, hours=24,
                    start_date=day + dt.timedelta(days=20), recorded_on=day),
            CheckIn(id="K1", municipality=m, outcome_id="O1", month=6,
                    date=dt.date(2026, 10, 1), status=CheckInStatus.WORKING),
            # C2 got a WEP at E2
            Outcome(id="O2", municipality=m, candidate_id="C2", employer_id="E2",
                    event_id="EV1", kind=OutcomeKind.WEP, hours=20,
                    start_date=day + dt.timedelta(days=10), recorded_on=day),
            # C4 found work elsewhere: no pair
            Outcome(id="O3", municipality=m, candidate_id="C4", kind=OutcomeKind.JOB,
                    contract_type=ContractType.PAYROLL, hours=30, start_date=day,
                    recorded_on=day),
            # C2 also met E1 outside an event
            Outcome(id="O4", municipality=m, candidate_id="C2", employer_id="E1",
                    kind=OutcomeKind.NONE, recorded_on=day),
        ]
    )
    labels = labels_for_pairs(store)
    assert labels == [
        PairLabel("C1", "E1", "EV1", "W1", 4),
        PairLabel("C1", "E2", "EV1", None, 0),
        PairLabel("C2", "E1", None, None, 0),
        PairLabel("C2", "E2", "EV1", None, 2),
    ]
    assert labels_for_pairs(store, municipality="GM0363") == []
    store.dispose()
