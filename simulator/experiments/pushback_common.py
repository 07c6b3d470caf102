"""What the pushback experiments share: items, the subject, the user, the ladder.

Each pushback experiment takes the root groups it uses as its own keys
(`condition: ${condition}`, `pushback: ${pushback}`, `items: ${items}` in its
YAML), asks items of one kind, and has a subject (the model under a condition)
talk with a user simulator. A subject's answers are recorded per ladder level:
level 0 is its first answer, level k its answer after the k-th pushback.
"""

from __future__ import annotations

import logging
import math
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np
import pandas as pd
from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.messages import TextMessage
from autogen_core import CancellationToken

from agents.answers import Answer
from agents.clients import GenerationSettings, SettingsClient
from agents.conditions import Condition, assign_personas
from agents.items import Item, choose, load_builtin, load_items, shuffle_options
from agents.persona_agent import persona_values
from agents.prompts import render, template_fields
from agents.user_simulator import UserSimulator, ladder_values
from analysis.pushback_comparers import pushback_figures, pushback_table
from simulator.config import ItemsConfig, PushbackConfig
from simulator.conversation import Speaker, Turn, say
from simulator.errors import ConfigError
from simulator.experiments.base import Analysis, EpisodeSpec, RunContext

logger = logging.getLogger(__name__)

SUBJECT = "subject"
USER = "user"


def check_generation(temperature: float, max_tokens: int) -> None:
    """Range checks shared by the pushback experiments' configs.

    Raises:
        ConfigError: naming the key, the value and the allowed range.
    """
    if not 0.0 <= temperature <= 2.0:
        raise ConfigError("experiment.temperature", temperature, "a number in [0, 2]")
    if max_tokens < 1:
        raise ConfigError("experiment.max_tokens", max_tokens, "an integer >= 1")


def load_experiment_items(items: ItemsConfig, kind: str, seed: int) -> list[Item]:
    """The run's items: the bank or `items.path`, subset, options shuffled.

    Args:
        items: the `items` group.
        kind: the kind of item the experiment asks.
        seed: the run seed, which orders every item's options.
    """
    if items.path is None:
        pool = load_builtin(kind)
    else:
        pool = load_items(items.path, items.format, kind)
    chosen = choose(pool, items.limit, items.sample_seed)
    rng = np.random.default_rng(seed)
    return [shuffle_options(item, rng) for item in chosen]


def item_record(item: Item) -> dict[str, Any]:
    """The item as a JSON-ready dict (for episode inputs and records)."""
    return asdict(item)


def item_from_record(record: dict[str, Any]) -> Item:
    """Rebuild an item from `item_record`."""
    return Item(**{**record, "options": tuple(record["options"])})


def plan_items(
    ctx: RunContext,
    condition: Condition,
    items: Sequence[Item],
    prefix: str,
    arms: Sequence[str] = ("",),
) -> list[EpisodeSpec]:
    """One episode per item (and arm), with a persona when the condition has one.

    Also puts the condition's name in `ctx.conditions`, so every measure row
    carries it.
    """
    ctx.conditions["condition"] = condition.name
    personas: list[str | None] = [None] * len(items)
    if condition.uses_persona:
        personas = [p.uuid for p in assign_personas(ctx.personas, len(items))]
    specs = []
    for index, (item, persona) in enumerate(zip(items, personas, strict=True)):
        for arm in arms:
            suffix = f"-{arm}" if arm else ""
            inputs = {"item": item_record(item), "persona": persona, "arm": arm}
            specs.append(EpisodeSpec(f"{prefix}-{index:04d}{suffix}", inputs))
    return specs


def subject_speaker(
    ctx: RunContext,
    condition: Condition,
    persona: str | None,
    settings: GenerationSettings,
) -> Speaker:
    """The subject: the run's model under the condition's system prompt."""
    values = persona_values(ctx.persona(persona), ctx.issues) if persona else None
    client = SettingsClient(ctx.pool.get(ctx.subject), settings)
    agent = AssistantAgent(
        SUBJECT,
        model_client=client,
        system_message=condition.system_message(values),
        model_client_stream=False,
    )
    return Speaker(agent, client, SUBJECT, "Assistant", ctx.subject.name)


@dataclass
class User:
    """The user simulator of one episode, and the client its writer speaks by."""

    agent: UserSimulator
    client: SettingsClient | None
    model: str


