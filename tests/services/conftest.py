"""A small store and runtime for the use cases, without a web service around them."""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterator
from pathlib import Path

import pytest
from factories import make_candidate, make_employer, make_work_need
from spaces import test_space

from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.retrieval import RetrievalIndex
from services.actor import Actor
from services.runtime import Runtime, RuntimeConfig, prepare_store

TODAY = dt.date(2026, 3, 20)
OTHER = "GM0363"


@functools.lru_cache(maxsize=1)
def _space():
    return test_space()


@pytest.fixture
def store(tmp_path: Path, tiny_world: list) -> Iterator[Store]:
    store = Store(f"sqlite:///{tmp_path / 'use_cases.db'}")
    store.upsert(
        [
            *tiny_world,
            make_candidate("B1", municipality=OTHER),
            make_employer("BE1", municipality=OTHER),
            make_work_need("BW1", "BE1", municipality=OTHER),
        ]
    )
    prepare_store(store)
    yield store
    store.dispose()


@pytest.fixture
def runtime(store: Store, tmp_path: Path) -> Runtime:
    index = RetrievalIndex(_space(), None)
    return Runtime(
        config=RuntimeConfig(home=tmp_path, model=None, tracking_uri=f"sqlite:///{tmp_path}/m.db"),
        store=store,
        space=_space(),
        index=index,
        engine=ShortlistEngine(store, index, today=lambda: TODAY),
    )


@pytest.fixture
def rm() -> Actor:
    return Actor("rm.jansen", "relationship_manager", "GM0855", sees_health=True)


@pytest.fixture
def cli() -> Actor:
    """Someone at the command line: every municipality."""
    return Actor("cli:anna", "command_line", None, sees_health=True)
