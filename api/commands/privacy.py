"""A candidate's rights from the command line: access (AVG art. 15) and erasure (art. 17)."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from api.commands.common import (
    console,
    fail,
    failing_on,
    load_settings,
    open_store,
    out,
    print_json,
)
from api.commands.options import DbOption, JsonOption, MunicipalityOption, TrackingOption, cli_actor

erasure_app = typer.Typer(
    help="Een kandidaat wissen (recht op vergetelheid) en controleren of dat gelukt is.",
    no_args_is_help=True,
)


@erasure_app.command("erase")
def erase(
    candidate_id: Annotated[str, typer.Argument(help="De kandidaat die gewist wordt.")],
    yes: Annotated[bool, typer.Option("--yes", help="Niet om bevestiging vragen.")] = False,
    db: DbOption = None,
    tracking_uri: TrackingOption = None,
    municipality: MunicipalityOption = None,
    as_json: JsonOption = False,
) -> None:
    """Wis een kandidaat overal: gegevens, geschiedenis, index en caches. Kan niet ongedaan worden."""
    from api.commands.retrieval import load_runtime
    from services.erasure import erase as erase_candidate
    from services.runtime import new_audit_writer

    if not yes and not typer.confirm(f"Kandidaat {candidate_id} definitief wissen?"):
        fail("niets gewist")
    settings = load_settings(db, tracking_uri)
    store = open_store(settings)
    runtime = load_runtime(settings, store)
    writer = new_audit_writer(store)
    try:
        with failing_on(as_json=as_json):
            report = erase_candidate(
                runtime, writer, cli_actor(municipality=municipality), candidate_id
            )
    finally:
        writer.close()
    if as_json:
        print_json(report.model_dump(mode="json"))
        return
    removed = ", ".join(f"{n} {kind}" for kind, n in report.removed.items())
    out.print(f"kandidaat {candidate_id} gewist ({removed}); blijft alleen pseudoniem {report.pseudonym[:16]}…")


@erasure_app.command("verify")
def verify(
    candidate_id: Annotated[str, typer.Argument(help="De kandidaat die gewist is.")],
    db: DbOption = None,
    tracking_uri: TrackingOption = None,
    as_json: JsonOption = False,
) -> None:
    """Zoek overal of een kandidaat nog te vinden is: database (ook het logbestand van SQLite),
    index en MLflow-bestanden. Stopt met code 1 als er iets gevonden is."""
    from api.commands.retrieval import load_runtime
    from services.erasure import verify as verify_erasure

    settings = load_settings(db, tracking_uri)
    store = open_store(settings)
    result = verify_erasure(load_runtime(settings, store), candidate_id)
    if as_json:
        print_json(result.model_dump(mode="json"))
    else:
        state = "gewist" if result.erased else "niet gewist"
        searched = ["alle tabellen van de database", "de zoekindex"]
        searched += [f"het bestand {f}" for f in result.database_files]
        searched += [f"de MLflow-bestanden in {f}" for f in result.artifact_folders]
        out.print(f"kandidaat {candidate_id} ({state}); doorzocht: {', '.join(searched)}")
        for where, count in result.found.items():
            out.print(f"  [red]gevonden[/] in {where}: {count}×")
        console.print(
            "  niet doorzocht: de embeddingcache (geordend op tekst, niet op id; bij het wissen "
            "zijn de teksten van elke versie van het profiel verwijderd)"
        )
        for location in result.artifacts_not_searched:
            console.print(f"  niet doorzocht: MLflow-bestanden ({location})")
        out.print("niets gevonden" if result.clean else "[red]er is nog iets te vinden[/]")
    if not result.clean:
        raise typer.Exit(1)


candidate_app = typer.Typer(
    help="Wat werkkans over een kandidaat weet (recht op inzage).", no_args_is_help=True
)


@candidate_app.command("export")
def export(
    candidate_id: Annotated[str, typer.Argument(help="De kandidaat die inzage vraagt.")],
    out_dir: Annotated[
        Path, typer.Option("--out", help="Map voor kandidaat-ID.json en kandidaat-ID.html.")
    ] = Path("."),
    db: DbOption = None,
    tracking_uri: TrackingOption = None,
    municipality: MunicipalityOption = None,
) -> None:
    """Alles wat over een kandidaat is vastgelegd, als JSON en als leesbare pagina in het
    Nederlands (met uitleg hoe voorstellen tot stand komen); komt in het logboek."""
    import json

    from api.commands.retrieval import load_runtime
    from models.atomic_write import atomic_write
    from services.subject_access import export as export_candidate

    settings = load_settings(db, tracking_uri)
    store = open_store(settings)
    runtime = load_runtime(settings, store)
    with failing_on():
        made = export_candidate(runtime, cli_actor(municipality=municipality), candidate_id)
    out_dir.mkdir(parents=True, exist_ok=True)
    for suffix, text in (
        ("json", json.dumps(made.data, ensure_ascii=False, indent=2, default=str)),
        ("html", made.html),
    ):
        atomic_write(out_dir / f"kandidaat-{candidate_id}.{suffix}", text.encode("utf-8"))
    counts = ", ".join(f"{len(rows)} {kind}" for kind, rows in made.data["records"].items())
    out.print(f"inzage voor kandidaat {candidate_id} geschreven in {out_dir} ({counts})")


def register(app: typer.Typer) -> None:
    app.add_typer(erasure_app, name="erasure")
    app.add_typer(candidate_app, name="candidate")
