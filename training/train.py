"""Train the ranker on past table meetings and evaluate it on later months.

The history is cut in time, never at random, so that every figure says how
the model would have done on meetings it could not have seen::

    |<-------------- fit -------------->|<- calibration ->|<-- test -->|
      LambdaMART and logistic fitted      isotonic maps      metrics,
                                          fitted; early       baselines,
                                          stopping            the gate

* **fit**: everything before the calibration months. LambdaMART (graded
  labels 0-4, lists per work need) and the logistic baseline (good outcome,
  a WEP or a job, against the rest) are fitted here.
* **calibration**: the ``calibration_months`` before the test months. The
  isotonic calibrator of each model is fitted on its scores here (and, if
  switched on, LambdaMART's early stopping picks its number of rounds on
  these lists). The test months are never used for either.
* **test**: the last ``holdout_months`` months. NDCG@10, recall@10, MAP,
  Brier and ECE of both models and the two similarity-only baselines, and
  the same per evaluation subgroup (age band, gender, target groups, benefit
  duration). Protected attributes are evaluation groups only: the bundle's
  features are :data:`matching.shortlists.features.FEATURE_NAMES`, and training
  refuses to run if a protected attribute is among them.

The model in the bundle is the one fitted on the fit months and evaluated on
the test months (it is not refitted on everything): the figures logged with
it are the figures of that very model.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np

from matching.shortlists.features import FEATURE_NAMES, PROTECTED_ATTRIBUTES
from models.bundle import RankerBundle
from models.calibration import ProbabilityCalibrator, calibration_curve_data
from models.ranker import LambdaMARTRanker, LogisticRanker
from training.dataset import PairDataset, ProgressCallback, build_dataset
from training.evaluate import default_evaluator, evaluate_similarity, group_metrics
from training.time_split import split_by_time

if TYPE_CHECKING:
    from matching.records.storage import Store
    from matching.shortlists.text_space import TextSpace

logger = logging.getLogger(__name__)

__all__ = [
    "MONOTONE",
    "TrainConfig",
    "TrainResult",
    "TrainingError",
    "train_on_dataset",
    "train_ranker",
]

#: Direction the score must move in when a feature rises (+1 up, -1 down); others are free.
MONOTONE: dict[str, int] = {
    "sim_dense": 1,
    "sim_lexical": 1,
    "sim_hybrid": 1,
    "occupation_level": 1,
    "travel_km": -1,
    "travel_share_of_reach": -1,
    "travel_minutes": -1,
    "hours_overlap_share": 1,
    "hours_gap": -1,
    "limits_adaptable_clash": -1,
    "language_gap": 1,
    "rung": 1,
    "employer_openness": 1,
    "employer_good_rate": 1,
}


class TrainingError(ValueError):
    """The history cannot train a ranker worth serving (too short, one class, ...)."""


@dataclass(frozen=True)
class TrainConfig:
    """How to cut the history and fit the models.

    Parameters
    ----------
    holdout_months
        Last calendar months held out for evaluation and the champion gate.
    calibration_months
        Months before the held-out ones, for the calibrator and early stopping.
    min_fit_months
        Months needed before the calibration months to fit on.
    min_meetings
        Table meetings needed in the whole history.
    min_good_outcomes
        Good outcomes (grade >= 2) needed in each of the fit and calibration months.
    k
        Cut-off of NDCG and recall (the primary metric is ``ndcg@k``).
    group_by
        What one ranked list is: ``"work_need"`` or ``"event_table"``.
    n_estimators, learning_rate, num_leaves, min_child_samples, subsample, colsample_bytree, reg_lambda
        LambdaMART settings (see :class:`models.ranker.LambdaMARTRanker`). The
        defaults are small trees with many rows per leaf: the history is a few
        thousand meetings with a few percent good outcomes, and deeper trees
        ranked worse against the simulated truth.
    monotone
        Constrain the score to rise with text similarity, occupation match,
        hours overlap, language margin, rung, employer openness and track
        record, and to fall with travel, hours gap and limit clashes
        (:data:`MONOTONE`): what common sense says, and what keeps the model
        sensible for candidates unlike those relationship managers invited.
    early_stopping_rounds
        None (default): use all ``n_estimators`` rounds. A number: stop when the
        calibration months' NDCG has not improved for that many rounds (noisy
        when those months hold few good outcomes).
    logistic_c
        Inverse regularisation of the logistic baseline.
    n_jobs
        LightGBM threads; None: one below 50,000 training rows (thread start-up
        and contention cost more than they bring on small data), else two.
    random_state
        Seed of every random choice.
    """

    holdout_months: int = 3
    calibration_months: int = 2
    min_fit_months: int = 3
    min_meetings: int = 300
    min_good_outcomes: int = 10
    k: int = 10
    group_by: Literal["work_need", "event_table"] = "work_need"
    n_estimators: int = 500
    learning_rate: float = 0.03
    num_leaves: int = 5
    min_child_samples: int = 100
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    reg_lambda: float = 5.0
    monotone: bool = True
    early_stopping_rounds: int | None = None
    logistic_c: float = 1.0
    n_jobs: int | None = None
    random_state: int = 0

    def __post_init__(self) -> None:
        for name in ("holdout_months", "calibration_months", "min_fit_months", "k"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value}")
        if self.min_meetings < 0 or self.min_good_outcomes < 1:
            raise ValueError(
                f"min_meetings must be >= 0 and min_good_outcomes >= 1, got {self.min_meetings} "
                f"and {self.min_good_outcomes}"
            )

    @property
    def min_months(self) -> int:
        """Calendar months with meetings the history must span."""
        return self.min_fit_months + self.calibration_months + self.holdout_months

    def to_params(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TrainResult:
    """Everything a training run produced; :mod:`training.run_logging` logs it.

    Attributes
    ----------
    bundle
        LambdaMART with its isotonic calibrator: the challenger.
    baseline
        The logistic baseline with its own calibrator.
    metrics
        Test-month metrics per model: ``"lambdamart"``, ``"logistic"``,
        ``"similarity_hybrid"``, ``"similarity_dense"``.
    group_metrics
        LambdaMART's test-month metrics per evaluation subgroup.
    test
        The held-out pairs (to re-score the champion on).
    periods
        ``"fit"``, ``"calibration"``, ``"test"`` -> (first, last) event date.
    """

    bundle: RankerBundle
    baseline: RankerBundle
    metrics: dict[str, dict[str, float]]
    group_metrics: dict[str, float]
    test: PairDataset
    periods: dict[str, tuple[dt.date, dt.date]]
    config: TrainConfig
    dataset_summary: dict[str, Any]
    calibration_curves: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = field(
        default_factory=dict
    )
    feature_importance: dict[str, float] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def primary_metric(self) -> str:
        return f"ndcg@{self.config.k}"

    @property
    def score(self) -> float:
        """The challenger's primary metric on the test months."""
        return self.metrics["lambdamart"][self.primary_metric]


