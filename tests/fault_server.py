"""A small OpenAI-compatible HTTP server that injects faults, for tests.

It answers POST /v1/chat/completions and GET /v1/models on 127.0.0.1. A reply
depends only on the request's messages and seed, so a run that retries through
faults gets the same text as a fault-free run. At `fault_rate`, a request gets
one of the `faults` instead, each kind in turn, so that a run with at least
`len(faults)` faults sees every kind; `injected` reports what was injected:

- "429": Too Many Requests, with Retry-After and retry-after-ms;
- "500": a server error;
- "hang": no answer for `hang_s` seconds (past the client's timeout);
- "malformed": 200 with a body that is not JSON;
- "cut": the connection closed mid-body;
- "400": a client error (not retried);
- "filter": a 400 content-filter refusal.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import random
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

FAULTS = ("429", "500", "hang", "malformed", "cut")


@dataclass
class FaultServer:
    """Run with `start()` (returns the base URL) and `stop()`; or as a context."""

    fault_rate: float = 0.0
    faults: tuple[str, ...] = FAULTS
    latency_s: float = 0.0
    hang_s: float = 2.0
    seed: int = 0
    stats: Counter[str] = field(default_factory=Counter)
    max_in_flight: int = 0

    @property
    def injected(self) -> Counter[str]:
        """How many times each fault was injected (answers that were not "ok")."""
        return Counter({k: v for k, v in self.stats.items() if k != "ok"})

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self._in_flight = 0
        self._ready = threading.Event()
        self.port = 0

    def __enter__(self) -> str:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def start(self) -> str:
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()
        self._ready.wait(10)
        return f"http://127.0.0.1:{self.port}/v1"

    def stop(self) -> None:
        self._loop.call_soon_threadsafe(self._stopping.set)
        self._thread.join(10)

    def _serve(self) -> None:
        self._loop = asyncio.new_event_loop()
        self._loop.run_until_complete(self._main())

    async def _main(self) -> None:
        self._stopping = asyncio.Event()
        server = await asyncio.start_server(
            self._connection, "127.0.0.1", 0, backlog=1024
        )
        self.port = server.sockets[0].getsockname()[1]
        self._ready.set()
        async with server:
            await self._stopping.wait()

    async def _connection(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> None:
        try:
            while await self._request(reader, writer):
                pass
        except (ConnectionError, asyncio.IncompleteReadError):
            pass
        finally:
            writer.close()

    async def _request(
        self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter
    ) -> bool:
        line = await reader.readline()
        if not line:
            return False
        method, path, _ = line.decode().split(" ", 2)
        headers = {}
        while (header := await reader.readline()) not in (b"\r\n", b""):
            name, _, value = header.decode().partition(":")
            headers[name.strip().lower()] = value.strip()
        body = await reader.readexactly(int(headers.get("content-length", 0)))

        if method == "GET" and path.endswith("/models"):
            self._send(
                writer,
                200,
                {"object": "list", "data": [{"id": "fault", "object": "model"}]},
            )
            return True
        self._enter()
        try:
            return await self._completion(json.loads(body), writer)
        finally:
            self._leave()

    async def _completion(
        self, request: dict[str, Any], writer: asyncio.StreamWriter
    ) -> bool:
        if self.latency_s:
            await asyncio.sleep(self.latency_s)
        fault = self._draw_fault()
        if fault == "429":
            self._send(
                writer,
                429,
                _error("rate limited", "rate_limit"),
                {"Retry-After": "1", "retry-after-ms": "20"},
            )
        elif fault == "500":
            self._send(writer, 500, _error("internal error", "server_error"))
        elif fault == "400":
            self._send(writer, 400, _error("bad request", "invalid_request"))
        elif fault == "filter":
            self._send(writer, 400, _error("filtered", "content_filter"))
        elif fault == "hang":
            await asyncio.sleep(self.hang_s)
            return False
        elif fault == "malformed":
            self._send_raw(writer, 200, b'{"id": "x", "choices": [')
        elif fault == "cut":
            body = json.dumps(_completion(request)).encode()
            head = _head(200, len(body))
            writer.write(head + body[: len(body) // 2])
            await writer.drain()
            return False
        else:
            self._send(writer, 200, _completion(request))
        await writer.drain()
        return True

    def _draw_fault(self) -> str | None:
        """The fault for this request (None: answer it), counted in `stats`."""
        with self._lock:
            fault = None
            if self._rng.random() < self.fault_rate:
                fault = self.faults[sum(self.injected.values()) % len(self.faults)]
            self.stats[fault or "ok"] += 1
            return fault

    def _enter(self) -> None:
        with self._lock:
            self._in_flight += 1
            self.max_in_flight = max(self.max_in_flight, self._in_flight)

    def _leave(self) -> None:
        with self._lock:
            self._in_flight -= 1

    def _send(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        data: Any,
        extra: dict[str, str] | None = None,
    ) -> None:
        self._send_raw(writer, status, json.dumps(data).encode(), extra)

    def _send_raw(
        self,
        writer: asyncio.StreamWriter,
        status: int,
        body: bytes,
        extra: dict[str, str] | None = None,
    ) -> None:
        writer.write(_head(status, len(body), extra) + body)


def _head(status: int, length: int, extra: dict[str, str] | None = None) -> bytes:
    lines = [
        f"HTTP/1.1 {status} X",
        "Content-Type: application/json",
        f"Content-Length: {length}",
    ]
    lines += [f"{k}: {v}" for k, v in (extra or {}).items()]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


def _error(message: str, code: str) -> dict[str, Any]:
    return {"error": {"message": message, "type": code, "code": code}}


def reply_text(request: dict[str, Any]) -> str:
    """The deterministic reply to a request: a function of messages and seed."""
    key = json.dumps([request.get("messages"), request.get("seed")], sort_keys=True)
    digest = hashlib.sha256(key.encode()).hexdigest()
    if request.get("response_format", {}).get("type") in ("json_object", "json_schema"):
        return json.dumps({"warmth": int(digest[:4], 16) % 101, "reason": "synthetic"})
    return f"Synthetic reply {digest[:10]}: nice to meet you."


def _completion(request: dict[str, Any]) -> dict[str, Any]:
    text = reply_text(request)
    prompt = sum(
        len(str(m.get("content", "")).split()) for m in request.get("messages", [])
    )
    return {
        "id": "chatcmpl-fault",
        "object": "chat.completion",
        "created": int(time.time()),
        "model": request.get("model", "fault"),
        "choices": [
            {
                "index": 0,
                "message": {"role": "assistant", "content": text},
                "finish_reason": "stop",
            }
        ],
        "usage": {
            "prompt_tokens": prompt,
            "completion_tokens": len(text.split()),
            "total_tokens": prompt + len(text.split()),
        },
    }


def serve_forever(port_queue: Any, **settings: Any) -> None:
    """Run a server until the process is killed; put its base URL on a queue.

    For benchmarks that want the server in its own process (its own core).
    """
    server = FaultServer(**settings)
    port_queue.put(server.start())
    threading.Event().wait()
