"""Tests of difference between groups, corrected for multiple comparisons.

Pairwise rate and value comparisons between conditions (independent groups,
or paired ones measured on the same units), the Holm step-down correction
they share, and the Mantel test that compares two distance matrices
(for example, persona dislike against persona embedding distance).
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from analysis._statistics_base import (
    NAN,
    CorrelationMethod,
    FloatArray,
    Result,
    RngLike,
    as_count,
    as_rng,
    correlation_function,
    finite_values,
)

logger = logging.getLogger(__name__)

#: Family-wise error rate used for the ``significant`` columns by default.
ALPHA = 0.05
#: Smallest expected cell count for which the chi-square test is trusted.
MIN_EXPECTED_CELL = 5.0
# Permuted Mantel statistics within this of the observed one count as ties, so
# a permutation that reorders the sums but not the values is not lost to rounding.
_TIE_TOLERANCE = 1e-12

_RATE_COLUMNS = [
    "group_a", "group_b", "n_a", "n_b", "rate_a", "rate_b", "difference",
    "test", "p_value", "p_holm", "significant",
]  # fmt: skip
_MEAN_COLUMNS = [
    "group_a", "group_b", "n_a", "n_b", "mean_a", "mean_b", "u",
    "p_value", "p_holm", "significant",
]  # fmt: skip


def holm(p_values: npt.ArrayLike) -> FloatArray:
    """Adjusts p-values for multiple comparisons by the Holm-Bonferroni step-down.

    The k-th smallest of m p-values is multiplied by (m - k + 1); a running
    maximum keeps the adjusted values monotone, and they are capped at 1. NaN
    entries are not tests: they stay NaN and do not count towards m.

    Args:
        p_values: One-dimensional p-values in [0, 1], NaN allowed.

    Returns:
        Adjusted p-values in [0, 1], in the input order.

    Raises:
        ValueError: If an entry lies outside [0, 1].
    """
    p = np.asarray(p_values, dtype=float)
    if p.ndim != 1:
        raise ValueError(f"p_values must be one-dimensional; got shape {p.shape}.")
    tested = ~np.isnan(p)
    outside = p[tested & ((p < 0) | (p > 1))]
    if outside.size:
        raise ValueError(f"p-values must lie in [0, 1]; got {outside.tolist()}.")

    m = int(tested.sum())
    order = np.argsort(p[tested], kind="stable")
    scaled = p[tested][order] * (m - np.arange(m))
    stepped = np.minimum(np.maximum.accumulate(scaled), 1.0)

    adjusted = np.full(p.shape, NAN)
    adjusted_tested = np.empty(m)
    adjusted_tested[order] = stepped
    adjusted[tested] = adjusted_tested
    return adjusted


def _frame_with_holm(
    rows: list[dict[str, Any]], columns: list[str], alpha: float
) -> pd.DataFrame:
    if not 0.0 < alpha < 1.0:
        raise ValueError(f"alpha must lie in (0, 1); got {alpha!r}.")
    frame = pd.DataFrame(rows, columns=columns[:-2])
    frame["p_holm"] = holm(frame["p_value"].to_numpy(dtype=float))
    frame["significant"] = frame["p_holm"] < alpha
    return frame


def _checked_counts(name: str, pair: tuple[int, int]) -> tuple[int, int]:
    successes, n = (as_count(value, f"counts[{name!r}]") for value in pair)
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(
            f"counts[{name!r}] must be (successes, n) with 0 <= successes <= n; "
            f"got {pair!r}."
        )
    return successes, n


def _two_by_two_test(a: tuple[int, int], b: tuple[int, int]) -> tuple[str, float]:
    """Tests equal rates: Fisher's exact test with small expected cells, else chi2."""
    if a[1] == 0 or b[1] == 0:
        logger.warning("A group with zero trials cannot be compared; p is NaN.")
        return "none", NAN
    table = np.array([[a[0], a[1] - a[0]], [b[0], b[1] - b[0]]])
    expected = stats.contingency.expected_freq(table)
    if (expected < MIN_EXPECTED_CELL).any():
        return "fisher", float(stats.fisher_exact(table).pvalue)
    return "chi2", float(stats.chi2_contingency(table, correction=False).pvalue)


