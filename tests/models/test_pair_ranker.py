"""Tests for models.pair_ranker: the bagged two-signal ranker."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from scipy.stats import spearmanr

from models.pair_ranker import TwoSignalRanker


def history(seed: int, n: int = 4000):
    """Meetings with a known chance of a good outcome; follow-ups rise with the same chance."""
    rng = np.random.default_rng(seed)
    X = pd.DataFrame({"fit": rng.normal(size=n), "travel": rng.normal(size=n), "noise": rng.normal(size=n)})
    logit = -3.0 + 1.2 * X["fit"] - 0.6 * X["travel"]
    p = 1 / (1 + np.exp(-logit))
    good = rng.random(n) < p
    follow = good | (rng.random(n) < np.minimum(0.08 + 3 * p, 0.6))
    grades = np.where(good, 2, np.where(follow, 1, 0))
    events = np.arange(n) // 25
    return X, grades, events, np.asarray(logit)


@pytest.fixture(scope="module")
def fitted():
    X, y, g, logit = history(0)
    return TwoSignalRanker(n_bags=4, monotone={"fit": 1}).fit(X, y, group_ids=g), X, logit


def test_ranks_like_the_truth_on_new_rows(fitted):
    ranker, _, _ = fitted
    X, _, _, logit = history(1)
    assert spearmanr(ranker.predict(X), logit).statistic > 0.9


def test_out_of_fold_scores_come_from_bags_that_did_not_see_the_row(fitted):
    ranker, X, _ = fitted
    assert ranker.oof_score_.shape == (len(X),)
    # in-sample scores are closer to the training labels than out-of-fold ones would be;
    # each OOF score equals one bag's score, which is not the mean of all bags
    assert not np.allclose(ranker.oof_score_, ranker.predict(X))
    assert spearmanr(ranker.oof_score_, ranker.predict(X)).statistic > 0.9


def test_contributions_add_up_to_the_score(fitted):
    ranker, X, _ = fitted
    c = ranker.contributions(X.iloc[:50])
    assert c.shape == (50, X.shape[1] + 1)
    np.testing.assert_allclose(c.sum(axis=1), ranker.predict(X.iloc[:50]), atol=1e-8)
    # the feature that matters most leads; the noise column barely counts
    importance = dict(zip(X.columns, ranker.feature_importances_, strict=True))
    assert importance["fit"] > importance["travel"] > importance["noise"]


def test_bags_fitted_at_once_make_the_same_model(fitted):
    from joblib import parallel_config

    ranker, X, _ = fitted
    X_all, y, g, _ = history(0)
    with parallel_config(backend="threading", n_jobs=2):
        again = TwoSignalRanker(n_bags=4, monotone={"fit": 1}).fit(X_all, y, group_ids=g)
    np.testing.assert_array_equal(again.predict(X), ranker.predict(X))
    np.testing.assert_array_equal(again.oof_score_, ranker.oof_score_)
    np.testing.assert_array_equal(again.feature_importances_, ranker.feature_importances_)


def test_a_plan_is_the_fit_cut_in_jobs_one_per_bag(fitted):
    ranker, X, _ = fitted
    X_all, y, g, _ = history(0)
    plan = TwoSignalRanker(n_bags=4, monotone={"fit": 1}).plan_fit(X_all, y, group_ids=g)
    assert len(plan.jobs) == 4
    results = [fn(*args, **kwargs) for fn, args, kwargs in reversed(plan.jobs)][::-1]
    np.testing.assert_array_equal(plan.finish(results).predict(X), ranker.predict(X))
    # the data's problems are raised while planning, before any job runs
    with pytest.raises(ValueError, match="rows of grade >= 2"):
        TwoSignalRanker(n_bags=4).plan_fit(X_all, np.minimum(y, 1), group_ids=g)


def test_spread_is_the_disagreement_of_the_bags(fitted):
    ranker, X, _ = fitted
    mean, spread = ranker.predict_spread(X.iloc[:100])
    np.testing.assert_allclose(mean, ranker.predict(X.iloc[:100]))
    assert (spread >= 0).all() and spread.mean() > 0


def test_pickle_round_trip_scores_the_same(fitted):
    ranker, X, _ = fitted
    again = pickle.loads(pickle.dumps(ranker))
    np.testing.assert_allclose(again.predict(X.iloc[:20]), ranker.predict(X.iloc[:20]))
    np.testing.assert_allclose(again.contributions(X.iloc[:5]), ranker.contributions(X.iloc[:5]))


def test_row_order_does_not_change_the_model():
    X, y, g, _ = history(2, n=2000)
    order = np.random.default_rng(0).permutation(len(X))
    a = TwoSignalRanker(n_bags=3).fit(X, y, group_ids=g)
    b = TwoSignalRanker(n_bags=3).fit(X.iloc[order].reset_index(drop=True), y[order], group_ids=g[order])
    np.testing.assert_allclose(a.predict(X.iloc[:30]), b.predict(X.iloc[:30]), atol=1e-6)


def test_too_few_good_outcomes_is_a_clear_error():
    X, y, g, _ = history(3, n=600)
    y = np.where(y >= 2, 0, y)
    y[:3] = 2
    with pytest.raises(ValueError, match="at least 10 rows of grade >= 2"):
        TwoSignalRanker(n_bags=5).fit(X, y, group_ids=g)


def test_groups_are_required():
    X, y, _, _ = history(4, n=300)
    with pytest.raises(ValueError, match="groups are required"):
        TwoSignalRanker().fit(X, y)


def test_a_failed_fit_leaves_a_fitted_model_as_it_was(fitted):
    ranker, X, _ = fitted
    before = ranker.predict(X.iloc[:10])
    with pytest.raises(ValueError):
        ranker.fit(X.iloc[:20], np.zeros(20, dtype=int), group_ids=np.arange(20))
    np.testing.assert_allclose(ranker.predict(X.iloc[:10]), before)


def test_the_bags_take_the_checked_array_as_it_is_and_still_refuse_a_bad_one(fitted, monkeypatch):
    # the ensemble checks the table once; its members, fitted on arrays, take that array
    # without sklearn's general validation, and anything else still gets its messages
    import models.ranker as ranker_module

    ranker, X, _ = fitted
    member = ranker.bags_[0][0]
    values = X.to_numpy(dtype=np.float64)
    assert ranker_module._validated_for_predict(member, values) is values
    calls = []
    real = ranker_module.validate_data
    monkeypatch.setattr(ranker_module, "validate_data", lambda *a, **k: calls.append(1) or real(*a, **k))
    expected = ranker.predict(X)
    assert len(calls) == 0  # the DataFrame and each member's array: checked directly
    bad = values.copy()
    bad[3, 1] = np.inf
    with pytest.raises(ValueError, match="(?i)infinity"):
        member.predict(bad)
    with pytest.raises(ValueError, match="features"):
        member.predict(values[:, :2])
    assert len(calls) == 2
    np.testing.assert_allclose(ranker.predict(X), expected)
