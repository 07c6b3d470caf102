"""The distancing-marker lexicon: phrase lists per category, counted in text.

The shipped lexicon (`analysis/data/distancing_markers.yaml`) is written by the
project. A phrase matches case-insensitively on whole words; its words may be
separated by any whitespace; a `*` token is a slot that matches one to three
words ("give me * any day" matches "give me smooth jazz any day"). Within a
category, matches do not overlap and the longest entry wins at each point.
"""

from __future__ import annotations

import logging
import math
import os
import re
from collections.abc import Mapping, Sequence
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

logger = logging.getLogger(__name__)

# The file shipped as package data, read when `Lexicon.load` gets no path.
DEFAULT_LEXICON_FILE = "distancing_markers.yaml"

SLOT = "*"

# A word: letters and digits, with inner apostrophes or hyphens ("can't").
_WORD = r"[^\W_]+(?:['-][^\W_]+)*"
_WORD_RE = re.compile(_WORD)
_SLOT_PATTERN = rf"{_WORD}(?:\s+{_WORD}){{0,2}}"
_CATEGORY_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_KEYS = frozenset({"version", "categories"})
_CATEGORY_KEYS = frozenset({"description", "phrases"})


def word_count(text: str) -> int:
    """Count the words in `text`: runs of letters or digits, with inner
    apostrophes or hyphens ("can't", "well-known") counted as one word.

    Args:
        text: Any text; an empty string has 0 words.

    Returns:
        The number of words, >= 0.
    """
    return len(_WORD_RE.findall(_normalise(text)))


class Lexicon:
    """Phrase lists per category, compiled once into one regex per category.

    Attributes:
        source: Where the phrases came from (a file path or "<mapping>").
    """

    def __init__(
        self,
        phrases: Mapping[str, Sequence[str]],
        *,
        descriptions: Mapping[str, str] | None = None,
        source: str = "<mapping>",
    ) -> None:
        """Check the phrases and compile them.

        Args:
            phrases: Category name (snake_case) to its phrases.
            descriptions: Optional category name to a one-line description.
            source: Where the phrases came from, used in error messages.

        Raises:
            ValueError: A category name or phrase is malformed or repeated; the
                message names `source` and the key.
        """
        if not phrases:
            raise ValueError(f"{source}: key 'categories' is empty; add a category")
        self.source = source
        self._phrases: dict[str, tuple[str, ...]] = {
            name: _check_phrases(name, entries, source)
            for name, entries in phrases.items()
        }
        self._descriptions = dict(descriptions or {})
        self._patterns = {
            name: _compile(entries) for name, entries in self._phrases.items()
        }
        logger.debug(
            "Lexicon from %s: %s",
            source,
            ", ".join(f"{c}={len(p)}" for c, p in self._phrases.items()),
        )

    @classmethod
    def load(cls, path: str | os.PathLike[str] | None = None) -> Lexicon:
        """Read a lexicon YAML file.

        Args:
            path: The file; None reads the lexicon shipped with the package.

        Returns:
            The compiled lexicon.

        Raises:
            FileNotFoundError: `path` does not exist.
            ValueError: The file is not YAML or has a bad shape; the message
                names the file and the key.
        """
        if path is None:
            resource = resources.files("analysis") / "data" / DEFAULT_LEXICON_FILE
            source, text = str(resource), resource.read_text(encoding="utf-8")
        else:
            source, text = str(path), Path(path).read_text(encoding="utf-8")
        try:
            document = yaml.safe_load(text)
        except yaml.YAMLError as err:
            raise ValueError(f"{source}: not valid YAML: {err}") from None
        phrases, descriptions = _parse_document(document, source)
        return cls(phrases, descriptions=descriptions, source=source)

    @property
    def categories(self) -> tuple[str, ...]:
        """The category names, in file order."""
        return tuple(self._phrases)

    def phrases(self, category: str) -> tuple[str, ...]:
        """The phrases of one category, as written in the file."""
        return self._phrases[self._known(category)]

    def description(self, category: str) -> str:
        """The category's description, or "" if it has none."""
        return self._descriptions.get(self._known(category), "")

    def count(self, text: str) -> dict[str, int]:
        """Count non-overlapping matches of each category in `text`.

        Returns:
            Category name to its number of matches (>= 0), for every category.
        """
        normalised = _normalise(text)
        return {
            name: sum(1 for _ in pattern.finditer(normalised))
            for name, pattern in self._patterns.items()
        }

    def matches(self, text: str) -> dict[str, list[str]]:
        """The matched spans of `text` per category, as they appear in it."""
        normalised = _normalise(text)
        return {
            name: [m.group(0) for m in pattern.finditer(normalised)]
            for name, pattern in self._patterns.items()
        }

    def rate_per_100_words(self, text: str) -> dict[str, float]:
        """Matches per 100 words of `text`, for every category.

        Returns:
            Category name to its rate (>= 0); NaN for every category when the
            text has no words.
        """
        words = word_count(text)
        if words == 0:
            return {name: math.nan for name in self._patterns}
        return {name: 100.0 * n / words for name, n in self.count(text).items()}

    def _known(self, category: str) -> str:
        if category not in self._phrases:
            raise KeyError(
                f"unknown category {category!r}; the lexicon from {self.source} "
                f"has {', '.join(self._phrases)}"
            )
        return category


