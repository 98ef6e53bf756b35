"""The simulated municipality: determinism, marginals, valid records, hidden truth."""

from __future__ import annotations

import csv
import gzip
import hashlib
import io
import json
import math
from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from matching.records.csv_io import read_folder
from matching.records.enums import CheckInStatus, EducationLevel, OutcomeKind
from matching.records.schemas import RECORD_TYPES
from training.simulator import SimulationConfig, simulate, write_world
from training.simulator import world as world_module
from training.simulator.families import FAMILIES
from training.simulator.outcome_model import sigmoid
from training.simulator.period import event_date, period_end
from training.simulator.population import GENDER_SHARES
from training.simulator.posterior import occupation_weights

SMALL = SimulationConfig(seed=7, n_candidates=600, n_employers=45, months=14)


@pytest.fixture(scope="module")
def world():
    return simulate(SMALL)


@pytest.fixture(scope="module")
def written(world, tmp_path_factory):
    out = tmp_path_factory.mktemp("world")
    counts = write_world(world, out)
    return out, counts


def _digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# ---- configuration --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("n_candidates", 0, "n_candidates must be >= 1, got 0"),
        ("months", 0, "months must be >= 1, got 0"),
        ("n_employers", -3, "n_employers must be >= 1"),
        ("comparison_share", 1.0, "comparison_share must be >= 0 and < 1"),
        ("rounds", 6, "rounds must be <= employers_per_event"),
        ("municipality", "Tilburg centrum", "municipality must be"),
        ("attendance_rate", 1.5, "attendance_rate must be"),
    ],
)
def test_bad_config_is_refused_with_a_clear_error(field, value, message):
    with pytest.raises(ValueError, match=message.replace("(", r"\(")):
        SimulationConfig(**{field: value})


def test_config_types_are_checked():
    with pytest.raises(TypeError, match="seed must be an integer"):
        SimulationConfig(seed="7")  # type: ignore[arg-type]


# ---- determinism ----------------------------------------------------------------------------


def test_same_seed_gives_byte_identical_folders_and_another_seed_does_not(tmp_path):
    config = SimulationConfig(seed=3, n_candidates=250, n_employers=25, months=4)
    write_world(simulate(config), tmp_path / "a")
    write_world(simulate(config), tmp_path / "b")
    other = SimulationConfig(seed=4, n_candidates=250, n_employers=25, months=4)
    write_world(simulate(other), tmp_path / "c")
    a, b, c = (_digest(tmp_path / x) for x in "abc")
    assert a == b
    assert "truth/p_good.csv.gz" in a and "candidates.csv" in a
    assert a["candidates.csv"] != c["candidates.csv"]
    assert a["truth/p_good.csv.gz"] != c["truth/p_good.csv.gz"]


# ---- marginals ------------------------------------------------------------------------------


def _pct(values: list[bool]) -> float:
    return 100.0 * sum(values) / len(values)


def test_candidate_marginals_follow_werktop_at_5000():
    w = simulate(SimulationConfig(seed=11, n_candidates=5000, n_employers=40, months=1))
    cands = w.candidates
    targets = {"18-24": 3.5, "25-44": 48.2, "45-54": 29.8, "55-67": 18.4}
    for band, target in targets.items():
        assert abs(_pct([c.age_band.value == band for c in cands]) - target) <= 3, band
    recorded = [c for c in cands if c.gender is not None]
    assert abs(_pct([c.gender.value == "m" for c in recorded]) - 55.3) <= 3
    assert abs(_pct([not c.education.has_startkwalificatie for c in cands]) - 52.6) <= 3
    assert abs(_pct([c.education.is_higher for c in cands]) - 17.5) <= 3
    durations = {"<6m": 16.8, "6-12m": 21.5, "1-3y": 32.7, "3-5y": 24.3, "5-10y": 3.7,
                 "10y+": 0.9}
    for band, target in durations.items():
        share = _pct([c.benefit_duration_band.value == band for c in cands])
        assert abs(share - target) <= 3, band
    assert abs(_pct([c.prior_paid_work for c in cands]) - 93.9) <= 3
    # plausibility of the rest: Werktop works with rungs 3-5, consent mostly given
    assert _pct([3 <= c.rung <= 5 for c in cands]) > 75
    assert 90 < _pct([c.consent_matching for c in cands]) < 100
    assert 30 < _pct([bool(c.desired_occupations) for c in cands]) < 80


