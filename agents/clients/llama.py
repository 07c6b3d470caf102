"""The embedded backend: a GGUF model run in-process by llama.cpp.

One model per process, shared by every agent; llama.cpp is not re-entrant, so
calls are serialized by a lock and run in a worker thread to keep the event
loop free. llama.cpp reuses the KV state of the longest prompt prefix it has
already seen; a RAM cache of states lets two alternating speakers both reuse
their own history.
"""

from __future__ import annotations

import asyncio
import logging
import os
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from autogen_core import CancellationToken
from autogen_core.models import CreateResult, LLMMessage, RequestUsage
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel

from agents.clients.base import TextClient, check_generation_args, to_chat_messages

logger = logging.getLogger(__name__)

STRICT_CHATML = "chatml-strict"


CHAT_FORMATS = ("gguf", STRICT_CHATML)


def _register_strict_chatml() -> None:
    """ChatML exactly as given: no system block when there is no system message.

    Qwen's own template (the GGUF's) inserts "You are Qwen, created by Alibaba
    Cloud. You are a helpful assistant." when a conversation has no system
    message, and llama.cpp's "chatml" format inserts an empty one; either would
    make a no-system-prompt condition something else.
    """
    from llama_cpp import llama_chat_format as formats

    if STRICT_CHATML in formats.LlamaChatCompletionHandlerRegistry()._chat_handlers:
        return

    @formats.register_chat_format(STRICT_CHATML)
    def strict_chatml(messages: list[dict[str, Any]], **_: Any) -> Any:
        turns = "".join(
            f"<|im_start|>{m['role']}\n{m['content']}<|im_end|>\n" for m in messages
        )
        return formats.ChatFormatterResponse(
            prompt=turns + "<|im_start|>assistant\n", stop="<|im_end|>"
        )


def _load_llama(
    path: Path, n_ctx: int, n_threads: int, n_batch: int, chat_format: str
) -> Any:
    try:
        from llama_cpp import Llama
    except ImportError as err:
        raise ImportError(
            "the embedded model needs llama-cpp-python: pip install -e ."
        ) from err
    if chat_format == STRICT_CHATML:
        _register_strict_chatml()

    class CountingLlama(Llama):
        """Counts the prompt tokens llama.cpp actually evaluates per call."""

        evaluated: list[int]

        def eval(self, tokens: Sequence[int]) -> None:
            self.evaluated.append(len(tokens))
            super().eval(tokens)

    llm = CountingLlama(
        model_path=str(path),
        n_ctx=n_ctx,
        n_threads=n_threads or os.cpu_count() or 1,
        n_batch=n_batch,
        chat_format=None if chat_format == "gguf" else chat_format,
        verbose=False,
    )
    llm.evaluated = []
    return llm


class LlamaClient(TextClient):
    """An autogen ChatCompletionClient around `llama_cpp.Llama`."""

    def __init__(
        self,
        path: Path,
        name: str,
        n_ctx: int = 4096,
        n_threads: int = 0,
        n_batch: int = 512,
        kv_cache_mb: int = 1024,
        chat_format: str = "gguf",
    ) -> None:
        super().__init__(name)
        if chat_format not in CHAT_FORMATS:
            raise ValueError(f"chat_format={chat_format!r}; known: {CHAT_FORMATS}")
        self.llm = _load_llama(path, n_ctx, n_threads, n_batch, chat_format)
        if kv_cache_mb > 0:
            from llama_cpp import LlamaRAMCache

            self.llm.set_cache(LlamaRAMCache(capacity_bytes=kv_cache_mb << 20))
        self._lock: asyncio.Lock | None = None
        self.reused_tokens = 0

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
        if isinstance(json_output, type):
            schema = json_output.model_json_schema()
            args["response_format"] = {"type": "json_object", "schema": schema}
        elif json_output:
            args["response_format"] = {"type": "json_object"}
        chat = to_chat_messages(messages)

        if self._lock is None:
            self._lock = asyncio.Lock()
        async with self._lock:
            response = await asyncio.to_thread(self._complete, chat, args)

        choice = response["choices"][0]
        usage = RequestUsage(
            prompt_tokens=response["usage"]["prompt_tokens"],
            completion_tokens=response["usage"]["completion_tokens"],
        )
        self._add_usage(usage)
        finish: Literal["stop", "length"] = (
            "length" if choice.get("finish_reason") == "length" else "stop"
        )
        return CreateResult(
            finish_reason=finish,
            content=(choice["message"]["content"] or "").strip(),
            usage=usage,
            cached=False,
        )

    def _complete(self, chat: list[dict[str, str]], args: dict[str, Any]) -> Any:
        self.llm.evaluated.clear()
        response = self.llm.create_chat_completion(messages=chat, **args)
        evaluated = self.llm.evaluated[0] if self.llm.evaluated else 0
        self.reused_tokens += max(0, response["usage"]["prompt_tokens"] - evaluated)
        return response

    def count_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        text = "\n".join(m["content"] for m in to_chat_messages(messages))
        return len(self.llm.tokenize(text.encode(), add_bos=False))

    def remaining_tokens(
        self, messages: Sequence[LLMMessage], *, tools: Sequence[Tool | ToolSchema] = ()
    ) -> int:
        return max(0, self.llm.n_ctx() - self.count_tokens(messages))
