"""The shipped demographic distributions, parsed and checked once.

`agents/data/demographics.yaml` maps each attribute's values to weights; this
module turns it into numpy arrays that `agents.population` samples from.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cache
from typing import Any

import numpy as np

from agents._data_files import (
    builtin_path,
    read_structured,
    require_mapping,
    require_text,
)
from agents.errors import InputError


@dataclass(frozen=True)
class Categorical:
    """Values and their sampling probabilities, aligned."""

    values: np.ndarray
    p: np.ndarray

    def draw(self, rng: np.random.Generator, size: int) -> np.ndarray:
        """Indices into `values`, one per row."""
        return rng.choice(len(self.values), size=size, p=self.p)


@dataclass(frozen=True)
class Demographics:
    """`demographics.yaml`, parsed into arrays aligned with each distribution.

    Ages are in years, both bracket ends included. `place_p` is a distribution
    over (state, city, zip3) rows: a state's weight split evenly among its
    cities. `subject`, `*_phrase` and `first_names` are aligned with the values
    of `sex`, `education`, `occupation` and `marital`; `degree` marks the
    education levels that come with a bachelor's degree.
    """

    sex: Categorical
    subject: np.ndarray
    first_names: tuple[np.ndarray, ...]
    last_names: np.ndarray
    age_low: np.ndarray
    age_high: np.ndarray
    age_p: np.ndarray
    state: np.ndarray
    city: np.ndarray
    zip3: np.ndarray
    place_p: np.ndarray
    education: Categorical
    education_phrase: np.ndarray
    degree: np.ndarray
    bachelors_field: Categorical
    occupation: Categorical
    occupation_phrase: np.ndarray
    marital: Categorical
    marital_phrase: np.ndarray


@cache
def load_demographics() -> Demographics:
    """Parse the shipped `agents/data/demographics.yaml` (once; cached).

    Raises:
        InputError: the file is malformed; the message names the key.
    """
    path = str(builtin_path("demographics.yaml"))
    data = require_mapping(
        read_structured(path, "a YAML map of distributions"), path, "a YAML map"
    )
    section = _Sections(data, path)
    sex = _categorical(section("sex"), f"{path}: sex")
    education = _categorical(section("education_level"), f"{path}: education_level")
    occupation = _categorical(section("occupation"), f"{path}: occupation")
    marital = _categorical(section("marital_status"), f"{path}: marital_status")
    phrases = require_mapping(section("phrases"), f"{path}: phrases", "a map")
    degree_levels = section("degree_levels")
    if not isinstance(degree_levels, list):
        raise InputError(f"{path}: degree_levels must be a list of education levels")

    return Demographics(
        sex=sex,
        subject=_phrases(phrases, "subject", sex, path),
        first_names=_first_names(section("first_names"), sex, path),
        last_names=_names(section("last_names"), f"{path}: last_names"),
        **_ages(section("age"), f"{path}: age"),
        **_places(section("state"), f"{path}: state"),
        education=education,
        education_phrase=_phrases(phrases, "education_level", education, path),
        degree=np.isin(education.values, [str(v) for v in degree_levels]),
        bachelors_field=_categorical(
            section("bachelors_field"), f"{path}: bachelors_field"
        ),
        occupation=occupation,
        occupation_phrase=np.array([_with_article(v) for v in occupation.values]),
        marital=marital,
        marital_phrase=_phrases(phrases, "marital_status", marital, path),
    )


class _Sections:
    """Top-level keys of a data file, with an error naming a missing one."""

    def __init__(self, data: dict[str, Any], path: str) -> None:
        self._data = data
        self._path = path

    def __call__(self, key: str) -> Any:
        if key not in self._data:
            raise InputError(
                f"{self._path}: missing key {key}; found {', '.join(self._data)}"
            )
        return self._data[key]


def _categorical(raw: Any, where: str) -> Categorical:
    raw = require_mapping(raw, where, "a map value -> weight")
    weights = np.array([_weight(w, f"{where}.{v}") for v, w in raw.items()])
    return Categorical(np.array([str(v) for v in raw]), weights / weights.sum())


def _weight(value: Any, where: str) -> float:
    if (
        isinstance(value, bool)
        or not isinstance(value, (int, float))
        or not math.isfinite(value)
        or value <= 0
    ):
        raise InputError(f"{where}: weight is {value!r}; expected a number > 0")
    return float(value)


def _ages(raw: Any, where: str) -> dict[str, np.ndarray]:
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{where}: expected a list of {{low, high, weight}}")
    low, high, weights = [], [], []
    for i, bracket in enumerate(raw):
        entry = require_mapping(bracket, f"{where}[{i}]", "{low, high, weight}")
        lo, hi = entry.get("low"), entry.get("high")
        if not isinstance(lo, int) or not isinstance(hi, int) or not 0 <= lo <= hi:
            raise InputError(
                f"{where}[{i}]: low={lo!r}, high={hi!r}; expected whole numbers "
                "with 0 <= low <= high"
            )
        low.append(lo)
        high.append(hi)
        weights.append(_weight(entry.get("weight"), f"{where}[{i}].weight"))
    p = np.array(weights)
    return {"age_low": np.array(low), "age_high": np.array(high), "age_p": p / p.sum()}


def _places(raw: Any, where: str) -> dict[str, np.ndarray]:
    """Flatten state -> cities into one distribution over (state, city)."""
    states = require_mapping(raw, where, "a map state -> {weight, cities}")
    state, city, zip3, p = [], [], [], []
    for name, entry in states.items():
        here = f"{where}.{name}"
        entry = require_mapping(entry, here, "{weight, cities: {city: zip3}}")
        weight = _weight(entry.get("weight"), f"{here}.weight")
        cities = require_mapping(entry.get("cities"), f"{here}.cities", "a map")
        for city_name, prefix in cities.items():
            state.append(str(name))
            city.append(str(city_name))
            zip3.append(require_text(prefix, f"{here}.cities.{city_name}"))
            p.append(weight / len(cities))
    weights = np.array(p)
    return {
        "state": np.array(state),
        "city": np.array(city),
        "zip3": np.array(zip3),
        "place_p": weights / weights.sum(),
    }


def _phrases(
    phrases: dict[str, Any], key: str, dist: Categorical, path: str
) -> np.ndarray:
    """The bio phrase of each value of `dist`, aligned with `dist.values`."""
    where = f"{path}: phrases.{key}"
    table = require_mapping(phrases.get(key), where, "a map value -> phrase")
    missing = [v for v in dist.values if v not in table]
    if missing:
        raise InputError(f"{where}: no phrase for {', '.join(missing)}")
    return np.array([require_text(table[v], f"{where}.{v}") for v in dist.values])


def _first_names(raw: Any, sex: Categorical, path: str) -> tuple[np.ndarray, ...]:
    where = f"{path}: first_names"
    table = require_mapping(raw, where, "a map sex -> list of names")
    missing = [v for v in sex.values if v not in table]
    if missing:
        raise InputError(f"{where}: no names for sex {', '.join(missing)}")
    return tuple(_names(table[v], f"{where}.{v}") for v in sex.values)


def _names(raw: Any, where: str) -> np.ndarray:
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{where}: expected a non-empty list of names")
    return np.array([require_text(name, f"{where}[{i}]") for i, name in enumerate(raw)])


def _with_article(title: str) -> str:
    return f"{'an' if title[:1].lower() in 'aeiou' else 'a'} {title}"
