"""Analysis of the persona-dislike suite against hand examples and numpy/scipy."""

from __future__ import annotations

from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.description_contrast import distinctive_words, tokens
from analysis.dislike_figures import interaction_graph_figure, rating_matrix_figure
from analysis.dislike_graph import (
    outgroup_derogation,
    pair_matrix,
    stance_clusters,
)
from analysis.statistics import clustered_ratio_of_means, mantel
from analysis.taste_effects import bundle_vector, compare_bundles, directed_effects

NODES = ["n0", "n1", "n2", "n3"]


def test_pair_matrix_is_symmetric_with_nan_off_the_sampled_pairs() -> None:
    matrix = pair_matrix(NODES, ["n0", "n2"], ["n1", "n3"], [10.0, 30.0])
    assert matrix[0, 1] == matrix[1, 0] == 10.0
    assert matrix[2, 3] == matrix[3, 2] == 30.0
    assert np.isnan(matrix[0, 2]) and (np.diag(matrix) == 0).all()
    with pytest.raises(ValueError, match="not in nodes"):
        pair_matrix(NODES, ["n9"], ["n1"], [1.0])


def test_stance_clusters_separate_two_planted_camps() -> None:
    camp = np.array([[1, 1, 1, 1, 0, 0]] * 3 + [[0, 0, 0, 0, 1, 1]] * 3)
    camp[1, 5] = 1  # a little noise inside the first camp
    labels = stance_clusters(camp, 2)
    assert labels.tolist() == [0, 0, 0, 1, 1, 1]
    assert stance_clusters(np.zeros((3, 0)), 2).tolist() == [0, 0, 0]


def test_outgroup_derogation_against_a_hand_example() -> None:
    nodes = [*NODES, "n4"]
    cluster = {"n0": 0, "n1": 0, "n2": 1, "n3": 1, "n4": 1}
    first, second = ["n0", "n0", "n1", "n2", "n3"], ["n1", "n2", "n3", "n3", "n4"]
    values = [10.0, 70.0, 50.0, 20.0, 5.0]
    derogation = outgroup_derogation(nodes, first, second, values, cluster)
    assert derogation["n0"] == pytest.approx(70 - 10)
    assert derogation["n1"] == pytest.approx(50 - 10)
    assert derogation["n2"] == pytest.approx(70 - 20)
    assert derogation["n3"] == pytest.approx(50 - (20 + 5) / 2)
    assert np.isnan(derogation["n4"])  # no out-cluster neighbour


def _sampled_matrices(
    rng: np.random.Generator, n: int, coupled: bool
) -> tuple[np.ndarray, np.ndarray]:
    points = rng.normal(size=(n, 2))
    distance = np.linalg.norm(points[:, None] - points[None], axis=-1)
    noise = rng.normal(scale=0.3, size=(n, n))
    dislike = (distance if coupled else 0) + (noise + noise.T)
    np.fill_diagonal(dislike, 0)
    # Only a third of the pairs are sampled, as on an interaction graph.
    keep = np.triu(rng.random((n, n)) < 0.35, 1)
    keep = keep | keep.T
    np.fill_diagonal(keep, True)
    return distance, np.where(keep, dislike, np.nan)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_mantel_over_sampled_pairs_finds_a_planted_link(seed: int) -> None:
    rng = np.random.default_rng(seed)
    distance, dislike = _sampled_matrices(rng, 16, coupled=True)
    result = mantel(distance, dislike, 999, rng=rng)
    assert result.p_value < 0.01
    upper = np.triu_indices(16, 1)
    x, y = distance[upper], dislike[upper]
    sampled = ~np.isnan(y)
    assert result.n_pairs == sampled.sum()
    assert result.statistic == pytest.approx(stats.pearsonr(x[sampled], y[sampled])[0])


def test_mantel_over_sampled_pairs_is_quiet_without_a_link() -> None:
    small = 0
    for seed in range(10):
        rng = np.random.default_rng(100 + seed)
        distance, dislike = _sampled_matrices(rng, 16, coupled=False)
        small += mantel(distance, dislike, 999, rng=rng).p_value < 0.05
    assert small <= 2


def test_directed_effects_against_a_hand_example() -> None:
    rows = [
        # pair p, baseline: a rated 5 and 7 (mean 6), b rated 4.
        ("baseline", None, "a", 5.0), ("baseline", None, "a", 7.0),
        ("baseline", None, "b", 4.0),
        # loves a: a 9 (in-group), b 2 (out-group).
        ("in_group", "a", "a", 9.0), ("out_group", "a", "b", 2.0),
        # loves b: b 8, a invalid (NaN).
        ("in_group", "b", "b", 8.0), ("out_group", "b", "a", np.nan),
    ]  # fmt: skip
    frame = pd.DataFrame(rows, columns=["relation", "liked_side", "item_role", "value"])
    frame["pair_id"], frame["domain"] = "p", "music"
    frame["item"] = frame["item_role"].map({"a": "jazz", "b": "country"})
    effects = directed_effects(frame).set_index("liked_side")
    assert effects.loc["a", "in_group_effect"] == 9 - 6
    assert effects.loc["a", "out_group_effect"] == 4 - 2
    assert effects.loc["b", "in_group_effect"] == 8 - 4
    assert np.isnan(effects.loc["b", "out_group_effect"])
    assert (
        effects.loc["a", "liked"] == "jazz" and effects.loc["a", "other"] == "country"
    )


