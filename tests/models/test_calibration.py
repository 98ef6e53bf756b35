"""Tests for models.calibration."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from models.calibration import ProbabilityCalibrator, calibration_curve_data

SLOPE, OFFSET = 1.5, -0.5


def sigmoid_world(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Scores with a known P(good) = sigmoid(SLOPE * s + OFFSET) and sampled outcomes."""
    rng = np.random.default_rng(seed)
    s = rng.normal(scale=2.0, size=n)
    p = 1.0 / (1.0 + np.exp(-(SLOPE * s + OFFSET)))
    return s, p, (rng.random(n) < p).astype(int)


@pytest.fixture(scope="module")
def train():
    return sigmoid_world(20_000, seed=0)


@pytest.fixture(scope="module")
def held_out():
    return sigmoid_world(20_000, seed=1)


def ece(p: np.ndarray, y: np.ndarray, n_bins: int = 15) -> float:
    mean_p, rate, count = calibration_curve_data(p, y, n_bins=n_bins)
    return float(np.sum(count * np.abs(mean_p - rate)) / count.sum())


@pytest.mark.parametrize("method", ["isotonic", "steps", "platt"])
def test_recovers_known_sigmoid(method, train, held_out):
    s, _, y = train
    s_new, p_true, y_new = held_out
    cal = ProbabilityCalibrator(method=method).fit(s, y)
    p = cal.predict_proba(s_new)
    assert np.mean(np.abs(p - p_true)) < 0.02
    assert ece(p, y_new) < 0.02
    assert cal.base_rate_ == pytest.approx(y.mean())


def test_platt_recovers_parameters(train):
    s, _, y = train
    cal = ProbabilityCalibrator(method="platt").fit(s, y)
    assert cal.a_ == pytest.approx(SLOPE, abs=0.1)
    assert cal.b_ == pytest.approx(OFFSET, abs=0.1)


@pytest.mark.parametrize("method", ["isotonic", "platt"])
def test_output_is_monotone_clipped_and_1d(method, train):
    s, _, y = train
    cal = ProbabilityCalibrator(method=method).fit(s, y)
    grid = np.linspace(-100, 100, 2001)  # far beyond the training range
    p = cal.predict_proba(grid)
    assert p.shape == grid.shape
    assert np.all(np.diff(p) >= 0)
    assert p.min() >= 1e-4 and p.max() <= 1 - 1e-4
    assert p[0] == pytest.approx(1e-4) and p[-1] == pytest.approx(1 - 1e-4)


def test_isotonic_clips_out_of_range_scores_to_end_values():
    s = np.arange(10.0)
    y = np.array([0, 0, 0, 0, 0, 1, 1, 1, 1, 1])
    cal = ProbabilityCalibrator(method="isotonic", clip=0.01).fit(s, y)
    np.testing.assert_allclose(cal.predict_proba([-5.0, 4.0, 5.0, 50.0]), [0.01, 0.01, 0.99, 0.99])


def test_platt_stays_finite_on_separable_data():
    s = np.arange(20.0)
    y = (s >= 10).astype(int)
    cal = ProbabilityCalibrator(method="platt").fit(s, y)
    assert np.isfinite(cal.a_) and cal.a_ > 0
    p = cal.predict_proba(s)
    assert p[0] < 0.2 and p[-1] > 0.8


def test_clone_and_params(train):
    cal = ProbabilityCalibrator(method="platt", clip=1e-3).fit(*train[::2])
    twin = clone(cal)
    assert twin.get_params() == {
        "method": "platt", "clip": 1e-3, "cap_rows": None, "step_positives": 20,
        "covariate_prior_sd": 0.5,
    }
    assert not hasattr(twin, "a_")


def test_method_change_without_refit_keeps_fitted_map(train):
    s, _, y = train
    cal = ProbabilityCalibrator(method="platt").fit(s, y)
    before = cal.predict_proba(s[:10])
    cal.set_params(method="isotonic")
    np.testing.assert_array_equal(cal.predict_proba(s[:10]), before)


def test_predict_before_fit():
    with pytest.raises(NotFittedError):
        ProbabilityCalibrator().predict_proba([0.0])


@pytest.mark.parametrize(
    ("scores", "y", "message"),
    [
        (np.arange(12.0), np.zeros(11), "y_binary has 11 values but there are 12"),
        (np.arange(12.0), np.zeros(12), "all outcomes are 0: need at least one good and one poor"),
        (np.arange(12.0), np.ones(12), "all outcomes are 1"),
        (np.arange(12.0), np.arange(12) % 3, "y_binary must be binary 0/1, got 2"),
        (np.r_[np.nan, np.arange(11.0)], np.arange(12) % 2, "scores contain 1 NaN"),
        (np.arange(4.0), [0, 1, 0, 1], "need at least 10 rows to calibrate, got 4"),
        (np.zeros((12, 2)), np.arange(12) % 2, "scores must be 1-D"),
    ],
)
def test_fit_errors(scores, y, message):
    with pytest.raises(ValueError, match=message):
        ProbabilityCalibrator().fit(scores, y)


