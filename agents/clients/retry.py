"""Retries of transient endpoint failures, and adaptive concurrency.

Transient: timeouts, connection errors (a connection closed mid-body is one),
HTTP 429 and 5xx, and a body that does not parse. They are retried with
exponential backoff and full jitter, honouring the server's Retry-After, up to
a bounded number of attempts. Other client errors (4xx) are not retried. A
content-filter refusal is not an error: it comes back as a result whose
`finish_reason` is "content_filter", so the turn records it as its outcome.

A 429 also halves the calls allowed in flight (`agents/clients/limit.py`).
"""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import json
import logging
import random
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Literal

import openai
from autogen_core import CancellationToken
from autogen_core.models import (
    ChatCompletionClient,
    CreateResult,
    LLMMessage,
    RequestUsage,
)
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel, ValidationError

from agents.clients.base import WrappingClient
from agents.clients.limit import AdaptiveLimit

logger = logging.getLogger(__name__)

TRANSIENT = (
    openai.APITimeoutError,
    openai.APIConnectionError,
    openai.RateLimitError,
    openai.InternalServerError,
    openai.APIResponseValidationError,
    json.JSONDecodeError,
    ValidationError,
)


@dataclass(frozen=True)
class RetryPolicy:
    """How often and how long to retry. Delays in seconds."""

    max_attempts: int = 6
    base_delay: float = 0.5
    max_delay: float = 30.0

    def delay(
        self, attempt: int, rng: random.Random, retry_after: float | None
    ) -> float:
        """Seconds to wait before attempt `attempt + 1` (attempts count from 1)."""
        if retry_after is not None:
            return min(retry_after, self.max_delay)
        return rng.uniform(0, min(self.max_delay, self.base_delay * 2 ** (attempt - 1)))


def retry_after_seconds(error: BaseException) -> float | None:
    """The server's Retry-After (or retry-after-ms) in seconds, if it sent one.

    Retry-After may be a number of seconds or an HTTP date (RFC 9110); a date
    in the past means no wait (0). A value that is neither is ignored (None).
    """
    response = getattr(error, "response", None)
    headers = getattr(response, "headers", None) or {}
    if "retry-after-ms" in headers:
        try:
            return max(0.0, float(headers["retry-after-ms"]) / 1000)
        except ValueError:
            pass
    if "retry-after" in headers:
        return _seconds_until(headers["retry-after"])
    return None


def _seconds_until(value: str) -> float | None:
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        logger.info("ignoring a Retry-After that is neither seconds nor a date")
        return None
    if when.tzinfo is None:  # "-0000": UTC, by RFC 5322
        when = when.replace(tzinfo=datetime.UTC)
    return max(0.0, (when - datetime.datetime.now(datetime.UTC)).total_seconds())


def is_content_filter(error: BaseException) -> bool:
    """Whether a 400 is the provider's content filter refusing the request."""
    if not isinstance(error, openai.BadRequestError):
        return False
    code = getattr(error, "code", None) or ""
    return "content_filter" in str(code) or "content management policy" in str(error)


class RetryingClient(WrappingClient):
    """Retries transient failures of `inner`; bounds and adapts concurrency."""

    def __init__(
        self,
        inner: ChatCompletionClient,
        policy: RetryPolicy,
        limit: AdaptiveLimit,
        seed: int = 0,
    ) -> None:
        super().__init__(inner)
        self.policy = policy
        self.limit = limit
        self.retries = 0
        self._rng = random.Random(seed)

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
        for attempt in range(1, self.policy.max_attempts + 1):
            try:
                async with self.limit:
                    result = await self._inner.create(
                        messages,
                        json_output=json_output,
                        extra_create_args=extra_create_args,
                        cancellation_token=cancellation_token,
                    )
            except TRANSIENT as error:
                if isinstance(error, openai.RateLimitError):
                    self.limit.on_rate_limit()
                if attempt == self.policy.max_attempts:
                    raise
                await self._wait(attempt, error)
                continue
            except openai.BadRequestError as error:
                if is_content_filter(error):
                    return _refusal()
                raise
            self.limit.on_success()
            return result
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _wait(self, attempt: int, error: BaseException) -> None:
        delay = self.policy.delay(attempt, self._rng, retry_after_seconds(error))
        self.retries += 1
        logger.info(
            "attempt %d failed (%s); retrying in %.2f s",
            attempt,
            type(error).__name__,
            delay,
        )
        await asyncio.sleep(delay)


def _refusal() -> CreateResult:
    return CreateResult(
        finish_reason="content_filter",
        content="",
        usage=RequestUsage(prompt_tokens=0, completion_tokens=0),
        cached=False,
    )
