"""The champion/challenger gate: whether a newly trained ranker replaces the one in service.

:func:`decide_promotion` compares the challenger's primary metric (NDCG@10)
with the champion's, both computed on the challenger's held-out months
(:mod:`training.run_logging` re-scores the champion there before asking):

* **Promotion rule.** The challenger is promoted only when its NDCG@10 is
  strictly higher (by more than ``min_gain``); a tie keeps the model in
  service. With no champion yet, the challenger is promoted. A champion that
  cannot be scored any more cannot be served either, so the challenger
  replaces it. A challenger whose figure is not a number is never promoted.
* **Why a pure function.** No MLflow, no I/O: the rule is tested on its own,
  and the :class:`PromotionDecision` it returns carries both figures and the
  reason, which are logged on the run and the model version.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

__all__ = ["PromotionDecision", "decide_promotion"]


@dataclass(frozen=True)
class PromotionDecision:
    """The champion/challenger gate's verdict and the figures it compared."""

    promoted: bool
    metric: str
    challenger_score: float
    champion_score: float | None
    champion_version: str | None
    reason: str


def decide_promotion(
    challenger_score: float,
    champion_score: float | None,
    *,
    metric: str = "ndcg@10",
    champion_version: str | None = None,
    min_gain: float = 0.0,
) -> PromotionDecision:
    """Promote when there is no scoreable champion or the challenger is strictly better.

    Examples
    --------
    >>> decide_promotion(0.61, 0.58).promoted, decide_promotion(0.58, 0.61).promoted
    (True, False)
    >>> decide_promotion(0.60, 0.60).promoted  # a tie keeps the model in service
    False
    """
    if not math.isfinite(challenger_score):
        return PromotionDecision(
            False,
            metric,
            challenger_score,
            champion_score,
            champion_version,
            f"the challenger's {metric} is not a number",
        )
    if champion_score is None or not math.isfinite(champion_score):
        reason = (
            "no champion yet" if champion_version is None else "the champion could not be scored"
        )
        return PromotionDecision(
            True, metric, challenger_score, champion_score, champion_version, reason
        )
    if challenger_score > champion_score + min_gain:
        return PromotionDecision(
            True,
            metric,
            challenger_score,
            champion_score,
            champion_version,
            f"{metric} {challenger_score:.4f} beats the champion's {champion_score:.4f}",
        )
    return PromotionDecision(
        False,
        metric,
        challenger_score,
        champion_score,
        champion_version,
        f"{metric} {challenger_score:.4f} does not beat the champion's {champion_score:.4f}"
        + (f" by more than {min_gain:g}" if min_gain else ""),
    )
