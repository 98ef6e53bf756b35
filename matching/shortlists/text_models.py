"""The parts of the ranker that read text, learned at training time and kept with the model.

:class:`TextModels` holds the occupational fields
(:class:`~matching.shortlists.occupation_fields.FieldModel`) and the motivation
reading (:class:`~matching.shortlists.motivation.MotivationModel`). Training
fits both on the store's history and saves them in the model bundle; the
shortlist engine applies the ones of the model in service to its pool, so a
model always reads text the way it was trained to.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import numpy as np

from matching.records.schemas import Candidate, WorkNeed
from matching.shortlists.features import FIELD_FEATURES
from matching.shortlists.motivation import MotivationModel
from matching.shortlists.occupation_fields import (
    CandidateFields,
    FieldModel,
    WorkFields,
    field_features,
    skill_level,
)
from matching.shortlists.row_blocks import RowBlocks
from matching.shortlists.text_space import TextSpace, candidate_sentences

logger = logging.getLogger(__name__)

ProgressCallback = Callable[[int, int], None]


@dataclass(frozen=True)
class CandidateSide:
    """The text models' reading of a list of candidates; row ``i`` is candidate ``i``.

    Kept in blocks of rows (:class:`~matching.shortlists.row_blocks.RowBlocks`): a pool moves
    on by a profile edit with the edited rows' blocks copied, not the whole reading.
    """

    desired: RowBlocks  # (n, k) item ids of the desired occupations, -1 padded
    text: RowBlocks  # (n, rank)
    words: RowBlocks  # (n, rank)
    motivation: RowBlocks  # (n,)

    @classmethod
    def of(cls, fields: CandidateFields, motivation: np.ndarray) -> CandidateSide:
        return cls(RowBlocks(fields.desired), RowBlocks(fields.text), RowBlocks(fields.words), RowBlocks(motivation))

    def fields(self, rows: np.ndarray) -> CandidateFields:
        """The fields of the candidates in ``rows``, row for row."""
        return CandidateFields(self.desired[rows], self.text[rows], self.words[rows])

    def take(self, rows: np.ndarray) -> CandidateSide:
        """The reading of the candidates in ``rows``."""
        return CandidateSide.of(self.fields(rows), self.motivation[rows])

    def with_rows(self, rows: np.ndarray, other: CandidateSide) -> CandidateSide:
        """The reading with ``rows`` replaced by ``other``'s rows (as many desired occupations
        wide as the wider of the two); only the blocks they fall in are copied."""
        mine, theirs = self.desired.shape[1], other.desired.shape[1]
        desired = self.desired if mine >= theirs else RowBlocks(_padded(self.desired.whole, theirs))
        return CandidateSide(
            desired.with_rows(rows, _padded(other.desired.whole, max(mine, theirs))),
            self.text.with_rows(rows, other.text.whole),
            self.words.with_rows(rows, other.words.whole),
            self.motivation.with_rows(rows, other.motivation.whole),
        )

    @classmethod
    def gather(cls, parts: Sequence[tuple[CandidateSide, np.ndarray]]) -> CandidateSide:
        """The readings of each part's candidates in ``rows``, in order, copied once."""
        width = max(side.desired.shape[1] for side, _ in parts)
        return cls(
            RowBlocks(np.concatenate([_padded(side.desired[rows], width) for side, rows in parts])),
            RowBlocks.gather([(side.text, rows) for side, rows in parts]),
            RowBlocks.gather([(side.words, rows) for side, rows in parts]),
            RowBlocks.gather([(side.motivation, rows) for side, rows in parts]),
        )


def _padded(desired: np.ndarray, width: int) -> np.ndarray:
    """Desired occupations padded with -1 to ``width`` columns."""
    return np.pad(desired, ((0, 0), (0, width - desired.shape[1])), constant_values=-1)


class TextModels:
    """Occupational fields and motivation reading, fitted together (see the module docstring)."""

    def __init__(self, fields: FieldModel | None = None, motivation: MotivationModel | None = None) -> None:
        self.fields = fields or FieldModel()
        self.motivation = motivation or MotivationModel()

    def fit(
        self,
        candidates: Sequence[Candidate],
        needs: Sequence[WorkNeed],
        space: TextSpace,
        events: Sequence[tuple[int, int, bool]],
        *,
        progress: ProgressCallback | None = None,
    ) -> TextModels:
        """Learn from ``candidates``' profiles, ``needs``' texts and the engagement ``events``
        (``(candidate row, task, happened)``, see :meth:`MotivationModel.fit`)."""
        vectors = space.sentence_vectors(
            (s for c in candidates for s in candidate_sentences(c)), progress=progress
        )
        need_vectors = space.work_need_vectors(needs).dense
        self.fields.fit(candidates, needs, vectors, need_vectors)
        self.motivation.fit(candidates, vectors, events)
        return self

    def candidate_side(
        self,
        candidates: Sequence[Candidate],
        space: TextSpace,
        *,
        out_of_fold: bool = False,
        progress: ProgressCallback | None = None,
    ) -> CandidateSide:
        """Fields and motivation scores; with ``out_of_fold`` the training candidates get the
        score of the motivation model fitted without them."""
        vectors = space.sentence_vectors(
            (s for c in candidates for s in candidate_sentences(c)), progress=progress
        )
        motivation = self.motivation.score(self.motivation.represent(candidates, vectors))
        if out_of_fold:
            held = self.motivation.out_of_fold_
            motivation = np.array(
                [held.get(c.id, m) for c, m in zip(candidates, motivation, strict=True)], dtype=float
            )
        return CandidateSide.of(self.fields.candidate_fields(candidates, vectors), motivation)

    def work_side(self, needs: Sequence[WorkNeed], need_vectors: np.ndarray) -> WorkFields:
        return self.fields.work_fields(needs, need_vectors)

    def pair_fields(
        self, cand: CandidateSide, work: WorkFields, cand_rows: np.ndarray, work_rows: np.ndarray
    ) -> tuple[Mapping[str, np.ndarray], np.ndarray, np.ndarray]:
        """(field features, ISCO skill level of the work, motivation score) of aligned pairs."""
        found = field_features(cand.fields(cand_rows), work, np.arange(len(cand_rows)), work_rows, self.fields.items_)
        assert set(found) == set(FIELD_FEATURES)
        skills = np.array([skill_level(int(i)) for i in work.item], dtype=float)
        return found, skills[work_rows], cand.motivation[cand_rows]
