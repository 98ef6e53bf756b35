"""MLflow: reaching the tracking store, the model registry, and the ``champion`` alias.

Every registered version of ``werkkans-ranker`` lives in one MLflow store;
the serving alias ``champion`` names the version in service.
:func:`load_champion` gives its bundle to the service (the shortlist,
``serve`` and ``evaluate``); :func:`list_versions`, :func:`describe_version`
and :func:`promote_version` are what ``werkkans model`` and ``/models`` show
and do. :mod:`training.run_logging` logs training runs into the same store.

* **Tracking store.** Any MLflow tracking URI. MLflow 3 refuses its old file
  store (``./mlruns``), so a ``file:`` URI or plain folder is read as a
  SQLite store beside it: ``file:///srv/mlruns`` becomes
  ``sqlite:////srv/mlruns.db`` with artifacts in ``/srv/mlruns``
  (:func:`resolve_tracking_uri`). The local default is therefore
  ``sqlite:///mlruns.db`` in the working directory.
* **Unreachable store.** Checked before anything is written
  (:func:`check_reachable`); every MLflow failure becomes a
  :class:`TrackingError`.

MLflow is imported inside the functions (it takes seconds to import).
"""

from __future__ import annotations

import logging
import os
import re
import socket
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import unquote, urlparse

from matching.shortlists.features import FEATURE_NAMES
from models.bundle import RankerBundle

if TYPE_CHECKING:
    from mlflow.tracking import MlflowClient

logger = logging.getLogger(__name__)

__all__ = [
    "CARD_FILES",
    "CHAMPION_ALIAS",
    "REGISTERED_MODEL",
    "ModelVersionInfo",
    "TrackingError",
    "UndocumentedVersionError",
    "UnknownVersionError",
    "champion_version",
    "check_reachable",
    "describe_version",
    "list_versions",
    "load_champion",
    "promote_version",
    "read_card",
    "resolve_tracking_uri",
]

REGISTERED_MODEL = "werkkans-ranker"
CHAMPION_ALIAS = "champion"
_PROBE_TIMEOUT_S = 3.0
_DEFAULT_PORTS = {"http": 80, "https": 443, "postgresql": 5432, "mysql": 3306, "mssql": 1433}


class TrackingError(RuntimeError):
    """The MLflow tracking store cannot be used (unreachable, refused, inconsistent)."""


class UnknownVersionError(TrackingError):
    """The registry has no such version of the ranker."""


class UndocumentedVersionError(ValueError):
    """A version without its model card and algorithm-register entry: never promoted."""


#: The files every registered version's run carries (written by ``training.model_card``).
CARD_FILES = ("model_card.json", "model_card.md", "algorithm_register.json", "algorithm_register.md")


def _missing_card_files(client: MlflowClient, run_id: str | None) -> list[str]:
    if not run_id:
        return list(CARD_FILES)
    present = {f.path for f in client.list_artifacts(run_id)}
    return [name for name in CARD_FILES if name not in present]


def read_card(tracking_uri: str, version: str | None = None, name: str = "model_card.md") -> str:
    """One of a version's card files (the champion's when ``version`` is None) as text.

    Raises
    ------
    UnknownVersionError
        No such version, or no champion yet.
    UndocumentedVersionError
        The version was registered without the file (before cards existed).
    """
    if name not in CARD_FILES:
        raise ValueError(f"name must be one of {CARD_FILES}, got {name!r}")
    if _never_used(resolve_tracking_uri(tracking_uri)):
        raise UnknownVersionError(f"{REGISTERED_MODEL}: nothing was registered yet")
    client, uri = tracking_client(tracking_uri)
    with mlflow_errors(f"read the card of version {version or CHAMPION_ALIAS}", uri):
        if version is None:
            version = current_champion(client)
            if version is None:
                raise UnknownVersionError(f"{REGISTERED_MODEL} has no champion yet")
        mv = _get_version(client, version)
        if name in _missing_card_files(client, mv.run_id):
            raise UndocumentedVersionError(
                f"version {mv.version} has no {name}: it was registered before model cards "
                "existed; train again to get one"
            )
        with tempfile.TemporaryDirectory(prefix="werkkans-card-") as tmp:
            return Path(client.download_artifacts(mv.run_id, name, tmp)).read_text(encoding="utf-8")


