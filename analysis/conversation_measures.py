"""Measures of conversation turns and episodes, as tidy rows.

A tidy row is one number about one turn (or one episode, with `turn` and
`speaker` empty): `episode_id, turn, speaker, measure, value`.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import pandas as pd

from analysis.embedding import Embedder, mean_cross_similarity
from analysis.lexicon import Lexicon, word_count
from analysis.sentiment import compound

TIDY_COLUMNS = ("episode_id", "turn", "speaker", "measure", "value")


def turn_measures(turns: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    """Sentiment, word count and lexicon rates for every turn.

    Args:
        turns: one row a turn with `episode_id, turn, speaker, text`.
        lexicon: the distancing-marker lexicon; each category becomes a
            measure `lexicon_<category>` in markers per 100 words.

    Returns:
        Tidy rows (see module docstring).
    """
    rows: list[tuple[Any, ...]] = []
    for row in turns.itertuples(index=False):
        key = (row.episode_id, row.turn, row.speaker)
        rows.append((*key, "sentiment", compound(row.text)))
        rows.append((*key, "words", float(word_count(row.text))))
        for category, rate in lexicon.rate_per_100_words(row.text).items():
            rows.append((*key, f"lexicon_{category}", rate))
    return _tidy(rows)


def speaker_similarity(turns: pd.DataFrame, embedder: Embedder) -> pd.Series:
    """Per episode: mean cosine similarity between the two speakers' turns.

    Every turn of one speaker is compared with every turn of the other.

    Returns:
        A Series indexed by episode_id (NaN where a speaker has no turns).
    """
    if turns.empty:
        return pd.Series(dtype=float)
    vectors = embedder.encode(turns["text"].tolist())
    values = {}
    for episode_id, group in turns.groupby("episode_id", sort=False):
        speakers = group["speaker"].unique()
        if len(speakers) != 2:
            values[episode_id] = np.nan
            continue
        rows = group.index.to_numpy()
        first = vectors[rows[(group["speaker"] == speakers[0]).to_numpy()]]
        second = vectors[rows[(group["speaker"] == speakers[1]).to_numpy()]]
        values[episode_id] = mean_cross_similarity(first, second)
    return pd.Series(values, dtype=float)


def episode_rows(
    values: Mapping[str, Mapping[str, float]],
) -> pd.DataFrame:
    """Tidy rows from {episode_id: {measure: value}} (turn and speaker empty)."""
    rows = [
        (episode_id, None, None, measure, value)
        for episode_id, measures in values.items()
        for measure, value in measures.items()
    ]
    return _tidy(rows)


def turns_frame(episodes: Iterable[Mapping[str, Any]]) -> pd.DataFrame:
    """One row a turn from episode records (completed episodes only)."""
    rows = [
        {"episode_id": e["episode_id"], **turn}
        for e in episodes
        if e.get("status") == "completed"
        for turn in e.get("turns", [])
    ]
    columns = ["episode_id", "turn", "speaker", "name", "text"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)


def _tidy(rows: Sequence[tuple[Any, ...]]) -> pd.DataFrame:
    frame = pd.DataFrame(rows, columns=list(TIDY_COLUMNS))
    frame["turn"] = frame["turn"].astype("Int64")
    frame["speaker"] = frame["speaker"].astype("string")
    frame["value"] = frame["value"].astype(float)
    return frame
