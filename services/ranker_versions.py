"""The ranker's registered versions: list them, show one, evaluate the champion, promote.

Versions live in the MLflow registry (:mod:`matching.serving.model_registry`);
the ``champion`` alias names the one in service. Promoting by hand bypasses
the gate of :func:`services.retraining.retrain` and is recorded on the version.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Literal

from pydantic import BaseModel, Field

from matching.records.storage import Store
from matching.serving.model_registry import (
    ModelVersionInfo,
    TrackingError,
    UndocumentedVersionError,
    UnknownVersionError,
    describe_version,
    list_versions,
    load_champion,
    promote_version,
    read_card,
    resolve_tracking_uri,
)
from matching.shortlists.text_space import TextSpace
from models.bundle import BundleError
from services.errors import InvalidInput, NotFound, Unavailable
from services.runtime import Runtime

if TYPE_CHECKING:
    from training.evaluate import EvaluationReport

__all__ = [
    "ChampionOut",
    "ModelVersionOut",
    "champion",
    "describe",
    "evaluate_champion",
    "promote",
    "reload_champion",
    "versions",
]

Progress = Callable[[str, float], None]


class ModelVersionOut(BaseModel):
    version: str
    champion: bool
    aliases: list[str]
    run_id: str | None
    created_at: str
    ndcg_at_10: str | None = None
    training_period: str | None = None
    promotion: str | None = None
    description: str = ""
    metrics: dict[str, float] = Field(default_factory=dict)


class ChampionOut(BaseModel):
    in_service: str = Field(
        description="What ranks shortlists now: a model version or 'similarity' (no trained model)."
    )
    champion: ModelVersionOut | None = Field(description="The registry's champion, if any.")


def version_out(info: ModelVersionInfo) -> ModelVersionOut:
    return ModelVersionOut(**info.to_dict())


def versions(tracking_uri: str) -> list[ModelVersionInfo]:
    """Every registered version, newest first; :class:`Unavailable` when the store is not."""
    try:
        return list_versions(resolve_tracking_uri(tracking_uri))
    except TrackingError as exc:
        raise Unavailable(f"model registry: {exc}") from None


def describe(tracking_uri: str, version: str | None = None) -> ModelVersionInfo | None:
    """One version (default the champion, None when there is none yet)."""
    try:
        return describe_version(resolve_tracking_uri(tracking_uri), version)
    except UnknownVersionError as exc:
        raise NotFound("version", version or "champion", str(exc)) from None
    except TrackingError as exc:
        raise Unavailable(f"model registry: {exc}") from None


CardKind = Literal["model_card", "algorithm_register"]


def card(
    tracking_uri: str, version: str | None = None, *, kind: CardKind = "model_card",
    form: Literal["md", "json"] = "md",
) -> str:
    """A version's model card or algorithm-register entry (default the champion's).

    :class:`NotFound` for an unknown version or no champion; :class:`InvalidInput`
    for a version registered before cards existed.
    """
    try:
        return read_card(resolve_tracking_uri(tracking_uri), version, f"{kind}.{form}")
    except UnknownVersionError as exc:
        raise NotFound("version", version or "champion", str(exc)) from None
    except TrackingError as exc:
        raise Unavailable(f"model registry: {exc}") from None
    except UndocumentedVersionError as exc:
        raise InvalidInput.of("version", str(exc), where="path") from None


def champion(runtime: Runtime) -> ChampionOut:
    """What ranks shortlists in this service now, and the registry's champion."""
    info = describe(runtime.config.tracking_uri)
    return ChampionOut(
        in_service=runtime.engine.scored_by,
        champion=version_out(info) if info else None,
    )


def reload_champion(runtime: Runtime) -> ChampionOut:
    """Load the registry's champion into the running service (after a promotion elsewhere)."""
    try:
        in_service = runtime.reload_model()
    except TrackingError as exc:
        raise Unavailable(f"model registry: {exc}") from None
    info = describe(runtime.config.tracking_uri)
    return ChampionOut(in_service=in_service, champion=version_out(info) if info else None)


def promote(
    tracking_uri: str,
    version: str,
    *,
    reason: str | None = None,
    reload: Callable[[], str] | None = None,
) -> tuple[ModelVersionInfo, str | None]:
    """Make a version the champion by hand; with ``reload`` the service loads it.

    Returns the version and what scores in the service afterwards (None
    without ``reload``). :class:`NotFound` for an unknown version,
    :class:`InvalidInput` for a bundle this werkkans cannot use.
    """
    uri = resolve_tracking_uri(tracking_uri)
    try:
        info = (
            promote_version(uri, version)
            if reason is None
            else promote_version(uri, version, reason=reason)
        )
        in_service = reload() if reload is not None else None
    except UnknownVersionError as exc:
        raise NotFound("version", version, str(exc)) from None
    except TrackingError as exc:
        raise Unavailable(f"model registry: {exc}") from None
    except ValueError as exc:  # a bundle this werkkans cannot use
        raise InvalidInput.of("version", str(exc), where="path") from None
    return info, in_service


def evaluate_champion(
    store: Store,
    space: TextSpace,
    tracking_uri: str,
    *,
    holdout_months: int = 3,
    municipality: str | None = None,
    progress: Progress | None = None,
) -> tuple[EvaluationReport, bool]:
    """The champion's metrics (and the similarity baselines') on the latest held-out months.

    Returns the report and whether there was a champion to evaluate.
    """
    from training.dataset import build_dataset
    from training.evaluate import evaluate_store
    from training.pair_featurizer import DatasetError

    try:
        bundle = load_champion(resolve_tracking_uri(tracking_uri))
    except (TrackingError, BundleError) as exc:
        raise Unavailable(str(exc)) from None
    try:
        dataset = build_dataset(
            store, text_space=space, municipality=municipality, progress=progress
        )
        report = evaluate_store(
            store, text_space=space, bundle=bundle, holdout_months=holdout_months, dataset=dataset
        )
    except DatasetError as exc:
        raise InvalidInput.of("history", str(exc)) from None
    except BundleError as exc:
        raise Unavailable(str(exc)) from None
    return report, bundle is not None

