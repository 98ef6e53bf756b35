"""The report's human-oversight figures against a count made by hand from the records."""

from __future__ import annotations

import pytest
from factories import MUNICIPALITY
from oversight_world import WOMEN, oversight_store

from matching.records.storage import Store
from matching.report.builder import build_report
from matching.report.render import render_html


@pytest.fixture
def store(monkeypatch) -> Store:
    return oversight_store(monkeypatch)


def test_oversight_figures_match_a_count_by_hand(store):
    report = build_report(store, "2026", municipality=MUNICIPALITY)
    o = report.oversight
    assert o is not None
    assert o.lists_shown == 2  # the October 2025 list lies outside the period
    assert (o.pins, o.exclusions) == (1, 1) and o.pins_per_100 == 50.0
    assert o.reason_words[0] == ("stage", 2)
    # at E1's table C1 (rank 1 of W1's list) and C11 (rank 11: not in the top 10); at E2's
    # table C6 (rank 2 of W2's list) and C9 (on no list)
    assert (o.meetings_after_lists, o.followed, o.followed_share) == (4, 2, 0.5)
    women = {g["group"]: g for g in o.groups}["women"]
    shown = {f"C{i}" for i in range(1, 11)}  # the top 10 of W1 and both lines of W2
    assert women["shown"] == pytest.approx(len(shown & WOMEN) / len(shown))
    assert (women["pinned"], women["excluded"]) == (1.0, 1.0)  # C11 and C2 are women
    html = render_html(report)
    assert "Menselijk toezicht" in html and "stage (2)" in html
