"""Exposure-aware re-ranking: prefix bounds hold, the model's order is kept where it can be."""

from __future__ import annotations

import math

import numpy as np
import pytest

from matching.shortlists.fair_exposure import ExposurePolicy, exposure_weights, rerank

POLICY = ExposurePolicy(0.8, 1.25)


def _prefix_counts(order: np.ndarray, member: np.ndarray, k: int) -> np.ndarray:
    return np.cumsum(member[order[:k]])


def test_a_list_already_in_bounds_is_left_alone():
    scores = np.linspace(1, 0, 20)
    member = np.arange(20) % 2 == 0  # every other one: half the pool, half of every prefix
    result = rerank(scores, {"g": member}, 10, POLICY, seed="W1")
    assert list(result.order) == list(range(20)) and result.moved == 0


def test_a_group_the_model_puts_last_gets_its_minimum_in_every_prefix():
    scores = np.linspace(1, 0, 100)
    member = np.arange(100) >= 70  # 30 % of the pool, all at the bottom
    for seed in ("W1", "W2", "W3"):
        result = rerank(scores, {"g": member}, 10, POLICY, seed=seed)
        counts = _prefix_counts(result.order, member, 10)
        for i in range(1, 11):
            assert counts[i - 1] >= math.floor(0.8 * 0.3 * i)
        assert counts[-1] >= 2 and result.moved == counts[-1]
        inside = result.order[:10][member[result.order[:10]]]
        assert list(inside) == sorted(inside)  # the group's best come first
        others = result.order[:10][~member[result.order[:10]]]
        assert list(others) == list(range(len(others)))  # the rest keeps the model's order


def test_a_group_that_fills_the_top_is_held_to_its_maximum():
    scores = np.linspace(1, 0, 100)
    member = np.arange(100) < 20  # 20 % of the pool, all at the top
    result = rerank(scores, {"g": member}, 10, POLICY, seed="W1")
    counts = _prefix_counts(result.order, member, 10)
    for i in range(1, 11):
        assert counts[i - 1] <= math.ceil(1.25 * 0.2 * i)


def test_small_groups_get_their_share_on_average_over_lists():
    rng = np.random.default_rng(0)
    weights = exposure_weights(10)
    ratios = []
    for n in range(300):
        scores = rng.random(200)
        member = rng.random(200) < 0.1
        scores[member] -= 0.5  # the model ranks the group low
        order = rerank(scores, {"g": member}, 10, POLICY, seed=f"W{n}").order
        ratios.append((weights * member[order[:10]]).sum() / weights.sum() / member.mean())
    assert 0.8 <= float(np.mean(ratios)) <= 1.25
    baseline = []
    for _ in range(50):
        scores = rng.random(200)
        member = rng.random(200) < 0.1
        scores[member] -= 0.5
        order = np.argsort(-scores)
        baseline.append((weights * member[order[:10]]).sum() / weights.sum() / member.mean())
    assert np.mean(baseline) < 0.3  # without it the group is nearly invisible


def test_pinned_rows_stay_first_and_the_same_seed_gives_the_same_list():
    scores = np.linspace(1, 0, 50)
    member = np.arange(50) >= 35
    first = rerank(scores, {"g": member}, 10, POLICY, seed="W9", pinned=[40])
    assert first.order[0] == 40
    again = rerank(scores, {"g": member}, 10, POLICY, seed="W9", pinned=[40])
    assert list(first.order) == list(again.order)
    assert sorted(first.order) == list(range(50))
    with pytest.raises(ValueError, match="bounds"):
        ExposurePolicy(1.1, 1.25)
