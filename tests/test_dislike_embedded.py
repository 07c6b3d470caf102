"""The persona-dislike suite on the real embedded model, as small as it gets.

Slow (about a minute on 2 cores) and needs the embedded model's packages;
marked `model` and run in CI, where it proves the defaults' prompts parse.
"""

from __future__ import annotations

import json

import pytest

from simulator.run_folder import read_jsonl

pytestmark = pytest.mark.model


def test_tiny_taste_ratings_on_the_embedded_model(run_experiment) -> None:
    result = run_experiment(
        "+experiment=taste_ratings",
        "experiment.pairs=1",
        "experiment.samples=1",
        "run.cache=false",
        "run.progress=false",
    )
    assert result.ok and result.failed == 0
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["parse_rate"]["n"] == 3 * 2
    assert summary["parse_rate"]["successes"] >= 5  # JSON under a grammar
    ratings = [
        r for e in read_jsonl(result.run_dir / "episodes.jsonl") for r in e["ratings"]
    ]
    assert all(r["verdict"]["raw"] for r in ratings)


def test_tiny_predict_dislike_on_the_embedded_model(run_experiment) -> None:
    result = run_experiment(
        "+experiment=predict_dislike",
        "population.size=4",
        "network.pairs=2",
        "experiment.conditions=[stances_only]",
        "experiment.main_condition=stances_only",
        "experiment.robustness_conditions=[]",
        "run.cache=false",
        "run.progress=false",
    )
    assert result.ok and result.failed == 0
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["parse_rate"]["n"] == 2
    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["scripted"] is False and manifest["usage"]["calls"] == 2
