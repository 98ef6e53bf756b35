"""Model commands: train and evaluate the ranker, and manage the registered versions.

``werkkans train`` runs the retraining pipeline (:func:`services.retraining.retrain`,
the same one as ``POST /models/retrain``): graded pairs from the database's
history, the ranker and the previous models, an MLflow run, the bundle registered
and promoted to ``champion`` only if it beats the model in service on the
same held-out months. ``werkkans evaluate`` scores the champion on a
database's latest held-out months. ``werkkans model list|show|promote`` read
and move the registry's ``champion`` alias.

The tracking store is ``--tracking-uri``, else ``$MLFLOW_TRACKING_URI``, else
a SQLite store ``mlruns.db`` in the working directory (MLflow 3 no longer
accepts its old ``./mlruns`` file store; a ``file:`` URI is read as the SQLite
store beside that folder).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.progress import Progress
from rich.table import Table

from api.commands.common import (
    console,
    fail,
    failing_on,
    load_settings,
    open_store,
    print_json,
)
from api.commands.options import (
    DbOption,
    HoldoutOption,
    JsonOption,
    MunicipalityOption,
    TrackingOption,
)
from api.settings import Settings
from api.wording import promotion_in_dutch

if TYPE_CHECKING:
    from matching.shortlists.text_space import TextSpace

model_app = typer.Typer(
    help="Geregistreerde versies van de ranker (MLflow-modelregister) en de champion.",
    no_args_is_help=True,
)


def _text_space(settings: Settings) -> TextSpace:
    from services.runtime import text_space

    with console.status("tekstmodel laden"):
        return text_space(settings.runtime())


def _fmt(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    return f"{value:.4f}" if isinstance(value, float) else str(value)


@contextmanager
def _progress() -> Iterator[Callable[[str, float], None]]:
    """A progress bar the use cases report their steps to."""
    with Progress(console=console, transient=True) as progress:
        task = progress.add_task("dataset bouwen", total=100)

        def report(step: str, done: float) -> None:
            progress.update(task, description=step, completed=done * 100)

        yield report


def _registered_model() -> str:
    from matching.serving.model_registry import REGISTERED_MODEL

    return REGISTERED_MODEL


def _metrics_table(title: str, metric: str, rows: list[tuple[str, dict[str, Any]]]) -> Table:
    table = Table("model", metric, "recall@10", "MAP", "Brier", "ECE", title=title)
    for name, values in rows:
        table.add_row(
            name, *(_fmt(values.get(k)) for k in (metric, "recall@10", "map", "brier", "ece"))
        )
    return table


def train(
    db: DbOption = None,
    tracking_uri: TrackingOption = None,
    holdout_months: HoldoutOption = 3,
    municipality: MunicipalityOption = None,
    promote: Annotated[
        bool,
        typer.Option(
            "--promote/--no-promote", help="Maak het de champion als het beter is dan de champion."
        ),
    ] = True,
    seed: Annotated[int, typer.Option(help="Startwaarde van het toeval bij het trainen.")] = 0,
    as_json: JsonOption = False,
) -> None:
    """Train de ranker op de geschiedenis en maak hem champion als hij beter is.

    Elke training komt als run in MLflow; de nieuwe versie wordt alleen champion als hij
    op dezelfde toetsmaanden beter scoort dan de champion.
    """
    from services.retraining import RetrainRequest, retrain

    settings = load_settings(db, tracking_uri)
    store = open_store(settings)
    space = _text_space(settings)
    request = RetrainRequest(
        holdout_months=holdout_months,
        promote=promote,
        seed=seed,
        municipality=municipality,
        trigger="cli",
    )
    with failing_on(), _progress() as progress:
        done = retrain(store, space, settings.effective_tracking_uri, request, progress=progress)
    run, result = done.run, done.result
    if as_json:
        print_json(
            {
                **done.to_dict(),
                "test": result.metrics,
                "periods": result.periods,
                "data": result.dataset_summary,
            }
        )
        return
    period = result.periods["test"]
    console.print(
        _metrics_table(
            f"getoetst op {period[0]} t/m {period[1]}",
            result.primary_metric,
            list(result.metrics.items()),
        )
    )
    verdict = "gepromoveerd tot champion" if run.promoted else "niet gepromoveerd"
    console.print(
        f"run {run.run_id}: {_registered_model()} versie {run.model_version} {verdict} "
        f"({promotion_in_dutch(run.decision)})"
    )
    console.print(
        f"kans om zelf werk te vinden: getoetst en vastgelegd in run {done.own_chance_run} "
        "(modelkaart own_chance_card.md)" if done.own_chance_run is not None else
        "kans om zelf werk te vinden: niet getoetst, te weinig zelf gevonden werk in de geschiedenis"
    )


def evaluate(
    db: DbOption = None,
    tracking_uri: TrackingOption = None,
    holdout_months: HoldoutOption = 3,
    municipality: MunicipalityOption = None,
    as_json: JsonOption = False,
) -> None:
    """De kengetallen van de champion en de tekstovereenkomst op de laatste toetsmaanden."""
    from services.ranker_versions import evaluate_champion

    settings = load_settings(db, tracking_uri)
    store = open_store(settings)
    space = _text_space(settings)
    with failing_on(), _progress() as progress:
        report, has_champion = evaluate_champion(
            store,
            space,
            settings.effective_tracking_uri,
            holdout_months=holdout_months,
            municipality=municipality,
            progress=progress,
        )
    payload = report.to_dict()
    if as_json:
        print_json(payload)
        return
    rows = (
        [(f"champion {report.model_version}", payload["model"])] if payload["model"] else []
    ) + list(payload["baselines"].items())
    console.print(
        _metrics_table(
            f"{report.holdout_start} t/m {report.holdout_end}: {report.n_pairs} gesprekken, "
            f"{report.n_lists} lijsten, {report.n_good} goede uitkomsten",
            report.primary_metric,
            rows,
        )
    )
    if not has_champion:
        console.print("[yellow]er is nog geen champion: alleen de vergelijkingsmodellen[/]")
    if report.scored_as_tested:
        console.print(
            "de champion heeft na zijn toets ook van deze maanden geleerd; de cijfers zijn die "
            "van de versie zoals die getoetst is"
        )


def list_models(tracking_uri: TrackingOption = None, as_json: JsonOption = False) -> None:
    """Elke geregistreerde versie van de ranker, nieuwste eerst."""
    from services.ranker_versions import versions

    with failing_on():
        found = versions(load_settings(tracking_uri=tracking_uri).effective_tracking_uri)
    if as_json:
        print_json([v.to_dict() for v in found])
        return
    table = Table(
        "versie",
        "champion",
        "ndcg@10",
        "trainingsperiode",
        "aangemaakt",
        "promotie",
        title=_registered_model(),
    )
    for v in found:
        table.add_row(
            v.version,
            "ja" if v.is_champion else "",
            v.tags.get("ndcg_at_10", "-"),
            v.tags.get("training_period", "-"),
            v.created_at,
            v.tags.get("promotion", "-"),
        )
    console.print(table)
    if not found:
        console.print("nog geen geregistreerde versies: draai werkkans train")


def show(
    version: Annotated[
        str | None, typer.Argument(help="Versienummer (standaard: de champion).")
    ] = None,
    tracking_uri: TrackingOption = None,
    as_json: JsonOption = False,
) -> None:
    """De gegevens en toetsresultaten van een versie (standaard de champion)."""
    from services.ranker_versions import describe

    with failing_on():
        info = describe(load_settings(tracking_uri=tracking_uri).effective_tracking_uri, version)
    if info is None:
        fail("er is nog geen champion: draai werkkans train", code=1)
    if as_json:
        print_json(info.to_dict())
        return
    table = Table(
        "",
        "",
        title=f"{_registered_model()} versie {info.version}"
        f"{' (champion)' if info.is_champion else ''}",
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
    version: Annotated[str, typer.Argument(help="Het versienummer dat champion wordt.")],
    tracking_uri: TrackingOption = None,
    as_json: JsonOption = False,
) -> None:
    """Maak een versie met de hand champion (zonder toets; vastgelegd bij de versie)."""
    from services import ranker_versions

    with failing_on():
        info, _ = ranker_versions.promote(
            load_settings(tracking_uri=tracking_uri).effective_tracking_uri, version
        )
    if as_json:
        print_json(info.to_dict())
        return
    console.print(f"{_registered_model()} versie {info.version} is nu de champion")


def card(
    version: Annotated[
        str | None, typer.Argument(help="Versienummer (standaard: de champion).")
    ] = None,
    register_entry: Annotated[
        bool,
        typer.Option("--register", help="De tekst voor het Algoritmeregister in plaats van de modelkaart."),
    ] = False,
    tracking_uri: TrackingOption = None,
    as_json: JsonOption = False,
) -> None:
    """De modelkaart van een versie (standaard de champion): waarop geleerd, waarvoor wel en
    niet, hoe goed, per groep, kalibratie en bekende beperkingen."""
    from services import ranker_versions

    with failing_on():
        text = ranker_versions.card(
            load_settings(tracking_uri=tracking_uri).effective_tracking_uri, version,
            kind="algorithm_register" if register_entry else "model_card",
            form="json" if as_json else "md",
        )
    typer.echo(text, nl=False)


def impact(
    period: Annotated[
        str | None,
        typer.Option("--period", help="Periode van de metingen, zoals bij het rapport (standaard: "
                     "de laatste 12 hele maanden)."),
    ] = None,
    out_path: Annotated[
        Path | None, typer.Option("--out", help="Schrijf het werkblad (markdown) naar dit bestand.")
    ] = None,
    db: DbOption = None,
    tracking_uri: TrackingOption = None,
    municipality: MunicipalityOption = None,
    as_json: JsonOption = False,
) -> None:
    """IAMA/FRIA-werkblad (AI-verordening art. 27), ingevuld met wat werkkans meet: groepen,
    verschillen, menselijk toezicht, de modelkaart; de rest om zelf in te vullen."""
    from services.impact_assessment import impact_assessment, impact_markdown

    settings = load_settings(db, tracking_uri)
    store = open_store(settings)
    with failing_on():
        facts = impact_assessment(
            store, settings.effective_tracking_uri, municipality=municipality, period=period,
            fair_exposure=settings.fair_exposure,
        )
    if as_json:
        print_json(facts)
        return
    text = impact_markdown(facts)
    if out_path is None:
        typer.echo(text)
        return
    out_path.write_text(text, encoding="utf-8")
    console.print(f"werkblad geschreven naar {out_path}")


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("evaluate")(evaluate)
    model_app.command("list")(list_models)
    model_app.command("show")(show)
    model_app.command("promote")(promote)
    model_app.command("card")(card)
    model_app.command("impact")(impact)
    app.add_typer(model_app, name="model")
