"""The chance of finding work without the programme: risk set by hand, model against the truth."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest
from factories import MUNICIPALITY, make_candidate, make_event

from matching.outcomes.own_chance import (
    OWN_CHANCE_FEATURES,
    OwnChanceError,
    OwnChanceModel,
    risk_set,
)
from matching.records.enums import (
    BenefitDurationBand,
    CandidateStatus,
    ContractType,
    InvitationStatus,
    OutcomeKind,
)
from matching.records.importer import import_folder
from matching.records.schemas import Invitation, Outcome
from matching.records.storage import Store
from matching.shortlists.features import PROTECTED_ATTRIBUTES
from training.simulator import SimulationConfig, simulate, write_world


def _outcome(id: str, candidate: str, start: dt.date, *, event: str | None = None,
             kind: OutcomeKind = OutcomeKind.JOB, recorded: dt.date | None = None) -> Outcome:
    return Outcome(id=id, municipality=MUNICIPALITY, candidate_id=candidate, kind=kind,
                   event_id=event, employer_id="E1" if event else None, start_date=start,
                   contract_type=ContractType.PERMANENT if kind is OutcomeKind.JOB else None,
                   recorded_on=recorded or start)


def test_the_risk_set_is_the_time_nobody_invited_them_as_of_the_day():
    from factories import make_employer

    store = Store("sqlite://")
    store.upsert([
        make_employer("E1"),
        make_candidate("A", registered_on=dt.date(2025, 1, 10)),  # found work alone in April
        make_candidate("B", registered_on=dt.date(2025, 1, 10)),  # invited in March
        make_candidate("C", registered_on=dt.date(2025, 1, 10), status=CandidateStatus.LEFT,
                       status_since=dt.date(2025, 2, 1)),  # left the caseload in February
        make_candidate("D", registered_on=dt.date(2025, 5, 2)),  # job recorded after the day
        # registered before the history (the first outcome on record) starts: counts from then
        make_candidate("E", registered_on=dt.date(2024, 6, 1)),
        _outcome("O0", "E", dt.date(2025, 1, 20)),
        make_event("EV1", date=dt.date(2025, 3, 15)),
        Invitation(id="I1", municipality=MUNICIPALITY, event_id="EV1", candidate_id="B",
                   status=InvitationStatus.ACCEPTED),
        _outcome("O1", "A", dt.date(2025, 4, 5)),
        _outcome("O2", "D", dt.date(2025, 6, 20), recorded=dt.date(2025, 7, 2)),
    ])
    from matching.records.schemas import Candidate, Event

    risk = risk_set(
        store.list(Candidate), store.list(Outcome), store.list(Invitation),
        {e.id: e.date for e in store.list(Event)}, dt.date(2025, 6, 30),
    )
    ids = [risk.candidates[i].id for i in risk.rows]
    months = {c: [int(m) for m, r in zip(risk.months_in, ids, strict=True) if r == c] for c in "ABCDE"}
    events = {c: [int(e) for e, r in zip(risk.event, ids, strict=True) if r == c] for c in "ABCDE"}
    assert months["A"] == [0, 1, 2, 3] and events["A"] == [0, 0, 0, 1]  # January to April
    assert months["B"] == [0, 1]  # January and February; from March the programme acts
    assert months["C"] == [0]
    assert months["D"] == [0, 1] and sum(events["D"]) == 0  # the job is not known on June 30
    assert months["E"] == [7] and events["E"] == [1]  # January 2025, 7 months after registering
    assert risk.n_events == 2
    # the month of the day itself counts only once it is whole
    partial = risk_set(store.list(Candidate), store.list(Outcome), store.list(Invitation),
                       {e.id: e.date for e in store.list(Event)}, dt.date(2025, 6, 29))
    assert [int(m) for m, i in zip(partial.months_in, partial.rows, strict=True)
            if partial.candidates[i].id == "D"] == [0]  # May only: June is not over


def test_protected_attributes_are_never_features():
    assert not PROTECTED_ATTRIBUTES & set(OWN_CHANCE_FEATURES)


def test_too_little_history_is_refused_with_the_numbers():
    store = Store("sqlite://")
    store.upsert([make_candidate("A", registered_on=dt.date(2025, 1, 10))])
    with pytest.raises(OwnChanceError, match=r"holds 0 work\(s\) found without the programme in 1"):
        OwnChanceModel().fit(store, as_of=dt.date(2025, 6, 30))


@pytest.fixture(scope="module")
def simulated(tmp_path_factory):
    folder = tmp_path_factory.mktemp("own")
    config = SimulationConfig(seed=41, n_candidates=1500, n_employers=100, months=24,
                              start_date=dt.date(2025, 1, 1))
    world = simulate(config)
    write_world(world, folder / "csv")
    store = Store(f"sqlite:///{folder / 'w.db'}")
    import_folder(store, folder / "csv")
    yield world, store
    store.dispose()


def test_the_chance_anyway_matches_the_simulated_truth(simulated):
    world, store = simulated
    day, months = dt.date(2026, 9, 1), 6
    model = OwnChanceModel().fit(store, as_of=day)
    from matching.records.schemas import Candidate

    candidates = store.list(Candidate)
    predicted = model.chance(candidates, on=day, months=months)
    truth = world.truth
    p_base = np.array([truth.p_base[truth.candidate_index(c.id)] for c in candidates])
    true = 1.0 - (1.0 - p_base) ** months
    edges = np.quantile(predicted, np.linspace(0, 1, 11))
    decile = np.clip(np.searchsorted(edges[1:-1], predicted, side="right"), 0, 9)
    ece = sum(
        (decile == b).sum() * abs(predicted[decile == b].mean() - true[decile == b].mean())
        for b in range(10)
    ) / predicted.size
    assert ece <= 0.02
    assert np.corrcoef(predicted, true)[0, 1] > 0.7
    bands = np.array([BenefitDurationBand.from_months(c.benefit_months) for c in candidates])
    for band in set(bands):
        mask = bands == band
        if mask.sum() >= 100:
            assert abs(predicted[mask].mean() - true[mask].mean()) <= 0.025, band
    # a longer horizon never lowers the chance
    assert np.all(model.chance(candidates, on=day, months=12) >= predicted)


def test_prospects_after_the_horizon_follow_the_survival_curve(simulated):
    from matching.events.net_value import own_prospects
    from matching.records.schemas import Candidate

    world, store = simulated
    day = dt.date(2026, 9, 1)
    candidates = store.list(Candidate)[:300]
    model = OwnChanceModel().fit(store, as_of=day)
    survival = model.survival(candidates, on=day, months=30)
    assert np.all(np.diff(survival, axis=1) <= 0) and np.all(survival > 0)
    assert np.allclose(1.0 - survival[:, 5], model.chance(candidates, on=day, months=6))
    prospects = own_prospects(store, world.config.municipality, candidates, day, 6, years=2)
    assert np.allclose(prospects.anyway, 1.0 - survival[:, 5])
    by_hand = np.stack([(survival[:, 6 + 12 * y: 18 + 12 * y] / survival[:, [5]]).mean(axis=1)
                        for y in range(2)], axis=1)
    assert np.allclose(prospects.on_benefit, by_hand)
    # those likelier to find work alone would stay on benefit for less of the year after
    assert np.corrcoef(prospects.anyway, prospects.on_benefit[:, 0])[0, 1] < -0.9
