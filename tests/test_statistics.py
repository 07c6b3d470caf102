"""Specifications of analysis.statistics: each estimate against a direct computation
on the same input, and planted effects that the tests must find."""

from __future__ import annotations

import json
import logging
import math
import re
import warnings
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.statistics import (
    CiMethod,
    Correlation,
    CorrelationMethod,
    Estimate,
    Rate,
    cohens_d,
    compare_means,
    compare_paired_rates,
    compare_rates,
    correlation,
    holm,
    mantel,
    mean_ci,
    mean_difference_ci,
    paired_cohens_d,
    rate,
    survival_curve,
    weighted_log_odds,
)

Z95 = stats.norm.ppf(0.975)


def _distances(points: np.ndarray) -> np.ndarray:
    return np.linalg.norm(points[:, None, :] - points[None, :, :], axis=-1)


def _upper(matrix: np.ndarray) -> np.ndarray:
    return matrix[np.triu_indices(matrix.shape[0], k=1)]


# --- rate ---------------------------------------------------------------------


@pytest.mark.parametrize(("successes", "n"), [(0, 10), (3, 10), (47, 120), (50, 50)])
def test_rate_matches_the_wilson_formula(successes: int, n: int) -> None:
    p = successes / n
    centre = (p + Z95**2 / (2 * n)) / (1 + Z95**2 / n)
    half = Z95 / (1 + Z95**2 / n) * math.sqrt(p * (1 - p) / n + Z95**2 / (4 * n**2))

    result = rate(successes, n)

    assert result.estimate == pytest.approx(p)
    assert result.low == pytest.approx(max(0.0, centre - half), abs=1e-12)
    assert result.high == pytest.approx(min(1.0, centre + half), abs=1e-12)
    assert (result.n, result.successes) == (n, successes)


def test_rate_interval_narrows_with_lower_confidence() -> None:
    wide, narrow = rate(30, 100, confidence=0.99), rate(30, 100, confidence=0.8)
    assert wide.low < narrow.low < 0.3 < narrow.high < wide.high


def test_rate_of_zero_trials_is_nan_with_a_warning(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING):
        result = rate(0, 0)
    assert math.isnan(result.estimate) and math.isnan(result.low)
    assert result.n == 0
    assert "zero trials" in caplog.text


@pytest.mark.parametrize(("successes", "n"), [(5, 3), (-1, 3), (1.5, 3), (1, -2)])
def test_rate_rejects_impossible_counts(successes: float, n: int) -> None:
    with pytest.raises(ValueError, match=re.escape(str(successes))):
        rate(successes, n)  # type: ignore[arg-type]


def test_results_serialise_to_strict_json_with_nan_as_none() -> None:
    record = rate(0, 0).to_dict()
    assert json.loads(json.dumps(record, allow_nan=False)) == {
        "estimate": None, "low": None, "high": None, "n": 0, "successes": 0,
    }  # fmt: skip
    from_numpy = rate(np.int64(3), np.int64(9))  # type: ignore[arg-type]
    assert isinstance(from_numpy.to_dict()["n"], int)
    assert isinstance(rate(3, 9), Rate)


# --- means ----------------------------------------------------------------------


@pytest.mark.parametrize("ci_method", ["bca", "percentile"])
def test_mean_ci_drops_nan_and_covers_the_planted_mean(ci_method: CiMethod) -> None:
    rng = np.random.default_rng(11)
    values = np.append(rng.normal(2.0, 1.0, 500), [np.nan, np.nan])

    result = mean_ci(values, rng, ci_method=ci_method)

    assert result.n == 500
    assert result.estimate == pytest.approx(np.nanmean(values))
    assert result.low < 2.0 < result.high
    assert result.high - result.low < 0.3


def test_mean_ci_is_reproducible_from_an_int_seed() -> None:
    values = np.random.default_rng(0).exponential(size=40)
    assert mean_ci(values, 5) == mean_ci(values, 5)
    assert mean_ci(values, 5) != mean_ci(values, 6)


