"""Item banks: the project's own items, as YAML in `agents/data/items/`.

A bank file is a mapping with `kind` (one of `KINDS`) and `items`, a list of
records. The fields of a record are those of `Item`, except that a flawed
request is written as `request`, `flaw` and `better` (see
`flawed_requests.yaml`). `load_builtin` reads a shipped bank; `read_bank` reads
a user's file in the same format.
"""

from __future__ import annotations

from collections.abc import Mapping
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from agents._data_files import read_text
from agents.errors import InputError
from agents.items._common import build_item
from agents.items.item import KINDS, Item

__all__ = ["BUILTIN_FILES", "load_builtin", "parse_bank", "read_bank"]

# The shipped bank of each kind, in `agents/data/items/`.
BUILTIN_FILES: dict[str, str] = {
    "multiple_choice": "multiple_choice.yaml",
    "misconception": "misconceptions.yaml",
    "reasoning": "reasoning.yaml",
    "flawed_request": "flawed_requests.yaml",
}

# Record keys per kind: required, then optional. A flawed request's keys are
# renamed to Item fields by `_RENAMED`.
_REQUIRED: dict[str, tuple[str, ...]] = {
    "multiple_choice": ("id", "question", "options", "answer", "wrong"),
    "misconception": ("id", "question", "answer", "wrong", "follow_up"),
    "reasoning": ("id", "question", "answer", "wrong"),
    "flawed_request": ("id", "request", "flaw"),
}
_OPTIONAL: dict[str, tuple[str, ...]] = {
    "multiple_choice": ("expert", "category"),
    "misconception": ("expert", "category"),
    "reasoning": ("expert", "category"),
    "flawed_request": ("better", "expert", "category"),
}
_RENAMED = {"request": "question", "flaw": "wrong", "better": "answer"}

_WHAT = "an item bank: a YAML mapping with keys kind and items"


def load_builtin(kind: str) -> list[Item]:
    """The project's own items of one kind, in the order the bank lists them.

    Args:
        kind: one of `KINDS`.

    Raises:
        InputError: `kind` is not a known kind.
    """
    if kind not in BUILTIN_FILES:
        raise InputError(
            f"item kind {kind!r} has no built-in bank; known kinds: "
            f"{', '.join(BUILTIN_FILES)}"
        )
    return list(_builtin(kind))


@cache
def _builtin(kind: str) -> tuple[Item, ...]:
    name = BUILTIN_FILES[kind]
    text = (
        resources.files("agents")
        .joinpath("data", "items", name)
        .read_text(encoding="utf-8")
    )
    return tuple(parse_bank(text, f"agents/data/items/{name}", kind, "builtin"))


def read_bank(path: str | Path, kind: str | None = None) -> list[Item]:
    """The items of a bank file written in the project's format.

    Args:
        path: the YAML file.
        kind: the kind the caller needs; None accepts the file's own.

    Raises:
        InputError: the file is missing, does not parse, holds another kind, or
            a record is malformed; the message names the file and line.
    """
    text = read_text(path, _WHAT)
    return parse_bank(text, str(path), kind, Path(path).name)


def parse_bank(text: str, where: str, kind: str | None, source: str) -> list[Item]:
    """Items from the text of a bank; `where` names it in errors."""
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        problem = getattr(err, "problem", None) or str(err).splitlines()[0]
        raise InputError(f"{where}{line}: not valid YAML ({problem})") from None

    bank_kind, records = _bank_header(data, where)
    if kind is not None and kind != bank_kind:
        raise InputError(
            f"{where}: holds {bank_kind} items; {kind} items were asked for"
        )

    lines = _record_lines(root)
    items = []
    for index, record in enumerate(records):
        number = lines[index] if index < len(lines) else None
        at = f"{where}:{number}" if number else f"{where}: items[{index}]"
        items.append(_record_item(record, at, bank_kind, source))
    _check_unique(items, where)
    return items


def _bank_header(data: Any, where: str) -> tuple[str, list[Any]]:
    if not isinstance(data, dict):
        raise InputError(f"{where}: found {type(data).__name__}; expected {_WHAT}")
    extra = set(data) - {"kind", "items"}
    if extra:
        raise InputError(
            f"{where}: unknown top-level keys {sorted(map(str, extra))}; "
            "expected kind and items"
        )
    kind = data.get("kind")
    if kind not in KINDS:
        raise InputError(
            f"{where}: kind is {kind!r}; expected one of {', '.join(KINDS)}"
        )
    records = data.get("items")
    if not isinstance(records, list) or not records:
        raise InputError(f"{where}: items must be a non-empty list of records")
    return kind, records


def _record_lines(root: yaml.Node | None) -> list[int]:
    """The line of each record under `items`, from the YAML node tree."""
    if not isinstance(root, yaml.MappingNode):
        return []
    for key, value in root.value:
        if key.value == "items" and isinstance(value, yaml.SequenceNode):
            return [node.start_mark.line + 1 for node in value.value]
    return []


def _record_item(record: Any, at: str, kind: str, source: str) -> Item:
    if not isinstance(record, Mapping):
        raise InputError(f"{at}: found {type(record).__name__}; expected a record")
    required, optional = _REQUIRED[kind], _OPTIONAL[kind]
    missing = [key for key in required if key not in record]
    unknown = sorted(str(key) for key in record if key not in (*required, *optional))
    if missing or unknown:
        problem = f"missing {missing}" if missing else f"unknown keys {unknown}"
        raise InputError(
            f"{at}: a {kind} record has {problem}; required keys: "
            f"{', '.join(required)}; optional: {', '.join(optional)}"
        )

    fields: dict[str, Any] = {
        _RENAMED.get(str(key), str(key)): _scalar_text(value, f"{at}: {key}")
        for key, value in record.items()
        if key != "options"
    }
    if kind == "multiple_choice":
        fields.update(_options_fields(record, at))
    return build_item(at, kind=kind, source=source, **fields)


def _options_fields(record: Mapping[str, Any], at: str) -> dict[str, Any]:
    raw = record["options"]
    if not isinstance(raw, list):
        raise InputError(f"{at}: options must be a list of option texts")
    options = tuple(_scalar_text(value, f"{at}: options") for value in raw)
    answer = _scalar_text(record["answer"], f"{at}: answer")
    if answer not in options:
        raise InputError(
            f"{at}: answer {answer!r} is not one of the options {list(options)}"
        )
    return {"options": options, "correct": options.index(answer)}


def _scalar_text(value: Any, where: str) -> str:
    """A YAML scalar as stripped text; numbers are accepted as written."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        raise InputError(f"{where}: found {value!r}; expected text")
    text = str(value).strip()
    if not text:
        raise InputError(f"{where}: is empty; expected text")
    return text


def _check_unique(items: list[Item], where: str) -> None:
    seen: set[str] = set()
    for item in items:
        if item.id in seen:
            raise InputError(f"{where}: item id {item.id!r} appears more than once")
        seen.add(item.id)
