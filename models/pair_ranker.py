"""A pair scorer learned from two signals of one history, bagged over groups.

Good outcomes (a work-experience place or a job) are what a shortlist is
about, but a municipality records few of them: a year of *prettig gesprek*
events gives a few dozen. Follow-up conversations are several times more
common and rise with the same chance. :class:`TwoSignalRanker` learns from both:

* a **logistic regression** on the scarce signal (grade >= ``good_grade``),
  strongly regularised, and
* **boosted trees** (LightGBM, small trees, optional monotone constraints) on
  the plentiful one (grade >= ``signal_grade``),

and scores a row by the sum of their log-odds. Both are fitted ``n_bags``
times, each time leaving out one fold of the groups (events, say); the
score is the mean over the bags, and every training row also gets an
out-of-fold score from the bag that did not see it (:attr:`oof_score_`), so
a calibrator can be fitted on all rows rather than on a few held-out months.
The spread of the bags' scores (:meth:`TwoSignalRanker.predict_spread`) says how
much the models disagree about a row.

Shares the ranker interface of :mod:`models.ranker` (``fit``, ``predict``,
``contributions``). This module knows nothing of the domain.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from joblib import delayed
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

from models.fit_jobs import run_jobs
from models.ranker import (
    LogisticRanker,
    _all_or_nothing,
    _check_labels,
    _check_min_rows,
    _group_codes,
    _leaf_path_table,
    _validated_for_predict,
)

logger = logging.getLogger(__name__)

#: Each fold must hold this many rows of the scarce signal to fit its bag.
MIN_GOOD_PER_BAG = 2


class _Trees:
    """One LightGBM binary booster with cached tree-path contributions."""

    def __init__(self, booster: Any, n_features: int) -> None:
        self.booster = booster
        self.n_features = n_features
        self._table: tuple[np.ndarray, np.ndarray] | None = None

    def __getstate__(self) -> dict[str, Any]:
        return {"model": self.booster.model_to_string(), "n_features": self.n_features}

    def __setstate__(self, state: dict[str, Any]) -> None:
        import lightgbm as lgb

        self.booster = lgb.Booster(model_str=state["model"])
        self.n_features = state["n_features"]
        self._table = None

    def predict(self, X: np.ndarray) -> np.ndarray:
        return np.asarray(self.booster.predict(X, raw_score=True, num_threads=1), dtype=np.float64)

    def contributions(self, X: np.ndarray) -> np.ndarray:
        from scipy import sparse

        if self._table is None:
            self._table = _leaf_path_table(self.booster.dump_model()["tree_info"], self.n_features)
        offsets, table = self._table
        leaves = np.asarray(self.booster.predict(X, pred_leaf=True, num_threads=1), dtype=np.int64)
        leaves = leaves.reshape(X.shape[0], -1) + offsets
        n_rows, n_trees = leaves.shape
        reached = sparse.csr_matrix(
            (np.ones(leaves.size), leaves.ravel(), np.arange(0, leaves.size + 1, n_trees)),
            shape=(n_rows, table.shape[0]),
        )
        return np.asarray(reached @ table)


class TwoSignalRanker(BaseEstimator):
    """Bagged sum of a logistic model of the scarce signal and trees of the plentiful one.

    Parameters
    ----------
    n_bags : int, default=5
        Folds of the groups; one bag is fitted without each.
    good_grade, signal_grade : int, default=2 and 1
        Grades at or above which a row counts for the scarce and the plentiful signal.
    C : float, default=0.01
        Inverse L2 strength of the logistic model (on standardised features).
    n_estimators, learning_rate, num_leaves, min_child_samples, subsample, colsample_bytree, reg_lambda
        LightGBM settings of the trees.
    monotone : mapping of feature name to +1/-1, optional
        Directions the trees must respect (needs ``X`` with column names).
    random_state : int, default=0
    n_jobs : int, optional
        Bags fitted at once (joblib's ``n_jobs``); None: one at a time unless a
        ``joblib.parallel_config`` around the fit says otherwise. The model is the same
        either way.

    Attributes
    ----------
    bags_ : list of (LogisticRanker, trees)
    oof_score_ : ndarray of shape (n_rows,)
        Each training row's score from the bag that did not see its group.
    feature_importances_ : ndarray
        Each bag's mean absolute contribution per feature on the training rows, averaged
        over the bags and normalised to sum to 1.

    Examples
    --------
    >>> ranker = TwoSignalRanker(n_bags=3).fit(X, grades, group_ids=event_ids)  # doctest: +SKIP
    >>> mean, spread = ranker.predict_spread(X_new)                              # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        n_bags: int = 5,
        good_grade: int = 2,
        signal_grade: int = 1,
        C: float = 0.01,
        n_estimators: int = 300,
        learning_rate: float = 0.03,
        num_leaves: int = 3,
        min_child_samples: int = 40,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 5.0,
        monotone: Mapping[str, int] | None = None,
        random_state: int = 0,
        n_jobs: int | None = None,
    ) -> None:
        self.n_bags = n_bags
        self.good_grade = good_grade
        self.signal_grade = signal_grade
        self.C = C
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.monotone = monotone
        self.random_state = random_state
        self.n_jobs = n_jobs

    def _tree_params(self, names: Sequence[str] | None, seed: int) -> dict[str, Any]:
        params: dict[str, Any] = {
            "objective": "binary",
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "min_data_in_leaf": self.min_child_samples,
            "bagging_fraction": self.subsample,
            "bagging_freq": 1 if self.subsample < 1.0 else 0,
            "feature_fraction": self.colsample_bytree,
            "lambda_l2": self.reg_lambda,
            "num_threads": 1,
            "seed": seed,
            "deterministic": True,
            "force_col_wise": True,
            "verbose": -1,
        }
        if self.monotone:
            if names is None:
                raise ValueError("monotone constraints need X with column names")
            unknown = sorted(set(self.monotone) - set(names))
            if unknown:
                raise ValueError(f"monotone names features X does not have: {unknown}")
            params["monotone_constraints"] = [int(self.monotone.get(n, 0)) for n in names]
            params["monotone_constraints_method"] = "advanced"
        return params

    @_all_or_nothing
    def fit(
        self,
        X: Any,
        y: Any,
        group: Any | None = None,
        *,
        group_ids: Any | None = None,
        eval_set: Any | None = None,
    ) -> TwoSignalRanker:
        """Fit the bags; ``group``/``group_ids`` decide the folds (required).

        ``eval_set`` is accepted for interface compatibility and ignored: the
        bags' out-of-fold scores take its place.
        """
        plan = self.plan_fit(X, y, group, group_ids=group_ids)
        return plan.finish(run_jobs(plan.jobs, n_jobs=self.n_jobs))

    def plan_fit(
        self, X: Any, y: Any, group: Any | None = None, *, group_ids: Any | None = None
    ) -> BagPlan:
        """:meth:`fit` cut in independent jobs, one per bag, to run with joblib (alongside
        other work in one ``Parallel``, on whatever backend is configured); the plan's
        ``finish`` takes their results and completes the fit. Raises what ``fit`` raises
        about the data before any job runs."""
        if self.n_bags < 2:
            raise ValueError(f"n_bags must be >= 2, got {self.n_bags}")
        if not 0 < self.signal_grade <= self.good_grade:
            raise ValueError(
                f"need 0 < signal_grade <= good_grade, got {self.signal_grade} and {self.good_grade}"
            )
        started = time.perf_counter()
        X = validate_data(self, X, reset=True, dtype=np.float64, ensure_all_finite="allow-nan")
        n_rows = X.shape[0]
        grades = _check_labels(y, n_rows)
        _check_min_rows(n_rows)
        codes = _group_codes(n_rows, group, group_ids, required=True)
        assert codes is not None
        # a canonical row order (by group, then by the rows' values): the same rows in any
        # order give the same model, whatever the trees' row sampling does with positions
        order = np.lexsort((*np.nan_to_num(X, nan=np.inf).T[::-1], grades, codes))
        X, grades, codes = X[order], grades[order], codes[order]
        good = (grades >= self.good_grade).astype(np.int32)
        signal = (grades >= self.signal_grade).astype(np.int32)
        if good.sum() < MIN_GOOD_PER_BAG * self.n_bags:
            raise ValueError(
                f"need at least {MIN_GOOD_PER_BAG * self.n_bags} rows of grade >= {self.good_grade} "
                f"({MIN_GOOD_PER_BAG} per bag), got {int(good.sum())}"
            )
        if signal.all():
            raise ValueError(f"every row has grade >= {self.signal_grade}: nothing to contrast")
        folds = _folds(codes, good, self.n_bags, self.random_state)
        for b, held in enumerate(folds):
            if good[~held].sum() < MIN_GOOD_PER_BAG or good[~held].all():
                raise ValueError(f"bag {b} has too few rows of each kind of the scarce signal to fit")
        names = list(getattr(self, "feature_names_in_", [])) or None
        jobs = [
            delayed(_fit_bag)(
                X, good, signal, held, self.C,
                self._tree_params(names, self.random_state + b), self.n_estimators, names,
            )
            for b, held in enumerate(folds)
        ]
        counts = (n_rows, int(good.sum()), int(signal.sum()))
        return BagPlan(self, jobs, folds, order, counts, started)

    def _scores(self, X: np.ndarray) -> np.ndarray:
        return np.stack([lr.predict(X) + trees.predict(X) for lr, trees in self.bags_])

    def predict(self, X: Any) -> np.ndarray:
        """Mean over the bags of the summed log-odds; higher ranks first."""
        check_is_fitted(self, "bags_")
        mean: np.ndarray = self._scores(_validated_for_predict(self, X)).mean(axis=0)
        return mean

    def predict_spread(self, X: Any) -> tuple[np.ndarray, np.ndarray]:
        """(mean, standard deviation) of the bags' scores per row."""
        check_is_fitted(self, "bags_")
        scores = self._scores(_validated_for_predict(self, X))
        return scores.mean(axis=0), scores.std(axis=0)

    def contributions(self, X: Any, *, exact: bool = False) -> np.ndarray:
        """Per-feature contributions (bias last), averaged over the bags; rows sum to ``predict``.

        The logistic part is exact; the trees give tree-path attributions
        (``exact`` is accepted for interface compatibility).
        """
        check_is_fitted(self, "bags_")
        X = _validated_for_predict(self, X)
        total = np.zeros((X.shape[0], X.shape[1] + 1))
        for lr, trees in self.bags_:
            total += lr.contributions(X) + trees.contributions(X)
        return total / len(self.bags_)


