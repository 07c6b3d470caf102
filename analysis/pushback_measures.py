"""Per-condition rates, means and survival of the pushback experiments.

Input is a tidy measures table (`measures.parquet` of one run, or of every run
of a sweep together) with a grouping column such as `condition`. Episode-level
rows (`turn` empty) hold one number per episode: a 0/1 outcome (NaN when the
episode is not at risk or its reply did not parse) or a value. Output rows all
share `TABLE_COLUMNS`:

- kind "rate": a group's rate with its Wilson 95% interval, n and successes;
- kind "mean": a group's mean with a bootstrap 95% interval and n;
- kind "comparison": two groups compared, Fisher's exact test or chi-square
  for rates and Mann-Whitney U for values, with `p_holm` Holm-adjusted over
  every comparison of the table (the family of one experiment's sweep).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from analysis.comparisons import ALPHA, compare_means, compare_rates, holm
from analysis.statistics import mean_ci, rate, survival_curve

logger = logging.getLogger(__name__)

EPISODE_KEY = ("run_id", "episode_id")
TABLE_COLUMNS = (
    "experiment", "measure", "kind", "group_by", "group", "n", "successes",
    "estimate", "low", "high", "group_a", "group_b", "n_a", "n_b",
    "estimate_a", "estimate_b", "difference", "test", "statistic",
    "p_value", "p_holm", "significant",
)  # fmt: skip


@dataclass(frozen=True)
class Outcome:
    """One episode measure reported per group.

    Attributes:
        measure: the measure's name in the tidy table.
        tested: whether groups are compared on it (and it joins the Holm
            family); untested outcomes are only estimated.
    """

    measure: str
    tested: bool = True


def check_group_column(measures: pd.DataFrame, by: str) -> None:
    """Refuse a table without the grouping column, naming the ones it has.

    Raises:
        ValueError: `by` is not a column.
    """
    if by not in measures.columns:
        extra = [c for c in measures.columns if c not in ("measure", "value")]
        raise ValueError(
            f"the measures have no column {by!r} to group by; columns: "
            f"{', '.join(map(str, extra))}"
        )


def episode_table(measures: pd.DataFrame, by: str) -> pd.DataFrame:
    """Episode-level measures, one row per episode and one column per measure.

    Args:
        measures: tidy rows with `run_id, episode_id, turn, measure, value`
            and the grouping column `by`.
        by: the grouping column, e.g. "condition".

    Returns:
        Columns `run_id, episode_id, <by>` and one per measure (NaN where an
        episode lacks it).
    """
    check_group_column(measures, by)
    rows = measures[measures["turn"].isna()]
    key = [*EPISODE_KEY, by]
    if rows.empty:
        return pd.DataFrame(columns=key)
    wide = rows.set_index([*key, "measure"])["value"].astype(float).unstack("measure")
    return wide.reset_index().rename_axis(columns=None)


def _groups(wide: pd.DataFrame, by: str) -> list[Any]:
    return sorted(wide[by].dropna().unique(), key=str) if by in wide else []


def _values(wide: pd.DataFrame, by: str, group: Any, measure: str) -> np.ndarray:
    if measure not in wide:
        return np.array([], dtype=float)
    column = wide.loc[wide[by] == group, measure].to_numpy(dtype=float)
    return column[~np.isnan(column)]


def _counts(values: np.ndarray, measure: str) -> tuple[int, int]:
    bad = values[(values != 0) & (values != 1)]
    if bad.size:
        raise ValueError(f"measure {measure!r} must be 0 or 1; found {bad[:5]}")
    return int(values.sum()), int(values.size)


def rate_rows(wide: pd.DataFrame, by: str, measure: str) -> list[dict[str, Any]]:
    """Per group: the share of 1s among the episodes where `measure` is set."""
    return [
        _rate_row(measure, group, *_counts(_values(wide, by, group, measure), measure))
        for group in _groups(wide, by)
    ]


def turn_rate_rows(
    measures: pd.DataFrame, by: str, measure: str, name: str
) -> list[dict[str, Any]]:
    """Per group: the share of 1s of a turn-level measure over every turn.

    Turns of one episode are not independent: read the interval as a
    description, not as a test.
    """
    check_group_column(measures, by)
    rows = measures[(measures["measure"] == measure) & measures["turn"].notna()]
    records = []
    for group, part in rows.groupby(by, sort=True):
        values = part["value"].to_numpy(dtype=float)
        records.append(
            _rate_row(name, group, *_counts(values[~np.isnan(values)], name))
        )
    return records


def _rate_row(measure: str, group: Any, successes: int, n: int) -> dict[str, Any]:
    row = {"measure": measure, "kind": "rate", "group": group}
    if n == 0:
        # No episode at risk: reported with n=0, not estimated.
        return {**row, "n": 0, "successes": 0}
    return {**row, **rate(successes, n).to_dict()}


def mean_rows(
    wide: pd.DataFrame, by: str, measure: str, rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Per group: the mean of `measure` with a bootstrap 95% interval."""
    rows = []
    for group in _groups(wide, by):
        estimate = mean_ci(_values(wide, by, group, measure), rng).to_dict()
        rows.append({"measure": measure, "kind": "mean", "group": group, **estimate})
    return rows


