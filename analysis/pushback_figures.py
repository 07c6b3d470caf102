"""Figures of the pushback experiments: estimates by group, curves by level.

Drawn on an Agg `Figure` (never pyplot) and written atomically, like
`analysis.figures`. Empty input gives a figure that says "no data".
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.figures import new_figure, save_figure, save_no_data

logger = logging.getLogger(__name__)


def intervals_by_group(
    estimates: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    group: str,
    ylabel: str,
    title: str,
    unit_interval: bool = True,
) -> Path:
    """One point per group with its 95% interval, and n under each label.

    Args:
        estimates: rows with `<group>, estimate, low, high, n` (rate or mean
            rows of a comparison table).
        path: where to write the PNG.
        group: the column naming the groups, e.g. "group" or "condition".
        ylabel: vertical axis label.
        title: figure title.
        unit_interval: fix the vertical axis to [0, 1] (rates).
    """
    figure, axes = new_figure()
    data = estimates.dropna(subset=["estimate"])
    if data.empty:
        return save_no_data(figure, axes, title, path)
    positions = np.arange(len(data))
    means = data["estimate"].to_numpy(float)
    errors = np.nan_to_num(
        np.vstack([means - data["low"].to_numpy(float), data["high"] - means])
    )
    axes.errorbar(positions, means, yerr=errors, fmt="o", capsize=5)
    labels = [f"{g}\nn={int(n)}" for g, n in zip(data[group], data["n"], strict=True)]
    axes.set_xticks(positions, labels)
    axes.set_xlim(-0.6, len(data) - 0.4)
    if unit_interval:
        axes.set_ylim(-0.02, 1.02)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    return save_figure(figure, path)


_LINESTYLES = ("-", "--", ":", "-.")


def curves_by_group(
    curves: pd.DataFrame,
    path: str | os.PathLike[str],
    *,
    group: str,
    x: str,
    y: str,
    xlabel: str,
    ylabel: str,
    title: str,
    step: bool = False,
) -> Path:
    """One line per group of `y` against `x`, with a band where `low`/`high` exist.

    With `step`, each line is a survival-style step that starts at 1 at x=0,
    labelled with its n (the first `at_risk`) when the curves have one.
    """
    figure, axes = new_figure()
    if curves.empty:
        return save_no_data(figure, axes, title, path)
    for index, (level, part) in enumerate(curves.groupby(group, sort=True)):
        part = part.sort_values(x)
        # Curves often coincide: each later one thinner and dashed differently,
        # so one lying on another still shows.
        linestyle = _LINESTYLES[index % len(_LINESTYLES)]
        linewidth = max(1.0, 3.0 - 0.7 * index)
        xs, ys = part[x].to_numpy(float), part[y].to_numpy(float)
        if step:
            xs, ys = np.concatenate([[0.0], xs]), np.concatenate([[1.0], ys])
            label = str(level)
            if "at_risk" in part.columns:
                label += f" (n={int(part['at_risk'].iloc[0])})"
            axes.step(xs, ys, where="post", label=label, ls=linestyle, lw=linewidth)
        else:
            axes.plot(xs, ys, marker="o", label=str(level), ls=linestyle, lw=linewidth)
            if {"low", "high"} <= set(part.columns):
                low, high = part["low"].to_numpy(float), part["high"].to_numpy(float)
                axes.fill_between(xs, low, high, alpha=0.15)
    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    axes.legend(fontsize="small", title=group)
    return save_figure(figure, path)
