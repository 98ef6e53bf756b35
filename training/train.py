"""Train the ranker on past table meetings and evaluate it on later months.

The history is cut in time, never at random, so that every figure says how
the model would have done on meetings it could not have seen::

    |<------------------- fit ------------------->|<-- test -->|
      the ranker's bags fitted; each meeting also    metrics,
      scored by the bag that did not see its event;  baselines,
      the calibrator fitted on those scores          the gate

* **fit**: everything before the test months. The ranker
  (:class:`models.pair_ranker.TwoSignalRanker`: a logistic model of a good
  outcome plus small boosted trees of "a follow-up or more", fitted five
  times, each time without a fifth of the events) learns here. Every fit
  meeting also gets a score from the bag that did not see its event, and
  those scores turn into chances by isotonic regression with at least 20
  good outcomes per step, interpolated between steps and capped at the best
  rate the data show in a group of 30 or more (cross-fitted calibration: no
  months are set aside for it, so a year of history is enough). The
  previous models, LambdaMART on graded labels and a logistic regression,
  are fitted on the same rows as baselines.
* **test**: the last ``holdout_months`` months. NDCG@10, recall@10, MAP,
  Brier and ECE of every model and of text similarity alone, and the same
  per evaluation subgroup (age band, gender, target groups, benefit
  duration). Protected attributes are evaluation groups only: the bundle's
  features are :data:`matching.shortlists.features.FEATURE_NAMES`, and training
  refuses to run if a protected attribute is among them.

With ``TrainConfig.refit`` (the default) the model in the bundle is then
fitted again, with the same settings and its own calibration, on the fit and
the test months together: the latest months are the most like tomorrow's. The
figures logged with it, the model card and the champion gate are those of
the model fitted on the fit months alone and evaluated on the test months,
which the bundle keeps (:attr:`models.bundle.RankerBundle.tested`) to score
held-out months with. Both carry the text readers
(:class:`~matching.shortlists.text_models.TextModels`) their features were
computed with.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Literal

import numpy as np
import pandas as pd
from joblib import delayed

from matching.shortlists.features import FEATURE_NAMES, PROTECTED_ATTRIBUTES
from matching.shortlists.text_models import TextModels
from models.bundle import RankerBundle
from models.calibration import ProbabilityCalibrator, calibration_curve_data
from models.fit_jobs import run_jobs
from models.pair_ranker import BagPlan, TwoSignalRanker
from models.ranker import LambdaMARTRanker, LogisticRanker
from training.dataset import PairDataset, ProgressCallback, build_dataset
from training.evaluate import (
    default_evaluator,
    evaluate_bundle,
    evaluate_similarity,
    group_metrics,
)
from training.group_audit import group_audit
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
    "occupation_level": 1,
    "fit_desired": 1,
    "fit_text": 1,
    "fit_words": 1,
    "fit_best": 1,
    "education_gap": -1,
    "travel_km": -1,
    "travel_share_of_reach": -1,
    "travel_minutes": -1,
    "hours_overlap_share": 1,
    "hours_gap": -1,
    "limits_adaptable_clash": -1,
    "language_gap": 1,
    "rung": 1,
    "motivation_text": 1,
    "employer_openness": 1,
    "employer_good_rate": 1,
}

#: Names of the models a training run fits and evaluates; the first is the challenger.
MODELS = ("ranker", "lambdamart", "logistic")
#: Held-out conversations on exploration seats needed to report the ranker on them alone.
MIN_EXPLORED = 30


class TrainingError(ValueError):
    """The history cannot train a ranker worth serving (too short, one class, ...)."""


@dataclass(frozen=True)
class TrainConfig:
    """How to cut the history and fit the models.

    Parameters
    ----------
    holdout_months
        Last calendar months held out for evaluation and the champion gate.
    min_fit_months
        Months needed before the held-out ones to fit on.
    min_meetings
        Table meetings needed in the whole history.
    min_good_outcomes
        Good outcomes (a WEP or job) needed in the fit months; fewer cannot
        train a model worth serving, and the service keeps ranking by
        similarity (or by the model it has).
    thin_evidence
        Below this many good outcomes in the fit months, shortlists show the
        chance as a band (laag / middel / hoog), not as a number.
    k
        Cut-off of NDCG and recall (the primary metric is ``ndcg@k``).
    group_by
        What one ranked list is in the evaluation: ``"work_need"`` or ``"event_table"``.
    n_bags, C, n_estimators, learning_rate, num_leaves, min_child_samples, subsample, colsample_bytree, reg_lambda
        Settings of the ranker (:class:`models.pair_ranker.TwoSignalRanker`): a
        few thousand meetings with a few percent good outcomes call for a
        strongly regularised logistic part and small trees with many rows
        per leaf.
    monotone
        Constrain the trees to rise with text similarity, occupational fit,
        hours overlap, language margin, rung, motivation, employer openness
        and track record, and to fall with travel, hours gap, education gap
        and limit clashes (:data:`MONOTONE`): what common sense says, and what
        keeps the model sensible for candidates unlike those relationship
        managers invited.
    cap_rows
        No chance above the best rate of good outcomes the fit months show
        in a group of this many meetings (sorted by score).
    calibrate_by
        Features of the candidate the calibration adjusts the chance by, on
        top of the score (:class:`~models.calibration.ProbabilityCalibrator`'s
        covariates), fitted on the same out-of-fold scores. The steps level
        off at the top of a list, where a shortlist and an event plan read
        the chance: measured on simulated municipalities, the chance shown in
        a top 10 stayed level over the rungs of the participation ladder
        while the true chance rose with them, and a plan inviting by social
        value told candidates apart by what a job is worth rather than by
        their chance (docs/ranker.md, docs/events.md). Empty: the score alone.
    logistic_c
        Inverse regularisation of the logistic baseline.
    refit
        Serve a ranker fitted again on the whole history, held-out months
        included (with its own out-of-fold calibration); the figures and the
        champion gate stay those of the ranker fitted without them. The most
        recent months are the ones most like the work needs of tomorrow.
    random_state
        Seed of every random choice.
    """

    holdout_months: int = 3
    min_fit_months: int = 3
    min_meetings: int = 300
    min_good_outcomes: int = 15
    thin_evidence: int = 50
    k: int = 10
    group_by: Literal["work_need", "event_table"] = "work_need"
    n_bags: int = 5
    C: float = 0.01
    n_estimators: int = 300
    learning_rate: float = 0.03
    num_leaves: int = 3
    min_child_samples: int = 40
    subsample: float = 0.8
    colsample_bytree: float = 0.8
    reg_lambda: float = 5.0
    monotone: bool = True
    cap_rows: int = 30
    calibrate_by: tuple[str, ...] = ("rung", "log_benefit_months")
    logistic_c: float = 1.0
    refit: bool = True
    random_state: int = 0

    def __post_init__(self) -> None:
        for name in ("holdout_months", "min_fit_months", "k", "n_bags", "cap_rows"):
            value = getattr(self, name)
            if int(value) != value or value < 1:
                raise ValueError(f"{name} must be an integer >= 1, got {value}")
        if self.n_bags < 2:
            raise ValueError(f"n_bags must be >= 2, got {self.n_bags}")
        unknown = [f for f in self.calibrate_by if f not in FEATURE_NAMES]
        if unknown:
            raise ValueError(f"calibrate_by names no ranker feature: {unknown}")
        if self.min_meetings < 0 or self.min_good_outcomes < 1:
            raise ValueError(
                f"min_meetings must be >= 0 and min_good_outcomes >= 1, got {self.min_meetings} "
                f"and {self.min_good_outcomes}"
            )

    @property
    def min_months(self) -> int:
        """Calendar months with meetings the history must span."""
        return self.min_fit_months + self.holdout_months

    def to_params(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class TrainResult:
    """Everything a training run produced; :mod:`training.run_logging` logs it.

    Attributes
    ----------
    bundle
        The ranker with its calibrator and text readers: the challenger (with
        ``config.refit``, fitted again on the whole history after its test).
    baselines
        The previous models (``"lambdamart"``, ``"logistic"``), each with its own calibrator.
    metrics
        Test-month metrics per model: ``"ranker"``, ``"lambdamart"``,
        ``"logistic"`` and ``"similarity"``.
    group_metrics
        The ranker's test-month metrics per evaluation subgroup.
    group_audit
        Per protected group and test month, members against everyone else
        (:func:`training.group_audit.group_audit`); logged to MLflow by month.
    test
        The held-out pairs (to re-score the champion on).
    periods
        ``"fit"``, ``"test"`` -> (first, last) event date.
    test_features_for
        The held-out pairs' features as other text readers compute them (a
        champion reads text its own way); None when only ``test.features`` exist.
    """

    bundle: RankerBundle
    baselines: dict[str, RankerBundle]
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
    #: of ``seconds``, fitting the models (the ranker tested and served, and the baselines)
    fit_seconds: float = 0.0
    #: per protected group and test month, members against the rest (:mod:`training.group_audit`)
    group_audit: pd.DataFrame | None = None
    test_features_for: Callable[[TextModels], pd.DataFrame] | None = None

    @property
    def primary_metric(self) -> str:
        return f"ndcg@{self.config.k}"

    @property
    def score(self) -> float:
        """The challenger's primary metric on the test months."""
        return self.metrics["ranker"][self.primary_metric]


