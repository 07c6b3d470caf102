"""Per-role generation settings bound to a shared client."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from autogen_core import CancellationToken
from autogen_core.models import (
    ChatCompletionClient,
    CreateResult,
    LLMMessage,
)
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel

from agents.clients.base import WrappingClient


@dataclass(frozen=True)
class GenerationSettings:
    """Sampling settings for one role (a persona agent, a judge).

    `temperature` in [0, 2]; `max_tokens` per reply; `stop` strings end a reply.
    """

    temperature: float = 0.7
    top_p: float = 0.95
    max_tokens: int = 128
    stop: tuple[str, ...] = ()

    def as_args(self) -> dict[str, Any]:
        """The settings as `extra_create_args`."""
        args = asdict(self)
        args["stop"] = list(self.stop) or None
        return {k: v for k, v in args.items() if v is not None}


class SettingsClient(WrappingClient):
    """A view of a shared client that always sends one role's settings.

    AssistantAgent calls `create` without generation arguments; this adds them.
    It also keeps the last result, so the episode engine can record whether a
    turn came from the cache. One instance per agent: an agent makes one call
    at a time.
    """

    def __init__(self, inner: ChatCompletionClient, settings: GenerationSettings):
        super().__init__(inner)
        self.settings = settings
        self.last_result: CreateResult | None = None

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
        args = {**self.settings.as_args(), **extra_create_args}
        result = await self._inner.create(
            messages,
            tools=tools,
            tool_choice=tool_choice,
            json_output=json_output,
            extra_create_args=args,
            cancellation_token=cancellation_token,
        )
        self.last_result = result
        return result
