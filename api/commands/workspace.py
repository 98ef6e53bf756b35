"""``werkkans init DIR``: a workspace folder that every later command finds by itself."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.commands.common import console, fail, load_settings, open_store
from api.workspace import CONFIG_FILE, create_workspace


def init(
    directory: Annotated[Path, typer.Argument(help="Map van de nieuwe werkruimte.")],
    db: Annotated[
        str | None,
        typer.Option(
            "--db",
            help="Database-URL, bijv. postgresql+psycopg://werkkans@db/werkkans "
            "(standaard: werkkans.db in de map).",
        ),
    ] = None,
) -> None:
    """Maak een werkruimte: database, index, MLflow-opslag en instellingen in één map.

    Elk commando dat daarna in die map (of met --workspace) draait, gebruikt ze.
    """
    directory = directory.expanduser().resolve()
    if (directory / CONFIG_FILE).exists():
        fail(f"{directory} is al een werkruimte ({CONFIG_FILE} staat er)")
    config = create_workspace(directory, database=db)
    settings = load_settings(workspace=directory)
    store = open_store(settings, create=True)
    from services.runtime import prepare_store

    prepare_store(store)  # opening it gave it its pseudonym key (made in the workspace's home)
    store.dispose()
    console.print(
        f"werkruimte gemaakt: {config}\n"
        f"  database: {store.safe_url}\n"
        f"volgende stappen: cd {directory} && werkkans import MAP-MET-CSV && "
        "werkkans users add --username NAAM --role administrator --municipality GMxxxx"
    )


def register(app: typer.Typer) -> None:
    app.command("init")(init)
