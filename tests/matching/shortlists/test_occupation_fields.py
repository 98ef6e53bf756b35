"""Occupational fields learned from profiles: words and sentences end up near their field's ISCO groups."""

from __future__ import annotations

import numpy as np
import pytest
from factories import make_candidate, make_work_need

from matching.shortlists.occupation_fields import (
    FieldModel,
    field_features,
    field_sentences,
    hierarchy_similarity,
    isco_codes,
    isco_of,
    skill_level,
)
from matching.shortlists.occupations import load_occupations

# two fields of ESCO occupations, two vocabularies that go with them
WAREHOUSE = [u for u, o in load_occupations().items() if o.isco_group in ("9333", "4321", "8344")][:6]
CARE = [u for u, o in load_occupations().items() if o.isco_group in ("5322", "5321", "2221")][:6]
WORDS = {
    "warehouse": ["pakketten sorteren", "heftruck rijden", "orders verzamelen", "dozen inpakken"],
    "care": ["ouderen verzorgen", "mensen helpen wassen", "bewoners begeleiden", "zorg bieden"],
}


def _vector(text: str) -> np.ndarray:
    """A toy sentence embedding: which field's words a sentence holds, plus noise."""
    rng = np.random.default_rng(abs(hash(text)) % 2**32)
    v = rng.normal(scale=0.1, size=8)
    v[0] += sum(w in text for w in " ".join(WORDS["warehouse"]).split())
    v[1] += sum(w in text for w in " ".join(WORDS["care"]).split())
    return v


def _profiles(seed: int, n: int = 160):
    rng = np.random.default_rng(seed)
    out = []
    for i in range(n):
        field = "warehouse" if i % 2 else "care"
        uris = WAREHOUSE if field == "warehouse" else CARE
        desired = list(rng.choice(uris, size=2, replace=False)) if (i // 2) % 4 < 3 else []
        phrase = WORDS[field][rng.integers(4)]
        out.append(make_candidate(f"C{i}", desired_occupations=desired,
                                  wishes=f"Ik wil graag {phrase}. Graag in de buurt.",
                                  interests="", strengths=""))
    return out


@pytest.fixture(scope="module")
def fitted():
    candidates = _profiles(0)
    needs = [make_work_need(f"W{i}", esco_uri=(WAREHOUSE + CARE)[i % 12],
                            title=("Magazijn: " + WORDS["warehouse"][i % 4]) if i % 12 < 6 else ("Zorg: " + WORDS["care"][i % 4]))
             for i in range(24)]
    sentences = {s: _vector(s) for c in candidates for s in field_sentences(c)}
    need_vectors = np.array([_vector(n.title) for n in needs])
    model = FieldModel(min_df=2, max_df=0.6).fit(candidates, needs, sentences, need_vectors)
    return model, candidates, needs, sentences, need_vectors


def test_hierarchy_and_skill_levels():
    codes = isco_codes()
    h = hierarchy_similarity()
    i, j = codes.index("9333"), codes.index("9334")
    assert h[i, i] == 1.0 and h[i, j] == 0.75
    assert skill_level(i) == 1 and skill_level(codes.index("2221")) == 4
    assert isco_of(WAREHOUSE[0]) >= 0 and isco_of("not an occupation") == -1


def test_a_field_is_learned_from_which_occupations_profiles_name_together(fitted):
    model = fitted[0]
    E = model.items_
    ware = [isco_of(u) for u in WAREHOUSE]
    care = [isco_of(u) for u in CARE]
    within = np.mean([E[a] @ E[b] for a in ware for b in ware if a != b])
    across = np.mean([E[a] @ E[b] for a in ware for b in care])
    assert within > across + 0.3


def test_candidates_without_occupations_are_placed_by_their_words(fitted):
    model, candidates, needs, sentences, need_vectors = fitted
    silent = [c for c in candidates if not c.desired_occupations]
    assert silent
    fields = model.candidate_fields(silent, sentences)
    works = model.work_fields(needs, need_vectors)
    rows = np.arange(len(silent))
    to_ware = field_features(fields, works, rows, np.zeros(len(silent), dtype=int), model.items_)["fit_text"]
    to_care = field_features(fields, works, rows, np.full(len(silent), 6), model.items_)["fit_text"]
    wants_ware = np.array([any(w in c.wishes for w in WORDS["warehouse"]) for c in silent])
    assert wants_ware.any() and not wants_ware.all()
    assert (to_ware[wants_ware] > to_care[wants_ware]).mean() > 0.9
    assert (to_care[~wants_ware] > to_ware[~wants_ware]).mean() > 0.9


def test_desired_occupations_give_the_best_fit_and_no_occupation_gives_nan(fitted):
    model, candidates, needs, sentences, need_vectors = fitted
    fields = model.candidate_fields(candidates[:4], sentences)
    works = model.work_fields(needs, need_vectors)
    f = field_features(fields, works, np.arange(4), np.zeros(4, dtype=int), model.items_)
    named = np.array([bool(c.desired_occupations) for c in candidates[:4]])
    assert np.isnan(f["fit_desired"][~named]).all() and not np.isnan(f["fit_desired"][named]).any()
    np.testing.assert_allclose(f["fit_best"][named], np.fmax(f["fit_desired"], f["fit_text"])[named])


def test_a_work_need_without_esco_is_placed_by_its_text(fitted):
    model, _, needs, _, need_vectors = fitted
    bare = [n.model_copy(update={"esco_uri": None}) for n in needs]
    works = model.work_fields(bare, need_vectors)
    assert not works.known.any()
    ware, care = works.vector[:6].mean(axis=0), works.vector[6:12].mean(axis=0)
    E = model.items_
    assert E[isco_of(WAREHOUSE[0])] @ ware > E[isco_of(WAREHOUSE[0])] @ care


def test_too_little_to_learn_from_is_said():
    with pytest.raises(ValueError, match="without candidates"):
        FieldModel().fit([], [], {}, np.zeros((0, 8)))


def test_a_work_need_naming_an_occupation_is_placed_at_its_group_and_else_by_the_probe(fitted):
    model, _, _, _, need_vectors = fitted
    named = make_work_need("W-f", esco_uri=None, title="Werkervaringsplaats facturist",
                           description="Je gaat facturen invoeren en controleren.")
    silent = make_work_need("W-s", esco_uri=None, title="Zqxw", description="")
    works = model.work_fields([named, silent], need_vectors[:2])
    group = isco_codes().index("4311")
    assert works.item[0] == group and not works.known.any()
    np.testing.assert_allclose(works.vector[0], model.items_[group] - model.work_mean_, rtol=1e-5)
    # nothing to link: the probe reads the text's embedding, as before
    probe = model.work_probe_.predict(need_vectors[1:2])[0] - model.work_mean_
    np.testing.assert_allclose(works.vector[1], probe, rtol=1e-5)
