"""TruthfulQA (Lin, Hilton and Evans 2021): the CSV and `mc_task.json`.

Both files list the same 790 questions in the same order, so the item of row
`i` is `tqa-{i:04d}` in either. The CSV comes with the 2025 columns (with `Best
Incorrect Answer`) or the original ones (without it, when the first of the
`; `-joined `Incorrect Answers` is the wrong answer). Options of
multiple-choice items keep the files' order, correct answer first: the caller
shuffles them (`shuffle_options`).
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path
from typing import Any

from agents._data_files import read_text
from agents.errors import InputError
from agents.items._common import GENERIC_EXPERT, build_item
from agents.items.item import Item

__all__ = ["CSV_COLUMNS", "read_truthfulqa_csv", "read_truthfulqa_mc"]

# The CSV columns the reader uses; `Best Incorrect Answer` is optional.
CSV_COLUMNS: tuple[str, ...] = (
    "Category",
    "Question",
    "Best Answer",
    "Incorrect Answers",
)
_BEST_INCORRECT = "Best Incorrect Answer"

# Options of a multiple-choice item made from a CSV row: the best answer and
# up to three incorrect ones, the best incorrect first.
_CSV_OPTIONS = 4

# Who the user claims to be, by TruthfulQA category; others get GENERIC_EXPERT.
_EXPERTS: dict[str, str] = {
    "Health": "physician",
    "Nutrition": "nutritionist",
    "Law": "lawyer",
    "History": "historian",
    "Science": "scientist",
    "Economics": "economist",
    "Finance": "financial analyst",
    "Psychology": "psychologist",
    "Sociology": "sociologist",
    "Language": "linguist",
    "Weather": "meteorologist",
    "Religion": "theologian",
    "Politics": "political scientist",
    "Education": "education researcher",
    "Statistics": "statistician",
    "Fiction": "literature professor",
    "Myths and Fairytales": "folklorist",
    "Proverbs": "linguist",
    "Misquotations": "historian",
}

_CSV_KINDS = ("misconception", "multiple_choice")
_MC_KINDS = ("multiple_choice", "misconception")


def read_truthfulqa_csv(path: str | Path, kind: str | None = None) -> list[Item]:
    """Items from a TruthfulQA CSV, 2025 or original columns.

    Args:
        path: the CSV file.
        kind: "misconception" (the default: the question, the best answer and
            the wrong answer) or "multiple_choice" (the best answer and up to
            three incorrect answers as options, correct first, unshuffled).

    Raises:
        InputError: the file is missing, a used column is absent (the message
            lists the columns found), or a row is malformed (file and line).
    """
    kind = _check_kind(kind, _CSV_KINDS, path)
    text = read_text(path, "a TruthfulQA CSV file")
    reader = csv.DictReader(io.StringIO(text, newline=""), strict=True)
    _check_columns(reader.fieldnames, path)

    items = []
    line = 2
    try:
        for index, row in enumerate(reader):
            items.append(_csv_item(row, index, kind, f"{path}:{line}"))
            line = reader.line_num + 1
    except csv.Error as err:
        raise InputError(f"{path}:{reader.line_num}: not valid CSV ({err})") from None
    if not items:
        raise InputError(f"{path}: has a header but no rows")
    return items


def _check_columns(found: Any, path: str | Path) -> None:
    columns = list(found or [])
    missing = [name for name in CSV_COLUMNS if name not in columns]
    if missing:
        raise InputError(
            f"{path}: missing column {', '.join(repr(m) for m in missing)}; found "
            f"columns {columns}; a TruthfulQA CSV needs {', '.join(CSV_COLUMNS)}"
        )


def _csv_item(row: dict[str | None, Any], index: int, kind: str, at: str) -> Item:
    if None in row or None in row.values():
        raise InputError(f"{at}: the row's number of fields differs from the header")
    question = _cell(row, "Question", at)
    best = _cell(row, "Best Answer", at)
    incorrect = [part.strip() for part in row["Incorrect Answers"].split("; ")]
    incorrect = [part for part in incorrect if part]
    wrong = (row.get(_BEST_INCORRECT) or "").strip() or next(iter(incorrect), "")
    if not wrong:
        raise InputError(f"{at}: no incorrect answer in 'Incorrect Answers'")

    category = (row["Category"] or "").strip()
    common: dict[str, Any] = {
        "id": f"tqa-{index:04d}",
        "question": question,
        "answer": best,
        "wrong": wrong,
        "expert": _EXPERTS.get(category, GENERIC_EXPERT),
        "source": "truthfulqa",
        "category": category,
    }
    if kind == "misconception":
        return build_item(at, kind=kind, **common)
    options = _csv_options(best, wrong, incorrect)
    return build_item(at, kind=kind, options=options, correct=0, **common)


def _csv_options(best: str, wrong: str, incorrect: list[str]) -> tuple[str, ...]:
    options = [best]
    for text in (wrong, *incorrect):
        if text not in options and len(options) < _CSV_OPTIONS:
            options.append(text)
    return tuple(options)


def _cell(row: dict[str | None, Any], column: str, at: str) -> str:
    text = (row[column] or "").strip()
    if not text:
        raise InputError(f"{at}: column {column!r} is empty")
    return text


def read_truthfulqa_mc(path: str | Path, kind: str | None = None) -> list[Item]:
    """Items from TruthfulQA's `mc_task.json`, using the `mc1_targets`.

    The options keep the file's order, in which the correct answer comes first;
    `wrong` is the first incorrect option.

    Args:
        path: the JSON file: a list of {question, mc0_targets, mc1_targets,
            mc2_targets}, each map from answer text to 1 (correct) or 0.
        kind: "multiple_choice" (the default) or "misconception" (the question,
            the correct answer and the first incorrect one, without options).

    Raises:
        InputError: the file is missing or malformed; the message names the file
            and the JSON path of the bad entry.
    """
    kind = _check_kind(kind, _MC_KINDS, path)
    text = read_text(path, "TruthfulQA's mc_task.json")
    try:
        data = json.loads(text)
    except json.JSONDecodeError as err:
        raise InputError(f"{path}:{err.lineno}: not valid JSON ({err.msg})") from None
    if not isinstance(data, list) or not data:
        raise InputError(f"{path}: expected a non-empty JSON list of questions")
    return [_mc_item(entry, i, kind, path) for i, entry in enumerate(data)]


def _mc_item(entry: Any, index: int, kind: str, path: str | Path) -> Item:
    at = f"{path}: [{index}]"
    if not isinstance(entry, dict):
        raise InputError(f"{at}: found {type(entry).__name__}; expected an object")
    question = entry.get("question")
    if not isinstance(question, str) or not question.strip():
        raise InputError(f"{at}.question: missing or not text")
    targets = entry.get("mc1_targets")
    if not isinstance(targets, dict) or len(targets) < 2:
        raise InputError(
            f"{at}.mc1_targets: expected a map of at least two answers to 0 or 1"
        )
    marks = list(targets.values())
    if any(mark not in (0, 1) or isinstance(mark, bool) for mark in marks):
        raise InputError(f"{at}.mc1_targets: values must be 0 or 1, found {marks}")
    if marks.count(1) != 1:
        raise InputError(
            f"{at}.mc1_targets: expected exactly one answer marked 1, found "
            f"{marks.count(1)}"
        )

    options = tuple(str(text).strip() for text in targets)
    correct = marks.index(1)
    wrong = options[marks.index(0)]
    common: dict[str, Any] = {
        "id": f"tqa-{index:04d}",
        "question": question.strip(),
        "answer": options[correct],
        "wrong": wrong,
        "expert": GENERIC_EXPERT,
        "source": "truthfulqa",
    }
    if kind == "misconception":
        return build_item(at, kind=kind, **common)
    return build_item(at, kind=kind, options=options, correct=correct, **common)


def _check_kind(kind: str | None, allowed: tuple[str, ...], path: str | Path) -> str:
    """The kind to make: `kind`, or the format's first kind when it is None."""
    if kind is None:
        return allowed[0]
    if kind not in allowed:
        raise InputError(
            f"{path}: a TruthfulQA file gives {' or '.join(allowed)} items, not "
            f"{kind!r}"
        )
    return kind
