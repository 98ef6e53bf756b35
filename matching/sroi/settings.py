"""Settings of a social-value calculation and the edited price file that carries them.

The report's social-value section (:mod:`matching.report.social_value`) and the
planner's value objective (:mod:`matching.events.net_value`) read the same
settings and prices, so a municipality's edited price file means the same in both.
"""

from __future__ import annotations

import dataclasses
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from matching.sroi.inputs import CostLine, PriorBenefit
from matching.sroi.prices import PriceList

__all__ = ["FULL_TIME_HOURS", "SroiSettings", "job_size", "prior_benefit", "read_price_file"]

#: Weekly hours of a full-time job.
FULL_TIME_HOURS = 36.0


@dataclass(frozen=True)
class SroiSettings:
    """Impact assumptions and default cost lines of the social-value section.

    Parameters
    ----------
    attribution, duration_years, drop_off, discount_rate
        As in :class:`matching.sroi.inputs.SroiInputs` (discount rate 2.25 %: the
        standard Dutch MKBA rate since 2021).
    wep_months
        Length of a work-experience place.
    rm_hours_per_invited, rm_hourly_rate
        Relationship managers' time per invited candidate (intake, preparing
        the event, aftercare) and its cost per hour. Assumptions: 6 hours at
        75 euro.
    cost_per_event
        Cost of one prettig gesprek (room, coffee, materials). Assumption:
        500 euro; most are held at an employer's premises.
    outflow_fee_per_job
        Fee per regular job; 1,500 euro per outflow in Werktop (Tilburg
        University evaluation, 2014).
    extra_costs
        Further cost lines, e.g. ``CostLine("projectleiding", 0.2, 90_000)``.
    """

    attribution: float = 1.0
    duration_years: int = 1
    drop_off: float = 0.0
    discount_rate: float = 0.0225
    wep_months: float = 6.0
    rm_hours_per_invited: float = 6.0
    rm_hourly_rate: float = 75.0
    cost_per_event: float = 500.0
    outflow_fee_per_job: float = 1500.0
    extra_costs: tuple[CostLine, ...] = ()

    def __post_init__(self) -> None:
        for name in ("rm_hours_per_invited", "rm_hourly_rate", "cost_per_event",
                     "outflow_fee_per_job"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise ValueError(f"setting {name} must be a number >= 0, got {value!r}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SroiSettings:
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValueError(f"unknown setting '{unknown[0]}'; known: {', '.join(sorted(known))}")
        values = dict(data)
        if "extra_costs" in values:
            values["extra_costs"] = tuple(
                c if isinstance(c, CostLine) else CostLine(**c) for c in values["extra_costs"]
            )
        return cls(**values)


def read_price_file(text: str) -> tuple[PriceList, SroiSettings | None]:
    """Parse an edited price list (JSON, see the module docstring).

    Raises
    ------
    ValueError
        Naming the price or setting that is missing, unknown, not a number or
        negative.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ValueError(f"price list is not valid JSON: {exc}") from None
    if not isinstance(data, dict):
        raise ValueError("price list must be a JSON object of price name to value")
    if "prices" in data:
        unknown = sorted(set(data) - {"prices", "settings"})
        if unknown:
            raise ValueError(f"unknown section '{unknown[0]}'; use 'prices' and 'settings'")
        prices = PriceList.from_mapping(data["prices"])
        settings_data = data.get("settings")
        settings = SroiSettings.from_mapping(settings_data) if settings_data else None
        return prices, settings
    return PriceList.from_mapping(data), None




def prior_benefit(benefit_type: str) -> PriorBenefit:
    """The benefit an outcome ends, as the SROI knows it: bijstand, WW or none."""
    return "bijstand" if benefit_type == "bijstand" else "ww" if benefit_type == "ww" else "none"


def job_size(hours: float | None) -> float:
    """A job's size in FTE from its weekly hours, to a quarter (0.25-1); unknown: full time.

    >>> job_size(20), job_size(None)
    (0.5, 1.0)
    """
    if hours is None or math.isnan(hours):
        return 1.0
    return min(1.0, max(0.25, round(float(hours) / FULL_TIME_HOURS * 4) / 4))
