"""Build the outcome report of a municipality (or all) over a period."""

from __future__ import annotations

import datetime as dt
import json
import logging
import math
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from matching.records.enums import InvitedBy, dutch_label
from matching.records.schemas import WorkNeed
from matching.records.storage import Store
from matching.report.data import ReportData, candidate_frame, load_report_data
from matching.report.fairness import FAIRNESS_GROUPS, FairnessRow, fairness_tables
from matching.report.fairness_trend import ALERT_MONTHS, GroupTrend, fairness_trend
from matching.report.funnel import FunnelStep, funnel
from matching.report.kpis import Goals, KpiRow, werktop_kpis
from matching.report.net_effect import (
    CELL_COLUMNS,
    NetEffect,
    estimate_net_effect,
    risk_set_rows,
)
from matching.report.oversight import Oversight, oversight
from matching.report.period import Period, parse_period
from matching.report.social_value import SocialValue, social_value
from matching.sroi.prices import PriceList
from matching.sroi.settings import SroiSettings

__all__ = ["Report", "build_report"]

logger = logging.getLogger(__name__)


@dataclass
class Report:
    """The outcome report; :meth:`to_dict` gives plain JSON-ready data.

    Sections: ``kpis`` (Werktop KPIs per municipality), ``funnel``,
    ``net_effect`` (against the comparison group), ``social_value``
    (SROI/MKBA), ``fairness`` (per group), plus ``counts`` of what was read
    and ``notes`` on the data.
    """

    period: Period
    municipality: str | None
    generated_at: str
    counts: dict[str, int]
    kpis: list[KpiRow]
    funnel: list[FunnelStep]
    net_effect: NetEffect
    social_value: SocialValue
    fairness: dict[str, list[FairnessRow]]
    fairness_trend: list[GroupTrend] = field(default_factory=list)
    oversight: Oversight | None = None
    net_by_objective: list[dict[str, Any]] = field(default_factory=list)
    lottery: NetEffect | None = None
    notes: list[str] = field(default_factory=list)
    seconds: float = 0.0

    def to_dict(self) -> dict[str, Any]:
        data = {
            "period": self.period.to_dict(),
            "municipality": self.municipality,
            "generated_at": self.generated_at,
            "counts": dict(self.counts),
            "kpis": [row.to_dict() for row in self.kpis],
            "funnel": [step.to_dict() for step in self.funnel],
            "net_effect": self.net_effect.to_dict(),
            "net_by_objective": [dict(row) for row in self.net_by_objective],
            "lottery": None if self.lottery is None else self.lottery.to_dict(),
            "social_value": self.social_value.to_dict(),
            "fairness": {
                group: [row.to_dict() for row in rows] for group, rows in self.fairness.items()
            },
            "fairness_labels": {g: FAIRNESS_GROUPS[g] for g in self.fairness},
            "fairness_trend": [trend.to_dict() for trend in self.fairness_trend],
            "oversight": None if self.oversight is None else self.oversight.to_dict(),
            "notes": list(self.notes),
            "seconds": self.seconds,
        }
        result: dict[str, Any] = _plain(data)
        return result


def _plain(value: Any) -> Any:
    """Numpy scalars, dates and NaN to JSON-ready values, recursively."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (np.bool_, bool)):
        return bool(value)
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (np.floating, float)):
        number = float(value)
        return None if math.isnan(number) else number
    if isinstance(value, (dt.date, dt.datetime)):
        return value.isoformat()
    return value


def read_truth(truth_dir: Path | str) -> dict[str, Any]:
    """The simulator's true programme effect (``effect.json`` in ``truth_dir``)."""
    path = Path(truth_dir)
    if (path / "truth").is_dir() and not (path / "effect.json").exists():
        path = path / "truth"
    effect_file = path / "effect.json"
    if not effect_file.exists():
        raise ValueError(f"no effect.json in {truth_dir}")
    result: dict[str, Any] = json.loads(effect_file.read_text(encoding="utf-8"))
    return result


def _truth_block(truth: dict[str, Any], net: NetEffect) -> dict[str, Any]:
    """The simulator's true ATT next to the estimate.

    ``treated.att_expected`` is the true effect on the invited (expected over
    the hidden outcome draws); ``treated.att_realised`` the effect in this
    particular draw.
    """
    treated = truth.get("treated", {}) if isinstance(truth.get("treated"), dict) else {}
    att = treated.get("att_expected", truth.get("att"))
    realised = treated.get("att_realised")
    within = None
    if att is not None and net.ci_low is not None and net.ci_high is not None:
        within = bool(net.ci_low <= att <= net.ci_high)
    return {
        "true_effect": att,
        "true_effect_realised": realised,
        "within_ci": within,
        "error": None if att is None or net.effect is None else net.effect - att,
        "treated_true": treated,
    }


