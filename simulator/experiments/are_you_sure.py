"""`are_you_sure`: does the subject hold a correct answer under escalating pushback?

Each multiple-choice item is one episode. The subject answers; its letter is
parsed (an unparseable reply is recorded and counted). When the answer is
correct, the user simulator climbs the `pushback` ladder, one level a turn,
pushing for a wrong option, until the subject folds (correct -> a parsed wrong
answer) or the ladder ends; `pushback.stop_at_fold=false` goes on after a fold
to see whether the subject recovers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any, ClassVar, Protocol

from omegaconf import MISSING

from agents.answers import Answer, parse_choice
from agents.clients import GenerationSettings
from agents.conditions import Condition
from agents.items import Item
from agents.prompts import render
from analysis.statistics import rate
from simulator.config import ItemsConfig, PushbackConfig
from simulator.conversation import Turn
from simulator.experiments.base import (
    Analysis,
    EpisodeSpec,
    Experiment,
    RunContext,
    TemplateFields,
)
from simulator.experiments.pushback_common import (
    LadderAnswer,
    build_user,
    check_generation,
    climb_ladder,
    completed,
    first_named_level,
    item_from_record,
    json_ready,
    ladder_outcome,
    load_experiment_items,
    measures_frame,
    plan_items,
    pushback_analysis,
    subject_speaker,
    tidy_rows,
)

logger = logging.getLogger(__name__)


# The values of a multiple-choice item (`choice_values`).
CHOICE_FIELDS: tuple[str, ...] = ("question", "options", "letters", "wrong", "expert")


@dataclass
class ChoicePrompts:
    """Prompt templates; see conf/experiment/are_you_sure.yaml for fields."""

    question: str = MISSING
    reminder: str = MISSING
    option: str = MISSING
    wrong: str = MISSING

    TEMPLATE_FIELDS: ClassVar[TemplateFields] = {
        "question": CHOICE_FIELDS,
        "reminder": None,  # appended to every pushback as it is
        "option": ("letter", "text"),
        "wrong": ("letter", "text"),
    }


@dataclass
class AreYouSureConfig:
    """`experiment.*` for are_you_sure."""

    name: str = "are_you_sure"
    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 48
    condition: Condition = field(default_factory=Condition)
    pushback: PushbackConfig = field(default_factory=PushbackConfig)
    items: ItemsConfig = field(default_factory=ItemsConfig)
    prompts: ChoicePrompts = field(default_factory=ChoicePrompts)

    def __post_init__(self) -> None:
        check_generation(self.temperature, self.max_tokens)


def choice_values(item: Item, prompts: ChoicePrompts, expert: str) -> dict[str, str]:
    """Template values of a multiple-choice item: question, options, wrong, ..."""
    options = "\n".join(
        render(prompts.option, {"letter": letter, "text": text}, "prompts.option")
        for letter, text in zip(item.letters, item.options, strict=True)
    )
    wrong = render(
        prompts.wrong,
        {"letter": item.wrong_letter, "text": item.wrong},
        "experiment.prompts.wrong",
    )
    return {
        "question": item.question,
        "options": options,
        "letters": ", ".join(item.letters[:-1]) + " or " + item.letters[-1],
        "wrong": wrong,
        "expert": item.expert or expert,
    }


def pushable(items: list[Item]) -> list[Item]:
    """The items a user can push a wrong option for (others are logged)."""
    usable = [i for i in items if i.options and i.wrong_letter]
    if len(usable) < len(items):
        logger.warning(
            "%d of %d items have no wrong option to push; left out",
            len(items) - len(usable),
            len(items),
        )
    return usable


def judge_choice(item: Item) -> Any:
    """Reply text -> (parsed letter, whether it is the correct one)."""

    def judge(reply: str) -> tuple[Answer, bool | None]:
        answer = parse_choice(reply, item.letters, item.options)
        return answer, (answer.value == item.correct_letter) if answer.valid else None

    return judge


class LadderOnChoices(Protocol):
    """The keys of an experiment that pushes on multiple-choice answers
    (`are_you_sure`, `stickiness`)."""

    @property
    def temperature(self) -> float: ...
    @property
    def top_p(self) -> float: ...
    @property
    def max_tokens(self) -> int: ...
    @property
    def condition(self) -> Condition: ...
    @property
    def pushback(self) -> PushbackConfig: ...
    @property
    def items(self) -> ItemsConfig: ...
    @property
    def prompts(self) -> ChoicePrompts: ...


def plan_choices(
    ctx: RunContext, config: LadderOnChoices, prefix: str
) -> list[EpisodeSpec]:
    """One episode per multiple-choice item the ladder can push on; the ladder
    becomes a condition column of the measures."""
    items = load_experiment_items(config.items, "multiple_choice", ctx.seed)
    ctx.conditions["pushback"] = config.pushback.name
    ctx.conditions["pushback_mode"] = config.pushback.mode
    return plan_items(ctx, config.condition, pushable(items), prefix)


async def push_on_choice(
    ctx: RunContext,
    config: LadderOnChoices,
    spec: EpisodeSpec,
    only_if_correct: bool,
) -> tuple[Item, list[Turn], list[LadderAnswer]]:
    """Ask an episode's item, then climb the ladder on the subject's answers.

    Returns:
        The item, every turn, and each subject answer parsed, level 0 first.
    """
    item = item_from_record(spec.inputs["item"])
    settings = GenerationSettings(config.temperature, config.top_p, config.max_tokens)
    subject = subject_speaker(ctx, config.condition, spec.inputs["persona"], settings)
    values = choice_values(item, config.prompts, config.pushback.expert)
    opening = render(config.prompts.question, values, "experiment.prompts.question")
    user = build_user(ctx, config.pushback, opening, values, config.prompts.reminder)
    turns, answers = await climb_ladder(
        subject,
        user,
        judge_choice(item),
        stop_at_fold=config.pushback.stop_at_fold,
        only_if_correct=only_if_correct,
    )
    return item, turns, answers


class AreYouSure(Experiment):
    name = "are_you_sure"
    schema = AreYouSureConfig

    def plan(self, ctx: RunContext, config: AreYouSureConfig) -> list[EpisodeSpec]:
        return plan_choices(ctx, config, "ays")

    async def run_episode(
        self, ctx: RunContext, config: AreYouSureConfig, spec: EpisodeSpec
    ) -> dict[str, Any]:
        item, turns, answers = await push_on_choice(
            ctx, config, spec, only_if_correct=True
        )
        levels = len(config.pushback.levels)
        named_from = first_named_level(config.pushback)
        outcome = ladder_outcome(answers, levels, item.wrong_letter, named_from)
        return {
            "item": spec.inputs["item"],
            "persona": spec.inputs["persona"],
            "condition": config.condition.name,
            "correct_letter": item.correct_letter,
            "wrong_letter": item.wrong_letter,
            "pushback": config.pushback.name,
            "pushback_mode": config.pushback.mode,
            "turns": [t.as_record() for t in turns],
            "answers": [a.as_record() for a in answers],
            "outcome": json_ready(outcome),
        }

    def analyse(
        self,
        ctx: RunContext,
        config: AreYouSureConfig,
        episodes: list[dict[str, Any]],
    ) -> Analysis:
        rows: list[dict[str, Any]] = []
        valid = total = 0
        for episode in completed(episodes):
            episode_id = episode["episode_id"]
            rows += tidy_rows(episode_id, episode["outcome"])
            for answer in episode["answers"]:
                correct = answer["correct"]
                per_turn = {"answer_valid": float(answer["valid"])}
                if correct is not None:
                    per_turn["correct"] = float(correct)
                rows += tidy_rows(episode_id, per_turn, turn=answer["level"])
                valid, total = valid + answer["valid"], total + 1
        extra = {"parse_rate_all_answers": rate(valid, total).to_dict()}
        return pushback_analysis(ctx, self.name, measures_frame(rows), episodes, extra)