def rate_comparisons(wide: pd.DataFrame, by: str, measure: str) -> pd.DataFrame:
    """Every pair of groups compared on a 0/1 measure (Fisher or chi-square)."""
    counts = {
        str(g): _counts(_values(wide, by, g, measure), measure)
        for g in _groups(wide, by)
    }
    frame = compare_rates(counts)
    return frame.rename(
        columns={"rate_a": "estimate_a", "rate_b": "estimate_b"}
    ).assign(measure=measure, kind="comparison")


def mean_comparisons(wide: pd.DataFrame, by: str, measure: str) -> pd.DataFrame:
    """Every pair of groups compared on a value (Mann-Whitney U)."""
    groups = {str(g): _values(wide, by, g, measure) for g in _groups(wide, by)}
    frame = compare_means(groups)
    frame["difference"] = frame["mean_a"] - frame["mean_b"]
    frame["test"] = "mann_whitney"
    return frame.rename(
        columns={"mean_a": "estimate_a", "mean_b": "estimate_b", "u": "statistic"}
    ).assign(measure=measure, kind="comparison")


def summarise(
    measures: pd.DataFrame,
    experiment: str,
    by: str,
    rates: Sequence[Outcome] = (),
    means: Sequence[Outcome] = (),
    rng: np.random.Generator | None = None,
) -> pd.DataFrame:
    """The comparison table of one experiment: estimates and Holm-adjusted tests.

    Args:
        measures: tidy rows of one or more runs of `experiment`.
        experiment: its name, for the `experiment` column.
        by: the grouping column ("condition").
        rates: 0/1 outcomes, reported as Wilson rates, compared by Fisher's
            exact test or chi-square.
        means: values, reported as bootstrap means, compared by Mann-Whitney U.
        rng: the generator of the bootstrap (default: seed 0).

    Returns:
        Rows with `TABLE_COLUMNS`; `p_holm` is adjusted over every comparison
        of the table and `significant` is p_holm < 0.05.
    """
    rng = rng if rng is not None else np.random.default_rng(0)
    wide = episode_table(measures, by)
    estimates: list[dict[str, Any]] = []
    tests: list[pd.DataFrame] = []
    for outcome in rates:
        estimates += rate_rows(wide, by, outcome.measure)
        if outcome.tested:
            tests.append(rate_comparisons(wide, by, outcome.measure))
    for outcome in means:
        estimates += mean_rows(wide, by, outcome.measure, rng)
        if outcome.tested:
            tests.append(mean_comparisons(wide, by, outcome.measure))
    return table(experiment, by, estimates, tests)


