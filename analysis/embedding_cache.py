"""An on-disk cache of sentence embeddings, keyed by embedder and text.

A rerun of an analysis then needs neither torch nor the model: every vector
comes from the cache, and the embedder is only loaded for texts it has not
seen.
"""

from __future__ import annotations

import hashlib
import logging
import sqlite3
from collections.abc import Sequence
from pathlib import Path

import numpy as np

from analysis.embedding import Embedder

logger = logging.getLogger(__name__)


class CachedEmbedder:
    """Wraps an embedder; stores every vector it computes in SQLite."""

    def __init__(self, inner: Embedder, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        self._inner = inner
        self._db = sqlite3.connect(str(path), timeout=60.0, isolation_level=None)
        self._db.execute("PRAGMA journal_mode=WAL")
        self._db.execute(
            "CREATE TABLE IF NOT EXISTS vectors (key TEXT PRIMARY KEY, vector BLOB)"
        )
        self.hits = 0
        self.misses = 0

    @property
    def name(self) -> str:
        return self._inner.name

    def _key(self, text: str) -> str:
        return hashlib.sha256(f"{self._inner.name}\0{text}".encode()).hexdigest()

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Vectors for `texts`, computing only those not yet cached."""
        keys = [self._key(t) for t in texts]
        found = self._lookup(keys)
        missing = sorted({i for i, k in enumerate(keys) if k not in found})
        if missing:
            vectors = self._inner.encode([texts[i] for i in missing])
            rows = [
                (keys[i], v.astype(np.float32).tobytes())
                for i, v in zip(missing, vectors, strict=True)
            ]
            self._db.executemany("INSERT OR IGNORE INTO vectors VALUES (?, ?)", rows)
            found.update({key: np.frombuffer(blob, np.float32) for key, blob in rows})
        self.hits += len(texts) - len(missing)
        self.misses += len(missing)
        if not texts:
            return self._inner.encode([])
        return np.stack([found[k] for k in keys])

    def _lookup(self, keys: list[str]) -> dict[str, np.ndarray]:
        found: dict[str, np.ndarray] = {}
        unique = list(dict.fromkeys(keys))
        for start in range(0, len(unique), 500):
            chunk = unique[start : start + 500]
            marks = ",".join("?" * len(chunk))
            query = f"SELECT key, vector FROM vectors WHERE key IN ({marks})"
            for key, blob in self._db.execute(query, chunk):
                found[key] = np.frombuffer(blob, np.float32)
        return found

    def close(self) -> None:
        self._db.close()
