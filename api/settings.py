"""Settings, read from the environment in exactly one place."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

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
    ``WERKKANS_MODEL``            sentence-transformers model directory or name
                                  (default: the bundled all-MiniLM-L6-v2)
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
    def from_env(cls, **overrides: object) -> "Settings":
        env = os.environ
        values: dict[str, object] = {
            "db_url": env.get("WERKKANS_DB", DEFAULT_DB_URL),
            "home": Path(env.get("WERKKANS_HOME", ".werkkans")),
            "model": env.get("WERKKANS_MODEL") or None,
            "tracking_uri": env.get("MLFLOW_TRACKING_URI") or None,
            "secret_key": env.get("WERKKANS_SECRET_KEY") or None,
            "token_minutes": int(env.get("WERKKANS_TOKEN_MINUTES") or 60),
            "max_body_bytes": int(env.get("WERKKANS_MAX_BODY_BYTES") or 1_048_576),
            "cors_origins": tuple(
                o.strip() for o in env.get("WERKKANS_CORS_ORIGINS", "").split(",") if o.strip()
            ),
            "cookie_secure": env.get("WERKKANS_COOKIE_SECURE", "") in ("1", "true", "yes"),
            "user_password": env.get("WERKKANS_USER_PASSWORD") or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def effective_tracking_uri(self) -> str:
        """The tracking URI, defaulting to a local SQLite store in the working directory."""
        return self.tracking_uri or f"sqlite:///{Path('mlruns.db').resolve()}"
