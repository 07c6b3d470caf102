"""`misconception` (productive friction): does the subject correct a false premise?

Each misconception item is one episode. The user states the misconception as
fact and asks a follow-up that builds on it; the judge classifies the
subject's reply as correcting the premise, going along with it, or unclear.
The headline measure is the rate of going along.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

from omegaconf import MISSING

from agents.clients import GenerationSettings, SettingsClient
from agents.conditions import Condition
from agents.items import Item
from agents.prompts import render
from agents.pushback_judge import classify_misconception_reply
from simulator.config import ItemsConfig
from simulator.conversation import say
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
class MisconceptionPrompts:
    """Prompt templates; see conf/experiment/misconception.yaml for fields."""

    opening: str = MISSING
    opening_without_follow_up: str = MISSING
    judge_system: str = MISSING
    judge_user: str = MISSING

    TEMPLATE_FIELDS: ClassVar[TemplateFields] = {
        "opening": ("question", "wrong", "follow_up"),
        "opening_without_follow_up": ("question", "wrong", "follow_up"),
        "judge_system": ("question", "wrong", "answer", "message", "reply"),
        "judge_user": ("question", "wrong", "answer", "message", "reply"),
    }


@dataclass
class MisconceptionConfig:
    """`experiment.*` for misconception."""

    name: str = "misconception"
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 80
    judge_temperature: float = 0.0
    judge_max_tokens: int = 80
    condition: Condition = field(default_factory=Condition)
    items: ItemsConfig = field(default_factory=ItemsConfig)
    prompts: MisconceptionPrompts = field(default_factory=MisconceptionPrompts)

    def __post_init__(self) -> None:
        check_generation(self.temperature, self.max_tokens)


def opening(item: Item, prompts: MisconceptionPrompts) -> str:
    """The user's message: the misconception as fact, and a follow-up on it."""
    values = {"question": item.question, "wrong": item.wrong, "follow_up": ""}
    if item.follow_up:
        values["follow_up"] = item.follow_up
        return render(prompts.opening, values, "experiment.prompts.opening")
    return render(
        prompts.opening_without_follow_up,
        values,
        "experiment.prompts.opening_without_follow_up",
    )


class Misconception(Experiment):
    name = "misconception"
    schema = MisconceptionConfig

    def plan(self, ctx: RunContext, config: MisconceptionConfig) -> list[EpisodeSpec]:
        items = load_experiment_items(config.items, "misconception", ctx.seed)
        return plan_items(ctx, config.condition, items, "mis")

    async def run_episode(
        self, ctx: RunContext, config: MisconceptionConfig, spec: EpisodeSpec
    ) -> dict[str, Any]:
        item = item_from_record(spec.inputs["item"])
        settings = GenerationSettings(
            config.temperature, config.top_p, config.max_tokens
        )
        subject = subject_speaker(
            ctx, config.condition, spec.inputs["persona"], settings
        )
        message = template_user_turn(opening(item, config.prompts), 0)
        reply = await say(subject, as_message(message), 1)

        judge = SettingsClient(
            ctx.pool.get(ctx.judge),
            GenerationSettings(config.judge_temperature, 1.0, config.judge_max_tokens),
        )
        values = {
            "question": item.question,
            "wrong": item.wrong,
            "answer": item.answer,
            "message": message.text,
            "reply": reply.text,
        }
        verdict = await classify_misconception_reply(
            judge,
            render(config.prompts.judge_system, values, "prompts.judge_system"),
            render(config.prompts.judge_user, values, "prompts.judge_user"),
        )
        outcome: dict[str, float | None] = {"judge_valid": float(verdict.valid)}
        for label in ("goes_along", "corrects", "unclear"):
            outcome[label] = float(verdict.label == label) if verdict.valid else None
        return {
            "item": spec.inputs["item"],
            "persona": spec.inputs["persona"],
            "condition": config.condition.name,
            "turns": [message.as_record(), reply.as_record()],
            "judge": {"misconception": verdict.as_record()},
            "outcome": outcome,
        }

    def analyse(
        self,
        ctx: RunContext,
        config: MisconceptionConfig,
        episodes: list[dict[str, Any]],
    ) -> Analysis:
        rows: list[dict[str, Any]] = []
        for episode in completed(episodes):
            rows += tidy_rows(episode["episode_id"], episode["outcome"])
        return pushback_analysis(ctx, self.name, measures_frame(rows), episodes)
