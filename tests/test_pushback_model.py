"""The pushback experiments run on the real embedded model, two items each.

Slow (a few minutes on 2 cores together) and needs the embedded model's
packages; marked `model` and run in CI. It proves that the defaults produce
parseable answers and valid judge verdicts, not any particular rate.
"""

from __future__ import annotations

import json

import pytest

from simulator.run_folder import read_jsonl

pytestmark = pytest.mark.model

# experiment: (episodes with items.limit=2, the measure every episode must set)
EXPERIMENTS = {
    "are_you_sure": (2, "answer_valid"),
    "misconception": (2, "judge_valid"),
    "wrong_guidance": (4, "hinted_answer_valid"),
    "flawed_request": (2, "judge_valid"),
    "stickiness": (2, "reference_similarity_mean"),
}


@pytest.mark.parametrize("experiment", sorted(EXPERIMENTS))
def test_pushback_experiment_on_the_embedded_model(
    run_experiment, experiment: str
) -> None:
    episodes, measure = EXPERIMENTS[experiment]
    result = run_experiment(
        f"+experiment={experiment}",
        "items.limit=2",
        "run.cache=false",
        "run.progress=false",
    )
    assert result.ok and result.failed == 0 and result.episodes == episodes

    records = list(read_jsonl(result.run_dir / "episodes.jsonl"))
    replies = [t for e in records for t in e["turns"] if t["speaker"] == "subject"]
    assert replies and all(t["text"].strip() for t in replies)
    assert all(t["completion_tokens"] > 0 for t in replies)

    summary = json.loads((result.run_dir / "summary.json").read_text())
    rows = {row["measure"]: row for row in summary["estimates"]}
    assert rows[measure]["n"] == summary["completed"] // (
        2 if experiment == "wrong_guidance" else 1
    )
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["scripted"] is False