def test_mean_ci_degenerate_inputs(caplog: pytest.LogCaptureFixture) -> None:
    rng = np.random.default_rng(0)
    with caplog.at_level(logging.WARNING):
        empty, lone, flat = (
            mean_ci([], rng),
            mean_ci([np.nan, 4.0], rng),
            mean_ci([2.0, 2.0, 2.0], rng),
        )
    assert math.isnan(empty.estimate) and empty.n == 0
    assert math.isnan(lone.estimate) and lone.n == 1
    assert flat == Estimate(2.0, 2.0, 2.0, 3)
    assert len(caplog.records) == 3


def test_mean_difference_ci_covers_the_planted_difference() -> None:
    rng = np.random.default_rng(3)
    a, b = rng.normal(1.0, 1.0, 400), rng.normal(0.0, 2.0, 300)

    result = mean_difference_ci(a, b, rng)

    assert result.estimate == pytest.approx(a.mean() - b.mean())
    assert result.n == 700
    assert 0.0 < result.low < 1.0 < result.high


def test_mean_difference_ci_with_a_tiny_sample_is_nan() -> None:
    result = mean_difference_ci([1.0], [1.0, 2.0], np.random.default_rng(0))
    assert math.isnan(result.estimate) and result.n == 3


# --- correlation ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "scipy_test"),
    [("pearson", stats.pearsonr), ("spearman", stats.spearmanr)],
)
def test_correlation_matches_scipy_after_dropping_incomplete_pairs(
    method: CorrelationMethod, scipy_test: Callable[..., Any]
) -> None:
    rng = np.random.default_rng(5)
    x = rng.normal(size=80)
    y = 0.6 * x + rng.normal(size=80)
    x[3], y[10] = np.nan, np.nan
    keep = ~(np.isnan(x) | np.isnan(y))
    expected = scipy_test(x[keep], y[keep])

    result = correlation(x, y, method, rng)

    assert isinstance(result, Correlation) and result.method == method
    assert result.n == 78
    assert result.estimate == pytest.approx(expected.statistic)
    assert result.p_value == pytest.approx(expected.pvalue)
    assert result.low < result.estimate < result.high
    assert result.low > 0.0 and result.high < 1.0


def test_correlation_of_a_constant_is_nan_with_its_n() -> None:
    result = correlation([1, 1, 1, 1], [1, 2, 3, 4], "pearson", 0)
    assert math.isnan(result.estimate) and math.isnan(result.p_value)
    assert result.n == 4
    assert result.to_dict()["estimate"] is None


def test_correlation_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match=r"\(3,\) and \(2,\)"):
        correlation([1, 2, 3], [1, 2], "pearson", 0)
    with pytest.raises(ValueError, match="kendall"):
        correlation([1, 2, 3], [1, 2, 3], "kendall", 0)  # type: ignore[arg-type]


# --- bootstrap intervals with undefined resamples -----------------------------------


def _pearson_along(x: np.ndarray, y: np.ndarray, axis: int = -1) -> np.ndarray:
    xc = x - x.mean(axis=axis, keepdims=True)
    yc = y - y.mean(axis=axis, keepdims=True)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (xc * yc).sum(axis) / np.sqrt((xc**2).sum(axis) * (yc**2).sum(axis))


def _scipy_bootstrap(
    samples: tuple[np.ndarray, ...], statistic: Callable[..., Any], seed: int, **kw: Any
) -> Any:
    with np.errstate(invalid="ignore", divide="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        return stats.bootstrap(
            samples, statistic, n_resamples=2000, vectorized=True,
            rng=np.random.default_rng(seed), **kw,
        )  # fmt: skip


def _tied_stance_distances(seed: int) -> tuple[np.ndarray, np.ndarray]:
    # Hamming distances over 6 stances between 8 pairs: integers 0..6 that tie.
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 7, 8).astype(float)
    return x, x + rng.normal(0.0, 1.0, 8)


