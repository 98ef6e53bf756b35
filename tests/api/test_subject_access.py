"""A candidate's right of access: every table's rows about them, nobody else's, in plain Dutch."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa
from api_helpers import HOME
from test_erasure import _history_of_c1
from travel_scorer import TravelScorer

from matching.records.schemas import RECORD_TYPES, REFERENCES, Candidate
from matching.records.storage import TABLES


def _rows_about(store, candidate_id: str) -> dict[str, set[str]]:
    """Independently of the export: per table, the ids of rows that reach the candidate."""
    reaches: dict[type, set[str]] = {Candidate: {candidate_id}}
    with store.engine.connect() as conn:
        changed = True
        while changed:  # follow references until nothing new is found
            changed = False
            for (source, column), target in REFERENCES.items():
                if not reaches.get(target):
                    continue
                table = TABLES[source]
                found = set(conn.execute(
                    sa.select(table.c.id).where(table.c[column].in_(sorted(reaches[target])))
                ).scalars())
                if not found <= reaches.get(source, set()):
                    reaches[source] = reaches.get(source, set()) | found
                    changed = True
    return {t.entity: ids for t, ids in reaches.items() if ids}


def test_the_export_holds_every_tables_rows_about_them_and_nobody_elses(client, rm, admin, store, runtime):
    runtime.engine.set_scorer(TravelScorer())
    pin = client.post(
        "/work-needs/W1/overrides", headers=rm,
        json={"candidate_id": "C1", "kind": "pin", "reason": "Kent de werkgever al"},
    )
    assert pin.status_code == 201, pin.text
    shown = client.get("/shortlists/work-needs/W1", headers=rm).json()  # a list with others on it
    assert {"C1", "C2"} <= {m["candidate_id"] for m in shown["matches"]}
    _history_of_c1(store)  # a job since March: later lists leave them out

    r = client.get("/candidates/C1/export", headers=rm)
    assert r.status_code == 200, r.text
    data = r.json()
    expected = _rows_about(store, "C1")
    # enumerate the schema: every record type that can refer to a candidate is looked at
    reachable = {Candidate} | {s for (s, _), t in REFERENCES.items() if t is Candidate}
    assert {t.entity for t in reachable} <= {t.entity for t in RECORD_TYPES}
    assert {"candidates", "invitations", "meetings", "outcomes", "checkins"} <= set(expected)
    assert {k: {row["id"] for row in rows} for k, rows in data["records"].items()} == expected
    assert {h["record_id"] for h in data["history"]} >= {"C1", "INV-C1", "M-C1-1", "O-C1"}
    assert all("actor" not in h for h in data["history"])  # staff account names stay out
    assert [o["reason"] for o in data["overrides"]] == ["Kent de werkgever al"]
    listed = [e for e in data["lists_shown"] if e["action"] == "shortlist_shown"]
    assert listed and listed[-1]["their_lines"][0]["rank"] >= 1
    assert data["recent_suggestions"] == []  # placed since March: nothing to suggest now
    assert "leeftijd" in data["how_suggestions_are_made"]
    other = client.get("/candidates/C2/export", headers=rm).json()
    assert other["recent_suggestions"] and all(s["reason"] for s in other["recent_suggestions"])
    assert '"C1"' not in json.dumps(other)
    text = json.dumps(data)
    for other in ("C2", "C3", "C4", "INV-C2"):
        assert f'"{other}"' not in text, other

    page = client.get("/candidates/C1/export", headers=rm, params={"format": "html"})
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    visible = re.sub(r"<[^>]+>", " ", re.sub(r"<style>.*?</style>", " ", page.text, flags=re.DOTALL))
    assert "Uw gegevens in werkkans" in visible and "Kent de werkgever al" in visible
    assert not re.findall(r"\b[a-z]+(?:_[a-z0-9]+)+\b", visible)
    assert "C2" not in visible

    audit = client.get("/audit", headers=admin, params={"action": "subject_access_export"}).json()
    assert any(e["subject_id"] == "C1" for e in audit["items"])


def test_the_export_is_for_staff_of_their_municipality(client, auth, store):
    assert client.get("/candidates/C1/export", headers=auth("event_organiser")).status_code == 403
    assert client.get("/candidates/C1/export", headers=auth("other_rm")).status_code == 404
    assert client.get("/candidates/NOBODY/export", headers=auth("relationship_manager")).status_code == 404
    bad = client.get("/candidates/C1/export", headers=auth("relationship_manager"),
                     params={"format": "pdf"})
    assert bad.status_code == 422


def test_the_command_writes_json_and_a_dutch_page(tmp_path, store, runtime, monkeypatch):
    import typer
    from typer.testing import CliRunner

    from api.commands import privacy as privacy_commands
    from api.commands import retrieval as retrieval_commands

    _history_of_c1(store)
    monkeypatch.setattr(retrieval_commands, "load_runtime", lambda settings, store: runtime)
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """werkkans (test)"""

    privacy_commands.register(app)
    result = CliRunner().invoke(app, ["candidate", "export", "C1", "--db", store.url,
                                      "--out", str(tmp_path / "inzage"), "--municipality", HOME])
    assert result.exit_code == 0, result.output
    data = json.loads((tmp_path / "inzage" / "kandidaat-C1.json").read_text(encoding="utf-8"))
    assert data["candidate_id"] == "C1" and len(data["records"]["meetings"]) == 1
    assert "Uw gegevens in werkkans" in (tmp_path / "inzage" / "kandidaat-C1.html").read_text(encoding="utf-8")


def test_the_candidate_page_links_to_the_printable_view(client, users):
    from test_pages import _login

    _login(client, "relationship")
    page = client.get("/kandidaten/C1")
    assert 'href="/kandidaten/C1/inzage"' in page.text
    view = client.get("/kandidaten/C1/inzage")
    assert view.status_code == 200 and "Hoe werkkans suggesties doet" in view.text
    _login(client, "event")  # organisers may read candidates, not export them
    assert 'href="/kandidaten/C1/inzage"' not in client.get("/kandidaten/C1").text
