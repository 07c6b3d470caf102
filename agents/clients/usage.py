"""Counters of model calls, tokens and cache hits for one run, and its budgets."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field


class BudgetExhausted(RuntimeError):
    """A run's call or token budget is spent; the run stops cleanly."""


@dataclass
class UsageMeter:
    """Running totals, shared by every client of a run.

    `calls` counts requests a backend answered; `failed_calls` those that
    raised after the client's retries; `retries` the failed attempts that were
    retried (set from the clients when usage is reported); `cache_hits` the
    requests answered from the response cache instead. Tokens count backend
    calls only. `prefix_reused_tokens` counts prompt tokens the embedded model
    did not recompute because its KV state already held them.

    Budgets are checked when a call is reserved, before it starts, counting the
    calls in flight: `max_calls` bounds calls made (answered, failed or in
    flight); `max_tokens` lets a call start only while the tokens spent plus
    the estimates reserved by calls in flight are below it.
    """

    calls: int = 0
    cache_hits: int = 0
    prompt_tokens: int = 0
    completion_tokens: int = 0
    prefix_reused_tokens: int = 0
    failed_calls: int = 0
    retries: int = 0
    model_seconds: float = 0.0
    max_calls: int | None = field(default=None, repr=False)
    max_tokens: int | None = field(default=None, repr=False)
    in_flight: int = field(default=0, repr=False)
    reserved_tokens: int = field(default=0, repr=False)

    def reserve(self, tokens: int = 0) -> None:
        """Reserve one call, and an estimate of its tokens, under the budgets.

        Every `reserve` must be followed by one `release`, whatever the call's
        outcome.

        Raises:
            BudgetExhausted: `max_calls` or `max_tokens` is spent, counting the
                calls in flight.
        """
        made = self.calls + self.failed_calls + self.in_flight
        if self.max_calls is not None and made >= self.max_calls:
            raise BudgetExhausted(f"run.max_calls={self.max_calls} reached")
        spent = self.prompt_tokens + self.completion_tokens + self.reserved_tokens
        if self.max_tokens is not None and spent >= self.max_tokens:
            raise BudgetExhausted(f"run.max_tokens={self.max_tokens} reached")
        self.in_flight += 1
        self.reserved_tokens += tokens

    def release(self, tokens: int = 0) -> None:
        """End the reservation made by `reserve(tokens)`."""
        self.in_flight -= 1
        self.reserved_tokens -= tokens

    def record_call(
        self,
        prompt_tokens: int,
        completion_tokens: int,
        seconds: float,
        reused_tokens: int = 0,
    ) -> None:
        """Add one answered backend call's usage."""
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
            if k not in ("max_calls", "max_tokens", "in_flight", "reserved_tokens")
        }
        totals["prefix_reuse"] = (
            self.prefix_reused_tokens / self.prompt_tokens
            if self.prompt_tokens
            else 0.0
        )
        return totals
