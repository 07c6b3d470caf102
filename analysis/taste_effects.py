"""Ratings of the persona-dislike suite: tables, taste effects and bundles.

A rating record (one per model call, in an episode's `ratings` list) holds its
descriptors (pair_id, item, relation, ...) and the parsed `verdict`. These
functions turn them into a table with `value` (NaN when the verdict is
invalid) and `valid`, into tidy measures, and into the suite's effects:

- in-group effect of a directed pair (persona loves X, other item Y):
  mean rating(X | loves X) - mean baseline rating(X);
- out-group effect: mean baseline rating(Y) - mean rating(Y | loves X), so a
  positive value means the persona rates the contrasting item lower;
- bundle vector: for opposed personas (loves A, loves B) of one pair, the
  difference of their mean ratings of each item from other domains.
"""

from __future__ import annotations

import itertools
import logging
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from analysis.statistics import (
    clustered_cohens_d,
    clustered_mean_ci,
    clustered_ratio_of_means,
    correlation,
    rate,
)

logger = logging.getLogger(__name__)

# Values of the `relation` column of taste ratings.
BASELINE, IN_GROUP, OUT_GROUP = "baseline", "in_group", "out_group"
_SIDES = ("a", "b")
_EFFECT_COLUMNS = [
    "pair_id", "domain", "liked_side", "liked", "other",
    "in_group_effect", "out_group_effect",
]  # fmt: skip


def ratings_frame(
    episodes: Iterable[Mapping[str, Any]], field: str = "ratings"
) -> pd.DataFrame:
    """One row per rating of the completed episodes.

    Args:
        episodes: episode records; each completed one holds a list `field` of
            rating records, every one with a `verdict` (see
            `agents.judge.Verdict.as_record`) and any descriptors.

    Returns:
        Columns episode_id, the descriptors, value (NaN unless valid), valid
        (bool), raw and error. Empty input gives those four columns only.
    """
    rows = []
    for episode in episodes:
        if episode.get("status") != "completed":
            continue
        for record in episode.get(field, []):
            verdict = record["verdict"]
            descriptors = {k: v for k, v in record.items() if k != "verdict"}
            rows.append({
                "episode_id": episode["episode_id"],
                **descriptors,
                "value": np.nan if verdict["value"] is None else verdict["value"],
                "valid": bool(verdict["valid"]),
                "raw": verdict["raw"],
                "error": verdict["error"],
            })  # fmt: skip
    if not rows:
        return pd.DataFrame(columns=["episode_id", "value", "valid", "raw", "error"])
    frame = pd.DataFrame(rows)
    frame["value"] = frame["value"].astype(float)
    return frame


def rating_measures(
    frame: pd.DataFrame, measure: str, columns: Sequence[str]
) -> pd.DataFrame:
    """Tidy rows for each rating: `measure` (NaN if invalid) and `<measure>_valid`.

    Args:
        frame: from `ratings_frame`.
        measure: the measure's name, e.g. "taste_rating".
        columns: descriptor columns to keep beside the tidy ones.

    Returns:
        Columns episode_id, turn, speaker (both empty), measure, value, then
        `columns`.
    """
    values = frame.assign(measure=measure)
    valid = frame.assign(measure=f"{measure}_valid", value=frame["valid"].astype(float))
    return tidy(pd.concat([values, valid], ignore_index=True), columns)


def tidy(frame: pd.DataFrame, columns: Sequence[str] = ()) -> pd.DataFrame:
    """The tidy layout of `frame`: episode_id, turn, speaker, measure, value, ...

    `turn` and `speaker` are taken from `frame` when present, else empty.
    """
    out = pd.DataFrame({
        "episode_id": frame["episode_id"].astype("string"),
        "turn": frame.get("turn", pd.NA),
        "speaker": frame.get("speaker", pd.NA),
        "measure": frame["measure"].astype("string"),
        "value": frame["value"].astype(float),
    })  # fmt: skip
    out["turn"] = out["turn"].astype("Int64")
    out["speaker"] = out["speaker"].astype("string")
    for column in columns:
        out[column] = frame[column].to_numpy() if column in frame else None
    return out


def directed_effects(frame: pd.DataFrame) -> pd.DataFrame:
    """In- and out-group effect of every directed pair (persona loves X).

    Args:
        frame: taste ratings with columns pair_id, domain, relation (baseline,
            in_group, out_group), liked_side ("a", "b"; empty for baseline),
            item_role ("a", "b"), item and value.

    Returns:
        One row per pair and liked side with columns pair_id, domain,
        liked_side, liked, other, in_group_effect and out_group_effect (NaN
        when a cell has no valid rating), in pair order.
    """
    rows = []
    for pair_id, pair in frame.groupby("pair_id", sort=False):
        base = pair[pair["relation"] == BASELINE].groupby("item_role")["value"].mean()
        for side in _SIDES:
            other = "b" if side == "a" else "a"
            loving = pair[pair["liked_side"] == side]
            liked = loving[loving["relation"] == IN_GROUP]["value"].mean()
            contrast = loving[loving["relation"] == OUT_GROUP]["value"].mean()
            names = pair.drop_duplicates("item_role").set_index("item_role")["item"]
            rows.append({
                "pair_id": pair_id,
                "domain": pair["domain"].iloc[0],
                "liked_side": side,
                "liked": names.get(side),
                "other": names.get(other),
                "in_group_effect": liked - base.get(side, np.nan),
                "out_group_effect": base.get(other, np.nan) - contrast,
            })  # fmt: skip
    return pd.DataFrame(rows, columns=_EFFECT_COLUMNS)


