from __future__ import annotations

import pytest
import sqlalchemy as sa
from factories import make_candidate, tiny_world

from matching.records.schemas import Candidate, Employer, WorkNeed
from matching.records.storage import SCHEMA_VERSION, Store, StoreError, meta_table


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def store(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'w.db'}"
    else:
        url = request.getfixturevalue("fresh_postgres_url")
    s = Store(url)
    yield s
    s.dispose()


def test_upsert_is_idempotent_and_keeps_history(store):
    world = tiny_world()
    first = store.upsert(world)
    assert first.inserted["candidates"] == 4
    again = store.upsert(world)
    assert again.changed == 0 and again.unchanged["candidates"] == 4
    changed = make_candidate("C1", rung=5)
    summary = store.upsert([changed], actor="rm-anna")
    assert summary.updated == {"candidates": 1}
    assert store.get(Candidate, "C1").rung == 5
    history = store.history(Candidate, "C1")
    assert [h["action"] for h in history] == ["insert", "update"]
    assert history[1]["before"]["rung"] == 4 and history[1]["after"]["rung"] == 5
    assert history[1]["actor"] == "rm-anna"


def test_round_trip_of_every_field(store):
    world = tiny_world()
    store.upsert(world)
    for record in world:
        assert store.get(type(record), record.id) == record


def test_batch_is_one_transaction(store):
    store.upsert(tiny_world())
    before = store.snapshot()
    with pytest.raises(RuntimeError), store.transaction() as conn:
        store.upsert([make_candidate("C9")], conn=conn)
        raise RuntimeError("failure halfway")
    assert store.snapshot() == before


def test_list_filters_and_municipality_scope(store):
    store.upsert(tiny_world())
    store.upsert([make_candidate("X1", municipality="GM0363")])
    assert [c.id for c in store.list(Candidate, municipality="GM0363")] == ["X1"]
    assert store.count(Candidate) == 5
    assert store.get(Candidate, "X1", municipality="GM0855") is None
    needs = store.list(WorkNeed, where={"employer_id": "E1"})
    assert [n.id for n in needs] == ["W1", "W3"]
    assert store.municipalities() == ["GM0363", "GM0855"]
    assert store.municipality_of(Employer, "E2") == "GM0855"


def test_delete_keeps_a_history_entry(store):
    store.upsert(tiny_world())
    assert store.delete(Candidate, ["C2"], actor="admin") == 1
    assert store.get(Candidate, "C2") is None
    assert store.history(Candidate, "C2")[-1]["action"] == "delete"


def test_schema_version_is_checked(tmp_path):
    url = f"sqlite:///{tmp_path / 'v.db'}"
    Store(url).dispose()
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(meta_table.update().values(value=str(SCHEMA_VERSION + 1)))
    engine.dispose()
    with pytest.raises(StoreError, match="schema version"):
        Store(url)


def test_refuses_foreign_database_and_bad_url(tmp_path):
    url = f"sqlite:///{tmp_path / 'other.db'}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        conn.execute(sa.text("CREATE TABLE candidates (x int)"))
    engine.dispose()
    with pytest.raises(StoreError, match="did not create"):
        Store(url)
    with pytest.raises(StoreError):
        Store("nosuchdb://x")
    (tmp_path / "empty.db").touch()  # a file that holds nothing of ours
    with pytest.raises(StoreError, match="no werkkans database"):
        Store(f"sqlite:///{tmp_path / 'empty.db'}", create=False)


def test_sqlite_uses_wal(tmp_path):
    s = Store(f"sqlite:///{tmp_path / 'wal.db'}")
    with s.engine.connect() as conn:
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar() == "wal"


def test_version_moves_on_with_every_write(store):
    v0 = store.version()
    store.upsert(tiny_world())
    v1 = store.version()
    store.upsert(tiny_world())  # nothing changed
    assert v0 < v1 == store.version()
    store.delete(Candidate, ["C1"], keep_history=False)
    assert store.version() > v1
    assert store.history(Candidate, "C1")[-1]["before"] is None