# --------------------------------------------------------------------------------------------
# URIs and the client
# --------------------------------------------------------------------------------------------


def resolve_tracking_uri(uri: str) -> str:
    """The URI MLflow is given: file stores become a SQLite store beside the folder.

    Examples
    --------
    >>> resolve_tracking_uri("file:///srv/mlruns")
    'sqlite:////srv/mlruns.db'
    >>> resolve_tracking_uri("http://mlflow.internal:5000")
    'http://mlflow.internal:5000'
    """
    parsed = urlparse(uri)
    if parsed.scheme == "file" or (parsed.scheme == "" and uri):
        folder = (
            Path(unquote(parsed.path) if parsed.scheme == "file" else uri).expanduser().resolve()
        )
        return f"sqlite:///{folder.parent / (folder.name + '.db')}"
    return uri


def sqlite_path(uri: str) -> Path | None:
    if uri.startswith("sqlite:///"):
        path = uri[len("sqlite:///") :]
        return None if path in ("", ":memory:") else Path(path)
    return None


def check_reachable(tracking_uri: str) -> str:
    """Raise :class:`TrackingError` unless the tracking store can be reached; returns the resolved URI.

    Network stores get a quick TCP probe (MLflow itself would retry for
    minutes); a SQLite store needs a folder that exists or can be created.
    """
    uri = resolve_tracking_uri(tracking_uri)
    path = sqlite_path(uri)
    if path is not None:
        folder = path.parent
        existing = folder
        while not existing.exists() and existing != existing.parent:
            existing = existing.parent
        if not existing.is_dir() or not os.access(existing, os.W_OK):
            raise TrackingError(
                f"MLflow tracking store {uri} cannot be created: {existing} is not a writable folder"
            )
        return uri
    parsed = urlparse(uri)
    scheme = parsed.scheme.split("+")[0]
    if parsed.hostname:
        port = parsed.port or _DEFAULT_PORTS.get(scheme)
        if port is not None:
            try:
                with socket.create_connection((parsed.hostname, port), timeout=_PROBE_TIMEOUT_S):
                    pass
            except OSError as exc:
                raise TrackingError(
                    f"MLflow tracking store {redacted_uri(uri)} cannot be reached ({parsed.hostname}:{port}: "
                    f"{exc.strerror or exc}); nothing was logged and the champion is unchanged"
                ) from exc
    return uri


def redacted_uri(uri: str) -> str:
    """The URI without a password."""
    return re.sub(r"//([^:/@]+):[^@/]*@", r"//\1:***@", uri)


@contextmanager
def mlflow_errors(action: str, uri: str) -> Iterator[None]:
    """Turn any MLflow or I/O failure into a TrackingError naming the action and store."""
    from mlflow.exceptions import MlflowException

    try:
        yield
    except TrackingError:
        raise
    except (MlflowException, OSError, ConnectionError) as exc:
        raise TrackingError(f"MLflow tracking store {redacted_uri(uri)}: cannot {action}: {exc}") from exc
    except Exception as exc:
        if type(exc).__module__.startswith(("sqlalchemy", "requests", "urllib3")):
            raise TrackingError(
                f"MLflow tracking store {redacted_uri(uri)}: cannot {action}: {exc}"
            ) from exc
        raise


def _never_used(uri: str) -> bool:
    """A local SQLite store that does not exist yet: nothing was ever logged there."""
    path = sqlite_path(uri)
    return path is not None and not path.exists()