def _describe_months(dataset: PairDataset) -> str:
    months = dataset.months
    if not months:
        return "geen maanden"
    return f"{len(months)} maand(en), {months[0]} t/m {months[-1]}"


def _check_history(dataset: PairDataset, config: TrainConfig) -> None:
    months = dataset.months
    if len(dataset) < config.min_meetings or len(months) < config.min_months:
        raise TrainingError(
            f"te weinig geschiedenis om te trainen: nodig zijn minstens {config.min_meetings} "
            f"tafelgesprekken in minstens {config.min_months} kalendermaanden "
            f"({config.min_fit_months} om op te leren, {config.holdout_months} om te toetsen); "
            f"gevonden: {len(dataset)} gesprekken in {_describe_months(dataset)}. Tot er genoeg "
            "is, rangschikken shortlists op tekstovereenkomst (of op het model in gebruik)."
        )
    labels = dataset.labels
    if np.all(labels == labels[0]):
        raise TrainingError(
            f"alle {len(labels)} gesprekken hebben dezelfde uitkomst (graad {labels[0]}): nodig "
            "zijn zowel gesprekken met een vervolg of plaatsing als gesprekken zonder"
        )


def _check_fit(part: PairDataset, config: TrainConfig) -> None:
    n_good = int(part.good.sum())
    if n_good < config.min_good_outcomes or n_good == len(part):
        raise TrainingError(
            f"de maanden om op te leren ({_describe_months(part)}) bevatten {n_good} goede "
            f"uitkomst(en) (werkervaringsplaats of baan) in {len(part)} gesprekken: nodig zijn er "
            f"minstens {config.min_good_outcomes}, en gesprekken zonder. Tot er genoeg is, "
            "rangschikken shortlists op tekstovereenkomst (of op het model in gebruik); "
            "een model getraind op meerdere gemeenten in deze database kan ook dienen."
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
    as_of: dt.date | None = None,
) -> TrainResult:
    """Build the dataset from the store's history, then :func:`train_on_dataset`.

    One model is trained on every municipality in the store unless
    ``municipality`` names one: pooled, small municipalities learn from the
    others. With ``as_of`` only the history before that day is used (a
    back-test). The bundle records the text space it was trained with, so
    the service scores with the same one. ``progress`` hears the dataset's
    steps and then ``"trainen"``.

    Raises
    ------
    TrainingError
        Too little history, a single outcome class, or too few good
        outcomes; the message says what is needed and what was found.

    Examples
    --------
    >>> result = train_ranker(Store(url), text_space=TextSpace.create(home))  # doctest: +SKIP
    >>> result.metrics["ranker"]["ndcg@10"], result.metrics["similarity"]["ndcg@10"]  # doctest: +SKIP
    """
    config = config or TrainConfig()
    dataset = build_dataset(
        store,
        text_space=text_space,
        municipality=municipality,
        group_by=config.group_by,
        progress=progress,
        as_of=as_of,
    )
    if progress is not None:
        progress("trainen", 0.0)
    result = train_on_dataset(dataset, config)
    result.bundle.metadata["text_space"] = text_space.name
    test_ids = result.test.pairs["meeting_id"]

    def test_features_for(text_models: TextModels) -> pd.DataFrame:
        other = build_dataset(
            store,
            text_space=text_space,
            municipality=municipality,
            group_by=config.group_by,
            as_of=as_of,
            text_models=text_models,
        )
        by_meeting = other.features.set_index(other.pairs["meeting_id"])
        return by_meeting.loc[test_ids].reset_index(drop=True)

    result.test_features_for = test_features_for
    return result


