"""`outgroup_descriptions`: how a persona describes those who enjoy its
out-group item, against those who enjoy its own.

"A person who loves jazz" describes "the kind of person who enjoys" jazz (its
in-group item) and country (its out-group item), in separate calls. One
episode is one persona (a taste pair and a side). Measures per description:
VADER compound, word count and the distancing lexicon; across descriptions,
the words that most separate out-group from in-group texts (weighted
log-odds with an informative Dirichlet prior, with z-scores).
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np
from autogen_core.models import SystemMessage, UserMessage
from omegaconf import MISSING

from agents.prompts import render
from agents.taste_bank import TastePair
from analysis.description_contrast import (
    IN_GROUP,
    OUT_GROUP,
    contrast_summary,
    description_scores,
    descriptions_frame,
    distinctive_words,
)
from analysis.figures import group_means
from analysis.lexicon import Lexicon
from analysis.taste_effects import tidy
from simulator.errors import ConfigError
from simulator.experiments.base import (
    Analysis,
    EpisodeSpec,
    Experiment,
    RunContext,
    TemplateFields,
)
from simulator.experiments.dislike_common import (
    TastePairEntry,
    check_pairs,
    check_sampling,
    episode_counts,
    rating_client,
    taste_bank,
)

logger = logging.getLogger(__name__)

_MEASURE_COLUMNS = ("pair_id", "relation", "liked", "target", "sample")


@dataclass
class OutgroupDescriptionsPrompts:
    """Templates; see conf/experiment/outgroup_descriptions.yaml."""

    persona_system: str = MISSING
    describe: str = MISSING

    TEMPLATE_FIELDS: ClassVar[TemplateFields] = {
        "persona_system": ("liked",),
        "describe": ("target",),
    }


@dataclass
class OutgroupDescriptionsConfig:
    """`experiment.*` for outgroup_descriptions."""

    name: str = "outgroup_descriptions"
    pairs: int | None = 4
    samples: int = 1
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 80
    top_words: int = 10
    prior_scale: float = 1.0
    taste_file: str | None = None
    extra_pairs: list[TastePairEntry] = field(default_factory=list)
    prompts: OutgroupDescriptionsPrompts = field(
        default_factory=OutgroupDescriptionsPrompts
    )

    def __post_init__(self) -> None:
        check_pairs(self.pairs)
        check_sampling(self.temperature, self.max_tokens, self.samples)
        if self.top_words < 1:
            raise ConfigError("experiment.top_words", self.top_words, "an integer >= 1")
        if self.prior_scale <= 0:
            raise ConfigError(
                "experiment.prior_scale", self.prior_scale, "a number > 0"
            )


class OutgroupDescriptions(Experiment):
    name = "outgroup_descriptions"
    schema = OutgroupDescriptionsConfig

    def plan(
        self, ctx: RunContext, config: OutgroupDescriptionsConfig
    ) -> list[EpisodeSpec]:
        bank = taste_bank(config.taste_file, config.extra_pairs)
        return [
            EpisodeSpec(
                f"od-{pair.id}-loves_{side}", {"pair": asdict(pair), "side": side}
            )
            for pair in bank.spread(config.pairs)
            for side in ("a", "b")
        ]

    async def run_episode(
        self, ctx: RunContext, config: OutgroupDescriptionsConfig, spec: EpisodeSpec
    ) -> dict[str, Any]:
        pair = TastePair(**spec.inputs["pair"])
        side = spec.inputs["side"]
        liked = pair.item(side)
        system = render(
            config.prompts.persona_system,
            {"liked": liked},
            "experiment.prompts.persona_system",
        )
        client = rating_client(ctx, config.temperature, config.top_p, config.max_tokens)

        descriptions = []
        for relation, target in ((IN_GROUP, liked), (OUT_GROUP, pair.other(side))):
            user = render(
                config.prompts.describe,
                {"target": target},
                "experiment.prompts.describe",
            )
            for sample in range(config.samples):
                result = await client.create(
                    [
                        SystemMessage(content=system),
                        UserMessage(content=user, source="user"),
                    ]
                )
                descriptions.append({
                    "pair_id": pair.id,
                    "domain": pair.domain,
                    "liked": liked,
                    "target": target,
                    "relation": relation,
                    "sample": sample,
                    "text": str(result.content).strip(),
                    "completion_tokens": result.usage.completion_tokens,
                })  # fmt: skip
        return {"pair": asdict(pair), "side": side, "descriptions": descriptions}

    def analyse(
        self,
        ctx: RunContext,
        config: OutgroupDescriptionsConfig,
        episodes: list[dict[str, Any]],
    ) -> Analysis:
        rng = np.random.default_rng(ctx.seed)
        frame = descriptions_frame(episodes)
        if frame.empty:
            logger.warning("outgroup_descriptions: no completed descriptions")
            empty = frame.assign(measure=[], value=[])
            return Analysis(tidy(empty), episode_counts(episodes))

        lexicon = Lexicon.load()
        scored = description_scores(frame, lexicon)
        names = ["sentiment", *(f"lexicon_{c}" for c in lexicon.categories), "words"]
        long = scored.melt(
            id_vars=["episode_id", *_MEASURE_COLUMNS],
            value_vars=names,
            var_name="measure",
        )
        summary = {
            **episode_counts(episodes),
            "descriptions": len(scored),
            "empty_descriptions": int((scored["words"] == 0).sum()),
            **contrast_summary(scored, rng, names),
            "distinctive_words": distinctive_words(
                scored, config.top_words, prior_scale=config.prior_scale
            ),
        }
        figure = group_means(
            scored,
            "relation",
            "sentiment",
            ctx.run_dir / "figures" / "description_sentiment.png",
            ylabel="VADER compound (-1 to 1)",
            title="Sentiment of descriptions of in- and out-group fans",
            rng=rng,
        )
        return Analysis(tidy(long, _MEASURE_COLUMNS), summary, [figure])
