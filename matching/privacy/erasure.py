"""Erasure of a candidate (right to be forgotten, AVG article 17).

:func:`erase_candidate` removes a candidate and everything that refers to
them, in one transaction:

* the candidate record and every record pointing at it, following
  :data:`matching.records.schemas.REFERENCES` transitively (invitations, table
  meetings, outcomes, and the aftercare check-ins of those outcomes);
* the ``record_history`` rows of all those records keep only *that* something
  happened and when (``action``, ``changed_at``, ``actor``): ``before`` and
  ``after`` become NULL and ``record_id`` becomes a pseudonym;
* ranking overrides about the candidate are deleted, and audit-log entries
  that mention any of the removed ids have those ids replaced by a marker,
  and the free-text reason of an override about them too;
* outside the database, the caller's *removers* (vector index, embedding
  cache, in-process caches) are called with every version of the record
  the history held (the current one first, so text a PATCH replaced is
  forgotten too) before the transaction commits, so a failing remover
  leaves the store unchanged;
* on SQLite, deleted content is overwritten (``secure_delete``) and the
  write-ahead log is checkpointed and truncated afterwards, so the erased
  text is not left in the files (:meth:`Store.purge_deleted`).

What remains is one audit entry and one tombstone holding a pseudonym: an
HMAC-SHA256 of the id under a random key. Dataset building must skip
tombstoned ids (:func:`erased_ids`), so an erased person never returns
through an old export or training set, and the API refuses to re-create a
record under an erased id.

The key is kept *outside* the database (``Store.pseudonym_key``, filled from
the settings): ids are short and easy to enumerate, so whoever holds both the
key and a copy of the database could tell which ids were erased. The
database keeps only the key's fingerprint, so a missing or different key is
refused instead of silently letting erased people back into training data.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
import logging
import secrets
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from matching.privacy import audit_log
from matching.records.schemas import (
    RECORD_TYPES,
    REFERENCES,
    Candidate,
    Municipality,
    Record,
    region_members,
)
from matching.records.storage import TABLES, Store, StoreError, history_table, metadata
from matching.serving import shared_cache
from matching.shortlists import overrides as override_store

logger = logging.getLogger(__name__)

__all__ = [
    "ErasedIds",
    "ErasureReport",
    "PseudonymKeyError",
    "audit_scrubber",
    "erase_candidate",
    "erased_ids",
    "forget_legacy_key",
    "is_erased",
    "legacy_key",
    "like_escape",
    "new_pseudonym_key",
    "pseudonymise",
    "referring_records",
]

ERASED_MARKER = "erased"

tombstone_table = sa.Table(
    "erased_candidates",
    metadata,
    sa.Column("pseudonym", sa.String(64), primary_key=True),
    sa.Column("municipality", sa.String(40), nullable=False, index=True),
    sa.Column("erased_at", sa.DateTime(timezone=True), nullable=False),
)

#: The fingerprint of the key the tombstones were made with (never the key itself).
_fingerprint_table = sa.Table(
    "pseudonym_key_check",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("fingerprint", sa.String(64), nullable=False),
)

#: Where earlier versions kept the key itself; dropped by :func:`forget_legacy_key`.
_legacy_key_table = sa.Table(
    "pseudonym_key",
    sa.MetaData(),  # never created again
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=False),
    sa.Column("key", sa.String(64), nullable=False),
)


class PseudonymKeyError(StoreError):
    """The pseudonym key is missing or is not the one this database's erasures used."""


def ensure_tables(store: Store) -> None:
    """Create this module's tables in a store opened before it was imported."""
    store.create_tables([tombstone_table, _fingerprint_table])
    audit_log.ensure_tables(store)
    override_store.ensure_tables(store)
    shared_cache.ensure_tables(store)


def new_pseudonym_key() -> bytes:
    """A fresh random key (32 bytes) for a deployment's first erasure."""
    return secrets.token_bytes(32)


def _fingerprint(key: bytes) -> str:
    return hmac.new(key, b"werkkans pseudonym key check", hashlib.sha256).hexdigest()