def _describe_months(dataset: PairDataset) -> str:
    months = dataset.months
    if not months:
        return "no months"
    return f"{len(months)} month(s), {months[0]} to {months[-1]}"


def _check_history(dataset: PairDataset, config: TrainConfig) -> None:
    months = dataset.months
    if len(dataset) < config.min_meetings or len(months) < config.min_months:
        raise TrainingError(
            f"too little history to train: need >= {config.min_meetings} table meetings in "
            f">= {config.min_months} calendar months ({config.min_fit_months} to fit on, "
            f"{config.calibration_months} to calibrate, {config.holdout_months} to test), found "
            f"{len(dataset)} meetings in {_describe_months(dataset)}"
        )
    labels = dataset.labels
    if np.all(labels == labels[0]):
        raise TrainingError(
            f"all {len(labels)} meetings have grade {labels[0]}: need both good outcomes "
            "(trial, WEP or job) and meetings that led nowhere to learn from"
        )


def _check_slice(name: str, part: PairDataset, config: TrainConfig) -> None:
    n_good = int(part.good.sum())
    if n_good < config.min_good_outcomes or n_good == len(part):
        raise TrainingError(
            f"the {name} months ({_describe_months(part)}) hold {n_good} good outcome(s) in "
            f"{len(part)} meetings: need >= {config.min_good_outcomes} good outcomes and some "
            "meetings without one"
        )