def tracking_client(tracking_uri: str) -> tuple[MlflowClient, str]:
    uri = check_reachable(tracking_uri)
    from mlflow.tracking import MlflowClient

    with mlflow_errors("open the store", uri):
        return MlflowClient(tracking_uri=uri, registry_uri=uri), uri


def _is_missing(exc: Exception) -> bool:
    code = getattr(exc, "error_code", "")
    return code == "RESOURCE_DOES_NOT_EXIST" or (
        code == "INVALID_PARAMETER_VALUE" and "alias" in str(exc) and "not found" in str(exc)
    )


# --------------------------------------------------------------------------------------------
# The registry
# --------------------------------------------------------------------------------------------


def current_champion(client: MlflowClient) -> str | None:
    from mlflow.exceptions import MlflowException

    try:
        return str(client.get_model_version_by_alias(REGISTERED_MODEL, CHAMPION_ALIAS).version)
    except MlflowException as exc:
        if _is_missing(exc):
            return None
        raise


def load_version(client: MlflowClient, uri: str, version: str) -> RankerBundle:
    import mlflow

    model_version = client.get_model_version(REGISTERED_MODEL, str(version))
    with tempfile.TemporaryDirectory(prefix="werkkans-bundle-") as tmp:
        path = mlflow.artifacts.download_artifacts(
            artifact_uri=model_version.source, dst_path=tmp, tracking_uri=uri
        )
        return RankerBundle.load(
            path, expected_features=FEATURE_NAMES, version_label=f"{REGISTERED_MODEL}/{version}"
        )


def champion_version(tracking_uri: str) -> str | None:
    """The registry version the ``champion`` alias points at (without loading it), or None.

    Raises
    ------
    TrackingError
        The store cannot be reached or read.
    """
    if _never_used(resolve_tracking_uri(tracking_uri)):
        return None
    client, uri = tracking_client(tracking_uri)
    with mlflow_errors("look up the champion", uri):
        return current_champion(client)


def load_champion(tracking_uri: str) -> RankerBundle | None:
    """The bundle the ``champion`` alias points at, or None when nothing was promoted yet.

    The bundle's ``version`` is ``"werkkans-ranker/<registry version>"``.

    Raises
    ------
    TrackingError
        The store cannot be reached or read.
    BundleError
        The champion is a bundle this werkkans cannot use (another format
        version, features it cannot compute).
    """
    if _never_used(resolve_tracking_uri(tracking_uri)):
        return None  # do not create an empty store (and wait for its migrations) just to look
    client, uri = tracking_client(tracking_uri)
    with mlflow_errors("load the champion", uri):
        version = current_champion(client)
        if version is None:
            return None
        bundle = load_version(client, uri, version)
    logger.info("loaded champion %s from %s", bundle.version, redacted_uri(uri))
    return bundle


@dataclass(frozen=True)
class ModelVersionInfo:
    """One registered version of the ranker."""

    version: str
    run_id: str | None
    created_at: str
    aliases: tuple[str, ...]
    tags: dict[str, str]
    description: str
    source: str
    metrics: dict[str, float] = field(default_factory=dict)

    @property
    def is_champion(self) -> bool:
        return CHAMPION_ALIAS in self.aliases

    def to_dict(self) -> dict[str, Any]:
        return {
            "model": REGISTERED_MODEL,
            "version": self.version,
            "champion": self.is_champion,
            "aliases": list(self.aliases),
            "run_id": self.run_id,
            "created_at": self.created_at,
            "ndcg_at_10": self.tags.get("ndcg_at_10"),
            "training_period": self.tags.get("training_period"),
            "promotion": self.tags.get("promotion"),
            "description": self.description,
            "tags": self.tags,
            "metrics": self.metrics,
        }


