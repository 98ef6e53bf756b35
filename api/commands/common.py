"""Shared pieces of the CLI: options, opening the store, printing errors."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from api.settings import Settings
from matching.records.storage import Store, StoreError

console = Console(stderr=True)
out = Console()

DbOption = Annotated[
    str | None,
    typer.Option("--db", help="Database URL (default: $WERKKANS_DB or sqlite:///werkkans.db)."),
]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON instead of a table.")]


def settings(db: str | None = None, **overrides: object) -> Settings:
    return Settings.from_env(db_url=db, **overrides)


def open_store(db: str | None, *, create: bool = True) -> Store:
    url = settings(db).db_url
    try:
        return Store(url, create=create)
    except StoreError as exc:
        fail(str(exc), code=2)


def fail(message: str, *, code: int = 1) -> NoReturn:
    console.print(f"[bold red]fout:[/] {message}")
    raise typer.Exit(code)


@contextmanager
def failing_on(*errors: type[Exception], as_json: bool = False) -> Iterator[None]:
    """Turn any of ``errors`` raised in the block into ``fail(str(exc))`` (exit code 1).

    With ``as_json`` the error goes to stdout as ``{"ok": false, "error": ...}`` instead,
    with the wrong ``field`` first when the error names one, still with exit code 1.
    """
    try:
        yield
    except errors as exc:
        if not as_json:
            fail(str(exc))
        payload: dict[str, object] = {"ok": False}
        if hasattr(exc, "field"):
            payload["field"] = exc.field
        print_json(payload | {"error": str(exc)})
        raise typer.Exit(1)


def print_json(payload: object) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
