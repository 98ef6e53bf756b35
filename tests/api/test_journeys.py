"""Three users' journeys through the pages in a real headless Chromium, on a simulated
municipality served by uvicorn on 127.0.0.1.

- relationship manager: log in → a work need → its shortlist → pin one and exclude one with
  a reason → the candidate's page;
- organiser: create an event → add tables → plan → print → record attendance → follow-ups;
- data scientist: retrain → compare with the champion → promote → the model card.

Each asserts what the user sees: people by name, Dutch words, no code names. Screenshots of
every step are kept in ``test-artifacts/journeys/`` (or ``$WERKKANS_TEST_ARTIFACTS``).
"""

from __future__ import annotations

import datetime as dt
import os
import re
from collections.abc import Iterator
from pathlib import Path

import pytest
from api_helpers import PASSWORD, SECRET
from servers import uvicorn_thread
from spaces import fast_text_space

from api.app import create_app
from api.auth import create_user
from api.deps import get_today
from api.settings import Settings
from matching.records.importer import import_folder
from matching.records.schemas import Candidate, Employer, TableMeeting, WorkNeed
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.pool import open_on
from matching.shortlists.retrieval import RetrievalIndex
from services.runtime import Runtime
from training.simulator import SimulationConfig, simulate, write_world

pytestmark = [pytest.mark.browser, pytest.mark.slow]

WORLD = SimulationConfig(
    seed=5, n_candidates=800, n_employers=50, months=12, employers_per_event=10,
    candidates_per_event=100, seats_per_table=10, rounds=4,
)
TODAY = dt.date(2026, 1, 13)  # a Tuesday after the simulated year
ARTIFACTS = Path(os.environ.get("WERKKANS_TEST_ARTIFACTS")
                 or Path(__file__).resolve().parents[2] / "test-artifacts") / "journeys"
CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b")
USERS = {"rm.smit": "relationship_manager", "org.bakker": "event_organiser",
         "ds.visser": "data_scientist"}


@pytest.fixture(scope="module")
def world(tmp_path_factory) -> Iterator[tuple[str, Store]]:
    folder = tmp_path_factory.mktemp("journeys")
    write_world(simulate(WORLD), folder / "csv")
    store = Store(f"sqlite:///{folder / 'werkkans.db'}")
    import_folder(store, folder / "csv")
    for name, role in USERS.items():
        create_user(store, username=name, password=PASSWORD, role=role, municipality="GM0855",
                    rounds=4)
    settings = Settings(secret_key=SECRET, home=folder / "home",
                        tracking_uri=f"sqlite:///{folder / 'mlruns.db'}")
    space = fast_text_space()
    index = RetrievalIndex(space, None)
    runtime = Runtime(config=settings.runtime(), store=store, space=space, index=index,
                      engine=ShortlistEngine(store, index, today=lambda: TODAY))
    app = create_app(settings, runtime=runtime)
    app.dependency_overrides[get_today] = lambda: TODAY
    try:
        with uvicorn_thread(app) as url:
            yield url, store
    finally:
        store.dispose()


