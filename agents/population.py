"""The population: personas sampled from shipped distributions, or read from a file.

`sample_population` draws every attribute of a population at once with numpy,
from the distributions in `agents/data/`: `demographics.yaml`,
`taste_items.yaml` and `bio_template.yaml`. `load_population_file` (from
`agents.population_file`) reads Nemotron-Personas-USA files or the project's
own persona records; stance issues come from `agents.stance_issue`. Both are
re-exported here.
"""

from __future__ import annotations

import logging
import string
from collections.abc import Mapping, Sequence
from dataclasses import replace
from functools import cache
from typing import Any

import numpy as np
import pandas as pd

from agents._data_files import (
    builtin_path,
    read_structured,
    require_mapping,
    require_text,
)
from agents.demographics import Demographics, load_demographics
from agents.errors import InputError
from agents.persona import NEMOTRON_FIELDS, TASTE_DOMAINS, Persona, Taste
from agents.population_file import load_population_file
from agents.stance_issue import StanceIssue, load_stance_issues

__all__ = [
    "BIO_FIELDS",
    "StanceIssue",
    "fill_missing",
    "load_population_file",
    "load_stance_issues",
    "load_taste_pairs",
    "population_frame",
    "render_bio",
    "sample_population",
    "stance_matrix",
]

logger = logging.getLogger(__name__)

# The fields `sample_population` fills into the bio template.
BIO_FIELDS: tuple[str, ...] = (
    "name",
    "age",
    "occupation",
    "city",
    "state",
    "subject",
    "education",
    "marital",
    "hobby",
    "music",
)

# The column of `population_frame` that holds stances as a text of 0s and 1s.
_STANCE_COLUMN = "stances"

# Columns of `_draw_people` that are Persona fields of the same name.
_PERSONA_COLUMNS: tuple[str, ...] = (
    "sex",
    "age",
    "occupation",
    "marital_status",
    "education_level",
    "bachelors_field",
    "city",
    "state",
    "zipcode",
)


# ---------------------------------------------------------------- public API


def sample_population(
    size: int,
    rng: np.random.Generator,
    issues: Sequence[StanceIssue],
    stance_prob: float = 0.5,
) -> list[Persona]:
    """Sample `size` personas from the shipped distributions.

    Every attribute is drawn for the whole population at once, so 100,000
    personas take seconds. The draws use only `rng`: the same generator state
    gives the same population.

    Args:
        size: number of personas, 0 or more.
        rng: the run's random generator; advanced by the draws.
        issues: the run's stance issues; each persona gets one stance per
            issue, in this order.
        stance_prob: chance, from 0 to 1, that a stance is 1 ("pro"),
            independently per persona and issue.

    Returns:
        Personas with Nemotron fields, a bio in `persona`, `stances` and a
        like and dislike in each of the seven taste domains. The hobbies like
        also fills `hobbies_and_interests` and `hobbies_and_interests_list`.

    Raises:
        InputError: bad `size` or `stance_prob`, or a malformed shipped file.
    """
    _check_sample_args(size, stance_prob)
    people = _draw_people(load_demographics(), rng, size)
    uuids = _draw_uuids(rng, size)
    tastes, liked = _draw_tastes(_taste_table(), rng, size)
    stances = rng.random((size, len(issues))) < stance_prob

    fields = {
        **people,
        "occupation": people["occupation_phrase"],
        "hobby": liked["hobbies"],
        "music": liked["music"],
    }
    # Same text as string.Template.substitute, but str.format runs in C.
    form = _positional_format(_bio_template())
    columns = [fields[name].tolist() for name in BIO_FIELDS]
    bios = [form.format(*row) for row in zip(*columns, strict=True)]

    personas = _assemble(uuids, bios, people, liked["hobbies"], stances, tastes)
    logger.info("sampled %d personas with %d stance issues", size, len(issues))
    return personas


