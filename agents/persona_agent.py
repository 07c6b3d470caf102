"""A persona as an autogen-agentchat agent."""

from __future__ import annotations

import re
from collections.abc import Sequence

from autogen_agentchat.agents import AssistantAgent
from autogen_core.models import ChatCompletionClient

from agents.persona import Persona
from agents.population import StanceIssue
from agents.prompts import render


def stance_sentences(persona: Persona, issues: Sequence[StanceIssue]) -> str:
    """The persona's stances, one line each: "- <statement> (you: agree)"."""
    return "\n".join(
        f"- {issue.statement} (you: {issue.pro if side else issue.con})"
        for issue, side in zip(issues, persona.stances, strict=True)
    )


def persona_values(
    persona: Persona, issues: Sequence[StanceIssue]
) -> dict[str, str | int]:
    """The template values a persona offers: name, bio, stances, likes, ..."""
    tastes = persona.tastes.values()
    return {
        "name": persona.first_name,
        "bio": persona.persona,
        "age": persona.age,
        "occupation": persona.occupation,
        "stances": stance_sentences(persona, issues),
        "likes": ", ".join(t.likes for t in tastes) or "nothing in particular",
        "dislikes": ", ".join(t.dislikes for t in tastes) or "nothing in particular",
    }


def agent_name(persona: Persona) -> str:
    """A valid agent name (a Python identifier) unique to the persona."""
    return "p_" + re.sub(r"\W", "_", persona.uuid)[:12]


def persona_agent(
    persona: Persona,
    client: ChatCompletionClient,
    system_template: str | None,
    values: dict[str, str | int],
) -> AssistantAgent:
    """An AssistantAgent speaking as `persona`.

    Args:
        persona: who speaks.
        client: the model client (with the role's generation settings).
        system_template: the system prompt template, or None for no system
            message at all.
        values: template values (see `persona_values`) plus the scene's.
    """
    system = (
        render(system_template, values, "experiment.prompts.system")
        if system_template is not None
        else None
    )
    return AssistantAgent(
        name=agent_name(persona),
        model_client=client,
        system_message=system,
        model_client_stream=False,
    )
