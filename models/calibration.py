"""Turn ranking scores into probabilities of a good outcome.

Ranker scores only order rows; people reading a shortlist need "how likely is
this to work out". :class:`ProbabilityCalibrator` learns a monotone map from
score to probability on held-out rows.

This module knows nothing of the domain: no imports from ``matching`` or above.
"""

from __future__ import annotations

import logging
from typing import Any, Literal

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.utils.validation import check_is_fitted

logger = logging.getLogger(__name__)

#: Fewer rows than this cannot give a calibration worth trusting.
MIN_ROWS = 10


def _as_scores(scores: Any, name: str = "scores") -> np.ndarray:
    s = np.asarray(scores, dtype=np.float64)
    if s.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {s.shape}")
    if not np.all(np.isfinite(s)):
        raise ValueError(f"{name} contain {int(np.sum(~np.isfinite(s)))} NaN or infinite values")
    return s


def _as_binary(y: Any, n: int, name: str = "y") -> np.ndarray:
    yy = np.asarray(y)
    if yy.ndim != 1:
        raise ValueError(f"{name} must be 1-D, got shape {yy.shape}")
    if yy.shape[0] != n:
        raise ValueError(f"{name} has {yy.shape[0]} values but there are {n} scores/probabilities")
    if yy.dtype != bool:
        if not np.issubdtype(yy.dtype, np.number):
            raise ValueError(f"{name} must be binary 0/1, got dtype {yy.dtype}")
        bad = ~np.isin(yy, (0, 1))
        if bad.any():
            raise ValueError(f"{name} must be binary 0/1, got {yy[bad][0].item()!r}")
    return yy.astype(np.float64)


