"""``werkkans demo``: a simulated municipality, end to end, on this machine.

Everything the demo makes lives in one folder (default ``demo/``): the CSV
files, the SQLite database, the index and embedding cache, the MLflow store
and the demo login. Running it again reuses what is there, so the second
start takes seconds.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path
from typing import Annotated

import typer

from api.commands import data as data_commands
from api.commands import model as model_commands
from api.commands import serve as serve_commands
from api.commands.common import console, load_settings, open_store

DEMO_MUNICIPALITY = "GM0855"
DEMO_USER = "demo"


def _simulate(folder: Path, seed: int, candidates: int, employers: int, months: int) -> None:
    from services.simulation import simulate_municipality

    with console.status("gemeente simuleren"):
        # larger monthly events than the default give the ranker enough history to learn from
        counts = simulate_municipality(
            folder, seed=seed, candidates=candidates, employers=employers, months=months,
            municipality=DEMO_MUNICIPALITY, employers_per_event=12, seats_per_table=10,
            candidates_per_event=100, rounds=4,
        )
    console.print(
        f"gesimuleerd: {counts['candidates']} kandidaten, {counts['employers']} werkgevers, "
        f"{counts['events']} bijeenkomsten"
    )


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
    directory.mkdir(parents=True, exist_ok=True)
    db = f"sqlite:///{directory / 'werkkans.db'}"
    # the demo is self-contained: its settings point into its own folder
    os.environ["WERKKANS_DB"] = db
    os.environ["WERKKANS_HOME"] = str(directory / "home")
    os.environ["MLFLOW_TRACKING_URI"] = f"sqlite:///{directory / 'mlruns.db'}"
    key_file = directory / "secret_key"
    if not key_file.exists():
        key_file.write_text(secrets.token_urlsafe(32), encoding="utf-8")
        key_file.chmod(0o600)
    os.environ["WERKKANS_SECRET_KEY"] = key_file.read_text(encoding="utf-8").strip()

    data = directory / "data"
    if not (data / "candidates.csv").exists():
        _simulate(data, seed, candidates, employers, months)
    console.print("[bold]1/3[/] importeren en index bijwerken")
    data_commands.import_(data, db=db)
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
        f"met wachtwoord [bold]{password}[/] (ook in {directory / 'login.txt'})"
    )
    if serve:
        serve_commands.serve(db=db, host=host, port=port)


def register(app: typer.Typer) -> None:
    app.command("demo")(demo)
