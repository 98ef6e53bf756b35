"""An event plan on paper: a printable HTML page and a CSV for mail merge.

The HTML (``templates/event_plan.html``) prints cleanly on A4: a summary and
one overview per round first, then one page per table with, for every round,
the candidates at that table and their reason to meet this employer. It has
no navigation, scripts or external resources, so it can be mailed or printed
as is. The plan is for staff: reasons quote what candidates told their
relationship manager.

The CSV has one row per invited candidate with, per round, their table, the
employer's name and the reason (empty cells in a round they sit out). It is
UTF-8 with a byte-order mark and ``;`` as separator, which is what Excel with
Dutch regional settings opens correctly by double-clicking; Word's mail merge
reads it too.
"""

from __future__ import annotations

import csv
import io
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from matching.events.event_plan import EventPlan
from matching.records.csv_io import neutralise_formula

if TYPE_CHECKING:
    from jinja2 import Template

__all__ = ["EXCLUDED_LABELS", "csv_rows", "render_csv", "render_html", "write_csv", "write_html"]

EXCLUDED_LABELS: dict[str, str] = {
    "no_consent": "geen toestemming voor uitnodigingen",
    "not_available": "niet beschikbaar op de datum",
    "already_placed": "al geplaatst",
    "too_far": "reisafstand naar de locatie te groot",
    "declined": "heeft afgezegd",
    "vetoed_by_every_employer": "past bij geen enkele werkgever (belastbaarheid of 'nee, bedankt')",
    "too_few_permitted_employers": "past bij te weinig werkgevers voor alle rondes",
    "never_invite": "staat op de niet-uitnodigen-lijst",
    "at_period_cap": "al vaak genoeg uitgenodigd in deze periode",
    "no_seat_at_permitted_employers": "geen plaats vrij bij de werkgevers die passen",
}

CSV_DELIMITER = ";"


@lru_cache(maxsize=1)
def _template() -> Template:
    from jinja2 import Environment, FileSystemLoader, select_autoescape

    env = Environment(
        loader=FileSystemLoader(Path(__file__).parent / "templates"),
        autoescape=select_autoescape(["html"]),
        trim_blocks=True,
        lstrip_blocks=True,
    )
    return env.get_template("event_plan.html")


def render_html(plan: EventPlan) -> str:
    """The printable plan as one self-contained HTML page."""
    names = {e: emp.name for e, emp in plan.employers.items()}
    per_table = plan.by_table()
    rounds = list(range(1, plan.rounds + 1))
    who = plan.candidate_names
    overview = [
        {t.id: sorted(who.get(m.candidate_id, m.candidate_id) for m in per_table[t.id][r - 1])
         for t in plan.tables}
        for r in rounds
    ]
    excluded_counts: dict[str, int] = {}
    for reasons in plan.excluded.values():
        for r in reasons:
            excluded_counts[r] = excluded_counts.get(r, 0) + 1
    result: str = _template().render(
        plan=plan,
        event=plan.event,
        names=names,
        rounds=rounds,
        overview=overview,
        per_table=per_table,
        excluded_counts=sorted(excluded_counts.items(), key=lambda kv: -kv[1]),
        labels=EXCLUDED_LABELS,
    )
    return result


def csv_rows(plan: EventPlan) -> list[dict[str, str]]:
    """One row per invited candidate, in invitation order."""
    names = {e: emp.name for e, emp in plan.employers.items()}
    rows = []
    for cid, seats in plan.by_candidate().items():
        row = {
            "kandidaat": cid,
            "naam": plan.candidate_names.get(cid, ""),
            "relatiemanager": plan.relationship_managers.get(cid, ""),
            "bijeenkomst": plan.event.id,
            "datum": plan.event.date.isoformat(),
            "plaats": plan.event.place,
            "minuten_per_ronde": str(plan.event.minutes_per_round),
        }
        for r, m in enumerate(seats, start=1):
            row[f"ronde{r}_tafel"] = m.table_id if m else ""
            row[f"ronde{r}_werkgever"] = names[m.employer_id] if m else "pauze"
            row[f"ronde{r}_reden"] = m.reason if m else ""
        rows.append(row)
    return rows


def render_csv(plan: EventPlan) -> str:
    """The mail-merge CSV as text (without the byte-order mark)."""
    fields = ["kandidaat", "naam", "relatiemanager", "bijeenkomst", "datum", "plaats",
              "minuten_per_ronde"]
    for r in range(1, plan.rounds + 1):
        fields += [f"ronde{r}_tafel", f"ronde{r}_werkgever", f"ronde{r}_reden"]
    buffer = io.StringIO()
    writer = csv.DictWriter(
        buffer, fieldnames=fields, delimiter=CSV_DELIMITER, lineterminator="\r\n"
    )
    writer.writeheader()
    writer.writerows(
        {k: neutralise_formula(v) for k, v in row.items()} for row in csv_rows(plan)
    )
    return buffer.getvalue()


def write_html(plan: EventPlan, path: Path | str) -> Path:
    path = Path(path)
    path.write_text(render_html(plan), encoding="utf-8")
    return path


def write_csv(plan: EventPlan, path: Path | str) -> Path:
    """Write the CSV as UTF-8 with a byte-order mark (for Excel)."""
    path = Path(path)
    path.write_text(render_csv(plan), encoding="utf-8-sig", newline="")
    return path