def _key(store: Store, *, create: bool = True) -> bytes:
    """The store's pseudonym key, checked against the fingerprint in the database.

    Without ``create`` and with no erasure ever made, a store needs no key
    (empty bytes). A key seen for the first time while erasing has its
    fingerprint recorded.
    """
    store.create_tables([tombstone_table, _fingerprint_table])
    with store.engine.connect() as conn:
        recorded = conn.execute(
            sa.select(_fingerprint_table.c.fingerprint).where(_fingerprint_table.c.id == 1)
        ).scalar_one_or_none()
        has_tombstones = conn.execute(sa.select(tombstone_table.c.pseudonym).limit(1)).first()
    key = store.pseudonym_key
    if key is None:
        if not create and recorded is None and has_tombstones is None:
            return b""
        raise PseudonymKeyError(
            "no pseudonym key: erasures need the key kept outside the database "
            "(WERKKANS_PSEUDONYM_KEY or the key file in WERKKANS_HOME)"
        )
    if recorded is not None and recorded != _fingerprint(key):
        raise PseudonymKeyError(
            "the pseudonym key is not the one this database's erasures were made with: "
            "restore the original key (WERKKANS_PSEUDONYM_KEY or the key file in WERKKANS_HOME)"
        )
    if recorded is None and (create or has_tombstones is not None):
        try:
            with store.transaction() as conn:
                conn.execute(_fingerprint_table.insert().values(id=1, fingerprint=_fingerprint(key)))
        except sa.exc.IntegrityError:
            return _key(store, create=create)  # recorded by another process at the same moment
    return key


def legacy_key(store: Store) -> bytes | None:
    """The key an earlier version kept in the database; None if there is none.

    Save it outside the database, then call :func:`forget_legacy_key`.
    """
    if not sa.inspect(store.engine).has_table(_legacy_key_table.name):
        return None
    with store.engine.connect() as conn:
        found = conn.execute(
            sa.select(_legacy_key_table.c.key).where(_legacy_key_table.c.id == 1)
        ).scalar_one_or_none()
    return None if found is None else bytes.fromhex(found)


def forget_legacy_key(store: Store) -> None:
    """Drop the key an earlier version kept in the database (after it was saved elsewhere)."""
    if sa.inspect(store.engine).has_table(_legacy_key_table.name):
        _legacy_key_table.drop(store.engine)
    store.purge_deleted()


