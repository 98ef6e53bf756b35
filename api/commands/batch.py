"""``werkkans batch``: the nightly (or on-demand) run over every municipality."""

from __future__ import annotations

from typing import Annotated

import typer
from rich.progress import (
    BarColumn,
    MofNCompleteColumn,
    Progress,
    TaskID,
    TextColumn,
    TimeElapsedColumn,
)

from api.commands.common import console, fail, failing_on, load_settings, open_store, print_json
from api.commands.options import DbOption, JsonOption, TrackingOption

#: The report's steps as staff read them.
STEP_LABELS = {
    "start": "opstarten",
    "embed": "inbedden",
    "index": "index bijwerken",
    "train": "trainen",
    "fit": "waarvan modellen leren",
    "precompute": "vooraf berekenen",
}


def batch(
    workers: Annotated[
        int,
        typer.Option(
            min=0, max=256,
            help="Werkprocessen van het lokale Dask-cluster (0: alles in dit proces).",
        ),
    ] = 2,
    scheduler: Annotated[
        str | None,
        typer.Option(help="Adres van een draaiende Dask-scheduler (tcp://host:8786) in plaats "
                          "van een lokaal cluster."),
    ] = None,
    train: Annotated[
        bool, typer.Option("--train/--no-train", help="Ook de ranker opnieuw trainen.")
    ] = False,
    precompute: Annotated[
        bool,
        typer.Option("--precompute/--no-precompute",
                     help="Kortelijsten van alle open werkvragen vooraf berekenen."),
    ] = True,
    partition: Annotated[
        int, typer.Option(min=1, max=100_000, help="Teksten per deel bij het inbedden.")
    ] = 64,
    db: DbOption = None,
    tracking_uri: TrackingOption = None,
    as_json: JsonOption = False,
) -> None:
    """Nachtelijke run: nieuwe en gewijzigde teksten inbedden, de index bijwerken, eventueel
    opnieuw trainen, en de kortelijsten van alle open werkvragen vooraf berekenen.

    Na een onderbreking gaat een nieuwe run verder waar de vorige bleef: wat al ingebed of
    berekend is, wordt niet opnieuw gedaan.
    """
    from services.batch import BatchConfig, Trained, run_batch
    from services.retraining import RetrainRequest, retrain
    from services.runtime import open_runtime

    settings = load_settings(db, tracking_uri)
    store = open_store(settings)
    try:
        config = BatchConfig(
            workers=workers, scheduler=scheduler, partition_texts=partition, train=train,
            precompute=precompute,
        )
    except ValueError as exc:
        fail(str(exc), code=2)
    with console.status("tekstmodel laden"):
        runtime = open_runtime(settings.runtime(), store=store, with_model=False)

    def do_train() -> Trained:
        done = retrain(
            store, runtime.space, settings.effective_tracking_uri,
            RetrainRequest(trigger="batch"),
        )
        return Trained(
            done.run.model_version, done.result.dataset_summary["pairs"], done.result.fit_seconds
        )

    columns = (
        TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn()
    )
    with failing_on(as_json=as_json), Progress(*columns, console=console, transient=True) as bar:
        tasks: dict[str, TaskID] = {}

        def report(step: str, done: int, total: int) -> None:
            if step not in tasks:
                tasks[step] = bar.add_task(step, total=total)
            bar.update(tasks[step], completed=done, total=total)

        result = run_batch(
            store, runtime.space, settings.runtime(), config, progress=report,
            index_sync=lambda: runtime.index.sync(store), train=do_train,
        )
    if as_json:
        print_json(result.to_dict())
        return
    where = f"{result.workers} werkprocessen" if result.workers else "dit proces"
    console.print(
        f"klaar met {where}: {result.embedded} van {result.texts} teksten ingebed "
        f"({result.embed_partitions} delen), "
        f"{result.shortlists} kortelijsten vooraf berekend "
        f"({result.precompute_skipped} van {result.precompute_partitions} delen waren al klaar)"
        + (f", model {result.trained} getraind" if result.trained else "")
    )
    console.print(
        "tijd: " + ", ".join(
            f"{STEP_LABELS.get(step, step)} {seconds:.1f} s" for step, seconds in result.seconds.items()
        )
    )


def register(app: typer.Typer) -> None:
    app.command("batch")(batch)
