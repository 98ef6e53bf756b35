"""Motivation read from candidates' own sentences, learned from whether they came and what followed."""

from __future__ import annotations

import numpy as np
import pytest
from factories import make_candidate

from matching.shortlists.motivation import MotivationModel, motivation_sentences

KEEN = ["Ik sta te springen om te beginnen.", "Ik wil heel graag aan het werk.", "Zeer gemotiveerd."]
DOUBT = ["Ik weet niet of ik het al kan.", "Twijfelt of werk haalbaar is.", "Vindt het spannend."]


def _vector(sentence: str) -> np.ndarray:
    rng = np.random.default_rng(abs(hash(sentence)) % 2**32)
    v = rng.normal(scale=0.3, size=16)
    v[3] += 1.0 if sentence in KEEN else -1.0 if sentence in DOUBT else 0.0
    return v


@pytest.fixture(scope="module")
def world():
    rng = np.random.default_rng(0)
    candidates, keen = [], []
    for i in range(300):
        is_keen = bool(i % 2)
        pool = KEEN if is_keen else DOUBT
        text = " ".join([f"Reden {i % 17}: ik wil weer meedoen.", pool[rng.integers(3)]])
        candidates.append(make_candidate(f"C{i}", motivation=text))
        keen.append(is_keen)
    vectors = {s: _vector(s) for c in candidates for s in motivation_sentences(c)}
    events = []
    for row, k in enumerate(keen):
        for _ in range(3):  # invitations: the keen come more often
            events.append((row, 0, bool(rng.random() < (0.9 if k else 0.6))))
        events.append((row, 1, bool(rng.random() < (0.35 if k else 0.15))))
    return candidates, vectors, events, np.array(keen)


def test_the_keen_score_higher_and_out_of_fold_scores_exist(world):
    candidates, vectors, events, keen = world
    model = MotivationModel(dims=8, C=0.1).fit(candidates, vectors, events)
    score = model.score(model.represent(candidates, vectors))
    assert score[keen].mean() > score[~keen].mean()
    assert (np.sort(score[keen])[len(score) // 10 :] > np.median(score[~keen])).mean() > 0.8
    oof = np.array([model.out_of_fold_[c.id] for c in candidates])
    assert oof[keen].mean() > oof[~keen].mean()
    assert not np.allclose(oof, score)  # each from a model that did not see the candidate


def test_a_profile_without_motivation_scores_zero(world):
    candidates, vectors, events, _ = world
    model = MotivationModel(dims=8).fit(candidates, vectors, events)
    empty = make_candidate("X", motivation="")
    assert model.score(model.represent([empty], vectors))[0] == 0.0


def test_nothing_to_learn_from_is_said(world):
    candidates, vectors, _, _ = world
    with pytest.raises(ValueError, match="both results"):
        MotivationModel(dims=4).fit(candidates, vectors, [(0, 0, True), (1, 0, True)])
