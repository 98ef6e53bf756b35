"""Small, exact statistics for the outcome report.

Two questions management asks of every evaluation: *is the outcome pattern of
the candidates different from the comparison group* (Pearson's chi-square test
of independence on a contingency table) and *by how much* (the difference
between two proportions with a confidence interval).

The chi-square test is implemented here rather than delegated so that every
step (expected counts, the optional Yates correction, the warning for small
expected counts) is visible and testable; only the tail probability comes from
``scipy.stats.chi2``. Results agree with
``scipy.stats.chi2_contingency(table, correction=False)``.

Tables typed by staff (``"12 30 / 7 41"``) are parsed by :func:`parse_table`,
which names the offending cell when the text is wrong.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from statistics import NormalDist
from typing import Literal

import numpy as np

__all__ = [
    "Chi2Result",
    "DiffResult",
    "chi2_independence",
    "difference_in_proportions",
    "parse_table",
]

#: Cochran's rule of thumb: the chi-square approximation needs expected counts >= 5.
MIN_EXPECTED = 5.0

_ROW_SEPARATORS = re.compile(r"[/;\n]")
_CELL_SEPARATORS = re.compile(r"[ ,\t]+")


@dataclass(frozen=True)
class Chi2Result:
    """Outcome of :func:`chi2_independence`.

    Attributes
    ----------
    chi2 : float
        Pearson's chi-square statistic (Yates-corrected when ``correction``).
    df : int
        Degrees of freedom, ``(rows - 1) * (cols - 1)``.
    p : float
        Upper-tail probability of ``chi2`` under the null of independence.
    expected : numpy.ndarray
        Expected counts under independence, same shape as the table (read-only).
    n : int
        Grand total of the table.
    cramers_v : float
        Effect size in [0, 1], always from the *uncorrected* statistic (as
        ``scipy.stats.contingency.association`` does).
    warning : str or None
        Set when any expected count is below 5: the p-value is then unreliable.
    correction : bool
        Whether the Yates continuity correction was applied (only ever on
        tables with one degree of freedom).
    """

    chi2: float
    df: int
    p: float
    expected: np.ndarray
    n: int
    cramers_v: float
    warning: str | None = None
    correction: bool = False


@dataclass(frozen=True)
class DiffResult:
    """Outcome of :func:`difference_in_proportions`.

    Attributes
    ----------
    p_a, p_b : float
        The two observed proportions.
    diff : float
        ``p_a - p_b``.
    ci_low, ci_high : float
        Confidence limits for ``diff``, within [-1, 1].
    method : str
        ``"newcombe"`` (hybrid Wilson score) or ``"wald"``.
    confidence : float
        Confidence level of the interval, e.g. 0.95.
    """

    p_a: float
    p_b: float
    diff: float
    ci_low: float
    ci_high: float
    method: str
    confidence: float = 0.95


def parse_table(text: str) -> list[list[int]]:
    """Parse a contingency table typed as text.

    Rows are separated by ``/``, ``;`` or newlines; cells by spaces, commas
    or tabs. Blank rows are ignored. Every cell must be a non-negative whole
    number written with digits only.

    Parameters
    ----------
    text : str
        The table, e.g. ``"12 30 / 7 41"``.

    Returns
    -------
    list of list of int
        The counts, row by row.

    Raises
    ------
    ValueError
        On empty input, a cell that is not a whole number (the message names
        the cell and its row and column, counted from 1), or rows of unequal
        length.

    Examples
    --------
    >>> parse_table("12 30 / 7 41")
    [[12, 30], [7, 41]]
    >>> parse_table("18,17,79\\n5,35,99")
    [[18, 17, 79], [5, 35, 99]]
    """
    if not isinstance(text, str):
        raise TypeError(f"table text must be a str, got {type(text).__name__}")
    rows: list[list[int]] = []
    for raw_row in _ROW_SEPARATORS.split(text):
        cells = [c for c in _CELL_SEPARATORS.split(raw_row.strip()) if c]
        if not cells:
            continue
        row_number = len(rows) + 1
        parsed = []
        for col_number, cell in enumerate(cells, start=1):
            where = f"row {row_number}, column {col_number}"
            if cell.startswith("-") and cell[1:].isdigit():
                raise ValueError(f"{where}: count {cell!r} is negative")
            # isdecimal() alone would accept non-ASCII digits such as '١٢'.
            if not (cell.isascii() and cell.isdecimal()):
                raise ValueError(f"{where}: {cell!r} is not a whole number")
            parsed.append(int(cell))
        if rows and len(parsed) != len(rows[0]):
            raise ValueError(
                f"row {row_number} has {len(parsed)} cells but row 1 has {len(rows[0])}; "
                "every row needs the same number of cells"
            )
        rows.append(parsed)
    if not rows:
        raise ValueError("table is empty: expected rows such as '12 30 / 7 41'")
    return rows


def _as_count_table(table: Sequence[Sequence[float]] | np.ndarray) -> np.ndarray:
    """Validate ``table`` as a 2-D array of non-negative whole counts."""
    try:
        arr = np.asarray(table, dtype=float)
    except (TypeError, ValueError) as exc:
        # Ragged nested lists and non-numeric cells both end up here.
        raise ValueError(f"table must be a rectangular grid of numbers: {exc}") from None
    if arr.size == 0:
        raise ValueError("table is empty")
    if arr.ndim != 2:
        raise ValueError(
            f"table must be two-dimensional (rows x columns), got {arr.ndim} dimension(s)"
        )
    rows, cols = arr.shape
    if rows < 2 or cols < 2:
        raise ValueError(f"table needs at least 2 rows and 2 columns, got {rows} x {cols}")
    for (i, j), value in np.ndenumerate(arr):
        where = f"row {i + 1}, column {j + 1}"
        if not math.isfinite(value):
            raise ValueError(f"{where}: count {value} is not a finite number")
        if value < 0:
            raise ValueError(f"{where}: count {value:g} is negative")
        if value != math.floor(value):
            raise ValueError(f"{where}: count {value:g} is not a whole number")
    for i, total in enumerate(arr.sum(axis=1)):
        if total == 0:
            raise ValueError(f"row {i + 1} sums to 0; drop it before testing")
    for j, total in enumerate(arr.sum(axis=0)):
        if total == 0:
            raise ValueError(f"column {j + 1} sums to 0; drop it before testing")
    return arr


def chi2_independence(
    table: Sequence[Sequence[float]] | np.ndarray, *, correction: bool = False
) -> Chi2Result:
    """Pearson's chi-square test of independence on an r x c table of counts.

    Parameters
    ----------
    table : array-like of shape (r, c)
        Non-negative whole counts; r, c >= 2, no row or column summing to 0.
        A string can be turned into a table with :func:`parse_table`.
    correction : bool, default False
        Apply Yates' continuity correction. As in SciPy it only has an effect
        when the table has one degree of freedom (2 x 2): each observed count
        is moved up to 0.5 towards its expected count.

    Returns
    -------
    Chi2Result

    Raises
    ------
    ValueError
        For an empty or one-dimensional table, fewer than 2 rows or columns,
        negative, fractional or non-finite counts, or an all-zero row or
        column; the message names the offending cell, row or column.

    Examples
    --------
    Werktop candidates vs comparison group (regular job, working with benefit
    kept, still on benefit):

    >>> res = chi2_independence([[18, 17, 79], [5, 35, 99]])
    >>> round(res.chi2, 2), res.df, round(res.p, 4)
    (13.49, 2, 0.0012)

    The evaluation reports 13.48, df 2, p = .001; the counts above are
    reconstructed from its rounded percentages.
    """
    observed = _as_count_table(table)
    n = observed.sum()
    expected = np.outer(observed.sum(axis=1), observed.sum(axis=0)) / n
    rows, cols = observed.shape
    df = (rows - 1) * (cols - 1)

    uncorrected = float(((observed - expected) ** 2 / expected).sum())
    stat = uncorrected
    if correction and df == 1:
        # Shrink |O - E| by 0.5, but never past E (the same rule as SciPy).
        gap = expected - observed
        adjusted = observed + np.sign(gap) * np.minimum(0.5, np.abs(gap))
        stat = float(((adjusted - expected) ** 2 / expected).sum())

    from scipy.stats import chi2 as chi2_dist  # heavy import, only when testing

    p = float(chi2_dist.sf(stat, df))
    cramers_v = math.sqrt(uncorrected / (n * (min(rows, cols) - 1)))

    warning = None
    small = int((expected < MIN_EXPECTED).sum())
    if small:
        warning = (
            f"{small} of {expected.size} expected counts are below {MIN_EXPECTED:g} "
            f"(smallest {expected.min():.2f}); the chi-square p-value may be unreliable"
        )

    expected.setflags(write=False)
    return Chi2Result(
        chi2=stat,
        df=df,
        p=p,
        expected=expected,
        n=int(n),
        cramers_v=cramers_v,
        warning=warning,
        correction=bool(correction and df == 1),
    )


def _check_count(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ValueError(f"{name} must be a whole number, got {value!r}")


def _wilson(successes: int, n: int, z: float) -> tuple[float, float]:
    """Wilson score interval for one proportion."""
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def difference_in_proportions(
    successes_a: int,
    n_a: int,
    successes_b: int,
    n_b: int,
    confidence: float = 0.95,
    *,
    method: Literal["newcombe", "wald"] = "newcombe",
) -> DiffResult:
    """Difference between two independent proportions with a confidence interval.

    The default is Newcombe's hybrid score interval (Newcombe 1998, method 10):
    a Wilson score interval for each proportion, combined by the square-and-add
    rule. Unlike the Wald interval it stays inside [-1, 1] and keeps close to
    its nominal coverage with small groups or proportions near 0 or 1 — the
    usual situation in a municipal programme (e.g. 5 jobs out of 139). The
    Wald interval is available for comparison with older reports.

    Parameters
    ----------
    successes_a, n_a : int
        Successes and group size of group A (e.g. candidates).
    successes_b, n_b : int
        Successes and group size of group B (e.g. comparison group).
    confidence : float, default 0.95
        Confidence level, strictly between 0 and 1.
    method : {"newcombe", "wald"}, default "newcombe"

    Returns
    -------
    DiffResult
        ``diff = p_a - p_b`` with its interval.

    Raises
    ------
    ValueError
        If a group size is 0 or negative, successes are negative or exceed
        the group size, a count is not a whole number, or ``confidence`` or
        ``method`` is invalid.

    Examples
    --------
    Regular jobs, Werktop candidates (18 of 114) vs comparison group (5 of 139):

    >>> r = difference_in_proportions(18, 114, 5, 139)
    >>> round(r.diff, 3), round(r.ci_low, 3), round(r.ci_high, 3)
    (0.122, 0.05, 0.203)
    """
    for name, value in (
        ("successes_a", successes_a),
        ("n_a", n_a),
        ("successes_b", successes_b),
        ("n_b", n_b),
    ):
        _check_count(name, value)
    for label, s, n in (("a", successes_a, n_a), ("b", successes_b, n_b)):
        if n <= 0:
            raise ValueError(f"n_{label} must be at least 1, got {n}")
        if s < 0:
            raise ValueError(f"successes_{label} must be >= 0, got {s}")
        if s > n:
            raise ValueError(f"successes_{label} ({s}) cannot exceed n_{label} ({n})")
    if not (isinstance(confidence, (int, float)) and 0 < confidence < 1):
        raise ValueError(f"confidence must be strictly between 0 and 1, got {confidence!r}")
    if method not in ("newcombe", "wald"):
        raise ValueError(f"method must be 'newcombe' or 'wald', got {method!r}")

    z = NormalDist().inv_cdf(0.5 + confidence / 2)
    p_a, p_b = successes_a / n_a, successes_b / n_b
    diff = p_a - p_b
    if method == "wald":
        half = z * math.sqrt(p_a * (1 - p_a) / n_a + p_b * (1 - p_b) / n_b)
        low, high = diff - half, diff + half
    else:
        low_a, high_a = _wilson(successes_a, n_a, z)
        low_b, high_b = _wilson(successes_b, n_b, z)
        low = diff - math.sqrt((p_a - low_a) ** 2 + (high_b - p_b) ** 2)
        high = diff + math.sqrt((high_a - p_a) ** 2 + (p_b - low_b) ** 2)
    return DiffResult(
        p_a=p_a,
        p_b=p_b,
        diff=diff,
        ci_low=max(-1.0, low),
        ci_high=min(1.0, high),
        method=method,
        confidence=float(confidence),
    )
