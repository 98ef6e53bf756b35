from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from factories import make_candidate, make_employer, make_work_need
from spaces import test_space
from travel_scorer import TravelScorer

import matching.shortlists.engine as engine_module
from matching.records.enums import Demand, Mobility
from matching.records.schemas import Candidate
from matching.records.storage import Store
from matching.shortlists.candidate_arrays import CandidateArrays
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.pool import POOL_TYPES
from matching.shortlists.retrieval import RetrievalIndex
from matching.shortlists.row_blocks import RowBlocks
from matching.shortlists.shortlist import (
    SIMILARITY_NOTE,
    ShortlistConfig,
    ShortlistError,
    UnknownRecordError,
)

TODAY = dt.date(2026, 3, 1)


def _engine(records, **kw) -> ShortlistEngine:
    store = Store("sqlite://")
    store.upsert(records)
    return ShortlistEngine(store, RetrievalIndex(test_space(), None), today=lambda: TODAY, **kw)


def test_work_need_to_candidates_with_vetoes_and_reasons(tiny_world):
    engine = _engine(tiny_world)
    shortlist = engine.for_work_need("W1", k=10)
    ids = [m.candidate_id for m in shortlist.matches]
    assert "C3" not in ids  # no consent to matching
    assert shortlist.vetoed == {"no_consent": 1}
    assert ids[0] in {"C1", "C4"}  # both want care work
    top = shortlist.matches[0]
    assert top.probability is None and shortlist.scored_by == "similarity"
    assert shortlist.note == SIMILARITY_NOTE
    # the candidate's own words lead, exactly as written, with what the work shares marked
    assert top.quote is not None and top.quote.text in ("Ik wil graag in de zorg werken, "
                                                          "bijvoorbeeld als helpende.")
    assert top.reason.startswith(f"schrijft: „{top.quote.text}”")
    assert {top.quote.text[a:b] for a, b in top.quote.marks} >= {"zorg"}
    assert "too_far" in top.checks_passed and "limits_clash" in top.checks_passed
    assert [m.rank for m in shortlist.matches] == list(range(1, len(ids) + 1))


def test_candidate_to_work_needs_one_per_employer(tiny_world):
    engine = _engine(tiny_world)
    shortlist = engine.for_candidate("C2", k=10)
    assert [m.employer_id for m in shortlist.matches] == ["E2", "E1"]
    both = engine.for_candidate("C2", k=10, one_per_employer=False)
    assert len(both.matches) == 3


def test_bad_requests(tiny_world):
    engine = _engine(tiny_world)
    with pytest.raises(UnknownRecordError, match="W99"):
        engine.for_work_need("W99")
    with pytest.raises(UnknownRecordError):
        engine.for_work_need("W1", municipality="GM0363")
    for k in (0, -3, 10_000, 2.5):
        with pytest.raises(ShortlistError, match="k must"):
            engine.for_work_need("W1", k=k)
    with pytest.raises(UnknownRecordError, match="candidate"):
        engine.for_candidate("nobody")


def test_empty_pools_give_a_reason():
    engine = _engine([make_employer(), make_work_need()])
    shortlist = engine.for_work_need("W1")
    assert shortlist.matches == [] and "geen kandidaten" in shortlist.note
    engine = _engine([make_candidate(mobility=Mobility.WALK, max_travel_km=1), make_employer(lat=51.9),
                      make_work_need()])
    shortlist = engine.for_work_need("W1")
    assert shortlist.matches == [] and "harde criteria" in shortlist.note
    engine = _engine([make_candidate()])
    assert "geen open werkvragen" in engine.for_candidate("C1").note


def test_overrides_pin_and_exclude(tiny_world):
    engine = _engine(tiny_world)
    shortlist = engine.for_work_need("W1", pinned=["C2", "C3"], excluded={"C1": "is al in gesprek"})
    ids = [m.candidate_id for m in shortlist.matches]
    assert ids[0] == "C2" and shortlist.matches[0].pinned
    assert "C1" not in ids and shortlist.excluded == {"C1": "is al in gesprek"}
    assert "C3" in shortlist.note  # pinned but vetoed (no consent)