def _info(client: MlflowClient, mv: Any, *, with_metrics: bool = False) -> ModelVersionInfo:
    import datetime as dt

    created = dt.datetime.fromtimestamp((mv.creation_timestamp or 0) / 1000, dt.UTC)
    metrics: dict[str, float] = {}
    if with_metrics and mv.run_id:
        metrics = {
            k: v
            for k, v in client.get_run(mv.run_id).data.metrics.items()
            if k.startswith(("test/", "gate/"))
        }
    return ModelVersionInfo(
        version=str(mv.version),
        run_id=mv.run_id,
        created_at=created.isoformat(timespec="seconds"),
        aliases=tuple(getattr(mv, "aliases", None) or ()),
        tags=dict(mv.tags or {}),
        description=mv.description or "",
        source=mv.source,
        metrics=metrics,
    )


def list_versions(tracking_uri: str) -> list[ModelVersionInfo]:
    """Every registered version of ``werkkans-ranker``, newest first (empty if none)."""
    if _never_used(resolve_tracking_uri(tracking_uri)):
        return []
    client, uri = tracking_client(tracking_uri)
    with mlflow_errors("list model versions", uri):
        found = client.search_model_versions(f"name='{REGISTERED_MODEL}'")
        # search results may lack aliases; read each version for them
        versions = [client.get_model_version(REGISTERED_MODEL, mv.version) for mv in found]
        return sorted((_info(client, mv) for mv in versions), key=lambda i: -int(i.version))


def describe_version(tracking_uri: str, version: str | None = None) -> ModelVersionInfo | None:
    """One version with its run's test metrics; the champion when ``version`` is None.

    Returns None when there is no champion (``version`` None) yet.

    Raises
    ------
    TrackingError
        Unknown version or unreachable store.
    """
    if _never_used(resolve_tracking_uri(tracking_uri)):
        if version is None:
            return None
        raise UnknownVersionError(
            f"{REGISTERED_MODEL} has no version {version}: nothing was registered yet"
        )
    client, uri = tracking_client(tracking_uri)
    with mlflow_errors(f"read version {version or CHAMPION_ALIAS}", uri):
        if version is None:
            version = current_champion(client)
            if version is None:
                return None
        return _info(client, _get_version(client, version), with_metrics=True)


def _get_version(client: MlflowClient, version: str) -> Any:
    from mlflow.exceptions import MlflowException

    if not str(version).isdigit():
        raise UnknownVersionError(f"a model version is a number, got {version!r}")
    try:
        return client.get_model_version(REGISTERED_MODEL, str(version))
    except MlflowException as exc:
        if _is_missing(exc):
            raise UnknownVersionError(f"{REGISTERED_MODEL} has no version {version}") from exc
        raise


def promote_version(
    tracking_uri: str, version: str, *, reason: str = "promoted by hand"
) -> ModelVersionInfo:
    """Point the ``champion`` alias at a version by hand (bypasses the gate; recorded as a tag).

    The bundle is loaded first, so a version the service could not use is refused.
    """
    if _never_used(resolve_tracking_uri(tracking_uri)):
        raise UnknownVersionError(
            f"{REGISTERED_MODEL} has no version {version}: nothing was registered yet"
        )
    client, uri = tracking_client(tracking_uri)
    with mlflow_errors(f"promote version {version}", uri):
        mv = _get_version(client, version)
        missing = _missing_card_files(client, mv.run_id)
        if missing:
            raise UndocumentedVersionError(
                f"version {mv.version} has no {', '.join(missing)}: a model is promoted only "
                "with its model card and algorithm-register entry (train again to get them)"
            )
        load_version(client, uri, str(mv.version))  # raises BundleError if unusable
        client.set_model_version_tag(REGISTERED_MODEL, str(mv.version), "promotion", "manual")
        client.set_model_version_tag(
            REGISTERED_MODEL, str(mv.version), "promotion_reason", reason[:5000]
        )
        client.set_registered_model_alias(REGISTERED_MODEL, CHAMPION_ALIAS, str(mv.version))
        return _info(client, client.get_model_version(REGISTERED_MODEL, str(mv.version)))
