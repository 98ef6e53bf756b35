"""Model commands: train and evaluate the ranker, and manage the registered versions.

``werkkans train`` builds graded pairs from the database's history, trains
LambdaMART and the baselines, logs the run to MLflow, registers the bundle and
promotes it to ``champion`` only if it beats the model in service on the same
held-out months. ``werkkans evaluate`` scores the champion on a database's
latest held-out months. ``werkkans model list|show|promote`` read and move the
registry's ``champion`` alias.

The tracking store is ``--tracking-uri``, else ``$MLFLOW_TRACKING_URI``, else
a SQLite store ``mlruns.db`` in the working directory (MLflow 3 no longer
accepts its old ``./mlruns`` file store; a ``file:`` URI is read as the SQLite
store beside that folder).
"""

from __future__ import annotations

import math
from typing import Annotated, Any

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
from api.settings import Settings

model_app = typer.Typer(
    help="Registered ranker versions (MLflow model registry) and the champion alias.",
    no_args_is_help=True,
)

TrackingOption = Annotated[
    str | None,
    typer.Option(
        "--tracking-uri",
        help="MLflow tracking URI (default: $MLFLOW_TRACKING_URI or sqlite:///mlruns.db here).",
    ),
]
HoldoutOption = Annotated[
    int, typer.Option("--holdout-months", min=1, help="Latest months held out for evaluation.")
]
#: Name of the registered model (as in :data:`matching.serving.model_registry.REGISTERED_MODEL`; not imported
#: from there so that ``werkkans --help`` does not load MLflow).
REGISTERED = "werkkans-ranker"

MunicipalityOption = Annotated[
    str | None, typer.Option("--municipality", help="Only this municipality's history.")
]


def _tracking_uri(config: Settings) -> str:
    from matching.serving.model_registry import resolve_tracking_uri

    return resolve_tracking_uri(config.effective_tracking_uri)


def _text_space(config: Settings):
    from matching.shortlists.text_space import TextSpace

    with console.status("tekstmodel laden"):
        return TextSpace.create(config.home, config.model)


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


def _progress_dataset(store, space, municipality, group_by="work_need"):
    from training.dataset import build_dataset

    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("dataset bouwen", total=100)

        def report(step: str, done: float) -> None:
            progress.update(task, description=step, completed=done * 100)

        return build_dataset(
            store, text_space=space, municipality=municipality, group_by=group_by, progress=report
        )