def test_correlation_interval_survives_resamples_whose_x_values_all_tie() -> None:
    # Before, any resample with constant x made scipy's whole interval NaN:
    # this happened on 9 of these 20 seeds.
    results = [
        correlation(*_tied_stance_distances(seed), "spearman", seed)
        for seed in range(20)
    ]

    assert all(r.low <= r.estimate <= r.high for r in results)
    assert sum(r.resamples_dropped > 0 for r in results) >= 5
    assert max(r.resamples_dropped for r in results) <= 0.1 * 2000
    assert all(r.to_dict()["low"] is not None for r in results)


def test_interval_with_dropped_resamples_is_scipys_percentile_over_the_rest() -> None:
    x = np.array([3.0, 3.0, 3.0, 2.0, 6.0, 2.0, 4.0, 2.0])
    y = np.array([2.1, 3.5, 2.6, 1.2, 6.3, 2.4, 3.9, 0.8])
    reference = _scipy_bootstrap((x, y), _pearson_along, 6, paired=True)
    distribution = reference.bootstrap_distribution
    defined = distribution[~np.isnan(distribution)]
    assert math.isnan(reference.confidence_interval.low)  # scipy alone: undefined

    result = correlation(x, y, "pearson", 6)

    assert result.resamples_dropped == distribution.size - defined.size > 0
    assert result.low == pytest.approx(np.quantile(defined, 0.025, method="lower"))
    assert result.high == pytest.approx(np.quantile(defined, 0.975, method="higher"))
    assert result.low < result.estimate < result.high


@pytest.mark.parametrize("ci_method", ["bca", "percentile"])
def test_intervals_equal_scipys_when_every_resample_is_defined(
    ci_method: CiMethod,
) -> None:
    rng = np.random.default_rng(21)
    x = rng.normal(size=30)
    y = 0.5 * x + rng.normal(size=30)

    result = correlation(x, y, "pearson", 4, ci_method=ci_method)
    mean = mean_ci(x, 4, ci_method=ci_method)

    paired = _scipy_bootstrap((x, y), _pearson_along, 4, paired=True, method=ci_method)
    alone = _scipy_bootstrap((x,), np.mean, 4, method=ci_method)
    assert result.resamples_dropped == mean.resamples_dropped == 0
    assert (result.low, result.high) == pytest.approx(tuple(paired.confidence_interval))
    assert (mean.low, mean.high) == pytest.approx(tuple(alone.confidence_interval))


def _d_along(a: np.ndarray, b: np.ndarray, axis: int = -1) -> np.ndarray:
    n_a, n_b = a.shape[axis], b.shape[axis]
    pooled = ((n_a - 1) * a.var(axis, ddof=1) + (n_b - 1) * b.var(axis, ddof=1)) / (
        n_a + n_b - 2
    )
    with np.errstate(invalid="ignore", divide="ignore"):
        return (a.mean(axis) - b.mean(axis)) / np.sqrt(pooled)


def test_cohens_d_of_six_ceiling_ratings_a_side_keeps_its_interval() -> None:
    # 1-5 ratings near the ceiling: a resample of only 5s on both sides has
    # zero pooled SD and zero difference, so d is 0/0 there.
    a = np.array([5.0, 5.0, 5.0, 5.0, 4.0, 5.0])
    b = np.array([4.0, 5.0, 5.0, 4.0, 5.0, 3.0])
    reference = _scipy_bootstrap((a, b), _d_along, 1)
    distribution = reference.bootstrap_distribution
    defined = distribution[~np.isnan(distribution)]
    assert math.isnan(reference.confidence_interval.high)  # scipy alone: undefined

    result = cohens_d(a, b, rng=1)

    assert 0 < result.resamples_dropped == distribution.size - defined.size < 200
    assert result.low == pytest.approx(np.quantile(defined, 0.025, method="lower"))
    assert result.high == pytest.approx(np.quantile(defined, 0.975, method="higher"))
    assert result.low < result.estimate < result.high


