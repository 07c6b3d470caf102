"""The interaction graph: which personas of a population meet in an episode.

A pairing strategy picks the graph's edges: every pair, a uniform sample of
pairs, a small-world ring, or a balanced mix of the most and least divergent
pairs by stance. Every edge carries its stance distance and a divergence group
("high" or "low"), so episodes can be compared across the two groups.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence

import networkx as nx
import numpy as np

from agents.persona import Persona
from agents.population import stance_matrix

logger = logging.getLogger(__name__)

STRATEGIES: tuple[str, ...] = ("complete", "random", "small_world", "divergence")
# Strategies whose edge count is `pairs`; the others fix their own.
_COUNTED: tuple[str, ...] = ("random", "divergence")


def build_graph(
    personas: Sequence[Persona],
    strategy: str,
    rng: np.random.Generator,
    pairs: int | None = None,
    k: int = 4,
    p: float = 0.1,
) -> nx.Graph:
    """Build the interaction graph of a population.

    Args:
        personas: the population; uuids must be distinct. Stance vectors must
            share one length (zero is allowed: every distance is then 0).
        strategy: "complete" (all n(n-1)/2 pairs), "random" (`pairs` distinct
            pairs drawn uniformly), "small_world" (a Watts-Strogatz graph with
            `k` neighbours and rewiring probability `p`) or "divergence"
            (`pairs` // 2 pairs of lowest and the rest of highest stance
            distance; ties broken at random).
        rng: the run's random generator; advanced by the draws.
        pairs: number of edges for "random" and "divergence", 1 to n(n-1)/2.
            The other strategies ignore it, but it must still be in range.
        k: ring neighbours per node for "small_world"; even, 2 <= k < n.
        p: rewiring probability for "small_world", 0 to 1.

    Returns:
        An undirected graph. Nodes are persona uuids with attributes name, age,
        sex, state, city, occupation, education_level, marital_status and
        stances (a text of 0s and 1s). Edges have `stance_distance` (Hamming
        distance, int) and `divergence_group`: "high" or "low" as chosen by
        "divergence", otherwise "high" when the distance exceeds the median
        of the graph's edges. Graph attribute `strategy` names the strategy.

    Raises:
        ValueError: unknown strategy, `pairs` missing or out of range, bad
            `k` or `p`, or repeated uuids; the message names the allowed values.
    """
    n = len(personas)
    _check_args(personas, strategy, pairs, n)
    stances = stance_matrix(personas)

    groups: np.ndarray | None = None
    if strategy == "complete":
        first, second = np.triu_indices(n, 1)
    elif strategy == "random":
        first, second = _random_pairs(n, int(pairs or 0), rng)
    elif strategy == "small_world":
        first, second = _small_world_pairs(n, k, p, rng)
    else:
        first, second, groups = _divergence_pairs(stances, int(pairs or 0), rng)

    distance = np.count_nonzero(stances[first] != stances[second], axis=1)
    if groups is None:
        groups = _median_split(distance)
    if stances.shape[1] == 0:
        logger.warning("personas have no stances; every stance distance is 0")

    graph = _assemble(personas, first, second, distance, groups)
    graph.graph["strategy"] = strategy
    logger.info("interaction graph %s: %d personas, %d edges", strategy, n, len(first))
    return graph


def stance_distance_matrix(stances: np.ndarray) -> np.ndarray:
    """Hamming distances between all rows of a 0/1 stance matrix.

    Args:
        stances: shape (n, K), entries 0 or 1.

    Returns:
        Shape (n, n), int64: entry (a, b) counts the issues on which persona a
        and persona b take different sides; the diagonal is 0.

    Raises:
        ValueError: `stances` is not two-dimensional or holds values other
            than 0 and 1.
    """
    matrix = np.asarray(stances)
    if matrix.ndim != 2:
        raise ValueError(
            f"stances has shape {matrix.shape}; expected (personas, issues)"
        )
    if not np.isin(matrix, (0, 1)).all():
        raise ValueError("stances holds values other than 0 and 1")
    # A float product runs on BLAS and is exact for any realistic issue count.
    ones = matrix.astype(np.float64)
    agree_pro = ones @ ones.T
    counts = ones.sum(axis=1)
    distance = counts[:, None] + counts[None, :] - 2 * agree_pro
    return np.rint(distance).astype(np.int64)


def _check_args(
    personas: Sequence[Persona], strategy: str, pairs: int | None, n: int
) -> None:
    if strategy not in STRATEGIES:
        raise ValueError(
            f"pairing strategy {strategy!r} is unknown; expected one of "
            f"{', '.join(STRATEGIES)}"
        )
    uuids = [persona.uuid for persona in personas]
    if len(set(uuids)) != n:
        repeated = sorted({u for u in uuids if uuids.count(u) > 1})
        raise ValueError(f"persona uuid(s) repeated: {', '.join(repeated[:3])}")

    possible = n * (n - 1) // 2
    if pairs is None:
        if strategy in _COUNTED:
            raise ValueError(
                f"strategy {strategy!r} needs pairs, the number of edges, from 1 "
                f"to {possible} for {n} personas"
            )
        return
    if isinstance(pairs, bool) or not isinstance(pairs, (int, np.integer)):
        raise ValueError(f"pairs={pairs!r}; expected a whole number")
    if not 1 <= pairs <= possible:
        raise ValueError(
            f"pairs={pairs}, but {n} personas have {possible} distinct pairs; "
            f"choose pairs from 1 to {possible}"
        )


def _random_pairs(
    n: int, pairs: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """`pairs` distinct pairs, uniform over all n(n-1)/2, without listing them."""
    possible = n * (n - 1) // 2
    chosen = np.sort(rng.choice(possible, size=pairs, replace=False))
    return pair_from_index(chosen, n)


def pair_from_index(index: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray]:
    """Map linear pair indices to (a, b), a < b, in `np.triu_indices(n, 1)` order.

    Args:
        index: integers from 0 to n(n-1)/2 - 1.
        n: number of nodes, 2 or more.

    Returns:
        Arrays `a` and `b` with the same shape as `index`.
    """
    index = np.asarray(index, dtype=np.int64)
    width = 2 * n - 1

    def offset(row: np.ndarray) -> np.ndarray:
        # Linear index of pair (row, row + 1): rows before it hold n-1, n-2, ...
        return row * (width - row) // 2

    estimate = np.floor((width - np.sqrt(width * width - 8.0 * index)) / 2)
    row = np.clip(estimate.astype(np.int64), 0, max(n - 2, 0))
    # The float estimate can be off by one near row boundaries.
    row = np.where(offset(row) > index, row - 1, row)
    row = np.where(offset(row + 1) <= index, row + 1, row)
    return row, index - offset(row) + row + 1


def _small_world_pairs(
    n: int, k: int, p: float, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)):
        raise ValueError(f"k={k!r}; expected an even whole number")
    if k % 2 or not 2 <= k < n:
        raise ValueError(
            f"k={k} for {n} personas; small_world needs an even k with 2 <= k < n"
        )
    if not isinstance(p, (int, float)) or not 0 <= p <= 1:
        raise ValueError(f"p={p!r}; expected a rewiring probability from 0 to 1")

    seed = int(rng.integers(0, 2**31 - 1))
    ring = nx.watts_strogatz_graph(n, int(k), float(p), seed=seed)
    edges = np.array(sorted(tuple(sorted(e)) for e in ring.edges()), dtype=np.int64)
    return edges[:, 0], edges[:, 1]


def _divergence_pairs(
    stances: np.ndarray, pairs: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The pairs // 2 least and the remaining most divergent pairs."""
    first, second = np.triu_indices(len(stances), 1)
    distance = stance_distance_matrix(stances)[first, second]

    # Shuffle, then sort stably: equal distances end up in random order.
    order = rng.permutation(len(distance))
    order = order[np.argsort(distance[order], kind="stable")]
    low = pairs // 2
    high = pairs - low
    chosen = np.concatenate([order[:low], order[len(order) - high :]])
    groups = np.array(["low"] * low + ["high"] * high)

    # List edges in pair order so the graph does not depend on the shuffle.
    by_pair = np.argsort(chosen)
    chosen, groups = chosen[by_pair], groups[by_pair]
    return first[chosen], second[chosen], groups


