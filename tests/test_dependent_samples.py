"""Designs whose units are not independent, and the estimates that respect them.

Clusters: the two directions of a taste pair share the pair's baseline, so
intervals resample pairs. Pairs: a persona describes both its in- and its
out-group, an item is asked with and without a hint, so the comparison is of
paired differences. Each estimate is checked against a direct numpy or scipy
computation, and the intervals against planted values over many seeds.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from analysis.description_contrast import contrast_summary
from analysis.statistics import (
    clustered_cohens_d,
    clustered_mean_ci,
    clustered_ratio_of_means,
    cohens_d,
    mean_ci,
    mean_difference_ci,
)
from analysis.taste_effects import directed_effects, taste_effects
from simulator.experiments.wrong_guidance import hint_effect

IN_SHIFT, OUT_SHIFT = 2.0, 1.0


@pytest.fixture(autouse=True)
def _quiet(caplog: pytest.LogCaptureFixture) -> None:
    # Zero-width and undefined intervals log warnings by design; not the subject.
    caplog.set_level(logging.ERROR)


# --- cluster bootstrap ----------------------------------------------------------


def test_clusters_of_one_value_give_exactly_the_plain_bootstrap() -> None:
    values = np.random.default_rng(1).normal(size=30)

    clustered = clustered_mean_ci(values, np.arange(30), 3)

    plain = mean_ci(values, 3)
    assert (clustered.estimate, clustered.low, clustered.high) == pytest.approx(
        (plain.estimate, plain.low, plain.high)
    )
    assert clustered.n == clustered.clusters == 30


def test_clustered_mean_leaves_nan_out_and_counts_clusters() -> None:
    values = [1.0, 3.0, np.nan, 5.0, 2.0, np.nan]
    clusters = ["p", "p", "q", "q", "r", "s"]

    result = clustered_mean_ci(values, clusters, 0, n_resamples=200)

    assert result.estimate == pytest.approx(np.nanmean(values))
    assert (result.n, result.clusters) == (4, 3)
    with pytest.raises(ValueError, match="3 labels for 6 values"):
        clustered_mean_ci(values, clusters[:3], 0)


Draw = Callable[[np.random.Generator], tuple[bool, bool]]


def _coverage(draw: Draw, seeds: int = 200) -> tuple[float, float]:
    """Shares of seeded datasets whose two intervals cover the planted value."""
    hits = np.array([draw(np.random.default_rng(seed)) for seed in range(seeds)])
    return float(hits[:, 0].mean()), float(hits[:, 1].mean())


def test_clustered_mean_covers_a_planted_mean_where_the_plain_one_does_not() -> None:
    # 30 pairs of two values sharing a pair effect (SD 1) over noise (SD 0.3).
    def draw(rng: np.random.Generator) -> tuple[bool, bool]:
        pairs = np.repeat(np.arange(30), 2)
        values = 1.0 + rng.normal(0, 1, 30)[pairs] + rng.normal(0, 0.3, 60)
        clustered = clustered_mean_ci(values, pairs, rng, n_resamples=500)
        plain = mean_ci(values, rng, n_resamples=500)
        return clustered.low <= 1 <= clustered.high, plain.low <= 1 <= plain.high

    clustered, plain = _coverage(draw)

    # 95% nominal; 30 clusters give a little less. 200 seeds: SD about 1.6%.
    assert clustered >= 0.9
    assert plain <= 0.87  # treating the 60 values as independent undercovers


def test_clustered_cohens_d_covers_a_planted_d_where_the_plain_one_does_not() -> None:
    # Sample a has a pair effect (SD 1) on top of noise (SD 1), b does not:
    # population d = 0.5 / sqrt((2 + 1) / 2).
    planted = 0.5 / math.sqrt(1.5)

    def draw(rng: np.random.Generator) -> tuple[bool, bool]:
        pairs = np.repeat(np.arange(30), 4)
        a = 0.5 + rng.normal(0, 1, 30)[pairs] + rng.normal(0, 1, 120)
        b = rng.normal(0, 1, 120)
        clustered = clustered_cohens_d(a, pairs, b, pairs, rng, n_resamples=500)
        plain = cohens_d(a, b, rng, n_resamples=500)
        return (
            clustered.low <= planted <= clustered.high,
            plain.low <= planted <= plain.high,
        )

    clustered, plain = _coverage(draw)

    assert clustered >= 0.9
    assert plain <= 0.87


def test_clustered_cohens_d_estimate_is_the_pooled_sd_formula() -> None:
    rng = np.random.default_rng(4)
    a, b = rng.normal(1, 1, 25), rng.normal(0, 2, 31)
    pooled = math.sqrt((24 * a.var(ddof=1) + 30 * b.var(ddof=1)) / 54)

    result = clustered_cohens_d(a, np.arange(25) % 7, b, np.arange(31) % 9, rng)

    assert result.estimate == pytest.approx((a.mean() - b.mean()) / pooled)
    assert (result.n, result.clusters) == (56, 9)
    assert result.low < result.estimate < result.high


def test_clustered_ratio_of_means_resamples_whole_clusters() -> None:
    rng = np.random.default_rng(5)
    pairs = np.repeat(np.arange(40), 2)
    inside = 2.0 + rng.normal(0, 0.5, 40)[pairs] + rng.normal(0, 0.1, 80)
    outside = 0.5 * inside + rng.normal(0, 0.1, 80)

    result = clustered_ratio_of_means(outside, inside, rng, clusters=pairs)

    assert result.estimate == pytest.approx(outside.mean() / inside.mean())
    assert result.low < 0.5 < result.high
    assert (result.n, result.clusters) == (80, 40)


# --- taste effects over pairs ------------------------------------------------------


def _taste_frame(
    rng: np.random.Generator, pairs: int = 30, samples: int = 3, rivalry: float = 1.0
) -> pd.DataFrame:
    """Ratings with planted in-group (+2) and out-group (-1) shifts.

    Each pair also has a rivalry (SD `rivalry`) that pulls the contrasting
    item down in both directions, so the two directed out-group effects of a
    pair are correlated: the planted mean out-group effect is still 1.
    """
    rows: list[tuple[str, str, str | None, str, float]] = []
    for index in range(pairs):
        pair = f"p{index:02d}"
        base = rng.normal(5.0, 1.0, 2)
        pull = rng.normal(0.0, rivalry)
        for role in (0, 1):
            for _ in range(samples):
                value = base[role] + rng.normal(0, 0.5)
                rows.append((pair, "baseline", None, "ab"[role], value))
        for side in (0, 1):
            for _ in range(samples):
                liked = base[side] + IN_SHIFT + rng.normal(0, 0.5)
                other = base[1 - side] - OUT_SHIFT - pull + rng.normal(0, 0.5)
                rows.append((pair, "in_group", "ab"[side], "ab"[side], liked))
                rows.append((pair, "out_group", "ab"[side], "ab"[1 - side], other))
    columns = ["pair_id", "relation", "liked_side", "item_role", "value"]
    frame = pd.DataFrame(rows, columns=columns)
    frame["domain"], frame["valid"] = "music", True
    frame["item"] = frame["pair_id"] + frame["item_role"]
    return frame


def test_taste_effect_intervals_resample_pairs_and_cover_the_planted_shifts() -> None:
    # One seeded draw (coverage over many draws is specified above for the
    # clustered mean; 9 of seeds 0-9 cover the out-group shift here).
    rng = np.random.default_rng(7)
    frame = _taste_frame(rng)

    summary = taste_effects(frame, rng, n_resamples=1000)

    for group, shift in (("in_group", IN_SHIFT), ("out_group", OUT_SHIFT)):
        mean = summary[group]["mean"]
        assert mean["low"] < shift < mean["high"], (group, mean)
        assert (mean["n"], mean["clusters"]) == (60, 30)
        assert summary[group]["cohens_d"]["clusters"] == 30
    ratio = summary["out_to_in_ratio"]
    assert ratio["low"] < OUT_SHIFT / IN_SHIFT < ratio["high"]
    directed = summary["out_group_positive"]["directed"]
    out_effect = directed_effects(frame)["out_group_effect"]
    assert directed["successes"] == (out_effect > 0).sum()
    assert directed["estimate"] == pytest.approx((out_effect > 0).mean())
    assert directed["clusters"] == 30

    # The shared rivalry makes the directions of a pair move together; an
    # interval over 60 "independent" directed pairs is about sqrt(2) too narrow.
    plain = mean_ci(out_effect.to_numpy(float), rng, n_resamples=1000)
    out = summary["out_group"]["mean"]
    assert out["high"] - out["low"] > 1.2 * (plain.high - plain.low)


# --- paired descriptions ------------------------------------------------------------


def _descriptions(rng: np.random.Generator, personas: int = 24) -> pd.DataFrame:
    """Sentiment of in- and out-group descriptions; personas differ a lot."""
    warmth = rng.normal(0.0, 0.4, personas)  # the persona's own tone, shared
    rows = []
    for index in range(personas):
        episode = f"od-{index:03d}"
        rows.append((episode, "in_group", warmth[index] + 0.3 + rng.normal(0, 0.1)))
        rows.append((episode, "out_group", warmth[index] + rng.normal(0, 0.1)))
    return pd.DataFrame(rows, columns=["episode_id", "relation", "sentiment"])


def test_contrast_summary_is_paired_by_persona() -> None:
    rng = np.random.default_rng(13)
    scored = _descriptions(rng)
    scored.loc[1, "sentiment"] = np.nan  # persona 0 lacks its out-group value
    wide = scored.pivot(index="episode_id", columns="relation", values="sentiment")
    differences = (wide["in_group"] - wide["out_group"]).dropna().to_numpy()
    d_z = differences.mean() / differences.std(ddof=1)

    summary = contrast_summary(scored, np.random.default_rng(2), ["sentiment"])

    sentiment = summary["sentiment"]
    assert sentiment["in_minus_out"]["estimate"] == pytest.approx(differences.mean())
    assert sentiment["in_minus_out"]["n"] == 23
    assert sentiment["cohens_d_z"]["estimate"] == pytest.approx(d_z)
    assert sentiment["cohens_d_z"]["n"] == 23
    assert sentiment["in_minus_out"]["low"] < 0.3 < sentiment["in_minus_out"]["high"]
    # Pairing removes the personas' own tone: the unpaired interval is wider.
    inside = scored.loc[scored["relation"] == "in_group", "sentiment"]
    outside = scored.loc[scored["relation"] == "out_group", "sentiment"]
    unpaired = mean_difference_ci(inside, outside, np.random.default_rng(2))
    paired = sentiment["in_minus_out"]
    assert paired["high"] - paired["low"] < 0.5 * (unpaired.high - unpaired.low)


def test_contrast_summary_d_z_interval_covers_the_planted_value() -> None:
    # Differences are 0.3 + N(0, sqrt(2) * 0.1): planted d_z = 0.3 / 0.1414.
    planted = 0.3 / (math.sqrt(2) * 0.1)
    covered = 0
    for seed in range(40):
        summary = contrast_summary(
            _descriptions(np.random.default_rng(seed), personas=40),
            np.random.default_rng(seed),
            ["sentiment"],
        )
        d_z = summary["sentiment"]["cohens_d_z"]
        covered += d_z["low"] <= planted <= d_z["high"]
    assert covered >= 34  # 95% nominal: about 38 of 40


# --- paired arms of an experiment --------------------------------------------------


def test_hint_effect_tests_the_same_items_across_arms_with_mcnemar() -> None:
    # Item 3 has no valid control answer; items 0-5 conform only when hinted.
    conformed = [1, 1, 1, 1, 1, 1, 0, 0]
    control = [0, 0, 0, np.nan, 0, 0, 1, 0]
    rows = [
        {"episode_id": f"wg-{i:04d}-hint", "measure": "conformed", "value": v}
        for i, v in enumerate(conformed)
    ] + [
        {"episode_id": f"wg-{i:04d}-control", "measure": "control_chose_wrong",
         "value": v}
        for i, v in enumerate(control)
    ]  # fmt: skip
    measures = pd.DataFrame(rows).sample(frac=1.0, random_state=0)  # order-free

    effect = hint_effect(measures)

    assert effect["test"] == "mcnemar"
    # Discordant items: 5 hinted-only (0, 1, 2, 4, 5), 1 control-only (6).
    assert effect["p_value"] == pytest.approx(stats.binomtest(5, 6).pvalue)
    assert effect["hint"]["n"] == 8 and effect["control"]["n"] == 7
    assert effect["difference"] == pytest.approx(5 / 7 - 1 / 7)
