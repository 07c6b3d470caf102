"""What a sweep comparer receives and returns (see `analysis.compare`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from analysis.run_folders import RunFolder


class SweepError(ValueError):
    """The sweep cannot be compared as asked (no known runs, no such column,
    runs that differ in more than the compared column pooled as one group)."""


@dataclass(frozen=True)
class CompareOptions:
    """How to compare.

    Attributes:
        by: the column whose values are the groups compared ("condition").
        figures: the folder figures go to.
        seed: the seed of bootstrap intervals.
    """

    by: str
    figures: Path
    seed: int = 0

    def rng(self) -> np.random.Generator:
        """A fresh generator from `seed`."""
        return np.random.default_rng(self.seed)


@dataclass
class Comparison:
    """One experiment's comparison rows and the figures drawn."""

    table: pd.DataFrame
    figures: list[Path] = field(default_factory=list)


def measures_of(runs: Sequence[RunFolder]) -> pd.DataFrame:
    """The measures of every finished run, stacked.

    Raises:
        ValueError: no run has measures.
    """
    frames = [r.measures for r in runs if r.measures is not None]
    if not frames:
        raise ValueError("no run has a measures.parquet")
    return pd.concat(frames, ignore_index=True)
