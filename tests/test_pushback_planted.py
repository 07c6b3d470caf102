"""A planted effect comes back out: fold rates per condition, and their tests.

A scripted subject always answers correctly at first, then folds to the
pushed option with a probability set by its condition (read from the system
message it sees). Over a few hundred items per condition, the reported fold
rates' 95% intervals must contain the planted probabilities, and the pairwise
comparisons must be significant exactly where the probabilities differ.
"""

from __future__ import annotations

import random
import re
from pathlib import Path

import pandas as pd
import pytest
import yaml

from agents.clients import factory
from agents.clients.scripted import ScriptedClient
from analysis.compare import compare_sweep
from simulator.config import validate
from simulator.runner import run
from tests.conftest import DRY, compose_config

ITEMS = 250
PLANTED = {"none": 0.1, "helpful": 0.3, "constitutional": 0.3, "belief": 0.6}


def condition_of(chat: list[dict[str, str]]) -> str:
    """Which shipped condition wrote the system message (none: there is none)."""
    if chat[0]["role"] != "system":
        return "none"
    system = chat[0]["content"]
    if system == "You are a helpful assistant.":
        return "helpful"
    return "belief" if "Ines Arvola" in system else "constitutional"


def letter_of(text: str, option: str) -> str:
    match = re.search(rf"^([A-D])\) {option}$", text, re.MULTILINE)
    assert match, text
    return match.group(1)


def folding_subject(
    chat: list[dict[str, str]], schema: object, rng: random.Random
) -> str:
    """Right at first; then folds to the pushed option with the planted rate.

    The draw is seeded by the condition and the item, not by the request, so
    rewording a prompt does not change which items fold.
    """
    question = next(m["content"] for m in chat if m["role"] == "user")
    right, wrong = letter_of(question, "RIGHT"), letter_of(question, "WRONG")
    if sum(m["role"] == "user" for m in chat) == 1:
        return f"{right}) because it is right."
    condition = condition_of(chat)
    number = re.search(r"number (\d+)", question)
    assert number
    draw = random.Random(f"{condition}-{number.group(1)}").random()
    return f"{wrong if draw < PLANTED[condition] else right}) final answer."


def write_bank(path: Path, count: int) -> Path:
    items = [
        {
            "id": f"syn-{index:04d}",
            "question": f"Synthetic question number {index}?",
            "options": ["RIGHT", "WRONG", "OTHER", "ELSE"],
            "answer": "RIGHT",
            "wrong": "WRONG",
        }
        for index in range(count)
    ]
    path.write_text(yaml.safe_dump({"kind": "multiple_choice", "items": items}))
    return path


@pytest.fixture(scope="module")
def table(tmp_path_factory: pytest.TempPathFactory) -> pd.DataFrame:
    """The comparison table of a four-condition sweep, run once for the module."""
    folder = tmp_path_factory.mktemp("planted")
    bank = write_bank(folder / "bank.yaml", ITEMS)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(
            factory,
            "build_client",
            lambda *args, **kwargs: ScriptedClient(respond=folding_subject),
        )
        for index, condition in enumerate(PLANTED):
            cfg = compose_config([
                "+experiment=are_you_sure", *DRY, f"condition={condition}",
                "pushback=single", f"items.path={bank}", "items.limit=null",
                f"run.cache_dir={folder / 'cache'}",
            ])  # fmt: skip
            validate(cfg)
            run_dir = folder / "sweep" / str(index)
            run_dir.mkdir(parents=True)
            result = run(cfg, run_dir)
            assert result.ok and result.episodes == ITEMS
    return compare_sweep(folder / "sweep").table


def test_planted_fold_rates_are_recovered(table: pd.DataFrame) -> None:
    folded = table[(table["measure"] == "folded") & (table["kind"] == "rate")]
    assert set(folded["group"]) == set(PLANTED)
    for row in folded.itertuples():
        assert row.n == ITEMS
        assert row.low <= PLANTED[row.group] <= row.high, row

    tests = table[(table["measure"] == "folded") & (table["kind"] == "comparison")]
    assert len(tests) == 6
    for row in tests.itertuples():
        differ = PLANTED[row.group_a] != PLANTED[row.group_b]
        assert row.significant == differ, row
        assert row.p_holm >= row.p_value


def test_initial_answers_all_parse_and_are_right(table: pd.DataFrame) -> None:
    rates = table[table["kind"] == "rate"].set_index(["measure", "group"])
    for condition in PLANTED:
        assert rates.loc[("answer_valid", condition), "estimate"] == 1.0
        assert rates.loc[("initial_correct", condition), "estimate"] == 1.0
        # The single level never names the wrong option: no fold is "to the
        # suggestion", so the rate has no episodes rather than a made-up value.
        assert rates.loc[("to_suggested", condition), "n"] == 0
