"""Build a run's population and interaction graph from config."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
from omegaconf import DictConfig

from agents.persona import Persona
from agents.population import (
    StanceIssue,
    fill_missing,
    load_population_file,
    load_stance_issues,
    sample_population,
    stance_matrix,
)
from analysis.embedding import (
    Embedder,
    HashingEmbedder,
    MiniLMEmbedder,
    cosine_distance_matrix,
)
from analysis.embedding_cache import CachedEmbedder
from simulator.network import build_graph

logger = logging.getLogger(__name__)


def build_issues(cfg: DictConfig, rng: np.random.Generator) -> list[StanceIssue]:
    """The run's stance issues: the shipped list or questions from POBS."""
    pop = cfg.population
    return load_stance_issues(
        pop.stance_source, path=pop.stance_path, k=pop.issues, rng=rng
    )


def build_personas(
    cfg: DictConfig, issues: list[StanceIssue], rng: np.random.Generator
) -> list[Persona]:
    """Sample personas, or read them from `population.path`."""
    pop = cfg.population
    if pop.source == "file":
        personas = load_population_file(pop.path, pop.size, rng, pop.stratify_by)
        return fill_missing(
            personas, issues, rng, pop.stance_prob, pop.path, pop.draw_missing
        )
    return sample_population(pop.size, rng, issues, stance_prob=pop.stance_prob)


def build_embedder(name: str, cache_dir: Path | None) -> Embedder:
    """The sentence embedder named in `run.embedder`, cached under `cache_dir`."""
    inner: Embedder
    if name == "minilm":
        inner = MiniLMEmbedder()
    elif name == "hashing":
        inner = HashingEmbedder()
    else:
        raise ValueError(f"unknown embedder {name!r}; known: minilm, hashing")
    if cache_dir is None:
        return inner
    return CachedEmbedder(inner, cache_dir / "embeddings.sqlite")


def build_interaction_graph(
    cfg: DictConfig,
    personas: list[Persona],
    rng: np.random.Generator,
    embedder: Embedder,
) -> nx.Graph:
    """The graph of who meets whom, with stance and bio embedding distances."""
    net = cfg.network
    graph = build_graph(personas, net.strategy, rng, pairs=net.pairs, k=net.k, p=net.p)
    distances = cosine_distance_matrix(embedder.encode([p.persona for p in personas]))
    index = {p.uuid: i for i, p in enumerate(personas)}
    for a, b, data in graph.edges(data=True):
        data["embedding_distance"] = float(distances[index[a], index[b]])
    logger.info(
        "interaction graph: %d personas, %d pairs (%s)",
        graph.number_of_nodes(),
        graph.number_of_edges(),
        net.strategy,
    )
    return graph


def stance_summary(personas: list[Persona]) -> dict[str, Any]:
    """Share of personas on the pro side of each issue (for the log)."""
    matrix = stance_matrix(personas)
    return {"pro_share": matrix.mean(axis=0).round(2).tolist()} if matrix.size else {}
