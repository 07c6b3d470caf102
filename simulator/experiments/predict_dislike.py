"""`predict_dislike`: does stance divergence predict how much two personas
would dislike each other, and does it show when they talk?

For each pair on the interaction graph the model predicts their mutual
dislike, 0-100, from three profiles of the two personas (conditions): bio
only, stances only, bio and stances. Under the `robustness_conditions` it is
also asked with the pair's order swapped and with a paraphrased question.
One episode is one pair. Every pair measure becomes an edge attribute of the
graph (GraphML), the dislike matrix is Mantel-tested against the persona
distance matrices, and each persona gets an out-group derogation score.

The link to conversation: with `experiment.conversation=true` each pair also
holds a `first_meeting` conversation in the same episode, and its judged
warmth and sentiment sit on the same edge as the predicted dislike. This
config extends `first_meeting`'s, whose keys (turns, temperature, the
judge, prompts.system, ...) apply to that conversation.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from omegaconf import MISSING

from agents.persona import Persona
from agents.prompts import render
from agents.rating_scales import DISLIKE_SCALE
from analysis.dislike_figures import interaction_graph_figure
from analysis.dislike_graph import (
    derogation_summary,
    edge_table,
    mantel_tests,
    outgroup_derogation,
    pair_matrix,
)
from analysis.figures import scatter_with_fit
from analysis.pair_statistics import correlations
from analysis.statistics import correlation, mean_ci
from analysis.taste_effects import rating_measures, ratings_frame
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
from simulator.experiments.first_meeting import (
    FirstMeeting,
    FirstMeetingConfig,
    FirstMeetingPrompts,
)

logger = logging.getLogger(__name__)

# The question as written, the pair's order swapped, and a paraphrase.
VARIANTS: tuple[str, ...] = ("original", "swapped", "paraphrase")
MIN_PERMUTATIONS = 999
_DISTANCES = ("stance_distance", "embedding_distance")


@dataclass
class PredictDislikePrompts(FirstMeetingPrompts):
    """first_meeting's templates plus the prediction's; see the YAML."""

    predict_system: str = MISSING
    predict: str = MISSING
    predict_paraphrase: str = MISSING
    stance_line: str = MISSING
    profiles: dict[str, str] = field(default_factory=dict)

    TEMPLATE_FIELDS: ClassVar[TemplateFields] = {
        **FirstMeetingPrompts.TEMPLATE_FIELDS,
        "predict_system": (),
        "predict": ("profile_a", "profile_b"),
        "predict_paraphrase": ("profile_a", "profile_b"),
        "stance_line": ("statement", "answer"),
        # each of them, per condition
        "profiles": ("name", "bio", "age", "occupation", "stances"),
    }


@dataclass
class PredictDislikeConfig(FirstMeetingConfig):
    """`experiment.*` for predict_dislike: first_meeting's keys and these."""

    name: str = "predict_dislike"
    conditions: list[str] = field(
        default_factory=lambda: ["bio_only", "stances_only", "bio_and_stances"]
    )
    main_condition: str = "bio_and_stances"
    robustness_conditions: list[str] = field(
        default_factory=lambda: ["bio_and_stances"]
    )
    samples: int = 1
    rating_temperature: float = 0.0
    rating_top_p: float = 1.0
    rating_max_tokens: int = 16
    clusters: int = 2
    permutations: int = MIN_PERMUTATIONS
    conversation: bool = False
    prompts: PredictDislikePrompts = field(default_factory=PredictDislikePrompts)

    def __post_init__(self) -> None:
        super().__post_init__()
        check_sampling(
            self.rating_temperature,
            self.rating_max_tokens,
            self.samples,
            prefix="experiment.rating_",
        )
        self._check_conditions()
        if self.clusters < 1:
            raise ConfigError("experiment.clusters", self.clusters, "an integer >= 1")
        if self.permutations < MIN_PERMUTATIONS:
            raise ConfigError(
                "experiment.permutations",
                self.permutations,
                f"an integer >= {MIN_PERMUTATIONS}",
            )

    def _check_conditions(self) -> None:
        known = sorted(self.prompts.profiles)
        unknown = [c for c in self.conditions if c not in self.prompts.profiles]
        if (
            not self.conditions
            or unknown
            or len(set(self.conditions)) < len(self.conditions)
        ):
            raise ConfigError(
                "experiment.conditions",
                self.conditions,
                f"distinct names with a template in experiment.prompts.profiles "
                f"({', '.join(known)})",
            )
        if self.main_condition not in self.conditions:
            raise ConfigError(
                "experiment.main_condition",
                self.main_condition,
                f"one of experiment.conditions ({', '.join(self.conditions)})",
            )
        stray = [c for c in self.robustness_conditions if c not in self.conditions]
        if stray:
            raise ConfigError(
                "experiment.robustness_conditions",
                self.robustness_conditions,
                f"a subset of experiment.conditions ({', '.join(self.conditions)})",
            )