def _normalise(text: str) -> str:
    # Typographic apostrophes would otherwise break "can't" into two words.
    return text.replace("\u2019", "'").replace("\u2018", "'")


def _parse_document(
    document: Any, source: str
) -> tuple[dict[str, list[str]], dict[str, str]]:
    """Split a parsed YAML document into phrases and descriptions per category."""
    if not isinstance(document, Mapping) or "categories" not in document:
        raise ValueError(
            f"{source}: top level is {type(document).__name__}; expected a mapping "
            "with key 'categories'"
        )
    _reject_unknown_keys(document, _TOP_KEYS, "top level", source)
    if document.get("version", 1) != 1:
        raise ValueError(
            f"{source}: key 'version' is {document['version']!r}; expected 1"
        )
    categories = document["categories"]
    if not isinstance(categories, Mapping):
        raise ValueError(
            f"{source}: key 'categories' is {categories!r}; expected a mapping "
            "from category name to {description, phrases}"
        )
    phrases: dict[str, list[str]] = {}
    descriptions: dict[str, str] = {}
    for name, body in categories.items():
        key = f"categories.{name}"
        if not isinstance(body, Mapping) or "phrases" not in body:
            raise ValueError(
                f"{source}: key '{key}' is {body!r}; expected a mapping with key "
                "'phrases' (a list of strings) and optionally 'description'"
            )
        _reject_unknown_keys(body, _CATEGORY_KEYS, f"key '{key}'", source)
        description = body.get("description", "")
        if not isinstance(description, str):
            raise ValueError(
                f"{source}: key '{key}.description' is {description!r}; "
                "expected a string"
            )
        phrases[str(name)], descriptions[str(name)] = body["phrases"], description
    return phrases, descriptions


def _reject_unknown_keys(
    mapping: Mapping[Any, Any], allowed: frozenset[str], where: str, source: str
) -> None:
    unknown = sorted(str(k) for k in mapping if k not in allowed)
    if unknown:
        raise ValueError(
            f"{source}: {where} has unknown key(s) {', '.join(unknown)}; "
            f"allowed: {', '.join(sorted(allowed))}"
        )


def _check_phrases(name: str, entries: Any, source: str) -> tuple[str, ...]:
    """Validate one category's name and phrases; return them whitespace-tidied."""
    key = f"categories.{name}"
    if not isinstance(name, str) or not _CATEGORY_NAME_RE.match(name):
        raise ValueError(
            f"{source}: key {key!r} is not a valid category name; use snake_case "
            "(lower-case letters, digits and underscores, starting with a letter)"
        )
    if isinstance(entries, str) or not isinstance(entries, Sequence) or not entries:
        raise ValueError(
            f"{source}: key '{key}.phrases' is {entries!r}; expected a non-empty "
            "list of strings"
        )
    seen: dict[str, int] = {}
    tidy: list[str] = []
    for i, phrase in enumerate(entries):
        where = f"{source}: key '{key}.phrases[{i}]'"
        problem = _phrase_problem(phrase)
        if problem:
            raise ValueError(f"{where} is {phrase!r}; {problem}")
        phrase = " ".join(phrase.split())
        folded = _normalise(phrase).casefold()
        if folded in seen:
            raise ValueError(
                f"{where} is {phrase!r}, which repeats phrases[{seen[folded]}]; "
                "remove one"
            )
        seen[folded] = i
        tidy.append(phrase)
    return tuple(tidy)


def _phrase_problem(phrase: Any) -> str:
    """Say what is wrong with one phrase, or return "" if nothing is."""
    if not isinstance(phrase, str) or not phrase.strip():
        return "expected a non-empty string"
    tokens = phrase.split()
    if any(SLOT in t and t != SLOT for t in tokens):
        return f"a slot {SLOT!r} must stand alone, separated by spaces"
    if all(t == SLOT for t in tokens):
        return "a phrase needs at least one word besides slots"
    return ""


def _compile(phrases: Sequence[str]) -> re.Pattern[str]:
    """One alternation for a category, longest phrases first so they win."""
    ordered = sorted(phrases, key=lambda p: (-len(p.split()), -len(p)))
    alternatives = "|".join(_phrase_pattern(p) for p in ordered)
    return re.compile(rf"(?<![\w'])(?:{alternatives})(?![\w'])", re.IGNORECASE)


def _phrase_pattern(phrase: str) -> str:
    parts = [
        _SLOT_PATTERN if token == SLOT else re.escape(token)
        for token in _normalise(phrase).split()
    ]
    return r"\s+".join(parts)
