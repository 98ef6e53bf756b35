"""Inputs of the SROI / MKBA (:mod:`matching.sroi.calculation`): what a programme achieved and cost.

:class:`SroiInputs` holds the placed jobs (:class:`JobGroup`, with the
retention observed at 6 and 12 months), the work-experience places, the
programme's cost lines (:class:`CostLine`) and the impact assumptions
(deadweight, attribution, drop-off, duration, discount rate). Everything is
validated on construction, so a bad figure stops with the field's name before
any euro is computed. :data:`STAKEHOLDERS` are the four parties the result is
split over.

Programme costs (staff hours, events, job coaching, WEP supervision, other
lines) are resources used up; they are not transfers and are reported per
payer. The wage-cost subsidy is a transfer and is therefore *not* a cost
line: it appears as ``wage_subsidy_paid`` (municipality) and
``wage_subsidy_received`` (employer).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, Literal

__all__ = [
    "STAKEHOLDERS",
    "STAKEHOLDER_LABELS_NL",
    "CostLine",
    "JobGroup",
    "SroiInputs",
    "deadweight_from_comparison",
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
