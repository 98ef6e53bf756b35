"""How a trained ranker treats each protected group, month by month of its test months.

For every trained model, on the held-out conversations, per protected group and calendar
month (fairlearn's :class:`~fairlearn.metrics.MetricFrame`, the group as sensitive feature
and the month as control feature), for the group's members and for everyone else:

* ``n``: conversations; ``good_rate``: share that led to a WEP or job;
* ``selection_rate``: share the ranker puts in the top :data:`TOP` of their event's list;
* ``exposure``: mean position weight ``1 / log2(1 + rank)`` the ranker gives them;
* ``mean_chance`` and ``ece``: the chance shown, and its calibration error (10 bins);
* ``false_negative_rate`` / ``false_positive_rate``: good conversations left out of the top,
  conversations in the top that led nowhere.

They are logged to the MLflow run with the month as the step (``audit/<metric>.<group>``
and the ratio to everyone else, ``audit/<metric>_ratio.<group>``), and the whole table as
``group_audit.csv``. Protected attributes are read only here; no model sees them.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from fairlearn.metrics import MetricFrame, false_negative_rate, false_positive_rate, selection_rate

from matching.records.enums import BenefitDurationBand

__all__ = ["GROUPS", "TOP", "group_audit", "stepped_metrics"]

#: Group -> how its members are found in the evaluation subgroups.
GROUPS: dict[str, Callable[[pd.DataFrame], pd.Series]] = {
    "age_55_plus": lambda s: s["age_band"] == "55-67",
    "women": lambda s: s["gender"] == "v",
    "statushouder": lambda s: s["statushouder"].astype(bool),
    "banenafspraak": lambda s: s["banenafspraak"].astype(bool),
    "benefit_3y_plus": lambda s: s["benefit_duration_band"].isin(
        [BenefitDurationBand.Y3_5.value, BenefitDurationBand.Y5_10.value,
         BenefitDurationBand.Y10_PLUS.value]
    ),
}
TOP = 3
_BINS = 10


def _ece(y_true: np.ndarray, y_pred: np.ndarray, *, chance: np.ndarray) -> float:
    """Expected calibration error over equal-width bins of the chance shown."""
    chance, y_true = np.asarray(chance, dtype=float), np.asarray(y_true, dtype=float)
    bins = np.minimum((chance * _BINS).astype(int), _BINS - 1)
    total = 0.0
    for b in np.unique(bins):
        inside = bins == b
        total += inside.sum() * abs(chance[inside].mean() - y_true[inside].mean())
    return float(total / max(len(chance), 1))


def _mean_of(y_true: np.ndarray, y_pred: np.ndarray, *, values: np.ndarray) -> float:
    return float(np.mean(values)) if len(values) else float("nan")


def _ranks(scores: np.ndarray, lists: np.ndarray) -> np.ndarray:
    """1-based rank of each row within its list, best score first."""
    frame = pd.DataFrame({"score": scores, "list": lists})
    return frame.groupby("list")["score"].rank(method="first", ascending=False).to_numpy(dtype=int)


def group_audit(
    scores: np.ndarray,
    probability: np.ndarray | None,
    good: np.ndarray,
    lists: np.ndarray,
    months: np.ndarray,
    subgroups: pd.DataFrame,
) -> pd.DataFrame:
    """One row per (group, month, member): the metrics of the module docstring.

    ``lists`` is each row's list (its event's conversations), ``months`` its ``"YYYY-MM"``.
    """
    ranks = _ranks(np.asarray(scores, dtype=float), np.asarray(lists))
    selected = (ranks <= TOP).astype(int)
    exposure = 1.0 / np.log2(1.0 + ranks)
    y_true = np.asarray(good, dtype=int)
    metrics: dict[str, Callable[..., float]] = {
        "n": lambda t, p: float(len(t)),
        "good_rate": lambda t, p: float(np.mean(t)) if len(t) else float("nan"),
        "selection_rate": selection_rate,
        "exposure": _mean_of,
        "false_negative_rate": false_negative_rate,
        "false_positive_rate": false_positive_rate,
    }
    params: dict[str, dict[str, np.ndarray]] = {"exposure": {"values": exposure}}
    if probability is not None:
        metrics["mean_chance"] = _mean_of
        metrics["ece"] = _ece
        params["mean_chance"] = {"values": np.asarray(probability, dtype=float)}
        params["ece"] = {"chance": np.asarray(probability, dtype=float)}
    frames = []
    for group, members in GROUPS.items():
        member = np.where(members(subgroups).to_numpy(dtype=bool), "member", "rest")
        frame = MetricFrame(
            metrics=metrics, y_true=y_true, y_pred=selected, sensitive_features=pd.Series(member, name="member"),
            control_features=pd.Series(np.asarray(months), name="month"), sample_params=params,
        ).by_group.reset_index()
        frames.append(frame.assign(group=group))
    return pd.concat(frames, ignore_index=True)[["group", "month", "member", *metrics]]


def stepped_metrics(audit: pd.DataFrame) -> list[tuple[str, float, int]]:
    """(key, value, step) for MLflow: members' values and their ratio to the rest, the step
    being the month as ``YYYYMM``."""
    out: list[tuple[str, float, int]] = []
    values = [c for c in audit.columns if c not in ("group", "month", "member", "n")]
    for (group, month), rows in audit.groupby(["group", "month"]):
        member = rows[rows["member"] == "member"]
        rest = rows[rows["member"] == "rest"]
        if member.empty:
            continue
        step = int(str(month).replace("-", ""))
        out.append((f"audit/n[{group}]", float(member["n"].iloc[0]), step))
        for name in values:
            mine = float(member[name].iloc[0])
            if np.isfinite(mine):
                out.append((f"audit/{name}[{group}]", mine, step))
            theirs = float(rest[name].iloc[0]) if not rest.empty else float("nan")
            if np.isfinite(mine) and np.isfinite(theirs) and theirs > 0:
                out.append((f"audit/{name}_ratio[{group}]", mine / theirs, step))
    return out
