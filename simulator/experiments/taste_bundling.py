"""`taste_bundling`: does a single taste spread to unrelated domains?

Personas defined by one preference ("a person who loves jazz", and its
opposite "a person who loves country") rate items from every other domain,
1-10; a persona with no preference rates all items as the baseline. One
episode is one persona. The bundle vector of a pair is, per unrelated item,
rating(loves A) - rating(loves B); `python -m analysis compare` correlates the
bundle vectors of two models of a sweep.

The rating prompts and sampling keys are those of `taste_ratings` (its config
is this one's base), so the two experiments' ratings are comparable.
"""

from __future__ import annotations

import logging
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd

from agents.prompts import render
from agents.rating_scales import TASTE_SCALE
from agents.taste_bank import TastePair
from analysis.dislike_figures import rating_matrix_figure
from analysis.statistics import mean_ci, rate
from analysis.taste_effects import (
    bundle_vector,
    rating_matrix,
    rating_measures,
    ratings_frame,
    tidy,
)
from simulator.errors import ConfigError
from simulator.experiments.base import Analysis, EpisodeSpec, Experiment, RunContext
from simulator.experiments.dislike_common import (
    episode_counts,
    parse_rate,
    rating_client,
    rating_record,
    taste_bank,
)
from simulator.experiments.taste_ratings import TasteRatingsConfig

logger = logging.getLogger(__name__)

BASELINE_PERSONA = "baseline"
_MEASURE_COLUMNS = ("pair_id", "persona", "side", "item", "item_domain", "sample")


@dataclass
class TasteBundlingConfig(TasteRatingsConfig):
    """`experiment.*` for taste_bundling: taste_ratings' keys and two more."""

    name: str = "taste_bundling"
    pairs: int | None = 4
    samples: int = 1
    items_per_domain: int = 2
    baseline: bool = True

    def __post_init__(self) -> None:
        super().__post_init__()
        if self.items_per_domain < 1:
            raise ConfigError(
                "experiment.items_per_domain", self.items_per_domain, "an integer >= 1"
            )


class TasteBundling(Experiment):
    name = "taste_bundling"
    schema = TasteBundlingConfig

    def plan(self, ctx: RunContext, config: TasteBundlingConfig) -> list[EpisodeSpec]:
        bank = taste_bank(config.taste_file, config.extra_pairs)
        items = bank.rated_items(config.items_per_domain)
        specs = []
        if config.baseline:
            specs.append(
                EpisodeSpec("tb-baseline", {"pair": None, "side": None, "items": items})
            )
        for pair in bank.spread(config.pairs):
            unrelated = [(d, item) for d, item in items if d != pair.domain]
            for side in ("a", "b"):
                inputs = {"pair": asdict(pair), "side": side, "items": unrelated}
                specs.append(EpisodeSpec(f"tb-{pair.id}-loves_{side}", inputs))
        return specs

    async def run_episode(
        self, ctx: RunContext, config: TasteBundlingConfig, spec: EpisodeSpec
    ) -> dict[str, Any]:
        side = spec.inputs["side"]
        pair = TastePair(**spec.inputs["pair"]) if spec.inputs["pair"] else None
        prompts = config.prompts
        if pair is None:
            persona = BASELINE_PERSONA
            system = render(
                prompts.baseline_system, {}, "experiment.prompts.baseline_system"
            )
        else:
            persona = f"loves {pair.item(side)}"
            system = render(
                prompts.persona_system,
                {"liked": pair.item(side)},
                "experiment.prompts.persona_system",
            )
        client = rating_client(ctx, config.temperature, config.top_p, config.max_tokens)

        ratings = []
        for domain, item in spec.inputs["items"]:
            user = render(prompts.rate, {"item": item}, "experiment.prompts.rate")
            for sample in range(config.samples):
                verdict = await TASTE_SCALE.ask(client, system, user)
                ratings.append(
                    rating_record(
                        verdict,
                        pair_id=pair.id if pair else None,
                        persona=persona,
                        side=side,
                        item=item,
                        item_domain=domain,
                        sample=sample,
                    )
                )
        return {"persona": persona, "pair": spec.inputs["pair"], "ratings": ratings}

    def analyse(
        self,
        ctx: RunContext,
        config: TasteBundlingConfig,
        episodes: list[dict[str, Any]],
    ) -> Analysis:
        rng = np.random.default_rng(ctx.seed)
        frame = ratings_frame(episodes)
        if frame.empty:
            logger.warning("taste_bundling: no completed ratings to analyse")
            return Analysis(tidy(frame.assign(measure=[])), episode_counts(episodes))

        vector = bundle_vector(frame)
        difference = vector["difference"].to_numpy(float)
        defined = difference[~np.isnan(difference)]
        matrix = rating_matrix(frame, rows="persona", columns="item")
        summary = {
            **episode_counts(episodes),
            "personas": int(frame["persona"].nunique()),
            "items": int(frame["item"].nunique()),
            "parse_rate": parse_rate(frame["valid"].tolist()),
            "unrelated_difference": {
                "mean_abs": mean_ci(np.abs(difference), rng).to_dict(),
                "mean": mean_ci(difference, rng).to_dict(),
                "nonzero": rate(int((defined != 0).sum()), int(defined.size)).to_dict(),
            },
            "shift_from_baseline": _baseline_shift(matrix, rng),
            "bundle_vector": vector.to_dict(orient="records"),
            # persona -> item -> mean valid rating; null where not rated.
            "rating_matrix": {
                str(persona): {
                    str(item): None if np.isnan(value) else float(value)
                    for item, value in row.items()
                }
                for persona, row in matrix.iterrows()
            },
        }
        figure = rating_matrix_figure(
            matrix,
            ctx.run_dir / "figures" / "bundling_matrix.png",
            title="Mean rating by persona and item",
            scale_label="rating (1-10)",
            value_range=(TASTE_SCALE.low, TASTE_SCALE.high),
        )
        measures = rating_measures(frame, "taste_rating", _MEASURE_COLUMNS)
        return Analysis(measures, summary, [figure])


def _baseline_shift(matrix: pd.DataFrame, rng: np.random.Generator) -> dict[str, Any]:
    """Per persona: mean of (its rating - baseline rating) over the items it rated."""
    if BASELINE_PERSONA not in matrix.index:
        return {}
    baseline = matrix.loc[BASELINE_PERSONA]
    return {
        str(persona): mean_ci((row - baseline).to_numpy(float), rng).to_dict()
        for persona, row in matrix.iterrows()
        if persona != BASELINE_PERSONA
    }