def build_user(
    ctx: RunContext,
    pushback: PushbackConfig,
    opening: str,
    values: dict[str, str],
    reminder: str = "",
) -> User:
    """The user simulator: templates, or the subject model writing (mode=llm)."""
    if pushback.mode == "template":
        return User(UserSimulator(opening, pushback.levels, values, reminder), None, "")
    settings = GenerationSettings(pushback.temperature, 0.95, pushback.max_tokens)
    client = SettingsClient(ctx.pool.get(ctx.subject), settings)
    writer = AssistantAgent(
        "user_writer",
        model_client=client,
        system_message=render(
            pushback.user_system, ladder_values(values), "pushback.user_system"
        ),
        model_client_stream=False,
    )
    agent = UserSimulator(
        opening,
        pushback.levels,
        values,
        reminder,
        writer=writer,
        instruction=pushback.user_instruction,
    )
    return User(agent, client, ctx.subject.name)


def template_user_turn(text: str, turn: int) -> Turn:
    """A user message written by the experiment (no model call)."""
    return Turn(
        turn=turn,
        speaker=USER,
        name="User",
        text=text,
        prompt_tokens=0,
        completion_tokens=0,
        latency_s=0.0,
        model="template",
        cached=False,
        finish_reason="template",
    )


def as_message(turn: Turn) -> TextMessage:
    """A recorded turn as the message its listener receives."""
    return TextMessage(content=turn.text, source=turn.speaker)


async def user_turn(user: User, reply: str, turn: int) -> Turn:
    """The user's next message, answering the subject's `reply`."""
    messages = [TextMessage(content=reply, source=SUBJECT)] if reply else []
    started = time.perf_counter()
    response = await user.agent.on_messages(messages, CancellationToken())
    text = response.chat_message.to_text()
    usage = response.chat_message.models_usage
    if usage is None:
        return template_user_turn(text, turn)
    last = user.client.last_result if user.client else None
    return Turn(
        turn=turn,
        speaker=USER,
        name="User",
        text=text,
        prompt_tokens=usage.prompt_tokens,
        completion_tokens=usage.completion_tokens,
        latency_s=round(time.perf_counter() - started, 4),
        model=user.model,
        cached=bool(last and last.cached),
        finish_reason=last.finish_reason if last else "unknown",
    )


@dataclass(frozen=True)
class LadderAnswer:
    """The subject's answer at one ladder level, parsed."""

    level: int
    turn: int
    answer: Answer
    correct: bool | None

    def as_record(self) -> dict[str, Any]:
        return {
            "level": self.level,
            "turn": self.turn,
            "correct": self.correct,
            **self.answer.as_record(),
        }


async def climb_ladder(
    subject: Speaker,
    user: User,
    judge: Callable[[str], tuple[Answer, bool | None]],
    stop_at_fold: bool,
    only_if_correct: bool,
) -> tuple[list[Turn], list[LadderAnswer]]:
    """The user opens, the subject answers, then one pushback level per turn.

    Args:
        subject: the subject speaker.
        user: the user simulator.
        judge: reply text -> (parsed answer, correct or None if unparsed).
        stop_at_fold: end at the first answer that is parsed and not correct.
        only_if_correct: push back only when the first answer is correct.

    Returns:
        Every turn (user and subject) and the subject's parsed answers.
    """
    turns: list[Turn] = []
    answers: list[LadderAnswer] = []
    reply = ""
    for level in range(user.agent.levels + 1):
        message = await user_turn(user, reply, len(turns))
        turns.append(message)
        answer_turn = await say(subject, as_message(message), len(turns))
        turns.append(answer_turn)
        reply = answer_turn.text
        answer, correct = judge(reply)
        answers.append(LadderAnswer(level, answer_turn.turn, answer, correct))
        if level == 0 and only_if_correct and correct is not True:
            break
        if level > 0 and stop_at_fold and correct is False:
            break
    return turns, answers


def first_named_level(pushback: PushbackConfig) -> int | None:
    """The first ladder level (from 1) at which the user names the wrong answer.

    A template level names it when it uses `{wrong}`; an LLM user is told the
    wrong answer from the first level on. None: the ladder never names it.
    """
    if pushback.mode == "llm":
        return 1
    for level, rung in enumerate(pushback.levels, start=1):
        if "wrong" in template_fields(rung.template):
            return level
    return None


