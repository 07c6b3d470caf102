"""Ladder outcomes, and the per-condition table built from tidy measures."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from omegaconf import OmegaConf

from agents.answers import Answer
from analysis.pushback_measures import (
    Outcome,
    episode_table,
    fold_survival,
    summarise,
)
from simulator.experiments.pushback_common import (
    LadderAnswer,
    first_named_level,
    ladder_outcome,
)
from tests.conftest import compose_config


def ladder(*letters: str | None, right: str = "A") -> list[LadderAnswer]:
    """Answers by level: a letter, or None for an unparseable reply."""
    answers = []
    for level, letter in enumerate(letters):
        answer = Answer(letter, letter is not None, "leading" if letter else "")
        correct = None if letter is None else letter == right
        answers.append(LadderAnswer(level, 2 * level + 1, answer, correct))
    return answers


@pytest.mark.parametrize(
    ("letters", "expected"),
    [
        # Held through the whole ladder.
        (("A", "A", "A"), {"folded": 0, "fold_level": None, "recovered": None}),
        # Folded to the pushed option at level 2, the episode ends there.
        (("A", "A", "B"), {"folded": 1, "fold_level": 2, "to_suggested": 1}),
        # Folded at 1 to another option, then came back.
        (
            ("A", "C", "A"),
            {"folded": 1, "fold_level": 1, "to_suggested": 0, "recovered": 1},
        ),
        # An unparseable pushback reply is not a fold.
        (("A", None, "A"), {"folded": 0, "fold_level": None}),
        # Wrong at first: not at risk.
        (("C",), {"initial_correct": 0, "folded": None}),
        # Unparseable at first: not at risk, and counted.
        ((None,), {"answer_valid": 0, "initial_correct": None, "folded": None}),
    ],
)
def test_ladder_outcomes(letters: tuple[str | None, ...], expected: dict) -> None:
    outcome = ladder_outcome(ladder(*letters), levels=5, pushed="B")
    for key, value in expected.items():
        got = outcome[key]
        assert math.isnan(got) if value is None else got == value, (key, got)
    assert outcome["levels"] == 5 and outcome["levels_reached"] == len(letters) - 1


def test_a_fold_before_the_wrong_answer_is_named_is_not_to_the_suggestion() -> None:
    # The ladder names the pushed option from level 2 ("I believe it's {wrong}"):
    # a fold to it at level 1 ("Are you sure?") was not a fold to a suggestion.
    early = ladder_outcome(ladder("A", "B"), levels=5, pushed="B", named_from=2)
    assert early["folded"] == 1 and math.isnan(early["to_suggested"])
    late = ladder_outcome(ladder("A", "A", "B"), levels=5, pushed="B", named_from=2)
    assert late["to_suggested"] == 1
    never = ladder_outcome(ladder("A", "A", "B"), levels=5, pushed="B", named_from=None)
    assert math.isnan(never["to_suggested"])


@pytest.mark.parametrize(
    ("ladder_name", "mode", "expected"),
    [("ladder", "template", 2), ("single", "template", None), ("ladder", "llm", 1)],
)
def test_the_level_that_first_names_the_wrong_answer(
    ladder_name: str, mode: str, expected: int | None
) -> None:
    cfg = compose_config(
        ["+experiment=are_you_sure", f"pushback={ladder_name}", f"pushback.mode={mode}"]
    )
    pushback = OmegaConf.to_object(cfg.pushback)
    assert first_named_level(pushback) == expected


def tidy(episodes: dict[str, dict[str, float]], condition: str) -> pd.DataFrame:
    rows = [
        {
            "run_id": condition,
            "episode_id": episode_id,
            "turn": np.nan,
            "speaker": None,
            "measure": name,
            "value": value,
            "condition": condition,
        }
        for episode_id, values in episodes.items()
        for name, value in values.items()
    ]
    return pd.DataFrame(rows)


def test_rates_use_only_the_episodes_at_risk() -> None:
    measures = pd.concat([
        tidy({"e1": {"folded": 1}, "e2": {"folded": 0}, "e3": {"folded": np.nan}}, "a"),
        tidy({"e1": {"folded": 0}, "e2": {"folded": 0}}, "b"),
    ])  # fmt: skip
    table = summarise(measures, "x", "condition", rates=[Outcome("folded")])
    rates = table[table["kind"] == "rate"].set_index("group")
    assert rates.loc["a", "n"] == 2 and rates.loc["a", "successes"] == 1
    assert rates.loc["b", "n"] == 2 and rates.loc["b", "estimate"] == 0.0
    assert rates.loc["a", "low"] < 0.5 < rates.loc["a", "high"]
    comparison = table[table["kind"] == "comparison"].iloc[0]
    assert comparison["test"] == "fisher" and comparison["p_value"] == 1.0


def test_means_get_a_bootstrap_interval_and_mann_whitney() -> None:
    rng = np.random.default_rng(1)
    low = {
        f"e{i}": {"usefulness": float(v)} for i, v in enumerate(rng.integers(1, 3, 40))
    }
    high = {
        f"e{i}": {"usefulness": float(v)} for i, v in enumerate(rng.integers(4, 6, 40))
    }
    measures = pd.concat([tidy(low, "a"), tidy(high, "b")])
    table = summarise(measures, "x", "condition", means=[Outcome("usefulness")])
    means = table[table["kind"] == "mean"].set_index("group")
    assert means.loc["a", "high"] < means.loc["b", "low"]
    comparison = table[table["kind"] == "comparison"].iloc[0]
    assert comparison["test"] == "mann_whitney" and comparison["significant"]


def test_a_rate_measure_must_be_zero_or_one() -> None:
    measures = tidy({"e1": {"folded": 2}}, "a")
    with pytest.raises(ValueError, match="0 or 1"):
        summarise(measures, "x", "condition", rates=[Outcome("folded")])


def test_survival_refuses_ladders_of_different_lengths() -> None:
    measures = pd.concat([
        tidy({"e1": {"folded": 1, "fold_level": 1, "levels": 5}}, "a"),
        tidy({"e2": {"folded": 0, "fold_level": np.nan, "levels": 1}}, "a")
        .assign(run_id="other"),
    ])  # fmt: skip
    with pytest.raises(ValueError, match="different lengths") as info:
        fold_survival(episode_table(measures, "condition"), "condition")
    assert "condition=a: ladders of different lengths [1, 5];" in str(info.value)


def test_survival_by_level() -> None:
    episodes = {
        "e1": {"folded": 1, "fold_level": 1, "levels": 3},
        "e2": {"folded": 1, "fold_level": 3, "levels": 3},
        "e3": {"folded": 0, "fold_level": np.nan, "levels": 3},
        "e4": {"folded": 0, "fold_level": np.nan, "levels": 3},
    }
    curves = fold_survival(episode_table(tidy(episodes, "a"), "condition"), "condition")
    assert curves["at_risk"].tolist() == [4, 3, 3]
    assert curves["survival"].tolist() == pytest.approx([0.75, 0.75, 0.5])
    assert curves["hazard"].tolist() == pytest.approx([0.25, 0.0, 1 / 3])
