"""The long-lived parts every use case works with: store, text space, index, engine.

The command line and the HTTP service both start here, so a shortlist on the
command line and one in the browser come from the same pipeline and the same
model. What this needs of the settings is handed in as a
:class:`RuntimeConfig`; reading the settings is the front end's job.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from matching.privacy import erasure
from matching.privacy.audit_writer import AuditWriter
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.fair_exposure import ExposurePolicy
from matching.shortlists.retrieval import RetrievalIndex
from matching.shortlists.shortlist import PairScorer, ShortlistConfig
from matching.shortlists.text_space import TextSpace
from matching.sroi.prices import PriceList
from matching.sroi.settings import SroiSettings

__all__ = [
    "Runtime",
    "RuntimeConfig",
    "index_folder",
    "load_scorer",
    "new_audit_writer",
    "open_runtime",
    "prepare_store",
    "text_space",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class RuntimeConfig:
    """Where the runtime parts live.

    Attributes
    ----------
    home : Path
        Folder of the vector index and the embedding cache.
    model : str or None
        Sentence-transformers model directory or name; None for the bundled one.
    tracking_uri : str
        The MLflow tracking store holding the ranker.
    fair_exposure : ExposurePolicy or None
        The municipality's bounds on protected groups' share of a shortlist's
        top; None (the default) leaves lists as the model ranks them.
    prices, sroi_settings : optional
        The municipality's SROI price list and settings, for the report and the
        planner's value objective; None: the built-in defaults.
    """

    home: Path
    model: str | None
    tracking_uri: str
    fair_exposure: ExposurePolicy | None = None
    prices: PriceList | None = None
    sroi_settings: SroiSettings | None = None

    @property
    def valuation(self) -> dict[str, Any]:
        """``prices`` and ``sroi_settings`` as keyword arguments (the report, a plan request)."""
        return {"prices": self.prices, "sroi_settings": self.sroi_settings}


@dataclass
class Runtime:
    """The store and the engine with its text space and index, as one service holds them."""

    config: RuntimeConfig
    store: Store
    space: TextSpace
    index: RetrievalIndex
    engine: ShortlistEngine

    def reload_model(self) -> str:
        """Load the promoted model again (after a retrain); returns what now scores."""
        self.engine.set_scorer(load_scorer(self.config))
        return self.engine.scored_by


def text_space(config: RuntimeConfig) -> TextSpace:
    return TextSpace.create(config.home, config.model)


def index_folder(config: RuntimeConfig, store: Store) -> Path:
    """Where ``store``'s vector index lives: filed under the database's identity, so two
    databases sharing one home never share (and keep rebuilding) one index."""
    return config.home / "index" / store.database_id


def load_scorer(config: RuntimeConfig) -> PairScorer | None:
    """The promoted ranker bundle from the tracking store, or None when there is none."""
    from matching.serving.model_registry import TrackingError, load_champion

    try:
        return load_champion(config.tracking_uri)
    except TrackingError as exc:
        logger.warning("no model in service, ranking by similarity: %s", exc)
        return None


def open_runtime(config: RuntimeConfig, *, store: Store, with_model: bool = True) -> Runtime:
    """Text space, retrieval index and shortlist engine over ``store``.

    With ``with_model`` the champion of the tracking store scores; without
    one (or when there is none) shortlists rank by similarity and say so.
    """
    space = text_space(config)
    index = RetrievalIndex(space, index_folder(config, store))
    scorer = load_scorer(config) if with_model else None
    engine = ShortlistEngine(
        store, index, scorer=scorer, config=ShortlistConfig(fair_exposure=config.fair_exposure)
    )
    return Runtime(config=config, store=store, space=space, index=index, engine=engine)


def prepare_store(store: Store) -> None:
    """Create the tables the use cases write besides the records (audit log, overrides,
    erasure tombstones, shared answers) in a store opened before they were known."""
    erasure.ensure_tables(store)


def new_audit_writer(store: Store) -> AuditWriter:
    """The background writer of the audit log; entries about erased candidates are scrubbed."""
    return AuditWriter(store, scrub=erasure.audit_scrubber(store))