def test_an_infinite_tail_is_unbounded_not_dropped() -> None:
    # A resample of two constant samples with different means has d = +inf;
    # that happens in about 11% of resamples here, so the upper bound is inf.
    result = cohens_d([4.0] * 5 + [5.0], [2.0] * 5 + [3.0], rng=1)

    assert result.resamples_dropped == 0
    assert 0 < result.low < result.estimate and result.high == math.inf
    assert result.to_dict()["high"] is None


def test_interval_is_undefined_when_too_many_resamples_are(
    caplog: pytest.LogCaptureFixture,
) -> None:
    # With one x off the tie, a resample misses it with chance (7/8)^8 = 34%.
    x = [0.0] * 7 + [1.0]
    y = [0.1, 0.3, 0.2, 0.5, 0.4, 0.2, 0.1, 1.0]

    with caplog.at_level(logging.WARNING):
        result = correlation(x, y, "pearson", 3)

    assert not math.isnan(result.estimate)
    assert math.isnan(result.low) and math.isnan(result.high)
    assert 0.25 * 2000 < result.resamples_dropped < 0.45 * 2000
    assert "more than 10%" in caplog.text


def test_constant_input_stays_undefined() -> None:
    flat = correlation([2.0] * 8, list(range(8)), "spearman", 0)
    assert math.isnan(flat.low) and flat.resamples_dropped == 0
    assert math.isnan(cohens_d([3.0] * 6, [3.0] * 6, rng=0).low)
    assert math.isnan(paired_cohens_d([3.0, 4.0, 5.0], [2.0, 3.0, 4.0], rng=0).low)


# --- Cohen's d -----------------------------------------------------------------


def test_cohens_d_matches_the_pooled_sd_formula() -> None:
    a, b = np.array([4.0, 5.0, 6.0, 7.0, 9.0]), np.array([1.0, 3.0, 4.0, 4.0])
    pooled = math.sqrt(
        ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / 7
    )
    d = (a.mean() - b.mean()) / pooled
    se = math.sqrt(9 / 20 + d**2 / 18)

    result = cohens_d(a, b)

    assert result.estimate == pytest.approx(d)
    assert result.low == pytest.approx(d - Z95 * se)
    assert result.high == pytest.approx(d + Z95 * se)
    assert result.n == 9


def test_cohens_d_recovers_a_planted_in_group_shift() -> None:
    # Scripted ratings: in-group partners are rated 0.5 SD higher than out-group.
    rng = np.random.default_rng(2024)
    out_group = rng.normal(3.0, 1.0, 1000)
    in_group = rng.normal(3.5, 1.0, 1000)

    analytic = cohens_d(in_group, out_group)
    resampled = cohens_d(in_group, out_group, rng=rng, n_resamples=1000)

    for result in (analytic, resampled):
        assert result.low < 0.5 < result.high
        assert result.low > 0.3
    assert resampled.estimate == analytic.estimate


def test_cohens_d_without_spread_is_nan() -> None:
    result = cohens_d([2.0, 2.0, 2.0], [2.0, 2.0])
    assert math.isnan(result.estimate) and result.n == 5


def test_paired_cohens_d_matches_numpy_on_the_differences() -> None:
    rng = np.random.default_rng(12)
    persona = rng.normal(0.0, 2.0, 40)  # shared by both measurements
    inside = persona + 0.5 + rng.normal(0.0, 0.5, 40)
    outside = persona + rng.normal(0.0, 0.5, 40)
    inside[5] = np.nan
    keep = ~np.isnan(inside)
    differences = inside[keep] - outside[keep]
    d_z = differences.mean() / differences.std(ddof=1)
    se = math.sqrt((1 + d_z**2 / 2) / 39)

    analytic = paired_cohens_d(inside, outside)
    resampled = paired_cohens_d(inside, outside, rng=7)

    assert analytic.estimate == resampled.estimate == pytest.approx(d_z)
    assert analytic.n == 39
    assert (analytic.low, analytic.high) == pytest.approx(
        (d_z - Z95 * se, d_z + Z95 * se)
    )
    reference = _scipy_bootstrap(
        (differences,), lambda v, axis: v.mean(axis) / v.std(axis, ddof=1), 7
    )
    assert (resampled.low, resampled.high) == pytest.approx(
        tuple(reference.confidence_interval)
    )
    # Between-persona spread cancels in the pairs, not in Cohen's d.
    assert d_z > 2 * cohens_d(inside, outside).estimate