def test_employer_audience_respects_consent(tiny_world):
    records = tiny_world + [make_candidate("C5", consent_share_employers=False)]
    engine = _engine(records)
    assert "C5" in [m.candidate_id for m in engine.for_work_need("W1").matches]
    assert "C5" not in [m.candidate_id for m in engine.for_work_need("W1", audience="employer").matches]


def _random_world(n: int, seed: int = 0):
    rng = np.random.default_rng(seed)
    wishes = ["Ik wil graag in de zorg werken.", "Liefst buiten in het groen.", "Iets in een magazijn of logistiek.",
              "Koken in een restaurant lijkt me mooi.", "Schoonmaakwerk in kantoren.", "Werken in een winkel."]
    records = [make_employer(), make_work_need()]
    for i in range(n):
        records.append(make_candidate(
            f"C{i:04d}", wishes=str(rng.choice(wishes)) + f" Ervaring: {int(rng.integers(0, 10))} jaar.",
            lat=51.5 + 0.1 * rng.random(), lon=5.0 + 0.1 * rng.random(),
            mobility=[Mobility.BIKE, Mobility.CAR, Mobility.WALK][int(rng.integers(0, 3))],
            limits=[Demand.CUSTOMER_CONTACT] if rng.random() < 0.1 else [],
        ))
    return records


def test_index_path_equals_exact_path():
    records = [  # no two texts alike: the two ways may break ties between equal vectors differently
        r.model_copy(update={"wishes": f"{r.wishes} Dossier {r.id}."}) if isinstance(r, Candidate) else r
        for r in _random_world(300)
    ]
    fast = _engine(records, config=ShortlistConfig(exhaustive_limit=100, retrieve_k=50, scan_limit=0))
    exact = _engine(records, config=ShortlistConfig(exhaustive_limit=100, retrieve_k=50))  # the pool scanned
    a = fast.for_work_need("W1", k=20)
    b = exact.for_work_need("W1", k=20)
    assert a.ranking is not None and a.ranking.retrieved is not None  # 50 of the allowed were scored
    assert a.ranking.retrieved == b.ranking.retrieved
    assert [m.candidate_id for m in a.matches] == [m.candidate_id for m in b.matches]
    assert np.allclose([m.score for m in a.matches], [m.score for m in b.matches], atol=1e-6)


def test_ranker_reorders_and_reports_probability():
    records = _random_world(120, seed=1)
    engine = _engine(records, scorer=TravelScorer("test-1"))
    shortlist = engine.for_work_need("W1", k=10)
    km = [1 / m.probability - 1 for m in shortlist.matches]
    assert km == sorted(km)
    assert shortlist.scored_by == "test-1" and shortlist.note is None
    assert shortlist.matches[0].contributions == {"travel_km": pytest.approx(-km[0])}
    engine.set_scorer(None)
    assert engine.for_work_need("W1", k=10).scored_by == "similarity"


def test_pool_refreshes_after_a_write(tiny_world):
    engine = _engine(tiny_world)
    assert "C9" not in [m.candidate_id for m in engine.for_work_need("W1").matches]
    engine.store.upsert([make_candidate("C9")])
    assert "C9" in [m.candidate_id for m in engine.for_work_need("W1").matches]


def test_pair_matrix_agrees_with_the_shortlist(tiny_world):
    engine = _engine(tiny_world)
    matrix = engine.pair_matrix("GM0855", ["C1", "C2", "C4"], ["W1", "W2"])
    assert matrix.score.shape == (3, 2) and matrix.employer_ids == ["E1", "E2"]
    shortlist = {m.candidate_id: m.score for m in engine.for_work_need("W2").matches}
    for i, cid in enumerate(matrix.candidate_ids):
        assert matrix.score[i, 1] == pytest.approx(shortlist[cid])
    with pytest.raises(UnknownRecordError):
        engine.pair_matrix("GM0855", ["C1"], ["W99"])


def test_warm_builds_every_pool_once(tiny_world):
    engine = _engine(tiny_world)
    assert engine.warm() == ["GM0855"]
    pool = engine._pools["GM0855"]
    engine.for_work_need("W1")
    assert engine._pools["GM0855"] is pool  # the first shortlist reused the warmed pool
    assert engine.warm([]) == []