def pseudonymise(key: bytes, record_id: str) -> str:
    """HMAC-SHA256 of a record id, as 64 hex characters."""
    return hmac.new(key, record_id.encode("utf-8"), hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class ErasedIds:
    """The tombstones of a store; ``candidate_id in erased`` tells if it was erased.

    Examples
    --------
    >>> erased = erased_ids(store)  # doctest: +SKIP
    >>> rows = [r for r in rows if r.candidate_id not in erased]  # doctest: +SKIP
    """

    key: bytes = field(repr=False)
    pseudonyms: frozenset[str]

    def __contains__(self, candidate_id: object) -> bool:
        if not isinstance(candidate_id, str):
            return False
        return pseudonymise(self.key, candidate_id) in self.pseudonyms

    def __len__(self) -> int:
        return len(self.pseudonyms)

    def __iter__(self) -> Iterator[str]:
        return iter(sorted(self.pseudonyms))


def erased_ids(store: Store) -> ErasedIds:
    """Every erased candidate, for dataset building and imports to exclude."""
    store.create_tables([tombstone_table])
    return ErasedIds(key=_key(store, create=False), pseudonyms=_tombstones(store))


def _tombstones(store: Store) -> frozenset[str]:
    """The pseudonyms of every erased candidate (the table exists): one statement outside a
    transaction, asked for every batch of audit entries."""
    with store.reading() as conn:
        return frozenset(conn.execute(sa.select(tombstone_table.c.pseudonym)).scalars())


def is_erased(store: Store, candidate_id: str) -> bool:
    """Whether a candidate with this id was erased before."""
    key = _key(store, create=False)
    if not key:
        return False  # no erasure ever happened in this database
    digest = pseudonymise(key, candidate_id)
    with store.engine.connect() as conn:
        return (
            conn.execute(
                sa.select(tombstone_table.c.pseudonym).where(tombstone_table.c.pseudonym == digest)
            ).first()
            is not None
        )


@dataclass(frozen=True)
class ErasureReport:
    """What an erasure removed; holds no personal data."""

    pseudonym: str
    removed: dict[str, int]
    history_scrubbed: int
    audit_entries_scrubbed: int
    overrides_removed: int
    removers_called: list[str]


def referring_records(conn: Connection, candidate_id: str) -> dict[type[Record], list[str]]:
    """Ids of the candidate and of every record that refers to it, transitively."""
    found: dict[type[Record], list[str]] = {Candidate: [candidate_id]}
    # RECORD_TYPES is in dependency order, so one pass reaches every referrer
    for record_type in RECORD_TYPES:
        ids: set[str] = set()
        for (source, name), target in REFERENCES.items():
            if source is not record_type or not found.get(target):
                continue
            table = TABLES[source]
            ids.update(
                conn.execute(
                    sa.select(table.c.id).where(table.c[name].in_(found[target]))
                ).scalars()
            )
        if ids:
            found[record_type] = sorted(ids | set(found.get(record_type, [])))
    return found


def _scrub(value: object, ids: set[str], marker: Callable[[str], str]) -> object:
    if isinstance(value, str):
        return marker(value) if value in ids else value
    if isinstance(value, list):
        return [_scrub(v, ids, marker) for v in value]
    if isinstance(value, dict):
        return {k: _scrub(v, ids, marker) for k, v in value.items()}
    return value


def erase_candidate(
    store: Store,
    candidate_id: str,
    *,
    municipality: str,
    actor: str,
    role: str = "system",
    removers: Sequence[Callable[[Sequence[Candidate]], object]] = (),
) -> ErasureReport | None:
    """Erase a candidate everywhere; None when no such candidate is in ``municipality``.

    Parameters
    ----------
    removers
        Callables taking every version of the candidate record the store
        knew (read before they are deleted; the current one first) that
        remove it from stores outside the database (vector index, embedding
        cache, caches). They run inside the transaction; if one raises,
        nothing is erased and the error propagates.
    """
    ensure_tables(store)
    key = _key(store)
    pseudonym = pseudonymise(key, candidate_id)
    candidates = TABLES[Candidate]
    with store.transaction() as conn:
        row = (
            conn.execute(
                sa.select(candidates)
                .where(candidates.c.id == candidate_id)
                .where(candidates.c.municipality == municipality)
            )
            .mappings()
            .first()
        )
        if row is None:
            return None
        candidate = Candidate.model_validate(dict(row))
        versions = [candidate, *_earlier_versions(conn, candidate)]
        found = referring_records(conn, candidate_id)
        removed: dict[str, int] = {}
        for record_type in reversed(RECORD_TYPES):
            ids = found.get(record_type)
            if ids:
                removed[record_type.entity] = store.delete(
                    record_type, ids, actor=actor, keep_history=False, conn=conn
                )

        history_scrubbed = 0
        for record_type, ids in found.items():
            for record_id in ids:
                history_scrubbed += conn.execute(
                    history_table.update()
                    .where(history_table.c.entity == record_type.entity)
                    .where(history_table.c.record_id == record_id)
                    .values(before=None, after=None, record_id=pseudonymise(key, record_id))
                ).rowcount

        all_ids = {i for ids in found.values() for i in ids}

        def marker(value: str) -> str:
            if value == candidate_id:
                return f"{ERASED_MARKER}:{pseudonym[:16]}"
            return ERASED_MARKER

        # the region's other municipalities may have been shown the candidate (regional lists)
        members = region_members(
            (
                Municipality.model_validate(dict(row))
                for row in conn.execute(sa.select(TABLES[Municipality])).mappings()
            ),
            municipality,
        )
        audit = audit_log.audit_table
        mentions = sa.or_(
            audit.c.subject_id.in_(sorted(all_ids)),
            *[
                sa.cast(column, sa.Text).like(f'%"{like_escape(i)}"%', escape="\\")
                for i in all_ids
                for column in (audit.c.inputs, audit.c.results)
            ],
        )
        audit_scrubbed = 0
        for row in (
            conn.execute(
                sa.select(audit.c.seq, audit.c.subject_id, audit.c.inputs, audit.c.results)
                .where(audit.c.municipality.in_(members))
                .where(mentions)
            )
            .mappings()
            .all()
        ):
            conn.execute(
                audit.update()
                .where(audit.c.seq == row["seq"])
                .values(
                    subject_id=marker(row["subject_id"])
                    if row["subject_id"] in all_ids
                    else row["subject_id"],
                    inputs=_without_reason(_scrub(row["inputs"], all_ids, marker)),
                    results=_scrub(row["results"], all_ids, marker),
                )
            )
            audit_scrubbed += 1

        # computed shortlists shared between workers name candidates: drop the region's
        for member in members:
            shared_cache.clear(municipality=member, conn=conn)
            shared_cache.clear(municipality=f"region:{member}", conn=conn)

        overrides = override_store.overrides_table
        overrides_removed = conn.execute(
            overrides.delete().where(overrides.c.candidate_id == candidate_id)
        ).rowcount

        conn.execute(
            tombstone_table.insert().values(
                pseudonym=pseudonym,
                municipality=municipality,
                erased_at=dt.datetime.now(dt.UTC),
            )
        )
        called = []
        for remove in removers:
            remove(versions)
            called.append(getattr(remove, "__qualname__", type(remove).__name__))
        report = ErasureReport(
            pseudonym=pseudonym,
            removed=removed,
            history_scrubbed=history_scrubbed,
            audit_entries_scrubbed=audit_scrubbed,
            overrides_removed=overrides_removed,
            removers_called=called,
        )
        audit_log.log_entry(
            store,
            actor=actor,
            role=role,
            municipality=municipality,
            action="candidate_erased",
            subject_type="candidate",
            subject_id=pseudonym,
            inputs={
                "removed": removed,
                "history_scrubbed": history_scrubbed,
                "audit_entries_scrubbed": audit_scrubbed,
                "overrides_removed": overrides_removed,
                "removers": called,
            },
            conn=conn,
        )
    store.purge_deleted()
    logger.info("erased a candidate (pseudonym %s): %s", pseudonym[:16], json.dumps(removed))
    return report


def _earlier_versions(conn: Connection, candidate: Candidate) -> list[Candidate]:
    """The candidate as the change history held them before, distinct from ``candidate``."""
    table = history_table
    rows = conn.execute(
        sa.select(table.c.before, table.c.after)
        .where(table.c.entity == Candidate.entity)
        .where(table.c.record_id == candidate.id)
    ).all()
    out: dict[str, Candidate] = {}
    current = candidate.model_dump_json()
    for values in (v for row in rows for v in row if v):
        try:
            version = Candidate.model_validate(values)
        except ValueError:  # a version stored under an older schema: its texts still count
            version = Candidate.model_construct(**{**candidate.model_dump(), **values})
        key = version.model_dump_json()
        if key != current:
            out.setdefault(key, version)
    return list(out.values())


def _without_reason(inputs: object) -> object:
    """An override's entry without the free text a relationship manager wrote about someone."""
    if isinstance(inputs, dict) and inputs.get("reason"):
        return {**inputs, "reason": ERASED_MARKER}
    return inputs


def audit_scrubber(store: Store) -> Callable[[list[dict[str, object]]], list[dict[str, object]]]:
    """For :class:`matching.privacy.audit_writer.AuditWriter`: replace erased candidates' ids in entries
    that were queued before the erasure and are written after it.

    Every batch reads the tombstones (one query, none while nobody was erased); the key
    is read and checked at the first batch that needs it.
    """
    store.create_tables([tombstone_table])
    keys: list[bytes] = []

    def scrub(rows: list[dict[str, object]]) -> list[dict[str, object]]:
        pseudonyms = _tombstones(store)
        if not pseudonyms:
            return rows
        if not keys:
            keys.append(_key(store, create=False))
        erased = ErasedIds(key=keys[0], pseudonyms=pseudonyms)
        out = []
        for row in rows:
            found = {v for v in _strings(row) if v in erased}
            if found:
                key = erased.key

                def marker(value: str, key: bytes = key) -> str:
                    return f"{ERASED_MARKER}:{pseudonymise(key, value)[:16]}"

                row = {
                    **row,
                    "subject_id": marker(str(row["subject_id"]))
                    if row.get("subject_id") in found
                    else row.get("subject_id"),
                    "inputs": _scrub(row.get("inputs"), found, marker),
                    "results": _scrub(row.get("results"), found, marker),
                }
            out.append(row)
        return out

    return scrub


def _strings(value: object) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, list):
        for v in value:
            yield from _strings(v)
    elif isinstance(value, dict):
        for v in value.values():
            yield from _strings(v)


def like_escape(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
