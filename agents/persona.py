"""The persona record: Nemotron-Personas-USA fields plus stances and tastes."""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields
from typing import Any

from agents.errors import InputError

# Field names of NVIDIA Nemotron-Personas-USA, in the dataset's order.
NEMOTRON_FIELDS: tuple[str, ...] = (
    "uuid",
    "professional_persona",
    "sports_persona",
    "arts_persona",
    "travel_persona",
    "culinary_persona",
    "persona",
    "cultural_background",
    "skills_and_expertise",
    "skills_and_expertise_list",
    "hobbies_and_interests",
    "hobbies_and_interests_list",
    "career_goals_and_ambitions",
    "sex",
    "age",
    "marital_status",
    "education_level",
    "bachelors_field",
    "occupation",
    "city",
    "state",
    "zipcode",
    "country",
)

# The fields a persona cannot do without; the rest default to "".
REQUIRED_FIELDS: tuple[str, ...] = ("uuid", "persona", "sex", "age", "occupation")

# Taste domains every sampled persona has a like and a dislike in.
TASTE_DOMAINS: tuple[str, ...] = (
    "food",
    "music",
    "drink",
    "hobbies",
    "art",
    "literature",
    "lifestyle",
)


@dataclass(frozen=True)
class Taste:
    """One domain's like and dislike, e.g. music: likes jazz, dislikes country."""

    likes: str
    dislikes: str


@dataclass(frozen=True)
class Persona:
    """One simulated person.

    `persona` holds the short narrative bio (Nemotron's name for it). `stances`
    has one entry per stance issue of the run, 1 for the issue's "pro" side and
    0 for "con". `tastes` maps a domain to its like and dislike.
    """

    uuid: str
    persona: str
    sex: str
    age: int
    occupation: str
    professional_persona: str = ""
    sports_persona: str = ""
    arts_persona: str = ""
    travel_persona: str = ""
    culinary_persona: str = ""
    cultural_background: str = ""
    skills_and_expertise: str = ""
    skills_and_expertise_list: str = ""
    hobbies_and_interests: str = ""
    hobbies_and_interests_list: str = ""
    career_goals_and_ambitions: str = ""
    marital_status: str = ""
    education_level: str = ""
    bachelors_field: str = ""
    city: str = ""
    state: str = ""
    zipcode: str = ""
    country: str = "USA"
    stances: tuple[int, ...] = ()
    tastes: Mapping[str, Taste] = field(default_factory=dict)

    @property
    def first_name(self) -> str:
        """A display name for prompts, derived from the bio's first word."""
        return self.persona.split(" ", 1)[0].strip(",.") or self.uuid[:8]

    def to_record(self) -> dict[str, Any]:
        """A JSON-ready dict: Nemotron fields, then `stances` and `tastes`."""
        record = asdict(self)
        record["stances"] = list(self.stances)
        record["tastes"] = {d: asdict(t) for d, t in self.tastes.items()}
        return record

    @classmethod
    def from_record(cls, record: Mapping[str, Any], where: str) -> Persona:
        """Build a persona from a dict, checking fields and types.

        Args:
            record: Nemotron fields, optionally `stances` and `tastes`.
            where: where the record came from ("file.jsonl:12"), for errors.

        Raises:
            InputError: a required field is missing or a value has a bad type.
        """
        missing = [f for f in REQUIRED_FIELDS if _is_blank(record.get(f))]
        if missing:
            raise InputError(
                f"{where}: missing field(s) {', '.join(missing)}; a persona needs "
                f"{', '.join(REQUIRED_FIELDS)}"
            )
        known = {f.name for f in fields(cls)}
        values: dict[str, Any] = {
            k: _as_text(v) for k, v in record.items() if k in known
        }
        try:
            values["age"] = int(record["age"])
        except (TypeError, ValueError):
            raise InputError(
                f"{where}: field age is {record['age']!r}; expected a whole number"
            ) from None
        values["stances"] = _parse_stances(record.get("stances"), where)
        values["tastes"] = _parse_tastes(record.get("tastes"), where)
        return cls(**values)


def _is_blank(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and math.isnan(value):
        return True
    return isinstance(value, str) and not value.strip()


def _as_text(value: Any) -> Any:
    # Nemotron's *_list fields and zipcode arrive as lists or numbers; keep text.
    if isinstance(value, (list, tuple)):
        return ", ".join(str(v) for v in value)
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    if isinstance(value, (int, float)) and not isinstance(value, bool):
        return value
    return value if isinstance(value, (str, Mapping)) else str(value)


def _parse_stances(value: Any, where: str) -> tuple[int, ...]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ()
    try:
        stances = tuple(int(v) for v in value)
    except (TypeError, ValueError):
        raise InputError(
            f"{where}: field stances is {value!r}; expected a list of 0 and 1"
        ) from None
    if any(s not in (0, 1) for s in stances):
        raise InputError(
            f"{where}: field stances is {value!r}; expected a list of 0 and 1"
        )
    return stances


def _parse_tastes(value: Any, where: str) -> dict[str, Taste]:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return {}
    if not isinstance(value, Mapping):
        raise InputError(
            f"{where}: field tastes is {value!r}; expected "
            '{"domain": {"likes": ..., "dislikes": ...}}'
        )
    tastes = {}
    for domain, taste in value.items():
        if not isinstance(taste, Mapping) or not {"likes", "dislikes"} <= set(taste):
            raise InputError(
                f"{where}: field tastes.{domain} is {taste!r}; expected "
                '{"likes": ..., "dislikes": ...}'
            )
        tastes[str(domain)] = Taste(str(taste["likes"]), str(taste["dislikes"]))
    return tastes
