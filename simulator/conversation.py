"""The episode engine's core: agents taking turns, every turn recorded."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from autogen_agentchat.agents import AssistantAgent
from autogen_agentchat.messages import TextMessage
from autogen_core import CancellationToken

from agents.clients import SettingsClient


@dataclass(frozen=True)
class Turn:
    """One message of an episode. `speaker` is the persona uuid (or a role)."""

    turn: int
    speaker: str
    name: str
    text: str
    prompt_tokens: int
    completion_tokens: int
    latency_s: float
    model: str
    cached: bool
    finish_reason: str

    def as_record(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class Speaker:
    """An agent in a conversation, with the client view it speaks through."""

    agent: AssistantAgent
    client: SettingsClient
    speaker_id: str
    display_name: str
    model: str


async def say(speaker: Speaker, message: TextMessage, turn: int) -> Turn:
    """Give `message` to `speaker` and record its reply as turn `turn`."""
    started = time.perf_counter()
    response = await speaker.agent.on_messages([message], CancellationToken())
    latency = time.perf_counter() - started
    reply = response.chat_message
    usage = reply.models_usage
    last = speaker.client.last_result
    return Turn(
        turn=turn,
        speaker=speaker.speaker_id,
        name=speaker.display_name,
        text=reply.to_text(),
        prompt_tokens=usage.prompt_tokens if usage else 0,
        completion_tokens=usage.completion_tokens if usage else 0,
        latency_s=round(latency, 4),
        model=speaker.model,
        cached=bool(last and last.cached),
        finish_reason=last.finish_reason if last else "unknown",
    )


async def converse(speakers: Sequence[Speaker], opener: str, turns: int) -> list[Turn]:
    """Alternate speakers for `turns` messages, starting with `speakers[0]`.

    The first speaker receives `opener` (from a narrator); each later speaker
    receives the previous reply, so every agent's own context holds the whole
    conversation from its point of view.
    """
    message = TextMessage(content=opener, source="narrator")
    record: list[Turn] = []
    for index in range(turns):
        speaker = speakers[index % len(speakers)]
        turn = await say(speaker, message, index)
        record.append(turn)
        message = TextMessage(content=turn.text, source=speaker.agent.name)
    return record


def transcript(turns: Sequence[Turn]) -> str:
    """The conversation as "Name: text" lines."""
    return "\n".join(f"{t.name}: {t.text}" for t in turns)
