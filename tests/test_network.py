"""Specification of the interaction graph's pairing strategies."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pytest

from agents.persona import Persona
from agents.population import load_stance_issues, sample_population, stance_matrix
from simulator.network import (
    STRATEGIES,
    build_graph,
    pair_from_index,
    stance_distance_matrix,
)

N = 40
ALL_PAIRS = N * (N - 1) // 2


@pytest.fixture(scope="module")
def population() -> list[Persona]:
    return sample_population(N, np.random.default_rng(99), load_stance_issues())


def hand_persona(name: str, stances: tuple[int, ...]) -> Persona:
    return Persona(
        uuid=f"uuid-{name}",
        persona=f"{name} is a test persona.",
        sex="Female",
        age=40,
        occupation="tester",
        stances=stances,
    )


def edge_set(graph: nx.Graph) -> frozenset[frozenset[str]]:
    return frozenset(frozenset(edge) for edge in graph.edges)


def distances(graph: nx.Graph, group: str) -> list[int]:
    return [
        d["stance_distance"]
        for _, _, d in graph.edges(data=True)
        if d["divergence_group"] == group
    ]


@pytest.mark.parametrize(
    ("strategy", "pairs", "edges"),
    [
        ("complete", None, ALL_PAIRS),
        ("random", 50, 50),
        ("small_world", None, N * 4 // 2),
        ("divergence", 51, 51),
        ("divergence", ALL_PAIRS, ALL_PAIRS),
    ],
)
def test_each_strategy_has_its_edge_count(
    population: list[Persona], strategy: str, pairs: int | None, edges: int
) -> None:
    graph = build_graph(population, strategy, np.random.default_rng(1), pairs=pairs)
    assert graph.number_of_nodes() == N
    assert graph.number_of_edges() == edges
    assert graph.graph["strategy"] == strategy


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_same_seed_gives_the_same_graph(
    population: list[Persona], strategy: str
) -> None:
    first = build_graph(population, strategy, np.random.default_rng(7), pairs=30)
    again = build_graph(population, strategy, np.random.default_rng(7), pairs=30)
    assert nx.utils.graphs_equal(first, again)


@pytest.mark.parametrize("strategy", ["random", "small_world"])
def test_different_seeds_give_different_edges(
    population: list[Persona], strategy: str
) -> None:
    first = build_graph(population, strategy, np.random.default_rng(7), pairs=30)
    other = build_graph(population, strategy, np.random.default_rng(8), pairs=30)
    assert edge_set(first) != edge_set(other)


def test_nodes_carry_scalar_persona_attributes(population: list[Persona]) -> None:
    graph = build_graph(population, "complete", np.random.default_rng(0))
    persona = population[5]
    node = graph.nodes[persona.uuid]
    assert node["name"] == persona.first_name
    assert node["age"] == persona.age
    assert node["city"] == persona.city
    assert node["occupation"] == persona.occupation
    assert node["stances"] == "".join(str(s) for s in persona.stances)
    assert all(isinstance(v, (str, int)) for v in node.values())


def test_divergence_splits_high_from_low_pairs(population: list[Persona]) -> None:
    graph = build_graph(population, "divergence", np.random.default_rng(3), pairs=41)
    high, low = distances(graph, "high"), distances(graph, "low")
    assert (len(high), len(low)) == (21, 20)  # the odd pair goes to "high"
    assert min(high) >= max(low)
    assert np.mean(high) > np.mean(low)


def test_divergence_picks_the_extremes_of_all_pairs(
    population: list[Persona],
) -> None:
    matrix = stance_distance_matrix(stance_matrix(population))
    every = np.sort(matrix[np.triu_indices(N, 1)])
    graph = build_graph(population, "divergence", np.random.default_rng(3), pairs=20)
    assert sorted(distances(graph, "low")) == every[:10].tolist()
    assert sorted(distances(graph, "high")) == every[-10:].tolist()


def test_divergence_breaks_ties_with_the_rng() -> None:
    # Every pair is at distance 0, so which pairs are chosen is the rng's call.
    people = [hand_persona(str(i), (1, 0)) for i in range(12)]
    picks = set()
    for seed in range(5):
        graph = build_graph(people, "divergence", np.random.default_rng(seed), pairs=4)
        picks.add(edge_set(graph))
    assert len(picks) > 1


@pytest.mark.parametrize("strategy", ["complete", "random", "small_world"])
def test_other_strategies_split_at_the_median(
    population: list[Persona], strategy: str
) -> None:
    graph = build_graph(population, strategy, np.random.default_rng(4), pairs=60)
    every = [d["stance_distance"] for _, _, d in graph.edges(data=True)]
    median = float(np.median(every))
    for _, _, data in graph.edges(data=True):
        expected = "high" if data["stance_distance"] > median else "low"
        assert data["divergence_group"] == expected


def test_stance_distance_matches_a_hand_count() -> None:
    a = hand_persona("a", (1, 0, 1, 1))
    b = hand_persona("b", (0, 0, 1, 0))
    c = hand_persona("c", (1, 1, 0, 0))
    # a-b differ on issues 0 and 3; a-c on 1, 2, 3; b-c on 0, 1, 2.
    expected = np.array([[0, 2, 3], [2, 0, 3], [3, 3, 0]])
    stances = np.array([a.stances, b.stances, c.stances])
    assert stance_distance_matrix(stances).tolist() == expected.tolist()

    graph = build_graph([a, b, c], "complete", np.random.default_rng(0))
    assert graph.edges["uuid-a", "uuid-b"]["stance_distance"] == 2
    assert graph.edges["uuid-a", "uuid-c"]["stance_distance"] == 3
    assert graph.edges["uuid-b", "uuid-c"]["stance_distance"] == 3
    assert graph.edges["uuid-b", "uuid-c"]["divergence_group"] == "low"


def test_graph_round_trips_through_graphml(
    population: list[Persona], tmp_path: Path
) -> None:
    graph = build_graph(population, "divergence", np.random.default_rng(5), pairs=25)
    path = tmp_path / "graph.graphml"
    nx.write_graphml(graph, path)
    loaded = nx.read_graphml(path)
    assert dict(loaded.nodes(data=True)) == dict(graph.nodes(data=True))
    assert {frozenset((a, b)): d for a, b, d in loaded.edges(data=True)} == {
        frozenset((a, b)): d for a, b, d in graph.edges(data=True)
    }
    assert loaded.graph["strategy"] == "divergence"


@pytest.mark.parametrize("n", [2, 3, 7, 50, 1001])
def test_pair_index_maps_to_upper_triangle_order(n: int) -> None:
    first, second = np.triu_indices(n, 1)
    got_first, got_second = pair_from_index(np.arange(len(first)), n)
    assert got_first.tolist() == first.tolist()
    assert got_second.tolist() == second.tolist()


def test_pair_index_is_exact_for_huge_populations() -> None:
    # 200,000 personas have about 2e10 pairs; random sampling never lists them.
    n = 200_000
    total = n * (n - 1) // 2
    first, second = pair_from_index(np.array([0, 1, n - 1, total // 2, total - 1]), n)
    assert first.tolist()[:3] == [0, 0, 1]
    assert second.tolist()[:3] == [1, 2, 2]
    assert (first[-1], second[-1]) == (n - 2, n - 1)
    # The middle index: the pairs before row a, plus the offset within row a.
    a, b = int(first[3]), int(second[3])
    assert a * (2 * n - a - 1) // 2 + (b - a - 1) == total // 2


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"strategy": "ring"}, "'ring' is unknown; expected one of complete, random"),
        ({"strategy": "random"}, "needs pairs, the number of edges, from 1 to 780"),
        (
            {"strategy": "random", "pairs": 781},
            "pairs=781, but 40 personas have 780 distinct pairs",
        ),
        ({"strategy": "divergence", "pairs": 0}, "choose pairs from 1 to 780"),
        ({"strategy": "small_world", "k": 3}, "even k with 2 <= k < n"),
        ({"strategy": "small_world", "p": 1.5}, "p=1.5; expected a rewiring"),
    ],
)
def test_bad_arguments_name_the_value_and_what_is_allowed(
    population: list[Persona], kwargs: dict[str, object], message: str
) -> None:
    with pytest.raises(ValueError, match=message):
        build_graph(population, rng=np.random.default_rng(0), **kwargs)  # type: ignore[arg-type]


def test_repeated_uuids_are_refused(population: list[Persona]) -> None:
    with pytest.raises(ValueError, match="uuid"):
        build_graph(population + population[:1], "complete", np.random.default_rng(0))


def test_stance_distance_matrix_refuses_non_binary_stances() -> None:
    with pytest.raises(ValueError, match="other than 0 and 1"):
        stance_distance_matrix(np.array([[0, 2]]))
