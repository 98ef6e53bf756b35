"""Net effect of the programme against a comparison group, by exact matching in time and cells.

Who is compared
---------------
* **Candidates** (the treated group): invited to at least one event in the
  period (intention to treat: invited, whether or not they came). A
  candidate's follow-up starts at their first invitation in the period
  (``start``) and ends with the period; their outcome is the best one agreed
  in that window.
* **Comparison group**: candidates of the same municipality who were never
  invited to any event.

Why time matters
----------------
Candidates are invited when they are still looking for work, and from then
on have only the rest of the period to find it; the comparison group is
looked at over the same stretch of time. For every first-invitation date
``d`` the comparison candidates *at risk* on ``d`` (registered by ``d``,
no WEP or job before ``d``) are followed from ``d`` to the end of the
period (risk-set matching). Comparing a candidate invited in November with
a comparison candidate's whole year would credit the comparison group with
months the candidate never had, and understate the effect.

How they are made comparable
----------------------------
Within each start date, both groups are split into cells by age band,
education (coarsened to three levels: no starting qualification / starting
qualification / higher education), benefit-duration band and
participation-ladder rung. Matching is exact on (start date, cell). Each
comparison row in a stratum gets the weight ``candidates in stratum /
comparison rows in stratum``, so the weighted comparison group has the
candidates' mix of start dates and cells. Candidates in a stratum without
any comparison candidate are left out (``unmatched_treated``): the effect is
the effect on the matched candidates (ATT on common support). A comparison
candidate can serve several start dates.

Uncertainty
-----------
The variance of the weighted comparison share is the linearised
(sandwich) variance of a ratio estimator, clustered by comparison candidate
because one person can appear at several start dates; it is conservative
(deviations are taken from the overall weighted share, not per stratum).
It is turned into an *effective size* ``p (1 - p) / variance`` (Kish's
``(sum w)^2 / sum w^2`` when p is 0 or 1), and the difference in
good-outcome share (WEP or regular job) with its 95 % interval comes from
:func:`matching.report.stats.difference_in_proportions` (Newcombe's hybrid score
interval) with the comparison group at that effective size. The chi-square
test of independence (:func:`matching.report.stats.chi2_independence`) compares
the outcome categories (regular job / WEP / neither) of the candidates with
the weighted comparison shares scaled to the effective size — a first-order
design-effect correction in the spirit of Rao and Scott.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from matching.records.enums import BenefitDurationBand, EducationLevel
from matching.report.stats import chi2_independence, difference_in_proportions

__all__ = [
    "CELL_COLUMNS",
    "OUTCOME_CATEGORIES",
    "NetEffect",
    "add_cell_columns",
    "education_group",
    "estimate_net_effect",
    "risk_set_rows",
]

CELL_COLUMNS = ("age_band", "education_group", "benefit_band", "rung")
#: Outcome categories of the chi-square table, in column order.
OUTCOME_CATEGORIES = ("job", "wep", "neither")
CATEGORY_LABELS_NL = {
    "job": "reguliere baan",
    "wep": "werkervaringsplaats",
    "neither": "geen baan of WEP",
}
_GOOD_RANK = {"neither": 0, "wep": 1, "job": 2}


def education_group(level: str) -> str:
    """Coarsened education: ``no_sq`` (below MBO-2), ``sq``, or ``higher`` (HBO/WO)."""
    education = EducationLevel(level)
    if education.is_higher:
        return "higher"
    return "sq" if education.has_startkwalificatie else "no_sq"


def add_cell_columns(candidates: pd.DataFrame) -> pd.DataFrame:
    """Add ``education_group`` and ``benefit_band`` to a candidate frame (a copy)."""
    out = candidates.copy()
    groups = {level.value: education_group(level.value) for level in EducationLevel}
    out["education_group"] = out["education"].map(groups)
    bands = [BenefitDurationBand.from_months(m).value for m in range(121)]
    out["benefit_band"] = out["benefit_months"].map(lambda m: bands[min(int(m), 120)])
    return out


def risk_set_rows(
    comparison: pd.DataFrame,
    good_outcomes: pd.DataFrame,
    starts: list[dt.date],
    end: dt.date,
) -> pd.DataFrame:
    """Comparison rows per start date: who was at risk on it, and what they found by ``end``.

    Parameters
    ----------
    comparison : DataFrame
        Comparison candidates, indexed by id, with the cell columns and
        ``registered_on`` (None: registered before anything else).
    good_outcomes : DataFrame
        WEPs and jobs of comparison candidates: ``candidate_id``, ``date``
        (the day agreed) and ``kind``.
    starts : list of date
        The candidates' first-invitation dates.
    end : date
        Last day of the follow-up.

    Returns
    -------
    DataFrame
        One row per (comparison candidate, start date) at risk, with
        ``unit`` (candidate id), ``start``, the cell columns and ``category``.
    """
    if comparison.empty or not starts:
        return pd.DataFrame(columns=["unit", "start", *CELL_COLUMNS, "category"])
    goods = good_outcomes[good_outcomes["date"] <= end]
    first_good = goods.groupby("candidate_id")["date"].min()
    best = (
        goods.assign(rank=goods["kind"].map(_GOOD_RANK))
        .sort_values("rank", ascending=False)
        .drop_duplicates("candidate_id")
        .set_index("candidate_id")["kind"]
    )
    base = comparison.assign(
        unit=comparison.index,
        best=comparison.index.map(best).fillna("neither"),
    )
    # compare dates as day numbers: missing registration = always at risk, no job = never found
    registered = base["registered_on"] if "registered_on" in base else [None] * len(base)
    registered_day = np.array([d.toordinal() if isinstance(d, dt.date) else -1 for d in registered])
    found = base.index.map(first_good)
    found_day = np.array([d.toordinal() if isinstance(d, dt.date) else 1 << 40 for d in found])
    parts = []
    for start in sorted(set(starts)):
        day = start.toordinal()
        rows = base[(registered_day <= day) & (found_day >= day)]
        parts.append(rows.assign(start=start, category=rows["best"]))
    frame = pd.concat(parts, ignore_index=True)
    return frame[["unit", "start", *CELL_COLUMNS, "category"]]


@dataclass
class NetEffect:
    """Outcome shares of candidates and comparison group, and the difference."""

    n_treated: int
    n_comparison: int
    matched_treated: int
    unmatched_treated: int
    matched_comparison: int  # distinct comparison candidates used
    effective_comparison: float
    cells_used: int
    shares_treated: dict[str, float]
    shares_comparison_raw: dict[str, float]
    shares_comparison_weighted: dict[str, float]
    good_share_treated: float | None
    good_share_comparison: float | None
    effect: float | None  # difference in good-outcome share, candidates - comparison
    ci_low: float | None
    ci_high: float | None
    ci_method: str
    raw_effect: float | None  # candidates against the whole comparison group, unmatched
    chi2: float | None
    df: int | None
    p: float | None
    cramers_v: float | None
    chi2_table: list[list[int]] = field(default_factory=list)
    chi2_warning: str | None = None
    note: str | None = None  # why there is no effect (English, for logs and the API)
    truth: dict[str, Any] | None = None
    note_nl: str | None = None  # the same for staff

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _shares(categories: pd.Series, weights: np.ndarray | None = None) -> dict[str, float]:
    if len(categories) == 0:
        return {c: 0.0 for c in OUTCOME_CATEGORIES}
    w = np.ones(len(categories)) if weights is None else weights
    total = w.sum()
    return {c: float(w[(categories == c).to_numpy()].sum() / total) for c in OUTCOME_CATEGORIES}


def _good(shares: dict[str, float]) -> float:
    return shares["job"] + shares["wep"]


def _empty(
    n_t: int, n_c: int, note: str, raw_t: dict[str, float], raw_c: dict[str, float], note_nl: str
) -> NetEffect:
    zero = {c: 0.0 for c in OUTCOME_CATEGORIES}
    return NetEffect(
        n_treated=n_t, n_comparison=n_c, matched_treated=0, unmatched_treated=n_t,
        matched_comparison=0, effective_comparison=0.0, cells_used=0, shares_treated=raw_t,
        shares_comparison_raw=raw_c, shares_comparison_weighted=zero, good_share_treated=None,
        good_share_comparison=None, effect=None, ci_low=None, ci_high=None,
        ci_method="newcombe", raw_effect=None, chi2=None, df=None, p=None, cramers_v=None,
        note=note, note_nl=note_nl,
    )


def _effective_size(w: np.ndarray, y: np.ndarray, units: np.ndarray) -> float:
    """``p (1 - p) / variance`` with the unit-clustered ratio variance; Kish when p is 0 or 1."""
    total = w.sum()
    p = float((w * y).sum() / total)
    unit_weight = pd.Series(w).groupby(units).sum().to_numpy()
    kish = float(unit_weight.sum() ** 2 / (unit_weight**2).sum())
    if p <= 0.0 or p >= 1.0:
        return kish
    influence = pd.Series(w * (y - p)).groupby(units).sum().to_numpy() / total
    variance = float((influence**2).sum())
    return kish if variance <= 0 else p * (1 - p) / variance


def estimate_net_effect(
    frame: pd.DataFrame,
    *,
    comparison_whole_period: pd.Series | None = None,
    confidence: float = 0.95,
) -> NetEffect:
    """Estimate the effect of being invited on the share with a WEP or regular job.

    Parameters
    ----------
    frame : DataFrame
        Treated rows (``group == "treated"``, one per candidate) and comparison
        rows (``group == "comparison"``, one per candidate and start date,
        see :func:`risk_set_rows`), with the columns of :data:`CELL_COLUMNS`
        and ``category`` (one of :data:`OUTCOME_CATEGORIES`). Optional:
        ``start`` (first-invitation date; matched exactly like a cell) and
        ``unit`` (the person, for clustering; default: one person per row).
    comparison_whole_period : Series, optional
        Categories of every comparison candidate over the whole period, for
        the unadjusted comparison (default: the comparison rows as given).
    confidence : float
        Level of the interval around the effect.

    Returns
    -------
    NetEffect
    """
    frame = frame.copy()
    if "start" not in frame:
        frame["start"] = 0
    if "unit" not in frame:
        frame["unit"] = np.arange(len(frame))
    treated = frame[frame["group"] == "treated"]
    comparison = frame[frame["group"] == "comparison"]
    whole = comparison["category"] if comparison_whole_period is None else comparison_whole_period
    raw_t, raw_c = _shares(treated["category"]), _shares(whole)
    n_comparison = (
        len(whole) if comparison_whole_period is not None else comparison["unit"].nunique()
    )
    if treated.empty or comparison.empty:
        which = "candidates" if treated.empty else "comparison group"
        return _empty(len(treated), n_comparison, f"no {which} in this period", raw_t, raw_c,
                      "geen " + ("kandidaten" if treated.empty else "vergelijkingsgroep")
                      + " in deze periode")

    keys = ["start", *CELL_COLUMNS]
    n_t_cell = treated.groupby(keys, observed=True).size().rename("n_t")
    n_c_cell = comparison.groupby(keys, observed=True).size().rename("n_c")
    cells = pd.concat([n_t_cell, n_c_cell], axis=1).fillna(0)
    common = cells[(cells["n_t"] > 0) & (cells["n_c"] > 0)]
    if common.empty:
        return _empty(len(treated), n_comparison, "no cell holds both groups", raw_t, raw_c,
                      "geen cel met beide groepen")
    weight_of_cell = (common["n_t"] / common["n_c"]).rename("w")

    t_matched = treated.join(weight_of_cell, on=keys, how="inner")
    c_matched = comparison.join(weight_of_cell, on=keys, how="inner")
    w = c_matched["w"].to_numpy(dtype=float)
    y = c_matched["category"].isin(["job", "wep"]).to_numpy(dtype=float)
    n_eff = _effective_size(w, y, c_matched["unit"].to_numpy())

    shares_t = _shares(t_matched["category"])
    shares_c = _shares(c_matched["category"], w)
    n_t = len(t_matched)
    good_t = int(t_matched["category"].isin(["job", "wep"]).sum())
    good_share_c = _good(shares_c)

    # the comparison group at its effective size; at least 1 so the interval exists
    n_c_eff = max(1, round(n_eff))
    good_c_eff = min(n_c_eff, round(good_share_c * n_c_eff))
    diff = difference_in_proportions(good_t, n_t, good_c_eff, n_c_eff, confidence)
    effect = good_t / n_t - good_share_c
    shift = effect - diff.diff  # centre the interval on the unrounded estimate

    table_t = [int((t_matched["category"] == c).sum()) for c in OUTCOME_CATEGORIES]
    table_c = [round(shares_c[c] * n_eff) for c in OUTCOME_CATEGORIES]
    keep = [i for i in range(len(OUTCOME_CATEGORIES)) if table_t[i] + table_c[i] > 0]
    table = [[table_t[i] for i in keep], [table_c[i] for i in keep]]
    chi2 = df = p = v = None
    warning = None
    if len(keep) >= 2 and sum(table[1]) > 0:
        result = chi2_independence(table)
        chi2, df, p, v, warning = result.chi2, result.df, result.p, result.cramers_v, result.warning

    return NetEffect(
        n_treated=len(treated),
        n_comparison=n_comparison,
        matched_treated=n_t,
        unmatched_treated=len(treated) - n_t,
        matched_comparison=int(c_matched["unit"].nunique()),
        effective_comparison=n_eff,
        cells_used=len(common),
        shares_treated=shares_t,
        shares_comparison_raw=raw_c,
        shares_comparison_weighted=shares_c,
        good_share_treated=good_t / n_t,
        good_share_comparison=good_share_c,
        effect=effect,
        ci_low=max(-1.0, diff.ci_low + shift),
        ci_high=min(1.0, diff.ci_high + shift),
        ci_method=f"{diff.method}, comparison group at effective size {n_c_eff}",
        raw_effect=_good(raw_t) - _good(raw_c),
        chi2=chi2,
        df=df,
        p=p,
        cramers_v=v,
        chi2_table=table,
        chi2_warning=warning,
    )
