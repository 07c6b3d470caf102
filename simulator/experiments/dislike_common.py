"""Pieces the persona-dislike experiments share: taste bank, rating calls,
checks of sampling keys, and the interaction graph's distance matrices."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
from omegaconf import MISSING

from agents.clients import GenerationSettings, SettingsClient
from agents.judge import Verdict
from agents.population import stance_matrix
from agents.taste_bank import TasteBank, load_taste_bank
from analysis.dislike_graph import stance_clusters
from analysis.embedding import cosine_distance_matrix
from analysis.statistics import rate
from simulator.errors import ConfigError
from simulator.experiments.base import RunContext
from simulator.network import stance_distance_matrix


@dataclass
class TastePairEntry:
    """A taste pair added in config: `experiment.extra_pairs: [{domain, a, b}]`."""

    domain: str = MISSING
    a: str = MISSING
    b: str = MISSING


def taste_bank(
    taste_file: str | None, extra_pairs: Sequence[TastePairEntry]
) -> TasteBank:
    """The taste bank of `experiment.taste_file` plus `experiment.extra_pairs`."""
    return load_taste_bank(taste_file, [asdict(entry) for entry in extra_pairs])


def check_sampling(
    temperature: float,
    max_tokens: int,
    samples: int = 1,
    prefix: str = "experiment.",
) -> None:
    """Range checks shared by every rating experiment.

    Raises:
        ConfigError: temperature outside [0, 2], max_tokens or samples below
            1, or several samples at temperature 0 (they would be identical).
    """
    if not 0.0 <= temperature <= 2.0:
        raise ConfigError(f"{prefix}temperature", temperature, "a number in [0, 2]")
    if max_tokens < 1:
        raise ConfigError(f"{prefix}max_tokens", max_tokens, "an integer >= 1")
    if samples < 1:
        raise ConfigError("experiment.samples", samples, "an integer >= 1")
    if samples > 1 and temperature == 0.0:
        raise ConfigError(
            "experiment.samples",
            samples,
            f"1 at {prefix}temperature=0 (greedy samples are identical); "
            "or raise the temperature",
        )


def check_pairs(pairs: int | None) -> None:
    """`experiment.pairs` is null (every pair) or at least 1."""
    if pairs is not None and pairs < 1:
        raise ConfigError("experiment.pairs", pairs, "null (every pair) or >= 1")


def rating_client(
    ctx: RunContext, temperature: float, top_p: float, max_tokens: int
) -> SettingsClient:
    """The subject model with one role's generation settings."""
    settings = GenerationSettings(temperature, top_p, max_tokens)
    return SettingsClient(ctx.pool.get(ctx.subject), settings)


def rating_record(verdict: Verdict, **descriptors: Any) -> dict[str, Any]:
    """One rating for the episode record: its descriptors and the verdict."""
    return {**descriptors, "verdict": verdict.as_record()}


def parse_rate(valid: Sequence[bool]) -> dict[str, Any]:
    """Share of ratings that parsed and fell in range, with a Wilson 95% CI."""
    return rate(int(sum(bool(v) for v in valid)), len(valid)).to_dict()


def episode_counts(episodes: Sequence[dict[str, Any]]) -> dict[str, int]:
    """episodes, completed and failed, for the summary."""
    completed = sum(e["status"] == "completed" for e in episodes)
    return {
        "episodes": len(episodes),
        "completed": completed,
        "failed": len(episodes) - completed,
    }


def distance_matrices(ctx: RunContext) -> tuple[list[str], dict[str, np.ndarray]]:
    """The persona distance matrices over every persona of the run.

    Returns:
        The persona uuids (the matrices' order) and {"stance_distance":
        Hamming distance of stance vectors, "embedding_distance": cosine
        distance of bio embeddings}.
    """
    nodes = [persona.uuid for persona in ctx.personas]
    stances = stance_distance_matrix(stance_matrix(ctx.personas)).astype(float)
    vectors = ctx.embedder.encode([persona.persona for persona in ctx.personas])
    return nodes, {
        "stance_distance": stances,
        "embedding_distance": cosine_distance_matrix(vectors),
    }


def annotate_stance_clusters(ctx: RunContext, clusters: int) -> dict[str, int]:
    """Cluster personas by stance; set node attribute `stance_cluster`."""
    labels = stance_clusters(stance_matrix(ctx.personas), clusters)
    cluster = {
        p.uuid: int(label) for p, label in zip(ctx.personas, labels, strict=True)
    }
    for node, label in cluster.items():
        if node in ctx.graph:
            ctx.graph.nodes[node]["stance_cluster"] = label
    return cluster