# --- Holm and group comparisons ---------------------------------------------------


def test_holm_against_a_hand_worked_example() -> None:
    # Sorted: 0.005*4=0.02, 0.01*3=0.03, 0.03*2=0.06, 0.04*1=0.04 -> max 0.06.
    adjusted = holm([0.01, 0.04, 0.03, 0.005])
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])


def test_holm_caps_at_one_and_leaves_nan_out_of_the_family() -> None:
    np.testing.assert_allclose(holm([0.5, 0.6]), [1.0, 1.0])
    np.testing.assert_allclose(holm([0.02, np.nan, 0.04]), [0.04, np.nan, 0.04])
    assert holm([]).shape == (0,)
    with pytest.raises(ValueError, match=r"1\.5"):
        holm([0.1, 1.5])


def test_compare_rates_finds_every_planted_difference() -> None:
    rng = np.random.default_rng(17)
    planted = {"control": 0.1, "polite": 0.3, "hostile": 0.6}
    counts = {name: (int(rng.binomial(300, p)), 300) for name, p in planted.items()}

    table = compare_rates(counts)

    assert list(zip(table["group_a"], table["group_b"], strict=True)) == [
        ("control", "polite"), ("control", "hostile"), ("polite", "hostile"),
    ]  # fmt: skip
    assert (table["test"] == "chi2").all()
    assert table["significant"].all()
    assert (table["p_holm"] >= table["p_value"]).all()


def _equal_rate_counts(seed: int) -> dict[str, tuple[int, int]]:
    rng = np.random.default_rng(seed)
    return {name: (int(rng.binomial(300, 0.3)), 300) for name in ("a", "b")}


def test_compare_rates_does_not_flag_equal_planted_rates() -> None:
    # Each seed has a 5% chance of a false positive by design; 4 of 5 seeds
    # must come out non-significant, which a test that always rejects fails.
    flagged = [compare_rates(_equal_rate_counts(seed))["significant"].iloc[0]
               for seed in range(5)]  # fmt: skip
    assert sum(flagged) <= 1


def test_compare_rates_false_positive_rate_is_near_alpha() -> None:
    # 200 seeded null comparisons: about 10 rejections expected (sd about 3.1).
    flagged = sum(
        compare_rates(_equal_rate_counts(seed))["significant"].iloc[0]
        for seed in range(200)
    )
    assert 3 <= flagged <= 19


def test_compare_rates_uses_fisher_for_small_cells_and_chi2_otherwise() -> None:
    small = compare_rates({"a": (1, 10), "b": (5, 10)}).iloc[0]
    large = compare_rates({"a": (30, 100), "b": (50, 100)}).iloc[0]

    assert small["test"] == "fisher"
    assert small["p_value"] == pytest.approx(
        stats.fisher_exact([[1, 9], [5, 5]]).pvalue
    )
    assert large["test"] == "chi2"
    assert large["p_value"] == pytest.approx(
        stats.chi2_contingency([[30, 70], [50, 50]], correction=False).pvalue
    )
    assert large["difference"] == pytest.approx(-0.2)


def test_compare_rates_rejects_impossible_counts() -> None:
    with pytest.raises(ValueError, match="'b'"):
        compare_rates({"a": (1, 10), "b": (11, 10)})


