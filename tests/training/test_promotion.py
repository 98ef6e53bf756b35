"""The champion/challenger gate: when a challenger replaces the champion."""

from __future__ import annotations

from training.promotion import decide_promotion


def test_promotion_rule() -> None:
    assert decide_promotion(0.61, None).promoted
    assert decide_promotion(0.61, 0.60).promoted
    assert not decide_promotion(0.60, 0.60).promoted  # a tie keeps the model in service
    assert not decide_promotion(0.60, 0.59, min_gain=0.02).promoted
    assert decide_promotion(0.60, float("nan"), champion_version="3").promoted
    assert not decide_promotion(float("nan"), 0.5).promoted
