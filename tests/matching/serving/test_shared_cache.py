"""The store-backed cache of computed answers shared between workers."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa

from matching.records.storage import Store
from matching.serving import shared_cache


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'cache.db'}"
    else:  # a key conflict must not poison the connection on PostgreSQL either
        url = request.getfixturevalue("fresh_postgres_url")
    store = Store(url)
    shared_cache.ensure_tables(store)
    yield store
    store.dispose()


def test_round_trip_and_first_writer_wins(store):
    key = shared_cache.key_digest(("work_need", "GM1", "W1", 10, (), 7, "m/1", dt.date(2026, 1, 2)))
    assert len(key) == 64 and shared_cache.get(store, key) is None
    value = {"matches": [{"id": "C1", "score": 0.1 + 0.2}], "note": None}
    assert shared_cache.put(store, key, value, municipality="GM1", store_version=7)
    assert shared_cache.get(store, key) == value  # floats survive exactly
    assert not shared_cache.put(store, key, {"other": 1}, municipality="GM1", store_version=7)
    assert shared_cache.get(store, key) == value


def test_key_digest_is_stable_and_sensitive():
    key = ("candidate", "GM1", "C1", 5, True, (3, 4), 9, "similarity", dt.date(2026, 1, 2))
    assert shared_cache.key_digest(key) == shared_cache.key_digest(tuple(key))
    assert shared_cache.key_digest(key) != shared_cache.key_digest((*key[:-1], dt.date(2026, 1, 3)))


def test_purge_drops_a_municipalitys_old_versions_and_anyones_old_entries(store):
    for version in (1, 2, 3):
        shared_cache.put(store, f"k{version}", version, municipality="GM1", store_version=version)
    with store.transaction() as conn:  # k3 is current but was made long ago
        conn.execute(
            shared_cache.cache_table.update()
            .where(shared_cache.cache_table.c.key == "k3")
            .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(days=3))
        )
    shared_cache.put(store, "k4", 4, municipality="GM1", store_version=3)
    # another municipality's entries go by its own version (only the one made long ago goes)
    shared_cache.put(store, "other", 9, municipality="GM2", store_version=1)
    assert shared_cache.purge(store, before_version=3, municipality="GM1") == 3
    assert [shared_cache.get(store, k) for k in ("k1", "k2", "k3", "k4")] == [None, None, None, 4]
    assert shared_cache.get(store, "other") == 9


def test_clear_per_municipality_inside_a_transaction(store):
    shared_cache.put(store, "a", 1, municipality="GM1", store_version=1)
    shared_cache.put(store, "b", 2, municipality="GM2", store_version=1)
    with store.transaction() as conn:
        assert shared_cache.clear(municipality="GM1", conn=conn) == 1
    assert shared_cache.get(store, "a") is None and shared_cache.get(store, "b") == 2
    assert shared_cache.clear(store) == 1
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(shared_cache.cache_table)).scalar() == 0
    with pytest.raises(ValueError):
        shared_cache.clear()


def test_the_newest_entry_of_a_request_is_found_whatever_its_version(store):
    for version in (3, 5, 9):
        shared_cache.put(store, f"k{version}", {"v": version}, municipality="GM1",
                         store_version=version, request="r1")
    shared_cache.put(store, "other", {"v": 8}, municipality="GM1", store_version=8, request="r2")
    assert shared_cache.newest(store, "r1", before_version=12) == (9, {"v": 9})
    assert shared_cache.newest(store, "r1", before_version=9) == (5, {"v": 5})
    assert shared_cache.newest(store, "r1", before_version=3) is None
    assert shared_cache.newest(store, "r3", before_version=99) is None


def test_an_earlier_releases_table_is_made_again(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'old.db'}")
    with store.engine.begin() as conn:
        conn.execute(sa.text("DROP TABLE shared_cache"))
        conn.execute(sa.text("CREATE TABLE shared_cache (key VARCHAR(64) PRIMARY KEY, "
                             "municipality VARCHAR(40), store_version INTEGER, "
                             "created_at TIMESTAMP, payload TEXT)"))
        conn.execute(sa.text("INSERT INTO shared_cache VALUES ('k', 'GM1', 1, '2026-01-01', '{}')"))
    shared_cache.ensure_tables(store)
    assert shared_cache.get(store, "k") is None  # only a cache: its entries are gone
    assert shared_cache.put(store, "k", {"v": 1}, municipality="GM1", store_version=1, request="r")
    assert shared_cache.newest(store, "r", before_version=2) == (1, {"v": 1})
    store.dispose()


def test_purge_keeps_the_newest_entry_of_each_request(store):
    for version in (1, 2):
        shared_cache.put(store, f"a{version}", version, municipality="GM1",
                         store_version=version, request="ra")
    shared_cache.put(store, "b1", 1, municipality="GM1", store_version=1, request="rb")
    assert shared_cache.purge(store, before_version=5, municipality="GM1") == 1  # a1 only
    assert [shared_cache.get(store, k) for k in ("a1", "a2", "b1")] == [None, 2, 1]
    assert shared_cache.newest(store, "rb", before_version=5) == (1, 1)


def test_a_scopes_entries_at_one_version_are_read_newest_first(store):
    for key, scope, version in (("a", "GM1", 2), ("b", "GM1", 3), ("c", "GM1", 3),
                                ("d", "region:GM1", 3), ("e", "GM2", 3)):
        shared_cache.put(store, key, {"key": key}, municipality=scope, store_version=version)
    with store.transaction() as conn:  # "b" was made before "c"
        conn.execute(
            shared_cache.cache_table.update()
            .where(shared_cache.cache_table.c.key == "b")
            .values(created_at=dt.datetime.now(dt.UTC) - dt.timedelta(minutes=1))
        )
    found = shared_cache.at_version(store, municipality="GM1", store_version=3, limit=10)
    assert found == [("c", {"key": "c"}), ("b", {"key": "b"})]
    assert shared_cache.at_version(store, municipality="GM1", store_version=3, limit=1) == found[:1]
    assert shared_cache.at_version(store, municipality="GM1", store_version=4, limit=10) == []
