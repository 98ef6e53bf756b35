"""``werkkans demo``: a simulated municipality, end to end, on this machine.

Everything the demo makes lives in one folder (default ``demo/``), a
workspace (:mod:`api.workspace`): the CSV files, the SQLite database, the
index and embedding cache, the MLflow store and the demo login. Running it again reuses what is there, so the second
start takes seconds.
"""

from __future__ import annotations

import datetime as dt
import os
import secrets
from pathlib import Path
from typing import Annotated

import typer

from api.commands import data as data_commands
from api.commands import model as model_commands
from api.commands import serve as serve_commands
from api.commands.common import console, failing_on, load_settings, open_store
from api.workspace import Workspace, WorkspaceError, create_workspace

DEMO_MUNICIPALITY = "GM0855"
DEMO_USER = "demo"


def _simulate(folder: Path, seed: int, candidates: int, employers: int, months: int, today: dt.date) -> None:
    from matching.events.event_setup import months_before
    from services.simulation import simulate_municipality

    # the history ends with last month, so nothing in it lies after today
    start = months_before(today.replace(day=1), months)
    with console.status("gemeente simuleren"):
        # larger monthly events than the default give the ranker enough history to learn from
        counts = simulate_municipality(
            folder, seed=seed, candidates=candidates, employers=employers, months=months,
            municipality=DEMO_MUNICIPALITY, employers_per_event=12, seats_per_table=10,
            candidates_per_event=100, rounds=4, start_date=start,
        )
    console.print(
        f"gesimuleerd: {counts['candidates']} kandidaten, {counts['employers']} werkgevers, "
        f"{counts['events']} bijeenkomsten, {start:%m-%Y} tot en met vorige maand"
    )


def _upcoming_event(db: str, today: dt.date, hosts: int = 8, seats: int = 10) -> str | None:
    """The next *prettig gesprek* (the first Tuesday a week or more into this month, else next
    month's), set up as an organiser would: tables for the employers with the most open work.

    Returns its id, or None when an event after today is there already.
    """
    from matching.records.schemas import Employer, Event, Outcome, WorkNeed
    from matching.shortlists.pool import open_on
    from services import events, record_models, records
    from services.actor import Actor

    store = open_store(load_settings(db))
    past = store.list(Event, municipality=DEMO_MUNICIPALITY)
    if not past or any(e.date > today for e in past):
        return None
    day = _tuesday_a_week_in(today.year, today.month)
    if day <= today:
        day = _tuesday_a_week_in(today.year + today.month // 12, today.month % 12 + 1)
    needs = open_on(store.list(WorkNeed, municipality=DEMO_MUNICIPALITY),
                    store.list(Outcome, municipality=DEMO_MUNICIPALITY), today)
    places: dict[str, int] = {}
    for need in needs:
        places[need.employer_id] = places.get(need.employer_id, 0) + need.places
    chosen = sorted(places, key=lambda e: (-places[e], e))[:hosts]
    if not chosen:
        return None
    last = max(past, key=lambda e: e.date)  # the usual venue
    actor = Actor("demo", "administrator", DEMO_MUNICIPALITY, sees_health=True)
    event_id = f"ev{day:%Y-%m}"
    records.create(store, Event, record_models.input_model(Event)(
        id=event_id, date=day, place=last.place, postcode=last.postcode, lat=last.lat, lon=last.lon,
        rounds=last.rounds,
        minutes_per_round=last.minutes_per_round, max_candidates=hosts * seats,
    ), actor)
    names = {e.id: e.name for e in store.list(Employer, where={"id": chosen})}
    for number, employer_id in enumerate(chosen, start=1):
        events.add_table(store, actor, event_id,
                         events.TableIn(id=f"{event_id}-t{number}", employer_id=employer_id, seats=seats))
    console.print(
        f"volgende bijeenkomst {event_id} op {day:%d-%m-%Y} klaargezet met {len(chosen)} tafels "
        f"({', '.join(names[e] for e in chosen[:3])}, ...); plan haar op de pagina "
        f"Bijeenkomsten of met 'werkkans plan-event --event {event_id}'"
    )
    return event_id


def _tuesday_a_week_in(year: int, month: int) -> dt.date:
    day = dt.date(year, month, 8)
    return day + dt.timedelta(days=(1 - day.weekday()) % 7)


def _login(folder: Path, db: str) -> tuple[str, str]:
    """The demo account (an administrator of the demo municipality), created once."""
    from api.auth import UserExists, create_user

    secret = folder / "login.txt"
    if secret.exists():
        user, password = secret.read_text(encoding="utf-8").split("\n")[:2]
        return user, password
    password = secrets.token_urlsafe(9)
    try:
        create_user(open_store(load_settings(db), create=True), username=DEMO_USER, password=password,
                    role="administrator", municipality=DEMO_MUNICIPALITY)
    except UserExists:
        password = "(bestaat al; zie de eerdere uitvoer)"
    secret.write_text(f"{DEMO_USER}\n{password}\n", encoding="utf-8")
    secret.chmod(0o600)
    return DEMO_USER, password


def demo(
    directory: Annotated[
        Path, typer.Option("--dir", help="Map voor alles wat de demo maakt.")
    ] = Path("demo"),
    seed: Annotated[int, typer.Option(help="Startwaarde van de gesimuleerde gemeente.")] = 7,
    candidates: Annotated[int, typer.Option(help="Aantal te simuleren kandidaten.")] = 2000,
    employers: Annotated[int, typer.Option(help="Aantal te simuleren werkgevers.")] = 150,
    months: Annotated[int, typer.Option(help="Maanden geschiedenis om te simuleren.")] = 24,
    host: Annotated[str, typer.Option(help="Adres van de webpagina's.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Poort van de webpagina's.")] = 8000,
    serve: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Start de webpagina's aan het eind.")
    ] = True,
) -> None:
    """Simuleer en importeer een gemeente, train de ranker en start de webpagina's."""
    directory = directory.resolve()
    # the demo's folder is a workspace: later commands run in it find the same database,
    # index and model; for this run its values win over the environment's
    create_workspace(directory)
    os.environ["WERKKANS_WORKSPACE"] = str(directory)
    with failing_on(WorkspaceError):
        os.environ.update(Workspace.load(directory).values)
    db = os.environ["WERKKANS_DB"]

    data = directory / "data"
    today = dt.date.today()
    if not (data / "candidates.csv").exists():
        _simulate(data, seed, candidates, employers, months, today)
    console.print("[bold]1/3[/] importeren en index bijwerken")
    data_commands.import_(data, db=db)
    _upcoming_event(db, today)
    from services.ranker_versions import versions

    if not versions(os.environ["MLFLOW_TRACKING_URI"]):
        console.print("[bold]2/3[/] ranker trainen")
        try:
            model_commands.train(db=db)
        except typer.Exit as exc:
            if exc.exit_code:
                console.print(
                    "[yellow]training lukte niet; de kortelijsten gebruiken tekstovereenkomst[/]"
                )
    else:
        console.print("[bold]2/3[/] ranker al getraind (werkkans model list)")
    user, password = _login(directory, db)
    console.print(
        f"[bold]3/3[/] klaar. Inloggen op http://{host}:{port} als [bold]{user}[/] "
        f"met wachtwoord [bold]{password}[/] (ook in {directory / 'login.txt'}).\n"
        f"De map {directory} is een werkruimte: commando's die daar draaien (of met "
        f"--workspace {directory}) gebruiken dezelfde database, index en ranker, "
        "bijv. [bold]werkkans shortlist --work-need ID[/]."
    )
    if serve:
        serve_commands.serve(db=db, host=host, port=port)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
