"""Fixtures for the HTTP service: a small two-municipality world, one user per role, a client.

The app is built by the real factory with a real runtime (text space, index,
shortlist engine) over a temporary SQLite file; only "today" is fixed.
"""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from spaces import test_space

from api.app import create_app
from api.auth import Role, create_user
from api.deps import get_today
from api.settings import Settings
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.retrieval import RetrievalIndex
from services.runtime import Runtime

sys.path.insert(0, str(Path(__file__).parent))
from api_helpers import HOME, OTHER, PASSWORD, SECRET, TODAY, other_world, token_for
from factories import PSEUDONYM_KEY


@pytest.fixture
def settings(tmp_path) -> Settings:
    # everything the service writes stays in the test's folder
    return Settings(
        secret_key=SECRET, home=tmp_path / "home", tracking_uri=(tmp_path / "mlruns").as_uri()
    )


@pytest.fixture
def store(tmp_path, tiny_world) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'api.db'}", pseudonym_key=PSEUDONYM_KEY)
    store.upsert([*tiny_world, *other_world()], actor="fixture")
    yield store
    store.dispose()


@pytest.fixture(scope="session")
def space():
    """One text space for the whole run: vectors depend only on the text, so sharing is safe."""
    return test_space()


@pytest.fixture
def runtime(store: Store, settings: Settings, space) -> Runtime:
    index = RetrievalIndex(space, None)
    engine = ShortlistEngine(store, index, today=lambda: TODAY)
    return Runtime(
        config=settings.runtime(), store=store, space=space, index=index, engine=engine
    )


@pytest.fixture
def users(store: Store) -> dict[str, str]:
    """username per role in GM0855, plus 'other_rm' in GM0363; all with PASSWORD."""
    names = {role.value: role.value.split("_")[0] for role in Role}
    for role, name in names.items():
        create_user(store, username=name, password=PASSWORD, role=role, municipality=HOME, rounds=4)
    create_user(
        store,
        username="other_rm",
        password=PASSWORD,
        role="relationship_manager",
        municipality=OTHER,
        rounds=4,
    )
    names["other_rm"] = "other_rm"
    return names


@pytest.fixture
def app(settings: Settings, runtime: Runtime, users: dict[str, str]) -> FastAPI:
    app = create_app(settings, runtime=runtime)
    app.dependency_overrides[get_today] = lambda: TODAY
    return app


@pytest.fixture
def client(app: FastAPI) -> Iterator[TestClient]:
    with TestClient(app, raise_server_exceptions=False) as client:
        yield client


@pytest.fixture
def auth(users: dict[str, str]) -> Callable[[str], dict[str, str]]:
    """Headers for a role name ('relationship_manager', ...) or 'other_rm'."""

    def headers(who: str) -> dict[str, str]:
        if who == "other_rm":
            token = token_for("other_rm", "relationship_manager", OTHER)
        else:
            token = token_for(users[who], who)
        return {"Authorization": f"Bearer {token}"}

    return headers


@pytest.fixture
def rm(auth) -> dict[str, str]:
    return auth("relationship_manager")


@pytest.fixture
def admin(auth) -> dict[str, str]:
    return auth("administrator")


@pytest.fixture
def clean_environment(monkeypatch):
    """No werkkans variable from outside; and none a command under test sets (``--workspace``,
    the demo) leaks into the next test."""
    import os

    before = dict(os.environ)
    for name in ("WERKKANS_WORKSPACE", "WERKKANS_DB", "WERKKANS_HOME", "MLFLOW_TRACKING_URI",
                 "WERKKANS_SECRET_KEY", "WERKKANS_PSEUDONYM_KEY", "WERKKANS_FAIR_EXPOSURE",
                 "WERKKANS_PRICES", "WERKKANS_STALE_SECONDS", "WERKKANS_DB_POOL",
                 "WERKKANS_CACHED_LISTS", "WERKKANS_BACKGROUND_NICE"):
        monkeypatch.delenv(name, raising=False)
    yield
    os.environ.clear()
    os.environ.update(before)


# ---- a real browser ----------------------------------------------------------------------------

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


@pytest.fixture(scope="module")
def browser():
    """Headless Chromium (Debian's, driven by Playwright), one per test module: Playwright's
    synchronous API runs an event loop in this thread while it is open, which
    ``asyncio.run`` elsewhere in the suite may not meet."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()