def train(
    db: DbOption = None,
    tracking_uri: TrackingOption = None,
    holdout_months: HoldoutOption = 3,
    calibration_months: Annotated[
        int,
        typer.Option(
            "--calibration-months", min=1, help="Months before the held-out ones for calibration."
        ),
    ] = 2,
    municipality: MunicipalityOption = None,
    promote: Annotated[
        bool,
        typer.Option(
            "--promote/--no-promote", help="Promote to champion if it beats the champion."
        ),
    ] = True,
    seed: Annotated[int, typer.Option(help="Random seed of the fit.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Train the ranker on the database's history, log it to MLflow, promote it if it is better."""
    from matching.serving.model_registry import TrackingError, check_reachable
    from training.pair_featurizer import DatasetError
    from training.run_logging import log_training
    from training.train import TrainConfig, TrainingError, train_on_dataset

    config = settings(db, tracking_uri=tracking_uri)
    uri = _tracking_uri(config)
    try:
        check_reachable(uri)  # before minutes of training, not after
    except TrackingError as exc:
        fail(str(exc), code=2)
    try:
        train_config = TrainConfig(
            holdout_months=holdout_months, calibration_months=calibration_months, random_state=seed
        )
    except ValueError as exc:
        fail(str(exc))
    store = open_store(db, create=False)
    space = _text_space(config)
    try:
        dataset = _progress_dataset(store, space, municipality, train_config.group_by)
        with console.status("trainen"):
            result = train_on_dataset(dataset, train_config)
    except (TrainingError, DatasetError) as exc:
        fail(str(exc))
    result.bundle.metadata["text_space"] = space.name
    result.bundle.metadata["sim_hybrid_dense_weight"] = space.dense_weight
    try:
        with console.status("vastleggen in MLflow"):
            run = log_training(
                result,
                tracking_uri=uri,
                promote=promote,
                tags={
                    "werkkans.database": store.safe_url,
                    "werkkans.municipality": municipality or "all",
                },
            )
    except TrackingError as exc:
        fail(str(exc), code=2)

    if as_json:
        print_json(
            {
                **run.to_dict(),
                "test": result.metrics,
                "periods": result.periods,
                "data": result.dataset_summary,
            }
        )
        return
    metric = result.primary_metric
    table = Table(
        "model",
        metric,
        "recall@10",
        "MAP",
        "Brier",
        "ECE",
        title=f"getoetst op {result.periods['test'][0]} t/m {result.periods['test'][1]}",
    )
    for name, values in result.metrics.items():
        table.add_row(
            name, *(_fmt(values.get(k)) for k in (metric, "recall@10", "map", "brier", "ece"))
        )
    console.print(table)
    verdict = "gepromoveerd tot champion" if run.promoted else "niet gepromoveerd"
    console.print(
        f"run {run.run_id}: {REGISTERED} versie {run.model_version} {verdict} ({run.decision.reason})"
    )


def evaluate(
    db: DbOption = None,
    tracking_uri: TrackingOption = None,
    holdout_months: HoldoutOption = 3,
    municipality: MunicipalityOption = None,
    as_json: JsonOption = False,
) -> None:
    """The champion's metrics (and the similarity baselines') on the database's latest held-out months."""
    from matching.serving.model_registry import TrackingError, load_champion
    from models.bundle import BundleError
    from training.evaluate import evaluate_store
    from training.pair_featurizer import DatasetError

    config = settings(db, tracking_uri=tracking_uri)
    uri = _tracking_uri(config)
    try:
        champion = load_champion(uri)
    except (TrackingError, BundleError) as exc:
        fail(str(exc), code=2)
    store = open_store(db, create=False)
    space = _text_space(config)
    try:
        dataset = _progress_dataset(store, space, municipality)
        report = evaluate_store(
            store, text_space=space, bundle=champion, holdout_months=holdout_months, dataset=dataset
        )
    except DatasetError as exc:
        fail(str(exc))
    except BundleError as exc:
        fail(str(exc), code=2)
    payload = report.to_dict()
    if as_json:
        print_json(payload)
        return
    metric = report.primary_metric
    table = Table(
        "model",
        metric,
        "recall@10",
        "MAP",
        "Brier",
        "ECE",
        title=f"{report.holdout_start} t/m {report.holdout_end}: {report.n_pairs} gesprekken, "
        f"{report.n_lists} lijsten, {report.n_good} goede uitkomsten",
    )
    rows = (
        [(f"champion {report.model_version}", payload["model"])] if payload["model"] else []
    ) + [(name, values) for name, values in payload["baselines"].items()]
    for name, values in rows:
        table.add_row(
            name, *(_fmt(values.get(k)) for k in (metric, "recall@10", "map", "brier", "ece"))
        )
    console.print(table)
    if champion is None:
        console.print("[yellow]er is nog geen champion: alleen de baselines[/]")


def list_models(tracking_uri: TrackingOption = None, as_json: JsonOption = False) -> None:
    """Every registered ranker version, newest first."""
    from matching.serving.model_registry import TrackingError, list_versions

    uri = _tracking_uri(settings(tracking_uri=tracking_uri))
    try:
        versions = list_versions(uri)
    except TrackingError as exc:
        fail(str(exc), code=2)
    if as_json:
        print_json([v.to_dict() for v in versions])
        return
    table = Table(
        "versie",
        "champion",
        "ndcg@10",
        "trainingsperiode",
        "aangemaakt",
        "promotie",
        title=REGISTERED,
    )
    for v in versions:
        table.add_row(
            v.version,
            "ja" if v.is_champion else "",
            v.tags.get("ndcg_at_10", "-"),
            v.tags.get("training_period", "-"),
            v.created_at,
            v.tags.get("promotion", "-"),
        )
    console.print(table)
    if not versions:
        console.print("nog geen geregistreerde versies: draai werkkans train")


def show(
    version: Annotated[
        str | None, typer.Argument(help="Version number (default: the champion).")
    ] = None,
    tracking_uri: TrackingOption = None,
    as_json: JsonOption = False,
) -> None:
    """One version's details and test metrics (the champion by default)."""
    from matching.serving.model_registry import TrackingError, UnknownVersionError, describe_version

    uri = _tracking_uri(settings(tracking_uri=tracking_uri))
    try:
        info = describe_version(uri, version)
    except UnknownVersionError as exc:
        fail(str(exc))
    except TrackingError as exc:
        fail(str(exc), code=2)
    if info is None:
        fail("er is nog geen champion: draai werkkans train", code=1)
    if as_json:
        print_json(info.to_dict())
        return
    table = Table(
        "",
        "",
        title=f"{REGISTERED} versie {info.version}{' (champion)' if info.is_champion else ''}",
    )
    for key, value in [
        ("run", info.run_id),
        ("aangemaakt", info.created_at),
        ("bron", info.source),
        ("toelichting", info.description),
        *sorted(info.tags.items()),
        *sorted((k, _fmt(v)) for k, v in info.metrics.items()),
    ]:
        table.add_row(str(key), str(value))
    console.print(table)


def promote(
    version: Annotated[str, typer.Argument(help="Version number to make the champion.")],
    tracking_uri: TrackingOption = None,
    as_json: JsonOption = False,
) -> None:
    """Make a version the champion by hand (skips the gate; recorded on the version)."""
    from matching.serving.model_registry import TrackingError, UnknownVersionError, promote_version
    from models.bundle import BundleError

    uri = _tracking_uri(settings(tracking_uri=tracking_uri))
    try:
        info = promote_version(uri, version)
    except UnknownVersionError as exc:
        fail(str(exc))
    except TrackingError as exc:
        fail(str(exc), code=2)
    except BundleError as exc:
        fail(f"versie {version} kan niet dienen: {exc}", code=1)
    if as_json:
        print_json(info.to_dict())
        return
    console.print(f"{REGISTERED} versie {info.version} is nu de champion")


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("evaluate")(evaluate)
    model_app.command("list")(list_models)
    model_app.command("show")(show)
    model_app.command("promote")(promote)
    app.add_typer(model_app, name="model")
