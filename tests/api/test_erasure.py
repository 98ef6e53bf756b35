"""Erasure of a candidate, end to end: store, history, audit log, overrides, index, caches."""

from __future__ import annotations

import datetime as dt
import json

import pytest
import sqlalchemy as sa
from api_helpers import HOME

from matching.privacy.audit_log import audit_table
from matching.privacy.erasure import erased_ids, is_erased, tombstone_table
from matching.records.enums import CheckInStatus, ContractType, OutcomeKind
from matching.records.schemas import (
    Candidate,
    CheckIn,
    ExplorationDraw,
    Invitation,
    Outcome,
    TableMeeting,
)
from matching.records.storage import history_table
from matching.serving import shared_cache
from matching.shortlists.overrides import overrides_table
from matching.shortlists.text_space import candidate_sentences


def _history_of_c1(store):
    store.upsert(
        [
            Invitation(
                id="INV-C1", municipality=HOME, event_id="EV1", candidate_id="C1", attended=True
            ),
            TableMeeting(
                id="M-C1-1",
                municipality=HOME,
                event_id="EV1",
                table_id="T1",
                employer_id="E1",
                candidate_id="C1",
                round=1,
                follow_up=True,
            ),
            Outcome(
                id="O-C1",
                municipality=HOME,
                candidate_id="C1",
                employer_id="E1",
                work_need_id="W1",
                event_id="EV1",
                kind=OutcomeKind.JOB,
                contract_type=ContractType.FIXED_12M,
                hours=24,
                start_date=dt.date(2026, 3, 13),
                recorded_on=dt.date(2026, 3, 14),
            ),
            CheckIn(
                id="O-C1-m1",
                municipality=HOME,
                outcome_id="O-C1",
                month=1,
                date=dt.date(2026, 4, 13),
                status=CheckInStatus.WORKING,
            ),
            ExplorationDraw(id="L-C1", municipality=HOME, event_id="EV1", candidate_id="C1",
                            drawn=False),
            # someone else's records stay
            Invitation(id="INV-C2", municipality=HOME, event_id="EV1", candidate_id="C2"),
        ],
        actor="fixture",
    )


def _mentions(value, needle="C1") -> bool:
    return f'"{needle}"' in json.dumps(value, default=str)


