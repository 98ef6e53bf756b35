"""Shortlist and index commands."""

from __future__ import annotations

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
from api.services import open_services
from matching.records.storage import Store
from matching.shortlists.retrieval import RetrievalIndex, SyncReport
from matching.shortlists.shortlist import ShortlistError

index_app = typer.Typer(help="The retrieval index (FAISS) of candidates and work needs.", no_args_is_help=True)


def shortlist(
    work_need: Annotated[str | None, typer.Option("--work-need", help="Work need id: which candidates fit?")] = None,
    candidate: Annotated[str | None, typer.Option("--candidate", help="Candidate id: which employers to meet?")] = None,
    k: Annotated[int, typer.Option("-k", help="Number of matches.")] = 20,
    db: DbOption = None,
    tracking_uri: Annotated[str | None, typer.Option("--tracking-uri", help="MLflow store with the model.")] = None,
    as_json: JsonOption = False,
) -> None:
    """A shortlist: for a work need the best candidates, or for a candidate the best employers."""
    if (work_need is None) == (candidate is None):
        fail("give exactly one of --work-need or --candidate")
    config = settings(db, tracking_uri=tracking_uri)
    store = open_store(db)
    services = open_services(config, store=store)
    try:
        with console.status("kortelijst maken"):
            result = (
                services.engine.for_work_need(work_need, k)
                if work_need is not None
                else services.engine.for_candidate(candidate, k)
            )
    except ShortlistError as exc:
        fail(str(exc))
    if as_json:
        print_json(result.to_dict())
        return
    title = f"kortelijst voor {'werkvraag' if work_need else 'kandidaat'} {result.query_id}"
    table = Table("#", "kandidaat" if work_need else "werkgever", "werkvraag", "kans", "reden", title=title)
    for m in result.matches:
        chance = f"{m.probability:.0%}" if m.probability is not None else f"sim {m.similarity:.2f}"
        table.add_row(str(m.rank), m.candidate_id if work_need else m.employer_id, m.work_need_id, chance, m.reason)
    console.print(table)
    if result.note:
        console.print(f"[yellow]{result.note}[/]")
    if result.vetoed:
        console.print("afgevallen op harde criteria: " + ", ".join(f"{k} {v}" for k, v in result.vetoed.items()))


def _index(db: str | None) -> tuple[RetrievalIndex, Store]:
    config = settings(db)
    store = open_store(db)
    services = open_services(config, store=store, with_model=False)
    return services.index, store


def sync_with_progress(index: RetrievalIndex, store: Store, *, rebuild: bool = False) -> SyncReport:
    """Sync (or rebuild) the index from the store, showing embedding progress."""
    with Progress(console=console, transient=True) as progress:
        tasks: dict[str, int] = {}

        def report(kind: str, done: int, total: int) -> None:
            if kind not in tasks:
                tasks[kind] = progress.add_task(f"inbedden {kind}", total=total)
            progress.update(tasks[kind], completed=done)

        run = index.rebuild if rebuild else index.sync
        return run(store, progress=report)


def _summary(report: SyncReport) -> str:
    return ", ".join(
        f"{label} {sum(part.values())}"
        for label, part in (("nieuw", report.added), ("gewijzigd", report.updated), ("verwijderd", report.removed))
    )


@index_app.command("rebuild")
def rebuild(db: DbOption = None) -> None:
    """Build the index again from the store (unchanged texts come from the cache)."""
    index, store = _index(db)
    console.print("index opnieuw opgebouwd: " + _summary(sync_with_progress(index, store, rebuild=True)))


@index_app.command("sync")
def sync(db: DbOption = None) -> None:
    """Bring the index in line with the store (only changed texts are embedded)."""
    index, store = _index(db)
    console.print("index bijgewerkt: " + _summary(sync_with_progress(index, store)))


@index_app.command("check")
def check(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Compare the index with the store; exit code 1 when they differ."""
    index, store = _index(db)
    reports = index.check(store)
    if as_json:
        print_json({kind: r.__dict__ | {"consistent": r.consistent} for kind, r in reports.items()})
    else:
        for kind, r in reports.items():
            state = "in orde" if r.consistent else (
                f"ontbreekt {len(r.missing)}, verouderd {len(r.stale)}, overbodig {len(r.extra)}"
            )
            console.print(f"{kind}: {state}")
    if not all(r.consistent for r in reports.values()):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("shortlist")(shortlist)
    app.add_typer(index_app, name="index")
