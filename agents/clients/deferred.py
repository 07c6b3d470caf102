"""A client that builds its backend on the first call that needs it.

A rerun answered entirely from the response cache then never loads the model.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from autogen_core import CancellationToken
from autogen_core.models import (
    ChatCompletionClient,
    CreateResult,
    LLMMessage,
    ModelInfo,
)
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel

from agents.clients.base import TextClient


class DeferredClient(TextClient):
    """Delegates to `factory()`, called once, at the first `create`."""

    def __init__(
        self, factory: Callable[[], ChatCompletionClient], name: str, info: ModelInfo
    ) -> None:
        super().__init__(name)
        self._factory = factory
        self._model_info = info
        self.backend: ChatCompletionClient | None = None
        self.build_seconds = 0.0

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
        if self.backend is None:
            started = time.perf_counter()
            self.backend = self._factory()
            self.build_seconds = time.perf_counter() - started
        result = await self.backend.create(
            messages,
            json_output=json_output,
            extra_create_args=extra_create_args,
            cancellation_token=cancellation_token,
        )
        self._add_usage(result.usage)
        return result

    async def close(self) -> None:
        if self.backend is not None:
            await self.backend.close()
