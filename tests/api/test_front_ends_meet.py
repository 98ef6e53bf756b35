"""A shortlist or event plan asked for on the command line and one asked for over HTTP go
through the same use case: the same function is called, overrides apply to both, and both
are written to the audit log (the command line as ``cli:<user>``)."""

from __future__ import annotations

import getpass
import json

import pytest
import typer
from api_helpers import HOME, TODAY
from typer.testing import CliRunner

from api.commands import events as event_commands
from api.commands import retrieval as retrieval_commands
from matching.privacy.audit_log import list_entries
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.overrides import add_override
from services import event_plans
from services.runtime import Runtime
from services.shortlists import ShortlistService

CLI_ACTOR = f"cli:{getpass.getuser()}"


@pytest.fixture
def cli(settings, runtime: Runtime, monkeypatch: pytest.MonkeyPatch) -> typer.Typer:
    """The shortlist and event commands, on the test's database and small runtime."""
    monkeypatch.setenv("WERKKANS_DB", settings.db_url)
    monkeypatch.setattr(
        retrieval_commands, "load_runtime", lambda settings, store: _small(runtime, store)
    )
    monkeypatch.setattr(
        event_commands,
        "open_engine",
        lambda db, store, tracking_uri: _small(runtime, store).engine,
    )
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """werkkans (test)"""

    retrieval_commands.register(app)
    event_commands.register(app)
    return app


def _small(runtime: Runtime, store) -> Runtime:
    engine = ShortlistEngine(store, runtime.index, today=lambda: TODAY)
    return Runtime(
        config=runtime.config, store=store, space=runtime.space, index=runtime.index, engine=engine
    )


@pytest.fixture
def settings(settings, store):
    import dataclasses

    return dataclasses.replace(settings, db_url=str(store.engine.url))


def _spy(monkeypatch: pytest.MonkeyPatch, owner: object, name: str) -> list[str]:
    """Record who each call of ``owner.name`` was for; the calls still go through."""
    seen: list[str] = []
    original = getattr(owner, name)

    if name.startswith("for_"):

        async def method(self, actor, *args, **kwargs):
            seen.append(actor.username)
            return await original(self, actor, *args, **kwargs)

        monkeypatch.setattr(owner, name, method)
    else:

        def function(store, engine, actor, *args, **kwargs):
            seen.append(actor.username)
            return original(store, engine, actor, *args, **kwargs)

        monkeypatch.setattr(owner, name, function)
    return seen


def test_a_shortlist_from_the_cli_and_from_http_meet_in_one_use_case(
    client, rm, cli, store, monkeypatch
):
    add_override(
        store, municipality=HOME, work_need_id="W1", candidate_id="C4", kind="pin",
        reason="Kent de werkgever al.", actor="rm", role="relationship_manager",
    )
    seen = _spy(monkeypatch, ShortlistService, "for_work_need")

    over_http = client.get("/shortlists/work-needs/W1", headers=rm).json()
    result = CliRunner().invoke(cli, ["shortlist", "--work-need", "W1", "--json"])
    assert result.exit_code == 0, result.output
    on_cli = json.loads(result.stdout)

    assert seen == ["relationship", CLI_ACTOR]
    for answer in (over_http, on_cli):
        assert answer["matches"][0]["candidate_id"] == "C4" and answer["matches"][0]["pinned"]
        assert [o["candidate_id"] for o in answer["overrides"]] == ["C4"]
    client.app.state.audit_writer.flush()
    entries, _ = list_entries(store, municipality=HOME, action="shortlist_shown")
    by_ref = {e.ref: e for e in entries}
    assert by_ref[over_http["audit_ref"]].actor == "relationship"
    logged = by_ref[on_cli["audit_ref"]]
    assert logged.actor == CLI_ACTOR and logged.role == "command_line"
    assert logged.subject_id == "W1" and logged.results[0]["candidate_id"] == "C4"


def test_the_command_line_lists_the_regions_work_for_a_candidate_by_municipality_name(cli, store):
    from api_helpers import OTHER

    from matching.records.schemas import Municipality

    store.upsert([Municipality(id=HOME, municipality=HOME, name="Tilburg", region="R"),
                  Municipality(id=OTHER, municipality=OTHER, name="Amsterdam", region="R")],
                 actor="test")
    result = CliRunner(env={"COLUMNS": "400"}).invoke(
        cli, ["shortlist", "--candidate", "C1", "--regio", "-k", "50"]
    )
    assert result.exit_code == 0, result.output
    # the table goes to the console (stderr)
    assert "Amsterdamse Zorg — in Amsterdam, contact via die gemeente" in result.stderr


def test_an_event_plan_from_the_cli_and_from_http_meet_in_one_use_case(
    client, auth, cli, store, monkeypatch
):
    seen = _spy(monkeypatch, event_plans, "plan_event")

    body = {"rounds_per_candidate": 2}  # two employers host a table at EV1
    over_http = client.post("/events/EV1/plan", headers=auth("event_organiser"), json=body)
    assert over_http.status_code == 200, over_http.text
    result = CliRunner().invoke(
        cli, ["plan-event", "--event", "EV1", "--rounds-per-candidate", "2", "--json"]
    )
    assert result.exit_code == 0, result.output
    on_cli = json.loads(result.stdout)

    assert seen == ["event", CLI_ACTOR]
    assert on_cli["invited"] == over_http.json()["invited"]
    entries, _ = list_entries(store, municipality=HOME, action="event_plan_shown")
    actors = {e.ref: e.actor for e in entries}
    assert actors[over_http.json()["audit_ref"]] == "event"
    assert actors[on_cli["audit_ref"]] == CLI_ACTOR