class PredictDislike(Experiment):
    name = "predict_dislike"
    schema = PredictDislikeConfig

    def plan(self, ctx: RunContext, config: PredictDislikeConfig) -> list[EpisodeSpec]:
        specs = []
        for index, (a, b) in enumerate(sorted(ctx.graph.edges())):
            episode_id = f"pd-{index:04d}"
            ctx.graph.edges[a, b]["episode_id"] = episode_id
            specs.append(EpisodeSpec(episode_id, {"a": a, "b": b}))
        return specs

    async def run_episode(
        self, ctx: RunContext, config: PredictDislikeConfig, spec: EpisodeSpec
    ) -> dict[str, Any]:
        pair = (ctx.persona(spec.inputs["a"]), ctx.persona(spec.inputs["b"]))
        client = rating_client(
            ctx,
            config.rating_temperature,
            config.rating_top_p,
            config.rating_max_tokens,
        )
        system = render(
            config.prompts.predict_system, {}, "experiment.prompts.predict_system"
        )
        ratings = []
        for condition in config.conditions:
            variants = (
                VARIANTS if condition in config.robustness_conditions else VARIANTS[:1]
            )
            for variant in variants:
                user = self._question(ctx, config, pair, condition, variant)
                for sample in range(config.samples):
                    verdict = await DISLIKE_SCALE.ask(client, system, user)
                    ratings.append(
                        rating_record(
                            verdict, condition=condition, variant=variant, sample=sample
                        )
                    )
        record: dict[str, Any] = {"pair": [p.uuid for p in pair], "ratings": ratings}
        if config.conversation:
            record.update(await FirstMeeting().run_episode(ctx, config, spec))
        return record

    def _question(
        self,
        ctx: RunContext,
        config: PredictDislikeConfig,
        pair: tuple[Persona, Persona],
        condition: str,
        variant: str,
    ) -> str:
        first, second = pair[::-1] if variant == "swapped" else pair
        values = {
            "profile_a": self._profile(ctx, config, first, condition),
            "profile_b": self._profile(ctx, config, second, condition),
        }
        if variant == "paraphrase":
            key, template = "predict_paraphrase", config.prompts.predict_paraphrase
        else:
            key, template = "predict", config.prompts.predict
        return render(template, values, f"experiment.prompts.{key}")

    def _profile(
        self,
        ctx: RunContext,
        config: PredictDislikeConfig,
        persona: Persona,
        condition: str,
    ) -> str:
        lines = [
            render(
                config.prompts.stance_line,
                {
                    "statement": issue.statement,
                    "answer": issue.pro if side else issue.con,
                },
                "experiment.prompts.stance_line",
            )
            for issue, side in zip(ctx.issues, persona.stances, strict=True)
        ]
        values = {
            "name": persona.first_name,
            "bio": persona.persona,
            "age": persona.age,
            "occupation": persona.occupation,
            "stances": "\n".join(lines),
        }
        return render(
            config.prompts.profiles[condition],
            values,
            f"experiment.prompts.profiles.{condition}",
        )

    def analyse(
        self,
        ctx: RunContext,
        config: PredictDislikeConfig,
        episodes: list[dict[str, Any]],
    ) -> Analysis:
        rng = np.random.default_rng(ctx.seed)
        frame = ratings_frame(episodes)
        columns = _attribute_columns(config)
        self._annotate_edges(ctx, config, frame, columns)
        cluster = annotate_stance_clusters(ctx, config.clusters)

        measures = [
            rating_measures(
                frame, "predicted_dislike", ("condition", "variant", "sample")
            )
        ]
        summary: dict[str, Any] = {**episode_counts(episodes)}
        figures = []
        if config.conversation:
            # The conversation's measures, summary, figures and edge attributes
            # (warmth, sentiment) are first_meeting's own.
            meeting = FirstMeeting().analyse(ctx, config, episodes)
            measures.append(meeting.measures)
            summary["conversation"] = meeting.summary
            figures += meeting.figures

        edges = edge_table(ctx.graph)
        summary.update(self._summary(ctx, config, frame, edges, columns, cluster, rng))
        figures += self._figures(ctx, config, edges, columns)
        return Analysis(pd.concat(measures, ignore_index=True), summary, figures)

    def _annotate_edges(
        self,
        ctx: RunContext,
        config: PredictDislikeConfig,
        frame: pd.DataFrame,
        columns: dict[tuple[str, str], str],
    ) -> None:
        """Set every edge's predicted dislike per condition and variant (NaN if
        none), and `predicted_dislike` for the main condition as asked."""
        cells: dict[tuple[str, str, str], float] = {}
        if not frame.empty:
            means = frame.groupby(["episode_id", "condition", "variant"])[
                "value"
            ].mean()
            cells = {key: float(value) for key, value in means.items()}
        for _, _, data in ctx.graph.edges(data=True):
            episode_id = data.get("episode_id", "")
            for (condition, variant), column in columns.items():
                data[column] = cells.get((episode_id, condition, variant), np.nan)
            data["predicted_dislike"] = data[
                columns[(config.main_condition, "original")]
            ]

    def _summary(
        self,
        ctx: RunContext,
        config: PredictDislikeConfig,
        frame: pd.DataFrame,
        edges: pd.DataFrame,
        columns: dict[tuple[str, str], str],
        cluster: dict[str, int],
        rng: np.random.Generator,
    ) -> dict[str, Any]:
        asked = {c: columns[(c, "original")] for c in config.conditions}
        summary: dict[str, Any] = {
            "pairs": len(edges),
            **_parse_rates(frame, config.conditions),
            "predicted_dislike": {
                c: _spread(edges[column].to_numpy(float), rng)
                for c, column in asked.items()
            },
            "correlations": correlations(edges, _DISTANCES, list(asked.values()), rng),
            "robustness": self._robustness(config, edges, columns, rng),
        }

        nodes, distances = distance_matrices(ctx)
        summary["mantel"] = {
            c: mantel_tests(
                distances,
                pair_matrix(nodes, edges["a"], edges["b"], edges[column]),
                config.permutations,
                rng,
            )
            for c, column in asked.items()
        }
        summary["outgroup_derogation"] = {
            "condition": config.main_condition,
            "clusters": len(set(cluster.values())),
            **self._derogation(ctx, nodes, edges, cluster, rng),
        }
        if config.conversation:
            summary["dislike_vs_conversation"] = correlations(
                edges, list(asked.values()), ["warmth", "sentiment"], rng
            )
        return summary

    def _derogation(
        self,
        ctx: RunContext,
        nodes: list[str],
        edges: pd.DataFrame,
        cluster: dict[str, int],
        rng: np.random.Generator,
    ) -> dict[str, Any]:
        """Set node attribute `outgroup_derogation` (main condition); summarise."""
        derogation = outgroup_derogation(
            nodes, edges["a"], edges["b"], edges["predicted_dislike"], cluster
        )
        for node, value in derogation.items():
            ctx.graph.nodes[node]["outgroup_derogation"] = float(value)
        return derogation_summary(derogation, rng)

    def _robustness(
        self,
        config: PredictDislikeConfig,
        edges: pd.DataFrame,
        columns: dict[tuple[str, str], str],
        rng: np.random.Generator,
    ) -> dict[str, Any]:
        """Per robustness condition and variant: agreement with the original
        question, and the stance distance correlation under the variant."""
        table: dict[str, Any] = {}
        for condition in config.robustness_conditions:
            asked = edges[columns[(condition, "original")]].to_numpy(float)
            for variant in VARIANTS[1:]:
                column = columns[(condition, variant)]
                other = edges[column].to_numpy(float)
                table[f"{condition}:{variant}"] = {
                    "agreement": {
                        method: correlation(asked, other, method, rng).to_dict()
                        for method in ("pearson", "spearman")
                    },
                    "mean_abs_difference": mean_ci(
                        np.abs(asked - other), rng
                    ).to_dict(),
                    "stance_distance": correlations(
                        edges, ["stance_distance"], [column], rng
                    )[f"stance_distance~{column}"],
                }
        return table

    def _figures(
        self,
        ctx: RunContext,
        config: PredictDislikeConfig,
        edges: pd.DataFrame,
        columns: dict[tuple[str, str], str],
    ) -> list[Any]:
        folder = ctx.run_dir / "figures"
        graph_figure = interaction_graph_figure(
            ctx.graph,
            folder / "interaction_graph.png",
            cluster="stance_cluster",
            edge_value="predicted_dislike",
            edge_label=f"predicted dislike (0-100, {config.main_condition})",
            title="Interaction graph",
            seed=ctx.seed,
            value_range=(DISLIKE_SCALE.low, DISLIKE_SCALE.high),
        )
        long = pd.concat(
            [
                pd.DataFrame(
                    {
                        "stance_distance": edges["stance_distance"],
                        "predicted_dislike": edges[columns[(c, "original")]],
                        "condition": c,
                    }
                )
                for c in config.conditions
            ],
            ignore_index=True,
        )
        scatter = scatter_with_fit(
            long,
            "stance_distance",
            "predicted_dislike",
            folder / "dislike_vs_stance_distance.png",
            xlabel="stance distance (Hamming, issues)",
            ylabel="predicted dislike (0-100)",
            title="Predicted dislike against stance distance",
            hue="condition",
        )
        return [graph_figure, scatter]


