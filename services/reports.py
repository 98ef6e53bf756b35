"""The outcome report for policy and management, for a period and a municipality."""

from __future__ import annotations

from pathlib import Path

from matching.records.storage import Store
from matching.report.builder import Report, build_report
from matching.report.kpis import Goals
from matching.report.period import parse_period
from matching.sroi.prices import PriceList
from matching.sroi.settings import SroiSettings
from services.errors import InvalidInput

__all__ = ["as_html", "outcome_report", "write_report"]


def outcome_report(
    store: Store,
    period: str,
    *,
    municipality: str | None,
    goals: Goals | None = None,
    prices: PriceList | None = None,
    sroi_settings: SroiSettings | None = None,
    truth_dir: Path | None = None,
) -> Report:
    """Werktop KPIs against goals, the funnel from invitation to sustained work, the net
    effect against the comparison group, social value and fairness per group.

    ``period``: ``2026``, ``2026-Q1``, ``2026-03`` or a month range
    ``2025-06:2026-05`` (a bad one is :class:`InvalidInput` naming it);
    ``municipality`` None reports on every municipality in the store.
    """
    try:
        parsed = parse_period(period)
    except ValueError as exc:
        raise InvalidInput.of("period", str(exc), where="query") from None
    try:
        return build_report(
            store,
            parsed,
            municipality=municipality,
            goals=goals,
            prices=prices,
            sroi_settings=sroi_settings,
            truth_dir=truth_dir,
        )
    except ValueError as exc:
        raise InvalidInput.of("report", str(exc)) from None


def as_html(report: Report) -> str:
    """The report as one self-contained HTML page that prints on A4."""
    from matching.report.render import render_html

    return render_html(report)


def write_report(report: Report, path: Path) -> None:
    """Write :func:`as_html` to ``path``."""
    from matching.report.render import write_html

    write_html(report, path)
