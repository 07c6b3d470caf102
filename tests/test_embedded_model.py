"""The proof that the default works: a tiny first_meeting on the real model.

Slow (about a minute on 2 cores) and needs the embedded model's packages;
marked `model` and run in CI.
"""

from __future__ import annotations

import json

import networkx as nx
import pytest

from simulator.run_folder import read_jsonl

pytestmark = pytest.mark.model

SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"


def test_tiny_first_meeting_on_the_embedded_model(run_experiment) -> None:
    result = run_experiment(
        "+experiment=first_meeting",
        "population.size=4",
        "network=random",
        "network.pairs=2",
        "experiment.turns=2",
        "run.cache=false",
        "run.progress=false",
    )
    assert result.ok and result.failed == 0

    episodes = list(read_jsonl(result.run_dir / "episodes.jsonl"))
    texts = [t["text"] for e in episodes for t in e["turns"]]
    assert len(texts) == 4
    assert all(text.strip() for text in texts)
    assert len(set(texts)) == len(texts)  # real, distinct model text
    assert all(t["completion_tokens"] > 0 for e in episodes for t in e["turns"])

    manifest = json.loads((result.run_dir / "manifest.json").read_text())
    assert manifest["scripted"] is False
    assert manifest["subject_model"]["sha256"] == SHA256
    assert manifest["usage"]["calls"] == 6  # two turns and a judge, twice
    graph = nx.read_graphml(result.run_dir / "graph.graphml")
    assert graph.number_of_edges() == 2
