"""The run manifest: what ran, on what, at what cost."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from pathlib import Path
from typing import Any

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
