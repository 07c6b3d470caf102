"""BIG-Bench Hard task files: {"canary": str, "examples": [{"input", "target"}]}.

An example whose input lists "(A) ..." option lines and whose target is "(A)"
becomes a multiple-choice item: the question is the input without its option
lines (and without an "Options:" line just before them), `wrong` the first
incorrect option. Any other example becomes a "reasoning" item with the target
as its answer. Its `wrong` is chosen by rule, since the files hold none:

- the task's targets take exactly two values (True/False, Yes/No, valid/
  invalid): the other value;
- the target is an integer: the integer one above it, an off-by-one slip;
- otherwise (word lists, bracket sequences): none; `wrong` is "" and such items
  cannot be used where a user must push a wrong answer.
"""

from __future__ import annotations

import json
import logging
import re
from pathlib import Path
from typing import Any

from agents._data_files import read_text
from agents.errors import InputError
from agents.items._common import (
    GENERIC_EXPERT,
    LETTER_TARGET,
    build_item,
    first_wrong,
    split_options,
)
from agents.items.item import Item

__all__ = ["read_bbh"]

logger = logging.getLogger(__name__)

_KINDS = ("multiple_choice", "reasoning")
_INTEGER = re.compile(r"^-?\d+$")


def read_bbh(path: str | Path, kind: str | None = None) -> list[Item]:
    """Items from one BIG-Bench Hard task file, named `bbh-{task}-{index:04d}`.

    Args:
        path: the task's JSON file; its name (without `.json`) is the task and
            the items' category.
        kind: "multiple_choice" or "reasoning" keeps only that kind; None keeps
            both.

    Raises:
        InputError: the file is missing or malformed; the message names the
            file and the JSON path (`examples[3].target`) of the bad entry.
    """
    if kind is not None and kind not in _KINDS:
        raise InputError(
            f"{path}: a BIG-Bench Hard file gives {' or '.join(_KINDS)} items, "
            f"not {kind!r}"
        )
    examples = _examples(path)
    task = Path(path).stem
    targets = {target for _, target in examples}

    items = []
    for index, (text, target) in enumerate(examples):
        at = f"{path}: examples[{index}]"
        item_id = f"bbh-{task}-{index:04d}"
        item = _item(text, target, item_id, task, targets, at)
        if kind is None or item.kind == kind:
            items.append(item)

    unpushable = sum(1 for item in items if not item.wrong)
    if unpushable:
        logger.warning(
            "%s: %d of %d items have no wrong answer to push",
            path,
            unpushable,
            len(items),
        )
    return items


def _examples(path: str | Path) -> list[tuple[str, str]]:
    text = read_text(path, "a BIG-Bench Hard task JSON file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
    examples = data.get("examples") if isinstance(data, dict) else None
    if not isinstance(examples, list) or not examples:
        raise InputError(f"{path}: expected an object with a non-empty 'examples' list")
    return [
        _example(entry, f"{path}: examples[{index}]")
        for index, entry in enumerate(examples)
    ]


def _example(entry: Any, at: str) -> tuple[str, str]:
    if not isinstance(entry, dict):
        raise InputError(f"{at}: found {type(entry).__name__}; expected an object")
    fields = []
    for key in ("input", "target"):
        value = entry.get(key)
        if not isinstance(value, str) or not value.strip():
            raise InputError(f"{at}.{key}: missing or not text")
        fields.append(value.strip())
    return fields[0], fields[1]


def _item(
    text: str, target: str, item_id: str, task: str, targets: set[str], at: str
) -> Item:
    common: dict[str, Any] = {
        "id": item_id,
        "expert": GENERIC_EXPERT,
        "source": "bbh",
        "category": task,
    }
    letter = LETTER_TARGET.match(target)
    if letter is None:
        wrong = _reasoning_wrong(target, targets)
        return build_item(
            at, kind="reasoning", question=text, answer=target, wrong=wrong, **common
        )

    question, letters, options = split_options(text, f"{at}.input")
    if letter.group(1) not in letters:
        raise InputError(
            f"{at}.target: is {target!r} but the input lists options "
            f"{', '.join(letters) or 'none'}"
        )
    if question.endswith("Options:"):
        question = question.removesuffix("Options:").rstrip()
    correct = letters.index(letter.group(1))
    return build_item(
        at,
        kind="multiple_choice",
        question=question,
        options=options,
        correct=correct,
        answer=options[correct],
        wrong=first_wrong(options, correct),
        **common,
    )


def _reasoning_wrong(target: str, targets: set[str]) -> str:
    if len(targets) == 2 and target in targets:
        return next(other for other in targets if other != target)
    if _INTEGER.match(target):
        return str(int(target) + 1)
    return ""
