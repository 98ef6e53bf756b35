"""``werkkans demo`` end to end on a small municipality: history up to today, the next
event ready to plan, a workspace the other commands find, and a second start that
changes nothing."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from typer.testing import CliRunner

from api.cli import app as cli_app
from matching.records.schemas import Event, EventTable, Invitation, TableMeeting
from matching.records.storage import Store

pytestmark = pytest.mark.slow

runner = CliRunner()


def test_demo_runs_up_to_today_and_leaves_the_next_event_plannable(tmp_path, monkeypatch,
                                                                    clean_environment):
    folder = tmp_path / "demo"
    args = ["demo", "--dir", str(folder), "--candidates", "300", "--employers", "30",
            "--months", "12", "--no-serve"]
    first = runner.invoke(cli_app, args)
    assert first.exit_code == 0, first.output
    today = dt.date.today()
    store = Store(f"sqlite:///{folder / 'werkkans.db'}", create=False)
    events = store.list(Event)
    held = {m.event_id for m in store.list(TableMeeting)}
    assert held and all(e.date <= today for e in events if e.id in held)
    upcoming = [e for e in events if e.date > today]
    assert len(upcoming) == 1
    coming = upcoming[0]
    assert coming.date - today <= dt.timedelta(days=40) and coming.date.weekday() == 1
    assert len(store.list(EventTable, where={"event_id": coming.id})) >= 2
    assert not [i for i in store.list(Invitation) if i.event_id == coming.id]

    # the folder is a workspace: a command run there plans that event, with names
    monkeypatch.chdir(folder)
    for name in ("WERKKANS_WORKSPACE", "WERKKANS_DB", "WERKKANS_HOME", "MLFLOW_TRACKING_URI"):
        os.environ.pop(name, None)
    planned = runner.invoke(cli_app, ["plan-event", "--event", coming.id, "--json"])
    assert planned.exit_code == 0, planned.output
    assert '"assignments"' in planned.stdout and '"invited"' in planned.stdout

    index = next((folder / "home" / "index").iterdir())
    written = {p.name: p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file()}
    again = runner.invoke(cli_app, ["--workspace", str(folder), *args])
    assert again.exit_code == 0, again.output
    assert "ranker al getraind" in again.output
    # nothing to embed or index on a second start
    assert {p.name: p.stat().st_mtime_ns for p in index.rglob("*") if p.is_file()} == written
    assert len([e for e in store.list(Event) if e.date > today]) == 1
