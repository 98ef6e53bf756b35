"""Slowing down password guessing without letting a stranger lock anyone out.

Both ways of logging in (``POST /token`` and the login page) ask the
:class:`LoginThrottle` before they check a password and tell it how the check
went. Three limits, in a sliding window of ``window`` seconds:

* a **name from one address** with ``max_failures`` failed attempts is
  refused until the oldest of them leaves the window — without a password
  check, so guessing gains nothing. Only that address is held back: the
  account's owner, logging in from elsewhere, is not;
* an **address** gets ``address_factor`` times as many failures, over all
  names (it may be one office behind one address);
* a **name over all addresses**, after ``name_failures`` failures, waits a
  delay that doubles with every further failure up to ``max_backoff``
  seconds: a slow-down for guessing from many addresses, never a lock.

A successful login clears the name's failures (not the address's).

The failures live in the database (table ``login_failures``), so every
worker process and machine behind one port counts the same attempts: an
attacker gains nothing by being spread over workers. Names are kept only as
a keyed hash (a password typed into the name field never lands in the
database in the clear); rows older than the window are deleted as new
failures arrive. Two workers counting at the same moment may each let one
more attempt through: a small, bounded slack, not a way around the limit.
"""

from __future__ import annotations

import hashlib
import hmac
import math
import time
from collections.abc import Callable

import sqlalchemy as sa

from api.auth import User, authenticate
from matching.records.storage import Store, metadata

DEFAULT_MAX_FAILURES = 5
DEFAULT_WINDOW_SECONDS = 900.0
DEFAULT_ADDRESS_FACTOR = 4
DEFAULT_NAME_FAILURES = 10
DEFAULT_MAX_BACKOFF = 60.0

failures_table = sa.Table(
    "login_failures",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("name_hash", sa.String(64), nullable=False),
    sa.Column("address", sa.String(64), nullable=False),  # "" when unknown
    sa.Column("at", sa.Float, nullable=False),  # seconds since the epoch
    # a successful login clears the name's failures; the address keeps counting them
    sa.Column("name_cleared", sa.Boolean, nullable=False, default=False),
    sa.Index("ix_login_failures_name", "name_hash", "at"),
    sa.Index("ix_login_failures_address", "address", "at"),
)


class TooManyAttempts(Exception):
    """Too many failed logins for this name or address; try again after ``retry_after`` s."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed logins: try again in {retry_after} s")


class LoginThrottle:
    """Failed-login counts per name and address, per address, and per name (see the module).

    Parameters
    ----------
    store
        Keeps the failures, shared by every process using the same database.
    secret
        Keys the hash of the names (the service's signing key).
    clock
        Seconds since the epoch (injected by tests); processes share it, so
        it is wall-clock time, not a monotonic one.
    """

    def __init__(
        self,
        store: Store,
        secret: str,
        max_failures: int = DEFAULT_MAX_FAILURES,
        window: float = DEFAULT_WINDOW_SECONDS,
        *,
        address_factor: int = DEFAULT_ADDRESS_FACTOR,
        name_failures: int = DEFAULT_NAME_FAILURES,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        clock: Callable[[], float] = time.time,
    ) -> None:
        if max_failures < 1 or window <= 0 or address_factor < 1 or name_failures < 1:
            raise ValueError(
                "max_failures, address_factor and name_failures must be >= 1 and window > 0, "
                f"got {max_failures}, {address_factor}, {name_failures} and {window}"
            )
        if not secret:
            raise ValueError("the throttle needs a secret to hash names with")
        self.store = store
        self._secret = secret.encode("utf-8")
        self.max_failures = max_failures
        self.window = window
        self.address_factor = address_factor
        self.name_failures = name_failures
        self.max_backoff = max_backoff
        self._clock = clock
        store.create_tables([failures_table])

    def _name(self, username: str) -> str:
        name = username.strip().lower().encode("utf-8")
        return hmac.new(self._secret, b"login-name:" + name, hashlib.sha256).hexdigest()

    @staticmethod
    def _address(address: str | None) -> str:
        return (address or "")[:64]

    def retry_after(self, username: str, address: str | None) -> int:
        """Seconds until this name and address may try again; 0 when they may now."""
        now = self._clock()
        since = now - self.window
        t = failures_table
        name, where = self._name(username), self._address(address)
        recent = t.c.at > since

        def nth_latest(condition: sa.ColumnElement[bool], n: int) -> float | None:
            query = sa.select(t.c.at).where(condition, recent).order_by(t.c.at.desc())
            return conn.execute(query.offset(n - 1).limit(1)).scalar()

        wait = 0.0
        with self.store.engine.connect() as conn:
            pair = (t.c.name_hash == name) & (t.c.address == where) & ~t.c.name_cleared
            limits: list[tuple[sa.ColumnElement[bool], int]] = [(pair, self.max_failures)]
            if where:
                limits.append((t.c.address == where, self.max_failures * self.address_factor))
            for condition, limit in limits:
                at = nth_latest(condition, limit)
                if at is not None:
                    wait = max(wait, at + self.window - now)
            by_name = (t.c.name_hash == name) & ~t.c.name_cleared
            count, last = conn.execute(
                sa.select(sa.func.count(), sa.func.max(t.c.at)).where(by_name, recent)
            ).one()
            beyond = count - self.name_failures
            if beyond >= 0 and last is not None:
                wait = max(wait, last + min(2.0**beyond, self.max_backoff) - now)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, username: str, address: str | None) -> None:
        now = self._clock()
        with self.store.transaction() as conn:
            conn.execute(failures_table.delete().where(failures_table.c.at <= now - self.window))
            conn.execute(
                failures_table.insert().values(
                    name_hash=self._name(username), address=self._address(address), at=now,
                    name_cleared=False,
                )
            )

    def succeeded(self, username: str) -> None:
        with self.store.transaction() as conn:
            conn.execute(
                failures_table.update()
                .where(failures_table.c.name_hash == self._name(username))
                .values(name_cleared=True)
            )

    def authenticate(self, username: str, password: str, address: str | None) -> User | None:
        """:func:`api.auth.authenticate`, refused while the name and address are held back.

        Raises
        ------
        TooManyAttempts
            Before any password check, when there were too many failures.
        """
        wait = self.retry_after(username, address)
        if wait:
            raise TooManyAttempts(wait)
        user = authenticate(self.store, username, password)
        if user is None:
            self.failed(username, address)
        else:
            self.succeeded(username)
        return user