def _attribute_columns(config: PredictDislikeConfig) -> dict[tuple[str, str], str]:
    """The edge attribute of each (condition, variant) asked."""
    columns = {}
    for condition in config.conditions:
        variants: Sequence[str] = (
            VARIANTS if condition in config.robustness_conditions else VARIANTS[:1]
        )
        for variant in variants:
            suffix = "" if variant == "original" else f"_{variant}"
            columns[(condition, variant)] = f"predicted_dislike_{condition}{suffix}"
    return columns


def _parse_rates(frame: pd.DataFrame, conditions: Sequence[str]) -> dict[str, Any]:
    """Parse rate over every prediction and per condition."""
    if frame.empty:
        return {"parse_rate": parse_rate([]), "parse_rate_by_condition": {}}
    return {
        "parse_rate": parse_rate(frame["valid"].tolist()),
        "parse_rate_by_condition": {
            c: parse_rate(frame.loc[frame["condition"] == c, "valid"].tolist())
            for c in conditions
        },
    }


def _spread(values: np.ndarray, rng: np.random.Generator) -> dict[str, Any]:
    """Mean with CI, and how many distinct values: 1 means a constant predictor."""
    distinct = len(np.unique(values[~np.isnan(values)]))
    return {**mean_ci(values, rng).to_dict(), "distinct_values": distinct}