def test_erasure_removes_the_candidate_everywhere(client, rm, admin, store, runtime):
    client.patch("/candidates/C1", headers=rm, json={"help_needed": "Medische gegevens"})
    client.post(
        "/work-needs/W1/overrides",
        headers=rm,
        json={"candidate_id": "C1", "kind": "pin", "reason": "Ziet C1 graag terug"},
    )
    shown = client.get("/shortlists/work-needs/W1", headers=rm).json()
    assert "C1" in [m["candidate_id"] for m in shown["matches"]]
    with store.engine.connect() as conn:  # the shortlist was shared for other workers
        shared = conn.execute(sa.select(shared_cache.cache_table.c.payload)).scalars().all()
    assert any('"C1"' in payload for payload in shared)
    _history_of_c1(store)  # after the shortlist: a job makes C1 'already placed'

    store_c1 = store.get(Candidate, "C1")
    written = candidate_sentences(store_c1)
    assert written and all(s in runtime.space.cache for s in written)
    assert "C1" in runtime.index.hashes["candidates"]

    r = client.delete("/candidates/C1", headers=admin)
    assert r.status_code == 200, r.text
    report = r.json()
    assert report["removed"] == {
        "checkins": 1,
        "outcomes": 1,
        "meetings": 1,
        "invitations": 1,
        "exploration_draws": 1,
        "candidates": 1,
    }
    assert report["overrides_removed"] == 1 and report["audit_entries_scrubbed"] >= 2
    assert report["removers_called"] == [
        "removers.<locals>.vector_index",
        "removers.<locals>.embedding_cache",
        "removers.<locals>.service_caches",
    ]
    pseudonym = report["pseudonym"]
    assert len(pseudonym) == 64 and "C1" not in pseudonym

    # the store: nothing refers to C1 any more; others are untouched
    snapshot = store.snapshot()
    for rows in snapshot.values():
        assert not any(_mentions(row) for row in rows)
    assert [i["id"] for i in snapshot["invitations"]] == ["INV-C2"]
    assert client.get("/candidates/C1", headers=rm).status_code == 404

    # the history keeps that something happened, never what
    with store.engine.connect() as conn:
        history = [dict(r) for r in conn.execute(sa.select(history_table)).mappings()]
        audit = [dict(r) for r in conn.execute(sa.select(audit_table)).mappings()]
        overrides = conn.execute(sa.select(overrides_table)).mappings().all()
        tombstones = conn.execute(sa.select(tombstone_table)).mappings().all()
        shared = conn.execute(sa.select(shared_cache.cache_table.c.payload)).scalars().all()
    assert not any(h["record_id"] in {"C1", "INV-C1", "M-C1-1", "O-C1", "O-C1-m1"} for h in history)
    scrubbed = [h for h in history if h["record_id"] == pseudonym]
    assert [h["action"] for h in scrubbed] == ["insert", "update", "delete"]
    assert all(h["before"] is None and h["after"] is None for h in scrubbed)
    assert all(h["changed_at"] is not None for h in scrubbed)
    assert not any(_mentions(h["before"]) or _mentions(h["after"]) for h in history)
    assert not any(_mentions(a) or "Medische" in json.dumps(a, default=str) for a in audit)
    assert list(overrides) == []
    assert not any('"C1"' in payload for payload in shared)
    assert [t["pseudonym"] for t in tombstones] == [pseudonym]
    erased = [a for a in audit if a["action"] == "candidate_erased"]
    assert len(erased) == 1 and erased[0]["subject_id"] == pseudonym
    assert erased[0]["actor"] == "administrator"
    shown_entry = next(a for a in audit if a["action"] == "shortlist_shown")
    assert f"erased:{pseudonym[:16]}" in json.dumps(shown_entry["results"])

    # training data must skip the id; the id cannot be reused
    assert "C1" in erased_ids(store) and "C2" not in erased_ids(store)
    assert is_erased(store, "C1")
    again = client.post(
        "/candidates",
        headers=rm,
        json={
            "id": "C1",
            "age_band": "25-44",
            "education": "mbo2",
            "benefit_type": "bijstand",
            "benefit_months": 1,
            "rung": 3,
            "language_level": "B1",
            "postcode": "5038AB",
            "mobility": "bike",
            "max_travel_km": 5,
            "hours_max": 20,
            "prior_paid_work": False,
        },
    )
    assert again.status_code == 409 and "erased" not in again.json()["detail"]

    # the vector index and embedding cache forgot them; later shortlists never show them
    assert "C1" not in runtime.index.hashes["candidates"]
    assert "C1" not in set(runtime.index.indexes["candidates"].ids)
    assert not any(s in runtime.space.cache for s in written)
    after = client.get("/shortlists/work-needs/W1", headers=rm).json()
    assert "C1" not in [m["candidate_id"] for m in after["matches"]]
    cache = client.app.state.shortlist_cache
    assert not any("C1" in str(entry) for entry in cache._entries._values.values())


def test_a_failing_remover_erases_nothing(client, admin, store, runtime, monkeypatch):
    _history_of_c1(store)
    before = store.snapshot()

    def broken(candidate_id):
        raise OSError("index disk is read-only")

    monkeypatch.setattr(runtime.index, "remove_candidate", broken)
    r = client.delete("/candidates/C1", headers=admin)
    assert r.status_code == 500
    assert r.json() == {"detail": "internal server error; it has been logged"}
    assert store.snapshot() == before
    assert not is_erased(store, "C1")


@pytest.mark.parametrize("who", ["relationship_manager", "event_organiser", "data_scientist"])
def test_only_administrators_erase(client, auth, store, who):
    assert client.delete("/candidates/C1", headers=auth(who)).status_code == 403
    assert store.get(Candidate, "C1") is not None