def _ranker(config: TrainConfig, features: tuple[str, ...]) -> TwoSignalRanker:
    return TwoSignalRanker(
        n_bags=config.n_bags,
        C=config.C,
        n_estimators=config.n_estimators,
        learning_rate=config.learning_rate,
        num_leaves=config.num_leaves,
        min_child_samples=config.min_child_samples,
        subsample=config.subsample,
        colsample_bytree=config.colsample_bytree,
        reg_lambda=config.reg_lambda,
        monotone={f: d for f, d in MONOTONE.items() if f in features} if config.monotone else None,
        random_state=config.random_state,
    )


def _lambdamart(config: TrainConfig, features: tuple[str, ...]) -> LambdaMARTRanker:
    return LambdaMARTRanker(
        n_estimators=500,
        learning_rate=0.03,
        num_leaves=5,
        min_child_samples=100,
        reg_lambda=5.0,
        eval_at=config.k,
        early_stopping_rounds=None,
        n_jobs=1,
        random_state=config.random_state,
        extra_params={
            "monotone_constraints": [MONOTONE.get(f, 0) for f in features],
            "monotone_constraints_method": "advanced",
        },
    )


def _plan_ranker(config: TrainConfig, features: tuple[str, ...], part: PairDataset) -> BagPlan:
    """The two-signal ranker's fit on ``part`` (events as its folds), as jobs per bag."""
    return _ranker(config, features).plan_fit(
        part.features, part.labels, group_ids=part.pairs["event_id"].to_numpy(dtype=object)
    )