def test_compare_paired_rates_is_mcnemars_exact_binomial_test() -> None:
    # 8 units 1 -> 0, 1 unit 0 -> 1, one concordant, one without a control.
    hint = [1, 1, 1, 1, 1, 1, 1, 1, 0, 1, 1]
    control = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, np.nan]
    # Two-sided: 2 * P(X <= 1) for X ~ Binomial(9, 1/2).
    expected = 2 * (math.comb(9, 0) + math.comb(9, 1)) / 2**9

    row = compare_paired_rates({"hint": hint, "control": control}).iloc[0]

    assert row["test"] == "mcnemar"
    assert row["p_value"] == pytest.approx(expected) == pytest.approx(0.0390625)
    assert (row["n_a"], row["n_b"]) == (10, 10)
    assert row["rate_a"] == pytest.approx(0.9) and row["rate_b"] == pytest.approx(0.2)
    assert row["difference"] == pytest.approx(0.7)
    assert list(row.index) == list(compare_rates({"a": (1, 2), "b": (1, 2)}).columns)


def test_compare_paired_rates_without_discordant_units_or_shared_units() -> None:
    agree = compare_paired_rates({"a": [1, 0, 1], "b": [1, 0, 1]}).iloc[0]
    assert agree["p_value"] == 1.0 and agree["difference"] == 0.0
    apart = compare_paired_rates({"a": [1, np.nan], "b": [np.nan, 0]}).iloc[0]
    assert apart["test"] == "none" and math.isnan(apart["p_value"])
    assert apart["n_a"] == 0


def test_compare_paired_rates_rejects_unaligned_or_non_binary_outcomes() -> None:
    with pytest.raises(ValueError, match="equally long"):
        compare_paired_rates({"a": [1, 0, 1], "b": [1, 0]})
    with pytest.raises(ValueError, match=r"'b'.*2\.0"):
        compare_paired_rates({"a": [1, 0], "b": [1, 2]})


def test_compare_means_matches_scipy_mann_whitney() -> None:
    rng = np.random.default_rng(9)
    groups = {
        "a": rng.normal(0.0, 1.0, 40),
        "b": np.append(rng.normal(1.5, 1.0, 50), np.nan),
        "c": rng.normal(0.0, 1.0, 45),
    }

    table = compare_means(groups)

    row = table.iloc[0]
    expected = stats.mannwhitneyu(groups["a"], groups["b"][:-1])
    assert (row["group_a"], row["group_b"], row["n_b"]) == ("a", "b", 50)
    assert row["u"] == pytest.approx(expected.statistic)
    assert row["p_value"] == pytest.approx(expected.pvalue)
    assert row["mean_b"] == pytest.approx(np.nanmean(groups["b"]))
    np.testing.assert_allclose(table["p_holm"], holm(table["p_value"]))
    assert table["significant"].tolist() == [True, False, True]


# --- Mantel -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "coefficient"),
    [
        ("pearson", lambda x, y: np.corrcoef(x, y)[0, 1]),
        ("spearman", lambda x, y: stats.spearmanr(x, y).statistic),
    ],
)
def test_mantel_statistic_is_the_correlation_of_upper_triangles(
    method: CorrelationMethod, coefficient: Callable[..., float]
) -> None:
    rng = np.random.default_rng(1)
    d1 = _distances(rng.normal(size=(12, 2)))
    d2 = _distances(rng.normal(size=(12, 3)))

    result = mantel(d1, d2, 99, rng=rng, method=method)

    expected = coefficient(_upper(d1), _upper(d2))
    assert result.statistic == pytest.approx(expected)
    assert result.n_pairs == 66 and result.n_permutations == 99


def test_mantel_detects_a_built_in_correlation() -> None:
    rng = np.random.default_rng(8)
    d1 = _distances(rng.normal(size=(25, 2)))
    noise = rng.normal(0.0, 0.5, d1.shape)
    d2 = d1 + (noise + noise.T) / 2
    np.fill_diagonal(d2, 0.0)

    result = mantel(d1, d2, rng=rng)

    assert result.statistic > 0.5
    assert result.p_value < 0.01
    assert mantel(d1, d1, rng=rng).p_value == pytest.approx(1 / 1000)