@pytest.fixture
def journey(browser, world, request):
    """A fresh browser context on the server; ``see(step)`` checks the page as a user reads
    it (Dutch, no code names, no script errors) and keeps a screenshot of it."""
    url, _ = world
    context = browser.new_context(base_url=url, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(30_000)
    errors: list[str] = []
    page.on("console", lambda m: m.type == "error" and errors.append(m.text))
    folder = ARTIFACTS / request.node.name
    folder.mkdir(parents=True, exist_ok=True)
    steps = iter(range(1, 100))

    def see(step: str) -> str:
        page.wait_for_load_state()
        text = page.inner_text("body")
        page.screenshot(path=str(folder / f"{next(steps):02d}-{step}.png"), full_page=True)
        assert not CODE.findall(text), f"{step}: code names on the page: {CODE.findall(text)}"
        assert errors == [], f"{step}: {sorted(set(errors))[:3]}"
        return text

    def log_in(name: str) -> None:
        page.goto("/login")
        page.get_by_label("Gebruikersnaam").fill(name)
        page.get_by_label("Wachtwoord").fill(PASSWORD)
        page.get_by_role("button", name="Inloggen").click()
        page.wait_for_load_state()

    yield page, see, log_in
    context.close()


def test_relationship_manager_pins_and_excludes_then_opens_the_candidate(journey, world):
    page, see, log_in = journey
    _, store = world
    log_in("rm.smit")
    see("start")
    # a work need of an employer, reached as a user would: employers → employer → work need
    open_needs = open_on(store.list(WorkNeed), [], TODAY)
    need = open_needs[0]
    employer = store.get(Employer, need.employer_id)
    page.goto("/werkgevers")
    page.get_by_role("link", name=employer.id, exact=True).click()
    assert employer.name in see("werkgever")
    page.get_by_role("link", name=need.id, exact=True).click()
    text = see("kortelijst")
    assert "Kandidaten voor deze werkvraag" in text and "Waarom" in text
    rows = page.locator("#shortlist tbody tr")
    assert rows.count() >= 5
    names = {c.id: c.name for c in store.list(Candidate)}
    shown = [rows.nth(i).locator("td").nth(1).locator("a").inner_text() for i in range(rows.count())]
    assert all(name in names.values() for name in shown)  # people by name, not by id

    pinned, excluded = shown[4], shown[1]
    row = rows.filter(has_text=pinned).first
    row.get_by_placeholder("reden").fill("Kent de werkgever van een stage")
    row.get_by_role("button", name="Vastzetten").click()
    see("vastgezet")
    assert page.locator("#shortlist tbody tr").first.locator("td").nth(1).inner_text().startswith(pinned)
    row = page.locator("#shortlist tbody tr").filter(has_text=excluded).first
    row.get_by_placeholder("reden").fill("Is net begonnen aan een opleiding")
    row.get_by_role("button", name="Uitsluiten").click()
    text = see("uitgesloten")
    assert excluded not in page.locator("#shortlist").inner_text()
    assert "Is net begonnen aan een opleiding" in text

    page.locator("#shortlist tbody tr").first.locator("td").nth(1).locator("a").click()
    text = see("kandidaat")
    assert page.get_by_role("heading", level=1).inner_text().startswith(pinned)
    assert "Werkgeverssuggesties" in text


def test_organiser_sets_up_plans_prints_and_records_an_event(journey, world):
    page, see, log_in = journey
    _, store = world
    log_in("org.bakker")
    page.goto("/bijeenkomsten")
    see("bijeenkomsten")
    page.get_by_label("Datum").fill(TODAY.isoformat())
    page.get_by_label("Plaats").fill("Buurthuis De Reit")
    page.get_by_label("Rondes", exact=True).fill("2")
    page.get_by_role("button", name="Aanmaken").click()
    text = see("nieuwe-bijeenkomst")
    assert "Buurthuis De Reit" in text and "Nog geen tafels" in text
    event_id = page.url.rsplit("/", 1)[-1]

    hosts = sorted({n.employer_id for n in open_on(store.list(WorkNeed), [], TODAY)})[:3]
    host_names = [store.get(Employer, e).name for e in hosts]
    for employer_id in hosts:
        page.get_by_label("Werkgever").select_option(employer_id)
        page.get_by_label("Plaatsen").fill("3")
        page.get_by_role("button", name="Tafel toevoegen").click()
        see("tafel")
    assert all(page.locator("#tables").get_by_text(name).is_visible() for name in host_names)

    page.get_by_label("Plan opslaan").check()
    page.get_by_role("button", name="Plan maken").click()
    text = see("plan")
    assert "Voorstel" in text and "Opgeslagen" in text
    assert page.locator("#plan tbody tr").count() >= 6

    page.get_by_role("link", name="Tafelplan (afdrukken)").click()
    text = see("tafelplan")
    for name in host_names:
        assert name in text
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    page.screenshot(path=str(ARTIFACTS / "test_organiser_sets_up_plans_prints_and_records_an_event"
                             / "afdruk.png"), full_page=True)
    page.emulate_media(media="screen")

    page.get_by_role("link", name="Terug naar de bijeenkomst").click()
    boxes = page.locator("#invitations input[type=checkbox]")
    assert boxes.count() >= 6
    for i in range(boxes.count() - 1):  # one did not come
        boxes.nth(i).check()
    page.get_by_role("button", name="Aanwezigheid opslaan").click()
    text = see("aanwezigheid")
    assert "Vervolggesprekken" in text
    first = page.locator("#conversations input[type=checkbox]").first
    label = first.get_attribute("aria-label")
    first.check()
    page.get_by_role("button", name="Vervolggesprekken opslaan").click()
    see("vervolg")
    assert page.get_by_label(label).is_checked()
    followed = [m for m in store.list(TableMeeting, where={"event_id": event_id}) if m.follow_up]
    assert len(followed) == 1


def test_data_scientist_retrains_compares_promotes_and_reads_the_card(journey):
    page, see, log_in = journey
    log_in("ds.visser")
    page.goto("/modellen")
    text = see("modellen")
    assert "Nog geen geregistreerde versies" in text
    page.get_by_label("Champion maken als hij beter is").uncheck()
    page.get_by_role("button", name="Opnieuw trainen").click()
    page.get_by_text("Training klaar").wait_for(timeout=240_000)  # the page refreshes itself
    text = see("getraind")
    assert re.search(r"ndcg@10 op de toetsmaanden: 0\.\d{4}; er was nog geen champion", text)
    assert "geen champion geworden" in text

    row = page.locator("#models tbody tr").first
    row.get_by_placeholder("reden").fill("Beter dan tekstovereenkomst op de toetsmaanden")
    row.get_by_role("button", name="Maak champion").click()
    text = see("modelkaart")
    assert "Voor het Algoritmeregister" in text
    page.goto("/modellen")
    text = see("champion")
    assert "Nu in gebruik: versie 1" in text
    assert page.locator("#models tbody tr").first.locator("td").nth(2).inner_text() == "ja"
