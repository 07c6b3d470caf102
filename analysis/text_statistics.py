"""Which words set one body of text apart from another.

Implements the weighted log-odds ratio with an informative Dirichlet prior of
Monroe, Colaresi & Quinn (2008), "Fightin' Words: Lexical Feature Selection and
Evaluation for Identifying the Content of Political Conflict", Political
Analysis 16(4). With word counts y_w^i in group i, totals n^i, prior
pseudo-counts alpha_w and alpha_0 = sum_w alpha_w:

    omega_w^i = (y_w^i + alpha_w) / (n^i + alpha_0 - y_w^i - alpha_w)
    delta_w = log(omega_w^a) - log(omega_w^b)
    variance_w ~ 1 / (y_w^a + alpha_w) + 1 / (y_w^b + alpha_w)
    z_w = delta_w / sqrt(variance_w)
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

import numpy as np
import pandas as pd

from analysis._statistics_base import NAN, FloatArray

logger = logging.getLogger(__name__)

_COLUMNS = ["word", "count_a", "count_b", "delta", "variance", "z"]


def _counts(counts: Mapping[str, int], words: list[str], name: str) -> FloatArray:
    values = np.array([counts.get(word, 0) for word in words], dtype=float)
    negative = [word for word, value in zip(words, values, strict=True) if value < 0]
    if negative:
        raise ValueError(f"{name} must be >= 0; negative for {negative[:5]}.")
    return values


def _pseudo_counts(
    words: list[str],
    pooled: FloatArray,
    prior: Mapping[str, float] | None,
    prior_scale: float,
) -> FloatArray:
    """Returns alpha_w: prior weights rescaled to sum to prior_scale * total count."""
    if prior_scale <= 0:
        raise ValueError(f"prior_scale must be > 0; got {prior_scale!r}.")
    if prior is None:
        weights = pooled
    else:
        weights = np.array([prior.get(word, 0.0) for word in words], dtype=float)
        missing = [w for w, v in zip(words, weights, strict=True) if not v > 0]
        if missing:
            raise ValueError(
                f"prior needs a positive weight for every counted word; missing or "
                f"not positive for {missing[:5]} ({len(missing)} in all)."
            )
    return prior_scale * pooled.sum() * weights / weights.sum()


def weighted_log_odds(
    counts_a: Mapping[str, int],
    counts_b: Mapping[str, int],
    prior: Mapping[str, float] | None = None,
    prior_scale: float = 1.0,
) -> pd.DataFrame:
    """Ranks words by how much more group a uses them than group b.

    Args:
        counts_a: Word -> number of occurrences in group a (>= 0).
        counts_b: Word -> number of occurrences in group b (>= 0).
        prior: Word -> positive prior weight (e.g. counts in a background
            corpus); only its shares over the counted words matter. None uses
            the pooled counts of a and b.
        prior_scale: Total prior pseudo-count as a multiple of the pooled token
            count, > 0: alpha_0 = prior_scale * (n^a + n^b). The default 1.0
            with the default prior makes alpha_w the pooled count of w. Larger
            values shrink delta of rare words harder.

    Returns:
        One row per word counted at least once, with columns word, count_a,
        count_b, delta (log-odds ratio a vs b), variance (its approximate
        variance) and z (delta / sqrt(variance)); sorted by z descending, so
        the words over-used in a come first (ties by word). When a group has
        no tokens or fewer than two words are counted, delta, variance and z
        are NaN and a warning is logged.

    Raises:
        ValueError: If a count is negative, prior_scale <= 0, or ``prior``
            lacks a positive weight for a counted word.
    """
    candidates = sorted(set(counts_a) | set(counts_b))
    y_a = _counts(counts_a, candidates, "counts_a")
    y_b = _counts(counts_b, candidates, "counts_b")
    used = (y_a + y_b) > 0
    words = [word for word, keep in zip(candidates, used, strict=True) if keep]
    y_a, y_b = y_a[used], y_b[used]
    alpha = _pseudo_counts(words, y_a + y_b, prior, prior_scale)

    n_a, n_b, alpha_0 = y_a.sum(), y_b.sum(), alpha.sum()
    if len(words) < 2 or n_a == 0 or n_b == 0:
        logger.warning(
            "Log-odds undefined for %d words with totals %d and %d; NaN.",
            len(words),
            n_a,
            n_b,
        )
        delta = variance = np.full(len(words), NAN)
    else:
        log_odds_a = np.log(y_a + alpha) - np.log(n_a + alpha_0 - y_a - alpha)
        log_odds_b = np.log(y_b + alpha) - np.log(n_b + alpha_0 - y_b - alpha)
        delta = log_odds_a - log_odds_b
        variance = 1.0 / (y_a + alpha) + 1.0 / (y_b + alpha)

    frame = pd.DataFrame({
        "word": words,
        "count_a": y_a.astype(int),
        "count_b": y_b.astype(int),
        "delta": delta,
        "variance": variance,
        "z": delta / np.sqrt(variance),
    }, columns=_COLUMNS)  # fmt: skip
    ordered = frame.sort_values(["z", "word"], ascending=[False, True])
    return ordered.reset_index(drop=True)
