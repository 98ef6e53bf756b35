"""Failed logins hold back a name from an address (and a busy address) for a while, on both ways
in; a name tried from many addresses slows down, but nobody can lock its owner out."""

from __future__ import annotations

import re

import pytest
from api_helpers import PASSWORD

from api.deps import SESSION_COOKIE
from api.throttle import LoginThrottle, failures_table
from matching.records.storage import Store

SECRET = "test-secret"


@pytest.fixture
def db(tmp_path):
    store = Store(f"sqlite:///{tmp_path / 'throttle.db'}")
    yield store
    store.dispose()


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_holds_back_after_max_failures_until_the_oldest_leaves_the_window(db):
    clock = Clock()
    throttle = LoginThrottle(db, SECRET, 3, 60.0, clock=clock)
    for _step in range(3):
        assert throttle.retry_after("Anna", "10.0.0.1") == 0
        throttle.failed("anna", "10.0.0.1")
        clock.now += 10
    # failures at 1000, 1010, 1020; now 1030: the first leaves the window at 1060
    assert throttle.retry_after("ANNA ", "10.0.0.1") == 30
    assert throttle.retry_after("anna", "10.0.0.9") == 0  # the owner, elsewhere, is not locked out
    assert throttle.retry_after("bert", "10.0.0.1") == 0  # the address allows 3 x 4 failures
    clock.now = 1060
    assert throttle.retry_after("anna", None) == 0


def test_success_clears_the_name_but_not_the_address(db):
    clock = Clock()
    throttle = LoginThrottle(db, SECRET, 2, 60.0, address_factor=1, clock=clock)
    throttle.failed("anna", "10.0.0.1")
    throttle.succeeded("anna")
    throttle.failed("anna", None)
    assert throttle.retry_after("anna", None) == 0
    throttle.failed("bert", "10.0.0.1")
    assert throttle.retry_after("carla", "10.0.0.1") == 60  # two failures from that address
    assert throttle.retry_after("carla", "10.0.0.2") == 0


def test_a_stranger_cannot_lock_the_owner_out_but_many_addresses_slow_down(db):
    clock = Clock()
    throttle = LoginThrottle(db, SECRET, 5, 900.0, name_failures=10, max_backoff=60.0, clock=clock)
    for _ in range(5):
        throttle.failed("anna", "203.0.113.7")
    assert throttle.retry_after("anna", "203.0.113.7") == 900
    assert throttle.retry_after("anna", "10.0.0.1") == 0
    # guessing from many addresses: past 10 failures every attempt waits 1, 2, 4, ... <= 60 s
    waits = []
    for i in range(5, 14):
        throttle.failed("anna", f"198.51.100.{i}")
        waits.append(throttle.retry_after("anna", "10.0.0.1"))
    assert waits[:4] == [0, 0, 0, 0] and waits[4:] == [1, 2, 4, 8, 16]
    for i in range(20):
        throttle.failed("anna", f"192.0.2.{i}")
    assert throttle.retry_after("anna", "10.0.0.1") == 60  # a delay, never a lock
    clock.now += 60
    assert throttle.retry_after("anna", "10.0.0.1") == 0
    throttle.succeeded("anna")
    assert throttle.retry_after("anna", "203.0.113.7") == 0


@pytest.mark.parametrize("args", [(0, 60.0), (3, 0.0)])
def test_rejects_meaningless_settings(db, args):
    with pytest.raises(ValueError):
        LoginThrottle(db, SECRET, *args)


def test_rejects_a_missing_secret(db):
    with pytest.raises(ValueError, match="secret"):
        LoginThrottle(db, "")


def test_processes_sharing_a_database_count_the_same_failures(tmp_path):
    # two workers: two throttles on two connections to one database file
    clock = Clock()
    url = f"sqlite:///{tmp_path / 'shared.db'}"
    first, second = Store(url), Store(url)
    try:
        one = LoginThrottle(first, SECRET, 3, 60.0, clock=clock)
        two = LoginThrottle(second, SECRET, 3, 60.0, clock=clock)
        one.failed("anna", "10.0.0.1")
        two.failed("anna", "10.0.0.1")
        assert one.retry_after("anna", "10.0.0.1") == 0
        one.failed("anna", "10.0.0.1")
        assert two.retry_after("anna", "10.0.0.1") == 60
        two.succeeded("anna")
        assert one.retry_after("anna", "10.0.0.1") == 0
    finally:
        first.dispose()
        second.dispose()


def test_names_are_kept_only_as_a_keyed_hash_and_old_rows_go(db):
    clock = Clock()
    throttle = LoginThrottle(db, SECRET, 3, 60.0, clock=clock)
    throttle.failed("MyPassword123!", "10.0.0.1")
    raw = b"".join(f.read_bytes() for f in db.files() if f.exists())
    assert raw and b"mypassword123!" not in raw.lower()
    clock.now += 61
    throttle.failed("bert", "10.0.0.2")
    with db.engine.connect() as conn:
        rows = conn.execute(failures_table.select()).all()
    assert [r.address for r in rows] == ["10.0.0.2"]  # the failure outside the window was deleted


def test_token_endpoint_refuses_with_429_without_checking_the_password(client, users, app):
    name = users["relationship_manager"]
    for _ in range(5):
        r = client.post("/token", data={"username": name, "password": "wrong password!"})
        assert r.status_code == 401
    r = client.post("/token", data={"username": name, "password": PASSWORD})
    assert r.status_code == 429
    assert int(r.headers["retry-after"]) > 800
    assert r.json()["detail"].startswith("too many failed logins")
    other = client.post("/token", data={"username": users["administrator"], "password": PASSWORD})
    assert other.status_code == 200  # another name is not locked (and the address allows more)
    app.state.login_throttle.succeeded(name)
    r = client.post("/token", data={"username": name, "password": PASSWORD})
    assert r.status_code == 200


def test_login_page_says_so_in_dutch(client, users):
    def attempt(password: str):
        page = client.get("/login")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text).group(1)
        return client.post(
            "/login", data={"username": "relationship", "password": password, "csrf": csrf},
            follow_redirects=False,
        )

    for _ in range(5):
        assert attempt("fout wachtwoord").status_code == 401
    r = attempt(PASSWORD)
    assert r.status_code == 429 and "Te veel mislukte pogingen" in r.text
    assert int(r.headers["retry-after"]) > 800
    assert SESSION_COOKIE not in r.headers.get("set-cookie", "")
