"""The key of erased people's pseudonyms lives outside the database, and a wrong one is refused."""

from __future__ import annotations

import secrets
import stat

import pytest
import sqlalchemy as sa
from factories import tiny_world

from api.settings import Settings
from matching.privacy.erasure import (
    PseudonymKeyError,
    erase_candidate,
    erased_ids,
    is_erased,
    pseudonymise,
)
from matching.records.storage import Store, StoreError


def _settings(tmp_path, key: str | None = None) -> Settings:
    return Settings(db_url=f"sqlite:///{tmp_path / 'w.db'}", home=tmp_path / "home", pseudonym_key=key)


def _erase_c1(store: Store) -> None:
    store.upsert(tiny_world(), actor="test")
    assert erase_candidate(store, "C1", municipality="GM0855", actor="admin") is not None


def test_the_key_is_made_once_kept_in_a_private_file_and_never_in_the_database(tmp_path):
    settings = _settings(tmp_path)
    store = settings.open_store(create=True)
    _erase_c1(store)
    store.dispose()
    key_file = tmp_path / "home" / "pseudonym_key"
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    key = key_file.read_text(encoding="utf-8").strip()
    assert len(bytes.fromhex(key)) == 32
    assert key.encode() not in (tmp_path / "w.db").read_bytes()

    again = settings.open_store()  # a restart reads the same key: the tombstone still holds
    assert again.pseudonym_key == bytes.fromhex(key)
    assert is_erased(again, "C1") and "C1" in erased_ids(again)
    again.dispose()


def test_a_missing_or_different_key_is_refused_not_ignored(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    store = Store(url, pseudonym_key=secrets.token_bytes(32))
    _erase_c1(store)
    store.dispose()

    other = Store(url, pseudonym_key=secrets.token_bytes(32))
    with pytest.raises(PseudonymKeyError, match="not the one"):
        is_erased(other, "C1")
    with pytest.raises(PseudonymKeyError, match="not the one"):
        erase_candidate(other, "C2", municipality="GM0855", actor="admin")
    other.dispose()

    keyless = Store(url)
    with pytest.raises(PseudonymKeyError, match="no pseudonym key"):
        erased_ids(keyless)
    keyless.dispose()


def test_a_store_without_erasures_needs_no_key(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'w.db'}")
    store.upsert(tiny_world(), actor="test")
    assert not is_erased(store, "C1") and len(erased_ids(store)) == 0
    with pytest.raises(PseudonymKeyError):
        erase_candidate(store, "C1", municipality="GM0855", actor="admin")
    store.dispose()


def test_a_key_an_earlier_version_kept_in_the_database_moves_to_the_key_file(tmp_path):
    url = f"sqlite:///{tmp_path / 'w.db'}"
    old_key = secrets.token_bytes(32)
    store = Store(url, pseudonym_key=old_key)
    _erase_c1(store)
    with store.transaction() as conn:  # what an earlier version left behind
        conn.exec_driver_sql("CREATE TABLE pseudonym_key (id INTEGER PRIMARY KEY, key VARCHAR(64) NOT NULL)")
        conn.exec_driver_sql(f"INSERT INTO pseudonym_key VALUES (1, '{old_key.hex()}')")
    store.dispose()

    with pytest.raises(StoreError, match="still holds the pseudonym key"):
        _settings(tmp_path, key=secrets.token_hex(32)).open_store()

    moved = _settings(tmp_path).open_store(create=True)
    assert moved.pseudonym_key == old_key
    assert (tmp_path / "home" / "pseudonym_key").read_text(encoding="utf-8").strip() == old_key.hex()
    assert not sa.inspect(moved.engine).has_table("pseudonym_key")
    assert is_erased(moved, "C1")
    moved.dispose()
    assert old_key.hex().encode() not in (tmp_path / "w.db").read_bytes()


@pytest.mark.parametrize("value", ["abc", "zz" * 32, "7e" * 16])
def test_a_malformed_key_is_named(tmp_path, value):
    with pytest.raises(StoreError, match="WERKKANS_PSEUDONYM_KEY must hold 64 hexadecimal digits"):
        _settings(tmp_path, key=value).open_store(create=True)


def test_the_configured_key_is_the_one_used(tmp_path):
    key = secrets.token_hex(32)
    store = _settings(tmp_path, key=key).open_store(create=True)
    _erase_c1(store)
    assert not (tmp_path / "home" / "pseudonym_key").exists()
    assert erased_ids(store).pseudonyms == {pseudonymise(bytes.fromhex(key), "C1")}
    store.dispose()
