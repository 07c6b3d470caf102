"""The response cache: reruns cost no calls; repeated samples stay distinct."""

from __future__ import annotations

import asyncio
import json
import random
from pathlib import Path

from autogen_core.models import UserMessage

from agents.clients.cache import CachingClient, ResponseStore
from agents.clients.scripted import ScriptedClient
from agents.clients.usage import BudgetExhausted, UsageMeter
from simulator.run_folder import read_jsonl
from tests.conftest import DRY


def seeded_reply(chat: list[dict[str, str]], schema: object, rng: random.Random) -> str:
    return f"sample {rng.randrange(10**9)}"


def make_client(path: Path, meter: UsageMeter) -> CachingClient:
    backend = ScriptedClient(respond=seeded_reply)
    return CachingClient(backend, {"name": "t"}, meter, ResponseStore(path))


def ask_three_times(client: CachingClient) -> list[str]:
    message = [UserMessage(content="same question", source="user")]
    args = {"temperature": 0.7}

    async def go() -> list[str]:
        results = [
            await client.create(message, extra_create_args=args) for _ in range(3)
        ]
        return [str(r.content) for r in results]

    return asyncio.run(go())


def test_repeated_samples_are_distinct_and_replayed(tmp_path: Path) -> None:
    first_meter, second_meter = UsageMeter(), UsageMeter()
    first = ask_three_times(make_client(tmp_path / "c.sqlite", first_meter))
    again = ask_three_times(make_client(tmp_path / "c.sqlite", second_meter))

    assert len(set(first)) == 3  # three samples, not one sample three times
    assert again == first
    assert (first_meter.calls, first_meter.cache_hits) == (3, 0)
    assert (second_meter.calls, second_meter.cache_hits) == (0, 3)


def test_settings_are_part_of_the_key(tmp_path: Path) -> None:
    meter = UsageMeter()
    client = make_client(tmp_path / "c.sqlite", meter)
    message = [UserMessage(content="q", source="user")]

    async def go() -> None:
        await client.create(message, extra_create_args={"temperature": 0.7})
        await client.create(message, extra_create_args={"temperature": 0.0})

    asyncio.run(go())
    assert meter.calls == 2 and meter.cache_hits == 0


def test_rerun_of_a_config_costs_no_model_calls(run_experiment) -> None:
    first = run_experiment("+experiment=first_meeting", *DRY)
    second = run_experiment("+experiment=first_meeting", *DRY)

    usage = [
        json.loads((r.run_dir / "manifest.json").read_text())["usage"]
        for r in (first, second)
    ]
    assert usage[0]["calls"] > 0 and usage[0]["cache_hits"] == 0
    assert usage[1]["calls"] == 0 and usage[1]["cache_hits"] == usage[0]["calls"]
    texts = [
        [
            t["text"]
            for e in read_jsonl(r.run_dir / "episodes.jsonl")
            for t in e["turns"]
        ]
        for r in (first, second)
    ]
    assert sorted(texts[0]) == sorted(texts[1])


def test_cache_off_calls_the_model_every_time(run_experiment) -> None:
    run_experiment("+experiment=first_meeting", *DRY, "run.cache=false")
    second = run_experiment("+experiment=first_meeting", *DRY, "run.cache=false")
    usage = json.loads((second.run_dir / "manifest.json").read_text())["usage"]
    assert usage["cache_hits"] == 0 and usage["calls"] == 28


class SlowBackend(ScriptedClient):
    """Answers after a pause, so calls overlap; counts calls in flight."""

    def __init__(self, fail: bool = False) -> None:
        super().__init__(respond=seeded_reply)
        self.fail = fail
        self.started = 0
        self.in_flight = 0
        self.peak = 0

    async def create(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.started += 1
        self.in_flight += 1
        self.peak = max(self.peak, self.in_flight)
        try:
            await asyncio.sleep(0.02)
            if self.fail:
                raise ConnectionError("endpoint gone")
            return await super().create(*args, **kwargs)
        finally:
            self.in_flight -= 1


def ask_concurrently(
    client: CachingClient, calls: int, max_tokens: int = 10
) -> list[BaseException | None]:
    """`calls` distinct requests at once; the error each raised, or None."""

    async def one(index: int) -> BaseException | None:
        message = [UserMessage(content=f"question {index}", source="user")]
        try:
            await client.create(message, extra_create_args={"max_tokens": max_tokens})
        except Exception as error:
            return error
        return None

    async def go() -> list[BaseException | None]:
        return list(await asyncio.gather(*(one(i) for i in range(calls))))

    return asyncio.run(go())


def test_a_call_budget_counts_calls_in_flight() -> None:
    # Eight calls start together under max_calls=3: three reach the backend.
    meter = UsageMeter(max_calls=3)
    backend = SlowBackend()
    outcomes = ask_concurrently(CachingClient(backend, {"name": "t"}, meter), 8)
    assert backend.started == 3 and meter.calls == 3
    refused = [o for o in outcomes if o is not None]
    assert len(refused) == 5
    assert all(isinstance(o, BudgetExhausted) for o in refused)
    assert meter.in_flight == 0 and meter.reserved_tokens == 0


def test_a_token_budget_counts_the_tokens_reserved_in_flight() -> None:
    # Each call reserves its prompt estimate plus max_tokens (2 + 10 here), so
    # at most three start under max_tokens=30, though none has spent any yet.
    meter = UsageMeter(max_tokens=30)
    backend = SlowBackend()
    ask_concurrently(CachingClient(backend, {"name": "t"}, meter), 8)
    assert backend.started == 3 and backend.peak == 3
    assert meter.in_flight == 0 and meter.reserved_tokens == 0


def test_calls_that_raise_are_counted_as_failed() -> None:
    meter = UsageMeter(max_calls=5)
    backend = SlowBackend(fail=True)
    outcomes = ask_concurrently(CachingClient(backend, {"name": "t"}, meter), 8)
    # Failed calls were made: they count against the budget too.
    assert backend.started == 5 and (meter.calls, meter.failed_calls) == (0, 5)
    assert sum(isinstance(o, ConnectionError) for o in outcomes) == 5
    assert meter.as_dict()["failed_calls"] == 5
    assert "in_flight" not in meter.as_dict()