def test_employer_marginals_follow_werktop():
    w = simulate(SimulationConfig(seed=12, n_candidates=20, n_employers=1000, months=1))
    emps = w.employers
    assert abs(_pct([e.sbi_section.value in ("N", "M") for e in emps]) - 26.5) <= 3
    for section in ("F", "C", "I", "G"):
        assert abs(_pct([e.sbi_section.value == section for e in emps]) - 11) <= 3, section
    assert abs(_pct([e.size_class.value in ("0-9", "10-49") for e in emps]) - 71.5) <= 3
    assert abs(_pct([e.size_class.value == "250+" for e in emps]) - 8.1) <= 3


# ---- records --------------------------------------------------------------------------------


def test_written_folder_imports_cleanly(world, written):
    out, counts = written
    contents = read_folder(out)
    assert contents.ok, contents.errors[:10]
    assert contents.count() == {t.entity: counts[t.entity] for t in RECORD_TYPES}
    assert counts["candidates"] == SMALL.n_candidates
    assert counts["employers"] == SMALL.n_employers
    for name in ("truth/p_good.csv.gz", "truth/p_base.csv", "truth/effect.json",
                 "truth/families.csv"):
        assert (out / name).is_file()


def test_p_good_file_covers_every_pair(world, written):
    out, counts = written
    t = world.truth
    with gzip.open(out / "truth" / "p_good.csv.gz", "rt", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    assert len(rows) == len(world.candidates) * len(world.work_needs) == counts[
        "truth/p_good.csv.gz"
    ]
    assert {r["candidate_id"] for r in rows} == {c.id for c in world.candidates}
    assert {r["work_need_id"] for r in rows} == {w.id for w in world.work_needs}
    for r in rows[:: max(1, len(rows) // 500)]:
        i, j = t.candidate_index(r["candidate_id"]), t.work_index(r["work_need_id"])
        assert float(r["p_good"]) == pytest.approx(t.p_good[i, j], abs=1e-6)
        assert float(r["p_good_expected"]) == pytest.approx(t.p_good_expected[i, j], abs=1e-6)


def test_texts_are_varied_dutch_and_desired_occupations_are_esco(world):
    wishes = [c.wishes for c in world.candidates if c.wishes]
    assert len(set(wishes)) > 0.85 * len(wishes)
    motivations = [c.motivation for c in world.candidates if c.motivation]
    assert len(set(motivations)) > 0.6 * len(motivations)
    descriptions = [w.description for w in world.work_needs]
    assert len(set(descriptions)) == len(descriptions)
    uris = [u for c in world.candidates for u in c.desired_occupations]
    assert uris and all(u.startswith("http://data.europa.eu/esco/occupation/") for u in uris)
    assert any(" ik " in f" {c.wishes.lower()} " for c in world.candidates)
    assert any("iemand die" in w.description for w in world.work_needs)


def test_geography_is_a_plausible_municipality(world):
    for c in world.candidates:
        km = math.hypot((c.lat - 51.5606) * 111.3, (c.lon - 5.0919) * 69.3)
        assert km < 12, (c.id, c.postcode)
        assert c.postcode[:2] == "50"
    for e in world.employers:
        km = math.hypot((e.lat - 51.5606) * 111.3, (e.lon - 5.0919) * 69.3)
        assert km < 25
    # nearby addresses share the four postcode digits
    by_digits: dict[str, list] = {}
    for c in world.candidates:
        by_digits.setdefault(c.postcode[:4], []).append(c)
    for people in by_digits.values():
        lats = [p.lat for p in people]
        assert max(lats) - min(lats) < 0.06


# ---- hidden truth ---------------------------------------------------------------------------


def test_hidden_terms_carry_at_least_a_third_of_the_variance(world):
    t = world.truth
    assert t.hidden_variance_share() >= 1 / 3
    theoretical = t.sigma_hidden**2 / (t.score.var() + t.sigma_hidden**2)
    assert theoretical >= 1 / 3


def test_p_good_is_the_logistic_of_score_plus_hidden_terms(world):
    t = world.truth
    expected = sigmoid(t.score + t.circumstances[:, None] + t.chemistry)
    np.testing.assert_allclose(t.p_good, expected, rtol=0, atol=1e-12)
    c, w = world.candidates[5], world.work_needs[3]
    assert world.p_good(c, w) == t.p_good[5, 3]
    assert world.p_good_expected(c.id, w.id) == t.p_good_expected[5, 3]


@pytest.fixture(scope="module")
def captured(monkeypatch_module):
    """A small world plus the arguments ``simulate`` passes to ``expected_p_good``."""
    calls: dict[str, object] = {}
    original = world_module.expected_p_good

    def spy(model, evidence, affinity, catalogue, work_family):
        calls.update(model=model, evidence=evidence, affinity=affinity, catalogue=catalogue,
                     work_family=work_family)
        return original(model, evidence, affinity, catalogue, work_family)

    monkeypatch_module.setattr(world_module, "expected_p_good", spy)
    w = simulate(SimulationConfig(seed=21, n_candidates=300, n_employers=30, months=2))
    return w, calls


@pytest.fixture(scope="module")
def monkeypatch_module():
    mp = pytest.MonkeyPatch()
    yield mp
    mp.undo()


def _sample_given_evidence(rng, i, calls, n_samples):
    """Hidden traits drawn by the simulator's generative process, kept when they
    reproduce candidate ``i``'s exported evidence (rejection sampling)."""
    ev, aff, catalogue = calls["evidence"], calls["affinity"], calls["catalogue"]
    n_fam = len(FAMILIES)
    gender = ev.gender[i]
    if gender < 0:
        gender = rng.choice(3, size=n_samples, p=GENDER_SHARES / GENDER_SHARES.sum())
    else:
        gender = np.full(n_samples, gender)
    edu = ev.education[i]
    sign = np.where(gender == 0, 0.5, np.where(gender == 1, -0.5, 0.0))
    logits = (np.log([f.candidate_weight for f in FAMILIES])[None, :]
              + sign[:, None] * np.array([f.male_logodds for f in FAMILIES])[None, :]
              + (edu >= EducationLevel.HBO.rank) * np.array([f.higher_logodds for f in FAMILIES])
              + (edu < EducationLevel.MBO2.rank) * np.array([f.low_logodds for f in FAMILIES]))
    fam = np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)
    near = aff[fam].copy()
    near[np.arange(n_samples), fam] = 0.0
    second = np.argmax(np.log(np.maximum(near, 1e-9) ** 2)
                       + rng.gumbel(size=near.shape), axis=1)
    keep = np.ones(n_samples, dtype=bool)
    desired = ev.desired[i]
    if desired:
        k_draws = rng.choice(3, size=n_samples, p=[0.5, 0.35, 0.15]) + 1
        drawn = []
        for _ in range(3):
            u = rng.random(n_samples)
            src = np.where(u < 0.7, fam, np.where(u < 0.9, second,
                                                  rng.integers(0, n_fam, n_samples)))
            q = rng.random(n_samples)
            occ = np.empty(n_samples, dtype=int)
            for g in range(n_fam):
                sel = src == g
                cum = catalogue.cumulative_by_family[g]
                k = np.minimum(np.searchsorted(cum, q[sel], side="right"), len(cum) - 1)
                occ[sel] = np.array(catalogue.by_family[g])[k]
            drawn.append(occ)
        keep &= drawn[0] == desired[0]
        for s in np.flatnonzero(keep):
            seq: list[int] = []
            for d in range(k_draws[s]):
                if drawn[d][s] not in seq:
                    seq.append(int(drawn[d][s]))
            keep[s] = tuple(seq) == desired
    if ev.sector_family[i] >= 0:
        u = rng.random(n_samples)
        named = np.where(u < 0.75, fam, np.where(rng.random(n_samples) < 0.6, second,
                                                 rng.integers(0, n_fam, n_samples)))
        keep &= named == ev.sector_family[i]
    motivation = rng.normal(size=n_samples)
    reading = motivation + 0.7 * rng.normal(size=n_samples)
    tier = np.where(reading > 0.6, 1, np.where(reading < -0.6, -1, 0))
    if ev.motivation_tier[i] in (-1, 0, 1):
        keep &= tier == ev.motivation_tier[i]
    else:  # empty motivation text: the pattern of empty texts hints at the tier
        gap = np.where(tier < 0, 1.5, np.where(tier > 0, 0.6, 1.0))
        for col, base in enumerate((0.06, 0.08, 0.22, 0.15, 0.20)):
            keep &= (rng.random(n_samples) < base * gap) == ev.empty[i, col]
    weight = 0.4 + 0.5 * rng.random(n_samples)
    return fam[keep], second[keep], weight[keep], motivation[keep]


def test_p_good_expected_is_p_good_averaged_over_hidden_traits_given_the_evidence(captured):
    w, calls = captured
    t, ev, model = w.truth, calls["evidence"], calls["model"]
    k = model.coefficients
    exported = model.exported_score_matrix()
    catalogue = calls["catalogue"]
    occ_weight, _ = occupation_weights(catalogue)
    single = [i for i in range(ev.n) if len(ev.desired[i]) == 1 and ev.motivation_tier[i] != 9]
    picks = [
        max(single, key=lambda i: (occ_weight[ev.desired[i][0]], -i)),
        next(i for i in range(ev.n) if not ev.desired[i] and ev.sector_family[i] >= 0),
        next(i for i in range(ev.n) if not ev.desired[i] and ev.motivation_tier[i] == 9),
    ]
    rng = np.random.default_rng(5)
    works = np.arange(0, t.score.shape[1], max(1, t.score.shape[1] // 25))
    for i in picks:
        chunks = [_sample_given_evidence(rng, i, calls, 500_000)]
        while sum(c[0].size for c in chunks) < 3000 and len(chunks) < 5:
            chunks.append(_sample_given_evidence(rng, i, calls, 500_000))
        fam, second, weight, motivation = (np.concatenate(x) for x in zip(*chunks, strict=False))
        assert fam.size > 1500, (i, fam.size)
        g = t.work_family[works]
        fit = np.maximum(t.affinity[fam[:, None], g[None, :]],
                         weight[:, None] * t.affinity[second[:, None], g[None, :]])
        z = (exported[i, works][None, :] + k.fit * fit + k.motivation * motivation[:, None]
             + rng.normal(size=(fam.size, 1)) * t.sigma_circumstances
             + rng.normal(size=(fam.size, works.size)) * t.sigma_chemistry)
        p = sigmoid(z)
        se = p.std(axis=0) / math.sqrt(p.shape[0])
        assert np.all(np.abs(p.mean(axis=0) - t.p_good_expected[i, works]) <= 4 * se + 2e-4), i


def test_p_good_expected_is_the_mean_p_good_within_groups_of_equal_evidence(captured, world):
    for w in (world, captured[0]):
        t = w.truth
        tiers = np.array([
            ("empty" if not c.motivation else "text") for c in w.candidates
        ])
        has_desired = np.array([bool(c.desired_occupations) for c in w.candidates])
        for group in (tiers == "empty", (tiers == "text") & has_desired,
                      (tiers == "text") & ~has_desired):
            resid = (t.p_good - t.p_good_expected)[group].mean(axis=1)  # per candidate
            if resid.size < 10:
                continue
            se = resid.std() / math.sqrt(resid.size)
            assert abs(resid.mean()) <= 4 * se + 1e-4


def test_p_good_expected_ignores_hidden_traits_the_records_do_not_show(monkeypatch):
    """Same exported evidence, other hidden family, second family and motivation:
    p_good changes, p_good_expected does not (to the byte)."""
    config = SimulationConfig(seed=8, n_candidates=200, n_employers=20, months=1)
    base = simulate(config)
    original = world_module.compose_candidate_texts

    def texts_then_reshuffle(tr, candidates, catalogue):
        texts = original(tr, candidates, catalogue)
        rng = np.random.default_rng(0)
        candidates.family[:] = rng.permutation(candidates.family)
        candidates.second_family[:] = rng.permutation(candidates.second_family)
        candidates.second_weight[:] = rng.permutation(candidates.second_weight)
        candidates.motivation[:] = rng.normal(size=candidates.n)
        return texts

    monkeypatch.setattr(world_module, "compose_candidate_texts", texts_then_reshuffle)
    other = simulate(config)
    a, b = base.truth, other.truth
    assert (a.candidate_family != b.candidate_family).mean() > 0.5
    assert not np.allclose(a.p_good, b.p_good)
    assert [c.desired_occupations for c in base.candidates] == [
        c.desired_occupations for c in other.candidates
    ]
    np.testing.assert_array_equal(a.p_good_expected, b.p_good_expected)


def test_same_hidden_family_means_higher_p_good(world):
    t = world.truth
    same = t.candidate_family[:, None] == t.work_family[None, :]
    assert same.any() and (~same).any()
    assert t.p_good[same].mean() > 1.5 * t.p_good[~same].mean()
    assert t.p_good_expected[same].mean() > 1.5 * t.p_good_expected[~same].mean()


def test_p_base_is_low(world):
    p = world.truth.p_base
    assert p.min() >= 0.004 and p.max() <= 0.03
    assert world.p_base(world.candidates[0]) == p[0]


# ---- history --------------------------------------------------------------------------------


def test_comparison_group_is_never_invited_and_finds_work_only_on_its_own(world):
    t = world.truth
    comparison = {cid for cid, flag in zip(t.candidate_ids, t.comparison, strict=False) if flag}
    assert abs(len(comparison) / len(t.candidate_ids) - SMALL.comparison_share) < 0.01
    invited = {i.candidate_id for i in world.invitations}
    assert invited and not comparison & invited
    own = [o for o in world.outcomes if o.candidate_id in comparison]
    assert own, "someone in the comparison group should find work on their own"
    for o in own:
        assert o.employer_id is None and o.event_id is None
        assert o.kind in (OutcomeKind.JOB, OutcomeKind.WEP)


def test_events_rotate_candidates_over_different_employers(world):
    meetings_by = Counter()
    seen: dict[tuple[str, str], set[str]] = {}
    for m in world.meetings:
        seen.setdefault((m.event_id, m.candidate_id), set()).add(m.employer_id)
        meetings_by[(m.event_id, m.candidate_id)] += 1
    for key, employers in seen.items():
        assert len(employers) == meetings_by[key], key  # never twice at the same table
    events = {e.id: e for e in world.events}
    attended = {(i.event_id, i.candidate_id) for i in world.invitations if i.attended}
    assert set(seen) == attended
    for (event_id, _), count in meetings_by.items():
        assert count == events[event_id].rounds
    seats = {t.id: t.seats for t in world.event_tables}
    per_round = Counter((m.table_id, m.round) for m in world.meetings)
    assert all(n <= seats[table] for (table, _), n in per_round.items())
    assert 0.6 < len(attended) / sum(i.status.value == "accepted" for i in world.invitations) < 1


def test_outcomes_are_consistent_with_events_and_the_period(world):
    end = period_end(SMALL.start_date, SMALL.months)
    events = {e.id: e for e in world.events}
    met = {(m.event_id, m.candidate_id, m.employer_id) for m in world.meetings}
    placed_on: dict[str, object] = {}
    for o in world.outcomes:
        assert o.recorded_on <= end
        if o.event_id is not None:
            assert (o.event_id, o.candidate_id, o.employer_id) in met
            if o.start_date is not None:
                assert o.start_date > events[o.event_id].date
        if o.kind.is_good:
            placed_on[o.candidate_id] = min(placed_on.get(o.candidate_id, o.recorded_on),
                                            o.recorded_on)
    # placed candidates leave the pool
    for inv in world.invitations:
        when = placed_on.get(inv.candidate_id)
        assert when is None or events[inv.event_id].date <= when
    good = Counter(o.candidate_id for o in world.outcomes if o.kind.is_good)
    assert max(good.values()) == 1
    status = {c.id: c.status.value for c in world.candidates}
    assert all(status[cid] == "placed" for cid in good)


def test_event_outcomes_are_realistic(world):
    good = [o for o in world.outcomes if o.event_id is not None and o.kind.is_good]
    per_event = len(good) / len(world.events)
    assert 1.0 <= per_event <= 10.0
    mean_p = world.truth.model["mean_p_good_meetings"]
    assert 0.02 <= mean_p <= 0.15
    kinds = Counter(o.kind for o in good)
    assert kinds[OutcomeKind.JOB] > 0 and kinds[OutcomeKind.WEP] > 0


def test_checkins_only_at_valid_months_and_within_the_period(world):
    end = period_end(SMALL.start_date, SMALL.months)
    outcomes = {o.id: o for o in world.outcomes}
    by_outcome: dict[str, list] = {}
    for ci in world.checkins:
        assert ci.month in (1, 3, 6, 12)
        assert ci.date <= end
        outcome = outcomes[ci.outcome_id]
        assert outcome.kind.is_good
        assert ci.date > outcome.start_date
        by_outcome.setdefault(ci.outcome_id, []).append(ci)
    assert by_outcome
    for checks in by_outcome.values():
        months = [c.month for c in checks]
        assert months == sorted(months) == list((1, 3, 6, 12)[: len(months)])
        statuses = [c.status for c in checks]
        assert CheckInStatus.STOPPED not in statuses[:-1]
    assert any(c.status is CheckInStatus.STOPPED for c in world.checkins)


def test_effect_file_states_the_true_att(written, world):
    out, _ = written
    effect = json.loads((out / "truth" / "effect.json").read_text(encoding="utf-8"))
    treated = effect["treated"]
    assert treated["n"] == int(world.truth.treated.sum()) > 0
    assert treated["att_expected"] == pytest.approx(
        treated["expected_share_treated"] - treated["expected_share_untreated"], abs=2e-6
    )
    assert treated["att_expected"] > 0
    assert "definition" in effect and "comparison_group" in effect


def test_progress_is_reported_through_the_callback_only(capsys, tmp_path):
    calls: list[tuple[str, float]] = []
    config = SimulationConfig(seed=1, n_candidates=80, n_employers=10, months=2)
    world = simulate(config, progress=lambda stage, fraction: calls.append((stage, fraction)))
    fractions = [f for _, f in calls]
    assert fractions == sorted(fractions) and fractions[0] == 0.0 and fractions[-1] == 1.0
    write_world(world, tmp_path, progress=lambda stage, fraction: calls.append((stage, fraction)))
    assert calls[-1] == ("schrijven", 1.0)
    captured = capsys.readouterr()
    assert captured.out == "" and captured.err == ""


def test_event_dates_fall_in_their_month():
    config = SimulationConfig(start_date=SMALL.start_date.replace(day=20), months=3)
    for m in range(3):
        day = event_date(config.start_date, m)
        assert day.weekday() == 1
    assert period_end(config.start_date, 3) > event_date(config.start_date, 2)


def test_truth_tables_are_readable(written):
    out, _ = written
    text = (out / "truth" / "families.csv").read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert 15 <= len(rows) <= 30
    assert all(float(r[f"affinity_{r['family']}"]) == 1.0 for r in rows)
    base = list(csv.DictReader(io.StringIO((out / "truth" / "p_base.csv").read_text())))
    assert len(base) == SMALL.n_candidates
