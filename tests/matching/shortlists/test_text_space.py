from __future__ import annotations

import numpy as np
from factories import make_candidate
from spaces import fast_text_space

from matching.shortlists.occupations import load_occupations
from matching.shortlists.text_space import TextVectors, candidate_sentences, desired_labels


def test_a_candidate_is_the_mean_of_what_they_want_and_offer():
    uri = next(iter(load_occupations()))
    candidate = make_candidate(
        "C1",
        wishes="Ik wil graag buiten werken. Liefst in een groenteam!",
        interests="Tuinieren.",
        motivation="Ik wil weer meedoen.",
        desired_occupations=[uri],
    )
    space = fast_text_space()
    assert candidate_sentences(candidate) == [
        "Ik wil graag buiten werken.",
        "Liefst in een groenteam!",
        "Tuinieren.",
        "Ik wil weer meedoen.",
    ]
    # the motivation is read by its own model, not mixed into the similarity
    wanted = [*candidate_sentences(candidate)[:3], *desired_labels(candidate)]
    assert wanted[-1] == load_occupations()[uri].label
    mean = space.embed(wanted).mean(axis=0)
    got = space.candidate_vectors([candidate]).dense[0]
    np.testing.assert_allclose(got, mean / np.linalg.norm(mean), rtol=1e-5, atol=1e-6)
    assert abs(float(np.linalg.norm(got)) - 1.0) < 1e-5
    # but every sentence is embedded once, for the text models
    assert "Ik wil weer meedoen." in space.cache


def test_a_candidate_who_only_wrote_why_is_read_by_that():
    space = fast_text_space()
    candidate = make_candidate("C4", wishes="", motivation="Ik wil weer meedoen.", desired_occupations=[])
    got = space.candidate_vectors([candidate]).dense[0]
    np.testing.assert_allclose(got, space.embed(["Ik wil weer meedoen."])[0], rtol=1e-5, atol=1e-6)


def test_a_candidate_without_text_has_a_zero_vector():
    space = fast_text_space()
    silent = make_candidate("C2", wishes="", motivation="", desired_occupations=[])
    vectors = space.candidate_vectors([silent, make_candidate("C3")])
    assert not vectors.dense[0].any() and vectors.dense[1].any()
    assert list(vectors.ids) == ["C2", "C3"]


def test_gathered_vectors_are_the_parts_rows_concatenated():
    rng = np.random.default_rng(0)
    parts = [TextVectors(np.array([f"{p}{i}" for i in range(n)], dtype=object),
                         rng.standard_normal((n, 4)).astype(np.float32)) for p, n in (("a", 5), ("b", 3), ("c", 6))]
    rows = [np.array([4, 0, 2]), np.array([], dtype=int), np.arange(6)[::-1]]
    gathered = TextVectors.gather(list(zip(parts, rows, strict=True)))
    expected = TextVectors.concat([v.take(r) for v, r in zip(parts, rows, strict=True)])
    assert gathered.ids.tolist() == expected.ids.tolist() == ["a4", "a0", "a2", "c5", "c4", "c3", "c2", "c1", "c0"]
    np.testing.assert_array_equal(gathered.dense, expected.dense)
    assert gathered.dense.dtype == np.float32


def test_vectors_changed_in_rows_keep_their_ids_and_leave_the_original_as_it_was():
    rng = np.random.default_rng(1)
    dense = rng.standard_normal((11, 3)).astype(np.float32)
    vectors = TextVectors(np.array([f"c{i}" for i in range(11)], dtype=object), dense)
    new = rng.standard_normal((2, 3)).astype(np.float32)
    changed = vectors.with_rows(np.array([9, 5]), new)
    expected = dense.copy()
    expected[[9, 5]] = new
    np.testing.assert_array_equal(changed.dense, expected)
    np.testing.assert_array_equal(vectors.dense, dense)
    assert changed.ids is vectors.ids
    query = rng.standard_normal(3).astype(np.float32)
    np.testing.assert_allclose(changed.similarities(query), expected @ query, rtol=1e-6)
    np.testing.assert_array_equal(changed.take(np.array([9, 1])).dense, expected[[9, 1]])
    assert changed.take(np.array([9, 1])).ids.tolist() == ["c9", "c1"]
