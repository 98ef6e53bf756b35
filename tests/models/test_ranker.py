"""Tests for models.ranker: a shared contract for both rankers plus model-specific checks."""

from __future__ import annotations

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError

from models.ranker import LambdaMARTRanker, LogisticRanker
from training.metrics import ndcg_at_k

N_FEATURES = 5
GROUP_SIZE = 20


def planted_world(n_groups: int, seed: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Groups whose grades 0..4 follow a known utility of the first three features."""
    rng = np.random.default_rng(seed)
    n = n_groups * GROUP_SIZE
    X = rng.normal(size=(n, N_FEATURES))
    utility = 2.0 * X[:, 0] + X[:, 1] - 0.5 * X[:, 2]
    group_ids = np.repeat(np.arange(n_groups), GROUP_SIZE)
    within_rank = np.argsort(np.argsort(utility.reshape(n_groups, GROUP_SIZE), axis=1), axis=1)
    y = (within_rank * 5 // GROUP_SIZE).ravel().astype(int)  # 4 rows per grade per group
    return X, y, group_ids


@pytest.fixture(scope="module")
def world():
    return planted_world(n_groups=80, seed=0)


@pytest.fixture(scope="module")
def test_world():
    return planted_world(n_groups=40, seed=1)


def small_lambdamart(**kwargs) -> LambdaMARTRanker:
    params = {"n_estimators": 60, "learning_rate": 0.1, "min_child_samples": 5, "num_leaves": 15}
    params.update(kwargs)
    return LambdaMARTRanker(**params)


RANKERS = {
    "lambdamart": small_lambdamart,
    "logistic": lambda **kw: LogisticRanker(**kw),
}


@pytest.fixture(scope="module")
def fitted(world):
    X, y, g = world
    return {name: make().fit(X, y, group_ids=g) for name, make in RANKERS.items()}


# --------------------------------------------------------------------------- #
# Contract every ranker must meet
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("name", RANKERS)
class TestRankerContract:
    def test_fit_returns_self_and_predict_shape(self, name, world):
        X, y, g = world
        model = RANKERS[name]()
        assert model.fit(X, y, group_ids=g) is model
        assert model.predict(X[:7]).shape == (7,)
        assert model.n_features_in_ == N_FEATURES

    def test_recovers_planted_ordering(self, name, fitted, test_world):
        X, y, g = test_world
        assert ndcg_at_k(y, fitted[name].predict(X), k=10, groups=g) > 0.9

    def test_contributions_sum_to_prediction(self, name, fitted, test_world):
        X, _, _ = test_world
        contrib = fitted[name].contributions(X)
        assert contrib.shape == (X.shape[0], N_FEATURES + 1)
        np.testing.assert_allclose(contrib.sum(axis=1), fitted[name].predict(X), atol=1e-8)

    def test_planted_features_carry_the_contributions(self, name, fitted, test_world):
        X, _, _ = test_world
        spread = np.abs(fitted[name].contributions(X)[:, :N_FEATURES]).mean(axis=0)
        assert spread[0] > spread[1] > spread[3]
        assert spread[0] > spread[4]

    def test_clone_and_get_params_round_trip(self, name, fitted):
        model = fitted[name]
        twin = clone(model)
        assert twin.get_params() == model.get_params()
        assert not hasattr(twin, "n_features_in_")
        params = twin.get_params()
        rebuilt = type(model)(**params)
        assert rebuilt.get_params() == params

    def test_pickle_round_trip(self, name, fitted, test_world):
        X, _, _ = test_world
        restored = pickle.loads(pickle.dumps(fitted[name]))
        np.testing.assert_array_equal(restored.predict(X), fitted[name].predict(X))

    def test_deterministic(self, name, world):
        X, y, g = world
        a = RANKERS[name]().fit(X, y, group_ids=g).predict(X)
        b = RANKERS[name]().fit(X, y, group_ids=g).predict(X)
        np.testing.assert_array_equal(a, b)

    def test_dataframe_keeps_feature_names(self, name, world, fitted):
        X, y, g = world
        cols = [f"feat_{i}" for i in range(N_FEATURES)]
        model = RANKERS[name]().fit(pd.DataFrame(X, columns=cols), y, group_ids=g)
        assert list(model.feature_names_in_) == cols
        np.testing.assert_allclose(
            model.predict(pd.DataFrame(X[:5], columns=cols)), fitted[name].predict(X[:5])
        )
        with pytest.raises(ValueError, match="feature names"):
            model.predict(pd.DataFrame(X[:5], columns=cols[::-1]))

    def test_no_feature_names_from_ndarray(self, name, fitted):
        assert not hasattr(fitted[name], "feature_names_in_")

    def test_predict_before_fit(self, name, world):
        with pytest.raises(NotFittedError):
            RANKERS[name]().predict(world[0])

    def test_failed_fit_changes_nothing(self, name, world):
        X, y, g = world
        fresh = RANKERS[name]()
        with pytest.raises(ValueError):
            fresh.fit(X, np.zeros(X.shape[0], dtype=int), group_ids=g)
        assert vars(fresh) == vars(RANKERS[name]())
        model = RANKERS[name]().fit(X, y, group_ids=g)
        before = model.predict(X[:5])
        with pytest.raises(ValueError):
            model.fit(X[:, :3], np.zeros(X.shape[0], dtype=int), group_ids=g)
        assert model.n_features_in_ == N_FEATURES
        np.testing.assert_array_equal(model.predict(X[:5]), before)

    def test_wrong_feature_count_at_predict(self, name, fitted):
        with pytest.raises(ValueError, match=f"X has 3 features.*expecting {N_FEATURES}"):
            fitted[name].predict(np.zeros((2, 3)))

    def test_single_class_labels(self, name, world):
        X, _, g = world
        with pytest.raises(
            ValueError,
            match="all labels are 0: need at least one good and one poor outcome to learn from",
        ):
            RANKERS[name]().fit(X, np.zeros(X.shape[0], dtype=int), group_ids=g)

    def test_too_few_rows(self, name):
        X = np.arange(12.0).reshape(6, 2)
        with pytest.raises(ValueError, match="need at least 10 rows to fit, got 6"):
            RANKERS[name]().fit(X, [0, 3, 0, 3, 1, 2], group_ids=[0, 0, 0, 1, 1, 1])

    def test_label_count_mismatch(self, name, world):
        X, y, g = world
        with pytest.raises(ValueError, match="y has 10 labels but X has"):
            RANKERS[name]().fit(X, y[:10], group_ids=g)

    @pytest.mark.parametrize("bad", [-1, 1.5])
    def test_labels_must_be_non_negative_integers(self, name, world, bad):
        X, y, g = world
        y = y.astype(float)
        y[3] = bad
        with pytest.raises(ValueError, match="non-negative integer grades"):
            RANKERS[name]().fit(X, y, group_ids=g)

    def test_infinite_features_rejected(self, name, world):
        X, y, g = world
        X = X.copy()
        X[0, 0] = np.inf
        with pytest.raises(ValueError, match="infinity"):
            RANKERS[name]().fit(X, y, group_ids=g)

    def test_nan_features_fit_and_predict(self, name, world):
        X, y, g = world
        X = X.copy()
        X[::7, 1] = np.nan
        model = RANKERS[name]().fit(X, y, group_ids=g)
        scores = model.predict(X)
        assert np.all(np.isfinite(scores))
        np.testing.assert_allclose(model.contributions(X).sum(axis=1), scores, atol=1e-8)

    def test_both_group_forms_rejected(self, name, world):
        X, y, g = world
        with pytest.raises(ValueError, match="not both"):
            RANKERS[name]().fit(X, y, np.full(80, GROUP_SIZE), group_ids=g)


# --------------------------------------------------------------------------- #
# LambdaMART specifics
# --------------------------------------------------------------------------- #


def round_robin(group_ids: np.ndarray) -> np.ndarray:
    """Interleave groups while keeping each group's rows in their original order."""
    rank_in_group = pd.Series(group_ids).groupby(group_ids).cumcount().to_numpy()
    return np.lexsort((group_ids, rank_in_group))


def test_unsorted_group_ids_give_the_same_model(world):
    X, y, g = world
    order = round_robin(g)
    assert not np.all(np.diff(g[order]) >= 0)
    sorted_fit = small_lambdamart().fit(X, y, group_ids=g)
    shuffled_fit = small_lambdamart().fit(X[order], y[order], group_ids=g[order])
    np.testing.assert_array_equal(shuffled_fit.predict(X), sorted_fit.predict(X))


def test_group_sizes_equal_group_ids(world):
    X, y, g = world
    by_sizes = small_lambdamart().fit(X, y, np.bincount(g))
    # String ids sort like the integers only when zero-padded; group order is part of the model.
    ids = np.char.add("vacancy-", np.char.zfill(g.astype(str), 3))
    by_ids = small_lambdamart().fit(X, y, group_ids=ids)
    np.testing.assert_array_equal(by_sizes.predict(X), by_ids.predict(X))


def test_lambdamart_needs_groups(world):
    X, y, _ = world
    with pytest.raises(ValueError, match="groups are required"):
        small_lambdamart().fit(X, y)


def test_group_sizes_must_cover_rows(world):
    X, y, _ = world
    with pytest.raises(ValueError, match=f"group sizes sum to 100 but X has {X.shape[0]} rows"):
        small_lambdamart().fit(X, y, [50, 50])


def test_too_few_informative_groups():
    X = np.random.default_rng(0).normal(size=(40, 3))
    y = np.r_[np.zeros(20, int), np.arange(20) % 3]  # only the second group varies
    with pytest.raises(ValueError, match="at least 2 groups in which labels differ.*got 1 of 2"):
        small_lambdamart().fit(X, y, [20, 20])


def test_label_gain_must_cover_grades(world):
    X, y, g = world
    with pytest.raises(ValueError, match="label_gain has 3 entries but labels go up to 4"):
        small_lambdamart(label_gain=[0, 1, 3]).fit(X, y, group_ids=g)


def test_default_label_gain_is_exponential(fitted):
    np.testing.assert_array_equal(fitted["lambdamart"].label_gain_, [0, 1, 3, 7, 15])


def test_early_stopping_on_validation_groups(world, test_world):
    X, y, g = world
    Xv, yv, gv = test_world
    model = small_lambdamart(n_estimators=400, learning_rate=0.3, early_stopping_rounds=5)
    model.fit(X, y, group_ids=g, eval_set=(Xv, yv, gv))
    assert 1 <= model.best_iteration_ < 400
    curve = model.evals_result_["valid_0"]["ndcg@10"]
    assert model.best_iteration_ == int(np.argmax(curve)) + 1


def test_feature_importances_normalised(fitted):
    imp = fitted["lambdamart"].feature_importances_
    assert imp.shape == (N_FEATURES,)
    assert imp.sum() == pytest.approx(1.0)
    assert np.argmax(imp) == 0

# --------------------------------------------------------------------------- #
# Tree-path contributions against exact TreeSHAP
# --------------------------------------------------------------------------- #


def test_path_contributions_equal_treeshap_on_stumps(world, test_world):
    """With one split per tree both methods credit that split's feature with E[child] - E[root]."""
    X, y, g = world
    stumps = small_lambdamart(num_leaves=2, max_depth=1).fit(X, y, group_ids=g)
    Xt = test_world[0]
    np.testing.assert_allclose(
        stumps.contributions(Xt), stumps.contributions(Xt, exact=True), atol=1e-10
    )


def test_path_contributions_share_treeshap_bias_and_leading_factor(fitted, test_world):
    X = test_world[0]
    model = fitted["lambdamart"]
    path, shap = model.contributions(X), model.contributions(X, exact=True)
    np.testing.assert_allclose(path[:, -1], shap[:, -1], atol=1e-10)
    np.testing.assert_allclose(path.sum(axis=1), shap.sum(axis=1), atol=1e-8)
    leading = np.argmax(np.abs(path[:, :-1]), axis=1) == np.argmax(np.abs(shap[:, :-1]), axis=1)
    assert leading.mean() > 0.9
    assert np.corrcoef(path[:, :-1].ravel(), shap[:, :-1].ravel())[0, 1] > 0.95


def test_path_table_follows_refit_and_is_not_pickled(world, test_world):
    X, y, g = world
    model = small_lambdamart(n_estimators=20)
    model.fit(X, y, group_ids=g)
    model.contributions(X[:3])
    assert "_path_cache" not in pickle.loads(pickle.dumps(model)).__dict__
    model.fit(X, -y + 4, group_ids=g)  # reversed grades: a different model, same round count
    np.testing.assert_allclose(model.contributions(X).sum(axis=1), model.predict(X), atol=1e-8)



# --------------------------------------------------------------------------- #
# Logistic specifics
# --------------------------------------------------------------------------- #


def test_logistic_imputes_training_median(world):
    X, y, _g = world
    X = X.copy()
    X[::5, 2] = np.nan
    model = LogisticRanker().fit(X, y)
    assert model.medians_[2] == pytest.approx(np.nanmedian(X[:, 2]))
    row = X[:1].copy()
    row[0, 2] = np.nan
    filled = row.copy()
    filled[0, 2] = model.medians_[2]
    np.testing.assert_allclose(model.predict(row), model.predict(filled))


def test_logistic_contributions_formula(fitted, test_world):
    model = fitted["logistic"]
    X = test_world[0][:4]
    expected = model.coef_ * (X - model.mean_) / model.scale_
    np.testing.assert_allclose(model.contributions(X)[:, :-1], expected)
    np.testing.assert_allclose(model.contributions(X)[:, -1], model.intercept_)


def test_logistic_threshold_single_class(world):
    X, y, _ = world
    with pytest.raises(ValueError, match="below the threshold 9.*one good and one poor"):
        LogisticRanker(threshold=9).fit(X, y)
