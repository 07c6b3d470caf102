"""`taste_ratings`: does "a person who loves A" also rate B lower?

For each taste pair (A, B) the model rates both items 1-10 under three
framings: no persona (baseline), "a person who loves A" and "a person who
loves B", `samples` times each. One episode is one pair under one framing.
In-group effect: rating(A | loves A) - baseline(A); out-group effect:
baseline(B) - rating(B | loves A). See `analysis.taste_effects`.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass, field
from typing import Any, ClassVar

import numpy as np
import pandas as pd
from omegaconf import MISSING

from agents.prompts import render
from agents.rating_scales import TASTE_SCALE
from agents.taste_bank import TastePair
from analysis.figures import group_means
from analysis.taste_effects import (
    BASELINE,
    IN_GROUP,
    OUT_GROUP,
    directed_effects,
    rating_measures,
    ratings_frame,
    taste_effects,
    tidy,
)
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
    parse_rate,
    rating_client,
    rating_record,
    taste_bank,
)

logger = logging.getLogger(__name__)

# The three framings of every pair; "loves_a" is the persona who loves item a.
FRAMINGS: tuple[str, ...] = ("baseline", "loves_a", "loves_b")
_MEASURE_COLUMNS = ("pair_id", "domain", "framing", "relation", "item", "sample")


@dataclass
class TasteRatingsPrompts:
    """Templates; see conf/experiment/taste_ratings.yaml for their variables."""

    baseline_system: str = MISSING
    persona_system: str = MISSING
    rate: str = MISSING

    TEMPLATE_FIELDS: ClassVar[TemplateFields] = {
        "baseline_system": (),
        "persona_system": ("liked",),
        "rate": ("item",),
    }


@dataclass
class TasteRatingsConfig:
    """`experiment.*` for taste_ratings."""

    name: str = "taste_ratings"
    pairs: int | None = 8
    samples: int = 2
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 30
    taste_file: str | None = None
    extra_pairs: list[TastePairEntry] = field(default_factory=list)
    prompts: TasteRatingsPrompts = field(default_factory=TasteRatingsPrompts)

    def __post_init__(self) -> None:
        check_pairs(self.pairs)
        check_sampling(self.temperature, self.max_tokens, self.samples)


class TasteRatings(Experiment):
    name = "taste_ratings"
    schema = TasteRatingsConfig

    def plan(self, ctx: RunContext, config: TasteRatingsConfig) -> list[EpisodeSpec]:
        bank = taste_bank(config.taste_file, config.extra_pairs)
        return [
            EpisodeSpec(
                f"tr-{pair.id}-{framing}", {"pair": asdict(pair), "framing": framing}
            )
            for pair in bank.spread(config.pairs)
            for framing in FRAMINGS
        ]

    async def run_episode(
        self, ctx: RunContext, config: TasteRatingsConfig, spec: EpisodeSpec
    ) -> dict[str, Any]:
        pair = TastePair(**spec.inputs["pair"])
        framing = spec.inputs["framing"]
        liked_side = None if framing == "baseline" else framing.removeprefix("loves_")
        system = self._system(config, pair, liked_side)
        client = rating_client(ctx, config.temperature, config.top_p, config.max_tokens)

        ratings = []
        for role in ("a", "b"):
            item = pair.item(role)
            user = render(
                config.prompts.rate, {"item": item}, "experiment.prompts.rate"
            )
            for sample in range(config.samples):
                verdict = await TASTE_SCALE.ask(client, system, user)
                ratings.append(
                    rating_record(
                        verdict,
                        pair_id=pair.id,
                        domain=pair.domain,
                        framing=framing,
                        liked_side=liked_side,
                        item_role=role,
                        item=item,
                        relation=_relation(role, liked_side),
                        sample=sample,
                    )
                )
        return {"pair": asdict(pair), "framing": framing, "ratings": ratings}

    def _system(
        self, config: TasteRatingsConfig, pair: TastePair, liked_side: str | None
    ) -> str:
        prompts = config.prompts
        if liked_side is None:
            return render(
                prompts.baseline_system, {}, "experiment.prompts.baseline_system"
            )
        return render(
            prompts.persona_system,
            {"liked": pair.item(liked_side)},
            "experiment.prompts.persona_system",
        )

    def analyse(
        self,
        ctx: RunContext,
        config: TasteRatingsConfig,
        episodes: list[dict[str, Any]],
    ) -> Analysis:
        rng = np.random.default_rng(ctx.seed)
        frame = ratings_frame(episodes)
        if frame.empty:
            logger.warning("taste_ratings: no completed ratings to analyse")
            return Analysis(tidy(frame.assign(measure=[])), episode_counts(episodes))

        effects = directed_effects(frame)
        measures = pd.concat(
            [
                rating_measures(frame, "taste_rating", _MEASURE_COLUMNS),
                _effect_rows(effects),
            ],
            ignore_index=True,
        )
        summary = {
            **episode_counts(episodes),
            "pairs": int(frame["pair_id"].nunique()),
            "samples": config.samples,
            "parse_rate": parse_rate(frame["valid"].tolist()),
            **taste_effects(frame, rng),
            "per_pair": effects.to_dict(orient="records"),
        }
        figure = group_means(
            frame[frame["valid"]],
            "relation",
            "value",
            ctx.run_dir / "figures" / "taste_ratings_by_relation.png",
            ylabel="rating (1-10)",
            title="Ratings by relation to the persona's liked item",
            rng=rng,
        )
        return Analysis(measures, summary, [figure])


def _relation(role: str, liked_side: str | None) -> str:
    if liked_side is None:
        return BASELINE
    return IN_GROUP if role == liked_side else OUT_GROUP


def _effect_rows(effects: pd.DataFrame) -> pd.DataFrame:
    """Tidy rows of each directed pair's effects, on its "loves" episode."""
    long = effects.melt(
        id_vars=["pair_id", "domain", "liked_side", "liked", "other"],
        value_vars=["in_group_effect", "out_group_effect"],
        var_name="measure",
    )
    long["episode_id"] = "tr-" + long["pair_id"] + "-loves_" + long["liked_side"]
    long["framing"] = "loves_" + long["liked_side"]
    in_group = long["measure"] == "in_group_effect"
    long["relation"] = np.where(in_group, IN_GROUP, OUT_GROUP)
    long["item"] = np.where(in_group, long["liked"], long["other"])
    return tidy(long, _MEASURE_COLUMNS)
