"""Shortlists over HTTP: both directions, audit log, overrides, employer-facing privacy."""

from __future__ import annotations

import platform

import numpy as np
import pytest
from travel_scorer import TravelScorer


def _audit(client, admin, **params):
    return client.get("/audit", headers=admin, params=params).json()["items"]


def test_work_need_shortlist_is_ranked_explained_and_logged(client, rm, admin):
    r = client.get("/shortlists/work-needs/W1", headers=rm, params={"k": 5})
    assert r.status_code == 200, r.text
    body = r.json()
    ids = [m["candidate_id"] for m in body["matches"]]
    assert "C3" not in ids and body["vetoed"] == {"no_consent": 1}  # C3: no consent to matching
    assert [m["rank"] for m in body["matches"]] == list(range(1, len(ids) + 1))
    top = body["matches"][0]
    assert top["reason"] and top["employer_name"] == "Zorggroep De Linde"
    assert body["scored_by"] == "similarity" and top["probability"] is None
    entries = _audit(client, admin, action="shortlist_shown")
    assert len(entries) == 1 and entries[0]["ref"] == body["audit_ref"]
    by_ref = _audit(client, admin, ref=body["audit_ref"])
    assert [e["seq"] for e in by_ref] == [entries[0]["seq"]]
    entry = entries[0]
    assert entry["actor"] == "relationship" and entry["subject_id"] == "W1"
    assert entry["inputs"]["k"] == 5 and entry["model_version"] == "similarity"
    assert [e["candidate_id"] for e in entry["results"]] == ids


def test_overrides_are_applied_visible_logged_and_liftable(client, rm, admin):
    baseline = [
        m["candidate_id"]
        for m in client.get("/shortlists/work-needs/W1", headers=rm).json()["matches"]
    ]
    last = baseline[-1]
    pin = client.post(
        "/work-needs/W1/overrides",
        headers=rm,
        json={"candidate_id": last, "kind": "pin", "reason": "Kent de werkgever."},
    )
    assert pin.status_code == 201 and pin.json()["actor"] == "relationship"
    exclude = client.post(
        "/work-needs/W1/overrides",
        headers=rm,
        json={
            "candidate_id": baseline[0] if baseline[0] != last else baseline[1],
            "kind": "exclude",
            "reason": "Eerder hier gewerkt.",
        },
    )
    assert exclude.status_code == 201
    excluded_id = exclude.json()["candidate_id"]
    body = client.get("/shortlists/work-needs/W1", headers=rm).json()
    assert body["matches"][0]["candidate_id"] == last and body["matches"][0]["pinned"]
    assert body["matches"][0]["override_reason"] == "Kent de werkgever."
    assert excluded_id not in [m["candidate_id"] for m in body["matches"]]
    assert body["excluded"] == [{"id": excluded_id, "reason": "Eerder hier gewerkt."}]
    assert {o["kind"] for o in body["overrides"]} == {"pin", "exclude"}
    listed = client.get("/work-needs/W1/overrides", headers=rm).json()
    assert len(listed) == 2
    assert {e["action"] for e in _audit(client, admin, subject_id="W1")} >= {
        "override_added",
        "shortlist_shown",
    }
    # lifting restores the ranking
    lifted = client.delete(f"/work-needs/W1/overrides/{exclude.json()['id']}", headers=rm)
    assert lifted.status_code == 200 and lifted.json()["active"] is False
    assert (
        client.delete(f"/work-needs/W1/overrides/{exclude.json()['id']}", headers=rm).status_code
        == 404
    )
    again = client.get("/shortlists/work-needs/W1", headers=rm).json()
    assert excluded_id in [m["candidate_id"] for m in again["matches"]]
    history = client.get(
        "/work-needs/W1/overrides", headers=rm, params={"include_lifted": True}
    ).json()
    assert [o["active"] for o in history] == [True, False]


def test_override_input_is_checked(client, rm, auth, store):
    before = store.snapshot()
    bad = [
        {"candidate_id": "C404", "kind": "pin", "reason": "x y z"},
        {"candidate_id": "B1", "kind": "pin", "reason": "andere gemeente"},
        {"candidate_id": "C3", "kind": "pin", "reason": "geen toestemming"},
        {"candidate_id": "C1", "kind": "promote", "reason": "onbekend"},
        {"candidate_id": "C1", "kind": "exclude", "reason": " "},
    ]
    for body in bad:
        assert client.post("/work-needs/W1/overrides", headers=rm, json=body).status_code == 422
    organiser = auth("event_organiser")
    assert (
        client.post(
            "/work-needs/W1/overrides",
            headers=organiser,
            json={"candidate_id": "C1", "kind": "pin", "reason": "abc"},
        ).status_code
        == 403
    )
    assert client.get("/work-needs/W1/overrides", headers=rm).json() == []
    assert store.snapshot() == before


