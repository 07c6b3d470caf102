"""Helpers shared by the item readers: building items where they were found."""

from __future__ import annotations

import math
import re
from typing import Any

from agents.errors import InputError
from agents.items.item import Item

# An option line as datasets write them: "(A) Paris".
_OPTION_LINE = re.compile(r"^\(([A-Z])\)\s*(.*)$")

# A target that names one option: "(A)".
LETTER_TARGET = re.compile(r"^\(([A-Z])\)$")

# Who the user claims to be when a source names no field of expertise.
GENERIC_EXPERT = "researcher"


def build_item(where: str, **fields: Any) -> Item:
    """An `Item`, or an InputError that starts with `where` (file and line)."""
    try:
        return Item(**fields)
    except InputError as err:
        raise InputError(f"{where}: {err}") from None


def is_missing(value: Any) -> bool:
    """True for None and for a NaN read from JSON, which some datasets hold."""
    return value is None or (isinstance(value, float) and math.isnan(value))


def first_wrong(options: tuple[str, ...], correct: int) -> str:
    """The first option that is not the correct one, in listed order."""
    return next(text for i, text in enumerate(options) if i != correct)


def split_options(
    text: str, where: str
) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """Split text holding "(A) ..." lines into the rest, the letters and options.

    Lines before the first option line are the rest (the question); a line after
    an option line that is not one itself continues that option.

    Raises:
        InputError: letters are not A, B, C, ... in order, or an option is empty.
    """
    rest: list[str] = []
    letters: list[str] = []
    options: list[list[str]] = []
    for line in text.splitlines():
        match = _OPTION_LINE.match(line.strip())
        if match:
            letters.append(match.group(1))
            options.append([match.group(2).strip()])
        elif options:
            options[-1].append(line.strip())
        else:
            rest.append(line)

    expected = [chr(ord("A") + i) for i in range(len(letters))]
    if letters != expected:
        raise InputError(
            f"{where}: option letters are {', '.join(letters)}; expected "
            f"{', '.join(expected)} in order"
        )
    texts = tuple(" ".join(part for part in parts if part) for parts in options)
    if any(not option for option in texts):
        raise InputError(f"{where}: an option is empty: {list(texts)}")
    return "\n".join(rest).strip(), tuple(letters), texts
