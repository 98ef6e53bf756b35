"""Settings, read from the environment in exactly one place."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from matching.records.storage import DEFAULT_POOL_SIZE, Store, StoreError
from services.shortlist_cache import BACKGROUND_NICE

if TYPE_CHECKING:
    from matching.sroi.prices import PriceList
    from matching.sroi.settings import SroiSettings
    from services.runtime import RuntimeConfig

DEFAULT_DB_URL = "sqlite:///werkkans.db"


@dataclass(frozen=True)
class Settings:
    """Where werkkans keeps its data; every field has an environment variable.

    A workspace (:mod:`api.workspace`: ``werkkans.toml`` in the working directory,
    a folder above it, or ``WERKKANS_WORKSPACE``) gives values for the variables
    the environment leaves unset.

    ============================  ===========================================
    variable                      meaning
    ============================  ===========================================
    ``WERKKANS_WORKSPACE``        workspace folder (default: the nearest folder at or
                                  above the working directory holding ``werkkans.toml``)
    ``WERKKANS_DB``               database URL (default ``sqlite:///werkkans.db``)
    ``WERKKANS_DB_POOL``          connections each process keeps open to the database
                                  (default 16; up to as many again for a moment)
    ``WERKKANS_HOME``             folder for the vector index and embedding cache
                                  (default ``.werkkans`` beside the working dir)
    ``WERKKANS_MODEL``            another sentence-transformers model directory or name
                                  (default: the bundled multilingual-e5-small)
    ``MLFLOW_TRACKING_URI``       MLflow tracking store (default ``sqlite:///mlruns.db``
                                  in the working directory)
    ``WERKKANS_SECRET_KEY``       key that signs login tokens (API)
    ``WERKKANS_PSEUDONYM_KEY``    key (64 hex digits) for the pseudonyms of erased
                                  people; default: made once and kept in
                                  ``WERKKANS_HOME/pseudonym_key``, never in the database
    ``WERKKANS_TOKEN_MINUTES``    lifetime of a login token (default 60)
    ``WERKKANS_MAX_BODY_BYTES``   largest request body the API accepts (default 1 MiB)
    ``WERKKANS_CORS_ORIGINS``     comma-separated origins allowed cross-site (default none)
    ``WERKKANS_COOKIE_SECURE``    ``1``: Secure session cookie and HSTS (behind HTTPS)
    ``WERKKANS_USER_PASSWORD``    password for ``werkkans users add`` instead of a prompt
    ``WERKKANS_PRICES``           the municipality's SROI price list (JSON, see ``werkkans
                                  stats prices``) for the report and the value objective
                                  (default: the built-in list)
    ``WERKKANS_FAIR_EXPOSURE``    ``LOW,HIGH`` (e.g. ``0.8,1.25``): keep protected groups'
                                  share of every shortlist's top, and of a period's
                                  invitations, within these bounds of their share of
                                  the pool (a policy choice; default off)
    ``WERKKANS_STALE_SECONDS``    how long after new history (outcomes, meetings,
                                  invitations) or edits of candidates not on it a
                                  shortlist may still be shown as it was while the
                                  service computes it again (default
                                  120; 0: always computed before it is shown)
    ``WERKKANS_CACHED_LISTS``     shortlists each worker process keeps in memory (default
                                  4096, about 50-100 KB each); at start it takes in the
                                  ones computed for the records as they are
    ``WERKKANS_BACKGROUND_NICE``  how much lower than the requests' each worker's upkeep
                                  after writes runs (Linux nice value added, 0-19;
                                  default 10; 0: the same: lists current sooner after
                                  writes on busy cores, requests slower meanwhile)
    ============================  ===========================================
    """

    db_url: str = DEFAULT_DB_URL
    db_pool: int = DEFAULT_POOL_SIZE
    home: Path = Path(".werkkans")
    model: str | None = None
    tracking_uri: str | None = None
    secret_key: str | None = None
    pseudonym_key: str | None = None
    token_minutes: int = 60
    max_body_bytes: int = 1_048_576
    cors_origins: tuple[str, ...] = ()
    cookie_secure: bool = False
    user_password: str | None = None
    fair_exposure: tuple[float, float] | None = None
    stale_seconds: float = 120.0
    cached_lists: int = 4096
    background_nice: int = BACKGROUND_NICE
    workspace: Path | None = None
    #: the municipality's SROI price list and settings (WERKKANS_PRICES); None: the defaults
    prices: PriceList | None = None
    sroi_settings: SroiSettings | None = None

    @classmethod
    def from_env(
        cls, *, db_url: str | None = None, tracking_uri: str | None = None,
        workspace: Path | None = None,
    ) -> Settings:
        """The settings of the environment and the workspace (``workspace``, else the one
        found); ``db_url`` and ``tracking_uri`` (command-line options) take precedence.

        Raises
        ------
        ValueError
            A malformed value, or a workspace that cannot be read.
        """
        from api.workspace import Workspace

        found = Workspace.load(workspace) if workspace is not None else Workspace.located()
        # a workspace's values stand in for environment variables the environment leaves unset
        env = {**(found.values if found else {}), **{k: v for k, v in os.environ.items() if v}}
        defaults = cls()
        settings = cls(
            workspace=None if found is None else found.folder,
            db_url=env.get("WERKKANS_DB", defaults.db_url),
            db_pool=int(_number("WERKKANS_DB_POOL", env.get("WERKKANS_DB_POOL"), defaults.db_pool,
                                whole=True, least=1, what="a whole number of connections")),
            home=Path(env.get("WERKKANS_HOME", str(defaults.home))),
            model=env.get("WERKKANS_MODEL") or None,
            tracking_uri=env.get("MLFLOW_TRACKING_URI") or None,
            secret_key=env.get("WERKKANS_SECRET_KEY") or None,
            pseudonym_key=env.get("WERKKANS_PSEUDONYM_KEY") or None,
            token_minutes=int(env.get("WERKKANS_TOKEN_MINUTES") or defaults.token_minutes),
            max_body_bytes=int(env.get("WERKKANS_MAX_BODY_BYTES") or defaults.max_body_bytes),
            cors_origins=tuple(
                o.strip() for o in env.get("WERKKANS_CORS_ORIGINS", "").split(",") if o.strip()
            ),
            cookie_secure=env.get("WERKKANS_COOKIE_SECURE", "") in ("1", "true", "yes"),
            user_password=env.get("WERKKANS_USER_PASSWORD") or None,
            fair_exposure=_bounds(env.get("WERKKANS_FAIR_EXPOSURE", "")),
            stale_seconds=_number("WERKKANS_STALE_SECONDS", env.get("WERKKANS_STALE_SECONDS"),
                                  defaults.stale_seconds, whole=False, least=0, what="a number of seconds"),
            cached_lists=int(_number("WERKKANS_CACHED_LISTS", env.get("WERKKANS_CACHED_LISTS"),
                                     defaults.cached_lists, whole=True, least=1,
                                     what="a whole number of lists")),
            background_nice=int(_number("WERKKANS_BACKGROUND_NICE", env.get("WERKKANS_BACKGROUND_NICE"),
                                        defaults.background_nice, whole=True, least=0,
                                        what="a whole number from 0 to 19")),
        )
        if settings.background_nice > 19:
            raise ValueError(f"WERKKANS_BACKGROUND_NICE must be 19 or less, got {settings.background_nice}")
        if env.get("WERKKANS_PRICES"):
            prices, sroi = _price_file(Path(env["WERKKANS_PRICES"]))
            settings = dataclasses.replace(settings, prices=prices, sroi_settings=sroi)
        given: dict[str, Any] = {"db_url": db_url, "tracking_uri": tracking_uri}
        return dataclasses.replace(settings, **{k: v for k, v in given.items() if v is not None})

    @property
    def effective_tracking_uri(self) -> str:
        """The tracking URI, defaulting to a local SQLite store in the working directory."""
        return self.tracking_uri or f"sqlite:///{Path('mlruns.db').resolve()}"

    def open_store(self, *, create: bool = False) -> Store:
        """The database of these settings, given the pseudonym key kept outside it.

        Raises
        ------
        StoreError
            When the database cannot be opened or the key is unusable.
        """
        store = Store(self.db_url, create=create, pool_size=self.db_pool)
        try:
            self.give_pseudonym_key(store)
        except StoreError:
            store.dispose()
            raise
        return store

    def give_pseudonym_key(self, store: Store) -> None:
        """Hand ``store`` its pseudonym key: ``WERKKANS_PSEUDONYM_KEY``, else the key
        file in ``home`` (made on first use).

        A key an earlier version kept inside the database moves to the key file.
        """
        from matching.privacy import erasure

        path = self.home / "pseudonym_key"
        given = self.pseudonym_key or (path.read_text(encoding="utf-8").strip() if path.exists() else None)
        in_database = erasure.legacy_key(store)
        if given is None:
            key = in_database or erasure.new_pseudonym_key()
            key = _save_key(path, key)
        else:
            try:
                key = bytes.fromhex(given)
            except ValueError:
                key = b""
            if len(key) != 32:
                where = "WERKKANS_PSEUDONYM_KEY" if self.pseudonym_key else str(path)
                raise StoreError(f"{where} must hold 64 hexadecimal digits")
            if in_database is not None and in_database != key:
                raise StoreError(
                    "this database still holds the pseudonym key of its earlier erasures and it "
                    "differs from the configured one: start once without WERKKANS_PSEUDONYM_KEY "
                    f"and without {path} so that the key moves out of the database"
                )
        if in_database is not None:
            erasure.forget_legacy_key(store)
        store.pseudonym_key = key

    def runtime(self) -> RuntimeConfig:
        """What the use cases' runtime (text space, index, model) needs of these settings."""
        from matching.shortlists.fair_exposure import ExposurePolicy
        from services.runtime import RuntimeConfig  # heavy: only when a runtime is built

        return RuntimeConfig(
            home=self.home, model=self.model, tracking_uri=self.effective_tracking_uri,
            fair_exposure=None if self.fair_exposure is None else ExposurePolicy(*self.fair_exposure),
            prices=self.prices, sroi_settings=self.sroi_settings,
        )


