"""Regional pools: a work need's list may draw on candidates the labour-market region's other
municipalities share, only with the candidate's consent, without health or contact details,
recorded in the sharing municipality's audit log, and gone when the candidate is erased; a
candidate's list may draw on the region's open work."""

from __future__ import annotations

import json

import pytest
import sqlalchemy as sa
from api_helpers import HOME, OTHER, PASSWORD, token_for
from factories import make_candidate, make_employer, make_work_need

from api.auth import create_user
from matching.privacy.audit_log import audit_table
from matching.records.enums import Demand
from matching.records.schemas import Municipality
from matching.serving import shared_cache

FAR = "GM0014"  # in another region


@pytest.fixture
def region(store):
    store.upsert(
        [
            Municipality(id=HOME, municipality=HOME, name="Tilburg", region="Midden-Brabant"),
            Municipality(id=OTHER, municipality=OTHER, name="Amsterdam", region="Midden-Brabant"),
            Municipality(id=FAR, municipality=FAR, name="Groningen", region="Groningen"),
            # B1 (in other_world) did not consent to regional sharing
            make_candidate(
                "B2", municipality=OTHER, name="Bea de Vries", email="bea@example.nl",
                phone="0612345678", consent_region=True, limits=[Demand.LONG_STANDING],
            ),
            make_candidate("C9", limits=[Demand.LONG_STANDING]),  # the same, at home
            make_candidate("B3", municipality=OTHER, consent_region=True, consent_matching=False),
            make_candidate("G1", municipality=FAR, consent_region=True),
        ],
        actor="fixture",
    )
    create_user(store, username="other_admin", password=PASSWORD, role="administrator",
                municipality=OTHER, rounds=4)
    return store


def _ids(body):
    return [m["candidate_id"] for m in body["matches"]]


def test_a_regional_list_adds_only_consenting_candidates_of_the_region(client, rm, region):
    own = client.get("/shortlists/work-needs/W1", headers=rm, params={"k": 50}).json()
    assert not any(m["shared_by_region"] for m in own["matches"])
    assert not {"B1", "B2", "B3", "G1"} & set(_ids(own))

    r = client.get("/shortlists/work-needs/W1", headers=rm, params={"k": 50, "scope": "region"})
    assert r.status_code == 200, r.text
    body = r.json()
    ids = _ids(body)
    assert "B2" in ids  # consented, same region
    assert "B1" not in ids and "B3" not in ids and "G1" not in ids  # no consent / other region
    assert set(ids) >= set(_ids(own))
    assert body["pool_size"] == own["pool_size"] + 1  # B2 (B3 did not consent to matching)
    shared = next(m for m in body["matches"] if m["candidate_id"] == "B2")
    assert shared["shared_by_region"] and shared["candidate_municipality"] == OTHER
    assert shared["candidate_name"] == "Bea de Vries"
    text = json.dumps(shared)
    assert "bea@example.nl" not in text and "0612345678" not in text
    at_home = next(m for m in body["matches"] if m["candidate_id"] == "C9")
    assert "werk aan te passen" in at_home["reason"]  # staff see their own candidates' limits
    assert "werk aan te passen" not in shared["reason"]  # but not another municipality's
    assert "regio" in body["note"]


def test_the_other_municipality_sees_the_view_in_its_own_audit_log(client, rm, region):
    r = client.get("/shortlists/work-needs/W1", headers=rm, params={"k": 50, "scope": "region"})
    assert r.status_code == 200
    theirs = client.get(
        "/audit",
        headers={"Authorization": f"Bearer {token_for('other_admin', 'administrator', OTHER)}"},
        params={"action": "regional_shortlist_shown"},
    ).json()["items"]
    assert len(theirs) == 1
    entry = theirs[0]
    assert entry["actor"] == "relationship" and entry["subject_id"] == "W1"
    assert entry["inputs"]["viewer_municipality"] == HOME
    assert [m["candidate_id"] for m in entry["results"]] == ["B2"]  # only their own candidates


def test_the_shared_candidate_stays_out_of_reach_otherwise(client, rm, region):
    assert client.get("/candidates/B2", headers=rm).status_code == 404
    assert client.get("/candidates/B2/export", headers=rm).status_code == 404
    r = client.post(
        "/work-needs/W1/overrides", headers=rm,
        json={"candidate_id": "B2", "kind": "pin", "reason": "Kent de werkgever al van een snuffelstage."},
    )
    assert r.status_code == 422 and "not found" in r.text  # as any other municipality's candidate


