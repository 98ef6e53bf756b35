"""Tests for training.metrics: hand-computed cases, exact references, invariances."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import ndcg_score

from matching.records.enums import AgeBand
from training.metrics import (
    GroupedEvaluator,
    RankingEvaluator,
    brier_score,
    expected_calibration_error,
    mean_average_precision,
    ndcg_at_k,
    recall_at_k,
)


def random_lists(n_groups: int, seed: int, max_size: int = 30):
    """Groups of 2..max_size rows with grades 0..4 (each group has a non-zero grade)."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(2, max_size + 1, size=n_groups)
    groups = np.repeat(np.arange(n_groups), sizes)
    y = rng.integers(0, 5, size=groups.size)
    starts = np.cumsum(sizes) - sizes
    y[starts] = np.maximum(y[starts], 1)
    scores = rng.normal(size=groups.size)
    perm = rng.permutation(groups.size)  # rows of a group need not be adjacent
    return y[perm], scores[perm], groups[perm]


# --------------------------------------------------------------------------- #
# NDCG
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize("k", [1, 5, 10, 50])
def test_ndcg_matches_sklearn_per_group_mean(k):
    y, s, g = random_lists(60, seed=k)
    expected = np.mean(
        [ndcg_score([y[g == gid]], [s[g == gid]], k=k) for gid in np.unique(g)]
    )
    assert ndcg_at_k(y, s, k=k, groups=g) == pytest.approx(expected, rel=1e-12)


def test_ndcg_hand_computed():
    # Ranked gains 2, 0, 3: DCG = 2 + 0 + 3/2; ideal 3, 2, 0: 3 + 2/log2(3).
    expected = 3.5 / (3 + 2 / np.log2(3))
    assert ndcg_at_k([3, 2, 0], [0.1, 0.9, 0.5]) == pytest.approx(expected)
    assert ndcg_at_k([3, 2, 0], [0.1, 0.9, 0.5], k=1) == pytest.approx(2 / 3)


def test_ndcg_exponential_gain_hand_computed():
    expected = (3 + 0 + 7 / 2) / (7 + 3 / np.log2(3))
    assert ndcg_at_k([3, 2, 0], [0.1, 0.9, 0.5], gain="exponential") == pytest.approx(expected)


def test_ndcg_perfect_ranking_is_one():
    y, _, g = random_lists(20, seed=3)
    assert ndcg_at_k(y, y + 0.1 * np.random.default_rng(0).random(y.size), 10, g) == 1.0


def test_ndcg_skips_groups_without_relevant_rows():
    y, s, g = random_lists(20, seed=4)
    with_blank = ndcg_at_k(
        np.r_[y, np.zeros(5)], np.r_[s, np.arange(5.0)], 10, np.r_[g, np.full(5, 999)]
    )
    assert with_blank == ndcg_at_k(y, s, 10, g)


def test_ndcg_nan_when_nothing_is_relevant():
    assert np.isnan(ndcg_at_k(np.zeros(6), np.arange(6.0), 10, [0, 0, 0, 1, 1, 1]))


def test_ndcg_ties_are_pessimistic():
    # All scores equal: the relevant row is assumed to come last.
    y = [0, 0, 1]
    assert ndcg_at_k(y, [0.0, 0.0, 0.0]) == pytest.approx(1 / np.log2(4))
    assert ndcg_at_k(y[::-1], [0.0, 0.0, 0.0]) == pytest.approx(1 / np.log2(4))


def test_ndcg_invariant_to_row_order_and_group_labels():
    y, s, g = random_lists(40, seed=5)
    s = np.round(s, 1)  # plenty of ties
    perm = np.random.default_rng(1).permutation(y.size)
    relabel = np.char.add("list-", g.astype(str))
    assert ndcg_at_k(y[perm], s[perm], 10, relabel[perm]) == ndcg_at_k(y, s, 10, g)


def test_groups_none_means_one_list():
    y, s, _ = random_lists(1, seed=6)
    assert ndcg_at_k(y, s, 5) == pytest.approx(ndcg_score([y], [s], k=5))


# --------------------------------------------------------------------------- #
# Recall and MAP
# --------------------------------------------------------------------------- #


def test_recall_hand_computed():
    y = [1, 0, 1, 0, 1, 0]
    s = [0.9, 0.8, 0.1, 0.5, 0.7, 0.2]
    g = [0, 0, 0, 1, 1, 1]
    # Group 0: top 2 = rows 0, 1 -> 1 of 2 relevant. Group 1: top 2 holds its only relevant row.
    assert recall_at_k(y, s, k=2, groups=g) == pytest.approx((0.5 + 1.0) / 2)


