"""Learning-to-rank models: a LambdaMART ranker and a logistic baseline.

Both models share one interface so the training pipeline can swap them:

* ``fit(X, y, group=None, *, group_ids=None, eval_set=None) -> self``
* ``predict(X) -> scores`` (higher is better; uncalibrated)
* ``contributions(X, exact=False) -> (n_rows, n_features + 1)`` per-feature
  contributions with the bias / intercept in the last column; each row sums
  to ``predict``. For LambdaMART the default is the tree-path attribution
  (cheap enough to explain every shortlist); ``exact=True`` gives TreeSHAP.

Labels are graded relevance ``0, 1, 2, ...`` (integers). Groups are the lists
being ranked; they are passed either LightGBM-style as ``group`` (sizes of
consecutive blocks of rows) or as ``group_ids`` (one id per row, any order).

This module knows nothing of the domain: no imports from ``matching`` or above.
"""

from __future__ import annotations

import functools
import logging
import time
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted, validate_data

logger = logging.getLogger(__name__)

#: Fewer rows than this cannot give a model worth scoring with.
MIN_ROWS = 10
#: LambdaMART needs this many groups in which the labels differ.
MIN_INFORMATIVE_GROUPS = 2

_Fit = TypeVar("_Fit", bound=Callable[..., Any])


def _all_or_nothing(fit: _Fit) -> _Fit:
    """Leave the estimator exactly as it was when ``fit`` raises.

    Validation records ``n_features_in_`` before the labels are checked; a
    failed (re)fit must not leave a mix of old and new learned state.
    """

    @functools.wraps(fit)
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        before = dict(self.__dict__)
        try:
            return fit(self, *args, **kwargs)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(before)
            raise

    return wrapper  # type: ignore[return-value]


# --------------------------------------------------------------------------- #
# Shared input validation
# --------------------------------------------------------------------------- #


def _check_labels(y: Any, n_rows: int) -> np.ndarray:
    """Return graded labels as int32, rejecting non-integer or negative values."""
    y = np.asarray(y)
    if y.ndim != 1:
        raise ValueError(f"y must be 1-D, got shape {y.shape}")
    if y.shape[0] != n_rows:
        raise ValueError(f"y has {y.shape[0]} labels but X has {n_rows} rows")
    if y.dtype == bool:
        y = y.astype(np.int32)
    if not np.issubdtype(y.dtype, np.number):
        raise ValueError(f"labels must be numeric grades 0, 1, 2, ..., got dtype {y.dtype}")
    yf = y.astype(np.float64)
    if not np.all(np.isfinite(yf)):
        raise ValueError(f"labels contain {int(np.sum(~np.isfinite(yf)))} NaN or infinite values")
    if np.any(yf < 0) or np.any(yf != np.round(yf)):
        bad = yf[(yf < 0) | (yf != np.round(yf))][0]
        raise ValueError(f"labels must be non-negative integer grades, got {bad:g}")
    result: np.ndarray = yf.astype(np.int32)
    return result


def _check_not_constant(y: np.ndarray) -> None:
    if y.shape[0] and np.all(y == y[0]):
        raise ValueError(
            f"all labels are {y[0]}: need at least one good and one poor outcome to learn from"
        )


def _check_min_rows(n_rows: int) -> None:
    if n_rows < MIN_ROWS:
        raise ValueError(f"need at least {MIN_ROWS} rows to fit, got {n_rows}")


