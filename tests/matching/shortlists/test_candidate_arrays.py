"""A pool's columns with some rows written again: exactly the columns built anew, sharing the
columns the writes left as they were."""

from __future__ import annotations

import datetime as dt

import numpy as np
from factories import make_candidate

from matching.shortlists.candidate_arrays import CandidateArrays


def test_rows_written_again_copy_only_the_columns_they_change():
    people = [make_candidate(f"C{i}", rung=i % 6 + 1) for i in range(6)]
    before = CandidateArrays.from_candidates(people)
    edited = [
        people[1].model_copy(update={"max_travel_km": 3}),
        people[4].model_copy(update={"wishes": "Liefst buiten.", "available_from": dt.date(2026, 5, 1)}),
    ]
    rows = np.array([1, 4])
    after = before.with_rows(rows, CandidateArrays.from_candidates(edited))
    made = CandidateArrays.from_candidates([*people[:1], edited[0], *people[2:4], edited[1], people[5]])
    changed = set()
    for name in CandidateArrays.__dataclass_fields__:
        np.testing.assert_array_equal(getattr(after, name), getattr(made, name), err_msg=name)
        if getattr(after, name) is not getattr(before, name):
            changed.add(name)
    # shorter wishes: fewer characters of soft text, the profile as complete as before
    assert changed == {"max_travel_km", "available_from", "soft_text_chars"}
    assert before.max_travel_km[1] == 10  # the columns held before are left as they were
