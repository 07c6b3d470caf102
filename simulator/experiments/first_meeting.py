"""`first_meeting`: two personas from the interaction graph meet and talk.

Each edge of the graph is one episode: the two personas talk for `turns`
messages, then a judge rates the conversation's warmth 0-100. Measures go on
the turns, the episode and the graph's edge.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from omegaconf import MISSING

from agents.clients import GenerationSettings, SettingsClient
from agents.conditions import PERSONA_FIELDS
from agents.judge import WarmthRating, ask_rating
from agents.persona_agent import agent_name, persona_agent, persona_values
from agents.prompts import render
from analysis.conversation_measures import (
    episode_rows,
    speaker_similarity,
    turn_measures,
    turns_frame,
)
from analysis.figures import group_means, scatter_with_fit
from analysis.lexicon import Lexicon
from analysis.pair_statistics import correlations, group_difference
from analysis.statistics import mean_ci, rate
from simulator.conversation import Speaker, converse, transcript
from simulator.errors import ConfigError
from simulator.experiments.base import (
    Analysis,
    EpisodeSpec,
    Experiment,
    RunContext,
    TemplateFields,
)

logger = logging.getLogger(__name__)


@dataclass
class FirstMeetingPrompts:
    """Prompt templates; see conf/experiment/first_meeting.yaml for variables."""

    system: str = MISSING
    opener: str = MISSING
    setting: str = MISSING
    judge_system: str = MISSING
    judge_user: str = MISSING

    TEMPLATE_FIELDS: ClassVar[TemplateFields] = {
        "system": (*PERSONA_FIELDS, "other_name", "setting"),
        "opener": ("other_name",),
        "setting": None,  # the value of {setting}
        "judge_system": ("name_a", "name_b", "transcript"),
        "judge_user": ("name_a", "name_b", "transcript"),
    }


@dataclass
class FirstMeetingConfig:
    """`experiment.*` for first_meeting."""

    name: str = "first_meeting"
    turns: int = 6
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 60
    judge_temperature: float = 0.0
    judge_max_tokens: int = 80
    prompts: FirstMeetingPrompts = field(default_factory=FirstMeetingPrompts)

    def __post_init__(self) -> None:
        if self.turns < 2:
            raise ConfigError("experiment.turns", self.turns, "an integer >= 2")
        if self.max_tokens < 1:
            raise ConfigError(
                "experiment.max_tokens", self.max_tokens, "an integer >= 1"
            )
        if not 0.0 <= self.temperature <= 2.0:
            raise ConfigError(
                "experiment.temperature", self.temperature, "a number in [0, 2]"
            )


class FirstMeeting(Experiment):
    name = "first_meeting"
    schema = FirstMeetingConfig

    def plan(self, ctx: RunContext, config: FirstMeetingConfig) -> list[EpisodeSpec]:
        specs = []
        for index, (a, b) in enumerate(sorted(ctx.graph.edges())):
            episode_id = f"fm-{index:04d}"
            ctx.graph.edges[a, b]["episode_id"] = episode_id
            specs.append(EpisodeSpec(episode_id, {"a": a, "b": b}))
        return specs

    async def run_episode(
        self, ctx: RunContext, config: FirstMeetingConfig, spec: EpisodeSpec
    ) -> dict[str, Any]:
        personas = [ctx.persona(spec.inputs["a"]), ctx.persona(spec.inputs["b"])]
        subject = ctx.pool.get(ctx.subject)
        settings = GenerationSettings(
            config.temperature, config.top_p, config.max_tokens
        )
        speakers = []
        for me, other in (personas, personas[::-1]):
            values = {
                **persona_values(me, ctx.issues),
                "other_name": other.first_name,
                "setting": config.prompts.setting,
            }
            client = SettingsClient(subject, settings)
            agent = persona_agent(me, client, config.prompts.system, values)
            speakers.append(
                Speaker(agent, client, me.uuid, me.first_name, ctx.subject.name)
            )
        opener = render(
            config.prompts.opener,
            {"other_name": personas[1].first_name},
            "experiment.prompts.opener",
        )
        turns = await converse(speakers, opener, config.turns)

        verdict = await self._judge(ctx, config, personas, turns)
        return {
            "pair": [p.uuid for p in personas],
            "agents": [agent_name(p) for p in personas],
            "turns": [t.as_record() for t in turns],
            "judge": {"warmth": verdict.as_record()},
        }

    async def _judge(
        self,
        ctx: RunContext,
        config: FirstMeetingConfig,
        personas: list[Any],
        turns: list[Any],
    ) -> Any:
        settings = GenerationSettings(
            config.judge_temperature, 1.0, config.judge_max_tokens
        )
        judge = SettingsClient(ctx.pool.get(ctx.judge), settings)
        values = {
            "name_a": personas[0].first_name,
            "name_b": personas[1].first_name,
            "transcript": transcript(turns),
        }
        return await ask_rating(
            judge,
            render(
                config.prompts.judge_system, values, "experiment.prompts.judge_system"
            ),
            render(config.prompts.judge_user, values, "experiment.prompts.judge_user"),
            WarmthRating,
            "warmth",
            0,
            100,
        )

    def analyse(
        self,
        ctx: RunContext,
        config: FirstMeetingConfig,
        episodes: list[dict[str, Any]],
    ) -> Analysis:
        turns = turns_frame(episodes)
        per_turn = turn_measures(turns, Lexicon.load())
        similarity = speaker_similarity(turns, ctx.embedder)
        sentiment = (
            per_turn[per_turn["measure"] == "sentiment"]
            .groupby("episode_id")["value"]
            .mean()
        )

        per_episode: dict[str, dict[str, float]] = {}
        for episode in episodes:
            if episode["status"] != "completed":
                continue
            verdict = episode["judge"]["warmth"]
            episode_id = episode["episode_id"]
            per_episode[episode_id] = {
                "warmth": np.nan if verdict["value"] is None else verdict["value"],
                "warmth_valid": float(verdict["valid"]),
                "sentiment_mean": float(sentiment.get(episode_id, np.nan)),
                "speaker_similarity": float(similarity.get(episode_id, np.nan)),
            }
        measures = pd.concat([per_turn, episode_rows(per_episode)], ignore_index=True)
        pairs = self._annotate_graph(ctx, per_episode)
        summary = self._summary(ctx, episodes, per_episode, pairs)
        figures = self._figures(ctx, pairs)
        return Analysis(measures, summary, figures)

    def _annotate_graph(
        self, ctx: RunContext, per_episode: dict[str, dict[str, float]]
    ) -> pd.DataFrame:
        rows = []
        for a, b, data in ctx.graph.edges(data=True):
            measures = per_episode.get(data.get("episode_id", ""), {})
            data["warmth"] = measures.get("warmth", np.nan)
            data["sentiment"] = measures.get("sentiment_mean", np.nan)
            data["speaker_similarity"] = measures.get("speaker_similarity", np.nan)
            rows.append({"a": a, "b": b, **data})
        return pd.DataFrame(rows)

    def _summary(
        self,
        ctx: RunContext,
        episodes: list[dict[str, Any]],
        per_episode: dict[str, dict[str, float]],
        pairs: pd.DataFrame,
    ) -> dict[str, Any]:
        rng = np.random.default_rng(ctx.seed)
        completed = [e for e in episodes if e["status"] == "completed"]
        valid = sum(int(m["warmth_valid"]) for m in per_episode.values())
        warmth = [m["warmth"] for m in per_episode.values()]
        sentiment = [m["sentiment_mean"] for m in per_episode.values()]
        return {
            "episodes": len(episodes),
            "completed": len(completed),
            "failed": len(episodes) - len(completed),
            "warmth": mean_ci(warmth, rng=rng).to_dict(),
            "warmth_parse_rate": rate(valid, len(completed)).to_dict(),
            "sentiment": mean_ci(sentiment, rng=rng).to_dict(),
            "correlations": correlations(
                pairs,
                ["stance_distance", "embedding_distance"],
                ["warmth", "sentiment"],
                rng,
            ),
            "warmth_high_minus_low_divergence": group_difference(
                pairs, "warmth", "divergence_group", rng
            ),
        }

    def _figures(self, ctx: RunContext, pairs: pd.DataFrame) -> list[Any]:
        folder = ctx.run_dir / "figures"
        folder.mkdir(exist_ok=True)
        rng = np.random.default_rng(ctx.seed)
        return [
            scatter_with_fit(
                pairs,
                "stance_distance",
                "warmth",
                folder / "warmth_vs_stance_distance.png",
                xlabel="stance distance (Hamming, issues)",
                ylabel="judged warmth (0-100)",
                title="Warmth against stance distance",
            ),
            group_means(
                pairs,
                "divergence_group",
                "warmth",
                folder / "warmth_by_divergence.png",
                ylabel="judged warmth (0-100)",
                title="Warmth by divergence group",
                rng=rng,
            ),
        ]
