"""Settings, read from the environment in exactly one place."""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from services.runtime import RuntimeConfig

DEFAULT_DB_URL = "sqlite:///werkkans.db"


@dataclass(frozen=True)
class Settings:
    """Where werkkans keeps its data; every field has an environment variable.

    ============================  ===========================================
    variable                      meaning
    ============================  ===========================================
    ``WERKKANS_DB``               database URL (default ``sqlite:///werkkans.db``)
    ``WERKKANS_HOME``             folder for the vector index and embedding cache
                                  (default ``.werkkans`` beside the working dir)
    ``WERKKANS_MODEL``            another sentence-transformers model directory or name
                                  (default: the bundled multilingual-e5-small)
    ``MLFLOW_TRACKING_URI``       MLflow tracking store (default ``sqlite:///mlruns.db``
                                  in the working directory)
    ``WERKKANS_SECRET_KEY``       key that signs login tokens (API)
    ``WERKKANS_TOKEN_MINUTES``    lifetime of a login token (default 60)
    ``WERKKANS_MAX_BODY_BYTES``   largest request body the API accepts (default 1 MiB)
    ``WERKKANS_CORS_ORIGINS``     comma-separated origins allowed cross-site (default none)
    ``WERKKANS_COOKIE_SECURE``    ``1``: Secure session cookie and HSTS (behind HTTPS)
    ``WERKKANS_USER_PASSWORD``    password for ``werkkans users add`` instead of a prompt
    ============================  ===========================================
    """

    db_url: str = DEFAULT_DB_URL
    home: Path = Path(".werkkans")
    model: str | None = None
    tracking_uri: str | None = None
    secret_key: str | None = None
    token_minutes: int = 60
    max_body_bytes: int = 1_048_576
    cors_origins: tuple[str, ...] = ()
    cookie_secure: bool = False
    user_password: str | None = None

    @classmethod
    def from_env(cls, *, db_url: str | None = None, tracking_uri: str | None = None) -> Settings:
        """The settings of the environment; ``db_url`` and ``tracking_uri`` (command-line
        options) take precedence when given."""
        env = os.environ
        defaults = cls()
        settings = cls(
            db_url=env.get("WERKKANS_DB", defaults.db_url),
            home=Path(env.get("WERKKANS_HOME", str(defaults.home))),
            model=env.get("WERKKANS_MODEL") or None,
            tracking_uri=env.get("MLFLOW_TRACKING_URI") or None,
            secret_key=env.get("WERKKANS_SECRET_KEY") or None,
            token_minutes=int(env.get("WERKKANS_TOKEN_MINUTES") or defaults.token_minutes),
            max_body_bytes=int(env.get("WERKKANS_MAX_BODY_BYTES") or defaults.max_body_bytes),
            cors_origins=tuple(
                o.strip() for o in env.get("WERKKANS_CORS_ORIGINS", "").split(",") if o.strip()
            ),
            cookie_secure=env.get("WERKKANS_COOKIE_SECURE", "") in ("1", "true", "yes"),
            user_password=env.get("WERKKANS_USER_PASSWORD") or None,
        )
        given: dict[str, Any] = {"db_url": db_url, "tracking_uri": tracking_uri}
        return dataclasses.replace(settings, **{k: v for k, v in given.items() if v is not None})

    @property
    def effective_tracking_uri(self) -> str:
        """The tracking URI, defaulting to a local SQLite store in the working directory."""
        return self.tracking_uri or f"sqlite:///{Path('mlruns.db').resolve()}"

    def runtime(self) -> RuntimeConfig:
        """What the use cases' runtime (text space, index, model) needs of these settings."""
        from services.runtime import RuntimeConfig  # heavy: only when a runtime is built

        return RuntimeConfig(
            home=self.home, model=self.model, tracking_uri=self.effective_tracking_uri
        )
