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
    ============================  ===========================================
    """

    db_url: str = DEFAULT_DB_URL
    home: Path = Path(".werkkans")
    model: str | None = None
    tracking_uri: str | None = None
    secret_key: str | None = None

    @classmethod
    def from_env(cls, **overrides: object) -> "Settings":
        env = os.environ
        values: dict[str, object] = {
            "db_url": env.get("WERKKANS_DB", DEFAULT_DB_URL),
            "home": Path(env.get("WERKKANS_HOME", ".werkkans")),
            "model": env.get("WERKKANS_MODEL") or None,
            "tracking_uri": env.get("MLFLOW_TRACKING_URI") or None,
            "secret_key": env.get("WERKKANS_SECRET_KEY") or None,
        }
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def effective_tracking_uri(self) -> str:
        """The tracking URI, defaulting to a local SQLite store in the working directory."""
        return self.tracking_uri or f"sqlite:///{Path('mlruns.db').resolve()}"