def compare_rates(
    counts: Mapping[str, tuple[int, int]], alpha: float = ALPHA
) -> pd.DataFrame:
    """Compares the rates of every pair of groups.

    A pair gets Fisher's exact test when any expected cell of its 2x2 table is
    below 5, else Pearson's chi-square test without Yates' continuity
    correction (the correction is conservative, and small tables already go to
    Fisher). P-values are Holm-adjusted over all pairs.

    Args:
        counts: Group name (e.g. condition) -> (successes, n).
        alpha: Family-wise error rate for ``significant``, in (0, 1).

    Returns:
        One row per pair, in the mapping's order, with columns group_a, group_b,
        n_a, n_b, rate_a, rate_b, difference (rate_a - rate_b), test ("fisher",
        "chi2", or "none" when a group has no trials), p_value, p_holm and
        significant (p_holm < alpha). Fewer than two groups give no rows.

    Raises:
        ValueError: If a pair is not whole numbers with 0 <= successes <= n.
    """
    checked = {name: _checked_counts(name, pair) for name, pair in counts.items()}
    rows = []
    for name_a, name_b in itertools.combinations(checked, 2):
        a, b = checked[name_a], checked[name_b]
        rate_a = a[0] / a[1] if a[1] else NAN
        rate_b = b[0] / b[1] if b[1] else NAN
        test, p_value = _two_by_two_test(a, b)
        rows.append({
            "group_a": name_a, "group_b": name_b, "n_a": a[1], "n_b": b[1],
            "rate_a": rate_a, "rate_b": rate_b, "difference": rate_a - rate_b,
            "test": test, "p_value": p_value,
        })  # fmt: skip
    return _frame_with_holm(rows, _RATE_COLUMNS, alpha)


def _paired_outcomes(outcomes: Mapping[str, npt.ArrayLike]) -> dict[str, FloatArray]:
    """The outcomes as float arrays; ValueError unless aligned and 0/1/NaN."""
    checked = {
        name: np.asarray(values, dtype=float) for name, values in outcomes.items()
    }
    shapes = {name: values.shape for name, values in checked.items()}
    if len(set(shapes.values())) > 1 or any(len(s) != 1 for s in shapes.values()):
        raise ValueError(
            f"paired outcomes must be one-dimensional and equally long (one "
            f"entry per unit); got shapes {shapes}."
        )
    for name, values in checked.items():
        bad = values[~np.isnan(values) & (values != 0) & (values != 1)]
        if bad.size:
            raise ValueError(
                f"outcomes[{name!r}] must hold 0, 1 or NaN; got {bad[:5].tolist()}."
            )
    return checked


def _mcnemar(a: FloatArray, b: FloatArray) -> tuple[str, float]:
    """Exact McNemar test: a two-sided binomial test of the discordant units."""
    if a.size == 0:
        logger.warning("No unit has both paired outcomes; p is NaN.")
        return "none", NAN
    only_a = int(np.sum((a == 1) & (b == 0)))
    only_b = int(np.sum((a == 0) & (b == 1)))
    if only_a + only_b == 0:
        # Every unit agrees: no evidence of a difference at all.
        return "mcnemar", 1.0
    return "mcnemar", float(stats.binomtest(only_a, only_a + only_b).pvalue)