def test_audit_writer_batches_flushes_and_never_writes_an_erased_id(store):
    from matching.privacy.audit_log import list_entries
    from matching.privacy.audit_writer import AuditWriter
    from matching.privacy.erasure import audit_scrubber, erase_candidate

    writer = AuditWriter(store, scrub=audit_scrubber(store))
    refs = [
        writer.submit(actor="rm", role="relationship_manager", municipality=HOME,
                      action="shortlist_shown", subject_type="work_need", subject_id="W1",
                      results=[{"rank": 1, "candidate_id": "C2"}])
        for _ in range(20)
    ]
    assert writer.flush()
    entries, total = list_entries(store, municipality=HOME, action="shortlist_shown", limit=100)
    assert total == 20 and {e.ref for e in entries} == set(refs)
    assert writer.written == 20

    # an entry queued by another worker before the erasure, written after it
    erase_candidate(store, "C2", municipality=HOME, actor="admin")
    ref = writer.submit(actor="rm", role="relationship_manager", municipality=HOME,
                        action="shortlist_shown", subject_type="candidate", subject_id="C2",
                        results=[{"rank": 1, "candidate_id": "C2", "work_need_id": "W2"}])
    writer.close()
    (entry,), _ = list_entries(store, municipality=HOME, ref=ref)
    assert entry.subject_id.startswith("erased:") and "C2" not in json.dumps(entry.results)
    assert entry.results[0]["work_need_id"] == "W2"


def test_erasure_forgets_every_version_and_leaves_no_trace_in_the_files(
    client, rm, admin, store, runtime, tmp_path
):
    first = "Ik wil graag als imker werken bij een bijenhouderij."
    second = "Tegenwoordig liever iets in de bloemenkwekerij."
    named = client.patch("/candidates/C1", headers=rm,
                         json={"name": "Marieke Zonneveld", "phone": "06-91827364"})
    assert named.status_code == 200, named.text
    for wishes in (first, second):
        r = client.patch("/candidates/C1", headers=rm, json={"wishes": wishes})
        assert r.status_code == 200, r.text
        runtime.space.candidate_vectors([store.get(Candidate, "C1")])  # as the index sync does
    assert first in runtime.space.cache and second in runtime.space.cache
    r = client.post(
        "/work-needs/W1/overrides",
        headers=rm,
        json={"candidate_id": "C1", "kind": "exclude", "reason": "Heeft nu schuldhulpverlening"},
    )
    assert r.status_code in (200, 201), r.text

    assert client.delete("/candidates/C1", headers=admin).status_code == 200
    # the text a PATCH replaced is forgotten too, not only the current one
    assert first not in runtime.space.cache and second not in runtime.space.cache
    with store.engine.connect() as conn:
        inputs = conn.execute(
            sa.select(audit_table.c.inputs).where(audit_table.c.action == "override_added")
        ).scalars().all()
    assert inputs and all(i["reason"] == "erased" for i in inputs)
    # nothing they wrote is left in the database file or its write-ahead log
    files = [p for p in tmp_path.glob("api.db*") if p.stat().st_size]
    assert files
    for path in files:
        data = path.read_bytes()
        for word in (b"imker", b"bloemenkwekerij", b"schuldhulpverlening", b"Zonneveld", b"91827364"):
            assert word not in data, f"{word!r} left in {path.name}"


def test_verify_finds_a_candidate_until_they_are_erased(store, runtime, monkeypatch):
    import typer
    from typer.testing import CliRunner

    from api.commands import privacy as privacy_commands
    from api.commands import retrieval as retrieval_commands
    from services.erasure import verify

    monkeypatch.setattr(retrieval_commands, "load_runtime", lambda settings, store: runtime)
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """werkkans (test)"""

    privacy_commands.register(app)
    runner = CliRunner()
    _history_of_c1(store)
    runtime.index.sync(store)

    before = verify(runtime, "C1")
    assert not before.erased and not before.clean, before.found
    assert {"database candidates.id", "database meetings.candidate_id",
            "vector index (candidates)"} <= set(before.found)
    assert before.database_files, "the SQLite files are searched too"
    result = runner.invoke(app, ["erasure", "verify", "C1", "--db", store.url])
    assert result.exit_code == 1 and "gevonden" in result.output

    result = runner.invoke(app, ["erasure", "erase", "C1", "--yes", "--db", store.url])
    assert result.exit_code == 0, result.output
    assert "gewist" in result.output

    after = verify(runtime, "C1")
    assert after.erased and after.found == {}, after.found
    result = runner.invoke(app, ["erasure", "verify", "C1", "--db", store.url])
    assert result.exit_code == 0, result.output
    assert "niets gevonden" in result.output
    # someone else is still found: the search is not blind
    assert not verify(runtime, "C2").clean