def test_unknown_method():
    with pytest.raises(ValueError, match="method must be 'isotonic', 'steps' or 'platt', got 'beta'"):
        ProbabilityCalibrator(method="beta").fit(np.arange(12.0), np.arange(12) % 2)


def test_boolean_outcomes_accepted():
    s = np.arange(12.0)
    cal = ProbabilityCalibrator().fit(s, s >= 6)
    assert cal.predict_proba([11.0])[0] == pytest.approx(1 - 1e-4)


# --------------------------------------------------------------------------- #
# calibration_curve_data
# --------------------------------------------------------------------------- #


def test_curve_hand_computed():
    mean_p, rate, count = calibration_curve_data([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], n_bins=2)
    np.testing.assert_allclose(mean_p, [0.15, 0.85])
    np.testing.assert_allclose(rate, [0.0, 1.0])
    np.testing.assert_array_equal(count, [2, 2])


def test_curve_edges_and_empty_bins():
    # 0.5 sits on an inner edge and goes to the upper bin; 1.0 belongs to the last bin.
    mean_p, rate, count = calibration_curve_data([0.0, 0.5, 1.0, 1.0], [0, 1, 1, 0], n_bins=4)
    np.testing.assert_allclose(mean_p, [0.0, 0.5, 1.0])
    np.testing.assert_allclose(rate, [0.0, 1.0, 0.5])
    np.testing.assert_array_equal(count, [1, 1, 2])


def test_curve_quantile_bins_are_balanced():
    p = np.linspace(0.01, 0.99, 100)
    _, _, count = calibration_curve_data(p, np.arange(100) % 2, n_bins=4, strategy="quantile")
    np.testing.assert_array_equal(count, [25, 25, 25, 25])


def test_curve_rejects_non_probabilities():
    with pytest.raises(ValueError, match=r"p must be probabilities in \[0, 1\]"):
        calibration_curve_data([0.5, 1.2], [0, 1])
    with pytest.raises(ValueError, match="strategy must be"):
        calibration_curve_data([0.5], [1], strategy="kmeans")


def test_cap_is_the_best_rate_observed_in_groups_of_the_given_size():
    # 300 rows sorted by score: 10 groups of 30, the top group has 12 good outcomes
    s = np.arange(300, dtype=float)
    y = np.zeros(300, dtype=int)
    y[270:282] = 1
    y[::50] = 1  # a few good outcomes lower down
    cal = ProbabilityCalibrator(method="platt", cap_rows=30).fit(s, y)
    assert cal.cap_ == pytest.approx(12 / 30)
    assert cal.predict_proba(np.array([1e6]))[0] == pytest.approx(12 / 30)
    assert cal.n_positive_ == int(y.sum())


def test_without_cap_rows_only_the_clip_bounds(train):
    s, _, y = train
    cal = ProbabilityCalibrator(method="platt").fit(s, y)
    assert cal.cap_ == pytest.approx(1 - 1e-4)
    assert cal.predict_proba(np.array([100.0]))[0] > 0.99


def test_cap_rows_must_be_positive(train):
    s, _, y = train
    with pytest.raises(ValueError, match="cap_rows"):
        ProbabilityCalibrator(method="platt", cap_rows=0).fit(s, y)


def test_steps_hold_the_minimum_good_outcomes_and_never_pass_the_best_group():
    # 600 rows sorted by score; good outcomes every 10th row below 400, every 4th above
    s = np.arange(600, dtype=float)
    y = np.zeros(600, dtype=int)
    y[9:400:10] = 1
    y[403::4] = 1
    cal = ProbabilityCalibrator(method="steps", step_positives=20).fit(s, y)
    # groups of 20 good outcomes: rows 0-199 and 200-399 (rate 0.1), 400-479, 480-599 (the
    # short tail joins the last full group: 30 / 120 = 0.25)
    assert cal.step_rates_ == pytest.approx([0.1, 0.1, 0.25, 0.25])
    assert cal.step_scores_ == pytest.approx([99.5, 299.5, 439.5, 539.5])
    p = cal.predict_proba(np.array([-50.0, 299.5, 369.5, 439.5, 1e6]))
    assert p == pytest.approx([0.1, 0.1, 0.175, 0.25, 0.25])  # interpolated between groups
    assert np.all(np.diff(cal.predict_proba(np.linspace(-10, 700, 500))) >= 0)


