"""Conditions: the system-prompt treatment a subject answers under.

A condition is one YAML file in `conf/condition/`: a name and a system prompt
template, or no system prompt at all (`system: null`). A template may use the
fields of a persona (`{bio}`, `{name}`, ...); the experiment then gives each
episode one persona of the run's population, round robin.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from agents.persona import Persona
from agents.prompts import render, template_fields

# The persona fields a condition's template may use (see persona_values).
PERSONA_FIELDS: tuple[str, ...] = (
    "name",
    "bio",
    "age",
    "occupation",
    "stances",
    "likes",
    "dislikes",
)

# A condition's name becomes a value in the `condition` column of every table.
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]*$")


@dataclass
class Condition:
    """One system-prompt treatment, as written in `conf/condition/*.yaml`.

    Attributes:
        name: the label in output tables ("none", "helpful", "belief", ...).
        description: one line for people reading the config.
        system: the system prompt template; None sends no system message at
            all (not an empty one).
    """

    name: str = "helpful"
    description: str = ""
    system: str | None = "You are a helpful assistant."

    def problems(self) -> list[tuple[str, object, str]]:
        """What is wrong with the condition: (key, value found, allowed) triples."""
        found: list[tuple[str, object, str]] = []
        if not _NAME.match(self.name):
            found.append(
                ("condition.name", self.name, "letters, digits, '_', '-' or '.'")
            )
        if self.system is not None:
            if not self.system.strip():
                found.append(
                    (
                        "condition.system",
                        self.system,
                        "a non-empty template, or null for no system message",
                    )
                )
            unknown = template_fields(self.system) - set(PERSONA_FIELDS)
            if unknown:
                found.append(
                    (
                        "condition.system",
                        "{" + ", ".join(sorted(unknown)) + "}",
                        "template fields among " + ", ".join(PERSONA_FIELDS),
                    )
                )
        return found

    @property
    def uses_persona(self) -> bool:
        """Whether the template needs a persona's fields."""
        return self.system is not None and bool(template_fields(self.system))

    def system_message(self, values: Mapping[str, object] | None = None) -> str | None:
        """The rendered system prompt, or None for no system message.

        Args:
            values: the persona's template values (see `persona_values`);
                needed only when `uses_persona`.

        Raises:
            InputError: the template uses a field that `values` lacks.
        """
        if self.system is None:
            return None
        return render(self.system, values or {}, "condition.system")


def assign_personas(personas: list[Persona], episodes: int) -> list[Persona]:
    """One persona per episode, round robin over the population.

    Raises:
        ValueError: no personas to assign.
    """
    if not personas:
        raise ValueError("a persona condition needs a population of at least one")
    return [personas[index % len(personas)] for index in range(episodes)]