def _group_codes(
    n_rows: int, group: Any | None, group_ids: Any | None, *, required: bool
) -> np.ndarray | None:
    """Turn group sizes or per-row ids into per-row codes ``0..n_groups-1``.

    Codes follow the sorted order of the ids, so the same rows in any order get
    the same codes; with sizes, codes follow the blocks.
    """
    if group is not None and group_ids is not None:
        raise ValueError("pass either group (sizes) or group_ids (one per row), not both")
    if group is None and group_ids is None:
        if required:
            raise ValueError("groups are required: pass group (sizes) or group_ids (one per row)")
        return None
    if group is not None:
        sizes = np.asarray(group)
        if sizes.ndim != 1 or sizes.size == 0:
            raise ValueError(
                f"group must be a non-empty 1-D array of sizes, got shape {sizes.shape}"
            )
        if not np.issubdtype(sizes.dtype, np.number) or np.any(sizes != np.round(sizes)):
            raise ValueError("group sizes must be integers")
        if np.any(sizes < 1):
            raise ValueError(f"group sizes must be >= 1, got {int(sizes.min())}")
        if int(sizes.sum()) != n_rows:
            raise ValueError(f"group sizes sum to {int(sizes.sum())} but X has {n_rows} rows")
        return np.repeat(np.arange(sizes.size), sizes.astype(np.int64))

    import pandas as pd

    ids = np.asarray(group_ids)
    if ids.ndim != 1 or ids.shape[0] != n_rows:
        raise ValueError(f"group_ids must have one id per row ({n_rows}), got shape {ids.shape}")
    codes, _ = pd.factorize(ids, sort=True, use_na_sentinel=True)
    if np.any(codes < 0):
        raise ValueError(f"group_ids contain {int(np.sum(codes < 0))} missing values")
    result: np.ndarray | None = codes.astype(np.int64)
    return result


# --------------------------------------------------------------------------- #
# LambdaMART
# --------------------------------------------------------------------------- #