def test_employer_view_respects_consent_and_hides_health(client, rm):
    client.patch("/candidates/C1", headers=rm, json={"consent_share_employers": False})
    client.patch(
        "/candidates/C4", headers=rm, json={"limits": ["long_standing"], "max_travel_km": 20}
    )
    staff = client.get("/shortlists/work-needs/W1", headers=rm).json()
    employer = client.get(
        "/shortlists/work-needs/W1", headers=rm, params={"audience": "employer"}
    ).json()
    staff_ids = [m["candidate_id"] for m in staff["matches"]]
    employer_ids = [m["candidate_id"] for m in employer["matches"]]
    assert "C1" in staff_ids and "C1" not in employer_ids
    staff_c4 = next(m for m in staff["matches"] if m["candidate_id"] == "C4")
    employer_c4 = next(m for m in employer["matches"] if m["candidate_id"] == "C4")
    assert "werk aan te passen (lang staan)" in staff_c4["reason"]
    assert (
        "lang staan" not in employer_c4["reason"]
        and "werk aan te passen" not in employer_c4["reason"]
    )
    assert employer["audience"] == "employer" and employer["excluded"] == []


def test_candidate_to_work_needs(client, rm):
    r = client.get("/shortlists/candidates/C2", headers=rm)
    assert r.status_code == 200
    matches = r.json()["matches"]
    assert [m["employer_id"] for m in matches] == ["E2", "E1"]
    client.post(
        "/work-needs/W2/overrides",
        headers=rm,
        json={"candidate_id": "C2", "kind": "exclude", "reason": "Past niet bij deze ploeg."},
    )
    after = client.get("/shortlists/candidates/C2", headers=rm).json()
    assert "W2" not in [m["work_need_id"] for m in after["matches"]]
    assert after["excluded"] == [{"id": "W2", "reason": "Past niet bij deze ploeg."}]
    assert client.get("/shortlists/candidates/C2", headers=rm, params={"k": 0}).status_code == 422
    assert client.get("/shortlists/work-needs/W1", headers=rm, params={"k": 101}).status_code == 422
    assert client.get("/shortlists/work-needs/W404", headers=rm).status_code == 404


def test_a_second_worker_reuses_the_shared_answer(client, rm, settings, runtime, monkeypatch):
    from fastapi.testclient import TestClient

    from api.app import create_app

    other = create_app(settings, runtime=runtime)  # another worker on the same store
    with TestClient(other) as second:  # started before the answer was computed
        first = client.get("/shortlists/work-needs/W1", headers=rm).json()
        calls = []
        engine = runtime.engine
        original = engine.for_work_need
        monkeypatch.setattr(
            engine, "for_work_need", lambda *a, **k: calls.append(a) or original(*a, **k)
        )
        again = second.get("/shortlists/work-needs/W1", headers=rm).json()
    assert calls == []  # found in the store, not computed again
    assert other.state.shortlist_cache.shared_hits == 1
    assert again["matches"] == first["matches"] and again["audit_ref"] != first["audit_ref"]


def test_contributions_only_on_request_and_never_for_employers(client, rm, runtime):
    runtime.engine.set_scorer(TravelScorer())
    plain = client.get("/shortlists/work-needs/W1", headers=rm).json()
    assert plain["scored_by"] == "test-travel/1"
    assert all(m["contributions"] is None for m in plain["matches"])
    detailed = client.get(
        "/shortlists/work-needs/W1", headers=rm, params={"contributions": "true"}
    ).json()
    assert all(set(m["contributions"]) == {"travel_km"} for m in detailed["matches"])
    employer = client.get(
        "/shortlists/work-needs/W1",
        headers=rm,
        params={"contributions": "true", "audience": "employer"},
    ).json()
    assert all(m["contributions"] is None for m in employer["matches"])
    for_candidate = client.get(
        "/shortlists/candidates/C2", headers=rm, params={"contributions": "true"}
    ).json()
    assert for_candidate["matches"] and all(m["contributions"] for m in for_candidate["matches"])


def test_a_failing_shared_cache_only_costs_a_computation(client, rm, monkeypatch):
    from sqlalchemy.exc import OperationalError

    from matching.serving import shared_cache

    def broken(*args, **kwargs):
        raise OperationalError("INSERT", {}, Exception("database is locked"))

    monkeypatch.setattr(shared_cache, "get", broken)
    monkeypatch.setattr(shared_cache, "put", broken)
    r = client.get("/shortlists/work-needs/W1", headers=rm)
    assert r.status_code == 200 and r.json()["matches"]


def test_the_service_starts_when_the_pools_cannot_be_built(settings, runtime, rm, monkeypatch):
    from fastapi.testclient import TestClient

    from api.app import create_app

    def broken(*args, **kwargs):
        raise RuntimeError("sentence model missing")

    monkeypatch.setattr(runtime.engine, "warm", broken)
    with TestClient(create_app(settings, runtime=runtime)) as client:
        assert client.get("/health").status_code == 200
        assert client.get("/shortlists/work-needs/W1", headers=rm).status_code == 200


