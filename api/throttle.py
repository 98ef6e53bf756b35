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

A successful login clears the name's failures. The counts live in the
process's memory: with several workers or machines each keeps its own, so an
attacker gets that many times the attempts. Put the service behind a reverse
proxy that limits ``/token`` and ``/login`` per address as well (see the
README).
"""

from __future__ import annotations

import math
import threading
import time
from collections import deque
from collections.abc import Callable

from api.auth import User, authenticate
from matching.records.storage import Store

DEFAULT_MAX_FAILURES = 5
DEFAULT_WINDOW_SECONDS = 900.0
DEFAULT_ADDRESS_FACTOR = 4
DEFAULT_NAME_FAILURES = 10
DEFAULT_MAX_BACKOFF = 60.0
#: Keys remembered at most; beyond it the stalest are dropped (bounded memory under attack).
MAX_KEYS = 50_000


class TooManyAttempts(Exception):
    """Too many failed logins for this name or address; try again after ``retry_after`` s."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed logins: try again in {retry_after} s")


class LoginThrottle:
    """Failed-login counts per name and address, per address, and per name (see the module)."""

    def __init__(
        self,
        max_failures: int = DEFAULT_MAX_FAILURES,
        window: float = DEFAULT_WINDOW_SECONDS,
        *,
        address_factor: int = DEFAULT_ADDRESS_FACTOR,
        name_failures: int = DEFAULT_NAME_FAILURES,
        max_backoff: float = DEFAULT_MAX_BACKOFF,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_failures < 1 or window <= 0 or address_factor < 1 or name_failures < 1:
            raise ValueError(
                "max_failures, address_factor and name_failures must be >= 1 and window > 0, "
                f"got {max_failures}, {address_factor}, {name_failures} and {window}"
            )
        self.max_failures = max_failures
        self.window = window
        self.address_factor = address_factor
        self.name_failures = name_failures
        self.max_backoff = max_backoff
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    @staticmethod
    def _name(username: str) -> str:
        return username.strip().lower()

    def _limits(self, username: str, address: str | None) -> list[tuple[str, int]]:
        """The hard limits that apply: (key, failures allowed in the window)."""
        name = self._name(username)
        keys = [(f"pair:{name}|{address or '-'}", self.max_failures)]
        if address:
            keys.append((f"addr:{address}", self.max_failures * self.address_factor))
        return keys

    def _recent(self, key: str, now: float) -> deque[float]:
        times = self._failures.get(key)
        if times is None:
            return deque()
        while times and now - times[0] >= self.window:
            times.popleft()
        if not times:
            del self._failures[key]
        return times

    def retry_after(self, username: str, address: str | None) -> int:
        """Seconds until this name and address may try again; 0 when they may now."""
        now = self._clock()
        wait = 0.0
        with self._lock:
            for key, limit in self._limits(username, address):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, times[-limit] + self.window - now)
            times = self._recent(f"name:{self._name(username)}", now)
            beyond = len(times) - self.name_failures
            if beyond >= 0:
                wait = max(wait, times[-1] + min(2.0**beyond, self.max_backoff) - now)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, username: str, address: str | None) -> None:
        now = self._clock()
        keys = [*self._limits(username, address)]
        keys.append((f"name:{self._name(username)}", self.name_failures + 64))
        with self._lock:
            if len(self._failures) >= MAX_KEYS:
                stalest = sorted(self._failures, key=lambda k: self._failures[k][-1])
                for key in stalest[: MAX_KEYS // 10]:
                    del self._failures[key]
            for key, limit in keys:
                times = self._failures.setdefault(key, deque())
                times.append(now)
                while len(times) > limit:  # only the last `limit` failures can matter
                    times.popleft()

    def succeeded(self, username: str) -> None:
        name = self._name(username)
        with self._lock:
            for key in [k for k in self._failures if k == f"name:{name}" or k.startswith(f"pair:{name}|")]:
                del self._failures[key]

    def authenticate(
        self, store: Store, username: str, password: str, address: str | None
    ) -> User | None:
        """:func:`api.auth.authenticate`, refused while the name and address are held back.

        Raises
        ------
        TooManyAttempts
            Before any password check, when there were too many failures.
        """
        wait = self.retry_after(username, address)
        if wait:
            raise TooManyAttempts(wait)
        user = authenticate(store, username, password)
        if user is None:
            self.failed(username, address)
        else:
            self.succeeded(username)
        return user
