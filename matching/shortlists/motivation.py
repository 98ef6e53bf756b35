"""What candidates' own words about their motivation say about their chances.

People describe why they want to work, and how, in their own words: "ik sta
te springen om te beginnen", "ik weet niet of ik het al kan". Nobody
wrote a list of such phrases here; :class:`MotivationModel` learns which
directions of the Dutch sentence embeddings go with engagement:

1. the motivation sentences of every profile are embedded and reduced to
   their main directions (PCA, fitted on the profiles alone);
2. a candidate is the mean of their sentences in those directions;
3. a logistic regression learns, from the history, which directions go with
   turning up when invited and with a table conversation leading to a
   follow-up (two tasks that share the directions, each with its own
   intercept), strongly regularised.

Its score is a candidate-side feature of the ranker. For the training rows
it is computed out of fold (:meth:`MotivationModel.fit` keeps each
candidate's score from a model fitted without them), so no pair sees its own
outcome through it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

import numpy as np
from joblib import delayed

from matching.records.schemas import Candidate
from matching.shortlists.occupation_fields import sentences
from models.fit_jobs import run_jobs

logger = logging.getLogger(__name__)

#: Candidates' scores out of fold come from this many folds of candidates.
FOLDS = 5


def motivation_sentences(candidate: Candidate) -> list[str]:
    return sentences(candidate.motivation)


class MotivationModel:
    """Motivation text -> a score learned from attendance and follow-ups.

    Parameters
    ----------
    dims : int, default=32
        Directions kept from the sentence embeddings.
    C : float, default=0.01
        Inverse L2 strength of the logistic regression (on standardised directions).
    """

    def __init__(self, *, dims: int = 32, C: float = 0.01) -> None:
        self.dims = dims
        self.C = C

    def represent(
        self, candidates: Sequence[Candidate], sentence_vectors: Mapping[str, np.ndarray]
    ) -> np.ndarray:
        """(n, dims) mean of each candidate's motivation sentences in the fitted directions."""
        out = np.zeros((len(candidates), self.components_.shape[0]))
        for i, c in enumerate(candidates):
            found = motivation_sentences(c)
            if found:
                X = np.asarray([sentence_vectors[s] for s in found]) - self.mean_
                out[i] = (X @ self.components_.T / self.scale_).mean(axis=0)
        return out

    def fit(
        self,
        candidates: Sequence[Candidate],
        sentence_vectors: Mapping[str, np.ndarray],
        events: Sequence[tuple[int, int, bool]],
    ) -> MotivationModel:
        """Learn the directions from every profile and their weights from ``events``.

        ``events`` holds ``(candidate row, task, happened)``: task 0 an
        invitation (did they come), task 1 a table conversation (did it lead
        to a follow-up or more).
        """
        from sklearn.decomposition import PCA

        unique = sorted({s for c in candidates for s in motivation_sentences(c)})
        if len(unique) < 3:
            raise ValueError(
                f"only {len(unique)} distinct motivation sentences: too few to learn what they say"
            )
        X = np.asarray([sentence_vectors[s] for s in unique])
        dims = min(self.dims, len(unique) - 1, X.shape[1])
        pca = PCA(n_components=dims, random_state=0).fit(X)
        self.mean_ = pca.mean_
        self.components_ = pca.components_
        self.scale_ = np.sqrt(pca.explained_variance_)
        rows = np.array([r for r, _, _ in events], dtype=np.int64)
        task = np.array([t for _, t, _ in events], dtype=float)
        y = np.array([h for _, _, h in events], dtype=int)
        if rows.size == 0 or y.min() == y.max():
            raise ValueError("the history holds no invitations or conversations with both results")
        Z = self.represent(candidates, sentence_vectors)
        design = np.column_stack([Z[rows], task])
        # out of fold: candidates dealt to folds; a candidate's score from the model without
        # them. The fits are independent jobs: on a thread per core, or on the batch run's
        # workers when there are any.
        people = np.unique(rows)
        fold_of = dict(zip(people, np.random.default_rng(0).permutation(people.size) % FOLDS, strict=True))
        fold = np.array([fold_of[r] for r in rows])
        folds = [f for f in range(FOLDS) if (fold == f).any() and y[fold != f].min() < y[fold != f].max()]
        masks = [np.ones(rows.size, dtype=bool), *(fold != f for f in folds)]
        weights = run_jobs([delayed(_weights)(design, y, mask, self.C, dims) for mask in masks], n_jobs=-1)
        self.weights_ = weights[0]
        self.out_of_fold_: dict[str, float] = {}  # candidate id -> score
        for f, fold_weights in zip(folds, weights[1:], strict=True):
            for r in np.unique(rows[fold == f]):
                self.out_of_fold_[candidates[int(r)].id] = float(Z[r] @ fold_weights)
        logger.info(
            "motivation text: %d sentences, %d events of %d candidates", len(unique), rows.size, people.size
        )
        return self

    def score(self, represented: np.ndarray) -> np.ndarray:
        """Score of each candidate row of :meth:`represent`'s output."""
        scores: np.ndarray = represented @ self.weights_
        return scores


def _weights(design: np.ndarray, y: np.ndarray, rows: np.ndarray, C: float, dims: int) -> np.ndarray:
    """The directions' weights of a logistic regression fitted on ``rows`` of the design."""
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, max_iter=3000).fit(design[rows], y[rows])
    return np.asarray(model.coef_[0][:dims])