def taste_effects(
    frame: pd.DataFrame, rng: np.random.Generator, n_resamples: int = 2000
) -> dict[str, Any]:
    """The headline figures of `taste_ratings`, each with n and a 95% CI.

    The two directions of a pair share the pair's baseline ratings, so they
    are not independent: every interval here is a cluster bootstrap that
    resamples pairs, each drawn pair bringing all its ratings and both its
    directions (`clusters` in each result is the number of pairs). The point
    estimates still describe the directed pairs.

    - in_group / out_group: `mean`, the mean effect over directed pairs (in
      rating points), and `cohens_d`: in-group d compares all in-group
      ratings with all baseline ratings, out-group d all baseline ratings with
      all out-group ratings (pooled SD), so both are positive when the persona
      moves ratings the expected way.
    - out_group_positive: `pairs`, how many pairs have a mean (over both
      directions) out-group effect strictly above 0 (Wilson CI: pairs are
      independent), and `directed`, the share of directed pairs with an
      out-group effect above 0 (with `successes`; cluster-bootstrap CI, of
      zero width when every directed pair agrees: read `pairs` then).
    - out_to_in_ratio: mean out-group effect / mean in-group effect over
      directed pairs with both, with a percentile CI.
    - mean_rating: the mean rating per relation.
    """
    effects = directed_effects(frame)
    valid = frame[frame["valid"].astype(bool)]
    rated = {
        name: valid[valid["relation"] == name]
        for name in (BASELINE, IN_GROUP, OUT_GROUP)
    }
    pairs = effects["pair_id"].to_numpy()
    in_effect = effects["in_group_effect"].to_numpy(float)
    out_effect = effects["out_group_effect"].to_numpy(float)
    per_pair = effects.groupby("pair_id", sort=False)["out_group_effect"].mean()

    def mean(values: npt.ArrayLike, clusters: npt.ArrayLike) -> dict[str, Any]:
        return clustered_mean_ci(
            values, clusters, rng, n_resamples=n_resamples
        ).to_dict()

    def d(first: str, second: str) -> dict[str, Any]:
        a, b = rated[first], rated[second]
        return clustered_cohens_d(
            a["value"], a["pair_id"], b["value"], b["pair_id"], rng,
            n_resamples=n_resamples,
        ).to_dict()  # fmt: skip

    return {
        "in_group": {"mean": mean(in_effect, pairs), "cohens_d": d(IN_GROUP, BASELINE)},
        "out_group": {
            "mean": mean(out_effect, pairs),
            "cohens_d": d(BASELINE, OUT_GROUP),
        },
        "out_group_positive": {
            "pairs": _positive(per_pair.to_numpy(float)),
            "directed": {
                **mean(np.where(np.isnan(out_effect), np.nan, out_effect > 0), pairs),
                "successes": int((out_effect > 0).sum()),
            },
        },
        "out_to_in_ratio": clustered_ratio_of_means(
            out_effect, in_effect, rng, clusters=pairs, n_resamples=n_resamples
        ).to_dict(),
        "mean_rating": {
            name: mean(part["value"], part["pair_id"]) for name, part in rated.items()
        },
    }


def _positive(values: np.ndarray) -> dict[str, Any]:
    defined = values[~np.isnan(values)]
    return rate(int((defined > 0).sum()), int(defined.size)).to_dict()


def rating_matrix(
    frame: pd.DataFrame, rows: str = "persona", columns: str = "item"
) -> pd.DataFrame:
    """Mean valid rating per (row, column), e.g. persona by item; NaN if none."""
    valid = frame[frame["valid"].astype(bool)]
    matrix = valid.pivot_table(
        index=rows, columns=columns, values="value", aggfunc="mean"
    )
    order_rows = list(dict.fromkeys(frame[rows]))
    order_columns = list(dict.fromkeys(frame[columns]))
    return matrix.reindex(index=order_rows, columns=order_columns)


def bundle_vector(frame: pd.DataFrame) -> pd.DataFrame:
    """Per opposed pair and unrelated item: mean rating by side a minus side b.

    Args:
        frame: bundling ratings with columns pair_id, side ("a" or "b"; other
            rows, e.g. a baseline, are ignored), item, item_domain and value.

    Returns:
        Columns pair_id, item, item_domain, rating_a, rating_b and difference
        (rating_a - rating_b; NaN when a side has no valid rating), one row per
        (pair_id, item) in first-seen order.
    """
    sided = frame[frame["side"].isin(_SIDES)]
    means = (
        sided.groupby(["pair_id", "item", "item_domain", "side"], sort=False)["value"]
        .mean()
        .unstack("side")
        .reindex(columns=list(_SIDES))
    )
    vector = means.rename(columns={"a": "rating_a", "b": "rating_b"}).reset_index()
    vector.columns.name = None
    vector["difference"] = vector["rating_a"] - vector["rating_b"]
    return vector


def compare_bundles(
    vectors: Mapping[str, pd.DataFrame], rng: np.random.Generator
) -> list[dict[str, Any]]:
    """Spearman correlation of the bundle vectors of every two runs or models.

    Args:
        vectors: label (a model, a run) -> `bundle_vector` output. Entries are
            matched on (pair_id, item); unmatched or NaN entries are left out.
        rng: draws the bootstrap resamples of matched entries.

    Returns:
        One dict per two labels: a, b, and `spearman` (estimate, bootstrap 95%
        CI, p-value, n matched entries).
    """
    results = []
    for first, second in itertools.combinations(vectors, 2):
        merged = vectors[first].merge(
            vectors[second], on=["pair_id", "item"], suffixes=("_a", "_b")
        )
        result = correlation(
            merged["difference_a"].to_numpy(float),
            merged["difference_b"].to_numpy(float),
            method="spearman",
            rng=rng,
        )
        results.append({"a": first, "b": second, "spearman": result.to_dict()})
    return results
