"""The IAMA/FRIA worksheet: measured facts filled in from the store, judgements left blank."""

from __future__ import annotations

from oversight_world import oversight_store

from services.impact_assessment import TO_FILL, impact_assessment, impact_markdown


def test_the_worksheet_carries_the_measured_facts_and_leaves_judgements_to_the_municipality(
    monkeypatch, tmp_path
):
    store = oversight_store(monkeypatch)
    facts = impact_assessment(store, f"sqlite:///{tmp_path / 'mlruns.db'}", municipality="GM0855",
                              period="2026", fair_exposure=(0.8, 1.25))
    assert facts["model"] is None  # nothing trained yet: said, not invented
    assert facts["oversight"]["pins"] == 1 and facts["oversight"]["followed_share"] == 0.5
    text = impact_markdown(facts)
    for part in ("art. 27 lid 1 a", "(b)", "(c)", "(d)", "(e)", "(f)", "IAMA deel 4"):
        assert part in text
    assert "vastgezet: 1 keer, uitgesloten: 1 keer" in text
    assert "waarvan uit de bovenste 10: 50%" in text
    assert "aan, binnen 0.8-1.25" in text and "Nog geen getraind model" in text
    assert text.count(TO_FILL) >= 8
    assert all(t["label"] in text for t in facts["fairness_trend"])
