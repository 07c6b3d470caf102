"""Figures of the persona-dislike suite: the interaction graph and rating matrices.

Drawn like `analysis.figures`: on a `Figure` with an Agg canvas, never through
pyplot (networkx's drawing helpers import pyplot, so edges and nodes are drawn
here directly), and written atomically as PNG.
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import networkx as nx
import numpy as np
import pandas as pd
from matplotlib import colormaps
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.cm import ScalarMappable
from matplotlib.collections import LineCollection
from matplotlib.colors import Normalize
from matplotlib.figure import Figure

from analysis.figures import save_figure

logger = logging.getLogger(__name__)

_MISSING_EDGE = "#bbbbbb"


def interaction_graph_figure(
    graph: nx.Graph,
    path: str | os.PathLike[str],
    *,
    cluster: str,
    edge_value: str,
    edge_label: str,
    title: str,
    seed: int,
    value_range: tuple[float, float] | None = None,
) -> Path:
    """The graph, laid out by a seeded spring layout, coloured by two measures.

    Nodes are coloured by the integer node attribute `cluster` (e.g. stance
    cluster) and labelled with their `name`; edges by the numeric edge
    attribute `edge_value` on a colour bar. Edges without a finite value are
    drawn grey and dashed.

    Args:
        graph: the interaction graph.
        path: where to write the PNG; parent folders are created.
        cluster: node attribute holding a cluster label (missing: -1).
        edge_value: edge attribute to colour edges by.
        edge_label: colour bar label, with the unit.
        title: figure title; node and edge counts are appended.
        seed: seeds the layout, so the same graph draws the same way.
        value_range: the colour scale's (low, high); None spans the values.

    Returns:
        The path written.
    """
    figure = Figure(figsize=(7.2, 6.0), layout="constrained")
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    positions = nx.spring_layout(graph, seed=seed) if len(graph) else {}

    values = np.array(
        [_finite(data.get(edge_value)) for _, _, data in graph.edges(data=True)]
    )
    norm = _norm(values, value_range)
    _draw_edges(axes, graph, positions, values, norm)
    _draw_nodes(axes, graph, positions, cluster)
    figure.colorbar(
        ScalarMappable(norm=norm, cmap=colormaps["coolwarm"]), ax=axes, label=edge_label
    )
    axes.set_axis_off()
    axes.set_title(
        f"{title} ({graph.number_of_nodes()} personas, {graph.number_of_edges()} pairs)"
    )
    return save_figure(figure, path)


def rating_matrix_figure(
    matrix: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    title: str,
    scale_label: str,
    value_range: tuple[float, float],
) -> Path:
    """A heatmap of a row-by-column rating matrix (e.g. persona by item).

    Cells without a rating are left blank; every other cell shows its mean.
    """
    rows, columns = matrix.shape
    figure = Figure(
        figsize=(max(6.4, 0.55 * columns + 3), max(3.0, 0.4 * rows + 2)),
        layout="constrained",
    )
    FigureCanvasAgg(figure)
    axes = figure.add_subplot()
    if matrix.size == 0:
        axes.text(0.5, 0.5, "no data", ha="center", va="center", fontsize=16)
        axes.set_axis_off()
        axes.set_title(title)
        return save_figure(figure, path)

    data = np.ma.masked_invalid(matrix.to_numpy(dtype=float))
    image = axes.imshow(
        data, cmap="viridis", vmin=value_range[0], vmax=value_range[1], aspect="auto"
    )
    middle = (value_range[0] + value_range[1]) / 2
    for (row, column), value in np.ndenumerate(matrix.to_numpy(dtype=float)):
        if np.isfinite(value):
            axes.text(
                column,
                row,
                f"{value:.1f}",
                ha="center",
                va="center",
                fontsize=6,
                # Dark text on the bright (high) end of viridis, light on the dark.
                color="black" if value > middle else "white",
            )
    axes.set_xticks(
        range(columns),
        [str(c) for c in matrix.columns],
        rotation=60,
        ha="right",
        fontsize=7,
    )
    axes.set_yticks(range(rows), [str(r) for r in matrix.index], fontsize=7)
    figure.colorbar(image, ax=axes, label=scale_label)
    axes.set_title(title)
    return save_figure(figure, path)


def _finite(value: object) -> float:
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return np.nan
    return number if np.isfinite(number) else np.nan


def _norm(values: np.ndarray, value_range: tuple[float, float] | None) -> Normalize:
    if value_range is not None:
        return Normalize(*value_range)
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return Normalize(0.0, 1.0)
    low, high = float(finite.min()), float(finite.max())
    return Normalize(low, high if high > low else low + 1.0)


def _draw_edges(
    axes: Axes,
    graph: nx.Graph,
    positions: dict[object, np.ndarray],
    values: np.ndarray,
    norm: Normalize,
) -> None:
    segments = [(positions[a], positions[b]) for a, b in graph.edges()]
    if not segments:
        return
    known = np.isfinite(values)
    cmap = colormaps["coolwarm"]
    colours = [
        cmap(norm(v)) if ok else _MISSING_EDGE
        for v, ok in zip(values, known, strict=True)
    ]
    styles = ["solid" if ok else "dashed" for ok in known]
    axes.add_collection(
        LineCollection(
            segments, colors=colours, linestyles=styles, linewidths=2.0, zorder=1
        )
    )


def _draw_nodes(
    axes: Axes, graph: nx.Graph, positions: dict[object, np.ndarray], cluster: str
) -> None:
    labels = {node: int(graph.nodes[node].get(cluster, -1)) for node in graph.nodes}
    palette = colormaps["tab10"]
    for label in sorted(set(labels.values())):
        members = [node for node, value in labels.items() if value == label]
        xy = np.array([positions[node] for node in members])
        name = "no cluster" if label < 0 else f"stance cluster {label}"
        axes.scatter(
            xy[:, 0],
            xy[:, 1],
            s=160,
            color=palette(label % 10),
            edgecolors="black",
            zorder=2,
            label=f"{name} (n={len(members)})",
        )
    for node, (x, y) in positions.items():
        axes.annotate(
            str(graph.nodes[node].get("name", node))[:12],
            (x, y),
            xytext=(0, 9),
            textcoords="offset points",
            ha="center",
            fontsize=7,
        )
    if labels:
        axes.legend(fontsize="small", loc="best")
