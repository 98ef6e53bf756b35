"""MLflow tracking: runs, the registry, the champion/challenger gate, unreachable stores."""

from __future__ import annotations

import dataclasses
import socket
from pathlib import Path

import numpy as np
import pytest
from spaces import fast_text_space

from matching.records.importer import import_folder
from matching.records.storage import Store
from matching.serving.model_registry import (
    CHAMPION_ALIAS,
    REGISTERED_MODEL,
    TrackingError,
    UnknownVersionError,
    champion_version,
    check_reachable,
    describe_version,
    list_versions,
    load_champion,
    promote_version,
    resolve_tracking_uri,
)
from matching.shortlists.features import FEATURE_NAMES
from models.bundle import BundleError, RankerBundle
from models.calibration import ProbabilityCalibrator
from models.ranker import LogisticRanker
from training.evaluate import evaluate_bundle
from training.run_logging import TrainingRun, log_training, metric_key
from training.simulator import SimulationConfig, simulate, write_world
from training.train import TrainResult, train_ranker

WORLD = SimulationConfig(
    seed=7,
    n_candidates=800,
    n_employers=50,
    months=12,
    employers_per_event=10,
    candidates_per_event=100,
    seats_per_table=10,
    rounds=4,
)


@pytest.fixture(scope="module")
def result(tmp_path_factory: pytest.TempPathFactory) -> TrainResult:
    folder = tmp_path_factory.mktemp("world")
    write_world(simulate(WORLD), folder / "csv")
    store = Store(f"sqlite:///{folder / 'world.db'}")
    import_folder(store, folder / "csv")
    space = fast_text_space()
    return train_ranker(store, text_space=space)


def _worse(result: TrainResult) -> TrainResult:
    """A challenger that ranks upside down, with honestly computed metrics."""
    test = result.test
    ranker = LogisticRanker(threshold=1).fit(test.features, (~test.good).astype(int))
    calibrator = ProbabilityCalibrator(method="platt").fit(ranker.predict(test.features), test.good)
    readers = {k: v for k, v in result.bundle.extras.items() if k != "tested"}  # tested as it is
    bundle = RankerBundle(ranker, calibrator, FEATURE_NAMES, dict(result.bundle.metadata), extras=readers)
    metrics = {**result.metrics, "ranker": evaluate_bundle(bundle, test)}
    return dataclasses.replace(result, bundle=bundle, metrics=metrics)


@pytest.fixture(scope="module")
def history(
    result: TrainResult, tmp_path_factory: pytest.TempPathFactory
) -> tuple[str, TrainingRun, TrainingRun, TrainResult]:
    """A first run (becomes champion), then a worse challenger (must not)."""
    uri = f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlruns.db'}"
    first = log_training(result, tracking_uri=uri)
    worse = _worse(result)
    second = log_training(worse, tracking_uri=uri)
    return uri, first, second, worse


def _client(uri: str):
    from mlflow.tracking import MlflowClient

    return MlflowClient(tracking_uri=uri, registry_uri=uri)


# ---- the gate


def test_first_run_is_registered_and_promoted(history, result: TrainResult) -> None:
    uri, first, _, _ = history
    assert first.promoted and first.model_version == "1"
    assert first.decision.champion_version is None and first.decision.reason == "no champion yet"
    client = _client(uri)
    assert str(client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS).version) == "1"
    run = client.get_run(first.run_id)
    assert run.info.status == "FINISHED"
    assert run.data.tags["werkkans.promotion"] == "promoted"
    assert run.data.metrics["test/ranker/ndcg_at_10"] == pytest.approx(result.score)
    assert "test/similarity/ndcg_at_10" in run.data.metrics
    assert "test/lambdamart/ndcg_at_10" in run.data.metrics  # the previous model, for comparison
    assert any(k.startswith("groups/ranker/ndcg_at_10.age_band_") for k in run.data.metrics)
    # per protected group and test month, logged with the month as the step
    months = sorted({d.strftime("%Y%m") for d in result.test.pairs["event_date"]})
    history_of = client.get_metric_history(first.run_id, "audit/n.women")
    assert sorted(str(m.step) for m in history_of) == months
    assert sum(m.value for m in history_of) == pytest.approx(
        float((result.test.subgroups["gender"] == "v").sum()))
    assert client.get_metric_history(first.run_id, "audit/selection_rate_ratio.age_55_plus")
    assert run.data.params["config.holdout_months"] == "3"
    artifacts = {a.path for a in client.list_artifacts(first.run_id)}
    assert {
        "calibration_curve.png",
        "feature_importance.png",
        "metrics.json",
        "group_audit.csv",
        "bundle",
    } <= artifacts
    assert {a.path for a in client.list_artifacts(first.run_id, "bundle")} == {
        "bundle/manifest.json",
        "bundle/model.joblib",
    }


