"""Read finished run folders back, with no model or simulator installed.

A sweep (Hydra multirun) folder holds one run folder per job, each with
`manifest.json`, `summary.json`, `measures.parquet` and `episodes.jsonl`. A
run that crashed may lack the derived files; its episodes are still readable,
and a torn last line of `episodes.jsonl` is skipped.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

logger = logging.getLogger(__name__)


@dataclass
class RunFolder:
    """One run's files, as far as they exist.

    Attributes:
        path: the run folder.
        manifest: manifest.json, or {} when missing.
        summary: summary.json, or {} when missing.
        measures: measures.parquet, or None when the run never wrote it.
    """

    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    measures: pd.DataFrame | None = None

    @property
    def experiment(self) -> str:
        """The experiment's name, from the manifest or the measures."""
        name = self.manifest.get("experiment")
        if not name and self.measures is not None and not self.measures.empty:
            name = str(self.measures["experiment"].iloc[0])
        return str(name or "unknown")

    @property
    def complete(self) -> bool:
        """Whether the run wrote its measures."""
        return self.measures is not None

    def episodes(self) -> list[dict[str, Any]]:
        """The episode records of episodes.jsonl (a torn last line skipped)."""
        return read_jsonl(self.path / "episodes.jsonl")


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    """One record per line; a torn last line (a crash mid-write) is skipped.

    Raises:
        ValueError: a bad line that is not the last, naming path and line.
    """
    if not path.is_file():
        return []
    lines = path.read_text().splitlines()
    records = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            records.append(json.loads(line))
        except json.JSONDecodeError:
            if number == len(lines):
                logger.warning("%s:%d: skipping a torn last line", path, number)
                break
            raise ValueError(f"{path}:{number}: not a JSON object") from None
    return records


def _json(path: Path) -> dict[str, Any]:
    if not path.is_file():
        return {}
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise ValueError(f"{path}: not JSON ({err.msg}, line {err.lineno})") from None
    return data if isinstance(data, dict) else {}


def read_run(path: Path) -> RunFolder:
    """Read one run folder's manifest, summary and measures."""
    measures_path = path / "measures.parquet"
    measures = pd.read_parquet(measures_path) if measures_path.is_file() else None
    return RunFolder(
        path=path,
        manifest=_json(path / "manifest.json"),
        summary=_json(path / "summary.json"),
        measures=measures,
    )


def find_runs(sweep: Path) -> list[RunFolder]:
    """Every run folder under `sweep` (any folder with an episodes.jsonl).

    Raises:
        FileNotFoundError: `sweep` is not a folder, or holds no run folder.
    """
    if not sweep.is_dir():
        raise FileNotFoundError(f"{sweep}: not a folder")
    folders = sorted({p.parent for p in sweep.rglob("episodes.jsonl")})
    if not folders:
        raise FileNotFoundError(
            f"{sweep}: no run folders (folders with episodes.jsonl) below it"
        )
    return [read_run(folder) for folder in folders]
