"""Events (tables, invitations, table plan, attendance), outcomes and aftercare over HTTP."""

from __future__ import annotations

from api_helpers import HOME

from matching.records.schemas import Invitation, TableMeeting


def _invite(store):
    store.upsert(
        [
            Invitation(id="I1", municipality=HOME, event_id="EV1", candidate_id="C1"),
            Invitation(id="I2", municipality=HOME, event_id="EV1", candidate_id="C2"),
            TableMeeting(
                id="M1",
                municipality=HOME,
                event_id="EV1",
                table_id="T1",
                employer_id="E1",
                candidate_id="C1",
                round=1,
            ),
            TableMeeting(
                id="M2",
                municipality=HOME,
                event_id="EV1",
                table_id="T2",
                employer_id="E2",
                candidate_id="C2",
                round=1,
            ),
            TableMeeting(
                id="M3",
                municipality=HOME,
                event_id="EV1",
                table_id="T2",
                employer_id="E2",
                candidate_id="C1",
                round=2,
            ),
        ]
    )


def test_event_with_tables(client, auth):
    organiser = auth("event_organiser")
    r = client.get("/events/EV1", headers=organiser)
    assert r.status_code == 200
    assert [t["id"] for t in r.json()["tables"]] == ["T1", "T2"]
    assert r.json()["employers"] == {"E1": "Zorggroep De Linde", "E2": "Hoveniersbedrijf Groen"}
    new = {"id": "EV2", "date": "2026-04-09", "place": "Bibliotheek", "rounds": 2}
    assert client.post("/events", headers=organiser, json=new).status_code == 201
    r = client.post(
        "/events/EV2/tables",
        headers=organiser,
        json={"id": "EV2-T1", "employer_id": "E2", "seats": 5},
    )
    assert r.status_code == 201 and r.json()["event_id"] == "EV2"
    r = client.post(
        "/events/EV2/tables",
        headers=organiser,
        json={"id": "EV2-T2", "employer_id": "BE1", "seats": 5},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["msg"] == "employer BE1 not found"
    assert client.patch("/events/EV2", headers=organiser, json={"rounds": 3}).json()["rounds"] == 3
    assert client.delete("/events/EV2", headers=organiser).status_code == 204
    assert client.get("/events/EV2-T1", headers=organiser).status_code == 404
    assert client.post("/events", headers=auth("relationship_manager"), json=new).status_code == 403


def test_each_host_gets_an_invitation_in_dutch_to_its_contact_person(client, auth, store):
    from matching.records.schemas import Employer

    linde = store.get(Employer, "E1").model_copy(update={
        "contact_name": "Ineke Bos", "contact_email": "i.bos@delinde.nl", "contact_phone": "013-5551234"})
    store.upsert([linde])
    hosts = client.get("/events/EV1/hosts", headers=auth("event_organiser"))
    assert hosts.status_code == 200
    by_employer = {h["employer_id"]: h for h in hosts.json()}
    assert set(by_employer) == {"E1", "E2"}
    invite = by_employer["E1"]
    assert (invite["contact_name"], invite["contact_email"]) == ("Ineke Bos", "i.bos@delinde.nl")
    assert invite["body"].startswith("Beste Ineke Bos,")
    assert "Zorggroep De Linde" in invite["body"] and invite["tables"] == ["T1"]
    assert by_employer["E2"]["body"].startswith("Beste,")  # no contact person recorded
    other = client.get("/events/EV1/hosts", headers=auth("other_rm"))
    assert other.status_code == 404


def test_invitations_and_table_plan_respect_consent_and_are_logged(client, auth, store):
    _invite(store)
    rm, organiser, admin = (
        auth("relationship_manager"),
        auth("event_organiser"),
        auth("administrator"),
    )
    client.patch("/candidates/C2", headers=rm, json={"consent_events": False})
    invitations = client.get("/events/EV1/invitations", headers=organiser).json()
    assert [i["candidate_id"] for i in invitations["invitations"]] == ["C1"]
    assert invitations["held_back_no_consent"] == 1
    plan = client.get("/events/EV1/table-plan", headers=organiser).json()
    assert [r["round"] for r in plan["rounds"]] == [1, 2]
    round1 = {
        t["table_id"]: [s["candidate_id"] for s in t["candidates"]]
        for t in plan["rounds"][0]["tables"]
    }
    assert round1 == {"T1": ["C1"], "T2": []}
    assert plan["held_back_no_consent"] == 1
    logged = client.get("/audit", headers=admin, params={"action": "event_plan_shown"}).json()
    assert logged["total"] == 2
    assert {e["inputs"]["view"] for e in logged["items"]} == {"invitations", "table_plan"}
    assert all("C2" not in str(e["results"]) for e in logged["items"])
    # an event with invitations cannot be deleted
    assert client.delete("/events/EV1", headers=organiser).status_code == 409


def test_attendance_and_follow_up(client, auth, store):
    _invite(store)
    organiser = auth("event_organiser")
    r = client.put(
        "/events/EV1/attendance", headers=organiser, json={"attended": {"C1": True, "C2": False}}
    )
    assert r.status_code == 200 and {i["candidate_id"]: i["attended"] for i in r.json()} == {
        "C1": True,
        "C2": False,
    }
    before = store.snapshot()
    r = client.put("/events/EV1/attendance", headers=organiser, json={"attended": {"C4": True}})
    assert r.status_code == 422 and "was not invited" in r.json()["detail"][0]["msg"]
    assert store.snapshot() == before
    # C2 did not come: their planned meeting is gone, so there is nothing to follow up
    assert store.get(TableMeeting, "M2") is None
    r = client.put("/events/EV1/meetings/M2/follow-up", headers=organiser, json={"follow_up": True})
    assert r.status_code == 404
    r = client.put("/events/EV1/meetings/M1/follow-up", headers=organiser, json={"follow_up": True})
    assert r.status_code == 200 and r.json()["follow_up"] is True
    assert (
        client.put(
            "/events/EV1/attendance",
            headers=auth("data_scientist"),
            json={"attended": {"C1": True}},
        ).status_code
        == 403
    )


def test_outcomes_corrections_and_aftercare(client, auth, store):
    _invite(store)
    rm = auth("relationship_manager")
    job = {
        "candidate_id": "C1",
        "employer_id": "E1",
        "work_need_id": "W1",
        "event_id": "EV1",
        "kind": "job",
        "contract_type": "fixed_12m",
        "hours": 24,
        "start_date": "2026-03-16",
    }
    r = client.post("/outcomes", headers=rm, json=job)
    assert r.status_code == 201, r.text
    outcome_id = r.json()["id"]
    assert r.json()["recorded_on"] == "2026-03-20" and r.json()["municipality"] == HOME
    before = store.snapshot()
    bad = [
        ({**job, "start_date": "2026-05-01"}, "start_date"),  # in the future
        ({**job, "candidate_id": "B1"}, "candidate_id"),  # another municipality
        ({**job, "contract_type": None}, "body"),  # a job needs a contract type
        ({**job, "kind": "follow_up", "contract_type": None}, "hours"),
        ({**job, "start_date": "2026-03-01"}, "start_date"),  # before the event
    ]
    for body, field in bad:
        r = client.post("/outcomes", headers=rm, json=body)
        assert r.status_code == 422, body
        assert r.json()["detail"][0]["loc"][-1] == field or field == "body", r.json()
    assert store.snapshot() == before
    r = client.patch(f"/outcomes/{outcome_id}", headers=rm, json={"hours": 20})
    assert r.status_code == 200 and r.json()["hours"] == 20
    history = client.get(f"/outcomes/{outcome_id}/history", headers=rm).json()
    assert [h["action"] for h in history] == ["insert", "update"]
    assert history[1]["changes"] == {"hours": [24, 20]}
    listed = client.get("/outcomes", headers=rm, params={"candidate_id": "C1"}).json()
    assert [o["id"] for o in listed["items"]] == [outcome_id]

    wep = {
        "candidate_id": "C2",
        "employer_id": "E2",
        "kind": "wep",
        "hours": 16,
        "start_date": "2026-01-10",
        "id": "O-WEP",
    }
    assert client.post("/outcomes", headers=rm, json=wep).status_code == 201
    r = client.post(
        "/outcomes/O-WEP/checkins",
        headers=rm,
        json={"month": 1, "date": "2026-02-10", "status": "working"},
    )
    assert r.status_code == 201 and r.json()["id"] == "O-WEP-m1"
    r = client.post(
        "/outcomes/O-WEP/checkins",
        headers=rm,
        json={"month": 3, "date": "2026-03-19", "status": "stopped"},
    )
    assert r.status_code == 422 and r.json()["detail"][0]["loc"][-1] == "reason"
    due = client.get("/aftercare/due", headers=rm, params={"window_days": 25}).json()
    assert [(d["outcome_id"], d["month"]) for d in due] == [("O-WEP", 3)]
    assert due[0]["state"] == "due"
    assert client.get("/outcomes/O-WEP/checkins", headers=rm).json()[0]["month"] == 1


def test_plan_an_event_respects_consent_saves_and_logs(client, auth, store):
    organiser, rm, admin = (
        auth("event_organiser"),
        auth("relationship_manager"),
        auth("administrator"),
    )
    client.patch("/candidates/C2", headers=rm, json={"consent_events": False})
    client.post(
        "/events",
        headers=organiser,
        json={
            "id": "EV5",
            "date": "2026-04-02",
            "place": "Stadhuis",
            "rounds": 2,
            "lat": 51.57,
            "lon": 5.07,
        },
    )
    for t, e in (("EV5-T1", "E1"), ("EV5-T2", "E2")):
        client.post(
            "/events/EV5/tables", headers=organiser, json={"id": t, "employer_id": e, "seats": 3}
        )
    r = client.post("/events/EV5/plan", headers=organiser, json={"save": True})
    assert r.status_code == 200, r.text
    plan = r.json()
    assert plan["invited"] and "C2" not in plan["invited"] and "C3" not in plan["invited"]
    assert all(a["candidate_id"] in plan["invited"] for a in plan["assignments"])
    # the organiser does not see health information, not even inside a reason
    assert plan["assignments"] and not any(
        "aan te passen" in a["reason"] for a in plan["assignments"]
    )
    seen = {(a["candidate_id"], a["table"]) for a in plan["assignments"]}
    assert len(seen) == len(plan["assignments"])  # nobody twice at the same table
    assert plan["saved"]["invitations_added"] == len(plan["invited"])
    stored = client.get("/events/EV5/invitations", headers=organiser).json()["invitations"]
    assert sorted(i["candidate_id"] for i in stored) == sorted(plan["invited"])
    logged = client.get(
        "/audit", headers=admin, params={"subject_id": "EV5", "action": "event_plan_shown"}
    ).json()
    assert any(
        e["inputs"]["view"] == "plan" and e["model_version"] == plan["scored_by"]
        for e in logged["items"]
    )
    r = client.post(
        "/events/EV5/plan", headers=organiser, json={"must_invite": ["C1"], "never_invite": ["C1"]}
    )
    assert r.status_code == 422 and "both" in r.json()["detail"][0]["msg"]
    assert client.post("/events/EV5/plan", headers=rm, json={}).status_code == 403
