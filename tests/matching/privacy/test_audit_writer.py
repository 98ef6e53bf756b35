"""The audit writer: durable before shown, group commit, an honest shutdown."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading

import pytest
import sqlalchemy as sa

from matching.privacy.audit_log import ensure_tables, list_entries
from matching.privacy.audit_writer import AuditNotDurable, AuditWriter
from matching.records.storage import Store

SECRET = "Vertrouwelijk: schuldhulp"


def entry(i: int = 0) -> dict[str, object]:
    return {
        "actor": "rm.jansen",
        "role": "relationship_manager",
        "municipality": "GM0855",
        "action": "shortlist_shown",
        "subject_type": "work_need",
        "subject_id": f"W{i}",
        "inputs": {"note": SECRET},
    }


@pytest.fixture
def store(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'audit.db'}")
    ensure_tables(store)
    yield store
    store.dispose()


def test_write_returns_once_the_entry_is_committed(store):
    writer = AuditWriter(store)

    async def many() -> list[str]:
        return list(await asyncio.gather(*(writer.write(**entry(i)) for i in range(50))))

    refs = asyncio.run(many())
    entries, total = list_entries(store, municipality="GM0855", limit=100)  # no flush
    assert total == 50 and {e.ref for e in entries} == set(refs)
    assert writer.written == 50
    writer.close()


def test_concurrent_entries_share_transactions(store, monkeypatch):
    writer = AuditWriter(store)
    transactions = []
    real = store.transaction

    @contextlib.contextmanager
    def counted():
        transactions.append(1)
        with real() as conn:
            yield conn

    monkeypatch.setattr(store, "transaction", counted)

    async def many() -> None:
        await asyncio.gather(*(writer.write(**entry(i)) for i in range(200)))

    asyncio.run(many())
    writer.close()
    assert writer.written == 200 and len(transactions) < 100


def failing(store, monkeypatch, calls: list[int]) -> None:
    @contextlib.contextmanager
    def down():
        calls.append(1)
        # SQLAlchemy puts the statement's parameters, the entry itself, in its message
        raise sa.exc.OperationalError(
            "INSERT INTO audit_log ...", {"inputs": SECRET}, Exception("locked")
        )
        yield  # pragma: no cover

    monkeypatch.setattr(store, "transaction", down)


def test_an_entry_the_database_does_not_take_is_refused_in_time(store, monkeypatch, caplog):
    calls: list[int] = []
    failing(store, monkeypatch, calls)
    writer = AuditWriter(store)
    with caplog.at_level(logging.WARNING, logger="matching.privacy.audit_log"):
        with pytest.raises(AuditNotDurable, match="within 0.2 s"):
            asyncio.run(writer.write(timeout=0.2, **entry()))
        writer.close(timeout=0.3)
    assert len(calls) >= 2, "a failing write is retried"
    assert writer.dropped == 1
    messages = [r.getMessage() for r in caplog.records]
    assert any("1 entries could not be written before shutdown" in m for m in messages)
    assert any("OperationalError" in m for m in messages)
    # neither the log lines nor their tracebacks copy what the entry holds
    for record in caplog.records:
        assert SECRET not in record.getMessage() and SECRET not in (record.exc_text or "")


def test_close_drains_what_it_can_and_counts_the_rest(store, monkeypatch, caplog):
    writer = AuditWriter(store)
    release = threading.Event()
    real = store.transaction

    @contextlib.contextmanager
    def stuck():
        release.wait(5)  # the database hangs (held lock) until the test lets go
        with real() as conn:
            yield conn

    monkeypatch.setattr(store, "transaction", stuck)
    for i in range(5):
        writer.submit(**entry(i))
    with caplog.at_level(logging.ERROR, logger="matching.privacy.audit_log"):
        closer = threading.Thread(target=writer.close, kwargs={"timeout": 0.2})
        closer.start()
        closer.join(0.5)
        release.set()
        closer.join(5)
    assert not closer.is_alive()
    monkeypatch.setattr(store, "transaction", real)
    _, total = list_entries(store, municipality="GM0855")
    assert total + writer.dropped == 5, "every entry is written or counted as dropped"
    if writer.dropped:
        assert any("could not be written" in r.getMessage() for r in caplog.records)
    writer.submit(**entry(9))  # a writer used again after close() starts again
    writer.close()
    assert list_entries(store, municipality="GM0855")[1] == total + 1
