"""Reading the package's data files and users' YAML or JSON files, loudly."""

from __future__ import annotations

import json
from importlib import resources
from pathlib import Path
from typing import Any

import yaml

from agents.errors import InputError


def builtin_path(name: str) -> Path:
    """The path of a file shipped in `agents/data/`, e.g. "demographics.yaml"."""
    return Path(str(resources.files("agents").joinpath("data", name)))


def read_text(path: str | Path, what: str) -> str:
    """The text of a UTF-8 file.

    Args:
        path: the file.
        what: what the file should be, for the error ("a POBS v1.1 JSON file").

    Raises:
        InputError: the file is missing or unreadable.
    """
    try:
        return Path(path).read_text(encoding="utf-8")
    except FileNotFoundError:
        raise InputError(f"{path}: no such file; expected {what}") from None
    except (OSError, UnicodeDecodeError) as err:
        raise InputError(f"{path}: cannot read it as {what} ({err})") from None


def read_structured(path: str | Path, what: str) -> Any:
    """Parse a YAML file, or a JSON file when the name ends in `.json`.

    Raises:
        InputError: the file is missing, unreadable or does not parse; the
            message names the file and, where the parser knows it, the line.
    """
    text = read_text(path, what)
    if str(path).endswith(".json"):
        try:
            return json.loads(text)
        except json.JSONDecodeError as err:
            raise InputError(
                f"{path}:{err.lineno}: not valid JSON ({err.msg}); expected {what}"
            ) from None
    try:
        return yaml.safe_load(text)
    except yaml.YAMLError as err:
        mark = getattr(err, "problem_mark", None)
        line = f":{mark.line + 1}" if mark is not None else ""
        raise InputError(
            f"{path}{line}: not valid YAML ({err}); expected {what}"
        ) from None


def require_mapping(value: Any, where: str, expected: str) -> dict[str, Any]:
    """`value` as a dict, or an InputError saying where and what was expected."""
    if not isinstance(value, dict) or not value:
        raise InputError(f"{where}: found {_short(value)}; expected {expected}")
    return value


def require_text(value: Any, where: str) -> str:
    """`value` as a non-blank string, or an InputError saying where."""
    if not isinstance(value, str) or not value.strip():
        raise InputError(f"{where}: found {_short(value)}; expected non-empty text")
    return value


def _short(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."
