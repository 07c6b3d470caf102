"""Counters of model calls, tokens and cache hits for one run."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


class BudgetExhausted(RuntimeError):
    """A run's call or token budget is spent; the run stops cleanly."""


@dataclass
class UsageMeter:
    """Running totals, shared by every client of a run.

    `calls` counts requests that reached a backend; `cache_hits` counts those
    answered from the response cache instead. Tokens count backend calls only.
    `prefix_reused_tokens` counts prompt tokens the embedded model did not
    recompute because its KV state already held them.
    """

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prefix_reused_tokens: int = 0
    failed_calls: int = 0
    model_seconds: float = 0.0
    max_calls: int | None = field(default=None, repr=False)
    max_tokens: int | None = field(default=None, repr=False)

    def check_budget(self) -> None:
        """Raise `BudgetExhausted` when `max_calls` or `max_tokens` is spent."""
        if self.max_calls is not None and self.calls >= self.max_calls:
            raise BudgetExhausted(f"run.max_calls={self.max_calls} reached")
        tokens = self.prompt_tokens + self.completion_tokens
        if self.max_tokens is not None and tokens >= self.max_tokens:
            raise BudgetExhausted(f"run.max_tokens={self.max_tokens} reached")

    def record_call(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        seconds: float,
        reused_tokens: int = 0,
    ) -> None:
        """Add one backend call's usage."""
        self.calls += 1
        self.prompt_tokens += prompt_tokens
        self.completion_tokens += completion_tokens
        self.prefix_reused_tokens += reused_tokens
        self.model_seconds += seconds

    def as_dict(self) -> dict[str, float | int]:
        """The totals, JSON-ready, with the prefix reuse share."""
        totals: dict[str, float | int] = {
            k: v
            for k, v in asdict(self).items()
            if k not in ("max_calls", "max_tokens")
        }
        totals["prefix_reuse"] = (
            self.prefix_reused_tokens / self.prompt_tokens
            if self.prompt_tokens
            else 0.0
        )
        return totals
