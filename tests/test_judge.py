"""Judge replies are parsed in one place; invalid ones are counted, not coerced."""

from __future__ import annotations

import json
import math

import pandas as pd
import pytest

from agents.judge import parse_rating
from simulator.run_folder import read_jsonl
from tests.conftest import DRY


@pytest.mark.parametrize(
    ("raw", "error"),
    [
        ("not json", "not JSON"),
        ('{"score": 50}', "no field"),
        ('{"warmth": "high"}', "not a number"),
        ('{"warmth": true}', "not a number"),
        ('{"warmth": 150}', "outside"),
        ('{"warmth": -1}', "outside"),
        ("[50]", "no field"),
    ],
)
def test_invalid_replies_are_invalid_with_raw_text(raw: str, error: str) -> None:
    verdict = parse_rating(raw, "warmth", 0, 100)
    assert not verdict.valid and verdict.value is None
    assert verdict.raw == raw and error in verdict.error


@pytest.mark.parametrize("value", [0, 37, 100, 62.5])
def test_valid_replies_keep_their_value(value: float) -> None:
    verdict = parse_rating(
        json.dumps({"warmth": value, "reason": "r"}), "warmth", 0, 100
    )
    assert verdict.valid and verdict.value == value and verdict.reason == "r"


def test_a_run_counts_invalid_verdicts(run_experiment) -> None:
    replies = '[\'not json\',\'{"warmth": 150}\',\'{"warmth": 40, "reason": "r"}\']'
    result = run_experiment(
        "+experiment=first_meeting",
        *DRY,
        "judge=scripted",
        f"judge.judge_replies={replies}",
        "network=complete",
        "population.size=6",
    )
    episodes = list(read_jsonl(result.run_dir / "episodes.jsonl"))
    verdicts = [e["judge"]["warmth"] for e in episodes]
    valid = [v for v in verdicts if v["valid"]]
    assert 0 < len(valid) < len(verdicts)  # 15 episodes draw from all three replies
    assert all(v["value"] == 40 for v in valid)
    assert all(v["value"] is None and v["raw"] for v in verdicts if not v["valid"])

    summary = json.loads((result.run_dir / "summary.json").read_text())
    rate = summary["warmth_parse_rate"]
    assert (rate["successes"], rate["n"]) == (len(valid), len(verdicts))
    assert summary["warmth"]["n"] == len(valid)

    measures = pd.read_parquet(result.run_dir / "measures.parquet")
    warmth = measures[measures["measure"] == "warmth"]["value"]
    assert warmth.isna().sum() == len(verdicts) - len(valid)
    assert all(math.isclose(v, 40) for v in warmth.dropna())