def test_recall_threshold_binarises_grades():
    y = [4, 2, 3, 0]
    s = [0.1, 0.9, 0.8, 0.7]
    assert recall_at_k(y, s, k=2, threshold=3) == pytest.approx(0.5)
    assert recall_at_k(y, s, k=2, threshold=2) == pytest.approx(2 / 3)


def test_map_hand_computed():
    # Relevant at ranks 1 and 3: AP = (1/1 + 2/3) / 2. Second list: relevant at rank 2: 1/2.
    y = [1, 0, 1, 0, 1]
    s = [0.9, 0.8, 0.1, 0.9, 0.2]
    g = ["a", "a", "a", "b", "b"]
    assert mean_average_precision(y, s, g) == pytest.approx(((1 + 2 / 3) / 2 + 0.5) / 2)


def test_map_at_k():
    y = [1, 0, 1, 1]
    s = [4.0, 3.0, 2.0, 1.0]
    # Top 2 holds one relevant row at rank 1; denominator min(3, 2) = 2.
    assert mean_average_precision(y, s, k=2) == pytest.approx(0.5)


def test_map_matches_per_group_loop():
    y, s, g = random_lists(30, seed=7)
    rel = y >= 3
    aps = []
    for gid in np.unique(g):
        r = rel[g == gid][np.argsort(-s[g == gid])]
        if r.any():
            aps.append(np.mean((np.cumsum(r) / np.arange(1, r.size + 1))[r]))
    assert mean_average_precision(y, s, g, threshold=3) == pytest.approx(np.mean(aps))


# --------------------------------------------------------------------------- #
# Calibration metrics
# --------------------------------------------------------------------------- #


def test_brier_hand_computed():
    assert brier_score([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1]) == pytest.approx(0.025)
    assert brier_score([0.5, 0.5], [0, 1]) == pytest.approx(0.25)


def test_ece_hand_computed():
    assert expected_calibration_error([0.1, 0.2, 0.8, 0.9], [0, 0, 1, 1], n_bins=2) == (
        pytest.approx(0.15)
    )
    # One bin holding everything: |mean p - rate| = |0.5 - 0.25|.
    assert expected_calibration_error([0.2, 0.4, 0.6, 0.8], [0, 0, 0, 1], n_bins=1) == (
        pytest.approx(0.25)
    )


def test_ece_quantile_strategy_hand_computed():
    p = [0.1, 0.2, 0.3, 0.9]
    y = [0, 1, 0, 1]
    # Two quantile bins {0.1, 0.2} and {0.3, 0.9}: |0.15 - 0.5| and |0.6 - 0.5|.
    assert expected_calibration_error(p, y, n_bins=2, strategy="quantile") == pytest.approx(
        (0.35 + 0.1) / 2
    )


def test_ece_near_zero_when_calibrated():
    rng = np.random.default_rng(0)
    p = rng.random(200_000)
    y = rng.random(p.size) < p
    assert expected_calibration_error(p, y) < 0.01
    assert expected_calibration_error(p, y, strategy="quantile") < 0.01


# --------------------------------------------------------------------------- #
# Errors
# --------------------------------------------------------------------------- #


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: ndcg_at_k([1, 0], [0.5]), "scores has 1 values, expected 2"),
        (lambda: ndcg_at_k([1, 0], [0.5, np.nan]), "scores contain 1 NaN"),
        (lambda: ndcg_at_k([1, -1], [0.5, 0.2]), "gains_true must be >= 0"),
        (lambda: ndcg_at_k([1, 0], [0.5, 0.2], k=0), "k must be an integer >= 1, got 0"),
        (lambda: ndcg_at_k([1, 0], [0.5, 0.2], groups=[1]), "groups must have one value per row"),
        (lambda: ndcg_at_k([1, 0], [0.5, 0.2], groups=[1, None]), "groups contain 1 missing"),
        (lambda: ndcg_at_k([1, 0], [0.5, 0.2], gain="log"), "gain must be 'linear' or"),
        (lambda: brier_score([0.5], [1, 0]), "y has 2 values, expected 1"),
        (lambda: expected_calibration_error([0.5], [2]), "y must be binary 0/1"),
    ],
)
def test_errors(call, message):
    with pytest.raises(ValueError, match=message):
        call()


# --------------------------------------------------------------------------- #
# Evaluators
# --------------------------------------------------------------------------- #


