"""Reasons quote the candidate exactly: over a simulated municipality every quoted sentence
stands in the candidate's record as written, every mark is a word the work shares, and
facts the same for every candidate of a work need are said once above the list."""

from __future__ import annotations

import datetime as dt

import pytest
from factories import make_candidate, make_work_need
from spaces import fast_text_space

from matching.records.importer import import_folder
from matching.records.schemas import Candidate, WorkNeed
from matching.records.storage import Store
from matching.shortlists.engine import ShortlistEngine
from matching.shortlists.quotes import QUOTED_FIELDS, common_words, quote_for, work_words
from matching.shortlists.retrieval import RetrievalIndex
from training.simulator import SimulationConfig, simulate, write_world

WORLD = SimulationConfig(seed=11, n_candidates=400, n_employers=40, months=3)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    folder = tmp_path_factory.mktemp("quotes")
    write_world(simulate(WORLD), folder)
    store = Store(f"sqlite:///{folder / 'world.db'}")
    import_folder(store, folder)
    day = WORLD.start_date + dt.timedelta(days=95)
    return store, ShortlistEngine(store, RetrievalIndex(fast_text_space(), None), today=lambda: day)


def test_every_quote_stands_in_the_record_as_written_and_marks_shared_words(world):
    store, engine = world
    candidates = {c.id: c for c in store.list(Candidate)}
    needs = [n for n in store.list(WorkNeed) if n.open][:25]
    quoted = 0
    for need in needs:
        shortlist = engine.for_work_need(need.id, k=10)
        work = work_words(need)
        for m in shortlist.matches:
            if m.quote is None:
                continue
            quoted += 1
            candidate = candidates[m.candidate_id]
            assert m.quote.field in QUOTED_FIELDS
            assert m.quote.text in getattr(candidate, m.quote.field)  # exactly as written
            assert f"„{m.quote.text}”" in m.reason and f"„{m.quote.text}”" in m.reason_without_limits
            for start, end in m.quote.marks:
                word = m.quote.text[start:end].lower()
                assert word.isalpha() and any(word[:5] in w or w[:5] in word for w in work)
        # the employer's facts are said once, above the list, not in every reason
        if shortlist.about_work:
            for fact in shortlist.about_work.split("; "):
                assert not any(fact in m.reason for m in shortlist.matches)
    assert quoted >= 50  # most lines quote the person


def test_employers_for_a_candidate_quote_them_too(world):
    store, engine = world
    candidate = next(c for c in store.list(Candidate) if c.consent_matching and c.wishes)
    shortlist = engine.for_candidate(candidate.id, k=5)
    for m in shortlist.matches:
        if m.quote is not None:
            assert m.quote.text in getattr(candidate, m.quote.field)


def test_the_sentence_sharing_words_with_the_work_is_chosen_and_never_a_paraphrase():
    candidate = make_candidate(
        wishes="Ik wil graag buiten werken. Het liefst iets met groenten en fruit!",
        strengths="Ik ben sterk en zorgzaam.",
    )
    need = make_work_need(title="Medewerker AGF", description="Vakkenvullen op de groente- en fruitafdeling.")
    quote = quote_for(candidate, need)
    assert quote is not None and quote.field == "wishes"
    assert quote.text == "Het liefst iets met groenten en fruit!"
    assert [quote.text[a:b] for a, b in quote.marks] == ["groenten", "fruit"]
    # nothing shared and the wishes not near the work: no quote at all
    unrelated = make_work_need(title="Chauffeur", description="Rijden met de bestelbus.")
    assert quote_for(candidate, unrelated) is None
    # near by occupational fit: a wish is quoted, without marks
    near = quote_for(candidate, unrelated, near=True)
    assert near is not None and near.field == "wishes" and near.marks == ()
    # the closest sentence wins among those sharing a word
    both = make_work_need(title="Buitenmedewerker groenten", description="")
    chosen = quote_for(candidate, both, closeness=lambda s: [1.0 if "buiten" in x else 0.0 for x in s])
    assert chosen is not None and chosen.text == "Ik wil graag buiten werken."


def test_what_they_do_not_want_is_never_a_reason_and_common_work_words_mark_nothing():
    candidate = make_candidate(wishes="Als het maar geen kantoorwerk is. Ik kan goed tegen drukte.")
    office = make_work_need(title="Kantoormedewerker", description="Werken op ons kantoor.")
    assert quote_for(candidate, office) is None  # the only shared sentence is a refusal
    needs = [make_work_need(f"W{i}", title=f"Functie {i}", description="Je kunt tegen drukte.")
             for i in range(24)]
    needs.append(make_work_need("WK", title="Kassamedewerker", description="Je kunt tegen drukte."))
    common = common_words(needs)
    assert "drukte" in common and "kassamedewerker" not in common
    assert quote_for(candidate, needs[-1]) is not None  # without the municipality's view...
    assert quote_for(candidate, needs[-1], work=work_words(needs[-1], common)) is None  # ...with it