def _baseline(
    model: Any, features: pd.DataFrame, target: np.ndarray, good: np.ndarray, **fit_params: Any
) -> tuple[Any, ProbabilityCalibrator]:
    """A baseline fitted on all of ``features`` and calibrated on its in-sample scores (it is
    only compared): one job, so that its scoring runs where it was fitted."""
    model.fit(features, target, **fit_params)
    return model, ProbabilityCalibrator(method="platt").fit(model.predict(features), good)


def _calibrate(
    config: TrainConfig, ranker: TwoSignalRanker, part: PairDataset
) -> ProbabilityCalibrator:
    """Isotonic steps on the ranker's out-of-fold scores, adjusted by ``config.calibrate_by``."""
    covariates = part.features.loc[:, list(config.calibrate_by)] if config.calibrate_by else None
    return ProbabilityCalibrator(method="steps", cap_rows=config.cap_rows).fit(
        ranker.oof_score_, part.good, covariates=covariates
    )


def _calibration_metadata(calibrator: ProbabilityCalibrator, config: TrainConfig) -> dict[str, Any]:
    return {
        "method": "isotonic steps of >= 20 good outcomes on out-of-fold scores, adjusted by "
        "the candidate's features in calibrate_by, capped",
        "covariates": calibrator.covariate_effects,
        "good_outcomes": calibrator.n_positive_,
        "base_rate": calibrator.base_rate_,
        "cap": calibrator.cap_,
        "thin": calibrator.n_positive_ < config.thin_evidence,
    }


