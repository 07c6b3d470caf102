"""Figures from run tables, written as PNG files.

Figures are drawn on `matplotlib.figure.Figure` with an Agg canvas, never
through pyplot, so importing this module changes no global matplotlib state
and needs no display. Each function writes one PNG atomically (to
`<stem>.tmp.png`, then renamed) and returns its path. Empty or all-NaN data
gives a figure that says "no data" instead of an error, so a run that produced
nothing still finishes.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.axes import Axes
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from analysis.statistics import mean_ci

logger = logging.getLogger(__name__)

BOOTSTRAP_RESAMPLES = 2000
CI_LEVEL = 0.95
_DPI = 150
_FIGSIZE = (6.4, 4.8)


def scatter_with_fit(
    df: pd.DataFrame,
    x: str,
    y: str,
    path: str | os.PathLike[str],
    *,
    xlabel: str,
    ylabel: str,
    title: str,
    hue: str | None = None,
) -> Path:
    """Scatter `y` against `x` with a least-squares line; n in the title.

    Rows where `x` or `y` is missing, non-numeric or infinite are left out. The
    line is fitted to all remaining points together (not per hue level) and
    drawn only when `x` takes at least two values.

    Args:
        df: The table, one row per point.
        x: Column for the horizontal axis.
        y: Column for the vertical axis.
        path: Where to write the PNG; parent folders are created.
        xlabel: Horizontal axis label.
        ylabel: Vertical axis label.
        title: Figure title; " (n=<points>)" is appended.
        hue: Optional column whose levels get their own colour and legend entry.

    Returns:
        The path written.

    Raises:
        ValueError: `df` has rows but lacks a named column.
    """
    data = _usable_rows(df, numeric=[x, y], other=[hue] if hue else [])
    figure, axes = new_figure()
    if data.empty:
        return save_no_data(figure, axes, title, path)

    if hue is None:
        axes.scatter(data[x], data[y], alpha=0.7)
    else:
        for level, part in data.groupby(hue, sort=True, dropna=False):
            axes.scatter(part[x], part[y], alpha=0.7, label=f"{level} (n={len(part)})")
    fitted = _draw_least_squares(axes, data[x], data[y])
    if fitted or hue is not None:
        axes.legend(fontsize="small")

    axes.set_xlabel(xlabel)
    axes.set_ylabel(ylabel)
    axes.set_title(f"{title} (n={len(data)})")
    return save_figure(figure, path)


def group_means(
    df: pd.DataFrame,
    group: str,
    value: str,
    path: str | os.PathLike[str],
    *,
    ylabel: str,
    title: str,
    rng: np.random.Generator,
) -> Path:
    """Bar chart of the mean of `value` per level of `group`, with 95% CIs.

    Error bars are percentile-bootstrap 95% confidence intervals of the mean
    (`analysis.statistics.mean_ci`, 2000 resamples drawn from `rng`; a group
    of one value gets no error bar); the number of rows of each group is
    printed under its bar. Rows whose `value` is missing, non-numeric or
    infinite are left out; groups left empty are not drawn.

    Args:
        df: The table, one row per observation.
        group: Column holding the group label.
        value: Numeric column to average.
        path: Where to write the PNG; parent folders are created.
        ylabel: Vertical axis label.
        title: Figure title.
        rng: The generator the bootstrap draws from.

    Returns:
        The path written.

    Raises:
        ValueError: `df` has rows but lacks a named column.
    """
    data = _usable_rows(df, numeric=[value], other=[group])
    figure, axes = new_figure()
    if data.empty:
        return save_no_data(figure, axes, title, path)

    summary = _group_summary(data, group, value, rng)
    positions = np.arange(len(summary))
    means = summary["mean"].to_numpy()
    # An interval the bootstrap could not compute (NaN) is drawn as no error bar.
    errors = np.nan_to_num(np.vstack([means - summary["low"], summary["high"] - means]))
    axes.bar(positions, means, yerr=errors, capsize=4, alpha=0.8)
    labels = [
        f"{level}\nn={n}" for level, n in zip(summary.index, summary["n"], strict=True)
    ]
    axes.set_xticks(positions, labels)
    axes.set_xlabel(f"{group} (bars: mean with 95% bootstrap CI)")
    axes.set_ylabel(ylabel)
    axes.set_title(title)
    return save_figure(figure, path)


def _usable_rows(
    df: pd.DataFrame, *, numeric: Sequence[str], other: Sequence[str]
) -> pd.DataFrame:
    """The rows whose `numeric` columns hold finite numbers, as floats."""
    if len(df) == 0:
        return pd.DataFrame(columns=[*numeric, *other])
    missing = [c for c in (*numeric, *other) if c not in df.columns]
    if missing:
        raise ValueError(
            f"column(s) {', '.join(missing)} not in the table; it has "
            f"{', '.join(map(str, df.columns))}"
        )
    data = df[[*numeric, *other]].copy()
    for column in numeric:
        data[column] = pd.to_numeric(data[column], errors="coerce").astype(float)
    finite = np.isfinite(data[list(numeric)].to_numpy(dtype=np.float64)).all(axis=1)
    return data.loc[finite]


def _draw_least_squares(axes: Axes, x: pd.Series, y: pd.Series) -> bool:
    """Draw the least-squares line of `y` on `x`; False if `x` is constant."""
    if x.nunique() < 2:
        return False
    slope, intercept = np.polyfit(x, y, deg=1)
    sign = "-" if slope < 0 else "+"
    ends = np.array([x.min(), x.max()])
    axes.plot(
        ends,
        intercept + slope * ends,
        color="black",
        label=f"least squares: y = {intercept:.3g} {sign} {abs(slope):.3g} x",
    )
    return True


def _group_summary(
    data: pd.DataFrame, group: str, value: str, rng: np.random.Generator
) -> pd.DataFrame:
    """Per group level: n, mean, and the bootstrap CI bounds low and high."""
    rows = {}
    for level, part in data.groupby(group, sort=True, dropna=False, observed=True):
        values = part[value].to_numpy(dtype=np.float64)
        mean, low, high = _mean_and_ci(values, rng)
        rows[level] = {"n": len(values), "mean": mean, "low": low, "high": high}
    return pd.DataFrame.from_dict(rows, orient="index")


def _mean_and_ci(values: np.ndarray, rng: np.random.Generator) -> tuple[float, ...]:
    """The mean and its percentile-bootstrap CI; no interval for one value."""
    if values.size < 2:
        # mean_ci reports NaN for a lone value; still draw its bar, without a CI.
        mean = float(values.mean())
        return mean, mean, mean
    result = mean_ci(
        values,
        rng,
        confidence=CI_LEVEL,
        n_resamples=BOOTSTRAP_RESAMPLES,
        ci_method="percentile",
    )
    return result.estimate, result.low, result.high


def new_figure() -> tuple[Figure, Axes]:
    """An Agg figure (never pyplot, so no global state) with one axes."""
    figure = Figure(figsize=_FIGSIZE, layout="constrained")
    FigureCanvasAgg(figure)
    return figure, figure.add_subplot()


def save_no_data(
    figure: Figure, axes: Axes, title: str, path: str | os.PathLike[str]
) -> Path:
    """Write `figure` as a placeholder that says "no data", with a warning."""
    logger.warning("No data for figure %s; writing a 'no data' placeholder", path)
    axes.text(
        0.5,
        0.5,
        "no data",
        ha="center",
        va="center",
        fontsize=16,
        transform=axes.transAxes,
    )
    axes.set_axis_off()
    axes.set_title(title)
    return save_figure(figure, path)


def save_figure(figure: Figure, path: str | os.PathLike[str]) -> Path:
    """Write `figure` as PNG to `path` via a temporary file and a rename."""
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    partial = target.with_name(f"{target.stem}.tmp.png")
    try:
        figure.savefig(partial, format="png", dpi=_DPI)
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    logger.info("Wrote figure %s", target)
    return target
