"""The rating scales of the persona-dislike suite, as structured output.

Each scale is a pydantic schema sent as the response format, and the field and
bounds that `agents.judge.parse_rating` checks in code: a grammar forces the
shape of a reply but not its range, so a 12 on a 1-10 scale comes back as an
invalid verdict with its raw text, never clamped.
"""

from __future__ import annotations

from dataclasses import dataclass

from autogen_core.models import ChatCompletionClient
from pydantic import BaseModel, Field

from agents.judge import Verdict, ask_rating


class TasteRating(BaseModel):
    """How much the speaker likes an item, 1 (strongly dislike) to 10 (love)."""

    rating: int = Field(ge=1, le=10)


class LikeRating(BaseModel):
    """How much the speaker enjoys an item, 1 (not at all) to 5 (very much)."""

    rating: int = Field(ge=1, le=5)


class DislikePrediction(BaseModel):
    """Predicted mutual dislike of two people, 0 (none) to 100 (strong)."""

    dislike: int = Field(ge=0, le=100)


@dataclass(frozen=True)
class RatingScale:
    """A schema, its rating field, and the field's inclusive bounds."""

    schema: type[BaseModel]
    field: str
    low: int
    high: int

    @classmethod
    def of(cls, schema: type[BaseModel], field: str) -> RatingScale:
        """The scale of `field`, with bounds read from the schema itself.

        Raises:
            ValueError: the field is missing or has no minimum and maximum.
        """
        properties = schema.model_json_schema().get("properties", {})
        spec = properties.get(field, {})
        if "minimum" not in spec or "maximum" not in spec:
            raise ValueError(
                f"{schema.__name__}.{field} needs bounds (Field(ge=..., le=...))"
            )
        return cls(schema, field, int(spec["minimum"]), int(spec["maximum"]))

    async def ask(
        self, client: ChatCompletionClient, system: str, user: str
    ) -> Verdict:
        """Ask `client` for a rating on this scale; see `agents.judge.ask_rating`."""
        return await ask_rating(
            client, system, user, self.schema, self.field, self.low, self.high
        )


TASTE_SCALE = RatingScale.of(TasteRating, "rating")
LIKE_SCALE = RatingScale.of(LikeRating, "rating")
DISLIKE_SCALE = RatingScale.of(DislikePrediction, "dislike")
