"""Social value of a programme: SROI / MKBA (maatschappelijke kosten-batenanalyse).

How the calculation works
-------------------------
Every euro is a *line* with a quantity (person-years or place-years), a unit
value from the :class:`PriceList`, the year it falls in, and the impact
adjustments applied to it::

    impact = quantity * unit_value * (1 - deadweight) * attribution * drop_off_factor
    present value = impact / (1 + discount_rate) ** (year - 1)

Year 1 is the programme year and the base year for discounting, so costs and
effects in the programme year are not discounted. Drop-off only touches
years 2 and later (year 1 already uses the observed 6- and 12-month
retention, see :class:`JobGroup`).

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

Programme costs (staff hours, events, job coaching, WEP supervision, other
lines) are resources used up; they are not transfers and are reported per
payer. The wage-cost subsidy is a transfer and is therefore *not* a cost
line: it appears as ``wage_subsidy_paid`` (municipality) and
``wage_subsidy_received`` (employer).

Simplifications, all visible in the lines: every job pays the wage in the
price list (minimum wage by default), taxes scale with hours, the taxes
withheld on the benefit itself and the loss of allowances (toeslagen) are
ignored, WW is assumed to last as long as the effect, and displacement of
other job seekers is not modelled separately (fold it into ``deadweight``).
Employers' non-monetary gains reported in the Werktop evaluation (motivation
and absence equal or better in about three quarters of cases) are not valued.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from numbers import Integral, Real
from typing import Any, Literal

__all__ = [
    "STAKEHOLDERS",
    "STAKEHOLDER_LABELS_NL",
    "CostItem",
    "CostLine",
    "JobGroup",
    "Price",
    "PriceList",
    "ScenarioTable",
    "SroiInputs",
    "SroiResult",
    "ValueLine",
    "compute_sroi",
    "deadweight_from_comparison",
    "run_scenarios",
]

Stakeholder = Literal["municipality", "central_government", "employer", "candidate"]
PriorBenefit = Literal["bijstand", "ww", "none"]

STAKEHOLDERS: tuple[str, ...] = ("municipality", "central_government", "employer", "candidate")
#: Labels for reports in Dutch.
STAKEHOLDER_LABELS_NL: dict[str, str] = {
    "municipality": "gemeente",
    "central_government": "Rijk",
    "employer": "werkgever",
    "candidate": "kandidaat",
}

# Retention observed at 6 and 12 months is turned into person-years in year 1
# by assuming that people who leave do so halfway through the interval.
_YEARS_IF_LEFT_BEFORE_6M = 0.25
_YEARS_IF_LEFT_BETWEEN_6_AND_12M = 0.75


def _real(name: str, value: Any, rule: str, ok: Callable[[float], bool]) -> float:
    """Return ``value`` as float if it is a finite real number passing ``ok``."""
    valid = isinstance(value, Real) and not isinstance(value, bool) and math.isfinite(value)
    if not (valid and ok(value)):
        raise ValueError(f"{name} must be {rule}, got {value!r}")
    return float(value)


def _fraction(name: str, value: Any) -> float:
    return _real(name, value, "a number between 0 and 1", lambda v: 0 <= v <= 1)


def _count(name: str, value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(f"{name} must be a whole number >= 0, got {value!r}")
    return int(value)


# --------------------------------------------------------------------- prices


@dataclass(frozen=True)
class Price:
    """One unit value with its unit and where it comes from."""

    value: float
    unit: str
    source: str


_EUR_PY = "euro per person-year"
_EUR_FTE = "euro per FTE-year"


@dataclass(frozen=True)
class PriceList:
    """Unit values used to turn outcomes into euros.

    Every default is an editable starting point, not a fact: replace them with
    the municipality's own figures (:meth:`from_mapping`, :meth:`from_json`,
    :meth:`from_csv_text`, :meth:`with_values`). Each field is a
    :class:`Price` whose ``source`` says where the default comes from.
    Values must be finite and >= 0; the name of a bad price is in the error.

    Examples
    --------
    >>> prices = PriceList()
    >>> prices.bijstand_per_year.value
    24174.0
    >>> PriceList.from_mapping({"wellbeing_per_person_year": 3000}, complete=False)\\
    ...     .wellbeing_per_person_year.value
    3000.0
    """

    bijstand_per_year: Price = Price(
        24174.0, _EUR_PY,
        "Cost to the municipality of one person on bijstand for a year, benefit plus "
        "administration (uitvoeringskosten; a 2018 Berenschot study of 30 municipalities "
        "put these at about 2,900 a year). werkkans default; use the municipality's own.",
    )
    bijstand_net_per_year: Price = Price(
        16000.0, _EUR_PY,
        "Net bijstand the person receives: roughly a single adult's norm including "
        "holiday allowance (couples receive more). Assumption; editable.",
    )
    ww_per_year: Price = Price(
        25692.0, _EUR_PY,
        "Cost to central government (UWV) of one person on WW for a year including "
        "administration. werkkans default; editable.",
    )
    ww_net_per_year: Price = Price(
        19000.0, _EUR_PY,
        "Net WW the person receives. WW is 75 % then 70 % of the previous wage, so this "
        "varies; assumption for a typical recipient. Editable.",
    )
    minimum_wage_per_year: Price = Price(
        22500.0, _EUR_FTE,
        "Gross statutory minimum wage, full-time, used as the wage of every placed job "
        "(Werktop jobs are mostly at or near it). werkkans default; raise it for "
        "better-paid work.",
    )
    employer_charges_per_fte_year: Price = Price(
        4000.0, _EUR_FTE,
        "Employer's social charges on a full-time minimum wage, about 18 % of gross "
        "(Zvw employer levy, WW, WIA/Aof and Whk premiums); paid to central government. "
        "Estimate; editable.",
    )
    employee_tax_per_fte_year: Price = Price(
        600.0, _EUR_FTE,
        "Wage tax and national-insurance premiums a full-time minimum-wage earner still "
        "pays after the general and labour tax credits: a few hundred euro. Estimate; "
        "editable.",
    )
    wellbeing_per_person_year: Price = Price(
        5000.0, _EUR_PY,
        "Health and wellbeing gain of a person-year in work instead of on benefit. "
        "Conservative round figure, well below wellbeing-valuation estimates of moving "
        "from unemployment into work; replace with a local or literature value.",
    )
    productivity_factor: Price = Price(
        0.84, "fraction of the employer's wage cost",
        "Value of a placed candidate's production relative to their wage cost. Werktop "
        "evaluation (Tilburg University, 2014): employers rated productivity below "
        "average in 62.9 % of cases; valuing those at 75 % and the rest at 100 % gives "
        "0.629 * 0.75 + 0.371 * 1.0 = 0.84. Assumption; editable.",
    )
    wep_productivity_factor: Price = Price(
        0.5, "fraction of the employer's wage cost",
        "Value of the work done on a work-experience place (WEP), which is a learning "
        "place, relative to the wage cost of a regular worker. Assumption; editable.",
    )
    wage_subsidy_per_fte_year: Price = Price(
        8300.0, _EUR_FTE,
        "Loonkostensubsidie (Participatiewet): minimum wage minus the assessed wage value "
        "plus a flat 23 % for employer costs; with a wage value of 70 %: "
        "0.30 * 22,500 * 1.23 = about 8,300. Assumption; editable.",
    )
    job_coach_per_placement: Price = Price(
        4500.0, "euro per coached placement",
        "Job coaching in the first year of a placement: about 1 to 1.5 hours a week at "
        "roughly 75 euro an hour. Estimate; editable.",
    )
    wep_supervision_per_year: Price = Price(
        2400.0, "euro per WEP place-year",
        "Supervision fee for a work-experience place, about 200 euro a month. "
        "Estimate; editable.",
    )

    def __post_init__(self) -> None:
        for f in dataclasses.fields(self):
            price = getattr(self, f.name)
            if not isinstance(price, Price):
                raise ValueError(f"price '{f.name}' must be a Price, got {price!r}")
            value = price.value
            if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
                raise ValueError(f"price '{f.name}' must be a finite number, got {value!r}")
            if value < 0:
                raise ValueError(f"price '{f.name}' must be >= 0, got {value!r}")
            if not isinstance(value, float):  # e.g. an int typed by hand
                object.__setattr__(self, f.name, dataclasses.replace(price, value=float(value)))

    # Derived per-FTE amounts used by several lines.
    @property
    def wage_cost_per_fte_year(self) -> float:
        """Employer's wage cost: gross wage plus employer charges."""
        return self.minimum_wage_per_year.value + self.employer_charges_per_fte_year.value

    @property
    def net_wage_per_fte_year(self) -> float:
        """What the employee takes home from a full-time job."""
        return self.minimum_wage_per_year.value - self.employee_tax_per_fte_year.value

    @classmethod
    def names(cls) -> tuple[str, ...]:
        """The names of all prices, in declaration order."""
        return tuple(f.name for f in dataclasses.fields(cls))

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, complete: bool = True) -> PriceList:
        """Build a price list from ``{name: value}`` or ``{name: {"value", "source", "unit"}}``.

        Parameters
        ----------
        data : mapping
            Price name to a number, or to a mapping with ``value`` and
            optionally ``source`` and ``unit``.
        complete : bool, default True
            Require every price to be present. With ``False``, missing prices
            keep their defaults.

        Raises
        ------
        ValueError
            Naming the price that is unknown, missing, not a number or negative.
        """
        if not isinstance(data, Mapping):
            raise ValueError(
                f"price list must be a mapping of name to value, got {type(data).__name__}"
            )
        defaults = cls()
        known = cls.names()
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise ValueError(f"unknown price '{unknown[0]}'; known prices: {', '.join(known)}")
        if complete:
            missing = [name for name in known if name not in data]
            if missing:
                raise ValueError(f"price list is missing price '{missing[0]}'")
        prices: dict[str, Price] = {}
        for name, entry in data.items():
            default = getattr(defaults, name)
            source, unit = "supplied price list", default.unit
            if isinstance(entry, Mapping):
                if "value" not in entry:
                    raise ValueError(f"price '{name}' has no 'value'")
                source = str(entry.get("source") or source)
                unit = str(entry.get("unit") or unit)
                entry = entry["value"]
            prices[name] = Price(_parse_price_value(name, entry), unit, source)
        return dataclasses.replace(defaults, **prices)

    @classmethod
    def from_json(cls, text: str, *, complete: bool = True) -> PriceList:
        """Build a price list from JSON text holding a mapping (see :meth:`from_mapping`)."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ValueError(f"price list is not valid JSON: {exc}") from None
        return cls.from_mapping(data, complete=complete)

    @classmethod
    def from_csv_text(cls, text: str, *, complete: bool = True) -> PriceList:
        """Build a price list from CSV text with columns ``name,value[,unit][,source]``.

        Comma-, semicolon- and tab-separated text are accepted. With ``;`` or
        tabs, Dutch number notation is understood as well: ``0,84`` is 0.84 and
        ``24.174`` or ``24.174,00`` is 24174 (as spreadsheets in Dutch write them).
        """
        try:
            dialect = csv.Sniffer().sniff(text.splitlines()[0] if text.strip() else ",", ",;\t")
            delimiter = dialect.delimiter
        except csv.Error:
            delimiter = ","
        reader = csv.DictReader(io.StringIO(text), delimiter=delimiter)
        header = [h.strip().lower() for h in reader.fieldnames or []]
        if "name" not in header or "value" not in header:
            raise ValueError(f"price CSV needs the columns 'name' and 'value', got {header}")
        data: dict[str, Any] = {}
        for line_no, row in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            name = row.get("name", "")
            if not name:
                raise ValueError(f"price CSV line {line_no}: empty name")
            if name in data:
                raise ValueError(f"price CSV line {line_no}: price '{name}' appears twice")
            value = row.get("value", "")
            if delimiter != ",":
                value = _dutch_number(value)
            data[name] = {"value": value, "source": row.get("source"), "unit": row.get("unit")}
        return cls.from_mapping(data, complete=complete)

    def with_values(self, **values: float) -> PriceList:
        """Return a copy with some values replaced (sources kept, marked as overridden)."""
        known = self.names()
        changed = {}
        for name, value in values.items():
            if name not in known:
                raise ValueError(f"unknown price '{name}'; known prices: {', '.join(known)}")
            old = getattr(self, name)
            changed[name] = Price(
                _parse_price_value(name, value), old.unit, f"{old.source} [overridden: {value}]"
            )
        return dataclasses.replace(self, **changed)

    def to_dict(self) -> dict[str, dict[str, Any]]:
        """``{name: {"value", "unit", "source"}}``; round-trips through :meth:`from_mapping`."""
        return {name: dataclasses.asdict(getattr(self, name)) for name in self.names()}


def _dutch_number(text: str) -> str:
    """Rewrite ``24.174,5`` / ``0,84`` as ``24174.5`` / ``0.84``; leave other text alone."""
    if re.fullmatch(r"\d{1,3}(\.\d{3})+(,\d+)?", text):
        return text.replace(".", "").replace(",", ".")
    if re.fullmatch(r"\d+,\d+", text):
        return text.replace(",", ".")
    return text


def _parse_price_value(name: str, value: Any) -> float:
    if isinstance(value, str):
        text = value.strip()
        if not text:
            raise ValueError(f"price '{name}' is missing a value")
        try:
            value = float(text)
        except ValueError:
            raise ValueError(f"price '{name}' must be a number, got {text!r}") from None
    if value is None:
        raise ValueError(f"price '{name}' is missing a value")
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise ValueError(f"price '{name}' must be a finite number, got {value!r}")
    if value < 0:
        raise ValueError(f"price '{name}' must be >= 0, got {value!r}")
    return float(value)


# --------------------------------------------------------------------- inputs


@dataclass(frozen=True)
class JobGroup:
    """Regular jobs of one kind: same hours, same prior benefit.

    Parameters
    ----------
    count : int
        People placed in such a job during the programme.
    fte : float, default 1.0
        Job size as a fraction of full time (18 of 36 hours = 0.5), in (0, 1].
    prior_benefit : {"bijstand", "ww", "none"}, default "bijstand"
        Benefit the person had before; it is reduced by the net wage (up to
        the whole benefit), which gives the saving and the candidate's loss.
    sustained_6m, sustained_12m : int or None
        Of ``count``, how many still worked at 6 and at 12 months. ``None``
        means "all of them" (the optimistic default; give observed numbers
        when you have them). Leavers count for 0.25 (before 6 months) or 0.75
        (between 6 and 12) of a year; only those sustained at 12 months carry
        on into year 2 and later, subject to ``drop_off``.
    subsidised : int, default 0
        Of ``count``, how many come with a wage-cost subsidy.
    coached : int, default 0
        Of ``count``, how many get a job coach (a programme cost).
    label : str, optional
        Name used in the lines; defaults to e.g. ``"bijstand 1 fte"``.
    """

    count: int
    fte: float = 1.0
    prior_benefit: PriorBenefit = "bijstand"
    sustained_6m: int | None = None
    sustained_12m: int | None = None
    subsidised: int = 0
    coached: int = 0
    label: str = ""

    def __post_init__(self) -> None:
        count = _count("count", self.count)
        _real("fte", self.fte, "a number in (0, 1]", lambda v: 0 < v <= 1)
        if self.prior_benefit not in ("bijstand", "ww", "none"):
            raise ValueError(
                f"prior_benefit must be 'bijstand', 'ww' or 'none', got {self.prior_benefit!r}"
            )
        s6 = count if self.sustained_6m is None else _count("sustained_6m", self.sustained_6m)
        s12 = s6 if self.sustained_12m is None else _count("sustained_12m", self.sustained_12m)
        if s6 > count:
            raise ValueError(f"sustained_6m ({s6}) cannot exceed count ({count})")
        if s12 > s6:
            raise ValueError(f"sustained_12m ({s12}) cannot exceed sustained_6m ({s6})")
        for name in ("subsidised", "coached"):
            if _count(name, getattr(self, name)) > count:
                raise ValueError(f"{name} ({getattr(self, name)}) cannot exceed count ({count})")
        if not self.label:
            object.__setattr__(self, "label", f"{self.prior_benefit} {self.fte:g} fte")

    @property
    def retained_6m(self) -> int:
        """Sustained at 6 months, with ``None`` resolved."""
        return self.count if self.sustained_6m is None else self.sustained_6m

    @property
    def retained_12m(self) -> int:
        """Sustained at 12 months, with ``None`` resolved."""
        return self.retained_6m if self.sustained_12m is None else self.sustained_12m

    def person_years(self, year: int) -> float:
        """Person-years in work in ``year`` (1-based), before drop-off."""
        if year == 1:
            s6, s12 = self.retained_6m, self.retained_12m
            return (
                (self.count - s6) * _YEARS_IF_LEFT_BEFORE_6M
                + (s6 - s12) * _YEARS_IF_LEFT_BETWEEN_6_AND_12M
                + s12
            )
        return float(self.retained_12m)


@dataclass(frozen=True)
class CostLine:
    """One programme cost: ``quantity * unit_cost`` paid by ``payer`` in ``year``.

    Examples: relationship managers' hours x hourly rate, events x cost per
    event, an outflow fee x number of jobs. Wage-cost subsidies are transfers
    and are computed from :class:`JobGroup` instead (see the module docstring).
    """

    name: str
    quantity: float
    unit_cost: float
    payer: Stakeholder = "municipality"
    year: int = 1

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"cost line name must be a non-empty string, got {self.name!r}")
        for attr in ("quantity", "unit_cost"):
            _real(f"cost line '{self.name}': {attr}", getattr(self, attr), "a number >= 0",
                  lambda v: v >= 0)
        if self.payer not in STAKEHOLDERS:
            raise ValueError(
                f"cost line '{self.name}': payer must be one of {', '.join(STAKEHOLDERS)}, "
                f"got {self.payer!r}"
            )
        if isinstance(self.year, bool) or not isinstance(self.year, Integral) or self.year < 1:
            raise ValueError(
                f"cost line '{self.name}': year must be a whole number >= 1, got {self.year!r}"
            )


@dataclass(frozen=True)
class SroiInputs:
    """What the programme achieved and cost, plus the impact assumptions.

    Parameters
    ----------
    jobs : tuple of JobGroup
        Regular jobs, grouped by hours and prior benefit.
    weps : int
        Work-experience places (werkervaringsplaats, benefit kept).
    wep_fte, wep_months : float
        Size (fraction of full time) and length of a WEP; WEP effects fall in
        year 1 only (jobs that follow a WEP are counted in ``jobs``).
    duration_years : int
        Years over which job effects are counted (year 1 = programme year).
    deadweight : float
        Share of outcomes that would have happened anyway; e.g. the
        comparison group's rate over the candidates' rate, see
        :func:`deadweight_from_comparison`.
    deadweight_wep : float or None
        Deadweight for WEPs if it differs (``None``: same as ``deadweight``).
    attribution : float
        Share of the remaining outcome attributable to this programme rather
        than to other help.
    drop_off : float
        Yearly share of the effect lost from year 2 on.
    discount_rate : float
        Real discount rate. Default 2.25 %: the standard discount rate for
        Dutch MKBA since 2021 (Werkgroep discontovoet 2020), itself a
        risk-free real rate of -1 % plus a 3.25 % risk premium.
    costs : tuple of CostLine
        Programme costs per line.
    cost_factor : float
        Multiplies every programme cost (for "costs -10 %" scenarios).
    """

    jobs: tuple[JobGroup, ...] = ()
    weps: int = 0
    wep_fte: float = 0.5
    wep_months: float = 6.0
    duration_years: int = 1
    deadweight: float = 0.0
    deadweight_wep: float | None = None
    attribution: float = 1.0
    drop_off: float = 0.0
    discount_rate: float = 0.0225
    costs: tuple[CostLine, ...] = ()
    cost_factor: float = 1.0

    def __post_init__(self) -> None:
        jobs, costs = tuple(self.jobs), tuple(self.costs)
        for i, job in enumerate(jobs):
            if not isinstance(job, JobGroup):
                raise ValueError(f"jobs[{i}] must be a JobGroup, got {type(job).__name__}")
        labels = [job.label for job in jobs]
        duplicates = sorted({lab for lab in labels if labels.count(lab) > 1})
        if duplicates:
            raise ValueError(
                f"jobs: label '{duplicates[0]}' is used twice; give each group its own label"
            )
        for i, cost in enumerate(costs):
            if not isinstance(cost, CostLine):
                raise ValueError(f"costs[{i}] must be a CostLine, got {type(cost).__name__}")
        object.__setattr__(self, "jobs", jobs)
        object.__setattr__(self, "costs", costs)
        _count("weps", self.weps)
        _real("wep_fte", self.wep_fte, "a number in (0, 1]", lambda v: 0 < v <= 1)
        _real("wep_months", self.wep_months, "a number in (0, 12]", lambda v: 0 < v <= 12)
        years = self.duration_years
        if isinstance(years, bool) or not isinstance(years, Integral) or not 1 <= years <= 50:
            raise ValueError(f"duration_years must be a whole number from 1 to 50, got {years!r}")
        for name in ("deadweight", "attribution", "drop_off"):
            _fraction(name, getattr(self, name))
        if self.deadweight_wep is not None:
            _fraction("deadweight_wep", self.deadweight_wep)
        _real("discount_rate", self.discount_rate, "a number between -0.5 and 1",
              lambda v: -0.5 < v < 1)
        _real("cost_factor", self.cost_factor, "a finite number >= 0", lambda v: v >= 0)


def deadweight_from_comparison(rate_programme: float, rate_comparison: float) -> float:
    """Deadweight as the comparison group's outcome rate over the programme's.

    The comparison group shows how often the outcome happens without the
    programme; capped at 1 (no effect at all).

    Examples
    --------
    Regular jobs in the Werktop evaluation, 15.8 % vs 3.6 %:

    >>> round(deadweight_from_comparison(0.158, 0.036), 3)
    0.228
    """
    _fraction("rate_programme", rate_programme)
    _fraction("rate_comparison", rate_comparison)
    if rate_programme == 0:
        raise ValueError("rate_programme must be > 0 to derive a deadweight")
    return min(1.0, rate_comparison / rate_programme)


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

    def add(stakeholder, name, group, year, quantity, unit, unit_value, basis, deadweight):
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
