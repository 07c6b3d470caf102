"""`persona_distance`: do personas with distant bios like each other's tastes less?

Two kinds of episode:

- pair (one per edge of the interaction graph): each persona, speaking as
  itself, rates the other's stated likes (the `domains` of its tastes) 1-5.
  Preference agreement of the pair is the mean of those ratings; it is
  correlated with the bio embedding distance and Mantel-tested.
- opposite (one per persona, when `opposite_probe`): a model told "you are
  the complete opposite of <persona>" rates that persona's likes 1-5, and so
  does a rater with no persona (the control). Rejection: a rating of
  `rejection_threshold` or less.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from omegaconf import MISSING

from agents.errors import InputError
from agents.persona import Persona
from agents.prompts import render
from agents.rating_scales import LIKE_SCALE
from analysis.dislike_figures import interaction_graph_figure
from analysis.dislike_graph import edge_table, mantel_tests, pair_matrix
from analysis.figures import scatter_with_fit
from analysis.pair_statistics import correlations
from analysis.statistics import compare_paired_rates, mean_ci, rate
from analysis.taste_effects import rating_measures, ratings_frame, tidy
from simulator.errors import ConfigError
from simulator.experiments.base import (
    Analysis,
    EpisodeSpec,
    Experiment,
    RunContext,
    TemplateFields,
)
from simulator.experiments.dislike_common import (
    annotate_stance_clusters,
    check_sampling,
    distance_matrices,
    episode_counts,
    parse_rate,
    rating_client,
    rating_record,
)

logger = logging.getLogger(__name__)

MIN_PERMUTATIONS = 999
_MEASURE_COLUMNS = ("framing", "rater", "target", "domain", "item", "sample")


@dataclass
class PersonaDistancePrompts:
    """Templates; see conf/experiment/persona_distance.yaml."""

    persona_system: str = MISSING
    opposite_system: str = MISSING
    neutral_system: str = MISSING
    rate: str = MISSING

    TEMPLATE_FIELDS: ClassVar[TemplateFields] = {
        "persona_system": ("name", "bio"),
        "opposite_system": ("name", "bio"),
        "neutral_system": (),
        "rate": ("item",),
    }


@dataclass
class PersonaDistanceConfig:
    """`experiment.*` for persona_distance."""

    name: str = "persona_distance"
    domains: list[str] = field(default_factory=lambda: ["music", "food", "hobbies"])
    samples: int = 1
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 16
    opposite_probe: bool = True
    neutral_control: bool = True
    rejection_threshold: int = 2
    clusters: int = 2
    permutations: int = MIN_PERMUTATIONS
    prompts: PersonaDistancePrompts = field(default_factory=PersonaDistancePrompts)

    def __post_init__(self) -> None:
        check_sampling(self.temperature, self.max_tokens, self.samples)
        if not self.domains or len(set(self.domains)) < len(self.domains):
            raise ConfigError(
                "experiment.domains",
                self.domains,
                "distinct taste domains, at least one",
            )
        if not 1 <= self.rejection_threshold < 5:
            raise ConfigError(
                "experiment.rejection_threshold",
                self.rejection_threshold,
                "an integer from 1 to 4 on the 1-5 scale",
            )
        if self.permutations < MIN_PERMUTATIONS:
            raise ConfigError(
                "experiment.permutations",
                self.permutations,
                f"an integer >= {MIN_PERMUTATIONS}",
            )
        if self.clusters < 1:
            raise ConfigError("experiment.clusters", self.clusters, "an integer >= 1")


class PersonaDistance(Experiment):
    name = "persona_distance"
    schema = PersonaDistanceConfig

    def plan(self, ctx: RunContext, config: PersonaDistanceConfig) -> list[EpisodeSpec]:
        _check_tastes(ctx.personas, config.domains)
        specs = []
        for index, (a, b) in enumerate(sorted(ctx.graph.edges())):
            episode_id = f"pdist-{index:04d}"
            ctx.graph.edges[a, b]["episode_id"] = episode_id
            specs.append(EpisodeSpec(episode_id, {"kind": "pair", "a": a, "b": b}))
        if config.opposite_probe:
            specs += [
                EpisodeSpec(f"opp-{index:03d}", {"kind": "opposite", "target": p.uuid})
                for index, p in enumerate(ctx.personas)
            ]
        return specs

    async def run_episode(
        self, ctx: RunContext, config: PersonaDistanceConfig, spec: EpisodeSpec
    ) -> dict[str, Any]:
        client = rating_client(ctx, config.temperature, config.top_p, config.max_tokens)
        prompts = config.prompts
        ratings: list[dict[str, Any]] = []
        if spec.inputs["kind"] == "pair":
            a, b = ctx.persona(spec.inputs["a"]), ctx.persona(spec.inputs["b"])
            for rater, target in ((a, b), (b, a)):
                system = render(
                    prompts.persona_system,
                    _who(rater),
                    "experiment.prompts.persona_system",
                )
                ratings += await self._rate_likes(
                    client, config, system, "persona", rater.uuid, target
                )
            return {"kind": "pair", "pair": [a.uuid, b.uuid], "ratings": ratings}

        target = ctx.persona(spec.inputs["target"])
        system = render(
            prompts.opposite_system, _who(target), "experiment.prompts.opposite_system"
        )
        ratings += await self._rate_likes(
            client, config, system, "opposite", None, target
        )
        if config.neutral_control:
            neutral = render(
                prompts.neutral_system, {}, "experiment.prompts.neutral_system"
            )
            ratings += await self._rate_likes(
                client, config, neutral, "neutral", None, target
            )
        return {"kind": "opposite", "target": target.uuid, "ratings": ratings}

    async def _rate_likes(
        self,
        client: Any,
        config: PersonaDistanceConfig,
        system: str,
        framing: str,
        rater: str | None,
        target: Persona,
    ) -> list[dict[str, Any]]:
        records = []
        for domain in config.domains:
            item = target.tastes[domain].likes
            user = render(
                config.prompts.rate, {"item": item}, "experiment.prompts.rate"
            )
            for sample in range(config.samples):
                verdict = await LIKE_SCALE.ask(client, system, user)
                records.append(
                    rating_record(
                        verdict,
                        framing=framing,
                        rater=rater,
                        target=target.uuid,
                        domain=domain,
                        item=item,
                        sample=sample,
                    )
                )
        return records

    def analyse(
        self,
        ctx: RunContext,
        config: PersonaDistanceConfig,
        episodes: list[dict[str, Any]],
    ) -> Analysis:
        rng = np.random.default_rng(ctx.seed)
        frame = ratings_frame(episodes)
        if frame.empty:
            frame = frame.assign(framing=[], target=[])
        annotate_stance_clusters(ctx, config.clusters)

        pairs = frame[frame["framing"] == "persona"]
        agreement = pairs.groupby("episode_id")["value"].mean()
        for _, _, data in ctx.graph.edges(data=True):
            value = agreement.get(data.get("episode_id", ""), np.nan)
            data["preference_agreement"] = float(value)
            data["preference_distance"] = float(LIKE_SCALE.high - value)
        edges = edge_table(ctx.graph)

        summary: dict[str, Any] = {
            **episode_counts(episodes),
            "pairs": len(edges),
            "parse_rate": parse_rate(frame["valid"].tolist()),
            "preference_agreement": mean_ci(
                edges["preference_agreement"].to_numpy(float), rng
            ).to_dict(),
            "correlations": correlations(
                edges,
                ["embedding_distance", "stance_distance"],
                ["preference_agreement"],
                rng,
            ),
            "mantel": self._mantel(ctx, config, edges, rng),
            "opposite_probe": self._rejection(ctx, config, frame),
        }
        measures = pd.concat(
            [
                rating_measures(frame, "like_rating", _MEASURE_COLUMNS),
                _agreement_rows(agreement),
            ],
            ignore_index=True,
        )
        return Analysis(measures, summary, self._figures(ctx, edges))

    def _mantel(
        self,
        ctx: RunContext,
        config: PersonaDistanceConfig,
        edges: pd.DataFrame,
        rng: np.random.Generator,
    ) -> dict[str, Any]:
        """Persona distances against preference distance (5 - agreement)."""
        nodes, distances = distance_matrices(ctx)
        target = pair_matrix(
            nodes, edges["a"], edges["b"], edges["preference_distance"]
        )
        return mantel_tests(distances, target, config.permutations, rng)

    def _rejection(
        self, ctx: RunContext, config: PersonaDistanceConfig, frame: pd.DataFrame
    ) -> dict[str, Any]:
        """Rejection rate per framing, their comparison, and per-node rates."""
        probe = frame[frame["framing"].isin(["opposite", "neutral"]) & frame["valid"]]
        rejected = probe["value"] <= config.rejection_threshold
        counts = {
            framing: (int(rejected[probe["framing"] == framing].sum()),
                      int((probe["framing"] == framing).sum()))
            for framing in ("opposite", "neutral")
            if (probe["framing"] == framing).any()
        }  # fmt: skip
        opposite = probe[probe["framing"] == "opposite"]
        per_node = (
            (opposite["value"] <= config.rejection_threshold)
            .groupby(opposite["target"])
            .mean()
        )
        for node in ctx.graph.nodes:
            ctx.graph.nodes[node]["opposite_rejection"] = float(
                per_node.get(node, np.nan)
            )
        result: dict[str, Any] = {
            "threshold": config.rejection_threshold,
            "rejection_rate": {f: rate(*c).to_dict() for f, c in counts.items()},
        }
        if len(counts) == 2:
            # Both raters rate the same targets' likes: a paired (McNemar) test.
            paired = probe.assign(rejected=rejected.astype(float)).pivot(
                index=["target", "domain", "sample"],
                columns="framing",
                values="rejected",
            )
            result["opposite_vs_neutral"] = compare_paired_rates(
                {f: paired[f] for f in ("opposite", "neutral")}
            ).to_dict(orient="records")
        return result

    def _figures(self, ctx: RunContext, edges: pd.DataFrame) -> list[Any]:
        folder = ctx.run_dir / "figures"
        scatter = scatter_with_fit(
            edges,
            "embedding_distance",
            "preference_agreement",
            folder / "agreement_vs_embedding_distance.png",
            xlabel="bio embedding distance (cosine)",
            ylabel="preference agreement (mean rating, 1-5)",
            title="Preference agreement against bio distance",
        )
        graph = interaction_graph_figure(
            ctx.graph,
            folder / "interaction_graph.png",
            cluster="stance_cluster",
            edge_value="preference_agreement",
            edge_label="preference agreement (mean rating, 1-5)",
            title="Interaction graph",
            seed=ctx.seed,
            value_range=(LIKE_SCALE.low, LIKE_SCALE.high),
        )
        return [scatter, graph]


def _who(persona: Persona) -> dict[str, str]:
    return {"name": persona.first_name, "bio": persona.persona}


def _check_tastes(personas: list[Persona], domains: list[str]) -> None:
    lacking = [p.uuid for p in personas if any(d not in p.tastes for d in domains)]
    if lacking:
        raise InputError(
            f"persona_distance needs a like in each of experiment.domains "
            f"({', '.join(domains)}), but {len(lacking)} persona(s) lack one "
            f"(first: {lacking[0]}); use population=sampled or persona records "
            "with tastes"
        )


def _agreement_rows(agreement: pd.Series) -> pd.DataFrame:
    frame = pd.DataFrame({
        "episode_id": agreement.index.astype(str),
        "measure": "preference_agreement",
        "value": agreement.to_numpy(float),
    })  # fmt: skip
    return tidy(frame, _MEASURE_COLUMNS)
