"""The outcome report municipalities are judged on.

:func:`~matching.report.builder.build_report` collects, for a period and
optionally one municipality, the Werktop KPIs against their goals, the funnel
from invitation to sustained work, the net effect against a matched
comparison group (with a chi-square test and a confidence interval), the
social value (SROI/MKBA) and fairness per group.
:func:`~matching.report.render.render_html` turns it into one self-contained
HTML page that prints cleanly on A4; :meth:`Report.to_dict` gives the same as
JSON-ready data. :mod:`matching.report.stats` holds the exact tests behind it.
"""
