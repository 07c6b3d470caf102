"""Figures are written as PNG files, even when there is nothing to plot."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from analysis.figures import group_means, scatter_with_fit

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"


def _assert_png(path: Path) -> None:
    assert path.is_file()
    assert path.read_bytes()[:8] == PNG_SIGNATURE
    assert not list(path.parent.glob("*.tmp.png"))


@pytest.fixture
def warmth_table() -> pd.DataFrame:
    rng = np.random.default_rng(0)
    distance = rng.uniform(0, 1, size=40)
    return pd.DataFrame(
        {
            "stance_distance": distance,
            "warmth": 0.5 - 0.4 * distance + rng.normal(0, 0.1, size=40),
            "divergence": np.where(distance > 0.5, "far", "near"),
        }
    )


def _scatter(df: pd.DataFrame, path: Path, hue: str | None = None) -> Path:
    return scatter_with_fit(
        df,
        "stance_distance",
        "warmth",
        path,
        xlabel="stance distance",
        ylabel="warmth",
        title="Warmth against stance distance",
        hue=hue,
    )


def _bars(df: pd.DataFrame, path: Path) -> Path:
    return group_means(
        df,
        "divergence",
        "warmth",
        path,
        ylabel="warmth",
        title="Warmth by divergence group",
        rng=np.random.default_rng(1),
    )


@pytest.mark.parametrize("hue", [None, "divergence"])
def test_scatter_writes_a_png(
    tmp_path: Path, warmth_table: pd.DataFrame, hue: str | None
) -> None:
    path = _scatter(warmth_table, tmp_path / "scatter.png", hue=hue)
    assert path == tmp_path / "scatter.png"
    _assert_png(path)


def test_scatter_with_constant_x_still_writes(tmp_path: Path) -> None:
    df = pd.DataFrame({"stance_distance": [0.5, 0.5], "warmth": [0.1, 0.2]})
    _assert_png(_scatter(df, tmp_path / "flat.png"))


def test_group_means_writes_a_png(tmp_path: Path, warmth_table: pd.DataFrame) -> None:
    _assert_png(_bars(warmth_table, tmp_path / "bars.png"))


def test_group_means_with_a_single_value_group(tmp_path: Path) -> None:
    df = pd.DataFrame({"divergence": ["near", "far", "far"], "warmth": [0.3, 0.1, 0.2]})
    _assert_png(_bars(df, tmp_path / "bars.png"))


def test_parent_folders_are_created(tmp_path: Path, warmth_table: pd.DataFrame) -> None:
    _assert_png(_bars(warmth_table, tmp_path / "figures" / "deep" / "bars.png"))


def test_an_existing_figure_is_replaced(
    tmp_path: Path, warmth_table: pd.DataFrame
) -> None:
    path = tmp_path / "bars.png"
    path.write_bytes(b"old")
    _assert_png(_bars(warmth_table, path))


@pytest.mark.parametrize(
    "df",
    [
        pd.DataFrame(),
        pd.DataFrame({"stance_distance": [], "warmth": [], "divergence": []}),
        pd.DataFrame(
            {
                "stance_distance": [math.nan, 0.2],
                "warmth": [0.1, math.nan],
                "divergence": ["near", "far"],
            }
        ),
        pd.DataFrame(
            {"stance_distance": ["n/a"], "warmth": [math.inf], "divergence": ["far"]}
        ),
    ],
    ids=["no-columns", "no-rows", "all-nan", "non-numeric"],
)
def test_empty_data_gives_a_no_data_figure(tmp_path: Path, df: pd.DataFrame) -> None:
    _assert_png(_scatter(df, tmp_path / "scatter.png", hue="divergence"))
    _assert_png(_bars(df, tmp_path / "bars.png"))


def test_a_missing_column_is_named(tmp_path: Path) -> None:
    df = pd.DataFrame({"warmth": [0.1, 0.2]})
    with pytest.raises(ValueError, match="stance_distance"):
        _scatter(df, tmp_path / "scatter.png")