def test_a_service_that_starts_holds_the_lists_computed_before_it(settings, runtime, rm):
    from fastapi.testclient import TestClient

    from api.app import create_app

    with TestClient(create_app(settings, runtime=runtime)) as first:
        shown = first.get("/shortlists/work-needs/W1", headers=rm).json()
    with TestClient(create_app(settings, runtime=runtime)) as started:
        again = started.get("/shortlists/work-needs/W1", headers=rm).json()
        cache = started.app.state.shortlist_cache
        # answered from its memory: not read from the shared table, not computed
        assert (cache.hits, cache.shared_hits, cache.computed) == (1, 0, 0)
    assert [m["candidate_id"] for m in again["matches"]] == [m["candidate_id"] for m in shown["matches"]]


def test_sorting_by_the_difference_meeting_makes_is_for_staff(client, rm, runtime):
    runtime.engine.set_scorer(TravelScorer())
    pool = runtime.engine._pool("GM0855")
    pool.anyway = np.linspace(0.9, 0.0, len(pool.candidates))  # the first would find work alone
    by_net = client.get("/shortlists/work-needs/W1", headers=rm, params={"sort": "net"}).json()
    nets = [m["net"] for m in by_net["matches"]]
    assert nets and nets == sorted(nets, reverse=True)
    assert all(m["net"] == pytest.approx((1 - m["anyway"]) * m["probability"]) for m in by_net["matches"])
    employer = client.get(
        "/shortlists/work-needs/W1", headers=rm, params={"sort": "net", "audience": "employer"}
    ).json()
    assert all(m["anyway"] is None and m["net"] is None for m in employer["matches"])
    assert client.get("/shortlists/work-needs/W1", headers=rm, params={"sort": "value"}).status_code == 422


def test_each_worker_builds_its_pools_for_a_new_day_before_anyone_asks(app, runtime, monkeypatch):
    import datetime as dt
    import time

    from fastapi.testclient import TestClient

    import api.app as app_module

    monkeypatch.setattr(app_module, "STEP_SECONDS", 0.05)
    day = runtime.engine.today()
    with TestClient(app):
        assert runtime.engine._pools["GM0855"].day == day  # built as the worker started
        runtime.engine.today = lambda: day + dt.timedelta(days=1)
        waited = time.monotonic()
        while runtime.engine._pools["GM0855"].day == day and time.monotonic() - waited < 30:
            time.sleep(0.05)
        assert runtime.engine._pools["GM0855"].day == day + dt.timedelta(days=1)  # nobody asked
        assert runtime.engine._pools["GM0363"].day == day + dt.timedelta(days=1)


def test_each_worker_brings_its_pools_up_to_date_after_writes_before_anyone_asks(app, runtime, store, monkeypatch):
    import gc
    import threading
    import time

    from factories import make_candidate
    from fastapi.testclient import TestClient

    import api.app as app_module
    from matching.shortlists.pool import POOL_TYPES

    monkeypatch.setattr(app_module, "STEP_SECONDS", 0.05)
    monkeypatch.setattr(app_module, "TRIM_SECONDS", 0.0)
    trimmed: list[str] = []
    monkeypatch.setattr(app_module, "_give_back_free_memory",
                        lambda: trimmed.append(threading.current_thread().name) or True)
    with TestClient(app):
        time.sleep(0.3)
        assert trimmed == []  # nothing moved: nothing freed to give back
        before = runtime.engine._pools["GM0855"]
        store.upsert([make_candidate("C1", wishes="Liefst iets met dieren, in een dierenasiel.")])
        now = store.version(municipalities=["GM0855"], record_types=POOL_TYPES)
        waited = time.monotonic()
        while runtime.engine._pools["GM0855"].version != now and time.monotonic() - waited < 30:
            time.sleep(0.05)
        after = runtime.engine._pools["GM0855"]
        assert after.version == now and after is not before  # nobody asked
        assert "dierenasiel" in after.candidates[after.row_of["C1"]].wishes
        # and, living until the next write, taken out of garbage collection like the pools before
        while any(o is after.candidates for o in gc.get_objects()) and time.monotonic() - waited < 30:
            time.sleep(0.05)
        assert not any(o is after.candidates for o in gc.get_objects())
        # and the C heap's free memory given back, on the background thread
        while not trimmed and time.monotonic() - waited < 30:
            time.sleep(0.05)
        assert trimmed and all(name.startswith("shortlist-refresh") for name in trimmed)


@pytest.mark.skipif(platform.libc_ver()[0] != "glibc", reason="malloc_trim is glibc's")
def test_a_worker_can_give_its_free_heap_memory_back() -> None:
    import api.app as app_module

    assert app_module._give_back_free_memory()
