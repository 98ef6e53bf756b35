"""The editable, sourced price list of the SROI / MKBA (:mod:`matching.sroi.calculation`).

Every euro in the social-value calculation is a quantity times a unit value
from :class:`PriceList`. Each default is a :class:`Price` with its unit and a
source saying where it comes from; all are starting points for a
municipality to replace with its own figures, so the list is read from a
mapping, JSON or CSV (a spreadsheet in Dutch notation included) and validated
on construction: a missing, unknown, non-numeric or negative price stops with
the price's name in the error. Kept apart from the calculation so an edited
price file can be written, read and checked on its own
(``werkkans stats prices``).
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass
from numbers import Real
from typing import Any

__all__ = ["Price", "PriceError", "PriceList"]


class PriceError(ValueError):
    """A price list or setting that cannot be used; ``dutch`` says why for staff."""

    def __init__(self, message: str, dutch: str) -> None:
        super().__init__(message)
        self.dutch = dutch


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
            raise PriceError(
                f"price list must be a mapping of name to value, got {type(data).__name__}",
                "de prijslijst moet per prijs een naam en een waarde geven",
            )
        defaults = cls()
        known = cls.names()
        unknown = sorted(set(data) - set(known))
        if unknown:
            raise PriceError(f"unknown price '{unknown[0]}'; known prices: {', '.join(known)}",
                             f"onbekende prijs '{unknown[0]}'; bekend zijn: {', '.join(known)}")
        if complete:
            missing = [name for name in known if name not in data]
            if missing:
                raise PriceError(f"price list is missing price '{missing[0]}'",
                                 f"de prijs '{missing[0]}' ontbreekt in de prijslijst")
        prices: dict[str, Price] = {}
        for name, entry in data.items():
            default = getattr(defaults, name)
            source, unit = "supplied price list", default.unit
            if isinstance(entry, Mapping):
                if "value" not in entry:
                    raise PriceError(f"price '{name}' has no 'value'",
                                     f"de prijs '{name}' heeft geen waarde ('value')")
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
            raise PriceError(f"price list is not valid JSON: {exc}",
                             f"de prijslijst is geen geldige JSON (regel {exc.lineno})") from None
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
            raise PriceError(f"price CSV needs the columns 'name' and 'value', got {header}",
                             "de prijzen-CSV heeft de kolommen 'name' en 'value' nodig")
        data: dict[str, Any] = {}
        for line_no, row in enumerate(reader, start=2):
            row = {(k or "").strip().lower(): (v or "").strip() for k, v in row.items()}
            name = row.get("name", "")
            if not name:
                raise PriceError(f"price CSV line {line_no}: empty name",
                                 f"prijzen-CSV regel {line_no}: geen naam")
            if name in data:
                raise PriceError(f"price CSV line {line_no}: price '{name}' appears twice",
                                 f"prijzen-CSV regel {line_no}: de prijs '{name}' staat er twee keer")
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
                raise PriceError(f"unknown price '{name}'; known prices: {', '.join(known)}",
                                 f"onbekende prijs '{name}'; bekend zijn: {', '.join(known)}")
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
            raise PriceError(f"price '{name}' is missing a value", f"de prijs '{name}' heeft geen waarde")
        try:
            value = float(text)
        except ValueError:
            raise PriceError(f"price '{name}' must be a number, got {text!r}",
                             f"de prijs '{name}' moet een getal zijn, niet {text!r}") from None
    if value is None:
        raise PriceError(f"price '{name}' is missing a value", f"de prijs '{name}' heeft geen waarde")
    if isinstance(value, bool) or not isinstance(value, Real) or not math.isfinite(value):
        raise PriceError(f"price '{name}' must be a finite number, got {value!r}",
                         f"de prijs '{name}' moet een getal zijn, niet {value!r}")
    if value < 0:
        raise PriceError(f"price '{name}' must be >= 0, got {value!r}",
                         f"de prijs '{name}' mag niet negatief zijn ({value!r})")
    return float(value)
