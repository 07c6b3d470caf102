"""Planted taste effects: scripted ratings with known shifts are recovered.

The scripted model reads the prompt: a persona who loves X rates X two points
above the baseline and the other item of X's pair one point below; other
items keep the baseline, drawn uniformly from {4, 5, 6}. With that baseline's
SD of sqrt(2/3), the true Cohen's d is 2 / sqrt(2/3) in-group and
1 / sqrt(2/3) out-group.
"""

from __future__ import annotations

import json
import math
import random
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

from agents.clients import factory
from agents.clients.scripted import ScriptedClient
from agents.taste_bank import load_taste_bank
from simulator.run_folder import read_jsonl
from tests.conftest import DRY

Respond = Callable[[list[dict[str, str]], Any, random.Random], str]

BANK = load_taste_bank()
PARTNER = {p.a: p.b for p in BANK.pairs} | {p.b: p.a for p in BANK.pairs}
IN_SHIFT, OUT_SHIFT = 2, -1
BASE_SD = math.sqrt(2 / 3)

# Side a of the first pairs of food, music, drink and hobbies reads "refined",
# side b "rustic"; the bundling plant sorts unrelated items the same way.
REFINED = {"sushi", "jazz", "fine wine", "yoga", "abstract painting", "poetry",
           "city apartments"}  # fmt: skip
RUSTIC = {"barbecue", "country", "craft beer", "hunting", "landscape painting",
          "true crime", "country houses", "weightlifting"}  # fmt: skip


@pytest.fixture
def plant(monkeypatch: pytest.MonkeyPatch) -> Callable[[Respond], None]:
    """Make every model of the run a ScriptedClient answering with `respond`."""

    def install(respond: Respond) -> None:
        client = ScriptedClient(respond=respond)
        monkeypatch.setattr(factory, "build_client", lambda *args, **kwargs: client)

    return install


def _liked(chat: list[dict[str, str]]) -> str | None:
    found = re.search(r"a person who loves (.+?)\.", chat[0]["content"])
    return found.group(1) if found else None


def _item(chat: list[dict[str, str]]) -> str:
    found = re.search(r"How much do you like (.+?)\?", chat[-1]["content"])
    assert found, chat[-1]["content"]
    return found.group(1)


def shifted_ratings(chat: list[dict[str, str]], schema: Any, rng: random.Random) -> str:
    liked, item = _liked(chat), _item(chat)
    rating = rng.choice([4, 5, 6])
    if item == liked:
        rating += IN_SHIFT
    elif liked is not None and PARTNER.get(liked) == item:
        rating += OUT_SHIFT
    return json.dumps({"rating": rating})


def test_planted_shifts_recover_cohens_d_within_its_interval(
    run_experiment, plant
) -> None:
    plant(shifted_ratings)
    result = run_experiment(
        "+experiment=taste_ratings",
        *DRY,
        "experiment.pairs=null",
        "experiment.samples=4",
    )
    summary = json.loads((result.run_dir / "summary.json").read_text())
    assert summary["parse_rate"]["estimate"] == 1.0

    for group, shift in (("in_group", IN_SHIFT), ("out_group", -OUT_SHIFT)):
        d, mean = summary[group]["cohens_d"], summary[group]["mean"]
        # One run is one draw: d and the means are checked against a tolerance
        # of about 3 SE, not this draw's interval (the in-group d lands 1.9 SE
        # from the planted one). Interval coverage over many seeded draws is
        # specified in tests/test_dependent_samples.py.
        assert d["estimate"] == pytest.approx(shift / BASE_SD, abs=0.3), (group, d)
        assert d["low"] < d["estimate"] < d["high"]
        assert d["n"] == 2 * 2 * len(BANK.pairs) * 4
        assert mean["estimate"] == pytest.approx(shift, abs=0.2), (group, mean)
        assert mean["low"] < mean["estimate"] < mean["high"]
        assert mean["n"] == 2 * len(BANK.pairs)
        # Intervals resample pairs: both directions of a pair share a baseline.
        assert d["clusters"] == mean["clusters"] == len(BANK.pairs)
    positive = summary["out_group_positive"]["pairs"]
    assert positive["n"] == len(BANK.pairs) and positive["successes"] >= 30
    ratio = summary["out_to_in_ratio"]
    assert ratio["estimate"] == pytest.approx(-OUT_SHIFT / IN_SHIFT, abs=0.1)
    assert ratio["low"] < ratio["estimate"] < ratio["high"]


def test_cohens_d_agrees_with_numpy_on_the_measures(run_experiment, plant) -> None:
    plant(shifted_ratings)
    result = run_experiment("+experiment=taste_ratings", *DRY, "experiment.pairs=6")
    summary = json.loads((result.run_dir / "summary.json").read_text())
    measures = pd.read_parquet(result.run_dir / "measures.parquet")
    ratings = measures[measures["measure"] == "taste_rating"]

    def d(a: np.ndarray, b: np.ndarray) -> float:
        pooled = ((len(a) - 1) * a.var(ddof=1) + (len(b) - 1) * b.var(ddof=1)) / (
            len(a) + len(b) - 2
        )
        return float((a.mean() - b.mean()) / np.sqrt(pooled))

    by = {r: g["value"].to_numpy() for r, g in ratings.groupby("relation")}
    assert summary["in_group"]["cohens_d"]["estimate"] == pytest.approx(
        d(by["in_group"], by["baseline"])
    )
    assert summary["out_group"]["cohens_d"]["estimate"] == pytest.approx(
        d(by["baseline"], by["out_group"])
    )
    effects = measures[measures["measure"] == "out_group_effect"]["value"]
    assert summary["out_group"]["mean"]["estimate"] == pytest.approx(effects.mean())


