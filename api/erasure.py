"""What an erasure must reach outside the database, given the running services.

:func:`matching.privacy.erasure.erase_candidate` does the database part and calls
these *removers* with the candidate record before it commits.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from api.services import Services
from matching.records.schemas import Candidate
from matching.shortlists.text_space import candidate_text


def removers(services: Services, caches: Sequence[Any] = ()) -> list[Callable[[Candidate], object]]:
    """Removal from the vector index, the embedding caches and the service's own caches."""

    def vector_index(candidate: Candidate) -> bool:
        return services.index.remove_candidate(candidate.id)

    def embedding_cache(candidate: Candidate) -> int:
        return services.space.forget([candidate_text(candidate)])

    def service_caches(candidate: Candidate) -> int:
        for cache in caches:
            cache.clear()  # cheap to refill; simpler than finding every entry naming them
        return len(caches)

    return [vector_index, embedding_cache, service_caches]
