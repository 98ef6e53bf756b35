from __future__ import annotations

import datetime as dt
import json

import pytest
import typer
from factories import MUNICIPALITY, make_candidate, tiny_world
from scipy.stats import chi2_contingency
from typer.testing import CliRunner

from api.commands import events as event_commands
from api.commands import outcomes as outcome_commands
from api.commands import reports as report_commands
from matching.records.schemas import CheckIn, Invitation, Outcome, TableMeeting
from matching.records.storage import Store
from matching.sroi.prices import PriceList

runner = CliRunner()


@pytest.fixture(scope="module")
def app() -> typer.Typer:
    cli = typer.Typer()

    @cli.callback()
    def _root() -> None:
        """werkkans (test)"""

    outcome_commands.register(cli)
    report_commands.register(cli)
    event_commands.register(cli)
    return cli


@pytest.fixture
def db(tmp_path) -> str:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(url)
    store.upsert(
        [
            *tiny_world(),
            make_candidate("C1", relationship_manager="anna"),
            Invitation(id="I1", municipality=MUNICIPALITY, event_id="EV1", candidate_id="C1"),
            Invitation(id="I2", municipality=MUNICIPALITY, event_id="EV1", candidate_id="C2"),
            TableMeeting(id="M1", municipality=MUNICIPALITY, event_id="EV1", table_id="T1",
                         employer_id="E1", candidate_id="C1", round=1),
        ]
    )
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


@pytest.mark.parametrize(
    "table",
    ["12 30 / 7 41", "18 17 79 / 5 35 99", "1 2 3; 4 5 6; 7 8 100", "10,20\n30,5"],
)
def test_stats_chi2_json_matches_scipy(app, table):
    result = invoke(app, "stats", "chi2", "--table", table, "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    rows = [[int(x) for x in r.replace(",", " ").split()] for r in
            table.replace("/", "\n").replace(";", "\n").splitlines() if r.strip()]
    chi2, p, df, _ = chi2_contingency(rows, correction=False)
    assert payload["chi2"] == pytest.approx(chi2, rel=1e-12)
    assert payload["p"] == pytest.approx(p, rel=1e-9)
    assert payload["df"] == df


def test_stats_chi2_bad_table(app):
    result = invoke(app, "stats", "chi2", "--table", "12 x / 7 41", "--json")
    assert result.exit_code == 1
    assert "row 1, column 2" in json.loads(result.stdout)["error"]
    result = invoke(app, "stats", "chi2", "--table", "12 30 / 7")
    assert result.exit_code == 1 and "row 2" in result.output


def test_stats_prices_round_trip(app, tmp_path):
    target = tmp_path / "prices.json"
    assert invoke(app, "stats", "prices", "--out", str(target)).exit_code == 0
    assert PriceList.from_json(target.read_text()) == PriceList()


def test_attendance_outcome_checkin_and_history(app, db):
    result = invoke(app, "event", "attendance", "--db", db, "--event", "EV1", "--attended", "C1",
                    "--absent", "C2", "--only-listed", "--today", "2026-06-01", "--json")
    assert result.exit_code == 0, result.output
    result = invoke(app, "outcome", "follow-up", "--db", db, "--meeting", "M1",
                    "--today", "2026-06-01")
    assert result.exit_code == 0, result.output
    result = invoke(app, "outcome", "record", "--db", db, "--id", "O1", "--candidate", "C1",
                    "--employer", "E1", "--event", "EV1", "--kind", "job", "--contract",
                    "fixed_6m", "--hours", "24", "--start", "2026-04-01", "--today",
                    "2026-06-01", "--actor", "anna", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.stdout)["outcome"]["contract_type"] == "fixed_6m"
    result = invoke(app, "outcome", "correct", "O1", "--db", db, "--set", "hours=20",
                    "--today", "2026-06-01", "--actor", "bert")
    assert result.exit_code == 0, result.output
    result = invoke(app, "outcome", "history", "O1", "--db", db, "--json")
    history = json.loads(result.stdout)
    assert [h["actor"] for h in history] == ["anna", "bert"]
    assert history[1]["changes"] == {"hours": [24, 20]}

    result = invoke(app, "aftercare", "due", "--db", db, "--today", "2026-06-01", "--json")
    due = json.loads(result.stdout)
    assert [(d["outcome_id"], d["month"], d["state"]) for d in due] == [("O1", 1, "overdue")]
    assert due[0]["relationship_manager"] == "anna"
    result = invoke(app, "aftercare", "due", "--db", db, "--today", "2026-06-01")
    assert result.exit_code == 0 and "anna" in result.stdout

    result = invoke(app, "aftercare", "checkin", "O1", "--db", db, "--month", "1",
                    "--date", "2026-05-02", "--status", "working", "--today", "2026-06-01")
    assert result.exit_code == 0, result.output
    store = Store(db)
    assert store.get(CheckIn, "O1-m1").status.value == "working"
    assert store.get(Invitation, "I2").attended is False
    assert store.get(TableMeeting, "M1").follow_up is True
    store.dispose()


