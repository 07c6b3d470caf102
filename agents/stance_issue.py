"""Stance issues: binary questions a persona takes a side on.

Issues come from `agents/data/stance_issues.yaml` (or a YAML file of the same
layout) or from the POBS v1.1 survey, whose graded questions are cut down to
their two extreme answers.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from agents._data_files import (
    builtin_path,
    read_structured,
    require_mapping,
    require_text,
)
from agents.errors import InputError

logger = logging.getLogger(__name__)

STANCE_SOURCES: tuple[str, ...] = ("builtin", "pobs")
DEFAULT_POBS_ISSUES = 12
_ISSUE_KEYS: tuple[str, ...] = ("id", "statement", "pro", "con")
_POBS_LAYOUT = "a POBS v1.1 JSON file (survey.topics[].questions[])"


@dataclass(frozen=True)
class StanceIssue:
    """One binary issue. A persona's stance is 1 for `pro`, 0 for `con`.

    Attributes:
        id: a short unique key, e.g. "remote_work" or "pobs_17".
        statement: the claim or question, e.g. "Remote work is better ...".
        pro: the answer of stance 1, e.g. "agree".
        con: the answer of stance 0, e.g. "disagree".
    """

    id: str
    statement: str
    pro: str
    con: str


def load_stance_issues(
    source: str = "builtin",
    path: str | None = None,
    k: int | None = None,
    rng: np.random.Generator | None = None,
) -> list[StanceIssue]:
    """Load stance issues, optionally picking `k` of them.

    Args:
        source: "builtin" for a YAML file of issues (the shipped
            `stance_issues.yaml` unless `path` names another one), or "pobs"
            for a POBS v1.1 JSON file at `path`.
        path: the file to read; required for "pobs".
        k: how many issues to keep, 1 to the number available. None keeps all
            builtin issues, and 12 POBS issues.
        rng: picks which `k` issues. None takes `k` issues evenly spaced in
            file order, which is deterministic and spans the file's topics.

    Returns:
        The issues in file order. A persona's stance vector follows this order.

    Raises:
        InputError: unknown source, missing or malformed file, bad `k`.
    """
    if source == "builtin":
        where = path or str(builtin_path("stance_issues.yaml"))
        issues = _read_issue_file(where)
    elif source == "pobs":
        if path is None:
            raise InputError(
                "stance issue source 'pobs' needs path=<POBS_v11.json>; none was given"
            )
        where = path
        issues = _read_pobs(path)
        k = DEFAULT_POBS_ISSUES if k is None else k
    else:
        raise InputError(
            f"stance issue source {source!r} is unknown; expected one of "
            f"{', '.join(STANCE_SOURCES)}"
        )
    return _pick(issues, k, rng, where)


def _read_issue_file(path: str) -> list[StanceIssue]:
    what = "a YAML map with key issues: a list of {id, statement, pro, con}"
    data = require_mapping(read_structured(path, what), path, what)
    raw = data.get("issues")
    if not isinstance(raw, list) or not raw:
        raise InputError(f"{path}: key issues is missing or empty; expected {what}")

    issues = []
    for i, entry in enumerate(raw):
        where = f"{path}: issues[{i}]"
        entry = require_mapping(entry, where, "a map {id, statement, pro, con}")
        missing = [key for key in _ISSUE_KEYS if key not in entry]
        unknown = sorted(set(entry) - set(_ISSUE_KEYS))
        if missing or unknown:
            raise InputError(
                f"{where}: missing key(s) {missing}, unknown key(s) {unknown}; "
                f"an issue has exactly {', '.join(_ISSUE_KEYS)}"
            )
        values = [require_text(entry[key], f"{where}.{key}") for key in _ISSUE_KEYS]
        issues.append(StanceIssue(*values))
    _check_unique(issues, path)
    return issues


def _read_pobs(path: str) -> list[StanceIssue]:
    issues, skipped = [], 0
    for where, question in _pobs_questions(path):
        issue = _pobs_issue(question, where)
        if issue is None:
            skipped += 1
        else:
            issues.append(issue)

    if not issues:
        raise InputError(
            f"{path}: no question has both a positive and a negative option; "
            f"expected {_POBS_LAYOUT} with options_polarity"
        )
    logger.info(
        "read %d stance issues from %s; skipped %d questions without a "
        "positive and a negative option",
        len(issues),
        path,
        skipped,
    )
    _check_unique(issues, path)
    return issues


def _pobs_questions(path: str) -> list[tuple[str, Any]]:
    """Every question of a POBS file, with where it sits for error messages."""
    data = read_structured(path, _POBS_LAYOUT)
    try:
        topics = data["survey"]["topics"]
    except (KeyError, TypeError):
        raise InputError(
            f"{path}: missing key survey.topics; expected {_POBS_LAYOUT}"
        ) from None
    if not isinstance(topics, list):
        raise InputError(
            f"{path}: survey.topics is not a list; expected {_POBS_LAYOUT}"
        )

    found = []
    for t, topic in enumerate(topics):
        questions = topic.get("questions") if isinstance(topic, dict) else None
        if not isinstance(questions, list):
            raise InputError(
                f"{path}: survey.topics[{t}] has no list questions; "
                f"expected {_POBS_LAYOUT}"
            )
        found += [
            (f"{path}: survey.topics[{t}].questions[{q}]", question)
            for q, question in enumerate(questions)
        ]
    return found


def _pobs_issue(question: Any, where: str) -> StanceIssue | None:
    """The question as an issue, or None when it has no two-sided polarity."""
    question = require_mapping(question, where, "a map {id, question, options}")
    missing = [k for k in ("id", "question", "options") if k not in question]
    if missing:
        raise InputError(f"{where}: missing key(s) {', '.join(missing)}")
    options = question["options"]
    polarity = question.get("options_polarity")
    if polarity is None:
        return None
    if not isinstance(options, list) or not isinstance(polarity, list):
        raise InputError(f"{where}: options and options_polarity must be lists")
    if len(options) != len(polarity):
        raise InputError(
            f"{where}: {len(options)} options but {len(polarity)} polarities; "
            "expected one polarity per option"
        )

    try:
        scored = [
            (float(p), str(o))
            for p, o in zip(polarity, options, strict=True)
            if p is not None
        ]
    except (TypeError, ValueError):
        raise InputError(
            f"{where}: options_polarity is {polarity!r}; expected numbers or null"
        ) from None
    if not scored:
        return None
    # max/min keep the first option on ties, i.e. the one listed first.
    top = max(scored, key=lambda pair: pair[0])
    bottom = min(scored, key=lambda pair: pair[0])
    if top[0] <= 0 or bottom[0] >= 0:
        return None
    statement = require_text(question["question"], f"{where}.question")
    return StanceIssue(f"pobs_{question['id']}", statement, top[1], bottom[1])


def _check_unique(issues: list[StanceIssue], where: str) -> None:
    seen: set[str] = set()
    for issue in issues:
        if issue.id in seen:
            raise InputError(f"{where}: issue id {issue.id!r} appears twice")
        seen.add(issue.id)


def _pick(
    issues: list[StanceIssue],
    k: int | None,
    rng: np.random.Generator | None,
    where: str | Path,
) -> list[StanceIssue]:
    n = len(issues)
    if k is None:
        return issues
    if isinstance(k, bool) or not isinstance(k, int) or not 1 <= k <= n:
        raise InputError(
            f"k={k!r}: {where} has {n} usable stance issues; choose k from 1 to {n}"
        )
    if rng is None:
        # i * n // k is strictly increasing for k <= n, so no index repeats.
        chosen = np.arange(k) * n // k
    else:
        chosen = np.sort(rng.choice(n, size=k, replace=False))
    return [issues[i] for i in chosen]
