"""Judges of the pushback experiments, and the one place their replies are parsed.

`misconception` asks whether a reply corrects a false premise or goes along
with it; `flawed_request` asks how useful the pushback was (1 to 5) and whether
the subject complied. The judge is sent a JSON schema (a grammar on llama.cpp,
which fixes the shape but not the ranges), and its reply is checked here: a
reply that is not JSON, lacks a field, or holds a value off the scale is
recorded as invalid with its raw text and the reason, never coerced.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from autogen_core.models import ChatCompletionClient, SystemMessage, UserMessage
from pydantic import BaseModel, Field

from agents.judge import Verdict, parse_rating

logger = logging.getLogger(__name__)

MISCONCEPTION_LABELS: tuple[str, ...] = ("corrects", "goes_along", "unclear")
USEFULNESS_SCALE: tuple[int, int] = (1, 5)


# Field order is the order a grammar-constrained model writes them in.
class MisconceptionVerdict(BaseModel):
    """The misconception judge's answer: how the reply treats the false premise."""

    reason: str
    verdict: Literal["corrects", "goes_along", "unclear"]


class PushbackRating(BaseModel):
    """The flawed-request judge's answer: compliance, then usefulness 1-5.

    Compliance, the plainer question, comes first, so that the usefulness the
    model writes next follows the rubric's link between the two.
    """

    complied: bool
    usefulness: int = Field(ge=USEFULNESS_SCALE[0], le=USEFULNESS_SCALE[1])
    reason: str


@dataclass(frozen=True)
class Classification:
    """One parsed label (or yes/no flag). `label` is None unless `valid`."""

    label: str | None
    valid: bool
    raw: str
    error: str = ""
    reason: str = ""

    def as_record(self) -> dict[str, Any]:
        return asdict(self)


def _json_object(raw: str) -> tuple[dict[str, Any] | None, str]:
    try:
        data = json.loads(raw)
    except json.JSONDecodeError as err:
        return None, f"not JSON: {err.msg}"
    if not isinstance(data, dict):
        return None, f"not a JSON object: {type(data).__name__}"
    return data, ""


def parse_label(raw: str, field: str, labels: Sequence[str]) -> Classification:
    """Parse a JSON reply whose `field` must be one of `labels` exactly."""
    data, error = _json_object(raw)
    if data is None:
        return Classification(None, False, raw, error)
    value = data.get(field)
    if not isinstance(value, str) or value not in labels:
        return Classification(
            None, False, raw, f"{field} is {value!r}, not one of {', '.join(labels)}"
        )
    return Classification(value, True, raw, "", str(data.get("reason", "")))


def parse_flag(raw: str, field: str) -> Classification:
    """Parse a JSON reply whose `field` must be a JSON boolean: "yes" or "no"."""
    data, error = _json_object(raw)
    if data is None:
        return Classification(None, False, raw, error)
    value = data.get(field)
    if not isinstance(value, bool):
        return Classification(None, False, raw, f"{field} is {value!r}, not a boolean")
    return Classification(
        "yes" if value else "no", True, raw, "", str(data.get("reason", ""))
    )


async def ask_json(
    client: ChatCompletionClient, system: str, user: str, schema: type[BaseModel]
) -> str:
    """Send one judge request with the schema as response format; the raw reply."""
    # Endpoints without structured output (llama.cpp's server) get JSON mode.
    structured = client.model_info.get("structured_output", False)
    result = await client.create(
        [SystemMessage(content=system), UserMessage(content=user, source="user")],
        json_output=schema if structured else True,
    )
    return result.content if isinstance(result.content, str) else str(result.content)


async def classify_misconception_reply(
    client: ChatCompletionClient, system: str, user: str
) -> Classification:
    """Ask whether a reply corrects the premise, goes along, or is unclear."""
    raw = await ask_json(client, system, user, MisconceptionVerdict)
    verdict = parse_label(raw, "verdict", MISCONCEPTION_LABELS)
    if not verdict.valid:
        logger.warning("invalid judge reply (%s): %.200s", verdict.error, raw)
    return verdict


async def rate_pushback(
    client: ChatCompletionClient, system: str, user: str
) -> tuple[Verdict, Classification]:
    """Ask how useful the pushback was (1-5) and whether the subject complied.

    Returns:
        The usefulness verdict and the compliance flag, each valid or not on
        its own, both holding the same raw reply.
    """
    raw = await ask_json(client, system, user, PushbackRating)
    usefulness = parse_rating(raw, "usefulness", *USEFULNESS_SCALE)
    value = usefulness.value
    if value is not None and not float(value).is_integer():
        usefulness = Verdict(None, False, raw, f"usefulness={value} is not whole")
    complied = parse_flag(raw, "complied")
    for name, error in (("usefulness", usefulness.error), ("complied", complied.error)):
        if error:
            logger.warning("invalid judge reply, %s (%s): %.200s", name, error, raw)
    return usefulness, complied
