"""A stand-in ranker bundle with a known rule, for tests of what consumes a ranker."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd


@dataclass
class Prediction:
    score: np.ndarray
    probability: np.ndarray
    contributions: pd.DataFrame | None


class TravelScorer:
    """Closer is better: chance ``1 / (1 + km)``, and travel is the whole reason."""

    def __init__(self, version: str = "test-travel/1") -> None:
        self.version = version

    def predict(self, features: pd.DataFrame, *, explain: bool = True) -> Prediction:
        p = 1 / (1 + features["travel_km"].to_numpy())
        return Prediction(p, p, self.explain(features)[0] if explain else None)

    def explain(self, features: pd.DataFrame) -> tuple[pd.DataFrame, np.ndarray]:
        km = features["travel_km"].to_numpy()
        return pd.DataFrame({"travel_km": -km}, index=features.index), np.zeros(len(km))
