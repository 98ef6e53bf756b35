from __future__ import annotations

import csv
import functools
import io
import json

import pytest
import typer
from event_world import TODAY, seeded_world
from factories import make_event
from spaces import test_space
from typer.testing import CliRunner

from api.commands import events as event_commands
from matching.records.schemas import Invitation, TableMeeting
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.retrieval import RetrievalIndex

runner = CliRunner()


@functools.lru_cache(maxsize=1)
def shared_space():
    return test_space()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    cli = typer.Typer()

    @cli.callback()
    def _root() -> None:
        """werkkans (test)"""

    event_commands.register(cli)
    return cli


@pytest.fixture(autouse=True)
def small_engine(monkeypatch):
    def engine(db, store, tracking_uri):
        return ShortlistEngine(store, RetrievalIndex(shared_space(), None), today=lambda: TODAY)

    monkeypatch.setattr(event_commands, "open_engine", engine)


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'events.db'}"
    store = Store(url)
    store.upsert([*seeded_world(), make_event("EV2")])
    store.dispose()
    return url


def invoke(app, *args: str):
    return runner.invoke(app, list(args))


def snapshot(url: str) -> dict:
    store = Store(url)
    try:
        return store.snapshot()
    finally:
        store.dispose()


def test_plan_event_json_html_csv(app, db, tmp_path):
    html, csv_path = tmp_path / "plan.html", tmp_path / "plan.csv"
    result = invoke(app, "plan-event", "--db", db, "--event", "EV1", "--json", "--html", str(html),
                    "--csv", str(csv_path), "--must-invite", "C36", "--never-invite", "C01,C02",
                    "--no-thanks", "E1:C36")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert len(plan["invited"]) == 30 and "C36" in plan["invited"]
    assert not {"C01", "C02"} & set(plan["invited"])
    assert {a["round"] for a in plan["assignments"]} == {1, 2, 3}
    assert not any(a["candidate_id"] == "C36" and a["employer_id"] == "E1"
                   for a in plan["assignments"])
    assert plan["lp_bound"] + 1e-9 >= plan["objective"] >= plan["greedy_objective"] - 1e-9
    page = html.read_text(encoding="utf-8")
    assert all(f'id="tafel-T{t}"' in page for t in range(1, 6))
    raw = csv_path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.DictReader(io.StringIO(raw.decode("utf-8-sig")), delimiter=";"))
    assert sorted(r["kandidaat"] for r in rows) == sorted(plan["invited"])


def test_plan_event_table_output(app, db):
    result = invoke(app, "plan-event", "--db", db, "--event", "EV1")
    assert result.exit_code == 0, result.output
    assert "tafelplan EV1" in result.output and "30 uitgenodigd" in result.output


def test_save_is_atomic_and_idempotent(app, db):
    before = snapshot(db)
    first = invoke(app, "plan-event", "--db", db, "--event", "EV1", "--save", "--json")
    assert first.exit_code == 0, first.output
    saved = json.loads(first.stdout)
    assert saved["saved"]["invitations_added"] == 30 and saved["saved"]["meetings_added"] == 90
    after = snapshot(db)
    assert after != before
    second = invoke(app, "plan-event", "--db", db, "--event", "EV1", "--save", "--json")
    assert second.exit_code == 0 and json.loads(second.stdout)["saved"]["changed"] == 0
    assert snapshot(db) == after
    stored = {(m["candidate_id"], m["round"], m["table_id"]) for m in after["meetings"]}
    planned = {(a["candidate_id"], a["round"], a["table"]) for a in saved["assignments"]}
    assert stored == planned