@dataclass
class BagPlan:
    """A :class:`TwoSignalRanker` fit waiting for its bags (:meth:`TwoSignalRanker.plan_fit`)."""

    ranker: TwoSignalRanker
    jobs: list[Any]  # joblib ``delayed`` calls, one per bag
    folds: list[np.ndarray]  # each bag's held-out rows, in the canonical order
    order: np.ndarray  # the canonical order of the rows given
    counts: tuple[int, int, int]  # rows, of the scarce signal, of the plentiful one
    started: float

    def finish(self, results: Sequence[Any]) -> TwoSignalRanker:
        """The ranker, fitted from the jobs' results (in the jobs' order)."""
        ranker, (n_rows, n_good, n_signal) = self.ranker, self.counts
        oof = np.zeros(n_rows)
        for held, (_, _, scores, _) in zip(self.folds, results, strict=True):
            oof[held] = scores
        restore = np.empty_like(self.order)
        restore[self.order] = np.arange(self.order.size)
        ranker.bags_ = [(logistic, trees) for logistic, trees, _, _ in results]
        ranker.oof_score_ = oof[restore]
        leaning = np.mean([r[3] for r in results], axis=0)
        ranker.feature_importances_ = leaning / leaning.sum() if leaning.sum() > 0 else leaning
        logger.info(
            "two-signal ranker: %d rows (%d good, %d signal) in %d bags, %.1f s",
            n_rows, n_good, n_signal, len(results), time.perf_counter() - self.started,
        )
        return ranker


