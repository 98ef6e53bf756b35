"""Relational storage of the domain records (SQLAlchemy 2 Core).

Tables are derived from the pydantic records in :mod:`matching.records.schemas`, so a
field is declared once. SQLite (WAL mode) is the embedded default; any
SQLAlchemy URL works, PostgreSQL (``postgresql+psycopg://``) is tested.

Every batch write is one transaction, and every change to a record is kept in
``record_history`` (who, when, before, after): corrections never lose the old
value. The schema is versioned in ``werkkans_meta``; opening a database written
by another schema version fails with a clear message instead of misreading it.
"""

from __future__ import annotations

import builtins
import datetime as dt
import functools
import json
import logging
import types
import typing
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from enum import Enum
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from matching.records.schemas import RECORD_TYPES, REFERENCES, Record

logger = logging.getLogger(__name__)

#: A record type: reading with ``Store.get(Candidate, ...)`` gives a Candidate.
R = typing.TypeVar("R", bound=Record)

SCHEMA_VERSION = 1
_CHUNK = 500

metadata = sa.MetaData()


class StoreError(RuntimeError):
    """The database cannot be used as asked (wrong schema, unreachable, ...)."""


class MissingDatabase(StoreError):
    """An SQLite file that does not exist, opened without ``create``: nothing is made."""

    def __init__(self, path: Path) -> None:
        super().__init__(f"database file {path} does not exist")
        self.path = path


