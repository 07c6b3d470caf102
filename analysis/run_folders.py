"""Read finished run folders back, with no model or simulator installed.

A sweep (Hydra multirun) folder holds one run folder per job, each with
`manifest.json`, `summary.json`, `measures.parquet`, `episodes.jsonl` and
Hydra's `.hydra/config.yaml`. A run that stopped early lacks the files written
at its end: they read as absent (`RunFolder.missing`), its episodes are still
readable, and a torn last line of `episodes.jsonl` is skipped. A file that is
there but malformed is an error that names it (`RunFolderError`).
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

logger = logging.getLogger(__name__)

# Hydra's copy of the run's composed config, in the run folder.
CONFIG_FILE = ".hydra/config.yaml"


class RunFolderError(ValueError):
    """A file of a run folder is there but malformed; the message names it."""


@dataclass
class RunFolder:
    """One run's files, as far as they exist.

    Attributes:
        path: the run folder.
        manifest: manifest.json; {} when the run did not write it.
        summary: summary.json; {} when the run did not write it.
        measures: measures.parquet; None when the run did not write it (a run
            that stopped early: `analysis compare` leaves it out and lists it).
        config: `.hydra/config.yaml`, the run's composed config; None when
            absent (a run made in-process, or a folder copied without it).
        missing: which of manifest.json, summary.json and measures.parquet
            the run did not write.
    """

    path: Path
    manifest: dict[str, Any] = field(default_factory=dict)
    summary: dict[str, Any] = field(default_factory=dict)
    measures: pd.DataFrame | None = None
    config: dict[str, Any] | None = None
    missing: tuple[str, ...] = ()

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
        RunFolderError: a bad line that is not the last, naming path and line.
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
            raise RunFolderError(f"{path}:{number}: not a JSON object") from None
    return records


def _json(path: Path) -> dict[str, Any] | None:
    """The JSON object in `path`; None when the file is absent."""
    if not path.is_file():
        return None
    try:
        data = json.loads(path.read_text())
    except json.JSONDecodeError as err:
        raise RunFolderError(
            f"{path}: not JSON ({err.msg}, line {err.lineno})"
        ) from None
    if not isinstance(data, dict):
        raise RunFolderError(
            f"{path}: found a JSON {type(data).__name__}; expected an object"
        )
    return data


def _config(path: Path) -> dict[str, Any] | None:
    """The run's composed config; None when the file is absent."""
    if not path.is_file():
        return None
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as err:
        problem = getattr(err, "problem", None) or type(err).__name__
        raise RunFolderError(f"{path}: not valid YAML ({problem})") from None
    if not isinstance(data, dict):
        raise RunFolderError(
            f"{path}: found {type(data).__name__}; expected the run's config mapping"
        )
    return data


def read_run(path: Path) -> RunFolder:
    """Read one run folder's manifest, summary, measures and config.

    Raises:
        RunFolderError: a file is there but malformed (not JSON, not an
            object, not a parquet table); the message names it.
    """
    manifest = _json(path / "manifest.json")
    summary = _json(path / "summary.json")
    measures = _measures(path / "measures.parquet")
    absent = {
        "manifest.json": manifest is None,
        "summary.json": summary is None,
        "measures.parquet": measures is None,
    }
    return RunFolder(
        path=path,
        manifest=manifest or {},
        summary=summary or {},
        measures=measures,
        config=_config(path / CONFIG_FILE),
        missing=tuple(name for name, gone in absent.items() if gone),
    )


def _measures(path: Path) -> pd.DataFrame | None:
    if not path.is_file():
        return None
    try:
        return pd.read_parquet(path)
    except (OSError, ValueError) as err:
        raise RunFolderError(f"{path}: not a parquet table ({err})") from None


def find_runs(sweep: Path) -> list[RunFolder]:
    """Every run folder under `sweep` (any folder with an episodes.jsonl).

    Raises:
        FileNotFoundError: `sweep` is not a folder, or holds no run folder.
        RunFolderError: a run's file is there but malformed.
    """
    if not sweep.is_dir():
        raise FileNotFoundError(f"{sweep}: not a folder")
    folders = sorted({p.parent for p in sweep.rglob("episodes.jsonl")})
    if not folders:
        raise FileNotFoundError(
            f"{sweep}: no run folders (folders with episodes.jsonl) below it"
        )
    return [read_run(folder) for folder in folders]