class ProbabilityCalibrator(BaseEstimator):
    """Monotone map from a ranker score to P(good outcome).

    Parameters
    ----------
    method : {"isotonic", "steps", "platt"}, default="isotonic"
        ``"isotonic"``: non-decreasing step function (needs a few thousand
        rows to be smooth); scores outside the training range get the nearest
        end value. ``"steps"``: isotonic regression with a minimum count per
        step: the rows, sorted by score, are cut into groups holding at least
        ``step_positives`` good outcomes (and 30 rows) each, the groups'
        rates are made non-decreasing (pool-adjacent-violators) and a score
        gets the rate interpolated between the groups' mean scores; beyond
        the first and last group it gets their rate, so it never extrapolates
        past a rate the data have shown. ``"platt"``: ``sigmoid(a * score +
        b)`` with Platt's smoothed targets; two parameters, fine for small
        samples.
    clip : float, default=1e-4
        Probabilities are clipped to ``[clip, 1 - clip]`` so that log-loss and
        odds stay finite.
    step_positives : int, default=20
        Good outcomes per group for ``method="steps"``.
    cap_rows : int or None, default=None
        When given, no probability goes above the highest rate of good
        outcomes observed in the calibration rows: sorted by score, cut into
        bins of at least ``cap_rows`` rows, the best bin's rate is the cap.
        A chance is then never higher than one the data have shown in a
        group of that size.
    covariate_prior_sd : float, default=0.5
        With ``covariates`` in :meth:`fit`: the prior standard deviation of
        each covariate's coefficient (log-odds per standard deviation of the
        covariate) in the adjustment fitted on top of the map.

    Attributes
    ----------
    method_ : str
        The method used in ``fit``.
    isotonic_ : sklearn.isotonic.IsotonicRegression
        Only for ``method="isotonic"``.
    a_, b_ : float
        Slope and offset, only for ``method="platt"``.
    step_scores_, step_rates_ : ndarray
        The groups' mean scores and (non-decreasing) rates, only for
        ``method="steps"``.
    n_samples_fit_ : int
    n_positive_ : int
        Good outcomes in the calibration rows.
    base_rate_ : float
        Share of good outcomes in the calibration rows.
    cap_ : float
        Highest probability returned (1 - clip without ``cap_rows``).
    covariate_names_ : tuple of str or None
        The covariates' names when :meth:`fit` had ``covariates`` (column
        names of a DataFrame, else ``x0``, ``x1``, ...); None without.
    covariate_coef_, covariate_mean_, covariate_scale_ : ndarray
        The adjustment's coefficients (per standardised covariate) and the
        standardisation; ``covariate_offset_`` its intercept.

    Examples
    --------
    >>> cal = ProbabilityCalibrator(method="platt").fit(val_scores, val_good)
    >>> p_good = cal.predict_proba(ranker.predict(X_new))
    """

    def __init__(
        self,
        method: Literal["isotonic", "steps", "platt"] = "isotonic",
        clip: float = 1e-4,
        cap_rows: int | None = None,
        step_positives: int = 20,
        covariate_prior_sd: float = 0.5,
    ) -> None:
        self.method = method
        self.clip = clip
        self.cap_rows = cap_rows
        self.step_positives = step_positives
        self.covariate_prior_sd = covariate_prior_sd

    def fit(self, scores: Any, y_binary: Any, covariates: Any | None = None) -> ProbabilityCalibrator:
        """Learn the map on held-out ``scores`` and their 0/1 outcomes.

        With ``covariates`` (n rows, one column each), a logistic adjustment is
        fitted on top of the map: ``logit p = logit map(score) + b + sum_j c_j z_j``
        with ``z_j`` the standardised covariate (missing values at its mean)
        and a normal prior of standard deviation ``covariate_prior_sd`` on
        each ``c_j``. The map orders and levels the scores; the adjustment
        corrects the chance of groups the score treats alike where the
        outcomes differ (a score that stays level over some group, say). Then
        :meth:`predict_proba` needs the same covariates.

        Returns
        -------
        self
        """
        if self.method not in ("isotonic", "steps", "platt"):
            raise ValueError(
                f"method must be 'isotonic', 'steps' or 'platt', got {self.method!r}"
            )
        if self.step_positives < 1:
            raise ValueError(f"step_positives must be >= 1, got {self.step_positives}")
        if not 0 <= self.clip < 0.5:
            raise ValueError(f"clip must be in [0, 0.5), got {self.clip}")
        s = _as_scores(scores)
        y = _as_binary(y_binary, s.shape[0], "y_binary")
        if s.shape[0] < MIN_ROWS:
            raise ValueError(f"need at least {MIN_ROWS} rows to calibrate, got {s.shape[0]}")
        if np.all(y == y[0]):
            raise ValueError(
                f"all outcomes are {int(y[0])}: need at least one good and one poor outcome "
                "to calibrate"
            )

        if self.method == "isotonic":
            from sklearn.isotonic import IsotonicRegression

            self.isotonic_ = IsotonicRegression(
                y_min=0.0, y_max=1.0, increasing=True, out_of_bounds="clip"
            ).fit(s, y)
        elif self.method == "steps":
            self.step_scores_, self.step_rates_ = _fit_steps(s, y, self.step_positives)
        else:
            self.a_, self.b_ = _fit_platt(s, y)
        if self.cap_rows is not None and self.cap_rows < 1:
            raise ValueError(f"cap_rows must be >= 1 or None, got {self.cap_rows}")
        self.method_ = self.method
        self.n_samples_fit_ = int(s.shape[0])
        self.n_positive_ = int(y.sum())
        self.base_rate_ = float(y.mean())
        self.cap_ = 1.0 - self.clip if self.cap_rows is None else _observed_cap(s, y, self.cap_rows)
        self.covariate_names_: tuple[str, ...] | None = None
        if covariates is not None:
            if self.covariate_prior_sd <= 0:
                raise ValueError(f"covariate_prior_sd must be > 0, got {self.covariate_prior_sd}")
            names, z = _as_covariates(covariates, s.shape[0])
            mean = np.nanmean(z, axis=0)
            mean = np.where(np.isfinite(mean), mean, 0.0)
            scale = np.nanstd(z, axis=0)
            scale = np.where(np.isfinite(scale) & (scale > 0), scale, 1.0)
            self.covariate_names_ = names
            self.covariate_mean_, self.covariate_scale_ = mean, scale
            self.covariate_offset_, self.covariate_coef_ = _fit_adjustment(
                _logit(np.clip(self._mapped(s), self.clip, 1.0 - self.clip)),
                self._standardised(z), y, self.covariate_prior_sd,
            )
        logger.info(
            "%s calibrator fitted on %d rows (base rate %.3f)",
            self.method,
            self.n_samples_fit_,
            self.base_rate_,
        )
        return self

    def predict_proba(self, scores: Any, covariates: Any | None = None) -> np.ndarray:
        """P(good outcome) for each score.

        Unlike scikit-learn classifiers this returns a 1-D array (the positive
        class only). ``covariates`` are required when :meth:`fit` had them (the
        same columns, in the same order), and ignored otherwise.

        Returns
        -------
        ndarray of shape (n,)
            Values in ``[clip, cap_]``.
        """
        check_is_fitted(self, "n_samples_fit_")
        s = _as_scores(scores)
        p = self._mapped(s)
        if getattr(self, "covariate_names_", None) is not None:
            if covariates is None:
                raise ValueError(
                    f"this calibrator was fitted with covariates {list(self.covariate_names_ or ())}: "
                    "pass them to predict_proba"
                )
            names, z = _as_covariates(covariates, s.shape[0])
            if len(names) != len(self.covariate_names_ or ()):
                raise ValueError(
                    f"covariates have {len(names)} column(s), the calibrator was fitted with "
                    f"{len(self.covariate_names_ or ())}"
                )
            logit = _logit(np.clip(p, self.clip, 1.0 - self.clip))
            p = _sigmoid(logit + self.covariate_offset_ + self._standardised(z) @ self.covariate_coef_)
        result: np.ndarray = np.clip(p, self.clip, self.cap_)
        return result

    @property
    def covariate_effects(self) -> dict[str, float]:
        """Each covariate's coefficient in log-odds per standard deviation (empty without)."""
        names = getattr(self, "covariate_names_", None)
        if names is None:
            return {}
        return {n: float(c) for n, c in zip(names, self.covariate_coef_, strict=True)}

    def _standardised(self, z: np.ndarray) -> np.ndarray:
        out: np.ndarray = np.nan_to_num((z - self.covariate_mean_) / self.covariate_scale_, nan=0.0)
        return out

    def _mapped(self, s: np.ndarray) -> np.ndarray:
        """The map from score to probability, before the covariates and the bounds."""
        if self.method_ == "isotonic":
            p = self.isotonic_.predict(s)
        elif self.method_ == "steps":
            p = np.interp(s, self.step_scores_, self.step_rates_)
        else:
            p = _sigmoid(self.a_ * s + self.b_)
        mapped: np.ndarray = np.asarray(p, dtype=np.float64)
        return mapped


