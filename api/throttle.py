"""Slowing down password guessing: too many failed logins lock a name (and an address) for a while.

Both ways of logging in (``POST /token`` and the login page) ask the
:class:`LoginThrottle` before they check a password and tell it how the check
went. A username with ``max_failures`` failed attempts within ``window``
seconds is refused — without a password check, so guessing gains nothing —
until the oldest of those failures is ``window`` seconds old; a client address
gets ``address_factor`` times as many (it may be one office behind one
address). A successful login clears the username's failures.

The counts live in the process's memory: with several workers or machines
each keeps its own, so an attacker gets that many times the attempts. Put the
service behind a reverse proxy that limits ``/token`` and ``/login`` per
address as well (see the README).
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
#: Keys remembered at most; beyond it the stalest are dropped (bounded memory under attack).
MAX_KEYS = 50_000


class TooManyAttempts(Exception):
    """Too many failed logins for this name or address; try again after ``retry_after`` s."""

    def __init__(self, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(f"too many failed logins: try again in {retry_after} s")


class LoginThrottle:
    """Failed-login counts per username and per client address, in a sliding window."""

    def __init__(
        self,
        max_failures: int = DEFAULT_MAX_FAILURES,
        window: float = DEFAULT_WINDOW_SECONDS,
        *,
        address_factor: int = DEFAULT_ADDRESS_FACTOR,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if max_failures < 1 or window <= 0 or address_factor < 1:
            raise ValueError(
                "max_failures and address_factor must be >= 1 and window > 0, got "
                f"{max_failures}, {address_factor} and {window}"
            )
        self.max_failures = max_failures
        self.window = window
        self.address_factor = address_factor
        self._clock = clock
        self._failures: dict[str, deque[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, username: str, address: str | None) -> list[tuple[str, int]]:
        keys = [(f"user:{username.strip().lower()}", self.max_failures)]
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
            for key, limit in self._keys(username, address):
                times = self._recent(key, now)
                if len(times) >= limit:
                    wait = max(wait, times[-limit] + self.window - now)
        return math.ceil(wait) if wait > 0 else 0

    def failed(self, username: str, address: str | None) -> None:
        now = self._clock()
        with self._lock:
            if len(self._failures) >= MAX_KEYS:
                stalest = sorted(self._failures, key=lambda k: self._failures[k][-1])
                for key in stalest[: MAX_KEYS // 10]:
                    del self._failures[key]
            for key, limit in self._keys(username, address):
                times = self._failures.setdefault(key, deque())
                times.append(now)
                while len(times) > limit:  # only the last `limit` failures can matter
                    times.popleft()

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(self._keys(username, None)[0][0], None)

    def authenticate(
        self, store: Store, username: str, password: str, address: str | None
    ) -> User | None:
        """:func:`api.auth.authenticate`, refused while the name or address is locked.

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