def compare_paired_rates(
    outcomes: Mapping[str, npt.ArrayLike], alpha: float = ALPHA
) -> pd.DataFrame:
    """Compares the rates of every two groups measured on the same units.

    Use this instead of ``compare_rates`` when the groups are not independent
    samples: the same items asked with and without a hint, the same targets
    rated by two raters. Each group holds one 0/1 outcome per unit, units in
    the same order in every group. A pair of groups is compared on the units
    with an outcome in both, by the exact McNemar test: of the discordant
    units (1 in one group, 0 in the other), the number with 1 in group_a is
    tested against Binomial(discordant, 1/2), two-sided. Without discordant
    units p is 1. P-values are Holm-adjusted over all pairs.

    Args:
        outcomes: Group name -> one-dimensional outcomes, 0, 1 or NaN (no
            outcome for that unit), all equally long.
        alpha: Family-wise error rate for ``significant``, in (0, 1).

    Returns:
        The columns of ``compare_rates``: n_a = n_b = the units with both
        outcomes, rate_a and rate_b over those units, difference (rate_a -
        rate_b), test ("mcnemar", or "none" with NaN p when no unit has both
        outcomes), p_value, p_holm and significant (p_holm < alpha).

    Raises:
        ValueError: If the outcomes are not equally long 1-D arrays of 0, 1
            and NaN.
    """
    checked = _paired_outcomes(outcomes)
    rows = []
    for name_a, name_b in itertools.combinations(checked, 2):
        both = ~(np.isnan(checked[name_a]) | np.isnan(checked[name_b]))
        a, b = checked[name_a][both], checked[name_b][both]
        rate_a = float(a.mean()) if a.size else NAN
        rate_b = float(b.mean()) if b.size else NAN
        test, p_value = _mcnemar(a, b)
        rows.append({
            "group_a": name_a, "group_b": name_b, "n_a": a.size, "n_b": b.size,
            "rate_a": rate_a, "rate_b": rate_b, "difference": rate_a - rate_b,
            "test": test, "p_value": p_value,
        })  # fmt: skip
    return _frame_with_holm(rows, _RATE_COLUMNS, alpha)


def _mann_whitney(a: FloatArray, b: FloatArray) -> tuple[float, float]:
    if a.size == 0 or b.size == 0 or np.ptp(np.concatenate([a, b])) == 0:
        logger.warning(
            "Mann-Whitney U is undefined for sizes %d and %d or values without "
            "spread; reporting NaN.",
            a.size,
            b.size,
        )
        return NAN, NAN
    test = stats.mannwhitneyu(a, b, alternative="two-sided")
    return float(test.statistic), float(test.pvalue)


def compare_means(
    groups: Mapping[str, npt.ArrayLike], alpha: float = ALPHA
) -> pd.DataFrame:
    """Compares the values of every pair of groups by a two-sided Mann-Whitney U.

    Args:
        groups: Group name (e.g. condition) -> one-dimensional values; NaN
            entries are dropped.
        alpha: Family-wise error rate for ``significant``, in (0, 1).

    Returns:
        One row per pair with columns group_a, group_b, n_a, n_b, mean_a,
        mean_b, u (the U statistic of group_a, in [0, n_a * n_b]), p_value,
        p_holm (Holm over all pairs) and significant (p_holm < alpha). A pair
        with an empty group, or whose values are all equal, gets NaN u and
        p_value.
    """
    samples = {name: finite_values(values, name) for name, values in groups.items()}
    rows = []
    for name_a, name_b in itertools.combinations(samples, 2):
        a, b = samples[name_a], samples[name_b]
        u, p_value = _mann_whitney(a, b)
        rows.append({
            "group_a": name_a, "group_b": name_b, "n_a": a.size, "n_b": b.size,
            "mean_a": float(a.mean()) if a.size else NAN,
            "mean_b": float(b.mean()) if b.size else NAN,
            "u": u, "p_value": p_value,
        })  # fmt: skip
    return _frame_with_holm(rows, _MEAN_COLUMNS, alpha)


@dataclass(frozen=True)
class MantelResult(Result):
    """The Mantel test of two distance matrices.

    Attributes:
        statistic: Correlation of the two upper triangles, in [-1, 1].
        p_value: One-sided (upper tail) permutation p-value, in
            [1 / (permutations_used + 1), 1].
        n_permutations: Number of permutations drawn.
        n_pairs: Number of upper-triangle cells present in both matrices.
        permutations_used: Permutations whose statistic is defined; the others
            (fewer than three shared cells, or a constant triangle after the
            permutation) are left out of the p-value.
    """

    statistic: float
    p_value: float
    n_permutations: int
    n_pairs: int
    permutations_used: int


