"""Outcome commands: ``werkkans outcome record|correct|follow-up|history`` and
``werkkans aftercare due|checkin|risk``, through the same use cases as the pages and
the API. Every command that writes checks everything first and writes nothing when
one value is wrong (exit code 1).
"""

from __future__ import annotations

from typing import Annotated, Any

import typer
from rich.table import Table

from api.commands.common import (
    console,
    fail,
    failing_on,
    load_settings,
    open_store,
    out,
    print_json,
)
from api.commands.options import (
    ActorOption,
    DbOption,
    JsonOption,
    MunicipalityOption,
    TodayOption,
    cli_actor,
    parse_date,
    parse_today,
)

outcome_app = typer.Typer(help="Uitkomsten vastleggen en corrigeren.", no_args_is_help=True)
aftercare_app = typer.Typer(
    help="Nazorg: contactmomenten na 1, 3, 6 en 12 maanden.", no_args_is_help=True
)


# ---- outcomes -------------------------------------------------------------------------------


@outcome_app.command("record")
def outcome_record(
    candidate: Annotated[str, typer.Option("--candidate", help="De kandidaat (id).")],
    kind: Annotated[
        str,
        typer.Option(
            "--kind",
            help="none (geen vervolg), follow_up (vervolggesprek), trial (proefplaatsing), "
            "wep (werkervaringsplaats) of job (reguliere baan).",
        ),
    ],
    employer: Annotated[str | None, typer.Option("--employer", help="De werkgever (id).")] = None,
    work_need: Annotated[
        str | None, typer.Option("--work-need", help="De werkvraag (id).")
    ] = None,
    event: Annotated[
        str | None, typer.Option("--event", help="De bijeenkomst waar ze elkaar spraken.")
    ] = None,
    contract: Annotated[
        str | None,
        typer.Option(
            "--contract",
            help="Alleen bij een baan: fixed_6m, fixed_12m, permanent of payroll.",
        ),
    ] = None,
    hours: Annotated[int | None, typer.Option("--hours", help="Uren per week.")] = None,
    start: Annotated[str | None, typer.Option("--start", help="Begindatum, JJJJ-MM-DD.")] = None,
    end: Annotated[
        str | None, typer.Option("--end", help="Werkelijke einddatum, JJJJ-MM-DD.")
    ] = None,
    wage_subsidy: Annotated[
        bool, typer.Option("--wage-subsidy", help="Met loonkostensubsidie.")
    ] = False,
    outcome_id: Annotated[
        str | None, typer.Option("--id", help="Kenmerk van de uitkomst (standaard: nieuw).")
    ] = None,
    db: DbOption = None,
    today: TodayOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Leg vast waartoe contact tussen een kandidaat en een werkgever leidde."""
    from services import outcomes

    values = {
        "id": outcome_id,
        "candidate_id": candidate,
        "employer_id": employer,
        "work_need_id": work_need,
        "event_id": event,
        "kind": kind,
        "contract_type": contract,
        "hours": hours,
        "start_date": parse_date(start, "--start"),
        "end_date": parse_date(end, "--end"),
    }
    fields = {k: v for k, v in values.items() if v is not None} | {"wage_subsidy": wage_subsidy}
    store = open_store(load_settings(db))
    with failing_on(as_json=as_json):
        outcome = outcomes.record(
            store, cli_actor(actor, municipality), fields, today=parse_today(today)
        )
    if as_json:
        print_json({"ok": True, "outcome": outcome.model_dump(mode="json")})
        return
    console.print(f"uitkomst {outcome.id} vastgelegd ({outcome.kind.value})")


@outcome_app.command("correct")
def outcome_correct(
    outcome_id: Annotated[str, typer.Argument(help="De uitkomst die gecorrigeerd wordt.")],
    changes: Annotated[
        list[str],
        typer.Option(
            "--set",
            help="veld=waarde, bijv. --set hours=20 --set end_date=2026-05-20; "
            "een lege waarde maakt het veld leeg.",
        ),
    ],
    db: DbOption = None,
    today: TodayOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Corrigeer velden van een uitkomst; de oude versie blijft in de geschiedenis."""
    from services import outcomes

    values: dict[str, Any] = {}
    for change in changes:
        name, sep, value = change.partition("=")
        if not sep or not name.strip():
            fail(f"--set {change!r}: gebruik veld=waarde")
        values[name.strip()] = value.strip() or None
    store = open_store(load_settings(db))
    with failing_on(as_json=as_json):
        outcome = outcomes.correct(
            store, cli_actor(actor, municipality), outcome_id, values, today=parse_today(today)
        )
    if as_json:
        print_json({"ok": True, "outcome": outcome.model_dump(mode="json")})
        return
    console.print(f"uitkomst {outcome.id} gecorrigeerd")


@outcome_app.command("follow-up")
def outcome_follow_up(
    meeting: Annotated[str, typer.Option("--meeting", help="Het tafelgesprek (id).")],
    follow_up: Annotated[
        bool, typer.Option("--yes/--no", help="Of beiden een vervolggesprek willen.")
    ] = True,
    db: DbOption = None,
    today: TodayOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Leg vast of een tafelgesprek tot een vervolggesprek leidt."""
    from services.events import record_meeting_follow_up

    store = open_store(load_settings(db))
    with failing_on(as_json=as_json):
        updated = record_meeting_follow_up(
            store, cli_actor(actor, municipality), meeting, follow_up, today=parse_today(today)
        )
    if as_json:
        print_json({"ok": True, "meeting": updated.model_dump(mode="json")})
        return
    console.print(f"vervolggesprek {'ja' if follow_up else 'nee'} voor {meeting}")


@outcome_app.command("history")
def outcome_history_command(
    outcome_id: Annotated[str, typer.Argument(help="De uitkomst.")],
    db: DbOption = None,
    municipality: MunicipalityOption = None,
    as_json: JsonOption = False,
) -> None:
    """Elke versie van een uitkomst: wie wat wanneer wijzigde."""
    from services import outcomes

    store = open_store(load_settings(db))
    with failing_on(as_json=as_json):
        entries = outcomes.history(store, cli_actor(municipality=municipality), outcome_id)
    if as_json:
        print_json([e.model_dump() for e in entries])
        return
    table = Table("wanneer", "wie", "actie", "wijzigingen", title=f"geschiedenis {outcome_id}")
    for entry in entries:
        changes = "; ".join(f"{k}: {b} -> {a}" for k, (b, a) in entry.changes.items())
        table.add_row(entry.changed_at[:19], entry.actor, entry.action, changes)
    out.print(table)


# ---- aftercare ------------------------------------------------------------------------------


@aftercare_app.command("due")
def aftercare_due(
    db: DbOption = None,
    today: TodayOption = None,
    municipality: MunicipalityOption = None,
    window: Annotated[
        int, typer.Option("--window", help="Zoveel dagen vooruit meenemen.")
    ] = 14,
    as_json: JsonOption = False,
) -> None:
    """Nazorgcontacten die binnenkort moeten of te laat zijn, per relatiemanager."""
    from matching.outcomes.aftercare import due_by_manager
    from services import outcomes

    items = outcomes.due_checkins(
        open_store(load_settings(db)),
        municipality,
        today=parse_today(today),
        window_days=window,
    )
    if as_json:
        print_json([item.to_dict() for item in items])
        return
    if not items:
        console.print("geen nazorgcontacten te doen")
        return
    for manager, rows in due_by_manager(items).items():
        table = Table(
            "plaatsing", "kandidaat", "werkgever", "soort", "maand", "gepland op", "status",
            title=f"relatiemanager: {manager or '(geen)'}",
        )
        for row in rows:
            state = f"{row.days_overdue} dagen te laat" if row.state == "overdue" else "binnenkort"
            table.add_row(
                row.outcome_id, row.candidate_id, row.employer_id or "", row.kind,
                str(row.month), row.due_date.isoformat(), state,
            )
        out.print(table)


@aftercare_app.command("checkin")
def aftercare_checkin(
    outcome_id: Annotated[str, typer.Argument(help="De plaatsing (id van de uitkomst).")],
    month: Annotated[
        int, typer.Option("--month", help="Welk contactmoment: 1, 3, 6 of 12.")
    ],
    status: Annotated[
        str,
        typer.Option(
            "--status",
            help="working (werkt nog), hours_changed (uren gewijzigd) of stopped (gestopt).",
        ),
    ],
    date: Annotated[
        str | None, typer.Option("--date", help="Datum van het contact (standaard vandaag).")
    ] = None,
    hours: Annotated[int | None, typer.Option("--hours", help="Uren per week nu.")] = None,
    reason: Annotated[
        str, typer.Option("--reason", help="Waarom het stopte, of een notitie.")
    ] = "",
    db: DbOption = None,
    today: TodayOption = None,
    municipality: MunicipalityOption = None,
    actor: ActorOption = None,
    as_json: JsonOption = False,
) -> None:
    """Leg een nazorgcontact over een plaatsing vast."""
    from services import outcomes

    now = parse_today(today)
    store = open_store(load_settings(db))
    with failing_on(as_json=as_json):
        checkin = outcomes.record_checkin(
            store,
            cli_actor(actor, municipality),
            outcome_id,
            month=month,
            date=parse_date(date, "--date") or now,
            status=status,
            hours=hours,
            reason=reason,
            today=now,
        )
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
    """Lopende plaatsingen met risico: uren flink gedaald, of nazorg lang te laat."""
    from services import outcomes

    flags = outcomes.at_risk(
        open_store(load_settings(db)), municipality, today=parse_today(today)
    )
    if as_json:
        print_json([flag.to_dict() for flag in flags])
        return
    labels = {
        "hours_dropped": "uren flink gedaald",
        "hours_reduced": "uren verlaagd",
        "checkin_overdue": "nazorg > 30 dagen te laat",
    }
    table = Table("relatiemanager", "plaatsing", "kandidaat", "signaal", "toelichting")
    for flag in flags:
        table.add_row(
            flag.relationship_manager, flag.outcome_id, flag.candidate_id,
            ", ".join(labels[r] for r in flag.reasons), "; ".join(flag.details),
        )
    out.print(table)


def register(app: typer.Typer) -> None:
    app.add_typer(outcome_app, name="outcome")
    app.add_typer(aftercare_app, name="aftercare")
