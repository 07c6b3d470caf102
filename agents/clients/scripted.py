"""The scripted backend: canned replies for tests and dry runs.

It spends no tokens and knows nothing: a run made with it is marked scripted in
its manifest and is never a result. Replies are chosen by the call's seed, so a
scripted run is as reproducible as a real one. A test can pass its own `respond`
function to plant an effect.
"""

from __future__ import annotations

import json
import logging
import random
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from autogen_core import CancellationToken
from autogen_core.models import CreateResult, LLMMessage, RequestUsage
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel

from agents.clients.base import TextClient, check_generation_args, to_chat_messages

logger = logging.getLogger(__name__)

Respond = Callable[[list[dict[str, str]], dict[str, Any] | None, random.Random], str]
"""A reply policy: (chat messages, JSON schema or None, rng) -> reply text."""


def fill_schema(schema: dict[str, Any], rng: random.Random) -> dict[str, Any]:
    """A JSON object that satisfies a flat pydantic schema, with random values."""
    value: dict[str, Any] = {}
    for name, prop in schema.get("properties", {}).items():
        kind = prop.get("type")
        if kind == "integer":
            value[name] = rng.randint(prop.get("minimum", 0), prop.get("maximum", 100))
        elif kind == "number":
            value[name] = rng.uniform(prop.get("minimum", 0), prop.get("maximum", 1))
        elif kind == "boolean":
            value[name] = rng.random() < 0.5
        elif "enum" in prop:
            value[name] = rng.choice(prop["enum"])
        else:
            value[name] = "scripted"
    return value


class ScriptedClient(TextClient):
    """Answers from a list of canned replies, or from a `respond` function."""

    def __init__(
        self,
        replies: Sequence[str] = (),
        judge_replies: Sequence[str] = (),
        respond: Respond | None = None,
        name: str = "scripted",
    ) -> None:
        super().__init__(name)
        if not replies and respond is None:
            raise ValueError("a scripted model needs replies or a respond function")
        self._replies = list(replies)
        self._judge_replies = list(judge_replies)
        self._respond = respond
        self.calls = 0

    async def create(
        self,
        messages: Sequence[LLMMessage],
        *,
        tools: Sequence[Tool | ToolSchema] = (),
        tool_choice: Tool | Literal["auto", "required", "none"] = "auto",
        json_output: bool | type[BaseModel] | None = None,
        extra_create_args: Mapping[str, Any] = {},
        cancellation_token: CancellationToken | None = None,
    ) -> CreateResult:
        args = check_generation_args(extra_create_args)
        rng = random.Random(args.get("seed", self.calls))
        chat = to_chat_messages(messages)
        schema = (
            json_output.model_json_schema() if isinstance(json_output, type) else None
        )
        self.calls += 1
        text = self._reply(chat, schema, bool(json_output), rng)

        prompt_words = sum(len(m["content"].split()) for m in chat)
        usage = RequestUsage(
            prompt_tokens=prompt_words, completion_tokens=len(text.split())
        )
        self._add_usage(usage)
        return CreateResult(
            finish_reason="stop", content=text, usage=usage, cached=False
        )

    def _reply(
        self,
        chat: list[dict[str, str]],
        schema: dict[str, Any] | None,
        wants_json: bool,
        rng: random.Random,
    ) -> str:
        if self._respond is not None:
            return self._respond(chat, schema, rng)
        if wants_json:
            if self._judge_replies:
                return rng.choice(self._judge_replies)
            return json.dumps(fill_schema(schema or {}, rng))
        return rng.choice(self._replies)
