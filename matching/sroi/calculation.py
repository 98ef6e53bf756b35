"""Social value of a programme: SROI / MKBA (maatschappelijke kosten-batenanalyse).

How the calculation works
-------------------------
Every euro is a *line* with a quantity (person-years or place-years), a unit
value from the :class:`~matching.sroi.prices.PriceList`, the year it falls
in, and the impact adjustments applied to it::

    impact = quantity * unit_value * (1 - deadweight) * attribution * drop_off_factor
    present value = impact / (1 + discount_rate) ** (year - 1)

Year 1 is the programme year and the base year for discounting, so costs and
effects in the programme year are not discounted. Drop-off only touches
years 2 and later (year 1 already uses the observed 6- and 12-month
retention, see :class:`~matching.sroi.inputs.JobGroup`). What the programme
achieved and cost comes in as :class:`~matching.sroi.inputs.SroiInputs`.

Who gains, and why the total is not the sum of "savings"
---------------------------------------------------------
A job moves money between parties: the municipality stops paying bijstand
(and pays a wage-cost subsidy), the candidate swaps a benefit for a net wage,
the employer pays the wage cost and gets the production, central government
receives taxes and premiums and stops paying WW. Each of these *transfers* is
booked twice, once as a gain and once as a loss, so the split per stakeholder
shows who gains while the transfers cancel in the total. What remains is the
value created for society as the MKBA guideline counts it: production,
wellbeing, and the administration cost of the benefit that is no longer
needed. Every outcome line — transfers included — gets the same deadweight
and attribution, so the cancellation also holds after adjustment.
Programme costs are not transfers; which lines count as costs, and why the
wage-cost subsidy is not one, is set out in :mod:`matching.sroi.inputs`.

Simplifications, all visible in the lines: every job pays the wage in the
price list (minimum wage by default), taxes scale with hours, the taxes
withheld on the benefit itself and the loss of allowances (toeslagen) are
ignored, WW is assumed to last as long as the effect, and displacement of
other job seekers is not modelled separately (fold it into ``deadweight``).
Employers' non-monetary gains reported in the Werktop evaluation (motivation
and absence equal or better in about three quarters of cases) are not valued.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from matching.sroi.inputs import STAKEHOLDERS, CostLine, SroiInputs
from matching.sroi.prices import PriceList

__all__ = [
    "CostItem",
    "ScenarioTable",
    "SroiResult",
    "ValueLine",
    "compute_sroi",
    "run_scenarios",
]


# -------------------------------------------------------------------- results


@dataclass(frozen=True)
class ValueLine:
    """One benefit line (negative for a loss) for one stakeholder in one year."""

    stakeholder: str
    name: str
    group: str
    year: int
    quantity: float
    unit: str
    unit_value: float
    basis: str
    deadweight: float
    attribution: float
    drop_off_factor: float
    impact: float
    discount_factor: float
    present_value: float


@dataclass(frozen=True)
class CostItem:
    """One programme cost as computed: ``quantity * unit_cost * cost_factor``, discounted."""

    name: str
    payer: str
    year: int
    quantity: float
    unit_cost: float
    cost_factor: float
    amount: float
    discount_factor: float
    present_value: float


@dataclass(frozen=True)
class SroiResult:
    """Outcome of :func:`compute_sroi`; all totals are present values in euros.

    ``ratio`` is ``total_benefits / total_costs`` (``None`` without costs).
    ``benefits_by_line`` sums present values per line name over groups and
    years; ``benefits_by_year`` is undiscounted impact and
    ``present_value_by_year`` its discounted value. ``net_by_stakeholder``
    is each stakeholder's benefits minus the programme costs it paid.
    """

    lines: tuple[ValueLine, ...]
    costs: tuple[CostItem, ...]
    total_benefits: float
    total_costs: float
    net_present_value: float
    ratio: float | None
    benefits_by_line: dict[str, float]
    benefits_by_year: dict[int, float]
    present_value_by_year: dict[int, float]
    by_stakeholder: dict[str, float]
    costs_by_payer: dict[str, float]
    net_by_stakeholder: dict[str, float]
    discount_rate: float

    def summary(self) -> dict[str, float | None]:
        """Flat headline figures, one table row."""
        row: dict[str, float | None] = {
            "total_benefits": self.total_benefits,
            "total_costs": self.total_costs,
            "net_present_value": self.net_present_value,
            "ratio": self.ratio,
        }
        row.update({f"benefits_{k}": v for k, v in self.by_stakeholder.items()})
        return row


def _discount(rate: float, year: int) -> float:
    return 1.0 / (1.0 + rate) ** (year - 1)


def compute_sroi(inputs: SroiInputs, prices: PriceList | None = None) -> SroiResult:
    """Compute benefits, costs, ratio and the split per stakeholder.

    Parameters
    ----------
    inputs : SroiInputs
    prices : PriceList, optional
        Defaults to ``PriceList()``.

    Returns
    -------
    SroiResult
        Every line with its quantity, unit value, adjustments and present value.

    Examples
    --------
    One full-time job from bijstand for one year, no discounting:

    >>> from matching.sroi.inputs import JobGroup
    >>> res = compute_sroi(SroiInputs(jobs=(JobGroup(1),), discount_rate=0.0,
    ...     costs=(CostLine("relatiemanager", 100, 80.0),)))
    >>> round(res.total_benefits), round(res.total_costs), round(res.ratio, 2)
    (35434, 8000, 4.43)
    """
    prices = PriceList() if prices is None else prices
    if not isinstance(inputs, SroiInputs):
        raise ValueError(f"inputs must be SroiInputs, got {type(inputs).__name__}")
    if not isinstance(prices, PriceList):
        raise ValueError(f"prices must be a PriceList, got {type(prices).__name__}")
    p = prices
    rate = float(inputs.discount_rate)
    wage_cost = p.wage_cost_per_fte_year
    net_wage = p.net_wage_per_fte_year
    lines: list[ValueLine] = []

    def add(
        stakeholder: str,
        name: str,
        group: str,
        year: int,
        quantity: float,
        unit: str,
        unit_value: float,
        basis: str,
        deadweight: float,
    ) -> None:
        """Append one adjusted, discounted line; empty lines would only clutter reports."""
        if quantity == 0 or unit_value == 0:
            return
        drop = (1 - inputs.drop_off) ** (year - 1)
        impact = quantity * unit_value * (1 - deadweight) * inputs.attribution * drop
        factor = _discount(rate, year)
        lines.append(ValueLine(
            stakeholder, name, group, year, quantity, unit, unit_value, basis, deadweight,
            inputs.attribution, drop, impact, factor, impact * factor,
        ))

    for job in inputs.jobs:
        f, g = float(job.fte), job.label
        benefit = {"bijstand": p.bijstand_net_per_year.value, "ww": p.ww_net_per_year.value}
        benefit_net = benefit.get(job.prior_benefit, 0.0)
        # The benefit is reduced by the net wage, never below zero. The payer saves
        # the same share of its full cost (benefit and administration alike).
        reduction = min(benefit_net, f * net_wage)
        ended = reduction / benefit_net if benefit_net else 0.0
        sub_share = job.subsidised / job.count if job.count else 0.0
        dw = inputs.deadweight
        for year in range(1, inputs.duration_years + 1):
            py = job.person_years(year)
            if job.prior_benefit == "bijstand":
                add("municipality", "bijstand_saving", g, year, py, "person-years",
                    ended * p.bijstand_per_year.value,
                    f"{ended:.1%} of bijstand ended x {p.bijstand_per_year.value:,.0f}", dw)
            if job.prior_benefit == "ww":
                add("central_government", "ww_saving", g, year, py, "person-years",
                    ended * p.ww_per_year.value,
                    f"{ended:.1%} of WW ended x {p.ww_per_year.value:,.0f}", dw)
            subsidy = f * p.wage_subsidy_per_fte_year.value
            basis = f"{f:g} fte x {p.wage_subsidy_per_fte_year.value:,.0f}"
            add("municipality", "wage_subsidy_paid", g, year, py * sub_share,
                "subsidised person-years", -subsidy, basis, dw)
            add("employer", "wage_subsidy_received", g, year, py * sub_share,
                "subsidised person-years", subsidy, basis, dw)
            add("employer", "productivity", g, year, py, "person-years",
                f * p.productivity_factor.value * wage_cost,
                f"{f:g} fte x {p.productivity_factor.value:g} x wage cost {wage_cost:,.0f}", dw)
            add("employer", "wage_cost", g, year, py, "person-years", -f * wage_cost,
                f"{f:g} fte x wage cost {wage_cost:,.0f}", dw)
            taxes = p.employer_charges_per_fte_year.value + p.employee_tax_per_fte_year.value
            add("central_government", "taxes_premiums", g, year, py, "person-years",
                f * taxes, f"{f:g} fte x taxes and premiums {taxes:,.0f}", dw)
            add("candidate", "net_income_gain", g, year, py, "person-years",
                f * net_wage - reduction,
                f"{f:g} fte x net wage {net_wage:,.0f} - benefit lost {reduction:,.0f}", dw)
            add("candidate", "wellbeing", g, year, py, "person-years",
                p.wellbeing_per_person_year.value, "wellbeing per person-year in work", dw)

    place_years = inputs.weps * inputs.wep_months / 12.0
    dw_wep = inputs.deadweight if inputs.deadweight_wep is None else inputs.deadweight_wep
    add("employer", "wep_productivity", "wep", 1, place_years, "place-years",
        inputs.wep_fte * p.wep_productivity_factor.value * wage_cost,
        f"{inputs.wep_fte:g} fte x {p.wep_productivity_factor.value:g} x wage cost "
        f"{wage_cost:,.0f}", dw_wep)
    add("candidate", "wep_wellbeing", "wep", 1, place_years, "place-years",
        p.wellbeing_per_person_year.value, "wellbeing per person-year in work", dw_wep)

    cost_lines = list(inputs.costs)
    coached = sum(job.coached for job in inputs.jobs)
    if coached:
        cost_lines.append(CostLine("job_coach", coached, p.job_coach_per_placement.value))
    if place_years:
        cost_lines.append(
            CostLine("wep_supervision", place_years, p.wep_supervision_per_year.value)
        )
    costs = []
    for c in cost_lines:
        amount = c.quantity * c.unit_cost * inputs.cost_factor
        factor = _discount(rate, c.year)
        costs.append(CostItem(c.name, c.payer, c.year, float(c.quantity), float(c.unit_cost),
                              float(inputs.cost_factor), amount, factor, amount * factor))

    return _summarise(tuple(lines), tuple(costs), rate)


def _summarise(
    lines: tuple[ValueLine, ...], costs: tuple[CostItem, ...], rate: float
) -> SroiResult:
    """Aggregate lines and costs into the totals of an :class:`SroiResult`."""
    by_line: dict[str, float] = {}
    by_year: dict[int, float] = {}
    pv_by_year: dict[int, float] = {}
    by_stakeholder = dict.fromkeys(STAKEHOLDERS, 0.0)
    for line in lines:
        by_line[line.name] = by_line.get(line.name, 0.0) + line.present_value
        by_year[line.year] = by_year.get(line.year, 0.0) + line.impact
        pv_by_year[line.year] = pv_by_year.get(line.year, 0.0) + line.present_value
        by_stakeholder[line.stakeholder] += line.present_value
    costs_by_payer = dict.fromkeys(STAKEHOLDERS, 0.0)
    for cost in costs:
        costs_by_payer[cost.payer] += cost.present_value
    total_benefits = math.fsum(line.present_value for line in lines)
    total_costs = math.fsum(cost.present_value for cost in costs)
    return SroiResult(
        lines=lines,
        costs=costs,
        total_benefits=total_benefits,
        total_costs=total_costs,
        net_present_value=total_benefits - total_costs,
        ratio=total_benefits / total_costs if total_costs > 0 else None,
        benefits_by_line=by_line,
        benefits_by_year=dict(sorted(by_year.items())),
        present_value_by_year=dict(sorted(pv_by_year.items())),
        by_stakeholder=by_stakeholder,
        costs_by_payer=costs_by_payer,
        net_by_stakeholder={k: by_stakeholder[k] - costs_by_payer[k] for k in STAKEHOLDERS},
        discount_rate=rate,
    )


# ------------------------------------------------------------------ scenarios


@dataclass(frozen=True)
class ScenarioTable:
    """Results of :func:`run_scenarios`, in the order given (base first)."""

    results: dict[str, SroiResult]
    overrides: dict[str, dict[str, Any]] = field(default_factory=dict)

    def __getitem__(self, name: str) -> SroiResult:
        return self.results[name]

    @property
    def names(self) -> tuple[str, ...]:
        """Scenario names in order."""
        return tuple(self.results)

    def rows(self) -> list[dict[str, Any]]:
        """One flat row per scenario: name, overrides and the headline figures."""
        return [
            {"scenario": name, "overrides": dict(self.overrides.get(name, {})), **res.summary()}
            for name, res in self.results.items()
        ]


def run_scenarios(
    inputs: SroiInputs,
    prices: PriceList | None,
    scenarios: Mapping[str, Mapping[str, Any]],
    *,
    base_name: str | None = "basis",
) -> ScenarioTable:
    """Recompute the SROI under named sets of overrides.

    Parameters
    ----------
    inputs : SroiInputs
    prices : PriceList or None
    scenarios : mapping of name to overrides
        Each override key is a field of :class:`SroiInputs` (``attribution``,
        ``deadweight``, ``cost_factor``, ``duration_years``, ...) or the name
        of a price (``wellbeing_per_person_year``, ...). Every scenario starts
        from the base inputs; overrides are not cumulative.
    base_name : str or None, default "basis"
        Name of the unchanged base case, put first; ``None`` leaves it out.

    Raises
    ------
    ValueError
        Naming the scenario and the unknown or invalid override. All scenarios
        are validated before any is computed.

    Examples
    --------
    >>> from matching.sroi.inputs import JobGroup
    >>> table = run_scenarios(SroiInputs(jobs=(JobGroup(10),),
    ...     costs=(CostLine("programma", 1, 100_000.0),)), None,
    ...     {"attributie 75%": {"attribution": 0.75}, "kosten -10%": {"cost_factor": 0.9}})
    >>> table.names
    ('basis', 'attributie 75%', 'kosten -10%')
    """
    prices = PriceList() if prices is None else prices
    input_fields = {f.name for f in dataclasses.fields(SroiInputs)}
    price_fields = set(PriceList.names())
    prepared: dict[str, tuple[SroiInputs, PriceList]] = {}
    overrides: dict[str, dict[str, Any]] = {}
    if base_name is not None:
        prepared[base_name] = (inputs, prices)
        overrides[base_name] = {}
    for name, changes in scenarios.items():
        if name in prepared:
            raise ValueError(f"scenario name '{name}' is used twice (or equals the base name)")
        if not isinstance(changes, Mapping):
            raise ValueError(f"scenario '{name}': overrides must be a mapping, got {changes!r}")
        unknown = sorted(set(changes) - input_fields - price_fields)
        if unknown:
            raise ValueError(f"scenario '{name}': unknown override '{unknown[0]}'")
        try:
            s_inputs = dataclasses.replace(
                inputs, **{k: v for k, v in changes.items() if k in input_fields}
            )
            s_prices = prices.with_values(**{k: v for k, v in changes.items() if k in price_fields})
        except (ValueError, TypeError) as exc:
            raise ValueError(f"scenario '{name}': {exc}") from None
        prepared[name] = (s_inputs, s_prices)
        overrides[name] = dict(changes)
    results = {name: compute_sroi(i, p) for name, (i, p) in prepared.items()}
    return ScenarioTable(results=results, overrides=overrides)