def _save_key(path: Path, key: bytes) -> bytes:
    """Write ``key`` to ``path`` (owner-only) unless another process just did; the key kept."""
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.{os.getpid()}")
    fd = os.open(staging, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as handle:
        handle.write(key.hex() + "\n")
        handle.flush()
        os.fsync(handle.fileno())
    try:
        os.link(staging, path)  # atomic, and refuses to replace a key written meanwhile
    except FileExistsError:
        key = bytes.fromhex(path.read_text(encoding="utf-8").strip())
    finally:
        staging.unlink()
    return key


def _price_file(path: Path) -> tuple[PriceList, SroiSettings | None]:
    """The price file ``WERKKANS_PRICES`` names; a bad one is an error, not the defaults."""
    from matching.sroi.prices import PriceError
    from matching.sroi.settings import load_price_file

    try:
        return load_price_file(path)
    except PriceError as exc:
        raise ValueError(f"WERKKANS_PRICES: {exc.dutch}") from None


def _bounds(text: str) -> tuple[float, float] | None:
    """``"0.8,1.25"`` as (0.8, 1.25); empty: None. A malformed value is an error, not off."""
    if not text.strip():
        return None
    try:
        low, high = (float(part) for part in text.split(","))
    except ValueError:
        raise ValueError(f"WERKKANS_FAIR_EXPOSURE must be LOW,HIGH such as 0.8,1.25, got {text!r}") from None
    if not 0 <= low <= 1 <= high:
        raise ValueError(f"WERKKANS_FAIR_EXPOSURE needs 0 <= LOW <= 1 <= HIGH, got {text!r}")
    return low, high


def _number(name: str, text: str | None, default: float, *, whole: bool, least: float, what: str) -> float:
    """A number of at least ``least`` (finite; ``whole``: an integer) read from variable
    ``name`` (unset: ``default``)."""
    if text is None or not text.strip():
        return default
    try:
        value = int(text) if whole else float(text)
    except ValueError:
        raise ValueError(f"{name} must be {what}, got {text!r}") from None
    if not least <= value < float("inf"):
        raise ValueError(f"{name} must be {least:g} or more, got {text!r}")
    return value
