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
from pathlib import Path
from typing import Any

from matching.sroi.inputs import CostLine, PriorBenefit
from matching.sroi.prices import PriceError, PriceList

__all__ = [
    "FULL_TIME_HOURS",
    "SroiSettings",
    "job_size",
    "load_price_file",
    "prior_benefit",
    "read_price_file",
]

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
                     "outflow_fee_per_job", "discount_rate", "wep_months"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value < 0:
                raise PriceError(f"setting {name} must be a number >= 0, got {value!r}",
                                 f"de instelling {name} moet een getal van 0 of meer zijn, "
                                 f"niet {value!r}")
        for name in ("attribution", "drop_off"):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 1:
                raise PriceError(f"setting {name} must be a number in [0, 1], got {value!r}",
                                 f"de instelling {name} moet een getal van 0 tot en met 1 zijn, "
                                 f"niet {value!r}")
        years = self.duration_years
        if isinstance(years, bool) or not isinstance(years, int) or not 1 <= years <= 50:
            raise PriceError(f"setting duration_years must be a whole number 1-50, got {years!r}",
                             "de instelling duration_years moet een heel getal van 1 tot en met "
                             f"50 zijn, niet {years!r}")

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> SroiSettings:
        if not isinstance(data, Mapping):
            raise PriceError("settings must be a mapping of name to value",
                             "de instellingen moeten per instelling een naam en een waarde geven")
        known = {f.name for f in dataclasses.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise PriceError(f"unknown setting '{unknown[0]}'; known: {', '.join(sorted(known))}",
                             f"onbekende instelling '{unknown[0]}'; bekend zijn: "
                             f"{', '.join(sorted(known))}")
        values = dict(data)
        if "extra_costs" in values:
            try:
                values["extra_costs"] = tuple(
                    c if isinstance(c, CostLine) else CostLine(**c) for c in values["extra_costs"]
                )
            except (TypeError, ValueError) as exc:
                raise PriceError(f"extra_costs: {exc}",
                                 "extra_costs: elke kostenregel heeft name, quantity en "
                                 "unit_cost (getallen van 0 of meer)") from None
        return cls(**values)


def read_price_file(text: str) -> tuple[PriceList, SroiSettings | None]:
    """Parse an edited price list (JSON, see the module docstring).

    Raises
    ------
    PriceError
        Naming the price or setting that is missing, unknown, not a number or
        out of range (``dutch`` says it for staff).
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise PriceError(f"price list is not valid JSON: {exc}",
                         f"de prijslijst is geen geldige JSON (regel {exc.lineno})") from None
    if not isinstance(data, dict):
        raise PriceError("price list must be a JSON object of price name to value",
                         "de prijslijst moet een JSON-object zijn: per prijs een naam en een waarde")
    if "prices" in data:
        unknown = sorted(set(data) - {"prices", "settings"})
        if unknown:
            raise PriceError(f"unknown section '{unknown[0]}'; use 'prices' and 'settings'",
                             f"onbekend onderdeel '{unknown[0]}'; gebruik 'prices' en 'settings'")
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


def load_price_file(path: Path) -> tuple[PriceList, SroiSettings | None]:
    """:func:`read_price_file` of a file; a missing or unreadable file is a :class:`PriceError`."""
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise PriceError(f"{path} does not exist", f"{path} bestaat niet") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise PriceError(f"cannot read {path}: {exc}", f"kan {path} niet lezen") from None
    try:
        return read_price_file(text)
    except PriceError as exc:
        raise PriceError(f"{path}: {exc}", f"{path}: {exc.dutch}") from None
