"""Every persona-dislike experiment smoke-runs on the scripted model and writes
the run-folder contract; bad experiment keys stop before any work."""

from __future__ import annotations

import json
import math

import networkx as nx
import pandas as pd
import pytest

from simulator.config import experiment_config
from simulator.errors import ConfigError
from simulator.experiments import get_experiment
from simulator.run_folder import MEASURE_COLUMNS, read_jsonl
from tests.conftest import DRY, compose_config

SUITE = {
    "taste_ratings": ("taste_rating", 8 * 3, "taste_ratings_by_relation.png"),
    "taste_bundling": ("taste_rating", 1 + 4 * 2, "bundling_matrix.png"),
    "outgroup_descriptions": ("sentiment", 4 * 2, "description_sentiment.png"),
    "predict_dislike": ("predicted_dislike", 8, "interaction_graph.png"),
    "persona_distance": ("like_rating", 8 + 8, "interaction_graph.png"),
}


@pytest.mark.parametrize("name", sorted(SUITE))
def test_experiment_smoke_runs_and_writes_the_contract(
    run_experiment, name: str
) -> None:
    measure, episodes, figure = SUITE[name]
    result = run_experiment(f"+experiment={name}", *DRY)
    assert result.ok and result.episodes == episodes and result.failed == 0
    folder = result.run_dir

    for file in ("personas.jsonl", "episodes.jsonl", "summary.json", "manifest.json"):
        assert (folder / file).is_file()
    assert (folder / "figures" / figure).stat().st_size > 0
    records = list(read_jsonl(folder / "episodes.jsonl"))
    assert len({r["episode_id"] for r in records}) == episodes

    measures = pd.read_parquet(folder / "measures.parquet")
    assert tuple(measures.columns[: len(MEASURE_COLUMNS)]) == MEASURE_COLUMNS
    assert set(measures["experiment"]) == {name}
    assert measure in set(measures["measure"])
    assert measures["episode_id"].notna().all()
    assert {"model", "backend", "network"} <= set(measures.columns)

    summary = json.loads((folder / "summary.json").read_text())
    assert summary["completed"] == episodes
    if name != "outgroup_descriptions":
        assert summary["parse_rate"]["estimate"] == 1.0  # scripted JSON is valid
    nx.read_graphml(folder / "graph.graphml")
    assert json.loads((folder / "manifest.json").read_text())["scripted"] is True


def test_ratings_keep_raw_text_in_the_episode_record(run_experiment) -> None:
    result = run_experiment("+experiment=taste_ratings", *DRY, "experiment.pairs=1")
    records = list(read_jsonl(result.run_dir / "episodes.jsonl"))
    rating = records[0]["ratings"][0]
    assert {"pair_id", "framing", "relation", "item", "sample", "verdict"} <= set(
        rating
    )
    assert json.loads(rating["verdict"]["raw"])["rating"] == rating["verdict"]["value"]


def _config(name: str, *overrides: str) -> object:
    cfg = compose_config([f"+experiment={name}", *DRY, *overrides])
    return experiment_config(cfg, get_experiment(name).schema)


@pytest.mark.parametrize(
    ("name", "override", "key"),
    [
        ("taste_ratings", "experiment.samples=0", "experiment.samples"),
        ("taste_ratings", "experiment.pairs=0", "experiment.pairs"),
        ("taste_ratings", "experiment.temperature=3", "experiment.temperature"),
        ("taste_bundling", "experiment.items_per_domain=0", "items_per_domain"),
        ("outgroup_descriptions", "experiment.top_words=0", "top_words"),
        ("predict_dislike", "experiment.conditions=[bio_only,vibes]", "conditions"),
        ("predict_dislike", "experiment.main_condition=vibes", "main_condition"),
        (
            "predict_dislike",
            "experiment.robustness_conditions=[vibes]",
            "robustness_conditions",
        ),
        ("predict_dislike", "experiment.permutations=99", "permutations"),
        ("predict_dislike", "experiment.samples=3", "experiment.samples"),
        ("persona_distance", "experiment.rejection_threshold=5", "rejection"),
        ("persona_distance", "experiment.domains=[]", "experiment.domains"),
    ],
)
def test_bad_experiment_keys_name_the_key(name: str, override: str, key: str) -> None:
    with pytest.raises(ConfigError, match=key):
        _config(name, override)


def test_predict_dislike_extends_first_meeting_keys() -> None:
    config = _config("predict_dislike", "experiment.turns=4")
    assert config.turns == 4 and config.prompts.judge_system  # type: ignore[attr-defined]
    assert config.name == "predict_dislike"  # type: ignore[attr-defined]


def test_an_unknown_taste_pair_count_is_an_input_error(run_experiment) -> None:
    from agents.errors import InputError

    with pytest.raises(InputError, match=r"experiment\.pairs=99"):
        run_experiment("+experiment=taste_ratings", *DRY, "experiment.pairs=99")


def test_graph_attributes_are_scalars_without_none(run_experiment) -> None:
    result = run_experiment(
        "+experiment=predict_dislike", *DRY, "experiment.conversation=true"
    )
    graph = nx.read_graphml(result.run_dir / "graph.graphml")
    for _, _, data in graph.edges(data=True):
        for key in (
            "stance_distance",
            "embedding_distance",
            "predicted_dislike",
            "predicted_dislike_bio_only",
            "predicted_dislike_bio_and_stances_swapped",
            "warmth",
            "sentiment",
        ):
            assert isinstance(data[key], (int, float)) and not math.isnan(data[key])
    for _, data in graph.nodes(data=True):
        assert data["stance_cluster"] in (0, 1)
        assert isinstance(data["outgroup_derogation"], float)
