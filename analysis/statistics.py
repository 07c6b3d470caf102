"""Estimates with confidence intervals, and the public face of the statistics.

Every function is pure: arrays and counts in, small frozen results or data frames
out. Functions that resample take an explicit ``rng`` (a numpy ``Generator`` or
an int seed) and never touch global random state. Degenerate input (too few
values, zero spread) gives NaN estimates with the true ``n`` and a logged
warning; a bootstrap resample on which the statistic is undefined is left out
of the interval and counted in ``resamples_dropped``. Arguments that cannot be
right (mismatched lengths, ``successes > n``) raise ``ValueError`` naming the
bad value. Every result's ``to_dict()`` is ready for ``summary.json`` (NaN
becomes None).

The group comparisons and the Mantel test live in ``analysis.comparisons``, the
estimates over clustered values in ``analysis.cluster_bootstrap`` and the
weighted log-odds in ``analysis.text_statistics``; they are re-exported here so
that callers need one import.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from analysis._statistics_base import (
    NAN,
    CiMethod,
    CorrelationMethod,
    FloatArray,
    Result,
    RngLike,
    as_count,
    bootstrap_interval,
    check_confidence,
    complete_pairs,
    correlation_function,
    finite_values,
)
from analysis.cluster_bootstrap import (
    ClusteredEstimate,
    clustered_cohens_d,
    clustered_mean_ci,
    clustered_ratio_of_means,
)
from analysis.comparisons import (
    MantelResult,
    compare_means,
    compare_paired_rates,
    compare_rates,
    holm,
    mantel,
)
from analysis.text_statistics import weighted_log_odds

__all__ = [
    "CiMethod",
    "ClusteredEstimate",
    "Correlation",
    "CorrelationMethod",
    "Estimate",
    "MantelResult",
    "Rate",
    "clustered_cohens_d",
    "clustered_mean_ci",
    "clustered_ratio_of_means",
    "cohens_d",
    "compare_means",
    "compare_paired_rates",
    "compare_rates",
    "correlation",
    "holm",
    "mantel",
    "mean_ci",
    "mean_difference_ci",
    "paired_cohens_d",
    "rate",
    "survival_curve",
    "weighted_log_odds",
]

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Rate(Result):
    """A proportion with its Wilson score interval.

    Attributes:
        estimate: successes / n, in [0, 1]; NaN when n is 0.
        low: Lower interval bound, in [0, 1].
        high: Upper interval bound, in [0, 1].
        n: Number of trials.
        successes: Number of successes, 0 <= successes <= n.
    """

    estimate: float
    low: float
    high: float
    n: int
    successes: int


@dataclass(frozen=True)
class Estimate(Result):
    """A point estimate with a two-sided confidence interval.

    Attributes:
        estimate: The point estimate, in the unit of the input values.
        low: Lower interval bound (NaN when it cannot be computed, -inf when
            the bootstrap distribution's lower tail is infinite).
        high: Upper interval bound (NaN when it cannot be computed, inf when
            the upper tail is infinite).
        n: Number of non-NaN values used (for two samples, both together; for
            paired ones, the complete pairs).
        resamples_dropped: Bootstrap resamples left out because the statistic
            was undefined on them (0 for an analytic interval); see
            ``analysis._statistics_base.bootstrap_interval``.
    """

    estimate: float
    low: float
    high: float
    n: int
    resamples_dropped: int = 0


@dataclass(frozen=True)
class Correlation(Result):
    """A correlation coefficient with a bootstrap interval and a p-value.

    Attributes:
        method: "pearson" or "spearman".
        estimate: The coefficient, in [-1, 1].
        low: Lower bootstrap bound.
        high: Upper bootstrap bound.
        p_value: Two-sided p-value from scipy, in [0, 1].
        n: Number of complete (x, y) pairs used.
        resamples_dropped: Bootstrap resamples of pairs left out because the
            coefficient was undefined on them (e.g. all x values tied).
    """

    method: str
    estimate: float
    low: float
    high: float
    p_value: float
    n: int
    resamples_dropped: int = 0


def rate(successes: int, n: int, confidence: float = 0.95) -> Rate:
    """Estimates a proportion with a Wilson score interval.

    Args:
        successes: Number of successes, 0 <= successes <= n.
        n: Number of trials, >= 0.
        confidence: Interval coverage, in (0, 1).

    Returns:
        The rate in [0, 1] with its interval; all NaN (and a warning) when n is 0.

    Raises:
        ValueError: If the counts are not whole numbers with 0 <= successes <= n.
    """
    check_confidence(confidence)
    successes, n = as_count(successes, "successes"), as_count(n, "n")
    if n < 0 or not 0 <= successes <= n:
        raise ValueError(f"need 0 <= successes <= n; got successes={successes}, n={n}.")
    if n == 0:
        logger.warning("A rate over zero trials is undefined; reporting NaN.")
        return Rate(NAN, NAN, NAN, 0, 0)
    interval = stats.binomtest(successes, n).proportion_ci(
        confidence_level=confidence, method="wilson"
    )
    return Rate(successes / n, float(interval.low), float(interval.high), n, successes)


def _mean_along(sample: FloatArray, axis: int = -1) -> FloatArray:
    return np.mean(sample, axis=axis)


def _difference_along(a: FloatArray, b: FloatArray, axis: int = -1) -> FloatArray:
    return np.mean(a, axis=axis) - np.mean(b, axis=axis)


def mean_ci(
    values: npt.ArrayLike,
    rng: RngLike,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    ci_method: CiMethod = "bca",
) -> Estimate:
    """Estimates a mean with a bootstrap confidence interval.

    Args:
        values: One-dimensional values in any unit; NaN entries are dropped.
        rng: Generator (or int seed) that draws the resamples.
        confidence: Interval coverage, in (0, 1).
        n_resamples: Number of bootstrap resamples, >= 1.
        ci_method: "bca" (bias-corrected and accelerated) or "percentile".

    Returns:
        The mean and its interval, in the units of ``values``. Fewer than two
        values give NaN; values that are all equal give a zero-width interval.
        Both cases log a warning.
    """
    check_confidence(confidence)
    sample = finite_values(values, "values")
    if sample.size < 2:
        logger.warning("mean_ci needs at least 2 values; got %d.", sample.size)
        return Estimate(NAN, NAN, NAN, sample.size)
    mean = float(sample.mean())
    if np.ptp(sample) == 0:
        logger.warning(
            "All %d values equal %s; zero-width interval.", sample.size, mean
        )
        return Estimate(mean, mean, mean, sample.size)
    interval = bootstrap_interval(
        (sample,), _mean_along, rng, confidence, n_resamples, ci_method
    )
    return Estimate(
        mean, interval.low, interval.high, sample.size, interval.resamples_dropped
    )


def mean_difference_ci(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    rng: RngLike,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    ci_method: CiMethod = "bca",
) -> Estimate:
    """Estimates mean(a) - mean(b) for independent samples, with a bootstrap CI.

    Each sample is resampled on its own. NaN entries are dropped; ``n`` of the
    result is the number of values in both samples together.

    Args:
        a: First sample, one-dimensional.
        b: Second sample, one-dimensional, in the same unit as ``a``.
        rng: Generator (or int seed) that draws the resamples.
        confidence: Interval coverage, in (0, 1).
        n_resamples: Number of bootstrap resamples, >= 1.
        ci_method: "bca" or "percentile".

    Returns:
        The difference in the unit of the inputs; NaN (with a warning) when a
        sample has fewer than two values, a zero-width interval when neither
        sample varies.
    """
    check_confidence(confidence)
    xa, xb = finite_values(a, "a"), finite_values(b, "b")
    n = xa.size + xb.size
    if xa.size < 2 or xb.size < 2:
        logger.warning("Need 2 values per sample; got %d and %d.", xa.size, xb.size)
        return Estimate(NAN, NAN, NAN, n)
    difference = float(xa.mean() - xb.mean())
    if np.ptp(xa) == 0 and np.ptp(xb) == 0:
        logger.warning("Neither sample varies; zero-width interval.")
        return Estimate(difference, difference, difference, n)
    interval = bootstrap_interval(
        (xa, xb), _difference_along, rng, confidence, n_resamples, ci_method
    )
    return Estimate(
        difference, interval.low, interval.high, n, interval.resamples_dropped
    )


def correlation(
    x: npt.ArrayLike,
    y: npt.ArrayLike,
    method: CorrelationMethod,
    rng: RngLike,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    ci_method: CiMethod = "bca",
) -> Correlation:
    """Correlates paired values, with scipy's p-value and a bootstrap CI over pairs.

    Args:
        x: One-dimensional values.
        y: One-dimensional values, as long as ``x``. Pairs with NaN are dropped.
        method: "pearson" (linear) or "spearman" (rank).
        rng: Generator (or int seed) that draws the resamples of pairs.
        confidence: Interval coverage, in (0, 1).
        n_resamples: Number of bootstrap resamples, >= 1.
        ci_method: "bca" or "percentile".

    Returns:
        The coefficient in [-1, 1]; NaN (with a warning) when fewer than three
        complete pairs remain or either variable is constant.
    """
    check_confidence(confidence)
    statistic = correlation_function(method)
    xs, ys = complete_pairs(x, y)
    if xs.size < 3 or np.ptp(xs) == 0 or np.ptp(ys) == 0:
        logger.warning(
            "Correlation undefined: %d pairs or a constant variable.", xs.size
        )
        return Correlation(method, NAN, NAN, NAN, NAN, xs.size)
    test = stats.pearsonr(xs, ys) if method == "pearson" else stats.spearmanr(xs, ys)
    low, high, dropped = bootstrap_interval(
        (xs, ys), statistic, rng, confidence, n_resamples, ci_method, paired=True
    )
    return Correlation(
        method, float(test.statistic), low, high, float(test.pvalue), xs.size, dropped
    )


def _pooled_sd(a: FloatArray, b: FloatArray, axis: int = -1) -> FloatArray:
    """Pooled standard deviation of two samples, each with ddof=1."""
    n_a, n_b = a.shape[axis], b.shape[axis]
    pooled_variance = (
        (n_a - 1) * np.var(a, axis=axis, ddof=1)
        + (n_b - 1) * np.var(b, axis=axis, ddof=1)
    ) / (n_a + n_b - 2)
    return np.sqrt(pooled_variance)


def _cohens_d_along(a: FloatArray, b: FloatArray, axis: int = -1) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return _difference_along(a, b, axis=axis) / _pooled_sd(a, b, axis=axis)


def cohens_d(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    rng: RngLike | None = None,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    ci_method: CiMethod = "bca",
) -> Estimate:
    """Standardised mean difference (mean(a) - mean(b)) / pooled SD.

    The pooled SD uses ddof=1 in each sample; d is not corrected for small-sample
    bias (Hedges' g). Without ``rng`` the interval is d +- z * SE with the
    large-sample variance of Hedges & Olkin (1985),
    SE^2 = (n_a + n_b) / (n_a * n_b) + d^2 / (2 * (n_a + n_b)). With ``rng`` it
    is a bootstrap interval that resamples each sample on its own.

    Args:
        a: First sample, one-dimensional; NaN entries are dropped.
        b: Second sample, one-dimensional, in the same unit as ``a``.
        rng: Generator (or int seed) for a bootstrap interval; None for the
            analytic one.
        confidence: Interval coverage, in (0, 1).
        n_resamples: Number of bootstrap resamples, >= 1 (with ``rng`` only).
        ci_method: "bca" or "percentile" (with ``rng`` only).

    Returns:
        d in pooled-SD units, with ``n`` = n_a + n_b; NaN (with a warning) when a
        sample has fewer than two values or neither sample varies.
    """
    check_confidence(confidence)
    xa, xb = finite_values(a, "a"), finite_values(b, "b")
    n = xa.size + xb.size
    if xa.size < 2 or xb.size < 2 or float(_pooled_sd(xa, xb)) == 0:
        logger.warning(
            "Cohen's d undefined for sizes %d, %d or zero pooled SD; NaN.",
            xa.size,
            xb.size,
        )
        return Estimate(NAN, NAN, NAN, n)
    d = float(_cohens_d_along(xa, xb))

    if rng is None:
        variance = n / (xa.size * xb.size) + d**2 / (2 * n)
        half_width = float(stats.norm.ppf(0.5 + confidence / 2)) * variance**0.5
        return Estimate(d, d - half_width, d + half_width, n)
    interval = bootstrap_interval(
        (xa, xb), _cohens_d_along, rng, confidence, n_resamples, ci_method
    )
    return Estimate(d, interval.low, interval.high, n, interval.resamples_dropped)


def _standardised_mean_along(differences: FloatArray, axis: int = -1) -> FloatArray:
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.mean(differences, axis=axis) / np.std(differences, axis=axis, ddof=1)


def paired_cohens_d(
    a: npt.ArrayLike,
    b: npt.ArrayLike,
    rng: RngLike | None = None,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    ci_method: CiMethod = "bca",
) -> Estimate:
    """Standardised mean of paired differences, d_z = mean(a - b) / SD(a - b).

    For two measurements of the same units (a persona's in-group and
    out-group descriptions). The SD of the differences uses ddof=1. d_z is
    not Cohen's d of the two samples: it grows with the correlation of a and
    b, as the paired test's power does. Without ``rng`` the interval is
    d_z +- z * SE with the large-sample SE^2 = 1/n + d_z^2 / (2n); with
    ``rng`` it is a bootstrap interval that resamples the pairs.

    Args:
        a: First measurement of each unit, one-dimensional.
        b: Second measurement of the same units in the same order, as long as
            ``a``. Units with NaN on either side are dropped.
        rng: Generator (or int seed) for a bootstrap interval; None for the
            analytic one.
        confidence: Interval coverage, in (0, 1).
        n_resamples: Number of bootstrap resamples, >= 1 (with ``rng`` only).
        ci_method: "bca" or "percentile" (with ``rng`` only).

    Returns:
        d_z in SDs of the differences, with ``n`` = the number of complete
        pairs; NaN (with a warning) when fewer than two pairs remain or the
        differences do not vary.
    """
    check_confidence(confidence)
    xa, xb = complete_pairs(a, b)
    differences = xa - xb
    n = differences.size
    if n < 2 or np.ptp(differences) == 0:
        logger.warning(
            "Paired d_z undefined for %d pairs or constant differences; NaN.", n
        )
        return Estimate(NAN, NAN, NAN, n)
    d_z = float(_standardised_mean_along(differences))

    if rng is None:
        half_width = (
            float(stats.norm.ppf(0.5 + confidence / 2)) * ((1 + d_z**2 / 2) / n) ** 0.5
        )
        return Estimate(d_z, d_z - half_width, d_z + half_width, n)
    interval = bootstrap_interval(
        (differences,),
        _standardised_mean_along,
        rng,
        confidence,
        n_resamples,
        ci_method,
    )
    return Estimate(d_z, interval.low, interval.high, n, interval.resamples_dropped)


def survival_curve(first_event_level: npt.ArrayLike, levels: int) -> pd.DataFrame:
    """Kaplan-Meier share of episodes without the event after each level.

    Episodes climb a ladder of ``levels`` levels (e.g. escalating pushback). An
    episode's entry is the first level at which the event happened, or NaN when
    it never happened; those are censored at the end of the ladder, so the
    curve is the plain share still event-free.

    Args:
        first_event_level: One entry per episode: an integer in 1..levels, or NaN.
        levels: Number of levels on the ladder, >= 1.

    Returns:
        One row per level 1..levels with columns level, at_risk (episodes still
        event-free entering the level), events (first events at the level) and
        survival (share event-free after the level, in [0, 1]; NaN with a
        warning when there are no episodes).

    Raises:
        ValueError: If levels < 1 or an entry is not NaN or an integer in range.
    """
    levels = as_count(levels, "levels")
    if levels < 1:
        raise ValueError(f"levels must be >= 1; got {levels}.")
    observed = np.asarray(first_event_level, dtype=float)
    if observed.ndim != 1:
        raise ValueError(f"first_event_level must be 1-D; got shape {observed.shape}.")
    happened = observed[~np.isnan(observed)]
    bad = happened[(happened % 1 != 0) | (happened < 1) | (happened > levels)]
    if bad.size:
        raise ValueError(
            f"first_event_level entries must be NaN or integers in 1..{levels}; "
            f"got {bad[:5].tolist()}."
        )

    events = np.bincount(happened.astype(int), minlength=levels + 1)[1:]
    at_risk = observed.size - np.concatenate([[0], np.cumsum(events)[:-1]])
    # Once nobody is at risk the hazard is 0, so the curve stays where it ended.
    hazard = np.divide(events, at_risk, out=np.zeros(levels), where=at_risk > 0)
    survival = np.cumprod(1.0 - hazard)
    if observed.size == 0:
        logger.warning("survival_curve got no episodes; survival is NaN.")
        survival[:] = NAN
    return pd.DataFrame({
        "level": np.arange(1, levels + 1),
        "at_risk": at_risk,
        "events": events,
        "survival": survival,
    })  # fmt: skip
