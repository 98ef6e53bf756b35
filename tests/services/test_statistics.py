"""The chi-square calculator's limits, the same for the API, the pages and the CLI."""

from __future__ import annotations

import pytest

from services.errors import InvalidInput
from services.statistics import MAX_CELLS, TableTooLarge, chi_square


def test_text_and_rows_give_the_same_answer():
    typed = chi_square("18 17 79 / 5 35 99")
    given = chi_square([[18, 17, 79], [5, 35, 99]])
    assert typed.rows == given.rows == [[18, 17, 79], [5, 35, 99]]
    assert typed.result.chi2 == pytest.approx(given.result.chi2) == pytest.approx(13.49, abs=0.01)


def test_bad_and_oversized_tables_are_refused():
    with pytest.raises(InvalidInput) as caught:
        chi_square("12 x / 7 41")
    assert caught.value.field == "table" and "row 1, column 2" in caught.value.message
    with pytest.raises(TableTooLarge):
        chi_square([[1] * 21] * 20)  # 420 cells
    assert MAX_CELLS == 400
