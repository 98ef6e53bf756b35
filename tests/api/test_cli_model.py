"""``werkkans train``, ``evaluate`` and ``model list|show|promote`` through the Typer app."""

from __future__ import annotations

import json
import socket
from pathlib import Path

import pytest
import typer
from spaces import fast_text_space as hashing_space
from typer.testing import CliRunner

from api.commands import model as model_commands
from matching.records.importer import import_folder
from matching.records.storage import Store
from training.simulator import SimulationConfig, simulate, write_world

runner = CliRunner()


WORLD = SimulationConfig(
    seed=7,
    n_candidates=800,
    n_employers=50,
    months=12,
    employers_per_event=10,
    candidates_per_event=100,
    seats_per_table=10,
    rounds=4,
)


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    cli = typer.Typer()

    @cli.callback()
    def _root() -> None:
        """werkkans (test)"""

    model_commands.register(cli)
    return cli


@pytest.fixture(autouse=True)
def fast_text_space(monkeypatch: pytest.MonkeyPatch) -> None:
    # the bundled sentence model takes minutes on a busy 2-core machine; the commands are the subject
    space = hashing_space()
    monkeypatch.setattr(model_commands, "_text_space", lambda config: space)


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> str:
    folder = tmp_path_factory.mktemp("world")
    write_world(simulate(WORLD), folder / "csv")
    url = f"sqlite:///{folder / 'world.db'}"
    store = Store(url)
    import_folder(store, folder / "csv")
    store.dispose()
    return url


@pytest.fixture(scope="module")
def tracking(tmp_path_factory: pytest.TempPathFactory) -> str:
    return f"sqlite:///{tmp_path_factory.mktemp('mlflow') / 'mlruns.db'}"


def invoke(app: typer.Typer, *args: str):
    return runner.invoke(app, list(args))


def _json(result) -> object:
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def test_train_evaluate_list_show_promote(app: typer.Typer, db: str, tracking: str) -> None:
    first = _json(invoke(app, "train", "--db", db, "--tracking-uri", tracking, "--json"))
    assert first["promoted"] is True and first["model_version"] == "1"
    assert first["reason"] == "no champion yet"
    assert first["test"]["ranker"]["ndcg@10"] > 0 and first["test"]["lambdamart"]["ndcg@10"] > 0
    from mlflow.tracking import MlflowClient

    own = MlflowClient(tracking_uri=tracking).get_run(first["own_chance_run"])
    assert own.data.params["test_events"] and "ece" in own.data.metrics  # checked and tracked too

    report = _json(invoke(app, "evaluate", "--db", db, "--tracking-uri", tracking, "--json"))
    assert report["model_version"] == "werkkans-ranker/1"
    assert report["model"]["ndcg@10"] == pytest.approx(first["test"]["ranker"]["ndcg@10"])
    assert set(report["baselines"]) == {"similarity"}
    assert report["pairs"] > 0 and report["holdout"]["start"] < report["holdout"]["end"]
    assert report["scored_as_tested"] is True  # the champion in use learned these months too
    told = invoke(app, "evaluate", "--db", db, "--tracking-uri", tracking)
    assert told.exit_code == 0 and "ook van deze maanden geleerd" in " ".join(told.output.split())

    second = _json(
        invoke(app, "train", "--db", db, "--tracking-uri", tracking, "--no-promote", "--json")
    )
    assert second["promoted"] is False and second["model_version"] == "2"
    assert second["champion_version_before"] == "1"

    versions = _json(invoke(app, "model", "list", "--tracking-uri", tracking, "--json"))
    assert [(v["version"], v["champion"]) for v in versions] == [("2", False), ("1", True)]
    shown = _json(invoke(app, "model", "show", "--tracking-uri", tracking, "--json"))
    assert shown["version"] == "1" and shown["champion"] is True

    promoted = _json(invoke(app, "model", "promote", "2", "--tracking-uri", tracking, "--json"))
    assert promoted["version"] == "2" and promoted["champion"] is True
    assert (
        _json(invoke(app, "model", "show", "--tracking-uri", tracking, "--json"))["version"] == "2"
    )

    missing = invoke(app, "model", "promote", "99", "--tracking-uri", tracking)
    assert missing.exit_code == 1 and "versie 99 niet gevonden" in missing.output

    card = invoke(app, "model", "card", "--tracking-uri", tracking)
    assert card.exit_code == 0 and card.stdout.startswith("# Modelkaart: werkkans pair ranker, versie 2")
    register = invoke(app, "model", "card", "1", "--register", "--tracking-uri", tracking)
    assert register.exit_code == 0 and "## Menselijke tussenkomst" in register.stdout
    as_json = _json(invoke(app, "model", "card", "1", "--json", "--tracking-uri", tracking))
    assert as_json["version"] == "1" and as_json["protected_attributes_used"] == []

    # the impact worksheet takes the champion's card (version 2 by then) and the report's figures
    sheet = invoke(app, "model", "impact", "--db", db, "--tracking-uri", tracking, "--period", "2025")
    assert sheet.exit_code == 0, sheet.output
    assert sheet.stdout.startswith("# IAMA / FRIA-werkblad: werkkans")
    assert "Kwaliteit van de suggesties per groep (modelkaart, versie 2)" in sheet.stdout
    assert "| leeftijd 55-67 |" in sheet.stdout and "age_band" not in sheet.stdout  # no code names


def test_human_readable_output(app: typer.Typer, db: str, tracking: str) -> None:
    listed = invoke(app, "model", "list", "--tracking-uri", tracking)
    assert listed.exit_code == 0 and "werkkans-ranker" in listed.output


def test_evaluate_without_a_champion_reports_the_baselines(
    app: typer.Typer, db: str, tmp_path: Path
) -> None:
    report = _json(
        invoke(
            app,
            "evaluate",
            "--db",
            db,
            "--tracking-uri",
            f"sqlite:///{tmp_path / 'none.db'}",
            "--json",
        )
    )
    assert report["model"] is None and report["model_version"] is None
    assert report["baselines"]["similarity"]["ndcg@10"] > 0


def test_unreachable_tracking_store_fails_before_training(app: typer.Typer, db: str) -> None:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    result = invoke(app, "train", "--db", db, "--tracking-uri", f"http://127.0.0.1:{port}")
    assert result.exit_code == 2
    assert "cannot be reached" in result.output


def test_too_little_history_is_rejected(app: typer.Typer, db: str, tracking: str) -> None:
    result = invoke(app, "train", "--db", db, "--tracking-uri", tracking, "--holdout-months", "10")
    assert result.exit_code == 1
    assert "te weinig geschiedenis" in result.output and "gevonden" in result.output
