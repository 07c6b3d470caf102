"""How personas describe the people who enjoy their out-group and in-group items.

A description record holds its text and descriptors (relation "in_group" or
"out_group", pair_id, liked, target, ...). Measures per description: VADER
compound sentiment, word count and the distancing lexicon's rates; across
descriptions, the words that most separate out-group from in-group texts by
the weighted log-odds ratio with an informative Dirichlet prior.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from analysis.lexicon import Lexicon, word_count
from analysis.sentiment import compound
from analysis.statistics import (
    clustered_mean_ci,
    mean_ci,
    paired_cohens_d,
    rate,
)
from analysis.statistics import weighted_log_odds as log_odds

IN_GROUP, OUT_GROUP = "in_group", "out_group"

_TOKEN = re.compile(r"[a-z]+(?:'[a-z]+)?")


def descriptions_frame(
    episodes: Iterable[Mapping[str, Any]], field: str = "descriptions"
) -> pd.DataFrame:
    """One row per description of the completed episodes, with episode_id."""
    rows = [
        {"episode_id": episode["episode_id"], **record}
        for episode in episodes
        if episode.get("status") == "completed"
        for record in episode.get(field, [])
    ]
    columns = ["episode_id", "relation", "text"]
    return pd.DataFrame(rows) if rows else pd.DataFrame(columns=columns)


def description_scores(frame: pd.DataFrame, lexicon: Lexicon) -> pd.DataFrame:
    """`frame` with sentiment, words and `lexicon_<category>` columns added.

    sentiment is VADER's compound score in [-1, 1]; lexicon rates are markers
    per 100 words.
    """
    scored = frame.copy()
    texts = scored["text"].astype(str).tolist()
    scored["sentiment"] = [compound(text) for text in texts]
    scored["words"] = [float(word_count(text)) for text in texts]
    for category in lexicon.categories:
        scored[f"lexicon_{category}"] = [
            lexicon.rate_per_100_words(text)[category] for text in texts
        ]
    return scored


def tokens(text: str, exclude: Iterable[str] = ()) -> list[str]:
    """Lower-case words of `text`, without the words of any `exclude` phrase."""
    dropped = {word for phrase in exclude for word in _TOKEN.findall(phrase.lower())}
    return [word for word in _TOKEN.findall(text.lower()) if word not in dropped]


def distinctive_words(
    frame: pd.DataFrame,
    top: int = 10,
    exclude_columns: tuple[str, ...] = ("liked", "target"),
    prior_scale: float = 1.0,
) -> dict[str, list[dict[str, Any]]]:
    """The words most over-used in out-group and in in-group descriptions.

    Words are counted per relation after removing, from each text, the words
    of its own `exclude_columns` (the items themselves would otherwise lead
    the list). The ranking is the weighted log-odds ratio with the pooled
    counts as informative Dirichlet prior (Monroe, Colaresi and Quinn 2008),
    out-group as group a.

    Returns:
        {"out_group": [...], "in_group": [...]}: up to `top` words each, every
        one {word, count_out, count_in, delta, z}; in-group words are those
        with the most negative z, listed most distinctive first.
    """
    counts: dict[str, Counter[str]] = {OUT_GROUP: Counter(), IN_GROUP: Counter()}
    for row in frame.itertuples(index=False):
        relation = str(row.relation)
        if relation not in counts:
            continue
        exclude = [str(getattr(row, c)) for c in exclude_columns if hasattr(row, c)]
        counts[relation].update(tokens(str(row.text), exclude))

    table = log_odds(counts[OUT_GROUP], counts[IN_GROUP], prior_scale=prior_scale)
    table = table.rename(columns={"count_a": "count_out", "count_b": "count_in"})
    table = table.dropna(subset=["z"])
    keep = ["word", "count_out", "count_in", "delta", "z"]
    over_out = table[table["z"] > 0].head(top)
    over_in = table[table["z"] < 0].iloc[::-1].head(top)
    return {
        OUT_GROUP: _records(over_out[keep]),
        IN_GROUP: _records(over_in[keep]),
    }


def contrast_summary(
    scored: pd.DataFrame, rng: np.random.Generator, measures: Iterable[str]
) -> dict[str, Any]:
    """In-group minus out-group, per measure, with 95% CIs.

    Each persona (episode) describes both groups, so the comparison is
    paired: per persona, the mean of its in-group descriptions minus the mean
    of its out-group ones. For each measure: the mean per relation over the
    descriptions (bootstrap CI resampling personas, `clusters` = personas),
    `in_minus_out`, the mean of the per-persona differences (bootstrap CI, n =
    personas with both), and `cohens_d_z`, the paired effect size d_z = mean
    difference / SD of the differences (bootstrap CI). For sentiment also the
    personas whose in-group description is strictly more positive (Wilson CI).
    """
    summary: dict[str, Any] = {}
    for measure in measures:
        per_persona = _per_persona(scored, measure)
        inside = per_persona[IN_GROUP].to_numpy(float)
        outside = per_persona[OUT_GROUP].to_numpy(float)
        summary[measure] = {
            **{
                relation: _relation_mean(scored, relation, measure, rng)
                for relation in (IN_GROUP, OUT_GROUP)
            },
            "in_minus_out": mean_ci(inside - outside, rng).to_dict(),
            "cohens_d_z": paired_cohens_d(inside, outside, rng).to_dict(),
        }
    if "sentiment" not in summary or scored.empty:
        return summary
    sentiment = _per_persona(scored, "sentiment")
    gap = (sentiment[IN_GROUP] - sentiment[OUT_GROUP]).dropna()
    summary["sentiment"]["personas_warmer_to_in_group"] = rate(
        int((gap > 0).sum()), int(gap.size)
    ).to_dict()
    return summary


def _per_persona(scored: pd.DataFrame, measure: str) -> pd.DataFrame:
    """Per episode (persona): the mean of `measure` per relation, NaN if none."""
    table = scored.pivot_table(
        index="episode_id", columns="relation", values=measure, aggfunc="mean"
    )
    return table.reindex(columns=[IN_GROUP, OUT_GROUP])


def _relation_mean(
    scored: pd.DataFrame, relation: str, measure: str, rng: np.random.Generator
) -> dict[str, Any]:
    rows = scored[scored["relation"] == relation]
    return clustered_mean_ci(
        rows[measure].to_numpy(float), rows["episode_id"].to_numpy(), rng
    ).to_dict()


def _records(table: pd.DataFrame) -> list[dict[str, Any]]:
    return [
        {
            "word": str(row.word),
            "count_out": int(row.count_out),
            "count_in": int(row.count_in),
            "delta": round(float(row.delta), 4),
            "z": round(float(row.z), 4),
        }
        for row in table.itertuples(index=False)
    ]
