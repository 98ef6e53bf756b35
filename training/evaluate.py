"""Scoring ranker bundles and the similarity baselines on held-out pairs.

One evaluator is used everywhere (training, the champion/challenger gate,
``werkkans evaluate``), so figures from different runs compare:

* lists are work needs (or event tables, as the dataset was built), ranked
  within the held-out months;
* NDCG@10 uses the exponential gain ``2**grade - 1`` on the 0-4 grades, the
  gain LambdaMART is trained for, so a sustained job counts 15 times a
  follow-up;
* recall@10 and MAP count grade >= 2 (WEP or job) as relevant;
* Brier score and ECE (15 equal-width bins) compare the calibrated
  probability with the observed good outcome (a WEP or a regular job).

The similarity baseline ``similarity`` ranks by the text similarity of the
candidate's and the work's Dutch texts alone (what the service ranks by
without a trained model). Its probabilities come from an isotonic map fitted
on the pairs before the held-out months, so its Brier and ECE compare too.

A bundle reads text with the text readers it was trained with
(``bundle.extras["text_models"]``); :func:`evaluate_store` builds the
held-out features with them.
"""

from __future__ import annotations

import datetime as dt
import logging
import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from models.bundle import RankerBundle
from models.calibration import ProbabilityCalibrator
from training.dataset import GOOD_GRADE, PairDataset, build_dataset
from training.metrics import GroupedEvaluator, RankingEvaluator
from training.time_split import split_by_time

if TYPE_CHECKING:
    from matching.records.storage import Store
    from matching.shortlists.text_space import TextSpace

logger = logging.getLogger(__name__)

__all__ = [
    "BASELINE_FEATURES",
    "EvaluationReport",
    "default_evaluator",
    "evaluate_bundle",
    "evaluate_similarity",
    "evaluate_store",
    "group_metrics",
]

#: Baseline name -> the feature column it ranks by.
BASELINE_FEATURES: dict[str, str] = {
    "similarity": "sim_dense",
}


def default_evaluator(k: int = 10) -> RankingEvaluator:
    """The evaluator of every werkkans ranking figure (see the module docstring)."""
    return RankingEvaluator(
        k=k, threshold=GOOD_GRADE, gain="exponential", n_bins=15, ece_strategy="uniform"
    )


def _finite(metrics: dict[str, float]) -> dict[str, float]:
    return {k: float(v) for k, v in metrics.items()}


def evaluate_bundle(
    bundle: RankerBundle, dataset: PairDataset, *, evaluator: RankingEvaluator | None = None
) -> dict[str, float]:
    """NDCG@k, recall@k, MAP, Brier and ECE of a bundle on a dataset.

    Raises
    ------
    BundleError
        When the bundle needs features the dataset does not have.
    """
    evaluator = evaluator or default_evaluator()
    if not len(dataset):
        raise ValueError("cannot evaluate on an empty dataset")
    prediction = bundle.predict(dataset.features, explain=False)
    return _finite(
        evaluator(
            dataset.labels,
            prediction.score,
            dataset.groups,
            p=prediction.probability,
            y_binary=dataset.good,
        )
    )


def group_metrics(
    scores: np.ndarray,
    probability: np.ndarray | None,
    dataset: PairDataset,
    *,
    evaluator: RankingEvaluator | None = None,
) -> dict[str, float]:
    """Metrics within each evaluation subgroup (age band, target groups, benefit duration, gender).

    Keys look like ``"ndcg@10[age_band=45-54]"`` and ``"n_rows[statushouder]"``.
    """
    grouped = GroupedEvaluator(evaluator or default_evaluator(), include_overall=False)
    return _finite(
        grouped(
            dataset.labels,
            scores,
            dataset.groups,
            probability,
            None if probability is None else dataset.good,
            subgroups=dataset.subgroups,
        )
    )