def test_sorting_by_the_difference_meeting_makes():
    records = _random_world(120, seed=2)
    engine = _engine(records, scorer=TravelScorer("test-1"))
    by_chance = engine.for_work_need("W1", k=120)
    assert all(m.anyway is None and m.net is None for m in by_chance.matches)  # no history to tell
    fallback = engine.for_work_need("W1", k=10, sort="net")
    assert "verschil dat het maakt niet bekend" in (fallback.note or "")
    assert [m.candidate_id for m in fallback.matches] == [m.candidate_id for m in by_chance.matches[:10]]

    pool = engine._pool("GM0855")
    # a known chance anyway: the closer half would find work alone for sure, the rest never
    best = {m.candidate_id for m in by_chance.matches[:60]}
    pool.anyway = np.array([0.9 if c.id in best else 0.0 for c in pool.candidates])
    by_net = engine.for_work_need("W1", k=120, sort="net")
    nets = [m.net for m in by_net.matches]
    assert nets == sorted(nets, reverse=True)
    for m in by_net.matches:
        assert m.net == pytest.approx((1.0 - m.anyway) * m.probability)
    assert {m.candidate_id for m in by_net.matches[:10]}.isdisjoint(best)
    assert engine.for_work_need("W1", k=5).matches[0].net is not None  # shown with a chance sort too


def test_names_and_contact_details_never_enter_a_model(tiny_world):
    import pandas as pd

    seen: list[pd.DataFrame] = []

    class Recorder(TravelScorer):
        def predict(self, features, *, explain=True):
            seen.append(features.copy())
            return super().predict(features, explain=explain)

    def features_with(names: bool) -> pd.DataFrame:
        records = [
            r.model_copy(update={"name": "Fatima el Amrani", "email": "f.elamrani@voorbeeld.nl",
                                 "phone": "06-12345678"})
            if names and type(r).__name__ == "Candidate" else r
            for r in tiny_world
        ]
        seen.clear()
        _engine(records, scorer=Recorder("test")).for_work_need("W1", k=10)
        return seen[0]

    with_names, without = features_with(True), features_with(False)
    pd.testing.assert_frame_equal(with_names, without)


