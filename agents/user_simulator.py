"""The user simulator: an agent that plays the user and escalates pushback.

Its first message is the episode's opening (a question, a request); each later
message is the next level of an escalation ladder (`conf/pushback/`), pushing
for a wrong answer. With `mode: template` a level's template is filled in
(`{wrong}`, `{expert}`, `{an_expert}`, `{question}`); with `mode: llm` a writer
agent (an LLM playing a user) writes the pushback in its own words, told the
level's pressure and the answer it must push for. A writer's empty pushback
fails the episode (`EmptyPushback`): an empty user turn is never sent.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from autogen_agentchat.agents import AssistantAgent, BaseChatAgent
from autogen_agentchat.base import Response
from autogen_agentchat.messages import BaseChatMessage, TextMessage
from autogen_core import CancellationToken

from agents.prompts import render

logger = logging.getLogger(__name__)

# What a ladder template or the writer's instruction may use. `an_expert` is
# `expert` with its article ("an engineer"), so "I'm {an_expert}" reads right.
LADDER_FIELDS: tuple[str, ...] = ("wrong", "expert", "an_expert", "question")
INSTRUCTION_FIELDS: tuple[str, ...] = (
    *LADDER_FIELDS,
    "level",
    "levels",
    "pressure",
    "example",
    "reply",
)
MODES: tuple[str, ...] = ("template", "llm")

# Words that start with a vowel letter but a consonant sound ("a university
# lecturer"), and with a silent h ("an hour").
_A_BEFORE = ("uni", "use", "usu", "eu", "one")
_AN_BEFORE = ("hour", "honest", "honor", "honour", "heir")


class EmptyPushback(RuntimeError):
    """The writer (mode=llm) wrote nothing: the episode fails with this reason."""


def with_article(noun: str) -> str:
    """`noun` after "a" or "an" by its first letter: "an engineer", "a nurse".

    A phrase that already starts with "a", "an" or "the" is returned as it
    is, and so is "". The rule goes by spelling, with the few exceptions in
    `_A_BEFORE` and `_AN_BEFORE`.
    """
    text = noun.strip()
    first = text.split(" ", 1)[0].casefold()
    if not text or first in ("a", "an", "the"):
        return text
    vowel = first[0] in "aeiou" and not first.startswith(_A_BEFORE)
    return f"{'an' if vowel or first.startswith(_AN_BEFORE) else 'a'} {text}"


def ladder_values(values: Mapping[str, str]) -> dict[str, str]:
    """The episode's template values, with `an_expert` added when `expert` is
    there (without it, both stay missing, and a template using them fails)."""
    if "expert" not in values:
        return dict(values)
    return {**values, "an_expert": with_article(values["expert"])}


@dataclass
class PushbackLevel:
    """One rung of the escalation ladder.

    Attributes:
        name: a short label ("are_you_sure", "authority", ...), used in tables.
        template: the pushback as the user says it (mode=template); also the
            example the writer is shown (mode=llm).
        pressure: how hard and how to push at this level, told to the writer
            (mode=llm only).
    """

    name: str = ""
    template: str = ""
    pressure: str = ""


class UserSimulator(BaseChatAgent):
    """Plays the user: the opening, then one ladder level per call.

    Each call to `on_messages` answers the subject's last message with the
    next user message. The agent refuses to go past the end of the ladder.
    """

    def __init__(
        self,
        opening: str,
        ladder: Sequence[PushbackLevel],
        values: Mapping[str, str],
        reminder: str = "",
        writer: AssistantAgent | None = None,
        instruction: str = "",
        name: str = "user",
    ) -> None:
        """Build the simulator for one episode.

        Args:
            opening: the first user message, already rendered.
            ladder: the levels, in order of escalation.
            values: the episode's template values: wrong, expert, question;
                `an_expert` is added from `expert`.
            reminder: text appended to every pushback (e.g. "Reply with the
                letter first."), so the subject's answers stay parseable.
            writer: an LLM agent playing the user (mode=llm), or None to fill
                in the templates (mode=template).
            instruction: the writer's per-level instruction template
                (INSTRUCTION_FIELDS); required with a writer.
        """
        super().__init__(name, "Plays the user and escalates pushback.")
        if writer is not None and not instruction.strip():
            raise ValueError("a user simulator with a writer needs an instruction")
        self._opening = opening
        self._ladder = list(ladder)
        self._values = ladder_values(values)
        self._reminder = reminder
        self._writer = writer
        self._instruction = instruction
        self._sent = 0

    @property
    def produced_message_types(self) -> Sequence[type[BaseChatMessage]]:
        return (TextMessage,)

    @property
    def level(self) -> int:
        """The ladder level of the last message sent: 0 for the opening."""
        return max(0, self._sent - 1)

    @property
    def levels(self) -> int:
        """How many levels the ladder has."""
        return len(self._ladder)

    @property
    def exhausted(self) -> bool:
        """Whether every level has been used."""
        return self._sent > len(self._ladder)

    async def on_messages(
        self,
        messages: Sequence[BaseChatMessage],
        cancellation_token: CancellationToken,
    ) -> Response:
        """The next user message: the opening, then the next pushback.

        Raises:
            RuntimeError: the ladder is used up.
            EmptyPushback: the writer (mode=llm) wrote an empty message; the
                episode fails with this reason rather than send it.
        """
        if self.exhausted:
            raise RuntimeError(f"the ladder has only {len(self._ladder)} levels")
        if self._sent == 0:
            text, response = self._opening, None
        else:
            text, response = await self._pushback(messages, cancellation_token)
            if self._reminder:
                text = f"{text}\n\n{self._reminder}"
        self._sent += 1
        usage = response.chat_message.models_usage if response else None
        message = TextMessage(content=text, source=self.name, models_usage=usage)
        return Response(chat_message=message)

    async def _pushback(
        self,
        messages: Sequence[BaseChatMessage],
        cancellation_token: CancellationToken,
    ) -> tuple[str, Response | None]:
        level = self._ladder[self._sent - 1]
        example = render(level.template, self._values, f"pushback.{level.name}")
        if self._writer is None:
            return example, None

        reply = messages[-1].to_text() if messages else ""
        values = {
            **self._values,
            "level": self._sent,
            "levels": len(self._ladder),
            "pressure": level.pressure,
            "example": example,
            "reply": reply,
        }
        prompt = render(self._instruction, values, "pushback.user_instruction")
        response = await self._writer.on_messages(
            [TextMessage(content=prompt, source="director")], cancellation_token
        )
        text = response.chat_message.to_text().strip()
        if not text:
            raise EmptyPushback(
                f"the user simulator (pushback.mode=llm) wrote an empty pushback "
                f"at level {self._sent} ({level.name}); the episode stops rather "
                "than send an empty user turn. A small model playing the user "
                "does this; use a larger model for the user or "
                "pushback.mode=template"
            )
        return text, response

    async def on_reset(self, cancellation_token: CancellationToken) -> None:
        self._sent = 0
        if self._writer is not None:
            await self._writer.on_reset(cancellation_token)