def _span(part: PairDataset) -> tuple[dt.date, dt.date]:
    period = part.period
    assert period is not None
    return period


def train_ranker(
    store: Store,
    *,
    text_space: TextSpace,
    config: TrainConfig | None = None,
    municipality: str | None = None,
    progress: ProgressCallback | None = None,
) -> TrainResult:
    """Build the dataset from the store's history, then :func:`train_on_dataset`.

    The bundle records the text space it was trained with, so the service
    scores with the same one. ``progress`` hears the dataset's steps and
    then ``"trainen"``.

    Raises
    ------
    TrainingError
        Too little history, a single outcome class, or a time slice without
        good outcomes; the message says what is needed and what was found.

    Examples
    --------
    >>> result = train_ranker(Store(url), text_space=TextSpace.create(home))  # doctest: +SKIP
    >>> result.metrics["lambdamart"]["ndcg@10"], result.metrics["similarity_hybrid"]["ndcg@10"]  # doctest: +SKIP
    """
    config = config or TrainConfig()
    dataset = build_dataset(
        store,
        text_space=text_space,
        municipality=municipality,
        group_by=config.group_by,
        progress=progress,
    )
    if progress is not None:
        progress("trainen", 0.0)
    result = train_on_dataset(dataset, config)
    result.bundle.metadata["text_space"] = text_space.name
    result.bundle.metadata["sim_hybrid_dense_weight"] = text_space.dense_weight
    return result


