"""The options the commands share, and turning their text into values.

Every command that takes a database takes ``--db``; every command that
records something takes ``--actor`` and ``--today``; commands that read
across municipalities take ``--municipality``. They are declared once here
so they read the same everywhere.
"""

from __future__ import annotations

import datetime as dt
import getpass
from typing import Annotated

import typer

from api.commands.common import fail
from services.actor import COMMAND_LINE_ROLE, Actor

__all__ = [
    "ActorOption",
    "DbOption",
    "HoldoutOption",
    "JsonOption",
    "MunicipalityOption",
    "TodayOption",
    "TrackingOption",
    "cli_actor",
    "ids",
    "parse_date",
    "parse_today",
]

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database-URL (standaard: $WERKKANS_DB of sqlite:///werkkans.db)."),
]
JsonOption = Annotated[
    bool, typer.Option("--json", help="Uitvoer als JSON in plaats van een tabel.")
]
TrackingOption = Annotated[
    str | None,
    typer.Option(
        "--tracking-uri",
        help="MLflow-opslag met het model (standaard: $MLFLOW_TRACKING_URI of "
        "sqlite:///mlruns.db hier).",
    ),
]
TodayOption = Annotated[
    str | None,
    typer.Option("--today", help="De datum van vandaag, JJJJ-MM-DD (standaard: de echte datum)."),
]
ActorOption = Annotated[
    str | None,
    typer.Option(
        "--actor",
        help="Wie dit vastlegt (komt in de geschiedenis); standaard cli:<gebruikersnaam>.",
    ),
]
MunicipalityOption = Annotated[
    str | None,
    typer.Option("--municipality", help="Alleen deze gemeente (CBS-code, bijv. GM0855)."),
]
HoldoutOption = Annotated[
    int,
    typer.Option(
        "--holdout-months", min=1, help="De laatste maanden die apart blijven voor de toetsing."
    ),
]


def cli_actor(actor: str | None = None, municipality: str | None = None) -> Actor:
    """Who acts on the command line: ``--actor``, else ``cli:<the operating-system user>``.

    Someone at the command line has the database itself at hand: they see
    every municipality (unless ``--municipality`` narrows it) and health
    information.
    """
    name = actor or f"cli:{getpass.getuser()}"
    return Actor(name, COMMAND_LINE_ROLE, municipality, sees_health=True)


def ids(values: list[str] | None) -> list[str]:
    """Ids given as repeated options and/or separated by commas."""
    return [part.strip() for v in values or [] for part in v.split(",") if part.strip()]


def parse_date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        fail(f"{option}: {value!r} is geen datum (JJJJ-MM-DD)")


def parse_today(value: str | None) -> dt.date:
    return parse_date(value, "--today") or dt.date.today()
