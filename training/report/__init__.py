"""The outcome report municipalities are judged on.

:func:`build_report` collects, for a period and optionally one municipality,
the Werktop KPIs against their goals, the funnel from invitation to sustained
work, the net effect against a matched comparison group (with a chi-square
test and a confidence interval), the social value (SROI/MKBA) and fairness
per group. :func:`render_html` turns it into one self-contained HTML page that
prints cleanly on A4; :meth:`Report.to_dict` gives the same as JSON-ready data.
"""

from training.report.builder import Report, build_report, read_truth
from training.report.kpis import Goals
from training.report.period import Period, parse_period
from training.report.render import render_html, write_html
from training.report.social_value import SroiSettings, read_price_file

__all__ = [
    "Goals",
    "Period",
    "Report",
    "SroiSettings",
    "build_report",
    "parse_period",
    "read_price_file",
    "read_truth",
    "render_html",
    "write_html",
]