def _as_covariates(covariates: Any, n: int) -> tuple[tuple[str, ...], np.ndarray]:
    """(names, float matrix of shape (n, k)); NaN allowed, infinities not."""
    columns = getattr(covariates, "columns", None)
    z = np.asarray(covariates, dtype=np.float64)
    if z.ndim != 2:
        raise ValueError(f"covariates must be 2-D (rows, covariates), got shape {z.shape}")
    if z.shape[0] != n:
        raise ValueError(f"covariates have {z.shape[0]} rows but there are {n} scores")
    if np.isinf(z).any():
        raise ValueError("covariates contain infinite values")
    names = tuple(str(c) for c in columns) if columns is not None else tuple(f"x{j}" for j in range(z.shape[1]))
    return names, z


def _logit(p: np.ndarray) -> np.ndarray:
    out: np.ndarray = np.log(p) - np.log1p(-p)
    return out


def _fit_logistic(
    offset: np.ndarray | float,
    x: np.ndarray,
    targets: np.ndarray,
    *,
    penalty: float = 0.0,
    start: np.ndarray | None = None,
) -> np.ndarray:
    """``[b, c_1, ..., c_k]`` of ``logit p = offset + b + x @ c`` by log-loss against
    ``targets`` in [0, 1], plus ``penalty * sum(c ** 2)`` (the intercept is not penalised)."""
    from scipy.optimize import minimize

    def loss_grad(w: np.ndarray) -> tuple[float, np.ndarray]:
        eta = offset + w[0] + x @ w[1:]
        # log(1 + e^eta) - t * eta is the cross-entropy with logits, stable for large |eta|
        loss = float(np.sum(np.logaddexp(0.0, eta) - targets * eta) + penalty * np.sum(w[1:] ** 2))
        r = _sigmoid(eta) - targets
        return loss, np.concatenate([[r.sum()], x.T @ r + 2.0 * penalty * w[1:]])

    start = np.zeros(x.shape[1] + 1) if start is None else start
    return np.asarray(minimize(loss_grad, start, jac=True, method="L-BFGS-B").x, dtype=np.float64)


def _fit_adjustment(
    offset: np.ndarray, z: np.ndarray, y: np.ndarray, prior_sd: float
) -> tuple[float, np.ndarray]:
    """Intercept and coefficients of ``logit p = offset + b + z @ c`` by log-loss, with a normal
    prior of standard deviation ``prior_sd`` on ``c`` (not on ``b``)."""
    w = _fit_logistic(offset, z, y, penalty=1.0 / (2.0 * prior_sd**2))
    return float(w[0]), w[1:]