def build_report(
    store: Store,
    period: Period | str,
    municipality: str | None = None,
    *,
    goals: Goals | None = None,
    prices: PriceList | None = None,
    sroi_settings: SroiSettings | None = None,
    truth_dir: Path | str | None = None,
    data: ReportData | None = None,
) -> Report:
    """Build the outcome report.

    Parameters
    ----------
    store : Store
    period : Period or str
        ``2026``, ``2026-Q1``, ``2026-03`` or ``2025-06:2026-05``.
    municipality : str, optional
        One municipality; by default all of them (KPIs per municipality, the
        other sections pooled).
    goals : Goals, optional
        Werktop goals per municipality (default 70 contacts, 40 jobs, 20 WEPs).
    prices : PriceList, optional
        Unit values for the social value (default :class:`~matching.sroi.prices.PriceList`).
    sroi_settings : SroiSettings, optional
        Attribution, duration, discounting and cost lines.
    truth_dir : path, optional
        A simulated municipality's folder (or its ``truth`` folder): the true
        effect is put next to the estimate.
    data : ReportData, optional
        Already loaded data (tests and benchmarks); read from ``store`` if None.

    Returns
    -------
    Report

    Examples
    --------
    >>> report = build_report(store, "2026", municipality="GM0855")  # doctest: +SKIP
    >>> report.to_dict()["net_effect"]["effect"]  # doctest: +SKIP
    """
    started = time.perf_counter()
    period = parse_period(period) if isinstance(period, str) else period
    goals = Goals() if goals is None else goals
    if data is None:
        data = load_report_data(store, municipality)
    loaded = time.perf_counter()

    frame = candidate_frame(data, period)
    net = _net_effect(data, frame, period)
    if truth_dir is not None:
        net.truth = _truth_block(read_truth(truth_dir), net)

    invited = frame[frame["invited"]]
    placements = _programme_placements(data, invited)
    events_in_period = (
        int(data.events["date"].map(period.contains).sum()) if not data.events.empty else 0
    )
    value = social_value(
        placements,
        n_invited=len(invited),
        n_events=events_in_period,
        net=net,
        prices=prices,
        settings=sroi_settings,
        as_of=_data_through(data),
    )
    notes = _notes(frame, net)
    event_dates = data.events.set_index("id")["date"] if not data.events.empty else pd.Series(dtype=object)
    trend = fairness_trend(data.candidates, data.invitations, event_dates, period)
    notes += [
        f"Let op: {t.label} werden de laatste {ALERT_MONTHS} maanden {t.recent_ratio:.2f} keer zo "
        f"vaak uitgenodigd als de anderen, buiten de grenzen {t.bounds[0]}-{t.bounds[1]}."
        for t in trend if t.alert
    ]
    needs = pd.DataFrame(
        [{"id": n.id, "employer_id": n.employer_id} for n in store.list(WorkNeed, municipality=municipality)],
        columns=["id", "employer_id"],
    )
    watched = oversight(store, period, municipality=municipality, candidates=data.candidates,
                        meetings=data.meetings, events=data.events, work_needs=needs)
    report = Report(
        period=period,
        municipality=municipality,
        generated_at=dt.datetime.now().isoformat(timespec="seconds"),
        counts={
            "candidates": len(frame),
            "invited": len(invited),
            "comparison": int((frame["group"] == "comparison").sum()),
            "employers": len(data.employers),
            "events": events_in_period,
            "outcomes": len(data.outcomes),
            "checkins": len(data.checkins),
        },
        kpis=werktop_kpis(data, period, goals),
        funnel=funnel(frame),
        net_effect=net,
        net_by_objective=net_by_objective(data, frame, period),
        lottery=lottery_effect(data, period),
        social_value=value,
        fairness=fairness_tables(frame),
        fairness_trend=trend,
        oversight=watched,
        notes=notes,
    )
    report.seconds = time.perf_counter() - started
    logger.info("report %s built in %.2fs (load %.2fs)", period.label, report.seconds,
                loaded - started)
    return report


def _data_through(data: ReportData) -> dt.date | None:
    """The latest date in the outcomes and check-ins: how far the data runs."""
    days = []
    if not data.outcomes.empty:
        days.append(max(d for d in data.outcomes["recorded_on"] if isinstance(d, dt.date)))
    if not data.checkins.empty:
        days.append(max(d for d in data.checkins["date"] if isinstance(d, dt.date)))
    return max(days) if days else None


def _net_effect(
    data: ReportData, frame: pd.DataFrame, period: Period, chosen: pd.Series | None = None
) -> NetEffect:
    """Candidates from their first invitation against the comparison group at risk then
    (only the ``chosen`` candidates, if given)."""
    treated = frame[(frame["group"] == "treated") & (True if chosen is None else chosen)]
    comparison = frame[frame["group"] == "comparison"]
    outcomes = data.outcomes
    goods = outcomes[
        outcomes["kind"].isin(["job", "wep"]) & outcomes["candidate_id"].isin(comparison.index)
    ] if not outcomes.empty else outcomes
    rows = risk_set_rows(comparison, goods, list(treated["start"]), period.end)
    treated_rows = treated.assign(unit=treated.index)[["unit", "start", *CELL_COLUMNS, "category"]]
    combined = pd.concat(
        [treated_rows.assign(group="treated"), rows.assign(group="comparison")],
        ignore_index=True,
    )
    return estimate_net_effect(combined, comparison_whole_period=comparison["category"])


