"""Reading a population from a file: Nemotron-Personas-USA or persona records.

Two layouts are read: NVIDIA Nemotron-Personas-USA (`.parquet` or `.jsonl`,
no stances or tastes) and a JSONL of `Persona.to_record()` dicts, which add
`stances` and `tastes`. A sample of the file's records can be stratified by a
column, with each stratum's share kept.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from agents._data_files import read_text
from agents.errors import InputError
from agents.persona import REQUIRED_FIELDS, Persona

logger = logging.getLogger(__name__)

POPULATION_SUFFIXES: tuple[str, ...] = (".parquet", ".jsonl")
_WHAT = "a Nemotron-Personas .parquet or .jsonl file, or a JSONL of persona records"


def load_population_file(
    path: str,
    size: int | None,
    rng: np.random.Generator,
    stratify_by: str | None = None,
) -> list[Persona]:
    """Read personas from a file, all of them or a seeded sample.

    Args:
        path: a `.parquet` or `.jsonl` file with at least the columns of
            `agents.persona.REQUIRED_FIELDS`.
        size: how many personas to sample, 1 to the number of records; None
            reads all of them in file order.
        rng: draws the sample; unused when `size` is None.
        stratify_by: a column whose values split the file into strata; each
            stratum gets a share of `size` proportional to its share of the
            file (largest-remainder rounding). None samples uniformly.

    Returns:
        The sampled personas, in file order.

    Raises:
        InputError: the file is missing, empty or malformed, lacks required
            columns, a record is bad (the message gives `path:line`), `size`
            exceeds the records available, or `stratify_by` is not a column.
    """
    rows = _open_rows(path)
    if len(rows) == 0:
        raise InputError(f"{path}: no records; expected {_WHAT}")
    missing = [name for name in REQUIRED_FIELDS if name not in rows.columns]
    if missing:
        raise InputError(
            f"{path}: missing column(s) {', '.join(missing)}; a persona file needs "
            f"{', '.join(REQUIRED_FIELDS)}"
        )

    if stratify_by is not None and stratify_by not in rows.columns:
        raise InputError(
            f"{path}: cannot stratify by {stratify_by!r}, which is not a column; "
            f"columns: {', '.join(sorted(rows.columns))}"
        )
    strata = None if stratify_by is None else rows.values(stratify_by)
    indices = _sample_indices(len(rows), size, rng, strata, path)

    personas = [
        Persona.from_record(rec, where=where) for where, rec in rows.take(indices)
    ]
    _check_stance_widths(personas, path)
    logger.info("read %d of %d personas from %s", len(personas), len(rows), path)
    return personas


def stratified_indices(
    strata: Sequence[Any], size: int, rng: np.random.Generator
) -> np.ndarray:
    """Sample `size` row indices with each stratum's share of the rows kept.

    Each stratum gets `size * count / total` rows rounded down; the rows left
    over go to the strata with the largest remainders (ties: strata in sorted
    order). Rows within a stratum are drawn uniformly without replacement.

    Args:
        strata: one stratum label per row; None and NaN form one stratum "".
        size: number of rows to draw, 0 to len(strata).
        rng: draws the rows within each stratum.

    Returns:
        Sorted row indices, `size` of them, no repeats.
    """
    labels = np.array([_stratum(value) for value in strata])
    names, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    total = len(labels)
    quotas = counts * size // total
    remainders = counts * size % total
    leftover = size - int(quotas.sum())
    quotas[np.argsort(-remainders, kind="stable")[:leftover]] += 1

    chosen = [
        rng.choice(np.flatnonzero(inverse == s), size=int(q), replace=False)
        for s, q in enumerate(quotas)
        if q
    ]
    logger.debug(
        "stratum quotas: %s", dict(zip(names.tolist(), quotas.tolist(), strict=True))
    )
    return np.sort(np.concatenate(chosen)) if chosen else np.zeros(0, dtype=int)


def _sample_indices(
    available: int,
    size: int | None,
    rng: np.random.Generator,
    strata: list[Any] | None,
    path: str,
) -> np.ndarray:
    if size is None:
        return np.arange(available)
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise InputError(f"population size is {size!r}; expected a whole number >= 1")
    if size > available:
        raise InputError(
            f"{path}: asked for {size} personas, but the file has {available} "
            f"records; use a size of at most {available}, or none for all"
        )
    if strata is not None:
        return stratified_indices(strata, size, rng)
    return np.sort(rng.choice(available, size=size, replace=False))


def _stratum(value: Any) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    return str(value)


def _check_stance_widths(personas: list[Persona], path: str) -> None:
    widths = {len(p.stances) for p in personas}
    if len(widths) > 1:
        raise InputError(
            f"{path}: records have stance vectors of lengths "
            f"{', '.join(str(w) for w in sorted(widths))}; all records of a "
            "population need one length"
        )


# ---------------------------------------------------------------- file formats


class _Rows(Protocol):
    """The records of a file, fetched by index."""

    columns: frozenset[str]

    def __len__(self) -> int: ...

    def values(self, column: str) -> list[Any]: ...

    def take(self, indices: np.ndarray) -> Iterator[tuple[str, dict[str, Any]]]: ...


def _open_rows(path: str) -> _Rows:
    if not Path(path).is_file():
        raise InputError(f"{path}: no such file; expected {_WHAT}")
    suffix = Path(path).suffix.lower()
    if suffix not in POPULATION_SUFFIXES:
        raise InputError(
            f"{path}: unknown file type {suffix or '(none)'}; expected one of "
            f"{', '.join(POPULATION_SUFFIXES)}"
        )
    return _ParquetRows(path) if suffix == ".parquet" else _JsonlRows(path)


class _JsonlRows:
    """A JSONL file, one JSON object a line; blank lines are skipped."""

    def __init__(self, path: str) -> None:
        self._path = path
        self._records: list[dict[str, Any]] = []
        self._lines: list[int] = []
        for number, line in enumerate(read_text(path, _WHAT).splitlines(), 1):
            if not line.strip():
                continue
            try:
                record = json.loads(line)
            except json.JSONDecodeError as err:
                raise InputError(
                    f"{path}:{number}: not valid JSON ({err.msg}); expected one "
                    "JSON object a line"
                ) from None
            if not isinstance(record, dict):
                raise InputError(
                    f"{path}:{number}: found {type(record).__name__}; expected "
                    "one JSON object a line"
                )
            self._records.append(record)
            self._lines.append(number)
        self.columns = frozenset(key for record in self._records for key in record)

    def __len__(self) -> int:
        return len(self._records)

    def values(self, column: str) -> list[Any]:
        return [record.get(column) for record in self._records]

    def take(self, indices: np.ndarray) -> Iterator[tuple[str, dict[str, Any]]]:
        for i in indices.tolist():
            yield f"{self._path}:{self._lines[i]}", self._records[i]


class _ParquetRows:
    """A parquet file, read whole; rows become dicts only when taken."""

    def __init__(self, path: str) -> None:
        import pyarrow as pa
        import pyarrow.parquet as pq

        self._path = path
        try:
            self._table = pq.read_table(path)
        except (pa.ArrowException, OSError) as err:
            raise InputError(f"{path}: not a readable parquet file ({err})") from None
        self.columns = frozenset(self._table.column_names)

    def __len__(self) -> int:
        return int(self._table.num_rows)

    def values(self, column: str) -> list[Any]:
        return list(self._table.column(column).to_pylist())

    def take(self, indices: np.ndarray) -> Iterator[tuple[str, dict[str, Any]]]:
        records = self._table.take(indices).to_pylist()
        for i, record in zip(indices.tolist(), records, strict=True):
            yield f"{self._path}:row {i + 1}", record
