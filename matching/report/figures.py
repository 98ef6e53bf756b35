"""The report's figures as base64-encoded PNG, drawn with matplotlib's object API.

No pyplot: figures are built on :class:`matplotlib.figure.Figure` directly, so
nothing touches global state or needs a display.
"""

from __future__ import annotations

import base64
import io
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["figure_set"]

_BLUE = "#1f5fa8"
_GREY = "#9aa5b1"
_GREEN = "#2e8b57"
_RED = "#c0392b"


def _new(width: float = 6.4, height: float = 3.0) -> tuple[Figure, Axes]:
    from matplotlib.figure import Figure

    fig = Figure(figsize=(width, height), dpi=110)
    return fig, fig.add_subplot(1, 1, 1)


def _encode(fig: Figure) -> str:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    FigureCanvasAgg(fig)
    buffer = io.BytesIO()
    fig.tight_layout()
    fig.savefig(buffer, format="png")
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _style(ax: Axes) -> None:
    ax.spines[["top", "right"]].set_visible(False)
    ax.tick_params(labelsize=8)


def kpi_figure(kpis: list[dict[str, Any]]) -> str:
    fig, ax = _new()
    labels = ["nieuwe werkgevers", "reguliere banen", "WEP-plekken"]
    keys = ["new_contacts", "jobs", "weps"]
    realised = [sum(row[k] for row in kpis) for k in keys]
    goals = [sum(row[f"goal_{k}"] for row in kpis) for k in keys]
    positions = range(len(labels))
    ax.bar([p - 0.2 for p in positions], realised, width=0.4, color=_BLUE, label="gerealiseerd")
    ax.bar([p + 0.2 for p in positions], goals, width=0.4, color=_GREY, label="doel")
    for p, value in zip(positions, realised, strict=False):
        ax.text(p - 0.2, value, str(value), ha="center", va="bottom", fontsize=8)
    ax.set_xticks(list(positions), labels)
    ax.legend(fontsize=8, frameon=False)
    _style(ax)
    return _encode(fig)


def funnel_figure(steps: list[dict[str, Any]]) -> str:
    fig, ax = _new(height=2.8)
    labels = [s["label"] for s in steps][::-1]
    counts = [s["count"] for s in steps][::-1]
    bars = ax.barh(labels, counts, color=_BLUE)
    for bar, count in zip(bars, counts, strict=False):
        ax.text(bar.get_width(), bar.get_y() + bar.get_height() / 2, f" {count}",
                va="center", fontsize=8)
    ax.set_xlabel("kandidaten", fontsize=8)
    _style(ax)
    return _encode(fig)


def net_effect_figure(net: dict[str, Any]) -> str:
    from matching.report.net_effect import CATEGORY_LABELS_NL, OUTCOME_CATEGORIES

    fig, ax = _new(height=2.8)
    positions = range(len(OUTCOME_CATEGORIES))
    t = [100 * net["shares_treated"][c] for c in OUTCOME_CATEGORIES]
    c = [100 * net["shares_comparison_weighted"][c] for c in OUTCOME_CATEGORIES]
    ax.bar([p - 0.2 for p in positions], t, width=0.4, color=_BLUE, label="kandidaten")
    ax.bar([p + 0.2 for p in positions], c, width=0.4, color=_GREY,
           label="vergelijkingsgroep (gewogen)")
    ax.set_xticks(list(positions), [CATEGORY_LABELS_NL[k] for k in OUTCOME_CATEGORIES])
    ax.set_ylabel("% van de groep", fontsize=8)
    ax.legend(fontsize=8, frameon=False)
    _style(ax)
    return _encode(fig)


def stakeholder_figure(rows: list[dict[str, Any]]) -> str:
    fig, ax = _new(height=2.6)
    labels = [r["stakeholder_nl"] for r in rows]
    values = [r["net"] / 1000 for r in rows]
    ax.bar(labels, values, color=[_GREEN if v >= 0 else _RED for v in values])
    ax.axhline(0, color="black", linewidth=0.6)
    ax.set_ylabel("netto contante waarde (x 1.000 euro)", fontsize=8)
    _style(ax)
    return _encode(fig)


def fairness_figure(rows: list[dict[str, Any]], title: str) -> str:
    fig, ax = _new(height=2.6)
    labels = [r["value"] for r in rows]
    invited = [100 * (r["invited_share"] or 0) for r in rows]
    good = [100 * (r["good_share_of_invited"] or 0) for r in rows]
    positions = range(len(labels))
    ax.bar([p - 0.2 for p in positions], invited, width=0.4, color=_GREY, label="uitgenodigd")
    ax.bar([p + 0.2 for p in positions], good, width=0.4, color=_BLUE,
           label="WEP of baan (van uitgenodigden)")
    ax.set_xticks(list(positions), labels)
    ax.set_ylabel("%", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7, frameon=False)
    _style(ax)
    return _encode(fig)


def fairness_trend_figure(trends: list[dict[str, Any]]) -> str:
    """Each group's monthly invitation ratio against everyone else, with the bounds shaded."""
    fig, ax = _new(height=2.8)
    months = trends[0]["months"]
    for trend in trends:
        values = [float("nan") if r is None else r for r in trend["ratios"]]
        ax.plot(range(len(months)), values, marker="o", markersize=3, label=trend["label"])
    low, high = trends[0]["bounds"]
    ax.axhspan(low, high, color=_GREY, alpha=0.15)
    ax.axhline(1.0, color=_GREY, linewidth=0.8)
    ax.set_xticks(range(len(months)), [m[2:] for m in months], fontsize=7, rotation=45)
    ax.set_ylabel("keer zo vaak uitgenodigd", fontsize=8)
    ax.legend(fontsize=6, frameon=False, ncol=2)
    _style(ax)
    return _encode(fig)


def figure_set(report: dict[str, Any]) -> dict[str, str]:
    """Every figure of a report (as :meth:`Report.to_dict` gives it), by name."""
    figures = {
        "kpis": kpi_figure(report["kpis"]),
        "funnel": funnel_figure(report["funnel"]),
        "stakeholders": stakeholder_figure(report["social_value"]["by_stakeholder"]),
    }
    if report["net_effect"]["effect"] is not None:
        figures["net_effect"] = net_effect_figure(report["net_effect"])
    age = report["fairness"].get("age_band")
    if age:
        figures["fairness_age"] = fairness_figure(age, "naar leeftijd")
    if report.get("fairness_trend"):
        figures["fairness_trend"] = fairness_trend_figure(report["fairness_trend"])
    return figures
