"""`werkkans serve` and `werkkans users add|list`."""

from __future__ import annotations

import typer
from typer.testing import CliRunner

from api.auth import authenticate
from api.commands import serve as serve_commands
from matching.records.storage import Store


def _cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def _root() -> None:
        """werkkans (test)."""

    serve_commands.register(app)
    return app


def test_users_add_and_list(tmp_path):
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    runner = CliRunner()
    add = [
        "users", "add", "--db", url, "--username", "rm.jansen", "--role", "relationship_manager",
        "--municipality", "GM0855", "--password", "lang genoeg wachtwoord",
    ]
    r = runner.invoke(_cli(), add)
    assert r.exit_code == 2 and "bestaat niet" in r.output  # a typo never makes a database
    assert not (tmp_path / "cli.db").exists()
    r = runner.invoke(_cli(), [*add, "--create"])
    assert r.exit_code == 0, r.output
    store = Store(url)
    user = authenticate(store, "rm.jansen", "lang genoeg wachtwoord")
    assert user is not None and user.municipality == "GM0855"
    r = runner.invoke(
        _cli(),
        [
            "users",
            "add",
            "--db",
            url,
            "--username",
            "rm.jansen",
            "--role",
            "relationship_manager",
            "--municipality",
            "GM0855",
            "--password",
            "lang genoeg wachtwoord",
        ],
    )
    assert r.exit_code == 1 and "already exists" in r.output
    r = runner.invoke(
        _cli(),
        [
            "users",
            "add",
            "--db",
            url,
            "--username",
            "x.y",
            "--role",
            "boss",
            "--municipality",
            "GM0855",
            "--password",
            "lang genoeg wachtwoord",
        ],
    )
    assert r.exit_code == 1 and "role must be one of" in r.output
    r = runner.invoke(
        _cli(),
        [
            "users",
            "add",
            "--db",
            url,
            "--username",
            "kort",
            "--role",
            "administrator",
            "--municipality",
            "GM0855",
            "--password",
            "kort",
        ],
    )
    assert r.exit_code == 1 and "at least" in r.output
    r = runner.invoke(
        _cli(),
        [
            "users",
            "add",
            "--db",
            url,
            "--username",
            "prompted",
            "--role",
            "data_scientist",
            "--municipality",
            "GM0855",
        ],
        input="een geheim wachtwoord\neen geheim wachtwoord\n",
    )
    assert r.exit_code == 0, r.output
    r = runner.invoke(_cli(), ["users", "list", "--db", url])
    assert r.exit_code == 0 and "rm.jansen" in r.output and "prompted" in r.output
    assert "$2" not in r.output


def test_serve_builds_the_app_and_runs_uvicorn_on_localhost(tmp_path, monkeypatch):
    calls = {}
    monkeypatch.setattr("api.app.create_app", lambda settings: calls.setdefault("app", object()))
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.update(run=(app, kw)))
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    r = CliRunner().invoke(_cli(), ["serve", "--db", url, "--port", "8123"])
    assert r.exit_code == 0, r.output
    app, kw = calls["run"]
    assert app is calls["app"] and kw["host"] == "127.0.0.1" and kw["port"] == 8123
    assert not kw["proxy_headers"]  # nobody's X-Forwarded-For is trusted without --proxy


def test_serve_with_workers_needs_a_shared_secret(tmp_path, monkeypatch):
    monkeypatch.delenv("WERKKANS_SECRET_KEY", raising=False)
    calls = {}
    monkeypatch.setattr("uvicorn.run", lambda app, **kw: calls.update(run=(app, kw)))
    url = f"sqlite:///{tmp_path / 'serve.db'}"
    monkeypatch.setenv("WERKKANS_DB", url)  # serve sets it for its workers; undone after the test
    r = CliRunner().invoke(_cli(), ["serve", "--db", url, "--workers", "2"])
    assert r.exit_code == 2 and "WERKKANS_SECRET_KEY" in r.output and "run" not in calls
    monkeypatch.setenv("WERKKANS_SECRET_KEY", "k" * 40)
    r = CliRunner().invoke(_cli(), ["serve", "--db", url, "--workers", "2", "--proxy", "10.0.0.5"])
    assert r.exit_code == 0, r.output
    app, kw = calls["run"]
    assert app == "api.app:app_from_env" and kw["factory"] and kw["workers"] == 2
    assert kw["proxy_headers"] and kw["forwarded_allow_ips"] == "10.0.0.5"


def test_users_disable_enable_and_reset_password_end_sessions(tmp_path):
    from api.auth import create_user, get_user

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    store = Store(url)
    create_user(store, username="rm.jansen", password="lang genoeg wachtwoord",
                role="relationship_manager", municipality="GM0855", rounds=4)
    runner = CliRunner()

    def run(*args: str):
        return runner.invoke(_cli(), ["users", *args, "--db", url])

    session = get_user(store, "rm.jansen").session
    r = run("disable", "rm.jansen")
    assert r.exit_code == 0 and "uitgeschakeld" in r.output, r.output
    assert authenticate(store, "rm.jansen", "lang genoeg wachtwoord") is None
    assert get_user(store, "rm.jansen").session > session  # tokens issued before stop working
    assert run("enable", "rm.jansen").exit_code == 0
    assert authenticate(store, "rm.jansen", "lang genoeg wachtwoord") is not None
    r = run("reset-password", "rm.jansen", "--password", "een ander lang wachtwoord")
    assert r.exit_code == 0, r.output
    assert authenticate(store, "rm.jansen", "lang genoeg wachtwoord") is None
    assert authenticate(store, "rm.jansen", "een ander lang wachtwoord") is not None
    assert run("reset-password", "rm.jansen", "--password", "kort").exit_code == 1
    r = run("disable", "niemand")
    assert r.exit_code == 1 and "bestaat niet" in r.output