def _fit_bag(
    X: np.ndarray,
    good: np.ndarray,
    signal: np.ndarray,
    held: np.ndarray,
    C: float,
    params: dict[str, Any],
    rounds: int,
    names: list[str] | None,
) -> tuple[LogisticRanker, _Trees, np.ndarray, np.ndarray]:
    """One bag fitted without the ``held`` rows: the bag, its scores of them, and its mean
    absolute contribution per feature over every row."""
    import lightgbm as lgb

    train = ~held
    logistic = LogisticRanker(threshold=1, C=C).fit(X[train], good[train])
    booster = lgb.train(
        params,
        lgb.Dataset(X[train], label=signal[train], feature_name=names or "auto"),
        num_boost_round=rounds,
    )
    trees = _Trees(booster, X.shape[1])
    leaning = np.abs((logistic.contributions(X) + trees.contributions(X))[:, :-1]).mean(axis=0)
    return logistic, trees, logistic.predict(X[held]) + trees.predict(X[held]), leaning


def _folds(codes: np.ndarray, good: np.ndarray, n_bags: int, seed: int) -> list[np.ndarray]:
    """Boolean masks of held-out rows: groups dealt to folds so each holds its share of good rows."""
    n_groups = int(codes.max()) + 1
    n_bags = min(n_bags, n_groups)
    rng = np.random.default_rng(seed)
    order = rng.permutation(n_groups)
    good_per_group = np.bincount(codes, weights=good, minlength=n_groups)
    # groups with good rows first, then the rest, dealt round-robin: balanced folds
    order = order[np.argsort(~(good_per_group[order] > 0), kind="stable")]
    fold_of_group = np.empty(n_groups, dtype=np.int64)
    fold_of_group[order] = np.arange(n_groups) % n_bags
    fold = fold_of_group[codes]
    return [fold == b for b in range(n_bags)]
