"""A simulated labour-market region: several municipalities of different sizes in one folder
that imports cleanly, ids that never collide, places apart but within commuting reach, and
a regional shortlist that finds the neighbours' shared candidates."""

from __future__ import annotations

import datetime as dt
import math
from collections import Counter

import numpy as np
import pytest
from spaces import fast_text_space

from matching.records.importer import import_folder
from matching.records.schemas import Candidate, Employer, Municipality, WorkNeed
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.retrieval import RetrievalIndex
from services.simulation import simulate_municipality
from training.simulator import SimulationConfig, simulate
from training.simulator.region import MEMBERS, REGION, region_configs

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def region_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("region")
    counts = simulate_municipality(folder, municipalities=3, seed=5, candidates=600, employers=40, months=4)
    return folder, counts


@pytest.fixture(scope="module")
def region_store(region_folder, tmp_path_factory):
    folder, _ = region_folder
    store = Store(f"sqlite:///{tmp_path_factory.mktemp('db') / 'region.db'}")
    report = import_folder(store, folder)
    assert report.read["candidates"] > 0
    yield store
    store.dispose()


def _km(lat1, lon1, lat2, lon2):
    dy = (lat1 - lat2) * 111.32
    dx = (lon1 - lon2) * 111.32 * math.cos(math.radians(51.6))
    return math.hypot(dx, dy)


def test_sizes_follow_population_and_ids_carry_the_municipality(region_store):
    people = region_store.list(Candidate)
    per = Counter(c.municipality for c in people)
    codes = [m[0] for m in MEMBERS[:3]]
    assert list(per) == codes or set(per) == set(codes)
    assert per[codes[0]] == 600 and per[codes[0]] > per[codes[1]] > per[codes[2]] >= 60
    for record_type in (Candidate, Employer, WorkNeed):
        rows = region_store.list(record_type)
        assert all(r.id.startswith(f"{r.municipality}-") for r in rows)
        assert len({r.id for r in rows}) == len(rows)
    assert {m.region for m in region_store.list(Municipality)} == {REGION}


def test_each_municipality_lies_at_its_own_place_within_commuting_reach(region_store):
    people = region_store.list(Candidate)
    employers = region_store.list(Employer)
    centres = {code: (lat, lon) for code, _, _, lat, lon in MEMBERS}
    for code in {c.municipality for c in people}:
        own = [c for c in people if c.municipality == code]
        lat = float(np.mean([c.lat for c in own]))
        lon = float(np.mean([c.lon for c in own]))
        assert _km(lat, lon, *centres[code]) < 4  # the borrowed town, moved to its place
    # someone can reach an employer of another municipality with their own means
    crossing = sum(
        1
        for c in people[::7]
        for e in employers
        if e.municipality != c.municipality and _km(c.lat, c.lon, e.lat, e.lon) * 1.3 <= c.max_travel_km
    )
    assert crossing > 0


def test_a_municipality_in_the_region_is_the_world_it_would_be_alone(region_folder):
    config = region_configs(3, seed=5, largest=600, employers=40, months=4)[1]
    alone = simulate(SimulationConfig(**config.__dict__))
    folder, _ = region_folder
    text = (folder / "candidates.csv").read_text()
    assert text.count(f"\n{config.municipality}-c") == len(alone.candidates)
    first = alone.candidates[0]
    assert f"{config.municipality}-{first.id},{config.municipality},{first.name}," in text
    truth = folder / "truth" / config.municipality / "p_base.csv"
    assert truth.read_text().splitlines()[1].startswith(f"{config.municipality}-c")


def test_about_six_in_ten_share_with_the_region(region_store):
    people = [c for c in region_store.list(Candidate) if c.consent_matching]
    share = sum(c.consent_region for c in people) / len(people)
    assert 0.5 < share < 0.7
    assert not any(c.consent_region for c in region_store.list(Candidate) if not c.consent_matching)


def test_a_regional_shortlist_finds_the_neighbours_shared_candidates(region_store):
    home = MEMBERS[0][0]
    engine = ShortlistEngine(
        region_store, RetrievalIndex(fast_text_space(), None), today=lambda: dt.date(2025, 4, 20)
    )
    needs = region_store.list(WorkNeed, municipality=home, where={"open": True})
    found = Counter()
    for need in needs[:15]:
        shortlist = engine.for_work_need(need.id, 20, region=True)
        owners = {c.id: c for c in region_store.list(Candidate, where={"id": [m.candidate_id for m in shortlist.matches]})}
        for m in shortlist.matches:
            c = owners[m.candidate_id]
            assert c.municipality == home or c.consent_region
            found[c.municipality] += 1
    assert found[home] > 0 and sum(n for code, n in found.items() if code != home) > 0
