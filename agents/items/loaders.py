"""Reading items from a file: the format is given or detected, then its reader.

`load_items` is what `items.path` and `items.format` choose. Formats:

- `bank`: the project's YAML bank format (as in `agents/data/items/`); the
  file's kind.
- `truthfulqa_csv`: TruthfulQA CSV, 2025 or original columns; misconception
  (default) or multiple_choice.
- `truthfulqa_mc`: TruthfulQA `mc_task.json` (mc1 targets); multiple_choice
  (default) or misconception.
- `are_you_sure`: sycophancy-eval `are_you_sure.jsonl`; multiple_choice and
  reasoning.
- `bbh`: a BIG-Bench Hard task JSON file; multiple_choice and reasoning.
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from collections.abc import Callable
from pathlib import Path

from agents._data_files import read_text
from agents.errors import InputError
from agents.items.bank import read_bank
from agents.items.bbh import read_bbh
from agents.items.item import KINDS, Item
from agents.items.sycophancy_eval import read_are_you_sure
from agents.items.truthfulqa import read_truthfulqa_csv, read_truthfulqa_mc

__all__ = ["FORMATS", "detect_format", "load_items"]

logger = logging.getLogger(__name__)

Reader = Callable[[str | Path, str | None], list[Item]]

# Each format's reader: reader(path, kind) -> items; kind None is its default.
FORMATS: dict[str, Reader] = {
    "bank": read_bank,
    "truthfulqa_csv": read_truthfulqa_csv,
    "truthfulqa_mc": read_truthfulqa_mc,
    "are_you_sure": read_are_you_sure,
    "bbh": read_bbh,
}

_BY_SUFFIX = {
    ".yaml": "bank",
    ".yml": "bank",
    ".csv": "truthfulqa_csv",
    ".jsonl": "are_you_sure",
}


def load_items(path: str, format: str = "auto", kind: str | None = None) -> list[Item]:
    """The items of a file, in the file's order.

    Args:
        path: the file.
        format: one of `FORMATS`, or "auto" to detect it from the file's name
            and, for `.json`, its content.
        kind: the kind of item wanted (one of `KINDS`); None takes the format's
            default, or every kind the file holds. Options are not shuffled.

    Raises:
        InputError: the file is missing, its format is unknown or cannot be
            detected, the format cannot give `kind`, the file is malformed (the
            message names the file and line or JSON path), it yields no items
            of `kind`, or two items share an id.
    """
    if format != "auto" and format not in FORMATS:
        raise InputError(
            f"items.format: {format!r} is not a known format; choose auto or one "
            f"of {', '.join(FORMATS)}"
        )
    if kind is not None and kind not in KINDS:
        raise InputError(f"item kind {kind!r} is not one of {', '.join(KINDS)}")
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file; expected an item file (items.path)")

    name = detect_format(path) if format == "auto" else format
    items = FORMATS[name](path, kind)
    if not items:
        raise InputError(f"{path}: no {kind or ''} items found (read as {name})")
    _check_ids(items, path)
    logger.info("%s: %d items (%s)", path, len(items), _kinds(items))
    return items


def detect_format(path: str | Path) -> str:
    """The format of a file, from its suffix and, for `.json`, its content.

    Raises:
        InputError: the format cannot be told; the message lists the formats.
    """
    suffix = Path(path).suffix.lower()
    if suffix in _BY_SUFFIX:
        return _BY_SUFFIX[suffix]
    if suffix == ".json":
        return _json_format(path)
    raise InputError(
        f"{path}: cannot tell the item format from the suffix {suffix!r}; set "
        f"items.format to one of {', '.join(FORMATS)}"
    )


def _json_format(path: str | Path) -> str:
    text = read_text(path, "a JSON item file")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
    first = data[0] if isinstance(data, list) and data else None
    if isinstance(first, dict) and "mc1_targets" in first:
        return "truthfulqa_mc"
    if isinstance(data, dict) and "examples" in data:
        return "bbh"
    raise InputError(
        f"{path}: a JSON file that is neither TruthfulQA's mc_task.json (a list "
        "with mc1_targets) nor a BIG-Bench Hard task (an object with examples); "
        f"set items.format to one of {', '.join(FORMATS)}"
    )


def _check_ids(items: list[Item], path: str | Path) -> None:
    counts = Counter(item.id for item in items)
    repeated = [item_id for item_id, count in counts.items() if count > 1]
    if repeated:
        raise InputError(f"{path}: item ids repeat: {repeated[:5]}")


def _kinds(items: list[Item]) -> str:
    return ", ".join(f"{k} {n}" for k, n in Counter(i.kind for i in items).items())