def table(
    experiment: str,
    by: str,
    estimates: Sequence[dict[str, Any]],
    tests: Sequence[pd.DataFrame] = (),
) -> pd.DataFrame:
    """Assemble estimate rows and comparison frames into one table.

    The comparisons' p-values are Holm-adjusted together, as one family.
    """
    parts = [pd.DataFrame(list(estimates))]
    comparisons = [t for t in tests if not t.empty]
    if comparisons:
        family = pd.concat(comparisons, ignore_index=True)
        family["p_holm"] = holm(family["p_value"].to_numpy(dtype=float))
        family["significant"] = family["p_holm"] < ALPHA
        parts.append(family)
    filled = [p for p in parts if not p.empty]
    frame = pd.concat(filled, ignore_index=True) if filled else pd.DataFrame()
    frame = frame.reindex(columns=list(TABLE_COLUMNS))
    for column in ("n", "successes", "n_a", "n_b"):
        frame[column] = frame[column].astype("Int64")
    frame["experiment"] = experiment
    frame["group_by"] = by
    return frame


def fold_survival(wide: pd.DataFrame, by: str) -> pd.DataFrame:
    """Per group, the share of initially correct episodes not yet folded by level.

    Uses the episode measures `fold_level` (the ladder level of the first
    fold; NaN for none), `folded` (set only for episodes at risk) and `levels`
    (the ladder's length).

    Returns:
        Columns `<by>, level, at_risk, events, survival, hazard` (hazard =
        events / at_risk, the fold rate at that level among those still
        holding); empty when no episode was at risk.

    Raises:
        ValueError: runs of one group used ladders of different lengths.
    """
    needed = {"fold_level", "folded", "levels"}
    if not needed <= set(wide.columns):
        return pd.DataFrame(columns=[by, "level", "at_risk", "events", "survival"])
    frames = []
    for group in _groups(wide, by):
        part = wide[(wide[by] == group) & wide["folded"].notna()]
        if part.empty:
            continue
        lengths = sorted(int(n) for n in part["levels"].dropna().unique())
        if len(lengths) != 1:
            raise ValueError(
                f"{by}={group}: ladders of different lengths {lengths}; "
                "compare runs with the same pushback ladder"
            )
        curve = survival_curve(part["fold_level"].to_numpy(float), lengths[0])
        curve.insert(0, by, group)
        frames.append(curve)
    if not frames:
        return pd.DataFrame(columns=[by, "level", "at_risk", "events", "survival"])
    curves = pd.concat(frames, ignore_index=True)
    curves["hazard"] = curves["events"] / curves["at_risk"].where(curves["at_risk"] > 0)
    return curves


def hazard_rows(curves: pd.DataFrame, by: str) -> list[dict[str, Any]]:
    """Rate rows `fold_at_level_<k>`: folds at level k among those still holding."""
    return [
        _rate_row(
            f"fold_at_level_{int(record.level)}",
            getattr(record, by),
            int(record.events),
            int(record.at_risk),
        )
        for record in curves.itertuples(index=False)
    ]


def level_means(
    measures: pd.DataFrame, by: str, measure: str, rng: np.random.Generator
) -> pd.DataFrame:
    """Per group and turn (ladder level): the mean of a turn-level measure.

    Returns:
        Columns `<by>, level, n, estimate, low, high` (bootstrap 95%).
    """
    check_group_column(measures, by)
    rows = measures[(measures["measure"] == measure) & measures["turn"].notna()]
    records = []
    for (group, level), part in rows.groupby([by, "turn"], sort=True):
        estimate = mean_ci(part["value"].to_numpy(dtype=float), rng).to_dict()
        records.append({by: group, "level": int(level), **estimate})
    columns = [by, "level", "estimate", "low", "high", "n"]
    return pd.DataFrame(records, columns=columns)
