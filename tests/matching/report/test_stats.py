"""Tests for matching.report.stats: chi-square against SciPy, table parsing, proportion CIs."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy.stats import chi2_contingency
from scipy.stats.contingency import association

from matching.report.stats import chi2_independence, difference_in_proportions, parse_table


def _random_tables(seed: int, count: int):
    """Yield seeded random r x c count tables with no empty row or column."""
    rng = np.random.default_rng(seed)
    made = 0
    while made < count:
        rows, cols = rng.integers(2, 7, size=2)
        scale = rng.choice([3, 15, 200])
        table = rng.poisson(scale, size=(rows, cols))
        if (table.sum(axis=0) == 0).any() or (table.sum(axis=1) == 0).any():
            continue
        made += 1
        yield table


# ----------------------------------------------------------------- chi-square


def test_chi2_matches_scipy_without_correction_on_random_tables():
    for table in _random_tables(seed=20240611, count=300):
        ours = chi2_independence(table)
        ref = chi2_contingency(table, correction=False)
        assert ours.chi2 == pytest.approx(ref.statistic, rel=1e-10, abs=1e-12)
        assert ours.p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-15)
        assert ours.df == ref.dof
        np.testing.assert_allclose(ours.expected, ref.expected_freq, rtol=1e-12)
        assert ours.n == table.sum()
        assert ours.correction is False


def test_chi2_yates_matches_scipy_with_correction():
    for table in _random_tables(seed=7, count=200):
        ours = chi2_independence(table, correction=True)
        ref = chi2_contingency(table, correction=True)
        assert ours.chi2 == pytest.approx(ref.statistic, rel=1e-10, abs=1e-12)
        assert ours.p == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-15)
        # SciPy, like us, only corrects tables with one degree of freedom.
        assert ours.correction == (ours.df == 1)


def test_yates_correction_on_a_hand_computed_2x2():
    # Expected counts are all 10; |O - E| = 5 shrinks to 4.5 in every cell.
    res = chi2_independence([[15, 5], [5, 15]], correction=True)
    assert res.chi2 == pytest.approx(4 * 4.5**2 / 10)
    assert chi2_independence([[15, 5], [5, 15]]).chi2 == pytest.approx(4 * 5**2 / 10)


def test_cramers_v_matches_scipy_association():
    for table in _random_tables(seed=3, count=50):
        assert chi2_independence(table).cramers_v == pytest.approx(
            association(table, method="cramer", correction=False), rel=1e-10
        )


def test_werktop_reconstruction_reproduces_the_reported_test():
    # Candidates (n=114) vs comparison group (n=139): regular job, working with
    # benefit kept, still on benefit. Counts rebuilt from the rounded percentages.
    groups = {114: (15.8, 14.9, 69.3), 139: (3.6, 25.2, 71.2)}
    table = [[round(pct / 100 * n) for pct in pcts] for n, pcts in groups.items()]
    assert table == [[18, 17, 79], [5, 35, 99]]
    for row, (n, pcts) in zip(table, groups.items(), strict=False):
        assert sum(row) == n
        for count, pct in zip(row, pcts, strict=False):
            assert round(100 * count / n, 1) == pct

    res = chi2_independence(table)
    assert res.chi2 == pytest.approx(13.48, abs=0.05)  # reported: 13.48
    assert res.df == 2
    assert round(res.p, 3) == 0.001  # reported: p = .001
    assert res.warning is None  # smallest expected count is 10.4


def test_chi2_warns_when_expected_counts_are_small():
    res = chi2_independence([[3, 1], [1, 3]])
    assert res.warning is not None and "below 5" in res.warning
    assert chi2_independence([[30, 10], [10, 30]]).warning is None


def test_chi2_is_invariant_to_transposing_and_permuting():
    table = np.array([[18, 17, 79], [5, 35, 99]])
    base = chi2_independence(table)
    for other in (table.T, table[::-1], table[:, [2, 0, 1]]):
        res = chi2_independence(other)
        assert res.chi2 == pytest.approx(base.chi2)
        assert res.p == pytest.approx(base.p)


def test_chi2_accepts_arrays_and_whole_floats_and_freezes_expected():
    res = chi2_independence(np.array([[12.0, 30.0], [7.0, 41.0]]))
    assert res.n == 90
    with pytest.raises(ValueError):
        res.expected[0, 0] = 1.0


def test_chi2_independent_table_has_zero_statistic():
    res = chi2_independence([[10, 20], [20, 40]])
    assert res.chi2 == pytest.approx(0.0, abs=1e-12)
    assert res.p == pytest.approx(1.0)
    assert res.cramers_v == pytest.approx(0.0, abs=1e-7)


@pytest.mark.parametrize(
    ("table", "message"),
    [
        ([], "empty"),
        ([[1, 2, 3]], "at least 2 rows and 2 columns"),
        ([[1], [2]], "at least 2 rows and 2 columns"),
        ([1, 2, 3], "two-dimensional"),
        ([[1, 2], [3]], "rectangular"),
        ([[1, -2], [3, 4]], "row 1, column 2: count -2 is negative"),
        ([[1, 2], [3.5, 4]], "row 2, column 1: count 3.5 is not a whole number"),
        ([[1, 2], [float("nan"), 4]], "row 2, column 1"),
        ([[0, 0], [3, 4]], "row 1 sums to 0"),
        ([[0, 2], [0, 4]], "column 1 sums to 0"),
        ([["a", 2], [3, 4]], "rectangular grid of numbers"),
    ],
)
def test_chi2_rejects_bad_tables(table, message):
    with pytest.raises(ValueError, match=message):
        chi2_independence(table)


# ---------------------------------------------------------------- parse_table


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("12 30 / 7 41", [[12, 30], [7, 41]]),
        ("12,30;7,41", [[12, 30], [7, 41]]),
        ("12\t30\n7\t41\n", [[12, 30], [7, 41]]),
        ("  18, 17, 79 \n\n 5 , 35 , 99 ", [[18, 17, 79], [5, 35, 99]]),
        ("1 2 3 / 4 5 6 / 7 8 9", [[1, 2, 3], [4, 5, 6], [7, 8, 9]]),
        ("0 5 / 5 0", [[0, 5], [5, 0]]),
    ],
)
def test_parse_table_reads_common_layouts(text, expected):
    assert parse_table(text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("", "empty"),
        (" / ; \n ", "empty"),
        ("12 x3 / 7 41", r"row 1, column 2: 'x3' is not a whole number"),
        ("12 30 / 7 4.5", r"row 2, column 2: '4.5' is not a whole number"),
        ("12 30 / -7 41", r"row 2, column 1: count '-7' is negative"),
        ("12 30 / 7 41 9", "row 2 has 3 cells but row 1 has 2"),
        ("12 30 / 7", "row 2 has 1 cells but row 1 has 2"),
        ("١٢ 30 / 7 41", "row 1, column 1"),
    ],
)
def test_parse_table_names_the_bad_cell(text, message):
    with pytest.raises(ValueError, match=message):
        parse_table(text)


def test_parse_table_feeds_chi2():
    assert chi2_independence(parse_table("18 17 79 / 5 35 99")).df == 2


# ------------------------------------------------------------ proportions CI


def _wilson_by_hand(s: int, n: int, z: float) -> tuple[float, float]:
    p = s / n
    centre = (2 * n * p + z**2) / (2 * (n + z**2))
    half = z * math.sqrt(z**2 + 4 * n * p * (1 - p)) / (2 * (n + z**2))
    return centre - half, centre + half


def test_newcombe_interval_on_a_hand_computed_case():
    # Newcombe (1998), Stat Med 17:873-890, example 56/70 vs 48/80: 0.0524 to 0.3339.
    res = difference_in_proportions(56, 70, 48, 80)
    assert res.method == "newcombe"
    assert res.diff == pytest.approx(0.2)
    assert res.ci_low == pytest.approx(0.0524, abs=5e-5)
    assert res.ci_high == pytest.approx(0.3339, abs=5e-5)

    z = 1.959963984540054
    l1, u1 = _wilson_by_hand(56, 70, z)
    l2, u2 = _wilson_by_hand(48, 80, z)
    assert res.ci_low == pytest.approx(0.2 - math.sqrt((0.8 - l1) ** 2 + (u2 - 0.6) ** 2))
    assert res.ci_high == pytest.approx(0.2 + math.sqrt((u1 - 0.8) ** 2 + (0.6 - l2) ** 2))


def test_wald_interval_on_a_hand_computed_case():
    res = difference_in_proportions(56, 70, 48, 80, method="wald")
    half = 1.959963984540054 * math.sqrt(0.8 * 0.2 / 70 + 0.6 * 0.4 / 80)
    assert (res.ci_low, res.ci_high) == pytest.approx((0.2 - half, 0.2 + half))
    assert (res.ci_low, res.ci_high) == pytest.approx((0.0575, 0.3425), abs=5e-5)


def test_newcombe_small_sample_case_and_confidence_level():
    # Newcombe (1998) example 9/10 vs 3/10: 0.1705 to 0.8090.
    res = difference_in_proportions(9, 10, 3, 10)
    assert (res.ci_low, res.ci_high) == pytest.approx((0.1705, 0.8090), abs=5e-5)
    wider = difference_in_proportions(9, 10, 3, 10, confidence=0.99)
    assert wider.ci_low < res.ci_low and wider.ci_high > res.ci_high
    assert wider.confidence == 0.99


def test_swapping_groups_mirrors_the_interval():
    ab = difference_in_proportions(18, 114, 5, 139)
    ba = difference_in_proportions(5, 139, 18, 114)
    assert ba.diff == pytest.approx(-ab.diff)
    assert (ba.ci_low, ba.ci_high) == pytest.approx((-ab.ci_high, -ab.ci_low))
    assert ab.ci_low > 0  # Werktop: more regular jobs among candidates


def test_intervals_stay_within_bounds_at_the_extremes():
    for method in ("newcombe", "wald"):
        res = difference_in_proportions(10, 10, 0, 10, method=method)
        assert -1 <= res.ci_low <= res.diff <= res.ci_high <= 1
    res = difference_in_proportions(0, 12, 0, 15)
    assert res.diff == 0 and res.ci_low < 0 < res.ci_high


@pytest.mark.parametrize(
    ("args", "kwargs", "message"),
    [
        ((1, 0, 1, 10), {}, "n_a must be at least 1"),
        ((1, 10, 0, 0), {}, "n_b must be at least 1"),
        ((11, 10, 1, 10), {}, r"successes_a \(11\) cannot exceed n_a \(10\)"),
        ((1, 10, 12, 10), {}, r"successes_b \(12\) cannot exceed n_b \(10\)"),
        ((-1, 10, 1, 10), {}, "successes_a must be >= 0"),
        ((1.5, 10, 1, 10), {}, "successes_a must be a whole number"),
        ((1, 10, 1, 10), {"confidence": 1.0}, "confidence"),
        ((1, 10, 1, 10), {"method": "exact"}, "method"),
    ],
)
def test_difference_in_proportions_rejects_bad_input(args, kwargs, message):
    with pytest.raises(ValueError, match=message):
        difference_in_proportions(*args, **kwargs)