def test_a_worse_challenger_is_registered_but_not_promoted(history) -> None:
    uri, _first, second, worse = history
    assert not second.promoted and second.model_version == "2"
    d = second.decision
    assert d.champion_version == "1"
    assert d.challenger_score == pytest.approx(worse.score)
    assert d.champion_score is not None and d.champion_score > d.challenger_score
    assert "does not beat" in d.reason
    client = _client(uri)
    assert str(client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS).version) == "1"
    run = client.get_run(second.run_id)
    assert run.data.tags["werkkans.promotion"] == "not_promoted"
    assert run.data.tags["werkkans.champion_before"] == "1"
    assert run.data.metrics["gate/challenger_ndcg_at_10"] == pytest.approx(d.challenger_score)
    assert run.data.metrics["gate/champion_ndcg_at_10"] == pytest.approx(d.champion_score)


def test_the_champion_is_rescored_on_the_new_held_out_months(history, result: TrainResult) -> None:
    _, _, second, worse = history
    assert second.decision.champion_score == pytest.approx(
        evaluate_bundle(result.bundle.tested, worse.test)["ndcg@10"]
    )


# ---- the registry


def test_load_champion_gives_the_promoted_bundle(history, result: TrainResult) -> None:
    uri = history[0]
    champion = load_champion(uri)
    assert champion is not None and champion.version == f"{REGISTERED_MODEL}/1"
    assert champion_version(uri) == "1"  # named without loading it
    np.testing.assert_array_equal(
        champion.predict(result.test.features).score,
        result.bundle.predict(result.test.features).score,
    )
    assert champion.metadata["mlflow_run_id"] == history[1].run_id


def test_no_champion_yet_is_none(tmp_path: Path) -> None:
    assert load_champion(f"sqlite:///{tmp_path / 'empty.db'}") is None
    assert champion_version(f"sqlite:///{tmp_path / 'empty.db'}") is None
    assert list_versions(f"sqlite:///{tmp_path / 'empty.db'}") == []


def test_list_show_and_promote_by_hand(history, tmp_path: Path) -> None:
    uri = history[0]
    versions = list_versions(uri)
    assert [v.version for v in versions] == ["2", "1"]
    assert [v.is_champion for v in versions] == [False, True]
    shown = describe_version(uri)
    assert (
        shown is not None and shown.version == "1" and "test/ranker/ndcg_at_10" in shown.metrics
    )
    with pytest.raises(UnknownVersionError, match="no version 99"):
        describe_version(uri, "99")
    try:
        info = promote_version(uri, "2", reason="test")
        assert info.is_champion and info.tags["promotion"] == "manual"
        assert load_champion(uri).version == f"{REGISTERED_MODEL}/2"
        assert champion_version(uri) == "2"
    finally:
        promote_version(uri, "1")