def test_a_regions_version_binds_each_municipality_and_record_type_once(store):
    from matching.shortlists.pool import POOL_TYPES

    store.upsert(tiny_world())
    region = ["GM0855", "GM0363", *(f"GM{9000 + i}" for i in range(8))]
    sent: list[int] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        sent.append(len(parameters))

    sa.event.listen(store.engine, "before_cursor_execute", count)
    try:
        found = store.version(municipalities=region, record_types=POOL_TYPES)
    finally:
        sa.event.remove(store.engine, "before_cursor_execute", count)
    assert found == store.version(municipalities=["GM0855"], record_types=POOL_TYPES) > 0
    # 10 + 8 values, not one pair per combination: the PostgreSQL driver parses a statement
    # with more than 50 parameters again on every call
    assert sent == [len(region) + len(POOL_TYPES)]


def test_versions_and_changes_per_municipality_and_record_type(store):
    import datetime as dt

    from matching.records.storage import history_table

    store.upsert(tiny_world())
    before = store.versions(["GM0855", "GM0363"], record_types=[Candidate, WorkNeed])
    assert before == {
        m: store.version(municipalities=[m], record_types=[Candidate, WorkNeed])
        for m in ("GM0855", "GM0363")
    } and before["GM0363"] == 0 < before["GM0855"]
    for types in ([Candidate], [Employer], [Candidate, Employer, WorkNeed]):  # as the plain query
        with store.engine.connect() as conn:
            plain = conn.execute(sa.select(sa.func.max(history_table.c.seq)).where(
                history_table.c.municipality == "GM0855",
                history_table.c.entity.in_([t.entity for t in types]))).scalar()
        assert store.version(municipalities=["GM0855"], record_types=types) == plain
    assert store.changed_since(before["GM0855"], municipalities=["GM0855"],
                               record_types=[Candidate, Employer], limit=5) == []
    started = dt.datetime.now(dt.UTC)
    store.upsert([make_candidate("C9"), make_candidate("B9", municipality="GM0363")])
    store.upsert([make_candidate("C9", wishes="Liever buiten.")])
    changes = store.changed_since(before["GM0855"], municipalities=["GM0855"],
                                  record_types=[Candidate, Employer], limit=5)
    assert changes is not None and [(c.entity, c.record_id) for c in changes] == [(Candidate.entity, "C9")] * 2
    assert changes[0].before is None and changes[1].before == changes[0].after
    assert changes[1].after is not None and changes[1].after["wishes"] == "Liever buiten."
    assert started - dt.timedelta(seconds=1) <= changes[0].changed_at <= dt.datetime.now(dt.UTC)
    assert store.changed_since(before["GM0855"], municipalities=["GM0855"], record_types=[Candidate],
                               limit=1) is None  # more than asked for
    assert store.versions(["GM0363"], record_types=[Candidate])["GM0363"] > 0


def test_opening_a_missing_sqlite_file_without_create_makes_nothing(tmp_path):
    from matching.records.storage import MissingDatabase

    path = tmp_path / "typo.db"
    with pytest.raises(MissingDatabase, match="does not exist"):
        Store(f"sqlite:///{path}", create=False)
    assert not path.exists()
    Store(f"sqlite:///{path}").dispose()  # create (the default of the library) makes it
    assert path.exists()


def test_a_field_added_in_a_later_release_reads_as_its_default_in_old_rows(tmp_path):
    url = f"sqlite:///{tmp_path / 'old.db'}"
    store = Store(url)
    store.upsert(tiny_world(), actor="test")
    with store.engine.begin() as conn:  # a database written before these fields existed
        conn.execute(sa.text("ALTER TABLE candidates DROP COLUMN consent_region"))
        conn.execute(sa.text("ALTER TABLE candidates DROP COLUMN name"))
    store.dispose()
    reopened = Store(url)
    try:
        people = reopened.list(Candidate)
        assert people and all(c.consent_region is False and c.name == "" for c in people)
    finally:
        reopened.dispose()


