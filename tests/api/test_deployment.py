"""The documented deployment, without containers: PostgreSQL, two API processes (as two
machines would run them) and nginx with ``deploy/nginx/werkkans.conf.template`` in front.

What must hold across processes: a login made on one is valid on the other, failed logins
are counted over both, a logout on one ends the token on the other, and the proxy spreads
shortlists over both and limits password guessing per address.
"""

from __future__ import annotations

import os
import shutil
import string
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from api_helpers import HOME, PASSWORD, other_world
from factories import PSEUDONYM_KEY, tiny_world
from servers import free_port, wait_until_up

from api.auth import create_user
from matching.records.storage import Store

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[2]
SECRET = "deployment-test-secret-" + "x" * 24


@pytest.fixture(scope="module")
def database(postgres_url: str) -> Iterator[str]:
    import sqlalchemy as sa

    admin = sa.create_engine(postgres_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS werkkans_deploy"))
        conn.execute(sa.text("CREATE DATABASE werkkans_deploy"))
    url = postgres_url.rsplit("/", 1)[0] + "/werkkans_deploy"
    store = Store(url, pseudonym_key=PSEUDONYM_KEY)
    store.upsert([*tiny_world(), *other_world()], actor="fixture")
    for name in ("rm", "rm2"):
        create_user(store, username=name, password=PASSWORD, role="relationship_manager",
                    municipality=HOME, rounds=4)
    store.dispose()
    yield url
    with admin.connect() as conn:
        conn.execute(sa.text("DROP DATABASE IF EXISTS werkkans_deploy WITH (FORCE)"))
    admin.dispose()


def _werkkans() -> str:
    found = Path(sys.executable).with_name("werkkans")
    return str(found) if found.exists() else "werkkans"


@pytest.fixture(scope="module")
def workers(database: str, tmp_path_factory) -> Iterator[list[str]]:
    """Two `werkkans serve` processes on one PostgreSQL database, each with its own home."""
    procs, urls = [], []
    try:
        for n in (1, 2):
            home = tmp_path_factory.mktemp(f"api{n}")
            env = {
                **os.environ,
                "WERKKANS_DB": database,
                "WERKKANS_HOME": str(home / ".werkkans"),
                "WERKKANS_SECRET_KEY": SECRET,
                "WERKKANS_PSEUDONYM_KEY": PSEUDONYM_KEY.hex(),
                "MLFLOW_TRACKING_URI": f"sqlite:///{home / 'mlruns.db'}",
                "HF_HUB_OFFLINE": "1",
            }
            port = free_port()
            procs.append(subprocess.Popen(
                [_werkkans(), "serve", "--port", str(port), "--log-level", "warning",
                 "--proxy", "127.0.0.1"],
                cwd=home, env=env, stdout=subprocess.DEVNULL, stderr=(home / "serve.log").open("wb"),
            ))
            urls.append(f"http://127.0.0.1:{port}")
        for proc, url in zip(procs, urls, strict=True):
            wait_until_up(f"{url}/health", 240, alive=lambda p=proc: p.poll() is None)
        yield urls
    finally:
        for proc in procs:
            proc.terminate()
        for proc in procs:
            try:
                proc.wait(timeout=20)
            except subprocess.TimeoutExpired:
                proc.kill()


@pytest.fixture(scope="module")
def proxy(workers: list[str], tmp_path_factory) -> Iterator[str]:
    """nginx with the deployment's own configuration in front of the two processes."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed (make test installs Debian's nginx as root)")
    folder = tmp_path_factory.mktemp("nginx")
    port = free_port()
    template = (ROOT / "deploy/nginx/werkkans.conf.template").read_text()
    site = string.Template(template).safe_substitute(
        WERKKANS_API_1=workers[0].removeprefix("http://"),
        WERKKANS_API_2=workers[1].removeprefix("http://"),
        WERKKANS_PROXY_PORT=f"127.0.0.1:{port}",
    )
    (folder / "site.conf").write_text(site)
    temp = "\n".join(
        f"    {kind}_temp_path {folder / kind};" for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    (folder / "nginx.conf").write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"daemon off;\npid {folder / 'nginx.pid'};\nerror_log {folder / 'error.log'} warn;\n"
        + "events { worker_connections 256; }\n"
        + f"http {{\n    access_log off;\n{temp}\n    include {folder / 'site.conf'};\n}}\n"
    )
    proc = subprocess.Popen([nginx, "-p", str(folder), "-c", str(folder / "nginx.conf")],
                            stderr=subprocess.PIPE)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_until_up(f"{url}/health", 30, alive=lambda: proc.poll() is None)
        yield url
    finally:
        proc.terminate()
        proc.wait(timeout=20)


def _token(url: str, username: str = "rm") -> str:
    r = httpx.post(f"{url}/token", data={"username": username, "password": PASSWORD})
    assert r.status_code == 200, r.text
    return r.json()["access_token"]


def test_a_login_on_one_process_works_on_the_other_and_a_logout_ends_it_on_both(workers):
    first, second = workers
    token = _token(first)
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{second}/users/me", headers=bearer).status_code == 200
    assert httpx.get(f"{second}/shortlists/work-needs/W1?k=3", headers=bearer).status_code == 200
    assert httpx.post(f"{first}/users/me/logout", headers=bearer).status_code == 204
    assert httpx.get(f"{first}/users/me", headers=bearer).status_code == 401
    time.sleep(5.5)  # the other process trusts an account it looked up for at most 5 s
    assert httpx.get(f"{second}/users/me", headers=bearer).status_code == 401


def test_failed_logins_count_over_both_processes(workers):
    first, second = workers
    wrong = {"username": "rm", "password": "not the password"}
    for url in (first, second, first, second, first):
        assert httpx.post(f"{url}/token", data=wrong).status_code == 401
    for url in (first, second):  # five failures in all: both refuse now
        r = httpx.post(f"{url}/token", data={"username": "rm", "password": PASSWORD})
        assert r.status_code == 429, r.text
        assert int(r.headers["retry-after"]) > 800


def test_the_proxy_serves_both_and_limits_password_guessing(proxy):
    bearer = {"Authorization": f"Bearer {_token(proxy, 'rm2')}"}  # the first of 1 + 5 logins
    with httpx.Client(base_url=proxy, headers=bearer) as client:
        for _ in range(10):
            assert client.get("/shortlists/work-needs/W1?k=3").status_code == 200
    # guessing names: nginx's own limit of 10 logins a minute per address, bursts of 5
    answers = [
        httpx.post(f"{proxy}/token", data={"username": f"guess{i}", "password": "x" * 12})
        for i in range(10)
    ]
    codes = [r.status_code for r in answers]
    assert codes[:5] == [401] * 5  # the service's answer: wrong password
    refused = [r for r in answers if r.status_code == 429]
    assert refused and "retry-after" not in refused[0].headers  # nginx's refusal, not ours
    assert httpx.get(f"{proxy}/health").status_code == 200
