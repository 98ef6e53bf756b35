"""Social value (SROI / MKBA) of the period, from recorded placements.

The calculation itself lives in :mod:`matching.sroi.calculation`; this module turns what
was recorded into its inputs and makes every assumption explicit:

* **Jobs** are the programme's regular jobs of candidates invited in the
  period, grouped by prior benefit (bijstand, WW, other) and job size (hours
  / 36, rounded to a quarter). Retention at 6 and 12 months comes from the
  check-ins (:func:`matching.outcomes.aftercare.sustained`). Jobs whose check-in is
  not in yet get the retention observed among jobs that started long enough
  ago for it to be due (stated in the notes); without any such job, they
  count as retained at 6 months, and as keeping their 6-month status at 12.
* **WEPs** are the programme's work-experience places, ``wep_months`` long.
* **Deadweight** is the comparison group's rate over the candidates' rate
  (:func:`matching.sroi.inputs.deadweight_from_comparison`), for jobs and for WEPs
  separately, from the weighted shares of the net-effect section.
* **Attribution, duration, drop-off and discount rate** are settings
  (:class:`~matching.sroi.settings.SroiSettings`), shown in the report.
* **Costs** per line: relationship managers' hours per invited candidate,
  a cost per event, and the outflow fee per job (1,500 euro in Werktop).
  All are editable; the defaults are assumptions unless a source is given.
* **Scenarios**: attribution 75 % and 100 %, and costs -10 %.

An edited price list is a JSON file: either ``{price name: value}`` or
``{price name: {"value", "unit", "source"}}`` with every price (see
``werkkans stats prices``), or the sectioned form ``{"prices": {...},
"settings": {...}}`` where ``settings`` overrides :class:`~matching.sroi.settings.SroiSettings`.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from matching.outcomes.aftercare import add_months
from matching.report.net_effect import NetEffect
from matching.sroi.calculation import compute_sroi, run_scenarios
from matching.sroi.inputs import (
    STAKEHOLDER_LABELS_NL,
    STAKEHOLDERS,
    CostLine,
    JobGroup,
    SroiInputs,
    deadweight_from_comparison,
)
from matching.sroi.prices import PriceList
from matching.sroi.settings import SroiSettings, job_size, prior_benefit

__all__ = ["SocialValue", "social_value"]

SCENARIOS: dict[str, dict[str, Any]] = {
    "attributie 75 %": {"attribution": 0.75},
    "attributie 100 %": {"attribution": 1.0},
    "kosten -10 %": {"cost_factor": 0.9},
}
LINE_LABELS_NL = {
    "bijstand_saving": "besparing bijstand",
    "ww_saving": "besparing WW",
    "wage_subsidy_paid": "loonkostensubsidie betaald",
    "wage_subsidy_received": "loonkostensubsidie ontvangen",
    "productivity": "productie",
    "wage_cost": "loonkosten",
    "taxes_premiums": "belastingen en premies",
    "net_income_gain": "netto inkomensvooruitgang",
    "wellbeing": "welzijn",
    "wep_productivity": "productie WEP",
    "wep_wellbeing": "welzijn WEP",
    "job_coach": "jobcoaching",
    "wep_supervision": "begeleiding WEP-plekken",
}


@dataclass
class SocialValue:
    """The social-value section: inputs, lines, costs, totals and scenarios."""

    settings: dict[str, Any]
    prices: dict[str, dict[str, Any]]
    inputs: dict[str, Any]
    benefits_by_line: list[dict[str, Any]]
    costs: list[dict[str, Any]]
    total_benefits: float
    total_costs: float
    net_present_value: float
    ratio: float | None
    by_stakeholder: list[dict[str, Any]]
    scenarios: list[dict[str, Any]]
    notes: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        return dataclasses.asdict(self)


def _retained(known_true: int, unknown: int, rate: float | None) -> int:
    if rate is None:
        return known_true + unknown
    return known_true + round(unknown * rate)


def _mature_rate(jobs: pd.DataFrame, months: int, as_of: dt.date | None) -> float | None:
    """Share still working at ``months`` among jobs old enough for that check-in to be due.

    Only jobs that started at least ``months`` ago count: among recent jobs the
    early stops are known long before the successes, which would bias the rate down.
    """
    column = jobs[f"sustained_{months}m"]
    if as_of is not None:
        mature = [isinstance(d, dt.date) and add_months(d, months) <= as_of
                  for d in jobs["start_date"]]
        column = column[mature]
    known = column.dropna()
    return float((known == True).mean()) if len(known) else None


def _job_groups(
    jobs: pd.DataFrame, notes: list[str], as_of: dt.date | None = None
) -> tuple[JobGroup, ...]:
    """Jobs grouped by prior benefit and size, retention from the check-ins."""
    if jobs.empty:
        return ()
    rate6 = _mature_rate(jobs, 6, as_of)
    rate12 = _mature_rate(jobs, 12, as_of)
    unknown6 = int(jobs["sustained_6m"].isna().sum())
    unknown12 = int(jobs["sustained_12m"].isna().sum())
    if unknown6:
        notes.append(
            f"{unknown6} banen zonder nazorgcontact op 6 maanden: "
            + (f"het behoud van banen die al 6 maanden liepen ({rate6:.0%}) is toegepast"
               if rate6 is not None else "geteld als nog aan het werk (optimistisch)")
        )
    if unknown12:
        notes.append(
            f"{unknown12} banen zonder nazorgcontact op 12 maanden: "
            + (f"het behoud van banen die al 12 maanden liepen ({rate12:.0%}) is toegepast"
               if rate12 is not None else "aangenomen dat wie na 6 maanden werkte, "
               "dat na 12 maanden nog doet")
        )
    frame = jobs.assign(
        prior=jobs["benefit_type"].map(prior_benefit), fte=jobs["hours"].map(job_size)
    )
    groups = []
    for (prior, fte), part in frame.groupby(["prior", "fte"], sort=True):
        count = len(part)
        s6 = min(count, _retained(int((part["sustained_6m"] == True).sum()),
                                  int(part["sustained_6m"].isna().sum()), rate6))
        if rate12 is None:
            s12 = s6 - int(((part["sustained_12m"] == False)
                            & (part["sustained_6m"] != False)).sum())
        else:
            s12 = _retained(int((part["sustained_12m"] == True).sum()),
                            int(part["sustained_12m"].isna().sum()), rate12)
        s12 = max(0, min(s6, s12))
        groups.append(
            JobGroup(
                count=count,
                fte=float(fte),
                prior_benefit=prior,
                sustained_6m=s6,
                sustained_12m=s12,
                subsidised=int(part["wage_subsidy"].fillna(False).astype(bool).sum()),
                label=f"{prior} {fte:g} fte",
            )
        )
    return tuple(groups)


def _deadweight(rate_treated: float, rate_comparison: float) -> float:
    return deadweight_from_comparison(rate_treated, rate_comparison) if rate_treated > 0 else 0.0


def social_value(
    placements: pd.DataFrame,
    *,
    n_invited: int,
    n_events: int,
    net: NetEffect,
    prices: PriceList | None = None,
    settings: SroiSettings | None = None,
    as_of: dt.date | None = None,
) -> SocialValue:
    """Social value of the programme placements of the period.

    Parameters
    ----------
    placements : DataFrame
        Programme WEPs and jobs of candidates invited in the period: columns
        ``kind``, ``hours``, ``wage_subsidy``, ``benefit_type``,
        ``sustained_6m``, ``sustained_12m``.
    n_invited, n_events : int
        Candidates invited and events held in the period (for the costs).
    net : NetEffect
        Supplies the deadweight (comparison group's rate over the candidates').
    prices : PriceList, optional
    settings : SroiSettings, optional
    as_of : date, optional
        Date the data runs to: jobs that started at least 6 (12) months before it
        give the retention applied to jobs whose check-in is not in yet.
    """
    prices = PriceList() if prices is None else prices
    settings = SroiSettings() if settings is None else settings
    notes: list[str] = []
    jobs = placements[placements["kind"] == "job"] if not placements.empty else placements
    weps = int((placements["kind"] == "wep").sum()) if not placements.empty else 0
    groups = _job_groups(jobs, notes, as_of)

    t, c = net.shares_treated, net.shares_comparison_weighted
    if net.effect is None:
        deadweight = deadweight_wep = 0.0
        notes.append("geen vergelijkingsgroep: deadweight op 0 gezet (overschat de waarde)")
    else:
        deadweight = _deadweight(t["job"], c["job"])
        deadweight_wep = _deadweight(t["wep"], c["wep"])

    costs = [
        CostLine("relatiemanagers", n_invited * settings.rm_hours_per_invited,
                 settings.rm_hourly_rate),
        CostLine("bijeenkomsten", n_events, settings.cost_per_event),
        CostLine("uitstroompremie", len(jobs), settings.outflow_fee_per_job),
        *settings.extra_costs,
    ]
    costs = [line for line in costs if line.quantity > 0 and line.unit_cost > 0]
    inputs = SroiInputs(
        jobs=groups,
        weps=weps,
        wep_months=settings.wep_months,
        duration_years=settings.duration_years,
        deadweight=deadweight,
        deadweight_wep=deadweight_wep,
        attribution=settings.attribution,
        drop_off=settings.drop_off,
        discount_rate=settings.discount_rate,
        costs=tuple(costs),
    )
    result = compute_sroi(inputs, prices)
    table = run_scenarios(inputs, prices, SCENARIOS)

    by_line: dict[tuple[str, str], float] = {}
    for line in result.lines:
        key = (line.stakeholder, line.name)
        by_line[key] = by_line.get(key, 0.0) + line.present_value
    return SocialValue(
        settings={k: v for k, v in dataclasses.asdict(settings).items() if k != "extra_costs"},
        prices=prices.to_dict(),
        inputs={
            "jobs": [dataclasses.asdict(g) for g in groups],
            "weps": weps,
            "wep_months": settings.wep_months,
            "deadweight_jobs": deadweight,
            "deadweight_weps": deadweight_wep,
            "attribution": settings.attribution,
            "duration_years": settings.duration_years,
            "drop_off": settings.drop_off,
            "discount_rate": settings.discount_rate,
        },
        benefits_by_line=[
            {
                "stakeholder": s,
                "stakeholder_nl": STAKEHOLDER_LABELS_NL[s],
                "line": name,
                "line_nl": LINE_LABELS_NL.get(name, name),
                "present_value": value,
            }
            for (s, name), value in sorted(
                by_line.items(), key=lambda kv: STAKEHOLDERS.index(kv[0][0])
            )
        ],
        costs=[
            {"line": cost.name, "line_nl": LINE_LABELS_NL.get(cost.name, cost.name),
             "payer": cost.payer, "payer_nl": STAKEHOLDER_LABELS_NL[cost.payer],
             "quantity": cost.quantity, "unit_cost": cost.unit_cost,
             "present_value": cost.present_value}
            for cost in result.costs
        ],
        total_benefits=result.total_benefits,
        total_costs=result.total_costs,
        net_present_value=result.net_present_value,
        ratio=result.ratio,
        by_stakeholder=[
            {
                "stakeholder": s,
                "stakeholder_nl": STAKEHOLDER_LABELS_NL[s],
                "benefits": result.by_stakeholder[s],
                "costs": result.costs_by_payer[s],
                "net": result.net_by_stakeholder[s],
            }
            for s in STAKEHOLDERS
        ],
        scenarios=[
            {k: v for k, v in row.items() if not k.startswith("benefits_")}
            for row in table.rows()
        ],
        notes=notes,
    )
