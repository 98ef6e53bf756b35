"""A workspace folder: ``werkkans init``, finding it from the working directory or
``--workspace``, its values under the environment's, and an index per database."""

from __future__ import annotations

import json

import pytest
from api_helpers import PASSWORD
from factories import PSEUDONYM_KEY, tiny_world
from fastapi.testclient import TestClient
from typer.testing import CliRunner

from api.app import create_app
from api.auth import create_user
from api.cli import app as cli_app
from api.settings import Settings
from api.workspace import CONFIG_FILE, Workspace, WorkspaceError, create_workspace
from matching.records.storage import Store
from services.runtime import RuntimeConfig, index_folder

runner = CliRunner()


def said(result) -> str:
    """What a command printed, with the console's line wrapping undone."""
    return " ".join(result.output.split())


@pytest.fixture(autouse=True)
def _no_outside_settings(clean_environment):
    """Every test here starts without werkkans variables and leaves none behind."""


def test_init_makes_the_database_and_the_settings_and_refuses_a_second_time(tmp_path, monkeypatch):
    folder = tmp_path / "tilburg"
    made = runner.invoke(cli_app, ["init", str(folder)])
    assert made.exit_code == 0, made.output
    assert (folder / CONFIG_FILE).is_file() and (folder / "werkkans.db").is_file()
    assert (folder / "secret_key").stat().st_mode & 0o077 == 0
    again = runner.invoke(cli_app, ["init", str(folder)])
    assert again.exit_code == 1 and "al een werkruimte" in said(again)

    # found from a folder below it, with relative paths made absolute inside it
    (folder / "exports").mkdir()
    monkeypatch.chdir(folder / "exports")
    settings = Settings.from_env()
    assert settings.workspace == folder.resolve()
    assert settings.db_url == f"sqlite:///{folder.resolve() / 'werkkans.db'}"
    assert settings.home == folder.resolve() / "home"
    assert settings.effective_tracking_uri == f"sqlite:///{folder.resolve() / 'mlruns.db'}"
    assert settings.secret_key == (folder / "secret_key").read_text(encoding="utf-8").strip()

    # the environment beats the file, a command-line option beats both
    monkeypatch.setenv("WERKKANS_DB", "sqlite:////elders/werkkans.db")
    assert Settings.from_env().db_url == "sqlite:////elders/werkkans.db"
    assert Settings.from_env(db_url="sqlite:////optie.db").db_url == "sqlite:////optie.db"


def test_workspace_named_by_option_or_environment(tmp_path, monkeypatch):
    folder = tmp_path / "breda"
    assert runner.invoke(cli_app, ["init", str(folder)]).exit_code == 0
    monkeypatch.chdir(tmp_path)  # not inside it
    assert Settings.from_env().workspace is None
    added = runner.invoke(cli_app, ["--workspace", str(folder), "users", "add", "--username", "anna",
                                    "--role", "relationship_manager", "--municipality", "GM0758",
                                    "--password", PASSWORD])
    assert added.exit_code == 0, added.output
    listed = runner.invoke(cli_app, ["users", "list"], env={"WERKKANS_WORKSPACE": str(folder)})
    assert "anna" in listed.output
    elsewhere = runner.invoke(cli_app, ["users", "list"], env={"WERKKANS_WORKSPACE": str(tmp_path)})
    assert elsewhere.exit_code == 2 and "geen werkruimte" in said(elsewhere)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('databse = "sqlite:///x.db"\n', "kent databse niet"),
        ('database = "sqlite:///x.db"\nhome = \n', "niet te lezen"),
        ('database = ["a"]\n', "tekst of een getal"),
        ('secret_key_file = "ontbreekt"\n', "secret_key_file is niet te lezen"),
    ],
)
def test_a_broken_workspace_file_is_named_not_ignored(tmp_path, monkeypatch, text, message):
    (tmp_path / CONFIG_FILE).write_text(text, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    with pytest.raises(WorkspaceError, match=message):
        Settings.from_env()
    shown = runner.invoke(cli_app, ["users", "list"])
    assert shown.exit_code == 2 and message in said(shown)


def test_a_postgres_url_is_kept_and_a_plain_path_is_placed_inside(tmp_path):
    create_workspace(tmp_path, database="postgresql+psycopg://werkkans@db.example/werkkans")
    with open(tmp_path / CONFIG_FILE, "a", encoding="utf-8") as handle:
        handle.write('model = "modellen/e5"\n')
    values = Workspace.load(tmp_path).values
    assert values["WERKKANS_DB"] == "postgresql+psycopg://werkkans@db.example/werkkans"
    assert values["WERKKANS_MODEL"] == "modellen/e5"  # a model name is not a path of ours


def test_two_databases_sharing_a_home_keep_their_own_index(tmp_path):
    config = RuntimeConfig(home=tmp_path / "home", model=None, tracking_uri="unused")
    first = Store(f"sqlite:///{tmp_path / 'een.db'}")
    second = Store(f"sqlite:///{tmp_path / 'twee.db'}")
    assert index_folder(config, first) != index_folder(config, second)
    # the identity is kept in the database: the same database reopened finds its own index
    again = Store(f"sqlite:///{tmp_path / 'een.db'}", create=False)
    assert index_folder(config, again) == index_folder(config, first)


def test_the_command_line_and_the_pages_give_the_same_shortlist_in_one_workspace(
    tmp_path, monkeypatch
):
    folder = tmp_path / "gemeente"
    assert runner.invoke(cli_app, ["init", str(folder)]).exit_code == 0
    monkeypatch.chdir(folder)
    monkeypatch.setenv("WERKKANS_PSEUDONYM_KEY", PSEUDONYM_KEY.hex())
    settings = Settings.from_env()
    store = settings.open_store()
    store.upsert(tiny_world(), actor="fixture")
    create_user(store, username="rm", password=PASSWORD, role="relationship_manager",
                municipality="GM0855", rounds=4)

    shown = runner.invoke(cli_app, ["shortlist", "--work-need", "W1", "--json"])
    assert shown.exit_code == 0, shown.output
    on_cli = [m["candidate_id"] for m in json.loads(shown.stdout)["matches"]]

    with TestClient(create_app(Settings.from_env())) as client:
        token = client.post("/token", data={"username": "rm", "password": PASSWORD}).json()
        answer = client.get("/shortlists/work-needs/W1",
                            headers={"Authorization": f"Bearer {token['access_token']}"})
    assert answer.status_code == 200, answer.text
    assert on_cli and on_cli == [m["candidate_id"] for m in answer.json()["matches"]]
    # one index, filed under this database, in the workspace's home
    assert [p.name for p in (folder / "home" / "index").iterdir()] == [store.database_id]