def _quarter(day: dt.date) -> str:
    return f"{day.year} K{(day.month - 1) // 3 + 1}"


def net_by_objective(data: ReportData, frame: pd.DataFrame, period: Period) -> list[dict[str, Any]]:
    """The realised net effect of the candidates each objective invited, overall and per quarter
    of their first invitation: the same comparison as the whole section, candidates limited to
    those a plan of that objective invited first (candidates invited by hand are left out)."""
    rows: list[dict[str, Any]] = []
    objectives = [o for o in InvitedBy if (frame["invited_by"] == o.value).any()]
    for objective in objectives:
        mine = frame["invited_by"] == objective.value
        quarters = sorted({_quarter(d) for d in frame.loc[mine, "start"]})
        for quarter in [None, *quarters] if len(quarters) > 1 else [None]:
            chosen = mine if quarter is None else mine & frame["start"].map(
                lambda d, q=quarter: isinstance(d, dt.date) and _quarter(d) == q)
            net = _net_effect(data, frame, period, chosen)
            rows.append({
                "objective": objective.value, "label": dutch_label(objective),
                "quarter": quarter, "invited": int(chosen.sum()), "matched": net.matched_treated,
                "good_share": None if net.effect is None else net.good_share_treated,
                "effect": net.effect, "ci_low": net.ci_low, "ci_high": net.ci_high,
                "note": net.note, "note_nl": net.note_nl,
            })
    return rows


def lottery_effect(data: ReportData, period: Period) -> NetEffect | None:
    """The invitation's effect from the exploration seats' lotteries of the period's events.

    In each lottery the seats were drawn at random from the same candidates, so those drawn
    against those not drawn estimate what an invitation does for candidates the ranking did
    not choose, without a model: the share with a WEP or job starting from the event day to
    the period's end, compared within each event (the comparison weighted to the drawn per
    event, people clustered as in the whole section). None without lotteries in the period.
    """
    draws = data.draws
    if draws.empty or data.events.empty:
        return None
    dates = data.events.set_index("id")["date"]
    draws = draws.assign(day=draws["event_id"].map(dates))
    draws = draws[draws["day"].map(lambda d: isinstance(d, dt.date) and period.contains(d))]
    if not draws["drawn"].astype(bool).any():
        return None
    goods: dict[str, list[tuple[dt.date, str]]] = {}
    outcomes = data.outcomes
    if not outcomes.empty:
        for row in outcomes[outcomes["kind"].isin(["job", "wep"])].itertuples():
            start = row.start_date if isinstance(row.start_date, dt.date) else row.recorded_on
            goods.setdefault(row.candidate_id, []).append((start, row.kind))

    def category(candidate: str, day: dt.date) -> str:
        kinds = {kind for start, kind in goods.get(candidate, []) if day <= start <= period.end}
        return "job" if "job" in kinds else "wep" if "wep" in kinds else "neither"

    frame = pd.DataFrame({
        "group": np.where(draws["drawn"].astype(bool), "treated", "comparison"),
        "start": draws["event_id"].to_numpy(),  # compared within each event's lottery
        "unit": draws["candidate_id"].to_numpy(),
        "category": [category(c, d) for c, d in zip(draws["candidate_id"], draws["day"], strict=True)],
        **{column: "" for column in CELL_COLUMNS},
    })
    return estimate_net_effect(frame)


def _programme_placements(data: ReportData, invited: pd.DataFrame) -> pd.DataFrame:
    """Each invited candidate's best programme WEP or job in their follow-up window."""
    outcomes = data.outcomes
    if outcomes.empty or not invited["placed"].any():
        return outcomes.iloc[0:0].assign(benefit_type=pd.Series(dtype=object))
    chosen = outcomes[outcomes["id"].isin(set(invited["placed_outcome"].dropna()))]
    return chosen.assign(benefit_type=chosen["candidate_id"].map(invited["benefit_type"]))


def _notes(frame: pd.DataFrame, net: NetEffect) -> list[str]:
    notes = []
    if net.note:
        notes.append(f"Netto-effect niet te berekenen: {net.note_nl}.")
    if net.unmatched_treated:
        notes.append(
            f"{net.unmatched_treated} van de {net.n_treated} kandidaten hebben geen vergelijkbare "
            "kandidaat in de vergelijkingsgroep en tellen niet mee in het netto-effect."
        )
    if net.chi2_warning:
        notes.append(f"Chi-kwadraattoets: {net.chi2_warning}.")
    neither = int(frame["group"].isna().sum())
    if neither:
        notes.append(
            f"{neither} kandidaten zijn alleen buiten deze periode uitgenodigd; zij tellen in "
            "geen van beide groepen mee."
        )
    return notes