def test_ranking_evaluator_keys_and_values():
    y, s, g = random_lists(30, seed=8)
    p = 1 / (1 + np.exp(-s))
    evaluator = RankingEvaluator(k=5, threshold=3)
    out = evaluator(y, s, g, p=p)
    assert evaluator.primary_metric == "ndcg@5"
    assert list(out) == ["ndcg@5", "recall@5", "map", "brier", "ece"]
    assert all(isinstance(v, float) for v in out.values())
    assert out["ndcg@5"] == ndcg_at_k(y, s, 5, g)
    assert out["recall@5"] == pytest.approx(recall_at_k(y, s, 5, g, threshold=3))
    assert out["map"] == pytest.approx(mean_average_precision(y, s, g, threshold=3))
    assert out["brier"] == pytest.approx(brier_score(p, y >= 3))
    assert out["ece"] == pytest.approx(expected_calibration_error(p, y >= 3, n_bins=15))


def test_ranking_evaluator_shared_sort_matches_functions_with_ties():
    y, s, g = random_lists(50, seed=9)
    s = np.round(s)  # heavy ties: the shared sort must stay pessimistic for every metric
    out = RankingEvaluator(k=10, threshold=2)(y, s, g)
    assert out["recall@10"] == recall_at_k(y, s, 10, g, threshold=2)
    assert out["map"] == mean_average_precision(y, s, g, threshold=2)


def test_ranking_evaluator_without_p_and_y_binary_override():
    y, s, g = random_lists(10, seed=10)
    assert "brier" not in RankingEvaluator()(y, s, g)
    yb = np.ones(y.size)
    out = RankingEvaluator()(y, s, g, p=np.full(y.size, 0.75), y_binary=yb)
    assert out["brier"] == pytest.approx(0.0625)
    with pytest.raises(ValueError, match="y_binary is only used with p"):
        RankingEvaluator()(y, s, g, y_binary=yb)


def test_grouped_evaluator_by_label_column():
    y, s, g = random_lists(40, seed=11)
    bands = np.array([b.value for b in AgeBand])[np.arange(y.size) % 4]
    grouped = GroupedEvaluator(RankingEvaluator(k=10))
    out = grouped(y, s, g, subgroups=pd.Series(bands, name="age_band"))
    assert grouped.primary_metric == "ndcg@10"
    assert out["ndcg@10"] == ndcg_at_k(y, s, 10, g)
    mask = bands == "45-54"
    assert out["ndcg@10[age_band=45-54]"] == ndcg_at_k(y[mask], s[mask], 10, g[mask])
    assert out["n_rows[age_band=45-54]"] == mask.sum()
    assert {k for k in out if k.startswith("map[")} == {f"map[age_band={b.value}]" for b in AgeBand}


def test_grouped_evaluator_masks_enums_and_empty_subgroups():
    y, s, g = random_lists(20, seed=12)
    enum_labels = np.array(list(AgeBand), dtype=object)[np.arange(y.size) % 2]
    masks = {"long_term": np.arange(y.size) % 3 == 0, "nobody": np.zeros(y.size, dtype=bool)}
    grouped = GroupedEvaluator(include_overall=False)
    out = grouped(y, s, g, p=np.full(y.size, 0.5), subgroups=masks)
    assert "ndcg@10" not in out
    assert np.isfinite(out["ndcg@10[long_term]"]) and np.isfinite(out["ece[long_term]"])
    assert out["n_rows[nobody]"] == 0.0 and np.isnan(out["ece[nobody]"])
    out = grouped(y, s, g, subgroups={"age_band": enum_labels})
    assert "ndcg@10[age_band=18-24]" in out and "ndcg@10[age_band=25-44]" in out


def test_grouped_evaluator_rejects_bad_subgroups():
    y, s, g = random_lists(5, seed=13)
    with pytest.raises(ValueError, match="needs a name"):
        GroupedEvaluator()(y, s, g, subgroups=pd.Series(np.zeros(y.size)))
    with pytest.raises(ValueError, match="subgroup 'x' must have one value per row"):
        GroupedEvaluator()(y, s, g, subgroups={"x": np.zeros(3, dtype=bool)})


def test_evaluator_fast_on_500k_rows():
    rng = np.random.default_rng(0)
    n = 500_000
    g = rng.integers(0, 20_000, n)
    y = rng.integers(0, 5, n)
    s = rng.normal(size=n)
    p = rng.random(n)
    evaluator = RankingEvaluator()
    evaluator(y[:1000], s[:1000], g[:1000], p=p[:1000])  # warm imports
    # CPU time, not wall time: the evaluator is single-threaded, and other work on a
    # shared machine stretches wall time without saying anything about this code.
    start = time.process_time()
    evaluator(y, s, g, p=p)
    elapsed = time.process_time() - start
    # Measured ~0.3 s on an idle core; the bound leaves room for a slow CI machine.
    assert elapsed < 1.5, f"evaluating 500k rows took {elapsed:.2f} s of CPU"