def fill_missing(
    personas: Sequence[Persona],
    issues: Sequence[StanceIssue],
    rng: np.random.Generator,
    stance_prob: float = 0.5,
    where: str = "population",
    draw: bool = True,
) -> list[Persona]:
    """Draw stances and tastes for personas that have none, as the sampler does.

    Nemotron-Personas records carry neither; a JSONL of persona records may
    carry both. A persona keeps what it has; one with no stances gets a draw
    per issue at `stance_prob`, one with no tastes a like and a dislike in
    every domain from the shipped taste pairs.

    Args:
        personas: the population read from a file.
        issues: the run's stance issues.
        rng: the run's generator.
        stance_prob: chance, 0 to 1, that a drawn stance is 1.
        where: the file, for error messages.
        draw: False refuses a population with anything missing.

    Returns:
        The personas, each with `len(issues)` stances and its tastes.

    Raises:
        InputError: a persona has stances, but not one per issue of the run;
            or something is missing and `draw` is False.
    """
    widths = {len(p.stances) for p in personas if p.stances}
    if widths - {len(issues)}:
        width = max(widths)
        raise InputError(
            f"{where}: personas have {width} stances but the run has "
            f"{len(issues)} stance issues; set population.issues={width} (and "
            "the stance source those stances were drawn for)"
        )
    no_stances = [i for i, p in enumerate(personas) if not p.stances]
    no_tastes = [i for i, p in enumerate(personas) if not p.tastes]
    if not draw and (no_stances or no_tastes):
        raise InputError(
            f"{where}: {len(no_stances)} personas have no stances and "
            f"{len(no_tastes)} no tastes; set population.draw_missing=true to "
            "draw them, or give every record `stances` and `tastes`"
        )
    stances = rng.random((len(no_stances), len(issues))) < stance_prob
    tastes, _ = _draw_tastes(_taste_table(), rng, len(no_tastes))

    filled = list(personas)
    for i, row in zip(no_stances, stances, strict=True):
        filled[i] = replace(filled[i], stances=tuple(int(s) for s in row))
    for i, drawn in zip(no_tastes, tastes, strict=True):
        filled[i] = replace(filled[i], tastes=drawn)
    if no_stances or no_tastes:
        logger.info(
            "%s: drew stances for %d and tastes for %d of %d personas",
            where,
            len(no_stances),
            len(no_tastes),
            len(personas),
        )
    return filled


def render_bio(fields: Mapping[str, Any], template: str | None = None) -> str:
    """Render one bio.

    Args:
        fields: a value for every `${field}` of the template; see `BIO_FIELDS`
            and `agents/data/bio_template.yaml`.
        template: a `string.Template` text; None uses the shipped template.

    Raises:
        InputError: the template uses a field that `fields` lacks.
    """
    compiled = _bio_template() if template is None else string.Template(template)
    try:
        return compiled.substitute(fields)
    except KeyError as err:
        raise InputError(
            f"bio template field ${{{err.args[0]}}} has no value; given "
            f"{', '.join(sorted(fields)) or 'no fields'}"
        ) from None
    except ValueError as err:
        raise InputError(f"bio template is malformed ({err})") from None


def load_taste_pairs(path: str | None = None) -> dict[str, list[tuple[str, str]]]:
    """Read taste contrast pairs: domain -> list of (A, B).

    Args:
        path: a YAML file laid out as `domains: {music: {pairs: [[A, B], ...]}}`;
            None reads the shipped `agents/data/taste_items.yaml`.

    Returns:
        Every domain of the file, in file order. Each pair has two different,
        non-empty items.

    Raises:
        InputError: the file is missing or malformed, or lacks one of the
            seven taste domains of `agents.persona.TASTE_DOMAINS`.
    """
    where = path or str(builtin_path("taste_items.yaml"))
    what = "a YAML map domains: {<domain>: {pairs: [[A, B], ...]}}"
    data = require_mapping(read_structured(where, what), where, what)
    domains = require_mapping(data.get("domains"), f"{where}: domains", what)
    missing = [d for d in TASTE_DOMAINS if d not in domains]
    if missing:
        raise InputError(
            f"{where}: missing taste domain(s) {', '.join(missing)}; "
            f"expected all of {', '.join(TASTE_DOMAINS)}"
        )
    return {
        str(domain): _parse_pairs(entry, f"{where}: domains.{domain}")
        for domain, entry in domains.items()
    }


