"""Builds the long-lived parts (store, text space, index, shortlist engine) from settings.

The CLI and the HTTP service both start here, so a shortlist on the command
line and one in the browser come from the same pipeline and the same model.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

from api.settings import Settings
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.retrieval import RetrievalIndex
from matching.shortlists.shortlist import PairScorer
from matching.shortlists.text_space import TextSpace

logger = logging.getLogger(__name__)


@dataclass
class Services:
    settings: Settings
    store: Store
    space: TextSpace
    index: RetrievalIndex
    engine: ShortlistEngine

    def reload_model(self) -> str:
        """Load the promoted model again (after a retrain); returns what now scores."""
        self.engine.set_scorer(load_scorer(self.settings))
        return self.engine.scored_by


def text_space(settings: Settings) -> TextSpace:
    return TextSpace.create(settings.home, settings.model)


def load_scorer(settings: Settings) -> PairScorer | None:
    """The promoted ranker bundle from the tracking store, or None when there is none."""
    from matching.serving.model_registry import TrackingError, load_champion

    try:
        return load_champion(settings.effective_tracking_uri)
    except TrackingError as exc:
        logger.warning("no model in service, ranking by similarity: %s", exc)
        return None


def open_services(
    settings: Settings, *, store: Store | None = None, with_model: bool = True
) -> Services:
    store = store or Store(settings.db_url)
    space = text_space(settings)
    index = RetrievalIndex(space, settings.home / "index")
    scorer = load_scorer(settings) if with_model else None
    engine = ShortlistEngine(store, index, scorer=scorer)
    return Services(settings=settings, store=store, space=space, index=index, engine=engine)
