"""Outcome commands: outcomes, aftercare, the report and the chi-square calculator.

``werkkans outcome record|correct|follow-up|history``,
``werkkans aftercare due|checkin|risk``, ``werkkans report`` and
``werkkans stats chi2|prices``. Every command that writes checks everything
first and writes nothing when one value is wrong (exit code 1).
"""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.table import Table

from api.commands.common import (
    DbOption,
    JsonOption,
    console,
    fail,
    failing_on,
    open_store,
    out,
    print_json,
)

outcome_app = typer.Typer(help="Uitkomsten vastleggen en corrigeren.", no_args_is_help=True)
aftercare_app = typer.Typer(help="Nazorg: contactmomenten na 1, 3, 6 en 12 maanden.",
                            no_args_is_help=True)
stats_app = typer.Typer(help="Statistiek: chi-kwadraattoets en prijslijst.", no_args_is_help=True)

TodayOption = Annotated[
    str | None, typer.Option("--today", help="Date of today, YYYY-MM-DD (default: the real date).")
]
ActorOption = Annotated[
    str, typer.Option("--actor", help="Who records this (kept in the history).")
]
MunicipalityOption = Annotated[
    str | None, typer.Option("--municipality", help="Only this municipality (CBS code).")
]


def _date(value: str | None, name: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{name}: {value!r} is geen datum (JJJJ-MM-DD)")


def _today(value: str | None) -> dt.date:
    return _date(value, "--today") or dt.date.today()


# ---- attendance and outcomes ----------------------------------------------------------------


def _parse_outcome_fields(values: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in values.items() if v is not None}


@outcome_app.command("record")
def outcome_record(
    candidate: Annotated[str, typer.Option("--candidate", help="Candidate id.")],
    kind: Annotated[str, typer.Option("--kind", help="none, follow_up, trial, wep or job.")],
    employer: Annotated[str | None, typer.Option("--employer", help="Employer id.")] = None,
    work_need: Annotated[str | None, typer.Option("--work-need", help="Work need id.")] = None,
    event: Annotated[str | None, typer.Option("--event", help="Event where they met.")] = None,
    contract: Annotated[
        str | None,
        typer.Option("--contract", help="Job only: fixed_6m, fixed_12m, permanent or payroll."),
    ] = None,
    hours: Annotated[int | None, typer.Option("--hours", help="Hours per week.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="Start date, YYYY-MM-DD.")] = None,
    end: Annotated[str | None, typer.Option("--end", help="Actual end date, YYYY-MM-DD.")] = None,
    wage_subsidy: Annotated[
        bool, typer.Option("--wage-subsidy", help="With wage-cost subsidy.")
    ] = False,
    outcome_id: Annotated[
        str | None, typer.Option("--id", help="Outcome id (default: new).")
    ] = None,
    db: DbOption = None,
    today: TodayOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = "cli",
    as_json: JsonOption = False,
) -> None:
    """Record what contact between a candidate and an employer led to."""
    from matching.outcomes.recording import OutcomeError, record_outcome

    fields = _parse_outcome_fields(
        {
            "id": outcome_id,
            "candidate_id": candidate,
            "employer_id": employer,
            "work_need_id": work_need,
            "event_id": event,
            "kind": kind,
            "contract_type": contract,
            "hours": hours,
            "start_date": _date(start, "--start"),
            "end_date": _date(end, "--end"),
        }
    )
    store = open_store(db)
    with failing_on(OutcomeError, as_json=as_json):
        outcome = record_outcome(store, today=_today(today), municipality=municipality,
                                 actor=actor, wage_subsidy=wage_subsidy, **fields)
    if as_json:
        print_json({"ok": True, "outcome": outcome.model_dump(mode="json")})
        return
    console.print(f"uitkomst {outcome.id} vastgelegd ({outcome.kind.value})")


@outcome_app.command("correct")
def outcome_correct(
    outcome_id: Annotated[str, typer.Argument(help="The outcome to correct.")],
    changes: Annotated[
        list[str],
        typer.Option("--set", help="field=value, e.g. --set hours=20 --set end_date=2026-05-20; "
                                   "an empty value clears the field."),
    ],
    db: DbOption = None,
    today: TodayOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = "cli",
    as_json: JsonOption = False,
) -> None:
    """Correct fields of an outcome; the old version stays in the history."""
    from matching.outcomes.recording import OutcomeError, correct_outcome

    values: dict[str, Any] = {}
    for change in changes:
        name, sep, value = change.partition("=")
        if not sep or not name.strip():
            fail(f"--set {change!r}: use field=value")
        values[name.strip()] = value.strip() or None
    store = open_store(db)
    with failing_on(OutcomeError, as_json=as_json):
        outcome = correct_outcome(store, outcome_id, today=_today(today),
                                  municipality=municipality, actor=actor, **values)
    if as_json:
        print_json({"ok": True, "outcome": outcome.model_dump(mode="json")})
        return
    console.print(f"uitkomst {outcome.id} gecorrigeerd")


@outcome_app.command("follow-up")
def outcome_follow_up(
    meeting: Annotated[str, typer.Option("--meeting", help="Table meeting id.")],
    follow_up: Annotated[
        bool, typer.Option("--yes/--no", help="Whether both want a follow-up conversation.")
    ] = True,
    db: DbOption = None,
    today: TodayOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = "cli",
    as_json: JsonOption = False,
) -> None:
    """Record whether a table conversation leads to a follow-up conversation."""
    from matching.outcomes.recording import OutcomeError, record_follow_up

    store = open_store(db)
    with failing_on(OutcomeError, as_json=as_json):
        updated = record_follow_up(store, meeting, follow_up, today=_today(today),
                                   municipality=municipality, actor=actor)
    if as_json:
        print_json({"ok": True, "meeting": updated.model_dump(mode="json")})
        return
    console.print(f"vervolggesprek {'ja' if follow_up else 'nee'} voor {meeting}")


@outcome_app.command("history")
def outcome_history_command(
    outcome_id: Annotated[str, typer.Argument(help="The outcome.")],
    db: DbOption = None,
    as_json: JsonOption = False,
) -> None:
    """Every version of an outcome: who changed what, when."""
    from matching.outcomes.recording import outcome_history

    entries = outcome_history(open_store(db, create=False), outcome_id)
    if not entries:
        fail(f"no history for outcome {outcome_id!r}")
    if as_json:
        print_json(entries)
        return
    table = Table("wanneer", "wie", "actie", "wijzigingen", title=f"geschiedenis {outcome_id}")
    for entry in entries:
        changes = "; ".join(f"{k}: {b} -> {a}" for k, (b, a) in entry["changes"].items())
        table.add_row(str(entry["changed_at"])[:19], entry["actor"], entry["action"], changes)
    out.print(table)


# ---- aftercare ------------------------------------------------------------------------------


@aftercare_app.command("due")
def aftercare_due(
    db: DbOption = None,
    today: TodayOption = None,
    municipality: MunicipalityOption = None,
    window: Annotated[int, typer.Option("--window", help="Days ahead to include.")] = 14,
    as_json: JsonOption = False,
) -> None:
    """Check-ins due soon or overdue, per relationship manager."""
    from matching.outcomes.aftercare import due_by_manager, due_checkins

    items = due_checkins(open_store(db, create=False), _today(today), municipality,
                         window_days=window)
    if as_json:
        print_json([item.to_dict() for item in items])
        return
    if not items:
        console.print("geen nazorgcontacten te doen")
        return
    for manager, rows in due_by_manager(items).items():
        table = Table("plaatsing", "kandidaat", "werkgever", "soort", "maand", "gepland op",
                      "status", title=f"relatiemanager: {manager or '(geen)'}")
        for row in rows:
            state = f"{row.days_overdue} dagen te laat" if row.state == "overdue" else "binnenkort"
            table.add_row(row.outcome_id, row.candidate_id, row.employer_id or "", row.kind,
                          str(row.month), row.due_date.isoformat(), state)
        out.print(table)


@aftercare_app.command("checkin")
def aftercare_checkin(
    outcome_id: Annotated[str, typer.Argument(help="The placement (outcome id).")],
    month: Annotated[int, typer.Option("--month", help="Which check-in: 1, 3, 6 or 12.")],
    status: Annotated[str, typer.Option("--status", help="working, hours_changed or stopped.")],
    date: Annotated[
        str | None, typer.Option("--date", help="Date of the check-in (default today).")
    ] = None,
    hours: Annotated[int | None, typer.Option("--hours", help="Hours per week now.")] = None,
    reason: Annotated[str, typer.Option("--reason", help="Why it stopped, or a note.")] = "",
    db: DbOption = None,
    today: TodayOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = "cli",
    as_json: JsonOption = False,
) -> None:
    """Record an aftercare check-in on a placement."""
    from matching.outcomes.aftercare import record_checkin
    from matching.outcomes.recording import OutcomeError

    now = _today(today)
    store = open_store(db)
    with failing_on(OutcomeError, as_json=as_json):
        checkin = record_checkin(store, outcome_id, month=month, date=_date(date, "--date") or now,
                                 status=status, hours=hours, reason=reason, today=now,
                                 municipality=municipality, actor=actor)
    if as_json:
        print_json({"ok": True, "checkin": checkin.model_dump(mode="json")})
        return
    console.print(f"nazorgcontact {checkin.id} vastgelegd ({checkin.status.value})")


@aftercare_app.command("risk")
def aftercare_risk(
    db: DbOption = None,
    today: TodayOption = None,
    municipality: MunicipalityOption = None,
    as_json: JsonOption = False,
) -> None:
    """Running placements at risk: hours dropped, or a check-in long overdue."""
    from matching.outcomes.aftercare import at_risk

    flags = at_risk(open_store(db, create=False), _today(today), municipality)
    if as_json:
        print_json([flag.to_dict() for flag in flags])
        return
    labels = {"hours_dropped": "uren flink gedaald", "hours_reduced": "uren verlaagd",
              "checkin_overdue": "nazorg > 30 dagen te laat"}
    table = Table("relatiemanager", "plaatsing", "kandidaat", "signaal", "toelichting")
    for flag in flags:
        table.add_row(flag.relationship_manager, flag.outcome_id, flag.candidate_id,
                      ", ".join(labels[r] for r in flag.reasons), "; ".join(flag.details))
    out.print(table)


# ---- report ---------------------------------------------------------------------------------


def report(
    period: Annotated[
        str, typer.Option("--period", help="2026, 2026-Q1, 2026-03 or 2025-06:2026-05.")
    ],
    out_file: Annotated[Path | None, typer.Option("--out", help="HTML file to write.")] = None,
    db: DbOption = None,
    municipality: MunicipalityOption = None,
    prices: Annotated[
        Path | None, typer.Option("--prices", help="Edited price list (JSON); see 'stats prices'.")
    ] = None,
    goals: Annotated[
        str | None, typer.Option("--goals", help='Goals as JSON, e.g. \'{"jobs": 30}\'.')
    ] = None,
    truth: Annotated[
        Path | None,
        typer.Option("--truth", help="Simulated municipality folder: show the true effect."),
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """The outcome report: KPIs, funnel, net effect, social value and fairness."""
    from matching.report.builder import build_report
    from matching.report.kpis import Goals
    from matching.report.period import parse_period
    from matching.report.render import write_html
    from matching.report.social_value import read_price_file

    if out_file is None and not as_json:
        fail("give --out report.html and/or --json")
    with failing_on(ValueError):
        parsed = parse_period(period)
    price_list = settings = None
    if prices is not None:
        try:
            price_list, settings = read_price_file(prices.read_text(encoding="utf-8"))
        except OSError as exc:
            fail(f"cannot read {prices}: {exc.strerror}")
        except ValueError as exc:
            fail(f"{prices}: {exc}")
    goal_values = Goals()
    if goals:
        try:
            goal_values = Goals.from_mapping(json.loads(goals))
        except (ValueError, TypeError) as exc:
            fail(f"--goals: {exc}")
    store = open_store(db, create=False)
    with console.status("rapport maken"):
        with failing_on(ValueError):
            result = build_report(store, parsed, municipality, goals=goal_values,
                                  prices=price_list, sroi_settings=settings, truth_dir=truth)
        if out_file is not None:
            write_html(result, out_file)
    if out_file is not None:
        console.print(f"rapport geschreven naar {out_file}")
    if as_json:
        print_json(result.to_dict())


# ---- stats ----------------------------------------------------------------------------------


@stats_app.command("chi2")
def stats_chi2(
    table: Annotated[
        str, typer.Option("--table", help='Counts, rows split by "/": "12 30 / 7 41".')
    ],
    yates: Annotated[bool, typer.Option("--yates", help="Yates correction (2x2 only).")] = False,
    as_json: JsonOption = False,
) -> None:
    """Chi-square test of independence on a table typed in."""
    from matching.report.stats import chi2_independence, parse_table

    with failing_on(ValueError, as_json=as_json):
        result = chi2_independence(parse_table(table), correction=yates)
    payload = {
        "chi2": result.chi2,
        "df": result.df,
        "p": result.p,
        "n": result.n,
        "cramers_v": result.cramers_v,
        "expected": result.expected.tolist(),
        "correction": result.correction,
        "warning": result.warning,
    }
    if as_json:
        print_json(payload)
        return
    out.print(f"chi-kwadraat = {result.chi2:.3f}, df = {result.df}, p = {result.p:.4g}, "
              f"n = {result.n}, Cramérs V = {result.cramers_v:.3f}")
    if result.warning:
        console.print(f"[yellow]let op:[/] {result.warning}")


@stats_app.command("prices")
def stats_prices(
    out_file: Annotated[Path | None, typer.Option("--out", help="Write the JSON here.")] = None,
) -> None:
    """The default SROI price list with sources, as JSON to edit and pass to 'report --prices'."""
    from matching.sroi.prices import PriceList

    text = json.dumps(PriceList().to_dict(), ensure_ascii=False, indent=2)
    if out_file is None:
        typer.echo(text)
        return
    out_file.write_text(text + "\n", encoding="utf-8")
    console.print(f"prijslijst geschreven naar {out_file}")


def register(app: typer.Typer) -> None:
    app.command("report")(report)
    app.add_typer(outcome_app, name="outcome")
    app.add_typer(aftercare_app, name="aftercare")
    app.add_typer(stats_app, name="stats")
