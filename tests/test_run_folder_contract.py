"""A scripted first_meeting writes every file of the run-folder contract."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import networkx as nx
import pandas as pd
import pytest

from simulator.errors import ConfigError
from simulator.experiments import EXPERIMENTS, get_experiment
from simulator.experiments.first_meeting import FirstMeeting
from simulator.run_folder import MEASURE_COLUMNS, read_jsonl
from tests.conftest import DRY, ROOT

CONTRACT = (
    "plan.json",
    "personas.jsonl",
    "episodes.jsonl",
    "measures.parquet",
    "graph.graphml",
    "summary.json",
    "manifest.json",
    "figures/warmth_vs_stance_distance.png",
    "figures/warmth_by_divergence.png",
)


@pytest.fixture
def run_dir(run_experiment) -> Path:
    result = run_experiment("+experiment=first_meeting", *DRY)
    assert result.ok
    return result.run_dir


def test_every_contract_file_is_written(run_dir: Path) -> None:
    missing = [name for name in CONTRACT if not (run_dir / name).is_file()]
    assert not missing


def test_measures_are_tidy_with_condition_columns(run_dir: Path) -> None:
    measures = pd.read_parquet(run_dir / "measures.parquet")
    assert tuple(measures.columns[: len(MEASURE_COLUMNS)]) == MEASURE_COLUMNS
    assert {"model", "backend", "network"} <= set(measures.columns)
    names = set(measures["measure"])
    assert {"sentiment", "warmth", "warmth_valid", "speaker_similarity"} <= names
    assert any(name.startswith("lexicon_") for name in names)
    per_turn = measures[measures["measure"] == "sentiment"]
    assert per_turn["turn"].notna().all() and per_turn["value"].between(-1, 1).all()


def test_episodes_record_every_turn(run_dir: Path) -> None:
    episodes = list(read_jsonl(run_dir / "episodes.jsonl"))
    assert len(episodes) == 4  # network=divergence, pairs=4
    assert len({e["episode_id"] for e in episodes}) == len(episodes)
    for episode in episodes:
        assert episode["status"] == "completed"
        assert len(episode["turns"]) == 6
        turn = episode["turns"][0]
        keys = {"speaker", "text", "prompt_tokens", "completion_tokens", "latency_s"}
        assert keys <= set(turn) and turn["model"] == "scripted"
        speakers = [t["speaker"] for t in episode["turns"]]
        assert speakers[0::2] == [episode["pair"][0]] * 3
        assert speakers[1::2] == [episode["pair"][1]] * 3


def test_graph_loads_with_pair_measures(run_dir: Path) -> None:
    graph = nx.read_graphml(run_dir / "graph.graphml")
    assert graph.number_of_nodes() == 8 and graph.number_of_edges() == 4
    for _, _, data in graph.edges(data=True):
        for key in ("stance_distance", "embedding_distance", "episode_id", "warmth"):
            assert key in data


def test_summary_and_manifest(run_dir: Path) -> None:
    summary = json.loads((run_dir / "summary.json").read_text())
    assert summary["completed"] == 4 and summary["warmth"]["n"] == 4
    assert "stance_distance~warmth" in summary["correlations"]
    manifest = json.loads((run_dir / "manifest.json").read_text())
    assert manifest["scripted"] is True
    assert manifest["usage"]["calls"] == 4 * 7  # six turns and one judge call
    assert manifest["subject_model"]["backend"] == "scripted"
    assert manifest["packages"]["autogen-agentchat"]


def test_personas_round_trip(run_dir: Path) -> None:
    from agents.persona import Persona

    records = list(read_jsonl(run_dir / "personas.jsonl"))
    personas = [Persona.from_record(r, where="personas.jsonl") for r in records]
    assert len(personas) == 8 and all(len(p.tastes) == 7 for p in personas)


def test_a_config_error_in_an_episode_stops_the_run(
    run_experiment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # A ConfigError inside an episode means start-up checking missed it: the
    # run stops with it, rather than record every episode as failed.
    async def misconfigured(*args: object) -> dict[str, object]:
        raise ConfigError("experiment.prompts.system", "{x}", "known fields")

    monkeypatch.setattr(FirstMeeting, "run_episode", misconfigured)
    run_dir = tmp_path / "stopped"
    with pytest.raises(ConfigError, match=r"experiment\.prompts\.system"):
        run_experiment("+experiment=first_meeting", *DRY, run_dir=run_dir)
    assert not list(read_jsonl(run_dir / "episodes.jsonl"))
    assert not (run_dir / "manifest.json").exists()


@pytest.mark.parametrize("name", sorted(EXPERIMENTS))
def test_every_registered_experiment_loads_under_its_own_name(name: str) -> None:
    assert get_experiment(name).name == name
    assert (ROOT / "conf" / "experiment" / f"{name}.yaml").is_file()


def test_running_one_experiment_imports_no_other() -> None:
    code = (
        "import sys; from simulator.experiments import get_experiment; "
        "get_experiment('first_meeting'); "
        "print(sorted(m for m in sys.modules "
        "if m.startswith('simulator.experiments.')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True
    )
    loaded = set(ast.literal_eval(out.stdout))
    assert loaded == {
        "simulator.experiments.base",
        "simulator.experiments.first_meeting",
    }
