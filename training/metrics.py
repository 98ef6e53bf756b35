"""Ranking and calibration metrics, and evaluators built from them.

All ranking metrics work on flat arrays with one row per (list, item) pair and
a ``groups`` array saying which list each row belongs to; they are averaged
over lists (groups). Everything is vectorised around one sort of the rows
(shared by all metrics in :class:`RankingEvaluator`), so 500k rows in 20k
groups evaluate in about 0.3 s.

Conventions, shared by every ranking metric here:

* **Ties** in ``scores`` are broken pessimistically: among rows with equal
  score, the less relevant row is ranked first. The result then does not
  depend on row order, and a model that scores everything alike gets the
  worst-case value instead of a lucky one.
* **Groups without any relevant row** are skipped (left out of the mean): no
  ordering of such a list is better than another. (``sklearn.metrics.ndcg_score``
  instead counts them as 0.) If no group has a relevant row the metric is NaN.
* ``groups=None`` means all rows form one list.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal

import numpy as np

from models.calibration import calibration_curve_data

__all__ = [
    "GroupedEvaluator",
    "RankingEvaluator",
    "brier_score",
    "expected_calibration_error",
    "mean_average_precision",
    "ndcg_at_k",
    "recall_at_k",
]


# --------------------------------------------------------------------------- #
# Input handling
# --------------------------------------------------------------------------- #


def _as_1d(a: Any, name: str, n: int | None = None) -> np.ndarray:
    arr = np.asarray(a, dtype=np.float64)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {arr.shape}")
    if n is not None and arr.shape[0] != n:
        raise ValueError(f"{name} has {arr.shape[0]} values, expected {n}")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contain {int(np.sum(~np.isfinite(arr)))} NaN or infinite values")
    return arr


def _check_k(k: int | None) -> None:
    if k is not None and (int(k) != k or k < 1):
        raise ValueError(f"k must be an integer >= 1, got {k}")


def _group_codes(groups: Any | None, n: int) -> tuple[np.ndarray, int]:
    """Per-row group codes ``0..G-1`` and G."""
    if groups is None:
        return np.zeros(n, dtype=np.intp), int(n > 0)
    import pandas as pd

    g = np.asarray(groups)
    if g.ndim != 1 or g.shape[0] != n:
        raise ValueError(f"groups must have one value per row ({n}), got shape {g.shape}")
    codes, uniques = pd.factorize(g, use_na_sentinel=True)
    if np.any(codes < 0):
        raise ValueError(f"groups contain {int(np.sum(codes < 0))} missing values")
    return codes.astype(np.intp, copy=False), len(uniques)


@dataclass(frozen=True)
class _RankedLists:
    """Rows sorted by group, then score descending, then tie-break ascending."""

    codes: np.ndarray  # per-row group code 0..G-1, input order
    n_groups: int
    order: np.ndarray  # sort order of the rows
    pos: np.ndarray  # 0-based rank within the group of each sorted row

    @classmethod
    def build(cls, groups: Any | None, scores: np.ndarray, tiebreak: np.ndarray) -> _RankedLists:
        codes, n_groups = _group_codes(groups, scores.shape[0])
        order = np.lexsort((tiebreak, -scores, codes))
        sizes = np.bincount(codes, minlength=n_groups)
        starts = np.cumsum(sizes) - sizes
        pos = np.arange(codes.shape[0]) - starts[codes[order]]
        return cls(codes, n_groups, order, pos)

    def per_group_sum(self, weights_sorted: np.ndarray) -> np.ndarray:
        return np.bincount(self.codes[self.order], weights=weights_sorted, minlength=self.n_groups)


def _mean_valid(num: np.ndarray, den: np.ndarray) -> float:
    valid = den > 0
    if not valid.any():
        return float("nan")
    return float(np.mean(num[valid] / den[valid]))


def _ndcg(ranked: _RankedLists, gain: np.ndarray, k: int) -> float:
    discount = np.where(ranked.pos < k, 1.0 / np.log2(ranked.pos + 2.0), 0.0)
    dcg = ranked.per_group_sum(gain[ranked.order] * discount)
    # The ideal order has the same group blocks, hence the same within-group ranks.
    ideal = np.lexsort((-gain, ranked.codes))
    idcg = np.bincount(
        ranked.codes[ideal], weights=gain[ideal] * discount, minlength=ranked.n_groups
    )
    return _mean_valid(dcg, idcg)


def _recall(ranked: _RankedLists, rel: np.ndarray, k: int) -> float:
    hits = ranked.per_group_sum(rel[ranked.order] * (ranked.pos < k))
    n_rel = np.bincount(ranked.codes, weights=rel, minlength=ranked.n_groups)
    return _mean_valid(hits, n_rel)


def _average_precision(ranked: _RankedLists, rel: np.ndarray, k: int | None) -> float:
    rel_sorted = rel[ranked.order]
    # Relevant rows seen so far within the group = global cumsum minus the group's offset.
    cum = np.cumsum(rel_sorted)
    before_group = (cum - rel_sorted)[ranked.pos == 0]
    cum_in_group = cum - before_group[ranked.codes[ranked.order]]
    precision = cum_in_group / (ranked.pos + 1.0)
    in_cut = ranked.pos < k if k is not None else True
    ap_sum = ranked.per_group_sum(precision * rel_sorted * in_cut)
    n_rel = np.bincount(ranked.codes, weights=rel, minlength=ranked.n_groups)
    if k is not None:
        n_rel = np.minimum(n_rel, k)
    return _mean_valid(ap_sum, n_rel)


def _gain(rel: np.ndarray, gain: str) -> np.ndarray:
    if np.any(rel < 0):
        raise ValueError(f"gains_true must be >= 0, got {rel.min():g}")
    if gain == "exponential":
        return np.exp2(rel) - 1.0
    if gain != "linear":
        raise ValueError(f"gain must be 'linear' or 'exponential', got {gain!r}")
    return rel


# --------------------------------------------------------------------------- #
# Ranking metrics
# --------------------------------------------------------------------------- #


def ndcg_at_k(
    gains_true: Any,
    scores: Any,
    k: int = 10,
    groups: Any | None = None,
    *,
    gain: Literal["linear", "exponential"] = "linear",
) -> float:
    """Mean over groups of NDCG@k.

    ``DCG@k = sum_{i<=k} g_i / log2(i + 1)`` over the top-k rows by score,
    divided by the DCG of the ideal order. With ``gain="linear"`` the gain is
    the relevance itself (as in ``sklearn.metrics.ndcg_score``); with
    ``"exponential"`` it is ``2**rel - 1`` (as in LightGBM's lambdarank
    objective and metric), which rewards the top grades more.

    Ties are broken pessimistically and groups with no relevant row are
    skipped; see the module docstring.

    Parameters
    ----------
    gains_true : array-like of shape (n,)
        Non-negative relevance per row (e.g. grades 0..4).
    scores : array-like of shape (n,)
        Model scores; higher ranks first.
    k : int, default=10
    groups : array-like of shape (n,), optional
        List id per row, any order.
    gain : {"linear", "exponential"}, default="linear"

    Returns
    -------
    float
        In [0, 1], or NaN when no group has a relevant row.

    Examples
    --------
    >>> ndcg_at_k([3, 2, 0], [0.1, 0.9, 0.5])  # gains in ranked order: 2, 0, 3
    0.8212...
    """
    _check_k(k)
    rel = _as_1d(gains_true, "gains_true")
    s = _as_1d(scores, "scores", rel.shape[0])
    g = _gain(rel, gain)
    if rel.size == 0:
        return float("nan")
    return _ndcg(_RankedLists.build(groups, s, g), g, k)


def recall_at_k(
    y_true: Any,
    scores: Any,
    k: int = 10,
    groups: Any | None = None,
    *,
    threshold: float = 1,
) -> float:
    """Mean over groups of the share of relevant rows found in the top k.

    A row is relevant when ``y_true >= threshold`` (the default 1 suits 0/1
    labels; use a higher grade for graded labels). Per group the denominator is
    the number of relevant rows, so a group with more than k relevant rows
    cannot reach 1.

    Returns
    -------
    float
        In [0, 1], or NaN when no group has a relevant row.

    Examples
    --------
    >>> recall_at_k([1, 0, 1], [0.9, 0.8, 0.1], k=2)
    0.5
    """
    _check_k(k)
    y = _as_1d(y_true, "y_true")
    s = _as_1d(scores, "scores", y.shape[0])
    if y.size == 0:
        return float("nan")
    rel = (y >= threshold).astype(np.float64)
    return _recall(_RankedLists.build(groups, s, rel), rel, k)


def mean_average_precision(
    y_true: Any,
    scores: Any,
    groups: Any | None = None,
    *,
    threshold: float = 1,
    k: int | None = None,
) -> float:
    """Mean over groups of average precision (binary relevance).

    ``AP = (1 / R) * sum over relevant rows of precision at that row's rank``,
    where R is the number of relevant rows in the group. With ``k`` only the
    top k ranks count and ``R`` becomes ``min(R, k)`` (AP@k). A row is relevant
    when ``y_true >= threshold``.

    Returns
    -------
    float
        In [0, 1], or NaN when no group has a relevant row.

    Examples
    --------
    >>> mean_average_precision([1, 0, 1], [0.9, 0.8, 0.1])  # (1/1 + 2/3) / 2
    0.8333...
    """
    _check_k(k)
    y = _as_1d(y_true, "y_true")
    s = _as_1d(scores, "scores", y.shape[0])
    if y.size == 0:
        return float("nan")
    rel = (y >= threshold).astype(np.float64)
    return _average_precision(_RankedLists.build(groups, s, rel), rel, k)


# --------------------------------------------------------------------------- #
# Calibration metrics
# --------------------------------------------------------------------------- #


def brier_score(p: Any, y: Any) -> float:
    """Mean squared difference between predicted probability and 0/1 outcome.

    Examples
    --------
    >>> brier_score([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1])
    0.025
    """
    pp = _as_1d(p, "p")
    yy = _as_1d(y, "y", pp.shape[0])
    if pp.size == 0:
        return float("nan")
    return float(np.mean((pp - yy) ** 2))


def expected_calibration_error(
    p: Any,
    y: Any,
    n_bins: int = 15,
    strategy: Literal["uniform", "quantile"] = "uniform",
) -> float:
    """Expected calibration error: ``sum_b (n_b / n) * |mean p_b - observed rate_b|``.

    Bins as in :func:`models.calibration.calibration_curve_data`: equal-width
    on [0, 1] (``"uniform"``) or at quantiles of ``p`` (``"quantile"``).

    Examples
    --------
    >>> expected_calibration_error([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], n_bins=2)
    0.15
    """
    mean_p, rate, count = calibration_curve_data(p, y, n_bins=n_bins, strategy=strategy)
    total = count.sum()
    if total == 0:
        return float("nan")
    return float(np.sum(count * np.abs(mean_p - rate)) / total)


# --------------------------------------------------------------------------- #
# Evaluators
# --------------------------------------------------------------------------- #


class RankingEvaluator:
    """Callable computing ranking (and optionally calibration) metrics.

    Parameters
    ----------
    k : int, default=10
        Cut-off for NDCG and recall.
    threshold : float, default=2
        Grades at or above this count as relevant for recall and MAP, and as
        a good outcome for calibration when ``y_binary`` is not given.
    gain : {"linear", "exponential"}, default="linear"
        NDCG gain, see :func:`ndcg_at_k`.
    n_bins : int, default=15
        ECE bins.
    ece_strategy : {"uniform", "quantile"}, default="uniform"

    Examples
    --------
    >>> evaluator = RankingEvaluator(k=10)
    >>> metrics = evaluator(grades, scores, vacancy_ids, p=p_good)
    >>> metrics[evaluator.primary_metric]
    """

    def __init__(
        self,
        k: int = 10,
        *,
        threshold: float = 2,
        gain: Literal["linear", "exponential"] = "linear",
        n_bins: int = 15,
        ece_strategy: Literal["uniform", "quantile"] = "uniform",
    ) -> None:
        _check_k(k)
        if gain not in ("linear", "exponential"):
            raise ValueError(f"gain must be 'linear' or 'exponential', got {gain!r}")
        if ece_strategy not in ("uniform", "quantile"):
            raise ValueError(f"ece_strategy must be 'uniform' or 'quantile', got {ece_strategy!r}")
        if n_bins < 1:
            raise ValueError(f"n_bins must be >= 1, got {n_bins}")
        self.k = k
        self.threshold = threshold
        self.gain = gain
        self.n_bins = n_bins
        self.ece_strategy = ece_strategy

    @property
    def primary_metric(self) -> str:
        """Key of the metric to select models on."""
        return f"ndcg@{self.k}"

    def metric_names(self, with_calibration: bool) -> list[str]:
        """Keys returned by a call, in order."""
        names = [f"ndcg@{self.k}", f"recall@{self.k}", "map"]
        return names + ["brier", "ece"] if with_calibration else names

    def __call__(
        self,
        y_true: Any,
        scores: Any,
        groups: Any,
        p: Any | None = None,
        y_binary: Any | None = None,
    ) -> dict[str, float]:
        """Evaluate one set of scored lists.

        Parameters
        ----------
        y_true : array-like of shape (n,)
            Graded relevance (used as linear or exponential gain for NDCG).
        scores : array-like of shape (n,)
        groups : array-like of shape (n,)
            List id per row.
        p : array-like of shape (n,), optional
            Calibrated P(good); adds ``"brier"`` and ``"ece"``.
        y_binary : array-like of shape (n,), optional
            Observed good outcome for the calibration metrics; defaults to
            ``y_true >= threshold``.

        Returns
        -------
        dict[str, float]
            ``ndcg@k``, ``recall@k``, ``map`` and, with ``p``, ``brier``, ``ece``.
        """
        y = _as_1d(y_true, "y_true")
        s = _as_1d(scores, "scores", y.shape[0])
        gain = _gain(y, self.gain)
        if y.size == 0:
            nan = float("nan")
            out = {f"ndcg@{self.k}": nan, f"recall@{self.k}": nan, "map": nan}
        else:
            # One sort serves all three: breaking ties by ascending grade is also
            # pessimistic for the binary relevance derived from it.
            ranked = _RankedLists.build(groups, s, gain)
            rel = (y >= self.threshold).astype(np.float64)
            out = {
                f"ndcg@{self.k}": _ndcg(ranked, gain, self.k),
                f"recall@{self.k}": _recall(ranked, rel, self.k),
                "map": _average_precision(ranked, rel, None),
            }
        if p is not None:
            yb = (y >= self.threshold).astype(np.float64) if y_binary is None else y_binary
            out["brier"] = brier_score(p, yb)
            out["ece"] = expected_calibration_error(
                p, yb, n_bins=self.n_bins, strategy=self.ece_strategy
            )
        elif y_binary is not None:
            raise ValueError("y_binary is only used with p; pass p as well")
        return out


class GroupedEvaluator:
    """Run a :class:`RankingEvaluator` overall and within each subgroup of rows.

    A subgroup's metrics are computed on its rows only: each list is cut down
    to the rows in the subgroup and ranked among themselves. Keys carry the
    subgroup in brackets, e.g. ``"ndcg@10[age_band=45-54]"``, plus
    ``"n_rows[...]"``. Subgroups without rows give NaN metrics.

    Parameters
    ----------
    evaluator : RankingEvaluator, optional
        Defaults to ``RankingEvaluator()``.
    include_overall : bool, default=True
        Also return the unbracketed metrics over all rows.

    Examples
    --------
    >>> grouped = GroupedEvaluator(RankingEvaluator(k=10))
    >>> grouped(grades, scores, vacancy_ids, subgroups={"age_band": age_bands})
    {'ndcg@10': ..., 'ndcg@10[age_band=18-24]': ..., ...}
    """

    def __init__(
        self, evaluator: RankingEvaluator | None = None, *, include_overall: bool = True
    ) -> None:
        self.evaluator = evaluator if evaluator is not None else RankingEvaluator()
        self.include_overall = include_overall

    @property
    def primary_metric(self) -> str:
        """Key of the overall metric to select models on."""
        return self.evaluator.primary_metric

    def __call__(
        self,
        y_true: Any,
        scores: Any,
        groups: Any,
        p: Any | None = None,
        y_binary: Any | None = None,
        *,
        subgroups: Mapping[str, Any] | Any,
    ) -> dict[str, float]:
        """Evaluate overall and per subgroup.

        Parameters
        ----------
        y_true, scores, groups, p, y_binary
            As for :meth:`RankingEvaluator.__call__`.
        subgroups : mapping, pandas Series or DataFrame
            Either ``name -> boolean row mask`` (key ``[name]``) or
            ``column -> label per row`` (one subgroup per distinct label, key
            ``[column=label]``; missing labels belong to no subgroup). A Series
            counts as ``{series.name: series}``, a DataFrame as its columns.

        Returns
        -------
        dict[str, float]
        """
        y = _as_1d(y_true, "y_true")
        n = y.shape[0]
        s = _as_1d(scores, "scores", n)
        g = np.asarray(groups)
        if g.shape != (n,):
            raise ValueError(f"groups must have one value per row ({n}), got shape {g.shape}")
        pp = None if p is None else _as_1d(p, "p", n)
        yb = None if y_binary is None else _as_1d(y_binary, "y_binary", n)
        masks = _subgroup_masks(subgroups, n)

        out: dict[str, float] = {}
        if self.include_overall:
            out.update(self.evaluator(y, s, g, pp, yb))
        names = self.evaluator.metric_names(with_calibration=pp is not None)
        for label, mask in masks.items():
            out[f"n_rows[{label}]"] = float(mask.sum())
            if not mask.any():
                out.update({f"{m}[{label}]": float("nan") for m in names})
                continue
            sub = self.evaluator(
                y[mask],
                s[mask],
                g[mask],
                None if pp is None else pp[mask],
                None if yb is None else yb[mask],
            )
            out.update({f"{m}[{label}]": v for m, v in sub.items()})
        return out


def _label_text(value: Any) -> str:
    return str(value.value if isinstance(value, Enum) else value)


def _subgroup_masks(subgroups: Any, n: int) -> dict[str, np.ndarray]:
    """Expand the subgroup spec into ``label -> boolean mask``."""
    import pandas as pd

    if isinstance(subgroups, pd.DataFrame):
        spec: Mapping[str, Any] = {str(c): subgroups[c] for c in subgroups.columns}
    elif isinstance(subgroups, pd.Series):
        if subgroups.name is None:
            raise ValueError("a subgroups Series needs a name to label its keys")
        spec = {str(subgroups.name): subgroups}
    elif isinstance(subgroups, Mapping):
        spec = subgroups
    else:
        raise ValueError(
            "subgroups must be a mapping, a named pandas Series or a DataFrame, "
            f"got {type(subgroups).__name__}"
        )

    masks: dict[str, np.ndarray] = {}
    for name, values in spec.items():
        arr = np.asarray(values)
        if arr.shape != (n,):
            raise ValueError(
                f"subgroup {name!r} must have one value per row ({n}), got shape {arr.shape}"
            )
        if arr.dtype == bool:
            masks[str(name)] = arr
            continue
        codes, uniques = pd.factorize(arr, use_na_sentinel=True)
        labels = [_label_text(u) for u in uniques]
        for i in sorted(range(len(labels)), key=lambda j: labels[j]):
            masks[f"{name}={labels[i]}"] = codes == i
    return masks
