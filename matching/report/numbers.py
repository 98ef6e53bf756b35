"""Numbers as Dutch staff read them (12.345,6 · 12,3 % · € 12.345), for the report, plans
and model cards alike. Light on purpose: the command line imports it at start."""

from __future__ import annotations

from typing import Any

__all__ = ["euro", "number", "percent"]


def number(value: Any, decimals: int = 0) -> str:
    """Dutch number format: 12.345,6; ``–`` for None."""
    if value is None:
        return "–"
    text = f"{float(value):,.{decimals}f}"
    return text.replace(",", "_").replace(".", ",").replace("_", ".")


def percent(value: Any, decimals: int = 1) -> str:
    """A share as a Dutch percentage: 0.123 -> 12,3 %."""
    if value is None:
        return "–"
    return f"{number(100 * float(value), decimals)} %"


def euro(value: Any) -> str:
    """Dutch euro amount: € 12.345, -€ 450."""
    if value is None:
        return "–"
    sign = "-" if float(value) < 0 else ""
    return f"{sign}€ {number(abs(float(value)))}"
