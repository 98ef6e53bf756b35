"""The web pages through the test client: session cookie, CSRF, roles, every page renders."""

from __future__ import annotations

import html
import re

import pytest
from api_helpers import HOME, PASSWORD

from api.deps import SESSION_COOKIE
from matching.shortlists.overrides import active_overrides


def _login(client, username):
    page = client.get("/login")
    token = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
    return client.post(
        "/login",
        data={"username": username, "password": PASSWORD, "csrf": token, "next": "/kandidaten"},
        follow_redirects=False,
    )


def _csrf(html: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', html).group(1)


def test_login_sets_a_strict_httponly_cookie_and_redirects(client, users):
    r = client.get("/kandidaten", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login?next=/kandidaten"
    r = _login(client, "relationship")
    assert r.status_code == 303 and r.headers["location"] == "/kandidaten"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in cookie
    assert "SameSite=strict" in cookie or "samesite=strict" in cookie.lower()
    page = client.get("/kandidaten")
    assert page.status_code == 200 and "Kandidaten" in page.text and "C1" in page.text
    assert "default-src 'self'" in page.headers["content-security-policy"]
    # the API does not accept the cookie: no CSRF surface there
    assert client.get("/candidates").status_code == 401


def test_bad_login_and_open_redirects(client, users):
    page = client.get("/login")
    token = _csrf(page.text)
    r = client.post(
        "/login", data={"username": "relationship", "password": "fout wachtwoord", "csrf": token}
    )
    assert r.status_code == 401 and "Onjuiste gebruikersnaam of wachtwoord" in r.text
    r = client.post(
        "/login", data={"username": "relationship", "password": PASSWORD, "csrf": "forged"}
    )
    assert r.status_code == 400 and "verlopen" in r.text
    page = client.get("/login")
    r = client.post(
        "/login",
        data={
            "username": "relationship",
            "password": PASSWORD,
            "csrf": _csrf(page.text),
            "next": "//evil.example/x",
        },
        follow_redirects=False,
    )
    assert r.headers["location"] == "/"


def test_forms_without_the_session_csrf_token_are_refused(client, users, store):
    _login(client, "relationship")
    r = client.post(
        "/werkvragen/W1/overrides",
        data={"candidate_id": "C2", "kind": "pin", "reason": "zonder token"},
    )
    assert r.status_code == 403 and "Formulier verlopen" in r.text
    r = client.post(
        "/werkvragen/W1/overrides",
        data={"candidate_id": "C2", "kind": "pin", "reason": "x", "csrf": "nep"},
    )
    assert r.status_code == 403
    assert active_overrides(store, "W1", municipality=HOME) == []


def test_shortlist_page_quotes_the_candidate_and_says_the_work_once(client, users):
    _login(client, "relationship")
    page = client.get("/werkvragen/W1").text
    # W1 is a work-experience place: said once above the list, in no line's reason
    assert "Voor iedereen op deze lijst:</strong> als werkervaringsplaats" in page
    reasons = re.findall(r'<td class="reason">(.*?)</td>', page, flags=re.DOTALL)
    assert reasons and not any("als werkervaringsplaats" in r for r in reasons)
    # the candidate's sentence, exactly as written, with the shared word marked
    assert any("schrijft: „Ik wil graag in de <mark>zorg</mark> werken, bijvoorbeeld als "
               "<mark>helpende</mark>.”" in r for r in reasons)


def test_shortlist_page_with_override(client, users, store):
    _login(client, "relationship")
    page = client.get("/werkvragen/W1")
    assert page.status_code == 200
    assert "Kandidaten voor deze werkvraag" in page.text and "Kans op plaatsing" in page.text
    r = client.post(
        "/werkvragen/W1/overrides",
        data={
            "candidate_id": "C4",
            "kind": "pin",
            "reason": "Komt uit de buurt",
            "csrf": _csrf(page.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303
    page = client.get("/werkvragen/W1")
    assert "vastgezet: Komt uit de buurt" in page.text
    assert [o.candidate_id for o in active_overrides(store, "W1", municipality=HOME)] == ["C4"]
    bad = client.post(
        "/werkvragen/W1/overrides",
        data={
            "candidate_id": "B1",
            "kind": "pin",
            "reason": "andere gemeente",
            "csrf": _csrf(page.text),
        },
    )
    assert bad.status_code == 422 and "niet gevonden" in bad.text


@pytest.mark.parametrize(
    "path,text",
    [
        ("/", "Welkom"),
        ("/kandidaten?q=zorg", "C1"),
        ("/kandidaten/C1", "Werkgeverssuggesties"),
        ("/werkgevers", "Hoveniersbedrijf"),
        ("/werkgevers/E1", "Werkvragen"),
        ("/bijeenkomsten", "EV1"),
        ("/bijeenkomsten/EV1", "Uitnodigingen"),
        ("/bijeenkomsten/EV1/tafelplan", "Tafelplan"),
        ("/uitkomsten", "Nazorg"),
        ("/rapport", "Rapportage"),
        ("/chi-kwadraat", "Kruistabel"),
    ],
)
def test_every_page_renders_for_an_administrator(client, users, path, text):
    _login(client, "administrator")
    r = client.get(path)
    assert r.status_code == 200, r.text[:500]
    assert text in r.text


def test_pages_respect_roles_and_municipality(client, users):
    _login(client, "data")  # data scientist
    r = client.get("/kandidaten")
    assert r.status_code == 403 and "Geen toegang" in r.text
    assert client.get("/rapport").status_code == 200
    _login(client, "event")  # event organiser: candidates without health fields
    page = client.get("/kandidaten/C1")
    assert page.status_code == 200
    assert "Benodigde ondersteuning" not in page.text and "Werkgeverssuggesties" not in page.text
    r = client.get("/kandidaten/B1", headers={"Accept": "text/html"})
    assert r.status_code == 404 and "Niet gevonden" in r.text


def test_chi2_calculator_and_report_pages(client, users):
    _login(client, "data")
    page = client.get("/chi-kwadraat")
    r = client.post("/chi-kwadraat", data={"table": "18 17 79 / 5 35 99", "csrf": _csrf(page.text)})
    assert r.status_code == 200 and "13.49" in r.text and "Vrijheidsgraden" in r.text
    r = client.post("/chi-kwadraat", data={"table": "1 2 / 3", "csrf": _csrf(page.text)})
    assert r.status_code == 422 and 'class="error"' in r.text
    report = client.get("/rapport/bekijken", params={"periode": "2026"})
    assert report.status_code == 200 and "<html" in report.text.lower()
    assert client.get("/rapport/bekijken", params={"periode": "ooit"}).status_code == 422


def test_record_outcome_and_attendance_through_pages(client, users, store):
    from matching.records.schemas import Invitation, Outcome

    store.upsert([Invitation(id="I1", municipality=HOME, event_id="EV1", candidate_id="C1")])
    _login(client, "relationship")
    page = client.get("/bijeenkomsten/EV1")
    r = client.post(
        "/bijeenkomsten/EV1/aanwezigheid",
        data={"came_C1": "on", "csrf": _csrf(page.text)},
        follow_redirects=False,
    )
    assert r.status_code == 303
    assert store.get(Invitation, "I1").attended is True
    page = client.get("/uitkomsten")
    r = client.post(
        "/uitkomsten",
        data={
            "candidate_id": "C1",
            "employer_id": "E1",
            "event_id": "EV1",
            "kind": "wep",
            "hours": "20",
            "start_date": "2026-03-16",
            "csrf": _csrf(page.text),
        },
        follow_redirects=False,
    )
    assert r.status_code == 303, r.text[:800]
    assert [o.kind.value for o in store.list(Outcome)] == ["wep"]
    r = client.post(
        "/uitkomsten",
        data={
            "candidate_id": "C1",
            "kind": "wep",
            "hours": "20",
            "start_date": "2030-01-01",
            "csrf": _csrf(page.text),
        },
    )
    assert r.status_code == 422 and "start_date" in r.text
    assert len(store.list(Outcome)) == 1


def test_logout(client, users):
    _login(client, "relationship")
    page = client.get("/")
    r = client.post("/logout", data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert r.status_code == 303
    assert client.get("/", follow_redirects=False).status_code == 303


def test_shortlist_page_sorts_by_the_difference_meeting_makes(client, users, runtime):
    import numpy as np
    from travel_scorer import TravelScorer

    _login(client, "relationship")
    assert "Verschil dat het maakt" not in client.get("/werkvragen/W1").text  # not known: no column
    runtime.engine.set_scorer(TravelScorer())
    pool = runtime.engine._pool("GM0855")
    pool.anyway = np.linspace(0.9, 0.0, len(pool.candidates))
    page = client.get("/werkvragen/W1", params={"sorteer": "verschil"})
    assert page.status_code == 200 and "Verschil dat het maakt</th>" in page.text
    assert '<a href="?sorteer=kans&amp;bereik=gemeente">kans op plaatsing</a>' in page.text
    assert client.get("/werkvragen/W1", params={"sorteer": "iets"}).status_code == 422


_CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")


def _visible_text(html: str) -> str:
    import html as html_lib

    html = re.sub(r"<(script|style)\b.*?</\1>", " ", html, flags=re.DOTALL)
    return html_lib.unescape(re.sub(r"<[^>]+>", " ", html))


def test_pages_show_dutch_words_never_code_names(client, users, store, runtime):
    from travel_scorer import TravelScorer

    runtime.engine.set_scorer(TravelScorer())
    assert _login(client, "administrator").status_code == 303
    event_page = client.get("/bijeenkomsten/EV1")
    planned = client.post("/bijeenkomsten/EV1/plan", data={"csrf": _csrf(event_page.text)})
    pages = {
        "plan": planned,
        **{path: client.get(path) for path in (
            "/", "/kandidaten", "/kandidaten/C1", "/kandidaten/C2", "/werkgevers", "/werkgevers/E1",
            "/werkvragen/W1", "/bijeenkomsten", "/bijeenkomsten/EV1", "/uitkomsten", "/rapport",
        )},
    }
    for name, page in pages.items():
        assert page.status_code == 200 and 'action="/logout"' in page.text, (name, page.status_code, re.findall(r"class=\"error[^>]*>([^<]*)", page.text))
        codes = sorted(set(_CODE.findall(_visible_text(page.text))))
        assert not codes, f"{name} shows code names: {codes}"


def test_model_pages_show_versions_and_their_cards(client, users, monkeypatch):
    from matching.serving.model_registry import ModelVersionInfo
    from services import ranker_versions

    version = ModelVersionInfo("3", "run", "2026-11-30T10:00:00", ("champion",), {"ndcg_at_10": "0.71"}, "", "")
    monkeypatch.setattr(ranker_versions, "versions", lambda uri: [version])
    cards = {"model_card": "# Modelkaart\n\n| groep | ndcg@10 |\n|---|---:|\n| 55-67 | 0.5 |\n\n<script>x</script>",
             "algorithm_register": "# Algoritmeregister\n\n## Contact\n\n[in te vullen door de gemeente]"}
    monkeypatch.setattr(ranker_versions, "card", lambda uri, v, kind="model_card", form="md": cards[kind])
    _login(client, "relationship")
    assert client.get("/modellen").status_code == 403  # relationship managers do not manage models
    _login(client, "data")
    listed = client.get("/modellen")
    assert listed.status_code == 200 and 'href="/modellen/3"' in listed.text
    page = client.get("/modellen/3")
    assert page.status_code == 200 and "<td>55-67</td>" in page.text  # the table is rendered
    assert "<script>x</script>" not in page.text  # raw HTML in a card is never passed through
    assert "in te vullen door de gemeente" in page.text
    assert 'class="align-right"' in page.text and "style=" not in page.text  # no inline styles


def test_the_impact_worksheet_page_and_its_data(client, users, auth):
    _login(client, "data")
    page = client.get("/modellen/impact")
    assert page.status_code == 200
    assert "IAMA / FRIA-werkblad" in page.text and "Menselijk toezicht (e)" in page.text
    assert client.get("/modellen/impact", params={"periode": "2026-13"}).status_code == 422
    data = client.get("/models/impact-assessment", params={"period": "2026"},
                      headers=auth("data_scientist"))
    assert data.status_code == 200 and data.json()["municipality"] == "GM0855"
    assert {"oversight", "fairness_trend", "model", "counts"} <= set(data.json())
    assert client.get("/models/impact-assessment", headers=auth("relationship_manager")).status_code == 403


def test_an_organiser_creates_an_event_adds_tables_and_plans_it_on_the_pages(client, users):
    _login(client, "event")  # event organiser
    listing = client.get("/bijeenkomsten")
    assert 'id="new-event"' in listing.text
    made = client.post("/bijeenkomsten", data={
        "csrf": _csrf(listing.text), "date": "2026-04-16", "place": "Bakkerij Jansen", "rounds": "2",
        "minutes": "15",
    }, follow_redirects=False)
    assert made.status_code == 303 and made.headers["location"] == "/bijeenkomsten/ev20260416"
    page = client.get("/bijeenkomsten/ev20260416")
    assert "Nog geen tafels" in page.text and 'id="add-table"' in page.text
    for employer in ("E1", "E2"):
        added = client.post("/bijeenkomsten/ev20260416/tafels", data={
            "csrf": _csrf(page.text), "employer_id": employer, "seats": "2"}, follow_redirects=False)
        assert added.status_code == 303, added.text
    page = client.get("/bijeenkomsten/ev20260416")
    assert "ev20260416-t1" in page.text and "ev20260416-t2" in page.text
    planned = client.post("/bijeenkomsten/ev20260416/plan", data={"csrf": _csrf(page.text)})
    assert planned.status_code == 200 and 'id="plan"' in planned.text
    again = client.post("/bijeenkomsten", data={
        "csrf": _csrf(listing.text), "date": "2026-04-16", "place": "Elders", "rounds": "0"})
    assert again.status_code == 422 and "rounds: moet minstens 1 zijn" in again.text
    removed = client.post("/bijeenkomsten/ev20260416/tafels/ev20260416-t2/weghalen",
                          data={"csrf": _csrf(page.text)}, follow_redirects=False)
    assert removed.status_code == 303
    gone = client.post("/bijeenkomsten/ev20260416/vervallen", data={"csrf": _csrf(page.text)},
                       follow_redirects=False)
    assert gone.status_code == 303 and client.get("/bijeenkomsten/ev20260416").status_code == 404
    _login(client, "relationship")  # relationship managers read events, they do not set them up
    assert 'id="new-event"' not in client.get("/bijeenkomsten").text


def test_the_aftercare_list_is_paged_and_filtered_per_relationship_manager(client, users, store):
    import datetime as dt

    from matching.records.enums import ContractType, OutcomeKind
    from matching.records.schemas import Candidate, Outcome

    for cid, manager in (("C1", "Jansen"), ("C2", "De Vries")):
        store.upsert([store.get(Candidate, cid).model_copy(update={"relationship_manager": manager})])
    store.upsert([
        Outcome(id=f"OX{i:02d}", municipality="GM0855", candidate_id="C1" if i % 3 else "C2",
                kind=OutcomeKind.JOB, contract_type=ContractType.PERMANENT, hours=24,
                start_date=dt.date(2025, 1, 1) + dt.timedelta(days=7 * i),
                recorded_on=dt.date(2025, 1, 1) + dt.timedelta(days=7 * i))
        for i in range(20)
    ])
    _login(client, "relationship")
    everyone = client.get("/uitkomsten")
    total = int(re.search(r"(\d+) gesprek\(ken\)", everyone.text).group(1))
    assert total > 25 and everyone.text.count('<td class="no-print">') == 25
    assert "pagina 1 van" in everyone.text and "pagina=2" in everyone.text
    last_page = (total + 24) // 25
    last = client.get("/uitkomsten", params={"pagina": last_page})
    assert last.text.count('<td class="no-print">') == total - 25 * (last_page - 1)
    theirs = client.get("/uitkomsten", params={"relatiemanager": "De Vries"})
    shown = int(re.search(r"(\d+) gesprek\(ken\) van De Vries", theirs.text).group(1))
    assert 0 < shown < total and "Jansen</td>" not in theirs.text
    assert client.get("/uitkomsten", params={"pagina": 0}).status_code == 422


def test_staff_see_people_by_name(client, users, store, runtime):
    from travel_scorer import TravelScorer

    from matching.records.schemas import Candidate

    store.upsert([store.get(Candidate, c).model_copy(update={"name": n}) for c, n in
                  (("C1", "Sanne de Vries"), ("C2", "Ahmad Haidari"))])
    runtime.engine.set_scorer(TravelScorer())
    _login(client, "relationship")
    assert "Sanne de Vries" in client.get("/kandidaten").text
    assert client.get("/kandidaten", params={"q": "Haidari"}).text.count("/kandidaten/C2") >= 1
    page = client.get("/kandidaten/C1")
    assert "<h1>Sanne de Vries" in page.text
    shortlist = client.get("/werkvragen/W1").text
    assert "Ahmad Haidari</a>" in shortlist
    _login(client, "event")
    event = client.get("/bijeenkomsten/EV1")
    planned = client.post("/bijeenkomsten/EV1/plan", data={"csrf": _csrf(event.text)})
    assert planned.status_code == 200 and "Ahmad Haidari</a>" in planned.text


def test_a_plan_that_cannot_be_made_is_explained_in_dutch(client, users):
    _login(client, "event")
    listing = client.get("/bijeenkomsten")
    client.post("/bijeenkomsten", data={"csrf": _csrf(listing.text), "date": "2026-05-07",
                                        "place": "Stadhuis", "rounds": "2"})
    page = client.get("/bijeenkomsten/ev20260507")
    refused = client.post("/bijeenkomsten/ev20260507/plan", data={"csrf": _csrf(page.text)})
    assert refused.status_code == 422
    assert "heeft nog geen tafels" in refused.text and "Suggestion" not in refused.text


def test_the_event_page_plans_by_social_value_and_shows_it_in_euros(client, users, runtime, monkeypatch):
    import numpy as np
    from travel_scorer import TravelScorer

    from matching.events import event_planning
    from matching.events.event_planning import CHANCES_CAVEAT
    from matching.events.net_value import OwnProspects

    runtime.engine.set_scorer(TravelScorer())
    monkeypatch.setattr(  # this small world holds no work found alone to fit the own chance on
        event_planning, "own_prospects",
        lambda _s, _m, candidates, _on, _months, years: OwnProspects(
            np.full(len(candidates), 0.1), np.ones((len(candidates), years))),
    )
    assert _login(client, "administrator").status_code == 303
    event_page = client.get("/bijeenkomsten/EV1")
    assert 'value="value">maatschappelijke waarde' in event_page.text
    planned = client.post("/bijeenkomsten/EV1/plan",
                          data={"csrf": _csrf(event_page.text), "invite_by": "value"})
    assert planned.status_code == 200
    table = planned.text[planned.text.index('<table id="chances"'):]
    table = table[: table.index("</table>")]
    assert "Uitgenodigd op maatschappelijke waarde" in table and "Maatschappelijke waarde" in table
    amounts = re.findall(r"<td>(-?€ [\d.]+)</td>", table)
    assert amounts and len(amounts) == table.count("<tr>") - 1  # one per invited candidate
    # what the chances are and are not: they run high on an invitation list (docs/events.md)
    assert html.escape(CHANCES_CAVEAT, quote=False) in planned.text
    assert not _CODE.findall(_visible_text(planned.text))


def test_after_an_outcome_the_work_need_page_says_its_list_is_being_brought_up_to_date(
    client, store
):
    import datetime as dt

    from api_helpers import TODAY

    from matching.records.enums import OutcomeKind
    from matching.records.schemas import Outcome

    note = "Deze lijst is van vóór de laatst geregistreerde gesprekken, uitkomsten of wijzigingen"
    _login(client, "relationship")
    first = client.get("/werkvragen/W1")
    assert first.status_code == 200 and note not in first.text
    store.upsert([Outcome(id="O77", municipality="GM0855", candidate_id="C3", employer_id="E1",
                          kind=OutcomeKind.FOLLOW_UP, recorded_on=TODAY - dt.timedelta(days=1))],
                 actor="test")
    assert note in client.get("/werkvragen/W1").text
    assert client.app.state.shortlists.refresh.wait(30)
    assert note not in client.get("/werkvragen/W1").text
