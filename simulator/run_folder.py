"""The run folder: what a run writes, written so that a crash loses little.

Episodes are appended one JSON line at a time, flushed and synced, so a run
killed at any moment leaves every finished episode readable; a torn last line
is skipped on reading. Derived files are written to a temporary name and
renamed, so a reader never sees half a file.
"""

from __future__ import annotations

import json
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import networkx as nx
import pandas as pd

logger = logging.getLogger(__name__)

# The columns of measures.parquet, before any condition columns.
MEASURE_COLUMNS = (
    "run_id",
    "experiment",
    "episode_id",
    "turn",
    "speaker",
    "measure",
    "value",
)


def atomic_write(path: Path, write: Callable[[Path], None]) -> None:
    """Call `write(temporary_path)`, then rename the result onto `path`."""
    temporary = path.with_name(f".{path.name}.tmp")
    write(temporary)
    os.replace(temporary, path)


def write_json(path: Path, data: Any) -> None:
    """Write `data` as indented JSON, atomically."""
    text = json.dumps(data, indent=2, default=str) + "\n"

    def write(tmp: Path) -> None:
        tmp.write_text(text)

    atomic_write(path, write)


def write_jsonl(path: Path, records: Iterable[dict[str, Any]]) -> None:
    """Write one JSON object a line, atomically."""

    def write(tmp: Path) -> None:
        with tmp.open("w") as handle:
            for record in records:
                handle.write(json.dumps(record, default=str) + "\n")

    atomic_write(path, write)


def write_measures(path: Path, frame: pd.DataFrame) -> None:
    """Write the tidy measures table as parquet, atomically."""
    atomic_write(path, lambda tmp: frame.to_parquet(tmp, index=False))


def write_graph(path: Path, graph: nx.Graph) -> None:
    """Write the interaction graph as GraphML, atomically."""
    atomic_write(path, lambda tmp: nx.write_graphml(graph, tmp))


class AppendLog:
    """An append-only JSONL file, one synced line per record (episodes.jsonl)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._handle = path.open("a")

    def append(self, record: dict[str, Any]) -> None:
        """Append one record and make it durable before returning."""
        self._handle.write(json.dumps(record, default=str) + "\n")
        self._handle.flush()
        os.fsync(self._handle.fileno())

    def close(self) -> None:
        self._handle.close()


def read_jsonl(path: Path) -> Iterator[dict[str, Any]]:
    """Read a JSONL file, skipping a torn last line left by a crash.

    Raises:
        ValueError: a bad line that is not the last one, naming path and line.
    """
    lines = path.read_text().splitlines()
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            yield json.loads(line)
        except json.JSONDecodeError:
            if number == len(lines):
                logger.warning("%s:%d: skipping a torn last line", path, number)
                return
            raise ValueError(f"{path}:{number}: not a JSON object") from None
