"""The own-chance model checked on later months, its card, and its MLflow run."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from matching.outcomes.own_chance import OwnChanceError, OwnChanceModel, risk_set
from matching.records.importer import import_folder
from matching.records.schemas import Candidate, Event, Invitation, Outcome
from matching.records.storage import Store
from training.own_chance_run import EXPERIMENT, card_markdown, check_own_chance, log_own_chance
from training.simulator import SimulationConfig, simulate, write_world

DAY = dt.date(2026, 7, 1)


@pytest.fixture(scope="module")
def store(tmp_path_factory):
    folder = tmp_path_factory.mktemp("own-run")
    config = SimulationConfig(seed=43, n_candidates=1200, n_employers=80, months=18,
                              start_date=dt.date(2025, 1, 1))
    write_world(simulate(config), folder / "csv")
    store = Store(f"sqlite:///{folder / 'w.db'}")
    import_folder(store, folder / "csv")
    yield store
    store.dispose()


def test_the_check_fits_before_the_test_months_and_scores_only_them(store):
    check = check_own_chance(store, as_of=DAY, test_months=6)
    assert check.fitted_as_of == dt.date(2026, 1, 1) and check.tested_up_to == DAY
    # by hand: the same model, the risk set as of the day, months from January on
    args = (store.list(Candidate), store.list(Outcome), store.list(Invitation),
            {e.id: e.date for e in store.list(Event)})
    model = OwnChanceModel().fit_records(*args, as_of=check.fitted_as_of)
    risk = risk_set(*args, as_of=DAY)
    later = risk.months >= 2026 * 12
    hazard = model.risk_hazard(risk)[later]
    assert check.test_months == later.sum() and check.test_events == risk.event[later].sum()
    assert check.train_months == model.n_months_
    assert check.predicted_hazard == pytest.approx(hazard.mean())
    assert check.brier == pytest.approx(np.mean((hazard - risk.event[later]) ** 2))
    # well calibrated on months it has not seen, overall and per band
    assert check.ece <= 0.01
    assert check.predicted_hazard == pytest.approx(check.observed_hazard, rel=0.35)
    assert check.by_band and all(row["months"] >= 200 for row in check.by_band)
    assert {row["key"] for row in check.by_group} >= {"group/age_55_plus", "group/women"}


def test_the_card_is_dutch_and_names_no_protected_attribute_as_feature(store):
    card = card_markdown(check_own_chance(store, as_of=DAY))
    assert "Modelkaart" in card and "geen kenmerk" in card and "55 jaar en ouder" in card
    for code in ("age_band", "benefit_", "_", "hazard"):
        assert code not in card.split("**Hoe.**")[0]


def test_a_thin_history_is_refused_with_the_numbers(store):
    with pytest.raises(OwnChanceError, match="need >= 10"):
        check_own_chance(store, as_of=dt.date(2025, 2, 1), test_months=1)


def test_the_run_carries_the_metrics_and_the_card(store, tmp_path):
    from mlflow.tracking import MlflowClient

    uri = f"sqlite:///{tmp_path / 'mlruns.db'}"
    check = check_own_chance(store, as_of=DAY)
    run_id = log_own_chance(check, tracking_uri=uri, tags={"werkkans.municipality": "all"})
    client = MlflowClient(tracking_uri=uri)
    run = client.get_run(run_id)
    assert client.get_experiment(run.info.experiment_id).name == EXPERIMENT
    assert run.info.status == "FINISHED" and run.data.tags["werkkans.municipality"] == "all"
    assert run.data.metrics["ece"] == pytest.approx(check.ece)
    assert run.data.params["test_events"] == str(check.test_events)
    assert any(k.startswith("band/lt6m") for k in run.data.metrics)
    artifacts = {a.path for a in client.list_artifacts(run_id)}
    assert {"own_chance_card.md", "own_chance_card.json"} <= artifacts