def test_a_municipality_in_no_region_with_others_gets_a_clear_refusal(client, rm, region, store):
    store.upsert([Municipality(id=HOME, municipality=HOME, name="Tilburg", region="")],
                 actor="test")
    r = client.get("/shortlists/work-needs/W1", headers=rm, params={"scope": "region"})
    assert r.status_code == 409 and "no labour-market region" in r.text
    # moved to Groningen's region: only Groningen's consenting candidate is added
    store.upsert([Municipality(id=HOME, municipality=HOME, name="Tilburg", region="Groningen")],
                 actor="test")
    r = client.get("/shortlists/work-needs/W1", headers=rm, params={"k": 50, "scope": "region"})
    assert "G1" in _ids(r.json()) and "B2" not in _ids(r.json())


def test_erasing_a_shared_candidate_clears_the_region(client, rm, region, store):
    r = client.get("/shortlists/work-needs/W1", headers=rm, params={"k": 50, "scope": "region"})
    assert "B2" in _ids(r.json())
    other_admin = {"Authorization": f"Bearer {token_for('other_admin', 'administrator', OTHER)}"}
    assert client.delete("/candidates/B2", headers=other_admin).status_code == 200
    with store.engine.connect() as conn:
        audit = [dict(a) for a in conn.execute(sa.select(audit_table)).mappings()]
        cached = conn.execute(sa.select(shared_cache.cache_table.c.payload)).scalars().all()
    assert not any('"B2"' in json.dumps(a, default=str) for a in audit)  # in both municipalities' logs
    assert not any('"B2"' in payload for payload in cached)
    again = client.get("/shortlists/work-needs/W1", headers=rm, params={"k": 50, "scope": "region"})
    assert "B2" not in _ids(again.json())


def test_the_work_need_page_offers_the_region_and_marks_shared_candidates(client, region):
    from test_pages import _login

    _login(client, "relationship")
    own = client.get("/werkvragen/W1")
    assert "ook uit de arbeidsmarktregio" in own.text and "Bea de Vries" not in own.text
    page = client.get("/werkvragen/W1?bereik=regio")
    assert page.status_code == 200
    assert "Bea de Vries" in page.text and "uit Amsterdam: contact via die gemeente" in page.text
    assert 'href="/kandidaten/B2"' not in page.text


def test_a_candidates_list_over_the_region_adds_the_regions_open_work(client, rm, region, store):
    store.upsert([make_employer("GE1", municipality=FAR, name="Groninger Zorg"),
                  make_work_need("GW1", "GE1", municipality=FAR)], actor="fixture")
    own = client.get("/shortlists/candidates/C1", headers=rm, params={"k": 50}).json()
    assert "BW1" not in [m["work_need_id"] for m in own["matches"]]
    r = client.get("/shortlists/candidates/C1", headers=rm,
                   params={"k": 50, "scope": "region", "one_per_employer": False})
    assert r.status_code == 200, r.text
    body = r.json()
    found = {m["work_need_id"]: m for m in body["matches"]}
    assert "GW1" not in found  # another region's work
    assert found["BW1"]["work_need_municipality"] == OTHER
    assert found["BW1"]["employer_name"] == "Amsterdamse Zorg"
    assert all(m["work_need_municipality"] is None for w, m in found.items() if w != "BW1")
    assert body["pool_size"] == own["pool_size"] + 1

    from test_pages import _login

    _login(client, "relationship")
    page = client.get("/kandidaten/C1?bereik=regio")
    assert page.status_code == 200
    assert "Amsterdamse Zorg" in page.text and "(in Amsterdam; contact via die gemeente)" in page.text
    assert 'href="/werkvragen/BW1"' not in page.text and 'href="/werkgevers/BE1"' not in page.text
    assert "ook uit de arbeidsmarktregio" in client.get("/kandidaten/C1").text


def test_a_candidates_list_over_no_region_is_refused(client, rm, store):
    r = client.get("/shortlists/candidates/C1", headers=rm, params={"scope": "region"})
    assert r.status_code == 409 and "no labour-market region" in r.text


def test_a_municipality_that_leaves_the_region_takes_its_candidates_out_of_the_regions_lists(
    client, rm, region, store
):
    third = "GM0785"
    store.upsert(
        [
            make_candidate("T1", municipality=third, consent_region=True),
            Municipality(id=third, municipality=third, name="Goirle", region="Midden-Brabant"),
        ],
        actor="test",
    )  # the region's newest write is now the third member's
    r = client.get("/shortlists/work-needs/W1", headers=rm, params={"k": 50, "scope": "region"})
    assert {"B2", "T1"} <= set(_ids(r.json()))
    # the other municipality leaves: its write is outside what the region is now, and the rest
    # of the region did not change, yet the list held from before must not be shown
    store.upsert([Municipality(id=OTHER, municipality=OTHER, name="Amsterdam", region="Amsterdam")],
                 actor="test")
    again = client.get("/shortlists/work-needs/W1", headers=rm, params={"k": 50, "scope": "region"})
    assert again.status_code == 200
    assert "T1" in _ids(again.json()) and "B2" not in _ids(again.json())
