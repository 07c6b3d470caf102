"""A response cache keyed by model, messages, settings and sample index.

A rerun of the same config costs no model calls, yet repeated identical
requests at temperature > 0 stay distinct samples: the n-th identical request
of a run gets sample index n, and each index is its own cache entry and its own
seed. (AutoGen's own cache has no sample index, so it returns the first sample
every time.)
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any, Literal

from autogen_core import CancellationToken
from autogen_core.models import (
    ChatCompletionClient,
    CreateResult,
    LLMMessage,
)
from autogen_core.tools import Tool, ToolSchema
from pydantic import BaseModel

from agents.clients.base import WrappingClient, to_chat_messages
from agents.clients.usage import UsageMeter

logger = logging.getLogger(__name__)


class ResponseStore:
    """A SQLite table of responses; safe to share between processes."""

    def __init__(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self.path = path
        self._db = sqlite3.connect(str(path), timeout=60.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS responses "
            "(key TEXT PRIMARY KEY, result TEXT NOT NULL, created REAL NOT NULL)"
        )

    def get(self, key: str) -> CreateResult | None:
        """The stored result for `key`, or None."""
        row = self._db.execute(
            "SELECT result FROM responses WHERE key = ?", (key,)
        ).fetchone()
        return CreateResult.model_validate_json(row[0]) if row else None

    def put(self, key: str, result: CreateResult) -> None:
        """Store `result` under `key` (first write wins)."""
        self._db.execute(
            "INSERT OR IGNORE INTO responses VALUES (?, ?, ?)",
            (key, result.model_dump_json(), time.time()),
        )

    def close(self) -> None:
        self._db.close()


def request_key(
    identity: Mapping[str, Any],
    messages: Sequence[LLMMessage],
    json_output: bool | type[BaseModel] | None,
    args: Mapping[str, Any],
) -> str:
    """A sha256 over everything that determines a response's distribution."""
    if isinstance(json_output, type):
        schema: Any = json_output.model_json_schema()
    else:
        schema = json_output
    payload = {
        "model": dict(identity),
        "messages": [m.model_dump(mode="json") for m in messages],
        "json_output": schema,
        "args": {k: v for k, v in sorted(args.items()) if k != "seed"},
    }
    blob = json.dumps(payload, sort_keys=True, default=str).encode()
    return hashlib.sha256(blob).hexdigest()


class CachingClient(WrappingClient):
    """Wraps a backend client: sample indices, seeds, cache and usage meter.

    Every call gets a seed derived from its request key and sample index, so a
    run is reproducible even with the cache off. With `store=None` nothing is
    cached but calls are still counted.
    """

    def __init__(
        self,
        inner: ChatCompletionClient,
        identity: Mapping[str, Any],
        meter: UsageMeter,
        store: ResponseStore | None = None,
        request_log: Callable[[dict[str, Any]], None] | None = None,
    ) -> None:
        super().__init__(inner)
        self._request_log = request_log
        self.identity = dict(identity)
        self._meter = meter
        self._store = store
        self._seen: Counter[str] = Counter()

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
        if tools:
            raise NotImplementedError("Friction's clients do not call tools")
        base = request_key(self.identity, messages, json_output, extra_create_args)
        sample_index = self._seen[base]
        self._seen[base] += 1
        key = f"{base}:{sample_index}"

        args = dict(extra_create_args)
        args.setdefault("seed", (int(base[:8], 16) + sample_index) % 2**31)
        cached = self._store.get(key) if self._store else None
        self._log_request(key, messages, json_output, args, cached is not None)
        if cached is not None:
            self._meter.cache_hits += 1
            return cached.model_copy(update={"cached": True})

        # Reserved before the call starts, so calls in flight count against
        # the budgets and concurrency cannot overshoot them.
        estimate = self._inner.count_tokens(messages) + int(args.get("max_tokens") or 0)
        self._meter.reserve(estimate)
        started = time.perf_counter()
        try:
            result = await self._inner.create(
                messages,
                json_output=json_output,
                extra_create_args=args,
                cancellation_token=cancellation_token,
            )
        except Exception:
            self._meter.failed_calls += 1  # raised after the backend's retries
            raise
        finally:
            self._meter.release(estimate)
        self._meter.record_call(
            result.usage.prompt_tokens,
            result.usage.completion_tokens,
            time.perf_counter() - started,
        )
        if self._store:
            self._store.put(key, result)
        return result

    def _log_request(
        self,
        key: str,
        messages: Sequence[LLMMessage],
        json_output: bool | type[BaseModel] | None,
        args: Mapping[str, Any],
        cached: bool,
    ) -> None:
        if self._request_log is None:
            return
        schema = json_output.__name__ if isinstance(json_output, type) else json_output
        self._request_log(
            {
                "key": key,
                "model": self.identity,
                "messages": to_chat_messages(messages),
                "json_output": schema,
                "args": dict(args),
                "cached": cached,
            }
        )
