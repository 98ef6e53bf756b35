"""Data commands: simulate a municipality, import and export CSV folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress
from rich.table import Table

from api.commands.common import (
    DbOption,
    JsonOption,
    console,
    fail,
    open_store,
    print_json,
    settings,
)
from matching.records.importer import ImportRejected, export_folder, import_folder

MAX_ERRORS_SHOWN = 200


def simulate(
    out_dir: Annotated[Path, typer.Option("--out", help="Folder to write the CSV files to.")],
    seed: Annotated[int, typer.Option(help="Random seed; the same seed gives the same files.")] = 7,
    candidates: Annotated[int, typer.Option(help="Number of candidates.")] = 2000,
    employers: Annotated[int, typer.Option(help="Number of employers.")] = 150,
    months: Annotated[int, typer.Option(help="Months of event history.")] = 12,
) -> None:
    """Simulate a municipality: candidates, employers, events, outcomes and the hidden truth."""
    from training.simulator import SimulationConfig, write_world
    from training.simulator import simulate as run

    try:
        config = SimulationConfig(
            seed=seed, n_candidates=candidates, n_employers=employers, months=months
        )
    except ValueError as exc:
        fail(str(exc))
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("simuleren", total=None)

        def report(step: str, done: float) -> None:
            progress.update(task, description=step, completed=done * 100, total=100)

        world = run(config, progress=report)
        progress.update(task, description="schrijven")
        counts = write_world(world, out_dir)
    console.print(f"geschreven naar {out_dir}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def import_(
    directory: Annotated[Path, typer.Argument(help="Folder with one CSV file per record type.")],
    db: DbOption = None,
    as_json: JsonOption = False,
    update_index: Annotated[
        bool, typer.Option("--index/--no-index", help="Embed new and changed texts into the index.")
    ] = True,
) -> None:
    """Import a CSV folder: everything is checked first; one bad cell and nothing is written."""
    store = open_store(db)
    try:
        report = import_folder(store, directory)
    except ImportRejected as exc:
        if as_json:
            print_json({"ok": False, "errors": [e.__dict__ for e in exc.errors]})
            raise typer.Exit(1)
        table = Table("bestand", "regel", "kolom", "probleem", title=str(exc))
        for error in exc.errors[:MAX_ERRORS_SHOWN]:
            table.add_row(error.file, str(error.line or ""), error.column, error.reason)
        console.print(table)
        if len(exc.errors) > MAX_ERRORS_SHOWN:
            console.print(f"... en nog {len(exc.errors) - MAX_ERRORS_SHOWN} problemen")
        raise typer.Exit(1)
    index_changes = None
    if update_index:
        from api.commands.retrieval import sync_with_progress
        from api.services import open_services

        services = open_services(settings(db), store=store, with_model=False)
        index_changes = sync_with_progress(services.index, store)
    if as_json:
        print_json(
            {
                "ok": True,
                "index": None if index_changes is None else index_changes.__dict__,
                "read": report.read,
                "inserted": report.written.inserted,
                "updated": report.written.updated,
                "unchanged": report.written.unchanged,
            }
        )
        return
    table = Table("bestand", "gelezen", "nieuw", "gewijzigd", "ongewijzigd")
    for entity, n in report.read.items():
        table.add_row(
            entity,
            str(n),
            str(report.written.inserted.get(entity, 0)),
            str(report.written.updated.get(entity, 0)),
            str(report.written.unchanged.get(entity, 0)),
        )
    console.print(table)


def export(
    directory: Annotated[Path, typer.Argument(help="Folder to write the CSV files to.")],
    db: DbOption = None,
    municipality: Annotated[
        str | None, typer.Option(help="Only this municipality's records.")
    ] = None,
) -> None:
    """Export the store as a CSV folder in the import format."""
    store = open_store(db, create=False)
    counts = export_folder(store, directory, municipality=municipality)
    console.print(f"geschreven naar {directory}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
    app.command("import")(import_)
    app.command("export")(export)