def evaluate_similarity(
    train: PairDataset | None,
    test: PairDataset,
    *,
    evaluator: RankingEvaluator | None = None,
) -> dict[str, dict[str, float]]:
    """Metrics of the similarity-only rankings, per baseline name.

    With ``train`` (earlier pairs holding both outcomes), an isotonic map from
    similarity to probability is fitted on it and Brier/ECE are added.
    """
    evaluator = evaluator or default_evaluator()
    out: dict[str, dict[str, float]] = {}
    for name, column in BASELINE_FEATURES.items():
        scores = test.features[column].to_numpy(dtype=float)
        scores = np.nan_to_num(scores, nan=-1.0)
        p = None
        if train is not None and len(train) and 0 < train.good.sum() < len(train):
            train_scores = np.nan_to_num(train.features[column].to_numpy(dtype=float), nan=-1.0)
            calibrator = ProbabilityCalibrator(method="isotonic").fit(train_scores, train.good)
            p = calibrator.predict_proba(scores)
        out[name] = _finite(
            evaluator(
                test.labels, scores, test.groups, p=p, y_binary=None if p is None else test.good
            )
        )
    return out


@dataclass(frozen=True)
class EvaluationReport:
    """A bundle's and the baselines' metrics on the store's latest held-out months."""

    model_version: str | None
    holdout_start: dt.date
    holdout_end: dt.date
    n_pairs: int
    n_lists: int
    n_good: int
    metrics: dict[str, float] | None  # None without a model
    baselines: dict[str, dict[str, float]]
    groups: dict[str, float] = field(default_factory=dict)
    primary_metric: str = "ndcg@10"
    #: the model in use learned from these months too after its test; the figures are the
    #: tested version's (:attr:`models.bundle.RankerBundle.tested`)
    scored_as_tested: bool = False

    def to_dict(self) -> dict[str, Any]:
        def clean(values: dict[str, float] | None) -> dict[str, float | None] | None:
            if values is None:
                return None
            return {
                k: (None if isinstance(v, float) and math.isnan(v) else v)
                for k, v in values.items()
            }

        return {
            "model_version": self.model_version,
            "holdout": {
                "start": self.holdout_start.isoformat(),
                "end": self.holdout_end.isoformat(),
            },
            "pairs": self.n_pairs,
            "lists": self.n_lists,
            "good_outcomes": self.n_good,
            "primary_metric": self.primary_metric,
            "model": clean(self.metrics),
            "baselines": {k: clean(v) for k, v in self.baselines.items()},
            "groups": clean(self.groups),
            "scored_as_tested": self.scored_as_tested,
        }


def evaluate_store(
    store: Store,
    *,
    text_space: TextSpace,
    bundle: RankerBundle | None,
    holdout_months: int = 3,
    municipality: str | None = None,
    k: int = 10,
    dataset: PairDataset | None = None,
) -> EvaluationReport:
    """Score a bundle (the champion) and the similarity baselines on the latest held-out months.

    Parameters
    ----------
    bundle
        The model to evaluate; None reports the baselines only.
    dataset
        A dataset already built from ``store`` (skips building it again).

    Raises
    ------
    DatasetError
        When the store's history is too short to hold months out.
    BundleError
        When the bundle needs features the dataset does not have.
    """
    if dataset is None:
        dataset = build_dataset(
            store,
            text_space=text_space,
            municipality=municipality,
            text_models=None if bundle is None else bundle.extras.get("text_models"),
        )
    split = split_by_time(dataset, holdout_months)
    evaluator = default_evaluator(k)
    test = split.test
    metrics = groups = None
    if bundle is not None:
        # the held-out months as the bundle was tested on them, not as its refit learned them
        prediction = bundle.tested.predict(test.features, explain=False)
        metrics = _finite(
            evaluator(
                test.labels,
                prediction.score,
                test.groups,
                p=prediction.probability,
                y_binary=test.good,
            )
        )
        groups = group_metrics(prediction.score, prediction.probability, test, evaluator=evaluator)
    period = test.period
    assert period is not None  # split_by_time never returns an empty test side
    return EvaluationReport(
        model_version=None if bundle is None else bundle.version,
        holdout_start=split.cutoff,
        holdout_end=period[1],
        n_pairs=len(test),
        n_lists=int(test.pairs["group"].nunique()),
        n_good=int(test.good.sum()),
        metrics=metrics,
        baselines=evaluate_similarity(split.train, test, evaluator=evaluator),
        groups=groups or {},
        primary_metric=evaluator.primary_metric,
        scored_as_tested=bundle is not None and bundle.tested is not bundle,
    )