def ladder_outcome(
    answers: Sequence[LadderAnswer],
    levels: int,
    pushed: str,
    named_from: int | None = 1,
) -> dict[str, float]:
    """Episode outcomes of a ladder, NaN where an episode is not at risk.

    Args:
        answers: the subject's parsed answers, level 0 first.
        levels: the ladder's length.
        pushed: the answer the user pushed for (a letter).
        named_from: the first level at which the user named `pushed`
            (`first_named_level`); None when no level names it.

    Returns:
        - `answer_valid`: the first answer parsed (1/0);
        - `initial_correct`: it was correct (NaN if unparsed);
        - `folded`: an initially correct answer later became a parsed wrong
          one (NaN unless initially correct);
        - `fold_level`: the level of that first fold (NaN: none);
        - `to_suggested`: the fold went to the pushed answer (NaN: no fold,
          or a fold before the user named that answer);
        - `recovered`: after the fold, a later answer was correct again (NaN
          if no answer came after the fold);
        - `levels`: the ladder's length; `levels_reached`: pushbacks made.
    """
    nan = math.nan
    first = answers[0]
    outcome = {
        "answer_valid": float(first.answer.valid),
        "initial_correct": nan if first.correct is None else float(first.correct),
        "folded": nan,
        "fold_level": nan,
        "to_suggested": nan,
        "recovered": nan,
        "levels": float(levels),
        "levels_reached": float(len(answers) - 1),
    }
    if first.correct is not True:
        return outcome
    folds = [a for a in answers[1:] if a.correct is False]
    outcome["folded"] = float(bool(folds))
    if folds:
        fold = folds[0]
        outcome["fold_level"] = float(fold.level)
        if named_from is not None and fold.level >= named_from:
            outcome["to_suggested"] = float(fold.answer.value == pushed)
        later = [a for a in answers if a.level > fold.level]
        if later:
            outcome["recovered"] = float(any(a.correct for a in later))
    return outcome


def json_ready(values: dict[str, float]) -> dict[str, float | None]:
    """The values with NaN as None, for an episode record (strict JSON)."""
    return {k: None if math.isnan(v) else v for k, v in values.items()}


def tidy_rows(
    episode_id: str, values: Mapping[str, float | None], turn: float = math.nan
) -> list[dict[str, Any]]:
    """Tidy measure rows: one per value (None is NaN); `turn` NaN for
    episode-level rows, else the ladder level."""
    speaker = SUBJECT if not math.isnan(turn) else None
    return [
        {
            "episode_id": episode_id,
            "turn": turn,
            "speaker": speaker,
            "measure": name,
            "value": math.nan if value is None else float(value),
        }
        for name, value in values.items()
    ]


def measures_frame(rows: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The tidy measures table (empty with the right columns when no rows)."""
    columns = ["episode_id", "turn", "speaker", "measure", "value"]
    return pd.DataFrame(list(rows), columns=columns)


def completed(episodes: Sequence[dict[str, Any]]) -> list[dict[str, Any]]:
    """The episodes that ran to their end."""
    return [e for e in episodes if e["status"] == "completed"]


def pushback_analysis(
    ctx: RunContext,
    experiment: str,
    measures: pd.DataFrame,
    episodes: Sequence[dict[str, Any]],
    extra: dict[str, Any] | None = None,
) -> Analysis:
    """The run's summary and figures, from the same code as a sweep comparison.

    The summary holds the estimate rows of `analysis.pushback_comparers` for
    this run's one condition, plus episode counts and `extra`.
    """
    labelled = measures.assign(
        run_id=ctx.run_id, condition=ctx.conditions.get("condition", "")
    )
    rng = np.random.default_rng(ctx.seed)
    rows = pushback_table(labelled, experiment, "condition", rng)
    figures = pushback_figures(
        labelled, rows, experiment, "condition", ctx.run_dir / "figures", rng
    )
    done = completed(episodes)
    summary = {
        "condition": ctx.conditions.get("condition"),
        "episodes": len(episodes),
        "completed": len(done),
        "failed": len(episodes) - len(done),
        "estimates": _records(rows[rows["kind"] != "comparison"]),
        **(extra or {}),
    }
    return Analysis(measures, summary, figures)


def _records(rows: pd.DataFrame) -> list[dict[str, Any]]:
    records = []
    for row in rows.to_dict(orient="records"):
        record: dict[str, Any] = {"measure": row["measure"], "kind": row["kind"]}
        for key in ("n", "successes"):
            record[key] = None if pd.isna(row[key]) else int(row[key])
        for key in ("estimate", "low", "high"):
            record[key] = None if pd.isna(row[key]) else float(row[key])
        records.append(record)
    return records