def test_steps_with_fewer_good_outcomes_than_a_step_give_the_base_rate():
    s = np.arange(100, dtype=float)
    y = (np.arange(100) % 10 == 0).astype(int)
    cal = ProbabilityCalibrator(method="steps", step_positives=20).fit(s, y)
    assert cal.predict_proba(np.array([0.0, 99.0])) == pytest.approx([0.1, 0.1])
    with pytest.raises(ValueError, match="step_positives"):
        ProbabilityCalibrator(method="steps", step_positives=0).fit(s, y)


def group_world(n: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Scores blind to a group that raises the log-odds by 1.2: P = sigmoid(s - 2 + 1.2 g)."""
    rng = np.random.default_rng(seed)
    s = rng.normal(size=n)
    g = (rng.random(n) < 0.5).astype(float)
    p = 1.0 / (1.0 + np.exp(-(s - 2.0 + 1.2 * g)))
    return s, g, p, (rng.random(n) < p).astype(int)


@pytest.mark.parametrize("method", ["steps", "platt"])
def test_covariates_correct_a_group_the_score_cannot_see(method):
    s, g, _, y = group_world(30_000, seed=0)
    ts, tg, tp, _ = group_world(30_000, seed=1)
    blind = ProbabilityCalibrator(method=method).fit(s, y)
    adjusted = ProbabilityCalibrator(method=method).fit(s, y, covariates=pd.DataFrame({"g": g}))
    p_blind = blind.predict_proba(ts)
    p_adjusted = adjusted.predict_proba(ts, covariates=pd.DataFrame({"g": tg}))
    for member in (0.0, 1.0):
        mine = tg == member
        # the blind map gives both groups the average: a quarter or more off, each way
        assert abs(p_blind[mine].mean() / tp[mine].mean() - 1.0) > 0.2
        assert p_adjusted[mine].mean() / tp[mine].mean() == pytest.approx(1.0, abs=0.06)
    assert adjusted.covariate_names_ == ("g",)
    # 1.2 log-odds between the groups is 0.6 per standard deviation of a 50/50 group
    assert adjusted.covariate_effects["g"] == pytest.approx(0.6, abs=0.08)
    # within a group the order of the scores is kept
    same = tg == 1.0
    order = np.argsort(ts[same])
    assert np.all(np.diff(p_adjusted[same][order]) >= -1e-12)


def test_covariates_are_required_once_fitted_with_and_must_match(train):
    s, _, y = train
    z = np.column_stack([np.sign(s), np.ones_like(s)])
    cal = ProbabilityCalibrator(method="steps").fit(s, y, covariates=z)
    assert cal.covariate_names_ == ("x0", "x1")
    with pytest.raises(ValueError, match="fitted with covariates"):
        cal.predict_proba(s[:5])
    with pytest.raises(ValueError, match="fitted with 2"):
        cal.predict_proba(s[:5], covariates=z[:5, :1])
    with pytest.raises(ValueError, match="rows"):
        cal.predict_proba(s[:5], covariates=z[:4])
    with pytest.raises(ValueError, match="infinite"):
        ProbabilityCalibrator().fit(s, y, covariates=np.where(np.arange(len(s))[:, None] == 3, np.inf, z))
    with pytest.raises(ValueError, match="covariate_prior_sd"):
        ProbabilityCalibrator(covariate_prior_sd=0.0).fit(s, y, covariates=z)
    # a missing value counts as the covariate's mean; a constant one carries nothing
    missing = z[:5].copy()
    missing[:, 0] = np.nan
    at_mean = z[:5].copy()
    at_mean[:, 0] = np.nanmean(z[:, 0])
    np.testing.assert_allclose(cal.predict_proba(s[:5], missing), cal.predict_proba(s[:5], at_mean))
    # fitted without them, covariates change nothing
    plain = ProbabilityCalibrator(method="steps").fit(s, y)
    assert plain.covariate_effects == {}
    np.testing.assert_array_equal(plain.predict_proba(s[:5]), plain.predict_proba(s[:5], covariates=z[:5]))


def test_covariates_never_lift_a_chance_above_the_cap():
    s, g, _, y = group_world(20_000, seed=2)
    cal = ProbabilityCalibrator(method="steps", cap_rows=500).fit(s, y, covariates=g[:, None])
    p = cal.predict_proba(np.full(100, s.max() + 5), covariates=np.ones((100, 1)))
    assert p.max() <= cal.cap_ + 1e-12