@pytest.mark.parametrize(
    ("args", "field"),
    [
        (["--start", "2026-07-01"], "start_date"),  # in the future
        (["--start", "2026-03-01"], "start_date"),  # before the event
        (["--start", "2026-04-01", "--end", "2026-03-31"], "end_date"),
        (["--start", "2026-04-01", "--hours", "80"], "hours"),
        (["--start", "2026-04-01", "--employer", "E404"], "employer_id"),
    ],
)
def test_outcome_record_rejects_and_writes_nothing(app, db, args, field):
    base = ["outcome", "record", "--db", db, "--candidate", "C1", "--employer", "E1",
            "--event", "EV1", "--kind", "job", "--contract", "permanent", "--hours", "24",
            "--today", "2026-06-01", "--json"]
    before = snapshot(db)
    result = invoke(app, *base, *args)
    assert result.exit_code == 1
    assert json.loads(result.stdout)["field"] == field
    assert snapshot(db) == before


def test_checkin_for_unknown_placement(app, db):
    before = snapshot(db)
    result = invoke(app, "aftercare", "checkin", "O404", "--db", db, "--month", "1",
                    "--status", "working", "--today", "2026-06-01")
    assert result.exit_code == 1 and "O404" in result.output
    assert snapshot(db) == before


def test_report_html_and_json(app, db, tmp_path):
    store = Store(db)
    start = dt.date(2026, 4, 1)
    store.upsert([Outcome(id="O1", municipality=MUNICIPALITY, candidate_id="C1",
                          employer_id="E1", event_id="EV1", kind="wep", hours=20,
                          start_date=start, recorded_on=start)])
    store.dispose()
    out = tmp_path / "report.html"
    result = invoke(app, "report", "--db", db, "--period", "2026", "--out", str(out), "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["period"]["label"] == "2026" and payload["kpis"][0]["weps"] == 1
    assert out.read_text().startswith("<!DOCTYPE html>")


@pytest.mark.parametrize(
    ("prices", "message"),
    [
        ({"wellbeing_per_person_year": {"value": -1}}, "wellbeing_per_person_year"),
        ({"bijstand_per_year": None}, "bijstand_per_year"),
    ],
)
def test_report_with_bad_price_list_writes_nothing(app, db, tmp_path, prices, message):
    full = PriceList().to_dict()
    full.update(prices)
    if prices.get("bijstand_per_year", 0) is None:
        del full["bijstand_per_year"]  # a missing price
    price_file = tmp_path / "prices.json"
    price_file.write_text(json.dumps(full))
    out = tmp_path / "report.html"
    result = invoke(app, "report", "--db", db, "--period", "2026", "--out", str(out),
                    "--prices", str(price_file))
    assert result.exit_code == 1 and message in result.output
    assert not out.exists()


def test_report_bad_period(app, db, tmp_path):
    result = invoke(app, "report", "--db", db, "--period", "2026-Q7", "--out",
                    str(tmp_path / "r.html"))
    assert result.exit_code == 1 and "2026-Q7" in result.output


def test_report_defaults_to_the_last_twelve_months_and_names_a_bad_period(app, db):
    import datetime as dt

    from matching.report.period import last_months

    bad = invoke(app, "report", "--period", "20x6", "--db", db)
    assert bad.exit_code == 1 and "--period" in bad.output and "--out" not in bad.output
    result = invoke(app, "report", "--json", "--db", db)
    assert result.exit_code == 0, result.output
    assert last_months(dt.date.today()) in result.output
