"""The chi-square calculator staff use on a typed-in table of counts."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from matching.report.stats import Chi2Result, chi2_independence, parse_table
from services.errors import InvalidInput, Issue

__all__ = ["MAX_CELLS", "MAX_COUNT", "ChiSquare", "TableTooLarge", "chi_square"]

MAX_CELLS = 400
MAX_COUNT = 10**9


class TableTooLarge(InvalidInput):
    """More cells, or larger counts, than the calculator takes."""

    def __init__(self) -> None:
        super().__init__(
            [Issue(("body", "table"), f"at most {MAX_CELLS} cells of at most {MAX_COUNT} each")]
        )


@dataclass(frozen=True)
class ChiSquare:
    """The table as read (rows of counts) and the test's result."""

    rows: list[list[int]]
    result: Chi2Result


def chi_square(table: str | Sequence[Sequence[int]], *, correction: bool = False) -> ChiSquare:
    """Pearson's chi-square test of independence on a table typed as text or given as rows.

    Text: rows split by ``/``, ``;`` or newlines, cells by spaces or commas
    (``"18 17 79 / 5 35 99"``). A bad cell or shape is :class:`InvalidInput`
    naming it; a table of more than :data:`MAX_CELLS` cells or a count above
    :data:`MAX_COUNT` is :class:`TableTooLarge`.

    Examples
    --------
    >>> round(chi_square("18 17 79 / 5 35 99").result.chi2, 2)
    13.49
    """
    try:
        rows = parse_table(table) if isinstance(table, str) else [list(r) for r in table]
    except ValueError as exc:
        raise InvalidInput.of("table", str(exc)) from None
    cells = sum(len(row) for row in rows)
    if cells > MAX_CELLS or any(v > MAX_COUNT for row in rows for v in row):
        raise TableTooLarge()
    try:
        result = chi2_independence(rows, correction=correction)
    except ValueError as exc:
        raise InvalidInput.of("table", str(exc)) from None
    if not all(math.isfinite(v) for v in (result.chi2, result.p, result.cramers_v)):
        raise InvalidInput.of("table", "the test is not defined for this table")
    return ChiSquare(rows, result)
