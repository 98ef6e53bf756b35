"""The web pages in a real headless Chromium (Playwright), against uvicorn on 127.0.0.1."""

from __future__ import annotations

import io
from collections.abc import Iterator

import pytest
from api_helpers import HOME, PASSWORD, SECRET, TODAY, other_world
from factories import tiny_world
from servers import uvicorn_thread

from api.app import create_app
from api.auth import Role, create_user
from api.deps import get_today
from api.settings import Settings
from matching.records.schemas import Invitation, TableMeeting
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.retrieval import RetrievalIndex
from services.runtime import Runtime

pytestmark = pytest.mark.browser

@pytest.fixture(scope="module")
def server(tmp_path_factory, space) -> Iterator[str]:
    """uvicorn serving the app on a free 127.0.0.1 port, stopped after the module."""
    folder = tmp_path_factory.mktemp("browser")
    store = Store(f"sqlite:///{folder / 'web.db'}")
    store.upsert(
        [
            *tiny_world(),
            *other_world(),
            Invitation(id="I1", municipality=HOME, event_id="EV1", candidate_id="C1"),
            TableMeeting(
                id="M1",
                municipality=HOME,
                event_id="EV1",
                table_id="T1",
                employer_id="E1",
                candidate_id="C1",
                round=1,
            ),
        ]
    )
    create_user(
        store,
        username="rm.jansen",
        password=PASSWORD,
        role=Role.RELATIONSHIP_MANAGER,
        municipality=HOME,
        rounds=4,
    )
    config = Settings(
        secret_key=SECRET, home=folder / "home", tracking_uri=(folder / "mlruns").as_uri()
    )
    index = RetrievalIndex(space, None)
    runtime = Runtime(
        config=config.runtime(),
        store=store,
        space=space,
        index=index,
        engine=ShortlistEngine(store, index, today=lambda: TODAY),
    )
    app = create_app(config, runtime=runtime)
    app.dependency_overrides[get_today] = lambda: TODAY
    try:
        with uvicorn_thread(app) as url:
            yield url
    finally:
        store.dispose()


@pytest.fixture
def page(browser, server):
    context = browser.new_context(base_url=server, viewport={"width": 1280, "height": 900})
    page = context.new_page()
    page.set_default_timeout(20_000)
    page.console_errors = []  # type: ignore[attr-defined]
    page.on("console", lambda m: m.type == "error" and page.console_errors.append(m.text))
    yield page
    context.close()


def _login(page) -> None:
    page.goto("/werkvragen/W1")
    assert "/login" in page.url
    page.get_by_label("Gebruikersnaam").fill("rm.jansen")
    page.get_by_label("Wachtwoord").fill(PASSWORD)
    page.get_by_role("button", name="Inloggen").click()
    page.wait_for_url("**/werkvragen/W1")


def test_shortlist_page_renders_and_screenshot_is_not_blank(page):
    from PIL import Image, ImageStat

    _login(page)
    heading = page.get_by_text("Kandidaten voor deze werkvraag")
    assert heading.is_visible()
    assert page.get_by_role("columnheader", name="Kans op plaatsing").is_visible()
    rows = page.locator("#shortlist tbody tr")
    assert rows.count() >= 2
    assert page.locator("#shortlist .reason").first.inner_text().strip()
    png = page.screenshot(full_page=True)
    image = Image.open(io.BytesIO(png)).convert("L")
    assert image.size[0] >= 1000 and image.size[1] >= 600
    extrema = image.getextrema()
    assert extrema[1] - extrema[0] > 100  # text on a background, not a blank page
    assert ImageStat.Stat(image).stddev[0] > 10
    # the cookie is HttpOnly: scripts cannot read the session
    assert page.evaluate("document.cookie") == ""
    assert page.console_errors == []  # no CSP violations, no script errors


def test_pin_a_candidate_from_the_shortlist(page):
    _login(page)
    last = page.locator("#shortlist tbody tr").last
    candidate = last.locator("td").nth(1).locator("a").inner_text()
    last.get_by_placeholder("reden").fill("Kent de werkgever van een stage")
    last.get_by_role("button", name="Vastzetten").click()
    page.wait_for_load_state()
    first = page.locator("#shortlist tbody tr").first
    assert first.locator("td").nth(1).locator("a").inner_text() == candidate
    assert page.get_by_text("vastgezet: Kent de werkgever van een stage").first.is_visible()
    assert page.locator("table.overrides").get_by_text("vastgezet").is_visible()


def test_search_candidates_and_see_employer_suggestions(page):
    _login(page)
    page.goto("/kandidaten")
    page.get_by_label("Zoeken").fill("buiten")
    page.get_by_role("button", name="Zoeken").click()
    page.wait_for_url("**q=buiten**")
    links = page.locator("#results tbody a")
    assert links.all_inner_texts() == ["C2"]
    links.first.click()
    page.wait_for_url("**/kandidaten/C2")
    assert page.get_by_role("heading", name="Werkgeverssuggesties").is_visible()
    assert page.locator("#suggestions").get_by_text("Hoveniersbedrijf Groen").is_visible()
    assert page.console_errors == []


def test_event_page_and_printable_table_plan(page):
    _login(page)
    page.goto("/bijeenkomsten/EV1")
    assert page.locator("#invitations").get_by_text("C1").is_visible()
    page.goto("/bijeenkomsten/EV1/tafelplan")
    assert page.get_by_text("Tafel T1: Zorggroep De Linde").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("header.top").is_visible()
    pdf_like = page.screenshot()
    assert len(pdf_like) > 1000


def test_chi_square_calculator(page):
    _login(page)
    page.goto("/chi-kwadraat")
    page.get_by_label("Kruistabel").fill("18 17 79 / 5 35 99")
    page.get_by_role("button", name="Berekenen").click()
    page.wait_for_load_state()
    assert page.get_by_text("13.49").is_visible()
    assert page.console_errors == []
