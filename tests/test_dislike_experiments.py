"""Planted effects in outgroup_descriptions, predict_dislike and persona_distance,
and their statistics checked against scipy and numpy on the run's own output."""

from __future__ import annotations

import json
import random
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from agents.clients import factory
from agents.clients.scripted import ScriptedClient
from agents.errors import InputError
from simulator.run_folder import read_jsonl
from tests.conftest import DRY

Respond = Callable[[list[dict[str, str]], Any, random.Random], str]


@pytest.fixture
def plant(monkeypatch: pytest.MonkeyPatch) -> Callable[[Respond], None]:
    """Make every model of the run a ScriptedClient answering with `respond`."""

    def install(respond: Respond) -> None:
        client = ScriptedClient(respond=respond)
        monkeypatch.setattr(factory, "build_client", lambda *args, **kwargs: client)

    return install


def _summary(folder: Path) -> dict[str, Any]:
    return json.loads((folder / "summary.json").read_text())


# ---------------------------------------------------------------- descriptions


def scornful(chat: list[dict[str, str]], schema: Any, rng: random.Random) -> str:
    liked = re.search(r"loves (.+?)\.", chat[0]["content"]).group(1)  # type: ignore[union-attr]
    target = re.search(r"who enjoys (.+?),", chat[-1]["content"]).group(1)  # type: ignore[union-attr]
    if target == liked:
        return "Lovely, generous people with wonderful taste. I admire them."
    return f"Weird people. Truly weird and dull; {target} is not my thing."


def test_out_group_descriptions_show_the_planted_scorn(run_experiment, plant) -> None:
    plant(scornful)
    result = run_experiment("+experiment=outgroup_descriptions", *DRY)
    summary = _summary(result.run_dir)
    assert summary["descriptions"] == 4 * 2 * 2

    sentiment = summary["sentiment"]
    assert sentiment["in_minus_out"]["low"] > 0
    assert sentiment["personas_warmer_to_in_group"]["successes"] == 8
    dismissals = summary["lexicon_dismissals"]
    assert dismissals["out_group"]["estimate"] > dismissals["in_group"]["estimate"] == 0
    words = summary["distinctive_words"]
    assert words["out_group"][0]["word"] == "weird"
    assert words["out_group"][0]["count_out"] == 16 and words["out_group"][0]["z"] > 0
    assert words["in_group"][0]["z"] < 0

    measures = pd.read_parquet(result.run_dir / "measures.parquet")
    by = measures[measures["measure"] == "sentiment"].groupby("relation")["value"]
    assert sentiment["in_minus_out"]["estimate"] == pytest.approx(
        by.mean()["in_group"] - by.mean()["out_group"]
    )


# ---------------------------------------------------------------- predict_dislike

_STANCE = re.compile(r"^- (.+) \(([^()]+)\)$", re.MULTILINE)


def stance_driven(chat: list[dict[str, str]], schema: Any, rng: random.Random) -> str:
    """Dislike = 10 per differing stance (+ small noise); random without stances."""
    text = chat[-1]["content"]
    first, _, second = re.split(r"\n(Person B|Second person):\n", text, maxsplit=1)
    a, b = dict(_STANCE.findall(first)), dict(_STANCE.findall(second))
    if not a:
        return json.dumps({"dislike": rng.randint(0, 100)})
    differ = sum(a[s] != b[s] for s in a)
    return json.dumps({"dislike": 10 + 10 * differ + rng.randint(0, 3)})


@pytest.fixture
def dislike_run(run_experiment, plant) -> Path:
    plant(stance_driven)
    result = run_experiment(
        "+experiment=predict_dislike",
        *DRY,
        "population.size=12",
        "network.pairs=24",
        "population.issues=8",
    )
    assert result.ok and result.failed == 0
    return result.run_dir


def _edges(folder: Path) -> pd.DataFrame:
    graph = nx.read_graphml(folder / "graph.graphml")
    return pd.DataFrame([{"a": a, "b": b, **d} for a, b, d in graph.edges(data=True)])


def test_stance_driven_dislike_is_found_where_stances_are_shown(dislike_run) -> None:
    summary = _summary(dislike_run)
    assert summary["pairs"] == 24 and summary["parse_rate"]["estimate"] == 1.0
    assert summary["predicted_dislike"]["stances_only"]["distinct_values"] > 3
    for condition in ("stances_only", "bio_and_stances"):
        pearson = summary["correlations"][
            f"stance_distance~predicted_dislike_{condition}"
        ]["pearson"]
        assert pearson["estimate"] > 0.9 and pearson["low"] > 0.5
        mantel = summary["mantel"][condition]["stance_distance"]["pearson"]
        assert mantel["p_value"] <= 0.005 and mantel["n_permutations"] == 999
    robust = summary["robustness"]["bio_and_stances:swapped"]
    assert robust["agreement"]["pearson"]["estimate"] > 0.9
    assert (
        summary["robustness"]["bio_and_stances:paraphrase"]["stance_distance"][
            "spearman"
        ]["estimate"]
        > 0.9
    )


