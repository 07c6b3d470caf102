"""Shared pieces of the statistics modules: result base, argument checks, bootstrap.

Private: import the public functions from ``analysis.statistics`` instead.
"""

from __future__ import annotations

import functools
import inspect
import logging
import math
import warnings
from collections.abc import Callable
from dataclasses import dataclass, fields
from typing import Any, Literal, NamedTuple

import numpy as np
import numpy.typing as npt
from scipy import stats

logger = logging.getLogger(__name__)

CorrelationMethod = Literal["pearson", "spearman"]
CiMethod = Literal["percentile", "bca"]
RngLike = np.random.Generator | int
FloatArray = npt.NDArray[np.float64]
NAN = math.nan
#: Largest share of bootstrap resamples whose statistic may be undefined (and
#: so left out) before the interval itself is reported as undefined: past it,
#: the resamples left describe a different population from the sample's.
MAX_DROPPED_SHARE = 0.1


def _json_value(value: Any) -> Any:
    """Turns numpy scalars into plain Python ones and non-finite floats into None."""
    if isinstance(value, bool | np.bool_):
        return bool(value)
    if isinstance(value, int | np.integer):
        return int(value)
    if isinstance(value, float | np.floating):
        return float(value) if math.isfinite(value) else None
    return value


@dataclass(frozen=True)
class Result:
    """Base of the result records: adds a JSON-ready ``to_dict``."""

    def to_dict(self) -> dict[str, Any]:
        """Returns the fields as plain Python values; NaN and inf become None."""
        return {f.name: _json_value(getattr(self, f.name)) for f in fields(self)}


def check_confidence(confidence: float) -> None:
    """Raises ValueError unless ``confidence`` lies in (0, 1)."""
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must lie in (0, 1); got {confidence!r}.")


def as_rng(rng: RngLike) -> np.random.Generator:
    """Returns ``rng`` itself, or a new generator seeded with it when it is an int."""
    if isinstance(rng, np.random.Generator):
        return rng
    if isinstance(rng, int | np.integer) and not isinstance(rng, bool):
        return np.random.default_rng(int(rng))
    raise ValueError(
        f"rng must be a numpy Generator or an int seed; got {type(rng).__name__}."
    )


def as_count(value: Any, name: str) -> int:
    """Returns ``value`` as an int; raises ValueError unless it is a whole number."""
    if isinstance(value, float | np.floating) and float(value).is_integer():
        return int(value)
    if isinstance(value, int | np.integer) and not isinstance(value, bool):
        return int(value)
    raise ValueError(f"{name} must be a whole number; got {value!r}.")


def finite_values(values: npt.ArrayLike, name: str) -> FloatArray:
    """Returns a one-dimensional float copy of ``values`` with NaN dropped."""
    array = np.asarray(values, dtype=float)
    if array.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional; got shape {array.shape}.")
    return array[~np.isnan(array)]


def complete_pairs(x: npt.ArrayLike, y: npt.ArrayLike) -> tuple[FloatArray, FloatArray]:
    """Returns x and y with every pair that has a NaN on either side dropped."""
    xs, ys = np.asarray(x, dtype=float), np.asarray(y, dtype=float)
    if xs.ndim != 1 or xs.shape != ys.shape:
        raise ValueError(
            f"x and y must be one-dimensional and equally long; got shapes "
            f"{xs.shape} and {ys.shape}."
        )
    keep = ~(np.isnan(xs) | np.isnan(ys))
    return xs[keep], ys[keep]


def pearson_along(x: FloatArray, y: FloatArray, axis: int = -1) -> FloatArray:
    """Pearson's r along ``axis``; NaN where either side has no spread."""
    x_centred = x - x.mean(axis=axis, keepdims=True)
    y_centred = y - y.mean(axis=axis, keepdims=True)
    spread = (x_centred**2).sum(axis=axis) * (y_centred**2).sum(axis=axis)
    with np.errstate(invalid="ignore", divide="ignore"):
        return (x_centred * y_centred).sum(axis=axis) / np.sqrt(spread)


def spearman_along(x: FloatArray, y: FloatArray, axis: int = -1) -> FloatArray:
    """Spearman's rho along ``axis``: Pearson's r of average ranks."""
    ranks_x = stats.rankdata(x, axis=axis)
    ranks_y = stats.rankdata(y, axis=axis)
    return pearson_along(ranks_x, ranks_y, axis=axis)


_CORRELATIONS: dict[str, Callable[..., Any]] = {
    "pearson": pearson_along,
    "spearman": spearman_along,
}


