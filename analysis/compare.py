"""Compare the runs of a sweep: one table and figures beside the sweep folder.

`python -m analysis compare MULTIRUN_DIR` reads every run folder below the
sweep, groups the runs by experiment, and hands each experiment's runs to the
comparer registered under its name in `COMPARERS`, or, for an experiment
without one, to `analysis.episode_compare` (every episode measure by group).
Each comparer returns rows with the columns of
`analysis.pushback_measures.TABLE_COLUMNS` (plus any of its own) and the
figures it drew; the rows of all experiments go to `comparison.csv`, the
figures to `figures/`.

Runs are pooled when they share a value of the compared column (several
seeds of one condition). Before pooling, their configs (`.hydra/config.yaml`)
are compared: runs of one group that differ in more than their seeds, the
compared key and how they were executed (`POOLABLE_KEYS`) are refused with a
`SweepError` that names the runs and the keys, since pooling them would mix
treatments (two ladders under one condition).

To add a comparer for another experiment, write a function
`(runs, options) -> Comparison` and add it to `COMPARERS` under the
experiment's name (or call `register`).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from analysis.bundle_compare import compare_taste_bundling
from analysis.episode_compare import compare_episode_measures
from analysis.pushback_comparers import PUSHBACK_COMPARERS
from analysis.run_folders import CONFIG_FILE, RunFolder, find_runs
from analysis.sweep_comparison import CompareOptions, Comparison, SweepError

logger = logging.getLogger(__name__)

Comparer = Callable[[Sequence[RunFolder], CompareOptions], Comparison]

#: Experiment name -> the function that compares that experiment's runs.
COMPARERS: dict[str, Comparer] = {
    **PUSHBACK_COMPARERS,
    "taste_bundling": compare_taste_bundling,
}

#: Config keys in which pooled runs may differ, besides any key named `seed`
#: or `*_seed`: how a run executed, not what it measured.
POOLABLE_KEYS: tuple[str, ...] = (
    "run.progress",
    "run.cache",
    "run.cache_dir",
    "run.concurrency",
    "run.adaptive_concurrency",
    "run.log_requests",
    "run.resume",
)

# Measures columns that name a run or a row, never a treatment.
_ROW_COLUMNS = ("run_id", "experiment", "episode_id", "turn", "speaker", "measure")

__all__ = [
    "COMPARERS",
    "POOLABLE_KEYS",
    "CompareOptions",
    "Comparer",
    "Comparison",
    "SweepError",
    "SweepReport",
    "compare_sweep",
    "register",
]


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
        RunFolderError: a run's file is there but malformed.
        SweepError: no finished run, a run lacks column `by`, or runs pooled
            as one group differ in more than seeds (see `POOLABLE_KEYS`).
    """
    out = out or sweep
    by_experiment, skipped = _group_runs(find_runs(sweep))
    if not by_experiment:
        raise SweepError(
            f"{sweep}: no finished run (left out: {'; '.join(skipped) or 'nothing'})"
        )
    for name, runs in sorted(by_experiment.items()):
        _check_column(runs, by)
        _check_pooling(runs, name, by, sweep)

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
            # A run that stopped early wrote no measures (and maybe no summary
            # or manifest): it is listed, never silently dropped or guessed.
            skipped.append(f"{run.path}: unfinished, no {', '.join(run.missing)}")
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


def _check_pooling(
    runs: Sequence[RunFolder], experiment: str, by: str, sweep: Path
) -> None:
    """Refuse to pool runs of one group whose configs differ in a treatment."""
    for value, members in _runs_by_group(runs, by).items():
        if len(members) < 2:
            continue
        unknown = [run for run in members if run.config is None]
        if unknown:
            logger.warning(
                "%s %s=%s: cannot check that runs %s pool alike: no %s",
                experiment,
                by,
                value,
                _names(unknown, sweep),
                CONFIG_FILE,
            )
        known = [run for run in members if run.config is not None]
        keys = _differing_keys([_flatten(run.config or {}) for run in known], by)
        if keys:
            shown = ", ".join(keys[:6]) + (", ..." if len(keys) > 6 else "")
            raise SweepError(
                f"{experiment}: runs {_names(known, sweep)} would be pooled as "
                f"{by}={value} but their configs differ in {shown}; "
                f"{_suggestion(known, by)}, or compare runs that differ only in "
                "their seeds"
            )


def _runs_by_group(runs: Sequence[RunFolder], by: str) -> dict[Any, list[RunFolder]]:
    groups: dict[Any, list[RunFolder]] = {}
    for run in runs:
        assert run.measures is not None
        for value in run.measures[by].dropna().unique():
            groups.setdefault(value, []).append(run)
    return groups


def _flatten(config: Mapping[str, Any], prefix: str = "") -> dict[str, Any]:
    """Dotted keys to leaf values; a list is one value."""
    flat: dict[str, Any] = {}
    for key, value in config.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, Mapping):
            flat.update(_flatten(value, f"{dotted}."))
        else:
            flat[dotted] = value
    return flat


def _differing_keys(configs: Sequence[dict[str, Any]], by: str) -> list[str]:
    """Keys whose values are not all the same, beyond those allowed to differ."""
    missing = object()
    keys = sorted({key for config in configs for key in config})
    return [
        key
        for key in keys
        if not _poolable(key, by)
        and len({repr(config.get(key, missing)) for config in configs}) > 1
    ]


def _poolable(key: str, by: str) -> bool:
    leaf = key.rsplit(".", 1)[-1]
    # The compared column's own key: "condition" is condition.*, and a
    # column such as pushback_mode is pushback.mode.
    grouped = {by, by.replace("_", ".", 1)}
    return (
        key.split(".", 1)[0] == "hydra"
        or leaf == "seed"
        or leaf.endswith("_seed")
        or key in POOLABLE_KEYS
        or any(key == g or key.startswith(f"{g}.") for g in grouped)
    )


def _suggestion(runs: Sequence[RunFolder], by: str) -> str:
    """`--by COLUMN` for a measures column that tells the runs apart, if any."""
    values: dict[str, set[str]] = {}
    for run in runs:
        assert run.measures is not None
        for column in run.measures.columns:
            if column not in (*_ROW_COLUMNS, "value", by):
                seen = sorted(map(str, run.measures[column].dropna().unique()))
                values.setdefault(column, set()).add(repr(seen))
    telling = [column for column, kinds in values.items() if len(kinds) > 1]
    if telling:
        return f"compare them apart with --by {telling[0]}"
    return "compare them apart with --by KEY (a measures column that tells them apart)"


def _names(runs: Sequence[RunFolder], sweep: Path) -> str:
    names = []
    for run in runs:
        try:
            names.append(str(run.path.relative_to(sweep)))
        except ValueError:
            names.append(str(run.path))
    return ", ".join(names)


def _write_csv(table: pd.DataFrame, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.tmp")
    table.to_csv(partial, index=False)
    partial.replace(path)