def _observed_cap(s: np.ndarray, y: np.ndarray, rows: int) -> float:
    """Highest good-outcome rate of score-sorted bins holding at least ``rows`` rows each."""
    n_bins = max(s.shape[0] // rows, 1)
    order = np.argsort(s, kind="stable")
    return float(max(part.mean() for part in np.array_split(y[order], n_bins)))


#: Fewest rows in one group of ``method="steps"``.
STEP_MIN_ROWS = 30


def _fit_steps(s: np.ndarray, y: np.ndarray, positives: int) -> tuple[np.ndarray, np.ndarray]:
    """Groups of score-sorted rows with >= ``positives`` good outcomes: mean scores, rates."""
    from sklearn.isotonic import IsotonicRegression

    order = np.argsort(s, kind="stable")
    ys = y[order]
    ends: list[int] = []
    good = rows = 0
    for i, value in enumerate(ys):
        good += int(value)
        rows += 1
        if good >= positives and rows >= STEP_MIN_ROWS:
            ends.append(i + 1)
            good = rows = 0
    if not ends:
        ends = [ys.size]
    else:
        ends[-1] = ys.size  # a short last group joins the one before
    groups = np.split(order, ends[:-1])
    centres = np.array([s[g].mean() for g in groups])
    rates = np.array([y[g].mean() for g in groups])
    sizes = np.array([g.size for g in groups], dtype=np.float64)
    monotone = IsotonicRegression(increasing=True).fit_transform(
        np.arange(len(groups), dtype=np.float64), rates, sample_weight=sizes
    )
    return centres, np.asarray(monotone, dtype=np.float64)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    """Numerically stable logistic function."""
    out = np.empty_like(z)
    pos = z >= 0
    out[pos] = 1.0 / (1.0 + np.exp(-z[pos]))
    ez = np.exp(z[~pos])
    out[~pos] = ez / (1.0 + ez)
    return out


def _fit_platt(s: np.ndarray, y: np.ndarray) -> tuple[float, float]:
    """Fit ``sigmoid(a*s + b)`` by log-loss on Platt's smoothed targets (Platt, 1999)."""
    n_pos = y.sum()
    n_neg = y.shape[0] - n_pos
    # Smoothed targets keep a and b finite when the classes separate perfectly.
    t = np.where(y > 0, (n_pos + 1.0) / (n_pos + 2.0), 1.0 / (n_neg + 2.0))
    # Optimise on standardised scores for conditioning, then map back.
    mu, sd = s.mean(), s.std()
    sd = sd if sd > 0 else 1.0
    z = (s - mu) / sd
    prior = np.log((n_pos + 1.0) / (n_neg + 1.0))
    b_z, a_z = _fit_logistic(0.0, z[:, None], t, start=np.array([prior, 0.0]))
    return float(a_z / sd), float(b_z - a_z * mu / sd)


def calibration_curve_data(
    p: Any,
    y: Any,
    n_bins: int = 10,
    strategy: Literal["uniform", "quantile"] = "uniform",
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Reliability-diagram data: per bin, mean predicted probability and observed rate.

    Bins are ``[e_i, e_{i+1})`` with the last bin closed at the top.
    ``"uniform"`` uses equal-width bins on [0, 1]; ``"quantile"`` uses edges at
    quantiles of ``p`` (tied edges merge, so fewer bins may come back).
    Empty bins are left out.

    Parameters
    ----------
    p : array-like of shape (n,)
        Predicted probabilities in [0, 1].
    y : array-like of shape (n,)
        Observed 0/1 outcomes.
    n_bins : int, default=10
    strategy : {"uniform", "quantile"}, default="uniform"

    Returns
    -------
    mean_predicted, observed_rate, count : ndarray of shape (n_nonempty_bins,)

    Examples
    --------
    >>> calibration_curve_data([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], n_bins=2)
    (array([0.15, 0.85]), array([0., 1.]), array([2, 2]))
    """
    pp = _as_scores(p, "p")
    yy = _as_binary(y, pp.shape[0])
    if n_bins < 1:
        raise ValueError(f"n_bins must be >= 1, got {n_bins}")
    if pp.size and (pp.min() < 0.0 or pp.max() > 1.0):
        raise ValueError(
            f"p must be probabilities in [0, 1], got range [{pp.min():g}, {pp.max():g}]"
        )
    if strategy == "uniform":
        edges = np.linspace(0.0, 1.0, n_bins + 1)
    elif strategy == "quantile":
        if pp.size == 0:
            edges = np.array([0.0, 1.0])
        else:
            edges = np.unique(np.quantile(pp, np.linspace(0.0, 1.0, n_bins + 1)))
    else:
        raise ValueError(f"strategy must be 'uniform' or 'quantile', got {strategy!r}")
    # Index of the bin each p falls in; values on an inner edge go to the upper bin.
    idx = np.searchsorted(edges[1:-1], pp, side="right")
    n_out = max(edges.size - 1, 1)
    count = np.bincount(idx, minlength=n_out)
    sum_p = np.bincount(idx, weights=pp, minlength=n_out)
    sum_y = np.bincount(idx, weights=yy, minlength=n_out)
    keep = count > 0
    c = count[keep]
    return sum_p[keep] / c, sum_y[keep] / c, c
