"""VADER compound sentiment: sign and range."""

from __future__ import annotations

import pytest

from analysis.sentiment import compound


def test_positive_sentence_scores_above_0_3() -> None:
    assert compound("I love this band, their music is wonderful and great!") > 0.3


def test_negative_sentence_scores_below_minus_0_3() -> None:
    assert compound("I hate this band, their music is terrible and awful.") < -0.3


def test_empty_text_is_neutral() -> None:
    assert compound("") == 0.0


@pytest.mark.parametrize(
    "text",
    ["Great great great great great!!!", "Awful awful awful awful awful!!!", "ok"],
)
def test_score_lies_in_minus_one_to_one(text: str) -> None:
    score = compound(text)
    assert isinstance(score, float)
    assert -1.0 <= score <= 1.0