def test_an_unusable_champion_is_replaced(result: TrainResult, tmp_path: Path) -> None:
    uri = f"sqlite:///{tmp_path / 'mlruns.db'}"
    old = result.test.features.assign(retired_feature=0.0)
    ranker = LogisticRanker(threshold=1).fit(old, result.test.good.astype(int))
    calibrator = ProbabilityCalibrator(method="platt").fit(ranker.predict(old), result.test.good)
    bundle = RankerBundle(ranker, calibrator, list(old.columns), {"training_period": ["x", "y"]})
    log_training(dataclasses.replace(result, bundle=bundle), tracking_uri=uri)
    with pytest.raises(BundleError, match="retired_feature"):
        load_champion(uri)
    run = log_training(result, tracking_uri=uri)
    assert run.promoted and "cannot be scored" in run.decision.reason
    assert load_champion(uri).version == f"{REGISTERED_MODEL}/2"


# ---- stores that cannot be used


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_unreachable_tracking_store_is_a_clear_error(result: TrainResult, tmp_path: Path) -> None:
    uri = f"http://127.0.0.1:{_closed_port()}"
    with pytest.raises(TrackingError, match=r"cannot be reached .* champion is unchanged"):
        log_training(result, tracking_uri=uri)
    with pytest.raises(TrackingError, match="cannot be reached"):
        load_champion(uri)
    (tmp_path / "a-file").write_text("")
    with pytest.raises(TrackingError, match="not a writable folder"):
        check_reachable(f"sqlite:///{tmp_path / 'a-file' / 'mlruns.db'}")


def test_uris_and_metric_names() -> None:
    assert resolve_tracking_uri("file:///srv/mlruns") == "sqlite:////srv/mlruns.db"
    assert resolve_tracking_uri("sqlite:///x.db") == "sqlite:///x.db"
    assert (
        metric_key("ndcg@10[benefit_duration_band=<6m]") == "ndcg_at_10.benefit_duration_band_lt6m"
    )
    assert metric_key("n_rows[statushouder]") == "n_rows.statushouder"


# ---- model cards


def test_every_registered_version_carries_its_model_card_and_register_entry(history, result) -> None:
    import json

    from matching.serving.model_registry import CARD_FILES, read_card
    from training.model_card import TO_FILL

    uri, first, second, _ = history
    client = _client(uri)
    for run in (first, second):
        assert set(CARD_FILES) <= {a.path for a in client.list_artifacts(run.run_id)}
    card = json.loads(read_card(uri, "1", "model_card.json"))
    assert card["version"] == "1" and card["protected_attributes_used"] == []
    assert card["training_data"]["fit_period"] == [str(d) for d in result.periods["fit"]]
    served = [str(result.periods["fit"][0]), str(result.periods["test"][1])]
    assert card["training_data"]["served_period"] == served
    assert card["metrics"]["ranker"]["ndcg@10"] == pytest.approx(result.score)
    assert any(g.startswith("age_band=") for g in card["metrics_per_group"])
    text = read_card(uri)  # the champion's, in Dutch
    assert text.startswith("# Modelkaart") and "Waarvoor niet" in text and "Per groep" in text
    assert "| leeftijd 55-67 |" in text and "alle gemeenten in de database" in text
    assert "opnieuw geleerd van alle bijeenkomsten" in text and "de getoetste maanden inbegrepen" in text
    import re

    assert not re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", text)  # words for people, no code names
    entry = json.loads(read_card(uri, "2", "algorithm_register.json"))
    assert entry["organisation"] == TO_FILL and entry["model_card_version"] == "2"
    assert "Menselijke tussenkomst" in read_card(uri, "2", "algorithm_register.md")


def test_a_version_without_a_card_is_never_promoted(history) -> None:
    from matching.serving.model_registry import UndocumentedVersionError, promote_version, read_card

    uri, first, _, _ = history
    client = _client(uri)
    source = client.get_model_version(REGISTERED_MODEL, "1").source
    run = client.create_run(client.get_run(first.run_id).info.experiment_id)
    bare = client.create_model_version(REGISTERED_MODEL, source=source, run_id=run.info.run_id).version
    with pytest.raises(UndocumentedVersionError, match="model card"):
        promote_version(uri, str(bare))
    with pytest.raises(UndocumentedVersionError, match="registered before model cards"):
        read_card(uri, str(bare))
    assert str(client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS).version) == "1"