def _column_type(annotation: object) -> sa.types.TypeEngine[Any]:
    """SQL column type for a pydantic field annotation."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        inner = [a for a in typing.get_args(annotation) if a is not type(None)]
        return _column_type(inner[0])
    if typing.get_origin(annotation) is typing.Annotated:
        return _column_type(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) is list:
        return sa.JSON()
    if annotation is bool:
        return sa.Boolean()
    if annotation is int:
        return sa.Integer()
    if annotation is float:
        return sa.Float()
    if annotation is dt.date:
        return sa.Date()
    if isinstance(annotation, type) and issubclass(annotation, Enum):
        return sa.String(40)
    return sa.Text()


def _build_table(record_type: type[Record]) -> sa.Table:
    referencing = {name for (t, name) in REFERENCES if t is record_type}
    columns = [
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("municipality", sa.String(40), nullable=False, index=True),
    ]
    for name, info in record_type.model_fields.items():
        if name in ("id", "municipality"):
            continue
        # NULL means "not given"; the record model, not the database, enforces what is required
        columns.append(
            sa.Column(name, _column_type(info.annotation), nullable=True, index=name in referencing)
        )
    return sa.Table(record_type.entity, metadata, *columns)


TABLES: dict[type[Record], sa.Table] = {t: _build_table(t) for t in RECORD_TYPES}

meta_table = sa.Table(
    "werkkans_meta",
    metadata,
    sa.Column("key", sa.String(64), primary_key=True),
    sa.Column("value", sa.Text, nullable=False),
)

history_table = sa.Table(
    "record_history",
    metadata,
    sa.Column("seq", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("entity", sa.String(40), nullable=False),
    sa.Column("record_id", sa.String(64), nullable=False),
    sa.Column("municipality", sa.String(40), nullable=False, index=True),
    sa.Column("action", sa.String(10), nullable=False),  # insert, update, delete
    sa.Column("actor", sa.String(120), nullable=False),
    sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("before", sa.JSON, nullable=True),
    sa.Column("after", sa.JSON, nullable=True),
    sa.Index("ix_history_record", "entity", "record_id"),
    # the versions of one municipality's records, or of one record type (Store.version)
    sa.Index("ix_history_municipality_seq", "municipality", "seq"),
    sa.Index("ix_history_entity_seq", "entity", "seq"),
    # the last entry of one municipality's records of one type (Store.version)
    sa.Index("ix_history_latest", "municipality", "entity", "seq"),
)


def _to_row(record: Record) -> dict[str, object]:
    row: dict[str, object] = {}
    for name in type(record).model_fields:
        value = getattr(record, name)
        if isinstance(value, Enum):
            value = value.value
        elif isinstance(value, list):
            value = [v.value if isinstance(v, Enum) else v for v in value]
        row[name] = value
    return row


def _jsonable(row: dict[str, object]) -> dict[str, object]:
    result: dict[str, object] = json.loads(json.dumps(row, default=str))
    return result


@dataclass(frozen=True)
class Change:
    """One write of a record (:meth:`Store.changed_since`): when, and its values before and
    after it (``before`` None for a new record, ``after`` None for a deleted one; both None for
    a deletion that kept no history)."""

    entity: str
    record_id: str
    changed_at: dt.datetime
    before: dict[str, Any] | None
    after: dict[str, Any] | None


@dataclass(frozen=True)
class WriteSummary:
    """What one batch write did, per record type."""

    inserted: dict[str, int]
    updated: dict[str, int]
    unchanged: dict[str, int]

    @property
    def changed(self) -> int:
        return sum(self.inserted.values()) + sum(self.updated.values())


@functools.cache
def _latest_query(sizes: tuple[tuple[str, int], ...]) -> sa.TextClause:
    """The last history entry of every combination of the values of some columns (of
    ``municipality`` and ``entity``): ``sizes`` names each column and how many values it is
    given (``:c<j>_<i>``: column ``j``'s value ``i``). One row per combination: its values
    and its ``seq`` (NULL when there is none). Each combination is one walk down an index
    (``ix_history_latest``, ``ix_history_municipality_seq`` or ``ix_history_entity_seq``).
    Written once per shape as text, so a request pays neither for building nor for
    compiling it.

    The combinations are rows of one cross join and share one subquery, so the statement is
    cheap to plan whatever their number. As one subquery per combination joined by ``UNION
    ALL``, 80 of them (a region of ten) took PostgreSQL 9.7 ms with a plan made for the call,
    1.4 ms with a generic one; as one list, 1.0 ms either way. A filter on ``IN`` lists
    instead walks back through every later entry of other kinds: the last write of
    candidates or work needs, 28,000 outcome and check-in entries after the import, took
    5.4 ms against 0.1 ms probed. The values are bound once per column, not per
    combination: with more than 50 parameters the PostgreSQL driver parses the statement
    again on every call, and a region's 160 took 0.68 ms of the worker's processor time a
    call against 0.28 ms for its 18.
    """
    table = history_table.name
    lists = ", ".join(
        f"c{j}(v) AS (VALUES {', '.join(f'(:c{j}_{i})' for i in range(n))})" for j, (_, n) in enumerate(sizes)
    )
    values = ", ".join(f"c{j}.v" for j in range(len(sizes)))
    match = " AND ".join(f"h.{column} = c{j}.v" for j, (column, _) in enumerate(sizes))
    every = " CROSS JOIN ".join(f"c{j}" for j in range(len(sizes)))
    return sa.text(
        f"WITH {lists} SELECT {values}, (SELECT max(h.seq) FROM {table} h WHERE {match}) AS seq "
        f"FROM {every}"
    )


#: Connections a process keeps open to its database (``WERKKANS_DB_POOL``): a worker of the
#: service serves many requests at once, and each asks the database a few questions in a
#: worker thread of its own.
DEFAULT_POOL_SIZE = 16


def default_sqlite_url(path: Path | str = "werkkans.db") -> str:
    return f"sqlite:///{Path(path)}"


class Store:
    """Records in a relational database.

    Parameters
    ----------
    url
        SQLAlchemy URL, e.g. ``sqlite:///werkkans.db`` or
        ``postgresql+psycopg://user@127.0.0.1:5432/werkkans``.
    create
        Create the tables when the database is empty.
    pseudonym_key
        The key erased people's ids are pseudonymised with
        (:mod:`matching.privacy.erasure`). It is kept outside the database
        on purpose and handed in by whoever opens the store.
    pool_size
        Connections kept open (``WERKKANS_DB_POOL``); when all are in use, up to as
        many again are opened for a moment.

    Examples
    --------
    >>> store = Store("sqlite://")
    >>> store.count(Candidate)  # doctest: +SKIP
    0
    """

    def __init__(
        self, url: str, *, create: bool = True, pseudonym_key: bytes | None = None,
        pool_size: int = DEFAULT_POOL_SIZE,
    ) -> None:
        self.url = url
        self.pseudonym_key = pseudonym_key
        self._database_id: str | None = None
        if pool_size < 1:
            raise StoreError(f"a connection pool holds at least 1 connection, not {pool_size}")
        try:
            # beyond ``pool_size`` connections are opened for a moment and closed after use, and
            # on PostgreSQL each starts a server process: SQLAlchemy's default of 5 had the
            # service opening connections for most questions under load
            parsed = sa.engine.make_url(url)
            in_memory = parsed.get_backend_name() == "sqlite" and parsed.database in (None, "", ":memory:")
            sizes = {} if in_memory else {"pool_size": pool_size, "max_overflow": pool_size}
            self.engine: Engine = sa.create_engine(url, future=True, **sizes)
        except (sa.exc.ArgumentError, ImportError) as exc:
            raise StoreError(f"cannot use database URL {url!r}: {exc}") from exc
        self._autocommit = self.engine.execution_options(isolation_level="AUTOCOMMIT")
        if self.engine.dialect.name == "sqlite":
            database = self.engine.url.database
            if not create and database and database != ":memory:" and not Path(database).exists():
                self.engine.dispose()
                raise MissingDatabase(Path(database))  # connecting would create an empty file
            sa.event.listen(self.engine, "connect", _sqlite_pragmas)
        try:
            self._check_schema(create)
        except sa.exc.OperationalError as exc:
            raise StoreError(f"cannot open database {self.safe_url}: {exc.orig}") from exc

    @property
    def database_id(self) -> str:
        """This database's own identity, made once and kept in it: what is kept beside the
        database (its vector index) is filed under it, so two databases never share one."""
        if self._database_id is None:
            query = sa.select(meta_table.c.value).where(meta_table.c.key == "database_id")
            with self.engine.connect() as conn:
                found = conn.execute(query).scalar_one_or_none()
            if found is None:
                try:
                    with self.engine.begin() as conn:
                        conn.execute(meta_table.insert().values(key="database_id", value=uuid.uuid4().hex))
                except sa.exc.IntegrityError:
                    pass  # another process made it first: theirs holds
                with self.engine.connect() as conn:
                    found = conn.execute(query).scalar_one()
            self._database_id = str(found)
        return self._database_id

    @property
    def safe_url(self) -> str:
        """The URL without a password, for messages and logs."""
        return self.engine.url.render_as_string(hide_password=True)

    def _check_schema(self, create: bool) -> None:
        inspector = sa.inspect(self.engine)
        if not inspector.has_table(meta_table.name):
            if not create:
                raise StoreError(f"{self.safe_url} holds no werkkans database")
            existing = [t for t in metadata.tables if inspector.has_table(t)]
            if existing:
                raise StoreError(
                    f"{self.safe_url} has tables {existing} but no werkkans schema version; "
                    "refusing to write into a database werkkans did not create"
                )
            metadata.create_all(self.engine)
            with self.engine.begin() as conn:
                conn.execute(
                    meta_table.insert().values(key="schema_version", value=str(SCHEMA_VERSION))
                )
            logger.info("created werkkans schema v%s in %s", SCHEMA_VERSION, self.safe_url)
            return
        with self.engine.connect() as conn:
            version = conn.execute(
                sa.select(meta_table.c.value).where(meta_table.c.key == "schema_version")
            ).scalar_one_or_none()
        if version != str(SCHEMA_VERSION):
            raise StoreError(
                f"{self.safe_url} has werkkans schema version {version}, this version of "
                f"werkkans reads version {SCHEMA_VERSION}"
            )
        # tables added in a later release of the same schema version (history, meta) are created
        self.create_tables(metadata.sorted_tables)
        for index in history_table.indexes:  # and indexes added to a table that was there
            try:
                index.create(self.engine, checkfirst=True)
            except sa.exc.DatabaseError:  # made by another process starting at the same moment
                made = {i["name"] for i in sa.inspect(self.engine).get_indexes(history_table.name)}
                if index.name not in made:
                    raise
        self._add_missing_columns()

    def create_tables(self, tables: Sequence[sa.Table]) -> None:
        """Create those of ``tables`` (in order: a table before those referring to it) that are
        not there yet. Another process creating one at the same moment, as every worker of a
        service starting at once does, is no error."""
        for table in tables:
            try:
                table.create(self.engine, checkfirst=True)
            except sa.exc.DatabaseError:
                if not sa.inspect(self.engine).has_table(table.name):
                    raise

    def _add_missing_columns(self) -> None:
        """Add record fields a later release of this schema version introduced.

        Such fields are optional, so their columns are nullable and adding
        them is safe on a database in use: existing rows get the field's
        default (a field without one reads as "not given").
        """
        inspector = sa.inspect(self.engine)
        preparer = self.engine.dialect.identifier_preparer
        with self.engine.begin() as conn:
            for record_type, table in TABLES.items():
                present = {c["name"] for c in inspector.get_columns(table.name)}
                for column in table.columns:
                    if column.name in present:
                        continue
                    kind = column.type.compile(dialect=self.engine.dialect)
                    conn.execute(
                        sa.text(
                            f"ALTER TABLE {preparer.quote(table.name)} "
                            f"ADD COLUMN {preparer.quote(column.name)} {kind}"
                        )
                    )
                    default = record_type.model_fields[column.name].get_default(
                        call_default_factory=True
                    )
                    if default is not None:
                        value = default.value if isinstance(default, Enum) else default
                        conn.execute(table.update().values({column.name: value}))
                    logger.info("added column %s.%s", table.name, column.name)

    @contextmanager
    def transaction(self) -> Iterator[Connection]:
        """One transaction; everything in it is written together or not at all."""
        with self.engine.begin() as conn:
            yield conn

    def reading(self) -> Connection:
        """A connection for one statement that only reads, outside a transaction.

        A read in a transaction costs a server database three round trips (begin, the
        statement, the rollback when the connection goes back to the pool); on its own it
        costs one. A shortlist served from the cache asks a few such questions (is the list
        still current, which overrides hold), so on PostgreSQL this is a large share of its
        time. Use :meth:`transaction` when several statements must see the same data.
        """
        return self._autocommit.connect()

    # ---- writing -------------------------------------------------------------------------

    def upsert(
        self,
        records: Iterable[Record],
        *,
        actor: str = "system",
        conn: Connection | None = None,
    ) -> WriteSummary:
        """Insert new records and update changed ones, in one transaction.

        Records equal to what is stored are left alone, so writing the same
        batch twice changes nothing. Records are written in dependency order.
        """
        by_type: dict[type[Record], list[Record]] = {}
        for record in records:
            by_type.setdefault(type(record), []).append(record)
        if conn is None:
            with self.transaction() as own:
                return self._upsert(own, by_type, actor)
        return self._upsert(conn, by_type, actor)

    def _upsert(
        self, conn: Connection, by_type: dict[type[Record], list[Record]], actor: str
    ) -> WriteSummary:
        if by_type:
            _in_turn(conn)
        now = dt.datetime.now(dt.UTC)
        inserted: dict[str, int] = {}
        updated: dict[str, int] = {}
        unchanged: dict[str, int] = {}
        for record_type in RECORD_TYPES:
            batch = by_type.get(record_type, [])
            if not batch:
                continue
            table = TABLES[record_type]
            rows = {r.id: _to_row(r) for r in batch}
            existing: dict[str, dict[str, object]] = {}
            ids = list(rows)
            for start in range(0, len(ids), _CHUNK):
                chunk = ids[start : start + _CHUNK]
                for found in conn.execute(sa.select(table).where(table.c.id.in_(chunk))).mappings():
                    existing[found["id"]] = dict(found)
            new_rows: list[dict[str, object]] = []
            changed_rows: list[dict[str, object]] = []
            history: list[tuple[str, dict[str, object], dict[str, object] | None]] = []
            for record_id, row in rows.items():
                old = existing.get(record_id)
                if old is None:
                    new_rows.append(row)
                    history.append(("insert", row, None))
                    continue
                old_record = record_type.model_validate(old)
                if _to_row(old_record) == row:
                    continue
                changed_rows.append(row)
                history.append(("update", row, _to_row(old_record)))
            if new_rows:
                conn.execute(table.insert(), new_rows)
            for row in changed_rows:
                conn.execute(table.update().where(table.c.id == row["id"]).values(**row))
            if history:
                conn.execute(
                    history_table.insert(),
                    [
                        {
                            "entity": record_type.entity,
                            "record_id": row["id"],
                            "municipality": row["municipality"],
                            "action": action,
                            "actor": actor,
                            "changed_at": now,
                            "before": _jsonable(before) if before is not None else None,
                            "after": _jsonable(row),
                        }
                        for action, row, before in history
                    ],
                )
            inserted[record_type.entity] = len(new_rows)
            updated[record_type.entity] = len(changed_rows)
            unchanged[record_type.entity] = len(rows) - len(new_rows) - len(changed_rows)
        return WriteSummary(inserted, updated, unchanged)

    def delete(
        self,
        record_type: type[Record],
        ids: Sequence[str],
        *,
        actor: str = "system",
        keep_history: bool = True,
        conn: Connection | None = None,
    ) -> int:
        """Delete records by id; with ``keep_history`` the old values go to the history.

        A history row marks the deletion either way, so :meth:`version` moves on.
        """
        if conn is None:
            with self.transaction() as own:
                return self.delete(
                    record_type, ids, actor=actor, keep_history=keep_history, conn=own
                )
        table = TABLES[record_type]
        deleted = 0
        if ids:
            _in_turn(conn)
        now = dt.datetime.now(dt.UTC)
        for start in range(0, len(ids), _CHUNK):
            chunk = list(ids[start : start + _CHUNK])
            old = [dict(r) for r in conn.execute(sa.select(table).where(table.c.id.in_(chunk))).mappings()]
            if old:
                conn.execute(
                    history_table.insert(),
                    [
                        {
                            "entity": record_type.entity,
                            "record_id": row["id"],
                            "municipality": row["municipality"],
                            "action": "delete",
                            "actor": actor,
                            "changed_at": now,
                            "before": _jsonable(row) if keep_history else None,
                            "after": None,
                        }
                        for row in old
                    ],
                )
            deleted += conn.execute(table.delete().where(table.c.id.in_(chunk))).rowcount
        return deleted

    # ---- reading -------------------------------------------------------------------------

    def get(
        self, record_type: type[R], record_id: str, *, municipality: str | None = None
    ) -> R | None:
        """One record by id, or None (also when it belongs to another municipality)."""
        table = TABLES[record_type]
        query = sa.select(table).where(table.c.id == record_id)
        if municipality is not None:
            query = query.where(table.c.municipality == municipality)
        with self.reading() as conn:
            row = conn.execute(query).mappings().first()
        return record_type.model_validate(dict(row)) if row else None

    def list(
        self,
        record_type: type[R],
        *,
        municipality: str | None = None,
        where: dict[str, object] | None = None,
        limit: int | None = None,
        offset: int = 0,
    ) -> builtins.list[R]:
        """Records of one type, ordered by id, optionally filtered by equal field values."""
        table = TABLES[record_type]
        query = sa.select(table).order_by(table.c.id)
        if municipality is not None:
            query = query.where(table.c.municipality == municipality)
        for name, value in (where or {}).items():
            if isinstance(value, Enum):
                value = value.value
            if isinstance(value, (list, tuple, set, frozenset)):
                query = query.where(table.c[name].in_(list(value)))
            else:
                query = query.where(table.c[name] == value)
        if limit is not None:
            query = query.limit(limit)
        if offset:
            query = query.offset(offset)
        with self.reading() as conn:
            rows = conn.execute(query).mappings().all()
        return [record_type.model_validate(dict(r)) for r in rows]

    def count(self, record_type: type[Record], *, municipality: str | None = None) -> int:
        table = TABLES[record_type]
        query = sa.select(sa.func.count()).select_from(table)
        if municipality is not None:
            query = query.where(table.c.municipality == municipality)
        with self.reading() as conn:
            return int(conn.execute(query).scalar_one())

    def version(
        self,
        *,
        municipalities: Iterable[str] | None = None,
        record_types: Iterable[type[Record]] | None = None,
    ) -> int:
        """A number that grows with every write; caches compare it to know they are stale.

        With ``municipalities`` (or ``record_types``) it grows only with writes of those
        municipalities' records (or of those types), so what depends on one
        municipality is not thrown away when another one writes.
        """
        if municipalities is None and record_types is None:
            with self.reading() as conn:
                return int(conn.execute(sa.select(sa.func.max(history_table.c.seq))).scalar() or 0)
        columns = {
            "municipality": None if municipalities is None else list(dict.fromkeys(municipalities)),
            "entity": None if record_types is None else [t.entity for t in dict.fromkeys(record_types)],
        }
        return max(self._latest({c: v for c, v in columns.items() if v is not None}).values(), default=0)

    def _latest(self, columns: dict[str, builtins.list[str]]) -> dict[tuple[str, ...], int]:
        """The last history entry of each combination of the ``columns``' values (of
        ``municipality`` and ``entity``), as one index probe each (:func:`_latest_query`)."""
        if not columns or not all(columns.values()):
            return {}
        params = {f"c{j}_{i}": value for j, values in enumerate(columns.values()) for i, value in enumerate(values)}
        sizes = tuple((column, len(values)) for column, values in columns.items())
        with self.reading() as conn:
            rows = conn.execute(_latest_query(sizes), params).all()
        return {tuple(row[:-1]): int(row[-1]) for row in rows if row[-1] is not None}

    def versions(
        self, municipalities: Iterable[str], *, record_types: Iterable[type[Record]]
    ) -> dict[str, int]:
        """:meth:`version` of each of the municipalities (of those record types) in one query."""
        wanted = list(municipalities)
        found: dict[str, int] = dict.fromkeys(wanted, 0)
        for (m, _), seq in self._latest(
            {"municipality": wanted, "entity": [t.entity for t in dict.fromkeys(record_types)]}
        ).items():
            found[m] = max(found[m], seq)
        return found

    def changed_since(
        self,
        version: int,
        *,
        municipalities: Iterable[str] | None,
        record_types: Iterable[type[Record]],
        limit: int,
    ) -> builtins.list[Change] | None:
        """Every write after ``version`` (:meth:`version`) of those municipalities' records
        (None: every municipality's) of those types, oldest first; None when there are more
        than ``limit``."""
        table = history_table
        query = (
            sa.select(table.c.entity, table.c.record_id, table.c.changed_at, table.c.before, table.c.after)
            .where(table.c.seq > version)
            .where(table.c.entity.in_([t.entity for t in record_types]))
            .order_by(table.c.seq)
            .limit(limit + 1)
        )
        if municipalities is not None:
            query = query.where(table.c.municipality.in_(list(municipalities)))
        with self.reading() as conn:
            rows = conn.execute(query).all()
        if len(rows) > limit:
            return None
        # SQLite hands back naive times for the UTC it was given
        return [
            Change(entity, record_id, at if at.tzinfo is not None else at.replace(tzinfo=dt.UTC), before, after)
            for entity, record_id, at, before, after in rows
        ]

    def municipality_of(self, record_type: type[Record], record_id: str) -> str | None:
        """The municipality a stored record belongs to, or None if it is not stored."""
        table = TABLES[record_type]
        with self.reading() as conn:
            return conn.execute(
                sa.select(table.c.municipality).where(table.c.id == record_id)
            ).scalar_one_or_none()

    def municipalities(self) -> builtins.list[str]:
        """Every municipality with at least one record."""
        queries = [sa.select(TABLES[t].c.municipality) for t in RECORD_TYPES]
        with self.reading() as conn:
            found = conn.execute(sa.union(*queries)).scalars().all()
        return sorted(found)

    def history(
        self, record_type: type[Record], record_id: str
    ) -> builtins.list[dict[str, Any]]:
        """Every recorded change of one record, oldest first."""
        query = (
            sa.select(history_table)
            .where(history_table.c.entity == record_type.entity)
            .where(history_table.c.record_id == record_id)
            .order_by(history_table.c.seq)
        )
        with self.reading() as conn:
            return [dict(r) for r in conn.execute(query).mappings()]

    def snapshot(self) -> dict[str, builtins.list[dict[str, Any]]]:
        """Every record as plain rows, per table; for tests and exports."""
        with self.engine.connect() as conn:
            return {
                t.entity: [dict(r) for r in conn.execute(sa.select(TABLES[t]).order_by(TABLES[t].c.id)).mappings()]
                for t in RECORD_TYPES
            }

    def dispose(self) -> None:
        self.engine.dispose()

    def files(self) -> tuple[Path, ...]:
        """The files an SQLite store keeps its data in (none for a server database)."""
        database = self.engine.url.database
        if self.engine.dialect.name != "sqlite" or not database or database == ":memory:":
            return ()
        main = Path(database)
        return (main, *(main.with_name(main.name + suffix) for suffix in ("-wal", "-journal")))

    def purge_deleted(self) -> bool:
        """Leave no copy of deleted rows in SQLite's files: checkpoint and truncate the WAL.

        Deleted content in the database file is already overwritten
        (``secure_delete``); the write-ahead log still holds earlier page
        images until it is checkpointed. True when the WAL was emptied (a
        reader holding an old snapshot can stop that: then it is emptied at a
        later checkpoint). PostgreSQL needs a ``VACUUM`` and backup retention
        for the same (see the README).
        """
        if self.engine.dialect.name != "sqlite":
            return True
        with self.engine.connect() as conn:
            busy, _, _ = conn.exec_driver_sql("PRAGMA wal_checkpoint(TRUNCATE)").one()
        if busy:
            logger.warning("the write-ahead log could not be emptied now (a reader is active)")
        return not busy


def _in_turn(conn: Connection) -> None:
    """Wait until no other transaction is writing records, and keep others waiting until
    this one ends.

    What reads the store later takes the writes after the version it last saw
    (:meth:`Store.changed_since`), so the history's ``seq`` must be given out in the order
    writes commit. On a server database two writes at once could commit out of order: a
    list made between them would be kept at the later one's version, and the earlier one
    would never reach it. Taken before a transaction's first record write, so two writers
    never hold rows the other waits for. SQLite runs one write at a time already.
    """
    if conn.dialect.name != "sqlite":
        conn.execute(
            sa.select(meta_table.c.key).where(meta_table.c.key == "schema_version").with_for_update()
        )


def _sqlite_pragmas(dbapi_connection: Any, _record: object) -> None:
    cursor = dbapi_connection.cursor()
    # WAL lets the API read while an import writes; busy_timeout waits instead of failing
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA busy_timeout=10000")
    cursor.execute("PRAGMA synchronous=NORMAL")
    # deleted rows are overwritten with zeros, so an erased person's text does not linger
    cursor.execute("PRAGMA secure_delete=ON")
    cursor.close()
