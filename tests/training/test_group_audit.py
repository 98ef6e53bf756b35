"""The group audit (fairlearn's MetricFrame, per group and month) against numpy by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from training.group_audit import TOP, group_audit, stepped_metrics


def test_members_ranked_last_are_never_selected_and_the_figures_match_numpy():
    rng = np.random.default_rng(3)
    n = 240
    women = np.arange(n) % 4 == 0
    lists = np.arange(n) // 12  # 20 events of 12 conversations
    scores = rng.random(n) - women  # women always at the bottom of their list
    chance = rng.random(n) * 0.3
    good = rng.random(n) < chance
    months = np.where(lists < 10, "2026-01", "2026-02")
    subgroups = pd.DataFrame({
        "age_band": "25-44", "gender": np.where(women, "v", "m"), "statushouder": False,
        "banenafspraak": False, "benefit_duration_band": "<6m",
    }, index=range(n))
    audit = group_audit(scores, chance, good, lists, months, subgroups)
    row = audit[(audit["group"] == "women") & (audit["month"] == "2026-01")]
    member = row[row["member"] == "member"].iloc[0]
    rest = row[row["member"] == "rest"].iloc[0]
    in_month = months == "2026-01"
    assert member["n"] == (women & in_month).sum() and rest["n"] == (~women & in_month).sum()
    assert member["selection_rate"] == 0.0  # 3 women per list, all below the 9 others
    assert rest["selection_rate"] == pytest.approx(TOP / 9)
    assert member["good_rate"] == pytest.approx(good[women & in_month].mean())
    assert member["mean_chance"] == pytest.approx(chance[women & in_month].mean())
    ranks_of_women = np.array([10, 11, 12])
    assert member["exposure"] == pytest.approx(np.mean(1 / np.log2(1 + ranks_of_women)))
    assert member["false_negative_rate"] == (1.0 if good[women & in_month].any() else 0.0)

    steps = {(k, s): v for k, v, s in stepped_metrics(audit)}
    assert steps[("audit/selection_rate[women]", 202601)] == 0.0
    assert ("audit/selection_rate_ratio[women]", 202601) in steps
    assert steps[("audit/n[women]", 202602)] == (women & ~in_month).sum()
