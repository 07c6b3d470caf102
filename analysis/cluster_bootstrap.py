"""Estimates over values that come in clusters, with a bootstrap over clusters.

Values of one cluster are not independent: the two directions of a taste pair
share the pair's baseline ratings, the samples of one item share the item.
Resampling single values then gives intervals that are too narrow. Here the
clusters are resampled with replacement and each drawn cluster brings all its
values along (the cluster, or block, bootstrap); the interval comes from
``analysis._statistics_base.bootstrap_interval``, so BCa's acceleration is
estimated by leaving out one cluster at a time.

Every statistic is built from per-cluster counts, sums and sums of squares, so
a resample costs one gather. NaN values are left out before counting.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis._statistics_base import (
    NAN,
    CiMethod,
    FloatArray,
    Result,
    RngLike,
    bootstrap_interval,
    check_confidence,
)

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ClusteredEstimate(Result):
    """A point estimate with a cluster-bootstrap confidence interval.

    Attributes:
        estimate: The point estimate, in the unit of the statistic.
        low: Lower interval bound (NaN when it cannot be computed).
        high: Upper interval bound (NaN when it cannot be computed).
        n: Number of non-NaN values used.
        clusters: Number of clusters holding at least one of them.
        resamples_dropped: Resamples of clusters on which the statistic was
            undefined, left out of the interval.
    """

    estimate: float
    low: float
    high: float
    n: int
    clusters: int
    resamples_dropped: int = 0


@dataclass(frozen=True)
class _Moments:
    """Count, sum and sum of squares of the non-NaN values of each cluster."""

    count: FloatArray
    total: FloatArray
    squares: FloatArray

    def over(self, drawn: npt.NDArray[np.intp]) -> tuple[FloatArray, ...]:
        """Totals over the drawn clusters (last axis)."""
        return tuple(
            part[drawn].sum(axis=-1) for part in (self.count, self.total, self.squares)
        )


def _cluster_codes(clusters: npt.ArrayLike, size: int) -> npt.NDArray[np.intp]:
    labels = pd.Series(np.asarray(clusters, dtype=object))
    if labels.size != size:
        raise ValueError(
            f"clusters must label every value; got {labels.size} labels for "
            f"{size} values."
        )
    codes, _ = pd.factorize(labels)
    if (codes < 0).any():
        raise ValueError(f"clusters has {int((codes < 0).sum())} missing labels.")
    return codes.astype(np.intp)


def _moments(values: npt.ArrayLike, codes: npt.NDArray[np.intp]) -> _Moments:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size != codes.size:
        raise ValueError(
            f"values must be one-dimensional with one cluster label each; got "
            f"shape {array.shape} for {codes.size} labels."
        )
    keep = ~np.isnan(array)
    width = int(codes.max()) + 1 if codes.size else 0
    kept, where = array[keep], codes[keep]
    return _Moments(
        np.bincount(where, minlength=width).astype(float),
        np.bincount(where, weights=kept, minlength=width).astype(float),
        np.bincount(where, weights=kept**2, minlength=width).astype(float),
    )


def _sum_of_squares(count: FloatArray, total: FloatArray, squares: FloatArray) -> Any:
    """Sum of squared deviations from the mean; tiny rounding below 0 is 0."""
    with np.errstate(invalid="ignore", divide="ignore"):
        deviations = squares - total**2 / count
    return np.maximum(deviations, 0.0)


def _interval(
    estimate: float,
    used: int,
    occupied: FloatArray,
    statistic: Callable[[npt.NDArray[np.intp]], Any],
    rng: RngLike,
    confidence: float,
    n_resamples: int,
    ci_method: CiMethod,
) -> ClusteredEstimate:
    """Bootstraps ``statistic`` (drawn cluster indices -> value) over clusters."""
    clusters = int(np.count_nonzero(occupied))
    if not np.isfinite(estimate) or clusters < 2:
        logger.warning(
            "Cluster bootstrap undefined: estimate %s over %d cluster(s); NaN.",
            estimate,
            clusters,
        )
        return ClusteredEstimate(estimate, NAN, NAN, used, clusters)
    # Clusters without any value add nothing, so only the occupied ones are drawn.
    indices = np.flatnonzero(occupied).astype(float)

    def on_draws(drawn: FloatArray, axis: int = -1) -> Any:
        with np.errstate(invalid="ignore", divide="ignore"):
            return statistic(np.moveaxis(drawn, axis, -1).astype(np.intp))

    interval = bootstrap_interval(
        (indices,), on_draws, rng, confidence, n_resamples, ci_method
    )
    return ClusteredEstimate(
        estimate,
        interval.low,
        interval.high,
        used,
        clusters,
        interval.resamples_dropped,
    )


def clustered_mean_ci(
    values: npt.ArrayLike,
    clusters: npt.ArrayLike,
    rng: RngLike,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    ci_method: CiMethod = "bca",
) -> ClusteredEstimate:
    """Mean of all values, with a bootstrap interval that resamples clusters.

    Args:
        values: One-dimensional values in any unit; NaN entries are dropped.
        clusters: One label per value (e.g. the taste pair's id).
        rng: Generator (or int seed) that draws the resamples.
        confidence: Interval coverage, in (0, 1).
        n_resamples: Number of bootstrap resamples, >= 1.
        ci_method: "bca" or "percentile".

    Returns:
        The mean, in the unit of ``values``; NaN interval (with a warning)
        when fewer than two clusters hold a value, a zero-width one when every
        value is equal.
    """
    check_confidence(confidence)
    array = np.asarray(values, dtype=float)
    moments = _moments(array, _cluster_codes(clusters, array.size))
    used = int(moments.count.sum())
    estimate = float(moments.total.sum() / used) if used else NAN
    defined = array[~np.isnan(array)]
    if used and np.ptp(defined) == 0 and np.count_nonzero(moments.count) > 1:
        logger.warning("All %d values equal %s; zero-width interval.", used, estimate)
        return ClusteredEstimate(
            estimate, estimate, estimate, used, int(np.count_nonzero(moments.count))
        )

    def mean(drawn: npt.NDArray[np.intp]) -> Any:
        count, total, _ = moments.over(drawn)
        return total / count

    return _interval(
        estimate, used, moments.count, mean, rng, confidence, n_resamples, ci_method
    )


def clustered_cohens_d(
    a: npt.ArrayLike,
    a_clusters: npt.ArrayLike,
    b: npt.ArrayLike,
    b_clusters: npt.ArrayLike,
    rng: RngLike,
    confidence: float = 0.95,
    n_resamples: int = 2000,
    ci_method: CiMethod = "bca",
) -> ClusteredEstimate:
    """Cohen's d of sample a against sample b, resampling clusters of both.

    d = (mean(a) - mean(b)) / pooled SD, each sample's variance with ddof=1,
    as ``analysis.statistics.cohens_d``. A drawn cluster brings its values of
    both samples, so a cluster that feeds both (a taste pair's baseline and
    in-group ratings) stays whole.

    Args:
        a: First sample, one-dimensional; NaN entries are dropped.
        a_clusters: One cluster label per value of ``a``.
        b: Second sample, in the same unit as ``a``.
        b_clusters: One cluster label per value of ``b``, from the same set.
        rng: Generator (or int seed) that draws the resamples.
        confidence: Interval coverage, in (0, 1).
        n_resamples: Number of bootstrap resamples, >= 1.
        ci_method: "bca" or "percentile".

    Returns:
        d in pooled-SD units, with n = n_a + n_b; NaN (with a warning) when a
        sample has fewer than two values or neither varies.
    """
    check_confidence(confidence)
    xa, xb = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    codes, _ = pd.factorize(
        pd.Series(np.concatenate([np.asarray(a_clusters), np.asarray(b_clusters)]))
    )
    if (codes < 0).any() or codes.size != xa.size + xb.size:
        raise ValueError(
            f"a_clusters and b_clusters must label every value; got "
            f"{codes.size} labels for {xa.size} + {xb.size} values."
        )
    first = _moments(xa, codes[: xa.size].astype(np.intp))
    second = _moments(xb, codes[xa.size :].astype(np.intp))
    width = max(first.count.size, second.count.size)
    first, second = (_padded(m, width) for m in (first, second))

    def d(drawn: npt.NDArray[np.intp]) -> Any:
        n_a, sum_a, squares_a = first.over(drawn)
        n_b, sum_b, squares_b = second.over(drawn)
        pooled = (
            _sum_of_squares(n_a, sum_a, squares_a)
            + _sum_of_squares(n_b, sum_b, squares_b)
        ) / (n_a + n_b - 2)
        return (sum_a / n_a - sum_b / n_b) / np.sqrt(pooled)

    used = int(first.count.sum() + second.count.sum())
    occupied = first.count + second.count
    with np.errstate(invalid="ignore", divide="ignore"):
        estimate = float(d(np.arange(width)))
    if first.count.sum() < 2 or second.count.sum() < 2 or not np.isfinite(estimate):
        logger.warning(
            "Cohen's d undefined for sizes %d, %d or zero pooled SD; NaN.",
            first.count.sum(),
            second.count.sum(),
        )
        return ClusteredEstimate(NAN, NAN, NAN, used, int(np.count_nonzero(occupied)))
    return _interval(
        estimate, used, occupied, d, rng, confidence, n_resamples, ci_method
    )


def _padded(moments: _Moments, width: int) -> _Moments:
    def pad(part: FloatArray) -> FloatArray:
        return np.pad(part, (0, width - part.size))

    return _Moments(pad(moments.count), pad(moments.total), pad(moments.squares))


def clustered_ratio_of_means(
    numerator: npt.ArrayLike,
    denominator: npt.ArrayLike,
    rng: RngLike,
    clusters: npt.ArrayLike | None = None,
    confidence: float = 0.95,
    n_resamples: int = 2000,
) -> ClusteredEstimate:
    """mean(numerator) / mean(denominator) over paired rows, with a CI.

    Rows with NaN on either side are left out first. The interval is a
    percentile bootstrap that resamples clusters of rows (each row its own
    cluster when ``clusters`` is None), a row's two values together. A
    resample whose denominator mean is 0 gives an infinite ratio, kept as the
    extreme it is (so the bound on that side may be infinite, null in JSON);
    0 / 0 is undefined and left out.

    Returns:
        The ratio; NaN (with a warning) when fewer than two complete rows
        remain or the denominator's mean is 0.
    """
    check_confidence(confidence)
    top, bottom = np.asarray(numerator, float), np.asarray(denominator, float)
    labels = np.arange(top.size) if clusters is None else np.asarray(clusters)
    codes = _cluster_codes(labels, top.size)
    incomplete = np.isnan(top) | np.isnan(bottom)
    tops = _moments(np.where(incomplete, NAN, top), codes)
    bottoms = _moments(np.where(incomplete, NAN, bottom), codes)
    used = int(tops.count.sum())
    if used < 2 or bottoms.total.sum() == 0:
        logger.warning("ratio of means undefined for %d rows; NaN", used)
        return ClusteredEstimate(NAN, NAN, NAN, used, int(np.count_nonzero(tops.count)))

    def ratio(drawn: npt.NDArray[np.intp]) -> Any:
        return tops.over(drawn)[1] / bottoms.over(drawn)[1]

    estimate = float(tops.total.sum() / bottoms.total.sum())
    return _interval(
        estimate, used, tops.count, ratio, rng, confidence, n_resamples, "percentile"
    )
