"""Shared pieces of the CLI: reading the settings once, opening the store, printing, errors.

Exit codes: 1 the input was rejected (with a message saying what and where),
2 the command could not run (database or tracking store unreachable, wrong
schema version).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, NoReturn

import typer
from rich.console import Console

from api.settings import Settings
from api.wording import in_dutch
from matching.records.storage import MissingDatabase, Store, StoreError
from services.errors import Unavailable, UseCaseError

if TYPE_CHECKING:
    from matching.sroi.prices import PriceList
    from matching.sroi.settings import SroiSettings

console = Console(stderr=True)
out = Console()

def load_settings(
    db: str | None = None, tracking_uri: str | None = None, workspace: Path | None = None
) -> Settings:
    """The settings of the environment and the workspace with the command's ``--db`` and
    ``--tracking-uri``."""
    try:
        return Settings.from_env(db_url=db, tracking_uri=tracking_uri, workspace=workspace)
    except ValueError as exc:  # a malformed WERKKANS_* value
        fail(str(exc), code=2)


def open_store(settings: Settings, *, create: bool = False) -> Store:
    """The settings' database; only ``create`` (import, demo) makes a new one."""
    try:
        return settings.open_store(create=create)
    except MissingDatabase as exc:
        fail(
            f"database {exc.path} bestaat niet (een tikfout in --db of WERKKANS_DB, of niet in "
            "de werkruimte?); een nieuwe database ontstaat alleen met 'werkkans init MAP' of "
            "'werkkans import MAP'",
            code=2,
        )
    except StoreError as exc:
        fail(str(exc), code=2)


def fail(message: str, *, code: int = 1) -> NoReturn:
    console.print(f"[bold red]fout:[/] {message}")
    raise typer.Exit(code)


def refused(exc: UseCaseError) -> NoReturn:
    """Stop with the message of a use case's refusal (2 when something was unreachable)."""
    fail(in_dutch(exc), code=2 if isinstance(exc, Unavailable) else 1)


@contextmanager
def failing_on(*errors: type[Exception], as_json: bool = False) -> Iterator[None]:
    """Turn any of ``errors`` (and every refusal of a use case) raised in the block into a
    message and an exit code: 1, or 2 when something the command needs is unreachable.

    With ``as_json`` the error goes to stdout as ``{"ok": false, "error": ...}`` instead,
    with the wrong ``field`` first when the error names one.
    """
    caught: tuple[type[Exception], ...] = (UseCaseError, *errors)
    try:
        yield
    except caught as exc:
        code = 2 if isinstance(exc, Unavailable) else 1
        if not as_json:
            fail(in_dutch(exc), code=code)
        payload: dict[str, object] = {"ok": False}
        field = getattr(exc, "field", None)
        if field is not None:
            payload["field"] = field
        print_json(payload | {"error": in_dutch(exc)})
        raise typer.Exit(code) from None


def read_prices(
    path: Path | None, settings: Settings | None = None
) -> tuple[PriceList | None, SroiSettings | None]:
    """The price list of ``--prices``, else the workspace's (``WERKKANS_PRICES``), else none
    (the default list); a bad file stops."""
    if path is None:
        return (None, None) if settings is None else (settings.prices, settings.sroi_settings)
    from matching.sroi.prices import PriceError
    from matching.sroi.settings import load_price_file

    try:
        return load_price_file(path)
    except PriceError as exc:
        fail(exc.dutch)


def print_json(payload: object) -> None:
    typer.echo(json.dumps(payload, ensure_ascii=False, indent=2, default=str))
