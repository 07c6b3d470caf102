"""The `taste_bundling` comparer of `python -m analysis compare`.

Runs are grouped by a column (`--by model` for a sweep over models); each
group's bundle vector (per opposed persona pair and unrelated item, mean
rating of "loves A" minus "loves B") comes from its `taste_rating` measures.
For every two groups the table reports the Spearman correlation of their
bundle vectors over matched entries, with a bootstrap 95% CI and a Holm-
adjusted p-value; for every group, the mean absolute bundle difference.
"""

from __future__ import annotations

import itertools
import logging
import re
from collections.abc import Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.figures import scatter_with_fit
from analysis.pushback_measures import TABLE_COLUMNS
from analysis.run_folders import RunFolder
from analysis.statistics import holm, mean_ci
from analysis.sweep_comparison import CompareOptions, Comparison, measures_of
from analysis.taste_effects import bundle_vector, compare_bundles

logger = logging.getLogger(__name__)

EXPERIMENT = "taste_bundling"


def compare_taste_bundling(
    runs: Sequence[RunFolder], options: CompareOptions
) -> Comparison:
    """Bundle vectors of each group of runs, and their pairwise Spearman.

    Returns:
        Rows with `TABLE_COLUMNS`: kind "mean" per group (measure
        bundle_abs_difference, in rating points) and kind "comparison" per two
        groups (measure bundle_vector, test spearman, estimate = statistic =
        rho, p_holm over the table's comparisons); and one scatter figure per
        two groups.
    """
    measures = measures_of(runs)
    ratings = measures[measures["measure"] == "taste_rating"]
    vectors = {
        str(group): bundle_vector(part)
        for group, part in ratings.groupby(options.by, sort=True)
    }
    if len(vectors) < 2:
        logger.warning(
            "taste_bundling: one group by %s (%s); bundle vectors need two to compare",
            options.by,
            ", ".join(vectors) or "none",
        )
    rng = options.rng()
    rows = [
        _mean_row(options.by, group, vector, rng) for group, vector in vectors.items()
    ]
    rows += _comparison_rows(options.by, vectors, rng)
    table = pd.DataFrame(rows).reindex(columns=list(TABLE_COLUMNS))
    comparisons = (table["kind"] == "comparison").to_numpy()
    if comparisons.any():
        p_holm = holm(table.loc[comparisons, "p_value"].to_numpy(float))
        table.loc[comparisons, "p_holm"] = p_holm
        table["significant"] = table["significant"].astype(object)
        table.loc[comparisons, "significant"] = p_holm < 0.05
    return Comparison(table, _figures(vectors, options))


def _mean_row(
    by: str, group: str, vector: pd.DataFrame, rng: np.random.Generator
) -> dict[str, Any]:
    spread = mean_ci(vector["difference"].abs().to_numpy(float), rng)
    return {
        "experiment": EXPERIMENT,
        "measure": "bundle_abs_difference",
        "kind": "mean",
        "group_by": by,
        "group": group,
        "n": spread.n,
        "estimate": spread.estimate,
        "low": spread.low,
        "high": spread.high,
    }


def _comparison_rows(
    by: str, vectors: dict[str, pd.DataFrame], rng: np.random.Generator
) -> list[dict[str, Any]]:
    rows = []
    for result in compare_bundles(vectors, rng):
        rho = result["spearman"]
        rows.append({
            "experiment": EXPERIMENT,
            "measure": "bundle_vector",
            "kind": "comparison",
            "group_by": by,
            "group_a": result["a"],
            "group_b": result["b"],
            "n": rho["n"],
            "n_a": int(vectors[result["a"]]["difference"].notna().sum()),
            "n_b": int(vectors[result["b"]]["difference"].notna().sum()),
            "estimate": rho["estimate"],
            "low": rho["low"],
            "high": rho["high"],
            "test": "spearman",
            "statistic": rho["estimate"],
            "p_value": rho["p_value"],
        })  # fmt: skip
    return rows


def _figures(vectors: dict[str, pd.DataFrame], options: CompareOptions) -> list[Any]:
    figures = []
    for first, second in itertools.combinations(vectors, 2):
        merged = vectors[first].merge(
            vectors[second], on=["pair_id", "item"], suffixes=("_a", "_b")
        )
        name = f"bundle_{_slug(first)}_vs_{_slug(second)}.png"
        figures.append(
            scatter_with_fit(
                merged,
                "difference_a",
                "difference_b",
                options.figures / name,
                xlabel=f"bundle difference, {first} (rating points)",
                ylabel=f"bundle difference, {second} (rating points)",
                title="Taste bundles of two groups",
            )
        )
    return figures


def _slug(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9.-]+", "_", text)[:40]