def train_on_dataset(dataset: PairDataset, config: TrainConfig | None = None) -> TrainResult:
    """Fit, calibrate and evaluate on a built dataset (see the module docstring)."""
    config = config or TrainConfig()
    started = time.perf_counter()
    features = tuple(dataset.features.columns)
    leaked = PROTECTED_ATTRIBUTES & set(features)
    if leaked:
        raise TrainingError(f"protected attributes must never be ranker features: {sorted(leaked)}")
    if features != FEATURE_NAMES:
        raise TrainingError(f"the dataset's features {list(features)} are not FEATURE_NAMES")
    _check_history(dataset, config)

    outer = split_by_time(dataset, config.holdout_months)
    inner = split_by_time(outer.train, config.calibration_months)
    fit, calib, test = inner.train, inner.test, outer.test
    if len(fit.months) < config.min_fit_months:
        raise TrainingError(
            f"too little history before the calibration months: need >= {config.min_fit_months} "
            f"month(s) to fit on, found {_describe_months(fit)}"
        )
    _check_slice("fit", fit, config)
    _check_slice("calibration", calib, config)
    if not test.good.any():
        raise TrainingError(
            f"the held-out months ({_describe_months(test)}) hold no good outcome: nothing to "
            "evaluate against (are the latest outcomes recorded yet?)"
        )
    logger.info("fit %d pairs, calibrate %d, test %d", len(fit), len(calib), len(test))

    lambdamart = LambdaMARTRanker(
        n_estimators=config.n_estimators,
        learning_rate=config.learning_rate,
        num_leaves=config.num_leaves,
        min_child_samples=config.min_child_samples,
        subsample=config.subsample,
        colsample_bytree=config.colsample_bytree,
        reg_lambda=config.reg_lambda,
        eval_at=config.k,
        early_stopping_rounds=config.early_stopping_rounds,
        n_jobs=config.n_jobs or (1 if len(fit) < 50_000 else 2),
        random_state=config.random_state,
        extra_params=(
            {
                "monotone_constraints": [MONOTONE.get(f, 0) for f in features],
                "monotone_constraints_method": "advanced",
            }
            if config.monotone
            else None
        ),
    )
    try:
        lambdamart.fit(
            fit.features,
            fit.labels,
            group_ids=fit.groups,
            eval_set=(
                (calib.features, calib.labels, calib.groups)
                if config.early_stopping_rounds is not None
                else None
            ),
        )
        # pointwise: fitted straight on the event the probability is about (WEP or job)
        logistic = LogisticRanker(threshold=1, C=config.logistic_c).fit(
            fit.features, fit.good.astype(np.int32)
        )
        calibrators = {
            name: ProbabilityCalibrator(method="isotonic").fit(
                model.predict(calib.features), calib.good
            )
            for name, model in (("lambdamart", lambdamart), ("logistic", logistic))
        }
    except ValueError as exc:
        raise TrainingError(f"cannot fit on this history: {exc}") from exc

    periods = {"fit": _span(fit), "calibration": _span(calib), "test": _span(test)}
    metadata = {
        "training_period": [periods["fit"][0], periods["calibration"][1]],
        "periods": {k: [a, b] for k, (a, b) in periods.items()},
        "rows": {"fit": len(fit), "calibration": len(calib), "test": len(test)},
        "config": config.to_params(),
        "label": "grades 0-4 (trial/WEP 2, job 3, sustained job 4); probability: WEP or job",
        "best_iteration": lambdamart.best_iteration_,
    }
    bundle = RankerBundle(
        lambdamart, calibrators["lambdamart"], features, {**metadata, "model": "lambdamart"}
    )
    baseline = RankerBundle(
        logistic, calibrators["logistic"], features, {**metadata, "model": "logistic"}
    )

    evaluator = default_evaluator(config.k)
    metrics: dict[str, dict[str, float]] = {}
    curves: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    predictions = {}
    for name, model in (("lambdamart", bundle), ("logistic", baseline)):
        prediction = model.predict(test.features, explain=False)
        predictions[name] = prediction
        metrics[name] = {
            k: float(v)
            for k, v in evaluator(
                test.labels,
                prediction.score,
                test.groups,
                p=prediction.probability,
                y_binary=test.good,
            ).items()
        }
        curves[name] = calibration_curve_data(prediction.probability, test.good, n_bins=10)
    # the similarity baselines are calibrated on the same months as the models
    metrics.update(evaluate_similarity(calib, test, evaluator=evaluator))
    groups = group_metrics(
        predictions["lambdamart"].score,
        predictions["lambdamart"].probability,
        test,
        evaluator=evaluator,
    )
    bundle.metadata["metrics"] = metrics["lambdamart"]
    baseline.metadata["metrics"] = metrics["logistic"]
    bundle.metadata["baselines"] = {k: v for k, v in metrics.items() if k != "lambdamart"}
    importance = dict(zip(features, (float(x) for x in lambdamart.feature_importances_), strict=False))
    seconds = time.perf_counter() - started
    logger.info(
        "trained in %.1f s: %s lambdamart %.4f, logistic %.4f, hybrid similarity %.4f",
        seconds,
        evaluator.primary_metric,
        metrics["lambdamart"][evaluator.primary_metric],
        metrics["logistic"][evaluator.primary_metric],
        metrics["similarity_hybrid"][evaluator.primary_metric],
    )
    return TrainResult(
        bundle=bundle,
        baseline=baseline,
        metrics=metrics,
        group_metrics=groups,
        test=test,
        periods=periods,
        config=config,
        dataset_summary=dataset.summary(),
        calibration_curves=curves,
        feature_importance=importance,
        seconds=seconds,
    )