def correlation_function(method: str) -> Callable[..., Any]:
    """Returns the vectorised coefficient for ``method``; ValueError if unknown."""
    if method not in _CORRELATIONS:
        raise ValueError(
            f"method must be one of {sorted(_CORRELATIONS)}; got {method!r}."
        )
    return _CORRELATIONS[method]


@functools.cache
def _rng_keyword() -> str:
    """Names scipy.stats.bootstrap's generator argument (renamed in scipy 1.15)."""
    parameters = inspect.signature(stats.bootstrap).parameters
    return "rng" if "rng" in parameters else "random_state"


class BootstrapInterval(NamedTuple):
    """Bounds of a bootstrap interval and how many resamples were left out.

    Attributes:
        low: Lower bound, in the unit of the statistic; NaN when undefined,
            -inf when the lower tail is unbounded.
        high: Upper bound; NaN when undefined, inf when unbounded.
        resamples_dropped: Resamples whose statistic was undefined (NaN).
    """

    low: float
    high: float
    resamples_dropped: int


def bootstrap_interval(
    samples: tuple[FloatArray, ...],
    statistic: Callable[..., Any],
    rng: RngLike,
    confidence: float,
    n_resamples: int,
    ci_method: CiMethod,
    paired: bool = False,
) -> BootstrapInterval:
    """Runs scipy's bootstrap, keeping the interval when a few resamples fail.

    A resample can make the statistic undefined (NaN: a correlation over a
    resample whose x values all tie, Cohen's d of two constant resamples with
    equal means). scipy then reports NaN bounds. Here such resamples are left
    out and counted: when there are none and scipy's interval is defined, it
    is returned unchanged; otherwise, as long as at most
    ``MAX_DROPPED_SHARE`` of the resamples are undefined, the interval is the
    percentile one over the rest (order statistics, so an infinite statistic,
    such as Cohen's d with zero pooled SD but different means, stays at its
    extreme rather than being left out, and an unbounded tail gives an
    infinite bound). Beyond that share the interval is NaN. Every fallback is
    logged as a warning.

    Args:
        samples: One array per sample; each is resampled on its own unless
            ``paired``.
        statistic: Vectorised statistic taking the samples and ``axis``.
        rng: Generator (or int seed) that draws the resamples.
        confidence: Interval coverage, in (0, 1).
        n_resamples: Number of resamples, >= 1.
        ci_method: "bca" (bias-corrected and accelerated) or "percentile".
        paired: Resample the samples' elements together (e.g. (x, y) pairs).

    Returns:
        The bounds, in the unit of the statistic, and the number of resamples
        left out.
    """
    if n_resamples < 1:
        raise ValueError(f"n_resamples must be at least 1; got {n_resamples!r}.")
    if ci_method not in ("percentile", "bca"):
        raise ValueError(f"ci_method must be 'percentile' or 'bca'; got {ci_method!r}.")
    with warnings.catch_warnings():
        # Undefined resamples are handled (and logged) below.
        warnings.simplefilter("ignore", stats.DegenerateDataWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        result = stats.bootstrap(
            samples,
            statistic,
            n_resamples=n_resamples,
            confidence_level=confidence,
            method=ci_method,
            paired=paired,
            vectorized=True,
            **{_rng_keyword(): as_rng(rng)},
        )
    low, high = (float(bound) for bound in result.confidence_interval)
    distribution = np.asarray(result.bootstrap_distribution, dtype=float).ravel()
    defined = distribution[~np.isnan(distribution)]
    dropped = distribution.size - defined.size
    if dropped == 0 and math.isfinite(low) and math.isfinite(high):
        return BootstrapInterval(low, high, 0)

    sizes = [sample.size for sample in samples]
    if dropped > MAX_DROPPED_SHARE * distribution.size:
        logger.warning(
            "Bootstrap interval undefined for samples of size %s: %d of %d "
            "resamples have no value (more than %.0f%%); reporting NaN.",
            sizes,
            dropped,
            distribution.size,
            100 * MAX_DROPPED_SHARE,
        )
        return BootstrapInterval(NAN, NAN, dropped)
    tail = (1 - confidence) / 2
    low = float(np.quantile(defined, tail, method="lower"))
    high = float(np.quantile(defined, 1 - tail, method="higher"))
    logger.warning(
        "Bootstrap %s interval undefined for samples of size %s (%d of %d "
        "resamples have no value); percentile interval over the other %d.",
        ci_method,
        sizes,
        dropped,
        distribution.size,
        defined.size,
    )
    return BootstrapInterval(low, high, dropped)