def _distance_matrix(matrix: npt.ArrayLike, name: str) -> FloatArray:
    array = np.asarray(matrix, dtype=float)
    if array.ndim != 2 or array.shape[0] != array.shape[1]:
        raise ValueError(f"{name} must be a square matrix; got shape {array.shape}.")
    if not np.allclose(array, array.T, equal_nan=True):
        asymmetry = np.nanmax(np.abs(array - array.T))
        raise ValueError(
            f"{name} must be symmetric (NaN mirrored too); largest |{name} - "
            f"{name}.T| is {asymmetry!r}."
        )
    return array


def _masked_statistic(x: FloatArray, y: FloatArray, method: str) -> float:
    """Correlates x and y over the cells present in both; NaN if undefined."""
    keep = ~(np.isnan(x) | np.isnan(y))
    if keep.sum() < 3:
        return NAN
    return float(correlation_function(method)(x[keep], y[keep]))


def mantel(
    d1: npt.ArrayLike,
    d2: npt.ArrayLike,
    n_permutations: int = 999,
    *,
    rng: RngLike,
    method: CorrelationMethod = "pearson",
) -> MantelResult:
    """Tests whether two distance matrices over the same items correlate.

    The statistic is the Pearson or Spearman correlation of the two upper
    triangles (diagonal excluded). The null distribution comes from permuting
    the rows and columns of ``d2`` together; the one-sided p-value is
    (k + 1) / (m + 1), where m permuted statistics are defined and k of them
    are >= the observed one. NaN cells (pairs not sampled) are left out of
    each correlation, so every permutation is scored on the cells present in
    both matrices after it; a permutation whose statistic is then undefined
    is not a draw from the null of this statistic and is left out of both k
    and m (``permutations_used`` says how many remain).

    Args:
        d1: Square symmetric matrix of distances between items.
        d2: Square symmetric matrix over the same items in the same order.
        n_permutations: Number of permutations, >= 1.
        rng: Generator (or int seed) that draws the permutations.
        method: "pearson" or "spearman".

    Returns:
        The statistic, p-value and pair count; NaN statistic and p-value (with a
        warning) when fewer than three pairs remain or a triangle is constant,
        and a NaN p-value when no permuted statistic is defined.

    Raises:
        ValueError: If a matrix is not square and symmetric, the shapes differ,
            or n_permutations < 1.
    """
    first, second = _distance_matrix(d1, "d1"), _distance_matrix(d2, "d2")
    correlation_function(method)
    if first.shape != second.shape:
        raise ValueError(f"d1 and d2 differ in shape: {first.shape}, {second.shape}.")
    if n_permutations < 1:
        raise ValueError(f"n_permutations must be >= 1; got {n_permutations!r}.")

    upper = np.triu_indices(first.shape[0], k=1)
    x, y = first[upper], second[upper]
    n_pairs = int(np.sum(~(np.isnan(x) | np.isnan(y))))
    observed = _masked_statistic(x, y, method)
    if np.isnan(observed):
        logger.warning("Mantel statistic undefined over %d pairs; NaN.", n_pairs)
        return MantelResult(NAN, NAN, n_permutations, n_pairs, 0)

    generator = as_rng(rng)
    permuted = np.empty(n_permutations)
    for index in range(n_permutations):
        order = generator.permutation(first.shape[0])
        permuted[index] = _masked_statistic(
            x, second[np.ix_(order, order)][upper], method
        )
    defined = permuted[~np.isnan(permuted)]
    if defined.size < n_permutations:
        logger.warning(
            "Mantel: %d of %d permuted statistics undefined; left out of the p-value.",
            n_permutations - defined.size,
            n_permutations,
        )
    if defined.size == 0:
        return MantelResult(observed, NAN, n_permutations, n_pairs, 0)
    at_least = int(np.sum(defined >= observed - _TIE_TOLERANCE))
    p_value = (at_least + 1) / (defined.size + 1)
    return MantelResult(observed, p_value, n_permutations, n_pairs, defined.size)
