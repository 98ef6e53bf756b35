import dataclasses

from matching.shortlists.shortlist import Ranking, Shortlist, copied


def _shortlist() -> Shortlist:
    ranking = Ranking(
        order=(("C1", 0.4), ("C2", 0.3)), complete=False, retrieved=None, floor=None,
        employer_record=(0.1, 12.0), pools=(("GM0855", 7),), allowed=40,
    )
    return Shortlist("work_need", "W1", "GM0855", [], 50, {"too_far": 3}, {}, "m1", ranking=ranking)


def test_a_copy_with_changes_equals_what_replace_makes_and_leaves_the_original_alone() -> None:
    held = _shortlist()
    assert held.ranking is not None
    stamped = copied(held.ranking, pools=(("GM0855", 9),), allowed=41)
    moved = copied(held, ranking=stamped)

    assert moved == dataclasses.replace(
        held, ranking=dataclasses.replace(held.ranking, pools=(("GM0855", 9),), allowed=41)
    )
    assert type(moved) is Shortlist and moved is not held and moved.ranking is stamped
    assert held.ranking.pools == (("GM0855", 7),) and held.ranking.allowed == 40
    assert moved.vetoed is held.vetoed  # unchanged fields are shared, as replace shares them
