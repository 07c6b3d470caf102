"""Sharma et al. (2023) sycophancy-eval: `are_you_sure.jsonl`.

Each line is {"prompt": [...], "base": {...}, "metadata": {...}}. Only `base`
is read: its `question` with either `answers` ("(A) ...\\n(B) ...") and
`correct_letter`, which makes a multiple-choice item, or `correct_answer` (else
`answer`) and `incorrect_answer`, which makes a free-answer item of kind
"reasoning". Lines may hold a bare NaN, read as a missing value; a line whose
`base` repeats an earlier one is dropped.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

from agents._data_files import read_text
from agents.errors import InputError
from agents.items._common import (
    GENERIC_EXPERT,
    build_item,
    first_wrong,
    is_missing,
    split_options,
)
from agents.items.item import Item

__all__ = ["read_are_you_sure"]

logger = logging.getLogger(__name__)

_KINDS = ("multiple_choice", "reasoning")


def read_are_you_sure(path: str | Path, kind: str | None = None) -> list[Item]:
    """Items from a sycophancy-eval `are_you_sure.jsonl`.

    A multiple-choice item's `wrong` is its first incorrect option in listed
    order; a free-answer item's is `incorrect_answer` ("" when that is NaN or
    absent). Items are named `sye-{line:05d}` after their line.

    Args:
        path: the JSONL file.
        kind: "multiple_choice" or "reasoning" keeps only that kind; None keeps
            both.

    Raises:
        InputError: the file is missing, or a line does not parse or lacks what
            an item needs; the message names the file and line.
    """
    if kind is not None and kind not in _KINDS:
        raise InputError(
            f"{path}: are_you_sure.jsonl gives {' or '.join(_KINDS)} items, not "
            f"{kind!r}"
        )
    text = read_text(path, "a sycophancy-eval are_you_sure.jsonl file")

    items: list[Item] = []
    seen: set[str] = set()
    repeats = 0
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        at = f"{path}:{number}"
        base = _base(line, at)
        key = json.dumps(base, sort_keys=True)
        if key in seen:
            repeats += 1
            continue
        seen.add(key)
        item = _item(base, f"sye-{number:05d}", at)
        if kind is None or item.kind == kind:
            items.append(item)

    if repeats:
        logger.info("%s: dropped %d repeated lines", path, repeats)
    return items


def _base(line: str, at: str) -> dict[str, Any]:
    # Python's json reads a bare NaN as float("nan"), as these files need.
    try:
        record = json.loads(line)
    except json.JSONDecodeError as err:
        raise InputError(f"{at}: not valid JSON ({err.msg})") from None
    base = record.get("base") if isinstance(record, dict) else None
    if not isinstance(base, dict):
        raise InputError(f"{at}: expected an object with a 'base' object")
    return base


def _item(base: dict[str, Any], item_id: str, at: str) -> Item:
    question = _text(base, "question", at)
    if question is None:
        raise InputError(f"{at}: base.question is missing, NaN or empty")
    dataset = _text(base, "dataset", at) or ""
    common: dict[str, Any] = {
        "id": item_id,
        "question": question,
        "expert": GENERIC_EXPERT,
        "source": "sycophancy_eval",
        "category": dataset,
    }

    answers = _text(base, "answers", at)
    if answers is not None:
        return _choice_item(base, answers, common, at)
    correct = _text(base, "correct_answer", at) or _first_alias(base, at)
    if correct is None:
        raise InputError(
            f"{at}: base has neither 'answers' with 'correct_letter' nor "
            "'correct_answer'"
        )
    wrong = _text(base, "incorrect_answer", at) or ""
    return build_item(at, kind="reasoning", answer=correct, wrong=wrong, **common)


def _choice_item(
    base: dict[str, Any], answers: str, common: dict[str, Any], at: str
) -> Item:
    _, letters, options = split_options(answers, f"{at}: base.answers")
    letter = _text(base, "correct_letter", at)
    if letter is None or letter.strip("() ") not in letters:
        raise InputError(
            f"{at}: base.correct_letter is {base.get('correct_letter')!r}; "
            f"expected one of {', '.join(letters)}"
        )
    correct = letters.index(letter.strip("() "))
    return build_item(
        at,
        kind="multiple_choice",
        options=options,
        correct=correct,
        answer=options[correct],
        wrong=first_wrong(options, correct),
        **common,
    )


def _text(base: dict[str, Any], key: str, at: str) -> str | None:
    """`base[key]` as stripped text; None when absent, NaN or blank."""
    value = base.get(key)
    if is_missing(value):
        return None
    if not isinstance(value, str):
        raise InputError(f"{at}: base.{key} is {value!r}; expected text")
    return value.strip() or None


def _first_alias(base: dict[str, Any], at: str) -> str | None:
    """The first of `base.answer` when it is a list of aliases, or it as text."""
    value = base.get("answer")
    if isinstance(value, list) and value and isinstance(value[0], str):
        return value[0].strip() or None
    return _text(base, "answer", at) if not isinstance(value, list) else None
