"""`population.bio=llm`: the model adds a short narrative to each bio.

The template bio (which starts with the persona's name) is kept and the model's
sentences are appended, so every bio still names its persona and states its
sampled attributes; the model adds personality and history around them.
"""

from __future__ import annotations

import asyncio
import dataclasses
import logging
from collections.abc import Sequence

from autogen_core.models import ChatCompletionClient, UserMessage

from agents.persona import Persona
from agents.persona_agent import persona_values
from agents.population import StanceIssue
from agents.prompts import render

logger = logging.getLogger(__name__)


async def write_bio(
    persona: Persona,
    client: ChatCompletionClient,
    template: str,
    issues: Sequence[StanceIssue],
) -> Persona:
    """The persona with the model's narrative appended to its bio.

    Raises:
        ValueError: the model returned an empty reply.
    """
    prompt = render(template, persona_values(persona, issues), "population.bio_prompt")
    result = await client.create([UserMessage(content=prompt, source="user")])
    text = str(result.content).strip()
    if not text:
        raise ValueError(f"the model wrote an empty bio for persona {persona.uuid}")
    return dataclasses.replace(persona, persona=f"{persona.persona} {text}")


async def write_bios(
    personas: Sequence[Persona],
    client: ChatCompletionClient,
    template: str,
    issues: Sequence[StanceIssue],
) -> list[Persona]:
    """`write_bio` for every persona, in order."""
    logger.info("writing %d bios with the model", len(personas))
    return list(
        await asyncio.gather(
            *(write_bio(p, client, template, issues) for p in personas)
        )
    )