class LambdaMARTRanker(BaseEstimator):
    """Gradient-boosted trees trained with the LambdaRank objective (LightGBM).

    Defaults suit 10–40 features and up to ~500k rows on two cores.

    Parameters
    ----------
    n_estimators : int, default=300
        Maximum number of boosting rounds.
    learning_rate : float, default=0.05
    num_leaves : int, default=31
    max_depth : int, default=6
        -1 means no limit. With 31 leaves, unlimited trees grow 10–12 levels
        deep; capping at 6 costs little accuracy and makes ``contributions``
        (TreeSHAP, cost ~ leaves x depth^2 per tree) 2–3 times faster.
    min_child_samples : int, default=20
        Minimum rows in a leaf.
    subsample : float, default=0.8
        Row fraction used per round (bagging every round when < 1).
    colsample_bytree : float, default=0.8
        Feature fraction used per tree.
    reg_lambda : float, default=1.0
        L2 penalty on leaf values.
    max_bin : int, default=255
    label_gain : sequence of float or None, default=None
        Gain of each grade ``0..G``. ``None`` uses ``2**g - 1`` for every grade
        up to the largest label seen in ``fit`` (at least grades 0..4).
    eval_at : int, default=10
        Cut-off of the NDCG used for early stopping.
    early_stopping_rounds : int or None, default=30
        Stop when validation NDCG has not improved for this many rounds. Only
        used when ``fit`` receives an ``eval_set``.
    n_jobs : int, default=2
        Threads for training and prediction. Read at every call, so
        ``set_params(n_jobs=1)`` on a fitted model changes prediction only.
    random_state : int, default=0
        Seed for bagging and feature sampling; fits are deterministic given it
        (and the same ``n_jobs``).
    extra_params : dict or None, default=None
        Further LightGBM parameters, passed through unchanged.

    Attributes
    ----------
    model_ : lightgbm.LGBMRanker
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` in ``fit`` had string column names.
    label_gain_ : ndarray
    best_iteration_ : int
        Rounds used for prediction (the early-stopping optimum, else all).
    evals_result_ : dict
        Validation metric per round (empty without ``eval_set``).
    feature_importances_ : ndarray
        Total split gain per feature, normalised to sum to 1.

    Examples
    --------
    >>> ranker = LambdaMARTRanker(n_estimators=50).fit(X, y, group_ids=vacancy_ids)
    >>> scores = ranker.predict(X_new)
    """

    def __init__(
        self,
        *,
        n_estimators: int = 300,
        learning_rate: float = 0.05,
        num_leaves: int = 31,
        max_depth: int = 6,
        min_child_samples: int = 20,
        subsample: float = 0.8,
        colsample_bytree: float = 0.8,
        reg_lambda: float = 1.0,
        max_bin: int = 255,
        label_gain: Sequence[float] | None = None,
        eval_at: int = 10,
        early_stopping_rounds: int | None = 30,
        n_jobs: int = 2,
        random_state: int = 0,
        extra_params: dict[str, Any] | None = None,
    ) -> None:
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.num_leaves = num_leaves
        self.max_depth = max_depth
        self.min_child_samples = min_child_samples
        self.subsample = subsample
        self.colsample_bytree = colsample_bytree
        self.reg_lambda = reg_lambda
        self.max_bin = max_bin
        self.label_gain = label_gain
        self.eval_at = eval_at
        self.early_stopping_rounds = early_stopping_rounds
        self.n_jobs = n_jobs
        self.random_state = random_state
        self.extra_params = extra_params

    def _check_params(self) -> None:
        if self.n_estimators < 1:
            raise ValueError(f"n_estimators must be >= 1, got {self.n_estimators}")
        if not 0 < self.learning_rate:
            raise ValueError(f"learning_rate must be > 0, got {self.learning_rate}")
        if self.num_leaves < 2:
            raise ValueError(f"num_leaves must be >= 2, got {self.num_leaves}")
        if self.eval_at < 1:
            raise ValueError(f"eval_at must be >= 1, got {self.eval_at}")
        if self.early_stopping_rounds is not None and self.early_stopping_rounds < 1:
            raise ValueError(
                f"early_stopping_rounds must be >= 1 or None, got {self.early_stopping_rounds}"
            )

    def _resolve_label_gain(self, max_label: int) -> np.ndarray:
        if self.label_gain is None:
            grades = np.arange(max(max_label, 4) + 1)
            return 2.0**grades - 1.0
        gain = np.asarray(self.label_gain, dtype=np.float64)
        if gain.ndim != 1 or gain.size <= max_label:
            raise ValueError(
                f"label_gain has {gain.size} entries but labels go up to {max_label}; "
                f"need one gain per grade 0..{max_label}"
            )
        if np.any(np.diff(gain) < 0):
            raise ValueError("label_gain must be non-decreasing: a better grade cannot gain less")
        return gain

    def _lgbm_params(self, label_gain: np.ndarray) -> dict[str, Any]:
        params: dict[str, Any] = {
            "objective": "lambdarank",
            "n_estimators": self.n_estimators,
            "learning_rate": self.learning_rate,
            "num_leaves": self.num_leaves,
            "max_depth": self.max_depth,
            "min_child_samples": self.min_child_samples,
            "subsample": self.subsample,
            "subsample_freq": 1 if self.subsample < 1.0 else 0,
            "colsample_bytree": self.colsample_bytree,
            "reg_lambda": self.reg_lambda,
            "max_bin": self.max_bin,
            "n_jobs": self.n_jobs,
            "random_state": self.random_state,
            "label_gain": label_gain.tolist(),
            # Reproducible fits: fixed histogram layout and deterministic reductions.
            "deterministic": True,
            "force_col_wise": True,
            "verbose": -1,
        }
        params.update(self.extra_params or {})
        return params

    @_all_or_nothing
    def fit(
        self,
        X: Any,
        y: Any,
        group: Any | None = None,
        *,
        group_ids: Any | None = None,
        eval_set: tuple[Any, Any, Any] | None = None,
    ) -> LambdaMARTRanker:
        """Fit the ranker.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_rows, n_features)
            NaN is allowed and handled by LightGBM (learned default direction).
        y : array-like of shape (n_rows,)
            Integer grades 0, 1, 2, ...
        group : array-like of int, optional
            LightGBM-style group sizes; rows must then be in group blocks.
        group_ids : array-like of shape (n_rows,), optional
            One group id per row, in any order. Rows are sorted by id
            internally (stable), so row order does not change the model as long
            as the order of rows within each group is the same.
        eval_set : tuple (X_val, y_val, group_ids_val), optional
            Validation rows with per-row group ids, used for early stopping.

        Returns
        -------
        self
        """
        import lightgbm as lgb

        self._check_params()
        X = validate_data(self, X, reset=True, dtype=np.float64, ensure_all_finite="allow-nan")
        n_rows = X.shape[0]
        y = _check_labels(y, n_rows)
        codes = _group_codes(n_rows, group, group_ids, required=True)
        assert codes is not None  # required: it raises rather than return None
        _check_not_constant(y)
        _check_min_rows(n_rows)
        label_gain = self._resolve_label_gain(int(y.max()))

        X, y, sizes = _sort_by_group(X, y, codes)
        n_informative = _count_informative_groups(y, sizes)
        if n_informative < MIN_INFORMATIVE_GROUPS:
            raise ValueError(
                f"need at least {MIN_INFORMATIVE_GROUPS} groups in which labels differ "
                f"(a group whose rows share one label carries no ranking signal), "
                f"got {n_informative} of {sizes.size} groups"
            )

        fit_kwargs: dict[str, Any] = {}
        if eval_set is not None:
            Xv, yv, gv = self._prepare_eval_set(eval_set, int(label_gain.size) - 1)
            fit_kwargs.update(eval_X=(Xv,), eval_y=(yv,), eval_group=[gv], eval_at=[self.eval_at])
            callbacks: list[Any] = [lgb.log_evaluation(period=0)]
            if self.early_stopping_rounds is not None:
                callbacks.append(
                    lgb.early_stopping(
                        self.early_stopping_rounds, first_metric_only=True, verbose=False
                    )
                )
            fit_kwargs["callbacks"] = callbacks

        model = lgb.LGBMRanker(**self._lgbm_params(label_gain))
        start = time.perf_counter()
        model.fit(X, y, group=sizes, **fit_kwargs)
        elapsed = time.perf_counter() - start

        self.__dict__.pop("_path_cache", None)
        self.model_ = model
        self.label_gain_ = label_gain
        best = model.best_iteration_ or 0
        self.best_iteration_ = int(best) if best > 0 else int(model.booster_.current_iteration())
        self.evals_result_ = dict(model.evals_result_ or {})
        gain = model.booster_.feature_importance(importance_type="gain").astype(np.float64)
        total = gain.sum()
        self.feature_importances_ = gain / total if total > 0 else gain
        logger.info(
            "LambdaMART fitted on %d rows in %d groups (%d informative): %d rounds in %.1f s",
            n_rows,
            sizes.size,
            n_informative,
            self.best_iteration_,
            elapsed,
        )
        return self

    def _prepare_eval_set(
        self, eval_set: tuple[Any, Any, Any], max_grade: int
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if not isinstance(eval_set, tuple | list) or len(eval_set) != 3:
            raise ValueError("eval_set must be a tuple (X_val, y_val, group_ids_val)")
        Xv, yv, gv = eval_set
        Xv = validate_data(self, Xv, reset=False, dtype=np.float64, ensure_all_finite="allow-nan")
        yv = _check_labels(yv, Xv.shape[0])
        if yv.size and int(yv.max()) > max_grade:
            raise ValueError(
                f"eval_set labels go up to {int(yv.max())} "
                f"but label_gain covers grades 0..{max_grade}"
            )
        codes = _group_codes(Xv.shape[0], None, gv, required=True)
        assert codes is not None  # required: it raises rather than return None
        return _sort_by_group(Xv, yv, codes)

    def _validated(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "model_")
        return _validated_for_predict(self, X)

    def predict(self, X: Any) -> np.ndarray:
        """Score rows; higher means a better expected outcome.

        Returns
        -------
        ndarray of shape (n_rows,)
            Raw LambdaMART scores, comparable within a model only.
        """
        X = self._validated(X)
        scores: np.ndarray = np.asarray(
            self.model_.booster_.predict(
                X, num_iteration=self.best_iteration_, num_threads=self.n_jobs
            )
        )
        return scores

    def contributions(self, X: Any, *, exact: bool = False) -> np.ndarray:
        """Per-feature contributions to the score.

        Parameters
        ----------
        exact : bool, default=False
            ``False``: tree-path attribution. In every tree, each split on the
            way to the row's leaf credits its feature with the change in the
            expected score (training-count weighted mean of the leaves below)
            from the node to the child taken. It reads the leaf of each tree
            and sums a table computed once per model, so it costs about as
            much as ``predict`` (~50x less than TreeSHAP for 300 trees of 31
            leaves). ``True``: exact TreeSHAP (Shapley values of the trees),
            ~1.3 ms per row for that model on one core.

        Returns
        -------
        ndarray of shape (n_rows, n_features + 1)
            One column per feature, the expected score (bias) last. Each row
            sums to ``predict(X)``; both methods share the bias. Path values
            credit splits near the root less than Shapley values do but agree
            on the sign and order of the leading factors in most rows (see
            ``benchmarks/bench_ranker.py``).
        """
        X = self._validated(X)
        booster = self.model_.booster_
        if exact:
            contributions: np.ndarray = np.asarray(
                booster.predict(
                    X,
                    num_iteration=self.best_iteration_,
                    pred_contrib=True,
                    num_threads=self.n_jobs,
                )
            )
            return contributions
        from scipy import sparse

        offsets, table = self._path_table()
        leaves = booster.predict(
            X, num_iteration=self.best_iteration_, pred_leaf=True, num_threads=self.n_jobs
        )
        leaves = np.asarray(leaves, dtype=np.int64).reshape(X.shape[0], -1) + offsets
        n_rows, n_trees = leaves.shape
        # one-hot rows of the leaves reached, times the per-leaf table
        reached = sparse.csr_matrix(
            (np.ones(leaves.size), leaves.ravel(), np.arange(0, leaves.size + 1, n_trees)),
            shape=(n_rows, table.shape[0]),
        )
        return np.asarray(reached @ table)

    def _path_table(self) -> tuple[np.ndarray, np.ndarray]:
        """(first row of each tree, per-leaf contributions) for the trees in use, cached."""
        cached = self.__dict__.get("_path_cache")
        if cached is None or cached[0] != self.best_iteration_:
            dump = self.model_.booster_.dump_model(num_iteration=self.best_iteration_)
            offsets, table = _leaf_path_table(dump["tree_info"], self.n_features_in_)
            cached = (self.best_iteration_, offsets, table)
            self.__dict__["_path_cache"] = cached
        return cached[1], cached[2]

    def __getstate__(self) -> dict[str, Any]:
        state = super().__getstate__()
        state.pop("_path_cache", None)  # derived from the trees; rebuilt on first use
        result: dict[str, Any] = state
        return result


def _leaf_path_table(trees: list[dict[str, Any]], n_features: int) -> tuple[np.ndarray, np.ndarray]:
    """Tree-path contributions of every leaf of LightGBM trees (from ``dump_model``).

    Returns ``offsets`` (row of each tree's leaf 0) and ``table`` of shape
    ``(total leaves, n_features + 1)``: row ``offsets[t] + leaf`` holds, per
    feature, the sum of ``E[child] - E[node]`` over the splits on that
    feature on the way to the leaf, and ``E[root]`` last, so it sums to the
    leaf's value. ``E`` is the training-count weighted mean of the leaves
    under a node, the same expectation TreeSHAP uses.
    """
    sizes = np.array([int(t["num_leaves"]) for t in trees], dtype=np.int64)
    offsets = np.concatenate(([0], np.cumsum(sizes)[:-1])).astype(np.int64)
    table = np.zeros((int(sizes.sum()), n_features + 1))

    def expectation(node: dict[str, Any]) -> tuple[float, float]:
        """(count-weighted sum of leaf values, count) of a subtree; stores E on nodes."""
        if "leaf_value" in node:
            count = float(node.get("leaf_count", 0) or 0)
            node["_e"] = float(node["leaf_value"])
            return node["_e"] * count, count
        left, right = expectation(node["left_child"]), expectation(node["right_child"])
        total, count = left[0] + right[0], left[1] + right[1]
        # an empty subtree (no training rows) has no expectation; fall back to the plain mean
        node["_e"] = total / count if count > 0 else (node["left_child"]["_e"] + node["right_child"]["_e"]) / 2
        return total, count

    for t, tree in enumerate(trees):
        root = tree["tree_structure"]
        expectation(root)
        stack = [(root, np.zeros(n_features + 1))]
        stack[0][1][-1] = root["_e"]
        while stack:
            node, path = stack.pop()
            if "leaf_value" in node:
                table[offsets[t] + int(node.get("leaf_index", 0))] = path
                continue
            feature = int(node["split_feature"])
            for side in ("left_child", "right_child"):
                child = node[side]
                step = path.copy()
                step[feature] += child["_e"] - node["_e"]
                stack.append((child, step))
    return offsets, table


def _validated_for_predict(model: BaseEstimator, X: Any) -> np.ndarray:
    """``X`` as a float array after the checks ``validate_data`` makes at predict time.

    The serving path hands over a float DataFrame with exactly the fitted
    columns, and an ensemble hands its members the float array it checked; those
    cases are checked directly (names, shape, dtype, no infinities), which takes
    a tenth of the general validation. Anything else goes through
    ``validate_data`` and gets its messages.
    """
    import pandas as pd

    names = getattr(model, "feature_names_in_", None)
    values: np.ndarray | None = None
    if (
        isinstance(X, pd.DataFrame)
        and names is not None
        and len(X) > 0
        and X.columns.size == names.size
        and bool(np.all(X.columns.to_numpy() == names))
        and all(dtype == np.float64 for dtype in X.dtypes)
    ):
        values = X.to_numpy(dtype=np.float64)
    elif (
        isinstance(X, np.ndarray)
        and names is None
        and X.dtype == np.float64
        and X.ndim == 2
        and X.shape[0] > 0
        and X.shape[1] == getattr(model, "n_features_in_", -1)
    ):
        values = X
    if values is not None and not np.isinf(values).any():
        return values
    checked: np.ndarray = validate_data(
        model, X, reset=False, dtype=np.float64, ensure_all_finite="allow-nan"
    )
    return checked


def _sort_by_group(
    X: np.ndarray, y: np.ndarray, codes: np.ndarray
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Stable-sort rows by group code; return sorted X, y and group sizes."""
    if np.all(codes[1:] >= codes[:-1]):
        order = None
    else:
        order = np.argsort(codes, kind="stable")
        X, y, codes = X[order], y[order], codes[order]
    sizes = np.bincount(codes)
    return X, y, sizes[sizes > 0]


def _count_informative_groups(y_sorted: np.ndarray, sizes: np.ndarray) -> int:
    starts = np.concatenate(([0], np.cumsum(sizes)[:-1]))
    highest = np.maximum.reduceat(y_sorted, starts)
    lowest = np.minimum.reduceat(y_sorted, starts)
    return int(np.sum(highest > lowest))


# --------------------------------------------------------------------------- #
# Logistic baseline
# --------------------------------------------------------------------------- #


class LogisticRanker(BaseEstimator):
    """Pointwise baseline: standardised logistic regression on ``label >= threshold``.

    Missing values are imputed with the training median of each feature.

    Parameters
    ----------
    threshold : int, default=2
        Grades at or above this count as a good outcome.
    C : float, default=1.0
        Inverse L2 regularisation strength.
    class_weight : dict, "balanced" or None, default=None
    max_iter : int, default=1000
    tol : float, default=1e-6

    Attributes
    ----------
    medians_ : ndarray of shape (n_features,)
        Training medians used to fill NaN (0 for an all-NaN feature).
    mean_, scale_ : ndarray of shape (n_features,)
        Standardisation applied after imputation.
    coef_ : ndarray of shape (n_features,)
        Coefficients on the standardised features.
    intercept_ : float
    n_features_in_ : int
    feature_names_in_ : ndarray of str
        Only when ``X`` in ``fit`` had string column names.
    """

    def __init__(
        self,
        *,
        threshold: int = 2,
        C: float = 1.0,
        class_weight: dict[int, float] | str | None = None,
        max_iter: int = 1000,
        tol: float = 1e-6,
    ) -> None:
        self.threshold = threshold
        self.C = C
        self.class_weight = class_weight
        self.max_iter = max_iter
        self.tol = tol

    @_all_or_nothing
    def fit(
        self,
        X: Any,
        y: Any,
        group: Any | None = None,
        *,
        group_ids: Any | None = None,
        eval_set: tuple[Any, Any, Any] | None = None,
    ) -> LogisticRanker:
        """Fit on binarised labels.

        ``group`` / ``group_ids`` / ``eval_set`` are accepted so this model can
        stand in for :class:`LambdaMARTRanker`; a pointwise model does not use
        them beyond checking their shape.

        Returns
        -------
        self
        """
        from sklearn.linear_model import LogisticRegression
        from sklearn.preprocessing import StandardScaler

        if self.C <= 0:
            raise ValueError(f"C must be > 0, got {self.C}")
        X = validate_data(self, X, reset=True, dtype=np.float64, ensure_all_finite="allow-nan")
        n_rows = X.shape[0]
        y = _check_labels(y, n_rows)
        _group_codes(n_rows, group, group_ids, required=False)
        _check_not_constant(y)
        _check_min_rows(n_rows)
        good = y >= self.threshold
        if good.all() or not good.any():
            side = "at or above" if good.all() else "below"
            raise ValueError(
                f"all labels are {side} the threshold {self.threshold} (labels range "
                f"{y.min()}..{y.max()}): need at least one good and one poor outcome to learn from"
            )
        if eval_set is not None:
            logger.debug("LogisticRanker ignores eval_set: it has no early stopping")

        with np.errstate(all="ignore"):
            all_nan = np.all(np.isnan(X), axis=0)
            medians = np.where(all_nan, 0.0, np.nanmedian(np.where(all_nan, 0.0, X), axis=0))
        X = _impute(X, medians)
        scaler = StandardScaler().fit(X)
        model = LogisticRegression(
            C=self.C, class_weight=self.class_weight, max_iter=self.max_iter, tol=self.tol
        ).fit(scaler.transform(X), good.astype(np.int8))

        self.medians_ = medians
        self.mean_ = scaler.mean_
        self.scale_ = scaler.scale_
        self.coef_ = model.coef_.ravel().copy()
        self.intercept_ = float(model.intercept_[0])
        logger.info(
            "LogisticRanker fitted on %d rows (%.1f%% good)", n_rows, 100.0 * good.mean()
        )
        return self

    def _standardised(self, X: Any) -> np.ndarray:
        check_is_fitted(self, "coef_")
        X = _validated_for_predict(self, X)
        result: np.ndarray = (_impute(X, self.medians_) - self.mean_) / self.scale_
        return result

    def predict(self, X: Any) -> np.ndarray:
        """Decision function (log-odds of a good outcome), shape (n_rows,)."""
        result: np.ndarray = self._standardised(X) @ self.coef_ + self.intercept_
        return result

    def contributions(self, X: Any, *, exact: bool = True) -> np.ndarray:
        """``coef * (x - mean) / scale`` per feature, intercept last.

        A linear model's contributions are exact; ``exact`` is accepted so the
        two rankers share one signature.

        Returns
        -------
        ndarray of shape (n_rows, n_features + 1)
            Each row sums to ``predict(X)``.
        """
        Z = self._standardised(X) * self.coef_
        return np.hstack([Z, np.full((Z.shape[0], 1), self.intercept_)])


def _impute(X: np.ndarray, medians: np.ndarray) -> np.ndarray:
    """Replace NaN by the column's training median."""
    nan = np.isnan(X)
    if not nan.any():
        return X
    return np.where(nan, medians, X)