def population_frame(personas: Sequence[Persona]) -> pd.DataFrame:
    """One row per persona: Nemotron fields, stances and taste columns.

    Returns:
        Columns: every name in `NEMOTRON_FIELDS`; `stances` as a text of 0s
        and 1s ("0110", empty without stances); `<domain>_likes` and
        `<domain>_dislikes` for each taste domain any persona has (None for
        a persona without that domain, e.g. one read from a Nemotron file).
    """
    present = {d for p in personas for d in p.tastes}
    domains = [d for d in TASTE_DOMAINS if d in present]
    domains += sorted(present - set(domains))

    columns: dict[str, list[Any]] = {
        name: [getattr(p, name) for p in personas] for name in NEMOTRON_FIELDS
    }
    columns[_STANCE_COLUMN] = ["".join(map(str, p.stances)) for p in personas]
    for domain in domains:
        tastes = [p.tastes.get(domain) for p in personas]
        columns[f"{domain}_likes"] = [t.likes if t else None for t in tastes]
        columns[f"{domain}_dislikes"] = [t.dislikes if t else None for t in tastes]
    return pd.DataFrame(columns)


def stance_matrix(personas: Sequence[Persona]) -> np.ndarray:
    """The stances of a population as an int8 array of 0 and 1, shape (n, K).

    Raises:
        InputError: personas have stance vectors of different lengths.
    """
    if not personas:
        return np.zeros((0, 0), dtype=np.int8)
    width = len(personas[0].stances)
    for persona in personas:
        if len(persona.stances) != width:
            raise InputError(
                f"persona {persona.uuid} has {len(persona.stances)} stances, but "
                f"persona {personas[0].uuid} has {width}; a population shares "
                "one list of stance issues"
            )
    matrix = np.array([p.stances for p in personas], dtype=np.int8)
    return matrix.reshape(len(personas), width)


# ---------------------------------------------------------------- sampling


def _check_sample_args(size: int, stance_prob: float) -> None:
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 0:
        raise InputError(f"population size is {size!r}; expected a whole number >= 0")
    if not isinstance(stance_prob, (int, float)) or not 0 <= stance_prob <= 1:
        raise InputError(f"stance_prob is {stance_prob!r}; expected a number 0 to 1")


def _draw_people(
    demo: Demographics, rng: np.random.Generator, size: int
) -> dict[str, np.ndarray]:
    """Demographic columns and the bio's phrases, one array of `size` each."""
    sex = demo.sex.draw(rng, size)
    bracket = rng.choice(len(demo.age_p), size=size, p=demo.age_p)
    age = rng.integers(demo.age_low[bracket], demo.age_high[bracket] + 1)
    place = rng.choice(len(demo.place_p), size=size, p=demo.place_p)
    zip_tail = rng.integers(0, 100, size=size)
    education = demo.education.draw(rng, size)
    field = demo.bachelors_field.draw(rng, size)
    occupation = demo.occupation.draw(rng, size)
    marital = demo.marital.draw(rng, size)

    return {
        "name": _draw_names(demo, rng, sex),
        "sex": demo.sex.values[sex],
        "subject": demo.subject[sex],
        "age": age,
        "state": demo.state[place],
        "city": demo.city[place],
        "zipcode": np.char.add(
            demo.zip3[place], np.char.zfill(zip_tail.astype(str), 2)
        ),
        "education_level": demo.education.values[education],
        "education": demo.education_phrase[education],
        "bachelors_field": np.where(
            demo.degree[education], demo.bachelors_field.values[field], ""
        ),
        "occupation": demo.occupation.values[occupation],
        "occupation_phrase": demo.occupation_phrase[occupation],
        "marital_status": demo.marital.values[marital],
        "marital": demo.marital_phrase[marital],
    }


def _draw_names(
    demo: Demographics, rng: np.random.Generator, sex: np.ndarray
) -> np.ndarray:
    first = np.empty(len(sex), dtype=object)
    for index, names in enumerate(demo.first_names):
        rows = np.flatnonzero(sex == index)
        first[rows] = rng.choice(names, size=len(rows))
    last = rng.choice(demo.last_names, size=len(sex)).astype(object)
    return first + " " + last


def _draw_uuids(rng: np.random.Generator, size: int) -> list[str]:
    """Version-4 UUIDs whose random bits come from `rng`."""
    raw = rng.integers(0, 256, size=(size, 16), dtype=np.uint8)
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80
    text = raw.tobytes().hex()
    out = []
    for start in range(0, 32 * size, 32):
        h = text[start : start + 32]
        out.append(f"{h[:8]}-{h[8:12]}-{h[12:16]}-{h[16:20]}-{h[20:]}")
    return out


