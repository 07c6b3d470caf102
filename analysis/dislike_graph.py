"""Pair measures on the interaction graph: matrices, clusters, derogation, Mantel.

The interaction graph samples some pairs of a population; a pair measure
(predicted dislike, preference agreement) is known on those edges only. As a
persona-by-persona matrix it is NaN off the sampled pairs, which the Mantel
test of `analysis.statistics` leaves out.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
from scipy.cluster import hierarchy

from analysis.statistics import CorrelationMethod, mantel, mean_ci

logger = logging.getLogger(__name__)


def edge_table(graph: nx.Graph) -> pd.DataFrame:
    """One row per edge: a, b and every edge attribute (NaN where absent)."""
    rows = [{"a": a, "b": b, **data} for a, b, data in graph.edges(data=True)]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=["a", "b"])


def pair_matrix(
    nodes: Sequence[str],
    first: Sequence[str],
    second: Sequence[str],
    values: Sequence[float],
) -> np.ndarray:
    """A symmetric node-by-node matrix of a pair measure.

    Args:
        nodes: node ids, in the matrix's order.
        first, second: the two nodes of each measured pair.
        values: the measure of each pair (NaN allowed).

    Returns:
        Shape (n, n): the value on both (a, b) and (b, a), 0 on the diagonal,
        NaN for pairs not measured.

    Raises:
        ValueError: a pair names an unknown node, or the lengths differ.
    """
    index = {node: i for i, node in enumerate(nodes)}
    unknown = sorted({n for n in (*first, *second) if n not in index})
    if unknown:
        raise ValueError(f"pair node(s) not in nodes: {', '.join(unknown[:3])}")
    if not len(first) == len(second) == len(values):
        raise ValueError(
            f"first, second and values differ in length: {len(first)}, "
            f"{len(second)}, {len(values)}"
        )
    matrix = np.full((len(nodes), len(nodes)), np.nan)
    np.fill_diagonal(matrix, 0.0)
    for a, b, value in zip(first, second, values, strict=True):
        matrix[index[a], index[b]] = matrix[index[b], index[a]] = float(value)
    return matrix


def stance_clusters(stances: np.ndarray, clusters: int) -> np.ndarray:
    """Group personas by stance: average-linkage clustering on Hamming distance.

    Deterministic; labels are numbered 0, 1, ... in order of first appearance.

    Args:
        stances: shape (n, K) of 0/1.
        clusters: the most clusters to form, >= 1.

    Returns:
        One integer label per persona. Fewer than two personas, or no stance
        issues, give a single cluster 0.
    """
    matrix = np.asarray(stances, dtype=float)
    if clusters < 1:
        raise ValueError(f"clusters={clusters}; expected 1 or more")
    if matrix.ndim != 2 or matrix.shape[0] < 2 or matrix.shape[1] == 0:
        return np.zeros(len(matrix), dtype=np.int64)
    tree = hierarchy.linkage(matrix, method="average", metric="hamming")
    raw = hierarchy.fcluster(tree, t=clusters, criterion="maxclust")
    first_seen = {label: i for i, label in enumerate(dict.fromkeys(raw.tolist()))}
    return np.array([first_seen[label] for label in raw.tolist()], dtype=np.int64)


def outgroup_derogation(
    nodes: Sequence[str],
    first: Sequence[str],
    second: Sequence[str],
    values: Sequence[float],
    cluster: Mapping[str, int],
) -> pd.Series:
    """Per node: mean measure toward out-cluster minus in-cluster neighbours.

    With predicted dislike as the measure, a positive value means a persona is
    predicted to dislike the neighbours outside its stance cluster more than
    those inside it.

    Returns:
        A float Series indexed by node; NaN where a node lacks a measured
        neighbour on either side.
    """
    toward: dict[str, dict[bool, list[float]]] = {
        n: {True: [], False: []} for n in nodes
    }
    for a, b, value in zip(first, second, values, strict=True):
        if np.isnan(value):
            continue
        outside = cluster[a] != cluster[b]
        toward[a][outside].append(float(value))
        toward[b][outside].append(float(value))
    derogation = {
        node: (
            float(np.mean(sides[True]) - np.mean(sides[False]))
            if sides[True] and sides[False]
            else np.nan
        )
        for node, sides in toward.items()
    }
    return pd.Series(derogation, dtype=float)


def mantel_tests(
    distances: Mapping[str, np.ndarray],
    target: np.ndarray,
    n_permutations: int,
    rng: np.random.Generator,
    methods: Sequence[CorrelationMethod] = ("pearson", "spearman"),
) -> dict[str, dict[str, Any]]:
    """Mantel test of each distance matrix against `target`, per method.

    Returns:
        {"<distance name>": {"<method>": MantelResult.to_dict()}}; cells NaN in
        either matrix (unsampled pairs) are left out.
    """
    return {
        name: {
            method: mantel(
                matrix, target, n_permutations, rng=rng, method=method
            ).to_dict()
            for method in methods
        }
        for name, matrix in distances.items()
    }


def derogation_summary(
    derogation: pd.Series, rng: np.random.Generator
) -> dict[str, Any]:
    """Mean per-node derogation with a bootstrap CI, over nodes where defined."""
    return {
        "mean": mean_ci(derogation.to_numpy(float), rng).to_dict(),
        "nodes_defined": int(derogation.notna().sum()),
    }
