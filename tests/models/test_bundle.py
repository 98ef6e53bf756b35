"""RankerBundle: scoring, save/load round trip, and clear errors for bundles it cannot use."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

from models.bundle import (
    BUNDLE_FORMAT_VERSION,
    MANIFEST_FILE,
    MODEL_FILE,
    BundleError,
    RankerBundle,
)
from models.calibration import ProbabilityCalibrator
from models.ranker import LambdaMARTRanker, LogisticRanker

FEATURES = ["a", "b", "c"]


def _toy(
    seed: int = 0, n_groups: int = 40, size: int = 12
) -> tuple[pd.DataFrame, np.ndarray, np.ndarray]:
    """Lists where the grade rises with feature ``a`` and falls with ``b``; ``c`` is noise."""
    rng = np.random.default_rng(seed)
    n = n_groups * size
    X = pd.DataFrame(rng.normal(size=(n, 3)), columns=FEATURES)
    utility = 1.5 * X["a"] - 1.0 * X["b"] + rng.normal(scale=0.5, size=n)
    y = np.digitize(utility, [0.0, 1.0, 2.0, 3.0]).astype(int)
    return X, y, np.repeat(np.arange(n_groups), size)


@pytest.fixture(scope="module", params=["lambdamart", "logistic"])
def bundle(request: pytest.FixtureRequest) -> RankerBundle:
    X, y, groups = _toy()
    if request.param == "lambdamart":
        ranker = LambdaMARTRanker(n_estimators=30, min_child_samples=5).fit(X, y, group_ids=groups)
    else:
        ranker = LogisticRanker().fit(X, y)
    Xc, yc, _ = _toy(seed=1)
    calibrator = ProbabilityCalibrator().fit(ranker.predict(Xc), yc >= 2)
    return RankerBundle(
        ranker, calibrator, FEATURES, {"training_period": ["2025-01-01", "2025-06-30"]}
    )


def test_explain_only_the_rows_asked_for(bundle: RankerBundle) -> None:
    X, _y, _ = _toy(seed=2)
    scored = bundle.predict(X, explain=False)
    assert scored.contributions is None and scored.bias is None
    shown = X.iloc[[7, 2, 40]]
    contributions, bias = bundle.explain(shown[["c", "b", "a"]])  # columns taken by name
    assert list(contributions.index) == [7, 2, 40]
    pd.testing.assert_frame_equal(contributions, bundle.predict(X).contributions.loc[[7, 2, 40]])
    np.testing.assert_allclose(contributions.sum(axis=1) + bias, scored.score[[7, 2, 40]])
    exact, exact_bias = bundle.explain(shown, exact=True)  # TreeSHAP: same total, same bias
    np.testing.assert_allclose(exact.sum(axis=1) + exact_bias, scored.score[[7, 2, 40]])
    np.testing.assert_allclose(exact_bias, bias)
    empty, empty_bias = bundle.explain(X.iloc[:0])
    assert list(empty.columns) == FEATURES and len(empty) == 0 and empty_bias.shape == (0,)


def test_predict_gives_score_probability_and_additive_contributions(bundle: RankerBundle) -> None:
    X, _y, _ = _toy(seed=2)
    pred = bundle.predict(X)
    assert len(pred) == len(X)
    assert list(pred.contributions.columns) == FEATURES
    np.testing.assert_allclose(
        pred.contributions.sum(axis=1) + pred.bias, pred.score, rtol=1e-6, atol=1e-6
    )
    assert ((pred.probability >= 0) & (pred.probability <= 1)).all()
    # the planted signal: a raises the score, b lowers it
    assert np.corrcoef(pred.contributions["a"], X["a"])[0, 1] > 0.5
    assert np.corrcoef(pred.contributions["b"], X["b"])[0, 1] < -0.5
    # the calibrated probability follows the observed good rate in the top and bottom halves
    top = pred.score > np.median(pred.score)
    assert pred.probability[top].mean() > pred.probability[~top].mean()


def test_columns_are_taken_by_name_and_extras_ignored(bundle: RankerBundle) -> None:
    X, _, _ = _toy(seed=3)
    shuffled = X[["c", "a", "b"]].assign(extra=1.0)
    np.testing.assert_allclose(bundle.predict(shuffled).score, bundle.predict(X).score)


def test_missing_feature_is_a_clear_error(bundle: RankerBundle) -> None:
    X, _, _ = _toy(seed=3)
    with pytest.raises(BundleError, match=r"lacks 1 feature.*'b'"):
        bundle.predict(X.drop(columns=["b"]))


def test_save_load_round_trip(bundle: RankerBundle, tmp_path) -> None:
    X, _, _ = _toy(seed=4)
    folder = bundle.save(tmp_path / "bundle")
    loaded = RankerBundle.load(folder)
    before, after = bundle.predict(X), loaded.predict(X)
    np.testing.assert_array_equal(before.score, after.score)
    np.testing.assert_array_equal(before.probability, after.probability)
    pd.testing.assert_frame_equal(before.contributions, after.contributions)
    assert loaded.feature_names == tuple(FEATURES)
    assert loaded.metadata == bundle.metadata
    assert loaded.version == bundle.version and loaded.version.startswith("sha256:")
    assert (
        RankerBundle.load(folder, version_label="werkkans-ranker/7").version == "werkkans-ranker/7"
    )
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    assert manifest["format_version"] == BUNDLE_FORMAT_VERSION
    assert manifest["metadata"]["training_period"] == ["2025-01-01", "2025-06-30"]
    assert "created_at" in manifest["metadata"]


def test_incompatible_format_version_is_refused(bundle: RankerBundle, tmp_path) -> None:
    folder = bundle.save(tmp_path / "bundle")
    manifest = json.loads((folder / MANIFEST_FILE).read_text())
    manifest["format_version"] = BUNDLE_FORMAT_VERSION + 1
    (folder / MANIFEST_FILE).write_text(json.dumps(manifest))
    with pytest.raises(
        BundleError,
        match=rf"format version {BUNDLE_FORMAT_VERSION + 1}.*reads format version {BUNDLE_FORMAT_VERSION}",
    ):
        RankerBundle.load(folder)


def test_features_the_caller_cannot_provide_are_refused(bundle: RankerBundle, tmp_path) -> None:
    folder = bundle.save(tmp_path / "bundle")
    with pytest.raises(BundleError, match=r"needs 1 feature\(s\).*'c'"):
        RankerBundle.load(folder, expected_features=["a", "b", "d"])
    assert RankerBundle.load(folder, expected_features=["a", "b", "c", "d"]).feature_names == tuple(
        FEATURES
    )


def test_damaged_or_missing_bundle_is_refused(bundle: RankerBundle, tmp_path) -> None:
    with pytest.raises(BundleError, match="manifest.json is missing"):
        RankerBundle.load(tmp_path / "nothing")
    folder = bundle.save(tmp_path / "bundle")
    (folder / MODEL_FILE).write_bytes(b"not a model")
    with pytest.raises(BundleError, match="checksum"):
        RankerBundle.load(folder)


def test_feature_names_must_match_the_fitted_ranker() -> None:
    X, y, _groups = _toy()
    ranker = LogisticRanker().fit(X, y)
    calibrator = ProbabilityCalibrator(method="platt").fit(ranker.predict(X), y >= 2)
    with pytest.raises(BundleError, match="fitted on 3 features but 2"):
        RankerBundle(ranker, calibrator, ["a", "b"])
    with pytest.raises(BundleError, match="differ"):
        RankerBundle(ranker, calibrator, ["a", "c", "b"])


def test_a_bagged_ranker_shows_the_chance_at_the_low_end_of_its_bags(tmp_path) -> None:
    from models.pair_ranker import TwoSignalRanker

    X, y, groups = _toy(n_groups=80)
    ranker = TwoSignalRanker(n_bags=3, min_child_samples=10).fit(X, y, group_ids=groups)
    calibrator = ProbabilityCalibrator(method="platt").fit(ranker.oof_score_, y >= 2)
    bundle = RankerBundle(ranker, calibrator, FEATURES, extras={"readers": {"kind": "toy"}})
    Xn, _, _ = _toy(seed=3)
    pred = bundle.predict(Xn, explain=False)
    mean, spread = ranker.predict_spread(Xn)
    np.testing.assert_allclose(pred.score, mean)  # ranked by the mean
    np.testing.assert_allclose(pred.probability, calibrator.predict_proba(mean - spread))
    assert (pred.probability <= calibrator.predict_proba(mean) + 1e-12).all()
    # extras travel with the model and count in its checksum
    loaded = RankerBundle.load(bundle.save(tmp_path / "b"))
    assert loaded.extras == {"readers": {"kind": "toy"}}
    assert loaded.content_hash == bundle.content_hash
    other = RankerBundle(ranker, calibrator, FEATURES, extras={"readers": {"kind": "other"}})
    assert other.content_hash != bundle.content_hash


def test_a_calibrator_fitted_with_covariates_gets_them_from_the_features(tmp_path) -> None:
    X, y, _ = _toy()
    ranker = LogisticRanker().fit(X, y)
    Xc, yc, _ = _toy(seed=1)
    # the chance rises with "c", which the ranker treats as noise: the calibration adjusts by it
    good = (yc >= 2) | (Xc["c"].to_numpy() > 1.0)
    calibrator = ProbabilityCalibrator(method="platt").fit(ranker.predict(Xc), good, covariates=Xc[["c"]])
    assert calibrator.covariate_effects["c"] > 0
    bundle = RankerBundle(ranker, calibrator, FEATURES, {"training_period": ["2025-01-01", "2025-06-30"]})
    X2, _, _ = _toy(seed=2)
    scored = bundle.predict(X2[["c", "a", "b"]], explain=False)
    expected = calibrator.predict_proba(ranker.predict(X2), covariates=X2[["c"]])
    np.testing.assert_allclose(scored.probability, expected)
    bundle.save(tmp_path / "b")
    np.testing.assert_allclose(RankerBundle.load(tmp_path / "b").predict(X2, explain=False).probability, expected)
    other = ProbabilityCalibrator(method="platt").fit(
        ranker.predict(Xc), good, covariates=Xc[["c"]].rename(columns={"c": "d"})
    )
    with pytest.raises(BundleError, match="does not have"):
        RankerBundle(ranker, other, FEATURES, {}).predict(X2, explain=False)
