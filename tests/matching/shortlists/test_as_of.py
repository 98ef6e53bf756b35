"""Counts of what happened before a date, and placements as of a day."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from factories import MUNICIPALITY

from matching.records.enums import InvitationStatus, OutcomeKind
from matching.records.schemas import Invitation, Outcome, TableMeeting
from matching.shortlists.as_of import EngagementHistory, count_before, days, placed_on


def test_count_before_agrees_with_a_plain_loop():
    rng = np.random.default_rng(0)
    keys = rng.choice(["a", "b", "c"], size=300).astype(object)
    when = np.datetime64("2025-01-01") + rng.integers(0, 200, size=300).astype("timedelta64[D]")
    weights = rng.random(300)
    probe_keys = rng.choice(["a", "b", "d"], size=50).astype(object)
    probe_when = np.datetime64("2025-01-01") + rng.integers(0, 220, size=50).astype("timedelta64[D]")
    fast = count_before(keys, when, probe_keys, probe_when, weights)
    slow = [sum(w for k, t, w in zip(keys, when, weights, strict=True) if k == pk and t < pt)
            for pk, pt in zip(probe_keys, probe_when, strict=True)]
    np.testing.assert_allclose(fast, slow)


def _invitation(i: int, event: str, status=InvitationStatus.ACCEPTED, attended=True) -> Invitation:
    return Invitation(id=f"I{i}", municipality=MUNICIPALITY, event_id=event, candidate_id="C1",
                      status=status, attended=attended)


def test_engagement_counts_only_earlier_events():
    dates = {"EV1": dt.date(2025, 1, 10), "EV2": dt.date(2025, 2, 10), "EV3": dt.date(2025, 3, 10)}
    invitations = [
        _invitation(1, "EV1", InvitationStatus.DECLINED, False),
        _invitation(2, "EV2", attended=False),
        _invitation(3, "EV3"),
    ]
    meetings = [TableMeeting(id="M1", municipality=MUNICIPALITY, event_id="EV3", table_id="T1",
                             employer_id="E1", candidate_id="C1", round=1, follow_up=True)]
    history = EngagementHistory.from_records(invitations, meetings, dates)
    ids = np.array(["C1"] * 3, dtype=object)
    f = history.features(ids, days([dt.date(2025, 1, 10), dt.date(2025, 3, 1), dt.date(2025, 4, 1)]))
    assert list(f["hist_invited"]) == [0, 2, 3]
    assert list(f["hist_meetings"]) == [0, 0, 1]
    assert f["hist_decline_rate"][1] == pytest.approx((1 + 0.12) / 3)
    assert f["hist_noshow_rate"][1] == pytest.approx((1 - 0 + 0.1) / 2)  # accepted once, did not come
    assert f["hist_followup_rate"][2] > f["hist_followup_rate"][1]


def test_placed_on_reads_only_what_was_recorded_by_then():
    job = Outcome(id="O1", municipality=MUNICIPALITY, candidate_id="C1", employer_id="E1",
                  kind=OutcomeKind.JOB, contract_type="permanent", start_date=dt.date(2025, 3, 1),
                  recorded_on=dt.date(2025, 2, 15))
    ended = Outcome(id="O2", municipality=MUNICIPALITY, candidate_id="C2", employer_id="E1",
                    kind=OutcomeKind.WEP, start_date=dt.date(2025, 1, 1), end_date=dt.date(2025, 2, 1),
                    recorded_on=dt.date(2025, 1, 1))
    assert placed_on([job, ended], dt.date(2025, 2, 1)) == {"C2"}
    assert placed_on([job, ended], dt.date(2025, 2, 20)) == {"C1"}  # spoken for before it starts
