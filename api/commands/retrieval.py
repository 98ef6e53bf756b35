"""Shortlist and index commands: ``werkkans shortlist`` and ``werkkans index sync|rebuild|check``.

``werkkans shortlist`` goes through the same use case as the web pages and
the API (:class:`services.shortlists.ShortlistService`): the relationship
managers' pins and exclusions are applied and what is shown is written to
the audit log, with ``cli:<user>`` as who asked.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Annotated

import typer
from rich.progress import Progress, TaskID
from rich.table import Table

from api.commands.common import console, fail, failing_on, load_settings, open_store, print_json
from api.commands.options import (
    DbOption,
    JsonOption,
    MunicipalityOption,
    TrackingOption,
    cli_actor,
)

if TYPE_CHECKING:
    from api.settings import Settings
    from matching.records.storage import Store
    from matching.shortlists.retrieval import RetrievalIndex, SyncReport
    from services.runtime import Runtime
    from services.shortlists import Scope, ShortlistOut

index_app = typer.Typer(
    help="De zoekindex (FAISS) van kandidaten en werkvragen.", no_args_is_help=True
)


def load_runtime(settings: Settings, store: Store) -> Runtime:
    """The text space, index and engine with the model in service (tests swap in a small one)."""
    from services.runtime import open_runtime

    return open_runtime(settings.runtime(), store=store)


def shortlist(
    work_need: Annotated[
        str | None, typer.Option("--work-need", help="Werkvraag: welke kandidaten passen?")
    ] = None,
    candidate: Annotated[
        str | None, typer.Option("--candidate", help="Kandidaat: welke werkgevers ontmoeten?")
    ] = None,
    k: Annotated[int, typer.Option("-k", help="Aantal resultaten.")] = 20,
    region: Annotated[
        bool,
        typer.Option(
            "--regio",
            help="Ook uit de andere gemeenten van de arbeidsmarktregio: bij --work-need de "
            "kandidaten die zij delen (met hun toestemming), bij --candidate hun open werkvragen.",
        ),
    ] = False,
    db: DbOption = None,
    tracking_uri: TrackingOption = None,
    municipality: MunicipalityOption = None,
    as_json: JsonOption = False,
) -> None:
    """Een kortelijst: de beste kandidaten voor een werkvraag, of werkgevers voor een kandidaat.

    Vastgezette en uitgesloten kandidaten tellen mee; wat getoond is komt in het auditlog.
    """
    from services.runtime import new_audit_writer, prepare_store
    from services.shortlist_cache import ShortlistCache
    from services.shortlists import ShortlistService

    if (work_need is None) == (candidate is None):
        fail("geef precies een van --work-need of --candidate")
    settings = load_settings(db, tracking_uri)
    store = open_store(settings)
    prepare_store(store)
    runtime = load_runtime(settings, store)
    writer = new_audit_writer(store)
    service = ShortlistService(runtime, cache=ShortlistCache(store=store), writer=writer)
    actor = cli_actor(municipality=municipality)
    try:
        with failing_on(as_json=as_json), console.status("kortelijst maken"):
            scope: Scope = "region" if region else "municipality"
            result = asyncio.run(
                service.for_work_need(actor, work_need, k=k, scope=scope)
                if work_need is not None
                else service.for_candidate(actor, str(candidate), k=k, scope=scope)
            )
    finally:
        writer.close()  # what was shown is in the audit log before the command ends
    if as_json:
        print_json(result.model_dump(mode="json"))
        return
    from matching.records.schemas import Municipality

    _print_shortlist(result, {m.id: m.name for m in store.list(Municipality)})


def _print_shortlist(result: ShortlistOut, places: dict[str, str]) -> None:
    """The list as a table; ``places``: municipality code -> name."""
    for_need = result.direction == "work_need"
    title = f"kortelijst voor {'werkvraag' if for_need else 'kandidaat'} {result.query_id}"
    table = Table(
        "#", "kandidaat" if for_need else "werkgever", "werkvraag", "kans", "reden", title=title
    )
    for m in result.matches:
        chance = f"{m.probability:.0%}" if m.probability is not None else f"sim {m.similarity:.2f}"
        who = (
            (f"{m.candidate_name} ({m.candidate_id})" if m.candidate_name else m.candidate_id)
            if for_need else (m.employer_name or m.employer_id)
        )
        # another municipality of the region: the candidate's (uit) or the work's (in)
        home = m.candidate_municipality if m.shared_by_region else m.work_need_municipality
        if home is not None:
            where = "uit" if m.shared_by_region else "in"
            who += f" — {where} {places.get(home, home)}, contact via die gemeente"
        table.add_row(
            str(m.rank), who + (" (vast)" if m.pinned else ""), m.work_need_id, chance, m.reason
        )
    console.print(table)
    if result.note:
        console.print(f"[yellow]{result.note}[/]")
    if result.excluded:
        console.print(
            "uitgesloten: " + ", ".join(f"{e.id} ({e.reason})" for e in result.excluded)
        )
    if result.vetoed:
        from matching.shortlists.vetoes import VETO_LABELS

        labels = {veto.value: label for veto, label in VETO_LABELS.items()}
        console.print(
            "afgevallen op harde criteria: "
            + ", ".join(f"{labels.get(k, k)} {v}" for k, v in result.vetoed.items())
        )
    console.print(f"auditlog: {result.audit_ref}")


def _index(db: str | None) -> tuple[RetrievalIndex, Store]:
    from services.runtime import open_runtime

    settings = load_settings(db)
    store = open_store(settings)
    runtime = open_runtime(settings.runtime(), store=store, with_model=False)
    return runtime.index, store


def sync_with_progress(index: RetrievalIndex, store: Store, *, rebuild: bool = False) -> SyncReport:
    """Sync (or rebuild) the index from the store, showing embedding progress."""
    from services.data_exchange import sync_index

    with Progress(console=console, transient=True) as progress:
        tasks: dict[str, TaskID] = {}

        def report(kind: str, done: int, total: int) -> None:
            if kind not in tasks:
                tasks[kind] = progress.add_task(f"inbedden {kind}", total=total)
            progress.update(tasks[kind], completed=done)

        return sync_index(store, index, rebuild=rebuild, progress=report)


def _summary(report: SyncReport) -> str:
    parts = (("nieuw", report.added), ("gewijzigd", report.updated), ("verwijderd", report.removed))
    return ", ".join(f"{label} {sum(part.values())}" for label, part in parts)


@index_app.command("rebuild")
def rebuild(db: DbOption = None) -> None:
    """Bouw de index opnieuw op uit de database (ongewijzigde teksten komen uit de cache)."""
    index, store = _index(db)
    report = sync_with_progress(index, store, rebuild=True)
    console.print("index opnieuw opgebouwd: " + _summary(report))


@index_app.command("sync")
def sync(db: DbOption = None) -> None:
    """Breng de index in lijn met de database (alleen gewijzigde teksten worden ingebed)."""
    index, store = _index(db)
    console.print("index bijgewerkt: " + _summary(sync_with_progress(index, store)))


@index_app.command("check")
def check(db: DbOption = None, as_json: JsonOption = False) -> None:
    """Vergelijk de index met de database; exitcode 1 als ze verschillen."""
    from services.data_exchange import check_index

    index, store = _index(db)
    reports = check_index(store, index)
    if as_json:
        print_json({kind: r.__dict__ | {"consistent": r.consistent} for kind, r in reports.items()})
    else:
        for kind, r in reports.items():
            state = (
                "in orde"
                if r.consistent
                else f"ontbreekt {len(r.missing)}, verouderd {len(r.stale)}, "
                f"overbodig {len(r.extra)}"
            )
            console.print(f"{kind}: {state}")
    if not all(r.consistent for r in reports.values()):
        raise typer.Exit(1)


def register(app: typer.Typer) -> None:
    app.command("shortlist")(shortlist)
    app.add_typer(index_app, name="index")
