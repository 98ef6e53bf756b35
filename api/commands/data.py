"""Data commands: simulate a municipality, import and export CSV folders."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer
from rich.progress import Progress, TaskID
from rich.table import Table

from api.commands.common import console, failing_on, load_settings, open_store, print_json
from api.commands.options import DbOption, JsonOption, MunicipalityOption

MAX_ERRORS_SHOWN = 200


def simulate(
    out_dir: Annotated[
        Path, typer.Option("--out", help="Map waarin de CSV-bestanden komen.")
    ],
    seed: Annotated[
        int, typer.Option(help="Startwaarde van het toeval; dezelfde geeft dezelfde bestanden.")
    ] = 7,
    candidates: Annotated[int, typer.Option(help="Aantal kandidaten.")] = 2000,
    employers: Annotated[int, typer.Option(help="Aantal werkgevers.")] = 150,
    months: Annotated[int, typer.Option(help="Maanden geschiedenis van bijeenkomsten.")] = 12,
    municipalities: Annotated[
        int,
        typer.Option(
            min=1,
            max=10,
            help="Aantal gemeenten van een arbeidsmarktregio (Midden-Brabant) in één map; "
            "--candidates en --employers gelden dan voor de grootste, de andere naar inwonertal.",
        ),
    ] = 1,
) -> None:
    """Simuleer een gemeente (of een regio): kandidaten, werkgevers, bijeenkomsten,
    uitkomsten, waarheid."""
    from services.simulation import simulate_municipality

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("simuleren", total=None)

        def report(step: str, done: float) -> None:
            progress.update(task, description=step, completed=done * 100, total=100)

        with failing_on():
            counts = simulate_municipality(
                out_dir, seed=seed, candidates=candidates, employers=employers, months=months,
                municipalities=municipalities, progress=report,
            )
    console.print(f"geschreven naar {out_dir}: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


def import_(
    directory: Annotated[
        Path, typer.Argument(help="Map met een CSV-bestand per soort gegevens.")
    ],
    db: DbOption = None,
    as_json: JsonOption = False,
    update_index: Annotated[
        bool,
        typer.Option("--index/--no-index", help="Nieuwe en gewijzigde teksten in de index opnemen."),
    ] = True,
    strict: Annotated[
        bool,
        typer.Option(
            "--strict",
            help="Ook bij waarschuwingen (te veel kandidaten aan een tafel, onbekende ESCO-code, "
            "uitkomst zonder gesprek) niets importeren.",
        ),
    ] = False,
) -> None:
    """Importeer een CSV-map; bij een foute cel wordt niets geschreven.

    Alles wordt eerst gecontroleerd: elk probleem komt terug als bestand, regel, kolom en
    reden. Ook of de geschiedenis klopt (gesprekken, tafels, rondes, uitkomsten).
    """
    from matching.records.importer import ImportRejected
    from services.data_exchange import import_records

    settings = load_settings(db)
    store = open_store(settings, create=True)
    index = None
    if update_index:
        from services.runtime import open_runtime

        index = open_runtime(settings.runtime(), store=store, with_model=False).index
    try:
        with Progress(console=console, transient=True) as bar:
            tasks: dict[str, TaskID] = {}

            def progress(kind: str, done: int, total: int) -> None:
                if kind not in tasks:
                    tasks[kind] = bar.add_task(f"inbedden {kind}", total=total)
                bar.update(tasks[kind], completed=done)

            imported = import_records(
                store, directory, index=index, progress=progress, strict=strict
            )
    except ImportRejected as exc:
        if as_json:
            print_json({"ok": False, "errors": [e.__dict__ for e in exc.errors]})
            raise typer.Exit(1) from None
        table = Table(
            "bestand", "regel", "kolom", "probleem",
            title=f"{len(exc.errors)} probleem/problemen in de map; er is niets geïmporteerd",
        )
        for error in exc.errors[:MAX_ERRORS_SHOWN]:
            table.add_row(error.file, str(error.line or ""), error.column, error.dutch or error.reason)
        console.print(table)
        if len(exc.errors) > MAX_ERRORS_SHOWN:
            console.print(f"... en nog {len(exc.errors) - MAX_ERRORS_SHOWN} problemen")
        raise typer.Exit(1) from None
    report = imported.report
    if as_json:
        print_json(
            {
                "ok": True,
                "index": None if imported.index is None else imported.index.__dict__,
                "read": report.read,
                "inserted": report.written.inserted,
                "updated": report.written.updated,
                "unchanged": report.written.unchanged,
                "warnings": [w.__dict__ for w in report.warnings],
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
    if report.warnings:
        warnings = Table(
            "bestand", "regel", "kolom", "waarschuwing",
            title=f"{len(report.warnings)} waarschuwing(en): wel geïmporteerd (--strict weigert ze)",
        )
        for warning in report.warnings[:MAX_ERRORS_SHOWN]:
            warnings.add_row(warning.file, str(warning.line or ""), warning.column, warning.dutch or warning.reason)
        console.print(warnings)


def export(
    directory: Annotated[Path, typer.Argument(help="Map waarin de CSV-bestanden komen.")],
    db: DbOption = None,
    municipality: MunicipalityOption = None,
) -> None:
    """Exporteer de database als CSV-map in het importformaat."""
    from services.data_exchange import export_records

    store = open_store(load_settings(db))
    counts = export_records(store, directory, municipality=municipality)
    console.print(
        f"geschreven naar {directory}: " + ", ".join(f"{k} {v}" for k, v in counts.items())
    )


def register(app: typer.Typer) -> None:
    app.command("simulate")(simulate)
    app.command("import")(import_)
    app.command("export")(export)
