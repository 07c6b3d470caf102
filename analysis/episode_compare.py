"""The comparer of experiments without one of their own: every episode measure.

A sweep of `first_meeting` over `network=random,divergence`, say, is compared
on each episode-level measure of its runs (the rows of `measures.parquet`
whose `turn` is empty): a measure whose values are all 0 or 1 as a Wilson rate
per group, compared by Fisher's exact test or chi-square; any other as a
bootstrap mean per group, compared by Mann-Whitney U. Every comparison joins
one Holm family per experiment, so testing many measures costs power, not
false positives.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.pushback_figures import intervals_by_group
from analysis.pushback_measures import Outcome, episode_table, summarise
from analysis.run_folders import RunFolder
from analysis.sweep_comparison import CompareOptions, Comparison, measures_of

logger = logging.getLogger(__name__)

#: At most this many measures get a figure; the table always has them all.
MAX_FIGURES = 8


def split_measures(wide: pd.DataFrame, by: str) -> tuple[list[str], list[str]]:
    """The episode measures of `wide` that are 0/1 outcomes, and the others.

    A measure with no finite value is left out of both.
    """
    key = {"run_id", "episode_id", by}
    rates: list[str] = []
    means: list[str] = []
    for measure in sorted(c for c in wide.columns if c not in key):
        values = wide[measure].to_numpy(dtype=float)
        values = values[np.isfinite(values)]
        if values.size == 0:
            continue
        is_binary = bool(np.isin(values, (0.0, 1.0)).all())
        (rates if is_binary else means).append(measure)
    return rates, means


def compare_episode_measures(
    runs: Sequence[RunFolder], options: CompareOptions
) -> Comparison:
    """Estimates per group and Holm-adjusted comparisons of every episode measure.

    Figures (one per measure, the first `MAX_FIGURES` in name order, means
    before rates) go to `options.figures`.
    """
    measures = measures_of(runs)
    experiment = runs[0].experiment
    wide = episode_table(measures, options.by)
    rates, means = split_measures(wide, options.by)
    rows = summarise(
        measures,
        experiment,
        options.by,
        rates=[Outcome(m) for m in rates],
        means=[Outcome(m) for m in means],
        rng=options.rng(),
    )
    drawn = (means + rates)[:MAX_FIGURES]
    if len(means) + len(rates) > len(drawn):
        logger.info(
            "%s: figures for %d of %d measures (the table has them all)",
            experiment,
            len(drawn),
            len(means) + len(rates),
        )
    figures = [_figure(rows, experiment, m, options) for m in drawn]
    return Comparison(rows, figures)


def _figure(
    rows: pd.DataFrame, experiment: str, measure: str, options: CompareOptions
) -> Path:
    estimates = rows[(rows["measure"] == measure) & (rows["kind"] != "comparison")]
    return intervals_by_group(
        estimates,
        options.figures / f"{experiment}_{measure}_by_{options.by}.png",
        group="group",
        ylabel=f"{measure} (95% interval)",
        title=f"{experiment}: {measure} by {options.by}",
        unit_interval=bool((estimates["kind"] == "rate").all()),
    )
