"""Retry policy and adaptive concurrency, without a network."""

from __future__ import annotations

import asyncio
import datetime
import email.utils
import random

import httpx2 as httpx  # openai 3.x ships its HTTP client as httpx2
import openai
import pytest
from autogen_core.models import UserMessage

from agents.clients.limit import AdaptiveLimit
from agents.clients.retry import RetryingClient, RetryPolicy, retry_after_seconds
from agents.clients.scripted import ScriptedClient

REQUEST = httpx.Request("POST", "http://127.0.0.1/v1/chat/completions")


def status_error(
    cls: type[openai.APIStatusError], status: int, **headers: str
) -> Exception:
    response = httpx.Response(status, headers=headers, request=REQUEST)
    return cls("boom", response=response, body=None)


class Flaky(ScriptedClient):
    """Raises the queued errors first, then answers."""

    def __init__(self, errors: list[Exception]) -> None:
        super().__init__(replies=["fine"])
        self.errors = errors
        self.attempts = 0

    async def create(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.attempts += 1
        if self.errors:
            raise self.errors.pop(0)
        return await super().create(*args, **kwargs)


def ask(client: RetryingClient) -> str:
    message = [UserMessage(content="hi", source="user")]
    return str(asyncio.run(client.create(message)).content)


def fast_policy(attempts: int = 4) -> RetryPolicy:
    return RetryPolicy(max_attempts=attempts, base_delay=0.001, max_delay=0.01)


def test_transient_errors_are_retried() -> None:
    errors = [
        status_error(openai.RateLimitError, 429, **{"retry-after-ms": "1"}),
        status_error(openai.InternalServerError, 503),
        openai.APITimeoutError(request=REQUEST),
    ]
    backend = Flaky(errors)
    client = RetryingClient(backend, fast_policy(), AdaptiveLimit(4))
    assert ask(client) == "fine"
    assert backend.attempts == 4 and client.retries == 3


def test_attempts_are_bounded() -> None:
    backend = Flaky([status_error(openai.InternalServerError, 500) for _ in range(9)])
    client = RetryingClient(backend, fast_policy(3), AdaptiveLimit(4))
    with pytest.raises(openai.InternalServerError):
        ask(client)
    assert backend.attempts == 3


def test_client_errors_are_not_retried() -> None:
    backend = Flaky([status_error(openai.BadRequestError, 400)])
    client = RetryingClient(backend, fast_policy(), AdaptiveLimit(4))
    with pytest.raises(openai.BadRequestError):
        ask(client)
    assert backend.attempts == 1


def test_retry_after_is_honoured() -> None:
    policy = RetryPolicy(base_delay=5.0, max_delay=60.0)
    rng = random.Random(0)
    assert policy.delay(1, rng, retry_after=2.0) == 2.0
    assert 0 <= policy.delay(3, rng, retry_after=None) <= 20.0
    error = status_error(openai.RateLimitError, 429, **{"retry-after": "7"})
    assert retry_after_seconds(error) == 7.0
    error = status_error(openai.RateLimitError, 429, **{"retry-after-ms": "250"})
    assert retry_after_seconds(error) == 0.25


def http_date(seconds_from_now: float) -> str:
    now = datetime.datetime.now(datetime.UTC)
    when = now + datetime.timedelta(seconds=seconds_from_now)
    return email.utils.format_datetime(when, usegmt=True)


@pytest.mark.parametrize(
    ("value", "low", "high"),
    [
        ("7", 7.0, 7.0),  # delay-seconds
        ("0.5", 0.5, 0.5),
        (30, 28.0, 30.0),  # an HTTP date 30 s ahead, to the second
        (-30, 0.0, 0.0),  # a date past: no wait
    ],
)
def test_retry_after_as_seconds_or_an_http_date(
    value: str | int, low: float, high: float
) -> None:
    header = value if isinstance(value, str) else http_date(value)
    error = status_error(openai.RateLimitError, 429, **{"retry-after": header})
    seconds = retry_after_seconds(error)
    assert seconds is not None and low <= seconds <= high


def test_an_unreadable_retry_after_is_ignored() -> None:
    error = status_error(openai.RateLimitError, 429, **{"retry-after": "soon"})
    assert retry_after_seconds(error) is None
    assert retry_after_seconds(status_error(openai.RateLimitError, 429)) is None


def test_a_429_halves_calls_in_flight_and_successes_restore_them() -> None:
    limit = AdaptiveLimit(16)
    limit.on_rate_limit()
    limit.on_rate_limit()
    assert int(limit.limit) == 4
    for _ in range(200):
        limit.on_success()
    assert int(limit.limit) == 16


def test_the_limit_bounds_calls_in_flight() -> None:
    limit = AdaptiveLimit(3)
    peak = 0

    async def call() -> None:
        nonlocal peak
        async with limit:
            peak = max(peak, limit.in_flight)
            await asyncio.sleep(0.01)

    async def many() -> None:
        await asyncio.gather(*(call() for _ in range(20)))

    asyncio.run(many())
    assert peak == 3
