"""A limit on model calls in flight that adapts to rate limiting.

A 429 halves the limit; each success then raises it by 1/limit, so it grows
back by about one per limit's worth of successes (additive increase,
multiplicative decrease), never above the configured `run.concurrency`.
"""

from __future__ import annotations

import asyncio
import logging

logger = logging.getLogger(__name__)


class AdaptiveLimit:
    """A limit on calls in flight that a 429 halves and successes restore."""

    def __init__(self, limit: int, adaptive: bool = True) -> None:
        self.ceiling = limit
        self.limit = float(limit)
        self.adaptive = adaptive
        self.in_flight = 0
        self._changed = asyncio.Condition()

    async def __aenter__(self) -> None:
        async with self._changed:
            await self._changed.wait_for(lambda: self.in_flight < int(self.limit))
            self.in_flight += 1

    async def __aexit__(self, *exc: object) -> None:
        async with self._changed:
            self.in_flight -= 1
            self._changed.notify_all()

    def on_success(self) -> None:
        if self.adaptive and self.limit < self.ceiling:
            self.limit = min(self.ceiling, self.limit + 1 / max(1.0, self.limit))

    def on_rate_limit(self) -> None:
        if self.adaptive:
            self.limit = max(1.0, self.limit / 2)
            logger.info("rate limited: %d calls in flight allowed", int(self.limit))
