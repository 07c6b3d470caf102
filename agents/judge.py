"""Judges: a model asked for a rating, and the one place its reply is parsed.

A reply that is not JSON, lacks the field, or falls outside the scale is a
`Verdict` with `valid=False`, its raw text and the reason, never clamped or
guessed: the analysis counts invalid verdicts instead of hiding them.
"""

from __future__ import annotations

import json
import logging
import math
from dataclasses import asdict, dataclass
from typing import Any

from autogen_core.models import ChatCompletionClient, SystemMessage, UserMessage
from pydantic import BaseModel, Field

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    """One parsed rating. `value` is None unless `valid`."""

    value: float | None
    valid: bool
    raw: str
    error: str = ""
    reason: str = ""

    def as_record(self) -> dict[str, Any]:
        return asdict(self)


class WarmthRating(BaseModel):
    """The judge's answer for `first_meeting`: warmth 0 to 100."""

    warmth: int = Field(ge=0, le=100)
    reason: str


def parse_rating(raw: str, field: str, low: float, high: float) -> Verdict:
    """Parse a JSON reply and check `field` is a number in [low, high].

    Args:
        raw: the model's reply text.
        field: the key holding the rating.
        low, high: the scale's bounds, inclusive.
    """
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        return Verdict(None, False, raw, f"not JSON: {err.msg}")
    if not isinstance(data, dict) or field not in data:
        return Verdict(None, False, raw, f"no field {field!r}")
    value = data[field]
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return Verdict(None, False, raw, f"{field} is {value!r}, not a number")
    if math.isnan(value) or not low <= value <= high:
        return Verdict(None, False, raw, f"{field}={value} outside [{low}, {high}]")
    return Verdict(float(value), True, raw, "", str(data.get("reason", "")))


async def ask_rating(
    client: ChatCompletionClient,
    system: str,
    user: str,
    schema: type[BaseModel],
    field: str,
    low: float,
    high: float,
) -> Verdict:
    """Ask `client` for a structured rating and parse it.

    The schema is sent as the response format (a grammar on llama.cpp), which
    constrains the shape but not the range, so the range is checked here.
    """
    # Endpoints without structured output (llama.cpp's server) get JSON mode.
    structured = client.model_info.get("structured_output", False)
    result = await client.create(
        [SystemMessage(content=system), UserMessage(content=user, source="user")],
        json_output=schema if structured else True,
    )
    raw = result.content if isinstance(result.content, str) else str(result.content)
    verdict = parse_rating(raw, field, low, high)
    if not verdict.valid:
        logger.warning("invalid judge reply (%s): %.200s", verdict.error, raw)
    return verdict
