from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from factories import make_candidate, make_employer, make_event, make_work_need

from matching.records.enums import CandidateStatus, Demand, Mobility
from matching.shortlists.candidate_arrays import CandidateArrays
from matching.shortlists.vetoes import Site, Veto, allowed, day_status, veto_masks, vetoes_of

TODAY = dt.date(2026, 3, 1)


def _vetoes(candidate, need=None, employer=None, **kw):
    need = need or make_work_need()
    employer = employer or make_employer()
    pool = CandidateArrays.from_candidates([candidate])
    masks = veto_masks(pool, Site.of_work_need(need, employer), on=TODAY, **kw)
    return vetoes_of(masks, 0)[0]


@pytest.mark.parametrize(
    "overrides, expected",
    [
        ({}, []),
        ({"consent_matching": False}, [Veto.NO_CONSENT]),
        ({"status": CandidateStatus.PAUSED}, [Veto.NOT_AVAILABLE]),
        ({"available_from": dt.date(2026, 6, 1)}, [Veto.NOT_AVAILABLE]),
        ({"status": CandidateStatus.PLACED}, [Veto.ALREADY_PLACED]),
        ({"mobility": Mobility.WALK, "max_travel_km": 1}, [Veto.TOO_FAR]),
        ({"hours_min": 30, "hours_max": 40}, [Veto.HOURS]),
        ({"limits": [Demand.CUSTOMER_CONTACT]}, [Veto.LIMITS]),
        ({"limits": [Demand.LONG_STANDING]}, []),  # adaptable, so no veto
        ({"lat": None, "lon": None}, []),  # unknown distance is not a veto
    ],
)
def test_each_veto(overrides, expected):
    assert _vetoes(make_candidate(**overrides)) == expected


def test_mobility_caps_the_candidates_own_maximum():
    far = make_employer(lat=51.66, lon=5.08)  # about 14 km by road
    assert Veto.TOO_FAR in _vetoes(make_candidate(mobility=Mobility.BIKE, max_travel_km=50), employer=far)
    assert _vetoes(make_candidate(mobility=Mobility.CAR, max_travel_km=50), employer=far) == []


def test_consent_kinds_and_placed_ids():
    c = make_candidate(consent_events=False)
    assert _vetoes(c) == []
    assert _vetoes(c, consent="events") == [Veto.NO_CONSENT]
    assert _vetoes(make_candidate(consent_share_employers=False), consent="employers") == [Veto.NO_CONSENT]
    assert _vetoes(make_candidate(), placed_ids=frozenset({"C1"})) == [Veto.ALREADY_PLACED]
    with pytest.raises(ValueError, match="consent"):
        _vetoes(c, consent="everyone")


def test_pool_equals_pairwise():
    rng = np.random.default_rng(3)
    candidates = [
        make_candidate(f"C{i}", lat=51.5 + rng.random() * 0.2, lon=5.0 + rng.random() * 0.2,
                       hours_min=int(rng.integers(0, 20)), hours_max=int(rng.integers(20, 40)),
                       limits=[list(Demand)[j] for j in rng.choice(len(Demand), size=int(rng.integers(0, 3)), replace=False)],
                       mobility=list(Mobility)[int(rng.integers(0, 6))])
        for i in range(60)
    ]
    need, employer = make_work_need(), make_employer()
    masks = veto_masks(CandidateArrays.from_candidates(candidates), Site.of_work_need(need, employer), on=TODAY)
    ok = allowed(masks)
    for i, c in enumerate(candidates):
        assert ok[i] == (_vetoes(c, need, employer) == [])


def test_event_site_checks_travel_only():
    c = make_candidate(hours_min=39, hours_max=40, limits=[Demand.NOISE])
    pool = CandidateArrays.from_candidates([c])
    masks = veto_masks(pool, Site.of_event(make_event()), on=TODAY, consent="events")
    assert set(masks) == {Veto.NO_CONSENT, Veto.NOT_AVAILABLE, Veto.ALREADY_PLACED, Veto.TOO_FAR}
    assert allowed(masks).all()


def test_a_status_counts_from_when_it_took_effect():
    placed = make_candidate(status=CandidateStatus.PLACED, status_since=dt.date(2026, 2, 15))
    paused = make_candidate(
        status=CandidateStatus.PAUSED, status_since=dt.date(2026, 2, 1), available_from=dt.date(2026, 4, 1)
    )
    late = make_candidate(registered_on=dt.date(2026, 2, 20))
    pool = CandidateArrays.from_candidates([placed, paused, late])
    assert list(pool.status_on(dt.date(2026, 2, 1))) == ["active", "paused", "active"]
    assert list(pool.available_on(dt.date(2026, 1, 15))) == [True, True, False]
    assert list(pool.available_on(dt.date(2026, 3, 1))) == [False, False, True]
    assert list(pool.available_on(dt.date(2026, 4, 1))) == [False, True, True]  # the pause ended


def test_a_day_status_kept_by_the_caller_gives_the_same_vetoes_for_every_work():
    candidates = [
        make_candidate(id="c1"),
        make_candidate(id="c2", status=CandidateStatus.PAUSED),
        make_candidate(id="c3", status=CandidateStatus.PLACED),
        make_candidate(id="c4", available_from=dt.date(2026, 6, 1)),
        make_candidate(id="c5"),  # placed by an outcome, status not updated yet
    ]
    pool = CandidateArrays.from_candidates(candidates)
    day = day_status(pool, TODAY, frozenset({"c5"}))
    assert day.placed.tolist() == [False, False, True, False, True]
    assert day.not_available.tolist() == [False, True, False, True, False]
    for need in (make_work_need(), make_work_need(id="w2", hours_min=36, hours_max=40)):
        site = Site.of_work_need(need, make_employer())
        kept = veto_masks(pool, site, on=TODAY, day=day)
        worked_out = veto_masks(pool, site, on=TODAY, placed_ids=frozenset({"c5"}))
        assert kept.keys() == worked_out.keys()
        for veto in kept:
            assert kept[veto].tolist() == worked_out[veto].tolist()
