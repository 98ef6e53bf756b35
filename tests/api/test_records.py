"""Candidates, employers and work needs over HTTP: CRUD, search, isolation, privacy, history."""

from __future__ import annotations

import pytest
from api_helpers import HOME

from matching.records.schemas import Candidate, Employer


def _candidate(**overrides):
    body = {
        "id": "C10",
        "age_band": "25-44",
        "education": "mbo2",
        "benefit_type": "bijstand",
        "benefit_months": 18,
        "rung": 4,
        "language_level": "B1",
        "postcode": "5038AB",
        "mobility": "bike",
        "max_travel_km": 10,
        "hours_min": 16,
        "hours_max": 32,
        "prior_paid_work": True,
        "limits": ["heavy_lifting"],
        "help_needed": "Vaste begeleider.",
        "wishes": "Ik wil in de keuken werken.",
    }
    body.update(overrides)
    return body


def test_list_search_and_paginate(client, rm):
    r = client.get("/candidates", headers=rm, params={"limit": 2})
    body = r.json()
    assert r.status_code == 200
    assert body["total"] == 4 and [c["id"] for c in body["items"]] == ["C1", "C2"]
    assert body["limit"] == 2 and body["offset"] == 0
    second = client.get("/candidates", headers=rm, params={"limit": 2, "offset": 2}).json()
    assert [c["id"] for c in second["items"]] == ["C3", "C4"]
    found = client.get("/candidates", headers=rm, params={"q": "BUITEN groen"}).json()
    assert [c["id"] for c in found["items"]] == ["C2"]
    none = client.get("/candidates", headers=rm, params={"q": "100%_"}).json()
    assert none["total"] == 0
    employers = client.get("/employers", headers=rm, params={"q": "hovenier"}).json()
    assert [e["id"] for e in employers["items"]] == ["E2"]
    needs = client.get("/work-needs", headers=rm, params={"employer_id": "E1"}).json()
    assert [n["id"] for n in needs["items"]] == ["W1", "W3"]
    assert client.get("/candidates", headers=rm, params={"limit": 0}).status_code == 422
    assert client.get("/candidates", headers=rm, params={"status": "bogus"}).status_code == 422