def test_invalid_ratings_are_counted_with_raw_text_never_clamped(
    run_experiment, plant
) -> None:
    def sloppy(chat: list[dict[str, str]], schema: Any, rng: random.Random) -> str:
        item = _item(chat)
        if item == "sushi":
            return json.dumps({"rating": 12})  # out of range: not clamped to 10
        if item == "barbecue":
            return "I'd say about seven"
        return json.dumps({"rating": 5})

    plant(sloppy)
    result = run_experiment("+experiment=taste_ratings", *DRY, "experiment.pairs=2")
    summary = json.loads((result.run_dir / "summary.json").read_text())
    total = 2 * 3 * 2 * 2  # pairs x framings x items x samples
    assert summary["parse_rate"]["n"] == total
    assert summary["parse_rate"]["successes"] == total - 3 * 2 * 2

    records = list(read_jsonl(result.run_dir / "episodes.jsonl"))
    verdicts = {
        r["item"]: r["verdict"]
        for e in records
        for r in e["ratings"]
        if r["sample"] == 0
    }
    assert verdicts["sushi"]["valid"] is False and verdicts["sushi"]["value"] is None
    assert "outside" in verdicts["sushi"]["error"] and "12" in verdicts["sushi"]["raw"]
    assert verdicts["barbecue"]["raw"] == "I'd say about seven"
    measures = pd.read_parquet(result.run_dir / "measures.parquet")
    sushi = measures[
        (measures["item"] == "sushi") & (measures["measure"] == "taste_rating")
    ]
    assert sushi["value"].isna().all()


def bundled_ratings(chat: list[dict[str, str]], schema: Any, rng: random.Random) -> str:
    liked, item = _liked(chat), _item(chat)
    if liked is None or item not in REFINED | RUSTIC:
        return json.dumps({"rating": 5})
    same_taste = (liked in REFINED) == (item in REFINED)
    return json.dumps({"rating": 8 if same_taste else 3})


def test_bundling_recovers_a_planted_cultural_bundle(run_experiment, plant) -> None:
    plant(bundled_ratings)
    result = run_experiment("+experiment=taste_bundling", *DRY)
    summary = json.loads((result.run_dir / "summary.json").read_text())
    vector = pd.DataFrame(summary["bundle_vector"])
    assert len(vector) == 4 * 12  # 4 pairs, 2 items from each of 6 other domains
    refined = vector[vector["item"].isin(REFINED)]["difference"]
    rustic = vector[vector["item"].isin(RUSTIC)]["difference"]
    assert (refined == 5).all() and (rustic == -5).all()
    assert summary["unrelated_difference"]["mean_abs"]["estimate"] == pytest.approx(5)
    assert summary["shift_from_baseline"]["loves jazz"]["n"] == 12
    assert not set(vector[vector["pair_id"] == "music-01"]["item_domain"]) & {"music"}

    # The persona-by-item matrix, as a table: the planted ratings, null where
    # a persona rated nothing of the item's own domain.
    matrix = summary["rating_matrix"]
    loves_jazz = matrix["loves jazz"]
    assert loves_jazz["jazz"] is None and loves_jazz["country"] is None
    rated = {item: value for item, value in loves_jazz.items() if value is not None}
    assert {rated[i] for i in REFINED & set(rated)} == {8.0}
    assert {rated[i] for i in RUSTIC & set(rated)} == {3.0}


def test_analysis_compare_correlates_two_models_bundle_vectors(
    run_experiment, plant, tmp_path
) -> None:
    from analysis.compare import compare_sweep

    plant(bundled_ratings)
    sweep = tmp_path / "sweep"
    for job, model in enumerate(("model_a", "model_b")):
        result = run_experiment(
            "+experiment=taste_bundling",
            *DRY,
            f"model.name={model}",
            run_dir=sweep / str(job),
        )
        assert result.ok
    report = compare_sweep(sweep, by="model")
    table = report.table[report.table["experiment"] == "taste_bundling"]
    (row,) = table[table["kind"] == "comparison"].to_dict(orient="records")
    assert (row["group_a"], row["group_b"]) == ("model_a", "model_b")
    assert row["test"] == "spearman" and row["n"] == 4 * 12
    assert row["estimate"] == pytest.approx(1.0)  # the same planted bundle twice
    means = table[table["kind"] == "mean"].set_index("group")["estimate"]
    assert means.to_dict() == pytest.approx({"model_a": 5.0, "model_b": 5.0})
    assert report.table_path.is_file()
    assert all(path.is_file() for path in report.figures)