def test_a_fair_exposure_policy_brings_a_group_the_ranker_puts_last_into_the_top():
    from matching.records.enums import AgeBand
    from matching.shortlists.fair_exposure import ExposurePolicy

    records = _random_world(120, seed=3)
    ranked = [m.candidate_id for m in _engine(records, scorer=TravelScorer("t")).for_work_need("W1", k=120).matches]
    older = set(ranked[-len(ranked) // 3:])  # the third the travel-based ranker puts last
    records = [r.model_copy(update={"age_band": AgeBand.A55_67}) if getattr(r, "id", "") in older else r
               for r in records]
    off = _engine(records, scorer=TravelScorer("t")).for_work_need("W1", k=10)
    assert not older & {m.candidate_id for m in off.matches} and off.exposure is None
    policy = ShortlistConfig(fair_exposure=ExposurePolicy(0.8, 1.25))
    on = _engine(records, scorer=TravelScorer("t"), config=policy).for_work_need("W1", k=10)
    shown = [m.candidate_id for m in on.matches]
    assert 2 <= len(older & set(shown)) <= 5
    assert on.exposure["moved"] == len(older & set(shown))
    assert on.exposure["expected_good_given_up"] > 0
    assert "evenwichtige zichtbaarheid" in on.note
    # the rest keep the model's order
    assert [c for c in shown if c not in older] == [m.candidate_id for m in off.matches][: 10 - len(older & set(shown))]


def test_a_write_elsewhere_keeps_a_municipalitys_pool_and_an_outcome_keeps_the_index(tiny_world):
    from matching.records.enums import OutcomeKind
    from matching.records.schemas import Municipality, Outcome

    other = "GM0363"
    engine = _engine([
        *tiny_world,
        Municipality(id="GM0855", municipality="GM0855", name="Tilburg", region="R"),
        Municipality(id=other, municipality=other, name="Amsterdam", region="R"),
        make_candidate("B1", municipality=other, consent_region=True),
        make_employer("BE1", municipality=other),
    ])
    syncs = []
    sync = engine.index.sync
    engine.index.sync = lambda store, **kw: syncs.append(1) or sync(store, **kw)
    engine.for_work_need("W1", k=5)
    regional = engine.for_work_need("W1", k=5, region=True)
    assert "B1" in [m.candidate_id for m in regional.matches]
    pool, indexed = engine._pool("GM0855"), len(syncs)

    # an outcome in the other municipality: this pool and the index stay as they are
    engine.store.upsert([Outcome(id="O9", municipality=other, candidate_id="B1", employer_id="BE1",
                                 kind=OutcomeKind.FOLLOW_UP, recorded_on=TODAY)])
    engine.for_work_need("W1", k=5)
    assert engine._pool("GM0855") is pool and len(syncs) == indexed
    # but the region's pool is made again when one of its members changed
    regional_pool = engine._regional("GM0855")
    engine.store.upsert([make_candidate("B2", municipality=other, consent_region=True)])
    assert engine._regional("GM0855") is not regional_pool
    assert len(syncs) == indexed + 1  # a new candidate's text goes into the index
    assert engine._pool("GM0855") is pool

    # a write in the municipality itself: its pool is built again
    engine.store.upsert([make_candidate("C9")])
    assert engine._pool("GM0855") is not pool


def test_an_outcome_reads_only_the_history_again_and_takes_effect_at_once(tiny_world):
    from matching.records.enums import OutcomeKind
    from matching.records.schemas import Outcome

    engine = _engine(tiny_world)
    before = [m.candidate_id for m in engine.for_work_need("W1", k=10).matches]
    assert "C1" in before
    pool = engine._pool("GM0855")
    placed = Outcome(id="O1", municipality="GM0855", candidate_id="C1", employer_id="E1",
                     work_need_id="W2", kind=OutcomeKind.WEP, hours=20,
                     start_date=TODAY - dt.timedelta(days=3), recorded_on=TODAY - dt.timedelta(days=3))
    engine.store.upsert([placed])
    after = engine.for_work_need("W1", k=10)
    assert "C1" not in [m.candidate_id for m in after.matches]  # placed: vetoed at once
    assert after.vetoed.get("already_placed") == 1
    again = engine._pool("GM0855")
    assert again is not pool and again.version > pool.version
    # the candidate side was kept: no profile was read or embedded again
    assert again.arrays is pool.arrays and again.vectors is pool.vectors and again.text is pool.text
    assert "C1" in again.placed_ids


def test_a_candidates_list_over_the_region_adds_its_open_work_scored_as_at_home(tiny_world):
    from matching.records.schemas import Municipality

    near, far = "GM0784", "GM0363"
    engine = _engine([
        *tiny_world,
        Municipality(id="GM0855", municipality="GM0855", name="Tilburg", region="R"),
        Municipality(id=near, municipality=near, name="Gilze en Rijen", region="R"),
        Municipality(id=far, municipality=far, name="Amsterdam", region="R"),
        make_employer("NE1", municipality=near, name="Zorghuis Rijen"),  # next door
        make_work_need("NW1", "NE1", municipality=near),
        make_employer("FE1", municipality=far, name="Zorg Amsterdam", lat=52.37, lon=4.89),
        make_work_need("FW1", "FE1", municipality=far),
    ])
    home = engine.for_candidate("C1", k=10, one_per_employer=False)
    regional = engine.for_candidate("C1", k=10, one_per_employer=False, region=True)
    assert {m.work_need_id for m in home.matches} <= {"W1", "W2", "W3"}
    assert "NW1" in [m.work_need_id for m in regional.matches]
    assert "FW1" not in [m.work_need_id for m in regional.matches]  # too far to travel
    assert regional.pool_size == home.pool_size + 2
    assert regional.vetoed.get("too_far", 0) >= home.vetoed.get("too_far", 0) + 1
    assert "regio: 2 open werkvragen uit andere gemeenten" in regional.note
    # the candidate's own work needs are scored exactly as in their own list
    own = {m.work_need_id: m.score for m in home.matches}
    assert {w: s for w, s in ((m.work_need_id, m.score) for m in regional.matches) if w in own} == {
        w: s for w, s in own.items() if w in {m.work_need_id for m in regional.matches}
    }


OTHER = "GM0363"  # in one labour-market region with GM0855 in :func:`_regional_engine`


def _regional_engine(tiny_world, shared_b2: bool) -> ShortlistEngine:
    """GM0855 and GM0363 in one region; GM0363 has B1 (sharing regionally) and B2 (sharing
    as ``shared_b2`` says), ranked by travel."""
    from matching.records.schemas import Municipality

    return _engine([
        *tiny_world,
        Municipality(id="GM0855", municipality="GM0855", name="Tilburg", region="R"),
        Municipality(id=OTHER, municipality=OTHER, name="Amsterdam", region="R"),
        make_candidate("B1", municipality=OTHER, consent_region=True),
        make_candidate("B2", municipality=OTHER, consent_region=shared_b2),
        make_employer("BE1", municipality=OTHER),
    ], scorer=TravelScorer())


def test_after_new_history_a_regional_pool_keeps_its_candidates_and_ranks_as_one_made_anew(
    tiny_world,
):
    from factories import make_event

    from matching.records.enums import InvitationStatus, OutcomeKind
    from matching.records.schemas import Invitation, Outcome

    other = OTHER
    engine = _regional_engine(tiny_world, True)
    engine.store.upsert([make_event("EV9", municipality=other, date=TODAY - dt.timedelta(days=7))])
    before = engine._regional("GM0855")
    held = engine.for_work_need("W1", 10, region=True)
    assert {"B1", "B2"} <= {m.candidate_id for m in held.matches}
    region = ["GM0855", other]
    version = engine.store.version(municipalities=region, record_types=POOL_TYPES)
    engine.store.upsert([
        Outcome(id="O9", municipality=other, candidate_id="B1", employer_id="BE1", kind=OutcomeKind.WEP,
                hours=20, start_date=TODAY, recorded_on=TODAY),
        Invitation(id="I9", municipality=other, event_id="EV9", candidate_id="B2",
                   status=InvitationStatus.DECLINED),
    ])
    after = engine._regional("GM0855")
    assert after is not before and after.vectors is before.vectors and "B1" in after.placed_ids
    anew = ShortlistEngine(engine.store, engine.index, scorer=TravelScorer(), today=lambda: TODAY)
    # only B1's and B2's rows read again, and what the history says of them as in a pool made anew
    made_pool = anew._regional("GM0855")
    assert after.row_of == made_pool.row_of and after.placed_ids == made_pool.placed_ids
    b2 = after.row_of["B2"]
    assert after.engagement["hist_invited"][b2] == 1 > before.engagement["hist_invited"][b2]
    for name, values in made_pool.engagement.items():
        np.testing.assert_array_equal(after.engagement[name], values, err_msg=name)
    kept = engine.for_work_need("W1", 10, region=True)
    made = anew.for_work_need("W1", 10, region=True)
    assert "B1" not in [m.candidate_id for m in kept.matches]  # placed since
    assert [(m.candidate_id, m.score) for m in kept.matches] == [
        (m.candidate_id, m.score) for m in made.matches
    ]
    # the list held from before, brought up to date with the other municipality's outcome
    changes = engine.store.changed_since(version, municipalities=region, record_types=POOL_TYPES, limit=10)
    updated = engine.update_work_need(held, changes or [], 10, region=True)
    assert updated is not None and updated.vetoed == made.vetoed
    assert [(m.candidate_id, m.score, m.reason) for m in updated.matches] == [
        (m.candidate_id, m.score, m.reason) for m in made.matches
    ]


def test_a_regional_list_is_carried_forward_after_writes_elsewhere_in_the_region_as_made_anew(
    tiny_world,
):
    from matching.records.enums import OutcomeKind
    from matching.records.schemas import Outcome

    engine = _regional_engine(tiny_world, True)
    # B3 shares regionally but lives 60 km away: vetoed for the work, on no list
    engine.store.upsert([make_candidate("B3", municipality=OTHER, consent_region=True, lat=52.1, lon=5.1,
                                        max_travel_km=5)])
    held = engine.for_work_need("W1", 10, region=True)
    assert held.ranking is not None and "B3" not in {c for c, _ in held.ranking.order}
    assert engine.carry_forward([(held, "staff", "chance", True)]) == [held]  # nothing written since
    engine.store.upsert([Outcome(id="O9", municipality=OTHER, candidate_id="B3", employer_id="BE1",
                                 kind=OutcomeKind.FOLLOW_UP, recorded_on=TODAY)])
    assert engine.keep_in_step() == 2  # the other municipality's pool, and the regional one
    carried = engine.carry_forward([(held, "staff", "chance", True)])[0]
    made = ShortlistEngine(engine.store, engine.index, scorer=TravelScorer(), today=lambda: TODAY).for_work_need(
        "W1", 10, region=True)
    assert carried is not None and carried.ranking is not None and made.ranking is not None
    assert carried.ranking.pools == made.ranking.pools != held.ranking.pools
    assert [(m.candidate_id, m.score) for m in carried.matches] == [(m.candidate_id, m.score) for m in made.matches]
    assert (carried.vetoed, carried.pool_size, carried.note) == (made.vetoed, made.pool_size, made.note)
    # B3 moves next door: allowed now, every allowed candidate was ranked, so the list changes
    engine.store.upsert([make_candidate("B3", municipality=OTHER, consent_region=True)])
    engine.keep_in_step()
    assert engine.carry_forward([(carried, "staff", "chance", True)]) == [None]
    # and a candidate who stops sharing regionally leaves the regional pool: never carried
    engine.store.upsert([make_candidate("B3", municipality=OTHER, consent_region=False, lat=52.1, lon=5.1)])
    engine.keep_in_step()
    again = engine.for_work_need("W1", 10, region=True)
    engine.store.upsert([make_candidate("B3", municipality=OTHER, consent_region=True, lat=52.1, lon=5.1)])
    engine.keep_in_step()
    assert engine.carry_forward([(again, "staff", "chance", True)]) == [None]


def test_lists_made_at_different_versions_are_each_carried_from_the_pool_they_were_made_of(tiny_world):
    engine = _engine([*tiny_world, make_candidate("X", lat=52.1, lon=5.1, max_travel_km=5)], scorer=TravelScorer())
    older = engine.for_work_need("W1", 10)  # X lives 60 km away
    # X also wants at most 8 hours: vetoed for two reasons now
    engine.store.upsert([make_candidate("X", lat=52.1, lon=5.1, max_travel_km=5, hours_min=4, hours_max=8)])
    engine.keep_in_step()
    newer = engine.for_work_need("W1", 5)
    assert older.vetoed != newer.vetoed
    engine.store.upsert([make_candidate("X", lat=52.1, lon=5.1, max_travel_km=5, hours_min=4, hours_max=8,
                                        wishes="Liefst in de bouw.")])
    engine.keep_in_step()
    # one call, the older list first: each compares X with X as it was when that list was made
    carried = engine.carry_forward([(older, "staff", "chance", False), (newer, "staff", "chance", False)])
    anew = ShortlistEngine(engine.store, engine.index, scorer=TravelScorer(), today=lambda: TODAY)
    for list_, k in zip(carried, (10, 5), strict=True):
        made = anew.for_work_need("W1", k)
        assert list_ is not None and list_.vetoed == made.vetoed
        assert [(m.candidate_id, m.score) for m in list_.matches] == [(m.candidate_id, m.score) for m in made.matches]


def test_the_index_reads_again_only_the_records_written(tiny_world):
    engine = _engine(tiny_world)
    engine.for_work_need("W1", k=10)
    real, asked = engine.index.sync, []

    def sync(store, **kw):
        asked.append(kw.get("ids"))
        return real(store, **kw)

    engine.index.sync = sync
    engine.store.upsert([make_candidate("C1", wishes="Liefst iets met dieren, in een dierenasiel.")])
    engine.for_work_need("W1", k=10)
    assert asked == [{"C1"}]
    engine.store.delete(Candidate, ["C2"], keep_history=False)  # as an erasure: no name left
    engine.for_work_need("W1", k=10)
    assert asked[-1] is None and "C2" not in engine.index.indexes["candidates"]
    assert all(r.consistent for r in engine.index.check(engine.store).values())


def test_an_edit_of_someone_the_region_does_not_see_keeps_the_regional_pool_as_it_was(tiny_world, monkeypatch):
    monkeypatch.setattr(RowBlocks, "BLOCK_ROWS", 2)
    other = OTHER
    engine = _regional_engine(tiny_world, False)
    before = engine._regional("GM0855")
    engine.store.upsert([make_candidate("B2", municipality=other, wishes="Liefst in de bouw.")])
    after = engine._regional("GM0855")
    assert after is not before and after.vectors is before.vectors  # B2 is not shared: nothing to copy
    engine.store.upsert([make_candidate("B1", municipality=other, consent_region=True, max_travel_km=25)])
    edited = engine._regional("GM0855")
    assert edited.vectors is not after.vectors and edited.arrays.max_travel_km[edited.row_of["B1"]] == 25
    # B1's row copied in, the rest kept: only B1's block of vectors is new
    assert edited.row_of is after.row_of and edited.vectors.ids is after.vectors.ids
    b1_block = edited.row_of["B1"] // 2
    assert [a is b for a, b in zip(edited.vectors.matrix.blocks, after.vectors.matrix.blocks, strict=True)] == [
        i != b1_block for i in range(len(after.vectors.matrix.blocks))
    ]
    anew = ShortlistEngine(engine.store, engine.index, scorer=TravelScorer(), today=lambda: TODAY)
    made = anew._regional("GM0855")
    assert [c.id for c in edited.candidates] == [c.id for c in made.candidates]
    for name in CandidateArrays.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(edited.arrays, name), getattr(made.arrays, name), err_msg=name)
    np.testing.assert_array_equal(edited.vectors.dense, made.vectors.dense)
    assert [(m.candidate_id, m.score) for m in engine.for_work_need("W1", 10, region=True).matches] == [
        (m.candidate_id, m.score) for m in anew.for_work_need("W1", 10, region=True).matches
    ]
    # an edit at home: its row copied in from the home pool (every one of whose rows the
    # region lists), the rest kept
    engine.store.upsert([make_candidate("C1", max_travel_km=3)])
    home_edit = engine._regional("GM0855")
    assert home_edit.row_of is edited.row_of and home_edit.arrays.max_travel_km[home_edit.row_of["C1"]] == 3
    assert home_edit.candidates[home_edit.row_of["B1"]] is edited.candidates[edited.row_of["B1"]]
    made = ShortlistEngine(engine.store, engine.index, scorer=TravelScorer(), today=lambda: TODAY)._regional("GM0855")
    for name in CandidateArrays.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(home_edit.arrays, name), getattr(made.arrays, name), err_msg=name)
    np.testing.assert_array_equal(home_edit.vectors.dense, made.vectors.dense)


