from __future__ import annotations

import datetime as dt
import math

import numpy as np
import pytest
from factories import make_candidate, make_employer, make_work_need

from matching.records.enums import AgeBand, Demand, Gender, LanguageLevel, OutcomeKind
from matching.records.schemas import Candidate, Outcome, TableMeeting
from matching.shortlists.as_of import TrackRecordHistory, days
from matching.shortlists.candidate_arrays import CandidateArrays
from matching.shortlists.explanations import explain
from matching.shortlists.features import (
    FEATURE_NAMES,
    PROTECTED_ATTRIBUTES,
    PairContext,
    WorkNeedArrays,
    occupation_levels,
    pair_features,
)
from matching.shortlists.occupations import isco_match_level, load_occupations


def _features(candidates, need=None, employer=None, skill_level=None):
    need = need or make_work_need()
    employer = employer or make_employer()
    pool = CandidateArrays.from_candidates(candidates)
    needs = WorkNeedArrays.from_needs([need], {employer.id: employer}).take(np.zeros(len(candidates), dtype=int))
    n = len(candidates)
    context = PairContext.unknown(n, np.full(n, 0.4), np.zeros(n))
    if skill_level is not None:
        context = PairContext(**{**context.__dict__, "skill_level": np.full(n, float(skill_level))})
    return pair_features(pool, needs, context)


def test_protected_attributes_are_not_features():
    assert not PROTECTED_ATTRIBUTES & set(FEATURE_NAMES)
    assert not PROTECTED_ATTRIBUTES & set(CandidateArrays.__dataclass_fields__)


def test_changing_protected_attributes_changes_no_feature():
    base = make_candidate()
    other = make_candidate(gender=Gender.WOMAN, age_band=AgeBand.A55_67, statushouder=True,
                           banenafspraak=True, young_under_27=True)
    a, b = _features([base]), _features([other])
    assert a.equals(b)
    protected_in_schema = PROTECTED_ATTRIBUTES & set(Candidate.model_fields)
    assert protected_in_schema == {"gender", "age_band", "young_under_27", "statushouder", "banenafspraak"}


def test_feature_values_for_a_known_pair():
    c = make_candidate(hours_min=16, hours_max=32, limits=[Demand.LONG_STANDING],
                       language_level=LanguageLevel.A2)
    need = make_work_need(hours_min=16, hours_max=24, min_language_level=LanguageLevel.B1)
    f = _features([c], need).iloc[0]
    assert list(_features([c], need).columns) == list(FEATURE_NAMES)
    assert f["hours_overlap_share"] == pytest.approx(8 / 24)
    assert f["hours_gap"] == 0
    assert f["limits_adaptable_clash"] == 1 and f["n_limits"] == 1 and f["n_demands"] == 2
    assert f["language_gap"] == -1
    assert f["sim_dense"] == pytest.approx(0.4)
    assert math.isnan(f["fit_best"]) and math.isnan(f["education_gap"])  # no model: unknown
    assert 1.0 < f["travel_km"] < 2.5


def test_the_table_is_one_float_block_the_ranker_reads_without_copying():
    # the ranker takes the table as one float array, without copying or converting it
    table = _features([make_candidate(), make_candidate(id="C2", hours_min=8, hours_max=12)])
    values = table.to_numpy()
    assert values.dtype == np.float64 and values.shape == (2, len(FEATURE_NAMES))
    assert np.shares_memory(values, table["sim_dense"].to_numpy())
    assert np.shares_memory(values, table["employer_meetings"].to_numpy())


def test_occupation_levels():
    occupations = load_occupations()
    uris = sorted(occupations)
    a = uris[0]
    same_group = next(u for u in uris[1:] if occupations[u].isco_group == occupations[a].isco_group)
    assert isco_match_level(a, a) == 5
    assert isco_match_level(a, same_group) == 4
    assert isco_match_level(a, None) == 0
    assert list(occupation_levels([(a,), (), ("x", same_group)], [a, a, a])) == [5, 0, 4]


def test_education_is_measured_against_the_skill_level_of_the_work():
    low = make_candidate(education="vmbo")
    high = make_candidate(education="hbo")
    gap = _features([low, high], skill_level=3)  # mbo-4 work
    assert list(gap["education_gap"]) == [4.0, 0.0] and list(gap["overqualified"]) == [0.0, 0.0]
    elementary = _features([low, high], skill_level=1)
    assert list(elementary["education_gap"]) == [0.0, 0.0]
    assert list(elementary["overqualified"]) == [0.0, 1.0]


def test_track_record_uses_only_the_past():
    day = dt.date(2026, 3, 1)
    meetings = [TableMeeting(id=f"M{i}", municipality="GM0855", event_id=e, table_id="T1", employer_id="E1",
                             candidate_id="C1", round=1) for i, e in enumerate(["EV1", "EV2"])]
    outcomes = [Outcome(id="O1", municipality="GM0855", candidate_id="C1", employer_id="E1",
                        kind=OutcomeKind.WEP, start_date=day, recorded_on=day)]
    dates = {"EV1": dt.date(2026, 1, 10), "EV2": day}
    track = TrackRecordHistory.from_records(meetings, outcomes, dates)
    employers = np.array(["E1", "E1", "E9"], dtype=object)
    rate, met = track.features(employers, days([day, day + dt.timedelta(days=1), day]))
    assert list(met) == [1, 2, 0]
    assert rate[0] < rate[1]  # the WEP counts from the day after it was recorded
    assert rate[0] == pytest.approx(rate[2] * 10 / 11)  # one meeting, no good outcome yet


def test_explanation_in_dutch():
    c = make_candidate(limits=[Demand.LONG_STANDING])
    need, employer = make_work_need(), make_employer(coaching_capacity=2)
    f = _features([c], need, employer).iloc[0].to_dict()
    reason = explain(c, need, employer, f)
    assert reason.startswith("wil graag in de zorg werken; 2 km fietsen; 24 uur beschikbaar")
    assert "lang staan" in reason
    contributions = {name: 0.0 for name in FEATURE_NAMES} | {"hours_overlap_share": 2.0}
    assert explain(c, need, employer, f, contributions).startswith("24 uur beschikbaar")
    f["travel_km"] = math.nan
    assert "reisafstand onbekend" in explain(c, need, employer, f)


def test_explanation_without_limits_names_no_health_and_fills_the_gap():
    c = make_candidate(limits=[Demand.LONG_STANDING], prior_paid_work=True)
    need, employer = make_work_need(), make_employer(coaching_capacity=2)
    f = _features([c], need, employer).iloc[0].to_dict()
    full = explain(c, need, employer, f).split("; ")
    public = explain(c, need, employer, f, include_limits=False).split("; ")
    assert any("werk aan te passen (lang staan)" == p for p in full)
    assert not any("lang staan" in p for p in public)
    assert len(public) == len(full)  # the next factor takes the place of the limits
    assert [p for p in full if "werk aan te passen" not in p] == public[: len(full) - 1]
