"""What every Friction client shares: message conversion and usage totals."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from autogen_core.models import (
    AssistantMessage,
    ChatCompletionClient,
    LLMMessage,
    ModelCapabilities,
    ModelInfo,
    RequestUsage,
    SystemMessage,
    UserMessage,
)
from autogen_core.tools import Tool, ToolSchema

# Generation arguments Friction passes through `extra_create_args`.
GENERATION_ARGS: frozenset[str] = frozenset(
    {"temperature", "top_p", "max_tokens", "seed", "stop"}
)


def to_chat_messages(messages: Sequence[LLMMessage]) -> list[dict[str, str]]:
    """Convert autogen messages to OpenAI-style role/content dicts (text only).

    Raises:
        ValueError: a message with images, tool calls or tool results.
    """
    converted = []
    for message in messages:
        if isinstance(message, SystemMessage):
            role = "system"
        elif isinstance(message, UserMessage):
            role = "user"
        elif isinstance(message, AssistantMessage):
            role = "assistant"
        else:
            raise ValueError(f"unsupported message type {type(message).__name__}")
        if not isinstance(message.content, str):
            raise ValueError(f"only text messages are supported, got {message!r}")
        converted.append({"role": role, "content": message.content})
    return converted


def check_generation_args(args: Mapping[str, Any]) -> dict[str, Any]:
    """Return the generation arguments, refusing unknown ones.

    Raises:
        ValueError: naming the unknown argument and the known ones.
    """
    unknown = set(args) - GENERATION_ARGS
    if unknown:
        raise ValueError(
            f"unknown generation argument(s) {sorted(unknown)}; "
            f"known: {sorted(GENERATION_ARGS)}"
        )
    return {k: v for k, v in args.items() if v is not None}


class TextClient(ChatCompletionClient):
    """Base for text-only clients: usage bookkeeping and the model info."""

    def __init__(self, name: str, json_output: bool = True) -> None:
        self.name = name
        self._usage = RequestUsage(prompt_tokens=0, completion_tokens=0)
        self._model_info = ModelInfo(
            vision=False,
            function_calling=False,
            json_output=json_output,
            family="unknown",
            structured_output=json_output,
        )

    def _add_usage(self, usage: RequestUsage) -> None:
        self._usage = RequestUsage(
            prompt_tokens=self._usage.prompt_tokens + usage.prompt_tokens,
            completion_tokens=self._usage.completion_tokens + usage.completion_tokens,
        )

    def create_stream(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(
            f"{type(self).__name__} does not stream; use create()"
        )

    async def close(self) -> None:
        return None

    def actual_usage(self) -> RequestUsage:
        return self._usage

    def total_usage(self) -> RequestUsage:
        return self._usage

    def count_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        # A rough count (words * 4/3); only the embedded client counts exactly.
        words = sum(len(m["content"].split()) for m in to_chat_messages(messages))
        return words * 4 // 3

    def remaining_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        return max(0, 4096 - self.count_tokens(messages))

    @property
    def capabilities(self) -> ModelCapabilities:
        return ModelCapabilities(vision=False, function_calling=False, json_output=True)

    @property
    def model_info(self) -> ModelInfo:
        return self._model_info


class WrappingClient(ChatCompletionClient):
    """Base for clients that wrap another: everything but `create` delegates."""

    def __init__(self, inner: ChatCompletionClient) -> None:
        self._inner = inner

    def create_stream(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("Friction's clients do not stream; use create()")

    async def close(self) -> None:
        await self._inner.close()

    def actual_usage(self) -> RequestUsage:
        return self._inner.actual_usage()

    def total_usage(self) -> RequestUsage:
        return self._inner.total_usage()

    def count_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        return self._inner.count_tokens(messages, tools=tools)

    def remaining_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        return self._inner.remaining_tokens(messages, tools=tools)

    @property
    def capabilities(self) -> ModelCapabilities:
        return self._inner.capabilities

    @property
    def model_info(self) -> ModelInfo:
        return self._inner.model_info