def _median_split(distance: np.ndarray) -> np.ndarray:
    if len(distance) == 0:
        return np.array([], dtype=str)
    return np.where(distance > np.median(distance), "high", "low")


def _assemble(
    personas: Sequence[Persona],
    first: np.ndarray,
    second: np.ndarray,
    distance: np.ndarray,
    groups: np.ndarray,
) -> nx.Graph:
    graph = nx.Graph()
    for persona in personas:
        graph.add_node(persona.uuid, **_node_attributes(persona))
    uuids = [persona.uuid for persona in personas]
    for a, b, d, group in zip(
        first.tolist(), second.tolist(), distance.tolist(), groups.tolist(), strict=True
    ):
        graph.add_edge(
            uuids[a], uuids[b], stance_distance=int(d), divergence_group=str(group)
        )
    return graph


def _node_attributes(persona: Persona) -> dict[str, str | int]:
    """Scalar persona fields only: GraphML stores no lists or maps."""
    return {
        "name": persona.first_name,
        "age": int(persona.age),
        "sex": str(persona.sex),
        "state": str(persona.state),
        "city": str(persona.city),
        "occupation": str(persona.occupation),
        "education_level": str(persona.education_level),
        "marital_status": str(persona.marital_status),
        "stances": "".join(str(s) for s in persona.stances),
    }