def test_mantel_finds_nothing_between_independent_matrices() -> None:
    # Under the null the p-value is about uniform, so each seed has a 5% chance
    # of p <= 0.05 by luck; asking for 4 of 5 seeds leaves room for one such
    # seed while a test that always rejects would still fail.
    p_values = []
    for seed in range(5):
        rng = np.random.default_rng(seed)
        d1 = _distances(rng.normal(size=(20, 2)))
        d2 = _distances(rng.normal(size=(20, 2)))
        p_values.append(mantel(d1, d2, 499, rng=rng).p_value)
    assert sum(p > 0.05 for p in p_values) >= 4


def test_mantel_leaves_unsampled_pairs_out() -> None:
    rng = np.random.default_rng(4)
    d1 = _distances(rng.normal(size=(10, 2)))
    d2 = d1 + _distances(rng.normal(size=(10, 2)))
    for i, j in [(0, 1), (2, 7), (5, 9)]:
        d2[i, j] = d2[j, i] = np.nan
    x, y = _upper(d1), _upper(d2)
    keep = ~np.isnan(y)

    result = mantel(d1, d2, 199, rng=rng)

    assert result.n_pairs == 42
    assert result.statistic == pytest.approx(np.corrcoef(x[keep], y[keep])[0, 1])
    assert 0.0 < result.p_value <= 1.0


def _mantel_by_hand(
    d1: np.ndarray, d2: np.ndarray, n_permutations: int, seed: int
) -> tuple[float, int]:
    """(k + 1) / (m + 1) over the m permutations with a defined Pearson's r."""
    upper = np.triu_indices(d1.shape[0], k=1)
    x = d1[upper]

    def r(y: np.ndarray) -> float:
        keep = ~(np.isnan(x) | np.isnan(y))
        if keep.sum() < 3 or np.ptp(x[keep]) == 0 or np.ptp(y[keep]) == 0:
            return math.nan
        return float(np.corrcoef(x[keep], y[keep])[0, 1])

    observed = r(d2[upper])
    generator = np.random.default_rng(seed)
    permuted = []
    for _ in range(n_permutations):
        order = generator.permutation(d1.shape[0])
        permuted.append(r(d2[np.ix_(order, order)][upper]))
    defined = [value for value in permuted if not math.isnan(value)]
    at_least = sum(value >= observed - 1e-12 for value in defined)
    return (at_least + 1) / (len(defined) + 1), len(defined)


def _two_camps() -> tuple[np.ndarray, np.ndarray]:
    # d1 is known on the triangle of items 0, 1, 2 only; d2 is 0 within a camp
    # ({0, 1, 5} and {2, 3, 4}) and 1 across. A permutation that puts three
    # items of one camp on the triangle makes d2 constant there (undefined r:
    # chance 1/10), and given a defined r the observed one is reached with
    # chance exactly 1/3.
    d1 = np.full((6, 6), np.nan)
    np.fill_diagonal(d1, 0.0)
    for (i, j), value in {(0, 1): 1.0, (0, 2): 2.0, (1, 2): 3.0}.items():
        d1[i, j] = d1[j, i] = value
    camp = np.array([0, 0, 1, 1, 1, 0])
    d2 = (camp[:, None] != camp[None, :]).astype(float)
    return d1, d2


def test_mantel_leaves_undefined_permutations_out_of_the_p_value() -> None:
    d1, d2 = _two_camps()

    result = mantel(d1, d2, 4999, rng=31)

    assert result.statistic == pytest.approx(math.sqrt(3) / 2)
    assert 0.85 * 4999 < result.permutations_used < 0.95 * 4999
    # Counting undefined permutations as "below" would give about 0.30.
    assert result.p_value == pytest.approx(1 / 3, abs=0.02)


