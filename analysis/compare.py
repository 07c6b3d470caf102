"""Compare the runs of a sweep: one table and figures beside the sweep folder.

`python -m analysis compare MULTIRUN_DIR` reads every run folder below the
sweep, groups the runs by experiment, and hands each experiment's runs to the
comparer registered under its name in `COMPARERS`, or, for an experiment
without one, to `analysis.episode_compare` (every episode measure by group).
Each comparer returns rows with the columns of
`analysis.pushback_measures.TABLE_COLUMNS` (plus any of its own) and the
figures it drew; the rows of all experiments go to `comparison.csv`, the
figures to `figures/`.

To add a comparer for another experiment, write a function
`(runs, options) -> Comparison` and add it to `COMPARERS` under the
experiment's name (or call `register`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import pandas as pd

from analysis.bundle_compare import compare_taste_bundling
from analysis.episode_compare import compare_episode_measures
from analysis.pushback_comparers import PUSHBACK_COMPARERS
from analysis.run_folders import RunFolder, find_runs
from analysis.sweep_comparison import CompareOptions, Comparison

logger = logging.getLogger(__name__)

Comparer = Callable[[Sequence[RunFolder], CompareOptions], Comparison]

#: Experiment name -> the function that compares that experiment's runs.
COMPARERS: dict[str, Comparer] = {
    **PUSHBACK_COMPARERS,
    "taste_bundling": compare_taste_bundling,
}

__all__ = [
    "COMPARERS",
    "CompareOptions",
    "Comparer",
    "Comparison",
    "SweepError",
    "SweepReport",
    "compare_sweep",
    "register",
]


class SweepError(ValueError):
    """The sweep cannot be compared as asked (no known runs, no such column)."""


def register(experiment: str, comparer: Comparer) -> None:
    """Add (or replace) the comparer of `experiment`."""
    COMPARERS[experiment] = comparer


@dataclass
class SweepReport:
    """What `compare_sweep` wrote and what it left out.

    Attributes:
        table: the comparison rows of every experiment.
        table_path: where `comparison.csv` was written.
        figures: the figures written.
        skipped: run folders left out, with the reason.
    """

    table: pd.DataFrame
    table_path: Path
    figures: list[Path] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)


def compare_sweep(
    sweep: Path, by: str = "condition", out: Path | None = None, seed: int = 0
) -> SweepReport:
    """Compare every run below `sweep` by the column `by`.

    Args:
        sweep: the multirun folder (or any folder holding run folders).
        by: the condition column to group runs by, e.g. "condition".
        out: where to write comparison.csv and figures/ (default: `sweep`).
        seed: the seed of the bootstrap intervals.

    Raises:
        FileNotFoundError: no run folders below `sweep`.
        SweepError: no run of a known experiment, or a run lacks column `by`.
    """
    out = out or sweep
    by_experiment, skipped = _group_runs(find_runs(sweep))
    if not by_experiment:
        raise SweepError(
            f"{sweep}: no finished run (left out: {'; '.join(skipped) or 'nothing'})"
        )
    for runs in by_experiment.values():
        _check_column(runs, by)

    options = CompareOptions(by=by, figures=out / "figures", seed=seed)
    tables, figures = [], []
    for name, runs in sorted(by_experiment.items()):
        comparer = COMPARERS.get(name, compare_episode_measures)
        comparison = comparer(runs, options)
        tables.append(comparison.table)
        figures += comparison.figures
    filled = [t for t in tables if not t.empty]
    table = pd.concat(filled, ignore_index=True) if filled else pd.DataFrame()
    table_path = out / "comparison.csv"
    _write_csv(table, table_path)
    for reason in skipped:
        logger.warning("left out %s", reason)
    return SweepReport(table, table_path, figures, skipped)


def _group_runs(
    runs: Sequence[RunFolder],
) -> tuple[dict[str, list[RunFolder]], list[str]]:
    """Finished runs by experiment; and the runs left out, with the reason."""
    grouped: dict[str, list[RunFolder]] = {}
    skipped = []
    for run in runs:
        if not run.complete:
            skipped.append(f"{run.path}: no measures.parquet")
        else:
            grouped.setdefault(run.experiment, []).append(run)
    return grouped, skipped


def _check_column(runs: Sequence[RunFolder], by: str) -> None:
    for run in runs:
        assert run.measures is not None
        if by not in run.measures.columns:
            columns = [c for c in run.measures.columns if c not in ("measure", "value")]
            raise SweepError(
                f"{run.path}: its measures have no column {by!r}; group by one "
                f"of {', '.join(map(str, columns))} (--by)"
            )


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.tmp")
    table.to_csv(partial, index=False)
    partial.replace(path)
