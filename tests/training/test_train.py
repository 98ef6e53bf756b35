"""Training: time slices, baselines, protected attributes, and clear errors on thin history."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from spaces import fast_text_space

from matching.records.importer import import_folder
from matching.records.storage import Store
from matching.shortlists.features import FEATURE_NAMES, PROTECTED_ATTRIBUTES
from matching.shortlists.text_models import TextModels
from matching.shortlists.text_space import TextSpace
from models.bundle import RankerBundle
from training.dataset import PairDataset, build_dataset
from training.evaluate import evaluate_store
from training.metrics import ndcg_at_k
from training.simulator import SimulationConfig, simulate, write_world
from training.train import TrainConfig, TrainingError, TrainResult, train_on_dataset, train_ranker

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
def world(tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("world")
    write_world(simulate(WORLD), folder / "csv")
    import_folder(Store(f"sqlite:///{folder / 'world.db'}"), folder / "csv")
    return folder


@pytest.fixture(scope="module")
def store(world: Path) -> Store:
    return Store(f"sqlite:///{world / 'world.db'}")


@pytest.fixture(scope="module")
def space() -> TextSpace:
    return fast_text_space()


@pytest.fixture(scope="module")
def result(store: Store, space: TextSpace) -> TrainResult:
    return train_ranker(store, text_space=space)


@pytest.fixture(scope="module")
def dataset(result: TrainResult, store: Store, space: TextSpace) -> PairDataset:
    return build_dataset(store, text_space=space, text_models=result.bundle.extras["text_models"])


def test_the_ranker_beats_text_similarity(result: TrainResult, world: Path) -> None:
    metric = result.primary_metric
    assert metric == "ndcg@10"
    assert set(result.metrics) == {"ranker", "lambdamart", "logistic", "similarity"}
    assert result.score == result.metrics["ranker"][metric]
    # graded against the simulator's true chance of a good outcome: the few dozen good outcomes
    # of three held-out months are too few to separate the rankings reliably
    truth = pd.read_csv(world / "csv" / "truth" / "p_good.csv.gz").set_index(
        ["candidate_id", "work_need_id"]
    )
    pairs = result.test.pairs
    p_good = truth["p_good"].reindex(
        pd.MultiIndex.from_arrays([pairs["candidate_id"], pairs["work_need_id"]])
    )
    assert not p_good.isna().any()

    def ndcg(scores: np.ndarray) -> float:
        return ndcg_at_k(p_good.to_numpy(), scores, k=10, groups=result.test.groups)

    ranker = ndcg(result.bundle.predict(result.test.features, explain=False).score)
    similarity = ndcg(result.test.features["sim_dense"].to_numpy())
    assert ranker > 1.05 * similarity
    for name in ("ranker", "lambdamart", "logistic"):
        m = result.metrics[name]
        assert set(m) == {"ndcg@10", "recall@10", "map", "brier", "ece"}
        assert 0 <= m["ece"] < 0.1 and 0 <= m["brier"] < 0.2


def test_protected_attributes_are_never_features(result: TrainResult) -> None:
    for bundle in (result.bundle, *result.baselines.values()):
        assert bundle.feature_names == FEATURE_NAMES
        assert not PROTECTED_ATTRIBUTES & set(bundle.feature_names)
    # ... but they are evaluation groups
    groups = result.group_metrics
    assert any(k.startswith("ndcg@10[age_band=") for k in groups)
    assert "n_rows[statushouder]" in groups and "n_rows[banenafspraak]" in groups
    assert any(k.startswith("ece[benefit_duration_band=") for k in groups)


def test_slices_follow_each_other_in_time(result: TrainResult) -> None:
    fit, test = (result.periods[k] for k in ("fit", "test"))
    assert fit[1] < test[0] <= test[1]
    assert result.test.dates.min() == np.datetime64(test[0], "D")
    meta = result.bundle.metadata
    # the ranker served learned from every month; its figures are those of the one tested
    assert meta["training_period"] == [fit[0].isoformat(), test[1].isoformat()]
    assert meta["periods"]["fit"] == [fit[0].isoformat(), fit[1].isoformat()]
    assert meta["rows"]["served"] == meta["rows"]["fit"] + meta["rows"]["test"]
    assert meta["metrics"]["ndcg@10"] == result.score
    assert meta["text_space"]


def test_the_ranker_served_is_fitted_again_on_the_held_out_months_too(
    result: TrainResult, dataset: PairDataset, store: Store, space: TextSpace
) -> None:
    tested = train_on_dataset(dataset, replace(result.config, refit=False))
    assert tested.metrics["ranker"] == pytest.approx(result.metrics["ranker"])  # the same figures and gate
    served, held = result.bundle, tested.bundle
    assert served.tested is not served and held.tested is held
    # the held-out months are scored as tested, not as the refit learned them
    report = evaluate_store(store, text_space=space, bundle=served, dataset=dataset)
    assert report.metrics is not None
    assert report.metrics["ndcg@10"] == pytest.approx(result.score)
    assert held.metadata["training_period"] == [d.isoformat() for d in result.periods["fit"]]
    assert served.metadata["calibration"]["good_outcomes"] > held.metadata["calibration"]["good_outcomes"]
    last = dataset.take(np.flatnonzero(dataset.dates >= np.datetime64(result.periods["test"][0], "D")))
    # the refitted ranker has seen the held-out months: it scores them differently
    assert not np.allclose(served.ranker.predict(last.features), held.ranker.predict(last.features))


def test_the_bundle_carries_its_text_readers_and_honest_chances(
    result: TrainResult, tmp_path: Path
) -> None:
    prediction = result.bundle.predict(result.test.features)
    calibration = result.bundle.metadata["calibration"]
    assert ((prediction.probability > 0) & (prediction.probability <= calibration["cap"])).all()
    # cross-fitted on the fit months: the mean chance is near the held-out good rate
    assert abs(prediction.probability.mean() - result.test.good.mean()) < 0.03
    assert calibration["good_outcomes"] == int(
        result.bundle.calibrator.n_positive_
    ) and calibration["thin"] == (calibration["good_outcomes"] < TrainConfig().thin_evidence)
    # the chance is adjusted by the candidate's rung and benefit duration, as recorded
    assert set(calibration["covariates"]) == set(TrainConfig().calibrate_by)
    loaded = RankerBundle.load(result.bundle.save(tmp_path / "b"))
    np.testing.assert_array_equal(loaded.predict(result.test.features).score, prediction.score)
    assert isinstance(loaded.extras["text_models"], TextModels)


def test_training_is_reproducible(dataset: PairDataset, result: TrainResult) -> None:
    again = train_on_dataset(dataset, TrainConfig())
    assert again.metrics == result.metrics
    np.testing.assert_array_equal(
        again.bundle.predict(dataset.features, explain=False).score,
        result.bundle.predict(dataset.features, explain=False).score,
    )


@pytest.mark.slow
def test_on_a_dask_cluster_every_fit_runs_on_the_workers_and_the_models_are_the_same(
    dataset: PairDataset, result: TrainResult
) -> None:
    from distributed import Client, LocalCluster, get_task_stream
    from joblib import parallel_config

    with (
        LocalCluster(n_workers=2, threads_per_worker=1, processes=True, host="127.0.0.1",
                     dashboard_address=None) as cluster,
        Client(cluster) as client,
        parallel_config(backend="dask", n_jobs=-1, client=client),
        get_task_stream(client) as stream,
    ):
        again = train_on_dataset(dataset, TrainConfig())
    assert again.metrics == result.metrics
    np.testing.assert_array_equal(
        again.bundle.predict(dataset.features, explain=False).score,
        result.bundle.predict(dataset.features, explain=False).score,
    )
    np.testing.assert_array_equal(
        again.bundle.extras["tested"].predict(dataset.features, explain=False).score,
        result.bundle.extras["tested"].predict(dataset.features, explain=False).score,
    )
    # the baselines and each bag of the tested and the served ranker, one task each, spread
    # over both workers
    assert len(stream.data) == 2 * TrainConfig().n_bags + 2
    assert len({t["worker"] for t in stream.data}) == 2


def test_too_little_history_says_what_is_needed(dataset: PairDataset) -> None:
    first_months = dataset.take(np.flatnonzero(dataset.dates < np.datetime64("2025-05-01")))
    with pytest.raises(
        TrainingError,
        match=r"minstens 300 tafelgesprekken in minstens 6 kalendermaanden .* gevonden: \d+ gesprekken in 4 maand",
    ):
        train_on_dataset(first_months, TrainConfig())
    with pytest.raises(TrainingError, match=r"minstens 100000 tafelgesprekken"):
        train_on_dataset(dataset, TrainConfig(min_meetings=100_000))


def test_a_single_outcome_class_is_refused(dataset: PairDataset) -> None:
    pairs = dataset.pairs.assign(label=0, good=False)
    with pytest.raises(TrainingError, match="alle .* gesprekken hebben dezelfde uitkomst"):
        train_on_dataset(PairDataset(pairs, dataset.features, dataset.subgroups), TrainConfig())


def test_too_few_good_outcomes_to_learn_from_are_counted_and_refused(dataset: PairDataset) -> None:
    early = dataset.dates < np.datetime64("2025-10-01")
    pairs = dataset.pairs.copy()
    keep = np.flatnonzero(early & pairs["good"].to_numpy())[:5]
    drop = early & pairs["good"].to_numpy()
    drop[keep] = False
    pairs.loc[drop, "good"] = False
    pairs.loc[drop, "label"] = 1
    with pytest.raises(TrainingError, match="bevatten 5 goede uitkomst.* minstens 15"):
        train_on_dataset(PairDataset(pairs, dataset.features, dataset.subgroups), TrainConfig())


def test_bad_settings_are_refused() -> None:
    with pytest.raises(ValueError, match="holdout_months must be an integer >= 1, got 0"):
        TrainConfig(holdout_months=0)
    with pytest.raises(ValueError, match=r"calibrate_by names no ranker feature: \['age'\]"):
        TrainConfig(calibrate_by=("rung", "age"))