@pytest.mark.parametrize("matrices", ["camps", "points"])
def test_mantel_p_value_equals_a_direct_permutation_loop(matrices: str) -> None:
    if matrices == "camps":
        d1, d2 = _two_camps()
    else:
        rng = np.random.default_rng(2)
        d1 = _distances(rng.normal(size=(9, 2)))
        d2 = d1 + _distances(rng.normal(size=(9, 2)))
        d2[0, 3] = d2[3, 0] = np.nan

    result = mantel(d1, d2, 499, rng=17)

    p_value, used = _mantel_by_hand(d1, d2, 499, 17)
    assert result.permutations_used == used and result.n_permutations == 499
    assert result.p_value == pytest.approx(p_value)


def test_mantel_rejects_asymmetric_or_mismatched_matrices() -> None:
    square = _distances(np.arange(8.0).reshape(4, 2))
    skewed = square.copy()
    skewed[0, 1] += 1.0
    with pytest.raises(ValueError, match="d2 must be symmetric"):
        mantel(square, skewed, rng=0)
    with pytest.raises(ValueError, match="differ in shape"):
        mantel(square, square[:3, :3], rng=0)


# --- weighted log-odds ---------------------------------------------------------


def test_weighted_log_odds_matches_a_hand_worked_example() -> None:
    # Pooled prior: alpha = (4, 4), alpha_0 = 8, n_a = n_b = 4.
    # delta_x = log(7/5) - log(5/7); variance_x = 1/7 + 1/5.
    table = weighted_log_odds({"x": 3, "y": 1}, {"x": 1, "y": 3})

    delta = 2 * math.log(7 / 5)
    assert table["word"].tolist() == ["x", "y"]
    assert table["delta"].tolist() == pytest.approx([delta, -delta])
    assert table["variance"].tolist() == pytest.approx([12 / 35, 12 / 35])
    assert table["z"].iloc[0] == pytest.approx(delta / math.sqrt(12 / 35))


def test_weighted_log_odds_ranks_a_planted_over_used_word_first() -> None:
    shared = {"the": 500, "you": 200, "think": 80, "maybe": 30, "really": 25}
    counts_a = {**shared, "honestly": 60, "question": 12}
    counts_b = {**shared, "honestly": 5, "question": 14, "agree": 40}

    table = weighted_log_odds(counts_a, counts_b)

    assert table["word"].iloc[0] == "honestly"
    assert table["word"].iloc[-1] == "agree"
    assert table["z"].is_monotonic_decreasing
    assert list(table.columns) == [
        "word", "count_a", "count_b", "delta", "variance", "z",
    ]  # fmt: skip


def test_weighted_log_odds_prior_must_cover_every_word() -> None:
    with pytest.raises(ValueError, match="'b'"):
        weighted_log_odds({"a": 2, "b": 1}, {"a": 1}, prior={"a": 1.0})
    with pytest.raises(ValueError, match="negative"):
        weighted_log_odds({"a": -1}, {"a": 1})


def test_weighted_log_odds_with_an_empty_group_is_nan() -> None:
    table = weighted_log_odds({"a": 2, "b": 1}, {})
    assert table["z"].isna().all() and table["count_a"].tolist() == [2, 1]


# --- survival ----------------------------------------------------------------------


def test_survival_curve_on_a_tiny_hand_example() -> None:
    # Four episodes: event at level 1, two at level 2, one never (censored).
    curve = survival_curve([1, 2, 2, np.nan], levels=3)

    expected = pd.DataFrame({
        "level": [1, 2, 3],
        "at_risk": [4, 3, 1],
        "events": [1, 2, 0],
        "survival": [0.75, 0.25, 0.25],
    })  # fmt: skip
    pd.testing.assert_frame_equal(curve, expected, check_dtype=False)


def test_survival_curve_stays_at_zero_once_everyone_had_the_event() -> None:
    curve = survival_curve([1, 1], levels=3)
    assert curve["survival"].tolist() == [0.0, 0.0, 0.0]
    assert curve["at_risk"].tolist() == [2, 0, 0]


@pytest.mark.parametrize("bad", [[0], [4], [1.5]])
def test_survival_curve_rejects_levels_off_the_ladder(bad: list[float]) -> None:
    with pytest.raises(ValueError, match=r"1\.\.3"):
        survival_curve(bad, levels=3)