def test_ratio_of_means_and_its_interval() -> None:
    rng = np.random.default_rng(0)
    inside = rng.normal(2.0, 0.3, 200)
    outside = 0.5 * inside + rng.normal(0, 0.1, 200)
    result = clustered_ratio_of_means(outside, inside, rng)
    assert result.estimate == pytest.approx(outside.mean() / inside.mean())
    assert result.low < 0.5 < result.high and result.n == result.clusters == 200
    assert np.isnan(clustered_ratio_of_means([1.0], [1.0], rng).estimate)


def test_bundle_vector_is_side_a_minus_side_b_per_item() -> None:
    frame = pd.DataFrame({
        "pair_id": ["p", "p", "p", "p", None],
        "side": ["a", "a", "b", "b", None],
        "item": ["sushi", "sushi", "sushi", "poetry", "sushi"],
        "item_domain": ["food", "food", "food", "literature", "food"],
        "value": [8.0, 6.0, 3.0, 5.0, 1.0],
    })  # fmt: skip
    vector = bundle_vector(frame).set_index("item")
    assert vector.loc["sushi", "difference"] == 7 - 3
    assert np.isnan(vector.loc["poetry", "difference"])


def test_compare_bundles_agrees_with_scipy_spearman() -> None:
    rng = np.random.default_rng(3)
    keys = pd.DataFrame({"pair_id": ["p"] * 30, "item": [f"i{k}" for k in range(30)]})
    first = rng.normal(size=30)
    second = first + rng.normal(scale=0.5, size=30)
    vectors = {
        "m1": keys.assign(difference=first),
        "m2": keys.assign(difference=second).iloc[::-1],  # matched by key, not row
    }
    (result,) = compare_bundles(vectors, rng)
    expected = stats.spearmanr(first, second)
    assert result["a"] == "m1" and result["b"] == "m2"
    assert result["spearman"]["estimate"] == pytest.approx(expected.statistic)
    assert result["spearman"]["p_value"] == pytest.approx(expected.pvalue)
    assert result["spearman"]["low"] < expected.statistic < result["spearman"]["high"]


def test_log_odds_puts_a_planted_out_group_word_first() -> None:
    frame = pd.DataFrame({
        "relation": ["out_group"] * 4 + ["in_group"] * 4,
        "text": ["They are odd and loud jazz people."] * 4
        + ["They are kind and warm jazz people."] * 4,
        "liked": ["jazz"] * 8,
        "target": ["jazz"] * 8,
    })  # fmt: skip
    frame.loc[0, "text"] = "Odd, odd folks who are loud."
    words = distinctive_words(frame, top=3)
    assert words["out_group"][0]["word"] == "odd"
    assert {w["word"] for w in words["in_group"][:2]} == {"kind", "warm"}
    assert all(w["word"] != "jazz" for side in words.values() for w in side)
    assert tokens("Jazz fans love jazz.", ["jazz"]) == ["fans", "love"]


def test_graph_figure_draws_values_missing_values_and_no_edges(tmp_path: Path) -> None:
    graph = nx.Graph()
    for index, node in enumerate(NODES):
        graph.add_node(node, name=f"P{index}", stance_cluster=index % 2)
    graph.add_edge("n0", "n1", predicted_dislike=20.0)
    graph.add_edge("n1", "n2", predicted_dislike=float("nan"))
    path = interaction_graph_figure(
        graph,
        tmp_path / "g.png",
        cluster="stance_cluster",
        edge_value="predicted_dislike",
        edge_label="dislike",
        title="t",
        seed=0,
        value_range=(0, 100),
    )
    assert path.stat().st_size > 0
    empty = nx.Graph()
    empty.add_node("n0", name="solo")
    lonely = interaction_graph_figure(
        empty,
        tmp_path / "e.png",
        cluster="stance_cluster",
        edge_value="x",
        edge_label="x",
        title="t",
        seed=0,
    )
    assert lonely.is_file()


def test_rating_matrix_figure_writes_with_blank_cells(tmp_path: Path) -> None:
    matrix = pd.DataFrame(
        [[1.0, np.nan], [9.0, 5.0]], index=["p", "q"], columns=["x", "y"]
    )
    for name, table in (("m.png", matrix), ("z.png", pd.DataFrame())):
        path = rating_matrix_figure(
            table, tmp_path / name, title="t", scale_label="r", value_range=(1, 10)
        )
        assert path.is_file()
