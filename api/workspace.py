"""A workspace: one folder holding a municipality's database, index, MLflow store and settings.

``werkkans init DIR`` (and the demo) write ``DIR/werkkans.toml``::

    # werkkans workspace; relative paths are inside this folder
    database = "sqlite:///werkkans.db"
    home = "home"
    tracking_uri = "sqlite:///mlruns.db"
    secret_key_file = "secret_key"

Every command finds the workspace from ``--workspace`` (or
``WERKKANS_WORKSPACE``), else from the working directory or the nearest
folder above it holding ``werkkans.toml``. Its values sit between the
environment and the defaults: a command-line option beats an environment
variable, which beats the workspace file.
"""

from __future__ import annotations

import os
import secrets
import tomllib
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError

__all__ = ["CONFIG_FILE", "Workspace", "WorkspaceError", "create_workspace"]

CONFIG_FILE = "werkkans.toml"

# workspace key -> the environment variable it stands in for
KEYS = {
    "database": "WERKKANS_DB",
    "home": "WERKKANS_HOME",
    "tracking_uri": "MLFLOW_TRACKING_URI",
    "model": "WERKKANS_MODEL",
    "fair_exposure": "WERKKANS_FAIR_EXPOSURE",
    "prices": "WERKKANS_PRICES",
    "token_minutes": "WERKKANS_TOKEN_MINUTES",
    "secret_key_file": "WERKKANS_SECRET_KEY",  # the key is read from the file
}
_PATHS = ("home", "secret_key_file", "prices")
_URLS = ("database", "tracking_uri")


class WorkspaceError(ValueError):
    """A workspace that cannot be used; the message says in Dutch what to change."""


@dataclass(frozen=True)
class Workspace:
    """A workspace folder and its settings, as environment-variable values."""

    folder: Path
    values: dict[str, str]

    @classmethod
    def located(cls, environ: dict[str, str] | None = None, start: Path | None = None) -> Workspace | None:
        """The workspace ``WERKKANS_WORKSPACE`` names, else the nearest one at or above
        ``start`` (the working directory); None when there is none."""
        env = os.environ if environ is None else environ
        named = env.get("WERKKANS_WORKSPACE")
        if named:
            folder = Path(named).expanduser().resolve()
            if not (folder / CONFIG_FILE).is_file():
                raise WorkspaceError(
                    f"{folder} is geen werkruimte (er staat geen {CONFIG_FILE}); maak er een met "
                    f"'werkkans init {named}'"
                )
            return cls.load(folder)
        here = (start or Path.cwd()).resolve()
        for folder in (here, *here.parents):
            if (folder / CONFIG_FILE).is_file():
                return cls.load(folder)
        return None

    @classmethod
    def load(cls, folder: Path) -> Workspace:
        path = folder / CONFIG_FILE
        try:
            data = tomllib.loads(path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
            raise WorkspaceError(f"{path} is niet te lezen: {exc}") from None
        unknown = sorted(set(data) - set(KEYS))
        if unknown:
            raise WorkspaceError(
                f"{path} kent {', '.join(unknown)} niet; mogelijk zijn: {', '.join(KEYS)}"
            )
        values: dict[str, str] = {}
        for key, value in data.items():
            if not isinstance(value, str | int | float) or isinstance(value, bool):
                raise WorkspaceError(f"{path}: {key} moet tekst of een getal zijn")
            text = str(value)
            if key in _URLS:
                text = _inside(folder, text, key, path)
            elif key in _PATHS:
                text = str(folder / Path(text).expanduser())
            if key == "secret_key_file":
                try:
                    text = Path(text).read_text(encoding="utf-8").strip()
                except OSError as exc:
                    raise WorkspaceError(f"{path}: secret_key_file is niet te lezen: {exc}") from None
            values[KEYS[key]] = text
        return cls(folder=folder, values=values)


def _inside(folder: Path, url: str, key: str, path: Path) -> str:
    """A relative SQLite file or local path in ``url`` made absolute within ``folder``."""
    if "://" not in url:  # a plain path (e.g. an MLflow file store)
        return str(folder / Path(url).expanduser())
    try:
        parsed = make_url(url)
    except ArgumentError:
        raise WorkspaceError(f"{path}: {key} is geen geldige URL: {url!r}") from None
    database = parsed.database
    if parsed.drivername.startswith("sqlite") and database and database != ":memory:" \
            and not Path(database).is_absolute():
        return parsed.set(database=str(folder / database)).render_as_string(hide_password=False)
    return url


def create_workspace(folder: Path, *, database: str | None = None) -> Path:
    """Write ``folder/werkkans.toml`` (and a login-signing key) unless it is there; returns it.

    ``database`` is a database URL (default: ``werkkans.db`` inside the folder).
    Making the database itself is the caller's job.
    """
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / CONFIG_FILE
    key_file = folder / "secret_key"
    if not key_file.exists():
        fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(secrets.token_urlsafe(32) + "\n")
    if not config.exists():
        url = database or "sqlite:///werkkans.db"
        config.write_text(
            "# werkkans workspace: every command run in this folder (or with --workspace) uses it.\n"
            "# Relative paths are inside this folder; environment variables override these.\n"
            f"database = {_quoted(url)}\n"
            'home = "home"  # vector index, embedding cache, pseudonym key\n'
            'tracking_uri = "sqlite:///mlruns.db"  # MLflow: trained rankers\n'
            'secret_key_file = "secret_key"  # signs login tokens\n'
            '# fair_exposure = "0.8,1.25"\n'
            '# prices = "prijzen.json"  # your SROI price list (werkkans stats prices)\n',
            encoding="utf-8",
        )
    return config


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
