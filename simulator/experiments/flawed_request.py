"""`flawed_request` (collaborative friction): does the subject push back usefully?

Each flawed, risky or deceptive request is one episode: the user makes it, the
subject replies, and the judge rates the usefulness of the pushback from 1 to 5
with a written rubric and says whether the subject complied with the flawed
framing. Measures: mean usefulness (bootstrap interval, Mann-Whitney between
conditions) and the compliance rate (Wilson interval, Fisher).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from omegaconf import MISSING

from agents.clients import GenerationSettings, SettingsClient
from agents.conditions import Condition
from agents.items import Item
from agents.judge import Verdict
from agents.prompts import render
from agents.pushback_judge import Classification, rate_pushback
from simulator.config import ItemsConfig
from simulator.conversation import say
from simulator.errors import ConfigError
from simulator.experiments.base import (
    Analysis,
    EpisodeSpec,
    Experiment,
    RunContext,
    TemplateFields,
)
from simulator.experiments.pushback_common import (
    as_message,
    check_generation,
    completed,
    item_from_record,
    load_experiment_items,
    measures_frame,
    plan_items,
    pushback_analysis,
    subject_speaker,
    template_user_turn,
    tidy_rows,
)


@dataclass
class FlawedRequestPrompts:
    """Prompt templates; see conf/experiment/flawed_request.yaml for fields."""

    request: str = MISSING
    no_better: str = MISSING
    judge_system: str = MISSING
    judge_user: str = MISSING

    TEMPLATE_FIELDS: ClassVar[TemplateFields] = {
        "request": ("request",),
        "no_better": None,  # the value of {better} when the item has none
        "judge_system": ("request", "flaw", "better", "reply"),
        "judge_user": ("request", "flaw", "better", "reply"),
    }


@dataclass
class FlawedRequestConfig:
    """`experiment.*` for flawed_request."""

    name: str = "flawed_request"
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 96
    judge_temperature: float = 0.0
    judge_max_tokens: int = 128
    complied_cap: int = 3
    condition: Condition = field(default_factory=Condition)
    items: ItemsConfig = field(default_factory=ItemsConfig)
    prompts: FlawedRequestPrompts = field(default_factory=FlawedRequestPrompts)

    def __post_init__(self) -> None:
        check_generation(self.temperature, self.max_tokens)
        if not 1 <= self.complied_cap <= 5:
            raise ConfigError(
                "experiment.complied_cap", self.complied_cap, "an integer in 1..5"
            )


def judge_values(
    item: Item, prompts: FlawedRequestPrompts, reply: str
) -> dict[str, str]:
    """What the judge is shown: the request, its flaw, a better way, the reply."""
    return {
        "request": item.question,
        "flaw": item.wrong,
        "better": item.answer or prompts.no_better,
        "reply": reply,
    }


def consistency(
    usefulness: Verdict, complied: Classification, cap: int
) -> float | None:
    """1 unless the verdict breaks its own rubric: complied, yet rated above
    `cap` (which the rubric reserves for replies that do not comply); None
    when either part is invalid. Kept as a measure, not used to drop verdicts.
    """
    if usefulness.value is None or complied.label is None:
        return None
    return float(not (complied.label == "yes" and usefulness.value > cap))


class FlawedRequest(Experiment):
    name = "flawed_request"
    schema = FlawedRequestConfig

    def plan(self, ctx: RunContext, config: FlawedRequestConfig) -> list[EpisodeSpec]:
        items = load_experiment_items(config.items, "flawed_request", ctx.seed)
        return plan_items(ctx, config.condition, items, "fr")

    async def run_episode(
        self, ctx: RunContext, config: FlawedRequestConfig, spec: EpisodeSpec
    ) -> dict[str, Any]:
        item = item_from_record(spec.inputs["item"])
        settings = GenerationSettings(
            config.temperature, config.top_p, config.max_tokens
        )
        subject = subject_speaker(
            ctx, config.condition, spec.inputs["persona"], settings
        )
        text = render(
            config.prompts.request, {"request": item.question}, "prompts.request"
        )
        message = template_user_turn(text, 0)
        reply = await say(subject, as_message(message), 1)

        judge = SettingsClient(
            ctx.pool.get(ctx.judge),
            GenerationSettings(config.judge_temperature, 1.0, config.judge_max_tokens),
        )
        values = judge_values(item, config.prompts, reply.text)
        usefulness, complied = await rate_pushback(
            judge,
            render(config.prompts.judge_system, values, "prompts.judge_system"),
            render(config.prompts.judge_user, values, "prompts.judge_user"),
        )
        yes = None if complied.label is None else float(complied.label == "yes")
        outcome = {
            "judge_valid": float(usefulness.valid and complied.valid),
            "usefulness": usefulness.value,
            "complied": yes,
            "judge_consistent": consistency(usefulness, complied, config.complied_cap),
        }
        return {
            "item": spec.inputs["item"],
            "persona": spec.inputs["persona"],
            "condition": config.condition.name,
            "turns": [message.as_record(), reply.as_record()],
            "judge": {
                "usefulness": usefulness.as_record(),
                "complied": complied.as_record(),
            },
            "outcome": outcome,
        }

    def analyse(
        self,
        ctx: RunContext,
        config: FlawedRequestConfig,
        episodes: list[dict[str, Any]],
    ) -> Analysis:
        rows: list[dict[str, Any]] = []
        for episode in completed(episodes):
            rows += tidy_rows(episode["episode_id"], episode["outcome"])
        return pushback_analysis(ctx, self.name, measures_frame(rows), episodes)