def test_correlations_and_mantel_agree_with_scipy_on_the_graph(dislike_run) -> None:
    summary = _summary(dislike_run)
    edges = _edges(dislike_run)
    for condition in ("bio_only", "stances_only", "bio_and_stances"):
        column = f"predicted_dislike_{condition}"
        x, y = edges["stance_distance"].astype(float), edges[column]
        table = summary["correlations"][f"stance_distance~{column}"]
        assert table["pearson"]["estimate"] == pytest.approx(stats.pearsonr(x, y)[0])
        assert table["spearman"]["estimate"] == pytest.approx(stats.spearmanr(x, y)[0])
        assert table["pearson"]["p_value"] == pytest.approx(stats.pearsonr(x, y)[1])
        # Over the sampled pairs the Mantel statistic is the same Pearson r.
        mantel = summary["mantel"][condition]["stance_distance"]
        assert mantel["pearson"]["statistic"] == pytest.approx(np.corrcoef(x, y)[0, 1])
        assert mantel["pearson"]["n_pairs"] == len(edges)
        assert mantel["spearman"]["statistic"] == pytest.approx(
            stats.spearmanr(x, y)[0]
        )
    assert edges["predicted_dislike"].equals(edges["predicted_dislike_bio_and_stances"])


def test_derogation_matches_a_direct_computation(dislike_run) -> None:
    graph = nx.read_graphml(dislike_run / "graph.graphml")
    for node, data in graph.nodes(data=True):
        inside: list[float] = []
        outside: list[float] = []
        for other in graph.neighbors(node):
            value = graph.edges[node, other]["predicted_dislike"]
            same = graph.nodes[other]["stance_cluster"] == data["stance_cluster"]
            (inside if same else outside).append(value)
        expected = np.mean(outside) - np.mean(inside) if inside and outside else np.nan
        assert data["outgroup_derogation"] == pytest.approx(expected, nan_ok=True)
    summary = _summary(dislike_run)["outgroup_derogation"]
    assert summary["clusters"] == 2 and summary["nodes_defined"] >= 1


def test_conversation_puts_warmth_and_dislike_on_the_same_edges(run_experiment) -> None:
    result = run_experiment(
        "+experiment=predict_dislike", *DRY, "experiment.conversation=true"
    )
    episodes = list(read_jsonl(result.run_dir / "episodes.jsonl"))
    assert all(len(e["turns"]) == 6 and e["judge"]["warmth"]["valid"] for e in episodes)
    assert all(len(e["ratings"]) == 5 for e in episodes)

    edges = _edges(result.run_dir)
    summary = _summary(result.run_dir)
    pearson = summary["dislike_vs_conversation"][
        "predicted_dislike_bio_and_stances~warmth"
    ]["pearson"]
    expected = stats.pearsonr(edges["predicted_dislike"], edges["warmth"])
    assert pearson["estimate"] == pytest.approx(expected[0])
    assert pearson["n"] == len(edges) == 8
    assert summary["conversation"]["warmth_parse_rate"]["n"] == 8
    measures = pd.read_parquet(result.run_dir / "measures.parquet")
    assert {"warmth", "predicted_dislike", "sentiment"} <= set(measures["measure"])


# ---------------------------------------------------------------- persona_distance


def opposite_rejects(
    chat: list[dict[str, str]], schema: Any, rng: random.Random
) -> str:
    system = chat[0]["content"]
    if "complete opposite" in system:
        return json.dumps({"rating": rng.choice([1, 2])})
    if system.startswith("Answer every question"):
        return json.dumps({"rating": rng.choice([4, 5])})
    return json.dumps({"rating": rng.randint(1, 5)})


def test_opposite_persona_rejects_and_the_control_does_not(
    run_experiment, plant
) -> None:
    plant(opposite_rejects)
    result = run_experiment("+experiment=persona_distance", *DRY)
    summary = _summary(result.run_dir)
    probe = summary["opposite_probe"]
    opposite, neutral = (
        probe["rejection_rate"]["opposite"],
        probe["rejection_rate"]["neutral"],
    )
    assert (opposite["estimate"], opposite["n"]) == (1.0, 8 * 3)
    assert neutral["estimate"] == 0.0
    assert probe["opposite_vs_neutral"][0]["significant"] is True

    graph = nx.read_graphml(result.run_dir / "graph.graphml")
    assert all(d["opposite_rejection"] == 1.0 for _, d in graph.nodes(data=True))
    edges = _edges(result.run_dir)
    table = summary["correlations"]["embedding_distance~preference_agreement"]
    x, y = edges["embedding_distance"], edges["preference_agreement"]
    assert table["spearman"]["estimate"] == pytest.approx(stats.spearmanr(x, y)[0])
    mantel = summary["mantel"]["embedding_distance"]["pearson"]
    assert mantel["statistic"] == pytest.approx(np.corrcoef(x, 5 - y)[0, 1])


def test_persona_distance_refuses_personas_without_tastes(
    run_experiment, tmp_path: Path
) -> None:
    # Records with some tastes keep them (nothing is drawn), so a domain of
    # experiment.domains is missing.
    music = {"music": {"likes": "jazz", "dislikes": "country"}}
    records = [
        {"uuid": f"u{i}", "persona": f"Person{i} is here.", "sex": "Female",
         "age": 30 + i, "occupation": "nurse", "tastes": music}
        for i in range(6)
    ]  # fmt: skip
    path = tmp_path / "people.jsonl"
    path.write_text("".join(json.dumps(r) + "\n" for r in records))
    with pytest.raises(
        InputError, match=r"needs a like in each of experiment\.domains"
    ):
        run_experiment(
            "+experiment=persona_distance",
            *DRY,
            "population=file",
            f"population.path={path}",
            "population.size=6",
        )
