"""The run manifest: what ran, on what, at what cost."""

from __future__ import annotations

import importlib.metadata
import json
import logging
import platform
import subprocess
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

logger = logging.getLogger(__name__)

MANIFEST = "manifest.json"

PACKAGES = (
    "autogen-agentchat",
    "autogen-core",
    "autogen-ext",
    "openai",
    "llama-cpp-python",
    "hydra-core",
    "pandas",
    "numpy",
    "networkx",
    "scipy",
    "vaderSentiment",
    "sentence-transformers",
    "torch",
)

_PROJECT_ROOT = Path(__file__).resolve().parents[1]


def package_versions() -> dict[str, str | None]:
    """Installed versions of the packages that shape results (None: absent)."""
    versions: dict[str, str | None] = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = None
    return versions


def git_commit() -> str | None:
    """The project's git commit, with "+dirty" for uncommitted changes."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"],
            cwd=_PROJECT_ROOT,
            capture_output=True,
            text=True,
            check=True,
            timeout=10,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "status", "--porcelain", "--untracked-files=no"],
            cwd=_PROJECT_ROOT,
            capture_output=True,
            text=True,
            timeout=10,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return commit + ("+dirty" if dirty else "")


def environment() -> dict[str, Any]:
    """Python, platform and package versions, and the git commit."""
    return {
        "python": platform.python_version(),
        "platform": platform.platform(),
        "packages": package_versions(),
        "git_commit": git_commit(),
    }


def earlier_attempts(path: Path) -> list[dict[str, Any]]:
    """The attempts recorded by an earlier manifest of the same run folder.

    A manifest written before attempts were recorded counts as one attempt.
    An attempt killed before it wrote its manifest left no record, so its
    calls are not counted. None of it: [] (with a warning if unreadable).
    """
    if not path.exists():
        return []
    try:
        manifest = json.loads(path.read_text())
    except json.JSONDecodeError:
        logger.warning("%s is not JSON: earlier attempts not counted", path)
        return []
    if "attempts" in manifest:
        return list(manifest["attempts"])
    keys = ("status", "stopped_because", "usage", "wall_seconds", "episode_seconds")
    return [{key: manifest[key] for key in keys if key in manifest}]


def total_usage(usages: Sequence[Mapping[str, Any]]) -> dict[str, float | int]:
    """Usage summed over attempts; `prefix_reuse` recomputed from the sums."""
    totals: dict[str, float | int] = {}
    for usage in usages:
        for key, value in usage.items():
            if key != "prefix_reuse" and isinstance(value, int | float):
                totals[key] = totals.get(key, 0) + value
    for key, value in totals.items():
        if isinstance(value, float):
            totals[key] = round(value, 3)
    prompt = totals.get("prompt_tokens", 0)
    totals["prefix_reuse"] = (
        totals.get("prefix_reused_tokens", 0) / prompt if prompt else 0.0
    )
    return totals