def _draw_tastes(
    table: dict[str, np.ndarray], rng: np.random.Generator, size: int
) -> tuple[list[dict[str, Taste]], dict[str, np.ndarray]]:
    """Per persona a domain -> Taste map; per domain the array of likes.

    `table[domain]` lists each pair's two orientations, so one integer draw
    picks a pair and which of its items is liked.
    """
    picked, liked = [], {}
    for domain in TASTE_DOMAINS:
        choice = rng.integers(0, len(table[domain]), size)
        picked.append(table[domain][choice])
        liked[domain] = _likes(table[domain])[choice]
    tastes = [
        dict(zip(TASTE_DOMAINS, row, strict=True)) for row in zip(*picked, strict=True)
    ]
    return tastes, liked


def _assemble(
    uuids: list[str],
    bios: list[str],
    people: dict[str, np.ndarray],
    hobbies: np.ndarray,
    stances: np.ndarray,
    tastes: list[dict[str, Taste]],
) -> list[Persona]:
    names = (
        "uuid",
        "persona",
        *_PERSONA_COLUMNS,
        "hobbies_and_interests",
        "hobbies_and_interests_list",
        "stances",
        "tastes",
    )
    hobby_list = hobbies.tolist()
    columns = [
        uuids,
        bios,
        *(people[name].tolist() for name in _PERSONA_COLUMNS),
        hobby_list,
        hobby_list,
        [tuple(row) for row in stances.astype(int).tolist()],
        tastes,
    ]
    return [
        Persona(**dict(zip(names, row, strict=True)))
        for row in zip(*columns, strict=True)
    ]


# ---------------------------------------------------------------- shipped data


@cache
def _taste_table() -> dict[str, np.ndarray]:
    """Per domain, every pair in both orientations as shared Taste objects."""
    table = {}
    for domain, pairs in load_taste_pairs().items():
        tastes = [Taste(a, b) for pair in pairs for a, b in (pair, pair[::-1])]
        column = np.empty(len(tastes), dtype=object)
        column[:] = tastes
        table[domain] = column
    return table


def _likes(tastes: np.ndarray) -> np.ndarray:
    return np.array([taste.likes for taste in tastes])


def _parse_pairs(entry: Any, where: str) -> list[tuple[str, str]]:
    entry = require_mapping(entry, where, "a map {pairs: [[A, B], ...]}")
    pairs = entry.get("pairs")
    if not isinstance(pairs, list) or not pairs:
        raise InputError(f"{where}.pairs: expected a non-empty list of [A, B]")
    parsed = []
    for i, pair in enumerate(pairs):
        here = f"{where}.pairs[{i}]"
        if not isinstance(pair, list) or len(pair) != 2:
            raise InputError(f"{here}: found {pair!r}; expected [A, B]")
        a, b = (require_text(item, here) for item in pair)
        if a == b:
            raise InputError(f"{here}: both items are {a!r}; expected two items")
        parsed.append((a, b))
    return parsed


@cache
def _bio_template() -> string.Template:
    path = str(builtin_path("bio_template.yaml"))
    data = require_mapping(
        read_structured(path, "a YAML map with key template"), path, "a YAML map"
    )
    template = string.Template(require_text(data.get("template"), f"{path}: template"))
    if not template.is_valid():
        raise InputError(f"{path}: template has a malformed $placeholder")
    unknown = sorted(set(template.get_identifiers()) - set(BIO_FIELDS))
    if unknown:
        raise InputError(
            f"{path}: template uses ${{{unknown[0]}}}, which the sampler does not "
            f"fill; available fields: {', '.join(BIO_FIELDS)}"
        )
    return template


def _positional_format(template: string.Template) -> str:
    """The template as a `str.format` text with field i of `BIO_FIELDS` at {i}.

    The template must have been checked to use only `BIO_FIELDS`.
    """
    position = {name: i for i, name in enumerate(BIO_FIELDS)}
    parts, end = [], 0
    for match in template.pattern.finditer(template.template):
        text = template.template[end : match.start()]
        parts.append(text.replace("{", "{{").replace("}", "}}"))
        name = match.group("named") or match.group("braced")
        parts.append("$" if name is None else f"{{{position[name]}}}")
        end = match.end()
    tail = template.template[end:]
    parts.append(tail.replace("{", "{{").replace("}", "}}"))
    return "".join(parts)
