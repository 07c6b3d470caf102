"""What each pushback experiment reports, for one run or a sweep of conditions.

`OUTCOMES` names each experiment's episode measures: rates (0/1 outcomes) and
means (values), and which of them groups are tested on. `pushback_table` and
`pushback_figures` turn a measures table into the comparison rows and the
figures; a run's own analysis and `python -m analysis compare` both use them,
so a run's summary and a sweep's table agree.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.pushback_figures import curves_by_group, intervals_by_group
from analysis.pushback_measures import (
    Outcome,
    episode_table,
    fold_survival,
    hazard_rows,
    level_means,
    summarise,
    table,
    turn_rate_rows,
)
from analysis.run_folders import RunFolder
from analysis.sweep_comparison import (
    CompareOptions,
    Comparison,
    SweepError,
    measures_of,
)


@dataclass(frozen=True)
class ExperimentOutcomes:
    """The measures an experiment reports.

    Attributes:
        rates: 0/1 episode outcomes, as Wilson rates (compared by Fisher or
            chi-square when tested).
        means: episode values, as bootstrap means (compared by Mann-Whitney U).
        headline: the measure drawn by group in the main figure.
        label: the headline's axis label.
        by_level: turn-level measures drawn per ladder level.
        turn_rates: turn-level 0/1 measures also reported over every turn
            (as `<measure>_all_turns`), e.g. the parse rate of every answer.
    """

    rates: tuple[Outcome, ...]
    means: tuple[Outcome, ...] = ()
    headline: str = ""
    label: str = ""
    by_level: tuple[str, ...] = ()
    turn_rates: tuple[str, ...] = ()


OUTCOMES: dict[str, ExperimentOutcomes] = {
    "are_you_sure": ExperimentOutcomes(
        rates=(
            Outcome("folded"),
            Outcome("initial_correct"),
            Outcome("answer_valid", tested=False),
            Outcome("to_suggested", tested=False),
            Outcome("recovered", tested=False),
        ),
        headline="folded",
        label="fold rate among initially correct answers",
        turn_rates=("answer_valid",),
    ),
    "misconception": ExperimentOutcomes(
        rates=(
            Outcome("goes_along"),
            Outcome("corrects", tested=False),
            Outcome("unclear", tested=False),
            Outcome("judge_valid", tested=False),
        ),
        headline="goes_along",
        label="share of replies going along with the misconception",
    ),
    "wrong_guidance": ExperimentOutcomes(
        rates=(
            Outcome("conformed"),
            Outcome("hinted_correct", tested=False),
            Outcome("hinted_answer_valid", tested=False),
            Outcome("control_chose_wrong", tested=False),
            Outcome("control_correct", tested=False),
            Outcome("control_answer_valid", tested=False),
        ),
        headline="conformed",
        label="share of answers giving the user's wrong result",
    ),
    "flawed_request": ExperimentOutcomes(
        rates=(
            Outcome("complied"),
            Outcome("judge_valid", tested=False),
            Outcome("judge_consistent", tested=False),
        ),
        means=(Outcome("usefulness"),),
        headline="usefulness",
        label="usefulness of the pushback (judge, 1-5)",
    ),
    "stickiness": ExperimentOutcomes(
        rates=(Outcome("answer_valid", tested=False),),
        means=(
            Outcome("stance_markers_mean"),
            Outcome("reference_similarity_mean"),
        ),
        headline="reference_similarity_mean",
        label="similarity to the reference voice (cosine)",
        by_level=("stance_markers_per_100_words", "reference_similarity"),
        turn_rates=("answer_valid",),
    ),
}


def pushback_table(
    measures: pd.DataFrame, experiment: str, by: str, rng: np.random.Generator
) -> pd.DataFrame:
    """The comparison rows of one pushback experiment, grouped by `by`.

    For `are_you_sure` it adds `fold_at_level_<k>` rates: folds at level k
    among the initially correct answers still holding before it.
    """
    spec = OUTCOMES[experiment]
    rows = summarise(measures, experiment, by, spec.rates, spec.means, rng)
    extra = []
    for measure in spec.turn_rates:
        extra += turn_rate_rows(measures, by, measure, f"{measure}_all_turns")
    if experiment == "are_you_sure":
        extra += hazard_rows(fold_survival(episode_table(measures, by), by), by)
    if not extra:
        return rows
    return pd.concat([rows, table(experiment, by, extra)], ignore_index=True)


def pushback_figures(
    measures: pd.DataFrame,
    rows: pd.DataFrame,
    experiment: str,
    by: str,
    folder: Path,
    rng: np.random.Generator,
) -> list[Path]:
    """Draw the experiment's figures into `folder`: the headline by group, the
    fold survival curve (are_you_sure) and per-level curves (stickiness)."""
    spec = OUTCOMES[experiment]
    figures = [
        _by_group(rows, experiment, spec.headline, spec.label, by, folder),
    ]
    if experiment == "flawed_request":
        figures.append(
            _by_group(rows, experiment, "complied", "compliance rate", by, folder)
        )
    if experiment == "are_you_sure":
        curves = fold_survival(episode_table(measures, by), by)
        figures.append(
            curves_by_group(
                curves,
                folder / f"{experiment}_survival_by_{by}.png",
                group=by,
                x="level",
                y="survival",
                xlabel="pushback level",
                ylabel="share still holding the correct answer",
                title="Fold survival by pushback level",
                step=True,
            )
        )
    for measure in spec.by_level:
        figures.append(
            curves_by_group(
                level_means(measures, by, measure, rng),
                folder / f"{experiment}_{measure}_by_level.png",
                group=by,
                x="level",
                y="estimate",
                xlabel="pushback level (0: first answer)",
                ylabel=f"{measure} (mean, 95% CI)",
                title=f"{measure} by pushback level",
            )
        )
    return figures


def _by_group(
    rows: pd.DataFrame, experiment: str, measure: str, label: str, by: str, folder: Path
) -> Path:
    estimates = rows[(rows["measure"] == measure) & (rows["kind"] != "comparison")]
    return intervals_by_group(
        estimates,
        folder / f"{experiment}_{measure}_by_{by}.png",
        group="group",
        ylabel=label,
        title=f"{experiment}: {measure} by {by} (95% intervals)",
        unit_interval=bool((estimates["kind"] == "rate").all()),
    )


def compare_pushback(runs: Sequence[RunFolder], options: CompareOptions) -> Comparison:
    """The comparer of every pushback experiment (see `analysis.compare`).

    Raises:
        SweepError: runs of one group climbed ladders of different lengths
            (a check for runs whose configs could not be compared).
    """
    measures = measures_of(runs)
    experiment = runs[0].experiment
    if experiment == "are_you_sure":
        _check_one_ladder(runs, options.by)
    rng = options.rng()
    rows = pushback_table(measures, experiment, options.by, rng)
    figures = pushback_figures(
        measures, rows, experiment, options.by, options.figures, rng
    )
    return Comparison(rows, figures)


def _check_one_ladder(runs: Sequence[RunFolder], by: str) -> None:
    """Refuse a group whose runs' ladders differ in length: no survival curve
    can pool them."""
    lengths: dict[object, dict[int, list[str]]] = {}
    for run in runs:
        assert run.measures is not None
        rows = run.measures[run.measures["measure"] == "levels"]
        for (group, length), _ in rows.groupby([by, "value"]):
            lengths.setdefault(group, {}).setdefault(int(length), []).append(
                run.path.name
            )
    for group, by_length in lengths.items():
        if len(by_length) > 1:
            found = "; ".join(
                f"{length} in {', '.join(names)}"
                for length, names in sorted(by_length.items())
            )
            raise SweepError(
                f"are_you_sure {by}={group}: runs climbed ladders of different "
                f"lengths ({found} levels); compare them apart with --by pushback"
            )


PUSHBACK_COMPARERS = {name: compare_pushback for name in OUTCOMES}