def test_attendance_and_follow_up(app, db):
    saved = json.loads(invoke(app, "plan-event", "--db", db, "--event", "EV1", "--save",
                              "--json").stdout)
    came = saved["invited"][:29]
    result = invoke(app, "event", "attendance", "--db", db, "--event", "EV1",
                    "--attended", ",".join(came), "--today", "2026-03-12", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["absent"] == saved["invited"][29:] and report["meetings_removed"] == 3
    seat = next(a for a in saved["assignments"] if a["candidate_id"] == came[0])
    result = invoke(app, "event", "follow-up", "--db", db, "--event", "EV1", "--candidate",
                    came[0], "--employer", seat["employer_id"], "--today", "2026-03-13")
    assert result.exit_code == 0, result.output
    store = Store(db)
    try:
        followed = store.list(TableMeeting, where={"follow_up": True})
        pairs = [(m.candidate_id, m.employer_id) for m in followed]
        assert pairs == [(came[0], seat["employer_id"])]
        absent = store.list(Invitation, where={"candidate_id": saved["invited"][29]})[0]
        assert absent.attended is False
    finally:
        store.dispose()
    # the plan of an event that took place is not replaced
    before = snapshot(db)
    again = invoke(app, "plan-event", "--db", db, "--event", "EV1", "--save")
    assert again.exit_code == 1 and "already recorded" in again.output
    assert snapshot(db) == before


@pytest.mark.parametrize(
    "args, fragment",
    [
        (("--event", "EV404"), "bijeenkomst EV404 niet gevonden"),
        (("--event", "EV2"), "heeft nog geen tafels"),
        (("--event", "EV1", "--rounds", "0"), "heeft 1 tot 20 rondes, niet 0"),
        (("--event", "EV1", "--seats", "T3=0"), "hebben geen plaatsen"),
        (("--event", "EV1", "--must-invite", "C04", "--never-invite", "C04"),
         "both the must-invite"),
        (("--event", "EV1", "--no-thanks", "E1-C04"), "is niet WERKGEVER:KANDIDAAT"),
        (("--event", "EV1", "--spread", "0"), "recency_decay must be in"),
        (("--event", "EV1", "--must-invite", "C04", "--no-thanks",
          "E1:C04,E2:C04,E3:C04,E4:C04"), "zeker uitnodigen"),
    ],
)
def test_bad_input_exits_1_without_traceback(app, db, args, fragment):
    before = snapshot(db)
    result = invoke(app, "plan-event", "--db", db, *args, "--save")
    assert result.exit_code == 1, result.output
    assert isinstance(result.exception, SystemExit)
    assert "Traceback" not in result.output
    assert fragment in " ".join(result.output.split())
    assert snapshot(db) == before


def test_attendance_bad_input(app, db):
    result = invoke(app, "event", "attendance", "--db", db, "--event", "EV1", "--attended", "C01",
                    "--today", "2026-03-12")
    assert result.exit_code == 1 and "was niet uitgenodigd" in " ".join(result.output.split())
    result = invoke(app, "event", "follow-up", "--db", db, "--event", "EV9", "--candidate", "C01",
                    "--employer", "E1", "--today", "2026-03-12")
    assert result.exit_code == 1 and "bijeenkomst EV9 niet gevonden" in result.output


def test_an_organiser_sets_up_an_event_from_the_command_line(app, db):
    import json

    made = invoke(app, "event", "create", "EV9", "--date", "2026-04-09", "--place", "Bakkerij Jansen",
                  "--rounds", "2", "--municipality", "GM0855", "--db", db)
    assert made.exit_code == 0 and "bijeenkomst EV9 op 09-04-2026" in made.output, made.output
    for employer in ("E1", "E2", "E3"):
        added = invoke(app, "event", "table-add", "EV9", "--employer", employer, "--seats", "3", "--db", db)
        assert added.exit_code == 0, added.output
    assert "EV9-t3" in added.output
    changed = invoke(app, "event", "change", "EV9", "--rounds", "3", "--db", db, "--json")
    assert changed.exit_code == 0 and json.loads(changed.stdout)["rounds"] == 3
    plan = invoke(app, "plan-event", "--event", "EV9", "--db", db, "--json")
    assert plan.exit_code == 0, plan.output
    assert len(json.loads(plan.stdout)["invited"]) == 9
    removed = invoke(app, "event", "table-remove", "EV9", "EV9-t3", "--db", db)
    assert removed.exit_code == 0
    taken = invoke(app, "event", "create", "EV9", "--date", "2026-04-09", "--place", "X", "--rounds", "2",
                   "--municipality", "GM0855", "--db", db)
    assert taken.exit_code == 1 and "cannot be used" in taken.output
    bad = invoke(app, "event", "create", "EV10", "--date", "2026-04-09", "--place", "X", "--rounds", "0",
                 "--municipality", "GM0855", "--db", db)
    assert bad.exit_code == 1 and "rounds: moet minstens 1 zijn" in bad.output
    assert invoke(app, "event", "cancel", "EV9", "--db", db).exit_code == 0
    assert invoke(app, "event", "cancel", "EV9", "--db", db).exit_code == 1  # gone


def test_hosts_are_invited_by_mail_merge(app, db, tmp_path):
    import csv

    path = tmp_path / "gastheren.csv"
    result = invoke(app, "event", "hosts", "EV1", "--db", db, "--csv", str(path))
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(path.read_text(encoding="utf-8-sig").splitlines(), delimiter=";"))
    assert rows and {"werkgever", "contactpersoon", "email", "onderwerp", "tekst"} <= set(rows[0])
    assert all(r["onderwerp"].startswith("Uitnodiging prettig gesprek") for r in rows)
    assert all(r["werkgever"] in r["tekst"] for r in rows)


def test_plan_event_by_value_reads_the_price_file_and_refuses_a_thin_history_in_dutch(app, db, tmp_path):
    from matching.sroi.prices import PriceList

    prices = {name: price["value"] for name, price in PriceList().to_dict().items()}
    bad = tmp_path / "prices.json"
    bad.write_text(json.dumps({**prices, "bijstand_per_year": -1}), encoding="utf-8")
    result = invoke(app, "plan-event", "--db", db, "--event", "EV1", "--objective", "value",
                    "--prices", str(bad))
    shown = " ".join(result.output.split())
    assert result.exit_code == 1 and "de prijs 'bijstand_per_year' mag niet negatief zijn" in shown
    missing = invoke(app, "plan-event", "--db", db, "--event", "EV1", "--objective", "value",
                     "--prices", str(tmp_path / "nowhere.json"))
    assert missing.exit_code == 1 and "nowhere.json bestaat niet" in " ".join(missing.output.split())
    bad.write_text(json.dumps({"prices": prices, "settings": {"attribution": 1.5}}), encoding="utf-8")
    out_of_range = invoke(app, "plan-event", "--db", db, "--event", "EV1", "--objective", "value",
                          "--prices", str(bad))
    assert "attribution moet een getal van 0 tot en met 1 zijn" in " ".join(out_of_range.output.split())
    good = tmp_path / "own.json"
    good.write_text(json.dumps({"prices": prices, "settings": {"duration_years": 2}}), encoding="utf-8")
    thin = invoke(app, "plan-event", "--db", db, "--event", "EV1", "--objective", "value",
                  "--prices", str(good))
    assert thin.exit_code == 1, thin.output
    assert "maatschappelijke waarde kan nog niet" in " ".join(thin.output.split())