def _refit(
    dataset: PairDataset,
    config: TrainConfig,
    served: tuple[TwoSignalRanker, ProbabilityCalibrator],
    tested: RankerBundle,
    periods: dict[str, tuple[dt.date, dt.date]],
) -> RankerBundle:
    """The ranker to serve: the tested one's settings, fitted on every month of ``dataset``.

    Measured on the shortlist benchmark (every eligible candidate, as of the day after
    the history): NDCG@10 0.77 -> 0.79 and 0.69 -> 0.72 of the attainable oracle, the
    same gain over four seeds of the bags.
    """
    ranker, calibrator = served
    span = (periods["fit"][0], periods["test"][1])
    metadata = {
        **tested.metadata,
        "training_period": list(span),
        "periods": {**tested.metadata["periods"], "served": list(span)},
        "rows": {**tested.metadata["rows"], "served": len(dataset)},
        "calibration": _calibration_metadata(calibrator, config),
    }
    return RankerBundle(
        ranker, calibrator, tested.feature_names, metadata, extras={**tested.extras, "tested": tested}
    )


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

    split = split_by_time(dataset, config.holdout_months)
    fit, test = split.train, split.test
    if len(fit.months) < config.min_fit_months:
        raise TrainingError(
            f"te weinig geschiedenis voor de toetsmaanden: nodig zijn minstens "
            f"{config.min_fit_months} maand(en) om op te leren, gevonden {_describe_months(fit)}"
        )
    _check_fit(fit, config)
    if not test.good.any():
        raise TrainingError(
            f"de toetsmaanden ({_describe_months(test)}) bevatten geen goede uitkomst: niets om "
            "tegen te toetsen (zijn de laatste uitkomsten al vastgelegd?)"
        )
    logger.info("fit %d pairs, test %d", len(fit), len(test))

    # every model of this training, the ranker's bags each on their own, is an independent
    # job: fitted on a thread per core, or over the workers of a backend the caller configures
    # (``joblib.parallel_config``: the batch run's Dask cluster); the models are the same
    # either way. Longest first (LambdaMART's 500 trees, then the bags on every month, then
    # those on the fit months, the logistic baseline last), so that the workers' last jobs
    # are short ones and they finish close together.
    try:
        tested_plan = _plan_ranker(config, features, fit)
    except ValueError as exc:
        raise TrainingError(f"kan op deze geschiedenis niet leren: {exc}") from exc
    try:
        served_plan = _plan_ranker(config, features, dataset) if config.refit else None
    except ValueError as exc:
        raise TrainingError(f"kan op de hele geschiedenis niet opnieuw leren: {exc}") from exc
    served_jobs = served_plan.jobs if served_plan else []
    jobs = [
        delayed(_baseline)(
            _lambdamart(config, features), fit.features, fit.labels, fit.good, group_ids=fit.groups
        ),
        *served_jobs,
        *tested_plan.jobs,
        # pointwise: fitted straight on the event the probability is about (WEP or job)
        delayed(_baseline)(
            LogisticRanker(threshold=1, C=config.logistic_c),
            fit.features,
            fit.good.astype(np.int32),
            fit.good,
        ),
    ]
    fitting = time.perf_counter()
    try:
        (lambdamart, lambdamart_chance), *bags, (logistic, logistic_chance) = run_jobs(jobs, n_jobs=-1)
        served_bags, tested_bags = bags[: len(served_jobs)], bags[len(served_jobs) :]
        ranker = tested_plan.finish(tested_bags)
        # the ranker's bags score every fit meeting out of fold
        calibrators = {
            "ranker": _calibrate(config, ranker, fit),
            "lambdamart": lambdamart_chance,
            "logistic": logistic_chance,
        }
    except ValueError as exc:
        raise TrainingError(f"kan op deze geschiedenis niet leren: {exc}") from exc
    served = None
    if served_plan is not None:
        whole = served_plan.finish(served_bags)
        try:
            served = (whole, _calibrate(config, whole, dataset))
        except ValueError as exc:
            raise TrainingError(f"kan op de hele geschiedenis niet opnieuw leren: {exc}") from exc
    fit_seconds = time.perf_counter() - fitting

    periods = {"fit": _span(fit), "test": _span(test)}
    metadata = {
        "training_period": list(periods["fit"]),
        "periods": {k: [a, b] for k, (a, b) in periods.items()},
        "rows": {"fit": len(fit), "test": len(test)},
        "config": config.to_params(),
        "label": "grades 0-4 (follow-up or trial 1, WEP 2, job 3, sustained job 4); "
        "probability: WEP or job",
        "calibration": _calibration_metadata(calibrators["ranker"], config),
    }
    bundle = RankerBundle(
        ranker,
        calibrators["ranker"],
        features,
        {**metadata, "model": "ranker"},
        extras={"text_models": dataset.text_models},
    )
    baselines = {
        name: RankerBundle(
            model, calibrators[name], features, {**metadata, "model": name},
            extras={"text_models": dataset.text_models},
        )
        for name, model in (("lambdamart", lambdamart), ("logistic", logistic))
    }

    evaluator = default_evaluator(config.k)
    metrics: dict[str, dict[str, float]] = {}
    curves: dict[str, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
    predictions = {}
    for name, model in (("ranker", bundle), *baselines.items()):
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
    metrics.update(evaluate_similarity(fit, test, evaluator=evaluator))
    explored = test.pairs["explored"].to_numpy(dtype=bool)
    if explored.sum() >= MIN_EXPLORED and test.good[explored].any():
        # conversations on exploration seats: the one part of the history the ranking chose nothing of
        seen = test.take(np.flatnonzero(explored))
        metrics["ranker_on_exploration_seats"] = evaluate_bundle(bundle, seen, evaluator=evaluator)
    groups = group_metrics(
        predictions["ranker"].score,
        predictions["ranker"].probability,
        test,
        evaluator=evaluator,
    )
    if served is not None:
        bundle = _refit(dataset, config, served, bundle, periods)
    bundle.metadata["metrics"] = metrics["ranker"]
    for name, baseline in baselines.items():
        baseline.metadata["metrics"] = metrics[name]
    bundle.metadata["baselines"] = {k: v for k, v in metrics.items() if k != "ranker"}
    importance = dict(
        zip(features, (float(x) for x in bundle.ranker.feature_importances_), strict=True)
    )
    seconds = time.perf_counter() - started
    logger.info(
        "trained in %.1f s: %s ranker %.4f, lambdamart %.4f, logistic %.4f, similarity %.4f",
        seconds,
        evaluator.primary_metric,
        *(metrics[name][evaluator.primary_metric] for name in (*MODELS, "similarity")),
    )
    return TrainResult(
        bundle=bundle,
        baselines=baselines,
        metrics=metrics,
        group_metrics=groups,
        group_audit=group_audit(
            predictions["ranker"].score, predictions["ranker"].probability, test.good,
            test.pairs["group"].to_numpy(), test.pairs["event_date"].dt.strftime("%Y-%m").to_numpy(),
            test.subgroups,
        ),
        test=test,
        periods=periods,
        config=config,
        dataset_summary=dataset.summary(),
        calibration_curves=curves,
        feature_importance=importance,
        seconds=seconds,
        fit_seconds=fit_seconds,
    )