def test_keep_in_step_brings_the_pools_held_up_to_date_before_anyone_asks(tiny_world, monkeypatch):
    from matching.records.enums import OutcomeKind
    from matching.records.schemas import Outcome

    engine = _regional_engine(tiny_world, True)
    engine.for_work_need("W1", 10)
    engine.for_work_need("W1", 10, region=True)
    assert engine.keep_in_step() == 0  # nothing written since
    engine.store.upsert([
        make_candidate("B1", municipality=OTHER, consent_region=True, max_travel_km=25),
        Outcome(id="O9", municipality=OTHER, candidate_id="B2", employer_id="BE1", kind=OutcomeKind.WEP,
                hours=20, start_date=TODAY, recorded_on=TODAY),
    ])
    assert engine.keep_in_step() == 2  # the other municipality's pool and GM0855's regional pool
    pools = dict(engine._pools)
    regional = engine._regional("GM0855")

    def read(*args, **kwargs):
        raise AssertionError("a request brought a pool up to date")

    for name in ("with_changes", "with_new_history", "load_pool", "regional_pool"):
        monkeypatch.setattr(engine_module, name, read)
    assert engine._regional("GM0855") is regional and engine._pool(OTHER) is pools[OTHER]
    assert regional.arrays.max_travel_km[regional.row_of["B1"]] == 25 and "B2" in regional.placed_ids
    assert engine.keep_in_step() == 0
    monkeypatch.undo()
    anew = ShortlistEngine(engine.store, engine.index, scorer=TravelScorer(), today=lambda: TODAY)
    assert [(m.candidate_id, m.score) for m in engine.for_work_need("W1", 10, region=True).matches] == [
        (m.candidate_id, m.score) for m in anew.for_work_need("W1", 10, region=True).matches
    ]
