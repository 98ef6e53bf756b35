"""Work needs' own words linked to the ESCO occupation they describe."""

from __future__ import annotations

import pytest

from matching.shortlists.occupation_linking import OccupationLinker, default_linker
from matching.shortlists.occupations import Occupation, load_occupations


@pytest.mark.parametrize(
    ("text", "group"),
    [
        ("Werkervaringsplaats facturist\nJe gaat facturen invoeren en controleren.", "4311"),
        ("Orderpicker gezocht\nOrders verzamelen in ons magazijn met een handscanner.", "9333"),
        ("Hulp bij de schoonmaak van gebouwen: kantoren en trappenhuizen schoonmaken.", "9112"),
    ],
)
def test_the_words_of_a_work_need_find_their_occupation_in_the_catalogue(text, group):
    (found,) = default_linker().link([text])
    assert found is not None and found.isco_group == group


def test_every_preferred_label_links_to_its_own_group_mostly():
    occupations = list(load_occupations().values())[::10]
    linked = default_linker().link([o.label for o in occupations])
    same = sum(f is not None and f.isco_group == o.isco_group for f, o in zip(linked, occupations, strict=True))
    assert same / len(occupations) > 0.8


def _small_catalogue() -> list[Occupation]:
    return [
        Occupation(uri="u1", isco_group="9333", code="9333.1", label="orderpicker", alt_labels=(),
                   description="verzamelt orders in een magazijn"),
        Occupation(uri="u2", isco_group="4311", code="4311.1", label="facturist", alt_labels=(),
                   description="maakt facturen"),
    ]


def test_a_text_is_linked_once_and_its_link_kept(monkeypatch):
    linker = OccupationLinker(_small_catalogue())
    read = []
    transform = linker._vectorizer.transform
    monkeypatch.setattr(linker._vectorizer, "transform", lambda texts: read.append(list(texts)) or transform(texts))
    texts = ["facturen maken", "orders in het magazijn", "facturen maken"]
    first = linker.link(texts)
    again = linker.link(["orders in het magazijn", "xq", *texts])
    assert [o.uri for o in first] == ["u2", "u1", "u2"] and again == [first[1], None, *first]
    assert read == [["facturen maken", "orders in het magazijn"], ["xq"]]  # each text read once
    monkeypatch.setattr(OccupationLinker, "MAX_KEPT", 2)  # full: the kept links start again
    assert [o.uri for o in linker.link(["maakt facturen", "orders"])] == ["u2", "u1"]
    assert linker.link(["facturen maken"]) == [first[0]] and read[-1] == ["facturen maken"]


def test_a_text_sharing_nothing_links_to_nothing():
    linker = OccupationLinker(_small_catalogue())
    assert linker.link(["", "xq"]) == [None, None]
    assert [o.uri for o in linker.link(["facturen maken", "orders in het magazijn"])] == ["u2", "u1"]
    assert linker.link([]) == []
    with pytest.raises(ValueError, match="without occupations"):
        OccupationLinker([])