def test_other_municipality_is_404_never_403(client, rm, auth):
    other = auth("other_rm")
    assert client.get("/candidates/B1", headers=rm).status_code == 404
    assert client.get("/candidates/B1", headers=rm).json() == {"detail": "candidate B1 not found"}
    assert client.get("/candidates/C1", headers=other).status_code == 404
    assert client.get("/candidates/B1", headers=other).status_code == 200
    assert client.patch("/candidates/B1", headers=rm, json={"rung": 5}).status_code == 404
    assert client.get("/candidates/B1/history", headers=rm).status_code == 404
    assert client.get("/employers/BE1", headers=rm).status_code == 404
    assert client.get("/work-needs/BW1", headers=rm).status_code == 404
    assert client.get("/shortlists/work-needs/BW1", headers=rm).status_code == 404
    assert client.get("/shortlists/candidates/B1", headers=rm).status_code == 404
    assert client.get("/work-needs/BW1/overrides", headers=rm).status_code == 404
    assert client.delete("/candidates/B1", headers=auth("administrator")).status_code == 404
    listed = client.get("/candidates", headers=rm, params={"q": "B1"}).json()
    assert listed["total"] == 0
    # a work need pointing at another municipality's employer reads as a missing employer
    r = client.post(
        "/work-needs",
        headers=rm,
        json={"id": "W9", "employer_id": "BE1", "title": "x", "hours_max": 10},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["msg"] == "employer BE1 not found"


def test_create_update_patch_with_history_actor(client, rm, store):
    r = client.post("/candidates", headers=rm, json=_candidate())
    assert r.status_code == 201, r.text
    assert r.json()["municipality"] == HOME and r.json()["limits"] == ["heavy_lifting"]
    assert client.post("/candidates", headers=rm, json=_candidate()).status_code == 409
    r = client.put("/candidates/C10", headers=rm, json=_candidate(rung=5))
    assert r.status_code == 200 and r.json()["rung"] == 5
    r = client.patch("/candidates/C10", headers=rm, json={"consent_events": False})
    assert r.status_code == 200 and r.json()["consent_events"] is False and r.json()["rung"] == 5
    history = client.get("/candidates/C10/history", headers=rm).json()
    assert [h["action"] for h in history] == ["insert", "update", "update"]
    assert {h["actor"] for h in history} == {"relationship"}
    assert history[2]["before"]["consent_events"] is True
    assert history[2]["after"]["consent_events"] is False
    assert [h["actor"] for h in store.history(Candidate, "C10")] == ["relationship"] * 3


def test_validation_errors_are_specific_and_change_nothing(client, rm, store):
    before = store.snapshot()
    r = client.post("/candidates", headers=rm, json=_candidate(hours_min=40, hours_max=10))
    assert r.status_code == 422
    assert r.json()["detail"][0]["msg"] == "hours_min (40) is more than hours_max (10)"
    r = client.post("/candidates", headers=rm, json=_candidate(rung="high", postcode="12"))
    assert r.status_code == 422
    locs = {tuple(d["loc"]) for d in r.json()["detail"]}
    assert ("body", "rung") in locs and ("body", "postcode") in locs
    assert all("input" not in d for d in r.json()["detail"])
    r = client.post("/candidates", headers=rm, json=_candidate(shoe_size=44))
    assert r.status_code == 422 and r.json()["detail"][0]["type"] == "extra_forbidden"
    r = client.post("/candidates", headers=rm, json=_candidate(municipality="GM0363"))
    assert r.status_code == 422 and "your municipality" in r.json()["detail"][0]["msg"]
    r = client.post(
        "/candidates", headers={**rm, "Content-Type": "application/json"}, content=b'{"id": "C11",'
    )
    assert r.status_code == 422 and r.json()["detail"][0]["msg"].startswith(
        "body is not valid JSON"
    )
    r = client.put("/candidates/C1", headers=rm, json=_candidate(id="C2"))
    assert r.status_code == 422 and "differs from the path" in r.json()["detail"][0]["msg"]
    r = client.patch("/candidates/C1", headers=rm, json={"hours_max": 3})
    assert r.status_code == 422
    r = client.patch("/candidates/C1", headers=rm, json={"id": "C99"})
    assert r.status_code == 422
    assert client.get("/candidates/bad%20id!", headers=rm).status_code == 422
    assert client.get("/candidates/C404", headers=rm).status_code == 404
    assert store.snapshot() == before


def test_health_fields_only_for_roles_that_need_them(client, auth, store):
    client.post("/candidates", headers=auth("relationship_manager"), json=_candidate())
    for role, sees in [
        ("relationship_manager", True),
        ("administrator", True),
        ("event_organiser", False),
    ]:
        body = client.get("/candidates/C10", headers=auth(role)).json()
        if sees:
            assert (
                body["limits"] == ["heavy_lifting"] and body["help_needed"] == "Vaste begeleider."
            )
            assert body["redacted"] == []
        else:
            assert body["limits"] is None and body["help_needed"] is None
            assert body["redacted"] == ["limits", "help_needed"]
            listed = client.get("/candidates", headers=auth(role), params={"q": "C10"}).json()
            assert listed["items"][0]["limits"] is None
    # help_needed is not searchable, so the search cannot reveal it either
    found = client.get(
        "/candidates", headers=auth("event_organiser"), params={"q": "begeleider"}
    ).json()
    assert found["total"] == 0


def test_employer_and_work_need_lifecycle(client, rm, store):
    employer = {
        "id": "E9",
        "name": "Bakkerij Vos",
        "sbi_section": "C",
        "size_class": "0-9",
        "postcode": "5038AB",
    }
    assert client.post("/employers", headers=rm, json=employer).status_code == 201
    need = {
        "id": "W9",
        "employer_id": "E9",
        "title": "Hulp in de bakkerij",
        "hours_max": 20,
        "demands": ["long_standing"],
        "adaptable": ["heights"],
    }
    r = client.post("/work-needs", headers=rm, json=need)
    assert r.status_code == 422
    assert "adaptable lists demands the work does not have: heights" in r.json()["detail"][0]["msg"]
    need["adaptable"] = ["long_standing"]
    assert client.post("/work-needs", headers=rm, json=need).status_code == 201
    r = client.delete("/employers/E9", headers=rm)
    assert r.status_code == 409 and "1 work_needs" in r.json()["detail"]
    assert client.patch("/work-needs/W9", headers=rm, json={"open": False}).json()["open"] is False
    assert client.delete("/work-needs/W9", headers=rm).status_code == 204
    assert client.delete("/employers/E9", headers=rm).status_code == 204
    assert client.get("/employers/E9", headers=rm).status_code == 404
    history = client.get("/employers/E9/history", headers=rm)
    assert history.status_code == 404  # the record is gone; its history stays in the store
    assert [h["action"] for h in store.history(Employer, "E9")] == ["insert", "delete"]


@pytest.mark.parametrize(
    "path", ["/candidates", "/employers", "/work-needs", "/events", "/outcomes"]
)
def test_lists_answer_for_readers(client, admin, path):
    r = client.get(path, headers=admin)
    assert r.status_code == 200 and set(r.json()) == {"items", "total", "limit", "offset"}


def test_a_taken_id_reads_the_same_wherever_it_is_taken(client, rm, admin):
    def refusal(candidate_id: str) -> str:
        r = client.post("/candidates", headers=rm, json=_candidate(id=candidate_id))
        assert r.status_code == 409, r.text
        return r.json()["detail"].replace(candidate_id, "ID")

    own = refusal("C1")  # in the user's own municipality
    foreign = refusal("B1")  # in another municipality: must not reveal that it exists there
    assert client.delete("/candidates/C2", headers=admin).status_code == 200
    erased = refusal("C2")  # an erased candidate's id
    assert own == foreign == erased
    assert "erased" not in own and "GM0363" not in foreign