def test_the_questions_every_shortlist_view_asks_open_no_transaction(store):
    """Outside a transaction a read is one round trip to a server database (no begin, no
    rollback when the connection goes back): a cached shortlist's view asks a few."""
    from matching.serving import shared_cache
    from matching.shortlists import overrides
    from matching.shortlists.pool import POOL_TYPES

    store.upsert(tiny_world())
    shared_cache.ensure_tables(store)
    overrides.ensure_tables(store)
    in_transaction: list[bool] = []

    def seen(conn, *_):
        dbapi = conn.connection.dbapi_connection
        if store.engine.dialect.name == "postgresql":
            in_transaction.append(str(dbapi.info.transaction_status.name) != "IDLE")
        else:
            in_transaction.append(dbapi.in_transaction)

    sa.event.listen(store.engine, "after_cursor_execute", seen)
    version = store.version(municipalities=["GM0855"], record_types=POOL_TYPES)
    store.changed_since(0, municipalities=["GM0855"], record_types=POOL_TYPES, limit=50)
    store.get(WorkNeed, "W1")
    store.list(Employer, municipality="GM0855")
    overrides.active_overrides(store, "W1", municipality="GM0855")
    shared_cache.get(store, "no such list")
    shared_cache.newest(store, "no such request", before_version=version)
    sa.event.remove(store.engine, "after_cursor_execute", seen)
    assert len(in_transaction) == 7 and not any(in_transaction)
    with store.transaction() as conn:  # writes and reads that must agree still get one
        conn.execute(sa.select(sa.literal(1)))
        assert conn.in_transaction()


def test_a_version_read_while_a_write_is_open_never_hides_that_write(store):
    """Caches and pools take the changes after the version they were made at: a write that
    commits after another write's higher version was read must still come after it. On a
    server database two writes at once could otherwise commit out of order."""
    import threading

    store.upsert(tiny_world())
    before = store.version()
    with store.transaction() as open_write:  # a profile edit, not yet committed
        store.upsert([make_candidate("C1", wishes="Liever binnen.")], conn=open_write)
        other = threading.Thread(target=store.upsert, args=([make_candidate("B1", municipality="GM0363")],))
        other.start()  # a write in another municipality meanwhile
        other.join(timeout=0.5)
        seen = store.version()  # a list made now is kept at this version
        seen_writes = {c.record_id for c in store.changed_since(
            before, municipalities=None, record_types=[Candidate], limit=10) or []}
    other.join(timeout=10)
    assert not other.is_alive()
    later = store.changed_since(seen, municipalities=None, record_types=[Candidate], limit=10)
    assert later is not None and seen_writes | {c.record_id for c in later} == {"C1", "B1"}


def test_a_table_another_process_creates_at_the_same_moment_is_no_error(monkeypatch):
    store = Store("sqlite://")
    table = sa.Table("made_twice", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))
    made = table.create

    def raced(bind, checkfirst=False):  # the other worker's CREATE lands first
        made(bind)
        raise sa.exc.ProgrammingError("CREATE TABLE made_twice", {}, Exception("already exists"))

    monkeypatch.setattr(table, "create", raced)
    store.create_tables([table])
    assert sa.inspect(store.engine).has_table("made_twice")

    other = sa.Table("never_made", sa.MetaData(), sa.Column("id", sa.Integer, primary_key=True))

    def failed(bind, checkfirst=False):  # a real failure: the table is not there
        raise sa.exc.OperationalError("CREATE TABLE never_made", {}, Exception("disk full"))

    monkeypatch.setattr(other, "create", failed)
    with pytest.raises(sa.exc.OperationalError):
        store.create_tables([other])
