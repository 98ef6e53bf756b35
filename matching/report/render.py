"""Render a report as one self-contained HTML page (figures inline, prints to A4)."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Any

from matching.report.builder import Report
from matching.report.figures import figure_set
from matching.report.net_effect import CATEGORY_LABELS_NL, OUTCOME_CATEGORIES
from matching.report.numbers import euro, number, percent

__all__ = ["render_html", "write_html"]

if TYPE_CHECKING:
    from jinja2 import Environment

TEMPLATES = Path(__file__).parent / "templates"


def _p_value(value: Any) -> str:
    """``= 0,012`` or ``< 0,001``, to follow a "p"."""
    if value is None:
        return "= –"
    return "< 0,001" if float(value) < 0.001 else f"= {number(value, 3)}"


def _environment() -> Environment:
    from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

    env = Environment(
        loader=FileSystemLoader(str(TEMPLATES)),
        autoescape=select_autoescape(["html"]),
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters.update(num=number, pct=percent, eur=euro, pval=_p_value)
    return env


def render_html(report: Report | dict[str, Any]) -> str:
    """The report as a self-contained HTML page.

    Figures are embedded as base64 PNG, styles are inline, and ``@media
    print`` rules lay the page out for A4; nothing is loaded from elsewhere.
    """
    data = report.to_dict() if isinstance(report, Report) else report
    template = _environment().get_template("report.html")
    result: str = template.render(
        r=data,
        figures=figure_set(data),
        categories=OUTCOME_CATEGORIES,
        category_labels=CATEGORY_LABELS_NL,
    )
    return result


def write_html(report: Report | dict[str, Any], path: Path | str) -> Path:
    """Render and write the report; the file appears only when rendering succeeded."""
    html = render_html(report)
    target = Path(path)
    temporary = target.with_name(f".{target.name}.tmp")
    temporary.write_text(html, encoding="utf-8")
    temporary.replace(target)
    return target
