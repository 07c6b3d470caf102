"""Statistics over the interaction graph's pairs (one row per edge)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.statistics import correlation, mean_difference_ci


def correlations(
    pairs: pd.DataFrame,
    predictors: Sequence[str],
    outcomes: Sequence[str],
    rng: np.random.Generator,
) -> dict[str, dict[str, Any]]:
    """Pearson and Spearman of each predictor with each outcome, with CIs.

    Returns:
        {"<predictor>~<outcome>": {"pearson": {...}, "spearman": {...}}}
    """
    table: dict[str, dict[str, Any]] = {}
    for predictor in predictors:
        for outcome in outcomes:
            x, y = pairs[predictor].to_numpy(float), pairs[outcome].to_numpy(float)
            table[f"{predictor}~{outcome}"] = {
                method: correlation(x, y, method=method, rng=rng).to_dict()
                for method in ("pearson", "spearman")
            }
    return table


def group_difference(
    pairs: pd.DataFrame,
    value: str,
    group: str,
    rng: np.random.Generator,
    high: str = "high",
    low: str = "low",
) -> dict[str, Any]:
    """Mean of `value` in the `high` group minus the `low` group, with CI."""
    a = pairs.loc[pairs[group] == high, value].to_numpy(float)
    b = pairs.loc[pairs[group] == low, value].to_numpy(float)
    return mean_difference_ci(a, b, rng=rng).to_dict()
